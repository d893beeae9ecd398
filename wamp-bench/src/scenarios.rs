//! The benchmark scenarios: each runs once per client library (a caller/publisher
//! against a callee/subscriber of its own kind, in separate processes)
//! while the router's CPU time is sampled around the measured window.

use std::time::{Duration, Instant};

use wamp_testkit::Router;

use crate::cpu::total_cpu_seconds;
use crate::process::{Kind, Launcher, Peer, Readiness};
use crate::report::PeerResult;
use crate::rust_peer::PAYLOAD_BYTES;

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

/// The transports the scenarios use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transport {
    /// WebSocket (`ws://`).
    WebSocket,
    /// RawSocket over TCP (`rs://`).
    RawSocket,
}

/// What a scenario does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Workload {
    /// One call at a time.
    Sequential,
    /// 100 calls in flight.
    InFlight,
    /// Publications without acknowledgement, to a subscriber.
    Publish,
    /// 1 MiB binary argument echoed back.
    Payload,
    /// Bind 10,000 procedures (pipelined).
    Register,
}

/// One scenario: a workload on a transport and serializer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scenario {
    pub(crate) workload: Workload,
    pub(crate) transport: Transport,
    pub(crate) serializer: &'static str,
}

impl Scenario {
    /// A short name for the table.
    pub(crate) fn name(&self) -> String {
        let what = match self.workload {
            Workload::Sequential => "sequential calls",
            Workload::InFlight => "100 calls in flight",
            Workload::Publish => "publish, no ack",
            Workload::Payload => "1 MiB payload calls",
            Workload::Register => "register 10,000",
        };
        let transport = match self.transport {
            Transport::WebSocket => "ws",
            Transport::RawSocket => "rawsocket",
        };
        format!("{what} ({transport}/{})", self.serializer)
    }
}

/// All scenarios, in table order.
pub(crate) fn all() -> Vec<Scenario> {
    use Transport::{RawSocket, WebSocket};
    use Workload::*;
    let s = |workload, transport, serializer| Scenario {
        workload,
        transport,
        serializer,
    };
    vec![
        s(Sequential, WebSocket, "json"),
        s(InFlight, WebSocket, "json"),
        s(InFlight, WebSocket, "msgpack"),
        s(InFlight, RawSocket, "msgpack"),
        s(Publish, WebSocket, "json"),
        s(Payload, WebSocket, "json"),
        s(Payload, WebSocket, "msgpack"),
        s(Payload, WebSocket, "cbor"),
        s(Register, WebSocket, "json"),
    ]
}

/// The smoke run's scenarios: every workload, transport and serializer at
/// least once (the binary payload on JSON, base64 per WAMP, and on CBOR),
/// in six runs where [`all`] takes ten.
pub(crate) fn smoke() -> Vec<Scenario> {
    use Transport::{RawSocket, WebSocket};
    use Workload::*;
    let wanted = [
        (Sequential, WebSocket, "json"),
        (InFlight, RawSocket, "msgpack"),
        (Publish, WebSocket, "json"),
        (Payload, WebSocket, "json"),
        (Payload, WebSocket, "cbor"),
        (Register, WebSocket, "json"),
    ];
    all()
        .into_iter()
        .filter(|s| wanted.contains(&(s.workload, s.transport, s.serializer)))
        .collect()
}

/// The outcome of one scenario for one peer kind.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outcome {
    /// The caller's / publisher's / registrant's own measurement.
    pub(crate) driver: PeerResult,
    /// The subscriber's count (publish scenario only).
    pub(crate) receiver: Option<PeerResult>,
    /// Router (node + workers) CPU over the measured window, % of one core.
    pub(crate) router_cpu_percent: f64,
}

impl Outcome {
    /// Payload megabytes (10^6 bytes) per second, one direction.
    pub(crate) fn megabytes_per_second(&self) -> f64 {
        self.driver.rate() * PAYLOAD_BYTES as f64 / 1e6
    }
}

/// What one library achieved in one scenario.
#[derive(Debug, Clone)]
pub(crate) enum Measured {
    /// It ran; the figures.
    Done(Outcome),
    /// Its library cannot do this scenario; why, in the peer's words.
    NotAvailable(String),
    /// Another library's peer failed the scenario (crashed, or gave no
    /// result in time): shown in the table as a failure, not a figure. A
    /// wamp-rs failure is never recorded this way; it ends the run.
    Failed(String),
}

impl Measured {
    /// The figures, if the scenario ran.
    pub(crate) fn outcome(&self) -> Option<&Outcome> {
        match self {
            Measured::Done(outcome) => Some(outcome),
            Measured::NotAvailable(_) | Measured::Failed(_) => None,
        }
    }
}

/// Runs `scenario` for peers of `kind` on `router`, measuring for `duration`.
pub(crate) fn run(
    router: &Router,
    launcher: &Launcher,
    kind: Kind,
    scenario: Scenario,
    duration: Duration,
) -> BoxResult<Measured> {
    let url = match scenario.transport {
        Transport::WebSocket => router.url(),
        Transport::RawSocket => router.transport_url("raw"),
    };
    let ser = scenario.serializer;
    let (counterpart_role, driver_role) = match scenario.workload {
        Workload::Sequential => (Some("callee"), "caller-seq"),
        Workload::InFlight => (Some("callee"), "caller-inflight"),
        Workload::Payload => (Some("callee"), "caller-payload"),
        Workload::Publish => (Some("subscriber"), "publisher"),
        Workload::Register => (None, "register"),
    };
    let mut counterpart: Option<Peer> = match counterpart_role {
        Some(role) => {
            let mut peer = launcher.spawn(kind, role, &url, ser, duration)?;
            if let Readiness::Unsupported(why) = peer.ready()? {
                peer.finish(Duration::from_secs(10))?;
                return Ok(Measured::NotAvailable(why));
            }
            Some(peer)
        }
        None => None,
    };
    let router_pids = router_pids(router);
    let mut driver = launcher.spawn(kind, driver_role, &url, ser, duration)?;
    if let Readiness::Unsupported(why) = driver.ready()? {
        driver.finish(Duration::from_secs(10))?;
        if let Some(peer) = counterpart {
            peer.finish(Duration::from_secs(10))?;
        }
        return Ok(Measured::NotAvailable(why));
    }
    let (cpu0, t0) = (total_cpu_seconds(&router_pids), Instant::now());
    let result = driver.result(duration + Duration::from_secs(120))?;
    let (cpu1, wall) = (total_cpu_seconds(&router_pids), t0.elapsed().as_secs_f64());
    driver.finish(Duration::from_secs(10))?;
    let receiver = match counterpart.as_mut() {
        Some(peer) if matches!(scenario.workload, Workload::Publish) => {
            // Let the router drain what it still holds, then ask for the count.
            std::thread::sleep(Duration::from_millis(500).min(duration));
            peer.release()?;
            Some(peer.result(Duration::from_secs(30))?)
        }
        _ => None,
    };
    if let Some(peer) = counterpart {
        peer.finish(Duration::from_secs(10))?;
    }
    Ok(Measured::Done(Outcome {
        driver: result,
        receiver,
        router_cpu_percent: if wall > 0.0 { (cpu1 - cpu0) / wall * 100.0 } else { 0.0 },
    }))
}

/// The Crossbar node process and its workers.
fn router_pids(router: &Router) -> Vec<u32> {
    let mut pids = vec![router.pid()];
    pids.extend(router.worker_pids());
    pids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smoke_run_covers_every_workload_transport_and_serializer() {
        let smoke = smoke();
        assert_eq!(smoke.len(), 6, "a wanted scenario is not in all(): {smoke:?}");
        for scenario in all() {
            assert!(smoke.iter().any(|s| s.workload == scenario.workload), "{scenario:?}");
            assert!(smoke.iter().any(|s| s.transport == scenario.transport), "{scenario:?}");
            assert!(
                smoke.iter().any(|s| s.serializer == scenario.serializer),
                "{scenario:?}"
            );
        }
    }
}
