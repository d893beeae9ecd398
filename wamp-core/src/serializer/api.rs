//! What a serializer is: the [`Serializer`] trait every format implements,
//! the [`SerializerKind`]s WAMP defines, and the nesting limit every
//! decoder applies. The formats build on this module, and nothing here
//! names a format, so that each can be read without the others.

use std::fmt;
use std::str::FromStr;

use crate::error::{DecodeError, EncodeError};
use crate::message::Message;

/// How deeply lists and dicts may nest in a received frame (the limit
/// `serde_json` applies to JSON, applied to the binary formats too so that
/// a hostile frame cannot exhaust the stack).
pub(crate) const MAX_DEPTH: usize = 128;

/// The serializers WAMP defines.
///
/// ```
/// use wamp_protocol::SerializerKind;
/// let kind = SerializerKind::Json;
/// assert_eq!(kind.subprotocol(), "wamp.2.json");
/// assert!(!kind.is_binary());
/// assert_eq!(SerializerKind::from_subprotocol("wamp.2.json"), Some(kind));
///
/// let cbor: SerializerKind = "cbor".parse().unwrap();
/// assert_eq!(cbor.rawsocket_id(), 3);
/// assert!(cbor.is_binary());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SerializerKind {
    /// JSON, with WAMP's `"\0" + base64` convention for binary values.
    Json,
    /// MessagePack, with native binary values.
    MsgPack,
    /// CBOR, with native binary values.
    Cbor,
}

impl SerializerKind {
    /// Every supported serializer, in order of preference.
    pub const ALL: &'static [SerializerKind] = &[SerializerKind::Json, SerializerKind::MsgPack, SerializerKind::Cbor];

    /// The WebSocket subprotocol, e.g. `"wamp.2.json"`.
    pub fn subprotocol(self) -> &'static str {
        match self {
            SerializerKind::Json => "wamp.2.json",
            SerializerKind::MsgPack => "wamp.2.msgpack",
            SerializerKind::Cbor => "wamp.2.cbor",
        }
    }

    /// Whether frames are binary (`false` means WebSocket text frames).
    pub fn is_binary(self) -> bool {
        match self {
            SerializerKind::Json => false,
            SerializerKind::MsgPack | SerializerKind::Cbor => true,
        }
    }

    /// The short name, e.g. `"json"`.
    pub fn name(self) -> &'static str {
        match self {
            SerializerKind::Json => "json",
            SerializerKind::MsgPack => "msgpack",
            SerializerKind::Cbor => "cbor",
        }
    }

    /// The serializer id in the RawSocket handshake: JSON 1, MessagePack 2,
    /// CBOR 3.
    pub fn rawsocket_id(self) -> u8 {
        match self {
            SerializerKind::Json => 1,
            SerializerKind::MsgPack => 2,
            SerializerKind::Cbor => 3,
        }
    }

    /// The serializer for a WebSocket subprotocol, if supported.
    pub fn from_subprotocol(subprotocol: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.subprotocol() == subprotocol)
    }

    /// The serializer for a RawSocket serializer id, if supported.
    pub fn from_rawsocket_id(id: u8) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.rawsocket_id() == id)
    }
}

impl fmt::Display for SerializerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error returned when parsing an unknown serializer name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown serializer \"{0}\", expected \"json\", \"msgpack\" or \"cbor\"")]
pub struct ParseSerializerError(String);

impl FromStr for SerializerKind {
    type Err = ParseSerializerError;

    /// Parses a short name: `"json"`, `"msgpack"` or `"cbor"`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|k| k.name() == s)
            .ok_or_else(|| ParseSerializerError(s.to_owned()))
    }
}

/// Encodes messages to frames and decodes frames to messages.
pub trait Serializer: Send + Sync + fmt::Debug + 'static {
    /// Which serializer this is.
    fn kind(&self) -> SerializerKind;

    /// Encodes a message into one frame.
    ///
    /// # Errors
    ///
    /// Fails if the message contains something the format cannot represent
    /// (e.g. NaN in JSON), or (for a size-limited serializer) if the frame
    /// would be too large.
    fn encode(&self, message: &Message) -> Result<Vec<u8>, EncodeError>;

    /// Decodes one frame into a message.
    ///
    /// # Errors
    ///
    /// Fails if the frame is malformed or is not a valid WAMP message.
    fn decode(&self, frame: &[u8]) -> Result<Message, DecodeError>;
}
