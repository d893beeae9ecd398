//! The errors of the runtime: [`Error`] for connecting and joining,
//! [`CallError`] for every request made over a joined session, and
//! [`TypedCallError`], a call's error decoded into the callee's
//! [`WampError`] type. [`ApplicationError`], the WAMP `ERROR` that travels
//! between peers, has a module of its own, below [`WampError`].

use std::fmt;
use std::time::Duration;

pub use crate::application_error::ApplicationError;
use crate::wamp_error::WampError;

use crate::transport::TransportError;

/// Why a client could not connect, join or keep its session.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The router URL is not one this client can connect to.
    #[error("invalid router url {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The transport could not be opened.
    #[error("cannot connect to {url}: {source}")]
    Connect {
        /// The router URL.
        url: String,
        /// What the transport reported.
        #[source]
        source: TransportError,
    },
    /// Connecting and joining took longer than `connection_timeout`.
    #[error("connecting to {url} and joining realm {realm:?} timed out after {timeout:?}")]
    ConnectTimeout {
        /// The router URL.
        url: String,
        /// The realm asked for.
        realm: String,
        /// The configured limit.
        timeout: Duration,
    },
    /// The router answered HELLO with ABORT.
    #[error("router refused to join realm {realm:?}: {reason}{}", message_suffix(.message))]
    JoinRefused {
        /// The realm asked for.
        realm: String,
        /// The ABORT reason URI, e.g. `wamp.error.no_such_realm`.
        reason: String,
        /// The human-readable message the router gave, if any.
        message: Option<String>,
    },
    /// The router refused the credentials (an ABORT in answer to
    /// AUTHENTICATE, or to a HELLO that offered them). Retrying with the
    /// same credentials will not help.
    #[error("authentication with {method} failed: {reason}{}", message_suffix(.message))]
    AuthenticationFailed {
        /// The method that failed: `ticket`, `wampcra`, `cryptosign` or
        /// `anonymous`.
        method: String,
        /// The ABORT reason URI, e.g. `wamp.error.not_authorized`.
        reason: String,
        /// The human-readable message the router gave, if any.
        message: Option<String>,
    },
    /// The router sent something the protocol does not allow.
    #[error("protocol violation by the router: {0}")]
    Protocol(String),
    /// The connection ended before the operation finished.
    #[error("connection lost: {0}")]
    ConnectionLost(String),
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The handlers cannot be bound as declared (duplicate or invalid URIs,
    /// unknown clients, registrations the router refused).
    #[error(transparent)]
    Startup(#[from] crate::registry::StartupError),
}

crate::readable::debug_as_report!(Error, CallError);

/// Why a client cannot serve a request while it reconnects.
pub(crate) fn reconnecting_reason(attempt: u32) -> String {
    format!("not connected: reconnecting (attempt {attempt})")
}

fn message_suffix(message: &Option<String>) -> String {
    match message {
        Some(m) => format!(" ({m})"),
        None => String::new(),
    }
}

/// Why a request (call, publish, subscribe, register, ...) failed.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The peer or the router answered with an `ERROR`.
    #[error("{0}")]
    Application(ApplicationError),
    /// No answer came within the request's timeout: a call's (a CANCEL was
    /// sent) or an acknowledged publication's.
    #[error("no answer within the timeout of {0:?}")]
    Timeout(Duration),
    /// The connection was lost, or the session closed, before the answer came.
    #[error("connection lost: {0}")]
    ConnectionLost(String),
    /// The request is invalid before it is sent (a bad URI, an argument that
    /// cannot be serialized, a message the serializer refuses).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The answer arrived but could not be decoded into the requested type.
    #[error("cannot decode the result: {0}")]
    Decode(#[from] wamp_protocol::ValueError),
    /// A typed caller's or publisher's capture is not one URI component,
    /// so the concrete URI cannot be made (see [`capture`](crate::capture));
    /// nothing was sent.
    #[error("invalid request: {0}")]
    InvalidCapture(#[from] crate::capture::CaptureError),
}

impl CallError {
    /// What a request made while the client is reconnecting fails with.
    pub(crate) fn reconnecting(attempt: u32) -> CallError {
        CallError::ConnectionLost(reconnecting_reason(attempt))
    }

    /// The application error, if that is what this is.
    pub fn application(&self) -> Option<&ApplicationError> {
        match self {
            CallError::Application(e) => Some(e),
            _ => None,
        }
    }

    /// The WAMP error URI when the peer answered with an `ERROR`.
    pub fn uri(&self) -> Option<&str> {
        self.application().map(ApplicationError::uri)
    }
}

impl From<ApplicationError> for CallError {
    fn from(e: ApplicationError) -> Self {
        CallError::Application(e)
    }
}

/// A failed call, with the peer's `ERROR` decoded into `E` when its URI is
/// one of `E`'s.
///
/// ```no_run
/// # async fn demo(client: wamp_runtime::Client) {
/// use wamp_runtime::{TypedCallError, WampError};
///
/// #[derive(Debug, WampError)]
/// enum MathError {
///     #[wamp_error("math.error.division_by_zero")]
///     DivisionByZero,
/// }
///
/// match client.call("foo.divide").args((1.0, 0.0)).typed::<f64, MathError>().await {
///     Ok(quotient) => println!("{quotient}"),
///     Err(TypedCallError::Mapped(MathError::DivisionByZero)) => println!("cannot divide by zero"),
///     Err(TypedCallError::Other(other)) => println!("call failed: {other}"),
/// }
/// # }
/// ```
#[derive(Debug)]
pub enum TypedCallError<E> {
    /// The peer answered with an `ERROR` that `E` knows.
    Mapped(E),
    /// Anything else: an unmapped `ERROR`, a timeout, a lost connection, a
    /// result that does not decode.
    Other(CallError),
}

impl<E> TypedCallError<E> {
    /// The mapped error, if this is one.
    pub fn mapped(&self) -> Option<&E> {
        match self {
            TypedCallError::Mapped(e) => Some(e),
            TypedCallError::Other(_) => None,
        }
    }
}

impl<E: fmt::Display> fmt::Display for TypedCallError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypedCallError::Mapped(e) => e.fmt(f),
            TypedCallError::Other(e) => e.fmt(f),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for TypedCallError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TypedCallError::Mapped(e) => Some(e),
            TypedCallError::Other(e) => Some(e),
        }
    }
}

impl<E> From<CallError> for TypedCallError<E> {
    fn from(e: CallError) -> Self {
        TypedCallError::Other(e)
    }
}

impl CallError {
    /// Decodes an application error into `E` when its URI is one of `E`'s;
    /// everything else stays a [`CallError`] in [`TypedCallError::Other`].
    ///
    /// ```
    /// use wamp_runtime::{ApplicationError, CallError, TypedCallError, WampError};
    ///
    /// #[derive(Debug, PartialEq, WampError)]
    /// enum MathError {
    ///     #[wamp_error("math.error.division_by_zero")]
    ///     DivisionByZero,
    /// }
    ///
    /// let err = CallError::from(ApplicationError::new("math.error.division_by_zero"));
    /// assert!(matches!(err.into_typed::<MathError>(), TypedCallError::Mapped(MathError::DivisionByZero)));
    ///
    /// let err = CallError::from(ApplicationError::new("wamp.error.runtime_error"));
    /// assert!(matches!(err.into_typed::<MathError>(), TypedCallError::Other(_)));
    /// ```
    pub fn into_typed<E: WampError>(self) -> TypedCallError<E> {
        match &self {
            CallError::Application(app) => match E::from_application_error(app) {
                Some(mapped) => TypedCallError::Mapped(mapped),
                None => TypedCallError::Other(self),
            },
            _ => TypedCallError::Other(self),
        }
    }
}
