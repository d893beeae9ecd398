//! The wamp-rs peer: what a `wamp-bench peer ROLE URL SERIALIZER DURATION_MS`
//! child process does. Same roles and stdout protocol as
//! `autobahn_peer.py`: `READY` when connected (and registered/subscribed),
//! then `RESULT {json}` for the measuring roles. CPU is this process's
//! user+sys time over the measured window only (connect excluded).

use std::error::Error;
use std::io::BufRead;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use wamp_protocol::SerializerKind;
use wamp_runtime::{ApplicationError, CallContext, Client, ClientConfig, EventContext, Payload, RegisterOptions};
use wamp_runtime::{SubscribeOptions, Value};

use crate::report::{PeerResult, Window, say};

/// Calls kept in flight by the `caller-inflight` role.
pub(crate) const IN_FLIGHT: usize = 100;
/// Size of the binary payload of the `caller-payload` role.
pub(crate) const PAYLOAD_BYTES: usize = 1024 * 1024;

/// The binary payload of the `caller-payload` role (wamp-rs and floor).
pub(crate) fn payload() -> Vec<u8> {
    (0..PAYLOAD_BYTES).map(|i| (i * 31 % 251) as u8).collect()
}
/// Procedures bound by the `register` role.
pub(crate) const REGISTRATIONS: usize = 10_000;

type BoxResult<T> = Result<T, Box<dyn Error>>;

/// Parses a serializer name as used on the command line.
pub(crate) fn serializer(name: &str) -> BoxResult<SerializerKind> {
    match name {
        "json" => Ok(SerializerKind::Json),
        "msgpack" => Ok(SerializerKind::MsgPack),
        "cbor" => Ok(SerializerKind::Cbor),
        other => Err(format!("unknown serializer {other:?}").into()),
    }
}

/// Blocks (on a blocking thread) until a line or EOF arrives on stdin.
async fn read_line() -> BoxResult<()> {
    tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map(|_| ())
    })
    .await??;
    Ok(())
}

fn echo(_ctx: CallContext, payload: Payload) -> Result<Payload, ApplicationError> {
    Ok(payload)
}

/// Runs role `role` against `url` with `serializer` for `duration`.
pub(crate) async fn run(role: &str, url: &str, serializer: SerializerKind, duration: Duration) -> BoxResult<()> {
    let config = ClientConfig::builder()
        .url(url)
        .realm("realm1")
        .serializers([serializer])
        .build()?;
    let client = Client::connect(&config).await?;
    match role {
        "callee" => {
            client.register("bench.echo", echo, RegisterOptions::default()).await?;
            say("READY")?;
            read_line().await?;
        }
        "subscriber" => subscriber(&client).await?,
        "caller-seq" => {
            let window = Window::open(duration)?;
            let mut n = 0u64;
            while Instant::now() < window.deadline {
                client.call("bench.echo").arg(n).await?;
                n += 1;
            }
            window.report(n, true)?;
        }
        "caller-inflight" => {
            let window = Window::open(duration)?;
            let deadline = window.deadline;
            let workers = (0..IN_FLIGHT).map(|i| {
                let client = client.clone();
                async move {
                    let mut n = 0u64;
                    while Instant::now() < deadline {
                        client.call("bench.echo").arg(i).await?;
                        n += 1;
                    }
                    Ok::<u64, wamp_runtime::CallError>(n)
                }
            });
            let mut total = 0;
            for count in join_all(workers).await {
                total += count?;
            }
            window.report(total, true)?;
        }
        "caller-payload" => {
            let data = payload();
            // Each call sends the bytes the previous one got back (checked
            // equal to `data`), so the loop copies nothing itself: the
            // Python peers pass the same bytes object every time.
            let mut sent = data.clone();
            let window = Window::open(duration)?;
            let (mut n, mut ok) = (0u64, true);
            while n < 2 || Instant::now() < window.deadline {
                let mut out = client
                    .call("bench.echo")
                    .payload(Payload::from_args(vec![Value::Bytes(sent)]))
                    .await?
                    .into_payload();
                sent = match out.args.pop() {
                    Some(Value::Bytes(echoed)) if out.args.is_empty() && echoed == data => echoed,
                    _ => {
                        ok = false;
                        data.clone()
                    }
                };
                n += 1;
            }
            window.report(n, ok)?;
        }
        "publisher" => {
            let window = Window::open(duration)?;
            let mut n = 0u64;
            while Instant::now() < window.deadline {
                for _ in 0..100 {
                    client.publish("bench.topic").arg(n).await?;
                    n += 1;
                }
            }
            window.report(n, true)?;
        }
        "register" => {
            let window = Window::open(duration)?;
            let binds =
                (0..REGISTRATIONS).map(|i| client.register(format!("bench.reg.{i}"), echo, RegisterOptions::default()));
            for bound in join_all(binds).await {
                bound?;
            }
            window.report(REGISTRATIONS as u64, true)?;
        }
        other => return Err(format!("unknown role {other:?}").into()),
    }
    client.leave().await?;
    Ok(())
}

/// Events received so far: count, first and last arrival.
type Seen = (u64, Option<Instant>, Option<Instant>);

/// Counts events on `bench.topic` until stdin says stop, then reports the
/// count and the time between the first and the last event.
async fn subscriber(client: &Client) -> BoxResult<()> {
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let counter = Arc::clone(&seen);
    let on_event = move |_ctx: EventContext, _payload: Payload| {
        let now = Instant::now();
        if let Ok(mut seen) = counter.lock() {
            seen.0 += 1;
            seen.1.get_or_insert(now);
            seen.2 = Some(now);
        }
    };
    client
        .subscribe("bench.topic", on_event, SubscribeOptions::default())
        .await?;
    say("READY")?;
    read_line().await?;
    let (ops, first, last) = *seen.lock().map_err(|_| "poisoned counter")?;
    let secs = match (first, last) {
        (Some(first), Some(last)) => last.duration_since(first).as_secs_f64(),
        _ => 0.0,
    };
    let result = PeerResult {
        ops,
        secs,
        cpu_us: 0.0,
        ok: true,
    };
    Ok(say(&format!("RESULT {}", result.to_json()))?)
}
