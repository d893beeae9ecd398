//! The seed's scenarios, as examples run the way a user runs them
//! (configured by the environment, stopped by SIGTERM) against a real
//! Crossbar, checked by autobahn-python clients from outside.
//!
//! Each example's URIs are fixed, so no two tests here start the same
//! example on the same router: `registry`, `errors` and `progress` use the
//! shared router (distinct URIs), `two_clients` and `dynamic_auth` get
//! routers of their own (they need other realms and transports).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::common;

use std::time::Duration;

use common::example::Example;
use common::router;
use serde_json::{Value, json};
use wamp_testkit::{AutobahnSession, PORT_PLACEHOLDER, PythonPeer, Router, RouterConfig, permission};

const TIMEOUT: Duration = Duration::from_secs(30);

/// Starts example `name` against `url`, realm `realm1`.
fn start(name: &str, url: &str) -> Example {
    Example::start(name, &[("WAMP_URL", url), ("WAMP_REALM", "realm1")])
}

/// An autobahn-python client that prints `joined AUTHROLE [AUTHID]` once
/// joined and `left REASON MESSAGE` at the end (also when the router refuses
/// the join); see [`AutobahnSession`] for the rest of the script.
struct Peer(AutobahnSession);

impl Peer {
    fn anonymous(url: &str, realm: &str) -> Self {
        Peer(AutobahnSession::new(url, realm).report_session())
    }

    fn ticket(url: &str, authid: &str, ticket: &str) -> Self {
        Peer(
            AutobahnSession::new(url, "realm1")
                .ticket(authid, ticket)
                .report_session(),
        )
    }

    /// Starts the client with `body` inside `onJoin` (`self` is the session).
    fn spawn(self, body: &str) -> PythonPeer {
        self.0.spawn(body).unwrap()
    }

    /// Runs `body` (see [`spawn`](Self::spawn)) to the end and returns the
    /// lines it printed.
    fn run(self, body: &str) -> Vec<String> {
        let output = self.spawn(body).wait(TIMEOUT).unwrap();
        assert!(output.status.success(), "the peer failed:\n{}", output.output);
        output.stdout.lines().map(str::to_owned).collect()
    }
}

/// Asserts that `lines` are exactly `expected`, showing both otherwise.
fn assert_lines(lines: &[String], expected: &[&str]) {
    assert_eq!(lines, expected, "\ngot:\n{}", lines.join("\n"));
}

#[test]
fn registry_serves_the_seed_modules_and_two_processes_share_the_roundrobin_calls() {
    let url = router().url();
    let mut first = start("registry", &url);
    first.wait_for("ready", TIMEOUT);
    // A second process of the same service: its registrations join the first's.
    let mut second = start("registry", &url);
    second.wait_for("ready", TIMEOUT);

    let lines = Peer::anonymous(&url, "realm1").run(
        r#"products = [await self.call("foo.multiply", i, 2) for i in range(1, 11)]
print("products", products, flush=True)
print("quotient", await self.call("foo.divide", 7, 2), flush=True)
try:
    await self.call("foo.divide", 1, 0)
except ApplicationError as e:
    print("divide by zero:", error(e), flush=True)
print("vat", await self.call("accounting.vat", 100), await self.call("accounting.vat", 100, rate=10), flush=True)
print("total", await self.call("accounting.invoice_total", [{"quantity": 3, "unit_price": 2.5}, {"quantity": 1, "unit_price": 1}]), flush=True)
print("estimate", await self.call("deliveries.estimate", 1200), flush=True)
print("batch", await self.call("production.schedule", "widget", 10), flush=True)
await self.publish("foo.message_received", "hello", options=PublishOptions(acknowledge=True))
print("published", flush=True)"#,
    );
    assert_lines(
        &lines,
        &[
            "joined anonymous",
            "products [2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 18.0, 20.0]",
            "quotient 3.5",
            "divide by zero: foo.error.division_by_zero [] {}",
            "vat 24.0 10.0",
            "total 8.5",
            "estimate {'cost': 120.0, 'days': 3}",
            "batch widget-1",
            "published",
            "left wamp.close.normal None",
        ],
    );

    // Round-robin: each process served every other call of foo.multiply,
    // five each, and says so with its own process id.
    for service in [&mut first, &mut second] {
        let pid = service.pid();
        for _ in 0..5 {
            let line = service.wait_for("foo.multiply(", TIMEOUT);
            assert!(line.ends_with(&format!("(served by process {pid})")), "{line}");
        }
        // Both processes are subscribed to foo.message_received.
        service.wait_for("new message: hello", TIMEOUT);
    }
    assert!(first.terminate(TIMEOUT).success());
    assert!(second.terminate(TIMEOUT).success());
}

#[test]
fn errors_travel_as_mapped_uris_and_decode_back_into_the_enum() {
    let url = router().url();
    let mut service = start("errors", &url);
    service.wait_for("ready", TIMEOUT);

    let lines = Peer::anonymous(&url, "realm1").run(
        r#"print("alice", await self.call("com.example.accounts.withdraw", "alice", 30), flush=True)
for account, amount in [("bob", 50), ("carol", 1), ("dave", 1)]:
    try:
        await self.call("com.example.accounts.withdraw", account, amount)
    except ApplicationError as e:
        print(account, error(e), flush=True)
try:
    await self.call("com.example.accounts.export", "alice")
except ApplicationError as e:
    print("export", error(e), flush=True)"#,
    );
    assert_lines(
        &lines,
        &[
            "joined anonymous",
            "alice 70",
            "bob com.example.accounts.error.insufficient_funds [] {'balance': 5, 'requested': 50}",
            "carol com.example.accounts.error.frozen [] {}",
            "dave com.example.accounts.error.no_such_account ['dave'] {}",
            "export wamp.error.runtime_error ['the procedure failed with an internal error'] {}",
            "left wamp.close.normal None",
        ],
    );

    // The Rust caller (`errors --call`) decodes the same errors back into AccountError.
    let lines = run_to_end("errors", &["--call"], &[("WAMP_URL", &url), ("WAMP_REALM", "realm1")]);
    assert_lines(
        &lines,
        &[
            "withdraw 30 from alice: ok, balance 40",
            "withdraw 50 from bob: refused, only 5 of 50 available",
            "withdraw 1 from carol: refused, the account is frozen",
            "withdraw 1 from dave: refused, there is no account \"dave\"",
            "export: unmapped error wamp.error.runtime_error (the procedure failed with an internal error)",
        ],
    );
    assert!(service.terminate(TIMEOUT).success());
}

/// Runs example `name` with `args` until it exits; asserts it succeeded and
/// returns its stdout lines.
fn run_to_end(name: &str, args: &[&str], env: &[(&str, &str)]) -> Vec<String> {
    let mut command = std::process::Command::new(common::example::example_binary(name));
    command
        .args(args)
        .envs(env.iter().copied())
        .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit());
    let child = command.spawn().unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let Ok(output) = rx.recv_timeout(TIMEOUT) else {
        let _ = std::process::Command::new("kill").arg(pid.to_string()).status();
        panic!("example {name} {args:?} did not exit within {TIMEOUT:?}");
    };
    let output = output.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "example {name} {args:?} failed ({}); it printed:\n{stdout}",
        output.status
    );
    stdout.lines().map(str::to_owned).collect()
}

#[test]
fn progress_reports_ten_steps_to_callers_that_ask_then_done() {
    let url = router().url();
    let mut service = start("progress", &url);
    service.wait_for("ready", TIMEOUT);

    // Two calls at once: one asks for progress, one does not.
    let lines = Peer::anonymous(&url, "realm1").run(
        r#"steps = []
with_progress, without = await asyncio.gather(
    self.call("com.example.my_remote_procedure", options=CallOptions(on_progress=steps.append)),
    self.call("com.example.my_remote_procedure"),
)
print("progress", len(steps), steps[0], "|", steps[-1], flush=True)
print("results", with_progress, without, flush=True)"#,
    );
    assert_lines(
        &lines,
        &[
            "joined anonymous",
            "progress 10 10% complete | 100% complete",
            "results Done Done",
            "left wamp.close.normal None",
        ],
    );
    let first = service.wait_for("done", TIMEOUT);
    let second = service.wait_for("done", TIMEOUT);
    let mut reported = [first, second].map(|l| l.ends_with("(progress reported: yes)"));
    reported.sort();
    assert_eq!(reported, [false, true]);
    assert!(service.terminate(TIMEOUT).success());
}

#[test]
fn two_clients_relay_a_call_in_realm1_to_an_event_in_realm2() {
    let everything = || json!([permission("", "prefix", &["call", "register", "publish", "subscribe"])]);
    let router = Router::start(
        RouterConfig::new()
            .role("realm1", "anonymous", everything())
            .role("realm2", "anonymous", everything())
            .websocket_transport("default", json!({"anonymous": {"type": "static", "role": "anonymous"}})),
    )
    .unwrap();
    let url = router.url();
    // WAMP_URL moves both clients; each keeps its realm from two_clients.yaml.
    let mut service = Example::start("two_clients", &[("WAMP_URL", &url)]);
    service.wait_for("client wamp1 joined realm realm1", TIMEOUT);
    service.wait_for("client wamp2 joined realm realm2", TIMEOUT);
    service.wait_for("ready", TIMEOUT);

    let mut listener = Peer::anonymous(&url, "realm2").spawn(
        r#"got = asyncio.get_event_loop().create_future()
await self.subscribe(lambda message: got.done() or got.set_result(message), "com.example.announcements")
print("subscribed", flush=True)
print("event", await asyncio.wait_for(got, 20), flush=True)"#,
    );
    listener.wait_for_line("subscribed", TIMEOUT).unwrap();

    let lines = Peer::anonymous(&url, "realm1").run(
        r#"publication = await self.call("com.example.announce", "hello realm2")
print("announced", type(publication).__name__, flush=True)"#,
    );
    assert_lines(
        &lines,
        &["joined anonymous", "announced int", "left wamp.close.normal None"],
    );
    assert_eq!(listener.wait_for_line("event", TIMEOUT).unwrap(), "event hello realm2");
    // The procedure says what it did, and the service's own subscriber (on
    // wamp2) saw the event too, in either order.
    let mut seen = [0; 2].map(|_| service.wait_for("hello realm2", TIMEOUT));
    seen.sort();
    assert!(
        seen[0].starts_with("announced in realm2: hello realm2 (publication "),
        "{seen:?}"
    );
    assert!(seen[1].starts_with("realm2 announcement "), "{seen:?}");
    assert!(service.terminate(TIMEOUT).success());
}

/// The router of `examples/dynamic_auth/crossbar.json`, on free ports: the
/// ticket transport is named `ticket`, the trusted one `trusted`.
fn dynamic_auth_router() -> Router {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/dynamic_auth/crossbar.json");
    let node: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let worker = &node["workers"][0];
    let mut config = RouterConfig::new();
    for realm in worker["realms"].as_array().unwrap() {
        let realm_name = realm["name"].as_str().unwrap();
        for role in realm["roles"].as_array().unwrap() {
            config = config.role(realm_name, role["name"].as_str().unwrap(), role.clone());
        }
    }
    for transport in worker["transports"].as_array().unwrap() {
        let name = if transport["auth"].get("ticket").is_some() {
            "ticket"
        } else {
            "trusted"
        };
        let mut transport = transport.clone();
        transport["endpoint"]["port"] = json!(PORT_PLACEHOLDER);
        config = config.raw_transport(name, transport);
    }
    Router::start(config).unwrap()
}

#[test]
fn dynamic_auth_authenticates_the_seed_users_and_authorizes_by_role() {
    let router = dynamic_auth_router();
    let mut service = start("dynamic_auth", &router.transport_url("trusted"));
    service.wait_for("ready", TIMEOUT);
    let url = router.transport_url("ticket");

    // joe_average is a regular user: call and subscribe under public. only.
    let regular = Peer::ticket(&url, "joe_average", "1234").run(
        r#"echoed = await self.call("public.echo", 1, "a")
print("public.echo", list(echoed.results), flush=True)
await self.subscribe(lambda *args: None, "public.news")
print("subscribed public.news", flush=True)
try:
    await self.call("private.echo", 1)
except ApplicationError as e:
    print("private.echo", e.error, flush=True)
try:
    await self.publish("public.news", "hi", options=PublishOptions(acknowledge=True))
except ApplicationError as e:
    print("publish", e.error, flush=True)
try:
    await self.register(lambda: None, "public.mine")
except ApplicationError as e:
    print("register", e.error, flush=True)"#,
    );
    assert_lines(
        &regular,
        &[
            "joined regular joe_average",
            "public.echo [1, 'a']",
            "subscribed public.news",
            "private.echo wamp.error.not_authorized",
            "publish wamp.error.not_authorized",
            "register wamp.error.not_authorized",
            "left wamp.close.normal None",
        ],
    );
    service.wait_for("authenticated joe_average as regular in realm1", TIMEOUT);

    // bofh is an admin: call, subscribe and publish anything, register nothing.
    let admin = Peer::ticket(&url, "bofh", "B3yt&4_+").run(
        r#"print("private.echo", await self.call("private.echo", 2), flush=True)
publication = await self.publish("private.news", "hi", options=PublishOptions(acknowledge=True))
print("published", type(publication.id).__name__, flush=True)
try:
    await self.register(lambda: None, "private.mine")
except ApplicationError as e:
    print("register", e.error, flush=True)"#,
    );
    assert_lines(
        &admin,
        &[
            "joined admin bofh",
            "private.echo 2",
            "published int",
            "register wamp.error.not_authorized",
            "left wamp.close.normal None",
        ],
    );

    // A wrong ticket and an unknown user get the authenticator's error.
    for (authid, ticket) in [("joe_average", "4321"), ("mallory", "1234")] {
        let refused = Peer::ticket(&url, authid, ticket).run("pass");
        assert_lines(
            &refused,
            &["left wamp.error.authentication_failed unknown authid or wrong ticket"],
        );
    }
    service.wait_for("refused authid Some(\"mallory\") in realm1", TIMEOUT);
    assert!(service.terminate(TIMEOUT).success());
}
