//! The `wamp.2.cbor` serializer.

use serde::de::DeserializeOwned;

use super::api::{MAX_DEPTH, Serializer, SerializerKind};
use super::lazy_details::{self, LeanResult};
use crate::error::{DecodeError, EncodeError};
use crate::message::{CallResult, Message, message_from_value};
use crate::value::Value;
use crate::value::wire::WireMode;
use crate::wire::WireMessage;

/// The CBOR serializer (`wamp.2.cbor`, RawSocket serializer id 3; RFC 8949).
///
/// Binary values ([`Value::Bytes`]) are CBOR byte strings; strings are text
/// strings, so a string starting with NUL stays a string (unlike JSON).
/// Integers are major types 0/1 (u64 above `i64::MAX` included; a bignum
/// tag that fits 64 bits is accepted on input); floats are written in the
/// shortest form that keeps their value and always decode as
/// [`Value::Float`]. NaN and infinities are encoded as they are.
///
/// Encoding writes straight from the message, without an intermediate value
/// tree. Decoding reads long strings in bounded chunks (a header claiming
/// 2^64 bytes in a small frame fails with an end-of-input error instead of
/// reserving memory), rejects nesting deeper than 128 levels, trailing
/// bytes and tags other than bignums, and reads `undefined` as null.
///
/// ```
/// use wamp_protocol::{Call, CborSerializer, Message, Payload, Serializer, Value};
///
/// let call = Message::Call(Call {
///     request: 7,
///     procedure: "com.x".into(),
///     payload: Payload::from_args(vec![Value::Bytes(vec![1, 2])]),
///     ..Default::default()
/// });
/// let frame = CborSerializer.encode(&call).unwrap();
/// assert_eq!(frame, b"\x85\x18\x30\x07\xa0\x65com.x\x81\x42\x01\x02");
/// assert_eq!(CborSerializer.decode(&frame).unwrap(), call);
///
/// let err = CborSerializer.decode(b"\x83\x18\x30\x07").unwrap_err();
/// assert!(err.to_string().starts_with("malformed CBOR"), "{err}");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct CborSerializer;

impl Serializer for CborSerializer {
    fn kind(&self) -> SerializerKind {
        SerializerKind::Cbor
    }

    fn encode(&self, message: &Message) -> Result<Vec<u8>, EncodeError> {
        let wire = WireMessage {
            message,
            mode: WireMode::NATIVE,
        };
        let mut frame = Vec::with_capacity(128);
        ciborium::into_writer(&wire, &mut frame).map_err(|e| EncodeError::Serialization(e.to_string()))?;
        Ok(frame)
    }

    fn decode(&self, frame: &[u8]) -> Result<Message, DecodeError> {
        lazy_details::decode::<Self>(frame)
    }
}

impl lazy_details::Format for CborSerializer {
    fn looks_like_result(frame: &[u8]) -> bool {
        // An array of 3 to 5 items starting with 50 (one-byte unsigned).
        matches!(frame, [0x83..=0x85, 0x18, 50, ..])
    }

    fn lean_result(frame: &[u8]) -> Option<CallResult> {
        read_whole::<LeanResult<false>>(frame)
            .ok()
            .map(|LeanResult(result)| result)
    }

    fn decode_eagerly(frame: &[u8]) -> Result<Message, DecodeError> {
        message_from_value(read_whole::<Value>(frame)?)
    }
}

/// Reads one `T` that must span the whole frame.
fn read_whole<T: DeserializeOwned>(frame: &[u8]) -> Result<T, DecodeError> {
    let mut rest = frame;
    let value = ciborium::de::from_reader_with_recursion_limit(&mut rest, MAX_DEPTH).map_err(cbor_error)?;
    if !rest.is_empty() {
        return Err(DecodeError::MalformedCbor(format!(
            "{} trailing bytes after the message",
            rest.len()
        )));
    }
    Ok(value)
}

fn cbor_error(err: ciborium::de::Error<std::io::Error>) -> DecodeError {
    use ciborium::de::Error;
    let text = match err {
        Error::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => "unexpected end of input".to_owned(),
        Error::Io(e) => e.to_string(),
        Error::Syntax(offset) => format!("syntax error at byte {offset}"),
        Error::Semantic(Some(offset), message) => format!("{message} at byte {offset}"),
        Error::Semantic(None, message) => message,
        Error::RecursionLimitExceeded => format!("nested more than {MAX_DEPTH} levels deep"),
    };
    DecodeError::MalformedCbor(text)
}
