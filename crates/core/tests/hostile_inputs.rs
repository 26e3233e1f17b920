//! Files that are not what they claim: each gets one whole-file error whose words name the
//! problem (and the line and column where there is one), and nothing is imported from it; or,
//! where the file is a real export after all (mixed line endings, a German report), it is read
//! row by row like any other.
//!
//! The inputs are generated here; the one fixture is `fixtures/hostile/no_sheets.xlsx` (see
//! `fixtures/SOURCE.md`).

use lens_core::import::{
    ImportError, ImportOptions, ImportReport, MAX_CELL_BYTES, MAX_COLUMNS, MAX_FILE_BYTES, Mapping,
    check_file_size, import_file,
};

fn import(name: &str, bytes: &[u8]) -> Result<ImportReport, ImportError> {
    import_file(name, bytes, &ImportOptions::default())
}

/// The message of a file that must be refused.
#[track_caller]
fn refusal(name: &str, bytes: &[u8]) -> String {
    match import(name, bytes) {
        Ok(report) => panic!(
            "{name} was imported ({} rows stored) but should be refused",
            report.stored_rows
        ),
        Err(error) => error.to_string(),
    }
}

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hostile")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// An opportunities header Lens recognises, with `extra` further columns after it.
fn wide_csv(extra: usize) -> String {
    let mut header = String::from("Opportunity Name,Stage,Amount,Close Date");
    let mut row = String::from("Deal A,Proposal,100,2026-03-01");
    for column in 0..extra {
        header.push_str(&format!(",Extra {column}"));
        row.push_str(",x");
    }
    format!("{header}\n{row}\n")
}

#[test]
fn a_pdf_renamed_csv_is_refused_as_a_pdf() {
    let pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";
    assert_eq!(
        refusal("pipeline.csv", pdf),
        "not a CSV or spreadsheet export: the file is a PDF document"
    );
}

#[test]
fn a_workbook_without_sheets_and_one_with_only_empty_sheets_are_refused() {
    assert_eq!(
        refusal("no_sheets.xlsx", &fixture("no_sheets.xlsx")),
        "the workbook could not be read: the workbook has no sheets"
    );

    let mut workbook = rust_xlsxwriter::Workbook::new();
    workbook.add_worksheet();
    workbook.add_worksheet();
    let bytes = workbook.save_to_buffer().unwrap();
    assert_eq!(
        refusal("empty_sheets.xlsx", &bytes),
        "the workbook could not be read: every sheet of the workbook is empty"
    );
}

#[test]
fn an_empty_file_is_refused_by_its_size_and_by_its_bytes() {
    assert_eq!(check_file_size(0), Err(ImportError::Empty));
    assert_eq!(refusal("empty.csv", b""), "the file is empty (0 bytes)");
}

#[test]
fn a_file_over_the_size_limit_is_refused_from_its_size_alone() {
    // A 2 GB file: the size the file system reports is all that is needed.
    let error = check_file_size(2_147_483_648).unwrap_err();
    assert_eq!(
        error,
        ImportError::TooLarge {
            bytes: 2_147_483_648,
            limit: MAX_FILE_BYTES
        }
    );
    assert_eq!(
        error.to_string(),
        "the file is 2.1 GB; Lens reads files of up to 512 MB (an export with fewer rows or \
         columns fits)"
    );
    assert_eq!(check_file_size(MAX_FILE_BYTES), Ok(()));
    assert!(check_file_size(MAX_FILE_BYTES + 1).is_err());
    assert_eq!(
        check_file_size(600_500_000).unwrap_err().to_string(),
        "the file is 600.5 MB; Lens reads files of up to 512 MB (an export with fewer rows or \
         columns fits)"
    );

    // `import_file` checks the bytes it is given in the same way.
    let bytes = vec![b'a'; MAX_FILE_BYTES as usize + 1];
    assert!(matches!(
        import("big.csv", &bytes),
        Err(ImportError::TooLarge {
            bytes: 512_000_001,
            ..
        })
    ));
}

#[test]
fn a_header_of_ten_thousand_columns_is_refused_naming_the_line() {
    let mut csv = (0..10_000)
        .map(|column| format!("Column {column}"))
        .collect::<Vec<_>>()
        .join(",");
    csv.push_str("\n1,2,3\n");
    assert_eq!(
        refusal("wide.csv", csv.as_bytes()),
        "line 1 has 10,000 columns; Lens reads tables of up to 2,000 columns"
    );

    // The same, with a header Lens recognises: the width alone refuses it.
    assert!(matches!(
        import("wide-known.csv", wide_csv(9_996).as_bytes()),
        Err(ImportError::TooManyColumns {
            line: 1,
            columns: 10_000,
            limit: MAX_COLUMNS
        })
    ));

    // A ragged data row as wide is named by its own line.
    let mut ragged =
        String::from("Opportunity Name,Stage,Amount,Close Date\nA,Proposal,1,2026-03-01\n");
    ragged.push_str(&",".repeat(9_999));
    ragged.push('\n');
    assert_eq!(
        refusal("ragged.csv", ragged.as_bytes()),
        "line 3 has 10,000 columns; Lens reads tables of up to 2,000 columns"
    );

    // At the limit, the file is read.
    let report = import("limit.csv", wide_csv(MAX_COLUMNS - 4).as_bytes()).unwrap();
    assert_eq!((report.data_rows, report.stored_rows), (1, 1));
    assert_eq!(report.unused_columns.len(), MAX_COLUMNS - 4);
}

#[test]
fn a_workbook_ten_thousand_columns_wide_is_refused() {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for column in 0..10_000u16 {
        sheet
            .write_string(0, column, format!("Column {column}"))
            .unwrap();
    }
    sheet.write_string(1, 0, "1").unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    assert_eq!(
        refusal("wide.xlsx", &bytes),
        "line 1 has 10,000 columns; Lens reads tables of up to 2,000 columns"
    );
}

#[test]
fn a_ten_megabyte_cell_is_refused_naming_its_line_and_column() {
    let big = "x".repeat(10 * 1024 * 1024);
    let csv = format!(
        "Opportunity Name,Stage,Amount,Close Date,Description\n\
         Deal A,Proposal,100,2026-03-01,short\n\
         Deal B,Proposal,200,2026-03-02,\"{big}\"\n"
    );
    assert_eq!(
        refusal("big-cell.csv", csv.as_bytes()),
        "line 3, column 5: one cell holds 10.5 MB of text; Lens reads cells of up to 4 MB \
         (a quote that is opened and never closed makes the rest of a file one cell)"
    );

    // A quote opened on line 3 and never closed: the rest of the file is one cell.
    let mut csv = String::from(
        "Opportunity Name,Stage,Amount,Close Date\nDeal A,Proposal,100,2026-03-01\n\"Deal B,Proposal,200,2026-03-02\n",
    );
    for row in 0..120_000 {
        csv.push_str(&format!("Deal {row},Proposal,{row},2026-03-01\n"));
    }
    assert!(matches!(
        import("open-quote.csv", csv.as_bytes()),
        Err(ImportError::CellTooLarge {
            line: 3,
            column: 1,
            ..
        })
    ));

    // A cell of exactly the limit is read.
    let at_limit = "y".repeat(MAX_CELL_BYTES as usize);
    let csv = format!(
        "Opportunity Name,Stage,Amount,Close Date,Description\nDeal A,Proposal,100,2026-03-01,{at_limit}\n"
    );
    assert_eq!(import("limit.csv", csv.as_bytes()).unwrap().stored_rows, 1);
}

#[test]
fn mixed_line_endings_are_read_and_lines_counted_as_an_editor_shows_them() {
    // CRLF, LF and a lone CR in one file; the mistyped amount is on the fifth line.
    let csv = b"Opportunity Name,Stage,Amount,Close Date\r\n\
        Deal A,Proposal,100,2026-03-01\n\
        Deal B,Proposal,200,2026-03-02\r\
        Deal C,Proposal,300,2026-03-03\r\n\
        Deal D,Proposal,12O,2026-03-04\n";
    let report = import("mixed.csv", csv).unwrap();
    assert_eq!(
        (report.data_rows, report.stored_rows, report.rejected.len()),
        (4, 3, 1)
    );
    assert_eq!(
        report.rejected[0].to_string(),
        "line 5, column 3 (Amount): \"12O\" is not an amount"
    );
    let lines: Vec<u64> = report
        .data
        .opportunities
        .iter()
        .map(|deal| deal.source.line)
        .collect();
    assert_eq!(lines, vec![2, 3, 4]);
}

#[test]
fn a_header_only_file_is_refused() {
    for csv in [
        "Opportunity Name,Stage,Amount,Close Date\n",
        "Opportunity Name,Stage,Amount,Close Date",
        "Opportunity Name,Stage,Amount,Close Date\r\n\r\n\r\n",
    ] {
        assert_eq!(
            refusal("header-only.csv", csv.as_bytes()),
            "the file has a header but no data rows",
            "{csv:?}"
        );
    }
}

#[test]
fn a_german_salesforce_report_is_read_with_its_decimal_commas() {
    let csv = "Opportunity-Name;Betrag;Phase\n\
               Müller AG - Plattform;1.234,56;Verhandlung\n\
               Schmidt - Kasse;8.400,50;Closed Won\n\
               Weber - Lizenz;1.234;Verhandlung\n";
    let report = import("Bericht.csv", csv.as_bytes()).unwrap();
    assert_eq!(
        report.columns,
        vec![
            ("Opportunity-Name".to_string(), "name".to_string()),
            ("Betrag".to_string(), "amount".to_string()),
            ("Phase".to_string(), "stage".to_string()),
        ]
    );
    assert_eq!((report.data_rows, report.stored_rows), (3, 3));
    let amounts: Vec<Option<f64>> = report
        .data
        .opportunities
        .iter()
        .map(|deal| deal.amount)
        .collect();
    // "1.234" could be 1.234 or 1234; the file's other amounts write decimal commas, so it is
    // 1,234 euros, and the report says why.
    assert_eq!(amounts, vec![Some(1234.56), Some(8400.5), Some(1234.0)]);
    assert!(
        report.notes.contains(
            &"numbers read with a decimal comma, as \"1.234,56\" (line 2, Betrag) shows: \
              \"1.234\" (line 4, Betrag) is 1234"
                .to_string()
        ),
        "{:?}",
        report.notes
    );
}

#[test]
fn numbers_that_never_show_their_decimal_mark_read_with_a_point_unless_a_mapping_says_comma() {
    let csv =
        "Opportunity Name,Amount,Stage\nAlpha,25.000,Prospecting\nBeta,\"$1,200\",Prospecting\n";
    let amounts = |report: &ImportReport| -> Vec<Option<f64>> {
        report
            .data
            .opportunities
            .iter()
            .map(|deal| deal.amount)
            .collect()
    };
    let report = import("deals.csv", csv.as_bytes()).unwrap();
    assert_eq!(amounts(&report), vec![Some(25.0), Some(1200.0)]);
    assert!(
        report.notes.contains(
            &"no number shows the file's decimal mark, so \"25.000\" (line 2, Amount) is read \
              with a decimal point, as 25; with a decimal comma it would be 25000"
                .to_string()
        ),
        "{:?}",
        report.notes
    );

    let options = ImportOptions {
        mapping: Some(Mapping::from_toml("decimal_mark = \",\"\n").unwrap()),
        ..ImportOptions::default()
    };
    let report = import_file("deals.csv", csv.as_bytes(), &options).unwrap();
    assert_eq!(amounts(&report), vec![Some(25_000.0), Some(1.2)]);
    assert!(
        report.notes.iter().all(|note| !note.contains("decimal")),
        "{:?}",
        report.notes
    );
}

#[test]
fn a_report_in_a_language_lens_has_no_names_for_asks_for_a_mapping() {
    let csv =
        "商談名,取引先名,フェーズ,金額,完了予定日\nAlpha,Acme,提案,\"JPY 1,200,000\",2026/12/15\n";
    let error = import("report.csv", csv.as_bytes()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the columns do not match any format Lens reads (header: 商談名, 取引先名, フェーズ, \
         金額, 完了予定日); a mapping file can name the columns (see docs/mapping.md)"
    );
    // The panel's mapping form is built from these headers.
    assert_eq!(error.unmapped_headers().map(<[String]>::len), Some(5));
}
