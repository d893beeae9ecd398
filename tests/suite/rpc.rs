//! Remote procedure calls against a real Crossbar router.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{PROMPTLY, connect, next, unique};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use wamp_runtime::{
    ApplicationError, CallContext, CallError, Dict, InvokePolicy, MatchPolicy, Payload, RegisterOptions, Value, typed,
};

fn echo(_ctx: CallContext, payload: Payload) -> Result<Payload, ApplicationError> {
    Ok(payload)
}

#[tokio::test]
async fn call_sends_args_and_kwargs_and_returns_them() {
    let callee = connect().await;
    let caller = connect().await;
    let procedure = unique("rpc.echo");
    callee
        .register(&procedure, echo, RegisterOptions::default())
        .await
        .unwrap();

    let output = caller
        .call(&procedure)
        .arg(1)
        .arg("two")
        .arg(vec![3.5, 4.25])
        .arg(serde_json::json!({"nested": {"deep": [true, null]}}))
        .kwarg("bytes", Value::Bytes(vec![0, 1, 2, 255]))
        .kwarg("unicode", "grüße, 世界 🚀")
        .kwarg("big", 9_007_199_254_740_991_u64)
        .await
        .unwrap();

    assert_eq!(output.args.len(), 4);
    assert_eq!(output.args[0], Value::Integer(1));
    assert_eq!(output.args[1], Value::from("two"));
    assert_eq!(output.args[2], Value::List(vec![Value::Float(3.5), Value::Float(4.25)]));
    assert_eq!(output.kwargs["bytes"], Value::Bytes(vec![0, 1, 2, 255]));
    assert_eq!(output.kwargs["unicode"], Value::from("grüße, 世界 🚀"));
    assert_eq!(output.kwargs["big"].as_u64(), Some(9_007_199_254_740_991));
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Order {
    item: String,
    quantity: u32,
    notes: Option<String>,
}

#[tokio::test]
async fn typed_arguments_and_results_round_trip() {
    let callee = connect().await;
    let caller = connect().await;
    let procedure = unique("rpc.order");
    callee
        .register(
            &procedure,
            |_ctx: CallContext, payload: Payload| async move {
                let first = payload.args.into_iter().next().unwrap_or_default();
                let order: Order = wamp_protocol::from_value(first)
                    .map_err(|e| ApplicationError::with_message(ApplicationError::INVALID_ARGUMENT, e.to_string()))?;
                let confirmed = Order {
                    quantity: order.quantity * 2,
                    ..order
                };
                Ok::<_, ApplicationError>(Payload::from_args(vec![wamp_protocol::to_value(&confirmed).unwrap()]))
            },
            RegisterOptions::default(),
        )
        .await
        .unwrap();

    let order = Order {
        item: "widget".into(),
        quantity: 21,
        notes: None,
    };
    let confirmed: Order = caller.call(&procedure).arg(&order).await.unwrap().decode().unwrap();
    assert_eq!(
        confirmed,
        Order {
            item: "widget".into(),
            quantity: 42,
            notes: None
        }
    );

    // Several positional results decode into a tuple, keyword results into a struct.
    let pair: (i64, String) = caller
        .call(&procedure_echo(&callee).await)
        .args((7, "seven"))
        .await
        .unwrap()
        .decode()
        .unwrap();
    assert_eq!(pair, (7, "seven".to_owned()));
    let kw: Order = caller
        .call(&procedure_echo(&callee).await)
        .kwarg("item", "gear")
        .kwarg("quantity", 3)
        .await
        .unwrap()
        .decode()
        .unwrap();
    assert_eq!(kw.item, "gear");
    // A result of the wrong type is a decode error, not a panic.
    let wrong = caller
        .call(&procedure_echo(&callee).await)
        .arg("text")
        .await
        .unwrap()
        .decode::<u32>();
    assert!(matches!(wrong, Err(CallError::Decode(_))), "{wrong:?}");
}

async fn procedure_echo(callee: &wamp_runtime::Client) -> String {
    let procedure = unique("rpc.echo");
    callee
        .register(&procedure, echo, RegisterOptions::default())
        .await
        .unwrap();
    procedure
}

async fn progress_handler(ctx: CallContext, _payload: Payload) -> Result<Payload, ApplicationError> {
    for step in 1..=10 {
        if let Some(progress) = ctx.progress() {
            progress.send_value(format!("{}% complete", step * 10)).await.unwrap();
        }
    }
    Ok(Payload::from_args(vec![Value::from("Done")]))
}

#[tokio::test]
async fn progressive_results_arrive_in_order_before_the_final_result() {
    let callee = connect().await;
    let caller = connect().await;
    let procedure = unique("rpc.progress");
    callee
        .register(&procedure, progress_handler, RegisterOptions::default())
        .await
        .unwrap();

    // As a callback.
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = seen.clone();
    let done: String = caller
        .call(&procedure)
        .on_progress(move |p| sink.lock().unwrap().push(p.args[0].as_str().unwrap().to_owned()))
        .await
        .unwrap()
        .decode()
        .unwrap();
    assert_eq!(done, "Done");
    let expected: Vec<String> = (1..=10).map(|s| format!("{}% complete", s * 10)).collect();
    assert_eq!(*seen.lock().unwrap(), expected);

    // As a stream.
    let mut call = caller.call(&procedure).with_progress();
    let mut streamed = Vec::new();
    while let Some(p) = call.next().await {
        // A progress item decodes like a result.
        streamed.push(p.decode::<String>().unwrap());
    }
    assert_eq!(streamed, expected);
    assert_eq!(call.result().await.unwrap().decode::<String>().unwrap(), "Done");

    // Without asking for progress the handler gets no progress sender.
    let plain: String = caller.call(&procedure).await.unwrap().decode().unwrap();
    assert_eq!(plain, "Done");
}

/// Registers a procedure that waits until interrupted and reports it.
async fn register_interruptible(callee: &wamp_runtime::Client) -> (String, mpsc::UnboundedReceiver<&'static str>) {
    let procedure = unique("rpc.slow");
    let (tx, rx) = mpsc::unbounded_channel();
    callee
        .register(
            &procedure,
            move |ctx: CallContext, _payload: Payload| {
                let tx = tx.clone();
                async move {
                    tx.send("started").unwrap();
                    tokio::select! {
                        () = ctx.cancelled() => { tx.send("interrupted").unwrap(); }
                        () = tokio::time::sleep(Duration::from_secs(30)) => { tx.send("finished").unwrap(); }
                    }
                    Err::<Payload, _>(ApplicationError::new(ApplicationError::CANCELED))
                }
            },
            RegisterOptions::default(),
        )
        .await
        .unwrap();
    (procedure, rx)
}

#[tokio::test]
async fn timeout_fails_the_call_and_interrupts_the_callee() {
    let callee = connect().await;
    let caller = connect().await;
    let (procedure, mut events) = register_interruptible(&callee).await;

    let started = Instant::now();
    let result = caller.call(&procedure).timeout(Duration::from_millis(300)).await;
    let elapsed = started.elapsed();
    assert!(
        matches!(result, Err(CallError::Timeout(d)) if d == Duration::from_millis(300)),
        "{result:?}"
    );
    assert!(elapsed < Duration::from_secs(2), "timeout took {elapsed:?}");
    assert_eq!(next(&mut events).await, "started");
    assert_eq!(next(&mut events).await, "interrupted");
    // The session is still usable.
    assert!(caller.is_joined());
}

#[tokio::test]
async fn dropping_the_call_future_cancels_the_call() {
    let callee = connect().await;
    let caller = connect().await;
    let (procedure, mut events) = register_interruptible(&callee).await;

    let call = caller.call(&procedure).into_future();
    let handle = tokio::spawn(call);
    assert_eq!(next(&mut events).await, "started");
    handle.abort();
    assert_eq!(next(&mut events).await, "interrupted");
}

use std::future::IntoFuture;

#[tokio::test]
async fn prefix_and_wildcard_registrations_see_the_concrete_procedure() {
    let callee = connect().await;
    let caller = connect().await;
    let base = unique("rpc.pattern");
    let which = |ctx: CallContext, _p: Payload| Ok(Payload::from_args(vec![Value::from(ctx.procedure())]));

    callee
        .register(
            &base,
            which,
            RegisterOptions::default().match_policy(MatchPolicy::Prefix),
        )
        .await
        .unwrap();
    // Crossbar's prefix match is a plain string prefix: keep the bases apart.
    let wild_base = unique("rpc.wild");
    let wildcard = format!("{wild_base}..get");
    callee
        .register(
            &wildcard,
            which,
            RegisterOptions::default().match_policy(MatchPolicy::Wildcard),
        )
        .await
        .unwrap();

    let called = format!("{base}.deep.name");
    let seen: String = caller.call(&called).await.unwrap().decode().unwrap();
    assert_eq!(seen, called);
    let called = format!("{wild_base}.anything.get");
    let seen: String = caller.call(&called).await.unwrap().decode().unwrap();
    assert_eq!(seen, called);
    // Exact registrations do not match longer URIs.
    let exact = unique("rpc.exact");
    callee
        .register(&exact, which, RegisterOptions::default())
        .await
        .unwrap();
    let miss = caller.call(format!("{exact}.more")).await.unwrap_err();
    assert_eq!(miss.uri(), Some(ApplicationError::NO_SUCH_PROCEDURE));
}

#[tokio::test]
async fn roundrobin_spreads_calls_over_two_callee_sessions() {
    let first = connect().await;
    let second = connect().await;
    let caller = connect().await;
    let procedure = unique("rpc.shared");
    let whoami = |ctx: CallContext, _p: Payload| Ok(Payload::from_args(vec![Value::from(ctx.session_id())]));
    let options = RegisterOptions::default().invoke(InvokePolicy::RoundRobin);
    first.register(&procedure, whoami, options).await.unwrap();
    second.register(&procedure, whoami, options).await.unwrap();

    let mut served = Vec::new();
    for _ in 0..6 {
        served.push(caller.call(&procedure).await.unwrap().decode::<u64>().unwrap());
    }
    let a = first.session_id().unwrap();
    let b = second.session_id().unwrap();
    assert_eq!(served.iter().filter(|s| **s == a).count(), 3, "{served:?}");
    assert_eq!(served.iter().filter(|s| **s == b).count(), 3, "{served:?}");
    // Alternating, one after the other.
    assert!(served.windows(2).all(|w| w[0] != w[1]), "{served:?}");

    // A conflicting invoke policy is refused by the router.
    let conflict = connect()
        .await
        .register(
            &procedure,
            whoami,
            RegisterOptions::default().invoke(InvokePolicy::Random),
        )
        .await
        .unwrap_err();
    assert!(conflict.uri().unwrap().starts_with("wamp.error."), "{conflict}");
}

#[tokio::test]
async fn a_typed_closure_registered_without_macros_reads_its_arguments_and_names_a_misfit() {
    let callee = connect().await;
    let caller = connect().await;
    let procedure = unique("rpc.typed_divide");
    let divide = typed::procedure(["numerator", "denominator"], |_ctx: CallContext, n: f64, d: f64| n / d);
    callee
        .register(&procedure, divide, RegisterOptions::new())
        .await
        .unwrap();

    let by_position: f64 = caller
        .call(&procedure)
        .args((8.0, 2.0))
        .await
        .unwrap()
        .decode()
        .unwrap();
    assert_eq!(by_position, 4.0);
    let by_keyword: f64 = caller
        .call(&procedure)
        .kwarg("denominator", 4.0)
        .kwarg("numerator", 2.0)
        .await
        .unwrap()
        .decode()
        .unwrap();
    assert_eq!(by_keyword, 0.5);

    let error = caller.call(&procedure).args(("x", 1.0)).await.unwrap_err();
    let app = error.application().expect("an application error");
    assert_eq!(app.uri(), ApplicationError::INVALID_ARGUMENT);
    assert_eq!(
        app.message(),
        Some(r#"argument "numerator" (position 1): invalid type: string "x", expected f64"#)
    );
}

#[tokio::test]
async fn handler_errors_reach_the_caller_with_uri_args_and_kwargs() {
    let callee = connect().await;
    let caller = connect().await;
    let procedure = unique("rpc.fails");
    callee
        .register(
            &procedure,
            |_ctx: CallContext, _p: Payload| {
                Err(ApplicationError::new("com.example.error.out_of_stock")
                    .with_arg("widget")
                    .with_kwarg("available", 0))
            },
            RegisterOptions::default(),
        )
        .await
        .unwrap();
    let error = caller.call(&procedure).await.unwrap_err();
    let app = error.application().expect("an application error");
    assert_eq!(app.uri(), "com.example.error.out_of_stock");
    assert_eq!(app.args, vec![Value::from("widget")]);
    assert_eq!(app.kwargs.get("available"), Some(&Value::Integer(0)));
    assert_eq!(error.to_string(), "com.example.error.out_of_stock: widget");
}

#[tokio::test]
async fn a_panicking_handler_answers_runtime_error_and_the_session_lives_on() {
    let callee = connect().await;
    let caller = connect().await;
    let procedure = unique("rpc.panics");
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    callee
        .register(
            &procedure,
            move |_ctx: CallContext, _p: Payload| -> Result<Payload, ApplicationError> {
                if counter.fetch_add(1, Ordering::SeqCst) == 0 {
                    panic!("secret internal detail");
                }
                Ok(Payload::from_args(vec![Value::from("recovered")]))
            },
            RegisterOptions::default(),
        )
        .await
        .unwrap();

    let error = caller.call(&procedure).await.unwrap_err();
    let app = error.application().unwrap();
    assert_eq!(app.uri(), ApplicationError::RUNTIME_ERROR);
    assert!(!format!("{app:?}").contains("secret"), "internals leaked: {app:?}");
    // Same callee session, next call works.
    let ok: String = caller.call(&procedure).await.unwrap().decode().unwrap();
    assert_eq!(ok, "recovered");
    assert!(callee.is_joined());
}

/// Crossbar 26.10.1 ignores `disclose_caller`/`disclose_me` and discloses by
/// role permission only: the test router's `anonymous` role discloses under
/// `disclosed.`. We still send the options (other routers honour them).
#[tokio::test]
async fn a_disclosed_caller_is_visible_to_the_callee() {
    let callee = connect().await;
    let caller = connect().await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let procedure = unique("disclosed.rpc");
    callee
        .register(
            &procedure,
            move |ctx: CallContext, _p: Payload| {
                tx.send(ctx.caller().cloned()).unwrap();
                Ok(Payload::default())
            },
            RegisterOptions::default().disclose_caller(true),
        )
        .await
        .unwrap();
    caller.call(&procedure).disclose_me(true).await.unwrap();
    let identity = next(&mut rx).await.expect("caller disclosed");
    let details = caller.details().unwrap();
    assert_eq!(identity.session, Some(details.session_id));
    assert_eq!(identity.authid, details.authid);
    assert_eq!(identity.authrole.as_deref(), Some("anonymous"));

    // Without disclosure the callee learns nothing about the caller.
    let (tx, mut rx) = mpsc::unbounded_channel();
    let hidden = unique("rpc.hidden");
    callee
        .register(
            &hidden,
            move |ctx: CallContext, _p: Payload| {
                tx.send(ctx.caller().cloned()).unwrap();
                Ok(Payload::default())
            },
            RegisterOptions::default(),
        )
        .await
        .unwrap();
    caller.call(&hidden).await.unwrap();
    assert_eq!(next(&mut rx).await, None);
}

#[tokio::test]
async fn unregister_removes_the_procedure_and_unknown_procedures_are_errors() {
    let callee = connect().await;
    let caller = connect().await;
    let procedure = unique("rpc.gone");
    let registration = callee
        .register(&procedure, echo, RegisterOptions::default())
        .await
        .unwrap();
    assert_eq!(registration.procedure(), procedure);
    caller.call(&procedure).await.unwrap();
    registration.unregister().await.unwrap();
    let error = caller.call(&procedure).await.unwrap_err();
    assert_eq!(error.uri(), Some(ApplicationError::NO_SUCH_PROCEDURE));
    // Registering the same procedure twice is the router's error, returned to us.
    callee
        .register(&procedure, echo, RegisterOptions::default())
        .await
        .unwrap();
    let twice = caller
        .register(&procedure, echo, RegisterOptions::default())
        .await
        .unwrap_err();
    assert_eq!(twice.uri(), Some("wamp.error.procedure_already_exists"));
}

#[tokio::test]
async fn invalid_uris_and_arguments_fail_before_anything_is_sent() {
    let client = connect().await;
    let error = client.call("not a uri").await.unwrap_err();
    assert!(matches!(error, CallError::InvalidRequest(_)), "{error}");
    let error = client
        .register("bad..uri", echo, RegisterOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(error, CallError::InvalidRequest(_)), "{error}");
    let error = client.call("com.example.x").args(42).await.unwrap_err();
    assert!(error.to_string().contains("must serialize to a list"), "{error}");
    let mut bad_map = std::collections::HashMap::new();
    bad_map.insert(vec![1u8], 1);
    let error = client.call("com.example.x").arg(bad_map).await.unwrap_err();
    assert!(matches!(error, CallError::InvalidRequest(_)), "{error}");
    assert!(client.is_joined());
}

#[tokio::test]
async fn many_concurrent_calls_all_complete() {
    let callee = connect().await;
    let caller = connect().await;
    let procedure = unique("rpc.concurrent");
    callee
        .register(&procedure, echo, RegisterOptions::default())
        .await
        .unwrap();
    let calls = (0..200).map(|i| {
        let caller = caller.clone();
        let procedure = procedure.clone();
        async move { caller.call(&procedure).arg(i).await.unwrap().decode::<i64>().unwrap() }
    });
    let results = tokio::time::timeout(PROMPTLY * 4, futures_util::future::join_all(calls))
        .await
        .unwrap();
    assert_eq!(results, (0..200).collect::<Vec<i64>>());
    let _ = Dict::new();
}

/// The cancel mode is the caller's choice: `skip` leaves the callee
/// running, `kill` and `killnowait` interrupt it; the caller stops waiting
/// at its timeout in every mode.
#[tokio::test]
async fn the_cancel_mode_decides_whether_the_callee_is_interrupted() {
    let callee = connect().await;
    let caller = connect().await;
    for (mode, interrupted) in [
        (wamp_runtime::CancelMode::Skip, false),
        (wamp_runtime::CancelMode::Kill, true),
        (wamp_runtime::CancelMode::KillNoWait, true),
    ] {
        let (procedure, mut events) = register_interruptible(&callee).await;
        let started = Instant::now();
        let result = caller
            .call(&procedure)
            .timeout(Duration::from_millis(300))
            .cancel_mode(mode)
            .await;
        assert!(matches!(result, Err(CallError::Timeout(_))), "{mode:?}: {result:?}");
        assert!(started.elapsed() < Duration::from_secs(2), "{mode:?}");
        assert_eq!(next(&mut events).await, "started");
        if interrupted {
            assert_eq!(next(&mut events).await, "interrupted", "{mode:?}");
        } else {
            common::assert_nothing(&mut events).await;
        }
    }
}
