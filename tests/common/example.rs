//! Runs one of the workspace's example programs as a child process, the way
//! a user would: configured through the environment, stopped by a signal.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running example whose stdout is collected line by line.
pub struct Example {
    name: String,
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

/// The example binary, next to the test binaries. `cargo test` builds the
/// examples, but `cargo test --test NAME` does not: build them once here so
/// a test never runs a stale binary.
pub fn example_binary(name: &str) -> PathBuf {
    static BUILT: std::sync::Once = std::sync::Once::new();
    BUILT.call_once(|| {
        let status = super::cargo::cargo_in(std::path::Path::new(env!("CARGO_MANIFEST_DIR")))
            .args(["build", "--quiet", "--workspace", "--examples"])
            .status()
            .expect("run cargo build --examples");
        assert!(status.success(), "building the examples failed");
    });
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/<test> → target/<profile>/examples/<name>
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).expect("target directory");
    let path = profile_dir.join("examples").join(name);
    assert!(
        path.exists(),
        "example {name} is not built at {}; run the tests with `cargo test` (which builds examples)",
        path.display()
    );
    path
}

impl Example {
    /// Starts example `name` with `env` added to its environment.
    pub fn start(name: &str, env: &[(&str, &str)]) -> Example {
        let mut command = Command::new(example_binary(name));
        command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()));
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("start the example");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Example {
            name: name.to_owned(),
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a stdout line containing `text` and returns it.
    pub fn wait_for(&mut self, text: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(text) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "example {} did not print {text:?} within {timeout:?}; it printed:\n{}",
                    self.name,
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(mut self, timeout: Duration) -> ExitStatus {
        let _ = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status();
        self.wait(timeout)
    }

    /// Waits for the example to exit by itself.
    pub fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("poll the example") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("example {} did not exit within {timeout:?}", self.name);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
