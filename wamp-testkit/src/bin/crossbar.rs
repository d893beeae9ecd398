//! Command-line access to the wamp-testkit Crossbar router.
//!
//! ```text
//! cargo run -p wamp-testkit --bin crossbar -- install          # install Crossbar, print the venv
//! cargo run -p wamp-testkit --bin crossbar -- start [--port N] [--raw-port M]
//!                                     # run the default router (port 8080), RawSocket on M too
//! cargo run -p wamp-testkit --bin crossbar -- python           # print the venv's python
//! cargo run -p wamp-testkit --bin crossbar -- install-xconn    # install xconn-python (own venv), print it
//! ```

use std::process::ExitCode;
use std::thread::sleep;
use std::time::Duration;

use wamp_testkit::{Router, RouterConfig, ensure_crossbar, ensure_xconn, python};

const USAGE: &str = "usage: crossbar <install | start [--port N] [--raw-port M] | python | install-xconn>
  install          install Crossbar into the pinned venv (if needed) and print its path
  install-xconn    install xconn-python (for wamp-bench) into its own pinned venv and print its path
  start [--port N] [--raw-port M]
                   run the default router config; the \"default\" transport listens on
                   127.0.0.1:N (default 8080); with --raw-port, an anonymous RawSocket
                   transport \"raw\" listens on 127.0.0.1:M; runs until interrupted
  python           print the path of the venv's python (has autobahn-python)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("install") if args.len() == 1 => ensure_crossbar().map(|venv| {
            println!("{}", venv.display());
        }),
        Some("install-xconn") if args.len() == 1 => ensure_xconn().map(|venv| {
            println!("{}", venv.display());
        }),
        Some("python") if args.len() == 1 => python().map(|p| println!("{}", p.display())),
        Some("start") => match parse_ports(&args[1..]) {
            Ok((port, raw_port)) => start(port, raw_port),
            Err(msg) => {
                eprintln!("{msg}\n{USAGE}");
                return ExitCode::from(2);
            }
        },
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The WebSocket port (default 8080) and the RawSocket port, if any.
fn parse_ports(mut args: &[String]) -> Result<(u16, Option<u16>), String> {
    let (mut port, mut raw_port) = (8080, None);
    while let [flag, value, rest @ ..] = args {
        let parsed = value.parse().map_err(|_| format!("invalid port {value:?}"))?;
        match flag.as_str() {
            "--port" => port = parsed,
            "--raw-port" => raw_port = Some(parsed),
            _ => return Err(format!("unexpected argument {flag:?}")),
        }
        args = rest;
    }
    match args {
        [] => Ok((port, raw_port)),
        rest => Err(format!("unexpected arguments {rest:?}")),
    }
}

fn start(port: u16, raw_port: Option<u16>) -> Result<(), wamp_testkit::HarnessError> {
    let mut config = RouterConfig::default().fixed_port("default", port);
    if let Some(raw_port) = raw_port {
        config = config
            .rawsocket_transport(
                "raw",
                serde_json::json!({"anonymous": {"type": "static", "role": "anonymous"}}),
            )
            .fixed_port("raw", raw_port);
    }
    let router = Router::start(config)?;
    println!("crossbar router running (node pid {})", router.pid());
    println!("  realm:      realm1");
    println!("  default:    {}  (anonymous)", router.url());
    println!(
        "  restricted: {}  (role restricted)",
        router.transport_url("restricted")
    );
    if raw_port.is_some() {
        println!("  raw:        {}  (anonymous)", router.transport_url("raw"));
    }
    println!("  cbdir:      {}", router.cbdir().display());
    println!("press Ctrl-C to stop");
    // Runs until signalled; the watchdog stops the node when this process is
    // gone. Exit if the node dies on its own.
    while router.is_running() {
        sleep(Duration::from_millis(500));
    }
    eprintln!(
        "crossbar node exited; last lines of node.log:\n{}",
        router
            .log()
            .lines()
            .rev()
            .take(20)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
    );
    Ok(())
}
