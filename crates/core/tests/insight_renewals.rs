//! Tests of the renewals & expansion watchlist and of its change-point method.
//!
//! - The tabular CUSUM against a published worked example (Montgomery & Runger, *Applied Statistics
//!   and Probability for Engineers*, 3rd ed., Example 16-6, Table 16-8).
//! - The segmentation against a second, brute-force implementation written here (the CUSUM in its
//!   closed form, the maximum over start points of the sums of `z − k`), on a few thousand series.
//! - One change point worked out by hand, a zero-length series, a constant series.
//! - The module on a small hand-built table set (values worked out in the comments), including a
//!   renewal whose account has no usage, and on the real RavenStack tables.

use std::path::Path;

use chrono::{Days, NaiveDate};
use lens_core::import::{ImportOptions, import_file};
use lens_core::insight::changepoint::{
    self, ChangePoint, CusumStep, Direction, Outcome, Parameters,
};
use lens_core::insight::{
    Analysis, AnalyzeError, Dataset, Insight, Module, Reference, Settings, Unit, analyze, lexicon,
};
use lens_core::model::{DealStatus, Opportunity, Snapshot, SourceRef};

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn parameters(threshold_h: f64, drift_k: f64, min_segment: usize) -> Parameters {
    Parameters {
        threshold_h,
        drift_k,
        min_segment,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9 * (1.0 + a.abs().max(b.abs()))
}

// ---------------------------------------------------------------------------------------------
// The change-point method

/// Montgomery & Runger, Example 16-6: concentration readings, target μ₀ = 99, K = 1, H = 10 in the
/// readings' units. With σ = 2 those are k = ½ and h = 5 in units of σ, so each sum here × 2 is the
/// book's. Table 16-8 lists, per observation, s_H(i), n_H, s_L(i), n_L (the upper sum is
/// max(0, x − 100 + s_H(i−1)), the lower max(0, 98 − x + s_L(i−1))); no sum reaches H = 10.
/// The copy read shows n_H = 0 on the last row, where s_H = 1.0 > 0 and the book's own definition
/// gives 1; this test holds the definition.
#[test]
fn tabular_cusum_matches_montgomery_runger_example_16_6() {
    let readings = [
        102.0, 94.8, 98.3, 98.4, 102.0, 98.5, 99.0, 97.7, 100.0, 98.1, 101.3, 98.7, 101.1, 98.4,
        97.0, 96.7, 100.3, 101.4, 97.2, 101.0,
    ];
    // (s_H, n_H, s_L, n_L) from Table 16-8.
    let table: [(f64, usize, f64, usize); 20] = [
        (2.0, 1, 0.0, 0),
        (0.0, 0, 3.2, 1),
        (0.0, 0, 2.9, 2),
        (0.0, 0, 2.5, 3),
        (2.0, 1, 0.0, 0),
        (0.5, 2, 0.0, 0),
        (0.0, 0, 0.0, 0),
        (0.0, 0, 0.3, 1),
        (0.0, 0, 0.0, 0),
        (0.0, 0, 0.0, 0),
        (1.3, 1, 0.0, 0),
        (0.0, 0, 0.0, 0),
        (1.1, 1, 0.0, 0),
        (0.0, 0, 0.0, 0),
        (0.0, 0, 1.0, 1),
        (0.0, 0, 2.3, 2),
        (0.3, 1, 0.0, 0),
        (1.7, 2, 0.0, 0),
        (0.0, 0, 0.8, 1),
        (1.0, 1, 0.0, 0),
    ];
    let steps = changepoint::tabular_cusum(&readings, 99.0, 2.0, 0.5);
    assert_eq!(steps.len(), 20);
    for (i, (step, &(s_h, n_h, s_l, n_l))) in steps.iter().zip(&table).enumerate() {
        assert!(
            (step.upper * 2.0 - s_h).abs() < 1e-9 && (step.lower * 2.0 - s_l).abs() < 1e-9,
            "observation {}: {step:?}",
            i + 1
        );
        assert_eq!(
            (step.upper_run, step.lower_run),
            (n_h, n_l),
            "observation {}",
            i + 1
        );
    }
    assert!(steps.iter().all(|s| s.upper <= 5.0 && s.lower <= 5.0));
}

/// One change worked out by hand, with the defaults h = 5, k = ½, m = 4.
///
/// Values 10 12 11 9 10 12 | 5 6 4 5 6 4: mean 94 ÷ 12 = 7.8333, squared deviations summing to
/// 107.667, so σ = √(107.667 ÷ 11) = √9.7879 = 3.12856. The first level is the median of the first
/// 4 values (9 10 11 12): 10.5. The CUSUM runs from the fifth value (z = (x − 10.5) ÷ σ):
/// - x = 10: z = −0.160; S⁺ = 0; S⁻ = max(0, 0.160 − 0.5) = 0.
/// - x = 12: z = 0.479; S⁺ = max(0, 0.479 − 0.5) = 0; S⁻ = 0.
/// - x = 5 (index 6): z = −1.758; S⁻ = 1.258, its run starts here.
/// - x = 6: z = −1.438; S⁻ = 2.196.
/// - x = 4: z = −2.078; S⁻ = 3.774.
/// - x = 5 (index 9): z = −1.758; S⁻ = 5.032 > 5: the signal, run of 4, so the change is at 9 − 4 + 1 = 6.
///   (S⁻ = (5.5 + 4.5 + 6.5 + 5.5) ÷ σ − 4 × 0.5 = 22 ÷ σ − 2.)
///
/// Six values follow from 6 (≥ 4), so the change is kept; the next segment (6 values) is shorter
/// than 2 × 4 and is not scanned. Mean before 64 ÷ 6 = 10.667, after 30 ÷ 6 = 5: size −5.667,
/// −1.811σ.
#[test]
fn one_change_point_worked_by_hand() {
    let values = [
        10.0, 12.0, 11.0, 9.0, 10.0, 12.0, 5.0, 6.0, 4.0, 5.0, 6.0, 4.0,
    ];
    let Outcome::Tested {
        sigma,
        change_points,
    } = changepoint::detect(&values, &parameters(5.0, 0.5, 4))
    else {
        panic!("not tested")
    };
    assert!(close(
        sigma,
        (107.0 + 2.0 / 3.0_f64).sqrt() / 11.0_f64.sqrt()
    ));
    assert!((sigma - 3.12856).abs() < 1e-5);
    assert_eq!(change_points.len(), 1);
    let change = &change_points[0];
    assert_eq!(
        (change.index, change.signal_index, change.direction),
        (6, 9, Direction::Fall)
    );
    assert_eq!((change.before, change.after), ((0, 6), (6, 12)));
    assert!(close(change.statistic, 22.0 / sigma - 2.0));
    assert!((change.statistic - 5.032).abs() < 1e-3);
    assert!(close(change.mean_before, 64.0 / 6.0));
    assert!(close(change.mean_after, 5.0));
    assert!((change.size() / sigma - (-1.811)).abs() < 1e-3);
    // h decides where the signal comes, not where the change is dated: S⁻ is 5.032 at index 9,
    // then 5.970 and 7.548 at indexes 10 and 11.
    let signal = |h: f64| match changepoint::detect(&values, &parameters(h, 0.5, 4)) {
        Outcome::Tested { change_points, .. } => change_points
            .iter()
            .map(|c| (c.index, c.signal_index))
            .collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(signal(5.03), [(6, 9)]);
    assert_eq!(signal(5.04), [(6, 10)]);
    assert_eq!(signal(7.54), [(6, 11)]);
    assert_eq!(signal(7.55), []);
}

#[test]
fn a_zero_length_series_is_not_tested() {
    assert_eq!(
        changepoint::detect(&[], &parameters(5.0, 0.5, 4)),
        Outcome::TooShort { n: 0, needed: 8 }
    );
    assert_eq!(
        changepoint::tabular_cusum(&[], 0.0, 1.0, 0.5),
        Vec::<CusumStep>::new()
    );
    assert_eq!(changepoint::sample_standard_deviation(&[]), None);
    // Seven values are one short of two segments of 4.
    assert_eq!(
        changepoint::detect(
            &[1.0, 9.0, 1.0, 9.0, 1.0, 9.0, 1.0],
            &parameters(5.0, 0.5, 4)
        ),
        Outcome::TooShort { n: 7, needed: 8 }
    );
}

#[test]
fn a_constant_series_has_no_change_point() {
    assert_eq!(
        changepoint::detect(&[3.0; 20], &parameters(5.0, 0.5, 4)),
        Outcome::Constant { value: 3.0 }
    );
    assert_eq!(
        changepoint::detect(&[0.0; 8], &parameters(0.0, 0.0, 4)),
        Outcome::Constant { value: 0.0 }
    );
}

/// One ticket among 40 empty weeks: σ = √(1/40) = 0.158 (a single 1 among n values has standard
/// deviation 1/√n), so the ticket's z is √40 = 6.32 and S⁺ = 5.82 passes h = 5 by itself. The median
/// of the 4 values from it (1 0 0 0) is 0, the old level: the level did not move by more than kσ, so
/// it is no change point. Two tickets in consecutive weeks (σ = 0.2207, z = 4.53 each, S⁺ = 4.03
/// then 8.06) move the median of the 4 weeks from the first to 0.5 > kσ = 0.11: a rise at 20. The
/// next level, 0.5, is held against the empty weeks from 24 (z = −2.27, S⁻ = 1.77, 3.53, 5.30): a
/// fall at 24, signalled at 26.
#[test]
fn an_isolated_spike_is_no_change_point_and_a_burst_is() {
    let mut spike = vec![0.0; 40];
    spike[20] = 1.0;
    let steps = changepoint::tabular_cusum(&spike[4..], 0.0, (1.0_f64 / 40.0).sqrt(), 0.5);
    assert!((steps[16].upper - (40.0_f64.sqrt() - 0.5)).abs() < 1e-12 && steps[16].upper > 5.0);
    let Outcome::Tested { change_points, .. } =
        changepoint::detect(&spike, &parameters(5.0, 0.5, 4))
    else {
        panic!("not tested")
    };
    assert!(change_points.is_empty(), "{change_points:?}");

    let mut burst = vec![0.0; 40];
    burst[20] = 1.0;
    burst[21] = 1.0;
    let Outcome::Tested { change_points, .. } =
        changepoint::detect(&burst, &parameters(5.0, 0.5, 4))
    else {
        panic!("not tested")
    };
    let found: Vec<(usize, usize, Direction)> = change_points
        .iter()
        .map(|c| (c.index, c.signal_index, c.direction))
        .collect();
    assert_eq!(
        found,
        [(20, 21, Direction::Rise), (24, 26, Direction::Fall)]
    );
    assert!(close(change_points[0].mean_after, 0.5) && close(change_points[1].mean_after, 0.0));
}

/// Several changes: a rise and a fall, each kept, the segments chained.
#[test]
fn two_changes_chain_their_segments() {
    let mut values = vec![2.0, 3.0, 2.0, 3.0, 2.0, 3.0];
    values.extend([12.0, 13.0, 12.0, 13.0, 12.0, 13.0]);
    values.extend([2.0, 3.0, 2.0, 3.0, 2.0, 3.0]);
    let Outcome::Tested { change_points, .. } =
        changepoint::detect(&values, &parameters(5.0, 0.5, 4))
    else {
        panic!("not tested")
    };
    let found: Vec<(usize, Direction)> = change_points
        .iter()
        .map(|c| (c.index, c.direction))
        .collect();
    assert_eq!(found, [(6, Direction::Rise), (12, Direction::Fall)]);
    let segments: Vec<[(usize, usize); 2]> =
        change_points.iter().map(|c| [c.before, c.after]).collect();
    assert_eq!(segments, [[(0, 6), (6, 12)], [(6, 12), (12, 18)]]);
    assert!(close(change_points[0].size(), 10.0) && close(change_points[1].size(), -10.0));
}

/// The segmentation written a second way: each CUSUM from its closed form (the largest sum of
/// `z − k` over the runs ending at the value and starting at or after the last restart, or 0), the
/// run start as the latest start reaching it; the rest of the rules as the module header states them.
/// (change index, signal index, direction) of each change found.
type Found = Vec<(usize, usize, Direction)>;

fn brute_force(values: &[f64], p: &Parameters) -> Option<(f64, Found)> {
    let n = values.len();
    let m = p.min_segment;
    if n < 2 * m {
        return None;
    }
    // Two passes: the mean, then the squared deviations (n − 1 in the denominator).
    let mut total = 0.0;
    for value in values {
        total += value - values[0];
    }
    let centre = values[0] + total / n as f64;
    let mut squares = 0.0;
    for value in values {
        squares += (value - centre) * (value - centre);
    }
    let sigma = (squares / (n - 1) as f64).sqrt();
    if sigma == 0.0 {
        return Some((0.0, Vec::new()));
    }
    // The median of the m values from `start`: sorted, the middle one or the mean of the middle two.
    let median_from = |start: usize| {
        let mut window = values[start..start + m].to_vec();
        window.sort_by(f64::total_cmp);
        if m % 2 == 1 {
            window[m / 2]
        } else {
            (window[m / 2 - 1] + window[m / 2]) / 2.0
        }
    };
    let mut found = Vec::new();
    let mut level = median_from(0);
    let mut restart = m;
    let mut i = m;
    while i < n {
        let z = |t: usize| (values[t] - level) / sigma;
        // Sums over j..=i for j from i down to the restart, keeping the largest (the latest j on ties).
        let (mut upper, mut upper_from, mut lower, mut lower_from) = (0.0, i, 0.0, i);
        let (mut up, mut down) = (0.0, 0.0);
        for j in (restart..=i).rev() {
            up += z(j) - p.drift_k;
            down += -z(j) - p.drift_k;
            if up > 0.0 && up > upper {
                (upper, upper_from) = (up, j);
            }
            if down > 0.0 && down > lower {
                (lower, lower_from) = (down, j);
            }
        }
        let signal = if lower > p.threshold_h && lower > upper {
            Some((lower_from, Direction::Fall))
        } else if upper > p.threshold_h {
            Some((upper_from, Direction::Rise))
        } else if lower > p.threshold_h {
            Some((lower_from, Direction::Fall))
        } else {
            None
        };
        let Some((index, direction)) = signal else {
            i += 1;
            continue;
        };
        if n - index < m {
            break;
        }
        let new_level = median_from(index);
        let moved = if direction == Direction::Rise {
            new_level - level
        } else {
            level - new_level
        };
        if moved > p.drift_k * sigma {
            found.push((index, i, direction));
            level = new_level;
            if n - index < 2 * m {
                break;
            }
            i = index + m;
        } else {
            i += 1;
        }
        restart = i;
    }
    Some((sigma, found))
}

/// A small deterministic generator (xorshift64*), so the series are the same on every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() * n as f64) as usize % n.max(1)
    }
}

#[test]
fn detection_matches_a_brute_force_implementation() {
    let mut random = Random(0x9E37_79B9_7F4A_7C15);
    let mut n_changes = 0;
    for case in 0..3000 {
        let n = random.below(40);
        let mut level = 10.0 * random.next();
        let noise = [0.0, 0.3, 1.0, 3.0][random.below(4)];
        let values: Vec<f64> = (0..n)
            .map(|_| {
                if random.next() < 0.08 {
                    level += 8.0 * (random.next() - 0.5) * (1.0 + noise);
                }
                level + noise * (random.next() - 0.5)
            })
            .collect();
        let p = parameters(
            [0.0, 1.0, 2.5, 4.0, 5.0][random.below(5)],
            [0.0, 0.25, 0.5, 1.0][random.below(4)],
            1 + random.below(6),
        );
        let outcome = changepoint::detect(&values, &p);
        match (brute_force(&values, &p), &outcome) {
            (None, Outcome::TooShort { n: short, needed }) => {
                assert_eq!((*short, *needed), (n, 2 * p.min_segment), "case {case}")
            }
            (Some((0.0, expected)), Outcome::Constant { value }) => {
                assert!(expected.is_empty());
                assert_eq!(*value, values[0], "case {case}");
            }
            (
                Some((sigma, expected)),
                Outcome::Tested {
                    sigma: got_sigma,
                    change_points,
                },
            ) => {
                assert!(close(sigma, *got_sigma), "case {case}");
                let got: Vec<(usize, usize, Direction)> = change_points
                    .iter()
                    .map(|c| (c.index, c.signal_index, c.direction))
                    .collect();
                assert_eq!(got, expected, "case {case}: {values:?} {p:?}");
                check_segments(&values, change_points);
                n_changes += got.len();
            }
            (expected, got) => panic!("case {case}: expected {expected:?}, got {got:?}"),
        }
    }
    // The cases exercise the detection (not only short or quiet series).
    assert!(n_changes > 500, "only {n_changes} change points");
}

/// Segments chain from the start to the end, and each mean is the mean of its values.
fn check_segments(values: &[f64], change_points: &[ChangePoint]) {
    let mut previous_start = 0;
    for (i, change) in change_points.iter().enumerate() {
        assert_eq!(change.before, (previous_start, change.index));
        let after_end = change_points
            .get(i + 1)
            .map_or(values.len(), |next| next.index);
        assert_eq!(change.after, (change.index, after_end));
        let mean = |(a, b): (usize, usize)| values[a..b].iter().sum::<f64>() / (b - a) as f64;
        assert!(close(change.mean_before, mean(change.before)));
        assert!(close(change.mean_after, mean(change.after)));
        previous_start = change.index;
    }
}

// ---------------------------------------------------------------------------------------------
// The module on a small table set

const AS_OF: &str = "2026-11-13";

/// Subscriptions (as of 2026-11-13, window 90 days: 2026-11-13 to 2027-02-11):
/// - S-0 (ended 2025-11-13; 12 seats, MRR 1,200) then S-1 (ends 2026-12-31, in the window,
///   48 days after the as-of date; 10 seats, MRR 1,000, ARR 12,000): MRR change −200, −16.7%.
/// - S-5 (ended 2026-10-01; MRR 500) then S-2 (ends 2027-01-15, in the window; MRR 800, no ARR
///   column value, so ARR 12 × 800 = 9,600): MRR change +300.
/// - S-3 ends 2027-06-01 (after the window), S-4 is open-ended.
/// - S-6 starts 2026-12-01, after the as-of date.
///
/// In the window: S-1 and S-2, ARR 12,000 + 9,600 = 21,600. Left out: 2 ended before the as-of date,
/// 1 after the window, 1 open-ended, 1 not yet started.
const SUBSCRIPTIONS: &str = "\
subscription_id,account_id,start_date,end_date,plan_tier,seats,mrr_amount,arr_amount,is_trial,upgrade_flag,downgrade_flag,churn_flag,billing_frequency,auto_renew_flag
S-0,A-1,2024-11-14,2025-11-13,Pro,12,1200,14400,False,False,False,False,annual,True
S-1,A-1,2025-11-14,2026-12-31,Pro,10,1000,12000,False,False,True,False,annual,True
S-5,A-2,2025-10-02,2026-10-01,Basic,5,500,6000,False,False,False,False,monthly,False
S-2,A-2,2026-01-01,2027-01-15,Basic,8,800,,False,True,False,False,monthly,False
S-3,A-3,2026-06-02,2027-06-01,Basic,3,300,3600,False,False,False,False,annual,True
S-4,A-3,2026-03-01,,Basic,1,100,1200,False,False,False,False,monthly,True
S-6,A-4,2026-12-01,2027-11-30,Pro,4,400,4800,False,False,False,False,annual,True
";

/// With `renewal_series_weeks` = 12, A-1's series has 12 blocks, the first starting 2026-08-22
/// (2026-11-13 − 84 days + 1), block i starting 2026-08-22 + 7i. One usage row per block (through
/// its subscription S-1) carries the values of [`one_change_point_worked_by_hand`], so the change
/// is in block 6, starting 2026-10-03, the signal in block 9 (2026-10-24). Left out: one row before
/// the first block, one after the as-of date. One row names a subscription not in the table.
fn usage_csv() -> String {
    let mut csv = "usage_id,subscription_id,usage_date,feature_name,usage_count\n".to_string();
    let values = [10, 12, 11, 9, 10, 12, 5, 6, 4, 5, 6, 4];
    for (i, value) in values.iter().enumerate() {
        let day = date("2026-08-22") + Days::new(7 * i as u64 + 2);
        csv.push_str(&format!("U-{i},S-1,{day},search,{value}\n"));
    }
    csv.push_str("U-early,S-1,2026-08-01,search,99\n");
    csv.push_str("U-late,S-1,2026-11-20,search,99\n");
    csv.push_str("U-orphan,S-999,2026-10-01,search,7\n");
    csv
}

/// One ticket of A-1 in each of its 12 blocks: a constant series (every block 1).
fn tickets_csv() -> String {
    let mut csv =
        "ticket_id,account_id,submitted_at,closed_at,priority,escalation_flag\n".to_string();
    for i in 0..12 {
        let day = date("2026-08-22") + Days::new(7 * i as u64 + 3);
        csv.push_str(&format!("T-{i},A-1,{day} 09:00:00,,low,False\n"));
    }
    csv
}

const CHURN: &str = "\
churn_event_id,account_id,churn_date,reason_code,refund_amount_usd,is_reactivation
C-1,A-1,2025-06-01,pricing,0,False
C-2,A-1,2026-12-01,budget,0,False
";

const ACCOUNTS: &str = "\
account_id,account_name,industry,owner
A-1,Acme,Retail,Dana
A-2,Globex,Retail,
";

fn table_set() -> Dataset {
    let mut dataset = Dataset::default();
    let as_of = date(AS_OF);
    for (name, text) in [
        ("subscriptions.csv", SUBSCRIPTIONS.to_string()),
        ("usage.csv", usage_csv()),
        ("tickets.csv", tickets_csv()),
        ("churn_events.csv", CHURN.to_string()),
        ("accounts.csv", ACCOUNTS.to_string()),
    ] {
        let report = import_file(name, text.as_bytes(), &ImportOptions::default()).unwrap();
        assert!(report.rejected.is_empty(), "{name}: {:?}", report.rejected);
        dataset.add(report, as_of);
    }
    // D-1 names Acme by account name only (Economic Buyer filled, Champion empty); D-2 is Globex's,
    // by id, from an export without evidence columns.
    let mut acme = Opportunity {
        id: "D-1".into(),
        name: "Acme renewal".into(),
        account_name: Some("Acme".into()),
        status: DealStatus::Open,
        source: SourceRef { line: 2 },
        ..Default::default()
    };
    acme.evidence
        .insert("Economic Buyer", Some("Pat Lee".into()));
    acme.evidence.insert("Champion", None);
    let globex = Opportunity {
        id: "D-2".into(),
        name: "Globex renewal".into(),
        account_id: Some("A-2".into()),
        status: DealStatus::Open,
        source: SourceRef { line: 3 },
        ..Default::default()
    };
    dataset.snapshots.push(Snapshot {
        as_of,
        source_file: "pipeline.csv".into(),
        opportunities: vec![acme, globex],
    });
    dataset
}

fn settings() -> Settings {
    Settings {
        currency: Some("USD".into()),
        renewal_series_weeks: 12,
        ..Settings::new(date(AS_OF))
    }
}

/// The renewals section, after checking every rule on the whole analysis.
fn renewals(dataset: &Dataset, settings: &Settings) -> Vec<Insight> {
    let analysis: Analysis = analyze(dataset, settings).unwrap();
    let broken = lexicon::broken_rules(&analysis);
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    let section = analysis
        .sections
        .iter()
        .find(|s| s.module == Module::Renewals)
        .unwrap();
    assert_eq!(section.title, "Renewals & expansion watchlist");
    assert!(
        section
            .insights
            .iter()
            .all(|i| i.key.starts_with("renewals."))
    );
    section.insights.clone()
}

fn find<'i>(insights: &'i [Insight], key: &str) -> &'i Insight {
    insights.iter().find(|i| i.key == key).unwrap_or_else(|| {
        let keys: Vec<&str> = insights.iter().map(|i| i.key.as_str()).collect();
        panic!("no insight {key} in {keys:?}")
    })
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
fn terms_ending_in_the_window() {
    let insights = renewals(&table_set(), &settings());
    let ending = find(&insights, "renewals.terms_ending.all");
    assert_eq!(ending.value, Some(2.0));
    assert_eq!(
        ending.text,
        "2 subscriptions of 2 accounts end from 2026-11-13 to 2027-02-11 (renewal_window_days = 90); 7 subscription rows read."
    );
    assert_eq!(
        exclusions(ending),
        [
            (
                1,
                "no end date (an open-ended term; no renewal date is derived from the billing frequency)"
            ),
            (1, "starts after the as-of date (not yet in force)"),
            (2, "term ended before the as-of date"),
            (1, "term ends after the window"),
        ]
    );
    let rows: Vec<(&str, u64)> = ending
        .evidence
        .iter()
        .map(|e| (e.record_id.as_str(), e.line))
        .collect();
    assert_eq!(rows, [("S-1", 3), ("S-2", 5)]);
    assert_eq!(
        ending.reference,
        Some(Reference::Setting {
            name: "renewal_window_days".into(),
            value: 90.0
        })
    );

    let arr = find(&insights, "renewals.arr_ending.all");
    assert_eq!(arr.value, Some(21_600.0));
    assert_eq!(
        arr.text,
        "ARR ending from 2026-11-13 to 2027-02-11: USD 21,600 over 2 subscriptions."
    );

    let term = find(&insights, "renewals.term_end.S-1");
    assert_eq!((term.value, &term.unit), (Some(48.0), &Unit::Days));
    assert_eq!(
        term.text,
        "Subscription S-1 of account A-1 (Pro, 10 seats, MRR USD 1,000, ARR USD 12,000, annual billing, auto-renew on, downgrade flag); term 2025-11-14 to 2026-12-31, ending 48 days after the as-of date."
    );
    assert_eq!(find(&insights, "renewals.term_end.S-2").value, Some(63.0));

    // A window of 48 days still holds S-1 (its end is the window's last day); 47 does not.
    let narrow = Settings {
        renewal_window_days: 48,
        ..settings()
    };
    assert_eq!(
        find(
            &renewals(&table_set(), &narrow),
            "renewals.terms_ending.all"
        )
        .value,
        Some(1.0)
    );
    let narrower = Settings {
        renewal_window_days: 47,
        ..settings()
    };
    let insights = renewals(&table_set(), &narrower);
    assert_eq!(
        find(&insights, "renewals.terms_ending.all").value,
        Some(0.0)
    );
    assert_eq!(insights.len(), 1);
}

#[test]
fn contraction_and_expansion_between_consecutive_terms() {
    let insights = renewals(&table_set(), &settings());
    let acme = find(&insights, "renewals.term_history.A-1");
    assert_eq!(acme.value, Some(-200.0));
    assert_eq!(
        acme.text,
        "2 terms starting from 2024-11-14 to 2025-11-14 (oldest first by start date). Seats 12 → 10; MRR USD 1,200 → USD 1,000; ARR USD 14,400 → USD 12,000. Between consecutive terms: seats rose 0, fell 1, stayed the same 0; MRR rose 0, fell 1, stayed the same 0; ARR rose 0, fell 1, stayed the same 0. Latest MRR change: USD 1,200 → USD 1,000, −USD 200 (−16.7%). Upgrade flag on 0 terms, downgrade flag on 1, churn flag on 0."
    );
    assert_eq!(acme.evidence.len(), 2);
    let globex = find(&insights, "renewals.term_history.A-2");
    assert_eq!(globex.value, Some(300.0));
    assert!(
        globex.text.contains("ARR USD 6,000 → USD 9,600"),
        "{}",
        globex.text
    );

    let expansion = find(&insights, "renewals.expansion.all");
    let contraction = find(&insights, "renewals.contraction.all");
    assert_eq!((expansion.value, contraction.value), (Some(1.0), Some(1.0)));
    assert_eq!(
        contraction.text,
        "MRR fell between the last two terms for 1 of 2 accounts compared (in all −USD 200); it rose for 1, fell for 1, stayed the same for 0."
    );
    let rows: Vec<&str> = contraction
        .evidence
        .iter()
        .map(|e| e.record_id.as_str())
        .collect();
    assert_eq!(rows, ["S-0", "S-1"]);

    let churn = find(&insights, "renewals.churn_events.A-1");
    assert_eq!(churn.value, Some(1.0));
    assert_eq!(
        churn.text,
        "1 churn event dated on or before 2026-11-13, latest first: 2025-06-01 (pricing)."
    );
    assert_eq!(exclusions(churn), [(1, "dated after the as-of date")]);
    assert_eq!(
        find(&insights, "renewals.churned_before.all").value,
        Some(1.0)
    );
}

#[test]
fn usage_change_point_in_the_module_matches_the_hand_computation() {
    let insights = renewals(&table_set(), &settings());
    let usage = find(&insights, "renewals.usage_change_points.A-1");
    assert_eq!(usage.value, Some(1.0));
    assert_eq!(
        usage.text,
        "Weekly usage (12 7-day blocks from 2026-08-22 to 2026-11-13, 12 usage rows): 1 change point: from the block starting 2026-10-03, mean 10.7 → 5 per block (−5.7, −1.8σ). σ = 3.129 (h = 5, k = 0.5, minimum segment 4 blocks)."
    );
    assert_eq!(usage.population.n, 12);
    assert_eq!(
        exclusions(usage),
        [
            (1, "dated before the first block of the series"),
            (1, "dated after the as-of date")
        ]
    );

    let change = find(&insights, "renewals.usage_change.A-1.2026-10-03");
    assert_eq!(change.value, Some(5.0));
    match &change.reference {
        Some(Reference::Earlier { as_of, value }) => {
            assert_eq!(*as_of, date("2026-08-22"));
            assert!(close(*value, 64.0 / 6.0));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        change.text,
        "Weekly usage fell from a mean of 10.7 per block (2026-08-22 to 2026-10-02, 6 blocks) to 5 (2026-10-03 to 2026-11-13, 6 blocks): −5.7 per block, −1.8σ. The lower CUSUM passed h = 5 in the block starting 2026-10-24."
    );
    assert_eq!(change.evidence.len(), 12);

    let summary = find(&insights, "renewals.usage_change_points.all");
    assert_eq!(summary.value, Some(1.0));
    assert_eq!(
        summary.text,
        "Of 2 accounts with a term ending in the window, 1 has a weekly usage series tested (h = 5, k = 0.5, minimum segment 4 blocks): 1 show at least one change point (0 rises and 1 falls in all). 1 usage rows belong to no account (their subscription is not in the subscription table)."
    );
    assert_eq!(
        exclusions(summary),
        [(1, "no usage rows in the series span")]
    );
}

#[test]
fn a_renewal_with_no_usage_and_a_constant_ticket_series() {
    let insights = renewals(&table_set(), &settings());
    let globex = find(&insights, "renewals.usage_change_points.A-2");
    assert_eq!(globex.value, None);
    assert_eq!(globex.population.n, 0);
    assert!(globex.evidence.is_empty());
    assert_eq!(
        globex.text,
        "Weekly usage: no usage rows in the series span (12 7-day blocks from 2026-08-22 to 2026-11-13), so there is no series to test."
    );
    assert_eq!(
        find(&insights, "renewals.ticket_change_points.A-2").value,
        None
    );
    assert!(
        !insights
            .iter()
            .any(|i| i.key.starts_with("renewals.usage_change.A-2"))
    );

    let tickets = find(&insights, "renewals.ticket_change_points.A-1");
    assert_eq!(tickets.value, Some(0.0));
    assert_eq!(
        tickets.text,
        "Weekly tickets opened (12 7-day blocks from 2026-08-22 to 2026-11-13, 12 tickets): every block is 1; a constant series has no change point (σ = 0)."
    );
}

#[test]
fn a_zero_length_series_in_the_module() {
    let settings = Settings {
        renewal_series_weeks: 0,
        ..settings()
    };
    let insights = renewals(&table_set(), &settings);
    let usage = find(&insights, "renewals.usage_change_points.A-1");
    assert_eq!(usage.value, None);
    assert!(
        usage
            .text
            .contains("no usage rows in the series span (0 7-day blocks, up to 2026-11-13)"),
        "{}",
        usage.text
    );
    assert_eq!(
        exclusions(usage),
        [
            (13, "dated before the first block of the series"),
            (1, "dated after the as-of date")
        ]
    );
}

#[test]
fn stakeholder_fields_present_or_absent() {
    let insights = renewals(&table_set(), &settings());
    let acme = find(&insights, "renewals.stakeholders.A-1");
    assert_eq!(acme.value, Some(2.0));
    assert_eq!(
        acme.text,
        "Stakeholder fields: account owner filled in the accounts table; Economic Buyer filled on 1 of 1 deal of this account in the snapshot of 2026-11-13; Champion filled on 0 of 1 deal of this account in the snapshot of 2026-11-13."
    );
    let globex = find(&insights, "renewals.stakeholders.A-2");
    assert_eq!(globex.value, Some(0.0));
    assert_eq!(
        globex.text,
        "Stakeholder fields: account owner empty in the accounts table; Economic Buyer not read (the export of its deals has no such column); Champion not read (the export of its deals has no such column)."
    );
    let buyer = find(&insights, "renewals.stakeholder_economic_buyer.all");
    assert_eq!((buyer.value, buyer.population.n), (Some(1.0), 1));
    assert_eq!(
        exclusions(buyer),
        [(1, "the export of its deals has no such column")]
    );
    let owner = find(&insights, "renewals.stakeholder_account_owner.all");
    assert_eq!((owner.value, owner.population.n), (Some(1.0), 2));
}

#[test]
fn no_subscription_table() {
    let mut dataset = table_set();
    dataset.subscriptions.clear();
    let insights = renewals(&dataset, &settings());
    assert_eq!(insights.len(), 1);
    assert_eq!(
        insights[0].text,
        "No subscription rows were imported, so no term end is listed."
    );
    assert_eq!(insights[0].value, Some(0.0));
}

#[test]
fn settings_out_of_range_are_errors_and_old_settings_read_defaults() {
    let dataset = table_set();
    for settings in [
        Settings {
            change_point_min_weeks: 0,
            ..settings()
        },
        Settings {
            change_point_h: f64::NAN,
            ..settings()
        },
        Settings {
            change_point_k: -1.0,
            ..settings()
        },
        Settings {
            renewal_window_days: -1,
            ..settings()
        },
    ] {
        assert!(matches!(
            analyze(&dataset, &settings),
            Err(AnalyzeError::Setting { .. })
        ));
    }
    // Settings saved before these fields existed read their defaults.
    let mut json = serde_json::to_value(Settings::new(date(AS_OF))).unwrap();
    let object = json.as_object_mut().unwrap();
    for name in [
        "renewal_window_days",
        "renewal_series_weeks",
        "change_point_h",
        "change_point_k",
        "change_point_min_weeks",
    ] {
        assert!(object.remove(name).is_some(), "{name}");
    }
    let read: Settings = serde_json::from_value(json).unwrap();
    assert_eq!(read, Settings::new(date(AS_OF)));
    assert_eq!(
        (
            read.renewal_window_days,
            read.renewal_series_weeks,
            read.change_point_h,
            read.change_point_k,
            read.change_point_min_weeks
        ),
        (90, 52, 5.0, 0.5, 4)
    );
}

// ---------------------------------------------------------------------------------------------
// RavenStack (real tables: 500 accounts, 5,000 subscriptions, 25,000 usage rows, 2,000 tickets,
// 600 churn events; ../shared/data/ravenstack-saas-subscriptions, SOURCE.md there)

fn ravenstack() -> Dataset {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/ravenstack-saas-subscriptions");
    let as_of = date("2024-10-01");
    let mut dataset = Dataset::default();
    for file in [
        "ravenstack_accounts.csv",
        "ravenstack_subscriptions.csv",
        "ravenstack_feature_usage.csv",
        "ravenstack_support_tickets.csv",
        "ravenstack_churn_events.csv",
    ] {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let report = import_file(file, &bytes, &ImportOptions::default()).unwrap();
        dataset.add(report, as_of);
    }
    // The data set has no opportunity list; the analysis needs a snapshot to run, so an empty one.
    dataset.snapshots.push(Snapshot {
        as_of,
        source_file: "no-opportunities.csv".into(),
        opportunities: Vec::new(),
    });
    dataset
}

#[test]
fn ravenstack_watchlist() {
    let dataset = ravenstack();
    let settings = Settings {
        currency: Some("USD".into()),
        ..Settings::new(date("2024-10-01"))
    };
    let insights = renewals(&dataset, &settings);
    let count_of = |measure: &str| {
        insights
            .iter()
            .filter(|i| i.measure == measure && !i.key.ends_with(".all"))
            .count()
    };

    // The window is 2024-10-01 to 2024-12-30; 2,055 subscriptions start after 2024-10-01 (the
    // tables run to 2024-12-31) and 2,666 of the others are open-ended.
    let ending = find(&insights, "renewals.terms_ending.all");
    assert_eq!(ending.value, Some(RAVEN_IN_WINDOW as f64));
    assert_eq!(exclusions(ending), RAVEN_EXCLUDED);
    assert_eq!(count_of("term_end"), RAVEN_IN_WINDOW);
    assert_eq!(count_of("term_history"), RAVEN_ACCOUNTS);
    assert_eq!(
        find(&insights, "renewals.arr_ending.all").value,
        Some(RAVEN_ARR)
    );

    let usage = find(&insights, "renewals.usage_change_points.all");
    assert_eq!(
        (usage.value, usage.population.n),
        (Some(RAVEN_USAGE_WITH_CHANGE as f64), RAVEN_USAGE_TESTED)
    );
    let tickets = find(&insights, "renewals.ticket_change_points.all");
    assert_eq!(
        (tickets.value, tickets.population.n),
        (Some(RAVEN_TICKETS_WITH_CHANGE as f64), RAVEN_TICKETS_TESTED)
    );
    assert_eq!(count_of("usage_change"), RAVEN_USAGE_CHANGES);
    assert_eq!(count_of("ticket_change"), RAVEN_TICKET_CHANGES);
    assert!(
        usage.text.contains("(56 rises and 33 falls in all)"),
        "{}",
        usage.text
    );
    assert!(
        tickets.text.contains("(12 rises and 11 falls in all)"),
        "{}",
        tickets.text
    );
    assert_eq!(
        exclusions(usage),
        [
            (3, "no usage rows in the series span"),
            (7, "series shorter than two minimum segments")
        ]
    );
    // RavenStack's accounts file has no owner column, and there is no opportunity list.
    let owner = find(&insights, "renewals.stakeholder_account_owner.all");
    assert_eq!(
        exclusions(owner),
        [(
            99,
            "no row of its accounts file has an owner, read as a file without the column"
        )]
    );
    let buyer = find(&insights, "renewals.stakeholder_economic_buyer.all");
    assert_eq!(
        exclusions(buyer),
        [(99, "no deal of the account in the current snapshot")]
    );
    assert_eq!(
        (
            find(&insights, "renewals.expansion.all").value,
            find(&insights, "renewals.contraction.all").value,
            find(&insights, "renewals.churned_before.all").value
        ),
        (
            Some(RAVEN_EXPANSION as f64),
            Some(RAVEN_CONTRACTION as f64),
            Some(RAVEN_CHURNED as f64)
        )
    );
}

// Worked out from the CSV files by a separate script (Python, csv module) that applies the
// definitions of the module header and the change-point rules of `changepoint` on its own.
const RAVEN_IN_WINDOW: usize = 116;
const RAVEN_ACCOUNTS: usize = 99;
const RAVEN_ARR: f64 = 3_723_288.0;
const RAVEN_EXCLUDED: [(usize, &str); 4] = [
    (
        2666,
        "no end date (an open-ended term; no renewal date is derived from the billing frequency)",
    ),
    (2055, "starts after the as-of date (not yet in force)"),
    (162, "term ended before the as-of date"),
    (1, "term ends after the window"),
];
const RAVEN_USAGE_TESTED: usize = 89;
const RAVEN_USAGE_WITH_CHANGE: usize = 54;
const RAVEN_USAGE_CHANGES: usize = 89;
const RAVEN_TICKETS_TESTED: usize = 64;
const RAVEN_TICKETS_WITH_CHANGE: usize = 12;
const RAVEN_TICKET_CHANGES: usize = 23;
const RAVEN_EXPANSION: usize = 40;
const RAVEN_CONTRACTION: usize = 42;
const RAVEN_CHURNED: usize = 58;
