//! Patterns, anomalies and dichotomies in the weekly snapshot series: which weekly measures lie
//! outside the band of their own history, and which pairs of measures moved in opposite directions
//! over the same weeks. Team level and per rep; no judgment of what a movement means.
//!
//! **Weekly series.** Every snapshot on or before the as-of date (oldest first, usually one a week)
//! gives one value of each measure, for the team and for each rep (the deal's owner as
//! [`Context::owner`] names it). Money is summed in the reporting currency ([`Context::money`]):
//! amounts in another currency and deals without an amount are left out and counted as exclusions.
//! - **open pipeline total**: sum of amount over the open deals of the snapshot, any close date.
//! - **Commit total**: sum of amount over the open deals in forecast category Commit whose close date
//!   lies in the fiscal quarter containing the snapshot's date (each snapshot its own quarter).
//! - **open Commit deals with activity in the last 7 days**: of the deals in the Commit total (any
//!   currency: this is a count), how many have a last activity date in the 7 days ending on the
//!   snapshot's date (snapshot date − 6 days to the snapshot date). Exports carry only the last
//!   activity date, so this counts deals touched, not activities. Deals without a last activity date
//!   are left out; the value is undefined when no Commit deal has one.
//! - **pipeline created**: sum of amount over the deals in this snapshot that are not in the previous
//!   snapshot and whose created date is after the previous snapshot's date. New rows created on or
//!   before that date (added to the export, not created) and new rows without a created date are
//!   counted as exclusions. Undefined for the oldest snapshot.
//! - **pipeline closed**: sum of amount (as in this snapshot) over the deals open in the previous
//!   snapshot and won or lost in this one. Undefined for the oldest snapshot.
//! - **stage conversion**: of the deals open in the previous snapshot and present in this one, the
//!   share that are won in this one or open in a later stage ([`Context::stage_rank`]). Deals no longer
//!   in the export (an export of open deals drops won deals, so their outcome is unknown) and deals
//!   whose stage changed between stages of unknown order are left out. Undefined when nothing is
//!   counted, and for the oldest snapshot.
//!
//! Measures that start from this snapshot's rows (open pipeline, Commit, activity, pipeline created)
//! belong to the rep owning the deal in this snapshot; measures that start from the previous
//! snapshot's open deals (pipeline closed, stage conversion) to the rep owning it there. A rep's series
//! has a point for each snapshot in which the rep owns at least one row, so weeks before a rep's first
//! deal are not read as zeros. The series are built in one pass over each snapshot, looking each row
//! up in the previous snapshot.
//!
//! **Anomalies.** For each series, the value of the latest snapshot is held against the robust band
//! of the series' earlier points: median ± k × 1.4826 × MAD ([`RobustBand`]), with k =
//! `Settings::anomaly_k`, when there are at least `Settings::anomaly_min_points` earlier points. An
//! insight is emitted only when the latest value lies outside the band. When the MAD is 0 the band is
//! the single value of the median, and an insight is emitted only when the latest value differs from
//! it. Differences below 10⁻⁹ of the values compared are treated as none (sums of the same amounts
//! in another order differ in the last bits).
//!
//! **Dichotomies.** Two measures moving in opposite directions over the same span: the latest
//! snapshot against the previous snapshot, and separately against the snapshot four weeks earlier
//! (the latest snapshot on or before the latest snapshot's date − 28 days; left out when that is the
//! previous snapshot itself). Pairs: Commit total and open Commit deals with activity in the last 7
//! days; open pipeline total and stage conversion; pipeline created and pipeline closed. An insight is
//! emitted when both values are defined at both dates, both changed, and one rose while the other fell.
//! The insight's value is the first measure's relative change, (later − earlier) ÷ |earlier|
//! (undefined when the earlier value is 0); the second measure is its [`Reference::SecondMeasure`].
//!
//! Evidence (the rows behind the values: every row counted or left out, with the field it
//! contributes) is built only for the insights emitted, in one more pass over each snapshot involved.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};

use super::context::{Context, DatedSnapshot, Deal, Money, Tally};
use super::render;
use super::stats::{MAD_SCALE, RobustBand};
use super::{
    EvidenceRef, Exclusion, Insight, Module, Period, Population, Reference, Subject, SubjectKind,
    Unit,
};
use crate::model::{DealStatus, ForecastCategory, Opportunity};

/// How many days, ending on the snapshot date, count as "the last 7 days" of activity.
const ACTIVITY_WINDOW_DAYS: u64 = 7;

/// How far back the second dichotomy comparison reaches.
const FOUR_WEEKS_DAYS: u64 = 28;

/// One weekly measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Measure {
    OpenPipeline,
    CommitTotal,
    CommitActivity,
    PipelineCreated,
    PipelineClosed,
    StageConversion,
}

impl Measure {
    const ALL: [Measure; 6] = [
        Measure::OpenPipeline,
        Measure::CommitTotal,
        Measure::CommitActivity,
        Measure::PipelineCreated,
        Measure::PipelineClosed,
        Measure::StageConversion,
    ];

    fn index(self) -> usize {
        self as usize
    }

    fn key(self) -> &'static str {
        match self {
            Measure::OpenPipeline => "open_pipeline_total",
            Measure::CommitTotal => "commit_total",
            Measure::CommitActivity => "commit_deals_with_activity",
            Measure::PipelineCreated => "pipeline_created",
            Measure::PipelineClosed => "pipeline_closed",
            Measure::StageConversion => "stage_conversion",
        }
    }

    /// The measure's name at the start of a sentence.
    fn label(self) -> &'static str {
        match self {
            Measure::OpenPipeline => "Open pipeline total",
            Measure::CommitTotal => "Commit total",
            Measure::CommitActivity => "Open Commit deals with activity in the last 7 days",
            Measure::PipelineCreated => "Pipeline created since the previous snapshot",
            Measure::PipelineClosed => "Pipeline closed (won or lost) since the previous snapshot",
            Measure::StageConversion => "Stage conversion since the previous snapshot",
        }
    }

    /// The measure's name inside a sentence.
    fn inline_label(self) -> &'static str {
        match self {
            Measure::OpenPipeline => "open pipeline total",
            Measure::CommitTotal => "Commit total",
            Measure::CommitActivity => "open Commit deals with activity in the last 7 days",
            Measure::PipelineCreated => "pipeline created since the previous snapshot",
            Measure::PipelineClosed => "pipeline closed (won or lost) since the previous snapshot",
            Measure::StageConversion => "stage conversion since the previous snapshot",
        }
    }

    fn unit(self, context: &Context) -> Unit {
        match self {
            Measure::CommitActivity => Unit::Count,
            Measure::StageConversion => Unit::Ratio,
            _ => context.money_unit(),
        }
    }

    /// The definition in words, as it enters each insight's formula.
    fn formula(self) -> &'static str {
        match self {
            Measure::OpenPipeline => {
                "open pipeline total = sum of amount over the open deals of the snapshot, any close date"
            }
            Measure::CommitTotal => {
                "Commit total = sum of amount over the open deals in forecast category Commit whose close date lies in the fiscal quarter containing the snapshot's date"
            }
            Measure::CommitActivity => {
                "open Commit deals with activity in the last 7 days = count of the deals of the Commit total (any currency) whose last activity date lies in the 7 days ending on the snapshot's date; exports carry only the last activity date, so this counts deals touched, not activities"
            }
            Measure::PipelineCreated => {
                "pipeline created = sum of amount over the deals in the snapshot that are not in the previous snapshot and whose created date is after the previous snapshot's date"
            }
            Measure::PipelineClosed => {
                "pipeline closed = sum of amount (as in the later snapshot) over the deals open in the previous snapshot and won or lost in this one"
            }
            Measure::StageConversion => {
                "stage conversion = deals won or open in a later stage (by stage order) in this snapshot ÷ deals open in the previous snapshot and present in this one, leaving out stage changes between stages of unknown order"
            }
        }
    }

    /// True for measures counted from the previous snapshot's open deals (owned as there).
    fn counted_from_previous_rows(self) -> bool {
        matches!(self, Measure::PipelineClosed | Measure::StageConversion)
    }
}

/// The pairs read for dichotomies: (first measure, second measure).
const DICHOTOMY_PAIRS: [(Measure, Measure); 3] = [
    (Measure::CommitTotal, Measure::CommitActivity),
    (Measure::OpenPipeline, Measure::StageConversion),
    (Measure::PipelineCreated, Measure::PipelineClosed),
];

pub(super) fn insights(context: &Context) -> Vec<Insight> {
    // A context always has a snapshot; an empty list would simply describe nothing.
    let Some(latest) = context.snapshots.len().checked_sub(1) else {
        return Vec::new();
    };
    let series = Series::build(context);
    let comparisons = comparison_snapshots(context);

    let mut plans = Vec::new();
    for subject in series.subjects.output_order() {
        for measure in Measure::ALL {
            if let Some(plan) = anomaly_plan(context, &series, subject, measure) {
                plans.push(plan);
            }
        }
        for &earlier in &comparisons {
            for (first, second) in DICHOTOMY_PAIRS {
                if let Some(plan) = dichotomy_plan(&series, subject, first, second, earlier, latest)
                {
                    plans.push(plan);
                }
            }
        }
    }
    if plans.is_empty() {
        return Vec::new();
    }

    // The rows behind the values, only for what is emitted: one pass per snapshot involved.
    let mut wanted: HashMap<usize, Vec<(usize, Measure)>> = HashMap::new();
    let mut uses: HashMap<ValueKey, usize> = HashMap::new();
    for plan in &plans {
        for (snapshot, subject, measure) in plan.values_read() {
            let list = wanted.entry(snapshot).or_default();
            if !list.contains(&(subject, measure)) {
                list.push((subject, measure));
            }
            *uses.entry((snapshot, subject, measure)).or_default() += 1;
        }
    }
    let mut rows = RowsBehind::default();
    for (snapshot, list) in wanted {
        for ((subject, measure), detail) in collect_details(context, &series, snapshot, &list) {
            let key = (snapshot, subject, measure);
            let population = population_of(context, &series, snapshot, subject, measure, &detail);
            rows.values.insert(
                key,
                (
                    population,
                    detail.evidence,
                    uses.get(&key).copied().unwrap_or(1),
                ),
            );
        }
    }

    plans
        .into_iter()
        .map(|plan| match plan {
            Plan::Anomaly(anomaly) => anomaly_insight(context, &series, &anomaly, &mut rows),
            Plan::Dichotomy(dichotomy) => {
                dichotomy_insight(context, &series, &dichotomy, &mut rows)
            }
        })
        .collect()
}

/// A value: (snapshot, subject, measure).
type ValueKey = (usize, usize, Measure);

/// The population and evidence of each value an emitted insight reads, with how many insights
/// read it (the last one takes the rows, earlier ones copy them).
#[derive(Default)]
struct RowsBehind {
    values: HashMap<ValueKey, (Population, Vec<EvidenceRef>, usize)>,
}

impl RowsBehind {
    fn take(&mut self, key: ValueKey) -> (Population, Vec<EvidenceRef>) {
        let Some(entry) = self.values.get_mut(&key) else {
            return (Population::default(), Vec::new());
        };
        entry.2 = entry.2.saturating_sub(1);
        if entry.2 > 0 {
            return (entry.0.clone(), entry.1.clone());
        }
        match self.values.remove(&key) {
            Some((population, evidence, _)) => (population, evidence),
            None => (Population::default(), Vec::new()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The weekly series: one pass per snapshot.

/// The accumulated values of one subject in one snapshot.
#[derive(Debug, Clone, Copy, Default)]
struct Point {
    /// The subject owns at least one row of this snapshot (always true for the team).
    present: bool,
    open_pipeline: f64,
    commit_total: f64,
    /// Deals of the Commit total with a last activity date.
    commit_dated: u32,
    /// Of those, the ones with activity in the last 7 days.
    commit_touched: u32,
    created: f64,
    closed: f64,
    /// Deals open in the previous snapshot, present in this one, with a known direction.
    conversion_base: u32,
    converted: u32,
    /// Open deals of this snapshot (any amount): the deals the next snapshot's conversion starts from.
    open_deals: u32,
    /// Deals open in the previous snapshot that are present in this one (any direction).
    previous_open_present: u32,
}

/// The team (index 0) and the reps, in the order first seen; the owner of a row is found through a
/// cache keyed by the export's raw owner value so that each distinct owner is named once.
struct Subjects<'a> {
    subjects: Vec<Subject>,
    by_name: HashMap<String, usize>,
    by_raw_owner: OwnerMap<'a>,
}

impl<'a> Subjects<'a> {
    const TEAM: usize = 0;

    fn new() -> Subjects<'a> {
        Subjects {
            subjects: vec![Subject::team()],
            by_name: HashMap::new(),
            by_raw_owner: OwnerMap::default(),
        }
    }

    fn len(&self) -> usize {
        self.subjects.len()
    }

    fn of(&mut self, context: &Context, opp: &'a Opportunity) -> usize {
        let raw = opp.owner.as_deref();
        if let Some(&index) = self.by_raw_owner.get(&raw) {
            return index;
        }
        let name = context.owner(opp);
        let next = self.subjects.len();
        let index = *self.by_name.entry(name.clone()).or_insert(next);
        if index == next {
            self.subjects.push(Subject {
                kind: SubjectKind::Rep,
                id: name.clone(),
                label: name,
            });
        }
        self.by_raw_owner.insert(raw, index);
        index
    }

    /// The subject of a row's owner, without adding one: every owner was seen by [`Series::build`].
    fn find(&self, context: &Context, opp: &Opportunity) -> Option<usize> {
        match self.by_raw_owner.get(&opp.owner.as_deref()) {
            Some(&index) => Some(index),
            None => self.by_name.get(&context.owner(opp)).copied(),
        }
    }

    /// The team first, then the reps by name (an order for reading, not a ranking).
    fn output_order(&self) -> Vec<usize> {
        let mut reps: Vec<usize> = (1..self.subjects.len()).collect();
        reps.sort_by(|&a, &b| self.subjects[a].id.cmp(&self.subjects[b].id));
        std::iter::once(Self::TEAM).chain(reps).collect()
    }

    /// The subject's part of an insight key; a rep named like the team's key gets a suffix.
    fn key(&self, subject: usize) -> String {
        let id = &self.subjects[subject].id;
        if subject != Self::TEAM && id == "all" {
            "all.rep".to_string()
        } else {
            id.clone()
        }
    }
}

struct Series<'a> {
    subjects: Subjects<'a>,
    /// `points[snapshot][subject]`.
    points: Vec<Vec<Point>>,
}

impl<'a> Series<'a> {
    fn build(context: &Context<'a>) -> Series<'a> {
        let mut subjects = Subjects::new();
        let mut points: Vec<Vec<Point>> = Vec::with_capacity(context.snapshots.len());
        // What the pass keeps of each row of the previous snapshot, by position: the rows are
        // matched and read here, so the previous snapshot's records are not read again.
        let mut previous_rows: Vec<RowSummary> = Vec::new();
        for (index, snapshot) in context.snapshots.iter().enumerate() {
            let previous = index.checked_sub(1).map(|i| &context.snapshots[i]);
            let rules = SnapshotRules::new(context, snapshot);
            let mut row = vec![Point::default(); subjects.len()];
            row[Subjects::TEAM].present = true;
            let mut rows_here = Vec::with_capacity(snapshot.deals.len());
            let mut cursor = PreviousCursor::default();
            for deal in &snapshot.deals {
                let opp = deal.opp;
                let earlier = previous
                    .and_then(|p| {
                        cursor.find(
                            &opp.id,
                            |position| previous_rows.get(position).map(|r| r.id),
                            || p.position(&opp.id),
                        )
                    })
                    .and_then(|position| previous_rows.get(position));
                let facts = Facts::of(
                    context,
                    &rules,
                    previous.map(|p| p.as_of),
                    opp,
                    earlier.map(|r| Earlier {
                        open: r.open,
                        stage: r.stage,
                    }),
                );
                let amount = if facts.needs_amount() {
                    match context.money(opp) {
                        Money::Counted(amount) => Some(amount),
                        _ => None,
                    }
                } else {
                    None
                };
                let owner = subjects.of(context, opp);
                rows_here.push(RowSummary {
                    id: &opp.id,
                    owner,
                    open: facts.open,
                    stage: opp.stage.as_deref(),
                });
                if row.len() < subjects.len() {
                    row.resize(subjects.len(), Point::default());
                }
                row[owner].present = true;
                facts.add_current(&mut row[Subjects::TEAM], amount);
                facts.add_current(&mut row[owner], amount);
                if let Some(earlier) = earlier
                    && facts.reads_previous_owner()
                {
                    facts.add_previous(&mut row[Subjects::TEAM], amount);
                    facts.add_previous(&mut row[earlier.owner], amount);
                }
            }
            points.push(row);
            previous_rows = rows_here;
        }
        Series { subjects, points }
    }

    fn point(&self, snapshot: usize, subject: usize) -> Point {
        self.points[snapshot]
            .get(subject)
            .copied()
            .unwrap_or_default()
    }

    /// The value of a measure for a subject in a snapshot; `None` when undefined or the subject owns
    /// no row of that snapshot.
    fn value(&self, snapshot: usize, subject: usize, measure: Measure) -> Option<f64> {
        let point = self.point(snapshot, subject);
        if !point.present {
            return None;
        }
        let has_previous = snapshot > 0;
        match measure {
            Measure::OpenPipeline => Some(point.open_pipeline),
            Measure::CommitTotal => Some(point.commit_total),
            Measure::CommitActivity => {
                (point.commit_dated > 0).then_some(f64::from(point.commit_touched))
            }
            Measure::PipelineCreated => has_previous.then_some(point.created),
            Measure::PipelineClosed => has_previous.then_some(point.closed),
            Measure::StageConversion => (has_previous && point.conversion_base > 0)
                .then(|| f64::from(point.converted) / f64::from(point.conversion_base)),
        }
    }
}

/// What the measures of one snapshot compare against.
struct SnapshotRules {
    as_of: NaiveDate,
    quarter: Period,
    activity_from: NaiveDate,
}

impl SnapshotRules {
    fn new(context: &Context, snapshot: &DatedSnapshot) -> SnapshotRules {
        SnapshotRules {
            as_of: snapshot.as_of,
            quarter: Period::quarter_containing(
                snapshot.as_of,
                context.settings.fiscal_year_start_month,
            ),
            activity_from: snapshot.as_of - Days::new(ACTIVITY_WINDOW_DAYS - 1),
        }
    }
}

/// Finds a row's id in the previous snapshot and returns its position there. Exports usually keep
/// their row order from week to week, so the rows just after the last match are tried first
/// (`id_at`), and the snapshot's index only when they do not match (`indexed`).
#[derive(Default)]
struct PreviousCursor {
    next: usize,
}

impl PreviousCursor {
    fn find<'x>(
        &mut self,
        id: &str,
        id_at: impl Fn(usize) -> Option<&'x str>,
        indexed: impl FnOnce() -> Option<usize>,
    ) -> Option<usize> {
        let position = (self.next..self.next + 2)
            .find(|&position| id_at(position) == Some(id))
            .or_else(indexed)?;
        self.next = position + 1;
        Some(position)
    }
}

/// What the series pass keeps of one row for the next snapshot's pass.
#[derive(Debug, Clone, Copy)]
struct RowSummary<'a> {
    id: &'a str,
    owner: usize,
    open: bool,
    stage: Option<&'a str>,
}

/// The previous snapshot's row of a deal, as far as the measures read it.
#[derive(Debug, Clone, Copy)]
struct Earlier<'x> {
    open: bool,
    stage: Option<&'x str>,
}

/// The map from an export's owner value to its subject, looked up once per row (Fx hash: the
/// default hasher's resistance to crafted keys costs more than the rest of the row).
type OwnerMap<'a> = rustc_hash::FxHashMap<Option<&'a str>, usize>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Created {
    Counted,
    NoDate,
    OnOrBeforePreviousSnapshot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Conversion {
    Converted,
    NotConverted,
    DirectionUnknown,
}

/// How one row of a snapshot enters each measure.
struct Facts {
    open: bool,
    /// Open, Commit, close date in the snapshot's quarter.
    commit: bool,
    /// Open and Commit, but no close date: left out of the Commit measures.
    commit_without_close_date: bool,
    /// For Commit deals: whether the last activity date lies in the window (`None`: no date).
    touched: Option<bool>,
    created: Option<Created>,
    closed: bool,
    conversion: Option<Conversion>,
}

impl Facts {
    /// `previous_date` is the previous snapshot's date (none for the oldest snapshot), `earlier`
    /// the deal's row there (none when the deal is new).
    fn of(
        context: &Context,
        rules: &SnapshotRules,
        previous_date: Option<NaiveDate>,
        opp: &Opportunity,
        earlier: Option<Earlier>,
    ) -> Facts {
        let open = opp.status == DealStatus::Open;
        let in_commit = open && opp.forecast_category == Some(ForecastCategory::Commit);
        let commit = in_commit && opp.close_date.is_some_and(|d| rules.quarter.contains(d));
        let touched = if commit {
            opp.last_activity_date
                .map(|d| rules.activity_from <= d && d <= rules.as_of)
        } else {
            None
        };
        let created = match (previous_date, earlier) {
            (Some(previous_date), None) => Some(match opp.created_date {
                None => Created::NoDate,
                Some(created) if created > previous_date => Created::Counted,
                Some(_) => Created::OnOrBeforePreviousSnapshot,
            }),
            _ => None,
        };
        let (closed, conversion) = match earlier {
            Some(earlier) if earlier.open => {
                let conversion = match opp.status {
                    DealStatus::Won => Conversion::Converted,
                    DealStatus::Lost => Conversion::NotConverted,
                    DealStatus::Open if earlier.stage == opp.stage.as_deref() => {
                        Conversion::NotConverted
                    }
                    DealStatus::Open => {
                        let rank = |stage: Option<&str>| stage.and_then(|s| context.stage_rank(s));
                        match (rank(earlier.stage), rank(opp.stage.as_deref())) {
                            (Some(old), Some(new)) if new > old => Conversion::Converted,
                            (Some(_), Some(_)) => Conversion::NotConverted,
                            _ => Conversion::DirectionUnknown,
                        }
                    }
                };
                (opp.status != DealStatus::Open, Some(conversion))
            }
            _ => (false, None),
        };
        Facts {
            open,
            commit,
            commit_without_close_date: in_commit && opp.close_date.is_none(),
            touched,
            created,
            closed,
            conversion,
        }
    }

    fn needs_amount(&self) -> bool {
        self.open || self.closed || self.created == Some(Created::Counted)
    }

    fn reads_previous_owner(&self) -> bool {
        self.conversion.is_some()
    }

    /// Adds what this row contributes to the measures owned as in this snapshot.
    fn add_current(&self, point: &mut Point, amount: Option<f64>) {
        let amount = amount.unwrap_or(0.0);
        if self.open {
            point.open_deals += 1;
            point.open_pipeline += amount;
        }
        if self.commit {
            point.commit_total += amount;
            if let Some(touched) = self.touched {
                point.commit_dated += 1;
                point.commit_touched += u32::from(touched);
            }
        }
        if self.created == Some(Created::Counted) {
            point.created += amount;
        }
    }

    /// Adds what this row contributes to the measures owned as in the previous snapshot.
    fn add_previous(&self, point: &mut Point, amount: Option<f64>) {
        if self.closed {
            point.closed += amount.unwrap_or(0.0);
        }
        if let Some(conversion) = self.conversion {
            point.previous_open_present += 1;
            match conversion {
                Conversion::Converted => {
                    point.conversion_base += 1;
                    point.converted += 1;
                }
                Conversion::NotConverted => point.conversion_base += 1,
                Conversion::DirectionUnknown => {}
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Finding what to emit.

struct AnomalyPlan {
    subject: usize,
    measure: Measure,
    latest: usize,
    value: f64,
    /// The snapshots of the earlier points.
    earlier: Vec<usize>,
    band: RobustBand,
}

struct DichotomyPlan {
    subject: usize,
    first: Measure,
    second: Measure,
    from: usize,
    to: usize,
    /// (first at `from`, first at `to`, second at `from`, second at `to`).
    values: [f64; 4],
}

enum Plan {
    Anomaly(AnomalyPlan),
    Dichotomy(DichotomyPlan),
}

impl Plan {
    /// The (snapshot, subject, measure) values whose rows the insight shows.
    fn values_read(&self) -> Vec<(usize, usize, Measure)> {
        match self {
            Plan::Anomaly(a) => vec![(a.latest, a.subject, a.measure)],
            Plan::Dichotomy(d) => vec![
                (d.from, d.subject, d.first),
                (d.to, d.subject, d.first),
                (d.from, d.subject, d.second),
                (d.to, d.subject, d.second),
            ],
        }
    }
}

/// Whether two values differ by more than rounding noise.
fn differs(a: f64, b: f64) -> bool {
    (a - b).abs() > 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn anomaly_plan(
    context: &Context,
    series: &Series,
    subject: usize,
    measure: Measure,
) -> Option<Plan> {
    let latest = context.snapshots.len().checked_sub(1)?;
    let value = series.value(latest, subject, measure)?;
    let earlier: Vec<usize> = (0..latest)
        .filter(|&s| series.value(s, subject, measure).is_some())
        .collect();
    if earlier.is_empty() || earlier.len() < context.settings.anomaly_min_points {
        return None;
    }
    let earlier_values: Vec<f64> = earlier
        .iter()
        .filter_map(|&s| series.value(s, subject, measure))
        .collect();
    let band = RobustBand::of(&earlier_values, context.settings.anomaly_k)?;
    let outside = if band.scaled_mad == 0.0 {
        differs(value, band.median)
    } else {
        (value > band.high && differs(value, band.high))
            || (value < band.low && differs(value, band.low))
    };
    outside.then_some(Plan::Anomaly(AnomalyPlan {
        subject,
        measure,
        latest,
        value,
        earlier,
        band,
    }))
}

/// The earlier snapshots the latest is compared with for dichotomies: the previous one, and the
/// latest on or before four weeks before the latest snapshot's date when that is another one.
fn comparison_snapshots(context: &Context) -> Vec<usize> {
    let Some(latest) = context.snapshots.len().checked_sub(1) else {
        return Vec::new();
    };
    let Some(previous) = latest.checked_sub(1) else {
        return Vec::new();
    };
    let mut out = vec![previous];
    let four_weeks_before = context.snapshots[latest].as_of - Days::new(FOUR_WEEKS_DAYS);
    let four_weeks = context.snapshots[..latest]
        .iter()
        .rposition(|s| s.as_of <= four_weeks_before);
    if let Some(four_weeks) = four_weeks
        && four_weeks != previous
    {
        out.push(four_weeks);
    }
    out
}

fn dichotomy_plan(
    series: &Series,
    subject: usize,
    first: Measure,
    second: Measure,
    from: usize,
    to: usize,
) -> Option<Plan> {
    let values = [
        series.value(from, subject, first)?,
        series.value(to, subject, first)?,
        series.value(from, subject, second)?,
        series.value(to, subject, second)?,
    ];
    let direction = |earlier: f64, later: f64| {
        if !differs(earlier, later) {
            0
        } else if later > earlier {
            1
        } else {
            -1
        }
    };
    let first_direction = direction(values[0], values[1]);
    let second_direction = direction(values[2], values[3]);
    (first_direction != 0 && first_direction == -second_direction).then_some(Plan::Dichotomy(
        DichotomyPlan {
            subject,
            first,
            second,
            from,
            to,
            values,
        },
    ))
}

// ---------------------------------------------------------------------------------------------
// The rows behind a value: the population and evidence, built only for emitted insights.

#[derive(Default)]
struct Detail {
    tally: Tally,
    /// The money counted, to check against the series (the two passes share [`Facts`]).
    sum: f64,
    evidence: Vec<EvidenceRef>,
    /// Deals open in the previous snapshot and not in this one (stage conversion only).
    previous_open_missing: usize,
}

/// One more pass over a snapshot, filling the population and evidence of each wanted
/// (subject, measure).
fn collect_details(
    context: &Context,
    series: &Series,
    snapshot_index: usize,
    wanted: &[(usize, Measure)],
) -> Vec<((usize, Measure), Detail)> {
    let snapshot = &context.snapshots[snapshot_index];
    let previous = snapshot_index.checked_sub(1).map(|i| &context.snapshots[i]);
    let rules = SnapshotRules::new(context, snapshot);
    // A dense table [subject][measure]: direct indexing in the loop, filled only where wanted.
    let mut table: Vec<[Option<Detail>; 6]> = (0..series.subjects.len())
        .map(|_| Default::default())
        .collect();
    for &(subject, measure) in wanted {
        table[subject][measure.index()] = Some(Detail::default());
    }
    let mut cursor = PreviousCursor::default();
    for deal in &snapshot.deals {
        let previous_row = previous.and_then(|p| {
            let position = cursor.find(
                &deal.opp.id,
                |position| p.deals.get(position).map(|d| d.opp.id.as_str()),
                || p.position(&deal.opp.id),
            )?;
            p.deals.get(position)
        });
        let facts = Facts::of(
            context,
            &rules,
            previous.map(|p| p.as_of),
            deal.opp,
            previous_row.map(|row| Earlier {
                open: row.opp.status == DealStatus::Open,
                stage: row.opp.stage.as_deref(),
            }),
        );
        let owner = series.subjects.find(context, deal.opp);
        let previous_owner = match previous_row {
            Some(earlier) if facts.reads_previous_owner() => {
                series.subjects.find(context, earlier.opp)
            }
            _ => None,
        };
        for measure in Measure::ALL {
            let owned_by = if measure.counted_from_previous_rows() {
                previous_owner
            } else {
                owner
            };
            // Rows owned by nobody known still count for the team.
            let rep = owned_by.filter(|&s| s != Subjects::TEAM);
            for subject in std::iter::once(Subjects::TEAM).chain(rep) {
                if let Some(Some(detail)) = table
                    .get_mut(subject)
                    .map(|row| row[measure.index()].as_mut())
                {
                    record(context, detail, measure, &facts, deal, previous_row);
                }
            }
        }
    }
    let mut out = Vec::with_capacity(wanted.len());
    for &(subject, measure) in wanted {
        let Some(mut detail) = table[subject][measure.index()].take() else {
            continue;
        };
        if measure == Measure::StageConversion && snapshot_index > 0 {
            let before = series.point(snapshot_index - 1, subject).open_deals;
            let present = series.point(snapshot_index, subject).previous_open_present;
            detail.previous_open_missing = before.saturating_sub(present) as usize;
        }
        if matches!(
            measure,
            Measure::OpenPipeline
                | Measure::CommitTotal
                | Measure::PipelineCreated
                | Measure::PipelineClosed
        ) && let Some(value) = series.value(snapshot_index, subject, measure)
        {
            debug_assert!(
                !differs(value, detail.sum),
                "the series and the evidence pass disagree"
            );
        }
        out.push(((subject, measure), detail));
    }
    out
}

/// Adds one row to the population and evidence of one measure.
fn record(
    context: &Context,
    detail: &mut Detail,
    measure: Measure,
    facts: &Facts,
    deal: &Deal,
    previous_row: Option<&Deal>,
) {
    let opp = deal.opp;
    match measure {
        Measure::OpenPipeline => {
            if facts.open {
                detail.tally.add_money(context.money(opp), &mut detail.sum);
                detail
                    .evidence
                    .push(context.amount_evidence(deal));
            }
        }
        Measure::CommitTotal => {
            if facts.commit {
                detail.tally.add_money(context.money(opp), &mut detail.sum);
                detail
                    .evidence
                    .push(context.amount_evidence(deal));
            } else if facts.commit_without_close_date {
                detail.tally.exclude("in Commit without a close date");
            }
        }
        Measure::CommitActivity => {
            if facts.commit {
                match facts.touched {
                    Some(_) => {
                        detail.tally.count();
                        detail.evidence.push(context.date_evidence(
                            deal,
                            "last_activity_date",
                            opp.last_activity_date,
                        ));
                    }
                    None => detail.tally.exclude("no last activity date"),
                }
            } else if facts.commit_without_close_date {
                detail.tally.exclude("in Commit without a close date");
            }
        }
        Measure::PipelineCreated => match facts.created {
            Some(Created::Counted) => {
                detail.tally.add_money(context.money(opp), &mut detail.sum);
                detail.evidence.push(context.date_evidence(
                    deal,
                    "created_date",
                    opp.created_date,
                ));
                detail
                    .evidence
                    .push(context.amount_evidence(deal));
            }
            Some(Created::NoDate) => detail
                .tally
                .exclude("not in the previous snapshot, and no created date"),
            Some(Created::OnOrBeforePreviousSnapshot) => detail.tally.exclude(
                "not in the previous snapshot, but created on or before its date (added to the export, not created)",
            ),
            None => {}
        },
        Measure::PipelineClosed => {
            if facts.closed {
                detail.tally.add_money(context.money(opp), &mut detail.sum);
                if let Some(earlier) = previous_row {
                    detail.evidence.push(context.status_evidence(earlier));
                }
                detail.evidence.push(context.status_evidence(deal));
                detail
                    .evidence
                    .push(context.amount_evidence(deal));
            }
        }
        Measure::StageConversion => match facts.conversion {
            Some(Conversion::DirectionUnknown) => detail
                .tally
                .exclude("stage changed between stages of unknown order"),
            Some(conversion) => {
                detail.tally.count();
                if let Some(earlier) = previous_row {
                    detail.evidence.push(context.row_evidence(
                        earlier,
                        Some("stage"),
                        earlier.opp.stage.clone(),
                    ));
                }
                let later = if opp.status == DealStatus::Open {
                    context.row_evidence(deal, Some("stage"), opp.stage.clone())
                } else {
                    context.status_evidence(deal)
                };
                detail.evidence.push(later);
                debug_assert!(conversion != Conversion::DirectionUnknown);
            }
            None => {}
        },
    }
}

/// The population of one value: who was counted, in words, and what was left out.
fn population_of(
    context: &Context,
    series: &Series,
    snapshot: usize,
    subject: usize,
    measure: Measure,
    detail: &Detail,
) -> Population {
    let date = context.snapshots[snapshot].as_of;
    let previous_date = snapshot
        .checked_sub(1)
        .map(|i| context.snapshots[i].as_of.to_string())
        .unwrap_or_else(|| "(none)".into());
    let quarter = Period::quarter_containing(date, context.settings.fiscal_year_start_month);
    let mut description = match measure {
        Measure::OpenPipeline => format!("open deals in the snapshot of {date}, any close date"),
        Measure::CommitTotal => format!(
            "open deals in the snapshot of {date} in forecast category Commit with a close date in {}",
            quarter.label
        ),
        Measure::CommitActivity => format!(
            "open deals in the snapshot of {date} in forecast category Commit with a close date in {} and a last activity date",
            quarter.label
        ),
        Measure::PipelineCreated => format!(
            "deals in the snapshot of {date} that are not in the snapshot of {previous_date} and were created after {previous_date}"
        ),
        Measure::PipelineClosed => format!(
            "deals open in the snapshot of {previous_date} and won or lost in the snapshot of {date}"
        ),
        Measure::StageConversion => format!(
            "deals open in the snapshot of {previous_date} that are in the snapshot of {date}"
        ),
    };
    if subject != Subjects::TEAM {
        let name = &series.subjects.subjects[subject].label;
        if measure.counted_from_previous_rows() {
            description.push_str(&format!(
                ", owned by {name} in the snapshot of {previous_date}"
            ));
        } else {
            description.push_str(&format!(", owned by {name}"));
        }
    }
    let mut population = detail.tally.population(description);
    if detail.previous_open_missing > 0 {
        population.add_excluded([Exclusion {
            n: detail.previous_open_missing,
            reason: "open in the previous snapshot and not in this one (its outcome is not in the export)"
                .into(),
        }]);
    }
    population
}

// ---------------------------------------------------------------------------------------------
// The insights.

fn format_value(context: &Context, measure: Measure, value: f64) -> String {
    match measure.unit(context) {
        Unit::Count => render::number(value),
        Unit::Ratio => render::percent(value),
        _ => render::money(value, context.currency.as_deref()),
    }
}

fn subject_in_text(series: &Series, subject: usize) -> String {
    if subject == Subjects::TEAM {
        String::new()
    } else {
        format!(" ({})", series.subjects.subjects[subject].label)
    }
}

fn anomaly_insight(
    context: &Context,
    series: &Series,
    plan: &AnomalyPlan,
    rows: &mut RowsBehind,
) -> Insight {
    let AnomalyPlan {
        subject,
        measure,
        latest,
        value,
        ref earlier,
        band,
    } = *plan;
    let (population, evidence) = rows.take((latest, subject, measure));
    let date = context.snapshots[latest].as_of;
    let first_date = context.snapshots[earlier[0]].as_of;
    let n = earlier.len();
    let k = context.settings.anomaly_k;
    let side = if value > band.median {
        "above"
    } else {
        "below"
    };
    let shown = |v: f64| format_value(context, measure, v);
    let mad_is_zero = band.scaled_mad == 0.0;
    let mut method = format!(
        "median ± k × {MAD_SCALE} × MAD of the {n} earlier weekly values, k = {}",
        render::number(k)
    );
    let text = if mad_is_zero {
        method.push_str(&format!(
            "; the MAD is 0, so the band is the single value {}",
            shown(band.median)
        ));
        format!(
            "{}{}: {} on {date} lies {side} the band of the {n} earlier weekly values, which is the single value {} (their median absolute deviation is 0).",
            measure.label(),
            subject_in_text(series, subject),
            shown(value),
            shown(band.median)
        )
    } else {
        format!(
            "{}{}: {} on {date} lies {side} the band of the {n} earlier weekly values (median {}; band {} to {}).",
            measure.label(),
            subject_in_text(series, subject),
            shown(value),
            shown(band.median),
            shown(band.low),
            shown(band.high)
        )
    };
    Insight {
        key: format!(
            "patterns.{}.{}.anomaly",
            measure.key(),
            series.subjects.key(subject)
        ),
        module: Module::Patterns,
        measure: measure.key().to_string(),
        subject: series.subjects.subjects[subject].clone(),
        value: Some(value),
        unit: measure.unit(context),
        reference: Some(Reference::OwnHistory {
            method: method.clone(),
            n,
            median: band.median,
            low: band.low,
            high: band.high,
        }),
        period: Some(Period {
            start: first_date,
            end: date,
            label: format!(
                "the snapshot of {date} against the {n} earlier snapshots from {first_date}"
            ),
        }),
        population,
        formula: format!(
            "{}; band = {method}; the latest value is described when it lies outside the band",
            measure.formula()
        ),
        text,
        evidence,
    }
}

fn change_words(context: &Context, measure: Measure, from: f64, to: f64) -> String {
    let verb = if to > from { "rose" } else { "fell" };
    let levels = format!(
        "{} → {}",
        format_value(context, measure, from),
        format_value(context, measure, to)
    );
    match relative_change(from, to) {
        Some(change) => format!("{verb} {} ({levels})", render::percent(change.abs())),
        None => format!("{verb} from 0 ({levels}; no relative change from 0)"),
    }
}

fn relative_change(from: f64, to: f64) -> Option<f64> {
    (from != 0.0).then(|| (to - from) / from.abs())
}

fn dichotomy_insight(
    context: &Context,
    series: &Series,
    plan: &DichotomyPlan,
    rows: &mut RowsBehind,
) -> Insight {
    let DichotomyPlan {
        subject,
        first,
        second,
        from,
        to,
        values,
    } = *plan;
    let [first_from, first_to, second_from, second_to] = values;
    let from_date = context.snapshots[from].as_of;
    let to_date = context.snapshots[to].as_of;
    let horizon = if from + 1 == to {
        "previous_snapshot"
    } else {
        "four_weeks"
    };
    let text = format!(
        "{}{} {} from {from_date} to {to_date} while {} {}.",
        first.label(),
        subject_in_text(series, subject),
        change_words(context, first, first_from, first_to),
        second.inline_label(),
        change_words(context, second, second_from, second_to),
    );

    let mut population = Population {
        description: format!(
            "the deal rows counted in {} and in {} in the snapshots of {from_date} and {to_date} (a deal can be counted in each of the four)",
            first.inline_label(),
            second.inline_label()
        ),
        n: 0,
        excluded: Vec::new(),
    };
    let mut evidence = Vec::new();
    for (measure, snapshot) in [(first, from), (first, to), (second, from), (second, to)] {
        let (part, part_evidence) = rows.take((snapshot, subject, measure));
        let date = context.snapshots[snapshot].as_of;
        population.n += part.n;
        population.add_excluded(part.excluded.into_iter().map(|e| Exclusion {
            n: e.n,
            reason: format!("{} on {date}: {}", measure.label(), e.reason),
        }));
        evidence.extend(part_evidence);
    }
    let subject_words = if subject == Subjects::TEAM {
        "the team".to_string()
    } else {
        format!("the deals of {}", series.subjects.subjects[subject].label)
    };

    Insight {
        key: format!(
            "patterns.{}.{}.vs_{}.{horizon}",
            first.key(),
            series.subjects.key(subject),
            second.key()
        ),
        module: Module::Patterns,
        measure: first.key().to_string(),
        subject: series.subjects.subjects[subject].clone(),
        value: relative_change(first_from, first_to),
        unit: Unit::Ratio,
        reference: Some(Reference::SecondMeasure {
            measure: second.key().to_string(),
            from: second_from,
            to: second_to,
            change: relative_change(second_from, second_to),
        }),
        period: Some(Period {
            start: from_date,
            end: to_date,
            label: format!("{from_date} to {to_date}"),
        }),
        population,
        formula: format!(
            "value = relative change of the first measure, (value on {to_date} − value on {from_date}) ÷ |value on {from_date}|, for {subject_words}; described when the two measures changed in opposite directions; {}; {}",
            first.formula(),
            second.formula()
        ),
        text,
        evidence,
    }
}
