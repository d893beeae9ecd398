//! The session task: the one task that owns the client's connection, and
//! reopens it when it is lost.
//!
//! [`Client`](crate::Client) handles talk to it over a channel of
//! [`Command`]s that outlives connections. It writes their frames, keeps
//! every request that waits for an answer keyed by its request id, routes
//! what the router sends back, and starts handler tasks for invocations and
//! events. It never runs user code itself.
//!
//! One state machine, top to bottom ([`Session::run`]):
//!
//! 1. **joined**: [`join`] (HELLO → WELCOME) happened before the task
//!    started, or in step 3; the session serves commands and messages
//!    ([`Session::run_joined`]). After a reconnect it first re-sends every
//!    REGISTER and SUBSCRIBE the client had, all at once, and announces
//!    [`ClientEvent::Joined`] when the last one is answered.
//! 2. **lost** ([`Session::link_ended`]): the connection ended; every
//!    waiting request fails at once with [`CallError::ConnectionLost`],
//!    invocations in flight are interrupted, observers get
//!    [`ClientEvent::Left`].
//! 3. **reconnecting** ([`Session::reconnect`]): unless the client left or
//!    is stopping, and while the [`ReconnectPolicy`] allows, wait its
//!    backoff and reconnect (back to 1). Commands are still served: requests
//!    fail fast ([`Session::on_command_offline`]).
//! 4. **closed** ([`Session::finish`]): no more reconnects; handler tasks
//!    still running are aborted; observers get [`ClientEvent::Closed`].
//!
//! Registrations and subscriptions have *local* ids that never change; the
//! router's ids (new on every connection) are mapped to them per session
//! and published to the handles through a shared atomic.

mod details;

use std::collections::HashMap;
use std::future::Future;
use std::hash::{BuildHasherDefault, Hasher};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::task::Poll;
use std::time::Duration;

use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use wamp_core::{
    Dict, ErrorMessage, Goodbye, Id, Message, MessageType, Payload, Serializer, SerializerKind, Value, Yield, reserved,
};

pub use details::{ClientEvent, SessionDetails, SessionState};

use crate::Client;
use crate::client::{CallOutput, ClientInner};
use crate::config::{ClientConfig, ReconnectPolicy};
use crate::connect::{Opened, is_permanent, open_round};
use crate::error::{ApplicationError, CallError, Error};
use crate::handler::{CallContext, EventContext, EventHandler, ProcedureHandler};
use crate::reporting::{HandlerFailure, HandlerKind};
use crate::transport::{FrameSink, FrameStream, Incoming, Outgoing, TransportError};

/// At most this many queued commands are served in a row before the
/// session looks at its other inputs (and flushes). Large enough
/// that 100 calls in flight go out in a couple of writes; small enough that
/// a flood of one kind does not starve the other for long.
const BATCH: usize = 64;

/// How long `leave` waits for the router's GOODBYE before closing anyway.
const GOODBYE_TIMEOUT: Duration = Duration::from_secs(5);

type Reply<T> = oneshot::Sender<Result<T, CallError>>;

/// A message encoded by a client handle, with the serializer it was encoded
/// for: after a reconnect the router may have picked another one.
#[derive(Debug)]
pub(crate) struct EncodedMessage {
    pub(crate) kind: SerializerKind,
    pub(crate) bytes: Vec<u8>,
}

/// What the session tells a handle about a new registration or
/// subscription: its local id, and its shared [`HandleState`].
pub(crate) type Handle = (u64, Arc<HandleState>);

/// One registration's or subscription's state, shared by the session and
/// the handle: the router's id, kept current across reconnects (0 while not
/// registered), and whether it has ended for good (unregistered, revoked by
/// the router, or the client closed).
#[derive(Debug, Default)]
pub(crate) struct HandleState {
    id: AtomicU64,
    ended: AtomicBool,
}

impl HandleState {
    pub(crate) fn id(&self) -> Id {
        self.id.load(Ordering::Relaxed)
    }

    pub(crate) fn is_active(&self) -> bool {
        !self.ended.load(Ordering::Relaxed)
    }

    fn set(&self, id: Id) {
        self.id.store(id, Ordering::Relaxed);
    }

    /// Ends it for good; returns the router id it had.
    fn end(&self) -> Id {
        self.ended.store(true, Ordering::Relaxed);
        self.id.swap(0, Ordering::Relaxed)
    }
}

/// A request from a [`Client`] handle (or a handler task) to the session.
///
/// Calls, publications and handler answers are encoded by the sender, so
/// serialization work is spread over the callers' tasks; registrations and
/// subscriptions are encoded by the session, which replays them after a
/// reconnect.
pub(crate) enum Command {
    Call {
        request: Id,
        frame: EncodedMessage,
        reply: Reply<CallOutput>,
        progress: Option<mpsc::UnboundedSender<Payload>>,
    },
    /// Sent when a call times out or its future is dropped.
    Cancel {
        request: Id,
        frame: EncodedMessage,
    },
    Publish {
        request: Id,
        frame: EncodedMessage,
        /// `Some` when the publication is acknowledged.
        reply: Option<Reply<Id>>,
    },
    Subscribe {
        topic: String,
        options: Dict,
        handler: Arc<dyn EventHandler>,
        reply: Reply<Handle>,
    },
    Unsubscribe {
        local: u64,
        reply: Reply<()>,
    },
    Register {
        procedure: String,
        options: Dict,
        /// Single-callee (`invoke: single`): re-registered with `force_reregister`.
        single: bool,
        handler: Arc<dyn ProcedureHandler>,
        reply: Reply<Handle>,
    },
    Unregister {
        local: u64,
        reply: Reply<()>,
    },
    /// A progressive YIELD of an invocation still in flight.
    Progress {
        epoch: u64,
        request: Id,
        frame: EncodedMessage,
    },
    /// The final YIELD or ERROR of an invocation.
    InvocationDone {
        epoch: u64,
        request: Id,
        frame: EncodedMessage,
    },
    Leave {
        reason: String,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    /// No reconnect from now on (sent first by `stop`).
    Stopping,
    /// Lists the local ids of the registrations.
    Registrations {
        reply: oneshot::Sender<Vec<u64>>,
    },
    /// Answers once no invocation is in flight.
    Drained {
        reply: oneshot::Sender<()>,
    },
    /// Fires the cancellation signal of every invocation in flight.
    InterruptAll,
}

struct PendingCall {
    reply: Reply<CallOutput>,
    progress: Option<mpsc::UnboundedSender<Payload>>,
}

/// A REGISTER or SUBSCRIBE waiting for its answer: the user's first one
/// (with a reply) or a replay after a reconnect (without).
struct PendingHandle {
    local: u64,
    reply: Option<Reply<Handle>>,
}

/// A procedure the client registered: what is needed to register it again.
struct Procedure {
    uri: String,
    options: Dict,
    single: bool,
    handler: Arc<dyn ProcedureHandler>,
    /// The router's registration id in this session, shared with the handle.
    current: Arc<HandleState>,
    /// Invocations whose task has not finished yet (running or waiting for
    /// the handler's concurrency limit), capped at `invocation_queue`.
    in_flight: Arc<AtomicUsize>,
}

/// Counts one invocation in [`Procedure::in_flight`] for as long as its task
/// lives, whether it returns, panics or is aborted.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn enter(counter: &Arc<AtomicUsize>) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        Self(counter.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// One local handler of a subscription: events are queued to a task that
/// runs the handler on them one at a time, in order. It outlives
/// connections.
struct Subscriber {
    topic: String,
    options: Dict,
    queue: EventQueue,
    /// The router's subscription id in this session, shared with the handle.
    current: Arc<HandleState>,
}

/// The bounded queue in front of one subscriber's task.
///
/// When it is full the event is dropped rather than waited for: waiting
/// would stop the session reading the connection, and with it every RESULT,
/// INVOCATION and other subscriber's EVENT behind the slow handler.
struct EventQueue {
    sender: mpsc::Sender<(EventContext, Payload)>,
    /// Events dropped since the subscription was made.
    dropped: u64,
    /// Dropping since the last event that fitted (to log each burst once).
    overflowing: bool,
}

/// A router subscription of this session: several local subscribers of the
/// same topic and options share one.
struct RouterSubscription {
    topic: String,
    locals: Vec<u64>,
}

/// Why the joined state ended.
enum End {
    /// We said GOODBYE and the router answered.
    Left,
    /// The router said GOODBYE or ABORT.
    ClosedByRouter(String),
    /// The transport failed or closed.
    Lost(String),
    /// The router broke the protocol; we sent ABORT.
    Violation(String),
}

/// Waits for a write to the transport, at most `stall`: a router that stops
/// reading fills the socket buffers, and then a write never completes. That
/// is a dead link, like a ping left unanswered for the same time, and it must
/// not freeze the session task (and with it every caller and `leave`). A
/// single frame too large to reach the socket within `ping_timeout` on a slow
/// link is also cut off: set `ping_timeout` above that time.
async fn unstalled<F>(stall: Duration, what: &str, write: F) -> Result<(), End>
where
    F: Future<Output = Result<(), TransportError>>,
{
    let mut write = std::pin::pin!(write);
    // Nearly every write completes at once: only one that has to wait gets a
    // deadline, so the common case does not read the clock.
    let written = match std::future::poll_fn(|cx| Poll::Ready(write.as_mut().poll(cx))).await {
        Poll::Ready(written) => written,
        Poll::Pending => match tokio::time::timeout(stall, write).await {
            Ok(written) => written,
            Err(_) => {
                return Err(End::Lost(format!(
                    "cannot {what}: the router has not read anything for {stall:?} (it stopped reading)"
                )));
            }
        },
    };
    written.map_err(|e| End::Lost(format!("cannot {what}: {e}")))
}

/// Hashes the ids this client draws itself: request ids (sequential, see
/// [`wamp_core::RequestIdGenerator`]) and the local ids of registrations and
/// subscriptions. One multiplication spreads them over the table, where
/// SipHash's defence against chosen keys is not needed and cost ~300
/// instructions per call (and more when a growing table rehashes).
#[derive(Default, Clone, Copy)]
struct OwnIdHasher(u64);

impl Hasher for OwnIdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, n: u64) {
        // 2^64 / golden ratio: odd, so distinct ids keep distinct hashes.
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A map keyed by ids this client draws itself (never by the router's).
type ByOwnId<V> = HashMap<u64, V, BuildHasherDefault<OwnIdHasher>>;

/// One open connection with its joined session.
pub(crate) struct Link {
    serializer: Arc<dyn Serializer>,
    sink: FrameSink,
    stream: FrameStream,
    details: Arc<SessionDetails>,
    /// Ticks every `ping_interval` when keepalive pings are on.
    keepalive: Option<tokio::time::Interval>,
    ping_timeout: Duration,
    /// Set while a ping waits for any sign of life from the router.
    pong_deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    goodbye_deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    /// Frames were fed to the sink since the last flush: one flush per
    /// batch costs one syscall where one per frame cost one each.
    unflushed: bool,
}

impl Link {
    pub(crate) fn new(opened: Opened, config: &ClientConfig) -> Link {
        let Opened {
            connection,
            serializer,
            details,
            router: _,
        } = opened;
        // Only over transports whose routers understand pings (see `Connection::pings`).
        let keepalive = config
            .ping_interval
            .filter(|i| !i.is_zero() && connection.pings)
            .map(|interval| {
                let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
                ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                ticker
            });
        Link {
            serializer,
            sink: connection.sink,
            stream: connection.stream,
            details: Arc::new(details),
            keepalive,
            ping_timeout: config.ping_timeout,
            pong_deadline: None,
            goodbye_deadline: None,
            unflushed: false,
        }
    }

    pub(crate) fn serializer(&self) -> Arc<dyn Serializer> {
        self.serializer.clone()
    }

    pub(crate) fn details(&self) -> Arc<SessionDetails> {
        self.details.clone()
    }

    /// Queues a frame; it goes out with the next [`flush`](Self::flush),
    /// which the session loop does before it waits for anything.
    async fn write(&mut self, bytes: Vec<u8>) -> Result<(), End> {
        self.unflushed = true;
        let stall = self.ping_timeout;
        unstalled(stall, "send", self.sink.feed(Outgoing::Frame(bytes))).await
    }

    async fn flush(&mut self) -> Result<(), End> {
        if !self.unflushed {
            return Ok(());
        }
        self.unflushed = false;
        let stall = self.ping_timeout;
        unstalled(stall, "send", self.sink.flush()).await
    }

    /// Whether `frame` was encoded for this connection's serializer.
    fn fits(&self, frame: &EncodedMessage) -> bool {
        frame.kind == self.serializer.kind()
    }

    async fn write_message(&mut self, message: Message) -> Result<(), End> {
        match self.serializer.encode(&message) {
            Ok(frame) => self.write(frame).await,
            Err(e) => {
                tracing::error!(message = %message.message_type(), error = %e, "cannot encode message");
                Ok(())
            }
        }
    }

    async fn send_ping(&mut self) -> Result<(), End> {
        self.pong_deadline = Some(Box::pin(tokio::time::sleep(self.ping_timeout)));
        let stall = self.ping_timeout;
        unstalled(stall, "send a ping", self.sink.send(Outgoing::Ping)).await
    }

    async fn goodbye(&mut self, reason: &str) -> Result<(), End> {
        self.goodbye_deadline = Some(Box::pin(tokio::time::sleep(GOODBYE_TIMEOUT)));
        self.write_message(
            Goodbye {
                details: Dict::new(),
                reason: reason.to_owned(),
            }
            .into(),
        )
        .await
    }

    fn closing(&self) -> bool {
        self.goodbye_deadline.is_some()
    }
}

pub(crate) struct Session {
    client: Weak<ClientInner>,
    config: ClientConfig,
    policy: ReconnectPolicy,
    /// The index in [`ClientConfig::urls`] of the router last joined: a
    /// reconnect starts with the next one.
    router: usize,
    commands: mpsc::Receiver<Command>,
    state: watch::Sender<SessionState>,
    events: broadcast::Sender<ClientEvent>,
    /// Counts connections: invocation request ids mean something only
    /// within the connection that delivered them.
    epoch: u64,

    calls: ByOwnId<PendingCall>,
    publishes: ByOwnId<Reply<Id>>,
    subscribes: ByOwnId<PendingHandle>,
    /// `None` for an UNSUBSCRIBE nobody waits for.
    unsubscribes: ByOwnId<Option<Reply<()>>>,
    registers: ByOwnId<PendingHandle>,
    unregisters: ByOwnId<Reply<()>>,
    /// Replayed REGISTERs and SUBSCRIBEs still unanswered after a reconnect.
    restoring: usize,

    procedures: ByOwnId<Procedure>,
    by_registration: HashMap<Id, u64>,
    subscribers: ByOwnId<Subscriber>,
    by_subscription: HashMap<Id, RouterSubscription>,
    next_local: u64,

    invocations: HashMap<Id, CancellationToken>,
    /// Waiting for `invocations` to become empty.
    drained: Vec<oneshot::Sender<()>>,
    /// Every handler task (invocations and subscribers), aborted at the end.
    tasks: JoinSet<()>,

    leaving: Option<oneshot::Sender<Result<(), Error>>>,
    /// Set by `stop`: the session ends for good with the next loss.
    stopping: bool,
}

impl Session {
    pub(crate) fn new(
        client: Weak<ClientInner>,
        commands: mpsc::Receiver<Command>,
        state: watch::Sender<SessionState>,
        events: broadcast::Sender<ClientEvent>,
        config: &ClientConfig,
        policy: ReconnectPolicy,
        router: usize,
    ) -> Self {
        Self {
            client,
            config: config.clone(),
            policy,
            router,
            commands,
            state,
            events,
            epoch: 1,
            calls: ByOwnId::default(),
            publishes: ByOwnId::default(),
            subscribes: ByOwnId::default(),
            unsubscribes: ByOwnId::default(),
            registers: ByOwnId::default(),
            unregisters: ByOwnId::default(),
            restoring: 0,
            procedures: ByOwnId::default(),
            by_registration: HashMap::new(),
            subscribers: ByOwnId::default(),
            by_subscription: HashMap::new(),
            next_local: 1,
            invocations: HashMap::new(),
            drained: Vec::new(),
            tasks: JoinSet::new(),
            leaving: None,
            stopping: false,
        }
    }

    /// The whole life of the client: joined → lost → reconnecting → joined
    /// ... → closed. `link` is the connection `Client::connect` opened.
    pub(crate) async fn run(mut self, mut link: Link) {
        let (reason, clean) = loop {
            let end = self.run_joined(&mut link).await;
            let left = matches!(end, End::Left);
            let reason = self.link_ended(link, end).await;
            if left || self.leaving.is_some() || self.stopping {
                break (reason, left);
            }
            match self.reconnect(&reason).await {
                Ok(next) => link = next,
                Err(stop) => break stop,
            }
        };
        self.finish(reason, clean).await;
    }

    /// The joined state: serves commands and messages until the session
    /// ends. After a reconnect it first restores registrations and
    /// subscriptions.
    async fn run_joined(&mut self, link: &mut Link) -> End {
        if self.epoch > 1 {
            if let Err(end) = self.restore(link).await {
                return end;
            }
        }
        if let Err(end) = link.flush().await {
            return end;
        }
        loop {
            let step = tokio::select! {
                incoming = link.stream.next() => self.on_incoming(link, incoming).await,
                command = self.commands.recv() => match command {
                    Some(command) => self.on_commands(link, command).await,
                    // Every handle is gone: nobody can use this session any more.
                    None if !link.closing() => {
                        self.stopping = true;
                        link.goodbye(reserved::CLOSE_REALM).await
                    }
                    None => Ok(()),
                },
                Some(_) = self.tasks.join_next(), if !self.tasks.is_empty() => Ok(()),
                () = wait_for(&mut link.goodbye_deadline) => {
                    Err(End::Lost("the router did not answer GOODBYE in time".into()))
                }
                _ = tick(&mut link.keepalive), if link.pong_deadline.is_none() => link.send_ping().await,
                () = wait_for(&mut link.pong_deadline) => Err(End::Lost(format!(
                    "the router did not answer a ping within {:?}",
                    link.ping_timeout
                ))),
            };
            // Whatever the step queued goes out before the loop waits again.
            if let Err(end) = step.and(link.flush().await) {
                return end;
            }
        }
    }

    /// Handles what the transport delivered. Frames it has already read
    /// come with the next `select!` without touching the socket; taking them
    /// here instead would cost one more poll of the stream (for WebSocket a
    /// zero-fill of tungstenite's read chunk) whenever none is left.
    async fn on_incoming(
        &mut self,
        link: &mut Link,
        incoming: Option<Result<Incoming, TransportError>>,
    ) -> Result<(), End> {
        match incoming {
            Some(Ok(incoming)) => {
                // Frames tungstenite has already buffered cost no I/O, so
                // without this the task could go through thousands of them
                // in one turn. The handler tasks it feeds wait on this
                // worker (tokio's LIFO slot) until it yields: a burst from
                // the router then overflowed even a fast subscriber's queue.
                // Spending budget per frame yields every 128 frames.
                tokio::task::coop::consume_budget().await;
                // Any traffic proves the link is alive.
                link.pong_deadline = None;
                match incoming {
                    Incoming::Frame(frame) => match link.serializer.decode(&frame) {
                        Ok(message) => self.on_message(link, message).await,
                        Err(e) => Err(End::Violation(format!("undecodable message: {e}"))),
                    },
                    Incoming::Pong => Ok(()),
                }
            }
            Some(Err(e)) => Err(End::Lost(e.to_string())),
            None => Err(End::Lost("the router closed the connection".into())),
        }
    }

    /// Serves `command`, then the commands already queued behind it (up to
    /// [`BATCH`]), so that their frames leave in one flush.
    async fn on_commands(&mut self, link: &mut Link, command: Command) -> Result<(), End> {
        self.on_command(link, command).await?;
        for _ in 1..BATCH {
            match self.commands.try_recv() {
                Ok(command) => self.on_command(link, command).await?,
                Err(_) => break,
            }
        }
        Ok(())
    }

    /// Re-sends every REGISTER and SUBSCRIBE of the client at once; their
    /// answers come in through `on_message`, and the last one announces the join.
    async fn restore(&mut self, link: &mut Link) -> Result<(), End> {
        let mut messages = Vec::new();
        for (&local, procedure) in &self.procedures {
            let mut options = procedure.options.clone();
            if procedure.single {
                // The router may still hold our dead predecessor's registration.
                options.insert("force_reregister".into(), Value::Bool(true));
            }
            let request = self.next_request_id();
            self.registers.insert(request, PendingHandle { local, reply: None });
            messages.push(Message::from(wamp_core::Register {
                request,
                options,
                procedure: procedure.uri.clone(),
            }));
        }
        for (&local, subscriber) in &self.subscribers {
            let request = self.next_request_id();
            self.subscribes.insert(request, PendingHandle { local, reply: None });
            messages.push(Message::from(wamp_core::Subscribe {
                request,
                options: subscriber.options.clone(),
                topic: subscriber.topic.clone(),
            }));
        }
        self.restoring = messages.len();
        tracing::info!(
            procedures = self.procedures.len(),
            subscriptions = self.subscribers.len(),
            "rejoined; restoring registrations and subscriptions"
        );
        for message in messages {
            link.write_message(message).await?;
        }
        if self.restoring == 0 {
            self.announce_joined(link);
        }
        Ok(())
    }

    fn announce_joined(&self, link: &Link) {
        let details = link.details.clone();
        tracing::info!(session = details.session_id, realm = %details.realm, "joined");
        self.state.send_replace(SessionState::Joined(details.clone()));
        let _ = self.events.send(ClientEvent::Joined(details));
    }

    /// One replayed request answered; the last one completes the join.
    fn restored_one(&mut self, link: &Link) {
        if self.restoring > 0 {
            self.restoring -= 1;
            if self.restoring == 0 {
                self.announce_joined(link);
            }
        }
    }

    fn next_request_id(&self) -> Id {
        match self.client.upgrade() {
            Some(client) => client.request_ids.next(),
            // No handle left: any id works, nobody waits on it.
            None => 1,
        }
    }

    fn client(&self) -> Option<Client> {
        self.client.upgrade().map(Client::from_inner)
    }

    fn next_local(&mut self) -> u64 {
        let local = self.next_local;
        self.next_local += 1;
        local
    }

    async fn on_command(&mut self, link: &mut Link, command: Command) -> Result<(), End> {
        if self.leaving.is_some() || link.closing() {
            // Closing: refuse new work (the dropped reply tells the caller).
            if let Command::Leave { reply, .. } = command {
                let _ = reply.send(Err(Error::ConnectionLost("the session is already closing".into())));
            }
            return Ok(());
        }
        let stale =
            || CallError::ConnectionLost("the connection changed serializer before the request was sent".into());
        match command {
            Command::Call {
                request,
                frame,
                reply,
                progress,
            } => {
                if !link.fits(&frame) {
                    let _ = reply.send(Err(stale()));
                    return Ok(());
                }
                self.calls.insert(request, PendingCall { reply, progress });
                link.write(frame.bytes).await
            }
            Command::Cancel { request, frame } => {
                // Only if the call is still waiting; its answer may have won the race.
                if self.calls.remove(&request).is_some() && link.fits(&frame) {
                    link.write(frame.bytes).await?;
                }
                Ok(())
            }
            Command::Publish { request, frame, reply } => {
                if !link.fits(&frame) {
                    if let Some(reply) = reply {
                        let _ = reply.send(Err(stale()));
                    }
                    return Ok(());
                }
                if let Some(reply) = reply {
                    self.publishes.insert(request, reply);
                }
                link.write(frame.bytes).await
            }
            Command::Subscribe {
                topic,
                options,
                handler,
                reply,
            } => {
                let local = self.next_local();
                let queue = self.spawn_subscriber(handler);
                let request = self.next_request_id();
                self.subscribers.insert(
                    local,
                    Subscriber {
                        topic: topic.clone(),
                        options: options.clone(),
                        queue,
                        current: Arc::default(),
                    },
                );
                self.subscribes.insert(
                    request,
                    PendingHandle {
                        local,
                        reply: Some(reply),
                    },
                );
                link.write_message(
                    wamp_core::Subscribe {
                        request,
                        options,
                        topic,
                    }
                    .into(),
                )
                .await
            }
            Command::Unsubscribe { local, reply } => self.unsubscribe(link, local, reply).await,
            Command::Register {
                procedure,
                options,
                single,
                handler,
                reply,
            } => {
                let local = self.next_local();
                let request = self.next_request_id();
                self.procedures.insert(
                    local,
                    Procedure {
                        uri: procedure.clone(),
                        options: options.clone(),
                        single,
                        handler,
                        current: Arc::default(),
                        in_flight: Arc::default(),
                    },
                );
                self.registers.insert(
                    request,
                    PendingHandle {
                        local,
                        reply: Some(reply),
                    },
                );
                link.write_message(
                    wamp_core::Register {
                        request,
                        options,
                        procedure,
                    }
                    .into(),
                )
                .await
            }
            Command::Unregister { local, reply } => {
                let Some(procedure) = self.procedures.remove(&local) else {
                    let _ = reply.send(Err(CallError::InvalidRequest(format!(
                        "registration {local} is not active (unregistered, or revoked by the router)"
                    ))));
                    return Ok(());
                };
                let registration = procedure.current.end();
                if registration == 0 || self.by_registration.remove(&registration).is_none() {
                    // Not registered in this session (a replay is pending): forgetting it is enough.
                    let _ = reply.send(Ok(()));
                    return Ok(());
                }
                let request = self.next_request_id();
                self.unregisters.insert(request, reply);
                link.write_message(wamp_core::Unregister { request, registration }.into())
                    .await
            }
            Command::Progress { epoch, request, frame } => {
                if epoch == self.epoch && self.invocations.contains_key(&request) && link.fits(&frame) {
                    link.write(frame.bytes).await?;
                }
                Ok(())
            }
            Command::InvocationDone { epoch, request, frame } => {
                if epoch == self.epoch && self.invocations.remove(&request).is_some() {
                    self.notify_if_drained();
                    if link.fits(&frame) {
                        link.write(frame.bytes).await?;
                    }
                }
                Ok(())
            }
            Command::Stopping => {
                self.stopping = true;
                Ok(())
            }
            Command::Registrations { reply } => {
                let _ = reply.send(self.procedures.keys().copied().collect());
                Ok(())
            }
            Command::Drained { reply } => {
                if self.invocations.is_empty() {
                    let _ = reply.send(());
                } else {
                    self.drained.push(reply);
                }
                Ok(())
            }
            Command::InterruptAll => {
                for token in self.invocations.values() {
                    token.cancel();
                }
                Ok(())
            }
            Command::Leave { reason, reply } => {
                self.leaving = Some(reply);
                link.goodbye(&reason).await
            }
        }
    }

    fn notify_if_drained(&mut self) {
        if self.invocations.is_empty() {
            for waiter in self.drained.drain(..) {
                let _ = waiter.send(());
            }
        }
    }

    async fn unsubscribe(&mut self, link: &mut Link, local: u64, reply: Reply<()>) -> Result<(), End> {
        let Some(subscriber) = self.subscribers.remove(&local) else {
            let _ = reply.send(Err(CallError::InvalidRequest(format!(
                "subscription {local} is not active (unsubscribed, or revoked by the router)"
            ))));
            return Ok(());
        };
        let subscription = subscriber.current.end();
        let Some(entry) = self.by_subscription.get_mut(&subscription) else {
            let _ = reply.send(Ok(()));
            return Ok(());
        };
        entry.locals.retain(|l| *l != local);
        if !entry.locals.is_empty() {
            // Other local handlers still listen: the router subscription stays.
            let _ = reply.send(Ok(()));
            return Ok(());
        }
        self.by_subscription.remove(&subscription);
        let request = self.next_request_id();
        self.unsubscribes.insert(request, Some(reply));
        link.write_message(wamp_core::Unsubscribe { request, subscription }.into())
            .await
    }

    async fn on_message(&mut self, link: &mut Link, message: Message) -> Result<(), End> {
        match message {
            Message::Result(result) => {
                if result.is_progress() {
                    if let Some(PendingCall {
                        progress: Some(sink), ..
                    }) = self.calls.get(&result.request)
                    {
                        let _ = sink.send(result.payload);
                    }
                } else if let Some(call) = self.calls.remove(&result.request) {
                    let _ = call.reply.send(Ok(CallOutput {
                        args: result.payload.args,
                        kwargs: result.payload.kwargs,
                        details: result.details,
                    }));
                } else {
                    tracing::debug!(request = result.request, "ignoring RESULT of a call nobody waits for");
                }
                Ok(())
            }
            Message::Error(error) => self.on_error(link, error).await,
            Message::Published(published) => {
                if let Some(reply) = self.publishes.remove(&published.request) {
                    let _ = reply.send(Ok(published.publication));
                }
                Ok(())
            }
            Message::Subscribed(subscribed) => {
                let Some(pending) = self.subscribes.remove(&subscribed.request) else {
                    return Ok(());
                };
                let id = subscribed.subscription;
                if pending.reply.is_none() {
                    self.restored_one(link);
                }
                let Some(subscriber) = self.subscribers.get(&pending.local) else {
                    // Unsubscribed while the replay was on its way.
                    if !self.by_subscription.contains_key(&id) {
                        let request = self.next_request_id();
                        self.unsubscribes.insert(request, None);
                        link.write_message(
                            wamp_core::Unsubscribe {
                                request,
                                subscription: id,
                            }
                            .into(),
                        )
                        .await?;
                    }
                    return Ok(());
                };
                subscriber.current.set(id);
                let current = subscriber.current.clone();
                self.by_subscription
                    .entry(id)
                    .or_insert_with(|| RouterSubscription {
                        topic: subscriber.topic.clone(),
                        locals: Vec::new(),
                    })
                    .locals
                    .push(pending.local);
                if let Some(reply) = pending.reply {
                    let _ = reply.send(Ok((pending.local, current)));
                }
                Ok(())
            }
            Message::Unsubscribed(unsubscribed) => {
                if let Some(reply) = self.unsubscribes.remove(&unsubscribed.request) {
                    if let Some(reply) = reply {
                        let _ = reply.send(Ok(()));
                    }
                } else if unsubscribed.request == 0 {
                    let id = unsubscribed.details.get("subscription").and_then(Value::as_u64);
                    let reason = reason_of(&unsubscribed.details);
                    let entry = id.and_then(|id| self.by_subscription.remove(&id));
                    tracing::error!(subscription = ?id, topic = ?entry.as_ref().map(|e| &e.topic), reason = %reason,
                        "the router revoked a subscription; it will not be subscribed again");
                    if let Some(entry) = entry {
                        for local in entry.locals {
                            if let Some(subscriber) = self.subscribers.remove(&local) {
                                subscriber.current.end();
                            }
                        }
                        let _ = self.events.send(ClientEvent::Revoked {
                            uri: entry.topic,
                            reason,
                        });
                    }
                }
                Ok(())
            }
            Message::Event(event) => {
                self.on_event(event);
                Ok(())
            }
            Message::Registered(registered) => {
                let Some(pending) = self.registers.remove(&registered.request) else {
                    return Ok(());
                };
                let id = registered.registration;
                if pending.reply.is_none() {
                    self.restored_one(link);
                }
                let Some(procedure) = self.procedures.get(&pending.local) else {
                    // Unregistered while the replay was on its way.
                    let request = self.next_request_id();
                    let (reply, _) = oneshot::channel();
                    self.unregisters.insert(request, reply);
                    return link
                        .write_message(
                            wamp_core::Unregister {
                                request,
                                registration: id,
                            }
                            .into(),
                        )
                        .await;
                };
                procedure.current.set(id);
                let current = procedure.current.clone();
                self.by_registration.insert(id, pending.local);
                if let Some(reply) = pending.reply {
                    let _ = reply.send(Ok((pending.local, current)));
                }
                Ok(())
            }
            Message::Unregistered(unregistered) => {
                if let Some(reply) = self.unregisters.remove(&unregistered.request) {
                    let _ = reply.send(Ok(()));
                } else if unregistered.request == 0 {
                    // E.g. another callee registered it with `force_reregister`.
                    let id = unregistered.details.get("registration").and_then(Value::as_u64);
                    let reason = reason_of(&unregistered.details);
                    let local = id.and_then(|id| self.by_registration.remove(&id));
                    let procedure = local.and_then(|local| self.procedures.remove(&local));
                    tracing::error!(registration = ?id, procedure = ?procedure.as_ref().map(|p| &p.uri),
                        reason = %reason, "the router revoked a registration; it will not be registered again");
                    if let Some(procedure) = procedure {
                        procedure.current.end();
                        let _ = self.events.send(ClientEvent::Revoked {
                            uri: procedure.uri,
                            reason,
                        });
                    }
                }
                Ok(())
            }
            Message::Invocation(invocation) => self.on_invocation(link, invocation).await,
            Message::Interrupt(interrupt) => {
                if let Some(token) = self.invocations.get(&interrupt.request) {
                    token.cancel();
                }
                Ok(())
            }
            Message::Goodbye(goodbye) => {
                if self.leaving.is_some() || link.closing() {
                    return Err(End::Left);
                }
                link.write_message(
                    Goodbye {
                        details: Dict::new(),
                        reason: reserved::GOODBYE_AND_OUT.into(),
                    }
                    .into(),
                )
                .await?;
                Err(End::ClosedByRouter(describe_close(&goodbye.reason, &goodbye.details)))
            }
            Message::Abort(abort) => Err(End::ClosedByRouter(describe_close(&abort.reason, &abort.details))),
            other => Err(End::Violation(format!(
                "a router does not send {} to an established session",
                other.message_type()
            ))),
        }
    }

    async fn on_error(&mut self, link: &mut Link, error: ErrorMessage) -> Result<(), End> {
        let failure =
            |e: ErrorMessage| CallError::Application(ApplicationError::from_parts(e.error, e.payload, e.details));
        let request = error.request;
        let delivered = match error.request_type {
            MessageType::Call => self.calls.remove(&request).map(|c| {
                let _ = c.reply.send(Err(failure(error)));
            }),
            MessageType::Publish => self.publishes.remove(&request).map(|r| {
                let _ = r.send(Err(failure(error)));
            }),
            MessageType::Subscribe => match self.subscribes.remove(&request) {
                Some(pending) => {
                    let subscriber = self.subscribers.remove(&pending.local);
                    match pending.reply {
                        Some(reply) => {
                            let _ = reply.send(Err(failure(error)));
                        }
                        None => {
                            // A replay: keep it for the next reconnect, say so now.
                            if let Some(subscriber) = subscriber {
                                self.restore_failed(&subscriber.topic, &error.error);
                                self.subscribers.insert(pending.local, subscriber);
                            }
                            self.restored_one(link);
                        }
                    }
                    Some(())
                }
                None => None,
            },
            MessageType::Unsubscribe => self.unsubscribes.remove(&request).map(|r| {
                if let Some(r) = r {
                    let _ = r.send(Err(failure(error)));
                }
            }),
            MessageType::Register => match self.registers.remove(&request) {
                Some(pending) => {
                    let procedure = self.procedures.remove(&pending.local);
                    match pending.reply {
                        Some(reply) => {
                            let _ = reply.send(Err(failure(error)));
                        }
                        None => {
                            if let Some(procedure) = procedure {
                                if error.error == reserved::PROCEDURE_ALREADY_EXISTS && !procedure.single {
                                    tracing::error!(procedure = %procedure.uri,
                                        "cannot re-register a shared procedure: the router still holds it \
                                         with another invocation policy or a stale session");
                                }
                                self.restore_failed(&procedure.uri, &error.error);
                                self.procedures.insert(pending.local, procedure);
                            }
                            self.restored_one(link);
                        }
                    }
                    Some(())
                }
                None => None,
            },
            MessageType::Unregister => self.unregisters.remove(&request).map(|r| {
                let _ = r.send(Err(failure(error)));
            }),
            _ => None,
        };
        if delivered.is_none() {
            tracing::debug!(request, "ignoring ERROR for a request nobody waits for");
        }
        Ok(())
    }

    fn restore_failed(&self, uri: &str, error: &str) {
        tracing::error!(
            uri,
            error,
            "cannot restore after reconnecting; will try again on the next reconnect"
        );
        let _ = self.events.send(ClientEvent::Revoked {
            uri: uri.to_owned(),
            reason: error.to_owned(),
        });
    }

    /// Starts the task that runs one local subscriber's handler on its
    /// events, in order, fed by a queue of `event_queue` events.
    fn spawn_subscriber(&mut self, handler: Arc<dyn EventHandler>) -> EventQueue {
        let (sender, mut events) = mpsc::channel::<(EventContext, Payload)>(self.config.event_queue);
        self.tasks.spawn(async move {
            while let Some((ctx, payload)) = events.recv().await {
                let client = ctx.client().clone();
                let uri = ctx.topic().to_owned();
                let peer = ctx.publisher().cloned();
                let (outcome, noted) = crate::reporting::watch(
                    AssertUnwindSafe(async { handler.handle(ctx, payload).await }).catch_unwind(),
                )
                .await;
                let (message, panicked) = match (outcome, noted) {
                    (Err(panic), _) => (crate::reporting::panic_message(panic.as_ref()), true),
                    (Ok(()), Some(message)) => (message, false),
                    (Ok(()), None) => continue,
                };
                client.report(&HandlerFailure {
                    kind: HandlerKind::Subscriber,
                    uri,
                    peer,
                    message,
                    panicked,
                    sent: None,
                });
            }
        });
        EventQueue {
            sender,
            dropped: 0,
            overflowing: false,
        }
    }

    /// Queues the event to every local subscriber of its subscription. A
    /// subscriber whose queue is full loses it (see [`EventQueue`]).
    fn on_event(&mut self, event: wamp_core::Event) {
        let Some(subscription) = self.by_subscription.get(&event.subscription) else {
            // Events may still arrive between UNSUBSCRIBE and UNSUBSCRIBED.
            tracing::debug!(
                subscription = event.subscription,
                "ignoring EVENT for an inactive subscription"
            );
            return;
        };
        let Some(client) = self.client() else {
            return;
        };
        let ctx = EventContext::new(
            client,
            event.subscription,
            event.publication,
            &subscription.topic,
            event.details,
        );
        let mut payload = Some(event.payload);
        let count = subscription.locals.len();
        for (index, local) in subscription.locals.iter().enumerate() {
            let Some(subscriber) = self.subscribers.get_mut(local) else {
                continue;
            };
            let queue = &mut subscriber.queue;
            // Clone only for all but the last handler.
            let payload = if index + 1 == count {
                payload.take().unwrap_or_default()
            } else {
                payload.clone().unwrap_or_default()
            };
            match queue.sender.try_send((ctx.for_subscriber(queue.dropped), payload)) {
                Ok(()) => {
                    if std::mem::take(&mut queue.overflowing) {
                        tracing::info!(topic = %subscription.topic, dropped = queue.dropped,
                            "a slow subscriber's queue has room again");
                    }
                }
                Err(mpsc::error::TrySendError::Full(_)) => {
                    queue.dropped += 1;
                    if !std::mem::replace(&mut queue.overflowing, true) {
                        tracing::warn!(topic = %subscription.topic, capacity = self.config.event_queue,
                            dropped = queue.dropped, "a subscriber is too slow: its event queue is full, \
                            dropping events until it catches up (see event_queue)");
                    }
                }
                // The task ended (aborted on close): nobody to deliver to.
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
    }

    async fn on_invocation(&mut self, link: &mut Link, invocation: wamp_core::Invocation) -> Result<(), End> {
        let request = invocation.request;
        let procedure = self
            .by_registration
            .get(&invocation.registration)
            .and_then(|local| self.procedures.get(local));
        let Some(procedure) = procedure else {
            return link
                .write_message(
                    ErrorMessage {
                        request_type: MessageType::Invocation,
                        request,
                        details: Dict::new(),
                        error: ApplicationError::NO_SUCH_REGISTRATION.into(),
                        payload: Payload::default(),
                    }
                    .into(),
                )
                .await;
        };
        let limit = self.config.invocation_queue;
        if procedure.in_flight.load(Ordering::Relaxed) >= limit {
            // Refused at once: a caller learns now, instead of after a backlog
            // that may outlast its timeout, and memory stays bounded.
            tracing::warn!(procedure = %procedure.uri, limit,
                "refusing an invocation: the procedure already holds invocation_queue invocations");
            let error = ApplicationError::with_message(
                ApplicationError::UNAVAILABLE,
                format!(
                    "procedure {} is busy: {limit} invocations are already in flight at its callee \
                     (invocation_queue); try again later",
                    procedure.uri
                ),
            );
            return link.write_message(invocation_error(request, error)).await;
        }
        let Some(client) = self.client() else {
            return Ok(());
        };
        let in_flight = InFlight::enter(&procedure.in_flight);
        let token = CancellationToken::new();
        let ctx = CallContext::new(
            client.clone(),
            self.epoch,
            request,
            &procedure.uri,
            invocation.details,
            token.clone(),
        );
        let handler = procedure.handler.clone();
        self.invocations.insert(request, token);
        let epoch = self.epoch;
        self.tasks.spawn(async move {
            let _in_flight = in_flight;
            let uri = ctx.procedure().to_owned();
            let peer = ctx.caller().cloned();
            let (outcome, noted) = crate::reporting::watch(
                AssertUnwindSafe(async { handler.invoke(ctx, invocation.payload).await }).catch_unwind(),
            )
            .await;
            let (result, failure) = match outcome {
                Ok(result) => {
                    let failure = noted.map(|message| (message, false));
                    (result, failure)
                }
                Err(panic) => (
                    Err(ApplicationError::with_message(
                        ApplicationError::RUNTIME_ERROR,
                        crate::INTERNAL_ERROR,
                    )),
                    Some((crate::reporting::panic_message(panic.as_ref()), true)),
                ),
            };
            if let Some((message, panicked)) = failure {
                client.report(&HandlerFailure {
                    kind: HandlerKind::Procedure,
                    uri,
                    peer,
                    message,
                    panicked,
                    sent: result.as_ref().err().cloned(),
                });
            }
            let frame = encode_invocation_outcome(&client, request, result);
            let _ = client
                .send_command(Command::InvocationDone { epoch, request, frame })
                .await;
        });
        Ok(())
    }

    /// The lost state: the connection is closed, every waiting request
    /// fails, invocations in flight are interrupted (their answers have
    /// nowhere to go), observers learn why. Returns the reason.
    async fn link_ended(&mut self, mut link: Link, end: End) -> String {
        let reason = match &end {
            End::Left => "the session was closed".to_owned(),
            End::ClosedByRouter(reason) => format!("the router closed the session ({reason})"),
            End::Lost(reason) => reason.clone(),
            End::Violation(reason) => {
                tracing::error!(violation = %reason, "protocol violation by the router, closing the session");
                let mut details = Dict::new();
                details.insert("message".into(), Value::String(reason.clone()));
                let abort = wamp_core::Abort {
                    details,
                    reason: reserved::PROTOCOL_VIOLATION.into(),
                };
                let _ = link.write_message(abort.into()).await;
                format!("protocol violation by the router: {reason}")
            }
        };
        // The close frame goes into the same socket: a router that stopped
        // reading would hold us here for good.
        let _ = tokio::time::timeout(link.ping_timeout, link.sink.close()).await;
        match &end {
            End::Left => tracing::info!("left the session"),
            _ => tracing::warn!(reason = %reason, "session ended"),
        }

        let lost = || CallError::ConnectionLost(reason.clone());
        for (_, call) in self.calls.drain() {
            let _ = call.reply.send(Err(lost()));
        }
        for (_, reply) in self.publishes.drain() {
            let _ = reply.send(Err(lost()));
        }
        for (_, pending) in self.subscribes.drain() {
            if let Some(reply) = pending.reply {
                // Never confirmed: not one of the client's subscriptions.
                self.subscribers.remove(&pending.local);
                let _ = reply.send(Err(lost()));
            }
        }
        for (_, reply) in self.unsubscribes.drain() {
            if let Some(reply) = reply {
                let _ = reply.send(Err(lost()));
            }
        }
        for (_, pending) in self.registers.drain() {
            if let Some(reply) = pending.reply {
                self.procedures.remove(&pending.local);
                let _ = reply.send(Err(lost()));
            }
        }
        for (_, reply) in self.unregisters.drain() {
            // The registration died with the session.
            let _ = reply.send(Ok(()));
        }
        self.restoring = 0;
        for (_, token) in self.invocations.drain() {
            token.cancel();
        }
        self.notify_if_drained();
        self.by_registration.clear();
        self.by_subscription.clear();
        for procedure in self.procedures.values() {
            procedure.current.set(0);
        }
        for subscriber in self.subscribers.values() {
            subscriber.current.set(0);
        }
        let _ = self.events.send(ClientEvent::Left { reason: reason.clone() });
        reason
    }

    /// The reconnecting state: waits the policy's backoff and reconnects,
    /// serving commands meanwhile. `Err` with the final reason when the
    /// policy gives up, the credentials are refused, or the client is
    /// stopped (then with `true`: a clean end).
    async fn reconnect(&mut self, reason: &str) -> Result<Link, (String, bool)> {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            if !self.policy.allows(attempt) {
                let reason = match attempt {
                    1 => reason.to_owned(),
                    _ => format!("{reason}; gave up after {} reconnect attempts", attempt - 1),
                };
                return Err((reason, false));
            }
            let delay = self.policy.delay(attempt, rand::random::<f64>());
            tracing::info!(attempt, ?delay, "reconnecting");
            self.state.send_replace(SessionState::Reconnecting {
                attempt,
                reason: reason.to_owned(),
            });
            let _ = self.events.send(ClientEvent::Reconnecting { attempt, delay });
            let stopped = || ("the client was stopped while reconnecting".to_owned(), true);
            if self.offline(attempt, tokio::time::sleep(delay)).await.is_none() {
                return Err(stopped());
            }
            let config = self.config.clone();
            let next = self.router + 1;
            let opened = self.offline(attempt, async move { open_round(&config, next, is_permanent).await });
            match opened.await {
                None => return Err(stopped()),
                Some(Ok(opened)) => {
                    self.epoch += 1;
                    self.router = opened.router;
                    let link = Link::new(opened, &self.config);
                    if let Some(client) = self.client() {
                        client.set_serializer(link.serializer.clone());
                    }
                    return Ok(link);
                }
                Some(Err(e)) if is_permanent(&e) => return Err((format!("cannot reconnect: {e}"), false)),
                Some(Err(e)) => tracing::warn!(attempt, error = %e, "reconnect attempt failed"),
            }
        }
    }

    /// Runs `work` while serving commands without a connection. `None`
    /// when the client is stopped (or every handle dropped) meanwhile.
    async fn offline<F: Future>(&mut self, attempt: u32, work: F) -> Option<F::Output> {
        let mut work = std::pin::pin!(work);
        loop {
            tokio::select! {
                output = &mut work => return Some(output),
                command = self.commands.recv() => match command {
                    Some(command) => {
                        if !self.on_command_offline(command, attempt) {
                            return None;
                        }
                    }
                    None => return None,
                },
                Some(_) = self.tasks.join_next(), if !self.tasks.is_empty() => {}
            }
        }
    }

    /// Serves a command while reconnecting: requests fail fast, removals
    /// just forget. `false` when the client must stop.
    fn on_command_offline(&mut self, command: Command, attempt: u32) -> bool {
        let offline = || CallError::reconnecting(attempt);
        match command {
            Command::Call { reply, .. } => {
                let _ = reply.send(Err(offline()));
            }
            Command::Publish { reply, .. } => match reply {
                Some(reply) => {
                    let _ = reply.send(Err(offline()));
                }
                None => tracing::debug!("dropping an unacknowledged publication: not connected"),
            },
            Command::Subscribe { reply, .. } => {
                let _ = reply.send(Err(offline()));
            }
            Command::Register { reply, .. } => {
                let _ = reply.send(Err(offline()));
            }
            Command::Unsubscribe { local, reply } => {
                let _ = reply.send(match self.subscribers.remove(&local) {
                    Some(_) => Ok(()),
                    None => Err(CallError::InvalidRequest(format!("subscription {local} is not active"))),
                });
            }
            Command::Unregister { local, reply } => {
                let _ = reply.send(match self.procedures.remove(&local) {
                    Some(_) => Ok(()),
                    None => Err(CallError::InvalidRequest(format!("registration {local} is not active"))),
                });
            }
            Command::Cancel { .. } | Command::Progress { .. } | Command::InvocationDone { .. } => {}
            Command::InterruptAll => {}
            Command::Registrations { reply } => {
                let _ = reply.send(self.procedures.keys().copied().collect());
            }
            Command::Drained { reply } => {
                let _ = reply.send(());
            }
            Command::Stopping => return false,
            Command::Leave { reply, .. } => {
                self.leaving = Some(reply);
                return false;
            }
        }
        true
    }

    /// The closed state: no more reconnects, handler tasks still running
    /// are aborted, observers learn why.
    async fn finish(mut self, reason: String, clean: bool) {
        self.commands.close();
        // Commands still queued are dropped with their reply senders, which
        // their callers see as a lost connection.
        while self.commands.try_recv().is_ok() {}
        for (_, procedure) in self.procedures.drain() {
            procedure.current.end();
        }
        for (_, subscriber) in self.subscribers.drain() {
            subscriber.current.end();
        }
        self.tasks.shutdown().await;
        tracing::info!(reason = %reason, "client closed");
        self.state.send_replace(SessionState::Closed(reason.clone()));
        let _ = self.events.send(ClientEvent::Closed { reason: reason.clone() });
        if let Some(reply) = self.leaving.take() {
            let _ = reply.send(if clean {
                Ok(())
            } else {
                Err(Error::ConnectionLost(reason))
            });
        }
    }
}

fn reason_of(details: &Dict) -> String {
    details
        .get("reason")
        .and_then(Value::as_str)
        .unwrap_or("no reason given")
        .to_owned()
}

/// Waits for a deadline when one is set; never completes otherwise.
async fn wait_for(deadline: &mut Option<Pin<Box<tokio::time::Sleep>>>) {
    match deadline {
        Some(sleep) => sleep.as_mut().await,
        None => std::future::pending().await,
    }
}

/// Waits for the next keepalive tick when pings are on; never completes otherwise.
async fn tick(keepalive: &mut Option<tokio::time::Interval>) {
    match keepalive {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}

fn describe_close(reason: &str, details: &Dict) -> String {
    match details.get("message").and_then(Value::as_str) {
        Some(message) => format!("{reason}: {message}"),
        None => reason.to_owned(),
    }
}

/// Encodes a handler's outcome as the final YIELD or ERROR of an invocation.
fn encode_invocation_outcome(
    client: &Client,
    request: Id,
    result: Result<Payload, ApplicationError>,
) -> EncodedMessage {
    let message: Message = match result {
        Ok(payload) => Yield {
            request,
            options: Dict::new(),
            payload,
        }
        .into(),
        Err(error) => invocation_error(request, error),
    };
    match client.encode(&message) {
        Ok(frame) => frame,
        Err(e) => {
            // E.g. a float the serializer cannot carry: tell the caller, not the void.
            tracing::error!(error = %e, "cannot encode a handler's result");
            let fallback = invocation_error(
                request,
                ApplicationError::with_message(ApplicationError::RUNTIME_ERROR, "the result cannot be serialized"),
            );
            client.encode(&fallback).unwrap_or_else(|_| client.empty_frame())
        }
    }
}

fn invocation_error(request: Id, error: ApplicationError) -> Message {
    let (uri, payload) = error.into_parts();
    ErrorMessage {
        request_type: MessageType::Invocation,
        request,
        details: Dict::new(),
        error: uri,
        payload,
    }
    .into()
}
