//! Subscribes to `com.example.topic` and prints every event until Ctrl-C.
//!
//! Run: `cargo run --example subscribe`, then `cargo run --example publish`.

mod common;

use wamp_runtime::{Client, EventContext, Payload, SubscribeOptions, Value};

fn on_event(ctx: EventContext, payload: Payload) {
    println!(
        "event {} on {}: args={} kwargs={}",
        ctx.publication_id(),
        ctx.topic(),
        Value::List(payload.args),
        Value::Dict(payload.kwargs)
    );
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    common::init_tracing();
    let config = common::client_config()?;
    let client = Client::connect(&config).await?;
    client
        .subscribe("com.example.topic", on_event, SubscribeOptions::default())
        .await?;
    println!("subscribed to com.example.topic; press Ctrl-C to stop");

    tokio::select! {
        () = wamp_runtime::shutdown_signal() => client.stop(config.shutdown_timeout).await?,
        reason = client.closed() => return Err(format!("the session ended: {reason}").into()),
    }
    println!("stopped");
    Ok(())
}
