//! Weekly opportunity snapshots: one Salesforce "Details Only" CSV report export per Friday,
//! with report labels as headers, every cell quoted, US-locale dates, currency-prefixed amounts,
//! and the Salesforce footer.
//!
//! A snapshot at day D lists every opportunity created by D that is open at D or closed within
//! the 365 days before D, with the values in force at the end of D (the report runs in the
//! evening, after the day's last change).

use super::calendar::{DateTexts, Day, MinuteOfDay, format_clock_12h, format_month_day};
use super::names::{
    COMPANY_NAME, NEXT_STEPS_EARLY, NEXT_STEPS_LATE, NEXT_STEPS_LOST, NEXT_STEPS_MIDDLE,
    NEXT_STEPS_WON, REPORT_NAME, SALES_REGION,
};
use super::output::{OutputFile, Quoting, RowBuffer, push_amount_with_separators, push_u64};
use super::pipeline::{
    EVIDENCE_FIELD_LABELS, FORECAST_CATEGORY_LABELS, Opportunity, OpportunityState, Pipeline,
    STAGE_CLOSED_WON, STAGE_ID_DECISION_MAKERS, STAGE_NAMES, STAGE_QUALIFICATION,
};
use super::random::{hashed_unit, mix64};
use super::team::Team;

pub const SNAPSHOT_COUNT: usize = 52;
/// Closed deals stay in the report for this many days after their close date.
pub const CLOSED_LOOKBACK_DAYS: Day = 365;

pub const SNAPSHOT_HEADER: [&str; 28] = [
    "Opportunity ID",
    "Opportunity Name",
    "Account Name",
    "Opportunity Owner",
    "Owner Role",
    "Sales Region",
    "Stage",
    "Forecast Category",
    "Amount Currency",
    "Amount",
    "Probability (%)",
    "Close Date",
    "Created Date",
    "Last Activity",
    "Next Step",
    "Type",
    "Lead Source",
    "Partner Account",
    "Metrics",
    "Economic Buyer",
    "Decision Criteria",
    "Decision Process",
    "Paper Process",
    "Identify Pain",
    "Champion",
    "Competition",
    "Security Review",
    "POC Success Criteria",
];

/// The 52 Friday snapshot dates, oldest first; the last is the as-of date.
pub fn snapshot_days(end_day: Day) -> Vec<Day> {
    (0..SNAPSHOT_COUNT as Day)
        .rev()
        .map(|weeks_back| end_day - 7 * weeks_back)
        .collect()
}

pub fn snapshot_relative_path(day: Day, dates: &DateTexts) -> String {
    format!("snapshots/opportunities-{}.csv", dates.iso(day))
}

/// Whether an opportunity appears in the snapshot of `day`, and with which values.
pub fn state_in_snapshot(opportunity: &Opportunity, day: Day) -> Option<&OpportunityState> {
    let state = opportunity.state_at(day)?;
    if state.is_closed() && day - state.close_day >= CLOSED_LOOKBACK_DAYS {
        return None;
    }
    Some(state)
}

/// Report cells that never change between snapshots, encoded once.
pub struct SnapshotStatics {
    /// Opportunity ID … Sales Region, quoted and comma-joined.
    leading_cells: Vec<Vec<u8>>,
    /// Type, Lead Source, Partner Account.
    middle_cells: Vec<Vec<u8>>,
    /// Opportunities in report order: by owner, then creation.
    report_order: Vec<usize>,
    report_runner_name: String,
    rep_blank_rates: Vec<f64>,
}

pub fn build_snapshot_statics(team: &Team, pipeline: &Pipeline) -> SnapshotStatics {
    let mut leading_cells = Vec::with_capacity(pipeline.opportunities.len());
    let mut middle_cells = Vec::with_capacity(pipeline.opportunities.len());
    let mut row = RowBuffer::new(Quoting::EveryCell);
    for opportunity in &pipeline.opportunities {
        let account = &pipeline.accounts[opportunity.account_index];
        let rep = &team.reps[opportunity.rep_index];
        row.cell(&opportunity.opportunity_id);
        row.cell(&opportunity.name);
        row.cell(&account.name);
        row.cell(team.rep_name(opportunity.rep_index));
        row.cell(&rep.owner_role_label);
        row.cell(SALES_REGION);
        leading_cells.push(row.take_bytes());
        row.cell(opportunity.opportunity_type);
        row.cell(opportunity.lead_source);
        row.cell(opportunity.partner_account.unwrap_or(""));
        middle_cells.push(row.take_bytes());
    }
    let mut report_order: Vec<usize> = (0..pipeline.opportunities.len()).collect();
    report_order.sort_by_key(|&index| (pipeline.opportunities[index].rep_index, index));
    SnapshotStatics {
        leading_cells,
        middle_cells,
        report_order,
        report_runner_name: team.users[team.report_runner_user_index].name.clone(),
        rep_blank_rates: team
            .reps
            .iter()
            .map(|rep| rep.next_step_blank_rate)
            .collect(),
    }
}

/// Writes the snapshot of `day` to `path`; returns (data rows, bytes).
pub fn write_snapshot(
    pipeline: &Pipeline,
    statics: &SnapshotStatics,
    dates: &DateTexts,
    day: Day,
    path: &std::path::Path,
) -> Result<(u64, u64), String> {
    let mut file = OutputFile::create(path)?;
    let mut row = RowBuffer::new(Quoting::EveryCell);
    row.line(&SNAPSHOT_HEADER);
    file.write_row(&mut row)?;
    let mut n_rows = 0u64;
    for &opportunity_index in &statics.report_order {
        let opportunity = &pipeline.opportunities[opportunity_index];
        let Some(state) = state_in_snapshot(opportunity, day) else {
            continue;
        };
        write_snapshot_row(
            &mut row,
            opportunity,
            state,
            opportunity_index,
            statics,
            dates,
            day,
        );
        file.write_row(&mut row)?;
        n_rows += 1;
    }
    row.raw("\n");
    row.raw(&format!("\"{REPORT_NAME}\"\n"));
    row.raw(&format!(
        "\"Copyright (c) 2000-{} salesforce.com, inc. All rights reserved.\"\n",
        &dates.iso(day)[..4]
    ));
    row.raw("\"Confidential Information - Do Not Distribute\"\n");
    row.raw(&format!(
        "\"Generated By:  {}  {} {}\"\n",
        statics.report_runner_name,
        dates.us(day),
        format_clock_12h(report_run_minute(day))
    ));
    row.raw(&format!("\"{COMPANY_NAME}\"\n"));
    file.write_row(&mut row)?;
    let n_bytes = file.finish()?;
    Ok((n_rows, n_bytes))
}

/// The report runs between 6:00 and 6:59 PM, after the day's last CRM change (5:59 PM).
pub fn report_run_minute(day: Day) -> MinuteOfDay {
    18 * 60 + (mix64(day as u64) % 60) as MinuteOfDay
}

fn write_snapshot_row(
    row: &mut RowBuffer,
    opportunity: &Opportunity,
    state: &OpportunityState,
    opportunity_index: usize,
    statics: &SnapshotStatics,
    dates: &DateTexts,
    day: Day,
) {
    row.raw_cells(&statics.leading_cells[opportunity_index]);
    row.cell(STAGE_NAMES[state.stage as usize]);
    row.cell(FORECAST_CATEGORY_LABELS[state.forecast_category as usize]);
    let currency_code = opportunity.currency.code();
    row.cell(currency_code);
    row.cell_with(|bytes| {
        bytes.extend_from_slice(currency_code.as_bytes());
        bytes.push(b' ');
        push_amount_with_separators(bytes, state.amount);
    });
    row.cell_with(|bytes| {
        push_u64(bytes, state.probability as u64);
        bytes.push(b'%');
    });
    row.cell(&dates.us(state.close_day));
    row.cell(&dates.us(opportunity.created_day));
    let last_activity = opportunity.last_activity_at(day);
    match last_activity {
        Some(activity_day) => row.cell(&dates.us(activity_day)),
        None => row.cell(""),
    }
    let next_step = next_step_text(
        opportunity,
        state,
        day,
        statics.rep_blank_rates[opportunity.rep_index],
    );
    row.cell(&next_step);
    row.raw_cells(&statics.middle_cells[opportunity_index]);

    let mut evidence: [&str; EVIDENCE_FIELD_LABELS.len()] = [""; EVIDENCE_FIELD_LABELS.len()];
    for entry in opportunity
        .evidence
        .iter()
        .take_while(|entry| entry.from_day <= day)
    {
        evidence[entry.field as usize] = &entry.text;
    }
    for text in evidence {
        row.cell(text);
    }
    row.end_line();
}

/// The Next Step text on `day`: it changes with the stage and every few logged activities, is
/// blank at the rep's usual rate, and sometimes carries a short date.
fn next_step_text(
    opportunity: &Opportunity,
    state: &OpportunityState,
    day: Day,
    blank_rate: f64,
) -> String {
    let activity_bucket = (opportunity.activity_count_at(day) / 3) as u64;
    let draw = hashed_unit(&[opportunity.text_seed, state.stage as u64, activity_bucket]);
    let choice = hashed_unit(&[
        opportunity.text_seed,
        state.stage as u64,
        activity_bucket,
        7,
    ]);
    let pick = |texts: &[&str]| {
        texts[((choice * texts.len() as f64) as usize).min(texts.len() - 1)].to_string()
    };
    if state.is_closed() {
        if draw < 0.55 {
            return String::new();
        }
        return if state.stage == STAGE_CLOSED_WON {
            pick(NEXT_STEPS_WON)
        } else {
            pick(NEXT_STEPS_LOST)
        };
    }
    if draw < blank_rate {
        return String::new();
    }
    let mut text = if state.stage <= STAGE_QUALIFICATION {
        pick(NEXT_STEPS_EARLY)
    } else if state.stage <= STAGE_ID_DECISION_MAKERS {
        pick(NEXT_STEPS_MIDDLE)
    } else {
        pick(NEXT_STEPS_LATE)
    };
    if draw > 0.7 {
        let reference_day = opportunity
            .last_activity_at(day)
            .unwrap_or(opportunity.created_day);
        let offset = 2 + (mix64(opportunity.text_seed ^ activity_bucket) % 8) as Day;
        text.push(' ');
        text.push_str(&format_month_day(reference_day + offset));
    }
    text
}
