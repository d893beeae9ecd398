//! A scripted fake WAMP router, for what a real router never sends: broken
//! frames, protocol violations, floods, a peer that stops reading. Everything
//! a real router does send is tested against Crossbar instead.
//!
//! Test files include it with `#[path = "common/fake_router.rs"] mod fake_router;`
//! so that they do not start the shared Crossbar of `common`.

#![allow(dead_code, unreachable_pub)]
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test
#![allow(clippy::result_large_err)] // tungstenite's handshake callback signature

use std::future::Future;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value as Json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;

/// A WELCOME with the dealer and broker roles.
pub const WELCOME: &str = r#"[2, 12345, {"roles": {"dealer": {}, "broker": {}}, "authrole": "anonymous"}]"#;

/// A loopback port waiting for one WebSocket client.
pub struct WsListener {
    listener: TcpListener,
    /// `ws://127.0.0.1:<port>/ws`.
    pub url: String,
}

impl WsListener {
    pub async fn bind() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}/ws", listener.local_addr().unwrap());
        Self { listener, url }
    }

    /// Accepts one client and agrees on `wamp.2.json`.
    pub async fn accept(self) -> WsPeer {
        let (stream, _) = self.listener.accept().await.unwrap();
        let socket = tokio_tungstenite::accept_hdr_async(stream, |_req: &Request, mut response: Response| {
            response
                .headers_mut()
                .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("wamp.2.json"));
            Ok(response)
        })
        .await
        .unwrap();
        WsPeer { socket }
    }

    /// Binds, and on a task of its own accepts one client, answers its
    /// HELLO with [`WELCOME`] and runs `script` on the joined connection.
    /// Returns the URL and that task.
    pub async fn joined<F, Fut>(script: F) -> (String, JoinHandle<Fut::Output>)
    where
        F: FnOnce(WsPeer) -> Fut + Send + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        let listener = Self::bind().await;
        let url = listener.url.clone();
        let task = tokio::spawn(async move {
            let mut peer = listener.accept().await;
            peer.welcome().await;
            script(peer).await
        });
        (url, task)
    }
}

/// The router's side of one WebSocket connection.
pub struct WsPeer {
    socket: WebSocketStream<TcpStream>,
}

impl WsPeer {
    /// The next text frame as JSON; `None` once the client is gone. Pings
    /// are answered while this reads.
    pub async fn recv(&mut self) -> Option<Json> {
        loop {
            match self.socket.next().await? {
                Ok(WsMessage::Text(text)) => return Some(serde_json::from_str(text.as_str()).unwrap()),
                Ok(WsMessage::Close(_)) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }

    /// The next message, which must be of `message_type` (e.g. 48 for CALL).
    pub async fn expect(&mut self, message_type: u64) -> Json {
        let message = tokio::time::timeout(Duration::from_secs(10), self.recv())
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for message type {message_type}"))
            .unwrap_or_else(|| panic!("the client left while message type {message_type} was expected"));
        assert_eq!(message[0], message_type, "{message}");
        message
    }

    /// Reads HELLO and answers [`WELCOME`].
    pub async fn welcome(&mut self) {
        self.expect(1).await;
        self.send(WELCOME).await;
    }

    /// Sends one text frame; `false` when the client is gone.
    pub async fn send(&mut self, text: impl Into<String>) -> bool {
        self.socket.send(WsMessage::Text(text.into().into())).await.is_ok()
    }

    /// Queues one text frame without flushing (see [`WsPeer::flush`]).
    pub async fn feed(&mut self, text: impl Into<String>) -> bool {
        self.socket.feed(WsMessage::Text(text.into().into())).await.is_ok()
    }

    pub async fn flush(&mut self) -> bool {
        self.socket.flush().await.is_ok()
    }

    /// The TCP stream under the WebSocket, to write bytes no WebSocket
    /// library would.
    pub fn tcp(&mut self) -> &mut TcpStream {
        self.socket.get_mut()
    }

    /// Sends `frames` while reading what the client sends meanwhile (a
    /// router that did not read while writing could deadlock with a client
    /// that answers), until `until` says the received messages are enough.
    pub async fn send_while_reading(
        &mut self,
        frames: impl Iterator<Item = String>,
        mut until: impl FnMut(&[Json]) -> bool,
    ) -> Vec<Json> {
        let (mut sink, mut stream) = (&mut self.socket).split();
        let mut received = Vec::new();
        let reader = async {
            while !until(&received) {
                match stream.next().await {
                    Some(Ok(WsMessage::Text(text))) => received.push(serde_json::from_str(text.as_str()).unwrap()),
                    Some(Ok(_)) => {}
                    _ => break,
                }
            }
        };
        let writer = async {
            for frame in frames {
                if sink.feed(WsMessage::Text(frame.into())).await.is_err() {
                    return;
                }
            }
            let _ = sink.flush().await;
        };
        tokio::join!(reader, writer);
        received
    }

    /// Reads and drops everything until the client goes away.
    pub async fn drain(mut self) {
        while self.recv().await.is_some() {}
    }
}

/// Serves one client in the background: after its first frame (HELLO)
/// sends `script`, one frame every 50 ms. Every frame the client sends
/// comes out of the returned receiver. With `keep_reading` false it stops
/// reading after HELLO (so it answers no ping) but keeps the connection
/// open for 30 s.
pub async fn scripted(script: Vec<String>, keep_reading: bool) -> (String, mpsc::UnboundedReceiver<Json>) {
    let listener = WsListener::bind().await;
    let url = listener.url.clone();
    let (frames, received) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let (mut sink, mut stream) = listener.accept().await.socket.split();
        let (hello_seen, hello) = tokio::sync::oneshot::channel();
        let reader = tokio::spawn(async move {
            let mut hello_seen = Some(hello_seen);
            while let Some(Ok(message)) = stream.next().await {
                if let WsMessage::Text(text) = message {
                    let _ = frames.send(serde_json::from_str(text.as_str()).unwrap());
                    if let Some(seen) = hello_seen.take() {
                        let _ = seen.send(());
                        if !keep_reading {
                            // Keep the half alive, unread, so the connection stays open.
                            std::future::pending::<()>().await;
                        }
                    }
                }
            }
        });
        if hello.await.is_err() {
            return;
        }
        for frame in script {
            if sink.send(WsMessage::Text(frame.into())).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Hold the sending half until the client is gone (or 30 s pass).
        let _ = tokio::time::timeout(Duration::from_secs(30), reader).await;
    });
    (url, received)
}

/// A loopback port waiting for one RawSocket client (`rs://`).
pub struct RawListener {
    listener: TcpListener,
    /// `rs://127.0.0.1:<port>`.
    pub url: String,
}

impl RawListener {
    pub async fn bind() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("rs://{}", listener.local_addr().unwrap());
        Self { listener, url }
    }

    /// Accepts one client, checks that it asks for JSON, and accepts it
    /// announcing the largest frame length (16 MiB).
    pub async fn accept(self) -> RawPeer {
        let (mut stream, _) = self.listener.accept().await.unwrap();
        let mut handshake = [0u8; 4];
        stream.read_exact(&mut handshake).await.unwrap();
        assert_eq!(handshake[0], 0x7f, "not a RawSocket handshake: {handshake:02x?}");
        assert_eq!(handshake[1] & 0x0f, 1, "the client must ask for JSON: {handshake:02x?}");
        stream.write_all(&[0x7f, 0xf1, 0, 0]).await.unwrap();
        RawPeer { stream }
    }

    /// As [`WsListener::joined`], over RawSocket.
    pub async fn joined<F, Fut>(script: F) -> (String, JoinHandle<Fut::Output>)
    where
        F: FnOnce(RawPeer) -> Fut + Send + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        let listener = Self::bind().await;
        let url = listener.url.clone();
        let task = tokio::spawn(async move {
            let mut peer = listener.accept().await;
            peer.welcome().await;
            script(peer).await
        });
        (url, task)
    }
}

/// The router's side of one RawSocket connection.
pub struct RawPeer {
    stream: TcpStream,
}

impl RawPeer {
    /// The next WAMP message as JSON (pings are not expected from our client).
    pub async fn recv(&mut self) -> Option<Json> {
        let mut header = [0u8; 4];
        self.stream.read_exact(&mut header).await.ok()?;
        let length = usize::from(header[1]) << 16 | usize::from(header[2]) << 8 | usize::from(header[3]);
        let mut payload = vec![0u8; length];
        self.stream.read_exact(&mut payload).await.ok()?;
        assert_eq!(header[0], 0, "expected a WAMP message frame: {header:02x?}");
        Some(serde_json::from_slice(&payload).unwrap())
    }

    /// Reads HELLO and answers [`WELCOME`].
    pub async fn welcome(&mut self) {
        let hello = self.recv().await.unwrap();
        assert_eq!(hello[0], 1, "{hello}");
        self.send(WELCOME).await;
    }

    /// Sends one WAMP message frame.
    pub async fn send(&mut self, text: &str) {
        let length = u32::try_from(text.len()).unwrap();
        let mut frame = length.to_be_bytes().to_vec();
        frame[0] = 0;
        frame.extend_from_slice(text.as_bytes());
        self.stream.write_all(&frame).await.unwrap();
    }

    /// Writes raw bytes: a frame header of our own making.
    pub async fn send_bytes(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }
}
