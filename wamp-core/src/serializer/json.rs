//! The `wamp.2.json` serializer.

use std::cell::Cell;
use std::marker::PhantomData;

use serde::de::DeserializeSeed;

use super::api::{Serializer, SerializerKind};
use super::lazy_details::{self, LeanResult};
use crate::error::{DecodeError, EncodeError};
use crate::message::{CallResult, Message, message_from_value};
#[cfg(doc)]
use crate::value::Value;
use crate::value::wire::{BAD_BASE64, ValueSeed, WireMode};
use crate::wire::WireMessage;

/// The JSON serializer (`wamp.2.json`).
///
/// Binary values ([`Value::Bytes`]) follow the WAMP convention: they are
/// sent as a JSON string holding a NUL character (`"\u0000"`) followed by
/// the standard, padded base64 of the bytes, and every received string that
/// starts with NUL is decoded as base64 (bad base64 is a decode error). A
/// [`Value::String`] that starts with NUL therefore does not survive a JSON
/// round trip; avoid sending such strings.
///
/// JSON integers decode as [`Value::Integer`] (or
/// [`Value::UnsignedInteger`] above `i64::MAX`) and other numbers as
/// [`Value::Float`]; floats are always written with a fractional part or
/// exponent (`1.0`), so they decode as floats again. NaN and infinities
/// cannot be encoded ([`EncodeError::NonFiniteFloat`]).
///
/// Encoding writes straight from the message without building an
/// intermediate value tree, and decoding converts binary strings while
/// parsing, then moves the parsed values into the message.
///
/// ```
/// use wamp_protocol::{Call, JsonSerializer, Message, Payload, Serializer, Value};
///
/// let call = Message::Call(Call {
///     request: 7,
///     procedure: "com.x".into(),
///     payload: Payload::from_parts(
///         vec![Value::from(1), Value::Bytes(vec![1, 2])],
///         [("k".to_owned(), Value::from(true))].into_iter().collect(),
///     ),
///     ..Default::default()
/// });
/// let frame = JsonSerializer.encode(&call).unwrap();
/// assert_eq!(frame, br#"[48,7,{},"com.x",[1,"\u0000AQI="],{"k":true}]"#);
/// assert_eq!(JsonSerializer.decode(&frame).unwrap(), call);
///
/// let err = JsonSerializer.decode(br#"[48,7,{},5]"#).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "invalid CALL message: field `procedure` must be a string, got integer"
/// );
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonSerializer;

impl Serializer for JsonSerializer {
    fn kind(&self) -> SerializerKind {
        SerializerKind::Json
    }

    fn encode(&self, message: &Message) -> Result<Vec<u8>, EncodeError> {
        let non_finite = Cell::new(None);
        let wire = WireMessage {
            message,
            mode: WireMode::json(&non_finite),
        };
        serde_json::to_vec(&wire).map_err(|err| match non_finite.get() {
            Some(f) => EncodeError::NonFiniteFloat(f),
            None => EncodeError::Serialization(err.to_string()),
        })
    }

    fn decode(&self, frame: &[u8]) -> Result<Message, DecodeError> {
        lazy_details::decode::<Self>(frame)
    }
}

impl lazy_details::Format for JsonSerializer {
    fn looks_like_result(frame: &[u8]) -> bool {
        // Routers write compact JSON; other spellings are decoded in full.
        frame.starts_with(b"[50,")
    }

    fn lean_result(frame: &[u8]) -> Option<CallResult> {
        read_whole(frame, PhantomData::<LeanResult<true>>)
            .ok()
            .map(|LeanResult(result)| result)
    }

    fn decode_eagerly(frame: &[u8]) -> Result<Message, DecodeError> {
        let value = read_whole(frame, ValueSeed { binary_strings: true }).map_err(json_error)?;
        message_from_value(value)
    }
}

/// Reads one value spanning the whole frame. A frame that is UTF-8 as a
/// whole (every frame a sane router sends) is read as text, which spares
/// serde_json a UTF-8 check of each string in it (most of a small frame's
/// strings are short, where a check costs the most per byte); any other
/// frame is read as bytes, so that the error names the bad string.
fn read_whole<'de, S: DeserializeSeed<'de>>(frame: &'de [u8], seed: S) -> Result<S::Value, serde_json::Error> {
    match std::str::from_utf8(frame) {
        Ok(text) => read_all(serde_json::Deserializer::from_str(text), seed),
        Err(_) => read_all(serde_json::Deserializer::from_slice(frame), seed),
    }
}

/// Reads one value with `seed`, which must be all there is.
fn read_all<'de, R, S>(mut de: serde_json::Deserializer<R>, seed: S) -> Result<S::Value, serde_json::Error>
where
    R: serde_json::de::Read<'de>,
    S: DeserializeSeed<'de>,
{
    let value = seed.deserialize(&mut de)?;
    de.end().map(|()| value)
}

fn json_error(err: serde_json::Error) -> DecodeError {
    let text = err.to_string();
    if err.is_data() && text.starts_with(BAD_BASE64) {
        DecodeError::InvalidBinary(format!("{BAD_BASE64} at line {} column {}", err.line(), err.column()))
    } else {
        DecodeError::MalformedJson(text)
    }
}
