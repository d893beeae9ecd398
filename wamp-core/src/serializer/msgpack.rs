//! The `wamp.2.msgpack` serializer.

use std::io::ErrorKind;

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer as _, Visitor};
use serde::ser::Serialize as _;

use super::{MAX_DEPTH, Serializer, SerializerKind, lean_result, message_from_value};
use crate::error::{DecodeError, EncodeError};
use crate::message::Message;
use crate::value::Value;
use crate::wire::{LeanResult, WireMessage, WireMode};

/// The MessagePack serializer (`wamp.2.msgpack`, RawSocket serializer id 2).
///
/// Binary values ([`Value::Bytes`]) are MessagePack `bin`; strings are
/// `str`, so a string starting with NUL stays a string (unlike JSON).
/// Integers use the smallest MessagePack integer type that holds them and
/// decode as [`Value::Integer`] (or [`Value::UnsignedInteger`] above
/// `i64::MAX`); floats are `float 64` (a received `float 32` is widened).
/// NaN and infinities are encoded as they are.
///
/// Encoding writes straight from the message, without an intermediate value
/// tree. Decoding borrows from the frame, never trusts a length prefix for
/// an allocation (a header claiming 2^32 elements in a small frame fails
/// with "unexpected end of input" instead of reserving memory), rejects
/// nesting deeper than 128 levels and trailing bytes, and maps extension
/// types to a list `[type, bytes]`. A `str` that is not UTF-8 decodes as
/// [`Value::Bytes`].
///
/// ```
/// use wamp_core::{Call, Message, MsgPackSerializer, Payload, Serializer, Value};
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
        let wire = WireMessage {
            message,
            mode: WireMode::NATIVE,
        };
        let mut frame = Vec::with_capacity(128);
        // The default configuration writes `serialize_bytes` as `bin`.
        wire.serialize(&mut rmp_serde::Serializer::new(&mut frame))
            .map_err(|e| EncodeError::Serialization(e.to_string()))?;
        Ok(frame)
    }

    fn decode(&self, frame: &[u8]) -> Result<Message, DecodeError> {
        // A fixarray of 3 to 5 items starting with the positive fixint 50.
        let looks_like_result = matches!(frame, [0x93..=0x95, 50, ..]);
        let lean = || read_whole::<LeanResult<false>>(frame).ok();
        match lean_result(SerializerKind::MsgPack, frame, looks_like_result, lean) {
            Some(message) => Ok(message),
            None => decode_eagerly(frame),
        }
    }
}

pub(super) fn decode_eagerly(frame: &[u8]) -> Result<Message, DecodeError> {
    message_from_value(read_whole::<Value>(frame)?)
}

/// Reads one `T` that must span the whole frame.
fn read_whole<'de, T: Deserialize<'de>>(frame: &'de [u8]) -> Result<T, DecodeError> {
    let mut de = rmp_serde::Deserializer::from_read_ref(frame);
    de.set_max_depth(MAX_DEPTH);
    let value = T::deserialize(&mut de).map_err(msgpack_error)?;
    // The deserializer does not expose what is left: try to read one
    // more marker, which must hit the end of the frame.
    match (&mut de).deserialize_option(MarkerProbe) {
        Err(rmp_serde::decode::Error::InvalidMarkerRead(e)) if e.kind() == ErrorKind::UnexpectedEof => Ok(value),
        _ => Err(DecodeError::MalformedMsgPack(
            "trailing bytes after the message".to_owned(),
        )),
    }
}

/// Succeeds as soon as one marker could be read (rmp-serde reads exactly
/// one marker for `deserialize_option` before calling the visitor).
struct MarkerProbe;

impl<'de> Visitor<'de> for MarkerProbe {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the end of the frame")
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: de::Deserializer<'de>>(self, _: D) -> Result<(), D::Error> {
        Ok(())
    }
}

fn msgpack_error(err: rmp_serde::decode::Error) -> DecodeError {
    use rmp_serde::decode::Error;
    let text = match &err {
        Error::InvalidMarkerRead(e) | Error::InvalidDataRead(e) if e.kind() == ErrorKind::UnexpectedEof => {
            "unexpected end of input".to_owned()
        }
        Error::DepthLimitExceeded => format!("nested more than {MAX_DEPTH} levels deep"),
        _ => err.to_string(),
    };
    DecodeError::MalformedMsgPack(text)
}
