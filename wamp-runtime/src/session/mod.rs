//! The session task: the one task that owns a connection.
//!
//! [`Client`](crate::Client) handles talk to it over a channel of
//! [`Command`]s; it writes their frames, keeps every request that waits for
//! an answer keyed by its request id, routes what the router sends back, and
//! starts handler tasks for invocations and events. It never runs user code
//! itself. When the connection ends, for whatever reason, every waiting
//! request fails at once with [`CallError::ConnectionLost`].
//!
//! Life cycle, top to bottom: [`join`] (HELLO → WELCOME) happens before the
//! task starts; [`Session::run`] is the established state; `finish` is the
//! closed state.

mod details;
mod join;

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;
use wamp_core::{Dict, ErrorMessage, Goodbye, Id, Message, MessageType, Payload, Serializer, Value, Yield};

pub use details::{SessionDetails, SessionState};
pub(crate) use join::join;

use crate::Client;
use crate::client::{CallOutput, ClientInner};
use crate::config::ClientConfig;
use crate::error::{ApplicationError, CallError, Error};
use crate::handler::{CallContext, EventContext, EventHandler, ProcedureHandler};
use crate::transport::{Connection, FrameSink, FrameStream, Incoming, Outgoing};

/// How long `leave` waits for the router's GOODBYE before closing anyway.
const GOODBYE_TIMEOUT: Duration = Duration::from_secs(5);

type Reply<T> = oneshot::Sender<Result<T, CallError>>;

/// A request from a [`Client`] handle (or a handler task) to the session.
///
/// Frames are encoded by the sender, so serialization work is spread over
/// the callers' tasks instead of piling up in the session task.
pub(crate) enum Command {
    Call {
        request: Id,
        frame: Vec<u8>,
        reply: Reply<CallOutput>,
        progress: Option<mpsc::UnboundedSender<Payload>>,
    },
    /// Sent when a call times out or its future is dropped.
    Cancel {
        request: Id,
        frame: Vec<u8>,
    },
    Publish {
        request: Id,
        frame: Vec<u8>,
        /// `Some` when the publication is acknowledged.
        reply: Option<Reply<Id>>,
    },
    Subscribe {
        request: Id,
        frame: Vec<u8>,
        topic: String,
        handler: Arc<dyn EventHandler>,
        reply: Reply<(Id, u64)>,
    },
    Unsubscribe {
        subscription: Id,
        handler: u64,
        reply: Reply<()>,
    },
    Register {
        request: Id,
        frame: Vec<u8>,
        procedure: String,
        handler: Arc<dyn ProcedureHandler>,
        reply: Reply<Id>,
    },
    Unregister {
        registration: Id,
        reply: Reply<()>,
    },
    /// A progressive YIELD of an invocation still in flight.
    Progress {
        request: Id,
        frame: Vec<u8>,
    },
    /// The final YIELD or ERROR of an invocation.
    InvocationDone {
        request: Id,
        frame: Vec<u8>,
    },
    Leave {
        reason: String,
        reply: oneshot::Sender<Result<(), Error>>,
    },
    /// Lists the ids of the active registrations.
    Registrations {
        reply: oneshot::Sender<Vec<Id>>,
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

struct PendingSubscribe {
    topic: String,
    handler: Arc<dyn EventHandler>,
    reply: Reply<(Id, u64)>,
}

struct PendingRegister {
    procedure: String,
    handler: Arc<dyn ProcedureHandler>,
    reply: Reply<Id>,
}

struct Registration {
    procedure: String,
    handler: Arc<dyn ProcedureHandler>,
}

/// One local handler of a subscription: events are queued to a task that
/// runs the handler on them one at a time, in order.
struct LocalSubscriber {
    id: u64,
    queue: mpsc::UnboundedSender<(EventContext, Payload)>,
}

struct Subscription {
    topic: String,
    subscribers: Vec<LocalSubscriber>,
}

/// Why the established state ended.
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

pub(crate) struct Session {
    client: Weak<ClientInner>,
    serializer: Arc<dyn Serializer>,
    sink: FrameSink,
    stream: FrameStream,
    commands: mpsc::Receiver<Command>,
    state: watch::Sender<SessionState>,

    calls: HashMap<Id, PendingCall>,
    publishes: HashMap<Id, Reply<Id>>,
    subscribes: HashMap<Id, PendingSubscribe>,
    unsubscribes: HashMap<Id, Reply<()>>,
    registers: HashMap<Id, PendingRegister>,
    unregisters: HashMap<Id, Reply<()>>,

    registrations: HashMap<Id, Registration>,
    subscriptions: HashMap<Id, Subscription>,
    invocations: HashMap<Id, CancellationToken>,
    /// Waiting for `invocations` to become empty.
    drained: Vec<oneshot::Sender<()>>,
    next_subscriber_id: u64,

    leaving: Option<oneshot::Sender<Result<(), Error>>>,
    goodbye_deadline: Option<Pin<Box<tokio::time::Sleep>>>,

    /// Ticks every `ping_interval` when keepalive pings are on.
    keepalive: Option<tokio::time::Interval>,
    ping_timeout: Duration,
    /// Set while a ping waits for any sign of life from the router.
    pong_deadline: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Session {
    pub(crate) fn new(
        client: Weak<ClientInner>,
        serializer: Arc<dyn Serializer>,
        connection: Connection,
        commands: mpsc::Receiver<Command>,
        state: watch::Sender<SessionState>,
        config: &ClientConfig,
    ) -> Self {
        // Only over transports whose routers understand pings (see `Connection::pings`).
        let keepalive = config
            .ping_interval
            .filter(|i| !i.is_zero() && connection.pings)
            .map(|interval| {
                let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
                ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                ticker
            });
        Self {
            client,
            serializer,
            sink: connection.sink,
            stream: connection.stream,
            commands,
            state,
            calls: HashMap::new(),
            publishes: HashMap::new(),
            subscribes: HashMap::new(),
            unsubscribes: HashMap::new(),
            registers: HashMap::new(),
            unregisters: HashMap::new(),
            registrations: HashMap::new(),
            subscriptions: HashMap::new(),
            invocations: HashMap::new(),
            drained: Vec::new(),
            next_subscriber_id: 1,
            leaving: None,
            goodbye_deadline: None,
            keepalive,
            ping_timeout: config.ping_timeout,
            pong_deadline: None,
        }
    }

    /// The established state: runs until the session ends, then fails
    /// whatever is still waiting.
    pub(crate) async fn run(mut self) {
        let end = loop {
            let step = tokio::select! {
                incoming = self.stream.next() => match incoming {
                    Some(Ok(incoming)) => {
                        // Any traffic proves the link is alive.
                        self.pong_deadline = None;
                        match incoming {
                            Incoming::Frame(frame) => match self.serializer.decode(&frame) {
                                Ok(message) => self.on_message(message).await,
                                Err(e) => Err(End::Violation(format!("undecodable message: {e}"))),
                            },
                            Incoming::Pong => Ok(()),
                        }
                    }
                    Some(Err(e)) => Err(End::Lost(e.to_string())),
                    None => Err(End::Lost("the router closed the connection".into())),
                },
                command = self.commands.recv() => match command {
                    Some(command) => self.on_command(command).await,
                    // Every handle is gone: nobody can use this session any more.
                    None if self.leaving.is_none() => self.leave("wamp.close.close_realm").await,
                    None => Ok(()),
                },
                () = wait_for(&mut self.goodbye_deadline) => {
                    Err(End::Lost("the router did not answer GOODBYE in time".into()))
                }
                _ = tick(&mut self.keepalive), if self.pong_deadline.is_none() => {
                    self.send_ping().await
                }
                () = wait_for(&mut self.pong_deadline) => Err(End::Lost(format!(
                    "the router did not answer a ping within {:?}",
                    self.ping_timeout
                ))),
            };
            if let Err(end) = step {
                break end;
            }
        };
        self.finish(end).await;
    }

    async fn write(&mut self, frame: Vec<u8>) -> Result<(), End> {
        self.sink
            .send(Outgoing::Frame(frame))
            .await
            .map_err(|e| End::Lost(format!("cannot send: {e}")))
    }

    async fn send_ping(&mut self) -> Result<(), End> {
        self.pong_deadline = Some(Box::pin(tokio::time::sleep(self.ping_timeout)));
        self.sink
            .send(Outgoing::Ping)
            .await
            .map_err(|e| End::Lost(format!("cannot send a ping: {e}")))
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

    async fn leave(&mut self, reason: &str) -> Result<(), End> {
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

    async fn on_command(&mut self, command: Command) -> Result<(), End> {
        if self.leaving.is_some() || self.goodbye_deadline.is_some() {
            // Closing: refuse new work (the dropped reply tells the caller).
            if let Command::Leave { reply, .. } = command {
                let _ = reply.send(Err(Error::ConnectionLost("the session is already closing".into())));
            }
            return Ok(());
        }
        match command {
            Command::Call {
                request,
                frame,
                reply,
                progress,
            } => {
                self.calls.insert(request, PendingCall { reply, progress });
                self.write(frame).await
            }
            Command::Cancel { request, frame } => {
                // Only if the call is still waiting; its answer may have won the race.
                if self.calls.remove(&request).is_some() {
                    self.write(frame).await?;
                }
                Ok(())
            }
            Command::Publish { request, frame, reply } => {
                if let Some(reply) = reply {
                    self.publishes.insert(request, reply);
                }
                self.write(frame).await
            }
            Command::Subscribe {
                request,
                frame,
                topic,
                handler,
                reply,
            } => {
                self.subscribes
                    .insert(request, PendingSubscribe { topic, handler, reply });
                self.write(frame).await
            }
            Command::Unsubscribe {
                subscription,
                handler,
                reply,
            } => self.unsubscribe(subscription, handler, reply).await,
            Command::Register {
                request,
                frame,
                procedure,
                handler,
                reply,
            } => {
                self.registers.insert(
                    request,
                    PendingRegister {
                        procedure,
                        handler,
                        reply,
                    },
                );
                self.write(frame).await
            }
            Command::Unregister { registration, reply } => {
                if !self.registrations.contains_key(&registration) {
                    let _ = reply.send(Err(CallError::InvalidRequest(format!(
                        "registration {registration} is not active in this session"
                    ))));
                    return Ok(());
                }
                let request = self.next_request_id();
                self.unregisters.insert(request, reply);
                self.write_message(wamp_core::Unregister { request, registration }.into())
                    .await
            }
            Command::Progress { request, frame } => {
                if self.invocations.contains_key(&request) {
                    self.write(frame).await?;
                }
                Ok(())
            }
            Command::InvocationDone { request, frame } => {
                if self.invocations.remove(&request).is_some() {
                    if self.invocations.is_empty() {
                        for waiter in self.drained.drain(..) {
                            let _ = waiter.send(());
                        }
                    }
                    self.write(frame).await?;
                }
                Ok(())
            }
            Command::Registrations { reply } => {
                let _ = reply.send(self.registrations.keys().copied().collect());
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
                self.leave(&reason).await
            }
        }
    }

    async fn unsubscribe(&mut self, subscription: Id, handler: u64, reply: Reply<()>) -> Result<(), End> {
        let Some(entry) = self.subscriptions.get_mut(&subscription) else {
            let _ = reply.send(Err(CallError::InvalidRequest(format!(
                "subscription {subscription} is not active in this session"
            ))));
            return Ok(());
        };
        entry.subscribers.retain(|s| s.id != handler);
        if !entry.subscribers.is_empty() {
            // Other local handlers still listen: the router subscription stays.
            let _ = reply.send(Ok(()));
            return Ok(());
        }
        self.subscriptions.remove(&subscription);
        let request = self.next_request_id();
        self.unsubscribes.insert(request, reply);
        self.write_message(wamp_core::Unsubscribe { request, subscription }.into())
            .await
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

    async fn on_message(&mut self, message: Message) -> Result<(), End> {
        match message {
            Message::Result(result) => {
                let progress = result.details.get("progress").and_then(Value::as_bool) == Some(true);
                if progress {
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
            Message::Error(error) => {
                self.on_error(error);
                Ok(())
            }
            Message::Published(published) => {
                if let Some(reply) = self.publishes.remove(&published.request) {
                    let _ = reply.send(Ok(published.publication));
                }
                Ok(())
            }
            Message::Subscribed(subscribed) => {
                if let Some(pending) = self.subscribes.remove(&subscribed.request) {
                    let id = self.add_subscriber(subscribed.subscription, pending.topic, pending.handler);
                    let _ = pending.reply.send(Ok((subscribed.subscription, id)));
                }
                Ok(())
            }
            Message::Unsubscribed(unsubscribed) => {
                if let Some(reply) = self.unsubscribes.remove(&unsubscribed.request) {
                    let _ = reply.send(Ok(()));
                } else if unsubscribed.request == 0 {
                    let id = unsubscribed.details.get("subscription").and_then(Value::as_u64);
                    let topic = id.and_then(|id| self.subscriptions.remove(&id)).map(|s| s.topic);
                    tracing::warn!(subscription = ?id, topic = ?topic, reason = ?unsubscribed.details.get("reason"),
                        "the router revoked a subscription");
                }
                Ok(())
            }
            Message::Event(event) => {
                self.on_event(event);
                Ok(())
            }
            Message::Registered(registered) => {
                if let Some(pending) = self.registers.remove(&registered.request) {
                    self.registrations.insert(
                        registered.registration,
                        Registration {
                            procedure: pending.procedure,
                            handler: pending.handler,
                        },
                    );
                    let _ = pending.reply.send(Ok(registered.registration));
                }
                Ok(())
            }
            Message::Unregistered(unregistered) => {
                if let Some(reply) = self.unregisters.remove(&unregistered.request) {
                    let _ = reply.send(Ok(()));
                } else if unregistered.request == 0 {
                    let id = unregistered.details.get("registration").and_then(Value::as_u64);
                    let procedure = id.and_then(|id| self.registrations.remove(&id)).map(|r| r.procedure);
                    tracing::warn!(registration = ?id, procedure = ?procedure, reason = ?unregistered.details.get("reason"),
                        "the router revoked a registration");
                }
                Ok(())
            }
            Message::Invocation(invocation) => self.on_invocation(invocation).await,
            Message::Interrupt(interrupt) => {
                if let Some(token) = self.invocations.get(&interrupt.request) {
                    token.cancel();
                }
                Ok(())
            }
            Message::Goodbye(goodbye) => {
                if self.leaving.is_some() || self.goodbye_deadline.is_some() {
                    return Err(End::Left);
                }
                self.write_message(
                    Goodbye {
                        details: Dict::new(),
                        reason: "wamp.close.goodbye_and_out".into(),
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

    fn on_error(&mut self, error: ErrorMessage) {
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
            MessageType::Subscribe => self.subscribes.remove(&request).map(|p| {
                let _ = p.reply.send(Err(failure(error)));
            }),
            MessageType::Unsubscribe => self.unsubscribes.remove(&request).map(|r| {
                let _ = r.send(Err(failure(error)));
            }),
            MessageType::Register => self.registers.remove(&request).map(|p| {
                let _ = p.reply.send(Err(failure(error)));
            }),
            MessageType::Unregister => self.unregisters.remove(&request).map(|r| {
                let _ = r.send(Err(failure(error)));
            }),
            _ => None,
        };
        if delivered.is_none() {
            tracing::debug!(request, "ignoring ERROR for a request nobody waits for");
        }
    }

    fn add_subscriber(&mut self, subscription: Id, topic: String, handler: Arc<dyn EventHandler>) -> u64 {
        let id = self.next_subscriber_id;
        self.next_subscriber_id += 1;
        let (queue, mut events) = mpsc::unbounded_channel::<(EventContext, Payload)>();
        let topic_for_log = topic.clone();
        tokio::spawn(async move {
            while let Some((ctx, payload)) = events.recv().await {
                let outcome = AssertUnwindSafe(async { handler.handle(ctx, payload).await })
                    .catch_unwind()
                    .await;
                if outcome.is_err() {
                    tracing::error!(topic = %topic_for_log, "an event handler panicked");
                }
            }
        });
        self.subscriptions
            .entry(subscription)
            .or_insert_with(|| Subscription {
                topic,
                subscribers: Vec::new(),
            })
            .subscribers
            .push(LocalSubscriber { id, queue });
        id
    }

    fn on_event(&mut self, event: wamp_core::Event) {
        let Some(subscription) = self.subscriptions.get(&event.subscription) else {
            // Events may still arrive between UNSUBSCRIBE and UNSUBSCRIBED.
            tracing::debug!(
                subscription = event.subscription,
                "ignoring EVENT for an inactive subscription"
            );
            return;
        };
        let Some(client) = self.client.upgrade().map(Client::from_inner) else {
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
        let count = subscription.subscribers.len();
        for (index, subscriber) in subscription.subscribers.iter().enumerate() {
            // Clone only for all but the last handler.
            let payload = if index + 1 == count {
                payload.take().unwrap_or_default()
            } else {
                payload.clone().unwrap_or_default()
            };
            let _ = subscriber.queue.send((ctx.clone(), payload));
        }
    }

    async fn on_invocation(&mut self, invocation: wamp_core::Invocation) -> Result<(), End> {
        let request = invocation.request;
        let Some(registration) = self.registrations.get(&invocation.registration) else {
            return self
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
        let Some(client) = self.client() else {
            return Ok(());
        };
        let token = CancellationToken::new();
        self.invocations.insert(request, token.clone());
        let ctx = CallContext::new(
            client.clone(),
            request,
            &registration.procedure,
            invocation.details,
            token,
        );
        let handler = registration.handler.clone();
        let procedure = ctx.procedure().to_owned();
        tokio::spawn(async move {
            let outcome = AssertUnwindSafe(async { handler.invoke(ctx, invocation.payload).await })
                .catch_unwind()
                .await;
            let result = match outcome {
                Ok(result) => result,
                Err(_) => {
                    tracing::error!(procedure = %procedure, "a procedure handler panicked");
                    Err(ApplicationError::with_message(
                        ApplicationError::RUNTIME_ERROR,
                        "the procedure failed with an internal error",
                    ))
                }
            };
            let frame = encode_invocation_outcome(&client, request, result);
            let _ = client.send_command(Command::InvocationDone { request, frame }).await;
        });
        Ok(())
    }

    /// The closed state: every waiting request fails, handlers are told to
    /// stop, observers learn why the session ended.
    async fn finish(mut self, end: End) {
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
                    reason: "wamp.error.protocol_violation".into(),
                };
                let _ = self.write_message(abort.into()).await;
                format!("protocol violation by the router: {reason}")
            }
        };
        let _ = self.sink.close().await;
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
            let _ = pending.reply.send(Err(lost()));
        }
        for (_, reply) in self.unsubscribes.drain() {
            let _ = reply.send(Err(lost()));
        }
        for (_, pending) in self.registers.drain() {
            let _ = pending.reply.send(Err(lost()));
        }
        for (_, reply) in self.unregisters.drain() {
            let _ = reply.send(Err(lost()));
        }
        for (_, token) in self.invocations.drain() {
            token.cancel();
        }
        self.subscriptions.clear();
        self.registrations.clear();
        if let Some(reply) = self.leaving.take() {
            let _ = reply.send(match end {
                End::Left => Ok(()),
                _ => Err(Error::ConnectionLost(reason.clone())),
            });
        }
        self.state.send_replace(SessionState::Closed(reason));
        // Commands still queued are dropped with their reply senders, which
        // their callers see as a lost connection.
        self.commands.close();
    }
}

/// Waits for the GOODBYE deadline when one is set; never completes otherwise.
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
fn encode_invocation_outcome(client: &Client, request: Id, result: Result<Payload, ApplicationError>) -> Vec<u8> {
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
            client.encode(&fallback).unwrap_or_default()
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
