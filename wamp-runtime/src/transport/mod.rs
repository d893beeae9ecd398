//! Transports carry serialized WAMP messages ("frames") between a client and
//! a router. A connected transport is a `FrameSink` plus a `FrameStream`;
//! the session neither knows nor cares which transport it runs over.

pub mod rawsocket;
mod tcp;
pub(crate) mod tls;
mod websocket;

use std::pin::Pin;
use std::sync::Arc;

use futures_util::{Sink, Stream};
use wamp_protocol::{EncodeError, Message, Serializer, SerializerKind};

use crate::config::ClientConfig;
pub(crate) use crate::endpoint::Endpoint;

/// Opens a connection to `endpoint` with the settings of `config`.
/// WebSocket offers `config.serializers` in order and uses the router's
/// choice; RawSocket asks for the first one. `config.max_message_size` caps
/// the frames received (and sent); `config.tls` applies to `wss://` and
/// `rss://`.
pub(crate) async fn connect(endpoint: &Endpoint, config: &ClientConfig) -> Result<Connection, TransportError> {
    let serializers = if config.serializers.is_empty() {
        &[SerializerKind::Json][..]
    } else {
        &config.serializers[..]
    };
    let max_message_size = config.max_message_size;
    match endpoint {
        Endpoint::WebSocket(url) => websocket::connect(url, serializers, max_message_size, &config.tls).await,
        Endpoint::RawSocketTcp(address) => rawsocket::connect_tcp(address, serializers[0], max_message_size).await,
        Endpoint::RawSocketTls(address) => {
            rawsocket::connect_tls(address, serializers[0], max_message_size, &config.tls).await
        }
        Endpoint::RawSocketUnix(path) => rawsocket::connect_unix(path, serializers[0], max_message_size).await,
    }
}

/// Bytes of one received frame.
pub(crate) type ReceivedMessage = bytes::Bytes;

/// What the session sends through a transport.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// One serialized WAMP message.
    Frame(Vec<u8>),
    /// A transport-level keepalive probe; the peer answers with [`Incoming::Pong`].
    Ping,
}

/// What a transport delivers to the session.
#[derive(Debug)]
pub(crate) enum Incoming {
    /// One serialized WAMP message.
    Frame(ReceivedMessage),
    /// The answer to a [`Outgoing::Ping`].
    Pong,
}

/// The sending half of a connected transport.
pub(crate) type FrameSink = Pin<Box<dyn Sink<Outgoing, Error = TransportError> + Send>>;

/// The receiving half of a connected transport. Ends when the peer closes.
pub(crate) type FrameStream = Pin<Box<dyn Stream<Item = Result<Incoming, TransportError>> + Send>>;

/// A connected transport and the serializer both ends agreed on.
pub(crate) struct Connection {
    pub(crate) sink: FrameSink,
    pub(crate) stream: FrameStream,
    pub(crate) serializer: SerializerKind,
    /// The largest frame that may be sent: our `max_message_size`, and on
    /// RawSocket also no more than the router announced.
    pub(crate) max_message_size: usize,
    /// Whether the session may send [`Outgoing::Ping`] for keepalive. Not
    /// over RawSocket: Crossbar's RawSocket (autobahn-twisted) reads the
    /// frame type byte of a ping as part of the length and drops the
    /// connection.
    pub(crate) pings: bool,
}

impl Connection {
    /// The negotiated serializer, refusing to encode messages larger than
    /// [`max_message_size`](Self::max_message_size) (so an oversized call
    /// fails on its own with a clear error instead of breaking the link).
    pub(crate) fn serializer(&self) -> Arc<dyn Serializer> {
        Arc::new(SizeLimited {
            inner: self.serializer.serializer(),
            limit: self.max_message_size,
        })
    }
}

/// A serializer whose frames may not exceed `limit` bytes.
#[derive(Debug)]
struct SizeLimited {
    inner: Box<dyn Serializer>,
    limit: usize,
}

impl Serializer for SizeLimited {
    fn kind(&self) -> SerializerKind {
        self.inner.kind()
    }

    fn encode(&self, message: &Message) -> Result<Vec<u8>, EncodeError> {
        let frame = self.inner.encode(message)?;
        if frame.len() > self.limit {
            return Err(EncodeError::TooLarge {
                size: frame.len(),
                limit: self.limit,
            });
        }
        Ok(frame)
    }

    fn decode(&self, frame: &[u8]) -> Result<Message, wamp_protocol::DecodeError> {
        self.inner.decode(frame)
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("serializer", &self.serializer)
            .finish_non_exhaustive()
    }
}

/// A failure of the transport below the WAMP session.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The WebSocket layer failed (TCP, HTTP upgrade, framing).
    #[error("websocket: {0}")]
    WebSocket(#[from] tokio_tungstenite::tungstenite::Error),
    /// The router accepted the WebSocket but none of the offered WAMP subprotocols.
    #[error("the router did not agree to any offered subprotocol ({offered}); it answered {answered:?}")]
    SubprotocolRejected {
        /// The subprotocols offered, comma-separated.
        offered: String,
        /// What the router put in `Sec-WebSocket-Protocol`, if anything.
        answered: Option<String>,
    },
    /// A frame of the wrong kind for the serializer (binary for JSON, text for a binary serializer).
    #[error("received a {0} frame, which the negotiated serializer does not use")]
    UnexpectedFrameKind(&'static str),
    /// Tried to send a text frame that is not UTF-8 (a serializer bug).
    #[error("a text frame must be UTF-8")]
    InvalidText,
    /// The TCP or Unix socket failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The router's answer to the RawSocket handshake opens no connection:
    /// a refusal, another serializer, or not RawSocket at all.
    #[error(transparent)]
    RawSocketHandshake(#[from] rawsocket::HandshakeError),
    /// The router closed or reset the connection before answering the
    /// RawSocket handshake (Crossbar does this for a serializer the
    /// transport does not offer).
    #[error(
        "the router closed the connection during the RawSocket handshake; \
         Crossbar does this when the transport does not offer the {serializer} serializer"
    )]
    HandshakeClosed {
        /// The serializer asked for.
        serializer: SerializerKind,
    },
    /// A RawSocket frame cannot be read (an invalid header, over
    /// `max_message_size`, a ping that cannot be answered) or sent (larger
    /// than the router accepts).
    #[error(transparent)]
    RawSocketFrame(#[from] rawsocket::FrameError),
    /// The router's TLS certificate did not pass verification (unknown CA,
    /// wrong host name, expired...).
    #[error("the router's TLS certificate was not trusted: {reason} ({hint})")]
    CertificateNotTrusted {
        /// What rustls reported, e.g. `invalid peer certificate: UnknownIssuer`.
        reason: String,
        /// What to check or change.
        hint: String,
    },
    /// The TLS handshake failed for another reason, e.g. the router refused
    /// the connection because it requires a client certificate.
    #[error("{0}")]
    TlsRefused(String),
    /// The TLS settings cannot be used: a CA, certificate or key file that
    /// cannot be read, no trusted root certificates, a host name that is not
    /// valid for TLS.
    #[error("TLS settings: {0}")]
    TlsSetup(String),
}
