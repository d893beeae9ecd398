//! Opening a session: HELLO → WELCOME (or ABORT), with the roles and
//! features this client really implements, and at most one CHALLENGE →
//! AUTHENTICATE in between, answered by the configured [`Authenticator`].

use futures_util::{SinkExt, StreamExt};
use wamp_protocol::{Abort, Dict, Hello, Message, Serializer, Value, reserved};

use super::SessionDetails;
use crate::auth::{Authenticator, ChallengeError};
use crate::config::{AuthMethod, ClientConfig};
use crate::error::Error;
use crate::transport::{Connection, Incoming, Outgoing};

/// ABORT reasons that mean "these credentials were refused" when they answer
/// a HELLO that offered credentials (Crossbar refuses an unknown authid
/// before challenging).
const AUTHENTICATION_REASONS: [&str; 4] = [
    reserved::NOT_AUTHORIZED,
    reserved::AUTHENTICATION_FAILED,
    reserved::NO_AUTH_METHOD,
    reserved::NO_SUCH_PRINCIPAL,
];

fn features(names: &[&str]) -> Value {
    let features: Dict = names
        .iter()
        .map(|name| ((*name).to_owned(), Value::Bool(true)))
        .collect();
    let mut role = Dict::new();
    role.insert("features".into(), Value::Dict(features));
    Value::Dict(role)
}

/// The HELLO details: our roles with the advanced features we implement,
/// the identity asked for, and what `authenticator` offers.
pub(crate) fn hello_details(config: &ClientConfig, authenticator: &Authenticator) -> Dict {
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
            "registration_revocation",
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
        features(&[
            "pattern_based_subscription",
            "publisher_identification",
            "subscription_revocation",
        ]),
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
    authenticator.add_hello_details(&mut details, &config.authextra);
    details
}

/// Sends HELLO, answers the router's CHALLENGE if it sends one, and waits
/// for WELCOME.
///
/// # Errors
/// [`Error::Config`] when the credentials are incomplete (checked before
/// HELLO is sent), [`Error::AuthenticationFailed`] when the router refuses
/// them, [`Error::JoinRefused`] for another ABORT, [`Error::Protocol`] for a
/// CHALLENGE we cannot answer (another method than the one offered, a
/// malformed one, a second one) or any other unexpected message.
pub(crate) async fn join(
    connection: &mut Connection,
    serializer: &dyn Serializer,
    config: &ClientConfig,
) -> Result<SessionDetails, Error> {
    let authenticator = Authenticator::new(&config.auth)?;
    let hello = Message::from(Hello {
        realm: config.realm.clone(),
        details: hello_details(config, &authenticator),
    });
    send(connection, serializer, &hello, "HELLO").await?;

    // The method of the CHALLENGE we answered, if any.
    let mut answered: Option<String> = None;
    loop {
        let answering = if answered.is_some() { "AUTHENTICATE" } else { "HELLO" };
        let frame = loop {
            match connection.stream.next().await {
                Some(Ok(Incoming::Frame(frame))) => break frame,
                Some(Ok(Incoming::Pong)) => {}
                Some(Err(e)) => return Err(Error::ConnectionLost(e.to_string())),
                None => {
                    return Err(Error::ConnectionLost(format!(
                        "the router closed the connection before answering {answering}"
                    )));
                }
            }
        };
        let message = serializer
            .decode(&frame)
            .map_err(|e| Error::Protocol(format!("cannot decode the answer to {answering}: {e}")))?;
        match message {
            Message::Welcome(welcome) => {
                return Ok(SessionDetails::from_welcome(
                    welcome.session,
                    config.realm.clone(),
                    welcome.details,
                ));
            }
            Message::Abort(abort) => return Err(refusal(abort, config, &authenticator, answered)),
            Message::Challenge(challenge) => {
                if let Some(first) = &answered {
                    return Err(Error::Protocol(format!(
                        "a second CHALLENGE (for {:?}) after the {first} CHALLENGE was answered",
                        challenge.auth_method
                    )));
                }
                tracing::debug!(authmethod = %challenge.auth_method, "answering CHALLENGE");
                // Both kinds of ChallengeError are the router's fault.
                let authenticate = authenticator
                    .answer(&challenge)
                    .map_err(|e: ChallengeError| Error::Protocol(e.to_string()))?;
                send(connection, serializer, &Message::from(authenticate), "AUTHENTICATE").await?;
                answered = Some(challenge.auth_method);
            }
            other => {
                let expected = if answered.is_some() {
                    "WELCOME or ABORT"
                } else {
                    "WELCOME, ABORT or CHALLENGE"
                };
                return Err(Error::Protocol(format!(
                    "expected {expected} in answer to {answering}, got {}",
                    other.message_type()
                )));
            }
        }
    }
}

async fn send(
    connection: &mut Connection,
    serializer: &dyn Serializer,
    message: &Message,
    name: &str,
) -> Result<(), Error> {
    let frame = serializer
        .encode(message)
        .map_err(|e| Error::Protocol(format!("cannot encode {name}: {e}")))?;
    connection
        .sink
        .send(Outgoing::Frame(frame))
        .await
        .map_err(|e| Error::ConnectionLost(e.to_string()))
}

/// The error for an ABORT: a failed authentication after AUTHENTICATE, or
/// when the reason says the offered credentials were refused; otherwise
/// (also for every refusal of an anonymous client) a refusal to join, e.g.
/// `wamp.error.no_such_realm`.
fn refusal(abort: Abort, config: &ClientConfig, authenticator: &Authenticator, answered: Option<String>) -> Error {
    let message = abort.details.get("message").and_then(Value::as_str).map(str::to_owned);
    let method = match answered {
        Some(method) => Some(method),
        // An anonymous client has no credentials to refuse: that is a
        // refusal to join, as before authentication existed.
        None => (authenticator.method() != AuthMethod::Anonymous
            && AUTHENTICATION_REASONS.contains(&abort.reason.as_str()))
        .then(|| authenticator.method().as_str().to_owned()),
    };
    match method {
        Some(method) => Error::AuthenticationFailed {
            method,
            reason: abort.reason,
            message,
        },
        None => Error::JoinRefused {
            realm: config.realm.clone(),
            reason: abort.reason,
            message,
        },
    }
}
