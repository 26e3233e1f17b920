//! The example files in `docs/examples/` import as documented: every row stored, none rejected.

use std::path::Path;

use lens_core::import::{ImportOptions, Mapping, TableKind, import_file};

fn examples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples")
}

fn import(name: &str, options: &ImportOptions) -> lens_core::import::ImportReport {
    let bytes = std::fs::read(examples().join(name)).unwrap();
    import_file(name, &bytes, options).unwrap_or_else(|error| panic!("{name}: {error}"))
}

#[test]
fn renewals_and_program_examples_import_whole() {
    let expected = [
        ("accounts.csv", TableKind::Accounts, 2),
        ("subscriptions.csv", TableKind::Subscriptions, 2),
        ("usage.csv", TableKind::Usage, 3),
        ("tickets.csv", TableKind::Tickets, 2),
        ("churn_events.csv", TableKind::ChurnEvents, 1),
        ("program_milestones.csv", TableKind::ProgramMilestones, 2),
        (
            "experiment_assignments.csv",
            TableKind::ExperimentAssignments,
            2,
        ),
    ];
    for (name, kind, n_rows) in expected {
        let report = import(name, &ImportOptions::default());
        assert_eq!(
            (report.format.kind, report.data_rows, report.stored_rows),
            (kind, n_rows, n_rows),
            "{name}"
        );
        assert!(
            report.unused_columns.is_empty(),
            "{name}: unused {:?}",
            report.unused_columns
        );
    }
}

#[test]
fn the_mapping_example_reads_the_pipeline_example() {
    let text = std::fs::read_to_string(examples().join("mapping.toml")).unwrap();
    let options = ImportOptions {
        mapping: Some(Mapping::from_toml(&text).unwrap()),
        ..ImportOptions::default()
    };
    let report = import("pipeline.csv", &options);
    assert_eq!((report.data_rows, report.stored_rows), (4, 4));
    assert!(
        report.unused_columns.is_empty(),
        "{:?}",
        report.unused_columns
    );
}
