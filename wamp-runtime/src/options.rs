//! Options of registrations and subscriptions: one type each, for
//! [`Client::register`](crate::Client::register) and
//! [`Client::subscribe`](crate::Client::subscribe), for the handlers of a
//! [`Registry`](crate::registry::Registry) and for `#[procedure]`,
//! `#[subscriber]` and `wamp_module!` alike.
//!
//! An option left unset (`None`) inherits: in a registry or a module, from
//! the enclosing defaults (see [`RegisterOptions::or`]); at the router, the
//! protocol's default (exact match, a single callee, no disclosure, no
//! limit).

use wamp_protocol::{Dict, InvokePolicy, MatchPolicy, Value};

/// Options of a registration, for [`Client::register`](crate::Client::register),
/// a [`Registry`](crate::registry::Registry) and `#[procedure]` alike.
///
/// An option left unset (`None`) inherits: in a registry or a module, from
/// the enclosing defaults (see [`or`](Self::or)); at the router, the
/// protocol's default (exact match, a single callee, no disclosure, no
/// limit).
///
/// ```
/// use wamp_runtime::{InvokePolicy, MatchPolicy, RegisterOptions};
///
/// let options = RegisterOptions::new()
///     .match_policy(MatchPolicy::Prefix)
///     .invoke(InvokePolicy::RoundRobin)
///     .concurrency(4);
/// assert_eq!(options.invoke, Some(InvokePolicy::RoundRobin));
///
/// // Defaults fill what is unset, and never override what is set.
/// const MODULE_DEFAULTS: RegisterOptions = RegisterOptions::new().invoke(InvokePolicy::Last).disclose_caller(true);
/// let merged = options.or(MODULE_DEFAULTS);
/// assert_eq!(merged.invoke, Some(InvokePolicy::RoundRobin));
/// assert_eq!(merged.disclose_caller, Some(true));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegisterOptions {
    /// How the router matches called URIs against this registration
    /// (`match`; default exact).
    pub match_policy: Option<MatchPolicy>,
    /// Which callee the router picks when several share the procedure
    /// (`invoke`; default single).
    pub invoke: Option<InvokePolicy>,
    /// Ask the router to tell this callee who the caller is (default no).
    pub disclose_caller: Option<bool>,
    /// Take the procedure over from another session that holds it with
    /// the same invocation policy (`force_reregister`; Crossbar takes it
    /// away from the other session, which is told if it announced
    /// `registration_revocation`). For a service restarted while the
    /// router still holds its dead predecessor's registration.
    pub force_reregister: Option<bool>,
    /// At most this many invocations of the handler run at once; more wait
    /// in arrival order (an interrupted waiting invocation leaves with
    /// `wamp.error.canceled`). Default: no limit.
    pub concurrency: Option<usize>,
    /// At most this many invocations of the handler are held at once,
    /// running or waiting for [`concurrency`](Self::concurrency); one more
    /// is answered at once with `wamp.error.unavailable` (the procedure is
    /// busy), so that a caller can retry elsewhere or later instead of
    /// waiting behind a backlog. Default: the client's
    /// [`invocation_queue`](crate::ClientConfig::invocation_queue), which
    /// this replaces for the procedure (above or below it).
    pub queue_limit: Option<usize>,
}

impl RegisterOptions {
    /// No option set: every one inherits.
    pub const fn new() -> Self {
        Self {
            match_policy: None,
            invoke: None,
            disclose_caller: None,
            force_reregister: None,
            concurrency: None,
            queue_limit: None,
        }
    }

    /// Sets the match policy.
    pub const fn match_policy(mut self, policy: MatchPolicy) -> Self {
        self.match_policy = Some(policy);
        self
    }

    /// Sets the invocation policy.
    pub const fn invoke(mut self, policy: InvokePolicy) -> Self {
        self.invoke = Some(policy);
        self
    }

    /// Sets caller disclosure.
    pub const fn disclose_caller(mut self, disclose: bool) -> Self {
        self.disclose_caller = Some(disclose);
        self
    }

    /// Sets `force_reregister`.
    pub const fn force_reregister(mut self, force: bool) -> Self {
        self.force_reregister = Some(force);
        self
    }

    /// Sets the concurrency limit.
    pub const fn concurrency(mut self, limit: usize) -> Self {
        self.concurrency = Some(limit);
        self
    }

    /// Sets the limit of invocations held at once.
    pub const fn queue_limit(mut self, limit: usize) -> Self {
        self.queue_limit = Some(limit);
        self
    }

    /// These options, with the unset ones taken from `defaults`.
    pub const fn or(self, defaults: RegisterOptions) -> Self {
        // `Option::or` is not a `const fn`.
        const fn either<T: Copy>(own: Option<T>, default: Option<T>) -> Option<T> {
            match own {
                Some(value) => Some(value),
                None => default,
            }
        }
        Self {
            match_policy: either(self.match_policy, defaults.match_policy),
            invoke: either(self.invoke, defaults.invoke),
            disclose_caller: either(self.disclose_caller, defaults.disclose_caller),
            force_reregister: either(self.force_reregister, defaults.force_reregister),
            concurrency: either(self.concurrency, defaults.concurrency),
            queue_limit: either(self.queue_limit, defaults.queue_limit),
        }
    }

    /// The match policy in force.
    pub(crate) fn match_policy_or_default(self) -> MatchPolicy {
        self.match_policy.unwrap_or_default()
    }

    /// Whether the router allows a single callee only.
    pub(crate) fn is_single(self) -> bool {
        self.invoke.unwrap_or_default() == InvokePolicy::Single
    }

    /// The REGISTER options, those at the protocol's default left out.
    pub(crate) fn to_dict(self) -> Dict {
        let mut options = Dict::new();
        let match_policy = self.match_policy_or_default();
        if match_policy != MatchPolicy::Exact {
            options.insert("match".into(), Value::String(match_policy.as_str().into()));
        }
        let invoke = self.invoke.unwrap_or_default();
        if invoke != InvokePolicy::Single {
            options.insert("invoke".into(), Value::String(invoke.as_str().into()));
        }
        if self.disclose_caller == Some(true) {
            options.insert("disclose_caller".into(), Value::Bool(true));
        }
        if self.force_reregister == Some(true) {
            options.insert("force_reregister".into(), Value::Bool(true));
        }
        options
    }
}

/// Options of a subscription; `None` inherits like [`RegisterOptions`].
///
/// ```
/// use wamp_runtime::{MatchPolicy, SubscribeOptions};
///
/// let options = SubscribeOptions::new().match_policy(MatchPolicy::Wildcard);
/// assert_eq!(options.match_policy, Some(MatchPolicy::Wildcard));
/// assert_eq!(SubscribeOptions::new().or(options), options);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubscribeOptions {
    /// How the router matches published topics against this subscription
    /// (default exact).
    pub match_policy: Option<MatchPolicy>,
}

impl SubscribeOptions {
    /// No option set: every one inherits.
    pub const fn new() -> Self {
        Self { match_policy: None }
    }

    /// Sets the match policy.
    pub const fn match_policy(mut self, policy: MatchPolicy) -> Self {
        self.match_policy = Some(policy);
        self
    }

    /// These options, with the unset ones taken from `defaults`.
    pub const fn or(self, defaults: SubscribeOptions) -> Self {
        Self {
            match_policy: match self.match_policy {
                Some(policy) => Some(policy),
                None => defaults.match_policy,
            },
        }
    }

    /// The match policy in force.
    pub(crate) fn match_policy_or_default(self) -> MatchPolicy {
        self.match_policy.unwrap_or_default()
    }

    pub(crate) fn to_dict(self) -> Dict {
        let mut options = Dict::new();
        let match_policy = self.match_policy_or_default();
        if match_policy != MatchPolicy::Exact {
            options.insert("match".into(), Value::String(match_policy.as_str().into()));
        }
        options
    }
}
