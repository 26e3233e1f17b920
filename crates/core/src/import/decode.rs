//! From bytes to a grid of text cells: sniffing what the bytes are, decoding text, splitting CSV,
//! and reading the first sheet of a workbook.
//!
//! Every row keeps the line (CSV) or row number (spreadsheet) where it starts, so that later steps
//! can name it. Fully empty rows are kept here (as rows with no non-empty cell) and dropped, with a
//! count, by the caller.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::Cursor;

use calamine::{Data, Reader};

use super::values::format_number;
use super::{ImportError, ImportProgress, ImportStep, MAX_CELL_BYTES, MAX_COLUMNS};

/// One cell of text; spreadsheets' typed cells arrive here already rendered as text
/// (dates as `YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS`, numbers without grouping).
pub type Cell = String;

/// One record of the file, with the 1-based line (CSV) or row (spreadsheet) it starts on.
///
/// The cells share one exactly sized buffer, and their ends one more: a region's history export
/// has tens of millions of cells, and a buffer per cell (or the spare room a reused CSV record
/// keeps) would hold about twice the file's size in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridRow {
    pub line: u64,
    /// Every cell's text, one after the other.
    text: Box<str>,
    /// Where each cell ends in `text`, in bytes (4 bytes each in wasm32).
    ends: Box<[usize]>,
}

impl GridRow {
    pub fn new(line: u64, cells: Vec<Cell>) -> GridRow {
        GridRow {
            line,
            text: cells.concat().into_boxed_str(),
            ends: cell_ends(cells.iter().map(String::as_str)),
        }
    }

    /// A row read by the CSV reader, copied out of the record the reader reuses.
    fn from_record(line: u64, record: &csv::StringRecord) -> GridRow {
        GridRow {
            line,
            // The record's fields lie one after the other in `as_slice`: the text is one copy.
            text: record.as_slice().into(),
            ends: cell_ends(record.iter()),
        }
    }

    /// The cell in a 0-based column, if the row reaches that far.
    pub fn cell(&self, column: usize) -> Option<&str> {
        let end = *self.ends.get(column)?;
        let start = match column {
            0 => 0,
            _ => self.ends[column - 1],
        };
        self.text.get(start..end)
    }

    pub fn cells(&self) -> impl Iterator<Item = &str> {
        (0..self.ends.len()).filter_map(|column| self.cell(column))
    }

    /// The number of cells, empty ones included.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn to_strings(&self) -> Vec<String> {
        self.cells().map(str::to_owned).collect()
    }

    /// True when no cell holds anything but whitespace.
    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }

    /// The number of cells that hold something.
    pub fn n_filled(&self) -> usize {
        self.cells().filter(|cell| !cell.trim().is_empty()).count()
    }
}

/// The cells of a row as a pass over the table sees them: a [`GridRow`] held in a grid, or a CSV
/// record read from a stream and gone at the next one.
pub(crate) trait Cells {
    fn line(&self) -> u64;
    /// The cell in a 0-based column, if the row reaches that far.
    fn cell_at(&self, column: usize) -> Option<&str>;
    /// True when no cell holds anything but whitespace.
    fn blank(&self) -> bool;
    /// True when more than one cell holds something (looked at until the second is found).
    fn several_filled(&self) -> bool;
    fn to_row(&self) -> GridRow;
}

impl Cells for GridRow {
    fn line(&self) -> u64 {
        self.line
    }

    fn cell_at(&self, column: usize) -> Option<&str> {
        self.cell(column)
    }

    fn blank(&self) -> bool {
        self.is_blank()
    }

    fn several_filled(&self) -> bool {
        self.cells()
            .filter(|cell| !cell.trim().is_empty())
            .nth(1)
            .is_some()
    }

    fn to_row(&self) -> GridRow {
        self.clone()
    }
}

/// A CSV record just read, and the line it starts on.
pub(crate) struct RecordCells<'a> {
    pub line: u64,
    pub record: &'a csv::StringRecord,
}

impl Cells for RecordCells<'_> {
    fn line(&self) -> u64 {
        self.line
    }

    fn cell_at(&self, column: usize) -> Option<&str> {
        self.record.get(column)
    }

    fn blank(&self) -> bool {
        // The fields lie one after the other in `as_slice`, as in a grid row's text.
        self.record.as_slice().trim().is_empty()
    }

    fn several_filled(&self) -> bool {
        self.record
            .iter()
            .filter(|cell| !cell.trim().is_empty())
            .nth(1)
            .is_some()
    }

    fn to_row(&self) -> GridRow {
        GridRow::from_record(self.line, self.record)
    }
}

/// Where each cell ends in the cells' text laid end to end.
fn cell_ends<'a>(cells: impl Iterator<Item = &'a str>) -> Box<[usize]> {
    let mut end = 0;
    cells
        .map(|cell| {
            end += cell.len();
            end
        })
        .collect()
}

/// What the bytes turned out to be.
#[derive(Debug)]
pub(crate) struct Grid {
    pub rows: Vec<GridRow>,
    /// How the text was decoded, or which workbook sheet was read; told to the user.
    pub notes: Vec<String>,
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Reads any supported file into a grid of text rows.
pub(crate) fn read_grid(bytes: &[u8]) -> Result<Grid, ImportError> {
    read_grid_reporting(bytes, &mut |_| {})
}

/// [`read_grid`], telling `progress` how many bytes of a CSV are split into rows so far.
pub(crate) fn read_grid_reporting(
    bytes: &[u8],
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<Grid, ImportError> {
    if bytes.is_empty() {
        return Err(ImportError::Empty);
    }
    if bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(OLE_MAGIC) {
        return read_workbook(bytes);
    }
    if let Some(kind) = binary_kind(bytes) {
        return Err(ImportError::NotATable { detail: kind });
    }
    let (text, encoding_note) = decode_text(bytes);
    let mut notes = Vec::new();
    if let Some(note) = encoding_note {
        notes.push(note);
    }
    let (delimiter, _) = sniff_delimiter(&text);
    notes.extend(delimiter_note(delimiter));
    let rows = split_csv(&text, delimiter, progress)?;
    Ok(Grid { rows, notes })
}

/// What the start of a file says about reading the rest as a stream.
pub(crate) enum Head {
    /// UTF-8 CSV text split by this delimiter.
    Csv(u8),
    /// Plainly not text: refused by name, as [`read_grid`] refuses it.
    NotATable(String),
    /// A workbook, UTF-16 text, text that is not UTF-8 from its start, or a first line longer
    /// than the head: read whole.
    ReadWhole,
}

/// Looks at the first bytes of a file (`head`, the whole file if it is shorter than `head_bytes`).
pub(crate) fn look_at_head(head: &[u8], head_bytes: usize) -> Head {
    if head.starts_with(ZIP_MAGIC) || head.starts_with(OLE_MAGIC) {
        return Head::ReadWhole;
    }
    if let Some(kind) = binary_kind(head) {
        return Head::NotATable(kind);
    }
    let body = match encoding_rs::Encoding::for_bom(head) {
        Some((encoding, bom_length)) if encoding == encoding_rs::UTF_8 => &head[bom_length..],
        Some(_) => return Head::ReadWhole,
        None => head,
    };
    let text = match std::str::from_utf8(body) {
        Ok(text) => text,
        // A character cut by the end of the head is whole in the file.
        Err(error) if error.error_len().is_none() => {
            std::str::from_utf8(&body[..error.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return Head::ReadWhole,
    };
    match sniff_delimiter(text) {
        (delimiter, true) => Head::Csv(delimiter),
        (delimiter, false) if head.len() < head_bytes => Head::Csv(delimiter),
        (_, false) => Head::ReadWhole,
    }
}

/// A note for a delimiter other than the comma.
pub(crate) fn delimiter_note(delimiter: u8) -> Option<String> {
    (delimiter != b',').then(|| format!("fields separated by {}", delimiter_name(delimiter)))
}

/// Reads a file's rows as text cells, before any format is recognised: the same decoding and CSV
/// splitting (RFC 4180: quoted fields with commas, doubled quotes and line breaks; CRLF, LF or CR
/// line ends; ragged rows kept as they are) or workbook reading that an import uses.
pub fn read_rows(bytes: &[u8]) -> Result<Vec<GridRow>, ImportError> {
    read_grid(bytes).map(|grid| grid.rows)
}

/// Records between two progress reports while splitting.
const SPLIT_REPORT_EVERY: usize = 8192;

fn split_csv(
    text: &str,
    delimiter: u8,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<Vec<GridRow>, ImportError> {
    let mut reader = CsvRows::new(text.as_bytes(), delimiter, text.len() as u64);
    let mut rows: Vec<GridRow> = Vec::new();
    loop {
        let (line, record) = match reader.next_record(progress) {
            Ok(Some(read)) => read,
            Ok(None) => break,
            Err(SplitError::Import(error)) => return Err(error),
            // The text is a `str`: it is UTF-8 and nothing fails to read from it.
            Err(SplitError::NotUtf8 | SplitError::Read(_)) => {
                return Err(ImportError::NotATable {
                    detail: "the text could not be split".into(),
                });
            }
        };
        if rows.is_empty() {
            // Room for as many rows as the file holds if they are like the first (its cells and
            // their delimiters).
            let first_bytes = (record.as_slice().len() + record.len()).max(1) as u64;
            rows.reserve((text.len() as u64 / first_bytes).min(1 << 20) as usize);
        }
        rows.push(GridRow::from_record(line, record));
    }
    Ok(rows)
}

/// Why a CSV record could not be read.
#[derive(Debug)]
pub(crate) enum SplitError {
    /// The file is not a table Lens reads as it stands (malformed, too wide, a cell too large).
    Import(ImportError),
    /// A record is not UTF-8: the file is read again as a whole, to be decoded another way.
    NotUtf8,
    /// The bytes could not be read (a file that changed or went away while it was read).
    Read(std::io::Error),
}

/// CSV records one at a time from any reader of UTF-8 text, each with the line it starts on;
/// every record is checked against [`MAX_COLUMNS`] and [`MAX_CELL_BYTES`].
///
/// The text is never held whole: the reader keeps a few kilobytes, and the line breaks it has
/// passed are counted as they go by.
pub(crate) struct CsvRows<R> {
    reader: csv::Reader<Breaks<R>>,
    /// The record read into again and again; its buffers grow to the longest row once.
    record: csv::StringRecord,
    lines: LineCounter,
    rows_read: usize,
    /// The size of the text, for progress.
    total: u64,
}

impl<R: std::io::Read> CsvRows<R> {
    pub(crate) fn new(text: R, delimiter: u8, total: u64) -> CsvRows<R> {
        CsvRows {
            reader: csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delimiter)
                .from_reader(Breaks::new(text)),
            record: csv::StringRecord::new(),
            lines: LineCounter::default(),
            rows_read: 0,
            total,
        }
    }

    /// The next record and the 1-based line it starts on, or `None` after the last; reports
    /// progress (in bytes) every [`SPLIT_REPORT_EVERY`] records.
    pub(crate) fn next_record(
        &mut self,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<Option<(u64, &csv::StringRecord)>, SplitError> {
        match self.reader.read_record(&mut self.record) {
            Ok(false) => Ok(None),
            Ok(true) => {
                let start = self.record.position().map(csv::Position::byte);
                if self.rows_read.is_multiple_of(SPLIT_REPORT_EVERY) {
                    progress(ImportProgress {
                        step: ImportStep::Splitting,
                        done: start.unwrap_or(0),
                        total: self.total,
                    });
                }
                self.rows_read += 1;
                let line = self.lines.line_of(&mut self.reader.get_mut().seen, start);
                check_record(line, &self.record).map_err(SplitError::Import)?;
                Ok(Some((line, &self.record)))
            }
            Err(error) => {
                let start = error.position().map(csv::Position::byte);
                let detail = error.to_string();
                match error.into_kind() {
                    csv::ErrorKind::Utf8 { .. } => Err(SplitError::NotUtf8),
                    csv::ErrorKind::Io(error) => Err(SplitError::Read(error)),
                    _ => {
                        let line = self.lines.line_of(&mut self.reader.get_mut().seen, start);
                        Err(SplitError::Import(ImportError::Malformed { line, detail }))
                    }
                }
            }
        }
    }
}

/// Refuses a record wider than [`MAX_COLUMNS`] or with a cell over [`MAX_CELL_BYTES`]; the
/// cells are looked at only when the record as a whole is over the cell limit.
fn check_record(line: u64, record: &csv::StringRecord) -> Result<(), ImportError> {
    if record.len() > MAX_COLUMNS {
        return Err(ImportError::TooManyColumns {
            line,
            columns: record.len(),
            limit: MAX_COLUMNS,
        });
    }
    if record.as_slice().len() as u64 > MAX_CELL_BYTES
        && let Some((column, cell)) = record
            .iter()
            .enumerate()
            .find(|(_, cell)| cell.len() as u64 > MAX_CELL_BYTES)
    {
        return Err(ImportError::CellTooLarge {
            line,
            column: column + 1,
            bytes: cell.len() as u64,
            limit: MAX_CELL_BYTES,
        });
    }
    Ok(())
}

/// A reader that notes where each line-break byte (CR or LF) it hands on lies, so that lines
/// can be counted without holding the text: the CSV reader keeps only a few kilobytes of it.
struct Breaks<R> {
    inner: R,
    /// Bytes handed on so far.
    offset: u64,
    /// The CR and LF bytes handed on and not yet counted: their offset, and whether it is an LF.
    seen: VecDeque<(u64, bool)>,
}

impl<R> Breaks<R> {
    fn new(inner: R) -> Breaks<R> {
        Breaks {
            inner,
            offset: 0,
            seen: VecDeque::new(),
        }
    }
}

impl<R: std::io::Read> std::io::Read for Breaks<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        // A record usually spans one line, so the search jumps from break to break (memchr reads
        // a word or a vector at a time) rather than comparing every byte.
        let offset = self.offset;
        self.seen.extend(
            memchr::memchr2_iter(b'\r', b'\n', &buf[..n])
                .map(|idx| (offset + idx as u64, buf[idx] == b'\n')),
        );
        self.offset += n as u64;
        Ok(n)
    }
}

/// Counts lines the way an editor shows them: LF, CRLF and a lone CR each end a line.
///
/// The `csv` crate's own line count misses lone CRs and, after blank lines, gives the blank
/// line's number; so lines are counted here from the records' byte offsets, moving forward only,
/// over the breaks the reader saw.
#[derive(Default)]
struct LineCounter {
    /// Line breaks counted so far, all before the last record's start.
    n_breaks: u64,
}

impl LineCounter {
    /// The 1-based line on which the record at byte `start` begins (after any blank lines);
    /// `None` (no position known) counts every break seen.
    fn line_of(&mut self, seen: &mut VecDeque<(u64, bool)>, start: Option<u64>) -> u64 {
        let mut start = start.unwrap_or(u64::MAX);
        while let Some(&(offset, is_lf)) = seen.front() {
            if offset == start {
                // A break where the record seems to start: a blank line before it.
                start += 1;
            } else if offset > start {
                break;
            }
            seen.pop_front();
            // A CR counts unless an LF follows it, which is then the same line end.
            let crlf = !is_lf && seen.front() == Some(&(offset + 1, true));
            if !crlf {
                self.n_breaks += 1;
            }
        }
        self.n_breaks + 1
    }
}

/// Every line break in `bytes`, counted by a [`LineCounter`] over what a [`Breaks`] reader saw
/// when the bytes came `piece` at a time.
#[cfg(test)]
fn count_breaks(bytes: &[u8], piece: usize) -> u64 {
    use std::io::Read;
    let mut reader = Breaks::new(bytes);
    let mut buf = vec![0; piece.max(1)];
    while reader.read(&mut buf).unwrap() > 0 {}
    let mut lines = LineCounter::default();
    lines.line_of(&mut reader.seen, None) - 1
}

/// Decodes text: UTF-8 (BOM stripped), UTF-16 with a BOM, else Windows-1252 (a superset of
/// Latin-1 for every printable byte), which is what Salesforce's Data Export and Excel write when
/// they do not write UTF-8. Returns a note when the text was not plain UTF-8.
fn decode_text(bytes: &[u8]) -> (Cow<'_, str>, Option<String>) {
    if let Some((encoding, _bom_length)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_with_bom_removal(bytes);
        let note = if had_errors {
            Some(format!(
                "the file says it is {} but holds bytes that are not: those characters show as �",
                encoding.name()
            ))
        } else {
            (encoding != encoding_rs::UTF_8).then(|| format!("decoded as {}", encoding.name()))
        };
        return (text, note);
    }
    match std::str::from_utf8(bytes) {
        // Plain UTF-8 is read in place, without a copy.
        Ok(text) => (Cow::Borrowed(text), None),
        Err(_) => {
            let (text, _had_errors) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (
                text,
                Some("not valid UTF-8: decoded as Windows-1252 (Latin-1)".to_string()),
            )
        }
    }
}

/// Names the kind of a file that is plainly not text (a PDF, an image, an archive), or `None`.
fn binary_kind(bytes: &[u8]) -> Option<String> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"%PDF", "the file is a PDF document"),
        (b"\x89PNG", "the file is a PNG image"),
        (b"\xFF\xD8\xFF", "the file is a JPEG image"),
        (b"GIF8", "the file is a GIF image"),
        (b"\x1F\x8B", "the file is gzip-compressed"),
        (b"Rar!", "the file is a RAR archive"),
        (b"7z\xBC\xAF", "the file is a 7-Zip archive"),
    ];
    if let Some((_, kind)) = SIGNATURES
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
    {
        return Some((*kind).to_string());
    }
    // UTF-16 text has NUL bytes too, but it starts with a BOM, which `decode_text` handles first.
    let has_bom = encoding_rs::Encoding::for_bom(bytes).is_some();
    let head = &bytes[..bytes.len().min(8192)];
    let n_control = head
        .iter()
        .filter(|&&byte| {
            byte == 0 || (byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r' | 0x0C))
        })
        .count();
    (!has_bom && n_control * 20 > head.len())
        .then(|| "the file holds binary data, not text".to_string())
}

/// Picks the delimiter that splits the first line most often, outside quotes; and tells whether
/// the first line ends in `text`.
fn sniff_delimiter(text: &str) -> (u8, bool) {
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut in_quotes = false;
    let mut line_ended = false;
    for byte in text.bytes() {
        match byte {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes => {
                line_ended = true;
                break;
            }
            _ if !in_quotes => {
                for (delimiter, count) in &mut counts {
                    if byte == *delimiter {
                        *count += 1;
                    }
                }
            }
            _ => {}
        }
    }
    // Ties (including a one-column file) go to the comma, listed first.
    let mut best = counts[0];
    for candidate in &counts[1..] {
        if candidate.1 > best.1 {
            best = *candidate;
        }
    }
    (best.0, line_ended)
}

fn delimiter_name(delimiter: u8) -> &'static str {
    match delimiter {
        b';' => "semicolons",
        b'\t' => "tabs",
        _ => "commas",
    }
}

/// Excel's own limits on a sheet; a cell reference beyond them is a damaged or hostile file.
const MAX_SHEET_ROWS: u32 = 1_048_576;
const MAX_SHEET_COLUMNS: u32 = 16_384;
/// The most cells (rows × columns of the used area) Lens lays out for one sheet.
const MAX_SHEET_CELLS: u64 = 50_000_000;

/// Reads the first non-empty sheet of an XLSX/XLS/ODS workbook.
///
/// XLSX sheets are read cell by cell, so that a sheet claiming a huge used area (one cell at
/// XFD1048576) is refused instead of allocated.
fn read_workbook(bytes: &[u8]) -> Result<Grid, ImportError> {
    let mut workbook =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|error| {
            if bytes.starts_with(ZIP_MAGIC) {
                ImportError::Workbook {
                    detail: format!("a ZIP archive but not a readable XLSX/ODS workbook ({error})"),
                }
            } else {
                ImportError::Workbook {
                    detail: error.to_string(),
                }
            }
        })?;
    let sheet_names = workbook.sheet_names();
    if sheet_names.is_empty() {
        return Err(ImportError::Workbook {
            detail: "the workbook has no sheets".to_string(),
        });
    }
    let sheet_error = |name: &str, error: &dyn std::fmt::Display| ImportError::Workbook {
        detail: format!("sheet \"{name}\": {error}"),
    };
    for name in &sheet_names {
        let cells: Vec<(u32, u32, String)> = match &mut workbook {
            calamine::Sheets::Xlsx(xlsx) => {
                let mut reader = xlsx
                    .worksheet_cells_reader(name)
                    .map_err(|error| sheet_error(name, &error))?;
                let mut cells = Vec::new();
                while let Some(cell) = reader
                    .next_cell()
                    .map_err(|error| sheet_error(name, &error))?
                {
                    let (row, column) = cell.get_position();
                    let text = cell_text(&Data::from(cell.get_value().clone()));
                    check_cell(row, column, &text)?;
                    if !text.is_empty() {
                        cells.push((row, column, text));
                    }
                }
                cells
            }
            other => {
                let range = other
                    .worksheet_range(name)
                    .map_err(|error| sheet_error(name, &error))?;
                let (first_row, first_column) = range.start().unwrap_or((0, 0));
                let cells = range
                    .cells()
                    .map(|(row, column, value)| {
                        (
                            first_row + row as u32,
                            first_column + column as u32,
                            cell_text(value),
                        )
                    })
                    .filter(|(_, _, text)| !text.is_empty())
                    .collect::<Vec<_>>();
                for (row, column, text) in &cells {
                    check_cell(*row, *column, text)?;
                }
                cells
            }
        };
        if cells.is_empty() {
            continue;
        }
        let widest = widest_cell(&cells);
        let rows = lay_out(cells).map_err(|detail| sheet_error(name, &detail))?;
        check_width(widest)?;
        let mut notes = vec![format!("read sheet \"{name}\"")];
        if sheet_names.len() > 1 {
            notes.push(format!(
                "the workbook has {} sheets; only the first with data was read",
                sheet_names.len()
            ));
        }
        return Ok(Grid { rows, notes });
    }
    Err(ImportError::Workbook {
        detail: "every sheet of the workbook is empty".to_string(),
    })
}

/// Refuses a sheet cell (0-based row and column) over [`MAX_CELL_BYTES`].
fn check_cell(row: u32, column: u32, text: &str) -> Result<(), ImportError> {
    if text.len() as u64 > MAX_CELL_BYTES {
        return Err(ImportError::CellTooLarge {
            line: u64::from(row) + 1,
            column: column as usize + 1,
            bytes: text.len() as u64,
            limit: MAX_CELL_BYTES,
        });
    }
    Ok(())
}

/// The 0-based row and column of the filled cell furthest to the right.
fn widest_cell(cells: &[(u32, u32, String)]) -> (u32, u32) {
    cells
        .iter()
        .max_by_key(|&&(_, column, _)| column)
        .map_or((0, 0), |&(row, column, _)| (row, column))
}

/// Refuses a sheet whose filled cells reach past [`MAX_COLUMNS`], naming the row of the furthest
/// cell (`widest`, 0-based). Checked once [`lay_out`] has accepted the sheet, so that a sheet
/// beyond Excel's limits or of a used area too large to lay out is refused for that.
fn check_width((row, column): (u32, u32)) -> Result<(), ImportError> {
    let columns = column as usize + 1;
    if columns > MAX_COLUMNS {
        return Err(ImportError::TooManyColumns {
            line: u64::from(row) + 1,
            columns,
            limit: MAX_COLUMNS,
        });
    }
    Ok(())
}

/// Lays filled cells (0-based row, column, text) out as rows, one per sheet row from the first
/// filled row to the last, each as wide as the widest; columns keep their positions.
fn lay_out(mut cells: Vec<(u32, u32, String)>) -> Result<Vec<GridRow>, String> {
    cells.sort_by_key(|&(row, column, _)| (row, column));
    let (first_row, last_row) = (cells[0].0, cells[cells.len() - 1].0);
    let width = cells
        .iter()
        .map(|&(_, column, _)| column)
        .max()
        .unwrap_or(0)
        + 1;
    let height = last_row - first_row + 1;
    if last_row >= MAX_SHEET_ROWS || width > MAX_SHEET_COLUMNS {
        return Err(format!(
            "a cell lies beyond Excel's limits (row {}, column {width})",
            last_row + 1
        ));
    }
    if u64::from(height) * u64::from(width) > MAX_SHEET_CELLS {
        return Err(format!(
            "the used area of {height} rows × {width} columns is larger than Lens reads \
             ({MAX_SHEET_CELLS} cells); save the data alone as CSV"
        ));
    }
    let mut rows = Vec::with_capacity(height as usize);
    let mut cells = cells.into_iter().peekable();
    for row in first_row..=last_row {
        let mut texts = vec![String::new(); width as usize];
        while let Some((_, column, text)) = cells.next_if(|&(cell_row, _, _)| cell_row == row) {
            texts[column as usize] = text;
        }
        rows.push(GridRow::new(u64::from(row) + 1, texts));
    }
    Ok(rows)
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Int(value) => value.to_string(),
        Data::Float(value) => format_number(*value),
        Data::Bool(value) => value.to_string(),
        Data::DateTime(value) => {
            let (year, month, day, hour, minute, second, _millis) = value.to_ymd_hms_milli();
            if (hour, minute, second) == (0, 0, 0) {
                format!("{year:04}-{month:02}-{day:02}")
            } else {
                format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}")
            }
        }
        Data::Error(error) => format!("#{error:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_falls_back_and_says_so() {
        let (text, note) = decode_text(b"Name\nCaf\xe9 \x80\n");
        assert_eq!(text, "Name\nCafé €\n");
        assert_eq!(
            note.as_deref(),
            Some("not valid UTF-8: decoded as Windows-1252 (Latin-1)")
        );
    }

    #[test]
    fn a_bom_that_lies_is_told() {
        let (text, note) = decode_text(b"\xEF\xBB\xBFName\nCaf\xe9\n");
        assert_eq!(text, "Name\nCaf\u{fffd}\n");
        assert_eq!(
            note.as_deref(),
            Some(
                "the file says it is UTF-8 but holds bytes that are not: those characters show as �"
            )
        );
    }

    #[test]
    fn utf8_bom_is_removed_silently() {
        let (text, note) = decode_text(b"\xEF\xBB\xBFId,Name\n");
        assert_eq!(text, "Id,Name\n");
        assert_eq!(note, None);
    }

    #[test]
    fn utf16_with_bom_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "Id\tName\n1\tÉ\n".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let grid = read_grid(&bytes).expect("utf-16 text reads");
        assert_eq!(grid.rows[1].to_strings(), vec!["1", "É"]);
        assert!(
            grid.notes.iter().any(|note| note == "decoded as UTF-16LE"),
            "{:?}",
            grid.notes
        );
    }

    #[test]
    fn semicolons_are_sniffed() {
        let grid = read_grid(b"Name;Amount\n\"a;b\";1,5\n").expect("reads");
        assert_eq!(grid.rows[1].to_strings(), vec!["a;b", "1,5"]);
    }

    #[test]
    fn a_row_gives_back_each_cell_as_read() {
        let rows = split_csv("Größe,,\"a,\"\"b\"\"\",  \n", b',', &mut |_| {}).unwrap();
        let row = &rows[0];
        assert_eq!(row.to_strings(), vec!["Größe", "", "a,\"b\"", "  "]);
        assert_eq!((row.len(), row.n_filled()), (4, 2));
        assert_eq!(
            (row.cell(0), row.cell(2), row.cell(4)),
            (Some("Größe"), Some("a,\"b\""), None)
        );
        assert_eq!(row, &GridRow::new(1, row.to_strings()));
        assert!(!row.is_blank());
        assert!(GridRow::new(2, vec![" ".into(), String::new()]).is_blank());
    }

    #[test]
    fn lines_are_counted_across_blank_lines_and_lone_carriage_returns() {
        let lines = |text: &str| -> Vec<u64> {
            split_csv(text, b',', &mut |_| {})
                .unwrap()
                .iter()
                .map(|row| row.line)
                .collect()
        };
        assert_eq!(lines("a,b\n1,2\n\n3,4\n\n\n5,6\n"), vec![1, 2, 4, 7]);
        assert_eq!(lines("a,b\r1,2\r3,4"), vec![1, 2, 3]);
        assert_eq!(lines("a,b\r\n\"x\r\ny\",2\r\n3,4\r\n"), vec![1, 2, 4]);
    }

    proptest::proptest! {
        /// The jumping count agrees with reading byte by byte: an LF ends a line, and so does a CR
        /// that no LF follows.
        #[test]
        fn breaks_are_counted_like_an_editor_does(
            bytes in proptest::collection::vec(proptest::sample::select(vec![b'a', b',', b'\r', b'\n']), 0..300),
            piece in 1usize..40,
        ) {
            let by_byte = bytes
                .iter()
                .enumerate()
                .filter(|&(idx, &byte)| {
                    byte == b'\n' || (byte == b'\r' && bytes.get(idx + 1) != Some(&b'\n'))
                })
                .count() as u64;
            proptest::prop_assert_eq!(count_breaks(&bytes, piece), by_byte);
        }
    }

    #[test]
    fn pdf_is_refused_by_name() {
        let error = read_grid(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n").unwrap_err();
        assert_eq!(
            error,
            ImportError::NotATable {
                detail: "the file is a PDF document".into()
            }
        );
    }

    #[test]
    fn sheets_are_laid_out_sparsely_and_huge_areas_refused() {
        let rows = lay_out(vec![(3, 2, "c".into()), (1, 0, "a".into())]).unwrap();
        let shown: Vec<(u64, Vec<String>)> = rows
            .iter()
            .map(|row| (row.line, row.to_strings()))
            .collect();
        assert_eq!(
            shown,
            vec![
                (2, vec!["a".into(), String::new(), String::new()]),
                (3, vec![String::new(), String::new(), String::new()]),
                (4, vec![String::new(), String::new(), "c".into()]),
            ]
        );
        let error = lay_out(vec![(0, 0, "a".into()), (1_048_575, 16_383, "z".into())]).unwrap_err();
        assert!(
            error.starts_with("the used area of 1048576 rows × 16384 columns"),
            "{error}"
        );
        assert!(lay_out(vec![(2_000_000, 0, "a".into())]).is_err());
    }

    #[test]
    fn zip_that_is_not_a_workbook_is_refused() {
        let error = read_grid(b"PK\x03\x04garbage").unwrap_err();
        assert!(matches!(error, ImportError::Workbook { .. }), "{error:?}");
    }
}
