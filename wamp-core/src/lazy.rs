//! [`LazyDict`]: a dictionary that a serializer may leave encoded until it
//! is first read.

use std::fmt;
use std::ops::Deref;
use std::sync::OnceLock;

use crate::message::Message;
use crate::serializer::{SerializerKind, decode_eagerly};
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
/// use wamp_core::{Dict, LazyDict, Value};
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
    /// The whole frame of the message the dictionary belongs to (serializers
    /// cannot point at where inside it the dictionary is) and, once read,
    /// the dictionary.
    Encoded {
        kind: SerializerKind,
        frame: Box<[u8]>,
        dict: OnceLock<Dict>,
    },
}

impl LazyDict {
    /// The details of the RESULT message in `frame`, decoded when first read.
    /// The caller has checked that `frame` decodes, with `kind`, to a RESULT.
    pub(crate) fn result_details(kind: SerializerKind, frame: &[u8]) -> LazyDict {
        LazyDict(Repr::Encoded {
            kind,
            frame: frame.into(),
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
            Repr::Encoded { kind, frame, dict } => dict.get_or_init(|| result_details(*kind, frame)),
        }
    }

    /// The dictionary, owned.
    pub fn into_dict(self) -> Dict {
        match self.0 {
            Repr::Decoded(dict) => dict,
            Repr::Encoded { kind, frame, dict } => dict.into_inner().unwrap_or_else(|| result_details(kind, &frame)),
        }
    }
}

/// Decodes `frame` again, without leaving anything encoded, for its details.
fn result_details(kind: SerializerKind, frame: &[u8]) -> Dict {
    match decode_eagerly(kind, frame) {
        Ok(Message::Result(result)) => result.details.into_dict(),
        // Only frames that decoded to a RESULT are kept, so this is not
        // reached; an empty dictionary is all there would be to give.
        _ => {
            debug_assert!(false, "a kept RESULT frame no longer decodes");
            Dict::new()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{CallResult, Payload};
    use crate::value::Value;

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
