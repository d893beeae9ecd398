//! Opening a session: HELLO → WELCOME (or ABORT), with the roles and
//! features this client really implements.

use futures_util::{SinkExt, StreamExt};
use wamp_core::{Dict, Hello, Message, Serializer, Value};

use super::SessionDetails;
use crate::config::ClientConfig;
use crate::error::Error;
use crate::transport::{Connection, Incoming, Outgoing};

fn features(names: &[&str]) -> Value {
    let features: Dict = names
        .iter()
        .map(|name| ((*name).to_owned(), Value::Bool(true)))
        .collect();
    let mut role = Dict::new();
    role.insert("features".into(), Value::Dict(features));
    Value::Dict(role)
}

/// The HELLO details: our roles with the advanced features we implement.
pub(crate) fn hello_details(config: &ClientConfig) -> Dict {
    let mut roles = Dict::new();
    roles.insert(
        "caller".into(),
        features(&[
            "progressive_call_results",
            "call_timeout",
            "call_canceling",
            "caller_identification",
        ]),
    );
    roles.insert(
        "callee".into(),
        features(&[
            "progressive_call_results",
            "call_canceling",
            "caller_identification",
            "pattern_based_registration",
            "shared_registration",
        ]),
    );
    roles.insert(
        "publisher".into(),
        features(&[
            "publisher_exclusion",
            "publisher_identification",
            "subscriber_blackwhite_listing",
        ]),
    );
    roles.insert(
        "subscriber".into(),
        features(&["pattern_based_subscription", "publisher_identification"]),
    );
    let mut details = Dict::new();
    details.insert("roles".into(), Value::Dict(roles));
    details.insert(
        "agent".into(),
        Value::String(concat!("wamp-rs/", env!("CARGO_PKG_VERSION")).into()),
    );
    if let Some(authid) = &config.authid {
        details.insert("authid".into(), Value::String(authid.clone()));
    }
    if let Some(authrole) = &config.authrole {
        details.insert("authrole".into(), Value::String(authrole.clone()));
    }
    details.insert(
        "authmethods".into(),
        Value::List(vec![Value::String("anonymous".into())]),
    );
    details
}

/// Sends HELLO and waits for the router's answer.
pub(crate) async fn join(
    connection: &mut Connection,
    serializer: &dyn Serializer,
    config: &ClientConfig,
) -> Result<SessionDetails, Error> {
    let hello = Message::from(Hello {
        realm: config.realm.clone(),
        details: hello_details(config),
    });
    let frame = serializer
        .encode(&hello)
        .map_err(|e| Error::Protocol(format!("cannot encode HELLO: {e}")))?;
    let lost = |e: crate::transport::TransportError| Error::ConnectionLost(e.to_string());
    connection.sink.send(Outgoing::Frame(frame)).await.map_err(lost)?;

    let frame = loop {
        match connection.stream.next().await {
            Some(Ok(Incoming::Frame(frame))) => break frame,
            Some(Ok(Incoming::Pong)) => {}
            Some(Err(e)) => return Err(lost(e)),
            None => {
                return Err(Error::ConnectionLost(
                    "the router closed the connection before answering HELLO".into(),
                ));
            }
        }
    };
    match serializer.decode(&frame) {
        Ok(Message::Welcome(welcome)) => Ok(SessionDetails::from_welcome(
            welcome.session,
            config.realm.clone(),
            welcome.details,
        )),
        Ok(Message::Abort(abort)) => Err(Error::JoinRefused {
            realm: config.realm.clone(),
            message: abort.details.get("message").and_then(Value::as_str).map(str::to_owned),
            reason: abort.reason,
        }),
        Ok(Message::Challenge(challenge)) => Err(Error::JoinRefused {
            realm: config.realm.clone(),
            reason: "wamp.error.no_auth_method".into(),
            message: Some(format!(
                "the router asked for {:?} authentication, which this client is not configured for",
                challenge.auth_method
            )),
        }),
        Ok(other) => Err(Error::Protocol(format!(
            "expected WELCOME or ABORT in answer to HELLO, got {}",
            other.message_type()
        ))),
        Err(e) => Err(Error::Protocol(format!("cannot decode the answer to HELLO: {e}"))),
    }
}
