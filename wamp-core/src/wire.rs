//! [`Message`]s on the serde data model: a message is written as its WAMP
//! list straight from its fields, without building the list first.

use serde::ser::{self, SerializeSeq};

use crate::message::{FieldSink, Message};
use crate::value::wire::{WireDict, WireList, WireMode};
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
