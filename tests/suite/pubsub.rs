//! Publish and subscribe against a real Crossbar router.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use crate::common;

use std::time::Duration;

use common::{assert_nothing, connect, connect_to, next, router, unique};
use tokio::sync::mpsc;
use wamp_runtime::{ApplicationError, EventContext, MatchPolicy, Payload, PeerIdentity, SubscribeOptions, Value};

type Seen = (String, Option<PeerIdentity>, Payload, u64);

/// Subscribes and forwards each event (topic, publisher, payload, publication id) to a channel.
async fn listen(
    client: &wamp_runtime::Client,
    topic: &str,
    policy: MatchPolicy,
) -> (wamp_runtime::Subscription, mpsc::UnboundedReceiver<Seen>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let subscription = client
        .subscribe(
            topic,
            move |ctx: EventContext, payload: Payload| {
                let _ = tx.send((
                    ctx.topic().to_owned(),
                    ctx.publisher().cloned(),
                    payload,
                    ctx.publication_id(),
                ));
            },
            SubscribeOptions::default().match_policy(policy),
        )
        .await
        .unwrap();
    (subscription, rx)
}

#[tokio::test]
async fn events_carry_args_kwargs_and_the_publication_id() {
    let subscriber = connect().await;
    let publisher = connect().await;
    let topic = unique("ps.basic");
    let (_sub, mut events) = listen(&subscriber, &topic, MatchPolicy::Exact).await;

    let publication = publisher
        .publish(&topic)
        .arg("hello")
        .arg("world")
        .kwarg("another", "argument")
        .kwarg("blob", Value::Bytes(vec![0, 159, 146, 150]))
        .acknowledged()
        .await
        .unwrap();
    let (seen_topic, publisher_identity, payload, seen_publication) = next(&mut events).await;
    assert_eq!(seen_topic, topic);
    assert_eq!(seen_publication, publication);
    assert_eq!(publisher_identity, None);
    assert_eq!(payload.args, vec![Value::from("hello"), Value::from("world")]);
    assert_eq!(payload.kwargs["another"], Value::from("argument"));
    assert_eq!(payload.kwargs["blob"], Value::Bytes(vec![0, 159, 146, 150]));

    // Unacknowledged publications arrive too, in order, with async handlers as well.
    let (tx, mut ordered) = mpsc::unbounded_channel();
    let ordered_topic = unique("ps.ordered");
    subscriber
        .subscribe(
            &ordered_topic,
            move |_ctx: EventContext, payload: Payload| {
                let tx = tx.clone();
                async move {
                    tokio::task::yield_now().await;
                    let _ = tx.send(payload.args[0].as_i64().unwrap());
                }
            },
            SubscribeOptions::default(),
        )
        .await
        .unwrap();
    for n in 0..50 {
        publisher.publish(&ordered_topic).arg(n).await.unwrap();
    }
    for n in 0..50 {
        assert_eq!(next(&mut ordered).await, n);
    }
}

#[tokio::test]
async fn a_refused_acknowledged_publish_is_an_error_not_silence() {
    let restricted = connect_to(&router().transport_url("restricted")).await;
    let error = restricted
        .publish("public.news")
        .arg("not allowed")
        .acknowledged()
        .await
        .unwrap_err();
    assert_eq!(error.uri(), Some(ApplicationError::NOT_AUTHORIZED), "{error}");
    // The same role may subscribe under public.
    let (_sub, _events) = listen(&restricted, "public.news", MatchPolicy::Exact).await;
}

#[tokio::test]
async fn exclude_me_false_delivers_to_the_publisher_itself() {
    let client = connect().await;
    let topic = unique("ps.self");
    let (_sub, mut events) = listen(&client, &topic, MatchPolicy::Exact).await;
    // A timeout does not change an answered publication.
    client
        .publish(&topic)
        .arg(1)
        .acknowledged()
        .timeout(Duration::from_secs(10))
        .await
        .unwrap();
    assert_nothing(&mut events).await;
    client
        .publish(&topic)
        .arg(2)
        .exclude_me(false)
        .acknowledged()
        .await
        .unwrap();
    assert_eq!(next(&mut events).await.2.args, vec![Value::Integer(2)]);
}

#[tokio::test]
async fn exclude_and_eligible_pick_receivers_by_session_and_authid() {
    let publisher = connect().await;
    let a = connect().await;
    let b = connect().await;
    let topic = unique("ps.lists");
    let (_sa, mut at_a) = listen(&a, &topic, MatchPolicy::Exact).await;
    let (_sb, mut at_b) = listen(&b, &topic, MatchPolicy::Exact).await;
    let a_id = a.session_id().unwrap();
    let b_id = b.session_id().unwrap();

    publisher
        .publish(&topic)
        .arg("exclude a")
        .exclude([a_id])
        .acknowledged()
        .await
        .unwrap();
    assert_eq!(next(&mut at_b).await.2.args[0], Value::from("exclude a"));
    assert_nothing(&mut at_a).await;

    publisher
        .publish(&topic)
        .arg("only b")
        .eligible([b_id])
        .acknowledged()
        .await
        .unwrap();
    assert_eq!(next(&mut at_b).await.2.args[0], Value::from("only b"));
    assert_nothing(&mut at_a).await;

    let a_authid = a.details().unwrap().authid.clone().unwrap();
    publisher
        .publish(&topic)
        .arg("not a by authid")
        .exclude_authid([a_authid.clone()])
        .acknowledged()
        .await
        .unwrap();
    assert_eq!(next(&mut at_b).await.2.args[0], Value::from("not a by authid"));
    assert_nothing(&mut at_a).await;

    publisher
        .publish(&topic)
        .arg("only a by authid")
        .eligible_authid([a_authid])
        .acknowledged()
        .await
        .unwrap();
    assert_eq!(next(&mut at_a).await.2.args[0], Value::from("only a by authid"));
    assert_nothing(&mut at_b).await;
}

#[tokio::test]
async fn prefix_and_wildcard_subscriptions_see_the_concrete_topic() {
    let subscriber = connect().await;
    let publisher = connect().await;
    let base = unique("ps.pattern");
    let (_p, mut by_prefix) = listen(&subscriber, &base, MatchPolicy::Prefix).await;
    // Crossbar's prefix match is a plain string prefix: keep the bases apart.
    let wild_base = unique("ps.wild");
    let wildcard = format!("{wild_base}..changed");
    let (_w, mut by_wildcard) = listen(&subscriber, &wildcard, MatchPolicy::Wildcard).await;

    let concrete = format!("{base}.orders.created");
    publisher.publish(&concrete).acknowledged().await.unwrap();
    assert_eq!(next(&mut by_prefix).await.0, concrete);

    let concrete = format!("{wild_base}.price.changed");
    publisher.publish(&concrete).acknowledged().await.unwrap();
    assert_eq!(next(&mut by_wildcard).await.0, concrete);
    assert_nothing(&mut by_prefix).await;
}

/// Crossbar discloses publishers by role permission (under `disclosed.` on
/// the test router); `disclose_me` is sent for routers that honour it.
#[tokio::test]
async fn a_disclosed_publisher_is_visible_to_subscribers() {
    let subscriber = connect().await;
    let publisher = connect().await;
    let topic = unique("disclosed.ps");
    let (_sub, mut events) = listen(&subscriber, &topic, MatchPolicy::Exact).await;
    publisher
        .publish(&topic)
        .disclose_me(true)
        .acknowledged()
        .await
        .unwrap();
    let identity = next(&mut events).await.1.expect("publisher disclosed");
    assert_eq!(identity.session, publisher.session_id());
    assert_eq!(identity.authrole.as_deref(), Some("anonymous"));
}

#[tokio::test]
async fn unsubscribe_stops_delivery_but_other_local_handlers_keep_theirs() {
    let subscriber = connect().await;
    let publisher = connect().await;
    let topic = unique("ps.unsub");
    let (first, mut at_first) = listen(&subscriber, &topic, MatchPolicy::Exact).await;
    let (second, mut at_second) = listen(&subscriber, &topic, MatchPolicy::Exact).await;
    assert_eq!(
        first.id(),
        second.id(),
        "one router subscription shared by both handlers"
    );

    publisher.publish(&topic).arg(1).acknowledged().await.unwrap();
    next(&mut at_first).await;
    next(&mut at_second).await;

    first.unsubscribe().await.unwrap();
    publisher.publish(&topic).arg(2).acknowledged().await.unwrap();
    assert_eq!(next(&mut at_second).await.2.args, vec![Value::Integer(2)]);
    assert_nothing(&mut at_first).await;

    second.unsubscribe().await.unwrap();
    publisher.publish(&topic).arg(3).acknowledged().await.unwrap();
    assert_nothing(&mut at_second).await;
}

/// Crossbar writes events to a subscriber in bursts of thousands (whatever
/// piled up while it read the publisher). A handler that keeps up must get
/// every one of them with the default `event_queue` (1024): the session
/// lets the handler's task run while it works through a burst instead of
/// filling its queue in one go.
#[tokio::test]
async fn a_fast_subscriber_gets_every_event_of_a_burst_larger_than_its_queue() {
    const EVENTS: u64 = 20_000;
    let subscriber = connect().await;
    let publisher = connect().await;
    let topic = unique("ps.burst");
    let (seen, mut counted) = mpsc::unbounded_channel();
    let _subscription = subscriber
        .subscribe(
            &topic,
            move |ctx: EventContext, payload: Payload| {
                let _ = seen.send((payload.args[0].as_u64(), ctx.dropped_events()));
            },
            SubscribeOptions::default(),
        )
        .await
        .unwrap();
    for n in 0..EVENTS {
        publisher.publish(&topic).arg(n).await.unwrap();
    }
    let mut expected = 0;
    while expected < EVENTS {
        let (n, dropped) = tokio::time::timeout(Duration::from_secs(60), counted.recv())
            .await
            .unwrap_or_else(|_| panic!("event {expected} of {EVENTS} never came"))
            .unwrap();
        assert_eq!((n, dropped), (Some(expected), 0), "events lost before this one");
        expected += 1;
    }
}
