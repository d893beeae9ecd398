//! The typed callers of `#[procedure]`s and the typed publishers of
//! `#[subscriber]`s, against a real Crossbar: the URI they address is the
//! one registered, arguments go out positionally, results and mapped errors
//! come back in the handler's own types, and the call options still apply.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::time::Duration;

use futures_util::StreamExt as _;
use std::sync::OnceLock;

use tokio::sync::{broadcast, mpsc};
use wamp_runtime::{CallContext, CallError, ClientConfig, EventContext, State, TypedCallError, WampError};

wamp_runtime::wamp_module!(prefix = "typed_callers");

#[derive(Debug, PartialEq, thiserror::Error, WampError)]
pub enum MathError {
    #[error("division by zero")]
    #[wamp_error("error.division_by_zero")]
    DivisionByZero,
    #[error("{0} is too large")]
    #[wamp_error("error.too_large")]
    TooLarge(f64),
}

#[wamp_runtime::procedure]
fn multiply(_ctx: CallContext, factor1: f64, factor2: f64) -> f64 {
    factor1 * factor2
}

#[wamp_runtime::procedure]
async fn divide(_ctx: CallContext, numerator: f64, denominator: f64) -> Result<f64, MathError> {
    if denominator == 0.0 {
        return Err(MathError::DivisionByZero);
    }
    if numerator > 1e6 {
        return Err(MathError::TooLarge(numerator));
    }
    Ok(numerator / denominator)
}

/// A handler that fails without a mapped error: its caller sees the
/// router's `wamp.error.runtime_error`, not a `MathError`.
#[wamp_runtime::procedure]
fn root(_ctx: CallContext, x: f64) -> Result<f64, MathError> {
    assert!(x >= 0.0, "no real root of {x}");
    Ok(x.sqrt())
}

#[wamp_runtime::procedure(prefix = "math", name = "times", caller = Times)]
fn product_of_three(_ctx: CallContext, a: i64, b: i64, c: i64) -> i64 {
    a * b * c
}

#[wamp_runtime::procedure]
async fn sleep_for(_ctx: CallContext, millis: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(millis)).await;
    millis
}

#[wamp_runtime::procedure(progress = u32)]
async fn count_to(ctx: CallContext, limit: u32) -> String {
    if let Some(progress) = ctx.progress() {
        for step in 1..=limit {
            progress.send_value(step).await.unwrap();
        }
    }
    format!("counted to {limit}")
}

/// Where the service puts the readings it receives.
struct Events(broadcast::Sender<(String, u32)>);

#[wamp_runtime::subscriber]
fn reading_taken(_ctx: EventContext, events: State<Events>, sensor: String, value: u32) {
    let _ = events.0.send((sensor, value));
}

/// What callers and implementations share: declarations (no body), each
/// generating a caller or publisher and nothing to register.
pub mod contract {
    use wamp_runtime::{CallContext, EventContext};

    wamp_runtime::wamp_module!(prefix = "contract");

    /// Greets someone.
    #[wamp_runtime::procedure(name = "greeting.make")]
    pub fn greet(ctx: CallContext, name: String) -> String;

    /// Declared, implemented nowhere.
    #[wamp_runtime::procedure]
    pub fn forgotten(ctx: CallContext) -> u32;

    #[wamp_runtime::subscriber]
    pub fn noted(ctx: EventContext, note: String);
}

/// The service side: the implementations, placed at their declarations.
mod service {
    use wamp_runtime::{CallContext, EventContext, State};

    // How it is served is the service's: its modules' defaults apply.
    wamp_runtime::wamp_module!(concurrency = 3);

    #[wamp_runtime::procedure(implements = super::contract::GreetCaller)]
    async fn greet(_ctx: CallContext, name: String) -> String {
        format!("hello, {name}")
    }

    #[wamp_runtime::subscriber(implements = super::contract::NotedPublisher)]
    fn noted(_ctx: EventContext, notes: State<super::Notes>, note: String) {
        let _ = notes.0.send(note);
    }
}

/// Where the service puts the notes it receives.
struct Notes(broadcast::Sender<String>);

/// What the tests see of the service: the events its subscribers received.
struct Service {
    readings: broadcast::Sender<(String, u32)>,
    notes: broadcast::Sender<String>,
}

/// One server of this binary's handlers for all its tests, on a runtime of
/// its own that outlives each test's: a server per test would leave the
/// others' calls to a callee that is going away.
fn service() -> &'static Service {
    static SERVICE: OnceLock<Service> = OnceLock::new();
    SERVICE.get_or_init(|| {
        let (readings, _) = broadcast::channel(64);
        let (notes, _) = broadcast::channel(64);
        let states = (Events(readings.clone()), Notes(notes.clone()));
        let (started, running) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime.block_on(async move {
                let config = ClientConfig::new(common::router().url(), "realm1").unwrap();
                let server = wamp_runtime::Server::new(wamp_runtime::Config::single(config))
                    .state(states.0)
                    .state(states.1)
                    .start()
                    .await
                    .unwrap();
                started.send(()).unwrap();
                let _ = server.wait().await;
            });
        });
        running.recv().unwrap();
        Service { readings, notes }
    })
}

#[test]
fn a_caller_addresses_the_uri_its_procedure_is_registered_under() {
    let bindings = wamp_runtime::registry::Registry::from_inventory().resolve().unwrap();
    let registered: Vec<&str> = bindings.procedures.iter().map(|b| b.uri.as_str()).collect();
    assert_eq!(MultiplyCaller::uri(), "typed_callers.multiply");
    assert_eq!(Times::uri(), "typed_callers.math.times");
    for uri in [
        MultiplyCaller::uri(),
        DivideCaller::uri(),
        Times::uri(),
        CountToCaller::uri(),
    ] {
        assert!(registered.contains(&uri), "{uri} not in {registered:?}");
    }
    let subscribed: Vec<&str> = bindings.subscriptions.iter().map(|b| b.uri.as_str()).collect();
    assert!(subscribed.contains(&ReadingTakenPublisher::uri()), "{subscribed:?}");
    assert_eq!(ReadingTakenPublisher::uri(), "typed_callers.reading_taken");
}

#[tokio::test]
async fn a_typed_call_sends_positional_arguments_and_decodes_the_result() {
    service();
    let client = common::connect().await;
    let product: f64 = MultiplyCaller::call(&client, 6.0, 7.0).await.unwrap();
    assert_eq!(product, 42.0);
    assert_eq!(Times::call(&client, 2, 3, 4).disclose_me(true).await.unwrap(), 24);
    // The same procedure, reached without the caller: the arguments went out positionally.
    let untyped: f64 = client
        .call("typed_callers.multiply")
        .args((1.5, 2.0))
        .await
        .unwrap()
        .decode()
        .unwrap();
    assert_eq!(untyped, 3.0);
}

#[tokio::test]
async fn a_mapped_error_comes_back_as_the_handlers_enum_variant() {
    service();
    let client = common::connect().await;
    assert_eq!(DivideCaller::call(&client, 1.0, 4.0).await.unwrap(), 0.25);
    match DivideCaller::call(&client, 1.0, 0.0).await {
        Err(TypedCallError::Mapped(error)) => assert_eq!(error, MathError::DivisionByZero),
        other => panic!("expected the mapped division by zero, got {other:?}"),
    }
    match DivideCaller::call(&client, 2e6, 1.0).await {
        Err(TypedCallError::Mapped(error)) => assert_eq!(error, MathError::TooLarge(2e6)),
        other => panic!("expected the mapped too large, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unmapped_error_stays_a_call_error_with_its_uri() {
    service();
    let client = common::connect().await;
    assert_eq!(RootCaller::call(&client, 9.0).await.unwrap(), 3.0);
    match RootCaller::call(&client, -1.0).await {
        Err(TypedCallError::Other(error)) => {
            assert_eq!(error.uri(), Some("wamp.error.runtime_error"), "{error}");
        }
        other => panic!("expected an unmapped runtime error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_timeout_of_a_typed_call_cancels_it() {
    service();
    let client = common::connect().await;
    let outcome = SleepForCaller::call(&client, 5_000)
        .timeout(Duration::from_millis(200))
        .await;
    match outcome {
        Err(TypedCallError::Other(CallError::Timeout(limit))) => assert_eq!(limit, Duration::from_millis(200)),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert_eq!(
        SleepForCaller::call(&client, 10)
            .timeout(common::PROMPTLY)
            .await
            .unwrap(),
        10
    );
}

#[tokio::test]
async fn progress_items_come_back_in_the_declared_type() {
    service();
    let client = common::connect().await;
    let mut call = CountToCaller::call(&client, 3).with_progress();
    let mut steps: Vec<u32> = Vec::new();
    while let Some(step) = call.next().await {
        steps.push(step.unwrap());
    }
    assert_eq!(steps, [1, 2, 3]);
    assert_eq!(call.result().await.unwrap(), "counted to 3");

    let (tx, mut rx) = mpsc::unbounded_channel();
    let done = CountToCaller::call(&client, 2)
        .on_progress(move |step| {
            let _ = tx.send(step.unwrap());
        })
        .await
        .unwrap();
    assert_eq!(done, "counted to 2");
    assert_eq!((common::next(&mut rx).await, common::next(&mut rx).await), (1, 2));
}

#[tokio::test]
async fn a_typed_publisher_reaches_the_subscriber_with_its_arguments() {
    let mut readings = service().readings.subscribe();
    let client = common::connect().await;
    ReadingTakenPublisher::publish(&client, "north".to_owned(), 17)
        .acknowledged()
        .await
        .unwrap();
    let reading = common::next_matching(&mut readings, |(sensor, _)| sensor == "north").await;
    assert_eq!(reading, ("north".to_owned(), 17));
    ReadingTakenPublisher::publish(&client, "south".to_owned(), 3)
        .await
        .unwrap();
    let reading = common::next_matching(&mut readings, |(sensor, _)| sensor == "south").await;
    assert_eq!(reading, ("south".to_owned(), 3));
}

#[test]
fn a_declaration_registers_nothing_and_its_implementation_registers_at_its_uri() {
    let bindings = wamp_runtime::registry::Registry::from_inventory().resolve().unwrap();
    assert_eq!(contract::GreetCaller::uri(), "typed_callers.contract.greeting.make");
    let greet = bindings
        .procedures
        .iter()
        .find(|b| b.uri == contract::GreetCaller::uri())
        .unwrap();
    // At the declaration's URI, served with the implementation's module defaults.
    assert_eq!(greet.options.concurrency, Some(3));
    assert!(
        matches!(greet.origin, wamp_runtime::registry::Origin::Function { module_path, location }
            if module_path.ends_with("::service") && location.function == "greet" && location.file.ends_with("typed_callers.rs")),
        "{:?}",
        greet.origin
    );
    assert!(
        !bindings
            .procedures
            .iter()
            .any(|b| b.uri == contract::ForgottenCaller::uri())
    );
    let greetings = bindings
        .procedures
        .iter()
        .filter(|b| b.uri.ends_with(".greeting.make"))
        .count();
    assert_eq!(greetings, 1, "the declaration adds no entry of its own");
}

#[tokio::test]
async fn a_caller_of_a_declaration_reaches_its_implementation() {
    let mut notes = service().notes.subscribe();
    let client = common::connect().await;
    let greeting = contract::GreetCaller::call(&client, "ada".to_owned()).await.unwrap();
    assert_eq!(greeting, "hello, ada");
    contract::NotedPublisher::publish(&client, "remember".to_owned())
        .acknowledged()
        .await
        .unwrap();
    assert_eq!(
        common::next_matching(&mut notes, |note| note == "remember").await,
        "remember"
    );
    // Nobody implements `forgotten`: the router's error, not a mapped one.
    match contract::ForgottenCaller::call(&client).await {
        Err(TypedCallError::Other(error)) => assert_eq!(error.uri(), Some("wamp.error.no_such_procedure")),
        other => panic!("expected no_such_procedure, got {other:?}"),
    }
}

/// A contract in a crate of its own (the registry example's): using its
/// callers links its `wamp_module!` prefixes, so the URIs resolve here as
/// in the service, and none of its declarations becomes a handler of this
/// program.
#[test]
fn a_contract_crate_gives_callers_its_uris_and_this_program_no_handlers() {
    use registry_contract::{accounting, foo};

    assert_eq!(foo::MultiplyCaller::uri(), "foo.multiply");
    assert_eq!(foo::MessageReceivedPublisher::uri(), "foo.message_received");
    assert_eq!(accounting::VatCaller::uri(), "accounting.vat");
    let bindings = wamp_runtime::registry::Registry::from_inventory().resolve().unwrap();
    let foreign: Vec<&str> = bindings
        .procedures
        .iter()
        .map(|b| b.uri.as_str())
        .chain(bindings.subscriptions.iter().map(|b| b.uri.as_str()))
        .filter(|uri| !uri.starts_with("typed_callers."))
        .collect();
    assert!(foreign.is_empty(), "handlers from elsewhere: {foreign:?}");
}
