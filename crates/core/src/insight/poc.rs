//! Module 9, POC governance: how long POCs last against their own distribution (with each POC's
//! position in it), whether success criteria were written down, and how often a POC was followed
//! by production.
//!
//! **What counts as a POC.** Lens reads POCs from two places:
//! 1. **Program pilots**: a row of the program milestones table with a pilot start on or before
//!    the as-of date is a POC of that account (the GTM execution pack of seed 004 calls the POC a
//!    pilot; the import reads a "pilot success criteria" column as the POC success criteria field).
//!    These carry dates, so durations and conversion come from them, per program:
//!    - **POC duration** = pilot end − pilot start in days, for pilots ended on or before the as-of
//!      date; these form the distribution (quantiles type 7, see [`super::stats`]). A pilot still
//!      running is placed by its days so far (as-of date − pilot start) in the distribution of the
//!      ended ones, like stage aging; each pilot's position is the mid-rank percentile.
//!    - **Success criteria** of a pilot: present when a deal of the account in the current snapshot
//!      has the "POC Success Criteria" evidence field filled; absent when the account's deals come
//!      from an export with that column and all of them leave it empty; otherwise left out (no deal
//!      of the account, matched by account id, else by account name; or no such column).
//!    - **POC → production conversion** = ended pilots followed by a contract on or before the
//!      as-of date ÷ pilots ended (the scorecard's pilot → production conversion, the same rule in
//!      [`super::program`]), also split by criteria present or absent.
//! 2. **Deals marked as a POC** in the current snapshot: the stage (now, or in the deal's stage
//!    history) or the opportunity type names one (the whole word "POC" or "pilot", or "proof of
//!    concept"), or the "POC Success Criteria" field is filled (the demo data's generator fills it
//!    only on deals that run a POC). Deals carry no POC dates, so they give no durations:
//!    - **Success criteria** of open deals whose stage or type names a POC: filled ÷ deals whose
//!      export has the column (the field cannot mark its own absence, so deals marked only by it
//!      are not counted here).
//!    - **Win rate of deals with a POC** = won ÷ (won + lost, as the export marks them) over marked
//!      deals closed within [`super::Settings::lookback_days`] before the as-of date, beside the
//!      same rate over the unmarked closed deals of that window.
//!
//! Nothing here says what a POC's length or criteria mean; the user's own distribution is the
//! only reference.

use rustc_hash::FxHashMap as HashMap;

use chrono::{Days, NaiveDate};

use super::context::{Context, Deal, Tally};
use super::program::{self, Entry, MilestoneRow, ProgramMetric, ProgramRows};
use super::render::{count, number, percent};
use super::stats::{percentile_rank_sorted, quantile_sorted};
use super::{EvidenceRef, Insight, Module, Population, Reference, Subject, SubjectKind, Unit};
use crate::model::{DealStatus, HistoryField, Opportunity, Text};

/// The evidence field holding POC success criteria (`import::fields::EVIDENCE_FIELDS`).
const CRITERIA_FIELD: &str = "POC Success Criteria";

pub(super) fn insights(context: &Context) -> Vec<Insight> {
    let programs = program::programs(context);
    let deals = DealsByAccount::new(context);
    let mut out = Vec::new();
    for program in &programs {
        pilots(context, program, &deals, &mut out);
    }
    deal_pocs(context, &mut out);
    if out.is_empty() {
        out.push(no_poc(context));
    }
    out
}

/// The deals of the current snapshot by account id and by account name.
struct DealsByAccount<'c, 'a> {
    by_id: HashMap<&'a str, Vec<&'c Deal<'a>>>,
    by_name: HashMap<&'a str, Vec<&'c Deal<'a>>>,
}

impl<'c, 'a> DealsByAccount<'c, 'a> {
    fn new(context: &'c Context<'a>) -> DealsByAccount<'c, 'a> {
        let mut by_id: HashMap<&str, Vec<&Deal>> = HashMap::default();
        let mut by_name: HashMap<&str, Vec<&Deal>> = HashMap::default();
        for deal in &context.current().deals {
            if let Some(id) = deal.opp.account_id.as_deref() {
                by_id.entry(id.trim()).or_default().push(deal);
            }
            if let Some(name) = deal.opp.account_name.as_deref() {
                by_name.entry(name.trim()).or_default().push(deal);
            }
        }
        DealsByAccount { by_id, by_name }
    }

    /// The account's deals: by id, else by name.
    fn of(&self, row: &MilestoneRow) -> &[&'c Deal<'a>] {
        if let Some(deals) = self.by_id.get(row.row.account_id.trim()) {
            return deals;
        }
        row.row
            .account_name
            .as_deref()
            .and_then(|name| self.by_name.get(name.trim()))
            .map_or(&[], Vec::as_slice)
    }
}

/// The criteria field of a deal: `None` when its export has no such column.
fn criteria_filled(opp: &Opportunity) -> Option<bool> {
    opp.evidence
        .get(CRITERIA_FIELD)
        .map(|value| value.as_deref().is_some_and(|text| !text.trim().is_empty()))
}

/// Whether a pilot's account has POC success criteria written down, with the rows that say so.
enum Criteria {
    Present(Vec<EvidenceRef>),
    Absent(Vec<EvidenceRef>),
    Unknown(&'static str),
}

fn pilot_criteria(context: &Context, deals: &DealsByAccount, row: &MilestoneRow) -> Criteria {
    let account_deals = deals.of(row);
    if account_deals.is_empty() {
        return Criteria::Unknown(
            "no deal of the account in the current snapshot (matched by account id, else account name)",
        );
    }
    let mut empty = Vec::new();
    for deal in account_deals {
        match criteria_filled(deal.opp) {
            Some(true) => {
                let value = deal.opp.evidence.get(CRITERIA_FIELD).cloned().flatten();
                return Criteria::Present(vec![context.row_evidence(
                    deal,
                    Some(CRITERIA_FIELD),
                    value,
                )]);
            }
            Some(false) => {
                empty.push(context.row_evidence(deal, Some(CRITERIA_FIELD), None::<Text>))
            }
            None => {}
        }
    }
    if empty.is_empty() {
        Criteria::Unknown(
            "the account's deals come from an export without a POC success criteria column",
        )
    } else {
        Criteria::Absent(empty)
    }
}

/// One pilot as of the as-of date.
enum Pilot {
    Ended {
        start: NaiveDate,
        end: NaiveDate,
        days: f64,
    },
    Running {
        start: NaiveDate,
        days: f64,
    },
}

fn pilot_of(row: &MilestoneRow, as_of: NaiveDate) -> Result<Option<Pilot>, &'static str> {
    let seen = |date: Option<NaiveDate>| date.filter(|d| *d <= as_of);
    match (seen(row.row.pilot_start), seen(row.row.pilot_end)) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err("pilot end date without a pilot start date"),
        (Some(start), Some(end)) if end < start => {
            Err("pilot end date before the pilot start date")
        }
        (Some(start), Some(end)) => Ok(Some(Pilot::Ended {
            start,
            end,
            days: (end - start).num_days() as f64,
        })),
        (Some(start), None) => Ok(Some(Pilot::Running {
            start,
            days: (as_of - start).num_days() as f64,
        })),
    }
}

fn pilots(
    context: &Context,
    program: &ProgramRows,
    deals: &DealsByAccount,
    out: &mut Vec<Insight>,
) {
    let as_of = context.as_of;
    let mut excluded = Tally::default();
    let mut found: Vec<(MilestoneRow, Pilot)> = Vec::new();
    for row in &program.rows {
        match pilot_of(row, as_of) {
            Ok(Some(pilot)) => found.push((*row, pilot)),
            Ok(None) => {}
            Err(reason) => excluded.exclude(reason),
        }
    }
    if found.is_empty() && excluded.population("").excluded.is_empty() {
        return;
    }
    let mut sorted: Vec<f64> = found
        .iter()
        .filter_map(|(_, pilot)| match pilot {
            Pilot::Ended { days, .. } => Some(*days),
            Pilot::Running { .. } => None,
        })
        .collect();
    sorted.sort_by(f64::total_cmp);
    let running = found.len() - sorted.len();
    let description = format!(
        "pilots of {} that started and ended on or before {as_of} (pilot end − pilot start in days)",
        program.label()
    );
    out.push(distribution_insight(
        context,
        program,
        &found,
        &sorted,
        running,
        &description,
        excluded,
    ));
    for (row, pilot) in &found {
        out.push(position_insight(
            context,
            program,
            row,
            pilot,
            &sorted,
            &description,
        ));
    }
    criteria_and_conversion(context, program, deals, &found, out);
}

fn days_text(days: f64) -> String {
    if days == 1.0 {
        "1 day".to_string()
    } else {
        format!("{} days", number(days))
    }
}

fn distribution_insight(
    context: &Context,
    program: &ProgramRows,
    found: &[(MilestoneRow, Pilot)],
    sorted: &[f64],
    running: usize,
    description: &str,
    excluded: Tally,
) -> Insight {
    let at = |p: f64| quantile_sorted(sorted, p);
    let mut population = excluded.population(description);
    population.n = sorted.len();
    if running > 0 {
        population.add_excluded([super::Exclusion {
            n: running,
            reason:
                "pilot still running on the as-of date (placed in the distribution, not part of it)"
                    .into(),
        }]);
    }
    let running_words = count(running, "pilot is", "pilots are");
    let (value, reference, text) = match (at(0.1), at(0.25), at(0.5), at(0.75), at(0.9)) {
        (Some(p10), Some(p25), Some(p50), Some(p75), Some(p90)) => (
            Some(p50),
            Some(Reference::Distribution {
                description: description.to_string(),
                n: sorted.len(),
                p50,
                p90,
                percentile: percentile_rank_sorted(sorted, p50).unwrap_or(50.0),
            }),
            format!(
                "{} of {} ended by {}, lasting {} to {}: 10th percentile {}, quartiles {}, {} and {}, 90th percentile {}; {running_words} still running.",
                count(sorted.len(), "pilot", "pilots"),
                program.label(),
                context.as_of,
                days_text(sorted[0]),
                days_text(sorted[sorted.len() - 1]),
                days_text(p10),
                number(p25),
                number(p50),
                days_text(p75),
                days_text(p90),
            ),
        ),
        _ => (
            None,
            None,
            format!(
                "No pilot of {} ended by {}, so there is no distribution of POC durations; {running_words} still running.",
                program.label(),
                context.as_of
            ),
        ),
    };
    Insight {
        key: format!("poc.pilot_days.{}", program.key()),
        module: Module::Poc,
        measure: "pilot_days".into(),
        subject: program.subject(),
        value,
        unit: Unit::Days,
        reference,
        period: None,
        population,
        formula: "median of (pilot end − pilot start) in days over ended pilots; quantiles interpolate between order statistics (type 7)".into(),
        text,
        evidence: found
            .iter()
            .filter_map(|(row, pilot)| match pilot {
                Pilot::Ended { end, .. } => Some(row.evidence("pilot_end", Some(*end))),
                Pilot::Running { .. } => None,
            })
            .collect(),
    }
}

fn position_insight(
    context: &Context,
    program: &ProgramRows,
    row: &MilestoneRow,
    pilot: &Pilot,
    sorted: &[f64],
    description: &str,
) -> Insight {
    let (days, mut text, evidence, formula) = match pilot {
        Pilot::Ended { start, end, days } => (
            *days,
            format!("Pilot from {start} to {end}: {}.", days_text(*days)),
            vec![
                row.evidence("pilot_start", Some(*start)),
                row.evidence("pilot_end", Some(*end)),
            ],
            "pilot end − pilot start in days; percentile = share of the ended pilots below the value plus half the share equal to it",
        ),
        Pilot::Running { start, days } => (
            *days,
            format!(
                "Pilot running since {start}: {} by {}.",
                days_text(*days),
                context.as_of
            ),
            vec![row.evidence("pilot_start", Some(*start))],
            "as-of date − pilot start in days (the pilot has no end yet); percentile = share of the ended pilots below the value plus half the share equal to it",
        ),
    };
    let reference = match (
        percentile_rank_sorted(sorted, days),
        quantile_sorted(sorted, 0.5),
        quantile_sorted(sorted, 0.9),
    ) {
        (Some(percentile), Some(p50), Some(p90)) => {
            text.push_str(&format!(
                " Of the {} of {}, the median lasted {} and the 90th percentile {}; {} lies at percentile {} of them (ties counted as half).",
                count(sorted.len(), "ended pilot", "ended pilots"),
                program.label(),
                days_text(p50),
                days_text(p90),
                days_text(days),
                number(percentile)
            ));
            Some(Reference::Distribution {
                description: description.to_string(),
                n: sorted.len(),
                p50,
                p90,
                percentile,
            })
        }
        _ => {
            text.push_str(&format!(
                " No pilot of {} has ended, so there is no distribution to place it in.",
                program.label()
            ));
            None
        }
    };
    Insight {
        key: format!("poc.pilot_days.{}.{}", program.key(), row.row.account_id),
        module: Module::Poc,
        measure: "pilot_days".into(),
        subject: Subject {
            kind: SubjectKind::Record,
            id: row.row.account_id.clone(),
            label: row.account_label(),
        },
        value: Some(days),
        unit: Unit::Days,
        reference,
        period: None,
        population: Population {
            description: description.to_string(),
            n: sorted.len(),
            excluded: Vec::new(),
        },
        formula: formula.into(),
        text,
        evidence,
    }
}

fn criteria_and_conversion(
    context: &Context,
    program: &ProgramRows,
    deals: &DealsByAccount,
    found: &[(MilestoneRow, Pilot)],
    out: &mut Vec<Insight>,
) {
    let as_of = context.as_of;
    let mut criteria_tally = Tally::default();
    let (mut present, mut present_evidence, mut absent_evidence) = (0, Vec::new(), Vec::new());
    // Conversion of ended pilots: all, with criteria present, with criteria absent.
    let mut conversion = [
        Conversion::default(),
        Conversion::default(),
        Conversion::default(),
    ];
    for (row, _) in found {
        let criteria = pilot_criteria(context, deals, row);
        let group = match criteria {
            Criteria::Present(evidence) => {
                criteria_tally.count();
                present += 1;
                present_evidence.extend(evidence);
                Some(1)
            }
            Criteria::Absent(evidence) => {
                criteria_tally.count();
                absent_evidence.extend(evidence);
                Some(2)
            }
            Criteria::Unknown(reason) => {
                criteria_tally.exclude(reason);
                None
            }
        };
        let entry = program::classify(ProgramMetric::PilotToProduction, row.row, as_of);
        conversion[0].add(entry, row);
        if let Some(group) = group {
            conversion[group].add(entry, row);
        }
    }
    let n = criteria_tally.n;
    let absent = n - present;
    let label = program.label();
    let mut evidence = absent_evidence;
    evidence.extend(present_evidence);
    out.push(Insight {
        key: format!("poc.criteria.{}", program.key()),
        module: Module::Poc,
        measure: "criteria".into(),
        subject: program.subject(),
        value: (n > 0).then(|| present as f64 / n as f64),
        unit: Unit::Ratio,
        reference: None,
        period: None,
        population: criteria_tally.population(format!(
            "pilots of {label} started on or before {as_of} whose account has a deal with a POC success criteria column in the snapshot of {}",
            context.current().as_of
        )),
        formula: "pilots whose account has a deal with POC success criteria filled ÷ pilots whose account's deals have the column".into(),
        text: if n > 0 {
            format!(
                "POC success criteria filled on a deal of the account for {present} of {} of {label} ({}); empty on every deal of the account for {absent}.",
                count(n, "pilot", "pilots"),
                percent(present as f64 / n as f64)
            )
        } else {
            format!(
                "No pilot of {label} can be matched to a deal with a POC success criteria column in the snapshot of {}, so presence of criteria is not counted.",
                context.current().as_of
            )
        },
        evidence,
    });
    let [all, with, without] = conversion;
    out.push(all.insight(
        context,
        program,
        "conversion",
        "ended pilots",
        "ended pilots of",
    ));
    if with.tally.n + without.tally.n > 0 {
        out.push(with.insight(
            context,
            program,
            "conversion_with_criteria",
            "ended pilots with POC success criteria filled on a deal of the account",
            "ended pilots with POC success criteria filled on a deal of the account, of",
        ));
        out.push(without.insight(
            context,
            program,
            "conversion_without_criteria",
            "ended pilots with POC success criteria empty on every deal of the account",
            "ended pilots with POC success criteria empty on every deal of the account, of",
        ));
    }
}

/// POC → production over a group of pilots.
#[derive(Default)]
struct Conversion {
    contracts: usize,
    tally: Tally,
    evidence: Vec<EvidenceRef>,
}

impl Conversion {
    fn add(&mut self, entry: Entry, row: &MilestoneRow) {
        match entry {
            Entry::Rate {
                hit, field, date, ..
            } => {
                self.tally.count();
                self.contracts += usize::from(hit);
                self.evidence.push(row.evidence(field, Some(date)));
            }
            Entry::Excluded(reason) => self.tally.exclude(reason),
            Entry::Outside | Entry::Duration { .. } => {}
        }
    }

    fn insight(
        self,
        context: &Context,
        program: &ProgramRows,
        measure: &str,
        group_words: &str,
        population_words: &str,
    ) -> Insight {
        let n = self.tally.n;
        let label = program.label();
        let value = (n > 0).then(|| self.contracts as f64 / n as f64);
        let text = match value {
            Some(share) => format!(
                "POC → production, {label}: {} of {n} {group_words} were followed by a contract by {} ({}).",
                self.contracts,
                context.as_of,
                percent(share)
            ),
            None => format!(
                "POC → production, {label}: undefined, as there are no {group_words} by {}.",
                context.as_of
            ),
        };
        Insight {
            key: format!("poc.{measure}.{}", program.key()),
            module: Module::Poc,
            measure: measure.to_string(),
            subject: program.subject(),
            value,
            unit: Unit::Ratio,
            reference: None,
            period: None,
            population: self.tally.population(format!(
                "{population_words} {label} (pilot start and end on or before {})",
                context.as_of
            )),
            formula: "ended pilots with a contract date on or before the as-of date ÷ ended pilots"
                .into(),
            text,
            evidence: self.evidence,
        }
    }
}

/// Whether a name (stage, type) names a POC: the whole word "POC"/"POCs"/"pilot"/"pilots", or
/// "proof of concept" (also hyphenated).
fn names_a_poc(text: &str) -> bool {
    // Read a word at a time without copying: the analysis asks this of every deal's stage and type
    // and of every stage change in the history. The words are ASCII, so comparing them without
    // ASCII case is comparing them lower-cased.
    let mut before: [&str; 2] = ["", ""];
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let is = |name: &str| word.eq_ignore_ascii_case(name);
        if is("poc") || is("pocs") || is("pilot") || is("pilots") {
            return true;
        }
        if is("concept")
            && before[0].eq_ignore_ascii_case("proof")
            && before[1].eq_ignore_ascii_case("of")
        {
            return true;
        }
        before = [before[1], word];
    }
    false
}

fn deal_pocs(context: &Context, out: &mut Vec<Insight>) {
    let current = context.current();
    let snapshot_date = current.as_of;
    let named = |deal: &Deal| {
        deal.opp.stage.as_deref().is_some_and(names_a_poc)
            || deal
                .opp
                .opportunity_type
                .as_deref()
                .is_some_and(names_a_poc)
    };
    // Open deals whose stage or type names a POC: criteria filled or empty.
    let mut tally = Tally::default();
    let mut filled = 0;
    let mut evidence = Vec::new();
    for deal in current.open_deals().filter(|deal| named(deal)) {
        match criteria_filled(deal.opp) {
            Some(is_filled) => {
                tally.count();
                filled += usize::from(is_filled);
                let value = deal.opp.evidence.get(CRITERIA_FIELD).cloned().flatten();
                evidence.push(context.row_evidence(deal, Some(CRITERIA_FIELD), value));
            }
            None => tally.exclude("export without a POC success criteria column"),
        }
    }
    if tally.n > 0 || !tally.population("").excluded.is_empty() {
        let n = tally.n;
        out.push(Insight {
            key: "poc.deal_criteria.pipeline".into(),
            module: Module::Poc,
            measure: "deal_criteria".into(),
            subject: pipeline_subject(),
            value: (n > 0).then(|| filled as f64 / n as f64),
            unit: Unit::Ratio,
            reference: None,
            period: None,
            population: tally.population(format!(
                "open deals in the snapshot of {snapshot_date} whose stage or type names a POC (POC, pilot, proof of concept)"
            )),
            formula: "open deals with POC success criteria filled ÷ open deals whose export has the column, over deals whose stage or type names a POC".into(),
            text: if n > 0 {
                format!(
                    "POC success criteria filled on {filled} of {} whose stage or type names a POC ({}); empty on {}.",
                    count(n, "open deal", "open deals"),
                    percent(filled as f64 / n as f64),
                    n - filled
                )
            } else {
                "Open deals whose stage or type names a POC come from an export without a POC success criteria column.".to_string()
            },
            evidence,
        });
    }

    // Closed deals in the lookback window: win rate with and without a POC.
    let window_start = context.as_of - Days::new(context.settings.lookback_days.max(0) as u64);
    let marked = |deal: &Deal| {
        named(deal)
            || criteria_filled(deal.opp) == Some(true)
            || context.history(&deal.opp.id).iter().any(|event| {
                event.event.field == HistoryField::Stage
                    && event.event.new_value.as_deref().is_some_and(names_a_poc)
            })
    };
    let (mut with, mut without) = (WinCount::default(), WinCount::default());
    for deal in &current.deals {
        if deal.opp.status == DealStatus::Open
            || !deal
                .opp
                .close_date
                .is_some_and(|d| window_start <= d && d <= context.as_of)
        {
            continue;
        }
        if marked(deal) {
            with.add(deal);
            with.evidence.push(context.row_evidence(
                deal,
                Some("status"),
                Some(format!("{:?}", deal.opp.status)),
            ));
        } else {
            without.add(deal);
        }
    }
    if with.closed() == 0 {
        return;
    }
    let rate_words = |counts: &WinCount| match counts.rate() {
        Some(rate) => format!(
            "won {} of {} ({})",
            counts.won,
            count(counts.closed(), "closed deal", "closed deals"),
            percent(rate)
        ),
        None => "no closed deal".to_string(),
    };
    out.push(Insight {
        key: "poc.deal_win_rate.pipeline".into(),
        module: Module::Poc,
        measure: "deal_win_rate".into(),
        subject: pipeline_subject(),
        value: with.rate(),
        unit: Unit::Ratio,
        reference: None,
        period: Some(super::Period {
            start: window_start,
            end: context.as_of,
            label: format!("{window_start} to {}", context.as_of),
        }),
        population: Population {
            description: format!(
                "deals in the snapshot of {snapshot_date} closed from {window_start} to {} whose stage (now or in their history) or type names a POC, or whose POC success criteria are filled",
                context.as_of
            ),
            n: with.closed(),
            excluded: Vec::new(),
        },
        formula: "won ÷ (won + lost) over closed deals with a POC; lost as the export marks it (a no-decision close counts as lost when the export closes it as lost)".into(),
        text: format!(
            "Deals with a POC closed from {window_start} to {}: {}; closed deals without one: {}.",
            context.as_of,
            rate_words(&with),
            rate_words(&without)
        ),
        evidence: with.evidence,
    });
}

#[derive(Default)]
struct WinCount {
    won: usize,
    lost: usize,
    evidence: Vec<EvidenceRef>,
}

impl WinCount {
    fn add(&mut self, deal: &Deal) {
        match deal.opp.status {
            DealStatus::Won => self.won += 1,
            DealStatus::Lost => self.lost += 1,
            DealStatus::Open => {}
        }
    }

    fn closed(&self) -> usize {
        self.won + self.lost
    }

    fn rate(&self) -> Option<f64> {
        (self.closed() > 0).then(|| self.won as f64 / self.closed() as f64)
    }
}

fn pipeline_subject() -> Subject {
    Subject {
        kind: SubjectKind::Pipeline,
        id: "all".into(),
        label: "Pipeline".into(),
    }
}

fn no_poc(context: &Context) -> Insight {
    Insight {
        key: "poc.count.pipeline".into(),
        module: Module::Poc,
        measure: "count".into(),
        subject: pipeline_subject(),
        value: Some(0.0),
        unit: Unit::Count,
        reference: None,
        period: None,
        population: Population {
            description: format!(
                "program pilots started on or before {} and deals of the snapshot of {} marked as a POC",
                context.as_of,
                context.current().as_of
            ),
            n: 0,
            excluded: Vec::new(),
        },
        formula: "count of program milestones rows with a pilot start, and of deals whose stage or type names a POC or whose POC success criteria are filled".into(),
        text: format!(
            "No POC in this data: no program milestones row has a pilot start on or before {}, and no deal of the snapshot of {} has a stage or type naming a POC or POC success criteria filled.",
            context.as_of,
            context.current().as_of
        ),
        evidence: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poc_names_are_whole_words() {
        assert!(names_a_poc("POC"));
        assert!(names_a_poc("Technical Validation / POC"));
        assert!(names_a_poc("Paid Pilot"));
        assert!(names_a_poc("Proof-of-Concept"));
        assert!(names_a_poc("proof of concept"));
        assert!(!names_a_poc("Pocket Software"));
        assert!(!names_a_poc("Autopilot Renewal"));
        assert!(!names_a_poc("Proof Review"));
        assert!(names_a_poc("Stage 3 — PROOF  of concept (paid)"));
        assert!(names_a_poc("pocs"));
        assert!(!names_a_poc("proof concept"));
        assert!(!names_a_poc("of concept proof"));
        assert!(!names_a_poc("Proof of the concept"));
        assert!(!names_a_poc("pöc"));
    }
}
