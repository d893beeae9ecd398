//! The details of a received RESULT, left encoded until they are read.
//!
//! A router such as Crossbar discloses the callee in every RESULT
//! (`callee`, `callee_authid`, `callee_authrole`); building those strings
//! and their map, then freeing them unread, cost a caller a quarter of its
//! instructions per call. So every format decodes a frame through
//! [`decode`], which reads a small RESULT without its details and leaves
//! them in a copy of the frame, in a [`LazyDict`] that decodes the frame
//! again the first time they are read.
//!
//! The rules, all kept here:
//! - only frames of up to [`LAZY_DETAILS_LIMIT`] bytes;
//! - details with a `progress` key are decoded at once, since a session
//!   must see it: [`CallResult::is_progress`] relies on details left
//!   encoded never having one;
//! - the lean read accepts exactly what the full decode accepts, so that
//!   reading the details later cannot fail; anything else is decoded in
//!   full, which gives the error its usual wording.
//!
//! A format takes part by implementing [`Format`]: a look at the first
//! bytes, its lean read (JSON and CBOR run [`LeanResult`] through their
//! serde deserializer, MessagePack calls [`msgpack_lean_result`] on its own
//! reader), and its full decode.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use super::msgpack::read::{Head, Reader};
use crate::error::DecodeError;
use crate::id::MAX_ID;
use crate::lazy::LazyDict;
use crate::message::{CallResult, Message, Payload};
use crate::message_type::MessageType;
use crate::value::wire::ValueSeed;
use crate::value::{Dict, List, Value};

/// RESULT frames up to this size keep their details encoded (the frame is
/// copied into a [`LazyDict`]); past it, a copy would cost more than the
/// details are worth.
const LAZY_DETAILS_LIMIT: usize = 4096;

/// What a format gives [`decode`].
pub(super) trait Format {
    /// Whether `frame` starts the way this format writes a RESULT (a check
    /// of its first bytes, made before anything is parsed).
    fn looks_like_result(frame: &[u8]) -> bool;

    /// The RESULT in `frame` read without building its details (left
    /// empty), or `None` if `frame` is not a RESULT that the full decode
    /// accepts with its details a dictionary without a `progress` key.
    fn lean_result(frame: &[u8]) -> Option<CallResult>;

    /// Decodes `frame` with nothing left encoded.
    fn decode_eagerly(frame: &[u8]) -> Result<Message, DecodeError>;
}

/// Decodes `frame`, a frame of format `F`: a small RESULT with its details
/// left encoded, anything else in full.
pub(super) fn decode<F: Format>(frame: &[u8]) -> Result<Message, DecodeError> {
    if frame.len() <= LAZY_DETAILS_LIMIT && F::looks_like_result(frame) {
        if let Some(result) = F::lean_result(frame) {
            return Ok(Message::Result(CallResult {
                details: LazyDict::encoded(frame, details_of::<F>),
                ..result
            }));
        }
    }
    F::decode_eagerly(frame)
}

/// Decodes `frame` again, without leaving anything encoded, for its details.
fn details_of<F: Format>(frame: &[u8]) -> Dict {
    match F::decode_eagerly(frame) {
        Ok(Message::Result(result)) => result.details.into_dict(),
        // Only frames that decoded to a RESULT are kept, so this is not
        // reached; an empty dictionary is all there would be to give.
        _ => {
            debug_assert!(false, "a kept RESULT frame no longer decodes");
            Dict::new()
        }
    }
}

/// [`Format::lean_result`] for MessagePack: the RESULT walked with the
/// format's own reader, which fails exactly where its full decode would.
pub(super) fn msgpack_lean_result(frame: &[u8]) -> Option<CallResult> {
    let mut reader = Reader::new(frame);
    let Head::List(len @ 3..=5) = reader.head().ok()? else {
        return None;
    };
    reader.enter().ok()?;
    if reader.uint()? != MessageType::Result.code() {
        return None;
    }
    let request = reader.uint().filter(|&id| id <= MAX_ID)?;
    let Head::Dict(details) = reader.head().ok()? else {
        return None;
    };
    reader.enter().ok()?;
    for _ in 0..details {
        let key = reader.key().ok()?;
        key.check().ok()?;
        if key.is("progress") {
            return None;
        }
        reader.check().ok()?;
    }
    reader.leave();
    let args = match len {
        3 => List::new(),
        _ => match reader.value().ok()? {
            Value::List(args) => args,
            _ => return None,
        },
    };
    let kwargs = match len {
        5 => match reader.value().ok()? {
            Value::Dict(kwargs) => kwargs,
            _ => return None,
        },
        _ => Dict::new(),
    };
    reader.leave();
    reader.end().ok()?;
    Some(CallResult {
        request,
        details: LazyDict::default(),
        payload: Payload { args, kwargs },
    })
}

/// [`Format::lean_result`] for serde formats: a RESULT decoded straight
/// into a [`CallResult`], without building its details (left empty here). The details were checked to be a dict that
/// [`ValueSeed`] would accept, with no `progress` key (a session needs that
/// one at once, so such a RESULT is decoded in full). Anything else a
/// RESULT must be (its code, an id, a list and a dict, no more than five
/// items) is checked too: any failure here means "decode in full instead",
/// which gives the error its usual wording.
pub(crate) struct LeanResult<const BINARY_STRINGS: bool>(pub(crate) CallResult);

impl<'de, const BINARY_STRINGS: bool> de::Deserialize<'de> for LeanResult<BINARY_STRINGS> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LeanResultVisitor::<BINARY_STRINGS>)
    }
}

struct LeanResultVisitor<const BINARY_STRINGS: bool>;

impl<'de, const BINARY_STRINGS: bool> Visitor<'de> for LeanResultVisitor<BINARY_STRINGS> {
    type Value = LeanResult<BINARY_STRINGS>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a RESULT message")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        fn not_lean<E: de::Error>() -> E {
            E::custom("not a RESULT that can be decoded lean")
        }
        let value = ValueSeed {
            binary_strings: BINARY_STRINGS,
        };
        if seq.next_element::<u64>()? != Some(MessageType::Result.code()) {
            return Err(not_lean());
        }
        let request = match seq.next_element::<u64>()? {
            Some(id) if id <= MAX_ID => id,
            _ => return Err(not_lean()),
        };
        let details = CheckedValue {
            binary_strings: BINARY_STRINGS,
            refuse_progress: true,
        };
        let Some(Shape::Dict) = seq.next_element_seed(details)? else {
            return Err(not_lean());
        };
        let args = match seq.next_element_seed(value)? {
            None => List::new(),
            Some(Value::List(args)) => args,
            Some(_) => return Err(not_lean()),
        };
        let kwargs = match seq.next_element_seed(value)? {
            None => Dict::new(),
            Some(Value::Dict(kwargs)) => kwargs,
            Some(_) => return Err(not_lean()),
        };
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(not_lean());
        }
        Ok(LeanResult(CallResult {
            request,
            details: LazyDict::default(),
            payload: Payload { args, kwargs },
        }))
    }
}

/// What [`CheckedValue`] saw at its top level.
enum Shape {
    Dict,
    Other,
}

/// Walks a value without building it, accepting exactly what [`ValueSeed`]
/// accepts (with the same `binary_strings`). With `refuse_progress`, a
/// `progress` key at its top level is an error.
#[derive(Clone, Copy)]
struct CheckedValue {
    binary_strings: bool,
    refuse_progress: bool,
}

impl<'de> DeserializeSeed<'de> for CheckedValue {
    type Value = Shape;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Shape, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl CheckedValue {
    fn nested(self) -> Self {
        CheckedValue {
            refuse_progress: false,
            ..self
        }
    }
}

impl<'de> Visitor<'de> for CheckedValue {
    type Value = Shape;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any WAMP value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Shape, E> {
        Ok(Shape::Other)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Shape, E> {
        Ok(Shape::Other)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Shape, E> {
        Ok(Shape::Other)
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Shape, E> {
        ValueSeed { binary_strings: false }.visit_i128(v).map(|_| Shape::Other)
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Shape, E> {
        ValueSeed { binary_strings: false }.visit_u128(v).map(|_| Shape::Other)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Shape, E> {
        Ok(Shape::Other)
    }
    fn visit_char<E>(self, _: char) -> Result<Shape, E> {
        Ok(Shape::Other)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Shape, E> {
        let seed = ValueSeed {
            binary_strings: self.binary_strings,
        };
        match seed.binary(v) {
            Some(result) => result.map(|_| Shape::Other),
            None => Ok(Shape::Other),
        }
    }
    fn visit_bytes<E>(self, _: &[u8]) -> Result<Shape, E> {
        Ok(Shape::Other)
    }
    fn visit_none<E>(self) -> Result<Shape, E> {
        Ok(Shape::Other)
    }
    fn visit_unit<E>(self) -> Result<Shape, E> {
        Ok(Shape::Other)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Shape, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_newtype_struct<D: de::Deserializer<'de>>(self, d: D) -> Result<Shape, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
        while seq.next_element_seed(self.nested())?.is_some() {}
        Ok(Shape::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        while let Some(is_progress) = map.next_key_seed(CheckedKey)? {
            if is_progress && self.refuse_progress {
                return Err(de::Error::custom("details with a progress key are decoded in full"));
            }
            map.next_value_seed(self.nested())?;
        }
        Ok(Shape::Dict)
    }
}

/// Walks a dictionary key without building it, accepting exactly what
/// [`ValueSeed`] accepts as a key; says whether the key is `progress`.
struct CheckedKey;

impl<'de> DeserializeSeed<'de> for CheckedKey {
    type Value = bool;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Visitor<'_> for CheckedKey {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or integer dictionary key")
    }
    fn visit_str<E>(self, v: &str) -> Result<bool, E> {
        Ok(v == "progress")
    }
    fn visit_char<E>(self, _: char) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i128<E>(self, _: i128) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u128<E>(self, _: u128) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<bool, E> {
        match std::str::from_utf8(v) {
            Ok(s) => Ok(s == "progress"),
            Err(_) => Err(E::invalid_type(de::Unexpected::Bytes(v), &self)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serializer::SerializerKind;

    fn result(details: Dict, arg: Value) -> Message {
        Message::Result(CallResult {
            request: 9,
            details: details.into(),
            payload: Payload::from_args(vec![arg]),
        })
    }

    fn details_of(kind: SerializerKind, message: &Message) -> LazyDict {
        let serializer = kind.serializer();
        let frame = serializer.encode(message).expect("encodes");
        match serializer.decode(&frame).expect("decodes") {
            Message::Result(result) => result.details,
            other => panic!("{kind}: decoded to {other:?}"),
        }
    }

    #[test]
    fn small_results_leave_their_details_encoded_until_read() {
        let details: Dict = [("callee_authid".to_owned(), Value::from("x"))].into_iter().collect();
        for &kind in SerializerKind::ALL {
            let lazy = details_of(kind, &result(details.clone(), Value::from(1)));
            assert!(lazy.decoded().is_none(), "{kind}: decoded at once");
            assert_eq!(lazy.as_dict(), &details, "{kind}");
            assert!(lazy.decoded().is_some(), "{kind}: not kept once read");
        }
    }

    #[test]
    fn large_or_progressive_results_decode_their_details_at_once() {
        let progress: Dict = [("progress".to_owned(), Value::Bool(true))].into_iter().collect();
        for &kind in SerializerKind::ALL {
            let large = details_of(kind, &result(Dict::new(), Value::Bytes(vec![0; 5000])));
            assert!(large.decoded().is_some(), "{kind}: large frame kept");
            let progressive = details_of(kind, &result(progress.clone(), Value::from(1)));
            assert_eq!(progressive.decoded(), Some(&progress), "{kind}");
        }
    }
}
