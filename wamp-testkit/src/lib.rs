//! Test your WAMP services against a real router.
//!
//! This crate starts a real [Crossbar.io](https://crossbar.io) router on free
//! loopback ports, in a test, and stops it when the test is done: no mocks.
//! Add it as a dev-dependency next to `wamp-runtime`:
//!
//! ```toml
//! [dev-dependencies]
//! wamp-testkit = "0.1"
//! tokio = { version = "1", features = ["macros", "rt"] }
//! ```
//!
//! A test starts a [`Router`], runs the service under test in its own
//! process ([`Router::serve`]: the program's `#[procedure]`s and
//! `#[subscriber]`s, as `wamp_runtime::serve` would run them), and calls it
//! through the router as any client would ([`Router::connect`]):
//!
//! ```no_run
//! use wamp_runtime::{CallContext, procedure};
//! use wamp_testkit::{Router, RouterConfig};
//!
//! #[procedure(name = "com.example.add")]
//! fn add(_ctx: CallContext, a: i64, b: i64) -> i64 {
//!     a + b
//! }
//!
//! #[tokio::test]
//! async fn add_adds() {
//!     let router = Router::start(RouterConfig::default()).expect("start the router");
//!     let _service = router.serve().await.expect("start the service");
//!     let client = router.connect().await.expect("join the realm");
//!     let sum: i64 = client.call("com.example.add").args((2, 3)).await.unwrap().decode().unwrap();
//!     assert_eq!(sum, 5);
//! }
//! # fn main() {}
//! ```
//!
//! [`RouterConfig::default()`] is realm `realm1`, where anonymous clients
//! may do everything; [`RouterConfig`] builds your own realms, roles and
//! transports (ticket, WAMP-CRA or cryptosign authentication, RawSocket,
//! TLS). [`Router::url`], [`Router::transport_url`] and
//! [`Router::client_config`] tell clients where to go; [`Router::server`]
//! is the service's `wamp_runtime::Server` before it starts, to give it
//! state. [`shared_router`] is one router for all the tests of a test
//! binary, started on first use.
//!
//! # What it installs, and where
//!
//! On first use it installs Crossbar [`CROSSBAR_VERSION`] from PyPI into a
//! Python virtualenv ([`ensure_crossbar`]; needs Python 3.11 or later with
//! `venv` and pip, and takes a few minutes), and reuses it afterwards (the
//! installed version is checked; a mismatch is reinstalled). Everything goes
//! to a per-user [`cache_dir`], `~/.cache/wamp-testkit` unless
//! `WAMP_TESTKIT_CACHE` (or `XDG_CACHE_HOME`) says otherwise, shared by every
//! project and every test binary that uses the test kit: the install is
//! serialised across processes by a file lock, so only one of them installs.
//! `WAMP_TESTKIT_CROSSBAR_VENV` points the test kit at a virtualenv of your
//! own, and `WAMP_TESTKIT_PYTHON` names the Python that creates it.
//!
//! Each router runs in a fresh node directory under `runs/` in the cache,
//! with its output in `node.log` ([`Router::log`], quoted in errors).
//!
//! # Stopping
//!
//! Dropping a [`Router`] stops it, also while a failing test unwinds. Every
//! node is launched through a small `sh` watchdog that terminates it
//! (SIGTERM, then SIGKILL of the node and its workers, all by PID) as soon as
//! the test process is gone, so an abort or a SIGKILL of the test binary does
//! not leave routers behind either. The service and clients run on the
//! test's tokio runtime and end with it. The router uses `/proc`: Linux only.
//!
//! The router API is synchronous and std-only, so it is usable from sync and
//! async tests alike; [`Router::start`] blocks while it waits for the ports.
//!
//! # Beyond the router
//!
//! * autobahn-python is installed with Crossbar: [`PythonPeer`] runs a
//!   Python script as a second, independent peer, and [`AutobahnSession`]
//!   writes the usual client session script from a short `onJoin` body.
//! * For what a real router never sends (broken frames, protocol
//!   violations, floods, a peer that stops reading), [`fake_router`] is a
//!   scripted fake router on tokio, over WebSocket or RawSocket.
//! * [`ensure_xconn`] installs xconn-python [`XCONN_VERSION`] into a
//!   virtualenv of its own, for wamp-rs's benchmark.

mod autobahn;
mod config;
pub mod fake_router;
mod install;
mod paths;
mod peer;
mod procs;
mod router;
mod service;
mod venv;
mod xconn;

use std::path::PathBuf;
use std::time::Duration;

pub use autobahn::AutobahnSession;
pub use config::{PORT_PLACEHOLDER, RouterConfig, disclosing, permission};
pub use install::{ensure_crossbar, python};
pub use paths::{CACHE_ENV, CROSSBAR_VERSION, PYTHON_ENV, VENV_ENV, cache_dir, venv_dir};
use paths::{state_dir, tail_lines};
pub use peer::{PeerOutput, PythonPeer};
pub use router::{Router, shared_router};
pub use xconn::{WAMPPROTO_VERSION, XCONN_VENV_ENV, XCONN_VERSION, ensure_xconn, xconn_python, xconn_venv_dir};

/// A free TCP port on 127.0.0.1: binds port 0, reads the port the OS picked
/// and releases it again.
///
/// Another process may grab the port before it is used; [`Router::start`]
/// retries with new ports when Crossbar reports a port conflict.
///
/// # Panics
/// If no loopback port can be bound at all.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))
        .expect("cannot bind a TCP port on 127.0.0.1 (is loopback networking available?)");
    listener
        .local_addr()
        .expect("a bound TCP listener has a local address")
        .port()
}

/// Everything that can go wrong while installing or running the router or a
/// Python peer. Messages name what failed and include the relevant log tail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HarnessError {
    /// An I/O operation (spawning a process, writing a file, ...) failed.
    #[error("failed to {what}: {source}")]
    Io {
        /// What the harness was doing.
        what: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Installing pinned packages (Crossbar, or xconn-python for the
    /// benchmark) into their venv failed.
    #[error("installing {packages} into {venv} failed: {reason} (full log: {log})\nlast lines of the log:\n{tail}")]
    Install {
        /// The pinned packages, `name==version` separated by spaces.
        packages: String,
        /// The venv directory.
        venv: PathBuf,
        /// Which step failed.
        reason: String,
        /// The install log.
        log: PathBuf,
        /// The last lines of the install log.
        tail: String,
    },
    /// The Crossbar node exited before all its transports were listening.
    #[error("crossbar router exited during startup ({status}); cbdir {cbdir}\nlast lines of node.log:\n{log_tail}")]
    RouterExited {
        /// How the watchdog / node exited.
        status: String,
        /// The node directory.
        cbdir: PathBuf,
        /// The last lines of `node.log`.
        log_tail: String,
    },
    /// The Crossbar node did not open all its transport ports in time.
    #[error(
        "crossbar router did not accept connections on ports {ports:?} within {timeout:?}; cbdir {cbdir}\nlast lines of node.log:\n{log_tail}"
    )]
    RouterTimeout {
        /// The ports that were not yet accepting.
        ports: Vec<u16>,
        /// How long the harness waited.
        timeout: Duration,
        /// The node directory.
        cbdir: PathBuf,
        /// The last lines of `node.log`.
        log_tail: String,
    },
    /// A process the harness looked for (e.g. the router worker) was not found.
    #[error("no {what} process found (crossbar node pid {node_pid})")]
    ProcessNotFound {
        /// What was looked for.
        what: &'static str,
        /// The node whose children were searched.
        node_pid: u32,
    },
    /// A Python peer did not print the expected line in time.
    #[error("python peer did not print a line starting with {prefix:?} within {timeout:?}; it printed:\n{output}")]
    PeerTimeout {
        /// The awaited line prefix.
        prefix: String,
        /// How long the harness waited.
        timeout: Duration,
        /// Everything the peer printed so far (stdout and stderr).
        output: String,
    },
    /// A Python peer exited (or closed stdout) before printing the expected line.
    #[error("python peer exited ({status}) before printing a line starting with {prefix:?}; it printed:\n{output}")]
    PeerExited {
        /// The awaited line prefix.
        prefix: String,
        /// The exit status (or "stdout closed").
        status: String,
        /// Everything the peer printed (stdout and stderr).
        output: String,
    },
    /// A Python peer did not exit within the given time (it was killed).
    #[error("python peer did not exit within {timeout:?} (killed it); it printed:\n{output}")]
    PeerHung {
        /// How long the harness waited.
        timeout: Duration,
        /// Everything the peer printed (stdout and stderr).
        output: String,
    },
}

impl From<venv::InstallError> for HarnessError {
    fn from(error: venv::InstallError) -> Self {
        match error {
            venv::InstallError::Io { what, source } => HarnessError::Io { what, source },
            venv::InstallError::Failed {
                packages,
                venv,
                reason,
                log,
                tail,
            } => HarnessError::Install {
                packages,
                venv,
                reason,
                log,
                tail,
            },
        }
    }
}

impl HarnessError {
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        HarnessError::Io {
            what: what.into(),
            source,
        }
    }
}

/// [`paths::locked`] with the harness's error.
pub(crate) fn lock_file(path: &std::path::Path) -> Result<std::fs::File, HarnessError> {
    paths::locked(path).map_err(|e| HarnessError::io("take the lock", e))
}
