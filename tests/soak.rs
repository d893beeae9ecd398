//! Soak: a steady rate of calls, acknowledged and unacknowledged
//! publications through a real Crossbar router, with the memory and open file descriptors of the
//! wamp-rs process sampled as it runs. Nothing may fail, nothing may be lost,
//! and after warm-up RSS and fds stay flat.
//!
//! The suite runs it for 12 s. The long run (30 minutes, sampled every
//! minute):
//!
//! ```text
//! WAMP_SOAK_SECS=1800 WAMP_SOAK_SAMPLE_SECS=60 cargo test --release --test soak -- --nocapture
//! ```
//!
//! `WAMP_SOAK_RATE` sets calls (and publications of each kind) per second
//! (default 200).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::load::{self, Uris};
use wamp_runtime::{Client, ClientConfig};
use wamp_testkit::{Router, RouterConfig};

/// RSS may grow by this much over the first sample (allocator pools and
/// tokio's worker caches settle at their own pace)...
const RSS_SLACK_KB: u64 = 4 * 1024;
/// ...plus this fraction of it.
const RSS_SLACK_FRACTION: f64 = 0.10;
/// Open fds may differ from the first sample by this many (a DNS or /proc
/// read in flight at sampling time).
const FD_SLACK: usize = 2;
/// Per-request timeout; on an idle loopback router answers take milliseconds.
const TIMEOUT: Duration = Duration::from_secs(10);

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => text
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text:?} is not a whole number")),
        Err(_) => default,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steady_calls_and_publications_keep_memory_and_fds_flat() {
    let secs = env_u64("WAMP_SOAK_SECS", 12);
    let sample_secs = env_u64("WAMP_SOAK_SAMPLE_SECS", 4).max(1);
    let rate = u32::try_from(env_u64("WAMP_SOAK_RATE", 200)).expect("rate fits u32");
    assert!(
        secs >= 3 * sample_secs,
        "WAMP_SOAK_SECS ({secs}) must cover at least three samples of WAMP_SOAK_SAMPLE_SECS ({sample_secs})"
    );

    // The runtime's warnings (a dropped event, a lost link) explain a failure.
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_test_writer()
        .try_init();
    let router = Router::start(RouterConfig::default()).expect("start router");
    let config = ClientConfig::new(router.url(), "realm1").unwrap();
    let service = Client::connect(&config).await.unwrap();
    let caller = Client::connect(&config).await.unwrap();
    let uris = Uris::new("soak");
    let delivered = load::serve(&service, &uris).await;

    let stop = Arc::new(AtomicBool::new(false));
    let driver = tokio::spawn(load::drive(
        load::Load {
            caller: caller.clone(),
            uris: uris.clone(),
            source: "rs".into(),
            rate,
            timeout: TIMEOUT,
        },
        || true,
        stop.clone(),
        Arc::default(),
    ));

    let pid = std::process::id();
    let started = Instant::now();
    let mut samples = Vec::new();
    while started.elapsed() < Duration::from_secs(secs) {
        let next = Duration::from_secs(sample_secs * (samples.len() as u64 + 1));
        tokio::time::sleep(next.saturating_sub(started.elapsed())).await;
        let (rss, fds) = (load::rss_kb(pid), load::open_fds(pid));
        println!("SOAK sample t={}s rss_kb={rss} fds={fds}", started.elapsed().as_secs());
        samples.push((rss, fds));
        assert!(!driver.is_finished(), "the load driver ended early");
    }
    stop.store(true, Ordering::Relaxed);
    let report = tokio::time::timeout(TIMEOUT + load::GRACE * 2, driver)
        .await
        .expect("the load driver hangs after stop")
        .unwrap();
    let missing = load::undelivered(&delivered, "rs", &report.acked, Duration::from_secs(5)).await;

    // The first sample is taken after one interval of load: the warm-up.
    let (rss_first, fds_first) = samples[0];
    let (rss_last, fds_last) = *samples.last().unwrap();
    let rss_max = samples.iter().map(|s| s.0).max().unwrap();
    let fds_max = samples.iter().map(|s| s.1).max().unwrap();
    let missing_unacked =
        load::undelivered(&delivered, "rs-noack", &report.unacked_accepted, Duration::from_secs(5)).await;
    let (delivered_count, duplicates) = {
        let received = delivered.lock().unwrap();
        (received.count("rs"), received.duplicates)
    };
    let (calls, pubs, unacked) = (&report.calls, &report.pubs, &report.unacked);
    println!(
        "SOAK secs={secs} rate={rate}/s calls_sent={} answered={} failed={} lost={} pubs_sent={} acked={} \
         failed={} lost={} delivered={delivered_count} undelivered={} unacked_sent={} accepted={} undelivered={} \
         duplicates={duplicates} rss_kb_first={rss_first} last={rss_last} max={rss_max} fds_first={fds_first} \
         last={fds_last} max={fds_max} samples={}",
        calls.sent,
        calls.answered,
        calls.failed,
        calls.lost,
        pubs.sent,
        pubs.answered,
        pubs.failed,
        pubs.lost,
        missing.len(),
        unacked.sent,
        unacked.answered,
        missing_unacked.len(),
        samples.len()
    );

    let first = |seqs: &[u64]| seqs.iter().take(20).copied().collect::<Vec<u64>>();
    println!(
        "SOAK failed calls {:?} {:?}; failed publications {:?} {:?}; undelivered acknowledged {:?}, \
         unacknowledged {:?} (first 20 each)",
        first(&calls.failed_seqs),
        calls.errors,
        first(&pubs.failed_seqs),
        pubs.errors,
        first(&missing),
        first(&missing_unacked)
    );

    assert_eq!(calls.failed, 0, "call errors: {:?}", calls.errors);
    assert_eq!(pubs.failed, 0, "publication errors: {:?}", pubs.errors);
    assert_eq!((calls.lost, pubs.lost), (0, 0), "requests lost");
    assert_eq!(calls.wrong, 0, "calls answered with another call's result");
    assert_eq!(calls.answered, calls.sent);
    assert_eq!(pubs.answered, pubs.sent);
    assert!(missing.is_empty(), "acknowledged but never delivered: {missing:?}");
    // On a healthy link nothing is dropped, acknowledged or not.
    assert_eq!(unacked.failed + unacked.lost, 0, "unacknowledged: {:?}", unacked.errors);
    assert_eq!(unacked.answered, unacked.sent);
    assert!(
        missing_unacked.is_empty(),
        "unacknowledged, accepted, never delivered: {missing_unacked:?}"
    );
    assert_eq!(duplicates, 0, "events delivered more than once");
    // The load really ran at about the rate asked for; the machine may be
    // shared, so only a gross shortfall fails.
    let expected = u64::from(rate) * secs;
    assert!(calls.sent * 2 >= expected, "sent {} of {expected} calls", calls.sent);

    let rss_limit = rss_first + RSS_SLACK_KB.max((rss_first as f64 * RSS_SLACK_FRACTION) as u64);
    assert!(
        rss_max <= rss_limit,
        "RSS grew from {rss_first} kB to {rss_max} kB (limit {rss_limit} kB): {samples:?}"
    );
    assert!(
        fds_max <= fds_first + FD_SLACK && fds_last <= fds_first + FD_SLACK,
        "open fds grew from {fds_first} to {fds_max}: {samples:?}"
    );

    service.stop(Duration::from_secs(5)).await.unwrap();
    caller.stop(Duration::from_secs(5)).await.unwrap();
    router.stop();
}
