//! [`ApplicationError`]: the WAMP `ERROR` that travels between peers, a
//! URI plus arguments. Below the library's own errors and the
//! [`WampError`](crate::WampError) mapping, which are both written in its
//! terms.

use std::fmt;

use wamp_protocol::{Dict, List, Payload, Value};

/// An error a WAMP peer sent (or will send) as an `ERROR` message: a URI
/// that names what went wrong, plus positional and keyword arguments.
///
/// Handlers return it to answer a call with an error, and callers receive
/// it inside [`CallError::Application`](crate::CallError::Application).
///
/// ```
/// use wamp_runtime::ApplicationError;
///
/// let err = ApplicationError::new("com.example.error.out_of_stock")
///     .with_arg("widget")
///     .with_kwarg("available", 0);
/// assert_eq!(err.uri(), "com.example.error.out_of_stock");
/// assert_eq!(err.to_string(), "com.example.error.out_of_stock: widget");
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ApplicationError {
    uri: String,
    /// Positional arguments of the error.
    pub args: List,
    /// Keyword arguments of the error.
    pub kwargs: Dict,
    /// The `Details` dictionary of the ERROR message (empty when sending).
    pub details: Dict,
}

impl ApplicationError {
    /// `wamp.error.runtime_error`: the handler failed in a way it did not map to a URI.
    pub const RUNTIME_ERROR: &'static str = wamp_protocol::reserved::RUNTIME_ERROR;
    /// `wamp.error.invalid_argument`: the arguments do not fit the procedure.
    pub const INVALID_ARGUMENT: &'static str = wamp_protocol::reserved::INVALID_ARGUMENT;
    /// `wamp.error.canceled`: the call was cancelled.
    pub const CANCELED: &'static str = wamp_protocol::reserved::CANCELED;
    /// `wamp.error.not_authorized`: the router's authorization refused the action.
    pub const NOT_AUTHORIZED: &'static str = wamp_protocol::reserved::NOT_AUTHORIZED;
    /// `wamp.error.no_such_procedure`: nobody registered the procedure.
    pub const NO_SUCH_PROCEDURE: &'static str = wamp_protocol::reserved::NO_SUCH_PROCEDURE;
    /// `wamp.error.no_such_registration`: the registration is unknown.
    pub const NO_SUCH_REGISTRATION: &'static str = wamp_protocol::reserved::NO_SUCH_REGISTRATION;
    /// `wamp.error.unavailable`: the callee cannot take the call now (for a
    /// wamp-rs callee: the procedure's `invocation_queue` is full).
    pub const UNAVAILABLE: &'static str = wamp_protocol::reserved::UNAVAILABLE;

    /// An error with the given URI and no arguments.
    pub fn new(uri: impl Into<String>) -> Self {
        Self {
            uri: uri.into(),
            ..Self::default()
        }
    }

    /// An error with a URI and a human-readable message as its only argument.
    pub fn with_message(uri: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(uri).with_arg(message.into())
    }

    /// Adds a positional argument.
    pub fn with_arg(mut self, arg: impl Into<Value>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Adds a keyword argument.
    pub fn with_kwarg(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.kwargs.insert(key.into(), value.into());
        self
    }

    /// The error URI.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The first positional argument when it is a string: by convention the
    /// human-readable message.
    pub fn message(&self) -> Option<&str> {
        self.args.first().and_then(Value::as_str)
    }

    /// Arguments and keyword arguments as one [`Payload`].
    pub fn payload(&self) -> Payload {
        Payload {
            args: self.args.clone(),
            kwargs: self.kwargs.clone(),
        }
    }

    pub(crate) fn from_parts(uri: String, payload: Payload, details: Dict) -> Self {
        Self {
            uri,
            args: payload.args,
            kwargs: payload.kwargs,
            details,
        }
    }

    pub(crate) fn into_parts(self) -> (String, Payload) {
        (
            self.uri,
            Payload {
                args: self.args,
                kwargs: self.kwargs,
            },
        )
    }
}

impl fmt::Display for ApplicationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.uri)?;
        if let Some(message) = self.message() {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApplicationError {}
