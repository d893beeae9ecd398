//! The battler-wamp peer of wamp-bench: `battler-peer ROLE URL SERIALIZER
//! DURATION_MS`, the same roles and stdout protocol as the wamp-rs peer
//! (`wamp-bench peer ...`) and the Python peers: `READY` when joined (and
//! registered/subscribed), then `RESULT {json}` for the measuring roles, or
//! `UNSUPPORTED why` when battler-wamp cannot do what the role asks.
//!
//! CPU is this process's user+sys time over the measured window only
//! (connect excluded), from `/proc/self/stat`, as for the wamp-rs peer.

use std::io::{BufRead, Write};
use std::process::{Command, ExitCode};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use battler_wamp::core::publish_options::PublishOptions;
use battler_wamp::peer::{
    PeerConfig, ProcedureMessage, PublishedEvent, RpcCall, RpcYield, WebSocketPeer, new_web_socket_peer,
};
use battler_wamp::serializer::serializer::SerializerType;
use battler_wamp_uri::Uri;
use battler_wamp_values::{List, Value};
use futures_util::future::join_all;
use tokio::sync::broadcast::error::RecvError;

/// Calls kept in flight by the `caller-inflight` role (as for every peer).
const IN_FLIGHT: usize = 100;
/// Procedures bound by the `register` role.
const REGISTRATIONS: usize = 10_000;

/// Events received so far: count, first and last arrival.
type Seen = (u64, Option<Instant>, Option<Instant>);

fn say(line: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}

/// Clock ticks per second for `/proc` CPU times (`getconf CLK_TCK`, 100 when
/// that fails, the value on every Linux the benchmark targets).
fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse::<f64>().ok())
        .filter(|ticks| *ticks > 0.0)
        .unwrap_or(100.0)
}

/// User+sys CPU seconds of this process.
fn own_cpu_seconds(ticks: f64) -> Result<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // Fields after the command name (which may hold spaces) start at field 3.
    let rest = &stat[stat.rfind(')').ok_or_else(|| anyhow!("odd /proc/self/stat"))? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field =
        |i: usize| -> Result<f64> { Ok(fields.get(i).ok_or_else(|| anyhow!("short /proc/self/stat"))?.parse()?) };
    Ok((field(11)? + field(12)?) / ticks)
}

/// The measured window: wall start, CPU start, deadline.
struct Window {
    ticks: f64,
    start: Instant,
    cpu: f64,
    deadline: Instant,
}

impl Window {
    fn open(duration: Duration) -> Result<Window> {
        let ticks = ticks_per_second();
        say("READY")?;
        let start = Instant::now();
        Ok(Window {
            ticks,
            start,
            cpu: own_cpu_seconds(ticks)?,
            deadline: start + duration,
        })
    }

    fn report(&self, ops: u64) -> Result<()> {
        let secs = self.start.elapsed().as_secs_f64();
        let cpu_us = (own_cpu_seconds(self.ticks)? - self.cpu) * 1e6;
        let result = serde_json::json!({"ops": ops, "secs": secs, "cpu_us": cpu_us, "ok": true});
        say(&format!("RESULT {result}"))
    }
}

/// Blocks (on a blocking thread) until a line or EOF arrives on stdin.
async fn read_line() -> Result<()> {
    tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map(|_| ())
    })
    .await??;
    Ok(())
}

fn uri(text: &str) -> Result<Uri> {
    Uri::try_from(text).map_err(|e| anyhow!("invalid URI {text:?}: {e}"))
}

/// Why battler-wamp cannot do `role` on `url` with `serializer`, if it cannot.
fn unsupported(role: &str, url: &str, serializer: &str) -> Option<String> {
    if !url.starts_with("ws://") && !url.starts_with("wss://") {
        return Some("battler-wamp has only a WebSocket transport".into());
    }
    if serializer == "cbor" {
        return Some("battler-wamp has no CBOR serializer (JSON and MessagePack only)".into());
    }
    if role == "caller-payload" {
        // battler_wamp_values::Value is Null | Integer | String | Bool |
        // Dictionary | List: a byte string has no representation at all.
        return Some("battler-wamp's Value type has no binary variant, so a binary argument cannot be sent".into());
    }
    None
}

async fn connect(url: &str, serializer: &str) -> Result<WebSocketPeer> {
    let serializer = match serializer {
        "json" => SerializerType::Json,
        "msgpack" => SerializerType::MessagePack,
        other => bail!("unknown serializer {other:?}"),
    };
    let config = PeerConfig {
        serializers: [serializer].into_iter().collect(),
        ..PeerConfig::default()
    };
    let peer = new_web_socket_peer(config)?;
    peer.connect(url).await.with_context(|| format!("connect to {url}"))?;
    peer.join_realm("realm1").await.context("join realm1")?;
    Ok(peer)
}

async fn echo_call(peer: &WebSocketPeer, procedure: &Uri, n: u64) -> Result<()> {
    let call = RpcCall {
        arguments: List::from_iter([Value::Integer(n)]),
        ..RpcCall::default()
    };
    let result = peer.call_and_wait(procedure.clone(), call).await?;
    if result.arguments.first() != Some(&Value::Integer(n)) {
        bail!("echo returned {:?} for {n}", result.arguments);
    }
    Ok(())
}

async fn run(role: &str, url: &str, serializer: &str, duration: Duration) -> Result<()> {
    if let Some(why) = unsupported(role, url, serializer) {
        return say(&format!("UNSUPPORTED {why}"));
    }
    let peer = connect(url, serializer).await?;
    let echo = uri("bench.echo")?;
    let topic = uri("bench.topic")?;
    match role {
        "callee" => {
            let mut procedure = peer.register(echo).await?;
            tokio::spawn(async move {
                loop {
                    match procedure.procedure_message_rx.recv().await {
                        Ok(ProcedureMessage::Invocation(invocation)) => {
                            let answer = RpcYield {
                                arguments: invocation.arguments.clone(),
                                arguments_keyword: invocation.arguments_keyword.clone(),
                            };
                            if let Err(e) = invocation.respond_ok(answer).await {
                                eprintln!("battler callee: cannot answer: {e:#}");
                            }
                        }
                        Ok(ProcedureMessage::Interrupt(_)) => {}
                        // battler-wamp hands invocations over a bounded
                        // broadcast channel: a lagging callee loses them.
                        Err(RecvError::Lagged(lost)) => eprintln!("battler callee: {lost} invocations lost"),
                        Err(RecvError::Closed) => break,
                    }
                }
            });
            say("READY")?;
            read_line().await?;
        }
        "subscriber" => {
            let mut subscription = peer.subscribe(topic).await?;
            let seen: Arc<Mutex<Seen>> = Arc::default();
            let counter = Arc::clone(&seen);
            tokio::spawn(async move {
                loop {
                    match subscription.event_rx.recv().await {
                        Ok(_) => {
                            let now = Instant::now();
                            if let Ok(mut seen) = counter.lock() {
                                seen.0 += 1;
                                seen.1.get_or_insert(now);
                                seen.2 = Some(now);
                            }
                        }
                        // Dropped by battler-wamp's event channel, not
                        // delivered: not counted.
                        Err(RecvError::Lagged(lost)) => eprintln!("battler subscriber: {lost} events lost"),
                        Err(RecvError::Closed) => break,
                    }
                }
            });
            say("READY")?;
            read_line().await?;
            let (ops, first, last) = *seen.lock().map_err(|_| anyhow!("poisoned counter"))?;
            let secs = match (first, last) {
                (Some(first), Some(last)) => last.duration_since(first).as_secs_f64(),
                _ => 0.0,
            };
            let result = serde_json::json!({"ops": ops, "secs": secs, "cpu_us": 0.0, "ok": true});
            say(&format!("RESULT {result}"))?;
        }
        "caller-seq" => {
            let window = Window::open(duration)?;
            let mut n = 0u64;
            while Instant::now() < window.deadline {
                echo_call(&peer, &echo, n).await?;
                n += 1;
            }
            window.report(n)?;
        }
        "caller-inflight" => {
            let window = Window::open(duration)?;
            let workers = (0..IN_FLIGHT as u64).map(|i| {
                let (peer, echo, deadline) = (&peer, &echo, window.deadline);
                async move {
                    let mut n = 0u64;
                    while Instant::now() < deadline {
                        echo_call(peer, echo, i).await?;
                        n += 1;
                    }
                    Ok::<u64, anyhow::Error>(n)
                }
            });
            let mut total = 0;
            for count in join_all(workers).await {
                total += count?;
            }
            window.report(total)?;
        }
        "publisher" => {
            let window = Window::open(duration)?;
            let mut n = 0u64;
            while Instant::now() < window.deadline {
                for _ in 0..100 {
                    let event = PublishedEvent {
                        arguments: List::from_iter([Value::Integer(n)]),
                        options: PublishOptions::default(),
                        ..PublishedEvent::default()
                    };
                    peer.publish(topic.clone(), event).await?;
                    n += 1;
                }
            }
            window.report(n)?;
        }
        "register" => {
            let window = Window::open(duration)?;
            let procedures = (0..REGISTRATIONS)
                .map(|i| uri(&format!("bench.reg.{i}")))
                .collect::<Result<Vec<_>>>()?;
            for bound in join_all(procedures.into_iter().map(|p| peer.register(p))).await {
                bound?;
            }
            window.report(REGISTRATIONS as u64)?;
        }
        other => bail!("unknown role {other:?}"),
    }
    peer.leave_realm().await?;
    peer.disconnect().await?;
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [role, url, serializer, millis] = &args[..] else {
        eprintln!("usage: battler-peer ROLE URL SERIALIZER DURATION_MS");
        return ExitCode::from(2);
    };
    let outcome = millis
        .parse()
        .map_err(|e| anyhow!("invalid DURATION_MS {millis:?}: {e}"))
        .and_then(|millis| {
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            runtime.block_on(run(role, url, serializer, Duration::from_millis(millis)))
        });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = say(&format!("ERROR {e:#}"));
            ExitCode::FAILURE
        }
    }
}
