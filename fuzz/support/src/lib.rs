//! What Lens's fuzz targets share: the checks every input must pass, the assembly of workbooks
//! from fuzzed parts, and the small data set the page-record target reads.
//!
//! The checks restate invariants the core documents; a failed assertion is a finding, as a panic
//! is. `crates/core/tests/fuzz_regressions.rs` replays the saved findings with the same checks,
//! written again there because the core's tests cannot depend on this crate.

pub mod checks;
pub mod dataset;
pub mod page;
pub mod workbook;
