//! Arbitrary bytes as an export file: `lens_core::import::import_file` with the default options,
//! then with day-first and month-first dates, under the checks of `checks::import` (no panic,
//! every data row stored or rejected once, storage round trip, a settled date order equal to the
//! same order given).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    lens_fuzz_support::checks::import("input.csv", bytes);
});
