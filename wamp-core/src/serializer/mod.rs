//! Wire serializers: turning [`Message`]s into frames and back.
//!
//! A [`Serializer`] is chosen per connection (WebSocket subprotocol or
//! RawSocket serializer id, see [`SerializerKind`]): JSON, MessagePack and
//! CBOR.

use std::fmt;
use std::str::FromStr;

use crate::error::{DecodeError, EncodeError};
use crate::lazy::LazyDict;
use crate::message::{CallResult, Message};
use crate::value::Value;

mod cbor;
mod json;
mod msgpack;

pub use cbor::CborSerializer;
pub use json::JsonSerializer;
pub use msgpack::MsgPackSerializer;

/// How deeply lists and dicts may nest in a received frame (the limit
/// `serde_json` applies to JSON, applied to the binary formats too so that
/// a hostile frame cannot exhaust the stack).
pub(crate) const MAX_DEPTH: usize = 128;

/// The message a decoded top-level value stands for.
pub(crate) fn message_from_value(value: Value) -> Result<Message, DecodeError> {
    match value {
        Value::List(items) => Message::from_list(items),
        other => Err(DecodeError::NotAList(other.type_name())),
    }
}

/// RESULT frames up to this size keep their details encoded (the frame is
/// copied into a [`LazyDict`]); past it, a copy would cost more than the
/// details are worth.
const LAZY_DETAILS_LIMIT: usize = 4096;

/// A RESULT decoded with its details left encoded, or `None` when the frame
/// must be decoded in full: it is too large, `looks_like_result` (a check of
/// its first bytes) says it is not a RESULT, or `lean` cannot decode it.
pub(crate) fn lean_result(
    kind: SerializerKind,
    frame: &[u8],
    looks_like_result: bool,
    lean: impl FnOnce() -> Option<CallResult>,
) -> Option<Message> {
    if !looks_like_result || frame.len() > LAZY_DETAILS_LIMIT {
        return None;
    }
    let result = lean()?;
    Some(Message::Result(CallResult {
        details: LazyDict::result_details(kind, frame),
        ..result
    }))
}

/// Decodes `frame` with nothing left encoded.
pub(crate) fn decode_eagerly(kind: SerializerKind, frame: &[u8]) -> Result<Message, DecodeError> {
    match kind {
        SerializerKind::Json => json::decode_eagerly(frame),
        SerializerKind::MsgPack => msgpack::decode_eagerly(frame),
        SerializerKind::Cbor => cbor::decode_eagerly(frame),
    }
}

/// The serializers WAMP defines.
///
/// ```
/// use wamp_core::SerializerKind;
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

    /// Creates a serializer of this kind.
    pub fn serializer(self) -> Box<dyn Serializer> {
        match self {
            SerializerKind::Json => Box::new(JsonSerializer),
            SerializerKind::MsgPack => Box::new(MsgPackSerializer),
            SerializerKind::Cbor => Box::new(CborSerializer),
        }
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
