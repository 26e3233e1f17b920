//! Module 4, evidence: how often the evidence fields of open deals are filled (MEDDPICC, paper
//! process, security review, POC success criteria, next step), per field, per stage and per
//! forecast category; how many of them each deal closing in the period has filled; and when each
//! field was first filled relative to the deal's entry into its current stage.
//!
//! Definitions:
//! - **Evidence fields** are the keys of [`crate::model::Opportunity::evidence`] found on the open deals of the
//!   current snapshot (the import names them by the labels of `import::fields::EVIDENCE_FIELDS`,
//!   or by the names of a mapping file), plus the next step. A key in a deal's map means the deal's
//!   export has the column; its value `None` means the cell is empty.
//! - The next step is a regular opportunity field, so the import keeps no trace of whether the
//!   export had the column. A file in which no deal of the snapshot has a next step is read as a
//!   file without the column; its deals are left out of next-step counts with that reason.
//! - **Filled share** = deals whose field is non-empty ÷ deals whose export has the column, over the
//!   open deals of the current snapshot (all of them, those of one stage, or those of one forecast
//!   category). Deals whose export lacks the column are left out and counted as exclusions.
//! - **Fields filled per deal**: for each open deal with a close date in the period, the number of
//!   evidence fields with a non-empty value, out of those whose column its export has.
//! - **First filled**: computed for fields filled in the current snapshot. Where the deal has field
//!   history rows for the field, the date of the first row that set a non-empty value (unknown when
//!   the first row's old value is already non-empty: it was filled before the history starts).
//!   Where it has none, the date of the first snapshot showing the field non-empty, provided the
//!   snapshot before it shows the deal with the field empty or does not show the deal (unknown when
//!   it is the oldest snapshot, or the snapshot before has no such column). The days from stage
//!   entry are first filled − [`Context::stage_entry`], negative when the field was filled before
//!   the deal entered its current stage; each field reports the median and the split before / on /
//!   after.
//!
//! Evidence rows: a filled share lists the rows its sentence counts, the deals with the field empty
//! (the filled ones when none is empty); a per-deal count lists the deal's row; a first-filled
//! timing lists, for each deal counted, the row that dates the first fill and the row that dates
//! the stage entry.
//!
//! Cost: one pass over the open deals for the shares; the snapshot rule walks each deal's rows from
//! the oldest snapshot until every filled field is settled, so it is bounded by the snapshot rows
//! of the open deals, the same order as building the [`Context`].

use std::collections::HashMap;

use chrono::NaiveDate;

use super::context::{Context, DatedSnapshot, Deal};
use super::render::{count, percent};
use super::stats::median;
use super::{EvidenceRef, Exclusion, Insight, Module, Population, Subject, SubjectKind, Unit};
use crate::import::fields::{
    EVIDENCE_FIELDS, TableKind, evidence_for_header, field_for_header, normalize,
};
use crate::model::{HistoryField, Text};

pub(super) fn insights(context: &Context) -> Vec<Insight> {
    let current = context.current();
    let open: Vec<&Deal> = current.open_deals().collect();
    let mut reader = EvidenceReader::new(context, analysis_fields(context, &open));
    if reader.fields.is_empty() {
        return vec![no_fields(context)];
    }
    let mut out = Vec::new();
    completeness(context, &mut reader, &open, &mut out);
    if context.has_history() || context.snapshots.len() > 1 {
        first_filled_timing(context, &mut reader, &open, &mut out);
    }
    per_deal(context, &mut reader, &open, &mut out);
    out
}

/// One evidence field as an analysis reads it.
#[derive(Debug, Clone)]
pub(super) struct EvidenceField {
    /// The key in [`Opportunity::evidence`], or `next_step` for the next step.
    pub key: String,
    pub label: String,
    /// Machine key used in insight keys and measures (`economic_buyer`).
    pub slug: String,
    pub is_next_step: bool,
}

impl EvidenceField {
    pub(super) fn next_step() -> EvidenceField {
        EvidenceField {
            key: "next_step".into(),
            label: "Next Step".into(),
            slug: "next_step".into(),
            is_next_step: true,
        }
    }

    pub(super) fn evidence(key: &str) -> EvidenceField {
        EvidenceField {
            key: key.to_string(),
            label: key.to_string(),
            slug: slug(key),
            is_next_step: false,
        }
    }
}

/// A field's cell in one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cell<'a> {
    /// The row's export has no such column.
    NoColumn,
    Empty,
    Filled(&'a str),
}

/// When a field filled in the current snapshot was first filled.
#[derive(Debug, Clone)]
pub(super) enum FirstFilled {
    Known {
        date: NaiveDate,
        /// True when read from a field history row, false when from the snapshots.
        from_history: bool,
        evidence: EvidenceRef,
    },
    /// Filled, but when it was first filled is not known.
    Unknown {
        reason: UnknownReason,
        /// The date the reason names (the first history row, the snapshot); `None` for
        /// [`UnknownReason::NoSnapshotShowsIt`].
        date: Option<NaiveDate>,
    },
}

/// Why a first-filled date is not known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UnknownReason {
    /// The first history row of the field already has a non-empty old value.
    FilledBeforeHistory,
    /// The field is filled in the oldest snapshot.
    FilledInOldestSnapshot,
    /// The snapshot before the first one showing it filled has no such column.
    ColumnNewInThatSnapshot,
    /// No snapshot shows the field filled (history and rows disagree).
    NoSnapshotShowsIt,
}

impl UnknownReason {
    /// The reason without a date, as an exclusion reason (exclusions are merged by text).
    pub(super) fn words(self) -> &'static str {
        match self {
            UnknownReason::FilledBeforeHistory => "filled before its first history row",
            UnknownReason::FilledInOldestSnapshot => "filled in the oldest snapshot",
            UnknownReason::ColumnNewInThatSnapshot => {
                "filled in the first snapshot whose export has the column"
            }
            UnknownReason::NoSnapshotShowsIt => "no snapshot shows it filled",
        }
    }

    /// The reason with its date.
    pub(super) fn describe(self, date: Option<NaiveDate>) -> String {
        match (self, date) {
            (UnknownReason::FilledBeforeHistory, Some(date)) => {
                format!("filled before its first history row ({date})")
            }
            (UnknownReason::FilledInOldestSnapshot, Some(date)) => {
                format!("filled in the oldest snapshot ({date})")
            }
            (UnknownReason::ColumnNewInThatSnapshot, Some(date)) => {
                format!("filled in the snapshot of {date}, the first whose export has the column")
            }
            (reason, _) => reason.words().to_string(),
        }
    }
}

/// Reads evidence fields from rows, with what the rows alone do not say: which files have a next
/// step column, and which history field names are which evidence fields.
pub(super) struct EvidenceReader<'c, 'a> {
    context: &'c Context<'a>,
    pub fields: Vec<EvidenceField>,
    /// The evidence-map fields (not the next step) in the order of their keys, the order in which
    /// a row's map iterates, so one pass over a row reads every field.
    by_key: Vec<usize>,
    next_step_idx: Option<usize>,
    /// Per snapshot (same order as `context.snapshots`), the files with at least one next step;
    /// filled on first use.
    next_step_files: Vec<Option<Vec<&'a str>>>,
    /// History field names already looked up, and the field index they name.
    history_names: HashMap<&'a str, Option<usize>>,
}

impl<'c, 'a> EvidenceReader<'c, 'a> {
    pub(super) fn new(context: &'c Context<'a>, fields: Vec<EvidenceField>) -> Self {
        let mut by_key: Vec<usize> = (0..fields.len())
            .filter(|&idx| !fields[idx].is_next_step)
            .collect();
        by_key.sort_by(|&a, &b| fields[a].key.cmp(&fields[b].key));
        let next_step_idx = fields.iter().position(|f| f.is_next_step);
        EvidenceReader {
            context,
            fields,
            by_key,
            next_step_idx,
            next_step_files: vec![None; context.snapshots.len()],
            history_names: HashMap::new(),
        }
    }

    /// Every field's cell in a row of the snapshot at `snapshot_idx`, indexed like `fields`.
    pub(super) fn row_cells<'o>(
        &mut self,
        snapshot_idx: usize,
        deal: &Deal<'o>,
        cells: &mut Vec<Cell<'o>>,
    ) {
        cells.clear();
        cells.resize(self.fields.len(), Cell::NoColumn);
        // A merge of two sorted sequences: the row's map and the fields by key.
        let mut entries = deal.opp.evidence.iter().peekable();
        for &field_idx in &self.by_key {
            let key = self.fields[field_idx].key.as_str();
            while let Some((entry_key, value)) = entries.peek() {
                match (*entry_key).cmp(key) {
                    std::cmp::Ordering::Less => {
                        entries.next();
                    }
                    std::cmp::Ordering::Equal => {
                        cells[field_idx] = cell_of(value.as_deref());
                        entries.next();
                        break;
                    }
                    std::cmp::Ordering::Greater => break,
                }
            }
        }
        if let Some(next_step_idx) = self.next_step_idx {
            cells[next_step_idx] = match deal.opp.next_step.as_deref() {
                Some(value) => cell_of(Some(value)),
                None if self.file_has_next_step(snapshot_idx, deal.source_file) => Cell::Empty,
                None => Cell::NoColumn,
            };
        }
    }

    /// Every field's cell in a row of the current snapshot.
    pub(super) fn current_cells<'o>(&mut self, deal: &Deal<'o>, cells: &mut Vec<Cell<'o>>) {
        let current_idx = self.context.snapshots.len() - 1;
        self.row_cells(current_idx, deal, cells);
    }

    fn file_has_next_step(&mut self, snapshot_idx: usize, file: &str) -> bool {
        let snapshot = &self.context.snapshots[snapshot_idx];
        self.next_step_files[snapshot_idx]
            .get_or_insert_with(|| files_with_next_step(snapshot))
            .iter()
            // The file names come from the same strings, so the address usually settles it.
            .any(|found| std::ptr::eq(found.as_ptr(), file.as_ptr()) || *found == file)
    }

    /// The evidence field a history row's field names, if any.
    fn history_field(&mut self, field: &'a HistoryField) -> Option<usize> {
        let HistoryField::Other(name) = field else {
            return None;
        };
        if let Some(&known) = self.history_names.get(name.as_str()) {
            return known;
        }
        let normalized = normalize(name);
        let found = if let Some(label) = evidence_for_header(&normalized) {
            self.fields
                .iter()
                .position(|f| !f.is_next_step && f.key == label)
        } else if field_for_header(TableKind::Opportunities, &normalized)
            .is_some_and(|spec| spec.key == "next_step")
        {
            self.fields.iter().position(|f| f.is_next_step)
        } else {
            // A field a mapping file named: its history rows carry the CRM's name for it.
            self.fields
                .iter()
                .position(|f| !f.is_next_step && normalize(&f.key) == normalized)
        };
        self.history_names.insert(name.as_str(), found);
        found
    }

    /// When each of `field_idxs` (fields filled in the deal's current row) was first filled.
    pub(super) fn first_filled(
        &mut self,
        deal: &Deal<'a>,
        field_idxs: &[usize],
    ) -> Vec<(usize, FirstFilled)> {
        let context = self.context;
        let events = context.history(&deal.opp.id);
        if events.is_empty() {
            return self.first_filled_in_snapshots(&deal.opp.id, field_idxs);
        }
        let mut out = Vec::with_capacity(field_idxs.len());
        // From history: the events of each wanted field, oldest first.
        let mut events_by_field: Vec<(usize, Vec<usize>)> =
            field_idxs.iter().map(|&idx| (idx, Vec::new())).collect();
        for (event_idx, event) in events.iter().enumerate() {
            if let Some(field_idx) = self.history_field(&event.event.field)
                && let Some((_, list)) = events_by_field.iter_mut().find(|(f, _)| *f == field_idx)
            {
                list.push(event_idx);
            }
        }
        let mut from_snapshots = Vec::new();
        for (field_idx, event_idxs) in events_by_field {
            let Some(&first_idx) = event_idxs.first() else {
                from_snapshots.push(field_idx);
                continue;
            };
            let first = &events[first_idx];
            if is_filled(first.event.old_value.as_deref()) {
                out.push((
                    field_idx,
                    FirstFilled::Unknown {
                        reason: UnknownReason::FilledBeforeHistory,
                        date: Some(first.event.at.date()),
                    },
                ));
                continue;
            }
            match event_idxs
                .iter()
                .map(|&i| &events[i])
                .find(|e| is_filled(e.event.new_value.as_deref()))
            {
                Some(event) => out.push((
                    field_idx,
                    FirstFilled::Known {
                        date: event.event.at.date(),
                        from_history: true,
                        evidence: context.event_evidence(event),
                    },
                )),
                // The history only ever clears the field, yet the row has it filled: read the snapshots.
                None => from_snapshots.push(field_idx),
            }
        }
        if !from_snapshots.is_empty() {
            out.extend(self.first_filled_in_snapshots(&deal.opp.id, &from_snapshots));
        }
        out
    }

    /// The snapshot rule of [`FirstFilled`]: one walk over the snapshots, oldest first, settling
    /// every field at the first snapshot showing it filled.
    fn first_filled_in_snapshots(
        &mut self,
        record_id: &str,
        field_idxs: &[usize],
    ) -> Vec<(usize, FirstFilled)> {
        #[derive(Clone, Copy)]
        enum Before {
            NoRow,
            Empty,
            NoColumn,
        }
        let context = self.context;
        let mut before = vec![Before::NoRow; field_idxs.len()];
        let mut settled: Vec<Option<FirstFilled>> = vec![None; field_idxs.len()];
        let mut unsettled = field_idxs.len();
        let mut cells = Vec::with_capacity(self.fields.len());
        for (snapshot_idx, snapshot) in context.snapshots.iter().enumerate() {
            let Some(deal) = snapshot.get(record_id) else {
                before.fill(Before::NoRow);
                continue;
            };
            self.row_cells(snapshot_idx, deal, &mut cells);
            for (slot, &field_idx) in field_idxs.iter().enumerate() {
                if settled[slot].is_some() {
                    continue;
                }
                match cells[field_idx] {
                    Cell::NoColumn => before[slot] = Before::NoColumn,
                    Cell::Empty => before[slot] = Before::Empty,
                    Cell::Filled(value) => {
                        let field = &self.fields[field_idx];
                        let result = match (snapshot_idx, before[slot]) {
                            (0, _) => FirstFilled::Unknown {
                                reason: UnknownReason::FilledInOldestSnapshot,
                                date: Some(snapshot.as_of),
                            },
                            (_, Before::NoColumn) => FirstFilled::Unknown {
                                reason: UnknownReason::ColumnNewInThatSnapshot,
                                date: Some(snapshot.as_of),
                            },
                            (_, Before::NoRow | Before::Empty) => FirstFilled::Known {
                                date: snapshot.as_of,
                                from_history: false,
                                evidence: context.row_evidence(
                                    deal,
                                    Some(&field.key),
                                    Some(value.to_string()),
                                ),
                            },
                        };
                        settled[slot] = Some(result);
                        unsettled -= 1;
                    }
                }
            }
            if unsettled == 0 {
                break;
            }
        }
        field_idxs
            .iter()
            .zip(settled)
            .map(|(&field_idx, result)| {
                (
                    field_idx,
                    result.unwrap_or(FirstFilled::Unknown {
                        reason: UnknownReason::NoSnapshotShowsIt,
                        date: None,
                    }),
                )
            })
            .collect()
    }
}

/// The evidence fields of the analysis: the evidence keys on the open deals of the current
/// snapshot, in the order of the import's list (others alphabetically after), and the next step
/// when a file of the snapshot has one.
pub(super) fn analysis_fields(context: &Context, open: &[&Deal]) -> Vec<EvidenceField> {
    let mut keys: Vec<&str> = Vec::new();
    let mut last_keys: Option<&crate::model::EvidenceFields> = None;
    for deal in open {
        // Rows of one export carry the same keys; compare with the previous row before searching.
        if last_keys.is_some_and(|last| last.keys().eq(deal.opp.evidence.keys())) {
            continue;
        }
        for key in deal.opp.evidence.keys() {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        last_keys = Some(&deal.opp.evidence);
    }
    keys.sort_by_key(|key| {
        (
            EVIDENCE_FIELDS
                .iter()
                .position(|(label, _)| label == key)
                .unwrap_or(EVIDENCE_FIELDS.len()),
            *key,
        )
    });
    let mut fields: Vec<EvidenceField> = keys.into_iter().map(EvidenceField::evidence).collect();
    if !files_with_next_step(context.current()).is_empty() {
        fields.push(EvidenceField::next_step());
    }
    // Insight keys are built from slugs, so two names with one slug (a mapping's "Economic_Buyer"
    // beside the import's "Economic Buyer") get numbered apart.
    for idx in 1..fields.len() {
        let mut suffix = 2;
        let base = fields[idx].slug.clone();
        while fields[..idx].iter().any(|f| f.slug == fields[idx].slug) {
            fields[idx].slug = format!("{base}_{suffix}");
            suffix += 1;
        }
    }
    fields
}

/// The files of a snapshot in which at least one deal has a next step.
fn files_with_next_step<'a>(snapshot: &DatedSnapshot<'a>) -> Vec<&'a str> {
    let mut found: Vec<&'a str> = Vec::new();
    for deal in &snapshot.deals {
        let file: &'a str = deal.source_file;
        if deal.opp.next_step.is_some() && !found.contains(&file) {
            found.push(file);
            if found.len() >= snapshot.source_files.len() {
                break;
            }
        }
    }
    found
}

pub(super) fn is_filled(value: Option<&str>) -> bool {
    value.is_some_and(|text| !text.trim().is_empty())
}

/// `Economic Buyer` → `economic_buyer`.
pub(super) fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

fn no_fields(context: &Context) -> Insight {
    let current = context.current();
    Insight {
        key: "evidence.evidence_fields.pipeline.all".into(),
        module: Module::Evidence,
        measure: "evidence_fields".into(),
        subject: Subject {
            kind: SubjectKind::Pipeline,
            id: "all".into(),
            label: "Pipeline".into(),
        },
        value: None,
        unit: Unit::Count,
        reference: None,
        period: None,
        population: Population {
            description: format!(
                "open deals of the snapshot of {} with an evidence column or a next step",
                current.as_of
            ),
            n: 0,
            excluded: Vec::new(),
        },
        formula: "count of evidence columns (MEDDPICC, paper process, security review, POC success criteria) and next steps on the open deals".into(),
        text: format!(
            "The snapshot of {} holds no evidence field (MEDDPICC, paper process, security review, POC success criteria) and no next step on its open deals, so there is nothing to count.",
            current.as_of
        ),
        evidence: Vec::new(),
    }
}

/// The rows of one group of deals for one field.
#[derive(Default)]
struct Counts {
    /// (deal index in `open`, filled)
    rows: Vec<(u32, bool)>,
    filled: usize,
    no_column: usize,
}

/// What a completeness insight is about.
enum Group<'g> {
    All,
    Stage(&'g str),
    Category(&'g str),
}

fn completeness(
    context: &Context,
    reader: &mut EvidenceReader,
    open: &[&Deal],
    out: &mut Vec<Insight>,
) {
    // Group indices: 0 = all open deals, then stages, then forecast categories.
    let mut stages: Vec<&str> = Vec::new();
    let mut stage_index: HashMap<&str, usize> = HashMap::new();
    let mut categories: Vec<crate::model::ForecastCategory> = Vec::new();
    let mut deal_groups: Vec<(Option<usize>, Option<usize>)> = Vec::with_capacity(open.len());
    for deal in open {
        let stage = deal.opp.stage.as_deref().map(|stage| {
            *stage_index.entry(stage).or_insert_with(|| {
                stages.push(stage);
                stages.len() - 1
            })
        });
        let category = deal.opp.forecast_category.as_ref().map(|category| {
            match categories.iter().position(|c| c == category) {
                Some(idx) => idx,
                None => {
                    categories.push(category.clone());
                    categories.len() - 1
                }
            }
        });
        deal_groups.push((stage, category));
    }
    let n_groups = 1 + stages.len() + categories.len();
    let mut counts: Vec<Vec<Counts>> = (0..reader.fields.len())
        .map(|_| (0..n_groups).map(|_| Counts::default()).collect())
        .collect();
    let mut cells = Vec::with_capacity(reader.fields.len());
    for (deal_idx, deal) in open.iter().enumerate() {
        let (stage, category) = deal_groups[deal_idx];
        let groups = [
            Some(0),
            stage.map(|s| 1 + s),
            category.map(|c| 1 + stages.len() + c),
        ];
        reader.current_cells(deal, &mut cells);
        for (field_idx, cell) in cells.iter().enumerate() {
            let filled = match cell {
                Cell::NoColumn => None,
                Cell::Empty => Some(false),
                Cell::Filled(_) => Some(true),
            };
            for group in groups.into_iter().flatten() {
                let cell = &mut counts[field_idx][group];
                match filled {
                    Some(filled) => {
                        cell.rows.push((deal_idx as u32, filled));
                        cell.filled += usize::from(filled);
                    }
                    None => cell.no_column += 1,
                }
            }
        }
    }
    let mut stage_order: Vec<usize> = (0..stages.len()).collect();
    stage_order.sort_by(|&a, &b| {
        let rank = |s: usize| context.stage_rank(stages[s]);
        match (rank(a), rank(b)) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
        .then_with(|| stages[a].cmp(stages[b]))
    });
    let mut category_order: Vec<usize> = (0..categories.len()).collect();
    category_order.sort_by(|&a, &b| categories[a].cmp(&categories[b]));
    for (field_idx, field) in reader.fields.iter().enumerate() {
        let groups = &counts[field_idx];
        out.push(completeness_insight(
            context,
            field,
            Group::All,
            &groups[0],
            open,
        ));
        for &s in &stage_order {
            out.push(completeness_insight(
                context,
                field,
                Group::Stage(stages[s]),
                &groups[1 + s],
                open,
            ));
        }
        for &c in &category_order {
            out.push(completeness_insight(
                context,
                field,
                Group::Category(categories[c].label()),
                &groups[1 + stages.len() + c],
                open,
            ));
        }
    }
}

fn completeness_insight(
    context: &Context,
    field: &EvidenceField,
    group: Group,
    counts: &Counts,
    open: &[&Deal],
) -> Insight {
    let as_of = context.current().as_of;
    let n = counts.rows.len();
    let empty = n - counts.filled;
    let label = &field.label;
    let measure = format!("filled_share_{}", field.slug);
    let (subject, key_part, deals_words, population_words) = match group {
        Group::All => (
            Subject {
                kind: SubjectKind::Field,
                id: field.slug.clone(),
                label: label.clone(),
            },
            format!("field.{}", field.slug),
            "open deals".to_string(),
            format!("open deals of the snapshot of {as_of}"),
        ),
        Group::Stage(stage) => (
            Subject {
                kind: SubjectKind::Stage,
                id: stage.to_string(),
                label: format!("{stage} · {label}"),
            },
            format!("stage.{stage}"),
            format!("open deals in stage {stage}"),
            format!("open deals of the snapshot of {as_of} in stage {stage}"),
        ),
        Group::Category(category) => (
            Subject {
                kind: SubjectKind::ForecastCategory,
                id: category.to_string(),
                label: format!("{category} · {label}"),
            },
            format!("category.{category}"),
            format!("open {category} deals"),
            format!("open deals of the snapshot of {as_of} in forecast category {category}"),
        ),
    };
    let no_column_reason = if field.is_next_step {
        "no deal of its export file has a next step, so the file is read as having no next step column".to_string()
    } else {
        format!("its export has no {label} column")
    };
    let mut population = Population {
        description: format!("{population_words} whose export has the {label} column"),
        n,
        excluded: Vec::new(),
    };
    if counts.no_column > 0 {
        population.excluded.push(Exclusion {
            n: counts.no_column,
            reason: no_column_reason,
        });
    }
    let (value, mut text) = if n == 0 {
        (
            None,
            format!(
                "{label}: none of the {} comes from an export with this column, so no share is computed.",
                deals_words
            ),
        )
    } else {
        let share = counts.filled as f64 / n as f64;
        let of_deals = if n == 1 {
            deals_words.replacen("deals", "deal", 1)
        } else {
            deals_words.clone()
        };
        (
            Some(share),
            format!(
                "{label} empty on {empty} of {n} {of_deals}; filled on {} ({}).",
                counts.filled,
                percent(share)
            ),
        )
    };
    if n > 0 && counts.no_column > 0 {
        text.push_str(&format!(
            " Left out: {} from an export without the column.",
            count(counts.no_column, "deal", "deals")
        ));
    }
    // The rows the sentence counts: those with the field empty; when none is, those with it filled.
    let show_filled = counts.filled == n;
    let evidence = counts
        .rows
        .iter()
        .filter(|&&(_, filled)| filled == show_filled)
        .map(|&(deal_idx, filled)| {
            let deal = open[deal_idx as usize];
            let value = if !filled {
                None
            } else if field.is_next_step {
                deal.opp.next_step.clone()
            } else {
                deal.opp.evidence.get(&field.key).cloned().flatten()
            };
            context.row_evidence(deal, Some(&field.key), value)
        })
        .collect();
    Insight {
        key: format!("evidence.{measure}.{key_part}"),
        module: Module::Evidence,
        measure,
        subject,
        value,
        unit: Unit::Ratio,
        reference: None,
        period: None,
        population,
        formula: format!(
            "deals with a non-empty {label} ÷ deals whose export has the {label} column"
        ),
        text,
        evidence,
    }
}

fn first_filled_timing<'a>(
    context: &Context<'a>,
    reader: &mut EvidenceReader<'_, 'a>,
    open: &[&Deal<'a>],
    out: &mut Vec<Insight>,
) {
    /// What happened to the open deals for one field; exclusions are counted here and named once
    /// at the end, so the loop allocates nothing per excluded deal.
    #[derive(Default)]
    struct Timing {
        /// (days from stage entry to first filled, from history, evidence rows)
        counted: Vec<(i64, bool, [EvidenceRef; 2])>,
        no_column: usize,
        empty: usize,
        no_stage_entry: usize,
        /// Per [`UnknownReason`], in the order of `UNKNOWN_REASONS`.
        unknown: [usize; 4],
    }
    const UNKNOWN_REASONS: [UnknownReason; 4] = [
        UnknownReason::FilledBeforeHistory,
        UnknownReason::FilledInOldestSnapshot,
        UnknownReason::ColumnNewInThatSnapshot,
        UnknownReason::NoSnapshotShowsIt,
    ];
    let n_fields = reader.fields.len();
    let mut timings: Vec<Timing> = (0..n_fields).map(|_| Timing::default()).collect();
    let mut filled_fields: Vec<usize> = Vec::with_capacity(n_fields);
    let mut cells = Vec::with_capacity(n_fields);
    for deal in open {
        filled_fields.clear();
        reader.current_cells(deal, &mut cells);
        for (field_idx, cell) in cells.iter().enumerate() {
            match cell {
                Cell::NoColumn => timings[field_idx].no_column += 1,
                Cell::Empty => timings[field_idx].empty += 1,
                Cell::Filled(_) => filled_fields.push(field_idx),
            }
        }
        if filled_fields.is_empty() {
            continue;
        }
        // The stage entry is looked up only for deals with a filled field: it can walk the snapshots.
        let Some(entry) = context.stage_entry(deal) else {
            for &field_idx in &filled_fields {
                timings[field_idx].no_stage_entry += 1;
            }
            continue;
        };
        for (field_idx, first) in reader.first_filled(deal, &filled_fields) {
            let timing = &mut timings[field_idx];
            match first {
                FirstFilled::Known {
                    date,
                    from_history,
                    evidence,
                } => timing.counted.push((
                    (date - entry.date).num_days(),
                    from_history,
                    [evidence, entry.evidence.clone()],
                )),
                FirstFilled::Unknown { reason, .. } => {
                    let slot = UNKNOWN_REASONS
                        .iter()
                        .position(|r| *r == reason)
                        .unwrap_or(UNKNOWN_REASONS.len() - 1);
                    timing.unknown[slot] += 1;
                }
            }
        }
    }
    let as_of = context.current().as_of;
    for (field, timing) in reader.fields.iter().zip(timings) {
        let label = &field.label;
        let days: Vec<f64> = timing.counted.iter().map(|(d, _, _)| *d as f64).collect();
        let n = days.len();
        let before = timing.counted.iter().filter(|(d, _, _)| *d < 0).count();
        let same_day = timing.counted.iter().filter(|(d, _, _)| *d == 0).count();
        let after = n - before - same_day;
        let from_history = timing.counted.iter().filter(|(_, h, _)| *h).count();
        let value = median(&days);
        let text = match value {
            None => format!(
                "{label}: no open deal has both a known first-filled date and a known stage entry date, so no timing is computed."
            ),
            Some(days) => format!(
                "{label} was first filled a median of {}, over {} ({before} before, {same_day} on the day of entry, {after} after). First-filled dates from field history for {}, from the first snapshot showing the field filled for {}.",
                days_from_stage_entry(days),
                count(n, "open deal", "open deals"),
                count(from_history, "deal", "deals"),
                count(n - from_history, "deal", "deals"),
            ),
        };
        let measure = format!("first_filled_days_{}", field.slug);
        out.push(Insight {
            key: format!("evidence.{measure}.field.{}", field.slug),
            module: Module::Evidence,
            measure,
            subject: Subject {
                kind: SubjectKind::Field,
                id: field.slug.clone(),
                label: label.clone(),
            },
            value,
            unit: Unit::Days,
            reference: None,
            period: None,
            population: Population {
                description: format!(
                    "open deals of the snapshot of {as_of} with {label} filled, a known first-filled date and a known stage entry date"
                ),
                n,
                excluded: [
                    (timing.no_column, "its export has no such column".to_string()),
                    (timing.empty, "empty in the current snapshot".to_string()),
                    (
                        timing.no_stage_entry,
                        "the date it entered its current stage is not known".to_string(),
                    ),
                ]
                .into_iter()
                .chain(UNKNOWN_REASONS.iter().zip(timing.unknown).map(|(reason, n)| {
                    (
                        n,
                        format!("when it was first filled is not known: {}", reason.words()),
                    )
                }))
                .filter(|(n, _)| *n > 0)
                .map(|(n, reason)| Exclusion { n, reason })
                .collect(),
            },
            formula: format!(
                "median over the deals counted of (date {label} was first filled − date the deal entered its current stage), in days; negative = before the stage entry"
            ),
            text,
            evidence: timing
                .counted
                .into_iter()
                .flat_map(|(_, _, rows)| rows)
                .collect(),
        });
    }
}

/// `-12` → "12 days before entry into the current stage"; `0` → "0 days from entry into the
/// current stage".
pub(super) fn days_from_stage_entry(days: f64) -> String {
    let magnitude = super::render::number(days.abs());
    let unit = if days.abs() == 1.0 { "day" } else { "days" };
    let relation = if days < 0.0 {
        "before"
    } else if days > 0.0 {
        "after"
    } else {
        "from"
    };
    format!("{magnitude} {unit} {relation} entry into the current stage")
}

fn per_deal(
    context: &Context,
    reader: &mut EvidenceReader,
    open: &[&Deal],
    out: &mut Vec<Insight>,
) {
    let period = &context.period;
    let current = context.current();
    let mut cells = Vec::with_capacity(reader.fields.len());
    for deal in open {
        if !deal.opp.close_date.is_some_and(|d| period.contains(d)) {
            continue;
        }
        reader.current_cells(deal, &mut cells);
        let FillCounts {
            filled,
            with_column,
        } = FillCounts::of(&cells);
        let no_column = cells.len() - with_column;
        let empty: Vec<usize> = (0..cells.len())
            .filter(|&field_idx| cells[field_idx] == Cell::Empty)
            .collect();
        let n = with_column;
        let (value, text) = if n == 0 {
            (
                None,
                "The export of this deal has none of the evidence columns of the snapshot."
                    .to_string(),
            )
        } else if empty.is_empty() {
            (
                Some(filled as f64),
                format!("{n} of {n} evidence fields filled."),
            )
        } else {
            (
                Some(filled as f64),
                format!(
                    "{filled} of {n} evidence fields filled; empty: {}.",
                    empty
                        .iter()
                        .map(|&idx| reader.fields[idx].label.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        };
        let mut population = Population {
            description: format!(
                "evidence fields of this deal's row in the snapshot of {} whose column its export has",
                current.as_of
            ),
            n,
            excluded: Vec::new(),
        };
        if no_column > 0 {
            population.excluded.push(Exclusion {
                n: no_column,
                reason: "no such column in the deal's export".into(),
            });
        }
        // The row itself: every field counted is a cell of it.
        let evidence = vec![context.row_evidence(deal, None, None::<Text>)];
        out.push(Insight {
            key: format!("evidence.evidence_fields_filled.record.{}", deal.opp.id),
            module: Module::Evidence,
            measure: "evidence_fields_filled".into(),
            subject: Subject {
                kind: SubjectKind::Record,
                id: deal.opp.id.to_string(),
                label: deal.opp.name.to_string(),
            },
            value,
            unit: Unit::Count,
            reference: None,
            period: Some(period.clone()),
            population,
            formula: "count of evidence fields with a non-empty value in the deal's row, out of those whose column its export has".into(),
            text,
            evidence,
        });
    }
}

/// How many of a row's evidence fields are filled, out of those whose column its export has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FillCounts {
    pub filled: usize,
    pub with_column: usize,
}

impl FillCounts {
    pub(super) fn of(cells: &[Cell]) -> FillCounts {
        let mut counts = FillCounts {
            filled: 0,
            with_column: 0,
        };
        for cell in cells {
            match cell {
                Cell::NoColumn => {}
                Cell::Empty => counts.with_column += 1,
                Cell::Filled(_) => {
                    counts.filled += 1;
                    counts.with_column += 1;
                }
            }
        }
        counts
    }
}

fn cell_of(value: Option<&str>) -> Cell<'_> {
    match value {
        Some(text) if !text.trim().is_empty() => Cell::Filled(text),
        _ => Cell::Empty,
    }
}
