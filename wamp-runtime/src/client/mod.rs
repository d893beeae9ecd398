//! [`Client`]: the cheap-to-clone handle through which an application calls,
//! publishes, registers and subscribes.

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, oneshot, watch};
use wamp_protocol::{Dict, Id, Message, Payload, RequestIdGenerator, Serializer, Uri};

use crate::config::{ClientConfig, ReconnectPolicy};
use crate::error::{CallError, Error};
use crate::handler::{IntoEventHandler, IntoProcedureHandler};
use crate::reporting::{ErrorReporter, HandlerFailure, TracingReporter};
use crate::session::{ClientEvent, Command, EncodedMessage, Protocol, Session, SessionDetails, SessionState};
use crate::state::States;
use crate::wamp_error::ErrorMappings;

#[macro_use]
mod arguments;
mod call;
mod group;
mod handles;
mod publish;

pub use crate::options::{RegisterOptions, SubscribeOptions};
pub use call::{CallBuilder, CallOutput, CancelMode, ProgressiveCall};
pub use group::Clients;
pub use handles::{Registration, Subscription};
pub use publish::{AcknowledgedPublish, PublishBuilder};

/// How many commands may queue up for the session task before senders wait.
const COMMAND_QUEUE: usize = 1024;

/// How many [`ClientEvent`]s a slow observer may fall behind before it
/// misses some (it then gets `RecvError::Lagged`).
const EVENT_QUEUE: usize = 64;

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
    pub(crate) request_ids: Arc<RequestIdGenerator>,
    state: watch::Receiver<SessionState>,
    events: broadcast::Sender<ClientEvent>,
    /// The named clients this one belongs to (set by `serve`); see [`Client::clients`].
    group: group::GroupRef,
    reporter: RwLock<Arc<dyn ErrorReporter>>,
    /// What the handlers' contexts reach with `state` (set by `Server`).
    states: RwLock<Arc<States>>,
    /// The error types typed handlers send under their own URIs (set by `Server`).
    error_mappings: RwLock<Arc<ErrorMappings>>,
}

/// The session task's ends of a new client: what it receives and what it
/// tells the handles through.
pub(crate) struct SessionEnds {
    pub(crate) client: std::sync::Weak<ClientInner>,
    pub(crate) commands: mpsc::Receiver<Command>,
    pub(crate) state: watch::Sender<SessionState>,
    pub(crate) events: broadcast::Sender<ClientEvent>,
    pub(crate) request_ids: Arc<RequestIdGenerator>,
}

impl ClientInner {
    fn new(serializer: Arc<dyn Serializer>, state: SessionState) -> (Arc<ClientInner>, SessionEnds) {
        let (commands, command_rx) = mpsc::channel(COMMAND_QUEUE);
        let (state_tx, state) = watch::channel(state);
        let (events, _) = broadcast::channel(EVENT_QUEUE);
        let request_ids = Arc::new(RequestIdGenerator::new());
        let inner = Arc::new(ClientInner {
            commands,
            serializer: RwLock::new(serializer),
            request_ids: request_ids.clone(),
            state,
            events: events.clone(),
            group: Default::default(),
            reporter: RwLock::new(Arc::new(TracingReporter)),
            states: RwLock::new(Arc::default()),
            error_mappings: RwLock::new(ErrorMappings::shared_default()),
        });
        let ends = SessionEnds {
            client: Arc::downgrade(&inner),
            commands: command_rx,
            state: state_tx,
            events,
            request_ids,
        };
        (inner, ends)
    }
}

/// A copy of what `lock` holds (see [`crate::sync`]).
fn read<T: Clone>(lock: &RwLock<T>) -> T {
    crate::sync::read(lock).clone()
}

fn write<T>(lock: &RwLock<T>, value: T) {
    *crate::sync::write(lock) = value;
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
    /// The first connection is tried under the same policy, so a service
    /// may start before its router: each failed attempt is logged (a
    /// `tracing` warning with the URL, the error and the next delay) and
    /// retried after the policy's backoff, until the client joins or
    /// `max_attempts` retries have failed (then the last error is
    /// returned). Refused credentials, a realm the router does not have
    /// ([`Error::JoinRefused`] with `wamp.error.no_such_realm`), an invalid
    /// configuration or URL are returned at once.
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
        let opened = crate::connect::open_first(config, &policy).await?;
        let router = opened.router;
        let link = crate::session::Link::new(opened, config);
        let (inner, ends) = ClientInner::new(link.serializer(), SessionState::Joined(link.details()));
        let protocol = Protocol::new(
            ends.client,
            ends.request_ids,
            config,
            ends.state,
            ends.events,
            link.serializer(),
            link.details(),
        );
        let session = Session::new(protocol, ends.commands, config, policy, router);
        tokio::spawn(session.run(link));
        Ok(Client { inner })
    }

    /// A client with no session task behind it, for unit tests of the
    /// session's protocol: the test plays the task's part with the ends
    /// returned (the command queue, the state and event senders, the
    /// request ids).
    #[cfg(test)]
    pub(crate) fn detached() -> (Client, SessionEnds) {
        let (inner, ends) = ClientInner::new(
            Arc::new(wamp_protocol::JsonSerializer),
            SessionState::Closed("detached".into()),
        );
        (Client { inner }, ends)
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
        let group = crate::sync::lock(&self.inner.group).upgrade();
        match group {
            Some(group) => crate::Clients::from_inner(group),
            None => crate::Clients::single(self.clone()),
        }
    }

    pub(crate) fn set_group(&self, group: std::sync::Weak<group::ClientsInner>) {
        *crate::sync::lock(&self.inner.group) = group;
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

    /// Replaces the [`States`] that this client's handlers reach through
    /// [`State`](crate::State) parameters and their context's `state`
    /// method. A [`Server`](crate::Server) sets those given to
    /// [`Server::state`](crate::Server::state) on each of its clients.
    ///
    /// ```no_run
    /// # async fn demo(client: wamp_runtime::Client) {
    /// use wamp_runtime::state::States;
    ///
    /// let mut states = States::new();
    /// states.insert(String::from("production"));
    /// client.set_states(states);
    /// # }
    /// ```
    pub fn set_states(&self, states: States) {
        write(&self.inner.states, Arc::new(states));
    }

    pub(crate) fn set_shared_states(&self, states: Arc<States>) {
        write(&self.inner.states, states);
    }

    /// The states this client's handlers reach (see [`set_states`](Self::set_states)).
    pub fn states(&self) -> Arc<States> {
        read(&self.inner.states)
    }

    /// Replaces the [`ErrorMappings`] by which this client's typed handlers
    /// send errors under their own URIs (default: [`ErrorMappings::new`]).
    /// A [`Server`](crate::Server) sets its own on each of its clients.
    ///
    /// ```no_run
    /// # async fn demo(client: wamp_runtime::Client) {
    /// use wamp_runtime::wamp_error::ErrorMappings;
    ///
    /// let mut mappings = ErrorMappings::new();
    /// mappings.map_display::<std::io::Error>("com.example.error.io");
    /// client.set_error_mappings(mappings);
    /// # }
    /// ```
    pub fn set_error_mappings(&self, mappings: ErrorMappings) {
        write(&self.inner.error_mappings, Arc::new(mappings));
    }

    pub(crate) fn set_shared_error_mappings(&self, mappings: Arc<ErrorMappings>) {
        write(&self.inner.error_mappings, mappings);
    }

    /// The error mappings of this client's typed handlers (see
    /// [`set_error_mappings`](Self::set_error_mappings)).
    pub fn error_mappings(&self) -> Arc<ErrorMappings> {
        read(&self.inner.error_mappings)
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
            SessionState::Reconnecting { attempt, .. } => Err(CallError::reconnecting(*attempt)),
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
            cancel_mode: CancelMode::default(),
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
    /// With [`MatchPolicy::Prefix`](crate::MatchPolicy::Prefix) or [`MatchPolicy::Wildcard`](crate::MatchPolicy::Wildcard) in `options`,
    /// `procedure` is a pattern and [`CallContext::procedure`](crate::CallContext::procedure)
    /// tells the handler which URI was called. The options'
    /// [`concurrency`](RegisterOptions::concurrency) and
    /// [`queue_limit`](RegisterOptions::queue_limit) apply to this handler.
    pub async fn register<M>(
        &self,
        procedure: impl Into<String>,
        handler: impl IntoProcedureHandler<M>,
        options: RegisterOptions,
    ) -> Result<Registration, CallError> {
        let procedure = Uri::pattern(procedure, options.match_policy_or_default())
            .map_err(|e| CallError::InvalidRequest(e.to_string()))?
            .into_string();
        let handler = crate::limits::limited(handler.into_procedure_handler(), &options)
            .map_err(|e| CallError::InvalidRequest(format!("procedure {procedure:?}: {e}")))?;
        self.check_connected()?;
        let (reply, answer) = oneshot::channel();
        self.send_command(Command::Register {
            procedure: procedure.clone(),
            options: options.to_dict(),
            single: options.is_single(),
            queue_limit: options.queue_limit,
            handler,
            reply,
        })
        .await?;
        let (local, current) = receive(answer).await?;
        tracing::debug!(procedure = %procedure, registration = current.id(), "registered");
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
        let topic = Uri::pattern(topic, options.match_policy_or_default())
            .map_err(|e| CallError::InvalidRequest(e.to_string()))?
            .into_string();
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
        tracing::debug!(topic = %topic, subscription = current.id(), "subscribed");
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
            reason: wamp_protocol::reserved::CLOSE_REALM.into(),
            reply,
        };
        let outcome = match self.inner.commands.send(command).await {
            Ok(()) => answer.await.unwrap_or(Ok(())),
            Err(_) => Ok(()), // Already closing or closed.
        };
        // Return once the session task has finished closing, so `state()`
        // and `is_joined()` agree with what the caller just did.
        self.closed().await;
        outcome
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
        let (reply, answer) = oneshot::channel();
        let command = Command::Stop {
            timeout: shutdown_timeout,
            reply,
        };
        let outcome = match self.inner.commands.send(command).await {
            Ok(()) => answer.await.unwrap_or(Ok(())),
            Err(_) => Ok(()), // Already closed.
        };
        self.closed().await;
        outcome
    }

    pub(crate) fn encode(&self, message: &Message) -> Result<EncodedMessage, CallError> {
        let serializer = read(&self.inner.serializer);
        let bytes = serializer
            .encode(message)
            .map_err(|e| CallError::InvalidRequest(format!("cannot encode {}: {e}", message.message_type())))?;
        Ok(EncodedMessage {
            kind: serializer.kind(),
            bytes,
        })
    }

    /// A frame that is never sent (the session drops frames of another serializer).
    pub(crate) fn empty_frame(&self) -> EncodedMessage {
        EncodedMessage {
            kind: read(&self.inner.serializer).kind(),
            bytes: Vec::new(),
        }
    }

    /// Sends one progressive result of the invocation `request` of
    /// connection `epoch` (a YIELD with `progress: true`).
    pub(crate) async fn send_progress(&self, epoch: u64, request: Id, payload: Payload) -> Result<(), CallError> {
        let mut options = Dict::new();
        options.insert("progress".into(), wamp_protocol::Value::Bool(true));
        let message = wamp_protocol::Yield {
            request,
            options,
            payload,
        };
        let frame = self.encode(&message.into())?;
        self.send_command(Command::Progress { epoch, request, frame }).await
    }

    pub(crate) async fn send_command(&self, command: Command) -> Result<(), CallError> {
        // With room in the queue (nearly always), no send future to build
        // and poll: a quarter of what queueing a call cost.
        let command = match self.inner.commands.try_send(command) {
            Ok(()) => return Ok(()),
            Err(mpsc::error::TrySendError::Full(command)) => command,
            Err(mpsc::error::TrySendError::Closed(_)) => {
                return Err(CallError::ConnectionLost(self.closed_reason()));
            }
        };
        self.inner
            .commands
            .send(command)
            .await
            .map_err(|_| CallError::ConnectionLost(self.closed_reason()))
    }

    fn closed_reason(&self) -> String {
        match &*self.inner.state.borrow() {
            SessionState::Closed(reason) => reason.clone(),
            SessionState::Reconnecting { attempt, .. } => crate::error::reconnecting_reason(*attempt),
            _ => "the session has ended".into(),
        }
    }
}

/// Waits for the session's answer; a dropped reply means the session ended.
async fn receive<T>(answer: oneshot::Receiver<Result<T, CallError>>) -> Result<T, CallError> {
    answer
        .await
        .unwrap_or_else(|_| Err(CallError::ConnectionLost("the session ended before answering".into())))
}
