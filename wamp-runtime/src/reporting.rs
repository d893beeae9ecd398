//! Reporting failed handlers: the [`ErrorReporter`] hook (asphalt-wamp's
//! asphalt-exceptions integration) and its default, [`TracingReporter`].
//!
//! A handler *failure* is a bug or an outage on the callee's side, as
//! opposed to an answer that is part of the procedure's API:
//!
//! | what happened | reported? | the caller receives |
//! |---|---|---|
//! | a procedure handler panicked | yes | `wamp.error.runtime_error` with [`INTERNAL_ERROR`](crate::INTERNAL_ERROR) |
//! | a typed procedure returned an unmapped error (`Display` only: `std::io::Error`, `anyhow::Error`, `String`) | yes | `wamp.error.runtime_error` with [`INTERNAL_ERROR`](crate::INTERNAL_ERROR), not the error's text |
//! | a typed procedure returned a [`WampError`](crate::WampError) (derived, or an [`ApplicationError`]) | **no**: that error is part of the API | its URI and fields |
//! | a raw handler (`Fn(CallContext, Payload) -> Result<Payload, ApplicationError>`) returned `Err` | **no**: the handler chose the error | that error |
//! | the caller's arguments do not fit a typed procedure | **no**: the caller's mistake (logged at debug level) | `wamp.error.invalid_argument` |
//! | an event handler panicked, or a `#[subscriber]` returned `Err` (mapped or not) | yes: nobody else hears of it | nothing |
//! | an event's arguments do not fit a `#[subscriber]` | **no**: the publisher's mistake (a `tracing` warning) | nothing |
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use wamp_runtime::reporting::{ErrorReporter, HandlerFailure};
//!
//! /// Keeps the failures, e.g. to forward them to an error tracker.
//! #[derive(Debug, Default)]
//! struct Collect(Mutex<Vec<String>>);
//!
//! impl ErrorReporter for Collect {
//!     fn report(&self, failure: &HandlerFailure) {
//!         let caller = failure.peer.as_ref().and_then(|p| p.authid.clone());
//!         self.0.lock().unwrap().push(format!("{} {:?}: {}", failure.uri, caller, failure.message));
//!     }
//! }
//!
//! # async fn demo(client: wamp_runtime::Client) {
//! client.set_error_reporter(Arc::new(Collect::default()));
//! # }
//! ```

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::future::Future;

use crate::error::ApplicationError;
use crate::handler::PeerIdentity;

/// What kind of handler failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandlerKind {
    /// A registered procedure, answering an invocation.
    Procedure,
    /// A subscription's event handler.
    Subscriber,
}

/// One failed handler run, as given to [`ErrorReporter::report`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HandlerFailure {
    /// A procedure or an event handler.
    pub kind: HandlerKind,
    /// The concrete procedure or topic URI (for pattern registrations and
    /// subscriptions, the one that was called or published to).
    pub uri: String,
    /// The caller (procedures) or publisher (events), when the router
    /// disclosed it.
    pub peer: Option<PeerIdentity>,
    /// What went wrong: the error's `Display`, or the panic message.
    pub message: String,
    /// `true` when the handler panicked.
    pub panicked: bool,
    /// The error sent to the caller (procedures only).
    pub sent: Option<ApplicationError>,
}

impl fmt::Display for HandlerFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            HandlerKind::Procedure => "procedure",
            HandlerKind::Subscriber => "event handler of",
        };
        let how = if self.panicked { "panicked" } else { "failed" };
        write!(f, "{what} {} {how}: {}", self.uri, self.message)
    }
}

/// Called for every failed handler (see the [module docs](self) for what
/// counts as a failure). Set one with
/// [`Client::set_error_reporter`](crate::Client::set_error_reporter) or
/// [`Server::error_reporter`](crate::Server::error_reporter); the default is
/// [`TracingReporter`].
///
/// `report` runs on the handler's task right after the handler ended: keep
/// it quick (hand slow work such as HTTP uploads to a task of your own).
pub trait ErrorReporter: Send + Sync + 'static {
    /// Reports one failure.
    fn report(&self, failure: &HandlerFailure);
}

/// The default reporter: one `tracing` error event per failure, with the
/// URI, the peer's authid and session when disclosed, and the message.
#[derive(Debug, Clone, Copy, Default)]
pub struct TracingReporter;

impl ErrorReporter for TracingReporter {
    fn report(&self, failure: &HandlerFailure) {
        let peer = failure.peer.as_ref();
        tracing::error!(
            uri = %failure.uri,
            kind = ?failure.kind,
            panicked = failure.panicked,
            peer_authid = ?peer.and_then(|p| p.authid.as_deref()),
            peer_session = ?peer.and_then(|p| p.session),
            error = %failure.message,
            "handler failed"
        );
    }
}

tokio::task_local! {
    /// Set by the typed-handler glue when an error is a failure rather than
    /// a mapped answer; read by the task that runs the handler.
    static FAILURE: RefCell<Option<String>>;
}

/// Marks the running handler as failed with `message`. Returns `false`
/// when no handler run is being watched (the handler was called directly),
/// so the caller can log the failure itself.
pub(crate) fn note_failure(message: &dyn fmt::Display) -> bool {
    FAILURE
        .try_with(|slot| *slot.borrow_mut() = Some(message.to_string()))
        .is_ok()
}

/// Runs `work` (a handler run), returning its output and the failure the
/// glue noted, if any.
pub(crate) async fn watch<F: Future>(work: F) -> (F::Output, Option<String>) {
    FAILURE
        .scope(RefCell::new(None), async move {
            let output = work.await;
            let noted = FAILURE.try_with(|slot| slot.borrow_mut().take()).ok().flatten();
            (output, noted)
        })
        .await
}

/// The message of a caught panic.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "the handler panicked".to_owned()
    }
}
