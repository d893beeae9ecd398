//! [`LazyDict`]: a dictionary that may be left encoded until it is first
//! read. It only holds the bytes and the function that decodes them; which
//! dictionaries are left encoded, and how, is the serializers' business.

use std::fmt;
use std::ops::Deref;
use std::sync::OnceLock;

use crate::value::Dict;

/// A [`Dict`] that may still be in its encoded form, decoded on first read.
///
/// The serializers use it for the details of a small RESULT: a router such
/// as Crossbar discloses the callee in every one (`callee`,
/// `callee_authid`, `callee_authrole`), and building those strings and the
/// map, then freeing them unread, cost a caller a quarter of its instructions per
/// call. The frame was fully checked when it was received, so reading the
/// dictionary later cannot fail; it costs one decode of the frame the first
/// time, nothing after.
///
/// It dereferences to [`Dict`], and converts from and into one:
///
/// ```
/// use wamp_protocol::{Dict, LazyDict, Value};
///
/// let mut dict = Dict::new();
/// dict.insert("callee".into(), Value::from(7));
/// let details = LazyDict::from(dict.clone());
/// assert_eq!(details.get("callee").and_then(Value::as_u64), Some(7));
/// assert_eq!(details, dict);
/// assert_eq!(details.into_dict(), dict);
/// ```
#[derive(Clone)]
pub struct LazyDict(Repr);

#[derive(Clone)]
enum Repr {
    Decoded(Dict),
    /// The bytes the dictionary is in (for a serializer, the whole frame of
    /// its message: it cannot point at where inside it the dictionary is),
    /// the function that finds it in them and, once read, the dictionary.
    Encoded {
        frame: Box<[u8]>,
        decode: fn(&[u8]) -> Dict,
        dict: OnceLock<Dict>,
    },
}

impl LazyDict {
    /// The dictionary `decode` finds in `frame`, decoded when first read
    /// (`frame` is copied). Reading it cannot fail, so the caller has
    /// checked that `decode` finds a dictionary in `frame`.
    pub(crate) fn encoded(frame: &[u8], decode: fn(&[u8]) -> Dict) -> LazyDict {
        LazyDict(Repr::Encoded {
            frame: frame.into(),
            decode,
            dict: OnceLock::new(),
        })
    }

    /// The dictionary if it has been decoded already: what can be looked at
    /// without paying for a decode.
    pub(crate) fn decoded(&self) -> Option<&Dict> {
        match &self.0 {
            Repr::Decoded(dict) => Some(dict),
            Repr::Encoded { dict, .. } => dict.get(),
        }
    }

    /// The dictionary (decoded now if it was not yet).
    pub fn as_dict(&self) -> &Dict {
        match &self.0 {
            Repr::Decoded(dict) => dict,
            Repr::Encoded { frame, decode, dict } => dict.get_or_init(|| decode(frame)),
        }
    }

    /// The dictionary, owned.
    pub fn into_dict(self) -> Dict {
        match self.0 {
            Repr::Decoded(dict) => dict,
            Repr::Encoded { frame, decode, dict } => dict.into_inner().unwrap_or_else(|| decode(&frame)),
        }
    }
}

impl Deref for LazyDict {
    type Target = Dict;

    fn deref(&self) -> &Dict {
        self.as_dict()
    }
}

impl Default for LazyDict {
    fn default() -> Self {
        LazyDict(Repr::Decoded(Dict::new()))
    }
}

impl From<Dict> for LazyDict {
    fn from(dict: Dict) -> Self {
        LazyDict(Repr::Decoded(dict))
    }
}

impl From<LazyDict> for Dict {
    fn from(lazy: LazyDict) -> Self {
        lazy.into_dict()
    }
}

impl PartialEq for LazyDict {
    fn eq(&self, other: &Self) -> bool {
        self.as_dict() == other.as_dict()
    }
}

impl PartialEq<Dict> for LazyDict {
    fn eq(&self, other: &Dict) -> bool {
        self.as_dict() == other
    }
}

impl fmt::Debug for LazyDict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_dict(), f)
    }
}
