//! The WAMP (Web Application Messaging Protocol, version 2) protocol layer.
//!
//! This crate has no I/O: it defines the [`Value`] type carried in
//! payloads, the [`Message`]s of the protocol, [`Uri`] validation and
//! matching, id generation, and [`Serializer`]s that turn messages into
//! frames and back.
//!
//! ```
//! use wamp_protocol::{JsonSerializer, Message, Serializer};
//!
//! let message = JsonSerializer.decode(br#"[1,"realm1",{"roles":{"caller":{}}}]"#).unwrap();
//! let Message::Hello(hello) = &message else { unreachable!() };
//! assert_eq!(hello.realm, "realm1");
//! assert_eq!(JsonSerializer.encode(&message).unwrap(), br#"[1,"realm1",{"roles":{"caller":{}}}]"#);
//! ```

#![warn(missing_docs)]

// Each module depends only on those listed before it, so the crate reads
// from the top down:
// - leaves: `id`, `uri`, `reserved`, `message_type`, `value` (with
//   `value::wire`, a Value on the serde data model);
// - `error` (names a `message_type`), `lazy` (a `value::Dict` left encoded);
// - `message`: the messages, as data and as WAMP lists;
// - `wire`: a message on the serde data model;
// - `serializer::api` (what a serializer is), then
//   `serializer::lazy_details` (a small RESULT read without its details),
//   then the formats `json`, `cbor` and `msgpack`, which decode through
//   it, then `serializer` itself, which names them all.

mod error;
mod id;
mod lazy;
mod message;
mod message_type;
pub mod reserved;
mod serializer;
mod uri;
mod value;
mod wire;

pub use error::{DecodeError, EncodeError};
pub use id::{Id, MAX_ID, RequestIdGenerator, random_id};
pub use lazy::LazyDict;
pub use message::{
    Abort, Authenticate, Call, CallResult, Cancel, Challenge, ErrorMessage, Event, Goodbye, Hello, Interrupt,
    Invocation, Message, Payload, Publish, Published, Register, Registered, Subscribe, Subscribed, Unregister,
    Unregistered, Unsubscribe, Unsubscribed, Welcome, Yield,
};
pub use message_type::MessageType;
pub use serializer::{
    CborSerializer, JsonSerializer, MsgPackSerializer, ParseSerializerError, Serializer, SerializerKind,
};
pub use uri::{InvokePolicy, MatchPolicy, ParsePolicyError, Uri, UriError, UriErrorKind, UriRules, validate};
pub use value::{Dict, List, Value, ValueError, from_value, to_value};
