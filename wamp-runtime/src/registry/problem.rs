//! What can keep a service from starting, by when it is found: a
//! [`Problem`] with the handlers themselves ([`Registry::resolve`](super::Registry::resolve)),
//! a [`ServerProblem`] between the handlers and the server they are given
//! to (before connecting), a [`Refusal`] of the router (once connected).
//! A [`StartupError`] lists every one found.

use std::fmt;

use super::origin::{Location, Origin};

/// One thing wrong with the handlers themselves, whatever server runs them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// Two procedures of one client have the same URI and match policy.
    DuplicateProcedure {
        /// The URI.
        uri: String,
        /// The client, if known.
        client: Option<String>,
        /// The first handler.
        first: Origin,
        /// The second handler.
        second: Origin,
    },
    /// A full URI is not valid.
    InvalidUri {
        /// `"procedure"` or `"topic"`.
        what: &'static str,
        /// The handler.
        origin: Origin,
        /// What is wrong.
        reason: String,
    },
    /// One error type mapped to two different URIs.
    ConflictingErrorMapping {
        /// The Rust type.
        type_name: &'static str,
        /// One URI.
        first: String,
        /// The other URI.
        second: String,
    },
    /// A `concurrency` or `queue_limit` of 0 would never run the handler.
    ZeroLimit {
        /// The URI.
        uri: String,
        /// The handler.
        origin: Origin,
        /// `"concurrency"` or `"queue_limit"`.
        option: &'static str,
    },
    /// Two `wamp_module!` declarations in one module.
    DuplicateModule {
        /// The module.
        module_path: &'static str,
        /// The first declaration.
        first: Location,
        /// The second declaration.
        second: Location,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::ConflictingErrorMapping {
                type_name,
                first,
                second,
            } => write!(
                f,
                "error type {type_name} is mapped to two URIs, {first:?} and {second:?}"
            ),
            Problem::DuplicateProcedure {
                uri,
                client,
                first,
                second,
            } => {
                write!(f, "procedure {uri:?} is defined twice")?;
                if let Some(client) = client {
                    write!(f, " for client {client:?}")?;
                }
                write!(
                    f,
                    ": by {first} and by {second}; rename one (name = ...) or change its prefix"
                )
            }
            Problem::InvalidUri { what, origin, reason } => write!(f, "{reason} (the {what} of {origin})"),
            Problem::ZeroLimit { uri, origin, option } => {
                write!(f, "procedure {uri:?} of {origin} has {option} 0; give at least 1")
            }
            Problem::DuplicateModule {
                module_path,
                first,
                second,
            } => write!(
                f,
                "module {module_path} declares wamp_module! twice ({}:{} and {}:{}); keep one",
                first.file, first.line, second.file, second.line
            ),
        }
    }
}

/// One way the handlers do not fit the server they are given to: its
/// configured clients, its states, or having anything to serve at all.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerProblem {
    /// A handler names a client the configuration does not have.
    UnknownClient {
        /// The URI.
        uri: String,
        /// The client named.
        client: String,
        /// The handler.
        origin: Origin,
        /// The configured clients.
        known: Vec<String>,
    },
    /// A handler names no client and the configuration has no default one.
    NoDefaultClient {
        /// The URI.
        uri: String,
        /// The handler.
        origin: Origin,
        /// The configured clients.
        known: Vec<String>,
    },
    /// A handler takes a `State<T>` and the server was given no `T`.
    MissingState {
        /// `"procedure"` or `"subscriber"`.
        what: &'static str,
        /// The URI.
        uri: String,
        /// The handler.
        origin: Origin,
        /// The state type (as [`std::any::type_name`] gives it).
        type_name: &'static str,
    },
    /// A server has no handler to bind and was not told that this is meant
    /// ([`Server::allow_no_handlers`](crate::Server::allow_no_handlers)).
    NothingToServe {
        /// The crate a `use ... as _;` line most likely has to name.
        crate_hint: String,
    },
    /// The name given to [`Server::service_name`](crate::Server::service_name)
    /// is not one URI component, so the catalog cannot be served under it.
    InvalidServiceName {
        /// The name given.
        name: String,
    },
}

impl fmt::Display for ServerProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerProblem::UnknownClient {
                uri,
                client,
                origin,
                known,
            } => write!(
                f,
                "{uri:?} of {origin} names client {client:?}, which is not configured (configured: {})",
                known.join(", ")
            ),
            ServerProblem::NoDefaultClient { uri, origin, known } => write!(
                f,
                "{uri:?} of {origin} names no client and the configuration has no default client \
                 (configured: {}); add client = \"...\" or configure a client named \"default\"",
                known.join(", ")
            ),
            ServerProblem::MissingState {
                what,
                uri,
                origin,
                type_name,
            } => write!(
                f,
                "the {what} {uri:?} of {origin} takes State<{type_name}>, but no state of type {type_name} \
                 was given; add it with Server::new(config).state(value)"
            ),
            ServerProblem::NothingToServe { crate_hint } => write!(
                f,
                "nothing to serve: no #[procedure] or #[subscriber] is linked into this program and no registry \
                 was given. If your handlers are in a library crate, the linker left it out because the binary \
                 never names it: add `use {crate_hint} as _;` (with the name of that crate) to the binary's \
                 main.rs. A service that only calls and publishes says so with Server::allow_no_handlers()"
            ),
            ServerProblem::InvalidServiceName { name } => write!(
                f,
                "the service name {name:?} is not one URI component (letters, digits and `_`, e.g. \"billing\"): \
                 the service catalog is served at {}<service name>",
                crate::catalog::URI_PREFIX
            ),
        }
    }
}

/// The router refused a registration or subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Refusal {
    /// `"register procedure"` or `"subscribe to topic"`.
    pub what: &'static str,
    /// The URI.
    pub uri: String,
    /// The client.
    pub client: String,
    /// The handler.
    pub origin: Origin,
    /// The router's answer, with the likely fix when it is known.
    pub error: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Refusal {
            what,
            uri,
            client,
            origin,
            error,
        } = self;
        write!(f, "cannot {what} {uri:?} of {origin} on client {client:?}: {error}")
    }
}

/// One thing that keeps a service from starting.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StartupProblem {
    /// Found in the handlers.
    Handlers(Problem),
    /// Found between the handlers and the server, before connecting.
    Server(ServerProblem),
    /// The router's answer, once connected.
    Refused(Refusal),
}

impl fmt::Display for StartupProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartupProblem::Handlers(problem) => problem.fmt(f),
            StartupProblem::Server(problem) => problem.fmt(f),
            StartupProblem::Refused(refusal) => refusal.fmt(f),
        }
    }
}

impl From<Problem> for StartupProblem {
    fn from(problem: Problem) -> Self {
        StartupProblem::Handlers(problem)
    }
}

impl From<ServerProblem> for StartupProblem {
    fn from(problem: ServerProblem) -> Self {
        StartupProblem::Server(problem)
    }
}

impl From<Refusal> for StartupProblem {
    fn from(refusal: Refusal) -> Self {
        StartupProblem::Refused(refusal)
    }
}

/// What keeps a service from starting; lists every problem found.
#[derive(Clone, PartialEq, Eq)]
pub struct StartupError {
    problems: Vec<StartupProblem>,
}

impl StartupError {
    pub(crate) fn new(problems: Vec<StartupProblem>) -> Self {
        Self { problems }
    }

    /// Each problem.
    pub fn problems(&self) -> &[StartupProblem] {
        &self.problems
    }
}

impl fmt::Display for StartupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => one.fmt(f),
            many => {
                write!(f, "{} problems with the handlers:", many.len())?;
                for problem in many {
                    write!(f, "\n  - {problem}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for StartupError {}

crate::readable::debug_as_report!(StartupError);
