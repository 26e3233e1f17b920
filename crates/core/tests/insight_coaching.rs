//! Tests of module 5, the coaching view, on small fixtures whose expected values were worked out by
//! hand (the arithmetic is in the comments): per-rep win rates, cycle quartiles, stage-to-stage
//! conversion, stage aging and evidence completeness beside the team's; a rep with no closed deals;
//! deals without an owner counting for the team only; reps listed by name; and the forecast bias of
//! each rep's call against the forecast module's.

use chrono::{NaiveDate, NaiveDateTime};
use lens_core::insight::{
    Analysis, Dataset, HistoryLog, Insight, Module, Settings, analyze, lexicon,
};
use lens_core::model::{
    DealStatus, ForecastCategory, HistoryEvent, HistoryField, Opportunity, Snapshot, SourceRef,
};

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn at(day: &str) -> NaiveDateTime {
    date(day).and_hms_opt(9, 0, 0).unwrap()
}

fn stage_order(stage: &str) -> u32 {
    match stage {
        "Discovery" => 1,
        "Proposal" => 2,
        "Closed Won" => 3,
        _ => 4,
    }
}

/// A deal owned by `owner` (none for ""), in `stage`, won or lost when the stage says so.
fn deal(id: &str, owner: &str, stage: &str, line: u64) -> Opportunity {
    let status = match stage {
        "Closed Won" => DealStatus::Won,
        "Closed Lost" => DealStatus::Lost,
        _ => DealStatus::Open,
    };
    Opportunity {
        id: id.into(),
        name: format!("Deal {id}").into(),
        owner: (!owner.is_empty())
            .then(|| owner.to_string())
            .map(Into::into),
        stage: Some(stage.into()),
        stage_order: Some(stage_order(stage)),
        status,
        amount: Some(100.0),
        source: SourceRef { line },
        ..Default::default()
    }
}

/// A closed deal with its created and close dates.
fn closed(
    id: &str,
    owner: &str,
    stage: &str,
    created: &str,
    close: &str,
    line: u64,
) -> Opportunity {
    Opportunity {
        created_date: Some(date(created)),
        close_date: Some(date(close)),
        ..deal(id, owner, stage, line)
    }
}

/// An open deal that entered its stage on `entered`, with its evidence cells (`None`: empty).
fn open(
    id: &str,
    owner: &str,
    stage: &str,
    entered: &str,
    evidence: &[(&str, Option<&str>)],
    line: u64,
) -> Opportunity {
    Opportunity {
        stage_entered_date: Some(date(entered)),
        close_date: Some(date("2026-12-15")),
        evidence: evidence
            .iter()
            .map(|(key, value)| (key.to_string(), value.map(Into::into)))
            .collect(),
        ..deal(id, owner, stage, line)
    }
}

fn stage_row(
    id: &str,
    field: HistoryField,
    old: Option<&str>,
    new: &str,
    day: &str,
    line: u64,
) -> HistoryEvent {
    HistoryEvent {
        opportunity_id: id.into(),
        field,
        old_value: old.map(Into::into),
        new_value: Some(new.into()),
        at: at(day),
        by: None,
        source: SourceRef { line },
    }
}

fn created(id: &str, stage: &str, day: &str, line: u64) -> HistoryEvent {
    stage_row(id, HistoryField::Created, None, stage, day, line)
}

fn moved(id: &str, from: &str, to: &str, day: &str, line: u64) -> HistoryEvent {
    stage_row(id, HistoryField::Stage, Some(from), to, day, line)
}

/// Three reps and a deal without an owner, as of 2026-11-13 (window 2025-11-14 to 2026-11-13):
/// - Alice: A1 won (60 days), A2 won (70 days), A3 lost; A4 open in Proposal for 30 days.
/// - Bob: B1 won (30 days), B2 and B3 lost, B4 lost before the window; B5 open in Proposal for 2 days.
/// - Carol: no closed deal; C1 open in Proposal for 10 days, C2 open in Discovery for 5 days.
/// - N1, no owner: won (30 days).
///
/// History (stays that began in the window):
/// - A1: Discovery 01-01 → Proposal 01-11 (later) → Closed Won 03-02 (won).
/// - B1: Discovery 01-01 → Proposal 01-10 (later) → Discovery 01-20 (back) → Closed Won 01-31 (won).
/// - B2: Discovery 02-01 → Closed Lost 06-01 (lost).
/// - C1: Discovery 10-01 → Proposal 11-03 (later), still in Proposal.
fn fixture() -> Dataset {
    let eb = "Economic Buyer";
    let champion = "Champion";
    let deals = vec![
        closed("A1", "Alice", "Closed Won", "2026-01-01", "2026-03-02", 2),
        closed("A2", "Alice", "Closed Won", "2026-02-01", "2026-04-12", 3),
        closed("A3", "Alice", "Closed Lost", "2026-03-01", "2026-05-01", 4),
        open(
            "A4",
            "Alice",
            "Proposal",
            "2026-10-14",
            &[(eb, Some("CFO")), (champion, None)],
            5,
        ),
        closed("B1", "Bob", "Closed Won", "2026-01-01", "2026-01-31", 6),
        closed("B2", "Bob", "Closed Lost", "2026-02-01", "2026-06-01", 7),
        closed("B3", "Bob", "Closed Lost", "2026-02-01", "2026-06-01", 8),
        closed("B4", "Bob", "Closed Lost", "2023-06-01", "2024-01-01", 9),
        open(
            "B5",
            "Bob",
            "Proposal",
            "2026-11-11",
            &[(eb, Some("VP")), (champion, Some("Dir"))],
            10,
        ),
        open(
            "C1",
            "Carol",
            "Proposal",
            "2026-11-03",
            &[(eb, None), (champion, None)],
            11,
        ),
        // C2's export has no Champion column: its share is 1 of 1.
        open(
            "C2",
            "Carol",
            "Discovery",
            "2026-11-08",
            &[(eb, Some("COO"))],
            12,
        ),
        closed("N1", "", "Closed Won", "2026-04-05", "2026-05-05", 13),
    ];
    let events = vec![
        created("A1", "Discovery", "2026-01-01", 2),
        moved("A1", "Discovery", "Proposal", "2026-01-11", 3),
        moved("A1", "Proposal", "Closed Won", "2026-03-02", 4),
        created("B1", "Discovery", "2026-01-01", 5),
        moved("B1", "Discovery", "Proposal", "2026-01-10", 6),
        moved("B1", "Proposal", "Discovery", "2026-01-20", 7),
        moved("B1", "Discovery", "Closed Won", "2026-01-31", 8),
        created("B2", "Discovery", "2026-02-01", 9),
        moved("B2", "Discovery", "Closed Lost", "2026-06-01", 10),
        created("C1", "Discovery", "2026-10-01", 11),
        moved("C1", "Discovery", "Proposal", "2026-11-03", 12),
    ];
    Dataset {
        snapshots: vec![Snapshot {
            as_of: date("2026-11-13"),
            source_file: "opportunities.csv".into(),
            opportunities: deals,
        }],
        history: vec![HistoryLog {
            source_file: "OpportunityHistory.csv".into(),
            events,
        }],
        ..Default::default()
    }
}

/// Runs the analysis and checks the rules every insight keeps (unique keys, formula, evidence
/// whenever something is counted, no evaluative or prescriptive phrase).
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

fn coaching(analysis: &Analysis) -> Vec<&Insight> {
    analysis
        .insights()
        .filter(|insight| insight.module == Module::Coaching)
        .collect()
}

fn close(actual: Option<f64>, expected: f64) -> bool {
    actual.is_some_and(|value| (value - expected).abs() < 1e-9)
}

#[track_caller]
fn assert_value(insight: &Insight, expected: f64) {
    assert!(
        close(insight.value, expected),
        "{}: {:?}, expected {expected}",
        insight.key,
        insight.value
    );
}

#[test]
fn win_rates_and_cycles_by_rep_beside_the_team() {
    let analysis = run(&fixture(), &Settings::new(date("2026-11-13")));

    // Team: won A1, A2, B1, N1; lost A3, B2, B3 (B4 closed before the window) → 4 of 7: the
    // hygiene module's insight, which the coaching view does not repeat.
    assert_value(find(&analysis, "hygiene.win_rate_count.team"), 4.0 / 7.0);
    assert!(!has(&analysis, "coaching.win_rate_count.team"));

    // Alice 2 of 3; Bob 1 of 3.
    let alice = find(&analysis, "coaching.win_rate_count.Alice");
    assert_value(alice, 2.0 / 3.0);
    assert_eq!(
        alice.text,
        "Alice: win rate by count 66.7% (2 won of 3) over the deals closed in the 365 days to 2026-11-13 (2025-11-14 to 2026-11-13); team 57.1% (4 won of 7)."
    );
    let alice_rows: Vec<&str> = alice
        .evidence
        .iter()
        .map(|e| e.record_id.as_str())
        .collect();
    assert_eq!(alice_rows, ["A1", "A2", "A3"]);
    assert_value(find(&analysis, "coaching.win_rate_count.Bob"), 1.0 / 3.0);

    // Cycles of won deals. Alice [60, 70]: p25 62.5, p50 65, p75 67.5.
    let alice_cycle = find(&analysis, "coaching.cycle_length_won.Alice");
    assert_value(alice_cycle, 65.0);
    assert_eq!(alice_cycle.population.n, 2);
    // Team [30 (B1), 30 (N1), 60, 70]: p25 at rank 0.75 = 30, p50 at 1.5 = 45, p75 at 2.25 = 62.5.
    assert_eq!(
        alice_cycle.text,
        "Alice: sales cycle of won deals closed in the 365 days to 2026-11-13 (2025-11-14 to 2026-11-13): median 65 days (p25 62.5 days, p75 67.5 days; n = 2); team median 45 days (p25 30 days, p75 62.5 days; n = 4)."
    );
    assert_value(find(&analysis, "coaching.cycle_length_won.team"), 45.0);
    assert_value(find(&analysis, "coaching.cycle_length_won.Bob"), 30.0);
}

#[test]
fn a_rep_with_no_closed_deals_has_undefined_rates_and_the_text_says_why() {
    let analysis = run(&fixture(), &Settings::new(date("2026-11-13")));
    let carol = find(&analysis, "coaching.win_rate_count.Carol");
    assert_eq!(carol.value, None);
    assert_eq!(carol.population.n, 0);
    assert!(carol.evidence.is_empty());
    assert_eq!(
        carol.text,
        "Carol: win rate by count is undefined: no deal owned by Carol closed won or lost in the 365 days to 2026-11-13 (2025-11-14 to 2026-11-13); team 57.1% (4 won of 7)."
    );
    let cycle = find(&analysis, "coaching.cycle_length_won.Carol");
    assert_eq!(cycle.value, None);
    assert!(
        cycle
            .text
            .contains("is undefined: no won deal owned by Carol")
    );
    assert!(
        cycle
            .text
            .ends_with("team median 45 days (p25 30 days, p75 62.5 days; n = 4).")
    );
    // Her open deals are still described.
    assert_value(find(&analysis, "coaching.stage_age.Carol.Proposal"), 10.0);
}

#[test]
fn stage_conversion_by_rep_beside_the_hygiene_modules_team_figure() {
    let analysis = run(&fixture(), &Settings::new(date("2026-11-13")));
    // Discovery: A1 later; B1 later, B1 won (its second stay), B2 lost; C1 later → 4 of 5 for the
    // team: the hygiene module's insight, which the coaching view does not repeat.
    assert_value(find(&analysis, "hygiene.stage_conversion.Discovery"), 0.8);
    assert!(!has(&analysis, "coaching.stage_conversion.team.Discovery"));
    let alice = find(&analysis, "coaching.stage_conversion.Alice.Discovery");
    assert_value(alice, 1.0);
    assert_eq!((alice.population.n, alice.evidence.len()), (1, 2));
    let bob = find(&analysis, "coaching.stage_conversion.Bob.Discovery");
    assert_value(bob, 2.0 / 3.0);
    assert_eq!(
        bob.text,
        "Bob, Discovery: of 3 stays that began in the 365 days to 2026-11-13 (2025-11-14 to 2026-11-13) and ended in a won, lost or ordered stage, 2 (66.7%) next moved to a later stage or won (1 later stage, 1 won), 1 lost and 0 moved back; team 4 of 5 (80.0%)."
    );
    assert_value(
        find(&analysis, "coaching.stage_conversion.Carol.Discovery"),
        1.0,
    );

    // Proposal: A1 won, B1 back → 1 of 2; C1 still in Proposal.
    assert_value(find(&analysis, "hygiene.stage_conversion.Proposal"), 0.5);
    assert_value(
        find(&analysis, "coaching.stage_conversion.Alice.Proposal"),
        1.0,
    );
    assert_value(
        find(&analysis, "coaching.stage_conversion.Bob.Proposal"),
        0.0,
    );
    let carol = find(&analysis, "coaching.stage_conversion.Carol.Proposal");
    assert_eq!(carol.value, None);
    assert_eq!(carol.population.n, 0);
    assert_eq!(carol.population.excluded[0].n, 1);
    assert_eq!(
        carol.text,
        "Carol, Proposal: the share is undefined: no stay that began in the 365 days to 2026-11-13 (2025-11-14 to 2026-11-13) ended in a won, lost or ordered stage; 1 deal is still in Proposal on 2026-11-13; team 1 of 2 (50.0%)."
    );
}

#[test]
fn stage_aging_and_evidence_completeness_by_rep() {
    let analysis = run(&fixture(), &Settings::new(date("2026-11-13")));
    // Proposal: A4 30 days, B5 2 days, C1 10 days → team [2, 10, 30]: p25 6, p50 10, p75 20.
    let team = find(&analysis, "coaching.stage_age.team.Proposal");
    assert_value(team, 10.0);
    assert_eq!(
        team.text,
        "Team, Proposal: days in stage of 3 open deals: median 10 days (p25 6 days, p75 20 days; n = 3)."
    );
    let alice = find(&analysis, "coaching.stage_age.Alice.Proposal");
    assert_value(alice, 30.0);
    assert_eq!(alice.evidence.len(), 2);
    assert_eq!(
        alice.text,
        "Alice, Proposal: days in stage of 1 open deal: median 30 days (p25 30 days, p75 30 days; n = 1); team median 10 days (p25 6 days, p75 20 days; n = 3)."
    );
    assert_value(find(&analysis, "coaching.stage_age.Carol.Discovery"), 5.0);

    // Shares filled: A4 1 of 2, B5 2 of 2, C1 0 of 2, C2 1 of 1 (no Champion column).
    // Carol [0, 1]: p25 0.25, p50 0.5, p75 0.75; team [0, 0.5, 1, 1]: p25 0.375, p50 0.75, p75 1.
    let carol = find(&analysis, "coaching.evidence_filled_share.Carol");
    assert_value(carol, 0.5);
    assert_eq!(
        carol.text,
        "Carol: share of evidence fields filled per open deal: median 50.0% (p25 25.0%, p75 75.0%; n = 2); team median 75.0% (p25 37.5%, p75 100.0%; n = 4)."
    );
    assert_value(find(&analysis, "coaching.evidence_filled_share.team"), 0.75);
    assert_value(find(&analysis, "coaching.evidence_filled_share.Bob"), 1.0);
}

#[test]
fn reps_are_listed_by_name_and_deals_without_an_owner_count_for_the_team_only() {
    let analysis = run(&fixture(), &Settings::new(date("2026-11-13")));
    let mut subjects: Vec<&str> = Vec::new();
    for insight in coaching(&analysis) {
        if subjects.last() != Some(&insight.subject.id.as_str()) {
            subjects.push(&insight.subject.id);
        }
    }
    assert_eq!(subjects, ["all", "Alice", "Bob", "Carol"]);
    // No forecast bias: no quarter with a snapshot has ended.
    assert!(
        coaching(&analysis)
            .iter()
            .all(|i| i.measure != "forecast_bias_commit")
    );
    // N1 (no owner) is in the team's won deals, in no rep's.
    let team_won = find(&analysis, "coaching.cycle_length_won.team");
    assert!(team_won.evidence.iter().any(|e| e.record_id == "N1"));
    assert!(
        coaching(&analysis)
            .iter()
            .filter(|i| i.subject.id != "all")
            .all(|i| i.evidence.iter().all(|e| e.record_id != "N1"))
    );
}

/// Two snapshots: 2026-08-15 inside Q3 (a call) and 2026-11-13 (the actual for Q3).
/// Alice calls Commit X1 (100) and wins it: bias 0. Bob calls Commit Y1 (50) and Y2 (30), wins Y1
/// only: Σ(call − actual) = 80 − 50 = 30 over Σ actual 50 → +60%. Team: 30 ÷ 150 → +20%.
#[test]
fn forecast_bias_by_rep_is_the_forecast_modules_with_the_team_pooled() {
    let commit = |id: &str, owner: &str, amount: f64, close: &str, line: u64| Opportunity {
        forecast_category: Some(ForecastCategory::Commit),
        amount: Some(amount),
        close_date: Some(date(close)),
        ..deal(id, owner, "Proposal", line)
    };
    let outcome = |mut opp: Opportunity, won: bool| {
        opp.status = if won {
            DealStatus::Won
        } else {
            DealStatus::Lost
        };
        opp.stage = Some(if won { "Closed Won" } else { "Closed Lost" }.into());
        opp.forecast_category = Some(ForecastCategory::Closed);
        opp
    };
    let call = vec![
        commit("X1", "Alice", 100.0, "2026-09-20", 2),
        commit("Y1", "Bob", 50.0, "2026-09-10", 3),
        commit("Y2", "Bob", 30.0, "2026-09-25", 4),
    ];
    let actual = vec![
        outcome(commit("X1", "Alice", 100.0, "2026-09-20", 2), true),
        outcome(commit("Y1", "Bob", 50.0, "2026-09-10", 3), true),
        outcome(commit("Y2", "Bob", 30.0, "2026-09-25", 4), false),
    ];
    let dataset = Dataset {
        snapshots: vec![
            Snapshot {
                as_of: date("2026-08-15"),
                source_file: "opportunities-2026-08-15.csv".into(),
                opportunities: call,
            },
            Snapshot {
                as_of: date("2026-11-13"),
                source_file: "opportunities-2026-11-13.csv".into(),
                opportunities: actual,
            },
        ],
        ..Default::default()
    };
    let analysis = run(&dataset, &Settings::new(date("2026-11-13")));
    let bob = find(&analysis, "coaching.forecast_bias_commit.Bob");
    assert_value(bob, 0.6);
    let forecast = find(&analysis, "forecast.forecast_bias_commit.Bob");
    assert_eq!(bob.value, forecast.value);
    assert_eq!(bob.population, forecast.population);
    assert_eq!(bob.evidence, forecast.evidence);
    assert_eq!(
        bob.text,
        "Bob: signed bias of the call (closed won + Commit) +60.0% (Σ(call − actual) 30 ÷ Σ actual 50 over 1 call in 1 quarter); per call (call − actual) ÷ actual: median +60.0% (p25 +60.0%, p75 +60.0%; n = 1); team +20.0% (Σ(call − actual) 30 ÷ Σ actual 150 over 2 calls in 1 quarter); per call (call − actual) ÷ actual: median +30.0% (p25 +15.0%, p75 +45.0%; n = 2)."
    );
    assert_value(find(&analysis, "coaching.forecast_bias_commit.Alice"), 0.0);
    let team = find(&analysis, "coaching.forecast_bias_commit.team");
    assert_value(team, 0.2);
    assert_eq!(team.population.n, 2);
    // The team's rows are every rep's rows.
    assert_eq!(
        team.evidence.len(),
        find(&analysis, "forecast.forecast_bias_commit.Alice")
            .evidence
            .len()
            + forecast.evidence.len()
    );
}

/// Three snapshots: two calls inside Q3 (2026-08-15 and 2026-09-01) and the actual (2026-11-13).
/// Alice calls X1 (100) twice and wins it: per-call biases 0 and 0. Bob calls Y1 (50) + Y2 (30),
/// then Y1 + Y2 raised to 70, and wins Y1 only: calls 80 and 120 against 50, per-call biases
/// +60% and +140%, pooled (30 + 70) ÷ (50 + 50) = +100%. Carol calls C1 (40) twice and loses it:
/// her actual is 0, so her calls have no per-call bias and her pooled bias is undefined.
/// Team: pooled (0 + 100 + 80) ÷ (200 + 100 + 0) = +60%; per call [0, 0, 0.6, 1.4]: type 7
/// p25 0 (rank 0.75), median 0.3 (rank 1.5), p75 0.6 + 0.25 × 0.8 = 0.8 (rank 2.25).
#[test]
fn forecast_bias_per_call_is_a_distribution_beside_the_pooled_ratio() {
    let commit = |id: &str, owner: &str, amount: f64, line: u64| Opportunity {
        forecast_category: Some(ForecastCategory::Commit),
        amount: Some(amount),
        close_date: Some(date("2026-09-20")),
        ..deal(id, owner, "Proposal", line)
    };
    let outcome = |mut opp: Opportunity, won: bool| {
        opp.status = if won {
            DealStatus::Won
        } else {
            DealStatus::Lost
        };
        opp.stage = Some(if won { "Closed Won" } else { "Closed Lost" }.into());
        opp.forecast_category = Some(ForecastCategory::Closed);
        opp
    };
    let snapshot = |as_of: &str, opportunities: Vec<Opportunity>| Snapshot {
        as_of: date(as_of),
        source_file: format!("opportunities-{as_of}.csv").into(),
        opportunities,
    };
    let dataset = Dataset {
        snapshots: vec![
            snapshot(
                "2026-08-15",
                vec![
                    commit("X1", "Alice", 100.0, 2),
                    commit("Y1", "Bob", 50.0, 3),
                    commit("Y2", "Bob", 30.0, 4),
                    commit("C1", "Carol", 40.0, 5),
                ],
            ),
            snapshot(
                "2026-09-01",
                vec![
                    commit("X1", "Alice", 100.0, 2),
                    commit("Y1", "Bob", 50.0, 3),
                    commit("Y2", "Bob", 70.0, 4),
                    commit("C1", "Carol", 40.0, 5),
                ],
            ),
            snapshot(
                "2026-11-13",
                vec![
                    outcome(commit("X1", "Alice", 100.0, 2), true),
                    outcome(commit("Y1", "Bob", 50.0, 3), true),
                    outcome(commit("Y2", "Bob", 70.0, 4), false),
                    outcome(commit("C1", "Carol", 40.0, 5), false),
                ],
            ),
        ],
        ..Default::default()
    };
    let analysis = run(&dataset, &Settings::new(date("2026-11-13")));
    let bob = find(&analysis, "coaching.forecast_bias_commit.Bob");
    assert_value(bob, 1.0);
    assert_eq!(bob.population.n, 2);
    assert_eq!(
        bob.text,
        "Bob: signed bias of the call (closed won + Commit) +100.0% (Σ(call − actual) 100 ÷ Σ actual 100 over 2 calls in 1 quarter); per call (call − actual) ÷ actual: median +100.0% (p25 +80.0%, p75 +120.0%; n = 2); team +60.0% (Σ(call − actual) 180 ÷ Σ actual 300 over 6 calls in 1 quarter); per call (call − actual) ÷ actual: median +30.0% (p25 +0.0%, p75 +80.0%; n = 4)."
    );
    let carol = find(&analysis, "coaching.forecast_bias_commit.Carol");
    assert_eq!(carol.value, None);
    assert!(
        carol.text.starts_with(
            "Carol: signed bias of the call (closed won + Commit) undefined: Σ actual is 0 (Σ(call − actual) 80 ÷ Σ actual 0 over 2 calls in 1 quarter); per call (call − actual) ÷ actual: undefined (no call whose actual is other than 0); team +60.0%"
        ),
        "{}",
        carol.text
    );
    let team = find(&analysis, "coaching.forecast_bias_commit.team");
    assert_value(team, 0.6);
    assert_eq!(team.population.n, 6);
    assert!(
        team.text.ends_with(
            "per call (call − actual) ÷ actual: median +30.0% (p25 +0.0%, p75 +80.0%; n = 4)."
        ),
        "{}",
        team.text
    );
}
