//! Every serializer (JSON, MessagePack, CBOR): round trips, exact binary
//! frames, and malformed or hostile input.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use proptest::prelude::*;
use wamp_protocol::*;

fn dict(entries: &[(&str, Value)]) -> Dict {
    entries.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

fn round_trip(kind: SerializerKind, message: &Message) -> Message {
    let serializer = kind.serializer();
    let frame = serializer
        .encode(message)
        .unwrap_or_else(|e| panic!("{kind}: cannot encode {message:?}: {e}"));
    serializer
        .decode(&frame)
        .unwrap_or_else(|e| panic!("{kind}: cannot decode its own frame of {message:?}: {e}"))
}

fn yield_of(args: Vec<Value>) -> Message {
    Message::from(Yield {
        request: 1,
        options: Dict::new(),
        payload: Payload::from_args(args),
    })
}

/// Encodes an arbitrary value (not necessarily a valid message) with the
/// format's own serde crate, to build malformed messages.
fn raw_frame(kind: SerializerKind, value: &Value) -> Vec<u8> {
    match kind {
        SerializerKind::Json => serde_json::to_vec(value).unwrap(),
        SerializerKind::MsgPack => rmp_serde::to_vec(value).unwrap(),
        SerializerKind::Cbor => {
            let mut frame = Vec::new();
            ciborium::into_writer(value, &mut frame).unwrap();
            frame
        }
        other => panic!("unexpected serializer {other}"),
    }
}

const BINARY: [SerializerKind; 2] = [SerializerKind::MsgPack, SerializerKind::Cbor];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_message_round_trips_on_every_serializer(message in common::message()) {
        for &kind in SerializerKind::ALL {
            prop_assert_eq!(&round_trip(kind, &message), &message, "{}", kind);
        }
        // The list form agrees with the encoders.
        prop_assert_eq!(Message::from_list(message.to_list()).unwrap(), message);
    }

    #[test]
    fn every_value_round_trips_in_a_payload_on_every_serializer(value in common::value()) {
        let message = yield_of(vec![value]);
        for &kind in SerializerKind::ALL {
            prop_assert_eq!(&round_trip(kind, &message), &message, "{}", kind);
        }
    }

    #[test]
    fn any_string_round_trips_on_binary_serializers(s in any::<String>(), key in any::<String>()) {
        // A leading NUL means binary only in JSON.
        let message = Message::from(Yield {
            request: 1,
            options: dict(&[(&key, Value::from(s.as_str()))]),
            payload: Payload::from_args(vec![Value::String(format!("\0{s}"))]),
        });
        for kind in BINARY {
            prop_assert_eq!(&round_trip(kind, &message), &message, "{}", kind);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(frame in proptest::collection::vec(any::<u8>(), 0..64)) {
        for &kind in SerializerKind::ALL {
            let _ = kind.serializer().decode(&frame);
        }
    }

    #[test]
    fn damaged_frames_never_panic(
        message in common::message(),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        for &kind in SerializerKind::ALL {
            let serializer = kind.serializer();
            let frame = serializer.encode(&message).unwrap();
            let _ = serializer.decode(&frame[..cut.index(frame.len())]);
            let mut flipped = frame.clone();
            flipped[flip.index(frame.len())] = byte;
            let _ = serializer.decode(&flipped);
        }
    }
}

#[test]
fn serializer_kinds() {
    let expected = [
        (SerializerKind::Json, "json", "wamp.2.json", 1, false),
        (SerializerKind::MsgPack, "msgpack", "wamp.2.msgpack", 2, true),
        (SerializerKind::Cbor, "cbor", "wamp.2.cbor", 3, true),
    ];
    assert_eq!(SerializerKind::ALL.len(), expected.len());
    for (kind, name, subprotocol, id, binary) in expected {
        assert_eq!(kind.name(), name);
        assert_eq!(kind.to_string(), name);
        assert_eq!(name.parse::<SerializerKind>().unwrap(), kind);
        assert_eq!(kind.subprotocol(), subprotocol);
        assert_eq!(SerializerKind::from_subprotocol(subprotocol), Some(kind));
        assert_eq!(kind.rawsocket_id(), id);
        assert_eq!(SerializerKind::from_rawsocket_id(id), Some(kind));
        assert_eq!(kind.is_binary(), binary);
        assert_eq!(kind.serializer().kind(), kind);
    }
    assert_eq!(MsgPackSerializer.kind(), SerializerKind::MsgPack);
    assert_eq!(CborSerializer.kind(), SerializerKind::Cbor);
    assert_eq!(SerializerKind::from_rawsocket_id(0), None);
    assert_eq!(SerializerKind::from_rawsocket_id(4), None);
    assert_eq!(SerializerKind::from_subprotocol("wamp.2.ubjson"), None);
    assert_eq!(
        "MsgPack".parse::<SerializerKind>().unwrap_err().to_string(),
        "unknown serializer \"MsgPack\", expected \"json\", \"msgpack\" or \"cbor\""
    );
}

#[test]
fn edge_values_round_trip_on_every_serializer() {
    let nested = Value::Dict(dict(&[
        ("ünï", Value::from("grüße, 世界 🚀")),
        (
            "deep",
            Value::List(vec![Value::Dict(dict(&[(
                "x",
                Value::List(vec![Value::Null, Value::Bool(false), Value::Dict(Dict::new())]),
            )]))]),
        ),
    ]));
    let args = vec![
        Value::UnsignedInteger(u64::MAX),
        Value::UnsignedInteger(i64::MAX as u64 + 1),
        Value::Integer(i64::MAX),
        Value::Integer(i64::MIN),
        Value::Integer(-1),
        Value::Integer(0),
        Value::Integer(255),
        Value::Integer(65_536),
        Value::Float(0.1),
        Value::Float(1.0),
        Value::Float(-0.0),
        Value::Float(f64::MAX),
        Value::Float(f64::MIN_POSITIVE),
        Value::Float(1e-310),
        Value::Float(65_504.0),
        Value::Bytes(vec![]),
        Value::Bytes((0..=255).collect()),
        Value::Bytes(vec![7; 70_000]),
        Value::String("x".repeat(70_000)),
        nested,
    ];
    let message = yield_of(args);
    for &kind in SerializerKind::ALL {
        assert_eq!(round_trip(kind, &message), message, "{kind}");
    }
}

#[test]
fn non_finite_floats_round_trip_on_binary_serializers() {
    for kind in BINARY {
        let decoded = round_trip(
            kind,
            &yield_of(vec![f64::INFINITY.into(), f64::NEG_INFINITY.into(), f64::NAN.into()]),
        );
        let Message::Yield(y) = decoded else {
            panic!("{kind}: not a yield")
        };
        assert_eq!(y.payload.args[0], Value::Float(f64::INFINITY), "{kind}");
        assert_eq!(y.payload.args[1], Value::Float(f64::NEG_INFINITY), "{kind}");
        assert!(y.payload.args[2].as_f64().unwrap().is_nan(), "{kind}");
    }
}

#[test]
fn msgpack_binary_is_bin_and_integers_are_compact() {
    let frame = MsgPackSerializer
        .encode(&yield_of(vec![
            Value::Bytes(vec![1, 2, 3]),
            Value::UnsignedInteger(u64::MAX),
            Value::Float(1.0),
            Value::from("é"),
        ]))
        .unwrap();
    let mut expected = vec![0x94, 0x46, 0x01, 0x80, 0x94];
    expected.extend([0xc4, 0x03, 1, 2, 3]); // bin 8
    expected.extend([0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]); // uint 64
    expected.extend([0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]); // float 64
    expected.extend([0xa2, 0xc3, 0xa9]); // fixstr
    assert_eq!(frame, expected);

    // Inputs other encoders produce: float 32, signed markers for small
    // values, str 8 for short strings, bin 16.
    let frame = [
        0x94, 0xcc, 0x46, 0xd0, 0x01, 0xde, 0x00, 0x00, 0x96, 0xca, 0x3f, 0xc0, 0x00, 0x00, 0xd3, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xfe, 0xd9, 0x01, b'a', 0xc5, 0x00, 0x01, 0x09, 0xcd, 0x01, 0x00, 0xc0,
    ];
    let message = MsgPackSerializer.decode(&frame).unwrap();
    assert_eq!(
        message,
        yield_of(vec![
            Value::Float(1.5),
            Value::Integer(-2),
            Value::from("a"),
            Value::Bytes(vec![9]),
            Value::Integer(256),
            Value::Null,
        ])
    );
}

#[test]
fn cbor_binary_is_a_byte_string_and_floats_stay_floats() {
    let frame = CborSerializer
        .encode(&yield_of(vec![
            Value::Bytes(vec![1, 2, 3]),
            Value::UnsignedInteger(u64::MAX),
            Value::Integer(-500),
            Value::Float(1.0),
        ]))
        .unwrap();
    let mut expected = vec![0x84, 0x18, 0x46, 0x01, 0xa0, 0x84];
    expected.extend([0x43, 1, 2, 3]); // byte string
    expected.extend([0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]); // uint 64
    expected.extend([0x39, 0x01, 0xf3]); // negative -500
    let float_at = expected.len();
    assert_eq!(&frame[..float_at], &expected[..]);
    // The float is written in its shortest exact form (half precision here).
    let decoded = CborSerializer.decode(&frame).unwrap();
    let Message::Yield(y) = decoded else {
        panic!("not a yield")
    };
    assert_eq!(y.payload.args[3], Value::Float(1.0));

    // Inputs other encoders produce: indefinite-length strings and arrays,
    // `undefined`, a bignum that fits u64, a double, integer dict keys.
    let frame = [
        0x9f, 0x18, 0x46, 0x01, 0xbf, 0x01, 0x02, 0xff, 0x9f, 0x5f, 0x41, 0x01, 0x41, 0x02, 0xff, 0x7f, 0x61, b'a',
        0x61, b'b', 0xff, 0xf7, 0xc2, 0x41, 0x05, 0xfb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
    ];
    assert_eq!(
        CborSerializer.decode(&frame).unwrap(),
        Message::from(Yield {
            request: 1,
            options: dict(&[("1", Value::Integer(2))]),
            payload: Payload::from_args(vec![
                Value::Bytes(vec![1, 2]),
                Value::from("ab"),
                Value::Null,
                Value::Integer(5),
                Value::Float(1.5),
            ]),
        })
    );
}

#[test]
fn binary_formats_keep_json_only_conventions_out() {
    // "\0" + base64 is just a string outside JSON.
    for kind in BINARY {
        let message = yield_of(vec![Value::from("\0AQI=")]);
        assert_eq!(round_trip(kind, &message), message, "{kind}");
    }
}

/// Checks that decoding `frame` fails with an error starting with `expected`.
fn assert_rejected(kind: SerializerKind, frame: &[u8], expected: &str) {
    match kind.serializer().decode(frame) {
        Ok(message) => panic!("{kind}: {frame:02x?} decoded to {message:?}"),
        Err(err) => {
            let text = err.to_string();
            assert!(
                text.starts_with(expected),
                "{kind}: {frame:02x?}: expected {expected:?}, got {text:?}"
            );
        }
    }
}

#[test]
fn malformed_msgpack_is_rejected_with_a_precise_error() {
    let kind = SerializerKind::MsgPack;
    let cases: &[(&[u8], &str)] = &[
        (b"", "malformed MessagePack: unexpected end of input"),
        (b"\x93\x30\x07", "malformed MessagePack: unexpected end of input"),
        (
            b"\x94\x30\x07\x80\xa5com",
            "malformed MessagePack: unexpected end of input",
        ),
        (b"\xc1", "malformed MessagePack"), // reserved marker
        (b"\x91\xc1", "malformed MessagePack"),
        (b"\x92\x23\x01\x00", "malformed MessagePack: trailing bytes"),
        (b"\x92\x23\x01\x92", "malformed MessagePack: trailing bytes"),
        // Length headers far beyond the frame: no allocation, just an error.
        (
            b"\xdd\xff\xff\xff\xff\x01",
            "malformed MessagePack: unexpected end of input",
        ),
        (
            b"\xdf\xff\xff\xff\xff\xa1k",
            "malformed MessagePack: unexpected end of input",
        ),
        (
            b"\xc6\xff\xff\xff\xff\x00",
            "malformed MessagePack: unexpected end of input",
        ),
        (
            b"\xdb\xff\xff\xff\xff\x00",
            "malformed MessagePack: unexpected end of input",
        ),
        // A map key that is neither a string nor an integer.
        (b"\x93\x01\xa1r\x81\x90\x01", "malformed MessagePack"),
        (b"\x80", "message is not a list, got dict"),
        (b"\xa5hello", "message is not a list, got string"),
        (b"\x90", "message is an empty list"),
        (b"\x93\xa1\x31\xa1r\x80", "message type must be an integer, got string"),
        (b"\x92\x63\x01", "unknown message type 99"),
        (
            b"\x92\xcf\xff\xff\xff\xff\xff\xff\xff\xff\x01",
            "unknown message type 18446744073709551615",
        ),
        (b"\x92\x01\xa1r", "invalid HELLO message: expected 3 elements, got 2"),
        (
            b"\x94\x30\x07\x80\x05",
            "invalid CALL message: field `procedure` must be a string, got integer",
        ),
        (
            b"\x94\x30\x07\x80\xc4\x01p",
            "invalid CALL message: field `procedure` must be a string, got bytes",
        ),
        (
            b"\x94\x30\xff\x80\xa1p",
            "invalid CALL message: field `request` must be an id in [0, 2^53], got -1",
        ),
        (
            b"\x94\x30\xcb\x3f\xf0\x00\x00\x00\x00\x00\x00\x80\xa1p",
            "invalid CALL message: field `request` must be an id in [0, 2^53], got float",
        ),
        (
            b"\x95\x30\x01\x80\xa1p\x80",
            "invalid CALL message: field `args` must be a list, got dict",
        ),
        (
            b"\x95\x08\x07\x01\x80\xa1e",
            "invalid ERROR message: unknown request type 7",
        ),
    ];
    for (frame, expected) in cases {
        assert_rejected(kind, frame, expected);
    }
}

#[test]
fn malformed_cbor_is_rejected_with_a_precise_error() {
    let kind = SerializerKind::Cbor;
    let cases: &[(&[u8], &str)] = &[
        (b"", "malformed CBOR: unexpected end of input"),
        (b"\x83\x18\x30\x07", "malformed CBOR: unexpected end of input"),
        (
            b"\x84\x18\x30\x07\xa0\x65com",
            "malformed CBOR: unexpected end of input",
        ),
        (b"\x82\x18\x23\x01\x00", "malformed CBOR: 1 trailing bytes"),
        (b"\x1c", "malformed CBOR: syntax error at byte 0"), // reserved additional info
        (b"\xff", "malformed CBOR"),                         // a lone break
        (b"\xf8\x20", "malformed CBOR"),                     // unknown simple value
        (b"\xc1\x00", "malformed CBOR"),                     // a tag other than a bignum
        (
            b"\x3b\xff\xff\xff\xff\xff\xff\xff\xff",
            "malformed CBOR: integer -18446744073709551616 is out of range",
        ),
        // Length headers far beyond the frame: no allocation, just an error.
        (
            b"\x9b\xff\xff\xff\xff\xff\xff\xff\xff\x01",
            "malformed CBOR: unexpected end of input",
        ),
        (
            b"\xbb\xff\xff\xff\xff\xff\xff\xff\xff\x01",
            "malformed CBOR: unexpected end of input",
        ),
        (
            b"\x5b\xff\xff\xff\xff\xff\xff\xff\xff\x00",
            "malformed CBOR: unexpected end of input",
        ),
        (
            b"\x7b\xff\xff\xff\xff\xff\xff\xff\xff\x00",
            "malformed CBOR: unexpected end of input",
        ),
        (b"\x81\x62\xff\xfe", "malformed CBOR"), // text that is not UTF-8
        (b"\xa0", "message is not a list, got dict"),
        (b"\x80", "message is an empty list"),
        (b"\x83\xf5\x61r\xa0", "message type must be an integer, got bool"),
        (b"\x82\x18\x63\x01", "unknown message type 99"),
        (b"\x82\x01\x61r", "invalid HELLO message: expected 3 elements, got 2"),
        (
            b"\x84\x18\x30\x07\xa0\x05",
            "invalid CALL message: field `procedure` must be a string, got integer",
        ),
        (
            b"\x84\x18\x30\x20\xa0\x61p",
            "invalid CALL message: field `request` must be an id in [0, 2^53], got -1",
        ),
        (
            b"\x84\x18\x30\xf9\x3c\x00\xa0\x61p",
            "invalid CALL message: field `request` must be an id in [0, 2^53], got float",
        ),
        (
            b"\x85\x18\x30\x01\xa0\x61p\xa0",
            "invalid CALL message: field `args` must be a list, got dict",
        ),
    ];
    for (frame, expected) in cases {
        assert_rejected(kind, frame, expected);
    }
}

#[test]
fn message_errors_are_the_same_on_every_serializer() {
    let cases: Vec<(Value, &str)> = vec![
        (
            Value::List(vec![48.into(), 7.into(), Value::Dict(Dict::new()), 5.into()]),
            "invalid CALL message: field `procedure` must be a string, got integer",
        ),
        (
            Value::List(vec![36.into(), 1.into(), Value::Null, Value::Dict(Dict::new())]),
            "invalid EVENT message: field `publication` must be an id in [0, 2^53], got null",
        ),
        (
            Value::List(vec![
                70.into(),
                1.into(),
                Value::Dict(Dict::new()),
                Value::List(vec![]),
                5.into(),
            ]),
            "invalid YIELD message: field `kwargs` must be a dict, got integer",
        ),
        (
            Value::List(vec![35.into()]),
            "invalid UNSUBSCRIBED message: expected 2 to 3 elements, got 1",
        ),
    ];
    for (value, expected) in cases {
        for &kind in SerializerKind::ALL {
            assert_rejected(kind, &raw_frame(kind, &value), expected);
        }
    }
}

#[test]
fn deeply_nested_input_is_rejected_not_overflowing() {
    let depth = 100_000;
    let mut msgpack = b"\x94\x32\x01\x80".to_vec();
    msgpack.extend(std::iter::repeat_n(0x91, depth));
    msgpack.push(0xc0);
    assert_rejected(
        SerializerKind::MsgPack,
        &msgpack,
        "malformed MessagePack: nested more than 128 levels deep",
    );
    let mut cbor = b"\x84\x18\x32\x01\xa0".to_vec();
    cbor.extend(std::iter::repeat_n(0x81, depth));
    cbor.push(0xf6);
    assert_rejected(
        SerializerKind::Cbor,
        &cbor,
        "malformed CBOR: nested more than 128 levels deep",
    );
    // Indefinite-length nesting is counted too.
    let mut cbor = b"\x84\x18\x32\x01\xa0".to_vec();
    cbor.extend(std::iter::repeat_n(0x9f, depth));
    assert_rejected(
        SerializerKind::Cbor,
        &cbor,
        "malformed CBOR: nested more than 128 levels deep",
    );

    // Up to 100 levels of payload nesting are fine everywhere.
    let mut value = Value::Null;
    for _ in 0..100 {
        value = Value::List(vec![value]);
    }
    let message = yield_of(vec![value]);
    for &kind in SerializerKind::ALL {
        assert_eq!(round_trip(kind, &message), message, "{kind}");
    }
}

#[test]
fn many_small_length_headers_do_not_preallocate() {
    // 2,000 nested-free array headers each claiming 2^32-1 elements, in
    // one small frame: decoding must fail fast without reserving memory
    // for the claimed elements.
    let mut msgpack = b"\x93\x32\x01\x80".to_vec();
    for _ in 0..2_000 {
        msgpack.extend(b"\xdd\xff\xff\xff\xff");
    }
    let mut cbor = b"\x83\x18\x32\x01\xa0".to_vec();
    for _ in 0..2_000 {
        cbor.extend(b"\x9b\x00\x00\x00\x00\xff\xff\xff\xff");
    }
    let started = Instant::now();
    assert!(MsgPackSerializer.decode(&msgpack).is_err());
    assert!(CborSerializer.decode(&cbor).is_err());
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

#[test]
fn size_limit_error_names_both_sizes() {
    assert_eq!(
        EncodeError::TooLarge {
            size: 1_048_600,
            limit: 65_536
        }
        .to_string(),
        "the message is 1048600 bytes, more than the maximum message size of 65536 bytes"
    );
}

/// A RESULT as Crossbar sends it: the callee disclosed in the details.
fn crossbar_result(arg: Value) -> Message {
    Message::from(CallResult {
        request: 7,
        details: dict(&[
            ("callee", Value::from(3_932_012_623_759_262_u64)),
            ("callee_authid", Value::from("JM6C-9GXU-J4GC-6PCS-WRMN-M5WQ")),
            ("callee_authrole", Value::from("anonymous")),
        ])
        .into(),
        payload: Payload::from_args(vec![arg]),
    })
}

#[test]
fn result_details_read_later_equal_what_was_sent_on_every_serializer() {
    // Small frames keep their details encoded, large ones decode at once:
    // the outcome is the same.
    for arg in [Value::from(1), Value::Bytes(vec![7; 10_000])] {
        let sent = crossbar_result(arg);
        let Message::Result(expected) = &sent else {
            unreachable!()
        };
        for &kind in SerializerKind::ALL {
            let Message::Result(got) = round_trip(kind, &sent) else {
                panic!("{kind}: not a RESULT")
            };
            assert!(!got.is_progress(), "{kind}");
            assert_eq!(got.payload, expected.payload, "{kind}");
            assert_eq!(
                got.details.get("callee_authrole"),
                Some(&Value::from("anonymous")),
                "{kind}"
            );
            assert_eq!(got.details.clone().into_dict(), *expected.details, "{kind}");
            assert_eq!(got, *expected, "{kind}");
        }
    }
}

#[test]
fn a_progressive_result_says_so_on_every_serializer() {
    let message = Message::from(CallResult {
        request: 1,
        details: dict(&[("callee", Value::from(5)), ("progress", Value::Bool(true))]).into(),
        payload: Payload::from_args(vec![Value::from("partial")]),
    });
    for &kind in SerializerKind::ALL {
        let Message::Result(result) = round_trip(kind, &message) else {
            panic!("{kind}: not a RESULT")
        };
        assert!(result.is_progress(), "{kind}");
    }
    let result = JsonSerializer.decode(br#"[50,1,{"progress":false},[]]"#).unwrap();
    let Message::Result(result) = result else {
        unreachable!()
    };
    assert!(!result.is_progress());
}

#[test]
fn bad_result_details_are_rejected_as_any_bad_value() {
    // Bad base64 deep inside the details.
    assert_rejected(
        SerializerKind::Json,
        br#"[50,1,{"a":[{"b":"\u0000!!"}]},[]]"#,
        "invalid binary value: bad base64",
    );
    // Details that are not a dict.
    for &kind in SerializerKind::ALL {
        let frame = raw_frame(kind, &Value::List(vec![50.into(), 1.into(), Value::List(vec![])]));
        assert_rejected(
            kind,
            &frame,
            "invalid RESULT message: field `details` must be a dict, got list",
        );
    }
    // A dict key that is a list: {[1]: 2}.
    assert_rejected(
        SerializerKind::MsgPack,
        &[0x93, 0x32, 0x01, 0x81, 0x91, 0x01, 0x02],
        "malformed MessagePack",
    );
    assert_rejected(
        SerializerKind::Cbor,
        &[0x83, 0x18, 0x32, 0x01, 0xa1, 0x81, 0x01, 0x02],
        "malformed CBOR",
    );
    // Trailing bytes after a RESULT.
    assert_rejected(
        SerializerKind::MsgPack,
        &[0x93, 0x32, 0x01, 0x80, 0xc0],
        "malformed MessagePack",
    );
    assert_rejected(
        SerializerKind::Cbor,
        &[0x83, 0x18, 0x32, 0x01, 0xa0, 0xf6],
        "malformed CBOR",
    );
    assert_rejected(SerializerKind::Json, b"[50,1,{}] x", "malformed JSON");
}
