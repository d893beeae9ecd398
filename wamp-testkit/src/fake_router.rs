//! A scripted fake WAMP router, for what a real router never sends: broken
//! frames, protocol violations, floods, a peer that stops reading.
//! Everything a real router does send is tested against Crossbar instead.
//!
//! A [`Listener`] waits on a loopback port for one client, over WebSocket
//! (`wamp.2.json`) or RawSocket (JSON); the [`Peer`] it accepts reads and
//! writes WAMP messages as JSON, or any bytes at all, the same way on both
//! transports. [`scripted`] is the shortest form: a WebSocket router that
//! sends a list of frames after HELLO and reports what the client sends.
//!
//! The RawSocket bytes are framed here by hand, independently of
//! `wamp-runtime`'s codec, so that a mistake in that codec is not mirrored
//! by the peer that tests it.
//!
//! Unlike the rest of this crate the fake router is async, on tokio. It
//! panics on what a test should fail for (a client that does not speak
//! WAMP, a message of the wrong type); a panic on the router's task is seen
//! by the test through its [`JoinHandle`].
//!
//! ```
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//! use wamp_testkit::fake_router::{Listener, Transport};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // A router that welcomes the client, then sends an EVENT for a
//! // subscription that does not exist.
//! let (url, router) = Listener::joined(Transport::RawSocket, |mut peer| async move {
//!     peer.send(r#"[36, 1, 2, {}]"#).await
//! })
//! .await;
//!
//! // A client speaking RawSocket by hand: handshake (JSON), then HELLO.
//! let mut client = tokio::net::TcpStream::connect(url.trim_start_matches("rs://")).await.unwrap();
//! client.write_all(&[0x7F, 0xF1, 0, 0]).await.unwrap();
//! let mut answer = [0u8; 4];
//! client.read_exact(&mut answer).await.unwrap();
//! assert_eq!(answer, [0x7F, 0xF1, 0, 0]);
//! let hello = br#"[1, "realm1", {}]"#;
//! client.write_all(&[0, 0, 0, hello.len() as u8]).await.unwrap();
//! client.write_all(hello).await.unwrap();
//!
//! let mut header = [0u8; 4];
//! client.read_exact(&mut header).await.unwrap();
//! let mut welcome = vec![0u8; usize::from(header[3])];
//! client.read_exact(&mut welcome).await.unwrap();
//! assert!(welcome.starts_with(b"[2, "));
//! assert!(router.await.unwrap(), "the EVENT was sent");
//! # }
//! ```

use std::future::Future;
use std::time::Duration;

use futures_util::{SinkExt, Stream, StreamExt};
use serde_json::Value as Json;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error as WsError, Message as WsMessage};

/// A WELCOME with the dealer and broker roles.
pub const WELCOME: &str = r#"[2, 12345, {"roles": {"dealer": {}, "broker": {}}, "authrole": "anonymous"}]"#;

/// How long [`Peer::expect`] waits for a message.
const EXPECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest payload a RawSocket frame header can announce (24 bits).
const MAX_RAWSOCKET_LENGTH: usize = 0xFF_FFFF;

/// The transport a [`Listener`] speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// WebSocket, agreeing on the subprotocol `wamp.2.json`; URLs
    /// `ws://127.0.0.1:<port>/ws`.
    WebSocket,
    /// RawSocket, accepting a client that asks for JSON and announcing the
    /// largest frame length (16 MiB); URLs `rs://127.0.0.1:<port>`.
    RawSocket,
}

/// A loopback port waiting for one client.
#[derive(Debug)]
pub struct Listener {
    listener: TcpListener,
    transport: Transport,
    url: String,
}

impl Listener {
    /// Binds a free loopback port.
    ///
    /// # Panics
    /// If no loopback port can be bound.
    pub async fn bind(transport: Transport) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("cannot bind a TCP port on 127.0.0.1");
        let address = listener.local_addr().expect("a bound listener has an address");
        let url = match transport {
            Transport::WebSocket => format!("ws://{address}/ws"),
            Transport::RawSocket => format!("rs://{address}"),
        };
        Self {
            listener,
            transport,
            url,
        }
    }

    /// The URL a client connects to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Accepts one client and completes the transport's handshake.
    ///
    /// # Panics
    /// If the client does not complete the handshake, or over RawSocket
    /// does not ask for JSON.
    pub async fn accept(self) -> Peer {
        let (mut stream, _) = self.listener.accept().await.expect("cannot accept a client");
        let connection = match self.transport {
            Transport::WebSocket => Connection::WebSocket(Box::new(accept_websocket(stream).await)),
            Transport::RawSocket => {
                let mut handshake = [0u8; 4];
                stream
                    .read_exact(&mut handshake)
                    .await
                    .expect("the client left before its RawSocket handshake");
                assert_eq!(handshake[0], 0x7f, "not a RawSocket handshake: {handshake:02x?}");
                assert_eq!(handshake[1] & 0x0f, 1, "the client must ask for JSON: {handshake:02x?}");
                stream
                    .write_all(&[0x7f, 0xf1, 0, 0])
                    .await
                    .expect("the client left during the RawSocket handshake");
                Connection::RawSocket {
                    stream,
                    unsent: Vec::new(),
                }
            }
        };
        Peer { connection }
    }

    /// Binds, and on a task of its own accepts one client, answers its
    /// HELLO with [`WELCOME`] and runs `script` on the joined connection.
    /// Returns the URL and that task.
    pub async fn joined<F, Fut>(transport: Transport, script: F) -> (String, JoinHandle<Fut::Output>)
    where
        F: FnOnce(Peer) -> Fut + Send + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        let listener = Self::bind(transport).await;
        let url = listener.url.clone();
        let task = tokio::spawn(async move {
            let mut peer = listener.accept().await;
            peer.welcome().await;
            script(peer).await
        });
        (url, task)
    }
}

/// Completes a WebSocket handshake, agreeing on `wamp.2.json`.
#[allow(clippy::result_large_err)] // tungstenite's handshake callback signature
async fn accept_websocket(stream: TcpStream) -> WebSocketStream<TcpStream> {
    tokio_tungstenite::accept_hdr_async(stream, |_request: &Request, mut response: Response| {
        response
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("wamp.2.json"));
        Ok(response)
    })
    .await
    .expect("the client did not complete the WebSocket handshake")
}

/// The router's side of one connection.
#[derive(Debug)]
pub struct Peer {
    connection: Connection,
}

#[derive(Debug)]
enum Connection {
    // Boxed: a WebSocket stream is five times the size of the RawSocket variant.
    WebSocket(Box<WebSocketStream<TcpStream>>),
    RawSocket {
        stream: TcpStream,
        /// Frames queued by [`Peer::feed`], written by [`Peer::flush`].
        unsent: Vec<u8>,
    },
}

impl Peer {
    /// The next WAMP message as JSON; `None` once the client is gone.
    /// WebSocket pings are answered while this reads.
    ///
    /// # Panics
    /// If the client sends a message that is not JSON, or over RawSocket a
    /// frame other than a message (our client sends no pings there).
    pub async fn recv(&mut self) -> Option<Json> {
        match &mut self.connection {
            Connection::WebSocket(socket) => recv_websocket(socket).await,
            Connection::RawSocket { stream, .. } => recv_rawsocket(stream).await,
        }
    }

    /// The next message, which must be of `message_type` (e.g. 48 for CALL).
    ///
    /// # Panics
    /// If it is of another type, or none comes within 10 s.
    pub async fn expect(&mut self, message_type: u64) -> Json {
        let message = tokio::time::timeout(EXPECT_TIMEOUT, self.recv())
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for message type {message_type}"))
            .unwrap_or_else(|| panic!("the client left while message type {message_type} was expected"));
        assert_eq!(message[0], message_type, "{message}");
        message
    }

    /// Reads HELLO and answers [`WELCOME`].
    ///
    /// # Panics
    /// If the first message is not a HELLO.
    pub async fn welcome(&mut self) {
        self.expect(1).await;
        self.send(WELCOME).await;
    }

    /// Sends one WAMP message; `false` when the client is gone.
    pub async fn send(&mut self, text: impl Into<String>) -> bool {
        self.feed(text).await && self.flush().await
    }

    /// Queues one WAMP message without flushing (see [`Peer::flush`]);
    /// `false` when the client is gone.
    pub async fn feed(&mut self, text: impl Into<String>) -> bool {
        match &mut self.connection {
            Connection::WebSocket(socket) => socket.feed(WsMessage::Text(text.into().into())).await.is_ok(),
            Connection::RawSocket { unsent, .. } => {
                unsent.extend(rawsocket_frame(&text.into()));
                true
            }
        }
    }

    /// Writes what [`Peer::feed`] queued; `false` when the client is gone.
    pub async fn flush(&mut self) -> bool {
        match &mut self.connection {
            Connection::WebSocket(socket) => socket.flush().await.is_ok(),
            Connection::RawSocket { stream, unsent } => {
                let written = stream.write_all(unsent).await.is_ok() && stream.flush().await.is_ok();
                unsent.clear();
                written
            }
        }
    }

    /// Writes `bytes` as they are on the TCP stream, after what was
    /// queued: a frame header of our own making, which no WebSocket library
    /// would write. `false` when the client is gone.
    pub async fn send_bytes(&mut self, bytes: &[u8]) -> bool {
        self.flush().await && self.tcp().write_all(bytes).await.is_ok()
    }

    /// The TCP stream under the transport. Bytes written to it bypass what
    /// [`Peer::feed`] queued; [`Peer::send_bytes`] does not.
    pub fn tcp(&mut self) -> &mut TcpStream {
        match &mut self.connection {
            Connection::WebSocket(socket) => socket.get_mut(),
            Connection::RawSocket { stream, .. } => stream,
        }
    }

    /// Sends `messages` while reading what the client sends meanwhile (a
    /// router that did not read while writing could deadlock with a client
    /// that answers), until `until` says the received messages are enough
    /// or the client is gone. Returns the received messages.
    pub async fn send_while_reading(
        &mut self,
        messages: impl Iterator<Item = String>,
        until: impl FnMut(&[Json]) -> bool,
    ) -> Vec<Json> {
        match &mut self.connection {
            Connection::WebSocket(socket) => {
                let (mut sink, mut stream) = (&mut **socket).split();
                let writer = async {
                    for message in messages {
                        if sink.feed(WsMessage::Text(message.into())).await.is_err() {
                            return;
                        }
                    }
                    let _ = sink.flush().await;
                };
                let messages = futures_util::stream::unfold(&mut stream, async |stream| {
                    Some((recv_websocket(stream).await?, stream))
                });
                read_while(messages, until, writer).await
            }
            Connection::RawSocket { stream, unsent } => {
                let (mut reader, mut writer) = stream.split();
                let queued = std::mem::take(unsent);
                let writer = async {
                    if writer.write_all(&queued).await.is_err() {
                        return;
                    }
                    for message in messages {
                        if writer.write_all(&rawsocket_frame(&message)).await.is_err() {
                            return;
                        }
                    }
                    let _ = writer.flush().await;
                };
                let messages = futures_util::stream::unfold(&mut reader, async |reader| {
                    Some((recv_rawsocket(reader).await?, reader))
                });
                read_while(messages, until, writer).await
            }
        }
    }

    /// Reads and drops everything until the client goes away.
    pub async fn drain(mut self) {
        while self.recv().await.is_some() {}
    }
}

/// Runs `writer` while collecting `messages`, until `until` is satisfied
/// by them or the client is gone.
async fn read_while(
    messages: impl Stream<Item = Json>,
    mut until: impl FnMut(&[Json]) -> bool,
    writer: impl Future<Output = ()>,
) -> Vec<Json> {
    let mut messages = std::pin::pin!(messages);
    let mut received = Vec::new();
    let reader = async {
        while !until(&received) {
            match messages.next().await {
                Some(message) => received.push(message),
                None => break,
            }
        }
    };
    tokio::join!(reader, writer);
    received
}

/// The next text message of a WebSocket as JSON; `None` at a close, an
/// error or the end of the stream. Other frames are skipped.
async fn recv_websocket<S>(stream: &mut S) -> Option<Json>
where
    S: Stream<Item = Result<WsMessage, WsError>> + Unpin,
{
    loop {
        match stream.next().await? {
            Ok(WsMessage::Text(text)) => return Some(parse(text.as_bytes())),
            Ok(WsMessage::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// The next RawSocket frame as JSON; `None` once the client is gone.
async fn recv_rawsocket<R: AsyncRead + Unpin>(reader: &mut R) -> Option<Json> {
    let mut header = [0u8; 4];
    reader.read_exact(&mut header).await.ok()?;
    let length = usize::from(header[1]) << 16 | usize::from(header[2]) << 8 | usize::from(header[3]);
    let mut payload = vec![0u8; length];
    reader.read_exact(&mut payload).await.ok()?;
    assert_eq!(header[0], 0, "expected a WAMP message frame: {header:02x?}");
    Some(parse(&payload))
}

/// A RawSocket message frame carrying `text`.
fn rawsocket_frame(text: &str) -> Vec<u8> {
    assert!(
        text.len() <= MAX_RAWSOCKET_LENGTH,
        "a RawSocket frame carries at most {MAX_RAWSOCKET_LENGTH} bytes, not {}",
        text.len()
    );
    let [_, high, middle, low] = (text.len() as u32).to_be_bytes();
    let mut frame = vec![0, high, middle, low];
    frame.extend_from_slice(text.as_bytes());
    frame
}

/// A message the client sent, as JSON.
fn parse(message: &[u8]) -> Json {
    serde_json::from_slice(message).unwrap_or_else(|e| {
        panic!(
            "the client sent a message that is not JSON ({e}): {}",
            String::from_utf8_lossy(message)
        )
    })
}

/// Serves one WebSocket client in the background: after its first message
/// (HELLO) sends `script`, one message every 50 ms. Every message the client
/// sends comes out of the returned receiver. With `keep_reading` false it
/// stops reading after HELLO (so it answers no ping) but keeps the
/// connection open for 30 s.
pub async fn scripted(script: Vec<String>, keep_reading: bool) -> (String, mpsc::UnboundedReceiver<Json>) {
    let listener = Listener::bind(Transport::WebSocket).await;
    let url = listener.url.clone();
    let (messages, received) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let Connection::WebSocket(socket) = listener.accept().await.connection else {
            unreachable!("a WebSocket listener accepts WebSocket connections");
        };
        let (mut sink, mut stream) = (*socket).split();
        let (hello_seen, hello) = tokio::sync::oneshot::channel();
        let reader = tokio::spawn(async move {
            let mut hello_seen = Some(hello_seen);
            while let Some(message) = recv_websocket(&mut stream).await {
                let _ = messages.send(message);
                if let Some(seen) = hello_seen.take() {
                    let _ = seen.send(());
                    if !keep_reading {
                        // Keep the half alive, unread, so the connection stays open.
                        std::future::pending::<()>().await;
                    }
                }
            }
        });
        if hello.await.is_err() {
            return;
        }
        for message in script {
            if sink.send(WsMessage::Text(message.into())).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Hold the sending half until the client is gone (or 30 s pass).
        let _ = tokio::time::timeout(Duration::from_secs(30), reader).await;
    });
    (url, received)
}
