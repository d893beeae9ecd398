//! Options of registrations and subscriptions.

use wamp_core::{Dict, InvokePolicy, MatchPolicy, Value};

/// Options of a registration.
///
/// ```
/// use wamp_runtime::{InvokePolicy, MatchPolicy, RegisterOptions};
///
/// let options = RegisterOptions::default()
///     .match_policy(MatchPolicy::Prefix)
///     .invoke(InvokePolicy::RoundRobin)
///     .disclose_caller(true);
/// assert_eq!(options.invoke, InvokePolicy::RoundRobin);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegisterOptions {
    /// How the router matches called URIs against this registration.
    pub match_policy: MatchPolicy,
    /// Which callee the router picks when several share the procedure.
    pub invoke: InvokePolicy,
    /// Ask the router to tell this callee who the caller is.
    pub disclose_caller: bool,
    /// Take the procedure over from another session that holds it with
    /// the same invocation policy (`force_reregister`; Crossbar takes it
    /// away from the other session, which is told if it announced
    /// `registration_revocation`). For a service restarted while the
    /// router still holds its dead predecessor's registration.
    pub force_reregister: bool,
}

impl RegisterOptions {
    /// Sets the match policy.
    pub fn match_policy(mut self, policy: MatchPolicy) -> Self {
        self.match_policy = policy;
        self
    }

    /// Sets the invocation policy.
    pub fn invoke(mut self, policy: InvokePolicy) -> Self {
        self.invoke = policy;
        self
    }

    /// Sets caller disclosure.
    pub fn disclose_caller(mut self, disclose: bool) -> Self {
        self.disclose_caller = disclose;
        self
    }

    /// Sets `force_reregister`.
    pub fn force_reregister(mut self, force: bool) -> Self {
        self.force_reregister = force;
        self
    }

    pub(crate) fn to_dict(&self) -> Dict {
        let mut options = Dict::new();
        if self.match_policy != MatchPolicy::Exact {
            options.insert("match".into(), Value::String(self.match_policy.as_str().into()));
        }
        if self.invoke != InvokePolicy::Single {
            options.insert("invoke".into(), Value::String(self.invoke.as_str().into()));
        }
        if self.disclose_caller {
            options.insert("disclose_caller".into(), Value::Bool(true));
        }
        if self.force_reregister {
            options.insert("force_reregister".into(), Value::Bool(true));
        }
        options
    }
}

/// Options of a subscription.
///
/// ```
/// use wamp_runtime::{MatchPolicy, SubscribeOptions};
///
/// let options = SubscribeOptions::default().match_policy(MatchPolicy::Wildcard);
/// assert_eq!(options.match_policy, MatchPolicy::Wildcard);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubscribeOptions {
    /// How the router matches published topics against this subscription.
    pub match_policy: MatchPolicy,
}

impl SubscribeOptions {
    /// Sets the match policy.
    pub fn match_policy(mut self, policy: MatchPolicy) -> Self {
        self.match_policy = policy;
        self
    }

    pub(crate) fn to_dict(&self) -> Dict {
        let mut options = Dict::new();
        if self.match_policy != MatchPolicy::Exact {
            options.insert("match".into(), Value::String(self.match_policy.as_str().into()));
        }
        options
    }
}
