//! The examples run as a user runs them (configured by the environment,
//! stopped by SIGTERM) against a real Crossbar, with autobahn-python on the
//! other side.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::common;

use std::time::Duration;

use common::example::Example;
use common::router;
use wamp_testkit::{AutobahnSession, PythonPeer};

const TIMEOUT: Duration = Duration::from_secs(30);

fn router_env() -> Vec<(&'static str, String)> {
    vec![("WAMP_URL", router().url()), ("WAMP_REALM", "realm1".into())]
}

fn start(name: &str) -> Example {
    let env = router_env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Example::start(name, &env)
}

/// An autobahn-python client; `body` runs inside `onJoin` with `self` the session.
fn autobahn(body: &str) -> PythonPeer {
    AutobahnSession::new(&router().url(), "realm1").spawn(body).unwrap()
}

#[test]
fn the_register_example_serves_autobahn_and_stops_cleanly_on_sigterm() {
    let mut service = start("register");
    service.wait_for("registered", TIMEOUT);

    let mut peer = autobahn(
        r#"total = await self.call("com.example.add", 2, 3)
print("sum", total, flush=True)
steps = []
done = await self.call("com.example.long_operation", options=CallOptions(on_progress=lambda s: steps.append(s)))
print("progress", len(steps), steps[0], "|", steps[-1], flush=True)
print("done", done, flush=True)"#,
    );
    assert_eq!(peer.wait_for_line("sum", TIMEOUT).unwrap(), "sum 5.0");
    assert_eq!(
        peer.wait_for_line("progress", TIMEOUT).unwrap(),
        "progress 10 10% complete | 100% complete"
    );
    assert_eq!(peer.wait_for_line("done", TIMEOUT).unwrap(), "done Done");

    let status = service.terminate(TIMEOUT);
    assert!(status.success(), "{status}");
}

#[test]
fn the_subscribe_example_prints_what_autobahn_publishes() {
    let mut listener = start("subscribe");
    listener.wait_for("subscribed", TIMEOUT);
    let mut peer = autobahn(
        r#"await self.publish("com.example.topic", "hello", "world", another="argument", options=PublishOptions(acknowledge=True))
print("published", flush=True)"#,
    );
    peer.wait_for_line("published", TIMEOUT).unwrap();
    // The publish example's test publishes to the same topic on the same
    // router, maybe at the same time, with the same arguments and a count
    // `n` in the keywords: its events pass by.
    let line = listener.wait_for(r#"args=["hello", "world"] kwargs={"another": "argument"}"#, TIMEOUT);
    assert!(
        line.ends_with(r#"on com.example.topic: args=["hello", "world"] kwargs={"another": "argument"}"#),
        "{line}"
    );
    assert!(listener.terminate(TIMEOUT).success());
}

#[test]
fn examples_read_their_router_from_a_wamp_config_file() {
    let dir = std::env::temp_dir().join(format!("wamp-rs-example-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("router.toml");
    std::fs::write(&file, format!("url = \"{}\"\nrealm = \"realm1\"\n", router().url())).unwrap();

    let mut publisher = Example::start("publish", &[("WAMP_CONFIG", file.to_str().unwrap())]);
    publisher.wait_for("published message 3", TIMEOUT);
    assert!(publisher.wait(TIMEOUT).success());

    // A bad file is an error that names the problem, and the example exits non-zero.
    std::fs::write(&file, "url = \"http://nope\"\n").unwrap();
    let mut broken = Example::start("publish", &[("WAMP_CONFIG", file.to_str().unwrap())]);
    assert!(!broken.wait(TIMEOUT).success());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_state_example_counts_with_a_counter_built_in_main() {
    let mut service = start("state");
    service.wait_for("counter service ready", TIMEOUT);
    let mut peer = autobahn(
        r#"first = await self.call("com.example.counter.increment", 5)
second = await self.call("com.example.counter.increment", by=-2)
total = await self.call("com.example.counter.get")
print("totals", first, second, total, flush=True)"#,
    );
    assert_eq!(peer.wait_for_line("totals", TIMEOUT).unwrap(), "totals 5 3 3");
    service.wait_for("increment by -2: total 3", TIMEOUT);
    assert!(service.terminate(TIMEOUT).success());
}

/// What `main` prints when it returns an error: the readable message with
/// its causes, never the `Debug` structure of the error.
#[test]
fn an_example_that_fails_prints_a_readable_error() {
    let dir = std::env::temp_dir().join(format!("wamp-rs-example-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |name: &str, file: &std::path::Path| {
        let output = std::process::Command::new(common::example::example_binary(name))
            .env("WAMP_CONFIG", file)
            .env_remove("WAMP_URL")
            .env_remove("WAMP_REALM")
            .env("RUST_LOG", "off")
            .output()
            .unwrap();
        assert!(!output.status.success());
        String::from_utf8(output.stderr).unwrap()
    };

    let typo = dir.join("typo.yaml");
    std::fs::write(&typo, "url: ws://127.0.0.1:8080/ws\nrelm: realm1\n").unwrap();
    let stderr = run("state", &typo);
    assert!(
        stderr.starts_with(&format!("Error: {}: line 2", typo.display())),
        "{stderr}"
    );
    assert!(stderr.contains("relm"), "{stderr}");
    assert!(!stderr.contains("Parse {"), "{stderr}");

    let dead = dir.join("dead.yaml");
    let port = wamp_testkit::free_port();
    std::fs::write(
        &dead,
        format!("url: ws://127.0.0.1:{port}/ws\nreconnect:\n  max_attempts: 0\n"),
    )
    .unwrap();
    // With retries, each failed attempt is a warning naming the URL, the
    // error and the next delay.
    let retried = dir.join("retried.yaml");
    std::fs::write(
        &retried,
        format!("url: ws://127.0.0.1:{port}/ws\nreconnect:\n  max_attempts: 2\n  initial_delay: 0.05\n"),
    )
    .unwrap();
    let output = std::process::Command::new(common::example::example_binary("state"))
        .env("WAMP_CONFIG", &retried)
        .env_remove("WAMP_URL")
        .env_remove("WAMP_REALM")
        .env("RUST_LOG", "warn")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("cannot connect; retrying"))
        .collect();
    assert_eq!(warnings.len(), 2, "{stderr}");
    for warning in warnings {
        assert!(warning.contains("WARN"), "{warning}");
        assert!(warning.contains(&format!("ws://127.0.0.1:{port}/ws")), "{warning}");
        assert!(warning.contains("next_delay"), "{warning}");
    }

    for example in ["state", "register"] {
        let stderr = run(example, &dead);
        assert!(
            stderr.starts_with(&format!("Error: cannot connect to ws://127.0.0.1:{port}/ws: ")),
            "{example}: {stderr}"
        );
        assert!(!stderr.contains("Connect {"), "{example}: {stderr}");
    }
}

/// `typed_client` knows the `registry` service only through its contract:
/// every answer comes back typed, the division by zero as the enum variant,
/// and its source names no URI.
#[test]
fn the_typed_client_calls_the_registry_example_through_its_contract() {
    let source = include_str!("../../examples/typed_client.rs");
    for uri in ["\"foo.", "\"accounting."] {
        assert!(!source.contains(uri), "typed_client writes a URI: {uri}");
    }

    let mut service = start("registry");
    service.wait_for("ready", TIMEOUT);
    let mut client = start("typed_client");
    for line in [
        "foo.multiply(6, 7) = 42",
        "foo.divide(7, 2) = 3.5",
        "foo.divide(1, 0) failed with MathError::DivisionByZero",
        "accounting.vat(100) = 24, at 10 % = 10",
        "accounting.invoice_total = 8.5",
    ] {
        assert_eq!(client.wait_for(line, TIMEOUT), line);
    }
    let published = client.wait_for("published to", TIMEOUT);
    assert!(
        published.starts_with("published to foo.message_received (publication "),
        "{published}"
    );
    assert!(client.wait(TIMEOUT).success());

    // The service's handlers ran: the calls and the event reached them.
    service.wait_for("foo.multiply(6, 7) = 42 (served by process", TIMEOUT);
    service.wait_for("new message: hello from typed_client", TIMEOUT);
    assert!(service.terminate(TIMEOUT).success());
}
