//! The checks behind the `cargo fuzz` targets in `fuzz/` and the corpus
//! replay test (`tests/corpus.rs`): one implementation, so a crash the
//! fuzzer finds is replayed by `cargo test` exactly as it was found.
//!
//! Every `check_*` function takes arbitrary bytes, runs one decoder on them
//! and panics only when a property of that decoder is broken (a decoded
//! message that does not survive re-encoding, a frame larger than the limit,
//! a buffer grown beyond what the limit allows, an error without a message).
//! A panic inside the decoder itself is a finding as well.
//!
//! The checks use only the public API of `wamp-protocol` and `wamp-runtime`, so
//! they test what users get. This crate is not published.

mod config;
mod decode;
mod rawsocket;
mod seeds;
mod uri;

use wamp_protocol::SerializerKind;

pub use config::check_config;
pub use decode::check_decode;
pub use rawsocket::{check_rawsocket_frames, check_rawsocket_handshake};
pub use seeds::{Seed, seed_corpus};
pub use uri::check_uri;

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
