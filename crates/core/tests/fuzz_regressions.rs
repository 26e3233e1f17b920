//! Replays the inputs the fuzz targets found (`fuzz/regressions/<target>/`) on the stable
//! compiler, with the checks the targets make, so that every test run keeps what fuzzing fixed.
//!
//! The fuzz targets live in `fuzz/` (run by `cargo xtask fuzz`, see docs/fuzzing.md). Their
//! checks are in `fuzz/support/src/checks.rs`; this file states them again because the core's
//! tests cannot depend on the fuzz crate. Findings are kept in the form the core reads: the bytes
//! of a file for the import targets (a workbook assembled from fuzzed parts is saved assembled),
//! the TOML (then a NUL and the CSV it imports) for mappings, the JSON of a `PageRecord` for
//! pages, and the bytes of one stored chunk for storage.
//!
//! Besides the findings (`f<N>_…`, each with a named test below saying what it was), each folder
//! keeps a few small inputs from the fuzzers' corpora (`corpus_…`) and seeds (`seed_…`) that reach
//! the paths the checks are about (rejected rows, ambiguous dates, a short id, a page without an
//! id), so that every replay asserts something.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use lens_core::import::{
    DateOrder, ImportError, ImportOptions, ImportReport, Mapping, import_file,
};
use lens_core::insight::{
    Comparison, Dataset, Index, PageRecord, RecordMatch, Settings, record_view,
};
use lens_core::store;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The saved inputs of one target, by file name; dot files are not inputs.
fn regressions(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = fuzz_dir().join("regressions").join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut inputs: Vec<(String, Vec<u8>)> = entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .filter(|(name, _)| !name.starts_with('.'))
        .collect();
    inputs.sort();
    inputs
}

/// Saved inputs that still panic inside a dependency when overflow checks are on (test and debug
/// builds). The replay of their folder leaves them out; each has a named test below asserting the
/// behaviour as it is, with a FIXME.
const DEPENDENCY_PANICS: &[&str] = &["f1_nine_letter_cell_reference.xlsx"];

fn regression(target: &str, name: &str) -> Vec<u8> {
    let path = fuzz_dir().join("regressions").join(target).join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// The checks (as in fuzz/support/src/checks.rs)

/// Imports with the three date orders: every row accounted for, the report kept by storage, an
/// order the file settles equal to the same order given, an explicit order never ambiguous.
fn check_import(bytes: &[u8]) {
    let auto = import_once(bytes, DateOrder::Auto);
    let day_first = import_once(bytes, DateOrder::DayFirst);
    let month_first = import_once(bytes, DateOrder::MonthFirst);
    if let Ok(report) = &auto
        && let Some(order @ (DateOrder::DayFirst | DateOrder::MonthFirst)) = report.date_order
    {
        let explicit = if order == DateOrder::DayFirst {
            &day_first
        } else {
            &month_first
        };
        let explicit = explicit
            .as_ref()
            .expect("the settled order imports when given");
        assert_eq!(explicit.data, report.data);
        assert_eq!(explicit.rejected, report.rejected);
        assert_eq!(explicit.as_of, report.as_of);
    }
    if let Err(ImportError::AmbiguousDates { .. }) = &auto {
        for explicit in [&day_first, &month_first] {
            assert!(!matches!(explicit, Err(ImportError::AmbiguousDates { .. })));
        }
    }
}

fn import_once(bytes: &[u8], date_order: DateOrder) -> Result<ImportReport, ImportError> {
    let options = ImportOptions {
        date_order,
        ..ImportOptions::default()
    };
    let result = import_file("input", bytes, &options);
    if let Ok(report) = &result {
        check_report(report);
        let (stored, chunks) = store::encode(report.clone(), bytes.len() as u64, "");
        assert_eq!(&store::decode(&stored, &chunks).unwrap(), report);
    }
    result
}

fn check_report(report: &ImportReport) {
    assert_eq!(report.stored_rows + report.rejected.len(), report.data_rows);
    for rejection in &report.rejected {
        assert!(rejection.line >= 1, "{rejection:?}");
        assert!(rejection.column.is_none_or(|column| column >= 1));
        assert!(!rejection.reason.is_empty());
    }
}

/// A mapping (the bytes before the first NUL) that parses imports the CSV after the NUL, or the
/// example pipeline.
fn check_mapping(bytes: &[u8]) {
    let (toml, csv) = match bytes.iter().position(|&byte| byte == 0) {
        Some(at) => (&bytes[..at], Some(&bytes[at + 1..])),
        None => (bytes, None),
    };
    let Ok(toml) = std::str::from_utf8(toml) else {
        return;
    };
    let Ok(mapping) = Mapping::from_toml(toml) else {
        return;
    };
    let pipeline = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/generic_pipeline.csv"),
    )
    .unwrap();
    let options = ImportOptions {
        mapping: Some(mapping),
        ..ImportOptions::default()
    };
    if let Ok(report) = import_file("mapped.csv", csv.unwrap_or(&pipeline), &options) {
        check_report(&report);
    }
}

/// The data set of the page-record target: `fuzz/dataset/`, two snapshots and field history.
fn page_dataset() -> Dataset {
    let files = [
        ("snapshot_2026-10-30.csv", "2026-10-30"),
        ("snapshot_2026-11-13.csv", "2026-11-13"),
        ("history.csv", "2026-11-13"),
    ];
    let mut dataset = Dataset::default();
    for (name, as_of) in files {
        let as_of: NaiveDate = as_of.parse().unwrap();
        let bytes = std::fs::read(fuzz_dir().join("dataset").join(name)).unwrap();
        let options = ImportOptions {
            as_of: Some(as_of),
            ..ImportOptions::default()
        };
        dataset.add(import_file(name, &bytes, &options).unwrap(), as_of);
    }
    dataset
}

/// The page (JSON of a `PageRecord`) interpreted at each as-of date of the target: one comparison
/// per page field in order, a record shown exactly when matched, evidence on every position.
fn check_page(dataset: &Dataset, json: &[u8]) {
    let page: PageRecord = serde_json::from_slice(json).expect("a page record as JSON");
    let record_id = page.record_id.clone().unwrap_or_default();
    let index = Index::new(dataset);
    for as_of in ["2026-10-30", "2026-11-13", "2027-02-01"] {
        let settings = Settings::new(as_of.parse().unwrap());
        let view = record_view(&index, &settings, &record_id, Some(&page)).unwrap();
        assert_eq!(view.requested_id, record_id);
        let matched = matches!(
            view.matched,
            RecordMatch::Id | RecordMatch::ShortId | RecordMatch::Name
        );
        assert_eq!(view.record.is_some(), matched);
        assert_eq!(view.page_fields.len(), page.fields.len());
        for (comparison, field) in view.page_fields.iter().zip(&page.fields) {
            assert_eq!(comparison.label, field.label.trim());
            assert_eq!(comparison.page_value, field.value.trim());
            assert_eq!(
                comparison.field.is_none(),
                comparison.comparison == Comparison::NotRead
            );
        }
        for position in &view.positions {
            assert!(!position.evidence.is_empty(), "{}", position.key);
        }
    }
}

/// One stored chunk: decoding refuses or reads it, and what it reads encodes to stable bytes.
fn check_store_chunk(chunk: &[u8]) {
    let minimal = import_file(
        "deals.csv",
        b"Opportunity ID,Opportunity Name,Stage,Amount,Close Date\n006A,Deal,Prospecting,1,2026-12-01\n",
        &ImportOptions::default(),
    )
    .unwrap();
    let (stored, _) = store::encode(minimal, 0, "");
    let Ok(report) = store::decode(&stored, &[chunk.to_vec()]) else {
        return;
    };
    let (again, chunks) = store::encode(report, 0, "");
    let (_, chunks_again) = store::encode(store::decode(&again, &chunks).unwrap(), 0, "");
    assert_eq!(chunks, chunks_again);
}

// ---------------------------------------------------------------------------------------------
// Every saved input, per target

#[test]
fn import_csv_regressions() {
    let inputs = regressions("import_csv");
    assert!(!inputs.is_empty(), "fuzz/regressions/import_csv/ is empty");
    for (name, bytes) in inputs {
        eprintln!("import_csv/{name}");
        check_import(&bytes);
    }
}

#[test]
fn import_xlsx_regressions() {
    let inputs = regressions("import_xlsx");
    assert!(!inputs.is_empty(), "fuzz/regressions/import_xlsx/ is empty");
    for (name, bytes) in inputs {
        if DEPENDENCY_PANICS.contains(&name.as_str()) {
            continue;
        }
        eprintln!("import_xlsx/{name}");
        check_import(&bytes);
    }
}

#[test]
fn mapping_toml_regressions() {
    let inputs = regressions("mapping_toml");
    assert!(
        !inputs.is_empty(),
        "fuzz/regressions/mapping_toml/ is empty"
    );
    for (name, bytes) in inputs {
        eprintln!("mapping_toml/{name}");
        check_mapping(&bytes);
    }
}

#[test]
fn page_record_regressions() {
    let dataset = page_dataset();
    let inputs = regressions("page_record");
    assert!(!inputs.is_empty(), "fuzz/regressions/page_record/ is empty");
    for (name, bytes) in inputs {
        eprintln!("page_record/{name}");
        check_page(&dataset, &bytes);
    }
}

#[test]
fn store_decode_regressions() {
    let inputs = regressions("store_decode");
    assert!(
        !inputs.is_empty(),
        "fuzz/regressions/store_decode/ is empty"
    );
    for (name, bytes) in inputs {
        eprintln!("store_decode/{name}");
        check_store_chunk(&bytes);
    }
}

// ---------------------------------------------------------------------------------------------
// Findings, one test each

/// F1 (`import_xlsx`, found after 65,141 executions): a cell reference with more letters than a
/// `u32` column number holds (`<c r="aaaaaaaab1">`) overflows in calamine's reference parser
/// (`calamine::xlsx::get_row_and_optional_column`, calamine 0.38.0). Where overflow checks are on
/// (debug and test builds) the import panics; where they are off (the release builds of the panel
/// and of `lens`) the column wraps to 2,431,782,360 and Lens refuses the sheet as beyond Excel's
/// limits. Lens never sees the reference text, so the core cannot refuse it first.
///
/// FIXME: calamine reports the same bug upstream (tafia/calamine#694, open; fix proposed in
/// tafia/calamine#696). Once calamine refuses such references, this import is an
/// `ImportError::Workbook` in every build: assert that and move the file back into the replay.
#[test]
fn f1_nine_letter_cell_reference() {
    let bytes = regression("import_xlsx", "f1_nine_letter_cell_reference.xlsx");
    let outcome =
        std::panic::catch_unwind(|| import_file("f1.xlsx", &bytes, &ImportOptions::default()));
    if cfg!(debug_assertions) {
        let panic = outcome.expect_err("calamine's overflow check panics");
        let message = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        assert_eq!(message, "attempt to multiply with overflow");
    } else {
        let error = outcome
            .expect("no panic without overflow checks")
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the workbook could not be read: sheet \"Sheet1\": a cell lies beyond Excel's limits (row 1, column 2431782360)"
        );
    }
}

/// A stored chunk whose amount is NaN (`store_decode/nan_amount.chunk`: the chunk of a one-row
/// export with the amount's eight bytes replaced). No import stores a non-finite amount, and
/// `store::decode` does not check values, so it reads the NaN back as it is; the fuzz check compares
/// encoded bytes rather than values for this reason (a NaN is not equal to itself). Both chunks
/// were written in chunk encoding 1 (dates as text), which `store::decode` still reads.
#[test]
fn a_chunk_holding_a_nan_amount_decodes_as_it_is() {
    let minimal = import_file(
        "deals.csv",
        b"Opportunity ID,Opportunity Name,Stage,Amount,Close Date\n006A,Deal,Prospecting,1,2026-12-01\n",
        &ImportOptions::default(),
    )
    .unwrap();
    let (mut stored, _) = store::encode(minimal, 0, "");
    stored.encoding_version = 1;
    let chunk = regression("store_decode", "nan_amount.chunk");
    let report = store::decode(&stored, &[chunk]).unwrap();
    let amount = report.data.opportunities[0].amount.unwrap();
    assert!(amount.is_nan());
    let seed = regression("store_decode", "seed_one_opportunity.chunk");
    let report = store::decode(&stored, &[seed]).unwrap();
    assert_eq!(report.data.opportunities[0].amount, Some(1234.5));
}
