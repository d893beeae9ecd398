//! Errors produced while decoding and encoding WAMP messages.

use crate::message_type::MessageType;

/// An error produced when a received frame is not a valid WAMP message.
///
/// The [`Display`](std::fmt::Display) text is meant for logs and for
/// `wamp.error.protocol_violation` abort messages: it names the message
/// type and field that were wrong.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The frame is not syntactically valid JSON (or is not valid for the
    /// serializer in use). Holds the parser's description of the problem.
    #[error("malformed JSON: {0}")]
    MalformedJson(String),

    /// The frame could not be parsed by a (non-JSON) serializer.
    #[error("malformed frame: {0}")]
    MalformedFrame(String),

    /// The frame is not valid MessagePack (truncated, a reserved marker,
    /// trailing bytes, nested too deeply...). Holds the decoder's
    /// description of the problem.
    #[error("malformed MessagePack: {0}")]
    MalformedMsgPack(String),

    /// The frame is not valid CBOR (truncated, an unsupported tag or simple
    /// value, trailing bytes, nested too deeply...). Holds the decoder's
    /// description of the problem.
    #[error("malformed CBOR: {0}")]
    MalformedCbor(String),

    /// A binary value (a JSON string starting with `\0`) did not hold valid
    /// base64 after the prefix. Holds a description of where.
    #[error("invalid binary value: {0}")]
    InvalidBinary(String),

    /// The top-level value of the frame is not a list.
    #[error("message is not a list, got {0}")]
    NotAList(&'static str),

    /// The top-level value of the frame is an empty list.
    #[error("message is an empty list")]
    EmptyList,

    /// The first element of the message is not an integer.
    #[error("message type must be an integer, got {0}")]
    InvalidMessageType(&'static str),

    /// The message type code is not one this implementation knows.
    #[error("unknown message type {0}")]
    UnknownMessageType(i128),

    /// The message has too few or too many elements.
    #[error(
        "invalid {message} message: expected {} elements, got {got}",
        arity_text(*min, *max)
    )]
    WrongLength {
        /// The message type.
        message: MessageType,
        /// The minimum number of elements (including the type code).
        min: usize,
        /// The maximum number of elements (including the type code).
        max: usize,
        /// The number of elements received.
        got: usize,
    },

    /// A field has the wrong type.
    #[error("invalid {message} message: field `{field}` must be {expected}, got {got}")]
    WrongFieldType {
        /// The message type.
        message: MessageType,
        /// The name of the field.
        field: &'static str,
        /// What the field must be, with an article (e.g. "a string").
        expected: &'static str,
        /// The type name of what was received (e.g. "integer").
        got: &'static str,
    },

    /// A field that must be a WAMP id is not an integer in `[0, 2^53]`.
    #[error("invalid {message} message: field `{field}` must be an id in [0, 2^53], got {got}")]
    InvalidId {
        /// The message type.
        message: MessageType,
        /// The name of the field.
        field: &'static str,
        /// The offending number, or the type name if it was not an integer.
        got: String,
    },

    /// The `request_type` of an ERROR message is not a known message type.
    #[error("invalid {message} message: unknown request type {code}")]
    UnknownRequestType {
        /// The message type (always ERROR).
        message: MessageType,
        /// The unknown code.
        code: i128,
    },
}

fn arity_text(min: usize, max: usize) -> String {
    if min == max {
        min.to_string()
    } else {
        format!("{min} to {max}")
    }
}

/// An error produced when a message cannot be encoded.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum EncodeError {
    /// JSON cannot represent NaN or infinite floating point numbers; rather
    /// than silently sending `null`, encoding fails.
    #[error("cannot encode non-finite float {0} as JSON")]
    NonFiniteFloat(f64),

    /// The underlying serializer failed for another reason.
    #[error("serialization failed: {0}")]
    Serialization(String),

    /// The encoded message is larger than the connection accepts (the
    /// configured `max_message_size`, or on RawSocket the smaller of it and
    /// the router's limit).
    #[error("the message is {size} bytes, more than the maximum message size of {limit} bytes")]
    TooLarge {
        /// The size of the encoded message in bytes.
        size: usize,
        /// The largest message the connection accepts, in bytes.
        limit: usize,
    },
}
