#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wamp_fuzz_checks::check("config", data));
