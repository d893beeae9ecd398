//! The checks behind the `cargo fuzz` targets in `fuzz/` and the corpus
//! replay tests: one implementation, so a crash the fuzzer finds is replayed
//! by `cargo test` exactly as it was found.
//!
//! Every `check_*` function takes arbitrary bytes, runs one decoder on them
//! and panics only when a property of that decoder is broken (a decoded
//! message that does not survive re-encoding, a frame larger than the limit,
//! a buffer grown beyond what the limit allows, an error without a message).
//! A panic inside the decoder itself is a finding as well.
//!
//! Not public API: enabled by the `fuzzing` feature, it may change in any
//! release.

#![allow(clippy::unwrap_used, missing_docs)]

use bytes::BytesMut;
use wamp_core::{InvokePolicy, JsonSerializer, MatchPolicy, Message, Serializer, SerializerKind, Uri, UriRules};

use crate::config::Config;
use crate::transport::rawsocket::{FrameCodec, FrameError, Handshake, HandshakeError, MAX_FRAME_LENGTH};

/// The fuzz targets, as named in `fuzz/fuzz_targets/` and `fuzz/corpus/`.
pub const TARGETS: &[&str] = &[
    "decode_json",
    "decode_msgpack",
    "decode_cbor",
    "rawsocket_frames",
    "rawsocket_handshake",
    "uri",
    "config",
];

/// Runs the check of `target` (one of [`TARGETS`]) on `data`.
///
/// # Panics
/// On an unknown target, and when the check finds a bug.
pub fn check(target: &str, data: &[u8]) {
    match target {
        "decode_json" => check_decode(SerializerKind::Json, data),
        "decode_msgpack" => check_decode(SerializerKind::MsgPack, data),
        "decode_cbor" => check_decode(SerializerKind::Cbor, data),
        "rawsocket_frames" => check_rawsocket_frames(data),
        "rawsocket_handshake" => check_rawsocket_handshake(data),
        "uri" => check_uri(data),
        "config" => check_config(data),
        other => panic!("unknown fuzz target {other:?}"),
    }
}

/// Decodes `frame`; a message that decodes must encode again, and decode
/// from that to the same message (unless it holds a NaN, which equals
/// nothing). The same message must also encode on the other serializers
/// without panicking.
pub fn check_decode(kind: SerializerKind, frame: &[u8]) {
    let serializer = kind.serializer();
    let message = match serializer.decode(frame) {
        Ok(message) => message,
        Err(e) => {
            assert!(!e.to_string().is_empty(), "a decode error without a message");
            return;
        }
    };
    let again = serializer
        .encode(&message)
        .unwrap_or_else(|e| panic!("a decoded {kind} message does not encode again: {e}; {message:?}"));
    let decoded = serializer
        .decode(&again)
        .unwrap_or_else(|e| panic!("a re-encoded {kind} message does not decode: {e}; {message:?}"));
    #[allow(clippy::eq_op)] // NaN: a message with one is not equal to itself
    if message == message {
        assert_eq!(decoded, message, "{kind} round trip changed the message");
    }
    for other in SerializerKind::ALL {
        // JSON refuses NaN and infinities with an error; that is fine here.
        let _ = other.serializer().encode(&message);
    }
}

/// The limits the first byte of a RawSocket input chooses from.
const LIMITS: [usize; 6] = [0, 16, 512, 4096, 65_536, 0xFF_FFFF];

/// What the model of the frame format expects from a byte stream.
#[derive(Debug, PartialEq)]
enum Expected {
    Frame(u8, Vec<u8>),
    Reserved,
    UnknownType,
    TooLarge,
    /// A ping of this many bytes, more than the peer accepts, so its pong
    /// (an echo) could not be sent.
    UnanswerablePing(usize),
}

/// An independent reading of RawSocket frames from `stream`, accepting
/// frames of up to `max` bytes and pings of up to `max_ping` bytes: the
/// frames before the first bad header, that bad header if any, and whether
/// bytes of an unfinished frame are left over.
fn model_frames(stream: &[u8], max: usize, max_ping: usize) -> (Vec<Expected>, bool) {
    let mut out = Vec::new();
    let mut rest = stream;
    while rest.len() >= 4 {
        let length = (usize::from(rest[1]) << 16) | (usize::from(rest[2]) << 8) | usize::from(rest[3]);
        if rest[0] & 0xF8 != 0 {
            out.push(Expected::Reserved);
            return (out, true);
        }
        if rest[0] > 2 {
            out.push(Expected::UnknownType);
            return (out, true);
        }
        if length > max {
            out.push(Expected::TooLarge);
            return (out, true);
        }
        if rest[0] == 1 && length > max_ping {
            out.push(Expected::UnanswerablePing(length));
            return (out, true);
        }
        if rest.len() < 4 + length {
            return (out, true);
        }
        out.push(Expected::Frame(rest[0], rest[4..4 + length].to_vec()));
        rest = &rest[4 + length..];
    }
    (out, !rest.is_empty())
}

/// What the model calls the error of the codec `codec`.
fn expected_error(error: &FrameError, codec: &FrameCodec) -> Expected {
    assert!(!error.to_string().is_empty(), "a frame error without a message");
    match *error {
        FrameError::ReservedBits { .. } => Expected::Reserved,
        FrameError::UnknownKind { .. } => Expected::UnknownType,
        FrameError::IncomingTooLarge { limit, .. } => {
            assert_eq!(limit, codec.max_incoming());
            Expected::TooLarge
        }
        FrameError::UnanswerablePing { size, limit } => {
            assert_eq!(limit, codec.max_outgoing());
            Expected::UnanswerablePing(size)
        }
        ref other => panic!("unexpected codec error: {other}"),
    }
}

/// Feeds `stream` to `codec` `chunk` bytes at a time, as a socket would
/// deliver it, until the end or an error: the frames and the error, and
/// whether bytes are left in the buffer without an error. The buffer must
/// never grow far beyond the input plus one frame of the limit.
fn read_frames(codec: &FrameCodec, stream: &[u8], chunk: usize) -> (Vec<Expected>, bool) {
    let bound = 2 * (4 + codec.max_incoming() + stream.len()) + 64;
    let mut buffer = BytesMut::new();
    let mut got = Vec::new();
    for piece in stream.chunks(chunk) {
        buffer.extend_from_slice(piece);
        loop {
            match codec.decode(&mut buffer) {
                Ok(Some(frame)) => {
                    let payload = frame.payload();
                    assert!(
                        payload.len() <= codec.max_incoming(),
                        "a frame of {} bytes passed the limit {}",
                        payload.len(),
                        codec.max_incoming()
                    );
                    got.push(Expected::Frame(frame.kind().code(), payload.to_vec()));
                }
                Ok(None) => break,
                Err(e) => {
                    got.push(expected_error(&e, codec));
                    return (got, true);
                }
            }
            assert!(buffer.capacity() <= bound, "buffer grew to {} bytes", buffer.capacity());
        }
        assert!(buffer.capacity() <= bound, "buffer grew to {} bytes", buffer.capacity());
    }
    (got, !buffer.is_empty())
}

/// Byte 0 picks the limit, byte 1 the size of the chunks (0: all at once);
/// the rest is fed to the frame decoder chunk by chunk, as a socket would
/// deliver it. The frames must be those of [`model_frames`], an unfinished
/// frame must stay in the buffer, and the buffer must never grow far beyond
/// the input plus one frame of the limit.
pub fn check_rawsocket_frames(data: &[u8]) {
    let [limit, chunk, stream @ ..] = data else {
        return;
    };
    let max = LIMITS[usize::from(*limit) % LIMITS.len()];
    let chunk = if *chunk == 0 {
        stream.len().max(1)
    } else {
        usize::from(*chunk)
    };
    let codec = FrameCodec::new(max, max);
    let (got, left_over) = read_frames(&codec, stream, chunk);
    let (expected, unfinished) = model_frames(stream, max, max);
    assert_eq!(got, expected);
    assert_eq!(left_over, unfinished, "bytes left over");
}

/// The serializers and limits the first two bytes of a handshake input
/// choose from.
const HANDSHAKE_LIMITS: [usize; 5] = [512, 4096, 65_536, 1 << 20, 16 << 20];

/// Byte 0 picks the serializer, byte 1 our limit; the next 4 bytes are the
/// router's handshake answer and the rest what the router sends after it.
/// Our handshake bytes must be right; the answer must open a connection
/// exactly when it is valid, with our limit for what we read and the
/// smaller one for what we send; refusals must carry the router's code; the
/// frames read after it must be the model's, a ping too large to echo
/// refused. (Sending pongs, and an answer cut short by a closed
/// connection, are the socket's business: the transport's own tests cover
/// them.)
pub fn check_rawsocket_handshake(data: &[u8]) {
    let [serializer, limit, from_router @ ..] = data else {
        return;
    };
    let serializer = SerializerKind::ALL[usize::from(*serializer) % SerializerKind::ALL.len()];
    let max = HANDSHAKE_LIMITS[usize::from(*limit) % HANDSHAKE_LIMITS.len()];
    let handshake = Handshake::new(serializer, max);
    let exponent = (0..=15u8).rev().find(|e| 1usize << (9 + e) <= max).unwrap_or(0);
    assert_eq!(
        handshake.encode(),
        [0x7F, exponent << 4 | serializer.rawsocket_id(), 0, 0]
    );

    let Some((answer, after)) = from_router.split_first_chunk::<4>() else {
        return;
    };
    let (high, low) = (answer[1] >> 4, answer[1] & 0x0F);
    let result = handshake.decode_answer(*answer);
    if let Err(e) = &result {
        assert!(!e.to_string().is_empty(), "a handshake error without a message");
    }
    match result {
        Err(HandshakeError::NotRawSocket { answer: got }) => {
            assert_eq!(&got, answer);
            assert_ne!(answer[0], 0x7F);
        }
        Err(HandshakeError::SerializerMismatch { asked, answered }) => {
            assert_eq!(asked, serializer);
            assert_eq!(answered, low);
            assert!(answer[0] == 0x7F && low != 0 && low != serializer.rawsocket_id());
        }
        Err(HandshakeError::Refused { code }) => {
            assert!(answer[0] == 0x7F && low == 0 && code == high)
        }
        #[allow(unreachable_patterns)] // reachable where HandshakeError is non_exhaustive: outside this crate
        Err(other) => panic!("unexpected handshake error: {other}"),
        Ok(codec) => {
            assert!(answer[0] == 0x7F && low == serializer.rawsocket_id(), "{answer:?}");
            let outgoing = max.min(1 << (9 + high)).min(MAX_FRAME_LENGTH);
            assert_eq!(codec.max_outgoing(), outgoing, "the smaller limit, within 24 bits");
            assert_eq!(codec.max_incoming(), max, "our own limit");
            let (got, left_over) = read_frames(&codec, after, after.len().max(1));
            let (expected, unfinished) = model_frames(after, max, outgoing);
            assert_eq!(got, expected);
            assert_eq!(left_over, unfinished, "bytes left over");
        }
    }
}

/// Byte 0 picks the match policy; the rest, as UTF-8 (lossy), is a pattern
/// and a URI separated by the first newline. Every constructor must agree
/// with [`wamp_core::validate`], a valid URI must round-trip as a string
/// (`Display`, `FromStr`, serde), and matching must be consistent with the
/// policy's definition.
pub fn check_uri(data: &[u8]) {
    let [policy, text @ ..] = data else {
        return;
    };
    let policy = [MatchPolicy::Exact, MatchPolicy::Prefix, MatchPolicy::Wildcard][usize::from(*policy) % 3];
    let text = String::from_utf8_lossy(text);
    let (pattern, uri) = text.split_once('\n').unwrap_or((&text, &text));

    for s in [pattern, uri] {
        let loose = Uri::new(s);
        assert_eq!(
            loose.is_ok(),
            wamp_core::validate(s, UriRules::Loose, false).is_ok(),
            "{s:?}"
        );
        let strict = Uri::strict(s);
        assert_eq!(
            strict.is_ok(),
            wamp_core::validate(s, UriRules::Strict, false).is_ok(),
            "{s:?}"
        );
        assert!(strict.is_err() || loose.is_ok(), "strict but not loose: {s:?}");
        let exact = Uri::pattern(s, MatchPolicy::Exact);
        let prefix = Uri::pattern(s, MatchPolicy::Prefix);
        let wildcard = Uri::pattern(s, MatchPolicy::Wildcard);
        assert_eq!(exact.is_ok(), loose.is_ok(), "{s:?}");
        assert!(loose.is_err() || prefix.is_ok(), "valid but not a prefix: {s:?}");
        assert!(
            prefix.is_err() || wildcard.is_ok(),
            "a prefix but not a wildcard: {s:?}"
        );
        assert_eq!(
            wildcard.is_ok(),
            wamp_core::validate(s, UriRules::Loose, true).is_ok(),
            "{s:?}"
        );
        match loose {
            Ok(valid) => {
                assert_eq!(valid.as_str(), s);
                assert_eq!(valid.to_string(), s);
                assert_eq!(s.parse::<Uri>().unwrap(), valid);
                let json = serde_json::to_string(&valid).unwrap();
                assert_eq!(serde_json::from_str::<Uri>(&json).unwrap(), valid);
                for policy in [MatchPolicy::Exact, MatchPolicy::Prefix, MatchPolicy::Wildcard] {
                    assert!(Uri::matches(s, policy, s), "{s:?} does not match itself ({policy})");
                }
            }
            Err(e) => {
                assert_eq!(e.uri(), s);
                assert!(!e.to_string().is_empty());
                assert!(s.parse::<Uri>().is_err());
            }
        }
        if let Ok(parsed) = s.parse::<MatchPolicy>() {
            assert_eq!(parsed.as_str(), s);
        }
        if let Ok(invoke) = s.parse::<InvokePolicy>() {
            assert_eq!(invoke.as_str(), s);
        }
    }

    let matched = Uri::matches(pattern, policy, uri);
    match policy {
        MatchPolicy::Exact => assert_eq!(matched, pattern == uri),
        MatchPolicy::Prefix => assert_eq!(matched, uri.starts_with(pattern)),
        MatchPolicy::Wildcard => {
            let same_length = pattern.split('.').count() == uri.split('.').count();
            let parts_fit = pattern
                .split('.')
                .zip(uri.split('.'))
                .all(|(p, u)| p.is_empty() || p == u);
            assert_eq!(matched, same_length && parts_fit, "{pattern:?} {uri:?}");
        }
    }
}

/// Byte 0 picks YAML (even) or TOML (odd); the rest, if UTF-8, is a
/// configuration file. Loading must give a configuration or an error that
/// says something. Texts naming files are skipped: the loader would read
/// whatever path the fuzzer made up.
pub fn check_config(data: &[u8]) {
    let [format, text @ ..] = data else {
        return;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    if ["file", "cert", "key"].iter().any(|word| text.contains(word)) {
        return;
    }
    let loaded = if format % 2 == 0 {
        Config::from_yaml_str(text)
    } else {
        Config::from_toml_str(text)
    };
    match loaded {
        Ok(config) => {
            assert!(!config.is_empty());
            if let Err(e) = config.validate() {
                assert!(!e.to_string().is_empty());
            }
            let _ = format!("{config:?}");
        }
        Err(e) => assert!(!e.to_string().is_empty(), "an error without a message: {e:?}"),
    }
}

/// A JSON text of every message type: what a router and a client really
/// exchange, with payloads of every value type.
const MESSAGES: &[&str] = &[
    r#"[1,"realm1",{"roles":{"caller":{"features":{"progressive_call_results":true}},"callee":{},"publisher":{},"subscriber":{}},"authmethods":["ticket","wampcra"],"authid":"alice"}]"#,
    r#"[2,7417613473196155,{"authid":"ZU3C-5WY6-YGC4-3T77-UH9U-JCJ9","authrole":"anonymous","authmethod":"anonymous","authprovider":"static","roles":{"broker":{"features":{"publisher_identification":true,"pattern_based_subscription":true,"session_meta_api":true,"subscription_meta_api":true,"subscriber_blackwhite_listing":true,"publisher_exclusion":true,"subscription_revocation":true,"event_retention":true,"payload_transparency":true,"payload_encryption_cryptobox":true}},"dealer":{"features":{"caller_identification":true,"pattern_based_registration":true,"session_meta_api":true,"registration_meta_api":true,"shared_registration":true,"progressive_call_results":true,"registration_revocation":true,"payload_transparency":true,"testament_meta_api":true,"payload_encryption_cryptobox":true,"call_canceling":true}}},"x_cb_node":"node1","x_cb_worker":"worker001","x_cb_peer":"tcp4:127.0.0.1:51938","x_cb_pid":4242}]"#,
    r#"[3,{"message":"no such realm"},"wamp.error.no_such_realm"]"#,
    r#"[4,"wampcra",{"challenge":"{\"nonce\":\"LHRTC9zeOIrt_9U3\",\"authprovider\":\"userdb\",\"authid\":\"peter\",\"timestamp\":\"2014-06-22T16:36:25.448Z\",\"authrole\":\"user\",\"authmethod\":\"wampcra\",\"session\":3251278072152162}","salt":"salt123","keylen":32,"iterations":1000}]"#,
    r#"[5,"gir1mSx+deCDUV7wRM5SGIn/+R/ClqLZuH4m7FJeBVI=",{}]"#,
    r#"[6,{"message":"The host is shutting down now."},"wamp.close.system_shutdown"]"#,
    r#"[6,{},"wamp.close.goodbye_and_out"]"#,
    r#"[8,48,7814135,{},"com.myapp.error.object_write_protected",["Object is write protected."],{"severity":3}]"#,
    r#"[8,34,1,{},"wamp.error.no_such_subscription"]"#,
    r#"[16,239714735,{"acknowledge":true,"exclude_me":false},"com.myapp.mytopic1",["Hello, world!",1.5,-3,18446744073709551615,null,true,"\u0000AQID"],{"color":"orange","sizes":[23,42,7],"nested":{"a":{"b":[{}]}}}]"#,
    r#"[17,239714735,4429313566]"#,
    r#"[32,713845233,{"match":"wildcard"},"com.myapp..update"]"#,
    r#"[33,713845233,5512315355]"#,
    r#"[34,85346237,5512315355]"#,
    r#"[35,85346237]"#,
    r#"[35,0,{"subscription":5512315355,"reason":"wamp.authentication.lost"}]"#,
    r#"[36,5512315355,4429313566,{"topic":"com.myapp.topic.123","publisher":3335656},[],{"firstname":"John","surname":"Doe","ünïcode":"日本語"}]"#,
    r#"[48,7814135,{"receive_progress":true,"timeout":1000},"com.myapp.echo",["Hello, world!"]]"#,
    r#"[49,7814135,{"mode":"killnowait"}]"#,
    r#"[50,7814135,{"progress":true},[30],{"userid":123,"karma":10.0e3}]"#,
    r#"[64,25349185,{"match":"prefix","invoke":"roundrobin","disclose_caller":true},"com.myapp."]"#,
    r#"[65,25349185,2103333224]"#,
    r#"[66,788923562,2103333224]"#,
    r#"[67,788923562]"#,
    r#"[68,6131533,9823526,{"caller":3335656,"procedure":"com.myapp.echo"},["\u0000","x"],{"deep":[[[[1]]]]}]"#,
    r#"[69,6131533,{"reason":"wamp.error.timeout"}]"#,
    r#"[70,6131533,{},[-9223372036854775808,9007199254740993,1e-300,0.1]]"#,
];

/// The seed corpus: for each target, `(file name, bytes)`. Messages are
/// encoded by our own serializers from realistic JSON texts; frames and
/// handshakes are what a router sends; configurations come from the
/// documented keys (the replay test adds the example files).
pub fn seed_corpus() -> Vec<(&'static str, String, Vec<u8>)> {
    let mut seeds = Vec::new();
    let messages: Vec<Message> = MESSAGES
        .iter()
        .map(|text| JsonSerializer.decode(text.as_bytes()).unwrap())
        .collect();
    for (index, message) in messages.iter().enumerate() {
        let name = format!("{index:02}-{}", message_name(message));
        for (kind, target) in [
            (SerializerKind::Json, "decode_json"),
            (SerializerKind::MsgPack, "decode_msgpack"),
            (SerializerKind::Cbor, "decode_cbor"),
        ] {
            seeds.push((target, name.clone(), kind.serializer().encode(message).unwrap()));
        }
    }

    // Frames: the limit selector, the chunk size, then frames.
    let frame = |kind: u8, payload: &[u8]| {
        let mut out = vec![kind];
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes()[1..]);
        out.extend_from_slice(payload);
        out
    };
    let call = SerializerKind::Cbor.serializer().encode(&messages[17]).unwrap();
    let event = SerializerKind::MsgPack.serializer().encode(&messages[16]).unwrap();
    let mut stream = frame(0, &call);
    stream.extend(frame(1, b"ping"));
    stream.extend(frame(0, &event));
    stream.extend(frame(2, b""));
    for (name, limit, chunk, bytes) in [
        ("messages-pings-pongs-whole", 4, 0, stream.clone()),
        ("messages-pings-pongs-by-3", 4, 3, stream.clone()),
        ("messages-by-1-small-limit", 2, 1, stream),
        ("oversized-header", 2, 0, vec![0, 0xFF, 0xFF, 0xFF]),
        ("reserved-bits", 5, 0, vec![0x08, 0, 0, 1, 0]),
        ("unknown-type", 5, 0, vec![3, 0, 0, 0]),
        ("unfinished", 5, 7, frame(0, &call)[..9].to_vec()),
    ] {
        let mut input = vec![limit, chunk];
        input.extend(bytes);
        seeds.push(("rawsocket_frames", name.to_owned(), input));
    }

    // Handshakes: serializer, our limit, the router's answer, then frames.
    let welcome_json = JsonSerializer.encode(&messages[1]).unwrap();
    let welcome_cbor = SerializerKind::Cbor.serializer().encode(&messages[1]).unwrap();
    for (name, serializer, limit, answer, after) in [
        ("json-welcome", 0u8, 2u8, [0x7F, 0xF1, 0, 0], frame(0, &welcome_json)),
        ("cbor-welcome-ping", 2, 4, [0x7F, 0x73, 0, 0], {
            let mut s = frame(1, b"x");
            s.extend(frame(0, &welcome_cbor));
            s
        }),
        ("msgpack-small-router", 1, 3, [0x7F, 0x02, 0, 0], frame(0, &[0x90])),
        ("refused-serializer", 1, 0, [0x7F, 0x10, 0, 0], Vec::new()),
        ("refused-connections", 0, 0, [0x7F, 0x40, 0, 0], Vec::new()),
        ("wrong-serializer", 0, 0, [0x7F, 0xF2, 0, 0], Vec::new()),
        ("http", 0, 0, *b"HTTP", b"/1.1 400 Bad Request\r\n\r\n".to_vec()),
    ] {
        let mut input = vec![serializer, limit];
        input.extend(answer);
        input.extend(after);
        seeds.push(("rawsocket_handshake", name.to_owned(), input));
    }
    seeds.push(("rawsocket_handshake", "closed".to_owned(), vec![0, 0, 0x7F]));

    for (name, policy, text) in [
        ("exact", 0u8, "com.example.add"),
        ("strict-vs-loose", 0, "com.Example.ünïcode\ncom.Example.ünïcode"),
        ("prefix", 1, "com.app.\ncom.app.ping"),
        ("prefix-string", 1, "com.app\ncom.apple"),
        ("wildcard", 2, "com..update\ncom.foo.update"),
        ("wildcard-length", 2, "com..ping\ncom.app.x.ping"),
        ("empty-components", 2, "..\n.."),
        ("whitespace", 0, "com. example\ncom.#"),
        ("policy-names", 0, "roundrobin\nwildcard"),
    ] {
        let mut input = vec![policy];
        input.extend_from_slice(text.as_bytes());
        seeds.push(("uri", name.to_owned(), input));
    }

    for (name, format, text) in [
        ("yaml-minimal", 0u8, "url: ws://127.0.0.1:8080/ws\nrealm: realm1\n"),
        (
            "yaml-full",
            0,
            "host: localhost\nport: 8080\npath: /ws\nrealm: realm1\nserializers: [cbor, msgpack, json]\n\
             max_message_size: 65536\nauthid: alice\nauth: {method: ticket, secret: s3cr3t}\n\
             reconnect: {max_retries: 3, initial_delay: 0.5, max_delay: 10, factor: 2, jitter: 0.1}\n",
        ),
        (
            "yaml-clients",
            0,
            "clients:\n  a: {url: 'rs://127.0.0.1:8081', realm: r1}\n  b: {url: 'ws://h:1/ws', realm: r2, \
             auth: {method: wampcra, secret: x}}\n",
        ),
        ("yaml-unknown-key", 0, "realm: realm1\ncolour: blue\n"),
        ("yaml-anchors", 0, "a: &x [1, 2]\nb: *x\n"),
        (
            "toml-minimal",
            1,
            "url = \"ws://127.0.0.1:8080/ws\"\nrealm = \"realm1\"\n",
        ),
        (
            "toml-clients",
            1,
            "[clients.a]\nurl = \"unix:///run/cb.sock\"\nrealm = \"r\"\nserializers = [\"cbor\"]\n\
             [clients.b]\nurl = \"ws://h:1/ws\"\nrealm = \"r\"\n[clients.b.auth]\nmethod = \"cryptosign\"\n\
             secret = \"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60\"\n",
        ),
        ("toml-wrong-type", 1, "port = \"eighty\"\n"),
    ] {
        let mut input = vec![format];
        input.extend_from_slice(text.as_bytes());
        seeds.push(("config", name.to_owned(), input));
    }
    seeds
}

fn message_name(message: &Message) -> String {
    let debug = format!("{message:?}");
    debug.split('(').next().unwrap_or("message").to_ascii_lowercase()
}
