//! The whole tour in one command: starts a local Crossbar router (installing
//! it into wamp-testkit's cache, `~/.cache/wamp-testkit`, on first run), runs the `register` service, the
//! `call` client, the `subscribe` listener and the `publish` client against
//! it, prints what happened, and stops everything.
//!
//! Run: `cargo run --example demo`

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use wamp_testkit::{Router, RouterConfig};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// A running example whose stdout lines are forwarded, prefixed, to ours.
struct Running {
    name: &'static str,
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Running {
    fn start(dir: &Path, name: &'static str, url: &str) -> Result<Running> {
        let mut child = Command::new(dir.join(name))
            .env("WAMP_URL", url)
            .env("WAMP_REALM", "realm1")
            .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start example {name}: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(std::result::Result::ok) {
                println!("  [{name}] {line}");
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Running { name, child, lines })
    }

    /// Waits until the example prints a line containing `text`.
    fn wait_for(&self, text: &str) -> Result<()> {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(60)) {
                Ok(line) if line.contains(text) => return Ok(()),
                Ok(_) => {}
                Err(_) => return Err(format!("example {} never printed {text:?}", self.name).into()),
            }
        }
    }

    /// Waits for the example to finish by itself.
    fn finish(mut self) -> Result<()> {
        let status = self.child.wait()?;
        if !status.success() {
            return Err(format!("example {} failed: {status}", self.name).into());
        }
        Ok(())
    }

    /// Asks the example to stop (SIGTERM, as a service manager would) and waits.
    fn stop(mut self) -> Result<()> {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()?;
        let status = self.child.wait()?;
        if !status.success() {
            return Err(format!("example {} did not stop cleanly: {status}", self.name).into());
        }
        Ok(())
    }
}

fn examples_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    Ok(exe.parent().ok_or("no parent directory")?.to_path_buf())
}

fn main() -> Result<()> {
    println!("== building the examples");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = Command::new(cargo)
        .args(["build", "--quiet", "--examples"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()?;
    if !built.success() {
        return Err("building the examples failed".into());
    }

    println!("== starting Crossbar (the first run installs it: a few minutes)");
    let router = Router::start(RouterConfig::default())?;
    let url = router.url();
    println!("   router ready at {url}, realm realm1");
    let dir = examples_dir()?;

    println!("== RPC: the `register` service and the `call` client");
    let service = Running::start(&dir, "register", &url)?;
    service.wait_for("registered")?;
    Running::start(&dir, "call", &url)?.finish()?;
    service.stop()?;

    println!("== PubSub: the `subscribe` listener and the `publish` client");
    let listener = Running::start(&dir, "subscribe", &url)?;
    listener.wait_for("subscribed")?;
    Running::start(&dir, "publish", &url)?.finish()?;
    listener.wait_for("event")?;
    std::thread::sleep(Duration::from_millis(300));
    listener.stop()?;

    println!("== stopping Crossbar");
    router.stop();
    println!("done");
    Ok(())
}
