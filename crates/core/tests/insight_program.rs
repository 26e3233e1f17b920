//! Tests of the POC governance module and the GTM program scorecard with its experiment readouts,
//! on small program milestones and experiment assignment files (imported from CSV text, as a user
//! would drop them) and hand-built snapshots. Every expected value is worked out by hand in the
//! comments; interval values are computed from the formulas in `stats.rs` (whose unit tests check
//! the methods against published examples).

use chrono::NaiveDate;
use lens_core::import::{ImportOptions, TableKind, import_file};
use lens_core::insight::{
    Added, Analysis, AnalyzeError, ConditionStatus, ConditionTest, Dataset, ExperimentCondition,
    HistoryLog, Insight, Module, ProgramMetric, ProgramTarget, Reference, Settings, SubjectKind,
    Unit, analyze, lexicon, markdown,
};
use lens_core::model::{DealStatus, HistoryEvent, HistoryField, Opportunity, Snapshot, SourceRef};

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

const AS_OF: &str = "2026-06-30";

/// Fixture A: one program, nine accounts, as of 2026-06-30 (see each row's comment).
const MILESTONES_A: &str = "\
account_id,account_name,program,segment,eligible_date,pilot_start,pilot_end,security_review_start,security_review_end,contract_date,activation_date,churn_date
a1,Acct 1,copilot,SMB,2026-01-05,2026-01-12,2026-02-09,2026-01-15,2026-02-12,2026-02-20,2026-03-02,2026-04-01
a2,Acct 2,copilot,SMB,2026-01-06,2026-01-20,2026-03-03,2026-01-20,2026-02-09,2026-03-10,2026-03-24,
a3,Acct 3,copilot,SMB,2026-01-07,2026-02-02,2026-03-02,,,,,
a4,Acct 4,copilot,SMB,2026-02-02,2026-06-15,,2026-06-16,,,,
a5,Acct 5,copilot,SMB,2026-02-03,,,,,,,
a6,Acct 6,copilot,SMB,2026-06-29,,,,,,,
a7,Acct 7,copilot,SMB,2026-07-15,,,,,,,
a8,Acct 8,copilot,SMB,,,,,,,,
a9,Acct 9,copilot,SMB,2026-03-02,2026-03-09,2026-04-06,,,2026-04-10,2026-06-01,
";
// a1: pilot 28 days, review 28 days, contract → activation 10 days, churned 30 days after activation.
// a2: pilot 42 days, review 20 days, activation 14 days after contract, no churn.
// a3: pilot 28 days, no contract. a4: pilot and review running. a5, a6: eligible, no pilot.
// a7: eligible after the as-of date. a8: no eligible date. a9: pilot 28 days, activation 52 days
// after contract, activated 29 days before the as-of date.

fn import_into(dataset: &mut Dataset, name: &str, text: &str, kind: TableKind) {
    let report = import_file(name, text.as_bytes(), &ImportOptions::default()).unwrap();
    assert_eq!(report.format.kind, kind, "{name}");
    assert_eq!(
        dataset.add(report, date(AS_OF)),
        Added::Table(kind),
        "{name}"
    );
}

fn deal(id: &str, account: &str, line: u64) -> Opportunity {
    Opportunity {
        id: id.into(),
        name: format!("Deal {id}").into(),
        account_name: Some(account.into()),
        stage: Some("Qualify".into()),
        status: DealStatus::Open,
        amount: Some(1000.0),
        close_date: Some(date("2026-09-30")),
        source: SourceRef { line },
        ..Default::default()
    }
}

fn with_criteria(mut opp: Opportunity, criteria: Option<&str>) -> Opportunity {
    opp.evidence
        .insert("POC Success Criteria", criteria.map(Into::into));
    opp
}

fn closed(mut opp: Opportunity, status: DealStatus, close: &str) -> Opportunity {
    opp.status = status;
    opp.stage = Some(
        if status == DealStatus::Won {
            "Closed Won"
        } else {
            "Closed Lost"
        }
        .into(),
    );
    opp.close_date = Some(date(close));
    opp
}

/// The snapshot of fixture A: deals of the piloted accounts (for the criteria) and deals marked
/// as a POC by stage, type, criteria or stage history.
fn snapshot_a() -> Snapshot {
    let mut a9 = deal("d9", "Other name", 8);
    // Matched by account id although its account name differs; its export has no criteria column.
    a9.account_id = Some("a9".into());
    let mut poc_stage = with_criteria(deal("d5", "Acct 5", 9), Some("Deflection ≥ 20%"));
    poc_stage.stage = Some("Technical Validation (POC)".into());
    let mut pilot_type = with_criteria(deal("d6", "Acct 6", 10), None);
    pilot_type.opportunity_type = Some("Paid Pilot".into());
    Snapshot {
        as_of: date(AS_OF),
        source_file: "pipeline.csv".into(),
        opportunities: vec![
            with_criteria(deal("d1", "Acct 1", 2), Some("Handle time down 15%")),
            with_criteria(deal("d2", "Acct 2", 3), None),
            with_criteria(deal("d3", "Acct 3", 4), None),
            with_criteria(deal("d3b", "Acct 3", 5), Some("CSAT up 5 points")),
            // Acct 4 has no deal.
            a9,
            poc_stage,
            pilot_type,
            // Closed in the lookback window: d7 marked by its criteria, d8 by its stage history.
            closed(
                with_criteria(deal("d7", "Acct 7", 11), Some("Resolution time")),
                DealStatus::Won,
                "2026-05-01",
            ),
            closed(
                with_criteria(deal("d8", "Acct 8", 12), None),
                DealStatus::Lost,
                "2026-05-10",
            ),
            closed(
                with_criteria(deal("d10", "Acct 10", 13), None),
                DealStatus::Won,
                "2026-04-01",
            ),
            closed(
                with_criteria(deal("d11", "Acct 11", 14), None),
                DealStatus::Lost,
                "2026-04-02",
            ),
            closed(
                with_criteria(deal("d12", "Acct 12", 15), None),
                DealStatus::Lost,
                "2026-04-03",
            ),
            // Closed before the 365-day window: not counted.
            closed(
                with_criteria(deal("d13", "Acct 13", 16), Some("Old criteria")),
                DealStatus::Won,
                "2025-01-10",
            ),
        ],
    }
}

fn fixture_a() -> Dataset {
    let mut dataset = Dataset {
        snapshots: vec![snapshot_a()],
        history: vec![HistoryLog {
            source_file: "history.csv".into(),
            events: vec![HistoryEvent {
                opportunity_id: "d8".into(),
                field: HistoryField::Stage,
                old_value: Some("Discovery".into()),
                new_value: Some("POC".into()),
                at: date("2026-03-01").and_hms_opt(9, 0, 0).unwrap(),
                by: None,
                source: SourceRef { line: 2 },
            }],
        }],
        ..Dataset::default()
    };
    import_into(
        &mut dataset,
        "program_milestones.csv",
        MILESTONES_A,
        TableKind::ProgramMilestones,
    );
    dataset
}

fn settings() -> Settings {
    Settings::new(date(AS_OF))
}

/// Runs the analysis, checks every rule on the two sections, and returns them.
fn run(dataset: &Dataset, settings: &Settings) -> (Vec<Insight>, Vec<Insight>, Analysis) {
    let analysis = analyze(dataset, settings).unwrap();
    let broken = lexicon::broken_rules(&analysis);
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    assert!(lexicon::violations(&markdown(&analysis)).is_empty());
    let section = |module: Module| {
        analysis
            .sections
            .iter()
            .find(|s| s.module == module)
            .unwrap()
            .insights
            .clone()
    };
    let (poc, program) = (section(Module::Poc), section(Module::Program));
    for insight in poc.iter() {
        assert!(insight.key.starts_with("poc."), "{}", insight.key);
    }
    for insight in program.iter() {
        assert!(insight.key.starts_with("program."), "{}", insight.key);
    }
    (poc, program, analysis)
}

fn find<'i>(insights: &'i [Insight], key: &str) -> &'i Insight {
    insights.iter().find(|i| i.key == key).unwrap_or_else(|| {
        panic!(
            "no insight {key} in {:?}",
            insights.iter().map(|i| &i.key).collect::<Vec<_>>()
        )
    })
}

fn close(actual: Option<f64>, expected: f64) {
    let actual = actual.unwrap_or(f64::NAN);
    assert!((actual - expected).abs() < 1e-6, "{actual} ≠ {expected}");
}

fn exclusions(insight: &Insight) -> Vec<(usize, &str)> {
    insight
        .population
        .excluded
        .iter()
        .map(|e| (e.n, e.reason.as_str()))
        .collect()
}

#[test]
fn scorecard_metrics_follow_their_definitions() {
    let (_, program, _) = run(&fixture_a(), &settings());

    // Pilot start rate: eligible on or before 2026-06-30 with a date: a1–a6, a9 = 7; of them a1,
    // a2, a3, a4, a9 started a pilot → 5/7. a8 (no eligible date) is left out; a7 is not eligible yet.
    let rate = find(&program, "program.pilot_start_rate.copilot");
    close(rate.value, 5.0 / 7.0);
    assert_eq!(rate.population.n, 7);
    assert_eq!(exclusions(rate), [(1, "no eligible date")]);
    assert_eq!(rate.evidence.len(), 7);
    assert_eq!(rate.unit, Unit::Ratio);
    assert_eq!(rate.reference, None);
    assert_eq!(rate.subject.kind, SubjectKind::Program);
    assert!(
        rate.text
            .contains("71.4% (5 of 7 eligible accounts started a pilot)"),
        "{}",
        rate.text
    );

    // Pilot → production: ended pilots a1, a2, a3, a9; contracts a1, a2, a9 → 3/4; a4 still running.
    let conversion = find(&program, "program.pilot_to_production.copilot");
    close(conversion.value, 0.75);
    assert_eq!(
        exclusions(conversion),
        [(
            1,
            "pilot still running (no pilot end on or before the as-of date)"
        )]
    );

    // Time to activation: a1 10, a2 14, a9 52 days → mean 76/3, median 14.
    let activation = find(&program, "program.time_to_activation.copilot");
    close(activation.value, 76.0 / 3.0);
    assert_eq!(activation.unit, Unit::Days);
    assert!(
        activation
            .text
            .contains("mean 25.3 days, median 14 days, over 3 activations")
    );

    // Security review cycle time: a1 28, a2 20 → 24; a4's review is still open.
    let review = find(&program, "program.security_review_cycle_time.copilot");
    close(review.value, 24.0);
    assert_eq!(
        exclusions(review),
        [(1, "security review still open on the as-of date")]
    );

    // 90-day logo churn: activated on or before 2026-04-01 (as-of − 90 days): a1 (churned 30 days
    // after activation) and a2 (no churn) → 1/2; a9 (activated 2026-06-01) has no complete window.
    let churn = find(&program, "program.logo_churn_90_days.copilot");
    close(churn.value, 0.5);
    assert_eq!(churn.population.n, 2);
    assert_eq!(churn.population.excluded.len(), 1);
    assert_eq!(churn.evidence[0].field.as_deref(), Some("churn_date"));
    assert_eq!(churn.evidence[0].new_value.as_deref(), Some("2026-04-01"));
    assert_eq!(churn.evidence[0].line, 2);
    assert_eq!(&*churn.evidence[0].source_file, "program_milestones.csv");
}

#[test]
fn weekly_series_places_each_row_in_the_week_of_its_cohort_date() {
    let (_, program, _) = run(&fixture_a(), &settings());
    // Weeks end on 2026-06-30 and every 7 days before. Eligible dates: a1 2026-01-05 and a2
    // 2026-01-06 fall in the week 2025-12-31 to 2026-01-06 (175 days = 25 weeks back); a3
    // 2026-01-07 in the next one; a6 2026-06-29 in the last.
    let weekly: Vec<&Insight> = program
        .iter()
        .filter(|i| i.measure == "pilot_start_rate" && i.subject.kind == SubjectKind::Period)
        .collect();
    let ends: Vec<String> = weekly
        .iter()
        .map(|i| i.period.as_ref().unwrap().end.to_string())
        .collect();
    // a4 2026-02-02 and a5 2026-02-03 share the week 2026-01-28 to 2026-02-03; a9 2026-03-02 is
    // in 2026-02-25 to 2026-03-03.
    assert_eq!(
        ends,
        [
            "2026-01-06",
            "2026-01-13",
            "2026-02-03",
            "2026-03-03",
            "2026-06-30"
        ]
    );
    let first = find(&program, "program.pilot_start_rate.copilot.week-2026-01-06");
    close(first.value, 1.0);
    assert_eq!(first.population.n, 2);
    assert_eq!(first.period.as_ref().unwrap().start, date("2025-12-31"));
    let last = find(&program, "program.pilot_start_rate.copilot.week-2026-06-30");
    close(last.value, 0.0);
    assert_eq!(last.population.n, 1);
    // The weekly populations add up to the headline one.
    assert_eq!(weekly.iter().map(|i| i.population.n).sum::<usize>(), 7);
    // Durations: the activation week of a1 (2026-03-02) holds its 10 days alone.
    let week = find(
        &program,
        "program.time_to_activation.copilot.week-2026-03-03",
    );
    close(week.value, 10.0);
}

#[test]
fn baseline_and_target_are_the_users_and_a_program_entry_comes_first() {
    let mut settings = settings();
    settings.program_targets = vec![
        ProgramTarget {
            program: None,
            metric: ProgramMetric::PilotStartRate,
            baseline: 0.5,
            target: 0.8,
        },
        ProgramTarget {
            program: None,
            metric: ProgramMetric::TimeToActivation,
            baseline: 20.0,
            target: 10.0,
        },
        ProgramTarget {
            program: Some("copilot".into()),
            metric: ProgramMetric::TimeToActivation,
            baseline: 14.0,
            target: 8.0,
        },
    ];
    let (_, program, _) = run(&fixture_a(), &settings);
    let rate = find(&program, "program.pilot_start_rate.copilot");
    assert_eq!(
        rate.reference,
        Some(Reference::Target {
            baseline: 0.5,
            target: 0.8
        })
    );
    // 71.4% − 50% = 21.4 points; 80% − 71.4% = 8.6 points.
    assert!(
        rate.text.contains(
            "Baseline 50.0%, target 80.0%: the value lies 21.4 points above the baseline and 8.6 points below the target."
        ),
        "{}",
        rate.text
    );
    // The weekly values carry the same reference, and each week's text its own distances: the
    // week to 2026-06-30 counts a6, eligible and without a pilot (0%); the week to 2026-01-06
    // counts a1 and a2, both with a pilot (100%).
    let last_week = find(&program, "program.pilot_start_rate.copilot.week-2026-06-30");
    assert_eq!(last_week.reference, rate.reference);
    assert!(
        last_week.text.ends_with(
            "Baseline 50.0%, target 80.0%: the value lies 50 points below the baseline and 80 points below the target."
        ),
        "{}",
        last_week.text
    );
    let first_week = find(&program, "program.pilot_start_rate.copilot.week-2026-01-06");
    assert!(
        first_week.text.ends_with(
            "Baseline 50.0%, target 80.0%: the value lies 50 points above the baseline and 20 points above the target."
        ),
        "{}",
        first_week.text
    );
    let activation = find(&program, "program.time_to_activation.copilot");
    assert_eq!(
        activation.reference,
        Some(Reference::Target {
            baseline: 14.0,
            target: 8.0
        })
    );
    // 25.3 days: 11.3 days above the baseline of 14, 17.3 days above the target of 8.
    assert!(
        activation
            .text
            .contains("the value lies 11.3 days above the baseline and 17.3 days above the target"),
        "{}",
        activation.text
    );
    // No entry for the conversion: its value stands alone.
    assert_eq!(
        find(&program, "program.pilot_to_production.copilot").reference,
        None
    );
}

#[test]
fn poc_durations_sit_in_their_own_distribution() {
    let (poc, _, _) = run(&fixture_a(), &settings());
    // Ended pilots: a1 28, a2 42, a3 28, a9 28 days; a4 running 15 days (2026-06-15 → 06-30).
    // Sorted [28, 28, 28, 42]: type 7 median 28; 90th percentile at rank 2.7: 28 + 0.7 × 14 = 37.8;
    // 75th at rank 2.25: 28 + 0.25 × 14 = 31.5.
    let distribution = find(&poc, "poc.pilot_days.copilot");
    close(distribution.value, 28.0);
    assert_eq!(distribution.population.n, 4);
    let Some(Reference::Distribution { n, p50, p90, .. }) = distribution.reference else {
        panic!("no distribution: {:?}", distribution.reference)
    };
    assert_eq!((n, p50), (4, 28.0));
    assert!((p90 - 37.8).abs() < 1e-9);
    assert!(
        distribution.text.contains("quartiles 28, 28 and 31.5 days"),
        "{}",
        distribution.text
    );
    assert!(distribution.text.contains("1 pilot is still running"));

    // Each pilot's position: a2's 42 days has 3 values below it → (3 + 0.5) / 4 = 87.5.
    let a2 = find(&poc, "poc.pilot_days.copilot.a2");
    assert_eq!(a2.subject.kind, SubjectKind::Record);
    close(a2.value, 42.0);
    let Some(Reference::Distribution { percentile, .. }) = a2.reference else {
        panic!()
    };
    assert_eq!(percentile, 87.5);
    // a1's 28 days ties with 3 values → (0 + 3/2) / 4 = 37.5.
    let Some(Reference::Distribution { percentile, .. }) =
        find(&poc, "poc.pilot_days.copilot.a1").reference
    else {
        panic!()
    };
    assert_eq!(percentile, 37.5);
    // a4 is still running: 15 days so far, below every ended pilot.
    let a4 = find(&poc, "poc.pilot_days.copilot.a4");
    close(a4.value, 15.0);
    assert!(
        a4.text
            .starts_with("Pilot running since 2026-06-15: 15 days by 2026-06-30.")
    );
    let Some(Reference::Distribution { percentile, .. }) = a4.reference else {
        panic!()
    };
    assert_eq!(percentile, 0.0);
    assert_eq!(a4.evidence[0].field.as_deref(), Some("pilot_start"));
}

#[test]
fn poc_criteria_and_conversion_by_criteria() {
    let (poc, _, _) = run(&fixture_a(), &settings());
    // a1: criteria on d1 → present. a2: d2 empty → absent. a3: d3 empty, d3b filled → present.
    // a4: no deal → left out. a9: d9 matched by account id, its export has no criteria column →
    // left out. 2 of 3.
    let criteria = find(&poc, "poc.criteria.copilot");
    close(criteria.value, 2.0 / 3.0);
    assert_eq!(criteria.population.n, 3);
    assert_eq!(criteria.population.excluded.len(), 2);
    let ids: Vec<&str> = criteria
        .evidence
        .iter()
        .map(|e| e.record_id.as_str())
        .collect();
    assert_eq!(ids, ["d2", "d1", "d3b"]);

    // Conversion: ended a1 (contract), a2 (contract), a3 (none), a9 (contract) → 3/4; a4 running.
    let all = find(&poc, "poc.conversion.copilot");
    close(all.value, 0.75);
    // With criteria: a1 (contract), a3 (none) → 1/2. Without: a2 (contract) → 1/1.
    close(
        find(&poc, "poc.conversion_with_criteria.copilot").value,
        0.5,
    );
    close(
        find(&poc, "poc.conversion_without_criteria.copilot").value,
        1.0,
    );
}

#[test]
fn deals_marked_as_a_poc() {
    let (poc, _, _) = run(&fixture_a(), &settings());
    // Open deals whose stage or type names a POC: d5 (stage "Technical Validation (POC)", criteria
    // filled) and d6 (type "Paid Pilot", criteria empty) → 1 of 2.
    let criteria = find(&poc, "poc.deal_criteria.pipeline");
    close(criteria.value, 0.5);
    assert_eq!(criteria.population.n, 2);
    // Closed from 2025-06-30 to 2026-06-30: d7 (won, criteria filled) and d8 (lost, a POC stage in
    // its history) have a POC → 1 of 2; d10 won, d11 and d12 lost → 1 of 3. d13 closed earlier.
    let win_rate = find(&poc, "poc.deal_win_rate.pipeline");
    close(win_rate.value, 0.5);
    assert_eq!(win_rate.population.n, 2);
    assert!(
        win_rate.text.contains(
            "won 1 of 2 closed deals (50.0%); closed deals without one: won 1 of 3 closed deals (33.3%)"
        ),
        "{}",
        win_rate.text
    );
}

/// Fixture B: experiment `exp-1` on program `copilot` (arms "Treatment" and " CONTROL "), and
/// `exp-2` without a control arm.
const MILESTONES_B: &str = "\
account_id,account_name,program,segment,eligible_date,pilot_start,pilot_end,security_review_start,security_review_end,contract_date,activation_date,churn_date
t1,T1,copilot,SMB,2026-01-05,2026-01-12,2026-02-10,2026-01-10,2026-01-20,2026-03-01,2026-03-11,2026-04-20
t2,T2,copilot,SMB,2026-01-05,2026-01-12,2026-02-12,2026-01-10,2026-01-22,,,
t3,T3,copilot,SMB,2026-01-05,2026-06-01,,2026-01-10,2026-01-24,,,
t4,T4,copilot,SMB,2026-01-05,,,,,,,
c1,C1,copilot,SMB,2026-01-05,2026-01-12,2026-02-15,2026-01-10,2026-01-30,2026-03-02,2026-03-22,
c2,C2,copilot,SMB,2026-01-05,,,2026-01-10,2026-02-01,,,
c3,C3,copilot,SMB,2026-01-05,,,2026-01-10,2026-02-03,,,
c4,C4,copilot,SMB,2026-01-05,,,,,,,
";

const ASSIGNMENTS_B: &str = "\
account_id,experiment_id,arm,assigned_on
t1,exp-1,Treatment,2026-01-05
t2,exp-1,Treatment,2026-01-05
t3,exp-1,Treatment,2026-01-05
t4,exp-1,Treatment,2026-01-05
ghost,exp-1,Treatment,2026-01-05
c1,exp-1,CONTROL,2026-01-05
c2,exp-1,control,2026-01-05
c3,exp-1,Control,2026-01-05
c4,exp-1,control,
x1,exp-1,Treatment,2026-01-05
x1,exp-1,control,2026-01-05
x2,exp-1,control,2026-07-05
t1,exp-2,A,2026-01-05
c1,exp-2,B,2026-01-05
";

fn fixture_b() -> Dataset {
    let mut dataset = Dataset {
        snapshots: vec![Snapshot {
            as_of: date(AS_OF),
            source_file: "pipeline.csv".into(),
            opportunities: vec![deal("d1", "T1", 2)],
        }],
        ..Dataset::default()
    };
    import_into(
        &mut dataset,
        "program_milestones.csv",
        MILESTONES_B,
        TableKind::ProgramMilestones,
    );
    import_into(
        &mut dataset,
        "experiment_assignments.csv",
        ASSIGNMENTS_B,
        TableKind::ExperimentAssignments,
    );
    dataset
}

fn condition(
    experiment: Option<&str>,
    metric: ProgramMetric,
    test: ConditionTest,
) -> ExperimentCondition {
    ExperimentCondition {
        experiment: experiment.map(str::to_string),
        metric,
        test,
    }
}

fn conditions_b() -> Vec<ExperimentCondition> {
    use ConditionTest::*;
    use ProgramMetric::*;
    vec![
        condition(
            Some("exp-1"),
            PilotStartRate,
            RelativeLiftAtLeast { value: 0.15 },
        ),
        condition(None, PilotStartRate, SampleAtLeastPerArm { n: 5 }),
        condition(
            None,
            PilotStartRate,
            DifferenceLowerBoundAbove { value: 0.0 },
        ),
        condition(
            None,
            SecurityReviewCycleTime,
            DifferenceUpperBoundBelow { value: 0.0 },
        ),
        condition(None, LogoChurn90Days, RelativeLiftAtMost { value: -0.15 }),
        condition(
            Some("exp-404"),
            PilotStartRate,
            RelativeLiftAtLeast { value: 0.15 },
        ),
        condition(
            None,
            TimeToActivation,
            RelativeLiftLowerBoundAbove { value: 0.0 },
        ),
        condition(
            None,
            SecurityReviewCycleTime,
            RelativeLiftUpperBoundBelow { value: -0.1 },
        ),
    ]
}

fn experiment_reference(
    insight: &Insight,
) -> (Option<f64>, usize, Option<f64>, usize, [Option<f64>; 5]) {
    let Some(Reference::Experiment {
        control_value,
        control_n,
        treatment_value,
        treatment_n,
        difference,
        difference_low,
        difference_high,
        relative_lift_low,
        relative_lift_high,
        ..
    }) = insight.reference.clone()
    else {
        panic!("{}: {:?}", insight.key, insight.reference)
    };
    (
        treatment_value,
        treatment_n,
        control_value,
        control_n,
        [
            difference,
            difference_low,
            difference_high,
            relative_lift_low,
            relative_lift_high,
        ],
    )
}

#[test]
fn experiment_readout_of_a_rate() {
    let (_, program, _) = run(&fixture_b(), &settings());
    // Pilot start: treatment t1, t2, t3 of t1–t4 → 3/4; control c1 of c1–c4 → 1/4 (arm names
    // match "control" whatever their case). Relative lift 0.75 / 0.25 − 1 = 2.
    let readout = find(
        &program,
        "program.experiment_pilot_start_rate.copilot.exp-1.Treatment",
    );
    assert_eq!(readout.subject.kind, SubjectKind::Experiment);
    close(readout.value, 2.0);
    let (t, n_t, c, n_c, [difference, low, high, lift_low, lift_high]) =
        experiment_reference(readout);
    close(t, 0.75);
    close(c, 0.25);
    assert_eq!((n_t, n_c), (4, 4));
    close(difference, 0.5);
    // Newcombe method 10 with Wilson intervals of 3/4 (0.300642, 0.954414) and 1/4 (0.045586,
    // 0.699358): 0.5 − √(0.449358² + 0.449358²) = −0.135488; 0.5 + √(0.204414² + 0.204414²) = 0.789083.
    close(low, -0.135_488_400_6);
    close(high, 0.789_083_268_1);
    // Katz: SE = √(1/3 − 1/4 + 1/1 − 1/4) = 0.912871; exp(ln 3 ± 1.959964 × 0.912871) − 1.
    close(lift_low, -0.498_715_690_6);
    close(lift_high, 16.953_883_318);
    // ghost has no milestones row; x1 sits in both arms; x2 was assigned after the as-of date.
    assert_eq!(
        exclusions(readout),
        [
            (1, "arm Treatment: no milestones row in program copilot"),
            (1, "assigned after the as-of date"),
            (
                1,
                "account assigned to more than one arm of this experiment"
            ),
        ]
    );
    // Evidence: each counted account's milestones row and assignment row.
    assert_eq!(readout.evidence.len(), 16);
    assert!(
        readout
            .evidence
            .iter()
            .any(|e| &*e.source_file == "experiment_assignments.csv"
                && e.record_id == "c4"
                && e.new_value.as_deref() == Some("control"))
    );
    assert!(
        readout.text.starts_with(
            "exp-1, pilot start rate: Treatment 75.0% (3 of 4); CONTROL 25.0% (1 of 4). Relative lift +200.0% (95% interval −49.9% to +1695.4%, Katz log method). Difference +50.0 points (95% interval −13.5 points to +78.9 points, Newcombe hybrid score)."
        ),
        "{}",
        readout.text
    );
}

#[test]
fn experiment_readout_of_a_duration_uses_welch_and_fieller() {
    let (_, program, _) = run(&fixture_b(), &settings());
    // Security review days: treatment t1 10, t2 12, t3 14 (mean 12, variance 4); control c1 20,
    // c2 22, c3 24 (mean 22, variance 4). SE = √(4/3 + 4/3) = 1.632993; df = (8/3)² ÷
    // ((4/3)²/2 × 2) = 4; t(0.975; 4) = 2.7764451 → −10 ± 2.7764451 × 1.6329932 = −10 ± 4.5339159.
    let readout = find(
        &program,
        "program.experiment_security_review_cycle_time.copilot.exp-1.Treatment",
    );
    close(readout.value, 12.0 / 22.0 - 1.0);
    let (t, _, c, _, [difference, low, high, lift_low, lift_high]) = experiment_reference(readout);
    close(t, 12.0);
    close(c, 22.0);
    close(difference, -10.0);
    close(low, -14.533_915_87);
    close(high, -5.466_084_13);
    // Fieller for 12 ÷ 22 with v₁ = v₂ = 4/3: at the estimate r = 6/11, df = (v₁ + r² v₂)² ÷
    // (v₁²/2 + r⁴ v₂²/2) = 3.093305, t(0.975; 3.093305) = 3.128824 (worked separately, the t
    // quantile by bisection on a numerically integrated density); the roots of
    // (22² − t² v₂) r² − 2·12·22 r + (12² − t² v₁) are 0.370334 and 0.750810, minus 1.
    close(lift_low, -0.629_665_641);
    close(lift_high, -0.249_189_762);
    assert!(
        readout.text.contains(
            "Relative lift −45.5% (95% interval −63.0% to −24.9%, Fieller's method, 3.1 degrees of freedom)."
        ),
        "{}",
        readout.text
    );
    assert!(
        readout.text.contains("Welch's t, 4 degrees of freedom"),
        "{}",
        readout.text
    );
    // One activation per arm (t1 10 days, c1 20 days): the lift is defined (10/20 − 1), the
    // interval is not.
    let single = find(
        &program,
        "program.experiment_time_to_activation.copilot.exp-1.Treatment",
    );
    close(single.value, -0.5);
    let (.., [difference, low, high, lift_low, lift_high]) = experiment_reference(single);
    close(difference, -10.0);
    assert_eq!((low, high, lift_low, lift_high), (None, None, None, None));
    assert!(
        single.text.contains(
            "(no interval: Fieller's interval needs at least 2 values in each arm and some variation)"
        ),
        "{}",
        single.text
    );
    assert!(
        single
            .text
            .contains("no interval: Welch's interval needs at least 2 values in each arm"),
        "{}",
        single.text
    );
}

#[test]
fn pre_registered_conditions_are_reported_as_holding_or_not() {
    let mut settings = settings();
    settings.experiment_conditions = conditions_b();
    let (_, program, _) = run(&fixture_b(), &settings);
    let status = |index: usize| {
        let insight = find(
            &program,
            &format!("program.experiment_condition.copilot.exp-1.Treatment.{index}"),
        );
        let Some(Reference::Condition {
            status, index: i, ..
        }) = insight.reference
        else {
            panic!("{:?}", insight.reference)
        };
        assert_eq!(i, index);
        (status, insight.value, insight.text.clone())
    };
    // 1: relative lift +200% ≥ +15%.
    let (s, value, text) = status(1);
    assert_eq!(s, ConditionStatus::Holds);
    close(value, 2.0);
    assert_eq!(
        text,
        "Condition 1 (pilot start rate: relative lift ≥ +15.0%) holds for exp-1: Treatment vs CONTROL: relative lift +200.0%."
    );
    // 2: 4 accounts per arm < 5.
    let (s, value, text) = status(2);
    assert_eq!(s, ConditionStatus::DoesNotHold);
    close(value, 4.0);
    assert!(text.contains("treatment arm 4, control arm 4"), "{text}");
    // 3: the difference's lower bound −0.135 is not above 0.
    let (s, value, _) = status(3);
    assert_eq!(s, ConditionStatus::DoesNotHold);
    close(value, -0.135_488_400_6);
    // 4: review days, upper bound −5.47 days < 0.
    let (s, value, _) = status(4);
    assert_eq!(s, ConditionStatus::Holds);
    close(value, -5.466_084_13);
    // 5: 90-day churn: treatment 1/1 (t1 churned 40 days after activation), control 0/1 → the
    // relative lift divides by zero.
    let (s, value, text) = status(5);
    assert_eq!((s, value), (ConditionStatus::CannotBeEvaluated, None));
    assert!(text.contains("the control arm's value is 0"), "{text}");
    // 6 names an experiment no row names; 7 reads the interval of a lift on one activation per arm.
    let unmatched = find(&program, "program.experiment_condition.unmatched.6");
    assert!(unmatched.text.contains("names experiment exp-404"));
    let (s, _, text) = status(7);
    assert_eq!(s, ConditionStatus::CannotBeEvaluated);
    assert!(
        text.contains("Fieller's interval needs at least 2 values in each arm"),
        "{text}"
    );
    // 8: review days, the upper bound of the relative lift's interval −24.9% < −10%.
    let (s, value, _) = status(8);
    assert_eq!(s, ConditionStatus::Holds);
    close(value, -0.249_189_762);
    // Condition 1 names exp-1 only; none is read on exp-2, which has no control arm.
    assert!(!program.iter().any(|i| i.key.contains("exp-2.")));
}

#[test]
fn an_experiment_without_a_control_arm_says_so() {
    let (_, program, _) = run(&fixture_b(), &settings());
    let insight = find(&program, "program.experiment_control.copilot.exp-2");
    assert_eq!(insight.value, None);
    assert_eq!(
        insight.text,
        "exp-2 has no arm named \"control\" (the control arm setting), so no arm is read against a control; its arms: A (1), B (1)."
    );
    // With the setting naming arm "B", exp-2 is read as A against B; exp-1 then has no control.
    let mut settings = settings();
    settings.control_arm = " b ".into();
    let (_, program, _) = run(&fixture_b(), &settings);
    let readout = find(
        &program,
        "program.experiment_pilot_start_rate.copilot.exp-2.A",
    );
    close(readout.value, 0.0);
    assert!(
        program
            .iter()
            .any(|i| i.key == "program.experiment_control.copilot.exp-1")
    );
}

#[test]
fn control_arm_with_no_account_in_the_population() {
    // The control accounts have no milestones row: the control arm counts nobody.
    let assignments = "\
account_id,experiment_id,arm,assigned_on
t1,exp-3,treatment,2026-01-05
t2,exp-3,treatment,2026-01-05
z1,exp-3,control,2026-01-05
z2,exp-3,control,2026-01-05
";
    let mut dataset = fixture_b();
    dataset.assignments.clear();
    import_into(
        &mut dataset,
        "assignments.csv",
        assignments,
        TableKind::ExperimentAssignments,
    );
    let mut settings = settings();
    settings.experiment_conditions = vec![
        condition(
            None,
            ProgramMetric::PilotStartRate,
            ConditionTest::RelativeLiftAtLeast { value: 0.1 },
        ),
        condition(
            None,
            ProgramMetric::PilotStartRate,
            ConditionTest::SampleAtLeastPerArm { n: 1 },
        ),
    ];
    let (_, program, _) = run(&dataset, &settings);
    let readout = find(
        &program,
        "program.experiment_pilot_start_rate.copilot.exp-3.treatment",
    );
    assert_eq!(readout.value, None);
    let (t, n_t, c, n_c, [difference, low, ..]) = experiment_reference(readout);
    close(t, 1.0);
    assert_eq!((n_t, c, n_c, difference, low), (2, None, 0, None, None));
    assert!(
        readout.text.contains("control undefined (0 counted)"),
        "{}",
        readout.text
    );
    assert!(
        readout
            .text
            .contains("Relative lift undefined: the control arm counts no account."),
        "{}",
        readout.text
    );
    assert_eq!(
        exclusions(readout),
        [(2, "arm control: no milestones row in program copilot")]
    );
    // The same on a duration: treatment reviews of 10 and 12 days, no control value, so neither
    // the lift nor either interval.
    let duration = find(
        &program,
        "program.experiment_security_review_cycle_time.copilot.exp-3.treatment",
    );
    assert_eq!(duration.value, None);
    let (t, n_t, c, n_c, intervals) = experiment_reference(duration);
    close(t, 11.0);
    assert_eq!((n_t, c, n_c, intervals), (2, None, 0, [None; 5]));
    assert!(
        duration.text.contains(
            "Relative lift undefined: the control arm counts no account. Difference undefined: the control arm counts no account."
        ),
        "{}",
        duration.text
    );
    let lift = find(
        &program,
        "program.experiment_condition.copilot.exp-3.treatment.1",
    );
    assert!(matches!(
        lift.reference,
        Some(Reference::Condition {
            status: ConditionStatus::CannotBeEvaluated,
            ..
        })
    ));
    let sample = find(
        &program,
        "program.experiment_condition.copilot.exp-3.treatment.2",
    );
    close(sample.value, 0.0);
    assert!(matches!(
        sample.reference,
        Some(Reference::Condition {
            status: ConditionStatus::DoesNotHold,
            ..
        })
    ));
}

/// Two arms over the same milestones, as (account, arm, pilot started).
fn two_arm_dataset(accounts: &[(&str, &str, bool)]) -> Dataset {
    let mut milestones = String::from("account_id,program,eligible_date,pilot_start\n");
    let mut assignments = String::from("account_id,experiment_id,arm\n");
    for (account, arm, started) in accounts {
        let start = if *started { "2026-02-01" } else { "" };
        milestones.push_str(&format!("{account},copilot,2026-01-05,{start}\n"));
        assignments.push_str(&format!("{account},exp,{arm}\n"));
    }
    let mut dataset = Dataset {
        snapshots: vec![Snapshot {
            as_of: date(AS_OF),
            source_file: "pipeline.csv".into(),
            opportunities: vec![deal("d1", "T1", 2)],
        }],
        ..Dataset::default()
    };
    import_into(
        &mut dataset,
        "m.csv",
        &milestones,
        TableKind::ProgramMilestones,
    );
    import_into(
        &mut dataset,
        "a.csv",
        &assignments,
        TableKind::ExperimentAssignments,
    );
    dataset
}

#[test]
fn zero_and_all_successes() {
    // Treatment 0 of 3, control 2 of 3: lift −100%, no Katz interval (no event in treatment);
    // Newcombe still gives the difference's interval.
    let dataset = two_arm_dataset(&[
        ("t1", "treatment", false),
        ("t2", "treatment", false),
        ("t3", "treatment", false),
        ("c1", "control", true),
        ("c2", "control", true),
        ("c3", "control", false),
    ]);
    let (_, program, _) = run(&dataset, &settings());
    let readout = find(
        &program,
        "program.experiment_pilot_start_rate.copilot.exp.treatment",
    );
    close(readout.value, -1.0);
    let (.., [difference, low, high, lift_low, lift_high]) = experiment_reference(readout);
    close(difference, -2.0 / 3.0);
    assert!(low.is_some() && high.is_some());
    assert_eq!((lift_low, lift_high), (None, None));
    assert!(
        readout.text.contains(
            "(no interval: an arm counts no event, and the Katz log method needs at least one in each)"
        ),
        "{}",
        readout.text
    );
    // Every account started a pilot in both arms: lift 0; Katz's standard error is 0, so its
    // interval is the point; Newcombe with Wilson intervals of 2/2: ±0.657620 (by hand:
    // Wilson 2/2 at 95% is 0.342380 to 1).
    let dataset = two_arm_dataset(&[
        ("t1", "treatment", true),
        ("t2", "treatment", true),
        ("c1", "control", true),
        ("c2", "control", true),
    ]);
    let (_, program, _) = run(&dataset, &settings());
    let readout = find(
        &program,
        "program.experiment_pilot_start_rate.copilot.exp.treatment",
    );
    close(readout.value, 0.0);
    let (.., [difference, low, high, lift_low, lift_high]) = experiment_reference(readout);
    close(difference, 0.0);
    close(low, -0.657_620_2);
    close(high, 0.657_620_2);
    close(lift_low, 0.0);
    close(lift_high, 0.0);
}

#[test]
fn a_single_account_per_arm() {
    // 1 of 1 against 0 of 1: the lift divides by zero; Newcombe gives −0.122109 to 1 (Wilson 1/1
    // is 0.206549 to 1 and 0/1 is 0 to 0.793451).
    let dataset = two_arm_dataset(&[("t1", "treatment", true), ("c1", "control", false)]);
    let (_, program, _) = run(&dataset, &settings());
    let readout = find(
        &program,
        "program.experiment_pilot_start_rate.copilot.exp.treatment",
    );
    assert_eq!(readout.value, None);
    assert_eq!(readout.population.n, 2);
    let (.., [difference, low, high, ..]) = experiment_reference(readout);
    close(difference, 1.0);
    close(low, -0.122_108_720_7);
    close(high, 1.0);
}

#[test]
fn a_control_mean_within_its_own_interval_of_zero_leaves_the_lift_without_an_interval() {
    // Security reviews: treatment 10 and 12 days; control 1 and 30 days (mean 15.5, standard
    // error 14.5). At the estimate 11 ÷ 15.5 the degrees of freedom are about 1.02, t is about 12,
    // and t² × 14.5² exceeds 15.5²: Fieller's set of ratios is unbounded. Welch's interval of the
    // difference is still defined.
    let milestones = "\
account_id,program,eligible_date,security_review_start,security_review_end
t1,copilot,2026-01-05,2026-01-10,2026-01-20
t2,copilot,2026-01-05,2026-01-10,2026-01-22
c1,copilot,2026-01-05,2026-01-10,2026-01-11
c2,copilot,2026-01-05,2026-01-10,2026-02-09
";
    let assignments = "\
account_id,experiment_id,arm
t1,exp,treatment
t2,exp,treatment
c1,exp,control
c2,exp,control
";
    let mut dataset = fixture_b();
    dataset.milestones.clear();
    dataset.assignments.clear();
    import_into(
        &mut dataset,
        "m.csv",
        milestones,
        TableKind::ProgramMilestones,
    );
    import_into(
        &mut dataset,
        "a.csv",
        assignments,
        TableKind::ExperimentAssignments,
    );
    let (_, program, _) = run(&dataset, &settings());
    let readout = find(
        &program,
        "program.experiment_security_review_cycle_time.copilot.exp.treatment",
    );
    close(readout.value, 11.0 / 15.5 - 1.0);
    let (.., [difference, low, high, lift_low, lift_high]) = experiment_reference(readout);
    close(difference, -4.5);
    assert!(low.is_some() && high.is_some());
    assert_eq!((lift_low, lift_high), (None, None));
    assert!(
        readout.text.contains(
            "Relative lift −29.0% (no interval: the control arm's mean is within its own 95% interval of 0 (or neither arm varies), so Fieller's set of ratios is unbounded)."
        ),
        "{}",
        readout.text
    );
}

#[test]
fn no_experiments_and_no_program_data() {
    // Milestones without assignments: the scorecard, no readout.
    let mut dataset = fixture_a();
    let (_, program, _) = run(&dataset, &settings());
    assert!(!program.is_empty());
    assert!(!program.iter().any(|i| i.measure.starts_with("experiment")));
    // No program table at all, and no deal marked as a POC: each section says what is missing.
    dataset.milestones.clear();
    dataset.snapshots = vec![Snapshot {
        as_of: date(AS_OF),
        source_file: "pipeline.csv".into(),
        opportunities: vec![deal("d1", "Acct 1", 2)],
    }];
    let (poc, program, analysis) = run(&dataset, &settings());
    assert_eq!(program.len(), 1);
    assert_eq!(program[0].key, "program.milestones.all");
    assert_eq!(program[0].population.n, 0);
    assert!(
        program[0]
            .text
            .contains("0 experiment assignment rows were read")
    );
    assert_eq!(poc.len(), 1);
    assert_eq!(poc[0].key, "poc.count.pipeline");
    let text = markdown(&analysis);
    assert!(text.contains("## POC governance\n\n- **Pipeline**: No POC in this data"));
    assert!(text.contains("## GTM program scorecard and experiments\n"));
}

#[test]
fn settings_read_from_json_with_defaults_and_are_checked() {
    // Settings saved before these fields existed still load, with neutral defaults.
    let old = serde_json::json!({
        "as_of": "2026-06-30", "fiscal_year_start_month": 1, "plan": null, "currency": null,
        "stage_age_percentile": 90.0, "no_activity_days": 30, "push_count_at_least": 3,
        "anomaly_k": 3.0, "anomaly_min_points": 8, "ledger_from": null, "lookback_days": 365
    });
    let settings: Settings = serde_json::from_value(old.clone()).unwrap();
    assert_eq!(settings, Settings::new(date(AS_OF)));
    assert_eq!(settings.control_arm, "control");
    assert_eq!(settings.experiment_confidence, 0.95);
    assert!(settings.program_targets.is_empty() && settings.experiment_conditions.is_empty());

    let mut with_conditions = old;
    with_conditions["program_targets"] = serde_json::json!([
        {"metric": "logo_churn_90_days", "baseline": 0.08, "target": 0.04}
    ]);
    with_conditions["experiment_conditions"] = serde_json::json!([
        {"experiment": "exp-001", "metric": "pilot_start_rate", "kind": "relative_lift_at_least", "value": 0.15},
        {"metric": "pilot_start_rate", "kind": "sample_at_least_per_arm", "n": 100}
    ]);
    let settings: Settings = serde_json::from_value(with_conditions).unwrap();
    assert_eq!(
        settings.program_targets[0].metric,
        ProgramMetric::LogoChurn90Days
    );
    assert_eq!(
        settings.experiment_conditions,
        [
            condition(
                Some("exp-001"),
                ProgramMetric::PilotStartRate,
                ConditionTest::RelativeLiftAtLeast { value: 0.15 }
            ),
            condition(
                None,
                ProgramMetric::PilotStartRate,
                ConditionTest::SampleAtLeastPerArm { n: 100 }
            ),
        ]
    );
    // Round trip.
    let back: Settings = serde_json::from_str(&serde_json::to_string(&settings).unwrap()).unwrap();
    assert_eq!(back, settings);

    let mut wrong = Settings::new(date(AS_OF));
    wrong.experiment_confidence = 1.5;
    assert!(matches!(
        analyze(&fixture_a(), &wrong),
        Err(AnalyzeError::Setting { name, .. }) if name == "experiment_confidence"
    ));
}

#[test]
fn readout_sentences() {
    let mut settings = settings();
    settings.experiment_conditions = conditions_b()[..2].to_vec();
    let (_, program, _) = run(&fixture_b(), &settings);
    let texts: Vec<&str> = program
        .iter()
        .filter(|i| i.subject.kind == SubjectKind::Experiment)
        .map(|i| i.text.as_str())
        .collect();
    expect_test::expect![[r#"
        [
            "exp-1, pilot start rate: Treatment 75.0% (3 of 4); CONTROL 25.0% (1 of 4). Relative lift +200.0% (95% interval −49.9% to +1695.4%, Katz log method). Difference +50.0 points (95% interval −13.5 points to +78.9 points, Newcombe hybrid score).",
            "exp-1, pilot → production conversion: Treatment 50.0% (1 of 2); CONTROL 100.0% (1 of 1). Relative lift −50.0% (95% interval −87.5% to +99.9%, Katz log method). Difference −50.0 points (95% interval −90.5 points to +39.1 points, Newcombe hybrid score).",
            "exp-1, time to activation: Treatment mean 10 days (n = 1); CONTROL mean 20 days (n = 1). Relative lift −50.0% (no interval: Fieller's interval needs at least 2 values in each arm and some variation). Difference −10.0 days (no interval: Welch's interval needs at least 2 values in each arm and some variation).",
            "exp-1, security review cycle time: Treatment mean 12 days (n = 3); CONTROL mean 22 days (n = 3). Relative lift −45.5% (95% interval −63.0% to −24.9%, Fieller's method, 3.1 degrees of freedom). Difference −10.0 days (95% interval −14.5 days to −5.5 days, Welch's t, 4 degrees of freedom).",
            "exp-1, 90-day logo churn: Treatment 100.0% (1 of 1); CONTROL 0.0% (0 of 1). Relative lift undefined: the control arm's value is 0, so the relative lift divides by zero. Difference +100.0 points (95% interval −12.2 points to +100.0 points, Newcombe hybrid score).",
            "Condition 1 (pilot start rate: relative lift ≥ +15.0%) holds for exp-1: Treatment vs CONTROL: relative lift +200.0%.",
            "Condition 2 (pilot start rate: at least 5 accounts in each arm) does not hold for exp-1: Treatment vs CONTROL: treatment arm 4, control arm 4.",
            "exp-2 has no arm named \"control\" (the control arm setting), so no arm is read against a control; its arms: A (1), B (1).",
        ]
    "#]].assert_debug_eq(&texts);
}

#[test]
fn a_milestones_file_imported_twice_counts_once() {
    let mut dataset = fixture_a();
    import_into(
        &mut dataset,
        "program_milestones (2).csv",
        MILESTONES_A,
        TableKind::ProgramMilestones,
    );
    let (poc, program, _) = run(&dataset, &settings());
    close(
        find(&program, "program.pilot_start_rate.copilot").value,
        5.0 / 7.0,
    );
    assert_eq!(find(&poc, "poc.pilot_days.copilot").population.n, 4);
    // The later file's rows are the evidence.
    assert!(
        find(&program, "program.pilot_start_rate.copilot")
            .evidence
            .iter()
            .all(|e| &*e.source_file == "program_milestones (2).csv")
    );
}
