//! Faults under load: while callers keep calling a wamp-rs service and
//! publishing to it with acknowledgement, the Crossbar node is SIGKILLed and
//! restarted, `WAMP_FAULT_CYCLES` times (default 4, for the test suite;
//! RELIABILITY.md reports runs of 10).
//!
//! Two callers run at once, each its own session with its own reconnect: a
//! reconnecting wamp-rs client, and an autobahn-python process that
//! reconnects by itself. Every request is accounted for: answered, failed
//! with an error the caller can read, or lost (neither by its deadline) —
//! and lost must be 0. Every acknowledged publication must reach the
//! service (tracked by sequence numbers in the payload). After every
//! restart the service must be serving again, and after the last cycle its
//! process must hold no more memory or file descriptors than after the
//! first (within the tolerances below).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::fast_policy;
use common::load::{self, SeqSet, Tally, Uris};
use wamp_runtime::{Client, ClientConfig};
use wamp_testkit::{PythonPeer, Router, RouterConfig};

/// Requests per second of each caller (calls and as many publications).
const RATE: u32 = 50;
/// Per-request timeout of both callers.
const TIMEOUT: Duration = Duration::from_secs(3);
/// Load between the service's return and the next kill.
const LOAD_PER_CYCLE: Duration = Duration::from_millis(1000);
/// Crossbar restarts in a few seconds; the clients rejoin within their backoff.
const REJOIN: Duration = Duration::from_secs(30);
/// RSS after the last cycle may exceed RSS after the first by this much.
const RSS_SLACK_KB: u64 = 4 * 1024;
/// Open fds after the last cycle may exceed those after the first by this many.
const FD_SLACK: usize = 2;
/// Acknowledged publications a kill may take with it (those whose events
/// were still inside Crossbar): a handful in flight per caller.
const CRASH_LOSS_PER_KILL: u64 = 5;

/// The outside caller. It connects, waits until the service says it has
/// everything back (`ready`), then calls and publishes at `rate` until the
/// connection drops, and reconnects — until the stop file appears. Each
/// request has its own deadline (`asyncio.wait_for`). At the end it prints
/// its counts and the sequence numbers of the publications that failed.
/// argv: url prefix stop_file rate timeout_secs
const PEER: &str = r#"
import asyncio, collections, json, os, sys
from urllib.parse import urlparse
from autobahn.asyncio.wamp import ApplicationSession
from autobahn.asyncio.websocket import WampWebSocketClientFactory
from autobahn.wamp.types import ComponentConfig, PublishOptions

URL, PREFIX, STOP = sys.argv[1], sys.argv[2], sys.argv[3]
RATE, TIMEOUT = float(sys.argv[4]), float(sys.argv[5])
ECHO, READY, TICK = PREFIX + ".echo", PREFIX + ".ready", PREFIX + ".tick"
n = collections.Counter()
errors = collections.Counter()
pub_failed = []
tasks = set()

class Session(ApplicationSession):
    def onJoin(self, details):
        self.config.extra["joined"].set_result(self)

    def onDisconnect(self):
        gone = self.config.extra["gone"]
        if not gone.done():
            gone.set_result(None)

def kind(e):
    if isinstance(e, asyncio.TimeoutError):
        return "timeout"
    return type(e).__name__ + (":" + e.error if getattr(e, "error", None) else "")

async def call(session, seq):
    n["calls_sent"] += 1
    try:
        result = await asyncio.wait_for(session.call(ECHO, seq), TIMEOUT)
        n["answered" if result == seq else "wrong"] += 1
    except Exception as e:
        n["call_failed"] += 1
        errors["call " + kind(e)] += 1

async def publish(session, seq):
    n["pubs_sent"] += 1
    try:
        await asyncio.wait_for(session.publish(TICK, "peer", seq, options=PublishOptions(acknowledge=True)), TIMEOUT)
        n["acked"] += 1
    except Exception as e:
        n["pub_failed"] += 1
        pub_failed.append(seq)
        errors["pub " + kind(e)] += 1

def stopping():
    return os.path.exists(STOP)

async def main():
    loop = asyncio.get_running_loop()
    url = urlparse(URL)
    seq = joins = 0
    session = gone = None
    while not stopping():
        joined, gone = loop.create_future(), loop.create_future()
        config = ComponentConfig("realm1", extra={"joined": joined, "gone": gone})
        factory = WampWebSocketClientFactory(lambda: Session(config), url=URL)
        transport = None
        try:
            transport, _ = await asyncio.wait_for(loop.create_connection(factory, url.hostname, url.port), 2)
            session = await asyncio.wait_for(joined, 5)
        except Exception as e:
            print("connect_failed", kind(e), flush=True)
            if transport is not None:
                transport.close()
            session = None
            await asyncio.sleep(0.2)
            continue
        joins += 1
        ready = False
        while not gone.done() and not stopping() and not ready:
            try:
                ready = await asyncio.wait_for(session.call(READY), 2) is True
            except Exception as e:
                print("not_ready", kind(e), flush=True)
            if not ready:
                await asyncio.sleep(0.05)
        if ready:
            print("ready", joins, seq, flush=True)
        while ready and not gone.done() and not stopping():
            seq += 1
            for work in (call(session, seq), publish(session, seq)):
                task = asyncio.ensure_future(work)
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            await asyncio.sleep(1 / RATE)
    if tasks:
        await asyncio.gather(*list(tasks))
    if session is not None and session.is_attached():
        session.leave()
        try:
            await asyncio.wait_for(gone, 5)
        except Exception:
            pass
    n["joins"] = joins
    print("summary", json.dumps(n), flush=True)
    print("errors", json.dumps(errors), flush=True)
    print("pub_failed", ",".join(map(str, pub_failed)), flush=True)

asyncio.run(main())
"#;

/// Splits acknowledged-but-undelivered sequence numbers into those sent in
/// the last second before a kill (Crossbar sends PUBLISHED *before* it
/// dispatches the events, so a crash between the two loses events the
/// publisher saw acknowledged) and the rest, which nothing excuses.
fn in_crash_window(missing: Vec<u64>, kills: &[u64]) -> (Vec<u64>, Vec<u64>) {
    let window = u64::from(RATE);
    missing
        .into_iter()
        .partition(|&seq| kills.iter().any(|&last| seq <= last && seq + window > last))
}

fn cycles() -> u32 {
    match std::env::var("WAMP_FAULT_CYCLES") {
        Ok(text) => text
            .parse()
            .unwrap_or_else(|_| panic!("WAMP_FAULT_CYCLES={text:?} is not a whole number")),
        Err(_) => 4,
    }
}

/// The peer's final report.
#[derive(Debug, Default)]
struct PeerReport {
    counts: serde_json::Map<String, serde_json::Value>,
    errors: String,
    pub_failed: Vec<u64>,
}

impl PeerReport {
    fn parse(stdout: &str) -> Self {
        let mut report = PeerReport::default();
        for line in stdout.lines() {
            if let Some(json) = line.strip_prefix("summary ") {
                report.counts = serde_json::from_str(json).unwrap();
            } else if let Some(json) = line.strip_prefix("errors ") {
                report.errors = json.to_owned();
            } else if let Some(list) = line.strip_prefix("pub_failed") {
                report.pub_failed = list.split(',').filter_map(|s| s.trim().parse().ok()).collect();
            }
        }
        assert!(!report.counts.is_empty(), "the peer printed no summary:\n{stdout}");
        report
    }

    fn get(&self, key: &str) -> u64 {
        self.counts.get(key).and_then(serde_json::Value::as_u64).unwrap_or(0)
    }
}

/// Calls the echo procedure until it answers: the service has re-registered.
async fn serving_again(caller: &Client, uris: &Uris, cycle: u32) {
    let started = Instant::now();
    loop {
        if caller
            .call(uris.echo.as_str())
            .arg(0)
            .timeout(Duration::from_secs(1))
            .await
            .is_ok()
        {
            return;
        }
        assert!(
            started.elapsed() < REJOIN,
            "cycle {cycle}: the service is not serving {REJOIN:?} after the restart"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_is_answered_or_failed_while_the_router_is_killed_and_restarted() {
    let cycles = cycles();
    // The runtime's warnings (a dropped event, a failed restore) explain a
    // failure; libtest shows them with the failing test's output.
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_test_writer()
        .try_init();
    let mut router = Router::start(RouterConfig::default()).expect("start router");
    let config = ClientConfig::builder()
        .url(router.url())
        .realm("realm1")
        .connection_timeout(Duration::from_secs(3))
        .reconnect(fast_policy())
        .build()
        .unwrap();
    let service = Client::connect_reconnecting(&config).await.unwrap();
    let caller = Client::connect_reconnecting(&config).await.unwrap();
    let uris = Uris::new("faults");
    let delivered = load::serve(&service, &uris).await;

    let stop = Arc::new(AtomicBool::new(false));
    let last_seq = Arc::new(AtomicU64::new(0));
    let gate_service = service.clone();
    // Publications go out only while the service is joined (and so
    // subscribed): the router acknowledges events nobody receives.
    let driver = tokio::spawn(load::drive(
        load::Load {
            caller: caller.clone(),
            uris: uris.clone(),
            source: "rs".into(),
            rate: RATE,
            timeout: TIMEOUT,
        },
        move || gate_service.is_joined(),
        stop.clone(),
        last_seq.clone(),
    ));
    let stop_file = std::env::temp_dir().join(format!("wamp-rs-faults-stop-{}", std::process::id()));
    let _ = std::fs::remove_file(&stop_file);
    let mut peer = PythonPeer::spawn(
        PEER,
        &[
            &router.url(),
            "faults",
            stop_file.to_str().unwrap(),
            &RATE.to_string(),
            &TIMEOUT.as_secs_f64().to_string(),
        ],
    )
    .expect("start the autobahn caller");

    let pid = std::process::id();
    let mut samples = Vec::new();
    // The last sequence number sent before each kill, per caller.
    let (mut rs_kills, mut peer_kills) = (Vec::new(), Vec::new());
    let started = Instant::now();
    for cycle in 0..=cycles {
        // The outside caller has rejoined and found the service ready; so
        // does our own caller.
        let line = tokio::task::block_in_place(|| peer.wait_for_line("ready", REJOIN))
            .unwrap_or_else(|e| panic!("cycle {cycle}: {e}"));
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(fields[1], (cycle + 1).to_string(), "cycle {cycle}: {line}");
        if cycle > 0 {
            peer_kills.push(fields[2].parse::<u64>().unwrap());
        }
        serving_again(&caller, &uris, cycle).await;
        tokio::time::sleep(LOAD_PER_CYCLE).await;
        samples.push((load::rss_kb(pid), load::open_fds(pid)));
        if cycle == cycles {
            break;
        }
        router = tokio::task::spawn_blocking(move || {
            router.kill_node().expect("kill the crossbar node");
            router
        })
        .await
        .unwrap();
        rs_kills.push(last_seq.load(Ordering::Relaxed));
        router = tokio::task::spawn_blocking(move || {
            router.restart().expect("restart the crossbar node");
            router
        })
        .await
        .unwrap();
    }

    std::fs::write(&stop_file, b"stop").unwrap();
    stop.store(true, Ordering::Relaxed);
    let report = tokio::time::timeout(TIMEOUT + load::GRACE * 2, driver)
        .await
        .expect("the wamp-rs caller hangs after stop")
        .unwrap();
    let peer = tokio::task::spawn_blocking(move || peer.wait(Duration::from_secs(20)))
        .await
        .unwrap()
        .expect("the autobahn caller hangs after stop");
    let _ = std::fs::remove_file(&stop_file);
    let peer_report = PeerReport::parse(&peer.stdout);
    let rs_missing = load::undelivered(&delivered, "rs", &report.acked, Duration::from_secs(5)).await;
    let mut peer_acked = SeqSet::default();
    for seq in 1..=peer_report.get("pubs_sent") {
        if !peer_report.pub_failed.contains(&seq) {
            peer_acked.insert(seq);
        }
    }
    let peer_missing = load::undelivered(&delivered, "peer", &peer_acked, Duration::from_secs(5)).await;
    let (rs_crashed, rs_missing) = in_crash_window(rs_missing, &rs_kills);
    let (peer_crashed, peer_missing) = in_crash_window(peer_missing, &peer_kills);
    let crashed = (rs_crashed.len() + peer_crashed.len()) as u64;

    let (calls, pubs): (&Tally, &Tally) = (&report.calls, &report.pubs);
    let peer_calls_lost = peer_report
        .get("calls_sent")
        .saturating_sub(peer_report.get("answered") + peer_report.get("wrong") + peer_report.get("call_failed"));
    let peer_pubs_lost = peer_report
        .get("pubs_sent")
        .saturating_sub(peer_report.get("acked") + peer_report.get("pub_failed"));
    let calls_sent = calls.sent + peer_report.get("calls_sent");
    let answered = calls.answered + peer_report.get("answered");
    let calls_failed = calls.failed + peer_report.get("call_failed");
    let calls_lost = calls.lost + peer_calls_lost;
    let pubs_sent = pubs.sent + peer_report.get("pubs_sent");
    let pubs_delivered =
        pubs.answered + peer_report.get("acked") - (rs_missing.len() + peer_missing.len()) as u64 - crashed;
    let pubs_failed = pubs.failed + peer_report.get("pub_failed");
    let pubs_lost = pubs.lost + peer_pubs_lost + (rs_missing.len() + peer_missing.len()) as u64;
    let (rss_before, fds_before) = samples[1.min(samples.len() - 1)];
    let (rss_after, fds_after) = *samples.last().unwrap();
    println!(
        "FAULTS cycles={cycles} calls_sent={calls_sent} answered={answered} failed={calls_failed} lost={calls_lost} \
         pubs={pubs_sent} delivered={pubs_delivered} failed={pubs_failed} acked_lost_in_crash={crashed} \
         lost={pubs_lost} \
         rss_kb_before={rss_before} after={rss_after} fds_before={fds_before} after={fds_after} secs={}",
        started.elapsed().as_secs()
    );
    println!(
        "FAULTS wamp-rs caller: calls {} answered {} failed {} ({}) lost {}; pubs {} acked {} failed {} ({}) lost {} \
         acked_lost_in_crash {:?} undelivered {}",
        calls.sent,
        calls.answered,
        calls.failed,
        calls.error_summary(),
        calls.lost,
        pubs.sent,
        pubs.answered,
        pubs.failed,
        pubs.error_summary(),
        pubs.lost,
        rs_crashed,
        rs_missing.len()
    );
    println!(
        "FAULTS autobahn caller: {:?} errors {} acked_lost_in_crash {:?} undelivered {}",
        peer_report.counts,
        peer_report.errors,
        peer_crashed,
        peer_missing.len()
    );
    let (unacked_delivered, duplicates) = {
        let received = delivered.lock().unwrap();
        (
            received.count_of("rs-noack", &report.unacked_accepted),
            received.duplicates,
        )
    };
    let unacked = &report.unacked;
    println!(
        "FAULTS wamp-rs unacknowledged publications: sent {} accepted {} refused {} ({}) hung {} delivered {} \
         duplicates {duplicates}",
        unacked.sent,
        unacked.answered,
        unacked.failed,
        unacked.error_summary(),
        unacked.lost,
        unacked_delivered
    );
    println!("FAULTS samples (rss_kb, fds) after each cycle: {samples:?}");

    assert_eq!(calls_lost, 0, "calls neither answered nor failed by their deadline");
    assert_eq!(
        calls.wrong + peer_report.get("wrong"),
        0,
        "calls answered with another call's result"
    );
    assert!(
        rs_missing.is_empty(),
        "wamp-rs: acknowledged, never delivered: {rs_missing:?}"
    );
    assert!(
        peer_missing.is_empty(),
        "autobahn: acknowledged, never delivered: {peer_missing:?}"
    );
    assert_eq!(pubs_lost, 0, "publications lost");
    assert_eq!(duplicates, 0, "events delivered more than once");
    assert!(
        crashed <= u64::from(cycles) * CRASH_LOSS_PER_KILL,
        "more acknowledged publications lost in router crashes than a kill can explain: {rs_crashed:?} {peer_crashed:?}"
    );
    assert_eq!(unacked.lost, 0, "unacknowledged publications that never returned");
    assert_eq!(
        peer_report.get("joins"),
        u64::from(cycles) + 1,
        "the autobahn caller's joins"
    );
    // The wamp-rs caller may only see the errors of a dropped link.
    for kind in calls
        .errors
        .keys()
        .chain(pubs.errors.keys())
        .chain(unacked.errors.keys())
    {
        assert!(
            kind == "connection lost in flight" || kind == "not connected" || kind == "timeout",
            "unexpected failure kind {kind:?}: {:?} {:?} {:?}",
            calls.errors,
            pubs.errors,
            unacked.errors
        );
    }
    assert!(
        rss_after <= rss_before + RSS_SLACK_KB,
        "RSS grew from {rss_before} kB after cycle 1 to {rss_after} kB after cycle {cycles}: {samples:?}"
    );
    assert!(
        fds_after <= fds_before + FD_SLACK,
        "open fds grew from {fds_before} after cycle 1 to {fds_after} after cycle {cycles}: {samples:?}"
    );

    tokio::time::timeout(Duration::from_secs(10), async {
        service.stop(Duration::from_secs(5)).await.unwrap();
        caller.stop(Duration::from_secs(5)).await.unwrap();
    })
    .await
    .expect("stopping the clients hangs");
    router.stop();
}
