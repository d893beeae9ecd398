//! A user's service run by the test kit: the `#[procedure]` of this test
//! binary served on a router of its own, and called through it.

#![allow(clippy::unwrap_used)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use wamp_runtime::{CallContext, State, procedure};
use wamp_testkit::{Router, RouterConfig, permission};

struct Greeting(&'static str);

#[procedure(name = "com.example.greet")]
fn greet(_ctx: CallContext, greeting: State<Greeting>, name: String) -> String {
    format!("{}, {name}", greeting.0)
}

#[tokio::test]
async fn the_programs_procedures_are_served_with_their_state() {
    let router = Router::start(RouterConfig::default()).unwrap();
    assert_eq!(router.realm(), "realm1");
    let service = router.server().state(Greeting("hello")).start().await.unwrap();
    let client = router.connect().await.unwrap();
    let answer: String = client
        .call("com.example.greet")
        .arg("world")
        .await
        .unwrap()
        .decode()
        .unwrap();
    assert_eq!(answer, "hello, world");
    service.stop().await.unwrap();
}

#[tokio::test]
async fn clients_join_the_first_realm_of_the_users_configuration() {
    let config = RouterConfig::new()
        .role(
            "shop",
            "anonymous",
            serde_json::json!([permission("", "prefix", &["call", "register"])]),
        )
        .websocket_transport(
            "ws",
            serde_json::json!({"anonymous": {"type": "static", "role": "anonymous"}}),
        );
    let router = Router::start(config).unwrap();
    assert_eq!(router.realm(), "shop");
    let client = router.connect().await.unwrap();
    assert_eq!(client.details().unwrap().realm, "shop");
}

#[test]
fn a_panicking_test_stops_its_router() {
    let mut pids = Vec::new();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let router = Router::start(RouterConfig::default()).unwrap();
        pids = router.worker_pids();
        pids.push(router.pid());
        panic!("the test fails while its router runs");
    }));
    assert!(outcome.is_err());
    assert!(pids.len() > 1, "no workers seen: {pids:?}");
    // The unwinding dropped the router, which stops and reaps its processes
    // before returning; the grace period is for /proc to catch up.
    let deadline = Instant::now() + Duration::from_secs(2);
    let alive = |pid: &u32| {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
            !stat
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
    };
    while pids.iter().any(alive) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!pids.iter().any(alive), "processes left behind: {pids:?}");
}
