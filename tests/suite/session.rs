//! Session life cycle against a real Crossbar router: join, details, leave,
//! refusals, and what happens to pending requests when the connection drops.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::common;

use std::time::{Duration, Instant};

use common::{connect, connect_to, router};
use wamp_runtime::{
    ApplicationError, CallContext, CallError, Client, ClientConfig, Error, Payload, RegisterOptions, SessionState,
};
use wamp_testkit::{Router, RouterConfig};

#[tokio::test]
async fn joining_exposes_the_session_details() {
    let client = connect().await;
    let details = client.details().expect("joined");
    assert!(details.session_id >= 1 && details.session_id <= 1 << 53);
    assert_eq!(details.realm, "realm1");
    assert_eq!(details.authrole.as_deref(), Some("anonymous"));
    assert_eq!(details.authmethod.as_deref(), Some("anonymous"));
    assert!(details.authid.is_some());
    assert!(details.router_roles.contains_key("broker"));
    assert!(details.router_roles.contains_key("dealer"));
    assert!(details.router_supports("dealer", "call_canceling"));
    assert_eq!(client.session_id(), Some(details.session_id));
}

#[tokio::test]
async fn leave_says_goodbye_and_later_requests_fail_clearly() {
    let client = connect().await;
    client.leave().await.unwrap();
    assert!(!client.is_joined());
    assert!(matches!(client.state(), SessionState::Closed(_)));
    let error = client.call("com.example.anything").await.unwrap_err();
    assert!(matches!(error, CallError::ConnectionLost(_)), "{error}");
    // Leaving twice is harmless.
    client.leave().await.unwrap();
}

#[tokio::test]
async fn an_unknown_realm_is_refused_with_the_routers_reason() {
    let config = ClientConfig::new(router().url(), "no.such.realm").unwrap();
    let error = Client::connect(&config).await.unwrap_err();
    match &error {
        Error::JoinRefused { reason, realm, .. } => {
            assert_eq!(reason, "wamp.error.no_such_realm");
            assert_eq!(realm, "no.such.realm");
        }
        other => panic!("expected JoinRefused, got {other:?}"),
    }
    assert!(error.to_string().contains("wamp.error.no_such_realm"), "{error}");
}

#[tokio::test]
async fn connecting_to_a_closed_port_fails_fast_and_names_the_url() {
    let port = wamp_testkit::free_port();
    let url = format!("ws://127.0.0.1:{port}/ws");
    let error = Client::connect(&ClientConfig::new(&url, "realm1").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Connect { .. }), "{error:?}");
    assert!(error.to_string().contains(&url), "{error}");
}

#[tokio::test]
async fn a_silent_server_hits_the_connection_timeout() {
    // A TCP listener that never speaks: the handshake can never finish.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/ws", listener.local_addr().unwrap());
    let config = ClientConfig::builder()
        .url(&url)
        .realm("realm1")
        .connection_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = Client::connect(&config).await.unwrap_err();
    assert!(matches!(error, Error::ConnectTimeout { .. }), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    drop(listener);
}

#[tokio::test]
async fn losing_the_connection_fails_every_pending_request_at_once() {
    // A router of its own, so stopping it does not disturb other tests.
    let router = Router::start(RouterConfig::default()).expect("start router");
    let callee = connect_to(&router.url()).await;
    let caller = connect_to(&router.url()).await;
    callee
        .register(
            "com.example.never_answers",
            |_ctx: CallContext, _p: Payload| async move {
                std::future::pending::<()>().await;
                Ok::<Payload, ApplicationError>(Payload::default())
            },
            RegisterOptions::default(),
        )
        .await
        .unwrap();

    let pending: Vec<_> = (0..5)
        .map(|_| tokio::spawn(caller.call("com.example.never_answers").into_future()))
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopped_at = Instant::now();
    router.stop();

    for call in pending {
        let result = tokio::time::timeout(Duration::from_secs(10), call)
            .await
            .expect("pending call must not hang")
            .unwrap();
        assert!(matches!(result, Err(CallError::ConnectionLost(_))), "{result:?}");
    }
    assert!(stopped_at.elapsed() < Duration::from_secs(10));
    let reason = tokio::time::timeout(Duration::from_secs(5), caller.closed())
        .await
        .unwrap();
    assert!(!reason.is_empty());
    assert!(!caller.is_joined());
    let after = caller.call("com.example.never_answers").await.unwrap_err();
    assert!(matches!(after, CallError::ConnectionLost(_)), "{after}");
}

use std::future::IntoFuture;

/// Waits for the `Revoked` event of `uri` and returns its reason.
async fn revoked(events: &mut tokio::sync::broadcast::Receiver<wamp_runtime::ClientEvent>, uri: &str) -> String {
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if let wamp_runtime::ClientEvent::Revoked { uri: revoked, reason } = events.recv().await.unwrap()
                && revoked == uri
            {
                return reason;
            }
        }
    })
    .await
    .expect("a Revoked event")
}

/// The router takes a subscription away through its meta API (called by
/// autobahn-python), and a registration because another session registered
/// the procedure with `force_reregister`: the client is told (HELLO
/// announces registration_revocation and subscription_revocation), reports
/// it, and the handle says it is no longer active. (Crossbar 26.10.1 cannot
/// tell a callee removed by `wamp.registration.remove_callee`: that meta
/// procedure fails with runtime_error before it sends UNREGISTERED; see
/// RELIABILITY.md.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocations_by_the_meta_api_and_by_force_reregister_are_reported() {
    let service = connect().await;
    let mut events = service.events();
    let session = service.session_id().unwrap();
    let subscription = service
        .subscribe(
            "revoke_test.topic",
            |_ctx: wamp_runtime::EventContext, _payload: Payload| {},
            Default::default(),
        )
        .await
        .unwrap();
    assert!(subscription.is_active());

    let mut peer = wamp_testkit::AutobahnSession::new(&router().url(), "realm1")
        .spawn(&format!(
            r#"await self.call("wamp.subscription.remove_subscriber", {}, {session}, "wamp.close.maintenance")
print("removed subscriber", flush=True)"#,
            subscription.id(),
        ))
        .unwrap();
    let wait = |peer: &mut wamp_testkit::PythonPeer, line: &str| {
        tokio::task::block_in_place(|| peer.wait_for_line(line, Duration::from_secs(20))).unwrap()
    };
    wait(&mut peer, "removed subscriber");
    assert_eq!(
        revoked(&mut events, "revoke_test.topic").await,
        "wamp.close.maintenance"
    );
    assert!(!subscription.is_active());
    assert_eq!(subscription.id(), 0);

    fn echo(_ctx: CallContext, payload: Payload) -> Result<Payload, ApplicationError> {
        Ok(payload)
    }
    let taken = service
        .register("revoke_test.force", echo, RegisterOptions::default())
        .await
        .unwrap();
    let mut usurper = wamp_testkit::AutobahnSession::new(&router().url(), "realm1")
        .spawn(
            r#"await self.register(lambda: "usurper", "revoke_test.force", options=RegisterOptions(force_reregister=True))
print("took over", flush=True)
print("answer", await self.call("revoke_test.force"), flush=True)"#,
        )
        .unwrap();
    wait(&mut usurper, "took over");
    revoked(&mut events, "revoke_test.force").await;
    assert!(!taken.is_active());
    assert_eq!(wait(&mut usurper, "answer"), "answer usurper");
    // The session itself is fine.
    assert!(service.is_joined());
}
