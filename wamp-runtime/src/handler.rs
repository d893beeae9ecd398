//! Procedure and event handlers, and the context each one receives.
//!
//! At this level a handler takes its context and the raw [`Payload`] of the
//! invocation or event (a function with typed parameters becomes one
//! through [`typed::procedure`](crate::typed::procedure) and
//! [`typed::subscriber`](crate::typed::subscriber)). Closures and
//! functions, `async` or plain, become handlers through
//! [`IntoProcedureHandler`] and [`IntoEventHandler`]:
//!
//! ```no_run
//! # async fn demo(client: wamp_runtime::Client) -> Result<(), wamp_runtime::CallError> {
//! use wamp_runtime::{ApplicationError, CallContext, Payload, RegisterOptions};
//!
//! // A plain function.
//! fn echo(_ctx: CallContext, payload: Payload) -> Result<Payload, ApplicationError> {
//!     Ok(payload)
//! }
//! client.register("com.example.echo", echo, RegisterOptions::default()).await?;
//!
//! // An async closure.
//! client
//!     .register(
//!         "com.example.slow_echo",
//!         |_ctx: CallContext, payload: Payload| async move {
//!             tokio::time::sleep(std::time::Duration::from_millis(10)).await;
//!             Ok::<_, ApplicationError>(payload)
//!         },
//!         RegisterOptions::default(),
//!     )
//!     .await?;
//! # Ok(()) }
//! ```

use std::future::Future;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use tokio_util::sync::CancellationToken;
use wamp_protocol::{Dict, Id, Payload, Value};

use crate::client::Client;
use crate::error::{ApplicationError, CallError};
use crate::state::StateKey;

/// What a procedure handler returns: the result payload or an error for the caller.
pub type ProcedureResult = Result<Payload, ApplicationError>;

/// A registered procedure's implementation.
///
/// Most code never implements this by hand: closures and functions with the
/// right signature convert through [`IntoProcedureHandler`].
pub trait ProcedureHandler: Send + Sync + 'static {
    /// Handles one invocation.
    fn invoke(&self, ctx: CallContext, payload: Payload) -> BoxFuture<'static, ProcedureResult>;

    /// The state types the handler takes (see [`crate::state`]): a
    /// [`Server`](crate::Server) does not start without them. None by
    /// default; a [typed](crate::typed) handler names those of its
    /// [`State<T>`](crate::State) parameters.
    fn states(&self) -> Vec<StateKey> {
        Vec::new()
    }
}

/// A subscription's implementation.
pub trait EventHandler: Send + Sync + 'static {
    /// Handles one event. Events of one subscription handler are delivered
    /// one at a time, in the order the router sent them.
    fn handle(&self, ctx: EventContext, payload: Payload) -> BoxFuture<'static, ()>;

    /// The state types the handler takes, as for [`ProcedureHandler::states`].
    fn states(&self) -> Vec<StateKey> {
        Vec::new()
    }
}

/// A handler in a `static` or `const`, as a link-time entry holds it.
impl<H: ProcedureHandler + ?Sized> ProcedureHandler for &'static H {
    fn invoke(&self, ctx: CallContext, payload: Payload) -> BoxFuture<'static, ProcedureResult> {
        (**self).invoke(ctx, payload)
    }

    fn states(&self) -> Vec<StateKey> {
        (**self).states()
    }
}

/// A handler in a `static` or `const`, as a link-time entry holds it.
impl<H: EventHandler + ?Sized> EventHandler for &'static H {
    fn handle(&self, ctx: EventContext, payload: Payload) -> BoxFuture<'static, ()> {
        (**self).handle(ctx, payload)
    }

    fn states(&self) -> Vec<StateKey> {
        (**self).states()
    }
}

/// Marker for handlers that are `async` functions or closures returning a future.
#[derive(Debug)]
pub enum AsyncFn {}
/// Marker for handlers that are plain functions or closures.
#[derive(Debug)]
pub enum PlainFn {}
/// Marker for types that implement [`ProcedureHandler`] or [`EventHandler`] themselves.
#[derive(Debug)]
pub enum Custom {}

/// Converts a function or closure into a [`ProcedureHandler`].
///
/// Implemented for `Fn(CallContext, Payload) -> impl Future<Output = ProcedureResult>`
/// (async), for `Fn(CallContext, Payload) -> ProcedureResult` (plain) and for
/// every [`ProcedureHandler`]. The `Marker` parameter only tells these apart.
pub trait IntoProcedureHandler<Marker>: Send + Sync + 'static {
    /// Performs the conversion.
    fn into_procedure_handler(self) -> Arc<dyn ProcedureHandler>;
}

struct AsyncProcedure<F>(F);
struct PlainProcedure<F>(F);

impl<F, Fut> ProcedureHandler for AsyncProcedure<F>
where
    F: Fn(CallContext, Payload) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ProcedureResult> + Send + 'static,
{
    fn invoke(&self, ctx: CallContext, payload: Payload) -> BoxFuture<'static, ProcedureResult> {
        Box::pin((self.0)(ctx, payload))
    }
}

impl<F> ProcedureHandler for PlainProcedure<F>
where
    F: Fn(CallContext, Payload) -> ProcedureResult + Send + Sync + 'static,
{
    fn invoke(&self, ctx: CallContext, payload: Payload) -> BoxFuture<'static, ProcedureResult> {
        // Run inside the future so a panic is caught where async panics are.
        let result = (self.0)(ctx, payload);
        Box::pin(std::future::ready(result))
    }
}

impl<F, Fut> IntoProcedureHandler<(AsyncFn, Fut)> for F
where
    F: Fn(CallContext, Payload) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ProcedureResult> + Send + 'static,
{
    fn into_procedure_handler(self) -> Arc<dyn ProcedureHandler> {
        Arc::new(AsyncProcedure(self))
    }
}

impl<F> IntoProcedureHandler<PlainFn> for F
where
    F: Fn(CallContext, Payload) -> ProcedureResult + Send + Sync + 'static,
{
    fn into_procedure_handler(self) -> Arc<dyn ProcedureHandler> {
        Arc::new(PlainProcedure(self))
    }
}

impl<H: ProcedureHandler> IntoProcedureHandler<Custom> for H {
    fn into_procedure_handler(self) -> Arc<dyn ProcedureHandler> {
        Arc::new(self)
    }
}

/// A handler already shared (as in a [`ProcedureBinding`](crate::registry::ProcedureBinding)).
impl IntoProcedureHandler<Arc<()>> for Arc<dyn ProcedureHandler> {
    fn into_procedure_handler(self) -> Arc<dyn ProcedureHandler> {
        self
    }
}

/// Converts a function or closure into an [`EventHandler`].
///
/// Implemented for `Fn(EventContext, Payload) -> impl Future<Output = ()>`,
/// for `Fn(EventContext, Payload)` and for every [`EventHandler`].
pub trait IntoEventHandler<Marker>: Send + Sync + 'static {
    /// Performs the conversion.
    fn into_event_handler(self) -> Arc<dyn EventHandler>;
}

struct AsyncEvent<F>(F);
struct PlainEvent<F>(F);

impl<F, Fut> EventHandler for AsyncEvent<F>
where
    F: Fn(EventContext, Payload) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    fn handle(&self, ctx: EventContext, payload: Payload) -> BoxFuture<'static, ()> {
        Box::pin((self.0)(ctx, payload))
    }
}

impl<F> EventHandler for PlainEvent<F>
where
    F: Fn(EventContext, Payload) + Send + Sync + 'static,
{
    fn handle(&self, ctx: EventContext, payload: Payload) -> BoxFuture<'static, ()> {
        (self.0)(ctx, payload);
        Box::pin(std::future::ready(()))
    }
}

impl<F, Fut> IntoEventHandler<(AsyncFn, Fut)> for F
where
    F: Fn(EventContext, Payload) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    fn into_event_handler(self) -> Arc<dyn EventHandler> {
        Arc::new(AsyncEvent(self))
    }
}

impl<F> IntoEventHandler<PlainFn> for F
where
    F: Fn(EventContext, Payload) + Send + Sync + 'static,
{
    fn into_event_handler(self) -> Arc<dyn EventHandler> {
        Arc::new(PlainEvent(self))
    }
}

impl<H: EventHandler> IntoEventHandler<Custom> for H {
    fn into_event_handler(self) -> Arc<dyn EventHandler> {
        Arc::new(self)
    }
}

/// A handler already shared (as in a [`SubscriptionBinding`](crate::registry::SubscriptionBinding)).
impl IntoEventHandler<Arc<()>> for Arc<dyn EventHandler> {
    fn into_event_handler(self) -> Arc<dyn EventHandler> {
        self
    }
}

/// Who made a call or a publication, as far as the router disclosed it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PeerIdentity {
    /// The peer's WAMP session id.
    pub session: Option<Id>,
    /// The peer's authentication id.
    pub authid: Option<String>,
    /// The peer's authentication role.
    pub authrole: Option<String>,
}

impl PeerIdentity {
    /// Reads the identity from INVOCATION/EVENT details under the given keys
    /// (`caller*` or `publisher*`). `None` when the router disclosed nothing.
    fn from_details(details: &Dict, prefix: &str) -> Option<Self> {
        let identity = PeerIdentity {
            session: details.get(prefix).and_then(Value::as_u64),
            authid: details
                .get(&format!("{prefix}_authid"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            authrole: details
                .get(&format!("{prefix}_authrole"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        };
        (identity != PeerIdentity::default()).then_some(identity)
    }
}

/// Everything a procedure handler knows about the invocation it serves.
#[derive(Debug, Clone)]
pub struct CallContext {
    client: Client,
    procedure: String,
    request: Id,
    caller: Option<PeerIdentity>,
    progress: Option<ProgressSender>,
    cancelled: CancellationToken,
    details: Dict,
}

impl CallContext {
    pub(crate) fn new(
        client: Client,
        epoch: u64,
        request: Id,
        registered_procedure: &str,
        details: Dict,
        cancelled: CancellationToken,
    ) -> Self {
        // For pattern registrations the router names the concrete procedure.
        let procedure = details
            .get("procedure")
            .and_then(Value::as_str)
            .unwrap_or(registered_procedure)
            .to_owned();
        let wants_progress = details.get("receive_progress").and_then(Value::as_bool) == Some(true);
        let progress = wants_progress.then(|| ProgressSender {
            client: client.clone(),
            epoch,
            request,
        });
        Self {
            caller: PeerIdentity::from_details(&details, "caller"),
            client,
            procedure,
            request,
            progress,
            cancelled,
            details,
        }
    }

    /// The client (and through it, the session) that received the invocation.
    /// Handlers use it to make calls and publish events of their own.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The WAMP session id of this client's session.
    pub fn session_id(&self) -> Option<Id> {
        self.client.session_id()
    }

    /// Every client of the service by name (see [`Client::clients`]), to
    /// call or publish through another one than [`client`](Self::client).
    pub fn clients(&self) -> crate::Clients {
        self.client.clients()
    }

    /// The concrete procedure URI that was called (for prefix and wildcard
    /// registrations this is the caller's URI, not the pattern).
    pub fn procedure(&self) -> &str {
        &self.procedure
    }

    /// The INVOCATION's request id.
    pub fn request_id(&self) -> Id {
        self.request
    }

    /// The caller, when the router disclosed it (see `disclose_caller`).
    pub fn caller(&self) -> Option<&PeerIdentity> {
        self.caller.as_ref()
    }

    /// A sender of progressive results; `None` unless the caller asked for them.
    pub fn progress(&self) -> Option<&ProgressSender> {
        self.progress.as_ref()
    }

    /// `true` once the router interrupted this invocation (the caller
    /// cancelled or timed out), the connection was lost (the answer has
    /// nowhere to go), or the client is stopping and the shutdown timeout
    /// passed.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.is_cancelled()
    }

    /// Completes when the invocation is interrupted. A handler that can stop
    /// early awaits this next to its work, e.g. in `tokio::select!`.
    pub async fn cancelled(&self) {
        self.cancelled.cancelled().await
    }

    /// A token that is cancelled on interrupt, for work moved to other tasks.
    pub fn cancellation_token(&self) -> CancellationToken {
        self.cancelled.clone()
    }

    /// The raw `Details` dictionary of the INVOCATION.
    pub fn details(&self) -> &Dict {
        &self.details
    }

    /// The server's state value of type `T` (see the [`state`](crate::state)
    /// module), or `None` when none was given.
    ///
    /// ```
    /// use wamp_runtime::{CallContext, Payload, ProcedureResult};
    ///
    /// struct Settings { greeting: String }
    ///
    /// fn greet(ctx: CallContext, _payload: Payload) -> ProcedureResult {
    ///     let greeting = ctx.state::<Settings>().map(|s| s.greeting.clone()).unwrap_or_default();
    ///     Ok(Payload::from_args(vec![greeting.into()]))
    /// }
    /// ```
    pub fn state<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        self.client.states().get::<T>()
    }

    /// Every state value the handler can reach (see [`state`](Self::state)).
    pub fn states(&self) -> Arc<crate::state::States> {
        self.client.states()
    }
}

/// Sends progressive results of one invocation to its caller.
#[derive(Debug, Clone)]
pub struct ProgressSender {
    client: Client,
    epoch: u64,
    request: Id,
}

impl ProgressSender {
    /// Sends one progressive result. Fails only when the session is gone.
    pub async fn send(&self, payload: Payload) -> Result<(), CallError> {
        self.client.send_progress(self.epoch, self.request, payload).await
    }

    /// Sends one value as a progressive result (a single positional argument).
    pub async fn send_value(&self, value: impl serde::Serialize) -> Result<(), CallError> {
        let value = wamp_protocol::to_value(&value).map_err(|e| CallError::InvalidRequest(e.to_string()))?;
        self.send(Payload {
            args: vec![value],
            kwargs: Dict::new(),
        })
        .await
    }
}

/// Everything an event handler knows about the event it handles.
#[derive(Debug, Clone)]
pub struct EventContext {
    client: Client,
    subscription: Id,
    publication: Id,
    topic: String,
    publisher: Option<PeerIdentity>,
    details: Dict,
    dropped: u64,
}

impl EventContext {
    pub(crate) fn new(
        client: Client,
        subscription: Id,
        publication: Id,
        subscribed_topic: &str,
        details: Dict,
    ) -> Self {
        let topic = details
            .get("topic")
            .and_then(Value::as_str)
            .unwrap_or(subscribed_topic)
            .to_owned();
        Self {
            publisher: PeerIdentity::from_details(&details, "publisher"),
            client,
            subscription,
            publication,
            topic,
            details,
            dropped: 0,
        }
    }

    /// The same context as seen by one subscriber that has lost `dropped` events so far.
    pub(crate) fn for_subscriber(&self, dropped: u64) -> Self {
        Self {
            dropped,
            ..self.clone()
        }
    }

    /// How many events of this subscription this handler has missed since
    /// it subscribed, counted when this event was queued: events that
    /// arrived while its queue already held
    /// [`event_queue`](crate::ClientConfig::event_queue) events waiting were
    /// dropped. A value larger than in the previous event means events were
    /// lost in between.
    pub fn dropped_events(&self) -> u64 {
        self.dropped
    }

    /// The client that received the event.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Every client of the service by name (see [`Client::clients`]).
    pub fn clients(&self) -> crate::Clients {
        self.client.clients()
    }

    /// The router's subscription id.
    pub fn subscription_id(&self) -> Id {
        self.subscription
    }

    /// The publication id the router assigned.
    pub fn publication_id(&self) -> Id {
        self.publication
    }

    /// The concrete topic of the publication (for prefix and wildcard
    /// subscriptions, the publisher's topic rather than the pattern).
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The publisher, when the router disclosed it.
    pub fn publisher(&self) -> Option<&PeerIdentity> {
        self.publisher.as_ref()
    }

    /// The raw `Details` dictionary of the EVENT.
    pub fn details(&self) -> &Dict {
        &self.details
    }

    /// The server's state value of type `T` (see the [`state`](crate::state)
    /// module), or `None` when none was given.
    pub fn state<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        self.client.states().get::<T>()
    }

    /// Every state value the handler can reach (see [`state`](Self::state)).
    pub fn states(&self) -> Arc<crate::state::States> {
        self.client.states()
    }
}
