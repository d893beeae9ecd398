//! `#[procedure]`, `#[subscriber]`, `wamp_module!` and `#[derive(WampError)]`
//! served by `Server` against a real Crossbar router, called by a plain client.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::sync::{LazyLock, OnceLock};

use common::{PROMPTLY, connect};
use tokio::sync::broadcast;
use wamp_runtime::registry::Registry;
use wamp_runtime::{
    ApplicationError, CallContext, CallError, ClientConfig, Config, Payload, Server, TypedCallError, Value, WampError,
};

/// Events received by the subscriber, as "topic: message count".
static EVENTS: LazyLock<broadcast::Sender<String>> = LazyLock::new(|| broadcast::channel(16).0);

mod services {
    wamp_runtime::wamp_module!(prefix = "serve_test");

    pub(crate) mod math {
        use wamp_runtime::{Args, CallContext, Kwargs, Payload, Value, WampError, procedure};

        wamp_runtime::wamp_module!(prefix = "math", invoke = "roundrobin");

        #[derive(Debug, PartialEq, thiserror::Error, WampError)]
        pub(crate) enum MathError {
            #[error("division by zero")]
            #[wamp_error("error.division_by_zero")]
            DivisionByZero,
            #[error("{0} is too large")]
            #[wamp_error("error.too_large")]
            TooLarge(f64),
            #[error("out of range")]
            #[wamp_error("serve_test_absolute.out_of_range", absolute)]
            OutOfRange { min: i64, max: i64 },
        }

        #[procedure(prefix = "foo")]
        async fn divide(_ctx: CallContext, numerator: f64, denominator: f64) -> Result<f64, MathError> {
            if denominator == 0.0 {
                return Err(MathError::DivisionByZero);
            }
            if numerator > 1e6 {
                return Err(MathError::TooLarge(numerator));
            }
            Ok(numerator / denominator)
        }

        #[procedure]
        fn clamp(_ctx: CallContext, value: i64, min: i64, max: i64) -> Result<i64, MathError> {
            if value < min || value > max {
                return Err(MathError::OutOfRange { min, max });
            }
            Ok(value)
        }

        #[procedure]
        fn greet(_ctx: CallContext, name: String, punctuation: Option<String>) -> String {
            format!("hello {name}{}", punctuation.as_deref().unwrap_or("!"))
        }

        #[procedure]
        fn parts(_ctx: CallContext, first: i64, rest: Args, options: Kwargs) -> Payload {
            let mut payload = Payload::from_args(vec![Value::from(first), Value::List(rest.0)]);
            payload.kwargs = options.0;
            payload
        }

        #[procedure]
        fn nothing(_ctx: CallContext) {}

        #[derive(Debug, serde::Deserialize)]
        pub(crate) struct Rectangle {
            width: f64,
            height: f64,
            label: Option<String>,
        }

        /// Takes its keyword arguments as one struct.
        #[procedure]
        fn area(_ctx: CallContext, rectangle: Kwargs<Rectangle>) -> String {
            let area = rectangle.width * rectangle.height;
            format!("{}{area}", rectangle.label.as_deref().unwrap_or(""))
        }

        /// Its `ParseIntError` is mapped to a URI by the server's registry.
        #[procedure]
        fn parse(_ctx: CallContext, text: String) -> Result<i64, std::num::ParseIntError> {
            text.trim().parse()
        }

        #[procedure(name = "fails")]
        async fn fails_with_io_error(_ctx: CallContext) -> Result<(), std::io::Error> {
            Err(std::io::Error::other("disk on fire"))
        }
    }

    pub(crate) mod events {
        use wamp_runtime::{CallContext, CallError, EventContext, State, procedure, subscriber};

        /// The server's state of this test binary: what `tally` was told.
        #[derive(Debug, Default)]
        pub(crate) struct Tally(pub(crate) std::sync::atomic::AtomicI64);

        /// A subscriber with state: adds each event's number to the tally.
        #[subscriber]
        fn counted(_ctx: EventContext, tally: State<Tally>, amount: i64) {
            tally.0.fetch_add(amount, std::sync::atomic::Ordering::SeqCst);
        }

        #[subscriber]
        fn message_received(ctx: EventContext, message: String, count: Option<i64>) {
            let _ = super::super::EVENTS.send(format!("{}: {message} {count:?}", ctx.topic()));
        }

        /// Publishes through the client found by name in the context.
        #[procedure]
        async fn relay(ctx: CallContext, message: String) -> Result<(), CallError> {
            let client = ctx.clients().get("default").cloned().expect("the default client");
            client
                .publish("serve_test.message_received")
                .arg(message)
                .kwarg("count", 1)
                .exclude_me(false)
                .await
        }
    }
}

use services::math::MathError;

/// Starts the server once for this test binary, on a runtime of its own so
/// it outlives each test's runtime.
fn start_server() {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        let url = common::router().url();
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime.block_on(async move {
                let config = Config::single(ClientConfig::new(url, "realm1").unwrap());
                let mut errors = Registry::with_prefix("serve_test");
                errors.map_error::<std::num::ParseIntError>("error.not_a_number");
                // A handler added in code reaches the same state through its context.
                errors.procedure("tally", |ctx: CallContext, _payload: Payload| {
                    let tally = ctx.state::<services::events::Tally>().expect("the server's state");
                    let total = tally.0.load(std::sync::atomic::Ordering::SeqCst);
                    Ok(Payload::from_args(vec![Value::from(total)]))
                });
                let server = Server::new(config)
                    .state(services::events::Tally::default())
                    .registry(errors);
                match server.start().await {
                    Ok(server) => {
                        started_tx.send(Ok(())).unwrap();
                        server.run_until(std::future::pending()).await.unwrap();
                    }
                    Err(e) => started_tx.send(Err(e.to_string())).unwrap(),
                }
            });
        });
        started_rx.recv().unwrap().expect("the server starts");
    });
}

#[tokio::test]
async fn typed_arguments_are_read_by_position_and_by_keyword() {
    start_server();
    let client = connect().await;
    let quotient: f64 = client
        .call("serve_test.math.foo.divide")
        .args((8.0, 2.0))
        .await
        .unwrap()
        .decode()
        .unwrap();
    assert_eq!(quotient, 4.0);
    let quotient: f64 = client
        .call("serve_test.math.foo.divide")
        .arg(9)
        .kwarg("denominator", 3)
        .await
        .unwrap()
        .decode()
        .unwrap();
    assert_eq!(quotient, 3.0);
}

#[tokio::test]
async fn option_parameters_may_be_absent() {
    start_server();
    let client = connect().await;
    let greeting: String = client
        .call("serve_test.math.greet")
        .arg("ada")
        .await
        .unwrap()
        .decode()
        .unwrap();
    assert_eq!(greeting, "hello ada!");
    let greeting: String = client
        .call("serve_test.math.greet")
        .kwarg("name", "ada")
        .kwarg("punctuation", "?")
        .await
        .unwrap()
        .decode()
        .unwrap();
    assert_eq!(greeting, "hello ada?");
}

#[tokio::test]
async fn wrong_arguments_are_answered_with_invalid_argument_naming_the_parameter() {
    start_server();
    let client = connect().await;
    let err = client
        .call("serve_test.math.foo.divide")
        .args((1.0, "x"))
        .await
        .unwrap_err();
    let app = err.application().unwrap();
    assert_eq!(app.uri(), ApplicationError::INVALID_ARGUMENT);
    assert_eq!(
        app.message(),
        Some(r#"argument "denominator" (position 2): invalid type: string "x", expected f64"#)
    );

    let err = client.call("serve_test.math.foo.divide").arg(1.0).await.unwrap_err();
    assert_eq!(
        err.application().unwrap().message(),
        Some(r#"missing argument "denominator" (position 2 or keyword), expected f64"#)
    );

    let err = client
        .call("serve_test.math.foo.divide")
        .args((1.0, 2.0, 3.0))
        .await
        .unwrap_err();
    assert_eq!(
        err.application().unwrap().message(),
        Some("too many positional arguments: expected at most 2, got 3")
    );
}

#[tokio::test]
async fn args_and_kwargs_take_the_rest_and_payload_is_sent_as_is() {
    start_server();
    let client = connect().await;
    let output = client
        .call("serve_test.math.parts")
        .args((1, 2, 3))
        .kwarg("verbose", true)
        .await
        .unwrap();
    assert_eq!(
        output.args,
        vec![Value::from(1), Value::List(vec![Value::from(2), Value::from(3)])]
    );
    assert_eq!(output.kwargs.get("verbose"), Some(&Value::Bool(true)));

    let output = client.call("serve_test.math.nothing").await.unwrap();
    assert!(output.args.is_empty() && output.kwargs.is_empty());
}

#[tokio::test]
async fn wamp_errors_travel_with_their_prefixed_uri_and_decode_back() {
    start_server();
    let client = connect().await;
    let err = client
        .call("serve_test.math.foo.divide")
        .args((1.0, 0.0))
        .await
        .unwrap_err();
    assert_eq!(err.uri(), Some("serve_test.math.error.division_by_zero"));
    assert!(matches!(
        err.into_typed::<MathError>(),
        TypedCallError::Mapped(MathError::DivisionByZero)
    ));

    let result = client
        .call("serve_test.math.foo.divide")
        .args((2e6, 1.0))
        .typed::<f64, MathError>()
        .await;
    assert!(matches!(result, Err(TypedCallError::Mapped(MathError::TooLarge(n))) if n == 2e6));

    let err = client
        .call("serve_test.math.clamp")
        .args((50, 0, 10))
        .await
        .unwrap_err();
    let app = err.application().unwrap();
    assert_eq!(app.uri(), "serve_test_absolute.out_of_range");
    assert_eq!(app.kwargs.get("max"), Some(&Value::from(10)));
    assert_eq!(
        MathError::from_application_error(app),
        Some(MathError::OutOfRange { min: 0, max: 10 })
    );
}

#[tokio::test]
async fn unmapped_errors_become_runtime_error_without_their_text() {
    start_server();
    let client = connect().await;
    let err = client.call("serve_test.math.fails").await.unwrap_err();
    let app = err.application().unwrap();
    assert_eq!(app.uri(), ApplicationError::RUNTIME_ERROR);
    assert_eq!(app.message(), Some(wamp_runtime::INTERNAL_ERROR));
    assert!(!format!("{app:?}").contains("disk on fire"), "{app:?}");
    // An unmapped URI stays a generic application error for the typed caller.
    assert!(matches!(
        CallError::from(app.clone()).into_typed::<MathError>(),
        TypedCallError::Other(CallError::Application(_))
    ));
}

#[tokio::test]
async fn subscriber_receives_events_published_through_a_client_found_by_name() {
    start_server();
    let mut events = EVENTS.subscribe();
    let client = connect().await;
    client.call("serve_test.relay").arg("hi").await.unwrap();
    let event = tokio::time::timeout(PROMPTLY, events.recv()).await.unwrap().unwrap();
    assert_eq!(event, "serve_test.message_received: hi Some(1)");
}

#[tokio::test]
async fn start_fails_before_connecting_on_duplicates_and_unknown_clients() {
    fn echo(_ctx: CallContext, payload: Payload) -> Result<Payload, ApplicationError> {
        Ok(payload)
    }
    let mut registry = Registry::with_prefix("dup");
    registry.procedure("x", echo);
    registry.procedure("x", echo);
    let mut elsewhere = Registry::new();
    elsewhere.client("nope").procedure("y", echo);
    registry.add_from(elsewhere, None);
    // Nothing listens on this port: a connection attempt would fail differently.
    let dead = ClientConfig::new("ws://127.0.0.1:9/ws", "realm1").unwrap();
    let err = common::start_registry(dead, registry).await.unwrap_err();
    let message = err.to_string();
    assert!(message.contains("procedure \"dup.x\" is defined twice"), "{message}");
    assert!(
        message.contains("names client \"nope\", which is not configured (configured: default)"),
        "{message}"
    );
}

#[tokio::test]
async fn errors_mapped_at_run_time_are_sent_under_their_uri() {
    start_server();
    let client = connect().await;
    let parsed: i64 = client
        .call("serve_test.math.parse")
        .arg("42")
        .await
        .unwrap()
        .decode()
        .unwrap();
    assert_eq!(parsed, 42);
    let error = client.call("serve_test.math.parse").arg("forty-two").await.unwrap_err();
    let app = error.application().expect("an application error");
    assert_eq!(app.uri(), "serve_test.error.not_a_number");
    assert_eq!(app.message(), Some("invalid digit found in string"));
}

/// A server with nothing to bind does not start and says which line is
/// missing, unless told that it only calls and publishes.
#[tokio::test]
async fn a_server_with_nothing_to_serve_fails_unless_it_says_it_only_calls() {
    // Nothing listens on this port: the check comes before any connection.
    let dead = Config::single(ClientConfig::new("ws://127.0.0.1:9/ws", "realm1").unwrap());
    let err = Server::new(dead)
        .without_link_time_handlers()
        .start()
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("nothing to serve: no #[procedure] or #[subscriber] is linked"),
        "{message}"
    );
    assert!(message.contains("add `use wamp_rs as _;`"), "{message}");

    let config = Config::single(ClientConfig::new(common::router().url(), "realm1").unwrap());
    let server = Server::new(config)
        .without_link_time_handlers()
        .allow_no_handlers()
        .start()
        .await
        .unwrap();
    let client = server.clients().default_client().unwrap().clone();
    client.publish("serve_test.calls_only").acknowledged().await.unwrap();
    server.stop().await.unwrap();
}

/// A procedure another session holds: the start-up error names it and the
/// likely fixes; `force_reregister` takes it over.
#[tokio::test]
async fn a_refused_registration_names_the_procedure_and_the_fix() {
    fn echo(_ctx: CallContext, payload: Payload) -> Result<Payload, ApplicationError> {
        Ok(payload)
    }
    let holder = connect().await;
    let uri = common::unique("serve_test.taken");
    holder
        .register(uri.clone(), echo, wamp_runtime::RegisterOptions::default())
        .await
        .unwrap();
    let client = || ClientConfig::new(common::router().url(), "realm1").unwrap();

    let mut registry = Registry::new();
    registry.procedure(uri.clone(), echo);
    let err = common::start_registry(client(), registry).await.unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with(&format!(
            "cannot register procedure \"{uri}\" of the handler added to a registry at tests/serve.rs:"
        )),
        "{message}"
    );
    assert!(message.contains("wamp.error.procedure_already_exists"), "{message}");
    assert!(message.contains("invoke = \"roundrobin\""), "{message}");
    assert!(message.contains("force_reregister = true"), "{message}");

    let mut registry = Registry::new();
    registry.procedure_with(
        uri.clone(),
        wamp_runtime::RegisterOptions::new().force_reregister(true),
        |_ctx: CallContext, _payload: Payload| Ok(Payload::from_args(vec![Value::from("new owner")])),
    );
    let server = common::start_registry(client(), registry).await.unwrap();
    let answer: String = holder.call(uri).await.unwrap().decode().unwrap();
    assert_eq!(answer, "new owner");
    server.stop().await.unwrap();
}

/// A `Kwargs<T>` parameter takes the keyword arguments as one struct; a
/// missing field is an invalid_argument error naming it.
#[tokio::test]
async fn a_struct_parameter_takes_the_keyword_arguments_as_a_whole() {
    start_server();
    let client = connect().await;
    let area: String = client
        .call("serve_test.math.area")
        .kwarg("width", 3.0)
        .kwarg("height", 2.0)
        .kwarg("label", "room: ")
        .await
        .unwrap()
        .decode()
        .unwrap();
    assert_eq!(area, "room: 6");
    let error = client
        .call("serve_test.math.area")
        .kwarg("width", 3.0)
        .await
        .unwrap_err();
    let app = error.application().expect("an application error");
    assert_eq!(app.uri(), ApplicationError::INVALID_ARGUMENT);
    assert_eq!(app.message(), Some("keyword arguments: missing field `height`"));
}

/// State reaches a `#[subscriber]` (as a `State<T>` parameter) and a handler
/// added in code (through `ctx.state`): the same value, no global.
#[tokio::test]
async fn state_reaches_subscribers_and_handlers_added_in_code() {
    start_server();
    let client = connect().await;
    let before: i64 = client.call("serve_test.tally").await.unwrap().decode().unwrap();
    client
        .publish("serve_test.counted")
        .arg(5)
        .exclude_me(false)
        .acknowledged()
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + PROMPTLY;
    loop {
        let total: i64 = client.call("serve_test.tally").await.unwrap().decode().unwrap();
        if total == before + 5 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the subscriber never added 5: {total}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
