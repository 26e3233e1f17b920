//! Module 4, evidence: filled shares per field, stage and forecast category (with a column missing
//! from one export), fields filled per deal, and when fields were first filled relative to stage
//! entry, from field history and from snapshots only. Every expectation is computed by hand in the
//! comments beside it.

use chrono::{NaiveDate, NaiveDateTime};
use lens_core::insight::{
    Dataset, HistoryLog, Insight, Module, Settings, SubjectKind, analyze, lexicon,
};
use lens_core::model::{
    DealStatus, ForecastCategory, HistoryEvent, HistoryField, Opportunity, Snapshot, SourceRef,
};

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}

fn opp(id: &str, stage: &str, line: u64) -> Opportunity {
    Opportunity {
        id: id.into(),
        name: format!("Deal {id}").into(),
        owner: Some("Dana Whitfield".into()),
        stage: Some(stage.into()),
        status: DealStatus::Open,
        amount: Some(1000.0),
        close_date: Some(date("2027-02-01")),
        source: SourceRef { line },
        ..Default::default()
    }
}

fn with_evidence(mut opp: Opportunity, fields: &[(&str, Option<&str>)]) -> Opportunity {
    for (key, value) in fields {
        opp.evidence.insert(key, value.map(Into::into));
    }
    opp
}

fn category(mut opp: Opportunity, category: ForecastCategory) -> Opportunity {
    opp.forecast_category = Some(category);
    opp
}

fn snapshot(as_of: &str, file: &str, opportunities: Vec<Opportunity>) -> Snapshot {
    Snapshot {
        as_of: date(as_of),
        source_file: file.into(),
        opportunities,
    }
}

fn evidence_insights(dataset: &Dataset, as_of: &str) -> Vec<Insight> {
    let analysis = analyze(dataset, &Settings::new(date(as_of))).unwrap();
    let section = analysis
        .sections
        .iter()
        .find(|s| s.module == Module::Evidence)
        .unwrap();
    let broken = lexicon::broken_rules(&analysis);
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    section.insights.clone()
}

fn find<'a>(insights: &'a [Insight], key: &str) -> &'a Insight {
    insights
        .iter()
        .find(|i| i.key == key)
        .unwrap_or_else(|| panic!("no insight {key}"))
}

/// Two files of the same date: a.csv has the Economic Buyer and Champion columns (and next steps),
/// b.csv has neither.
fn two_exports() -> Dataset {
    let eb = "Economic Buyer";
    let champion = "Champion";
    let mut a1 = with_evidence(
        category(opp("A1", "Negotiation", 2), ForecastCategory::Commit),
        &[(eb, Some("Dana CFO")), (champion, None)],
    );
    a1.next_step = Some("Pricing call".into());
    a1.close_date = Some(date("2026-12-15"));
    let a2 = with_evidence(
        category(opp("A2", "Negotiation", 3), ForecastCategory::Commit),
        &[(eb, None), (champion, Some("Lee"))],
    );
    let a3 = with_evidence(
        category(opp("A3", "Proposal", 4), ForecastCategory::Commit),
        &[(eb, Some("  ")), (champion, None)],
    );
    let a4 = with_evidence(
        category(opp("A4", "Proposal", 5), ForecastCategory::BestCase),
        &[(eb, Some("Kim")), (champion, None)],
    );
    let mut won = with_evidence(
        category(opp("A5", "Closed Won", 6), ForecastCategory::Closed),
        &[(eb, None), (champion, None)],
    );
    won.status = DealStatus::Won;
    let b1 = category(opp("B1", "Negotiation", 2), ForecastCategory::Commit);
    let b2 = category(opp("B2", "Proposal", 3), ForecastCategory::Pipeline);
    Dataset {
        snapshots: vec![
            snapshot("2026-11-13", "a.csv", vec![a1, a2, a3, a4, won]),
            snapshot("2026-11-13", "b.csv", vec![b1, b2]),
        ],
        ..Dataset::default()
    }
}

#[test]
fn completeness_per_category_with_a_column_missing_in_one_export() {
    let insights = evidence_insights(&two_exports(), "2026-11-13");

    // Commit: A1 (filled), A2 (empty), A3 (blank = empty) from a.csv; B1 from b.csv has no column.
    let commit = find(
        &insights,
        "evidence.filled_share_economic_buyer.category.Commit",
    );
    assert_eq!(commit.subject.kind, SubjectKind::ForecastCategory);
    assert_eq!(commit.subject.id, "Commit");
    assert_eq!(commit.value, Some(1.0 / 3.0));
    assert_eq!(commit.population.n, 3);
    assert_eq!(commit.population.excluded.len(), 1);
    assert_eq!(commit.population.excluded[0].n, 1);
    assert_eq!(
        commit.population.excluded[0].reason,
        "its export has no Economic Buyer column"
    );
    assert_eq!(
        commit.text,
        "Economic Buyer empty on 2 of 3 open Commit deals; filled on 1 (33.3%). Left out: 1 deal from an export without the column."
    );
    let rows: Vec<(&str, Option<&str>)> = commit
        .evidence
        .iter()
        .map(|e| (e.record_id.as_str(), e.new_value.as_deref()))
        .collect();
    // The rows the sentence counts: the two with the field empty.
    assert_eq!(rows, [("A2", None), ("A3", None)]);
    assert!(commit.evidence.iter().all(|e| &*e.source_file == "a.csv"));

    // Best Case: A4 only, filled.
    let best_case = find(
        &insights,
        "evidence.filled_share_economic_buyer.category.Best Case",
    );
    assert_eq!(best_case.value, Some(1.0));
    assert_eq!(
        best_case.text,
        "Economic Buyer empty on 0 of 1 open Best Case deal; filled on 1 (100.0%)."
    );
    // None empty: the evidence is the filled row, with its value.
    assert_eq!(best_case.evidence.len(), 1);
    assert_eq!(best_case.evidence[0].new_value.as_deref(), Some("Kim"));

    // Pipeline: B2 only, whose export lacks the column: no share.
    let pipeline = find(
        &insights,
        "evidence.filled_share_economic_buyer.category.Pipeline",
    );
    assert_eq!(pipeline.value, None);
    assert_eq!(pipeline.population.n, 0);
    assert_eq!(pipeline.population.excluded[0].n, 1);
    assert!(pipeline.text.contains("no share is computed"));

    // All open deals: A1–A4 counted (2 filled), B1 and B2 left out; the won deal A5 is not open.
    let all = find(
        &insights,
        "evidence.filled_share_economic_buyer.field.economic_buyer",
    );
    assert_eq!(all.subject.kind, SubjectKind::Field);
    assert_eq!(all.value, Some(0.5));
    assert_eq!(all.population.n, 4);
    assert_eq!(all.population.excluded[0].n, 2);

    // Stage Negotiation: A1 filled, A2 empty; B1 left out.
    let negotiation = find(
        &insights,
        "evidence.filled_share_economic_buyer.stage.Negotiation",
    );
    assert_eq!(negotiation.subject.kind, SubjectKind::Stage);
    assert_eq!(negotiation.value, Some(0.5));
    assert_eq!(negotiation.population.n, 2);
    assert_eq!(negotiation.population.excluded[0].n, 1);

    // Next step: a.csv has one (A1), so its four open deals count; b.csv has none and is read as
    // a file without the column.
    let next_step = find(&insights, "evidence.filled_share_next_step.field.next_step");
    assert_eq!(next_step.value, Some(0.25));
    assert_eq!(next_step.population.n, 4);
    assert_eq!(next_step.population.excluded[0].n, 2);
    assert!(
        next_step.population.excluded[0]
            .reason
            .contains("read as having no next step column")
    );

    // The fields in order: the import's list (Economic Buyer before Champion), next step last.
    let fields: Vec<&str> = insights
        .iter()
        .filter(|i| i.subject.kind == SubjectKind::Field && i.measure.starts_with("filled_share"))
        .map(|i| i.subject.id.as_str())
        .collect();
    assert_eq!(fields, ["economic_buyer", "champion", "next_step"]);
    // One snapshot and no history: no first-filled timing.
    assert!(
        !insights
            .iter()
            .any(|i| i.measure.starts_with("first_filled"))
    );
}

#[test]
fn fields_filled_per_deal_closing_in_the_period() {
    let insights = evidence_insights(&two_exports(), "2026-11-13");
    // Only A1 closes in Q4 2026 (2026-12-15): Economic Buyer and next step filled, Champion empty.
    let per_deal: Vec<&Insight> = insights
        .iter()
        .filter(|i| i.measure == "evidence_fields_filled")
        .collect();
    assert_eq!(per_deal.len(), 1);
    let a1 = per_deal[0];
    assert_eq!(a1.key, "evidence.evidence_fields_filled.record.A1");
    assert_eq!(a1.subject.kind, SubjectKind::Record);
    assert_eq!(a1.value, Some(2.0));
    assert_eq!(a1.population.n, 3);
    assert_eq!(a1.text, "2 of 3 evidence fields filled; empty: Champion.");
    // The row itself.
    assert_eq!(a1.evidence.len(), 1);
    assert_eq!(a1.evidence[0].field, None);
    assert_eq!(
        (&*a1.evidence[0].source_file, a1.evidence[0].line),
        ("a.csv", 2)
    );
}

#[test]
fn no_evidence_columns_is_one_insight_saying_so() {
    let dataset = Dataset {
        snapshots: vec![snapshot(
            "2026-11-13",
            "plain.csv",
            vec![opp("X", "Proposal", 2)],
        )],
        ..Dataset::default()
    };
    let insights = evidence_insights(&dataset, "2026-11-13");
    assert_eq!(insights.len(), 1);
    assert_eq!(insights[0].value, None);
    assert!(insights[0].text.contains("holds no evidence field"));
}

fn field_event(
    id: &str,
    when: &str,
    old: Option<&str>,
    new: Option<&str>,
    line: u64,
) -> HistoryEvent {
    HistoryEvent {
        opportunity_id: id.into(),
        field: HistoryField::Other("Economic_Buyer__c".into()),
        old_value: old.map(Into::into),
        new_value: new.map(Into::into),
        at: at(when),
        by: None,
        source: SourceRef { line },
    }
}

#[test]
fn first_filled_from_field_history_before_and_after_stage_entry() {
    let eb = "Economic Buyer";
    let entered = |mut opp: Opportunity| {
        opp.stage_entered_date = Some(date("2026-10-01"));
        opp
    };
    let deals = vec![
        // First filled 2026-09-21: 10 days before the stage entry of 2026-10-01.
        entered(with_evidence(
            opp("D1", "Proposal", 2),
            &[(eb, Some("Dana"))],
        )),
        // First filled 2026-10-05: 4 days after.
        entered(with_evidence(
            opp("D2", "Proposal", 3),
            &[(eb, Some("Lee"))],
        )),
        // The first history row already has an old value: filled before the history starts.
        entered(with_evidence(
            opp("D3", "Proposal", 4),
            &[(eb, Some("Kim"))],
        )),
        // No history row for the field and a single snapshot: filled in the oldest snapshot.
        entered(with_evidence(
            opp("D4", "Proposal", 5),
            &[(eb, Some("Ray"))],
        )),
        // Empty now.
        entered(with_evidence(opp("D5", "Proposal", 6), &[(eb, None)])),
    ];
    let history = vec![
        field_event("D1", "2026-09-21 10:00", Some(""), Some("Dana"), 2),
        field_event("D2", "2026-09-01 10:00", None, Some(""), 3),
        field_event("D2", "2026-10-05 09:00", Some(""), Some("Lee"), 4),
        field_event("D3", "2026-10-10 09:00", Some("Old CFO"), Some("Kim"), 5),
    ];
    let dataset = Dataset {
        snapshots: vec![snapshot("2026-11-13", "opps.csv", deals)],
        history: vec![HistoryLog {
            source_file: "field_history.csv".into(),
            events: history,
        }],
        users: Vec::new(),
        ..Dataset::default()
    };
    let insights = evidence_insights(&dataset, "2026-11-13");
    let timing = find(
        &insights,
        "evidence.first_filled_days_economic_buyer.field.economic_buyer",
    );
    // Days: −10 and +4; median −3.
    assert_eq!(timing.value, Some(-3.0));
    assert_eq!(timing.population.n, 2);
    let mut excluded: Vec<(usize, &str)> = timing
        .population
        .excluded
        .iter()
        .map(|e| (e.n, e.reason.as_str()))
        .collect();
    excluded.sort();
    assert_eq!(
        excluded,
        [
            (1, "empty in the current snapshot"),
            (
                1,
                "when it was first filled is not known: filled before its first history row"
            ),
            (
                1,
                "when it was first filled is not known: filled in the oldest snapshot"
            ),
        ]
    );
    assert_eq!(
        timing.text,
        "Economic Buyer was first filled a median of 3 days before entry into the current stage, over 2 open deals (1 before, 0 on the day of entry, 1 after). First-filled dates from field history for 2 deals, from the first snapshot showing the field filled for 0 deals."
    );
    // Each counted deal brings its history row and its stage entry row.
    assert_eq!(timing.evidence.len(), 4);
    assert_eq!(&*timing.evidence[0].source_file, "field_history.csv");
    assert_eq!(timing.evidence[0].line, 2);
    assert_eq!(
        timing.evidence[1].field.as_deref(),
        Some("stage_entered_date")
    );
    assert_eq!(timing.evidence[2].line, 4);
}

#[test]
fn first_filled_from_snapshots_only() {
    let eb = "Economic Buyer";
    let row = |id: &str, stage: &str, value: Option<&str>| {
        with_evidence(opp(id, stage, 2), &[(eb, value)])
    };
    let september = vec![
        row("S1", "Qualification", None),
        row("S2", "Qualification", None),
        row("S4", "Proposal", None),
        row("S5", "Qualification", Some("Old")),
    ];
    let october = vec![
        row("S1", "Proposal", None),
        row("S2", "Qualification", Some("Lee")),
        row("S3", "Proposal", Some("Kim")),
        row("S4", "Proposal", None),
        row("S5", "Proposal", Some("Old")),
    ];
    let november = vec![
        // Entered Proposal 2026-10-01 (first snapshot showing it); filled 2026-11-01: +31.
        row("S1", "Proposal", Some("Dana")),
        // Entered Proposal 2026-11-01; filled 2026-10-01: −31.
        row("S2", "Proposal", Some("Lee")),
        // Not in September: entered and filled 2026-10-01: 0.
        row("S3", "Proposal", Some("Kim")),
        // In Proposal in every snapshot: stage entry not known.
        row("S4", "Proposal", Some("Ray")),
        // Filled in the oldest snapshot: first filled not known.
        row("S5", "Proposal", Some("Old")),
    ];
    let dataset = Dataset {
        snapshots: vec![
            snapshot("2026-09-01", "sep.csv", september),
            snapshot("2026-10-01", "oct.csv", october),
            snapshot("2026-11-01", "nov.csv", november),
        ],
        ..Dataset::default()
    };
    let insights = evidence_insights(&dataset, "2026-11-13");
    let timing = find(
        &insights,
        "evidence.first_filled_days_economic_buyer.field.economic_buyer",
    );
    assert_eq!(timing.value, Some(0.0));
    assert_eq!(timing.population.n, 3);
    let mut excluded: Vec<(usize, &str)> = timing
        .population
        .excluded
        .iter()
        .map(|e| (e.n, e.reason.as_str()))
        .collect();
    excluded.sort();
    assert_eq!(
        excluded,
        [
            (1, "the date it entered its current stage is not known"),
            (
                1,
                "when it was first filled is not known: filled in the oldest snapshot"
            ),
        ]
    );
    assert_eq!(
        timing.text,
        "Economic Buyer was first filled a median of 0 days from entry into the current stage, over 3 open deals (1 before, 1 on the day of entry, 1 after). First-filled dates from field history for 0 deals, from the first snapshot showing the field filled for 3 deals."
    );
    // S1's first-filled row is its November row; its stage entry row is its October row.
    assert_eq!(timing.evidence[0].record_id, "S1");
    assert_eq!(&*timing.evidence[0].source_file, "nov.csv");
    assert_eq!(timing.evidence[0].new_value.as_deref(), Some("Dana"));
    assert_eq!(&*timing.evidence[1].source_file, "oct.csv");
    assert_eq!(timing.evidence[1].field.as_deref(), Some("stage"));
}
