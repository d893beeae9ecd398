//! [`Value`] on the serde data model, in the two ways formats need it.
//!
//! Formats that have a native binary type (MessagePack, CBOR) and
//! [`Value`]'s own serde impls use [`WireMode::NATIVE`]; JSON uses
//! [`WireMode::json`], which turns [`Value::Bytes`] into WAMP's
//! `"\0" + base64` string convention and rejects non-finite floats.

use std::cell::Cell;
use std::fmt;

use base64::Engine as _;
use base64::display::Base64Display;
use base64::engine::general_purpose::STANDARD;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, SerializeMap, SerializeSeq};

use super::{Dict, Value};

/// The prefix of the custom error raised for bad base64; recognised by the
/// JSON serializer to produce [`crate::DecodeError::InvalidBinary`].
pub(crate) const BAD_BASE64: &str = "bad base64 after \\0 prefix";

/// Upper bound on pre-allocation driven by untrusted size hints.
const MAX_PREALLOC: usize = 4096;

/// How values are mapped onto the serde data model.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WireMode<'a> {
    /// Encode bytes as `"\0" + base64` strings (JSON convention).
    pub(crate) binary_as_string: bool,
    /// When set, non-finite floats fail to serialize and the offending
    /// value is stored here.
    pub(crate) non_finite: Option<&'a Cell<Option<f64>>>,
}

impl WireMode<'static> {
    /// Plain serde data model: bytes as bytes, floats as floats.
    pub(crate) const NATIVE: WireMode<'static> = WireMode {
        binary_as_string: false,
        non_finite: None,
    };
}

impl<'a> WireMode<'a> {
    /// The JSON convention.
    pub(crate) fn json(non_finite: &'a Cell<Option<f64>>) -> Self {
        WireMode {
            binary_as_string: true,
            non_finite: Some(non_finite),
        }
    }
}

/// Writes `\0` followed by the base64 of the bytes.
struct BinaryString<'a>(&'a [u8]);

impl fmt::Display for BinaryString<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\0")?;
        fmt::Display::fmt(&Base64Display::new(self.0, &STANDARD), f)
    }
}

/// Serializes a borrowed [`Value`] according to a [`WireMode`].
pub(crate) struct WireValue<'a, 'm> {
    pub(crate) value: &'a Value,
    pub(crate) mode: WireMode<'m>,
}

/// Serializes a borrowed [`List`](super::List) according to a [`WireMode`].
pub(crate) struct WireList<'a, 'm> {
    pub(crate) list: &'a [Value],
    pub(crate) mode: WireMode<'m>,
}

/// Serializes a borrowed [`Dict`] according to a [`WireMode`].
pub(crate) struct WireDict<'a, 'm> {
    pub(crate) dict: &'a Dict,
    pub(crate) mode: WireMode<'m>,
}

impl ser::Serialize for WireValue<'_, '_> {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.value {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Integer(i) => serializer.serialize_i64(*i),
            Value::UnsignedInteger(u) => serializer.serialize_u64(*u),
            Value::Float(f) => {
                if let Some(cell) = self.mode.non_finite {
                    if !f.is_finite() {
                        cell.set(Some(*f));
                        return Err(ser::Error::custom(format_args!("cannot encode non-finite float {f}")));
                    }
                }
                serializer.serialize_f64(*f)
            }
            Value::String(s) => serializer.serialize_str(s),
            Value::Bytes(b) => {
                if self.mode.binary_as_string {
                    serializer.collect_str(&BinaryString(b))
                } else {
                    serializer.serialize_bytes(b)
                }
            }
            Value::List(list) => WireList { list, mode: self.mode }.serialize(serializer),
            Value::Dict(dict) => WireDict { dict, mode: self.mode }.serialize(serializer),
        }
    }
}

impl ser::Serialize for WireList<'_, '_> {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.list.len()))?;
        for value in self.list {
            seq.serialize_element(&WireValue { value, mode: self.mode })?;
        }
        seq.end()
    }
}

impl ser::Serialize for WireDict<'_, '_> {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.dict.len()))?;
        for (key, value) in self.dict {
            map.serialize_entry(key, &WireValue { value, mode: self.mode })?;
        }
        map.end()
    }
}

/// Deserializes a [`Value`], optionally decoding `"\0" + base64` strings
/// into [`Value::Bytes`] while parsing.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ValueSeed {
    pub(crate) binary_strings: bool,
}

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

fn u64_value(u: u64) -> Value {
    match i64::try_from(u) {
        Ok(i) => Value::Integer(i),
        Err(_) => Value::UnsignedInteger(u),
    }
}

impl<'de> Visitor<'de> for ValueSeed {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any WAMP value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Integer(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(u64_value(v))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        if let Ok(i) = i64::try_from(v) {
            Ok(Value::Integer(i))
        } else if let Ok(u) = u64::try_from(v) {
            Ok(Value::UnsignedInteger(u))
        } else {
            Err(E::custom(format_args!("integer {v} is out of range")))
        }
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        match u64::try_from(v) {
            Ok(u) => Ok(u64_value(u)),
            Err(_) => Err(E::custom(format_args!("integer {v} is out of range"))),
        }
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_char<E>(self, v: char) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        match self.binary(v) {
            Some(result) => result,
            None => Ok(Value::String(v.to_owned())),
        }
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        match self.binary(&v) {
            Some(result) => result,
            None => Ok(Value::String(v)),
        }
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Bytes(v.to_vec()))
    }
    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Value, E> {
        Ok(Value::Bytes(v))
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_newtype_struct<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut list = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX_PREALLOC));
        while let Some(value) = seq.next_element_seed(self)? {
            list.push(value);
        }
        Ok(Value::List(list))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut dict = Dict::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let value = map.next_value_seed(self)?;
            dict.insert(key, value);
        }
        Ok(Value::Dict(dict))
    }
}

impl ValueSeed {
    /// The bytes `s` stands for, if this seed reads binary strings and `s`
    /// is one (an error if what follows the `\\0` is not base64).
    pub(crate) fn binary<E: de::Error>(self, s: &str) -> Option<Result<Value, E>> {
        if !self.binary_strings {
            return None;
        }
        let encoded = s.strip_prefix('\0')?;
        Some(
            STANDARD
                .decode(encoded)
                .map(Value::Bytes)
                .map_err(|_| E::custom(BAD_BASE64)),
        )
    }
}

/// Deserializes a dictionary key: strings as-is, integers stringified in
/// decimal (as `serde_json` does), anything else is an error.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = String;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or integer dictionary key")
    }
    fn visit_str<E>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_char<E>(self, v: char) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i128<E>(self, v: i128) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u128<E>(self, v: u128) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<String, E> {
        match std::str::from_utf8(v) {
            Ok(s) => Ok(s.to_owned()),
            Err(_) => Err(E::invalid_type(de::Unexpected::Bytes(v), &self)),
        }
    }
}

impl serde::Serialize for Value {
    /// Serializes on the plain serde data model: bytes with
    /// `serialize_bytes`, integers as `i64`/`u64`, dicts as maps.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        WireValue {
            value: self,
            mode: WireMode::NATIVE,
        }
        .serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Value {
    /// Deserializes any self-describing input.
    ///
    /// Bytes become [`Value::Bytes`], unsigned integers that fit `i64`
    /// become [`Value::Integer`], and map keys must be strings or integers
    /// (integer keys are stringified in decimal, like `serde_json` does);
    /// other key types are an error.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ValueSeed { binary_strings: false }.deserialize(deserializer)
    }
}
