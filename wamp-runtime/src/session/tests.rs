//! The protocol state machine, without a router and without a socket: each
//! test feeds [`Protocol`] commands and router messages (written as WAMP
//! JSON) and checks what it asks to write, what the handles hear, and which
//! phase it is in.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value as Json, json};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use wamp_protocol::{Dict, Id, JsonSerializer, Message, MessageType, Payload, SerializerKind, Value};

use super::command::{Command, EncodedMessage, Handle};
use super::protocol::{AfterLoss, End, Out, Protocol};
use super::tasks::Task;
use super::{ClientEvent, SessionState};
use crate::client::{CallOutput, SessionEnds};
use crate::config::ClientConfig;
use crate::connect::SessionDetails;
use crate::error::{ApplicationError, CallError, Error};
use crate::handler::{EventContext, IntoProcedureHandler};
use crate::{CallContext, Client};

const REGISTER: u64 = MessageType::Register as u64;
const UNREGISTER: u64 = MessageType::Unregister as u64;
const SUBSCRIBE: u64 = MessageType::Subscribe as u64;
const UNSUBSCRIBE: u64 = MessageType::Unsubscribe as u64;
const GOODBYE: u64 = MessageType::Goodbye as u64;
const ERROR: u64 = MessageType::Error as u64;
const ABORT: u64 = MessageType::Abort as u64;
const YIELD: u64 = MessageType::Yield as u64;

type Answer<T> = oneshot::Receiver<Result<T, CallError>>;
type Events = mpsc::Receiver<(EventContext, Payload)>;

/// Plays the session task's part around a [`Protocol`].
struct Harness {
    protocol: Protocol,
    client: Client,
    ends: SessionEnds,
    events: broadcast::Receiver<ClientEvent>,
    state: watch::Receiver<SessionState>,
    out: Out,
}

fn details(session_id: Id) -> Arc<SessionDetails> {
    Arc::new(SessionDetails::from_welcome(session_id, "realm1".into(), Dict::new()))
}

fn harness() -> Harness {
    harness_with(|_| {})
}

fn harness_with(configure: impl FnOnce(&mut ClientConfig)) -> Harness {
    let mut config = ClientConfig::new("ws://127.0.0.1:1/ws", "realm1").unwrap();
    configure(&mut config);
    let (client, ends) = Client::detached();
    let events = ends.events.subscribe();
    let state = ends.state.subscribe();
    let protocol = Protocol::new(
        ends.client.clone(),
        ends.request_ids.clone(),
        &config,
        ends.state.clone(),
        ends.events.clone(),
        Arc::new(JsonSerializer),
        details(7),
    );
    Harness {
        protocol,
        client,
        ends,
        events,
        state,
        out: Out::default(),
    }
}

/// A procedure that answers with what it was called with.
fn echo() -> Arc<dyn crate::handler::ProcedureHandler> {
    (|_ctx: CallContext, payload: Payload| Ok::<_, ApplicationError>(payload)).into_procedure_handler()
}

/// A procedure that waits until its call is cancelled, then fails.
fn until_cancelled() -> Arc<dyn crate::handler::ProcedureHandler> {
    (|ctx: CallContext, _payload: Payload| async move {
        ctx.cancellation_token().cancelled().await;
        Err::<Payload, _>(ApplicationError::new(ApplicationError::CANCELED))
    })
    .into_procedure_handler()
}

fn event_handler() -> Arc<dyn crate::handler::EventHandler> {
    use crate::handler::IntoEventHandler;
    (|_ctx: EventContext, _payload: Payload| {}).into_event_handler()
}

impl Harness {
    fn command(&mut self, command: Command) -> Result<(), End> {
        self.protocol.on_command(command, &mut self.out)
    }

    /// A message from the router, as WAMP JSON.
    fn router(&mut self, json: &str) -> Result<(), End> {
        self.protocol.on_frame(json.as_bytes(), &mut self.out)
    }

    /// What the protocol asked to write since the last look, as JSON.
    fn sent(&mut self) -> Vec<Json> {
        self.out
            .frames
            .drain(..)
            .map(|frame| serde_json::from_slice(&frame).expect("frames are JSON"))
            .collect()
    }

    fn sent_one(&mut self) -> Json {
        let mut sent = self.sent();
        assert_eq!(sent.len(), 1, "expected one frame, got {sent:?}");
        sent.remove(0)
    }

    fn tasks(&mut self) -> Vec<Task> {
        self.out.tasks.drain(..).collect()
    }

    fn encoded(&self, message: Message) -> EncodedMessage {
        self.client.encode(&message).unwrap()
    }

    fn next_id(&self) -> Id {
        self.ends.request_ids.next()
    }

    fn call(&mut self, procedure: &str) -> (Id, Answer<CallOutput>) {
        self.call_with_progress(procedure, None)
    }

    fn call_with_progress(
        &mut self,
        procedure: &str,
        progress: Option<mpsc::UnboundedSender<Payload>>,
    ) -> (Id, Answer<CallOutput>) {
        let request = self.next_id();
        let frame = self.encoded(
            wamp_protocol::Call {
                request,
                options: Dict::new(),
                procedure: procedure.into(),
                payload: Payload::default(),
            }
            .into(),
        );
        let (reply, answer) = oneshot::channel();
        self.command(Command::Call {
            request,
            frame,
            reply,
            progress,
        })
        .unwrap();
        (request, answer)
    }

    fn publish(&mut self, acknowledged: bool) -> (Id, Option<Answer<Id>>) {
        let request = self.next_id();
        let frame = self.encoded(
            wamp_protocol::Publish {
                request,
                options: Dict::new(),
                topic: "com.example.topic".into(),
                payload: Payload::default(),
            }
            .into(),
        );
        let (reply, answer) = oneshot::channel();
        self.command(Command::Publish {
            request,
            frame,
            reply: acknowledged.then_some(reply),
        })
        .unwrap();
        (request, acknowledged.then_some(answer))
    }

    /// Sends a REGISTER; returns its request id and the caller's answer.
    fn register_with(
        &mut self,
        procedure: &str,
        single: bool,
        handler: Arc<dyn crate::handler::ProcedureHandler>,
    ) -> (Id, Answer<Handle>) {
        let (reply, answer) = oneshot::channel();
        self.command(Command::Register {
            procedure: procedure.into(),
            options: Dict::new(),
            single,
            queue_limit: None,
            handler,
            reply,
        })
        .unwrap();
        let register = self.sent_one();
        assert_eq!(register[0], REGISTER);
        assert_eq!(register[3], procedure);
        (register[1].as_u64().unwrap(), answer)
    }

    /// Registers `procedure` and has the router acknowledge it as `registration`.
    fn registered(&mut self, procedure: &str, registration: Id) -> Handle {
        self.registered_with(procedure, registration, echo())
    }

    fn registered_with(
        &mut self,
        procedure: &str,
        registration: Id,
        handler: Arc<dyn crate::handler::ProcedureHandler>,
    ) -> Handle {
        let (request, mut answer) = self.register_with(procedure, false, handler);
        self.router(&format!("[65, {request}, {registration}]")).unwrap();
        answer.try_recv().unwrap().unwrap()
    }

    /// Sends a SUBSCRIBE; returns its request id, the caller's answer and
    /// the queue of the subscriber's task.
    fn subscribe(&mut self, topic: &str) -> (Id, Answer<Handle>, Events) {
        let (reply, answer) = oneshot::channel();
        self.command(Command::Subscribe {
            topic: topic.into(),
            options: Dict::new(),
            handler: event_handler(),
            reply,
        })
        .unwrap();
        let subscribe = self.sent_one();
        assert_eq!(subscribe[0], SUBSCRIBE);
        let events = match self.tasks().pop() {
            Some(Task::Subscriber { events, .. }) => events,
            _ => panic!("a subscribe starts the subscriber's task"),
        };
        (subscribe[1].as_u64().unwrap(), answer, events)
    }

    fn subscribed(&mut self, topic: &str, subscription: Id) -> (Handle, Events) {
        let (request, mut answer, events) = self.subscribe(topic);
        self.router(&format!("[33, {request}, {subscription}]")).unwrap();
        (answer.try_recv().unwrap().unwrap(), events)
    }

    /// An INVOCATION of `registration`; returns the task it starts.
    fn invoke(&mut self, request: Id, registration: Id) -> super::tasks::Invocation {
        self.router(&format!(r#"[68, {request}, {registration}, {{}}, ["x"]]"#))
            .unwrap();
        match self.tasks().pop() {
            Some(Task::Invocation(invocation)) => invocation,
            _ => panic!("an invocation starts a task"),
        }
    }

    fn unregister(&mut self, local: u64) -> Answer<()> {
        let (reply, answer) = oneshot::channel();
        self.command(Command::Unregister { local, reply }).unwrap();
        answer
    }

    fn unsubscribe(&mut self, local: u64) -> Answer<()> {
        let (reply, answer) = oneshot::channel();
        self.command(Command::Unsubscribe { local, reply }).unwrap();
        answer
    }

    fn leave(&mut self) -> oneshot::Receiver<Result<(), Error>> {
        let (reply, answer) = oneshot::channel();
        self.command(Command::Leave {
            reason: "wamp.close.close_realm".into(),
            reply,
        })
        .unwrap();
        answer
    }

    fn stop(&mut self, timeout: Duration) -> oneshot::Receiver<Result<(), Error>> {
        let (reply, answer) = oneshot::channel();
        self.command(Command::Stop { timeout, reply }).unwrap();
        answer
    }

    fn lose_link(&mut self) -> AfterLoss {
        self.protocol
            .link_ended(&End::Lost("the router closed the connection".into()), &mut self.out)
    }

    fn rejoin(&mut self) {
        self.protocol
            .rejoined(Arc::new(JsonSerializer), details(8), &mut self.out);
    }

    fn events(&mut self) -> Vec<ClientEvent> {
        std::iter::from_fn(|| self.events.try_recv().ok()).collect()
    }

    fn phase(&self) -> &'static str {
        self.protocol.phase_name()
    }

    /// The command a handler task sent (its answer), fed back to the protocol.
    async fn answer_from_task(&mut self) {
        let command = self.ends.commands.recv().await.expect("the task answers");
        self.command(command).unwrap();
    }
}

fn lost_reason<T: std::fmt::Debug>(answer: &mut Answer<T>) -> String {
    match answer.try_recv().expect("answered") {
        Err(CallError::ConnectionLost(reason)) => reason,
        other => panic!("expected a lost connection, got {other:?}"),
    }
}

// ---- calls ----

#[test]
fn a_call_is_written_as_encoded_and_its_result_answers_the_caller() {
    let mut h = harness();
    let (request, mut answer) = h.call("com.example.add");
    assert_eq!(h.sent_one(), json!([48, request, {}, "com.example.add"]));
    h.router(&format!(r#"[50, {request}, {{"x": 1}}, [5], {{"unit": "m"}}]"#))
        .unwrap();
    let output = answer.try_recv().unwrap().unwrap();
    assert_eq!(output.args, vec![Value::from(5)]);
    assert_eq!(output.kwargs.get("unit"), Some(&Value::from("m")));
    assert_eq!(output.details.get("x"), Some(&Value::from(1)));
}

#[test]
fn a_call_error_reaches_the_caller_with_its_uri_and_arguments() {
    let mut h = harness();
    let (request, mut answer) = h.call("com.example.divide");
    h.sent();
    h.router(&format!(
        r#"[8, 48, {request}, {{}}, "com.example.error.division_by_zero", ["no"]]"#
    ))
    .unwrap();
    match answer.try_recv().unwrap() {
        Err(CallError::Application(error)) => {
            assert_eq!(error.uri(), "com.example.error.division_by_zero");
            assert_eq!(error.args, vec![Value::from("no")]);
        }
        other => panic!("expected an application error, got {other:?}"),
    }
}

#[test]
fn progressive_results_go_to_the_progress_queue_and_the_final_one_to_the_caller() {
    let mut h = harness();
    let (progress, mut progressed) = mpsc::unbounded_channel();
    let (request, mut answer) = h.call_with_progress("com.example.count", Some(progress));
    h.router(&format!(r#"[50, {request}, {{"progress": true}}, [1]]"#))
        .unwrap();
    h.router(&format!(r#"[50, {request}, {{"progress": true}}, [2]]"#))
        .unwrap();
    assert!(answer.try_recv().is_err(), "progress does not end the call");
    h.router(&format!("[50, {request}, {{}}, [3]]")).unwrap();
    assert_eq!(progressed.try_recv().unwrap().args, vec![Value::from(1)]);
    assert_eq!(progressed.try_recv().unwrap().args, vec![Value::from(2)]);
    assert_eq!(answer.try_recv().unwrap().unwrap().args, vec![Value::from(3)]);
}

#[test]
fn a_call_encoded_for_another_serializer_is_refused_unsent() {
    let mut h = harness();
    let (reply, mut answer) = oneshot::channel();
    let frame = EncodedMessage {
        kind: SerializerKind::MsgPack,
        bytes: vec![0x90],
    };
    h.command(Command::Call {
        request: 1,
        frame,
        reply,
        progress: None,
    })
    .unwrap();
    assert!(h.sent().is_empty());
    assert!(lost_reason(&mut answer).contains("changed serializer"));
}

#[test]
fn a_cancelled_call_writes_its_cancel_and_ignores_a_late_result() {
    let mut h = harness();
    let (request, mut answer) = h.call("com.example.slow");
    h.sent();
    let frame = h.encoded(
        wamp_protocol::Cancel {
            request,
            options: Dict::new(),
        }
        .into(),
    );
    h.command(Command::Cancel { request, frame }).unwrap();
    assert_eq!(h.sent_one(), json!([49, request, {}]));
    h.router(&format!("[50, {request}, {{}}, [1]]")).unwrap();
    // The reply was dropped with the call: the future that cancelled it is gone.
    assert!(matches!(answer.try_recv(), Err(oneshot::error::TryRecvError::Closed)));
}

#[test]
fn a_cancel_that_lost_the_race_to_the_result_writes_nothing() {
    let mut h = harness();
    let (request, mut answer) = h.call("com.example.fast");
    h.sent();
    h.router(&format!("[50, {request}, {{}}, [1]]")).unwrap();
    let frame = h.encoded(
        wamp_protocol::Cancel {
            request,
            options: Dict::new(),
        }
        .into(),
    );
    h.command(Command::Cancel { request, frame }).unwrap();
    assert!(h.sent().is_empty());
    assert!(answer.try_recv().unwrap().is_ok());
}

#[test]
fn calls_waiting_when_the_link_ends_fail_with_its_reason() {
    let mut h = harness();
    let (_, mut first) = h.call("com.example.a");
    let (_, mut second) = h.call("com.example.b");
    assert_eq!(
        h.lose_link(),
        AfterLoss::Reconnect("the router closed the connection".into())
    );
    assert_eq!(lost_reason(&mut first), "the router closed the connection");
    assert_eq!(lost_reason(&mut second), "the router closed the connection");
}

// ---- publications ----

#[test]
fn an_acknowledged_publication_gets_the_routers_publication_id() {
    let mut h = harness();
    let (request, answer) = h.publish(true);
    assert_eq!(h.sent_one()[0], 16);
    h.router(&format!("[17, {request}, 4242]")).unwrap();
    assert_eq!(answer.unwrap().try_recv().unwrap().unwrap(), 4242);
}

#[test]
fn an_unacknowledged_publication_is_written_and_forgotten() {
    let mut h = harness();
    let (request, _) = h.publish(false);
    assert_eq!(h.sent_one()[1], request);
    // A PUBLISHED nobody asked for changes nothing.
    h.router(&format!("[17, {request}, 1]")).unwrap();
    assert_eq!(h.phase(), "joined");
}

#[test]
fn a_refused_publication_fails_with_the_routers_error() {
    let mut h = harness();
    let (request, answer) = h.publish(true);
    h.router(&format!(r#"[8, 16, {request}, {{}}, "wamp.error.not_authorized"]"#))
        .unwrap();
    match answer.unwrap().try_recv().unwrap() {
        Err(CallError::Application(error)) => assert_eq!(error.uri(), "wamp.error.not_authorized"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn acknowledged_publications_waiting_when_the_link_ends_fail() {
    let mut h = harness();
    let (_, answer) = h.publish(true);
    h.lose_link();
    assert_eq!(lost_reason(&mut answer.unwrap()), "the router closed the connection");
}

// ---- registrations ----

#[test]
fn a_registration_answers_with_its_local_id_and_shares_the_routers_id() {
    let mut h = harness();
    let (local, current) = h.registered("com.example.add", 1001);
    assert_eq!(local, 1);
    assert_eq!(current.id(), 1001);
    assert!(current.is_active());
}

#[test]
fn a_refused_registration_fails_for_its_caller_and_is_not_restored() {
    let mut h = harness();
    let (request, mut answer) = h.register_with("com.example.add", false, echo());
    h.router(&format!(
        r#"[8, 64, {request}, {{}}, "wamp.error.procedure_already_exists"]"#
    ))
    .unwrap();
    match answer.try_recv().unwrap() {
        Err(CallError::Application(error)) => assert_eq!(error.uri(), "wamp.error.procedure_already_exists"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    h.lose_link();
    h.rejoin();
    assert!(h.sent().is_empty(), "a refused registration is not replayed");
}

#[test]
fn unregister_sends_unregister_and_answers_once_the_router_confirms() {
    let mut h = harness();
    let (local, current) = h.registered("com.example.add", 1001);
    let mut answer = h.unregister(local);
    let unregister = h.sent_one();
    assert_eq!(unregister[0], UNREGISTER);
    assert_eq!(unregister[2], 1001);
    assert!(!current.is_active(), "the handle ends at once");
    assert!(answer.try_recv().is_err(), "not before the router confirms");
    h.router(&format!("[67, {}]", unregister[1])).unwrap();
    assert!(answer.try_recv().unwrap().is_ok());
}

#[test]
fn unregistering_twice_is_an_invalid_request_naming_the_registration() {
    let mut h = harness();
    let (local, _) = h.registered("com.example.add", 1001);
    let _first = h.unregister(local);
    h.sent();
    match h.unregister(local).try_recv().unwrap() {
        Err(CallError::InvalidRequest(message)) => {
            assert_eq!(
                message,
                "registration 1 is not active (unregistered, or revoked by the router)"
            )
        }
        other => panic!("expected an invalid request, got {other:?}"),
    }
    assert!(h.sent().is_empty());
}

#[test]
fn a_refused_unregistration_fails_with_the_routers_error() {
    let mut h = harness();
    let (local, _) = h.registered("com.example.add", 1001);
    let mut answer = h.unregister(local);
    let request = h.sent_one()[1].clone();
    h.router(&format!(
        r#"[8, 66, {request}, {{}}, "wamp.error.no_such_registration"]"#
    ))
    .unwrap();
    assert!(matches!(answer.try_recv().unwrap(), Err(CallError::Application(_))));
}

#[test]
fn a_registration_waiting_when_the_link_ends_fails_and_is_not_restored() {
    let mut h = harness();
    let (_, mut answer) = h.register_with("com.example.add", false, echo());
    h.lose_link();
    assert_eq!(lost_reason(&mut answer), "the router closed the connection");
    h.rejoin();
    assert!(h.sent().is_empty());
}

#[test]
fn an_unregistration_waiting_when_the_link_ends_succeeds() {
    let mut h = harness();
    let (local, _) = h.registered("com.example.add", 1001);
    let mut answer = h.unregister(local);
    h.lose_link();
    assert!(
        answer.try_recv().unwrap().is_ok(),
        "the router forgot it with the session"
    );
}

// ---- subscriptions and events ----

#[test]
fn a_subscription_answers_with_its_handle_and_events_reach_its_queue() {
    let mut h = harness();
    let ((local, current), mut events) = h.subscribed("com.example.topic", 2002);
    assert_eq!((local, current.id()), (1, 2002));
    h.router(r#"[36, 2002, 9, {}, ["hello"]]"#).unwrap();
    let (ctx, payload) = events.try_recv().unwrap();
    assert_eq!(ctx.topic(), "com.example.topic");
    assert_eq!(ctx.publication_id(), 9);
    assert_eq!(payload.args, vec![Value::from("hello")]);
}

#[test]
fn local_subscribers_of_one_topic_share_the_routers_subscription_until_the_last_leaves() {
    let mut h = harness();
    let ((first, _), mut first_events) = h.subscribed("com.example.topic", 2002);
    let ((second, _), mut second_events) = h.subscribed("com.example.topic", 2002);
    h.router(r#"[36, 2002, 9, {}, [1]]"#).unwrap();
    assert!(first_events.try_recv().is_ok());
    assert!(second_events.try_recv().is_ok());

    let mut answer = h.unsubscribe(first);
    assert!(h.sent().is_empty(), "the other subscriber still listens");
    assert!(answer.try_recv().unwrap().is_ok());

    let mut answer = h.unsubscribe(second);
    let unsubscribe = h.sent_one();
    assert_eq!(unsubscribe[0], UNSUBSCRIBE);
    assert_eq!(unsubscribe[2], 2002);
    h.router(&format!("[35, {}]", unsubscribe[1])).unwrap();
    assert!(answer.try_recv().unwrap().is_ok());
}

#[test]
fn an_event_for_an_unknown_subscription_is_ignored() {
    let mut h = harness();
    let (_, mut events) = h.subscribed("com.example.topic", 2002);
    h.router(r#"[36, 999, 9, {}, [1]]"#).unwrap();
    assert!(events.try_recv().is_err());
    assert_eq!(h.phase(), "joined");
}

#[test]
fn a_full_subscriber_queue_drops_events_and_the_next_event_counts_them() {
    let mut h = harness_with(|config| config.event_queue = 1);
    let (_, mut events) = h.subscribed("com.example.topic", 2002);
    for publication in 1..=3 {
        h.router(&format!("[36, 2002, {publication}, {{}}]")).unwrap();
    }
    let (ctx, _) = events.try_recv().unwrap();
    assert_eq!((ctx.publication_id(), ctx.dropped_events()), (1, 0));
    assert!(events.try_recv().is_err(), "publications 2 and 3 were dropped");
    h.router("[36, 2002, 4, {}]").unwrap();
    let (ctx, _) = events.try_recv().unwrap();
    assert_eq!((ctx.publication_id(), ctx.dropped_events()), (4, 2));
}

#[test]
fn a_refused_subscription_fails_for_its_caller() {
    let mut h = harness();
    let (request, mut answer, _) = h.subscribe("com.example.topic");
    h.router(&format!(r#"[8, 32, {request}, {{}}, "wamp.error.not_authorized"]"#))
        .unwrap();
    assert!(matches!(answer.try_recv().unwrap(), Err(CallError::Application(_))));
}

#[test]
fn unsubscribing_while_the_link_is_lost_succeeds_and_is_not_restored() {
    let mut h = harness();
    let ((local, _), _) = h.subscribed("com.example.topic", 2002);
    let mut answer = h.unsubscribe(local);
    h.sent();
    h.lose_link();
    assert!(answer.try_recv().unwrap().is_ok());
    h.rejoin();
    assert!(h.sent().is_empty());
}

// ---- invocations ----

#[tokio::test]
async fn an_invocation_runs_its_handler_in_a_task_and_its_yield_is_written() {
    let mut h = harness();
    h.registered("com.example.echo", 1001);
    let invocation = h.invoke(77, 1001);
    Task::Invocation(invocation).run().await;
    h.answer_from_task().await;
    assert_eq!(h.sent_one(), json!([YIELD, 77, {}, ["x"]]));
}

#[test]
fn an_invocation_of_an_unknown_registration_is_answered_no_such_registration() {
    let mut h = harness();
    h.router(r#"[68, 77, 5555, {}]"#).unwrap();
    assert_eq!(
        h.sent_one(),
        json!([ERROR, 68, 77, {}, "wamp.error.no_such_registration"])
    );
    assert!(h.tasks().is_empty());
}

#[test]
fn an_invocation_beyond_the_invocation_queue_is_refused_at_once_as_unavailable() {
    let mut h = harness_with(|config| config.invocation_queue = 1);
    h.registered("com.example.slow", 1001);
    let _running = h.invoke(1, 1001);
    h.router(r#"[68, 2, 1001, {}]"#).unwrap();
    let refusal = h.sent_one();
    assert_eq!(refusal[0], ERROR);
    assert_eq!(refusal[4], "wamp.error.unavailable");
    assert!(refusal[5][0].as_str().unwrap().contains("busy"));
    assert!(h.tasks().is_empty());
}

#[test]
fn a_procedures_queue_limit_overrides_the_clients_invocation_queue() {
    let mut h = harness_with(|config| config.invocation_queue = 1);
    let (reply, mut answer) = oneshot::channel();
    h.command(Command::Register {
        procedure: "com.example.wide".into(),
        options: Dict::new(),
        single: false,
        queue_limit: Some(2),
        handler: echo(),
        reply,
    })
    .unwrap();
    let request = h.sent_one()[1].clone();
    h.router(&format!("[65, {request}, 1001]")).unwrap();
    answer.try_recv().unwrap().unwrap();
    let _first = h.invoke(1, 1001);
    let _second = h.invoke(2, 1001);
    h.router(r#"[68, 3, 1001, {}]"#).unwrap();
    let refusal = h.sent_one();
    assert_eq!(refusal[4], "wamp.error.unavailable");
    assert!(
        refusal[5][0]
            .as_str()
            .unwrap()
            .ends_with("(queue_limit); try again later")
    );
}

#[test]
fn an_interrupt_fires_the_cancellation_signal_of_its_invocation() {
    let mut h = harness();
    h.registered("com.example.slow", 1001);
    let invocation = h.invoke(77, 1001);
    assert!(!invocation.ctx.is_cancelled());
    h.router(r#"[69, 77, {"mode": "kill"}]"#).unwrap();
    assert!(invocation.ctx.is_cancelled());
}

#[test]
fn an_answer_to_an_invocation_of_an_earlier_connection_is_dropped() {
    let mut h = harness();
    h.registered("com.example.echo", 1001);
    let invocation = h.invoke(77, 1001);
    let epoch = invocation.epoch;
    h.lose_link();
    assert!(invocation.ctx.is_cancelled(), "the link's end interrupts it");
    h.rejoin();
    h.sent();
    let frame = h.encoded(wamp_protocol::Yield::default().into());
    h.command(Command::InvocationDone {
        epoch,
        request: 77,
        frame,
    })
    .unwrap();
    assert!(h.sent().is_empty(), "request 77 means nothing on the new connection");
}

#[test]
fn progress_of_an_invocation_is_written_only_while_it_is_in_flight() {
    let mut h = harness();
    h.registered("com.example.count", 1001);
    let invocation = h.invoke(77, 1001);
    let progress = |h: &Harness| {
        let mut options = Dict::new();
        options.insert("progress".into(), Value::Bool(true));
        h.encoded(
            wamp_protocol::Yield {
                request: 77,
                options,
                payload: Payload::default(),
            }
            .into(),
        )
    };
    let frame = progress(&h);
    h.command(Command::Progress {
        epoch: invocation.epoch,
        request: 77,
        frame,
    })
    .unwrap();
    assert_eq!(h.sent_one(), json!([YIELD, 77, {"progress": true}]));
    let frame = h.encoded(wamp_protocol::Yield::default().into());
    h.command(Command::InvocationDone {
        epoch: invocation.epoch,
        request: 77,
        frame,
    })
    .unwrap();
    h.sent();
    let frame = progress(&h);
    h.command(Command::Progress {
        epoch: invocation.epoch,
        request: 77,
        frame,
    })
    .unwrap();
    assert!(h.sent().is_empty(), "the invocation has ended");
}

// ---- restoring after a reconnect ----

#[test]
fn a_rejoin_replays_every_registration_and_subscription_and_announces_the_join_after_the_last() {
    let mut h = harness();
    let (_, registration) = h.registered("com.example.add", 1001);
    let ((_, subscription), _) = h.subscribed("com.example.topic", 2002);
    h.lose_link();
    assert_eq!((registration.id(), subscription.id()), (0, 0));
    assert!(registration.is_active() && subscription.is_active());
    h.events();

    h.rejoin();
    assert_eq!(h.phase(), "restoring");
    let replays = h.sent();
    assert_eq!(replays.len(), 2);
    let register = replays.iter().find(|m| m[0] == REGISTER).unwrap();
    let subscribe = replays.iter().find(|m| m[0] == SUBSCRIBE).unwrap();
    assert_eq!(register[3], "com.example.add");
    assert_eq!(subscribe[3], "com.example.topic");

    h.router(&format!("[65, {}, 1101]", register[1])).unwrap();
    assert!(h.events().is_empty(), "one replay is still unanswered");
    h.router(&format!("[33, {}, 2202]", subscribe[1])).unwrap();
    assert_eq!(h.phase(), "joined");
    assert!(matches!(h.events().as_slice(), [ClientEvent::Joined(details)] if details.session_id == 8));
    assert!(matches!(&*h.state.borrow(), SessionState::Joined(details) if details.session_id == 8));
    assert_eq!((registration.id(), subscription.id()), (1101, 2202));
}

#[test]
fn a_single_callee_procedure_is_replayed_with_force_reregister() {
    let mut h = harness();
    let (request, mut answer) = h.register_with("com.example.single", true, echo());
    h.router(&format!("[65, {request}, 1001]")).unwrap();
    answer.try_recv().unwrap().unwrap();
    h.lose_link();
    h.rejoin();
    let replay = h.sent_one();
    assert_eq!(replay[2], json!({"force_reregister": true}));
}

#[test]
fn a_refused_replay_is_reported_as_revoked_and_kept_for_the_next_reconnect() {
    let mut h = harness();
    h.registered("com.example.add", 1001);
    h.lose_link();
    h.rejoin();
    let replay = h.sent_one();
    h.events();
    h.router(&format!(
        r#"[8, 64, {}, {{}}, "wamp.error.procedure_already_exists"]"#,
        replay[1]
    ))
    .unwrap();
    let events = h.events();
    assert!(events.contains(&ClientEvent::Revoked {
        uri: "com.example.add".into(),
        reason: "wamp.error.procedure_already_exists".into()
    }));
    assert!(
        matches!(events.last(), Some(ClientEvent::Joined(_))),
        "the join completes anyway"
    );
    h.lose_link();
    h.rejoin();
    assert_eq!(h.sent_one()[3], "com.example.add", "tried again");
}

#[test]
fn a_registration_removed_while_its_replay_is_on_the_way_is_unregistered_once_acknowledged() {
    let mut h = harness();
    let (local, _) = h.registered("com.example.add", 1001);
    h.lose_link();
    h.rejoin();
    let replay = h.sent_one();
    let mut answer = h.unregister(local);
    assert!(
        answer.try_recv().unwrap().is_ok(),
        "forgetting it is enough for its caller"
    );
    assert!(h.sent().is_empty());
    h.router(&format!("[65, {}, 1101]", replay[1])).unwrap();
    let unregister = h.sent_one();
    assert_eq!(
        (unregister[0].clone(), unregister[2].clone()),
        (json!(UNREGISTER), json!(1101))
    );
}

#[test]
fn with_nothing_to_restore_the_join_is_announced_at_once() {
    let mut h = harness();
    h.lose_link();
    h.events();
    h.rejoin();
    assert!(h.sent().is_empty());
    assert_eq!(h.phase(), "joined");
    assert!(matches!(h.events().as_slice(), [ClientEvent::Joined(_)]));
}

// ---- offline ----

#[test]
fn while_reconnecting_requests_fail_fast_naming_the_attempt() {
    let mut h = harness();
    h.lose_link();
    h.protocol
        .reconnecting(3, Duration::from_secs(2), "the router closed the connection");
    assert!(matches!(
        &*h.state.borrow(),
        SessionState::Reconnecting { attempt: 3, .. }
    ));
    let (_, mut answer) = h.call("com.example.add");
    assert_eq!(lost_reason(&mut answer), crate::error::reconnecting_reason(3));
    let (reply, mut registered) = oneshot::channel();
    h.command(Command::Register {
        procedure: "com.example.add".into(),
        options: Dict::new(),
        single: false,
        queue_limit: None,
        handler: echo(),
        reply,
    })
    .unwrap();
    assert!(matches!(
        registered.try_recv().unwrap(),
        Err(CallError::ConnectionLost(_))
    ));
    assert!(h.sent().is_empty());
}

#[test]
fn while_reconnecting_unregister_forgets_the_registration_and_succeeds() {
    let mut h = harness();
    let (local, current) = h.registered("com.example.add", 1001);
    h.lose_link();
    h.protocol.reconnecting(1, Duration::ZERO, "lost");
    assert!(h.unregister(local).try_recv().unwrap().is_ok());
    assert!(!current.is_active());
    assert!(matches!(
        h.unregister(local).try_recv().unwrap(),
        Err(CallError::InvalidRequest(_))
    ));
    h.rejoin();
    assert!(h.sent().is_empty());
}

#[test]
fn a_stop_while_reconnecting_ends_the_client_at_once() {
    let mut h = harness();
    h.lose_link();
    h.protocol.reconnecting(1, Duration::from_secs(1), "lost");
    let (reply, mut stopped) = oneshot::channel();
    assert_eq!(
        h.command(Command::Stop {
            timeout: Duration::from_secs(5),
            reply
        }),
        Err(End::Stopped)
    );
    h.protocol.close();
    h.protocol
        .closed("the client was stopped while reconnecting".into(), true);
    assert!(stopped.try_recv().unwrap().is_ok());
}

// ---- revocation ----

#[test]
fn an_unsolicited_unregistered_revokes_the_registration_for_good() {
    let mut h = harness();
    let (_, current) = h.registered("com.example.add", 1001);
    h.router(r#"[67, 0, {"registration": 1001, "reason": "wamp.error.force_reregister"}]"#)
        .unwrap();
    assert!(!current.is_active());
    assert_eq!(
        h.events(),
        vec![ClientEvent::Revoked {
            uri: "com.example.add".into(),
            reason: "wamp.error.force_reregister".into()
        }]
    );
    h.router(r#"[68, 5, 1001, {}]"#).unwrap();
    assert_eq!(h.sent_one()[4], "wamp.error.no_such_registration");
    h.lose_link();
    h.rejoin();
    assert!(h.sent().is_empty(), "a revoked registration is not restored");
}

#[test]
fn an_unsolicited_unsubscribed_revokes_every_local_subscriber_of_it() {
    let mut h = harness();
    let ((_, first), _) = h.subscribed("com.example.topic", 2002);
    let ((_, second), _) = h.subscribed("com.example.topic", 2002);
    h.router(r#"[35, 0, {"subscription": 2002, "reason": "removed"}]"#)
        .unwrap();
    assert!(!first.is_active() && !second.is_active());
    assert_eq!(
        h.events(),
        vec![ClientEvent::Revoked {
            uri: "com.example.topic".into(),
            reason: "removed".into()
        }]
    );
}

#[test]
fn answers_to_requests_nobody_made_are_ignored() {
    let mut h = harness();
    for stray in [
        "[50, 999, {}]",
        "[17, 999, 1]",
        "[33, 999, 1]",
        "[35, 999]",
        "[65, 999, 1]",
        "[67, 999]",
        r#"[8, 48, 999, {}, "wamp.error.canceled"]"#,
        r#"[8, 64, 999, {}, "wamp.error.not_authorized"]"#,
        r#"[67, 0, {"registration": 999}]"#,
        r#"[69, 999, {}]"#,
    ] {
        assert_eq!(h.router(stray), Ok(()), "{stray}");
    }
    assert!(h.sent().is_empty());
    assert!(h.events().is_empty());
    assert_eq!(h.phase(), "joined");
}

// ---- the router ends the session ----

#[test]
fn a_message_a_router_never_sends_is_a_violation_answered_with_abort() {
    let mut h = harness();
    let (_, mut waiting) = h.call("com.example.add");
    h.sent();
    let end = h.router(r#"[2, 5, {}]"#).unwrap_err();
    assert_eq!(
        end,
        End::Violation("a router does not send WELCOME to an established session".into())
    );
    assert!(matches!(
        h.protocol.link_ended(&end, &mut h.out),
        AfterLoss::Reconnect(_)
    ));
    let abort = h.sent_one();
    assert_eq!(abort[0], ABORT);
    assert_eq!(abort[2], "wamp.error.protocol_violation");
    assert!(lost_reason(&mut waiting).starts_with("protocol violation by the router"));
}

#[test]
fn an_undecodable_frame_is_a_violation() {
    let mut h = harness();
    assert!(matches!(h.router("[50, "), Err(End::Violation(reason)) if reason.starts_with("undecodable message")));
}

#[test]
fn the_routers_goodbye_is_answered_and_ends_the_session_with_its_reason() {
    let mut h = harness();
    let end = h
        .router(r#"[6, {"message": "maintenance"}, "wamp.close.system_shutdown"]"#)
        .unwrap_err();
    assert_eq!(
        end,
        End::ClosedByRouter("wamp.close.system_shutdown: maintenance".into())
    );
    assert_eq!(h.sent_one(), json!([GOODBYE, {}, "wamp.close.goodbye_and_out"]));
    assert_eq!(
        h.protocol.link_ended(&end, &mut h.out),
        AfterLoss::Reconnect("the router closed the session (wamp.close.system_shutdown: maintenance)".into())
    );
}

#[test]
fn the_routers_abort_ends_the_session() {
    let mut h = harness();
    assert_eq!(
        h.router(r#"[3, {}, "wamp.error.system_shutdown"]"#),
        Err(End::ClosedByRouter("wamp.error.system_shutdown".into()))
    );
    assert!(h.sent().is_empty());
}

// ---- leaving ----

#[test]
fn leave_says_goodbye_and_the_routers_answer_closes_cleanly() {
    let mut h = harness();
    let mut left = h.leave();
    assert_eq!(h.sent_one(), json!([GOODBYE, {}, "wamp.close.close_realm"]));
    assert_eq!(h.phase(), "leaving");
    assert!(h.protocol.deadline().is_some());
    let end = h.router(r#"[6, {}, "wamp.close.goodbye_and_out"]"#).unwrap_err();
    assert_eq!(end, End::Left);
    assert_eq!(
        h.protocol.link_ended(&end, &mut h.out),
        AfterLoss::Close {
            reason: "the session was closed".into(),
            clean: true
        }
    );
    h.protocol.close();
    h.protocol.closed("the session was closed".into(), true);
    assert!(left.try_recv().unwrap().is_ok());
    assert!(matches!(&*h.state.borrow(), SessionState::Closed(_)));
}

#[test]
fn while_leaving_new_requests_are_refused_and_a_second_leave_waits_for_the_first() {
    let mut h = harness();
    let mut first = h.leave();
    h.sent();
    let (_, mut call) = h.call("com.example.add");
    assert_eq!(lost_reason(&mut call), "the session is closing");
    let mut second = h.leave();
    assert!(h.sent().is_empty(), "one GOODBYE");
    h.protocol.close();
    h.protocol.closed("the session was closed".into(), true);
    assert!(first.try_recv().unwrap().is_ok());
    assert!(second.try_recv().unwrap().is_ok());
}

#[test]
fn a_goodbye_left_unanswered_ends_the_link_at_its_deadline() {
    let mut h = harness();
    let _left = h.leave();
    assert_eq!(
        h.protocol.on_deadline(&mut h.out),
        Err(End::Lost("the router did not answer GOODBYE in time".into()))
    );
}

#[test]
fn a_link_lost_while_leaving_closes_without_reconnecting_and_leave_fails() {
    let mut h = harness();
    let mut left = h.leave();
    match h.lose_link() {
        AfterLoss::Close { clean: false, reason } => {
            h.protocol.close();
            h.protocol.closed(reason, false);
        }
        other => panic!("expected a close, got {other:?}"),
    }
    assert!(matches!(left.try_recv().unwrap(), Err(Error::ConnectionLost(_))));
}

#[test]
fn when_every_handle_is_gone_the_session_says_goodbye() {
    let mut h = harness();
    h.protocol.handles_gone(&mut h.out);
    assert_eq!(h.sent_one()[0], GOODBYE);
    assert_eq!(h.phase(), "leaving");
}

// ---- stopping ----

#[tokio::test]
async fn stop_unregisters_then_lets_invocations_finish_then_leaves() {
    let mut h = harness();
    let (_, current) = h.registered("com.example.echo", 1001);
    let invocation = h.invoke(77, 1001);
    let mut stopped = h.stop(Duration::from_secs(15));
    let unregister = h.sent_one();
    assert_eq!(unregister[0], UNREGISTER);
    assert!(!current.is_active());
    assert_eq!(h.phase(), "stopping: unregistering");

    h.router(&format!("[67, {}]", unregister[1])).unwrap();
    assert_eq!(h.phase(), "stopping: draining");
    assert!(h.sent().is_empty(), "an invocation is still in flight");

    // Its answer still reaches the caller, then the session leaves.
    Task::Invocation(invocation).run().await;
    h.answer_from_task().await;
    let sent = h.sent();
    assert_eq!(sent[0][0], YIELD);
    assert_eq!(sent[1], json!([GOODBYE, {}, "wamp.close.close_realm"]));
    let end = h.router(r#"[6, {}, "wamp.close.goodbye_and_out"]"#).unwrap_err();
    let AfterLoss::Close { reason, clean } = h.protocol.link_ended(&end, &mut h.out) else {
        panic!("a stopped client does not reconnect");
    };
    h.protocol.close();
    h.protocol.closed(reason, clean);
    assert!(stopped.try_recv().unwrap().is_ok());
}

#[tokio::test]
async fn stop_interrupts_invocations_running_at_the_timeout_and_leaves_after_the_grace() {
    let mut h = harness();
    h.registered_with("com.example.slow", 1001, until_cancelled());
    let stubborn = h.invoke(77, 1001);
    let _stopped = h.stop(Duration::from_secs(15));
    let unregister = h.sent_one();
    h.router(&format!("[67, {}]", unregister[1])).unwrap();

    h.protocol.on_deadline(&mut h.out).unwrap();
    assert_eq!(h.phase(), "stopping: interrupted");
    assert!(stubborn.ctx.is_cancelled());
    assert!(h.sent().is_empty());

    // It ignores the interrupt: the grace period ends with GOODBYE anyway.
    h.protocol.on_deadline(&mut h.out).unwrap();
    assert_eq!(h.sent_one()[0], GOODBYE);
    assert_eq!(h.phase(), "leaving");
}

#[test]
fn stop_with_nothing_registered_leaves_at_once() {
    let mut h = harness();
    let _stopped = h.stop(Duration::from_secs(15));
    assert_eq!(h.sent_one()[0], GOODBYE);
    assert_eq!(h.phase(), "leaving");
}

#[test]
fn stop_goes_on_when_the_router_does_not_confirm_the_unregistrations_in_time() {
    let mut h = harness();
    h.registered("com.example.add", 1001);
    let _stopped = h.stop(Duration::from_secs(15));
    h.sent();
    h.protocol.on_deadline(&mut h.out).unwrap();
    assert_eq!(h.sent_one()[0], GOODBYE, "nothing in flight: it leaves");
}

#[test]
fn stop_still_answers_when_the_link_is_lost_on_the_way() {
    let mut h = harness();
    h.registered("com.example.add", 1001);
    let mut stopped = h.stop(Duration::from_secs(15));
    let AfterLoss::Close { reason, clean } = h.lose_link() else {
        panic!("a stopping client does not reconnect");
    };
    assert!(!clean);
    h.protocol.close();
    h.protocol.closed(reason, clean);
    assert!(stopped.try_recv().unwrap().is_ok(), "the client is stopped, as asked");
}

#[test]
fn closing_ends_every_handle() {
    let mut h = harness();
    let (_, registration) = h.registered("com.example.add", 1001);
    let ((_, subscription), _) = h.subscribed("com.example.topic", 2002);
    h.protocol.close();
    h.protocol.closed("gone".into(), false);
    assert!(!registration.is_active() && !subscription.is_active());
    assert!(matches!(h.events().last(), Some(ClientEvent::Closed { reason }) if reason == "gone"));
}
