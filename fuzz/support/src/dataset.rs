//! The small data set the page-record target interprets pages against, in `fuzz/dataset/`: two
//! snapshots (2026-10-30 with five opportunities, 2026-11-13 with six: open, won and lost, two
//! currencies, two deals of the same name, evidence columns filled, empty and changing) and field
//! history for one of them.

use chrono::NaiveDate;
use lens_core::import::{ImportOptions, import_file};
use lens_core::insight::{Dataset, Settings};

/// The files of the data set: (file name, as-of date, bytes).
pub const FILES: &[(&str, &str, &[u8])] = &[
    (
        "snapshot_2026-10-30.csv",
        "2026-10-30",
        include_bytes!("../../dataset/snapshot_2026-10-30.csv"),
    ),
    (
        "snapshot_2026-11-13.csv",
        "2026-11-13",
        include_bytes!("../../dataset/snapshot_2026-11-13.csv"),
    ),
    (
        "history.csv",
        "2026-11-13",
        include_bytes!("../../dataset/history.csv"),
    ),
];

/// The as-of dates a page is interpreted at: the first snapshot, the second, and later.
pub const AS_OF_DATES: &[&str] = &["2026-10-30", "2026-11-13", "2027-02-01"];

/// The record ids of the data set, for inputs that pick one.
pub const RECORD_IDS: &[&str] = &[
    "006Hp000015Yh7kIAC",
    "006Hp000015Yh7lIAC",
    "006Hp000015Yh7mIAC",
    "006Hp000015Yh7nIAC",
    "006Hp000015Yh7oIAC",
    "006Hp000015Yh7pIAC",
];

/// Imports the data set's files.
pub fn dataset() -> Dataset {
    let mut dataset = Dataset::default();
    for (name, as_of, bytes) in FILES {
        let as_of = date(as_of);
        let options = ImportOptions {
            as_of: Some(as_of),
            ..ImportOptions::default()
        };
        let report = import_file(name, bytes, &options).expect("the data set imports");
        assert!(report.rejected.is_empty(), "{name}: {:?}", report.rejected);
        dataset.add(report, as_of);
    }
    dataset
}

/// The settings of one of [`AS_OF_DATES`], picked by `choice`.
pub fn settings(choice: u8) -> Settings {
    Settings::new(date(AS_OF_DATES[usize::from(choice) % AS_OF_DATES.len()]))
}

fn date(text: &str) -> NaiveDate {
    text.parse().expect("a date of the data set")
}
