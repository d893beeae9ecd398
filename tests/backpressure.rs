//! Slow handlers against a real Crossbar, with autobahn-python on the other
//! side: a slow subscriber loses events beyond its `event_queue` (counted,
//! never buffered without bound) while the rest of its session keeps
//! working; a slow callee runs at most its concurrency limit at once, holds
//! at most `invocation_queue` invocations (or its procedure's own
//! `queue_limit`), and refuses the rest at once.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{PROMPTLY, connect, router, unique};
use tokio::sync::{Semaphore, mpsc};
use wamp_runtime::config::ClientConfigBuilder;
use wamp_runtime::{
    ApplicationError, CallContext, Client, ClientConfig, EventContext, Payload, RegisterOptions, SubscribeOptions,
    Value,
};
use wamp_testkit::{AutobahnSession, PythonPeer};

const PEER_TIMEOUT: Duration = Duration::from_secs(120);

/// Waits for the peer's line without blocking the runtime our sessions run on.
fn wait_for_line(peer: &mut PythonPeer, prefix: &str) -> String {
    tokio::task::block_in_place(|| peer.wait_for_line(prefix, PEER_TIMEOUT))
        .unwrap_or_else(|e| panic!("the autobahn peer did not print {prefix:?}: {e}"))
}

async fn connect_with(configure: impl FnOnce(ClientConfigBuilder) -> ClientConfigBuilder) -> Client {
    let config = configure(ClientConfig::builder().url(router().url()).realm("realm1"))
        .build()
        .unwrap();
    Client::connect(&config).await.unwrap()
}

/// The resident set of this process, in bytes.
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_subscriber_loses_what_its_queue_cannot_hold_and_nothing_else_on_the_session_waits() {
    // The default queue: deep enough that a handler which keeps up never
    // loses an event to scheduling jitter.
    const QUEUE: usize = ClientConfig::DEFAULT_EVENT_QUEUE;
    const COUNT: u64 = 10_000;
    let topic = unique("backpressure.flood");
    let echo = unique("backpressure.echo");
    let subscriber = connect().await;

    // The slow handler takes one event and blocks until the gate opens.
    let gate = Arc::new(Semaphore::new(0));
    let (slow_tx, mut slow_rx) = mpsc::unbounded_channel::<(i64, u64)>();
    let slow = {
        let gate = gate.clone();
        move |ctx: EventContext, payload: Payload| {
            let (gate, slow_tx) = (gate.clone(), slow_tx.clone());
            async move {
                let _ = slow_tx.send((payload.args[0].as_i64().unwrap(), ctx.dropped_events()));
                gate.acquire().await.unwrap().forget();
            }
        }
    };
    // The fast handler of the same topic on the same session sees everything.
    let (fast_tx, mut fast_rx) = mpsc::unbounded_channel::<(i64, u64)>();
    let fast = move |ctx: EventContext, payload: Payload| {
        let _ = fast_tx.send((payload.args[0].as_i64().unwrap(), ctx.dropped_events()));
    };
    let _slow = subscriber
        .subscribe(&topic, slow, SubscribeOptions::default())
        .await
        .unwrap();
    let _fast = subscriber
        .subscribe(&topic, fast, SubscribeOptions::default())
        .await
        .unwrap();
    let callee = connect().await;
    let _echo = callee
        .register(
            &echo,
            |_ctx: CallContext, payload: Payload| Ok::<_, ApplicationError>(payload),
            RegisterOptions::default(),
        )
        .await
        .unwrap();
    let before = resident_bytes();

    let mut publisher = AutobahnSession::new(&router().url(), "realm1")
        .arg("TOPIC", &topic)
        .arg("COUNT", &COUNT.to_string())
        .spawn(
            r#"payload = "x" * 2048
count = int(COUNT)
for start in range(0, count, 200):
    await asyncio.gather(*[self.publish(TOPIC, i, payload, options=PublishOptions(acknowledge=True))
                           for i in range(start, min(start + 200, count))])
print("published", count, flush=True)"#,
        )
        .unwrap();

    // While the flood is on, RPC on the slow subscriber's session answers promptly.
    let first = tokio::time::timeout(PROMPTLY, fast_rx.recv()).await.unwrap().unwrap();
    assert_eq!(first, (0, 0));
    let answer = tokio::time::timeout(PROMPTLY, subscriber.call(&echo).arg("during the flood"))
        .await
        .expect("a call on the session of a blocked subscriber must not wait for it")
        .unwrap();
    assert_eq!(answer.args, vec![Value::from("during the flood")]);

    wait_for_line(&mut publisher, "published");
    // The fast handler got every event, in order: the session never stalled.
    for expected in 1..COUNT as i64 {
        let got = tokio::time::timeout(PROMPTLY, fast_rx.recv()).await.unwrap().unwrap();
        assert_eq!(got, (expected, 0), "the fast handler lost events");
    }
    let growth = resident_bytes().saturating_sub(before);

    // One event in the handler, QUEUE waiting; a marker published after
    // the gate opens tells how many the slow handler lost.
    gate.add_permits(usize::MAX >> 4);
    let mut delivered = Vec::new();
    while delivered.len() < QUEUE + 1 {
        delivered.push(tokio::time::timeout(PROMPTLY, slow_rx.recv()).await.unwrap().unwrap());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(slow_rx.try_recv().is_err(), "more than the queue was kept");
    callee.publish(&topic).arg(-1).acknowledged().await.unwrap();
    let (marker, dropped) = tokio::time::timeout(PROMPTLY, slow_rx.recv()).await.unwrap().unwrap();
    assert_eq!(marker, -1);
    eprintln!(
        "{COUNT} events of 2 KiB to a blocked subscriber (event_queue {QUEUE}): kept {}, dropped {dropped}, \
         RSS growth {growth} bytes",
        delivered.len()
    );
    assert_eq!(dropped, COUNT - (QUEUE as u64 + 1));
    // The kept events are the first ones, in order, none reported lost before them.
    let numbers: Vec<i64> = delivered.iter().map(|(n, _)| *n).collect();
    assert_eq!(numbers, (0..=QUEUE as i64).collect::<Vec<_>>());
    assert!(delivered.iter().all(|(_, dropped)| *dropped == 0), "{delivered:?}");
    // Kept: ~1k events of 2 KiB; buffered without bound, 10 000 would take over 20 MiB.
    assert!(growth < 12 << 20, "RSS grew by {growth} bytes");
    assert!(subscriber.is_joined());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_callee_runs_its_concurrency_limit_holds_its_queue_and_refuses_the_rest() {
    const QUEUE: usize = 6;
    let callee = connect_with(|b| b.invocation_queue(QUEUE)).await;
    slow_callee_refuses_what_its_queue_cannot_hold(&callee, RegisterOptions::new(), QUEUE, "invocation_queue").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_procedure_queue_limit_refuses_at_once_below_the_client_invocation_queue() {
    const QUEUE: usize = 5;
    let callee = connect().await;
    let options = RegisterOptions::new().queue_limit(QUEUE);
    slow_callee_refuses_what_its_queue_cannot_hold(&callee, options, QUEUE, "queue_limit").await;
}

/// Registers a slow handler with concurrency 2 on `callee`, calls it 20
/// times at once, and checks that 2 run, `queue` are held and the rest are
/// refused at once with `wamp.error.unavailable` naming `limit_name`.
async fn slow_callee_refuses_what_its_queue_cannot_hold(
    callee: &Client,
    options: RegisterOptions,
    queue: usize,
    limit_name: &str,
) {
    const CONCURRENCY: usize = 2;
    const CALLS: usize = 20;
    let procedure = unique("backpressure.slow");

    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(Semaphore::new(0));
    let handler = {
        let (running, peak, gate) = (running.clone(), peak.clone(), gate.clone());
        move |_ctx: CallContext, payload: Payload| {
            let (running, peak, gate) = (running.clone(), peak.clone(), gate.clone());
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                gate.acquire().await.unwrap().forget();
                running.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, ApplicationError>(payload)
            }
        }
    };
    // The concurrency limit as the registry (and `#[procedure(concurrency = N)]`) applies it.
    let _registration = callee
        .register(&procedure, handler, options.concurrency(CONCURRENCY))
        .await
        .unwrap();

    let mut caller = AutobahnSession::new(&router().url(), "realm1")
        .arg("URI", &procedure)
        .arg("CALLS", &CALLS.to_string())
        .spawn(
            r#"async def one(i):
    try:
        print("ok", show(await self.call(URI, i)), flush=True)
    except ApplicationError as e:
        print("error", e.error, show(list(e.args)), flush=True)
await asyncio.gather(*[one(i) for i in range(int(CALLS))])
print("done", flush=True)"#,
        )
        .unwrap();

    // Every call beyond the queue is answered at once, while the others wait.
    let mut refusals = Vec::new();
    for _ in 0..CALLS - queue {
        refusals.push(wait_for_line(&mut caller, "error "));
    }
    for refusal in &refusals {
        assert!(refusal.starts_with("error wamp.error.unavailable "), "{refusal}");
        assert!(refusal.contains(limit_name), "{refusal}");
    }
    assert_eq!(running.load(Ordering::SeqCst), CONCURRENCY);

    gate.add_permits(CALLS);
    let mut answers = Vec::new();
    for _ in 0..queue {
        answers.push(wait_for_line(&mut caller, "ok "));
    }
    wait_for_line(&mut caller, "done");
    eprintln!(
        "{CALLS} calls to a callee with concurrency {CONCURRENCY}, {limit_name} {queue}: {} answered, {} refused, \
         peak {} running",
        answers.len(),
        refusals.len(),
        peak.load(Ordering::SeqCst)
    );
    assert_eq!(peak.load(Ordering::SeqCst), CONCURRENCY);
    assert!(
        caller.lines().iter().all(|l| !l.starts_with("failed")),
        "{}",
        caller.output()
    );
    assert!(callee.is_joined());
}
