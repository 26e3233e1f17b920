//! Stored chunks: arbitrary bytes as the one chunk of a stored import, given to
//! `lens_core::store::decode`. Decoding must refuse what it cannot read, never panic, and what it
//! reads must survive another encode/decode unchanged.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    lens_fuzz_support::checks::store_chunk(bytes);
});
