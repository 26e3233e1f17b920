//! How an import is laid out for storage: a small description ([`StoredImport`]) and the typed
//! records cut into chunks of binary data.
//!
//! The extension keeps every import in IndexedDB. One object per row would make a region's cache
//! (100,000 opportunities × 52 snapshots) millions of objects, each paying IndexedDB's structured
//! clone; instead the records of an import are encoded with `postcard` (compact, serde-based) in
//! chunks of [`RECORDS_PER_CHUNK`] records, and the description (file, format, as-of date, counts,
//! rejected rows) stays a plain object the Data screen lists without decoding any chunk.
//!
//! This module is pure: bytes in, bytes out. Where the bytes live is the extension's business.
//! [`encode`] and [`decode`] are inverse: `decode(encode(report))` gives the report back
//! (tested below and in the extension's storage round-trip tests).

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::import::{
    AsOfSource, DateOrder, DecimalMark, Format, ImportError, ImportOptions, ImportProgress,
    ImportReport, ImportedData, Rejection, Reread, TableKind, import_reread_into,
};
use crate::model::{HistoryEvent, SharedTexts, text};

/// The version of the chunk encoding that [`encode`] writes. [`decode`] reads it and every earlier
/// version from [`FIRST_ENCODING_VERSION`] on; an import stored with any other version is refused
/// rather than misread.
///
/// - 1: the records with their dates as text (`2026-11-13`).
/// - 2: dates as numbers (a day from the common era; for a date and time also the second of the
///   day and the nanosecond), which read back without a parse.
/// - 3: each chunk starts with its table of texts, every distinct text of its records'
///   [`Text`](crate::model::Text) fields and evidence field names once; the records name a text
///   by its index in the table. A text a chunk repeats (a stage, an owner, an account) is read and
///   shared once per chunk instead of once per record.
pub const ENCODING_VERSION: u32 = 3;

/// The oldest chunk encoding [`decode`] still reads.
pub const FIRST_ENCODING_VERSION: u32 = 1;

/// Records per chunk: large enough that a district snapshot is a couple of chunks, small enough
/// that one chunk stays well under a megabyte.
pub const RECORDS_PER_CHUNK: usize = 4096;

/// What is kept about one import besides its records: everything the import summary and the Data
/// screen show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredImport {
    pub file_name: String,
    /// Size of the file the user imported, in bytes.
    pub file_bytes: u64,
    /// When the import was made, as the browser's clock gave it (ISO 8601); the core never reads a clock.
    pub imported_at: String,
    pub format: Format,
    pub as_of: Option<NaiveDate>,
    pub as_of_source: Option<AsOfSource>,
    pub date_order: Option<DateOrder>,
    #[serde(default)]
    pub decimal_mark: Option<DecimalMark>,
    pub columns: Vec<(String, String)>,
    pub unused_columns: Vec<String>,
    pub data_rows: usize,
    pub stored_rows: usize,
    pub rejected: Vec<Rejection>,
    pub notes: Vec<String>,
    /// How many chunks hold the records, numbered from 0.
    pub chunk_count: u32,
    /// Total encoded size of the chunks, in bytes.
    pub encoded_bytes: u64,
    pub encoding_version: u32,
}

/// A stored import that cannot be read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// Stored by a version of Lens with another chunk encoding.
    EncodingVersion { file_name: String, found: u32 },
    /// Fewer or more chunks than the description lists (an interrupted write, or tampering).
    ChunkCount {
        file_name: String,
        expected: u32,
        found: usize,
    },
    /// A chunk's bytes do not decode.
    Chunk {
        file_name: String,
        chunk: usize,
        detail: String,
    },
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::EncodingVersion { file_name, found } => write!(
                f,
                "{file_name} cannot be read: its records were stored in encoding version {found}, and this version of Lens reads versions {FIRST_ENCODING_VERSION} to {ENCODING_VERSION}"
            ),
            StoreError::ChunkCount {
                file_name,
                expected,
                found,
            } => write!(
                f,
                "{file_name} cannot be read: {found} stored chunks of records where {expected} were written"
            ),
            StoreError::Chunk {
                file_name,
                chunk,
                detail,
            } => write!(
                f,
                "{file_name} cannot be read: chunk {chunk} of its records does not decode ({detail})"
            ),
        }
    }
}

impl std::error::Error for StoreError {}

/// Splits an import into its description and its encoded record chunks.
pub fn encode(
    report: ImportReport,
    file_bytes: u64,
    imported_at: &str,
) -> (StoredImport, Vec<Vec<u8>>) {
    let mut encoded = Vec::new();
    let stored = encode_into(
        Chunks::new(&mut |chunk| encoded.push(chunk)),
        report,
        file_bytes,
        imported_at,
    );
    (stored, encoded)
}

/// [`encode`] into `chunks`, which may already hold records handed on during the import.
fn encode_into(
    mut chunks: Chunks,
    report: ImportReport,
    file_bytes: u64,
    imported_at: &str,
) -> StoredImport {
    chunks.append(report.data);
    let (chunk_count, encoded_bytes) = chunks.finish();
    StoredImport {
        file_name: report.file_name,
        file_bytes,
        imported_at: imported_at.to_string(),
        format: report.format,
        as_of: report.as_of,
        as_of_source: report.as_of_source,
        date_order: report.date_order,
        decimal_mark: report.decimal_mark,
        columns: report.columns,
        unused_columns: report.unused_columns,
        data_rows: report.data_rows,
        stored_rows: report.stored_rows,
        rejected: report.rejected,
        notes: report.notes,
        chunk_count,
        encoded_bytes,
        encoding_version: ENCODING_VERSION,
    }
}

/// Rebuilds the import from its description and its chunks, in chunk order. The chunks are read
/// one at a time, so a caller whose chunks live outside its memory (the browser's arrays) can
/// hand them over as an iterator that copies each only when its turn comes.
///
/// Equal texts within the import are one allocation ([`SharedTexts`]); [`decode_sharing`]
/// shares them with other imports too.
pub fn decode<B: AsRef<[u8]>>(
    stored: &StoredImport,
    chunks: impl IntoIterator<Item = B>,
) -> Result<ImportReport, StoreError> {
    decode_sharing(stored, chunks, &mut SharedTexts::default())
}

/// [`decode`], the records' texts taken from `texts` (and the new ones added to it): the analyst
/// reads every stored import back with one set, so a text that a region's 52 snapshots repeat
/// (an id, an owner, a stage) is held once.
pub fn decode_sharing<B: AsRef<[u8]>>(
    stored: &StoredImport,
    chunks: impl IntoIterator<Item = B>,
    texts: &mut SharedTexts,
) -> Result<ImportReport, StoreError> {
    let mut decoder = Decoder::new(stored)?;
    texts.share(|| {
        for bytes in chunks {
            decoder.push(bytes.as_ref())?;
        }
        Ok(())
    })?;
    decoder.finish()
}

/// [`decode`], one chunk at a time (a chunk is [`RECORDS_PER_CHUNK`] records).
#[derive(Debug)]
struct Decoder<'a> {
    stored: &'a StoredImport,
    data: ImportedData,
    chunks_read: usize,
}

impl<'a> Decoder<'a> {
    /// Refuses an import stored with another chunk encoding.
    fn new(stored: &'a StoredImport) -> Result<Decoder<'a>, StoreError> {
        if !(FIRST_ENCODING_VERSION..=ENCODING_VERSION).contains(&stored.encoding_version) {
            return Err(StoreError::EncodingVersion {
                file_name: stored.file_name.clone(),
                found: stored.encoding_version,
            });
        }
        Ok(Decoder {
            stored,
            data: ImportedData::default(),
            chunks_read: 0,
        })
    }

    /// Decodes the next chunk.
    fn push(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
        let read = |bytes| postcard::from_bytes::<ImportedData>(bytes);
        let chunk = match self.stored.encoding_version {
            1 => crate::model::stored::read_text_dates(|| read(bytes)),
            2 => read(bytes),
            _ => postcard::take_from_bytes::<Vec<&str>>(bytes).and_then(|(table, records)| {
                let table = table.into_iter().map(text::shared).collect();
                text::read_table(table, || read(records))
            }),
        };
        let chunk = chunk.map_err(|error| StoreError::Chunk {
            file_name: self.stored.file_name.clone(),
            chunk: self.chunks_read,
            detail: error.to_string(),
        })?;
        if self.data.opportunities.is_empty() && !chunk.opportunities.is_empty() {
            // A snapshot's rows, moved in once rather than again each time the list grows. The
            // description's count is believed only as far as its chunks could hold, and a
            // reservation memory cannot give is skipped: the list then grows as the chunks come.
            let rows = (self.stored.chunk_count as usize)
                .saturating_mul(RECORDS_PER_CHUNK)
                .min(self.stored.stored_rows);
            let _ = self.data.opportunities.try_reserve_exact(rows);
        }
        append(&mut self.data, chunk);
        self.chunks_read += 1;
        Ok(())
    }

    /// The import, once every chunk the description counts has been pushed.
    fn finish(self) -> Result<ImportReport, StoreError> {
        let stored = self.stored;
        if self.chunks_read != stored.chunk_count as usize {
            return Err(StoreError::ChunkCount {
                file_name: stored.file_name.clone(),
                expected: stored.chunk_count,
                found: self.chunks_read,
            });
        }
        Ok(ImportReport {
            file_name: stored.file_name.clone(),
            format: stored.format,
            as_of: stored.as_of,
            as_of_source: stored.as_of_source,
            date_order: stored.date_order,
            decimal_mark: stored.decimal_mark,
            columns: stored.columns.clone(),
            unused_columns: stored.unused_columns.clone(),
            data_rows: stored.data_rows,
            stored_rows: stored.stored_rows,
            rejected: stored.rejected.clone(),
            notes: stored.notes.clone(),
            data: self.data,
        })
    }
}

/// Dates an undated opportunity list with the date the user confirmed at import; a date the file
/// states itself (a report footer) is kept. Other tables are left as they are.
pub fn date_undated_snapshot(report: &mut ImportReport, confirmed: NaiveDate) {
    if report.format.kind == TableKind::Opportunities && report.as_of.is_none() {
        report.as_of = Some(confirmed);
        report.as_of_source = Some(AsOfSource::Option);
    }
}

/// One file to import for storage, as the panel hands it to the import worker: how to read it,
/// the as-of date for an opportunity list that states none, and when the import is made (the
/// browser's clock, kept with the stored import).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportJob {
    pub options: ImportOptions,
    pub as_of: NaiveDate,
    pub imported_at: String,
}

/// How far an import job has come: reading the file (in bytes), then the import's own steps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum JobProgress {
    Reading { done: u64, total: u64 },
    Importing(ImportProgress),
}

impl ImportJob {
    /// Imports one file, dates an undated snapshot and encodes the records into storage chunks,
    /// reporting the import's progress.
    ///
    /// A large CSV file is read as a stream, twice ([`import_reread_reporting`]); a file read
    /// whole is freed once its rows are split. Each chunk's records are freed once the chunk is
    /// encoded.
    pub fn run(
        &self,
        file_name: &str,
        file: &dyn Reread,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<(StoredImport, Vec<Vec<u8>>), ImportError> {
        let mut encoded = Vec::new();
        let stored =
            self.run_handing(file_name, file, progress, &mut |chunk| encoded.push(chunk))?;
        Ok((stored, encoded))
    }

    /// [`ImportJob::run`], handing each chunk to `on_chunk` as soon as it is encoded (the import
    /// worker copies it out of its memory at once), and returning the description. A history's
    /// events are encoded as they are made, so they are never all held either.
    ///
    /// When the import fails, the chunks handed on so far are worth nothing.
    pub fn run_handing(
        &self,
        file_name: &str,
        file: &dyn Reread,
        progress: &mut dyn FnMut(ImportProgress),
        on_chunk: &mut dyn FnMut(Vec<u8>),
    ) -> Result<StoredImport, ImportError> {
        let file_bytes = file.size();
        let mut chunks = Chunks::new(on_chunk);
        let mut report =
            import_reread_into(file_name, file, &self.options, progress, &mut |event| {
                chunks.push_history(event)
            })?;
        date_undated_snapshot(&mut report, self.as_of);
        Ok(encode_into(chunks, report, file_bytes, &self.imported_at))
    }
}

/// The records cut into chunks of at most [`RECORDS_PER_CHUNK`] records, each encoded and handed
/// on once full; an import without records still gets one (empty) chunk, so every stored import
/// has at least one.
///
/// A chunk's records are freed as soon as it is encoded: the records and their encoding are never
/// both held in full.
struct Chunks<'a> {
    out: &'a mut dyn FnMut(Vec<u8>),
    /// Chunks handed on, and their bytes.
    count: u32,
    bytes: u64,
    chunk: ImportedData,
    /// Records the chunk being filled still has room for.
    room: usize,
}

impl<'a> Chunks<'a> {
    fn new(out: &'a mut dyn FnMut(Vec<u8>)) -> Chunks<'a> {
        Chunks {
            out,
            count: 0,
            bytes: 0,
            chunk: ImportedData::default(),
            room: RECORDS_PER_CHUNK,
        }
    }

    fn hand_on(&mut self) {
        let full = std::mem::take(&mut self.chunk);
        let bytes = encoded(&full);
        drop(full);
        self.count += 1;
        self.bytes += bytes.len() as u64;
        (self.out)(bytes);
    }

    /// Hands on the chunk being filled when it is full, and starts the next.
    fn make_room(&mut self) {
        if self.room == 0 {
            self.hand_on();
            self.room = RECORDS_PER_CHUNK;
        }
        self.room -= 1;
    }

    fn push_history(&mut self, event: HistoryEvent) {
        self.make_room();
        self.chunk.history.push(event);
    }

    /// Every record of `data`, kind after kind.
    fn append(&mut self, data: ImportedData) {
        macro_rules! cut {
            ($field:ident) => {
                for record in data.$field {
                    self.make_room();
                    self.chunk.$field.push(record);
                }
            };
        }
        cut!(opportunities);
        cut!(history);
        cut!(accounts);
        cut!(users);
        cut!(roles);
        cut!(subscriptions);
        cut!(usage);
        cut!(tickets);
        cut!(churn_events);
        cut!(milestones);
        cut!(assignments);
    }

    /// Hands on the last chunk (perhaps not full, perhaps empty); the number of chunks and their
    /// total size.
    fn finish(mut self) -> (u32, u64) {
        self.hand_on();
        (self.count, self.bytes)
    }
}

/// One chunk's encoding: its table of texts, then its records. Encoding plain data into a Vec
/// cannot fail: postcard only fails on serde types it does not support (none in the model) or on
/// a full fixed buffer (not used here).
fn encoded(chunk: &ImportedData) -> Vec<u8> {
    let (records, table) = text::write_table(|| postcard::to_allocvec(chunk));
    let table: Vec<&str> = table.iter().map(|text| text.as_str()).collect();
    let mut bytes = postcard::to_allocvec(&table).unwrap_or_default();
    bytes.extend_from_slice(&records.unwrap_or_default());
    bytes
}

fn append(data: &mut ImportedData, chunk: ImportedData) {
    data.opportunities.extend(chunk.opportunities);
    data.history.extend(chunk.history);
    data.accounts.extend(chunk.accounts);
    data.users.extend(chunk.users);
    data.roles.extend(chunk.roles);
    data.subscriptions.extend(chunk.subscriptions);
    data.usage.extend(chunk.usage);
    data.tickets.extend(chunk.tickets);
    data.churn_events.extend(chunk.churn_events);
    data.milestones.extend(chunk.milestones);
    data.assignments.extend(chunk.assignments);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{ImportOptions, import_file};
    use crate::model::Text;

    fn opportunities_csv(rows: usize) -> String {
        let mut text = String::from("Opportunity ID,Opportunity Name,Stage,Amount,Close Date\n");
        for row in 0..rows {
            text.push_str(&format!(
                "006000000000{row:03},Deal {row},Prospecting,{},2026-12-01\n",
                1000 + row
            ));
        }
        text
    }

    #[test]
    fn decode_gives_back_what_encode_took_across_chunks() {
        let csv = opportunities_csv(RECORDS_PER_CHUNK + 5);
        let report = import_file("deals.csv", csv.as_bytes(), &ImportOptions::default()).unwrap();
        let (stored, chunks) = encode(report.clone(), csv.len() as u64, "2026-11-21T10:00:00Z");
        assert_eq!(stored.chunk_count, 2);
        assert_eq!(chunks.len(), 2);
        assert_eq!(stored.data_rows, RECORDS_PER_CHUNK + 5);
        assert_eq!(decode(&stored, &chunks).unwrap(), report);

        // A full last chunk is not followed by an empty one.
        let csv = opportunities_csv(RECORDS_PER_CHUNK);
        let report = import_file("deals.csv", csv.as_bytes(), &ImportOptions::default()).unwrap();
        let (stored, chunks) = encode(report.clone(), csv.len() as u64, "2026-11-21T10:00:00Z");
        assert_eq!((stored.chunk_count, chunks.len()), (1, 1));
        assert_eq!(decode(&stored, &chunks).unwrap(), report);
    }

    #[test]
    fn an_import_without_records_keeps_one_empty_chunk() {
        let csv = "Opportunity ID,Opportunity Name,Stage,Amount,Close Date\n006000000000001,Deal,Prospecting,1,not a date\n";
        let report = import_file("deals.csv", csv.as_bytes(), &ImportOptions::default()).unwrap();
        assert_eq!(report.stored_rows, 0);
        let (stored, chunks) = encode(report.clone(), 0, "");
        assert_eq!(stored.chunk_count, 1);
        assert_eq!(stored.rejected.len(), 1);
        assert_eq!(decode(&stored, &chunks).unwrap(), report);
    }

    #[test]
    fn missing_chunks_and_other_encodings_are_refused_by_name() {
        let csv = opportunities_csv(3);
        let report = import_file("deals.csv", csv.as_bytes(), &ImportOptions::default()).unwrap();
        let (mut stored, chunks) = encode(report, 0, "");
        assert_eq!(
            decode(&stored, &[] as &[Vec<u8>]).unwrap_err().to_string(),
            "deals.csv cannot be read: 0 stored chunks of records where 1 were written"
        );
        let garbage = vec![vec![0xff_u8; 3]];
        assert!(matches!(
            decode(&stored, &garbage),
            Err(StoreError::Chunk { chunk: 0, .. })
        ));
        // A description claiming more rows than memory holds reads back what its chunks hold.
        let rows = stored.stored_rows;
        stored.stored_rows = usize::MAX / 2;
        stored.chunk_count = u32::MAX;
        let claimed = decode(&stored, &chunks).unwrap_err().to_string();
        assert_eq!(
            claimed,
            format!(
                "deals.csv cannot be read: 1 stored chunks of records where {} were written",
                u32::MAX
            )
        );
        stored.chunk_count = 1;
        assert_eq!(
            decode(&stored, &chunks).unwrap().data.opportunities.len(),
            rows
        );
        stored.encoding_version = 99;
        assert_eq!(
            decode(&stored, &chunks).unwrap_err().to_string(),
            "deals.csv cannot be read: its records were stored in encoding version 99, and this version of Lens reads versions 1 to 3"
        );
    }

    /// Chunk bytes written by encoding 1, where dates were text (the extension's storage tests
    /// load the same bytes from a version-1 database).
    const V1_CHUNK: &[u8] = include_bytes!("../../ext/tests/fixtures/storage-v1-chunk.bin");

    fn v1_description() -> StoredImport {
        serde_json::from_str(
            r#"{
              "file_name": "deals-v1.csv", "file_bytes": 218, "imported_at": "2026-11-21T10:00:00.000Z",
              "format": { "source": "SalesforceReport", "kind": "opportunities" },
              "as_of": "2026-11-13", "as_of_source": "Option", "date_order": null,
              "columns": [], "unused_columns": [], "data_rows": 3, "stored_rows": 2, "rejected": [],
              "notes": [], "chunk_count": 1, "encoded_bytes": 178, "encoding_version": 1
            }"#,
        )
        .unwrap()
    }

    #[test]
    fn chunks_of_encoding_1_read_back_with_their_text_dates() {
        let report = decode(&v1_description(), [V1_CHUNK]).unwrap();
        let dates: Vec<String> = report
            .data
            .opportunities
            .iter()
            .map(|opp| format!("{} {:?}", opp.id, opp.close_date.map(|d| d.to_string())))
            .collect();
        assert_eq!(
            dates,
            [
                r#"006000000000001 Some("2026-12-01")"#,
                r#"006000000000002 Some("2027-01-15")"#
            ]
        );
        // The same bytes are not read as the current encoding: its dates are numbers.
        let mut current = v1_description();
        current.encoding_version = ENCODING_VERSION;
        assert_ne!(decode(&current, [V1_CHUNK]).ok(), Some(report));
    }

    /// Encoding 3: a chunk holds each distinct text once, in its table, and the records read back
    /// share it; chunks of encoding 2 (texts inline) still read back.
    #[test]
    fn a_chunk_holds_each_text_once_and_encoding_2_still_reads() {
        let mut csv =
            String::from("Opportunity ID,Opportunity Name,Stage,Amount,Close Date,Champion\n");
        for row in 0..50 {
            let stage = ["Prospecting", "Negotiation"][row % 2];
            csv.push_str(&format!(
                "006A{row:03},Deal {row},{stage},{row},2026-12-01,Dana Ruiz\n"
            ));
        }
        let options = ImportOptions::default();
        let report = import_file("deals.csv", csv.as_bytes(), &options).unwrap();
        let (stored, chunks) = encode(report.clone(), csv.len() as u64, "");
        assert_eq!(stored.encoding_version, 3);
        let (table, _) = postcard::take_from_bytes::<Vec<&str>>(&chunks[0]).unwrap();
        // 50 ids, 50 names, two stages, the champion's name and the evidence field's name.
        assert_eq!(table.len(), 50 + 50 + 2 + 1 + 1);
        assert_eq!(
            &table[..4],
            ["006A000", "Deal 0", "Prospecting", "Champion"]
        );
        let inline = postcard::to_allocvec(&report.data).unwrap();
        assert!(
            chunks[0].len() * 10 < inline.len() * 8,
            "{} bytes with a table of texts, {} inline",
            chunks[0].len(),
            inline.len()
        );

        let back = decode(&stored, &chunks).unwrap();
        assert_eq!(back, report);
        let stages: Vec<&Text> = back
            .data
            .opportunities
            .iter()
            .flat_map(|opp| &opp.stage)
            .collect();
        assert!(std::ptr::eq(stages[0].as_str(), stages[2].as_str()));

        let mut version_2 = stored.clone();
        version_2.encoding_version = 2;
        assert_eq!(decode(&version_2, [&inline]).unwrap(), report);

        // An index beyond the table is refused, not read as another text (postcard keeps no
        // message of its own for the refusal).
        let mut short = postcard::to_allocvec(&table[..3]).unwrap();
        short.extend_from_slice(&chunks[0][postcard::to_allocvec(&table).unwrap().len()..]);
        assert!(matches!(
            decode(&stored, [&short]),
            Err(StoreError::Chunk { chunk: 0, .. })
        ));
    }

    /// Dates and times are numbers in the chunks, text in readable formats, and come back exact
    /// (to the nanosecond) from both.
    #[test]
    fn dates_are_numbers_in_chunks_and_text_in_json() {
        let at = NaiveDate::from_ymd_opt(2026, 3, 4)
            .unwrap()
            .and_hms_nano_opt(9, 30, 15, 250_000_001)
            .unwrap();
        let event = HistoryEvent {
            opportunity_id: "006A".into(),
            field: crate::model::HistoryField::CloseDate,
            old_value: Some("2026-03-31".into()),
            new_value: Some("2026-04-30".into()),
            at,
            by: None,
            source: crate::model::SourceRef { line: 2 },
        };
        let data = ImportedData {
            history: vec![event.clone()],
            ..ImportedData::default()
        };
        let bytes = postcard::to_allocvec(&data).unwrap();
        let text = crate::model::stored::read_text_dates(|| postcard::to_allocvec(&data).unwrap());
        assert!(
            bytes.len() + 15 < text.len(),
            "{} bytes with numbers, {} with text",
            bytes.len(),
            text.len()
        );
        assert_eq!(postcard::from_bytes::<ImportedData>(&bytes).unwrap(), data);
        assert_eq!(
            crate::model::stored::read_text_dates(|| postcard::from_bytes::<ImportedData>(&text))
                .unwrap(),
            data
        );
        let json = serde_json::to_string(&event).unwrap();
        assert!(
            json.contains(r#""at":"2026-03-04T09:30:15.250000001""#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<HistoryEvent>(&json).unwrap(), event);
    }

    #[test]
    fn only_undated_opportunity_lists_take_the_confirmed_date() {
        let csv = opportunities_csv(1);
        let mut report =
            import_file("deals.csv", csv.as_bytes(), &ImportOptions::default()).unwrap();
        let confirmed = NaiveDate::from_ymd_opt(2026, 11, 13).unwrap();
        date_undated_snapshot(&mut report, confirmed);
        assert_eq!(report.as_of, Some(confirmed));
        assert_eq!(report.as_of_source, Some(AsOfSource::Option));
        let footer = NaiveDate::from_ymd_opt(2026, 1, 2).unwrap();
        report.as_of = Some(footer);
        date_undated_snapshot(&mut report, confirmed);
        assert_eq!(report.as_of, Some(footer));
    }

    #[test]
    fn an_import_job_dates_encodes_and_reports_what_it_read() {
        let csv = opportunities_csv(RECORDS_PER_CHUNK + 1);
        let job = ImportJob {
            options: ImportOptions::default(),
            as_of: NaiveDate::from_ymd_opt(2026, 11, 13).unwrap(),
            imported_at: "2026-11-21T10:00:00Z".to_string(),
        };
        let mut steps = Vec::new();
        let (stored, chunks) = job
            .run("deals.csv", &csv.clone().into_bytes(), &mut |progress| {
                steps.push(progress.step)
            })
            .unwrap();
        assert_eq!(stored.as_of, Some(job.as_of));
        assert_eq!(stored.imported_at, job.imported_at);
        assert_eq!(stored.file_bytes, csv.len() as u64);
        assert_eq!(chunks.len(), 2);
        let report = decode(&stored, &chunks).unwrap();
        assert_eq!(report.stored_rows, RECORDS_PER_CHUNK + 1);
        assert!(steps.contains(&crate::import::ImportStep::Building));
        let refused = job.run("empty.csv", &Vec::new(), &mut |_| {}).unwrap_err();
        assert_eq!(refused, ImportError::Empty);
    }

    #[test]
    fn a_history_encoded_as_its_events_are_made_is_the_history_encoded_after() {
        // Two thousand opportunities, each created and then moved twice: 6,000 events from 6,000
        // rows given in time order, not by opportunity.
        let mut csv = String::from(
            "Id,OpportunityId,CreatedById,CreatedDate,StageName,Amount,CloseDate,Probability,ForecastCategory\n",
        );
        for (day, stage) in [(1, "Prospecting"), (2, "Proposal"), (3, "Closed Won")] {
            for opportunity in 0..2000 {
                csv.push_str(&format!(
                    "008{day}{opportunity:05},006{opportunity:05},005U,2026-03-0{day} 10:00:00,{stage},{},2026-06-30,{},Pipeline\n",
                    1000 + opportunity,
                    day * 30
                ));
            }
        }
        let job = ImportJob {
            options: ImportOptions::default(),
            as_of: NaiveDate::from_ymd_opt(2026, 11, 13).unwrap(),
            imported_at: "2026-11-21T10:00:00Z".to_string(),
        };
        let (stored, chunks) = job
            .run("OpportunityHistory.csv", &csv.as_bytes(), &mut |_| {})
            .unwrap();
        let report = crate::import::import_file(
            "OpportunityHistory.csv",
            csv.as_bytes(),
            &ImportOptions::default(),
        )
        .unwrap();
        let n_events = report.data.history.len();
        assert!(n_events > 2 * RECORDS_PER_CHUNK, "{n_events} events");
        assert_eq!(
            encode(report, csv.len() as u64, &job.imported_at),
            (stored, chunks)
        );
    }
}
