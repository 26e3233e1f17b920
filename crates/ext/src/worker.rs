//! Importing off the panel's main thread, so the panel stays responsive while a large export is
//! read.
//!
//! The Import screen starts one module Web Worker per batch of files (`import-worker.js`, which
//! loads this same wasm module without mounting the panel) and hands it one file at a time with
//! [`ImportWorker::import`]. In the worker, [`import_in_worker`] reads the file in slices, runs
//! the core's import (reporting its progress), dates an undated snapshot and encodes the records
//! into the storage chunks, which travel back to the panel as transferred buffers. The panel then
//! stores the chunks in one IndexedDB transaction and decodes them for the analysis.
//!
//! Messages (worker → panel): `{progress}` any number of times, then `{outcome}` (`{stored,
//! chunks}` or `{error}`, an [`ImportError`]) or `{failure}` (the worker itself failed).

use std::cell::RefCell;
use std::rc::Rc;

use chrono::NaiveDate;
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use lens_core::import::{
    ImportError, ImportOptions, ImportProgress, check_file_size, import_file_reporting,
};
use lens_core::store::{StoredImport, date_undated_snapshot, encode};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ErrorEvent, File, MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::browser::js_error;
use crate::error::ExtError;

/// The worker script, beside `panel.html` in the extension.
const WORKER_SCRIPT: &str = "import-worker.js";
/// Bytes read from the file at a time: the reading step reports progress between slices.
const SLICE_BYTES: u64 = 8 * 1024 * 1024;
const CONTEXT: &str = "importing in the background";

/// What the panel asks the worker to do with one file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkerRequest {
    pub options: ImportOptions,
    /// The as-of date for an opportunity list that states none.
    pub as_of: NaiveDate,
    /// When the import is made (the browser's clock), kept with the stored import.
    pub imported_at: String,
}

/// How far the worker has come with one file.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum WorkerProgress {
    /// Bytes of the file read so far.
    Reading {
        done: u64,
        total: u64,
    },
    Importing(ImportProgress),
}

/// What became of one file in the worker.
#[derive(Debug)]
pub enum WorkerOutcome {
    /// Imported and encoded, ready to store.
    Imported {
        stored: StoredImport,
        /// The encoded chunks as the worker transferred them, not copied into the module.
        chunks: Vec<Uint8Array>,
    },
    /// Not an export Lens can import as it stands; nothing to store.
    Refused(ImportError),
}

// ---------------------------------------------------------------------------------------------
// In the worker

/// The worker's entry point (called by `import-worker.js`): imports `file` as `request` says,
/// calling `on_progress` with each [`WorkerProgress`] (as a JS value). Resolves to the outcome
/// object described in the module documentation.
#[wasm_bindgen]
pub async fn import_in_worker(
    file: File,
    request: JsValue,
    on_progress: Function,
) -> Result<JsValue, JsValue> {
    console_error_panic_hook::set_once();
    let request: WorkerRequest = serde_wasm_bindgen::from_value(request)?;
    let report_progress = |progress: WorkerProgress| {
        if let Ok(value) = serde_wasm_bindgen::to_value(&progress) {
            let _ = on_progress.call1(&JsValue::NULL, &value);
        }
    };
    // The panel checks the size first; the worker does too, so that it never allocates for a
    // file it would refuse.
    if let Err(error) = check_file_size(file.size() as u64) {
        let outcome = Object::new();
        set(&outcome, "error", &serde_wasm_bindgen::to_value(&error)?)?;
        return Ok(outcome.into());
    }
    let bytes = read_in_slices(&file, |done, total| {
        report_progress(WorkerProgress::Reading { done, total })
    })
    .await?;
    let result = import_and_encode(&file.name(), &bytes, &request, &mut |progress| {
        report_progress(WorkerProgress::Importing(progress))
    });
    let outcome = Object::new();
    match result {
        Err(error) => set(&outcome, "error", &serde_wasm_bindgen::to_value(&error)?)?,
        Ok((stored, chunks)) => {
            set(&outcome, "stored", &serde_wasm_bindgen::to_value(&stored)?)?;
            let buffers: Array = chunks
                .iter()
                .map(|chunk| JsValue::from(Uint8Array::from(chunk.as_slice())))
                .collect();
            set(&outcome, "chunks", &buffers)?;
        }
    }
    Ok(outcome.into())
}

/// Imports one file's bytes as `request` says, dates an undated snapshot and encodes the records
/// into storage chunks: what the worker does, and what the panel does itself when no worker starts.
pub fn import_and_encode(
    file_name: &str,
    bytes: &[u8],
    request: &WorkerRequest,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<(StoredImport, Vec<Vec<u8>>), ImportError> {
    let mut report = import_file_reporting(file_name, bytes, &request.options, progress)?;
    date_undated_snapshot(&mut report, request.as_of);
    Ok(encode(report, bytes.len() as u64, &request.imported_at))
}

/// Reads a file slice by slice (`Blob.slice`), calling `on_read` after each.
async fn read_in_slices(file: &File, on_read: impl Fn(u64, u64)) -> Result<Vec<u8>, JsValue> {
    let total = file.size() as u64;
    let mut bytes = Vec::with_capacity(total as usize);
    let mut start = 0;
    on_read(0, total);
    while start < total {
        let end = (start + SLICE_BYTES).min(total);
        let slice = file.slice_with_f64_and_f64(start as f64, end as f64)?;
        let buffer = JsFuture::from(slice.array_buffer()).await?;
        let array = Uint8Array::new(&buffer);
        let offset = bytes.len();
        bytes.resize(offset + array.length() as usize, 0);
        array.copy_to(&mut bytes[offset..]);
        start = end;
        on_read(start, total);
    }
    Ok(bytes)
}

fn set(object: &Object, key: &str, value: &JsValue) -> Result<(), JsValue> {
    Reflect::set(object, &JsValue::from_str(key), value).map(|_| ())
}

// ---------------------------------------------------------------------------------------------
// In the panel

/// A worker that imports files one after the other; terminated when dropped.
pub struct ImportWorker {
    worker: Worker,
}

impl ImportWorker {
    /// Starts the worker (it loads the wasm module on its own).
    pub fn start() -> Result<ImportWorker, ExtError> {
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        let worker = Worker::new_with_options(WORKER_SCRIPT, &options)
            .map_err(|error| js_error(CONTEXT, error))?;
        Ok(ImportWorker { worker })
    }

    /// Imports one file in the worker, calling `on_progress` as it goes.
    pub async fn import(
        &self,
        file: &File,
        request: &WorkerRequest,
        on_progress: impl Fn(WorkerProgress) + 'static,
    ) -> Result<WorkerOutcome, ExtError> {
        // The promise settles with the worker's last message for this file.
        let settle: Rc<RefCell<Option<Function>>> = Rc::new(RefCell::new(None));
        let slot = settle.clone();
        let finished = Promise::new(&mut |resolve, _reject| *slot.borrow_mut() = Some(resolve));

        let slot = settle.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data();
            let progress = Reflect::get(&data, &JsValue::from_str("progress")).unwrap_or_default();
            if !progress.is_undefined() {
                if let Ok(progress) = serde_wasm_bindgen::from_value(progress) {
                    on_progress(progress);
                }
                return;
            }
            if let Some(resolve) = slot.borrow_mut().take() {
                let _ = resolve.call1(&JsValue::NULL, &data);
            }
        });
        let slot = settle.clone();
        let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
            event.prevent_default();
            let failure = Object::new();
            let _ = set(&failure, "failure", &JsValue::from_str(&event.message()));
            if let Some(resolve) = slot.borrow_mut().take() {
                let _ = resolve.call1(&JsValue::NULL, &failure);
            }
        });
        self.worker
            .set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        self.worker
            .set_onerror(Some(on_error.as_ref().unchecked_ref()));

        let message = Object::new();
        let request = serde_wasm_bindgen::to_value(request)
            .map_err(|error| ExtError::new(CONTEXT, error.to_string()))?;
        set(&message, "file", file).map_err(|error| js_error(CONTEXT, error))?;
        set(&message, "request", &request).map_err(|error| js_error(CONTEXT, error))?;
        self.worker
            .post_message(&message)
            .map_err(|error| js_error(CONTEXT, error))?;
        let data = JsFuture::from(finished)
            .await
            .map_err(|error| js_error(CONTEXT, error))?;
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        drop((on_message, on_error));
        read_outcome(&data)
    }
}

impl Drop for ImportWorker {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

/// Reads the worker's last message for a file.
fn read_outcome(data: &JsValue) -> Result<WorkerOutcome, ExtError> {
    let get = |object: &JsValue, key: &str| {
        Reflect::get(object, &JsValue::from_str(key)).unwrap_or_default()
    };
    let failure = get(data, "failure");
    if !failure.is_undefined() {
        let detail = failure
            .as_string()
            .unwrap_or_else(|| "the worker stopped".to_string());
        return Err(ExtError::new(CONTEXT, detail));
    }
    let outcome = get(data, "outcome");
    let malformed = |detail: String| ExtError::new(CONTEXT, detail);
    let error = get(&outcome, "error");
    if !error.is_undefined() {
        let error: ImportError =
            serde_wasm_bindgen::from_value(error).map_err(|error| malformed(error.to_string()))?;
        return Ok(WorkerOutcome::Refused(error));
    }
    let stored: StoredImport = serde_wasm_bindgen::from_value(get(&outcome, "stored"))
        .map_err(|error| malformed(error.to_string()))?;
    let chunks = get(&outcome, "chunks")
        .dyn_into::<Array>()
        .map_err(|_| malformed("the worker sent no chunks".to_string()))?
        .iter()
        .map(|chunk| chunk.unchecked_into::<Uint8Array>())
        .collect();
    crate::browser::mark("lens:import-received");
    Ok(WorkerOutcome::Imported { stored, chunks })
}
