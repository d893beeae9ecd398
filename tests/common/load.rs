//! Steady request load for the fault and soak tests, with an account of
//! every request: answered, failed with an error the caller can read, or
//! lost (neither by its deadline — the one outcome that must never happen).

use std::collections::{BTreeMap, HashMap};
use std::future::IntoFuture;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinSet;
use wamp_runtime::{CallContext, CallError, Client, EventContext, Payload, RegisterOptions, SubscribeOptions, Value};

/// How long past a request's own timeout the test waits before it calls the
/// request lost: the client must have failed it by then.
pub const GRACE: Duration = Duration::from_secs(2);

/// The URIs one load run uses, all under `prefix`.
#[derive(Debug, Clone)]
pub struct Uris {
    /// Echoes its one argument back.
    pub echo: String,
    /// Answers whether the service has restored everything after a reconnect.
    pub ready: String,
    /// Publications `[source, seq]` the service records.
    pub tick: String,
}

impl Uris {
    pub fn new(prefix: &str) -> Self {
        Self {
            echo: format!("{prefix}.echo"),
            ready: format!("{prefix}.ready"),
            tick: format!("{prefix}.tick"),
        }
    }
}

/// A set of sequence numbers as a bitmap: the soak test measures the memory
/// of the process that keeps these, so they must stay small.
#[derive(Debug, Default, Clone)]
pub struct SeqSet {
    words: Vec<u64>,
    len: u64,
}

impl SeqSet {
    /// False if `seq` was already in the set.
    pub fn insert(&mut self, seq: u64) -> bool {
        let (word, bit) = (usize::try_from(seq / 64).expect("seq fits usize"), seq % 64);
        if word >= self.words.len() {
            self.words.resize(word + 1, 0);
        }
        let new = self.words[word] & (1 << bit) == 0;
        if new {
            self.words[word] |= 1 << bit;
            self.len += 1;
        }
        new
    }

    pub fn contains(&self, seq: u64) -> bool {
        let word = usize::try_from(seq / 64).expect("seq fits usize");
        self.words.get(word).is_some_and(|w| w & (1 << (seq % 64)) != 0)
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.words.iter().enumerate().flat_map(|(i, &w)| {
            (0..64u64)
                .filter(move |b| w & (1 << b) != 0)
                .map(move |b| i as u64 * 64 + b)
        })
    }
}

/// What the service's subscriber received.
#[derive(Debug, Default)]
pub struct Received {
    /// Sequence numbers per source.
    pub by_source: HashMap<String, SeqSet>,
    /// Events that arrived a second time (each publication must arrive at
    /// most once).
    pub duplicates: u64,
}

impl Received {
    pub fn count(&self, source: &str) -> u64 {
        self.by_source.get(source).map_or(0, SeqSet::len)
    }

    /// How many of `seqs` arrived from `source`.
    pub fn count_of(&self, source: &str, seqs: &SeqSet) -> u64 {
        match self.by_source.get(source) {
            Some(seen) => seqs.iter().filter(|&seq| seen.contains(seq)).count() as u64,
            None => 0,
        }
    }
}

pub type Delivered = Arc<Mutex<Received>>;

/// Registers the echo and readiness procedures on `service` and subscribes
/// to the tick topic; returns the set the events land in.
pub async fn serve(service: &Client, uris: &Uris) -> Delivered {
    service
        .register(
            uris.echo.as_str(),
            |_ctx: CallContext, payload: Payload| Ok(payload),
            RegisterOptions::default(),
        )
        .await
        .expect("register echo");
    // Peers must not publish before the subscription is back after a
    // reconnect (the router would acknowledge events nobody receives), and the
    // service announces itself joined only once everything is restored.
    let me = service.clone();
    service
        .register(
            uris.ready.as_str(),
            move |_ctx: CallContext, _payload: Payload| Ok(Payload::from_args(vec![Value::Bool(me.is_joined())])),
            RegisterOptions::default(),
        )
        .await
        .expect("register ready");
    let delivered: Delivered = Arc::default();
    let sink = delivered.clone();
    service
        .subscribe(
            uris.tick.as_str(),
            move |_ctx: EventContext, payload: Payload| {
                let source = payload.args.first().and_then(Value::as_str).unwrap_or_default();
                let seq = payload.args.get(1).and_then(Value::as_u64).unwrap_or_default();
                let mut sink = sink.lock().unwrap();
                let new = match sink.by_source.get_mut(source) {
                    Some(set) => set.insert(seq),
                    None => sink.by_source.entry(source.to_owned()).or_default().insert(seq),
                };
                if !new {
                    sink.duplicates += 1;
                }
            },
            SubscribeOptions::default(),
        )
        .await
        .expect("subscribe tick");
    delivered
}

/// The outcomes of one kind of request.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub sent: u64,
    pub answered: u64,
    pub failed: u64,
    pub lost: u64,
    /// Answered, but with the wrong content (an echo of another call).
    pub wrong: u64,
    /// Failure kind → (count, one example message).
    pub errors: BTreeMap<String, (u64, String)>,
    /// The first sequence numbers that failed (to find them in logs).
    pub failed_seqs: Vec<u64>,
}

const FAILED_SEQS_KEPT: usize = 50;

impl Tally {
    fn fail(&mut self, seq: u64, error: &CallError) {
        self.failed += 1;
        if self.failed_seqs.len() < FAILED_SEQS_KEPT {
            self.failed_seqs.push(seq);
        }
        let kind = match error {
            CallError::Timeout(_) => "timeout".to_owned(),
            CallError::ConnectionLost(m) if m.starts_with("not connected") => "not connected".to_owned(),
            CallError::ConnectionLost(_) => "connection lost in flight".to_owned(),
            CallError::Application(e) => e.uri().to_owned(),
            other => format!("other: {other}"),
        };
        let entry = self.errors.entry(kind).or_insert((0, error.to_string()));
        entry.0 += 1;
    }

    /// `kind=count` pairs for a summary line.
    pub fn error_summary(&self) -> String {
        let parts: Vec<String> = self.errors.iter().map(|(k, (n, _))| format!("{k}={n}")).collect();
        parts.join(",")
    }
}

/// What [`drive`] saw.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub calls: Tally,
    pub pubs: Tally,
    /// Sequence numbers of the acknowledged publications.
    pub acked: SeqSet,
    /// Unacknowledged publications (source `<source>-noack`): `answered`
    /// counts those the client accepted, `failed` those it refused.
    pub unacked: Tally,
    /// Sequence numbers of the unacknowledged publications the client accepted.
    pub unacked_accepted: SeqSet,
}

enum Outcome {
    Call(u64, Result<bool, CallError>),
    CallLost,
    Publish(u64, Result<(), CallError>),
    PublishLost,
    Unacked(u64, Result<(), CallError>),
    UnackedLost,
}

/// Who sends what, how fast, for [`drive`].
#[derive(Debug, Clone)]
pub struct Load {
    pub caller: Client,
    pub uris: Uris,
    /// Names this caller's publications.
    pub source: String,
    /// Calls per second, and as many publications of each kind.
    pub rate: u32,
    /// Per-request timeout.
    pub timeout: Duration,
}

/// Sends `rate` calls, `rate` acknowledged and `rate` unacknowledged
/// publications per second from `caller` (each request in its own task, so
/// a slow answer does not slow the rate) while `gate()` holds, until `stop`
/// is set; then waits for every request to end. Publications carry
/// `[source, seq]`, unacknowledged ones `[<source>-noack, seq]`; `last_seq`
/// follows the last sequence number sent.
pub async fn drive(
    load: Load,
    gate: impl Fn() -> bool + Send,
    stop: Arc<AtomicBool>,
    last_seq: Arc<AtomicU64>,
) -> Report {
    let Load {
        caller,
        uris,
        source,
        rate,
        timeout,
    } = load;
    let mut report = Report::default();
    let mut tasks = JoinSet::new();
    let mut ticks = tokio::time::interval(Duration::from_secs(1) / rate.max(1));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut seq = 0u64;
    let noack = format!("{source}-noack");
    while !stop.load(Ordering::Relaxed) {
        ticks.tick().await;
        while let Some(done) = tasks.try_join_next() {
            record(&mut report, done.expect("a load task panicked"));
        }
        if !gate() {
            continue;
        }
        seq += 1;
        last_seq.store(seq, Ordering::Relaxed);
        report.calls.sent += 1;
        report.pubs.sent += 1;
        let call = caller.call(uris.echo.as_str()).arg(seq).timeout(timeout);
        tasks.spawn(async move {
            match tokio::time::timeout(timeout + GRACE, call).await {
                Ok(result) => Outcome::Call(seq, result.map(|out| out.decode::<u64>().ok() == Some(seq))),
                Err(_) => Outcome::CallLost,
            }
        });
        let publish = caller
            .publish(uris.tick.as_str())
            .args((source.as_str(), seq))
            .acknowledged();
        tasks.spawn(async move {
            match tokio::time::timeout(timeout + GRACE, publish).await {
                Ok(result) => Outcome::Publish(seq, result.map(|_| ())),
                Err(_) => Outcome::PublishLost,
            }
        });
        report.unacked.sent += 1;
        let publish = caller.publish(uris.tick.as_str()).args((noack.as_str(), seq));
        tasks.spawn(async move {
            match tokio::time::timeout(timeout + GRACE, publish.into_future()).await {
                Ok(result) => Outcome::Unacked(seq, result),
                Err(_) => Outcome::UnackedLost,
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        record(&mut report, done.expect("a load task panicked"));
    }
    report
}

fn record(report: &mut Report, outcome: Outcome) {
    match outcome {
        Outcome::Call(_, Ok(true)) => report.calls.answered += 1,
        Outcome::Call(_, Ok(false)) => {
            report.calls.answered += 1;
            report.calls.wrong += 1;
        }
        Outcome::Call(seq, Err(e)) => report.calls.fail(seq, &e),
        Outcome::CallLost => report.calls.lost += 1,
        Outcome::Publish(seq, Ok(())) => {
            report.pubs.answered += 1;
            report.acked.insert(seq);
        }
        Outcome::Publish(seq, Err(e)) => report.pubs.fail(seq, &e),
        Outcome::PublishLost => report.pubs.lost += 1,
        Outcome::Unacked(seq, Ok(())) => {
            report.unacked.answered += 1;
            report.unacked_accepted.insert(seq);
        }
        Outcome::Unacked(seq, Err(e)) => report.unacked.fail(seq, &e),
        Outcome::UnackedLost => report.unacked.lost += 1,
    }
}

/// Acknowledged publications of `source` the service has not received
/// after waiting up to `patience` for stragglers.
pub async fn undelivered(delivered: &Delivered, source: &str, acked: &SeqSet, patience: Duration) -> Vec<u64> {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        let missing: Vec<u64> = {
            let seen = delivered.lock().unwrap();
            let empty = SeqSet::default();
            let seen = seen.by_source.get(source).unwrap_or(&empty);
            acked.iter().filter(|&seq| !seen.contains(seq)).collect()
        };
        if missing.is_empty() || tokio::time::Instant::now() >= deadline {
            return missing;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Resident set size of process `pid` in KiB (`VmRSS` of `/proc/PID/status`).
pub fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc/PID/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

/// Number of open file descriptors of process `pid` (entries of `/proc/PID/fd`).
pub fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("read /proc/PID/fd")
        .count()
}
