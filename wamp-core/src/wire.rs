//! [`Message`]s on the serde data model: a message is written as its WAMP
//! list straight from its fields, without building the list first.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, SerializeSeq};

use crate::id::MAX_ID;
use crate::lazy::LazyDict;
use crate::message::{CallResult, FieldSink, Message, Payload};
use crate::message_type::MessageType;
use crate::value::wire::{ValueSeed, WireDict, WireList, WireMode};
use crate::value::{Dict, List, Value};

/// Serializes a borrowed [`Message`] as its WAMP list form without building
/// an intermediate list.
pub(crate) struct WireMessage<'a, 'm> {
    pub(crate) message: &'a Message,
    pub(crate) mode: WireMode<'m>,
}

/// Writes the fields of a message into a serde sequence.
struct SeqSink<'m, S> {
    seq: S,
    mode: WireMode<'m>,
}

impl<S: SerializeSeq> FieldSink for SeqSink<'_, S> {
    type Error = S::Error;
    fn int(&mut self, value: u64) -> Result<(), Self::Error> {
        self.seq.serialize_element(&value)
    }
    fn str(&mut self, value: &str) -> Result<(), Self::Error> {
        self.seq.serialize_element(value)
    }
    fn list(&mut self, list: &List) -> Result<(), Self::Error> {
        self.seq.serialize_element(&WireList { list, mode: self.mode })
    }
    fn dict(&mut self, dict: &Dict) -> Result<(), Self::Error> {
        self.seq.serialize_element(&WireDict { dict, mode: self.mode })
    }
}

impl ser::Serialize for WireMessage<'_, '_> {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut sink = SeqSink {
            seq: serializer.serialize_seq(Some(self.message.field_count()))?,
            mode: self.mode,
        };
        self.message.write_fields(&mut sink)?;
        sink.seq.end()
    }
}

impl serde::Serialize for Message {
    /// Serializes the wire list form on the plain serde data model (bytes
    /// as serde bytes), without building an intermediate list. Suitable
    /// for binary serializers such as MessagePack and CBOR.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        WireMessage {
            message: self,
            mode: WireMode::NATIVE,
        }
        .serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Message {
    /// Deserializes a list of [`Value`]s and converts it with
    /// [`Message::from_list`]; decode errors become custom serde errors.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let items = Vec::<Value>::deserialize(deserializer)?;
        Message::from_list(items).map_err(serde::de::Error::custom)
    }
}

/// A RESULT decoded straight into a [`CallResult`], without building its
/// details (left empty here). The details were checked to be a dict that
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
/// [`KeySeed`] accepts; says whether the key is `progress`.
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
