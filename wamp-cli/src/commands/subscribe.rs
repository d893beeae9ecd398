//! `wamp subscribe`.

use serde_json::Value as Json;
use tokio::sync::mpsc;
use wamp_runtime::{Client, EventContext, Payload, SubscribeOptions};

use super::{print_line, shutdown_listener};
use crate::cli::SubscribeArgs;
use crate::error::CliError;
use crate::json::envelope_map;

pub(super) async fn run(client: &Client, args: SubscribeArgs) -> Result<(), CliError> {
    let shutdown = shutdown_listener();
    let (events, mut received) = mpsc::unbounded_channel();
    let options = SubscribeOptions::default().match_policy(args.match_policy.into());
    let subscription = client
        .subscribe(
            args.topic,
            move |ctx: EventContext, payload: Payload| {
                // Fails only once the printing loop below has ended.
                let _ = events.send(event_json(&ctx, &payload));
            },
            options,
        )
        .await?;
    tracing::info!(topic = %subscription.topic(), subscription = subscription.id(), "subscribed");

    let closed = client.closed();
    tokio::pin!(shutdown, closed);
    let mut printed = 0u64;
    while args.count.is_none_or(|count| printed < count) {
        tokio::select! {
            Some(event) = received.recv() => {
                print_line(&event)?;
                printed += 1;
            }
            () = &mut shutdown => break,
            reason = &mut closed => return Err(CliError::SessionClosed(reason)),
        }
    }
    Ok(())
}

/// `{"args": [...], "kwargs": {...}, "publication": ID, "topic": "..."}`.
fn event_json(ctx: &EventContext, payload: &Payload) -> Json {
    let mut event = envelope_map(payload);
    event.insert("publication".into(), ctx.publication_id().into());
    event.insert("topic".into(), ctx.topic().into());
    Json::Object(event)
}
