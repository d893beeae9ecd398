//! What a joined session knows about itself, and its observable state.

use std::sync::Arc;

use wamp_core::{Dict, Id, Value};

/// The details of a joined session, from the router's WELCOME.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionDetails {
    /// The session id the router assigned.
    pub session_id: Id,
    /// The realm joined.
    pub realm: String,
    /// The authentication id the router assigned (for anonymous sessions, a random one).
    pub authid: Option<String>,
    /// The role the router assigned.
    pub authrole: Option<String>,
    /// How the session authenticated (`anonymous`, `ticket`, ...).
    pub authmethod: Option<String>,
    /// The roles the router announced (`broker`, `dealer`) with their features.
    pub router_roles: Dict,
    /// The whole WELCOME details dictionary.
    pub details: Dict,
    /// The URL of the router joined (one of the configured
    /// [`urls`](crate::ClientConfig::urls)).
    pub router_url: String,
}

impl SessionDetails {
    pub(crate) fn from_welcome(session_id: Id, realm: String, details: Dict) -> Self {
        let text = |key: &str| details.get(key).and_then(Value::as_str).map(str::to_owned);
        Self {
            session_id,
            realm,
            authid: text("authid"),
            authrole: text("authrole"),
            authmethod: text("authmethod"),
            router_roles: details
                .get("roles")
                .and_then(Value::as_dict)
                .cloned()
                .unwrap_or_default(),
            details,
            router_url: String::new(),
        }
    }

    /// `true` when the router announced `feature` for `role` (e.g. `dealer`, `call_canceling`).
    pub fn router_supports(&self, role: &str, feature: &str) -> bool {
        self.router_roles
            .get(role)
            .and_then(Value::as_dict)
            .and_then(|r| r.get("features"))
            .and_then(Value::as_dict)
            .and_then(|f| f.get(feature))
            .and_then(Value::as_bool)
            == Some(true)
    }
}

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
