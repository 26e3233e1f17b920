//! Module 11, the record view: finding the record (by id, by the 15-character id, by name, not at
//! all), its history from history rows and from snapshots, its evidence fields, its place in the
//! distributions of open deals, and how a CRM page differs from the import. Expectations are
//! computed by hand in the comments beside them.

use chrono::{NaiveDate, NaiveDateTime};
use lens_core::insight::{
    Comparison, Dataset, HistoryLog, Index, PageField, PageRecord, RecordMatch, RecordView,
    Reference, Settings, lexicon, read_page, record_view,
};
use lens_core::model::{
    DealStatus, ForecastCategory, HistoryEvent, HistoryField, Opportunity, Snapshot, SourceRef,
};

const ID: &str = "006Hp000015Yh7kIAC";

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}

fn opp(id: &str, name: &str, stage: &str, amount: f64, line: u64) -> Opportunity {
    Opportunity {
        id: id.into(),
        name: name.into(),
        account_name: Some("Acme Corp".into()),
        owner: Some("Dana Whitfield".into()),
        stage: Some(stage.into()),
        status: DealStatus::Open,
        forecast_category: Some(ForecastCategory::BestCase),
        amount: Some(amount),
        currency: Some("USD".into()),
        probability: Some(60.0),
        close_date: Some(date("2026-04-03")),
        source: SourceRef { line },
        ..Default::default()
    }
}

/// The record (`ID`, "Acme - Expansion", USD 485,000 in Proposal/Price Quote) and three other open
/// deals of the same stage, in one snapshot of 2026-11-13.
fn one_snapshot() -> Dataset {
    let mut record = opp(ID, "Acme - Expansion", "Proposal/Price Quote", 485_000.0, 2);
    record
        .evidence
        .insert("Economic Buyer", Some("Dana CFO".into()));
    record.evidence.insert("Champion", None);
    record.last_activity_date = Some(date("2026-11-03"));
    let mut others = vec![
        opp("006A", "Globex - New", "Proposal/Price Quote", 100_000.0, 3),
        opp(
            "006B",
            "Initech - Renewal",
            "Proposal/Price Quote",
            200_000.0,
            4,
        ),
        opp(
            "006C",
            "Umbrella - Pilot",
            "Proposal/Price Quote",
            600_000.0,
            5,
        ),
        opp(
            "006D",
            "Hooli - Expansion",
            "Negotiation/Review",
            50_000.0,
            6,
        ),
    ];
    others[0].last_activity_date = Some(date("2026-11-12"));
    others[1].last_activity_date = Some(date("2026-10-14"));
    let mut opportunities = vec![record];
    opportunities.append(&mut others);
    Dataset {
        snapshots: vec![Snapshot {
            as_of: date("2026-11-13"),
            source_file: "report.csv".into(),
            opportunities,
        }],
        ..Dataset::default()
    }
}

fn settings() -> Settings {
    Settings::new(date("2026-11-13"))
}

fn page(name: &str, fields: &[(&str, &str)]) -> PageRecord {
    PageRecord {
        record_id: Some(ID.into()),
        name: Some(name.into()),
        fields: fields
            .iter()
            .map(|(label, value)| PageField {
                label: label.to_string(),
                value: value.to_string(),
            })
            .collect(),
    }
}

fn check_wording(view: &RecordView) {
    let mut texts = vec![view.match_text.clone(), view.history_text.clone()];
    texts.extend(view.evidence_fields.iter().map(|f| f.text.clone()));
    texts.extend(view.positions.iter().map(|p| p.text.clone()));
    texts.extend(view.page_fields.iter().map(|p| p.text.clone()));
    texts.extend(view.notes.iter().cloned());
    for text in texts {
        assert!(lexicon::violations(&text).is_empty(), "{text}");
    }
    for position in &view.positions {
        assert!(!position.evidence.is_empty(), "{}", position.key);
    }
}

#[test]
fn found_by_id_with_its_row_evidence_and_positions() {
    let view = record_view(&Index::new(&one_snapshot()), &settings(), ID, None).unwrap();
    check_wording(&view);
    assert_eq!(view.matched, RecordMatch::Id);
    assert_eq!(
        view.match_text,
        format!("Found by id {ID} in the snapshot of 2026-11-13.")
    );
    let row = view.record.as_ref().unwrap();
    assert_eq!(row.name, "Acme - Expansion");
    assert_eq!(row.amount, Some(485_000.0));
    assert_eq!((&*row.source_file, row.line), ("report.csv", 2));
    let amount_row = row
        .fields
        .iter()
        .find(|f| f.field.as_deref() == Some("amount"))
        .unwrap();
    assert_eq!(amount_row.new_value.as_deref(), Some("485000"));
    // The empty Champion column is listed with no value.
    assert!(
        row.fields
            .iter()
            .any(|f| f.field.as_deref() == Some("Champion") && f.new_value.is_none())
    );

    // Amount among the open Proposal/Price Quote deals: 100k, 200k, 485k, 600k.
    // Mid-rank: (2 below + 1/2 equal) / 4 = 62.5; type-7 median 342,500; p90 = 485k + 0.7 × 115k.
    let amount = &view.positions[0];
    assert_eq!(amount.measure, "amount_position");
    assert_eq!(amount.value, Some(485_000.0));
    match &amount.reference {
        Some(Reference::Distribution {
            n,
            p50,
            p90,
            percentile,
            ..
        }) => {
            assert_eq!(*n, 4);
            assert_eq!(*p50, 342_500.0);
            assert!((p90 - 565_500.0).abs() < 1e-6);
            assert_eq!(*percentile, 62.5);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        amount.text,
        "Amount USD 485,000; percentile 62.5 among the amounts of the open deals in stage Proposal/Price Quote in the snapshot of 2026-11-13 (this deal included); median USD 342,500; 90th percentile USD 565,500."
    );

    // Days since last activity: the record 10, others 1 and 30; two deals have no date.
    // Sorted 1, 10, 30: mid-rank (1 + 0.5) / 3 = 50%.
    let activity = &view.positions[1];
    assert_eq!(activity.value, Some(10.0));
    assert_eq!(activity.population.n, 3);
    assert_eq!(activity.population.excluded[0].n, 2);
    match &activity.reference {
        Some(Reference::Distribution { percentile, .. }) => assert_eq!(*percentile, 50.0),
        other => panic!("{other:?}"),
    }

    // Pushes from snapshots (no history): every open deal 0; the record sits in the middle.
    let pushes = &view.positions[2];
    assert_eq!(pushes.value, Some(0.0));
    assert_eq!(pushes.population.n, 5);
    match &pushes.reference {
        Some(Reference::Distribution { percentile, .. }) => assert_eq!(*percentile, 50.0),
        other => panic!("{other:?}"),
    }
    // The hygiene module's stage-age position is not in this worktree (its stub returns None).
    assert_eq!(view.positions.len(), 3);
}

#[test]
fn a_deal_with_no_history() {
    let view = record_view(&Index::new(&one_snapshot()), &settings(), ID, None).unwrap();
    assert!(view.history.is_empty());
    assert_eq!(
        view.history_text,
        "No history rows for this record; 0 changes read between consecutive snapshots showing it."
    );
    assert_eq!(view.snapshots_present, [date("2026-11-13")]);
    let status = |label: &str| {
        view.evidence_fields
            .iter()
            .find(|f| f.label == label)
            .unwrap()
    };
    let eb = status("Economic Buyer");
    assert!(eb.column_present);
    assert_eq!(eb.value.as_deref(), Some("Dana CFO"));
    assert_eq!(eb.first_filled, None);
    assert_eq!(
        eb.text,
        "Economic Buyer: filled; when it was first filled is not known: filled in the oldest snapshot (2026-11-13)."
    );
    let champion = status("Champion");
    assert!(champion.column_present);
    assert_eq!(
        champion.text,
        "Champion: empty in the snapshot of 2026-11-13."
    );
    let metrics = status("Metrics");
    assert!(!metrics.column_present);
    assert_eq!(
        metrics.text,
        "Metrics: the export of 2026-11-13 has no such column."
    );
    // Every field of the import's list, then the next step.
    assert_eq!(view.evidence_fields.len(), 11);
    assert_eq!(view.evidence_fields[10].field, "next_step");
}

#[test]
fn history_rows_and_snapshot_changes_oldest_first() {
    let mut october = opp(ID, "Acme - Expansion", "Qualification", 400_000.0, 7);
    october.evidence.insert("Economic Buyer", None);
    let mut november = opp(ID, "Acme - Expansion", "Proposal/Price Quote", 485_000.0, 2);
    november
        .evidence
        .insert("Economic Buyer", Some("Dana CFO".into()));
    let dataset = Dataset {
        snapshots: vec![
            Snapshot {
                as_of: date("2026-10-01"),
                source_file: "oct.csv".into(),
                opportunities: vec![october],
            },
            Snapshot {
                as_of: date("2026-11-01"),
                source_file: "nov.csv".into(),
                opportunities: vec![november],
            },
        ],
        history: vec![HistoryLog {
            source_file: "history.csv".into(),
            events: vec![HistoryEvent {
                opportunity_id: ID.into(),
                field: HistoryField::Stage,
                old_value: Some("Qualification".into()),
                new_value: Some("Proposal/Price Quote".into()),
                at: at("2026-10-20 09:30"),
                by: None,
                source: SourceRef { line: 9 },
            }],
        }],
        users: Vec::new(),
        ..Dataset::default()
    };
    let view = record_view(&Index::new(&dataset), &settings(), ID, None).unwrap();
    check_wording(&view);
    // Stage has a history row, so its change between the snapshots is not listed again; amount and
    // Economic Buyer have none, so their snapshot changes are listed, dated 2026-11-01.
    let entries: Vec<String> = view
        .history
        .iter()
        .map(|e| {
            format!(
                "{} {:?} → {:?} ({})",
                e.field.as_deref().unwrap_or("-"),
                e.old_value.as_deref(),
                e.new_value.as_deref(),
                e.source_file
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            "stage Some(\"Qualification\") → Some(\"Proposal/Price Quote\") (history.csv)",
            "amount Some(\"400000\") → Some(\"485000\") (nov.csv)",
            "Economic Buyer None → Some(\"Dana CFO\") (nov.csv)",
        ]
    );
    assert_eq!(
        view.history_text,
        "1 history row for stage; 2 changes read between consecutive snapshots showing it, for the other fields."
    );
    // Economic Buyer first filled in the November snapshot (empty in October); the deal entered
    // its stage 2026-10-20 (history row): 12 days after.
    let eb = view
        .evidence_fields
        .iter()
        .find(|f| f.label == "Economic Buyer")
        .unwrap();
    assert_eq!(eb.first_filled, Some(date("2026-11-01")));
    assert_eq!(eb.first_filled_from.as_deref(), Some("snapshots"));
    assert_eq!(eb.stage_entry, Some(date("2026-10-20")));
    assert_eq!(eb.days_from_stage_entry, Some(12));
    assert_eq!(
        eb.text,
        "Economic Buyer: filled; first filled 2026-11-01 (the first snapshot showing it filled), 12 days after entry into the current stage (entered 2026-10-20, the history row that set the current stage)."
    );
    assert_eq!(eb.evidence.len(), 3);
}

#[test]
fn found_by_name_when_the_id_is_unknown_and_the_export_has_no_ids() {
    // A "Details Only" report without record ids: the importer stands in `name:<account>/<name>`.
    let mut dataset = one_snapshot();
    dataset.snapshots[0].opportunities[1].id = "name:Acme Corp/Globex - New".into();
    let page = page("Globex - New", &[]);
    let view = record_view(
        &Index::new(&dataset),
        &settings(),
        "006UNKNOWN",
        Some(&page),
    )
    .unwrap();
    check_wording(&view);
    assert_eq!(view.matched, RecordMatch::Name);
    assert_eq!(
        view.record.as_ref().unwrap().record_id,
        "name:Acme Corp/Globex - New"
    );
    assert_eq!(
        view.match_text,
        "No record with id 006UNKNOWN is in the snapshot of 2026-11-13; found by its exact name \"Globex - New\" (record id name:Acme Corp/Globex - New; the export gave it no id)."
    );
}

#[test]
fn a_record_of_the_same_name_under_another_id_is_not_shown() {
    // 006A is named like the page, but its id is its own: it is another record.
    let page = page("Globex - New", &[("Stage", "Prospecting")]);
    let view = record_view(
        &Index::new(&one_snapshot()),
        &settings(),
        "006UNKNOWN",
        Some(&page),
    )
    .unwrap();
    check_wording(&view);
    assert_eq!(view.matched, RecordMatch::NotFound);
    assert!(view.record.is_none());
    assert!(view.history.is_empty() && view.positions.is_empty());
    assert!(view.evidence_fields.is_empty());
    assert_eq!(
        view.match_text,
        "No record with id 006UNKNOWN is in the snapshot of 2026-11-13; the record named \"Globex - New\" has another id (006A), so it is not shown."
    );
    assert_eq!(view.page_fields[0].imported_value, None);
}

#[test]
fn a_page_showing_another_record_of_the_import_shows_neither() {
    // The address names ID ("Acme - Expansion"), the page shows 006A's name: a page that still
    // shows the record before a navigation, say. Nothing of either record is shown.
    let page = page(
        "Globex - New",
        &[("Stage", "Proposal/Price Quote"), ("Amount", "USD 100,000")],
    );
    let view = record_view(&Index::new(&one_snapshot()), &settings(), ID, Some(&page)).unwrap();
    check_wording(&view);
    assert_eq!(
        view.matched,
        RecordMatch::PageDiffers {
            page_record_ids: vec!["006A".into()]
        }
    );
    assert!(view.record.is_none());
    assert!(view.history.is_empty() && view.positions.is_empty());
    assert!(view.evidence_fields.is_empty());
    assert_eq!(
        view.match_text,
        "The address names the record 006Hp000015Yh7kIAC (\"Acme - Expansion\" in the snapshot of 2026-11-13), while the page shows \"Globex - New\", the name of record 006A: the page and its address disagree, so no record is shown."
    );
    for field in &view.page_fields {
        assert_eq!(field.imported_value, None);
        assert_eq!(
            field.comparison,
            Comparison::NotCompared {
                reason: "the page and its address name different records".into()
            }
        );
    }
}

#[test]
fn a_page_whose_id_field_names_another_record_shows_none() {
    let page = page("Acme - Expansion", &[("Opportunity ID", "006A")]);
    let view = record_view(&Index::new(&one_snapshot()), &settings(), ID, Some(&page)).unwrap();
    check_wording(&view);
    assert_eq!(
        view.matched,
        RecordMatch::PageDiffers {
            page_record_ids: vec!["006A".into()]
        }
    );
    assert!(view.record.is_none());
    assert_eq!(
        view.match_text,
        "The page's Opportunity ID reads 006A, while its address names the record 006Hp000015Yh7kIAC: the page and its address disagree, so no record is shown."
    );
    // The same id in its 15-character form is the same record.
    let page = page_with_id_field(&ID[..15]);
    let view = record_view(&Index::new(&one_snapshot()), &settings(), ID, Some(&page)).unwrap();
    assert_eq!(view.matched, RecordMatch::Id);
}

fn page_with_id_field(id: &str) -> PageRecord {
    page("Acme - Expansion", &[("Opportunity ID", id)])
}

#[test]
fn a_renamed_record_is_shown_with_both_names() {
    let page = page("Acme - Expansion (renamed)", &[]);
    let view = record_view(&Index::new(&one_snapshot()), &settings(), ID, Some(&page)).unwrap();
    check_wording(&view);
    assert_eq!(view.matched, RecordMatch::Id);
    assert_eq!(
        view.match_text,
        "Found by id 006Hp000015Yh7kIAC in the snapshot of 2026-11-13. The page shows the name \"Acme - Expansion (renamed)\"; the import names it \"Acme - Expansion\"."
    );
}

#[test]
fn what_was_read_from_the_page_and_what_was_not() {
    // A layout without a close date, with a renamed amount and an owner under its German label
    // (which the importer's synonyms know), as some pages show them.
    let reading = read_page(&page(
        "Acme - Expansion",
        &[
            ("Stage", "Proposal/Price Quote"),
            ("Deal Size", "USD 485,000"),
            ("Verkaufschancenverantwortlicher", "Dana Whitfield"),
            ("Main Competitor(s)", "Yamaha"),
            ("Favourite Colour", "Teal"),
        ],
    ));
    assert!(reading.name_read);
    assert_eq!(reading.not_found, vec!["Amount", "Close Date"]);
    // Main Competitor(s) is an evidence field Lens reads; the other two are not labels it knows.
    assert_eq!(
        reading.not_recognised,
        vec!["Deal Size", "Favourite Colour"]
    );
    assert_eq!(
        reading.text,
        "Read from the page: name, Stage, Owner (as \"Verkaufschancenverantwortlicher\"); not found: Amount, Close Date. Labels Lens does not recognise: Deal Size, Favourite Colour."
    );
    assert!(lexicon::violations(&reading.text).is_empty());

    // German labels the importer knows: Phase, Betrag, Abschlussdatum.
    let reading = read_page(&page(
        "Acme - Erweiterung",
        &[
            ("Phase", "Verhandlung"),
            ("Betrag", "485.000,00 €"),
            ("Abschlussdatum", "03.04.2026"),
        ],
    ));
    assert_eq!(reading.not_found, vec!["Owner"]);
    assert_eq!(
        reading.text,
        "Read from the page: name, Stage (as \"Phase\"), Amount (as \"Betrag\"), Close Date (as \"Abschlussdatum\"); not found: Owner."
    );

    // A page that showed nothing Lens reads (fields in a part of the page the content script
    // could not reach).
    let mut empty = page("", &[]);
    empty.name = None;
    let reading = read_page(&empty);
    assert!(!reading.name_read);
    assert_eq!(
        reading.text,
        "Nothing Lens looks for was read from the page; not found: name, Stage, Amount, Close Date, Owner."
    );
}

#[test]
fn found_by_the_15_character_form_of_an_18_character_id() {
    let mut dataset = one_snapshot();
    dataset.snapshots[0].opportunities[0].id = ID[..15].into();
    let view = record_view(&Index::new(&dataset), &settings(), ID, None).unwrap();
    assert_eq!(view.matched, RecordMatch::ShortId);
    assert_eq!(view.record.unwrap().record_id, &ID[..15]);
}

#[test]
fn not_found_is_a_view_that_says_so() {
    let page = page(
        "Nobody - Nothing",
        &[
            ("Stage", "Negotiation/Review"),
            ("Favourite Colour", "Teal"),
        ],
    );
    let view = record_view(
        &Index::new(&one_snapshot()),
        &settings(),
        "006NOPE",
        Some(&page),
    )
    .unwrap();
    check_wording(&view);
    assert_eq!(view.matched, RecordMatch::NotFound);
    assert!(view.record.is_none());
    assert!(view.positions.is_empty() && view.history.is_empty());
    assert_eq!(
        view.match_text,
        "No record with id 006NOPE is in the snapshot of 2026-11-13; no record is named \"Nobody - Nothing\" either."
    );
    assert_eq!(
        view.page_fields[0].comparison,
        Comparison::NotCompared {
            reason: "the record is not in the current snapshot".into()
        }
    );
    assert_eq!(view.page_fields[1].comparison, Comparison::NotRead);
    assert_eq!(
        view.page_fields[0].text,
        "Stage not compared: the record is not in the current snapshot; on the page: Negotiation/Review."
    );
}

#[test]
fn two_records_with_the_page_name_are_not_chosen_between() {
    // Two records without ids of their own (stand-in ids) carry the page's name.
    let mut dataset = one_snapshot();
    dataset.snapshots[0].opportunities[0].id = "name:Acme Corp/Acme - Expansion".into();
    dataset.snapshots[0].opportunities[1].id = "name:Globex/Acme - Expansion".into();
    dataset.snapshots[0].opportunities[1].name = "Acme - Expansion".into();
    let page = page("Acme - Expansion", &[]);
    let view = record_view(&Index::new(&dataset), &settings(), "006NOPE", Some(&page)).unwrap();
    assert_eq!(
        view.matched,
        RecordMatch::AmbiguousName {
            record_ids: vec![
                "name:Acme Corp/Acme - Expansion".to_string(),
                "name:Globex/Acme - Expansion".to_string()
            ]
        }
    );
    assert!(view.record.is_none());
}

#[test]
fn page_differences() {
    let page = page(
        "Acme - Expansion",
        &[
            ("Opportunity Name", "Acme - Expansion"),
            ("Stage", "Negotiation/Review"),
            ("Amount", "USD 485,000.00"),
            ("Close Date", "03/04/2026"),
            ("Probability (%)", "60%"),
            ("Forecast Category", "Best Case"),
            ("Economic Buyer", "Dana CFO"),
            ("Champion", "Lee"),
            ("Metrics", "20% faster close"),
            ("Favourite Colour", "Teal"),
        ],
    );
    let view = record_view(&Index::new(&one_snapshot()), &settings(), ID, Some(&page)).unwrap();
    check_wording(&view);
    let outcomes: Vec<(&str, Option<&str>, &Comparison)> = view
        .page_fields
        .iter()
        .map(|p| (p.label.as_str(), p.field.as_deref(), &p.comparison))
        .collect();
    let ambiguous = Comparison::NotCompared {
        reason: "ambiguous date (\"03/04/2026\" reads as 2026-03-04 month first and 2026-04-03 day first, and no other date on the page settles the order)".into(),
    };
    let no_metrics = Comparison::NotCompared {
        reason: "the import has no Metrics column".into(),
    };
    assert_eq!(
        outcomes,
        [
            ("Opportunity Name", Some("name"), &Comparison::Equal),
            ("Stage", Some("stage"), &Comparison::Different),
            ("Amount", Some("amount"), &Comparison::Equal),
            ("Close Date", Some("close_date"), &ambiguous),
            ("Probability (%)", Some("probability"), &Comparison::Equal),
            (
                "Forecast Category",
                Some("forecast_category"),
                &Comparison::Equal
            ),
            ("Economic Buyer", Some("Economic Buyer"), &Comparison::Equal),
            ("Champion", Some("Champion"), &Comparison::Different),
            ("Metrics", Some("Metrics"), &no_metrics),
            ("Favourite Colour", None, &Comparison::NotRead),
        ]
    );
    let stage = &view.page_fields[1];
    assert_eq!(
        stage.text,
        "Stage on the page: Negotiation/Review; in the import of 2026-11-13: Proposal/Price Quote."
    );
    assert_eq!(
        stage.imported_value.as_deref(),
        Some("Proposal/Price Quote")
    );
    assert_eq!(stage.import_as_of, Some(date("2026-11-13")));
    let amount = &view.page_fields[2];
    assert_eq!(amount.imported_value.as_deref(), Some("USD 485,000"));
    assert_eq!(
        amount.text,
        "Amount on the page matches the import of 2026-11-13: USD 485,000."
    );
    assert_eq!(
        view.page_fields[3].text,
        "Close Date not compared: ambiguous date (\"03/04/2026\" reads as 2026-03-04 month first and 2026-04-03 day first, and no other date on the page settles the order); on the page: 03/04/2026; in the import of 2026-11-13: 2026-04-03."
    );
    assert_eq!(
        view.page_fields[7].text,
        "Champion on the page: Lee; in the import of 2026-11-13: empty."
    );
    assert_eq!(
        view.page_fields[8].text,
        "Metrics not compared: the import has no Metrics column; on the page: 20% faster close."
    );
    assert_eq!(
        view.page_fields[9].text,
        "Favourite Colour: not read (not a label Lens recognises)."
    );
}

#[test]
fn another_date_on_the_page_settles_the_order() {
    // 11/13/2025 can only be month first, so 03/04/2026 is 4 March: the import says 3 April.
    let page = page(
        "Acme - Expansion",
        &[("Created Date", "11/13/2025"), ("Close Date", "03/04/2026")],
    );
    let view = record_view(&Index::new(&one_snapshot()), &settings(), ID, Some(&page)).unwrap();
    check_wording(&view);
    // The import has no created date: the page's value differs from an empty one.
    assert_eq!(view.page_fields[0].comparison, Comparison::Different);
    assert_eq!(view.page_fields[1].comparison, Comparison::Different);
    assert_eq!(
        view.page_fields[1].text,
        "Close Date on the page: 03/04/2026; in the import of 2026-11-13: 2026-04-03."
    );
    assert_eq!(
        view.notes,
        [
            "Dates on the page are read month first: \"11/13/2025\" on the same page can only be read month first."
        ]
    );
}

#[test]
fn amounts_in_another_currency_or_with_a_conversion_differ_or_match() {
    let page = page(
        "Acme - Expansion",
        &[
            ("Amount", "EUR 485,000.00"),
            ("Opportunity Amount", "USD 485,000.00 (EUR 450,000.00)"),
            ("Amount", "n/a"),
        ],
    );
    let view = record_view(&Index::new(&one_snapshot()), &settings(), ID, Some(&page)).unwrap();
    assert_eq!(view.page_fields[0].comparison, Comparison::Different);
    assert_eq!(view.page_fields[1].comparison, Comparison::Equal);
    assert_eq!(
        view.page_fields[2].comparison,
        Comparison::NotCompared {
            reason: "the page value does not read as an amount".into()
        }
    );
}

#[test]
fn a_closed_record_has_no_positions() {
    let mut dataset = one_snapshot();
    dataset.snapshots[0].opportunities[0].status = DealStatus::Won;
    let view = record_view(&Index::new(&dataset), &settings(), ID, None).unwrap();
    assert!(view.positions.is_empty());
    assert_eq!(
        view.notes,
        [
            "The record is won in the snapshot of 2026-11-13; positions are computed among open deals, so none is shown."
        ]
    );
}

#[test]
fn no_snapshot_is_an_error() {
    let error = record_view(&Index::new(&Dataset::default()), &settings(), ID, None).unwrap_err();
    assert!(error.to_string().contains("no opportunity list"));
}
