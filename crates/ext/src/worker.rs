//! Importing off the panel's main thread, so the panel stays responsive while a large export is
//! read, and so the panel's own module never carries the file readers.
//!
//! The importer is a wasm module of its own (`lens-worker`, in `pkg/lens_worker*`). The Import
//! screen starts one module Web Worker per batch of files (`import-worker.js`, which loads that
//! module) and hands it one file at a time with [`ImportWorker::import`]: the worker reads the
//! file in slices, runs the core's [`ImportJob`] (reporting its progress) and sends the encoded
//! storage chunks back as transferred buffers. The panel stores them in one IndexedDB
//! transaction and decodes them for the analysis. When the browser starts no worker,
//! [`import_in_place`] loads the same module into the panel and runs it there.
//!
//! Messages (worker → panel): `{progress}` (a [`JobProgress`]) any number of times, then
//! `{outcome}` (`{stored, chunks}` or `{error}`, an [`ImportError`]) or `{failure}` (the worker
//! itself failed).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use lens_core::import::ImportError;
use lens_core::store::{ImportJob, JobProgress, StoredImport};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ErrorEvent, File, MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::browser::js_error;
use crate::error::ExtError;

/// The worker script, beside `panel.html` in the extension.
const WORKER_SCRIPT: &str = "import-worker.js";
const CONTEXT: &str = "importing in the background";

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
        job: &ImportJob,
        on_progress: impl Fn(JobProgress) + 'static,
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
        let job = serde_wasm_bindgen::to_value(job)
            .map_err(|error| ExtError::new(CONTEXT, error.to_string()))?;
        set(&message, "file", file).map_err(|error| js_error(CONTEXT, error))?;
        set(&message, "job", &job).map_err(|error| js_error(CONTEXT, error))?;
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

#[wasm_bindgen]
extern "C" {
    /// `panel.js`: loads the importer's module into the panel and imports one file with it.
    #[wasm_bindgen(js_name = lensImportInPlace, catch)]
    async fn lens_import_in_place(
        file: &File,
        job: JsValue,
        on_progress: &Function,
    ) -> Result<JsValue, JsValue>;
}

/// Imports one file on the panel's own thread, with the importer's module loaded into the panel:
/// what the Import screen does when the browser starts no worker.
pub async fn import_in_place(
    file: &File,
    job: &ImportJob,
    on_progress: impl Fn(JobProgress) + 'static,
) -> Result<WorkerOutcome, ExtError> {
    const IN_PLACE: &str = "importing in the panel";
    let job = serde_wasm_bindgen::to_value(job)
        .map_err(|error| ExtError::new(IN_PLACE, error.to_string()))?;
    let on_progress = Closure::<dyn Fn(JsValue)>::new(move |progress: JsValue| {
        if let Ok(progress) = serde_wasm_bindgen::from_value(progress) {
            on_progress(progress);
        }
    });
    let outcome = lens_import_in_place(file, job, on_progress.as_ref().unchecked_ref())
        .await
        .map_err(|error| js_error(IN_PLACE, error))?;
    let message = Object::new();
    set(&message, "outcome", &outcome).map_err(|error| js_error(IN_PLACE, error))?;
    read_outcome(&message)
}

fn set(object: &Object, key: &str, value: &JsValue) -> Result<(), JsValue> {
    Reflect::set(object, &JsValue::from_str(key), value).map(|_| ())
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
