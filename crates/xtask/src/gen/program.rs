//! The GTM program of seed document 004 (`ai-support-resolution-copilot`): per eligible account,
//! the dates of each funnel step (pilot, security review, contract, activation, churn), and the
//! two-arm experiment `exp-001` assigned over the same accounts.
//!
//! Control-arm rates sit at the program's baselines (pilot start 0.19, pilot → production 0.34,
//! 14 days to activation, 28-day security review, 8% 90-day logo churn); the treatment arm is
//! somewhat better but short of the targets. Steps after the as-of date have not happened yet and
//! are left empty.

use std::path::Path;

use super::calendar::{DateTexts, Day, next_weekday};
use super::output::{OutputFile, Quoting, RowBuffer};
use super::pipeline::{Pipeline, Segment};
use super::random::{
    GenRng, STREAM_PROGRAM, chance, float_between, int_between, lognormal, mix64, stream_rng, unit,
};

pub const PROGRAM_NAME: &str = "ai-support-resolution-copilot";
pub const EXPERIMENT_ID: &str = "exp-001";
/// The program window starts this many days before the as-of date (2026-03-02 for 2026-11-13).
const PROGRAM_START_DAYS_BEFORE_END: Day = 256;
/// Accounts become eligible over this many days from the program start.
const ELIGIBILITY_SPREAD_DAYS: i64 = 170;

pub struct ProgramAccount {
    pub account_index: usize,
    pub in_treatment: bool,
    pub eligible_day: Day,
    pub pilot_start: Option<Day>,
    pub pilot_end: Option<Day>,
    pub security_review_start: Option<Day>,
    pub security_review_end: Option<Day>,
    pub contract: Option<Day>,
    pub activation: Option<Day>,
    pub churn: Option<Day>,
}

/// Rates of one experiment arm.
struct ArmRates {
    pilot_start_rate: f64,
    pilot_to_production_rate: f64,
    mean_days_to_activation: f64,
    mean_security_review_days: f64,
    churn_within_90_days_rate: f64,
}

const CONTROL_RATES: ArmRates = ArmRates {
    pilot_start_rate: 0.19,
    pilot_to_production_rate: 0.34,
    mean_days_to_activation: 14.0,
    mean_security_review_days: 28.0,
    churn_within_90_days_rate: 0.08,
};

const TREATMENT_RATES: ArmRates = ArmRates {
    pilot_start_rate: 0.245,
    pilot_to_production_rate: 0.41,
    mean_days_to_activation: 11.5,
    mean_security_review_days: 23.0,
    churn_within_90_days_rate: 0.06,
};

pub fn build_program(
    seed: u64,
    pipeline: &Pipeline,
    n_eligible: usize,
    end_day: Day,
) -> Vec<ProgramAccount> {
    let mut rng = stream_rng(seed, STREAM_PROGRAM);
    let salt = mix64(seed ^ 0x9009);
    let mut eligible: Vec<usize> = (0..pipeline.accounts.len()).collect();
    eligible.sort_by_key(|&account_index| (mix64(salt ^ account_index as u64), account_index));
    eligible.truncate(n_eligible);

    // Arms alternate over a random order: an exact 50/50 split, like blocked randomisation.
    let program_start = end_day - PROGRAM_START_DAYS_BEFORE_END;
    let mut accounts: Vec<ProgramAccount> = eligible
        .iter()
        .enumerate()
        .map(|(position, &account_index)| ProgramAccount {
            account_index,
            in_treatment: position % 2 == 0,
            eligible_day: next_weekday(
                program_start + int_between(&mut rng, 0, ELIGIBILITY_SPREAD_DAYS) as Day,
            ),
            pilot_start: None,
            pilot_end: None,
            security_review_start: None,
            security_review_end: None,
            contract: None,
            activation: None,
            churn: None,
        })
        .collect();
    accounts.sort_by_key(|account| (account.eligible_day, account.account_index));

    // Each funnel step converts a fixed share of the accounts that reached the previous step (by
    // arm), chosen at random, so every seed shows rates near the arm's targets rather than
    // whatever a small sample happens to give.
    for in_treatment in [false, true] {
        let rates = if in_treatment {
            &TREATMENT_RATES
        } else {
            &CONTROL_RATES
        };
        let arm: Vec<usize> = (0..accounts.len())
            .filter(|&index| accounts[index].in_treatment == in_treatment)
            .collect();

        let pilots = choose_share(&mut rng, &arm, rates.pilot_start_rate);
        let mut ready_for_production = Vec::new();
        for &index in &pilots {
            let segment = pipeline.accounts[accounts[index].account_index].segment;
            if run_pilot(&mut rng, &mut accounts[index], segment, rates, end_day) {
                ready_for_production.push(index);
            }
        }

        let converted = choose_share(
            &mut rng,
            &ready_for_production,
            rates.pilot_to_production_rate,
        );
        let mut activated = Vec::new();
        for &index in &converted {
            if run_contract_and_activation(&mut rng, &mut accounts[index], rates, end_day) {
                activated.push(index);
            }
        }

        for &index in &choose_share(&mut rng, &activated, rates.churn_within_90_days_rate) {
            let Some(activation) = accounts[index].activation else {
                continue;
            };
            let churn_day = activation + float_between(&mut rng, 10.0, 90.0).round() as Day;
            accounts[index].churn = if churn_day <= end_day {
                Some(churn_day)
            } else {
                None
            };
        }
    }
    accounts
}

/// A random `share` of `members` (rounded to the nearest whole account).
fn choose_share(rng: &mut GenRng, members: &[usize], share: f64) -> Vec<usize> {
    let count = (members.len() as f64 * share).round() as usize;
    let mut keyed: Vec<(f64, usize)> = members.iter().map(|&member| (unit(rng), member)).collect();
    keyed.sort_by(|left, right| left.0.total_cmp(&right.0).then(left.1.cmp(&right.1)));
    let mut chosen: Vec<usize> = keyed
        .into_iter()
        .take(count)
        .map(|(_, member)| member)
        .collect();
    chosen.sort_unstable();
    chosen
}

/// Lognormal days with the given mean: median = mean / exp(sigma^2 / 2).
fn days_with_mean(rng: &mut GenRng, mean: f64, sigma: f64) -> Day {
    lognormal(rng, mean / (sigma * sigma / 2.0).exp(), sigma)
        .round()
        .max(1.0) as Day
}

/// Pilot and security review dates (empty when after the as-of date). Returns whether the
/// account is ready for a production decision by the as-of date.
fn run_pilot(
    rng: &mut GenRng,
    account: &mut ProgramAccount,
    segment: Segment,
    rates: &ArmRates,
    end_day: Day,
) -> bool {
    let happened = |day: Day| if day <= end_day { Some(day) } else { None };
    let pilot_start = next_weekday(
        account.eligible_day + lognormal(rng, 10.0, 0.5).clamp(1.0, 45.0).round() as Day,
    );
    let pilot_end = next_weekday(pilot_start + int_between(rng, 21, 45) as Day);
    let needs_security_review = segment == Segment::Enterprise || chance(rng, 0.75);
    let review_start = next_weekday(pilot_start + int_between(rng, 0, 20) as Day);
    let review_end =
        next_weekday(review_start + days_with_mean(rng, rates.mean_security_review_days, 0.4));

    account.pilot_start = happened(pilot_start);
    if account.pilot_start.is_none() {
        return false;
    }
    account.pilot_end = happened(pilot_end);
    if needs_security_review {
        account.security_review_start = happened(review_start);
        if account.security_review_start.is_some() {
            account.security_review_end = happened(review_end);
        }
    }
    account.pilot_end.is_some() && (!needs_security_review || account.security_review_end.is_some())
}

/// Contract and activation dates after the pilot (and review). Returns whether the account was
/// activated by the as-of date.
fn run_contract_and_activation(
    rng: &mut GenRng,
    account: &mut ProgramAccount,
    rates: &ArmRates,
    end_day: Day,
) -> bool {
    let Some(pilot_end) = account.pilot_end else {
        return false;
    };
    let ready_day = pilot_end.max(account.security_review_end.unwrap_or(pilot_end));
    let contract = next_weekday(ready_day + int_between(rng, 3, 15) as Day);
    let activation = contract + days_with_mean(rng, rates.mean_days_to_activation, 0.45);
    if contract > end_day {
        return false;
    }
    account.contract = Some(contract);
    if activation > end_day {
        return false;
    }
    account.activation = Some(activation);
    true
}

pub fn write_program_milestones(
    pipeline: &Pipeline,
    program_accounts: &[ProgramAccount],
    dates: &DateTexts,
    path: &Path,
) -> Result<(u64, u64), String> {
    let mut file = OutputFile::create(path)?;
    let mut row = RowBuffer::new(Quoting::WhenNeeded);
    row.line(&[
        "account_id",
        "account_name",
        "program",
        "segment",
        "eligible_date",
        "pilot_start",
        "pilot_end",
        "security_review_start",
        "security_review_end",
        "contract_date",
        "activation_date",
        "churn_date",
    ]);
    file.write_row(&mut row)?;
    for program_account in program_accounts {
        let account = &pipeline.accounts[program_account.account_index];
        row.cell(&account.account_id);
        row.cell(&account.name);
        row.cell(PROGRAM_NAME);
        row.cell(account.segment.label());
        row.cell(&dates.iso(program_account.eligible_day));
        for step in [
            program_account.pilot_start,
            program_account.pilot_end,
            program_account.security_review_start,
            program_account.security_review_end,
            program_account.contract,
            program_account.activation,
            program_account.churn,
        ] {
            match step {
                Some(day) => row.cell(&dates.iso(day)),
                None => row.cell(""),
            }
        }
        row.end_line();
        file.write_row(&mut row)?;
    }
    Ok((program_accounts.len() as u64, file.finish()?))
}

pub fn write_experiment_assignments(
    pipeline: &Pipeline,
    program_accounts: &[ProgramAccount],
    dates: &DateTexts,
    path: &Path,
) -> Result<(u64, u64), String> {
    let mut file = OutputFile::create(path)?;
    let mut row = RowBuffer::new(Quoting::WhenNeeded);
    row.line(&["account_id", "experiment_id", "arm", "assigned_on"]);
    file.write_row(&mut row)?;
    for program_account in program_accounts {
        row.cell(&pipeline.accounts[program_account.account_index].account_id);
        row.cell(EXPERIMENT_ID);
        row.cell(if program_account.in_treatment {
            "treatment"
        } else {
            "control"
        });
        row.cell(&dates.iso(program_account.eligible_day));
        row.end_line();
        file.write_row(&mut row)?;
    }
    Ok((program_accounts.len() as u64, file.finish()?))
}
