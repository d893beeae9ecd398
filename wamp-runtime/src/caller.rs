//! Typed callers and publishers: what `#[procedure]` and `#[subscriber]`
//! generate next to a handler so that other code calls it, or publishes to
//! it, with the handler's own types and URI.
//!
//! For `#[procedure] fn multiply(ctx: CallContext, a: f64, b: f64) -> f64`
//! in a module with `wamp_module!(prefix = "foo")`, the attribute adds a
//! unit struct `MultiplyCaller` (name it with `caller = Name`) with the
//! function's visibility:
//!
//! - `MultiplyCaller::call(&client, a, b)` → a [`TypedCall<f64, E, P>`]:
//!   `.await` it for `Result<f64, TypedCallError<E>>`, or set
//!   `.timeout(..)`, `.cancel_mode(..)`, `.disclose_me(..)`,
//!   `.on_progress(..)`, `.with_progress()` first. `E` is the handler's
//!   error type (`Result<T, E>`), so a mapped `ERROR` comes back as the same
//!   enum variant; a handler that cannot fail has
//!   [`Infallible`](std::convert::Infallible). `P` is the type of its progress
//!   items, `#[procedure(progress = T)]`, else [`Value`].
//! - `MultiplyCaller::uri()` → `"foo.multiply"`, resolved by
//!   [`registry::entry_uri`](crate::registry::entry_uri), the rule the
//!   registration itself follows.
//!
//! The arguments are the handler's parameters after the context, `State<T>`
//! parameters left out, sent as positional arguments in order (an `Args`
//! parameter appends its values, a `Kwargs<T>` parameter becomes the keyword
//! arguments). For `#[subscriber] fn message_received(ctx: EventContext,
//! message: String)` the attribute adds `MessageReceivedPublisher` (or
//! `publisher = Name`) with `publish(&client, message)` → a
//! [`PublishBuilder`], awaited as it is or
//! `.acknowledged()`, and `uri()`.
//!
//! A handler whose name has captures (`name = "user.{id}.get"`, see the
//! [`capture`](crate::capture) module) has a caller that takes each
//! `Capture<T>` parameter as a `T` where it stands and puts it into the URI:
//! `GetCaller::call(&client, 42, ..)` calls `<prefixes>.user.42.get`
//! ([`call_captured`]), a value that is not one URI component fails the call
//! with [`CallError::InvalidCapture`] before it is sent, and
//! `GetCaller::concrete_uri(42)` gives the URI. `uri()` stays the pattern
//! registered, `<prefixes>.user..get`; `NAME` is its last part and
//! `TEMPLATE` the name as written.
//!
//! Written by hand, a caller is a [`TypedCall`] around a
//! [`CallBuilder`] addressed through an [`EntryUri`]:
//!
//! ```
//! use wamp_runtime::caller::{EntryUri, TypedCall};
//! use wamp_runtime::Client;
//!
//! struct MultiplyCaller;
//!
//! impl MultiplyCaller {
//!     fn uri() -> &'static str {
//!         static URI: EntryUri = EntryUri::new(module_path!(), None, "multiply");
//!         URI.get()
//!     }
//!
//!     fn call(client: &Client, a: f64, b: f64) -> TypedCall<f64, std::convert::Infallible> {
//!         TypedCall::new(client.call(Self::uri()).arg(a).arg(b))
//!     }
//! }
//! assert_eq!(MultiplyCaller::uri(), "multiply");
//! ```

use std::fmt;
use std::future::IntoFuture;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::Stream;
use futures_util::future::BoxFuture;
use serde::de::DeserializeOwned;
use wamp_protocol::{Payload, Value};

use crate::client::{CallBuilder, CancelMode, Client, ProgressiveCall, PublishBuilder};
use crate::error::{CallError, TypedCallError};
use crate::wamp_error::WampError;

/// The full URI of a link-time entry, resolved by
/// [`registry::entry_uri`](crate::registry::entry_uri) on first use (the
/// module prefixes are link-time entries too, so they are known only once
/// the program runs) and kept.
///
/// ```
/// use wamp_runtime::caller::EntryUri;
///
/// static URI: EntryUri = EntryUri::new(module_path!(), Some("com.example"), "add");
/// assert_eq!(URI.get(), "com.example.add");
/// ```
pub struct EntryUri {
    module_path: &'static str,
    prefix: Option<&'static str>,
    name: &'static str,
    resolved: OnceLock<String>,
}

impl EntryUri {
    /// The URI of the entry named `name` with its own `prefix` in
    /// `module_path` (`module_path!()` where the handler is defined).
    pub const fn new(module_path: &'static str, prefix: Option<&'static str>, name: &'static str) -> Self {
        Self {
            module_path,
            prefix,
            name,
            resolved: OnceLock::new(),
        }
    }

    /// The full URI.
    pub fn get(&self) -> &str {
        self.resolved
            .get_or_init(|| crate::registry::entry_uri(self.module_path, self.prefix, self.name))
    }
}

impl fmt::Debug for EntryUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntryUri")
            .field("module_path", &self.module_path)
            .field("prefix", &self.prefix)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// A call to the concrete URI of a procedure registered under a template
/// with captures: `pattern` (its registered URI, e.g. an [`EntryUri`]) with
/// the placeholders of `template` filled from `values` (see
/// [`capture::fill`](crate::capture::fill)). What a generated caller of
/// `name = "user.{id}.get"` starts from; a value that is not one URI
/// component makes the call fail with [`CallError::InvalidCapture`] when
/// awaited, before anything is sent.
///
/// ```no_run
/// # async fn demo(client: wamp_runtime::Client) -> Result<(), wamp_runtime::CallError> {
/// use wamp_runtime::caller::call_captured;
///
/// let name: String = call_captured(&client, "app.user..get", "user.{id}.get", &[("id", &42)])
///     .arg(true)
///     .await?
///     .decode()?;
/// # Ok(()) }
/// ```
pub fn call_captured(
    client: &Client,
    pattern: &str,
    template: &str,
    values: &[(&str, &dyn fmt::Display)],
) -> CallBuilder {
    match crate::capture::fill(pattern, template, values) {
        Ok(uri) => client.call(uri),
        Err(error) => client.call(pattern).failing(error.into()),
    }
}

/// A publication to the concrete topic of a subscription made under a
/// template with captures, as [`call_captured`] is a call: a value that is
/// not one URI component makes it fail with [`CallError::InvalidCapture`]
/// when awaited (or acknowledged), before anything is sent.
///
/// ```no_run
/// # async fn demo(client: wamp_runtime::Client) -> Result<(), wamp_runtime::CallError> {
/// use wamp_runtime::caller::publish_captured;
///
/// publish_captured(&client, "sensor..temperature", "sensor.{room}.temperature", &[("room", &"kitchen")])
///     .arg(21.5)
///     .acknowledged()
///     .await?;
/// # Ok(()) }
/// ```
pub fn publish_captured(
    client: &Client,
    pattern: &str,
    template: &str,
    values: &[(&str, &dyn fmt::Display)],
) -> PublishBuilder {
    match crate::capture::fill(pattern, template, values) {
        Ok(topic) => client.publish(topic),
        Err(error) => client.publish(pattern).failing(error.into()),
    }
}

/// Marks what a typed call decodes into without owning any of it (so the
/// call is `Send` whatever the types).
type Decodes<T, E, P> = PhantomData<fn() -> (T, E, P)>;

/// A call whose result decodes into `T`, whose `ERROR`s decode into `E`
/// when `E` knows their URI, and whose progress items decode into `P`: what
/// a generated caller returns. `.await` it to send it.
///
/// Every option of the [`CallBuilder`] inside stays reachable: the common
/// ones here, any other with [`option`](Self::option), and the builder
/// itself with [`into_builder`](Self::into_builder). Dropping the future
/// cancels the call, as with the builder.
#[must_use = "a call does nothing until it is awaited"]
pub struct TypedCall<T, E, P = Value> {
    builder: CallBuilder,
    types: Decodes<T, E, P>,
}

impl<T, E, P> fmt::Debug for TypedCall<T, E, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TypedCall")
            .field("builder", &self.builder)
            .field("result", &std::any::type_name::<T>())
            .field("error", &std::any::type_name::<E>())
            .finish_non_exhaustive()
    }
}

impl<T, E, P> TypedCall<T, E, P> {
    /// A typed call around a builder that holds the URI and arguments.
    pub fn new(builder: CallBuilder) -> Self {
        Self {
            builder,
            types: PhantomData,
        }
    }

    fn map(self, f: impl FnOnce(CallBuilder) -> CallBuilder) -> Self {
        Self::new(f(self.builder))
    }

    /// See [`CallBuilder::timeout`]: the caller gets
    /// `TypedCallError::Other(CallError::Timeout(..))` and the callee is
    /// cancelled.
    pub fn timeout(self, timeout: Duration) -> Self {
        self.map(|b| b.timeout(timeout))
    }

    /// See [`CallBuilder::cancel_mode`].
    pub fn cancel_mode(self, mode: CancelMode) -> Self {
        self.map(|b| b.cancel_mode(mode))
    }

    /// See [`CallBuilder::disclose_me`].
    pub fn disclose_me(self, disclose: bool) -> Self {
        self.map(|b| b.disclose_me(disclose))
    }

    /// See [`CallBuilder::option`].
    pub fn option(self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.map(|b| b.option(key, value))
    }

    /// The untyped builder, for what this type does not offer.
    pub fn into_builder(self) -> CallBuilder {
        self.builder
    }
}

impl<T, E, P: DeserializeOwned> TypedCall<T, E, P> {
    /// Asks for progressive results and calls `callback` with each one,
    /// decoded into `P` (an item that does not decode is a
    /// [`CallError::Decode`]), before the result is returned.
    pub fn on_progress(self, mut callback: impl FnMut(Result<P, CallError>) + Send + 'static) -> Self {
        self.map(|b| b.on_progress(move |item: Payload| callback(item.decode().map_err(CallError::from))))
    }

    /// Asks for progressive results and returns them as a [`Stream`] of
    /// items decoded into `P`, with the result from
    /// [`TypedProgressiveCall::result`].
    pub fn with_progress(self) -> TypedProgressiveCall<T, E, P> {
        TypedProgressiveCall {
            call: self.builder.with_progress(),
            types: PhantomData,
        }
    }
}

impl<T, E, P> IntoFuture for TypedCall<T, E, P>
where
    T: DeserializeOwned + Send + 'static,
    E: WampError + Send + 'static,
{
    type Output = Result<T, TypedCallError<E>>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.builder.typed::<T, E>())
    }
}

/// A typed call with progressive results: a [`Stream`] of progress items
/// decoded into `P`, then the result from [`result`](Self::result).
#[must_use = "a call does nothing until it is polled"]
pub struct TypedProgressiveCall<T, E, P> {
    call: ProgressiveCall,
    types: Decodes<T, E, P>,
}

impl<T, E, P> fmt::Debug for TypedProgressiveCall<T, E, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TypedProgressiveCall").finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned, E: WampError, P> TypedProgressiveCall<T, E, P> {
    /// Waits for the result (progress not yet read stays readable).
    pub async fn result(self) -> Result<T, TypedCallError<E>> {
        let output = self.call.result().await.map_err(CallError::into_typed)?;
        Ok(output.decode()?)
    }
}

impl<T, E, P: DeserializeOwned> Stream for TypedProgressiveCall<T, E, P> {
    type Item = Result<P, CallError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.call)
            .poll_next(cx)
            .map(|item| item.map(|payload| payload.decode().map_err(CallError::from)))
    }
}

/// `value` as the `dyn Display` a caller fills a capture with. Not public
/// API.
#[doc(hidden)]
pub fn displayed<T: fmt::Display>(value: &T) -> &dyn fmt::Display {
    value
}

/// The `Ok` and `Err` types of a handler's `Result` (a type alias
/// included), for the generated caller's signature.
#[doc(hidden)]
pub trait ResultParts {
    type Ok;
    type Err;
}

impl<T, E> ResultParts for Result<T, E> {
    type Ok = T;
    type Err = E;
}
