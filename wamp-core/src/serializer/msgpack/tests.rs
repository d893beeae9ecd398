//! The reader and writer against the `rmp-serde` based code they replaced,
//! kept here as the reference: the same values and the same kind of error
//! for any input, the same lean RESULTs, the same bytes.
//!
//! Every frame is compared at the value level, on the lean RESULT path and
//! as the message `MsgPackSerializer::decode` makes of it.
//! (`wamp-core/tests/msgpack_codec.rs` compares the bytes written for
//! messages of every type, from the strategies the integration tests share.)

use std::fmt;
use std::io::ErrorKind;

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use serde::Deserialize;
use serde::de::{self, Deserializer as _, Visitor};
use serde::ser::Serialize as _;

use super::{MsgPackSerializer, read, write};
use crate::error::DecodeError;
use crate::id::MAX_ID;
use crate::message::{Call, CallResult, ErrorMessage, Event, Hello, Message, Payload, Yield, message_from_value};
use crate::message_type::MessageType;
use crate::serializer::api::{MAX_DEPTH, Serializer};
use crate::serializer::lazy_details::{LeanResult, msgpack_lean_result};
use crate::value::wire::WireMode;
use crate::value::{Dict, List, Value};
use crate::wire::WireMessage;

/// The code this module replaced, as it was.
mod old {
    use super::*;

    pub(super) fn encode(message: &Message) -> Vec<u8> {
        let wire = WireMessage {
            message,
            mode: WireMode::NATIVE,
        };
        let mut frame = Vec::with_capacity(128);
        wire.serialize(&mut rmp_serde::Serializer::new(&mut frame))
            .expect("rmp-serde writes to a Vec");
        frame
    }

    /// Reads one `T` that must span the whole frame.
    pub(super) fn read_whole<'de, T: Deserialize<'de>>(frame: &'de [u8]) -> Result<T, DecodeError> {
        let mut de = rmp_serde::Deserializer::from_read_ref(frame);
        de.set_max_depth(MAX_DEPTH);
        let value = T::deserialize(&mut de).map_err(msgpack_error)?;
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

    pub(super) fn lean_result(frame: &[u8]) -> Option<CallResult> {
        read_whole::<LeanResult<false>>(frame)
            .ok()
            .map(|LeanResult(result)| result)
    }
}

/// What went wrong, as far as both decoders can be held to agree.
#[derive(Debug, PartialEq)]
enum Failure {
    Eof,
    TooDeep,
    Trailing,
    Reserved,
    BadKey,
}

fn old_failure(error: &DecodeError) -> Failure {
    let DecodeError::MalformedMsgPack(text) = error else {
        panic!("not a MessagePack error: {error:?}")
    };
    match text.as_str() {
        "unexpected end of input" => Failure::Eof,
        "nested more than 128 levels deep" => Failure::TooDeep,
        "trailing bytes after the message" => Failure::Trailing,
        "wrong msgpack marker Reserved" => Failure::Reserved,
        t if t.contains("dictionary key") || t.starts_with("string found to be invalid utf8") => Failure::BadKey,
        t => panic!("unexpected error text {t:?}"),
    }
}

fn new_failure(error: read::Error) -> Failure {
    match error {
        read::Error::Eof => Failure::Eof,
        read::Error::TooDeep => Failure::TooDeep,
        read::Error::Trailing => Failure::Trailing,
        read::Error::Reserved => Failure::Reserved,
        read::Error::BadKey(_) => Failure::BadKey,
    }
}

/// Equal, floats compared bit for bit.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits(),
        (Value::List(a), Value::List(b)) => same_list(a, b),
        (Value::Dict(a), Value::Dict(b)) => same_dict(a, b),
        (a, b) => a == b,
    }
}

fn same_list(a: &List, b: &List) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
}

fn same_dict(a: &Dict, b: &Dict) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|((ka, a), (kb, b))| ka == kb && same(a, b))
}

/// The new reader agrees with the old one on `frame`: value, lean
/// RESULT, and the message the serializer makes of it (lazy details read).
fn check_frame(frame: &[u8]) -> Result<(), TestCaseError> {
    match (old::read_whole::<Value>(frame), read::whole(frame)) {
        (Ok(old), Ok(new)) => prop_assert!(same(&old, &new), "{frame:02x?}: {old:?} != {new:?}"),
        (Err(old), Err(new)) => prop_assert_eq!(old_failure(&old), new_failure(new), "{:02x?}", frame),
        (old, new) => prop_assert!(false, "{frame:02x?}: old {old:?}, new {new:?}"),
    }
    match (
        old::read_whole::<Value>(frame).and_then(message_from_value),
        MsgPackSerializer.decode(frame),
    ) {
        (Ok(old), Ok(new)) => {
            let (old, new) = (Value::List(old.to_list()), Value::List(new.to_list()));
            prop_assert!(same(&old, &new), "{frame:02x?}: {old:?} != {new:?}");
        }
        // Their kinds were compared above; only the texts differ.
        (Err(DecodeError::MalformedMsgPack(_)), Err(DecodeError::MalformedMsgPack(_))) => {}
        (Err(old), Err(new)) => prop_assert_eq!(old, new, "{:02x?}", frame),
        (old, new) => prop_assert!(false, "{frame:02x?}: message: old {old:?}, new {new:?}"),
    }
    match (old::lean_result(frame), msgpack_lean_result(frame)) {
        (None, None) => {}
        (Some(old), Some(new)) => {
            prop_assert_eq!(old.request, new.request, "{:02x?}", frame);
            prop_assert!(new.details.decoded() == Some(&Dict::new()));
            prop_assert!(same_list(&old.payload.args, &new.payload.args), "{frame:02x?}");
            prop_assert!(same_dict(&old.payload.kwargs, &new.payload.kwargs), "{frame:02x?}");
        }
        (old, new) => prop_assert!(false, "{frame:02x?}: lean: old {old:?}, new {new:?}"),
    }
    Ok(())
}

const INTS: &[i64] = &[
    -1,
    -31,
    -32,
    -33,
    -127,
    -128,
    -129,
    -32_767,
    -32_768,
    -32_769,
    -2_147_483_648,
    -2_147_483_649,
    i64::MIN,
    0,
    1,
    127,
    128,
    255,
    256,
    65_535,
    65_536,
    4_294_967_295,
    4_294_967_296,
    i64::MAX,
];

/// Lengths around where headers change size (`big_headers_are_the_same`
/// covers 16-bit and 32-bit lengths).
const LENGTHS: &[usize] = &[0, 1, 15, 16, 31, 32, 33, 255, 256, 300];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => Just(Value::Null),
        4 => any::<bool>().prop_map(Value::Bool),
        4 => any::<i64>().prop_map(Value::Integer),
        4 => proptest::sample::select(INTS).prop_map(Value::Integer),
        4 => ((i64::MAX as u64 + 1)..=u64::MAX).prop_map(Value::UnsignedInteger),
        4 => any::<f64>().prop_map(Value::Float),
        4 => proptest::sample::select(&[f64::NAN, -f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 1.5][..])
            .prop_map(Value::Float),
        4 => any::<String>().prop_map(Value::String),
        4 => vec(any::<u8>(), 0..40).prop_map(Value::Bytes),
        1 => proptest::sample::select(LENGTHS).prop_map(|n| Value::String("é".repeat(n / 2))),
        1 => proptest::sample::select(LENGTHS).prop_map(|n| Value::Bytes(vec![7; n])),
        1 => proptest::sample::select(LENGTHS).prop_map(|n| Value::List(vec![Value::Null; n])),
        1 => proptest::sample::select(LENGTHS).prop_map(|n| Value::Dict((0..n).map(|i| (i.to_string(), Value::Null)).collect())),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 12, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..18).prop_map(Value::List),
            btree_map(any::<String>(), inner, 0..18).prop_map(Value::Dict),
        ]
    })
}

fn list() -> impl Strategy<Value = List> {
    vec(value(), 0..4)
}

fn dict() -> impl Strategy<Value = Dict> {
    btree_map(any::<String>(), value(), 0..4)
}

fn message() -> impl Strategy<Value = Message> {
    let id = prop_oneof![Just(0), Just(MAX_ID), 0..=MAX_ID];
    (0..6u8, id, dict(), any::<String>(), list(), dict()).prop_map(|(kind, id, dict, text, args, kwargs)| {
        let payload = Payload { args, kwargs };
        match kind {
            0 => Message::Call(Call {
                request: id,
                options: dict,
                procedure: text,
                payload,
            }),
            1 => Message::Result(CallResult {
                request: id,
                details: dict.into(),
                payload,
            }),
            2 => Message::Yield(Yield {
                request: id,
                options: dict,
                payload,
            }),
            3 => Message::Error(ErrorMessage {
                request_type: MessageType::Call,
                request: id,
                details: dict,
                error: text,
                payload,
            }),
            4 => Message::Event(Event {
                subscription: id,
                publication: id,
                details: dict,
                payload,
            }),
            _ => Message::Hello(Hello {
                realm: text,
                details: dict,
            }),
        }
    })
}

/// Scalars in every encoding: integers, nil, booleans, floats, strings
/// (UTF-8 or not), binary, extensions.
const SCALARS: &[&[u8]] = &[
    b"\x00",
    b"\x05",
    b"\x32",
    b"\x7f",
    b"\xe0",
    b"\xff",
    b"\xcc\x80",
    b"\xcc\x05",
    b"\xcd\x01\x00",
    b"\xce\x00\x01\x00\x00",
    b"\xcf\xff\xff\xff\xff\xff\xff\xff\xff",
    b"\xcf\x00\x00\x00\x00\x00\x00\x00\x05",
    b"\xcf\x00\x20\x00\x00\x00\x00\x00\x01",
    b"\xd0\x80",
    b"\xd0\x05",
    b"\xd1\xff\x00",
    b"\xd1\x00\x05",
    b"\xd2\xff\xff\xff\x00",
    b"\xd3\x80\x00\x00\x00\x00\x00\x00\x00",
    b"\xd3\x00\x00\x00\x00\x00\x00\x00\x07",
    b"\xc0",
    b"\xc2",
    b"\xc3",
    b"\xca\x3f\xc0\x00\x00",
    b"\xca\x7f\xc0\x00\x01",
    b"\xca\xff\x80\x00\x00",
    b"\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00",
    b"\xcb\x7f\xf8\x00\x00\x00\x00\x00\x01",
    b"\xa0",
    b"\xa1k",
    b"\xa8progress",
    b"\xa2\xff\xfe",
    b"\xd9\x01a",
    b"\xda\x00\x01b",
    b"\xdb\x00\x00\x00\x01c",
    b"\xd9\x08progress",
    b"\xc4\x00",
    b"\xc4\x01x",
    b"\xc4\x08progress",
    b"\xc4\x01\xff",
    b"\xc5\x00\x01y",
    b"\xc6\x00\x00\x00\x01\x07",
    b"\xd4\x05\x01",
    b"\xd5\xff\x01\x02",
    b"\xd6\x01\x01\x02\x03\x04",
    b"\xd7\x01\x01\x02\x03\x04\x05\x06\x07\x08",
    b"\xd8\x01\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f",
    b"\xc7\x01\x02\x09",
    b"\xc8\x00\x00\x01",
    b"\xc9\x00\x00\x00\x01\x01\x02",
];

/// Array and map headers, true and false; the reserved marker; a string
/// longer than what follows.
const HEADERS: &[&[u8]] = &[
    b"\x90",
    b"\x91",
    b"\x92",
    b"\x93",
    b"\x95",
    b"\x9f",
    b"\xdc\x00\x02",
    b"\xdd\x00\x00\x00\x01",
    b"\xdd\xff\xff\xff\xff",
    b"\x80",
    b"\x81",
    b"\x82",
    b"\x8f",
    b"\xde\x00\x01",
    b"\xdf\x00\x00\x00\x01",
    b"\xdf\xff\xff\xff\xff",
    b"\xc1",
    b"\xd9\xff",
];

/// Dictionary keys: strings, binary and integers in various encodings,
/// a few that are not keys.
const KEYS: &[&[u8]] = &[
    b"\xa1a",
    b"\xa1b",
    b"\xd9\x01a",
    b"\xa8progress",
    b"\xc4\x01b",
    b"\xc4\x08progress",
    b"\x05",
    b"\xcc\x05",
    b"\xd0\xfb",
    b"\xfb",
    b"\xcf\xff\xff\xff\xff\xff\xff\xff\xff",
    b"\xa0",
];
const BAD_KEYS: &[&[u8]] = &[
    b"\xc0",
    b"\xc3",
    b"\xca\x00\x00\x00\x00",
    b"\x90",
    b"\x80",
    b"\xd4\x01\x01",
    b"\xa2\xff\xfe",
    b"\xc4\x01\xff",
];

/// Bits of MessagePack, valid and not, to be strung together.
fn token() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => proptest::sample::select(SCALARS).prop_map(<[u8]>::to_vec),
        2 => proptest::sample::select(HEADERS).prop_map(<[u8]>::to_vec),
        1 => any::<u8>().prop_map(|b| vec![b]),
    ]
}

/// A header for `len` items: the fix form (when it fits) or the 16-bit or
/// 32-bit one.
fn header(fix: u8, m16: u8, form: u8, len: usize) -> Vec<u8> {
    let len32 = u32::try_from(len).expect("a short test list");
    match form {
        0 if len < 16 => vec![fix | len32.to_be_bytes()[3]],
        0 | 1 => [
            &[m16][..],
            &u16::try_from(len32).expect("a short test list").to_be_bytes(),
        ]
        .concat(),
        _ => [&[m32(m16)][..], &len32.to_be_bytes()].concat(),
    }
}

fn m32(m16: u8) -> u8 {
    m16 + 1
}

/// An encoded value, mostly valid, in any encoding MessagePack allows.
fn raw_value() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        12 => proptest::sample::select(SCALARS).prop_map(<[u8]>::to_vec),
        1 => token(),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            (0..3u8, vec(inner.clone(), 0..6)).prop_map(|(form, items)| [
                header(0x90, 0xdc, form, items.len()),
                items.concat()
            ]
            .concat()),
            raw_dict(inner),
        ]
    })
}

fn raw_dict(value: impl Strategy<Value = Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let key = prop_oneof![
        12 => proptest::sample::select(KEYS).prop_map(<[u8]>::to_vec),
        1 => proptest::sample::select(BAD_KEYS).prop_map(<[u8]>::to_vec),
    ];
    (0..3u8, vec((key, value), 0..5)).prop_map(|(form, entries)| {
        let mut dict = header(0x80, 0xde, form, entries.len());
        for (key, value) in entries {
            dict.extend(key);
            dict.extend(value);
        }
        dict
    })
}

/// A RESULT (or nearly), in any encoding.
fn raw_result() -> impl Strategy<Value = Vec<u8>> {
    let ids: &[&[u8]] = &[
        b"\x01",
        b"\x00",
        b"\xcc\x07",
        b"\xd0\x07",
        b"\xd3\x00\x00\x00\x00\x00\x00\x00\x07",
        b"\xff",
        b"\xcf\x00\x20\x00\x00\x00\x00\x00\x00",
        b"\xcf\x00\x20\x00\x00\x00\x00\x00\x01",
        b"\xcb\x3f\xf0\x00\x00\x00\x00\x00\x00",
        b"\xc0",
    ];
    let details = prop_oneof![6 => raw_dict(raw_value()), 1 => raw_value()];
    let args = prop_oneof![
        6 => (0..3u8, vec(raw_value(), 0..4))
            .prop_map(|(form, items)| [header(0x90, 0xdc, form, items.len()), items.concat()].concat()),
        1 => raw_value(),
    ];
    let kwargs = prop_oneof![6 => raw_dict(raw_value()), 1 => raw_value()];
    let code: &[&[u8]] = &[b"\x32", b"\x32", b"\x32", b"\xcc\x32", b"\x30"];
    (
        0..4u8,
        2..=6usize,
        proptest::sample::select(code),
        proptest::sample::select(ids),
        details,
        args,
        kwargs,
    )
        .prop_map(|(form, len, code, id, details, args, kwargs)| {
            let mut frame = header(0x90, 0xdc, form.saturating_sub(1), len);
            let fields = [code.to_vec(), id.to_vec(), details, args, kwargs, b"\xc0".to_vec()];
            frame.extend(fields[..len].concat());
            frame
        })
}

/// How frames start: nothing in particular, or (nearly) a RESULT.
fn head() -> impl Strategy<Value = Vec<u8>> {
    let heads: &[&[u8]] = &[
        b"",
        b"\x93\x32\x01",
        b"\x94\x32\x01",
        b"\x95\x32\x01",
        b"\x94\x32\x01\x80",
        b"\x95\x32\x01\x80\x90",
        b"\x94\x32\x01\x81\xa1k",
        b"\x94\x32\x01\x81\xa8progress",
        b"\x94\x32\x01\x81\xc4\x08progress",
        b"\x94\x32\x01\x82\xa1k\x81\xa8progress\xc3\xa1p",
        b"\x94\x32\xcd\x00\x07\x80",
        b"\x94\x32\xd0\x07\x80",
        b"\x94\x32\xff\x80",
        b"\x94\x32\xcf\x00\x20\x00\x00\x00\x00\x00\x01\x80",
        b"\x94\xcc\x32\x01\x80",
        b"\xdc\x00\x04\x32\x01\x80",
        b"\x96\x32\x01\x80\x90\x80",
        b"\x92\x32\x01",
        b"\x94\x46\x01\x80",
    ];
    proptest::sample::select(heads).prop_map(<[u8]>::to_vec)
}

fn soup() -> impl Strategy<Value = Vec<u8>> {
    (head(), vec(token(), 0..16)).prop_map(|(head, tokens)| [head, tokens.concat()].concat())
}

/// A frame nested close to the depth limit.
fn deep() -> impl Strategy<Value = Vec<u8>> {
    (head(), (MAX_DEPTH - 6)..(MAX_DEPTH + 2), vec(token(), 1..6)).prop_map(|(head, depth, tokens)| {
        let mut frame = head;
        frame.extend(std::iter::repeat_n(0x91, depth));
        frame.extend(tokens.concat());
        frame
    })
}

/// Small changes to a frame: bytes replaced, inserted, removed, the end
/// cut off or more added.
fn damaged(frame: impl Strategy<Value = Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let edit = (0..5u8, any::<proptest::sample::Index>(), any::<u8>());
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
                _ => frame.push(byte),
            }
        }
        frame
    })
}

/// A list as anything may have sent it, then encoded by rmp-serde.
fn encoded_list() -> impl Strategy<Value = Vec<u8>> {
    let item = prop_oneof![
        3 => value(),
        1 => proptest::sample::select(&[50, 48, 70, -1, 1][..]).prop_map(Value::Integer),
    ];
    (proptest::sample::select(&[50, 70, 48][..]), vec(item, 0..6)).prop_map(|(code, items)| {
        let list: List = std::iter::once(Value::Integer(code)).chain(items).collect();
        rmp_serde::to_vec(&Value::List(list)).expect("rmp-serde writes to a Vec")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn reads_arbitrary_bytes_as_rmp_serde_did(frame in vec(any::<u8>(), 0..48)) {
        check_frame(&frame)?;
    }

    #[test]
    fn reads_token_soup_as_rmp_serde_did(frame in damaged(soup())) {
        check_frame(&frame)?;
    }

    #[test]
    fn reads_deep_frames_as_rmp_serde_did(frame in damaged(deep())) {
        check_frame(&frame)?;
    }

    #[test]
    fn reads_encoded_values_as_rmp_serde_did(frame in damaged(encoded_list())) {
        check_frame(&frame)?;
    }

    #[test]
    fn reads_raw_values_as_rmp_serde_did(frame in damaged(raw_value())) {
        check_frame(&frame)?;
    }

    #[test]
    fn reads_raw_results_as_rmp_serde_did(frame in damaged(raw_result())) {
        check_frame(&frame)?;
    }
}

proptest! {
    // Whole messages take longer to build.
    #![proptest_config(ProptestConfig::with_cases(160))]

    #[test]
    fn writes_what_rmp_serde_wrote(message in message()) {
        let new = write::encode(&message).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(new, old::encode(&message));
    }

    #[test]
    fn reads_encoded_messages_as_rmp_serde_did(frame in damaged(message().prop_map(|m| old::encode(&m)))) {
        check_frame(&frame)?;
    }
}

#[test]
fn the_depth_limit_is_where_it_was() {
    // A RESULT whose args hold `levels` nested lists around `inner`, as a
    // value, a key or an extension.
    for levels in 120..=130 {
        for inner in [
            &b"\xc0"[..],
            b"\xd4\x01\x02",
            b"\x81\xa1k\xc0",
            b"\x81\x90\xc0",
            b"\x81\xd4\x01\x02\xc0",
            b"\x81\xca\x00",
            b"\x81\x91",
        ] {
            let mut frame = b"\x94\x32\x01\x80".to_vec();
            frame.extend(std::iter::repeat_n(0x91, levels));
            frame.extend(inner);
            check_frame(&frame).unwrap();
            // The same inside the details.
            let mut frame = b"\x93\x32\x01\x81\xa1d".to_vec();
            frame.extend(std::iter::repeat_n(0x91, levels));
            frame.extend(inner);
            check_frame(&frame).unwrap();
        }
    }
}

#[test]
fn big_headers_are_the_same() {
    for n in [65_535, 65_536] {
        let dict: Dict = (0..n).map(|i| (i.to_string(), Value::Null)).collect();
        let values = [
            Value::String("x".repeat(n)),
            Value::Bytes(vec![7; n]),
            Value::List(vec![Value::Null; n]),
            Value::Dict(dict),
        ];
        for value in values {
            let message = Message::Yield(Yield {
                request: 1,
                options: Dict::new(),
                payload: Payload::from_args(vec![value]),
            });
            let frame = old::encode(&message);
            assert_eq!(write::encode(&message), Ok(frame.clone()));
            check_frame(&frame).unwrap();
            check_frame(&frame[..frame.len() - 1]).unwrap();
        }
    }
}

#[test]
fn bad_keys_fail_where_they_did() {
    let keys: &[&[u8]] = &[
        b"\xc0",
        b"\xc2",
        b"\xca\x00\x00\x00\x00",
        b"\xca\x00",
        b"\xcb\x00",
        b"\x90",
        b"\x80",
        b"\xdc\x00",
        b"\xdc\x00\x00",
        b"\xdf\x00\x00\x00",
        b"\xd4\x01\x01",
        b"\xd4",
        b"\xc7",
        b"\xc7\x01",
        b"\xc9\x00\x00",
        b"\xa2\xff\xfe",
        b"\xa2\xff",
        b"\xc4\x02\xff\xfe",
        b"\xc4\x02ab",
        b"\xd0\xfb",
        b"\xcf\xff\xff\xff\xff\xff\xff\xff\xff",
        b"\xc1",
    ];
    for key in keys {
        let mut frame = b"\x94\x46\x01\x81".to_vec();
        frame.extend(*key);
        check_frame(&frame).unwrap();
        frame.push(0xc0);
        check_frame(&frame).unwrap();
    }
}

#[test]
fn integer_and_binary_keys_are_text() {
    let frame = b"\x84\xd0\xfb\x01\xcf\xff\xff\xff\xff\xff\xff\xff\xff\x02\xc4\x01a\x03\x07\x04";
    let Ok(Value::Dict(dict)) = read::whole(frame) else {
        panic!("not a dict")
    };
    let keys: Vec<&str> = dict.keys().map(String::as_str).collect();
    assert_eq!(keys, ["-5", "18446744073709551615", "7", "a"]);
    // Duplicates: the last one wins.
    assert_eq!(
        read::whole(b"\x82\xa1a\x01\xc4\x01a\x02"),
        Ok(Value::Dict([("a".to_owned(), Value::Integer(2))].into_iter().collect()))
    );
}

#[test]
fn extensions_and_odd_strings_decode_as_before() {
    assert_eq!(
        read::whole(b"\x92\xd5\xfe\x01\x02\xa2\xff\xfe"),
        Ok(Value::List(vec![
            Value::List(vec![Value::Integer(-2), Value::Bytes(vec![1, 2])]),
            Value::Bytes(vec![0xff, 0xfe]),
        ]))
    );
}

#[test]
fn lean_results_are_those_the_serde_path_made_lean() {
    let frames: &[&[u8]] = &[
        b"\x93\x32\x01\x80",
        b"\x94\x32\x01\x80\x91\x05",
        b"\x95\x32\x01\x80\x90\x81\xa1k\x05",
        b"\x93\x32\xcd\x01\x00\x81\xa6callee\x05",
        b"\x93\x32\xd0\x05\x80",
        // Not lean: progress, details not a dict, bad id, trailing bytes.
        b"\x93\x32\x01\x81\xa8progress\xc3",
        b"\x93\x32\x01\x81\xc4\x08progress\xc3",
        b"\x93\x32\x01\x90",
        b"\x93\x32\xff\x80",
        b"\x93\x32\xcf\x00\x20\x00\x00\x00\x00\x00\x01\x80",
        b"\x93\x32\x01\x80\xc0",
        b"\x94\x32\x01\x80\x80",
    ];
    for (i, frame) in frames.iter().enumerate() {
        check_frame(frame).unwrap();
        assert_eq!(msgpack_lean_result(frame).is_some(), i < 5, "{frame:02x?}");
    }
}

#[test]
fn lengths_beyond_the_frame_reserve_nothing() {
    // Each header claims 2^32 - 1 elements; the depth limit stops it.
    let mut frame = b"\x94\x32\x01\x80".to_vec();
    for _ in 0..2_000 {
        frame.extend(b"\xdd\xff\xff\xff\xff");
    }
    assert_eq!(read::whole(&frame), Err(read::Error::TooDeep));
    // A long list of small elements, one short.
    let mut frame = b"\xdd\x00\x01\x00\x00".to_vec();
    frame.extend(std::iter::repeat_n(0xc0, 65_535));
    assert_eq!(read::whole(&frame), Err(read::Error::Eof));
    frame.push(0xc0);
    assert!(matches!(read::whole(&frame), Ok(Value::List(l)) if l.len() == 65_536));
}

#[test]
fn errors_have_their_texts() {
    let text = |frame: &[u8]| match read::whole(frame) {
        Err(e) => DecodeError::from(e).to_string(),
        Ok(v) => panic!("{frame:02x?} decoded to {v:?}"),
    };
    assert_eq!(text(b"\x92"), "malformed MessagePack: unexpected end of input");
    assert_eq!(text(b"\x91\xc1"), "malformed MessagePack: reserved marker 0xc1");
    assert_eq!(
        text(b"\x90\x90"),
        "malformed MessagePack: trailing bytes after the message"
    );
    assert_eq!(
        text(b"\x81\xc3\x01"),
        "malformed MessagePack: a dictionary key must be a string or an integer, got a boolean"
    );
    assert_eq!(
        text(&[0x91; 200]),
        "malformed MessagePack: nested more than 128 levels deep"
    );
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
    assert_eq!(frame, old::encode(&call));

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
