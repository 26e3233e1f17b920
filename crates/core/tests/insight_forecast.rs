//! Tests of the forecast module (module 2): roll-ups by forecast category × rep × quarter, the change
//! ledger over the quarter to date, changes reversed inside that window (from history), and the
//! WAPE and signed bias of past calls. Every expectation is computed by hand in the comments beside it.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use expect_test::expect;
use lens_core::insight::{
    Analysis, Dataset, HistoryLog, Insight, Module, Settings, SubjectKind, analyze, lexicon,
};
use lens_core::model::{
    DealStatus, ForecastCategory, HistoryEvent, HistoryField, Opportunity, Snapshot, SourceRef,
};
use proptest::prelude::*;

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}

/// One deal. Amount and currency are given together ("USD", "EUR", or "" for none).
#[allow(clippy::too_many_arguments)]
fn deal(
    id: &str,
    owner: Option<&str>,
    status: DealStatus,
    category: Option<ForecastCategory>,
    amount: Option<f64>,
    currency: &str,
    close: Option<&str>,
    stage: &str,
) -> Opportunity {
    Opportunity {
        id: id.into(),
        name: format!("Deal {id}").into(),
        owner: owner.map(Into::into),
        stage: Some(stage.into()),
        status,
        forecast_category: category,
        amount,
        currency: (!currency.is_empty())
            .then(|| currency.to_string())
            .map(Into::into),
        close_date: close.map(date),
        source: SourceRef { line: 0 },
        ..Default::default()
    }
}

/// A snapshot whose rows sit on lines 2, 3, … of its file (line 1 is the header).
fn snapshot(as_of: &str, mut deals: Vec<Opportunity>) -> Snapshot {
    for (idx, deal) in deals.iter_mut().enumerate() {
        deal.source.line = idx as u64 + 2;
    }
    Snapshot {
        as_of: date(as_of),
        source_file: format!("opportunities-{as_of}.csv").into(),
        opportunities: deals,
    }
}

fn event(
    line: u64,
    id: &str,
    field: HistoryField,
    old: &str,
    new: &str,
    when: &str,
) -> HistoryEvent {
    HistoryEvent {
        opportunity_id: id.into(),
        field,
        old_value: (!old.is_empty()).then(|| old.to_string()).map(Into::into),
        new_value: (!new.is_empty()).then(|| new.to_string()).map(Into::into),
        at: at(when),
        by: None,
        source: SourceRef { line },
    }
}

fn forecast(analysis: &Analysis) -> Vec<&Insight> {
    analysis
        .insights()
        .filter(|insight| insight.module == Module::Forecast)
        .collect()
}

fn with_prefix<'a>(analysis: &'a Analysis, prefix: &str) -> Vec<&'a Insight> {
    forecast(analysis)
        .into_iter()
        .filter(|insight| insight.measure.starts_with(prefix))
        .collect()
}

fn excluded(insight: &Insight) -> usize {
    insight.population.excluded.iter().map(|e| e.n).sum()
}

/// The rules every insight keeps (`lexicon::broken_rules`), and for this module's insights: an
/// undefined value says so, and the subject's label (rep names of the fixtures) is neutral too.
fn check_rules(analysis: &Analysis) {
    let broken = lexicon::broken_rules(analysis);
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    for insight in forecast(analysis) {
        if insight.value.is_none() {
            assert!(insight.text.contains("undefined"), "{}", insight.text);
        }
        assert!(
            lexicon::violations(&insight.subject.label).is_empty(),
            "{}",
            insight.subject.label
        );
    }
}

#[test]
fn the_module_source_has_no_banned_phrase() {
    let source = include_str!("../src/insight/forecast.rs");
    assert_eq!(lexicon::violations(source), Vec::<&str>::new());
}

// ---------------------------------------------------------------------------------------------
// The three-snapshot district: Alice and Bob, as of 2026-11-15 (Q4 = 2026-10-01 to 2026-12-31;
// next quarter 2027-01-01 to 2027-03-31). Snapshots 2026-09-30 (the ledger's base: the latest on or
// before the quarter's first day), 2026-10-31, 2026-11-13 (current).

use DealStatus::{Lost, Open, Won};
use ForecastCategory::{BestCase, Commit, Omitted, Other, Pipeline};

const ALICE: Option<&str> = Some("Alice");
const BOB: Option<&str> = Some("Bob");

fn current_deals() -> Vec<Opportunity> {
    vec![
        deal(
            "A1",
            ALICE,
            Open,
            Some(Commit),
            Some(100_000.0),
            "USD",
            Some("2026-11-20"),
            "Negotiation",
        ),
        deal(
            "A2",
            ALICE,
            Open,
            Some(Commit),
            Some(50_000.0),
            "USD",
            Some("2026-12-15"),
            "Proposal",
        ),
        deal(
            "A3",
            ALICE,
            Open,
            Some(BestCase),
            Some(30_000.0),
            "USD",
            Some("2027-01-15"),
            "Proposal",
        ),
        deal(
            "A4",
            ALICE,
            Won,
            Some(ForecastCategory::Closed),
            Some(70_000.0),
            "USD",
            Some("2026-10-20"),
            "Closed Won",
        ),
        deal(
            "A5",
            ALICE,
            Open,
            Some(Pipeline),
            Some(40_000.0),
            "EUR",
            Some("2026-12-01"),
            "Discovery",
        ),
        deal(
            "B1",
            BOB,
            Open,
            Some(Pipeline),
            Some(20_000.0),
            "USD",
            Some("2026-11-30"),
            "Discovery",
        ),
        deal(
            "B2",
            BOB,
            Open,
            None,
            Some(10_000.0),
            "USD",
            Some("2026-12-31"),
            "Discovery",
        ),
        deal(
            "B3",
            BOB,
            Open,
            Some(Omitted),
            Some(5_000.0),
            "USD",
            Some("2027-02-01"),
            "Discovery",
        ),
        deal(
            "B4",
            BOB,
            Open,
            Some(Other("Upside".into())),
            Some(8_000.0),
            "USD",
            Some("2026-10-15"),
            "Discovery",
        ),
        deal(
            "B5",
            BOB,
            Lost,
            Some(Omitted),
            Some(12_000.0),
            "USD",
            Some("2026-11-01"),
            "Closed Lost",
        ),
        // After the next quarter: in no roll-up.
        deal(
            "B6",
            BOB,
            Open,
            Some(Commit),
            Some(9_000.0),
            "USD",
            Some("2027-05-01"),
            "Proposal",
        ),
        // Won in the previous quarter: not closed won of this one.
        deal(
            "B7",
            BOB,
            Won,
            None,
            Some(11_000.0),
            "USD",
            Some("2026-09-15"),
            "Closed Won",
        ),
        deal(
            "B8",
            BOB,
            Open,
            Some(Commit),
            None,
            "USD",
            Some("2026-11-10"),
            "Negotiation",
        ),
    ]
}

fn base_deals() -> Vec<Opportunity> {
    let mut deals: Vec<Opportunity> = current_deals()
        .into_iter()
        .filter(|deal| deal.id != "A5")
        .collect();
    for deal in &mut deals {
        match deal.id.as_str() {
            "A2" => deal.forecast_category = Some(BestCase),
            "A3" => {
                deal.forecast_category = Some(Commit);
                deal.close_date = Some(date("2026-11-20"));
            }
            "A4" => {
                deal.status = Open;
                deal.forecast_category = Some(Commit);
                deal.amount = Some(60_000.0);
                deal.stage = Some("Negotiation".into());
            }
            "B5" => {
                deal.status = Open;
                deal.forecast_category = Some(Pipeline);
                deal.stage = Some("Proposal".into());
            }
            _ => {}
        }
    }
    deals.push(deal(
        "B9",
        BOB,
        Open,
        Some(Pipeline),
        Some(15_000.0),
        "USD",
        Some("2026-12-01"),
        "Discovery",
    ));
    deals
}

fn history() -> Vec<HistoryEvent> {
    use HistoryField::{Amount, CloseDate, Stage};
    vec![
        // A1: close date pushed out and pulled back inside the window (the 09-01 row is before it).
        event(
            2,
            "A1",
            CloseDate,
            "2026-10-30",
            "2026-11-20",
            "2026-09-01 10:00",
        ),
        event(
            3,
            "A1",
            CloseDate,
            "2026-11-20",
            "2026-12-20",
            "2026-10-05 09:00",
        ),
        event(
            4,
            "A1",
            CloseDate,
            "2026-12-20",
            "2026-11-20",
            "2026-10-20 09:00",
        ),
        // A3: pushed out, moved twice more, never back: not reversed.
        event(
            5,
            "A3",
            CloseDate,
            "2026-11-20",
            "2027-01-15",
            "2026-10-10 09:00",
        ),
        event(
            6,
            "A3",
            CloseDate,
            "2027-01-15",
            "2027-01-20",
            "2026-10-12 09:00",
        ),
        event(
            7,
            "A3",
            CloseDate,
            "2027-01-20",
            "2027-01-15",
            "2026-10-14 09:00",
        ),
        // B1: the first row is dated on the base snapshot's day, so outside the window; the one
        // row left inside cannot reverse anything.
        event(8, "B1", Amount, "20000", "25000", "2026-09-30 10:00"),
        event(9, "B1", Amount, "25000", "20000", "2026-10-15 09:00"),
        // A2: stage out and back, the second row on the current snapshot's day (inside); the third
        // row is after the current snapshot (outside), so the window ends where it started.
        event(
            10,
            "A2",
            Stage,
            "Proposal",
            "Negotiation",
            "2026-10-12 09:00",
        ),
        event(
            11,
            "A2",
            Stage,
            "Negotiation",
            "Proposal",
            "2026-11-13 15:00",
        ),
        event(
            12,
            "A2",
            Stage,
            "Proposal",
            "Negotiation",
            "2026-11-14 09:00",
        ),
        // B2: amount up and back, written differently (10000 and 10000.00 are the same number).
        event(13, "B2", Amount, "10000", "12000", "2026-10-03 09:00"),
        event(14, "B2", Amount, "12000", "10000.00", "2026-10-04 09:00"),
        // A2: one category move only.
        event(
            15,
            "A2",
            HistoryField::ForecastCategory,
            "Best Case",
            "Commit",
            "2026-10-02 09:00",
        ),
    ]
}

fn district() -> Dataset {
    let mut middle = current_deals();
    middle.retain(|deal| deal.id != "A5");
    middle.push(deal(
        "B9",
        BOB,
        Open,
        Some(Pipeline),
        Some(15_000.0),
        "USD",
        Some("2026-12-01"),
        "Discovery",
    ));
    Dataset {
        snapshots: vec![
            snapshot("2026-09-30", base_deals()),
            snapshot("2026-10-31", middle),
            snapshot("2026-11-13", current_deals()),
        ],
        history: vec![HistoryLog {
            source_file: "history.csv".into(),
            events: history(),
        }],
        users: Vec::new(),
        ..Dataset::default()
    }
}

fn district_analysis(ledger_from: Option<&str>) -> Analysis {
    let mut settings = Settings::new(date("2026-11-15"));
    settings.ledger_from = ledger_from.map(date);
    analyze(&district(), &settings).unwrap()
}

#[test]
fn rollups_by_category_rep_and_quarter() {
    let analysis = district_analysis(None);
    check_rules(&analysis);
    let rows: Vec<(String, f64, usize, usize, usize)> = with_prefix(&analysis, "rollup_")
        .iter()
        .map(|i| {
            (
                i.key.clone(),
                i.value.unwrap(),
                i.population.n,
                excluded(i),
                i.evidence.len(),
            )
        })
        .collect();
    let expected: Vec<(&str, f64, usize, usize, usize)> = vec![
        // Q4, team first: Pipeline B1 20,000 (A5 in EUR left out); Commit A1 + A2 = 150,000 (B8
        // has no amount); Upside B4 8,000; no category B2 10,000; closed won A4 70,000 (B7 closed
        // in Q3, B5 is lost).
        ("forecast.rollup_pipeline.all.2026-10-01", 20_000.0, 1, 1, 2),
        ("forecast.rollup_commit.all.2026-10-01", 150_000.0, 2, 1, 3),
        (
            "forecast.rollup_other_upside.all.2026-10-01",
            8_000.0,
            1,
            0,
            1,
        ),
        (
            "forecast.rollup_no_category.all.2026-10-01",
            10_000.0,
            1,
            0,
            1,
        ),
        (
            "forecast.rollup_closed_won.all.2026-10-01",
            70_000.0,
            1,
            0,
            1,
        ),
        ("forecast.rollup_pipeline.Alice.2026-10-01", 0.0, 0, 1, 1),
        (
            "forecast.rollup_commit.Alice.2026-10-01",
            150_000.0,
            2,
            0,
            2,
        ),
        (
            "forecast.rollup_closed_won.Alice.2026-10-01",
            70_000.0,
            1,
            0,
            1,
        ),
        ("forecast.rollup_pipeline.Bob.2026-10-01", 20_000.0, 1, 0, 1),
        ("forecast.rollup_commit.Bob.2026-10-01", 0.0, 0, 1, 1),
        (
            "forecast.rollup_other_upside.Bob.2026-10-01",
            8_000.0,
            1,
            0,
            1,
        ),
        (
            "forecast.rollup_no_category.Bob.2026-10-01",
            10_000.0,
            1,
            0,
            1,
        ),
        // Next quarter: A3 Best Case 30,000, B3 Omitted 5,000 (B6 closes after it).
        (
            "forecast.rollup_best_case.all.2027-01-01",
            30_000.0,
            1,
            0,
            1,
        ),
        ("forecast.rollup_omitted.all.2027-01-01", 5_000.0, 1, 0, 1),
        (
            "forecast.rollup_best_case.Alice.2027-01-01",
            30_000.0,
            1,
            0,
            1,
        ),
        ("forecast.rollup_omitted.Bob.2027-01-01", 5_000.0, 1, 0, 1),
    ];
    let expected: Vec<(String, f64, usize, usize, usize)> = expected
        .into_iter()
        .map(|(key, value, n, left_out, rows)| (key.to_string(), value, n, left_out, rows))
        .collect();
    assert_eq!(rows, expected);

    let by_key = |key: &str| {
        forecast(&analysis)
            .into_iter()
            .find(|i| i.key == key)
            .unwrap()
    };
    let team_commit = by_key("forecast.rollup_commit.all.2026-10-01");
    assert_eq!(team_commit.subject.kind, SubjectKind::Team);
    assert_eq!(
        team_commit.period.as_ref().unwrap().start,
        date("2026-10-01")
    );
    let rows: Vec<(&str, Option<&str>, Option<NaiveDate>, u64)> = team_commit
        .evidence
        .iter()
        .map(|e| {
            (
                e.record_id.as_str(),
                e.new_value.as_deref(),
                e.as_of,
                e.line,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("A1", Some("100000"), Some(date("2026-11-13")), 2),
            ("A2", Some("50000"), Some(date("2026-11-13")), 3),
            ("B8", None, Some(date("2026-11-13")), 14),
        ]
    );
    expect!["Commit for the team in Q4 of the fiscal year starting 2026-01 (2026-10-01 to 2026-12-31): USD 150,000 over 2 open deals. Left out: 1 deal — no amount."].assert_eq(&team_commit.text);
    let alice_pipeline = by_key("forecast.rollup_pipeline.Alice.2026-10-01");
    assert_eq!(alice_pipeline.subject.kind, SubjectKind::Rep);
    expect!["Pipeline for Alice in Q4 of the fiscal year starting 2026-01 (2026-10-01 to 2026-12-31): USD 0 over 0 open deals. Left out: 1 deal — amount in EUR, not the reporting currency (currencies are never added)."].assert_eq(&alice_pipeline.text);
    expect![[r#"Population { description: "open deals in forecast category Pipeline owned by Alice in the snapshot of 2026-11-13 with a close date from 2026-10-01 to 2026-12-31", n: 0, excluded: [Exclusion { n: 1, reason: "amount in EUR, not the reporting currency (currencies are never added)" }] }"#]].assert_eq(&format!("{:?}", alice_pipeline.population));
}

#[test]
fn ledger_over_the_quarter_to_date() {
    let analysis = district_analysis(None);
    let ledger = with_prefix(&analysis, "ledger_");
    let rows: Vec<(&str, &str, &str, Option<f64>, usize)> = ledger
        .iter()
        .map(|i| {
            assert_eq!(i.subject.kind, SubjectKind::Record);
            (
                i.subject.id.as_str(),
                i.subject.label.as_str(),
                i.measure.as_str(),
                i.value,
                i.evidence.len(),
            )
        })
        .collect();
    // In the order of the current snapshot, each deal's changes in the ledger's order (status,
    // close date, amount, category, stage), removed deals last.
    assert_eq!(
        rows,
        [
            ("A2", "Deal A2", "ledger_category_moved", Some(50_000.0), 2),
            // 2026-11-20 → 2027-01-15 is 56 days.
            ("A3", "Deal A3", "ledger_pushed_out", Some(56.0), 2),
            ("A3", "Deal A3", "ledger_category_moved", Some(30_000.0), 2),
            ("A4", "Deal A4", "ledger_won", Some(70_000.0), 2),
            ("A4", "Deal A4", "ledger_amount_up", Some(10_000.0), 2),
            // In EUR: no value in the reporting currency.
            ("A5", "Deal A5", "ledger_added", None, 1),
            ("B5", "Deal B5", "ledger_lost", Some(12_000.0), 2),
            ("B9", "Deal B9", "ledger_removed", Some(15_000.0), 1),
        ]
    );
    let text: Vec<&str> = ledger.iter().map(|i| i.text.as_str()).collect();
    expect![[r#"
        Forecast category moved from Best Case to Commit between the snapshots of 2026-09-30 and 2026-11-13. Amount USD 50,000.
        Close date moved from 2026-11-20 to 2027-01-15 (pushed out of the period) between the snapshots of 2026-09-30 and 2026-11-13.
        Forecast category moved from Commit to Best Case between the snapshots of 2026-09-30 and 2026-11-13. Amount USD 30,000.
        Won between the snapshots of 2026-09-30 and 2026-11-13; stage moved from Negotiation to Closed Won. Amount USD 70,000.
        Amount rose from USD 60,000 to USD 70,000 between the snapshots of 2026-09-30 and 2026-11-13.
        Added (open) between the snapshots of 2026-09-30 and 2026-11-13. Value undefined: amount in EUR, not the reporting currency (currencies are never added).
        Lost between the snapshots of 2026-09-30 and 2026-11-13; stage moved from Proposal to Closed Lost. Amount USD 12,000.
        Removed (was open) between the snapshots of 2026-09-30 and 2026-11-13: deleted, or no longer matched by the report's filters. Amount USD 15,000."#]].assert_eq(&text.join("\n"));

    let pushed = ledger[1];
    assert_eq!(pushed.key, "forecast.ledger_pushed_out.A3");
    let rows: Vec<_> = pushed
        .evidence
        .iter()
        .map(|e| {
            (
                e.as_of,
                e.field.as_deref(),
                e.new_value.as_deref(),
                &*e.source_file,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                Some(date("2026-09-30")),
                Some("close_date"),
                Some("2026-11-20"),
                "opportunities-2026-09-30.csv"
            ),
            (
                Some(date("2026-11-13")),
                Some("close_date"),
                Some("2027-01-15"),
                "opportunities-2026-11-13.csv"
            ),
        ]
    );
    let window = pushed.period.as_ref().unwrap();
    assert_eq!(
        (window.start, window.end),
        (date("2026-09-30"), date("2026-11-13"))
    );
    assert_eq!(pushed.population.n, 2);
}

#[test]
fn ledger_from_setting_picks_the_latest_snapshot_on_or_before_it() {
    // 2026-11-01 → the snapshot of 2026-10-31, which differs from the current one by A5 (added) and
    // B9 (removed) only.
    let analysis = district_analysis(Some("2026-11-01"));
    check_rules(&analysis);
    let ledger: Vec<(&str, &str)> = with_prefix(&analysis, "ledger_")
        .iter()
        .map(|i| (i.subject.id.as_str(), i.measure.as_str()))
        .collect();
    assert_eq!(ledger, [("A5", "ledger_added"), ("B9", "ledger_removed")]);
    // The reversal window is now (2026-10-31, 2026-11-13]: A2's stage moved only once inside it.
    assert!(with_prefix(&analysis, "reversed_").is_empty());

    // A date before every snapshot falls back to the oldest one.
    let analysis = district_analysis(Some("2026-01-01"));
    assert_eq!(with_prefix(&analysis, "ledger_").len(), 8);

    // The current snapshot itself as the base: no ledger, no reversal window.
    let analysis = district_analysis(Some("2026-11-14"));
    assert!(with_prefix(&analysis, "ledger_").is_empty());
    assert!(with_prefix(&analysis, "reversed_").is_empty());
}

#[test]
fn reversed_changes_from_history() {
    let analysis = district_analysis(None);
    let reversed = with_prefix(&analysis, "reversed_");
    let rows: Vec<_> = reversed
        .iter()
        .map(|i| {
            (
                i.key.as_str(),
                i.subject.label.as_str(),
                i.value,
                i.population.n,
                i.evidence.iter().map(|e| e.line).collect(),
            )
        })
        .collect();
    // A1's close date (rows 3 and 4; row 2 is before the window), A2's stage (rows 10 and 11; row 12
    // is after the current snapshot), B2's amount (rows 13 and 14). A3 (pushed, never back), B1 (one
    // row in the window) and A2's category (one move) are not listed.
    assert_eq!(
        rows,
        [
            (
                "forecast.reversed_close_date.A1",
                "Deal A1",
                Some(2.0),
                2,
                vec![3, 4]
            ),
            (
                "forecast.reversed_stage.A2",
                "Deal A2",
                Some(2.0),
                2,
                vec![10, 11]
            ),
            (
                "forecast.reversed_amount.B2",
                "Deal B2",
                Some(2.0),
                2,
                vec![13, 14]
            ),
        ]
    );
    let text: Vec<&str> = reversed.iter().map(|i| i.text.as_str()).collect();
    expect![[r#"
        Close date changed 2 times between 2026-09-30 and 2026-11-13 and ended where it started (2026-11-20): 2026-11-20 → 2026-12-20 → 2026-11-20.
        Stage changed 2 times between 2026-09-30 and 2026-11-13 and ended where it started (Proposal): Proposal → Negotiation → Proposal.
        Amount changed 2 times between 2026-09-30 and 2026-11-13 and ended where it started (10,000): 10,000 → 12,000 → 10,000."#]].assert_eq(&text.join("\n"));
    let evidence = &reversed[0].evidence[0];
    assert_eq!(
        (
            evidence.field.as_deref(),
            evidence.old_value.as_deref(),
            evidence.new_value.as_deref(),
            evidence.at,
            &*evidence.source_file
        ),
        (
            Some("close_date"),
            Some("2026-11-20"),
            Some("2026-12-20"),
            Some(at("2026-10-05 09:00")),
            "history.csv"
        )
    );
}

// ---------------------------------------------------------------------------------------------
// Forecast accuracy. As of 2026-10-20, fiscal year from January. Snapshots: 2026-06-26 (Q2, week 13),
// 2026-07-03 (Q3, week 1), 2026-08-14 (Q3, week 7), 2026-09-25 (Q3, week 13), 2026-10-02 (Q4: the
// actuals of Q3; the actuals of Q2 come from 2026-07-03). Q4 has not ended: no call of Q4 counts.

fn accuracy_dataset() -> Dataset {
    let usd = |id: &str, owner, status, category, amount: f64, close: &str| {
        deal(
            id,
            owner,
            status,
            category,
            Some(amount),
            "USD",
            Some(close),
            "Stage",
        )
    };
    let eur_d4 = |status, category| {
        deal(
            "D4",
            ALICE,
            status,
            category,
            Some(30_000.0),
            "EUR",
            Some("2026-09-15"),
            "Stage",
        )
    };
    let s0 = vec![
        usd("F1", ALICE, Won, None, 80_000.0, "2026-06-15"),
        usd("F2", ALICE, Open, Some(Commit), 30_000.0, "2026-06-29"),
        usd("G1", BOB, Open, Some(Commit), 10_000.0, "2026-06-20"),
        usd("D1", ALICE, Open, Some(Pipeline), 100_000.0, "2026-08-20"),
    ];
    let s1 = vec![
        usd("F1", ALICE, Won, None, 80_000.0, "2026-06-15"),
        usd("F2", ALICE, Lost, None, 30_000.0, "2026-06-29"),
        usd("G1", BOB, Lost, None, 10_000.0, "2026-06-20"),
        usd("D1", ALICE, Open, Some(Commit), 100_000.0, "2026-08-20"),
        usd("D2", ALICE, Open, Some(BestCase), 50_000.0, "2026-09-10"),
        eur_d4(Open, Some(Commit)),
        usd("E1", BOB, Open, Some(Commit), 60_000.0, "2026-09-20"),
        usd("E2", BOB, Open, Some(BestCase), 20_000.0, "2026-08-30"),
    ];
    let s2 = vec![
        usd("D1", ALICE, Open, Some(Commit), 100_000.0, "2026-08-20"),
        usd("D2", ALICE, Open, Some(Commit), 50_000.0, "2026-09-10"),
        usd("D3", ALICE, Open, Some(Pipeline), 40_000.0, "2026-09-28"),
        eur_d4(Open, Some(Commit)),
        usd("E1", BOB, Open, Some(Commit), 60_000.0, "2026-09-20"),
        usd("E2", BOB, Lost, None, 20_000.0, "2026-08-30"),
    ];
    let s3 = vec![
        usd("D1", ALICE, Won, None, 100_000.0, "2026-08-20"),
        usd("D2", ALICE, Open, Some(Commit), 50_000.0, "2026-09-10"),
        usd("D3", ALICE, Open, Some(BestCase), 40_000.0, "2026-09-28"),
        eur_d4(Open, Some(Commit)),
        usd("E1", BOB, Open, Some(Commit), 60_000.0, "2026-09-20"),
        usd("E2", BOB, Lost, None, 20_000.0, "2026-08-30"),
    ];
    let s4 = vec![
        usd("D1", ALICE, Won, None, 100_000.0, "2026-08-20"),
        usd("D2", ALICE, Lost, None, 50_000.0, "2026-09-10"),
        usd("D3", ALICE, Won, None, 40_000.0, "2026-09-28"),
        eur_d4(Won, None),
        usd("E1", BOB, Lost, None, 60_000.0, "2026-09-20"),
        usd("E2", BOB, Lost, None, 20_000.0, "2026-08-30"),
        usd("H1", ALICE, Open, Some(Commit), 25_000.0, "2026-11-10"),
    ];
    Dataset {
        snapshots: vec![
            snapshot("2026-06-26", s0),
            snapshot("2026-07-03", s1),
            snapshot("2026-08-14", s2),
            snapshot("2026-09-25", s3),
            snapshot("2026-10-02", s4),
        ],
        // History for D1 only: D3 and the others have none, and the accuracy reads snapshots alone.
        history: vec![HistoryLog {
            source_file: "history.csv".into(),
            events: vec![event(
                2,
                "D1",
                HistoryField::Stage,
                "Discovery",
                "Proposal",
                "2026-08-01 09:00",
            )],
        }],
        users: Vec::new(),
        ..Dataset::default()
    }
}

#[test]
fn forecast_accuracy_by_rep_and_week() {
    let analysis = analyze(&accuracy_dataset(), &Settings::new(date("2026-10-20"))).unwrap();
    check_rules(&analysis);
    assert_eq!(analysis.currency.as_deref(), Some("USD"));
    let accuracy = with_prefix(&analysis, "forecast_");
    let round = |value: Option<f64>| value.map(|v| (v * 1e6).round() / 1e6);
    let rows: Vec<(&str, Option<f64>, usize, usize, usize)> = accuracy
        .iter()
        .map(|i| {
            (
                i.key.as_str(),
                round(i.value),
                i.population.n,
                excluded(i),
                i.evidence.len(),
            )
        })
        .collect();
    // Calls (thousands), closed won + Commit [+ Best Case] with a close date in the quarter:
    //   Alice: 06-26 (Q2) 80 + 30 = 110; 07-03 100 [+50] (D4 in EUR left out); 08-14 150; 09-25
    //          100 won + 50 = 150 [+40 = 190].
    //   Bob:   06-26 10; 07-03 60 [+20]; 08-14 60; 09-25 60.
    // Actuals: Q2 from 07-03: Alice 80, Bob 0. Q3 from 10-02: Alice 100 + 40 = 140 (D4 left out), Bob 0.
    // Alice, Commit: |80−110| + |140−100| + |140−150| + |140−150| = 90; Σ actual = 80 + 3 × 140 = 500
    //   → WAPE 0.18; Σ(call − actual) = 30 − 40 + 10 + 10 = 10 → bias 0.02.
    // Alice, + Best Case: 30 + 10 + 10 + 50 = 100 → 0.2; bias 30 + 10 + 10 + 50 = 100 → 0.2.
    // Bob: Σ actual = 0 → both undefined.
    // Left out for Alice: D4 in three calls and in the Q3 actual = 4 rows.
    // Rows (the won rows of the actuals and the Commit [and Best Case] rows of the calls; the won
    // rows of the calls are not listed): Alice, Commit: actuals F1 (07-03), D1, D3, D4 (10-02) = 4;
    //   calls 06-26 F2; 07-03 D1, D4; 08-14 D1, D2, D4; 09-25 D2, D4 = 8 → 12; + Best Case D2
    //   (07-03), D3 (09-25) → 14.
    // Bob: rows G1, E1 ×3 = 4 (+ E2 on 07-03 = 5).
    // Weeks (team, Commit): week 1 = 07-03: call 160, actual 140 → 20/140; week 7 = 08-14: call
    //   210, actual 140 → 70/140; week 13 = 06-26 (call 120, actual 80) and 09-25 (call 210, actual
    //   140) → (40 + 70) / 220 = 0.5, bias the same since every call is above its actual.
    //   + Best Case: week 1 call 230 → 90/140; week 7 unchanged; week 13: 120 and 250 → 150/220.
    // Week rows, Commit: week 1 = actual D1, D3, D4 + calls D1, D4, E1 = 6; week 7 = 3 + D1, D2,
    //   D4, E1 = 7; week 13 = F1 + F2, G1 + 3 + D2, D4, E1 = 9. + Best Case: week 1 + D2,
    //   E2 = 8; week 7 = 7; week 13 + D3 = 10. Left out: D4 once per call and once per actual.
    assert_eq!(
        rows,
        [
            ("forecast.forecast_wape_commit.Alice", Some(0.18), 4, 4, 12),
            ("forecast.forecast_bias_commit.Alice", Some(0.02), 4, 4, 12),
            (
                "forecast.forecast_wape_commit_best_case.Alice",
                Some(0.2),
                4,
                4,
                14
            ),
            (
                "forecast.forecast_bias_commit_best_case.Alice",
                Some(0.2),
                4,
                4,
                14
            ),
            ("forecast.forecast_wape_commit.Bob", None, 4, 0, 4),
            ("forecast.forecast_bias_commit.Bob", None, 4, 0, 4),
            ("forecast.forecast_wape_commit_best_case.Bob", None, 4, 0, 5),
            ("forecast.forecast_bias_commit_best_case.Bob", None, 4, 0, 5),
            (
                "forecast.forecast_wape_commit.week-1",
                round(Some(20.0 / 140.0)),
                1,
                2,
                6
            ),
            (
                "forecast.forecast_bias_commit.week-1",
                round(Some(20.0 / 140.0)),
                1,
                2,
                6
            ),
            (
                "forecast.forecast_wape_commit_best_case.week-1",
                round(Some(90.0 / 140.0)),
                1,
                2,
                8
            ),
            (
                "forecast.forecast_bias_commit_best_case.week-1",
                round(Some(90.0 / 140.0)),
                1,
                2,
                8
            ),
            ("forecast.forecast_wape_commit.week-7", Some(0.5), 1, 2, 7),
            ("forecast.forecast_bias_commit.week-7", Some(0.5), 1, 2, 7),
            (
                "forecast.forecast_wape_commit_best_case.week-7",
                Some(0.5),
                1,
                2,
                7
            ),
            (
                "forecast.forecast_bias_commit_best_case.week-7",
                Some(0.5),
                1,
                2,
                7
            ),
            ("forecast.forecast_wape_commit.week-13", Some(0.5), 2, 2, 9),
            ("forecast.forecast_bias_commit.week-13", Some(0.5), 2, 2, 9),
            (
                "forecast.forecast_wape_commit_best_case.week-13",
                round(Some(150.0 / 220.0)),
                2,
                2,
                10
            ),
            (
                "forecast.forecast_bias_commit_best_case.week-13",
                round(Some(150.0 / 220.0)),
                2,
                2,
                10
            ),
        ]
    );
    let alice = accuracy[0];
    assert_eq!(alice.subject.kind, SubjectKind::Rep);
    assert_eq!(accuracy[8].subject.kind, SubjectKind::Period);
    assert_eq!(accuracy[8].subject.label, "Week 1 of the quarter");
    let euro = &alice.population.excluded;
    assert_eq!(euro.len(), 1);
    assert_eq!(euro[0].n, 4);
    assert!(euro[0].reason.contains("EUR"), "{}", euro[0].reason);
    // D3 has no history and still counts: its won row of 2026-10-02 is among Alice's rows.
    assert!(
        alice
            .evidence
            .iter()
            .any(|e| e.record_id == "D3" && e.as_of == Some(date("2026-10-02")))
    );
    let period = alice.period.as_ref().unwrap();
    assert_eq!(
        (period.start, period.end),
        (date("2026-04-01"), date("2026-09-30"))
    );
    let text: Vec<&str> = [0, 1, 4, 5, 16]
        .iter()
        .map(|&idx| accuracy[idx].text.as_str())
        .collect();
    expect![[r#"
        WAPE of Alice's call (closed won + Commit): 18.0% over 4 calls in 2 quarters; Σ|actual − call| USD 90,000 ÷ Σ|actual| USD 500,000. Left out: 4 deal rows — amount in EUR, not the reporting currency (currencies are never added).
        Signed bias of Alice's call (closed won + Commit): +2.0% over 4 calls in 2 quarters; Σ(call − actual) USD 10,000 ÷ Σ actual USD 500,000. Left out: 4 deal rows — amount in EUR, not the reporting currency (currencies are never added).
        WAPE of Bob's call (closed won + Commit) is undefined: Σ|actual| over 4 calls in 2 quarters is 0 (no closed won counted in the reporting currency), so the ratio has no denominator; Σ|actual − call| is USD 190,000.
        Signed bias of Bob's call (closed won + Commit) is undefined: Σ actual over 4 calls in 2 quarters is 0, so the ratio has no denominator; Σ(call − actual) is USD 190,000.
        WAPE of the team's call (closed won + Commit) in week 13 of the quarter: 50.0% over 2 calls in 2 quarters; Σ|actual − call| USD 110,000 ÷ Σ|actual| USD 220,000. Left out: 2 deal rows — amount in EUR, not the reporting currency (currencies are never added)."#]].assert_eq(&text.join("\n"));
    expect!["4 (snapshot, quarter) pairs over 2 quarters: each snapshot dated inside a fiscal quarter that ended on or before 2026-10-20 is one call: Alice's call (closed won + Commit), from deals with a close date in that quarter as of the snapshot, held against the closed won with a close date in that quarter in the first snapshot after its end (or the current snapshot); left-out counts are deal rows"].assert_eq(&alice.population.description);
}

#[test]
fn no_accuracy_before_a_quarter_has_ended() {
    // As of 2026-09-29 the only quarter with an end on or before it is Q2, with the snapshot of
    // 2026-06-26; its actual comes from 2026-07-03. Q3 is still running.
    let analysis = analyze(&accuracy_dataset(), &Settings::new(date("2026-09-29"))).unwrap();
    check_rules(&analysis);
    let keys: Vec<(&str, Option<f64>)> = with_prefix(&analysis, "forecast_wape_commit")
        .iter()
        .map(|i| (i.key.as_str(), i.value))
        .collect();
    // Alice |80 − 110| / 80; Bob undefined; week 13: |80 − 120| / 80.
    assert_eq!(
        keys,
        [
            ("forecast.forecast_wape_commit.Alice", Some(30.0 / 80.0)),
            (
                "forecast.forecast_wape_commit_best_case.Alice",
                Some(30.0 / 80.0)
            ),
            ("forecast.forecast_wape_commit.Bob", None),
            ("forecast.forecast_wape_commit_best_case.Bob", None),
            ("forecast.forecast_wape_commit.week-13", Some(0.5)),
            ("forecast.forecast_wape_commit_best_case.week-13", Some(0.5)),
        ]
    );
    // As of 2026-06-30, Q2 ends that very day and counts; no snapshot is dated after it, so the
    // current snapshot (2026-06-26) gives the actual: Alice's call 110 against actual 80.
    // As of 2026-06-29 no quarter with snapshots has ended: no accuracy at all.
    let analysis = analyze(&accuracy_dataset(), &Settings::new(date("2026-06-30"))).unwrap();
    let alice = with_prefix(&analysis, "forecast_wape_commit")[0];
    assert_eq!(alice.value, Some(30.0 / 80.0));
    let analysis = analyze(&accuracy_dataset(), &Settings::new(date("2026-06-29"))).unwrap();
    assert!(with_prefix(&analysis, "forecast_").is_empty());
}

// ---------------------------------------------------------------------------------------------
// Property: the roll-up sums equal a deliberately naive recomputation (plain loops over every
// quarter × subject × column × deal).

const OWNERS: [Option<&str>; 4] = [Some("Alice"), Some("Bob"), Some("Chen"), None];

fn category(idx: usize) -> Option<ForecastCategory> {
    [
        None,
        Some(Pipeline),
        Some(BestCase),
        Some(Commit),
        Some(Omitted),
        Some(Other("Upside".into())),
        Some(ForecastCategory::MostLikely),
        Some(ForecastCategory::Closed),
    ][idx]
        .clone()
}

fn naive_measure(deal: &Opportunity) -> &'static str {
    if deal.status == Won {
        return "rollup_closed_won";
    }
    match &deal.forecast_category {
        None => "rollup_no_category",
        Some(Pipeline) => "rollup_pipeline",
        Some(BestCase) => "rollup_best_case",
        Some(Commit) => "rollup_commit",
        Some(Omitted) => "rollup_omitted",
        Some(Other(_)) => "rollup_other_upside",
        Some(ForecastCategory::MostLikely) => "rollup_most_likely",
        Some(ForecastCategory::Closed) => "rollup_closed",
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn rollups_match_a_naive_recomputation(
        raw in prop::collection::vec(
            (0usize..4, 0usize..3, 0usize..8, prop::option::of(0u32..1_000_000), 0usize..3, prop::option::of(0u64..420)),
            0..60,
        )
    ) {
        let start = date("2026-09-01");
        let deals: Vec<Opportunity> = raw
            .iter()
            .enumerate()
            .map(|(idx, &(owner, status, cat, amount, currency, close))| {
                deal(
                    &format!("X{idx}"),
                    OWNERS[owner],
                    [Open, Won, Lost][status],
                    category(cat),
                    amount.map(f64::from),
                    ["", "USD", "EUR"][currency],
                    None,
                    "Stage",
                )
                .with_close(close.map(|days| start + chrono::Days::new(days)))
            })
            .collect();
        let dataset = Dataset {
            snapshots: vec![snapshot("2026-11-13", deals.clone())],
            history: Vec::new(),
            users: Vec::new(),
                    ..Dataset::default()
        };
        let mut settings = Settings::new(date("2026-11-13"));
        settings.currency = Some("USD".into());
        let analysis = analyze(&dataset, &settings).unwrap();

        // Naive: every quarter × subject × column, each a loop over all deals.
        let quarters = [(date("2026-10-01"), date("2026-12-31")), (date("2027-01-01"), date("2027-03-31"))];
        let columns = [
            "rollup_pipeline", "rollup_best_case", "rollup_most_likely", "rollup_commit", "rollup_closed",
            "rollup_omitted", "rollup_other_upside", "rollup_no_category", "rollup_closed_won",
        ];
        let subjects = ["all", "Alice", "Bob", "Chen", "(no owner)"];
        let mut naive: BTreeMap<String, (f64, usize, usize)> = BTreeMap::new();
        for (q, &(q_start, q_end)) in quarters.iter().enumerate() {
            for subject in subjects {
                for column in columns {
                    let mut cell = (0.0, 0usize, 0usize);
                    let mut any = false;
                    for deal in &deals {
                        let owner = deal.owner.as_deref().unwrap_or("(no owner)");
                        if subject != "all" && owner != subject { continue; }
                        let Some(close) = deal.close_date else { continue };
                        if close < q_start || close > q_end { continue; }
                        if deal.status == Lost { continue; }
                        if deal.status == Won && q != 0 { continue; }
                        if naive_measure(deal) != column { continue; }
                        any = true;
                        match (deal.amount, deal.currency.as_deref()) {
                            (Some(amount), None | Some("USD")) => { cell.0 += amount; cell.1 += 1; }
                            _ => cell.2 += 1,
                        }
                    }
                    if any {
                        naive.insert(format!("forecast.{column}.{subject}.{q_start}"), cell);
                    }
                }
            }
        }
        let engine: BTreeMap<String, (f64, usize, usize)> = with_prefix(&analysis, "rollup_")
            .iter()
            .map(|i| (i.key.clone(), (i.value.unwrap(), i.population.n, excluded(i))))
            .collect();
        prop_assert_eq!(engine, naive);
    }
}

trait WithClose {
    fn with_close(self, close: Option<NaiveDate>) -> Self;
}

impl WithClose for Opportunity {
    fn with_close(mut self, close: Option<NaiveDate>) -> Self {
        self.close_date = close;
        self
    }
}
