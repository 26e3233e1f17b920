//! The invariants each fuzz target asserts, one function per target.
//!
//! Each function takes what the core function under test takes, calls it, and asserts what the
//! core documents about the result. None of them returns anything: reaching the end is passing.

use std::sync::OnceLock;

use lens_core::import::{
    DateOrder, ImportError, ImportOptions, ImportReport, Mapping, import_file,
};
use lens_core::insight::{Comparison, Index, PageRecord, RecordMatch, Settings, record_view};
use lens_core::store::{self, ENCODING_VERSION, StoredImport};

/// Imports `bytes` as a file with the three date orders and asserts, for each:
/// - nothing panics (import/mod.rs: "Nothing here panics on any input");
/// - a successful import accounts for every data row once: `stored_rows + rejected.len() == data_rows`,
///   and every rejection names a line (1-based), a 1-based column when it names one, and a reason;
/// - the report survives storage: `store::decode(store::encode(report)) == report` (store.rs);
///
/// and across orders:
/// - a file whose own dates settle the order (`Auto` gives `Some(order)`) imports exactly as with
///   that order given explicitly (import/dates.rs: one unambiguous date settles the file);
/// - a file refused for ambiguous dates is not refused for that reason once an order is given.
pub fn import(file_name: &str, bytes: &[u8]) {
    let auto = import_once(file_name, bytes, DateOrder::Auto);
    let day_first = import_once(file_name, bytes, DateOrder::DayFirst);
    let month_first = import_once(file_name, bytes, DateOrder::MonthFirst);
    if let Ok(report) = &auto
        && let Some(order @ (DateOrder::DayFirst | DateOrder::MonthFirst)) = report.date_order
    {
        let explicit = if order == DateOrder::DayFirst {
            &day_first
        } else {
            &month_first
        };
        match explicit {
            Ok(explicit) => {
                assert_eq!(explicit.data, report.data, "{order:?} given vs settled");
                assert_eq!(
                    explicit.rejected, report.rejected,
                    "{order:?} given vs settled"
                );
                assert_eq!(explicit.as_of, report.as_of, "{order:?} given vs settled");
            }
            Err(error) => panic!("settled {order:?} imports, explicit {order:?} fails: {error}"),
        }
    }
    if let Err(ImportError::AmbiguousDates { .. }) = &auto {
        for explicit in [&day_first, &month_first] {
            assert!(
                !matches!(explicit, Err(ImportError::AmbiguousDates { .. })),
                "an explicit order still finds the dates ambiguous"
            );
        }
    }
}

fn import_once(
    file_name: &str,
    bytes: &[u8],
    date_order: DateOrder,
) -> Result<ImportReport, ImportError> {
    let options = ImportOptions {
        date_order,
        ..ImportOptions::default()
    };
    let result = import_file(file_name, bytes, &options);
    if let Ok(report) = &result {
        check_report(report);
        let (stored, chunks) = store::encode(report.clone(), bytes.len() as u64, "");
        let decoded = store::decode(&stored, &chunks).expect("an encoded import decodes");
        assert_eq!(&decoded, report, "decode(encode(report)) != report");
    }
    result
}

/// The row accounting every successful import keeps.
pub fn check_report(report: &ImportReport) {
    assert_eq!(
        report.stored_rows + report.rejected.len(),
        report.data_rows,
        "stored + rejected != data rows"
    );
    for rejection in &report.rejected {
        assert!(rejection.line >= 1, "{rejection:?}");
        assert!(
            rejection.column.is_none_or(|column| column >= 1),
            "{rejection:?}"
        );
        assert!(!rejection.reason.is_empty(), "{rejection:?}");
    }
}

/// Splits a mapping input into its TOML text and an optional CSV: the bytes before the first NUL
/// are the mapping, the bytes after it the file to import with it.
pub fn split_mapping_input(bytes: &[u8]) -> (&[u8], Option<&[u8]>) {
    match bytes.iter().position(|&byte| byte == 0) {
        Some(at) => (&bytes[..at], Some(&bytes[at + 1..])),
        None => (bytes, None),
    }
}

/// Parses a mapping (errors are fine, panics are not); a mapping that parses is used to import
/// `csv` (or `fallback_csv` when there is none) with the import checks above.
pub fn mapping(toml_text: &str, csv: Option<&[u8]>, fallback_csv: &[u8]) {
    let Ok(mapping) = Mapping::from_toml(toml_text) else {
        return;
    };
    let options = ImportOptions {
        mapping: Some(mapping),
        ..ImportOptions::default()
    };
    if let Ok(report) = import_file("mapped.csv", csv.unwrap_or(fallback_csv), &options) {
        check_report(&report);
    }
}

/// Interprets a page record against the data set, as the panel does for the record on screen,
/// and asserts:
/// - the view is built (the data set has a snapshot on or before the as-of date) and names the
///   id asked for;
/// - a record is shown exactly when it was matched (by id, short id or name);
/// - every page field gets one comparison, in page order, with its trimmed label; a label Lens
///   does not read is `NotRead` with no field, and a read label names its field;
/// - every position (a number) carries evidence rows.
pub fn page_record(index: &Index, settings: &Settings, record_id: &str, page: &PageRecord) {
    let view =
        record_view(index, settings, record_id, Some(page)).expect("the data set has a snapshot");
    assert_eq!(view.requested_id, record_id);
    let matched = matches!(
        view.matched,
        RecordMatch::Id | RecordMatch::ShortId | RecordMatch::Name
    );
    assert_eq!(view.record.is_some(), matched, "{:?}", view.matched);
    assert_eq!(view.page_fields.len(), page.fields.len());
    for (comparison, field) in view.page_fields.iter().zip(&page.fields) {
        assert_eq!(comparison.label, field.label.trim());
        assert_eq!(comparison.page_value, field.value.trim());
        match comparison.comparison {
            Comparison::NotRead => assert!(comparison.field.is_none(), "{comparison:?}"),
            _ => assert!(comparison.field.is_some(), "{comparison:?}"),
        }
        assert!(!comparison.text.is_empty());
    }
    for position in &view.positions {
        assert!(!position.evidence.is_empty(), "{}", position.key);
    }
}

/// Decodes `chunk` as the one stored chunk of an import and asserts that decoding never panics,
/// and that whatever decodes is an import storage keeps as it is: encoding it and decoding the
/// result gives chunks that encode to the same bytes again. (Bytes, not values, are compared: a
/// chunk may hold a NaN amount, which no import produces and which is not equal to itself.)
pub fn store_chunk(chunk: &[u8]) {
    let stored = stored_with_one_chunk();
    let Ok(report) = store::decode(stored, &[chunk.to_vec()]) else {
        return;
    };
    let (again, chunks) = store::encode(report.clone(), 0, "");
    let round_trip = store::decode(&again, &chunks).expect("an encoded import decodes");
    let (_, chunks_again) = store::encode(round_trip, 0, "");
    assert_eq!(
        chunks, chunks_again,
        "encode(decode(encode(decoded))) != encode(decoded)"
    );
}

/// A description as the extension stores it, listing one chunk in the current encoding.
fn stored_with_one_chunk() -> &'static StoredImport {
    static STORED: OnceLock<StoredImport> = OnceLock::new();
    STORED.get_or_init(|| {
    let report = import_file(
        "deals.csv",
        b"Opportunity ID,Opportunity Name,Stage,Amount,Close Date\n006A,Deal,Prospecting,1,2026-12-01\n",
        &ImportOptions::default(),
    )
    .expect("a minimal export imports");
    let (stored, _) = store::encode(report, 0, "");
    assert_eq!(stored.chunk_count, 1);
    assert_eq!(stored.encoding_version, ENCODING_VERSION);
    stored
    })
}
