//! What the handles ask of the session: [`Command`], and the shared state of
//! a registration's or subscription's handle.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use wamp_protocol::{Dict, Id, Payload, SerializerKind};

use crate::client::CallOutput;
use crate::error::{CallError, Error};
use crate::handler::{EventHandler, ProcedureHandler};

/// How the session answers one request of a handle.
pub(crate) type Reply<T> = oneshot::Sender<Result<T, CallError>>;

/// A message encoded by a client handle, with the serializer it was encoded
/// for: after a reconnect the router may have picked another one.
#[derive(Debug)]
pub(crate) struct EncodedMessage {
    pub(crate) kind: SerializerKind,
    pub(crate) bytes: Vec<u8>,
}

/// What the session tells a handle about a new registration or
/// subscription: its local id, and its shared [`HandleState`].
pub(crate) type Handle = (u64, Arc<HandleState>);

/// One registration's or subscription's state, shared by the session and
/// the handle: the router's id, kept current across reconnects (0 while not
/// registered), and whether it has ended for good (unregistered, revoked by
/// the router, or the client closed).
#[derive(Debug, Default)]
pub(crate) struct HandleState {
    id: AtomicU64,
    ended: AtomicBool,
}

impl HandleState {
    pub(crate) fn id(&self) -> Id {
        self.id.load(Ordering::Relaxed)
    }

    pub(crate) fn is_active(&self) -> bool {
        !self.ended.load(Ordering::Relaxed)
    }

    pub(super) fn set(&self, id: Id) {
        self.id.store(id, Ordering::Relaxed);
    }

    /// Ends it for good; returns the router id it had.
    pub(super) fn end(&self) -> Id {
        self.ended.store(true, Ordering::Relaxed);
        self.id.swap(0, Ordering::Relaxed)
    }
}

/// A request from a [`Client`](crate::Client) handle (or a handler task) to
/// the session.
///
/// Calls, publications and handler answers are encoded by the sender, so
/// serialization work is spread over the callers' tasks; registrations and
/// subscriptions are encoded by the session, which replays them after a
/// reconnect.
pub(crate) enum Command {
    Call {
        request: Id,
        frame: EncodedMessage,
        reply: Reply<CallOutput>,
        progress: Option<mpsc::UnboundedSender<Payload>>,
    },
    /// Sent when a call times out or its future is dropped.
    Cancel {
        request: Id,
        frame: EncodedMessage,
    },
    Publish {
        request: Id,
        frame: EncodedMessage,
        /// `Some` when the publication is acknowledged.
        reply: Option<Reply<Id>>,
    },
    Subscribe {
        topic: String,
        options: Dict,
        handler: Arc<dyn EventHandler>,
        reply: Reply<Handle>,
    },
    Unsubscribe {
        local: u64,
        reply: Reply<()>,
    },
    Register {
        procedure: String,
        options: Dict,
        /// Single-callee (`invoke: single`): re-registered with `force_reregister`.
        single: bool,
        /// Overrides the client's `invocation_queue` for this procedure.
        queue_limit: Option<usize>,
        handler: Arc<dyn ProcedureHandler>,
        reply: Reply<Handle>,
    },
    Unregister {
        local: u64,
        reply: Reply<()>,
    },
    /// A progressive YIELD of an invocation still in flight.
    Progress {
        epoch: u64,
        request: Id,
        frame: EncodedMessage,
    },
    /// The final YIELD or ERROR of an invocation.
    InvocationDone {
        epoch: u64,
        request: Id,
        frame: EncodedMessage,
    },
    /// Says GOODBYE and closes, without reconnecting.
    Leave {
        reason: String,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    /// Stops gracefully: unregisters every procedure, lets invocations in
    /// flight finish for up to `timeout`, interrupts those still running,
    /// then leaves. Answered once the session is closed.
    Stop {
        timeout: Duration,
        reply: oneshot::Sender<Result<(), Error>>,
    },
}
