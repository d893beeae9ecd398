//! Authentication against a real Crossbar router: ticket, WAMP-CRA (plain
//! and salted) and cryptosign with static credentials, each with the right
//! identity and with wrong credentials; then what a router that breaks the
//! authentication protocol gets (a scripted fake router).
//!
//! One router serves the whole file: a transport per method, the
//! cryptosign key generated here at start.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::json;
use tokio::sync::mpsc;
use wamp_runtime::config::{AuthConfig, AuthMethod};
use wamp_runtime::{Client, ClientConfig, Dict, Error, Value};
use wamp_testkit::{Router, RouterConfig, permission};

const TICKET: &str = "s3cr3t";
const CRA_SECRET: &str = "cr4-s3cr3t";
const SALTED_SECRET: &str = "s4lted-s3cr3t";

struct Fixture {
    router: Router,
    /// The cryptosign private key (hex seed) authorized for `carol`.
    private_key: String,
}

/// The router for this file: role `user` in `realm1`, and the transports
/// `ticket`, `wampcra`, `wampcra_salted` and `cryptosign`.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let private_key = hex_encode(&rand::random::<[u8; 32]>());
        let public_key = AuthConfig::new(AuthMethod::Cryptosign, private_key.as_str())
            .cryptosign_public_key()
            .unwrap();
        let config = RouterConfig::new()
            .role(
                "realm1",
                "user",
                json!([permission("", "prefix", &["call", "register", "publish", "subscribe"])]),
            )
            .websocket_transport(
                "ticket",
                json!({"ticket": {"type": "static", "principals": {
                    "alice": {"ticket": TICKET, "role": "user"}}}}),
            )
            .websocket_transport(
                "wampcra",
                json!({"wampcra": {"type": "static", "users": {
                    "peter": {"secret": CRA_SECRET, "role": "user"}}}}),
            )
            .websocket_transport(
                "wampcra_salted",
                json!({"wampcra": {"type": "static", "users": {
                    "paula": {"secret": SALTED_SECRET, "role": "user",
                              "salt": "salt123", "iterations": 1000, "keylen": 32}}}}),
            )
            .websocket_transport(
                "cryptosign",
                json!({"cryptosign": {"type": "static", "principals": {
                    "carol": {"realm": "realm1", "role": "user", "authorized_keys": [public_key]}}}}),
            );
        let router = Router::start(config).unwrap();
        Fixture { router, private_key }
    })
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn config(transport: &str, authid: Option<&str>, method: AuthMethod, secret: &str) -> ClientConfig {
    let mut builder = ClientConfig::builder()
        .url(fixture().router.transport_url(transport))
        .realm("realm1")
        .authmethod(method)
        .secret(secret);
    if let Some(authid) = authid {
        builder = builder.authid(authid);
    }
    builder.build().unwrap()
}

/// Joins, checks the identity the router assigned, and leaves.
async fn joins_as(config: &ClientConfig, authid: &str, authmethod: &str) {
    let client = Client::connect(config).await.unwrap();
    let details = client.details().unwrap();
    assert_eq!(details.authid.as_deref(), Some(authid));
    assert_eq!(details.authrole.as_deref(), Some("user"));
    assert_eq!(details.authmethod.as_deref(), Some(authmethod));
    client.leave().await.unwrap();
}

/// The error of a connect that must fail.
async fn refused(config: &ClientConfig) -> Error {
    match Client::connect(config).await {
        Ok(_) => panic!("the router accepted {config:?}"),
        Err(error) => error,
    }
}

fn assert_authentication_failed(error: &Error, expected_method: &str, expected_reason: &str, message_part: &str) {
    match error {
        Error::AuthenticationFailed {
            method,
            reason,
            message,
        } => {
            assert_eq!(method, expected_method, "{error}");
            assert_eq!(reason, expected_reason, "{error}");
            let message = message.as_deref().unwrap_or_default();
            assert!(message.contains(message_part), "{error}");
        }
        other => panic!("expected AuthenticationFailed, got {other:?}"),
    }
}

// ---- against Crossbar ----------------------------------------------------

#[tokio::test]
async fn ticket_joins_with_the_principals_identity() {
    joins_as(
        &config("ticket", Some("alice"), AuthMethod::Ticket, TICKET),
        "alice",
        "ticket",
    )
    .await;
}

#[tokio::test]
async fn a_wrong_ticket_fails_naming_the_method_and_the_routers_reason() {
    let error = refused(&config("ticket", Some("alice"), AuthMethod::Ticket, "wrong")).await;
    assert_eq!(
        error.to_string(),
        "authentication with ticket failed: wamp.error.not_authorized \
         (ticket in static WAMP-Ticket authentication is invalid)"
    );
    assert!(!format!("{error:?}").contains(TICKET));
}

/// Refused credentials end a reconnecting client's start-up at once: the
/// first connection is retried only for errors another attempt can cure.
#[tokio::test]
async fn refused_credentials_are_not_retried_at_start_up() {
    let mut config = config("ticket", Some("alice"), AuthMethod::Ticket, "wrong");
    config.reconnect.initial_delay = std::time::Duration::from_secs(10);
    let began = std::time::Instant::now();
    let error = match Client::connect_reconnecting(&config).await {
        Ok(_) => panic!("the router accepted a wrong ticket"),
        Err(error) => error,
    };
    assert_authentication_failed(&error, "ticket", "wamp.error.not_authorized", "invalid");
    assert!(
        began.elapsed() < std::time::Duration::from_secs(5),
        "retried: {:?}",
        began.elapsed()
    );
}

#[tokio::test]
async fn an_unknown_authid_fails() {
    let error = refused(&config("ticket", Some("mallory"), AuthMethod::Ticket, TICKET)).await;
    assert_authentication_failed(&error, "ticket", "wamp.error.not_authorized", "mallory");
}

#[tokio::test]
async fn anonymous_on_a_ticket_only_transport_gets_no_auth_method() {
    let config = ClientConfig::new(fixture().router.transport_url("ticket"), "realm1").unwrap();
    match refused(&config).await {
        Error::JoinRefused { reason, .. } => assert_eq!(reason, "wamp.error.no_auth_method"),
        other => panic!("expected JoinRefused, got {other:?}"),
    }
}

#[tokio::test]
async fn wampcra_joins_with_the_users_identity() {
    joins_as(
        &config("wampcra", Some("peter"), AuthMethod::WampCra, CRA_SECRET),
        "peter",
        "wampcra",
    )
    .await;
}

#[tokio::test]
async fn a_wrong_wampcra_secret_fails_with_the_routers_reason() {
    let error = refused(&config("wampcra", Some("peter"), AuthMethod::WampCra, "wrong")).await;
    assert_authentication_failed(
        &error,
        "wampcra",
        "wamp.error.not_authorized",
        "WAMP-CRA client signature is invalid",
    );
}

#[tokio::test]
async fn salted_wampcra_joins_deriving_the_key_from_the_challenge() {
    joins_as(
        &config("wampcra_salted", Some("paula"), AuthMethod::WampCra, SALTED_SECRET),
        "paula",
        "wampcra",
    )
    .await;
}

#[tokio::test]
async fn a_wrong_salted_wampcra_secret_fails() {
    let error = refused(&config("wampcra_salted", Some("paula"), AuthMethod::WampCra, "wrong")).await;
    assert_authentication_failed(
        &error,
        "wampcra",
        "wamp.error.not_authorized",
        "WAMP-CRA client signature is invalid",
    );
}

#[tokio::test]
async fn cryptosign_joins_with_a_key_generated_in_the_test() {
    let key = &fixture().private_key;
    joins_as(
        &config("cryptosign", Some("carol"), AuthMethod::Cryptosign, key),
        "carol",
        "cryptosign",
    )
    .await;
}

#[tokio::test]
async fn cryptosign_without_an_authid_lets_the_router_infer_it_and_keeps_other_authextra() {
    let mut authextra = Dict::new();
    authextra.insert("team".into(), Value::String("blue".into()));
    let mut config = config("cryptosign", None, AuthMethod::Cryptosign, &fixture().private_key);
    config.authextra = authextra;
    joins_as(&config, "carol", "cryptosign").await;
}

#[tokio::test]
async fn an_unauthorized_cryptosign_key_fails() {
    let other_key = hex_encode(&rand::random::<[u8; 32]>());
    let error = refused(&config("cryptosign", Some("carol"), AuthMethod::Cryptosign, &other_key)).await;
    match &error {
        Error::AuthenticationFailed { method, reason, .. } => {
            assert_eq!(method, "cryptosign", "{error}");
            assert_eq!(reason, "wamp.error.not_authorized", "{error}");
        }
        other => panic!("expected AuthenticationFailed, got {other:?}"),
    }
    assert!(
        error.to_string().starts_with("authentication with cryptosign failed: "),
        "{error}"
    );
}

#[tokio::test]
async fn the_secret_can_come_from_wamp_secret() {
    let mut config = wamp_runtime::Config::from_yaml_str(&format!(
        "url: {}\nauthid: alice\nauth: {{method: ticket}}\n",
        fixture().router.transport_url("ticket")
    ))
    .unwrap();
    config
        .apply_overrides_from(|var| (var == "WAMP_SECRET").then(|| TICKET.to_owned()))
        .unwrap();
    joins_as(config.default_client().unwrap(), "alice", "ticket").await;
}

#[tokio::test]
async fn a_method_without_a_secret_fails_before_hello() {
    let mut config = ClientConfig::new(fixture().router.transport_url("ticket"), "realm1").unwrap();
    config.auth.method = AuthMethod::Ticket;
    let error = refused(&config).await;
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    assert!(error.to_string().contains("WAMP_SECRET"), "{error}");
}

// ---- a router that breaks the protocol ------------------------------------

/// The testkit's fake router, reading every frame the client sends.
async fn fake_router(script: Vec<String>) -> (String, mpsc::UnboundedReceiver<serde_json::Value>) {
    wamp_testkit::fake_router::scripted(script, true).await
}

fn fake_config(url: &str, method: AuthMethod, secret: &str) -> ClientConfig {
    ClientConfig::builder()
        .url(url)
        .realm("realm1")
        .authid("alice")
        .authrole("user")
        .authmethod(method)
        .secret(secret)
        .connection_timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

const WELCOME: &str = r#"[2, 12345, {"roles": {"dealer": {}, "broker": {}}, "authid": "alice", "authrole": "user", "authmethod": "ticket"}]"#;

#[tokio::test]
async fn hello_offers_the_method_with_identity_and_authextra_and_authenticate_carries_the_ticket() {
    let (url, mut received) = fake_router(vec![r#"[4, "ticket", {}]"#.into(), WELCOME.into()]).await;
    let mut config = fake_config(&url, AuthMethod::Ticket, TICKET);
    config.authextra.insert("team".into(), Value::String("blue".into()));
    let client = Client::connect(&config).await.unwrap();
    assert_eq!(client.details().unwrap().authid.as_deref(), Some("alice"));

    let hello = received.recv().await.unwrap();
    assert_eq!(hello[0], 1);
    assert_eq!(hello[1], "realm1");
    let details = &hello[2];
    assert_eq!(details["authmethods"], json!(["ticket"]));
    assert_eq!(details["authid"], "alice");
    assert_eq!(details["authrole"], "user");
    assert_eq!(details["authextra"], json!({"team": "blue"}));
    let authenticate = received.recv().await.unwrap();
    assert_eq!(authenticate, json!([5, TICKET, {}]));
}

#[tokio::test]
async fn cryptosign_hello_carries_the_public_key() {
    // RFC 8032, test 1.
    let seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    let (url, mut received) = fake_router(vec![r#"[3, {}, "wamp.error.not_authorized"]"#.into()]).await;
    let error = refused(&fake_config(&url, AuthMethod::Cryptosign, seed)).await;
    assert!(matches!(error, Error::AuthenticationFailed { .. }), "{error:?}");
    let hello = received.recv().await.unwrap();
    assert_eq!(hello[2]["authmethods"], json!(["cryptosign"]));
    assert_eq!(
        hello[2]["authextra"],
        json!({"pubkey": "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"})
    );
}

#[tokio::test]
async fn a_second_challenge_is_a_protocol_error() {
    let challenge = r#"[4, "ticket", {}]"#.to_owned();
    let (url, _received) = fake_router(vec![challenge.clone(), challenge]).await;
    let error = refused(&fake_config(&url, AuthMethod::Ticket, TICKET)).await;
    assert!(matches!(error, Error::Protocol(_)), "{error:?}");
    assert!(error.to_string().contains("a second CHALLENGE"), "{error}");
}

#[tokio::test]
async fn a_challenge_for_a_method_not_offered_is_a_protocol_error() {
    let (url, _received) = fake_router(vec![r#"[4, "wampcra", {"challenge": "x"}]"#.into()]).await;
    let error = refused(&fake_config(&url, AuthMethod::Ticket, TICKET)).await;
    assert_eq!(
        error.to_string(),
        "protocol violation by the router: the router sent a CHALLENGE for \"wampcra\" authentication, \
         but HELLO offered only ticket"
    );
}

#[tokio::test]
async fn a_malformed_challenge_is_a_protocol_error() {
    let script = vec![r#"[4, "wampcra", {"challenge": "x", "salt": "s", "iterations": 1000}]"#.into()];
    let (url, _received) = fake_router(script).await;
    let error = refused(&fake_config(&url, AuthMethod::WampCra, CRA_SECRET)).await;
    assert_eq!(
        error.to_string(),
        "protocol violation by the router: malformed wampcra CHALLENGE: \
         \"keylen\" must be an integer from 1 to 1024 for a salted secret"
    );
    let (url, _received) = fake_router(vec![r#"[4, "cryptosign", {"challenge": "abcd"}]"#.into()]).await;
    let seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    let error = refused(&fake_config(&url, AuthMethod::Cryptosign, seed)).await;
    assert!(
        error.to_string().contains("\"challenge\" must be 64 hex characters"),
        "{error}"
    );
}

#[tokio::test]
async fn an_abort_after_authenticate_names_the_challenged_method() {
    let script = vec![
        r#"[4, "ticket", {}]"#.into(),
        r#"[3, {"message": "nope"}, "wamp.error.authentication_denied"]"#.into(),
    ];
    let (url, _received) = fake_router(script).await;
    let error = refused(&fake_config(&url, AuthMethod::Ticket, TICKET)).await;
    assert_eq!(
        error.to_string(),
        "authentication with ticket failed: wamp.error.authentication_denied (nope)"
    );
}
