//! Reconnecting clients against a real Crossbar router that is killed and
//! restarted on the same port: every procedure and subscription comes back
//! (an outside autobahn-python client proves it), requests in flight fail
//! with "connection lost", requests while disconnected fail fast, observers
//! see the events, and `stop` ends a backoff at once.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::common;

use std::future::IntoFuture;
use std::time::{Duration, Instant};

use common::{fast_policy, next};
use tokio::sync::{broadcast, mpsc};
use wamp_runtime::config::ReconnectPolicy;
use wamp_runtime::registry::Registry;
use wamp_runtime::{
    ApplicationError, CallContext, CallError, Client, ClientConfig, ClientEvent, EventContext, InvokePolicy, Payload,
    RegisterOptions, SessionState, SubscribeOptions, Value,
};
use wamp_testkit::{AutobahnSession, PythonPeer, Router, RouterConfig};

/// Crossbar takes a few seconds to come back; joins must follow soon after.
const REJOIN: Duration = Duration::from_secs(30);
const PEER_TIMEOUT: Duration = Duration::from_secs(30);

fn config(router: &Router, policy: ReconnectPolicy) -> ClientConfig {
    ClientConfig::builder()
        .url(router.url())
        .realm("realm1")
        .connection_timeout(Duration::from_secs(3))
        .reconnect(policy)
        .build()
        .unwrap()
}

/// Waits for the first event `pick` accepts, skipping the others.
async fn wait_event<T>(
    events: &mut broadcast::Receiver<ClientEvent>,
    timeout: Duration,
    mut pick: impl FnMut(&ClientEvent) -> Option<T>,
) -> T {
    tokio::time::timeout(timeout, async {
        loop {
            let event = events.recv().await.expect("event stream open");
            if let Some(found) = pick(&event) {
                return found;
            }
        }
    })
    .await
    .expect("timed out waiting for a client event")
}

/// An autobahn-python client that calls both procedures, publishes to our
/// subscriber's topic and waits for one event of our publisher (the body
/// of its `onJoin`, with the global `ROUND`).
const PEER: &str = r#"got = asyncio.get_event_loop().create_future()
await self.subscribe(lambda text: got.done() or got.set_result(text), "reconnect.from_us")
print("subscribed", flush=True)
print("add", await self.call("reconnect.add", 2, 3), flush=True)
print("shared", await self.call("reconnect.shared", ROUND), flush=True)
await self.publish("reconnect.to_us", ROUND, options=PublishOptions(acknowledge=True))
print("published", flush=True)
print("event", await asyncio.wait_for(got, 20), flush=True)"#;

fn wait_for_line(peer: &mut PythonPeer, prefix: &str) -> String {
    tokio::task::block_in_place(|| peer.wait_for_line(prefix, PEER_TIMEOUT)).expect("the autobahn peer answers")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_router_gets_every_procedure_and_subscription_back() {
    let mut router = Router::start(RouterConfig::default()).expect("start router");
    let service = Client::connect_reconnecting(&config(&router, fast_policy()))
        .await
        .unwrap();
    let caller = Client::connect_reconnecting(&config(&router, fast_policy()))
        .await
        .unwrap();
    let mut events = service.events();
    let mut caller_events = caller.events();

    let add = service
        .register(
            "reconnect.add",
            |_ctx: CallContext, payload: Payload| {
                let sum: i64 = payload.args.iter().filter_map(Value::as_i64).sum();
                Ok(Payload::from_args(vec![Value::from(sum)]))
            },
            RegisterOptions::default(),
        )
        .await
        .unwrap();
    service
        .register(
            "reconnect.shared",
            |_ctx: CallContext, payload: Payload| Ok(payload),
            RegisterOptions::default().invoke(InvokePolicy::RoundRobin),
        )
        .await
        .unwrap();
    service
        .register(
            "reconnect.never_answers",
            |_ctx: CallContext, _payload: Payload| async move {
                std::future::pending::<()>().await;
                Ok::<Payload, ApplicationError>(Payload::default())
            },
            RegisterOptions::default(),
        )
        .await
        .unwrap();
    let (received_tx, mut received) = mpsc::unbounded_channel();
    service
        .subscribe(
            "reconnect.to_us",
            move |_ctx: EventContext, payload: Payload| {
                let _ = received_tx.send(payload.args.first().and_then(Value::as_str).map(str::to_owned));
            },
            SubscribeOptions::default(),
        )
        .await
        .unwrap();
    // A handle unregistered before the restarts must stay gone.
    let dropped = service
        .register(
            "reconnect.dropped",
            |_ctx: CallContext, payload: Payload| Ok(payload),
            RegisterOptions::default(),
        )
        .await
        .unwrap();
    dropped.unregister().await.unwrap();

    for round in 1..=3 {
        let first_id = add.id();
        assert_ne!(first_id, 0, "round {round}");
        let pending = tokio::spawn(caller.call("reconnect.never_answers").into_future());
        tokio::time::sleep(Duration::from_millis(300)).await;

        // A crash: SIGKILL of the router worker (which takes the node down);
        // it starts again on the same ports below.
        tokio::task::block_in_place(|| router.kill_router_worker()).unwrap();
        let lost = tokio::time::timeout(Duration::from_secs(10), pending)
            .await
            .expect("a call in flight must fail when the link drops")
            .unwrap();
        assert!(
            matches!(lost, Err(CallError::ConnectionLost(_))),
            "round {round}: {lost:?}"
        );
        wait_event(&mut events, Duration::from_secs(10), |e| {
            matches!(e, ClientEvent::Left { .. }).then_some(())
        })
        .await;
        let (attempt, _delay) = wait_event(&mut events, Duration::from_secs(10), |e| match e {
            ClientEvent::Reconnecting { attempt, delay } => Some((*attempt, *delay)),
            _ => None,
        })
        .await;
        assert_eq!(attempt, 1, "round {round}");

        // While disconnected: requests fail fast and say why.
        let started = Instant::now();
        let offline = caller.call("reconnect.add").arg(1).await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(1), "round {round}");
        assert!(
            matches!(&offline, CallError::ConnectionLost(m) if m.contains("not connected: reconnecting")),
            "round {round}: {offline}"
        );
        let offline = caller.publish("reconnect.x").acknowledged().await.unwrap_err();
        assert!(
            offline.to_string().contains("not connected"),
            "round {round}: {offline}"
        );
        assert!(!service.is_joined());
        assert!(
            matches!(service.state(), SessionState::Reconnecting { .. }),
            "round {round}"
        );

        router = tokio::task::spawn_blocking(move || {
            router.restart().expect("restart the router");
            router
        })
        .await
        .unwrap();
        let details = wait_event(&mut events, REJOIN, |e| match e {
            ClientEvent::Joined(details) => Some(details.clone()),
            _ => None,
        })
        .await;
        wait_event(&mut caller_events, REJOIN, |e| {
            matches!(e, ClientEvent::Joined(_)).then_some(())
        })
        .await;
        assert_eq!(service.session_id(), Some(details.session_id), "round {round}");
        assert_ne!(add.id(), 0, "round {round}: the handle follows the new registration");

        // Our own calls work again, through the same handles.
        let sum: i64 = caller
            .call("reconnect.add")
            .args((20, 22))
            .await
            .unwrap()
            .decode()
            .unwrap();
        assert_eq!(sum, 42, "round {round}");
        let gone = caller.call("reconnect.dropped").await.unwrap_err();
        assert_eq!(gone.uri(), Some("wamp.error.no_such_procedure"), "round {round}");

        // An outside autobahn client sees everything again.
        let mut peer = AutobahnSession::new(&router.url(), "realm1")
            .arg("ROUND", &round.to_string())
            .spawn(PEER)
            .expect("start autobahn peer");
        wait_for_line(&mut peer, "subscribed");
        assert_eq!(wait_for_line(&mut peer, "add"), "add 5", "round {round}");
        assert_eq!(
            wait_for_line(&mut peer, "shared"),
            format!("shared {round}"),
            "round {round}"
        );
        wait_for_line(&mut peer, "published");
        assert_eq!(next(&mut received).await.as_deref(), Some(round.to_string().as_str()));
        caller
            .publish("reconnect.from_us")
            .arg(format!("hello {round}"))
            .acknowledged()
            .await
            .unwrap();
        assert_eq!(wait_for_line(&mut peer, "event"), format!("event hello {round}"));
    }

    service.stop(Duration::from_secs(5)).await.unwrap();
    caller.stop(Duration::from_secs(5)).await.unwrap();
    assert!(matches!(service.state(), SessionState::Closed(_)));
    router.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_during_backoff_ends_at_once_and_max_attempts_gives_up() {
    let router = Router::start(RouterConfig::default()).expect("start router");
    let mut slow = ReconnectPolicy::default();
    slow.initial_delay = Duration::from_secs(60);
    slow.max_delay = Duration::from_secs(60);
    let waiting = Client::connect_reconnecting(&config(&router, slow)).await.unwrap();
    let mut limited = fast_policy();
    limited.max_attempts = Some(2);
    let giving_up = Client::connect_reconnecting(&config(&router, limited)).await.unwrap();
    let plain = Client::connect(&config(&router, fast_policy())).await.unwrap();
    let mut events = waiting.events();
    let mut plain_events = plain.events();

    tokio::task::spawn_blocking(move || router.stop()).await.unwrap();

    // A plain client does not reconnect: it is closed for good.
    let reason = tokio::time::timeout(Duration::from_secs(10), plain.closed())
        .await
        .unwrap();
    assert!(!reason.is_empty());
    wait_event(&mut plain_events, Duration::from_secs(5), |e| {
        matches!(e, ClientEvent::Closed { .. }).then_some(())
    })
    .await;

    // Within a 60 s backoff, stop returns at once and nothing reconnects.
    let delay = wait_event(&mut events, Duration::from_secs(10), |e| match e {
        ClientEvent::Reconnecting { delay, .. } => Some(*delay),
        _ => None,
    })
    .await;
    assert!(delay >= Duration::from_secs(50), "{delay:?}");
    let started = Instant::now();
    waiting.stop(Duration::from_secs(5)).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    assert!(
        matches!(waiting.state(), SessionState::Closed(_)),
        "{:?}",
        waiting.state()
    );
    let closed = wait_event(&mut events, Duration::from_secs(1), |e| match e {
        ClientEvent::Closed { reason } => Some(reason.clone()),
        _ => None,
    })
    .await;
    assert!(closed.contains("stopped"), "{closed}");
    let after = waiting.call("reconnect.add").await.unwrap_err();
    assert!(matches!(after, CallError::ConnectionLost(_)), "{after}");

    // Two refused attempts, then the client closes by itself.
    let reason = tokio::time::timeout(Duration::from_secs(20), giving_up.closed())
        .await
        .unwrap();
    assert!(reason.contains("gave up after 2 reconnect attempts"), "{reason}");
}

/// A service started before its router: `Server::start` retries the first
/// connection under the reconnect policy and serves once the router is up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_started_before_its_router_serves_once_the_router_is_up() {
    let port = wamp_testkit::free_port();
    let client = ClientConfig::builder()
        .url(format!("ws://127.0.0.1:{port}/ws"))
        .realm("realm1")
        .connection_timeout(Duration::from_secs(3))
        .reconnect(fast_policy())
        .build()
        .unwrap();
    let mut registry = Registry::new();
    registry.procedure("startup_order.echo", |_ctx: CallContext, payload: Payload| Ok(payload));
    let starting = tokio::spawn(common::start_registry(client, registry));

    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(!starting.is_finished(), "start must wait for the router");
    let router = tokio::task::block_in_place(|| {
        Router::start(RouterConfig::default().fixed_port("default", port)).expect("start router")
    });
    let server = tokio::time::timeout(REJOIN, starting)
        .await
        .expect("the service joins once the router is up")
        .unwrap()
        .expect("the service starts");

    let mut peer = AutobahnSession::new(&router.url(), "realm1")
        .spawn(r#"print("echo", await self.call("startup_order.echo", "up"), flush=True)"#)
        .unwrap();
    assert_eq!(wait_for_line(&mut peer, "echo"), "echo up");
    server.stop().await.unwrap();
}

/// What retrying cannot cure ends the start at once; `max_attempts` bounds
/// the retries of a router that never comes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_connection_gives_up_on_a_missing_realm_at_once_and_after_max_attempts_otherwise() {
    let router = common::router();
    let mut policy = fast_policy();
    policy.initial_delay = Duration::from_secs(10);
    let missing_realm = ClientConfig::builder()
        .url(router.url())
        .realm("no_such_realm_here")
        .reconnect(policy)
        .build()
        .unwrap();
    let began = Instant::now();
    let err = Client::connect_reconnecting(&missing_realm).await.unwrap_err();
    assert!(err.to_string().contains("wamp.error.no_such_realm"), "{err}");
    assert!(
        began.elapsed() < Duration::from_secs(5),
        "no retry: {:?}",
        began.elapsed()
    );

    let mut policy = fast_policy();
    policy.max_attempts = Some(2);
    let dead = ClientConfig::builder()
        .url(format!("ws://127.0.0.1:{}/ws", wamp_testkit::free_port()))
        .realm("realm1")
        .reconnect(policy)
        .build()
        .unwrap();
    let err = tokio::time::timeout(PEER_TIMEOUT, Client::connect_reconnecting(&dead))
        .await
        .expect("gives up after two retries")
        .unwrap_err();
    assert!(
        err.to_string().starts_with("cannot connect to ws://127.0.0.1:"),
        "{err}"
    );
    // A plain connect is one attempt, whatever the policy says.
    let err = Client::connect(&dead).await.unwrap_err();
    assert!(err.to_string().starts_with("cannot connect to"), "{err}");
}

// ---- several routers: failover ----------------------------------------------

fn failover_config(urls: &[String]) -> ClientConfig {
    ClientConfig::builder()
        .urls(urls.iter().cloned())
        .realm("realm1")
        .connection_timeout(Duration::from_secs(3))
        .reconnect(fast_policy())
        .build()
        .unwrap()
}

/// The first router of the list is down at start-up: the service joins
/// through the second, and its session details say so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_whose_first_router_is_down_joins_through_the_second() {
    let second = common::router();
    let dead = format!("ws://127.0.0.1:{}/ws", wamp_testkit::free_port());
    let mut registry = Registry::new();
    registry.procedure("failover_start.echo", |_ctx: CallContext, payload: Payload| Ok(payload));
    let server = common::start_registry(failover_config(&[dead, second.url()]), registry)
        .await
        .unwrap();
    let client = server.clients().default_client().unwrap().clone();
    assert_eq!(client.details().unwrap().router_url, second.url());

    let mut peer = AutobahnSession::new(&second.url(), "realm1")
        .spawn(r#"print("echo", await self.call("failover_start.echo", "via second"), flush=True)"#)
        .unwrap();
    assert_eq!(wait_for_line(&mut peer, "echo"), "echo via second");
    server.stop().await.unwrap();
}

/// The node in use is SIGKILLed while calls are in flight: the service
/// re-registers and re-subscribes on the other node within its backoff, an
/// autobahn-python peer there is answered, and every call in flight on the
/// dead node fails with `ConnectionLost`; none hangs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_moves_to_the_other_router_when_its_node_is_killed_under_load() {
    let first = tokio::task::block_in_place(|| Router::start(RouterConfig::default()).expect("start router"));
    let second = tokio::task::block_in_place(|| Router::start(RouterConfig::default()).expect("start router"));
    let (events_tx, mut events_rx) = mpsc::unbounded_channel::<String>();
    let mut registry = Registry::new();
    registry.procedure("failover.work", |_ctx: CallContext, payload: Payload| async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Ok::<_, ApplicationError>(payload)
    });
    registry.subscriber("failover.note", move |_ctx: EventContext, payload: Payload| {
        let text = payload
            .args
            .first()
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let _ = events_tx.send(text);
    });
    let server = common::start_registry(failover_config(&[first.url(), second.url()]), registry)
        .await
        .unwrap();
    let service = server.clients().default_client().unwrap().clone();
    assert_eq!(service.details().unwrap().router_url, first.url());
    let mut service_events = service.events();

    // Load on the first node: 16 callers, each call in turn, until its
    // client loses the node.
    let caller = Client::connect(&config(&first, ReconnectPolicy::disabled()))
        .await
        .unwrap();
    let load: Vec<_> = (0..16)
        .map(|i| {
            let caller = caller.clone();
            tokio::spawn(async move {
                let (mut answered, mut lost, mut other) = (0u32, 0u32, Vec::new());
                loop {
                    let call = caller.call("failover.work").arg(i);
                    match tokio::time::timeout(Duration::from_secs(15), call.into_future()).await {
                        Err(_) => panic!("a call in flight hung after the node was killed"),
                        Ok(Ok(_)) => answered += 1,
                        Ok(Err(CallError::ConnectionLost(_))) => {
                            lost += 1;
                            if !caller.is_joined() {
                                break;
                            }
                        }
                        Ok(Err(e)) => other.push(e.to_string()),
                    }
                }
                (answered, lost, other)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;

    let killed = Instant::now();
    tokio::task::block_in_place(|| first.kill_node()).unwrap();
    let joined = wait_event(&mut service_events, REJOIN, |event| match event {
        ClientEvent::Joined(details) => Some(details.router_url.clone()),
        _ => None,
    })
    .await;
    let moved_in = killed.elapsed();
    assert_eq!(joined, second.url());
    assert!(moved_in < Duration::from_secs(10), "took {moved_in:?}");

    let (mut answered, mut lost) = (0, 0);
    for task in load {
        let (a, l, other) = task.await.unwrap();
        assert!(
            other.is_empty(),
            "calls failed other than with ConnectionLost: {other:?}"
        );
        answered += a;
        lost += l;
    }
    assert!(answered > 0, "the load ran before the kill");
    assert!(lost >= 1, "the calls in flight at the kill failed with ConnectionLost");

    let mut peer = AutobahnSession::new(&second.url(), "realm1")
        .spawn(
            r#"print("work", await self.call("failover.work", "on second"), flush=True)
await self.publish("failover.note", "noted", options=PublishOptions(acknowledge=True))
print("published", flush=True)"#,
        )
        .unwrap();
    assert_eq!(wait_for_line(&mut peer, "work"), "work on second");
    wait_for_line(&mut peer, "published");
    assert_eq!(next(&mut events_rx).await, "noted");
    eprintln!(
        "FAILOVER moved_in_ms={} answered={answered} lost_in_flight={lost}",
        moved_in.as_millis()
    );
    server.stop().await.unwrap();
}
