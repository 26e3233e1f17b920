//! Module 2, forecast and inspection: roll-ups by forecast category, rep and quarter; the change
//! ledger over the quarter to date; changes that reversed inside that window (from history); and
//! the accuracy of past forecast calls (WAPE and signed bias by rep and by week of quarter).
//!
//! Definitions, in the order the insights are emitted:
//!
//! - **Roll-ups** (`rollup_<category>`, `rollup_closed_won`): for the current fiscal quarter
//!   ([`Context::period`]) and the quarter after it, per rep ([`Context::owner`]) and per forecast
//!   category as the export states it (Pipeline, Best Case, Commit, Omitted, any other value
//!   verbatim, and "no category"), the sum of amount and the count of the *open* deals of the
//!   current snapshot whose close date lies in that quarter. Closed won (won deals of the current
//!   snapshot with a close date in the current quarter) is one more cell per rep. The same cells
//!   are summed over the whole team. One insight per cell holding at least one deal. Amounts go
//!   through [`Context::money`]: a deal without an amount or in another currency is left out of the
//!   sum and listed as an exclusion, never converted.
//! - **Change ledger** (`ledger_<kind>`): [`ledger`] between a base snapshot and the current one,
//!   one record-level insight per change, with the two rows it was read from. The base is the
//!   latest snapshot on or before `Settings::ledger_from` when set, else the latest snapshot on or
//!   before the first day of the current quarter (the quarter to date); when no snapshot is dated
//!   that early, the oldest snapshot. When the base would be the current snapshot there is no
//!   ledger (and no reversal window). The kinds are defined in `ledger.rs`; "the period" there is
//!   the current quarter. Value: days moved for close-date changes, the change of amount for
//!   amount changes, else the deal's amount (undefined outside the reporting currency).
//! - **Reversed changes** (`reversed_<field>`): inside the window (base date, current snapshot
//!   date] — history rows dated after the base snapshot's date, up to and including the current
//!   snapshot's date — a record's stage, amount, close date or forecast category is *reversed*
//!   when at least one row of that field inside the window changes its value and the value at the
//!   end of the window (the new value of the field's last row in the window) equals the value at
//!   its start (the old value of its first row in the window). Amounts are compared as numbers and
//!   close dates as dates; an empty value equals only an empty value. One insight per (record,
//!   field), evidence = every history row of that field inside the window.
//! - **Forecast accuracy** (`forecast_wape_commit`, `forecast_bias_commit`,
//!   `forecast_wape_commit_best_case`, `forecast_bias_commit_best_case`): the quarters counted are
//!   the fiscal quarters that ended on or before the as-of date and have at least one snapshot
//!   dated inside them. Each snapshot `s` dated inside such a quarter `Q` is one *call*:
//!   - the call of a rep in `s` for `Q` = the amount of the rep's won deals in `s` with a close date
//!     in `Q` + the amount of the rep's open Commit deals in `s` with a close date in `Q`; the
//!     second variant adds the rep's open Best Case deals in `s` with a close date in `Q`;
//!   - the actual of a rep for `Q` = the amount of the rep's won deals with a close date in `Q` in
//!     the first snapshot dated after `Q`'s last day, or in the current snapshot when there is none;
//!   - per rep, over every (snapshot, quarter) pair in which the rep has at least one row in the
//!     call or in the actual: WAPE = Σ|actual − call| ÷ Σ|actual| and signed bias =
//!     Σ(call − actual) ÷ Σ actual (PRODUCT.md metric definitions). Both are undefined (value
//!     `None`, the text says why) when the denominator is 0;
//!   - per week of the quarter ([`Period::week_of`] of the snapshot's date), over every pair whose
//!     snapshot falls in that week, the same two ratios for the team: the call and the actual
//!     summed over all reps before the differences are taken.
//!
//!   Each pair weighs the actual once, so a quarter with more snapshots counts more. Amounts pass
//!   through [`Context::money`]; the rows left out are counted as deal rows (a deal left out of
//!   three calls counts three times, and once more if it is left out of the actual). Evidence = the
//!   won rows that make up the actuals (once per quarter) and the Commit rows (and, for the second
//!   variant, the Best Case rows) of every call. The won rows of a call are not listed: they are
//!   mostly the same deals as the actual's won rows, and listing them would add one row per won
//!   deal per snapshot. Reps are listed by name, never ranked.
//!
//! Computation: the roll-ups read the current snapshot once; the accuracy reads each snapshot inside
//! a counted quarter once, plus one snapshot per quarter for its actual; the reversals read each
//! record's history once (binary search for the window on its sorted events).

use std::collections::{BTreeMap, BTreeSet};

// Fx hashing: the keys are owner values, rep indexes and insight keys Lens reads from the user's
// own exports, and SipHash (resistant to crafted keys) took 1.4% of the analysis's instructions.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use chrono::{Days, NaiveDate};

use super::context::{Context, DatedSnapshot, Deal, Event, Money, Period};
use super::ledger::{Change, ChangeKind, ledger};
use super::render::{count, grouped, money, percent, signed_percent};
use super::{EvidenceRef, Exclusion, Insight, Module, Population, Subject, SubjectKind, Unit};
use crate::model::{DealStatus, ForecastCategory, HistoryField, Opportunity, Text};

/// The module's insights; `accuracy` is [`accuracy_tables`] of the same context, built once per
/// analysis and shared with the coaching view.
pub(super) fn insights(context: &Context, accuracy: &AccuracyTables) -> Vec<Insight> {
    let mut out = rollups(context);
    if let Some(base) = ledger_base(context) {
        out.extend(ledger_insights(context, base));
        out.extend(reversals(context, base));
    }
    out.extend(accuracy_insights_all(context, accuracy));
    make_keys_unique(&mut out);
    out
}

// ---------------------------------------------------------------------------------------------
// Shared helpers.

/// Rep names, interned: deals carry the export's owner value (a name or a user id); the name is
/// looked up once per distinct value, and two values naming the same person share one index.
pub(super) struct Reps<'c, 'a> {
    context: &'c Context<'a>,
    by_owner_value: HashMap<Option<&'a str>, usize>,
    by_name: HashMap<String, usize>,
    names: Vec<String>,
}

impl<'c, 'a> Reps<'c, 'a> {
    pub(super) fn new(context: &'c Context<'a>) -> Self {
        Reps {
            context,
            by_owner_value: HashMap::default(),
            by_name: HashMap::default(),
            names: Vec::new(),
        }
    }

    pub(super) fn index(&mut self, opp: &'a Opportunity) -> usize {
        let owner_value = opp.owner.as_deref();
        if let Some(&rep) = self.by_owner_value.get(&owner_value) {
            return rep;
        }
        let name = self.context.owner(opp);
        let rep = self.index_of_name(name);
        self.by_owner_value.insert(owner_value, rep);
        rep
    }

    /// The index of the rep with this name, added when new.
    pub(super) fn index_of_name(&mut self, name: String) -> usize {
        let next = self.names.len();
        let rep = *self.by_name.entry(name.clone()).or_insert(next);
        if rep == next {
            self.names.push(name);
        }
        rep
    }

    pub(super) fn name(&self, rep: usize) -> &str {
        &self.names[rep]
    }

    /// Every rep index, ordered by name (reps are listed by name, never ranked).
    pub(super) fn by_name_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.names.len()).collect();
        order.sort_by(|a, b| self.names[*a].cmp(&self.names[*b]));
        order
    }
}

/// A deal's amount in the reporting currency, or why it is left out (the same reasons as
/// [`super::context::Tally::add_money`], so populations read alike across modules).
fn counted_amount(context: &Context, opp: &Opportunity) -> Result<f64, String> {
    match context.money(opp) {
        Money::Counted(amount) => Ok(amount),
        Money::NoAmount => Err("no amount".to_string()),
        Money::OtherCurrency(currency) => Err(format!(
            "amount in {currency}, not the reporting currency (currencies are never added)"
        )),
    }
}

/// Rows left out of a total, by reason.
#[derive(Debug, Default, Clone)]
struct LeftOut(BTreeMap<String, usize>);

impl LeftOut {
    fn add(&mut self, reason: String) {
        *self.0.entry(reason).or_default() += 1;
    }

    fn merge(&mut self, other: &LeftOut) {
        for (reason, n) in &other.0 {
            *self.0.entry(reason.clone()).or_default() += n;
        }
    }

    fn total(&self) -> usize {
        self.0.values().sum()
    }

    fn exclusions(&self) -> Vec<Exclusion> {
        self.0
            .iter()
            .map(|(reason, &n)| Exclusion {
                n,
                reason: reason.clone(),
            })
            .collect()
    }

    /// " Left out: 1 deal — no amount." or nothing.
    fn sentence(&self, unit: (&str, &str)) -> String {
        if self.0.is_empty() {
            return String::new();
        }
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(reason, &n)| format!("{} — {reason}", count(n, unit.0, unit.1)))
            .collect();
        format!(" Left out: {}.", parts.join("; "))
    }
}

fn next_quarter(period: &Period, fiscal_year_start_month: u32) -> Period {
    Period::quarter_containing(period.end + Days::new(1), fiscal_year_start_month)
}

/// `Upside (manual)` → `upside_manual`: a machine key made of lower-case letters, digits and `_`.
fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

pub(super) fn rep_subject(name: &str) -> Subject {
    Subject {
        kind: SubjectKind::Rep,
        id: name.to_string(),
        label: name.to_string(),
    }
}

/// Keys are built from names and values found in the data, so two of them can coincide (a rep
/// called "all", two category values with the same slug); a numeric suffix keeps each one unique.
pub(super) fn make_keys_unique(insights: &mut [Insight]) {
    let mut seen: HashSet<String> =
        HashSet::with_capacity_and_hasher(insights.len(), Default::default());
    for insight in insights.iter_mut() {
        if seen.insert(insight.key.clone()) {
            continue;
        }
        let mut suffix = 2;
        loop {
            let candidate = format!("{}~{suffix}", insight.key);
            if seen.insert(candidate.clone()) {
                insight.key = candidate;
                break;
            }
            suffix += 1;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Roll-ups by forecast category × rep × quarter.

/// One column of the roll-up. The derived order (categories in [`ForecastCategory`] order, then
/// "no category", then closed won) is the order of the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Bucket<'a> {
    Category(&'a ForecastCategory),
    NoCategory,
    ClosedWon,
}

impl Bucket<'_> {
    fn measure(self) -> String {
        let name = match self {
            Bucket::Category(ForecastCategory::Pipeline) => "pipeline".to_string(),
            Bucket::Category(ForecastCategory::BestCase) => "best_case".to_string(),
            Bucket::Category(ForecastCategory::MostLikely) => "most_likely".to_string(),
            Bucket::Category(ForecastCategory::Commit) => "commit".to_string(),
            Bucket::Category(ForecastCategory::Closed) => "closed".to_string(),
            Bucket::Category(ForecastCategory::Omitted) => "omitted".to_string(),
            Bucket::Category(ForecastCategory::Other(text)) => format!("other_{}", slug(text)),
            Bucket::NoCategory => "no_category".to_string(),
            Bucket::ClosedWon => "closed_won".to_string(),
        };
        format!("rollup_{name}")
    }

    fn label(self) -> String {
        match self {
            Bucket::Category(category) => category.label().to_string(),
            Bucket::NoCategory => "No forecast category".to_string(),
            Bucket::ClosedWon => "Closed won".to_string(),
        }
    }

    /// The deals of the cell, in words, for the population.
    fn deals_words(self) -> String {
        match self {
            Bucket::Category(category) => {
                format!("open deals in forecast category {}", category.label())
            }
            Bucket::NoCategory => "open deals without a forecast category".to_string(),
            Bucket::ClosedWon => "won deals".to_string(),
        }
    }
}

fn rollups(context: &Context) -> Vec<Insight> {
    let current = context.current();
    let quarters = [
        context.period.clone(),
        next_quarter(&context.period, context.settings.fiscal_year_start_month),
    ];
    let mut reps = Reps::new(context);
    // (quarter index, rep index or None for the team, bucket) → the deals of the cell.
    let mut cells: HashMap<(usize, Option<usize>, Bucket), Vec<&Deal>> = HashMap::default();
    for deal in &current.deals {
        let Some(close_date) = deal.opp.close_date else {
            continue;
        };
        let Some(quarter) = quarters.iter().position(|q| q.contains(close_date)) else {
            continue;
        };
        let bucket = match (deal.opp.status, &deal.opp.forecast_category) {
            (DealStatus::Open, Some(category)) => Bucket::Category(category),
            (DealStatus::Open, None) => Bucket::NoCategory,
            (DealStatus::Won, _) if quarter == 0 => Bucket::ClosedWon,
            _ => continue,
        };
        let rep = reps.index(deal.opp);
        cells
            .entry((quarter, Some(rep), bucket))
            .or_default()
            .push(deal);
        cells.entry((quarter, None, bucket)).or_default().push(deal);
    }
    let mut keys: Vec<_> = cells.keys().copied().collect();
    // Quarter, then the team before the reps, reps by name, then the bucket order.
    keys.sort_by(|a, b| {
        (a.0, a.1.map(|rep| reps.name(rep)), a.2).cmp(&(b.0, b.1.map(|rep| reps.name(rep)), b.2))
    });
    keys.into_iter()
        .map(|key| {
            let (quarter, rep, bucket) = key;
            let subject = match rep {
                Some(rep) => rep_subject(reps.name(rep)),
                None => Subject::team(),
            };
            rollup_insight(context, &quarters[quarter], subject, bucket, &cells[&key])
        })
        .collect()
}

fn rollup_insight(
    context: &Context,
    quarter: &Period,
    subject: Subject,
    bucket: Bucket,
    deals: &[&Deal],
) -> Insight {
    let current = context.current();
    let mut sum = 0.0;
    let mut n = 0;
    let mut left_out = LeftOut::default();
    for deal in deals {
        match counted_amount(context, deal.opp) {
            Ok(amount) => {
                sum += amount;
                n += 1;
            }
            Err(reason) => left_out.add(reason),
        }
    }
    let measure = bucket.measure();
    let whose = match subject.kind {
        SubjectKind::Team => "the team".to_string(),
        _ => subject.label.clone(),
    };
    let owned_by = match subject.kind {
        SubjectKind::Team => String::new(),
        _ => format!(" owned by {}", subject.label),
    };
    let deal_noun = match bucket {
        Bucket::ClosedWon => ("won deal", "won deals"),
        _ => ("open deal", "open deals"),
    };
    Insight {
        key: format!("forecast.{measure}.{}.{}", subject.id, quarter.start),
        module: Module::Forecast,
        measure,
        value: Some(sum),
        unit: context.money_unit(),
        reference: None,
        period: Some(quarter.clone()),
        population: Population {
            description: format!(
                "{}{owned_by} in the snapshot of {} with a close date from {} to {}",
                bucket.deals_words(),
                current.as_of,
                quarter.start,
                quarter.end
            ),
            n,
            excluded: left_out.exclusions(),
        },
        formula: format!(
            "sum of amount over the {} whose amount is known and in the reporting currency; count = the number of those deals",
            bucket.deals_words()
        ),
        text: format!(
            "{} for {whose} in {}: {} over {}.{}",
            bucket.label(),
            quarter.label,
            money(sum, context.currency.as_deref()),
            count(n, deal_noun.0, deal_noun.1),
            left_out.sentence(("deal", "deals"))
        ),
        evidence: deals
            .iter()
            .map(|deal| context.amount_evidence(deal))
            .collect(),
        subject,
    }
}

// ---------------------------------------------------------------------------------------------
// Change ledger over the quarter to date.

/// The earlier snapshot of the ledger and the start of the reversal window; `None` when it would
/// be the current snapshot itself.
fn ledger_base<'c, 'a>(context: &'c Context<'a>) -> Option<&'c DatedSnapshot<'a>> {
    let snapshots = &context.snapshots;
    let latest_on_or_before = |date: NaiveDate| {
        snapshots
            .iter()
            .rev()
            .find(|snapshot| snapshot.as_of <= date)
    };
    let anchor = context.settings.ledger_from.unwrap_or(context.period.start);
    let base = latest_on_or_before(anchor).or(snapshots.first())?;
    (base.as_of != context.current().as_of).then_some(base)
}

fn ledger_insights(context: &Context, base: &DatedSnapshot) -> Vec<Insight> {
    let current = context.current();
    let window = Period {
        start: base.as_of,
        end: current.as_of,
        label: format!("{} to {}", base.as_of, current.as_of),
    };
    ledger(context, base, current)
        .into_iter()
        .map(|change| ledger_insight(context, base, current, &window, change))
        .collect()
}

fn ledger_insight(
    context: &Context,
    base: &DatedSnapshot,
    current: &DatedSnapshot,
    window: &Period,
    change: Change,
) -> Insight {
    let earlier = base.get(&change.record_id);
    let later = current.get(&change.record_id);
    let deal = later.or(earlier).map(|deal| deal.opp);
    let label = deal.map_or_else(|| change.record_id.clone(), |opp| opp.name.clone());
    let between = format!(
        "between the snapshots of {} and {}",
        base.as_of, current.as_of
    );
    let shown = |value: &Option<Text>| value.as_deref().unwrap_or("(empty)").to_string();
    let amount_words = |opp: Option<&Opportunity>| match opp.map(|opp| counted_amount(context, opp))
    {
        Some(Ok(amount)) => format!(" Amount {}.", money(amount, context.currency.as_deref())),
        Some(Err(reason)) => format!(" Value undefined: {reason}."),
        None => String::new(),
    };
    let kind = change.kind;
    let (value, unit, text) = match kind {
        ChangeKind::Added => (
            change.amount,
            context.money_unit(),
            format!(
                "Added ({}) {between}.{}",
                shown(&change.to_value),
                amount_words(deal)
            ),
        ),
        ChangeKind::Removed => (
            change.amount,
            context.money_unit(),
            format!(
                "Removed (was {}) {between}: deleted, or no longer matched by the report's filters.{}",
                shown(&change.from_value),
                amount_words(deal)
            ),
        ),
        ChangeKind::Won | ChangeKind::Lost | ChangeKind::Reopened => (
            change.amount,
            context.money_unit(),
            format!(
                "{} {between}; stage moved from {} to {}.{}",
                kind.label(),
                shown(&change.from_value),
                shown(&change.to_value),
                amount_words(deal)
            ),
        ),
        ChangeKind::PushedOut
        | ChangeKind::PulledIn
        | ChangeKind::CloseDateLater
        | ChangeKind::CloseDateEarlier => {
            let days = match (
                earlier.and_then(|d| d.opp.close_date),
                later.and_then(|d| d.opp.close_date),
            ) {
                (Some(old), Some(new)) => Some((new - old).num_days() as f64),
                _ => None,
            };
            let what = match kind {
                ChangeKind::PushedOut => "pushed out of the period",
                ChangeKind::PulledIn => "pulled into the period",
                ChangeKind::CloseDateLater => {
                    "later, neither pushed out of nor pulled into the period"
                }
                _ => "earlier, neither pushed out of nor pulled into the period",
            };
            (
                days,
                Unit::Days,
                format!(
                    "Close date moved from {} to {} ({what}) {between}.",
                    shown(&change.from_value),
                    shown(&change.to_value)
                ),
            )
        }
        ChangeKind::AmountUp | ChangeKind::AmountDown => {
            let verb = if kind == ChangeKind::AmountUp {
                "rose"
            } else {
                "fell"
            };
            let deal_currency = deal
                .and_then(|opp| opp.currency.as_deref())
                .or(context.currency.as_deref());
            let value = change.amount.and(change.amount_delta);
            let old = earlier.and_then(|d| d.opp.amount).unwrap_or(0.0);
            let new = later.and_then(|d| d.opp.amount).unwrap_or(0.0);
            let mut text = format!(
                "Amount {verb} from {} to {} {between}.",
                money(old, deal_currency),
                money(new, deal_currency)
            );
            if value.is_none() {
                text.push_str(&format!(
                    " Value undefined: the amounts are in {}, not the reporting currency (currencies are never added).",
                    deal_currency.unwrap_or("an unnamed currency")
                ));
            }
            (value, context.money_unit(), text)
        }
        ChangeKind::CategoryMoved => (
            change.amount,
            context.money_unit(),
            format!(
                "Forecast category moved from {} to {} {between}.{}",
                shown(&change.from_value),
                shown(&change.to_value),
                amount_words(deal)
            ),
        ),
        ChangeKind::StageForward | ChangeKind::StageBack | ChangeKind::StageMoved => {
            let how = match kind {
                ChangeKind::StageForward => "forward",
                ChangeKind::StageBack => "back",
                _ => "between stages of equal or unknown rank",
            };
            (
                change.amount,
                context.money_unit(),
                format!(
                    "Stage moved {how} from {} to {} {between}.{}",
                    shown(&change.from_value),
                    shown(&change.to_value),
                    amount_words(deal)
                ),
            )
        }
    };
    let rows = change.evidence.len();
    let description = match kind {
        ChangeKind::Added => format!(
            "the deal's row in the snapshot of {}; it has no row in the snapshot of {}",
            current.as_of, base.as_of
        ),
        ChangeKind::Removed => format!(
            "the deal's row in the snapshot of {}; it has no row in the snapshot of {}",
            base.as_of, current.as_of
        ),
        _ => format!(
            "the deal's rows in the snapshots of {} and {}",
            base.as_of, current.as_of
        ),
    };
    let measure = format!("ledger_{}", kind.key());
    Insight {
        key: format!("forecast.{measure}.{}", change.record_id),
        module: Module::Forecast,
        measure,
        subject: Subject {
            kind: SubjectKind::Record,
            id: change.record_id.to_string(),
            label: label.to_string(),
        },
        value,
        unit,
        reference: None,
        period: Some(window.clone()),
        population: Population {
            description,
            n: rows,
            excluded: Vec::new(),
        },
        formula: ledger_formula(kind).to_string(),
        text,
        evidence: change.evidence,
    }
}

fn ledger_formula(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Added => {
            "the id is in the later snapshot and not in the earlier one; value = the deal's amount"
        }
        ChangeKind::Removed => {
            "the id is in the earlier snapshot and not in the later one; value = the deal's amount"
        }
        ChangeKind::Won => {
            "open in the earlier snapshot, won in the later one; value = the deal's amount"
        }
        ChangeKind::Lost => {
            "open in the earlier snapshot, lost in the later one; value = the deal's amount"
        }
        ChangeKind::Reopened => {
            "closed in the earlier snapshot, open in the later one; value = the deal's amount"
        }
        ChangeKind::PushedOut => {
            "close date inside the period in the earlier snapshot and after the period's end in the later one; value = later − earlier close date in days"
        }
        ChangeKind::PulledIn => {
            "close date outside the period in the earlier snapshot and inside it in the later one; value = later − earlier close date in days"
        }
        ChangeKind::CloseDateLater | ChangeKind::CloseDateEarlier => {
            "close date differs between the snapshots and the move is neither a push out of the period (from inside it to after its end) nor a pull into it (from after its end to inside it); value = later − earlier close date in days"
        }
        ChangeKind::AmountUp | ChangeKind::AmountDown => {
            "both amounts known, in the same currency and different; value = later − earlier amount, when in the reporting currency"
        }
        ChangeKind::CategoryMoved => {
            "the forecast category differs between the snapshots; value = the deal's amount"
        }
        ChangeKind::StageForward | ChangeKind::StageBack | ChangeKind::StageMoved => {
            "the stage differs between the snapshots; direction from the stages' ranks; value = the deal's amount"
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Changes that reversed inside the window, from history.

/// The fields whose reversals are described, in output order: (field, key, label).
const TRACKED_FIELDS: [(HistoryField, &str, &str); 4] = [
    (HistoryField::Stage, "stage", "Stage"),
    (HistoryField::Amount, "amount", "Amount"),
    (HistoryField::CloseDate, "close_date", "Close date"),
    (
        HistoryField::ForecastCategory,
        "forecast_category",
        "Forecast category",
    ),
];

fn reversals(context: &Context, base: &DatedSnapshot) -> Vec<Insight> {
    let (start, end) = (base.as_of, context.current().as_of);
    let mut found: Vec<(&str, usize, Vec<&Event>)> = Vec::new();
    for (record_id, events) in context.history_by_record() {
        // Events are sorted by time, so the window is one contiguous slice.
        let first = events.partition_point(|e| e.event.at.date() <= start);
        let last = events.partition_point(|e| e.event.at.date() <= end);
        let window = &events[first..last.max(first)];
        // A value that moves away and back takes two rows at least.
        if window.len() < 2 {
            continue;
        }
        // One short pass per field over the window; rows are collected only for a reversal.
        for (idx, (field, _, _)) in TRACKED_FIELDS.iter().enumerate() {
            let mut of_field = window.iter().filter(|e| e.event.field == *field);
            let Some(first_row) = of_field.next() else {
                continue;
            };
            let mut last_row = first_row;
            let mut changes = usize::from(!same_value(
                field,
                &first_row.event.old_value,
                &first_row.event.new_value,
            ));
            for event in of_field {
                changes += usize::from(!same_value(
                    field,
                    &event.event.old_value,
                    &event.event.new_value,
                ));
                last_row = event;
            }
            if changes > 0
                && same_value(field, &first_row.event.old_value, &last_row.event.new_value)
            {
                let rows = window.iter().filter(|e| e.event.field == *field).collect();
                found.push((record_id, idx, rows));
            }
        }
    }
    found.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    found
        .into_iter()
        .map(|(record_id, idx, rows)| reversal_insight(context, start, end, record_id, idx, &rows))
        .collect()
}

fn reversal_insight(
    context: &Context,
    start: NaiveDate,
    end: NaiveDate,
    record_id: &str,
    field_idx: usize,
    rows: &[&Event],
) -> Insight {
    let (field, key, label) = &TRACKED_FIELDS[field_idx];
    let changes = rows
        .iter()
        .filter(|e| !same_value(field, &e.event.old_value, &e.event.new_value))
        .count();
    let started = shown_value(field, &rows[0].event.old_value);
    let path: Vec<String> = std::iter::once(started.clone())
        .chain(rows.iter().map(|e| shown_value(field, &e.event.new_value)))
        .collect();
    let measure = format!("reversed_{key}");
    Insight {
        key: format!("forecast.{measure}.{record_id}"),
        module: Module::Forecast,
        measure,
        subject: Subject {
            kind: SubjectKind::Record,
            id: record_id.to_string(),
            label: deal_name(context, record_id),
        },
        value: Some(changes as f64),
        unit: Unit::Count,
        reference: None,
        period: Some(Period {
            start,
            end,
            label: format!("after {start} up to and including {end}"),
        }),
        population: Population {
            description: format!(
                "history rows of this record's {} dated after {start} up to and including {end}",
                label.to_lowercase()
            ),
            n: rows.len(),
            excluded: Vec::new(),
        },
        formula: "count of history rows inside the window whose old and new values differ; listed when the new value of the last row equals the old value of the first".into(),
        text: format!(
            "{label} changed {} between {start} and {end} and ended where it started ({started}): {}.",
            count(changes, "time", "times"),
            path.join(" → ")
        ),
        evidence: rows.iter().map(|e| context.event_evidence(e)).collect(),
    }
}

/// Whether two history values of `field` are the same value: numbers and dates compared as such,
/// other text trimmed; an empty value equals only an empty value.
fn same_value(field: &HistoryField, a: &Option<Text>, b: &Option<Text>) -> bool {
    match (cleaned(a), cleaned(b)) {
        (None, None) => true,
        (Some(a), Some(b)) if a == b => true,
        (Some(a), Some(b)) => match field {
            HistoryField::Amount => {
                matches!((a.parse::<f64>(), b.parse::<f64>()), (Ok(x), Ok(y)) if x == y)
            }
            HistoryField::CloseDate => {
                matches!((a.parse::<NaiveDate>(), b.parse::<NaiveDate>()), (Ok(x), Ok(y)) if x == y)
            }
            _ => false,
        },
        _ => false,
    }
}

/// A history value trimmed, with an empty one read as no value.
fn cleaned(value: &Option<Text>) -> Option<&str> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

fn shown_value(field: &HistoryField, value: &Option<Text>) -> String {
    match value.as_deref().map(str::trim) {
        None | Some("") => "(empty)".to_string(),
        Some(text) => match (field, text.parse::<f64>()) {
            (HistoryField::Amount, Ok(amount)) => grouped(amount),
            _ => text.to_string(),
        },
    }
}

/// The deal's name in the latest snapshot that has the record, else its id.
fn deal_name(context: &Context, record_id: &str) -> String {
    context
        .snapshots
        .iter()
        .rev()
        .find_map(|snapshot| snapshot.get(record_id))
        .map_or_else(|| record_id.to_string(), |deal| deal.opp.name.to_string())
}

// ---------------------------------------------------------------------------------------------
// Forecast accuracy of past calls.

/// The two calls compared with the actuals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Variant {
    /// Closed won + Commit.
    Commit,
    /// Closed won + Commit + Best Case.
    CommitBestCase,
}

impl Variant {
    const ALL: [Variant; 2] = [Variant::Commit, Variant::CommitBestCase];

    fn suffix(self) -> &'static str {
        match self {
            Variant::Commit => "commit",
            Variant::CommitBestCase => "commit_best_case",
        }
    }

    pub(super) fn words(self) -> &'static str {
        match self {
            Variant::Commit => "closed won + Commit",
            Variant::CommitBestCase => "closed won + Commit + Best Case",
        }
    }

    fn index(self) -> usize {
        match self {
            Variant::Commit => 0,
            Variant::CommitBestCase => 1,
        }
    }
}

/// A quarter counted by the accuracy: its period, the snapshots dated inside it (the calls) and
/// the snapshot its actuals are read from.
struct CountedQuarter {
    period: Period,
    calls: Vec<usize>,
    actual_snapshot: usize,
}

/// One side (a call or an actual) of one rep in one (snapshot, quarter) pair or quarter.
#[derive(Default)]
struct Side<'s, 'a> {
    amount: f64,
    rows: Vec<&'s Deal<'a>>,
    left_out: LeftOut,
}

impl<'s, 'a> Side<'s, 'a> {
    fn add(&mut self, context: &Context, deal: &'s Deal<'a>) {
        match counted_amount(context, deal.opp) {
            Ok(amount) => self.amount += amount,
            Err(reason) => self.left_out.add(reason),
        }
        self.rows.push(deal);
    }

    fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// A rep's call in one snapshot for one quarter, by part.
#[derive(Default)]
struct RepCall<'s, 'a> {
    won: Side<'s, 'a>,
    commit: Side<'s, 'a>,
    best_case: Side<'s, 'a>,
}

impl<'s, 'a> RepCall<'s, 'a> {
    /// The parts of the call in this variant.
    fn parts(&self, variant: Variant) -> impl Iterator<Item = &Side<'s, 'a>> {
        let best_case = (variant == Variant::CommitBestCase).then_some(&self.best_case);
        [&self.won, &self.commit].into_iter().chain(best_case)
    }

    fn amount(&self, variant: Variant) -> f64 {
        self.parts(variant).map(|side| side.amount).sum()
    }

    fn has_rows(&self, variant: Variant) -> bool {
        self.parts(variant).any(|side| !side.is_empty())
    }
}

/// Sums over the (snapshot, quarter) pairs of one rep or one week, for one variant.
#[derive(Default)]
pub(super) struct Accuracy<'s, 'a> {
    pub(super) pairs: usize,
    pub(super) quarters: BTreeSet<usize>,
    abs_error: f64,
    abs_actual: f64,
    /// Σ(call − actual) over the pairs.
    pub(super) signed_error: f64,
    /// Σ actual over the pairs.
    pub(super) actual: f64,
    /// (call − actual) ÷ actual of each pair whose actual is not 0, in the order added: the
    /// distribution of the bias over the calls (the coaching view's quartiles).
    pub(super) pair_biases: Vec<f64>,
    rows: Vec<&'s Deal<'a>>,
    left_out: LeftOut,
}

impl<'s, 'a> Accuracy<'s, 'a> {
    /// Signed bias = Σ(call − actual) ÷ Σ actual; `None` when Σ actual is 0.
    pub(super) fn signed_bias(&self) -> Option<f64> {
        (self.actual != 0.0).then(|| self.signed_error / self.actual)
    }

    /// The pairs counted, in words, with the deal rows left out; `call_words` names the call.
    pub(super) fn population(&self, context: &Context, call_words: &str) -> Population {
        Population {
            description: format!(
                "{} (snapshot, quarter) pairs over {}: each snapshot dated inside a fiscal quarter that \
                 ended on or before {} is one call: {call_words}, from deals with a close date in that \
                 quarter as of the snapshot, held against the closed won with a close date in that quarter in the first \
                 snapshot after its end (or the current snapshot); left-out counts are deal rows",
                self.pairs,
                count(self.quarters.len(), "quarter", "quarters"),
                context.as_of
            ),
            n: self.pairs,
            excluded: self.left_out.exclusions(),
        }
    }

    /// The rows behind the sums: the won rows of the actuals and the Commit (and Best Case) rows
    /// of the calls.
    pub(super) fn evidence(&self, context: &Context) -> Vec<EvidenceRef> {
        self.rows
            .iter()
            .map(|deal| context.amount_evidence(deal))
            .collect()
    }

    /// The deal rows left out of the sums, by reason.
    pub(super) fn left_out(&self) -> Vec<Exclusion> {
        self.left_out.exclusions()
    }

    /// " Left out: 3 deal rows — no amount." or nothing.
    pub(super) fn left_out_sentence(&self) -> String {
        if self.left_out.total() > 0 {
            self.left_out.sentence(("deal row", "deal rows"))
        } else {
            String::new()
        }
    }

    fn add_pair(&mut self, call: f64, actual: f64) {
        self.pairs += 1;
        self.abs_error += (actual - call).abs();
        self.abs_actual += actual.abs();
        self.signed_error += call - actual;
        self.actual += actual;
        if actual != 0.0 {
            self.pair_biases.push((call - actual) / actual);
        }
    }

    /// Adds the actual's rows and exclusions once per quarter.
    fn add_actual_side(&mut self, quarter: usize, side: &Side<'s, 'a>) {
        if self.quarters.insert(quarter) {
            self.rows.extend_from_slice(&side.rows);
            self.left_out.merge(&side.left_out);
        }
    }

    /// Adds a call's exclusions, and its rows as evidence except for the won part: the evidence
    /// of the accuracy is the won rows of the actuals and the Commit (and Best Case) rows of the
    /// calls, which keeps it to one row per deal per call at region scale.
    ///
    /// A call made only of won deals lists its won rows: without them it would count and show nothing.
    fn add_call(&mut self, call: &RepCall<'s, 'a>, variant: Variant) {
        let only_won = call
            .parts(variant)
            .all(|side| std::ptr::eq(side, &call.won) || side.rows.is_empty());
        for side in call.parts(variant) {
            if only_won || !std::ptr::eq(side, &call.won) {
                self.rows.extend_from_slice(&side.rows);
            }
            self.left_out.merge(&side.left_out);
        }
    }

    /// Adds an actual's rows and exclusions (for the team, once per quarter).
    fn add_side(&mut self, side: &Side<'s, 'a>) {
        self.rows.extend_from_slice(&side.rows);
        self.left_out.merge(&side.left_out);
    }
}

fn counted_quarters(context: &Context) -> Vec<CountedQuarter> {
    let fiscal_start = context.settings.fiscal_year_start_month;
    let mut quarters: Vec<CountedQuarter> = Vec::new();
    for (idx, snapshot) in context.snapshots.iter().enumerate() {
        let quarter = Period::quarter_containing(snapshot.as_of, fiscal_start);
        if quarter.end > context.as_of {
            continue;
        }
        match quarters.last_mut() {
            Some(last) if last.period == quarter => last.calls.push(idx),
            _ => quarters.push(CountedQuarter {
                period: quarter,
                calls: vec![idx],
                actual_snapshot: 0,
            }),
        }
    }
    let last_snapshot = context.snapshots.len() - 1;
    for quarter in &mut quarters {
        let after = context
            .snapshots
            .partition_point(|snapshot| snapshot.as_of <= quarter.period.end);
        quarter.actual_snapshot = after.min(last_snapshot);
    }
    quarters
}

/// The sums of the forecast accuracy of both calls, per rep and per week of the quarter: built once
/// per analysis ([`accuracy_tables`]) and read by this module and the coaching view.
pub(super) struct AccuracyTables<'a> {
    quarters: Vec<CountedQuarter>,
    /// The names of the reps, indexed like the keys of `by_rep`.
    rep_names: Vec<String>,
    /// [variant] rep → sums.
    by_rep: [BTreeMap<usize, Accuracy<'a, 'a>>; 2],
    /// [variant] week of the quarter → sums.
    by_week: [BTreeMap<u32, Accuracy<'a, 'a>>; 2],
}

impl<'a> AccuracyTables<'a> {
    /// The span of the counted quarters; `None` when no quarter is counted.
    pub(super) fn span(&self, context: &Context) -> Option<Period> {
        let (first, last) = (self.quarters.first()?, self.quarters.last()?);
        Some(Period {
            start: first.period.start,
            end: last.period.end,
            label: format!(
                "fiscal quarters from {} to {} that ended on or before {} and have snapshots inside them",
                first.period.start, last.period.end, context.as_of
            ),
        })
    }

    /// Each rep's sums for one call, as (rep name, sums), in no particular order.
    pub(super) fn by_rep(
        &self,
        variant: Variant,
    ) -> impl Iterator<Item = (&str, &Accuracy<'a, 'a>)> + '_ {
        self.by_rep[variant.index()]
            .iter()
            .map(|(&rep, sums)| (self.rep_names[rep].as_str(), sums))
    }
}

/// WAPE and signed bias per rep and per week of the quarter, for both calls.
fn accuracy_insights_all(context: &Context, tables: &AccuracyTables) -> Vec<Insight> {
    let Some(span) = tables.span(context) else {
        return Vec::new();
    };
    let (by_rep, by_week) = (&tables.by_rep, &tables.by_week);
    let mut out = Vec::new();
    let mut rep_order: Vec<usize> = by_rep[0].keys().chain(by_rep[1].keys()).copied().collect();
    rep_order.sort_by(|a, b| tables.rep_names[*a].cmp(&tables.rep_names[*b]));
    rep_order.dedup();
    for rep in rep_order {
        for variant in Variant::ALL {
            if let Some(sums) = by_rep[variant.index()].get(&rep) {
                let name = &tables.rep_names[rep];
                out.extend(accuracy_insights(
                    context,
                    variant,
                    rep_subject(name),
                    format!("{name}'s call ({})", variant.words()),
                    sums,
                    &span,
                ));
            }
        }
    }
    let weeks: BTreeSet<u32> = by_week[0]
        .keys()
        .chain(by_week[1].keys())
        .copied()
        .collect();
    for week in weeks {
        for variant in Variant::ALL {
            if let Some(sums) = by_week[variant.index()].get(&week) {
                let subject = Subject {
                    kind: SubjectKind::Period,
                    id: format!("week-{week}"),
                    label: format!("Week {week} of the quarter"),
                };
                out.extend(accuracy_insights(
                    context,
                    variant,
                    subject,
                    format!(
                        "the team's call ({}) in week {week} of the quarter",
                        variant.words()
                    ),
                    sums,
                    &span,
                ));
            }
        }
    }
    out
}

/// The accuracy sums of every counted quarter (see the module header): one pass over each snapshot
/// dated inside a counted quarter, and one over each quarter's actual snapshot.
pub(super) fn accuracy_tables<'a>(context: &Context<'a>) -> AccuracyTables<'a> {
    let quarters = counted_quarters(context);
    let mut reps = Reps::new(context);
    // Rows are kept for evidence as long as the data: borrow the snapshots for the whole lifetime.
    let snapshots: &'a [DatedSnapshot<'a>] = context.snapshots;

    // The actual of each rep for each quarter: one pass over one snapshot per quarter.
    let mut actuals: Vec<HashMap<usize, Side>> = Vec::with_capacity(quarters.len());
    for quarter in &quarters {
        let mut by_rep: HashMap<usize, Side> = HashMap::default();
        for deal in &snapshots[quarter.actual_snapshot].deals {
            if deal.opp.status == DealStatus::Won
                && deal
                    .opp
                    .close_date
                    .is_some_and(|d| quarter.period.contains(d))
            {
                by_rep
                    .entry(reps.index(deal.opp))
                    .or_default()
                    .add(context, deal);
            }
        }
        actuals.push(by_rep);
    }

    // [variant] rep → sums, week → sums.
    let mut by_rep: [BTreeMap<usize, Accuracy>; 2] = Default::default();
    let mut by_week: [BTreeMap<u32, Accuracy>; 2] = Default::default();
    for (quarter_idx, quarter) in quarters.iter().enumerate() {
        let actual = &actuals[quarter_idx];
        let team_actual: f64 = actual.values().map(|side| side.amount).sum();
        for &snapshot_idx in &quarter.calls {
            let snapshot = &snapshots[snapshot_idx];
            // The calls of this snapshot: one pass over its deals.
            let mut calls: HashMap<usize, RepCall> = HashMap::default();
            for deal in &snapshot.deals {
                if !deal
                    .opp
                    .close_date
                    .is_some_and(|d| quarter.period.contains(d))
                {
                    continue;
                }
                let is_commit = deal.opp.forecast_category == Some(ForecastCategory::Commit);
                let is_best_case = deal.opp.forecast_category == Some(ForecastCategory::BestCase);
                match deal.opp.status {
                    DealStatus::Won => {}
                    DealStatus::Open if is_commit || is_best_case => {}
                    _ => continue,
                }
                let call = calls.entry(reps.index(deal.opp)).or_default();
                let part = match deal.opp.status {
                    DealStatus::Won => &mut call.won,
                    _ if is_commit => &mut call.commit,
                    _ => &mut call.best_case,
                };
                part.add(context, deal);
            }
            let week = quarter.period.week_of(snapshot.as_of);
            let no_call = RepCall::default();
            let no_actual = Side::default();
            let mut present: Vec<usize> = calls.keys().chain(actual.keys()).copied().collect();
            present.sort_unstable();
            present.dedup();
            for variant in Variant::ALL {
                let v = variant.index();
                let mut team_call = 0.0;
                for &rep in &present {
                    let call = calls.get(&rep).unwrap_or(&no_call);
                    let rep_actual = actual.get(&rep).unwrap_or(&no_actual);
                    team_call += call.amount(variant);
                    if !call.has_rows(variant) && rep_actual.is_empty() {
                        continue;
                    }
                    let sums = by_rep[v].entry(rep).or_default();
                    sums.add_pair(call.amount(variant), rep_actual.amount);
                    sums.add_actual_side(quarter_idx, rep_actual);
                    sums.add_call(call, variant);
                }
                // A week in which no rep has a row in its call or its actual counts nothing.
                let any_rows = present.iter().any(|rep| {
                    calls.get(rep).is_some_and(|call| call.has_rows(variant))
                        || actual.get(rep).is_some_and(|side| !side.is_empty())
                });
                if !any_rows {
                    continue;
                }
                let sums = by_week[v].entry(week).or_default();
                sums.add_pair(team_call, team_actual);
                for &rep in &present {
                    if let Some(rep_actual) = actual.get(&rep) {
                        // Once per quarter for the whole team: the quarter is marked after the loop.
                        if !sums.quarters.contains(&quarter_idx) {
                            sums.add_side(rep_actual);
                        }
                    }
                    if let Some(call) = calls.get(&rep) {
                        sums.add_call(call, variant);
                    }
                }
                sums.quarters.insert(quarter_idx);
            }
        }
    }

    AccuracyTables {
        quarters,
        rep_names: reps.names,
        by_rep,
        by_week,
    }
}

/// The WAPE and the signed bias of one rep's or one week's calls.
fn accuracy_insights(
    context: &Context,
    variant: Variant,
    subject: Subject,
    call_words: String,
    sums: &Accuracy,
    span: &Period,
) -> [Insight; 2] {
    let currency = context.currency.as_deref();
    let pairs = count(sums.pairs, "call", "calls");
    let quarters = count(sums.quarters.len(), "quarter", "quarters");
    let population = sums.population(context, &call_words);
    let evidence = sums.evidence(context);
    let left_out = sums.left_out_sentence();

    let wape_value = (sums.abs_actual != 0.0).then(|| sums.abs_error / sums.abs_actual);
    let wape_text = match wape_value {
        Some(wape) => format!(
            "WAPE of {call_words}: {} over {pairs} in {quarters}; Σ|actual − call| {} ÷ Σ|actual| {}.{left_out}",
            percent(wape),
            money(sums.abs_error, currency),
            money(sums.abs_actual, currency)
        ),
        None => format!(
            "WAPE of {call_words} is undefined: Σ|actual| over {pairs} in {quarters} is 0 (no closed \
             won counted in the reporting currency), so the ratio has no denominator; Σ|actual − call| is {}.{left_out}",
            money(sums.abs_error, currency)
        ),
    };
    let bias_value = (sums.actual != 0.0).then(|| sums.signed_error / sums.actual);
    let bias_text = match bias_value {
        Some(bias) => format!(
            "Signed bias of {call_words}: {} over {pairs} in {quarters}; Σ(call − actual) {} ÷ Σ actual {}.{left_out}",
            signed_percent(bias),
            money(sums.signed_error, currency),
            money(sums.actual, currency)
        ),
        None => format!(
            "Signed bias of {call_words} is undefined: Σ actual over {pairs} in {quarters} is 0, so \
             the ratio has no denominator; Σ(call − actual) is {}.{left_out}",
            money(sums.signed_error, currency)
        ),
    };
    let suffix = variant.suffix();
    // The two insights share their rows: the first gets a copy, the second the original.
    let insight = |measure: String, value, formula: String, text, evidence| Insight {
        key: format!("forecast.{measure}.{}", subject.id),
        module: Module::Forecast,
        measure,
        subject: subject.clone(),
        value,
        unit: Unit::Ratio,
        reference: None,
        period: Some(span.clone()),
        population: population.clone(),
        formula,
        text,
        evidence,
    };
    [
        insight(
            format!("forecast_wape_{suffix}"),
            wape_value,
            format!(
                "WAPE = Σ|actual − call| ÷ Σ|actual| over the (snapshot, quarter) pairs; call = {} \
                 with a close date in the quarter as of the snapshot; actual = closed won with a close \
                 date in the quarter in the first snapshot after its end",
                variant.words()
            ),
            wape_text,
            evidence.clone(),
        ),
        insight(
            format!("forecast_bias_{suffix}"),
            bias_value,
            format!(
                "signed bias = Σ(call − actual) ÷ Σ actual over the (snapshot, quarter) pairs; call = {} \
                 with a close date in the quarter as of the snapshot; actual = closed won with a close \
                 date in the quarter in the first snapshot after its end",
                variant.words()
            ),
            bias_text,
            evidence,
        ),
    ]
}
