#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| patchbay_core::fuzzing::token_response(data));
