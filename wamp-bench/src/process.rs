//! Peer child processes: spawning them (the bench binary itself in `peer`
//! or `floor` mode, the battler-peer executable, or a Python script with the
//! python of its library's venv) and reading their stdout protocol.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::thread;
use std::time::Duration;

use crate::report::PeerResult;

/// Which client library a peer process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// wamp-rs: this binary, `wamp-bench peer ...`, on tokio's multi-thread
    /// runtime (what `#[tokio::main]` builds).
    WampRs,
    /// wamp-rs on tokio's current-thread runtime (`#[tokio::main(flavor =
    /// "current_thread")]`): `wamp-bench peer-1-thread ...`. Same code, one
    /// thread: no wake-ups between threads.
    WampRs1Thread,
    /// autobahn-python (asyncio), in the Crossbar venv.
    Autobahn,
    /// xconn-python (asyncio `AsyncClient`), in its own venv.
    Xconn,
    /// battler-wamp (Rust, tokio): the `battler-peer` executable.
    Battler,
    /// The floor, not a library: this binary, `wamp-bench floor ...`, for
    /// the driver roles; its counterparts (callee, subscriber) are wamp-rs
    /// peers.
    Floor,
}

impl Kind {
    /// Every library, in table order; wamp-rs first (the ratios are
    /// wamp-rs / each of the others), the floor last.
    pub(crate) const ALL: [Kind; 6] = [
        Kind::WampRs,
        Kind::WampRs1Thread,
        Kind::Autobahn,
        Kind::Xconn,
        Kind::Battler,
        Kind::Floor,
    ];

    /// The name in the table.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Kind::WampRs => "wamp-rs",
            Kind::WampRs1Thread => "wamp-rs 1-thread",
            Kind::Autobahn => "autobahn",
            Kind::Xconn => "xconn",
            Kind::Battler => "battler",
            Kind::Floor => "floor",
        }
    }

    /// wamp-rs itself, in either runtime: its failure ends the run.
    pub(crate) fn is_wamp_rs(self) -> bool {
        matches!(self, Kind::WampRs | Kind::WampRs1Thread)
    }
}

/// A Python peer: the interpreter of its library's venv and the script.
#[derive(Debug, Clone)]
pub(crate) struct PythonPeer {
    /// The venv's python.
    pub(crate) python: PathBuf,
    /// The peer script, written into the router's node directory.
    pub(crate) script: PathBuf,
}

/// How to start peers of every kind.
#[derive(Debug, Clone)]
pub(crate) struct Launcher {
    /// This executable (for wamp-rs peers).
    pub(crate) bench_exe: PathBuf,
    /// autobahn-python peers (the Crossbar venv).
    pub(crate) autobahn: PythonPeer,
    /// xconn-python peers (the xconn venv), when xconn runs.
    pub(crate) xconn: Option<PythonPeer>,
    /// The battler-wamp peer executable, when battler runs.
    pub(crate) battler_exe: Option<PathBuf>,
    /// Where the peers' stderr logs go (the router's node directory).
    pub(crate) log_dir: PathBuf,
}

/// What a peer said once it was set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Readiness {
    /// `READY`: joined (and registered/subscribed).
    Ready,
    /// `UNSUPPORTED why`: its library cannot do this role as asked.
    Unsupported(String),
}

/// A running peer process.
#[derive(Debug)]
pub(crate) struct Peer {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    label: String,
}

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

impl Launcher {
    /// Starts a peer of `kind` in `role` (see `rust_peer::run`; for the
    /// floor, `floor_peer::run` for the driver roles and the wamp-rs peer
    /// for the counterparts).
    pub(crate) fn spawn(
        &self,
        kind: Kind,
        role: &str,
        url: &str,
        serializer: &str,
        duration: Duration,
    ) -> BoxResult<Peer> {
        let millis = duration.as_millis().to_string();
        let mut command = match kind {
            Kind::WampRs | Kind::WampRs1Thread | Kind::Floor => {
                // This binary's subcommand for the kind; the floor's
                // counterparts are wamp-rs peers.
                let subcommand = match kind {
                    Kind::WampRs1Thread => "peer-1-thread",
                    Kind::Floor if crate::floor_peer::ROLES.contains(&role) => "floor",
                    _ => "peer",
                };
                let mut c = Command::new(&self.bench_exe);
                c.arg(subcommand);
                c
            }
            Kind::Battler => Command::new(
                self.battler_exe
                    .as_ref()
                    .ok_or("battler was not built (not in --peers)")?,
            ),
            Kind::Autobahn | Kind::Xconn => {
                let peer = if kind == Kind::Xconn {
                    self.xconn.as_ref().ok_or("xconn was not installed (not in --peers)")?
                } else {
                    &self.autobahn
                };
                let mut c = Command::new(&peer.python);
                c.arg(&peer.script);
                c
            }
        };
        command
            .args([role, url, serializer, &millis])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(self.stderr_file(kind, role)?));
        let mut child = command.spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout pipe")?;
        let (sender, lines) = channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Peer {
            stdin: child.stdin.take(),
            child,
            lines,
            label: format!("{} {role} {url} {serializer}", kind.label()),
        })
    }
}

impl Launcher {
    /// The file a peer's stderr goes to: `<node dir>/peer-<kind>-<role>.log`
    /// (appended), so that Python import warnings do not flood the table.
    fn stderr_file(&self, kind: Kind, role: &str) -> BoxResult<std::fs::File> {
        let path = self.log_dir.join(format!("peer-{}-{role}.log", kind.label()));
        Ok(std::fs::OpenOptions::new().create(true).append(true).open(path)?)
    }
}

impl Peer {
    /// Waits for the next protocol line starting with one of `prefixes`
    /// (other lines, e.g. a library's own prints, are ignored) and returns
    /// the prefix and the rest of the line.
    fn expect<'p>(&mut self, prefixes: &[&'p str], timeout: Duration) -> BoxResult<(&'p str, String)> {
        let wanted = prefixes.join(" or ");
        loop {
            match self.lines.recv_timeout(timeout) {
                Ok(line) => {
                    for prefix in prefixes {
                        if let Some(rest) = line.strip_prefix(prefix) {
                            return Ok((prefix, rest.trim().to_string()));
                        }
                    }
                    if line.starts_with("ERROR") {
                        return Err(format!("{}: {line}", self.label).into());
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    return Err(format!("{}: no {wanted} within {timeout:?}", self.label).into());
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait()?;
                    return Err(format!("{}: exited ({status}) before {wanted}", self.label).into());
                }
            }
        }
    }

    /// Waits until the peer is connected (and registered/subscribed), or
    /// says that its library cannot do the role.
    pub(crate) fn ready(&mut self) -> BoxResult<Readiness> {
        match self.expect(&["READY", "UNSUPPORTED"], Duration::from_secs(60))? {
            ("READY", _) => Ok(Readiness::Ready),
            (_, why) if why.is_empty() => Err(format!("{}: UNSUPPORTED without a reason", self.label).into()),
            (_, why) => Ok(Readiness::Unsupported(why)),
        }
    }

    /// Waits for the peer's measured result.
    pub(crate) fn result(&mut self, timeout: Duration) -> BoxResult<PeerResult> {
        let (_, text) = self.expect(&["RESULT"], timeout)?;
        Ok(PeerResult::parse(&text)?)
    }

    /// Tells a waiting peer (callee, subscriber) to finish: writes a line and
    /// closes its stdin.
    pub(crate) fn release(&mut self) -> BoxResult<()> {
        if let Some(mut stdin) = self.stdin.take() {
            // The peer may already be gone; that is not an error here.
            let _ = writeln!(stdin, "stop");
        }
        Ok(())
    }

    /// Waits for the process to exit (killing it after `timeout`).
    pub(crate) fn finish(mut self, timeout: Duration) -> BoxResult<()> {
        self.release()?;
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            if std::time::Instant::now() > deadline {
                self.child.kill()?;
                self.child.wait()?;
                return Ok(());
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
