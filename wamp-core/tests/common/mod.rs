//! Shared proptest strategies.
#![allow(dead_code, unreachable_pub)]

use proptest::prelude::*;
use proptest::strategy::Union;
use wamp_protocol::*;

/// Strings that survive JSON (no leading NUL, which marks binary).
pub fn json_string() -> impl Strategy<Value = String> {
    any::<String>().prop_filter("leading NUL marks binary in JSON", |s| !s.starts_with('\0'))
}

pub fn finite_f64() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("finite", |f| f.is_finite())
}

pub fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Integer),
        ((i64::MAX as u64 + 1)..=u64::MAX).prop_map(Value::UnsignedInteger),
        finite_f64().prop_map(Value::Float),
        prop_oneof![Just(1.0), Just(-0.5), Just(1e300), Just(0.0)].prop_map(Value::Float),
        json_string().prop_map(Value::String),
        proptest::collection::vec(any::<u8>(), 0..24).prop_map(Value::Bytes),
    ]
}

pub fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::List),
            proptest::collection::btree_map(any::<String>(), inner, 0..6).prop_map(Value::Dict),
        ]
    })
}

pub fn dict() -> impl Strategy<Value = Dict> {
    proptest::collection::btree_map(any::<String>(), value(), 0..4)
}

pub fn list() -> impl Strategy<Value = List> {
    proptest::collection::vec(value(), 0..4)
}

pub fn payload() -> impl Strategy<Value = Payload> {
    (list(), dict()).prop_map(|(args, kwargs)| Payload { args, kwargs })
}

pub fn id() -> impl Strategy<Value = Id> {
    prop_oneof![Just(0), Just(1), Just(MAX_ID), 0..=MAX_ID]
}

pub fn message_type() -> impl Strategy<Value = MessageType> {
    proptest::sample::select(MessageType::ALL.to_vec())
}

pub fn message() -> impl Strategy<Value = Message> {
    let s = json_string;
    let arms: Vec<BoxedStrategy<Message>> = vec![
        (s(), dict())
            .prop_map(|(realm, details)| Hello { realm, details }.into())
            .boxed(),
        (id(), dict())
            .prop_map(|(session, details)| Welcome { session, details }.into())
            .boxed(),
        (dict(), s())
            .prop_map(|(details, reason)| Abort { details, reason }.into())
            .boxed(),
        (s(), dict())
            .prop_map(|(auth_method, extra)| Challenge { auth_method, extra }.into())
            .boxed(),
        (s(), dict())
            .prop_map(|(signature, extra)| Authenticate { signature, extra }.into())
            .boxed(),
        (dict(), s())
            .prop_map(|(details, reason)| Goodbye { details, reason }.into())
            .boxed(),
        (message_type(), id(), dict(), s(), payload())
            .prop_map(|(request_type, request, details, error, payload)| {
                ErrorMessage {
                    request_type,
                    request,
                    details,
                    error,
                    payload,
                }
                .into()
            })
            .boxed(),
        (id(), dict(), s(), payload())
            .prop_map(|(request, options, topic, payload)| {
                Publish {
                    request,
                    options,
                    topic,
                    payload,
                }
                .into()
            })
            .boxed(),
        (id(), id())
            .prop_map(|(request, publication)| Published { request, publication }.into())
            .boxed(),
        (id(), dict(), s())
            .prop_map(|(request, options, topic)| {
                Subscribe {
                    request,
                    options,
                    topic,
                }
                .into()
            })
            .boxed(),
        (id(), id())
            .prop_map(|(request, subscription)| Subscribed { request, subscription }.into())
            .boxed(),
        (id(), id())
            .prop_map(|(request, subscription)| Unsubscribe { request, subscription }.into())
            .boxed(),
        (id(), dict())
            .prop_map(|(request, details)| Unsubscribed { request, details }.into())
            .boxed(),
        (id(), id(), dict(), payload())
            .prop_map(|(subscription, publication, details, payload)| {
                Event {
                    subscription,
                    publication,
                    details,
                    payload,
                }
                .into()
            })
            .boxed(),
        (id(), dict(), s(), payload())
            .prop_map(|(request, options, procedure, payload)| {
                Call {
                    request,
                    options,
                    procedure,
                    payload,
                }
                .into()
            })
            .boxed(),
        (id(), dict())
            .prop_map(|(request, options)| Cancel { request, options }.into())
            .boxed(),
        (id(), dict(), payload())
            .prop_map(|(request, details, payload)| {
                CallResult {
                    request,
                    details: details.into(),
                    payload,
                }
                .into()
            })
            .boxed(),
        (id(), dict(), s())
            .prop_map(|(request, options, procedure)| {
                Register {
                    request,
                    options,
                    procedure,
                }
                .into()
            })
            .boxed(),
        (id(), id())
            .prop_map(|(request, registration)| Registered { request, registration }.into())
            .boxed(),
        (id(), id())
            .prop_map(|(request, registration)| Unregister { request, registration }.into())
            .boxed(),
        (id(), dict())
            .prop_map(|(request, details)| Unregistered { request, details }.into())
            .boxed(),
        (id(), id(), dict(), payload())
            .prop_map(|(request, registration, details, payload)| {
                Invocation {
                    request,
                    registration,
                    details,
                    payload,
                }
                .into()
            })
            .boxed(),
        (id(), dict())
            .prop_map(|(request, options)| Interrupt { request, options }.into())
            .boxed(),
        (id(), dict(), payload())
            .prop_map(|(request, options, payload)| {
                Yield {
                    request,
                    options,
                    payload,
                }
                .into()
            })
            .boxed(),
    ];
    Union::new(arms)
}
