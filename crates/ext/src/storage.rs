//! The panel's IndexedDB: every import, the settings and the remembered column mappings.
//!
//! The database lives in the extension's origin, so the CRM page cannot open it (the end-to-end
//! tests check this). Layout, version [`DB_VERSION`]:
//! - `imports`: one [`StoredImport`] per imported file (file, format, as-of date, counts, rejected
//!   rows), keyed by an auto-incremented number. The Data screen lists these without decoding data.
//! - `chunks`: the records of each import, encoded by [`lens_core::store`] in chunks of a few
//!   thousand records, keyed `"<import id>/<chunk number>"` (both zero-padded, so keys sort in order
//!   and one key range holds one import).
//! - `settings`: small values by name (the analysis settings, the remembered mappings).
//!
//! **Nothing half-written is ever visible:** an import's description and all its chunks are written
//! in one read-write transaction, which IndexedDB commits as a whole or not at all (a quota error,
//! a closed tab or a crash mid-import leaves the earlier data as it was). Deleting an import is one
//! transaction too. A write refused because the browser's storage for Lens is full is told apart
//! ([`ExtError::is_storage_full`]); the rest of the layer goes through `indexed_db_futures`, that one
//! write through `web_sys` (see `raw`).

use indexed_db_futures::KeyRange;
use indexed_db_futures::database::{Database, VersionChangeEvent};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use lens_core::import::ImportReport;
use lens_core::store::{StoreError, StoredImport, decode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ExtError;

/// The database's name in the extension origin.
pub const DB_NAME: &str = "lens";
/// The schema version; raise it with a new arm in [`upgrade`] whenever the layout changes.
pub const DB_VERSION: u32 = 1;

const IMPORTS: &str = "imports";
const CHUNKS: &str = "chunks";
const SETTINGS: &str = "settings";

/// An open connection to Lens's database.
#[derive(Clone)]
pub struct Storage {
    db: Database,
}

/// One stored import as the Data screen lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportEntry {
    pub id: u32,
    pub stored: StoredImport,
}

impl Storage {
    /// Opens the database, creating or migrating it to [`DB_VERSION`].
    pub async fn open() -> Result<Storage, ExtError> {
        Self::open_named(DB_NAME).await
    }

    /// Opens a database of another name (tests use their own, so they never touch the user's data).
    pub async fn open_named(name: &str) -> Result<Storage, ExtError> {
        let db = Database::open(name)
            .with_version(DB_VERSION)
            .with_on_upgrade_needed(upgrade)
            .await
            .map_err(|error| ExtError::new(CONTEXT_OPEN, error.to_string()))?;
        Ok(Storage { db })
    }

    /// The database's schema version as the browser reports it.
    pub fn version(&self) -> u32 {
        self.db.version() as u32
    }

    /// Closes this connection (a database cannot be deleted or upgraded while one stays open).
    pub fn close(self) {
        self.db.close();
    }

    /// Closes the connection and deletes the whole database (tests only use this on their own).
    pub async fn delete_database(self) -> Result<(), ExtError> {
        self.db
            .delete()
            .map_err(|error| ExtError::new(CONTEXT_WIPE, error.to_string()))?
            .await
            .map_err(|error| ExtError::new(CONTEXT_WIPE, error.to_string()))
    }

    /// Stores one import (its description and chunks) in one transaction; returns its id.
    ///
    /// When the browser refuses the write because the storage it gives Lens is full, the error is
    /// an [`ExtError::storage_full`] naming the size of what was refused; the transaction is rolled
    /// back whole, so nothing of the import is kept.
    pub async fn save_import(
        &self,
        stored: &StoredImport,
        chunks: &[impl ChunkBytes],
    ) -> Result<u32, ExtError> {
        let refused = |error: wasm_bindgen::JsValue| save_error(error, stored);
        let db = raw::open(&self.db.name()).await.map_err(refused)?;
        let saved = raw::save_import(&db, stored, chunks).await;
        db.close();
        saved.map_err(refused)
    }

    /// Every stored import's description, oldest first.
    pub async fn list_imports(&self) -> Result<Vec<ImportEntry>, ExtError> {
        let fail = failed(CONTEXT_LIST);
        let transaction = self.db.transaction(IMPORTS).build().map_err(fail)?;
        let imports = transaction.object_store(IMPORTS).map_err(fail)?;
        let keys: Vec<u32> = imports
            .get_all_keys::<u32>()
            .primitive()
            .map_err(fail)?
            .await
            .map_err(fail)?
            .collect::<Result<_, _>>()
            .map_err(fail)?;
        let values: Vec<StoredImport> = imports
            .get_all::<StoredImport>()
            .serde()
            .map_err(fail)?
            .await
            .map_err(fail)?
            .collect::<Result<_, _>>()
            .map_err(fail)?;
        Ok(keys
            .into_iter()
            .zip(values)
            .map(|(id, stored)| ImportEntry { id, stored })
            .collect())
    }

    /// Reads one import back, records and all.
    pub async fn load_import(
        &self,
        entry: &ImportEntry,
    ) -> Result<Result<ImportReport, StoreError>, ExtError> {
        let chunks: Vec<Vec<u8>> = self
            .read_chunks(entry.id)
            .chunks()
            .await?
            .iter()
            .map(|chunk| chunk.to_vec())
            .collect();
        Ok(decode(&entry.stored, &chunks))
    }

    /// Starts reading one import's encoded chunks and returns at once; the browser reads them
    /// while the panel goes on (decoding the import before), and awaiting the result waits for
    /// the rest.
    pub fn read_chunks(&self, import_id: u32) -> PendingChunks {
        let db = self.db.clone();
        let read = async move {
            let fail = |error: indexed_db_futures::error::Error| error.to_string();
            let transaction = db.transaction(CHUNKS).build().map_err(fail)?;
            let chunk_store = transaction.object_store(CHUNKS).map_err(fail)?;
            // As the browser's own arrays: each is copied into the module when it is decoded.
            let chunks = chunk_store
                .get_all::<wasm_bindgen::JsValue>()
                .with_query::<String, _>(import_range(import_id))
                .primitive()
                .map_err(fail)?
                .await
                .map_err(fail)?;
            let array = js_sys::Array::new();
            for chunk in chunks {
                array.push(&chunk.map_err(fail)?);
            }
            Ok::<_, String>(array)
        };
        // Spawned, so the request is made now rather than when the result is awaited.
        PendingChunks(wasm_bindgen_futures::future_to_promise(async move {
            read.await
                .map(wasm_bindgen::JsValue::from)
                .map_err(|detail| wasm_bindgen::JsValue::from_str(&detail))
        }))
    }

    /// Deletes one import and its chunks in one transaction.
    pub async fn delete_import(&self, id: u32) -> Result<(), ExtError> {
        let fail = failed(CONTEXT_DELETE);
        let transaction = self
            .db
            .transaction([IMPORTS, CHUNKS])
            .with_mode(TransactionMode::Readwrite)
            .build()
            .map_err(fail)?;
        transaction
            .object_store(IMPORTS)
            .map_err(fail)?
            .delete(id)
            .primitive()
            .map_err(fail)?;
        transaction
            .object_store(CHUNKS)
            .map_err(fail)?
            .delete::<String, _>(import_range(id))
            .primitive()
            .map_err(fail)?;
        transaction.commit().await.map_err(fail)
    }

    /// Deletes every import, chunk, setting and mapping in one transaction.
    pub async fn wipe(&self) -> Result<(), ExtError> {
        let fail = failed(CONTEXT_WIPE);
        let transaction = self
            .db
            .transaction([IMPORTS, CHUNKS, SETTINGS])
            .with_mode(TransactionMode::Readwrite)
            .build()
            .map_err(fail)?;
        for store in [IMPORTS, CHUNKS, SETTINGS] {
            transaction
                .object_store(store)
                .map_err(fail)?
                .clear()
                .map_err(fail)?;
        }
        transaction.commit().await.map_err(fail)
    }

    /// A stored setting, or `None` when it was never saved.
    pub async fn setting<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, ExtError> {
        let fail = failed(CONTEXT_SETTING);
        let transaction = self.db.transaction(SETTINGS).build().map_err(fail)?;
        let store = transaction.object_store(SETTINGS).map_err(fail)?;
        store
            .get::<T, _, _>(name.to_string())
            .serde()
            .map_err(fail)?
            .await
            .map_err(fail)
    }

    /// Saves a setting under its name, replacing what was there.
    pub async fn save_setting<T: Serialize>(&self, name: &str, value: &T) -> Result<(), ExtError> {
        let fail = failed(CONTEXT_SETTING);
        let transaction = self
            .db
            .transaction(SETTINGS)
            .with_mode(TransactionMode::Readwrite)
            .build()
            .map_err(fail)?;
        transaction
            .object_store(SETTINGS)
            .map_err(fail)?
            .put(value)
            .with_key(name.to_string())
            .serde()
            .map_err(fail)?;
        transaction.commit().await.map_err(fail)
    }
}

/// Creates or migrates the schema. Each arm takes the database one version further, so a database
/// of any earlier version reaches [`DB_VERSION`] through the same steps a fresh one takes.
fn upgrade(event: VersionChangeEvent, db: Database) -> indexed_db_futures::Result<()> {
    let old_version = event.old_version() as u32;
    if old_version < 1 {
        db.create_object_store(IMPORTS)
            .with_auto_increment(true)
            .build()?;
        db.create_object_store(CHUNKS).build()?;
        db.create_object_store(SETTINGS).build()?;
    }
    Ok(())
}

/// What the browser said when it refused to store an import, in the panel's words.
fn save_error(error: wasm_bindgen::JsValue, stored: &StoredImport) -> ExtError {
    use wasm_bindgen::JsCast;
    let name = error
        .dyn_ref::<web_sys::DomException>()
        .map(web_sys::DomException::name);
    match name.as_deref() {
        Some("QuotaExceededError") => ExtError::storage_full(
            CONTEXT_SAVE,
            format!(
                "the storage this browser gives Lens is full: it refused the {} of {}'s records (QuotaExceededError)",
                megabytes(stored.encoded_bytes),
                stored.file_name
            ),
        ),
        _ if error.is_undefined() || error.is_null() => ExtError::new(
            CONTEXT_SAVE,
            "the browser ended the write without giving a reason",
        ),
        _ => crate::browser::js_error(CONTEXT_SAVE, error),
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

/// Turns a failed IndexedDB request into an [`ExtError`] saying what the panel was doing.
fn failed(context: &'static str) -> impl Fn(indexed_db_futures::error::Error) -> ExtError + Copy {
    move |error| ExtError::new(context, error.to_string())
}

fn chunk_key(import_id: u32, chunk: usize) -> String {
    format!("{import_id:010}/{chunk:06}")
}

/// Every chunk key of one import: `"<id>/"` up to, not including, `"<id>0"` (`'0'` follows `'/'`).
fn import_range(import_id: u32) -> KeyRange<String> {
    KeyRange::Bound(
        format!("{import_id:010}/"),
        false,
        format!("{import_id:010}0"),
        true,
    )
}

/// One import's chunks being read from storage ([`Storage::read_chunks`]).
pub struct PendingChunks(js_sys::Promise);

impl PendingChunks {
    pub async fn chunks(self) -> Result<Vec<js_sys::Uint8Array>, ExtError> {
        let array = wasm_bindgen_futures::JsFuture::from(self.0)
            .await
            .map_err(|error| {
                let detail = error.as_string().unwrap_or_else(|| format!("{error:?}"));
                ExtError::new(CONTEXT_LOAD, detail)
            })?;
        Ok(js_sys::Array::from(&array)
            .iter()
            .map(wasm_bindgen::JsCast::unchecked_into)
            .collect())
    }
}

/// An encoded chunk of records on its way into storage: bytes in the module's memory, or the
/// JavaScript array an import worker transferred (stored as it is, without a copy through wasm).
pub trait ChunkBytes {
    /// The chunk as the JavaScript array IndexedDB stores.
    fn to_js(&self) -> js_sys::Uint8Array;
}

impl ChunkBytes for Vec<u8> {
    fn to_js(&self) -> js_sys::Uint8Array {
        js_sys::Uint8Array::from(self.as_slice())
    }
}

impl ChunkBytes for js_sys::Uint8Array {
    fn to_js(&self) -> js_sys::Uint8Array {
        self.clone()
    }
}

/// IndexedDB through `web_sys`, for the one write whose failure must be told apart:
/// `indexed_db_futures` reports an aborted transaction without the browser's reason, and a full
/// storage shows only as that reason (`transaction.error` is a `QuotaExceededError`, while each
/// request reports a plain `AbortError`).
mod raw {
    use lens_core::store::StoredImport;
    use serde::Serialize;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{IdbDatabase, IdbRequest, IdbTransaction, IdbTransactionMode};

    use super::{CHUNKS, ChunkBytes, IMPORTS, chunk_key};

    /// Chunks put per step of the write; the panel's thread is free between steps (a chunk of
    /// 4,096 history events takes the browser about 1.5 ms to copy into the transaction).
    const CHUNKS_PER_STEP: usize = 16;

    /// A second connection to an existing database, at its current version (the panel's own
    /// connection has already created or migrated the schema).
    pub(super) async fn open(name: &str) -> Result<IdbDatabase, JsValue> {
        let factory: web_sys::IdbFactory =
            js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("indexedDB"))?.dyn_into()?;
        let request = factory.open(name)?;
        let db = JsFuture::from(settled(&request)).await?;
        db.dyn_into()
    }

    /// Writes the description and every chunk in one read-write transaction and waits for the
    /// browser to commit it. On any failure the transaction is aborted (a raw transaction would
    /// otherwise commit what was already put), and the error is the browser's reason.
    pub(super) async fn save_import(
        db: &IdbDatabase,
        stored: &StoredImport,
        chunks: &[impl ChunkBytes],
    ) -> Result<u32, JsValue> {
        let stores = js_sys::Array::of2(&JsValue::from_str(IMPORTS), &JsValue::from_str(CHUNKS));
        let transaction =
            db.transaction_with_str_sequence_and_mode(&stores, IdbTransactionMode::Readwrite)?;
        let done = JsFuture::from(finished(&transaction));
        match write(&transaction, stored, chunks).await {
            Ok(id) => {
                // The browser commits the transaction once its last request is done.
                done.await?;
                Ok(id)
            }
            Err(error) => {
                // Already finished (aborted by the browser) is fine: nothing was kept either way.
                let _ = transaction.abort();
                // The transaction's own reason, when it has one, says more than the request's.
                let reason = done.await.err().filter(|reason| !reason.is_undefined());
                Err(reason.unwrap_or(error))
            }
        }
    }

    async fn write(
        transaction: &IdbTransaction,
        stored: &StoredImport,
        chunks: &[impl ChunkBytes],
    ) -> Result<u32, JsValue> {
        // The same shape indexed_db_futures' `serde()` writes and `list_imports` reads.
        let description = stored
            .serialize(&serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true))
            .map_err(JsValue::from)?;
        let added = transaction.object_store(IMPORTS)?.add(&description)?;
        let key = JsFuture::from(settled(&added)).await?;
        let id = key
            .as_f64()
            .filter(|id| id.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(id))
            .ok_or_else(|| JsValue::from_str("the new import got a key that is not a number"))?
            as u32;
        let chunk_store = transaction.object_store(CHUNKS)?;
        // A step's requests are made in one task; the next step starts when the last of them
        // succeeded (the transaction stays active in that callback), so a large import never
        // holds the thread for the whole of its write.
        for (step, step_chunks) in chunks.chunks(CHUNKS_PER_STEP).enumerate() {
            let mut last = None;
            for (offset, bytes) in step_chunks.iter().enumerate() {
                let number = step * CHUNKS_PER_STEP + offset;
                last = Some(
                    chunk_store
                        .put_with_key(&bytes.to_js(), &JsValue::from_str(&chunk_key(id, number)))?,
                );
            }
            if let Some(last) = last {
                JsFuture::from(settled(&last)).await?;
            }
        }
        Ok(id)
    }

    /// A promise that resolves with the request's result or rejects with its error.
    fn settled(request: &IdbRequest) -> js_sys::Promise {
        js_sys::Promise::new(&mut |resolve, reject| {
            let succeeded = request.clone();
            let on_success = Closure::once_into_js(move |_: web_sys::Event| {
                let result = succeeded.result().unwrap_or(JsValue::UNDEFINED);
                let _ = resolve.call1(&JsValue::UNDEFINED, &result);
            });
            let failed = request.clone();
            let on_error = Closure::once_into_js(move |_: web_sys::Event| {
                let error = failed.error().ok().flatten().map(JsValue::from);
                let _ = reject.call1(&JsValue::UNDEFINED, &error.unwrap_or(JsValue::UNDEFINED));
            });
            request.set_onsuccess(Some(on_success.unchecked_ref()));
            request.set_onerror(Some(on_error.unchecked_ref()));
        })
    }

    /// A promise that resolves when the transaction commits and rejects with its error (the
    /// browser's reason, such as `QuotaExceededError`) when it aborts.
    fn finished(transaction: &IdbTransaction) -> js_sys::Promise {
        js_sys::Promise::new(&mut |resolve, reject| {
            let on_complete = Closure::once_into_js(move |_: web_sys::Event| {
                let _ = resolve.call0(&JsValue::UNDEFINED);
            });
            let aborted = transaction.clone();
            let on_abort = Closure::once_into_js(move |_: web_sys::Event| {
                let error = aborted.error().map(JsValue::from);
                let _ = reject.call1(&JsValue::UNDEFINED, &error.unwrap_or(JsValue::UNDEFINED));
            });
            transaction.set_oncomplete(Some(on_complete.unchecked_ref()));
            transaction.set_onabort(Some(on_abort.unchecked_ref()));
        })
    }
}

const CONTEXT_OPEN: &str = "opening Lens's storage";
const CONTEXT_SAVE: &str = "storing the import";
const CONTEXT_LIST: &str = "listing the stored imports";
const CONTEXT_LOAD: &str = "reading a stored import";
const CONTEXT_DELETE: &str = "deleting the import";
const CONTEXT_WIPE: &str = "wiping Lens's storage";
const CONTEXT_SETTING: &str = "reading or saving a setting";

/// The name of the channel through which panels in other tabs hear that the storage changed.
const CHANGES_CHANNEL: &str = "lens-storage-changes";

/// Tells Lens's panels in other tabs that the stored data changed, and hears when they change it.
/// (A `BroadcastChannel` in the extension's origin: the CRM page cannot join it.)
pub struct ChangeChannel {
    channel: web_sys::BroadcastChannel,
    // Kept alive as long as the channel listens.
    _listener: wasm_bindgen::closure::Closure<dyn FnMut(web_sys::MessageEvent)>,
}

impl ChangeChannel {
    /// Joins the channel; `on_change` runs when another panel announces a change.
    pub fn open(on_change: impl Fn() + 'static) -> Result<ChangeChannel, ExtError> {
        use wasm_bindgen::JsCast;
        let channel = web_sys::BroadcastChannel::new(CHANGES_CHANNEL)
            .map_err(|error| crate::browser::js_error("listening for other panels", error))?;
        let listener = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |_event: web_sys::MessageEvent| on_change(),
        );
        channel.set_onmessage(Some(listener.as_ref().unchecked_ref()));
        Ok(ChangeChannel {
            channel,
            _listener: listener,
        })
    }

    /// Tells the other panels that this one changed the stored data.
    pub fn announce(&self) {
        let _ = self
            .channel
            .post_message(&wasm_bindgen::JsValue::from_str("changed"));
    }
}
