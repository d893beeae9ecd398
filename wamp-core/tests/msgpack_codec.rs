//! The MessagePack serializer against the `rmp-serde` based one it
//! replaced (kept below as the reference): for any frame, the same message
//! or the same error; for any message, the same bytes.
#![allow(clippy::unwrap_used)]

mod common;

use std::fmt;
use std::io::ErrorKind;

use proptest::collection::vec;
use proptest::prelude::*;
use serde::Deserialize;
use serde::de::{self, Deserializer as _, Visitor};
use wamp_core::*;

/// The serializer as it was, on `rmp-serde`.
mod reference {
    use super::*;

    const MAX_DEPTH: usize = 128;

    /// The bytes of `message` (the list form serializes as the message
    /// did: its ids are non-negative, so `i64` and `u64` write the same).
    pub(super) fn encode(message: &Message) -> Vec<u8> {
        rmp_serde::to_vec(&Value::List(message.to_list())).unwrap()
    }

    pub(super) fn encode_value(value: &Value) -> Vec<u8> {
        rmp_serde::to_vec(value).unwrap()
    }

    pub(super) fn decode(frame: &[u8]) -> Result<Message, DecodeError> {
        match read_whole(frame)? {
            Value::List(items) => Message::from_list(items),
            other => Err(DecodeError::NotAList(other.type_name())),
        }
    }

    fn read_whole(frame: &[u8]) -> Result<Value, DecodeError> {
        let mut de = rmp_serde::Deserializer::from_read_ref(frame);
        de.set_max_depth(MAX_DEPTH);
        let value = Value::deserialize(&mut de).map_err(msgpack_error)?;
        // Reading one more marker must hit the end of the frame.
        match (&mut de).deserialize_option(MarkerProbe) {
            Err(rmp_serde::decode::Error::InvalidMarkerRead(e)) if e.kind() == ErrorKind::UnexpectedEof => Ok(value),
            _ => Err(DecodeError::MalformedMsgPack(
                "trailing bytes after the message".to_owned(),
            )),
        }
    }

    struct MarkerProbe;

    impl<'de> Visitor<'de> for MarkerProbe {
        type Value = ();

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("the end of the frame")
        }
        fn visit_none<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_some<D: de::Deserializer<'de>>(self, _: D) -> Result<(), D::Error> {
            Ok(())
        }
    }

    fn msgpack_error(err: rmp_serde::decode::Error) -> DecodeError {
        use rmp_serde::decode::Error;
        let text = match &err {
            Error::InvalidMarkerRead(e) | Error::InvalidDataRead(e) if e.kind() == ErrorKind::UnexpectedEof => {
                "unexpected end of input".to_owned()
            }
            Error::DepthLimitExceeded => format!("nested more than {MAX_DEPTH} levels deep"),
            _ => err.to_string(),
        };
        DecodeError::MalformedMsgPack(text)
    }
}

/// The kind of a MessagePack error, from either decoder's text.
#[derive(Debug, PartialEq)]
enum Malformed {
    Eof,
    TooDeep,
    Trailing,
    Reserved,
    BadKey,
}

fn malformed(text: &str) -> Malformed {
    match text {
        "unexpected end of input" => Malformed::Eof,
        "nested more than 128 levels deep" => Malformed::TooDeep,
        "trailing bytes after the message" => Malformed::Trailing,
        // Old, new.
        "wrong msgpack marker Reserved" | "reserved marker 0xc1" => Malformed::Reserved,
        t if t.contains("dictionary key") || t.starts_with("string found to be invalid utf8") => Malformed::BadKey,
        t => panic!("unexpected error text {t:?}"),
    }
}

/// Equal, floats compared bit for bit.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits(),
        (Value::List(a), Value::List(b)) => a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b)),
        (Value::Dict(a), Value::Dict(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|((ka, a), (kb, b))| ka == kb && same(a, b))
        }
        (a, b) => a == b,
    }
}

/// The new serializer decodes `frame` as the old one did.
fn check_frame(frame: &[u8]) -> Result<(), TestCaseError> {
    let old = reference::decode(frame);
    let new = MsgPackSerializer.decode(frame);
    match (&old, &new) {
        (Ok(old), Ok(new)) => {
            prop_assert_eq!(old.message_type(), new.message_type());
            let (old, new) = (Value::List(old.to_list()), Value::List(new.to_list()));
            prop_assert!(same(&old, &new), "{:02x?}: {:?} != {:?}", frame, old, new);
        }
        (Err(DecodeError::MalformedMsgPack(old)), Err(DecodeError::MalformedMsgPack(new))) => {
            prop_assert_eq!(malformed(old), malformed(new), "{:02x?}: {} / {}", frame, old, new);
        }
        (Err(old), Err(new)) => prop_assert_eq!(old, new, "{:02x?}", frame),
        _ => prop_assert!(false, "{:02x?}: old {:?}, new {:?}", frame, old, new),
    }
    Ok(())
}

/// Small changes to a frame: bytes replaced, inserted, removed, the end
/// cut off or more added.
fn damaged(frame: impl Strategy<Value = Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let edit = (0..6u8, any::<proptest::sample::Index>(), any::<u8>());
    (frame, vec(edit, 0..3)).prop_map(|(mut frame, edits)| {
        for (kind, at, byte) in edits {
            let i = at.index(frame.len() + 1);
            match kind {
                0 if i < frame.len() => frame[i] = byte,
                1 => frame.insert(i, byte),
                2 if i < frame.len() => {
                    frame.remove(i);
                }
                3 => frame.truncate(i),
                4 => frame.push(byte),
                _ => {}
            }
        }
        frame
    })
}

/// Values as messages carry them: YIELD args and kwargs, RESULT details,
/// or the whole frame.
fn value_frame() -> impl Strategy<Value = Vec<u8>> {
    (0..4u8, common::value(), common::value()).prop_map(|(place, a, b)| {
        let dict = |value: Value| Value::Dict([("k".to_owned(), value)].into_iter().collect());
        let int = Value::Integer;
        let list = match place {
            0 => vec![int(70), int(1), dict(Value::Null), Value::List(vec![a]), dict(b)],
            1 => vec![int(50), int(1), dict(a), Value::List(vec![b])],
            2 => vec![int(50), int(1), a, b],
            _ => return reference::encode_value(&a),
        };
        reference::encode_value(&Value::List(list))
    })
}

/// MessagePack that other encoders may write: every integer, string, map
/// and array encoding, extensions, odd keys.
fn token() -> impl Strategy<Value = Vec<u8>> {
    let tokens: &[&[u8]] = &[
        b"\x05",
        b"\xe0",
        b"\xcc\x80",
        b"\xcd\x01\x00",
        b"\xce\x00\x01\x00\x00",
        b"\xcf\xff\xff\xff\xff\xff\xff\xff\xff",
        b"\xd0\x05",
        b"\xd1\xff\x00",
        b"\xd2\xff\xff\xff\x00",
        b"\xd3\x00\x00\x00\x00\x00\x00\x00\x07",
        b"\xc0",
        b"\xc3",
        b"\xc1",
        b"\xca\x3f\xc0\x00\x00",
        b"\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00",
        b"\xa1k",
        b"\xa8progress",
        b"\xa2\xff\xfe",
        b"\xd9\x01a",
        b"\xda\x00\x01b",
        b"\xdb\x00\x00\x00\x01c",
        b"\xc4\x01x",
        b"\xc5\x00\x01y",
        b"\xc6\x00\x00\x00\x01\x07",
        b"\xd4\x05\x01",
        b"\xc7\x01\x02\x09",
        b"\x90",
        b"\x91",
        b"\x93",
        b"\xdc\x00\x02",
        b"\xdd\x00\x00\x00\x01",
        b"\x80",
        b"\x81",
        b"\xde\x00\x01",
        b"\xdf\x00\x00\x00\x01",
        b"\xdd\xff\xff\xff\xff",
    ];
    prop_oneof![
        4 => proptest::sample::select(tokens).prop_map(<[u8]>::to_vec),
        1 => any::<u8>().prop_map(|b| vec![b]),
    ]
}

fn token_frame() -> impl Strategy<Value = Vec<u8>> {
    let heads: &[&[u8]] = &[
        b"",
        b"\x93\x32\x01",
        b"\x94\x32\x01\x80",
        b"\x95\x32\x01\x80\x90",
        b"\x94\x46\x01\x80",
    ];
    (proptest::sample::select(heads), vec(token(), 0..12))
        .prop_map(|(head, tokens)| [head.to_vec(), tokens.concat()].concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn encodes_every_message_to_the_bytes_rmp_serde_wrote(message in common::message()) {
        prop_assert_eq!(MsgPackSerializer.encode(&message).unwrap(), reference::encode(&message));
    }

    #[test]
    fn encodes_every_value_to_the_bytes_rmp_serde_wrote(args in vec(common::value(), 0..4), kwargs in common::dict()) {
        let message = Message::from(Yield { request: 1, options: kwargs.clone(), payload: Payload { args, kwargs } });
        prop_assert_eq!(MsgPackSerializer.encode(&message).unwrap(), reference::encode(&message));
    }

    #[test]
    fn decodes_arbitrary_bytes_as_rmp_serde_did(frame in vec(any::<u8>(), 0..64)) {
        check_frame(&frame)?;
    }

    #[test]
    fn decodes_messages_as_rmp_serde_did(frame in damaged(common::message().prop_map(|m| reference::encode(&m)))) {
        check_frame(&frame)?;
    }

    #[test]
    fn decodes_values_as_rmp_serde_did(frame in damaged(value_frame())) {
        check_frame(&frame)?;
    }

    #[test]
    fn decodes_other_encodings_as_rmp_serde_did(frame in damaged(token_frame())) {
        check_frame(&frame)?;
    }
}

#[test]
fn decodes_the_pinned_cases_as_rmp_serde_did() {
    let frames: &[&[u8]] = &[
        b"",
        b"\x93\x30\x07",
        b"\xc1",
        b"\x91\xc1",
        b"\x92\x23\x01\x00",
        b"\xdd\xff\xff\xff\xff\x01",
        b"\xdf\xff\xff\xff\xff\xa1k",
        b"\x93\x01\xa1r\x81\x90\x01",
        b"\x93\x32\x01\x81\x91\x01\x02",
        b"\x93\x32\x01\x80\xc0",
        b"\x94\x46\x01\x80\x92\xd4\x05\x01\xa2\xff\xfe",
        b"\x94\x46\x01\x81\xcc\x07\xc0\x91\x81\xc4\x01k\x02",
        b"\x93\x32\x01\x82\xa1a\x01\xa1a\x02",
    ];
    for frame in frames {
        check_frame(frame).unwrap();
    }
    let mut deep = b"\x94\x32\x01\x80".to_vec();
    deep.extend(std::iter::repeat_n(0x91, 100_000));
    deep.push(0xc0);
    check_frame(&deep).unwrap();
}

#[test]
fn a_tiny_call_and_result_are_what_they_were() {
    let call = Message::from(Call {
        request: 1234,
        procedure: "bench.echo".into(),
        payload: Payload::from_args(vec![Value::from(5)]),
        ..Default::default()
    });
    let frame = MsgPackSerializer.encode(&call).unwrap();
    assert_eq!(frame, b"\x95\x30\xcd\x04\xd2\x80\xaabench.echo\x91\x05");
    assert_eq!(frame, reference::encode(&call));

    let mut result = b"\x94\x32\xcd\x04\xd2\x81\xa6callee\xcf".to_vec();
    result.extend(3_932_012_623_759_262_u64.to_be_bytes());
    result.extend(b"\x91\x05");
    check_frame(&result).unwrap();
    let Message::Result(decoded) = MsgPackSerializer.decode(&result).unwrap() else {
        panic!("not a RESULT")
    };
    assert_eq!(decoded.request, 1234);
    assert_eq!(
        decoded.details.get("callee"),
        Some(&Value::from(3_932_012_623_759_262_u64))
    );
}
