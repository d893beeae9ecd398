//! The seed corpus of every target.

use wamp_protocol::{JsonSerializer, Message, Serializer, SerializerKind};

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

/// One input of the seed corpus, committed as
/// `fuzz/corpus/<target>/seed-<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    /// The target it is an input of, one of [`TARGETS`](crate::TARGETS).
    pub target: &'static str,
    /// Its name, unique within the target.
    pub name: String,
    /// The input.
    pub data: Vec<u8>,
}

/// The seed corpus of every target. Messages are encoded by our own
/// serializers from realistic JSON texts; frames and handshakes are what a
/// router sends; configurations come from the documented keys (the replay
/// test adds the example files).
///
/// # Panics
/// When a message of the list does not decode or encode: a serializer bug.
pub fn seed_corpus() -> Vec<Seed> {
    let mut seeds = Vec::new();
    let messages: Vec<Message> = MESSAGES
        .iter()
        .map(|text| {
            JsonSerializer
                .decode(text.as_bytes())
                .unwrap_or_else(|e| panic!("a seed message does not decode: {e}; {text}"))
        })
        .collect();
    for (index, message) in messages.iter().enumerate() {
        let name = format!("{index:02}-{}", message_name(message));
        for (kind, target) in [
            (SerializerKind::Json, "decode_json"),
            (SerializerKind::MsgPack, "decode_msgpack"),
            (SerializerKind::Cbor, "decode_cbor"),
        ] {
            seeds.push(Seed {
                target,
                name: name.clone(),
                data: encode(kind, message),
            });
        }
    }

    // Frames: the limit selector, the chunk size, then frames.
    let frame = |kind: u8, payload: &[u8]| {
        let mut out = vec![kind];
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes()[1..]);
        out.extend_from_slice(payload);
        out
    };
    let call = encode(SerializerKind::Cbor, &messages[17]);
    let event = encode(SerializerKind::MsgPack, &messages[16]);
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
        seeds.push(Seed {
            target: "rawsocket_frames",
            name: name.to_owned(),
            data: input,
        });
    }

    // Handshakes: serializer, our limit, the router's answer, then frames.
    let welcome_json = encode(SerializerKind::Json, &messages[1]);
    let welcome_cbor = encode(SerializerKind::Cbor, &messages[1]);
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
        seeds.push(Seed {
            target: "rawsocket_handshake",
            name: name.to_owned(),
            data: input,
        });
    }
    seeds.push(Seed {
        target: "rawsocket_handshake",
        name: "closed".to_owned(),
        data: vec![0, 0, 0x7F],
    });

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
        seeds.push(Seed {
            target: "uri",
            name: name.to_owned(),
            data: input,
        });
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
        seeds.push(Seed {
            target: "config",
            name: name.to_owned(),
            data: input,
        });
    }
    seeds
}

/// `message` encoded by `kind`.
fn encode(kind: SerializerKind, message: &Message) -> Vec<u8> {
    kind.serializer()
        .encode(message)
        .unwrap_or_else(|e| panic!("a seed message does not encode as {kind}: {e}; {message:?}"))
}

/// The name of the message's type, for the file name of its seed.
fn message_name(message: &Message) -> String {
    let debug = format!("{message:?}");
    debug.split('(').next().unwrap_or("message").to_ascii_lowercase()
}
