//! Typed handlers' return values: how what a procedure returns becomes its
//! answer (a YIELD or an ERROR), and what happens to a subscriber's error.
//!
//! # Procedures
//!
//! | the function returns | the caller receives |
//! |---|---|
//! | `()` | an empty result |
//! | `T: Serialize` | `T` as the one positional result |
//! | [`Payload`] | its positional and keyword results as they are |
//! | `Result<T, E>` with `T` one of the above | `Ok` as above; `Err` as below |
//!
//! An error `E` (any `Display + Send + 'static` type, see [`HandlerError`])
//! whose type is mapped — a [`WampError`](crate::WampError) enum (derived,
//! or handed to the server), [`ApplicationError`] itself, or a type given
//! to [`Registry::map_error`](crate::registry::Registry::map_error) — is
//! sent with its URI and fields. Any other error is an internal failure:
//! the caller receives `wamp.error.runtime_error` with a fixed message
//! ([`INTERNAL_ERROR`]) and none of the error's text, which may name files,
//! hosts or queries of the callee; the text goes to the client's
//! [`ErrorReporter`](crate::reporting::ErrorReporter) (by default a
//! `tracing` error naming the procedure). Mapped errors are part of the
//! procedure's API and are not reported. The mappings in force are the
//! client's [`ErrorMappings`].
//!
//! A function returning `Result<T, E>` where both `T` and `E` implement
//! `Serialize` (`Result<i64, String>`, say) fits two rows of the table, and
//! the compiler asks which ("type annotations needed"); `#[procedure]`
//! settles it from the return type's name, `Result`, and a function
//! registered with [`typed::procedure`](crate::typed::procedure) says so
//! with [`typed::fallible`](crate::typed::fallible).
//!
//! # Subscribers
//!
//! Subscribers return `()` or a `Result<(), E>` ([`EventOutcome`]); an `Err`
//! is reported to the client's [`ErrorReporter`](crate::reporting::ErrorReporter):
//! nobody else hears of it.

use std::any::TypeId;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use wamp_protocol::Payload;

use crate::client::Client;
use crate::error::ApplicationError;
use crate::handler::{CallContext, ProcedureResult};
use crate::wamp_error::ErrorMappings;

/// The message of the `wamp.error.runtime_error` a caller receives when a
/// procedure panics or returns an unmapped error: it says that the callee
/// failed and nothing of why, which stays in the callee's log.
pub const INTERNAL_ERROR: &str = "the procedure failed with an internal error";

/// A type a typed handler may return as its error: anything that
/// implements `Display` (every `std::error::Error`, `anyhow::Error`,
/// `String`), `Send` and `'static`. Whether the caller sees it depends on
/// the [`ErrorMappings`] (see the [module](self) documentation).
///
/// ```
/// use wamp_runtime::{typed, CallContext};
///
/// // `String` is a `HandlerError`: unmapped, the caller gets an internal error.
/// fn check(_ctx: CallContext, word: String) -> Result<usize, String> {
///     if word.is_empty() { Err("empty word".into()) } else { Ok(word.len()) }
/// }
/// let handler = typed::fallible(["word"], check);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the error of a handler: it does not implement `std::fmt::Display`",
    label = "not displayable",
    note = "derive `thiserror::Error` for it (a `#[derive(WampError)]` enum too: its message is what the reporter shows)"
)]
pub trait HandlerError: fmt::Display + Send + 'static {}

impl<E: fmt::Display + Send + 'static> HandlerError for E {}

/// What turning a procedure's return value into its answer needs: the
/// procedure (for logs) and the error mappings in force.
#[derive(Debug, Clone)]
pub struct ReplyContext {
    procedure: String,
    mappings: Mappings,
}

/// Where the error mappings come from: read from the client only when an
/// error needs them, which keeps a lock off the path of every answer.
#[derive(Debug, Clone)]
enum Mappings {
    Given(Arc<ErrorMappings>),
    OfClient(Client),
}

impl Mappings {
    fn get(&self) -> Arc<ErrorMappings> {
        match self {
            Mappings::Given(mappings) => mappings.clone(),
            Mappings::OfClient(client) => client.error_mappings(),
        }
    }
}

impl ReplyContext {
    /// The context of an answer of `procedure`, errors mapped with `mappings`.
    pub fn new(procedure: impl Into<String>, mappings: Arc<ErrorMappings>) -> Self {
        Self {
            procedure: procedure.into(),
            mappings: Mappings::Given(mappings),
        }
    }

    /// The context of the answer to the invocation `ctx`, errors mapped
    /// with its client's [`ErrorMappings`].
    pub fn of(ctx: &CallContext) -> Self {
        Self {
            procedure: ctx.procedure().to_owned(),
            mappings: Mappings::OfClient(ctx.client().clone()),
        }
    }

    /// The ERROR a caller receives for `error`: its mapping, or the
    /// [`INTERNAL_ERROR`], in which case the failure is reported.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use wamp_runtime::reply::ReplyContext;
    /// use wamp_runtime::wamp_error::ErrorMappings;
    /// use wamp_runtime::{ApplicationError, INTERNAL_ERROR};
    ///
    /// let context = ReplyContext::new("com.example.p", Arc::new(ErrorMappings::new()));
    /// let mapped = context.error(ApplicationError::new("com.example.error.x"));
    /// assert_eq!(mapped.uri(), "com.example.error.x");
    ///
    /// let internal = context.error(std::io::Error::other("disk on fire"));
    /// assert_eq!(internal.uri(), ApplicationError::RUNTIME_ERROR);
    /// assert_eq!(internal.message(), Some(INTERNAL_ERROR), "the error's text stays with the callee");
    /// ```
    pub fn error<E: HandlerError>(&self, error: E) -> ApplicationError {
        let procedure = self.procedure.as_str();
        if let Some(mapped) = self.mappings.get().to_application_error(&error) {
            // An answer of the procedure's API, not a failure.
            tracing::debug!(procedure, error = %mapped, "procedure answered with an error");
            return mapped;
        }
        // Reported by the task running the handler (see `reporting`); the
        // caller learns only that the procedure failed.
        if !crate::reporting::note_failure(&error) {
            tracing::error!(procedure, error = %error, "procedure failed with an unmapped error");
        }
        ApplicationError::with_message(ApplicationError::RUNTIME_ERROR, INTERNAL_ERROR)
    }
}

/// Marks a return value converted with `serde::Serialize` (see [`IntoReply`]).
#[derive(Debug)]
pub enum Serialized {}

/// Marks a [`Payload`] returned as it is (see [`IntoReply`]).
#[derive(Debug)]
pub enum AsIs {}

/// Marks a `Result` whose `Ok` converts as `M` says (see [`IntoReply`]).
#[derive(Debug)]
pub struct Fallible<M>(PhantomData<M>);

/// What a typed procedure may return (see the [module](self)
/// documentation). `M` only tells the implementations apart: it is
/// [`Serialized`], [`AsIs`] or [`Fallible`], and inferred.
///
/// ```
/// use std::sync::Arc;
/// use wamp_runtime::reply::{IntoReply, ReplyContext};
/// use wamp_runtime::wamp_error::ErrorMappings;
/// use wamp_runtime::{Payload, Value};
///
/// let context = ReplyContext::new("com.example.p", Arc::new(ErrorMappings::new()));
/// assert_eq!(2.5.into_reply(&context), Ok(Payload::from_args(vec![Value::from(2.5)])));
/// assert_eq!(().into_reply(&context), Ok(Payload::default()));
/// let failed: Result<f64, std::io::Error> = Err(std::io::Error::other("disk"));
/// assert_eq!(failed.into_reply(&context).unwrap_err().uri(), "wamp.error.runtime_error");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the result of a procedure: it does not implement `serde::Serialize`",
    label = "not serializable",
    note = "derive `serde::Serialize` for it, or return a `wamp_runtime::Payload`"
)]
pub trait IntoReply<M>: Send + 'static {
    /// The answer: the YIELD's payload, or the ERROR.
    fn into_reply(self, context: &ReplyContext) -> ProcedureResult;
}

impl<T: serde::Serialize + Send + 'static> IntoReply<Serialized> for T {
    fn into_reply(self, context: &ReplyContext) -> ProcedureResult {
        // `()` says "no result" rather than one `null`.
        if TypeId::of::<T>() == TypeId::of::<()>() {
            return Ok(Payload::default());
        }
        match wamp_protocol::to_value(&self) {
            Ok(value) => Ok(Payload::from_args(vec![value])),
            Err(e) => {
                tracing::error!(procedure = %context.procedure, error = %e, "cannot serialize a procedure's result");
                Err(ApplicationError::with_message(
                    ApplicationError::RUNTIME_ERROR,
                    "the procedure's result cannot be serialized",
                ))
            }
        }
    }
}

impl IntoReply<AsIs> for Payload {
    fn into_reply(self, _context: &ReplyContext) -> ProcedureResult {
        Ok(self)
    }
}

impl<T: IntoReply<M>, E: HandlerError, M: 'static> IntoReply<Fallible<M>> for Result<T, E> {
    fn into_reply(self, context: &ReplyContext) -> ProcedureResult {
        match self {
            Ok(value) => value.into_reply(context),
            Err(error) => Err(context.error(error)),
        }
    }
}

/// What a typed subscriber may return: `()`, or a `Result<(), E>` whose
/// error is reported (see the [module](self) documentation).
///
/// ```
/// use wamp_runtime::{typed, EventContext};
///
/// // An `Err` goes to the client's error reporter.
/// let handler = typed::subscriber(["line"], |_ctx: EventContext, line: String| -> Result<(), std::io::Error> {
///     std::fs::write("/tmp/last_line", line)
/// });
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the result of a subscriber: return `()` or `Result<(), E>`",
    label = "not a subscriber's result"
)]
pub trait EventOutcome: Send + 'static {
    /// Reports an error, if there is one; `topic` is the event's topic,
    /// `client` the client that received it (whose [`ErrorMappings`] say
    /// how a mapped error reads).
    fn conclude(self, topic: &str, client: &Client);
}

impl EventOutcome for () {
    fn conclude(self, _topic: &str, _client: &Client) {}
}

impl<E: HandlerError> EventOutcome for Result<(), E> {
    fn conclude(self, topic: &str, client: &Client) {
        let Err(error) = self else {
            return;
        };
        // Nobody receives a subscriber's error, mapped or not: it is a failure.
        let noted = match client.error_mappings().to_application_error(&error) {
            Some(mapped) => crate::reporting::note_failure(&mapped),
            None => crate::reporting::note_failure(&error),
        };
        if !noted {
            tracing::error!(topic, error = %error, "event handler failed");
        }
    }
}
