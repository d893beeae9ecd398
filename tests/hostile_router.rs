//! What a real router never sends: a scripted fake peer speaks garbage, breaks
//! the protocol, floods, or stops reading. The client must close the session
//! with a clear reason (or ignore what the protocol allows to arrive late),
//! fail pending requests, keep memory bounded, and never panic or hang.
//!
//! "Never panic" is checked through the state: a session task that panicked
//! would never report [`SessionState::Closed`] with the reason asserted.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::future::IntoFuture;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::sync::{Semaphore, mpsc};
use wamp_runtime::config::ReconnectPolicy;
use wamp_runtime::{
    ApplicationError, CallContext, CallError, Client, ClientConfig, ClientEvent, Error, EventContext, Payload,
    RegisterOptions, SessionState, SubscribeOptions,
};
use wamp_testkit::fake_router::{self, Listener, Peer, Transport, WELCOME};

/// Every wait of these tests is bounded by this.
const BOUND: Duration = Duration::from_secs(10);

async fn bounded<F: IntoFuture>(what: &str, future: F) -> F::Output {
    tokio::time::timeout(BOUND, future.into_future())
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish within {BOUND:?}"))
}

async fn scripted(script: &[&str]) -> String {
    fake_router::scripted(script.iter().map(|s| (*s).to_owned()).collect(), true)
        .await
        .0
}

fn config(url: &str) -> ClientConfig {
    ClientConfig::builder()
        .url(url)
        .realm("realm1")
        .connection_timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

async fn join(url: &str) -> Result<Client, Error> {
    Client::connect(&config(url)).await
}

/// Waits for the session to close and checks the state says so too.
async fn closed_reason(client: &Client) -> String {
    let reason = bounded("closing the session", client.closed()).await;
    match client.state() {
        SessionState::Closed(state) => assert_eq!(state, reason),
        other => panic!("the session task ended without closing ({reason}): {other:?}"),
    }
    reason
}

/// The resident set of this process, in bytes.
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

// ---- malformed frames and unknown messages --------------------------------

#[tokio::test]
async fn garbage_after_welcome_closes_the_session_with_a_clear_reason() {
    let url = scripted(&[WELCOME, "this is not json"]).await;
    let client = join(&url).await.unwrap();
    let reason = closed_reason(&client).await;
    assert!(reason.contains("protocol violation"), "{reason}");
    assert!(reason.contains("malformed JSON"), "{reason}");
}

#[tokio::test]
async fn json_that_is_not_a_wamp_message_closes_the_session_naming_the_problem() {
    for (frame, expected) in [
        (r#"{"type": 36}"#, "not a list"),
        ("[]", "empty"),
        (r#"["36", 1, 2, {}]"#, "message type"),
        ("[36, 1]", "EVENT"),
    ] {
        let url = scripted(&[WELCOME, frame]).await;
        let client = join(&url).await.unwrap();
        let reason = closed_reason(&client).await;
        assert!(
            reason.starts_with("protocol violation by the router"),
            "{frame}: {reason}"
        );
        assert!(reason.contains(expected), "{frame}: {reason}");
    }
}

#[tokio::test]
async fn an_unknown_message_type_closes_the_session() {
    let url = scripted(&[WELCOME, "[99, 1, {}]"]).await;
    let client = join(&url).await.unwrap();
    let reason = closed_reason(&client).await;
    assert!(reason.contains("unknown message type 99"), "{reason}");
}

#[tokio::test]
async fn a_second_welcome_is_a_protocol_violation_and_the_router_gets_an_abort() {
    let (url, mut received) = fake_router::scripted(vec![WELCOME.into(), WELCOME.into()], true).await;
    let client = join(&url).await.unwrap();
    let reason = closed_reason(&client).await;
    assert!(reason.contains("WELCOME"), "{reason}");
    assert_eq!(received.recv().await.unwrap()[0], 1, "HELLO first");
    let abort = bounded("the ABORT", received.recv()).await.unwrap();
    assert_eq!(abort[0], 3, "{abort}");
    assert_eq!(abort[2], "wamp.error.protocol_violation", "{abort}");
    assert!(abort[1]["message"].as_str().unwrap().contains("WELCOME"), "{abort}");
}

#[tokio::test]
async fn every_pending_request_fails_when_the_router_breaks_the_protocol() {
    let (url, router) = Listener::joined(Transport::WebSocket, move |mut peer| async move {
        // A call, an acknowledged publication and a subscription, none answered...
        for expected in [48, 16, 32] {
            peer.expect(expected).await;
        }
        // ...then an EVENT whose subscription id is a string.
        peer.send(r#"[36, "not-an-id", 1, {}]"#).await;
        peer.drain().await;
    })
    .await;
    let client = join(&url).await.unwrap();
    let call = tokio::spawn(client.call("com.example.x").into_future());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let publish = tokio::spawn(client.publish("com.example.t").acknowledged().into_future());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let subscribe = bounded(
        "the subscription",
        client.subscribe(
            "com.example.t",
            |_: EventContext, _: Payload| {},
            SubscribeOptions::default(),
        ),
    )
    .await;
    let reason = closed_reason(&client).await;
    assert!(reason.contains("EVENT"), "{reason}");
    let lost = |result: Result<(), CallError>| match result {
        Err(CallError::ConnectionLost(why)) => assert_eq!(why, reason),
        other => panic!("expected ConnectionLost, got {other:?}"),
    };
    lost(bounded("the call", call).await.unwrap().map(drop));
    lost(bounded("the publication", publish).await.unwrap().map(drop));
    lost(subscribe.map(drop));
    bounded("the fake router", router).await.unwrap();
}

#[tokio::test]
async fn a_reconnecting_client_leaves_a_violating_router_reconnects_and_gives_up_as_its_policy_says() {
    let (url, router) = Listener::joined(Transport::WebSocket, move |mut peer| async move {
        peer.expect(48).await;
        peer.send("[36, 1, 2, {}, 42]").await; // Arguments must be a list.
        peer.drain().await;
        // The listener is gone with the accept: every reconnect is refused.
    })
    .await;
    let mut policy = ReconnectPolicy::default();
    policy.initial_delay = Duration::from_millis(50);
    policy.max_attempts = Some(2);
    let config = ClientConfig::builder()
        .url(&url)
        .realm("realm1")
        .connection_timeout(Duration::from_secs(2))
        .reconnect(policy)
        .build()
        .unwrap();
    let client = Client::connect_reconnecting(&config).await.unwrap();
    let mut events = client.events();
    let call = bounded("the call", client.call("com.example.x")).await;
    let Err(CallError::ConnectionLost(lost)) = call else {
        panic!("expected ConnectionLost, got {call:?}");
    };
    assert!(lost.starts_with("protocol violation by the router"), "{lost}");
    let reason = closed_reason(&client).await;
    assert!(reason.starts_with(&lost), "{reason}");
    assert!(reason.ends_with("gave up after 2 reconnect attempts"), "{reason}");
    let mut seen = Vec::new();
    // The Closed event follows the Closed state: wait for it.
    while seen.last().is_none_or(|last| last != "closed") {
        seen.push(match bounded("the next client event", events.recv()).await.unwrap() {
            ClientEvent::Left { reason } => format!("left: {reason}"),
            ClientEvent::Reconnecting { attempt, .. } => format!("reconnecting {attempt}"),
            ClientEvent::Closed { .. } => "closed".to_owned(),
            other => format!("{other:?}"),
        });
    }
    assert_eq!(
        seen,
        [
            format!("left: {lost}"),
            "reconnecting 1".into(),
            "reconnecting 2".into(),
            "closed".into()
        ]
    );
    router.abort();
}

// ---- answers to requests nobody made ---------------------------------------

#[tokio::test]
async fn results_errors_and_events_for_unknown_ids_are_ignored_and_the_session_goes_on() {
    // A RESULT or ERROR may legitimately arrive after the call was
    // cancelled, an EVENT after UNSUBSCRIBE: the client drops them.
    let (url, router) = Listener::joined(Transport::WebSocket, move |mut peer| async move {
        let call = peer.expect(48).await;
        peer.send(r#"[50, 777001, {}, ["stray"]]"#).await;
        peer.send(r#"[8, 48, 777002, {}, "wamp.error.stray"]"#).await;
        peer.send(r#"[36, 777003, 1, {}, ["stray"]]"#).await;
        peer.send(format!(r#"[50, {}, {{}}, ["mine"]]"#, call[1])).await;
        peer.drain().await;
    })
    .await;
    let client = join(&url).await.unwrap();
    let answer = bounded("the call", client.call("com.example.x")).await.unwrap();
    assert_eq!(answer.args, vec![wamp_runtime::Value::from("mine")]);
    assert!(client.is_joined(), "{:?}", client.state());
    bounded("leaving", client.leave()).await.unwrap_or(());
    router.abort();
}

#[tokio::test]
async fn an_invocation_for_an_unknown_registration_is_answered_with_an_error() {
    let (url, router) = Listener::joined(Transport::WebSocket, move |mut peer| async move {
        peer.send(r#"[68, 4242, 999999, {}, [1]]"#).await;
        peer.expect(8).await
    })
    .await;
    let client = join(&url).await.unwrap();
    let error = bounded("the fake router", router).await.unwrap();
    // [ERROR, INVOCATION, request, details, uri]
    assert_eq!(error[1], 68, "{error}");
    assert_eq!(error[2], 4242, "{error}");
    assert_eq!(error[4], "wamp.error.no_such_registration", "{error}");
    assert!(client.is_joined(), "{:?}", client.state());
}

#[tokio::test]
async fn an_answer_to_hello_that_is_not_welcome_is_refused() {
    let url = scripted(&[r#"[50, 1, {}]"#]).await;
    let error = join(&url).await.unwrap_err();
    assert!(matches!(error, Error::Protocol(_)), "{error:?}");
    assert!(error.to_string().contains("RESULT"), "{error}");
}

#[tokio::test]
async fn abort_in_answer_to_hello_names_the_reason_and_message() {
    let url = scripted(&[r#"[3, {"message": "go away"}, "wamp.error.not_authorized"]"#]).await;
    let error = join(&url).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "router refused to join realm \"realm1\": wamp.error.not_authorized (go away)"
    );
}

// ---- huge length prefixes ---------------------------------------------------

#[tokio::test]
async fn a_rawsocket_length_prefix_above_max_message_size_closes_the_session_before_reading_it() {
    let (url, router) = Listener::joined(Transport::RawSocket, move |mut peer| async move {
        peer.recv().await.unwrap(); // the CALL
        // A message frame announcing 16 MiB - 1 bytes, none of which follow.
        peer.send_bytes(&[0x00, 0xff, 0xff, 0xff]).await;
        tokio::time::sleep(BOUND).await;
    })
    .await;
    let config = ClientConfig::builder()
        .url(&url)
        .realm("realm1")
        .max_message_size(65_536)
        .build()
        .unwrap();
    let client = Client::connect(&config).await.unwrap();
    let call = bounded("the call", client.call("com.example.x")).await;
    let reason = closed_reason(&client).await;
    assert!(
        reason.contains("received a frame of 16777215 bytes, more than max_message_size (65536 bytes)"),
        "{reason}"
    );
    match call {
        Err(CallError::ConnectionLost(why)) => assert_eq!(why, reason),
        other => panic!("expected ConnectionLost, got {other:?}"),
    }
    router.abort();
}

#[tokio::test]
async fn a_websocket_frame_header_announcing_a_terabyte_closes_the_session() {
    let (url, router) = Listener::joined(Transport::WebSocket, move |mut peer| async move {
        peer.expect(48).await;
        // FIN + text, unmasked, 64-bit length 2^40: the header alone.
        let header = [0x81, 127, 0, 0, 0x01, 0, 0, 0, 0, 0];
        peer.tcp().write_all(&header).await.unwrap();
        tokio::time::sleep(BOUND).await;
    })
    .await;
    let client = join(&url).await.unwrap();
    let call = bounded("the call", client.call("com.example.x")).await;
    let reason = closed_reason(&client).await;
    assert!(reason.contains("1099511627776"), "{reason}");
    assert!(reason.to_lowercase().contains("too long"), "{reason}");
    assert!(matches!(call, Err(CallError::ConnectionLost(_))), "{call:?}");
    router.abort();
}

#[tokio::test]
async fn a_rawsocket_frame_of_an_unknown_type_or_with_garbage_closes_the_session() {
    for (bytes, expected) in [
        (&[0x03, 0, 0, 1, b'x'][..], "unknown frame type 3"),
        (&[0x08, 0, 0, 1, b'x'][..], "reserved bits"),
        (&[0x00, 0, 0, 3, b'{', b'{', b'{'][..], "malformed JSON"),
    ] {
        let (url, router) = Listener::joined(Transport::RawSocket, move |mut peer| async move {
            peer.send_bytes(bytes).await;
            tokio::time::sleep(BOUND).await;
        })
        .await;
        let client = join(&url).await.unwrap();
        let reason = closed_reason(&client).await;
        assert!(reason.contains(expected), "{bytes:02x?}: {reason}");
        router.abort();
    }
}

// ---- floods -----------------------------------------------------------------

const FLOOD: u64 = 200_000;

/// Subscribes with a handler that blocks on `gate` and counts deliveries;
/// returns the subscription's router id as the fake router needs it.
async fn flood_of_events_to_a_blocked_subscriber(event_queue: usize) -> (u64, u64, u64) {
    let (flooded, mut flood_done) = mpsc::unbounded_channel();
    let (url, router) = Listener::joined(Transport::WebSocket, move |mut peer| async move {
        let subscribe = peer.expect(32).await;
        peer.send(format!("[33, {}, 5005]", subscribe[1])).await;
        for publication in 1..=FLOOD {
            let fed = peer
                .feed(format!(
                    r#"[36, 5005, {publication}, {{}}, [{publication}, "{}"]]"#,
                    "x".repeat(200)
                ))
                .await;
            assert!(fed, "the client went away during the flood");
            if publication % 1000 == 0 {
                assert!(peer.flush().await, "the client went away during the flood");
            }
        }
        peer.flush().await;
        let _ = flooded.send(());
        // The session must still serve calls: RPC is not stuck behind the subscriber.
        let call = peer.expect(48).await;
        peer.send(format!(r#"[50, {}, {{}}, ["still here"]]"#, call[1])).await;
        // After the handler is released: one last event, to read the drop count.
        peer.expect(48).await;
        peer.send(r#"[36, 5005, 999999999, {}, [0, "last"]]"#).await;
        peer.drain().await;
    })
    .await;
    let config = ClientConfig::builder()
        .url(&url)
        .realm("realm1")
        .event_queue(event_queue)
        .build()
        .unwrap();
    let client = Client::connect(&config).await.unwrap();
    let gate = Arc::new(Semaphore::new(0));
    let delivered = Arc::new(AtomicU64::new(0));
    let (last, mut last_seen) = mpsc::unbounded_channel();
    let handler = {
        let (gate, delivered) = (gate.clone(), delivered.clone());
        move |ctx: EventContext, payload: Payload| {
            let (gate, delivered, last) = (gate.clone(), delivered.clone(), last.clone());
            async move {
                if payload.args[0] == wamp_runtime::Value::from(0) {
                    let _ = last.send(ctx.dropped_events());
                    return;
                }
                delivered.fetch_add(1, Ordering::Relaxed);
                gate.acquire().await.unwrap().forget();
            }
        }
    };
    let before = resident_bytes();
    let _subscription = client
        .subscribe("com.example.flood", handler, SubscribeOptions::default())
        .await
        .unwrap();
    bounded("the flood", flood_done.recv()).await.unwrap();
    let answer = bounded("a call during the flood", client.call("com.example.rpc"))
        .await
        .unwrap();
    assert_eq!(answer.args, vec![wamp_runtime::Value::from("still here")]);
    // The CALL was answered after every event was read: the flood is processed.
    let growth = resident_bytes().saturating_sub(before);
    gate.add_permits(usize::MAX >> 4);
    let _ = client.call("com.example.rpc").timeout(Duration::from_millis(10)).await;
    let dropped = bounded("the last event", last_seen.recv()).await.unwrap();
    assert!(client.is_joined(), "{:?}", client.state());
    router.abort();
    (delivered.load(Ordering::Relaxed), dropped, growth)
}

#[tokio::test]
async fn a_flood_of_events_to_a_slow_subscriber_is_dropped_beyond_its_queue_and_memory_stays_bounded() {
    let (delivered, dropped, growth) = flood_of_events_to_a_blocked_subscriber(1024).await;
    eprintln!("flood of {FLOOD}: delivered {delivered}, dropped {dropped}, RSS growth {growth} bytes");
    // The handler took one event, then blocked: its queue held 1024 more.
    assert_eq!(delivered, 1025);
    assert_eq!(
        delivered + dropped,
        FLOOD,
        "every event is either delivered or counted as dropped"
    );
    // Queued: ~1k events of ~300 bytes; unbounded, the 200k took 110 MiB. Other tests of
    // this binary run meanwhile in the same process, hence the margin.
    assert!(growth < 32 << 20, "RSS grew by {growth} bytes");
}

#[tokio::test]
async fn invocations_beyond_invocation_queue_are_refused_at_once_with_unavailable() {
    const LIMIT: usize = 8;
    const SENT: u64 = 5000;
    let (url, router) = Listener::joined(Transport::WebSocket, move |mut peer| async move {
        let register = peer.expect(64).await;
        peer.send(format!("[65, {}, 6006]", register[1])).await;
        let invocations = (1..=SENT).map(|request| format!("[68, {request}, 6006, {{}}, [{request}]]"));
        let answers = peer
            .send_while_reading(invocations, |received| received.len() == SENT as usize - LIMIT)
            .await;
        let mut refused = Vec::new();
        for error in answers {
            assert_eq!(error[0], 8, "{error}");
            assert_eq!(error[1], 68, "{error}");
            assert_eq!(error[4], "wamp.error.unavailable", "{error}");
            assert!(error[5][0].as_str().unwrap().contains("invocation_queue"), "{error}");
            refused.push(error[2].as_u64().unwrap());
        }
        refused
    })
    .await;
    let config = ClientConfig::builder()
        .url(&url)
        .realm("realm1")
        .invocation_queue(LIMIT)
        .build()
        .unwrap();
    let client = Client::connect(&config).await.unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(Semaphore::new(0));
    let handler = {
        let (running, gate) = (running.clone(), gate.clone());
        move |_ctx: CallContext, payload: Payload| {
            let (running, gate) = (running.clone(), gate.clone());
            async move {
                running.fetch_add(1, Ordering::Relaxed);
                gate.acquire().await.unwrap().forget();
                Ok::<_, ApplicationError>(payload)
            }
        }
    };
    let _registration = client
        .register("com.example.slow", handler, RegisterOptions::default())
        .await
        .unwrap();
    let refused = bounded("the refusals", router).await.unwrap();
    // The first LIMIT were taken, every later one refused, none lost.
    assert_eq!(refused, (LIMIT as u64 + 1..=SENT).collect::<Vec<_>>());
    assert_eq!(running.load(Ordering::Relaxed), LIMIT);
    assert!(client.is_joined(), "{:?}", client.state());
}

// ---- a peer that stops reading or answering -----------------------------------

/// A router that stops reading must not freeze the client: once the socket
/// buffers are full a write never completes, so the session gives every
/// write (and the close frame at the end) `ping_timeout`, then treats the
/// link as lost, which fails what is pending and lets `leave` return.
#[tokio::test]
async fn a_router_that_stops_reading_fails_calls_and_leave_returns() {
    let (parked, mut hold) = mpsc::unbounded_channel::<Peer>();
    let (url, _) = Listener::joined(Transport::WebSocket, move |peer| async move {
        // Keep the connection open, never read it again.
        let _ = parked.send(peer);
    })
    .await;
    let config = ClientConfig::builder()
        .url(&url)
        .realm("realm1")
        .ping_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let client = Client::connect(&config).await.unwrap();
    let _peer = bounded("the fake router", hold.recv()).await.unwrap();
    let payload = "x".repeat(1 << 20);
    let started = Instant::now();
    let mut failures = Vec::new();
    // The socket buffers fill after a few MiB; from then on nothing gets out.
    for _ in 0..32 {
        let call = client
            .call("com.example.x")
            .arg(&payload)
            .timeout(Duration::from_millis(500));
        match bounded("a call", call).await {
            Err(error) => failures.push(error),
            Ok(answer) => panic!("nobody answers, yet the call returned {answer:?}"),
        }
        if !client.is_joined() {
            break;
        }
    }
    assert!(
        failures
            .iter()
            .all(|e| matches!(e, CallError::Timeout(_) | CallError::ConnectionLost(_))),
        "{failures:?}"
    );
    let left = bounded("leave", client.leave()).await;
    let reason = closed_reason(&client).await;
    eprintln!(
        "stopped reading: {} calls failed, closed after {:?}: {reason} ({left:?})",
        failures.len(),
        started.elapsed()
    );
    assert!(!failures.is_empty());
}

/// A router that never acknowledges (as on a half-open link): the
/// publisher's own timeout answers, and the session stays usable.
#[tokio::test]
async fn an_acknowledged_publication_nobody_answers_fails_with_its_timeout() {
    let url = scripted(&[WELCOME]).await;
    let client = join(&url).await.unwrap();
    let started = Instant::now();
    let error = bounded(
        "the acknowledged publication",
        client
            .publish("com.example.topic")
            .arg(1)
            .acknowledged()
            .timeout(Duration::from_millis(300)),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(error, CallError::Timeout(limit) if limit == Duration::from_millis(300)),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert!(client.is_joined());
    client.publish("com.example.topic").arg(2).await.unwrap();
}

#[tokio::test]
async fn a_peer_that_stops_answering_pings_is_detected() {
    let (url, _received) = fake_router::scripted(vec![WELCOME.into()], false).await;
    let config = ClientConfig::builder()
        .url(&url)
        .realm("realm1")
        .ping_interval(Duration::from_millis(200))
        .ping_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let client = Client::connect(&config).await.unwrap();
    let reason = closed_reason(&client).await;
    assert!(reason.contains("did not answer a ping"), "{reason}");
}

#[tokio::test]
async fn a_peer_that_answers_pings_keeps_the_session() {
    let url = scripted(&[WELCOME]).await;
    let config = ClientConfig::builder()
        .url(&url)
        .realm("realm1")
        .ping_interval(Duration::from_millis(100))
        .ping_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let client = Client::connect(&config).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(client.is_joined(), "{:?}", client.state());
}
