//! The client's RawSocket transport: the codec of the parent module over a
//! TCP, TLS or Unix socket, with the pongs owed to the router.
//!
//! The session sends no keepalive pings over RawSocket
//! ([`Connection::pings`] is false): Crossbar 26.10 (autobahn's Twisted
//! RawSocket) takes the type byte of a ping for part of the length and drops
//! the connection.

use std::collections::VecDeque;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Bytes, BytesMut};
use futures_util::{Sink, Stream};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_util::codec::{Decoder, Encoder, Framed};
use wamp_protocol::SerializerKind;

use super::{Frame, FrameCodec, FrameKind, HANDSHAKE_LENGTH, Handshake};
use crate::config::TlsConfig;
use crate::transport::{Connection, Incoming, Outgoing, TransportError, tcp};

/// Pings waiting for their pong beyond this many, or beyond this many bytes
/// in all, are dropped: a peer flooding pings while we cannot write gets no
/// more answers, and at most 1 MiB is held for it (16 pings at the largest
/// frame length would be 256 MiB).
const MAX_PENDING_PONGS: usize = 16;
const MAX_PENDING_PONG_BYTES: usize = 1 << 20;

/// Connects over TCP and performs the handshake.
pub(crate) async fn connect_tcp(
    address: &str,
    serializer: SerializerKind,
    max_message_size: usize,
) -> Result<Connection, TransportError> {
    let stream = tcp::connect(address).await?;
    handshake(stream, serializer, max_message_size, None).await
}

/// Connects over TCP, opens TLS (verifying the router's certificate as `tls`
/// says) and performs the handshake.
pub(crate) async fn connect_tls(
    address: &str,
    serializer: SerializerKind,
    max_message_size: usize,
    tls: &TlsConfig,
) -> Result<Connection, TransportError> {
    let host = address.rsplit_once(':').map_or(address, |(host, _)| host);
    let stream = tcp::connect(address).await?;
    let stream = crate::transport::tls::connect(
        stream,
        crate::transport::tls::bare_host(host),
        tls,
        &format!("rss://{address}"),
    )
    .await?;
    handshake(stream, serializer, max_message_size, Some(tls)).await
}

/// Connects over a Unix socket and performs the handshake.
#[cfg(unix)]
pub(crate) async fn connect_unix(
    path: &Path,
    serializer: SerializerKind,
    max_message_size: usize,
) -> Result<Connection, TransportError> {
    let stream = tokio::net::UnixStream::connect(path).await.map_err(|e| {
        TransportError::Io(std::io::Error::new(
            e.kind(),
            format!("cannot connect to the Unix socket {}: {e}", path.display()),
        ))
    })?;
    handshake(stream, serializer, max_message_size, None).await
}

/// Unix sockets exist on Unix only.
#[cfg(not(unix))]
pub(crate) async fn connect_unix(
    path: &Path,
    _serializer: SerializerKind,
    _max_message_size: usize,
) -> Result<Connection, TransportError> {
    Err(TransportError::Io(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        format!("Unix sockets ({}) are not supported on this platform", path.display()),
    )))
}

/// Sends our handshake, reads the router's, and frames the stream. `tls`:
/// the settings of a TLS stream, to explain a TLS failure (with TLS 1.3 a
/// router that refuses the client certificate says so only now).
pub(crate) async fn handshake<S>(
    mut stream: S,
    serializer: SerializerKind,
    max_message_size: usize,
    tls: Option<&TlsConfig>,
) -> Result<Connection, TransportError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let ours = Handshake::new(serializer, max_message_size);
    let closed = |e: std::io::Error| {
        if let Some(tls) = tls.filter(|_| crate::transport::tls::is_tls_error(&e)) {
            return crate::transport::tls::from_io(e, tls);
        }
        match e.kind() {
            std::io::ErrorKind::UnexpectedEof
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::BrokenPipe => TransportError::HandshakeClosed { serializer },
            _ => TransportError::Io(e),
        }
    };
    stream.write_all(&ours.encode()).await.map_err(closed)?;
    stream.flush().await.map_err(closed)?;
    let mut answer = [0u8; HANDSHAKE_LENGTH];
    stream.read_exact(&mut answer).await.map_err(closed)?;
    let codec = ours.decode_answer(answer)?;
    let max_outgoing = codec.max_outgoing();
    tracing::debug!(%serializer, max_outgoing, "rawsocket handshake done");
    let socket = RawSocket {
        framed: Framed::new(stream, Framing(codec)),
        pongs: VecDeque::new(),
        pong_unflushed: false,
    };
    let (sink, stream) = futures_util::StreamExt::split(socket);
    Ok(Connection {
        sink: Box::pin(sink),
        stream: Box::pin(stream),
        serializer,
        max_message_size: max_outgoing,
        // Crossbar (autobahn-twisted) does not implement ping frames: a
        // ping breaks the connection. Pings from the router are answered.
        pings: false,
    })
}

/// Frames to send: a WAMP message (owned) or a control frame.
#[derive(Debug)]
enum OutFrame {
    Message(Vec<u8>),
    Ping(Bytes),
    Pong(Bytes),
}

/// The codec as tokio-util's `Framed` wants it (kept out of the codec's
/// public API, which does not depend on tokio-util).
#[derive(Debug)]
struct Framing(FrameCodec);

impl Decoder for Framing {
    type Item = Frame;
    type Error = TransportError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, TransportError> {
        Ok(self.0.decode(src)?)
    }
}

impl Encoder<OutFrame> for Framing {
    type Error = TransportError;

    fn encode(&mut self, frame: OutFrame, dst: &mut BytesMut) -> Result<(), TransportError> {
        let (kind, payload): (FrameKind, &[u8]) = match &frame {
            OutFrame::Message(payload) => (FrameKind::Message, payload),
            OutFrame::Ping(payload) => (FrameKind::Ping, payload),
            OutFrame::Pong(payload) => (FrameKind::Pong, payload),
        };
        Ok(self.0.encode(kind, payload, dst)?)
    }
}

/// A framed RawSocket connection: the session's sink and stream, split
/// with a lock, and the pongs owed to the router.
struct RawSocket<S> {
    framed: Framed<S, Framing>,
    /// Payloads of received pings not yet answered.
    pongs: VecDeque<Bytes>,
    /// A pong went into the write buffer and is not flushed yet. The
    /// session flushes only what it wrote itself, so without this a pong
    /// half-written into a full socket would wait there until the session
    /// next sends something, and the router would take us for dead.
    pong_unflushed: bool,
}

impl<S: AsyncRead + AsyncWrite + Unpin> RawSocket<S> {
    /// Queues and flushes the pongs owed, as far as the socket allows
    /// without waiting.
    fn poll_pongs(&mut self, cx: &mut Context<'_>) -> Result<(), TransportError> {
        if self.pongs.is_empty() && !self.pong_unflushed {
            return Ok(());
        }
        while let Some(payload) = self.pongs.front() {
            match Pin::new(&mut self.framed).poll_ready(cx) {
                Poll::Ready(Ok(())) => {
                    let payload = payload.clone();
                    self.pongs.pop_front();
                    Pin::new(&mut self.framed).start_send(OutFrame::Pong(payload))?;
                    self.pong_unflushed = true;
                }
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => return Ok(()),
            }
        }
        match Pin::new(&mut self.framed).poll_flush(cx) {
            Poll::Ready(Err(e)) => Err(e),
            Poll::Ready(Ok(())) => {
                self.pong_unflushed = false;
                Ok(())
            }
            Poll::Pending => Ok(()),
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for RawSocket<S> {
    type Item = Result<Incoming, TransportError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Err(e) = this.poll_pongs(cx) {
            return Poll::Ready(Some(Err(e)));
        }
        loop {
            let frame = match ready!(Pin::new(&mut this.framed).poll_next(cx)) {
                Some(Ok(frame)) => frame,
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => return Poll::Ready(None),
            };
            match frame {
                Frame::Message(payload) => return Poll::Ready(Some(Ok(Incoming::Frame(payload)))),
                Frame::Pong(_) => return Poll::Ready(Some(Ok(Incoming::Pong))),
                // The codec refused pings too large to echo.
                Frame::Ping(payload) => {
                    let pending: usize = this.pongs.iter().map(Bytes::len).sum();
                    if this.pongs.len() < MAX_PENDING_PONGS && pending + payload.len() <= MAX_PENDING_PONG_BYTES {
                        this.pongs.push_back(payload);
                    } else {
                        tracing::debug!(
                            size = payload.len(),
                            pending,
                            "not answering a RawSocket ping: too many pongs are already waiting"
                        );
                    }
                    if let Err(e) = this.poll_pongs(cx) {
                        return Poll::Ready(Some(Err(e)));
                    }
                }
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Sink<Outgoing> for RawSocket<S> {
    type Error = TransportError;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        Pin::new(&mut self.get_mut().framed).poll_ready(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: Outgoing) -> Result<(), TransportError> {
        let frame = match item {
            Outgoing::Frame(payload) => OutFrame::Message(payload),
            Outgoing::Ping => OutFrame::Ping(Bytes::from_static(b"wamp-rs")),
        };
        Pin::new(&mut self.get_mut().framed).start_send(frame)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        Pin::new(&mut self.get_mut().framed).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), TransportError>> {
        Pin::new(&mut self.get_mut().framed).poll_close(cx)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use futures_util::{SinkExt, StreamExt};
    use tokio::io::DuplexStream;

    use super::*;

    /// A client connection over an in-memory pipe, with the router's end
    /// after it answered `answer` to the client's handshake (returned too).
    async fn connected(answer: [u8; 4], max: usize) -> (Result<Connection, TransportError>, DuplexStream, [u8; 4]) {
        let (client, mut router) = tokio::io::duplex(1 << 20);
        let router_side = async move {
            let mut hello = [0u8; 4];
            router.read_exact(&mut hello).await.unwrap();
            router.write_all(&answer).await.unwrap();
            (router, hello)
        };
        let (connection, (router, hello)) =
            tokio::join!(handshake(client, SerializerKind::Cbor, max, None), router_side);
        (connection, router, hello)
    }

    #[tokio::test]
    async fn handshake_offers_the_serializer_and_takes_the_smaller_limit() {
        let (connection, _router, hello) = connected([0x7F, 0x33, 0, 0], 65_536).await;
        assert_eq!(hello, [0x7F, 0x73, 0, 0]);
        let connection = connection.unwrap();
        assert_eq!(connection.serializer, SerializerKind::Cbor);
        assert_eq!(connection.max_message_size, 4096);
        let (connection, _router, _) = connected([0x7F, 0xF3, 0, 0], 65_536).await;
        assert_eq!(connection.unwrap().max_message_size, 65_536);
    }

    #[tokio::test]
    async fn refused_handshakes_name_the_reason() {
        let cases = [
            (
                0x10,
                "the router refused the RawSocket handshake: serializer unsupported (error code 1)",
            ),
            (0x20, "maximum message length unacceptable (error code 2)"),
            (0x30, "use of reserved bits (unsupported feature) (error code 3)"),
            (0x40, "maximum connection count reached (error code 4)"),
            (0x90, "unknown error code (error code 9)"),
        ];
        for (byte, expected) in cases {
            let (connection, _router, _) = connected([0x7F, byte, 0, 0], 65_536).await;
            let err = connection.unwrap_err().to_string();
            assert!(err.ends_with(expected), "{err}");
        }
        let (connection, _router, _) = connected([0x7F, 0x72, 0, 0], 65_536).await;
        let err = connection.unwrap_err().to_string();
        assert!(
            err.contains("asked for serializer cbor (id 3), the router answered id 2"),
            "{err}"
        );
        let (connection, _router, _) = connected(*b"HTTP", 65_536).await;
        let err = connection.unwrap_err().to_string();
        assert!(
            err.starts_with("not a RawSocket handshake answer: expected 0x7f first"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_connection_closed_during_the_handshake_says_so() {
        let (client, mut router) = tokio::io::duplex(64);
        let router_side = async move {
            let mut hello = [0u8; 4];
            router.read_exact(&mut hello).await.unwrap();
            drop(router);
        };
        let (connection, ()) = tokio::join!(handshake(client, SerializerKind::MsgPack, 1024, None), router_side);
        assert_eq!(
            connection.unwrap_err().to_string(),
            "the router closed the connection during the RawSocket handshake; \
             Crossbar does this when the transport does not offer the msgpack serializer"
        );
    }

    #[tokio::test]
    async fn pongs_owed_to_a_router_that_does_not_read_are_bounded() {
        const PING: usize = 400 * 1024;
        let (connection, router, _) = connected([0x7F, 0xF3, 0, 0], 1 << 20).await;
        let mut connection = connection.unwrap();
        let (mut from_client, mut to_client) = tokio::io::split(router);
        let frame = |kind: u8, payload: &[u8]| {
            let mut bytes = vec![kind];
            bytes.extend_from_slice(&u32::try_from(payload.len()).unwrap().to_be_bytes()[1..]);
            bytes.extend_from_slice(payload);
            bytes
        };
        // Six pings of 400 KiB while the router reads nothing: two pongs fit
        // the 1 MiB pipe, a third is half written, two wait in the queue
        // (800 KiB), the sixth would pass the 1 MiB bound and gets no answer.
        let pings = async {
            for n in 0..6u8 {
                to_client.write_all(&frame(1, &vec![n; PING])).await.unwrap();
            }
            to_client.write_all(&frame(0, b"x")).await.unwrap();
        };
        let bound = Duration::from_secs(10);
        let (_, delivered) = tokio::time::timeout(bound, async { tokio::join!(pings, connection.stream.next()) })
            .await
            .expect("the pings are read and the message delivered");
        assert!(
            matches!(delivered, Some(Ok(Incoming::Frame(ref f))) if &f[..] == b"x"),
            "{delivered:?}"
        );

        // The router reads again; the client goes on serving its stream.
        let served = tokio::spawn(async move { connection.stream.next().await.map(|r| r.is_ok()) });
        let mut answered = Vec::new();
        loop {
            let mut header = [0u8; 4];
            let read = tokio::time::timeout(Duration::from_millis(500), from_client.read_exact(&mut header)).await;
            let Ok(read) = read else { break };
            read.unwrap();
            assert_eq!(header[0], 2, "a pong");
            let mut payload =
                vec![0u8; usize::from(header[1]) << 16 | usize::from(header[2]) << 8 | usize::from(header[3])];
            tokio::time::timeout(bound, from_client.read_exact(&mut payload))
                .await
                .expect("a pong whose header came arrives whole")
                .unwrap();
            answered.push(payload[0]);
        }
        assert_eq!(answered, [0, 1, 2, 3, 4], "the sixth ping is not answered");
        to_client.write_all(&frame(0, b"y")).await.unwrap();
        assert_eq!(tokio::time::timeout(bound, served).await.unwrap().unwrap(), Some(true));
    }

    #[tokio::test]
    async fn frames_pings_and_pongs() {
        let (connection, mut router, _) = connected([0x7F, 0xF3, 0, 0], 1 << 20).await;
        let mut connection = connection.unwrap();

        // A message each way.
        connection.sink.send(Outgoing::Frame(b"abc".to_vec())).await.unwrap();
        let mut header = [0u8; 7];
        router.read_exact(&mut header).await.unwrap();
        assert_eq!(header, [0, 0, 0, 3, b'a', b'b', b'c']);
        router.write_all(&[0, 0, 0, 2, b'h', b'i']).await.unwrap();
        match connection.stream.next().await {
            Some(Ok(Incoming::Frame(frame))) => assert_eq!(&frame[..], b"hi"),
            other => panic!("{other:?}"),
        }

        // The router pings: the pong echoes the payload, then the next
        // message is delivered.
        router
            .write_all(&[1, 0, 0, 4, 1, 2, 3, 4, 0, 0, 0, 1, b'x'])
            .await
            .unwrap();
        match connection.stream.next().await {
            Some(Ok(Incoming::Frame(frame))) => assert_eq!(&frame[..], b"x"),
            other => panic!("{other:?}"),
        }
        let mut pong = [0u8; 8];
        router.read_exact(&mut pong).await.unwrap();
        assert_eq!(pong, [2, 0, 0, 4, 1, 2, 3, 4]);

        // We ping: the router's pong is reported.
        connection.sink.send(Outgoing::Ping).await.unwrap();
        let mut ping = [0u8; 4];
        router.read_exact(&mut ping).await.unwrap();
        assert_eq!(ping[0], 1);
        let mut payload = vec![0u8; usize::from(ping[3])];
        router.read_exact(&mut payload).await.unwrap();
        router.write_all(&[2, 0, 0, ping[3]]).await.unwrap();
        router.write_all(&payload).await.unwrap();
        assert!(matches!(connection.stream.next().await, Some(Ok(Incoming::Pong))));

        // The router closes: the stream ends.
        drop(router);
        assert!(connection.stream.next().await.is_none());
    }

    #[tokio::test]
    async fn oversized_frames_fail_each_way_without_reading_them() {
        let (connection, mut router, _) = connected([0x7F, 0x33, 0, 0], 65_536).await;
        let mut connection = connection.unwrap();
        assert_eq!(connection.max_message_size, 4096);
        let err = connection
            .sink
            .send(Outgoing::Frame(vec![0; 4097]))
            .await
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "cannot send a frame of 4097 bytes: the connection accepts at most 4096 bytes"
        );

        // A header announcing 16 MiB - 1 with no payload behind it: refused
        // at once, nothing reserved for it.
        router.write_all(&[0, 0xFF, 0xFF, 0xFF]).await.unwrap();
        let err = connection.stream.next().await.unwrap().unwrap_err().to_string();
        assert_eq!(
            err,
            "received a frame of 16777215 bytes, more than max_message_size (65536 bytes)"
        );
    }

    #[tokio::test]
    async fn invalid_frame_headers_are_rejected() {
        for (header, expected) in [
            ([3u8, 0, 0, 0], "invalid RawSocket frame: unknown frame type 3"),
            (
                [0x08, 0, 0, 0],
                "invalid RawSocket frame: reserved bits set in the header byte 0x08",
            ),
        ] {
            let (connection, mut router, _) = connected([0x7F, 0xF3, 0, 0], 65_536).await;
            let mut connection = connection.unwrap();
            router.write_all(&header).await.unwrap();
            let err = connection.stream.next().await.unwrap().unwrap_err().to_string();
            assert_eq!(err, expected);
        }
    }
}
