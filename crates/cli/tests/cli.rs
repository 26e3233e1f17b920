//! The `lens` binary as a user runs it: its summary on real exports, its JSON, and its one-line
//! errors with a non-zero exit.

use std::path::PathBuf;
use std::process::{Command, Output};

/// The analysis's modules, in the order `lens analyze` and `lens review` give them.
const MODULES: [&str; 11] = [
    "cockpit",
    "forecast",
    "hygiene",
    "evidence",
    "patterns",
    "poc",
    "program",
    "renewals",
    "coaching",
    "territory",
    "plays",
];

fn data(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(relative)
}

fn lens(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lens"))
        .args(args)
        .output()
        .expect("the lens binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn import_prints_format_counts_and_notes_per_file() {
    let opportunities = data("salesforce-devorg-data-export/opportunity.csv");
    let history = data("salesforce-sample-opps-powerbi/OpportunityHistory.csv");
    let output = lens(&[
        "import",
        opportunities.to_str().unwrap(),
        history.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = stdout(&output);
    assert!(
        text.contains("  format    Salesforce Data Export: opportunities\n"),
        "{text}"
    );
    assert!(
        text.contains("  rows      31 data rows: 31 stored, 0 rejected\n"),
        "{text}"
    );
    assert!(
        text.contains("  format    Salesforce Data Export: opportunity history\n"),
        "{text}"
    );
    assert!(text.contains("  dates     month/day/year\n"), "{text}");
    assert!(
        text.contains("  rows      48 data rows: 48 stored, 0 rejected\n"),
        "{text}"
    );
    assert!(text.contains("  history   76 change events\n"), "{text}");
}

#[test]
fn json_lists_every_rejection() {
    let broken =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../core/tests/fixtures/broken_rows.csv");
    let output = lens(&["import", "--json", broken.to_str().unwrap()]);
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    let file = &json[0];
    assert_eq!(file["data_rows"], 7);
    assert_eq!(file["stored_rows"], 2);
    assert_eq!(file["rejected_rows"], 5);
    assert_eq!(file["records"]["opportunities"], 2);
    assert_eq!(file["rejected"][0]["line"], 3);
    assert_eq!(file["rejected"][0]["column_name"], "Amount");
    assert_eq!(file["rejected"][0]["reason"], "\"twelve\" is not an amount");
}

#[test]
fn unreadable_input_is_one_line_and_a_failure_exit() {
    let dir = std::env::temp_dir().join(format!("lens-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pdf = dir.join("pipeline.csv");
    std::fs::write(&pdf, b"%PDF-1.7\n%binary\n").unwrap();
    let missing = dir.join("missing.csv");
    let good = data("salesforce-devorg-data-export/account.csv");
    let output = lens(&[
        "import",
        pdf.to_str().unwrap(),
        missing.to_str().unwrap(),
        good.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let errors = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = errors.lines().collect();
    assert_eq!(lines.len(), 2, "{errors}");
    assert_eq!(
        lines[0],
        format!(
            "lens: {}: not a CSV or spreadsheet export: the file is a PDF document",
            pdf.display()
        )
    );
    assert!(
        lines[1].starts_with(&format!(
            "lens: {}: cannot read the file:",
            missing.display()
        )),
        "{errors}"
    );
    // The readable file is still reported.
    assert!(stdout(&output).contains("13 data rows: 13 stored, 0 rejected"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ambiguous_dates_ask_for_an_order_and_the_option_settles_them() {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures/sf_report_ambiguous_dates.csv");
    let output = lens(&["import", fixture.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("pass the date order explicitly (--date-order dmy or mdy)")
    );
    let output = lens(&["import", "--date-order", "dmy", fixture.to_str().unwrap()]);
    assert!(output.status.success());
    assert!(stdout(&output).contains("  dates     day/month/year\n"));
}

#[test]
fn a_bad_mapping_file_is_refused_before_any_import() {
    let dir = std::env::temp_dir().join(format!("lens-cli-mapping-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mapping = dir.join("mapping.toml");
    std::fs::write(&mapping, "[columns]\nsize = \"Deal Size\"\n").unwrap();
    let good = data("salesforce-devorg-data-export/account.csv");
    let output = lens(&[
        "import",
        "--mapping",
        mapping.to_str().unwrap(),
        good.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("[columns] size: not a field of opportunities")
    );
    assert!(output.stdout.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn analyze_json_carries_formula_population_and_rows_for_every_number() {
    let opportunities = data("salesforce-devorg-data-export/opportunity.csv");
    let history = data("salesforce-devorg-data-export/OpportunityHistory.csv");
    let output = lens(&[
        "analyze",
        "--json",
        "--as-of",
        "2023-10-28",
        "--plan",
        "500000",
        opportunities.to_str().unwrap(),
        history.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["settings"]["plan"], 500000.0);
    assert_eq!(json["inputs"]["current"]["opportunities"], 31);
    assert_eq!(json["inputs"]["history_events"], 62);
    let modules: Vec<&str> = json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["module"].as_str().unwrap())
        .collect();
    assert_eq!(modules, MODULES);
    let mut n_insights = 0;
    for section in json["sections"].as_array().unwrap() {
        for insight in section["insights"].as_array().unwrap() {
            n_insights += 1;
            assert!(!insight["formula"].as_str().unwrap().is_empty());
            if insight["population"]["n"].as_u64().unwrap() > 0 {
                let row = &insight["evidence"][0];
                assert!(row["source_file"].as_str().unwrap().ends_with(".csv"));
                assert!(row["line"].as_u64().unwrap() >= 2, "{insight}");
            }
        }
    }
    assert!(n_insights > 10, "{n_insights} insights");
    // The plan the user set is what coverage is held against.
    let coverage = json["sections"][0]["insights"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["measure"] == "pipeline_coverage")
        .unwrap();
    assert_eq!(coverage["reference"]["kind"], "setting");
    assert_eq!(coverage["reference"]["value"], 500000.0);
}

#[test]
fn analyze_without_an_opportunity_list_or_with_a_bad_setting_fails_in_one_line() {
    let opportunities = data("sfdc-assets-data-cloud-workshop/Opportunity.csv");
    let history = data("salesforce-devorg-data-export/OpportunityHistory.csv");
    // The Data Export has no date of its own, so it is a snapshot of the as-of date; history alone
    // is no opportunity list.
    let output = lens(&[
        "analyze",
        "--as-of",
        "2024-01-22",
        history.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "lens: no opportunity list was given, so there is nothing to describe as of 2024-01-22\n"
    );
    let output = lens(&[
        "analyze",
        "--as-of",
        "2024-01-22",
        "--fiscal-year-start",
        "13",
        opportunities.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "lens: setting fiscal_year_start_month: 13 is not a month (1–12)\n"
    );
    let output = lens(&[
        "analyze",
        "--as-of",
        "2024-01-22",
        "--plan",
        "NaN",
        opportunities.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "lens: setting plan: NaN is not an amount\n"
    );
}

#[test]
fn review_writes_markdown_csv_and_xlsx_that_agree_with_the_json() {
    use calamine::{Reader, Xlsx, open_workbook};

    let opportunities = data("salesforce-sample-opps-powerbi/Opportunity.csv");
    let history = data("salesforce-sample-opps-powerbi/OpportunityHistory.csv");
    let files = [opportunities.to_str().unwrap(), history.to_str().unwrap()];
    let out = std::env::temp_dir().join(format!("lens-review-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);

    let mut args = vec![
        "review",
        "--as-of",
        "2026-03-07",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(files);
    let output = lens(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listed = stdout(&output);
    for name in [
        "review.md",
        "review-about.csv",
        "review-cockpit.csv",
        "review-program.csv",
        "review.xlsx",
    ] {
        assert!(listed.contains(name), "{name} listed in {listed}");
        assert!(out.join(name).exists(), "{name} written");
    }

    let mut json_args = vec!["analyze", "--json", "--as-of", "2026-03-07"];
    json_args.extend(files);
    let analysis: serde_json::Value = serde_json::from_slice(&lens(&json_args).stdout).unwrap();
    let cockpit = analysis["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|section| section["module"] == "cockpit")
        .unwrap();
    let open_pipeline = cockpit["insights"]
        .as_array()
        .unwrap()
        .iter()
        .find(|insight| insight["key"] == "cockpit.open_pipeline.pipeline")
        .unwrap();
    let expected_value = open_pipeline["value"].as_f64().unwrap();

    // CSV: the header, then the open pipeline row with its raw value and formula.
    let csv = std::fs::read_to_string(out.join("review-cockpit.csv")).unwrap();
    assert!(csv.starts_with("key,measure,subject,value,shown as,text,formula,population n,"));
    let row = csv
        .lines()
        .find(|line| line.starts_with("cockpit.open_pipeline.pipeline,"))
        .expect("open pipeline row");
    assert!(row.contains(&format!(",{expected_value},")), "{row}");

    // Every module of the analysis has its section in the Markdown, its CSV file and its sheet,
    // in the analysis's order, after the about sheet.
    let sections = analysis["sections"].as_array().unwrap();
    let modules: Vec<&str> = sections
        .iter()
        .map(|section| section["module"].as_str().unwrap())
        .collect();
    assert_eq!(modules, MODULES);
    let markdown = std::fs::read_to_string(out.join("review.md")).unwrap();
    for section in sections {
        let title = section["title"].as_str().unwrap();
        assert!(
            markdown.contains(&format!("\n## {title}\n")),
            "no section {title} in review.md"
        );
        let key = section["module"].as_str().unwrap();
        let csv = std::fs::read_to_string(out.join(format!("review-{key}.csv"))).unwrap();
        // One row per insight after the header (a text may span lines, so count the keys).
        let n_insights = section["insights"].as_array().unwrap().len();
        let n_rows = csv
            .lines()
            .filter(|line| line.starts_with(&format!("{key}.")))
            .count();
        assert_eq!(n_rows, n_insights, "review-{key}.csv");
    }

    // The about sheet lists every setting, the modules' own among them.
    let about = std::fs::read_to_string(out.join("review-about.csv")).unwrap();
    for item in [
        "Lookback days,365",
        "Renewal window days,90",
        "Change point h,5",
        "Change point k,0.5",
        "Change point min weeks,4",
        "Control arm,control",
        "Experiment confidence,0.95",
        "Program targets,(none)",
        "Ramp months,0 (ramp not applied)",
    ] {
        assert!(about.contains(item), "{item} not in {about}");
    }

    // XLSX: a sheet per module; the same row holds the value as a number.
    let mut workbook: Xlsx<_> = open_workbook(out.join("review.xlsx")).unwrap();
    let names = workbook.sheet_names();
    let mut expected_names = vec!["about"];
    expected_names.extend(&modules);
    assert_eq!(names, expected_names);
    for key in &modules {
        let sheet = workbook.worksheet_range(key).unwrap();
        let n_insights = sections
            .iter()
            .find(|section| section["module"] == *key)
            .unwrap()["insights"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(sheet.rows().count(), n_insights + 1, "sheet {key}");
    }
    let sheet = workbook.worksheet_range("cockpit").unwrap();
    let row = sheet
        .rows()
        .find(|row| row[0] == "cockpit.open_pipeline.pipeline")
        .expect("open pipeline row in the sheet");
    assert_eq!(row[3], calamine::Data::Float(expected_value));
    std::fs::remove_dir_all(&out).unwrap();
}

/// Issue 7: CRM text that is markup or a spreadsheet formula stays text in every file of the
/// review pack: escaped in the Markdown, behind an apostrophe in the CSVs, a string cell (never a
/// formula) in the XLSX.
#[test]
fn r7_review_pack_keeps_markup_and_formulas_as_text() {
    use calamine::{Data, Reader, Xlsx, open_workbook};

    let dir = std::env::temp_dir().join(format!("lens-review-r7-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let name = "<img src=x onerror=alert(1)>[pay](javascript:alert(2))";
    let owner = "=HYPERLINK(\"https://sink.test/\",\"x\")";
    let input = dir.join("<svg onload=alert(3)>.csv");
    std::fs::write(
        &input,
        format!(
            "\"Opportunity ID\",\"Opportunity Name\",\"Opportunity Owner\",\"Stage\",\"Amount\",\"Close Date\"\n\
             \"006Lq00000XSS01AAA\",\"{name}\",\"{owner}\",\"Prospecting\",\"1000\",\"2026-01-05\"\n\
             \"006Lq00000XSS02AAA\",\"Plain deal\",\"Riley Jensen\",\"Prospecting\",\"2000\",\"2026-03-05\"\n",
            owner = owner.replace('"', "\"\"")
        ),
    )
    .unwrap();
    let out = dir.join("pack");
    let output = lens(&[
        "review",
        "--as-of",
        "2026-01-30",
        "--out",
        out.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let markdown = std::fs::read_to_string(out.join("review.md")).unwrap();
    assert!(
        markdown.contains("\\<img src=x onerror=alert(1)\\>\\[pay\\](javascript:alert(2))"),
        "{markdown}"
    );
    assert!(markdown.contains("(\\<svg onload=alert(3)\\>.csv, 2 opportunities)"));
    assert!(markdown.contains("=HYPERLINK(\"https\\://sink.test/\",\"x\")"));
    for (at, c) in markdown.match_indices(['<', '>', '[', ']']) {
        assert!(
            markdown[..at].ends_with('\\'),
            "{c} at byte {at} left unescaped"
        );
    }

    // Every CSV: no cell starts as a formula would; the owner's cell keeps its text after "'".
    let mut neutralised = 0;
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|extension| extension != "csv") {
            continue;
        }
        for cell in csv_cells(&std::fs::read_to_string(&path).unwrap()) {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{}: {cell:?}",
                path.display()
            );
            neutralised += usize::from(cell == format!("'{owner}"));
        }
    }
    assert!(neutralised > 0, "the owner's name appears, neutralised");

    // The XLSX holds the owner's name as a string cell, and no formula at all.
    let mut workbook: Xlsx<_> = open_workbook(out.join("review.xlsx")).unwrap();
    let mut as_text = 0;
    for sheet in workbook.sheet_names() {
        let range = workbook.worksheet_range(&sheet).unwrap();
        as_text += range
            .used_cells()
            .filter(|(_, _, cell)| **cell == Data::String(owner.to_string()))
            .count();
        let formulas = workbook.worksheet_formula(&sheet).unwrap();
        assert!(
            formulas
                .used_cells()
                .all(|(_, _, formula)| formula.is_empty()),
            "{sheet} has a formula"
        );
    }
    assert!(
        as_text > 0,
        "the owner's name appears as text in the workbook"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The cells of an RFC 4180 text (quoted cells unquoted), all rows together.
fn csv_cells(text: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => cells.push(std::mem::take(&mut cell)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                cells.push(std::mem::take(&mut cell));
            }
            (false, c) => cell.push(c),
        }
    }
    cells
}

#[test]
fn a_settings_file_sets_what_no_option_reaches_and_names_an_unknown_key() {
    let opportunities = data("salesforce-devorg-data-export/opportunity.csv");
    let dir = std::env::temp_dir().join(format!("lens-settings-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("settings.json");
    std::fs::write(
        &good,
        r#"{"control_arm": "baseline", "renewal_window_days": 30,
            "program_targets": [{"metric": "pilot_to_production", "baseline": 0.19, "target": 0.30}]}"#,
    )
    .unwrap();
    let output = lens(&[
        "analyze",
        "--json",
        "--as-of",
        "2023-10-28",
        "--plan",
        "1000",
        "--settings",
        good.to_str().unwrap(),
        opportunities.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["settings"]["control_arm"], "baseline");
    assert_eq!(json["settings"]["renewal_window_days"], 30);
    assert_eq!(json["settings"]["plan"], 1000.0);
    assert_eq!(json["settings"]["program_targets"][0]["target"], 0.30);

    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"renewal_window": 30}"#).unwrap();
    let output = lens(&[
        "analyze",
        "--as-of",
        "2023-10-28",
        "--settings",
        bad.to_str().unwrap(),
        opportunities.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.json: \"renewal_window\" is not a setting"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_reader_that_closes_the_pipe_early_is_no_failure() {
    // `lens analyze … | head -1`: the reader goes away before the output is written.
    let opportunities = data("salesforce-devorg-data-export/opportunity.csv");
    for args in [
        vec![
            "analyze",
            "--as-of",
            "2026-11-13",
            opportunities.to_str().unwrap(),
        ],
        vec!["import", opportunities.to_str().unwrap()],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lens"))
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the lens binary runs");
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}
