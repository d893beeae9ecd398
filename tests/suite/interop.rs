//! Interoperability with autobahn-python (from the Crossbar virtualenv) as
//! the peer on the other side of a real Crossbar router.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::common;

use std::time::Duration;

use common::{connect, next, router, unique};
use tokio::sync::mpsc;
use wamp_runtime::{CallContext, EventContext, Payload, RegisterOptions, SubscribeOptions, Value};
use wamp_testkit::{AutobahnSession, PythonPeer};

const PEER_TIMEOUT: Duration = Duration::from_secs(30);

/// Waits for the peer's line without blocking the runtime our sessions run on.
fn wait_for_line(peer: &mut PythonPeer, prefix: &str) -> String {
    tokio::task::block_in_place(|| peer.wait_for_line(prefix, PEER_TIMEOUT)).expect("the autobahn peer answers")
}

fn spawn(on_join: &str, uri: &str) -> PythonPeer {
    AutobahnSession::new(&router().url(), "realm1")
        .arg("URI", uri)
        .spawn(on_join)
        .expect("start autobahn peer")
}

#[tokio::test(flavor = "multi_thread")]
async fn autobahn_calls_our_procedure() {
    let callee = connect().await;
    let procedure = unique("interop.ours");
    callee
        .register(
            &procedure,
            |_ctx: CallContext, payload: Payload| {
                let a = payload.args[0].as_i64().unwrap_or_default();
                let b = payload.args[1].as_i64().unwrap_or_default();
                let mut result = Payload::from_args(vec![Value::from(a + b)]);
                result
                    .kwargs
                    .insert("echo".into(), payload.kwargs.get("note").cloned().unwrap_or_default());
                result.kwargs.insert("blob".into(), Value::Bytes(vec![1, 2, 3, 0, 255]));
                Ok(result)
            },
            RegisterOptions::default(),
        )
        .await
        .unwrap();

    let mut peer = spawn(
        r#"res = await self.call(URI, 2, 40, note="from autobahn ü")
print("result", show({"args": res.results, "kwargs": res.kwresults}), flush=True)"#,
        &procedure,
    );
    let line = wait_for_line(&mut peer, "result ");
    assert_eq!(
        line,
        r#"result {"args": [42], "kwargs": {"blob": "bytes:01020300ff", "echo": "from autobahn \u00fc"}}"#
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn we_call_an_autobahn_procedure() {
    let procedure = unique("interop.theirs");
    let mut peer = spawn(
        r#"def add(a, b, scale=1, blob=None):
    return CallResult(a * scale + b, length=len(blob or b""), blob=bytes(reversed(blob or b"")))
await self.register(add, URI)
print("ready", flush=True)
await asyncio.sleep(20)"#,
        &procedure,
    );
    wait_for_line(&mut peer, "ready");

    let caller = connect().await;
    let output = caller
        .call(&procedure)
        .args((3, 4))
        .kwarg("scale", 10)
        .kwarg("blob", Value::Bytes(vec![1, 2, 3]))
        .await
        .unwrap();
    assert_eq!(output.args, vec![Value::Integer(34)]);
    assert_eq!(output.kwargs["length"], Value::Integer(3));
    assert_eq!(output.kwargs["blob"], Value::Bytes(vec![3, 2, 1]));

    // A Python exception in the callee comes back as an application error with its message.
    let error = caller.call(&procedure).arg("only one").await.unwrap_err();
    assert_eq!(error.uri(), Some("wamp.error.runtime_error"), "{error}");
    assert!(
        error.to_string().contains("missing 1 required positional argument"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn autobahn_publishes_to_our_subscriber() {
    let subscriber = connect().await;
    let topic = unique("interop.events_in");
    let (tx, mut events) = mpsc::unbounded_channel();
    subscriber
        .subscribe(
            &topic,
            move |ctx: EventContext, payload: Payload| {
                let _ = tx.send((ctx.publisher().cloned(), payload));
            },
            SubscribeOptions::default(),
        )
        .await
        .unwrap();

    let mut peer = spawn(
        r#"pub = await self.publish(URI, "hello", 7, where="from python", options=PublishOptions(acknowledge=True))
print("published", pub.id, flush=True)"#,
        &topic,
    );
    wait_for_line(&mut peer, "published ");
    let (publisher, payload) = next(&mut events).await;
    assert_eq!(payload.args, vec![Value::from("hello"), Value::Integer(7)]);
    assert_eq!(payload.kwargs["where"], Value::from("from python"));
    // Crossbar discloses publishers by role permission only (see the disclosure tests).
    assert_eq!(publisher, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn autobahn_receives_our_publication() {
    let topic = unique("interop.events_out");
    let mut peer = spawn(
        r#"got = asyncio.get_event_loop().create_future()
def on_event(*args, **kwargs):
    if not got.done():
        got.set_result({"args": list(args), "kwargs": kwargs})
await self.subscribe(on_event, URI)
print("ready", flush=True)
event = await asyncio.wait_for(got, 20)
print("event", show(event), flush=True)"#,
        &topic,
    );
    wait_for_line(&mut peer, "ready");
    let publisher = connect().await;
    publisher
        .publish(&topic)
        .arg("hi")
        .arg(vec![1, 2])
        .kwarg("blob", Value::Bytes(vec![0xde, 0xad]))
        .acknowledged()
        .await
        .unwrap();
    let line = wait_for_line(&mut peer, "event ");
    assert_eq!(
        line,
        r#"event {"args": ["hi", [1, 2]], "kwargs": {"blob": "bytes:dead"}}"#
    );
}
