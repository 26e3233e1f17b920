//! The page-record interpreter: a `PageRecord` (from JSON, or from structured bytes, see
//! `lens_fuzz_support::page`) interpreted by `record_view` against the small data set in
//! `fuzz/dataset/` at each of its as-of dates, under the checks of `checks::page_record`.

#![no_main]

use std::sync::OnceLock;

use lens_core::insight::{Dataset, Index};
use lens_fuzz_support::{checks, dataset, page};
use libfuzzer_sys::fuzz_target;

fn data() -> &'static Dataset {
    static DATA: OnceLock<Dataset> = OnceLock::new();
    DATA.get_or_init(dataset::dataset)
}

fuzz_target!(|bytes: &[u8]| {
    let (record_id, page) = page::page_record(bytes);
    let index = Index::new(data());
    for choice in 0..dataset::AS_OF_DATES.len() as u8 {
        checks::page_record(&index, &dataset::settings(choice), &record_id, &page);
    }
});
