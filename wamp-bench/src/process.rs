//! Peer child processes: spawning them (the bench binary itself in `peer`
//! mode, or the autobahn-python script) and reading their stdout protocol.

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
    /// wamp-rs: this binary, `wamp-bench peer ...`.
    WampRs,
    /// autobahn-python (asyncio), in the Crossbar venv.
    Autobahn,
}

/// How to start peers of either kind.
#[derive(Debug, Clone)]
pub(crate) struct Launcher {
    /// This executable (for wamp-rs peers).
    pub(crate) bench_exe: PathBuf,
    /// The Crossbar venv's python.
    pub(crate) python: PathBuf,
    /// The autobahn peer script, written next to the router's node directory.
    pub(crate) script: PathBuf,
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
    /// Starts a peer of `kind` in `role` (see `rust_peer::run`).
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
            Kind::WampRs => {
                let mut c = Command::new(&self.bench_exe);
                c.arg("peer");
                c
            }
            Kind::Autobahn => {
                let mut c = Command::new(&self.python);
                c.arg(&self.script);
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
            label: format!("{kind:?} {role} {serializer}"),
        })
    }
}

impl Launcher {
    /// The file a peer's stderr goes to: `<node dir>/peer-<kind>-<role>.log`
    /// (appended), so that Python import warnings do not flood the table.
    fn stderr_file(&self, kind: Kind, role: &str) -> BoxResult<std::fs::File> {
        let dir = self.script.parent().ok_or("script without a directory")?;
        let path = dir.join(format!("peer-{kind:?}-{role}.log"));
        Ok(std::fs::OpenOptions::new().create(true).append(true).open(path)?)
    }
}

impl Peer {
    /// Waits for the next protocol line starting with `prefix` (other lines
    /// are ignored) and returns the rest of it.
    fn expect(&mut self, prefix: &str, timeout: Duration) -> BoxResult<String> {
        loop {
            match self.lines.recv_timeout(timeout) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix(prefix) {
                        return Ok(rest.trim().to_string());
                    }
                    if line.starts_with("ERROR") {
                        return Err(format!("{}: {line}", self.label).into());
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    return Err(format!("{}: no {prefix} within {timeout:?}", self.label).into());
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.child.wait()?;
                    return Err(format!("{}: exited ({status}) before {prefix}", self.label).into());
                }
            }
        }
    }

    /// Waits until the peer is connected (and registered/subscribed).
    pub(crate) fn ready(&mut self) -> BoxResult<()> {
        self.expect("READY", Duration::from_secs(60)).map(|_| ())
    }

    /// Waits for the peer's measured result.
    pub(crate) fn result(&mut self, timeout: Duration) -> BoxResult<PeerResult> {
        let text = self.expect("RESULT", timeout)?;
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
