//! What a joined session knows about itself.

use wamp_protocol::{Dict, Id, Value};

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
