//! Descriptive analytics: what the pipeline data shows, each finding with its evidence.
//!
//! Everything the engine surfaces is an [`Insight`]: what was measured, about whom, the observed
//! value, what it is held against, the period, the population counted (and what was left out and
//! why), the formula in words, and the rows behind it ([`EvidenceRef`]).
//! Text comes from templates in the module files; [`lexicon`] holds the phrases no text may contain.
//!
//! **What this module must not do:** judge or advise. There is no score, no severity, no
//! recommendation field, and no ranking of people. Thresholds are [`Settings`] the user owns; an
//! attention filter says which records match, never that matching is bad.
//!
//! The entry point is [`analyze`]: a [`Dataset`] (snapshots, history, users) and [`Settings`]
//! (with the as-of date, since the core reads no clock) in, an [`Analysis`] out.

pub mod changepoint;
mod charts;
mod coaching;
mod cockpit;
mod context;
mod evidence;
mod forecast;
mod hygiene;
mod ledger;
pub mod lexicon;
mod patterns;
mod plays;
mod poc;
mod program;
mod record;
pub mod render;
mod renewals;
pub mod stats;
mod territory;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::import::{ImportReport, TableKind};
use crate::model::{
    Account, ChurnEvent, ExperimentAssignment, HistoryEvent, ProgramMilestones, Snapshot,
    Subscription, Text, Ticket, UsagePoint, User,
};

pub use charts::{Chart, ChartKind, ChartPoint};
pub use context::{Context, Index, Period};
pub use ledger::{Change, ChangeKind, ledger};
pub use program::{ConditionTest, ExperimentCondition, ProgramMetric, ProgramTarget};
pub use record::{
    Comparison, EvidenceFieldStatus, FieldRead, PAGE_FIELDS_LOOKED_FOR, PageComparison, PageField,
    PageReading, PageRecord, RecordMatch, RecordRow, RecordView, read_page, record_view,
};
pub use render::markdown;
pub use territory::SegmentTarget;

/// The version of the JSON shape of [`Analysis`]; raised whenever a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 1;

/// The data an analysis reads: every snapshot of the opportunity list, the field history, the
/// users (to show owner names where exports carry user ids), and the account, renewal and program
/// tables, each with the file it came from (for evidence).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Dataset {
    pub snapshots: Vec<Snapshot>,
    pub history: Vec<HistoryLog>,
    pub users: Vec<User>,
    pub accounts: Vec<FileRows<Account>>,
    pub subscriptions: Vec<FileRows<Subscription>>,
    pub usage: Vec<FileRows<UsagePoint>>,
    pub tickets: Vec<FileRows<Ticket>>,
    pub churn_events: Vec<FileRows<ChurnEvent>>,
    pub milestones: Vec<FileRows<ProgramMilestones>>,
    pub assignments: Vec<FileRows<ExperimentAssignment>>,
}

/// The rows of one imported table, with the file they came from (evidence names the file and line).
#[derive(Debug, Clone, Serialize)]
pub struct FileRows<T> {
    pub source_file: Arc<str>,
    pub rows: Vec<T>,
}

impl<T> FileRows<T> {
    /// Every row of every file, with its file name.
    pub fn iter_all(files: &[FileRows<T>]) -> impl Iterator<Item = (&Arc<str>, &T)> {
        files
            .iter()
            .flat_map(|file| file.rows.iter().map(move |row| (&file.source_file, row)))
    }
}

/// What [`Dataset::add`] did with an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Added {
    /// An opportunity list, kept as the snapshot of this date.
    Snapshot(NaiveDate),
    History,
    Users,
    /// An account, renewal or program table, kept for the modules that read it.
    Table(TableKind),
    /// A table kind no module of this analysis reads (roles).
    NotRead,
}

impl Dataset {
    /// The date of the newest snapshot: the as-of date an analysis takes when the user pins none.
    pub fn latest_snapshot(&self) -> Option<NaiveDate> {
        self.snapshots.iter().map(|snapshot| snapshot.as_of).max()
    }

    /// Adds one import. An opportunity list becomes a snapshot dated by its own as-of date (a report
    /// footer or the date given at import), else by `undated_as_of`.
    pub fn add(&mut self, report: ImportReport, undated_as_of: NaiveDate) -> Added {
        let file: Arc<str> = Arc::from(report.file_name);
        match report.format.kind {
            TableKind::Opportunities => {
                let as_of = report.as_of.unwrap_or(undated_as_of);
                if !report.data.history.is_empty() {
                    // HubSpot's "Date entered" columns give history along with the deals.
                    self.history.push(HistoryLog {
                        source_file: file.clone(),
                        events: report.data.history,
                    });
                }
                self.snapshots.push(Snapshot {
                    as_of,
                    source_file: file,
                    opportunities: report.data.opportunities,
                });
                Added::Snapshot(as_of)
            }
            TableKind::OpportunityHistory | TableKind::FieldHistory => {
                self.history.push(HistoryLog {
                    source_file: file,
                    events: report.data.history,
                });
                Added::History
            }
            TableKind::Users => {
                self.users.extend(report.data.users);
                Added::Users
            }
            kind => {
                let data = report.data;
                let pushed = push_rows(&mut self.accounts, &file, data.accounts)
                    | push_rows(&mut self.subscriptions, &file, data.subscriptions)
                    | push_rows(&mut self.usage, &file, data.usage)
                    | push_rows(&mut self.tickets, &file, data.tickets)
                    | push_rows(&mut self.churn_events, &file, data.churn_events)
                    | push_rows(&mut self.milestones, &file, data.milestones)
                    | push_rows(&mut self.assignments, &file, data.assignments);
                if pushed {
                    Added::Table(kind)
                } else {
                    Added::NotRead
                }
            }
        }
    }
}

/// Keeps `rows` under their file name; false when there are none.
fn push_rows<T>(files: &mut Vec<FileRows<T>>, source_file: &Arc<str>, rows: Vec<T>) -> bool {
    if rows.is_empty() {
        return false;
    }
    files.push(FileRows {
        source_file: source_file.clone(),
        rows,
    });
    true
}

/// The change events of one history export, with the file they came from (for evidence).
#[derive(Debug, Clone, Serialize)]
pub struct HistoryLog {
    pub source_file: Arc<str>,
    pub events: Vec<HistoryEvent>,
}

/// The user's settings. Every threshold is here with a neutral default; none is built into a module.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// The date the analysis describes. The latest snapshot on or before it is "current".
    pub as_of: NaiveDate,
    /// First month (1–12) of the fiscal year; periods are fiscal quarters.
    pub fiscal_year_start_month: u32,
    /// The plan (quota) for the current period, in the reporting currency, when the user set one.
    pub plan: Option<f64>,
    /// The currency amounts are reported in. Unset: the currency most deals of the current snapshot carry.
    pub currency: Option<String>,
    /// Attention filter: open deals whose days in their current stage lie above this percentile of
    /// the team's days in that stage.
    pub stage_age_percentile: f64,
    /// Attention filter: open deals whose last activity is more than this many days before the as-of date.
    pub no_activity_days: i64,
    /// Attention filter: open deals whose close date moved at least this many times.
    pub push_count_at_least: u32,
    /// Anomaly band width: a value is outside its own history when it lies more than `k` scaled
    /// median absolute deviations from the median of that history.
    pub anomaly_k: f64,
    /// The fewest earlier points a series needs before it is tested for anomalies.
    pub anomaly_min_points: usize,
    /// The earlier snapshot of the forecast module's change ledger. Unset: the latest snapshot on or
    /// before the first day of the period (the quarter to date), else the oldest snapshot.
    pub ledger_from: Option<NaiveDate>,
    /// How many days back closed deals count for win rates, cycle lengths and stage distributions.
    pub lookback_days: i64,
    /// The GTM programs' baselines and targets, one entry per metric (and program, when named),
    /// as the user entered them. Empty: the scorecard shows its values without them.
    #[serde(default)]
    pub program_targets: Vec<ProgramTarget>,
    /// The team's pre-registered experiment conditions ("relative lift ≥ 15%", "at least 100
    /// accounts per arm", "interval lower bound above 0"); each readout says which of them hold.
    #[serde(default)]
    pub experiment_conditions: Vec<ExperimentCondition>,
    /// The arm name that marks an experiment's control arm, compared without regard to case or
    /// surrounding spaces; every other arm is a treatment arm read against it.
    #[serde(default = "default_control_arm")]
    pub control_arm: String,
    /// The two-sided confidence level of the experiment intervals (0.95 for 95%).
    #[serde(default = "default_experiment_confidence")]
    pub experiment_confidence: f64,
    /// Renewals watchlist: subscriptions whose term end date lies from the as-of date to this many
    /// days after it.
    #[serde(default = "renewals::default_renewal_window_days")]
    pub renewal_window_days: i64,
    /// Renewals watchlist: the most 7-day blocks (ending on the as-of date) of each account's usage
    /// and ticket series.
    #[serde(default = "renewals::default_renewal_series_weeks")]
    pub renewal_series_weeks: usize,
    /// Change points: a CUSUM above this many standard deviations (h) marks a change of level.
    #[serde(default = "renewals::default_change_point_h")]
    pub change_point_h: f64,
    /// Change points: the drift (k) subtracted at each step of the CUSUM, in standard deviations.
    #[serde(default = "renewals::default_change_point_k")]
    pub change_point_k: f64,
    /// Change points: the fewest 7-day blocks a level spans (and the blocks it is measured on).
    #[serde(default = "renewals::default_change_point_min_weeks")]
    pub change_point_min_weeks: usize,
    /// Months a rep takes to reach full capacity (territory module): a rep who started fewer months
    /// before the as-of date counts months since start ÷ `ramp_months` of a rep. 0: ramp not applied.
    #[serde(default)]
    pub ramp_months: u32,
    /// Targets for the current period by segment (territory module); empty: none set.
    #[serde(default)]
    pub segment_targets: Vec<SegmentTarget>,
    /// Lead source values read as partner-sourced (plays & partners module), compared without
    /// case; empty: every lead source containing the word "partner".
    #[serde(default)]
    pub partner_lead_sources: Vec<String>,
}

fn default_control_arm() -> String {
    "control".to_string()
}

fn default_experiment_confidence() -> f64 {
    0.95
}

impl Settings {
    /// Neutral defaults for the given as-of date.
    pub fn new(as_of: NaiveDate) -> Settings {
        Settings {
            as_of,
            fiscal_year_start_month: 1,
            plan: None,
            currency: None,
            stage_age_percentile: 90.0,
            no_activity_days: 30,
            push_count_at_least: 3,
            anomaly_k: 3.0,
            anomaly_min_points: 8,
            lookback_days: 365,
            ledger_from: None,
            program_targets: Vec::new(),
            experiment_conditions: Vec::new(),
            control_arm: default_control_arm(),
            experiment_confidence: default_experiment_confidence(),
            renewal_window_days: renewals::default_renewal_window_days(),
            renewal_series_weeks: renewals::default_renewal_series_weeks(),
            change_point_h: renewals::default_change_point_h(),
            change_point_k: renewals::default_change_point_k(),
            change_point_min_weeks: renewals::default_change_point_min_weeks(),
            ramp_months: 0,
            segment_targets: Vec::new(),
            partner_lead_sources: Vec::new(),
        }
    }
}

/// Why an analysis could not run at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AnalyzeError {
    /// No opportunity snapshot is dated on or before the as-of date.
    NoSnapshot {
        as_of: NaiveDate,
        earliest: Option<NaiveDate>,
    },
    /// A setting is outside the values it can take.
    Setting { name: String, detail: String },
}

impl fmt::Display for AnalyzeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnalyzeError::NoSnapshot {
                as_of,
                earliest: Some(earliest),
            } => write!(
                f,
                "no opportunity snapshot is dated on or before {as_of}; the earliest is {earliest}"
            ),
            AnalyzeError::NoSnapshot {
                as_of,
                earliest: None,
            } => write!(
                f,
                "no opportunity list was given, so there is nothing to describe as of {as_of}"
            ),
            AnalyzeError::Setting { name, detail } => write!(f, "setting {name}: {detail}"),
        }
    }
}

impl std::error::Error for AnalyzeError {}

/// The outcome of [`analyze`]: the inputs it read and one section of insights per module.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub schema_version: u32,
    pub settings: Settings,
    /// The fiscal quarter containing the as-of date.
    pub period: Period,
    /// The reporting currency; amounts in other currencies are left out of money totals and counted
    /// as exclusions in each population.
    pub currency: Option<String>,
    pub inputs: Inputs,
    pub sections: Vec<Section>,
    /// The numbers behind the panel's charts (see `charts.rs`); each point names its insight.
    #[serde(default)]
    pub charts: Vec<Chart>,
}

impl Analysis {
    /// Every insight of every section.
    pub fn insights(&self) -> impl Iterator<Item = &Insight> {
        self.sections
            .iter()
            .flat_map(|section| section.insights.iter())
    }
}

/// What the analysis was computed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inputs {
    /// The snapshot treated as current (the latest on or before the as-of date).
    pub current: SnapshotInfo,
    /// The snapshot before it, when there is one: the base of "changes since the last snapshot".
    pub previous: Option<SnapshotInfo>,
    /// Every snapshot on or before the as-of date, oldest first.
    pub snapshots: Vec<SnapshotInfo>,
    /// History events dated on or before the as-of date.
    pub history_events: usize,
    /// History events dated after the as-of date, left out.
    pub history_events_after_as_of: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotInfo {
    pub as_of: NaiveDate,
    pub source_files: Vec<String>,
    pub opportunities: usize,
}

/// The modules of the engine, one section each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Module {
    Cockpit,
    Forecast,
    Hygiene,
    Evidence,
    Patterns,
    Poc,
    Program,
    Renewals,
    Coaching,
    Territory,
    Plays,
}

impl Module {
    /// The module's name in keys, file names and sheet names (`cockpit`, `poc`, …), as in the JSON.
    pub fn key(self) -> &'static str {
        match self {
            Module::Cockpit => "cockpit",
            Module::Forecast => "forecast",
            Module::Hygiene => "hygiene",
            Module::Evidence => "evidence",
            Module::Patterns => "patterns",
            Module::Poc => "poc",
            Module::Program => "program",
            Module::Renewals => "renewals",
            Module::Coaching => "coaching",
            Module::Territory => "territory",
            Module::Plays => "plays",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Module::Cockpit => "Cockpit",
            Module::Forecast => "Forecast & inspection",
            Module::Hygiene => "Pipeline quality & hygiene",
            Module::Evidence => "Evidence",
            Module::Patterns => "Patterns, anomalies and dichotomies",
            Module::Poc => "POC governance",
            Module::Program => "GTM program scorecard and experiments",
            Module::Renewals => "Renewals & expansion watchlist",
            Module::Coaching => "Coaching view",
            Module::Territory => "Territory & coverage",
            Module::Plays => "Plays & partners",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub module: Module,
    pub title: String,
    pub insights: Vec<Insight>,
}

/// One thing the engine surfaces, with everything needed to check it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Insight {
    /// Stable identifier, unique within an analysis: `<module>.<measure>.<subject key>`.
    pub key: String,
    pub module: Module,
    /// What was measured, as a machine key (`pipeline_coverage`, `days_in_stage`, …).
    pub measure: String,
    pub subject: Subject,
    /// The observed value; `None` when it is undefined (the text says why, e.g. no closed deals).
    pub value: Option<f64>,
    pub unit: Unit,
    /// What the value is held against, when anything.
    pub reference: Option<Reference>,
    pub period: Option<Period>,
    pub population: Population,
    /// The formula in words.
    pub formula: String,
    /// The sentence shown to the user.
    pub text: String,
    /// The rows behind the number.
    pub evidence: Vec<EvidenceRef>,
}

/// Whom or what an insight is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    pub kind: SubjectKind,
    /// Machine key: a record id, an owner name, a stage, a category, or `all`.
    pub id: String,
    pub label: String,
}

impl Subject {
    /// The whole team (`all`, "Team").
    pub fn team() -> Subject {
        Subject {
            kind: SubjectKind::Team,
            id: "all".into(),
            label: "Team".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// The whole current opportunity list.
    Pipeline,
    Record,
    Rep,
    Team,
    Segment,
    Stage,
    ForecastCategory,
    LeadSource,
    /// An evidence field (MEDDPICC, next step, …).
    Field,
    /// A week of the quarter or another time bucket.
    Period,
    /// A GTM program of the program milestones table.
    Program,
    /// One treatment arm of an experiment, read against the control arm.
    Experiment,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Unit {
    Count,
    Money {
        currency: Option<String>,
    },
    Days,
    /// A share, 0–1 (shown as a percentage).
    Ratio,
    /// A multiple (coverage 2.4×).
    Multiple,
    /// Money per day (sales velocity).
    MoneyPerDay {
        currency: Option<String>,
    },
}

/// What a value is held against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Reference {
    /// A number the user set (plan, a threshold).
    Setting { name: String, value: f64 },
    /// A distribution of comparable values: where this value sits in it.
    Distribution {
        /// Which values make up the distribution.
        description: String,
        n: usize,
        p50: f64,
        p90: f64,
        /// Share of the distribution at or below the value, in percent (ties counted as half).
        percentile: f64,
    },
    /// The entity's own earlier values and the robust band around them.
    OwnHistory {
        /// The method in words (median ± k × scaled MAD over the earlier points).
        method: String,
        n: usize,
        median: f64,
        low: f64,
        high: f64,
    },
    /// The same measure at an earlier date.
    Earlier { as_of: NaiveDate, value: f64 },
    /// A second measure, for a dichotomy: how it moved over the same period.
    SecondMeasure {
        measure: String,
        from: f64,
        to: f64,
        /// Relative change, (to − from) ÷ |from|; `None` when `from` is 0.
        change: Option<f64>,
    },
    /// The program's baseline and target for this metric, as the user entered them.
    Target { baseline: f64, target: f64 },
    /// The control arm of an experiment, and the intervals of the treatment arm against it.
    Experiment {
        control_arm: String,
        /// The control arm's value (a proportion 0–1, or a mean in days); `None` when undefined.
        control_value: Option<f64>,
        control_n: usize,
        treatment_arm: String,
        treatment_value: Option<f64>,
        treatment_n: usize,
        /// Two-sided confidence level of both intervals (0.95).
        level: f64,
        /// Treatment − control, with its interval and the interval method in words.
        difference: Option<f64>,
        difference_low: Option<f64>,
        difference_high: Option<f64>,
        difference_method: String,
        /// Treatment ÷ control − 1 (the insight's value), with its interval and method.
        relative_lift_low: Option<f64>,
        relative_lift_high: Option<f64>,
        relative_lift_method: String,
    },
    /// One of the team's pre-registered experiment conditions and whether it holds.
    Condition {
        /// 1-based position of the condition in the settings.
        index: usize,
        /// The condition in words ("pilot start rate: relative lift ≥ +15.0%").
        condition: String,
        threshold: f64,
        status: ConditionStatus,
    },
}

/// Whether a pre-registered experiment condition holds on the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConditionStatus {
    Holds,
    DoesNotHold,
    /// A value the condition reads is undefined (an empty arm, a zero rate, too few values).
    CannotBeEvaluated,
}

/// Who was counted.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Population {
    /// Which records, in words ("open deals in the current snapshot with a close date in the period").
    pub description: String,
    pub n: usize,
    /// What was left out, and why.
    pub excluded: Vec<Exclusion>,
}

impl Population {
    /// Adds exclusions, merging those with the same reason.
    pub fn add_excluded(&mut self, more: impl IntoIterator<Item = Exclusion>) {
        for exclusion in more {
            match self
                .excluded
                .iter_mut()
                .find(|e| e.reason == exclusion.reason)
            {
                Some(existing) => existing.n += exclusion.n,
                None => self.excluded.push(exclusion),
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exclusion {
    pub n: usize,
    pub reason: String,
}

/// One row behind a number: a snapshot row or a history row.
///
/// An analysis lists a great many of these (about 218,000 for a district), and copies some into
/// several insights: the file name is shared, and a field name Lens knows is not copied at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceRef {
    pub record_id: Text,
    /// The field this row contributes (`amount`, `close_date`, …); `None` for the row as a whole.
    pub field: Option<Cow<'static, str>>,
    pub old_value: Option<Text>,
    pub new_value: Option<Text>,
    /// When the change happened (history rows).
    pub at: Option<NaiveDateTime>,
    /// The snapshot date (snapshot rows).
    pub as_of: Option<NaiveDate>,
    pub source_file: Arc<str>,
    pub line: u64,
}

/// Runs every module on the data as of `settings.as_of`.
pub fn analyze(dataset: &Dataset, settings: &Settings) -> Result<Analysis, AnalyzeError> {
    analyze_indexed(&Index::new(dataset), settings)
}

/// [`analyze`] on a dataset indexed once with [`Index::new`], for callers that analyse the same
/// data several times (the panel, as the user changes settings).
pub fn analyze_indexed(index: &Index, settings: &Settings) -> Result<Analysis, AnalyzeError> {
    let context = Context::new(index, settings)?;
    program::check_settings(settings)?;
    renewals::check_settings(settings)?;
    // Read once and shared: the stage stays and ages (hygiene, coaching) and the forecast accuracy
    // sums (forecast, coaching), the costly readings of the history and the snapshots.
    let stage_durations = hygiene::StageDurations::new(&context);
    let forecast_accuracy = forecast::accuracy_tables(&context);
    let (hygiene_insights, attention_filters) =
        hygiene::insights_and_filters(&context, &stage_durations);
    let sections = vec![
        section(
            Module::Cockpit,
            cockpit::insights(&context, attention_filters),
        ),
        section(
            Module::Forecast,
            forecast::insights(&context, &forecast_accuracy),
        ),
        section(Module::Hygiene, hygiene_insights),
        section(Module::Evidence, evidence::insights(&context)),
        section(Module::Patterns, patterns::insights(&context)),
        section(Module::Poc, poc::insights(&context)),
        section(Module::Program, program::insights(&context)),
        section(Module::Renewals, renewals::insights(&context)),
        section(
            Module::Coaching,
            coaching::insights(&context, &stage_durations, &forecast_accuracy),
        ),
        section(Module::Territory, territory::insights(&context)),
        section(Module::Plays, plays::insights(&context)),
    ];
    Ok(Analysis {
        schema_version: SCHEMA_VERSION,
        settings: settings.clone(),
        period: context.period.clone(),
        currency: context.currency.clone(),
        inputs: context.inputs(),
        charts: charts::charts(&context, &sections),
        sections,
    })
}

fn section(module: Module, insights: Vec<Insight>) -> Section {
    Section {
        module,
        title: module.title().to_string(),
        insights,
    }
}
