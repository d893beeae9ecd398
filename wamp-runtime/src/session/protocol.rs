//! The session's protocol state, without I/O: it takes a [`Command`] from a
//! handle or a message from the router, answers the handles, and queues in
//! an [`Out`] the frames to write and the handler tasks to start. The
//! driver ([`super::Session`]) owns the socket, the timers and the tasks.
//!
//! Its life, one [`Phase`] at a time:
//!
//! ```text
//!            ┌──────────────────────── reconnected ───────────────────────┐
//!            ▼                                                            │
//! Joined ⇄ Restoring ── stop ──▶ Stopping ──▶ Leaving ──▶ (link ends) ──▶ Offline ──▶ Closed
//!    │         │                                  ▲            ▲
//!    └─────────┴────────── leave, handles gone ───┘            └── link lost (from any phase)
//! ```
//!
//! A lost link leads to `Offline` and a reconnect when the session was
//! serving (`Joined`, `Restoring`), and to `Closed` when it was ending
//! (`Stopping`, `Leaving`) or the client connected without reconnecting.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use wamp_protocol::{
    Dict, ErrorMessage, Goodbye, Id, Message, MessageType, Payload, RequestIdGenerator, Serializer, Value, reserved,
};

use super::command::{Command, EncodedMessage, Reply};
use super::details::{ClientEvent, SessionDetails, SessionState};
use super::table::{Answered, ByOwnId, Kind, Refused, Table};
use super::tasks::{InFlight, Invocation, Task, invocation_error};
use crate::Client;
use crate::client::{CallOutput, ClientInner};
use crate::config::ClientConfig;
use crate::error::{ApplicationError, CallError, Error};
use crate::handler::{CallContext, EventContext, EventHandler, ProcedureHandler};

/// How long a GOODBYE waits for the router's before the link is dropped anyway.
pub(super) const GOODBYE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long `stop` lets interrupted invocations answer before leaving
/// (their tasks are aborted when the session closes).
pub(super) const INTERRUPT_GRACE: Duration = Duration::from_secs(1);

/// What a step of the protocol asks the driver to do.
#[derive(Default)]
pub(crate) struct Out {
    /// Frames to write, in order.
    pub(crate) frames: Vec<Vec<u8>>,
    /// Handler tasks to start.
    pub(crate) tasks: Vec<Task>,
}

/// Why a link ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// We said GOODBYE and the router answered.
    Left,
    /// The router said GOODBYE or ABORT.
    ClosedByRouter(String),
    /// The transport failed or closed.
    Lost(String),
    /// The router broke the protocol; an ABORT says so.
    Violation(String),
    /// The client was stopped (or left) while it had no link.
    Stopped,
}

/// What follows the end of a link.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AfterLoss {
    /// Reconnect (when the policy allows); the reason the link ended.
    Reconnect(String),
    /// Close for good; `clean` when the client asked for it.
    Close { reason: String, clean: bool },
}

/// The phases of a client's life (see the module's diagram).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Serving.
    Joined,
    /// Serving after a reconnect while replayed REGISTERs and SUBSCRIBEs
    /// wait for their answers; the last one announces the join.
    Restoring,
    /// [`Command::Stop`]: procedures are unregistered, then invocations in
    /// flight finish (or are interrupted), then the session leaves.
    Stopping {
        step: StopStep,
        timeout: Duration,
        deadline: Instant,
    },
    /// GOODBYE sent; the router's answer (or the deadline) ends the link.
    Leaving { deadline: Instant },
    /// No link: waiting for, or making, reconnect attempt `attempt`
    /// (0 between the loss and the first attempt).
    Offline { attempt: u32 },
    /// For good.
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StopStep {
    /// Waiting for the router to confirm the UNREGISTERs.
    Unregistering,
    /// Waiting for invocations in flight to finish.
    Draining,
    /// Their cancellation signal fired; a last grace period.
    Interrupted,
}

/// Someone waiting for the session to close.
enum Closer {
    /// [`Client::leave`]: told whether the router answered GOODBYE.
    Leave(oneshot::Sender<Result<(), Error>>),
    /// [`Client::stop`]: told once closed, however it ended.
    Stop(oneshot::Sender<Result<(), Error>>),
}

struct PendingCall {
    reply: Reply<CallOutput>,
    progress: Option<mpsc::UnboundedSender<Payload>>,
}

/// What a registration keeps beside its URI and options.
pub(super) struct Procedure {
    /// Single-callee: re-registered with `force_reregister`.
    single: bool,
    handler: Arc<dyn ProcedureHandler>,
    /// Invocations whose task has not finished yet (running or waiting for
    /// the handler's concurrency limit), capped at `held`.
    in_flight: Arc<AtomicUsize>,
    held: HeldLimit,
}

/// How many invocations one procedure may hold at once, and the option that said so.
#[derive(Debug, Clone, Copy)]
struct HeldLimit {
    limit: usize,
    /// `queue_limit` (the procedure's) or `invocation_queue` (the client's).
    option: &'static str,
}

impl Kind for Procedure {
    const NOUN: &'static str = "registration";
    const REMOVED: &'static str = "unregistered";

    fn request(request: Id, procedure: String, options: Dict) -> Message {
        wamp_protocol::Register {
            request,
            options,
            procedure,
        }
        .into()
    }

    fn removal(request: Id, registration: Id) -> Message {
        wamp_protocol::Unregister { request, registration }.into()
    }

    fn replay_options(&self, options: &Dict) -> Dict {
        let mut options = options.clone();
        if self.single {
            // The router may still hold our dead predecessor's registration.
            options.insert("force_reregister".into(), Value::Bool(true));
        }
        options
    }
}

/// What a local subscriber keeps beside its topic and options: the bounded
/// queue in front of its task.
///
/// When the queue is full the event is dropped rather than waited for:
/// waiting would stop the session reading the connection, and with it every
/// RESULT, INVOCATION and other subscriber's EVENT behind the slow handler.
pub(super) struct Subscriber {
    sender: mpsc::Sender<(EventContext, Payload)>,
    /// Events dropped since the subscription was made.
    dropped: u64,
    /// Dropping since the last event that fitted (to log each burst once).
    overflowing: bool,
}

impl Kind for Subscriber {
    const NOUN: &'static str = "subscription";
    const REMOVED: &'static str = "unsubscribed";

    fn request(request: Id, topic: String, options: Dict) -> Message {
        wamp_protocol::Subscribe {
            request,
            options,
            topic,
        }
        .into()
    }

    fn removal(request: Id, subscription: Id) -> Message {
        wamp_protocol::Unsubscribe { request, subscription }.into()
    }
}

/// The protocol state of one client, across its connections.
pub(crate) struct Protocol {
    client: Weak<ClientInner>,
    ids: Arc<RequestIdGenerator>,
    event_queue: usize,
    invocation_queue: usize,
    state: watch::Sender<SessionState>,
    events: broadcast::Sender<ClientEvent>,
    phase: Phase,
    /// Counts connections: invocation request ids mean something only
    /// within the connection that delivered them.
    epoch: u64,
    /// The current (or last) connection's.
    serializer: Arc<dyn Serializer>,
    details: Arc<SessionDetails>,

    calls: ByOwnId<PendingCall>,
    publishes: ByOwnId<Reply<Id>>,
    registrations: Table<Procedure>,
    subscriptions: Table<Subscriber>,
    invocations: HashMap<Id, CancellationToken>,
    closers: Vec<Closer>,
}

impl Protocol {
    /// The state of a client joined on its first connection.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        client: Weak<ClientInner>,
        ids: Arc<RequestIdGenerator>,
        config: &ClientConfig,
        state: watch::Sender<SessionState>,
        events: broadcast::Sender<ClientEvent>,
        serializer: Arc<dyn Serializer>,
        details: Arc<SessionDetails>,
    ) -> Self {
        Self {
            client,
            ids,
            event_queue: config.event_queue,
            invocation_queue: config.invocation_queue,
            state,
            events,
            phase: Phase::Joined,
            epoch: 1,
            serializer,
            details,
            calls: ByOwnId::default(),
            publishes: ByOwnId::default(),
            registrations: Table::default(),
            subscriptions: Table::default(),
            invocations: HashMap::new(),
            closers: Vec::new(),
        }
    }

    fn client(&self) -> Option<Client> {
        self.client.upgrade().map(Client::from_inner)
    }

    fn send(&self, message: Message, out: &mut Out) {
        match self.serializer.encode(&message) {
            Ok(frame) => out.frames.push(frame),
            Err(e) => tracing::error!(message = %message.message_type(), error = %e, "cannot encode message"),
        }
    }

    /// Whether `frame` was encoded for this connection's serializer.
    fn fits(&self, frame: &EncodedMessage) -> bool {
        frame.kind == self.serializer.kind()
    }

    /// When [`on_deadline`](Self::on_deadline) is due, if ever.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        match self.phase {
            Phase::Stopping { deadline, .. } | Phase::Leaving { deadline } => Some(deadline),
            _ => None,
        }
    }

    /// Serves a command from a handle.
    pub(crate) fn on_command(&mut self, command: Command, out: &mut Out) -> Result<(), End> {
        match self.phase {
            Phase::Offline { attempt } => return self.on_command_offline(command, attempt),
            Phase::Leaving { .. } | Phase::Closed => {
                self.refuse(command);
                return Ok(());
            }
            Phase::Joined | Phase::Restoring | Phase::Stopping { .. } => {}
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
                if !self.fits(&frame) {
                    let _ = reply.send(Err(stale()));
                    return Ok(());
                }
                self.calls.insert(request, PendingCall { reply, progress });
                out.frames.push(frame.bytes);
            }
            Command::Cancel { request, frame } => {
                // Only if the call is still waiting; its answer may have won the race.
                if self.calls.remove(&request).is_some() && self.fits(&frame) {
                    out.frames.push(frame.bytes);
                }
            }
            Command::Publish { request, frame, reply } => {
                if !self.fits(&frame) {
                    if let Some(reply) = reply {
                        let _ = reply.send(Err(stale()));
                    }
                    return Ok(());
                }
                if let Some(reply) = reply {
                    self.publishes.insert(request, reply);
                }
                out.frames.push(frame.bytes);
            }
            Command::Subscribe {
                topic,
                options,
                handler,
                reply,
            } => {
                let subscriber = self.start_subscriber(handler, out);
                let message = self
                    .subscriptions
                    .add(self.ids.next(), topic, options, subscriber, reply);
                self.send(message, out);
            }
            Command::Unsubscribe { local, reply } => {
                if let Some(message) = self.subscriptions.remove(local, Some(reply), &self.ids) {
                    self.send(message, out);
                }
            }
            Command::Register {
                procedure,
                options,
                single,
                queue_limit,
                handler,
                reply,
            } => {
                let held = match queue_limit {
                    Some(limit) => HeldLimit {
                        limit,
                        option: "queue_limit",
                    },
                    None => HeldLimit {
                        limit: self.invocation_queue,
                        option: "invocation_queue",
                    },
                };
                let local = Procedure {
                    single,
                    handler,
                    in_flight: Arc::default(),
                    held,
                };
                let message = self
                    .registrations
                    .add(self.ids.next(), procedure, options, local, reply);
                self.send(message, out);
            }
            Command::Unregister { local, reply } => {
                if let Some(message) = self.registrations.remove(local, Some(reply), &self.ids) {
                    self.send(message, out);
                }
            }
            Command::Progress { epoch, request, frame } => {
                if epoch == self.epoch && self.invocations.contains_key(&request) && self.fits(&frame) {
                    out.frames.push(frame.bytes);
                }
            }
            Command::InvocationDone { epoch, request, frame } => {
                if epoch == self.epoch && self.invocations.remove(&request).is_some() {
                    if self.fits(&frame) {
                        out.frames.push(frame.bytes);
                    }
                    self.advance_stop(out);
                }
            }
            Command::Leave { reason, reply } => {
                self.closers.push(Closer::Leave(reply));
                self.goodbye(&reason, out);
            }
            Command::Stop { timeout, reply } => {
                self.closers.push(Closer::Stop(reply));
                if !matches!(self.phase, Phase::Stopping { .. }) {
                    self.stop(timeout, out);
                }
            }
        }
        Ok(())
    }

    /// While leaving or closed: new work is refused, and a leave or stop
    /// waits for the end already under way.
    fn refuse(&mut self, command: Command) {
        let closing = || CallError::ConnectionLost("the session is closing".into());
        match command {
            Command::Call { reply, .. } => {
                let _ = reply.send(Err(closing()));
            }
            Command::Publish { reply: Some(reply), .. } => {
                let _ = reply.send(Err(closing()));
            }
            Command::Subscribe { reply, .. } | Command::Register { reply, .. } => {
                let _ = reply.send(Err(closing()));
            }
            Command::Unsubscribe { reply, .. } | Command::Unregister { reply, .. } => {
                let _ = reply.send(Err(closing()));
            }
            Command::Leave { reply, .. } => self.closers.push(Closer::Leave(reply)),
            Command::Stop { reply, .. } => self.closers.push(Closer::Stop(reply)),
            // Answers that come too late are dropped with the session.
            Command::Publish { reply: None, .. }
            | Command::Cancel { .. }
            | Command::Progress { .. }
            | Command::InvocationDone { .. } => {}
        }
    }

    /// Serves a command while there is no link: requests fail fast,
    /// removals just forget; a leave or stop ends the client.
    fn on_command_offline(&mut self, command: Command, attempt: u32) -> Result<(), End> {
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
            Command::Subscribe { reply, .. } | Command::Register { reply, .. } => {
                let _ = reply.send(Err(offline()));
            }
            Command::Unsubscribe { local, reply } => {
                let _ = reply.send(self.subscriptions.forget(local));
            }
            Command::Unregister { local, reply } => {
                let _ = reply.send(self.registrations.forget(local));
            }
            Command::Cancel { .. } | Command::Progress { .. } | Command::InvocationDone { .. } => {}
            Command::Leave { reply, .. } => {
                self.closers.push(Closer::Leave(reply));
                return Err(End::Stopped);
            }
            Command::Stop { reply, .. } => {
                self.closers.push(Closer::Stop(reply));
                return Err(End::Stopped);
            }
        }
        Ok(())
    }

    /// Every handle is gone: nobody can use this session any more.
    pub(crate) fn handles_gone(&mut self, out: &mut Out) {
        match self.phase {
            Phase::Joined | Phase::Restoring | Phase::Stopping { .. } => self.goodbye(reserved::CLOSE_REALM, out),
            Phase::Leaving { .. } | Phase::Offline { .. } | Phase::Closed => {}
        }
    }

    fn goodbye(&mut self, reason: &str, out: &mut Out) {
        if matches!(self.phase, Phase::Leaving { .. }) {
            return;
        }
        self.phase = Phase::Leaving {
            deadline: Instant::now() + GOODBYE_TIMEOUT,
        };
        let goodbye = Goodbye {
            details: Dict::new(),
            reason: reason.to_owned(),
        };
        self.send(goodbye.into(), out);
    }

    /// Starts [`Command::Stop`]: unregisters every procedure, so that the
    /// router sends no new invocations.
    fn stop(&mut self, timeout: Duration, out: &mut Out) {
        for local in self.registrations.local_ids() {
            if let Some(message) = self.registrations.remove(local, None, &self.ids) {
                self.send(message, out);
            }
        }
        self.phase = Phase::Stopping {
            step: StopStep::Unregistering,
            timeout,
            deadline: Instant::now() + timeout,
        };
        self.advance_stop(out);
    }

    /// Moves a stop on as far as what it waits for allows.
    fn advance_stop(&mut self, out: &mut Out) {
        loop {
            let Phase::Stopping { step, timeout, .. } = self.phase else {
                return;
            };
            match step {
                StopStep::Unregistering if !self.registrations.removing() => {
                    self.phase = Phase::Stopping {
                        step: StopStep::Draining,
                        timeout,
                        deadline: Instant::now() + timeout,
                    };
                }
                StopStep::Draining | StopStep::Interrupted if self.invocations.is_empty() => {
                    self.goodbye(reserved::CLOSE_REALM, out);
                    return;
                }
                _ => return,
            }
        }
    }

    /// The [`deadline`](Self::deadline) passed.
    pub(crate) fn on_deadline(&mut self, out: &mut Out) -> Result<(), End> {
        match self.phase {
            Phase::Stopping {
                step: StopStep::Unregistering,
                timeout,
                ..
            } => {
                tracing::warn!(
                    ?timeout,
                    "the router did not confirm every unregistration in time; stopping anyway"
                );
                self.phase = Phase::Stopping {
                    step: StopStep::Draining,
                    timeout,
                    deadline: Instant::now() + timeout,
                };
                self.advance_stop(out);
            }
            Phase::Stopping {
                step: StopStep::Draining,
                timeout,
                ..
            } => {
                tracing::warn!(
                    shutdown_timeout = ?timeout,
                    "invocations still running at the shutdown timeout; interrupting them"
                );
                for token in self.invocations.values() {
                    token.cancel();
                }
                self.phase = Phase::Stopping {
                    step: StopStep::Interrupted,
                    timeout,
                    deadline: Instant::now() + INTERRUPT_GRACE,
                };
            }
            Phase::Stopping {
                step: StopStep::Interrupted,
                ..
            } => {
                tracing::warn!("invocations ignored the interrupt; aborting them");
                self.goodbye(reserved::CLOSE_REALM, out);
            }
            Phase::Leaving { .. } => return Err(End::Lost("the router did not answer GOODBYE in time".into())),
            Phase::Joined | Phase::Restoring | Phase::Offline { .. } | Phase::Closed => {}
        }
        Ok(())
    }

    /// Handles one frame from the router.
    pub(crate) fn on_frame(&mut self, frame: &[u8], out: &mut Out) -> Result<(), End> {
        match self.serializer.decode(frame) {
            Ok(message) => self.on_message(message, out),
            Err(e) => Err(End::Violation(format!("undecodable message: {e}"))),
        }
    }

    /// Handles one message from the router.
    pub(crate) fn on_message(&mut self, message: Message, out: &mut Out) -> Result<(), End> {
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
            }
            Message::Error(error) => self.on_error(error, out),
            Message::Published(published) => {
                if let Some(reply) = self.publishes.remove(&published.request) {
                    let _ = reply.send(Ok(published.publication));
                }
            }
            Message::Subscribed(subscribed) => {
                let acknowledged =
                    self.subscriptions
                        .acknowledged(subscribed.request, subscribed.subscription, &self.ids);
                self.acknowledged(acknowledged, out);
            }
            Message::Registered(registered) => {
                let acknowledged =
                    self.registrations
                        .acknowledged(registered.request, registered.registration, &self.ids);
                self.acknowledged(acknowledged, out);
            }
            Message::Unsubscribed(unsubscribed) => {
                if !self.subscriptions.removed(unsubscribed.request, Ok(())) && unsubscribed.request == 0 {
                    let id = unsubscribed.details.get("subscription").and_then(Value::as_u64);
                    let topic = id.and_then(|id| self.subscriptions.revoked(id));
                    self.revoked("subscription", id, topic, &unsubscribed.details);
                }
            }
            Message::Unregistered(unregistered) => {
                if self.registrations.removed(unregistered.request, Ok(())) {
                    self.advance_stop(out);
                } else if unregistered.request == 0 {
                    // E.g. another callee registered it with `force_reregister`.
                    let id = unregistered.details.get("registration").and_then(Value::as_u64);
                    let procedure = id.and_then(|id| self.registrations.revoked(id));
                    self.revoked("registration", id, procedure, &unregistered.details);
                }
            }
            Message::Event(event) => self.on_event(event),
            Message::Invocation(invocation) => self.on_invocation(invocation, out),
            Message::Interrupt(interrupt) => {
                if let Some(token) = self.invocations.get(&interrupt.request) {
                    token.cancel();
                }
            }
            Message::Goodbye(goodbye) => {
                if matches!(self.phase, Phase::Leaving { .. }) {
                    return Err(End::Left);
                }
                let answer = Goodbye {
                    details: Dict::new(),
                    reason: reserved::GOODBYE_AND_OUT.into(),
                };
                self.send(answer.into(), out);
                return Err(End::ClosedByRouter(describe_close(&goodbye.reason, &goodbye.details)));
            }
            Message::Abort(abort) => return Err(End::ClosedByRouter(describe_close(&abort.reason, &abort.details))),
            other => {
                return Err(End::Violation(format!(
                    "a router does not send {} to an established session",
                    other.message_type()
                )));
            }
        }
        Ok(())
    }

    fn acknowledged(&mut self, acknowledged: Option<(Answered, Option<Message>)>, out: &mut Out) {
        let Some((answered, removal)) = acknowledged else {
            return;
        };
        if let Some(removal) = removal {
            self.send(removal, out);
        }
        if answered == Answered::Replay {
            self.restored_one();
        }
    }

    fn revoked(&self, what: &str, id: Option<Id>, uri: Option<String>, details: &Dict) {
        let reason = details
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or("no reason given")
            .to_owned();
        tracing::error!(id = ?id, uri = ?uri, reason = %reason,
            "the router revoked a {what}; it will not be restored");
        if let Some(uri) = uri {
            let _ = self.events.send(ClientEvent::Revoked { uri, reason });
        }
    }

    fn on_error(&mut self, error: ErrorMessage, out: &mut Out) {
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
            MessageType::Subscribe => {
                let uri = error.error.clone();
                match self.subscriptions.refused(request, failure(error)) {
                    Some(Refused::First) => Some(()),
                    Some(Refused::Replay(item)) => {
                        let topic = item.uri.clone();
                        self.restore_failed(&topic, &uri);
                        self.restored_one();
                        Some(())
                    }
                    None => None,
                }
            }
            MessageType::Register => {
                let uri = error.error.clone();
                match self.registrations.refused(request, failure(error)) {
                    Some(Refused::First) => Some(()),
                    Some(Refused::Replay(item)) => {
                        if uri == reserved::PROCEDURE_ALREADY_EXISTS && !item.local.single {
                            tracing::error!(procedure = %item.uri,
                                "cannot re-register a shared procedure: the router still holds it \
                                 with another invocation policy or a stale session");
                        }
                        let procedure = item.uri.clone();
                        self.restore_failed(&procedure, &uri);
                        self.restored_one();
                        Some(())
                    }
                    None => None,
                }
            }
            MessageType::Unsubscribe => self.subscriptions.removed(request, Err(failure(error))).then_some(()),
            MessageType::Unregister => {
                let removed = self.registrations.removed(request, Err(failure(error)));
                self.advance_stop(out);
                removed.then_some(())
            }
            _ => None,
        };
        if delivered.is_none() {
            tracing::debug!(request, "ignoring ERROR for a request nobody waits for");
        }
    }

    /// A replay was refused: it is kept for the next reconnect, and said now.
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

    /// One replay answered; the last one completes the join.
    fn restored_one(&mut self) {
        if self.phase == Phase::Restoring && !self.registrations.restoring() && !self.subscriptions.restoring() {
            self.phase = Phase::Joined;
            self.announce_joined();
        }
    }

    fn announce_joined(&self) {
        let details = self.details.clone();
        tracing::info!(session = details.session_id, realm = %details.realm, "joined");
        self.state.send_replace(SessionState::Joined(details.clone()));
        let _ = self.events.send(ClientEvent::Joined(details));
    }

    /// The queue and task of a new local subscriber.
    fn start_subscriber(&mut self, handler: Arc<dyn EventHandler>, out: &mut Out) -> Subscriber {
        let (sender, events) = mpsc::channel(self.event_queue);
        out.tasks.push(Task::Subscriber { handler, events });
        Subscriber {
            sender,
            dropped: 0,
            overflowing: false,
        }
    }

    /// Queues the event to every local subscriber of its subscription. A
    /// subscriber whose queue is full loses it (see [`Subscriber`]).
    fn on_event(&mut self, event: wamp_protocol::Event) {
        let Some(topic) = self.subscriptions.uri_of(event.subscription) else {
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
        let ctx = EventContext::new(client, event.subscription, event.publication, topic, event.details);
        let capacity = self.event_queue;
        let mut payload = Some(event.payload);
        self.subscriptions.for_each_local(event.subscription, |item, last| {
            let queue = &mut item.local;
            // Clone only for all but the last handler.
            let payload = if last {
                payload.take().unwrap_or_default()
            } else {
                payload.clone().unwrap_or_default()
            };
            match queue.sender.try_send((ctx.for_subscriber(queue.dropped), payload)) {
                Ok(()) => {
                    if std::mem::take(&mut queue.overflowing) {
                        tracing::info!(topic = %item.uri, dropped = queue.dropped,
                            "a slow subscriber's queue has room again");
                    }
                }
                Err(mpsc::error::TrySendError::Full(_)) => {
                    queue.dropped += 1;
                    if !std::mem::replace(&mut queue.overflowing, true) {
                        tracing::warn!(topic = %item.uri, capacity, dropped = queue.dropped,
                            "a subscriber is too slow: its event queue is full, \
                            dropping events until it catches up (see event_queue)");
                    }
                }
                // The task ended (aborted on close): nobody to deliver to.
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        });
    }

    fn on_invocation(&mut self, invocation: wamp_protocol::Invocation, out: &mut Out) {
        let request = invocation.request;
        let Some(procedure) = self.registrations.by_router_id(invocation.registration) else {
            let error = ErrorMessage {
                request_type: MessageType::Invocation,
                request,
                details: Dict::new(),
                error: ApplicationError::NO_SUCH_REGISTRATION.into(),
                payload: Payload::default(),
            };
            return self.send(error.into(), out);
        };
        let HeldLimit { limit, option } = procedure.local.held;
        if procedure.local.in_flight.load(Ordering::Relaxed) >= limit {
            // Refused at once: a caller learns now, instead of after a backlog
            // that may outlast its timeout, and memory stays bounded.
            tracing::warn!(procedure = %procedure.uri, limit, option,
                "refusing an invocation: the procedure already holds as many invocations as it may");
            let error = ApplicationError::with_message(
                ApplicationError::UNAVAILABLE,
                format!(
                    "procedure {} is busy: {limit} invocations are already in flight at its callee \
                     ({option}); try again later",
                    procedure.uri
                ),
            );
            return self.send(invocation_error(request, error), out);
        }
        let Some(client) = self.client() else {
            return;
        };
        let token = CancellationToken::new();
        let ctx = CallContext::new(
            client,
            self.epoch,
            request,
            &procedure.uri,
            invocation.details,
            token.clone(),
        );
        out.tasks.push(Task::Invocation(Invocation {
            handler: procedure.local.handler.clone(),
            ctx,
            payload: invocation.payload,
            epoch: self.epoch,
            request,
            in_flight: InFlight::enter(&procedure.local.in_flight),
        }));
        self.invocations.insert(request, token);
    }

    /// The link ended: every waiting request fails, invocations in flight
    /// are interrupted (their answers have nowhere to go), observers learn
    /// why. Queues the ABORT that tells a router it broke the protocol.
    pub(crate) fn link_ended(&mut self, end: &End, out: &mut Out) -> AfterLoss {
        let reason = match end {
            End::Left => "the session was closed".to_owned(),
            End::Stopped => "the client was stopped while reconnecting".to_owned(),
            End::ClosedByRouter(reason) => format!("the router closed the session ({reason})"),
            End::Lost(reason) => reason.clone(),
            End::Violation(reason) => {
                tracing::error!(violation = %reason, "protocol violation by the router, closing the session");
                let mut details = Dict::new();
                details.insert("message".into(), Value::String(reason.clone()));
                let abort = wamp_protocol::Abort {
                    details,
                    reason: reserved::PROTOCOL_VIOLATION.into(),
                };
                self.send(abort.into(), out);
                format!("protocol violation by the router: {reason}")
            }
        };
        match end {
            End::Left => tracing::info!("left the session"),
            End::Stopped => {}
            _ => tracing::warn!(reason = %reason, "session ended"),
        }
        if *end != End::Stopped {
            let lost = || CallError::ConnectionLost(reason.clone());
            for (_, call) in self.calls.drain() {
                let _ = call.reply.send(Err(lost()));
            }
            for (_, reply) in self.publishes.drain() {
                let _ = reply.send(Err(lost()));
            }
            self.registrations.link_lost(lost);
            self.subscriptions.link_lost(lost);
            for (_, token) in self.invocations.drain() {
                token.cancel();
            }
            let _ = self.events.send(ClientEvent::Left { reason: reason.clone() });
        }
        let serving = matches!(self.phase, Phase::Joined | Phase::Restoring);
        self.phase = Phase::Offline { attempt: 0 };
        match end {
            End::Left | End::Stopped => AfterLoss::Close { reason, clean: true },
            _ if !serving || !self.closers.is_empty() => AfterLoss::Close { reason, clean: false },
            _ => AfterLoss::Reconnect(reason),
        }
    }

    /// Reconnect attempt `attempt` is due after `delay`.
    pub(crate) fn reconnecting(&mut self, attempt: u32, delay: Duration, reason: &str) {
        self.phase = Phase::Offline { attempt };
        self.state.send_replace(SessionState::Reconnecting {
            attempt,
            reason: reason.to_owned(),
        });
        let _ = self.events.send(ClientEvent::Reconnecting { attempt, delay });
    }

    /// Joined again on a new link: queues the REGISTERs and SUBSCRIBEs that
    /// restore every registration and subscription; the last answer
    /// announces the join.
    pub(crate) fn rejoined(&mut self, serializer: Arc<dyn Serializer>, details: Arc<SessionDetails>, out: &mut Out) {
        self.epoch += 1;
        // Handles encode for the new link's serializer from now on.
        if let Some(client) = self.client() {
            client.set_serializer(serializer.clone());
        }
        self.serializer = serializer;
        self.details = details;
        tracing::info!(
            procedures = self.registrations.len(),
            subscriptions = self.subscriptions.len(),
            "rejoined; restoring registrations and subscriptions"
        );
        let replays = [
            self.registrations.replay(&self.ids),
            self.subscriptions.replay(&self.ids),
        ];
        for message in replays.into_iter().flatten() {
            self.send(message, out);
        }
        self.phase = Phase::Restoring;
        self.restored_one();
    }

    /// Closes for good: every registration and subscription ends.
    pub(crate) fn close(&mut self) {
        self.phase = Phase::Closed;
        self.registrations.close();
        self.subscriptions.close();
    }

    /// Tells observers and whoever waits for the close (once the driver has
    /// stopped the handler tasks).
    pub(crate) fn closed(&mut self, reason: String, clean: bool) {
        tracing::info!(reason = %reason, "client closed");
        self.state.send_replace(SessionState::Closed(reason.clone()));
        let _ = self.events.send(ClientEvent::Closed { reason: reason.clone() });
        for closer in self.closers.drain(..) {
            match closer {
                Closer::Leave(reply) => {
                    let _ = reply.send(if clean {
                        Ok(())
                    } else {
                        Err(Error::ConnectionLost(reason.clone()))
                    });
                }
                Closer::Stop(reply) => {
                    let _ = reply.send(Ok(()));
                }
            }
        }
    }

    #[cfg(test)]
    pub(super) fn phase_name(&self) -> &'static str {
        match self.phase {
            Phase::Joined => "joined",
            Phase::Restoring => "restoring",
            Phase::Stopping {
                step: StopStep::Unregistering,
                ..
            } => "stopping: unregistering",
            Phase::Stopping {
                step: StopStep::Draining,
                ..
            } => "stopping: draining",
            Phase::Stopping {
                step: StopStep::Interrupted,
                ..
            } => "stopping: interrupted",
            Phase::Leaving { .. } => "leaving",
            Phase::Offline { .. } => "offline",
            Phase::Closed => "closed",
        }
    }
}

fn describe_close(reason: &str, details: &Dict) -> String {
    match details.get("message").and_then(Value::as_str) {
        Some(message) => format!("{reason}: {message}"),
        None => reason.to_owned(),
    }
}
