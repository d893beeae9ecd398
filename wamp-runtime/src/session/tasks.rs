//! The handler tasks the session starts: one per invocation, one per local
//! subscriber. Here user code runs, its panics are caught and its failures
//! reported; the session itself never runs user code.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::FutureExt;
use tokio::sync::mpsc;
use wamp_protocol::{Dict, ErrorMessage, Id, Message, MessageType, Payload, Yield};

use super::command::{Command, EncodedMessage};
use crate::Client;
use crate::error::ApplicationError;
use crate::handler::{CallContext, EventContext, EventHandler, ProcedureHandler};
use crate::reporting::{HandlerFailure, HandlerKind};

/// A handler task for the session's driver to start.
// Boxing the invocation would cost an allocation per invocation; a task
// stays in `Out` only until the driver spawns it.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Task {
    Invocation(Invocation),
    /// Runs one local subscriber's handler on its events, in order.
    Subscriber {
        handler: Arc<dyn EventHandler>,
        events: mpsc::Receiver<(EventContext, Payload)>,
    },
}

impl Task {
    pub(super) async fn run(self) {
        match self {
            Task::Invocation(invocation) => invocation.run().await,
            Task::Subscriber { handler, events } => run_subscriber(handler, events).await,
        }
    }
}

/// One invocation to answer.
pub(crate) struct Invocation {
    pub(super) handler: Arc<dyn ProcedureHandler>,
    pub(super) ctx: CallContext,
    pub(super) payload: Payload,
    pub(super) epoch: u64,
    pub(super) request: Id,
    pub(super) in_flight: InFlight,
}

impl Invocation {
    async fn run(self) {
        let Invocation {
            handler,
            ctx,
            payload,
            epoch,
            request,
            in_flight: _in_flight,
        } = self;
        let client = ctx.client().clone();
        let uri = ctx.procedure().to_owned();
        let peer = ctx.caller().cloned();
        let (outcome, noted) =
            crate::reporting::watch(AssertUnwindSafe(async { handler.invoke(ctx, payload).await }).catch_unwind())
                .await;
        let (result, failure) = match outcome {
            Ok(result) => (result, noted.map(|message| (message, false))),
            Err(panic) => (
                Err(ApplicationError::with_message(
                    ApplicationError::RUNTIME_ERROR,
                    crate::INTERNAL_ERROR,
                )),
                Some((crate::reporting::panic_message(panic.as_ref()), true)),
            ),
        };
        if let Some((message, panicked)) = failure {
            client.report(&HandlerFailure {
                kind: HandlerKind::Procedure,
                uri,
                peer,
                message,
                panicked,
                sent: result.as_ref().err().cloned(),
            });
        }
        let frame = encode_invocation_outcome(&client, request, result);
        let _ = client
            .send_command(Command::InvocationDone { epoch, request, frame })
            .await;
    }
}

async fn run_subscriber(handler: Arc<dyn EventHandler>, mut events: mpsc::Receiver<(EventContext, Payload)>) {
    while let Some((ctx, payload)) = events.recv().await {
        let client = ctx.client().clone();
        let uri = ctx.topic().to_owned();
        let peer = ctx.publisher().cloned();
        let (outcome, noted) =
            crate::reporting::watch(AssertUnwindSafe(async { handler.handle(ctx, payload).await }).catch_unwind())
                .await;
        let (message, panicked) = match (outcome, noted) {
            (Err(panic), _) => (crate::reporting::panic_message(panic.as_ref()), true),
            (Ok(()), Some(message)) => (message, false),
            (Ok(()), None) => continue,
        };
        client.report(&HandlerFailure {
            kind: HandlerKind::Subscriber,
            uri,
            peer,
            message,
            panicked,
            sent: None,
        });
    }
}

/// Counts one invocation of a procedure for as long as its task lives,
/// whether it returns, panics or is aborted.
pub(crate) struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    pub(super) fn enter(counter: &Arc<AtomicUsize>) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        Self(counter.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Encodes a handler's outcome as the final YIELD or ERROR of an invocation.
fn encode_invocation_outcome(
    client: &Client,
    request: Id,
    result: Result<Payload, ApplicationError>,
) -> EncodedMessage {
    let message: Message = match result {
        Ok(payload) => Yield {
            request,
            options: Dict::new(),
            payload,
        }
        .into(),
        Err(error) => invocation_error(request, error),
    };
    match client.encode(&message) {
        Ok(frame) => frame,
        Err(e) => {
            // E.g. a float the serializer cannot carry: tell the caller, not the void.
            tracing::error!(error = %e, "cannot encode a handler's result");
            let fallback = invocation_error(
                request,
                ApplicationError::with_message(ApplicationError::RUNTIME_ERROR, "the result cannot be serialized"),
            );
            client.encode(&fallback).unwrap_or_else(|_| client.empty_frame())
        }
    }
}

/// The ERROR answering invocation `request`.
pub(super) fn invocation_error(request: Id, error: ApplicationError) -> Message {
    let (uri, payload) = error.into_parts();
    ErrorMessage {
        request_type: MessageType::Invocation,
        request,
        details: Dict::new(),
        error: uri,
        payload,
    }
    .into()
}
