//! Golden tests of each export format on small fixtures (see `fixtures/SOURCE.md`), plus the
//! whole-file errors: every outcome rendered as text and compared with a reviewed expectation.

use std::fmt::Write;

use expect_test::{Expect, expect};
use lens_core::import::{DateOrder, ImportOptions, ImportReport, Mapping, import_file};

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The report as a reviewer reads it: summary, then one line per record.
fn render(report: &ImportReport) -> String {
    let mut out = String::new();
    writeln!(out, "format: {}", report.format).unwrap();
    writeln!(
        out,
        "as of: {:?} ({:?}); dates: {:?}",
        report.as_of, report.as_of_source, report.date_order
    )
    .unwrap();
    writeln!(
        out,
        "rows: {} = {} stored + {} rejected",
        report.data_rows,
        report.stored_rows,
        report.rejected.len()
    )
    .unwrap();
    for rejection in &report.rejected {
        writeln!(out, "rejected: {rejection}").unwrap();
    }
    for note in &report.notes {
        writeln!(out, "note: {note}").unwrap();
    }
    if !report.unused_columns.is_empty() {
        writeln!(out, "unused: {}", report.unused_columns.join(", ")).unwrap();
    }
    for deal in &report.data.opportunities {
        let evidence: Vec<String> = deal
            .evidence
            .iter()
            .map(|(field, value)| format!("{field}={}", value.as_deref().unwrap_or("-")))
            .collect();
        writeln!(
            out,
            "opp @{} {} \"{}\" acct={:?} owner={:?} stage={:?}#{:?} {:?} fc={:?} amount={:?} {:?} p={:?} close={:?} created={:?} [{}]",
            deal.source.line,
            deal.id,
            deal.name,
            deal.account_name,
            deal.owner,
            deal.stage,
            deal.stage_order,
            deal.status,
            deal.forecast_category.as_ref().map(|category| category.label()),
            deal.amount,
            deal.currency,
            deal.probability,
            deal.close_date,
            deal.created_date,
            evidence.join(", "),
        )
        .unwrap();
    }
    for event in &report.data.history {
        writeln!(
            out,
            "event @{} {} {:?}: {:?} -> {:?} at {} by {:?}",
            event.source.line,
            event.opportunity_id,
            event.field,
            event.old_value,
            event.new_value,
            event.at,
            event.by
        )
        .unwrap();
    }
    out
}

#[track_caller]
fn check(name: &str, options: &ImportOptions, expect: Expect) {
    let actual = match import_file(name, &fixture(name), options) {
        Ok(report) => {
            assert_eq!(
                report.stored_rows + report.rejected.len(),
                report.data_rows,
                "{name}: accounting"
            );
            render(&report)
        }
        Err(error) => format!("error: {error}\n"),
    };
    expect.assert_eq(&actual);
}

fn defaults() -> ImportOptions {
    ImportOptions::default()
}

#[test]
fn salesforce_report_day_first_with_footer_and_duplicate_headers() {
    check(
        "sf_report_dmy.csv",
        &defaults(),
        expect![[r#"
            format: Salesforce report (Details Only): opportunities
            as of: Some(2026-11-13) (Some(ReportFooter)); dates: Some(DayFirst)
            rows: 3 = 3 stored + 0 rejected
            note: column 22 repeats the header "Opportunity ID"; the first one is read
            note: report footer of 5 line(s) from line 6 stripped
            unused: Assigned SE, Fiscal Period, Age, ACV Preview, ACV Preview (USD), Close Date (2), Total Sales Cycle Age, Lost Reason, Why did we lose?, Opportunity ID
            opp @2 0065g00000AbCdEAAA "Northwind - Platform Renewal" acct=Some("Northwind Traders") owner=None stage=Some("Negotiation/Review")#None Open fc=Some("Commit") amount=Some(485000.0) Some("USD") p=Some(90.0) close=Some(2026-09-30) created=Some(2025-10-16) []
            opp @3 0065g00000AbCdFAAA "Contoso - Analytics Add-on" acct=Some("Contoso Ltd") owner=None stage=Some("Qualification")#None Open fc=Some("Pipeline") amount=Some(72500.5) Some("USD") p=Some(20.0) close=Some(2026-12-04) created=Some(2026-08-03) []
            opp @4 0065g00000AbCdGAAA "Fabrikam - Expansion" acct=Some("Fabrikam") owner=None stage=Some("Closed Lost")#None Lost fc=Some("Omitted") amount=Some(15000.0) Some("USD") p=Some(0.0) close=Some(2026-06-15) created=Some(2026-02-01) []
        "#]],
    );
}

#[test]
fn salesforce_report_multi_currency_with_grand_totals_footer() {
    check(
        "sf_report_multicurrency.csv",
        &defaults(),
        expect![[r#"
            format: Salesforce report (Details Only): opportunities
            as of: Some(2026-11-13) (Some(ReportFooter)); dates: Some(MonthFirst)
            rows: 3 = 3 stored + 0 rejected
            note: report footer of 6 line(s) from line 6 stripped
            unused: Fiscal Period
            opp @2 name:Acme Corp/Acme - Expansion "Acme - Expansion" acct=Some("Acme Corp") owner=Some("Dana Whitfield") stage=Some("Proposal/Price Quote")#None Open fc=Some("Best Case") amount=Some(250000.0) Some("USD") p=None close=Some(2026-11-20) created=None []
            opp @3 name:Initech GmbH/Initech - Platform "Initech - Platform" acct=Some("Initech GmbH") owner=Some("Jonas Weber") stage=Some("Closed Won")#None Won fc=Some("Closed") amount=Some(98000.0) Some("EUR") p=None close=Some(2026-09-30) created=None []
            opp @4 name:Globex KK/Globex - Pilot "Globex - Pilot" acct=Some("Globex KK") owner=Some("Mei Lin") stage=Some("Prospecting")#None Open fc=Some("Pipeline") amount=Some(12500000.0) Some("JPY") p=None close=Some(2027-02-14) created=None []
        "#]],
    );
}

#[test]
fn ambiguous_dates_stop_the_import_until_an_order_is_given() {
    check(
        "sf_report_ambiguous_dates.csv",
        &defaults(),
        expect![[r#"
        error: line 2, column 4 (Close Date): the date "03/04/2026" could be day/month or month/day and no date in the file settles it; pass the date order explicitly (--date-order dmy or mdy)
    "#]],
    );
    let day_first = ImportOptions {
        date_order: DateOrder::DayFirst,
        ..defaults()
    };
    check(
        "sf_report_ambiguous_dates.csv",
        &day_first,
        expect![[r#"
        format: Salesforce report (Details Only): opportunities
        as of: None (None); dates: Some(DayFirst)
        rows: 2 = 2 stored + 0 rejected
        opp @2 name:Alpha "Alpha" acct=None owner=None stage=Some("Prospecting")#None Open fc=None amount=Some(1000.0) Some("USD") p=None close=Some(2026-04-03) created=Some(2026-02-01) []
        opp @3 name:Beta "Beta" acct=None owner=None stage=Some("Qualification")#None Open fc=None amount=Some(2000.0) Some("USD") p=None close=Some(2026-06-05) created=Some(2026-03-02) []
    "#]],
    );
}

#[test]
fn german_labels_semicolons_and_dotted_dates() {
    check(
        "sf_report_german.csv",
        &defaults(),
        expect![[r#"
            format: CSV with mapped columns: opportunities
            as of: None (None); dates: None
            rows: 2 = 2 stored + 0 rejected
            note: fields separated by semicolons
            opp @2 name:Müller AG/Müller AG - Plattform "Müller AG - Plattform" acct=Some("Müller AG") owner=None stage=Some("Verhandlung")#None Open fc=Some("Best Case") amount=Some(120000.0) Some("EUR") p=Some(75.0) close=Some(2026-12-15) created=Some(2026-09-02) []
            opp @3 name:Bäckerei Schmidt/Bäckerei Schmidt - Kasse "Bäckerei Schmidt - Kasse" acct=Some("Bäckerei Schmidt") owner=None stage=Some("Closed Won")#None Won fc=Some("Closed") amount=Some(8400.5) Some("EUR") p=Some(100.0) close=Some(2026-10-30) created=Some(2026-08-01) []
        "#]],
    );
}

#[test]
fn hubspot_deals_with_stage_dates() {
    check(
        "hubspot_deals.csv",
        &defaults(),
        expect![[r#"
        format: HubSpot export: opportunities
        as of: None (None); dates: None
        rows: 3 = 3 stored + 0 rejected
        unused: Pipeline
        opp @2 18230114512 "Hooli - Annual plan" acct=None owner=Some("Avery Brooks") stage=Some("Contract Sent")#None Open fc=None amount=Some(48000.0) None p=None close=Some(2026-11-30) created=Some(2026-08-03) []
        opp @3 18230114513 "Pied Piper - Seats" acct=None owner=Some("Avery Brooks") stage=Some("Closed Won")#None Won fc=None amount=Some(12500.5) None p=None close=Some(2026-10-15) created=Some(2026-07-01) []
        opp @4 18230114514 "Initrode - Pilot" acct=None owner=Some("Sam Ortiz") stage=Some("Appointment Scheduled")#None Open fc=None amount=None None p=None close=Some(2026-12-31) created=Some(2026-11-10) []
        event @2 18230114512 Stage: None -> Some("Appointment Scheduled") at 2026-08-03 09:12:00 by None
        event @2 18230114512 Stage: Some("Appointment Scheduled") -> Some("Qualified To Buy") at 2026-08-20 11:00:00 by None
        event @2 18230114512 Stage: Some("Qualified To Buy") -> Some("Contract Sent") at 2026-10-28 16:45:00 by None
        event @3 18230114513 Stage: None -> Some("Appointment Scheduled") at 2026-07-01 08:00:00 by None
        event @3 18230114513 Stage: Some("Appointment Scheduled") -> Some("Qualified To Buy") at 2026-07-10 08:00:00 by None
        event @3 18230114513 Stage: Some("Qualified To Buy") -> Some("Contract Sent") at 2026-09-01 12:00:00 by None
        event @3 18230114513 Stage: Some("Contract Sent") -> Some("Closed Won") at 2026-10-15 10:02:00 by None
        event @4 18230114514 Stage: None -> Some("Appointment Scheduled") at 2026-11-10 14:00:00 by None
    "#]],
    );
}

#[test]
fn dynamics_opportunities() {
    check(
        "dynamics_opportunities.csv",
        &defaults(),
        expect![[r#"
        format: Dynamics 365 export: opportunities
        as of: None (None); dates: Some(MonthFirst)
        rows: 3 = 3 stored + 0 rejected
        unused: (Do Not Modify) Row Checksum, (Do Not Modify) Modified On
        opp @2 5f0e8d2a-1c3b-4e6f-9a7b-2d4c6e8f0a1b "Adventure Works - Fleet renewal" acct=Some("Adventure Works") owner=Some("Robin Hale") stage=Some("3-Propose")#None Open fc=Some("Commit") amount=Some(140000.0) None p=Some(60.0) close=Some(2026-12-15) created=None []
        opp @3 0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d "Wingtip Toys - New stores" acct=Some("Wingtip Toys") owner=Some("Robin Hale") stage=Some("4-Close")#None Won fc=Some("Closed") amount=Some(36250.0) None p=Some(100.0) close=Some(2026-10-30) created=None []
        opp @4 1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e "Coho Winery - Pilot" acct=Some("Coho Winery") owner=Some("Kai Moreno") stage=Some("2-Develop")#None Lost fc=Some("Closed") amount=Some(9900.0) None p=Some(0.0) close=Some(2026-09-30) created=None []
    "#]],
    );
}

#[test]
fn salesforce_field_history() {
    check(
        "sf_field_history.csv",
        &defaults(),
        expect![[r#"
        format: Salesforce Data Export: opportunity field history
        as of: None (None); dates: None
        rows: 5 = 5 stored + 0 rejected
        unused: Id, DataType
        event @2 006Hp000015Yh7kIAC Created: None -> None at 2026-09-01 10:00:00 by Some("005Hp00000hnUYPIA2")
        event @3 006Hp000015Yh7kIAC Stage: Some("Prospecting") -> Some("Qualification") at 2026-09-10 11:30:00 by Some("005Hp00000hnUYPIA2")
        event @4 006Hp000015Yh7kIAC CloseDate: Some("2026-10-31") -> Some("2026-12-15") at 2026-09-12 09:00:00 by Some("005Hp00000hnUYPIA2")
        event @5 006Hp000015Yh7kIAC Amount: Some("15000") -> Some("22000") at 2026-09-12 09:00:00 by Some("005Hp00000hnUYPIA2")
        event @6 006Hp000015Yh7kIAC Other("Economic_Buyer__c"): None -> Some("Dana CFO") at 2026-09-15 09:00:00 by Some("005Hp00000hnUYPIA2")
    "#]],
    );
}

#[test]
fn generic_csv_through_a_mapping_file() {
    let mapping =
        Mapping::from_toml(std::str::from_utf8(&fixture("generic_pipeline.toml")).unwrap())
            .unwrap();
    let options = ImportOptions {
        mapping: Some(mapping),
        ..defaults()
    };
    check(
        "generic_pipeline.csv",
        &options,
        expect![[r#"
            format: CSV with mapped columns: opportunities
            as of: None (None); dates: None
            rows: 4 = 4 stored + 0 rejected
            opp @2 name:Orbit Inc/Orbit - Renewal "Orbit - Renewal" acct=Some("Orbit Inc") owner=Some("Lee") stage=Some("Signed")#Some(3) Won fc=None amount=Some(30000.0) None p=None close=Some(2026-10-01) created=Some(2026-06-01) [Economic Buyer=Pat Kim, Security Review=Approved]
            opp @3 name:Nova LLC/Nova - New "Nova - New" acct=Some("Nova LLC") owner=Some("Lee") stage=Some("Proposal")#Some(2) Open fc=None amount=Some(12000.0) None p=None close=Some(2026-12-01) created=Some(2026-09-15) [Economic Buyer=-, Security Review=In review]
            opp @4 name:Zephyr/Zephyr - Upsell "Zephyr - Upsell" acct=Some("Zephyr") owner=Some("Ana") stage=Some("Dead")#None Lost fc=None amount=Some(5500.0) None p=None close=Some(2026-09-01) created=Some(2026-05-20) [Economic Buyer=-, Security Review=-]
            opp @5 name:Quasar/Quasar - Pilot "Quasar - Pilot" acct=Some("Quasar") owner=Some("Ana") stage=Some("No decision")#None Open fc=None amount=Some(7000.0) None p=None close=Some(2026-08-15) created=Some(2026-04-02) [Economic Buyer=-, Security Review=-]
        "#]],
    );
}

#[test]
fn generic_csv_without_a_mapping_is_refused_with_its_header() {
    check(
        "generic_pipeline.csv",
        &defaults(),
        expect![[r#"
        error: the columns do not match any format Lens reads (header: Deal, Client, Rep, Phase, Total Value, Expected Close, Opened, EB Name, InfoSec Status); a mapping file can name the columns (see docs/mapping.md)
    "#]],
    );
}

#[test]
fn every_broken_row_is_listed_with_line_column_and_reason() {
    check(
        "broken_rows.csv",
        &defaults(),
        expect![[r#"
        format: Salesforce report (Details Only): opportunities
        as of: None (None); dates: Some(MonthFirst)
        rows: 7 = 2 stored + 5 rejected
        rejected: line 3, column 4 (Amount): "twelve" is not an amount
        rejected: line 4, column 5 (Close Date): "02/30/2026" is not a date
        rejected: line 5: the row has 4 fields and the header has 5
        rejected: line 6, column 1 (Opportunity ID): no opportunity id and no name
        rejected: line 7, column 1 (Opportunity ID): the opportunity 006A already appears on line 2
        opp @2 006A "Alpha" acct=None owner=None stage=Some("Prospecting")#None Open fc=None amount=Some(1000.0) Some("USD") p=None close=Some(2026-10-16) created=None []
        opp @8 006G "Gamma
        with a line break" acct=None owner=None stage=Some("Negotiation/Review")#None Open fc=None amount=Some(7000.0) Some("USD") p=None close=Some(2026-11-03) created=None []
    "#]],
    );
}

#[test]
fn as_of_given_by_the_caller_overrides_the_footer() {
    let options = ImportOptions {
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 6),
        ..defaults()
    };
    let report = import_file("sf_report_dmy.csv", &fixture("sf_report_dmy.csv"), &options).unwrap();
    assert_eq!(
        (report.as_of, report.as_of_source),
        (options.as_of, Some(lens_core::import::AsOfSource::Option))
    );
}

#[track_caller]
fn check_bytes(bytes: &[u8], expect: Expect) {
    let actual = match import_file("input", bytes, &defaults()) {
        Ok(report) => render(&report),
        Err(error) => format!("error: {error}\n"),
    };
    expect.assert_eq(&actual);
}

#[test]
fn whole_file_errors_are_one_clear_sentence() {
    check_bytes(
        b"",
        expect![[r#"
        error: the file is empty (0 bytes)
    "#]],
    );
    check_bytes(
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        expect![[r#"
        error: not a CSV or spreadsheet export: the file is a PDF document
    "#]],
    );
    check_bytes(
        b"PK\x03\x04\x14\x00\x00\x00not really a workbook",
        expect![[r#"
        error: the workbook could not be read: a ZIP archive but not a readable XLSX/ODS workbook (Cannot detect file format)
    "#]],
    );
    check_bytes(
        b"\"Opportunity Name\",\"Stage\",\"Amount\"\n",
        expect![[r#"
        error: the file has a header but no data rows
    "#]],
    );
    check_bytes(
        b"\n\n\n",
        expect![[r#"
        error: no header row found
    "#]],
    );
    check_bytes(
        b"\"Opportunity Name\",\"Stage\",\"Amount\"\n\"unterminated,\"Prospecting\",\"1\n",
        expect![[r#"
        format: Salesforce report (Details Only): opportunities
        as of: None (None); dates: None
        rows: 1 = 0 stored + 1 rejected
        rejected: line 2: the row has 2 fields and the header has 3
    "#]],
    );
    check_bytes(
        b"\"Opportunity Name\",\"Stage\",\"Close Date\"\n\"A\",\"Prospecting\",\"16/10/2026\"\n\"B\",\"Prospecting\",\"10/16/2026\"\n",
        expect![[r#"
            error: the dates mix two orders: "16/10/2026" (line 2, Close Date) is only valid day first, "10/16/2026" (line 3, Close Date) only month first
        "#]],
    );
}

#[test]
fn windows_1252_export_is_decoded() {
    // "Société Générale – Q4" in Windows-1252 (é = 0xE9, en dash = 0x96).
    let bytes = b"\"Id\",\"Name\",\"StageName\",\"Amount\"\n\"006X\",\"Soci\xe9t\xe9 G\xe9n\xe9rale \x96 Q4\",\"Prospecting\",\"1000\"\n";
    check_bytes(
        bytes,
        expect![[r#"
        format: Salesforce Data Export: opportunities
        as of: None (None); dates: None
        rows: 1 = 1 stored + 0 rejected
        note: not valid UTF-8: decoded as Windows-1252 (Latin-1)
        opp @2 006X "Société Générale – Q4" acct=None owner=None stage=Some("Prospecting")#None Open fc=None amount=Some(1000.0) None p=None close=None created=None []
    "#]],
    );
}

/// A Salesforce-style XLSX report: title and filter rows above the header, typed date and number
/// cells, and the footer below the data.
fn report_workbook() -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut workbook = Workbook::new();
    let date_format = Format::new().set_num_format("mm/dd/yyyy");
    let sheet = workbook.add_worksheet();
    sheet.set_name("Opportunities by Rep").unwrap();
    sheet.write_string(0, 0, "Opportunities by Rep").unwrap();
    sheet
        .write_string(1, 0, "Filtered By: Close Date equals THIS FISCAL YEAR")
        .unwrap();
    let headers = [
        "Opportunity Owner",
        "Opportunity Name",
        "Stage",
        "Amount",
        "Close Date",
        "Probability (%)",
    ];
    for (column, header) in headers.iter().enumerate() {
        sheet.write_string(3, column as u16, *header).unwrap();
    }
    let rows = [
        (
            "Dana Whitfield",
            "Acme - Expansion",
            "Proposal/Price Quote",
            250_000.0,
            (2026, 11, 20),
            75.0,
        ),
        (
            "Jonas Weber",
            "Initech - Platform",
            "Closed Won",
            98_000.5,
            (2026, 9, 30),
            100.0,
        ),
    ];
    for (idx, (owner, name, stage, amount, (year, month, day), probability)) in
        rows.iter().enumerate()
    {
        let row = 4 + idx as u32;
        sheet.write_string(row, 0, *owner).unwrap();
        sheet.write_string(row, 1, *name).unwrap();
        sheet.write_string(row, 2, *stage).unwrap();
        sheet.write_number(row, 3, *amount).unwrap();
        let date = ExcelDateTime::from_ymd(*year, *month, *day).unwrap();
        sheet
            .write_datetime_with_format(row, 4, &date, &date_format)
            .unwrap();
        sheet.write_number(row, 5, *probability).unwrap();
    }
    // A row whose amount is text that is not a number: rejected, not lost.
    sheet.write_string(6, 0, "Mei Lin").unwrap();
    sheet.write_string(6, 1, "Globex - Pilot").unwrap();
    sheet.write_string(6, 2, "Prospecting").unwrap();
    sheet.write_string(6, 3, "TBD").unwrap();
    sheet
        .write_string(8, 0, "Confidential Information - Do Not Distribute")
        .unwrap();
    sheet
        .write_string(
            9,
            0,
            "Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.",
        )
        .unwrap();
    sheet
        .write_string(10, 0, "Generated By:  Dana Whitfield  11/13/2026 7:02 AM")
        .unwrap();
    workbook.save_to_buffer().unwrap()
}

#[test]
fn salesforce_report_xlsx_with_title_rows_and_footer() {
    let report = import_file("report.xlsx", &report_workbook(), &defaults()).unwrap();
    expect![[r#"
        format: Salesforce report (Details Only): opportunities
        as of: Some(2026-11-13) (Some(ReportFooter)); dates: Some(MonthFirst)
        rows: 3 = 2 stored + 1 rejected
        rejected: line 7, column 4 (Amount): "TBD" is not an amount
        note: read sheet "Opportunities by Rep"
        note: 2 row(s) above the header skipped (report title or filters)
        note: report footer of 4 line(s) from line 8 stripped
        opp @5 name:Acme - Expansion "Acme - Expansion" acct=None owner=Some("Dana Whitfield") stage=Some("Proposal/Price Quote")#None Open fc=None amount=Some(250000.0) None p=Some(75.0) close=Some(2026-11-20) created=None []
        opp @6 name:Initech - Platform "Initech - Platform" acct=None owner=Some("Jonas Weber") stage=Some("Closed Won")#None Won fc=None amount=Some(98000.5) None p=Some(100.0) close=Some(2026-09-30) created=None []
    "#]]
    .assert_eq(&render(&report));
}

#[test]
fn a_dated_opportunity_import_is_a_snapshot() {
    let report = import_file(
        "sf_report_dmy.csv",
        &fixture("sf_report_dmy.csv"),
        &defaults(),
    )
    .unwrap();
    let snapshot = report
        .into_snapshot()
        .expect("opportunities with a footer date");
    assert_eq!(
        snapshot.as_of,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 13).unwrap()
    );
    assert_eq!(
        (&*snapshot.source_file, snapshot.opportunities.len()),
        ("sf_report_dmy.csv", 3)
    );
    // Without an as-of date there is no snapshot: Lens does not date it by the clock.
    let undated = import_file(
        "hubspot_deals.csv",
        &fixture("hubspot_deals.csv"),
        &defaults(),
    )
    .unwrap();
    assert_eq!(undated.into_snapshot(), None);
}

#[test]
fn deals_without_ids_are_told_apart_by_account_and_name() {
    let bytes = b"\"Account Name\",\"Opportunity Name\",\"Stage\",\"Amount\"\n\
                  \"Acme\",\"Renewal 2026\",\"Prospecting\",\"100\"\n\
                  \"Globex\",\"Renewal 2026\",\"Prospecting\",\"200\"\n\
                  \"Acme\",\"Renewal 2026\",\"Qualification\",\"300\"\n";
    let report = import_file("report.csv", bytes, &defaults()).unwrap();
    let ids: Vec<&str> = report
        .data
        .opportunities
        .iter()
        .map(|deal| deal.id.as_str())
        .collect();
    assert_eq!(
        ids,
        vec!["name:Acme/Renewal 2026", "name:Globex/Renewal 2026"]
    );
    assert_eq!(
        report.rejected[0].to_string(),
        "line 4, column 2 (Opportunity Name): the opportunity name:Acme/Renewal 2026 already appears on line 2"
    );
}

#[test]
fn closed_without_won_or_lost_is_rejected_and_probability_stays_in_range() {
    let bytes = b"Id,Name,StageName,IsClosed,Probability\n\
                  006A,Alpha,Signed,1,100\n\
                  006B,Beta,Closed Won,1,100\n\
                  006C,Gamma,Proposal,0,140\n";
    let report = import_file("Opportunity.csv", bytes, &defaults()).unwrap();
    let reasons: Vec<String> = report.rejected.iter().map(ToString::to_string).collect();
    assert_eq!(
        reasons,
        vec![
            "line 2, column 4 (IsClosed): the deal is closed but neither its stage nor a status column says won or lost (a mapping's [stages] won/lost lists can say it)",
            "line 4, column 5 (Probability): the probability 140 is outside 0–100",
        ]
    );
    assert_eq!(
        report.data.opportunities[0].status,
        lens_core::model::DealStatus::Won
    );
}

#[test]
fn history_keeps_cleared_values_and_same_minute_stage_order() {
    let history = b"Id,OpportunityId,CreatedDate,StageName,Amount,CloseDate\n\
                    008A,006A,2026-09-01 10:00:00,Prospecting,1000,2026-12-01\n\
                    008B,006A,2026-09-02 10:00:00,Prospecting,,2026-12-01\n";
    let report = import_file("OpportunityHistory.csv", history, &defaults()).unwrap();
    let amounts: Vec<(Option<&str>, Option<&str>)> = report
        .data
        .history
        .iter()
        .filter(|event| event.field == lens_core::model::HistoryField::Amount)
        .map(|event| (event.old_value.as_deref(), event.new_value.as_deref()))
        .collect();
    assert_eq!(amounts, vec![(Some("1000"), None)]);

    let hubspot = b"\"Record ID\",\"Deal Name\",\"Deal Stage\",\"Date entered Qualified To Buy (Sales Pipeline)\",\"Date entered Contract Sent (Sales Pipeline)\"\n\
                    \"1\",\"Hooli\",\"Contract Sent\",\"2026-08-20 11:00\",\"2026-08-20 11:00\"\n";
    let report = import_file("hubspot.csv", hubspot, &defaults()).unwrap();
    let moves: Vec<(Option<&str>, Option<&str>)> = report
        .data
        .history
        .iter()
        .map(|event| (event.old_value.as_deref(), event.new_value.as_deref()))
        .collect();
    assert_eq!(
        moves,
        vec![
            (None, Some("Qualified To Buy")),
            (Some("Qualified To Buy"), Some("Contract Sent"))
        ]
    );
}

#[test]
fn a_mapping_finds_its_header_below_title_rows() {
    let bytes = b"Pipeline export\nExported 2026-11-13\nDeal,Phase,Total Value\nOrbit,Proposal,\"30,000\"\n";
    let mapping = Mapping::from_toml(
        "[columns]\nname = \"Deal\"\nstage = \"Phase\"\namount = \"Total Value\"\n",
    )
    .unwrap();
    let options = ImportOptions {
        mapping: Some(mapping),
        ..defaults()
    };
    let report = import_file("pipeline.csv", bytes, &options).unwrap();
    assert_eq!((report.data_rows, report.stored_rows), (1, 1));
    assert_eq!(
        report.notes,
        vec!["2 row(s) above the header skipped (report title or filters)"]
    );
    // A column the mapping names that no row has is still reported.
    let mapping = Mapping::from_toml("[columns]\nname = \"Deal\"\namount = \"Value\"\n").unwrap();
    let error = import_file(
        "pipeline.csv",
        bytes,
        &ImportOptions {
            mapping: Some(mapping),
            ..defaults()
        },
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "the mapping does not fit: the column \"Value\" named for amount is not in the header"
    );
}

#[test]
fn program_milestones_without_a_pilot_column_are_still_milestones() {
    let bytes = b"account_id,security_review_start,security_review_end,contract_date,churn_date\nA1,2026-03-01,2026-03-20,2026-04-01,\n";
    let report = import_file("milestones.csv", bytes, &defaults()).unwrap();
    assert_eq!(
        report.format.kind,
        lens_core::import::TableKind::ProgramMilestones
    );
    assert_eq!(report.stored_rows, 1);
}

#[test]
fn workbooks_claiming_huge_sheets_are_refused_not_allocated() {
    check(
        "huge_used_area.xlsx",
        &defaults(),
        expect![[r#"
        error: the workbook could not be read: sheet "Sheet1": the used area of 1048576 rows × 16384 columns is larger than Lens reads (50000000 cells); save the data alone as CSV
    "#]],
    );
    check(
        "row_beyond_limit.xlsx",
        &defaults(),
        expect![[r#"
        error: the workbook could not be read: sheet "Sheet1": a cell lies beyond Excel's limits (row 999999999, column 6)
    "#]],
    );
}

#[test]
fn a_missing_required_column_fails_the_file_once() {
    check_bytes(
        b"subscription_id,start_date,end_date\nS-1,2026-01-01,2026-12-31\nS-2,2026-02-01,\n",
        expect![[r#"
            error: the subscriptions table has no account_id column; a mapping file can name it (see docs/mapping.md)
        "#]],
    );
}

#[test]
fn trailing_empty_header_cells_name_no_column() {
    check_bytes(
        b"Id,Name,StageName,Amount,,\n006A,Alpha,Prospecting,100\n006B,Beta,Prospecting,200,,\n",
        expect![[r#"
        format: Salesforce Data Export: opportunities
        as of: None (None); dates: None
        rows: 2 = 2 stored + 0 rejected
        opp @2 006A "Alpha" acct=None owner=None stage=Some("Prospecting")#None Open fc=None amount=Some(100.0) None p=None close=None created=None []
        opp @3 006B "Beta" acct=None owner=None stage=Some("Prospecting")#None Open fc=None amount=Some(200.0) None p=None close=None created=None []
    "#]],
    );
}
