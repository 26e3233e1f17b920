//! The analyst in a worker: the data set, its index and the newest analysis live here, and the
//! panel asks for what it shows (`public/analysis-worker.js` relays its messages to one
//! [`AnalystWorker`]; when the browser starts no worker, `panel.js` holds one itself).
//!
//! The panel reads the stored imports from IndexedDB and hands each one over ([`AnalystWorker::add`]:
//! its description and its encoded chunks, whose buffers it transfers), then asks for the data
//! set to be indexed ([`AnalystWorker::index`]). From then on it asks for the record's view, the
//! analysis's summary, one module at a time, and the files it downloads; every answer is a plain
//! JS value made from the core's types (`lens_core::analyst`).

use js_sys::{Array, Uint8Array};
use lens_core::analyst::{Analyst, PanelSettings};
use lens_core::import::ImportReport;
use lens_core::insight::{Dataset, Module, PageRecord};
use lens_core::model::SharedTexts;
use lens_core::store::{self, StoredImport};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// The analyst and the imports handed over since the data set was last indexed.
#[wasm_bindgen]
#[derive(Default)]
pub struct AnalystWorker {
    analyst: Analyst,
    pending: Vec<ImportReport>,
    /// The texts of every import read back since the last `clear`, each held once.
    texts: SharedTexts,
}

#[wasm_bindgen]
impl AnalystWorker {
    #[wasm_bindgen(constructor)]
    pub fn new() -> AnalystWorker {
        crate::stopped::watch_panics();
        AnalystWorker::default()
    }

    /// Starts again from an empty data set (the panel then hands over every stored import).
    pub fn clear(&mut self) {
        self.pending.clear();
        self.texts = SharedTexts::default();
        self.analyst.replace(Dataset::default());
    }

    /// Decodes one stored import (`stored`, a `StoredImport`, and its chunks, `Uint8Array`s) and
    /// keeps it for the next [`AnalystWorker::index`]; returns why it cannot be read back, if it
    /// cannot (an encoding this version does not know, a damaged chunk).
    pub fn add(&mut self, stored: JsValue, chunks: Array) -> Result<Option<String>, JsValue> {
        let stored: StoredImport = serde_wasm_bindgen::from_value(stored)?;
        let arrays = chunks
            .iter()
            .map(|chunk| chunk.dyn_into::<Uint8Array>())
            .collect::<Result<Vec<_>, _>>()?;
        // Each chunk is copied into the module only when its turn comes.
        let chunks = arrays.iter().map(Uint8Array::to_vec);
        match store::decode_sharing(&stored, chunks, &mut self.texts) {
            Ok(report) => {
                self.pending.push(report);
                Ok(None)
            }
            Err(error) => Ok(Some(error.to_string())),
        }
    }

    /// Adds the imports handed over since the last call and indexes the data set; returns its
    /// `DataSummary`.
    pub fn index(&mut self) -> Result<JsValue, JsValue> {
        self.analyst.add_all(std::mem::take(&mut self.pending));
        to_js(&self.analyst.data_summary())
    }

    /// The view of the record on the page (`Option<Result<ShownRecord, String>>`, the
    /// positions' evidence cut to `rows`), with the panel's settings (`PanelSettings`) and the
    /// page as read (`PageRecord`).
    pub fn record(
        &mut self,
        settings: JsValue,
        record_id: String,
        page: JsValue,
        rows: usize,
    ) -> Result<JsValue, JsValue> {
        let settings: PanelSettings = serde_wasm_bindgen::from_value(settings)?;
        let page: PageRecord = serde_wasm_bindgen::from_value(page)?;
        to_js(&self.analyst.record(&settings, &record_id, &page, rows))
    }

    /// Analyses the data set with the panel's settings (`Option<Result<AnalysisSummary, String>>`).
    pub fn analyze(&mut self, settings: JsValue) -> Result<JsValue, JsValue> {
        let settings: PanelSettings = serde_wasm_bindgen::from_value(settings)?;
        to_js(&self.analyst.analyze(&settings))
    }

    /// One module of the newest analysis, its record-level findings cut to the first
    /// `per_measure` of each measure and each insight's evidence to `rows` (`Option<ModulePage>`).
    pub fn module_page(
        &self,
        module: JsValue,
        rows: usize,
        per_measure: usize,
    ) -> Result<JsValue, JsValue> {
        let module: Module = serde_wasm_bindgen::from_value(module)?;
        to_js(&self.analyst.module_page(module, rows, per_measure))
    }

    /// Every record-level finding of one measure of one module, each insight's evidence cut to
    /// `rows` (`Option<Vec<ShownInsight>>`).
    pub fn measure_insights(
        &self,
        module: JsValue,
        measure: String,
        rows: usize,
    ) -> Result<JsValue, JsValue> {
        let module: Module = serde_wasm_bindgen::from_value(module)?;
        to_js(&self.analyst.measure_insights(module, &measure, rows))
    }

    /// Every evidence row of one insight of the newest analysis, as CSV.
    pub fn evidence_csv(&self, key: String) -> Option<String> {
        self.analyst.evidence_csv(&key)
    }

    /// The newest analysis as the review pack's Markdown.
    pub fn review_markdown(&self) -> Option<String> {
        self.analyst.review_markdown()
    }

    /// One sheet of the review pack as CSV.
    pub fn review_csv(&self, name: String) -> Option<String> {
        self.analyst.review_csv(&name)
    }

    /// "Export everything": the stored imports' descriptions (`imports`, as the panel lists
    /// them) and every record of the data set, as JSON text.
    pub fn export_json(&self, imports: JsValue) -> Result<String, JsValue> {
        let imports: Vec<StoredImport> = serde_wasm_bindgen::from_value(imports)?;
        let export = Export {
            lens_export_version: 1,
            imports,
            data: self.analyst.dataset(),
        };
        let serializer = serde_wasm_bindgen::Serializer::json_compatible();
        let value = export.serialize(&serializer)?;
        let text = js_sys::JSON::stringify_with_replacer_and_space(
            &value,
            &JsValue::NULL,
            &JsValue::from(1),
        )?;
        Ok(text.into())
    }
}

/// What "export everything" writes.
#[derive(Serialize)]
struct Export<'a> {
    lens_export_version: u32,
    imports: Vec<StoredImport>,
    /// Every record of every import, by table (snapshots, history, users, accounts, renewals,
    /// program data), each with its source file.
    data: &'a Dataset,
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    Ok(serde_wasm_bindgen::to_value(value)?)
}
