//! The WAMP RawSocket protocol as an I/O-free codec: the client's 4-byte
//! handshake and the length-prefixed frames that follow it.
//!
//! The client transport (`rs://host:port`, `tcp://host:port`,
//! `rss://host:port`, `unix:///path`) runs on this codec; it is public so
//! that tests, fuzzers and other peers can produce and check exactly the
//! bytes the client does, without a socket.
//!
//! Handshake: the client sends `0x7F`, `LLLL SSSS`, `0`, `0`, where `SSSS`
//! is the serializer id (JSON 1, MessagePack 2, CBOR 3) and `LLLL` the
//! largest message it accepts, as the exponent `2^(9 + LLLL)` bytes (512 B to
//! 16 MiB). The router answers the same shape with the serializer echoed and
//! its own limit, or `0x7F`, `EEEE 0000`, `0`, `0` with an error code.
//!
//! Frames: a 4-byte header (the low 3 bits of the first byte are the kind:
//! 0 a WAMP message, 1 ping, 2 pong; the other 5 bits are reserved; then a
//! 24-bit big-endian length), then the payload. A ping is answered with a
//! pong echoing its payload.
//!
//! ```
//! use bytes::BytesMut;
//! use wamp_protocol::SerializerKind;
//! use wamp_runtime::transport::rawsocket::{Frame, FrameKind, Handshake};
//!
//! // The client asks for CBOR and accepts messages up to 64 KiB...
//! let handshake = Handshake::new(SerializerKind::Cbor, 65_536);
//! assert_eq!(handshake.encode(), [0x7F, 0x73, 0, 0]);
//!
//! // ...the router agrees to CBOR and accepts up to 4 KiB.
//! let codec = handshake.decode_answer([0x7F, 0x33, 0, 0])?;
//! assert_eq!(codec.max_incoming(), 65_536);
//! assert_eq!(codec.max_outgoing(), 4096);
//!
//! // A frame as the client sends it, read back as a socket delivers it:
//! // nothing until the frame is complete.
//! let mut wire = BytesMut::new();
//! codec.encode(FrameKind::Ping, b"hi", &mut wire)?;
//! assert_eq!(&wire[..], [1, 0, 0, 2, b'h', b'i']);
//! let mut received = BytesMut::from(&wire[..5]);
//! assert_eq!(codec.decode(&mut received)?, None);
//! received.extend_from_slice(&wire[5..]);
//! assert_eq!(codec.decode(&mut received)?, Some(Frame::Ping("hi".into())));
//!
//! // An answer that is not RawSocket at all.
//! let refused = handshake.decode_answer(*b"HTTP").unwrap_err();
//! assert!(refused.to_string().contains("is this a RawSocket transport?"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod connection;

pub(crate) use connection::{connect_tcp, connect_tls, connect_unix};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use wamp_protocol::SerializerKind;

/// The first byte of every handshake, the client's and the router's.
pub const MAGIC: u8 = 0x7F;

/// The length of a handshake, each way.
pub const HANDSHAKE_LENGTH: usize = 4;

/// The length of a frame header.
pub const HEADER_LENGTH: usize = 4;

/// The largest payload a frame header can announce (24 bits: 16 MiB - 1).
pub const MAX_FRAME_LENGTH: usize = 0xFF_FFFF;

/// The client's side of the handshake: the serializer it asks for and the
/// largest message it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handshake {
    serializer: SerializerKind,
    max_message_size: usize,
}

impl Handshake {
    /// A handshake asking for `serializer` and accepting messages of up to
    /// `max_message_size` bytes.
    pub fn new(serializer: SerializerKind, max_message_size: usize) -> Self {
        Self {
            serializer,
            max_message_size,
        }
    }

    /// The serializer asked for.
    pub fn serializer(&self) -> SerializerKind {
        self.serializer
    }

    /// The largest message accepted, as given to [`new`](Self::new).
    pub fn max_message_size(&self) -> usize {
        self.max_message_size
    }

    /// The 4 bytes the client sends. The limit is announced as the largest
    /// power of two not above `max_message_size`, within 512 B to 16 MiB
    /// (below 512 B, 512 B is announced: the format cannot say less).
    pub fn encode(&self) -> [u8; HANDSHAKE_LENGTH] {
        [
            MAGIC,
            length_exponent(self.max_message_size) << 4 | self.serializer.rawsocket_id(),
            0,
            0,
        ]
    }

    /// Reads the router's 4-byte answer: the codec of the connection, with
    /// our limit for what we receive and the smaller of both for what we
    /// send; or why there is no connection. The two reserved bytes of the
    /// answer are not checked.
    pub fn decode_answer(&self, answer: [u8; HANDSHAKE_LENGTH]) -> Result<FrameCodec, HandshakeError> {
        if answer[0] != MAGIC {
            return Err(HandshakeError::NotRawSocket { answer });
        }
        let (high, low) = (answer[1] >> 4, answer[1] & 0x0F);
        if low == 0 {
            return Err(HandshakeError::Refused { code: high });
        }
        if low != self.serializer.rawsocket_id() {
            return Err(HandshakeError::SerializerMismatch {
                asked: self.serializer,
                answered: low,
            });
        }
        let router_limit = 1usize << (9 + high);
        Ok(FrameCodec::new(
            self.max_message_size,
            self.max_message_size.min(router_limit),
        ))
    }
}

/// The length exponent announcing `limit`: the largest `2^(9 + e)` not above
/// it, within 0..=15.
fn length_exponent(limit: usize) -> u8 {
    (0..=15u8).rev().find(|e| 1usize << (9 + e) <= limit).unwrap_or(0)
}

/// What an error code in a refusing handshake answer means (WAMP spec,
/// RawSocket transport).
fn refusal_reason(code: u8) -> &'static str {
    match code {
        0 => "illegal error code 0",
        1 => "serializer unsupported",
        2 => "maximum message length unacceptable",
        3 => "use of reserved bits (unsupported feature)",
        4 => "maximum connection count reached",
        _ => "unknown error code",
    }
}

/// Why the router's handshake answer opens no connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The answer does not start with [`MAGIC`]: the peer does not speak
    /// RawSocket (an HTTP server, a WebSocket port...).
    #[error(
        "not a RawSocket handshake answer: expected 0x7f first, got {answer:02x?} ({:?}); \
         is this a RawSocket transport?",
        String::from_utf8_lossy(answer)
    )]
    NotRawSocket {
        /// The 4 bytes received.
        answer: [u8; HANDSHAKE_LENGTH],
    },
    /// The router refused the connection with an error code.
    #[error(
        "the router refused the RawSocket handshake: {} (error code {code})",
        refusal_reason(*code)
    )]
    Refused {
        /// The error code of the answer, 0 to 15 (0 is not a valid code).
        code: u8,
    },
    /// The router agreed to a serializer other than the one asked for.
    #[error(
        "not a RawSocket handshake answer: asked for serializer {asked} (id {}), the router answered id {answered}",
        asked.rawsocket_id()
    )]
    SerializerMismatch {
        /// The serializer asked for.
        asked: SerializerKind,
        /// The serializer id of the answer (1 to 15).
        answered: u8,
    },
}

/// The kind of a frame, the low 3 bits of its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameKind {
    /// A serialized WAMP message.
    Message,
    /// A ping; the peer answers with a pong echoing its payload.
    Ping,
    /// The answer to a ping.
    Pong,
}

impl FrameKind {
    /// The kind's number in the header: 0, 1 or 2.
    pub fn code(self) -> u8 {
        match self {
            Self::Message => 0,
            Self::Ping => 1,
            Self::Pong => 2,
        }
    }
}

/// A frame header: the kind of the frame and the length of its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    kind: FrameKind,
    length: usize,
}

impl FrameHeader {
    /// The header of a `kind` frame with `length` bytes of payload.
    ///
    /// # Errors
    /// [`FrameError::OutgoingTooLarge`] when `length` exceeds
    /// [`MAX_FRAME_LENGTH`], the most 24 bits can announce.
    pub fn new(kind: FrameKind, length: usize) -> Result<Self, FrameError> {
        if length > MAX_FRAME_LENGTH {
            return Err(FrameError::OutgoingTooLarge {
                size: length,
                limit: MAX_FRAME_LENGTH,
            });
        }
        Ok(Self { kind, length })
    }

    /// The kind of the frame.
    pub fn kind(&self) -> FrameKind {
        self.kind
    }

    /// The length of the payload that follows the header.
    pub fn length(&self) -> usize {
        self.length
    }

    /// The 4 bytes of the header.
    pub fn encode(&self) -> [u8; HEADER_LENGTH] {
        // The length fits 24 bits: `new` checked it.
        let [_, high, middle, low] = (self.length as u32).to_be_bytes();
        [self.kind.code(), high, middle, low]
    }

    /// Reads a header. Its length is not checked against any limit here;
    /// [`FrameCodec::decode`] does that.
    ///
    /// # Errors
    /// [`FrameError::ReservedBits`] when any of the 5 high bits of the first
    /// byte is set, [`FrameError::UnknownKind`] for a kind other than 0, 1
    /// and 2.
    pub fn decode(header: [u8; HEADER_LENGTH]) -> Result<Self, FrameError> {
        let [first, high, middle, low] = header;
        if first >> 3 != 0 {
            return Err(FrameError::ReservedBits { byte: first });
        }
        let kind = match first {
            0 => FrameKind::Message,
            1 => FrameKind::Ping,
            2 => FrameKind::Pong,
            kind => return Err(FrameError::UnknownKind { kind }),
        };
        let length = usize::from(high) << 16 | usize::from(middle) << 8 | usize::from(low);
        Ok(Self { kind, length })
    }
}

/// One received frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A serialized WAMP message.
    Message(Bytes),
    /// A ping, to be answered with a pong echoing this payload.
    Ping(Bytes),
    /// The answer to a ping, echoing its payload.
    Pong(Bytes),
}

impl Frame {
    /// The kind of the frame.
    pub fn kind(&self) -> FrameKind {
        match self {
            Self::Message(_) => FrameKind::Message,
            Self::Ping(_) => FrameKind::Ping,
            Self::Pong(_) => FrameKind::Pong,
        }
    }

    /// The payload of the frame.
    pub fn payload(&self) -> &Bytes {
        match self {
            Self::Message(payload) | Self::Ping(payload) | Self::Pong(payload) => payload,
        }
    }
}

/// The frames of a connection, with a limit each way: reads frames from a
/// buffer of received bytes, writes frames into a buffer of bytes to send.
/// [`Handshake::decode_answer`] gives the codec the handshake negotiated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameCodec {
    max_incoming: usize,
    max_outgoing: usize,
}

impl FrameCodec {
    /// A codec reading frames of up to `max_incoming` bytes and writing
    /// frames of up to `max_outgoing` bytes (at most [`MAX_FRAME_LENGTH`]:
    /// a larger limit is lowered to it).
    pub fn new(max_incoming: usize, max_outgoing: usize) -> Self {
        Self {
            max_incoming,
            max_outgoing: max_outgoing.min(MAX_FRAME_LENGTH),
        }
    }

    /// The largest payload read.
    pub fn max_incoming(&self) -> usize {
        self.max_incoming
    }

    /// The largest payload written; also the largest ping that can be
    /// answered, as the pong echoes it.
    pub fn max_outgoing(&self) -> usize {
        self.max_outgoing
    }

    /// Takes the next whole frame off the front of `received`; `Ok(None)`
    /// while it is incomplete, after reserving room for the rest of it.
    ///
    /// A header over the limit is refused as soon as it arrives, before
    /// anything is reserved for its payload, so a peer cannot make the
    /// reader allocate more than the limit.
    ///
    /// # Errors
    /// Those of [`FrameHeader::decode`]; [`FrameError::IncomingTooLarge`]
    /// for a frame over [`max_incoming`](Self::max_incoming);
    /// [`FrameError::UnanswerablePing`] for a ping over
    /// [`max_outgoing`](Self::max_outgoing). After an error the stream
    /// cannot be read further.
    pub fn decode(&self, received: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        let Some(&[first, high, middle, low]) = received.get(..HEADER_LENGTH) else {
            return Ok(None);
        };
        let header = FrameHeader::decode([first, high, middle, low])?;
        let length = header.length();
        if length > self.max_incoming {
            return Err(FrameError::IncomingTooLarge {
                size: length,
                limit: self.max_incoming,
            });
        }
        if header.kind() == FrameKind::Ping && length > self.max_outgoing {
            return Err(FrameError::UnanswerablePing {
                size: length,
                limit: self.max_outgoing,
            });
        }
        if received.len() < HEADER_LENGTH + length {
            received.reserve(HEADER_LENGTH + length - received.len());
            return Ok(None);
        }
        received.advance(HEADER_LENGTH);
        let payload = received.split_to(length).freeze();
        Ok(Some(match header.kind() {
            FrameKind::Message => Frame::Message(payload),
            FrameKind::Ping => Frame::Ping(payload),
            FrameKind::Pong => Frame::Pong(payload),
        }))
    }

    /// Appends a `kind` frame carrying `payload` to `to_send`.
    ///
    /// # Errors
    /// [`FrameError::OutgoingTooLarge`] for a payload over
    /// [`max_outgoing`](Self::max_outgoing); nothing is appended then.
    pub fn encode(&self, kind: FrameKind, payload: &[u8], to_send: &mut BytesMut) -> Result<(), FrameError> {
        if payload.len() > self.max_outgoing {
            return Err(FrameError::OutgoingTooLarge {
                size: payload.len(),
                limit: self.max_outgoing,
            });
        }
        let header = FrameHeader::new(kind, payload.len())?;
        to_send.reserve(HEADER_LENGTH + payload.len());
        to_send.put_slice(&header.encode());
        to_send.put_slice(payload);
        Ok(())
    }
}

/// A frame that cannot be read or sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// One of the 5 reserved bits of a received header is set.
    #[error("invalid RawSocket frame: reserved bits set in the header byte {byte:#04x}")]
    ReservedBits {
        /// The first byte of the header.
        byte: u8,
    },
    /// A received header has a kind other than message, ping and pong.
    #[error("invalid RawSocket frame: unknown frame type {kind}")]
    UnknownKind {
        /// The kind's number, 3 to 7.
        kind: u8,
    },
    /// A received header announces more than our limit; the payload was
    /// not read.
    #[error("received a frame of {size} bytes, more than max_message_size ({limit} bytes)")]
    IncomingTooLarge {
        /// The length announced by the header.
        size: usize,
        /// Our limit.
        limit: usize,
    },
    /// A received ping is larger than the peer accepts, so the pong that
    /// must echo it cannot be sent.
    #[error(
        "invalid RawSocket frame: the router sent a ping of {size} bytes but accepts at most {limit} bytes, \
         so the pong (an echo of the ping) cannot be sent"
    )]
    UnanswerablePing {
        /// The length of the ping.
        size: usize,
        /// The largest frame the peer accepts.
        limit: usize,
    },
    /// A frame to send is larger than the peer accepts (or than a header
    /// can announce).
    #[error("cannot send a frame of {size} bytes: the connection accepts at most {limit} bytes")]
    OutgoingTooLarge {
        /// The length of the payload.
        size: usize,
        /// The limit negotiated with the router.
        limit: usize,
    },
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn length_exponent_is_the_largest_power_not_above_the_limit() {
        assert_eq!(length_exponent(0), 0);
        assert_eq!(length_exponent(511), 0);
        assert_eq!(length_exponent(512), 0);
        assert_eq!(length_exponent(4096), 3);
        assert_eq!(length_exponent(65_536), 7);
        assert_eq!(length_exponent(100_000), 7);
        assert_eq!(length_exponent(16 << 20), 15);
        assert_eq!(length_exponent(usize::MAX), 15);
    }

    #[test]
    fn the_answer_gives_our_limit_in_and_the_smaller_one_out() {
        let handshake = Handshake::new(SerializerKind::Json, 100_000);
        assert_eq!(handshake.encode(), [0x7F, 0x71, 0, 0]);
        let codec = handshake.decode_answer([0x7F, 0xF1, 0, 0]).unwrap();
        assert_eq!((codec.max_incoming(), codec.max_outgoing()), (100_000, 100_000));
        let codec = handshake.decode_answer([0x7F, 0x01, 0, 0]).unwrap();
        assert_eq!(codec.max_outgoing(), 512);
        let large = Handshake::new(SerializerKind::Json, usize::MAX);
        let codec = large.decode_answer([0x7F, 0xF1, 0, 0]).unwrap();
        assert_eq!(codec.max_outgoing(), MAX_FRAME_LENGTH, "within 24 bits");
    }

    #[test]
    fn headers_round_trip_and_bad_ones_are_named() {
        for kind in [FrameKind::Message, FrameKind::Ping, FrameKind::Pong] {
            let header = FrameHeader::new(kind, 0x01_02_03).unwrap();
            assert_eq!(header.encode(), [kind.code(), 1, 2, 3]);
            assert_eq!(FrameHeader::decode(header.encode()).unwrap(), header);
        }
        assert_eq!(
            FrameHeader::new(FrameKind::Message, MAX_FRAME_LENGTH + 1),
            Err(FrameError::OutgoingTooLarge {
                size: MAX_FRAME_LENGTH + 1,
                limit: MAX_FRAME_LENGTH
            })
        );
        assert_eq!(
            FrameHeader::decode([0x09, 0, 0, 0]),
            Err(FrameError::ReservedBits { byte: 0x09 })
        );
        assert_eq!(
            FrameHeader::decode([0x07, 0, 0, 0]),
            Err(FrameError::UnknownKind { kind: 7 })
        );
    }

    #[test]
    fn a_ping_larger_than_the_peer_accepts_is_refused_at_its_header() {
        let codec = FrameCodec::new(4096, 512);
        let mut received = BytesMut::from(&[1u8, 0, 2, 4][..]);
        assert_eq!(
            codec.decode(&mut received),
            Err(FrameError::UnanswerablePing { size: 516, limit: 512 })
        );
        let mut received = BytesMut::from(&[0u8, 0, 2, 4][..]);
        assert_eq!(codec.decode(&mut received), Ok(None), "a message of that size is fine");
    }
}
