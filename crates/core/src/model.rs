//! The typed data Lens works on once an export has been imported.
//!
//! Every record keeps a [`SourceRef`] (the file's line or spreadsheet row it came from) so that any
//! number computed later can point back at the rows behind it.
//! These types hold values only: no parsing and no analytics live here.

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use rustc_hash::FxHashSet;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub(crate) mod text;

pub use text::{SharedTexts, Text};

/// Where a record came from: the 1-based line of a CSV file (the line on which the record starts)
/// or the 1-based row of a spreadsheet.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct SourceRef {
    pub line: u64,
}

/// Whether a deal is still open or was closed, and how.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub enum DealStatus {
    #[default]
    Open,
    Won,
    Lost,
}

impl DealStatus {
    /// The status as evidence rows and the change ledger name it.
    pub fn word(self) -> &'static str {
        match self {
            DealStatus::Open => "open",
            DealStatus::Won => "won",
            DealStatus::Lost => "lost",
        }
    }
}

/// The forecast category of a deal, normalised across CRMs.
///
/// Salesforce's API value `Forecast` is labelled "Commit", `BestCase` "Best Case";
/// Dynamics 365 says "Committed", "Best case", "Won" and "Lost" (the last two map to [`Closed`](Self::Closed)).
/// A value Lens does not know is kept verbatim in [`Other`](Self::Other), never dropped.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ForecastCategory {
    Pipeline,
    BestCase,
    MostLikely,
    Commit,
    Closed,
    Omitted,
    Other(String),
}

impl ForecastCategory {
    /// The label Lens shows for this category.
    pub fn label(&self) -> &str {
        match self {
            ForecastCategory::Pipeline => "Pipeline",
            ForecastCategory::BestCase => "Best Case",
            ForecastCategory::MostLikely => "Most Likely",
            ForecastCategory::Commit => "Commit",
            ForecastCategory::Closed => "Closed",
            ForecastCategory::Omitted => "Omitted",
            ForecastCategory::Other(text) => text,
        }
    }
}

/// One opportunity (deal) as it stood in one export.
///
/// `Default` is an open deal with every field empty, for building records in code
/// (`Opportunity { id, name, ..Default::default() }`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Opportunity {
    /// The CRM record id; where the export has none, a key derived from the name (`name:<name>`).
    pub id: Text,
    pub name: Text,
    pub account_id: Option<Text>,
    pub account_name: Option<Text>,
    /// The owner's display name (reports) or user id (data exports).
    pub owner: Option<Text>,
    pub owner_manager: Option<Text>,
    pub team: Option<Text>,
    pub region: Option<Text>,
    pub segment: Option<Text>,
    pub stage: Option<Text>,
    /// Position of the stage in the sales process, when the export or the mapping says it.
    pub stage_order: Option<u32>,
    pub status: DealStatus,
    pub forecast_category: Option<ForecastCategory>,
    pub amount: Option<f64>,
    /// ISO 4217 code, from a currency column or a prefix on the amount ("USD 485,000.00").
    pub currency: Option<Text>,
    /// Percent, 0–100.
    pub probability: Option<f64>,
    #[serde(default, with = "stored::option_date")]
    pub close_date: Option<NaiveDate>,
    #[serde(default, with = "stored::option_date")]
    pub created_date: Option<NaiveDate>,
    #[serde(default, with = "stored::option_date")]
    pub last_activity_date: Option<NaiveDate>,
    /// The date the deal entered its current stage, when the export carries it.
    #[serde(default, with = "stored::option_date")]
    pub stage_entered_date: Option<NaiveDate>,
    pub next_step: Option<Text>,
    pub opportunity_type: Option<Text>,
    pub lead_source: Option<Text>,
    pub partner: Option<Text>,
    /// Evidence fields present in the export (MEDDPICC, paper process, security review, …), by
    /// canonical name. A key is present when the export has the column; the value is `None` when the
    /// cell is empty.
    pub evidence: EvidenceFields,
    pub source: SourceRef,
}

/// The field a history event changed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum HistoryField {
    /// The record was created (first history row).
    Created,
    Stage,
    Amount,
    CloseDate,
    ForecastCategory,
    Probability,
    /// Any other tracked field, by the name the export gives it.
    Other(String),
}

/// One change to one field of one opportunity.
///
/// Values are canonical text: dates as `YYYY-MM-DD`, numbers without grouping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEvent {
    pub opportunity_id: Text,
    pub field: HistoryField,
    pub old_value: Option<Text>,
    pub new_value: Option<Text>,
    #[serde(with = "stored::datetime")]
    pub at: NaiveDateTime,
    pub by: Option<Text>,
    pub source: SourceRef,
}

/// An opportunity list as it stood on one date: each import of an opportunity export is one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    #[serde(with = "stored::date")]
    pub as_of: NaiveDate,
    /// Shared with every evidence row that names it.
    pub source_file: Arc<str>,
    pub opportunities: Vec<Opportunity>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub name: Option<String>,
    pub industry: Option<String>,
    pub segment: Option<String>,
    pub country: Option<String>,
    pub owner: Option<String>,
    pub account_type: Option<String>,
    pub parent_id: Option<String>,
    #[serde(default, with = "stored::option_date")]
    pub created_date: Option<NaiveDate>,
    pub source: SourceRef,
}

/// A CRM user (sales rep, manager), with the reporting line when the export has it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub name: Option<String>,
    pub manager_id: Option<String>,
    pub role_id: Option<String>,
    pub is_active: Option<bool>,
    /// The day the user started (hire or start date), when the export carries it.
    #[serde(default, with = "stored::option_date")]
    pub start_date: Option<NaiveDate>,
    pub source: SourceRef,
}

/// A role in the CRM's role hierarchy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Role {
    pub id: String,
    pub name: Option<String>,
    pub parent_role_id: Option<String>,
    pub source: SourceRef,
}

/// A subscription (contract term) of an account: the unit of the renewals watchlist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    pub id: String,
    pub account_id: String,
    #[serde(default, with = "stored::option_date")]
    pub start_date: Option<NaiveDate>,
    #[serde(default, with = "stored::option_date")]
    pub end_date: Option<NaiveDate>,
    pub plan: Option<String>,
    pub seats: Option<f64>,
    pub mrr: Option<f64>,
    pub arr: Option<f64>,
    pub billing_frequency: Option<String>,
    pub auto_renew: Option<bool>,
    pub is_trial: Option<bool>,
    pub upgrade: Option<bool>,
    pub downgrade: Option<bool>,
    pub churned: Option<bool>,
    pub source: SourceRef,
}

/// One observation of a usage series: a metric counted on a date for a subscription or account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsagePoint {
    pub id: Option<String>,
    pub subscription_id: Option<String>,
    pub account_id: Option<String>,
    #[serde(with = "stored::date")]
    pub date: NaiveDate,
    pub metric: Option<String>,
    pub count: f64,
    pub duration_seconds: Option<f64>,
    pub errors: Option<f64>,
    pub source: SourceRef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: String,
    pub account_id: String,
    #[serde(with = "stored::datetime")]
    pub opened: NaiveDateTime,
    #[serde(default, with = "stored::option_datetime")]
    pub closed: Option<NaiveDateTime>,
    pub priority: Option<String>,
    pub resolution_hours: Option<f64>,
    pub first_response_minutes: Option<f64>,
    pub satisfaction: Option<f64>,
    pub escalated: Option<bool>,
    pub source: SourceRef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChurnEvent {
    pub id: Option<String>,
    pub account_id: String,
    #[serde(with = "stored::date")]
    pub date: NaiveDate,
    pub reason: Option<String>,
    pub refund_amount: Option<f64>,
    pub is_reactivation: Option<bool>,
    pub source: SourceRef,
}

/// The dated steps of one account through a GTM program (pilot, security review, contract,
/// activation, churn), the input of the program scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgramMilestones {
    pub account_id: String,
    pub account_name: Option<String>,
    pub program: Option<String>,
    pub segment: Option<String>,
    #[serde(default, with = "stored::option_date")]
    pub eligible_date: Option<NaiveDate>,
    #[serde(default, with = "stored::option_date")]
    pub pilot_start: Option<NaiveDate>,
    #[serde(default, with = "stored::option_date")]
    pub pilot_end: Option<NaiveDate>,
    #[serde(default, with = "stored::option_date")]
    pub security_review_start: Option<NaiveDate>,
    #[serde(default, with = "stored::option_date")]
    pub security_review_end: Option<NaiveDate>,
    #[serde(default, with = "stored::option_date")]
    pub contract_date: Option<NaiveDate>,
    #[serde(default, with = "stored::option_date")]
    pub activation_date: Option<NaiveDate>,
    #[serde(default, with = "stored::option_date")]
    pub churn_date: Option<NaiveDate>,
    pub source: SourceRef,
}

/// Which arm of which experiment an account was assigned to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentAssignment {
    pub account_id: String,
    pub experiment_id: String,
    pub arm: String,
    #[serde(default, with = "stored::option_date")]
    pub assigned_on: Option<NaiveDate>,
    pub source: SourceRef,
}

/// The evidence fields of one opportunity: (canonical name, cell text) pairs sorted by name.
///
/// A small sorted list rather than a map: an export has a handful of evidence columns, the same
/// for every row, so the list of names is shared (`Arc<[Arc<str>]>`) by every record with the same
/// columns, in an import and across decoded imports, and a record holds only its values (a region
/// holds 3 million records with ten evidence fields each). It serialises as a map (name → value),
/// the same bytes and JSON a `BTreeMap<String, Option<String>>` gives.
#[derive(Clone, Default, PartialEq)]
pub struct EvidenceFields {
    names: NameList,
    values: Vec<Option<Text>>,
}

impl EvidenceFields {
    /// Builds the list from pairs already sorted by name, each name once (as
    /// [`EvidenceFields::sorted_names`] gives them).
    pub fn from_sorted(entries: Vec<(Arc<str>, Option<Text>)>) -> EvidenceFields {
        debug_assert!(entries.windows(2).all(|pair| pair[0].0 < pair[1].0));
        let (names, values): (Vec<_>, Vec<_>) = entries.into_iter().unzip();
        EvidenceFields {
            names: shared_names(names),
            values,
        }
    }

    /// The list of a table's evidence field names, sorted by name and each once, for
    /// [`EvidenceFields::with_values`]: made once per file, shared by each of its records.
    pub fn names_of(names: Vec<Arc<str>>) -> EvidenceNames {
        debug_assert!(names.windows(2).all(|pair| pair[0] < pair[1]));
        EvidenceNames(shared_names(names))
    }

    /// The fields named by `names`, with one value per name, in their order.
    pub fn with_values(names: &EvidenceNames, values: Vec<Option<Text>>) -> EvidenceFields {
        assert_eq!(names.0.len(), values.len(), "one value per evidence field");
        EvidenceFields {
            names: Arc::clone(&names.0),
            values,
        }
    }

    /// Sorts names and drops repeats, keeping the first value of each.
    pub fn sorted_names<T>(mut entries: Vec<(Arc<str>, T)>) -> Vec<(Arc<str>, T)> {
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.dedup_by(|later, earlier| later.0 == earlier.0);
        entries
    }

    /// The value of a field: `None` when the export has no such column, `Some(None)` when the
    /// cell is empty.
    pub fn get(&self, key: &str) -> Option<&Option<Text>> {
        self.position(key).ok().map(|index| &self.values[index])
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_ok()
    }

    /// Sets a field's value, adding the field if the export had no such column.
    pub fn insert(&mut self, key: &str, value: Option<Text>) {
        match self.position(key) {
            Ok(index) => self.values[index] = value,
            Err(index) => {
                let mut names = self.names.to_vec();
                names.insert(index, intern(key));
                self.names = shared_names(names);
                self.values.insert(index, value);
            }
        }
    }

    /// The field names, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.names.iter().map(|key| &**key)
    }

    /// (name, value) pairs, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Option<Text>)> + '_ {
        self.keys().zip(&self.values)
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    fn position(&self, key: &str) -> Result<usize, usize> {
        self.names.binary_search_by(|entry| (**entry).cmp(key))
    }
}

impl fmt::Debug for EvidenceFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: AsRef<str>> FromIterator<(K, Option<Text>)> for EvidenceFields {
    fn from_iter<I: IntoIterator<Item = (K, Option<Text>)>>(iter: I) -> Self {
        let entries = iter
            .into_iter()
            .map(|(key, value)| (intern(key.as_ref()), value))
            .collect();
        EvidenceFields::from_sorted(EvidenceFields::sorted_names(entries))
    }
}

thread_local! {
    /// Evidence field names seen on this thread: a decoded import shares them instead of holding
    /// one copy per record (a region holds millions of records and a few dozen names).
    static FIELD_NAMES: RefCell<FxHashSet<Arc<str>>> = RefCell::new(FxHashSet::default());
}

/// The names of a record's evidence fields, in order, shared by the records with the same.
type NameList = Arc<[Arc<str>]>;

/// The shared names of a table's evidence fields ([`EvidenceFields::names_of`]).
#[derive(Debug, Clone)]
pub struct EvidenceNames(NameList);

thread_local! {
    /// Lists of evidence field names seen on this thread, and the last one asked for (the records
    /// of an import all have the same).
    static NAME_LISTS: RefCell<(FxHashSet<NameList>, NameList)> =
        RefCell::new((FxHashSet::default(), Arc::from([])));
}

/// The shared copy of a list of (shared) field names.
fn shared_names(names: Vec<Arc<str>>) -> NameList {
    NAME_LISTS.with(|lists| {
        let (lists, last) = &mut *lists.borrow_mut();
        let same = |list: &NameList| {
            list.len() == names.len() && list.iter().zip(&names).all(|(a, b)| Arc::ptr_eq(a, b))
        };
        if same(last) {
            return Arc::clone(last);
        }
        let shared = match lists.get(&names[..]) {
            Some(shared) => Arc::clone(shared),
            None => {
                let shared: NameList = Arc::from(names);
                lists.insert(Arc::clone(&shared));
                shared
            }
        };
        *last = Arc::clone(&shared);
        shared
    })
}

/// The shared copy of an evidence field name.
pub fn intern(name: &str) -> Arc<str> {
    FIELD_NAMES.with(|names| intern_in(&mut names.borrow_mut(), name))
}

/// The copy of `name` in `names`, added if it is not there yet (evidence field names, and the
/// texts of [`SharedTexts`]).
fn intern_in(names: &mut FxHashSet<Arc<str>>, name: &str) -> Arc<str> {
    if let Some(shared) = names.get(name) {
        return Arc::clone(shared);
    }
    let shared: Arc<str> = Arc::from(name);
    names.insert(Arc::clone(&shared));
    shared
}

/// A field name as a deserializer gives it: borrowed from the bytes when it can be (chunks of
/// storage encoding 2), the chunk's shared text when the chunk has a table of texts (encoding 3),
/// so that reading a record's evidence fields copies no name.
enum FieldName<'de> {
    Lent(std::borrow::Cow<'de, str>),
    Indexed(Text),
}

impl FieldName<'_> {
    fn as_str(&self) -> &str {
        match self {
            FieldName::Lent(name) => name,
            FieldName::Indexed(name) => name,
        }
    }
}

impl<'de> Deserialize<'de> for FieldName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;

        impl<'de> Visitor<'de> for NameVisitor {
            type Value = FieldName<'de>;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("an evidence field name")
            }

            fn visit_borrowed_str<E>(self, name: &'de str) -> Result<Self::Value, E> {
                Ok(FieldName::Lent(std::borrow::Cow::Borrowed(name)))
            }

            fn visit_str<E>(self, name: &str) -> Result<Self::Value, E> {
                Ok(FieldName::Lent(std::borrow::Cow::Owned(name.to_string())))
            }

            fn visit_string<E>(self, name: String) -> Result<Self::Value, E> {
                Ok(FieldName::Lent(std::borrow::Cow::Owned(name)))
            }
        }

        if text::reads_table(&deserializer) {
            return text::deserialize_text(deserializer).map(FieldName::Indexed);
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

/// A field name written like a [`Text`] (an index in a storage chunk's table of texts).
struct NameOut<'a>(&'a Arc<str>);

impl Serialize for NameOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        text::serialize_text(self.0, serializer)
    }
}

impl Serialize for EvidenceFields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (name, value) in self.names.iter().zip(&self.values) {
            map.serialize_entry(&NameOut(name), value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for EvidenceFields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldsVisitor;

        impl<'de> Visitor<'de> for FieldsVisitor {
            type Value = EvidenceFields;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a map of evidence field names to values")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(access.size_hint().unwrap_or(0).min(256));
                // One visit to the shared names per record (reading a value never interns one).
                FIELD_NAMES.with(|names| {
                    let mut names = names.borrow_mut();
                    while let Some((name, value)) =
                        access.next_entry::<FieldName<'de>, Option<Text>>()?
                    {
                        entries.push((intern_in(&mut names, name.as_str()), value));
                    }
                    Ok(())
                })?;
                // Lens writes the names sorted, each once; anything else is sorted here.
                let sorted = entries.windows(2).all(|pair| pair[0].0 < pair[1].0);
                Ok(EvidenceFields::from_sorted(if sorted {
                    entries
                } else {
                    EvidenceFields::sorted_names(entries)
                }))
            }
        }

        deserializer.deserialize_map(FieldsVisitor)
    }
}

/// How the model's dates are written. Readable formats (JSON, the values the panel and its workers
/// exchange) get chrono's text, `2026-11-13` and `2026-11-13T09:30:00`. Storage chunks (postcard)
/// get numbers: a date as its day counted from the common era, a date and time as that day, the
/// second of the day and the nanosecond; reading one back is a varint, not a parse.
///
/// Chunks of storage encoding 1 held the text; [`stored::read_text_dates`] reads them.
pub(crate) mod stored {
    use std::cell::Cell;

    use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    thread_local! {
        /// Set while chunks of storage encoding 1 are read: their dates are text.
        static TEXT_DATES: Cell<bool> = const { Cell::new(false) };
    }

    /// Runs `read` with the dates of non-readable formats read as text, as storage encoding 1
    /// wrote them.
    pub fn read_text_dates<T>(read: impl FnOnce() -> T) -> T {
        struct Restore(bool);
        impl Drop for Restore {
            fn drop(&mut self) {
                TEXT_DATES.with(|text| text.set(self.0));
            }
        }
        let _restore = Restore(TEXT_DATES.with(|text| text.replace(true)));
        read()
    }

    fn as_text(human_readable: bool) -> bool {
        human_readable || TEXT_DATES.with(Cell::get)
    }

    struct Date(NaiveDate);

    impl Serialize for Date {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            if as_text(serializer.is_human_readable()) {
                self.0.serialize(serializer)
            } else {
                serializer.serialize_i32(self.0.num_days_from_ce())
            }
        }
    }

    impl<'de> Deserialize<'de> for Date {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            if as_text(deserializer.is_human_readable()) {
                return NaiveDate::deserialize(deserializer).map(Date);
            }
            let days = i32::deserialize(deserializer)?;
            NaiveDate::from_num_days_from_ce_opt(days)
                .map(Date)
                .ok_or_else(|| D::Error::custom(format!("day {days} is not a date")))
        }
    }

    struct DateTime(NaiveDateTime);

    impl Serialize for DateTime {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            if as_text(serializer.is_human_readable()) {
                self.0.serialize(serializer)
            } else {
                let time = self.0.time();
                (
                    self.0.date().num_days_from_ce(),
                    time.num_seconds_from_midnight(),
                    time.nanosecond(),
                )
                    .serialize(serializer)
            }
        }
    }

    impl<'de> Deserialize<'de> for DateTime {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            if as_text(deserializer.is_human_readable()) {
                return NaiveDateTime::deserialize(deserializer).map(DateTime);
            }
            let (days, seconds, nanos) = <(i32, u32, u32)>::deserialize(deserializer)?;
            let date = NaiveDate::from_num_days_from_ce_opt(days)
                .ok_or_else(|| D::Error::custom(format!("day {days} is not a date")))?;
            let time =
                NaiveTime::from_num_seconds_from_midnight_opt(seconds, nanos).ok_or_else(|| {
                    D::Error::custom(format!("second {seconds}.{nanos:09} is not a time of day"))
                })?;
            Ok(DateTime(date.and_time(time)))
        }
    }

    /// `#[serde(with)]` for a `NaiveDate`.
    pub mod date {
        use super::*;

        pub fn serialize<S: Serializer>(
            value: &NaiveDate,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            Date(*value).serialize(serializer)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<NaiveDate, D::Error> {
            Date::deserialize(deserializer).map(|date| date.0)
        }
    }

    /// `#[serde(with)]` for an `Option<NaiveDate>`.
    pub mod option_date {
        use super::*;

        pub fn serialize<S: Serializer>(
            value: &Option<NaiveDate>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            value.map(Date).serialize(serializer)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<NaiveDate>, D::Error> {
            Option::<Date>::deserialize(deserializer).map(|date| date.map(|date| date.0))
        }
    }

    /// `#[serde(with)]` for a `NaiveDateTime`.
    pub mod datetime {
        use super::*;

        pub fn serialize<S: Serializer>(
            value: &NaiveDateTime,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            DateTime(*value).serialize(serializer)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<NaiveDateTime, D::Error> {
            DateTime::deserialize(deserializer).map(|at| at.0)
        }
    }

    /// `#[serde(with)]` for an `Option<NaiveDateTime>`.
    pub mod option_datetime {
        use super::*;

        pub fn serialize<S: Serializer>(
            value: &Option<NaiveDateTime>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            value.map(DateTime).serialize(serializer)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<NaiveDateTime>, D::Error> {
            Option::<DateTime>::deserialize(deserializer).map(|at| at.map(|at| at.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn as_map(fields: &[(&str, Option<&str>)]) -> BTreeMap<String, Option<String>> {
        fields
            .iter()
            .map(|(key, value)| (key.to_string(), value.map(str::to_string)))
            .collect()
    }

    #[test]
    fn evidence_fields_are_encoded_like_the_map_they_replace() {
        let pairs = [
            ("Paper Process", None),
            ("Champion", Some("Dana Ruiz")),
            ("Economic Buyer", Some("CFO")),
        ];
        let fields: EvidenceFields = pairs
            .iter()
            .map(|(key, value)| (*key, value.map(Text::from)))
            .collect();
        let map = as_map(&pairs);
        // Imports stored before the list replaced the map decode unchanged, and the JSON is the same.
        let stored = postcard::to_allocvec(&map).unwrap();
        assert_eq!(postcard::to_allocvec(&fields).unwrap(), stored);
        assert_eq!(
            postcard::from_bytes::<EvidenceFields>(&stored).unwrap(),
            fields
        );
        assert_eq!(
            serde_json::to_string(&fields).unwrap(),
            serde_json::to_string(&map).unwrap()
        );
        assert_eq!(
            fields.keys().collect::<Vec<_>>(),
            ["Champion", "Economic Buyer", "Paper Process"]
        );
        // Names out of order or repeated (not as Lens writes them) are sorted, the first value of
        // a name kept; JSON gives names as owned text, postcard lends them.
        let json = r#"{"Metrics":"ROI","Champion":null,"Metrics":"later"}"#;
        let read: EvidenceFields = serde_json::from_str(json).unwrap();
        assert_eq!(
            read.iter().collect::<Vec<_>>(),
            [("Champion", &None), ("Metrics", &Some(Text::from("ROI")))]
        );
    }

    #[test]
    fn evidence_fields_answer_like_a_map() {
        let mut fields = EvidenceFields::default();
        fields.insert("Metrics", Some("ROI model".into()));
        fields.insert("Champion", None);
        fields.insert("Metrics", None);
        assert_eq!(fields.len(), 2);
        assert_eq!(fields.get("Champion"), Some(&None));
        assert_eq!(fields.get("Metrics"), Some(&None));
        assert_eq!(fields.get("Competition"), None);
        assert!(fields.contains_key("Champion"));
        assert!(!fields.contains_key("champion"));
        // Records decoded with the same names share one list of them, and each name is one
        // shared string.
        let decoded: EvidenceFields =
            postcard::from_bytes(&postcard::to_allocvec(&fields).unwrap()).unwrap();
        assert_eq!(decoded, fields);
        assert!(Arc::ptr_eq(&decoded.names, &fields.names));
        let mut other = EvidenceFields::default();
        other.insert("Metrics", Some("ROI model".into()));
        assert!(Arc::ptr_eq(&other.names[0], &fields.names[1]));
        assert_eq!(format!("{other:?}"), r#"{"Metrics": Some("ROI model")}"#);
    }
}
