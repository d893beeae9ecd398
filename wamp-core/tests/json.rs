//! JSON serializer: round trips, exact frames and malformed input.
#![allow(clippy::unwrap_used)]

use wamp_protocol::*;

fn encode(message: &Message) -> String {
    String::from_utf8(JsonSerializer.encode(message).unwrap()).unwrap()
}

fn decode(frame: &str) -> Result<Message, DecodeError> {
    JsonSerializer.decode(frame.as_bytes())
}

fn dict(entries: &[(&str, Value)]) -> Dict {
    entries.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

// Round trips of every message and value, and "never panics" on arbitrary
// input, are checked for every serializer in tests/serializers.rs.

#[test]
fn exact_call_frame() {
    let call = Message::Call(Call {
        request: 7,
        options: Dict::new(),
        procedure: "com.x".into(),
        payload: Payload::from_parts(
            vec![Value::from(1), Value::Bytes(vec![1, 2])],
            dict(&[("k", Value::Bool(true))]),
        ),
    });
    let frame = r#"[48,7,{},"com.x",[1,"\u0000AQI="],{"k":true}]"#;
    assert_eq!(encode(&call), frame);
    assert_eq!(decode(frame).unwrap(), call);
}

#[test]
fn exact_frames() {
    let cases: Vec<(Message, &str)> = vec![
        (
            Hello {
                realm: "realm1".into(),
                details: dict(&[("roles", Value::Dict(dict(&[("caller", Value::Dict(Dict::new()))])))]),
            }
            .into(),
            r#"[1,"realm1",{"roles":{"caller":{}}}]"#,
        ),
        (
            Welcome {
                session: 9_007_199_254_740_992,
                details: Dict::new(),
            }
            .into(),
            "[2,9007199254740992,{}]",
        ),
        (
            Abort {
                details: dict(&[("message", "no".into())]),
                reason: "wamp.error.no_such_realm".into(),
            }
            .into(),
            r#"[3,{"message":"no"},"wamp.error.no_such_realm"]"#,
        ),
        (
            Goodbye {
                details: Dict::new(),
                reason: "wamp.close.normal".into(),
            }
            .into(),
            r#"[6,{},"wamp.close.normal"]"#,
        ),
        (
            ErrorMessage::new(MessageType::Call, 5, "wamp.error.no_such_procedure").into(),
            r#"[8,48,5,{},"wamp.error.no_such_procedure"]"#,
        ),
        (
            ErrorMessage {
                payload: Payload::from_kwargs(dict(&[("a", Value::Null)])),
                ..ErrorMessage::new(MessageType::Invocation, 5, "app.err")
            }
            .into(),
            r#"[8,68,5,{},"app.err",[],{"a":null}]"#,
        ),
        (
            Publish {
                request: 1,
                options: Dict::new(),
                topic: "com.t".into(),
                payload: Payload::from_args(vec![Value::Float(1.0), Value::Float(-2.5e-8)]),
            }
            .into(),
            r#"[16,1,{},"com.t",[1.0,-2.5e-8]]"#,
        ),
        (
            Unsubscribed {
                request: 4,
                details: Dict::new(),
            }
            .into(),
            "[35,4]",
        ),
        (
            Unsubscribed {
                request: 0,
                details: dict(&[("subscription", 3.into())]),
            }
            .into(),
            r#"[35,0,{"subscription":3}]"#,
        ),
        (
            Event {
                subscription: 1,
                publication: 2,
                details: Dict::new(),
                payload: Payload::new(),
            }
            .into(),
            "[36,1,2,{}]",
        ),
        (
            CallResult {
                request: 7,
                details: Dict::new().into(),
                payload: Payload::from_args(vec![Value::UnsignedInteger(u64::MAX), Value::from(-1)]),
            }
            .into(),
            "[50,7,{},[18446744073709551615,-1]]",
        ),
        (
            Unregistered {
                request: 0,
                details: dict(&[("reason", "wamp.error.x".into())]),
            }
            .into(),
            r#"[67,0,{"reason":"wamp.error.x"}]"#,
        ),
        (
            Yield {
                request: 3,
                options: Dict::new(),
                payload: Payload::from_args(vec!["é\"\n".into()]),
            }
            .into(),
            r#"[70,3,{},["é\"\n"]]"#,
        ),
    ];
    for (message, frame) in cases {
        assert_eq!(encode(&message), frame);
        assert_eq!(decode(frame).unwrap(), message, "{frame}");
    }
}

#[test]
fn lenient_but_equivalent_input() {
    // Whitespace, escaped NUL prefix, explicit empty payload elements.
    let message = decode(" [ 48 , 1 , { } , \"p\" , [ ] , { } ] ").unwrap();
    assert_eq!(
        message,
        Call {
            request: 1,
            procedure: "p".into(),
            ..Default::default()
        }
        .into()
    );
    let message = decode(r#"[50,1,{},["\u0000"]]"#).unwrap();
    let Message::Result(result) = message else {
        panic!("not a result")
    };
    assert_eq!(result.payload.args, vec![Value::Bytes(vec![])]);
    // Integers vs floats.
    let message = decode("[50,1,{},[1,1.0,1e2,-0,9223372036854775808]]").unwrap();
    let Message::Result(result) = message else {
        panic!("not a result")
    };
    assert_eq!(
        result.payload.args,
        vec![
            Value::Integer(1),
            Value::Float(1.0),
            Value::Float(100.0),
            Value::Float(-0.0), // serde_json parses -0 as a float
            Value::UnsignedInteger(9_223_372_036_854_775_808),
        ]
    );
    // Dict keys are never binary.
    let message = decode("[1,\"r\",{\"\\u0000x\":1}]").unwrap();
    let Message::Hello(hello) = message else {
        panic!("not a hello")
    };
    assert!(hello.details.contains_key("\0x"));
}

#[test]
fn malformed_input_is_rejected_with_a_precise_error() {
    let cases: &[(&str, &str)] = &[
        ("", "malformed JSON"),
        ("nonsense", "malformed JSON"),
        ("[1,\"r\",{}", "malformed JSON"),
        ("[1,\"r\",{}] x", "malformed JSON"),
        ("{\"a\":1}", "message is not a list, got dict"),
        ("\"hello\"", "message is not a list, got string"),
        ("[]", "message is an empty list"),
        ("[\"1\",\"r\",{}]", "message type must be an integer, got string"),
        ("[1.0,\"r\",{}]", "message type must be an integer, got float"),
        ("[99,1]", "unknown message type 99"),
        ("[-1,1]", "unknown message type -1"),
        ("[7,1]", "unknown message type 7"),
        ("[18446744073709551615]", "unknown message type 18446744073709551615"),
        ("[1,\"r\"]", "invalid HELLO message: expected 3 elements, got 2"),
        ("[1,\"r\",{},{}]", "invalid HELLO message: expected 3 elements, got 4"),
        (
            "[1,5,{}]",
            "invalid HELLO message: field `realm` must be a string, got integer",
        ),
        (
            "[1,\"r\",[]]",
            "invalid HELLO message: field `details` must be a dict, got list",
        ),
        (
            "[2,\"1\",{}]",
            "invalid WELCOME message: field `session` must be an id in [0, 2^53], got string",
        ),
        (
            "[3,{},null]",
            "invalid ABORT message: field `reason` must be a string, got null",
        ),
        (
            "[4,1,{}]",
            "invalid CHALLENGE message: field `auth_method` must be a string, got integer",
        ),
        (
            "[5,\"sig\",true]",
            "invalid AUTHENTICATE message: field `extra` must be a dict, got bool",
        ),
        (
            "[6,\"x\",\"y\"]",
            "invalid GOODBYE message: field `details` must be a dict, got string",
        ),
        (
            "[48,7,{},5]",
            "invalid CALL message: field `procedure` must be a string, got integer",
        ),
        (
            "[48,7,{},\"p\",[],{},1,2,3]",
            "invalid CALL message: expected 4 to 6 elements, got 9",
        ),
        ("[48,7,{}]", "invalid CALL message: expected 4 to 6 elements, got 3"),
        (
            "[48,7,{},\"p\",{}]",
            "invalid CALL message: field `args` must be a list, got dict",
        ),
        (
            "[48,7,{},\"p\",[],[]]",
            "invalid CALL message: field `kwargs` must be a dict, got list",
        ),
        (
            "[48,-7,{},\"p\"]",
            "invalid CALL message: field `request` must be an id in [0, 2^53], got -7",
        ),
        (
            "[48,9007199254740993,{},\"p\"]",
            "invalid CALL message: field `request` must be an id in [0, 2^53], got 9007199254740993",
        ),
        (
            "[48,18446744073709551615,{},\"p\"]",
            "invalid CALL message: field `request` must be an id in [0, 2^53], got 18446744073709551615",
        ),
        (
            "[48,1.5,{},\"p\"]",
            "invalid CALL message: field `request` must be an id in [0, 2^53], got float",
        ),
        (
            "[48,7.0,{},\"p\"]",
            "invalid CALL message: field `request` must be an id in [0, 2^53], got float",
        ),
        (
            "[36,-1,2,{}]",
            "invalid EVENT message: field `subscription` must be an id in [0, 2^53], got -1",
        ),
        (
            "[36,1,null,{}]",
            "invalid EVENT message: field `publication` must be an id in [0, 2^53], got null",
        ),
        ("[8,7,1,{},\"e\"]", "invalid ERROR message: unknown request type 7"),
        ("[8,-48,1,{},\"e\"]", "invalid ERROR message: unknown request type -48"),
        (
            "[8,\"CALL\",1,{},\"e\"]",
            "invalid ERROR message: field `request_type` must be an integer, got string",
        ),
        (
            "[8,48,1,{},\"e\",[],{},1]",
            "invalid ERROR message: expected 5 to 7 elements, got 8",
        ),
        (
            "[16,1,{},\"t\",\"args\"]",
            "invalid PUBLISH message: field `args` must be a list, got string",
        ),
        ("[17,1]", "invalid PUBLISHED message: expected 3 elements, got 2"),
        (
            "[32,1,{},[\"t\"]]",
            "invalid SUBSCRIBE message: field `topic` must be a string, got list",
        ),
        (
            "[33,1,\"\\u0000AQI=\"]",
            "invalid SUBSCRIBED message: field `subscription` must be an id in [0, 2^53], got bytes",
        ),
        (
            "[34,1,true]",
            "invalid UNSUBSCRIBE message: field `subscription` must be an id in [0, 2^53], got bool",
        ),
        ("[35]", "invalid UNSUBSCRIBED message: expected 2 to 3 elements, got 1"),
        (
            "[35,0,[]]",
            "invalid UNSUBSCRIBED message: field `details` must be a dict, got list",
        ),
        (
            "[49,1,[]]",
            "invalid CANCEL message: field `options` must be a dict, got list",
        ),
        (
            "[50,1,{},[],{},{}]",
            "invalid RESULT message: expected 3 to 5 elements, got 6",
        ),
        (
            "[64,1,{},1]",
            "invalid REGISTER message: field `procedure` must be a string, got integer",
        ),
        (
            "[65,1,{}]",
            "invalid REGISTERED message: field `registration` must be an id in [0, 2^53], got dict",
        ),
        (
            "[66,1,-2]",
            "invalid UNREGISTER message: field `registration` must be an id in [0, 2^53], got -2",
        ),
        (
            "[67,0,1]",
            "invalid UNREGISTERED message: field `details` must be a dict, got integer",
        ),
        (
            "[68,1,2,{},{}]",
            "invalid INVOCATION message: field `args` must be a list, got dict",
        ),
        (
            "[69,1,\"o\"]",
            "invalid INTERRUPT message: field `options` must be a dict, got string",
        ),
        (
            "[70,1,{},[],5]",
            "invalid YIELD message: field `kwargs` must be a dict, got integer",
        ),
        (
            "[70,1,{},[\"\\u0000!!!\"]]",
            "invalid binary value: bad base64 after \\0 prefix",
        ),
        (
            "[70,1,{},[\"\\u0000AQI\"]]",
            "invalid binary value: bad base64 after \\0 prefix",
        ),
        (
            "[1,\"\\u0000$\",{}]",
            "invalid binary value: bad base64 after \\0 prefix",
        ),
        ("[70,1,{},[1e999]]", "malformed JSON"),
    ];
    assert!(cases.len() >= 20);
    for (frame, expected) in cases {
        match decode(frame) {
            Ok(message) => panic!("{frame} decoded to {message:?}"),
            Err(err) => {
                let text = err.to_string();
                assert!(
                    text.starts_with(expected),
                    "{frame}: expected {expected:?}, got {text:?}"
                );
            }
        }
    }
}

#[test]
fn deeply_nested_input_is_rejected_not_overflowing() {
    let frame = format!("[50,1,{{}},{}{}]", "[".repeat(100_000), "]".repeat(100_000));
    let err = decode(&frame).unwrap_err();
    assert!(err.to_string().starts_with("malformed JSON"), "{err}");
}

#[test]
fn non_finite_floats_are_not_encoded() {
    for f in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let message = Message::from(Yield {
            request: 1,
            options: dict(&[("x", Value::List(vec![Value::Float(f)]))]),
            payload: Payload::new(),
        });
        let err = JsonSerializer.encode(&message).unwrap_err();
        assert!(matches!(err, EncodeError::NonFiniteFloat(_)), "{err:?}");
        assert!(err.to_string().starts_with("cannot encode non-finite float"));
    }
    assert_eq!(
        EncodeError::NonFiniteFloat(f64::NAN).to_string(),
        "cannot encode non-finite float NaN as JSON"
    );
}

#[test]
fn serializer_kind() {
    let kind = JsonSerializer.kind();
    assert_eq!(kind, SerializerKind::Json);
    assert_eq!(kind.subprotocol(), "wamp.2.json");
    assert_eq!(kind.name(), "json");
    assert_eq!(kind.to_string(), "json");
    assert_eq!(kind.rawsocket_id(), 1);
    assert!(!kind.is_binary());
    assert_eq!(SerializerKind::from_rawsocket_id(1), Some(kind));
    assert_eq!("json".parse::<SerializerKind>().unwrap(), kind);
    assert_eq!(
        "xml".parse::<SerializerKind>().unwrap_err().to_string(),
        "unknown serializer \"xml\", expected \"json\", \"msgpack\" or \"cbor\""
    );
    let boxed: Box<dyn Serializer> = kind.serializer();
    assert_eq!(boxed.kind(), kind);
}

#[test]
fn message_types() {
    for t in MessageType::ALL {
        assert_eq!(MessageType::from_code(t.code()), Some(t));
        assert_eq!(t.to_string(), t.name());
        assert!(t.name().chars().all(|c| c.is_ascii_uppercase()));
    }
    assert_eq!(MessageType::Result.name(), "RESULT");
    assert_eq!(MessageType::Yield.code(), 70);
    assert_eq!(MessageType::from_code(0), None);
    assert_eq!(MessageType::from_code(71), None);
}

#[test]
fn message_serde_impls_use_the_list_form() {
    let message = Message::from(Call {
        request: 7,
        procedure: "com.x".into(),
        payload: Payload::from_args(vec![Value::Bytes(vec![1])]),
        ..Default::default()
    });
    // Plain serde data model: bytes as serde bytes (a JSON array here).
    assert_eq!(serde_json::to_string(&message).unwrap(), r#"[48,7,{},"com.x",[[1]]]"#);
    let back: Message = serde_json::from_str(r#"[48,7,{},"com.x",["b"]]"#).unwrap();
    assert_eq!(back.message_type(), MessageType::Call);
    let err = serde_json::from_str::<Message>("[48]").unwrap_err();
    assert!(err.to_string().contains("invalid CALL message"), "{err}");
}

#[test]
fn payload_helpers() {
    assert!(Payload::new().is_empty());
    assert!(!Payload::from_args(vec![Value::Null]).is_empty());
    assert!(!Payload::from_kwargs(dict(&[("a", Value::Null)])).is_empty());
    assert_eq!(Payload::from_parts(vec![], Dict::new()), Payload::default());
}

#[test]
fn invalid_utf8_is_rejected_where_it_is() {
    // Inside a string of a RESULT's details, of its arguments, and of a CALL.
    for frame in [
        &b"[50,1,{\"a\":\"\xff\"},[]]"[..],
        b"[50,1,{},[\"ok\",\"\xc3\x28\"]]",
        b"[48,1,{},\"p\xfe\"]",
    ] {
        let err = JsonSerializer.decode(frame).unwrap_err().to_string();
        assert!(err.starts_with("malformed JSON: invalid unicode code point"), "{err}");
    }
    // Valid multi-byte text is fine everywhere.
    let message = JsonSerializer
        .decode("[50,1,{\"é\":\"ü\"},[\"日本\"]]".as_bytes())
        .unwrap();
    let Message::Result(result) = message else {
        panic!("not a result")
    };
    assert_eq!(result.details.get("é"), Some(&Value::from("ü")));
    assert_eq!(result.payload.args, vec![Value::from("日本")]);
}
