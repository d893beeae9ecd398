#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wamp_runtime::fuzzing::check("decode_msgpack", data));
