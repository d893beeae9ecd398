//! The dynamically typed value carried in WAMP payloads and option dicts.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

mod de;
mod ser;
pub(crate) mod wire;

pub use de::from_value;
pub use ser::to_value;

/// A dictionary of [`Value`]s keyed by string (WAMP `dict`).
pub type Dict = BTreeMap<String, Value>;

/// A list of [`Value`]s (WAMP `list`).
pub type List = Vec<Value>;

/// A dynamically typed WAMP value: the union of what JSON, MessagePack and
/// CBOR can carry.
///
/// Integers are stored as [`Value::Integer`] whenever they fit an `i64`;
/// [`Value::UnsignedInteger`] is only used for values above `i64::MAX`, so
/// every integer has exactly one representation.
///
/// `Value` implements [`serde::Serialize`] and [`serde::Deserialize`] on the
/// plain serde data model (bytes are serde bytes). Use [`to_value`] and
/// [`from_value`] to convert to and from your own types.
///
/// ```
/// use wamp_protocol::{Dict, Value};
///
/// let mut dict = Dict::new();
/// dict.insert("name".to_owned(), Value::from("ada"));
/// let value = Value::List(vec![Value::from(1), Value::from(2.5), Value::Dict(dict)]);
///
/// assert_eq!(value.as_list().map(Vec::len), Some(3));
/// assert_eq!(value.to_string(), r#"[1, 2.5, {"name": "ada"}]"#);
/// assert_eq!(Value::from(u64::MAX), Value::UnsignedInteger(u64::MAX));
/// assert_eq!(Value::from(7u64), Value::Integer(7));
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// The null value.
    #[default]
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer (every integer that fits `i64`).
    Integer(i64),
    /// An unsigned integer; only used for values greater than `i64::MAX`.
    UnsignedInteger(u64),
    /// A floating point number.
    Float(f64),
    /// A UTF-8 string.
    String(String),
    /// Binary data.
    Bytes(Vec<u8>),
    /// A list of values.
    List(List),
    /// A string-keyed dictionary of values.
    Dict(Dict),
}

impl Value {
    /// Returns a short name of the value's type, as used in error messages:
    /// `"null"`, `"bool"`, `"integer"`, `"float"`, `"string"`, `"bytes"`,
    /// `"list"` or `"dict"`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Integer(_) | Value::UnsignedInteger(_) => "integer",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::Bytes(_) => "bytes",
            Value::List(_) => "list",
            Value::Dict(_) => "dict",
        }
    }

    /// Returns `true` for [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Returns the boolean, if this is a [`Value::Bool`].
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Returns the integer, if this is an integer that fits an `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Integer(i) => Some(*i),
            Value::UnsignedInteger(u) => i64::try_from(*u).ok(),
            _ => None,
        }
    }

    /// Returns the integer, if this is a non-negative integer.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Integer(i) => u64::try_from(*i).ok(),
            Value::UnsignedInteger(u) => Some(*u),
            _ => None,
        }
    }

    /// Returns the number as `f64`, if this is a float or an integer
    /// (integers beyond 2^53 lose precision).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            #[allow(clippy::cast_precision_loss)]
            Value::Integer(i) => Some(*i as f64),
            #[allow(clippy::cast_precision_loss)]
            Value::UnsignedInteger(u) => Some(*u as f64),
            _ => None,
        }
    }

    /// Returns the string, if this is a [`Value::String`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Returns the bytes, if this is a [`Value::Bytes`].
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// Returns the list, if this is a [`Value::List`].
    pub fn as_list(&self) -> Option<&List> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// Returns the list mutably, if this is a [`Value::List`].
    pub fn as_list_mut(&mut self) -> Option<&mut List> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// Returns the dictionary, if this is a [`Value::Dict`].
    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }

    /// Returns the dictionary mutably, if this is a [`Value::Dict`].
    pub fn as_dict_mut(&mut self) -> Option<&mut Dict> {
        match self {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }

    /// Looks up `key` if this is a dictionary.
    ///
    /// ```
    /// use wamp_protocol::{to_value, Value};
    /// let v = to_value(&std::collections::BTreeMap::from([("a", 1)])).unwrap();
    /// assert_eq!(v.get("a"), Some(&Value::Integer(1)));
    /// assert_eq!(v.get("b"), None);
    /// ```
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_dict().and_then(|d| d.get(key))
    }
}

macro_rules! from_signed {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::Integer(i64::from(v))
            }
        }
    )*};
}
from_signed!(i8, i16, i32, i64);

macro_rules! from_unsigned_small {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::Integer(i64::from(v))
            }
        }
    )*};
}
from_unsigned_small!(u8, u16, u32);

impl From<u64> for Value {
    /// Values above `i64::MAX` become [`Value::UnsignedInteger`].
    fn from(v: u64) -> Self {
        match i64::try_from(v) {
            Ok(i) => Value::Integer(i),
            Err(_) => Value::UnsignedInteger(v),
        }
    }
}

impl From<usize> for Value {
    fn from(v: usize) -> Self {
        // usize is at most 64 bits on every supported platform.
        Value::from(v as u64)
    }
}

impl From<isize> for Value {
    fn from(v: isize) -> Self {
        Value::Integer(v as i64)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl From<f32> for Value {
    fn from(v: f32) -> Self {
        Value::Float(f64::from(v))
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::String(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::String(v)
    }
}

impl From<Vec<u8>> for Value {
    /// Byte vectors become [`Value::Bytes`].
    fn from(v: Vec<u8>) -> Self {
        Value::Bytes(v)
    }
}

impl From<&[u8]> for Value {
    /// Byte slices become [`Value::Bytes`].
    fn from(v: &[u8]) -> Self {
        Value::Bytes(v.to_vec())
    }
}

impl From<List> for Value {
    fn from(v: List) -> Self {
        Value::List(v)
    }
}

impl From<Dict> for Value {
    fn from(v: Dict) -> Self {
        Value::Dict(v)
    }
}

impl From<()> for Value {
    fn from((): ()) -> Self {
        Value::Null
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    /// `None` becomes [`Value::Null`].
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

impl FromIterator<Value> for Value {
    /// Collects into a [`Value::List`].
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Self {
        Value::List(iter.into_iter().collect())
    }
}

impl FromIterator<(String, Value)> for Value {
    /// Collects into a [`Value::Dict`].
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        Value::Dict(iter.into_iter().collect())
    }
}

/// Formats the value as JSON-like text.
///
/// Strings and keys are JSON-escaped, floats always show a fractional part
/// or exponent (`1.0`), non-finite floats print as `NaN`, `inf` and `-inf`,
/// and bytes print as `b64"…"` holding the standard base64 of the bytes.
/// List and dict elements are separated by `", "` and keys by `": "`.
///
/// ```
/// use wamp_protocol::Value;
/// let v = Value::List(vec![Value::Bytes(vec![1, 2]), Value::from("a\"b"), Value::Null]);
/// assert_eq!(v.to_string(), r#"[b64"AQI=", "a\"b", null]"#);
/// ```
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Integer(i) => write!(f, "{i}"),
            Value::UnsignedInteger(u) => write!(f, "{u}"),
            Value::Float(x) => write!(f, "{x:?}"),
            Value::String(s) => write_json_str(f, s),
            Value::Bytes(b) => write!(f, "b64\"{}\"", STANDARD.encode(b)),
            Value::List(list) => {
                f.write_str("[")?;
                for (i, v) in list.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    fmt::Display::fmt(v, f)?;
                }
                f.write_str("]")
            }
            Value::Dict(dict) => {
                f.write_str("{")?;
                for (i, (k, v)) in dict.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write_json_str(f, k)?;
                    f.write_str(": ")?;
                    fmt::Display::fmt(v, f)?;
                }
                f.write_str("}")
            }
        }
    }
}

fn write_json_str(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    let escaped = serde_json::to_string(s).map_err(|_| fmt::Error)?;
    f.write_str(&escaped)
}

/// Error produced by [`to_value`], [`from_value`] and `Value`'s
/// [`serde::Deserializer`] implementation.
///
/// ```
/// let err = wamp_protocol::from_value::<f64>(wamp_protocol::Value::from("x")).unwrap_err();
/// assert_eq!(err.to_string(), "invalid type: string \"x\", expected f64");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValueError {
    message: String,
}

impl ValueError {
    /// Creates an error with the given message.
    pub fn new(message: impl fmt::Display) -> Self {
        Self {
            message: message.to_string(),
        }
    }

    /// The error message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl serde::ser::Error for ValueError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self::new(msg)
    }
}

impl serde::de::Error for ValueError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self::new(msg)
    }
}
