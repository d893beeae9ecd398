//! [`Client`]: the cheap-to-clone handle through which an application calls,
//! publishes, registers and subscribes.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::Stream;
use futures_util::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use wamp_core::{
    Dict, Id, InvokePolicy, List, MatchPolicy, Message, Payload, RequestIdGenerator, Serializer, Uri, Value,
};

use crate::config::{ClientConfig, ReconnectPolicy};
use crate::error::{CallError, Error};
use crate::handler::{IntoEventHandler, IntoProcedureHandler};
use crate::reporting::{ErrorReporter, HandlerFailure, TracingReporter};
use crate::session::{ClientEvent, Command, Frame, Session, SessionDetails, SessionState};

/// How many commands may queue up for the session task before senders wait.
const COMMAND_QUEUE: usize = 1024;

/// How many [`ClientEvent`]s a slow observer may fall behind before it
/// misses some (it then gets `RecvError::Lagged`).
const EVENT_QUEUE: usize = 64;

/// How long `stop` lets interrupted invocations answer before aborting them.
const INTERRUPT_GRACE: Duration = Duration::from_secs(1);

/// A handle to a WAMP session joined to a realm.
///
/// Cloning is cheap (one reference count); all clones talk to the same
/// session, which lives in its own task and ends when [`Client::leave`] is
/// called, when the router closes it, when the connection drops, or when the
/// last handle is dropped.
///
/// ```no_run
/// use wamp_runtime::{Client, ClientConfig};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let config = ClientConfig::new("ws://127.0.0.1:8080/ws", "realm1")?;
/// let client = Client::connect(&config).await?;
///
/// let sum: i64 = client.call("com.example.add").arg(2).arg(3).await?.decode()?;
/// client.publish("com.example.sum").arg(sum).await?;
///
/// client.leave().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    /// To the session task; outlives connections.
    commands: mpsc::Sender<Command>,
    /// The current connection's serializer (the router may pick another
    /// one on a reconnect). Never held across an `await`.
    serializer: RwLock<Arc<dyn Serializer>>,
    pub(crate) request_ids: RequestIdGenerator,
    state: watch::Receiver<SessionState>,
    events: broadcast::Sender<ClientEvent>,
    /// The named clients this one belongs to (set by `serve`); see [`Client::clients`].
    group: crate::clients::GroupRef,
    reporter: RwLock<Arc<dyn ErrorReporter>>,
}

/// Reads a lock even if a panicking writer poisoned it (the values are
/// replaced whole, never left half-written).
fn read<T: Clone>(lock: &RwLock<T>) -> T {
    match lock.read() {
        Ok(value) => value.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}

fn write<T>(lock: &RwLock<T>, value: T) {
    match lock.write() {
        Ok(mut slot) => *slot = value,
        Err(poisoned) => *poisoned.into_inner() = value,
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("state", &*self.inner.state.borrow())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Connects to the router and joins the configured realm. The client
    /// does **not** reconnect: when the connection is lost (or the router
    /// closes the session) it is closed for good, [`closed`](Self::closed)
    /// completes, and later requests fail with [`CallError::ConnectionLost`].
    /// Use [`connect_reconnecting`](Self::connect_reconnecting) for a client
    /// that survives router restarts (as [`serve`](crate::serve) does).
    ///
    /// Everything (TCP, WebSocket handshake, HELLO/WELCOME) must finish within
    /// `config.connection_timeout`.
    pub async fn connect(config: &ClientConfig) -> Result<Client, Error> {
        Self::start(config, ReconnectPolicy::disabled()).await
    }

    /// Connects like [`connect`](Self::connect), then keeps the client
    /// alive across lost connections following `config.reconnect` (by
    /// default: forever, backing off from 1 s to 60 s with 10 % jitter).
    ///
    /// - When the link drops, every request waiting for an answer (calls,
    ///   acknowledged publications, (un)registrations, (un)subscriptions)
    ///   fails at once with [`CallError::ConnectionLost`], and invocations
    ///   in flight are interrupted (their answers have nowhere to go).
    /// - While reconnecting, new requests fail fast with
    ///   [`CallError::ConnectionLost`]`("not connected: reconnecting (attempt
    ///   N)")`; unacknowledged publications are dropped (acknowledge them to
    ///   know). [`unregister`](Registration::unregister) and
    ///   [`unsubscribe`](Subscription::unsubscribe) succeed: the procedure or
    ///   topic is simply not restored.
    /// - After each reconnect the client rejoins and re-registers every
    ///   procedure and re-subscribes every subscription it had (all requests
    ///   sent at once), then announces [`ClientEvent::Joined`]. Single-callee
    ///   procedures are re-registered with `force_reregister`, so a router
    ///   still holding the dead predecessor's registration hands it over.
    ///   [`Registration`] and [`Subscription`] handles stay valid.
    /// - Refused credentials ([`Error::AuthenticationFailed`]), an invalid
    ///   configuration or URL end the client at once: retrying cannot help.
    ///
    /// The first connection is not retried: its error is returned.
    ///
    /// ```no_run
    /// use wamp_runtime::{Client, ClientConfig, ClientEvent};
    ///
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let config = ClientConfig::new("ws://127.0.0.1:8080/ws", "realm1")?;
    /// let client = Client::connect_reconnecting(&config).await?;
    /// let mut events = client.events();
    /// while let Ok(event) = events.recv().await {
    ///     match event {
    ///         ClientEvent::Reconnecting { attempt, delay } => println!("attempt {attempt} in {delay:?}"),
    ///         ClientEvent::Joined(details) => println!("joined as session {}", details.session_id),
    ///         ClientEvent::Closed { reason } => break,
    ///         _ => {}
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn connect_reconnecting(config: &ClientConfig) -> Result<Client, Error> {
        Self::start(config, config.reconnect.clone()).await
    }

    async fn start(config: &ClientConfig, policy: ReconnectPolicy) -> Result<Client, Error> {
        let opened = open(config).await?;
        let link = crate::session::Link::new(opened, config);
        let serializer = link.serializer();
        let (commands, command_rx) = mpsc::channel(COMMAND_QUEUE);
        let (state_tx, state) = watch::channel(SessionState::Joined(link.details()));
        let (events, _) = broadcast::channel(EVENT_QUEUE);
        let inner = Arc::new(ClientInner {
            commands,
            serializer: RwLock::new(serializer),
            request_ids: RequestIdGenerator::new(),
            state,
            events: events.clone(),
            group: Default::default(),
            reporter: RwLock::new(Arc::new(TracingReporter)),
        });
        let session = Session::new(Arc::downgrade(&inner), command_rx, state_tx, events, config, policy);
        tokio::spawn(session.run(link));
        Ok(Client { inner })
    }

    pub(crate) fn from_inner(inner: Arc<ClientInner>) -> Self {
        Self { inner }
    }

    /// The details of the joined session, or `None` while reconnecting and
    /// once closed.
    pub fn details(&self) -> Option<Arc<SessionDetails>> {
        match &*self.inner.state.borrow() {
            SessionState::Joined(details) => Some(details.clone()),
            _ => None,
        }
    }

    /// The session id, or `None` while reconnecting and once closed.
    pub fn session_id(&self) -> Option<Id> {
        self.details().map(|d| d.session_id)
    }

    /// The clients of the service this client belongs to, by name: the
    /// configured clients when it was started by [`serve`](crate::serve),
    /// else just this client, named `"default"`.
    pub fn clients(&self) -> crate::Clients {
        let group = match self.inner.group.lock() {
            Ok(group) => group.upgrade(),
            Err(poisoned) => poisoned.into_inner().upgrade(),
        };
        match group {
            Some(group) => crate::Clients::from_inner(group),
            None => crate::Clients::single(self.clone()),
        }
    }

    pub(crate) fn set_group(&self, group: std::sync::Weak<crate::clients::ClientsInner>) {
        match self.inner.group.lock() {
            Ok(mut slot) => *slot = group,
            Err(poisoned) => *poisoned.into_inner() = group,
        }
    }

    /// `true` while the session is joined.
    pub fn is_joined(&self) -> bool {
        matches!(&*self.inner.state.borrow(), SessionState::Joined(_))
    }

    /// The current state.
    pub fn state(&self) -> SessionState {
        self.inner.state.borrow().clone()
    }

    /// Observes the session: [`ClientEvent`]s from now on (joined, left,
    /// reconnecting, revoked, closed). Each receiver gets every event sent
    /// after it was created; one that falls more than 64 events behind
    /// skips the oldest (`RecvError::Lagged`).
    ///
    /// ```no_run
    /// # async fn demo(client: wamp_runtime::Client) {
    /// use wamp_runtime::ClientEvent;
    ///
    /// let mut events = client.events();
    /// tokio::spawn(async move {
    ///     while let Ok(event) = events.recv().await {
    ///         if let ClientEvent::Left { reason } = event {
    ///             eprintln!("session left: {reason}");
    ///         }
    ///     }
    /// });
    /// # }
    /// ```
    pub fn events(&self) -> broadcast::Receiver<ClientEvent> {
        self.inner.events.subscribe()
    }

    /// Replaces the [`ErrorReporter`] told about failed handlers (default:
    /// [`TracingReporter`]); see the [`reporting`](crate::reporting) module.
    pub fn set_error_reporter(&self, reporter: Arc<dyn ErrorReporter>) {
        write(&self.inner.reporter, reporter);
    }

    pub(crate) fn report(&self, failure: &HandlerFailure) {
        let reporter = read(&self.inner.reporter);
        // A reporter that panics must not take the session's answer with it.
        let reported = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| reporter.report(failure)));
        if reported.is_err() {
            tracing::error!(failure = %failure, "the error reporter panicked");
        }
    }

    pub(crate) fn set_serializer(&self, serializer: Arc<dyn Serializer>) {
        write(&self.inner.serializer, serializer);
    }

    /// Fails fast while reconnecting (the session would answer the same, later).
    fn check_connected(&self) -> Result<(), CallError> {
        match &*self.inner.state.borrow() {
            SessionState::Reconnecting { attempt, .. } => Err(CallError::ConnectionLost(format!(
                "not connected: reconnecting (attempt {attempt})"
            ))),
            _ => Ok(()),
        }
    }

    /// Completes when the client has closed for good (it left, was
    /// stopped, lost the connection without reconnecting, or gave up
    /// reconnecting), with the reason. Reconnects do not complete it.
    pub async fn closed(&self) -> String {
        let mut state = self.inner.state.clone();
        loop {
            if let SessionState::Closed(reason) = &*state.borrow_and_update() {
                return reason.clone();
            }
            if state.changed().await.is_err() {
                return "the session task ended".into();
            }
        }
    }

    /// Starts a call to `procedure`. Add arguments and options on the
    /// returned builder, then `.await` it.
    ///
    /// ```no_run
    /// # async fn demo(client: wamp_runtime::Client) -> Result<(), wamp_runtime::CallError> {
    /// use std::time::Duration;
    ///
    /// let result = client
    ///     .call("com.example.search")
    ///     .arg("rust")
    ///     .kwarg("limit", 10)
    ///     .timeout(Duration::from_secs(5))
    ///     .await?;
    /// println!("{:?} {:?}", result.args, result.kwargs);
    /// # Ok(()) }
    /// ```
    pub fn call(&self, procedure: impl Into<String>) -> CallBuilder {
        CallBuilder {
            client: self.clone(),
            procedure: procedure.into(),
            payload: Payload::default(),
            options: Dict::new(),
            timeout: None,
            on_progress: None,
            invalid: None,
        }
    }

    /// Starts a publication to `topic`. Add arguments and options on the
    /// returned builder, then `.await` it (or `.acknowledged().await` it).
    pub fn publish(&self, topic: impl Into<String>) -> PublishBuilder {
        PublishBuilder {
            client: self.clone(),
            topic: topic.into(),
            payload: Payload::default(),
            options: Dict::new(),
            invalid: None,
        }
    }

    /// Registers `handler` as the implementation of `procedure`.
    ///
    /// With [`MatchPolicy::Prefix`] or [`MatchPolicy::Wildcard`] in `options`,
    /// `procedure` is a pattern and [`CallContext::procedure`](crate::CallContext::procedure)
    /// tells the handler which URI was called.
    pub async fn register<M>(
        &self,
        procedure: impl Into<String>,
        handler: impl IntoProcedureHandler<M>,
        options: RegisterOptions,
    ) -> Result<Registration, CallError> {
        let procedure = procedure.into();
        Uri::pattern(procedure.clone(), options.match_policy).map_err(|e| CallError::InvalidRequest(e.to_string()))?;
        self.check_connected()?;
        let (reply, answer) = oneshot::channel();
        self.send_command(Command::Register {
            procedure: procedure.clone(),
            options: options.to_dict(),
            single: options.invoke == InvokePolicy::Single,
            handler: handler.into_procedure_handler(),
            reply,
        })
        .await?;
        let (local, current) = receive(answer).await?;
        tracing::debug!(procedure = %procedure, registration = current.load(Ordering::Relaxed), "registered");
        Ok(Registration {
            client: self.clone(),
            local,
            current,
            procedure,
        })
    }

    /// Subscribes `handler` to `topic`.
    ///
    /// Events of one subscription handler run one at a time, in order; use
    /// `tokio::spawn` inside the handler for work that may overlap.
    pub async fn subscribe<M>(
        &self,
        topic: impl Into<String>,
        handler: impl IntoEventHandler<M>,
        options: SubscribeOptions,
    ) -> Result<Subscription, CallError> {
        let topic = topic.into();
        Uri::pattern(topic.clone(), options.match_policy).map_err(|e| CallError::InvalidRequest(e.to_string()))?;
        self.check_connected()?;
        let (reply, answer) = oneshot::channel();
        self.send_command(Command::Subscribe {
            topic: topic.clone(),
            options: options.to_dict(),
            handler: handler.into_event_handler(),
            reply,
        })
        .await?;
        let (local, current) = receive(answer).await?;
        tracing::debug!(topic = %topic, subscription = current.load(Ordering::Relaxed), "subscribed");
        Ok(Subscription {
            client: self.clone(),
            local,
            current,
            topic,
        })
    }

    /// Says GOODBYE to the router, waits for its answer and closes the connection.
    pub async fn leave(&self) -> Result<(), Error> {
        let (reply, answer) = oneshot::channel();
        let command = Command::Leave {
            reason: "wamp.close.close_realm".into(),
            reply,
        };
        if self.inner.commands.send(command).await.is_err() {
            return Ok(()); // Already closed.
        }
        answer.await.unwrap_or(Ok(()))
    }

    /// Stops the session gracefully: unregisters every procedure (so the
    /// router sends no new invocations), lets the invocations in flight
    /// finish for up to `shutdown_timeout`, fires the cancellation signal of
    /// those still running, then says GOODBYE and closes.
    ///
    /// Results of invocations that finish before GOODBYE still reach their
    /// callers (the router delivers them after the unregistration).
    /// Interrupted handlers get one more second to answer; handler tasks
    /// still running after that are aborted, so no task of the client is
    /// left running when `stop` returns. A reconnecting client stops
    /// reconnecting at once (also in the middle of a backoff).
    ///
    /// ```no_run
    /// # async fn demo(client: wamp_runtime::Client) -> Result<(), wamp_runtime::Error> {
    /// use std::time::Duration;
    ///
    /// wamp_runtime::shutdown_signal().await;
    /// client.stop(Duration::from_secs(15)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn stop(&self, shutdown_timeout: Duration) -> Result<(), Error> {
        if self.inner.commands.send(Command::Stopping).await.is_err() {
            return Ok(()); // Already closed.
        }
        let (reply, answer) = oneshot::channel();
        if self
            .inner
            .commands
            .send(Command::Registrations { reply })
            .await
            .is_err()
        {
            return Ok(()); // Already closed.
        }
        let registrations = answer.await.unwrap_or_default();
        let unregistered = registrations.into_iter().map(|local| async move {
            let (reply, answer) = oneshot::channel();
            self.send_command(Command::Unregister { local, reply }).await?;
            receive(answer).await
        });
        for result in futures_util::future::join_all(unregistered).await {
            if let Err(e) = result {
                tracing::warn!(error = %e, "cannot unregister while stopping");
            }
        }

        let (reply, answer) = oneshot::channel();
        if self.inner.commands.send(Command::Drained { reply }).await.is_ok()
            && tokio::time::timeout(shutdown_timeout, answer).await.is_err()
        {
            tracing::warn!(
                ?shutdown_timeout,
                "invocations still running at the shutdown timeout; interrupting them"
            );
            let _ = self.inner.commands.send(Command::InterruptAll).await;
            let (reply, answer) = oneshot::channel();
            if self.inner.commands.send(Command::Drained { reply }).await.is_ok()
                && tokio::time::timeout(INTERRUPT_GRACE, answer).await.is_err()
            {
                tracing::warn!("invocations ignored the interrupt; aborting them");
            }
        }
        self.leave().await
    }

    pub(crate) fn encode(&self, message: &Message) -> Result<Frame, CallError> {
        let serializer = read(&self.inner.serializer);
        let bytes = serializer
            .encode(message)
            .map_err(|e| CallError::InvalidRequest(format!("cannot encode {}: {e}", message.message_type())))?;
        Ok(Frame {
            kind: serializer.kind(),
            bytes,
        })
    }

    /// A frame that is never sent (the session drops frames of another serializer).
    pub(crate) fn empty_frame(&self) -> Frame {
        Frame {
            kind: read(&self.inner.serializer).kind(),
            bytes: Vec::new(),
        }
    }

    pub(crate) async fn send_command(&self, command: Command) -> Result<(), CallError> {
        self.inner
            .commands
            .send(command)
            .await
            .map_err(|_| CallError::ConnectionLost(self.closed_reason()))
    }

    fn closed_reason(&self) -> String {
        match &*self.inner.state.borrow() {
            SessionState::Closed(reason) => reason.clone(),
            SessionState::Reconnecting { attempt, .. } => format!("not connected: reconnecting (attempt {attempt})"),
            _ => "the session has ended".into(),
        }
    }
}

/// A freshly opened connection with its joined session.
pub(crate) struct Opened {
    pub(crate) connection: crate::transport::Connection,
    pub(crate) serializer: Arc<dyn Serializer>,
    pub(crate) details: SessionDetails,
}

/// Opens the connection and joins the realm, all within
/// `config.connection_timeout`: for the first connection and every reconnect.
pub(crate) async fn open(config: &ClientConfig) -> Result<Opened, Error> {
    let url = config.url.clone();
    let realm = config.realm.clone();
    // ws:// is WebSocket; rs://, tcp:// and unix:// are RawSocket.
    let endpoint = match crate::transport::Endpoint::parse(&url) {
        Ok(endpoint) => endpoint,
        Err(reason) => return Err(Error::InvalidUrl { url, reason }),
    };
    tracing::info!(url = %url, realm = %realm, "connecting");
    let connect = async {
        let mut connection = crate::transport::connect(&endpoint, config)
            .await
            .map_err(|source| Error::Connect {
                url: url.clone(),
                source,
            })?;
        let serializer: Arc<dyn Serializer> = connection.serializer();
        let details = crate::session::join(&mut connection, serializer.as_ref(), config).await?;
        Ok::<_, Error>((connection, serializer, details))
    };
    let (connection, serializer, details) = tokio::time::timeout(config.connection_timeout, connect)
        .await
        .map_err(|_| Error::ConnectTimeout {
            url: url.clone(),
            realm: realm.clone(),
            timeout: config.connection_timeout,
        })??;
    tracing::info!(
        session = details.session_id,
        realm = %details.realm,
        authid = ?details.authid,
        authrole = ?details.authrole,
        "joined"
    );
    Ok(Opened {
        connection,
        serializer,
        details,
    })
}

/// Waits for the session's answer; a dropped reply means the session ended.
async fn receive<T>(answer: oneshot::Receiver<Result<T, CallError>>) -> Result<T, CallError> {
    answer
        .await
        .unwrap_or_else(|_| Err(CallError::ConnectionLost("the session ended before answering".into())))
}

fn invalid_argument(what: &str, error: impl fmt::Display) -> CallError {
    CallError::InvalidRequest(format!("{what} cannot be serialized: {error}"))
}

/// The argument methods shared by [`CallBuilder`] and [`PublishBuilder`]
/// (both have `payload: Payload` and `invalid: Option<CallError>` fields).
macro_rules! argument_methods {
    ($what:literal) => {
        #[doc = concat!("Appends one positional argument. A value that cannot be serialized makes the ", $what, " fail with [`CallError::InvalidRequest`] when awaited.")]
        pub fn arg(mut self, value: impl Serialize) -> Self {
            push_arg(&mut self.payload, &mut self.invalid, value);
            self
        }

        /// Appends positional arguments from a tuple, array or `Vec`.
        pub fn args(mut self, values: impl Serialize) -> Self {
            push_args(&mut self.payload, &mut self.invalid, values);
            self
        }

        /// Sets one keyword argument.
        pub fn kwarg(mut self, key: impl Into<String>, value: impl Serialize) -> Self {
            push_kwarg(&mut self.payload, &mut self.invalid, key.into(), value);
            self
        }

        /// Sets keyword arguments from a struct or map.
        pub fn kwargs(mut self, values: impl Serialize) -> Self {
            push_kwargs(&mut self.payload, &mut self.invalid, values);
            self
        }

        /// Replaces the arguments with a ready-made payload.
        pub fn payload(mut self, payload: Payload) -> Self {
            self.payload = payload;
            self
        }
    };
}

/// Builds the arguments shared by calls and publications.
fn push_arg(payload: &mut Payload, invalid: &mut Option<CallError>, value: impl Serialize) {
    match wamp_core::to_value(&value) {
        Ok(v) => payload.args.push(v),
        Err(e) => {
            invalid.get_or_insert(invalid_argument(&format!("argument {}", payload.args.len() + 1), e));
        }
    }
}

fn push_args(payload: &mut Payload, invalid: &mut Option<CallError>, values: impl Serialize) {
    match wamp_core::to_value(&values) {
        Ok(Value::List(list)) => payload.args.extend(list),
        Ok(Value::Null) => {}
        Ok(other) => {
            invalid.get_or_insert(CallError::InvalidRequest(format!(
                "positional arguments must serialize to a list (a tuple, array or Vec), got {other}"
            )));
        }
        Err(e) => {
            invalid.get_or_insert(invalid_argument("arguments", e));
        }
    }
}

fn push_kwarg(payload: &mut Payload, invalid: &mut Option<CallError>, key: String, value: impl Serialize) {
    match wamp_core::to_value(&value) {
        Ok(v) => {
            payload.kwargs.insert(key, v);
        }
        Err(e) => {
            invalid.get_or_insert(invalid_argument(&format!("keyword argument {key:?}"), e));
        }
    }
}

fn push_kwargs(payload: &mut Payload, invalid: &mut Option<CallError>, values: impl Serialize) {
    match wamp_core::to_value(&values) {
        Ok(Value::Dict(dict)) => payload.kwargs.extend(dict),
        Ok(Value::Null) => {}
        Ok(other) => {
            invalid.get_or_insert(CallError::InvalidRequest(format!(
                "keyword arguments must serialize to a map or struct, got {other}"
            )));
        }
        Err(e) => {
            invalid.get_or_insert(invalid_argument("keyword arguments", e));
        }
    }
}

fn ids_value(ids: impl IntoIterator<Item = Id>) -> Value {
    Value::List(ids.into_iter().map(Value::from).collect())
}

fn strings_value<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Value {
    Value::List(items.into_iter().map(|s| Value::String(s.into())).collect())
}

/// The answer to a call: positional and keyword results.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallOutput {
    /// Positional results.
    pub args: List,
    /// Keyword results.
    pub kwargs: Dict,
    /// The RESULT's details.
    pub details: Dict,
}

impl CallOutput {
    /// Deserializes the result into `T`:
    /// one positional result and no keywords → that value;
    /// no positional results → the keyword results as a map/struct (or `()`
    /// / `None` when there are none); otherwise → all positional results as a
    /// sequence (a tuple or `Vec`).
    pub fn decode<T: DeserializeOwned>(self) -> Result<T, CallError> {
        let value = match (self.args.len(), self.kwargs.is_empty()) {
            (1, true) => self.args.into_iter().next().unwrap_or_default(),
            (0, true) => Value::Null,
            (0, false) => Value::Dict(self.kwargs),
            _ => Value::List(self.args),
        };
        Ok(wamp_core::from_value(value)?)
    }

    /// Positional and keyword results as one [`Payload`].
    pub fn into_payload(self) -> Payload {
        Payload {
            args: self.args,
            kwargs: self.kwargs,
        }
    }
}

type ProgressCallback = Box<dyn FnMut(Payload) + Send>;

/// A call being prepared; `.await` it to send it and wait for the result.
///
/// Dropping the future before it completes cancels the call: a CANCEL goes
/// to the router, which interrupts the callee.
#[must_use = "a call does nothing until it is awaited"]
pub struct CallBuilder {
    client: Client,
    procedure: String,
    payload: Payload,
    options: Dict,
    timeout: Option<Duration>,
    on_progress: Option<ProgressCallback>,
    invalid: Option<CallError>,
}

impl fmt::Debug for CallBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallBuilder")
            .field("procedure", &self.procedure)
            .field("payload", &self.payload)
            .field("options", &self.options)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl CallBuilder {
    argument_methods!("call");

    /// Gives up after `timeout`: the caller gets [`CallError::Timeout`] and a
    /// CANCEL goes out. The router-side `timeout` option is set too.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        let millis = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        self.options.insert("timeout".into(), Value::from(millis));
        self
    }

    /// Asks the router to disclose this caller's identity to the callee.
    pub fn disclose_me(mut self, disclose: bool) -> Self {
        self.options.insert("disclose_me".into(), Value::Bool(disclose));
        self
    }

    /// Sets any other CALL option.
    pub fn option(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.options.insert(key.into(), value.into());
        self
    }

    /// Asks for progressive results and calls `callback` with each one, in
    /// order, before the final result is returned.
    pub fn on_progress(mut self, callback: impl FnMut(Payload) + Send + 'static) -> Self {
        self.on_progress = Some(Box::new(callback));
        self
    }

    /// Asks for progressive results and returns them as a [`Stream`], with
    /// the final result from [`ProgressiveCall::result`].
    pub fn with_progress(mut self) -> ProgressiveCall {
        let (progress, receiver) = mpsc::unbounded_channel();
        self.on_progress = None;
        ProgressiveCall {
            progress: receiver,
            result: Box::pin(self.run(Some(progress))),
        }
    }

    async fn run(mut self, stream: Option<mpsc::UnboundedSender<Payload>>) -> Result<CallOutput, CallError> {
        if let Some(invalid) = self.invalid.take() {
            return Err(invalid);
        }
        Uri::new(self.procedure.clone()).map_err(|e| CallError::InvalidRequest(e.to_string()))?;
        self.client.check_connected()?;
        let callback = self.on_progress.take();
        let (progress_tx, mut progress_rx) = match (stream, &callback) {
            (Some(tx), _) => (Some(tx), None),
            (None, Some(_)) => {
                let (tx, rx) = mpsc::unbounded_channel();
                (Some(tx), Some(rx))
            }
            (None, None) => (None, None),
        };
        if progress_tx.is_some() {
            self.options.insert("receive_progress".into(), Value::Bool(true));
        }
        let client = self.client;
        let request = client.inner.request_ids.next();
        let frame = client.encode(
            &wamp_core::Call {
                request,
                options: self.options,
                procedure: self.procedure,
                payload: self.payload,
            }
            .into(),
        )?;
        let (reply, mut answer) = oneshot::channel();
        client
            .send_command(Command::Call {
                request,
                frame,
                reply,
                progress: progress_tx,
            })
            .await?;
        // From here on, dropping this future cancels the call.
        let mut guard = CancelOnDrop {
            client: Some(client.clone()),
            request,
        };

        let wait = async {
            let mut callback = callback;
            loop {
                tokio::select! {
                    biased;
                    Some(progress) = async { match progress_rx.as_mut() { Some(rx) => rx.recv().await, None => None } } => {
                        if let Some(callback) = callback.as_mut() {
                            callback(progress);
                        }
                    }
                    result = &mut answer => {
                        // Deliver progress that raced the final result, in order.
                        if let (Some(rx), Some(callback)) = (progress_rx.as_mut(), callback.as_mut()) {
                            while let Ok(progress) = rx.try_recv() {
                                callback(progress);
                            }
                        }
                        return result.unwrap_or_else(|_| {
                            Err(CallError::ConnectionLost("the session ended before answering".into()))
                        });
                    }
                }
            }
        };
        let result = match self.timeout {
            Some(limit) => match tokio::time::timeout(limit, wait).await {
                Ok(result) => result,
                Err(_) => {
                    guard.cancel();
                    return Err(CallError::Timeout(limit));
                }
            },
            None => wait.await,
        };
        guard.disarm();
        result
    }
}

impl IntoFuture for CallBuilder {
    type Output = Result<CallOutput, CallError>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run(None))
    }
}

/// Sends CANCEL for a call whose future is dropped (or times out) before
/// the answer arrives.
struct CancelOnDrop {
    client: Option<Client>,
    request: Id,
}

impl CancelOnDrop {
    fn disarm(&mut self) {
        self.client = None;
    }

    fn cancel(&mut self) {
        let Some(client) = self.client.take() else {
            return;
        };
        let mut options = Dict::new();
        // The caller has stopped waiting: the router need not wait for the callee either.
        options.insert("mode".into(), Value::String("killnowait".into()));
        let Ok(frame) = client.encode(
            &wamp_core::Cancel {
                request: self.request,
                options,
            }
            .into(),
        ) else {
            return;
        };
        let command = Command::Cancel {
            request: self.request,
            frame,
        };
        match client.inner.commands.try_send(command) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(command)) => {
                // Drop cannot wait; hand the send to the runtime if there is one.
                if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                    let commands = client.inner.commands.clone();
                    runtime.spawn(async move {
                        let _ = commands.send(command).await;
                    });
                }
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// A call with progressive results: a [`Stream`] of progress payloads that
/// ends when the call completes, plus the final result.
///
/// ```no_run
/// # async fn demo(client: wamp_runtime::Client) -> Result<(), wamp_runtime::CallError> {
/// use futures_util::StreamExt;
///
/// let mut call = client.call("com.example.long_task").with_progress();
/// while let Some(progress) = call.next().await {
///     println!("progress: {:?}", progress.args);
/// }
/// let done = call.result().await?;
/// # Ok(()) }
/// ```
#[must_use = "a call does nothing until it is polled"]
pub struct ProgressiveCall {
    progress: mpsc::UnboundedReceiver<Payload>,
    result: BoxFuture<'static, Result<CallOutput, CallError>>,
}

impl fmt::Debug for ProgressiveCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProgressiveCall").finish_non_exhaustive()
    }
}

impl ProgressiveCall {
    /// Waits for the final result (progress not yet read stays readable).
    pub async fn result(self) -> Result<CallOutput, CallError> {
        self.result.await
    }
}

impl Stream for ProgressiveCall {
    type Item = Payload;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Payload>> {
        // Drive the call itself so it gets sent and its answer is taken in.
        if let Poll::Ready(Some(progress)) = self.progress.poll_recv(cx) {
            return Poll::Ready(Some(progress));
        }
        let this = &mut *self;
        match Future::poll(this.result.as_mut(), cx) {
            Poll::Ready(output) => {
                // Keep the result for `result()`; drain what progress is left.
                this.result = Box::pin(std::future::ready(output));
                match this.progress.try_recv() {
                    Ok(progress) => Poll::Ready(Some(progress)),
                    Err(_) => Poll::Ready(None),
                }
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// A publication being prepared; `.await` it to send it unacknowledged, or
/// call [`acknowledged`](Self::acknowledged) to wait for the router's answer.
#[must_use = "a publication does nothing until it is awaited"]
#[derive(Debug)]
pub struct PublishBuilder {
    client: Client,
    topic: String,
    payload: Payload,
    options: Dict,
    invalid: Option<CallError>,
}

impl PublishBuilder {
    argument_methods!("publication");

    /// Whether this session receives its own publication if subscribed
    /// (the router's default is `true`: it does not).
    pub fn exclude_me(mut self, exclude: bool) -> Self {
        self.options.insert("exclude_me".into(), Value::Bool(exclude));
        self
    }

    /// Sessions that must not receive the event.
    pub fn exclude(mut self, sessions: impl IntoIterator<Item = Id>) -> Self {
        self.options.insert("exclude".into(), ids_value(sessions));
        self
    }

    /// The only sessions that may receive the event.
    pub fn eligible(mut self, sessions: impl IntoIterator<Item = Id>) -> Self {
        self.options.insert("eligible".into(), ids_value(sessions));
        self
    }

    /// Authentication ids whose sessions must not receive the event.
    pub fn exclude_authid<S: Into<String>>(mut self, authids: impl IntoIterator<Item = S>) -> Self {
        self.options.insert("exclude_authid".into(), strings_value(authids));
        self
    }

    /// The only authentication ids whose sessions may receive the event.
    pub fn eligible_authid<S: Into<String>>(mut self, authids: impl IntoIterator<Item = S>) -> Self {
        self.options.insert("eligible_authid".into(), strings_value(authids));
        self
    }

    /// Asks the router to disclose this publisher to subscribers.
    pub fn disclose_me(mut self, disclose: bool) -> Self {
        self.options.insert("disclose_me".into(), Value::Bool(disclose));
        self
    }

    /// Sets any other PUBLISH option.
    pub fn option(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.options.insert(key.into(), value.into());
        self
    }

    /// Asks the router to acknowledge the publication: the returned future
    /// yields the publication id, or the router's error (e.g.
    /// `wamp.error.not_authorized`). Without acknowledgement a refused
    /// publication is dropped silently by the router.
    pub fn acknowledged(mut self) -> AcknowledgedPublish {
        self.options.insert("acknowledge".into(), Value::Bool(true));
        AcknowledgedPublish(self)
    }

    async fn send(self, acknowledge: bool) -> Result<Option<Id>, CallError> {
        if let Some(invalid) = self.invalid {
            return Err(invalid);
        }
        Uri::new(self.topic.clone()).map_err(|e| CallError::InvalidRequest(e.to_string()))?;
        self.client.check_connected()?;
        let client = self.client;
        let request = client.inner.request_ids.next();
        let frame = client.encode(
            &wamp_core::Publish {
                request,
                options: self.options,
                topic: self.topic,
                payload: self.payload,
            }
            .into(),
        )?;
        if !acknowledge {
            client
                .send_command(Command::Publish {
                    request,
                    frame,
                    reply: None,
                })
                .await?;
            return Ok(None);
        }
        let (reply, answer) = oneshot::channel();
        client
            .send_command(Command::Publish {
                request,
                frame,
                reply: Some(reply),
            })
            .await?;
        receive(answer).await.map(Some)
    }
}

impl IntoFuture for PublishBuilder {
    type Output = Result<(), CallError>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    /// Sends the publication without acknowledgement. Fails only when the
    /// request is invalid or the session is gone.
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { self.send(false).await.map(|_| ()) })
    }
}

/// An acknowledged publication; `.await` it for the publication id.
#[must_use = "a publication does nothing until it is awaited"]
#[derive(Debug)]
pub struct AcknowledgedPublish(PublishBuilder);

impl IntoFuture for AcknowledgedPublish {
    type Output = Result<Id, CallError>;
    type IntoFuture = BoxFuture<'static, Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            match self.0.send(true).await? {
                Some(id) => Ok(id),
                None => Err(CallError::InvalidRequest("the publication was not acknowledged".into())),
            }
        })
    }
}

/// Options of a registration.
///
/// ```
/// use wamp_runtime::{InvokePolicy, MatchPolicy, RegisterOptions};
///
/// let options = RegisterOptions::default()
///     .match_policy(MatchPolicy::Prefix)
///     .invoke(InvokePolicy::RoundRobin)
///     .disclose_caller(true);
/// assert_eq!(options.invoke, InvokePolicy::RoundRobin);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegisterOptions {
    /// How the router matches called URIs against this registration.
    pub match_policy: MatchPolicy,
    /// Which callee the router picks when several share the procedure.
    pub invoke: InvokePolicy,
    /// Ask the router to tell this callee who the caller is.
    pub disclose_caller: bool,
}

impl RegisterOptions {
    /// Sets the match policy.
    pub fn match_policy(mut self, policy: MatchPolicy) -> Self {
        self.match_policy = policy;
        self
    }

    /// Sets the invocation policy.
    pub fn invoke(mut self, policy: InvokePolicy) -> Self {
        self.invoke = policy;
        self
    }

    /// Sets caller disclosure.
    pub fn disclose_caller(mut self, disclose: bool) -> Self {
        self.disclose_caller = disclose;
        self
    }

    fn to_dict(&self) -> Dict {
        let mut options = Dict::new();
        if self.match_policy != MatchPolicy::Exact {
            options.insert("match".into(), Value::String(self.match_policy.as_str().into()));
        }
        if self.invoke != InvokePolicy::Single {
            options.insert("invoke".into(), Value::String(self.invoke.as_str().into()));
        }
        if self.disclose_caller {
            options.insert("disclose_caller".into(), Value::Bool(true));
        }
        options
    }
}

/// Options of a subscription.
///
/// ```
/// use wamp_runtime::{MatchPolicy, SubscribeOptions};
///
/// let options = SubscribeOptions::default().match_policy(MatchPolicy::Wildcard);
/// assert_eq!(options.match_policy, MatchPolicy::Wildcard);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubscribeOptions {
    /// How the router matches published topics against this subscription.
    pub match_policy: MatchPolicy,
}

impl SubscribeOptions {
    /// Sets the match policy.
    pub fn match_policy(mut self, policy: MatchPolicy) -> Self {
        self.match_policy = policy;
        self
    }

    fn to_dict(&self) -> Dict {
        let mut options = Dict::new();
        if self.match_policy != MatchPolicy::Exact {
            options.insert("match".into(), Value::String(self.match_policy.as_str().into()));
        }
        options
    }
}

/// An active registration. Dropping it does not unregister: the procedure
/// stays registered as long as the client lives, across reconnects (see
/// [`Client::connect_reconnecting`]). Call [`unregister`](Self::unregister)
/// to remove it.
#[derive(Debug)]
pub struct Registration {
    client: Client,
    /// The client's own id of the registration, stable across reconnects.
    local: u64,
    /// The router's id in the current session, kept up to date by the session.
    current: Arc<AtomicU64>,
    procedure: String,
}

impl Registration {
    /// The router's registration id in the current session: it changes
    /// after a reconnect, and is 0 while the procedure is not registered
    /// (reconnecting, or revoked by the router).
    pub fn id(&self) -> Id {
        self.current.load(Ordering::Relaxed)
    }

    /// The registered procedure (or pattern).
    pub fn procedure(&self) -> &str {
        &self.procedure
    }

    /// Removes the registration from the router, and from the set the
    /// client restores after a reconnect. While reconnecting it only does
    /// the latter (and succeeds).
    pub async fn unregister(self) -> Result<(), CallError> {
        let (reply, answer) = oneshot::channel();
        self.client
            .send_command(Command::Unregister {
                local: self.local,
                reply,
            })
            .await?;
        receive(answer).await
    }
}

/// An active subscription. Dropping it does not unsubscribe; call
/// [`unsubscribe`](Self::unsubscribe). It survives reconnects like a
/// [`Registration`].
#[derive(Debug)]
pub struct Subscription {
    client: Client,
    local: u64,
    current: Arc<AtomicU64>,
    topic: String,
}

impl Subscription {
    /// The router's subscription id in the current session (shared by every
    /// local subscriber of the same topic and policy); it changes after a
    /// reconnect, and is 0 while not subscribed.
    pub fn id(&self) -> Id {
        self.current.load(Ordering::Relaxed)
    }

    /// The subscribed topic (or pattern).
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Removes this handler (also from the set restored after a
    /// reconnect); the router subscription ends with the last one.
    pub async fn unsubscribe(self) -> Result<(), CallError> {
        let (reply, answer) = oneshot::channel();
        self.client
            .send_command(Command::Unsubscribe {
                local: self.local,
                reply,
            })
            .await?;
        receive(answer).await
    }
}
