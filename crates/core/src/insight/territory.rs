//! Module 7, territory and coverage: the team's capacity (the reps, and how far into a ramp each
//! one is) against the targets the user set by segment, and pipeline coverage by segment and by
//! lead source.
//!
//! Definitions (pipeline coverage as PRODUCT.md, "Metric definitions", gives it):
//! - **Window**: the `lookback_days` days up to and including the as-of date, as in the hygiene module.
//! - **Reps**: the owners ([`Context::owner`]) of the open deals of the current snapshot and of its
//!   deals closed (won or lost) with a close date in the window. Those are the rep's **deals**.
//!   Deals without an owner are left out and counted.
//! - **Start** of a rep: the start date of the user with the rep's name in the users export (a
//!   `StartDate` or `HireDate` column); where there is none, the earliest created date among the
//!   rep's deals of the current snapshot (any status, any date); unknown when neither exists.
//! - **Months since start** = whole calendar months from the start to the as-of date (0 when the
//!   start is after it).
//! - **Ramp weight** of a rep = 1 when `ramp_months` is 0 (ramp not applied), when the months since
//!   start are at least `ramp_months`, or when the start is unknown; else months since start ÷
//!   `ramp_months` (a linear ramp).
//! - **Capacity** of the team = Σ ramp weights over the reps, in rep-equivalents.
//! - **Segment** of a deal: its own segment column, else the segment of its account in the accounts
//!   export (by account id, else by account name), else none ("(no segment)").
//! - **Capacity of a segment** = Σ over the reps of ramp weight × (the rep's deals in the segment ÷
//!   the rep's deals): each rep's capacity split by where the rep's deals are, so the segments'
//!   capacities add up to the team's.
//! - **Target per rep-equivalent** of a segment = its target (setting `segment_targets`) ÷ its
//!   capacity, said in the capacity's sentence (the target is its reference); none when no target
//!   is set for the segment or its capacity is 0.
//! - **Pipeline coverage of a segment** = open pipeline in period ÷ (target − closed won in period),
//!   over the segment's deals: the open deals of the current snapshot with a close date in the fiscal
//!   quarter, and its won deals with a close date in the quarter. Undefined when no target is set for
//!   the segment, or when closed won is at or above it.
//! - **Pipeline coverage by lead source** = open pipeline in period with that lead source ÷ (plan −
//!   closed won in period of the whole team): each source's part of the cockpit's coverage (the parts
//!   add up to it). Undefined when no plan is set, or when closed won is at or above the plan.
//!
//! Targets are matched to segments without regard to case. Money goes through [`Context::money`].
//! Reps are listed by name, never ranked; segments and lead sources by name, the deals without one
//! last. When no deal has a segment and no target is set, one insight says so instead of the
//! per-segment ones.
//!
//! Cost: one pass over the current snapshot's deals, one over the accounts and one over the users.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};

use super::cockpit::{Coverage, Total, total};
use super::context::{Context, Deal};
use super::forecast::{Reps, make_keys_unique, rep_subject};
use super::hygiene::{
    NO_LEAD_SOURCE, Window, field_evidence, lead_source, pipeline_subject, unnamed_last,
};
use super::render::{count, money};
use super::{
    EvidenceRef, Exclusion, FileRows, Insight, Module, Population, Reference, Subject, SubjectKind,
    Unit,
};
use crate::model::{DealStatus, Opportunity};

/// The target for the current period of one segment (a setting; see `Settings::segment_targets`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentTarget {
    /// The segment as the exports name it (compared without case).
    pub segment: String,
    /// The target in the reporting currency.
    pub target: f64,
}

pub(super) fn insights(context: &Context) -> Vec<Insight> {
    let window = Window::new(context);
    let segments = SegmentReader::new(context);
    let team = TeamBook::new(context, &window, &segments);
    let mut out = vec![team.capacity_insight(context)];
    out.extend(team.rep_insights(context));
    out.extend(segment_insights(context, &team, &segments));
    out.extend(lead_source_coverage(context));
    make_keys_unique(&mut out);
    out
}

/// The label of deals without a segment.
const NO_SEGMENT: &str = "(no segment)";

/// Reads a deal's segment: its own column, else its account's in the accounts export.
struct SegmentReader<'a> {
    by_account_id: HashMap<&'a str, &'a str>,
    by_account_name: HashMap<&'a str, &'a str>,
}

impl<'a> SegmentReader<'a> {
    fn new(context: &Context<'a>) -> SegmentReader<'a> {
        let mut reader = SegmentReader {
            by_account_id: HashMap::default(),
            by_account_name: HashMap::default(),
        };
        for (_, account) in FileRows::iter_all(&context.dataset().accounts) {
            let Some(segment) = non_empty(account.segment.as_deref()) else {
                continue;
            };
            reader
                .by_account_id
                .entry(account.id.as_str())
                .or_insert(segment);
            if let Some(name) = non_empty(account.name.as_deref()) {
                reader.by_account_name.entry(name).or_insert(segment);
            }
        }
        reader
    }

    fn of(&self, opp: &'a Opportunity) -> Option<&'a str> {
        if let Some(segment) = non_empty(opp.segment.as_deref()) {
            return Some(segment);
        }
        let by_id =
            non_empty(opp.account_id.as_deref()).and_then(|id| self.by_account_id.get(id).copied());
        by_id.or_else(|| {
            non_empty(opp.account_name.as_deref())
                .and_then(|name| self.by_account_name.get(name).copied())
        })
    }

    /// How segments are read, in words.
    fn words(&self) -> &'static str {
        "segment = the deal's segment column, else its account's segment in the accounts export (by account id, else by account name)"
    }
}

fn non_empty(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|text| !text.is_empty())
}

/// Where a rep's start date comes from.
enum Start<'c, 'a> {
    /// The users export: the date and the user row's line.
    Users {
        date: NaiveDate,
        line: u64,
    },
    /// The rep's deal with the earliest created date.
    FirstDeal(&'c Deal<'a>),
    Unknown,
}

/// One rep's deals and start.
struct RepBook<'c, 'a> {
    name: String,
    /// Open deals of the current snapshot and deals closed in the window.
    deals: Vec<&'c Deal<'a>>,
    /// Of those, how many in each segment (`None`: no segment).
    by_segment: BTreeMap<Option<&'a str>, usize>,
    start: Start<'c, 'a>,
    months_since_start: Option<i64>,
    weight: f64,
}

impl RepBook<'_, '_> {
    fn start_words(&self, context: &Context) -> String {
        let since = |date: NaiveDate| match self.months_since_start {
            Some(months) => format!(
                "{date}, {} before the as-of date {}",
                count(months as usize, "month", "months"),
                context.as_of
            ),
            None => date.to_string(),
        };
        match &self.start {
            Start::Users { date, line } => format!(
                "Started {} (start date in the users export, line {line})",
                since(*date)
            ),
            Start::FirstDeal(deal) => format!(
                "First deal created {} (the earliest created date among the rep's deals in the snapshot of {}; the users export gives no start date for this rep)",
                since(deal.opp.created_date.unwrap_or(context.as_of)),
                context.current().as_of
            ),
            Start::Unknown => {
                "Start unknown: the users export gives no start date for this rep and none of the rep's deals has a created date".to_string()
            }
        }
    }

    fn weight_words(&self, ramp_months: u32) -> String {
        match (ramp_months, &self.start, self.months_since_start) {
            (0, _, _) => {
                "Ramp is not applied (setting ramp_months = 0): counts as 1 rep".to_string()
            }
            (_, Start::Unknown, _) | (_, _, None) => {
                format!(
                    "With the start unknown, counts as 1 rep (setting ramp_months = {ramp_months})"
                )
            }
            (_, _, Some(months)) if months >= i64::from(ramp_months) => format!(
                "Past the {} of ramp (setting ramp_months): counts as 1 rep",
                count(ramp_months as usize, "month", "months")
            ),
            (_, _, Some(months)) => format!(
                "Within the {} of ramp (setting ramp_months): counts as {months} ÷ {ramp_months} = {} of a rep",
                count(ramp_months as usize, "month", "months"),
                rep_equivalents(self.weight)
            ),
        }
    }
}

/// The reps of the team with their deals, and the deals left out.
struct TeamBook<'c, 'a> {
    reps: Vec<RepBook<'c, 'a>>,
    /// Deals of the window without an owner (left out).
    no_owner: usize,
    window_words: String,
    ramp_months: u32,
}

impl<'c, 'a> TeamBook<'c, 'a> {
    fn new(
        context: &'c Context<'a>,
        window: &Window,
        segments: &SegmentReader<'a>,
    ) -> TeamBook<'c, 'a> {
        let mut names = Reps::new(context);
        let mut deals: Vec<Vec<&'c Deal<'a>>> = Vec::new();
        let mut first_deal: Vec<Option<&'c Deal<'a>>> = Vec::new();
        let mut no_owner = 0;
        for deal in &context.current().deals {
            let in_window = match deal.opp.status {
                DealStatus::Open => true,
                _ => deal
                    .opp
                    .close_date
                    .is_some_and(|date| window.contains(date)),
            };
            if deal.opp.owner.is_none() {
                no_owner += usize::from(in_window);
                continue;
            }
            let rep = names.index(deal.opp);
            if rep >= deals.len() {
                deals.resize(rep + 1, Vec::new());
                first_deal.resize(rep + 1, None);
            }
            if in_window {
                deals[rep].push(deal);
            }
            if let Some(created) = deal.opp.created_date {
                let earlier = first_deal[rep]
                    .and_then(|first| first.opp.created_date)
                    .is_none_or(|first| created < first);
                if earlier {
                    first_deal[rep] = Some(deal);
                }
            }
        }
        let user_starts: HashMap<&str, (NaiveDate, u64)> = context
            .dataset()
            .users
            .iter()
            .filter_map(|user| Some((user.name.as_deref()?, (user.start_date?, user.source.line))))
            .collect();
        let ramp_months = context.settings.ramp_months;
        let mut reps = Vec::new();
        for rep in names.by_name_order() {
            let Some(rep_deals) = deals.get_mut(rep).map(std::mem::take) else {
                continue;
            };
            if rep_deals.is_empty() {
                continue;
            }
            let name = names.name(rep).to_string();
            let start = match (user_starts.get(name.as_str()), first_deal[rep]) {
                (Some(&(date, line)), _) => Start::Users { date, line },
                (None, Some(deal)) => Start::FirstDeal(deal),
                (None, None) => Start::Unknown,
            };
            let start_date = match &start {
                Start::Users { date, .. } => Some(*date),
                Start::FirstDeal(deal) => deal.opp.created_date,
                Start::Unknown => None,
            };
            let months_since_start = start_date.map(|date| whole_months(date, context.as_of));
            let weight = match months_since_start {
                Some(months) if ramp_months > 0 && months < i64::from(ramp_months) => {
                    months as f64 / f64::from(ramp_months)
                }
                _ => 1.0,
            };
            let mut by_segment = BTreeMap::new();
            for deal in &rep_deals {
                *by_segment.entry(segments.of(deal.opp)).or_default() += 1;
            }
            reps.push(RepBook {
                name,
                deals: rep_deals,
                by_segment,
                start,
                months_since_start,
                weight,
            });
        }
        TeamBook {
            reps,
            no_owner,
            window_words: window.words(),
            ramp_months,
        }
    }

    fn capacity(&self) -> f64 {
        self.reps.iter().map(|rep| rep.weight).sum()
    }

    fn deals_words(&self, context: &Context) -> String {
        format!(
            "open deals of the snapshot of {} and its deals closed (won or lost) with a close date in {}",
            context.current().as_of,
            self.window_words
        )
    }

    /// How many reps, how many in ramp, and the team's capacity.
    fn capacity_insight(&self, context: &Context) -> Insight {
        let n = self.reps.len();
        let capacity = self.capacity();
        let in_ramp = self.reps.iter().filter(|rep| rep.weight < 1.0).count();
        let months = count(self.ramp_months as usize, "month", "months");
        let ramp = if self.ramp_months == 0 {
            format!(
                "Ramp is not applied (setting ramp_months = 0), so capacity is {}.",
                count(n, "rep", "reps")
            )
        } else {
            format!(
                "With a ramp of {months} (setting ramp_months), {} started less than {months} before the as-of date; capacity is {} rep-equivalents (a rep in ramp counts months since start ÷ {}).",
                count(in_ramp, "rep", "reps"),
                rep_equivalents(capacity),
                self.ramp_months
            )
        };
        let no_owner_words = match self.no_owner {
            0 => String::new(),
            n => format!(
                " {} without an owner {} left out.",
                count(n, "deal", "deals"),
                if n == 1 { "is" } else { "are" }
            ),
        };
        let population = Population {
            description: format!(
                "reps: the owners of the {}; left-out counts are deals",
                self.deals_words(context)
            ),
            n,
            excluded: (self.no_owner > 0)
                .then(|| Exclusion {
                    n: self.no_owner,
                    reason: "deal without an owner".into(),
                })
                .into_iter()
                .collect(),
        };
        Insight {
            key: "territory.capacity.team".into(),
            module: Module::Territory,
            measure: "capacity".into(),
            subject: Subject::team(),
            value: Some(capacity),
            unit: Unit::Count,
            reference: ramp_reference(self.ramp_months),
            period: None,
            population,
            formula: "capacity = Σ over the reps of the ramp weight; ramp weight = months since start ÷ ramp_months while fewer than ramp_months, else 1 (1 for every rep when ramp_months is 0)".into(),
            text: format!(
                "{} the {}.{no_owner_words} {ramp}",
                count(n, "rep owns", "reps own"),
                self.deals_words(context)
            ),
            // One row per rep: the rep's first deal of the window, which makes the owner a rep.
            evidence: self
                .reps
                .iter()
                .filter_map(|rep| rep.deals.first())
                .map(|deal| owner_evidence(context, deal))
                .collect(),
        }
    }

    /// Each rep's start, months since start and ramp weight, by name.
    fn rep_insights(&self, context: &Context) -> Vec<Insight> {
        self.reps
            .iter()
            .map(|rep| {
                let (open, closed) = rep
                    .deals
                    .iter()
                    .fold((0, 0), |(open, closed), deal| match deal.opp.status {
                        DealStatus::Open => (open + 1, closed),
                        _ => (open, closed + 1),
                    });
                let mut evidence: Vec<EvidenceRef> = rep
                    .deals
                    .iter()
                    .map(|deal| owner_evidence(context, deal))
                    .collect();
                if let Start::FirstDeal(deal) = rep.start {
                    evidence.push(field_evidence(context, deal, "created_date"));
                }
                Insight {
                    key: format!("territory.months_since_start.{}", rep.name),
                    module: Module::Territory,
                    measure: "months_since_start".into(),
                    subject: rep_subject(&rep.name),
                    value: rep.months_since_start.map(|months| months as f64),
                    unit: Unit::Count,
                    reference: ramp_reference(self.ramp_months),
                    period: None,
                    population: Population {
                        description: format!("{}'s {}", rep.name, self.deals_words(context)),
                        n: rep.deals.len(),
                        excluded: Vec::new(),
                    },
                    formula: "months since start = whole calendar months from the start (users export start date, else the earliest created date of the rep's deals) to the as-of date; ramp weight = months since start ÷ ramp_months while fewer than ramp_months, else 1".into(),
                    text: format!(
                        "{}. {}. Deals: {} open, {} closed in the window.",
                        rep.start_words(context),
                        rep.weight_words(self.ramp_months),
                        open,
                        closed
                    ),
                    evidence,
                }
            })
            .collect()
    }
}

fn ramp_reference(ramp_months: u32) -> Option<Reference> {
    (ramp_months > 0).then(|| Reference::Setting {
        name: "ramp_months".into(),
        value: f64::from(ramp_months),
    })
}

fn owner_evidence(context: &Context, deal: &Deal) -> EvidenceRef {
    context.row_evidence(deal, Some("owner"), deal.opp.owner.clone())
}

/// Whole calendar months from `start` to `end` (0 when `start` is after `end`).
fn whole_months(start: NaiveDate, end: NaiveDate) -> i64 {
    let months = i64::from(end.year() - start.year()) * 12 + i64::from(end.month())
        - i64::from(start.month())
        - i64::from(end.day() < start.day());
    months.max(0)
}

/// A number of rep-equivalents with up to two decimals: `12`, `0.67`, `2.5`.
fn rep_equivalents(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The open and won deals of the current snapshot with a close date in the period: the deals of
/// pipeline coverage.
fn open_and_won_in_period<'c, 'a>(
    context: &'c Context<'a>,
) -> impl Iterator<Item = &'c Deal<'a>> + 'c {
    let period = &context.period;
    context.current().deals.iter().filter(move |deal| {
        deal.opp.status != DealStatus::Lost
            && deal
                .opp
                .close_date
                .is_some_and(|date| period.contains(date))
    })
}

/// The target the user set for `segment`, compared without case.
fn target_of(context: &Context, segment: &str) -> Option<f64> {
    let wanted = segment.trim().to_lowercase();
    context
        .settings
        .segment_targets
        .iter()
        .find(|target| target.segment.trim().to_lowercase() == wanted)
        .map(|target| target.target)
}

/// Per segment: capacity, target per rep-equivalent and pipeline coverage.
fn segment_insights(context: &Context, team: &TeamBook, segments: &SegmentReader) -> Vec<Insight> {
    let current = context.current();
    // The deals of each segment: the reps' deals, and the open and won deals of the period.
    #[derive(Default)]
    struct SegmentDeals<'c, 'a> {
        capacity: f64,
        reps: usize,
        rep_deals: Vec<&'c Deal<'a>>,
        open_in_period: Vec<&'c Deal<'a>>,
        won_in_period: Vec<&'c Deal<'a>>,
    }
    let mut by_segment: BTreeMap<Option<String>, SegmentDeals> = BTreeMap::new();
    for rep in &team.reps {
        let n_deals = rep.deals.len() as f64;
        for (segment, n) in &rep.by_segment {
            let entry = by_segment.entry(segment.map(str::to_string)).or_default();
            entry.capacity += rep.weight * *n as f64 / n_deals;
            entry.reps += 1;
        }
        for deal in &rep.deals {
            by_segment
                .entry(segments.of(deal.opp).map(str::to_string))
                .or_default()
                .rep_deals
                .push(deal);
        }
    }
    for deal in open_and_won_in_period(context) {
        let entry = by_segment
            .entry(segments.of(deal.opp).map(str::to_string))
            .or_default();
        if deal.opp.status == DealStatus::Open {
            entry.open_in_period.push(deal);
        } else {
            entry.won_in_period.push(deal);
        }
    }
    let no_segment_anywhere = by_segment.keys().all(Option::is_none);
    for target in &context.settings.segment_targets {
        let known = by_segment
            .keys()
            .flatten()
            .any(|segment| segment.trim().to_lowercase() == target.segment.trim().to_lowercase());
        if !known {
            by_segment.entry(Some(target.segment.clone())).or_default();
        }
    }
    if no_segment_anywhere && context.settings.segment_targets.is_empty() {
        return vec![no_segments(context, segments)];
    }
    let currency = context.currency.as_deref();
    let mut out = Vec::new();
    for (segment, deals) in unnamed_last(by_segment) {
        let label = segment.as_deref().unwrap_or(NO_SEGMENT);
        let target = segment
            .as_deref()
            .and_then(|segment| target_of(context, segment));
        let subject = Subject {
            kind: SubjectKind::Segment,
            id: label.to_string(),
            label: label.to_string(),
        };
        let target_reference = target.map(|target| Reference::Setting {
            name: "segment_targets".into(),
            value: target,
        });
        let no_target = format!("no target is set for {label} (setting segment_targets)");
        let rep_population = Population {
            description: format!(
                "the reps' deals in {label} ({}): {}",
                segments.words(),
                team.deals_words(context)
            ),
            n: deals.rep_deals.len(),
            excluded: Vec::new(),
        };
        let segment_rows: Vec<EvidenceRef> = deals
            .rep_deals
            .iter()
            .map(|deal| {
                context.row_evidence(
                    deal,
                    Some("segment"),
                    segments.of(deal.opp).map(str::to_string),
                )
            })
            .collect();
        let capacity_words = format!(
            "capacity {} rep-equivalents ({} of {} {} deals in {label}; each rep counts its ramp weight × its share of deals in {label})",
            rep_equivalents(deals.capacity),
            deals.reps,
            count(team.reps.len(), "rep", "reps"),
            if deals.reps == 1 { "owns" } else { "own" }
        );
        let against_target = match target {
            Some(target) if deals.capacity > 0.0 => format!(
                "target {} ÷ {} = {} per rep-equivalent",
                money(target, currency),
                rep_equivalents(deals.capacity),
                money(target / deals.capacity, currency)
            ),
            Some(target) => format!(
                "target {}; no target per rep-equivalent, as the capacity is 0",
                money(target, currency)
            ),
            None => format!("{no_target}, so there is no target per rep-equivalent"),
        };
        out.push(Insight {
            key: format!("territory.capacity.{label}"),
            module: Module::Territory,
            measure: "capacity".into(),
            subject: subject.clone(),
            value: Some(deals.capacity),
            unit: Unit::Count,
            reference: target_reference.clone(),
            period: Some(context.period.clone()),
            population: rep_population,
            formula: "capacity of a segment = Σ over the reps of ramp weight × (the rep's deals in the segment ÷ the rep's deals); target per rep-equivalent = target of the segment ÷ capacity of the segment".into(),
            text: format!("{label}: {capacity_words}; {against_target}."),
            evidence: segment_rows,
        });
        let open = total(context, deals.open_in_period.iter().copied());
        let won = total(context, deals.won_in_period.iter().copied());
        let coverage = Coverage::of(open.amount, won.amount, target);
        let amounts = format!(
            "open pipeline {} and closed won {} in the period",
            money(open.amount, currency),
            money(won.amount, currency)
        );
        let text = match coverage.words((open.amount, won.amount), target, "target", currency) {
            Some(words) => format!("{label}: {words}."),
            None => format!("{label}: coverage is undefined: {no_target}; {amounts}."),
        };
        out.push(coverage_insight(
            context,
            "pipeline_coverage",
            subject,
            (&open, &won),
            CoverageWords {
                value: coverage.value(),
                reference: target_reference,
                description: format!(
                    "open deals of the snapshot of {} in segment {label} with a close date in the period, and its won deals closing in the period ({})",
                    current.as_of,
                    segments.words()
                ),
                formula: "open pipeline of the segment in period ÷ (target of the segment − closed won of the segment in period)",
                text,
            },
        ));
    }
    out
}

/// The insight said instead of the per-segment ones when no deal has a segment and no target is set.
fn no_segments(context: &Context, segments: &SegmentReader) -> Insight {
    Insight {
        key: "territory.segments.pipeline".into(),
        module: Module::Territory,
        measure: "segments".into(),
        subject: pipeline_subject(),
        value: None,
        unit: Unit::Count,
        reference: None,
        period: None,
        population: Population {
            description: format!(
                "deals of the snapshot of {} with a segment ({})",
                context.current().as_of,
                segments.words()
            ),
            n: 0,
            excluded: Vec::new(),
        },
        formula: "count of segments among the deals".into(),
        text: format!(
            "No deal of the snapshot of {} has a segment (no segment column, and no account with a segment in an accounts export) and no target is set (setting segment_targets), so capacity and coverage by segment are not computed.",
            context.current().as_of
        ),
        evidence: Vec::new(),
    }
}

/// Each lead source's part of the pipeline coverage against the plan.
fn lead_source_coverage(context: &Context) -> Vec<Insight> {
    let current = context.current();
    let mut by_source: BTreeMap<Option<&str>, Vec<&Deal>> = BTreeMap::new();
    let mut won_in_period = Vec::new();
    for deal in open_and_won_in_period(context) {
        match deal.opp.status {
            DealStatus::Open => by_source
                .entry(lead_source(deal.opp))
                .or_default()
                .push(deal),
            _ => won_in_period.push(deal),
        }
    }
    let won = total(context, won_in_period.into_iter());
    let plan = context.settings.plan;
    let reference = plan.map(|plan| Reference::Setting {
        name: "plan".into(),
        value: plan,
    });
    let currency = context.currency.as_deref();
    unnamed_last(by_source)
        .into_iter()
        .map(|(source, deals)| {
            let label = source.unwrap_or(NO_LEAD_SOURCE);
            let open = total(context, deals.into_iter());
            let coverage = Coverage::of(open.amount, won.amount, plan);
            let open_words = format!(
                "open pipeline from {label} in the period is {}",
                money(open.amount, currency)
            );
            let text = match coverage.words((open.amount, won.amount), plan, "plan", currency) {
                Some(words) if coverage.value().is_some() => {
                    format!("{label}: {words}, the part of the coverage from {label}.")
                }
                Some(words) => format!("{label}: {words}; {open_words}."),
                None => format!("{label}: coverage is undefined: no plan is set; {open_words}."),
            };
            coverage_insight(
                context,
                "pipeline_coverage_lead_source",
                Subject {
                    kind: SubjectKind::LeadSource,
                    id: label.to_string(),
                    label: label.to_string(),
                },
                (&open, &won),
                CoverageWords {
                    value: coverage.value(),
                    reference: reference.clone(),
                    description: format!(
                        "open deals of the snapshot of {} with lead source {label} and a close date in the period, and all won deals closing in the period",
                        current.as_of
                    ),
                    formula: "open pipeline of the lead source in period ÷ (plan − closed won in period, all lead sources)",
                    text,
                },
            )
        })
        .collect()
}

/// What a coverage insight says, beside its totals.
struct CoverageWords {
    value: Option<f64>,
    reference: Option<Reference>,
    /// The population's description.
    description: String,
    formula: &'static str,
    text: String,
}

/// A coverage insight over an open and a won total (their rows and exclusions merged).
fn coverage_insight(
    context: &Context,
    measure: &str,
    subject: Subject,
    (open, won): (&Total, &Total),
    words: CoverageWords,
) -> Insight {
    let mut population = open.tally.population(words.description);
    population.n += won.tally.n;
    population.add_excluded(won.tally.population("").excluded);
    Insight {
        key: format!("territory.{measure}.{}", subject.id),
        module: Module::Territory,
        measure: measure.to_string(),
        subject,
        value: words.value,
        unit: Unit::Multiple,
        reference: words.reference,
        period: Some(context.period.clone()),
        population,
        formula: words.formula.to_string(),
        text: words.text,
        evidence: open.evidence.iter().chain(&won.evidence).cloned().collect(),
    }
}
