//! Module 6, the renewals & expansion watchlist: the subscriptions whose term ends inside the
//! window the user sets, and for each account behind them its weekly usage and ticket series with
//! their change points, the contraction and expansion between its consecutive terms, its churn
//! events, and which stakeholder fields are present or absent. It describes; it does not say which
//! renewal matters.
//!
//! **Tables read** (from [`Context::dataset`]): subscriptions, usage, tickets, churn events and
//! accounts, each row with its file and line for evidence; and the deals of the current snapshot,
//! for stakeholder fields. A subscription, ticket or usage row whose id repeats one read earlier
//! replaces it (a re-import of the same table); rows without an id are all kept.
//!
//! **Definitions.**
//! - **Window**: the as-of date to the as-of date + `Settings::renewal_window_days`, both included.
//!   A subscription is **in the window** when its end date lies in it. Left out, each counted with
//!   its reason: subscriptions starting after the as-of date (not yet in force), subscriptions
//!   without an end date (open-ended; no renewal date is derived from the billing frequency),
//!   terms that ended before the as-of date, and terms ending after the window.
//! - **Watchlist accounts**: the accounts of the subscriptions in the window, ordered by their
//!   earliest term end in the window, then by account id.
//! - **ARR** of a subscription: its ARR column, else 12 × its MRR column. Subscription tables carry
//!   no currency, so amounts are taken to be in the reporting currency, as a deal without a
//!   currency is ([`Context::money`]).
//! - **Terms of an account**: its subscriptions starting on or before the as-of date, ordered by
//!   start date, then end date (open-ended last), then id; subscriptions without a start date have
//!   no place in that order and are left out of the term history (counted). Between each pair of
//!   consecutive terms, seats, MRR and ARR rose, fell, stayed the same, or are unknown (a value
//!   missing on either term). The **latest MRR change** is the MRR of the latest term minus the MRR
//!   of the term before it: an account's latest change above 0 is counted as **expansion**, below 0
//!   as **contraction**. The upgrade, downgrade and churn flags of the terms are counted as the
//!   table states them.
//! - **Churn events**: the account's churn event rows dated on or before the as-of date.
//! - **Weekly series**: 7-day blocks counted back from the as-of date (the latest block ends on it,
//!   so every block is whole). A series starts with the block holding the later of the account's
//!   earliest term start (when any term has one) and the earliest date of its table (over all
//!   accounts; it stands for the start of the export, since a week before it is unknown, not zero),
//!   with at most `Settings::renewal_series_weeks` blocks. The usage and ticket series of one
//!   account can so have different spans. Usage: the sum of the usage count of the account's
//!   usage rows in each block, a row belonging to the account named on it, else to the account of
//!   its subscription (rows whose subscription is not in the subscription table belong to none and
//!   are counted). Tickets: the number of the account's tickets opened in each block.
//! - **Change points**: [`changepoint::detect`] on each series, a two-sided tabular CUSUM on values
//!   standardised by the series' sample standard deviation, restarted at each change, with
//!   `h = Settings::change_point_h`, `k = Settings::change_point_k` and minimum segment
//!   `Settings::change_point_min_weeks` blocks (the method in full is in that module's header). Each
//!   change is dated by the first day of its first block; its size is the mean per block of the
//!   level after it minus the mean of the level before it, also given in σ. An account without
//!   usage rows in the span has no usage series (the value is undefined); a series with fewer than
//!   two minimum segments is not tested (undefined); a constant series has no change point (0).
//! - **Stakeholder fields**: the account owner (the accounts table's owner column), and the
//!   Economic Buyer and Champion evidence fields of the account's deals in the current snapshot
//!   (deals whose account id is the account's id, or, for deals without an account id, whose
//!   account name is the account's name in the accounts table). A field is **present** when it is
//!   filled on the account's row (owner) or on at least one of its deals; it is not read when the
//!   account is not in the accounts table, when no row of its accounts file has an owner (the
//!   import keeps no trace of an absent column, so such a file is read as one without it), when the
//!   snapshot has no deal of the account, or when the deals' export has no such column.
//!
//! PRODUCT.md's metric definitions name no renewals measure; these are this module's own, each
//! stated again in the formula of the insight that uses it.
//!
//! **Insights** (keys `renewals.<measure>.<subject>`): for the team, the terms ending in the window
//! (count, and ARR), the accounts whose latest MRR change is an expansion or a contraction, the
//! accounts with churn events, the accounts with change points in each series, and each stakeholder
//! field's presence; per subscription in the window, the days to its term end; per watchlist
//! account, its term history, churn events, each series' change points (a count) and one insight
//! per change point (the level after it, held against the level before it), and its stakeholder
//! fields. Subjects of accounts and subscriptions carry the CRM's names in their labels; the
//! sentences name accounts by id. Evidence: the subscription, usage, ticket, churn, account and
//! deal rows each number counts.
//!
//! **Cost**: one pass over each table, keeping only the rows of watchlist accounts; per account, a
//! series of at most `renewal_series_weeks` values.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Days, NaiveDate, NaiveTime};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::changepoint::{self, ChangePoint, Direction, Outcome, Parameters};
use super::context::{Context, Deal, Tally, field_name};
use super::render::{count, money, number, signed_percent};
use super::{
    AnalyzeError, EvidenceRef, FileRows, Insight, Module, Period, Population, Reference, Settings,
    Subject, SubjectKind, Unit,
};
use crate::model::{Account, ChurnEvent, Subscription, Text, Ticket, UsagePoint};

pub(super) fn default_renewal_window_days() -> i64 {
    90
}

pub(super) fn default_renewal_series_weeks() -> usize {
    52
}

/// Page's and Montgomery's usual design: h = 5 and k = ½ detect a shift of about one standard
/// deviation.
pub(super) fn default_change_point_h() -> f64 {
    5.0
}

pub(super) fn default_change_point_k() -> f64 {
    0.5
}

pub(super) fn default_change_point_min_weeks() -> usize {
    4
}

/// The evidence fields read as stakeholders (the people MEDDPICC names).
const STAKEHOLDER_FIELDS: &[&str] = &["Economic Buyer", "Champion"];

/// How many values of a term sequence a sentence lists (the latest ones).
const TERMS_LISTED: usize = 8;

/// The renewals settings outside the values they can take.
pub(super) fn check_settings(settings: &Settings) -> Result<(), AnalyzeError> {
    let setting = |name: &str, detail: String| AnalyzeError::Setting {
        name: name.to_string(),
        detail,
    };
    if settings.renewal_window_days < 0 {
        return Err(setting(
            "renewal_window_days",
            format!(
                "{} is not a number of days (0 or more)",
                settings.renewal_window_days
            ),
        ));
    }
    for (name, value) in [
        ("change_point_h", settings.change_point_h),
        ("change_point_k", settings.change_point_k),
    ] {
        if !(value.is_finite() && value >= 0.0) {
            return Err(setting(
                name,
                format!("{value} is not a number of standard deviations (0 or more)"),
            ));
        }
    }
    if settings.change_point_min_weeks == 0 {
        return Err(setting(
            "change_point_min_weeks",
            "0 blocks cannot hold a level (1 or more)".to_string(),
        ));
    }
    Ok(())
}

/// One row of an imported table with the file it came from.
struct Row<'a, T> {
    row: &'a T,
    file: &'a Arc<str>,
}

impl<T> Clone for Row<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Row<'_, T> {}

/// Every row of `files`, a row whose key repeats one read earlier replacing it in place.
fn latest_rows<'a, T>(
    files: &'a [FileRows<T>],
    key: impl Fn(&'a T) -> Option<&'a str>,
) -> Vec<Row<'a, T>> {
    let mut rows: Vec<Row<'a, T>> = Vec::new();
    let mut positions: HashMap<&'a str, usize> = HashMap::default();
    for (file, row) in FileRows::iter_all(files) {
        let entry = Row { row, file };
        match key(row) {
            Some(id) => match positions.get(id) {
                Some(&position) => rows[position] = entry,
                None => {
                    positions.insert(id, rows.len());
                    rows.push(entry);
                }
            },
            None => rows.push(entry),
        }
    }
    rows
}

/// Where a subscription's term lies against the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    InWindow,
    StartsAfterAsOf,
    OpenEnded,
    EndedBefore,
    EndsAfterWindow,
}

impl Place {
    fn reason(self) -> &'static str {
        match self {
            Place::InWindow => "",
            Place::StartsAfterAsOf => "starts after the as-of date (not yet in force)",
            Place::OpenEnded => {
                "no end date (an open-ended term; no renewal date is derived from the billing frequency)"
            }
            Place::EndedBefore => "term ended before the as-of date",
            Place::EndsAfterWindow => "term ends after the window",
        }
    }
}

fn place(subscription: &Subscription, as_of: NaiveDate, window_end: NaiveDate) -> Place {
    if subscription.start_date.is_some_and(|start| start > as_of) {
        return Place::StartsAfterAsOf;
    }
    match subscription.end_date {
        None => Place::OpenEnded,
        Some(end) if end < as_of => Place::EndedBefore,
        Some(end) if end > window_end => Place::EndsAfterWindow,
        Some(_) => Place::InWindow,
    }
}

/// A subscription's ARR: the ARR column, else 12 × MRR.
fn arr(subscription: &Subscription) -> Option<f64> {
    subscription
        .arr
        .or_else(|| subscription.mrr.map(|mrr| 12.0 * mrr))
}

/// What the module keeps of one watchlist account.
struct WatchAccount<'a> {
    id: &'a str,
    /// Subscriptions in the window, by end date.
    ending: Vec<Row<'a, Subscription>>,
    /// Every subscription starting on or before the as-of date (or without a start date).
    terms: Vec<Row<'a, Subscription>>,
    usage: Vec<Row<'a, UsagePoint>>,
    tickets: Vec<Row<'a, Ticket>>,
    churn: Vec<Row<'a, ChurnEvent>>,
    account: Option<Row<'a, Account>>,
    /// Whether the accounts file of `account` has an owner on any row (else it is read as a file
    /// without the column).
    owner_column: bool,
    deals: Vec<&'a Deal<'a>>,
    usage_after_as_of: usize,
    tickets_after_as_of: usize,
    churn_after_as_of: usize,
}

impl<'a> WatchAccount<'a> {
    fn name(&self) -> Option<&'a str> {
        self.account.and_then(|account| account.row.name.as_deref())
    }

    /// "Company_0 (A-2e4581)", or the id alone.
    fn label(&self) -> String {
        match self.name() {
            Some(name) => format!("{name} ({})", self.id),
            None => self.id.to_string(),
        }
    }

    /// How texts name the account: by id (names are CRM data and stay in the subject's label).
    fn words(&self) -> String {
        format!("account {}", self.id)
    }

    fn subject(&self) -> Subject {
        Subject {
            kind: SubjectKind::Record,
            id: self.id.to_string(),
            label: self.label(),
        }
    }
}

pub(super) fn insights(context: &Context) -> Vec<Insight> {
    let dataset = context.dataset();
    let settings = context.settings;
    let as_of = context.as_of;
    let window_days = settings.renewal_window_days.max(0) as u64;
    let window_end = as_of
        .checked_add_days(Days::new(window_days))
        .unwrap_or(NaiveDate::MAX);
    let window = Period {
        start: as_of,
        end: window_end,
        label: format!(
            "{as_of} to {window_end} (the as-of date and the {window_days} days after it)"
        ),
    };

    let subscriptions = latest_rows(&dataset.subscriptions, |s: &Subscription| {
        Some(s.id.as_str())
    });
    let mut ending: Vec<Row<Subscription>> = Vec::new();
    let mut ending_tally = Tally::default();
    for subscription in &subscriptions {
        match place(subscription.row, as_of, window_end) {
            Place::InWindow => {
                ending_tally.count();
                ending.push(*subscription);
            }
            other => ending_tally.exclude(other.reason()),
        }
    }
    ending.sort_by(|a, b| {
        (a.row.end_date, a.row.id.as_str()).cmp(&(b.row.end_date, b.row.id.as_str()))
    });

    let mut out = Vec::new();
    out.push(terms_ending(
        context,
        &window,
        &subscriptions,
        &ending,
        &ending_tally,
    ));
    if ending.is_empty() {
        return out;
    }
    out.push(arr_ending(context, &window, &ending));

    let mut accounts = watch_accounts(context, &subscriptions, &ending);
    let collected = collect_rows(context, &mut accounts, &subscriptions);
    let currency = context.currency.as_deref();
    let parameters = Parameters {
        threshold_h: settings.change_point_h,
        drift_k: settings.change_point_k,
        min_segment: settings.change_point_min_weeks,
    };

    // Per account, in watchlist order: every finding, kept for the team summaries too.
    let mut histories = Vec::with_capacity(accounts.len());
    let mut usage_series = Vec::with_capacity(accounts.len());
    let mut ticket_series = Vec::with_capacity(accounts.len());
    for account in &accounts {
        histories.push(TermHistory::of(account));
        let (usage, tickets) = series_of(
            context,
            account,
            &parameters,
            (collected.usage_start, collected.ticket_start),
        );
        usage_series.push(usage);
        ticket_series.push(tickets);
    }

    out.push(latest_change_summary(&accounts, &histories, true, currency));
    out.push(latest_change_summary(
        &accounts, &histories, false, currency,
    ));
    out.push(churn_summary(context, &accounts));
    out.push(series_summary(
        context,
        &accounts,
        &usage_series,
        SeriesKind::Usage,
        collected.unlinked_usage,
    ));
    out.push(series_summary(
        context,
        &accounts,
        &ticket_series,
        SeriesKind::Tickets,
        0,
    ));
    out.extend(stakeholder_summaries(context, &accounts));

    let position_of: HashMap<&str, usize> = accounts
        .iter()
        .enumerate()
        .map(|(position, account)| (account.id, position))
        .collect();
    for subscription in &ending {
        let account = position_of
            .get(subscription.row.account_id.as_str())
            .map(|&position| &accounts[position]);
        out.push(term_end(context, &window, *subscription, account));
    }
    for (position, account) in accounts.iter().enumerate() {
        out.push(term_history(context, account, &histories[position]));
        out.push(churn_events(context, account));
        out.extend(series_insights(account, &usage_series[position]));
        out.extend(series_insights(account, &ticket_series[position]));
        out.push(stakeholders(context, account));
    }
    out
}

fn subscription_evidence(
    row: Row<Subscription>,
    field: &str,
    value: Option<String>,
) -> EvidenceRef {
    EvidenceRef {
        record_id: Text::from(&row.row.id),
        field: Some(field_name(field)),
        old_value: None,
        new_value: value.map(Text::from),
        at: None,
        as_of: None,
        source_file: Arc::clone(row.file),
        line: row.row.source.line,
    }
}

fn end_evidence(row: Row<Subscription>) -> EvidenceRef {
    subscription_evidence(row, "end_date", row.row.end_date.map(|d| d.to_string()))
}

/// A value of an evidence row: whole numbers (usage counts, seats) as integers, which is what
/// [`number`] shows for them too, without its float formatting (evidence lists thousands of them).
fn value_text(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        (value as i64).to_string()
    } else {
        number(value)
    }
}

fn usage_evidence(row: Row<UsagePoint>) -> EvidenceRef {
    let usage = row.row;
    EvidenceRef {
        record_id: usage
            .id
            .clone()
            .or_else(|| usage.subscription_id.clone())
            .or_else(|| usage.account_id.clone())
            .unwrap_or_default()
            .into(),
        field: Some("count".into()),
        old_value: None,
        new_value: Some(value_text(usage.count).into()),
        at: Some(usage.date.and_time(NaiveTime::MIN)),
        as_of: None,
        source_file: Arc::clone(row.file),
        line: usage.source.line,
    }
}

fn ticket_evidence(row: Row<Ticket>) -> EvidenceRef {
    EvidenceRef {
        record_id: Text::from(&row.row.id),
        field: Some("opened".into()),
        old_value: None,
        new_value: Some(row.row.opened.to_string().into()),
        at: Some(row.row.opened),
        as_of: None,
        source_file: Arc::clone(row.file),
        line: row.row.source.line,
    }
}

fn churn_evidence(row: Row<ChurnEvent>) -> EvidenceRef {
    let event = row.row;
    EvidenceRef {
        record_id: event
            .id
            .clone()
            .unwrap_or_else(|| event.account_id.clone())
            .into(),
        field: Some("date".into()),
        old_value: None,
        new_value: Some(event.date.to_string().into()),
        at: Some(event.date.and_time(NaiveTime::MIN)),
        as_of: None,
        source_file: Arc::clone(row.file),
        line: event.source.line,
    }
}

fn account_evidence(row: Row<Account>) -> EvidenceRef {
    EvidenceRef {
        record_id: Text::from(&row.row.id),
        field: Some("owner".into()),
        old_value: None,
        new_value: row.row.owner.clone().map(Text::from),
        at: None,
        as_of: None,
        source_file: Arc::clone(row.file),
        line: row.row.source.line,
    }
}

fn team_subject() -> Subject {
    Subject {
        kind: SubjectKind::Team,
        id: "all".into(),
        label: "Renewals watchlist".into(),
    }
}

fn window_reference(context: &Context) -> Option<Reference> {
    Some(Reference::Setting {
        name: "renewal_window_days".into(),
        value: context.settings.renewal_window_days as f64,
    })
}

fn terms_ending(
    context: &Context,
    window: &Period,
    subscriptions: &[Row<Subscription>],
    ending: &[Row<Subscription>],
    tally: &Tally,
) -> Insight {
    let accounts: HashSet<&str> = ending.iter().map(|s| s.row.account_id.as_str()).collect();
    let text = if subscriptions.is_empty() {
        "No subscription rows were imported, so no term end is listed.".to_string()
    } else if ending.is_empty() {
        format!(
            "No subscription ends from {} to {} (renewal_window_days = {}); {} read.",
            window.start,
            window.end,
            context.settings.renewal_window_days,
            count(subscriptions.len(), "subscription row", "subscription rows")
        )
    } else {
        format!(
            "{} of {} end from {} to {} (renewal_window_days = {}); {} read.",
            count(ending.len(), "subscription", "subscriptions"),
            count(accounts.len(), "account", "accounts"),
            window.start,
            window.end,
            context.settings.renewal_window_days,
            count(subscriptions.len(), "subscription row", "subscription rows")
        )
    };
    Insight {
        key: "renewals.terms_ending.all".into(),
        module: Module::Renewals,
        measure: "terms_ending".into(),
        subject: team_subject(),
        value: Some(ending.len() as f64),
        unit: Unit::Count,
        reference: window_reference(context),
        period: Some(window.clone()),
        population: tally.population(format!(
            "subscriptions whose end date lies from {} to {}",
            window.start, window.end
        )),
        formula:
            "count of subscriptions with as-of date ≤ end date ≤ as-of date + renewal_window_days"
                .into(),
        text,
        evidence: ending.iter().map(|s| end_evidence(*s)).collect(),
    }
}

fn arr_ending(context: &Context, window: &Period, ending: &[Row<Subscription>]) -> Insight {
    let mut tally = Tally::default();
    let mut sum = 0.0;
    let mut evidence = Vec::new();
    for subscription in ending {
        match arr(subscription.row) {
            Some(value) => {
                tally.count();
                sum += value;
                let field = if subscription.row.arr.is_some() {
                    "arr"
                } else {
                    "mrr"
                };
                let shown = if subscription.row.arr.is_some() {
                    subscription.row.arr
                } else {
                    subscription.row.mrr
                };
                evidence.push(subscription_evidence(
                    *subscription,
                    field,
                    shown.map(value_text),
                ));
            }
            None => tally.exclude("no ARR and no MRR"),
        }
    }
    let currency = context.currency.as_deref();
    Insight {
        key: "renewals.arr_ending.all".into(),
        module: Module::Renewals,
        measure: "arr_ending".into(),
        subject: team_subject(),
        value: Some(sum),
        unit: context.money_unit(),
        reference: window_reference(context),
        period: Some(window.clone()),
        population: tally.population(format!(
            "subscriptions whose end date lies from {} to {}, with an ARR or MRR",
            window.start, window.end
        )),
        formula: "sum of ARR over the subscriptions ending in the window; ARR is the ARR column, else 12 × MRR; subscription amounts are taken to be in the reporting currency".into(),
        text: format!(
            "ARR ending from {} to {}: {} over {}.",
            window.start,
            window.end,
            money(sum, currency),
            count(tally.n, "subscription", "subscriptions")
        ),
        evidence,
    }
}

/// The watchlist accounts with their subscriptions, ordered by earliest term end in the window.
fn watch_accounts<'a>(
    context: &Context<'a>,
    subscriptions: &[Row<'a, Subscription>],
    ending: &[Row<'a, Subscription>],
) -> Vec<WatchAccount<'a>> {
    let as_of = context.as_of;
    let mut accounts: Vec<WatchAccount<'a>> = Vec::new();
    let mut positions: HashMap<&'a str, usize> = HashMap::default();
    // `ending` is sorted by end date, so first appearance gives the watchlist order.
    for subscription in ending {
        let id = subscription.row.account_id.as_str();
        let position = *positions.entry(id).or_insert_with(|| {
            accounts.push(WatchAccount {
                id,
                ending: Vec::new(),
                terms: Vec::new(),
                usage: Vec::new(),
                tickets: Vec::new(),
                churn: Vec::new(),
                account: None,
                owner_column: false,
                deals: Vec::new(),
                usage_after_as_of: 0,
                tickets_after_as_of: 0,
                churn_after_as_of: 0,
            });
            accounts.len() - 1
        });
        accounts[position].ending.push(*subscription);
    }
    for subscription in subscriptions {
        if subscription
            .row
            .start_date
            .is_some_and(|start| start > as_of)
        {
            continue;
        }
        if let Some(&position) = positions.get(subscription.row.account_id.as_str()) {
            accounts[position].terms.push(*subscription);
        }
    }
    accounts
}

/// What [`collect_rows`] finds besides the rows of each account.
struct Collected {
    /// Usage rows that belong to no account (their subscription is not in the subscription table).
    unlinked_usage: usize,
    usage_start: TableStart,
    ticket_start: TableStart,
}

/// Moves a table's start to `date` when that is earlier.
fn widen(start: &mut TableStart, date: NaiveDate) {
    *start = Some(start.map_or(date, |first| first.min(date)));
}

/// Gives each watchlist account its usage, ticket, churn and account rows and its deals, and
/// finds the earliest date of the usage and ticket tables.
fn collect_rows<'a>(
    context: &Context<'a>,
    accounts: &mut [WatchAccount<'a>],
    subscriptions: &[Row<'a, Subscription>],
) -> Collected {
    let dataset = context.dataset();
    let as_of = context.as_of;
    let positions: HashMap<&str, usize> = accounts
        .iter()
        .enumerate()
        .map(|(position, account)| (account.id, position))
        .collect();
    let account_of_subscription: HashMap<&str, &str> = subscriptions
        .iter()
        .map(|s| (s.row.id.as_str(), s.row.account_id.as_str()))
        .collect();

    let mut unlinked_usage = 0;
    let (mut usage_start, mut ticket_start) = (None, None);
    for usage in latest_rows(&dataset.usage, |u: &UsagePoint| u.id.as_deref()) {
        widen(&mut usage_start, usage.row.date);
        let account = usage.row.account_id.as_deref().or_else(|| {
            usage
                .row
                .subscription_id
                .as_deref()
                .and_then(|id| account_of_subscription.get(id).copied())
        });
        let Some(account) = account else {
            unlinked_usage += 1;
            continue;
        };
        if let Some(&position) = positions.get(account) {
            if usage.row.date > as_of {
                accounts[position].usage_after_as_of += 1;
            } else {
                accounts[position].usage.push(usage);
            }
        }
    }
    for ticket in latest_rows(&dataset.tickets, |t: &Ticket| Some(t.id.as_str())) {
        widen(&mut ticket_start, ticket.row.opened.date());
        if let Some(&position) = positions.get(ticket.row.account_id.as_str()) {
            if ticket.row.opened.date() > as_of {
                accounts[position].tickets_after_as_of += 1;
            } else {
                accounts[position].tickets.push(ticket);
            }
        }
    }
    for event in latest_rows(&dataset.churn_events, |c: &ChurnEvent| c.id.as_deref()) {
        if let Some(&position) = positions.get(event.row.account_id.as_str()) {
            if event.row.date > as_of {
                accounts[position].churn_after_as_of += 1;
            } else {
                accounts[position].churn.push(event);
            }
        }
    }
    // The import keeps no trace of an absent column: a file in which no row has an owner is read
    // as a file without the owner column (as the evidence module reads the next step).
    let files_with_owner: HashSet<&str> = FileRows::iter_all(&dataset.accounts)
        .filter(|(_, account)| {
            account
                .owner
                .as_deref()
                .is_some_and(|o| !o.trim().is_empty())
        })
        .map(|(file, _)| &**file)
        .collect();
    for account in latest_rows(&dataset.accounts, |a: &Account| Some(a.id.as_str())) {
        if let Some(&position) = positions.get(account.row.id.as_str()) {
            accounts[position].account = Some(account);
            accounts[position].owner_column = files_with_owner.contains(&**account.file);
        }
    }
    // Deals: by account id, else (deals without one) by the account's name.
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::default();
    for (position, account) in accounts.iter().enumerate() {
        if let Some(name) = account.name() {
            by_name.entry(name).or_default().push(position);
        }
    }
    let collected = Collected {
        unlinked_usage,
        usage_start,
        ticket_start,
    };
    let Some(current) = context.snapshots.last() else {
        return collected;
    };
    for deal in &current.deals {
        match deal.opp.account_id.as_deref() {
            Some(id) => {
                if let Some(&position) = positions.get(id) {
                    accounts[position].deals.push(deal);
                }
            }
            None => {
                if let Some(list) = deal
                    .opp
                    .account_name
                    .as_deref()
                    .and_then(|n| by_name.get(n))
                {
                    for &position in list {
                        accounts[position].deals.push(deal);
                    }
                }
            }
        }
    }
    for account in accounts.iter_mut() {
        account
            .usage
            .sort_by_key(|u| (u.row.date, u.row.source.line));
        account
            .tickets
            .sort_by_key(|t| (t.row.opened, t.row.source.line));
        account
            .churn
            .sort_by_key(|c| (c.row.date, c.row.source.line));
    }
    collected
}

// ---------------------------------------------------------------------------------------------
// Term history

/// How one value moved between two consecutive terms.
#[derive(Debug, Clone, Copy, Default)]
struct Moves {
    rose: usize,
    fell: usize,
    same: usize,
    unknown: usize,
}

impl Moves {
    fn add(&mut self, before: Option<f64>, after: Option<f64>) {
        match (before, after) {
            (Some(b), Some(a)) if a > b => self.rose += 1,
            (Some(b), Some(a)) if a < b => self.fell += 1,
            (Some(_), Some(_)) => self.same += 1,
            _ => self.unknown += 1,
        }
    }

    fn words(&self, what: &str) -> String {
        let mut text = format!(
            "{what} rose {}, fell {}, stayed the same {}",
            self.rose, self.fell, self.same
        );
        if self.unknown > 0 {
            text.push_str(&format!(", unknown {}", self.unknown));
        }
        text
    }
}

/// An account's terms in order, and what changed between them.
struct TermHistory<'a> {
    terms: Vec<Row<'a, Subscription>>,
    without_start: usize,
    seats: Moves,
    mrr: Moves,
    arr: Moves,
    /// (MRR before, MRR after) of the last two terms, when both are known.
    latest_mrr: Option<(f64, f64)>,
}

impl<'a> TermHistory<'a> {
    fn of(account: &WatchAccount<'a>) -> TermHistory<'a> {
        let mut terms: Vec<Row<Subscription>> = account
            .terms
            .iter()
            .copied()
            .filter(|t| t.row.start_date.is_some())
            .collect();
        let without_start = account.terms.len() - terms.len();
        // Open-ended terms (no end date) go last among those starting the same day.
        terms.sort_by(|a, b| {
            let (a, b) = (a.row, b.row);
            (
                a.start_date,
                a.end_date.is_none(),
                a.end_date,
                a.id.as_str(),
            )
                .cmp(&(
                    b.start_date,
                    b.end_date.is_none(),
                    b.end_date,
                    b.id.as_str(),
                ))
        });
        let (mut seats, mut mrr, mut arr_moves) =
            (Moves::default(), Moves::default(), Moves::default());
        for pair in terms.windows(2) {
            let (before, after) = (pair[0].row, pair[1].row);
            seats.add(before.seats, after.seats);
            mrr.add(before.mrr, after.mrr);
            arr_moves.add(arr(before), arr(after));
        }
        let latest_mrr = match terms.as_slice() {
            [.., before, after] => before.row.mrr.zip(after.row.mrr),
            _ => None,
        };
        TermHistory {
            terms,
            without_start,
            seats,
            mrr,
            arr: arr_moves,
            latest_mrr,
        }
    }
}

/// The latest values of a sequence, `a → b → c`, with `?` for unknown ones.
fn sequence(values: impl Iterator<Item = Option<f64>>, show: impl Fn(f64) -> String) -> String {
    let all: Vec<String> = values
        .map(|value| value.map_or_else(|| "?".to_string(), &show))
        .collect();
    let skipped = all.len().saturating_sub(TERMS_LISTED);
    let listed = all[skipped..].join(" → ");
    if skipped > 0 {
        format!("(last {TERMS_LISTED} terms) {listed}")
    } else {
        listed
    }
}

fn term_history(context: &Context, account: &WatchAccount, history: &TermHistory) -> Insight {
    let currency = context.currency.as_deref();
    let terms = &history.terms;
    let mut text = String::new();
    match (terms.first(), terms.last()) {
        (Some(first), Some(last)) => {
            let start = |t: &Row<Subscription>| {
                t.row.start_date.map_or_else(String::new, |d| d.to_string())
            };
            let span = if terms.len() == 1 {
                format!("1 term, starting {}.", start(first))
            } else {
                format!(
                    "{} terms starting from {} to {} (oldest first by start date).",
                    terms.len(),
                    start(first),
                    start(last)
                )
            };
            text.push_str(&format!(
                "{span} Seats {}; MRR {}; ARR {}.",
                sequence(terms.iter().map(|t| t.row.seats), number),
                sequence(terms.iter().map(|t| t.row.mrr), |v| money(v, currency)),
                sequence(terms.iter().map(|t| arr(t.row)), |v| money(v, currency)),
            ));
            if terms.len() > 1 {
                text.push_str(&format!(
                    " Between consecutive terms: {}; {}; {}.",
                    history.seats.words("seats"),
                    history.mrr.words("MRR"),
                    history.arr.words("ARR")
                ));
            }
            match history.latest_mrr {
                Some((before, after)) => {
                    let change = after - before;
                    let relative = if before != 0.0 {
                        format!(" ({})", signed_percent(change / before.abs()))
                    } else {
                        String::new()
                    };
                    text.push_str(&format!(
                        " Latest MRR change: {} → {}, {}{relative}.",
                        money(before, currency),
                        money(after, currency),
                        signed_money(change, currency)
                    ));
                }
                None if terms.len() > 1 => {
                    text.push_str(" The latest MRR change is undefined: MRR is missing on one of the last two terms.")
                }
                None => text.push_str(" The latest MRR change is undefined: there is no earlier term."),
            }
            let flagged = |flag: fn(&Subscription) -> Option<bool>| {
                terms.iter().filter(|t| flag(t.row) == Some(true)).count()
            };
            text.push_str(&format!(
                " Upgrade flag on {}, downgrade flag on {}, churn flag on {}.",
                count(flagged(|s| s.upgrade), "term", "terms"),
                flagged(|s| s.downgrade),
                flagged(|s| s.churned)
            ));
        }
        _ => text.push_str(
            "No term of this account has a start date, so the terms have no order and no change between them is computed.",
        ),
    }
    let mut tally = Tally::default();
    tally.n = terms.len();
    for _ in 0..history.without_start {
        tally.exclude("no start date, so its place among the terms is unknown");
    }
    Insight {
        key: format!("renewals.term_history.{}", account.id),
        module: Module::Renewals,
        measure: "term_history".into(),
        subject: account.subject(),
        value: history.latest_mrr.map(|(before, after)| after - before),
        unit: context.money_unit(),
        reference: None,
        period: None,
        population: tally.population(format!(
            "subscriptions of {} starting on or before {}",
            account.words(),
            context.as_of
        )),
        formula: "terms ordered by start date, then end date (open-ended last), then id; between each pair of consecutive terms seats, MRR and ARR (ARR column, else 12 × MRR) rose, fell or stayed the same; latest MRR change = MRR of the latest term − MRR of the term before it".into(),
        text,
        evidence: terms
            .iter()
            .map(|t| subscription_evidence(*t, "mrr", t.row.mrr.map(value_text)))
            .collect(),
    }
}

/// `+USD 1,200` / `−USD 300`.
fn signed_money(value: f64, currency: Option<&str>) -> String {
    let text = money(value.abs(), currency);
    if value < 0.0 {
        format!("−{text}")
    } else {
        format!("+{text}")
    }
}

/// `+7.8` / `−9.3`.
fn signed_number(value: f64) -> String {
    let text = number(value.abs());
    if value < 0.0 && text != "0" {
        format!("−{text}")
    } else {
        format!("+{text}")
    }
}

/// How many watchlist accounts' latest MRR change is above 0 (`expansion`) or below 0.
fn latest_change_summary(
    accounts: &[WatchAccount],
    histories: &[TermHistory],
    expansion: bool,
    currency: Option<&str>,
) -> Insight {
    let (mut rose, mut fell, mut same) = (0, 0, 0);
    let mut tally = Tally::default();
    let mut evidence = Vec::new();
    let mut total = 0.0;
    for history in histories {
        let Some((before, after)) = history.latest_mrr else {
            if history.terms.len() < 2 {
                tally.exclude("fewer than two terms with a start date");
            } else {
                tally.exclude("MRR missing on one of the last two terms");
            }
            continue;
        };
        tally.count();
        let change = after - before;
        let counted = if change > 0.0 {
            rose += 1;
            expansion
        } else if change < 0.0 {
            fell += 1;
            !expansion
        } else {
            same += 1;
            false
        };
        if counted {
            total += change;
            let last_two = &history.terms[history.terms.len() - 2..];
            evidence.extend(
                last_two
                    .iter()
                    .map(|t| subscription_evidence(*t, "mrr", t.row.mrr.map(value_text))),
            );
        }
    }
    let (measure, value, words) = if expansion {
        ("expansion", rose, "rose")
    } else {
        ("contraction", fell, "fell")
    };
    // Evidence lists the rows of the accounts counted in the value; when none is, the last two
    // terms of every account compared.
    if evidence.is_empty() {
        for history in histories {
            if history.latest_mrr.is_some() {
                let last_two = &history.terms[history.terms.len() - 2..];
                evidence.extend(
                    last_two
                        .iter()
                        .map(|t| subscription_evidence(*t, "mrr", t.row.mrr.map(value_text))),
                );
            }
        }
    }
    Insight {
        key: format!("renewals.{measure}.all"),
        module: Module::Renewals,
        measure: measure.into(),
        subject: team_subject(),
        value: Some(value as f64),
        unit: Unit::Count,
        reference: None,
        period: None,
        population: tally.population(format!(
            "accounts with a term ending in the window ({} in all) whose last two terms both have an MRR",
            accounts.len()
        )),
        formula: format!(
            "count of accounts whose latest MRR change (MRR of the latest term − MRR of the term before it, terms ordered by start date) is {}",
            if expansion { "above 0" } else { "below 0" }
        ),
        text: format!(
            "MRR {words} between the last two terms for {value} of {} compared (in all {}); it rose for {rose}, fell for {fell}, stayed the same for {same}.",
            count(tally.n, "account", "accounts"),
            signed_money(total, currency),
        ),
        evidence,
    }
}

// ---------------------------------------------------------------------------------------------
// Churn events

fn churn_summary(context: &Context, accounts: &[WatchAccount]) -> Insight {
    let with_churn: Vec<&WatchAccount> = accounts.iter().filter(|a| !a.churn.is_empty()).collect();
    let n_events: usize = with_churn.iter().map(|a| a.churn.len()).sum();
    let mut tally = Tally::default();
    tally.n = accounts.len();
    Insight {
        key: "renewals.churned_before.all".into(),
        module: Module::Renewals,
        measure: "churned_before".into(),
        subject: team_subject(),
        value: Some(with_churn.len() as f64),
        unit: Unit::Count,
        reference: None,
        period: None,
        population: tally.population(format!(
            "accounts with a term ending in the window, and their churn events dated on or before {}",
            context.as_of
        )),
        formula: "count of accounts with at least one churn event dated on or before the as-of date".into(),
        text: if context.dataset().churn_events.is_empty() {
            "No churn event table was imported, so no churn event is listed.".to_string()
        } else {
            format!(
                "{} of {} with a term ending in the window have churn events dated on or before {} ({} in all).",
                with_churn.len(),
                count(accounts.len(), "account", "accounts"),
                context.as_of,
                count(n_events, "event", "events")
            )
        },
        evidence: accounts
            .iter()
            .flat_map(|a| a.ending.iter().map(|s| end_evidence(*s)))
            .chain(with_churn.iter().flat_map(|a| a.churn.iter().map(|c| churn_evidence(*c))))
            .collect(),
    }
}

fn churn_events(context: &Context, account: &WatchAccount) -> Insight {
    let listed: Vec<String> = account
        .churn
        .iter()
        .rev()
        .take(TERMS_LISTED)
        .map(|event| {
            let mut parts = Vec::new();
            if let Some(reason) = event.row.reason.as_deref() {
                parts.push(reason.to_string());
            }
            if event.row.is_reactivation == Some(true) {
                parts.push("reactivation".to_string());
            }
            if parts.is_empty() {
                event.row.date.to_string()
            } else {
                format!("{} ({})", event.row.date, parts.join("; "))
            }
        })
        .collect();
    let text = if context.dataset().churn_events.is_empty() {
        "No churn event table was imported.".to_string()
    } else if account.churn.is_empty() {
        format!(
            "No churn event of this account is dated on or before {}.",
            context.as_of
        )
    } else {
        let more = account.churn.len().saturating_sub(TERMS_LISTED);
        format!(
            "{} dated on or before {}, latest first: {}{}.",
            count(account.churn.len(), "churn event", "churn events"),
            context.as_of,
            listed.join(", "),
            if more > 0 {
                format!(", and {more} earlier")
            } else {
                String::new()
            }
        )
    };
    let mut population = Population {
        description: format!(
            "churn events of {} dated on or before {}",
            account.words(),
            context.as_of
        ),
        n: account.churn.len(),
        excluded: Vec::new(),
    };
    if account.churn_after_as_of > 0 {
        population.add_excluded([super::Exclusion {
            n: account.churn_after_as_of,
            reason: "dated after the as-of date".into(),
        }]);
    }
    Insight {
        key: format!("renewals.churn_events.{}", account.id),
        module: Module::Renewals,
        measure: "churn_events".into(),
        subject: account.subject(),
        value: Some(account.churn.len() as f64),
        unit: Unit::Count,
        reference: None,
        period: None,
        population,
        formula: "count of the account's churn event rows dated on or before the as-of date".into(),
        text,
        evidence: account.churn.iter().map(|c| churn_evidence(*c)).collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Weekly series and change points

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SeriesKind {
    Usage,
    Tickets,
}

impl SeriesKind {
    fn key(self) -> &'static str {
        match self {
            SeriesKind::Usage => "usage",
            SeriesKind::Tickets => "ticket",
        }
    }

    /// What one block's value is, in words.
    fn value_words(self) -> &'static str {
        match self {
            SeriesKind::Usage => "usage count summed",
            SeriesKind::Tickets => "tickets opened",
        }
    }

    fn rows_words(self) -> (&'static str, &'static str) {
        match self {
            SeriesKind::Usage => ("usage row", "usage rows"),
            SeriesKind::Tickets => ("ticket", "tickets"),
        }
    }
}

/// One account's weekly series and what the detection found.
struct Series {
    kind: SeriesKind,
    /// First day of the first block.
    first_day: NaiveDate,
    /// Last day of the last block: the as-of date.
    last_day: NaiveDate,
    values: Vec<f64>,
    /// Evidence rows per block.
    rows: Vec<Vec<EvidenceRef>>,
    /// Rows of the account dated before the first block, or after the as-of date.
    before_span: usize,
    after_as_of: usize,
    /// `None` when the account has no rows in the span.
    outcome: Option<Outcome>,
    parameters: Parameters,
}

impl Series {
    fn n_rows(&self) -> usize {
        self.rows.iter().map(Vec::len).sum()
    }

    fn block_start(&self, index: usize) -> NaiveDate {
        self.first_day + Days::new(7 * index as u64)
    }

    /// Last day of the block before `end` (exclusive index), i.e. of block `end − 1`.
    fn block_end(&self, end_exclusive: usize) -> NaiveDate {
        self.first_day + Days::new(7 * end_exclusive as u64) - Days::new(1)
    }

    fn span_words(&self) -> String {
        if self.values.is_empty() {
            return format!("0 7-day blocks, up to {}", self.last_day);
        }
        format!(
            "{} from {} to {}",
            count(self.values.len(), "7-day block", "7-day blocks"),
            self.first_day,
            self.last_day
        )
    }
}

/// The earliest date of a table's rows (all rows, whatever their account); `None` for no rows.
type TableStart = Option<NaiveDate>;

/// The number of blocks of a series: it ends on the as-of date and starts at the later of the
/// account's first term start (when known) and the table's first date, with at most `series_weeks`
/// blocks.
fn series_blocks(
    as_of: NaiveDate,
    series_weeks: usize,
    earliest_start: Option<NaiveDate>,
    table: TableStart,
) -> usize {
    let Some(table_first) = table else {
        return 0;
    };
    let last = as_of;
    let first = earliest_start.map_or(table_first, |start| start.max(table_first));
    if first > last {
        return 0;
    }
    let blocks = ((last - first).num_days() / 7 + 1) as usize;
    blocks.min(series_weeks)
}

/// The account's usage and ticket series.
fn series_of(
    context: &Context,
    account: &WatchAccount,
    parameters: &Parameters,
    starts: (TableStart, TableStart),
) -> (Series, Series) {
    let earliest_start = account.terms.iter().filter_map(|t| t.row.start_date).min();
    let build = |kind: SeriesKind,
                 table: TableStart,
                 dated: Vec<(NaiveDate, f64, EvidenceRef)>,
                 after_as_of: usize| {
        let last_day = context.as_of;
        let n_blocks = series_blocks(
            context.as_of,
            context.settings.renewal_series_weeks,
            earliest_start,
            table,
        );
        // Block i (oldest first) ends on last_day − 7 (n − 1 − i) days.
        let first_day = last_day
            .checked_sub_days(Days::new(7 * n_blocks as u64))
            .map_or(NaiveDate::MIN, |d| d + Days::new(1));
        let mut values = vec![0.0; n_blocks];
        let mut rows = vec![Vec::new(); n_blocks];
        let mut before_span = 0;
        for (date, value, evidence) in dated {
            // Rows are on or before the as-of date (later ones are counted apart).
            let back = ((last_day - date).num_days() / 7) as usize;
            if date <= last_day && back < n_blocks {
                let block = n_blocks - 1 - back;
                values[block] += value;
                rows[block].push(evidence);
            } else {
                before_span += 1;
            }
        }
        let has_rows = rows.iter().any(|r| !r.is_empty());
        let outcome = has_rows.then(|| changepoint::detect(&values, parameters));
        Series {
            kind,
            first_day,
            last_day,
            values,
            rows,
            before_span,
            after_as_of,
            outcome,
            parameters: *parameters,
        }
    };
    let usage = build(
        SeriesKind::Usage,
        starts.0,
        account
            .usage
            .iter()
            .map(|u| (u.row.date, u.row.count, usage_evidence(*u)))
            .collect(),
        account.usage_after_as_of,
    );
    let tickets = build(
        SeriesKind::Tickets,
        starts.1,
        account
            .tickets
            .iter()
            .map(|t| (t.row.opened.date(), 1.0, ticket_evidence(*t)))
            .collect(),
        account.tickets_after_as_of,
    );
    (usage, tickets)
}

fn parameters_words(parameters: &Parameters) -> String {
    format!(
        "h = {}, k = {}, minimum segment {}",
        number(parameters.threshold_h),
        number(parameters.drift_k),
        count(parameters.min_segment, "block", "blocks")
    )
}

fn method_words(kind: SeriesKind) -> String {
    format!(
        "per 7-day block counted back from the as-of date, from the later of the account's first term start and the table's first date, {}; change points by a two-sided tabular CUSUM on values standardised by σ = the series' sample standard deviation, against each level's median over its first minimum-segment blocks, restarted at each change; size = mean per block after − mean per block before",
        kind.value_words()
    )
}

/// The account's series summary, then one insight per change point.
fn series_insights(account: &WatchAccount, series: &Series) -> Vec<Insight> {
    let kind = series.kind;
    let (row_one, row_many) = kind.rows_words();
    let what = match kind {
        SeriesKind::Usage => "Weekly usage",
        SeriesKind::Tickets => "Weekly tickets opened",
    };
    let mut population = Population {
        description: format!(
            "{row_many} of {} dated in the series span ({})",
            account.words(),
            series.span_words()
        ),
        n: series.n_rows(),
        excluded: Vec::new(),
    };
    for (n, reason) in [
        (
            series.before_span,
            "dated before the first block of the series",
        ),
        (series.after_as_of, "dated after the as-of date"),
    ] {
        if n > 0 {
            population.add_excluded([super::Exclusion {
                n,
                reason: reason.into(),
            }]);
        }
    }
    let head = format!(
        "{what} ({}, {}):",
        series.span_words(),
        count(series.n_rows(), row_one, row_many)
    );
    let (value, text) = match &series.outcome {
        None => (
            None,
            format!(
                "{what}: no {row_many} in the series span ({}), so there is no series to test.",
                series.span_words()
            ),
        ),
        Some(Outcome::TooShort { n, needed }) => (
            None,
            format!(
                "{head} {} is fewer than the {needed} needed for two segments of the minimum length, so no change point is tested.",
                count(*n, "block", "blocks")
            ),
        ),
        Some(Outcome::Constant { value }) => (
            Some(0.0),
            format!(
                "{head} every block is {}; a constant series has no change point (σ = 0).",
                number(*value)
            ),
        ),
        Some(Outcome::Tested {
            sigma,
            change_points,
        }) => {
            let listed: Vec<String> = change_points
                .iter()
                .map(|cp| {
                    format!(
                        "from the block starting {}, mean {} → {} per block ({}, {}σ)",
                        series.block_start(cp.index),
                        number(cp.mean_before),
                        number(cp.mean_after),
                        signed_number(cp.size()),
                        signed_number(cp.size() / sigma)
                    )
                })
                .collect();
            let found = if change_points.is_empty() {
                "no change point".to_string()
            } else {
                format!(
                    "{}: {}",
                    count(change_points.len(), "change point", "change points"),
                    listed.join("; ")
                )
            };
            (
                Some(change_points.len() as f64),
                format!(
                    "{head} {found}. σ = {} ({}).",
                    number_precise(*sigma),
                    parameters_words(&series.parameters)
                ),
            )
        }
    };
    let period = Period {
        start: series.first_day.min(series.last_day),
        end: series.last_day,
        label: series.span_words(),
    };
    let mut out = vec![Insight {
        key: format!("renewals.{}_change_points.{}", kind.key(), account.id),
        module: Module::Renewals,
        measure: format!("{}_change_points", kind.key()),
        subject: account.subject(),
        value,
        unit: Unit::Count,
        reference: Some(Reference::Setting {
            name: "change_point_h".into(),
            value: series.parameters.threshold_h,
        }),
        period: Some(period),
        population,
        formula: format!(
            "count of change points of the series: {}",
            method_words(kind)
        ),
        text,
        evidence: series.rows.iter().flatten().cloned().collect(),
    }];
    if let Some(Outcome::Tested {
        sigma,
        change_points,
    }) = &series.outcome
    {
        for change_point in change_points {
            out.push(change_point_insight(account, series, change_point, *sigma));
        }
    }
    out
}

/// σ with up to three significant decimals (it is often below 1 for weekly counts).
fn number_precise(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn change_point_insight(
    account: &WatchAccount,
    series: &Series,
    change_point: &ChangePoint,
    sigma: f64,
) -> Insight {
    let kind = series.kind;
    let (_, row_many) = kind.rows_words();
    let date = series.block_start(change_point.index);
    let (before_start, before_end) = change_point.before;
    let (after_start, after_end) = change_point.after;
    let moved = match change_point.direction {
        Direction::Rise => "rose",
        Direction::Fall => "fell",
    };
    let sum_name = match change_point.direction {
        Direction::Rise => "upper",
        Direction::Fall => "lower",
    };
    let what = match kind {
        SeriesKind::Usage => "Weekly usage",
        SeriesKind::Tickets => "Weekly tickets opened",
    };
    let evidence: Vec<EvidenceRef> = series.rows[before_start..after_end]
        .iter()
        .flatten()
        .cloned()
        .collect();
    Insight {
        key: format!("renewals.{}_change.{}.{date}", kind.key(), account.id),
        module: Module::Renewals,
        measure: format!("{}_change", kind.key()),
        subject: account.subject(),
        value: Some(change_point.mean_after),
        unit: Unit::Count,
        reference: Some(Reference::Earlier {
            as_of: series.block_start(before_start),
            value: change_point.mean_before,
        }),
        period: Some(Period {
            start: date,
            end: series.block_end(after_end),
            label: format!("{date} to {}", series.block_end(after_end)),
        }),
        population: Population {
            description: format!(
                "{row_many} of {} in the blocks from {} to {}",
                account.words(),
                series.block_start(before_start),
                series.block_end(after_end)
            ),
            n: evidence.len(),
            excluded: Vec::new(),
        },
        formula: format!(
            "value = mean per block of the level from the change point; reference = mean per block of the level before it; {}",
            method_words(kind)
        ),
        text: format!(
            "{what} {moved} from a mean of {} per block ({} to {}, {}) to {} ({} to {}, {}): {} per block, {}σ. The {sum_name} CUSUM passed h = {} in the block starting {}.",
            number(change_point.mean_before),
            series.block_start(before_start),
            series.block_end(before_end),
            count(before_end - before_start, "block", "blocks"),
            number(change_point.mean_after),
            date,
            series.block_end(after_end),
            count(after_end - after_start, "block", "blocks"),
            signed_number(change_point.size()),
            signed_number(change_point.size() / sigma),
            number(series.parameters.threshold_h),
            series.block_start(change_point.signal_index),
        ),
        evidence,
    }
}

fn series_summary(
    context: &Context,
    accounts: &[WatchAccount],
    all_series: &[Series],
    kind: SeriesKind,
    unlinked_rows: usize,
) -> Insight {
    let mut tally = Tally::default();
    let (mut with_change, mut rises, mut falls) = (0, 0, 0);
    let mut evidence = Vec::new();
    let (_, row_many) = kind.rows_words();
    for (account, series) in accounts.iter().zip(all_series) {
        match &series.outcome {
            None => tally.exclude(format!("no {row_many} in the series span")),
            Some(Outcome::TooShort { .. }) => {
                tally.exclude("series shorter than two minimum segments")
            }
            Some(Outcome::Constant { .. }) => {
                tally.count();
                evidence.extend(account.ending.iter().map(|s| end_evidence(*s)));
            }
            Some(Outcome::Tested { change_points, .. }) => {
                tally.count();
                evidence.extend(account.ending.iter().map(|s| end_evidence(*s)));
                if !change_points.is_empty() {
                    with_change += 1;
                }
                for change_point in change_points {
                    match change_point.direction {
                        Direction::Rise => rises += 1,
                        Direction::Fall => falls += 1,
                    }
                    evidence.extend(series.rows[change_point.index].iter().cloned());
                }
            }
        }
    }
    let what = match kind {
        SeriesKind::Usage => "weekly usage series",
        SeriesKind::Tickets => "weekly ticket series",
    };
    let mut text = format!(
        "Of {} with a term ending in the window, {} a {what} tested ({}): {with_change} show at least one change point ({rises} rises and {falls} falls in all).",
        count(accounts.len(), "account", "accounts"),
        if tally.n == 1 {
            "1 has".to_string()
        } else {
            format!("{} have", tally.n)
        },
        parameters_words(&Parameters {
            threshold_h: context.settings.change_point_h,
            drift_k: context.settings.change_point_k,
            min_segment: context.settings.change_point_min_weeks,
        })
    );
    if unlinked_rows > 0 {
        text.push_str(&format!(
            " {} belong to no account (their subscription is not in the subscription table).",
            count(unlinked_rows, row_many, row_many)
        ));
    }
    Insight {
        key: format!("renewals.{}_change_points.all", kind.key()),
        module: Module::Renewals,
        measure: format!("{}_change_points", kind.key()),
        subject: team_subject(),
        value: Some(with_change as f64),
        unit: Unit::Count,
        reference: Some(Reference::Setting {
            name: "change_point_h".into(),
            value: context.settings.change_point_h,
        }),
        period: None,
        population: tally.population(format!(
            "accounts with a term ending in the window whose {what} was tested"
        )),
        formula: format!(
            "count of accounts with at least one change point in the series: {}",
            method_words(kind)
        ),
        text,
        evidence,
    }
}

// ---------------------------------------------------------------------------------------------
// Stakeholder fields

/// One stakeholder field of one account, as read.
enum Read {
    /// The account is not in the accounts table, or it has no deal in the snapshot, or the deals'
    /// export has no such column.
    NotRead(&'static str),
    /// Filled on this many of these rows (the account row: 1 of 1).
    Read { filled: usize, of: usize },
}

fn read_owner(account: &WatchAccount) -> Read {
    match account.account {
        None => Read::NotRead("not in the accounts table"),
        Some(_) if !account.owner_column => Read::NotRead(
            "no row of its accounts file has an owner, read as a file without the column",
        ),
        Some(row) => Read::Read {
            filled: usize::from(
                row.row
                    .owner
                    .as_deref()
                    .is_some_and(|o| !o.trim().is_empty()),
            ),
            of: 1,
        },
    }
}

fn read_deal_field(account: &WatchAccount, field: &str) -> Read {
    if account.deals.is_empty() {
        return Read::NotRead("no deal of the account in the current snapshot");
    }
    let mut of = 0;
    let mut filled = 0;
    for deal in &account.deals {
        if let Some(value) = deal.opp.evidence.get(field) {
            of += 1;
            if value.as_deref().is_some_and(|v| !v.trim().is_empty()) {
                filled += 1;
            }
        }
    }
    if of == 0 {
        Read::NotRead("the export of its deals has no such column")
    } else {
        Read::Read { filled, of }
    }
}

fn deal_field_evidence(context: &Context, account: &WatchAccount, field: &str) -> Vec<EvidenceRef> {
    account
        .deals
        .iter()
        .filter_map(|deal| {
            let value = deal.opp.evidence.get(field)?;
            Some(context.row_evidence(deal, Some(field), value.clone()))
        })
        .collect()
}

fn stakeholders(context: &Context, account: &WatchAccount) -> Insight {
    let snapshot = context.current().as_of;
    let mut parts = Vec::new();
    let mut present = 0;
    let mut evidence = Vec::new();
    match read_owner(account) {
        Read::NotRead(reason) => parts.push(format!("account owner not read ({reason})")),
        Read::Read { filled, .. } => {
            if let Some(row) = account.account {
                evidence.push(account_evidence(row));
            }
            if filled > 0 {
                present += 1;
                parts.push("account owner filled in the accounts table".to_string());
            } else {
                parts.push("account owner empty in the accounts table".to_string());
            }
        }
    }
    for field in STAKEHOLDER_FIELDS {
        match read_deal_field(account, field) {
            Read::NotRead(reason) => parts.push(format!("{field} not read ({reason})")),
            Read::Read { filled, of } => {
                if filled > 0 {
                    present += 1;
                }
                parts.push(format!(
                    "{field} filled on {filled} of {} of this account in the snapshot of {snapshot}",
                    count(of, "deal", "deals")
                ));
                evidence.extend(deal_field_evidence(context, account, field));
            }
        }
    }
    Insight {
        key: format!("renewals.stakeholders.{}", account.id),
        module: Module::Renewals,
        measure: "stakeholders".into(),
        subject: account.subject(),
        value: Some(present as f64),
        unit: Unit::Count,
        reference: None,
        period: None,
        population: Population {
            description: format!(
                "the row of {} in the accounts table (owner) and its deals in the snapshot of {snapshot} (Economic Buyer, Champion)",
                account.words()
            ),
            n: evidence.len(),
            excluded: Vec::new(),
        },
        formula: "count of the stakeholder fields present: account owner filled on the account's row; Economic Buyer, Champion each filled on at least one of the account's deals".into(),
        text: format!("Stakeholder fields: {}.", parts.join("; ")),
        evidence,
    }
}

/// For each stakeholder field, how many watchlist accounts have it present.
fn stakeholder_summaries(context: &Context, accounts: &[WatchAccount]) -> Vec<Insight> {
    let snapshot = context.current().as_of;
    let mut fields: Vec<(&str, String)> = vec![("account_owner", "Account owner".to_string())];
    fields.extend(STAKEHOLDER_FIELDS.iter().map(|f| (*f, f.to_string())));
    let mut out = Vec::new();
    for (field, label) in fields {
        let mut tally = Tally::default();
        let mut present = 0;
        let mut evidence = Vec::new();
        for account in accounts {
            let read = if field == "account_owner" {
                read_owner(account)
            } else {
                read_deal_field(account, field)
            };
            match read {
                Read::NotRead(reason) => tally.exclude(reason),
                Read::Read { filled, .. } => {
                    tally.count();
                    if filled > 0 {
                        present += 1;
                    }
                    if field == "account_owner" {
                        evidence.extend(account.account.map(account_evidence));
                    } else {
                        evidence.extend(deal_field_evidence(context, account, field));
                    }
                }
            }
        }
        let slug = field.to_lowercase().replace(' ', "_");
        let source = if field == "account_owner" {
            "the owner column of the accounts table".to_string()
        } else {
            format!("the {label} field of the accounts' deals in the snapshot of {snapshot}")
        };
        out.push(Insight {
            key: format!("renewals.stakeholder_{slug}.all"),
            module: Module::Renewals,
            measure: format!("stakeholder_{slug}"),
            subject: team_subject(),
            value: Some(present as f64),
            unit: Unit::Count,
            reference: None,
            period: None,
            population: tally.population(format!(
                "accounts with a term ending in the window for which {source} is read"
            )),
            formula: if field == "account_owner" {
                "count of accounts whose row in the accounts table has an owner".into()
            } else {
                format!("count of accounts with {label} filled on at least one of their deals")
            },
            text: format!(
                "{label} present for {present} of {} read ({source}); {} not read.",
                count(tally.n, "account", "accounts"),
                accounts.len() - tally.n
            ),
            evidence,
        });
    }
    out
}

// ---------------------------------------------------------------------------------------------
// One subscription in the window

fn term_end(
    context: &Context,
    window: &Period,
    subscription: Row<Subscription>,
    account: Option<&WatchAccount>,
) -> Insight {
    let currency = context.currency.as_deref();
    let row = subscription.row;
    let account_label = account.map_or_else(|| row.account_id.clone(), WatchAccount::label);
    let account_words = format!("account {}", row.account_id);
    let end = row.end_date.unwrap_or(window.end);
    let days = (end - context.as_of).num_days();
    let mut facts = Vec::new();
    if let Some(plan) = row.plan.as_deref() {
        facts.push(plan.to_string());
    }
    if let Some(seats) = row.seats {
        facts.push(format!("{} seats", number(seats)));
    }
    if let Some(mrr) = row.mrr {
        facts.push(format!("MRR {}", money(mrr, currency)));
    }
    if let Some(arr) = arr(row) {
        facts.push(format!("ARR {}", money(arr, currency)));
    }
    if let Some(billing) = row.billing_frequency.as_deref() {
        facts.push(format!("{billing} billing"));
    }
    if let Some(auto_renew) = row.auto_renew {
        facts.push(format!(
            "auto-renew {}",
            if auto_renew { "on" } else { "off" }
        ));
    }
    let flags: BTreeMap<&str, Option<bool>> = BTreeMap::from([
        ("trial", row.is_trial),
        ("upgrade flag", row.upgrade),
        ("downgrade flag", row.downgrade),
        ("churn flag", row.churned),
    ]);
    let set: Vec<&str> = flags
        .iter()
        .filter(|(_, value)| **value == Some(true))
        .map(|(name, _)| *name)
        .collect();
    if !set.is_empty() {
        facts.push(set.join(", "));
    }
    let term = match row.start_date {
        Some(start) => format!("term {start} to {end}"),
        None => format!("term ending {end} (no start date)"),
    };
    Insight {
        key: format!("renewals.term_end.{}", row.id),
        module: Module::Renewals,
        measure: "term_end".into(),
        subject: Subject {
            kind: SubjectKind::Record,
            id: row.id.clone(),
            label: format!("{} ({account_label})", row.id),
        },
        value: Some(days as f64),
        unit: Unit::Days,
        reference: window_reference(context),
        period: Some(window.clone()),
        population: Population {
            description: format!("the subscription row {}", row.id),
            n: 1,
            excluded: Vec::new(),
        },
        formula: "end date − as-of date, in days".into(),
        text: format!(
            "Subscription {} of {account_words}{}; {term}, ending {} after the as-of date.",
            row.id,
            if facts.is_empty() {
                String::new()
            } else {
                format!(" ({})", facts.join(", "))
            },
            count(days.max(0) as usize, "day", "days")
        ),
        evidence: vec![end_evidence(subscription)],
    }
}
