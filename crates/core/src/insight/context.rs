//! The data of one analysis, prepared once and shared by every module: the [`Index`] of a dataset
//! (snapshots merged by date, history grouped by record) cut at the as-of date, the fiscal period, the reporting currency, and the helpers that turn
//! a row into an [`EvidenceRef`] and a set of rows into a [`Population`].

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{
    AnalyzeError, Dataset, EvidenceRef, Exclusion, Inputs, Population, Settings, SnapshotInfo,
};
use crate::import::values::format_number;
use crate::model::{DealStatus, HistoryEvent, HistoryField, Opportunity, Text};

/// A fiscal quarter (or any span of whole days), both ends included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub label: String,
}

impl Period {
    /// The fiscal quarter containing `date`, for a fiscal year starting in `fiscal_year_start_month`.
    pub fn quarter_containing(date: NaiveDate, fiscal_year_start_month: u32) -> Period {
        let months_into_year = (date.month() + 12 - fiscal_year_start_month) % 12;
        let quarter = months_into_year / 3;
        let first_month_of_month = date.with_day(1).unwrap_or(date);
        let start = first_month_of_month - Months::new(months_into_year % 3);
        let end = start + Months::new(3) - chrono::Days::new(1);
        let fiscal_year_start = start - Months::new(quarter * 3);
        Period {
            start,
            end,
            label: format!(
                "Q{} of the fiscal year starting {} ({start} to {end})",
                quarter + 1,
                fiscal_year_start.format("%Y-%m")
            ),
        }
    }

    /// The quarter before this one.
    pub fn previous_quarter(&self, fiscal_year_start_month: u32) -> Period {
        Period::quarter_containing(self.start - chrono::Days::new(1), fiscal_year_start_month)
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }

    /// The 1-based week of the period `date` falls in (days 1–7 are week 1).
    pub fn week_of(&self, date: NaiveDate) -> u32 {
        ((date - self.start).num_days().max(0) / 7 + 1) as u32
    }
}

/// One deal of a snapshot, with the file it was read from.
#[derive(Debug, Clone, Copy)]
pub struct Deal<'a> {
    pub opp: &'a Opportunity,
    pub source_file: &'a Arc<str>,
    pub as_of: NaiveDate,
}

/// The opportunity list on one date (several files of the same date merged; a later file's row
/// replaces an earlier one with the same id).
#[derive(Debug, Clone)]
pub struct DatedSnapshot<'a> {
    pub as_of: NaiveDate,
    pub source_files: Vec<&'a str>,
    pub deals: Vec<Deal<'a>>,
    index: HashMap<&'a str, usize>,
}

impl<'a> DatedSnapshot<'a> {
    pub fn get(&self, id: &str) -> Option<&Deal<'a>> {
        self.index.get(id).map(|&deal_idx| &self.deals[deal_idx])
    }

    /// The position of a record in [`DatedSnapshot::deals`].
    pub fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    pub fn open_deals(&self) -> impl Iterator<Item = &Deal<'a>> {
        self.deals
            .iter()
            .filter(|deal| deal.opp.status == DealStatus::Open)
    }
}

/// One history event, with the file it was read from.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    pub event: &'a HistoryEvent,
    pub source_file: &'a Arc<str>,
}

/// How a deal's amount enters a money total in the reporting currency.
#[derive(Debug, Clone, PartialEq)]
pub enum Money {
    Counted(f64),
    NoAmount,
    OtherCurrency(String),
}

/// When a deal entered its current stage, and the rows that say so.
#[derive(Debug, Clone)]
pub struct StageEntry {
    pub date: NaiveDate,
    /// How the date was found, in words.
    pub basis: &'static str,
    pub evidence: EvidenceRef,
}

/// The as-of-independent preparation of a [`Dataset`]: snapshots merged by date and indexed by
/// record id, history grouped by record and sorted by time, owner names, stage ranks.
///
/// Built once when the data is loaded (the panel keeps it while the user changes settings);
/// [`analyze_indexed`](super::analyze_indexed) then runs in time proportional to what it reads.
pub struct Index<'a> {
    dataset: &'a Dataset,
    snapshots: Vec<DatedSnapshot<'a>>,
    history: HashMap<&'a str, Vec<Event<'a>>>,
    user_names: HashMap<&'a str, &'a str>,
    stage_ranks: HashMap<&'a str, f64>,
}

impl<'a> Index<'a> {
    /// The data the index was built from (the account, renewal and program tables are read
    /// from here as they are).
    pub fn dataset(&self) -> &'a Dataset {
        self.dataset
    }

    pub fn new(dataset: &'a Dataset) -> Index<'a> {
        let snapshots = merge_snapshots(dataset);
        let mut history: HashMap<&str, Vec<Event>> = HashMap::default();
        for log in &dataset.history {
            for event in &log.events {
                history
                    .entry(event.opportunity_id.as_str())
                    .or_default()
                    .push(Event {
                        event,
                        source_file: &log.source_file,
                    });
            }
        }
        for events in history.values_mut() {
            events.sort_by_key(|e| (e.event.at, e.event.source.line));
        }
        let user_names = dataset
            .users
            .iter()
            .filter_map(|user| Some((user.id.as_str(), user.name.as_deref()?)))
            .collect();
        let mut stage_ranks = stage_ranks(&snapshots);
        break_rank_ties(&mut stage_ranks, &history);
        Index {
            dataset,
            snapshots,
            history,
            user_names,
            stage_ranks,
        }
    }
}

/// Prepared data shared by the modules: the [`Index`] cut at the as-of date, with the settings.
pub struct Context<'a> {
    pub settings: &'a Settings,
    pub as_of: NaiveDate,
    pub period: Period,
    pub currency: Option<String>,
    /// Snapshots on or before the as-of date, oldest first; the last is current.
    pub snapshots: &'a [DatedSnapshot<'a>],
    index: &'a Index<'a>,
    history_events: usize,
    history_events_after_as_of: usize,
    /// The texts evidence rows quote for amounts, dates and statuses, written once per analysis.
    value_texts: RefCell<ValueTexts>,
}

/// Amounts, dates and statuses as evidence rows quote them. A deal's amount and dates repeat in every
/// snapshot that lists it, and a region's analysis quotes them in millions of rows: each distinct
/// value is written once and its text shared, rather than formatted and allocated per row.
#[derive(Default)]
struct ValueTexts {
    /// By the number's bits: `0` and `-0` are different texts.
    numbers: HashMap<u64, Text>,
    dates: HashMap<NaiveDate, Text>,
    /// Words Lens writes itself (a deal's status).
    words: HashMap<&'static str, Text>,
}

impl<'a> Context<'a> {
    /// The imported tables as they are (accounts, renewals, program data); modules that read
    /// them cut them at the as-of date themselves.
    pub fn dataset(&self) -> &'a Dataset {
        self.index.dataset()
    }

    pub fn new(index: &'a Index<'a>, settings: &'a Settings) -> Result<Context<'a>, AnalyzeError> {
        if !(1..=12).contains(&settings.fiscal_year_start_month) {
            return Err(AnalyzeError::Setting {
                name: "fiscal_year_start_month".into(),
                detail: format!("{} is not a month (1–12)", settings.fiscal_year_start_month),
            });
        }
        if !(0.0..=100.0).contains(&settings.stage_age_percentile) {
            return Err(AnalyzeError::Setting {
                name: "stage_age_percentile".into(),
                detail: format!(
                    "{} is not a percentile (0–100)",
                    settings.stage_age_percentile
                ),
            });
        }
        if let Some(plan) = settings.plan
            && !plan.is_finite()
        {
            return Err(AnalyzeError::Setting {
                name: "plan".into(),
                detail: format!("{plan} is not an amount"),
            });
        }
        if let Some(target) = settings
            .segment_targets
            .iter()
            .find(|target| !target.target.is_finite())
        {
            return Err(AnalyzeError::Setting {
                name: "segment_targets".into(),
                detail: format!(
                    "the target of {} ({}) is not an amount",
                    target.segment, target.target
                ),
            });
        }
        if !(settings.anomaly_k.is_finite() && settings.anomaly_k >= 0.0) {
            return Err(AnalyzeError::Setting {
                name: "anomaly_k".into(),
                detail: format!(
                    "{} is not a band width (a number, 0 or more)",
                    settings.anomaly_k
                ),
            });
        }
        let as_of = settings.as_of;
        let n_snapshots = index.snapshots.partition_point(|s| s.as_of <= as_of);
        if n_snapshots == 0 {
            return Err(AnalyzeError::NoSnapshot {
                as_of,
                earliest: index.snapshots.first().map(|s| s.as_of),
            });
        }
        let snapshots = &index.snapshots[..n_snapshots];
        let (mut history_events, mut history_events_after_as_of) = (0, 0);
        for events in index.history.values() {
            let n_before = events.partition_point(|e| e.event.at.date() <= as_of);
            history_events += n_before;
            history_events_after_as_of += events.len() - n_before;
        }
        let current = snapshots.last().expect("checked non-empty above");
        let currency = settings
            .currency
            .clone()
            .or_else(|| most_common_currency(current));
        Ok(Context {
            settings,
            as_of,
            period: Period::quarter_containing(as_of, settings.fiscal_year_start_month),
            currency,
            snapshots,
            index,
            history_events,
            history_events_after_as_of,
            value_texts: RefCell::default(),
        })
    }

    /// A number as evidence quotes it, exactly and without grouping (`15000`, `12.5`), as the
    /// import reads it back.
    pub fn number_text(&self, value: f64) -> Text {
        let mut texts = self.value_texts.borrow_mut();
        texts
            .numbers
            .entry(value.to_bits())
            .or_insert_with(|| Text::from(format_number(value)))
            .clone()
    }

    /// A date as evidence quotes it (`2026-11-13`).
    pub fn date_text(&self, date: NaiveDate) -> Text {
        let mut texts = self.value_texts.borrow_mut();
        texts
            .dates
            .entry(date)
            .or_insert_with(|| Text::from(date.to_string()))
            .clone()
    }

    /// A word Lens writes as a value (`won`).
    pub fn word_text(&self, word: &'static str) -> Text {
        let mut texts = self.value_texts.borrow_mut();
        texts
            .words
            .entry(word)
            .or_insert_with(|| Text::from(word))
            .clone()
    }

    /// A snapshot row as evidence of its status (`open`, `won`, `lost`).
    pub fn status_evidence(&self, deal: &Deal) -> EvidenceRef {
        let status = self.word_text(deal.opp.status.word());
        self.row_evidence(deal, Some("status"), Some(status))
    }

    /// A snapshot row as evidence of its amount.
    pub fn amount_evidence(&self, deal: &Deal) -> EvidenceRef {
        self.row_evidence(
            deal,
            Some("amount"),
            deal.opp.amount.map(|amount| self.number_text(amount)),
        )
    }

    /// A snapshot row as evidence of one of its dates.
    pub fn date_evidence(&self, deal: &Deal, field: &str, date: Option<NaiveDate>) -> EvidenceRef {
        self.row_evidence(deal, Some(field), date.map(|date| self.date_text(date)))
    }

    pub fn current(&self) -> &DatedSnapshot<'a> {
        self.snapshots
            .last()
            .expect("a context always has a snapshot")
    }

    pub fn previous(&self) -> Option<&DatedSnapshot<'a>> {
        self.snapshots
            .len()
            .checked_sub(2)
            .map(|i| &self.snapshots[i])
    }

    /// The events of one record, oldest first, up to the as-of date.
    pub fn history(&self, record_id: &str) -> &'a [Event<'a>] {
        match self.index.history.get(record_id) {
            Some(events) => self.up_to_as_of(events),
            None => &[],
        }
    }

    fn up_to_as_of(&self, events: &'a [Event<'a>]) -> &'a [Event<'a>] {
        &events[..events.partition_point(|e| e.event.at.date() <= self.as_of)]
    }

    pub fn has_history(&self) -> bool {
        self.history_events > 0
    }

    /// Every record with history, in no particular order.
    pub fn history_by_record(&self) -> impl Iterator<Item = (&'a str, &'a [Event<'a>])> + '_ {
        self.index
            .history
            .iter()
            .map(|(id, events)| (*id, self.up_to_as_of(events)))
            .filter(|(_, events)| !events.is_empty())
    }

    /// The position of a stage in the sales process: the export's or mapping's stage order where
    /// given, else the median probability of the deals in that stage across all snapshots (Salesforce
    /// and HubSpot stages carry a default probability that rises through the process), with stages of
    /// equal probability ordered by the moves between them in the history. `None` when neither is
    /// known, in which case a stage move has no direction.
    pub fn stage_rank(&self, stage: &str) -> Option<f64> {
        self.index.stage_ranks.get(stage).copied()
    }

    /// The owner's name: the export's value, or the user's name where the export has a user id.
    pub fn owner(&self, opp: &Opportunity) -> String {
        match opp.owner.as_deref() {
            Some(owner) => self
                .index
                .user_names
                .get(owner)
                .unwrap_or(&owner)
                .to_string(),
            None => "(no owner)".to_string(),
        }
    }

    /// The deal's amount as it enters totals in the reporting currency.
    ///
    /// A deal without a currency is taken to be in the reporting currency (single-currency orgs do
    /// not name it); a deal in another currency is left out, never converted.
    pub fn money(&self, opp: &Opportunity) -> Money {
        let Some(amount) = opp.amount else {
            return Money::NoAmount;
        };
        match (&opp.currency, &self.currency) {
            (Some(deal), Some(reporting)) if deal != reporting => {
                Money::OtherCurrency(deal.to_string())
            }
            _ => Money::Counted(amount),
        }
    }

    /// The unit of money totals: the reporting currency.
    pub fn money_unit(&self) -> super::Unit {
        super::Unit::Money {
            currency: self.currency.clone(),
        }
    }

    /// A snapshot row as evidence, optionally naming one field and its value.
    pub fn row_evidence(
        &self,
        deal: &Deal,
        field: Option<&str>,
        value: Option<impl Into<Text>>,
    ) -> EvidenceRef {
        EvidenceRef {
            record_id: deal.opp.id.clone(),
            field: field.map(field_name),
            old_value: None,
            new_value: value.map(Into::into),
            at: None,
            as_of: Some(deal.as_of),
            source_file: Arc::clone(deal.source_file),
            line: deal.opp.source.line,
        }
    }

    /// A history row as evidence.
    pub fn event_evidence(&self, event: &Event) -> EvidenceRef {
        EvidenceRef {
            record_id: event.event.opportunity_id.clone(),
            field: Some(field_key(&event.event.field)),
            old_value: event.event.old_value.clone(),
            new_value: event.event.new_value.clone(),
            at: Some(event.event.at),
            as_of: None,
            source_file: Arc::clone(event.source_file),
            line: event.event.source.line,
        }
    }

    /// When the deal entered its current stage: the export's stage-entry date, else the last
    /// history event that set the current stage (a stage row, or the creation row naming it), else the first of the consecutive snapshots
    /// (ending with this one) that show the deal in this stage.
    pub fn stage_entry(&self, deal: &Deal) -> Option<StageEntry> {
        let stage = deal.opp.stage.as_deref()?;
        if let Some(date) = deal.opp.stage_entered_date {
            return Some(StageEntry {
                date,
                basis: "the export's stage entry date",
                evidence: self.date_evidence(deal, "stage_entered_date", Some(date)),
            });
        }
        let from_history = self.history(&deal.opp.id).iter().rev().find(|e| {
            // A deal that never changed stage entered it when it was created.
            matches!(e.event.field, HistoryField::Stage | HistoryField::Created)
                && e.event.new_value.as_deref() == Some(stage)
        });
        if let Some(event) = from_history {
            return Some(StageEntry {
                date: event.event.at.date(),
                basis: "the history row that set the current stage",
                evidence: self.event_evidence(event),
            });
        }
        let mut first = None;
        let mut left_the_stage = false;
        for snapshot in self.snapshots.iter().rev() {
            match snapshot.get(&deal.opp.id) {
                Some(earlier) if earlier.opp.stage.as_deref() == Some(stage) => {
                    first = Some(*earlier)
                }
                _ => {
                    left_the_stage = true;
                    break;
                }
            }
        }
        // In this stage in every snapshot back to the oldest: when it entered is not known.
        if !left_the_stage {
            return None;
        }
        let first = first?;
        Some(StageEntry {
            date: first.as_of,
            basis: "the first snapshot showing the deal in its current stage",
            evidence: self.row_evidence(&first, Some("stage"), Some(stage.to_string())),
        })
    }

    pub fn inputs(&self) -> Inputs {
        let infos: Vec<SnapshotInfo> = self.snapshots.iter().map(snapshot_info).collect();
        Inputs {
            current: snapshot_info(self.current()),
            previous: self.previous().map(snapshot_info),
            snapshots: infos,
            history_events: self.history_events,
            history_events_after_as_of: self.history_events_after_as_of,
        }
    }
}

/// The machine key of a history field, as used in evidence (`stage`, `close_date`, …).
/// A field's name for an evidence row: the names of the opportunity fields Lens reads are not
/// copied (an analysis names them in hundreds of thousands of rows); other names are.
pub fn field_name(name: &str) -> Cow<'static, str> {
    let known = match name {
        "id" => "id",
        "name" => "name",
        "account" => "account",
        "owner" => "owner",
        "stage" => "stage",
        "status" => "status",
        "amount" => "amount",
        "currency" => "currency",
        "close_date" => "close_date",
        "created_date" => "created_date",
        "created" => "created",
        "probability" => "probability",
        "forecast_category" => "forecast_category",
        "next_step" => "next_step",
        "last_activity_date" => "last_activity_date",
        "stage_entered_date" => "stage_entered_date",
        "segment" => "segment",
        "lead_source" => "lead_source",
        "type" => "type",
        _ => return Cow::Owned(name.to_string()),
    };
    Cow::Borrowed(known)
}

pub fn field_key(field: &HistoryField) -> Cow<'static, str> {
    match field {
        HistoryField::Created => "created".into(),
        HistoryField::Stage => "stage".into(),
        HistoryField::Amount => "amount".into(),
        HistoryField::CloseDate => "close_date".into(),
        HistoryField::ForecastCategory => "forecast_category".into(),
        HistoryField::Probability => "probability".into(),
        HistoryField::Other(name) => name.clone().into(),
    }
}

/// Counts what enters a population and what is left out, by reason.
#[derive(Debug, Default)]
pub struct Tally {
    pub n: usize,
    excluded: BTreeMap<String, usize>,
}

impl Tally {
    pub fn count(&mut self) {
        self.n += 1;
    }

    pub fn exclude(&mut self, reason: impl Into<String>) {
        *self.excluded.entry(reason.into()).or_default() += 1;
    }

    /// Counts a deal's amount in `sum` or records why it is left out.
    pub fn add_money(&mut self, money: Money, sum: &mut f64) {
        match money {
            Money::Counted(amount) => {
                self.n += 1;
                *sum += amount;
            }
            Money::NoAmount => self.exclude("no amount"),
            Money::OtherCurrency(currency) => self.exclude(format!(
                "amount in {currency}, not the reporting currency (currencies are never added)"
            )),
        }
    }

    pub fn population(&self, description: impl Into<String>) -> Population {
        Population {
            description: description.into(),
            n: self.n,
            excluded: self
                .excluded
                .iter()
                .map(|(reason, &n)| Exclusion {
                    n,
                    reason: reason.clone(),
                })
                .collect(),
        }
    }
}

fn snapshot_info(snapshot: &DatedSnapshot) -> SnapshotInfo {
    SnapshotInfo {
        as_of: snapshot.as_of,
        source_files: snapshot
            .source_files
            .iter()
            .map(|f| f.to_string())
            .collect(),
        opportunities: snapshot.deals.len(),
    }
}

fn merge_snapshots(dataset: &Dataset) -> Vec<DatedSnapshot<'_>> {
    let mut by_date: BTreeMap<NaiveDate, DatedSnapshot> = BTreeMap::new();
    for snapshot in &dataset.snapshots {
        let dated = by_date
            .entry(snapshot.as_of)
            .or_insert_with(|| DatedSnapshot {
                as_of: snapshot.as_of,
                source_files: Vec::new(),
                deals: Vec::new(),
                index: HashMap::default(),
            });
        dated.source_files.push(&snapshot.source_file);
        for opp in &snapshot.opportunities {
            let deal = Deal {
                opp,
                source_file: &snapshot.source_file,
                as_of: snapshot.as_of,
            };
            match dated.index.get(opp.id.as_str()) {
                Some(&deal_idx) => dated.deals[deal_idx] = deal,
                None => {
                    dated.index.insert(&opp.id, dated.deals.len());
                    dated.deals.push(deal);
                }
            }
        }
    }
    by_date.into_values().collect()
}

fn stage_ranks<'a>(snapshots: &[DatedSnapshot<'a>]) -> HashMap<&'a str, f64> {
    let mut orders: HashMap<&str, u32> = HashMap::default();
    // Probabilities repeat (each stage has a handful of values): count them rather than keep millions.
    let mut probability_counts: HashMap<(&str, u64), usize> = HashMap::default();
    for deal in snapshots.iter().flat_map(|s| &s.deals) {
        let Some(stage) = deal.opp.stage.as_deref() else {
            continue;
        };
        if let Some(order) = deal.opp.stage_order {
            orders.insert(stage, order);
        }
        if let Some(probability) = deal.opp.probability {
            *probability_counts
                .entry((stage, probability.to_bits()))
                .or_default() += 1;
        }
    }
    if !orders.is_empty() {
        return orders
            .into_iter()
            .map(|(stage, order)| (stage, f64::from(order)))
            .collect();
    }
    let mut by_stage: HashMap<&str, Vec<(f64, usize)>> = HashMap::default();
    for ((stage, bits), n) in probability_counts {
        by_stage
            .entry(stage)
            .or_default()
            .push((f64::from_bits(bits), n));
    }
    by_stage
        .into_iter()
        .map(|(stage, mut values)| {
            values.sort_by(|a, b| a.0.total_cmp(&b.0));
            (stage, weighted_median(&values))
        })
        .collect()
}

/// Orders stages that share a rank (Salesforce gives Prospecting and Qualification the same 10%
/// probability) by the moves the history records between them: within a group of equal ranks, a
/// stage goes before another when more deals moved from it to the other than back. The ranks stay
/// within their group (a tie is split by at most a thousandth), so no other order changes.
fn break_rank_ties<'a>(
    ranks: &mut HashMap<&'a str, f64>,
    history: &HashMap<&'a str, Vec<Event<'a>>>,
) {
    let mut groups: BTreeMap<u64, Vec<&'a str>> = BTreeMap::new();
    for (stage, rank) in ranks.iter() {
        groups.entry(rank.to_bits()).or_default().push(stage);
    }
    groups.retain(|_, stages| stages.len() > 1);
    if groups.is_empty() {
        return;
    }
    let mut moves: HashMap<(&str, &str), i64> = HashMap::default();
    for event in history.values().flatten() {
        let event = event.event;
        if event.field != HistoryField::Stage {
            continue;
        }
        if let (Some(from), Some(to)) = (event.old_value.as_deref(), event.new_value.as_deref())
            && ranks.get(from).is_some_and(|r| Some(r) == ranks.get(to))
            && from != to
        {
            *moves.entry((from, to)).or_default() += 1;
        }
    }
    for (bits, mut stages) in groups {
        stages.sort_unstable();
        // A stage's score: how many others in its group it leads (more moves out to them than back).
        let score = |stage: &str| {
            stages
                .iter()
                .filter(|&&other| {
                    let forward = moves.get(&(stage, other)).copied().unwrap_or(0);
                    let back = moves.get(&(other, stage)).copied().unwrap_or(0);
                    forward > back
                })
                .count()
        };
        let mut scored: Vec<(usize, &str)> = stages.iter().map(|&s| (score(s), s)).collect();
        // Most leading first; equal scores keep alphabetical order and stay tied.
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        let base = f64::from_bits(bits);
        let n = scored.len();
        let mut position = 0;
        for (i, (stage_score, stage)) in scored.iter().enumerate() {
            if i > 0 && *stage_score != scored[i - 1].0 {
                position = i;
            }
            ranks.insert(stage, base + (position as f64) / (n as f64 * 1000.0));
        }
    }
}

/// The median of values given with their counts (the lower middle value for an even total, as the
/// rank only needs an order).
fn weighted_median(sorted_counts: &[(f64, usize)]) -> f64 {
    let total: usize = sorted_counts.iter().map(|(_, n)| n).sum();
    let mut seen = 0;
    for &(value, n) in sorted_counts {
        seen += n;
        if seen * 2 >= total {
            return value;
        }
    }
    sorted_counts.last().map_or(0.0, |(value, _)| *value)
}

fn most_common_currency(snapshot: &DatedSnapshot) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for deal in &snapshot.deals {
        if let Some(currency) = deal.opp.currency.as_deref() {
            *counts.entry(currency).or_default() += 1;
        }
    }
    // Most deals first; ties go to the alphabetically first code (BTreeMap order, max_by keeps the last max).
    counts
        .into_iter()
        .rev()
        .max_by_key(|&(_, n)| n)
        .map(|(currency, _)| currency.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn equal_probabilities_are_ordered_by_the_moves_between_them() {
        use crate::insight::{Dataset, HistoryLog};
        use crate::model::{HistoryEvent, Opportunity, Snapshot, SourceRef};
        let opp = |id: &str, stage: &str, probability: f64| Opportunity {
            id: id.into(),
            name: id.into(),
            stage: Some(stage.into()),
            status: DealStatus::Open,
            probability: Some(probability),
            source: SourceRef { line: 2 },
            ..Default::default()
        };
        let stage_move = |id: &str, from: &str, to: &str| HistoryEvent {
            opportunity_id: id.into(),
            field: HistoryField::Stage,
            old_value: Some(from.into()),
            new_value: Some(to.into()),
            at: date("2026-11-01").and_hms_opt(9, 0, 0).unwrap(),
            by: None,
            source: SourceRef { line: 2 },
        };
        let dataset = Dataset {
            snapshots: vec![Snapshot {
                as_of: date("2026-11-13"),
                source_file: "s.csv".into(),
                opportunities: vec![
                    opp("a", "Prospecting", 10.0),
                    opp("b", "Qualification", 10.0),
                    opp("c", "Needs Analysis", 20.0),
                    opp("d", "Discovery", 20.0),
                ],
            }],
            history: vec![HistoryLog {
                source_file: "h.csv".into(),
                events: vec![
                    stage_move("a", "Prospecting", "Qualification"),
                    stage_move("b", "Prospecting", "Qualification"),
                    stage_move("b", "Qualification", "Prospecting"),
                    stage_move("e", "Qualification", "Prospecting"),
                    stage_move("f", "Prospecting", "Qualification"),
                ],
            }],
            users: Vec::new(),
            ..Dataset::default()
        };
        let index = Index::new(&dataset);
        let settings = Settings::new(date("2026-11-13"));
        let context = Context::new(&index, &settings).unwrap();
        let rank = |stage| context.stage_rank(stage).unwrap();
        assert!(rank("Prospecting") < rank("Qualification"));
        assert!(rank("Qualification") < rank("Needs Analysis"));
        // No moves between them: still tied.
        assert_eq!(rank("Needs Analysis"), rank("Discovery"));
    }

    #[test]
    fn evidence_quotes_amounts_and_dates_exactly_and_shares_each_text() {
        use crate::model::{Opportunity, Snapshot, SourceRef};
        let opp = |id: &str, amount: f64| Opportunity {
            id: id.into(),
            name: id.into(),
            amount: Some(amount),
            close_date: Some(date("2026-12-31")),
            status: DealStatus::Won,
            source: SourceRef { line: 2 },
            ..Default::default()
        };
        let snapshot = |as_of: &str| Snapshot {
            as_of: date(as_of),
            source_file: format!("{as_of}.csv").into(),
            opportunities: vec![opp("a", 1234.56), opp("b", 15000.0), opp("c", -0.0)],
        };
        let dataset = Dataset {
            snapshots: vec![snapshot("2026-11-06"), snapshot("2026-11-13")],
            ..Dataset::default()
        };
        let index = Index::new(&dataset);
        let settings = Settings::new(date("2026-11-13"));
        let context = Context::new(&index, &settings).unwrap();
        let quoted = |snapshot: usize, row: usize| {
            let deal = &context.snapshots[snapshot].deals[row];
            let amount = context.amount_evidence(deal);
            let close = context.date_evidence(deal, "close_date", deal.opp.close_date);
            let status = context.status_evidence(deal);
            assert_eq!(amount.field.as_deref(), Some("amount"));
            assert_eq!(close.field.as_deref(), Some("close_date"));
            assert_eq!(status.field.as_deref(), Some("status"));
            [amount, close, status].map(|row| row.new_value.expect("a value"))
        };
        let row = |id: &str| {
            context.snapshots[0]
                .deals
                .iter()
                .position(|deal| deal.opp.id == id)
                .unwrap()
        };
        let (a, b, c) = (row("a"), row("b"), row("c"));
        let texts = |row| quoted(0, row).map(|text| text.to_string());
        // Not rounded (a rendered number would read 1234.6), and as the import reads it back.
        assert_eq!(texts(a), ["1234.56", "2026-12-31", "won"]);
        assert_eq!(texts(b), ["15000", "2026-12-31", "won"]);
        assert_eq!(texts(c)[0], "-0");
        // The same value in another snapshot is the same text, not another copy.
        let [earlier, later] = [quoted(0, a), quoted(1, a)];
        for (earlier, later) in earlier.iter().zip(&later) {
            assert!(std::ptr::eq(earlier.as_str(), later.as_str()));
        }
    }

    #[test]
    fn fiscal_quarters() {
        let q = Period::quarter_containing(date("2026-11-20"), 1);
        assert_eq!((q.start, q.end), (date("2026-10-01"), date("2026-12-31")));
        assert!(
            q.label
                .starts_with("Q4 of the fiscal year starting 2026-01")
        );
        let q = Period::quarter_containing(date("2026-11-20"), 2);
        assert_eq!((q.start, q.end), (date("2026-11-01"), date("2027-01-31")));
        assert!(
            q.label
                .starts_with("Q4 of the fiscal year starting 2026-02")
        );
        let q = Period::quarter_containing(date("2026-01-15"), 2);
        assert_eq!((q.start, q.end), (date("2025-11-01"), date("2026-01-31")));
        assert!(
            q.label
                .starts_with("Q4 of the fiscal year starting 2025-02")
        );
        let q = Period::quarter_containing(date("2026-02-01"), 2);
        assert!(
            q.label
                .starts_with("Q1 of the fiscal year starting 2026-02")
        );
        assert_eq!(q.previous_quarter(2).start, date("2025-11-01"));
        assert_eq!(q.week_of(date("2026-02-07")), 1);
        assert_eq!(q.week_of(date("2026-02-08")), 2);
    }
}
