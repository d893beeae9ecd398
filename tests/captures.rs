//! URI captures against a real Crossbar: a `name = "user.{id}.get"`
//! handler is registered as the wildcard pattern `user..get` behind its
//! module prefixes, its typed caller fills the component, and the handler
//! receives it parsed; a component that does not parse is the caller's
//! `wamp.error.invalid_argument`, whoever calls.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::io;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::broadcast;
use wamp_runtime::{
    ApplicationError, CallContext, CallError, Capture, ClientConfig, EventContext, MatchPolicy, State, TypedCallError,
};
use wamp_testkit::AutobahnSession;

wamp_runtime::wamp_module!(prefix = "captures");

#[wamp_runtime::procedure(name = "user.{id}.get", match = "wildcard")]
fn get_user(_ctx: CallContext, id: Capture<u64>, field: String) -> String {
    format!("{field} of user {}", *id)
}

/// Two captures around an argument: each is found by its place from the
/// end, whatever the prefixes in front.
#[wamp_runtime::procedure(name = "{tenant}.order.{number}.total", match = "wildcard")]
fn order_total(ctx: CallContext, tenant: Capture<String>, factor: u32, number: Capture<u32>) -> (String, u32, String) {
    (tenant.into_inner(), *number * factor, ctx.procedure().to_owned())
}

/// Where the service puts the events its subscribers receive.
struct Events {
    temperatures: broadcast::Sender<(String, f64)>,
    alarms: broadcast::Sender<u8>,
}

#[wamp_runtime::subscriber(name = "sensor.{room}.temperature", match = "wildcard")]
fn temperature(_ctx: EventContext, events: State<Events>, room: Capture<String>, celsius: f64) {
    let _ = events.temperatures.send((room.into_inner(), celsius));
}

#[wamp_runtime::subscriber(name = "floor.{level}.alarm", match = "wildcard")]
fn alarm(_ctx: EventContext, events: State<Events>, level: Capture<u8>) {
    let _ = events.alarms.send(*level);
}

/// A declaration with a capture, and its implementation: the capture comes
/// from the declaration's name.
pub mod contract {
    use wamp_runtime::{CallContext, Capture};

    wamp_runtime::wamp_module!(prefix = "contract");

    #[wamp_runtime::procedure(name = "item.{sku}.stock")]
    pub fn stock(ctx: CallContext, sku: Capture<String>, warehouse: u32) -> String;
}

mod service {
    use wamp_runtime::{CallContext, Capture};

    #[wamp_runtime::procedure(implements = super::contract::StockCaller, match = "wildcard")]
    fn stock(_ctx: CallContext, sku: Capture<String>, warehouse: u32) -> String {
        format!("{} in warehouse {warehouse}", sku.as_str())
    }
}

/// What the tests see of the service: the events it received and what it
/// logged.
struct Service {
    temperatures: broadcast::Sender<(String, f64)>,
    alarms: broadcast::Sender<u8>,
    log: Log,
}

/// The warnings of this process, as text.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl io::Write for Log {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Log {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// One server of this binary's handlers for all its tests, on a runtime of
/// its own (as in `typed_callers`); the warnings of every thread go to its
/// log, since the subscribers' run on the server's.
fn service() -> &'static Service {
    static SERVICE: OnceLock<Service> = OnceLock::new();
    SERVICE.get_or_init(|| {
        let log = Log::default();
        let writer = log.clone();
        tracing::subscriber::set_global_default(
            tracing_subscriber::fmt()
                .with_writer(move || writer.clone())
                .with_max_level(tracing::Level::WARN)
                .with_ansi(false)
                .finish(),
        )
        .unwrap();
        let (temperatures, _) = broadcast::channel(64);
        let (alarms, _) = broadcast::channel(64);
        let events = Events {
            temperatures: temperatures.clone(),
            alarms: alarms.clone(),
        };
        let (started, running) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime.block_on(async move {
                let config = ClientConfig::new(common::router().url(), "realm1").unwrap();
                let server = wamp_runtime::Server::new(wamp_runtime::Config::single(config))
                    .state(events)
                    .start()
                    .await
                    .unwrap();
                started.send(()).unwrap();
                let _ = server.wait().await;
            });
        });
        running.recv().unwrap();
        Service {
            temperatures,
            alarms,
            log,
        }
    })
}

/// The application error of a failed untyped call.
fn application(outcome: Result<wamp_runtime::CallOutput, CallError>) -> ApplicationError {
    match outcome {
        Err(CallError::Application(error)) => error,
        other => panic!("expected an application error, got {other:?}"),
    }
}

#[test]
fn a_name_with_captures_registers_its_wildcard_pattern_behind_the_prefixes() {
    assert_eq!(GetUserCaller::uri(), "captures.user..get");
    assert_eq!(GetUserCaller::TEMPLATE, "user.{id}.get");
    assert_eq!(OrderTotalCaller::uri(), "captures..order..total");
    assert_eq!(TemperaturePublisher::uri(), "captures.sensor..temperature");
    assert_eq!(contract::StockCaller::uri(), "captures.contract.item..stock");
    let bindings = wamp_runtime::registry::Registry::from_inventory().resolve().unwrap();
    for uri in [
        GetUserCaller::uri(),
        OrderTotalCaller::uri(),
        contract::StockCaller::uri(),
    ] {
        let binding = bindings.procedures.iter().find(|b| b.uri == uri).unwrap();
        assert_eq!(binding.options.match_policy, Some(MatchPolicy::Wildcard), "{uri}");
    }
    let subscribed = bindings
        .subscriptions
        .iter()
        .find(|b| b.uri == TemperaturePublisher::uri())
        .unwrap();
    assert_eq!(subscribed.options.match_policy, Some(MatchPolicy::Wildcard));
}

#[test]
fn the_catalog_lists_the_arguments_and_describes_the_captures_apart() {
    let config = ClientConfig::new("ws://127.0.0.1:1/ws", "realm1").unwrap();
    let events = Events {
        temperatures: broadcast::channel(1).0,
        alarms: broadcast::channel(1).0,
    };
    let catalog = wamp_runtime::Server::new(wamp_runtime::Config::single(config))
        .state(events)
        .catalog()
        .unwrap();
    let entry = catalog
        .entries
        .iter()
        .find(|e| e.uri == OrderTotalCaller::uri())
        .unwrap();
    assert_eq!(entry.match_policy, "wildcard");
    let titles: Vec<&str> = entry.args_schema["prefixItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["factor"]);
    // The captures are described apart: where they stand, and their types.
    assert_eq!(
        entry.uri_template.as_deref(),
        Some("captures.{tenant}.order.{number}.total")
    );
    let captures = entry.captures_schema.as_ref().unwrap();
    assert_eq!(captures["properties"]["tenant"]["type"], "string");
    assert_eq!(captures["properties"]["number"]["type"], "integer");
    assert_eq!(captures["required"], serde_json::json!(["tenant", "number"]));
}

#[test]
fn the_concrete_uri_fills_each_capture_or_names_the_one_that_cannot_be_a_component() {
    assert_eq!(GetUserCaller::concrete_uri(42).unwrap(), "captures.user.42.get");
    assert_eq!(
        OrderTotalCaller::concrete_uri("acme".into(), 7).unwrap(),
        "captures.acme.order.7.total"
    );
    let err = OrderTotalCaller::concrete_uri("ac.me".into(), 7).unwrap_err();
    assert_eq!(err.capture(), "tenant");
    assert_eq!(
        err.to_string(),
        r#"capture "tenant": "ac.me" is not one URI component: it contains '.'"#
    );
}

#[tokio::test]
async fn a_typed_caller_puts_the_capture_in_the_uri_and_the_handler_gets_it_typed() {
    service();
    let client = common::connect().await;
    let answer = GetUserCaller::call(&client, 42, "email".into()).await.unwrap();
    assert_eq!(answer, "email of user 42");
    let (tenant, total, called) = OrderTotalCaller::call(&client, "acme".into(), 3, 7).await.unwrap();
    assert_eq!((tenant.as_str(), total), ("acme", 21));
    assert_eq!(called, "captures.acme.order.7.total");
    // The same procedures, reached without the caller.
    let untyped: String = client
        .call("captures.user.9.get")
        .arg("name")
        .await
        .unwrap()
        .decode()
        .unwrap();
    assert_eq!(untyped, "name of user 9");
}

#[tokio::test]
async fn a_capture_that_does_not_parse_is_invalid_argument_naming_it() {
    service();
    let client = common::connect().await;
    let error = application(client.call("captures.user.ada.get").arg("email").await);
    assert_eq!(error.uri(), ApplicationError::INVALID_ARGUMENT);
    assert_eq!(
        error.message(),
        Some(r#"capture "id" (URI component "ada"): expected u64: invalid digit found in string"#)
    );
    let error = application(client.call("captures.acme.order.-1.total").arg(2).await);
    assert_eq!(error.uri(), ApplicationError::INVALID_ARGUMENT);
    let message = error.message().unwrap();
    assert!(
        message.starts_with(r#"capture "number" (URI component "-1"): expected u32"#),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_implementations_caller_gets_the_same_invalid_argument() {
    service();
    let mut peer = AutobahnSession::new(&common::router().url(), "realm1")
        .report_application_errors()
        .spawn(
            r#"print("ok", show(await self.call("captures.user.7.get", "phone")), flush=True)
await self.call("captures.user.seven.get", "phone")"#,
        )
        .unwrap();
    let timeout = Duration::from_secs(20);
    let ok = tokio::task::block_in_place(|| peer.wait_for_line("ok", timeout)).unwrap();
    assert_eq!(ok, r#"ok "phone of user 7""#);
    let error = tokio::task::block_in_place(|| peer.wait_for_line("error", timeout)).unwrap();
    assert_eq!(
        error,
        r#"error wamp.error.invalid_argument ["capture \"id\" (URI component \"seven\"): expected u64: invalid digit found in string"]"#
    );
}

#[tokio::test]
async fn a_capture_that_is_not_one_component_fails_before_anything_is_sent() {
    service();
    let client = common::connect().await;
    for (tenant, reason) in [
        ("", "it is empty"),
        ("a.b", "it contains '.'"),
        ("a#b", "it contains '#'"),
        ("a b", "it contains whitespace (' ')"),
    ] {
        match OrderTotalCaller::call(&client, tenant.into(), 1, 1).await {
            Err(TypedCallError::Other(CallError::InvalidCapture(error))) => {
                assert_eq!(error.capture(), "tenant");
                assert!(error.to_string().ends_with(reason), "{error}");
            }
            other => panic!("expected an invalid capture for {tenant:?}, got {other:?}"),
        }
    }
    match TemperaturePublisher::publish(&client, "living room".into(), 20.0)
        .acknowledged()
        .await
    {
        Err(CallError::InvalidCapture(error)) => assert_eq!(error.capture(), "room"),
        other => panic!("expected an invalid capture, got {other:?}"),
    }
}

#[tokio::test]
async fn a_typed_publisher_puts_the_capture_in_the_topic_and_the_subscriber_gets_it() {
    let mut temperatures = service().temperatures.subscribe();
    let client = common::connect().await;
    TemperaturePublisher::publish(&client, "kitchen".into(), 21.5)
        .acknowledged()
        .await
        .unwrap();
    let reading = common::next_matching(&mut temperatures, |(room, _)| room == "kitchen").await;
    assert_eq!(reading, ("kitchen".to_owned(), 21.5));
    client
        .publish("captures.sensor.cellar.temperature")
        .arg(9.0)
        .acknowledged()
        .await
        .unwrap();
    let reading = common::next_matching(&mut temperatures, |(room, _)| room == "cellar").await;
    assert_eq!(reading, ("cellar".to_owned(), 9.0));
}

#[tokio::test]
async fn an_event_whose_capture_does_not_parse_is_dropped_with_a_warning_naming_it() {
    let service = service();
    let mut alarms = service.alarms.subscribe();
    let client = common::connect().await;
    for topic in ["captures.floor.roof.alarm", "captures.floor.3.alarm"] {
        client.publish(topic).acknowledged().await.unwrap();
    }
    // Only the event whose capture parses reaches the function.
    assert_eq!(common::next_matching(&mut alarms, |_| true).await, 3);
    let warning = tokio::time::timeout(common::PROMPTLY, async {
        loop {
            let log = service.log.text();
            if let Some(line) = log.lines().find(|line| line.contains("captures.floor.roof.alarm")) {
                return line.to_owned();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no warning about the dropped event in {}", service.log.text()));
    assert!(warning.contains("WARN"), "{warning}");
    assert!(
        warning.contains("event arguments do not fit the subscriber"),
        "{warning}"
    );
    assert!(
        warning.contains(r#"capture "level" (URI component "roof"): expected u8"#),
        "{warning}"
    );
}

#[tokio::test]
async fn a_declarations_caller_reaches_an_implementation_that_takes_the_capture() {
    service();
    let client = common::connect().await;
    let answer = contract::StockCaller::call(&client, "sku-17".into(), 2).await.unwrap();
    assert_eq!(answer, "sku-17 in warehouse 2");
}
