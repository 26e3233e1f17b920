//! The numbers behind the panel's charts, computed here so the panel only draws.
//!
//! Every chart is a list of labelled values in one unit, each point naming the insight whose
//! evidence it opens. Charts add no measure of their own except the pipeline waterfall, whose
//! steps are defined below; the others re-plot insight values:
//! - **Open pipeline waterfall** (cockpit): open pipeline (all close dates, reporting currency) at
//!   the previous snapshot, then one step per kind of change, then the open pipeline at the current
//!   snapshot. Per deal: added → + its open amount now; removed → − its open amount then; won or
//!   lost → − its open amount then; reopened → + its open amount now; open in both → + (amount
//!   now − amount then), split into increases and decreases. The steps add up to the difference
//!   exactly; deals in another currency are left out on both sides and counted in the caption.
//! - **Days in stage** (hygiene): per stage, the median and 90th percentile of completed stays
//!   (`stage_days`).
//! - **Stage conversion** (hygiene): per stage, stays that moved on ÷ stays that ended
//!   (`stage_conversion`), in stage order.
//! - **Commit WAPE by week of quarter** (forecast): `forecast_wape_commit` per week.

use serde::{Deserialize, Serialize};

use super::context::Context;
use super::render::{count, money};
use super::{Insight, Module, Reference, Section, SubjectKind, Unit};
use crate::model::DealStatus;

/// One chart: what it plots, in which unit, and the points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    pub key: String,
    pub module: Module,
    pub title: String,
    pub kind: ChartKind,
    pub unit: Unit,
    /// What is plotted and over which records, in words (shown under the chart).
    pub caption: String,
    pub points: Vec<ChartPoint>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    /// Bars from zero.
    Bars,
    /// Floating steps: each point runs from `start` to `start + value`; totals start at 0.
    Waterfall,
    /// A bar to `value` and a mark at `high` (e.g. median and 90th percentile).
    Range,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartPoint {
    pub label: String,
    pub value: f64,
    /// Where a waterfall step starts; 0 for every other kind.
    pub start: f64,
    /// The upper mark of a range.
    pub high: Option<f64>,
    /// The insight whose formula, population and rows this point opens.
    pub insight_key: Option<String>,
}

/// The charts of an analysis: the waterfall from the snapshots, the rest from the insights.
pub(super) fn charts(context: &Context, sections: &[Section]) -> Vec<Chart> {
    let insights: Vec<&Insight> = sections.iter().flat_map(|s| &s.insights).collect();
    let mut charts = Vec::new();
    charts.extend(pipeline_waterfall(context));
    charts.extend(stage_days(&insights));
    charts.extend(measure_bars(
        &insights,
        "hygiene.stage_conversion",
        "stage_conversion",
        SubjectKind::Stage,
        Module::Hygiene,
        "Stage conversion",
        "Per stage: stays that moved on to a later stage or won ÷ stays that ended, in stage order.",
    ));
    charts.extend(measure_bars(
        &insights,
        "forecast.wape_commit_by_week",
        "forecast_wape_commit",
        SubjectKind::Period,
        Module::Forecast,
        "Commit WAPE by week of quarter",
        "Per week of the quarter, over past quarters: Σ|actual − call| ÷ Σ|actual|, call = won so far + open Commit.",
    ));
    charts
}

fn pipeline_waterfall(context: &Context) -> Option<Chart> {
    let previous = context.previous()?;
    let current = context.current();
    let open_amount = |opp: &crate::model::Opportunity| -> Option<f64> {
        if opp.status != DealStatus::Open {
            return Some(0.0);
        }
        match context.money(opp) {
            super::context::Money::Counted(amount) => Some(amount),
            super::context::Money::NoAmount => Some(0.0),
            super::context::Money::OtherCurrency(_) => None,
        }
    };
    let mut steps = Steps::default();
    let mut left_out = 0usize;
    for later in &current.deals {
        let now = open_amount(later.opp);
        match previous.get(&later.opp.id) {
            None => match now {
                Some(now) => steps.added += now,
                None => left_out += 1,
            },
            Some(earlier) => {
                let (Some(then), Some(now)) = (open_amount(earlier.opp), now) else {
                    left_out += 1;
                    continue;
                };
                let was_open = earlier.opp.status == DealStatus::Open;
                match (was_open, later.opp.status) {
                    (true, DealStatus::Won) => steps.won -= then,
                    (true, DealStatus::Lost) => steps.lost -= then,
                    (true, DealStatus::Open) if now >= then => steps.amount_up += now - then,
                    (true, DealStatus::Open) => steps.amount_down += now - then,
                    (false, DealStatus::Open) => steps.reopened += now,
                    _ => {}
                }
            }
        }
    }
    for earlier in &previous.deals {
        if current.get(&earlier.opp.id).is_none() {
            match open_amount(earlier.opp) {
                Some(then) => steps.removed -= then,
                None => left_out += 1,
            }
        }
    }
    let total = |snapshot: &super::context::DatedSnapshot| -> f64 {
        snapshot
            .deals
            .iter()
            .filter_map(|deal| open_amount(deal.opp))
            .sum()
    };
    let start_total = total(previous);
    let end_total = total(current);
    let change_key = |kind: &str| Some(format!("cockpit.change_{kind}.pipeline"));
    let mut points = vec![ChartPoint {
        label: previous.as_of.to_string(),
        value: start_total,
        start: 0.0,
        high: None,
        insight_key: None,
    }];
    let mut level = start_total;
    for (label, value, key) in [
        ("Added", steps.added, change_key("added")),
        ("Reopened", steps.reopened, change_key("reopened")),
        ("Amount up", steps.amount_up, change_key("amount_up")),
        ("Amount down", steps.amount_down, change_key("amount_down")),
        ("Won", steps.won, change_key("won")),
        ("Lost", steps.lost, change_key("lost")),
        ("Removed", steps.removed, change_key("removed")),
    ] {
        points.push(ChartPoint {
            label: label.to_string(),
            value,
            start: level,
            high: None,
            insight_key: key,
        });
        level += value;
    }
    points.push(ChartPoint {
        label: current.as_of.to_string(),
        value: end_total,
        start: 0.0,
        high: None,
        insight_key: Some("cockpit.open_pipeline.pipeline".to_string()),
    });
    let currency = context.currency.as_deref();
    let mut caption = format!(
        "Open pipeline, all close dates: {} on {} to {} on {}; each step is the change in open amount of the deals with that change (open in both snapshots: Δ amount).",
        money(start_total, currency),
        previous.as_of,
        money(end_total, currency),
        current.as_of
    );
    if left_out != 0 {
        caption.push_str(&format!(
            " {} in another currency left out on both sides.",
            count(left_out, "deal", "deals")
        ));
    }
    Some(Chart {
        key: "cockpit.pipeline_waterfall".to_string(),
        module: Module::Cockpit,
        title: "Open pipeline since the last snapshot".to_string(),
        kind: ChartKind::Waterfall,
        unit: context.money_unit(),
        caption,
        points,
    })
}

#[derive(Default)]
struct Steps {
    added: f64,
    reopened: f64,
    amount_up: f64,
    amount_down: f64,
    won: f64,
    lost: f64,
    removed: f64,
}

fn stage_days(insights: &[&Insight]) -> Option<Chart> {
    let points: Vec<ChartPoint> = insights
        .iter()
        .filter(|insight| insight.measure == "stage_days")
        .filter_map(|insight| {
            let Some(Reference::Distribution { p50, p90, .. }) = &insight.reference else {
                return None;
            };
            Some(ChartPoint {
                label: insight.subject.label.clone(),
                value: *p50,
                start: 0.0,
                high: Some(*p90),
                insight_key: Some(insight.key.clone()),
            })
        })
        .collect();
    if points.is_empty() {
        return None;
    }
    Some(Chart {
        key: "hygiene.stage_days".to_string(),
        module: Module::Hygiene,
        title: "Days in stage".to_string(),
        kind: ChartKind::Range,
        unit: Unit::Days,
        caption: "Per stage: median (bar) and 90th percentile (mark) of the days of completed stays in the look-back window.".to_string(),
        points,
    })
}

fn measure_bars(
    insights: &[&Insight],
    key: &str,
    measure: &str,
    subject_kind: SubjectKind,
    module: Module,
    title: &str,
    caption: &str,
) -> Option<Chart> {
    let chosen: Vec<&&Insight> = insights
        .iter()
        .filter(|insight| insight.measure == measure && insight.subject.kind == subject_kind)
        .collect();
    let unit = chosen.first()?.unit.clone();
    let points = chosen
        .iter()
        .filter_map(|insight| {
            Some(ChartPoint {
                label: insight.subject.label.clone(),
                value: insight.value?,
                start: 0.0,
                high: None,
                insight_key: Some(insight.key.clone()),
            })
        })
        .collect::<Vec<_>>();
    if points.is_empty() {
        return None;
    }
    Some(Chart {
        key: key.to_string(),
        module,
        title: title.to_string(),
        kind: ChartKind::Bars,
        unit,
        caption: caption.to_string(),
        points,
    })
}
