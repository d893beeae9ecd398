//! A tokio client for [WAMP](https://wamp-proto.org/): join a realm on a
//! router, then call, register, publish and subscribe, with typed values in
//! and out.
//!
//! This is the crate to depend on: it re-exports the macros and the parts
//! of the protocol crate its API uses (the rest is [`protocol`]).
//!
//! ```toml
//! [dependencies]
//! wamp-runtime = "0.1"
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! ```
//!
//! # A service
//!
//! Annotate functions with [`#[procedure]`](procedure) and
//! [`#[subscriber]`](subscriber), then [`serve`] them: it connects every
//! configured client, registers and subscribes every annotated function,
//! runs until Ctrl-C or SIGTERM, and stops cleanly.
//!
//! ```no_run
//! use wamp_runtime::{CallContext, EventContext, procedure, subscriber};
//!
//! #[procedure(prefix = "com.example", invoke = "roundrobin")]
//! async fn multiply(_ctx: CallContext, factor1: f64, factor2: f64) -> f64 {
//!     factor1 * factor2
//! }
//!
//! #[subscriber(name = "com.example.news")]
//! async fn news(_ctx: EventContext, headline: String) {
//!     println!("news: {headline}");
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), wamp_runtime::Error> {
//!     wamp_runtime::serve(wamp_runtime::Config::load("wamp.yaml")?).await
//! }
//! ```
//!
//! A client, without a service:
//!
//! ```no_run
//! use wamp_runtime::{Client, ClientConfig};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::connect(&ClientConfig::new("ws://127.0.0.1:8080/ws", "realm1")?).await?;
//! let product: f64 = client.call("com.example.multiply").args((6, 7)).await?.decode()?;
//! client.publish("com.example.news").arg("6 × 7 = 42").await?;
//! # Ok(()) }
//! ```
//!
//! # The guide
//!
//! The sections follow the user guide of asphalt-wamp, the Python library
//! this crate re-imagines; the [README](https://github.com/wamp-rs/wamp-rs#readme)
//! walks through each with longer examples.
//!
//! - **Configuration**: [`Config`] (YAML or TOML, asphalt-wamp's keys, one or
//!   more named clients, `WAMP_URL`/`WAMP_REALM`/`WAMP_AUTHID`/`WAMP_SECRET`
//!   from the environment) and [`ClientConfig`], also built in code
//!   ([`ClientConfig::builder`]); mistakes are a [`ConfigError`] naming the
//!   key, the file and the line. See the [`config`] module.
//! - **Calling**: [`Client::call`] gives a [`CallBuilder`] (positional and
//!   keyword arguments, [`timeout`](CallBuilder::timeout) with a CANCEL to
//!   the callee, [`CancelMode`], progressive results as a callback or a
//!   stream); its [`CallOutput`] decodes into any `Deserialize` type.
//!   Failures are a [`CallError`].
//! - **Registering**: [`#[procedure]`](procedure) (options: name, prefix,
//!   client, match, invoke, concurrency, queue_limit, ...) or
//!   [`Client::register`] in code with [`RegisterOptions`]. Parameters are
//!   read by the [`extract`] module ([`Args`], [`Kwargs`]), return values
//!   answered by the [`reply`] module; [`CallContext`] has the caller, the
//!   progress sender and the cancellation signal.
//! - **Application state**: [`State<T>`] parameters, given to the
//!   [`Server`] with [`Server::state`]; see the [`state`] module.
//! - **Publishing and subscribing**: [`Client::publish`] gives a
//!   [`PublishBuilder`] ([`acknowledged`](PublishBuilder::acknowledged)
//!   waits for the router); [`#[subscriber]`](subscriber) or
//!   [`Client::subscribe`] with [`SubscribeOptions`] receive events, with an
//!   [`EventContext`].
//! - **WAMP errors as Rust errors**: [`#[derive(WampError)]`](derive@WampError)
//!   maps an enum to error URIs both ways, for handlers that return it and
//!   callers that decode it; [`ApplicationError`] is an error by URI.
//! - **Registries**: [`wamp_module!`] gives a module's handlers a prefix and
//!   defaults, [`registry::Registry`] holds handlers added in code; the
//!   [`registry`] module says how a URI is formed.
//! - **Typed callers and contracts**: each `#[procedure]` also generates a
//!   caller that calls it with its own types and URI; a declaration without
//!   a body is a contract that other crates implement or call. See the
//!   [`caller`] module.
//! - **Authentication and TLS**: ticket, WAMP-CRA and cryptosign in the
//!   configuration's `auth` section ([`config::AuthConfig`]), TLS with
//!   [`config::TlsConfig`].
//! - **Surviving restarts, stopping cleanly, reporting failures**: a
//!   [`config::ReconnectPolicy`] (reconnect, restore every registration and
//!   subscription), router failover across a list of URLs, [`Client::stop`]
//!   and [`RunningServer::stop`], [`ClientEvent`]s, and an [`ErrorReporter`]
//!   told of every failed handler.
//! - **Transports**: WebSocket (`ws://`, `wss://`) and RawSocket (`rs://`,
//!   `rss://`, `unix://`), with JSON, MessagePack or CBOR; the RawSocket
//!   handshake and framing are also an I/O-free codec in
//!   [`transport::rawsocket`].
//! - **Testing**: the `wamp-testkit` crate (a dev-dependency) starts a real
//!   router in a test, serves the program's handlers from the test process
//!   and connects clients to it; see the README's "Testing your service".
//!
//! # Minimum supported Rust version
//!
//! Rust 1.85. Raising it is a minor release (0.x: a change of the second
//! number), never a patch release.

// Lets the macros' generated code name `::wamp_runtime` inside this crate too.
extern crate self as wamp_runtime;

/// The protocol crate, without I/O (`wamp-core/` in the repository): every
/// WAMP message, [`Value`], URIs and match policies, ids, the serializers.
/// What this crate's API uses is also re-exported at its top level.
pub use wamp_protocol as protocol;
pub use wamp_protocol::SerializerKind;

mod application_error;
mod auth;
pub mod caller;
pub mod capture;
pub mod catalog;
mod client;
pub mod config;
mod connect;
mod endpoint;
mod error;
pub mod extract;
pub mod handler;
mod limits;
mod options;
mod pem;
mod readable;
pub mod registry;
pub mod reply;
pub mod reporting;
mod serve;
mod session;
mod signal;
pub mod state;
mod sync;
pub mod transport;
pub mod typed;
pub mod wamp_error;

pub use capture::Capture;
pub use client::{
    AcknowledgedPublish, CallBuilder, CallOutput, CancelMode, Client, ProgressiveCall, PublishBuilder, RegisterOptions,
    Registration, SubscribeOptions, Subscription,
};
pub use config::{ClientConfig, Config, ConfigError};
pub use error::{ApplicationError, CallError, Error, TypedCallError};
pub use handler::{CallContext, EventContext, PeerIdentity, ProcedureResult, ProgressSender};
pub use reporting::{ErrorReporter, HandlerFailure};
pub use session::{ClientEvent, SessionDetails, SessionState};
pub use signal::shutdown_signal;
pub use state::State;
pub use wamp_protocol::{Dict, Id, InvokePolicy, LazyDict, List, MatchPolicy, Payload, Value};

pub use client::Clients;
pub use extract::{Args, ArgumentError, ArgumentReader, Kwargs};
pub use reply::INTERNAL_ERROR;
pub use serve::{RunningServer, Server, serve};
pub use wamp_error::WampError;

/// JSON Schemas of your own types, for the [service catalog](catalog):
/// derive [`JsonSchema`] next to `Deserialize` (see the `catalog` module for
/// the derive's `crate` attribute).
pub use schemars;
pub use schemars::JsonSchema;

/// Turns a function into a procedure registered at start-up by
/// [`serve`]; see the [`extract`] module for its parameters, the [`reply`]
/// module for its return values, and the [`registry`] module for how its
/// URI is formed.
///
/// ```
/// use wamp_runtime::{procedure, CallContext, WampError};
///
/// #[derive(Debug, thiserror::Error, WampError)]
/// enum MathError {
///     #[error("division by zero")]
///     #[wamp_error("math.error.division_by_zero")]
///     DivisionByZero,
/// }
///
/// #[procedure(prefix = "foo", invoke = "roundrobin")]
/// async fn divide(_ctx: CallContext, numerator: f64, denominator: f64) -> Result<f64, MathError> {
///     if denominator == 0.0 {
///         return Err(MathError::DivisionByZero);
///     }
///     Ok(numerator / denominator)
/// }
/// ```
///
/// Options, all optional:
///
/// | option | meaning | default |
/// |---|---|---|
/// | `name = "..."` | the last part of the URI; with `match = "wildcard"`, `{name}` components are captures (below) | the function's name |
/// | `prefix = "..."` | a prefix between the modules' prefixes and the name | none |
/// | `client = "..."` | the configured client that registers it | the module's, else the default client |
/// | `match = "exact" \| "prefix" \| "wildcard"` | the match policy | the module's, else `exact` |
/// | `invoke = "single" \| "roundrobin" \| "random" \| "first" \| "last"` | the invocation policy | the module's, else `single` |
/// | `disclose_caller = true` | ask the router to disclose the caller | the module's, else `false` |
/// | `force_reregister = true` | take the procedure over from another session holding it (e.g. a dead predecessor the router has not dropped yet) | `false` |
/// | `concurrency = N` | at most N invocations at once, the others queue | the module's, else no limit |
/// | `queue_limit = N` | at most N invocations held at once, running or queued; more are refused at once as busy (`wamp.error.unavailable`) | the module's, else the client's `invocation_queue` |
/// | `caller = Name` | the name of the generated typed caller | `MultiplyCaller` for `multiply` |
/// | `progress = Type` | the type of the progress items its caller decodes | [`Value`] |
/// | `implements = path::NameCaller` | implement the declaration whose caller this is: its URI, in its module | none |
///
/// Next to the function the attribute generates its typed caller, a unit
/// struct with the function's visibility (see the [`caller`] module):
/// `NameCaller::call(&client, args..)` with the parameters after the
/// context (`State` ones left out) returns a [`caller::TypedCall`] of the
/// `Ok` type, the error type (so a mapped `ERROR` comes back as its
/// variant) and the progress type, which still takes `.timeout(..)`,
/// `.cancel_mode(..)`, `.disclose_me(..)` and progress;
/// `NameCaller::uri()` is the URI it is registered under.
///
/// ```
/// use wamp_runtime::{procedure, CallContext, Client, TypedCallError, WampError};
///
/// #[derive(Debug, thiserror::Error, WampError)]
/// enum MathError {
///     #[error("division by zero")]
///     #[wamp_error("math.error.division_by_zero")]
///     DivisionByZero,
/// }
///
/// #[procedure(prefix = "foo")]
/// fn divide(_ctx: CallContext, numerator: f64, denominator: f64) -> Result<f64, MathError> {
///     if denominator == 0.0 { Err(MathError::DivisionByZero) } else { Ok(numerator / denominator) }
/// }
///
/// async fn use_it(client: &Client) {
///     match DivideCaller::call(client, 1.0, 0.0).timeout(std::time::Duration::from_secs(5)).await {
///         Ok(quotient) => println!("{quotient}"),
///         Err(TypedCallError::Mapped(MathError::DivisionByZero)) => println!("cannot divide by zero"),
///         Err(other) => println!("{other}"),
///     }
/// }
/// assert_eq!(DivideCaller::uri(), "foo.divide");
/// ```
///
/// **Captures.** In a wildcard name, a whole component `{id}` is a
/// capture: the pattern registered has an empty component there, and the
/// parameter `id: Capture<T>` ([`Capture`]) receives the component of the
/// URI called, parsed with `FromStr` (one that does not parse is answered
/// with `wamp.error.invalid_argument` naming the capture). The caller takes
/// the value, a `T`, where the parameter stands, and fills the component;
/// `NameCaller::concrete_uri(..)` gives that URI, `uri()` stays the pattern.
/// Each `{id}` needs its `Capture` parameter and each `Capture` parameter
/// its `{id}`; see the [`capture`] module.
///
/// ```
/// use wamp_runtime::{procedure, Capture, CallContext};
///
/// #[procedure(name = "user.{id}.rename", match = "wildcard")]
/// fn rename(_ctx: CallContext, id: Capture<u64>, to: String) -> String {
///     format!("user {} is now {to}", *id)
/// }
///
/// assert_eq!(RenameCaller::uri(), "user..rename");
/// assert_eq!(RenameCaller::concrete_uri(7).unwrap(), "user.7.rename");
/// // RenameCaller::call(&client, 7, "ada".into()) calls `user.7.rename` with ["ada"].
/// ```
///
/// **Declarations.** A function *without a body* is a declaration: it
/// generates only the caller, and registers nothing. It takes the options
/// `name`, `prefix`, `caller` and `progress`; a name with captures needs no
/// `match` there: its implementation sets `match = "wildcard"` and takes the
/// captures as `Capture` parameters of the same names (checked at compile
/// time). The service implements it
/// with `implements = path::to::NameCaller` on a function with the same
/// parameter and result types (checked at compile time); the
/// implementation is registered under the declaration's URI, served with
/// its own options (`invoke`, `concurrency`, ...) and its own modules'
/// defaults. Callers depend on the declarations only,
/// so the service's handlers are never in their program:
///
/// ```standalone_crate
/// mod contract {
///     use wamp_runtime::CallContext;
///     wamp_runtime::wamp_module!(prefix = "com.example");
///
///     #[wamp_runtime::procedure]
///     pub fn add(ctx: CallContext, a: i64, b: i64) -> i64;
/// }
///
/// #[wamp_runtime::procedure(implements = contract::AddCaller, invoke = "roundrobin")]
/// fn add(_ctx: wamp_runtime::CallContext, a: i64, b: i64) -> i64 {
///     a + b
/// }
///
/// let bindings = wamp_runtime::registry::Registry::from_inventory().resolve()?;
/// assert_eq!(bindings.procedures.len(), 1);
/// assert_eq!(bindings.procedures[0].uri, contract::AddCaller::uri());
/// assert_eq!(contract::AddCaller::uri(), "com.example.add");
/// # Ok::<(), wamp_runtime::registry::StartupError>(())
/// ```
///
/// The function must be a free function (no `self`, no generics) whose first
/// parameter is the [`CallContext`]; it may be `async` or plain. It stays
/// callable as written. The attribute adds a link-time
/// [entry](registry::ProcedureEntry) holding
/// [`typed::procedure`]`(["param", ...], function)` (see the [`typed`]
/// module for that expansion written by hand) and the caller (see the
/// [`caller`] module for that written by hand).
pub use wamp_macros::procedure;

/// Turns a function into a subscriber subscribed at start-up by [`serve`].
///
/// ```
/// use wamp_runtime::{subscriber, EventContext};
///
/// #[subscriber(prefix = "foo")]
/// async fn message_received(ctx: EventContext, message: String) {
///     println!("{}: {message}", ctx.topic());
/// }
/// ```
///
/// Options: `name`, `prefix`, `client`, `match` and `implements`, as for
/// [`procedure`](macro@procedure), and `publisher = Name`. The first parameter must be the
/// [`EventContext`]; the others are read from the event like a procedure's
/// (see [`extract`]). Arguments that do not fit are logged and the function
/// is not run. It returns `()` or a `Result<(), E>` whose error is reported
/// (see [`reply`]). Like [`procedure`](macro@procedure), it adds an
/// [entry](registry::SubscriberEntry) holding [`typed::subscriber`], and a
/// typed publisher: `MessageReceivedPublisher::publish(&client, message)`
/// returns the [`PublishBuilder`] for the topic, to await as it is or
/// `.acknowledged()`, with its options. A subscriber without a body is a
/// declaration, as for procedures. A wildcard name has captures as for
/// procedures: `#[subscriber(name = "sensor.{room}.temperature", match =
/// "wildcard")]` on `fn f(ctx: EventContext, room: Capture<String>, celsius:
/// f64)` receives the room from the topic, and its publisher takes it first
/// (an event whose capture does not parse is logged and dropped).
pub use wamp_macros::subscriber;

/// Declares the prefix and defaults of a module and every module below it;
/// one line at the top of the module:
///
/// ```
/// mod accounting {
///     wamp_runtime::wamp_module!(prefix = "accounting", invoke = "roundrobin");
///
///     #[wamp_runtime::procedure]
///     fn balance(_ctx: wamp_runtime::CallContext, account: String) -> f64 {
///         0.0
///     }
///     // registered as "accounting.balance" with invoke = roundrobin
/// }
/// ```
///
/// Options: `prefix`, `client`, and the defaults `match` (of procedures and
/// subscriptions), `invoke`, `disclose_caller`, `concurrency` and
/// `queue_limit` (of procedures). See the [`registry`] module for how prefixes and defaults
/// combine.
pub use wamp_macros::wamp_module;

/// Derives [`WampError`]; see the [`wamp_error`] module.
pub use wamp_macros::WampError;

/// Support of the macros' generated code. Not public API: it may change in
/// any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::caller::{ResultParts, displayed};
    pub use crate::capture::{count as capture_count, names as names_capture};
    pub use crate::catalog::{ExactSchema, NoSchema, SchemaProbe};
    pub use crate::typed::{CheckedCapture, CheckedParameter, CheckedState};
    pub use crate::wamp_error::{DescribedErrors, ErrorProbe, UndescribedErrors};
    pub use crate::wamp_error::{ErrorUri, build_error, decode_field, field_value};
    pub use inventory;
    pub use serde;
    pub use std::vec::Vec;
}
