//! The core's import, storage encoding and analysis exported to JavaScript, for the browser
//! benchmark (`bench/browser/`, run by `cargo xtask bench`).
//!
//! This module is never part of the extension: `cargo xtask bench` builds it on its own (profile
//! `wasm-worker`, wasm-bindgen `--target web`, as `cargo xtask dist` builds the workers' module)
//! and the benchmark page loads it beside PapaParse and DuckDB-wasm. Every export does one step of
//! what the panel does on an import, so the page can time each step with `performance.now()`:
//!
//! - [`csv_records`]: the `csv` crate alone, splitting the bytes into records (the least any CSV
//!   reading in Rust does, to hold against the same code compiled natively);
//! - [`parse_rows`]: the import's decoding and CSV splitting ([`read_rows`]), before any typing;
//! - [`import_csv`]: the whole import ([`import_file`]: decode, split, detect, type every row);
//!   the report is kept for the next two steps;
//! - [`encode_for_storage`]: the kept report as the panel writes it to IndexedDB
//!   ([`lens_core::store::encode`]: a description and `postcard` chunks), from a copy, as the
//!   panel keeps the report it stores;
//! - [`decode_stored`]: those chunks read back into records, as the analysis worker does each
//!   time the panel opens ([`lens_core::store::decode`], each chunk copied into the module in turn);
//! - [`analyze_import`]: what the panel does once a batch of files is stored: the kept report
//!   added to a data set, its [`Index`] built and every module run;
//! - [`region_add`], [`region_index`], [`region_analyze`]: a data set loaded file by file, its
//!   [`Index`] built once, then [`analyze_indexed`] as the panel runs it after a load.
//!
//! Nothing here reads a clock; the page times the calls.

use std::cell::RefCell;

use chrono::NaiveDate;
use lens_core::import::{ImportOptions, ImportReport, import_file, read_rows};
use lens_core::insight::{Dataset, Index, Settings, analyze_indexed};
use lens_core::store::encode;
use wasm_bindgen::prelude::{JsError, wasm_bindgen};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}

/// Runs when the page instantiates the module: a panic's message goes to the console before the
/// module aborts (the profile has `panic = "abort"`), so the page can tell a panic from running
/// out of memory, which aborts without one.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        console_error(&format!("lens-bench-wasm: {info}"))
    }));
}

thread_local! {
    /// The report of the last [`import_csv`], until [`analyze_import`] takes it.
    static LAST_IMPORT: RefCell<Option<ImportReport>> = const { RefCell::new(None) };
    /// The data set [`region_add`] fills.
    static REGION: RefCell<Dataset> = RefCell::new(Dataset::default());
    /// The index of the region, once [`region_index`] has built it.
    static REGION_INDEX: RefCell<Option<Index<'static>>> = const { RefCell::new(None) };
}

/// Splits `bytes` into CSV records with the `csv` crate alone (no decoding, no typing) and
/// returns how many records and fields it read, as `"records fields"`.
#[wasm_bindgen]
pub fn csv_records(bytes: &[u8]) -> Result<String, JsError> {
    let (records, fields) = count_csv_records(bytes).map_err(|error| JsError::new(&error))?;
    Ok(format!("{records} {fields}"))
}

/// The count behind [`csv_records`]; `crates/core/benches/import.rs` reads the file natively with
/// the same reader settings.
fn count_csv_records(bytes: &[u8]) -> Result<(u64, u64), String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let (mut records, mut fields) = (0u64, 0u64);
    while reader
        .read_byte_record(&mut record)
        .map_err(|error| error.to_string())?
    {
        records += 1;
        fields += record.len() as u64;
    }
    Ok((records, fields))
}

/// Decodes and splits the file as an import does, before any format is recognised; returns the
/// number of rows.
#[wasm_bindgen]
pub fn parse_rows(bytes: &[u8]) -> Result<u32, JsError> {
    let rows = read_rows(bytes).map_err(|error| JsError::new(&error.to_string()))?;
    Ok(rows.len() as u32)
}

/// Imports one export as the panel does (without the as-of date question) and keeps the report
/// for [`encode_for_storage`]. Returns a JSON summary: format, as-of date, data, stored and
/// rejected rows, and how many opportunities and history events were typed.
#[wasm_bindgen]
pub fn import_csv(name: &str, bytes: &[u8]) -> Result<String, JsError> {
    // The previous report goes first, so runs do not hold two reports at once.
    LAST_IMPORT.with(|last| last.borrow_mut().take());
    let report = import_file(name, bytes, &ImportOptions::default())
        .map_err(|error| JsError::new(&format!("{name}: {error}")))?;
    let summary = summary(&report);
    LAST_IMPORT.with(|last| *last.borrow_mut() = Some(report));
    Ok(summary)
}

/// Encodes the report of the last [`import_csv`] for storage, as the panel does before writing it
/// to IndexedDB: a copy is encoded and the report kept (the panel's `Lens::store`). Returns
/// `[description, chunk, chunk, …]`: the description as JSON text and each chunk as a `Uint8Array`.
#[wasm_bindgen]
pub fn encode_for_storage(file_bytes: f64, imported_at: &str) -> Result<js_sys::Array, JsError> {
    let report = LAST_IMPORT
        .with(|last| last.borrow().clone())
        .ok_or_else(|| JsError::new("encode_for_storage: no import to encode"))?;
    let (stored, chunks) = encode(report, file_bytes as u64, imported_at);
    let out = js_sys::Array::new();
    let description =
        serde_json::to_string(&stored).map_err(|error| JsError::new(&error.to_string()))?;
    out.push(&description.into());
    for chunk in &chunks {
        out.push(&js_sys::Uint8Array::from(chunk.as_slice()));
    }
    Ok(out)
}

/// Reads an import back from what [`encode_for_storage`] returned (`description`, the JSON text,
/// and its chunks), as the analysis worker does when the panel opens; returns the rows read.
#[wasm_bindgen]
pub fn decode_stored(description: &str, chunks: js_sys::Array) -> Result<u32, JsError> {
    let stored: lens_core::store::StoredImport =
        serde_json::from_str(description).map_err(|error| JsError::new(&error.to_string()))?;
    let arrays: Vec<js_sys::Uint8Array> = chunks
        .iter()
        .map(wasm_bindgen::JsCast::unchecked_into)
        .collect();
    let report = lens_core::store::decode(&stored, arrays.iter().map(js_sys::Uint8Array::to_vec))
        .map_err(|error| JsError::new(&error.to_string()))?;
    Ok(report.stored_rows as u32)
}

/// Adds the report of the last [`import_csv`] to an empty data set, builds its [`Index`] and runs
/// every module as of the newest snapshot with the default settings, as the panel does after
/// storing a batch of files; returns the number of insights.
#[wasm_bindgen]
pub fn analyze_import() -> Result<u32, JsError> {
    let report = LAST_IMPORT
        .with(|last| last.borrow_mut().take())
        .ok_or_else(|| JsError::new("analyze_import: no import to analyse"))?;
    let mut dataset = Dataset::default();
    let undated = report.as_of.unwrap_or_default();
    dataset.add(report, undated);
    let Some(as_of) = dataset.latest_snapshot() else {
        return Ok(0);
    };
    let index = Index::new(&dataset);
    let analysis = analyze_indexed(&index, &Settings::new(as_of))
        .map_err(|error| JsError::new(&error.to_string()))?;
    Ok(analysis.insights().count() as u32)
}

/// Imports one file of a data set and adds it to the region (an opportunity list without a
/// footer date is dated `as_of`, YYYY-MM-DD). Returns the same summary as [`import_csv`].
#[wasm_bindgen]
pub fn region_add(name: &str, bytes: &[u8], as_of: &str) -> Result<String, JsError> {
    let as_of = parse_date(as_of)?;
    if REGION_INDEX.with(|index| index.borrow().is_some()) {
        return Err(JsError::new("region_add: the region is already indexed"));
    }
    let report = import_file(name, bytes, &ImportOptions::default())
        .map_err(|error| JsError::new(&format!("{name}: {error}")))?;
    let summary = summary(&report);
    REGION.with(|region| region.borrow_mut().add(report, as_of));
    Ok(summary)
}

/// Builds the region's [`Index`] once (as the panel does after loading its storage); returns the
/// number of snapshots. The data set then lives as long as the module, so the index can keep
/// borrowing it.
#[wasm_bindgen]
pub fn region_index() -> Result<u32, JsError> {
    if REGION_INDEX.with(|index| index.borrow().is_some()) {
        return Err(JsError::new("region_index: already built"));
    }
    let dataset: &'static Dataset = Box::leak(Box::new(REGION.with(|region| region.take())));
    let index = Index::new(dataset);
    REGION_INDEX.with(|slot| *slot.borrow_mut() = Some(index));
    Ok(dataset.snapshots.len() as u32)
}

/// Runs every module of the analysis over the indexed region as of `as_of` (YYYY-MM-DD) with the
/// default settings; returns the number of insights.
#[wasm_bindgen]
pub fn region_analyze(as_of: &str) -> Result<u32, JsError> {
    let settings = Settings::new(parse_date(as_of)?);
    REGION_INDEX.with(|slot| {
        let slot = slot.borrow();
        let index = slot
            .as_ref()
            .ok_or_else(|| JsError::new("region_analyze: call region_index first"))?;
        let analysis =
            analyze_indexed(index, &settings).map_err(|error| JsError::new(&error.to_string()))?;
        Ok(analysis.insights().count() as u32)
    })
}

fn parse_date(text: &str) -> Result<NaiveDate, JsError> {
    text.parse()
        .map_err(|_| JsError::new(&format!("`{text}` is not a YYYY-MM-DD date")))
}

fn summary(report: &ImportReport) -> String {
    serde_json::json!({
        "file": report.file_name,
        "format": report.format.to_string(),
        "as_of": report.as_of.map(|date| date.to_string()),
        "data_rows": report.data_rows,
        "stored_rows": report.stored_rows,
        "rejected": report.rejected.len(),
        "opportunities": report.data.opportunities.len(),
        "history_events": report.data.history.len(),
    })
    .to_string()
}
