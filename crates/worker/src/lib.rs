//! Lens's importer on its own wasm module, loaded by the panel's import worker
//! (`public/import-worker.js`), or by the panel itself when the browser starts no worker.
//!
//! Reading a file takes the heaviest code Lens has (the CSV splitter, the spreadsheet readers with
//! their zip and XML parsers, the text encodings): kept here, none of it is in the panel's module,
//! so the panel downloads and compiles less before it shows a record, and this module is fetched
//! only when the user imports.
//!
//! [`import_in_worker`] reads the file in slices, runs the core's [`ImportJob`] (reporting its
//! progress) and resolves to the outcome the panel reads: `{stored, chunks}` (the description and
//! the encoded records, as arrays whose buffers the worker transfers) or `{error}` (an
//! `ImportError`: the file is not an export Lens can import as it stands).

mod analyst;
mod stopped;

pub use analyst::AnalystWorker;
pub use stopped::panic_message;

use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use std::io::{self, Read};

use lens_core::import::{Reread, check_file_size};
use lens_core::store::{ImportJob, JobProgress};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::File;

/// Bytes read from the file at a time.
const SLICE_BYTES: u64 = 1024 * 1024;

/// Imports `file` as `job` (an [`ImportJob`]) says, calling `on_progress` with each
/// [`JobProgress`] (as a JS value); resolves to the outcome object described above.
///
/// `read_slice(file, start, end)`, which only a worker can give (`import-worker.js`, with
/// `FileReaderSync`), returns those bytes of the file as a `Uint8Array` at once: the file is then
/// read as the import asks for it, a slice at a time, and twice when it is large (see
/// `lens_core::import::Reread`), never held whole. Without it (`undefined`: on the panel's
/// thread, where reads cannot wait), the file is read whole first.
#[wasm_bindgen]
pub async fn import_in_worker(
    file: File,
    job: JsValue,
    on_progress: Function,
    read_slice: Option<Function>,
) -> Result<JsValue, JsValue> {
    crate::stopped::watch_panics();
    let job: ImportJob = serde_wasm_bindgen::from_value(job)?;
    let report_progress = |progress: JobProgress| {
        if let Ok(value) = serde_wasm_bindgen::to_value(&progress) {
            let _ = on_progress.call1(&JsValue::NULL, &value);
        }
    };
    let outcome = Object::new();
    // The panel checks the size first; the worker does too, so that it never allocates for a
    // file it would refuse.
    if let Err(error) = check_file_size(file.size() as u64) {
        set(&outcome, "error", &serde_wasm_bindgen::to_value(&error)?)?;
        return Ok(outcome.into());
    }
    let importing = &mut |progress| report_progress(JobProgress::Importing(progress));
    // Each chunk leaves the module's memory as soon as it is encoded, into an array whose buffer
    // is later transferred to the panel: the memory grows to what the import holds, not to that
    // plus every chunk.
    let arrays = Array::new();
    let on_chunk = &mut |chunk: Vec<u8>| {
        arrays.push(&Uint8Array::from(chunk.as_slice()));
    };
    let result = match read_slice {
        Some(read_slice) => job.run_handing(
            &file.name(),
            &BrowserFile {
                file: &file,
                read_slice,
            },
            importing,
            on_chunk,
        ),
        None => {
            let bytes = read_in_slices(&file, |done, total| {
                report_progress(JobProgress::Reading { done, total })
            })
            .await?;
            job.run_handing(&file.name(), &bytes, importing, on_chunk)
        }
    };
    match result {
        Err(error) => set(&outcome, "error", &serde_wasm_bindgen::to_value(&error)?)?,
        Ok(stored) => {
            set(&outcome, "stored", &serde_wasm_bindgen::to_value(&stored)?)?;
            set(&outcome, "chunks", &arrays)?;
        }
    }
    Ok(outcome.into())
}

/// A browser file read in slices at once, by the worker's `read_slice`.
struct BrowserFile<'a> {
    file: &'a File,
    read_slice: Function,
}

impl Reread for BrowserFile<'_> {
    fn size(&self) -> u64 {
        self.file.size() as u64
    }

    fn open(&self) -> io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(SliceReader {
            file: self,
            next: 0,
            slice: Vec::new(),
            at: 0,
        }))
    }
}

/// Reads a [`BrowserFile`] from its start, one slice of [`SLICE_BYTES`] in memory at a time.
struct SliceReader<'a> {
    file: &'a BrowserFile<'a>,
    /// Where the next slice starts.
    next: u64,
    slice: Vec<u8>,
    /// How much of `slice` has been read.
    at: usize,
}

impl Read for SliceReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.slice.len() {
            let size = self.file.size();
            if self.next >= size {
                return Ok(0);
            }
            let end = (self.next + SLICE_BYTES).min(size);
            let array: Uint8Array = self
                .file
                .read_slice
                .call3(
                    &JsValue::NULL,
                    self.file.file,
                    &JsValue::from(self.next as f64),
                    &JsValue::from(end as f64),
                )
                .and_then(JsCast::dyn_into::<Uint8Array>)
                .map_err(|error| {
                    // The browser says why (the file was changed or removed since it was chosen).
                    let message = error.dyn_ref::<js_sys::Error>().map_or_else(
                        || format!("{error:?}"),
                        |error| String::from(error.message()),
                    );
                    io::Error::other(message)
                })?;
            self.slice.resize(array.length() as usize, 0);
            array.copy_to(&mut self.slice);
            self.at = 0;
            self.next = end;
            if self.slice.is_empty() {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.slice.len() - self.at);
        buf[..n].copy_from_slice(&self.slice[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
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
