//! Transports carry serialized WAMP messages ("frames") between a client and
//! a router. A connected transport is a [`FrameSink`] plus a [`FrameStream`];
//! the session neither knows nor cares which transport it runs over.

mod websocket;

use std::pin::Pin;

use futures_util::{Sink, Stream};
use wamp_core::SerializerKind;

pub(crate) use websocket::connect as connect_websocket;

/// Bytes of one received frame.
pub(crate) type Frame = bytes::Bytes;

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
    Frame(Frame),
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
}
