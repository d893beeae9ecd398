//! The MessagePack writer against the `rmp-serde` based one it replaced:
//! for any message (of every type, from the strategies the other tests
//! share), the same bytes. The reader's comparison with the old decoder,
//! which needs the crate's internals (the lean RESULT path), is in the
//! unit tests of `serializer/msgpack/tests.rs`.
#![allow(clippy::unwrap_used)]

mod common;

use proptest::collection::vec;
use proptest::prelude::*;
use wamp_protocol::*;

/// The bytes rmp-serde wrote for `message` (the list form serializes as
/// the message did: its ids are non-negative, so `i64` and `u64` write the
/// same).
fn reference_encode(message: &Message) -> Vec<u8> {
    rmp_serde::to_vec(&Value::List(message.to_list())).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn encodes_every_message_to_the_bytes_rmp_serde_wrote(message in common::message()) {
        prop_assert_eq!(MsgPackSerializer.encode(&message).unwrap(), reference_encode(&message));
    }

    #[test]
    fn encodes_every_value_to_the_bytes_rmp_serde_wrote(args in vec(common::value(), 0..4), kwargs in common::dict()) {
        let message = Message::from(Yield { request: 1, options: kwargs.clone(), payload: Payload { args, kwargs } });
        prop_assert_eq!(MsgPackSerializer.encode(&message).unwrap(), reference_encode(&message));
    }
}
