//! autobahn-python interop peers.

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle, sleep};
use std::time::{Duration, Instant};

use crate::HarnessError;
use crate::install::python;

/// What a finished [`PythonPeer`] printed.
#[derive(Debug, Clone)]
pub struct PeerOutput {
    /// How the peer exited.
    pub status: ExitStatus,
    /// Everything it wrote to stdout.
    pub stdout: String,
    /// Everything it wrote to stdout and stderr, interleaved as read.
    pub output: String,
}

/// A Python script run with the Crossbar venv's interpreter (which has
/// autobahn-python), used as an interop peer in tests.
///
/// The script's stdout is read line by line in a background thread; tests
/// wait for marker lines with [`wait_for_line`](Self::wait_for_line). Errors
/// quote everything the peer printed on stdout and stderr. Dropping the peer
/// kills the process.
///
/// ```no_run
/// use std::time::Duration;
/// let router = wamp_testkit::shared_router();
/// let mut peer = wamp_testkit::PythonPeer::spawn("import sys\nprint('ready', sys.argv[1])", &[&router.url()])?;
/// let line = peer.wait_for_line("ready", Duration::from_secs(10))?;
/// # Ok::<(), wamp_testkit::HarnessError>(())
/// ```
#[derive(Debug)]
pub struct PythonPeer {
    child: Child,
    script: PathBuf,
    lines: Receiver<String>,
    seen: Vec<String>,
    stdout: Arc<Mutex<String>>,
    output: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
}

impl PythonPeer {
    /// Writes `script` (Python source) to a temporary file and runs `VENV/bin/python -u FILE ARGS...`
    /// with stdout and stderr piped (installing Crossbar first if needed).
    pub fn spawn(script: &str, args: &[&str]) -> Result<PythonPeer, HarnessError> {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let python = python()?;
        let path = std::env::temp_dir().join(format!(
            "wamp-testkit-peer-{}-{}.py",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        fs::write(&path, script).map_err(|e| HarnessError::io(format!("write {}", path.display()), e))?;
        let mut child = Command::new(&python)
            .arg("-u")
            .arg(&path)
            .args(args)
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| HarnessError::io(format!("run {}", python.display()), e))?;

        let stdout_buf = Arc::new(Mutex::new(String::new()));
        let output = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = channel();
        let mut readers = Vec::new();
        if let Some(out) = child.stdout.take() {
            let (stdout_buf, output) = (stdout_buf.clone(), output.clone());
            readers.push(thread::spawn(move || {
                for line in BufReader::new(out).lines() {
                    let Ok(line) = line else { break };
                    append(&stdout_buf, &line);
                    append(&output, &line);
                    let _ = tx.send(line);
                }
            }));
        }
        if let Some(err) = child.stderr.take() {
            let output = output.clone();
            readers.push(thread::spawn(move || {
                let mut reader = BufReader::new(err);
                let mut buf = Vec::new();
                loop {
                    buf.clear();
                    match reader.by_ref().read_until(b'\n', &mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {
                            let line = String::from_utf8_lossy(&buf);
                            append(&output, line.trim_end_matches('\n'));
                        }
                    }
                }
            }));
        }
        Ok(PythonPeer {
            child,
            script: path,
            lines: rx,
            seen: Vec::new(),
            stdout: stdout_buf,
            output,
            readers,
        })
    }

    /// Reads stdout lines until one starts with `prefix` and returns it.
    ///
    /// Lines read before it stay available through [`lines`](Self::lines).
    /// Fails if the peer exits first or `timeout` passes; the error quotes all
    /// the peer printed.
    pub fn wait_for_line(&mut self, prefix: &str, timeout: Duration) -> Result<String, HarnessError> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.starts_with(prefix) {
                        return Ok(line);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    return Err(HarnessError::PeerTimeout {
                        prefix: prefix.into(),
                        timeout,
                        output: self.output(),
                    });
                }
                Err(RecvTimeoutError::Disconnected) => {
                    // stdout closed: give stderr a moment, report the exit status.
                    let status = self.wait_exit(Duration::from_secs(2));
                    return Err(HarnessError::PeerExited {
                        prefix: prefix.into(),
                        status: status.map(|s| s.to_string()).unwrap_or_else(|| "stdout closed".into()),
                        output: self.output(),
                    });
                }
            }
        }
    }

    /// The stdout lines consumed so far by [`wait_for_line`](Self::wait_for_line)
    /// (including the matching ones), plus any lines already received.
    pub fn lines(&mut self) -> &[String] {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        &self.seen
    }

    /// Everything the peer printed so far, stdout and stderr interleaved.
    pub fn output(&self) -> String {
        self.output.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// PID of the Python process.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits up to `timeout` for the peer to exit and returns its status and
    /// output. On timeout the peer is killed and [`HarnessError::PeerHung`]
    /// returned.
    pub fn wait(mut self, timeout: Duration) -> Result<PeerOutput, HarnessError> {
        match self.wait_exit(timeout) {
            Some(status) => {
                for reader in self.readers.drain(..) {
                    let _ = reader.join();
                }
                Ok(PeerOutput {
                    status,
                    stdout: self.stdout.lock().map(|s| s.clone()).unwrap_or_default(),
                    output: self.output(),
                })
            }
            None => {
                let _ = self.child.kill();
                let _ = self.child.wait();
                for reader in self.readers.drain(..) {
                    let _ = reader.join();
                }
                Err(HarnessError::PeerHung {
                    timeout,
                    output: self.output(),
                })
            }
        }
    }

    fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) if Instant::now() < deadline => sleep(Duration::from_millis(20)),
                _ => return None,
            }
        }
    }
}

impl Drop for PythonPeer {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        let _ = fs::remove_file(&self.script);
    }
}

fn append(buf: &Mutex<String>, line: &str) {
    if let Ok(mut buf) = buf.lock() {
        buf.push_str(line);
        buf.push('\n');
    }
}
