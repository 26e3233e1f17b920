//! Tests of the patterns module (anomalies and dichotomies in the weekly snapshot series) on small
//! hand-built snapshot series whose expected values are worked out by hand in the comments.

use chrono::{Days, NaiveDate};
use lens_core::insight::{
    Dataset, Insight, Module, Reference, Settings, SubjectKind, Unit, analyze, lexicon,
};
use lens_core::model::{DealStatus, ForecastCategory, Opportunity, Snapshot, SourceRef, Text};

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// An open deal in the reporting currency, category Pipeline, closing in Q4 2026, owned by Ana.
fn deal(id: &str, amount: f64) -> Opportunity {
    Opportunity {
        id: id.into(),
        name: format!("Deal {id}").into(),
        owner: Some("Ana".into()),
        stage: Some("Qualify".into()),
        status: DealStatus::Open,
        forecast_category: Some(ForecastCategory::Pipeline),
        amount: Some(amount),
        currency: Some("USD".into()),
        close_date: Some(date("2026-12-15")),
        created_date: Some(date("2026-01-05")),
        source: SourceRef { line: 2 },
        ..Default::default()
    }
}

fn with(mut opp: Opportunity, change: impl FnOnce(&mut Opportunity)) -> Opportunity {
    change(&mut opp);
    opp
}

fn commit(id: &str, amount: f64, last_activity: &str) -> Opportunity {
    with(deal(id, amount), |o| {
        o.forecast_category = Some(ForecastCategory::Commit);
        o.last_activity_date = Some(date(last_activity));
    })
}

fn snapshot(as_of: &str, opportunities: Vec<Opportunity>) -> Snapshot {
    // Line numbers as in a file: the header is line 1.
    let opportunities = opportunities
        .into_iter()
        .enumerate()
        .map(|(i, mut o)| {
            o.source.line = i as u64 + 2;
            o
        })
        .collect();
    Snapshot {
        as_of: date(as_of),
        source_file: format!("pipeline_{as_of}.csv").into(),
        opportunities,
    }
}

/// Weekly snapshot dates: `start`, `start` + 7 days, …
fn weekly(start: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| (date(start) + Days::new(7 * i as u64)).to_string())
        .collect()
}

fn patterns(snapshots: Vec<Snapshot>, settings: &Settings) -> Vec<Insight> {
    let dataset = Dataset {
        snapshots,
        history: Vec::new(),
        users: Vec::new(),
        ..Dataset::default()
    };
    let analysis = analyze(&dataset, settings).unwrap();
    let section = analysis
        .sections
        .iter()
        .find(|s| s.module == Module::Patterns)
        .unwrap();
    for insight in &section.insights {
        check_rules(insight);
    }
    section.insights.clone()
}

/// The rules every insight keeps (`lexicon::broken_insight_rules`: neutral words, including the
/// band's method, a formula, evidence whenever something was counted), and this module's key prefix.
fn check_rules(insight: &Insight) {
    let broken = lexicon::broken_insight_rules(insight);
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    assert!(insight.key.starts_with("patterns."));
}

fn settings(as_of: &str) -> Settings {
    let mut settings = Settings::new(date(as_of));
    settings.currency = Some("USD".into());
    settings
}

fn keys(insights: &[Insight]) -> Vec<&str> {
    insights.iter().map(|i| i.key.as_str()).collect()
}

fn find<'i>(insights: &'i [Insight], key: &str) -> &'i Insight {
    insights
        .iter()
        .find(|i| i.key == key)
        .unwrap_or_else(|| panic!("no insight {key} in {:?}", keys(insights)))
}

/// Independent median and MAD: sort and take the middle.
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

fn mad(values: &[f64]) -> f64 {
    let m = median(values);
    median(&values.iter().map(|v| (v - m).abs()).collect::<Vec<_>>())
}

/// Ana's deal A carries `ana_amounts` week by week; Ben's deal B stays at 50,000. Every other
/// measure is constant (same deals, same stage, no Commit), so only open pipeline totals move.
fn level_series(ana_amounts: &[f64]) -> (Vec<Snapshot>, String) {
    let dates = weekly("2026-09-04", ana_amounts.len());
    let snapshots = dates
        .iter()
        .zip(ana_amounts)
        .map(|(d, &amount)| {
            snapshot(
                d,
                vec![
                    deal("A", amount),
                    with(deal("B", 50_000.0), |o| o.owner = Some("Ben".into())),
                ],
            )
        })
        .collect();
    (snapshots, dates.last().unwrap().clone())
}

const EARLIER: [f64; 8] = [
    100_000.0, 110_000.0, 90_000.0, 100_000.0, 105_000.0, 95_000.0, 100_000.0, 100_000.0,
];

#[test]
fn level_shift_lies_outside_the_band() {
    // Earlier values (Ana): sorted 90,95,100,100,100,100,105,110 (thousands) → median 100,000;
    // absolute deviations 0,10,10,0,5,5,0,0 → sorted 0,0,0,0,5,5,10,10 → MAD 2,500.
    // Band = 100,000 ± 3 × 1.4826 × 2,500 = 100,000 ± 11,119.5 → 88,880.5 to 111,119.5.
    let mut amounts = EARLIER.to_vec();
    amounts.push(200_000.0);
    let (snapshots, latest) = level_series(&amounts);
    let insights = patterns(snapshots, &settings(&latest));
    assert_eq!(
        keys(&insights),
        [
            "patterns.open_pipeline_total.all.anomaly",
            "patterns.open_pipeline_total.Ana.anomaly",
            // The previous week's total was 100,000 and stage conversion stayed 0%, so no
            // dichotomy; Ben's series is constant.
        ]
    );

    let ana = find(&insights, "patterns.open_pipeline_total.Ana.anomaly");
    assert_eq!(median(&EARLIER), 100_000.0);
    assert_eq!(mad(&EARLIER), 2_500.0);
    let Some(Reference::OwnHistory {
        method,
        n,
        median: band_median,
        low,
        high,
    }) = &ana.reference
    else {
        panic!("{:?}", ana.reference)
    };
    assert_eq!(*n, 8);
    assert_eq!(*band_median, median(&EARLIER));
    let half_width = 3.0 * 1.4826 * mad(&EARLIER);
    assert!((half_width - 11_119.5).abs() < 1e-6);
    assert!((low - (100_000.0 - half_width)).abs() < 1e-6);
    assert!((high - (100_000.0 + half_width)).abs() < 1e-6);
    assert_eq!(
        method,
        "median ± k × 1.4826 × MAD of the 8 earlier weekly values, k = 3"
    );
    assert_eq!(ana.value, Some(200_000.0));
    assert_eq!(
        ana.unit,
        Unit::Money {
            currency: Some("USD".into())
        }
    );
    assert_eq!(ana.subject.kind, SubjectKind::Rep);
    assert_eq!(
        ana.text,
        "Open pipeline total (Ana): USD 200,000 on 2026-10-30 lies above the band of the 8 earlier weekly values (median USD 100,000; band USD 88,881 to USD 111,120)."
    );
    assert_eq!(ana.population.n, 1);
    assert_eq!(
        ana.population.description,
        "open deals in the snapshot of 2026-10-30, any close date, owned by Ana"
    );
    assert_eq!(ana.evidence.len(), 1);
    assert_eq!(ana.evidence[0].record_id, "A");
    assert_eq!(ana.evidence[0].field.as_deref(), Some("amount"));
    assert_eq!(ana.evidence[0].new_value.as_deref(), Some("200000"));
    assert_eq!(ana.evidence[0].as_of, Some(date("2026-10-30")));
    assert_eq!(&*ana.evidence[0].source_file, "pipeline_2026-10-30.csv");

    // The team's series is Ana's + 50,000: same MAD, median 150,000.
    let team = find(&insights, "patterns.open_pipeline_total.all.anomaly");
    assert_eq!(team.value, Some(250_000.0));
    assert_eq!(team.subject.kind, SubjectKind::Team);
    assert_eq!(
        team.text,
        "Open pipeline total: USD 250,000 on 2026-10-30 lies above the band of the 8 earlier weekly values (median USD 150,000; band USD 138,881 to USD 161,120)."
    );
    assert_eq!(team.population.n, 2);
    assert_eq!(team.evidence.len(), 2);
}

#[test]
fn value_inside_the_band_and_value_below_it() {
    // 111,000 lies inside 88,880.5 to 111,119.5: nothing.
    let mut amounts = EARLIER.to_vec();
    amounts.push(111_000.0);
    let (snapshots, latest) = level_series(&amounts);
    let insights = patterns(snapshots, &settings(&latest));
    // 111,000 against 100,000 the week before is a rise, but stage conversion is 0% both weeks.
    assert!(insights.is_empty(), "{:?}", keys(&insights));

    // 88,000 lies below 88,880.5.
    let mut amounts = EARLIER.to_vec();
    amounts.push(88_000.0);
    let (snapshots, latest) = level_series(&amounts);
    let insights = patterns(snapshots, &settings(&latest));
    let ana = find(&insights, "patterns.open_pipeline_total.Ana.anomaly");
    assert!(
        ana.text
            .contains("USD 88,000 on 2026-10-30 lies below the band")
    );

    // A wider band (k = 4: 100,000 ± 14,826) holds 88,000.
    let mut wide = settings(&latest);
    wide.anomaly_k = 4.0;
    let (snapshots, _) = level_series(&amounts);
    assert!(patterns(snapshots, &wide).is_empty());
}

#[test]
fn zero_mad_band_is_a_single_value() {
    // Seven of eight earlier values are 100,000: median 100,000, MAD 0, so the band is 100,000 only.
    let earlier = [
        100_000.0, 100_000.0, 100_000.0, 120_000.0, 100_000.0, 100_000.0, 100_000.0, 100_000.0,
    ];
    assert_eq!((median(&earlier), mad(&earlier)), (100_000.0, 0.0));

    let mut amounts = earlier.to_vec();
    amounts.push(101_000.0);
    let (snapshots, latest) = level_series(&amounts);
    let insights = patterns(snapshots, &settings(&latest));
    let ana = find(&insights, "patterns.open_pipeline_total.Ana.anomaly");
    assert_eq!(
        ana.text,
        "Open pipeline total (Ana): USD 101,000 on 2026-10-30 lies above the band of the 8 earlier weekly values, which is the single value USD 100,000 (their median absolute deviation is 0)."
    );
    let Some(Reference::OwnHistory {
        method, low, high, ..
    }) = &ana.reference
    else {
        panic!()
    };
    assert_eq!((*low, *high), (100_000.0, 100_000.0));
    assert!(method.ends_with("; the MAD is 0, so the band is the single value USD 100,000"));

    // Equal to the single value: nothing.
    let mut amounts = earlier.to_vec();
    amounts.push(100_000.0);
    let (snapshots, latest) = level_series(&amounts);
    assert!(patterns(snapshots, &settings(&latest)).is_empty());
}

#[test]
fn too_few_earlier_points_emit_nothing() {
    // Four earlier points against the default minimum of 8: nothing, however large the jump.
    let amounts = [100_000.0, 110_000.0, 90_000.0, 100_000.0, 900_000.0];
    let (snapshots, latest) = level_series(&amounts);
    let insights = patterns(snapshots, &settings(&latest));
    assert!(
        !keys(&insights).iter().any(|k| k.ends_with(".anomaly")),
        "{:?}",
        keys(&insights)
    );

    // With the minimum at 4 the same series is tested: median 100,000, MAD 5,000.
    let mut four = settings(&latest);
    four.anomaly_min_points = 4;
    let (snapshots, _) = level_series(&amounts);
    let insights = patterns(snapshots, &four);
    let ana = find(&insights, "patterns.open_pipeline_total.Ana.anomaly");
    let Some(Reference::OwnHistory {
        n, median: m, high, ..
    }) = ana.reference
    else {
        panic!()
    };
    assert_eq!((n, m), (4, 100_000.0));
    assert!((high - (100_000.0 + 3.0 * 1.4826 * 5_000.0)).abs() < 1e-6);
}

#[test]
fn a_single_snapshot_or_empty_snapshots_emit_nothing() {
    // One snapshot: no earlier points, no previous snapshot.
    let one = vec![snapshot(
        "2026-11-13",
        vec![commit("C1", 1.0, "2026-11-12")],
    )];
    assert!(patterns(one, &settings("2026-11-13")).is_empty());

    // One snapshot without rows.
    let empty = vec![snapshot("2026-11-13", Vec::new())];
    assert!(patterns(empty, &settings("2026-11-13")).is_empty());

    // Twelve snapshots without rows: every series is 0 (or undefined) throughout.
    let empties = weekly("2026-08-21", 12)
        .iter()
        .map(|d| snapshot(d, Vec::new()))
        .collect();
    assert!(patterns(empties, &settings("2026-11-06")).is_empty());
}

/// Three snapshots of Commit deals C1–C3 (all Ana's, closing 2026-12-15, in Q4):
/// - 2026-10-16: C1 50,000, C2 100,000, C3 50,000 = 200,000; all touched (10-15): 3 of 3.
/// - 2026-11-06: 250,000 (C1 100,000, C2 100,000, C3 50,000); window 10-31..11-06: C1 (11-05) and
///   C2 (10-31, the first day of the window) touched, C3 (10-30) not: 2 of 3.
/// - 2026-11-13: 300,000 (C1 150,000); window 11-07..11-13: only C2 (11-10): 1 of 3.
fn commit_series(c3_last_week: &str) -> Vec<Snapshot> {
    vec![
        snapshot(
            "2026-10-16",
            vec![
                commit("C1", 50_000.0, "2026-10-15"),
                commit("C2", 100_000.0, "2026-10-15"),
                commit("C3", 50_000.0, "2026-10-15"),
            ],
        ),
        snapshot(
            "2026-11-06",
            vec![
                commit("C1", 100_000.0, "2026-11-05"),
                commit("C2", 100_000.0, "2026-10-31"),
                commit("C3", 50_000.0, "2026-10-30"),
            ],
        ),
        snapshot(
            "2026-11-13",
            vec![
                commit("C1", 150_000.0, "2026-11-05"),
                commit("C2", 100_000.0, "2026-11-10"),
                commit("C3", 50_000.0, c3_last_week),
            ],
        ),
    ]
}

#[test]
fn commit_total_and_activity_moving_apart() {
    let insights = patterns(commit_series("2026-10-30"), &settings("2026-11-13"));
    assert_eq!(
        keys(&insights),
        [
            "patterns.commit_total.all.vs_commit_deals_with_activity.previous_snapshot",
            "patterns.commit_total.all.vs_commit_deals_with_activity.four_weeks",
            "patterns.commit_total.Ana.vs_commit_deals_with_activity.previous_snapshot",
            "patterns.commit_total.Ana.vs_commit_deals_with_activity.four_weeks",
        ]
    );

    // Week over week: 250,000 → 300,000 is +20.0%; 2 → 1 deals touched is −50.0%.
    let week = &insights[0];
    assert_eq!(
        week.text,
        "Commit total rose 20.0% (USD 250,000 → USD 300,000) from 2026-11-06 to 2026-11-13 while open Commit deals with activity in the last 7 days fell 50.0% (2 → 1)."
    );
    assert_eq!(week.value, Some(0.2));
    assert_eq!(week.unit, Unit::Ratio);
    assert_eq!(
        week.reference,
        Some(Reference::SecondMeasure {
            measure: "commit_deals_with_activity".into(),
            from: 2.0,
            to: 1.0,
            change: Some(-0.5),
        })
    );
    let period = week.period.as_ref().unwrap();
    assert_eq!(
        (period.start, period.end),
        (date("2026-11-06"), date("2026-11-13"))
    );
    // Three rows in each of the four values.
    assert_eq!(week.population.n, 12);
    assert_eq!(week.evidence.len(), 12);
    let activity_row = week
        .evidence
        .iter()
        .find(|e| {
            e.record_id == "C2"
                && e.field.as_deref() == Some("last_activity_date")
                && e.as_of == Some(date("2026-11-13"))
        })
        .unwrap();
    assert_eq!(activity_row.new_value.as_deref(), Some("2026-11-10"));
    assert!(
        week.formula
            .contains("counts deals touched, not activities")
    );

    // Four weeks: 2026-11-13 − 28 days = 2026-10-16: 200,000 → 300,000 (+50.0%), 3 → 1 (−66.7%).
    let month = &insights[1];
    assert_eq!(
        month.text,
        "Commit total rose 50.0% (USD 200,000 → USD 300,000) from 2026-10-16 to 2026-11-13 while open Commit deals with activity in the last 7 days fell 66.7% (3 → 1)."
    );
    assert_eq!(month.value, Some(0.5));

    assert_eq!(
        insights[2].text,
        "Commit total (Ana) rose 20.0% (USD 250,000 → USD 300,000) from 2026-11-06 to 2026-11-13 while open Commit deals with activity in the last 7 days fell 50.0% (2 → 1)."
    );
}

#[test]
fn measures_moving_the_same_way_emit_nothing() {
    // C3 touched on 2026-11-12: 2 → 2 deals touched week over week (no change), 3 → 2 over four
    // weeks while the Commit total rose: the four-week pair still moves apart.
    let insights = patterns(commit_series("2026-11-12"), &settings("2026-11-13"));
    assert_eq!(
        keys(&insights),
        [
            "patterns.commit_total.all.vs_commit_deals_with_activity.four_weeks",
            "patterns.commit_total.Ana.vs_commit_deals_with_activity.four_weeks",
        ]
    );

    // C2 and C3 touched in the last week as well, and C1 too: 2 → 3, rising with the Commit total.
    let mut rising = commit_series("2026-11-12");
    rising[2].opportunities[0].last_activity_date = Some(date("2026-11-12"));
    rising[0].opportunities[2].last_activity_date = Some(date("2026-10-01"));
    // Four weeks: 2 → 3 touched; week: 2 → 3 touched; both rise with the Commit total.
    let insights = patterns(rising, &settings("2026-11-13"));
    assert!(insights.is_empty(), "{:?}", keys(&insights));
}

#[test]
fn other_currencies_are_left_out_with_a_reason() {
    // A EUR Commit deal sits in every snapshot: it is never added to the USD totals, and it counts
    // in the activity measure (a count, not money). It is touched in no window.
    let mut snapshots = commit_series("2026-10-30");
    for s in &mut snapshots {
        s.opportunities
            .push(with(commit("E1", 999_999.0, "2026-01-01"), |o| {
                o.currency = Some("EUR".into())
            }));
    }
    let insights = patterns(snapshots, &settings("2026-11-13"));
    let week = find(
        &insights,
        "patterns.commit_total.all.vs_commit_deals_with_activity.previous_snapshot",
    );
    assert_eq!(
        week.text,
        "Commit total rose 20.0% (USD 250,000 → USD 300,000) from 2026-11-06 to 2026-11-13 while open Commit deals with activity in the last 7 days fell 50.0% (2 → 1)."
    );
    let reason = "amount in EUR, not the reporting currency (currencies are never added)";
    let excluded: Vec<(usize, String)> = week
        .population
        .excluded
        .iter()
        .map(|e| (e.n, e.reason.clone()))
        .collect();
    assert_eq!(
        excluded,
        [
            (1, format!("Commit total on 2026-11-06: {reason}")),
            (1, format!("Commit total on 2026-11-13: {reason}")),
        ]
    );
    // Commit total counts 3 + 3 rows; activity counts 4 + 4 (E1 included).
    assert_eq!(week.population.n, 14);
}

/// Snapshots for pipeline created and closed, and stage conversion (all deals Ana's):
/// - 2026-10-30: D1 100,000 and D2 40,000 open.
/// - 2026-11-06: D1 won (closed 100,000); D2 open; N1 30,000 new, created 11-03 (created 30,000).
/// - 2026-11-13: D2 lost (closed 40,000); N1 open; N2 60,000 created 11-10 (created 60,000);
///   N3 10,000 created 2026-10-01 (in the export, not created); N4 10,000 without created date.
fn flow_series() -> Vec<Snapshot> {
    let won = |o: &mut Opportunity| o.status = DealStatus::Won;
    let lost = |o: &mut Opportunity| o.status = DealStatus::Lost;
    let created = |d: &str| {
        let d = date(d);
        move |o: &mut Opportunity| o.created_date = Some(d)
    };
    vec![
        snapshot(
            "2026-10-30",
            vec![deal("D1", 100_000.0), deal("D2", 40_000.0)],
        ),
        snapshot(
            "2026-11-06",
            vec![
                with(deal("D1", 100_000.0), won),
                deal("D2", 40_000.0),
                with(deal("N1", 30_000.0), created("2026-11-03")),
            ],
        ),
        snapshot(
            "2026-11-13",
            vec![
                with(deal("D1", 100_000.0), won),
                with(deal("D2", 40_000.0), lost),
                with(deal("N1", 30_000.0), created("2026-11-03")),
                with(deal("N2", 60_000.0), created("2026-11-10")),
                with(deal("N3", 10_000.0), created("2026-10-01")),
                with(deal("N4", 10_000.0), |o| o.created_date = None),
            ],
        ),
    ]
}

#[test]
fn created_and_closed_and_pipeline_and_conversion_moving_apart() {
    let insights = patterns(flow_series(), &settings("2026-11-13"));
    // No snapshot lies on or before 2026-10-16, so only the week-over-week comparison.
    assert_eq!(
        keys(&insights),
        [
            "patterns.open_pipeline_total.all.vs_stage_conversion.previous_snapshot",
            "patterns.pipeline_created.all.vs_pipeline_closed.previous_snapshot",
            "patterns.open_pipeline_total.Ana.vs_stage_conversion.previous_snapshot",
            "patterns.pipeline_created.Ana.vs_pipeline_closed.previous_snapshot",
        ]
    );

    // Created 30,000 → 60,000 (+100.0%); closed 100,000 → 40,000 (−60.0%).
    let flows = &insights[1];
    assert_eq!(
        flows.text,
        "Pipeline created since the previous snapshot rose 100.0% (USD 30,000 → USD 60,000) from 2026-11-06 to 2026-11-13 while pipeline closed (won or lost) since the previous snapshot fell 60.0% (USD 100,000 → USD 40,000)."
    );
    let excluded: Vec<(usize, &str)> = flows
        .population
        .excluded
        .iter()
        .map(|e| (e.n, e.reason.as_str()))
        .collect();
    assert_eq!(
        excluded,
        [
            (
                1,
                "Pipeline created since the previous snapshot on 2026-11-13: not in the previous snapshot, and no created date"
            ),
            (
                1,
                "Pipeline created since the previous snapshot on 2026-11-13: not in the previous snapshot, but created on or before its date (added to the export, not created)"
            ),
        ]
    );
    // Created: N1 (11-06), N2 (11-13); closed: D1 (11-06), D2 (11-13).
    assert_eq!(flows.population.n, 4);
    let closed_rows: Vec<(&str, Option<&str>, &str)> = flows
        .evidence
        .iter()
        .filter(|e| e.field.as_deref() == Some("status"))
        .map(|e| {
            (
                e.record_id.as_str(),
                e.new_value.as_deref(),
                &*e.source_file,
            )
        })
        .collect();
    assert_eq!(
        closed_rows,
        [
            ("D1", Some("open"), "pipeline_2026-10-30.csv"),
            ("D1", Some("won"), "pipeline_2026-11-06.csv"),
            ("D2", Some("open"), "pipeline_2026-11-06.csv"),
            ("D2", Some("lost"), "pipeline_2026-11-13.csv"),
        ]
    );

    // Open pipeline 70,000 (D2 + N1) → 110,000 (N1 + N2 + N3 + N4); stage conversion 1 of 2 (D1
    // won of D1, D2) → 0 of 2 (D2 lost, N1 in the same stage).
    assert_eq!(
        insights[0].text,
        "Open pipeline total rose 57.1% (USD 70,000 → USD 110,000) from 2026-11-06 to 2026-11-13 while stage conversion since the previous snapshot fell 100.0% (50.0% → 0.0%)."
    );
    assert_eq!(
        insights[0].reference,
        Some(Reference::SecondMeasure {
            measure: "stage_conversion".into(),
            from: 0.5,
            to: 0.0,
            change: Some(-1.0),
        })
    );
}

#[test]
fn stage_conversion_counts_wins_and_forward_moves() {
    // Stages Qualify (order 1) and Propose (order 2); Mystery has no order.
    let stage = |name: &str, order: Option<u32>| {
        let name = Text::from(name);
        move |o: &mut Opportunity| {
            o.stage = Some(name);
            o.stage_order = order;
        }
    };
    let q = || stage("Qualify", Some(1));
    let p = || stage("Propose", Some(2));
    let still = vec![
        with(deal("A", 1.0), q()),
        with(deal("B", 1.0), q()),
        with(deal("C", 1.0), p()),
        with(deal("D", 1.0), p()),
        with(deal("E", 1.0), q()),
        with(deal("G", 1.0), q()),
    ];
    let dates = weekly("2026-10-16", 4);
    let mut snapshots: Vec<Snapshot> = dates[..3]
        .iter()
        .map(|d| snapshot(d, still.clone()))
        .collect();
    // Latest: A moved forward, B won, C moved back, D unchanged, E left the export, G moved to a
    // stage of unknown order. Counted: A, B, C, D → 2 of 4 = 50%; left out: E and G.
    snapshots.push(snapshot(
        &dates[3],
        vec![
            with(deal("A", 1.0), p()),
            with(with(deal("B", 1.0), q()), |o| o.status = DealStatus::Won),
            with(deal("C", 1.0), q()),
            with(deal("D", 1.0), p()),
            with(deal("G", 1.0), stage("Mystery", None)),
        ],
    ));
    let mut few = settings(&dates[3]);
    few.anomaly_min_points = 2;
    let insights = patterns(snapshots, &few);
    // Earlier conversions: 0 of 6 on 10-23 and 10-30 → median 0, MAD 0.
    let conversion = find(&insights, "patterns.stage_conversion.all.anomaly");
    assert_eq!(conversion.value, Some(0.5));
    assert_eq!(
        conversion.text,
        "Stage conversion since the previous snapshot: 50.0% on 2026-11-06 lies above the band of the 2 earlier weekly values, which is the single value 0.0% (their median absolute deviation is 0)."
    );
    assert_eq!(conversion.population.n, 4);
    let mut excluded: Vec<(usize, &str)> = conversion
        .population
        .excluded
        .iter()
        .map(|e| (e.n, e.reason.as_str()))
        .collect();
    excluded.sort();
    assert_eq!(
        excluded,
        [
            (
                1,
                "open in the previous snapshot and not in this one (its outcome is not in the export)"
            ),
            (1, "stage changed between stages of unknown order"),
        ]
    );
    let mut latest_rows: Vec<(&str, &str, &str)> = conversion
        .evidence
        .iter()
        .filter(|e| e.as_of == Some(date("2026-11-06")))
        .map(|e| {
            (
                e.record_id.as_str(),
                e.field.as_deref().unwrap(),
                e.new_value.as_deref().unwrap(),
            )
        })
        .collect();
    latest_rows.sort();
    assert_eq!(
        latest_rows,
        [
            ("A", "stage", "Propose"),
            ("B", "status", "won"),
            ("C", "stage", "Qualify"),
            ("D", "stage", "Propose"),
        ]
    );
    // The previous rows of the four counted deals too.
    assert_eq!(conversion.evidence.len(), 8);
}

#[test]
fn a_rep_series_starts_with_the_reps_first_deal() {
    // Cy's first deal appears in the latest of ten snapshots: Cy has no earlier points, so no
    // anomaly for Cy (earlier weeks are not read as zeros); the team total moves by 5,000 against a
    // constant history (MAD 0) and is described.
    let dates = weekly("2026-09-04", 10);
    let mut snapshots: Vec<Snapshot> = dates
        .iter()
        .map(|d| snapshot(d, vec![deal("A", 100_000.0)]))
        .collect();
    snapshots[9]
        .opportunities
        .push(with(deal("Z", 5_000.0), |o| o.owner = Some("Cy".into())));
    let insights = patterns(snapshots, &settings(&dates[9]));
    assert_eq!(
        keys(&insights),
        ["patterns.open_pipeline_total.all.anomaly"],
        "{:?}",
        keys(&insights)
    );
}

#[test]
fn rows_in_another_order_give_the_same_insights() {
    // Each export lists the rows in another order: the lookup of each row in the previous snapshot
    // cannot follow the row order and goes through the snapshot's index.
    let in_order = patterns(flow_series(), &settings("2026-11-13"));
    let mut shuffled = flow_series();
    shuffled[1].opportunities.reverse();
    shuffled[2].opportunities.rotate_left(2);
    let reordered = patterns(shuffled, &settings("2026-11-13"));
    assert_eq!(keys(&in_order), keys(&reordered));
    for (a, b) in in_order.iter().zip(&reordered) {
        assert_eq!(a.text, b.text);
        assert_eq!(a.value, b.value);
        assert_eq!(a.population.n, b.population.n);
        assert_eq!(a.evidence.len(), b.evidence.len());
    }
}

#[test]
fn closed_deals_count_for_the_owner_in_the_previous_snapshot() {
    // D2 moves from Ana to Ben in the week it is lost: its 40,000 count as closed for Ana (the
    // owner of the open deal), and Ben's series has a single point, so nothing is said about Ben.
    let mut snapshots = flow_series();
    snapshots[2].opportunities[1].owner = Some("Ben".into());
    let insights = patterns(snapshots, &settings("2026-11-13"));
    assert!(
        !keys(&insights).iter().any(|k| k.contains(".Ben.")),
        "{:?}",
        keys(&insights)
    );
    let ana = find(
        &insights,
        "patterns.pipeline_created.Ana.vs_pipeline_closed.previous_snapshot",
    );
    assert_eq!(
        ana.text,
        "Pipeline created since the previous snapshot (Ana) rose 100.0% (USD 30,000 → USD 60,000) from 2026-11-06 to 2026-11-13 while pipeline closed (won or lost) since the previous snapshot fell 60.0% (USD 100,000 → USD 40,000)."
    );
    let lost_row = ana
        .evidence
        .iter()
        .find(|e| e.record_id == "D2" && e.new_value.as_deref() == Some("lost"))
        .unwrap();
    assert_eq!(&*lost_row.source_file, "pipeline_2026-11-13.csv");
}
