//! Salesforce Setup > Data Export files: `OpportunityHistory.csv`, `User.csv`, `UserRole.csv`
//! (FORMATS.md §2.1 and §2.4): API names as headers, every cell quoted, datetimes
//! `YYYY-MM-DD HH:MM:SS`, dates `YYYY-MM-DD 00:00:00`, `000000000000000AAA` for empty lookups,
//! booleans `0`/`1`.
//!
//! History rows come straight from each opportunity's list of states, so they agree with the
//! weekly snapshots by construction.

use std::path::Path;

use super::calendar::{DateTexts, Day};
use super::ids::{EMPTY_LOOKUP_ID, PREFIX_OPPORTUNITY_HISTORY, salesforce_id};
use super::output::{OutputFile, Quoting, RowBuffer};
use super::pipeline::{FORECAST_CATEGORY_LABELS, OpportunityState, Pipeline, STAGE_NAMES};
use super::random::mix64;
use super::team::Team;

pub const HISTORY_HEADER: [&str; 17] = [
    "Id",
    "OpportunityId",
    "CreatedById",
    "CreatedDate",
    "StageName",
    "Amount",
    "ExpectedRevenue",
    "CloseDate",
    "Probability",
    "FromForecastCategory",
    "ForecastCategory",
    "FromOpportunityStageName",
    "PrevAmount",
    "PrevCloseDate",
    "ValidThroughDate",
    "SystemModstamp",
    "IsDeleted",
];

/// Writes one row per opportunity state, opportunities in id order; returns (rows, bytes).
pub fn write_opportunity_history(
    seed: u64,
    team: &Team,
    pipeline: &Pipeline,
    dates: &DateTexts,
    path: &Path,
) -> Result<(u64, u64), String> {
    let mut file = OutputFile::create(path)?;
    let mut row = RowBuffer::new(Quoting::EveryCell);
    row.line(&HISTORY_HEADER);
    file.write_row(&mut row)?;
    let history_serial_base = 7_000_000 + mix64(seed ^ 0x0808) % 60_000_000;
    let mut n_rows = 0u64;
    for opportunity in &pipeline.opportunities {
        let rep = &team.reps[opportunity.rep_index];
        let rep_user_id = &team.users[rep.user_index].user_id;
        let manager_user_id = &team.users[rep.manager_user_index].user_id;
        for (state_index, state) in opportunity.states.iter().enumerate() {
            let previous = if state_index > 0 {
                opportunity.states.get(state_index - 1)
            } else {
                None
            };
            let next = opportunity.states.get(state_index + 1);
            row.cell(&salesforce_id(
                PREFIX_OPPORTUNITY_HISTORY,
                history_serial_base + n_rows,
            ));
            row.cell(&opportunity.opportunity_id);
            row.cell(if state.changed_by_manager {
                manager_user_id
            } else {
                rep_user_id
            });
            let created = datetime_text(dates, state);
            row.cell(&created);
            row.cell(STAGE_NAMES[state.stage as usize]);
            row.cell_u64(state.amount);
            let probability = state.probability as u64;
            row.cell_u64(state.amount * probability / 100);
            row.cell(&date_as_datetime_text(dates, state.close_day));
            row.cell_u64(probability);
            row.cell(previous.map_or("", |previous| {
                FORECAST_CATEGORY_LABELS[previous.forecast_category as usize]
            }));
            row.cell(FORECAST_CATEGORY_LABELS[state.forecast_category as usize]);
            row.cell(previous.map_or("", |previous| STAGE_NAMES[previous.stage as usize]));
            match previous {
                Some(previous) => {
                    row.cell_u64(previous.amount);
                    row.cell(&date_as_datetime_text(dates, previous.close_day));
                }
                None => {
                    row.cell("");
                    row.cell("");
                }
            }
            match next {
                Some(next) => row.cell(&datetime_text(dates, next)),
                None => row.cell(""),
            }
            row.cell(&created);
            row.cell("0");
            row.end_line();
            file.write_row(&mut row)?;
            n_rows += 1;
        }
    }
    let n_bytes = file.finish()?;
    Ok((n_rows, n_bytes))
}

/// `User.csv`: `Id,Name,ManagerId,UserRoleId,IsActive,StartDate__c`.
pub fn write_users(team: &Team, dates: &DateTexts, path: &Path) -> Result<(u64, u64), String> {
    let mut file = OutputFile::create(path)?;
    let mut row = RowBuffer::new(Quoting::EveryCell);
    row.line(&[
        "Id",
        "Name",
        "ManagerId",
        "UserRoleId",
        "IsActive",
        "StartDate__c",
    ]);
    file.write_row(&mut row)?;
    for user in &team.users {
        row.cell(&user.user_id);
        row.cell(&user.name);
        row.cell(
            user.manager_user_index
                .map_or(EMPTY_LOOKUP_ID, |index| team.users[index].user_id.as_str()),
        );
        row.cell(&team.roles[user.role_index].role_id);
        row.cell(if user.is_active { "1" } else { "0" });
        row.cell(&date_as_datetime_text(dates, user.start_day));
        row.end_line();
        file.write_row(&mut row)?;
    }
    Ok((team.users.len() as u64, file.finish()?))
}

/// `UserRole.csv`: `Id,Name,ParentRoleId`.
pub fn write_user_roles(team: &Team, path: &Path) -> Result<(u64, u64), String> {
    let mut file = OutputFile::create(path)?;
    let mut row = RowBuffer::new(Quoting::EveryCell);
    row.line(&["Id", "Name", "ParentRoleId"]);
    file.write_row(&mut row)?;
    for role in &team.roles {
        row.cell(&role.role_id);
        row.cell(&role.name);
        row.cell(
            role.parent_role_index
                .map_or(EMPTY_LOOKUP_ID, |index| team.roles[index].role_id.as_str()),
        );
        row.end_line();
        file.write_row(&mut row)?;
    }
    Ok((team.roles.len() as u64, file.finish()?))
}

fn datetime_text(dates: &DateTexts, state: &OpportunityState) -> String {
    dates.datetime(state.day, state.minute, state.second)
}

fn date_as_datetime_text(dates: &DateTexts, day: Day) -> String {
    let mut text = String::with_capacity(19);
    text.push_str(&dates.iso(day));
    text.push_str(" 00:00:00");
    text
}
