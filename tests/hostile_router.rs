//! What a real router never sends: a scripted fake peer speaks garbage or
//! breaks the protocol after WELCOME. The client must close the session with
//! a clear reason, fail pending requests, and never panic or hang.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
#![allow(clippy::result_large_err)] // tungstenite's handshake callback signature

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use wamp_runtime::{CallError, Client, ClientConfig, Error, SessionState};

/// Accepts one WebSocket client with `wamp.2.json`, reads its HELLO, then
/// sends `script` frames one by one and keeps the socket open.
async fn fake_router(script: Vec<&'static str>) -> String {
    fake_router_reading(script, true).await
}

/// Like [`fake_router`]; with `keep_reading` false it stops reading after the
/// script, so it never answers a ping.
async fn fake_router_reading(script: Vec<&'static str>, keep_reading: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/ws", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut socket = tokio_tungstenite::accept_hdr_async(stream, |_req: &Request, mut response: Response| {
            response
                .headers_mut()
                .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("wamp.2.json"));
            Ok(response)
        })
        .await
        .unwrap();
        let _hello = socket.next().await;
        for frame in script {
            if socket.send(WsMessage::Text(frame.into())).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if keep_reading {
            // Keep reading (and discarding; pings are answered) until the client goes away.
            while let Some(Ok(_)) = socket.next().await {}
        } else {
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
    });
    url
}

async fn join(url: &str) -> Result<Client, Error> {
    let config = ClientConfig::builder()
        .url(url)
        .realm("realm1")
        .connection_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    Client::connect(&config).await
}

const WELCOME: &str = r#"[2, 12345, {"roles": {"dealer": {}, "broker": {}}, "authrole": "anonymous"}]"#;

async fn closed_reason(client: &Client) -> String {
    tokio::time::timeout(Duration::from_secs(5), client.closed())
        .await
        .expect("the session must close, not hang")
}

#[tokio::test]
async fn garbage_after_welcome_closes_the_session_with_a_clear_reason() {
    let url = fake_router(vec![WELCOME, "this is not json"]).await;
    let client = join(&url).await.unwrap();
    let reason = closed_reason(&client).await;
    assert!(reason.contains("protocol violation"), "{reason}");
    assert!(reason.contains("malformed JSON"), "{reason}");
    assert!(matches!(client.state(), SessionState::Closed(_)));
}

#[tokio::test]
async fn an_unknown_message_type_closes_the_session() {
    let url = fake_router(vec![WELCOME, "[99, 1, {}]"]).await;
    let client = join(&url).await.unwrap();
    let reason = closed_reason(&client).await;
    assert!(reason.contains("unknown message type 99"), "{reason}");
}

#[tokio::test]
async fn a_second_welcome_is_a_protocol_violation() {
    let url = fake_router(vec![WELCOME, WELCOME]).await;
    let client = join(&url).await.unwrap();
    let reason = closed_reason(&client).await;
    assert!(reason.contains("WELCOME"), "{reason}");
}

#[tokio::test]
async fn a_pending_call_fails_when_the_router_breaks_the_protocol() {
    // The fake router answers nothing to the CALL, then sends a bad frame.
    let url = fake_router(vec![WELCOME, r#"[36, "not-an-id", 1, {}]"#]).await;
    let client = join(&url).await.unwrap();
    let result = tokio::time::timeout(Duration::from_secs(5), client.call("com.example.x"))
        .await
        .expect("the call must not hang");
    match result {
        Err(CallError::ConnectionLost(reason)) => assert!(reason.contains("EVENT"), "{reason}"),
        other => panic!("expected ConnectionLost, got {other:?}"),
    }
}

#[tokio::test]
async fn an_answer_to_hello_that_is_not_welcome_is_refused() {
    let url = fake_router(vec![r#"[50, 1, {}]"#]).await;
    let error = join(&url).await.unwrap_err();
    assert!(matches!(error, Error::Protocol(_)), "{error:?}");
    assert!(error.to_string().contains("RESULT"), "{error}");
}

#[tokio::test]
async fn abort_in_answer_to_hello_names_the_reason_and_message() {
    let url = fake_router(vec![r#"[3, {"message": "go away"}, "wamp.error.not_authorized"]"#]).await;
    let error = join(&url).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "router refused to join realm \"realm1\": wamp.error.not_authorized (go away)"
    );
}

#[tokio::test]
async fn a_peer_that_stops_answering_pings_is_detected() {
    let url = fake_router_reading(vec![WELCOME], false).await;
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
    let url = fake_router(vec![WELCOME]).await;
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
