//! Wire serializers: turning [`Message`]s into frames and back.
//!
//! A [`Serializer`] is chosen per connection (WebSocket subprotocol or
//! RawSocket serializer id, see [`SerializerKind`]): JSON, MessagePack and
//! CBOR. [`api`] says what a serializer is; each format has its module,
//! and every one decodes through [`lazy_details`], which leaves the details
//! of a small RESULT encoded until they are read.
//!
//! [`Message`]: crate::Message

mod api;
mod cbor;
mod json;
mod lazy_details;
mod msgpack;

pub use api::{ParseSerializerError, Serializer, SerializerKind};
pub use cbor::CborSerializer;
pub use json::JsonSerializer;
pub use msgpack::MsgPackSerializer;

// The one place that names every format, so it is the one that can make
// any of them.
impl SerializerKind {
    /// Creates a serializer of this kind.
    pub fn serializer(self) -> Box<dyn Serializer> {
        match self {
            SerializerKind::Json => Box::new(JsonSerializer),
            SerializerKind::MsgPack => Box::new(MsgPackSerializer),
            SerializerKind::Cbor => Box::new(CborSerializer),
        }
    }
}
