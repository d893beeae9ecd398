//! The security review, one regression test per property: secrets never
//! show in `Debug`, `Display` or error messages; TLS verifies by default;
//! an announced frame larger than `max_message_size` is refused from its
//! header on WebSocket and RawSocket (scripted fake routers: Crossbar never
//! sends one); a panicking handler gives the caller nothing but
//! `wamp.error.runtime_error` (real Crossbar).
//!
//! TLS refusals against a real router with a private CA are in tls.rs
//! (`the_platform_roots_do_not_trust_a_private_ca` with the default settings).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
#![allow(clippy::result_large_err)] // tungstenite's handshake callback signature

use crate::common;

use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use wamp_runtime::config::{AuthConfig, AuthMethod, Secret};
use wamp_runtime::{ApplicationError, CallContext, Client, ClientConfig, Config, Payload, RegisterOptions};
use wamp_testkit::fake_router::{Listener, Transport};

/// Distinctive, so that finding it anywhere is a leak and not a coincidence.
const TICKET: &str = "tk-Zq7vXw3Lp9";
/// RFC 8032, section 7.1, test 1: a valid cryptosign seed.
const SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

fn assert_hidden(text: &str, secret: &str) {
    assert!(!text.contains(secret), "the secret {secret:?} shows in: {text}");
}

#[test]
fn secrets_never_show_in_debug_or_display_of_the_config() {
    let secret = Secret::new(TICKET);
    assert_eq!(format!("{secret} {secret:?}"), "*** ***");

    let built = ClientConfig::builder()
        .url("ws://127.0.0.1:1/ws")
        .realm("realm1")
        .authid("alice")
        .authmethod(AuthMethod::Ticket)
        .secret(TICKET)
        .build()
        .unwrap();
    assert_hidden(&format!("{built:?} {:?}", built.auth), TICKET);

    let cryptosign = AuthConfig::new(AuthMethod::Cryptosign, SEED);
    assert_hidden(&format!("{cryptosign:?}"), SEED);

    for text in [
        format!("url: ws://h:1/ws\nrealm: r\nauth: {{method: ticket, secret: {TICKET}}}\n"),
        format!("url: ws://h:1/ws\nrealm: r\nauth: {{method: wampcra, secret: {TICKET}}}\n"),
        format!("url: ws://h:1/ws\nrealm: r\nauth: {{method: cryptosign, secret: '{SEED}'}}\n"),
        format!("clients:\n  a: {{url: 'ws://h:1/ws', realm: r, auth: {{method: ticket, secret: {TICKET}}}}}\n"),
    ] {
        let config = Config::from_yaml_str(&text).unwrap();
        let shown = format!("{config:?} {:#?}", config.default_client());
        assert_hidden(&shown, TICKET);
        assert_hidden(&shown, SEED);
    }
    let toml = Config::from_toml_str(&format!(
        "realm = \"r\"\n[auth]\nmethod = \"ticket\"\nsecret = \"{TICKET}\"\n"
    ))
    .unwrap();
    assert_hidden(&format!("{toml:?}"), TICKET);
}

#[test]
fn configuration_errors_never_quote_the_secret() {
    let yaml = [
        // The secret is set but the method is anonymous.
        format!("realm: r\nauth: {{secret: {TICKET}}}\n"),
        // Not a cryptosign key.
        format!("realm: r\nauth: {{method: cryptosign, secret: {TICKET}}}\n"),
        // A cryptosign key one character short, and one with a non-hex digit.
        format!("realm: r\nauth: {{method: cryptosign, secret: '{}'}}\n", &SEED[1..]),
        format!("realm: r\nauth: {{method: cryptosign, secret: '{}z'}}\n", &SEED[1..]),
        // Both secret and secret_file.
        format!("realm: r\nauth: {{method: ticket, secret: {TICKET}, secret_file: /nonexistent}}\n"),
        // An unknown method or key next to the secret.
        format!("realm: r\nauth: {{method: tiket, secret: {TICKET}}}\n"),
        format!("realm: r\nauth: {{method: ticket, secret: {TICKET}, colour: blue}}\n"),
        // The secret where another type is expected.
        format!("realm: r\nauth: {{method: ticket, secret: [{TICKET}]}}\n"),
        format!("realm: r\nauth: {{method: ticket, secret: {{k: {TICKET}}}}}\n"),
    ];
    for text in &yaml {
        let err = Config::from_yaml_str(text).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert_hidden(&shown, TICKET);
        assert_hidden(&shown, &SEED[1..]);
    }

    // A bad secret from the environment.
    let mut config = Config::from_yaml_str("realm: r\nauth: {method: cryptosign}\n").unwrap();
    let err = config
        .apply_overrides_from(|name| (name == "WAMP_SECRET").then(|| TICKET.to_owned()))
        .unwrap_err();
    assert_hidden(&format!("{err} {err:?}"), TICKET);
}

#[test]
fn tls_verification_is_on_unless_turned_off_explicitly() {
    let direct = ClientConfig::new("wss://router.example:443/ws", "realm1").unwrap();
    assert!(!direct.tls.dangerously_accept_invalid_certs);
    let built = ClientConfig::builder()
        .url("rss://router.example:8443")
        .realm("realm1")
        .build()
        .unwrap();
    assert!(!built.tls.dangerously_accept_invalid_certs);
    for text in [
        "host: router.example\nport: 443\nrealm: r\ntls: true\n",
        "url: wss://router.example/ws\nrealm: r\n",
        "url: rss://router.example:8443\nrealm: r\ntls: {}\n",
    ] {
        let config = Config::from_yaml_str(text).unwrap();
        assert!(
            !config.default_client().unwrap().tls.dangerously_accept_invalid_certs,
            "{text}"
        );
    }
}

/// How long a refused frame may take: anything close to the connection
/// timeout means the client waited for a payload that never comes.
const QUICKLY: Duration = Duration::from_secs(3);

async fn join_limited(url: &str, max_message_size: usize) -> Client {
    let config = ClientConfig::builder()
        .url(url)
        .realm("realm1")
        .max_message_size(max_message_size)
        .connection_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    Client::connect(&config).await.unwrap()
}

async fn closed_quickly(client: &Client) -> String {
    let started = Instant::now();
    let reason = tokio::time::timeout(QUICKLY, client.closed())
        .await
        .expect("the session must close at the header, not wait for the payload");
    eprintln!("closed after {:?}: {reason}", started.elapsed());
    reason
}

/// A WebSocket router that answers HELLO with WELCOME, then writes the
/// header of a text frame announcing `length` bytes, sends none of them and
/// keeps the connection open.
async fn websocket_announcing(length: u64) -> String {
    let (url, _) = Listener::joined(Transport::WebSocket, move |mut peer| async move {
        // FIN + text, no mask, 64-bit length.
        let mut header = vec![0x81, 127];
        header.extend_from_slice(&length.to_be_bytes());
        peer.tcp().write_all(&header).await.unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    url
}

#[tokio::test]
async fn websocket_refuses_a_frame_over_max_message_size_from_its_header() {
    for length in [65_537, 1 << 40] {
        let client = join_limited(&websocket_announcing(length).await, 65_536).await;
        let reason = closed_quickly(&client).await;
        assert!(
            reason.contains("too long") || reason.contains("too large") || reason.contains("max"),
            "{reason}"
        );
        assert!(reason.contains("65536"), "the reason names the limit: {reason}");
    }
}

/// A RawSocket router (JSON) that answers HELLO with WELCOME, then writes
/// the header of a frame announcing `length` bytes, sends none of them and
/// keeps the connection open.
async fn rawsocket_announcing(length: u32) -> String {
    let (url, _) = Listener::joined(Transport::RawSocket, move |mut peer| async move {
        peer.send_bytes(&length.to_be_bytes()).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    url
}

#[tokio::test]
async fn rawsocket_refuses_a_frame_over_max_message_size_from_its_header() {
    for length in [65_537, 0xFF_FFFF] {
        let client = join_limited(&rawsocket_announcing(length).await, 65_536).await;
        let reason = closed_quickly(&client).await;
        assert!(
            reason.contains(&format!(
                "received a frame of {length} bytes, more than max_message_size (65536 bytes)"
            )),
            "{reason}"
        );
    }
}

#[tokio::test]
async fn a_panicking_handler_gives_the_caller_only_runtime_error() {
    let callee = common::connect().await;
    let caller = common::connect().await;
    let procedure = common::unique("security.panics");
    callee
        .register(
            &procedure,
            |_ctx: CallContext, _p: Payload| -> Result<Payload, ApplicationError> {
                panic!("db password hunter2 at /srv/app/src/db.rs:42");
            },
            RegisterOptions::default(),
        )
        .await
        .unwrap();
    let error = caller.call(&procedure).arg("x").await.unwrap_err();
    let app = error.application().unwrap();
    assert_eq!(app.uri(), ApplicationError::RUNTIME_ERROR);
    let shown = format!("{error} {error:?} {app:?}");
    for internal in ["hunter2", "db.rs", "panicked", "/srv"] {
        assert!(!shown.contains(internal), "{internal:?} leaked to the caller: {shown}");
    }
    assert!(callee.is_joined() && caller.is_joined());
}
