//! Module 5, the coaching view: for each rep, the distributions and rates the other modules compute
//! for the team (win rate, sales cycle, stage-to-stage conversion, stage aging, evidence
//! completeness, forecast bias), each beside the team's and each with its population. There are no
//! scores, no rankings and no labels: reps are listed by name, and every sentence gives the rep's
//! figure and the team's.
//!
//! The figures are those of the modules that define them, read from the same computations:
//! - **Win rate (count)** = won ÷ (won + lost) over the deals of the current snapshot closed with a
//!   close date in the lookback window (the hygiene module's window and closed deals); "no decision"
//!   counts as lost where the export or mapping marks it lost.
//! - **Sales cycle** = close date − created date over the won deals of the same window (won only):
//!   25th, 50th and 75th percentiles and n.
//! - **Stage-to-stage conversion** of a stage: of the stays in it that began within the window and
//!   ended, the share that next moved to a later stage or were won, against those lost or moved
//!   back (the hygiene module's stays and rule; stays into a stage of equal or unknown order are
//!   left out). A stay belongs to the rep owning the record in the current snapshot.
//! - **Stage aging** = days since an open deal of the current snapshot entered its current stage
//!   (PRODUCT.md): per stage, the 25th, 50th and 75th percentiles and n of the open deals in it.
//! - **Evidence completeness** of an open deal = evidence fields filled ÷ evidence fields whose
//!   column its export has (the evidence module's fields: MEDDPICC, paper process, security review,
//!   POC success criteria, next step); per rep, the 25th, 50th and 75th percentiles and n over the
//!   open deals. Deals whose export has none of the columns are left out.
//! - **Forecast bias** = Σ(call − actual) ÷ Σ actual (PRODUCT.md) of the call "closed won + Commit",
//!   over the (snapshot, quarter) pairs of the forecast module's accuracy; the team's sums every
//!   rep's pairs. Beside it, its distribution over the calls: each pair's (call − actual) ÷ actual
//!   (pairs whose actual is 0 have none), 25th, 50th and 75th percentiles and n; the team's pools
//!   every rep's calls.
//!
//! A deal belongs to the rep [`Context::owner`] names; deals without an owner count for the team
//! only. Percentiles interpolate between order statistics (type 7, [`Quartiles`]).
//!
//! Insights: for the team, then for each rep by name, in the order above. The team's win rate and
//! stage conversion are not repeated here: they are the hygiene module's `win_rate_count` and
//! `stage_conversion` insights, and each rep's sentence gives them beside the rep's figure. The
//! rep's forecast bias has the population and rows of the forecast module's; the team's sums them.
//!
//! Cost: the stage stays and ages and the accuracy sums are built once per analysis and shared
//! with the hygiene and forecast modules; this module adds one pass over the current snapshot and
//! one over the stays that began in the window.

use std::collections::{BTreeMap, BTreeSet};

use super::context::{Context, Deal};
use super::evidence::{EvidenceReader, FillCounts, analysis_fields};
use super::forecast::{Accuracy, AccuracyTables, Reps, Variant, make_keys_unique, rep_subject};
use super::hygiene::{
    ClosedDeals, Cycles, OpenAge, StageDurations, Stay, StayOutcomes, cycle_evidence, days_text,
    field_evidence,
};
use super::render::{count, money, percent, signed_percent};
use super::stats::Quartiles;
use super::{EvidenceRef, Exclusion, Insight, Module, Period, Population, Subject, Unit};
use crate::model::{Opportunity, Text};

pub(super) fn insights(
    context: &Context,
    durations: &StageDurations,
    accuracy: &AccuracyTables,
) -> Vec<Insight> {
    let book = Book::new(context, durations, accuracy);
    let mut out = Vec::new();
    book.emit(context, durations, accuracy, None, &mut out);
    for rep in book.reps.by_name_order() {
        if book.by_rep.get(rep).is_some_and(|figures| figures.present) {
            book.emit(context, durations, accuracy, Some(rep), &mut out);
        }
    }
    make_keys_unique(&mut out);
    out
}

/// "median 52 days (p25 40 days, p75 70 days; n = 18)", each value written by `unit`.
pub(super) fn quartile_words(quartiles: &Quartiles, unit: impl Fn(f64) -> String) -> String {
    format!(
        "median {} (p25 {}, p75 {}; n = {})",
        unit(quartiles.p50),
        unit(quartiles.p25),
        unit(quartiles.p75),
        quartiles.n
    )
}

/// The stays of one stage that began in the window, for one rep or the team.
#[derive(Default)]
struct Conversion<'x, 'a> {
    outcomes: StayOutcomes,
    stays: Vec<&'x Stay<'a>>,
    /// Stays that began in the window and had not ended by the as-of date.
    still_in: usize,
}

/// One rep's figures, or the team's.
#[derive(Default)]
struct Figures<'x, 'a> {
    /// Whether the rep owns any deal or call counted here (a rep with none is not listed).
    present: bool,
    won: Vec<&'x Deal<'a>>,
    lost: Vec<&'x Deal<'a>>,
    /// By stage index (the position in the stages in process order).
    conversion: BTreeMap<usize, Conversion<'x, 'a>>,
    ages: BTreeMap<usize, Vec<&'x OpenAge<'a>>>,
    /// Share of evidence fields filled, per open deal.
    evidence_shares: Vec<(f64, &'x Deal<'a>)>,
    /// Open deals whose export has none of the evidence columns.
    evidence_no_column: usize,
    /// The rep's accuracy sums of the call closed won + Commit (reps only).
    bias: Option<&'x Accuracy<'a, 'a>>,
}

/// Everything the coaching view reads, split by rep.
struct Book<'c, 'x, 'a> {
    reps: Reps<'c, 'a>,
    team: Figures<'x, 'a>,
    by_rep: Vec<Figures<'x, 'a>>,
    /// Closed deals of the current snapshot left out of the window, by reason.
    closed_excluded: Vec<Exclusion>,
    /// Whether the analysis has evidence fields at all.
    has_evidence_fields: bool,
    window_words: String,
    window_period: Period,
    /// The open stages in process order; figures refer to them by index.
    stages: Vec<&'a str>,
    team_words: TeamWords,
}

impl<'c, 'x, 'a> Book<'c, 'x, 'a>
where
    'c: 'x,
{
    fn new(
        context: &'c Context<'a>,
        durations: &'x StageDurations<'a>,
        accuracy: &'x AccuracyTables<'a>,
    ) -> Book<'c, 'x, 'a> {
        let window = durations.window();
        let stages = durations.stages_in_order(context);
        let mut book = Book {
            reps: Reps::new(context),
            team: Figures::default(),
            by_rep: Vec::new(),
            closed_excluded: Vec::new(),
            has_evidence_fields: false,
            window_words: window.words(),
            window_period: window.period(),
            stages: Vec::new(),
            team_words: TeamWords::default(),
        };
        let current = context.current();

        let closed = ClosedDeals::new(context, window);
        book.closed_excluded = closed.excluded();
        for (deals, won) in [(&closed.won, true), (&closed.lost, false)] {
            for &deal in deals {
                for figures in book.figures_of(deal.opp) {
                    if won {
                        figures.won.push(deal);
                    } else {
                        figures.lost.push(deal);
                    }
                }
            }
        }

        for (stage_idx, stage) in stages.iter().enumerate() {
            let stage_rank = context.stage_rank(stage);
            for stay in durations.stays_begun_in_window(stage) {
                let outcome = durations.outcome(context, stage_rank, stay);
                let owner = current.get(stay.record_id).map(|deal| deal.opp);
                for figures in book.figures_of_record(owner) {
                    let conversion = figures.conversion.entry(stage_idx).or_default();
                    conversion.outcomes.add(outcome);
                    conversion.stays.push(stay);
                }
            }
            for record_id in durations.still_in(stage) {
                let owner = current.get(record_id).map(|deal| deal.opp);
                for figures in book.figures_of_record(owner) {
                    figures.conversion.entry(stage_idx).or_default().still_in += 1;
                }
            }
        }

        let stage_index: BTreeMap<&str, usize> = stages
            .iter()
            .enumerate()
            .map(|(idx, stage)| (*stage, idx))
            .collect();
        for age in durations.open_ages() {
            if !durations.is_open_stage(age.stage) {
                continue;
            }
            let Some(&stage_idx) = stage_index.get(age.stage) else {
                continue;
            };
            for figures in book.figures_of(age.deal.opp) {
                figures.ages.entry(stage_idx).or_default().push(age);
            }
        }

        let open: Vec<&Deal> = current.open_deals().collect();
        let fields = analysis_fields(context, &open);
        book.has_evidence_fields = !fields.is_empty();
        if book.has_evidence_fields {
            let mut reader = EvidenceReader::new(context, fields);
            let mut cells = Vec::new();
            for deal in current.open_deals() {
                reader.current_cells(deal, &mut cells);
                let counts = FillCounts::of(&cells);
                for figures in book.figures_of(deal.opp) {
                    if counts.with_column == 0 {
                        figures.evidence_no_column += 1;
                    } else {
                        let share = counts.filled as f64 / counts.with_column as f64;
                        figures.evidence_shares.push((share, deal));
                    }
                }
            }
        }

        let no_owner = context.owner(&Opportunity::default());
        for (name, sums) in accuracy.by_rep(Variant::Commit) {
            if name == no_owner {
                continue;
            }
            let rep = book.reps.index_of_name(name.to_string());
            let figures = book.rep_figures(rep);
            figures.present = true;
            figures.bias = Some(sums);
        }
        book.stages = stages;
        book.team_words = TeamWords::of(context, &book.team, accuracy);
        book
    }

    fn rep_figures(&mut self, rep: usize) -> &mut Figures<'x, 'a> {
        if rep >= self.by_rep.len() {
            self.by_rep.resize_with(rep + 1, Figures::default);
        }
        &mut self.by_rep[rep]
    }

    /// The team's figures and, when the deal has an owner, the owner's (each marked present).
    fn figures_of(&mut self, opp: &'a Opportunity) -> impl Iterator<Item = &mut Figures<'x, 'a>> {
        self.figures_of_record(Some(opp))
    }

    /// [`Self::figures_of`] for a record that may be missing from the current snapshot (its
    /// figures then count for the team only).
    fn figures_of_record(
        &mut self,
        opp: Option<&'a Opportunity>,
    ) -> impl Iterator<Item = &mut Figures<'x, 'a>> {
        let rep = opp
            .filter(|opp| opp.owner.is_some())
            .map(|opp| self.reps.index(opp));
        self.team_and_rep(rep)
    }

    /// The team's figures and rep `rep`'s, each marked present.
    fn team_and_rep(&mut self, rep: Option<usize>) -> impl Iterator<Item = &mut Figures<'x, 'a>> {
        if let Some(rep) = rep {
            self.rep_figures(rep);
        }
        let Book { team, by_rep, .. } = self;
        let mut rep_figures = rep.and_then(|rep| by_rep.get_mut(rep));
        team.present = true;
        if let Some(figures) = &mut rep_figures {
            figures.present = true;
        }
        std::iter::once(team).chain(rep_figures)
    }

    /// The insights of the team (`rep` None) or of one rep, in the order of the module header.
    fn emit(
        &self,
        context: &Context,
        durations: &StageDurations,
        accuracy: &AccuracyTables,
        rep: Option<usize>,
        out: &mut Vec<Insight>,
    ) {
        let (figures, who) = match rep {
            Some(rep) => (&self.by_rep[rep], Who::Rep(self.reps.name(rep))),
            None => (&self.team, Who::Team),
        };
        // The team's win rate and stage conversion are the hygiene module's insights; a rep's
        // sentence gives the team's figure beside its own, and the team's rows are not listed twice.
        let is_rep = rep.is_some();
        if is_rep {
            out.push(self.win_rate(context, &who, figures));
        }
        out.push(self.cycle(context, &who, figures));
        for (&stage_idx, conversion) in figures.conversion.iter().filter(|_| is_rep) {
            out.push(self.conversion(context, durations, &who, stage_idx, conversion));
        }
        for (&stage_idx, ages) in &figures.ages {
            out.push(self.stage_age(context, &who, stage_idx, ages));
        }
        let has_open_deals = !figures.evidence_shares.is_empty() || figures.evidence_no_column > 0;
        if self.has_evidence_fields && (!is_rep || has_open_deals) {
            out.push(self.evidence(context, &who, figures));
        }
        if let Some(span) = accuracy.span(context) {
            match (&who, figures.bias) {
                (Who::Team, _) => out.push(team_bias(context, accuracy, &span)),
                (Who::Rep(name), Some(sums)) => {
                    out.push(rep_bias(context, name, sums, &span, &self.team_words.bias))
                }
                (Who::Rep(_), None) => {}
            }
        }
    }

    fn win_rate(&self, context: &Context, who: &Who, figures: &Figures) -> Insight {
        let (won, lost) = (figures.won.len(), figures.lost.len());
        let value = (won + lost > 0).then(|| won as f64 / (won + lost) as f64);
        let words = match value {
            Some(_) => format!(
                "win rate by count {} over the deals closed in {}",
                win_rate_words(figures),
                self.window_words
            ),
            None => format!(
                "win rate by count is undefined: no deal{} closed won or lost in {}",
                who.owned_by(),
                self.window_words
            ),
        };
        Insight {
            key: who.key("win_rate_count", None),
            module: Module::Coaching,
            measure: "win_rate_count".into(),
            subject: who.subject(None),
            value,
            unit: Unit::Ratio,
            reference: None,
            period: Some(self.window_period.clone()),
            population: Population {
                description: format!(
                    "won and lost deals{} of the snapshot of {} with a close date in {}; \"no decision\" counts as lost where the export or mapping marks it lost",
                    who.owned_by(),
                    context.current().as_of,
                    self.window_words
                ),
                n: won + lost,
                excluded: who.team_only(&self.closed_excluded),
            },
            formula: "won ÷ (won + lost)".into(),
            text: who.sentence(words, &self.team_words.win_rate),
            evidence: figures
                .won
                .iter()
                .chain(&figures.lost)
                .map(|deal| field_evidence(context, deal, "status"))
                .collect(),
        }
    }

    fn cycle(&self, context: &Context, who: &Who, figures: &Figures) -> Insight {
        let cycles = Cycles::of(figures.won.iter().copied());
        let quartiles = Quartiles::of_sorted(&cycles.days);
        let words = match &quartiles {
            Some(quartiles) => format!(
                "sales cycle of won deals closed in {}: {}",
                self.window_words,
                quartile_words(quartiles, days_text)
            ),
            None => format!(
                "sales cycle of won deals is undefined: no won deal{} with a created date closed in {}",
                who.owned_by(),
                self.window_words
            ),
        };
        let mut population = cycles.tally.population(format!(
            "won deals{} of the snapshot of {} with a close date in {}",
            who.owned_by(),
            context.current().as_of,
            self.window_words
        ));
        population.add_excluded(who.team_only(&self.closed_excluded));
        Insight {
            key: who.key("cycle_length_won", None),
            module: Module::Coaching,
            measure: "cycle_length_won".into(),
            subject: who.subject(None),
            value: quartiles.map(|quartiles| quartiles.p50),
            unit: Unit::Days,
            reference: None,
            period: Some(self.window_period.clone()),
            population,
            formula:
                "close date − created date in days, per won deal; 25th, 50th and 75th percentiles"
                    .into(),
            text: who.sentence(words, &self.team_words.cycle),
            evidence: cycle_evidence(context, figures.won.iter().copied()),
        }
    }

    fn conversion(
        &self,
        context: &Context,
        durations: &StageDurations,
        who: &Who,
        stage_idx: usize,
        conversion: &Conversion,
    ) -> Insight {
        let stage = self.stages[stage_idx];
        let outcomes = &conversion.outcomes;
        let mut words = match outcomes.conversion() {
            Some(rate) => format!(
                "of {} that began in {} and ended in a won, lost or ordered stage, {} ({}) next moved to a later stage or won ({} later stage, {} won), {} lost and {} moved back",
                count(outcomes.counted(), "stay", "stays"),
                self.window_words,
                outcomes.forward(),
                percent(rate),
                outcomes.later,
                outcomes.won,
                outcomes.lost,
                outcomes.back
            ),
            None => format!(
                "the share is undefined: no stay that began in {} ended in a won, lost or ordered stage",
                self.window_words
            ),
        };
        if conversion.still_in > 0 {
            words.push_str(&format!(
                "; {} still in {stage} on {}",
                count(conversion.still_in, "deal is", "deals are"),
                context.as_of
            ));
        }
        let mut excluded = Vec::new();
        if outcomes.unordered > 0 {
            excluded.push(Exclusion {
                n: outcomes.unordered,
                reason: "ended in a stage of equal or unknown order, or with the stage cleared"
                    .into(),
            });
        }
        if conversion.still_in > 0 {
            excluded.push(Exclusion {
                n: conversion.still_in,
                reason: format!("still in {stage} on {}", context.as_of),
            });
        }
        Insight {
            key: who.key("stage_conversion", Some(stage)),
            module: Module::Coaching,
            measure: "stage_conversion".into(),
            subject: who.subject(Some(stage)),
            value: outcomes.conversion(),
            unit: Unit::Ratio,
            reference: None,
            period: Some(self.window_period.clone()),
            population: Population {
                description: format!(
                    "stays in {stage}{} that began in {} and have ended ({})",
                    who.records_words(context),
                    self.window_words,
                    durations.source_words()
                ),
                n: outcomes.counted(),
                excluded,
            },
            formula: "(stays whose next stage is a won stage or of a higher rank) ÷ (those plus stays whose next stage is a lost stage or of a lower rank)".into(),
            text: who.sentence_in(stage, words, &self.team_words.conversion[&stage_idx]),
            evidence: conversion
                .stays
                .iter()
                .flat_map(|stay| stay.evidence(context))
                .collect(),
        }
    }

    fn stage_age(
        &self,
        context: &Context,
        who: &Who,
        stage_idx: usize,
        ages: &[&OpenAge],
    ) -> Insight {
        let stage = self.stages[stage_idx];
        let quartiles = age_quartiles(ages);
        let words = format!(
            "days in stage of {}: {}",
            count(ages.len(), "open deal", "open deals"),
            quartiles_or(quartiles, days_text, "no open deal")
        );
        Insight {
            key: who.key("stage_age", Some(stage)),
            module: Module::Coaching,
            measure: "stage_age".into(),
            subject: who.subject(Some(stage)),
            value: quartiles.map(|quartiles| quartiles.p50),
            unit: Unit::Days,
            reference: None,
            period: None,
            population: Population {
                description: format!(
                    "open deals{} in {stage} in the snapshot of {} whose stage entry date is known",
                    who.owned_by(),
                    context.current().as_of
                ),
                n: ages.len(),
                excluded: Vec::new(),
            },
            formula: format!(
                "days in stage = as-of date {} − date the deal entered its current stage; 25th, 50th and 75th percentiles",
                context.as_of
            ),
            text: who.sentence_in(stage, words, &self.team_words.ages[&stage_idx]),
            evidence: ages.iter().flat_map(|age| age.evidence(context)).collect(),
        }
    }

    fn evidence(&self, context: &Context, who: &Who, figures: &Figures) -> Insight {
        let quartiles = evidence_quartiles(figures);
        let words = format!(
            "share of evidence fields filled per open deal: {}",
            quartiles_or(quartiles, percent, NO_EVIDENCE_COLUMN)
        );
        let mut excluded = Vec::new();
        if figures.evidence_no_column > 0 {
            excluded.push(Exclusion {
                n: figures.evidence_no_column,
                reason: "its export has none of the evidence columns".into(),
            });
        }
        Insight {
            key: who.key("evidence_filled_share", None),
            module: Module::Coaching,
            measure: "evidence_filled_share".into(),
            subject: who.subject(None),
            value: quartiles.map(|quartiles| quartiles.p50),
            unit: Unit::Ratio,
            reference: None,
            period: None,
            population: Population {
                description: format!(
                    "open deals{} in the snapshot of {}, each with its evidence fields (MEDDPICC, paper process, security review, POC success criteria, next step) whose column its export has",
                    who.owned_by(),
                    context.current().as_of
                ),
                n: figures.evidence_shares.len(),
                excluded,
            },
            formula: "per open deal: evidence fields with a non-empty value ÷ evidence fields whose column its export has; 25th, 50th and 75th percentiles over the deals".into(),
            text: who.sentence(words, &self.team_words.evidence),
            evidence: figures
                .evidence_shares
                .iter()
                .map(|(_, deal)| context.row_evidence(deal, None, None::<Text>))
                .collect(),
        }
    }
}

const NO_EVIDENCE_COLUMN: &str = "no open deal from an export with an evidence column";

/// "57.1% (4 won of 7)", or why it is undefined.
fn win_rate_words(figures: &Figures) -> String {
    let (won, closed) = (figures.won.len(), figures.won.len() + figures.lost.len());
    match closed {
        0 => "undefined (no deal closed won or lost)".to_string(),
        _ => format!(
            "{} ({won} won of {closed})",
            percent(won as f64 / closed as f64)
        ),
    }
}

fn age_quartiles(ages: &[&OpenAge]) -> Option<Quartiles> {
    sorted_quartiles(ages.iter().map(|age| age.days as f64))
}

fn evidence_quartiles(figures: &Figures) -> Option<Quartiles> {
    sorted_quartiles(figures.evidence_shares.iter().map(|(share, _)| *share))
}

fn sorted_quartiles(values: impl Iterator<Item = f64>) -> Option<Quartiles> {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    Quartiles::of_sorted(&values)
}

/// [`quartile_words`], or "undefined (…)" when there is no value.
fn quartiles_or(
    quartiles: Option<Quartiles>,
    unit: impl Fn(f64) -> String,
    undefined: &str,
) -> String {
    match quartiles {
        Some(quartiles) => quartile_words(&quartiles, unit),
        None => format!("undefined ({undefined})"),
    }
}

/// The team's figures in words, set beside each rep's: computed once, not once per rep.
#[derive(Default)]
struct TeamWords {
    win_rate: String,
    cycle: String,
    /// By stage index.
    conversion: BTreeMap<usize, String>,
    ages: BTreeMap<usize, String>,
    evidence: String,
    bias: String,
}

impl TeamWords {
    fn of(context: &Context, team: &Figures, accuracy: &AccuracyTables) -> TeamWords {
        let cycles = Cycles::of(team.won.iter().copied());
        TeamWords {
            win_rate: win_rate_words(team),
            cycle: quartiles_or(
                Quartiles::of_sorted(&cycles.days),
                days_text,
                "no won deal with a created date",
            ),
            conversion: team
                .conversion
                .iter()
                .map(|(&stage_idx, conversion)| {
                    let outcomes = &conversion.outcomes;
                    let words = match outcomes.conversion() {
                        Some(rate) => format!(
                            "{} of {} ({})",
                            outcomes.forward(),
                            outcomes.counted(),
                            percent(rate)
                        ),
                        None => {
                            "undefined (no stay ended in a won, lost or ordered stage)".to_string()
                        }
                    };
                    (stage_idx, words)
                })
                .collect(),
            ages: team
                .ages
                .iter()
                .map(|(&stage_idx, ages)| {
                    let words = quartiles_or(age_quartiles(ages), days_text, "no open deal");
                    (stage_idx, words)
                })
                .collect(),
            evidence: quartiles_or(evidence_quartiles(team), percent, NO_EVIDENCE_COLUMN),
            bias: TeamBias::of(accuracy).words(context),
        }
    }
}

/// Whose figures an insight gives.
enum Who<'n> {
    Team,
    Rep(&'n str),
}

impl Who<'_> {
    fn key(&self, measure: &str, stage: Option<&str>) -> String {
        let subject = match self {
            Who::Team => "team",
            Who::Rep(name) => name,
        };
        match stage {
            Some(stage) => format!("coaching.{measure}.{subject}.{stage}"),
            None => format!("coaching.{measure}.{subject}"),
        }
    }

    fn subject(&self, stage: Option<&str>) -> Subject {
        let mut subject = match self {
            Who::Team => Subject::team(),
            Who::Rep(name) => rep_subject(name),
        };
        if let Some(stage) = stage {
            subject.label = format!("{} · {stage}", subject.label);
        }
        subject
    }

    /// " owned by Karen Nguyen", or nothing for the team (every deal, with an owner or not).
    fn owned_by(&self) -> String {
        match self {
            Who::Team => String::new(),
            Who::Rep(name) => format!(" owned by {name}"),
        }
    }

    /// Whose stays: " of records owned by Karen Nguyen in the snapshot of 2026-11-13", or nothing
    /// for the team (every record, in the current snapshot or not).
    fn records_words(&self, context: &Context) -> String {
        match self {
            Who::Team => String::new(),
            Who::Rep(name) => format!(
                " of records owned by {name} in the snapshot of {}",
                context.current().as_of
            ),
        }
    }

    /// The team's exclusions, which a rep's population does not repeat.
    fn team_only(&self, excluded: &[Exclusion]) -> Vec<Exclusion> {
        match self {
            Who::Team => excluded.to_vec(),
            Who::Rep(_) => Vec::new(),
        }
    }

    /// "Karen Nguyen: {rep words}; team {team words}." or "Team: {words}."
    fn sentence(&self, words: String, team_words: &str) -> String {
        match self {
            Who::Team => format!("Team: {words}."),
            Who::Rep(name) => format!("{name}: {words}; team {team_words}."),
        }
    }

    /// [`Self::sentence`] for one stage.
    fn sentence_in(&self, stage: &str, words: String, team_words: &str) -> String {
        match self {
            Who::Team => format!("Team, {stage}: {words}."),
            Who::Rep(name) => format!("{name}, {stage}: {words}; team {team_words}."),
        }
    }
}

/// "+12.0% (Σ(call − actual) USD 120,000 ÷ Σ actual USD 1,000,000 over 13 calls in 4 quarters)".
fn bias_words(
    context: &Context,
    signed_error: f64,
    actual: f64,
    pairs: usize,
    quarters: usize,
) -> String {
    let currency = context.currency.as_deref();
    let sums = format!(
        "Σ(call − actual) {} ÷ Σ actual {} over {} in {}",
        money(signed_error, currency),
        money(actual, currency),
        count(pairs, "call", "calls"),
        count(quarters, "quarter", "quarters")
    );
    if actual != 0.0 {
        format!("{} ({sums})", signed_percent(signed_error / actual))
    } else {
        format!("undefined: Σ actual is 0 ({sums})")
    }
}

/// "per call: median +5.0% (p25 −3.0%, p75 +20.0%; n = 4)": the distribution of
/// (call − actual) ÷ actual over the calls whose actual is not 0.
fn per_call_words(pair_biases: &[f64]) -> String {
    format!(
        "per call (call − actual) ÷ actual: {}",
        quartiles_or(
            sorted_quartiles(pair_biases.iter().copied()),
            signed_percent,
            "no call whose actual is other than 0"
        )
    )
}

/// The team's bias: every rep's pairs summed.
struct TeamBias {
    signed_error: f64,
    actual: f64,
    pairs: usize,
    quarters: usize,
    /// Every rep's per-call biases.
    pair_biases: Vec<f64>,
}

impl TeamBias {
    fn of(accuracy: &AccuracyTables) -> TeamBias {
        let mut bias = TeamBias {
            signed_error: 0.0,
            actual: 0.0,
            pairs: 0,
            quarters: 0,
            pair_biases: Vec::new(),
        };
        let mut quarters = BTreeSet::new();
        for (_, sums) in accuracy.by_rep(Variant::Commit) {
            bias.signed_error += sums.signed_error;
            bias.actual += sums.actual;
            bias.pairs += sums.pairs;
            bias.pair_biases.extend_from_slice(&sums.pair_biases);
            quarters.extend(sums.quarters.iter().copied());
        }
        bias.quarters = quarters.len();
        bias
    }

    fn words(&self, context: &Context) -> String {
        format!(
            "{}; {}",
            bias_words(
                context,
                self.signed_error,
                self.actual,
                self.pairs,
                self.quarters,
            ),
            per_call_words(&self.pair_biases)
        )
    }
}

const BIAS_FORMULA: &str = "signed bias = Σ(call − actual) ÷ Σ actual over the (snapshot, quarter) pairs; call = closed won + Commit with a close date in the quarter as of the snapshot; actual = closed won with a close date in the quarter in the first snapshot after its end; per call: (call − actual) ÷ actual of each pair whose actual is not 0, 25th, 50th and 75th percentiles";

fn rep_bias(
    context: &Context,
    name: &str,
    sums: &Accuracy,
    span: &Period,
    team_words: &str,
) -> Insight {
    let who = Who::Rep(name);
    let words = format!(
        "signed bias of the call ({}) {}; {}",
        Variant::Commit.words(),
        bias_words(
            context,
            sums.signed_error,
            sums.actual,
            sums.pairs,
            sums.quarters.len()
        ),
        per_call_words(&sums.pair_biases)
    );
    Insight {
        key: who.key("forecast_bias_commit", None),
        module: Module::Coaching,
        measure: "forecast_bias_commit".into(),
        subject: who.subject(None),
        value: sums.signed_bias(),
        unit: Unit::Ratio,
        reference: None,
        period: Some(span.clone()),
        population: sums.population(
            context,
            &format!("{name}'s call ({})", Variant::Commit.words()),
        ),
        formula: BIAS_FORMULA.into(),
        text: format!(
            "{}{}",
            who.sentence(words, team_words),
            sums.left_out_sentence()
        ),
        evidence: sums.evidence(context),
    }
}

fn team_bias(context: &Context, accuracy: &AccuracyTables, span: &Period) -> Insight {
    let bias = TeamBias::of(accuracy);
    let mut population = Population {
        description: format!(
            "every rep's (snapshot, quarter) pairs over {}: each snapshot dated inside a fiscal quarter that ended on or before {} is one call per rep: closed won + Commit, from deals with a close date in that quarter as of the snapshot, held against the rep's closed won with a close date in that quarter in the first snapshot after its end (or the current snapshot); left-out counts are deal rows",
            count(bias.quarters, "quarter", "quarters"),
            context.as_of
        ),
        n: bias.pairs,
        excluded: Vec::new(),
    };
    let mut evidence: Vec<EvidenceRef> = Vec::new();
    for (_, sums) in accuracy.by_rep(Variant::Commit) {
        population.add_excluded(sums.left_out());
        evidence.extend(sums.evidence(context));
    }
    Insight {
        key: Who::Team.key("forecast_bias_commit", None),
        module: Module::Coaching,
        measure: "forecast_bias_commit".into(),
        subject: Who::Team.subject(None),
        value: (bias.actual != 0.0).then(|| bias.signed_error / bias.actual),
        unit: Unit::Ratio,
        reference: None,
        period: Some(span.clone()),
        population,
        formula: BIAS_FORMULA.into(),
        text: Who::Team.sentence(
            format!(
                "signed bias of the call ({}) {}",
                Variant::Commit.words(),
                bias.words(context)
            ),
            "",
        ),
        evidence,
    }
}
