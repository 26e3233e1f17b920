//! Module 3, pipeline quality and hygiene: stage aging against the team's own distribution, open
//! deals with a close date in the past, close-date push counts, deals without activity for N days,
//! stage-to-stage conversion, win rate (count and value), cycle length, sales velocity and the
//! lead-source mix of the open pipeline; and the attention filters the cockpit counts.
//!
//! Definitions (PRODUCT.md, "Metric definitions", where it gives one):
//! - **Window**: the `lookback_days` days up to and including the as-of date.
//! - **Stage aging** = days since the deal entered its current stage: the as-of date minus
//!   [`Context::stage_entry`].
//! - **Stay** in a stage: from the history row that put the record in the stage (its creation row
//!   or a stage row) to the next stage row of the same record naming another stage, in whole days
//!   (0 when both rows fall on the same day). When the history has no stage rows at all, a stay runs
//!   from the first snapshot showing the deal in the stage (after one showing it in another stage
//!   or not at all) to the first snapshot showing it in another stage, so its length is measured
//!   between snapshot dates. Stays in won or lost stages are left out: they end the process.
//! - **The team's distribution** for a stage: the lengths of the stays in it that ended within the
//!   window; when none did, the current stage ages of the open deals in it (the text says which).
//! - **Push**: a change of close date to a later date. From history: a close-date row whose new date
//!   is after its old one. For a deal without history rows, or when the history has no close-date
//!   rows at all (HubSpot's stage dates): two consecutive snapshots showing the deal, the second
//!   with a later close date. Pushes are counted, not netted: a push followed by a pull-in is one
//!   push. PRODUCT.md: "push count per deal from close-date history".
//! - **Stage-to-stage conversion** of stage S: of the stays in S that began within the window and
//!   have ended, the share whose next stage is a won stage or a stage of higher rank
//!   ([`Context::stage_rank`]), against those whose next stage is a lost stage or of lower rank.
//!   Stays that ended in a stage of equal or unknown rank are left out and counted.
//! - **Win rate (count)** = won ÷ (won + lost); **win rate (value)** = won amount ÷ closed amount,
//!   over the deals of the current snapshot closed with a close date in the window. "No decision"
//!   counts as lost where the export or mapping marks it lost (Salesforce records it as Closed
//!   Lost); a deal the export still shows as open is not counted.
//! - **Sales cycle** = close date − created date over the same closed deals, median and mean, for
//!   won deals only and for won + lost.
//! - **Sales velocity** = (# open opportunities × average deal size × win rate) ÷ cycle length in
//!   days, with the open deals of the current snapshot, the mean amount of the won deals in the
//!   window, the count win rate and the mean cycle length of the won deals.
//! - **Lead-source mix**: count and amount of the open deals of the current snapshot per lead source.
//! - **Won and lost stages**: the stages of the current snapshot's won and lost deals, and the usual
//!   names (Closed Won, Closed Lost, Won, Lost).
//!
//! Cost: one pass over the history (stays), one look at each open deal's own history rows
//! (pushes), and a pass over the snapshots only when the history does not cover what is needed.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeDelta};

use super::context::{Context, Deal, Event, StageEntry, Tally};
use super::render::{count, money, number, percent};
use super::stats::{percentile_rank_sorted, quantile_sorted};
use super::{
    EvidenceRef, Exclusion, Insight, Module, Period, Population, Reference, Subject, SubjectKind,
    Unit,
};
use crate::model::{DealStatus, HistoryField, Opportunity, Text};

/// One attention filter of the settings and the open deals of the current snapshot that match it.
pub(super) struct AttentionFilter {
    /// Machine key (`stage_age`, `close_date_past`, `no_activity`, `pushes`).
    pub key: &'static str,
    /// The condition in words, with its threshold ("days in the current stage above the 90th
    /// percentile of the team's days in that stage").
    pub description: String,
    pub setting_name: &'static str,
    pub setting_value: f64,
    pub matches: Vec<AttentionMatch>,
    /// Open deals the filter could not be applied to, by reason.
    pub excluded: Vec<Exclusion>,
}

pub(super) struct AttentionMatch {
    pub evidence: Vec<EvidenceRef>,
}

/// The attention filters, each with the open deals of the current snapshot that match it.
#[cfg(test)]
pub(super) fn attention_filters(context: &Context) -> Vec<AttentionFilter> {
    insights_and_filters(context, &StageDurations::new(context)).1
}

/// Every insight of the module: team-level first, then one per deal matching an attention filter.
#[cfg(test)]
pub(super) fn insights(context: &Context) -> Vec<Insight> {
    insights_and_filters(context, &StageDurations::new(context)).0
}

/// The module's insights and the attention filters the cockpit counts, from one reading of the
/// stage stays (built once per analysis with [`StageDurations::new`] and shared with the coaching
/// view) and of the close-date pushes (the two costly parts).
pub(super) fn insights_and_filters(
    context: &Context,
    durations: &StageDurations,
) -> (Vec<Insight>, Vec<AttentionFilter>) {
    let pushes = PushCounts::new(context);
    let filters = evaluate_filters(context, durations, &pushes, false).0;
    let mut out = Vec::new();
    out.extend(durations.stage_insights(context));
    out.extend(durations.conversion_insights(context));
    out.extend(close_date_past_insights(context));
    out.extend(pushes.team_insights(context));
    out.extend(closed_deal_insights(context, &durations.window));
    out.extend(lead_source_insights(context));
    out.extend(evaluate_filters(context, durations, &pushes, true).1);
    (out, filters)
}

/// Days in the current stage of `deal`, held against the team's distribution for that stage (see
/// the module header), for the record view. `None` when the deal has no stage, its stage entry is
/// unknown, or its stage is a won or lost stage or has no distribution.
pub(super) fn stage_age_position(context: &Context, deal: &Deal) -> Option<Insight> {
    StageDurations::new(context).position(context, deal)
}

// ---------------------------------------------------------------------------------------------
// Shared pieces.

/// The maps of this module, keyed by record ids and stage names: rustc's Fx hash, several times
/// faster than SipHash on short keys; the keys come from the user's own files, so SipHash's
/// resistance to crafted collisions buys nothing here.
type IdMap<K, V> = rustc_hash::FxHashMap<K, V>;

/// The lookback window: `lookback_days` days ending on the as-of date, both ends included.
pub(super) struct Window {
    first_day: NaiveDate,
    last_day: NaiveDate,
    days: i64,
}

impl Window {
    pub(super) fn new(context: &Context) -> Window {
        let days = context.settings.lookback_days.max(0);
        // 0 days gives a first day after the last: an empty window.
        let first_day = TimeDelta::try_days(days - 1)
            .and_then(|span| context.as_of.checked_sub_signed(span))
            .unwrap_or(NaiveDate::MIN);
        Window {
            first_day,
            last_day: context.as_of,
            days,
        }
    }

    pub(super) fn contains(&self, date: NaiveDate) -> bool {
        self.first_day <= date && date <= self.last_day
    }

    /// "the 365 days to 2026-11-13 (2025-11-14 to 2026-11-13)".
    pub(super) fn words(&self) -> String {
        format!(
            "the {} days to {} ({} to {})",
            self.days, self.last_day, self.first_day, self.last_day
        )
    }

    pub(super) fn period(&self) -> Period {
        Period {
            start: self.first_day,
            end: self.last_day,
            label: self.words(),
        }
    }
}

/// A row behind a number: a history row or a snapshot row.
#[derive(Clone, Copy)]
enum Row<'a> {
    History(Event<'a>),
    Snapshot(Deal<'a>),
}

impl Row<'_> {
    /// The row as evidence; a snapshot row names `field` and its value.
    fn evidence(&self, context: &Context, field: &str) -> EvidenceRef {
        match self {
            Row::History(event) => context.event_evidence(event),
            Row::Snapshot(deal) => field_evidence(context, deal, field),
        }
    }
}

/// A snapshot row as evidence, naming one field and its value in that row.
pub(super) fn field_evidence(context: &Context, deal: &Deal, field: &str) -> EvidenceRef {
    let opp = deal.opp;
    let value = match field {
        "stage" => opp.stage.clone(),
        "partner" => opp.partner.clone(),
        "segment" => opp.segment.clone(),
        "close_date" => opp.close_date.map(|date| context.date_text(date)),
        "created_date" => opp.created_date.map(|date| context.date_text(date)),
        "last_activity_date" => opp.last_activity_date.map(|date| context.date_text(date)),
        "lead_source" => opp.lead_source.clone(),
        "amount" => opp.amount.map(|amount| context.number_text(amount)),
        "status" => Some(context.word_text(opp.status.word())),
        _ => None,
    };
    context.row_evidence(deal, Some(field), value)
}

pub(super) fn pipeline_subject() -> Subject {
    Subject {
        kind: SubjectKind::Pipeline,
        id: "all".into(),
        label: "Pipeline".into(),
    }
}

fn stage_subject(stage: &str) -> Subject {
    Subject {
        kind: SubjectKind::Stage,
        id: stage.to_string(),
        label: stage.to_string(),
    }
}

fn record_subject(deal: &Deal) -> Subject {
    Subject {
        kind: SubjectKind::Record,
        id: deal.opp.id.to_string(),
        label: deal.opp.name.to_string(),
    }
}

/// "90th", "1st", "22nd", "87.5th".
fn ordinal(percentile: f64) -> String {
    if percentile.fract() != 0.0 {
        return format!("{}th", number(percentile));
    }
    let whole = percentile as i64;
    let suffix = match (whole % 10, whole % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{whole}{suffix}")
}

/// "3 times", "once", "twice".
fn times(n: usize) -> String {
    match n {
        1 => "once".into(),
        2 => "twice".into(),
        n => format!("{n} times"),
    }
}

pub(super) fn days_text(days: f64) -> String {
    if days == 1.0 {
        "1 day".into()
    } else {
        format!("{} days", number(days))
    }
}

/// A `YYYY-MM-DD` value of a history row (the import writes dates so); other text is parsed the
/// slow way, and what is not a date is `None`.
fn iso_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        bytes[range].iter().try_fold(0u32, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    };
    if bytes.len() == 10 && bytes[4] == b'-' && bytes[7] == b'-' {
        let year = i32::try_from(digits(0..4)?).ok()?;
        return NaiveDate::from_ymd_opt(year, digits(5..7)?, digits(8..10)?);
    }
    text.parse().ok()
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Whether a stage is a won, a lost or an open stage.
struct StageStatus<'a> {
    known: IdMap<&'a str, DealStatus>,
}

impl<'a> StageStatus<'a> {
    /// The stages of the current snapshot's deals: a stage all of whose deals are won is a won
    /// stage, one all of whose deals are lost a lost stage; any other stage (with open deals, or
    /// with both won and lost ones, as in exports where the stage stays at the last phase and a
    /// status column says how the deal closed) is known by its name only.
    fn new(context: &Context<'a>) -> StageStatus<'a> {
        // (open, won, lost) deals per stage.
        let mut counts: IdMap<&'a str, [usize; 3]> = IdMap::default();
        for deal in &context.current().deals {
            let Some(stage) = deal.opp.stage.as_deref() else {
                continue;
            };
            let slot = match deal.opp.status {
                DealStatus::Open => 0,
                DealStatus::Won => 1,
                DealStatus::Lost => 2,
            };
            counts.entry(stage).or_default()[slot] += 1;
        }
        let known = counts
            .into_iter()
            .map(|(stage, [open, won, lost])| {
                let status = match (open, won, lost) {
                    (0, won, 0) if won > 0 => DealStatus::Won,
                    (0, 0, lost) if lost > 0 => DealStatus::Lost,
                    _ => status_by_name(stage),
                };
                (stage, status)
            })
            .collect();
        StageStatus { known }
    }

    /// The status of `stage`, remembered so each stage name is looked at once.
    fn of(&mut self, stage: &'a str) -> DealStatus {
        *self
            .known
            .entry(stage)
            .or_insert_with(|| status_by_name(stage))
    }

    /// [`Self::of`] without remembering (for stages seen after the passes).
    fn lookup(&self, stage: &str) -> DealStatus {
        self.known
            .get(stage)
            .copied()
            .unwrap_or_else(|| status_by_name(stage))
    }
}

/// The usual closed-stage names; "No decision" and other names count only through the deals
/// carrying them.
fn status_by_name(stage: &str) -> DealStatus {
    match crate::import::fields::normalize(stage).as_str() {
        "closedwon" | "won" | "dealwon" => DealStatus::Won,
        "closedlost" | "lost" | "deallost" => DealStatus::Lost,
        _ => DealStatus::Open,
    }
}

// ---------------------------------------------------------------------------------------------
// Stage durations.

/// Where the stays were read from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum StaySource {
    History,
    Snapshots,
}

impl StaySource {
    fn words(self) -> &'static str {
        match self {
            StaySource::History => {
                "read from history: from the row that entered the stage to the next stage row of the same record"
            }
            StaySource::Snapshots => {
                "read from consecutive snapshots, as the history has no stage rows: from the first snapshot showing the deal in the stage to the first showing it in another stage"
            }
        }
    }
}

/// One completed stay of one record in one stage.
#[derive(Clone, Copy)]
pub(super) struct Stay<'a> {
    pub(super) record_id: &'a str,
    stage: &'a str,
    entered: NaiveDate,
    left: NaiveDate,
    /// The stage the record moved to; `None` when the stage was cleared.
    next_stage: Option<&'a str>,
    entry_row: Row<'a>,
    exit_row: Row<'a>,
}

impl Stay<'_> {
    fn days(&self) -> i64 {
        (self.left - self.entered).num_days()
    }

    /// The rows that began and ended the stay.
    pub(super) fn evidence(&self, context: &Context) -> [EvidenceRef; 2] {
        [
            self.entry_row.evidence(context, "stage"),
            self.exit_row.evidence(context, "stage"),
        ]
    }
}

/// Where a completed stay went next, as stage-to-stage conversion counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StayOutcome {
    LaterStage,
    Won,
    Lost,
    EarlierStage,
    /// A stage of equal or unknown rank, or the stage cleared: left out of the conversion.
    Unordered,
}

/// Stays counted by where they went next.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct StayOutcomes {
    pub(super) later: usize,
    pub(super) won: usize,
    pub(super) lost: usize,
    pub(super) back: usize,
    pub(super) unordered: usize,
}

impl StayOutcomes {
    pub(super) fn add(&mut self, outcome: StayOutcome) {
        match outcome {
            StayOutcome::LaterStage => self.later += 1,
            StayOutcome::Won => self.won += 1,
            StayOutcome::Lost => self.lost += 1,
            StayOutcome::EarlierStage => self.back += 1,
            StayOutcome::Unordered => self.unordered += 1,
        }
    }

    /// Stays that moved to a later stage or were won.
    pub(super) fn forward(&self) -> usize {
        self.later + self.won
    }

    /// Stays with a direction: forward, lost or back (the denominator of the conversion).
    pub(super) fn counted(&self) -> usize {
        self.forward() + self.lost + self.back
    }

    /// forward ÷ counted; `None` when nothing is counted.
    pub(super) fn conversion(&self) -> Option<f64> {
        let counted = self.counted();
        (counted > 0).then(|| self.forward() as f64 / counted as f64)
    }
}

/// An open deal of the current snapshot with its stage age.
pub(super) struct OpenAge<'a> {
    pub(super) deal: Deal<'a>,
    pub(super) stage: &'a str,
    pub(super) entry: StageEntry,
    pub(super) days: i64,
}

impl OpenAge<'_> {
    /// The deal's stage row and the row that dates its stage entry.
    pub(super) fn evidence(&self, context: &Context) -> [EvidenceRef; 2] {
        [
            field_evidence(context, &self.deal, "stage"),
            self.entry.evidence.clone(),
        ]
    }
}

/// Which values make up a stage's distribution.
#[derive(Clone, Copy, PartialEq, Eq)]
enum DistributionKind {
    /// Completed stays that ended within the window.
    Completed,
    /// No stay ended within the window: the current stage ages of the open deals in the stage.
    CurrentAges,
}

struct StageDistribution<'s> {
    kind: DistributionKind,
    sorted: &'s [f64],
}

/// The team's distribution of days per stage, built once (one pass over the history, or over the
/// snapshots when the history has no stage rows) and read for every deal.
pub(super) struct StageDurations<'a> {
    window: Window,
    source: StaySource,
    status: StageStatus<'a>,
    /// Completed stays in open stages that ended on or after the window's first day, by stage,
    /// ordered by the day they ended and the record id.
    stays: IdMap<&'a str, Vec<Stay<'a>>>,
    /// Lengths in days of the stays that ended within the window, sorted, by stage.
    ended_in_window: IdMap<&'a str, Vec<f64>>,
    /// Stays that ended before the window, by stage (counted, not used).
    ended_before_window: IdMap<&'a str, usize>,
    /// The records whose stay began within the window and had not ended by the as-of date, by stage.
    still_in_stage: IdMap<&'a str, Vec<&'a str>>,
    /// The open deals of the current snapshot whose stage age is known, in snapshot order.
    open_ages: Vec<OpenAge<'a>>,
    /// Their stage ages, sorted, by stage.
    open_ages_by_stage: IdMap<&'a str, Vec<f64>>,
    /// Open deals left out of the stage ages, by reason, overall and by stage.
    open_age_tally: Tally,
    open_age_tally_by_stage: IdMap<&'a str, Tally>,
    current_as_of: NaiveDate,
}

/// Collects stays during a pass, keeping those in open stages that ended within reach of the window.
struct StayCollector<'w, 'a> {
    window: &'w Window,
    status: StageStatus<'a>,
    stays: IdMap<&'a str, Vec<Stay<'a>>>,
    ended_before_window: IdMap<&'a str, usize>,
    still_in_stage: IdMap<&'a str, Vec<&'a str>>,
    found_stage_rows: bool,
}

impl<'a> StayCollector<'_, 'a> {
    fn ended(&mut self, stay: Stay<'a>) {
        if self.status.of(stay.stage) != DealStatus::Open {
            return;
        }
        if stay.left < self.window.first_day {
            *self.ended_before_window.entry(stay.stage).or_default() += 1;
        } else {
            self.stays.entry(stay.stage).or_default().push(stay);
        }
    }

    fn still_in(&mut self, record_id: &'a str, stage: &'a str, entered: NaiveDate) {
        if self.status.of(stage) == DealStatus::Open && self.window.contains(entered) {
            self.still_in_stage
                .entry(stage)
                .or_default()
                .push(record_id);
        }
    }
}

/// Stays from the history rows: creation and stage rows, in each record's order.
fn stays_from_history<'a>(context: &Context<'a>, collector: &mut StayCollector<'_, 'a>) {
    for (record_id, events) in context.history_by_record() {
        let mut current: Option<(&'a str, Event<'a>)> = None;
        for event in events {
            let event: Event<'a> = *event;
            let new_stage = event.event.new_value.as_deref();
            match event.event.field {
                HistoryField::Created => {
                    // The creation row names the first stage; a later creation row changes nothing.
                    if let (None, Some(stage)) = (current, new_stage) {
                        collector.found_stage_rows = true;
                        current = Some((stage, event));
                    }
                }
                HistoryField::Stage => {
                    collector.found_stage_rows = true;
                    match current {
                        Some((stage, _)) if Some(stage) == new_stage => continue,
                        Some((stage, entry)) => collector.ended(Stay {
                            record_id,
                            stage,
                            entered: entry.event.at.date(),
                            left: event.event.at.date(),
                            next_stage: new_stage,
                            entry_row: Row::History(entry),
                            exit_row: Row::History(event),
                        }),
                        None => {}
                    }
                    current = new_stage.map(|stage| (stage, event));
                }
                _ => {}
            }
        }
        if let Some((stage, entry)) = current {
            collector.still_in(record_id, stage, entry.event.at.date());
        }
    }
}

/// Stays from consecutive snapshots. A deal seen in the oldest snapshot entered its stage at an
/// unknown date; one that appears later (or reappears after missing from a snapshot) entered it
/// at that snapshot, as [`Context::stage_entry`] reads it.
fn stays_from_snapshots<'a>(context: &Context<'a>, collector: &mut StayCollector<'_, 'a>) {
    struct Track<'a> {
        last_index: usize,
        stage: Option<&'a str>,
        run_start: Option<Deal<'a>>,
    }
    let mut tracks: IdMap<&'a str, Track<'a>> = IdMap::default();
    for (index, snapshot) in context.snapshots.iter().enumerate() {
        for deal in &snapshot.deals {
            let deal: Deal<'a> = *deal;
            let stage = deal.opp.stage.as_deref();
            let Some(track) = tracks.get_mut(deal.opp.id.as_str()) else {
                tracks.insert(
                    deal.opp.id.as_str(),
                    Track {
                        last_index: index,
                        stage,
                        run_start: (index > 0).then_some(deal),
                    },
                );
                continue;
            };
            if track.last_index + 1 != index {
                track.stage = stage;
                track.run_start = Some(deal);
            } else if track.stage != stage {
                if let (Some(old_stage), Some(start)) = (track.stage, track.run_start) {
                    collector.ended(Stay {
                        record_id: deal.opp.id.as_str(),
                        stage: old_stage,
                        entered: start.as_of,
                        left: deal.as_of,
                        next_stage: stage,
                        entry_row: Row::Snapshot(start),
                        exit_row: Row::Snapshot(deal),
                    });
                }
                track.stage = stage;
                track.run_start = Some(deal);
            }
            track.last_index = index;
        }
    }
    let last_index = context.snapshots.len() - 1;
    for (record_id, track) in &tracks {
        if let (true, Some(stage), Some(start)) =
            (track.last_index == last_index, track.stage, track.run_start)
        {
            collector.still_in(record_id, stage, start.as_of);
        }
    }
}

impl<'a> StageDurations<'a> {
    pub(super) fn new(context: &Context<'a>) -> StageDurations<'a> {
        let window = Window::new(context);
        let mut collector = StayCollector {
            window: &window,
            status: StageStatus::new(context),
            stays: IdMap::default(),
            ended_before_window: IdMap::default(),
            still_in_stage: IdMap::default(),
            found_stage_rows: false,
        };
        stays_from_history(context, &mut collector);
        let source = if collector.found_stage_rows {
            StaySource::History
        } else {
            stays_from_snapshots(context, &mut collector);
            StaySource::Snapshots
        };
        let StayCollector {
            status,
            mut stays,
            ended_before_window,
            mut still_in_stage,
            ..
        } = collector;
        // The snapshot pass collects records in hash order: sort so per-rep evidence is stable.
        for records in still_in_stage.values_mut() {
            records.sort_unstable();
        }

        let mut ended_in_window: IdMap<&'a str, Vec<f64>> = IdMap::default();
        for (stage, stays) in stays.iter_mut() {
            // History arrives record by record in no fixed order: sort so evidence is stable.
            stays.sort_by(|a, b| {
                (a.left, a.record_id, a.entered).cmp(&(b.left, b.record_id, b.entered))
            });
            let mut lengths: Vec<f64> = stays
                .iter()
                .filter(|stay| window.contains(stay.left))
                .map(|stay| stay.days() as f64)
                .collect();
            lengths.sort_by(f64::total_cmp);
            ended_in_window.insert(stage, lengths);
        }

        let mut open_ages = Vec::new();
        let mut open_ages_by_stage: IdMap<&'a str, Vec<f64>> = IdMap::default();
        let mut open_age_tally = Tally::default();
        let mut open_age_tally_by_stage: IdMap<&'a str, Tally> = IdMap::default();
        let current = context.current();
        for deal in current.open_deals() {
            let deal: Deal<'a> = *deal;
            let Some(stage) = deal.opp.stage.as_deref() else {
                open_age_tally.exclude("no stage");
                continue;
            };
            let stage_tally = open_age_tally_by_stage.entry(stage).or_default();
            let reason = match context.stage_entry(&deal) {
                None => UNKNOWN_ENTRY,
                Some(entry) => {
                    let days = (context.as_of - entry.date).num_days();
                    if days >= 0 {
                        open_age_tally.count();
                        stage_tally.count();
                        open_ages_by_stage
                            .entry(stage)
                            .or_default()
                            .push(days as f64);
                        open_ages.push(OpenAge {
                            deal,
                            stage,
                            entry,
                            days,
                        });
                        continue;
                    }
                    "stage entry date after the as-of date"
                }
            };
            open_age_tally.exclude(reason);
            stage_tally.exclude(reason);
        }
        for ages in open_ages_by_stage.values_mut() {
            ages.sort_by(f64::total_cmp);
        }

        StageDurations {
            window,
            source,
            status,
            stays,
            ended_in_window,
            ended_before_window,
            still_in_stage,
            open_ages,
            open_ages_by_stage,
            open_age_tally,
            open_age_tally_by_stage,
            current_as_of: current.as_of,
        }
    }

    /// The distribution a deal in `stage` is held against: completed stays that ended within the
    /// window, else the current stage ages of the open deals in the stage.
    fn distribution(&self, stage: &str) -> Option<StageDistribution<'_>> {
        if let Some(sorted) = self.ended_in_window.get(stage).filter(|s| !s.is_empty()) {
            return Some(StageDistribution {
                kind: DistributionKind::Completed,
                sorted,
            });
        }
        let sorted = self
            .open_ages_by_stage
            .get(stage)
            .filter(|s| !s.is_empty())?;
        Some(StageDistribution {
            kind: DistributionKind::CurrentAges,
            sorted,
        })
    }

    /// Which values make up a stage's distribution, in words.
    fn describe(&self, stage: &str, distribution: &StageDistribution) -> String {
        let n = distribution.sorted.len();
        match distribution.kind {
            DistributionKind::Completed => format!(
                "{} in {stage} that ended in {} ({})",
                count(n, "stay", "stays"),
                self.window.words(),
                self.source.words()
            ),
            DistributionKind::CurrentAges => format!(
                "the current days in stage of {} in {stage} in the snapshot of {} (no stay in {stage} ended in {})",
                count(n, "open deal", "open deals"),
                self.current_as_of,
                self.window.words()
            ),
        }
    }

    /// "the median is 12 days and the 90th percentile 28 days" (and the filter's percentile when it
    /// is neither).
    fn quantile_words(&self, sorted: &[f64], percentile: f64) -> String {
        let at = |p: f64| days_text(quantile_sorted(sorted, p).unwrap_or(f64::NAN));
        let mut text = format!(
            "the median is {} and the 90th percentile {}",
            at(0.5),
            at(0.9)
        );
        if percentile != 50.0 && percentile != 90.0 {
            text = format!(
                "the median is {}, the 90th percentile {} and the {} percentile {}",
                at(0.5),
                at(0.9),
                ordinal(percentile),
                at(percentile / 100.0)
            );
        }
        text
    }

    /// [`stage_age_position`] with the distributions already built.
    pub(super) fn position(&self, context: &Context, deal: &Deal) -> Option<Insight> {
        let stage = deal.opp.stage.as_deref()?;
        if let Some(age) = self
            .open_ages
            .iter()
            .find(|age| age.deal.opp.id == deal.opp.id && age.deal.as_of == deal.as_of)
        {
            return self.position_insight(context, deal, stage, &age.entry, age.days);
        }
        let entry = context.stage_entry(deal)?;
        let days = (context.as_of - entry.date).num_days();
        if days < 0 {
            return None;
        }
        self.position_insight(context, deal, stage, &entry, days)
    }

    fn position_insight(
        &self,
        context: &Context,
        deal: &Deal,
        stage: &str,
        entry: &StageEntry,
        days: i64,
    ) -> Option<Insight> {
        if self.status.lookup(stage) != DealStatus::Open {
            return None;
        }
        let distribution = self.distribution(stage)?;
        let sorted = distribution.sorted;
        let value = days as f64;
        let percentile = percentile_rank_sorted(sorted, value)?;
        let description = self.describe(stage, &distribution);
        let setting = context.settings.stage_age_percentile;
        let held_against = match distribution.kind {
            DistributionKind::Completed => format!(
                "Of the {description}, {}",
                self.quantile_words(sorted, setting)
            ),
            DistributionKind::CurrentAges => format!(
                "No stay in {stage} ended in {}, so the distribution is the current days in stage of {} in {stage}: {}",
                self.window.words(),
                count(sorted.len(), "open deal", "open deals"),
                self.quantile_words(sorted, setting)
            ),
        };
        Some(Insight {
            key: format!("hygiene.days_in_stage.{}", deal.opp.id),
            module: Module::Hygiene,
            measure: "days_in_stage".into(),
            subject: record_subject(deal),
            value: Some(value),
            unit: Unit::Days,
            reference: Some(Reference::Distribution {
                description: description.clone(),
                n: sorted.len(),
                p50: quantile_sorted(sorted, 0.5)?,
                p90: quantile_sorted(sorted, 0.9)?,
                percentile,
            }),
            period: (distribution.kind == DistributionKind::Completed)
                .then(|| self.window.period()),
            population: Population {
                description,
                n: sorted.len(),
                excluded: Vec::new(),
            },
            formula: format!(
                "days in stage = as-of date {} − date the deal entered its current stage ({}); percentile = share of the distribution below the value plus half the share equal to it",
                context.as_of, entry.basis
            ),
            text: format!(
                "{} in {stage} (entered on {}, from {}). {held_against}; {} lies at percentile {} of them (ties counted as half).",
                days_text(value),
                entry.date,
                entry.basis,
                days_text(value),
                number(percentile)
            ),
            evidence: vec![
                field_evidence(context, deal, "stage"),
                entry.evidence.clone(),
            ],
        })
    }

    /// The lookback window the distributions and the conversion read.
    pub(super) fn window(&self) -> &Window {
        &self.window
    }

    /// Where the stays were read from, in words.
    pub(super) fn source_words(&self) -> &'static str {
        self.source.words()
    }

    /// The open deals of the current snapshot whose stage age is known, in snapshot order.
    pub(super) fn open_ages(&self) -> &[OpenAge<'a>] {
        &self.open_ages
    }

    /// Whether `stage` is neither a won nor a lost stage.
    pub(super) fn is_open_stage(&self, stage: &str) -> bool {
        self.status.lookup(stage) == DealStatus::Open
    }

    /// The stages to describe, in process order (rank, then name; stages without a rank last).
    pub(super) fn stages_in_order(&self, context: &Context) -> Vec<&'a str> {
        let mut stages: Vec<&'a str> = self
            .ended_in_window
            .iter()
            .filter(|(_, lengths)| !lengths.is_empty())
            .map(|(stage, _)| *stage)
            .chain(self.open_ages_by_stage.keys().copied())
            .chain(self.stays.keys().copied())
            .chain(self.still_in_stage.keys().copied())
            .filter(|stage| self.status.lookup(stage) == DealStatus::Open)
            .collect();
        stages.sort_by(|a, b| {
            let rank = |stage: &str| context.stage_rank(stage).unwrap_or(f64::INFINITY);
            rank(a).total_cmp(&rank(b)).then(a.cmp(b))
        });
        stages.dedup();
        stages
    }

    /// One insight per stage: the team's distribution of days in it (p50, p90, n).
    fn stage_insights(&self, context: &Context) -> Vec<Insight> {
        let mut out = Vec::new();
        for stage in self.stages_in_order(context) {
            let Some(distribution) = self.distribution(stage) else {
                continue;
            };
            let sorted = distribution.sorted;
            let (Some(p50), Some(p90)) =
                (quantile_sorted(sorted, 0.5), quantile_sorted(sorted, 0.9))
            else {
                continue;
            };
            let description = self.describe(stage, &distribution);
            let open_now = self.open_ages_by_stage.get(stage);
            let open_words = match open_now.filter(|ages| !ages.is_empty()) {
                Some(ages) => format!(
                    " {} in {stage} now, median {} in the stage.",
                    count(ages.len(), "open deal is", "open deals are"),
                    days_text(quantile_sorted(ages, 0.5).unwrap_or(f64::NAN))
                ),
                None => format!(" No open deal with a known stage entry is in {stage} now."),
            };
            let setting = context.settings.stage_age_percentile;
            let (text, excluded, evidence, formula) = match distribution.kind {
                DistributionKind::Completed => {
                    let mut excluded = Vec::new();
                    if let Some(&n) = self.ended_before_window.get(stage) {
                        excluded.push(Exclusion {
                            n,
                            reason: format!("stays that ended before {}", self.window.first_day),
                        });
                    }
                    let evidence = self.stays[stage]
                        .iter()
                        .filter(|stay| self.window.contains(stay.left))
                        .flat_map(|stay| {
                            [
                                stay.entry_row.evidence(context, "stage"),
                                stay.exit_row.evidence(context, "stage"),
                            ]
                        })
                        .collect();
                    (
                        format!(
                            "{stage}: of the {description}, {}.{open_words}",
                            self.quantile_words(sorted, setting)
                        ),
                        excluded,
                        evidence,
                        "length of each stay = date it ended − date it began, in days; median and 90th percentile interpolated between order statistics (type 7)",
                    )
                }
                DistributionKind::CurrentAges => {
                    let excluded = self
                        .open_age_tally_by_stage
                        .get(stage)
                        .map(|tally| tally.population("").excluded)
                        .unwrap_or_default();
                    let evidence = self
                        .open_ages
                        .iter()
                        .filter(|age| age.stage == stage)
                        .flat_map(|age| {
                            [
                                field_evidence(context, &age.deal, "stage"),
                                age.entry.evidence.clone(),
                            ]
                        })
                        .collect();
                    (
                        format!(
                            "{stage}: no stay in {stage} ended in {}, so the distribution is the current days in stage of {} in {stage}: {}.",
                            self.window.words(),
                            count(sorted.len(), "open deal", "open deals"),
                            self.quantile_words(sorted, setting)
                        ),
                        excluded,
                        evidence,
                        "days in stage of each open deal = as-of date − date it entered its current stage; median and 90th percentile interpolated between order statistics (type 7)",
                    )
                }
            };
            out.push(Insight {
                key: format!("hygiene.stage_days.{stage}"),
                module: Module::Hygiene,
                measure: "stage_days".into(),
                subject: stage_subject(stage),
                value: Some(p50),
                unit: Unit::Days,
                reference: Some(Reference::Distribution {
                    description: description.clone(),
                    n: sorted.len(),
                    p50,
                    p90,
                    percentile: percentile_rank_sorted(sorted, p50).unwrap_or(50.0),
                }),
                period: Some(self.window.period()),
                population: Population {
                    description,
                    n: sorted.len(),
                    excluded,
                },
                formula: formula.into(),
                text,
                evidence,
            });
        }
        out
    }

    /// The completed stays in `stage` that began within the window (the stays stage-to-stage
    /// conversion counts), in the order they ended.
    pub(super) fn stays_begun_in_window<'s>(
        &'s self,
        stage: &str,
    ) -> impl Iterator<Item = &'s Stay<'a>> + 's {
        self.stays
            .get(stage)
            .into_iter()
            .flatten()
            .filter(|stay| self.window.contains(stay.entered))
    }

    /// The records whose stay in `stage` began within the window and had not ended by the as-of date.
    pub(super) fn still_in(&self, stage: &str) -> &[&'a str] {
        self.still_in_stage.get(stage).map_or(&[], Vec::as_slice)
    }

    /// Where a stay went next: a won or lost stage, or a stage of higher or lower rank than
    /// `stage_rank` (the rank of the stay's own stage).
    pub(super) fn outcome(
        &self,
        context: &Context,
        stage_rank: Option<f64>,
        stay: &Stay,
    ) -> StayOutcome {
        let next_rank = stay.next_stage.and_then(|next| context.stage_rank(next));
        match (
            stay.next_stage.map(|next| self.status.lookup(next)),
            stage_rank,
            next_rank,
        ) {
            (Some(DealStatus::Won), _, _) => StayOutcome::Won,
            (Some(DealStatus::Lost), _, _) => StayOutcome::Lost,
            (Some(DealStatus::Open), Some(from), Some(to)) if to > from => StayOutcome::LaterStage,
            (Some(DealStatus::Open), Some(from), Some(to)) if to < from => {
                StayOutcome::EarlierStage
            }
            _ => StayOutcome::Unordered,
        }
    }

    /// One insight per stage: where the stays that began in it within the window went next.
    fn conversion_insights(&self, context: &Context) -> Vec<Insight> {
        let mut out = Vec::new();
        for stage in self.stages_in_order(context) {
            let began: Vec<&Stay> = self.stays_begun_in_window(stage).collect();
            let still_in = self.still_in(stage).len();
            if began.is_empty() && still_in == 0 {
                continue;
            }
            let stage_rank = context.stage_rank(stage);
            let mut outcomes = StayOutcomes::default();
            let mut evidence = Vec::with_capacity(began.len() * 2);
            for stay in &began {
                outcomes.add(self.outcome(context, stage_rank, stay));
                evidence.extend(stay.evidence(context));
            }
            let StayOutcomes {
                later,
                won,
                lost,
                back,
                unordered,
            } = outcomes;
            let forward = outcomes.forward();
            let counted = outcomes.counted();
            let mut excluded = Vec::new();
            if unordered > 0 {
                excluded.push(Exclusion {
                    n: unordered,
                    reason: "ended in a stage of equal or unknown order, or with the stage cleared"
                        .into(),
                });
            }
            if still_in > 0 {
                excluded.push(Exclusion {
                    n: still_in,
                    reason: format!("still in {stage} on {}", context.as_of),
                });
            }
            let share = |n: usize| percent(n as f64 / counted as f64);
            let value = outcomes.conversion();
            let mut text = if counted > 0 {
                format!(
                    "{stage}: of {} that began in {} and ended in a won, lost or ordered stage, {forward} ({}) next moved to a later stage or won ({later} later stage, {won} won), {lost} ({}) lost and {back} ({}) moved back to an earlier stage.",
                    count(counted, "stay", "stays"),
                    self.window.words(),
                    share(forward),
                    share(lost),
                    share(back)
                )
            } else {
                format!(
                    "{stage}: the share is undefined: no stay that began in {} ended in a won, lost or ordered stage.",
                    self.window.words()
                )
            };
            if unordered > 0 {
                text.push_str(&format!(
                    " {} ended in a stage of equal or unknown order and {} left out.",
                    count(unordered, "stay", "stays"),
                    if unordered == 1 { "is" } else { "are" }
                ));
            }
            if still_in > 0 {
                text.push_str(&format!(
                    " {} still in {stage} on {}.",
                    count(still_in, "deal is", "deals are"),
                    context.as_of
                ));
            }
            out.push(Insight {
                key: format!("hygiene.stage_conversion.{stage}"),
                module: Module::Hygiene,
                measure: "stage_conversion".into(),
                subject: stage_subject(stage),
                value,
                unit: Unit::Ratio,
                reference: None,
                period: Some(self.window.period()),
                population: Population {
                    description: format!(
                        "stays in {stage} that began in {} and have ended ({})",
                        self.window.words(),
                        self.source.words()
                    ),
                    n: counted,
                    excluded,
                },
                formula: "(stays whose next stage is a won stage or of a higher rank) ÷ (those plus stays whose next stage is a lost stage or of a lower rank); rank = the stage order of the export or mapping, else the median probability of the stage".into(),
                text,
                evidence,
            });
        }
        out
    }
}

const UNKNOWN_ENTRY: &str = "stage entry date unknown (the same stage in every snapshot, and no history row or export column gives the date)";

// ---------------------------------------------------------------------------------------------
// Close-date moves.

#[derive(Clone, Copy)]
enum MoveRows<'a> {
    History(Event<'a>),
    /// The earlier and the later snapshot row.
    Snapshots(Deal<'a>, Deal<'a>),
}

/// One change of a deal's close date.
#[derive(Clone, Copy)]
struct CloseDateMove<'a> {
    from: NaiveDate,
    to: NaiveDate,
    /// When the move was made (history) or first seen (the later snapshot).
    seen: NaiveDate,
    rows: MoveRows<'a>,
}

impl CloseDateMove<'_> {
    fn days(&self) -> i64 {
        (self.to - self.from).num_days()
    }

    fn evidence(&self, context: &Context) -> Vec<EvidenceRef> {
        match &self.rows {
            MoveRows::History(event) => vec![context.event_evidence(event)],
            MoveRows::Snapshots(earlier, later) => vec![
                field_evidence(context, earlier, "close_date"),
                field_evidence(context, later, "close_date"),
            ],
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum MoveSource {
    History,
    Snapshots,
}

/// The close-date moves of one open deal, later and earlier, oldest first.
struct DealMoves<'a> {
    later: Vec<CloseDateMove<'a>>,
    earlier: Vec<CloseDateMove<'a>>,
    source: MoveSource,
}

/// Close-date moves of the open deals of the current snapshot.
struct PushCounts<'a> {
    by_record: IdMap<&'a str, DealMoves<'a>>,
    from_history: usize,
    from_snapshots: usize,
}

impl<'a> PushCounts<'a> {
    fn new(context: &Context<'a>) -> PushCounts<'a> {
        let mut by_record = IdMap::default();
        let (mut from_history, mut from_snapshots) = (0, 0);
        let mut from_snapshot_rows: IdMap<&'a str, (Option<Deal<'a>>, DealMoves<'a>)> =
            IdMap::default();
        // A history without any close-date row (HubSpot's stage dates, a stage-only field history)
        // says nothing about close dates: then every deal is read from the snapshots.
        let history_has_close_dates = context.history_by_record().any(|(_, events)| {
            events
                .iter()
                .any(|event| event.event.field == HistoryField::CloseDate)
        });
        for deal in context.current().open_deals() {
            let id = deal.opp.id.as_str();
            let events = context.history(id);
            if events.is_empty() || !history_has_close_dates {
                from_snapshots += 1;
                let moves = DealMoves {
                    later: Vec::new(),
                    earlier: Vec::new(),
                    source: MoveSource::Snapshots,
                };
                from_snapshot_rows.insert(id, (None, moves));
                continue;
            }
            from_history += 1;
            let mut moves = DealMoves {
                later: Vec::new(),
                earlier: Vec::new(),
                source: MoveSource::History,
            };
            for event in events {
                if event.event.field != HistoryField::CloseDate {
                    continue;
                }
                let date = |value: &Option<Text>| iso_date(value.as_deref()?);
                let (Some(from), Some(to)) =
                    (date(&event.event.old_value), date(&event.event.new_value))
                else {
                    continue;
                };
                let change = CloseDateMove {
                    from,
                    to,
                    seen: event.event.at.date(),
                    rows: MoveRows::History(*event),
                };
                if to > from {
                    moves.later.push(change);
                } else if to < from {
                    moves.earlier.push(change);
                }
            }
            if !moves.later.is_empty() || !moves.earlier.is_empty() {
                by_record.insert(id, moves);
            }
        }
        // Deals without history rows: compare each snapshot row with the deal's previous row.
        if !from_snapshot_rows.is_empty() && context.snapshots.len() > 1 {
            for snapshot in context.snapshots {
                for deal in &snapshot.deals {
                    let deal: Deal<'a> = *deal;
                    let Some((previous, moves)) = from_snapshot_rows.get_mut(deal.opp.id.as_str())
                    else {
                        continue;
                    };
                    if let Some(earlier) = *previous
                        && let (Some(from), Some(to)) =
                            (earlier.opp.close_date, deal.opp.close_date)
                    {
                        let change = CloseDateMove {
                            from,
                            to,
                            seen: deal.as_of,
                            rows: MoveRows::Snapshots(earlier, deal),
                        };
                        if to > from {
                            moves.later.push(change);
                        } else if to < from {
                            moves.earlier.push(change);
                        }
                    }
                    *previous = Some(deal);
                }
            }
            for (id, (_, moves)) in from_snapshot_rows {
                if !moves.later.is_empty() || !moves.earlier.is_empty() {
                    by_record.insert(id, moves);
                }
            }
        }
        PushCounts {
            by_record,
            from_history,
            from_snapshots,
        }
    }

    fn pushes(&self, record_id: &str) -> usize {
        self.by_record
            .get(record_id)
            .map_or(0, |moves| moves.later.len())
    }

    fn source_words(&self) -> String {
        format!(
            "{} read from history rows, {} read from consecutive snapshots as the history has no close-date rows for {}",
            count(self.from_history, "deal", "deals"),
            count(self.from_snapshots, "deal", "deals"),
            if self.from_snapshots == 1 {
                "it"
            } else {
                "them"
            }
        )
    }

    /// How many open deals had their close date moved later, how often, and by how many days.
    fn team_insights(&self, context: &Context) -> Vec<Insight> {
        let current = context.current();
        let mut open = 0;
        let mut by_push_count: BTreeMap<usize, usize> = BTreeMap::new();
        let mut pushed_deals = 0;
        let mut moves = 0;
        let mut total_days = 0;
        let (mut open_rows, mut pushed_rows, mut move_rows) = (Vec::new(), Vec::new(), Vec::new());
        for deal in current.open_deals() {
            open += 1;
            // Every open deal is counted (most with no push): each one's close date is a row.
            open_rows.push(field_evidence(context, deal, "close_date"));
            let Some(deal_moves) = self.by_record.get(deal.opp.id.as_str()) else {
                continue;
            };
            if deal_moves.later.is_empty() {
                continue;
            }
            pushed_deals += 1;
            moves += deal_moves.later.len();
            *by_push_count.entry(deal_moves.later.len()).or_default() += 1;
            pushed_rows.push(field_evidence(context, deal, "close_date"));
            for change in &deal_moves.later {
                total_days += change.days();
                move_rows.extend(change.evidence(context));
            }
        }
        let breakdown: Vec<String> = by_push_count
            .iter()
            .map(|(pushes, deals)| format!("{} {}", count(*deals, "deal", "deals"), times(*pushes)))
            .collect();
        let population = Population {
            description: format!(
                "open deals of the snapshot of {} ({})",
                current.as_of,
                self.source_words()
            ),
            n: open,
            excluded: Vec::new(),
        };
        let pushed_population = Population {
            description: format!(
                "open deals of the snapshot of {} whose close date moved later at least once ({})",
                current.as_of,
                self.source_words()
            ),
            n: pushed_deals,
            excluded: Vec::new(),
        };
        open_rows.extend(move_rows.iter().cloned());
        pushed_rows.extend(move_rows);
        let breakdown_words = if breakdown.is_empty() {
            String::new()
        } else {
            format!(" By number of moves: {}.", breakdown.join(", "))
        };
        vec![
            Insight {
                key: "hygiene.pushed_deals.pipeline".into(),
                module: Module::Hygiene,
                measure: "pushed_deals".into(),
                subject: pipeline_subject(),
                value: Some(pushed_deals as f64),
                unit: Unit::Count,
                reference: None,
                period: None,
                population,
                formula: "count of open deals whose close date moved to a later date at least once (each move later counted, moves earlier not subtracted)".into(),
                text: format!(
                    "{pushed_deals} of {} had the close date moved later at least once ({} in all, +{} in total).{breakdown_words}",
                    count(open, "open deal", "open deals"),
                    count(moves, "move", "moves"),
                    days_text(total_days as f64)
                ),
                evidence: open_rows,
            },
            Insight {
                key: "hygiene.days_pushed.pipeline".into(),
                module: Module::Hygiene,
                measure: "days_pushed".into(),
                subject: pipeline_subject(),
                value: Some(total_days as f64),
                unit: Unit::Days,
                reference: None,
                period: None,
                population: pushed_population,
                formula: "sum over the open deals of (new close date − old close date) for every move of the close date to a later date".into(),
                text: format!(
                    "Close dates of open deals moved later by {} in total, over {} on {}.",
                    days_text(total_days as f64),
                    count(moves, "move", "moves"),
                    count(pushed_deals, "deal", "deals")
                ),
                evidence: pushed_rows,
            },
        ]
    }
}

// ---------------------------------------------------------------------------------------------
// Attention filters and the per-deal insights of their matches.

/// The attention filters with their matches (`with_insights` false, for the cockpit), or the
/// per-deal insights of the matches (`with_insights` true; the filters then carry no matches).
fn evaluate_filters(
    context: &Context,
    durations: &StageDurations,
    pushes: &PushCounts,
    with_insights: bool,
) -> (Vec<AttentionFilter>, Vec<Insight>) {
    let mut per_deal = Vec::new();
    let current = context.current();
    let settings = context.settings;

    // Days in stage above the setting's percentile of the stage's distribution.
    let percentile = settings.stage_age_percentile;
    let mut stage_matches = Vec::new();
    for age in &durations.open_ages {
        // The same condition as the per-deal insight, so the cockpit's count equals the list.
        if durations.status.lookup(age.stage) != DealStatus::Open {
            continue;
        }
        let Some(distribution) = durations.distribution(age.stage) else {
            continue;
        };
        let Some(threshold) = quantile_sorted(distribution.sorted, percentile / 100.0) else {
            continue;
        };
        if age.days as f64 <= threshold {
            continue;
        }
        if with_insights {
            per_deal.extend(
                durations.position_insight(context, &age.deal, age.stage, &age.entry, age.days),
            );
        } else {
            stage_matches.push(AttentionMatch {
                evidence: vec![
                    field_evidence(context, &age.deal, "stage"),
                    age.entry.evidence.clone(),
                ],
            });
        }
    }
    let stage_age = AttentionFilter {
        key: "stage_age",
        description: format!(
            "days in the current stage above the {} percentile of the team's days in that stage (stays that ended in {}; for a stage with none, the current days in stage of its open deals)",
            ordinal(percentile),
            durations.window.words()
        ),
        setting_name: "stage_age_percentile",
        setting_value: percentile,
        matches: stage_matches,
        excluded: durations.open_age_tally.population("").excluded,
    };

    // Close date before the as-of date.
    let mut close_matches = Vec::new();
    let mut close_tally = Tally::default();
    for deal in current.open_deals() {
        let Some(close_date) = deal.opp.close_date else {
            close_tally.exclude("no close date");
            continue;
        };
        close_tally.count();
        if close_date >= context.as_of {
            continue;
        }
        let days = (context.as_of - close_date).num_days();
        let evidence = vec![field_evidence(context, deal, "close_date")];
        if !with_insights {
            close_matches.push(AttentionMatch { evidence });
        } else {
            per_deal.push(Insight {
                key: format!("hygiene.close_date_past.{}", deal.opp.id),
                module: Module::Hygiene,
                measure: "close_date_past".into(),
                subject: record_subject(deal),
                value: Some(days as f64),
                unit: Unit::Days,
                reference: Some(Reference::Setting {
                    name: "close_date_before_as_of".into(),
                    value: 0.0,
                }),
                period: None,
                population: Population {
                    description: format!("this open deal in the snapshot of {}", deal.as_of),
                    n: 1,
                    excluded: Vec::new(),
                },
                formula: "as-of date − close date, in days, for an open deal".into(),
                text: format!(
                    "Open, with close date {close_date}: {} before the as-of date {}.",
                    days_text(days as f64),
                    context.as_of
                ),
                evidence,
            });
        }
    }
    let close_date_past = AttentionFilter {
        key: "close_date_past",
        description: format!(
            "open with a close date before the as-of date {}",
            context.as_of
        ),
        setting_name: "close_date_before_as_of",
        setting_value: 0.0,
        matches: close_matches,
        excluded: close_tally.population("").excluded,
    };

    // No activity for more than N days.
    let limit = settings.no_activity_days;
    let mut activity_matches = Vec::new();
    let mut activity_tally = Tally::default();
    for deal in current.open_deals() {
        let Some(last_activity) = deal.opp.last_activity_date else {
            activity_tally.exclude("no last activity date");
            continue;
        };
        activity_tally.count();
        let days = (context.as_of - last_activity).num_days();
        if days <= limit {
            continue;
        }
        let evidence = vec![field_evidence(context, deal, "last_activity_date")];
        if !with_insights {
            activity_matches.push(AttentionMatch { evidence });
        } else {
            per_deal.push(Insight {
                key: format!("hygiene.days_since_activity.{}", deal.opp.id),
                module: Module::Hygiene,
                measure: "days_since_activity".into(),
                subject: record_subject(deal),
                value: Some(days as f64),
                unit: Unit::Days,
                reference: Some(Reference::Setting {
                    name: "no_activity_days".into(),
                    value: limit as f64,
                }),
                period: None,
                population: Population {
                    description: format!("this open deal in the snapshot of {}", deal.as_of),
                    n: 1,
                    excluded: Vec::new(),
                },
                formula: "as-of date − last activity date, in days".into(),
                text: format!(
                    "Last activity on {last_activity}, {} before the as-of date {}; the filter lists open deals with more than {}.",
                    days_text(days as f64),
                    context.as_of,
                    days_text(limit as f64)
                ),
                evidence,
            });
        }
    }
    let no_activity = AttentionFilter {
        key: "no_activity",
        description: format!(
            "last activity more than {} before the as-of date {}",
            days_text(limit as f64),
            context.as_of
        ),
        setting_name: "no_activity_days",
        setting_value: limit as f64,
        matches: activity_matches,
        excluded: activity_tally.population("").excluded,
    };

    // Close date moved later at least N times.
    let at_least = settings.push_count_at_least;
    let mut push_matches = Vec::new();
    for deal in current.open_deals() {
        let n = pushes.pushes(&deal.opp.id);
        // A threshold of 0 would list every open deal, moved or not; a deal needs one push.
        if n == 0 || n < at_least as usize {
            continue;
        }
        let Some(moves) = pushes.by_record.get(deal.opp.id.as_str()) else {
            continue;
        };
        let mut evidence = vec![field_evidence(context, deal, "close_date")];
        let mut all_moves: Vec<&CloseDateMove> = moves.later.iter().chain(&moves.earlier).collect();
        all_moves.sort_by_key(|change| change.seen);
        for change in &all_moves {
            evidence.extend(change.evidence(context));
        }
        if with_insights {
            per_deal.push(push_insight(deal, moves, at_least, evidence));
        } else {
            push_matches.push(AttentionMatch { evidence });
        }
    }
    let pushes_filter = AttentionFilter {
        key: "pushes",
        description: format!(
            "close date moved to a later date at least {} (from close-date history rows; where the history has none for a deal, across consecutive snapshots)",
            times(at_least as usize)
        ),
        setting_name: "push_count_at_least",
        setting_value: f64::from(at_least),
        matches: push_matches,
        excluded: Vec::new(),
    };

    (
        vec![stage_age, close_date_past, no_activity, pushes_filter],
        per_deal,
    )
}

fn push_insight(
    deal: &Deal,
    moves: &DealMoves,
    at_least: u32,
    evidence: Vec<EvidenceRef>,
) -> Insight {
    let n = moves.later.len();
    let pushed_days: i64 = moves.later.iter().map(CloseDateMove::days).sum();
    let first = moves.later.iter().map(|change| change.seen).min();
    let since = match (moves.source, first) {
        (MoveSource::History, Some(first)) => format!(" since {first}"),
        (MoveSource::Snapshots, Some(first)) => format!(" between snapshots, first seen {first}"),
        (_, None) => String::new(),
    };
    let mut text = format!(
        "Close date moved later {}{since} (+{} in total).",
        times(n),
        days_text(pushed_days as f64)
    );
    if !moves.earlier.is_empty() {
        let pulled_days: i64 = moves.earlier.iter().map(|change| -change.days()).sum();
        text.push_str(&format!(
            " It also moved earlier {} (−{}); moves earlier are not subtracted from the count.",
            times(moves.earlier.len()),
            days_text(pulled_days as f64)
        ));
    }
    let source_words = match moves.source {
        MoveSource::History => "the deal's close-date history rows",
        MoveSource::Snapshots => {
            "consecutive snapshots showing the deal, as the history has no close-date rows for it (moves between two snapshots count once)"
        }
    };
    text.push_str(&format!(" Read from {source_words}."));
    Insight {
        key: format!("hygiene.push_count.{}", deal.opp.id),
        module: Module::Hygiene,
        measure: "push_count".into(),
        subject: record_subject(deal),
        value: Some(n as f64),
        unit: Unit::Count,
        reference: Some(Reference::Setting {
            name: "push_count_at_least".into(),
            value: f64::from(at_least),
        }),
        period: None,
        population: Population {
            description: format!("close-date moves of this open deal, from {source_words}"),
            n: n + moves.earlier.len(),
            excluded: Vec::new(),
        },
        formula: "count of changes of the close date to a later date; days = sum of (new close date − old close date) over those changes".into(),
        text,
        evidence,
    }
}

// ---------------------------------------------------------------------------------------------
// Team-level insights on the current snapshot.

/// Open deals with a close date before the as-of date: how many, and their amount.
fn close_date_past_insights(context: &Context) -> Vec<Insight> {
    let current = context.current();
    let mut counted = Tally::default();
    let mut amounts = Tally::default();
    let mut sum = 0.0;
    let mut open = 0;
    let mut evidence = Vec::new();
    for deal in current.open_deals() {
        open += 1;
        let Some(close_date) = deal.opp.close_date else {
            counted.exclude("no close date");
            continue;
        };
        if close_date >= context.as_of {
            continue;
        }
        counted.count();
        amounts.add_money(context.money(deal.opp), &mut sum);
        evidence.push(field_evidence(context, deal, "close_date"));
    }
    let n = counted.n;
    let description = format!(
        "open deals of the snapshot of {} with a close date before {}",
        current.as_of, context.as_of
    );
    let currency = context.currency.as_deref();
    let mut amount_population = amounts.population(description.clone());
    amount_population.add_excluded(counted.population("").excluded);
    vec![
        Insight {
            key: "hygiene.close_date_past_count.pipeline".into(),
            module: Module::Hygiene,
            measure: "close_date_past_count".into(),
            subject: pipeline_subject(),
            value: Some(n as f64),
            unit: Unit::Count,
            reference: Some(Reference::Setting {
                name: "close_date_before_as_of".into(),
                value: 0.0,
            }),
            period: None,
            population: counted.population(description.clone()),
            formula: "count of open deals whose close date is before the as-of date".into(),
            text: format!(
                "{n} of {} have a close date before the as-of date {}.",
                count(open, "open deal", "open deals"),
                context.as_of
            ),
            evidence: evidence.clone(),
        },
        Insight {
            key: "hygiene.close_date_past_amount.pipeline".into(),
            module: Module::Hygiene,
            measure: "close_date_past_amount".into(),
            subject: pipeline_subject(),
            value: Some(sum),
            unit: context.money_unit(),
            reference: None,
            period: None,
            population: amount_population,
            formula: "sum of amount over the open deals whose close date is before the as-of date"
                .into(),
            text: format!(
                "Open deals with a close date before {}: {} over {}.",
                context.as_of,
                money(sum, currency),
                count(amounts.n, "deal with an amount", "deals with an amount")
            ),
            evidence,
        },
    ]
}

/// The won and lost deals of the current snapshot closed within the window.
pub(super) struct ClosedDeals<'a, 'c> {
    pub(super) won: Vec<&'c Deal<'a>>,
    pub(super) lost: Vec<&'c Deal<'a>>,
    /// Closed deals left out, by reason.
    tally: Tally,
}

impl<'a, 'c> ClosedDeals<'a, 'c> {
    pub(super) fn new(context: &'c Context<'a>, window: &Window) -> ClosedDeals<'a, 'c> {
        let mut closed = ClosedDeals {
            won: Vec::new(),
            lost: Vec::new(),
            tally: Tally::default(),
        };
        for deal in &context.current().deals {
            if deal.opp.status == DealStatus::Open {
                continue;
            }
            match deal.opp.close_date {
                None => closed.tally.exclude("closed without a close date"),
                Some(date) if !window.contains(date) => closed.tally.exclude(format!(
                    "closed with a close date outside {}",
                    window.words()
                )),
                Some(_) if deal.opp.status == DealStatus::Won => closed.won.push(deal),
                Some(_) => closed.lost.push(deal),
            }
        }
        closed
    }

    /// Closed deals left out of `won` and `lost`, by reason.
    pub(super) fn excluded(&self) -> Vec<Exclusion> {
        self.tally.population("").excluded
    }
}

/// Win rate by count and by value over some won and lost deals (PRODUCT.md: won ÷ (won + lost);
/// won amount ÷ closed amount), with the deals left out of the amounts.
pub(super) struct WinRates {
    pub(super) won: usize,
    pub(super) lost: usize,
    pub(super) won_amount: f64,
    pub(super) lost_amount: f64,
    /// Won and lost deals whose amount counted, and those left out by reason.
    pub(super) won_tally: Tally,
    pub(super) lost_tally: Tally,
}

impl WinRates {
    pub(super) fn of(context: &Context, won: &[&Deal], lost: &[&Deal]) -> WinRates {
        let mut rates = WinRates {
            won: won.len(),
            lost: lost.len(),
            won_amount: 0.0,
            lost_amount: 0.0,
            won_tally: Tally::default(),
            lost_tally: Tally::default(),
        };
        for deal in won {
            rates
                .won_tally
                .add_money(context.money(deal.opp), &mut rates.won_amount);
        }
        for deal in lost {
            rates
                .lost_tally
                .add_money(context.money(deal.opp), &mut rates.lost_amount);
        }
        rates
    }

    /// won ÷ (won + lost); `None` when nothing closed.
    pub(super) fn count_rate(&self) -> Option<f64> {
        let closed = self.won + self.lost;
        (closed > 0).then(|| self.won as f64 / closed as f64)
    }

    pub(super) fn closed_amount(&self) -> f64 {
        self.won_amount + self.lost_amount
    }

    /// won amount ÷ closed amount; `None` when the closed amount is 0.
    pub(super) fn value_rate(&self) -> Option<f64> {
        let closed_amount = self.closed_amount();
        (closed_amount > 0.0).then(|| self.won_amount / closed_amount)
    }

    /// Deals whose amount counted in the value rate.
    pub(super) fn n_amounts(&self) -> usize {
        self.won_tally.n + self.lost_tally.n
    }

    /// The deals left out of the amounts (no amount, another currency), won and lost merged.
    pub(super) fn amount_exclusions(&self) -> Vec<Exclusion> {
        let mut population = self.won_tally.population("");
        population.add_excluded(self.lost_tally.population("").excluded);
        population.excluded
    }
}

/// Cycle lengths (close − created, in days) of some closed deals, with what was left out.
pub(super) struct Cycles {
    /// Sorted ascending.
    pub(super) days: Vec<f64>,
    pub(super) tally: Tally,
}

impl Cycles {
    pub(super) fn of<'x, 'a: 'x>(deals: impl Iterator<Item = &'x Deal<'a>>) -> Cycles {
        let mut cycles = Cycles {
            days: Vec::new(),
            tally: Tally::default(),
        };
        for deal in deals {
            let (Some(created), Some(closed)) = (deal.opp.created_date, deal.opp.close_date) else {
                cycles.tally.exclude("no created date");
                continue;
            };
            if created > closed {
                cycles.tally.exclude("created date after close date");
                continue;
            }
            cycles.tally.count();
            cycles.days.push((closed - created).num_days() as f64);
        }
        cycles.days.sort_by(f64::total_cmp);
        cycles
    }

    fn median(&self) -> Option<f64> {
        quantile_sorted(&self.days, 0.5)
    }

    fn mean(&self) -> Option<f64> {
        mean(&self.days)
    }
}

/// The rows behind cycle lengths: each deal's created-date and close-date cells.
pub(super) fn cycle_evidence<'x, 'a: 'x>(
    context: &Context,
    deals: impl Iterator<Item = &'x Deal<'a>>,
) -> Vec<EvidenceRef> {
    deals
        .flat_map(|deal| {
            [
                field_evidence(context, deal, "created_date"),
                field_evidence(context, deal, "close_date"),
            ]
        })
        .collect()
}

/// Win rate by count and by value, cycle length, and sales velocity.
fn closed_deal_insights(context: &Context, window: &Window) -> Vec<Insight> {
    let closed = ClosedDeals::new(context, window);
    let currency = context.currency.as_deref();
    let (won, lost) = (closed.won.len(), closed.lost.len());
    let closed_description = format!(
        "won and lost deals of the snapshot of {} with a close date in {}; \"no decision\" counts as lost where the export or mapping marks it lost, as Salesforce records it as Closed Lost",
        context.current().as_of,
        window.words()
    );
    let status_rows: Vec<EvidenceRef> = closed
        .won
        .iter()
        .chain(&closed.lost)
        .map(|deal| field_evidence(context, deal, "status"))
        .collect();
    let mut out = Vec::new();

    let rates = WinRates::of(context, &closed.won, &closed.lost);

    // Win rate by count.
    let win_rate = rates.count_rate();
    out.push(Insight {
        key: "hygiene.win_rate_count.team".into(),
        module: Module::Hygiene,
        measure: "win_rate_count".into(),
        subject: Subject::team(),
        value: win_rate,
        unit: Unit::Ratio,
        reference: None,
        period: Some(window.period()),
        population: Population {
            description: closed_description.clone(),
            n: won + lost,
            excluded: closed.excluded(),
        },
        formula: "won ÷ (won + lost); \"no decision\" counts as lost where the export or mapping marks it lost".into(),
        text: match win_rate {
            Some(rate) => format!(
                "Win rate {} by count ({won} won of {} closed in {}).",
                percent(rate),
                won + lost,
                window.words()
            ),
            None => format!(
                "Win rate by count is undefined: no deal closed won or lost in {}.",
                window.words()
            ),
        },
        evidence: status_rows.clone(),
    });

    // Win rate by value.
    let (won_amount, closed_amount) = (rates.won_amount, rates.closed_amount());
    let value_rate = rates.value_rate();
    let mut value_population = Population {
        description: closed_description.clone(),
        n: rates.n_amounts(),
        excluded: closed.excluded(),
    };
    value_population.add_excluded(rates.amount_exclusions());
    out.push(Insight {
        key: "hygiene.win_rate_value.team".into(),
        module: Module::Hygiene,
        measure: "win_rate_value".into(),
        subject: Subject::team(),
        value: value_rate,
        unit: Unit::Ratio,
        reference: None,
        period: Some(window.period()),
        population: value_population,
        formula: "won amount ÷ closed (won + lost) amount; \"no decision\" counts as lost where the export or mapping marks it lost".into(),
        text: match value_rate {
            Some(rate) => format!(
                "Win rate {} by value ({} won of {} closed in {}).",
                percent(rate),
                money(won_amount, currency),
                money(closed_amount, currency),
                window.words()
            ),
            None => format!(
                "Win rate by value is undefined: the closed amount in {} is {} (no won or lost deal with an amount in the reporting currency).",
                window.words(),
                money(closed_amount, currency)
            ),
        },
        evidence: closed
            .won
            .iter()
            .chain(&closed.lost)
            .map(|deal| field_evidence(context, deal, "amount"))
            .collect(),
    });

    // Cycle length: won only, then won + lost.
    let won_cycles = Cycles::of(closed.won.iter().copied());
    let all_cycles = Cycles::of(closed.won.iter().chain(&closed.lost).copied());
    for (measure, which, cycles, deals) in [
        (
            "cycle_length_won",
            "won deals",
            &won_cycles,
            closed.won.clone(),
        ),
        (
            "cycle_length_closed",
            "won and lost deals",
            &all_cycles,
            closed.won.iter().chain(&closed.lost).copied().collect(),
        ),
    ] {
        let mut population = cycles.tally.population(format!(
            "{which} of the snapshot of {} with a close date in {}{}",
            context.current().as_of,
            window.words(),
            if measure == "cycle_length_closed" {
                "; \"no decision\" counts as lost where the export or mapping marks it lost"
            } else {
                ""
            }
        ));
        population.add_excluded(closed.excluded());
        let text = match (cycles.median(), cycles.mean()) {
            (Some(median), Some(mean)) => format!(
                "Sales cycle of {which} closed in {}: median {}, mean {} (n = {}).",
                window.words(),
                days_text(median),
                days_text(mean),
                cycles.days.len()
            ),
            _ => format!(
                "Sales cycle of {which} is undefined: no {which} with a created date closed in {}.",
                window.words()
            ),
        };
        out.push(Insight {
            key: format!("hygiene.{measure}.team"),
            module: Module::Hygiene,
            measure: measure.into(),
            subject: Subject::team(),
            value: cycles.median(),
            unit: Unit::Days,
            reference: None,
            period: Some(window.period()),
            population,
            formula: "close date − created date in days, per deal; median and mean over the deals"
                .into(),
            text,
            evidence: cycle_evidence(context, deals.iter().copied()),
        });
    }

    out.push(velocity(
        context,
        window,
        &closed,
        win_rate,
        (rates.won_tally.n > 0).then(|| won_amount / rates.won_tally.n as f64),
        &rates.won_tally,
        &won_cycles,
    ));
    out
}

/// Sales velocity = (# open opportunities × average deal size × win rate) ÷ cycle length in days.
fn velocity(
    context: &Context,
    window: &Window,
    closed: &ClosedDeals,
    win_rate: Option<f64>,
    average_won: Option<f64>,
    won_tally: &Tally,
    won_cycles: &Cycles,
) -> Insight {
    let currency = context.currency.as_deref();
    let current = context.current();
    let open = current.open_deals().count();
    let cycle = won_cycles.mean();
    let mut missing = Vec::new();
    if win_rate.is_none() {
        missing.push("no deal closed won or lost in the window, so the win rate is undefined");
    }
    if average_won.is_none() {
        missing.push("no won deal in the window has an amount in the reporting currency");
    }
    match cycle {
        None => missing.push("no won deal in the window has a created date"),
        Some(days) if days <= 0.0 => {
            missing.push("the mean cycle length of won deals is 0 days, a division by zero")
        }
        Some(_) => {}
    }
    let value = match (win_rate, average_won, cycle) {
        (Some(rate), Some(size), Some(days)) if days > 0.0 => {
            Some(open as f64 * size * rate / days)
        }
        _ => None,
    };
    let factors = format!(
        "{} × average won deal size {} × win rate {} ÷ mean won cycle {}",
        count(open, "open deal", "open deals"),
        average_won.map_or("undefined".into(), |size| money(size, currency)),
        win_rate.map_or("undefined".into(), percent),
        cycle.map_or("undefined".into(), days_text)
    );
    let text = match value {
        Some(value) => format!(
            "Sales velocity {} per day = {factors} (closed deals from {}).",
            money(value, currency),
            window.words()
        ),
        None => format!(
            "Sales velocity is undefined: {}. Factors: {factors}.",
            missing.join("; ")
        ),
    };
    let mut population = Population {
        description: format!(
            "open deals of the snapshot of {} (the count), and won and lost deals of that snapshot with a close date in {} (average won deal size, win rate, cycle length; \"no decision\" counts as lost where the export or mapping marks it lost)",
            current.as_of,
            window.words()
        ),
        n: open + closed.won.len() + closed.lost.len(),
        excluded: closed.excluded(),
    };
    population.add_excluded(
        won_tally
            .population("")
            .excluded
            .into_iter()
            .map(|e| Exclusion {
                n: e.n,
                reason: format!("won deal left out of the average deal size: {}", e.reason),
            }),
    );
    population.add_excluded(
        won_cycles
            .tally
            .population("")
            .excluded
            .into_iter()
            .map(|e| Exclusion {
                n: e.n,
                reason: format!("won deal left out of the cycle length: {}", e.reason),
            }),
    );
    let evidence = current
        .open_deals()
        .map(|deal| field_evidence(context, deal, "status"))
        .chain(
            closed
                .won
                .iter()
                .chain(&closed.lost)
                .map(|deal| field_evidence(context, deal, "status")),
        )
        .collect();
    Insight {
        key: "hygiene.sales_velocity.team".into(),
        module: Module::Hygiene,
        measure: "sales_velocity".into(),
        subject: Subject::team(),
        value,
        unit: Unit::MoneyPerDay {
            currency: context.currency.clone(),
        },
        reference: None,
        period: Some(window.period()),
        population,
        formula: "(# open opportunities × average deal size × win rate) ÷ cycle length in days; average deal size = mean amount of won deals closed in the window; win rate = won ÷ (won + lost) by count; cycle length = mean (close date − created date) of those won deals".into(),
        text,
        evidence,
    }
}

/// The label of deals without a lead source.
pub(super) const NO_LEAD_SOURCE: &str = "(no lead source)";

/// The groups of a map keyed by an optional name, the named ones in name order and then the one
/// without a name (which a `BTreeMap` puts first).
pub(super) fn unnamed_last<K: Ord, V>(groups: BTreeMap<Option<K>, V>) -> Vec<(Option<K>, V)> {
    let mut ordered: Vec<(Option<K>, V)> = groups.into_iter().collect();
    let unnamed_first = ordered.first().is_some_and(|(name, _)| name.is_none());
    ordered.rotate_left(usize::from(unnamed_first));
    ordered
}

/// The deal's lead source, trimmed; `None` when empty.
pub(super) fn lead_source(opp: &Opportunity) -> Option<&str> {
    opp.lead_source
        .as_deref()
        .map(str::trim)
        .filter(|source| !source.is_empty())
}

/// Count and amount of the open pipeline per lead source.
fn lead_source_insights(context: &Context) -> Vec<Insight> {
    struct Source<'c, 'a> {
        deals: Vec<&'c Deal<'a>>,
        tally: Tally,
        amount: f64,
    }
    let current = context.current();
    let mut by_source: BTreeMap<Option<&str>, Source> = BTreeMap::new();
    let (mut open, mut total) = (0, 0.0);
    for deal in current.open_deals() {
        open += 1;
        let source = lead_source(deal.opp);
        let entry = by_source.entry(source).or_insert_with(|| Source {
            deals: Vec::new(),
            tally: Tally::default(),
            amount: 0.0,
        });
        entry.deals.push(deal);
        let before = entry.amount;
        entry
            .tally
            .add_money(context.money(deal.opp), &mut entry.amount);
        total += entry.amount - before;
    }
    let currency = context.currency.as_deref();
    // Named sources in name order, then the deals without one.
    unnamed_last(by_source)
        .into_iter()
        .map(|(source, group)| {
            let label = source.unwrap_or(NO_LEAD_SOURCE);
            let n = group.deals.len();
            let amount_share = if total > 0.0 {
                format!(" ({} of the {} counted)", percent(group.amount / total), money(total, currency))
            } else {
                String::new()
            };
            Insight {
                key: format!("hygiene.lead_source_mix.{label}"),
                module: Module::Hygiene,
                measure: "lead_source_mix".into(),
                subject: Subject {
                    kind: SubjectKind::LeadSource,
                    id: label.to_string(),
                    label: label.to_string(),
                },
                value: Some(group.amount),
                unit: context.money_unit(),
                reference: None,
                period: None,
                population: group.tally.population(format!(
                    "open deals of the snapshot of {} with lead source {label}",
                    current.as_of
                )),
                formula: "count of open deals with this lead source, and the sum of their amounts; shares of all open deals and of the amount counted over all of them".into(),
                text: format!(
                    "Lead source {label}: {} ({} of {}), {}{amount_share}.",
                    count(n, "open deal", "open deals"),
                    percent(n as f64 / open as f64),
                    open,
                    money(group.amount, currency)
                ),
                evidence: group
                    .deals
                    .iter()
                    .map(|deal| field_evidence(context, deal, "lead_source"))
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insight::{Dataset, HistoryLog, Settings};
    use crate::model::{HistoryEvent, Opportunity, Snapshot, SourceRef};

    fn opportunity(id: &str, stage: &str, status: DealStatus) -> Opportunity {
        Opportunity {
            id: id.into(),
            name: id.into(),
            stage: Some(stage.into()),
            status,
            source: SourceRef { line: 2 },
            ..Default::default()
        }
    }

    fn stage_row(id: &str, old: &str, new: &str, day: &str, line: u64) -> HistoryEvent {
        HistoryEvent {
            opportunity_id: id.into(),
            field: HistoryField::Stage,
            old_value: Some(old.into()),
            new_value: Some(new.into()),
            at: day
                .parse::<NaiveDate>()
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
            by: None,
            source: SourceRef { line },
        }
    }

    /// The record view's call gives the same insight as the per-deal insight of the stage-age
    /// filter, and one for a deal that does not match the filter too.
    #[test]
    fn stage_age_position_matches_the_filter_insight() {
        // Stays in Review: 4 and 6 days (p90 = 5.8). A has been in Review 10 days, B 5 days.
        let events = vec![
            stage_row("X", "Intro", "Review", "2026-10-01", 10),
            stage_row("X", "Review", "Closed Won", "2026-10-05", 11),
            stage_row("Y", "Intro", "Review", "2026-10-01", 12),
            stage_row("Y", "Review", "Closed Lost", "2026-10-07", 13),
            stage_row("A", "Intro", "Review", "2026-11-03", 14),
            stage_row("B", "Intro", "Review", "2026-11-08", 15),
        ];
        let dataset = Dataset {
            snapshots: vec![Snapshot {
                as_of: "2026-11-13".parse().unwrap(),
                source_file: "s.csv".into(),
                opportunities: vec![
                    opportunity("A", "Review", DealStatus::Open),
                    opportunity("B", "Review", DealStatus::Open),
                    opportunity("W", "Closed Won", DealStatus::Won),
                ],
            }],
            history: vec![HistoryLog {
                source_file: "h.csv".into(),
                events,
            }],
            users: Vec::new(),
            ..Dataset::default()
        };
        let settings = Settings::new("2026-11-13".parse().unwrap());
        let index = super::super::Index::new(&dataset);
        let context = Context::new(&index, &settings).unwrap();
        let deal = |id: &str| *context.current().get(id).unwrap();

        let a = stage_age_position(&context, &deal("A")).unwrap();
        let from_filter = insights(&context)
            .into_iter()
            .find(|insight| insight.key == "hygiene.days_in_stage.A")
            .unwrap();
        assert_eq!(a, from_filter);
        assert_eq!(a.value, Some(10.0));

        let b = stage_age_position(&context, &deal("B")).unwrap();
        assert_eq!(b.value, Some(5.0));
        let Some(Reference::Distribution {
            n, p50, percentile, ..
        }) = b.reference
        else {
            panic!("no distribution")
        };
        assert_eq!((n, p50, percentile), (2, 5.0, 50.0));
        // Won and lost stages have no distribution.
        assert!(stage_age_position(&context, &deal("W")).is_none());
        let filters = attention_filters(&context);
        assert_eq!(filters[0].key, "stage_age");
        let matched: Vec<&str> = filters[0]
            .matches
            .iter()
            .map(|m| m.evidence[0].record_id.as_str())
            .collect();
        assert_eq!(matched, ["A"]);
    }
}
