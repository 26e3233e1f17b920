//! Renewals data in Lens's own shapes (plain CSV, ISO dates, `True`/`False`): accounts,
//! subscription terms, daily product usage, support tickets and churn events.
//!
//! Subscriptions follow the pipeline: existing customers have a chain of terms from before the
//! window, a won new-logo deal starts a chain at its close date, and a won upgrade adds a
//! co-termed add-on. Some usage series carry a level shift (a drop or a rise at one date), and
//! accounts whose usage drops also see more tickets from that date, so change-point detection
//! has something to find.

use std::path::Path;

use super::calendar::{DateTexts, Day, add_months, next_weekday};
use super::ids::short_hex_id;
use super::names::{CHURN_REASONS, TICKET_PRIORITIES, USAGE_FEATURES};
use super::output::{OutputFile, Quoting, RowBuffer, format_two_decimals};
use super::pipeline::{Pipeline, STAGE_CLOSED_WON, Segment};
use super::random::{
    GenRng, STREAM_SUBSCRIPTION_BASE, STREAM_TICKET_BASE, STREAM_USAGE_BASE, chance, float_between,
    int_between, lognormal, mix64, poisson, stream_rng, unit, weighted_index,
};
use super::team::Team;

/// Days of daily usage written per selected account.
const USAGE_SERIES_DAYS: Day = 180;
/// Days of ticket history before the as-of date.
const TICKET_HISTORY_DAYS: Day = 365;

pub struct Subscription {
    pub subscription_id: String,
    pub account_index: usize,
    pub start_day: Day,
    pub end_day: Day,
    pub plan_tier: &'static str,
    pub seats: u64,
    pub monthly_amount: u64,
    pub is_trial: bool,
    pub is_upgrade: bool,
    pub is_downgrade: bool,
    pub is_churn: bool,
    pub billing_frequency: &'static str,
    pub auto_renew: bool,
    /// A base term (not a trial or an add-on).
    pub is_base_term: bool,
}

pub struct ChurnEvent {
    pub churn_event_id: String,
    pub account_index: usize,
    pub churn_day: Day,
    pub reason_code: &'static str,
    pub refund_amount_usd: f64,
    /// The account had churned before, come back, and churned again.
    pub is_reactivation: bool,
}

/// The usage series of one account: which features, and where its level shifts.
pub struct UsagePlan {
    pub account_index: usize,
    pub features: Vec<&'static str>,
    /// Day of the shift and the factor applied from then on.
    pub level_shift: Option<(Day, f64)>,
}

pub struct Renewals {
    pub subscriptions: Vec<Subscription>,
    pub churn_events: Vec<ChurnEvent>,
    pub usage_plans: Vec<UsagePlan>,
}

/// Builds subscriptions and churn events for every customer account and picks the accounts
/// whose daily usage is written.
pub fn build_renewals(
    seed: u64,
    pipeline: &Pipeline,
    n_usage_accounts: usize,
    end_day: Day,
) -> Renewals {
    let n_accounts = pipeline.accounts.len();
    let mut first_new_logo_win: Vec<Option<(Day, f64)>> = vec![None; n_accounts];
    let mut upgrade_wins: Vec<Vec<(Day, f64)>> = vec![Vec::new(); n_accounts];
    for opportunity in &pipeline.opportunities {
        let state = opportunity.final_state();
        if state.stage != STAGE_CLOSED_WON {
            continue;
        }
        let amount_usd = state.amount as f64 * opportunity.currency.usd_rate();
        let account_index = opportunity.account_index;
        if opportunity.opportunity_type == "New Customer" {
            let slot = &mut first_new_logo_win[account_index];
            if slot.is_none_or(|(day, _)| state.close_day < day) {
                *slot = Some((state.close_day, amount_usd));
            }
        } else if opportunity.opportunity_type == "Existing Customer - Upgrade" {
            upgrade_wins[account_index].push((state.close_day, amount_usd));
        }
    }

    let salt = mix64(seed ^ 0x5005);
    let mut subscriptions = Vec::new();
    let mut churn_events = Vec::new();
    for (account_index, account) in pipeline.accounts.iter().enumerate() {
        let start = match (
            account.customer_since_day,
            first_new_logo_win[account_index],
        ) {
            (Some(day), _) => Some((day, None)),
            (None, Some((day, amount_usd))) => Some((day, Some(amount_usd))),
            (None, None) => None,
        };
        let Some((start_day, first_amount_usd)) = start else {
            continue;
        };
        let mut rng = stream_rng(seed, STREAM_SUBSCRIPTION_BASE + account_index as u64);
        let account_subscriptions = build_account_subscriptions(
            &mut rng,
            account_index,
            account.segment,
            start_day,
            first_amount_usd,
            &upgrade_wins[account_index],
            end_day,
            &mut churn_events,
        );
        subscriptions.extend(account_subscriptions);
    }
    for (index, subscription) in subscriptions.iter_mut().enumerate() {
        subscription.subscription_id = short_hex_id("S", index as u64, 6, salt);
    }
    for (index, event) in churn_events.iter_mut().enumerate() {
        event.churn_event_id = short_hex_id("C", index as u64, 6, salt ^ 0xC);
    }

    // Usage is written for a sample of accounts with a paid term running on the as-of date.
    let mut candidates: Vec<usize> = subscriptions
        .iter()
        .filter(|subscription| {
            subscription.is_base_term
                && subscription.start_day <= end_day
                && subscription.end_day >= end_day
        })
        .map(|subscription| subscription.account_index)
        .collect();
    candidates.sort_by_key(|&account_index| (mix64(salt ^ account_index as u64), account_index));
    candidates.dedup();
    candidates.truncate(n_usage_accounts);
    candidates.sort_unstable();
    let usage_plans = candidates
        .into_iter()
        .map(|account_index| {
            let mut rng = stream_rng(seed, STREAM_USAGE_BASE + account_index as u64);
            let mut features: Vec<&'static str> = USAGE_FEATURES.to_vec();
            let n_features = int_between(&mut rng, 2, 3) as usize;
            while features.len() > n_features {
                let remove_at = int_between(&mut rng, 0, features.len() as i64 - 1) as usize;
                features.remove(remove_at);
            }
            let level_shift = if chance(&mut rng, 0.4) {
                let shift_day =
                    end_day - int_between(&mut rng, 30, USAGE_SERIES_DAYS as i64 - 30) as Day;
                let factor = if chance(&mut rng, 0.6) {
                    float_between(&mut rng, 0.3, 0.6)
                } else {
                    float_between(&mut rng, 1.5, 2.2)
                };
                Some((shift_day, factor))
            } else {
                None
            };
            UsagePlan {
                account_index,
                features,
                level_shift,
            }
        })
        .collect();
    Renewals {
        subscriptions,
        churn_events,
        usage_plans,
    }
}

#[allow(clippy::too_many_arguments)]
fn build_account_subscriptions(
    rng: &mut GenRng,
    account_index: usize,
    segment: Segment,
    start_day: Day,
    first_amount_usd: Option<f64>,
    upgrade_wins: &[(Day, f64)],
    end_day: Day,
    churn_events: &mut Vec<ChurnEvent>,
) -> Vec<Subscription> {
    let plan_tier = match segment {
        Segment::SmallBusiness => {
            if chance(rng, 0.5) {
                "Basic"
            } else {
                "Pro"
            }
        }
        Segment::MidMarket => {
            if chance(rng, 0.6) {
                "Pro"
            } else {
                "Business"
            }
        }
        Segment::Enterprise => "Enterprise",
    };
    let seat_price = match plan_tier {
        "Basic" => 20.0,
        "Pro" => 40.0,
        "Business" => 65.0,
        _ => 90.0,
    };
    let term_months = match segment {
        Segment::Enterprise => [12, 24, 36][weighted_index(rng, &[0.5, 0.3, 0.2])],
        _ => 12,
    };
    let billing_frequency = match segment {
        Segment::Enterprise => {
            if chance(rng, 0.85) {
                "annual"
            } else {
                "monthly"
            }
        }
        _ => {
            if chance(rng, 0.55) {
                "monthly"
            } else {
                "annual"
            }
        }
    };
    let auto_renew = chance(
        rng,
        match segment {
            Segment::SmallBusiness => 0.85,
            Segment::MidMarket => 0.7,
            Segment::Enterprise => 0.4,
        },
    );
    let churn_probability_per_term = match segment {
        Segment::SmallBusiness => 0.12,
        Segment::MidMarket => 0.08,
        Segment::Enterprise => 0.05,
    };
    let mut seats = match first_amount_usd {
        Some(amount_usd) => (amount_usd / 12.0 / seat_price).round().max(3.0),
        None => lognormal(
            rng,
            match segment {
                Segment::SmallBusiness => 15.0,
                Segment::MidMarket => 60.0,
                Segment::Enterprise => 300.0,
            },
            0.5,
        )
        .round()
        .max(3.0),
    };

    let mut subscriptions = Vec::new();
    let new_subscription = |start_day: Day, end_day: Day, seats: f64| Subscription {
        subscription_id: String::new(),
        account_index,
        start_day,
        end_day,
        plan_tier,
        seats: seats as u64,
        monthly_amount: (seats * seat_price).round() as u64,
        is_trial: false,
        is_upgrade: false,
        is_downgrade: false,
        is_churn: false,
        billing_frequency,
        auto_renew,
        is_base_term: true,
    };
    if chance(rng, 0.1) {
        let trial_days = if chance(rng, 0.5) { 14 } else { 30 };
        let mut trial = new_subscription(
            start_day - trial_days,
            start_day - 1,
            (seats / 4.0).round().max(3.0),
        );
        trial.is_trial = true;
        trial.monthly_amount = 0;
        trial.is_base_term = false;
        subscriptions.push(trial);
    }

    let mut term_start = start_day;
    let mut previous_seats: Option<f64> = None;
    let mut has_reactivated = false;
    // A chain of terms until one runs past the as-of date or the account churns for good.
    for _ in 0..40 {
        // Most renewals keep their seat count; the rest grow or shrink.
        if let Some(previous) = previous_seats
            && chance(rng, 0.45)
        {
            seats = (previous * lognormal(rng, 1.06, 0.2)).round().max(3.0);
        }
        let term_end = add_months(term_start, term_months) - 1;
        let mut term = new_subscription(term_start, term_end, seats);
        if let Some(previous) = previous_seats {
            term.is_upgrade = seats > previous * 1.05;
            term.is_downgrade = seats < previous * 0.95;
        }
        let churns = term_end < end_day && chance(rng, churn_probability_per_term);
        term.is_churn = churns;
        subscriptions.push(term);
        if churns {
            let refund_amount_usd = if chance(rng, 0.25) {
                (seats * seat_price * float_between(rng, 0.2, 1.5) * 100.0).round() / 100.0
            } else {
                0.0
            };
            churn_events.push(ChurnEvent {
                churn_event_id: String::new(),
                account_index,
                churn_day: term_end,
                reason_code: CHURN_REASONS
                    [weighted_index(rng, &[0.25, 0.15, 0.2, 0.2, 0.15, 0.05])],
                refund_amount_usd,
                is_reactivation: has_reactivated,
            });
            let comeback_day = next_weekday(term_end + int_between(rng, 60, 300) as Day);
            if chance(rng, 0.12) && comeback_day < end_day {
                has_reactivated = true;
                term_start = comeback_day;
                previous_seats = None;
                seats = (seats * float_between(rng, 0.5, 0.9)).round().max(3.0);
                continue;
            }
            break;
        }
        if term_end >= end_day {
            break;
        }
        previous_seats = Some(seats);
        term_start = term_end + 1;
    }

    // Won upgrades become co-termed add-ons of the term running at their close date.
    let mut add_ons = Vec::new();
    for &(close_day, amount_usd) in upgrade_wins {
        let running_term = subscriptions.iter().find(|term| {
            term.is_base_term && term.start_day <= close_day && close_day <= term.end_day
        });
        if let Some(term) = running_term {
            let add_on_seats = (amount_usd / 12.0 / seat_price).round().max(1.0);
            let mut add_on = new_subscription(close_day, term.end_day, add_on_seats);
            add_on.is_upgrade = true;
            add_on.is_base_term = false;
            add_ons.push(add_on);
        }
    }
    subscriptions.extend(add_ons);
    subscriptions.sort_by_key(|subscription| subscription.start_day);
    subscriptions
}

pub fn write_accounts(
    team: &Team,
    pipeline: &Pipeline,
    dates: &DateTexts,
    path: &Path,
) -> Result<(u64, u64), String> {
    let mut file = OutputFile::create(path)?;
    let mut row = RowBuffer::new(Quoting::WhenNeeded);
    row.line(&[
        "account_id",
        "account_name",
        "industry",
        "segment",
        "country",
        "owner",
        "created_date",
    ]);
    file.write_row(&mut row)?;
    for account in &pipeline.accounts {
        row.cell(&account.account_id);
        row.cell(&account.name);
        row.cell(account.industry);
        row.cell(account.segment.label());
        row.cell(account.country);
        row.cell(team.rep_name(account.owner_rep_index));
        row.cell(&dates.iso(account.created_day));
        row.end_line();
        file.write_row(&mut row)?;
    }
    Ok((pipeline.accounts.len() as u64, file.finish()?))
}

pub fn write_subscriptions(
    pipeline: &Pipeline,
    renewals: &Renewals,
    dates: &DateTexts,
    path: &Path,
) -> Result<(u64, u64), String> {
    let mut file = OutputFile::create(path)?;
    let mut row = RowBuffer::new(Quoting::WhenNeeded);
    row.line(&[
        "subscription_id",
        "account_id",
        "start_date",
        "end_date",
        "plan_tier",
        "seats",
        "mrr_amount",
        "arr_amount",
        "is_trial",
        "upgrade_flag",
        "downgrade_flag",
        "churn_flag",
        "billing_frequency",
        "auto_renew_flag",
    ]);
    file.write_row(&mut row)?;
    for subscription in &renewals.subscriptions {
        row.cell(&subscription.subscription_id);
        row.cell(&pipeline.accounts[subscription.account_index].account_id);
        row.cell(&dates.iso(subscription.start_day));
        row.cell(&dates.iso(subscription.end_day));
        row.cell(subscription.plan_tier);
        row.cell_u64(subscription.seats);
        row.cell_u64(subscription.monthly_amount);
        row.cell_u64(subscription.monthly_amount * 12);
        row.cell(true_false(subscription.is_trial));
        row.cell(true_false(subscription.is_upgrade));
        row.cell(true_false(subscription.is_downgrade));
        row.cell(true_false(subscription.is_churn));
        row.cell(subscription.billing_frequency);
        row.cell(true_false(subscription.auto_renew));
        row.end_line();
        file.write_row(&mut row)?;
    }
    Ok((renewals.subscriptions.len() as u64, file.finish()?))
}

pub fn write_churn_events(
    pipeline: &Pipeline,
    renewals: &Renewals,
    dates: &DateTexts,
    path: &Path,
) -> Result<(u64, u64), String> {
    let mut file = OutputFile::create(path)?;
    let mut row = RowBuffer::new(Quoting::WhenNeeded);
    row.line(&[
        "churn_event_id",
        "account_id",
        "churn_date",
        "reason_code",
        "refund_amount_usd",
        "is_reactivation",
    ]);
    file.write_row(&mut row)?;
    for event in &renewals.churn_events {
        row.cell(&event.churn_event_id);
        row.cell(&pipeline.accounts[event.account_index].account_id);
        row.cell(&dates.iso(event.churn_day));
        row.cell(event.reason_code);
        row.cell(&format_two_decimals(event.refund_amount_usd));
        row.cell(true_false(event.is_reactivation));
        row.end_line();
        file.write_row(&mut row)?;
    }
    Ok((renewals.churn_events.len() as u64, file.finish()?))
}

/// Daily usage per feature for each selected account over the last `USAGE_SERIES_DAYS` days,
/// under whichever base term runs that day; weekends are quieter.
pub fn write_usage(
    seed: u64,
    pipeline: &Pipeline,
    renewals: &Renewals,
    dates: &DateTexts,
    end_day: Day,
    path: &Path,
) -> Result<(u64, u64), String> {
    let mut file = OutputFile::create(path)?;
    let mut row = RowBuffer::new(Quoting::WhenNeeded);
    row.line(&[
        "usage_id",
        "subscription_id",
        "account_id",
        "usage_date",
        "feature_name",
        "usage_count",
        "usage_duration_secs",
        "error_count",
    ]);
    file.write_row(&mut row)?;
    let salt = mix64(seed ^ 0x0505);
    let mut n_rows = 0u64;
    for plan in &renewals.usage_plans {
        // A separate stream from the plan's, so plan and rows never shift each other.
        let mut rng = stream_rng(
            seed ^ 0x5EED_0005,
            STREAM_USAGE_BASE + plan.account_index as u64,
        );
        let account = &pipeline.accounts[plan.account_index];
        let terms: Vec<&Subscription> = renewals
            .subscriptions
            .iter()
            .filter(|subscription| {
                subscription.account_index == plan.account_index && subscription.is_base_term
            })
            .collect();
        let seats = terms.last().map_or(10, |term| term.seats) as f64;
        let feature_levels: Vec<(f64, f64, f64)> = plan
            .features
            .iter()
            .map(|_| {
                (
                    (seats * lognormal(&mut rng, 0.8, 0.5)).max(2.0),
                    lognormal(&mut rng, 90.0, 0.5),
                    float_between(&mut rng, 0.005, 0.04),
                )
            })
            .collect();
        for day in (end_day - USAGE_SERIES_DAYS + 1)..=end_day {
            let Some(term) = terms
                .iter()
                .find(|term| term.start_day <= day && day <= term.end_day)
            else {
                continue;
            };
            let weekday_factor = if super::calendar::is_weekend(day) {
                0.35
            } else {
                1.0
            };
            let shift_factor = match plan.level_shift {
                Some((shift_day, factor)) if day >= shift_day => factor,
                _ => 1.0,
            };
            for (feature_index, feature) in plan.features.iter().enumerate() {
                let (level, seconds_per_use, error_rate) = feature_levels[feature_index];
                let expected =
                    level * weekday_factor * shift_factor * lognormal(&mut rng, 1.0, 0.12);
                let usage_count = poisson(&mut rng, expected) as u64;
                let duration =
                    (usage_count as f64 * seconds_per_use * lognormal(&mut rng, 1.0, 0.1)).round()
                        as u64;
                let error_count = poisson(&mut rng, usage_count as f64 * error_rate) as u64;
                row.cell(&short_hex_id("U", n_rows, 8, salt));
                row.cell(&term.subscription_id);
                row.cell(&account.account_id);
                row.cell(&dates.iso(day));
                row.cell(feature);
                row.cell_u64(usage_count);
                row.cell_u64(duration);
                row.cell_u64(error_count);
                row.end_line();
                file.write_row(&mut row)?;
                n_rows += 1;
            }
        }
    }
    Ok((n_rows, file.finish()?))
}

/// Support tickets over the last year for accounts with a paid term in that year; accounts whose
/// usage drops file more tickets from the drop on.
pub fn write_tickets(
    seed: u64,
    pipeline: &Pipeline,
    renewals: &Renewals,
    end_day: Day,
    dates: &DateTexts,
    path: &Path,
) -> Result<(u64, u64), String> {
    let mut file = OutputFile::create(path)?;
    let mut row = RowBuffer::new(Quoting::WhenNeeded);
    row.line(&[
        "ticket_id",
        "account_id",
        "submitted_at",
        "closed_at",
        "resolution_time_hours",
        "priority",
        "first_response_time_minutes",
        "satisfaction_score",
        "escalation_flag",
    ]);
    file.write_row(&mut row)?;
    let salt = mix64(seed ^ 0x7007);
    let history_start = end_day - TICKET_HISTORY_DAYS + 1;

    // Paid coverage per account within the ticket window, from base terms.
    let mut coverage: Vec<Vec<(Day, Day, u64)>> = vec![Vec::new(); pipeline.accounts.len()];
    for subscription in &renewals.subscriptions {
        if subscription.is_base_term
            && subscription.end_day >= history_start
            && subscription.start_day <= end_day
        {
            coverage[subscription.account_index].push((
                subscription.start_day,
                subscription.end_day,
                subscription.seats,
            ));
        }
    }
    let mut surge_from: Vec<Option<Day>> = vec![None; pipeline.accounts.len()];
    for plan in &renewals.usage_plans {
        if let Some((shift_day, factor)) = plan.level_shift
            && factor < 1.0
        {
            surge_from[plan.account_index] = Some(shift_day);
        }
    }

    let mut n_rows = 0u64;
    for (account_index, terms) in coverage.iter().enumerate() {
        if terms.is_empty() {
            continue;
        }
        let mut rng = stream_rng(seed, STREAM_TICKET_BASE + account_index as u64);
        let surge_day = surge_from[account_index].or_else(|| {
            chance(&mut rng, 0.1).then(|| end_day - int_between(&mut rng, 20, 300) as Day)
        });
        for day in history_start..=end_day {
            let Some(&(_, _, seats)) = terms
                .iter()
                .find(|(start, end, _)| *start <= day && day <= *end)
            else {
                continue;
            };
            let mut daily_rate = (0.004 + seats as f64 / 6_000.0).min(0.3);
            if super::calendar::is_weekend(day) {
                daily_rate *= 0.3;
            }
            if surge_day.is_some_and(|surge| day >= surge) {
                daily_rate *= 2.5;
            }
            for _ in 0..poisson(&mut rng, daily_rate) {
                write_ticket_row(
                    &mut rng,
                    &mut row,
                    pipeline,
                    account_index,
                    day,
                    end_day,
                    dates,
                    n_rows,
                    salt,
                );
                file.write_row(&mut row)?;
                n_rows += 1;
            }
        }
    }
    Ok((n_rows, file.finish()?))
}

#[allow(clippy::too_many_arguments)]
fn write_ticket_row(
    rng: &mut GenRng,
    row: &mut RowBuffer,
    pipeline: &Pipeline,
    account_index: usize,
    day: Day,
    end_day: Day,
    dates: &DateTexts,
    ticket_index: u64,
    salt: u64,
) {
    let priority_index = weighted_index(rng, &[0.35, 0.4, 0.18, 0.07]);
    let submitted_minute_of_day = if chance(rng, 0.85) {
        int_between(rng, 8 * 60, 18 * 60)
    } else {
        int_between(rng, 0, 24 * 60 - 1)
    };
    let submitted_second = int_between(rng, 0, 59);
    let median_hours = [60.0, 30.0, 14.0, 6.0][priority_index];
    let resolution_hours = (lognormal(rng, median_hours, 0.8) * 10.0).round() / 10.0;
    let median_response_minutes = [300.0, 120.0, 45.0, 20.0][priority_index];
    let first_response_minutes = lognormal(rng, median_response_minutes, 0.7)
        .round()
        .max(1.0) as u64;
    let escalated = chance(rng, [0.01, 0.04, 0.12, 0.3][priority_index]);
    let satisfaction = if chance(rng, 0.45) {
        None
    } else {
        let speed_bonus = if resolution_hours < median_hours {
            0.6
        } else {
            -0.4
        };
        Some((normal_score(rng) + speed_bonus).round().clamp(1.0, 5.0) as u64)
    };

    let submitted_total_seconds = submitted_minute_of_day * 60 + submitted_second;
    let closed_total_seconds = submitted_total_seconds + (resolution_hours * 3600.0).round() as i64;
    let closed_day = day + (closed_total_seconds / 86_400) as Day;
    let closed_seconds_of_day = closed_total_seconds % 86_400;
    let is_closed = closed_day <= end_day;

    row.cell(&short_hex_id("T", ticket_index, 6, salt));
    row.cell(&pipeline.accounts[account_index].account_id);
    row.cell(&dates.datetime(day, submitted_minute_of_day as u16, submitted_second as u8));
    if is_closed {
        row.cell(&dates.datetime(
            closed_day,
            (closed_seconds_of_day / 60) as u16,
            (closed_seconds_of_day % 60) as u8,
        ));
        row.cell(&format!("{resolution_hours:.1}"));
    } else {
        row.cell("");
        row.cell("");
    }
    row.cell(TICKET_PRIORITIES[priority_index]);
    row.cell_u64(first_response_minutes);
    match satisfaction {
        Some(score) if is_closed => row.cell_u64(score),
        _ => row.cell(""),
    }
    row.cell(true_false(escalated));
    row.end_line();
}

fn normal_score(rng: &mut GenRng) -> f64 {
    // Centred near 4 with a left tail: most support experiences are rated 4 or 5.
    4.5 - lognormal(rng, 0.6, 0.8) + 0.3 * (unit(rng) - 0.5)
}

fn true_false(value: bool) -> &'static str {
    if value { "True" } else { "False" }
}
