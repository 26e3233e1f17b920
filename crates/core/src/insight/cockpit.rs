//! Module 1, the cockpit: the path to plan (closed won, Commit and Best Case against the user's
//! plan), pipeline coverage, the changes since the previous snapshot, and the records matching each
//! attention filter.
//!
//! Pipeline coverage = open pipeline in period ÷ (plan − closed won in period) (PRODUCT.md), where
//! the open pipeline is every open deal of the current snapshot with a close date in the period,
//! whatever its forecast category.

use super::context::{Context, Deal, Tally};
use super::ledger::{ChangeKind, ledger};
use super::render::{count, money, percent};
use super::{EvidenceRef, Insight, Module, Reference, Subject, SubjectKind, Unit, hygiene};
use crate::model::{DealStatus, ForecastCategory};

pub(super) fn insights(context: &Context, filters: Vec<hygiene::AttentionFilter>) -> Vec<Insight> {
    let mut out = Vec::new();
    let current = context.current();
    let period = &context.period;
    let in_period = |deal: &&Deal| deal.opp.close_date.is_some_and(|d| period.contains(d));

    let closed_won = total(
        context,
        current
            .deals
            .iter()
            .filter(in_period)
            .filter(|d| d.opp.status == DealStatus::Won),
    );
    let commit = total(
        context,
        current
            .open_deals()
            .filter(in_period)
            .filter(|d| d.opp.forecast_category == Some(ForecastCategory::Commit)),
    );
    let best_case = total(
        context,
        current
            .open_deals()
            .filter(in_period)
            .filter(|d| d.opp.forecast_category == Some(ForecastCategory::BestCase)),
    );
    let open = total(context, current.open_deals().filter(in_period));

    let snapshot_words = format!("the snapshot of {}", current.as_of);
    for (measure, label, sum, population) in [
        (
            "closed_won",
            "Closed won",
            &closed_won,
            format!("won deals in {snapshot_words} with a close date in the period"),
        ),
        (
            "commit",
            "Commit",
            &commit,
            format!(
                "open deals in {snapshot_words} in forecast category Commit with a close date in the period"
            ),
        ),
        (
            "best_case",
            "Best Case",
            &best_case,
            format!(
                "open deals in {snapshot_words} in forecast category Best Case with a close date in the period"
            ),
        ),
        (
            "open_pipeline",
            "Open pipeline",
            &open,
            format!(
                "open deals in {snapshot_words} with a close date in the period, any forecast category"
            ),
        ),
    ] {
        out.push(Insight {
            key: format!("cockpit.{measure}.pipeline"),
            module: Module::Cockpit,
            measure: measure.to_string(),
            subject: pipeline_subject(),
            value: Some(sum.amount),
            unit: context.money_unit(),
            reference: None,
            period: Some(period.clone()),
            population: sum.tally.population(population),
            formula: format!("sum of amount over {}", "the deals counted"),
            text: format!(
                "{label}: {} over {}.",
                money(sum.amount, context.currency.as_deref()),
                count(sum.tally.n, "deal", "deals")
            ),
            evidence: sum.evidence.clone(),
        });
    }

    out.push(path_to_plan(context, &closed_won, &commit, &best_case));
    out.push(coverage(context, &closed_won, &open));
    out.extend(changes(context));
    out.extend(attention(filters));
    out
}

/// A money total with its population and rows.
pub(super) struct Total {
    pub(super) amount: f64,
    pub(super) tally: Tally,
    /// The amount row of every deal counted or left out.
    pub(super) evidence: Vec<EvidenceRef>,
}

/// The sum of amount over `deals` in the reporting currency, with what was left out.
pub(super) fn total<'a, 'b: 'a>(
    context: &Context,
    deals: impl Iterator<Item = &'a Deal<'b>>,
) -> Total {
    let mut sum = Total {
        amount: 0.0,
        tally: Tally::default(),
        evidence: Vec::new(),
    };
    for deal in deals {
        sum.tally
            .add_money(context.money(deal.opp), &mut sum.amount);
        sum.evidence.push(context.row_evidence(
            deal,
            Some("amount"),
            deal.opp.amount.map(super::render::number),
        ));
    }
    sum
}

fn pipeline_subject() -> Subject {
    Subject {
        kind: SubjectKind::Pipeline,
        id: "all".into(),
        label: "Pipeline".into(),
    }
}

fn path_to_plan(
    context: &Context,
    closed_won: &Total,
    commit: &Total,
    best_case: &Total,
) -> Insight {
    let currency = context.currency.as_deref();
    let sum = closed_won.amount + commit.amount + best_case.amount;
    let mut tally = Tally::default();
    tally.n = closed_won.tally.n + commit.tally.n + best_case.tally.n;
    let mut text = format!(
        "Closed won {} + Commit {} + Best Case {} = {}",
        money(closed_won.amount, currency),
        money(commit.amount, currency),
        money(best_case.amount, currency),
        money(sum, currency)
    );
    let reference = match context.settings.plan {
        Some(plan) if plan > 0.0 => {
            text.push_str(&format!(
                "; plan {}; the sum is {} of plan.",
                money(plan, currency),
                percent(sum / plan)
            ));
            Some(Reference::Setting {
                name: "plan".into(),
                value: plan,
            })
        }
        Some(plan) => {
            text.push_str(&format!(
                "; plan {}, so no share of plan is computed.",
                money(plan, currency)
            ));
            Some(Reference::Setting {
                name: "plan".into(),
                value: plan,
            })
        }
        None => {
            text.push_str("; no plan is set.");
            None
        }
    };
    let mut population = tally.population(
        "closed won, Commit and Best Case deals of the current snapshot with a close date in the period",
    );
    for part in [closed_won, commit, best_case] {
        population.add_excluded(part.tally.population("").excluded);
    }
    Insight {
        key: "cockpit.path_to_plan.pipeline".into(),
        module: Module::Cockpit,
        measure: "path_to_plan".into(),
        subject: pipeline_subject(),
        value: Some(sum),
        unit: context.money_unit(),
        reference,
        period: Some(context.period.clone()),
        population,
        formula: "closed won + Commit + Best Case, each the sum of amount over its deals; share of plan = that sum ÷ plan".into(),
        text,
        evidence: [&closed_won.evidence, &commit.evidence, &best_case.evidence]
            .into_iter()
            .flatten()
            .cloned()
            .collect(),
    }
}

/// Pipeline coverage = open pipeline in period ÷ (target − closed won in period) (PRODUCT.md), or
/// why it is undefined. The cockpit's target is the plan; the territory module's a segment's target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Coverage {
    NoTarget,
    /// Closed won is at or above the target: `remaining` = target − closed won is 0 or less.
    NothingRemaining {
        remaining: f64,
    },
    Value(f64),
}

impl Coverage {
    pub(super) fn of(open: f64, closed_won: f64, target: Option<f64>) -> Coverage {
        match target {
            None => Coverage::NoTarget,
            Some(target) => {
                let remaining = target - closed_won;
                if remaining <= 0.0 {
                    Coverage::NothingRemaining { remaining }
                } else {
                    Coverage::Value(open / remaining)
                }
            }
        }
    }

    pub(super) fn value(self) -> Option<f64> {
        match self {
            Coverage::Value(value) => Some(value),
            _ => None,
        }
    }

    /// The coverage in words, in lower case without a full stop: "coverage 2.40×: open pipeline
    /// USD 1,000 ÷ (plan USD 900 − closed won USD 500)", or why it is undefined when closed won is
    /// at or above the target. `target_name` names the target ("plan", "target"). `None` when no
    /// target is set: each caller names the setting.
    pub(super) fn words(
        self,
        (open, closed_won): (f64, f64),
        target: Option<f64>,
        target_name: &str,
        currency: Option<&str>,
    ) -> Option<String> {
        let target = target?;
        match self {
            Coverage::NoTarget => None,
            Coverage::Value(value) => Some(format!(
                "coverage {value:.2}×: open pipeline {} ÷ ({target_name} {} − closed won {})",
                money(open, currency),
                money(target, currency),
                money(closed_won, currency)
            )),
            Coverage::NothingRemaining { remaining } => Some(format!(
                "coverage is undefined: closed won {} is at or above the {target_name} of {}, so {target_name} − closed won is {}",
                money(closed_won, currency),
                money(target, currency),
                money(remaining, currency)
            )),
        }
    }
}

fn coverage(context: &Context, closed_won: &Total, open: &Total) -> Insight {
    let currency = context.currency.as_deref();
    let plan = context.settings.plan;
    let reference = plan.map(|plan| Reference::Setting {
        name: "plan".into(),
        value: plan,
    });
    let coverage = Coverage::of(open.amount, closed_won.amount, plan);
    let text = match coverage.words((open.amount, closed_won.amount), plan, "plan", currency) {
        Some(mut words) => {
            // "Coverage 2.40×: …." as a sentence of its own.
            if let Some(first) = words.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            words + "."
        }
        None => format!(
            "Coverage is undefined: no plan is set. Open pipeline in the period is {}.",
            money(open.amount, currency)
        ),
    };
    let value = coverage.value();
    let mut population = open.tally.population(
        "open deals of the current snapshot with a close date in the period, and won deals closing in the period",
    );
    population.n += closed_won.tally.n;
    population.add_excluded(closed_won.tally.population("").excluded);
    Insight {
        key: "cockpit.pipeline_coverage.pipeline".into(),
        module: Module::Cockpit,
        measure: "pipeline_coverage".into(),
        subject: pipeline_subject(),
        value,
        unit: Unit::Multiple,
        reference,
        period: Some(context.period.clone()),
        population,
        formula: "open pipeline in period ÷ (plan − closed won in period)".into(),
        text,
        evidence: open
            .evidence
            .iter()
            .chain(&closed_won.evidence)
            .cloned()
            .collect(),
    }
}

/// One insight per kind of change seen since the previous snapshot.
fn changes(context: &Context) -> Vec<Insight> {
    let Some(previous) = context.previous() else {
        return Vec::new();
    };
    let current = context.current();
    let all = ledger(context, previous, current);
    let currency = context.currency.as_deref();
    let mut out = Vec::new();
    for kind in ChangeKind::ALL {
        let of_kind: Vec<_> = all.iter().filter(|c| c.kind == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        let is_amount_change = matches!(kind, ChangeKind::AmountUp | ChangeKind::AmountDown);
        let mut tally = Tally::default();
        let mut sum = 0.0;
        for change in &of_kind {
            let value = if is_amount_change {
                change.amount.and(change.amount_delta)
            } else {
                change.amount
            };
            match value {
                Some(value) => {
                    tally.count();
                    sum += value;
                }
                None => tally.exclude(
                    "amount unknown or not in the reporting currency (counted, not added)",
                ),
            }
        }
        let n = of_kind.len();
        let what = if is_amount_change {
            "net change of amount"
        } else {
            "amount"
        };
        let mut population = tally.population(format!(
            "deals with this change between the snapshots of {} and {}",
            previous.as_of, current.as_of
        ));
        population.n = n;
        out.push(Insight {
            key: format!("cockpit.change_{}.pipeline", kind.key()),
            module: Module::Cockpit,
            measure: format!("change_{}", kind.key()),
            subject: pipeline_subject(),
            value: Some(n as f64),
            unit: Unit::Count,
            reference: None,
            period: Some(super::Period {
                start: previous.as_of,
                end: current.as_of,
                label: format!("{} to {}", previous.as_of, current.as_of),
            }),
            population,
            formula: format!(
                "count of deals whose {} differs between the two snapshots as defined for this change; total = sum of {what}",
                kind_field_words(kind)
            ),
            text: format!(
                "{} since {}: {} ({} {what}).",
                kind.label(),
                previous.as_of,
                count(n, "deal", "deals"),
                money(sum, currency)
            ),
            evidence: of_kind
                .iter()
                .flat_map(|c| c.evidence.iter().cloned())
                .collect(),
        });
    }
    out
}

fn kind_field_words(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Added | ChangeKind::Removed => "presence",
        ChangeKind::Won | ChangeKind::Lost | ChangeKind::Reopened => "status",
        ChangeKind::PushedOut
        | ChangeKind::PulledIn
        | ChangeKind::CloseDateLater
        | ChangeKind::CloseDateEarlier => "close date",
        ChangeKind::AmountUp | ChangeKind::AmountDown => "amount",
        ChangeKind::CategoryMoved => "forecast category",
        ChangeKind::StageForward | ChangeKind::StageBack | ChangeKind::StageMoved => "stage",
    }
}

/// One insight per attention filter: how many open deals match it, with their rows.
fn attention(filters: Vec<hygiene::AttentionFilter>) -> Vec<Insight> {
    filters
        .into_iter()
        .map(|filter| {
            let n = filter.matches.len();
            Insight {
                key: format!("cockpit.attention_{}.pipeline", filter.key),
                module: Module::Cockpit,
                measure: format!("attention_{}", filter.key),
                subject: pipeline_subject(),
                value: Some(n as f64),
                unit: Unit::Count,
                reference: Some(Reference::Setting {
                    name: filter.setting_name.to_string(),
                    value: filter.setting_value,
                }),
                period: None,
                population: super::Population {
                    description: format!(
                        "open deals of the current snapshot matching: {}",
                        filter.description
                    ),
                    n,
                    excluded: filter.excluded,
                },
                formula: format!("count of open deals where {}", filter.description),
                text: format!(
                    "{} match the filter \"{}\" (setting {} = {}).",
                    count(n, "open deal", "open deals"),
                    filter.description,
                    filter.setting_name,
                    super::render::number(filter.setting_value)
                ),
                evidence: filter
                    .matches
                    .into_iter()
                    .flat_map(|m| m.evidence)
                    .collect(),
            }
        })
        .collect()
}
