//! The first pass over a table: where its header is, what format it has, where its data ends
//! (a report footer), how many of its rows are blank, how its slash dates read, and which decimal
//! mark its numbers use.
//!
//! A [`Scanner`] sees each row once, in order, and keeps only what the decisions need: the rows
//! above the header are counted, not kept; of the rows below it, only the trailing run that may be
//! a footer (rows with at most one filled cell) is held, and each date cell is weighed as it goes
//! by. So a large CSV file can be laid out while it is read, and read again to build its records
//! (see [`super::stream`]).

use super::dates::{CellSample, DateEvidence};
use super::decode::{Cells, GridRow};
use super::detect::{Detected, detect};
use super::fields::ValueType;
use super::footer::{Footer, footer_in_run};
use super::mapping::Mapping;
use super::marks::MarkEvidence;
use super::values::{self, DecimalMark, SlashDate, SlashOrder};
use super::{AsOfSource, DateOrder, Format, ImportError, ImportOptions};

/// How far down a header row is looked for (report exports may carry a title and filters above it).
const HEADER_SEARCH_ROWS: usize = 30;

/// What the first pass learnt: everything the second pass needs to build the records.
pub(crate) struct Layout {
    /// The header's index among the file's rows (0-based, blank rows counted).
    pub header_idx: usize,
    /// The index of the first row after the data (a footer's first row, or the row count).
    pub data_end: usize,
    /// The header's cells, empty ones at the end dropped.
    pub headers: Vec<String>,
    pub detected: Detected,
    /// Data rows: between the header and `data_end`, blank rows excluded.
    pub n_data_rows: usize,
    pub slash_order: Option<SlashOrder>,
    /// The decimal mark of numbers that could be read either way ("1.234"), once settled.
    pub decimal_mark: Option<DecimalMark>,
    pub as_of: Option<chrono::NaiveDate>,
    pub as_of_source: Option<AsOfSource>,
    /// Facts worth telling the user, in the order they were found.
    pub notes: Vec<String>,
}

/// The header row, once found.
struct Header {
    idx: usize,
    cells: Vec<String>,
    detected: Detected,
    /// The columns read as dates, weighed for the day/month order.
    date_columns: Vec<usize>,
    /// The columns read as numbers, weighed for the decimal mark.
    number_columns: Vec<(usize, ValueType)>,
}

/// The first pass over a table's rows; see the module's documentation.
pub(crate) struct Scanner<'a> {
    mapping: Option<&'a Mapping>,
    /// Rows seen so far.
    n_rows: usize,
    header: Option<Header>,
    /// Non-blank rows above the header.
    n_above: usize,
    /// A mapping's complaint about a candidate header row, told only if no row fits.
    mapping_error: Option<ImportError>,
    first_non_blank: Option<Vec<String>>,
    /// Rows after the header.
    n_after_header: usize,
    /// The rows after the last row with more than one filled cell: a footer can only be here.
    run: Vec<GridRow>,
    data: DataRows,
}

/// What is kept of the rows known to be data (below the header, above any footer).
struct DataRows {
    /// Whether date cells are weighed (the caller gave no day/month order).
    weigh_dates: bool,
    n_blank: usize,
    dates: DateEvidence,
    /// Weighed unless the caller (the import options or a mapping) gives the decimal mark.
    marks: Option<MarkEvidence>,
}

impl DataRows {
    /// Counts a blank row, or weighs the row's date cells.
    fn confirm(&mut self, header: &Header, row: &dyn Cells) {
        if row.blank() {
            self.n_blank += 1;
            return;
        }
        let sample = |column: usize, text| CellSample {
            line: row.line(),
            column: column + 1,
            header: header.cells.get(column).map_or("", String::as_str),
            text,
        };
        if let Some(marks) = self.marks.as_mut().filter(|marks| marks.open()) {
            for &(column, value_type) in &header.number_columns {
                if let Some(text) = row.cell_at(column)
                    && let Some(shown) = values::mark_shown(text, value_type)
                {
                    marks.add(&sample(column, text), shown);
                }
            }
        }
        if !self.weigh_dates {
            return;
        }
        for &column in &header.date_columns {
            if let Some(text) = row.cell_at(column) {
                self.dates.add(&sample(column, text));
            }
        }
    }
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(options: &'a ImportOptions) -> Scanner<'a> {
        let mapping = options.mapping.as_ref();
        Scanner {
            mapping,
            n_rows: 0,
            header: None,
            n_above: 0,
            mapping_error: None,
            first_non_blank: None,
            n_after_header: 0,
            run: Vec::new(),
            data: DataRows {
                weigh_dates: requested_order(options) == DateOrder::Auto,
                n_blank: 0,
                dates: DateEvidence::default(),
                marks: requested_mark(options)
                    .is_none()
                    .then(MarkEvidence::default),
            },
        }
    }

    /// Sees the next row of the table.
    pub(crate) fn visit(&mut self, row: &dyn Cells) {
        let idx = self.n_rows;
        self.n_rows += 1;
        if let Some(header) = &self.header {
            self.n_after_header += 1;
            if row.several_filled() {
                // A row of data: the run before it was data too, and no footer is there.
                for earlier in self.run.drain(..) {
                    self.data.confirm(header, &earlier);
                }
                self.data.confirm(header, row);
            } else {
                self.run.push(row.to_row());
            }
            return;
        }
        if row.blank() {
            return;
        }
        let cells = || (0..).map_while(|column| row.cell_at(column).map(str::to_owned));
        if self.first_non_blank.is_none() {
            self.first_non_blank = Some(cells().collect());
        }
        if idx >= HEADER_SEARCH_ROWS {
            return;
        }
        match detect(&cells().collect::<Vec<_>>(), self.mapping) {
            Ok(Some(detected)) => {
                let mut header_cells: Vec<String> = cells().collect();
                // Excel often leaves empty header cells at the end of the row: they name no column.
                while header_cells
                    .last()
                    .is_some_and(|header| header.trim().is_empty())
                {
                    header_cells.pop();
                }
                let date_columns = detected.columns.date_columns(detected.format.kind);
                let number_columns = detected.columns.number_columns(detected.format.kind);
                self.header = Some(Header {
                    idx,
                    cells: header_cells,
                    detected,
                    date_columns,
                    number_columns,
                });
            }
            Ok(None) => self.n_above += 1,
            Err(error) => {
                self.n_above += 1;
                self.mapping_error.get_or_insert(error);
            }
        }
    }

    /// The layout, once every row has been seen; `notes` are the reader's own (how the text was
    /// decoded, its delimiter), told first.
    pub(crate) fn finish(
        mut self,
        mut notes: Vec<String>,
        options: &ImportOptions,
    ) -> Result<Layout, ImportError> {
        let Some(header) = self.header.take() else {
            if let Some(error) = self.mapping_error {
                return Err(error);
            }
            return Err(match self.first_non_blank {
                Some(headers) => ImportError::UnknownFormat { headers },
                None => ImportError::NoHeader,
            });
        };
        if self.n_above > 0 {
            notes.push(format!(
                "{} row(s) above the header skipped (report title or filters)",
                self.n_above
            ));
        }
        let Detected { format, columns } = &header.detected;
        check_required_columns(*format, columns, &header.cells)?;
        for (column, name) in &columns.duplicate_headers {
            notes.push(format!(
                "column {} repeats the header \"{name}\"; the first one is read",
                column + 1
            ));
        }

        let footer = footer_in_run(&self.run);
        let data_in_run = footer.as_ref().map_or(self.run.len(), |(start, _)| *start);
        for row in &self.run[..data_in_run] {
            self.data.confirm(&header, row);
        }
        let footer: Option<Footer> = footer.map(|(_, footer)| footer);
        let n_footer_rows = footer.as_ref().map_or(0, |footer| footer.n_rows);
        if let Some(footer) = &footer {
            notes.push(format!(
                "report footer of {} line(s) from line {} stripped",
                footer.n_rows, footer.line
            ));
        }
        if self.data.n_blank > 0 {
            notes.push(format!("{} blank row(s) skipped", self.data.n_blank));
        }
        let n_data_rows = self.n_after_header - n_footer_rows - self.data.n_blank;
        if n_data_rows == 0 {
            return Err(ImportError::NoDataRows);
        }

        // The footer's "Generated By" date helps settle the day/month order only when it reads
        // one way; an ambiguous footer date never refuses a file whose data is clear.
        let footer_date = footer.and_then(|footer| footer.generated_at);
        if let Some((line, text)) = &footer_date
            && self.data.weigh_dates
            && options.as_of.is_none()
            && SlashDate::parse(text).is_some_and(|date| date.either_order().is_some())
        {
            self.data.dates.add(&CellSample {
                line: *line,
                column: 1,
                header: "Generated By",
                text,
            });
        }
        let slash_order = self.data.dates.settle(requested_order(options))?;
        let decimal_mark = match self.data.marks {
            Some(marks) => {
                let settled = marks.settle();
                notes.extend(settled.note);
                settled.mark
            }
            None => requested_mark(options),
        };

        let (as_of, as_of_source) = match (options.as_of, &footer_date) {
            (Some(date), _) => (Some(date), Some(AsOfSource::Option)),
            (None, Some((line, text))) => match values::date(text, slash_order) {
                Ok(Some(date)) => (Some(date), Some(AsOfSource::ReportFooter)),
                _ => {
                    notes.push(format!(
                        "line {line}: the report footer's date \"{text}\" could not be read as \
                         one date (day/month or month/day?); the as-of date can be given explicitly"
                    ));
                    (None, None)
                }
            },
            (None, None) => (None, None),
        };

        Ok(Layout {
            header_idx: header.idx,
            data_end: header.idx + 1 + self.n_after_header - n_footer_rows,
            headers: header.cells,
            detected: header.detected,
            n_data_rows,
            slash_order,
            decimal_mark,
            as_of,
            as_of_source,
            notes,
        })
    }
}

/// The day/month order the caller asks for: the import options', else the mapping's.
fn requested_order(options: &ImportOptions) -> DateOrder {
    match (
        options.date_order,
        options
            .mapping
            .as_ref()
            .and_then(|mapping| mapping.date_order),
    ) {
        (DateOrder::Auto, Some(order)) => order,
        (order, _) => order,
    }
}

/// The decimal mark the caller gives: the import options', else the mapping's.
fn requested_mark(options: &ImportOptions) -> Option<DecimalMark> {
    options.decimal_mark.or_else(|| {
        options
            .mapping
            .as_ref()
            .and_then(|mapping| mapping.decimal_mark)
    })
}

/// Refuses a table that lacks a column its kind cannot do without: every row would be rejected.
fn check_required_columns(
    format: Format,
    columns: &super::detect::ColumnMap,
    headers: &[String],
) -> Result<(), ImportError> {
    for alternatives in format.kind.required_fields() {
        if alternatives.iter().all(|key| columns.get(key).is_none()) {
            return Err(ImportError::MissingColumn {
                kind: format.kind,
                fields: alternatives.iter().map(|key| (*key).to_string()).collect(),
                headers: headers.to_vec(),
            });
        }
    }
    Ok(())
}
