//! Running Crossbar nodes.

use std::collections::BTreeMap;
use std::fs;
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::install::{ensure_crossbar, venv_crossbar};
use crate::{HarnessError, RouterConfig, cache_dir, procs, tail_lines};

/// How long [`Router::start`] waits for all transports to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Poll interval while waiting for ports.
const POLL: Duration = Duration::from_millis(50);
/// How long a stop waits after SIGTERM before it SIGKILLs.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// File in the cbdir into which the watchdog writes the node PID (Crossbar
/// itself uses `node.pid`).
const PID_FILE: &str = "testkit-node.pid";
/// Lines of node.log quoted in errors.
const LOG_TAIL: usize = 40;

/// The watchdog, run as `sh -c WATCHDOG sh TEST_PID CROSSBAR CBDIR [SHARED]`.
///
/// It starts the node in the background (output appended to node.log),
/// publishes its PID, and waits for it. A monitor subshell polls the test
/// process every 0.5 s; once that is gone it SIGTERMs the node, waits up to
/// 5 s and then SIGKILLs the node and its children — all by PID.
///
/// A shared node (see [`shared_router`]) is given the directory `SHARED`,
/// whose `holders/` has one file per process using the node, named by its
/// PID. The monitor keeps the node while the test process or any holder
/// lives, and stops it once none has for [`SHARED_GRACE_TICKS`] polls; it
/// decides under `SHARED/lock` and removes `SHARED/state` first, so that no
/// process joins a node that is going away.
const WATCHDOG: &str = r#"
test_pid=$1; crossbar=$2; cbdir=$3; shared=$4; grace=$5
"$crossbar" start --cbdir "$cbdir" >>"$cbdir/node.log" 2>&1 </dev/null &
node=$!
echo "$node" >"$cbdir/testkit-node.pid.tmp" && mv "$cbdir/testkit-node.pid.tmp" "$cbdir/testkit-node.pid"
(
  held() {
    kill -0 "$test_pid" 2>/dev/null && return 0
    [ -n "$shared" ] || return 1
    for holder in "$shared"/holders/*; do
      [ -e "$holder" ] || continue
      kill -0 "${holder##*/}" 2>/dev/null && return 0
      rm -f "$holder"
    done
    return 1
  }
  if [ -z "$shared" ]; then
    while held; do sleep 0.5; done
  else
    idle=0
    while kill -0 "$node" 2>/dev/null; do
      if held; then idle=0; else idle=$((idle+1)); fi
      if [ "$idle" -ge "$grace" ]; then
        exec 9>"$shared/lock"
        flock 9
        if ! held; then rm -f "$shared/state"; flock -u 9; break; fi
        flock -u 9
        idle=0
      fi
      sleep 0.5
    done
  fi
  kids=$(pgrep -P "$node")
  kill -TERM "$node" 2>/dev/null
  i=0
  while kill -0 "$node" 2>/dev/null && [ "$i" -lt 20 ]; do sleep 0.25; i=$((i+1)); done
  kill -KILL "$node" $kids $(pgrep -P "$node") 2>/dev/null
) </dev/null >/dev/null 2>&1 &
mon=$!
wait "$node"
status=$?
if kill -0 "$test_pid" 2>/dev/null; then kill "$mon" 2>/dev/null; else wait "$mon"; fi
exit "$status"
"#;

/// How many 0.5 s polls a shared node outlives its last holder: long enough
/// for the next test binary of a `cargo test` run (or a binary that needs
/// no router in between) to join it, short enough not to linger.
const SHARED_GRACE_TICKS: u32 = 40;

/// A running Crossbar node (router), started from a [`RouterConfig`].
///
/// Dropping it (also during a panic unwind) stops the node and its workers;
/// [`stop`](Self::stop) does the same explicitly. Every node runs under a
/// watchdog that stops it when the test process disappears, so nodes do not
/// outlive their test binary even when it aborts.
#[derive(Debug)]
pub struct Router {
    config: RouterConfig,
    cbdir: PathBuf,
    ports: BTreeMap<String, u16>,
    urls: Vec<(String, String)>,
    watchdog: Option<Child>,
    node_pid: u32,
    /// The directory of a shared node (see [`shared_router`]).
    shared: Option<PathBuf>,
}

impl Router {
    /// Installs Crossbar if needed ([`ensure_crossbar`]), creates a fresh node
    /// directory under `runs/` in the [cache](crate::cache_dir), writes `config.json` with a
    /// free loopback port for every transport and the files of
    /// [`RouterConfig::file`], starts `crossbar start --cbdir
    /// DIR` (output in `DIR/node.log`) and waits until every transport port
    /// accepts TCP connections (polling every 50 ms, up to 60 s).
    ///
    /// If Crossbar reports a port conflict (a free port was taken meanwhile)
    /// the start is retried with new ports. Errors quote the tail of
    /// `node.log`.
    pub fn start(config: RouterConfig) -> Result<Router, HarnessError> {
        Self::start_in(config, None)
    }

    /// [`start`](Self::start), for a node shared through `shared` when given.
    fn start_in(config: RouterConfig, shared: Option<&Path>) -> Result<Router, HarnessError> {
        ensure_crossbar()?;
        prune_old_runs();
        let attempts = if config.has_fixed_ports() { 1 } else { 3 };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let cbdir = new_cbdir()?;
            let ports = config.pick_ports();
            let json = config.to_json(&ports);
            let text =
                serde_json::to_string_pretty(&json).map_err(|e| HarnessError::io("serialize config.json", e.into()))?;
            let path = cbdir.join("config.json");
            fs::write(&path, text).map_err(|e| HarnessError::io(format!("write {}", path.display()), e))?;
            for (name, contents) in config.files() {
                let path = cbdir.join(name);
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent)
                        .map_err(|e| HarnessError::io(format!("create {}", parent.display()), e))?;
                }
                fs::write(&path, contents).map_err(|e| HarnessError::io(format!("write {}", path.display()), e))?;
            }
            let mut router = Router {
                urls: config.urls(&ports),
                config: config.clone(),
                cbdir,
                ports,
                watchdog: None,
                node_pid: 0,
                shared: shared.map(Path::to_path_buf),
            };
            match router.launch() {
                Ok(()) => return Ok(router),
                Err(HarnessError::RouterExited { .. }) if attempt < attempts && is_port_conflict(&router.log()) => {
                    continue;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// `ws://127.0.0.1:PORT/ws` — the URL of the first (default) transport.
    ///
    /// # Panics
    /// If the configuration has no transports.
    pub fn url(&self) -> String {
        self.urls
            .first()
            .map(|(_, url)| url.clone())
            .expect("the router configuration has no transports")
    }

    /// The URL of transport `name` (see [`RouterConfig::raw_transport`] for
    /// how it is derived).
    ///
    /// # Panics
    /// If there is no transport `name`.
    pub fn transport_url(&self, name: &str) -> String {
        self.urls
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, url)| url.clone())
            .unwrap_or_else(|| panic!("the router has no transport named {name:?}"))
    }

    /// The TCP port of transport `name`.
    ///
    /// # Panics
    /// If there is no transport `name` or it has no TCP port.
    pub fn port(&self, name: &str) -> u16 {
        *self
            .ports
            .get(name)
            .unwrap_or_else(|| panic!("the router has no transport with a TCP port named {name:?}"))
    }

    /// The transport names with their ports (transports without a TCP port are
    /// not listed).
    pub fn ports(&self) -> &BTreeMap<String, u16> {
        &self.ports
    }

    /// PID of the `crossbar start` node (controller) process.
    pub fn pid(&self) -> u32 {
        self.node_pid
    }

    /// PIDs of the node's worker processes (its live descendants).
    pub fn worker_pids(&self) -> Vec<u32> {
        procs::descendants(self.node_pid)
    }

    /// The node directory (`config.json`, `node.log`, keys).
    pub fn cbdir(&self) -> &Path {
        &self.cbdir
    }

    /// The configuration the router was started with.
    pub fn config(&self) -> &RouterConfig {
        &self.config
    }

    /// The contents of `node.log` (the node's stdout and stderr).
    pub fn log(&self) -> String {
        fs::read_to_string(self.cbdir.join("node.log")).unwrap_or_default()
    }

    /// True while the node process runs.
    pub fn is_running(&self) -> bool {
        self.node_pid != 0 && procs::alive(self.node_pid)
    }

    /// SIGKILLs the router worker (the node's child whose command line
    /// contains `crossbar-worker` / `RouterController`) to simulate a router
    /// crash. Found and killed by PID through `/proc`.
    pub fn kill_router_worker(&self) -> Result<(), HarnessError> {
        let workers: Vec<u32> = procs::descendants(self.node_pid)
            .into_iter()
            .filter(|&pid| {
                let cmd = procs::cmdline(pid);
                cmd.contains("RouterController") || (cmd.contains("crossbar-worker") && cmd.contains("router"))
            })
            .collect();
        if workers.is_empty() {
            return Err(HarnessError::ProcessNotFound {
                what: "crossbar router worker",
                node_pid: self.node_pid,
            });
        }
        procs::signal("KILL", &workers);
        let deadline = Instant::now() + STOP_GRACE;
        while workers.iter().any(|&p| procs::alive(p)) && Instant::now() < deadline {
            sleep(POLL);
        }
        Ok(())
    }

    /// SIGKILLs the whole node — the controller and all its workers at once,
    /// as a power cut would — and waits (up to 5 s) until they are gone.
    /// Nothing gets to close a connection cleanly: clients see their TCP
    /// connections reset. [`restart`](Self::restart) brings the node back on
    /// the same ports.
    pub fn kill_node(&self) -> Result<(), HarnessError> {
        if !self.is_running() {
            return Err(HarnessError::ProcessNotFound {
                what: "crossbar node",
                node_pid: self.node_pid,
            });
        }
        let mut family = procs::descendants(self.node_pid);
        family.push(self.node_pid);
        procs::signal("KILL", &family);
        // Until the watchdog has reaped the node, its zombie keeps the PID
        // that Crossbar left in `node.pid`, and a new `crossbar start` in this
        // directory dies on it ("PID still exists but it's a zombie").
        let deadline = Instant::now() + STOP_GRACE;
        while (family.iter().any(|&p| procs::alive(p)) || procs::exists(self.node_pid)) && Instant::now() < deadline {
            sleep(POLL);
        }
        Ok(())
    }

    /// Stops the node (if it still runs) and starts it again with the same
    /// node directory, configuration and ports; waits until every port accepts
    /// connections again.
    pub fn restart(&mut self) -> Result<(), HarnessError> {
        self.shutdown();
        self.launch()
    }

    /// Stops the node: SIGTERM, up to 5 s grace, then SIGKILL of the node and
    /// its workers; everything is reaped. Same as dropping the router.
    pub fn stop(self) {
        drop(self);
    }

    /// Spawns the watchdog + node in `self.cbdir` and waits for the ports.
    fn launch(&mut self) -> Result<(), HarnessError> {
        let crossbar = venv_crossbar(&crate::venv_dir());
        let pid_file = self.cbdir.join(PID_FILE);
        let _ = fs::remove_file(&pid_file);
        let child = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG)
            .arg("sh")
            .arg(std::process::id().to_string())
            .arg(&crossbar)
            .arg(&self.cbdir)
            .arg(self.shared.as_deref().unwrap_or(Path::new("")))
            .arg(SHARED_GRACE_TICKS.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Own process group: a Ctrl-C of the test run reaches the test
            // process only; the watchdog then shuts the node down in order.
            .process_group(0)
            .spawn()
            .map_err(|e| HarnessError::io("spawn the crossbar watchdog (sh)", e))?;
        self.watchdog = Some(child);
        self.node_pid = 0;

        let deadline = Instant::now() + START_TIMEOUT;
        let addrs: Vec<SocketAddr> = self
            .ports
            .values()
            .map(|&p| SocketAddr::from(([127, 0, 0, 1], p)))
            .collect();
        let mut pending = addrs.clone();
        loop {
            if self.node_pid == 0
                && let Ok(text) = fs::read_to_string(&pid_file)
                && let Ok(pid) = text.trim().parse()
            {
                self.node_pid = pid;
            }
            if let Some(status) = self.watchdog_exited() {
                self.shutdown();
                return Err(HarnessError::RouterExited {
                    status,
                    cbdir: self.cbdir.clone(),
                    log_tail: tail_lines(&self.log(), LOG_TAIL),
                });
            }
            if self.node_pid != 0 {
                pending.retain(|addr| TcpStream::connect_timeout(addr, POLL).is_err());
                if pending.is_empty() {
                    return Ok(());
                }
            }
            if Instant::now() >= deadline {
                let ports = pending.iter().map(SocketAddr::port).collect();
                self.shutdown();
                return Err(HarnessError::RouterTimeout {
                    ports,
                    timeout: START_TIMEOUT,
                    cbdir: self.cbdir.clone(),
                    log_tail: tail_lines(&self.log(), LOG_TAIL),
                });
            }
            sleep(POLL);
        }
    }

    /// `Some(description)` if the watchdog (and so the node) has exited.
    fn watchdog_exited(&mut self) -> Option<String> {
        let child = self.watchdog.as_mut()?;
        match child.try_wait() {
            Ok(Some(status)) => Some(format!("exit status {status}")),
            Ok(None) => None,
            Err(e) => Some(format!("cannot query the watchdog: {e}")),
        }
    }

    /// Stops node, workers and watchdog; idempotent.
    fn shutdown(&mut self) {
        let Some(mut watchdog) = self.watchdog.take() else {
            return;
        };
        let node = self.node_pid;
        let mut family = if node != 0 {
            procs::descendants(node)
        } else {
            Vec::new()
        };
        let watchdog_gone = |w: &mut Child| matches!(w.try_wait(), Ok(Some(_)) | Err(_));
        let wait_until = |w: &mut Child, limit: Duration| {
            let deadline = Instant::now() + limit;
            while !watchdog_gone(w) && Instant::now() < deadline {
                sleep(POLL);
            }
        };
        if node != 0 && procs::alive(node) {
            procs::signal("TERM", &[node]);
            // The watchdog exits as soon as it has reaped the node.
            wait_until(&mut watchdog, STOP_GRACE);
        }
        if node != 0 && procs::alive(node) {
            for pid in procs::descendants(node) {
                if !family.contains(&pid) {
                    family.push(pid);
                }
            }
            let mut all = family.clone();
            all.push(node);
            procs::signal("KILL", &all);
            wait_until(&mut watchdog, Duration::from_secs(2));
        }
        if !watchdog_gone(&mut watchdog) {
            let _ = watchdog.kill();
        }
        let _ = watchdog.wait();
        // Workers that outlived their node (orphans): kill by PID.
        let leftovers: Vec<u32> = family.into_iter().filter(|&p| procs::alive(p)).collect();
        if !leftovers.is_empty() {
            procs::signal("KILL", &leftovers);
            let deadline = Instant::now() + Duration::from_secs(2);
            while leftovers.iter().any(|&p| procs::alive(p)) && Instant::now() < deadline {
                sleep(POLL);
            }
        }
    }
}

impl Drop for Router {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The router shared by the tests: [`RouterConfig::default()`], started on
/// first use, and shared by every test process of the same target
/// directory that runs while it is up, so that a `cargo test` run starts
/// one Crossbar, not one per test binary (each start takes seconds).
///
/// The first process starts the node; the others find it through a
/// `state` file in the test kit's runs folder (one per build directory,
/// under a file lock) and join it, each leaving a holder file named by its
/// PID. The node's watchdog stops
/// it about 20 s after the last holder has exited. Tests on a shared
/// router must not depend on being alone on it (use URIs of their own).
/// Set `WAMP_TESTKIT_PRIVATE_ROUTER=1` for a router per process, as
/// before; without the `flock` command the router is private too.
///
/// It is never dropped.
///
/// # Panics
/// With the [`HarnessError`] message if the router cannot be installed or
/// started (every call panics the same way, no restart attempts).
pub fn shared_router() -> &'static Router {
    static SHARED: OnceLock<Result<Router, String>> = OnceLock::new();
    match SHARED.get_or_init(|| join_or_start_shared().map_err(|e| e.to_string())) {
        Ok(router) => router,
        Err(e) => panic!("wamp-testkit: cannot start the shared crossbar router: {e}"),
    }
}

/// Joins the shared node when one is up, else starts it.
fn join_or_start_shared() -> Result<Router, HarnessError> {
    let private = std::env::var_os("WAMP_TESTKIT_PRIVATE_ROUTER").is_some_and(|v| !v.is_empty() && v != "0");
    let has_flock = Command::new("flock")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if private || !has_flock {
        return Router::start(RouterConfig::default());
    }
    let dir = shared_dir();
    let holders = dir.join("holders");
    fs::create_dir_all(&holders).map_err(|e| HarnessError::io(format!("create {}", holders.display()), e))?;
    let lock_path = dir.join("lock");
    let lock = crate::lock_file(&lock_path)?;
    let router = match read_shared_state(&dir) {
        Some(router) => router,
        None => {
            let router = Router::start_in(RouterConfig::default(), Some(&dir))?;
            write_shared_state(&dir, &router)?;
            router
        }
    };
    let holder = holders.join(std::process::id().to_string());
    fs::write(&holder, b"").map_err(|e| HarnessError::io(format!("write {}", holder.display()), e))?;
    drop(lock);
    Ok(router)
}

/// Where the processes of one build share a node: a folder of the runs
/// keyed by the directory the test executable was built into (cargo's
/// `target/<profile>`), so that the test binaries of one `cargo test` run
/// share a router, and other checkouts and projects using the same cache do
/// not join it.
fn shared_dir() -> PathBuf {
    use std::hash::{Hash, Hasher};
    let exe = std::env::current_exe().unwrap_or_default();
    let build = match exe.parent() {
        Some(deps) if deps.ends_with("deps") => deps.parent().unwrap_or(deps).to_path_buf(),
        Some(dir) => dir.to_path_buf(),
        None => PathBuf::new(),
    };
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    build.hash(&mut hasher);
    runs_dir().join(format!("shared-{:016x}", hasher.finish()))
}

/// `state`: the node directory, the node's PID, then `transport=port` lines.
fn write_shared_state(dir: &Path, router: &Router) -> Result<(), HarnessError> {
    let mut text = format!("{}\n{}\n", router.cbdir.display(), router.node_pid);
    for (name, port) in &router.ports {
        text.push_str(&format!("{name}={port}\n"));
    }
    let tmp = dir.join("state.tmp");
    fs::write(&tmp, text).map_err(|e| HarnessError::io(format!("write {}", tmp.display()), e))?;
    fs::rename(&tmp, dir.join("state")).map_err(|e| HarnessError::io(format!("rename {}", tmp.display()), e))
}

/// The shared node described by `state`, if it still runs and answers on
/// every port; a handle that does not own it (dropping it stops nothing).
fn read_shared_state(dir: &Path) -> Option<Router> {
    let text = fs::read_to_string(dir.join("state")).ok()?;
    let mut lines = text.lines();
    let cbdir = PathBuf::from(lines.next()?);
    let node_pid: u32 = lines.next()?.parse().ok()?;
    let mut ports = BTreeMap::new();
    for line in lines {
        let (name, port) = line.split_once('=')?;
        ports.insert(name.to_owned(), port.parse().ok()?);
    }
    let answers =
        |port: &u16| TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], *port)), POLL * 10).is_ok();
    if !procs::alive(node_pid) || !ports.values().all(answers) {
        return None;
    }
    let config = RouterConfig::default();
    Some(Router {
        urls: config.urls(&ports),
        config,
        cbdir,
        ports,
        watchdog: None,
        node_pid,
        shared: Some(dir.to_path_buf()),
    })
}

fn is_port_conflict(log: &str) -> bool {
    log.contains("Address already in use") || log.contains("CannotListenError")
}

fn runs_dir() -> PathBuf {
    cache_dir().join("runs")
}

/// A new, empty node directory.
fn new_cbdir() -> Result<PathBuf, HarnessError> {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let name = format!(
        "{millis}-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    );
    let dir = runs_dir().join(name);
    fs::create_dir_all(&dir).map_err(|e| HarnessError::io(format!("create {}", dir.display()), e))?;
    Ok(dir)
}

/// Removes node directories older than a day (best effort).
fn prune_old_runs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let Ok(entries) = fs::read_dir(runs_dir()) else {
            return;
        };
        let day = Duration::from_secs(24 * 3600);
        for entry in entries.flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > day);
            if old {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    });
}
