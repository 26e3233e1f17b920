//! The panel's side of the analyst: the data set, its index and the analysis live in the analysis
//! worker (`public/analysis-worker.js`, running `lens-worker`'s `AnalystWorker`), and the panel
//! asks it for what the screens show. `panel.js` starts the worker and defines
//! `lensAnalyst.call(method, args, transfer)`; when the browser starts no worker, the same analyst
//! runs on the panel's thread behind the same call.
//!
//! Calls are answered in the order they are made. Every answer is one of the core's types
//! (`lens_core::analyst`), small enough for a screen: the analysis of a district lists hundreds of
//! thousands of evidence rows, which stay in the worker until a download asks for them.

use js_sys::{Array, Promise, Uint8Array};
use lens_core::analyst::{
    AnalysisSummary, DataSummary, ModulePage, PanelSettings, ShownInsight, ShownRecord,
};
use lens_core::insight::{Module, PageRecord};
use lens_core::store::StoredImport;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::browser::js_error;
use crate::error::ExtError;

const CONTEXT: &str = "asking the analysis worker";

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = lensAnalyst, js_name = call, catch)]
    fn analyst_call(method: &str, args: &Array, transfer: &Array) -> Result<Promise, JsValue>;
}

/// Calls one of the analyst's methods and waits for its answer.
async fn call(method: &str, args: &[JsValue], transfer: &Array) -> Result<JsValue, ExtError> {
    let args: Array = args.iter().collect();
    let promise =
        analyst_call(method, &args, transfer).map_err(|error| js_error(CONTEXT, error))?;
    JsFuture::from(promise)
        .await
        .map_err(|error| js_error(CONTEXT, error))
}

async fn ask<T: DeserializeOwned>(method: &str, args: &[JsValue]) -> Result<T, ExtError> {
    let answer = call(method, args, &Array::new()).await?;
    serde_wasm_bindgen::from_value(answer)
        .map_err(|error| ExtError::new(CONTEXT, error.to_string()))
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, ExtError> {
    serde_wasm_bindgen::to_value(value).map_err(|error| ExtError::new(CONTEXT, error.to_string()))
}

/// Starts again from an empty data set.
pub async fn clear() -> Result<(), ExtError> {
    call("clear", &[], &Array::new()).await.map(drop)
}

/// Hands one stored import to the analyst, its chunks' buffers transferred (the arrays are empty
/// afterwards). `Ok(Err(reason))`: the analyst cannot read this import back (the others load);
/// `Err`: the analyst itself failed.
pub async fn add(
    stored: &StoredImport,
    chunks: &[Uint8Array],
) -> Result<Result<(), String>, ExtError> {
    let arrays: Array = chunks.iter().map(JsValue::from).collect();
    let transfer: Array = chunks.iter().map(|chunk| chunk.buffer()).collect();
    let answer = call("add", &[to_js(stored)?, arrays.into()], &transfer).await?;
    Ok(match answer.as_string() {
        Some(reason) => Err(reason),
        None => Ok(()),
    })
}

/// Indexes the data set with the imports handed over since the last call.
pub async fn index() -> Result<DataSummary, ExtError> {
    ask("index", &[]).await
}

/// The view of the record on the page, the positions with their first `rows` evidence rows;
/// `None` without a snapshot to date it.
pub async fn record(
    settings: &PanelSettings,
    record_id: &str,
    page: &PageRecord,
    rows: usize,
) -> Result<Option<Result<ShownRecord, String>>, ExtError> {
    let args = [
        to_js(settings)?,
        JsValue::from_str(record_id),
        to_js(page)?,
        JsValue::from(rows as u32),
    ];
    ask("record", &args).await
}

/// Analyses the data set (or keeps the analysis made with the same settings) and summarises it.
pub async fn analyze(
    settings: &PanelSettings,
) -> Result<Option<Result<AnalysisSummary, String>>, ExtError> {
    ask("analyze", &[to_js(settings)?]).await
}

/// One module of the newest analysis: the first `per_measure` record-level findings of each
/// measure, each insight with its first `rows` evidence rows.
pub async fn module_page(
    module: Module,
    rows: usize,
    per_measure: usize,
) -> Result<Option<ModulePage>, ExtError> {
    ask(
        "module_page",
        &[
            to_js(&module)?,
            JsValue::from(rows as u32),
            JsValue::from(per_measure as u32),
        ],
    )
    .await
}

/// Every record-level finding of one measure of one module, each with its first `rows` evidence
/// rows; `None` when the analysis changed since the page was read.
pub async fn measure_insights(
    module: Module,
    measure: &str,
    rows: usize,
) -> Result<Option<Vec<ShownInsight>>, ExtError> {
    ask(
        "measure_insights",
        &[
            to_js(&module)?,
            JsValue::from_str(measure),
            JsValue::from(rows as u32),
        ],
    )
    .await
}

/// Every evidence row of one insight, as CSV.
pub async fn evidence_csv(key: &str) -> Result<Option<String>, ExtError> {
    ask("evidence_csv", &[JsValue::from_str(key)]).await
}

/// The review pack's Markdown.
pub async fn review_markdown() -> Result<Option<String>, ExtError> {
    ask("review_markdown", &[]).await
}

/// One sheet of the review pack, as CSV.
pub async fn review_csv(name: &str) -> Result<Option<String>, ExtError> {
    ask("review_csv", &[JsValue::from_str(name)]).await
}

/// Every stored import's description and every record, as the JSON "export everything" writes.
pub async fn export_json(imports: &[StoredImport]) -> Result<String, ExtError> {
    ask("export_json", &[to_js(&imports)?]).await
}
