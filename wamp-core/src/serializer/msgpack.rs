//! The `wamp.2.msgpack` serializer: a MessagePack reader and writer of its
//! own (`read` and `write`), straight between frames and messages.

use super::api::{Serializer, SerializerKind};
use super::lazy_details::{self, msgpack_lean_result};
use crate::error::{DecodeError, EncodeError};
use crate::message::{CallResult, Message, message_from_value};

// The lazy details codec walks a RESULT with this reader.
pub(super) mod read;
mod write;

#[cfg(test)]
mod tests;

/// The MessagePack serializer (`wamp.2.msgpack`, RawSocket serializer id 2).
///
/// Binary values ([`Value::Bytes`]) are MessagePack `bin`; strings are
/// `str`, so a string starting with NUL stays a string (unlike JSON).
/// Integers use the smallest MessagePack integer type that holds them and
/// decode as [`Value::Integer`] (or [`Value::UnsignedInteger`] above
/// `i64::MAX`); floats are `float 64` (a received `float 32` is widened).
/// NaN and infinities are encoded as they are.
///
/// The serializer reads and writes the format itself, with no serde layer
/// in between. Encoding writes straight from the message, without an
/// intermediate value tree. Decoding reads straight from the frame, never
/// trusts a length prefix for an allocation (a header claiming 2^32
/// elements in a small frame fails with "unexpected end of input" instead
/// of reserving memory), rejects trailing bytes and 128 or more levels of
/// nesting (lists, dictionaries and extensions each count as one; the error
/// says "nested more than 128 levels deep"), and maps extension types to a
/// list `[type, bytes]`. A `str` that is not UTF-8 decodes as
/// [`Value::Bytes`]. Dictionary keys must be strings (a `bin` holding UTF-8
/// is accepted) or integers, which become their decimal text; of duplicate
/// keys the last one wins. A string, binary, list or dictionary of 2^32
/// bytes or elements or more cannot be encoded.
///
/// [`Value::Bytes`]: crate::Value::Bytes
/// [`Value::Integer`]: crate::Value::Integer
/// [`Value::UnsignedInteger`]: crate::Value::UnsignedInteger
///
/// ```
/// use wamp_protocol::{Call, Message, MsgPackSerializer, Payload, Serializer, Value};
///
/// let call = Message::Call(Call {
///     request: 7,
///     procedure: "com.x".into(),
///     payload: Payload::from_args(vec![Value::Bytes(vec![1, 2])]),
///     ..Default::default()
/// });
/// let frame = MsgPackSerializer.encode(&call).unwrap();
/// assert_eq!(frame, b"\x95\x30\x07\x80\xa5com.x\x91\xc4\x02\x01\x02");
/// assert_eq!(MsgPackSerializer.decode(&frame).unwrap(), call);
///
/// let err = MsgPackSerializer.decode(b"\x93\x30\x07").unwrap_err();
/// assert!(err.to_string().starts_with("malformed MessagePack"), "{err}");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct MsgPackSerializer;

impl Serializer for MsgPackSerializer {
    fn kind(&self) -> SerializerKind {
        SerializerKind::MsgPack
    }

    fn encode(&self, message: &Message) -> Result<Vec<u8>, EncodeError> {
        write::encode(message)
    }

    fn decode(&self, frame: &[u8]) -> Result<Message, DecodeError> {
        lazy_details::decode::<Self>(frame)
    }
}

impl lazy_details::Format for MsgPackSerializer {
    fn looks_like_result(frame: &[u8]) -> bool {
        // A fixarray of 3 to 5 items starting with the positive fixint 50.
        matches!(frame, [0x93..=0x95, 50, ..])
    }

    fn lean_result(frame: &[u8]) -> Option<CallResult> {
        msgpack_lean_result(frame)
    }

    fn decode_eagerly(frame: &[u8]) -> Result<Message, DecodeError> {
        message_from_value(read::whole(frame)?)
    }
}
