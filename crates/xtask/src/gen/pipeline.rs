//! The simulated pipeline: accounts, and opportunities whose whole life (stage moves, close-date
//! pushes and in-month nudges, amount changes and re-quotes, forecast-category calls, probability
//! overrides, activities, evidence fields) is played out from creation to close or to the as-of
//! date.
//!
//! An opportunity's life is kept as its list of states, one per change: that list *is* the
//! OpportunityHistory of the opportunity, and the weekly snapshots read the state in force on
//! each snapshot date from the same list, which is what keeps the two files consistent.

use super::calendar::{
    Day, FIRST_WORK_MINUTE, LAST_WORK_MINUTE, MinuteOfDay, format_us_date, is_weekend,
    last_business_day_of_month, next_weekday, previous_weekday, same_month,
};
use super::ids::{PREFIX_ACCOUNT, PREFIX_OPPORTUNITY, salesforce_id};
use super::names::{
    BUYER_TITLES, CHAMPION_TITLES, COMPANY_STEMS, COMPANY_TRADES, COMPETITORS,
    DECISION_CRITERIA_NOTES, DECISION_PROCESS_NOTES, EURO_COUNTRIES, FIRST_NAMES, LAST_NAMES,
    METRICS_NOTES, PAIN_NOTES, PAPER_PROCESS_NOTES, PARTNER_ACCOUNTS, POC_CRITERIA_NOTES, PRODUCTS,
    US_SUFFIXES,
};
use super::random::{
    GenRng, STREAM_ACCOUNTS, STREAM_OPPORTUNITY_BASE, STREAM_OPPORTUNITY_CREATION, chance,
    exponential, float_between, int_between, lognormal, mix64, normal, pick, poisson, stream_rng,
    unit, weighted_index,
};
use super::team::Team;

/// Stage names of the sales process, in order; the last two are the closed stages.
pub const STAGE_NAMES: [&str; 9] = [
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
];
/// Default probability (%) of each stage.
pub const STAGE_PROBABILITIES: [u8; 9] = [10, 10, 20, 50, 60, 75, 90, 100, 0];
pub const STAGE_PROSPECTING: u8 = 0;
pub const STAGE_QUALIFICATION: u8 = 1;
pub const STAGE_NEEDS_ANALYSIS: u8 = 2;
pub const STAGE_VALUE_PROPOSITION: u8 = 3;
pub const STAGE_ID_DECISION_MAKERS: u8 = 4;
pub const STAGE_PROPOSAL: u8 = 5;
pub const STAGE_NEGOTIATION: u8 = 6;
pub const STAGE_CLOSED_WON: u8 = 7;
pub const STAGE_CLOSED_LOST: u8 = 8;

/// Forecast category labels (as reports and the observed Data Export show them).
pub const FORECAST_CATEGORY_LABELS: [&str; 5] =
    ["Pipeline", "Best Case", "Commit", "Closed", "Omitted"];
pub const FORECAST_PIPELINE: u8 = 0;
pub const FORECAST_BEST_CASE: u8 = 1;
pub const FORECAST_COMMIT: u8 = 2;
pub const FORECAST_CLOSED: u8 = 3;
pub const FORECAST_OMITTED: u8 = 4;

/// Evidence columns of the report, in header order.
pub const EVIDENCE_FIELD_LABELS: [&str; 10] = [
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
const EVIDENCE_METRICS: u8 = 0;
const EVIDENCE_ECONOMIC_BUYER: u8 = 1;
const EVIDENCE_DECISION_CRITERIA: u8 = 2;
const EVIDENCE_DECISION_PROCESS: u8 = 3;
const EVIDENCE_PAPER_PROCESS: u8 = 4;
const EVIDENCE_IDENTIFY_PAIN: u8 = 5;
const EVIDENCE_CHAMPION: u8 = 6;
const EVIDENCE_COMPETITION: u8 = 7;
const EVIDENCE_SECURITY_REVIEW: u8 = 8;
const EVIDENCE_POC_SUCCESS_CRITERIA: u8 = 9;

/// Days of opportunity creation before the as-of date: enough that the first weekly snapshot
/// (51 weeks back) already sees a full year of closed deals.
const CREATION_WINDOW_DAYS: Day = 760;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    SmallBusiness,
    MidMarket,
    Enterprise,
}

impl Segment {
    pub fn label(self) -> &'static str {
        match self {
            Segment::SmallBusiness => "SMB",
            Segment::MidMarket => "Mid-Market",
            Segment::Enterprise => "Enterprise",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Currency {
    Usd,
    Eur,
}

impl Currency {
    pub fn code(self) -> &'static str {
        match self {
            Currency::Usd => "USD",
            Currency::Eur => "EUR",
        }
    }

    /// A fixed rate for converting to USD in the renewals files.
    pub fn usd_rate(self) -> f64 {
        match self {
            Currency::Usd => 1.0,
            Currency::Eur => 1.08,
        }
    }
}

pub struct Account {
    pub account_id: String,
    pub name: String,
    pub industry: &'static str,
    pub segment: Segment,
    pub country: &'static str,
    pub currency: Currency,
    pub owner_rep_index: usize,
    pub created_day: Day,
    /// Already a customer before the simulated window starts (their deals are expansions).
    pub customer_since_day: Option<Day>,
    /// How often the account gets new deals, relative to others in the rep's book.
    pub deal_propensity: f64,
}

/// The values of an opportunity after one change: one OpportunityHistory row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpportunityState {
    pub day: Day,
    pub minute: MinuteOfDay,
    pub second: u8,
    pub stage: u8,
    pub forecast_category: u8,
    /// Whole units of the opportunity's currency (always a multiple of 100).
    pub amount: u64,
    pub close_day: Day,
    /// Probability (%): the stage's default, unless the rep typed their own figure while in the
    /// stage (the next stage move resets it to the new stage's default).
    pub probability: u8,
    /// The change was made by the rep's manager rather than the rep.
    pub changed_by_manager: bool,
}

impl OpportunityState {
    pub fn is_closed(&self) -> bool {
        self.stage >= STAGE_CLOSED_WON
    }
}

/// An evidence field's value from `from_day` on (until a later entry for the same field).
pub struct EvidenceEntry {
    pub field: u8,
    pub from_day: Day,
    pub text: String,
}

pub struct Opportunity {
    pub opportunity_id: String,
    pub name: String,
    pub account_index: usize,
    pub rep_index: usize,
    pub opportunity_type: &'static str,
    pub lead_source: &'static str,
    pub partner_account: Option<&'static str>,
    pub currency: Currency,
    pub created_day: Day,
    /// One entry per change, in time order; the first is the creation. Nothing after the as-of date.
    pub states: Vec<OpportunityState>,
    /// Weekdays with a logged activity, ascending.
    pub activity_days: Vec<Day>,
    /// Sorted by `from_day`.
    pub evidence: Vec<EvidenceEntry>,
    /// Seed for texts derived per snapshot (next step).
    pub text_seed: u64,
}

impl Opportunity {
    /// The state in force at the end of `day`, if the opportunity existed then.
    pub fn state_at(&self, day: Day) -> Option<&OpportunityState> {
        let count = self.states.partition_point(|state| state.day <= day);
        if count == 0 {
            None
        } else {
            Some(&self.states[count - 1])
        }
    }

    /// The last logged activity on or before `day`.
    pub fn last_activity_at(&self, day: Day) -> Option<Day> {
        let count = self
            .activity_days
            .partition_point(|&activity_day| activity_day <= day);
        if count == 0 {
            None
        } else {
            Some(self.activity_days[count - 1])
        }
    }

    /// Number of activities logged on or before `day`.
    pub fn activity_count_at(&self, day: Day) -> usize {
        self.activity_days
            .partition_point(|&activity_day| activity_day <= day)
    }

    pub fn final_state(&self) -> &OpportunityState {
        // `states` always holds at least the creation state.
        &self.states[self.states.len() - 1]
    }
}

pub struct Pipeline {
    pub accounts: Vec<Account>,
    /// In creation order (the order of their ids).
    pub opportunities: Vec<Opportunity>,
}

/// Builds accounts and opportunities for the whole team, about `target_opportunities` in total.
pub fn build_pipeline(
    seed: u64,
    team: &Team,
    target_opportunities: usize,
    end_day: Day,
) -> Pipeline {
    let window_start_day = end_day - CREATION_WINDOW_DAYS;
    let creation_plan =
        plan_opportunity_creation(seed, team, target_opportunities, window_start_day, end_day);
    let mut accounts = build_accounts(seed, team, &creation_plan, end_day);
    let books = build_account_books(team.reps.len(), &accounts);

    let opportunity_serial_base = 1_500_000 + mix64(seed ^ 0x0606) % 40_000_000;
    // Day on which each account first became a customer through a won new-logo deal.
    let mut won_new_logo_day: Vec<Option<Day>> = vec![None; accounts.len()];
    let mut opportunities = Vec::with_capacity(creation_plan.len());
    for (opportunity_index, planned) in creation_plan.iter().enumerate() {
        let mut rng = stream_rng(seed, STREAM_OPPORTUNITY_BASE + opportunity_index as u64);
        let account_index = books[planned.rep_index].pick(&mut rng);
        let account = &accounts[account_index];
        let is_existing_customer = account
            .customer_since_day
            .is_some_and(|day| day <= planned.created_day)
            || won_new_logo_day[account_index].is_some_and(|day| day <= planned.created_day);
        let opportunity = simulate_opportunity(
            &mut rng,
            team,
            planned,
            account,
            account_index,
            is_existing_customer,
            salesforce_id(
                PREFIX_OPPORTUNITY,
                opportunity_serial_base + opportunity_index as u64,
            ),
            end_day,
        );
        let final_state = opportunity.final_state();
        if !is_existing_customer && final_state.stage == STAGE_CLOSED_WON {
            let slot = &mut won_new_logo_day[account_index];
            *slot = Some(slot.map_or(final_state.close_day, |day| day.min(final_state.close_day)));
        }
        opportunities.push(opportunity);
    }

    // An account record exists before its first deal.
    for opportunity in &opportunities {
        let account = &mut accounts[opportunity.account_index];
        account.created_day = account.created_day.min(opportunity.created_day - 3);
    }
    for account in &mut accounts {
        account.created_day = next_weekday(account.created_day);
    }
    Pipeline {
        accounts,
        opportunities,
    }
}

/// When and by whom each opportunity is created, before anything else is decided.
struct PlannedOpportunity {
    rep_index: usize,
    created_day: Day,
}

fn plan_opportunity_creation(
    seed: u64,
    team: &Team,
    target_opportunities: usize,
    window_start_day: Day,
    end_day: Day,
) -> Vec<PlannedOpportunity> {
    let mut rng = stream_rng(seed, STREAM_OPPORTUNITY_CREATION);
    // Daily creation weight per rep: zero before the rep starts, ramping over four months for new
    // hires, with a mild growth trend across the window.
    let creation_weight = |rep_index: usize, day: Day| -> f64 {
        let rep = &team.reps[rep_index];
        if is_weekend(day) || day < rep.hire_day + 10 {
            return 0.0;
        }
        let ramp = ((day - rep.hire_day) as f64 / 120.0).min(1.0);
        let trend = 0.9 + 0.2 * (day - window_start_day) as f64 / CREATION_WINDOW_DAYS as f64;
        rep.volume_weight * ramp * trend
    };
    let mut total_weight = 0.0;
    for rep_index in 0..team.reps.len() {
        for day in window_start_day..=end_day {
            total_weight += creation_weight(rep_index, day);
        }
    }
    let rate_per_weight = if total_weight > 0.0 {
        target_opportunities as f64 / total_weight
    } else {
        0.0
    };

    let mut planned = Vec::with_capacity(target_opportunities + target_opportunities / 10);
    for day in window_start_day..=end_day {
        for rep_index in 0..team.reps.len() {
            let count = poisson(&mut rng, rate_per_weight * creation_weight(rep_index, day));
            for _ in 0..count {
                planned.push(PlannedOpportunity {
                    rep_index,
                    created_day: day,
                });
            }
        }
    }
    planned
}

/// Each rep gets a book of accounts sized to their deal volume; about 40% are existing customers
/// and about 5% are in the euro area (their deals are in EUR).
fn build_accounts(
    seed: u64,
    team: &Team,
    creation_plan: &[PlannedOpportunity],
    end_day: Day,
) -> Vec<Account> {
    let mut rng = stream_rng(seed, STREAM_ACCOUNTS);
    let mut deals_per_rep = vec![0usize; team.reps.len()];
    for planned in creation_plan {
        deals_per_rep[planned.rep_index] += 1;
    }
    let account_serial_base = 900_000 + mix64(seed ^ 0x0101) % 9_000_000;
    let mut used_names = std::collections::HashSet::new();
    let mut accounts = Vec::new();
    for (rep_index, &n_deals) in deals_per_rep.iter().enumerate() {
        let n_accounts = n_deals / 3 + 6;
        for _ in 0..n_accounts {
            let is_euro = chance(&mut rng, 0.05);
            let (country, legal_suffix) = if is_euro {
                *pick(&mut rng, EURO_COUNTRIES)
            } else {
                ("US", *pick(&mut rng, US_SUFFIXES))
            };
            let (name, industry) = unique_account_name(&mut rng, &mut used_names, legal_suffix);
            let segment = match weighted_index(&mut rng, &[0.4, 0.4, 0.2]) {
                0 => Segment::SmallBusiness,
                1 => Segment::MidMarket,
                _ => Segment::Enterprise,
            };
            let customer_since_day = if chance(&mut rng, 0.4) {
                Some(next_weekday(
                    end_day - int_between(&mut rng, 800, 2200) as Day,
                ))
            } else {
                None
            };
            let created_day = match customer_since_day {
                Some(day) => day - int_between(&mut rng, 30, 240) as Day,
                None => end_day - int_between(&mut rng, 200, 1500) as Day,
            };
            accounts.push(Account {
                account_id: String::new(),
                name,
                industry,
                segment,
                country,
                currency: if is_euro {
                    Currency::Eur
                } else {
                    Currency::Usd
                },
                owner_rep_index: rep_index,
                created_day,
                customer_since_day,
                deal_propensity: lognormal(&mut rng, 1.0, 0.8),
            });
        }
    }
    let mut creation_order: Vec<usize> = (0..accounts.len()).collect();
    creation_order.sort_by_key(|&index| (accounts[index].created_day, index));
    for (serial_offset, &account_index) in creation_order.iter().enumerate() {
        accounts[account_index].account_id =
            salesforce_id(PREFIX_ACCOUNT, account_serial_base + serial_offset as u64);
    }
    accounts
}

const PLACE_WORDS: &[&str] = &[
    "West", "North", "Pacific", "Central", "Valley", "Coastal", "Bay", "Mountain",
];

fn unique_account_name(
    rng: &mut GenRng,
    used_names: &mut std::collections::HashSet<String>,
    legal_suffix: &str,
) -> (String, &'static str) {
    loop {
        let stem = pick(rng, COMPANY_STEMS);
        let (trade, industry) = *pick(rng, COMPANY_TRADES);
        let name = format!("{stem} {trade}{legal_suffix}");
        if used_names.insert(name.clone()) {
            return (name, industry);
        }
        // A large region exhausts the plain combinations; a place word keeps names distinct.
        let name = format!("{stem} {} {trade}{legal_suffix}", pick(rng, PLACE_WORDS));
        if used_names.insert(name.clone()) {
            return (name, industry);
        }
    }
}

/// A rep's accounts with cumulative deal propensities, for weighted picking.
struct AccountBook {
    account_indices: Vec<usize>,
    cumulative_propensity: Vec<f64>,
}

impl AccountBook {
    fn pick(&self, rng: &mut GenRng) -> usize {
        let total = self.cumulative_propensity.last().copied().unwrap_or(0.0);
        let target = unit(rng) * total;
        let position = self
            .cumulative_propensity
            .partition_point(|&cumulative| cumulative <= target);
        self.account_indices[position.min(self.account_indices.len() - 1)]
    }
}

fn build_account_books(n_reps: usize, accounts: &[Account]) -> Vec<AccountBook> {
    let mut books: Vec<AccountBook> = (0..n_reps)
        .map(|_| AccountBook {
            account_indices: Vec::new(),
            cumulative_propensity: Vec::new(),
        })
        .collect();
    for (account_index, account) in accounts.iter().enumerate() {
        let book = &mut books[account.owner_rep_index];
        let running = book.cumulative_propensity.last().copied().unwrap_or(0.0);
        book.account_indices.push(account_index);
        book.cumulative_propensity
            .push(running + account.deal_propensity);
    }
    books
}

/// Rounds a deal amount the way reps quote: to 500 below 20k, 1,000 below 200k, else 5,000.
fn round_amount(raw: f64) -> u64 {
    let raw = raw.max(2_000.0);
    let step = amount_step(raw);
    ((raw / step).round() * step) as u64
}

/// The quoting step of an amount of about `raw` (see `round_amount`).
fn amount_step(raw: f64) -> f64 {
    if raw < 20_000.0 {
        500.0
    } else if raw < 200_000.0 {
        1_000.0
    } else {
        5_000.0
    }
}

/// A re-quote of `amount` by `multiplier`, rounded as reps quote but always at least one
/// quoting step away from the old figure.
fn requoted_amount(amount: u64, multiplier: f64) -> u64 {
    let requoted = round_amount(amount as f64 * multiplier);
    if requoted != amount {
        return requoted;
    }
    let step = amount_step(amount as f64) as u64;
    if multiplier >= 1.0 {
        amount + step
    } else {
        amount.saturating_sub(step).max(2_000)
    }
}

/// Everything decided about one opportunity's course before its events are laid out in time.
struct DealPlan {
    /// Stages visited in order (open stages only; a repeated stage means a move back and forth).
    path: Vec<u8>,
    /// Logical time (days after creation) of entering each `path` element; the first is 0.
    stage_entry_times: Vec<f64>,
    /// Logical time at which the deal closes (it may lie beyond the as-of date).
    close_time: f64,
    /// A stretch of logical time with no progress and no activity.
    stall: Option<(f64, f64)>,
    won: bool,
}

impl DealPlan {
    /// Logical time of first reaching `stage` or any later stage.
    fn first_reached(&self, stage: u8) -> Option<f64> {
        self.path
            .iter()
            .position(|&visited| visited >= stage)
            .map(|position| self.stage_entry_times[position])
    }

    /// End of the `path` element at `position` (entry of the next one, or the close).
    fn stage_exit_time(&self, position: usize) -> f64 {
        self.stage_entry_times
            .get(position + 1)
            .copied()
            .unwrap_or(self.close_time)
    }
}

#[derive(Clone, Copy)]
enum EventKind {
    Create,
    EnterStage(u8),
    SetForecast(u8),
    /// Back to the category held before the latest category change.
    RevertForecast,
    SetAmount(u64),
    /// A re-quote: the amount in force times the multiplier, rounded as reps quote.
    RequoteAmount(f64),
    SetCloseDate(Day),
    /// The close date in force moved by this many days (to a weekday), but only within its
    /// month and never to today or earlier; the other direction is tried if that fails.
    NudgeCloseDate(i8),
    /// The rep's own probability: the stage's default plus this many points (within 5..=95).
    OverrideProbability(i8),
    /// Probability set back to the stage's default.
    ResetProbability,
    /// A forecast call changed one notch: Pipeline → Best Case, Best Case ↔ Commit.
    FlipForecast,
    Close {
        won: bool,
    },
}

#[derive(Clone, Copy)]
struct PlannedEvent {
    time: f64,
    kind: EventKind,
    by_manager: bool,
}

#[allow(clippy::too_many_arguments)]
fn simulate_opportunity(
    rng: &mut GenRng,
    team: &Team,
    planned: &PlannedOpportunity,
    account: &Account,
    account_index: usize,
    is_existing_customer: bool,
    opportunity_id: String,
    end_day: Day,
) -> Opportunity {
    let rep = &team.reps[planned.rep_index];
    let created_day = planned.created_day;

    let opportunity_type = if is_existing_customer {
        [
            "Existing Customer - Upgrade",
            "Existing Customer - Replacement",
            "Existing Customer - Downgrade",
        ][weighted_index(rng, &[0.75, 0.12, 0.13])]
    } else {
        "New Customer"
    };
    let lead_source = if is_existing_customer {
        [
            "Customer Success",
            "Product Qualified",
            "Outbound",
            "Partner Referral",
            "Other",
        ][weighted_index(rng, &[0.45, 0.25, 0.1, 0.1, 0.1])]
    } else {
        [
            "Web",
            "Outbound",
            "Partner Referral",
            "Event",
            "Product Qualified",
            "Phone Inquiry",
            "Purchased List",
            "Other",
        ][weighted_index(rng, &[0.22, 0.25, 0.13, 0.1, 0.12, 0.06, 0.05, 0.07])]
    };
    let partner_account = if lead_source == "Partner Referral" || chance(rng, 0.1) {
        Some(*pick(rng, PARTNER_ACCOUNTS))
    } else {
        None
    };

    // Deal size: lognormal by segment with a long right tail; expansions are smaller.
    let median_amount = match account.segment {
        Segment::SmallBusiness => 24_000.0,
        Segment::MidMarket => 62_000.0,
        Segment::Enterprise => 170_000.0,
    } * if is_existing_customer { 0.6 } else { 1.0 };
    let initial_amount = round_amount(lognormal(rng, median_amount, 0.75));

    let source_factor = match lead_source {
        "Partner Referral" => 1.2,
        "Product Qualified" => 1.25,
        "Customer Success" => 1.3,
        "Outbound" => 0.8,
        "Purchased List" => 0.6,
        _ => 1.0,
    };
    let segment_factor = match account.segment {
        Segment::SmallBusiness => 1.1,
        Segment::MidMarket => 1.0,
        Segment::Enterprise => 0.85,
    };
    let ramp_factor = if rep.is_ramping && created_day < rep.hire_day + 120 {
        0.7
    } else {
        1.0
    };
    let win_probability =
        (0.26 * rep.win_skill * source_factor * segment_factor * ramp_factor).clamp(0.05, 0.6);
    let won = chance(rng, win_probability);

    let median_won_cycle = match account.segment {
        Segment::SmallBusiness => 48.0,
        Segment::MidMarket => 80.0,
        Segment::Enterprise => 125.0,
    } * if partner_account.is_some() { 1.12 } else { 1.0 };
    let mut plan = plan_deal(rng, won, median_won_cycle);

    // Won deals cluster at month end.
    let close_day = {
        let mut day = next_weekday(created_day + plan.close_time.floor() as Day);
        if won {
            let month_end = last_business_day_of_month(day);
            if month_end - day <= 10 && chance(rng, 0.4) {
                day = month_end;
            }
        }
        day
    };
    plan.close_time = ((close_day - created_day) as f64 + 0.6).max(plan.close_time);

    let mut events: Vec<PlannedEvent> = Vec::with_capacity(24);
    events.push(PlannedEvent {
        time: 0.0,
        kind: EventKind::Create,
        by_manager: false,
    });
    for (position, &stage) in plan.path.iter().enumerate().skip(1) {
        events.push(PlannedEvent {
            time: plan.stage_entry_times[position],
            kind: EventKind::EnterStage(stage),
            by_manager: false,
        });
    }
    // Managers close out long-stalled deals in pipeline clean-ups.
    let closed_by_manager = plan.stall.is_some() && chance(rng, 0.4);
    events.push(PlannedEvent {
        time: plan.close_time,
        kind: EventKind::Close { won },
        by_manager: closed_by_manager,
    });

    let initial_close_day = initial_close_date(
        rng,
        rep.close_date_optimism,
        median_won_cycle,
        &plan,
        created_day,
    );
    plan_close_date_changes(
        rng,
        &plan,
        created_day,
        initial_close_day,
        close_day,
        &mut events,
    );
    plan_amount_changes(rng, &plan, initial_amount, &mut events);
    plan_amount_requotes(rng, &plan, &mut events);
    plan_close_date_nudges(rng, &plan, &mut events);
    plan_forecast_changes(rng, &plan, &mut events);
    plan_probability_overrides(
        rng,
        &plan,
        rep.probability_tinkering,
        rep.commit_eagerness,
        &mut events,
    );
    // New prospects often start with a round placeholder amount, replaced once sized.
    let mut created_amount = initial_amount;
    if plan.path[0] == STAGE_PROSPECTING && !is_existing_customer && chance(rng, 0.4) {
        created_amount = match account.segment {
            Segment::SmallBusiness => *pick(rng, &[10_000, 20_000, 25_000]),
            Segment::MidMarket => *pick(rng, &[25_000, 50_000, 75_000]),
            Segment::Enterprise => *pick(rng, &[100_000, 150_000, 250_000]),
        };
        let first_move = plan
            .stage_entry_times
            .get(1)
            .copied()
            .unwrap_or(plan.close_time);
        let sizing_time = first_move.min(0.1 * plan.close_time) * float_between(rng, 0.3, 1.0);
        events.push(PlannedEvent {
            time: sizing_time.max(0.01),
            kind: EventKind::SetAmount(initial_amount),
            by_manager: false,
        });
    }
    events.sort_by(|left, right| left.time.total_cmp(&right.time));

    let states = lay_out_states(
        rng,
        &events,
        StartingValues {
            created_day,
            stage: plan.path[0],
            amount: created_amount,
            close_day: initial_close_day,
        },
        close_day,
        end_day,
        rep.commit_eagerness,
    );
    let activity_days = plan_activities(rng, rep.activity_gap_days, &plan, created_day, end_day);
    let evidence = plan_evidence(
        rng,
        rep.evidence_diligence,
        account.segment,
        &plan,
        created_day,
        end_day,
    );

    let product = pick(rng, PRODUCTS);
    let seats = (initial_amount as f64 / 600.0).round().max(5.0) as u64;
    let name = match opportunity_type {
        "New Customer" => format!("{} - {} - {} seats", account.name, product, seats),
        "Existing Customer - Upgrade" => format!("{} - Expansion - {}", account.name, product),
        "Existing Customer - Replacement" => format!("{} - Migration to {}", account.name, product),
        _ => format!("{} - Renewal Rescope", account.name),
    };
    let text_seed = mix64(
        opportunity_id
            .bytes()
            .fold(0u64, |hash, byte| mix64(hash ^ byte as u64)),
    );

    Opportunity {
        opportunity_id,
        name,
        account_index,
        rep_index: planned.rep_index,
        opportunity_type,
        lead_source,
        partner_account,
        currency: account.currency,
        created_day,
        states,
        activity_days,
        evidence,
        text_seed,
    }
}

/// Relative time spent in each open stage (before per-deal variation).
const STAGE_DURATION_WEIGHTS: [f64; 7] = [0.8, 1.2, 1.6, 1.5, 1.8, 1.4, 1.2];
/// Where lost deals are lost, by stage.
const LOSS_STAGE_WEIGHTS: [f64; 7] = [0.13, 0.2, 0.2, 0.16, 0.13, 0.1, 0.08];

fn plan_deal(rng: &mut GenRng, won: bool, median_won_cycle: f64) -> DealPlan {
    let start_stage = if chance(rng, 0.35) {
        STAGE_QUALIFICATION
    } else {
        STAGE_PROSPECTING
    };
    let last_open_stage = if won {
        STAGE_NEGOTIATION
    } else {
        (weighted_index(rng, &LOSS_STAGE_WEIGHTS) as u8).max(start_stage)
    };
    let mut path: Vec<u8> = Vec::with_capacity(10);
    for stage in start_stage..=last_open_stage {
        let skippable = stage != start_stage
            && stage != last_open_stage
            && (stage == STAGE_VALUE_PROPOSITION || stage == STAGE_ID_DECISION_MAKERS);
        if skippable && chance(rng, 0.08) {
            continue;
        }
        path.push(stage);
    }
    // Occasionally a deal moves back a stage and forward again.
    let mut repeated_positions = Vec::new();
    if path.len() >= 4 && chance(rng, 0.08) {
        let position = int_between(rng, 2, path.len() as i64 - 1) as usize;
        let (back, forward) = (path[position - 1], path[position]);
        path.insert(position + 1, back);
        path.insert(position + 2, forward);
        repeated_positions.extend([position + 1, position + 2]);
    }

    let progress = last_open_stage as f64 / STAGE_NEGOTIATION as f64;
    let cycle_days = if won {
        lognormal(rng, median_won_cycle, 0.4).clamp(30.0, 200.0)
    } else {
        lognormal(rng, median_won_cycle * (0.45 + 0.65 * progress), 0.55).clamp(4.0, 240.0)
    };
    let mut durations: Vec<f64> = path
        .iter()
        .enumerate()
        .map(|(position, &stage)| {
            let repeat_factor = if repeated_positions.contains(&position) {
                0.4
            } else {
                1.0
            };
            STAGE_DURATION_WEIGHTS[stage as usize] * lognormal(rng, 1.0, 0.45) * repeat_factor
        })
        .collect();
    let total_weight: f64 = durations.iter().sum();
    for duration in &mut durations {
        *duration *= cycle_days / total_weight;
    }

    let mut stage_entry_times = Vec::with_capacity(path.len());
    let mut time = 0.0;
    for duration in &durations {
        stage_entry_times.push(time);
        time += duration;
    }
    let mut close_time = time;

    // Some lost deals sit untouched for months before anyone closes them out.
    let mut stall = None;
    if !won && chance(rng, 0.18) {
        let position = int_between(rng, 0, path.len() as i64 - 1) as usize;
        let stall_length = lognormal(rng, 110.0, 0.5).clamp(45.0, 400.0);
        let stall_start = stage_entry_times[position] + durations[position] * 0.3;
        for later_entry in stage_entry_times.iter_mut().skip(position + 1) {
            *later_entry += stall_length;
        }
        close_time += stall_length;
        stall = Some((stall_start, stall_start + stall_length));
    }
    DealPlan {
        path,
        stage_entry_times,
        close_time,
        stall,
        won,
    }
}

/// The close date the rep first enters: their guess of the cycle, scaled by their optimism.
fn initial_close_date(
    rng: &mut GenRng,
    optimism: f64,
    median_won_cycle: f64,
    plan: &DealPlan,
    created_day: Day,
) -> Day {
    let guessed_cycle = if plan.won {
        0.6 * median_won_cycle + 0.4 * plan.close_time
    } else {
        median_won_cycle * lognormal(rng, 1.0, 0.3)
    };
    let expected_days = (guessed_cycle * optimism * lognormal(rng, 1.0, 0.2)).max(14.0);
    let day = created_day + expected_days.round() as Day;
    if chance(rng, 0.5) {
        last_business_day_of_month(day)
    } else {
        next_weekday(day)
    }
}

/// Pushes when the expected close date comes (or has come) and the deal is still open, and a
/// pull-in now and then when a deal accelerates.
fn plan_close_date_changes(
    rng: &mut GenRng,
    plan: &DealPlan,
    created_day: Day,
    initial_close_day: Day,
    close_day: Day,
    events: &mut Vec<PlannedEvent>,
) {
    let mut expected_close_day = initial_close_day;
    let mut last_change_time = 0.0f64;
    for _ in 0..16 {
        let expected_time = (expected_close_day - created_day) as f64;
        // Small adjustments of a few days either way after a call or a meeting.
        let nudge_window = (
            last_change_time + 1.0,
            expected_time.min(plan.close_time) - 6.0,
        );
        if nudge_window.1 - nudge_window.0 > 4.0 && chance(rng, 0.3) {
            let nudge_time = float_between(rng, nudge_window.0, nudge_window.1);
            let nudge_days = int_between(rng, 2, 10) as Day;
            let nudged = if chance(rng, 0.5) {
                expected_close_day + nudge_days
            } else {
                expected_close_day - nudge_days
            };
            let nudged = next_weekday(nudged.max(created_day + nudge_time.ceil() as Day + 3));
            if nudged != expected_close_day {
                expected_close_day = nudged;
                events.push(PlannedEvent {
                    time: nudge_time,
                    kind: EventKind::SetCloseDate(expected_close_day),
                    by_manager: false,
                });
                last_change_time = nudge_time;
                continue;
            }
        }
        if expected_close_day >= close_day {
            break;
        }
        let draw = unit(rng);
        let mut lag = if draw < 0.65 {
            float_between(rng, -12.0, 2.0)
        } else if draw < 0.92 {
            float_between(rng, 2.0, 20.0)
        } else {
            float_between(rng, 20.0, 80.0)
        };
        if plan
            .stall
            .is_some_and(|(start, end)| expected_time >= start && expected_time < end)
        {
            // Some reps keep rolling a stalled deal's date; others let it sit in the past.
            if chance(rng, 0.4) {
                lag += float_between(rng, 15.0, 45.0);
            }
        }
        let change_time = (expected_time + lag).max(last_change_time + 1.0).max(0.5);
        if change_time >= plan.close_time {
            break;
        }
        let change_day = created_day + change_time.floor() as Day;
        let slip_days = match weighted_index(rng, &[0.6, 0.3, 0.1]) {
            0 => int_between(rng, 7, 25),
            1 => int_between(rng, 25, 60),
            _ => int_between(rng, 60, 130),
        } as Day;
        let target = expected_close_day.max(change_day) + slip_days;
        expected_close_day = if chance(rng, 0.55) {
            last_business_day_of_month(target)
        } else {
            next_weekday(target)
        };
        events.push(PlannedEvent {
            time: change_time,
            kind: EventKind::SetCloseDate(expected_close_day),
            by_manager: false,
        });
        last_change_time = change_time;
    }
    // A deal that will close well before its expected date often gets pulled in first.
    if expected_close_day > close_day + 20 && chance(rng, 0.3) {
        let change_time =
            (plan.close_time - float_between(rng, 4.0, 20.0)).max(last_change_time + 0.5);
        if change_time < plan.close_time - 0.5 {
            events.push(PlannedEvent {
                time: change_time,
                kind: EventKind::SetCloseDate(next_weekday(
                    close_day + int_between(rng, 0, 10) as Day,
                )),
                by_manager: false,
            });
        }
    }
}

/// Re-scoping mid-cycle, discounts in late stages, occasional late upsizing.
fn plan_amount_changes(
    rng: &mut GenRng,
    plan: &DealPlan,
    initial_amount: u64,
    events: &mut Vec<PlannedEvent>,
) {
    let mut changes: Vec<(f64, f64)> = Vec::new();
    let close_time = plan.close_time;
    if chance(rng, 0.5) {
        changes.push((
            close_time * float_between(rng, 0.15, 0.6),
            lognormal(rng, 1.05, 0.25),
        ));
    }
    if chance(rng, 0.25) {
        changes.push((
            close_time * float_between(rng, 0.2, 0.8),
            lognormal(rng, 1.0, 0.2),
        ));
    }
    // Sizing after discovery.
    if let Some(discovery_time) = plan.first_reached(STAGE_NEEDS_ANALYSIS)
        && chance(rng, 0.3)
    {
        changes.push((
            discovery_time + float_between(rng, 0.5, 10.0),
            lognormal(rng, 1.0, 0.3),
        ));
    }
    let late_position = plan
        .path
        .iter()
        .position(|&stage| stage == STAGE_NEGOTIATION)
        .or_else(|| plan.path.iter().position(|&stage| stage == STAGE_PROPOSAL));
    if let Some(position) = late_position
        && chance(rng, 0.45)
    {
        let entry = plan.stage_entry_times[position];
        let exit = plan.stage_exit_time(position);
        changes.push((
            entry + (exit - entry) * float_between(rng, 0.1, 0.8),
            float_between(rng, 0.78, 0.97),
        ));
        if chance(rng, 0.35) {
            changes.push((
                entry + (exit - entry) * float_between(rng, 0.8, 0.97),
                float_between(rng, 0.9, 0.99),
            ));
        }
    }
    if plan.path.len() >= 3 && chance(rng, 0.08) {
        changes.push((
            close_time * float_between(rng, 0.7, 0.95),
            float_between(rng, 1.1, 1.5),
        ));
    }
    changes.sort_by(|left, right| left.0.total_cmp(&right.0));
    let mut amount = initial_amount as f64;
    for (time, multiplier) in changes {
        if time <= 0.0 || time >= close_time - 0.3 {
            continue;
        }
        amount *= multiplier;
        events.push(PlannedEvent {
            time,
            kind: EventKind::SetAmount(round_amount(amount)),
            by_manager: false,
        });
    }
}

/// Forecast-category calls that are not stage moves: upgrades to Commit (sometimes by the
/// manager), confidence drops, quick reversals, and stalled deals pulled out of the forecast.
fn plan_forecast_changes(rng: &mut GenRng, plan: &DealPlan, events: &mut Vec<PlannedEvent>) {
    for (position, &stage) in plan.path.iter().enumerate() {
        let entry = plan.stage_entry_times[position];
        let exit = plan.stage_exit_time(position);
        let length = exit - entry;
        if (stage == STAGE_VALUE_PROPOSITION || stage == STAGE_ID_DECISION_MAKERS)
            && chance(rng, 0.2)
        {
            events.push(PlannedEvent {
                time: entry + length * float_between(rng, 0.3, 0.9),
                kind: EventKind::SetForecast(FORECAST_BEST_CASE),
                by_manager: false,
            });
        }
        if (STAGE_NEEDS_ANALYSIS..=STAGE_ID_DECISION_MAKERS).contains(&stage)
            && length > 6.0
            && chance(rng, 0.1)
        {
            // A rep tries Best Case and takes it back a few days later.
            let start = entry + length * float_between(rng, 0.1, 0.6);
            events.push(PlannedEvent {
                time: start,
                kind: EventKind::SetForecast(FORECAST_BEST_CASE),
                by_manager: false,
            });
            events.push(PlannedEvent {
                time: start + float_between(rng, 2.0, 12.0),
                kind: EventKind::RevertForecast,
                by_manager: false,
            });
        }
        if stage >= STAGE_PROPOSAL && chance(rng, 0.35) {
            events.push(PlannedEvent {
                time: entry + length * float_between(rng, 0.3, 0.8),
                kind: EventKind::SetForecast(FORECAST_COMMIT),
                by_manager: chance(rng, 0.25),
            });
        }
        if stage >= STAGE_PROPOSAL && chance(rng, 0.06) {
            events.push(PlannedEvent {
                time: entry + length * float_between(rng, 0.5, 0.95),
                kind: EventKind::SetForecast(FORECAST_BEST_CASE),
                by_manager: false,
            });
        }
        if stage >= STAGE_VALUE_PROPOSITION && length > 9.0 && chance(rng, 0.05) {
            let start = entry + length * float_between(rng, 0.15, 0.5);
            events.push(PlannedEvent {
                time: start,
                kind: EventKind::SetForecast(FORECAST_COMMIT),
                by_manager: false,
            });
            events.push(PlannedEvent {
                time: start + float_between(rng, 1.0, 6.0),
                kind: EventKind::RevertForecast,
                by_manager: chance(rng, 0.5),
            });
        }
        if stage >= STAGE_PROPOSAL && length > 4.0 && chance(rng, FORECAST_FLIP_CHANCE) {
            // A call moved one notch around a forecast meeting, often taken back later in the
            // stage; managers make some of these calls on the deal itself.
            let start = entry + length * float_between(rng, 0.1, 0.7);
            events.push(PlannedEvent {
                time: start,
                kind: EventKind::FlipForecast,
                by_manager: chance(rng, 0.3),
            });
            if chance(rng, 0.55) {
                events.push(PlannedEvent {
                    time: start + (exit - start) * float_between(rng, 0.3, 0.9),
                    kind: EventKind::RevertForecast,
                    by_manager: false,
                });
            }
        }
    }
    if let Some((stall_start, stall_end)) = plan.stall
        && chance(rng, 0.35)
    {
        let time = stall_start + float_between(rng, 15.0, 40.0);
        if time < stall_end {
            events.push(PlannedEvent {
                time,
                kind: EventKind::SetForecast(FORECAST_OMITTED),
                by_manager: false,
            });
        }
    }
}

/// Chance that a Proposal or Negotiation stage sees a one-notch forecast call.
const FORECAST_FLIP_CHANCE: f64 = 0.26;
/// Mean days between re-quotes while a deal is in Proposal or Negotiation.
const REQUOTE_MEAN_GAP_DAYS: f64 = 24.0;

/// Re-quotes while a proposal is on the table: seats trimmed or added, term or discount tweaked,
/// a few percent either way each time.
fn plan_amount_requotes(rng: &mut GenRng, plan: &DealPlan, events: &mut Vec<PlannedEvent>) {
    for (position, &stage) in plan.path.iter().enumerate() {
        if stage != STAGE_PROPOSAL && stage != STAGE_NEGOTIATION {
            continue;
        }
        let entry = plan.stage_entry_times[position];
        let length = plan.stage_exit_time(position) - entry;
        let count = poisson(rng, (length / REQUOTE_MEAN_GAP_DAYS).min(3.0)).min(4);
        for _ in 0..count {
            let change = float_between(rng, 0.02, 0.08);
            let multiplier = if chance(rng, 0.6) {
                1.0 - change
            } else {
                1.0 + change
            };
            events.push(PlannedEvent {
                time: entry + length * float_between(rng, 0.05, 0.95),
                kind: EventKind::RequoteAmount(multiplier),
                by_manager: false,
            });
        }
    }
}

/// Close-date nudges within the month as the signature date firms up in late stages: a few
/// days earlier or later (see `nudged_close_day`).
fn plan_close_date_nudges(rng: &mut GenRng, plan: &DealPlan, events: &mut Vec<PlannedEvent>) {
    for (position, &stage) in plan.path.iter().enumerate() {
        let nudge_chance = match stage {
            STAGE_VALUE_PROPOSITION => 0.1,
            STAGE_ID_DECISION_MAKERS => 0.12,
            STAGE_PROPOSAL => 0.28,
            STAGE_NEGOTIATION => 0.36,
            _ => continue,
        };
        if !chance(rng, nudge_chance) {
            continue;
        }
        let entry = plan.stage_entry_times[position];
        let length = plan.stage_exit_time(position) - entry;
        let days = int_between(rng, 1, 7) as i8;
        events.push(PlannedEvent {
            time: entry + length * float_between(rng, 0.2, 0.95),
            kind: EventKind::NudgeCloseDate(if chance(rng, 0.5) { days } else { -days }),
            by_manager: false,
        });
    }
}

/// `close_day` nudged by `offset` days on `today`: to a weekday in the same month, after today,
/// and only while the date is within a couple of months; else the other direction, else no
/// change.
fn nudged_close_day(close_day: Day, offset: i8, today: Day) -> Day {
    if close_day <= today || close_day - today > 75 {
        return close_day;
    }
    for offset in [offset as Day, -(offset as Day)] {
        let nudged = if offset > 0 {
            next_weekday(close_day + offset)
        } else {
            previous_weekday(close_day + offset)
        };
        if nudged > today && nudged != close_day && same_month(nudged, close_day) {
            return nudged;
        }
    }
    close_day
}

/// Probability overrides within a stage: the rep types their own figure over the stage's default
/// (Salesforce writes a history row when Probability changes), sometimes adjusts it again or sets
/// it back later in the stage; the next stage move resets it to that stage's default.
fn plan_probability_overrides(
    rng: &mut GenRng,
    plan: &DealPlan,
    tinkering: f64,
    commit_eagerness: f64,
    events: &mut Vec<PlannedEvent>,
) {
    for (position, &stage) in plan.path.iter().enumerate() {
        let override_chance = match stage {
            STAGE_QUALIFICATION => 0.04,
            STAGE_NEEDS_ANALYSIS => 0.09,
            STAGE_VALUE_PROPOSITION | STAGE_ID_DECISION_MAKERS => 0.16,
            STAGE_PROPOSAL => 0.22,
            STAGE_NEGOTIATION => 0.2,
            _ => continue,
        };
        let entry = plan.stage_entry_times[position];
        let exit = plan.stage_exit_time(position);
        let length = exit - entry;
        if length < 2.0 || !chance(rng, override_chance * tinkering) {
            continue;
        }
        // Upward calls are likelier from eager reps and on deals that are going well.
        let up_chance = if plan.won { 0.6 } else { 0.4 } * commit_eagerness;
        let sign: i8 = if chance(rng, up_chance) { 1 } else { -1 };
        let points = [5, 10, 15, 20][weighted_index(rng, &[0.3, 0.45, 0.15, 0.1])];
        let time = entry + length * float_between(rng, 0.1, 0.7);
        events.push(PlannedEvent {
            time,
            kind: EventKind::OverrideProbability(sign * points),
            by_manager: false,
        });
        if chance(rng, 0.4) {
            let kind = if chance(rng, 0.5) {
                EventKind::ResetProbability
            } else {
                EventKind::OverrideProbability(sign * (points + 5))
            };
            events.push(PlannedEvent {
                time: time + (exit - time) * float_between(rng, 0.3, 0.9),
                kind,
                by_manager: false,
            });
        }
    }
}

struct StartingValues {
    created_day: Day,
    stage: u8,
    amount: u64,
    close_day: Day,
}

/// The forecast category a rep picks when a deal enters `stage`.
fn forecast_category_on_entry(rng: &mut GenRng, stage: u8, commit_eagerness: f64) -> u8 {
    match stage {
        STAGE_ID_DECISION_MAKERS => {
            if chance(rng, 0.15) {
                FORECAST_BEST_CASE
            } else {
                FORECAST_PIPELINE
            }
        }
        STAGE_PROPOSAL => {
            let draw = unit(rng);
            if draw < 0.1 * commit_eagerness {
                FORECAST_COMMIT
            } else if draw < 0.1 * commit_eagerness + 0.6 {
                FORECAST_BEST_CASE
            } else {
                FORECAST_PIPELINE
            }
        }
        STAGE_NEGOTIATION => {
            if chance(rng, (0.75 * commit_eagerness).min(0.95)) {
                FORECAST_COMMIT
            } else {
                FORECAST_BEST_CASE
            }
        }
        STAGE_CLOSED_WON => FORECAST_CLOSED,
        STAGE_CLOSED_LOST => FORECAST_OMITTED,
        _ => FORECAST_PIPELINE,
    }
}

/// Places the planned events on weekdays at working-hours times, stops at the as-of date, and
/// applies them in order; an event that changes nothing writes no row.
fn lay_out_states(
    rng: &mut GenRng,
    events: &[PlannedEvent],
    start: StartingValues,
    close_day: Day,
    end_day: Day,
    commit_eagerness: f64,
) -> Vec<OpportunityState> {
    // Days first (monotonic), cut at the as-of date.
    let mut days: Vec<Day> = Vec::with_capacity(events.len());
    let mut previous_day = start.created_day;
    for event in events {
        let day = match event.kind {
            EventKind::Close { .. } => close_day,
            _ => next_weekday(start.created_day + event.time.floor() as Day),
        }
        .max(previous_day);
        if day > end_day {
            break;
        }
        days.push(day);
        previous_day = day;
    }
    // Then strictly increasing times within each day.
    let mut minutes: Vec<MinuteOfDay> = Vec::with_capacity(days.len());
    let mut group_start = 0;
    while group_start < days.len() {
        let mut group_end = group_start;
        while group_end < days.len() && days[group_end] == days[group_start] {
            group_end += 1;
        }
        let mut group: Vec<MinuteOfDay> = (group_start..group_end)
            .map(|_| {
                int_between(rng, FIRST_WORK_MINUTE as i64, LAST_WORK_MINUTE as i64) as MinuteOfDay
            })
            .collect();
        group.sort_unstable();
        for index in (0..group.len().saturating_sub(1)).rev() {
            if group[index] >= group[index + 1] {
                group[index] = group[index + 1].saturating_sub(1);
            }
        }
        minutes.extend(group);
        group_start = group_end;
    }

    let mut states: Vec<OpportunityState> = Vec::with_capacity(days.len());
    let mut forecast_before_latest_change = FORECAST_PIPELINE;
    for (index, event) in events.iter().take(days.len()).enumerate() {
        let mut state = match states.last() {
            Some(previous) => *previous,
            None => OpportunityState {
                day: start.created_day,
                minute: 0,
                second: 0,
                stage: start.stage,
                forecast_category: forecast_category_on_entry(rng, start.stage, commit_eagerness),
                amount: start.amount,
                close_day: start.close_day,
                probability: STAGE_PROBABILITIES[start.stage as usize],
                changed_by_manager: false,
            },
        };
        if states.last().is_some_and(|previous| previous.is_closed()) {
            break;
        }
        match event.kind {
            EventKind::Create => {}
            EventKind::EnterStage(stage) => {
                state.stage = stage;
                state.forecast_category = forecast_category_on_entry(rng, stage, commit_eagerness);
                state.probability = STAGE_PROBABILITIES[stage as usize];
            }
            EventKind::SetForecast(category) => state.forecast_category = category,
            EventKind::RevertForecast => state.forecast_category = forecast_before_latest_change,
            EventKind::FlipForecast => {
                state.forecast_category = match state.forecast_category {
                    FORECAST_PIPELINE | FORECAST_COMMIT => FORECAST_BEST_CASE,
                    FORECAST_BEST_CASE => FORECAST_COMMIT,
                    other => other,
                }
            }
            EventKind::SetAmount(amount) => state.amount = amount,
            EventKind::RequoteAmount(multiplier) => {
                state.amount = requoted_amount(state.amount, multiplier)
            }
            EventKind::SetCloseDate(day) => state.close_day = day,
            EventKind::NudgeCloseDate(offset) => {
                state.close_day = nudged_close_day(state.close_day, offset, days[index]);
            }
            EventKind::OverrideProbability(offset) => {
                let default = STAGE_PROBABILITIES[state.stage as usize] as i32;
                state.probability = (default + offset as i32).clamp(5, 95) as u8;
            }
            EventKind::ResetProbability => {
                state.probability = STAGE_PROBABILITIES[state.stage as usize];
            }
            EventKind::Close { won } => {
                state.stage = if won {
                    STAGE_CLOSED_WON
                } else {
                    STAGE_CLOSED_LOST
                };
                state.forecast_category = if won {
                    FORECAST_CLOSED
                } else {
                    FORECAST_OMITTED
                };
                state.probability = STAGE_PROBABILITIES[state.stage as usize];
                state.close_day = days[index];
            }
        }
        let is_first = states.is_empty();
        if let Some(previous) = states.last() {
            let unchanged = previous.stage == state.stage
                && previous.forecast_category == state.forecast_category
                && previous.amount == state.amount
                && previous.close_day == state.close_day
                && previous.probability == state.probability;
            if unchanged {
                continue;
            }
            if previous.forecast_category != state.forecast_category {
                forecast_before_latest_change = previous.forecast_category;
            }
        }
        state.day = days[index];
        state.minute = minutes[index];
        state.second = int_between(rng, 0, 59) as u8;
        state.changed_by_manager = event.by_manager && !is_first;
        states.push(state);
    }
    states
}

/// Logged activity days: a renewal process around the rep's usual gap, meetings at stage moves,
/// nothing during a stall, and now and then a long quiet stretch.
fn plan_activities(
    rng: &mut GenRng,
    mean_gap_days: f64,
    plan: &DealPlan,
    created_day: Day,
    end_day: Day,
) -> Vec<Day> {
    if chance(rng, 0.04) {
        return Vec::new();
    }
    let last_day = (created_day + plan.close_time.floor() as Day).min(end_day);
    let end_time = (last_day - created_day) as f64 + 0.99;
    let drought = if chance(rng, 0.15) {
        let start = float_between(rng, 0.0, end_time);
        Some((start, start + float_between(rng, 25.0, 80.0)))
    } else {
        None
    };
    let quiet = |time: f64| -> Option<f64> {
        for (start, end) in [plan.stall, drought].into_iter().flatten() {
            if time >= start && time < end {
                return Some(end);
            }
        }
        None
    };
    let mut times: Vec<f64> = Vec::new();
    let mut time = exponential(rng, mean_gap_days * 0.5);
    while time < end_time {
        if let Some(quiet_end) = quiet(time) {
            time = quiet_end + exponential(rng, mean_gap_days);
            continue;
        }
        times.push(time);
        time += exponential(rng, mean_gap_days).max(0.5);
    }
    for &entry in plan.stage_entry_times.iter().skip(1) {
        if entry < end_time && quiet(entry).is_none() && chance(rng, 0.6) {
            times.push(entry);
        }
    }
    let mut days: Vec<Day> = times
        .into_iter()
        .map(|time| next_weekday(created_day + time.floor() as Day))
        .filter(|&day| day <= last_day)
        .collect();
    days.sort_unstable();
    days.dedup();
    days
}

/// When each evidence field is first filled, relative to entering the stage it belongs to.
struct EvidenceSpec {
    field: u8,
    anchor_stage: u8,
    fill_probability: f64,
    lag_mean_days: f64,
    lag_sd_days: f64,
}

const EVIDENCE_SPECS: [EvidenceSpec; 8] = [
    EvidenceSpec {
        field: EVIDENCE_IDENTIFY_PAIN,
        anchor_stage: STAGE_QUALIFICATION,
        fill_probability: 0.85,
        lag_mean_days: 0.0,
        lag_sd_days: 5.0,
    },
    EvidenceSpec {
        field: EVIDENCE_COMPETITION,
        anchor_stage: STAGE_QUALIFICATION,
        fill_probability: 0.6,
        lag_mean_days: 10.0,
        lag_sd_days: 15.0,
    },
    EvidenceSpec {
        field: EVIDENCE_METRICS,
        anchor_stage: STAGE_NEEDS_ANALYSIS,
        fill_probability: 0.7,
        lag_mean_days: 5.0,
        lag_sd_days: 10.0,
    },
    EvidenceSpec {
        field: EVIDENCE_CHAMPION,
        anchor_stage: STAGE_NEEDS_ANALYSIS,
        fill_probability: 0.7,
        lag_mean_days: 8.0,
        lag_sd_days: 10.0,
    },
    EvidenceSpec {
        field: EVIDENCE_DECISION_CRITERIA,
        anchor_stage: STAGE_VALUE_PROPOSITION,
        fill_probability: 0.65,
        lag_mean_days: 3.0,
        lag_sd_days: 8.0,
    },
    EvidenceSpec {
        field: EVIDENCE_ECONOMIC_BUYER,
        anchor_stage: STAGE_ID_DECISION_MAKERS,
        fill_probability: 0.65,
        lag_mean_days: 2.0,
        lag_sd_days: 10.0,
    },
    EvidenceSpec {
        field: EVIDENCE_DECISION_PROCESS,
        anchor_stage: STAGE_ID_DECISION_MAKERS,
        fill_probability: 0.6,
        lag_mean_days: 6.0,
        lag_sd_days: 10.0,
    },
    EvidenceSpec {
        field: EVIDENCE_PAPER_PROCESS,
        anchor_stage: STAGE_PROPOSAL,
        fill_probability: 0.6,
        lag_mean_days: 7.0,
        lag_sd_days: 10.0,
    },
];

fn plan_evidence(
    rng: &mut GenRng,
    diligence: f64,
    segment: Segment,
    plan: &DealPlan,
    created_day: Day,
    end_day: Day,
) -> Vec<EvidenceEntry> {
    let close_time = plan.close_time;
    let day_of = |time: f64| next_weekday(created_day + time.floor() as Day);
    let mut entries: Vec<EvidenceEntry> = Vec::new();
    let push = |field: u8, time: f64, text: String, entries: &mut Vec<EvidenceEntry>| {
        let day = day_of(time);
        if time < close_time && day <= end_day {
            entries.push(EvidenceEntry {
                field,
                from_day: day,
                text,
            });
        }
    };

    for spec in &EVIDENCE_SPECS {
        let fill_time = match plan.first_reached(spec.anchor_stage) {
            Some(anchor_time) => {
                if !chance(rng, (spec.fill_probability * diligence).min(0.97)) {
                    continue;
                }
                (anchor_time + normal(rng, spec.lag_mean_days, spec.lag_sd_days)).max(0.0)
            }
            None => {
                if !chance(rng, 0.08) {
                    continue;
                }
                float_between(rng, 0.0, close_time)
            }
        };
        let text = evidence_text(rng, spec.field);
        push(spec.field, fill_time, text, &mut entries);
    }

    // Security review: started around the proposal (earlier for enterprise), approved weeks later.
    let (review_probability, review_anchor) = match segment {
        Segment::SmallBusiness => (0.25, STAGE_PROPOSAL),
        Segment::MidMarket => (0.6, STAGE_PROPOSAL),
        Segment::Enterprise => (0.9, STAGE_ID_DECISION_MAKERS),
    };
    if let Some(anchor_time) = plan.first_reached(review_anchor)
        && chance(rng, review_probability)
    {
        let mut start_time = (anchor_time + normal(rng, -2.0, 6.0)).max(0.0);
        if plan.won && start_time > close_time - 4.0 {
            start_time = (close_time - 4.0 - float_between(rng, 0.0, 10.0)).max(0.0);
        }
        let mut approved_time = start_time + lognormal(rng, 24.0, 0.45).clamp(5.0, 90.0);
        if plan.won && approved_time >= close_time - 1.0 {
            approved_time = (close_time - float_between(rng, 1.0, 4.0)).max(start_time + 0.5);
        }
        let start_day = day_of(start_time);
        push(
            EVIDENCE_SECURITY_REVIEW,
            start_time,
            format!("In progress since {}", format_us_date(start_day)),
            &mut entries,
        );
        let approved_day = day_of(approved_time);
        push(
            EVIDENCE_SECURITY_REVIEW,
            approved_time,
            format!("Approved {}", format_us_date(approved_day)),
            &mut entries,
        );
    }

    // POC success criteria only where a POC is run.
    let poc_probability = match segment {
        Segment::SmallBusiness => 0.15,
        Segment::MidMarket => 0.4,
        Segment::Enterprise => 0.6,
    };
    if let Some(anchor_time) = plan.first_reached(STAGE_VALUE_PROPOSITION)
        && chance(rng, poc_probability)
        && chance(rng, (0.8 * diligence).min(0.97))
    {
        let fill_time = (anchor_time + normal(rng, -2.0, 6.0)).max(0.0);
        let text = evidence_text(rng, EVIDENCE_POC_SUCCESS_CRITERIA);
        push(EVIDENCE_POC_SUCCESS_CRITERIA, fill_time, text, &mut entries);
    }

    entries.sort_by_key(|entry| entry.from_day);
    entries
}

fn evidence_text(rng: &mut GenRng, field: u8) -> String {
    let person = |rng: &mut GenRng, titles: &[&str]| {
        format!(
            "{} {} {}",
            pick(rng, titles),
            pick(rng, FIRST_NAMES),
            pick(rng, LAST_NAMES)
        )
    };
    match field {
        EVIDENCE_METRICS => pick(rng, METRICS_NOTES).to_string(),
        EVIDENCE_ECONOMIC_BUYER => person(rng, BUYER_TITLES),
        EVIDENCE_DECISION_CRITERIA => pick(rng, DECISION_CRITERIA_NOTES).to_string(),
        EVIDENCE_DECISION_PROCESS => pick(rng, DECISION_PROCESS_NOTES).to_string(),
        EVIDENCE_PAPER_PROCESS => pick(rng, PAPER_PROCESS_NOTES).to_string(),
        EVIDENCE_IDENTIFY_PAIN => pick(rng, PAIN_NOTES).to_string(),
        EVIDENCE_CHAMPION => person(rng, CHAMPION_TITLES),
        EVIDENCE_COMPETITION => pick(rng, COMPETITORS).to_string(),
        _ => pick(rng, POC_CRITERIA_NOTES).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::calendar::parse_iso_date;
    use super::*;

    fn day(text: &str) -> Day {
        parse_iso_date(text).unwrap_or_default()
    }

    #[test]
    fn close_date_nudges_stay_in_the_month_and_in_the_future() {
        // Friday 2026-03-20 → Wednesday 2026-03-25.
        assert_eq!(
            nudged_close_day(day("2026-03-20"), 5, day("2026-03-02")),
            day("2026-03-25")
        );
        // Past the month's end, so the nudge goes the other way: → Thursday 2026-03-26.
        assert_eq!(
            nudged_close_day(day("2026-03-30"), 4, day("2026-03-02")),
            day("2026-03-26")
        );
        // A weekend lands on the weekday beyond it, in the nudge's direction.
        assert_eq!(
            nudged_close_day(day("2026-03-16"), -2, day("2026-03-02")),
            day("2026-03-13")
        );
        // Never to today or earlier, never a date already past, never a far-off date.
        assert_eq!(
            nudged_close_day(day("2026-03-04"), -3, day("2026-03-03")),
            day("2026-03-09")
        );
        let past = day("2026-02-27");
        assert_eq!(nudged_close_day(past, 3, day("2026-03-02")), past);
        let far = day("2026-08-14");
        assert_eq!(nudged_close_day(far, 3, day("2026-03-02")), far);
    }

    #[test]
    fn requotes_move_at_least_one_quoting_step() {
        assert_eq!(requoted_amount(50_000, 0.94), 47_000);
        assert_eq!(requoted_amount(12_000, 1.02), 12_500);
        assert_eq!(requoted_amount(12_000, 0.98), 11_500);
        assert_eq!(requoted_amount(400_000, 1.03), 410_000);
        assert_eq!(requoted_amount(2_000, 0.97), 2_000);
    }
}
