//! Real-router test harness for wamp-rs.
//!
//! This crate runs a real [Crossbar.io](https://crossbar.io) WAMP router for
//! integration tests, examples and demos — no mocks. It:
//!
//! * installs Crossbar [`CROSSBAR_VERSION`] from PyPI into a pinned Python
//!   virtualenv on first use ([`ensure_crossbar`]) and reuses it afterwards
//!   (the installed version is checked, a mismatch is reinstalled). The venv
//!   lives in `<workspace>/.crossbar/venv` (git-ignored) unless the
//!   environment variable `WAMP_RS_CROSSBAR_VENV` names another directory.
//!   The install is serialised across processes with a file lock on
//!   `<workspace>/.crossbar/install.lock`; pip output goes to
//!   `<workspace>/.crossbar/install.log`.
//! * starts Crossbar nodes from a [`RouterConfig`] on free loopback ports
//!   ([`Router::start`]) and waits until every transport accepts TCP
//!   connections. Each node runs in a fresh directory under
//!   `<target>/crossbar-runs/`, with its output in `node.log`.
//! * shares one router per test binary ([`shared_router`]).
//! * installs xconn-python [`XCONN_VERSION`] into a virtualenv of its own
//!   (`<workspace>/.crossbar/xconn-venv`) for the benchmark ([`ensure_xconn`]).
//! * runs autobahn-python scripts (autobahn is installed in the same venv) as
//!   interop peers ([`PythonPeer`]), and writes the usual client session script
//!   from a short `onJoin` body ([`AutobahnSession`]).
//!
//! Every node is launched through a small `sh` watchdog that terminates it
//! (SIGTERM, then SIGKILL of the node and its workers, all by PID) as soon as
//! the test process is gone, so a panic, an abort or a SIGKILL of the test
//! binary does not leave routers behind. Dropping a [`Router`] stops it
//! immediately.
//!
//! The router API is synchronous and std-only, so it is usable from sync and
//! async tests alike.
//!
//! For what a real router never sends (broken frames, protocol violations,
//! floods, a peer that stops reading), [`fake_router`] is a scripted fake
//! router on tokio, over WebSocket or RawSocket.
//!
//! ```no_run
//! let router = wamp_testkit::shared_router();
//! println!("connect to {} (realm1)", router.url());
//! ```

mod autobahn;
mod config;
pub mod fake_router;
mod install;
mod peer;
mod procs;
mod router;
mod venv;
mod xconn;

use std::path::PathBuf;
use std::time::Duration;

pub use autobahn::AutobahnSession;
pub use config::{PORT_PLACEHOLDER, RouterConfig, disclosing, permission};
pub use install::{ensure_crossbar, python};
pub use peer::{PeerOutput, PythonPeer};
pub use router::{Router, shared_router};
pub use xconn::{WAMPPROTO_VERSION, XCONN_VENV_ENV, XCONN_VERSION, ensure_xconn, xconn_python, xconn_venv_dir};

/// The Crossbar.io release (PyPI package `crossbar`) the harness installs and
/// tests against.
pub const CROSSBAR_VERSION: &str = "26.10.1";

/// Environment variable that overrides the virtualenv location.
pub const VENV_ENV: &str = "WAMP_RS_CROSSBAR_VENV";

/// The root of the cargo workspace (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// The Crossbar virtualenv: `$WAMP_RS_CROSSBAR_VENV` if set (and not empty),
/// otherwise `<workspace>/.crossbar/venv`.
pub fn venv_dir() -> PathBuf {
    match std::env::var_os(VENV_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => workspace_root().join(".crossbar").join("venv"),
    }
}

/// Directory holding the install lock and install log: `<workspace>/.crossbar`.
fn state_dir() -> PathBuf {
    workspace_root().join(".crossbar")
}

/// The cargo target directory (`$CARGO_TARGET_DIR` or `<workspace>/target`).
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                workspace_root().join(dir)
            }
        }
        _ => workspace_root().join("target"),
    }
}

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

impl HarnessError {
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        HarnessError::Io {
            what: what.into(),
            source,
        }
    }
}

/// The last `n` lines of a text.
pub(crate) fn tail_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(n);
    lines[start..].join("\n")
}
