//! Mapping files: the bytes before the first NUL are the TOML text given to
//! `Mapping::from_toml` (errors are fine, panics are not); a mapping that parses imports the bytes
//! after the NUL (or `generic_pipeline.csv`, the export the example mapping reads) with the row
//! accounting checks.

#![no_main]

use lens_fuzz_support::checks;
use libfuzzer_sys::fuzz_target;

const PIPELINE: &[u8] = include_bytes!("../../crates/core/tests/fixtures/generic_pipeline.csv");

fuzz_target!(|bytes: &[u8]| {
    let (toml_bytes, csv) = checks::split_mapping_input(bytes);
    let Ok(toml_text) = std::str::from_utf8(toml_bytes) else {
        return;
    };
    checks::mapping(toml_text, csv, PIPELINE);
});
