//! Typed handlers: how the parameters of a `#[procedure]` or `#[subscriber]`
//! function are read from a call's (or event's) arguments, and how its
//! return value becomes the answer.
//!
//! # Parameters
//!
//! After the context, each parameter is deserialized (with
//! [`from_value`](wamp_core::from_value)) from the positional argument at
//! its position, or else from the keyword argument of its name:
//!
//! ```
//! use wamp_runtime::{procedure, CallContext};
//!
//! #[procedure(name = "com.example.greet")]
//! fn greet(_ctx: CallContext, name: String, punctuation: Option<String>) -> String {
//!     format!("hello {name}{}", punctuation.as_deref().unwrap_or("!"))
//! }
//! // Callable as greet("ada"), greet("ada", "?"), greet(name="ada", punctuation="?")
//! ```
//!
//! * `Option<T>` parameters may be absent (they are then `None`);
//! * a parameter of type [`Args`] takes every positional argument not taken
//!   by a parameter before it, and makes the parameters after it
//!   keyword-only; a parameter of type [`Kwargs`] takes every keyword
//!   argument no other parameter took;
//! * a missing, surplus, doubly given or mistyped argument is answered with
//!   `wamp.error.invalid_argument` and a message naming the parameter and
//!   what was expected, e.g. `argument "denominator" (position 2): invalid
//!   type: string "x", expected f64`; the function is not run. For an event
//!   the problem is logged (a `tracing` warning naming the topic) and the
//!   function is not run.
//!
//! # Return values of procedures
//!
//! | the function returns | the caller receives |
//! |---|---|
//! | `()` | an empty result |
//! | `T: Serialize` | `T` as the one positional result |
//! | [`Payload`] | its positional and keyword results as they are |
//! | `Result<T, E>` with `T` one of the above | `Ok` as above; `Err` as below |
//!
//! An error `E` that implements [`WampError`] (derived
//! enums and [`ApplicationError`] itself) is sent with its URI and fields.
//! Any other error that implements `Display` (every `std::error::Error`,
//! `anyhow::Error`, `String`) is an internal failure: the caller receives
//! `wamp.error.runtime_error` with a fixed message ([`INTERNAL_ERROR`]) and
//! none of the error's text, which may name files, hosts or queries of the
//! callee; the text goes to the client's [`ErrorReporter`](crate::reporting::ErrorReporter)
//! (by default a `tracing` error naming the procedure). To let a caller see
//! an error, map it: derive [`WampError`] or use
//! [`Registry::map_error`](crate::registry::Registry::map_error). Mapped errors are
//! part of the procedure's API and are not reported.
//!
//! The return type counts as a `Result` when its last path segment is
//! `Result` (`Result<T, E>`, `std::io::Result<T>`, `anyhow::Result<T>`); a
//! type alias with another name is not recognized.
//!
//! Subscribers return `()` or a `Result<(), E>`; an `Err` is reported to the
//! client's [`ErrorReporter`](crate::reporting::ErrorReporter).

use std::fmt;
use std::ops::{Deref, DerefMut};

use serde::Serialize;
use serde::de::DeserializeOwned;
use wamp_core::{Dict, List, Payload, Value};

use crate::error::ApplicationError;
use crate::wamp_error::WampError;

/// The message of the `wamp.error.runtime_error` a caller receives when a
/// procedure panics or returns an unmapped error: it says that the callee
/// failed and nothing of why, which stays in the callee's log.
pub const INTERNAL_ERROR: &str = "the procedure failed with an internal error";

/// Every positional argument not taken by another parameter of a typed
/// handler.
///
/// ```
/// use wamp_runtime::{procedure, Args, CallContext};
///
/// #[procedure(name = "com.example.sum")]
/// fn sum(_ctx: CallContext, numbers: Args) -> f64 {
///     numbers.iter().filter_map(|v| v.as_f64()).sum()
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Args(pub List);

impl Deref for Args {
    type Target = List;
    fn deref(&self) -> &List {
        &self.0
    }
}

impl DerefMut for Args {
    fn deref_mut(&mut self) -> &mut List {
        &mut self.0
    }
}

impl From<Args> for List {
    fn from(args: Args) -> List {
        args.0
    }
}

/// Every keyword argument not taken by another parameter of a typed
/// handler: as a [`Dict`] (`Kwargs`), or deserialized as a whole into a
/// struct (`Kwargs<T>`), for callers that send their arguments as one
/// dictionary.
///
/// ```
/// use serde::Deserialize;
/// use wamp_runtime::{procedure, CallContext, Kwargs};
///
/// #[procedure(name = "com.example.search")]
/// fn search(_ctx: CallContext, query: String, filters: Kwargs) -> Vec<String> {
///     filters.keys().map(|k| format!("{query}:{k}")).collect()
/// }
///
/// #[derive(Deserialize)]
/// struct NewUser {
///     name: String,
///     email: String,
///     admin: Option<bool>,
/// }
///
/// // Called as create_user(name="ada", email="ada@example.org"); a missing
/// // field is answered with wamp.error.invalid_argument naming it.
/// #[procedure(name = "com.example.create_user")]
/// fn create_user(_ctx: CallContext, user: Kwargs<NewUser>) -> String {
///     format!("{} <{}>{}", user.name, user.email, if user.admin == Some(true) { " (admin)" } else { "" })
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Kwargs<T = Dict>(pub T);

impl<T> Kwargs<T> {
    /// The value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Kwargs<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Kwargs<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl From<Kwargs> for Dict {
    fn from(kwargs: Kwargs) -> Dict {
        kwargs.0
    }
}

/// A type a parameter of a typed handler can have: any type that
/// implements `serde::Deserialize` without borrowing (`DeserializeOwned`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the type of a handler parameter: it does not implement `serde::Deserialize`",
    label = "not deserializable",
    note = "derive `serde::Deserialize` for it, or take a `wamp_runtime::Value` and decode it yourself"
)]
pub trait Argument: DeserializeOwned {}

impl<T: DeserializeOwned> Argument for T {}

/// A type a procedure can return (also inside `Ok`): any type that
/// implements `serde::Serialize`, besides [`Payload`] and `()`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the result of a procedure: it does not implement `serde::Serialize`",
    label = "not serializable",
    note = "derive `serde::Serialize` for it, or return a `wamp_runtime::Payload`"
)]
pub trait ResultValue: Serialize {}

impl<T: Serialize> ResultValue for T {}

/// Why the arguments of a call or event do not fit a typed handler.
///
/// It becomes a `wamp.error.invalid_argument` error with its text as the
/// message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgumentError {
    message: String,
}

impl ArgumentError {
    fn new(message: String) -> Self {
        Self { message }
    }
}

impl fmt::Display for ArgumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ArgumentError {}

impl From<ArgumentError> for ApplicationError {
    fn from(e: ArgumentError) -> Self {
        ApplicationError::with_message(ApplicationError::INVALID_ARGUMENT, e.message)
    }
}

/// Reads the parameters of a typed handler from a [`Payload`], one at a
/// time; what the `#[procedure]` and `#[subscriber]` macros generate calls.
///
/// ```
/// use wamp_runtime::{ArgumentReader, Payload, Value};
///
/// let mut payload = Payload::from_args(vec![Value::from(8.0)]);
/// payload.kwargs.insert("denominator".into(), Value::from("x"));
///
/// let mut reader = ArgumentReader::new(payload);
/// let numerator: f64 = reader.positional(0, "numerator", "f64")?;
/// assert_eq!(numerator, 8.0);
/// let err = reader.positional::<f64>(1, "denominator", "f64").unwrap_err();
/// assert_eq!(err.to_string(), r#"argument "denominator" (keyword): invalid type: string "x", expected f64"#);
/// # Ok::<(), wamp_runtime::ArgumentError>(())
/// ```
#[derive(Debug)]
pub struct ArgumentReader {
    args: Vec<Option<Value>>,
    kwargs: Dict,
    /// How many leading positions belong to parameters.
    positions: usize,
    rest_args: bool,
    rest_kwargs: bool,
}

impl ArgumentReader {
    /// A reader of `payload`'s arguments.
    pub fn new(payload: Payload) -> Self {
        Self {
            args: payload.args.into_iter().map(Some).collect(),
            kwargs: payload.kwargs,
            positions: 0,
            rest_args: false,
            rest_kwargs: false,
        }
    }

    /// The parameter at position `index` (0-based) named `name`: the
    /// positional argument there, else the keyword argument `name`.
    /// `expected` names the type in error messages.
    pub fn positional<T: Argument>(&mut self, index: usize, name: &str, expected: &str) -> Result<T, ArgumentError> {
        self.positions = self.positions.max(index + 1);
        let position = index + 1;
        match self.args.get_mut(index).and_then(Option::take) {
            Some(value) => {
                if self.kwargs.contains_key(name) {
                    return Err(ArgumentError::new(format!(
                        "argument \"{name}\" given both at position {position} and by keyword"
                    )));
                }
                decode(value, name, &format!("position {position}"))
            }
            None => match self.kwargs.remove(name) {
                Some(value) => decode(value, name, "keyword"),
                None => absent(
                    &format!("missing argument \"{name}\" (position {position} or keyword)"),
                    expected,
                ),
            },
        }
    }

    /// A keyword-only parameter named `name` (one after an [`Args`] parameter).
    pub fn keyword<T: Argument>(&mut self, name: &str, expected: &str) -> Result<T, ArgumentError> {
        match self.kwargs.remove(name) {
            Some(value) => decode(value, name, "keyword"),
            None => absent(&format!("missing keyword argument \"{name}\""), expected),
        }
    }

    /// Every positional argument past the parameters' positions.
    pub fn rest_args(&mut self) -> Args {
        self.rest_args = true;
        Args(
            self.args
                .iter_mut()
                .skip(self.positions)
                .filter_map(Option::take)
                .collect(),
        )
    }

    /// Every keyword argument no parameter has taken so far.
    pub fn rest_kwargs(&mut self) -> Kwargs {
        self.rest_kwargs = true;
        Kwargs(std::mem::take(&mut self.kwargs))
    }

    /// Every keyword argument no parameter has taken so far, deserialized
    /// as a whole into `T` (a struct whose fields are the keywords).
    ///
    /// ```
    /// use wamp_runtime::{ArgumentReader, Kwargs, Payload, Value};
    ///
    /// #[derive(Debug, serde::Deserialize)]
    /// struct Point { x: f64, y: f64 }
    ///
    /// let mut payload = Payload::default();
    /// payload.kwargs.insert("x".into(), Value::from(1.0));
    /// let err = ArgumentReader::new(payload).rest_kwargs_as::<Point>().unwrap_err();
    /// assert_eq!(err.to_string(), "keyword arguments: missing field `y`");
    /// ```
    ///
    /// # Errors
    /// When the keyword arguments do not fit `T`, naming the field.
    pub fn rest_kwargs_as<T: Argument>(&mut self) -> Result<Kwargs<T>, ArgumentError> {
        let kwargs = self.rest_kwargs();
        wamp_core::from_value(Value::Dict(kwargs.0))
            .map(Kwargs)
            .map_err(|e| ArgumentError::new(format!("keyword arguments: {e}")))
    }

    /// Checks that every argument was taken.
    pub fn finish(self) -> Result<(), ArgumentError> {
        if !self.rest_args && self.args.len() > self.positions {
            return Err(ArgumentError::new(format!(
                "too many positional arguments: expected at most {}, got {}",
                self.positions,
                self.args.len()
            )));
        }
        if !self.rest_kwargs && !self.kwargs.is_empty() {
            let names: Vec<String> = self.kwargs.keys().map(|k| format!("\"{k}\"")).collect();
            let noun = if names.len() == 1 { "argument" } else { "arguments" };
            return Err(ArgumentError::new(format!(
                "unexpected keyword {noun} {}",
                names.join(", ")
            )));
        }
        Ok(())
    }
}

fn decode<T: DeserializeOwned>(value: Value, name: &str, place: &str) -> Result<T, ArgumentError> {
    wamp_core::from_value(value).map_err(|e| ArgumentError::new(format!("argument \"{name}\" ({place}): {e}")))
}

/// An absent argument is fine for types that accept `null` (`Option<T>`).
fn absent<T: DeserializeOwned>(what: &str, expected: &str) -> Result<T, ArgumentError> {
    wamp_core::from_value(Value::Null).map_err(|_| ArgumentError::new(format!("{what}, expected {expected}")))
}

/// Conversions of handler return values, picked at the macro's expansion
/// site by autoref specialization (the types are concrete there). Not
/// public API.
#[doc(hidden)]
pub mod dispatch {
    use super::*;

    /// Results sent as they are: [`Payload`] and `()`.
    pub trait IntoPayload {
        /// The payload.
        fn into_payload(self) -> Payload;
    }

    impl IntoPayload for Payload {
        fn into_payload(self) -> Payload {
            self
        }
    }

    impl IntoPayload for () {
        fn into_payload(self) -> Payload {
            Payload::default()
        }
    }

    #[derive(Debug)]
    pub struct PayloadKind;

    impl PayloadKind {
        pub fn into_payload<T: IntoPayload>(self, value: T) -> Result<Payload, ApplicationError> {
            Ok(value.into_payload())
        }
    }

    pub trait PayloadTag {
        fn wamp_payload_kind(&self) -> PayloadKind {
            PayloadKind
        }
    }

    impl<T: IntoPayload> PayloadTag for T {}

    #[derive(Debug)]
    pub struct SerializeKind;

    impl SerializeKind {
        pub fn into_payload<T: ResultValue>(self, value: T) -> Result<Payload, ApplicationError> {
            match wamp_core::to_value(&value) {
                Ok(value) => Ok(Payload::from_args(vec![value])),
                Err(e) => {
                    tracing::error!(error = %e, "cannot serialize a procedure's result");
                    Err(ApplicationError::with_message(
                        ApplicationError::RUNTIME_ERROR,
                        "the procedure's result cannot be serialized",
                    ))
                }
            }
        }
    }

    pub trait SerializeTag {
        fn wamp_payload_kind(&self) -> SerializeKind {
            SerializeKind
        }
    }

    // Without a bound, so that a type that is neither a payload nor
    // serializable ends here and fails on `ResultValue`, whose message
    // names the type and what to derive.
    impl<T> SerializeTag for &T {}

    #[derive(Debug)]
    pub struct MappedKind;

    impl MappedKind {
        pub fn procedure_error<E: WampError>(self, error: E, procedure: &str) -> ApplicationError {
            let error = error.to_application_error();
            tracing::debug!(procedure, error = %error, "procedure answered with an error");
            error
        }

        pub fn event_error<E: WampError>(self, error: E, topic: &str) {
            // Nobody receives a subscriber's error: it is a failure.
            let error = error.to_application_error();
            if !crate::reporting::note_failure(&error) {
                tracing::error!(topic, error = %error, "event handler failed");
            }
        }
    }

    pub trait MappedTag {
        fn wamp_error_kind(&self) -> MappedKind {
            MappedKind
        }
    }

    impl<E: WampError> MappedTag for E {}

    #[derive(Debug)]
    pub struct DisplayKind;

    impl DisplayKind {
        pub fn procedure_error<E: fmt::Display + 'static>(self, error: E, procedure: &str) -> ApplicationError {
            let message = error.to_string();
            if let Some(uri) = crate::registry::mapped_uri(std::any::TypeId::of::<E>()) {
                // Mapped with `Registry::map_error`: an answer of the API, not a failure.
                tracing::debug!(procedure, %uri, error = %message, "procedure answered with a mapped error");
                return ApplicationError::with_message(uri, message);
            }
            // Reported by the task running the handler (see `reporting`); the
            // caller learns only that the procedure failed.
            if !crate::reporting::note_failure(&message) {
                tracing::error!(procedure, error = %message, "procedure failed with an unmapped error");
            }
            ApplicationError::with_message(ApplicationError::RUNTIME_ERROR, super::INTERNAL_ERROR)
        }

        pub fn event_error<E: fmt::Display>(self, error: E, topic: &str) {
            if !crate::reporting::note_failure(&error) {
                tracing::error!(topic, error = %error, "event handler failed");
            }
        }
    }

    pub trait DisplayTag {
        fn wamp_error_kind(&self) -> DisplayKind {
            DisplayKind
        }
    }

    impl<E: fmt::Display> DisplayTag for &E {}

    /// Logs arguments that do not fit a subscriber.
    pub fn event_argument_error(topic: &str, error: ArgumentError) {
        tracing::warn!(topic, error = %error, "event arguments do not fit the subscriber, event dropped");
    }

    /// What a procedure whose state value is missing answers: an internal
    /// error (the caller cannot fix it), logged with the type. `Server`
    /// checks every declared state at start-up, so only handlers bound
    /// some other way get here.
    pub fn missing_state(procedure: &str, missing: crate::state::MissingState) -> ApplicationError {
        tracing::error!(procedure, error = %missing, "the procedure cannot run");
        ApplicationError::with_message(ApplicationError::RUNTIME_ERROR, super::INTERNAL_ERROR)
    }

    /// What a subscriber whose state value is missing does: logs and drops the event.
    pub fn event_missing_state(topic: &str, missing: crate::state::MissingState) {
        tracing::error!(topic, error = %missing, "the subscriber cannot run, event dropped");
    }
}

#[cfg(test)]
mod tests {
    use super::dispatch::{DisplayTag as _, MappedTag as _, PayloadTag as _, SerializeTag as _};
    use super::*;

    fn payload(args: Vec<Value>, kwargs: &[(&str, Value)]) -> Payload {
        Payload::from_parts(args, kwargs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect())
    }

    #[test]
    fn positional_then_keyword_arguments_fill_parameters_in_order() {
        let mut reader = ArgumentReader::new(payload(vec![Value::from(1)], &[("b", Value::from("two"))]));
        assert_eq!(reader.positional::<i64>(0, "a", "i64"), Ok(1));
        assert_eq!(reader.positional::<String>(1, "b", "String"), Ok("two".to_owned()));
        assert_eq!(reader.finish(), Ok(()));
    }

    #[test]
    fn absent_option_is_none_and_absent_value_is_missing() {
        let mut reader = ArgumentReader::new(Payload::default());
        assert_eq!(reader.positional::<Option<i64>>(0, "a", "Option<i64>"), Ok(None));
        let err = reader.positional::<f64>(1, "b", "f64").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"missing argument "b" (position 2 or keyword), expected f64"#
        );
    }

    #[test]
    fn mistyped_argument_names_parameter_position_and_expectation() {
        let mut reader = ArgumentReader::new(payload(vec![Value::from(1.0), Value::from("x")], &[]));
        let _ = reader.positional::<f64>(0, "numerator", "f64");
        let err = reader.positional::<f64>(1, "denominator", "f64").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"argument "denominator" (position 2): invalid type: string "x", expected f64"#
        );
        let app = ApplicationError::from(err);
        assert_eq!(app.uri(), ApplicationError::INVALID_ARGUMENT);
    }

    #[test]
    fn surplus_positional_and_unknown_keywords_are_rejected() {
        let mut reader = ArgumentReader::new(payload(vec![Value::from(1), Value::from(2)], &[]));
        let _ = reader.positional::<i64>(0, "a", "i64");
        assert_eq!(
            reader.finish().unwrap_err().to_string(),
            "too many positional arguments: expected at most 1, got 2"
        );

        let mut reader = ArgumentReader::new(payload(vec![], &[("a", Value::from(1)), ("zz", Value::from(2))]));
        let _ = reader.positional::<i64>(0, "a", "i64");
        assert_eq!(
            reader.finish().unwrap_err().to_string(),
            r#"unexpected keyword argument "zz""#
        );
    }

    #[test]
    fn argument_given_twice_is_rejected() {
        let mut reader = ArgumentReader::new(payload(vec![Value::from(1)], &[("a", Value::from(1))]));
        let err = reader.positional::<i64>(0, "a", "i64").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"argument "a" given both at position 1 and by keyword"#
        );
    }

    #[test]
    fn rest_extractors_take_what_is_left() {
        let mut reader = ArgumentReader::new(payload(
            vec![Value::from(1), Value::from(2), Value::from(3)],
            &[("k", Value::from(true)), ("x", Value::from(0))],
        ));
        let _ = reader.positional::<i64>(0, "first", "i64");
        let rest = reader.rest_args();
        let x: i64 = reader.keyword("x", "i64").unwrap_or_default();
        let kwargs = reader.rest_kwargs();
        assert_eq!(rest.0, vec![Value::from(2), Value::from(3)]);
        assert_eq!(x, 0);
        assert_eq!(kwargs.len(), 1);
        assert_eq!(reader.finish(), Ok(()));
    }

    // The borrows mirror the generated code, where they pick the impl.
    #[test]
    #[allow(clippy::needless_borrow)]
    fn return_values_dispatch_by_type() {
        let unit = ();
        assert_eq!((&unit).wamp_payload_kind().into_payload(unit), Ok(Payload::default()));
        let value = 2.5;
        assert_eq!(
            (&value).wamp_payload_kind().into_payload(value),
            Ok(Payload::from_args(vec![Value::from(2.5)]))
        );
        let explicit = Payload::from_args(vec![Value::from(1), Value::from(2)]);
        assert_eq!(
            (&explicit).wamp_payload_kind().into_payload(explicit.clone()),
            Ok(explicit)
        );
    }

    #[test]
    #[allow(clippy::needless_borrow)]
    fn errors_dispatch_to_mapped_or_runtime_error() {
        let mapped = ApplicationError::new("com.example.error.x");
        let sent = (&mapped)
            .wamp_error_kind()
            .procedure_error(mapped.clone(), "com.example.p");
        assert_eq!(sent.uri(), "com.example.error.x");

        let io = std::io::Error::other("disk on fire");
        let sent = (&io).wamp_error_kind().procedure_error(io, "com.example.p");
        assert_eq!(sent.uri(), ApplicationError::RUNTIME_ERROR);
        assert_eq!(
            sent.message(),
            Some(INTERNAL_ERROR),
            "the error's text stays with the callee"
        );
    }
}
