//! Typed handlers' parameters: how the parameters of a `#[procedure]` or
//! `#[subscriber]` function, or of a [`typed`](crate::typed) function, are
//! read from a call's (or event's) arguments.
//!
//! # Parameters
//!
//! After the context, each parameter is deserialized (with
//! [`from_value`](wamp_protocol::from_value)) from the positional argument at
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
//! Each parameter type implements [`Parameter`]: any `T: Deserialize`,
//! [`Args`], [`Kwargs`], [`Kwargs<T>`](Kwargs), [`State<T>`](crate::State)
//! and [`Capture<T>`](crate::Capture) (a `{name}` component of the URI, see
//! the [`capture`](crate::capture) module); the last two are not read from
//! the arguments and do not count in the positions.
//! The same rules hold for a typed function registered without macros (see
//! [`typed`](crate::typed)); what the function returns is converted as the
//! [`reply`](crate::reply) module says.

use std::any::Any;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use wamp_protocol::{Dict, List, Payload, Value};

use crate::capture::{Capture, CaptureValue, MissingCapture};
use crate::error::ApplicationError;
use crate::state::{MissingState, State, StateKey, StateValue, States};

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
/// time; what [`Parameter`] implementations read from.
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
        self.take(Some(index), name, &|| expected.to_owned())
    }

    /// A keyword-only parameter named `name` (one after an [`Args`] parameter).
    pub fn keyword<T: Argument>(&mut self, name: &str, expected: &str) -> Result<T, ArgumentError> {
        self.take(None, name, &|| expected.to_owned())
    }

    /// The next parameter, named `name`: at the position after those read
    /// so far (or by keyword), or keyword-only once [`rest_args`](Self::rest_args)
    /// took the remaining positions. Error messages name its type as
    /// written in code (`Option<String>`, not `core::option::Option<alloc::string::String>`).
    ///
    /// ```
    /// use wamp_runtime::{ArgumentReader, Payload, Value};
    ///
    /// let mut reader = ArgumentReader::new(Payload::from_args(vec![Value::from(1)]));
    /// assert_eq!(reader.next::<i64>("a")?, 1);
    /// let err = reader.next::<String>("b").unwrap_err();
    /// assert_eq!(err.to_string(), r#"missing argument "b" (position 2 or keyword), expected String"#);
    /// # Ok::<(), wamp_runtime::ArgumentError>(())
    /// ```
    pub fn next<T: Argument>(&mut self, name: &str) -> Result<T, ArgumentError> {
        let index = (!self.rest_args).then_some(self.positions);
        self.take(index, name, &short_type_name::<T>)
    }

    fn take<T: Argument>(
        &mut self,
        index: Option<usize>,
        name: &str,
        expected: &dyn Fn() -> String,
    ) -> Result<T, ArgumentError> {
        let Some(index) = index else {
            return match self.kwargs.remove(name) {
                Some(value) => decode(value, name, "keyword"),
                None => absent(&format!("missing keyword argument \"{name}\""), expected),
            };
        };
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
    pub fn rest_kwargs_as<T: Argument + 'static>(&mut self) -> Result<Kwargs<T>, ArgumentError> {
        let mut kwargs = Some(self.rest_kwargs().0);
        // A `Dict` is taken as it is, not rebuilt through a `Value`.
        if let Some(as_is) = (&mut kwargs as &mut dyn Any).downcast_mut::<Option<T>>() {
            if let Some(dict) = as_is.take() {
                return Ok(Kwargs(dict));
            }
        }
        wamp_protocol::from_value(Value::Dict(kwargs.unwrap_or_default()))
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
    wamp_protocol::from_value(value).map_err(|e| ArgumentError::new(format!("argument \"{name}\" ({place}): {e}")))
}

/// An absent argument is fine for types that accept `null` (`Option<T>`).
fn absent<T: DeserializeOwned>(what: &str, expected: &dyn Fn() -> String) -> Result<T, ArgumentError> {
    wamp_protocol::from_value(Value::Null).map_err(|_| ArgumentError::new(format!("{what}, expected {}", expected())))
}

/// `T`'s name without module paths, as it is usually written in code:
/// `Option<String>` for `core::option::Option<alloc::string::String>`.
fn short_type_name<T>() -> String {
    let full = std::any::type_name::<T>();
    let mut short = String::with_capacity(full.len());
    let mut segment_start = 0;
    let mut chars = full.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            // Drop the path segment just written: only the last one stays.
            short.truncate(segment_start);
        } else if c.is_alphanumeric() || c == '_' {
            short.push(c);
        } else {
            short.push(c);
            segment_start = short.len();
        }
    }
    short
}

/// A type that can be a parameter of a typed handler (after its context):
/// what it takes from the call's or event's arguments, or from the
/// server's [states](crate::state).
///
/// Implemented for every `T: Deserialize` (read as the next positional or
/// keyword argument, see [`ArgumentReader::next`]), [`Args`], [`Kwargs`],
/// [`Kwargs<T>`](Kwargs) and [`State<T>`](crate::State). Implement it for a
/// type of your own that is built from the arguments in another way:
///
/// ```
/// use wamp_runtime::extract::{Parameter, Rejection, Source};
///
/// /// A page of results: the keyword arguments `offset` and `limit`, both optional.
/// struct Page { offset: u64, limit: u64 }
///
/// impl Parameter for Page {
///     fn extract(source: &mut Source<'_>, _name: &'static str) -> Result<Self, Rejection> {
///         let reader = source.reader();
///         let offset = reader.keyword::<Option<u64>>("offset", "u64")?.unwrap_or(0);
///         let limit = reader.keyword::<Option<u64>>("limit", "u64")?.unwrap_or(20);
///         Ok(Page { offset, limit })
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the type of a handler parameter",
    label = "not a handler parameter",
    note = "a parameter implements `serde::Deserialize`, or is `Args`, `Kwargs`, `Kwargs<T: Deserialize>`, `State<T: Send + Sync + 'static>` or `Capture<T: FromStr>`"
)]
pub trait Parameter: Sized + Send + 'static {
    /// `true` for a parameter that takes what the others leave (such as
    /// [`Kwargs`]): it is read after all the others, wherever it stands.
    const TAKES_THE_REST: bool = false;

    /// The state type a [`State<T>`](crate::State) parameter takes, which a
    /// [`Server`](crate::Server) checks it was given before it starts.
    const STATE: Option<StateKey> = None;

    /// Reads the parameter named `name` (the function's parameter name).
    ///
    /// # Errors
    /// A [`Rejection`]: the handler does not run.
    fn extract(source: &mut Source<'_>, name: &'static str) -> Result<Self, Rejection>;
}

impl<T: Argument + Send + 'static> Parameter for T {
    fn extract(source: &mut Source<'_>, name: &'static str) -> Result<Self, Rejection> {
        Ok(source.reader.next(name)?)
    }
}

impl Parameter for Args {
    fn extract(source: &mut Source<'_>, _name: &'static str) -> Result<Self, Rejection> {
        Ok(source.reader.rest_args())
    }
}

impl<T: Argument + Send + 'static> Parameter for Kwargs<T> {
    const TAKES_THE_REST: bool = true;

    fn extract(source: &mut Source<'_>, _name: &'static str) -> Result<Self, Rejection> {
        Ok(source.reader.rest_kwargs_as()?)
    }
}

impl<T: StateValue> Parameter for State<T> {
    const STATE: Option<StateKey> = Some(State::<T>::KEY);

    fn extract(source: &mut Source<'_>, _name: &'static str) -> Result<Self, Rejection> {
        Ok(State::from_states(source.states())?)
    }
}

impl<T: CaptureValue> Parameter for Capture<T> {
    fn extract(source: &mut Source<'_>, name: &'static str) -> Result<Self, Rejection> {
        let component = source.capture(name)?;
        component.parse().map(Capture::new).map_err(|e| {
            ArgumentError::new(format!(
                "capture \"{name}\" (URI component {component:?}): expected {}: {e}",
                short_type_name::<T>()
            ))
            .into()
        })
    }
}

/// What a typed handler's parameters are read from: the arguments of one
/// call or event, the states of the client that received it, and the
/// components of its URI that the handler's template captures.
///
/// ```
/// use std::sync::Arc;
/// use wamp_runtime::extract::{Parameter, Source};
/// use wamp_runtime::state::States;
/// use wamp_runtime::{Payload, Value};
///
/// let states = || Arc::new(States::new());
/// let mut source = Source::new(Payload::from_args(vec![Value::from("ada")]), &states);
/// assert_eq!(String::extract(&mut source, "name")?, "ada");
/// source.finish()?;
/// # Ok::<(), wamp_runtime::extract::Rejection>(())
/// ```
pub struct Source<'a> {
    reader: ArgumentReader,
    states: Option<Arc<States>>,
    load_states: &'a dyn Fn() -> Arc<States>,
    /// The template and the concrete URI, when the handler has one.
    captures: Option<(&'a str, &'a str)>,
}

impl fmt::Debug for Source<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Source")
            .field("reader", &self.reader)
            .finish_non_exhaustive()
    }
}

impl<'a> Source<'a> {
    /// The arguments of `payload`; `load_states` is asked for the states
    /// once, when a parameter first needs them.
    pub fn new(payload: Payload, load_states: &'a dyn Fn() -> Arc<States>) -> Self {
        Self {
            reader: ArgumentReader::new(payload),
            states: None,
            load_states,
            captures: None,
        }
    }

    /// The URI the call (or event) came under, `uri`, whose components in
    /// the places of `template`'s placeholders (`user.{id}.get`) the
    /// [`Capture`] parameters read; see [`capture`](crate::capture).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use wamp_runtime::extract::{Parameter, Source};
    /// use wamp_runtime::state::States;
    /// use wamp_runtime::{Capture, Payload};
    ///
    /// let states = || Arc::new(States::new());
    /// let mut source = Source::new(Payload::default(), &states).with_captures("user.{id}.get", "app.user.7.get");
    /// assert_eq!(*Capture::<u32>::extract(&mut source, "id")?, 7);
    /// # Ok::<(), wamp_runtime::extract::Rejection>(())
    /// ```
    pub fn with_captures(mut self, template: &'a str, uri: &'a str) -> Self {
        self.captures = Some((template, uri));
        self
    }

    /// The URI component the placeholder `{name}` captures.
    ///
    /// # Errors
    /// [`MissingCapture`] when no template was given, the template has no
    /// such placeholder, or the URI is shorter than the template.
    pub fn capture(&self, name: &str) -> Result<&'a str, MissingCapture> {
        let missing = |template: Option<&str>| MissingCapture {
            name: name.to_owned(),
            template: template.map(str::to_owned),
            uri: self.captures.map_or("", |(_, uri)| uri).to_owned(),
        };
        let (template, uri) = self.captures.ok_or_else(|| missing(None))?;
        crate::capture::component(template, uri, name).ok_or_else(|| missing(Some(template)))
    }

    /// The arguments.
    pub fn reader(&mut self) -> &mut ArgumentReader {
        &mut self.reader
    }

    /// The states of the client that received the call or event.
    pub fn states(&mut self) -> &States {
        self.states.get_or_insert_with(|| (self.load_states)())
    }

    /// Checks that the parameters took every argument (see
    /// [`ArgumentReader::finish`]).
    ///
    /// # Errors
    /// The arguments no parameter took.
    pub fn finish(self) -> Result<(), Rejection> {
        Ok(self.reader.finish()?)
    }
}

/// Why a typed handler does not run.
///
/// ```
/// use wamp_runtime::extract::Rejection;
/// use wamp_runtime::{ApplicationError, ArgumentReader, Payload};
///
/// let missing = ArgumentReader::new(Payload::default()).next::<u32>("count").unwrap_err();
/// let rejection = Rejection::from(missing);
/// assert_eq!(rejection.to_string(), r#"missing argument "count" (position 1 or keyword), expected u32"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The arguments do not fit its parameters: the caller's (or
    /// publisher's) mistake, answered with `wamp.error.invalid_argument`.
    #[error(transparent)]
    Argument(#[from] ArgumentError),
    /// A state value it takes was not given: the service's mistake,
    /// answered with an internal error.
    #[error(transparent)]
    MissingState(#[from] MissingState),
    /// A [`Capture`] parameter its URI does not fill: the service's
    /// mistake too (the registration does not follow the template).
    #[error(transparent)]
    MissingCapture(#[from] MissingCapture),
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn type_names_are_shortened_to_what_code_writes() {
        assert_eq!(short_type_name::<f64>(), "f64");
        assert_eq!(short_type_name::<Option<String>>(), "Option<String>");
        assert_eq!(
            short_type_name::<std::collections::HashMap<String, Vec<u8>>>(),
            "HashMap<String, Vec<u8>>"
        );
    }

    #[test]
    fn a_capture_parses_its_component_and_names_itself_when_it_cannot() {
        let states = || Arc::new(States::new());
        let mut source =
            Source::new(Payload::default(), &states).with_captures("{tenant}.user.{id}.get", "app.acme.user.x7.get");
        let tenant = Capture::<String>::extract(&mut source, "tenant").expect("a string parses");
        assert_eq!(tenant.into_inner(), "acme");
        let err = Capture::<u32>::extract(&mut source, "id").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"capture "id" (URI component "x7"): expected u32: invalid digit found in string"#
        );
        assert!(matches!(err, Rejection::Argument(_)));
        // Captures are not arguments: nothing is left over.
        assert_eq!(source.finish(), Ok(()));
    }

    #[test]
    fn a_capture_the_uri_does_not_fill_is_the_services_mistake() {
        let states = || Arc::new(States::new());
        let mut without_template = Source::new(Payload::default(), &states);
        let err = Capture::<u32>::extract(&mut without_template, "id").unwrap_err();
        assert!(matches!(err, Rejection::MissingCapture(_)), "{err:?}");
        assert!(err.to_string().contains("has no URI template"), "{err}");

        let mut shorter = Source::new(Payload::default(), &states).with_captures("user.{id}.get", "id.get");
        let err = Capture::<u32>::extract(&mut shorter, "id").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"the URI "id.get" has no component for the capture "id" of the template "user.{id}.get""#
        );
    }

    #[test]
    fn parameters_read_in_turn_become_keyword_only_after_args() {
        let mut reader = ArgumentReader::new(payload(
            vec![Value::from(1), Value::from(2)],
            &[("late", Value::from(true))],
        ));
        assert_eq!(reader.next::<i64>("first"), Ok(1));
        assert_eq!(reader.rest_args().0, vec![Value::from(2)]);
        assert_eq!(reader.next::<bool>("late"), Ok(true));
        let err = reader.next::<bool>("missing").unwrap_err();
        assert_eq!(err.to_string(), r#"missing keyword argument "missing", expected bool"#);
    }
}
