//! Writing MessagePack straight from a message.
//!
//! The bytes are those `rmp-serde` (with `rmp` 0.8) wrote for the same
//! message: the smallest integer, string, binary, array and map headers,
//! signed markers only for negative integers, floats always `float 64`.

use crate::error::EncodeError;
use crate::message::{FieldSink, Message};
use crate::value::{Dict, List, Value};

/// Encodes `message` as its WAMP list.
pub(super) fn encode(message: &Message) -> Result<Vec<u8>, EncodeError> {
    let mut writer = Writer(Vec::with_capacity(128));
    writer.array_len(message.field_count())?;
    message.write_fields(&mut writer)?;
    Ok(writer.0)
}

/// A length MessagePack cannot write (2^32 or more).
#[derive(Debug)]
struct TooLong {
    what: &'static str,
    len: usize,
}

impl From<TooLong> for EncodeError {
    #[cold]
    fn from(TooLong { what, len }: TooLong) -> EncodeError {
        EncodeError::Serialization(format!(
            "a {what} of length {len} is too long for MessagePack (at most 2^32 - 1)"
        ))
    }
}

/// Appends MessagePack to a buffer.
struct Writer(Vec<u8>);

impl FieldSink for Writer {
    type Error = TooLong;
    fn int(&mut self, value: u64) -> Result<(), TooLong> {
        self.uint(value);
        Ok(())
    }
    fn str(&mut self, value: &str) -> Result<(), TooLong> {
        self.string(value)
    }
    fn list(&mut self, list: &List) -> Result<(), TooLong> {
        self.list(list)
    }
    fn dict(&mut self, dict: &Dict) -> Result<(), TooLong> {
        self.dict(dict)
    }
}

/// The length as a `u32`, or what cannot be written.
#[inline]
fn len32(what: &'static str, len: usize) -> Result<u32, TooLong> {
    u32::try_from(len).map_err(|_| TooLong { what, len })
}

impl Writer {
    fn value(&mut self, value: &Value) -> Result<(), TooLong> {
        match value {
            Value::Null => self.0.push(0xc0),
            Value::Bool(false) => self.0.push(0xc2),
            Value::Bool(true) => self.0.push(0xc3),
            Value::Integer(i) => self.int(*i),
            Value::UnsignedInteger(u) => self.uint(*u),
            Value::Float(f) => {
                self.0.push(0xcb);
                self.0.extend_from_slice(&f.to_be_bytes());
            }
            Value::String(s) => self.string(s)?,
            Value::Bytes(b) => self.binary(b)?,
            Value::List(list) => self.list(list)?,
            Value::Dict(dict) => self.dict(dict)?,
        }
        Ok(())
    }

    #[inline]
    fn uint(&mut self, value: u64) {
        let out = &mut self.0;
        if let Ok(v) = u8::try_from(value) {
            if v < 0x80 {
                out.push(v);
            } else {
                out.extend_from_slice(&[0xcc, v]);
            }
        } else if let Ok(v) = u16::try_from(value) {
            out.push(0xcd);
            out.extend_from_slice(&v.to_be_bytes());
        } else if let Ok(v) = u32::try_from(value) {
            out.push(0xce);
            out.extend_from_slice(&v.to_be_bytes());
        } else {
            out.push(0xcf);
            out.extend_from_slice(&value.to_be_bytes());
        }
    }

    #[inline]
    fn int(&mut self, value: i64) {
        if let Ok(value) = u64::try_from(value) {
            return self.uint(value);
        }
        let out = &mut self.0;
        if let Ok(v) = i8::try_from(value) {
            if v >= -32 {
                // A negative fixint is the byte itself.
                out.extend_from_slice(&v.to_be_bytes());
            } else {
                out.push(0xd0);
                out.extend_from_slice(&v.to_be_bytes());
            }
        } else if let Ok(v) = i16::try_from(value) {
            out.push(0xd1);
            out.extend_from_slice(&v.to_be_bytes());
        } else if let Ok(v) = i32::try_from(value) {
            out.push(0xd2);
            out.extend_from_slice(&v.to_be_bytes());
        } else {
            out.push(0xd3);
            out.extend_from_slice(&value.to_be_bytes());
        }
    }

    #[inline]
    fn string(&mut self, value: &str) -> Result<(), TooLong> {
        let len = len32("string", value.len())?;
        self.header(len, 0xa0, 32, Some(0xd9), 0xda, 0xdb);
        self.0.extend_from_slice(value.as_bytes());
        Ok(())
    }

    #[inline]
    fn binary(&mut self, value: &[u8]) -> Result<(), TooLong> {
        let len = len32("binary", value.len())?;
        // No fix form: bin 8 even for short values.
        self.header(len, 0xc4, 0, Some(0xc4), 0xc5, 0xc6);
        self.0.extend_from_slice(value);
        Ok(())
    }

    #[inline]
    fn array_len(&mut self, len: usize) -> Result<(), TooLong> {
        let len = len32("list", len)?;
        self.header(len, 0x90, 16, None, 0xdc, 0xdd);
        Ok(())
    }

    fn list(&mut self, list: &List) -> Result<(), TooLong> {
        self.array_len(list.len())?;
        for value in list {
            self.value(value)?;
        }
        Ok(())
    }

    fn dict(&mut self, dict: &Dict) -> Result<(), TooLong> {
        let len = len32("dictionary", dict.len())?;
        self.header(len, 0x80, 16, None, 0xde, 0xdf);
        for (key, value) in dict {
            self.string(key)?;
            self.value(value)?;
        }
        Ok(())
    }

    /// Writes the smallest header for `len`: the `fix` marker plus the
    /// length below `fix_limit`, then the 8-bit form (if there is one),
    /// the 16-bit one and the 32-bit one.
    #[inline(always)]
    fn header(&mut self, len: u32, fix: u8, fix_limit: u32, m8: Option<u8>, m16: u8, m32: u8) {
        let out = &mut self.0;
        if len < fix_limit {
            // `fix_limit` is at most 32: the length fits the marker's low bits.
            out.push(fix | len.to_be_bytes()[3]);
        } else if let (Some(m8), Ok(len)) = (m8, u8::try_from(len)) {
            out.extend_from_slice(&[m8, len]);
        } else if let Ok(len) = u16::try_from(len) {
            out.push(m16);
            out.extend_from_slice(&len.to_be_bytes());
        } else {
            out.push(m32);
            out.extend_from_slice(&len.to_be_bytes());
        }
    }
}

#[cfg(all(test, target_pointer_width = "64"))]
mod tests {
    use super::*;

    #[test]
    fn lengths_past_u32_are_refused_not_truncated() {
        assert!(matches!(len32("list", u32::MAX as usize), Ok(u32::MAX)));
        let Err(too_long) = len32("list", 1 << 32) else {
            panic!("2^32 elements accepted")
        };
        assert_eq!(
            EncodeError::from(too_long).to_string(),
            "serialization failed: a list of length 4294967296 is too long for MessagePack (at most 2^32 - 1)"
        );
    }
}
