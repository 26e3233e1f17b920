//! Workbooks: a ZIP or XLS file as it is, or a workbook zipped from fuzzed parts (see
//! `lens_fuzz_support::workbook`), imported with the same checks as `import_csv`.

#![no_main]

use lens_fuzz_support::workbook::{self, Input};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    match workbook::parse(bytes) {
        Input::File(file) => lens_fuzz_support::checks::import("input.xlsx", file),
        Input::Parts { flags, parts } => {
            let file = workbook::assemble(flags, &parts);
            lens_fuzz_support::checks::import("input.xlsx", &file);
        }
    }
});
