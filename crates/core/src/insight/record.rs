//! Module 11, the record view (core side): everything the imported data says about the one record
//! open on a CRM page, and how the page differs from the latest import.
//!
//! [`record_view`] builds a [`Context`] as of the settings' date and, for one record:
//! - **finds it** in the current snapshot by id; else by the 15-character form of an 18-character
//!   Salesforce id (reports export 15-character ids, the page URL carries 18); else by the page's
//!   record name, matched exactly, among records the export gave no id (a record named so under
//!   another id is another record). [`RecordView::matched`] says which; a record not found is a
//!   view that says so, not an error.
//! - **never shows another record's data**: when the page shows another record than its address
//!   names (an id field with another id, or the name of another record of the import), no record
//!   is shown, and the view says why ([`RecordMatch::PageDiffers`]).
//! - lists **its current row** (main fields and evidence columns, as evidence rows);
//! - lists **its history**, oldest first: the history rows of the record, and, for each field
//!   without any history row for this record, the changes between consecutive snapshots showing
//!   the record (old value → new value, dated by the later snapshot);
//! - lists its **evidence fields**, present or absent, with when each filled one was first filled
//!   relative to the deal's entry into its current stage (the rule of the evidence module);
//! - places it in **distributions** of open deals ([`Insight`]s with a
//!   [`Reference::Distribution`]): its amount among the open deals of the same stage, its days since
//!   the last activity and its close-date push count among all open deals, and its days in stage
//!   (from the hygiene module). Percentiles are mid-rank (stats.rs); the record is part of each
//!   distribution. A push is a close-date change to a later date, counted from close-date history
//!   when the data has any, else between consecutive snapshots.
//! - **compares the page** with the import: each page label is read as a canonical opportunity
//!   field through the import's own synonyms, each page value with the import's own cell parsers;
//!   dates are read as ISO or in an order only one reading allows, else in the order other dates on
//!   the page settle, else they are not compared ("ambiguous date"). Each field is equal,
//!   different, not compared (with the reason) or not read (a label Lens does not recognise).
//!
//! [`read_page`] says, without any import, what Lens could read from the page: the record's name
//! and the fields every CRM record page shows (stage, amount, close date, owner), found under which
//! label, which of them the page does not show, and which labels Lens does not recognise.
//!
//! Nothing here judges: a difference is stated as the two values and the import's date.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::context::{Context, Deal, Money, Tally, field_name};
use super::evidence::{Cell, EvidenceField, EvidenceReader, FirstFilled, days_from_stage_entry};
use super::render::{count, grouped};
use super::stats::{percentile_rank_sorted, quantile_sorted};
use super::{
    AnalyzeError, EvidenceRef, Insight, Module, Reference, Settings, Subject, SubjectKind, Unit,
    hygiene,
};
use crate::import::fields::{
    EVIDENCE_FIELDS, TableKind, evidence_for_header, field_for_header, normalize,
};
use crate::import::values::{self, SlashDate, SlashOrder, format_number};
use crate::model::{DealStatus, ForecastCategory, HistoryField, Opportunity, Text};

/// A label and the value shown beside it on a CRM record page, as the content script read them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageField {
    pub label: String,
    pub value: String,
}

/// What the content script read from the record page on screen.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PageRecord {
    pub record_id: Option<String>,
    pub name: Option<String>,
    pub fields: Vec<PageField>,
}

/// Everything known about one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordView {
    /// The id the view was asked for.
    pub requested_id: String,
    /// The page's record name, used when the id is not found.
    pub requested_name: Option<String>,
    /// The date of the snapshot the record was looked up in (the latest on or before the as-of date).
    pub snapshot_as_of: NaiveDate,
    pub matched: RecordMatch,
    /// How the record was found, or that it was not, in words.
    pub match_text: String,
    /// The record's row in the current snapshot.
    pub record: Option<RecordRow>,
    /// The snapshots showing the record, oldest first.
    pub snapshots_present: Vec<NaiveDate>,
    /// History rows and changes between snapshots, oldest first.
    pub history: Vec<EvidenceRef>,
    /// Where the history entries come from, in words.
    pub history_text: String,
    /// Every evidence field Lens knows, and any other evidence column of the record, and the next step.
    pub evidence_fields: Vec<EvidenceFieldStatus>,
    /// Where the record sits in distributions of open deals.
    pub positions: Vec<Insight>,
    /// One entry per field read from the page, in page order.
    pub page_fields: Vec<PageComparison>,
    /// Further facts about the view (how page dates were read, why positions are absent).
    pub notes: Vec<String>,
}

/// How the record was found in the current snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "by")]
pub enum RecordMatch {
    /// By the id asked for.
    Id,
    /// By the first 15 characters of the 18-character id asked for.
    ShortId,
    /// By the page's record name, matched exactly.
    Name,
    /// Several records carry the page's name; none was chosen.
    AmbiguousName {
        record_ids: Vec<String>,
    },
    /// The page shows another record than its address names: an id field with another id, or the
    /// name of another record of the import. No record is shown.
    PageDiffers {
        /// The id of the record the page shows, as its id field or the import gives it.
        page_record_ids: Vec<String>,
    },
    NotFound,
}

/// What Lens could and could not read from a record page, before any import is consulted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageReading {
    /// Whether the page showed the record's name (its header, or a name field).
    pub name_read: bool,
    /// The fields Lens looks for that the page showed, in the order Lens looks for them.
    pub read: Vec<FieldRead>,
    /// The labels of the fields Lens looks for that the page did not show (`Close Date`).
    pub not_found: Vec<String>,
    /// Labels on the page Lens does not recognise, in page order.
    pub not_recognised: Vec<String>,
    /// All of the above in one sentence.
    pub text: String,
}

/// A field Lens looks for, and the label under which the page showed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldRead {
    /// The canonical field (`stage`).
    pub field: String,
    /// Lens's label for it (`Stage`).
    pub label: String,
    /// The page's label for it (`Phase`).
    pub page_label: String,
}

/// The fields every CRM record page Lens knows shows besides the name, with Lens's label for each:
/// what [`read_page`] reports as read or not found.
pub const PAGE_FIELDS_LOOKED_FOR: &[(&str, &str)] = &[
    ("stage", "Stage"),
    ("amount", "Amount"),
    ("close_date", "Close Date"),
    ("owner", "Owner"),
];

/// What can be read from `page`: its name, the fields of [`PAGE_FIELDS_LOOKED_FOR`] under the
/// page's labels (read through the import's own synonyms, so localised labels the importer knows
/// are read), the ones the page does not show, and the labels Lens does not recognise.
pub fn read_page(page: &PageRecord) -> PageReading {
    let keys: Vec<(Option<String>, &str)> = page
        .fields
        .iter()
        .map(|field| (page_field_key(&field.label), field.label.trim()))
        .collect();
    let name_read = page
        .name
        .as_deref()
        .is_some_and(|name| !name.trim().is_empty())
        || keys.iter().any(|(key, _)| key.as_deref() == Some("name"));
    let mut read = Vec::new();
    let mut not_found = Vec::new();
    for (field, label) in PAGE_FIELDS_LOOKED_FOR {
        match keys.iter().find(|(key, _)| key.as_deref() == Some(*field)) {
            Some((_, page_label)) => read.push(FieldRead {
                field: field.to_string(),
                label: label.to_string(),
                page_label: page_label.to_string(),
            }),
            None => not_found.push(label.to_string()),
        }
    }
    let mut not_recognised: Vec<String> = Vec::new();
    for (key, label) in &keys {
        if key.is_none() && !label.is_empty() && !not_recognised.iter().any(|seen| seen == label) {
            not_recognised.push(label.to_string());
        }
    }
    let mut read_words: Vec<String> = Vec::new();
    if name_read {
        read_words.push("name".into());
    }
    read_words.extend(read.iter().map(|field| {
        if normalize(&field.page_label) == normalize(&field.label) {
            field.label.clone()
        } else {
            format!("{} (as \"{}\")", field.label, field.page_label)
        }
    }));
    let mut missing_words = not_found.clone();
    if !name_read {
        missing_words.insert(0, "name".into());
    }
    let mut text = match read_words.is_empty() {
        true => "Nothing Lens looks for was read from the page".to_string(),
        false => format!("Read from the page: {}", read_words.join(", ")),
    };
    if !missing_words.is_empty() {
        text.push_str(&format!("; not found: {}", missing_words.join(", ")));
    }
    text.push('.');
    if !not_recognised.is_empty() {
        text.push_str(&format!(
            " {} Lens does not recognise: {}.",
            if not_recognised.len() == 1 {
                "Label"
            } else {
                "Labels"
            },
            not_recognised.join(", ")
        ));
    }
    PageReading {
        name_read,
        read,
        not_found,
        not_recognised,
        text,
    }
}

/// The canonical opportunity field (or evidence field) a page label names, through the
/// importer's synonyms; `None` for a label Lens does not recognise.
fn page_field_key(label: &str) -> Option<String> {
    let normalized = normalize(label);
    field_for_header(TableKind::Opportunities, &normalized)
        .map(|spec| spec.key.to_string())
        .or_else(|| evidence_for_header(&normalized).map(str::to_string))
}

/// The record's row in the current snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordRow {
    pub record_id: Text,
    pub name: Text,
    /// The owner's name where the data has users, else the export's value.
    pub owner: String,
    pub stage: Option<Text>,
    pub status: DealStatus,
    pub forecast_category: Option<String>,
    pub amount: Option<f64>,
    pub currency: Option<Text>,
    pub close_date: Option<NaiveDate>,
    pub as_of: NaiveDate,
    pub source_file: String,
    pub line: u64,
    /// Every field of the row that has a value, and every evidence column (value `None` when empty).
    pub fields: Vec<EvidenceRef>,
}

/// One evidence field of the record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceFieldStatus {
    /// The key in the import (`Economic Buyer`, `next_step`).
    pub field: String,
    pub label: String,
    /// Whether the record's export has the column.
    pub column_present: bool,
    /// The value in the current row; `None` when empty or absent.
    pub value: Option<String>,
    pub first_filled: Option<NaiveDate>,
    /// Where `first_filled` comes from: `field history` or `snapshots`.
    pub first_filled_from: Option<String>,
    pub stage_entry: Option<NaiveDate>,
    /// first filled − stage entry, in days; negative = before the stage entry.
    pub days_from_stage_entry: Option<i64>,
    pub text: String,
    pub evidence: Vec<EvidenceRef>,
}

/// One field read from the page, held against the import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageComparison {
    pub label: String,
    pub page_value: String,
    /// The canonical field the label names (`stage`, `amount`, `Economic Buyer`); `None` when the
    /// label is not one Lens reads.
    pub field: Option<String>,
    /// The imported value, as text (dates `YYYY-MM-DD`, amounts with their currency).
    pub imported_value: Option<String>,
    /// The date of the snapshot the imported value comes from.
    pub import_as_of: Option<NaiveDate>,
    pub comparison: Comparison,
    pub text: String,
}

/// The outcome of holding one page field against the import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Comparison {
    Equal,
    Different,
    NotCompared {
        reason: String,
    },
    /// The label is not one Lens recognises.
    NotRead,
}

/// Builds the view of one record as of `settings.as_of`, from a dataset indexed once with
/// [`Index::new`](super::Index::new) (the panel keeps the index while the user moves between records).
pub fn record_view(
    index: &super::Index,
    settings: &Settings,
    record_id: &str,
    page: Option<&PageRecord>,
) -> Result<RecordView, AnalyzeError> {
    let context = Context::new(index, settings)?;
    let current = context.current();
    let page_name = page
        .and_then(|p| p.name.as_deref())
        .map(str::trim)
        .filter(|name| !name.is_empty());
    let (deal, matched, match_text) = find_record(&context, record_id, page_name, page);
    let mut notes = Vec::new();
    let mut view = RecordView {
        requested_id: record_id.to_string(),
        requested_name: page_name.map(str::to_string),
        snapshot_as_of: current.as_of,
        matched,
        match_text,
        record: None,
        snapshots_present: Vec::new(),
        history: Vec::new(),
        history_text: String::new(),
        evidence_fields: Vec::new(),
        positions: Vec::new(),
        page_fields: Vec::new(),
        notes: Vec::new(),
    };
    if let Some(deal) = deal {
        view.record = Some(record_row(&context, deal));
        view.snapshots_present = context
            .snapshots
            .iter()
            .filter(|s| s.get(&deal.opp.id).is_some())
            .map(|s| s.as_of)
            .collect();
        let (history, history_text) = history(&context, deal);
        view.history = history;
        view.history_text = history_text;
        view.evidence_fields = evidence_fields(&context, deal);
        if deal.opp.status == DealStatus::Open {
            view.positions = positions(&context, deal);
        } else {
            notes.push(format!(
                "The record is {} in the snapshot of {}; positions are computed among open deals, so none is shown.",
                status_label(deal.opp.status).to_lowercase(),
                current.as_of
            ));
        }
    } else if matches!(view.matched, RecordMatch::PageDiffers { .. }) {
        view.history_text =
            "No history is listed: the page and its address name different records.".into();
    } else {
        view.history_text =
            "The record is not in the current snapshot, so no history is listed.".into();
    }
    if let Some(page) = page {
        let not_compared = match view.matched {
            RecordMatch::PageDiffers { .. } => "the page and its address name different records",
            _ => "the record is not in the current snapshot",
        };
        view.page_fields = compare_page(&context, deal, page, not_compared, &mut notes);
    }
    view.notes = notes;
    Ok(view)
}

fn find_record<'c, 'a>(
    context: &'c Context<'a>,
    record_id: &str,
    page_name: Option<&str>,
    page: Option<&PageRecord>,
) -> (Option<&'c Deal<'a>>, RecordMatch, String) {
    let current = context.current();
    let as_of = current.as_of;
    // An id field on the page that names another record: the page shows another record than its
    // address (a page still showing the record before a navigation, or a changed layout).
    if let Some((label, page_id)) = page.and_then(|page| other_page_id(page, record_id)) {
        return (
            None,
            RecordMatch::PageDiffers {
                page_record_ids: vec![page_id.clone()],
            },
            format!(
                "The page's {label} reads {page_id}, while its address names the record {record_id}: the page and its address disagree, so no record is shown."
            ),
        );
    }
    let by_id = match current.get(record_id) {
        Some(deal) => Some((
            deal,
            RecordMatch::Id,
            format!("Found by id {record_id} in the snapshot of {as_of}."),
        )),
        None if record_id.len() == 18 && record_id.is_ascii() => {
            current.get(&record_id[..15]).map(|deal| {
                (
                    deal,
                    RecordMatch::ShortId,
                    format!(
                        "Found by {}, the 15-character form of the id {record_id}, in the snapshot of {as_of}.",
                        &record_id[..15]
                    ),
                )
            })
        }
        None => None,
    };
    if let Some((deal, matched, mut text)) = by_id {
        let Some(name) = page_name.filter(|name| *name != deal.opp.name) else {
            return (Some(deal), matched, text);
        };
        // The page shows another name than the import gives this id: a rename since the export,
        // or the page of another record of the import, whose data must not be shown as this one's.
        let others: Vec<String> = current
            .deals
            .iter()
            .filter(|other| other.opp.name == name && other.opp.id != deal.opp.id)
            .map(|other| other.opp.id.to_string())
            .collect();
        if others.is_empty() {
            text.push_str(&format!(
                " The page shows the name \"{name}\"; the import names it \"{}\".",
                deal.opp.name
            ));
            return (Some(deal), matched, text);
        }
        let text = format!(
            "The address names the record {record_id} (\"{}\" in the snapshot of {as_of}), while the page shows \"{name}\", the name of {} {}: the page and its address disagree, so no record is shown.",
            deal.opp.name,
            if others.len() == 1 {
                "record"
            } else {
                "records"
            },
            others.join(", ")
        );
        return (
            None,
            RecordMatch::PageDiffers {
                page_record_ids: others,
            },
            text,
        );
    }
    let mut text = format!("No record with id {record_id} is in the snapshot of {as_of}");
    if let Some(last) = context
        .snapshots
        .iter()
        .rev()
        .find(|s| s.get(record_id).is_some())
    {
        text.push_str(&format!(
            " (the snapshot of {} is the latest showing it)",
            last.as_of
        ));
    }
    let Some(name) = page_name else {
        text.push_str("; the page gives no record name to look for.");
        return (None, RecordMatch::NotFound, text);
    };
    // Only a record the export gave no id can be this one by its name: a record with an id of its
    // own is another record, whatever its name.
    let (without_id, with_other_id): (Vec<&Deal>, Vec<&Deal>) = current
        .deals
        .iter()
        .filter(|deal| deal.opp.name == name)
        .partition(|deal| is_stand_in_id(&deal.opp.id));
    match (without_id.as_slice(), with_other_id.as_slice()) {
        ([], []) => {
            text.push_str(&format!("; no record is named \"{name}\" either."));
            (None, RecordMatch::NotFound, text)
        }
        ([], others) => {
            let ids: Vec<&str> = others.iter().map(|deal| deal.opp.id.as_str()).collect();
            text.push_str(&format!(
                "; the {} named \"{name}\" {} another id ({}), so {} not shown.",
                if ids.len() == 1 { "record" } else { "records" },
                if ids.len() == 1 { "has" } else { "have" },
                ids.join(", "),
                if ids.len() == 1 { "it is" } else { "they are" },
            ));
            (None, RecordMatch::NotFound, text)
        }
        ([deal], _) => {
            text.push_str(&format!(
                "; found by its exact name \"{name}\" (record id {}; the export gave it no id).",
                deal.opp.id
            ));
            (Some(*deal), RecordMatch::Name, text)
        }
        (several, _) => {
            let record_ids: Vec<String> = several.iter().map(|d| d.opp.id.to_string()).collect();
            text.push_str(&format!(
                "; {} records are named \"{name}\" ({}), so none is shown.",
                several.len(),
                record_ids.join(", ")
            ));
            (None, RecordMatch::AmbiguousName { record_ids }, text)
        }
    }
}

/// Whether an opportunity id is the importer's stand-in for a row without a record id
/// (`name:<account>/<name>`, records.rs), rather than an id from the CRM.
fn is_stand_in_id(id: &str) -> bool {
    id.starts_with("name:")
}

/// A page field naming the record id, when its value is another record's id than `record_id`:
/// the field's label and its value.
fn other_page_id(page: &PageRecord, record_id: &str) -> Option<(String, String)> {
    page.fields.iter().find_map(|field| {
        let value = field.value.trim();
        let is_id = page_field_key(&field.label).as_deref() == Some("id");
        (is_id && !value.is_empty() && !same_record_id(value, record_id))
            .then(|| (field.label.trim().to_string(), value.to_string()))
    })
}

/// Whether two ids name the same record as the CRMs write ids: an 18-character Salesforce id is
/// its 15-character form plus a checksum of its letters' case, and a Dynamics GUID is written in
/// either case, with or without braces.
fn same_record_id(a: &str, b: &str) -> bool {
    fn key(id: &str) -> String {
        let id = id.trim().trim_start_matches('{').trim_end_matches('}');
        let is_guid = id.len() == 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        if is_guid {
            id.to_ascii_lowercase()
        } else if id.len() == 18 && id.chars().all(|c| c.is_ascii_alphanumeric()) {
            id[..15].to_string()
        } else {
            id.to_string()
        }
    }
    key(a) == key(b)
}

fn status_label(status: DealStatus) -> &'static str {
    match status {
        DealStatus::Open => "Open",
        DealStatus::Won => "Won",
        DealStatus::Lost => "Lost",
    }
}

/// The fields of a row as (key, value as text), in a fixed order; evidence columns last.
fn row_fields(opp: &Opportunity) -> Vec<(String, Option<Text>)> {
    let date = |d: Option<NaiveDate>| d.map(|d| Text::from(d.to_string()));
    let number = |n: Option<f64>| n.map(|n| Text::from(format_number(n)));
    let mut fields: Vec<(String, Option<Text>)> = [
        ("name", Some(opp.name.clone())),
        ("account_id", opp.account_id.clone()),
        ("account_name", opp.account_name.clone()),
        ("owner", opp.owner.clone()),
        ("owner_manager", opp.owner_manager.clone()),
        ("team", opp.team.clone()),
        ("region", opp.region.clone()),
        ("segment", opp.segment.clone()),
        ("stage", opp.stage.clone()),
        (
            "stage_order",
            opp.stage_order.map(|o| Text::from(o.to_string())),
        ),
        ("status", Some(Text::from(status_label(opp.status)))),
        (
            "forecast_category",
            opp.forecast_category
                .as_ref()
                .map(|c| Text::from(c.label())),
        ),
        ("amount", number(opp.amount)),
        ("currency", opp.currency.clone()),
        ("probability", number(opp.probability)),
        ("close_date", date(opp.close_date)),
        ("created_date", date(opp.created_date)),
        ("last_activity_date", date(opp.last_activity_date)),
        ("stage_entered_date", date(opp.stage_entered_date)),
        ("next_step", opp.next_step.clone()),
        ("opportunity_type", opp.opportunity_type.clone()),
        ("lead_source", opp.lead_source.clone()),
        ("partner", opp.partner.clone()),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_string(), value))
    .collect();
    fields.extend(
        opp.evidence
            .iter()
            .map(|(key, value)| (key.to_string(), value.clone())),
    );
    fields
}

fn record_row(context: &Context, deal: &Deal) -> RecordRow {
    let opp = deal.opp;
    let fields = row_fields(opp)
        .into_iter()
        .filter(|(key, value)| value.is_some() || opp.evidence.contains_key(key))
        .map(|(key, value)| context.row_evidence(deal, Some(&key), value))
        .collect();
    RecordRow {
        record_id: opp.id.clone(),
        name: opp.name.clone(),
        owner: context.owner(opp),
        stage: opp.stage.clone(),
        status: opp.status,
        forecast_category: opp
            .forecast_category
            .as_ref()
            .map(|c| c.label().to_string()),
        amount: opp.amount,
        currency: opp.currency.clone(),
        close_date: opp.close_date,
        as_of: deal.as_of,
        source_file: deal.source_file.to_string(),
        line: opp.source.line,
        fields,
    }
}

/// The row key a history row's field corresponds to.
fn history_row_key(field: &HistoryField, opp: &Opportunity) -> Option<String> {
    let name = match field {
        HistoryField::Created => return None,
        HistoryField::Stage => return Some("stage".into()),
        HistoryField::Amount => return Some("amount".into()),
        HistoryField::CloseDate => return Some("close_date".into()),
        HistoryField::ForecastCategory => return Some("forecast_category".into()),
        HistoryField::Probability => return Some("probability".into()),
        HistoryField::Other(name) => name,
    };
    let normalized = normalize(name);
    if let Some(label) = evidence_for_header(&normalized) {
        return Some(label.to_string());
    }
    if let Some(spec) = field_for_header(TableKind::Opportunities, &normalized) {
        return Some(match spec.key {
            "is_closed" | "is_won" => "status".to_string(),
            key => key.to_string(),
        });
    }
    // An evidence column a mapping file named, under the CRM's name for it.
    opp.evidence
        .keys()
        .find(|key| normalize(key) == normalized)
        .map(str::to_string)
        .or_else(|| Some(name.clone()))
}

fn history(context: &Context, deal: &Deal) -> (Vec<EvidenceRef>, String) {
    let id = &deal.opp.id;
    let events = context.history(id);
    let covered: HashSet<String> = events
        .iter()
        .filter_map(|e| history_row_key(&e.event.field, deal.opp))
        .collect();
    // (date, 0 = history row / 1 = snapshot change, evidence); a stable sort keeps each source's order.
    let mut entries: Vec<(NaiveDate, u8, EvidenceRef)> = events
        .iter()
        .map(|e| (e.event.at.date(), 0, context.event_evidence(e)))
        .collect();
    let n_history = entries.len();
    let mut previous: Option<Vec<(String, Option<Text>)>> = None;
    for snapshot in context.snapshots {
        let Some(row) = snapshot.get(id) else {
            continue;
        };
        let fields = row_fields(row.opp);
        if let Some(before) = &previous {
            for (key, value) in &fields {
                if covered.contains(key) {
                    continue;
                }
                let old = before
                    .iter()
                    .find(|(k, _)| k == key)
                    .and_then(|(_, v)| v.clone());
                if old != *value {
                    entries.push((
                        snapshot.as_of,
                        1,
                        EvidenceRef {
                            record_id: id.clone(),
                            field: Some(field_name(key)),
                            old_value: old,
                            new_value: value.clone(),
                            at: None,
                            as_of: Some(snapshot.as_of),
                            source_file: Arc::clone(row.source_file),
                            line: row.opp.source.line,
                        },
                    ));
                }
            }
        }
        previous = Some(fields);
    }
    let n_snapshot = entries.len() - n_history;
    entries.sort_by_key(|(date, source, _)| (*date, *source));
    let mut covered_list: Vec<&str> = covered.iter().map(String::as_str).collect();
    covered_list.sort_unstable();
    let text = if covered_list.is_empty() {
        format!(
            "No history rows for this record; {} read between consecutive snapshots showing it.",
            count(n_snapshot, "change", "changes")
        )
    } else {
        format!(
            "{} for {}; {} read between consecutive snapshots showing it, for the other fields.",
            count(n_history, "history row", "history rows"),
            covered_list.join(", "),
            count(n_snapshot, "change", "changes")
        )
    };
    (entries.into_iter().map(|(_, _, e)| e).collect(), text)
}

fn evidence_fields(context: &Context, deal: &Deal) -> Vec<EvidenceFieldStatus> {
    let mut fields: Vec<EvidenceField> = EVIDENCE_FIELDS
        .iter()
        .map(|(label, _)| EvidenceField::evidence(label))
        .collect();
    for key in deal.opp.evidence.keys() {
        if !fields.iter().any(|f| f.key == key) {
            fields.push(EvidenceField::evidence(key));
        }
    }
    fields.push(EvidenceField::next_step());
    let mut reader = EvidenceReader::new(context, fields);
    let n_fields = reader.fields.len();
    let mut cells: Vec<Cell> = Vec::with_capacity(n_fields);
    reader.current_cells(deal, &mut cells);
    let filled: Vec<usize> = (0..n_fields)
        .filter(|&idx| matches!(cells[idx], Cell::Filled(_)))
        .collect();
    let mut first_filled = if filled.is_empty() {
        Vec::new()
    } else {
        reader.first_filled(deal, &filled)
    };
    let stage_entry = if filled.is_empty() {
        None
    } else {
        context.stage_entry(deal)
    };
    let as_of = deal.as_of;
    let mut out = Vec::with_capacity(n_fields);
    for (idx, cell) in cells.into_iter().enumerate() {
        let field = &reader.fields[idx];
        let label = field.label.clone();
        let mut status = EvidenceFieldStatus {
            field: field.key.clone(),
            label: label.clone(),
            column_present: cell != Cell::NoColumn,
            value: None,
            first_filled: None,
            first_filled_from: None,
            stage_entry: None,
            days_from_stage_entry: None,
            text: String::new(),
            evidence: Vec::new(),
        };
        match cell {
            Cell::NoColumn => {
                status.text = if field.is_next_step {
                    format!(
                        "{label}: no deal of the export file {} has a next step, so the file is read as having no next step column.",
                        deal.source_file
                    )
                } else {
                    format!("{label}: the export of {as_of} has no such column.")
                };
            }
            Cell::Empty => {
                status.text = format!("{label}: empty in the snapshot of {as_of}.");
                status
                    .evidence
                    .push(context.row_evidence(deal, Some(&field.key), None::<Text>));
            }
            Cell::Filled(value) => {
                status.value = Some(value.to_string());
                status.evidence.push(context.row_evidence(
                    deal,
                    Some(&field.key),
                    Some(value.to_string()),
                ));
                let position = first_filled.iter().position(|(f, _)| *f == idx);
                let first = position.map(|p| first_filled.swap_remove(p).1);
                status.text = match first {
                    Some(FirstFilled::Known {
                        date,
                        from_history,
                        evidence,
                    }) => {
                        status.first_filled = Some(date);
                        status.first_filled_from = Some(
                            if from_history {
                                "field history"
                            } else {
                                "snapshots"
                            }
                            .to_string(),
                        );
                        status.evidence.push(evidence);
                        let source = if from_history {
                            "the first history row setting it"
                        } else {
                            "the first snapshot showing it filled"
                        };
                        match &stage_entry {
                            Some(entry) => {
                                let days = (date - entry.date).num_days();
                                status.stage_entry = Some(entry.date);
                                status.days_from_stage_entry = Some(days);
                                status.evidence.push(entry.evidence.clone());
                                format!(
                                    "{label}: filled; first filled {date} ({source}), {} (entered {}, {}).",
                                    days_from_stage_entry(days as f64),
                                    entry.date,
                                    entry.basis
                                )
                            }
                            None => format!(
                                "{label}: filled; first filled {date} ({source}); the date the deal entered its current stage is not known."
                            ),
                        }
                    }
                    Some(FirstFilled::Unknown { reason, date }) => format!(
                        "{label}: filled; when it was first filled is not known: {}.",
                        reason.describe(date)
                    ),
                    None => format!("{label}: filled."),
                };
            }
        }
        out.push(status);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Positions

fn positions(context: &Context, deal: &Deal) -> Vec<Insight> {
    let mut out = Vec::new();
    out.extend(amount_position(context, deal));
    out.push(activity_position(context, deal));
    out.push(push_position(context, deal));
    out.extend(hygiene::stage_age_position(context, deal));
    out
}

/// A distribution of one measure over open deals, and the record's place in it.
struct Placement {
    measure: &'static str,
    /// The record's value, or why it has none.
    value: Result<f64, String>,
    values: Vec<f64>,
    tally: Tally,
    description: String,
    formula: String,
    unit: Unit,
    /// Writes a value of the measure.
    show: fn(&Context, f64) -> String,
    /// The record's value in words, with the value written by `show`.
    what: String,
    evidence: Vec<EvidenceRef>,
}

fn place(context: &Context, deal: &Deal, mut placement: Placement) -> Insight {
    placement.values.sort_by(f64::total_cmp);
    let sorted = &placement.values;
    let show = placement.show;
    let summary = match (quantile_sorted(sorted, 0.5), quantile_sorted(sorted, 0.9)) {
        (Some(p50), Some(p90)) => Some((p50, p90)),
        _ => None,
    };
    let distribution_words = match summary {
        Some((p50, p90)) => format!(
            "median {}; 90th percentile {}",
            show(context, p50),
            show(context, p90)
        ),
        None => "no values".to_string(),
    };
    let n = sorted.len();
    let (value, reference, text) = match (&placement.value, summary) {
        (Ok(value), Some((p50, p90))) => {
            let percentile = percentile_rank_sorted(sorted, *value).unwrap_or(0.0);
            (
                Some(*value),
                Some(Reference::Distribution {
                    description: placement.description.clone(),
                    n,
                    p50,
                    p90,
                    percentile,
                }),
                format!(
                    "{} {}; percentile {percentile:.1} among {}; {distribution_words}.",
                    placement.what,
                    show(context, *value),
                    placement.description
                ),
            )
        }
        (Ok(value), None) => (
            Some(*value),
            None,
            format!(
                "{} {}; {} holds no values to place it among.",
                placement.what,
                show(context, *value),
                placement.description
            ),
        ),
        (Err(reason), _) => (
            None,
            None,
            format!(
                "Not placed: {reason}. Among {}: {distribution_words}.",
                placement.description
            ),
        ),
    };
    Insight {
        key: format!("record.{}.{}", placement.measure, deal.opp.id),
        module: Module::Hygiene,
        measure: placement.measure.to_string(),
        subject: Subject {
            kind: SubjectKind::Record,
            id: deal.opp.id.to_string(),
            label: deal.opp.name.to_string(),
        },
        value,
        unit: placement.unit,
        reference,
        period: None,
        population: placement.tally.population(placement.description),
        formula: placement.formula,
        text,
        evidence: placement.evidence,
    }
}

fn amount_position(context: &Context, deal: &Deal) -> Option<Insight> {
    let stage = deal.opp.stage.as_deref()?;
    let current = context.current();
    let mut tally = Tally::default();
    let mut values = Vec::new();
    for other in current
        .open_deals()
        .filter(|d| d.opp.stage.as_deref() == Some(stage))
    {
        match context.money(other.opp) {
            Money::Counted(amount) => {
                tally.count();
                values.push(amount);
            }
            other_money => {
                let mut ignored = 0.0;
                tally.add_money(other_money, &mut ignored);
            }
        }
    }
    let value = match context.money(deal.opp) {
        Money::Counted(amount) => Ok(amount),
        Money::NoAmount => Err("the record has no amount".to_string()),
        Money::OtherCurrency(currency) => Err(format!(
            "the record's amount is in {currency}, not the reporting currency"
        )),
    };
    Some(place(
        context,
        deal,
        Placement {
            measure: "amount_position",
            value,
            values,
            tally,
            description: format!(
                "the amounts of the open deals in stage {stage} in the snapshot of {} (this deal included)",
                current.as_of
            ),
            formula: "share of those amounts below the record's amount, plus half the share equal to it, in percent".into(),
            unit: context.money_unit(),
            show: |context, value| super::render::money(value, context.currency.as_deref()),
            what: "Amount".into(),
            evidence: vec![context.row_evidence(
                deal,
                Some("amount"),
                deal.opp.amount.map(format_number),
            )],
        },
    ))
}

fn activity_position(context: &Context, deal: &Deal) -> Insight {
    let as_of = context.as_of;
    let current = context.current();
    let mut tally = Tally::default();
    let mut values = Vec::new();
    for other in current.open_deals() {
        match other.opp.last_activity_date {
            Some(date) => {
                tally.count();
                values.push((as_of - date).num_days() as f64);
            }
            None => tally.exclude("no last activity date"),
        }
    }
    let value = deal
        .opp
        .last_activity_date
        .map(|date| (as_of - date).num_days() as f64)
        .ok_or_else(|| "the record has no last activity date".to_string());
    place(
        context,
        deal,
        Placement {
            measure: "days_since_last_activity_position",
            value,
            values,
            tally,
            description: format!(
                "the days from the last activity to {as_of} of the open deals in the snapshot of {} (this deal included)",
                current.as_of
            ),
            formula: "days = as-of date − last activity date; share of those days below the record's, plus half the share equal to it, in percent".into(),
            unit: Unit::Days,
            show: |_, days| days_text(days),
            what: format!("Days from the last activity to {as_of}:"),
            evidence: vec![context.row_evidence(
                deal,
                Some("last_activity_date"),
                deal.opp.last_activity_date.map(|d| d.to_string()),
            )],
        },
    )
}

fn push_position(context: &Context, deal: &Deal) -> Insight {
    let current = context.current();
    let from_history = context.history_by_record().any(|(_, events)| {
        events
            .iter()
            .any(|e| e.event.field == HistoryField::CloseDate)
    });
    let mut tally = Tally::default();
    let mut values = Vec::new();
    let (own, evidence, method) = if from_history {
        for other in current.open_deals() {
            tally.count();
            values.push(history_pushes(context, other).len() as f64);
        }
        let events = history_pushes(context, deal);
        let evidence: Vec<EvidenceRef> = events.iter().map(|e| context.event_evidence(e)).collect();
        (events.len(), evidence, "close-date history rows")
    } else {
        // One lookup per row of every snapshot: a fast hash matters here (ids are the CRM's, so
        // there is no adversary to guard against).
        let open_ids: rustc_hash::FxHashMap<&str, usize> = current
            .open_deals()
            .enumerate()
            .map(|(idx, d)| (d.opp.id.as_str(), idx))
            .collect();
        let mut state: Vec<(Option<NaiveDate>, u32)> = vec![(None, 0); open_ids.len()];
        for snapshot in context.snapshots {
            for row in &snapshot.deals {
                let Some(&idx) = open_ids.get(row.opp.id.as_str()) else {
                    continue;
                };
                let (last, pushes) = &mut state[idx];
                if let Some(close) = row.opp.close_date {
                    if last.is_some_and(|before| close > before) {
                        *pushes += 1;
                    }
                    *last = Some(close);
                }
            }
        }
        for (_, pushes) in &state {
            tally.count();
            values.push(f64::from(*pushes));
        }
        let mut evidence = Vec::new();
        let mut last: Option<NaiveDate> = None;
        for snapshot in context.snapshots {
            let Some(row) = snapshot.get(&deal.opp.id) else {
                continue;
            };
            if let Some(close) = row.opp.close_date {
                if let Some(before) = last.filter(|before| close > *before) {
                    let mut row_evidence =
                        context.row_evidence(row, Some("close_date"), Some(close.to_string()));
                    row_evidence.old_value = Some(before.to_string().into());
                    evidence.push(row_evidence);
                }
                last = Some(close);
            }
        }
        (evidence.len(), evidence, "consecutive snapshots")
    };
    let mut evidence = evidence;
    if evidence.is_empty() {
        evidence.push(context.row_evidence(
            deal,
            Some("close_date"),
            deal.opp.close_date.map(|d| d.to_string()),
        ));
    }
    place(
        context,
        deal,
        Placement {
            measure: "close_date_push_count_position",
            value: Ok(own as f64),
            values,
            tally,
            description: format!(
                "the close-date push counts of the open deals in the snapshot of {} (this deal included), read from {method}",
                current.as_of
            ),
            formula: format!(
                "push = a close-date change to a later date, counted from {method}; share of the counts below the record's, plus half the share equal to it, in percent"
            ),
            unit: Unit::Count,
            show: |_, value| super::render::number(value),
            what: "Close-date pushes:".into(),
            evidence,
        },
    )
}

/// `1` → "1 day", `12.5` → "12.5 days".
fn days_text(days: f64) -> String {
    if days.abs() == 1.0 {
        format!("{} day", super::render::number(days))
    } else {
        format!("{} days", super::render::number(days))
    }
}

/// The close-date history rows of a deal that moved the date later.
fn history_pushes<'c, 'a>(
    context: &'c Context<'a>,
    deal: &Deal,
) -> Vec<&'c super::context::Event<'a>> {
    context
        .history(&deal.opp.id)
        .iter()
        .filter(|e| e.event.field == HistoryField::CloseDate)
        .filter(|e| {
            let read = |v: Option<&str>| v.and_then(|v| values::date(v, None).ok().flatten());
            matches!(
                (read(e.event.old_value.as_deref()), read(e.event.new_value.as_deref())),
                (Some(old), Some(new)) if new > old
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Page comparison

/// What the import holds for a field, typed for comparison.
enum Imported {
    Text(Option<String>),
    Date(Option<NaiveDate>),
    Money(Option<f64>, Option<String>),
    Percent(Option<f64>),
    Status(DealStatus),
    Bool(bool),
    Category(Option<ForecastCategory>),
    /// A field Lens reads from exports but keeps no per-record value of.
    NotKept,
}

fn imported(context: &Context, opp: &Opportunity, key: &str) -> Imported {
    let text = |value: &Option<Text>| Imported::Text(value.as_deref().map(str::to_string));
    match key {
        "id" => Imported::Text(Some(opp.id.to_string())),
        "name" => Imported::Text(Some(opp.name.to_string())),
        "account_id" => text(&opp.account_id),
        "account_name" => text(&opp.account_name),
        "owner" => Imported::Text(opp.owner.as_ref().map(|_| context.owner(opp))),
        "owner_manager" => text(&opp.owner_manager),
        "team" => text(&opp.team),
        "region" => text(&opp.region),
        "segment" => text(&opp.segment),
        "stage" => text(&opp.stage),
        "status" => Imported::Status(opp.status),
        "is_closed" => Imported::Bool(opp.status != DealStatus::Open),
        "is_won" => Imported::Bool(opp.status == DealStatus::Won),
        "forecast_category" => Imported::Category(opp.forecast_category.clone()),
        "amount" => Imported::Money(opp.amount, opp.currency.as_deref().map(str::to_string)),
        "currency" => text(&opp.currency),
        "probability" => Imported::Percent(opp.probability),
        "close_date" => Imported::Date(opp.close_date),
        "created_date" => Imported::Date(opp.created_date),
        "last_activity_date" => Imported::Date(opp.last_activity_date),
        "stage_entered_date" => Imported::Date(opp.stage_entered_date),
        "next_step" => text(&opp.next_step),
        "opportunity_type" => text(&opp.opportunity_type),
        "lead_source" => text(&opp.lead_source),
        "partner" => text(&opp.partner),
        _ => Imported::NotKept,
    }
}

/// The forecast category a page value names, read as the import reads a cell (records.rs).
fn page_category(raw: &str) -> ForecastCategory {
    match raw.trim().to_lowercase().as_str() {
        "pipeline" => ForecastCategory::Pipeline,
        "best case" | "bestcase" => ForecastCategory::BestCase,
        "most likely" | "mostlikely" => ForecastCategory::MostLikely,
        "commit" | "committed" | "forecast" => ForecastCategory::Commit,
        "omitted" => ForecastCategory::Omitted,
        "closed" | "won" | "lost" => ForecastCategory::Closed,
        _ => ForecastCategory::Other(raw.trim().to_string()),
    }
}

/// Trims and collapses runs of whitespace; `None` when nothing is left.
fn clean(text: &str) -> Option<String> {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!joined.is_empty()).then_some(joined)
}

fn show_money(value: f64, currency: Option<&str>) -> String {
    if value.fract() == 0.0 {
        super::render::money(value, currency)
    } else {
        let whole = grouped(value.trunc());
        let cents = format!("{:.2}", value.abs().fract());
        let text = format!("{whole}{}", cents.trim_start_matches('0'));
        match currency {
            Some(code) => format!("{code} {text}"),
            None => text,
        }
    }
}

/// The day/month order the page's own dates settle: a date only valid day first (16/10/2026) or
/// only month first (10/16/2026) settles every slash date on the page, as one file settles its own.
fn page_date_order(page: &PageRecord) -> Result<Option<(SlashOrder, String)>, ()> {
    let mut day_first = None;
    let mut month_first = None;
    for field in &page.fields {
        let Some(slash) = SlashDate::parse(&field.value) else {
            continue;
        };
        match (slash.day_first(), slash.month_first()) {
            (Some(_), None) => {
                day_first.get_or_insert(field.value.trim());
            }
            (None, Some(_)) => {
                month_first.get_or_insert(field.value.trim());
            }
            _ => {}
        }
    }
    match (day_first, month_first) {
        (Some(_), Some(_)) => Err(()),
        (Some(sample), None) => Ok(Some((SlashOrder::DayFirst, sample.to_string()))),
        (None, Some(sample)) => Ok(Some((SlashOrder::MonthFirst, sample.to_string()))),
        (None, None) => Ok(None),
    }
}

/// The outcome for one field: the comparison, the imported value as text.
struct Outcome {
    comparison: Comparison,
    imported_value: Option<String>,
    /// False when the import has no such field for the record (so "empty" would mislead).
    in_import: bool,
}

fn compare_page(
    context: &Context,
    deal: Option<&Deal>,
    page: &PageRecord,
    not_compared: &str,
    notes: &mut Vec<String>,
) -> Vec<PageComparison> {
    let order = match page_date_order(page) {
        Ok(Some((order, sample))) => {
            let words = match order {
                SlashOrder::DayFirst => "day first",
                SlashOrder::MonthFirst => "month first",
            };
            notes.push(format!(
                "Dates on the page are read {words}: \"{sample}\" on the same page can only be read {words}."
            ));
            Some(order)
        }
        Ok(None) => None,
        Err(()) => {
            notes.push("Dates on the page mix day-first and month-first forms, so dates that read both ways are not compared.".into());
            None
        }
    };
    let as_of = deal.map(|d| d.as_of);
    page.fields
        .iter()
        .map(|page_field| {
            let label = page_field.label.trim();
            let page_value = page_field.value.trim();
            let normalized = normalize(label);
            let field_key: Option<String> = field_for_header(TableKind::Opportunities, &normalized)
                .map(|spec| spec.key.to_string())
                .or_else(|| evidence_for_header(&normalized).map(str::to_string))
                .or_else(|| {
                    // An evidence column a mapping file named.
                    deal.and_then(|d| {
                        d.opp
                            .evidence
                            .keys()
                            .find(|key| normalize(key) == normalized)
                            .map(str::to_string)
                    })
                });
            let Some(key) = field_key else {
                return PageComparison {
                    label: label.to_string(),
                    page_value: page_value.to_string(),
                    field: None,
                    imported_value: None,
                    import_as_of: None,
                    comparison: Comparison::NotRead,
                    text: format!("{label}: not read (not a label Lens recognises)."),
                };
            };
            let outcome = match deal {
                None => Outcome {
                    comparison: Comparison::NotCompared {
                        reason: not_compared.into(),
                    },
                    imported_value: None,
                    in_import: false,
                },
                Some(deal) => compare_field(context, deal.opp, &key, page_value, order),
            };
            let imported_words = outcome
                .imported_value
                .clone()
                .unwrap_or_else(|| "empty".to_string());
            let shown_page = if page_value.is_empty() {
                "empty"
            } else {
                page_value
            };
            let text = match (&outcome.comparison, as_of) {
                (Comparison::Equal, Some(as_of)) => format!(
                    "{label} on the page matches the import of {as_of}: {imported_words}."
                ),
                (Comparison::Different, Some(as_of)) => format!(
                    "{label} on the page: {shown_page}; in the import of {as_of}: {imported_words}."
                ),
                (Comparison::NotCompared { reason }, Some(as_of)) if outcome.in_import => format!(
                    "{label} not compared: {reason}; on the page: {shown_page}; in the import of {as_of}: {imported_words}."
                ),
                (Comparison::NotCompared { reason }, _) => {
                    format!("{label} not compared: {reason}; on the page: {shown_page}.")
                }
                _ => format!("{label}: not compared."),
            };
            PageComparison {
                label: label.to_string(),
                page_value: page_value.to_string(),
                field: Some(key),
                imported_value: outcome.imported_value,
                import_as_of: as_of,
                comparison: outcome.comparison,
                text,
            }
        })
        .collect()
}

fn compare_field(
    context: &Context,
    opp: &Opportunity,
    key: &str,
    page_value: &str,
    order: Option<SlashOrder>,
) -> Outcome {
    let not_compared = |reason: String, imported_value: Option<String>| Outcome {
        comparison: Comparison::NotCompared { reason },
        imported_value,
        in_import: true,
    };
    let not_in_import = |reason: String| Outcome {
        comparison: Comparison::NotCompared { reason },
        imported_value: None,
        in_import: false,
    };
    let verdict = |equal: bool, imported_value: Option<String>| Outcome {
        comparison: if equal {
            Comparison::Equal
        } else {
            Comparison::Different
        },
        imported_value,
        in_import: true,
    };
    if let Some(imported_evidence) = opp.evidence.get(key) {
        let imported_value = imported_evidence.as_deref().and_then(clean);
        return verdict(clean(page_value) == imported_value, imported_value);
    }
    if EVIDENCE_FIELDS.iter().any(|(label, _)| *label == key) {
        return not_in_import(format!("the import has no {key} column"));
    }
    match imported(context, opp, key) {
        Imported::Text(value) => {
            let imported_value = value.as_deref().and_then(clean);
            let page = clean(page_value);
            let equal = page == imported_value
                || (key == "id"
                    && matches!((&page, &imported_value), (Some(a), Some(b))
                        if a.len().min(b.len()) == 15 && a.get(..15) == b.get(..15)));
            verdict(equal, imported_value)
        }
        Imported::Date(value) => {
            let imported_value = value.map(|d| d.to_string());
            match page_date(page_value, order) {
                Ok(page) => verdict(page == value, imported_value),
                Err(reason) => not_compared(reason, imported_value),
            }
        }
        Imported::Money(amount, currency) => {
            let imported_value = amount.map(|a| show_money(a, currency.as_deref()));
            // Multi-currency orgs show the converted amount after the deal's: "EUR 450,000.00 (USD 485,000.00)".
            let first_amount = page_value.split(" (").next().unwrap_or(page_value);
            match values::money(first_amount, None) {
                Ok(None) => verdict(amount.is_none(), imported_value),
                Ok(Some((page_amount, page_currency))) => {
                    // The page's locale is not known: "1.234 €" matches 1234 as well as 1.234.
                    let with_comma = values::money(first_amount, Some(values::DecimalMark::Comma));
                    let page_amounts =
                        [Some(page_amount), with_comma.ok().flatten().map(|(a, _)| a)];
                    let same_amount = amount.is_some_and(|a| {
                        page_amounts
                            .iter()
                            .flatten()
                            .any(|page_amount| (a - page_amount).abs() < 0.005)
                    });
                    let same_currency = match (&page_currency, &currency) {
                        (Some(page), Some(import)) => page == import,
                        _ => true,
                    };
                    verdict(same_amount && same_currency, imported_value)
                }
                Err(_) => not_compared(
                    "the page value does not read as an amount".into(),
                    imported_value,
                ),
            }
        }
        Imported::Percent(value) => {
            let imported_value = value.map(|p| format!("{}%", format_number(p)));
            match values::percent(page_value, None) {
                Ok(page) => verdict(
                    match (page, value) {
                        (Some(a), Some(b)) => (a - b).abs() < 1e-6,
                        (None, None) => true,
                        _ => false,
                    },
                    imported_value,
                ),
                Err(_) => not_compared(
                    "the page value does not read as a percentage".into(),
                    imported_value,
                ),
            }
        }
        Imported::Status(status) => {
            let imported_value = Some(status_label(status).to_string());
            let page = match page_value.to_lowercase().as_str() {
                "open" => Some(DealStatus::Open),
                "won" | "closed won" => Some(DealStatus::Won),
                "lost" | "closed lost" => Some(DealStatus::Lost),
                _ => None,
            };
            match page {
                Some(page) => verdict(page == status, imported_value),
                None => not_compared(
                    "the page value does not read as open, won or lost".into(),
                    imported_value,
                ),
            }
        }
        Imported::Bool(flag) => {
            let imported_value = Some(flag.to_string());
            match values::boolean(page_value) {
                Ok(Some(page)) => verdict(page == flag, imported_value),
                _ => not_compared(
                    "the page value does not read as true or false".into(),
                    imported_value,
                ),
            }
        }
        Imported::Category(category) => {
            let imported_value = category.as_ref().map(|c| c.label().to_string());
            let page = clean(page_value).map(|text| page_category(&text));
            verdict(page == category, imported_value)
        }
        Imported::NotKept => {
            not_in_import("the import keeps no value of this field per record".into())
        }
    }
}

/// A page date: ISO or a form only one reading allows, else the order the page settles; an
/// ambiguous date is an error naming both readings.
fn page_date(raw: &str, order: Option<SlashOrder>) -> Result<Option<NaiveDate>, String> {
    if let Ok(date) = values::date(raw, None) {
        return Ok(date);
    }
    if let Some(slash) = SlashDate::parse(raw)
        && let (Some(day_first), Some(month_first)) = (slash.day_first(), slash.month_first())
    {
        return match order {
            Some(order) => values::date(raw, Some(order)),
            None => Err(format!(
                "ambiguous date (\"{}\" reads as {month_first} month first and {day_first} day first, and no other date on the page settles the order)",
                raw.trim()
            )),
        };
    }
    Err("the page value does not read as a date".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_shown_with_cents_only_when_it_has_them() {
        assert_eq!(show_money(485_000.0, Some("USD")), "USD 485,000");
        assert_eq!(show_money(1234.5, Some("EUR")), "EUR 1,234.50");
        assert_eq!(show_money(12.05, None), "12.05");
    }

    #[test]
    fn page_dates() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
        assert_eq!(page_date("2026-11-13", None), Ok(d(2026, 11, 13)));
        assert_eq!(page_date("11/13/2026", None), Ok(d(2026, 11, 13)));
        assert_eq!(page_date("13/11/2026", None), Ok(d(2026, 11, 13)));
        assert_eq!(
            page_date("03/04/2026", Some(SlashOrder::MonthFirst)),
            Ok(d(2026, 3, 4))
        );
        assert!(
            page_date("03/04/2026", None)
                .unwrap_err()
                .starts_with("ambiguous date")
        );
        assert!(page_date("soon", None).is_err());
    }
}
