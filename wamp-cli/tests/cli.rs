//! The `wamp` binary against a real Crossbar router, with autobahn-python
//! (from the Crossbar virtualenv) on the other side.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::borrow::BorrowMut;
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStderr, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value as Json, json};
use wamp_testkit::{AutobahnSession, PythonPeer, shared_router};

// The root tests' way of running cargo (not published: tests are not part
// of the package's build).
#[allow(unreachable_pub)] // pub for the root tests, which share the file
#[path = "../../tests/common/cargo.rs"]
mod cargo;

const PEER_TIMEOUT: Duration = Duration::from_secs(30);
const RUN_TIMEOUT: Duration = Duration::from_secs(30);

/// A URI no other test uses.
fn unique(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!(
        "cli.{prefix}.t{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The `wamp` binary, connected to the shared router, with no
/// configuration from the environment of the test run.
fn wamp(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wamp"));
    command.arg("--url").arg(shared_router().url()).args(args);
    for var in [
        "WAMP_CONFIG",
        "WAMP_URL",
        "WAMP_REALM",
        "WAMP_AUTHID",
        "WAMP_AUTHROLE",
        "WAMP_SECRET",
        "RUST_LOG",
    ] {
        command.env_remove(var);
    }
    command
}

/// Runs `wamp` to completion (killed after [`RUN_TIMEOUT`]).
fn run(mut command: impl BorrowMut<Command>) -> Output {
    let child = command
        .borrow_mut()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_output(child)
}

fn wait_output(child: Child) -> Output {
    let pid = child.id();
    let (done, finished) = channel();
    let waiter = thread::spawn(move || {
        let output = child.wait_with_output();
        let _ = done.send(());
        output
    });
    let timed_out = finished.recv_timeout(RUN_TIMEOUT).is_err();
    if timed_out {
        let _ = Command::new("kill").arg("-KILL").arg(pid.to_string()).status();
    }
    let output = waiter.join().unwrap().unwrap();
    assert!(
        !timed_out,
        "wamp (pid {pid}) did not exit within {RUN_TIMEOUT:?}; {}",
        describe(&output)
    );
    output
}

fn stdout_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn json_line(line: &str) -> Json {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"))
}

/// A long-running `wamp` (subscribe, register) whose stderr is watched for
/// its `info` log lines, so a test knows when it is subscribed/registered.
struct Running {
    child: Option<Child>,
    stderr: Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn spawn(command: &mut Command) -> Running {
        let mut child = command
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr: ChildStderr = child.stderr.take().unwrap();
        let (lines, receiver) = channel();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let _ = lines.send(line);
            }
        });
        Running {
            child: Some(child),
            stderr: receiver,
            seen: Vec::new(),
        }
    }

    /// Waits for a stderr line containing `text`.
    fn wait_for_log(&mut self, text: &str) {
        let deadline = Instant::now() + PEER_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(text);
                    self.seen.push(line);
                    if found {
                        return;
                    }
                }
                Err(_) => panic!("wamp never logged {text:?}; its stderr:\n{}", self.seen.join("\n")),
            }
        }
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().unwrap().id();
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(pid.to_string())
            .status();
        assert!(status.unwrap().success(), "kill -{signal} {pid}");
    }

    /// Waits for the exit; stderr in the output is what was logged so far.
    fn wait(mut self) -> Output {
        let child = self.child.take().unwrap();
        let seen = self.seen.join("\n");
        let mut output = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| wait_output(child)))
            .unwrap_or_else(|panic| panic!("{}\nstderr logged before:\n{seen}", panic_text(&panic)));
        while let Ok(line) = self.stderr.recv_timeout(Duration::from_millis(200)) {
            self.seen.push(line);
        }
        output.stderr = self.seen.join("\n").into_bytes();
        output
    }
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// An autobahn-python session; `on_join` is the body of `onJoin`, with the
/// global `URI`.
fn autobahn(on_join: &str, uri: &str) -> PythonPeer {
    AutobahnSession::new(&shared_router().url(), "realm1")
        .arg("URI", uri)
        .report_application_errors()
        .spawn(on_join)
        .unwrap()
}

/// An autobahn session that registers procedures under `prefix` and stays
/// up until killed.
fn autobahn_callee(prefix: &str) -> PythonPeer {
    let mut peer = autobahn(
        r#"def echo(*args, **kwargs):
    return CallResult(*args, **kwargs)
def add(a, b):
    return a + b
def blob():
    return b"\x01\x02\x03"
async def countdown(n, details=None):
    for i in range(n, 0, -1):
        if details and details.progress:
            details.progress(i)
        await asyncio.sleep(0.05)
    return "liftoff"
def fail():
    raise ApplicationError("com.example.error.oops", "it broke", code=7)
async def slow():
    await asyncio.sleep(30)
await self.register(echo, URI + ".echo")
await self.register(add, URI + ".add")
await self.register(blob, URI + ".blob")
await self.register(countdown, URI + ".countdown", options=RegisterOptions(details_arg="details"))
await self.register(fail, URI + ".fail")
await self.register(slow, URI + ".slow")
print("ready", flush=True)
await asyncio.sleep(600)"#,
        prefix,
    );
    peer.wait_for_line("ready", PEER_TIMEOUT).unwrap();
    peer
}

#[test]
fn call_prints_the_result_of_an_autobahn_procedure() {
    let prefix = unique("call");
    let _callee = autobahn_callee(&prefix);

    // A single positional result prints as that value.
    let output = run(wamp(&["call", &format!("{prefix}.add"), "2", "40"]));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert_eq!(stdout_lines(&output), ["42"]);

    // Arguments are JSON when they parse, strings otherwise; several
    // results or keyword results print as {"args", "kwargs"}.
    let output = run(wamp(&[
        "call",
        &format!("{prefix}.echo"),
        "1",
        "true",
        r#""1""#,
        "hello",
        r#"{"a":1}"#,
        "-k",
        "color=red",
        "-k",
        "n=-2.5",
    ]));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert_eq!(
        json_line(&stdout_lines(&output)[0]),
        json!({"args": [1, true, "1", "hello", {"a": 1}], "kwargs": {"color": "red", "n": -2.5}})
    );

    // --full always prints the envelope; no result prints null.
    let output = run(wamp(&["call", &format!("{prefix}.add"), "1", "1", "--full"]));
    assert_eq!(
        stdout_lines(&output),
        [r#"{"args":[2],"kwargs":{}}"#],
        "{}",
        describe(&output)
    );
    let output = run(wamp(&["call", &format!("{prefix}.echo")]));
    assert_eq!(stdout_lines(&output), ["null"], "{}", describe(&output));

    // Binary results print in WAMP's JSON convention, and such an argument is sent as bytes.
    let output = run(wamp(&["call", &format!("{prefix}.blob")]));
    assert_eq!(stdout_lines(&output), [r#""\u0000AQID""#], "{}", describe(&output));
    let output = run(wamp(&["call", &format!("{prefix}.echo"), r#""\u0000AQID""#, "--full"]));
    assert_eq!(
        stdout_lines(&output),
        [r#"{"args":["\u0000AQID"],"kwargs":{}}"#],
        "{}",
        describe(&output)
    );
}

#[test]
fn call_over_msgpack_and_cbor_prints_the_same_json() {
    let prefix = unique("serializers");
    let _callee = autobahn_callee(&prefix);
    for serializer in ["msgpack", "cbor"] {
        let output = run(wamp(&[
            "--serializer",
            serializer,
            "call",
            &format!("{prefix}.echo"),
            r#"{"big": 18446744073709551615, "s": "ü"}"#,
            r#""\u0000AQID""#,
        ]));
        assert_eq!(output.status.code(), Some(0), "{serializer}: {}", describe(&output));
        assert_eq!(
            stdout_lines(&output),
            [r#"{"args":[{"big":18446744073709551615,"s":"ü"},"\u0000AQID"],"kwargs":{}}"#],
            "{serializer}"
        );
    }
}

#[test]
fn call_progress_prints_each_progressive_result_before_the_final_one() {
    let prefix = unique("progress");
    let _callee = autobahn_callee(&prefix);
    let output = run(wamp(&["call", &format!("{prefix}.countdown"), "3", "--progress"]));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert_eq!(stdout_lines(&output), ["3", "2", "1", r#""liftoff""#]);

    // Without --progress, only the final result.
    let output = run(wamp(&["call", &format!("{prefix}.countdown"), "2"]));
    assert_eq!(stdout_lines(&output), [r#""liftoff""#], "{}", describe(&output));
}

#[test]
fn a_wamp_error_exits_4_with_the_uri_on_stderr() {
    let prefix = unique("errors");
    let _callee = autobahn_callee(&prefix);

    let output = run(wamp(&["call", &format!("{prefix}.nobody_registered_this")]));
    assert_eq!(output.status.code(), Some(4), "{}", describe(&output));
    assert!(output.stdout.is_empty(), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("wamp: error: wamp.error.no_such_procedure"),
        "{}",
        describe(&output)
    );

    // An application error: its URI, message and arguments.
    let output = run(wamp(&["call", &format!("{prefix}.fail")]));
    assert_eq!(output.status.code(), Some(4), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("wamp: error: com.example.error.oops: it broke"),
        "{}",
        describe(&output)
    );
    assert!(stderr.contains(r#""code":7"#), "{}", describe(&output));
}

#[test]
fn a_call_timeout_exits_5() {
    let prefix = unique("timeout");
    let _callee = autobahn_callee(&prefix);
    let started = Instant::now();
    let output = run(wamp(&["call", &format!("{prefix}.slow"), "--timeout", "300ms"]));
    assert_eq!(output.status.code(), Some(5), "{}", describe(&output));
    // Well before the procedure's 30 s: the timeout, not the answer, ended the call.
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_connection_failure_exits_3() {
    let port = wamp_testkit::free_port();
    let output = run(Command::new(env!("CARGO_BIN_EXE_wamp"))
        .args(["call", "com.example.x", "--url"])
        .arg(format!("ws://127.0.0.1:{port}/ws"))
        .env_remove("WAMP_CONFIG")
        .env_remove("WAMP_URL"));
    assert_eq!(output.status.code(), Some(3), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("cannot connect"),
        "{}",
        describe(&output)
    );

    // A realm the router does not know: the join is refused.
    let output = run(wamp(&["call", "com.example.x", "--realm", "no_such_realm"]));
    assert_eq!(output.status.code(), Some(3), "{}", describe(&output));
}

#[test]
fn usage_errors_exit_2() {
    let output = run(wamp(&["--help"]));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("Exit codes:"),
        "{}",
        describe(&output)
    );

    let output = run(wamp(&["call"]));
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let output = run(wamp(&["call", "com.example.x", "-k", "no_equals_sign"]));
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let output = run(wamp(&["call", "not a uri!"]));
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let output = run(wamp(&["call", "com.example.x", "--url", "http://example.org/"]));
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
}

#[test]
fn the_config_file_env_and_flags_are_layered() {
    let prefix = unique("config");
    let _callee = autobahn_callee(&prefix);
    let dir = std::env::temp_dir().join(format!("wamp-cli-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("wamp.yaml");
    std::fs::write(&file, format!("url: {}\nrealm: no_such_realm\n", shared_router().url())).unwrap();
    let procedure = format!("{prefix}.add");
    let call = |extra: &[&str], realm_env: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_wamp"));
        command
            .args(["call", &procedure, "1", "2"])
            .args(extra)
            .env_remove("WAMP_URL")
            .env_remove("WAMP_REALM")
            .env("WAMP_CONFIG", &file);
        if let Some(realm) = realm_env {
            command.env("WAMP_REALM", realm);
        }
        run(&mut command)
    };
    // The file's realm does not exist...
    assert_eq!(call(&[], None).status.code(), Some(3));
    // ...the environment overrides it...
    let output = call(&[], Some("realm1"));
    assert_eq!(stdout_lines(&output), ["3"], "{}", describe(&output));
    // ...and a flag overrides the environment.
    assert_eq!(
        call(&["--realm", "no_such_realm"], Some("realm1")).status.code(),
        Some(3)
    );
    let output = call(&["--realm", "realm1"], None);
    assert_eq!(stdout_lines(&output), ["3"], "{}", describe(&output));
}

#[test]
fn publish_reaches_an_autobahn_subscriber() {
    let topic = unique("publish");
    let mut subscriber = autobahn(
        r#"received = asyncio.get_event_loop().create_future()
def on_event(*args, **kwargs):
    if not received.done():
        received.set_result({"args": list(args), "kwargs": kwargs})
await self.subscribe(on_event, URI)
print("ready", flush=True)
event = await asyncio.wait_for(received, 20)
print("event", show(event), flush=True)"#,
        &topic,
    );
    subscriber.wait_for_line("ready", PEER_TIMEOUT).unwrap();

    let output = run(wamp(&[
        "publish",
        &topic,
        "1",
        "hello",
        "-k",
        "urgent=true",
        "--acknowledge",
    ]));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let lines = stdout_lines(&output);
    assert_eq!(lines.len(), 1, "{}", describe(&output));
    assert!(lines[0].parse::<u64>().is_ok(), "publication id: {}", lines[0]);

    let event = subscriber.wait_for_line("event ", PEER_TIMEOUT).unwrap();
    assert_eq!(event, r#"event {"args": [1, "hello"], "kwargs": {"urgent": true}}"#);
}

#[test]
fn publish_without_acknowledge_prints_nothing_and_still_delivers() {
    let topic = unique("publish_noack");
    let mut subscriber = autobahn(
        r#"received = asyncio.get_event_loop().create_future()
await self.subscribe(lambda *args: received.done() or received.set_result(list(args)), URI)
print("ready", flush=True)
print("event", show(await asyncio.wait_for(received, 20)), flush=True)"#,
        &topic,
    );
    subscriber.wait_for_line("ready", PEER_TIMEOUT).unwrap();
    let output = run(wamp(&["publish", &topic, r#"{"n": 1}"#]));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(output.stdout.is_empty(), "{}", describe(&output));
    let event = subscriber.wait_for_line("event ", PEER_TIMEOUT).unwrap();
    assert_eq!(event, r#"event [{"n": 1}]"#);
}

#[test]
fn subscribe_prints_autobahn_events_as_json_lines_and_stops_after_count() {
    let prefix = unique("subscribe");
    let mut subscriber = Running::spawn(&mut wamp(&["subscribe", &prefix, "--match", "prefix", "--count", "2"]));
    subscriber.wait_for_log("subscribed");

    let mut publisher = autobahn(
        r#"opts = PublishOptions(acknowledge=True)
await self.publish(URI + ".first", 1, "one", options=opts)
await self.publish(URI + ".second", b"\x00\xff", tag="two", options=opts)
await self.publish(URI + ".third", 3, options=opts)
print("published", flush=True)"#,
        &prefix,
    );
    publisher.wait_for_line("published", PEER_TIMEOUT).unwrap();
    let output = subscriber.wait();
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let events: Vec<Json> = stdout_lines(&output).iter().map(|line| json_line(line)).collect();
    assert_eq!(events.len(), 2, "{}", describe(&output));
    assert_eq!(events[0]["topic"], json!(format!("{prefix}.first")));
    assert_eq!(events[0]["args"], json!([1, "one"]));
    assert_eq!(events[0]["kwargs"], json!({}));
    assert!(events[0]["publication"].is_u64(), "{}", events[0]);
    assert_eq!(events[1]["topic"], json!(format!("{prefix}.second")));
    assert_eq!(events[1]["args"], json!(["\u{0}AP8="]));
    assert_eq!(events[1]["kwargs"], json!({"tag": "two"}));
}

#[test]
fn subscribe_stops_cleanly_on_sigterm() {
    let topic = unique("subscribe_term");
    let mut subscriber = Running::spawn(&mut wamp(&["subscribe", &topic]));
    subscriber.wait_for_log("subscribed");
    subscriber.signal("TERM");
    let output = subscriber.wait();
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(output.stdout.is_empty(), "{}", describe(&output));
}

/// An autobahn caller of `URI` printing `result ...` or `error URI ARGS`.
fn autobahn_call(uri: &str, call: &str) -> String {
    let mut caller = autobahn(
        &format!(
            r#"res = await self.call({call})
if isinstance(res, CallResult):
    res = {{"args": list(res.results), "kwargs": res.kwresults}}
print("result", show(res), flush=True)"#
        ),
        uri,
    );
    // autobahn logs on stdout too: skip to the answer.
    loop {
        let line = caller.wait_for_line("", PEER_TIMEOUT).unwrap();
        if ["result ", "error ", "failed "]
            .iter()
            .any(|prefix| line.starts_with(prefix))
        {
            let _ = caller.wait(PEER_TIMEOUT);
            return line;
        }
    }
}

#[test]
fn autobahn_calls_wamp_register_which_echoes() {
    let procedure = unique("echo");
    let mut callee = Running::spawn(&mut wamp(&["register", &procedure]));
    callee.wait_for_log("registered");

    assert_eq!(
        autobahn_call(&procedure, r#"URI, "hello", 2"#),
        r#"result {"args": ["hello", 2], "kwargs": {}}"#
    );
    assert_eq!(
        autobahn_call(&procedure, r#"URI, 1, x={"y": [True, None]}"#),
        r#"result {"args": [1], "kwargs": {"x": {"y": [true, null]}}}"#
    );
    assert_eq!(autobahn_call(&procedure, "URI, 7"), "result 7");

    // SIGTERM: unregisters, leaves, exits 0.
    callee.signal("TERM");
    let output = callee.wait();
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(
        autobahn_call(&procedure, "URI").starts_with("error wamp.error.no_such_procedure"),
        "still registered after SIGTERM"
    );
}

#[test]
fn autobahn_calls_wamp_register_which_runs_a_command() {
    let python = wamp_testkit::python().unwrap();
    let python = python.to_str().unwrap();
    let prefix = unique("command");

    // A command that computes on the JSON it reads, and sees the called URI.
    let mut sum = Running::spawn(&mut wamp(&[
        "register",
        &prefix,
        "--match",
        "prefix",
        "--",
        python,
        "-c",
        "import json, os, sys\n\
         call = json.load(sys.stdin)\n\
         print(json.dumps({'sum': sum(call['args']) * call['kwargs'].get('scale', 1), \
         'procedure': os.environ['WAMP_PROCEDURE']}))",
    ]));
    // `cat`: the result is the input itself, parsed as JSON.
    let cat_uri = unique("cat");
    let mut cat = Running::spawn(&mut wamp(&["register", &cat_uri, "--", "cat"]));
    // Text that is not JSON is a string.
    let text_uri = unique("text");
    let mut text = Running::spawn(&mut wamp(&["register", &text_uri, "--", "echo", "plain text"]));
    // A failing command answers with wamp.error.runtime_error.
    let fail_uri = unique("fail");
    let mut fail = Running::spawn(&mut wamp(&[
        "register",
        &fail_uri,
        "--",
        "sh",
        "-c",
        "echo oops >&2; exit 3",
    ]));
    for running in [&mut sum, &mut cat, &mut text, &mut fail] {
        running.wait_for_log("registered");
    }

    let called = format!("{prefix}.add");
    assert_eq!(
        autobahn_call(&called, "URI, 1, 2, 3, scale=10"),
        format!(r#"result {{"procedure": "{called}", "sum": 60}}"#)
    );
    assert_eq!(
        autobahn_call(&cat_uri, r#"URI, "a", b"\x01", k=1"#),
        r#"result {"args": ["a", "bytes:01"], "kwargs": {"k": 1}}"#
    );
    assert_eq!(autobahn_call(&text_uri, "URI"), r#"result "plain text""#);
    let error = autobahn_call(&fail_uri, "URI");
    assert!(
        error.starts_with("error wamp.error.runtime_error") && error.contains("oops") && error.contains('3'),
        "{error}"
    );

    // SIGINT stops a command-running callee too.
    sum.signal("INT");
    assert_eq!(sum.wait().status.code(), Some(0));
}

/// A catalog in the format of `wamp_runtime::catalog`, for `service`, of
/// `PREFIX.divide(numerator, denominator)` and the topic `PREFIX.news`.
fn fixture_catalog(service: &str, prefix: &str) -> Json {
    json!({
        "format": "wamp-rs.catalog", "version": 1, "service": service,
        "entries": [
            {"kind": "procedure", "uri": format!("{prefix}.divide"), "realm": "realm1",
             "match_policy": "exact", "invoke_policy": "roundrobin",
             "description": "Divides the numerator by the denominator.",
             "args_schema": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "array",
                 "prefixItems": [{"title": "numerator", "type": "number", "format": "double"},
                                 {"title": "denominator", "type": "number", "format": "double"}],
                 "minItems": 2, "items": false},
             "kwargs_schema": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                 "properties": {"numerator": {"type": "number", "format": "double"},
                                "denominator": {"type": "number", "format": "double"}},
                 "required": ["denominator", "numerator"], "additionalProperties": false},
             "result_args_schema": {"type": "array", "prefixItems": [{"type": "number"}], "minItems": 1, "items": false},
             "errors": [{"uri": format!("{prefix}.error.division_by_zero"), "description": "The denominator was zero."}]},
            {"kind": "topic", "uri": format!("{prefix}.news"), "realm": "realm1", "match_policy": "exact",
             "args_schema": {"type": "array", "prefixItems": [{"title": "text", "type": "string"}], "minItems": 1, "items": false},
             "kwargs_schema": {"type": "object", "properties": {"text": {"type": "string"}},
                 "required": ["text"], "additionalProperties": false}}
        ]
    })
}

/// A catalog procedure answered by `wamp register ... -- cat FILE`: the
/// catalog crosses the router as a service's would.
fn serve_catalog(service: &str, catalog: &Json) -> Running {
    let dir = std::env::temp_dir().join(format!("wamp-cli-catalogs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{service}.json"));
    std::fs::write(&file, catalog.to_string()).unwrap();
    let procedure = format!("wamp_rs.catalog.{service}");
    let mut running = Running::spawn(&mut wamp(&[
        "register",
        &procedure,
        "--invoke",
        "roundrobin",
        "--",
        "cat",
        file.to_str().unwrap(),
    ]));
    running.wait_for_log("registered");
    running
}

/// A service name no other test uses (one URI component).
fn unique_service(name: &str) -> String {
    unique(name).replace('.', "_")
}

/// A service of another library that serves a catalog as a wamp-rs
/// `Server` does: from the session that registers its procedures. It
/// registers `wamp_rs.catalog.SERVICE` (answering `catalog`) and
/// `PREFIX.divide`, which prints `called {"args": .., "kwargs": ..}` for
/// every call it gets and answers 0.5.
fn autobahn_service(prefix: &str, service: &str, catalog: &Json) -> PythonPeer {
    let mut peer = AutobahnSession::new(&shared_router().url(), "realm1")
        .arg("URI", prefix)
        .arg("SERVICE", service)
        .arg("CATALOG", &catalog.to_string())
        .spawn(
            r#"catalog = json.loads(CATALOG)
def divide(*args, **kwargs):
    print("called", show({"args": list(args), "kwargs": kwargs}), flush=True)
    return 0.5
await self.register(lambda: catalog, "wamp_rs.catalog." + SERVICE, options=RegisterOptions(invoke="roundrobin"))
await self.register(divide, URI + ".divide")
print("ready", flush=True)
await asyncio.sleep(600)"#,
        )
        .unwrap();
    peer.wait_for_line("ready", PEER_TIMEOUT).unwrap();
    peer
}

#[test]
fn describe_prints_each_catalog_entry_and_the_registrations_without_one() {
    let prefix = unique("describe");
    let service = unique_service("fixture");
    let _catalog = serve_catalog(&service, &fixture_catalog(&service, &prefix));
    let mut divide = Running::spawn(&mut wamp(&[
        "register",
        &format!("{prefix}.divide"),
        "--invoke",
        "roundrobin",
    ]));
    divide.wait_for_log("registered");
    // Another library's callee: known only through the meta API.
    let _autobahn = autobahn_callee(&format!("{prefix}.other"));

    let output = run(wamp(&["describe", &prefix]));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    let signature = format!(
        "{prefix}.divide(numerator: number, denominator: number) -> number   \
         errors: {prefix}.error.division_by_zero   invoke: roundrobin"
    );
    let lines = stdout_lines(&output);
    assert_eq!(lines[0], signature, "{text}");
    assert_eq!(lines[1], "    Divides the numerator by the denominator.", "{text}");
    assert_eq!(lines[2], format!("topic {prefix}.news(text: string)"), "{text}");
    assert_eq!(lines[4], "Registrations without a catalog:", "{text}");
    let add = lines
        .iter()
        .find(|line| line.trim_start().starts_with(&format!("{prefix}.other.add ")))
        .unwrap_or_else(|| panic!("{prefix}.other.add is not listed:\n{text}"));
    assert_eq!(
        add.split_whitespace().collect::<Vec<_>>()[1..],
        ["exact", "single", "1"],
        "{text}"
    );
    // Described procedures are not listed again; the catalog procedure is not a procedure of the realm's.
    assert_eq!(text.matches(&format!("{prefix}.divide")).count(), 1, "{text}");
    assert!(!text.contains(&format!("wamp_rs.catalog.{service} ")), "{text}");

    let output = run(wamp(&["describe", &prefix, "--json"]));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let merged = json_line(&stdout_lines(&output)[0]);
    assert_eq!(merged["format"], "wamp-rs.describe");
    let entries = merged["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{merged}");
    assert_eq!(entries[0]["uri"], json!(format!("{prefix}.divide")));
    assert_eq!(entries[0]["services"], json!([service]));
    assert_eq!(entries[0]["realms"], json!(["realm1"]));
    assert_eq!(entries[0]["callees"], 1);
    assert_eq!(entries[1]["kind"], "topic");
    let uncataloged: Vec<&str> = merged["uncataloged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    assert!(
        uncataloged.contains(&format!("{prefix}.other.countdown").as_str()),
        "{merged}"
    );
    assert!(!uncataloged.contains(&format!("{prefix}.divide").as_str()), "{merged}");
}

#[test]
fn two_instances_of_a_service_are_one_entry_with_two_callees() {
    let prefix = unique("instances");
    let service = unique_service("twice");
    let catalog = fixture_catalog(&service, &prefix);
    let _first = serve_catalog(&service, &catalog);
    let _second = serve_catalog(&service, &catalog);
    let procedure = format!("{prefix}.divide");
    let mut callees: Vec<Running> = (0..2)
        .map(|_| Running::spawn(&mut wamp(&["register", &procedure, "--invoke", "roundrobin"])))
        .collect();
    for callee in &mut callees {
        callee.wait_for_log("registered");
    }

    let output = run(wamp(&["describe", &prefix, "--json"]));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let merged = json_line(&stdout_lines(&output)[0]);
    let divides: Vec<&Json> = merged["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["uri"] == json!(procedure))
        .collect();
    assert_eq!(divides.len(), 1, "{merged}");
    assert_eq!(divides[0]["callees"], 2, "{merged}");
    let services: Vec<&Json> = merged["services"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["service"] == json!(service))
        .collect();
    assert_eq!(services.len(), 1, "{merged}");
    assert_eq!(services[0]["instances"], 2, "{merged}");

    let output = run(wamp(&["describe", &prefix]));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("invoke: roundrobin   callees: 2"), "{text}");
    assert!(text.contains(&format!("{service} (2 instances)")), "{text}");
}

#[test]
fn call_refuses_arguments_the_catalog_rejects_and_no_check_sends_them() {
    let prefix = unique("checked");
    let service = unique_service("checked");
    let mut callee = autobahn_service(&prefix, &service, &fixture_catalog(&service, &prefix));
    let procedure = format!("{prefix}.divide");

    let output = run(wamp(&["call", &procedure, "1", "x"]));
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "wamp: error: {procedure}: argument 2 (denominator): expected number, got \"x\""
        )),
        "{}",
        describe(&output)
    );
    assert!(stderr.contains("--no-check"), "{}", describe(&output));
    let output = run(wamp(&["call", &procedure, "1", "2", "-k", "scale=3"]));
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("unknown keyword argument scale"),
        "{}",
        describe(&output)
    );
    let output = run(wamp(&["call", &procedure, "1"]));
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("missing argument 2 (denominator)"),
        "{}",
        describe(&output)
    );

    // Arguments that fit go out, by position or by keyword; the first call
    // the callee sees is this one, so none of the refused ones reached it.
    let output = run(wamp(&["call", &procedure, "1", "-k", "denominator=2"]));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert_eq!(stdout_lines(&output), ["0.5"]);
    assert_eq!(
        callee.wait_for_line("called", PEER_TIMEOUT).unwrap(),
        r#"called {"args": [1], "kwargs": {"denominator": 2}}"#
    );

    // --no-check sends what the check would refuse.
    let output = run(wamp(&["call", &procedure, "1", "x", "--no-check"]));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert_eq!(
        callee.wait_for_line("called", PEER_TIMEOUT).unwrap(),
        r#"called {"args": [1, "x"], "kwargs": {}}"#
    );
}

#[test]
fn a_call_is_sent_unchecked_when_the_catalog_cannot_be_read() {
    let prefix = unique("unreadable");
    let service = unique_service("broken");
    // Answers, but not with a catalog.
    let _callee = autobahn_service(&prefix, &service, &json!({"format": "something else"}));
    let procedure = format!("{prefix}.divide");

    let output = run(wamp(&["-vv", "call", &procedure, "1", "x"]));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert_eq!(stdout_lines(&output), ["0.5"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot read the catalog"), "{stderr}");

    let output = run(wamp(&["describe", &prefix]));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains(&format!("wamp_rs.catalog.{service}: not a wamp-rs.catalog document")),
        "{text}"
    );
}

#[test]
fn a_call_is_checked_against_its_callees_catalog_only() {
    // A catalog served by a session that is not the procedure's callee
    // describes it for `wamp describe`, but is not the callee's word.
    let prefix = unique("elsewhere");
    let service = unique_service("elsewhere");
    let _catalog = serve_catalog(&service, &fixture_catalog(&service, &prefix));
    let procedure = format!("{prefix}.divide");
    let mut callee = Running::spawn(&mut wamp(&["register", &procedure]));
    callee.wait_for_log("registered");

    let output = run(wamp(&["-vv", "call", &procedure, "1", "x"]));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert_eq!(stdout_lines(&output), [r#"{"args":[1,"x"],"kwargs":{}}"#]);
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("no catalog describes the procedure: sent unchecked"),
        "{}",
        describe(&output)
    );
}

/// The registry example (`examples/registry`, a wamp-rs `Server` that
/// serves its catalog as `registry`), built once for this test binary.
/// Built as the root tests build the examples (`tests/common/example.rs`):
/// with `--workspace`, the features `cargo test --workspace` resolves, so
/// that neither build relinks the other's binaries.
fn registry_example() -> Command {
    static BUILT: std::sync::Once = std::sync::Once::new();
    BUILT.call_once(|| {
        // The workspace root: this crate's parent folder.
        let status = cargo::cargo_in(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")))
            .args(["build", "--quiet", "--workspace", "--examples"])
            .status()
            .unwrap();
        assert!(status.success(), "building the registry example failed");
    });
    // target/<profile>/deps/<test> → target/<profile>/examples/registry
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let mut command = Command::new(profile_dir.join("examples").join("registry"));
    command
        .env("WAMP_URL", shared_router().url())
        .env("WAMP_REALM", "realm1")
        .env_remove("WAMP_CONFIG")
        .env("RUST_LOG", "warn");
    command
}

/// A running registry example, stopped (SIGKILL) when dropped.
struct Service(Child, Receiver<String>);

impl Service {
    fn start() -> Service {
        let mut child = registry_example()
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (lines, receiver) = channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let service = Service(child, receiver);
        let deadline = Instant::now() + PEER_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = service
                .1
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("the registry example never got ready"));
            if line.starts_with("registry service ready") {
                return service;
            }
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn describe_and_checked_calls_on_two_instances_of_the_registry_example() {
    let _first = Service::start();
    let _second = Service::start();

    let output = run(wamp(&["describe", "foo."]));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let lines = stdout_lines(&output);
    let line_of = |start: &str| {
        lines
            .iter()
            .position(|line| line.starts_with(start))
            .unwrap_or_else(|| panic!("no line starts with {start:?}:\n{text}"))
    };
    let divide = line_of("foo.divide(");
    assert_eq!(
        lines[divide],
        "foo.divide(numerator: number, denominator: number) -> number   \
         errors: foo.error.division_by_zero   invoke: roundrobin   callees: 2",
        "{text}"
    );
    assert!(
        lines[divide + 1].starts_with("    "),
        "no description under foo.divide:\n{text}"
    );
    assert!(
        lines[line_of("foo.multiply(")]
            .starts_with("foo.multiply(factor1: number, factor2: number) -> number   invoke: roundrobin   callees: 2"),
        "{text}"
    );
    assert!(lines[line_of("topic foo.message_received(")].starts_with("topic foo.message_received(message: string)"));
    // Two instances, one entry each, one catalog.
    assert_eq!(text.matches("foo.divide(").count(), 1, "{text}");
    assert!(text.contains("registry (2 instances)"), "{text}");
    assert!(
        !text.contains("accounting."),
        "the prefix lets only foo. through:\n{text}"
    );

    let output = run(wamp(&["describe", "accounting.", "--json"]));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let merged = json_line(&stdout_lines(&output)[0]);
    let vat = merged["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["uri"] == "accounting.vat")
        .unwrap_or_else(|| panic!("no accounting.vat: {merged}"));
    assert_eq!(vat["services"], json!(["registry"]));
    assert_eq!(vat["callees"], 2);
    assert_eq!(vat["args_schema"]["prefixItems"][1]["title"], "rate");

    // Checked against the catalog: refused before sending, naming the parameter.
    let output = run(wamp(&["call", "foo.divide", "1", "x"]));
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains(r#"wamp: error: foo.divide: argument 2 (denominator): expected number, got "x""#),
        "{}",
        describe(&output)
    );
    let output = run(wamp(&[
        "call",
        "accounting.invoice_total",
        r#"[{"quantity": 2, "unit_price": 1.5}, {"quantity": "x", "unit_price": 1}]"#,
    ]));
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains(r#"argument 1 (lines): at [1].quantity: expected integer, got "x""#),
        "{}",
        describe(&output)
    );
    // --no-check sends it, and the service itself refuses it.
    let output = run(wamp(&["call", "foo.divide", "1", "x", "--no-check"]));
    assert_eq!(output.status.code(), Some(4), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("wamp.error.invalid_argument"),
        "{}",
        describe(&output)
    );
    // What fits goes through, positional or by keyword.
    let output = run(wamp(&["call", "foo.divide", "1", "-k", "denominator=4"]));
    assert_eq!(stdout_lines(&output), ["0.25"], "{}", describe(&output));
    let output = run(wamp(&["call", "accounting.vat", "100"]));
    assert_eq!(stdout_lines(&output), ["24.0"], "{}", describe(&output));
    let output = run(wamp(&["call", "foo.divide", "1", "0"]));
    assert_eq!(output.status.code(), Some(4), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("foo.error.division_by_zero"),
        "{}",
        describe(&output)
    );
}

#[test]
fn a_role_without_the_meta_api_calls_unchecked_and_cannot_describe() {
    // The "restricted" transport's role may call only under public.: not the meta API.
    let restricted = shared_router().transport_url("restricted");
    let prefix = format!("public.{}", unique("restricted"));
    let service = unique_service("restricted");
    let _callee = autobahn_service(&prefix, &service, &fixture_catalog(&service, &prefix));
    let procedure = format!("{prefix}.divide");

    // From the default role the check refuses it...
    let output = run(wamp(&["call", &procedure, "1", "x"]));
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    // ...from the restricted one it cannot be made, so the call goes out as it is.
    let output = run(wamp(&["-vv", "call", &procedure, "1", "x", "--url", &restricted]));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert_eq!(stdout_lines(&output), ["0.5"]);
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("cannot look the procedure up: sent unchecked"),
        "{}",
        describe(&output)
    );

    let output = run(wamp(&["describe", "--url", &restricted]));
    assert_eq!(output.status.code(), Some(4), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(
            "wamp: error: cannot use the router's meta API (wamp.registration.list): wamp.error.not_authorized"
        ),
        "{}",
        describe(&output)
    );
}
