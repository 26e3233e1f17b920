//! Module 10, the GTM program scorecard and the experiment readouts (PRODUCT.md, seed document
//! 004 "90-day GTM execution pack"): five program metrics, each against the baseline and target
//! the user entered, as of the as-of date and week by week; and, per experiment, each treatment
//! arm against the control arm with intervals and the team's own pre-registered conditions,
//! stated as holding, not holding or not evaluable. Nothing here says what to do with an
//! experiment: the conditions are the team's, the reading of them is the team's.
//!
//! Input: the program milestones table (one row per account and program: eligible date, pilot
//! start and end, security review start and end, contract, activation and churn dates) and the
//! experiment assignments table (account → experiment, arm, assigned on). A date after the as-of
//! date counts as not reached yet. Rows are grouped by their `program` column (rows without one form
//! a group of their own; a later row of the same account and program replaces an earlier one);
//! every metric, weekly series and experiment is per program.
//!
//! **Metrics** (numerator ÷ denominator; the *cohort date* places a row in a week):
//! - **Pilot start rate** = accounts with a pilot start on or before the as-of date ÷ accounts
//!   eligible on or before it. Cohort date: the eligible date. Accounts eligible recently have had
//!   less time to start a pilot; the weekly series shows each eligibility week on its own. Rows
//!   without an eligible date are left out.
//! - **Pilot → production conversion** = ended pilots with a contract date on or before the as-of
//!   date ÷ pilots that ended (start and end on or before the as-of date). The contract is the
//!   production decision; activation comes after it. Cohort date: the pilot end. Pilots still
//!   running are left out and counted as such.
//! - **Time to activation** = activation date − contract date in days, over accounts with both on
//!   or before the as-of date; the value is the mean (the median is given beside it). Cohort date:
//!   the activation date.
//! - **Security review cycle time** = review end − review start in days, over reviews ended on or
//!   before the as-of date; the mean (median beside it). Cohort date: the review end.
//! - **90-day logo churn** = accounts with a churn date within 90 days after activation ÷ accounts
//!   activated at least 90 days before the as-of date (so each counted account's 90-day window
//!   is complete). Cohort date: the activation date; accounts activated less than 90 days before
//!   the as-of date are left out.
//!
//! **Weeks**: week *k* ends *7k* days before the as-of date (week 0 ends on it) and spans the 7 days
//! up to its end. A weekly value counts the rows whose cohort date falls in that week, read as of
//! the as-of date; weeks without such a row are not listed. The headline value counts every row.
//!
//! **Baseline and target**: [`Settings::program_targets`] entries for the metric (an entry naming
//! the program before one naming none). The headline and each week carry them as their reference,
//! and their texts state how far the value lies from each, in percentage points (rates) or days
//! (durations); without an entry the value stands alone.
//!
//! **Experiments**: an experiment's control arm is the arm whose name equals
//! [`Settings::control_arm`] (default `control`), compared without regard to case or surrounding
//! spaces; every other arm is a treatment arm. Arm members are the accounts assigned on or before
//! the as-of date (or without an assignment date); an account assigned to more than one arm of the
//! same experiment is left out of both. Each arm's value is the metric above over its accounts that
//! have a row in the program. Per metric:
//! - rates: relative lift = p_t ÷ p_c − 1 with the Katz log interval for the ratio (minus 1), and
//!   the difference p_t − p_c with Newcombe's hybrid score interval (method 10, from Wilson
//!   intervals);
//! - durations: relative lift = mean_t ÷ mean_c − 1 with Fieller's interval for the ratio of the
//!   means (minus 1), and the difference of means with Welch's t interval;
//!
//!   all at [`Settings::experiment_confidence`] (methods in [`super::stats`]).
//!   Each of [`Settings::experiment_conditions`] that applies to the experiment is reported per
//!   treatment arm as holding, not holding, or not evaluable (with the reason), with the numbers.
//!
//! Evidence: the milestones rows counted (the field that dates the outcome, or the cohort date),
//! and for experiments the assignment rows too.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};

use super::context::{Context, Tally, field_name};
use super::render::{count, number, percent, signed_percent};
use super::stats::{
    Interval, fieller_ratio_interval, katz_ratio_interval, mean, median,
    newcombe_difference_interval, welch_interval,
};
use super::{
    AnalyzeError, ConditionStatus, EvidenceRef, FileRows, Insight, Module, Period, Population,
    Reference, Settings, Subject, SubjectKind, Unit,
};
use crate::model::{ExperimentAssignment, ProgramMilestones, Text};

/// The five metrics of the program scorecard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgramMetric {
    PilotStartRate,
    PilotToProduction,
    TimeToActivation,
    SecurityReviewCycleTime,
    #[serde(rename = "logo_churn_90_days")]
    LogoChurn90Days,
}

impl ProgramMetric {
    pub const ALL: [ProgramMetric; 5] = [
        ProgramMetric::PilotStartRate,
        ProgramMetric::PilotToProduction,
        ProgramMetric::TimeToActivation,
        ProgramMetric::SecurityReviewCycleTime,
        ProgramMetric::LogoChurn90Days,
    ];

    /// The machine key, as in settings and insight keys.
    pub fn key(self) -> &'static str {
        match self {
            ProgramMetric::PilotStartRate => "pilot_start_rate",
            ProgramMetric::PilotToProduction => "pilot_to_production",
            ProgramMetric::TimeToActivation => "time_to_activation",
            ProgramMetric::SecurityReviewCycleTime => "security_review_cycle_time",
            ProgramMetric::LogoChurn90Days => "logo_churn_90_days",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ProgramMetric::PilotStartRate => "Pilot start rate",
            ProgramMetric::PilotToProduction => "Pilot → production conversion",
            ProgramMetric::TimeToActivation => "Time to activation",
            ProgramMetric::SecurityReviewCycleTime => "Security review cycle time",
            ProgramMetric::LogoChurn90Days => "90-day logo churn",
        }
    }

    /// A rate (a share of accounts) rather than a duration in days.
    pub fn is_rate(self) -> bool {
        !matches!(
            self,
            ProgramMetric::TimeToActivation | ProgramMetric::SecurityReviewCycleTime
        )
    }

    fn unit(self) -> Unit {
        if self.is_rate() {
            Unit::Ratio
        } else {
            Unit::Days
        }
    }

    /// The rows counted, in words.
    fn population_words(self) -> &'static str {
        match self {
            ProgramMetric::PilotStartRate => "accounts eligible on or before the as-of date",
            ProgramMetric::PilotToProduction => {
                "pilots that started and ended on or before the as-of date"
            }
            ProgramMetric::TimeToActivation => {
                "accounts with a contract date and an activation date on or before the as-of date"
            }
            ProgramMetric::SecurityReviewCycleTime => {
                "security reviews that started and ended on or before the as-of date"
            }
            ProgramMetric::LogoChurn90Days => {
                "accounts activated at least 90 days before the as-of date"
            }
        }
    }

    fn cohort_words(self) -> &'static str {
        match self {
            ProgramMetric::PilotStartRate => "eligible",
            ProgramMetric::PilotToProduction => "pilot ended",
            ProgramMetric::TimeToActivation => "activated",
            ProgramMetric::SecurityReviewCycleTime => "review ended",
            ProgramMetric::LogoChurn90Days => "activated",
        }
    }

    fn formula(self) -> &'static str {
        match self {
            ProgramMetric::PilotStartRate => {
                "accounts with a pilot start on or before the as-of date ÷ accounts eligible on or before it"
            }
            ProgramMetric::PilotToProduction => {
                "ended pilots with a contract date on or before the as-of date ÷ pilots that started and ended on or before it"
            }
            ProgramMetric::TimeToActivation => {
                "mean of (activation date − contract date) in days over accounts with both on or before the as-of date"
            }
            ProgramMetric::SecurityReviewCycleTime => {
                "mean of (review end − review start) in days over reviews ended on or before the as-of date"
            }
            ProgramMetric::LogoChurn90Days => {
                "accounts with a churn date within 90 days after activation ÷ accounts activated at least 90 days before the as-of date"
            }
        }
    }

    /// "12 of 40 eligible accounts started a pilot".
    fn hits_words(self, hits: usize, n: usize) -> String {
        match self {
            ProgramMetric::PilotStartRate => format!(
                "{hits} of {} started a pilot",
                count(n, "eligible account", "eligible accounts")
            ),
            ProgramMetric::PilotToProduction => format!(
                "{hits} of {} were followed by a contract",
                count(n, "ended pilot", "ended pilots")
            ),
            ProgramMetric::LogoChurn90Days => format!(
                "{hits} of {} churned within 90 days",
                count(n, "activated account", "activated accounts")
            ),
            ProgramMetric::TimeToActivation | ProgramMetric::SecurityReviewCycleTime => {
                format!("{hits} of {n}")
            }
        }
    }

    fn duration_words(self) -> (&'static str, &'static str) {
        match self {
            ProgramMetric::TimeToActivation => ("activation", "activations"),
            _ => ("review", "reviews"),
        }
    }
}

/// A program's baseline and target for one metric, as the user entered them (from the program's
/// plan, e.g. pilot start rate 0.19 → 0.30, time to activation 14 → 8 days).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgramTarget {
    /// The program it applies to (the `program` column); unset: every program.
    #[serde(default)]
    pub program: Option<String>,
    pub metric: ProgramMetric,
    /// Rates as shares 0–1, durations in days.
    pub baseline: f64,
    pub target: f64,
}

/// One pre-registered experiment condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentCondition {
    /// The experiment it applies to; unset: every experiment.
    #[serde(default)]
    pub experiment: Option<String>,
    /// The metric the condition reads.
    pub metric: ProgramMetric,
    #[serde(flatten)]
    pub test: ConditionTest,
}

/// What a condition checks, on one treatment arm against the control arm. Rates and their
/// differences are shares (0.05 = 5 points), durations days; relative lifts are shares
/// (0.15 = +15%).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConditionTest {
    /// Relative lift (treatment ÷ control − 1) at or above `value`.
    RelativeLiftAtLeast { value: f64 },
    /// Relative lift at or below `value` (a duration expected to fall: −0.15).
    RelativeLiftAtMost { value: f64 },
    /// At least `n` accounts counted in each arm.
    SampleAtLeastPerArm { n: usize },
    /// The interval of treatment − control lies above `value` (its lower bound is greater).
    DifferenceLowerBoundAbove { value: f64 },
    /// The interval of treatment − control lies below `value` (its upper bound is smaller).
    DifferenceUpperBoundBelow { value: f64 },
    /// The lower bound of the relative lift's interval is greater than `value` (rates only).
    RelativeLiftLowerBoundAbove { value: f64 },
    /// The upper bound of the relative lift's interval is smaller than `value` (rates only).
    RelativeLiftUpperBoundBelow { value: f64 },
}

/// The settings this module reads, checked before any analysis.
pub(super) fn check_settings(settings: &Settings) -> Result<(), AnalyzeError> {
    let level = settings.experiment_confidence;
    if !(level > 0.0 && level < 1.0) {
        return Err(AnalyzeError::Setting {
            name: "experiment_confidence".into(),
            detail: format!("{level} is not a confidence level (between 0 and 1)"),
        });
    }
    for (i, target) in settings.program_targets.iter().enumerate() {
        if !(target.baseline.is_finite() && target.target.is_finite()) {
            return Err(AnalyzeError::Setting {
                name: format!("program_targets[{i}]"),
                detail: "baseline and target are numbers".into(),
            });
        }
    }
    for (i, condition) in settings.experiment_conditions.iter().enumerate() {
        let value = condition_threshold(&condition.test);
        if !value.is_finite() {
            return Err(AnalyzeError::Setting {
                name: format!("experiment_conditions[{i}]"),
                detail: format!("{value} is not a number"),
            });
        }
    }
    Ok(())
}

/// One row of the program milestones table, with the file it came from.
#[derive(Debug, Clone, Copy)]
pub(super) struct MilestoneRow<'a> {
    pub row: &'a ProgramMilestones,
    pub source_file: &'a Arc<str>,
}

impl MilestoneRow<'_> {
    /// The row as evidence, naming one of its date fields.
    pub(super) fn evidence(&self, field: &str, value: Option<NaiveDate>) -> EvidenceRef {
        EvidenceRef {
            record_id: Text::from(&self.row.account_id),
            field: Some(field_name(field)),
            old_value: None,
            new_value: value.map(|date| date.to_string()).map(Text::from),
            at: None,
            as_of: None,
            source_file: Arc::clone(self.source_file),
            line: self.row.source.line,
        }
    }

    pub(super) fn account_label(&self) -> String {
        match &self.row.account_name {
            Some(name) => format!("{name} ({})", self.row.account_id),
            None => self.row.account_id.clone(),
        }
    }
}

/// The milestones rows of one program.
pub(super) struct ProgramRows<'a> {
    /// The `program` column, or `None` for rows without one.
    pub name: Option<&'a str>,
    pub rows: Vec<MilestoneRow<'a>>,
}

impl ProgramRows<'_> {
    /// Machine key for insight keys and subjects.
    pub(super) fn key(&self) -> &str {
        self.name.unwrap_or("(no program)")
    }

    pub(super) fn label(&self) -> String {
        match self.name {
            Some(name) => format!("Program {name}"),
            None => "Milestones rows without a program name".to_string(),
        }
    }

    pub(super) fn subject(&self) -> Subject {
        Subject {
            kind: SubjectKind::Program,
            id: self.key().to_string(),
            label: self.label(),
        }
    }
}

/// The milestones rows grouped by program, in program-name order (rows without one last). A
/// later row for the same account and program (a file imported again, or a newer export) replaces
/// an earlier one, as a later snapshot file replaces a row of the same date.
pub(super) fn programs<'a>(context: &Context<'a>) -> Vec<ProgramRows<'a>> {
    type Rows<'a> = (Vec<MilestoneRow<'a>>, HashMap<&'a str, usize>);
    let mut by_name: BTreeMap<(bool, &'a str), Rows<'a>> = BTreeMap::new();
    for (source_file, row) in FileRows::iter_all(&context.dataset().milestones) {
        let name = row
            .program
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        let (rows, positions) = by_name
            .entry((name.is_none(), name.unwrap_or_default()))
            .or_default();
        let row = MilestoneRow { row, source_file };
        match positions.get(row.row.account_id.trim()) {
            Some(&position) => rows[position] = row,
            None => {
                positions.insert(row.row.account_id.trim(), rows.len());
                rows.push(row);
            }
        }
    }
    by_name
        .into_iter()
        .map(|((unnamed, name), (rows, _))| ProgramRows {
            name: (!unnamed).then_some(name),
            rows,
        })
        .collect()
}

/// How one milestones row enters one metric as of a date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Entry {
    /// Not part of the metric's population (no pilot, for the conversion).
    Outside,
    /// Left out, for the reason given.
    Excluded(&'static str),
    /// Counted in a rate: the cohort date, whether the outcome happened, and the date field that
    /// evidences the row (the outcome's when it happened, else the cohort date's).
    Rate {
        cohort: NaiveDate,
        hit: bool,
        field: &'static str,
        date: NaiveDate,
    },
    /// Counted in a duration: the cohort date (the end), the days, and the end's field.
    Duration {
        cohort: NaiveDate,
        days: f64,
        field: &'static str,
        date: NaiveDate,
    },
}

/// How `row` enters `metric` as of `as_of` (the definitions of the module header).
pub(super) fn classify(metric: ProgramMetric, row: &ProgramMilestones, as_of: NaiveDate) -> Entry {
    let seen = |date: Option<NaiveDate>| date.filter(|d| *d <= as_of);
    match metric {
        ProgramMetric::PilotStartRate => match (row.eligible_date, seen(row.eligible_date)) {
            (None, _) => Entry::Excluded("no eligible date"),
            (Some(_), None) => Entry::Outside,
            (Some(_), Some(eligible)) => match seen(row.pilot_start) {
                Some(start) => Entry::Rate {
                    cohort: eligible,
                    hit: true,
                    field: "pilot_start",
                    date: start,
                },
                None => Entry::Rate {
                    cohort: eligible,
                    hit: false,
                    field: "eligible_date",
                    date: eligible,
                },
            },
        },
        ProgramMetric::PilotToProduction => {
            let contract = seen(row.contract_date);
            match (seen(row.pilot_start), seen(row.pilot_end)) {
                (None, None) if contract.is_some() => {
                    Entry::Excluded("contract date without pilot dates")
                }
                (None, None) => Entry::Outside,
                (Some(_), None) => Entry::Excluded(
                    "pilot still running (no pilot end on or before the as-of date)",
                ),
                (None, Some(_)) => Entry::Excluded("pilot end date without a pilot start date"),
                (Some(start), Some(end)) if end < start => {
                    Entry::Excluded("pilot end date before the pilot start date")
                }
                (Some(_), Some(end)) => match contract {
                    Some(contract) => Entry::Rate {
                        cohort: end,
                        hit: true,
                        field: "contract_date",
                        date: contract,
                    },
                    None => Entry::Rate {
                        cohort: end,
                        hit: false,
                        field: "pilot_end",
                        date: end,
                    },
                },
            }
        }
        ProgramMetric::TimeToActivation => duration(
            seen(row.contract_date),
            seen(row.activation_date),
            "activation_date",
            [
                "contract signed, no activation date on or before the as-of date",
                "activation date without a contract date",
                "activation date before the contract date",
            ],
        ),
        ProgramMetric::SecurityReviewCycleTime => duration(
            seen(row.security_review_start),
            seen(row.security_review_end),
            "security_review_end",
            [
                "security review still open on the as-of date",
                "security review end without a start date",
                "security review end before its start",
            ],
        ),
        ProgramMetric::LogoChurn90Days => {
            let Some(activation) = seen(row.activation_date) else {
                return Entry::Outside;
            };
            let window_end = activation + Days::new(90);
            if window_end > as_of {
                return Entry::Excluded(
                    "activated less than 90 days before the as-of date (its 90-day window is not complete)",
                );
            }
            match seen(row.churn_date) {
                Some(churn) if churn < activation => {
                    Entry::Excluded("churn date before the activation date")
                }
                Some(churn) if churn <= window_end => Entry::Rate {
                    cohort: activation,
                    hit: true,
                    field: "churn_date",
                    date: churn,
                },
                _ => Entry::Rate {
                    cohort: activation,
                    hit: false,
                    field: "activation_date",
                    date: activation,
                },
            }
        }
    }
}

/// A duration from `start` to `end`; `reasons` = [start only, end only, end before start].
fn duration(
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    end_field: &'static str,
    reasons: [&'static str; 3],
) -> Entry {
    match (start, end) {
        (None, None) => Entry::Outside,
        (Some(_), None) => Entry::Excluded(reasons[0]),
        (None, Some(_)) => Entry::Excluded(reasons[1]),
        (Some(start), Some(end)) if end < start => Entry::Excluded(reasons[2]),
        (Some(start), Some(end)) => Entry::Duration {
            cohort: end,
            days: (end - start).num_days() as f64,
            field: end_field,
            date: end,
        },
    }
}

/// One metric over a set of rows: the counts or durations, the exclusions, the rows.
#[derive(Debug, Default)]
struct Measured {
    hits: usize,
    days: Vec<f64>,
    tally: Tally,
    evidence: Vec<EvidenceRef>,
}

impl Measured {
    /// Adds a classified row; returns whether it was counted.
    fn add(&mut self, entry: Entry, row: &MilestoneRow) -> bool {
        match entry {
            Entry::Outside => false,
            Entry::Excluded(reason) => {
                self.tally.exclude(reason);
                false
            }
            Entry::Rate {
                hit, field, date, ..
            } => {
                self.tally.count();
                self.hits += usize::from(hit);
                self.evidence.push(row.evidence(field, Some(date)));
                true
            }
            Entry::Duration {
                days, field, date, ..
            } => {
                self.tally.count();
                self.days.push(days);
                self.evidence.push(row.evidence(field, Some(date)));
                true
            }
        }
    }

    fn n(&self) -> usize {
        self.tally.n
    }

    /// The rate or the mean; `None` when nothing was counted.
    fn value(&self, metric: ProgramMetric) -> Option<f64> {
        if metric.is_rate() {
            (self.n() > 0).then(|| self.hits as f64 / self.n() as f64)
        } else {
            mean(&self.days)
        }
    }

    /// "24.3% (45 of 185 eligible accounts started a pilot)" or "mean 11.2 days, median 10 days,
    /// over 40 activations".
    fn words(&self, metric: ProgramMetric) -> String {
        if metric.is_rate() {
            let share = match self.value(metric) {
                Some(value) => percent(value),
                None => "undefined".to_string(),
            };
            return format!("{share} ({})", metric.hits_words(self.hits, self.n()));
        }
        let (singular, plural) = metric.duration_words();
        match (mean(&self.days), median(&self.days)) {
            (Some(mean), Some(median)) => format!(
                "mean {} days, median {} days, over {}",
                number(mean),
                number(median),
                count(self.n(), singular, plural)
            ),
            _ => format!("undefined (no {singular} counted)"),
        }
    }
}

pub(super) fn insights(context: &Context) -> Vec<Insight> {
    let programs = programs(context);
    let assignments = Assignments::new(context);
    let mut out = Vec::new();
    if programs.is_empty() {
        out.push(no_milestones(&assignments));
        return out;
    }
    let several = programs.len() > 1;
    for program in &programs {
        for metric in ProgramMetric::ALL {
            scorecard(context, program, metric, several, &mut out);
        }
        experiments(context, program, &assignments, &mut out);
    }
    unmatched_conditions(context, &assignments, &mut out);
    out
}

fn no_milestones(assignments: &Assignments) -> Insight {
    Insight {
        key: "program.milestones.all".into(),
        module: Module::Program,
        measure: "milestones".into(),
        subject: Subject {
            kind: SubjectKind::Program,
            id: "all".into(),
            label: "GTM programs".into(),
        },
        value: Some(0.0),
        unit: Unit::Count,
        reference: None,
        period: None,
        population: Population {
            description: "rows of the program milestones tables".into(),
            n: 0,
            excluded: Vec::new(),
        },
        formula: "count of program milestones rows".into(),
        text: format!(
            "No program milestones table was imported (account, eligible, pilot, security review, contract, activation and churn dates), so the scorecard and the experiment readouts have nothing to count; {} read.",
            count(
                assignments.rows_read,
                "experiment assignment row was",
                "experiment assignment rows were"
            )
        ),
        evidence: Vec::new(),
    }
}

/// The user's baseline and target for a metric of a program: an entry naming the program first,
/// else one naming none.
fn target_for<'s>(
    settings: &'s Settings,
    program: &ProgramRows,
    metric: ProgramMetric,
) -> Option<&'s ProgramTarget> {
    let matching = |named: bool| {
        settings.program_targets.iter().find(|target| {
            target.metric == metric
                && match (&target.program, named) {
                    (Some(name), true) => Some(name.trim()) == program.name,
                    (None, false) => true,
                    _ => false,
                }
        })
    };
    matching(true).or_else(|| matching(false))
}

/// "lies 5.3 points above the baseline and 5.7 points below the target".
fn target_words(metric: ProgramMetric, value: f64, target: &ProgramTarget) -> String {
    let (baseline_text, target_text) = (
        value_words(metric, target.baseline),
        value_words(metric, target.target),
    );
    format!(
        "Baseline {baseline_text}, target {target_text}: the value lies {} the baseline and {} the target.",
        distance_words(metric, value - target.baseline),
        distance_words(metric, value - target.target)
    )
}

fn value_words(metric: ProgramMetric, value: f64) -> String {
    if metric.is_rate() {
        percent(value)
    } else {
        format!("{} days", number(value))
    }
}

/// "5.3 points above", "2 days below", "at".
fn distance_words(metric: ProgramMetric, difference: f64) -> String {
    let (amount, unit) = if metric.is_rate() {
        (difference * 100.0, "points")
    } else {
        (difference, "days")
    };
    let shown = number(amount.abs());
    if shown == "0" {
        "at".to_string()
    } else if amount > 0.0 {
        format!("{shown} {unit} above")
    } else {
        format!("{shown} {unit} below")
    }
}

fn scorecard(
    context: &Context,
    program: &ProgramRows,
    metric: ProgramMetric,
    several_programs: bool,
    out: &mut Vec<Insight>,
) {
    let as_of = context.as_of;
    let mut all = Measured::default();
    let mut weeks: BTreeMap<i64, Measured> = BTreeMap::new();
    for row in &program.rows {
        let entry = classify(metric, row.row, as_of);
        let cohort = match entry {
            Entry::Rate { cohort, .. } | Entry::Duration { cohort, .. } => cohort,
            Entry::Outside | Entry::Excluded(_) => {
                all.add(entry, row);
                continue;
            }
        };
        all.add(entry, row);
        let weeks_back = (as_of - cohort).num_days() / 7;
        weeks.entry(weeks_back).or_default().add(entry, row);
    }
    let target = target_for(context.settings, program, metric);
    let reference = target.map(|target| Reference::Target {
        baseline: target.baseline,
        target: target.target,
    });
    let value = all.value(metric);
    let first_eligible = program
        .rows
        .iter()
        .filter_map(|row| row.row.eligible_date)
        .filter(|date| *date <= as_of)
        .min();
    let mut text = format!(
        "{}, {}: {} as of {as_of}.",
        metric.label(),
        program.label(),
        all.words(metric)
    );
    match (value, target) {
        (Some(value), Some(target)) => {
            text.push(' ');
            text.push_str(&target_words(metric, value, target));
        }
        (None, Some(target)) => text.push_str(&format!(
            " Baseline {}, target {}; the value is undefined, as no row is counted.",
            value_words(metric, target.baseline),
            value_words(metric, target.target)
        )),
        (_, None) => {}
    }
    let program_key = program.key();
    out.push(Insight {
        key: format!("program.{}.{program_key}", metric.key()),
        module: Module::Program,
        measure: metric.key().to_string(),
        subject: program.subject(),
        value,
        unit: metric.unit(),
        reference: reference.clone(),
        period: first_eligible.map(|start| Period {
            start,
            end: as_of,
            label: format!("{start} to {as_of}"),
        }),
        population: all.tally.population(format!(
            "{} in {} ({} rows of the program milestones table)",
            metric.population_words(),
            program.label(),
            program.rows.len()
        )),
        formula: metric.formula().to_string(),
        text,
        evidence: all.evidence,
    });
    for (weeks_back, week) in weeks.into_iter().rev() {
        let end = as_of - Days::new(7 * weeks_back as u64);
        let start = end - Days::new(6);
        let label = if several_programs {
            format!("{}: week ending {end}", program.label())
        } else {
            format!("Week ending {end}")
        };
        out.push(Insight {
            key: format!("program.{}.{program_key}.week-{end}", metric.key()),
            module: Module::Program,
            measure: metric.key().to_string(),
            subject: Subject {
                kind: SubjectKind::Period,
                id: format!("week-{end}"),
                label,
            },
            value: week.value(metric),
            unit: metric.unit(),
            reference: reference.clone(),
            period: Some(Period {
                start,
                end,
                label: format!("{start} to {end}"),
            }),
            population: week.tally.population(format!(
                "{} in {}, {} from {start} to {end}",
                metric.population_words(),
                program.label(),
                metric.cohort_words()
            )),
            formula: format!(
                "{}, over the rows {} in the week (read as of {as_of})",
                metric.formula(),
                metric.cohort_words()
            ),
            text: week_text(metric, start, end, &week, target),
            evidence: week.evidence,
        });
    }
}

/// One week's sentence: its value, and how far it lies from the baseline and the target when the
/// user entered them.
fn week_text(
    metric: ProgramMetric,
    start: NaiveDate,
    end: NaiveDate,
    week: &Measured,
    target: Option<&ProgramTarget>,
) -> String {
    let mut text = format!(
        "{}, {} {start} to {end}: {}.",
        metric.label(),
        metric.cohort_words(),
        week.words(metric)
    );
    if let (Some(value), Some(target)) = (week.value(metric), target) {
        text.push(' ');
        text.push_str(&target_words(metric, value, target));
    }
    text
}

/// The experiment assignments read as of the as-of date, grouped by experiment and arm.
struct Assignments<'a> {
    rows_read: usize,
    /// Experiment id → its arms and the rows left out.
    experiments: BTreeMap<&'a str, Experiment<'a>>,
}

#[derive(Default)]
struct Experiment<'a> {
    /// Normalised arm name → the arm.
    arms: BTreeMap<String, Arm<'a>>,
    /// Rows left out of every arm, by reason.
    excluded: Vec<(&'static str, usize)>,
}

struct Arm<'a> {
    /// The arm's name as first written.
    name: &'a str,
    members: Vec<Member<'a>>,
}

#[derive(Clone, Copy)]
struct Member<'a> {
    assignment: &'a ExperimentAssignment,
    source_file: &'a Arc<str>,
}

impl Member<'_> {
    fn evidence(&self) -> EvidenceRef {
        EvidenceRef {
            record_id: Text::from(&self.assignment.account_id),
            field: Some("arm".into()),
            old_value: None,
            new_value: Some(Text::from(&self.assignment.arm)),
            at: None,
            as_of: self.assignment.assigned_on,
            source_file: Arc::clone(self.source_file),
            line: self.assignment.source.line,
        }
    }
}

fn arm_key(name: &str) -> String {
    name.trim().to_lowercase()
}

impl<'a> Assignments<'a> {
    fn new(context: &Context<'a>) -> Assignments<'a> {
        let as_of = context.as_of;
        let mut rows_read = 0;
        // Experiment → account → (arm key → first row of that arm).
        type ByAccount<'a> = BTreeMap<&'a str, BTreeMap<String, Member<'a>>>;
        let mut by_experiment: BTreeMap<&'a str, (ByAccount<'a>, usize)> = BTreeMap::new();
        for (source_file, assignment) in FileRows::iter_all(&context.dataset().assignments) {
            rows_read += 1;
            let experiment = assignment.experiment_id.trim();
            let (accounts, after_as_of) = by_experiment.entry(experiment).or_default();
            if assignment.assigned_on.is_some_and(|date| date > as_of) {
                *after_as_of += 1;
                continue;
            }
            accounts
                .entry(assignment.account_id.as_str())
                .or_default()
                .entry(arm_key(&assignment.arm))
                .or_insert(Member {
                    assignment,
                    source_file,
                });
        }
        let experiments = by_experiment
            .into_iter()
            .map(|(id, (accounts, after_as_of))| {
                let mut experiment = Experiment::default();
                let mut in_several_arms = 0;
                for arms in accounts.into_values() {
                    if arms.len() > 1 {
                        in_several_arms += 1;
                        continue;
                    }
                    for (key, member) in arms {
                        experiment
                            .arms
                            .entry(key)
                            .or_insert_with(|| Arm {
                                name: member.assignment.arm.trim(),
                                members: Vec::new(),
                            })
                            .members
                            .push(member);
                    }
                }
                if after_as_of > 0 {
                    experiment
                        .excluded
                        .push(("assigned after the as-of date", after_as_of));
                }
                if in_several_arms > 0 {
                    experiment.excluded.push((
                        "account assigned to more than one arm of this experiment",
                        in_several_arms,
                    ));
                }
                (id, experiment)
            })
            .collect();
        Assignments {
            rows_read,
            experiments,
        }
    }
}

/// One arm measured on one metric.
struct ArmMeasure {
    measured: Measured,
    name: String,
}

fn measure_arm(
    context: &Context,
    arm: &Arm,
    rows_by_account: &HashMap<&str, MilestoneRow>,
    program: &ProgramRows,
    metric: ProgramMetric,
) -> ArmMeasure {
    let mut measured = Measured::default();
    for member in &arm.members {
        match rows_by_account.get(member.assignment.account_id.as_str()) {
            Some(row) => {
                if measured.add(classify(metric, row.row, context.as_of), row) {
                    measured.evidence.push(member.evidence());
                }
            }
            None => measured.tally.exclude(format!(
                "no milestones row in {}",
                program.label().to_lowercase()
            )),
        }
    }
    ArmMeasure {
        measured,
        name: arm.name.to_string(),
    }
}

/// Treatment against control on one metric.
#[derive(Debug, Clone, PartialEq)]
struct Readout {
    treatment_value: Option<f64>,
    control_value: Option<f64>,
    treatment_n: usize,
    control_n: usize,
    lift: Option<f64>,
    lift_interval: Option<Interval>,
    difference: Option<f64>,
    difference_interval: Option<Interval>,
    /// Welch's degrees of freedom of the difference (durations).
    degrees_of_freedom: Option<f64>,
    /// The degrees of freedom of Fieller's interval of the relative lift (durations).
    lift_degrees_of_freedom: Option<f64>,
    /// Why the relative lift, its interval, or the difference's interval is undefined.
    lift_gap: Option<String>,
    lift_interval_gap: Option<String>,
    difference_interval_gap: Option<String>,
}

fn readout(metric: ProgramMetric, treatment: &Measured, control: &Measured, level: f64) -> Readout {
    let treatment_value = treatment.value(metric);
    let control_value = control.value(metric);
    let (treatment_n, control_n) = (treatment.n(), control.n());
    let empty_arm = match (treatment_n, control_n) {
        (0, 0) => Some("neither arm counts an account"),
        (0, _) => Some("the treatment arm counts no account"),
        (_, 0) => Some("the control arm counts no account"),
        _ => None,
    };
    let difference = treatment_value.zip(control_value).map(|(t, c)| t - c);
    let (lift, lift_gap) = match (treatment_value, control_value) {
        (Some(t), Some(c)) if c > 0.0 => (Some(t / c - 1.0), None),
        (Some(_), Some(_)) => (
            None,
            Some("the control arm's value is 0, so the relative lift divides by zero".to_string()),
        ),
        _ => (None, empty_arm.map(str::to_string)),
    };
    if metric.is_rate() {
        let (x_t, n_t, x_c, n_c) = (
            treatment.hits as u64,
            treatment_n as u64,
            control.hits as u64,
            control_n as u64,
        );
        let lift_interval = katz_ratio_interval(x_t, n_t, x_c, n_c, level).map(|ratio| Interval {
            low: ratio.low - 1.0,
            high: ratio.high - 1.0,
        });
        let lift_interval_gap = match (lift_interval, empty_arm) {
            (Some(_), _) => None,
            (None, Some(reason)) => Some(reason.to_string()),
            (None, None) => Some(
                "an arm counts no event, and the Katz log method needs at least one in each"
                    .to_string(),
            ),
        };
        let difference_interval = newcombe_difference_interval(x_t, n_t, x_c, n_c, level);
        Readout {
            treatment_value,
            control_value,
            treatment_n,
            control_n,
            lift,
            lift_interval,
            difference,
            difference_interval,
            degrees_of_freedom: None,
            lift_degrees_of_freedom: None,
            lift_gap,
            lift_interval_gap,
            difference_interval_gap: difference_interval
                .is_none()
                .then(|| empty_arm.unwrap_or("an arm counts no account").to_string()),
        }
    } else {
        let welch = welch_interval(&treatment.days, &control.days, level);
        let difference_interval_gap = match welch {
            Some(_) => None,
            None if empty_arm.is_some() => empty_arm.map(str::to_string),
            None => Some(
                "Welch's interval needs at least 2 values in each arm and some variation"
                    .to_string(),
            ),
        };
        let fieller = fieller_ratio_interval(&treatment.days, &control.days, level);
        let lift_interval_gap = match (fieller, empty_arm, lift_gap.as_ref()) {
            (Some(_), _, _) => None,
            (None, Some(reason), _) => Some(reason.to_string()),
            (None, None, Some(gap)) => Some(gap.clone()),
            (None, None, None) if treatment_n < 2 || control_n < 2 => Some(
                "Fieller's interval needs at least 2 values in each arm and some variation"
                    .to_string(),
            ),
            (None, None, None) => Some(format!(
                "the control arm's mean is within its own {} interval of 0 (or neither arm varies), so Fieller's set of ratios is unbounded",
                level_words(level)
            )),
        };
        Readout {
            treatment_value,
            control_value,
            treatment_n,
            control_n,
            lift,
            lift_interval: fieller.map(|f| Interval {
                low: f.interval.low - 1.0,
                high: f.interval.high - 1.0,
            }),
            difference,
            difference_interval: welch.map(|w| w.interval),
            degrees_of_freedom: welch.map(|w| w.degrees_of_freedom),
            lift_degrees_of_freedom: fieller.map(|f| f.degrees_of_freedom),
            lift_gap,
            lift_interval_gap,
            difference_interval_gap,
        }
    }
}

fn level_words(level: f64) -> String {
    format!("{}%", number(level * 100.0))
}

/// A difference in the metric's unit: "+6.0 points", "−2.5 days".
fn signed_difference(metric: ProgramMetric, value: f64) -> String {
    let (amount, unit) = if metric.is_rate() {
        (value * 100.0, "points")
    } else {
        (value, "days")
    };
    let shown = format!("{:.1}", amount.abs());
    if shown == "0.0" {
        return format!("0 {unit}");
    }
    let sign = if amount < 0.0 { "−" } else { "+" };
    format!("{sign}{shown} {unit}")
}

fn arm_value_words(metric: ProgramMetric, arm: &ArmMeasure) -> String {
    let measured = &arm.measured;
    match (metric.is_rate(), measured.value(metric)) {
        (_, None) => format!("{} undefined (0 counted)", arm.name),
        (true, Some(value)) => format!(
            "{} {} ({} of {})",
            arm.name,
            percent(value),
            measured.hits,
            measured.n()
        ),
        (false, Some(value)) => format!(
            "{} mean {} days (n = {})",
            arm.name,
            number(value),
            measured.n()
        ),
    }
}

fn lift_method(metric: ProgramMetric) -> &'static str {
    if metric.is_rate() {
        "Katz log interval for the ratio of the rates, minus 1: exp(ln ratio ± z·√(1/events in treatment − 1/accounts in treatment + 1/events in control − 1/accounts in control)) − 1"
    } else {
        "Fieller's interval for the ratio of the means, minus 1: the ratios r with (mean in treatment − r × mean in control)² ≤ t² × (variance in treatment ÷ its n + r² × variance in control ÷ its n), t at the Welch–Satterthwaite degrees of freedom of that combination at the estimated ratio"
    }
}

fn difference_method(metric: ProgramMetric) -> &'static str {
    if metric.is_rate() {
        "Newcombe's hybrid score interval (1998, method 10) from the Wilson score interval of each arm"
    } else {
        "Welch's t interval: difference of means ± t(df) × √(variance in treatment ÷ its n + variance in control ÷ its n), with Welch–Satterthwaite degrees of freedom df"
    }
}

fn experiments(
    context: &Context,
    program: &ProgramRows,
    assignments: &Assignments,
    out: &mut Vec<Insight>,
) {
    let rows_by_account: HashMap<&str, MilestoneRow> = program
        .rows
        .iter()
        .map(|row| (row.row.account_id.as_str(), *row))
        .collect();
    let level = context.settings.experiment_confidence;
    let control_key = arm_key(&context.settings.control_arm);
    for (&experiment_id, experiment) in &assignments.experiments {
        let in_program = experiment.arms.values().any(|arm| {
            arm.members
                .iter()
                .any(|m| rows_by_account.contains_key(m.assignment.account_id.as_str()))
        });
        if !in_program {
            continue;
        }
        let Some(control) = experiment.arms.get(&control_key) else {
            out.push(no_control_arm(context, program, experiment_id, experiment));
            continue;
        };
        for (arm_key_text, arm) in &experiment.arms {
            if *arm_key_text == control_key {
                continue;
            }
            let subject = Subject {
                kind: SubjectKind::Experiment,
                id: format!("{experiment_id}.{}", arm.name),
                label: format!("{experiment_id}: {} vs {}", arm.name, control.name),
            };
            let mut readouts: Vec<(ProgramMetric, Readout, Population, Vec<EvidenceRef>)> =
                Vec::new();
            for metric in ProgramMetric::ALL {
                let treatment = measure_arm(context, arm, &rows_by_account, program, metric);
                let control_measure =
                    measure_arm(context, control, &rows_by_account, program, metric);
                let result = readout(
                    metric,
                    &treatment.measured,
                    &control_measure.measured,
                    level,
                );
                let mut population = Population {
                    description: format!(
                        "{} in {}, assigned to arm {} or {} of {experiment_id} on or before the as-of date",
                        metric.population_words(),
                        program.label(),
                        arm.name,
                        control.name
                    ),
                    n: result.treatment_n + result.control_n,
                    excluded: Vec::new(),
                };
                for measure in [&treatment, &control_measure] {
                    population.add_excluded(
                        measure
                            .measured
                            .tally
                            .population("")
                            .excluded
                            .into_iter()
                            .map(|mut e| {
                                e.reason = format!("arm {}: {}", measure.name, e.reason);
                                e
                            }),
                    );
                }
                population.add_excluded(experiment.excluded.iter().map(|(reason, n)| {
                    super::Exclusion {
                        n: *n,
                        reason: (*reason).to_string(),
                    }
                }));
                let text = readout_text(
                    metric,
                    experiment_id,
                    &treatment,
                    &control_measure,
                    &result,
                    level,
                );
                let mut evidence = treatment.measured.evidence;
                evidence.extend(control_measure.measured.evidence);
                out.push(Insight {
                    key: format!(
                        "program.experiment_{}.{}.{experiment_id}.{}",
                        metric.key(),
                        program.key(),
                        arm.name
                    ),
                    module: Module::Program,
                    measure: format!("experiment_{}", metric.key()),
                    subject: subject.clone(),
                    value: result.lift,
                    unit: Unit::Ratio,
                    reference: Some(Reference::Experiment {
                        control_arm: control.name.to_string(),
                        control_value: result.control_value,
                        control_n: result.control_n,
                        treatment_arm: arm.name.to_string(),
                        treatment_value: result.treatment_value,
                        treatment_n: result.treatment_n,
                        level,
                        difference: result.difference,
                        difference_low: result.difference_interval.map(|i| i.low),
                        difference_high: result.difference_interval.map(|i| i.high),
                        difference_method: difference_method(metric).to_string(),
                        relative_lift_low: result.lift_interval.map(|i| i.low),
                        relative_lift_high: result.lift_interval.map(|i| i.high),
                        relative_lift_method: lift_method(metric).to_string(),
                    }),
                    period: None,
                    population: population.clone(),
                    formula: format!(
                        "{} per arm; relative lift = treatment ÷ control − 1; {} interval of the relative lift: {}; interval of treatment − control: {}",
                        if metric.is_rate() { "rate" } else { "mean days" },
                        level_words(level),
                        lift_method(metric),
                        difference_method(metric)
                    ),
                    text,
                    evidence: evidence.clone(),
                });
                readouts.push((metric, result, population, evidence));
            }
            conditions(context, program, experiment_id, &subject, &readouts, out);
        }
    }
}

fn readout_text(
    metric: ProgramMetric,
    experiment_id: &str,
    treatment: &ArmMeasure,
    control: &ArmMeasure,
    result: &Readout,
    level: f64,
) -> String {
    let level_text = level_words(level);
    let mut text = format!(
        "{experiment_id}, {}: {}; {}.",
        metric.label().to_lowercase(),
        arm_value_words(metric, treatment),
        arm_value_words(metric, control)
    );
    match (result.lift, &result.lift_gap) {
        (Some(lift), _) => {
            text.push_str(&format!(" Relative lift {}", signed_percent(lift)));
            match (result.lift_interval, &result.lift_interval_gap) {
                (Some(interval), _) => {
                    let method = match result.lift_degrees_of_freedom {
                        Some(df) => format!("Fieller's method, {} degrees of freedom", number(df)),
                        None => "Katz log method".to_string(),
                    };
                    text.push_str(&format!(
                        " ({level_text} interval {} to {}, {method}).",
                        signed_percent(interval.low),
                        signed_percent(interval.high)
                    ))
                }
                (None, Some(gap)) => text.push_str(&format!(" (no interval: {gap}).")),
                (None, None) => text.push('.'),
            }
        }
        (None, Some(gap)) => text.push_str(&format!(" Relative lift undefined: {gap}.")),
        (None, None) => text.push_str(" Relative lift undefined."),
    }
    match (result.difference, result.difference_interval) {
        (Some(difference), Some(interval)) => {
            let method = match result.degrees_of_freedom {
                Some(df) => format!("Welch's t, {} degrees of freedom", number(df)),
                None => "Newcombe hybrid score".to_string(),
            };
            text.push_str(&format!(
                " Difference {} ({level_text} interval {} to {}, {method}).",
                signed_difference(metric, difference),
                signed_difference(metric, interval.low),
                signed_difference(metric, interval.high)
            ));
        }
        (Some(difference), None) => text.push_str(&format!(
            " Difference {} (no interval: {}).",
            signed_difference(metric, difference),
            result
                .difference_interval_gap
                .as_deref()
                .unwrap_or("undefined")
        )),
        (None, _) => text.push_str(&format!(
            " Difference undefined: {}.",
            result
                .difference_interval_gap
                .as_deref()
                .unwrap_or("an arm counts no account")
        )),
    }
    text
}

fn no_control_arm(
    context: &Context,
    program: &ProgramRows,
    experiment_id: &str,
    experiment: &Experiment,
) -> Insight {
    let arms: Vec<String> = experiment
        .arms
        .values()
        .map(|arm| format!("{} ({})", arm.name, arm.members.len()))
        .collect();
    let evidence: Vec<EvidenceRef> = experiment
        .arms
        .values()
        .flat_map(|arm| arm.members.iter().map(Member::evidence))
        .collect();
    Insight {
        key: format!(
            "program.experiment_control.{}.{experiment_id}",
            program.key()
        ),
        module: Module::Program,
        measure: "experiment_control".into(),
        subject: Subject {
            kind: SubjectKind::Experiment,
            id: experiment_id.to_string(),
            label: experiment_id.to_string(),
        },
        value: None,
        unit: Unit::Ratio,
        reference: None,
        period: None,
        population: Population {
            description: format!(
                "accounts assigned to {experiment_id} on or before the as-of date"
            ),
            n: evidence.len(),
            excluded: Vec::new(),
        },
        formula: "arms whose name equals the control arm setting, without regard to case or surrounding spaces".into(),
        text: format!(
            "{experiment_id} has no arm named \"{}\" (the control arm setting), so no arm is read against a control; its arms: {}.",
            context.settings.control_arm.trim(),
            arms.join(", ")
        ),
        evidence,
    }
}

impl ConditionTest {
    /// The kinds of test, by the key settings files use, with the words the Settings screen shows.
    pub const KINDS: [(&'static str, &'static str); 7] = [
        (
            "relative_lift_at_least",
            "relative lift at least (share: 0.15 = +15%)",
        ),
        (
            "relative_lift_at_most",
            "relative lift at most (share: -0.15 = −15%)",
        ),
        (
            "sample_at_least_per_arm",
            "at least this many accounts in each arm",
        ),
        (
            "difference_lower_bound_above",
            "interval of treatment − control lies above",
        ),
        (
            "difference_upper_bound_below",
            "interval of treatment − control lies below",
        ),
        (
            "relative_lift_lower_bound_above",
            "interval of the relative lift lies above",
        ),
        (
            "relative_lift_upper_bound_below",
            "interval of the relative lift lies below",
        ),
    ];

    /// The key of this test's kind (one of [`ConditionTest::KINDS`]).
    pub fn kind_key(&self) -> &'static str {
        match self {
            ConditionTest::RelativeLiftAtLeast { .. } => "relative_lift_at_least",
            ConditionTest::RelativeLiftAtMost { .. } => "relative_lift_at_most",
            ConditionTest::SampleAtLeastPerArm { .. } => "sample_at_least_per_arm",
            ConditionTest::DifferenceLowerBoundAbove { .. } => "difference_lower_bound_above",
            ConditionTest::DifferenceUpperBoundBelow { .. } => "difference_upper_bound_below",
            ConditionTest::RelativeLiftLowerBoundAbove { .. } => "relative_lift_lower_bound_above",
            ConditionTest::RelativeLiftUpperBoundBelow { .. } => "relative_lift_upper_bound_below",
        }
    }

    /// The number the test compares with (a sample size as a number).
    pub fn threshold(&self) -> f64 {
        condition_threshold(self)
    }

    /// The test of kind `key` with `threshold`; `None` for an unknown kind, or a sample size that
    /// is not a whole number of zero or more.
    pub fn from_kind(key: &str, threshold: f64) -> Option<ConditionTest> {
        let value = threshold;
        Some(match key {
            "relative_lift_at_least" => ConditionTest::RelativeLiftAtLeast { value },
            "relative_lift_at_most" => ConditionTest::RelativeLiftAtMost { value },
            "sample_at_least_per_arm" => {
                if !(threshold >= 0.0 && threshold.fract() == 0.0 && threshold <= 1e12) {
                    return None;
                }
                ConditionTest::SampleAtLeastPerArm {
                    n: threshold as usize,
                }
            }
            "difference_lower_bound_above" => ConditionTest::DifferenceLowerBoundAbove { value },
            "difference_upper_bound_below" => ConditionTest::DifferenceUpperBoundBelow { value },
            "relative_lift_lower_bound_above" => {
                ConditionTest::RelativeLiftLowerBoundAbove { value }
            }
            "relative_lift_upper_bound_below" => {
                ConditionTest::RelativeLiftUpperBoundBelow { value }
            }
            _ => return None,
        })
    }
}

/// The number a condition compares with (a sample size as a number).
fn condition_threshold(test: &ConditionTest) -> f64 {
    match test {
        ConditionTest::RelativeLiftAtLeast { value }
        | ConditionTest::RelativeLiftAtMost { value }
        | ConditionTest::DifferenceLowerBoundAbove { value }
        | ConditionTest::DifferenceUpperBoundBelow { value }
        | ConditionTest::RelativeLiftLowerBoundAbove { value }
        | ConditionTest::RelativeLiftUpperBoundBelow { value } => *value,
        ConditionTest::SampleAtLeastPerArm { n } => *n as f64,
    }
}

/// The condition in words: "pilot start rate: relative lift ≥ +15.0%".
fn condition_words(condition: &ExperimentCondition, level: f64) -> String {
    let metric = condition.metric;
    let level_text = level_words(level);
    let test = match &condition.test {
        ConditionTest::RelativeLiftAtLeast { value } => {
            format!("relative lift ≥ {}", signed_percent(*value))
        }
        ConditionTest::RelativeLiftAtMost { value } => {
            format!("relative lift ≤ {}", signed_percent(*value))
        }
        ConditionTest::SampleAtLeastPerArm { n } => {
            format!("at least {} in each arm", count(*n, "account", "accounts"))
        }
        ConditionTest::DifferenceLowerBoundAbove { value } => format!(
            "lower bound of the {level_text} interval of treatment − control > {}",
            signed_difference(metric, *value)
        ),
        ConditionTest::DifferenceUpperBoundBelow { value } => format!(
            "upper bound of the {level_text} interval of treatment − control < {}",
            signed_difference(metric, *value)
        ),
        ConditionTest::RelativeLiftLowerBoundAbove { value } => format!(
            "lower bound of the {level_text} interval of the relative lift > {}",
            signed_percent(*value)
        ),
        ConditionTest::RelativeLiftUpperBoundBelow { value } => format!(
            "upper bound of the {level_text} interval of the relative lift < {}",
            signed_percent(*value)
        ),
    };
    format!("{}: {test}", metric.label().to_lowercase())
}

/// Whether a condition holds on a readout: the status, the number it read (when defined), that
/// number in words, its unit, and why it cannot be evaluated (when it cannot).
struct Evaluation {
    status: ConditionStatus,
    observed: Option<f64>,
    observed_words: String,
    unit: Unit,
}

fn evaluate(condition: &ExperimentCondition, result: &Readout) -> Evaluation {
    let metric = condition.metric;
    let difference_unit = metric.unit();
    let compare = |observed: Option<f64>,
                   holds: &dyn Fn(f64) -> bool,
                   words: &dyn Fn(f64) -> String,
                   what: &str,
                   gap: Option<&String>,
                   unit: Unit| match observed {
        Some(value) => Evaluation {
            status: if holds(value) {
                ConditionStatus::Holds
            } else {
                ConditionStatus::DoesNotHold
            },
            observed: Some(value),
            observed_words: format!("{what} {}", words(value)),
            unit,
        },
        None => Evaluation {
            status: ConditionStatus::CannotBeEvaluated,
            observed: None,
            observed_words: format!(
                "{what} is undefined: {}",
                gap.map_or("a value it reads is undefined", |g| g.as_str())
            ),
            unit,
        },
    };
    let lift_words = |v: f64| signed_percent(v);
    let difference_words = |v: f64| signed_difference(metric, v);
    match &condition.test {
        ConditionTest::RelativeLiftAtLeast { value } => compare(
            result.lift,
            &|v| v >= *value,
            &lift_words,
            "relative lift",
            result.lift_gap.as_ref(),
            Unit::Ratio,
        ),
        ConditionTest::RelativeLiftAtMost { value } => compare(
            result.lift,
            &|v| v <= *value,
            &lift_words,
            "relative lift",
            result.lift_gap.as_ref(),
            Unit::Ratio,
        ),
        ConditionTest::SampleAtLeastPerArm { n } => {
            let smallest = result.treatment_n.min(result.control_n);
            Evaluation {
                status: if smallest >= *n {
                    ConditionStatus::Holds
                } else {
                    ConditionStatus::DoesNotHold
                },
                observed: Some(smallest as f64),
                observed_words: format!(
                    "treatment arm {}, control arm {}",
                    result.treatment_n, result.control_n
                ),
                unit: Unit::Count,
            }
        }
        ConditionTest::DifferenceLowerBoundAbove { value } => compare(
            result.difference_interval.map(|i| i.low),
            &|v| v > *value,
            &difference_words,
            "lower bound",
            result.difference_interval_gap.as_ref(),
            difference_unit,
        ),
        ConditionTest::DifferenceUpperBoundBelow { value } => compare(
            result.difference_interval.map(|i| i.high),
            &|v| v < *value,
            &difference_words,
            "upper bound",
            result.difference_interval_gap.as_ref(),
            difference_unit,
        ),
        ConditionTest::RelativeLiftLowerBoundAbove { value } => compare(
            result.lift_interval.map(|i| i.low),
            &|v| v > *value,
            &lift_words,
            "lower bound",
            result.lift_interval_gap.as_ref(),
            Unit::Ratio,
        ),
        ConditionTest::RelativeLiftUpperBoundBelow { value } => compare(
            result.lift_interval.map(|i| i.high),
            &|v| v < *value,
            &lift_words,
            "upper bound",
            result.lift_interval_gap.as_ref(),
            Unit::Ratio,
        ),
    }
}

fn conditions(
    context: &Context,
    program: &ProgramRows,
    experiment_id: &str,
    subject: &Subject,
    readouts: &[(ProgramMetric, Readout, Population, Vec<EvidenceRef>)],
    out: &mut Vec<Insight>,
) {
    let level = context.settings.experiment_confidence;
    for (i, condition) in context.settings.experiment_conditions.iter().enumerate() {
        if condition
            .experiment
            .as_deref()
            .is_some_and(|named| named.trim() != experiment_id)
        {
            continue;
        }
        let Some((_, result, population, evidence)) = readouts
            .iter()
            .find(|(metric, ..)| *metric == condition.metric)
        else {
            continue;
        };
        let index = i + 1;
        let words = condition_words(condition, level);
        let evaluation = evaluate(condition, result);
        let status_words = match evaluation.status {
            ConditionStatus::Holds => "holds",
            ConditionStatus::DoesNotHold => "does not hold",
            ConditionStatus::CannotBeEvaluated => "cannot be evaluated",
        };
        out.push(Insight {
            key: format!(
                "program.experiment_condition.{}.{}.{index}",
                program.key(),
                subject.id
            ),
            module: Module::Program,
            measure: "experiment_condition".into(),
            subject: subject.clone(),
            value: evaluation.observed,
            unit: evaluation.unit,
            reference: Some(Reference::Condition {
                index,
                condition: words.clone(),
                threshold: condition_threshold(&condition.test),
                status: evaluation.status,
            }),
            period: None,
            population: population.clone(),
            formula: format!(
                "condition {index} of the experiment conditions setting, read on the {} readout of {}",
                condition.metric.label().to_lowercase(),
                subject.label
            ),
            text: format!(
                "Condition {index} ({words}) {status_words} for {}: {}.",
                subject.label, evaluation.observed_words
            ),
            evidence: evidence.clone(),
        });
    }
}

/// Conditions naming an experiment that no assignment row (on or before the as-of date) names.
fn unmatched_conditions(context: &Context, assignments: &Assignments, out: &mut Vec<Insight>) {
    for (i, condition) in context.settings.experiment_conditions.iter().enumerate() {
        let Some(named) = condition.experiment.as_deref().map(str::trim) else {
            continue;
        };
        if assignments.experiments.contains_key(named) {
            continue;
        }
        let index = i + 1;
        let words = condition_words(condition, context.settings.experiment_confidence);
        out.push(Insight {
            key: format!("program.experiment_condition.unmatched.{index}"),
            module: Module::Program,
            measure: "experiment_condition".into(),
            subject: Subject {
                kind: SubjectKind::Experiment,
                id: named.to_string(),
                label: named.to_string(),
            },
            value: None,
            unit: Unit::Count,
            reference: Some(Reference::Condition {
                index,
                condition: words.clone(),
                threshold: condition_threshold(&condition.test),
                status: ConditionStatus::CannotBeEvaluated,
            }),
            period: None,
            population: Population {
                description: format!("experiment assignment rows naming {named}"),
                n: 0,
                excluded: Vec::new(),
            },
            formula: format!("condition {index} of the experiment conditions setting"),
            text: format!(
                "Condition {index} ({words}) cannot be evaluated: no experiment assignment row on or before the as-of date names experiment {named}."
            ),
            evidence: Vec::new(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn every_condition_kind_round_trips_through_its_key_and_threshold() {
        for (key, _) in ConditionTest::KINDS {
            let test = ConditionTest::from_kind(key, 12.0).unwrap();
            assert_eq!(test.kind_key(), key);
            assert_eq!(test.threshold(), 12.0);
            // The key is the one settings files use.
            let json = serde_json::to_value(ExperimentCondition {
                experiment: None,
                metric: ProgramMetric::PilotStartRate,
                test,
            })
            .unwrap();
            assert_eq!(json["kind"], key);
        }
        assert_eq!(
            ConditionTest::from_kind("sample_at_least_per_arm", 2.5),
            None
        );
        assert_eq!(
            ConditionTest::from_kind("sample_at_least_per_arm", -1.0),
            None
        );
        assert_eq!(ConditionTest::from_kind("lift", 0.1), None);
    }

    #[test]
    fn churn_needs_a_complete_window() {
        let row = ProgramMilestones {
            account_id: "a".into(),
            account_name: None,
            program: None,
            segment: None,
            eligible_date: None,
            pilot_start: None,
            pilot_end: None,
            security_review_start: None,
            security_review_end: None,
            contract_date: None,
            activation_date: Some(date("2026-01-01")),
            churn_date: Some(date("2026-04-01")),
            source: Default::default(),
        };
        // 2026-01-01 + 90 days = 2026-04-01: the churn is on the window's last day.
        let entry = classify(ProgramMetric::LogoChurn90Days, &row, date("2026-04-01"));
        assert!(matches!(entry, Entry::Rate { hit: true, .. }), "{entry:?}");
        let entry = classify(ProgramMetric::LogoChurn90Days, &row, date("2026-03-31"));
        assert!(matches!(entry, Entry::Excluded(_)), "{entry:?}");
    }
}
