//! `wamp-bench`: wamp-rs against autobahn-python, xconn-python and
//! battler-wamp on one real Crossbar router, and against a floor: a client
//! written by hand that does only what any client must do for each scenario
//! (`floor_peer.rs`; not a library).
//!
//! ```text
//! cargo run --release -p wamp-bench            # full run, 5 s per scenario
//! cargo run --release -p wamp-bench -- --smoke # 6 of the scenarios, ~0.3 s each, checks sanity
//! wamp-bench --duration-ms 10000               # custom window
//! wamp-bench --peers wamp-rs,wamp-rs-1-thread  # only these clients
//! ```
//!
//! `--peers` takes a comma-separated list of `wamp-rs`, `wamp-rs-1-thread`,
//! `autobahn`, `xconn`, `battler` and `floor` (wamp-rs always runs: the
//! ratios are to it). The full run measures every one; the smoke run checks
//! wamp-rs and the floor only, so that it needs no third-party install.
//!
//! The orchestrator starts Crossbar (wamp-testkit), then for each scenario
//! and each client library starts the counterpart (callee / subscriber) and
//! the driver (caller / publisher / registrant) as separate processes:
//! wamp-rs peers are this binary in `peer` mode (tokio's multi-thread
//! runtime) or `peer-1-thread` mode (its current-thread runtime), autobahn peers run
//! `autobahn_peer.py` with the Crossbar venv's python, xconn peers run
//! `xconn_peer.py` with the python of a venv of their own
//! (`wamp_testkit::ensure_xconn`, installed on first use), battler-wamp
//! peers are the `battler-peer` executable (`wamp-bench/battler-peer`, built
//! on first use); the floor's drivers are this binary in `floor` mode, its
//! counterparts the wamp-rs peer. Each driver
//! measures its own user+sys CPU over its measured window (its threads'
//! schedstat for wamp-rs and the floor, `/proc/self/stat` for battler,
//! `getrusage(RUSAGE_SELF)` for Python); the orchestrator
//! samples the router's CPU (node + workers, `/proc/PID/stat`) around that
//! window. A library that cannot do a scenario says so (`UNSUPPORTED why`)
//! and the table shows n/a with its reason.

mod battler;
mod cpu;
mod floor_peer;
mod process;
mod report;
mod rust_peer;
mod scenarios;
mod table;

use std::error::Error;
use std::fs;
use std::time::{Duration, Instant};

use serde_json::json;
use wamp_testkit::{Router, RouterConfig};

use crate::process::{Kind, Launcher, PythonPeer};
use crate::scenarios::Measured;

/// The autobahn-python peer, written into the router's node directory.
const AUTOBAHN_PEER: &str = include_str!("autobahn_peer.py");
/// The xconn-python peer, written next to it.
const XCONN_PEER: &str = include_str!("xconn_peer.py");

type BoxResult<T> = Result<T, Box<dyn Error>>;

fn main() -> BoxResult<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("peer") {
        return peer_main(&args[1..], tokio::runtime::Builder::new_multi_thread());
    }
    if args.first().map(String::as_str) == Some("peer-1-thread") {
        return peer_main(&args[1..], tokio::runtime::Builder::new_current_thread());
    }
    if args.first().map(String::as_str) == Some("floor") {
        return floor_main(&args[1..]);
    }
    let mut duration = Duration::from_secs(5);
    let mut smoke = false;
    let mut peers = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--smoke" => {
                smoke = true;
                duration = Duration::from_millis(300);
            }
            "--duration-ms" => {
                let value = rest.next().ok_or("--duration-ms needs a value")?;
                duration = Duration::from_millis(value.parse()?);
            }
            "--peers" => {
                let value = rest.next().ok_or("--peers needs a comma-separated list")?;
                peers = Some(parse_peers(value)?);
            }
            other => {
                return Err(
                    format!("unknown argument {other:?} (use --smoke, --duration-ms N or --peers LIST)").into(),
                );
            }
        }
    }
    let kinds = peers.unwrap_or_else(|| match smoke {
        true => vec![Kind::WampRs, Kind::Floor],
        false => Kind::ALL.to_vec(),
    });
    bench(duration, smoke, &kinds)
}

/// `wamp-bench peer ROLE URL SERIALIZER DURATION_MS` (or `peer-1-thread`):
/// one wamp-rs peer process, on the runtime `runtime` builds.
fn peer_main(args: &[String], mut runtime: tokio::runtime::Builder) -> BoxResult<()> {
    let [role, url, serializer, millis] = args else {
        return Err("usage: wamp-bench peer|peer-1-thread ROLE URL SERIALIZER DURATION_MS".into());
    };
    let serializer = rust_peer::serializer(serializer)?;
    let duration = Duration::from_millis(millis.parse()?);
    let runtime = runtime.enable_all().build()?;
    let outcome = runtime.block_on(rust_peer::run(role, url, serializer, duration));
    if let Err(e) = &outcome {
        println!("ERROR {e}");
    }
    outcome
}

/// `wamp-bench floor ROLE URL SERIALIZER DURATION_MS`: one floor driver
/// process (see `floor_peer`).
fn floor_main(args: &[String]) -> BoxResult<()> {
    let [role, url, serializer, millis] = args else {
        return Err("usage: wamp-bench floor ROLE URL SERIALIZER DURATION_MS".into());
    };
    let outcome = floor_peer::run(role, url, serializer, Duration::from_millis(millis.parse()?));
    if let Err(e) = &outcome {
        println!("ERROR {e}");
    }
    outcome
}

/// The clients named in `--peers`, in table order, wamp-rs first.
fn parse_peers(list: &str) -> BoxResult<Vec<Kind>> {
    let mut named = vec![Kind::WampRs];
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let kind = Kind::ALL
            .into_iter()
            .find(|kind| kind.label().replace(' ', "-") == name)
            .ok_or_else(|| {
                format!("unknown peer {name:?} in --peers (known: wamp-rs, wamp-rs-1-thread, autobahn, xconn, battler, floor)")
            })?;
        named.push(kind);
    }
    Ok(Kind::ALL.into_iter().filter(|kind| named.contains(kind)).collect())
}

/// Starts the router and runs every scenario for every library of `kinds`.
fn bench(duration: Duration, smoke: bool, kinds: &[Kind]) -> BoxResult<()> {
    let started = Instant::now();
    // Before the router starts, so that a first-run install or build (a few
    // minutes) is not mistaken for part of anything measured.
    let xconn_python = match kinds.contains(&Kind::Xconn) {
        true => Some(wamp_testkit::xconn_python()?),
        false => None,
    };
    let battler_exe = match kinds.contains(&Kind::Battler) {
        true => Some(battler::build_peer()?),
        false => None,
    };
    let config = RouterConfig::default()
        .rawsocket_transport("raw", json!({"anonymous": {"type": "static", "role": "anonymous"}}));
    let router = Router::start(config)?;
    let write_script = |name: &str, text: &str| -> BoxResult<std::path::PathBuf> {
        let path = router.cbdir().join(name);
        fs::write(&path, text)?;
        Ok(path)
    };
    let launcher = Launcher {
        bench_exe: std::env::current_exe()?,
        autobahn: PythonPeer {
            python: wamp_testkit::python()?,
            script: write_script("autobahn_peer.py", AUTOBAHN_PEER)?,
        },
        xconn: match xconn_python {
            Some(python) => Some(PythonPeer {
                python,
                script: write_script("xconn_peer.py", XCONN_PEER)?,
            }),
            None => None,
        },
        battler_exe,
        log_dir: router.cbdir().to_path_buf(),
    };
    eprintln!(
        "router up in {:.1}s; {} per scenario",
        started.elapsed().as_secs_f64(),
        humantime(duration)
    );
    let mut results = Vec::new();
    let scenarios = match smoke {
        true => scenarios::smoke(),
        false => scenarios::all(),
    };
    for scenario in scenarios {
        let mut measured = Vec::new();
        // A publisher that floods for 0.3 s writes tens of thousands of
        // events, which Crossbar then takes seconds to work through before
        // the publisher's GOODBYE is answered; a smoke run only needs a few
        // thousand to check that events arrive.
        let window = match (smoke, scenario.workload) {
            (true, scenarios::Workload::Publish) => duration / 10,
            _ => duration,
        };
        for &kind in kinds {
            let result = match scenarios::run(&router, &launcher, kind, scenario, window) {
                Ok(result) => result,
                // A third-party library failing (battler-wamp has been seen to
                // never finish its 10,000 registrations on a loaded machine)
                // is a finding for the table, not a reason to lose the run.
                // So is a floor failure (the smoke check rejects it).
                Err(error) if !kind.is_wamp_rs() => {
                    eprintln!("FAILED: {} / {}: {error}", scenario.name(), kind.label());
                    Measured::Failed(error.to_string())
                }
                Err(error) => return Err(error),
            };
            measured.push((kind, result));
        }
        eprintln!("done: {}", scenario.name());
        results.push((scenario, measured));
    }
    router.stop();
    println!("{}", table::render(kinds, &results));
    if kinds.contains(&Kind::Autobahn) && kinds.contains(&Kind::Floor) {
        println!("CPU per operation against the target (ratio to autobahn in brackets):\n");
        println!("{}", table::render_cpu_targets(&results));
    }
    println!("total time {:.1}s", started.elapsed().as_secs_f64());
    if smoke {
        let problems = table::sanity_problems(kinds, &results);
        if !problems.is_empty() {
            return Err(format!("smoke run found insane numbers:\n{}", problems.join("\n")).into());
        }
        println!("smoke: all scenarios sane");
    }
    Ok(())
}

fn humantime(duration: Duration) -> String {
    format!("{:.1}s", duration.as_secs_f64())
}
