//! End-to-end tests of the harness against a real Crossbar router, with
//! autobahn-python peers.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use wamp_testkit::{PythonPeer, Router, RouterConfig, free_port, shared_router};

const PEER_TIMEOUT: Duration = Duration::from_secs(30);

/// Common autobahn-python scaffolding: `main(session)` runs after the join,
/// then the session leaves and the process exits. Exceptions are printed.
const PRELUDE: &str = r#"
import asyncio, sys
from autobahn.asyncio.wamp import ApplicationSession, ApplicationRunner
from autobahn.wamp.exception import ApplicationError
from autobahn.wamp.types import PublishOptions

class Peer(ApplicationSession):
    async def onJoin(self, details):
        print("joined", details.session, flush=True)
        try:
            keep = await main(self)
        except Exception as e:
            print("exception", repr(e), flush=True)
            keep = False
        if not keep:
            self.leave()

    def onLeave(self, details):
        self.disconnect()

    def onDisconnect(self):
        asyncio.get_event_loop().stop()

def run():
    ApplicationRunner(sys.argv[1], "realm1").run(Peer)
"#;

/// Registers `com.example.add2`, then stays.
const CALLEE: &str = r#"
async def main(session):
    await session.register(lambda a, b: a + b, "com.example.add2")
    print("registered", flush=True)
    return True

run()
"#;

/// Registers `public.echo`, then stays.
const ECHO_CALLEE: &str = r#"
async def main(session):
    await session.register(lambda *args: list(args), "public.echo")
    print("registered", flush=True)
    return True

run()
"#;

const CALLER: &str = r#"
async def main(session):
    result = await session.call("com.example.add2", 2, 3)
    print("result", result, flush=True)

run()
"#;

const RESTRICTED: &str = r#"
async def main(session):
    try:
        await session.publish("public.x", 1, options=PublishOptions(acknowledge=True))
        print("publish ok", flush=True)
    except ApplicationError as e:
        print("publish error", e.error, flush=True)
    try:
        await session.register(lambda: 1, "public.mine")
        print("register ok", flush=True)
    except ApplicationError as e:
        print("register error", e.error, flush=True)
    result = await session.call("public.echo", "hi")
    print("call ok", result, flush=True)

run()
"#;

fn peer(body: &str, url: &str) -> PythonPeer {
    PythonPeer::spawn(&format!("{PRELUDE}\n{body}"), &[url]).unwrap()
}

fn accepts(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(1)).is_ok()
}

fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

fn wait_gone(pids: &[u32], timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if pids.iter().all(|&p| gone(p)) {
            return true;
        }
        sleep(Duration::from_millis(100));
    }
    false
}

#[test]
fn shared_router_transports_accept() {
    let router = shared_router();
    assert!(router.is_running());
    assert!(accepts(router.port("default")));
    assert!(accepts(router.port("restricted")));
    assert_eq!(router.url(), format!("ws://127.0.0.1:{}/ws", router.port("default")));
    assert!(Path::new(&router.cbdir().join("config.json")).exists());
    assert!(!router.worker_pids().is_empty(), "{}", router.log());
}

#[test]
fn python_peers_call_each_other() {
    let router = shared_router();
    let mut callee = peer(CALLEE, &router.url());
    callee.wait_for_line("registered", PEER_TIMEOUT).unwrap();
    let mut caller = peer(CALLER, &router.url());
    let line = caller.wait_for_line("result", PEER_TIMEOUT).unwrap();
    assert_eq!(line, "result 5", "{}", caller.output());
}

#[test]
fn restricted_role_may_call_but_not_publish() {
    let router = shared_router();
    // The callee joins on the default transport (role anonymous may register).
    let mut callee = peer(ECHO_CALLEE, &router.url());
    callee.wait_for_line("registered", PEER_TIMEOUT).unwrap();
    let mut restricted = peer(RESTRICTED, &router.transport_url("restricted"));
    let line = restricted.wait_for_line("publish", PEER_TIMEOUT).unwrap();
    assert_eq!(line, "publish error wamp.error.not_authorized");
    let line = restricted.wait_for_line("register", PEER_TIMEOUT).unwrap();
    assert_eq!(line, "register error wamp.error.not_authorized");
    let line = restricted.wait_for_line("call", PEER_TIMEOUT).unwrap();
    assert_eq!(line, "call ok ['hi']");
}

#[test]
fn router_crash_restart_and_clean_stop() {
    let mut router = Router::start(RouterConfig::default()).unwrap();
    let ports: Vec<u16> = router.ports().values().copied().collect();
    let node = router.pid();
    assert!(!gone(node));
    let workers = router.worker_pids();
    assert!(!workers.is_empty(), "no workers: {}", router.log());

    // Crash the router worker: its listeners go away.
    router.kill_router_worker().unwrap();
    assert!(wait_gone(&workers, Duration::from_secs(5)));
    let deadline = Instant::now() + Duration::from_secs(10);
    while ports.iter().any(|&p| accepts(p)) && Instant::now() < deadline {
        sleep(Duration::from_millis(100));
    }
    assert!(!ports.iter().any(|&p| accepts(p)), "ports still open");

    // Restart with the same cbdir and ports.
    let cbdir = router.cbdir().to_path_buf();
    router.restart().unwrap();
    assert_eq!(router.cbdir(), cbdir);
    assert_ne!(router.pid(), node);
    assert!(gone(node), "old node {node} still alive");
    assert!(ports.iter().all(|&p| accepts(p)));
    let mut caller = peer(
        "async def main(session):\n    print('ok', flush=True)\n\nrun()\n",
        &router.url(),
    );
    caller.wait_for_line("ok", PEER_TIMEOUT).unwrap();

    // Dropping stops node and workers.
    let mut pids = router.worker_pids();
    pids.push(router.pid());
    drop(router);
    assert!(
        wait_gone(&pids, Duration::from_secs(1)),
        "processes left behind: {pids:?}"
    );
}

/// The watchdog stops the node when the process that started it is killed.
#[test]
fn watchdog_stops_node_when_owner_is_killed() {
    let port = free_port();
    let mut owner = Command::new(env!("CARGO_BIN_EXE_crossbar"))
        .args(["start", "--port", &port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(owner.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    // "crossbar router running (node pid N)"
    let node: u32 = first
        .trim()
        .trim_end_matches(')')
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("unexpected first line {first:?}"));
    assert!(accepts(port));
    let workers: Vec<u32> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .filter(|pid: &u32| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| s.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse::<u32>().ok())
                == Some(node)
        })
        .collect();
    assert!(!workers.is_empty());

    owner.kill().unwrap();
    owner.wait().unwrap();
    let mut all = workers.clone();
    all.push(node);
    assert!(
        wait_gone(&all, Duration::from_secs(15)),
        "node {node} / workers {workers:?} survived their owner"
    );
}
