//! What a joined session knows about itself, and its observable state.

use std::sync::Arc;

pub use crate::connect::SessionDetails;

/// The state of a client's session, as observers see it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SessionState {
    /// Joined to a realm (after a reconnect: once every registration and
    /// subscription was restored).
    Joined(Arc<SessionDetails>),
    /// The connection was lost; the client is waiting for, or making,
    /// reconnect attempt `attempt` (1-based). Requests fail fast meanwhile.
    Reconnecting {
        /// The attempt being waited for or made.
        attempt: u32,
        /// Why the last session ended.
        reason: String,
    },
    /// Closed for good, with the reason.
    Closed(String),
}

/// What happens to a client's session, as a stream of events
/// ([`Client::events`](crate::Client::events)).
///
/// A session's life: `Joined` → `Left` → (`Reconnecting` → ...)* → `Joined`
/// → ... → `Left` → `Closed`. A client connected without reconnecting goes
/// straight from `Left` to `Closed`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// A session was joined (and, after a reconnect, every registration and
    /// subscription was restored). The first join happens inside
    /// `Client::connect`, before anyone can listen: it is not announced.
    Joined(Arc<SessionDetails>),
    /// A session ended: the connection was lost, the router closed it, or
    /// the client left.
    Left {
        /// Why.
        reason: String,
    },
    /// A reconnect attempt is due after `delay`.
    Reconnecting {
        /// The attempt (1-based; it restarts at 1 after every join).
        attempt: u32,
        /// The backoff before the attempt, jitter included.
        delay: std::time::Duration,
    },
    /// A procedure or subscription is no longer served: the router revoked
    /// it (an unsolicited UNREGISTERED/UNSUBSCRIBED, e.g. another callee
    /// registered it with `force_reregister`), or restoring it after a
    /// reconnect failed. A revoked one is dropped from the set restored on
    /// reconnect; one whose restore failed is tried again on the next.
    Revoked {
        /// The procedure or topic.
        uri: String,
        /// The router's reason or error.
        reason: String,
    },
    /// The client is closed for good: it left, was stopped, or gave up
    /// reconnecting (the reason says which).
    Closed {
        /// Why.
        reason: String,
    },
}
