//! From a grid of text rows to typed records: finding the header, stripping the footer, settling
//! dates, and building one record per data row or one [`Rejection`] that says why not.
//!
//! Each kind of table has a `*Columns` struct resolved once per file from the [`ColumnMap`], and a
//! builder that reads one row through a [`RowReader`]. Builders return `Err(Rejection)` for a row
//! they cannot store; nothing here panics on any cell.

use std::cell::{Cell, RefCell};

use rustc_hash::FxHashMap;

use chrono::{NaiveDate, NaiveDateTime};

use super::decode::{Cells, Grid, SplitError};
use super::detect::{ColumnMap, Detected};
use super::history::{self, HistoryRow};
use super::layout::{Layout, Scanner};
use super::mapping::Mapping;
use super::values::{self, DecimalMark, SlashOrder};
use super::{
    DateOrder, GridRow, ImportError, ImportOptions, ImportProgress, ImportReport, ImportStep,
    ImportedData, Rejection, TableKind,
};
use crate::model::{
    Account, ChurnEvent, DealStatus, EvidenceFields, EvidenceNames, ExperimentAssignment,
    ForecastCategory, HistoryEvent, Opportunity, ProgramMilestones, Role, SharedTexts, SourceRef,
    Subscription, Text, Ticket, UsagePoint, User,
};

/// A table read in two passes: once to lay it out (see [`Scanner`]), once to build its records.
///
/// A grid held in memory is gone through twice; a large CSV file is read twice from its start, so
/// that its text and its records are never held together (see [`super::stream`]).
pub(crate) trait RowPasses {
    /// The first pass: shows `visit` every row, in order.
    fn scan(
        &mut self,
        visit: &mut dyn FnMut(&dyn Cells),
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<(), SplitError>;

    /// The second pass: every row again, from the first, each given away.
    fn into_rows(self) -> Result<impl Iterator<Item = Result<GridRow, SplitError>>, SplitError>;
}

impl RowPasses for Vec<GridRow> {
    fn scan(
        &mut self,
        visit: &mut dyn FnMut(&dyn Cells),
        _progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<(), SplitError> {
        for row in self.iter() {
            visit(row);
        }
        Ok(())
    }

    fn into_rows(self) -> Result<impl Iterator<Item = Result<GridRow, SplitError>>, SplitError> {
        Ok(self.into_iter().map(Ok))
    }
}

pub(crate) fn import_grid(
    file_name: &str,
    grid: Grid,
    options: &ImportOptions,
    progress: &mut dyn FnMut(ImportProgress),
    history_out: Option<&mut dyn FnMut(HistoryEvent)>,
) -> Result<ImportReport, ImportError> {
    import_rows(
        file_name,
        grid.rows,
        grid.notes,
        options,
        progress,
        history_out,
    )
    .map_err(|error| match error {
        SplitError::Import(error) => error,
        // A grid in memory is neither read nor decoded again.
        SplitError::NotUtf8 | SplitError::Read(_) => ImportError::NotATable {
            detail: "the rows could not be read".into(),
        },
    })
}

/// Imports a table from its two passes; `notes` are the reader's (decoding, delimiter).
///
/// An OpportunityHistory table's events go to `history_out` as they are made, when given, rather
/// than into the report.
pub(crate) fn import_rows(
    file_name: &str,
    mut passes: impl RowPasses,
    notes: Vec<String>,
    options: &ImportOptions,
    progress: &mut dyn FnMut(ImportProgress),
    history_out: Option<&mut dyn FnMut(HistoryEvent)>,
) -> Result<ImportReport, SplitError> {
    let mut scanner = Scanner::new(options);
    passes.scan(&mut |row| scanner.visit(row), progress)?;
    let Layout {
        header_idx,
        data_end,
        headers,
        detected: Detected { format, columns },
        n_data_rows,
        slash_order,
        decimal_mark,
        as_of,
        as_of_source,
        notes,
    } = scanner.finish(notes, options).map_err(SplitError::Import)?;
    let mapping = options.mapping.as_ref();

    // The data rows: after the header, before any footer, blank rows skipped. A row that cannot
    // be read the second time ends them, and is told after.
    let failure: Cell<Option<SplitError>> = Cell::new(None);
    let rows = passes
        .into_rows()?
        .take(data_end)
        .skip(header_idx + 1)
        .map_while(|row| row.map_err(|error| failure.set(Some(error))).ok())
        .filter(|row| !row.is_blank());

    let context = Context {
        headers: &headers,
        order: slash_order,
        decimal: decimal_mark,
        mapping,
        columns: &columns,
        progress: RefCell::new(progress),
    };
    let mut built = Built {
        total: n_data_rows,
        ..Built::default()
    };
    let columns = &columns;
    match format.kind {
        TableKind::Opportunities => {
            let mut first_line_of_id: FxHashMap<Text, u64> = FxHashMap::default();
            let mut texts = SharedTexts::default();
            let mut stages = StageStatuses::default();
            let cols = OpportunityColumns::of(columns);
            let evidence = EvidenceColumns::of(columns);
            let built_rows = built.rows(&context, rows, |reader| {
                opportunity_with_stage_events(
                    reader,
                    &context,
                    (&cols, &evidence),
                    &mut first_line_of_id,
                    &mut texts,
                    &mut stages,
                )
            });
            for (opportunity, events) in built_rows {
                built.data.opportunities.push(opportunity);
                built.data.history.extend(events);
            }
        }
        TableKind::OpportunityHistory => {
            let mut texts = SharedTexts::default();
            let cols = HistoryColumns::of(columns);
            let history_rows = built.rows(&context, rows, |reader| {
                history_row(reader, &cols, context.mapping, &mut texts)
            });
            drop(texts);
            let events = &mut built.data.history;
            match history_out {
                Some(emit) => history::events_from_rows(history_rows, emit),
                None => history::events_from_rows(history_rows, &mut |event| events.push(event)),
            }
        }
        TableKind::FieldHistory => {
            built.data.history =
                built.rows(&context, rows, |reader| field_history_row(reader, columns));
        }
        TableKind::Accounts => {
            built.data.accounts = built.rows(&context, rows, |reader| account_row(reader, columns));
        }
        TableKind::Users => {
            built.data.users = built.rows(&context, rows, |reader| user_row(reader, columns));
        }
        TableKind::Roles => {
            built.data.roles = built.rows(&context, rows, |reader| role_row(reader, columns));
        }
        TableKind::Subscriptions => {
            built.data.subscriptions =
                built.rows(&context, rows, |reader| subscription_row(reader, columns));
        }
        TableKind::Usage => {
            built.data.usage = built.rows(&context, rows, |reader| usage_row(reader, columns));
        }
        TableKind::Tickets => {
            built.data.tickets = built.rows(&context, rows, |reader| ticket_row(reader, columns));
        }
        TableKind::ChurnEvents => {
            built.data.churn_events =
                built.rows(&context, rows, |reader| churn_row(reader, columns));
        }
        TableKind::ProgramMilestones => {
            built.data.milestones =
                built.rows(&context, rows, |reader| milestone_row(reader, columns));
        }
        TableKind::ExperimentAssignments => {
            built.data.assignments =
                built.rows(&context, rows, |reader| assignment_row(reader, columns));
        }
    }
    if let Some(error) = failure.take() {
        return Err(error);
    }
    if built.stored_rows + built.rejected.len() != n_data_rows {
        // The second pass read other rows than the first: the file changed in between.
        return Err(SplitError::Read(std::io::Error::other(
            "the file changed while it was read",
        )));
    }

    Ok(ImportReport {
        file_name: file_name.to_string(),
        format,
        as_of,
        as_of_source,
        date_order: slash_order.map(|order| match order {
            SlashOrder::DayFirst => DateOrder::DayFirst,
            SlashOrder::MonthFirst => DateOrder::MonthFirst,
        }),
        decimal_mark,
        columns: columns.described.clone(),
        unused_columns: columns.unused.clone(),
        data_rows: n_data_rows,
        stored_rows: built.stored_rows,
        rejected: built.rejected,
        notes,
        data: built.data,
    })
}

/// What every builder reads from.
struct Context<'a> {
    headers: &'a [String],
    order: Option<SlashOrder>,
    decimal: Option<DecimalMark>,
    mapping: Option<&'a Mapping>,
    columns: &'a ColumnMap,
    /// Told how many rows are built so far (the builders borrow the context immutably).
    progress: RefCell<&'a mut dyn FnMut(ImportProgress)>,
}

/// Rows between two progress reports while building records.
const BUILD_REPORT_EVERY: usize = 4096;

#[derive(Default)]
struct Built {
    /// The data rows, for progress.
    total: usize,
    data: ImportedData,
    stored_rows: usize,
    rejected: Vec<Rejection>,
}

/// Reads the cells of one row as typed values; every failure names the row and column.
struct RowReader<'a> {
    row: &'a GridRow,
    headers: &'a [String],
    order: Option<SlashOrder>,
    decimal: Option<DecimalMark>,
}

type Column = Option<usize>;

impl<'a> RowReader<'a> {
    fn cell(&self, column: Column) -> &'a str {
        column
            .and_then(|column| self.row.cell(column))
            .unwrap_or("")
    }

    fn reject(&self, column: Column, reason: impl Into<String>) -> Rejection {
        Rejection {
            line: self.row.line,
            column: column.map(|column| column + 1),
            column_name: column.and_then(|column| self.headers.get(column).cloned()),
            reason: reason.into(),
        }
    }

    fn typed<T>(
        &self,
        column: Column,
        parse: impl Fn(&str) -> Result<Option<T>, String>,
    ) -> Result<Option<T>, Rejection> {
        parse(self.cell(column)).map_err(|reason| self.reject(column, reason))
    }

    fn text(&self, column: Column) -> Option<String> {
        values::text(self.cell(column))
    }

    /// [`RowReader::text`], borrowed from the row.
    fn trimmed(&self, column: Column) -> Option<&'a str> {
        values::trimmed(self.cell(column))
    }

    /// [`RowReader::text`] as a record's [`Text`].
    fn field(&self, column: Column) -> Option<Text> {
        values::trimmed(self.cell(column)).map(Text::from)
    }

    /// [`RowReader::field`], taken from the texts the file's rows share.
    fn shared_field(&self, column: Column, texts: &mut SharedTexts) -> Option<Text> {
        values::trimmed(self.cell(column)).map(|text| texts.get(text))
    }

    fn required_text(&self, column: Column, what: &str) -> Result<String, Rejection> {
        self.text(column)
            .ok_or_else(|| self.reject(column, format!("no {what}")))
    }

    fn number(&self, column: Column) -> Result<Option<f64>, Rejection> {
        self.typed(column, |text| values::number(text, self.decimal))
    }

    fn money(&self, column: Column) -> Result<Option<(f64, Option<&'a str>)>, Rejection> {
        values::money(self.cell(column), self.decimal).map_err(|reason| self.reject(column, reason))
    }

    fn amount(&self, column: Column) -> Result<Option<f64>, Rejection> {
        Ok(self.money(column)?.map(|(value, _)| value))
    }

    fn percent(&self, column: Column) -> Result<Option<f64>, Rejection> {
        self.typed(column, |text| values::percent(text, self.decimal))
    }

    fn boolean(&self, column: Column) -> Result<Option<bool>, Rejection> {
        self.typed(column, values::boolean)
    }

    fn date(&self, column: Column) -> Result<Option<NaiveDate>, Rejection> {
        self.typed(column, |text| values::date(text, self.order))
    }

    fn datetime(&self, column: Column) -> Result<Option<NaiveDateTime>, Rejection> {
        self.typed(column, |text| values::datetime(text, self.order))
    }

    fn required_date(&self, column: Column, what: &str) -> Result<NaiveDate, Rejection> {
        self.date(column)?
            .ok_or_else(|| self.reject(column, format!("no {what}")))
    }

    fn required_datetime(&self, column: Column, what: &str) -> Result<NaiveDateTime, Rejection> {
        self.datetime(column)?
            .ok_or_else(|| self.reject(column, format!("no {what}")))
    }

    fn source(&self) -> SourceRef {
        SourceRef {
            line: self.row.line,
        }
    }

    /// Refuses a row whose cells do not line up with the header.
    fn check_shape(&self) -> Result<(), Rejection> {
        let n_headers = self.headers.len();
        let n_cells = self.row.len();
        let extra_filled = n_cells > n_headers
            && (n_headers..n_cells).any(|column| {
                self.row
                    .cell(column)
                    .is_some_and(|cell| !values::trim(cell).is_empty())
            });
        if n_cells < n_headers || extra_filled {
            return Err(Rejection {
                line: self.row.line,
                column: (n_cells > n_headers).then_some(n_headers + 1),
                column_name: None,
                reason: format!("the row has {n_cells} fields and the header has {n_headers}"),
            });
        }
        Ok(())
    }

    /// Refuses a row that the export marks as deleted (Salesforce `IsDeleted = 1`).
    fn check_not_deleted(&self, column: Column) -> Result<(), Rejection> {
        if self.boolean(column)? == Some(true) {
            return Err(self.reject(column, "the record is marked deleted"));
        }
        Ok(())
    }
}

impl Built {
    /// Builds one record per row, or one rejection (a row that does not line up with the header,
    /// or whatever `build_row` refuses), and returns the records in row order.
    ///
    /// Each row's text is freed once its record is built, so the file's rows and its records are
    /// never both held in full (a million-row history would hold both at once otherwise).
    fn rows<T>(
        &mut self,
        context: &Context,
        rows: impl Iterator<Item = GridRow>,
        mut build_row: impl FnMut(&RowReader) -> Result<T, Rejection>,
    ) -> Vec<T> {
        let mut records = Vec::with_capacity(self.total);
        let total = self.total as u64;
        for (index, row) in rows.enumerate() {
            if index % BUILD_REPORT_EVERY == 0 {
                (context.progress.borrow_mut())(ImportProgress {
                    step: ImportStep::Building,
                    done: index as u64,
                    total,
                });
            }
            let reader = RowReader {
                row: &row,
                headers: context.headers,
                order: context.order,
                decimal: context.decimal,
            };
            match reader.check_shape().and_then(|()| build_row(&reader)) {
                Ok(record) => records.push(record),
                Err(rejection) => self.rejected.push(rejection),
            }
        }
        self.stored_rows += records.len();
        records
    }
}

// ---------------------------------------------------------------------------------------------
// Opportunities

/// Declares a struct of columns, one per field key (the field's name), looked up once per file
/// rather than once per row and field.
macro_rules! columns_of {
    ($name:ident { $($field:ident),* $(,)? }) => {
        struct $name {
            $($field: Column,)*
        }

        impl $name {
            /// The field keys, for the test that each is a field of its kind.
            #[cfg(test)]
            const KEYS: &[&str] = &[$(stringify!($field)),*];

            fn of(columns: &ColumnMap) -> $name {
                $name {
                    $($field: columns.get(stringify!($field)),)*
                }
            }
        }
    };
}

columns_of!(OpportunityColumns {
    is_deleted,
    id,
    name,
    account_id,
    account_name,
    owner,
    owner_manager,
    team,
    region,
    segment,
    stage,
    stage_order,
    is_closed,
    is_won,
    status,
    forecast_category,
    amount,
    currency,
    probability,
    close_date,
    created_date,
    last_activity_date,
    stage_entered_date,
    next_step,
    opportunity_type,
    lead_source,
    partner,
});

/// An opportunity table's evidence columns: their fields' names, shared by every record, and
/// the column of each.
struct EvidenceColumns {
    names: EvidenceNames,
    columns: Vec<usize>,
}

impl EvidenceColumns {
    fn of(columns: &ColumnMap) -> EvidenceColumns {
        let (names, columns) = columns.evidence.iter().cloned().unzip();
        EvidenceColumns {
            names: EvidenceFields::names_of(names),
            columns,
        }
    }
}

/// One opportunity and the stage events of its HubSpot "Date entered" cells; a second row with
/// the same id is rejected, naming the line of the first.
fn opportunity_with_stage_events(
    reader: &RowReader,
    context: &Context,
    (cols, evidence): (&OpportunityColumns, &EvidenceColumns),
    first_line_of_id: &mut FxHashMap<Text, u64>,
    texts: &mut SharedTexts,
    stages: &mut StageStatuses,
) -> Result<(Opportunity, Vec<HistoryEvent>), Rejection> {
    let columns = context.columns;
    let opportunity = opportunity_row(
        reader,
        columns,
        (cols, evidence),
        context.mapping,
        texts,
        stages,
    )?;
    if let Some(&first_line) = first_line_of_id.get(&opportunity.id) {
        return Err(reader.reject(
            cols.id.or(cols.name),
            format!(
                "the opportunity {} already appears on line {first_line}",
                opportunity.id
            ),
        ));
    }
    let events = if columns.stage_dates.is_empty() {
        Vec::new()
    } else {
        history::stage_date_events(&reader_stage_dates(reader, columns), &opportunity)
            .map_err(|(column, reason)| reader.reject(Some(column), reason))?
    };
    first_line_of_id.insert(opportunity.id.clone(), reader.row.line);
    Ok((opportunity, events))
}

/// The (stage, entered?, column, cell text) of each HubSpot stage-date column in this row.
fn reader_stage_dates<'a>(
    reader: &RowReader<'a>,
    columns: &'a ColumnMap,
) -> Vec<history::StageDateCell<'a>> {
    columns
        .stage_dates
        .iter()
        .map(|stage_date| history::StageDateCell {
            stage: &stage_date.stage,
            entered: stage_date.entered,
            column: stage_date.column,
            parsed: values::datetime(reader.cell(Some(stage_date.column)), reader.order),
        })
        .collect()
}

/// One opportunity row as a record, or why it is rejected.
///
/// The texts that rows repeat (accounts, owners, teams, stages, evidence values) are taken from
/// `texts`, one allocation each for the file; ids, names and next steps are each row's own.
fn opportunity_row(
    reader: &RowReader,
    columns: &ColumnMap,
    (cols, evidence): (&OpportunityColumns, &EvidenceColumns),
    mapping: Option<&Mapping>,
    texts: &mut SharedTexts,
    stages: &mut StageStatuses,
) -> Result<Opportunity, Rejection> {
    let mut shared = |column: Column| reader.shared_field(column, texts);
    reader.check_not_deleted(cols.is_deleted)?;
    let name = reader.trimmed(cols.name);
    let id = match (reader.trimmed(cols.id), name) {
        (Some(id), _) => Text::from(id),
        // Without a record id (a stock "Details Only" report has none), the account and the name
        // together stand in for it: "Renewal 2026" may recur across accounts.
        (None, Some(name)) => Text::from(match shared(cols.account_name) {
            Some(account) => format!("name:{account}/{name}"),
            None => format!("name:{name}"),
        }),
        (None, None) => {
            return Err(reader.reject(cols.id.or(cols.name), "no opportunity id and no name"));
        }
    };
    let (amount, amount_currency) = match reader.money(cols.amount)? {
        Some((value, currency)) => (Some(value), currency),
        None => (None, None),
    };
    let currency = shared(cols.currency)
        .or_else(|| shared(columns.amount_currency))
        .or(amount_currency.map(Text::from));
    let stage = shared(cols.stage);
    let forecast_category = reader
        .trimmed(cols.forecast_category)
        .map(|raw| forecast_category(raw, mapping));
    let status = deal_status(reader, cols, || {
        stage
            .as_ref()
            .map_or(DealStatus::Open, |stage| stages.of(stage, mapping))
    })?;
    let stage_order = match reader.number(cols.stage_order)? {
        Some(order) if order >= 0.0 && order.fract() == 0.0 && order <= f64::from(u32::MAX) => {
            Some(order as u32)
        }
        Some(_) => {
            return Err(reader.reject(cols.stage_order, "the stage order is not a whole number"));
        }
        None => stage
            .as_deref()
            .and_then(|stage| mapped_stage_order(stage, mapping)),
    };
    let evidence = EvidenceFields::with_values(
        &evidence.names,
        evidence
            .columns
            .iter()
            .map(|&column| shared(Some(column)))
            .collect(),
    );
    Ok(Opportunity {
        name: name.map_or_else(|| id.clone(), Text::from),
        id,
        account_id: shared(cols.account_id),
        account_name: shared(cols.account_name),
        owner: shared(cols.owner),
        owner_manager: shared(cols.owner_manager),
        team: shared(cols.team),
        region: shared(cols.region),
        segment: shared(cols.segment),
        stage,
        stage_order,
        status,
        forecast_category,
        amount,
        currency,
        probability: probability(reader, cols.probability)?,
        close_date: reader.date(cols.close_date)?,
        created_date: reader.date(cols.created_date)?,
        last_activity_date: reader.date(cols.last_activity_date)?,
        stage_entered_date: reader.date(cols.stage_entered_date)?,
        next_step: reader.field(cols.next_step),
        opportunity_type: shared(cols.opportunity_type),
        lead_source: shared(cols.lead_source),
        partner: shared(cols.partner),
        evidence,
        source: reader.source(),
    })
}

/// Won, lost or open: from IsWon/IsClosed when present, else a Status column, else the stage
/// name (`stage_status`).
fn deal_status(
    reader: &RowReader,
    cols: &OpportunityColumns,
    stage_status: impl FnOnce() -> DealStatus,
) -> Result<DealStatus, Rejection> {
    let is_won = reader.boolean(cols.is_won)?;
    let is_closed = reader.boolean(cols.is_closed)?;
    match (is_won, is_closed) {
        (Some(true), _) => return Ok(DealStatus::Won),
        (Some(false), Some(true)) => return Ok(DealStatus::Lost),
        (_, Some(false)) => return Ok(DealStatus::Open),
        _ => {}
    }
    let status = status_from_columns(reader, cols, stage_status);
    if is_closed == Some(true) && status == DealStatus::Open {
        return Err(reader.reject(
            cols.is_closed,
            "the deal is closed but neither its stage nor a status column says won or lost \
             (a mapping's [stages] won/lost lists can say it)",
        ));
    }
    Ok(status)
}

/// Won, lost or open from a Status column, else from the stage name (`stage_status`).
fn status_from_columns(
    reader: &RowReader,
    cols: &OpportunityColumns,
    stage_status: impl FnOnce() -> DealStatus,
) -> DealStatus {
    if let Some(status) = reader.text(cols.status) {
        match status.to_lowercase().as_str() {
            "won" | "closed won" => return DealStatus::Won,
            "lost" | "closed lost" => return DealStatus::Lost,
            "open" | "active" | "in progress" => return DealStatus::Open,
            _ => {}
        }
    }
    stage_status()
}

/// The status each stage name of one file reads as: a stage recurs on most rows, and finding it
/// again costs less than reading its name ([`status_from_stage`]).
#[derive(Default)]
struct StageStatuses(Vec<(Text, DealStatus)>);

impl StageStatuses {
    /// Stages remembered; a file with more names reads the others each time.
    const MAX: usize = 64;

    fn of(&mut self, stage: &Text, mapping: Option<&Mapping>) -> DealStatus {
        // A stage shared by the file's rows is the same text each time: its address finds it.
        let known = self
            .0
            .iter()
            .find(|(known, _)| std::ptr::eq(known.as_str(), stage.as_str()) || known == stage);
        if let Some((_, status)) = known {
            return *status;
        }
        let status = status_from_stage(stage, mapping);
        if self.0.len() < Self::MAX {
            self.0.push((stage.clone(), status));
        }
        status
    }
}

/// A probability on the 0–100 scale; anything outside it is refused rather than rescaled.
fn probability(reader: &RowReader, column: Column) -> Result<Option<f64>, Rejection> {
    match reader.percent(column)? {
        Some(value) if !(0.0..=100.0).contains(&value) => {
            Err(reader.reject(column, format!("the probability {value} is outside 0–100")))
        }
        value => Ok(value),
    }
}

/// A stage's status, by the mapping's won/lost lists or the usual closed-stage names.
/// "No decision" and similar stages count as lost only when a mapping lists them so.
pub(crate) fn status_from_stage(stage: &str, mapping: Option<&Mapping>) -> DealStatus {
    let listed = |list: &[String]| {
        list.iter()
            .any(|name| name.trim().eq_ignore_ascii_case(stage.trim()))
    };
    if let Some(mapping) = mapping {
        if listed(&mapping.won_stages) {
            return DealStatus::Won;
        }
        if listed(&mapping.lost_stages) {
            return DealStatus::Lost;
        }
    }
    // Every closed-stage name below ends in "won" or "lost" (or carries a custom field's "__c"):
    // most stages are settled by their last letters.
    let mut last = stage
        .trim_end()
        .chars()
        .rev()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase);
    let tail = [last.next(), last.next(), last.next()];
    if !matches!(
        tail,
        [Some('n'), Some('o'), Some('w')] | [Some('t'), Some('s'), Some('o')] | [Some('c'), ..]
    ) {
        return DealStatus::Open;
    }
    let named = |names: &[&str]| {
        names
            .iter()
            .any(|name| super::fields::normalizes_to(stage, name))
    };
    if named(&["closedwon", "won", "dealwon"]) {
        DealStatus::Won
    } else if named(&["closedlost", "lost", "deallost"]) {
        DealStatus::Lost
    } else {
        DealStatus::Open
    }
}

fn mapped_stage_order(stage: &str, mapping: Option<&Mapping>) -> Option<u32> {
    let position = mapping?
        .stage_order
        .iter()
        .position(|name| name.trim().eq_ignore_ascii_case(stage.trim()))?;
    u32::try_from(position + 1).ok()
}

/// Normalises a forecast category label or API value; unknown values are kept as they are.
pub(crate) fn forecast_category(raw: &str, mapping: Option<&Mapping>) -> ForecastCategory {
    let raw = values::trim(raw);
    let no_mapped_values = mapping.is_none_or(|mapping| mapping.forecast_categories.is_empty());
    if no_mapped_values && raw.is_ascii() {
        // Lower-casing ASCII is ASCII's own: told without a lower-cased copy.
        return forecast_category_named(raw, |word| raw.eq_ignore_ascii_case(word));
    }
    let lower = raw.to_lowercase();
    if let Some((_, category)) = mapping.and_then(|mapping| {
        mapping
            .forecast_categories
            .iter()
            .find(|(value, _)| *value == lower)
    }) {
        return category.clone();
    }
    forecast_category_named(raw, |word| lower == word)
}

/// The category whose names `is` one of; `raw` kept as it is when none.
fn forecast_category_named(raw: &str, is: impl Fn(&str) -> bool) -> ForecastCategory {
    const NAMES: &[(&[&str], ForecastCategory)] = &[
        (&["pipeline", "100000001"], ForecastCategory::Pipeline),
        (
            &["best case", "bestcase", "100000002"],
            ForecastCategory::BestCase,
        ),
        (&["most likely", "mostlikely"], ForecastCategory::MostLikely),
        (
            &["commit", "committed", "forecast", "100000003"],
            ForecastCategory::Commit,
        ),
        (&["omitted", "100000004"], ForecastCategory::Omitted),
        (
            &["closed", "won", "lost", "100000005", "100000006"],
            ForecastCategory::Closed,
        ),
    ];
    NAMES
        .iter()
        .find(|(names, _)| names.iter().any(|&name| is(name)))
        .map_or_else(
            || ForecastCategory::Other(raw.to_string()),
            |(_, category)| category.clone(),
        )
}

// ---------------------------------------------------------------------------------------------
// History

columns_of!(HistoryColumns {
    is_deleted,
    opportunity_id,
    at,
    by,
    stage,
    from_stage,
    forecast_category,
    from_forecast_category,
    amount,
    prev_amount,
    close_date,
    prev_close_date,
    probability,
});

fn history_row(
    reader: &RowReader,
    cols: &HistoryColumns,
    mapping: Option<&Mapping>,
    texts: &mut SharedTexts,
) -> Result<HistoryRow, Rejection> {
    let by = reader.shared_field(cols.by, texts);
    let stage = reader.shared_field(cols.stage, texts);
    let from_stage = reader.shared_field(cols.from_stage, texts);
    let mut category = |column: Column| {
        reader
            .text(column)
            .map(|raw| texts.get(forecast_category(&raw, mapping).label()))
    };
    let forecast = category(cols.forecast_category);
    let from_forecast = category(cols.from_forecast_category);
    reader.check_not_deleted(cols.is_deleted)?;
    Ok(HistoryRow {
        opportunity_id: texts.get(&reader.required_text(cols.opportunity_id, "opportunity id")?),
        at: reader.required_datetime(cols.at, "change date")?,
        by,
        stage,
        amount: reader.amount(cols.amount)?,
        close_date: reader.date(cols.close_date)?,
        probability: reader.percent(cols.probability)?,
        forecast_category: forecast,
        from_stage,
        from_forecast_category: from_forecast,
        prev_amount: reader.amount(cols.prev_amount)?,
        prev_close_date: reader.date(cols.prev_close_date)?,
        has_from_columns: cols.from_stage.is_some() || cols.prev_amount.is_some(),
        source: reader.source(),
    })
}

fn field_history_row(reader: &RowReader, columns: &ColumnMap) -> Result<HistoryEvent, Rejection> {
    let column = |key: &str| columns.get(key);
    reader.check_not_deleted(column("is_deleted"))?;
    let field_name = reader.required_text(column("field"), "field name")?;
    let field = history::field_from_name(&field_name);
    Ok(HistoryEvent {
        opportunity_id: reader
            .required_text(column("opportunity_id"), "opportunity id")?
            .into(),
        old_value: reader.text(column("old_value")).map(|value| {
            history::canonical_value(&field, &value, reader.order, reader.decimal).into()
        }),
        new_value: reader.text(column("new_value")).map(|value| {
            history::canonical_value(&field, &value, reader.order, reader.decimal).into()
        }),
        field,
        at: reader.required_datetime(column("at"), "change date")?,
        by: reader.field(column("by")),
        source: reader.source(),
    })
}

// ---------------------------------------------------------------------------------------------
// Accounts, users, roles

fn account_row(reader: &RowReader, columns: &ColumnMap) -> Result<Account, Rejection> {
    let column = |key: &str| columns.get(key);
    reader.check_not_deleted(column("is_deleted"))?;
    Ok(Account {
        id: reader.required_text(column("id"), "account id")?,
        name: reader.text(column("name")),
        industry: reader.text(column("industry")),
        segment: reader.text(column("segment")),
        country: reader.text(column("country")),
        owner: reader.text(column("owner")),
        account_type: reader.text(column("account_type")),
        parent_id: reader.text(column("parent_id")),
        created_date: reader.date(column("created_date"))?,
        source: reader.source(),
    })
}

fn user_row(reader: &RowReader, columns: &ColumnMap) -> Result<User, Rejection> {
    let column = |key: &str| columns.get(key);
    Ok(User {
        id: reader.required_text(column("id"), "user id")?,
        name: reader.text(column("name")),
        manager_id: reader.text(column("manager_id")),
        role_id: reader.text(column("role_id")),
        is_active: reader.boolean(column("is_active"))?,
        start_date: reader.date(column("start_date"))?,
        source: reader.source(),
    })
}

fn role_row(reader: &RowReader, columns: &ColumnMap) -> Result<Role, Rejection> {
    let column = |key: &str| columns.get(key);
    Ok(Role {
        id: reader.required_text(column("id"), "role id")?,
        name: reader.text(column("name")),
        parent_role_id: reader.text(column("parent_role_id")),
        source: reader.source(),
    })
}

// ---------------------------------------------------------------------------------------------
// Renewals

fn subscription_row(reader: &RowReader, columns: &ColumnMap) -> Result<Subscription, Rejection> {
    let column = |key: &str| columns.get(key);
    let start_date = reader.date(column("start_date"))?;
    let end_date = reader.date(column("end_date"))?;
    if let (Some(start), Some(end)) = (start_date, end_date)
        && end < start
    {
        return Err(reader.reject(
            column("end_date"),
            format!("the end date {end} is before the start date {start}"),
        ));
    }
    Ok(Subscription {
        id: reader.required_text(column("id"), "subscription id")?,
        account_id: reader.required_text(column("account_id"), "account id")?,
        start_date,
        end_date,
        plan: reader.text(column("plan")),
        seats: reader.number(column("seats"))?,
        mrr: reader.amount(column("mrr"))?,
        arr: reader.amount(column("arr"))?,
        billing_frequency: reader.text(column("billing_frequency")),
        auto_renew: reader.boolean(column("auto_renew"))?,
        is_trial: reader.boolean(column("is_trial"))?,
        upgrade: reader.boolean(column("upgrade"))?,
        downgrade: reader.boolean(column("downgrade"))?,
        churned: reader.boolean(column("churned"))?,
        source: reader.source(),
    })
}

fn usage_row(reader: &RowReader, columns: &ColumnMap) -> Result<UsagePoint, Rejection> {
    let column = |key: &str| columns.get(key);
    let subscription_id = reader.text(column("subscription_id"));
    let account_id = reader.text(column("account_id"));
    if subscription_id.is_none() && account_id.is_none() {
        return Err(reader.reject(
            column("subscription_id").or(column("account_id")),
            "no subscription id and no account id",
        ));
    }
    Ok(UsagePoint {
        id: reader.text(column("id")),
        subscription_id,
        account_id,
        date: reader.required_date(column("date"), "usage date")?,
        metric: reader.text(column("metric")),
        count: reader
            .number(column("count"))?
            .ok_or_else(|| reader.reject(column("count"), "no usage count"))?,
        duration_seconds: reader.number(column("duration_seconds"))?,
        errors: reader.number(column("errors"))?,
        source: reader.source(),
    })
}

fn ticket_row(reader: &RowReader, columns: &ColumnMap) -> Result<Ticket, Rejection> {
    let column = |key: &str| columns.get(key);
    Ok(Ticket {
        id: reader.required_text(column("id"), "ticket id")?,
        account_id: reader.required_text(column("account_id"), "account id")?,
        opened: reader.required_datetime(column("opened"), "submission date")?,
        closed: reader.datetime(column("closed"))?,
        priority: reader.text(column("priority")),
        resolution_hours: reader.number(column("resolution_hours"))?,
        first_response_minutes: reader.number(column("first_response_minutes"))?,
        satisfaction: reader.number(column("satisfaction"))?,
        escalated: reader.boolean(column("escalated"))?,
        source: reader.source(),
    })
}

fn churn_row(reader: &RowReader, columns: &ColumnMap) -> Result<ChurnEvent, Rejection> {
    let column = |key: &str| columns.get(key);
    Ok(ChurnEvent {
        id: reader.text(column("id")),
        account_id: reader.required_text(column("account_id"), "account id")?,
        date: reader.required_date(column("date"), "churn date")?,
        reason: reader.text(column("reason")),
        refund_amount: reader.amount(column("refund_amount"))?,
        is_reactivation: reader.boolean(column("is_reactivation"))?,
        source: reader.source(),
    })
}

// ---------------------------------------------------------------------------------------------
// GTM program

fn milestone_row(reader: &RowReader, columns: &ColumnMap) -> Result<ProgramMilestones, Rejection> {
    let column = |key: &str| columns.get(key);
    let milestones = ProgramMilestones {
        account_id: reader.required_text(column("account_id"), "account id")?,
        account_name: reader.text(column("account_name")),
        program: reader.text(column("program")),
        segment: reader.text(column("segment")),
        eligible_date: reader.date(column("eligible_date"))?,
        pilot_start: reader.date(column("pilot_start"))?,
        pilot_end: reader.date(column("pilot_end"))?,
        security_review_start: reader.date(column("security_review_start"))?,
        security_review_end: reader.date(column("security_review_end"))?,
        contract_date: reader.date(column("contract_date"))?,
        activation_date: reader.date(column("activation_date"))?,
        churn_date: reader.date(column("churn_date"))?,
        source: reader.source(),
    };
    // An interval that ends before it starts cannot be measured: refuse the row rather than
    // carry a negative duration into the scorecard.
    let intervals = [
        (
            "pilot_start",
            milestones.pilot_start,
            "pilot_end",
            milestones.pilot_end,
        ),
        (
            "security_review_start",
            milestones.security_review_start,
            "security_review_end",
            milestones.security_review_end,
        ),
    ];
    for (start_key, start, end_key, end) in intervals {
        if let (Some(start), Some(end)) = (start, end)
            && end < start
        {
            return Err(reader.reject(
                column(end_key),
                format!("{end_key} {end} is before {start_key} {start}"),
            ));
        }
    }
    Ok(milestones)
}

fn assignment_row(
    reader: &RowReader,
    columns: &ColumnMap,
) -> Result<ExperimentAssignment, Rejection> {
    let column = |key: &str| columns.get(key);
    Ok(ExperimentAssignment {
        account_id: reader.required_text(column("account_id"), "account id")?,
        experiment_id: reader.required_text(column("experiment_id"), "experiment id")?,
        arm: reader.required_text(column("arm"), "arm")?,
        assigned_on: reader.date(column("assigned_on"))?,
        source: reader.source(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_stages_are_read_by_their_normalised_name() {
        for (stage, status) in [
            ("Closed Won", DealStatus::Won),
            ("closed_won", DealStatus::Won),
            ("Closed Won.", DealStatus::Won),
            ("closed_won__c", DealStatus::Won),
            ("Deal WON", DealStatus::Won),
            ("won", DealStatus::Won),
            ("Closed Lost", DealStatus::Lost),
            ("closedlost  ", DealStatus::Lost),
            ("Deal lost", DealStatus::Lost),
            ("Negotiation", DealStatus::Open),
            ("No Decision", DealStatus::Open),
            ("Almost won", DealStatus::Open),
            ("Lost", DealStatus::Lost),
            ("", DealStatus::Open),
            ("n", DealStatus::Open),
        ] {
            assert_eq!(status_from_stage(stage, None), status, "{stage:?}");
        }
    }

    #[test]
    fn the_columns_looked_up_once_are_fields_of_their_table() {
        for key in OpportunityColumns::KEYS {
            assert!(
                super::super::fields::field_spec(TableKind::Opportunities, key).is_some(),
                "{key}"
            );
        }
        assert_eq!(OpportunityColumns::KEYS.len(), 27);
        for key in HistoryColumns::KEYS {
            assert!(
                super::super::fields::field_spec(TableKind::OpportunityHistory, key).is_some(),
                "{key}"
            );
        }
    }

    #[test]
    fn a_stage_remembered_reads_as_its_name_does() {
        let mut stages = StageStatuses::default();
        let won = Text::from("Closed Won");
        assert_eq!(stages.of(&won, None), DealStatus::Won);
        // The same text, and an equal one elsewhere in memory, are found again.
        assert_eq!(stages.of(&won.clone(), None), DealStatus::Won);
        assert_eq!(stages.of(&Text::from("Closed Won"), None), DealStatus::Won);
        assert_eq!(stages.0.len(), 1);
        // Past the limit, stages are read each time, and read right.
        for idx in 0..StageStatuses::MAX + 5 {
            let stage = Text::from(format!("Stage {idx}"));
            assert_eq!(stages.of(&stage, None), DealStatus::Open);
        }
        assert_eq!(stages.0.len(), StageStatuses::MAX);
        assert_eq!(stages.of(&Text::from("Deal lost"), None), DealStatus::Lost);
        // A mapping's lists are read too.
        let mapping = Mapping {
            lost_stages: vec!["No Decision".into()],
            ..Mapping::default()
        };
        let mut mapped = StageStatuses::default();
        assert_eq!(
            mapped.of(&Text::from("No Decision"), Some(&mapping)),
            DealStatus::Lost
        );
    }
}
