//! Tests of module 3, pipeline quality and hygiene, on small fixtures whose expected values were
//! worked out by hand (the arithmetic is in the comments): stage aging with ties, deals without
//! history, no closed deals, zero-length stays, reversed pushes, a currency mix, the no-activity
//! filter, sales velocity, and a property test of the win rate against a naive reference.

use chrono::{NaiveDate, NaiveDateTime};
use expect_test::expect;
use lens_core::insight::{
    Analysis, Dataset, Exclusion, HistoryLog, Insight, Module, Reference, Settings, analyze,
    lexicon,
};
use lens_core::model::{DealStatus, HistoryEvent, HistoryField, Opportunity, Snapshot, SourceRef};
use proptest::prelude::*;

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn at(day: &str) -> NaiveDateTime {
    date(day).and_hms_opt(9, 0, 0).unwrap()
}

/// An open deal with nothing but an id; tests fill in what they read.
fn opp(id: &str, line: u64) -> Opportunity {
    Opportunity {
        id: id.into(),
        name: format!("Deal {id}").into(),
        status: DealStatus::Open,
        source: SourceRef { line },
        ..Default::default()
    }
}

/// Stage order of the fixtures' process.
fn order(stage: &str) -> Option<u32> {
    match stage {
        "Discovery" => Some(1),
        "Proposal" => Some(2),
        "Negotiation" => Some(3),
        "Closed Won" => Some(4),
        "Closed Lost" => Some(5),
        _ => None,
    }
}

fn in_stage(id: &str, line: u64, stage: &str) -> Opportunity {
    let status = match stage {
        "Closed Won" => DealStatus::Won,
        "Closed Lost" => DealStatus::Lost,
        _ => DealStatus::Open,
    };
    Opportunity {
        stage: Some(stage.into()),
        stage_order: order(stage),
        status,
        ..opp(id, line)
    }
}

fn event(
    id: &str,
    field: HistoryField,
    old: Option<&str>,
    new: Option<&str>,
    when: NaiveDateTime,
    line: u64,
) -> HistoryEvent {
    HistoryEvent {
        opportunity_id: id.into(),
        field,
        old_value: old.map(Into::into),
        new_value: new.map(Into::into),
        at: when,
        by: None,
        source: SourceRef { line },
    }
}

fn snapshot(as_of: &str, opportunities: Vec<Opportunity>) -> Snapshot {
    Snapshot {
        as_of: date(as_of),
        source_file: format!("opportunities-{as_of}.csv").into(),
        opportunities,
    }
}

fn history(events: Vec<HistoryEvent>) -> Vec<HistoryLog> {
    vec![HistoryLog {
        source_file: "OpportunityHistory.csv".into(),
        events,
    }]
}

fn settings(as_of: &str) -> Settings {
    Settings {
        currency: Some("USD".into()),
        ..Settings::new(date(as_of))
    }
}

/// Runs the analysis and checks what holds for every insight: unique keys, a formula, evidence
/// whenever something was counted, and no evaluative or prescriptive phrase in any text.
fn run(dataset: &Dataset, settings: &Settings) -> Analysis {
    let analysis = analyze(dataset, settings).unwrap();
    let broken = lexicon::broken_rules(&analysis);
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    analysis
}

fn find<'a>(analysis: &'a Analysis, key: &str) -> &'a Insight {
    analysis
        .insights()
        .find(|insight| insight.key == key)
        .unwrap_or_else(|| {
            let keys: Vec<&str> = analysis.insights().map(|i| i.key.as_str()).collect();
            panic!("no insight {key}; keys: {keys:#?}")
        })
}

fn has(analysis: &Analysis, key: &str) -> bool {
    analysis.insights().any(|insight| insight.key == key)
}

fn hygiene_keys(analysis: &Analysis) -> Vec<&str> {
    analysis
        .insights()
        .filter(|insight| insight.module == Module::Hygiene)
        .map(|insight| insight.key.as_str())
        .collect()
}

fn distribution(insight: &Insight) -> (usize, f64, f64, f64) {
    match &insight.reference {
        Some(Reference::Distribution {
            n,
            p50,
            p90,
            percentile,
            ..
        }) => (*n, *p50, *p90, *percentile),
        other => panic!("{} has no distribution: {other:?}", insight.key),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn excluded(reason: &str, n: usize) -> Exclusion {
    Exclusion {
        n,
        reason: reason.to_string(),
    }
}

/// Created in Proposal, into Negotiation on `entered`, out to `next` on `left`.
fn negotiation_stay(
    id: &str,
    entered: &str,
    left: &str,
    next: &str,
    line: u64,
) -> Vec<HistoryEvent> {
    vec![
        event(
            id,
            HistoryField::Created,
            None,
            Some("Proposal"),
            at("2025-01-01"),
            line,
        ),
        event(
            id,
            HistoryField::Stage,
            Some("Proposal"),
            Some("Negotiation"),
            at(entered),
            line + 1,
        ),
        event(
            id,
            HistoryField::Stage,
            Some("Negotiation"),
            Some(next),
            at(left),
            line + 2,
        ),
    ]
}

/// Five completed stays in Negotiation of 10, 20, 20, 20 and 40 days within the window, one that
/// ended before it, and three open deals in Negotiation for 20, 32 and 43 days on 2026-11-13.
fn ties_fixture() -> Dataset {
    let mut events = Vec::new();
    events.extend(negotiation_stay(
        "H1",
        "2026-04-01",
        "2026-04-11",
        "Closed Won",
        10,
    ));
    events.extend(negotiation_stay(
        "H2",
        "2026-05-01",
        "2026-05-21",
        "Closed Lost",
        20,
    ));
    events.extend(negotiation_stay(
        "H3",
        "2026-06-01",
        "2026-06-21",
        "Proposal",
        30,
    ));
    events.extend(negotiation_stay(
        "H4",
        "2026-07-01",
        "2026-07-21",
        "Closed Won",
        40,
    ));
    events.extend(negotiation_stay(
        "H5",
        "2026-08-01",
        "2026-09-10",
        "Closed Won",
        50,
    ));
    // Ended 2025-02-01, before the window's first day 2025-11-14.
    events.extend(negotiation_stay(
        "H6",
        "2025-01-10",
        "2025-02-01",
        "Closed Won",
        60,
    ));
    for (id, entered, line) in [
        ("D1", "2026-10-24", 70),
        ("D2", "2026-10-12", 80),
        ("D3", "2026-10-01", 90),
    ] {
        events.push(event(
            id,
            HistoryField::Created,
            None,
            Some("Proposal"),
            at("2026-09-01"),
            line,
        ));
        events.push(event(
            id,
            HistoryField::Stage,
            Some("Proposal"),
            Some("Negotiation"),
            at(entered),
            line + 1,
        ));
    }
    Dataset {
        snapshots: vec![snapshot(
            "2026-11-13",
            vec![
                in_stage("D1", 2, "Negotiation"),
                in_stage("D2", 3, "Negotiation"),
                in_stage("D3", 4, "Negotiation"),
                // Gives Proposal its rank (stage order 2), so H3's move is a move back.
                in_stage("Q1", 5, "Proposal"),
            ],
        )],
        history: history(events),
        users: Vec::new(),
        ..Dataset::default()
    }
}

#[test]
fn stage_aging_percentiles_with_ties() {
    let dataset = ties_fixture();
    let analysis = run(&dataset, &settings("2026-11-13"));

    // Sorted stays 10, 20, 20, 20, 40. Type 7: p50 at rank 2 → 20; p90 at rank 3.6 → 20 + 0.6 × 20 = 32.
    let stage = find(&analysis, "hygiene.stage_days.Negotiation");
    let (n, p50, p90, percentile) = distribution(stage);
    assert_eq!((n, p50, p90), (5, 20.0, 32.0));
    // The median 20 ties with three values: (1 below + 3 ÷ 2) ÷ 5 = 50%.
    assert_eq!(percentile, 50.0);
    assert_eq!(stage.value, Some(20.0));
    assert_eq!(
        stage.population.excluded,
        [excluded("stays that ended before 2025-11-14", 1)]
    );
    assert_eq!(stage.evidence.len(), 10, "entry and exit row of each stay");
    expect![[r#"Negotiation: of the 5 stays in Negotiation that ended in the 365 days to 2026-11-13 (2025-11-14 to 2026-11-13) (read from history: from the row that entered the stage to the next stage row of the same record), the median is 20 days and the 90th percentile 32 days. 3 open deals are in Negotiation now, median 32 days in the stage."#]]
    .assert_eq(&stage.text);

    // Only D3 (43 days) lies above 32; D2 sits exactly on it and does not.
    let filter = find(&analysis, "cockpit.attention_stage_age.pipeline");
    assert_eq!(filter.value, Some(1.0));
    assert!(filter.evidence.iter().all(|e| e.record_id == "D3"));
    let d3 = find(&analysis, "hygiene.days_in_stage.D3");
    assert_eq!(d3.value, Some(43.0));
    assert_eq!(distribution(d3), (5, 20.0, 32.0, 100.0));
    expect![[r#"43 days in Negotiation (entered on 2026-10-01, from the history row that set the current stage). Of the 5 stays in Negotiation that ended in the 365 days to 2026-11-13 (2025-11-14 to 2026-11-13) (read from history: from the row that entered the stage to the next stage row of the same record), the median is 20 days and the 90th percentile 32 days; 43 days lies at percentile 100 of them (ties counted as half)."#]]
    .assert_eq(&d3.text);
    assert_eq!(d3.evidence.len(), 2);
    assert_eq!(
        d3.evidence[1].line, 91,
        "the history row that entered Negotiation"
    );
    assert!(!has(&analysis, "hygiene.days_in_stage.D2"));

    // Conversion out of Negotiation: H1, H4, H5 won; H2 lost; H3 back to Proposal: 3 ÷ 5.
    // H6 began before the window; D1–D3 are still in the stage.
    let conversion = find(&analysis, "hygiene.stage_conversion.Negotiation");
    assert_eq!(conversion.value, Some(0.6));
    assert_eq!(conversion.population.n, 5);
    assert_eq!(
        conversion.population.excluded,
        [excluded("still in Negotiation on 2026-11-13", 3)]
    );
    expect![[r#"Negotiation: of 5 stays that began in the 365 days to 2026-11-13 (2025-11-14 to 2026-11-13) and ended in a won, lost or ordered stage, 3 (60.0%) next moved to a later stage or won (0 later stage, 3 won), 1 (20.0%) lost and 1 (20.0%) moved back to an earlier stage. 3 deals are still in Negotiation on 2026-11-13."#]]
    .assert_eq(&conversion.text);

    // With the percentile set to 0, the threshold is the minimum (10) and every open deal lies
    // above it, which shows each one's mid-rank: D1 at 20 ties three values → 50%; D2 at 32 has
    // four below → 80%.
    let zero = Settings {
        stage_age_percentile: 0.0,
        ..settings("2026-11-13")
    };
    let analysis = run(&dataset, &zero);
    assert_eq!(
        find(&analysis, "cockpit.attention_stage_age.pipeline").value,
        Some(3.0)
    );
    let d1 = find(&analysis, "hygiene.days_in_stage.D1");
    assert_eq!((d1.value, distribution(d1).3), (Some(20.0), 50.0));
    let d2 = find(&analysis, "hygiene.days_in_stage.D2");
    assert_eq!((d2.value, distribution(d2).3), (Some(32.0), 80.0));
    assert!(
        d1.text.contains("the 0th percentile 10 days"),
        "the filter's own percentile is named: {}",
        d1.text
    );
}

/// Four weekly snapshots and no history at all: stays, stage entries and pushes come from the
/// snapshots.
fn snapshots_only_fixture() -> Dataset {
    let row = |id: &str, line: u64, stage: &str, close: &str| Opportunity {
        close_date: Some(date(close)),
        ..in_stage(id, line, stage)
    };
    Dataset {
        snapshots: vec![
            snapshot(
                "2026-10-02",
                vec![
                    row("A", 2, "Proposal", "2026-11-30"),
                    row("B", 3, "Discovery", "2026-12-31"),
                    row("E", 4, "Negotiation", "2026-12-31"),
                ],
            ),
            snapshot(
                "2026-10-09",
                vec![
                    row("A", 2, "Proposal", "2026-12-15"),
                    row("B", 3, "Proposal", "2026-12-31"),
                    row("C", 4, "Proposal", "2026-12-31"),
                    row("E", 5, "Negotiation", "2026-12-31"),
                ],
            ),
            snapshot(
                "2026-10-16",
                vec![
                    row("A", 2, "Negotiation", "2026-12-10"),
                    row("B", 3, "Proposal", "2026-12-31"),
                    row("C", 4, "Negotiation", "2026-12-31"),
                    row("E", 5, "Negotiation", "2026-12-31"),
                    row("F", 6, "Discovery", "2026-12-31"),
                ],
            ),
            snapshot(
                "2026-10-23",
                vec![
                    row("A", 2, "Negotiation", "2027-01-10"),
                    row("B", 3, "Negotiation", "2026-12-31"),
                    row("C", 4, "Closed Won", "2026-10-20"),
                    row("E", 5, "Negotiation", "2026-12-31"),
                    row("F", 6, "Discovery", "2026-12-31"),
                    row("G", 7, "Discovery", "2026-12-31"),
                ],
            ),
        ],
        history: Vec::new(),
        users: Vec::new(),
        ..Dataset::default()
    }
}

#[test]
fn deals_with_no_history_are_read_from_snapshots() {
    let dataset = snapshots_only_fixture();
    let analysis = run(
        &dataset,
        &Settings {
            push_count_at_least: 2,
            ..settings("2026-10-23")
        },
    );

    // Proposal stays: B 10-09 → 10-23 (14 days), C 10-09 (first seen) → 10-16 (7 days). A's stay
    // began in the oldest snapshot, so its length is unknown and it is not counted.
    // Sorted 7, 14: p50 = 10.5; p90 = 7 + 0.9 × 7 = 13.3.
    let proposal = find(&analysis, "hygiene.stage_days.Proposal");
    let (n, p50, p90, _) = distribution(proposal);
    assert_eq!(n, 2);
    assert!(close(p50, 10.5) && close(p90, 13.3), "{p50} {p90}");
    assert!(proposal.text.contains("read from consecutive snapshots"));

    // Discovery has no completed stay; its distribution is the current ages of F (since 10-16,
    // 7 days) and G (since 10-23, 0 days): p50 3.5, p90 6.3; F lies above 6.3.
    let discovery = find(&analysis, "hygiene.stage_days.Discovery");
    let (n, p50, p90, _) = distribution(discovery);
    assert_eq!(n, 2);
    assert!(close(p50, 3.5) && close(p90, 6.3));
    assert!(
        discovery
            .text
            .starts_with("Discovery: no stay in Discovery ended in the 365 days")
    );
    let f = find(&analysis, "hygiene.days_in_stage.F");
    assert_eq!(f.value, Some(7.0));
    assert_eq!(distribution(f).3, 75.0, "(1 below + 1 ÷ 2) ÷ 2");
    assert!(f.text.contains("No stay in Discovery ended"));
    assert_eq!(
        f.evidence[1].as_of,
        Some(date("2026-10-16")),
        "first snapshot in Discovery"
    );

    // Negotiation: C's stay 10-16 → 10-23 (7 days) is the distribution; A (7 days) is not above
    // 7, B entered on 10-23. E is in Negotiation in every snapshot: entry unknown, left out.
    let stage_filter = find(&analysis, "cockpit.attention_stage_age.pipeline");
    assert_eq!(stage_filter.value, Some(1.0), "F only");
    assert_eq!(stage_filter.population.excluded.len(), 1);
    assert_eq!(stage_filter.population.excluded[0].n, 1);
    assert!(
        stage_filter.population.excluded[0]
            .reason
            .starts_with("stage entry date unknown")
    );

    // Conversion from snapshots: B and C left Proposal for Negotiation (later): 2 of 2.
    // Negotiation: C won (1 of 1); A and B are still there (entered 10-16 and 10-23).
    let proposal_conversion = find(&analysis, "hygiene.stage_conversion.Proposal");
    assert_eq!(
        (proposal_conversion.value, proposal_conversion.population.n),
        (Some(1.0), 2)
    );
    let negotiation = find(&analysis, "hygiene.stage_conversion.Negotiation");
    assert_eq!(
        (negotiation.value, negotiation.population.n),
        (Some(1.0), 1)
    );
    assert_eq!(
        negotiation.population.excluded,
        [excluded("still in Negotiation on 2026-10-23", 2)]
    );

    // A's close date: 11-30 → 12-15 (+15), → 12-10 (−5), → 2027-01-10 (+31): 2 pushes, 46 days.
    let a = find(&analysis, "hygiene.push_count.A");
    assert_eq!(a.value, Some(2.0));
    expect![[r#"Close date moved later twice between snapshots, first seen 2026-10-09 (+46 days in total). It also moved earlier once (−5 days); moves earlier are not subtracted from the count. Read from consecutive snapshots showing the deal, as the history has no close-date rows for it (moves between two snapshots count once)."#]]
    .assert_eq(&a.text);
    // The current row, then each move's two snapshot rows.
    assert_eq!(a.evidence.len(), 7);
    assert_eq!(
        a.evidence[1..]
            .iter()
            .map(|e| e.new_value.as_deref().unwrap())
            .collect::<Vec<_>>(),
        [
            "2026-11-30",
            "2026-12-15",
            "2026-12-15",
            "2026-12-10",
            "2026-12-10",
            "2027-01-10"
        ]
    );
    let pushed = find(&analysis, "hygiene.pushed_deals.pipeline");
    assert_eq!((pushed.value, pushed.population.n), (Some(1.0), 5));
    assert!(
        pushed
            .population
            .description
            .contains("0 deals read from history rows, 5 deals read from consecutive snapshots")
    );
    assert_eq!(
        find(&analysis, "hygiene.days_pushed.pipeline").value,
        Some(46.0)
    );
}

#[test]
fn no_closed_deals_leave_win_rate_cycle_and_velocity_undefined() {
    let dataset = Dataset {
        snapshots: vec![snapshot(
            "2026-11-13",
            vec![
                Opportunity {
                    amount: Some(1000.0),
                    ..in_stage("O1", 2, "Proposal")
                },
                // Won, but closed before the window: not counted, and said so.
                Opportunity {
                    amount: Some(500.0),
                    close_date: Some(date("2025-06-30")),
                    ..in_stage("W0", 3, "Closed Won")
                },
            ],
        )],
        ..Dataset::default()
    };
    let analysis = run(&dataset, &settings("2026-11-13"));
    let count = find(&analysis, "hygiene.win_rate_count.team");
    assert_eq!((count.value, count.population.n), (None, 0));
    assert_eq!(
        count.text,
        "Win rate by count is undefined: no deal closed won or lost in the 365 days to 2026-11-13 (2025-11-14 to 2026-11-13)."
    );
    assert_eq!(
        count.population.excluded,
        [excluded(
            "closed with a close date outside the 365 days to 2026-11-13 (2025-11-14 to 2026-11-13)",
            1
        )]
    );
    assert_eq!(find(&analysis, "hygiene.win_rate_value.team").value, None);
    assert_eq!(find(&analysis, "hygiene.cycle_length_won.team").value, None);
    assert_eq!(
        find(&analysis, "hygiene.cycle_length_closed.team").value,
        None
    );
    let velocity = find(&analysis, "hygiene.sales_velocity.team");
    assert_eq!(velocity.value, None);
    assert!(velocity.text.starts_with(
        "Sales velocity is undefined: no deal closed won or lost in the window, so the win rate is undefined;"
    ));
}

#[test]
fn zero_length_stays_count_as_zero_days() {
    // N1 and N2 enter and leave Negotiation on the same day (0 days); N3 stays 6 days.
    // Sorted 0, 0, 6: p50 = 0; p90 at rank 1.8 → 0 + 0.8 × 6 = 4.8.
    let mut events = Vec::new();
    for (id, entered, left, line) in [
        ("N1", "2026-10-01", "2026-10-01", 10),
        ("N2", "2026-10-02", "2026-10-02", 20),
        ("N3", "2026-10-03", "2026-10-09", 30),
    ] {
        events.extend(negotiation_stay(id, entered, left, "Closed Won", line));
    }
    // The same-day rows keep their order by time.
    events[2].at = date("2026-10-01").and_hms_opt(15, 0, 0).unwrap();
    // O1 entered Negotiation 5 days before the as-of date, O2 today.
    for (id, entered, line) in [("O1", "2026-11-08", 40), ("O2", "2026-11-13", 50)] {
        events.push(event(
            id,
            HistoryField::Created,
            None,
            Some("Negotiation"),
            at(entered),
            line,
        ));
    }
    let dataset = Dataset {
        snapshots: vec![snapshot(
            "2026-11-13",
            vec![
                in_stage("O1", 2, "Negotiation"),
                in_stage("O2", 3, "Negotiation"),
            ],
        )],
        history: history(events),
        users: Vec::new(),
        ..Dataset::default()
    };
    let analysis = run(&dataset, &settings("2026-11-13"));
    let stage = find(&analysis, "hygiene.stage_days.Negotiation");
    let (n, p50, p90, _) = distribution(stage);
    assert_eq!((n, p50), (3, 0.0));
    assert!(close(p90, 4.8));
    // O1 (5 days, from its creation row) lies above 4.8: (2 below + 0) ÷ 3 = 66.7%.
    let o1 = find(&analysis, "hygiene.days_in_stage.O1");
    assert_eq!(o1.value, Some(5.0));
    assert!(close(distribution(o1).3, 200.0 / 3.0));
    assert!(!has(&analysis, "hygiene.days_in_stage.O2"));
    // With the percentile at 0 the threshold is 0 and O2 (0 days) is still not above it.
    let analysis = run(
        &dataset,
        &Settings {
            stage_age_percentile: 0.0,
            ..settings("2026-11-13")
        },
    );
    assert_eq!(
        find(&analysis, "cockpit.attention_stage_age.pipeline").value,
        Some(1.0)
    );
}

#[test]
fn a_push_then_a_pull_in_is_one_push() {
    let close_change = |id: &str, old: &str, new: &str, when: &str, line: u64| {
        event(
            id,
            HistoryField::CloseDate,
            Some(old),
            Some(new),
            at(when),
            line,
        )
    };
    let events = vec![
        // P1: +31, then −16: one push.
        close_change("P1", "2026-09-30", "2026-10-31", "2026-09-01", 10),
        close_change("P1", "2026-10-31", "2026-10-15", "2026-09-20", 11),
        // P2: +10, −10, +20: two pushes, 30 days.
        close_change("P2", "2026-12-01", "2026-12-11", "2026-09-05", 20),
        close_change("P2", "2026-12-11", "2026-12-01", "2026-09-06", 21),
        close_change("P2", "2026-12-01", "2026-12-21", "2026-10-01", 22),
        // P3: pulled in only: no push.
        close_change("P3", "2026-12-31", "2026-12-01", "2026-10-01", 30),
    ];
    let row = |id: &str, line: u64, close: &str| Opportunity {
        close_date: Some(date(close)),
        ..in_stage(id, line, "Proposal")
    };
    let dataset = Dataset {
        snapshots: vec![snapshot(
            "2026-11-13",
            vec![
                row("P1", 2, "2026-10-15"),
                row("P2", 3, "2026-12-21"),
                row("P3", 4, "2026-12-01"),
            ],
        )],
        history: history(events),
        users: Vec::new(),
        ..Dataset::default()
    };
    let analysis = run(
        &dataset,
        &Settings {
            push_count_at_least: 1,
            ..settings("2026-11-13")
        },
    );
    let p1 = find(&analysis, "hygiene.push_count.P1");
    assert_eq!(p1.value, Some(1.0));
    expect![[r#"Close date moved later once since 2026-09-01 (+31 days in total). It also moved earlier once (−16 days); moves earlier are not subtracted from the count. Read from the deal's close-date history rows."#]]
    .assert_eq(&p1.text);
    assert_eq!(
        p1.evidence.iter().map(|e| e.line).collect::<Vec<_>>(),
        [2, 10, 11],
        "the snapshot row and both history rows"
    );
    let p2 = find(&analysis, "hygiene.push_count.P2");
    assert_eq!(p2.value, Some(2.0));
    assert!(p2.text.contains("(+30 days in total)"));
    assert!(!has(&analysis, "hygiene.push_count.P3"));
    assert_eq!(
        find(&analysis, "cockpit.attention_pushes.pipeline").value,
        Some(2.0)
    );
    let pushed = find(&analysis, "hygiene.pushed_deals.pipeline");
    assert_eq!(pushed.value, Some(2.0));
    assert!(
        pushed
            .text
            .contains("By number of moves: 1 deal once, 1 deal twice."),
        "{}",
        pushed.text
    );
    assert_eq!(
        find(&analysis, "hygiene.days_pushed.pipeline").value,
        Some(61.0),
        "31 + 30"
    );
    // P1's close date 2026-10-15 is before the as-of date: 29 days.
    let past = find(&analysis, "hygiene.close_date_past.P1");
    assert_eq!(past.value, Some(29.0));
    assert_eq!(
        past.text,
        "Open, with close date 2026-10-15: 29 days before the as-of date 2026-11-13."
    );
}

#[test]
fn amounts_in_another_currency_are_left_out_of_money_totals() {
    let deal =
        |id: &str, line: u64, stage: &str, amount: f64, currency: &str, close: &str| Opportunity {
            amount: Some(amount),
            currency: Some(currency.into()),
            close_date: Some(date(close)),
            created_date: Some(date("2026-01-01")),
            lead_source: Some("Web".into()),
            ..in_stage(id, line, stage)
        };
    let dataset = Dataset {
        snapshots: vec![snapshot(
            "2026-11-13",
            vec![
                // Open with a close date in the past: USD 100,000 + USD 50,000; EUR 70,000 left out.
                deal("U1", 2, "Proposal", 100_000.0, "USD", "2026-10-01"),
                deal("U2", 3, "Proposal", 50_000.0, "USD", "2026-11-12"),
                deal("E1", 4, "Proposal", 70_000.0, "EUR", "2026-09-01"),
                // Closed: won USD 100, won EUR 80, lost USD 300.
                deal("W1", 5, "Closed Won", 100.0, "USD", "2026-06-01"),
                deal("W2", 6, "Closed Won", 80.0, "EUR", "2026-06-01"),
                deal("L1", 7, "Closed Lost", 300.0, "USD", "2026-06-01"),
            ],
        )],
        ..Dataset::default()
    };
    let analysis = run(&dataset, &settings("2026-11-13"));
    let eur = "amount in EUR, not the reporting currency (currencies are never added)";

    let past_count = find(&analysis, "hygiene.close_date_past_count.pipeline");
    assert_eq!(past_count.value, Some(3.0));
    let past_amount = find(&analysis, "hygiene.close_date_past_amount.pipeline");
    assert_eq!(past_amount.value, Some(150_000.0));
    assert_eq!(past_amount.population.n, 2);
    assert_eq!(past_amount.population.excluded, [excluded(eur, 1)]);
    assert_eq!(
        past_amount.text,
        "Open deals with a close date before 2026-11-13: USD 150,000 over 2 deals with an amount."
    );

    // By count 2 of 3; by value USD 100 ÷ (100 + 300) = 25%, the EUR deal left out.
    let count = find(&analysis, "hygiene.win_rate_count.team");
    assert!(close(count.value.unwrap(), 2.0 / 3.0));
    let value = find(&analysis, "hygiene.win_rate_value.team");
    assert_eq!(value.value, Some(0.25));
    assert_eq!(value.population.n, 2);
    assert_eq!(value.population.excluded, [excluded(eur, 1)]);

    // Lead source Web: 3 open deals, USD 150,000 counted, EUR 70,000 left out.
    let web = find(&analysis, "hygiene.lead_source_mix.Web");
    assert_eq!(web.value, Some(150_000.0));
    assert_eq!(web.population.excluded, [excluded(eur, 1)]);
    assert_eq!(
        web.text,
        "Lead source Web: 3 open deals (100.0% of 3), USD 150,000 (100.0% of the USD 150,000 counted)."
    );
}

#[test]
fn no_activity_filter_leaves_out_deals_without_a_date() {
    let deal = |id: &str, line: u64, last: Option<&str>| Opportunity {
        last_activity_date: last.map(date),
        ..in_stage(id, line, "Proposal")
    };
    let dataset = Dataset {
        snapshots: vec![snapshot(
            "2026-11-13",
            vec![
                deal("A1", 2, Some("2026-10-01")), // 43 days: matches
                deal("A2", 3, Some("2026-10-14")), // 30 days: not more than 30
                deal("A3", 4, None),               // no date: left out
                deal("A4", 5, Some("2026-11-13")), // 0 days
            ],
        )],
        ..Dataset::default()
    };
    let analysis = run(&dataset, &settings("2026-11-13"));
    let filter = find(&analysis, "cockpit.attention_no_activity.pipeline");
    assert_eq!(filter.value, Some(1.0));
    assert_eq!(
        filter.population.excluded,
        [excluded("no last activity date", 1)]
    );
    assert_eq!(filter.evidence.len(), 1);
    assert_eq!(
        (
            filter.evidence[0].record_id.as_str(),
            filter.evidence[0].new_value.as_deref()
        ),
        ("A1", Some("2026-10-01"))
    );
    let a1 = find(&analysis, "hygiene.days_since_activity.A1");
    assert_eq!(a1.value, Some(43.0));
    assert_eq!(
        a1.text,
        "Last activity on 2026-10-01, 43 days before the as-of date 2026-11-13; the filter lists open deals with more than 30 days."
    );
    assert!(!has(&analysis, "hygiene.days_since_activity.A2"));
    assert!(!has(&analysis, "hygiene.days_since_activity.A3"));
}

#[test]
fn sales_velocity_arithmetic() {
    let closed =
        |id: &str, line: u64, stage: &str, amount: f64, created: &str, close: &str| Opportunity {
            amount: Some(amount),
            created_date: Some(date(created)),
            close_date: Some(date(close)),
            ..in_stage(id, line, stage)
        };
    let mut deals = vec![
        // Won: 60 and 90 days, USD 100,000 and 50,000.
        closed("W1", 2, "Closed Won", 100_000.0, "2026-01-01", "2026-03-02"),
        closed("W2", 3, "Closed Won", 50_000.0, "2026-01-31", "2026-05-01"),
        // Lost: 45 and 30 days, USD 30,000 and 20,000.
        closed("L1", 4, "Closed Lost", 30_000.0, "2026-01-01", "2026-02-15"),
        closed("L2", 5, "Closed Lost", 20_000.0, "2026-03-01", "2026-03-31"),
        // Won before the window: left out of everything.
        closed("W0", 6, "Closed Won", 999_999.0, "2024-01-01", "2025-01-01"),
    ];
    for i in 0..6 {
        deals.push(Opportunity {
            amount: Some(10_000.0),
            ..in_stage(&format!("O{i}"), 10 + i, "Proposal")
        });
    }
    let dataset = Dataset {
        snapshots: vec![snapshot("2026-11-13", deals)],
        ..Dataset::default()
    };
    let analysis = run(&dataset, &settings("2026-11-13"));

    // Win rate 2 ÷ 4 = 50%; by value 150,000 ÷ 200,000 = 75%.
    assert_eq!(
        find(&analysis, "hygiene.win_rate_count.team").value,
        Some(0.5)
    );
    assert_eq!(
        find(&analysis, "hygiene.win_rate_value.team").value,
        Some(0.75)
    );
    // Won cycles 60, 90: median and mean 75. Won + lost 30, 45, 60, 90: median 52.5, mean 56.25.
    let won_cycle = find(&analysis, "hygiene.cycle_length_won.team");
    assert_eq!(won_cycle.value, Some(75.0));
    let all_cycle = find(&analysis, "hygiene.cycle_length_closed.team");
    assert_eq!(all_cycle.value, Some(52.5));
    assert!(all_cycle.text.contains("median 52.5 days, mean 56.2 days"));
    // Velocity = 6 open × 75,000 average won × 0.5 ÷ 75 days = 3,000 per day.
    let velocity = find(&analysis, "hygiene.sales_velocity.team");
    assert_eq!(velocity.value, Some(3000.0));
    expect![[r#"Sales velocity USD 3,000 per day = 6 open deals × average won deal size USD 75,000 × win rate 50.0% ÷ mean won cycle 75 days (closed deals from the 365 days to 2026-11-13 (2025-11-14 to 2026-11-13))."#]]
    .assert_eq(&velocity.text);
    assert_eq!(velocity.population.n, 10);
    assert_eq!(velocity.population.excluded.len(), 1);
    assert_eq!(
        velocity.population.excluded[0].n, 1,
        "W0, outside the window"
    );
}

#[test]
fn hygiene_keys_for_a_small_pipeline() {
    let analysis = run(&ties_fixture(), &settings("2026-11-13"));
    expect![[r#"
        [
            "hygiene.stage_days.Proposal",
            "hygiene.stage_days.Negotiation",
            "hygiene.stage_conversion.Proposal",
            "hygiene.stage_conversion.Negotiation",
            "hygiene.close_date_past_count.pipeline",
            "hygiene.close_date_past_amount.pipeline",
            "hygiene.pushed_deals.pipeline",
            "hygiene.days_pushed.pipeline",
            "hygiene.win_rate_count.team",
            "hygiene.win_rate_value.team",
            "hygiene.cycle_length_won.team",
            "hygiene.cycle_length_closed.team",
            "hygiene.sales_velocity.team",
            "hygiene.lead_source_mix.(no lead source)",
            "hygiene.days_in_stage.D3",
        ]
    "#]]
    .assert_debug_eq(&hygiene_keys(&analysis));
}

// ---------------------------------------------------------------------------------------------
// Property test: win rates and counts against a naive reference.

#[derive(Debug, Clone)]
struct RandomDeal {
    status: DealStatus,
    amount: Option<u32>,
    euro: bool,
    /// Days before the as-of date (negative: after it); `None`: no close date.
    close_days_before: Option<i64>,
}

fn random_deal() -> impl Strategy<Value = RandomDeal> {
    (
        prop_oneof![
            Just(DealStatus::Open),
            Just(DealStatus::Won),
            Just(DealStatus::Lost)
        ],
        proptest::option::weighted(0.8, 0u32..1_000_000),
        proptest::bool::weighted(0.2),
        proptest::option::weighted(0.9, -30i64..500),
    )
        .prop_map(|(status, amount, euro, close_days_before)| RandomDeal {
            status,
            amount,
            euro,
            close_days_before,
        })
}

/// Win rates computed the plain way: one loop, no shared code with the module.
fn naive(deals: &[RandomDeal], lookback: i64) -> (usize, usize, Option<f64>, Option<f64>) {
    let mut won = 0;
    let mut lost = 0;
    let mut won_amount = 0.0;
    let mut closed_amount = 0.0;
    for deal in deals {
        let Some(days) = deal.close_days_before else {
            continue;
        };
        // In the window: 0 to lookback − 1 days before the as-of date.
        if days < 0 || days >= lookback || deal.status == DealStatus::Open {
            continue;
        }
        let amount = match (deal.amount, deal.euro) {
            (Some(amount), false) => f64::from(amount),
            _ => 0.0,
        };
        closed_amount += amount;
        if deal.status == DealStatus::Won {
            won += 1;
            won_amount += amount;
        } else {
            lost += 1;
        }
    }
    let by_count = (won + lost > 0).then(|| won as f64 / (won + lost) as f64);
    let by_value = (closed_amount > 0.0).then(|| won_amount / closed_amount);
    (won, lost, by_count, by_value)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn win_rates_match_a_naive_reference(
        deals in proptest::collection::vec(random_deal(), 0..40),
        lookback in 1i64..400,
    ) {
        let as_of = date("2026-11-13");
        let opportunities: Vec<Opportunity> = deals
            .iter()
            .enumerate()
            .map(|(i, deal)| Opportunity {
                status: deal.status,
                amount: deal.amount.map(f64::from),
                currency: Some(if deal.euro { "EUR" } else { "USD" }.into()),
                close_date: deal
                    .close_days_before
                    .map(|days| as_of - chrono::Duration::days(days)),
                ..opp(&format!("R{i}"), i as u64 + 2)
            })
            .collect();
        let dataset = Dataset {
            snapshots: vec![snapshot("2026-11-13", opportunities)],
            ..Dataset::default()
        };
        let settings = Settings { lookback_days: lookback, ..settings("2026-11-13") };
        let analysis = run(&dataset, &settings);
        let (won, lost, by_count, by_value) = naive(&deals, lookback);
        let count = find(&analysis, "hygiene.win_rate_count.team");
        prop_assert_eq!(count.population.n, won + lost);
        prop_assert_eq!(count.value, by_count);
        let value = find(&analysis, "hygiene.win_rate_value.team");
        match (value.value, by_value) {
            (Some(a), Some(b)) => prop_assert!((a - b).abs() < 1e-12, "{} vs {}", a, b),
            (a, b) => prop_assert_eq!(a, b),
        }
        let open_past = deals
            .iter()
            .filter(|d| d.status == DealStatus::Open && d.close_days_before.is_some_and(|days| days > 0))
            .count();
        prop_assert_eq!(
            find(&analysis, "hygiene.close_date_past_count.pipeline").value,
            Some(open_past as f64)
        );
    }
}

#[test]
fn a_history_without_close_date_rows_leaves_pushes_to_the_snapshots() {
    // Stage rows only (as HubSpot's "Date entered" columns give): nothing about close dates, so
    // K1's close-date moves are read from the two snapshots: 2026-12-01 → 2026-12-20, +19 days.
    let row = |as_of: &str, close: &str| {
        snapshot(
            as_of,
            vec![Opportunity {
                close_date: Some(date(close)),
                ..in_stage("K1", 2, "Proposal")
            }],
        )
    };
    let dataset = Dataset {
        snapshots: vec![
            row("2026-11-06", "2026-12-01"),
            row("2026-11-13", "2026-12-20"),
        ],
        history: history(vec![event(
            "K1",
            HistoryField::Stage,
            None,
            Some("Proposal"),
            at("2026-10-01"),
            5,
        )]),
        users: Vec::new(),
        ..Dataset::default()
    };
    let analysis = run(
        &dataset,
        &Settings {
            push_count_at_least: 1,
            ..settings("2026-11-13")
        },
    );
    let k1 = find(&analysis, "hygiene.push_count.K1");
    assert_eq!(k1.value, Some(1.0));
    assert!(k1.text.starts_with(
        "Close date moved later once between snapshots, first seen 2026-11-13 (+19 days in total)."
    ));
    let pushed = find(&analysis, "hygiene.pushed_deals.pipeline");
    assert!(pushed.population.description.contains(
        "0 deals read from history rows, 1 deal read from consecutive snapshots as the history has no close-date rows for it"
    ));
    // The stage row still gives the stage entry: 43 days in Proposal, from history.
    let stage = find(&analysis, "hygiene.stage_days.Proposal");
    assert_eq!(stage.value, Some(43.0));
    assert!(stage.text.contains("no stay in Proposal ended"));
}
