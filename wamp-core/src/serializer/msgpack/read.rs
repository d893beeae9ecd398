//! Reading MessagePack straight from the bytes of a frame.
//!
//! The rules are those the `rmp-serde` based decoder this replaced applied
//! (the tests of this module and `wamp-core/tests/msgpack_codec.rs` keep it
//! as a reference and compare the two on arbitrary input):
//!
//! - integers decode as [`Value::Integer`], or [`Value::UnsignedInteger`]
//!   above `i64::MAX`; a `float 32` is widened to `f64`;
//! - a `str` that is not UTF-8 decodes as [`Value::Bytes`], like a `bin`;
//! - an extension decodes as the list `[type, bytes]`;
//! - a dictionary key is a `str` or a `bin` holding UTF-8, or an integer
//!   (written in decimal); anything else is an error; the last of
//!   duplicate keys wins;
//! - lists, dictionaries and extensions count as a level of nesting: the
//!   [`MAX_DEPTH`]th level is an error (checked before what is inside is
//!   read);
//! - a length is never trusted for an allocation, and every element takes
//!   at least one byte, so a false length fails with "unexpected end of
//!   input" after at most one pass over the frame.

use crate::error::DecodeError;
use crate::serializer::api::MAX_DEPTH;
use crate::value::{Dict, List, Value};

/// The most list elements reserved ahead of reading them (a list can hold
/// no more elements than the frame has bytes left, and growing past this
/// is cheap next to reading that many elements).
const MAX_PREALLOC: usize = 4096;

/// Why a frame is not valid MessagePack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Error {
    /// The frame ends inside a value.
    Eof,
    /// Lists, dictionaries and extensions nest too deeply.
    TooDeep,
    /// The value is followed by more bytes.
    Trailing,
    /// The reserved marker `0xc1`.
    Reserved,
    /// A dictionary key that is not a UTF-8 string or an integer; says what
    /// it is.
    BadKey(&'static str),
}

impl From<Error> for DecodeError {
    #[cold]
    fn from(error: Error) -> DecodeError {
        let text = match error {
            Error::Eof => "unexpected end of input".to_owned(),
            Error::TooDeep => format!("nested more than {MAX_DEPTH} levels deep"),
            Error::Trailing => "trailing bytes after the message".to_owned(),
            Error::Reserved => "reserved marker 0xc1".to_owned(),
            Error::BadKey(what) => format!("a dictionary key must be a string or an integer, got {what}"),
        };
        DecodeError::MalformedMsgPack(text)
    }
}

/// Decodes the one value `frame` holds.
pub(super) fn whole(frame: &[u8]) -> Result<Value, Error> {
    let mut reader = Reader::new(frame);
    let value = reader.value()?;
    reader.end()?;
    Ok(value)
}

/// A dictionary key as it is in the frame.
pub(crate) enum Key<'a> {
    /// A `str` or `bin`, not yet checked to be UTF-8; with what it is, for
    /// the error if it is not.
    Text(&'a [u8], &'static str),
    Int(i64),
    Uint(u64),
}

impl Key<'_> {
    /// The key as [`Value::Dict`] holds it.
    fn into_string(self) -> Result<String, Error> {
        match self {
            Key::Text(data, what) => match std::str::from_utf8(data) {
                Ok(s) => Ok(s.to_owned()),
                Err(_) => Err(Error::BadKey(what)),
            },
            Key::Int(i) => Ok(i.to_string()),
            Key::Uint(u) => Ok(u.to_string()),
        }
    }

    /// Checks the key as [`Key::into_string`] does, without building it.
    pub(crate) fn check(&self) -> Result<(), Error> {
        match *self {
            // Keys are nearly always ASCII, which is quicker to tell.
            Key::Text(data, what) => {
                if data.is_ascii() || std::str::from_utf8(data).is_ok() {
                    Ok(())
                } else {
                    Err(Error::BadKey(what))
                }
            }
            Key::Int(_) | Key::Uint(_) => Ok(()),
        }
    }

    /// Whether the key is the string `name`.
    pub(crate) fn is(&self, name: &str) -> bool {
        matches!(*self, Key::Text(data, _) if data == name.as_bytes())
    }
}

/// A marker with the data that follows it, up to the contents of a
/// string, binary, extension, list or dictionary (which it gives the
/// length of).
pub(crate) enum Head {
    Nil,
    Bool(bool),
    Int(i64),
    /// A `uint 64`.
    Uint(u64),
    Float(f64),
    Str(usize),
    Bin(usize),
    Ext(usize),
    List(usize),
    Dict(usize),
    /// The marker `0xc1`.
    Reserved,
}

/// A cursor over a frame.
pub(crate) struct Reader<'a> {
    /// What is left to read.
    rest: &'a [u8],
    /// How many more levels may be entered, plus one.
    depth: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(frame: &'a [u8]) -> Self {
        Reader {
            rest: frame,
            depth: MAX_DEPTH,
        }
    }

    /// Checks that nothing is left.
    pub(crate) fn end(&self) -> Result<(), Error> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(Error::Trailing)
        }
    }

    #[inline]
    fn byte(&mut self) -> Result<u8, Error> {
        let (&byte, rest) = self.rest.split_first().ok_or(Error::Eof)?;
        self.rest = rest;
        Ok(byte)
    }

    #[inline]
    fn bytes<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let (bytes, rest) = self.rest.split_first_chunk::<N>().ok_or(Error::Eof)?;
        self.rest = rest;
        Ok(*bytes)
    }

    #[inline]
    fn take(&mut self, len: usize) -> Result<&'a [u8], Error> {
        if len > self.rest.len() {
            return Err(Error::Eof);
        }
        let (taken, rest) = self.rest.split_at(len);
        self.rest = rest;
        Ok(taken)
    }

    /// An 8-bit length.
    #[inline]
    fn len8(&mut self) -> Result<usize, Error> {
        self.byte().map(usize::from)
    }

    #[inline]
    fn u16(&mut self) -> Result<u16, Error> {
        self.bytes().map(u16::from_be_bytes)
    }

    #[inline]
    fn u32(&mut self) -> Result<u32, Error> {
        self.bytes().map(u32::from_be_bytes)
    }

    #[inline]
    fn u64(&mut self) -> Result<u64, Error> {
        self.bytes().map(u64::from_be_bytes)
    }

    /// A 16-bit length.
    #[inline]
    fn len16(&mut self) -> Result<usize, Error> {
        self.u16().map(usize::from)
    }

    /// A 32-bit length (one that does not fit `usize` cannot fit the frame
    /// either).
    #[inline]
    fn len32(&mut self) -> Result<usize, Error> {
        self.u32().map(|len| usize::try_from(len).unwrap_or(usize::MAX))
    }

    /// Enters a list, dictionary or extension.
    #[inline]
    pub(crate) fn enter(&mut self) -> Result<(), Error> {
        if self.depth <= 1 {
            return Err(Error::TooDeep);
        }
        self.depth -= 1;
        Ok(())
    }

    #[inline]
    pub(crate) fn leave(&mut self) {
        self.depth += 1;
    }

    /// Reads a marker and what follows it up to the contents of a string,
    /// binary, extension, list or dictionary.
    #[inline(always)]
    pub(crate) fn head(&mut self) -> Result<Head, Error> {
        let marker = self.byte()?;
        Ok(match marker {
            0x00..=0x7f => Head::Int(i64::from(marker)),
            0x80..=0x8f => Head::Dict(usize::from(marker & 0x0f)),
            0x90..=0x9f => Head::List(usize::from(marker & 0x0f)),
            0xa0..=0xbf => Head::Str(usize::from(marker & 0x1f)),
            0xc0 => Head::Nil,
            0xc1 => Head::Reserved,
            0xc2 => Head::Bool(false),
            0xc3 => Head::Bool(true),
            0xc4 => Head::Bin(self.len8()?),
            0xc5 => Head::Bin(self.len16()?),
            0xc6 => Head::Bin(self.len32()?),
            0xc7 => Head::Ext(self.len8()?),
            0xc8 => Head::Ext(self.len16()?),
            0xc9 => Head::Ext(self.len32()?),
            0xca => Head::Float(f64::from(f32::from_bits(self.u32()?))),
            0xcb => Head::Float(f64::from_bits(self.u64()?)),
            0xcc => Head::Int(i64::from(self.byte()?)),
            0xcd => Head::Int(i64::from(self.u16()?)),
            0xce => Head::Int(i64::from(self.u32()?)),
            0xcf => Head::Uint(self.u64()?),
            0xd0 => Head::Int(i64::from(i8::from_be_bytes(self.bytes()?))),
            0xd1 => Head::Int(i64::from(i16::from_be_bytes(self.bytes()?))),
            0xd2 => Head::Int(i64::from(i32::from_be_bytes(self.bytes()?))),
            0xd3 => Head::Int(i64::from_be_bytes(self.bytes()?)),
            0xd4 => Head::Ext(1),
            0xd5 => Head::Ext(2),
            0xd6 => Head::Ext(4),
            0xd7 => Head::Ext(8),
            0xd8 => Head::Ext(16),
            0xd9 => Head::Str(self.len8()?),
            0xda => Head::Str(self.len16()?),
            0xdb => Head::Str(self.len32()?),
            0xdc => Head::List(self.len16()?),
            0xdd => Head::List(self.len32()?),
            0xde => Head::Dict(self.len16()?),
            0xdf => Head::Dict(self.len32()?),
            0xe0..=0xff => Head::Int(i64::from(i8::from_be_bytes([marker]))),
        })
    }

    /// Reads one value.
    pub(crate) fn value(&mut self) -> Result<Value, Error> {
        Ok(match self.head()? {
            Head::Nil => Value::Null,
            Head::Bool(b) => Value::Bool(b),
            Head::Int(i) => Value::Integer(i),
            Head::Uint(u) => Value::from(u),
            Head::Float(f) => Value::Float(f),
            Head::Str(len) => {
                let data = self.take(len)?;
                match std::str::from_utf8(data) {
                    Ok(s) => Value::String(s.to_owned()),
                    Err(_) => Value::Bytes(data.to_vec()),
                }
            }
            Head::Bin(len) => Value::Bytes(self.take(len)?.to_vec()),
            Head::List(len) => self.list(len)?,
            Head::Dict(len) => self.dict(len)?,
            Head::Ext(len) => {
                self.enter()?;
                let kind = i8::from_be_bytes(self.bytes()?);
                let data = self.take(len)?;
                self.leave();
                Value::List(vec![Value::Integer(i64::from(kind)), Value::Bytes(data.to_vec())])
            }
            Head::Reserved => return Err(Error::Reserved),
        })
    }

    fn list(&mut self, len: usize) -> Result<Value, Error> {
        self.enter()?;
        let mut list = List::with_capacity(len.min(self.rest.len()).min(MAX_PREALLOC));
        for _ in 0..len {
            list.push(self.value()?);
        }
        self.leave();
        Ok(Value::List(list))
    }

    fn dict(&mut self, len: usize) -> Result<Value, Error> {
        self.enter()?;
        let mut dict = Dict::new();
        for _ in 0..len {
            let key = self.key()?.into_string()?;
            let value = self.value()?;
            dict.insert(key, value);
        }
        self.leave();
        Ok(Value::Dict(dict))
    }

    /// Reads a dictionary key. What is not a valid key is read as far as
    /// the serde based decoder read it before failing (up to its length,
    /// and into the level it opens), so that a truncated or too deep frame
    /// fails the same way.
    pub(crate) fn key(&mut self) -> Result<Key<'a>, Error> {
        match self.head()? {
            Head::Int(i) => Ok(Key::Int(i)),
            Head::Uint(u) => Ok(Key::Uint(u)),
            Head::Str(len) => Ok(Key::Text(self.take(len)?, "a string that is not UTF-8")),
            Head::Bin(len) => Ok(Key::Text(self.take(len)?, "binary that is not UTF-8")),
            Head::Nil => Err(Error::BadKey("nil")),
            Head::Bool(_) => Err(Error::BadKey("a boolean")),
            Head::Float(_) => Err(Error::BadKey("a float")),
            Head::List(_) => self.bad_key_level("a list"),
            Head::Dict(_) => self.bad_key_level("a dictionary"),
            Head::Ext(_) => self.bad_key_level("an extension"),
            Head::Reserved => Err(Error::Reserved),
        }
    }

    /// A list, dictionary or extension as a key: an error once its level
    /// is entered.
    fn bad_key_level(&mut self, what: &'static str) -> Result<Key<'a>, Error> {
        self.enter()?;
        Err(Error::BadKey(what))
    }

    /// Reads an integer that is not negative; `None` for anything else,
    /// which the caller does not have to explain (a lean read then leaves
    /// the frame to the full decode, which says what is wrong).
    pub(crate) fn uint(&mut self) -> Option<u64> {
        match self.head().ok()? {
            Head::Int(i) => u64::try_from(i).ok(),
            Head::Uint(u) => Some(u),
            _ => None,
        }
    }

    /// Walks a value without building it, failing exactly where
    /// [`Reader::value`] would.
    pub(crate) fn check(&mut self) -> Result<(), Error> {
        match self.head()? {
            Head::Nil | Head::Bool(_) | Head::Int(_) | Head::Uint(_) | Head::Float(_) => Ok(()),
            Head::Str(len) | Head::Bin(len) => self.take(len).map(drop),
            Head::List(len) => self.check_list(len),
            Head::Dict(len) => self.check_dict(len),
            Head::Ext(len) => self.check_ext(len),
            Head::Reserved => Err(Error::Reserved),
        }
    }

    fn check_ext(&mut self, len: usize) -> Result<(), Error> {
        self.enter()?;
        self.byte()?;
        self.take(len)?;
        self.leave();
        Ok(())
    }

    fn check_list(&mut self, len: usize) -> Result<(), Error> {
        self.enter()?;
        for _ in 0..len {
            self.check()?;
        }
        self.leave();
        Ok(())
    }

    /// Walks a dictionary (its marker and length read).
    fn check_dict(&mut self, len: usize) -> Result<(), Error> {
        self.enter()?;
        for _ in 0..len {
            self.key()?.check()?;
            self.check()?;
        }
        self.leave();
        Ok(())
    }
}
