//! Every serializer (JSON, MessagePack, CBOR) on every transport (WebSocket,
//! RawSocket over TCP and over a Unix socket) against a real Crossbar router;
//! message size limits both ways; autobahn-python on the other side.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::common;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{PROMPTLY, next, unique};
use futures_util::StreamExt;
use serde_json::json;
use tokio::sync::mpsc;
use wamp_protocol::SerializerKind;
use wamp_runtime::{
    ApplicationError, CallContext, CallError, Client, ClientConfig, Dict, Error, EventContext, Payload,
    RegisterOptions, SubscribeOptions, Value,
};
use wamp_testkit::{AutobahnSession, PythonPeer, Router, RouterConfig};

use SerializerKind::{Cbor, Json, MsgPack};

/// The Unix socket of the `unix` transport (absolute, so the URL works from
/// any directory).
fn socket_path() -> PathBuf {
    std::env::temp_dir().join(format!("wamp-rs-serializers-{}.sock", std::process::id()))
}

/// One router for this file: the default websocket transports, plus
/// RawSocket over TCP (`rs`), over a Unix socket (`unix`), with a 4 KiB
/// limit (`rs_small`) and offering JSON only (`rs_json_only`).
fn router() -> &'static Router {
    static ROUTER: OnceLock<Router> = OnceLock::new();
    ROUTER.get_or_init(|| {
        let anonymous = json!({"anonymous": {"type": "static", "role": "anonymous"}});
        let path = socket_path();
        let config = RouterConfig::default()
            .rawsocket_transport("rs", anonymous.clone())
            .raw_transport(
                "unix",
                json!({
                    "type": "rawsocket",
                    "endpoint": {"type": "unix", "path": path.to_str().unwrap()},
                    "serializers": ["json", "msgpack", "cbor"],
                    "auth": anonymous,
                }),
            )
            .raw_transport(
                "rs_small",
                json!({
                    "type": "rawsocket",
                    "endpoint": {"type": "tcp", "interface": "127.0.0.1", "port": wamp_testkit::PORT_PLACEHOLDER},
                    "serializers": ["json", "msgpack", "cbor"],
                    "options": {"max_message_size": 4096},
                    "auth": anonymous,
                }),
            )
            .raw_transport(
                "rs_json_only",
                json!({
                    "type": "rawsocket",
                    "endpoint": {"type": "tcp", "interface": "127.0.0.1", "port": wamp_testkit::PORT_PLACEHOLDER},
                    "serializers": ["json"],
                    "auth": anonymous,
                }),
            );
        let router = Router::start(config).expect("start crossbar");
        // Unix endpoints are not waited for by the harness.
        let deadline = Instant::now() + Duration::from_secs(30);
        while !path.exists() {
            assert!(Instant::now() < deadline, "crossbar did not create {}", path.display());
            std::thread::sleep(Duration::from_millis(50));
        }
        router
    })
}

/// Every serializer on every transport (the Unix socket with two of them).
fn cases() -> Vec<(&'static str, SerializerKind)> {
    vec![
        ("default", Json),
        ("default", MsgPack),
        ("default", Cbor),
        ("rs", Json),
        ("rs", MsgPack),
        ("rs", Cbor),
        ("unix", MsgPack),
        ("unix", Cbor),
    ]
}

fn config(transport: &str, serializer: SerializerKind) -> ClientConfig {
    ClientConfig::builder()
        .url(router().transport_url(transport))
        .realm("realm1")
        .serializers([serializer])
        .build()
        .unwrap()
}

async fn join(config: &ClientConfig) -> Client {
    Client::connect(config)
        .await
        .unwrap_or_else(|e| panic!("join over {} with {:?}: {e}", config.url, config.serializers))
}

async fn connect(transport: &str, serializer: SerializerKind) -> Client {
    join(&config(transport, serializer)).await
}

fn echo(_ctx: CallContext, payload: Payload) -> Result<Payload, ApplicationError> {
    Ok(payload)
}

async fn progress_handler(ctx: CallContext, payload: Payload) -> Result<Payload, ApplicationError> {
    for step in 1..=3 {
        if let Some(progress) = ctx.progress() {
            progress.send_value(step).await.unwrap();
        }
    }
    Ok(payload)
}

/// Nested maps, unicode, large integers, floats and binary.
fn rich_payload() -> Payload {
    let nested: Dict = [
        ("ünïcode".to_owned(), Value::from("grüße, 世界 🚀 \u{0}nul")),
        (
            "deep".to_owned(),
            Value::List(vec![Value::Dict(
                [(
                    "list".to_owned(),
                    Value::List(vec![Value::Null, Value::Bool(true), Value::Dict(Dict::new())]),
                )]
                .into_iter()
                .collect(),
            )]),
        ),
    ]
    .into_iter()
    .collect();
    let args = vec![
        Value::UnsignedInteger(u64::MAX),
        Value::UnsignedInteger(i64::MAX as u64 + 1),
        Value::Integer(i64::MIN),
        Value::Integer(9_007_199_254_740_993),
        Value::Float(0.1),
        Value::Float(-1.5e300),
        Value::Float(1.0),
        Value::Bytes(vec![0, 1, 2, 255]),
        Value::Bytes(vec![]),
        Value::Dict(nested.clone()),
    ];
    let kwargs = [
        ("nested".to_owned(), Value::Dict(nested)),
        ("blob".to_owned(), Value::Bytes((0..=255).collect())),
        ("empty".to_owned(), Value::List(vec![])),
    ]
    .into_iter()
    .collect();
    Payload::from_parts(args, kwargs)
}

#[tokio::test]
async fn call_publish_and_progress_round_trip_on_every_serializer_and_transport() {
    for (transport, serializer) in cases() {
        let what = format!("{transport}/{serializer}");
        let callee = connect(transport, serializer).await;
        let caller = connect(transport, serializer).await;
        let payload = rich_payload();

        // A call with args and kwargs through a callee of our own.
        let procedure = unique("ser.echo");
        callee
            .register(&procedure, echo, RegisterOptions::default())
            .await
            .unwrap();
        let output = caller.call(&procedure).payload(payload.clone()).await.unwrap();
        let expected = payload.clone();
        assert_eq!(output.args, expected.args, "{what}");
        assert_eq!(output.kwargs, expected.kwargs, "{what}");

        // Progressive results.
        let procedure = unique("ser.progress");
        callee
            .register(&procedure, progress_handler, RegisterOptions::default())
            .await
            .unwrap();
        let mut call = caller.call(&procedure).arg(Value::Bytes(vec![9; 3])).with_progress();
        let mut steps = Vec::new();
        while let Some(progress) = call.next().await {
            steps.push(progress.args[0].clone());
        }
        assert_eq!(steps, [1, 2, 3].map(Value::from), "{what}");
        assert_eq!(call.result().await.unwrap().args, [Value::Bytes(vec![9; 3])], "{what}");

        // An acknowledged publication reaches a subscriber.
        let topic = unique("ser.topic");
        let (tx, mut events) = mpsc::unbounded_channel();
        callee
            .subscribe(
                &topic,
                move |_ctx: EventContext, payload: Payload| {
                    let _ = tx.send(payload);
                },
                SubscribeOptions::default(),
            )
            .await
            .unwrap();
        let publication = caller.publish(&topic).payload(payload.clone()).acknowledged().await;
        assert!(publication.is_ok(), "{what}: {publication:?}");
        let event = next(&mut events).await;
        assert_eq!(event.args, expected.args, "{what}");
        assert_eq!(event.kwargs, expected.kwargs, "{what}");

        caller.leave().await.unwrap();
        callee.leave().await.unwrap();
    }
}

#[tokio::test]
async fn callers_and_callees_on_different_serializers_understand_each_other() {
    let callee = connect("unix", Cbor).await;
    let procedure = unique("ser.mixed");
    callee
        .register(&procedure, echo, RegisterOptions::default())
        .await
        .unwrap();
    for (transport, serializer) in [("rs", MsgPack), ("default", Json), ("rs", Cbor)] {
        let caller = connect(transport, serializer).await;
        let output = caller.call(&procedure).payload(rich_payload()).await.unwrap();
        assert_eq!(output.args, rich_payload().args, "{transport}/{serializer}");
        assert_eq!(output.kwargs, rich_payload().kwargs, "{transport}/{serializer}");
    }
}

#[tokio::test]
async fn websocket_offers_the_list_in_order_and_uses_the_routers_choice() {
    // Crossbar picks the first offered subprotocol it supports.
    let config = ClientConfig::builder()
        .url(router().url())
        .serializers([Cbor, MsgPack, Json])
        .build()
        .unwrap();
    let client = join(&config).await;
    let procedure = unique("ser.choice");
    client
        .register(&procedure, echo, RegisterOptions::default())
        .await
        .unwrap();
    let output = client.call(&procedure).arg(Value::Bytes(vec![1])).await.unwrap();
    assert_eq!(output.args, [Value::Bytes(vec![1])]);
}

#[tokio::test]
async fn a_10_mib_binary_argument_round_trips_on_every_serializer() {
    let blob: Vec<u8> = (0..10 * 1024 * 1024).map(|i: u32| (i % 251) as u8).collect();
    for (transport, serializer) in [
        ("default", Json),
        ("default", MsgPack),
        ("default", Cbor),
        ("rs", Json),
        ("rs", MsgPack),
        ("rs", Cbor),
    ] {
        let callee = connect(transport, serializer).await;
        let caller = connect(transport, serializer).await;
        let procedure = unique("ser.big");
        callee
            .register(&procedure, echo, RegisterOptions::default())
            .await
            .unwrap();
        let started = Instant::now();
        let output = tokio::time::timeout(
            Duration::from_secs(60),
            caller.call(&procedure).arg(Value::Bytes(blob.clone())),
        )
        .await
        .unwrap_or_else(|_| panic!("{transport}/{serializer}: 10 MiB call timed out"))
        .unwrap_or_else(|e| panic!("{transport}/{serializer}: {e}"));
        assert!(
            output.args.first().and_then(Value::as_bytes) == Some(&blob[..]),
            "{transport}/{serializer}: the blob came back different"
        );
        eprintln!("10 MiB over {transport}/{serializer}: {:?}", started.elapsed());
        caller.leave().await.unwrap();
        callee.leave().await.unwrap();
    }
}

/// Asserts that `error` is an oversize refusal naming both sizes.
fn assert_too_large(error: &CallError, limit: usize) {
    let text = error.to_string();
    assert!(matches!(error, CallError::InvalidRequest(_)), "{text}");
    assert!(
        text.contains(&format!("more than the maximum message size of {limit} bytes")),
        "{text}"
    );
}

#[tokio::test]
async fn our_max_message_size_is_enforced_both_ways_with_a_clear_error() {
    let big = Value::Bytes(vec![7; 1024 * 1024]);
    for (transport, serializer) in [("default", Json), ("default", Cbor), ("rs", MsgPack), ("unix", Cbor)] {
        let what = format!("{transport}/{serializer}");
        let mut small = config(transport, serializer);
        small.max_message_size = 64 * 1024;
        let caller = join(&small).await;
        let callee = connect(transport, serializer).await;
        let procedure = unique("ser.limit");
        callee
            .register(
                &procedure,
                |_ctx: CallContext, _payload: Payload| Ok(Payload::from_args(vec![Value::Bytes(vec![7; 1024 * 1024])])),
                RegisterOptions::default(),
            )
            .await
            .unwrap();

        // Sending: refused before it leaves, the session stays usable.
        let error = tokio::time::timeout(PROMPTLY, caller.call(&procedure).arg(big.clone()))
            .await
            .unwrap_or_else(|_| panic!("{what}: an oversized call hangs"))
            .unwrap_err();
        assert_too_large(&error, 64 * 1024);
        let error = caller.publish(unique("ser.t")).arg(big.clone()).await.unwrap_err();
        assert_too_large(&error, 64 * 1024);
        assert!(caller.is_joined(), "{what}");

        // Receiving: a 1 MiB result is more than we accept; the call fails
        // instead of hanging.
        let error = tokio::time::timeout(PROMPTLY, caller.call(&procedure))
            .await
            .unwrap_or_else(|_| panic!("{what}: an oversized result hangs"))
            .unwrap_err();
        if transport == "default" {
            // WebSocket announces no limit: the frame arrives and is refused
            // by our reader, which drops the link.
            assert!(matches!(error, CallError::ConnectionLost(_)), "{what}: {error}");
            assert!(error.to_string().contains("Message too long"), "{what}: {error}");
            let reason = tokio::time::timeout(PROMPTLY, caller.closed()).await.unwrap();
            assert!(reason.contains("65536"), "{what}: {reason}");
        } else {
            // RawSocket announced our limit in the handshake, and Crossbar
            // honours it: it answers the call with an error and the session
            // lives on.
            assert_eq!(error.uri(), Some("wamp.error.invalid_argument"), "{what}: {error}");
            assert!(
                error.to_string().contains("exceeding payload limit of 65536 octets"),
                "{what}: {error}"
            );
            assert!(caller.is_joined(), "{what}");
            caller.leave().await.unwrap();
        }
        callee.leave().await.unwrap();
    }
}

#[tokio::test]
async fn the_routers_rawsocket_limit_is_negotiated_and_enforced() {
    for serializer in [Json, MsgPack, Cbor] {
        let client = connect("rs_small", serializer).await;
        let procedure = unique("ser.small");
        client
            .register(&procedure, echo, RegisterOptions::default())
            .await
            .unwrap();
        // Small calls work.
        let output = client.call(&procedure).arg(Value::Bytes(vec![1; 1000])).await.unwrap();
        assert_eq!(output.args, [Value::Bytes(vec![1; 1000])]);
        // Our 16 MiB default is cut to the router's 4 KiB.
        let error = tokio::time::timeout(PROMPTLY, client.call(&procedure).arg(Value::Bytes(vec![1; 5000])))
            .await
            .expect("an oversized call hangs")
            .unwrap_err();
        assert_too_large(&error, 4096);
        assert!(client.is_joined());
        client.leave().await.unwrap();
    }
}

#[tokio::test]
async fn an_unsupported_rawsocket_serializer_fails_with_a_clear_error() {
    // Crossbar resets the connection instead of answering with error code 1.
    let error = Client::connect(&config("rs_json_only", Cbor)).await.unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, Error::Connect { .. }), "{text}");
    assert!(
        text.contains(
            "the router closed the connection during the RawSocket handshake; \
             Crossbar does this when the transport does not offer the cbor serializer"
        ),
        "{text}"
    );
    // JSON works there.
    connect("rs_json_only", Json).await.leave().await.unwrap();
}

#[tokio::test]
async fn urls_that_are_not_rawsocket_routers_or_not_supported_fail_clearly() {
    // A RawSocket handshake sent to the WebSocket port: Crossbar waits for
    // the rest of an HTTP request, so only the connection timeout ends it.
    let ws_port = router().port("default");
    let config = ClientConfig::builder()
        .url(format!("rs://127.0.0.1:{ws_port}"))
        .connection_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let error = Client::connect(&config).await.unwrap_err();
    assert!(matches!(error, Error::ConnectTimeout { .. }), "{error}");
    // A WebSocket client sent to the RawSocket port.
    let rs_port = router().port("rs");
    let config = ClientConfig::builder()
        .url(format!("ws://127.0.0.1:{rs_port}/ws"))
        .connection_timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    let error = Client::connect(&config).await.unwrap_err();
    eprintln!("ws:// to a rawsocket port: {error}");

    // rss:// is RawSocket over TLS (tests/tls.rs); nothing listens on port 1.
    let config = ClientConfig::new("rss://127.0.0.1:1", "realm1").unwrap();
    let error = Client::connect(&config).await.unwrap_err();
    assert!(matches!(error, Error::Connect { .. }), "{error}");
    let error = ClientConfig::new("unix://", "realm1").unwrap_err().to_string();
    assert!(error.contains("needs a socket path"), "{error}");
}

#[tokio::test]
async fn idle_rawsocket_sessions_survive_short_ping_intervals() {
    // Crossbar's RawSocket cannot parse ping frames (it drops the
    // connection), so keepalive pings are WebSocket-only: an idle RawSocket
    // session with a short ping interval must not be broken by them.
    for transport in ["rs", "unix"] {
        let mut config = config(transport, MsgPack);
        config.ping_interval = Some(Duration::from_millis(100));
        config.ping_timeout = Duration::from_millis(500);
        let client = join(&config).await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(client.is_joined(), "{transport}: {:?}", client.state());
        let procedure = unique("ser.idle");
        client
            .register(&procedure, echo, RegisterOptions::default())
            .await
            .unwrap();
        assert_eq!(client.call(&procedure).arg(1).await.unwrap().args, [Value::from(1)]);
        client.leave().await.unwrap();
    }
}

#[tokio::test]
async fn the_serializers_key_is_read_from_a_file() {
    let url = router().transport_url("rs");
    let config =
        wamp_runtime::config::Config::from_yaml_str(&format!("url: {url}\nserializers: [cbor, json]\n")).unwrap();
    let client = config.default_client().unwrap().clone();
    assert_eq!(client.serializers, [Cbor, Json]);
    join(&client).await.leave().await.unwrap();

    let error = wamp_runtime::config::Config::from_yaml_str("serializers: [cbor, xml]")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("unknown serializer \"xml\", expected \"json\", \"msgpack\" or \"cbor\""),
        "{error}"
    );
    assert!(error.contains("serializers"), "{error}");
    let error = wamp_runtime::config::Config::from_toml_str("serializers = []")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("serializers: must name at least one serializer"),
        "{error}"
    );
    let error = wamp_runtime::config::Config::from_toml_str("serializers = [\"json\", \"json\"]")
        .unwrap_err()
        .to_string();
    assert!(error.contains("serializers: lists json twice"), "{error}");
}

/// autobahn-python calls our procedure with `serializer` over the default
/// websocket transport; our callee is on RawSocket/MessagePack.
fn autobahn_caller(serializer: &str, uri: &str) -> PythonPeer {
    AutobahnSession::new(&router().url(), "realm1")
        .serializer(serializer)
        .arg("URI", uri)
        .spawn(
            r#"res = await self.call(URI, b"\x00\x01\xff", 2**64 - 1, -2**63, 1.5, "gr\u00fc\u00dfe \U0001F680",
                      {"nested": {"list": [1, None, True]}}, blob=b"\x07" * 3)
print("result", show({"args": res.results, "kwargs": res.kwresults}), flush=True)"#,
        )
        .expect("start autobahn peer")
}

#[tokio::test(flavor = "multi_thread")]
async fn autobahn_over_cbor_and_msgpack_calls_our_procedure_with_binary_and_big_integers() {
    let callee = connect("rs", MsgPack).await;
    let procedure = unique("ser.interop");
    let (tx, mut received) = mpsc::unbounded_channel();
    callee
        .register(
            &procedure,
            move |_ctx: CallContext, payload: Payload| {
                let _ = tx.send(payload.clone());
                Ok(payload)
            },
            RegisterOptions::default(),
        )
        .await
        .unwrap();
    for serializer in ["cbor", "msgpack"] {
        let mut peer = autobahn_caller(serializer, &procedure);
        let line = tokio::task::block_in_place(|| peer.wait_for_line("result ", Duration::from_secs(30)))
            .unwrap_or_else(|e| panic!("{serializer}: {e}\n{}", peer.output()));
        let payload = next(&mut received).await;
        assert_eq!(
            payload.args,
            vec![
                Value::Bytes(vec![0, 1, 255]),
                Value::UnsignedInteger(u64::MAX),
                Value::Integer(i64::MIN),
                Value::Float(1.5),
                Value::from("grüße 🚀"),
                Value::Dict(
                    [(
                        "nested".to_owned(),
                        Value::Dict(
                            [(
                                "list".to_owned(),
                                Value::List(vec![Value::Integer(1), Value::Null, Value::Bool(true)])
                            )]
                            .into_iter()
                            .collect()
                        )
                    )]
                    .into_iter()
                    .collect()
                ),
            ],
            "{serializer}"
        );
        assert_eq!(payload.kwargs["blob"], Value::Bytes(vec![7; 3]), "{serializer}");
        assert_eq!(
            line,
            r#"result {"args": ["bytes:0001ff", 18446744073709551615, -9223372036854775808, 1.5, "gr\u00fc\u00dfe \ud83d\ude80", {"nested": {"list": [1, null, true]}}], "kwargs": {"blob": "bytes:070707"}}"#,
            "{serializer}"
        );
    }
}
