//! What every screen shares: the storage connection, the stored imports, the data set built from
//! them, the user's settings, and the analysis and record view the core computes from those.
//!
//! Data flows one way: storage → [`Lens::dataset`] (the data set with its index, built once per
//! change) → (with [`Lens::settings`]) the core's `analyze` and `record_view` → the screens.
//! Screens never compute; they read these signals.

use std::sync::Arc;

use chrono::NaiveDate;
use js_sys::Uint8Array;
use lens_core::import::{ImportReport, Mapping, RememberedMappings, TableKind};
use lens_core::insight::{
    Analysis, Dataset, Index, PageField, PageRecord, RecordView, Settings, analyze_indexed,
    record_view,
};
use lens_core::store::{Decoder, StoreError, StoredImport};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use crate::browser::{self, PageState, TimeSlice};
use crate::error::ExtError;
use crate::storage::{ChangeChannel, ImportEntry, Storage};

/// The name the settings are stored under.
const SETTINGS_KEY: &str = "analysis-settings";
/// The name the column mappings the user made are stored under.
const MAPPINGS_KEY: &str = "column-mappings";

/// The settings the user edits; the as-of date follows the newest snapshot unless pinned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PanelSettings {
    /// A pinned as-of date; `None` = the newest imported snapshot.
    pub pinned_as_of: Option<NaiveDate>,
    /// Every other setting (its `as_of` is replaced when the analysis runs).
    pub analysis: Settings,
}

impl Default for PanelSettings {
    fn default() -> Self {
        PanelSettings {
            pinned_as_of: None,
            analysis: Settings::new(NaiveDate::default()),
        }
    }
}

impl PanelSettings {
    /// The settings an analysis of `dataset` runs with, or `None` when there is no snapshot to date it.
    pub fn resolve(&self, dataset: &Dataset) -> Option<Settings> {
        let as_of = self.pinned_as_of.or_else(|| dataset.latest_snapshot())?;
        let mut settings = self.analysis.clone();
        settings.as_of = as_of;
        Some(settings)
    }
}

self_cell::self_cell!(
    /// A data set and its index (snapshots merged, history grouped by record), built once each
    /// time the data changes and shared by the analysis and the record view, so that moving to
    /// another record does not index the data again.
    pub struct IndexedDataset {
        owner: Dataset,
        #[covariant]
        dependent: Index,
    }
);

impl IndexedDataset {
    pub fn build(dataset: Dataset) -> IndexedDataset {
        IndexedDataset::new(dataset, |dataset| Index::new(dataset))
    }

    pub fn dataset(&self) -> &Dataset {
        self.borrow_owner()
    }

    pub fn index(&self) -> &Index<'_> {
        self.borrow_dependent()
    }
}

impl std::fmt::Debug for IndexedDataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexedDataset")
            .field("snapshots", &self.dataset().snapshots.len())
            .finish_non_exhaustive()
    }
}

/// Where loading the stored data stands.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadState {
    Opening,
    Loading { done: usize, total: usize },
    Ready,
    Failed(String),
}

/// A stored import that could not be read back (listed on the Data screen, left out of analysis).
#[derive(Debug, Clone, PartialEq)]
pub struct Unreadable {
    pub id: u32,
    pub file_name: String,
    pub reason: String,
}

impl Unreadable {
    fn of(entry: &ImportEntry, reason: String) -> Unreadable {
        Unreadable {
            id: entry.id,
            file_name: entry.stored.file_name.clone(),
            reason,
        }
    }
}

/// The shared state, handed to every screen through Leptos context. All fields are signals, so
/// the struct is `Copy`.
#[derive(Clone, Copy)]
pub struct Lens {
    pub storage: StoredValue<Option<Storage>, LocalStorage>,
    pub load: RwSignal<LoadState>,
    pub imports: RwSignal<Vec<ImportEntry>>,
    pub unreadable: RwSignal<Vec<Unreadable>>,
    pub dataset: RwSignal<Arc<IndexedDataset>>,
    pub settings: RwSignal<PanelSettings>,
    /// Column mappings made on the Import screen, applied again to files with the same header.
    pub mappings: RwSignal<RememberedMappings>,
    pub analysis: RwSignal<Option<Result<Arc<Analysis>, String>>>,
    pub page: RwSignal<Result<PageState, ExtError>>,
    pub record: RwSignal<Option<Result<RecordView, String>>>,
    /// Lens's panels in other tabs: told when this one changes the storage, and heard from.
    changes: StoredValue<Option<ChangeChannel>, LocalStorage>,
    /// How many times the data set was rebuilt from storage (an import batch that saw a rebuild
    /// reloads at its end rather than adding its reports twice).
    reloads: StoredValue<u64>,
    /// Counts the analyses asked for; an analysis that a newer one replaced before it started
    /// is dropped.
    analyses: StoredValue<u64>,
}

impl Lens {
    /// Creates the state, opens the storage and loads what it holds, and keeps the analysis and
    /// the record view in step with the data, the settings and the page.
    pub fn start() -> Lens {
        let lens = Lens {
            storage: StoredValue::new_local(None),
            load: RwSignal::new(LoadState::Opening),
            imports: RwSignal::new(Vec::new()),
            unreadable: RwSignal::new(Vec::new()),
            dataset: RwSignal::new(Arc::new(IndexedDataset::build(Dataset::default()))),
            settings: RwSignal::new(PanelSettings::default()),
            mappings: RwSignal::new(RememberedMappings::default()),
            analysis: RwSignal::new(None),
            page: RwSignal::new(Ok(PageState::Waiting)),
            record: RwSignal::new(None),
            changes: StoredValue::new_local(None),
            reloads: StoredValue::new(0),
            analyses: StoredValue::new(0),
        };
        spawn_local(async move {
            match Storage::open().await {
                Ok(storage) => {
                    lens.storage.set_value(Some(storage));
                    lens.load_everything().await;
                    // Another tab's panel imported, deleted or changed a setting: read it all again.
                    let channel = ChangeChannel::open(move || spawn_local(lens.load_everything()));
                    lens.changes.set_value(channel.ok());
                }
                Err(error) => lens.load.set(LoadState::Failed(error.to_string())),
            }
        });
        spawn_local(async move {
            let listening =
                browser::listen_for_page_record(move |state| lens.page.set(Ok(state))).await;
            if let Err(error) = listening {
                lens.page.set(Err(error));
            }
        });
        // The record's view first: it is what the panel shows beside the record, and it is quick.
        Effect::new(move |_| {
            let settings = lens.settings.get();
            let page = lens.page.get();
            let data = lens.dataset.get();
            let Ok(PageState::Record(record)) = page else {
                lens.record.set(None);
                return;
            };
            let result = settings.resolve(data.dataset()).map(|resolved| {
                let page_record = core_page_record(&record);
                record_view(data.index(), &resolved, &record.id, Some(&page_record))
                    .map_err(|error| error.to_string())
            });
            lens.record.set(result);
        });
        // The analysis of every module after the browser has painted the record's view; when
        // the data or the settings change again before it starts, only the newest one runs.
        Effect::new(move |_| {
            let settings = lens.settings.get();
            let data = lens.dataset.get();
            lens.analyses.update_value(|count| *count += 1);
            let asked = lens.analyses.get_value();
            spawn_local(async move {
                browser::after_next_paint().await;
                if lens.analyses.get_value() != asked {
                    return;
                }
                let result = settings.resolve(data.dataset()).map(|resolved| {
                    analyze_indexed(data.index(), &resolved)
                        .map(Arc::new)
                        .map_err(|error| error.to_string())
                });
                let analysed = matches!(result, Some(Ok(_)));
                lens.analysis.set(result);
                if analysed {
                    browser::mark("lens:analysis");
                }
            });
        });
        lens
    }

    /// Reads the settings, the column mappings and every stored import.
    async fn load_everything(self) {
        let Some(storage) = self.storage.get_value() else {
            return;
        };
        let settings = storage.setting::<PanelSettings>(SETTINGS_KEY).await;
        self.settings
            .set(settings.ok().flatten().unwrap_or_default());
        let mappings = storage.setting::<RememberedMappings>(MAPPINGS_KEY).await;
        self.mappings
            .set(mappings.ok().flatten().unwrap_or_default());
        self.reload().await;
    }

    /// Tells Lens's panels in other tabs that the stored data changed.
    fn announce(self) {
        self.changes.with_value(|changes| {
            if let Some(changes) = changes {
                changes.announce();
            }
        });
    }

    /// How many times the data set has been rebuilt from storage so far.
    pub fn reload_count(self) -> u64 {
        self.reloads.get_value()
    }

    /// Reads every stored import back and rebuilds the data set, reporting progress.
    pub async fn reload(self) {
        self.reloads.update_value(|reloads| *reloads += 1);
        let Some(storage) = self.storage.get_value() else {
            return;
        };
        let entries = match storage.list_imports().await {
            Ok(entries) => entries,
            Err(error) => {
                self.load.set(LoadState::Failed(error.to_string()));
                return;
            }
        };
        let total = entries.len();
        self.load.set(LoadState::Loading { done: 0, total });
        let mut dataset = Dataset::default();
        let mut unreadable = Vec::new();
        // The browser reads the next import while this one is decoded, in slices of time.
        let mut slice = TimeSlice::new();
        let mut next = entries.first().map(|entry| storage.read_chunks(entry.id));
        for (done, entry) in entries.iter().enumerate() {
            let Some(pending) = next.take() else {
                break;
            };
            next = entries
                .get(done + 1)
                .map(|entry| storage.read_chunks(entry.id));
            let loaded = match pending.chunks().await {
                Ok(chunks) => decode_in_steps(&entry.stored, &chunks, &mut slice)
                    .await
                    .map_err(|error| error.to_string()),
                Err(error) => Err(error.to_string()),
            };
            match loaded {
                Ok(report) => add_to(&mut dataset, report),
                Err(error) => unreadable.push(Unreadable::of(entry, error)),
            }
            self.load.set(LoadState::Loading {
                done: done + 1,
                total,
            });
        }
        self.imports.set(entries);
        self.unreadable.set(unreadable);
        self.dataset.set(Arc::new(IndexedDataset::build(dataset)));
        self.load.set(LoadState::Ready);
        browser::mark("lens:data-loaded");
    }

    /// Stores one import (its description and encoded chunks) in one transaction, and reads the
    /// chunks back into the report the data set needs; on failure nothing is stored. The caller
    /// adds the returned report with [`Lens::add_reports`] once its batch of files is done, so the
    /// analysis runs once per batch rather than once per file.
    pub async fn store(
        self,
        stored: StoredImport,
        chunks: Vec<Uint8Array>,
    ) -> Result<(StoredImport, ImportReport), ExtError> {
        let Some(storage) = self.storage.get_value() else {
            return Err(ExtError::new(
                "storing the import",
                "Lens's storage is not open in this panel",
            ));
        };
        let report = decode_in_steps(&stored, &chunks, &mut TimeSlice::new())
            .await
            .map_err(|error| ExtError::new("reading the imported records", error.to_string()))?;
        browser::mark("lens:import-decoded");
        let id = storage.save_import(&stored, &chunks).await?;
        browser::mark("lens:import-stored");
        self.announce();
        self.imports.update(|entries| {
            entries.push(ImportEntry {
                id,
                stored: stored.clone(),
            })
        });
        Ok((stored, report))
    }

    /// Adds stored reports to the data set (the analysis then runs once). When the data set was
    /// rebuilt from storage since `reload_count` was `since` (another tab's panel changed the
    /// storage), it already holds some of them: it is rebuilt again instead.
    pub fn add_reports(self, reports: Vec<ImportReport>, since: u64) {
        if reports.is_empty() {
            return;
        }
        if self.reload_count() != since {
            spawn_local(self.reload());
            return;
        }
        self.dataset.update(|data| {
            // The data set is taken out of its index (copied only if an analysis still holds
            // it), extended, and indexed again.
            let indexed =
                std::mem::replace(data, Arc::new(IndexedDataset::build(Dataset::default())));
            let mut dataset = match Arc::try_unwrap(indexed) {
                Ok(indexed) => indexed.into_owner(),
                Err(shared) => shared.dataset().clone(),
            };
            for report in reports {
                add_to(&mut dataset, report);
            }
            *data = Arc::new(IndexedDataset::build(dataset));
        });
        browser::mark("lens:data-indexed");
    }

    /// Deletes one stored import and rebuilds the data set without it.
    pub async fn delete(self, id: u32) -> Result<(), ExtError> {
        let Some(storage) = self.storage.get_value() else {
            return Ok(());
        };
        storage.delete_import(id).await?;
        self.announce();
        self.reload().await;
        Ok(())
    }

    /// Deletes every import and setting.
    pub async fn wipe(self) -> Result<(), ExtError> {
        let Some(storage) = self.storage.get_value() else {
            return Ok(());
        };
        storage.wipe().await?;
        self.announce();
        self.settings.set(PanelSettings::default());
        self.mappings.set(RememberedMappings::default());
        self.reload().await;
        Ok(())
    }

    /// Keeps a column mapping for files with this header (replacing one kept for it).
    pub async fn remember_mapping(
        self,
        headers: &[String],
        file_name: &str,
        kind: TableKind,
        mapping: &Mapping,
    ) -> Result<(), ExtError> {
        let mut mappings = self.mappings.get_untracked();
        mappings.remember(headers, file_name, kind, mapping);
        self.save_mappings(mappings).await
    }

    /// Forgets the column mapping kept for a header signature.
    pub async fn forget_mapping(self, signature: &str) -> Result<(), ExtError> {
        let mut mappings = self.mappings.get_untracked();
        mappings.forget(signature);
        self.save_mappings(mappings).await
    }

    async fn save_mappings(self, mappings: RememberedMappings) -> Result<(), ExtError> {
        if let Some(storage) = self.storage.get_value() {
            storage.save_setting(MAPPINGS_KEY, &mappings).await?;
            self.announce();
        }
        self.mappings.set(mappings);
        Ok(())
    }

    /// Saves the settings and reruns the analysis with them.
    pub async fn save_settings(self, settings: PanelSettings) -> Result<(), ExtError> {
        if let Some(storage) = self.storage.get_value() {
            storage.save_setting(SETTINGS_KEY, &settings).await?;
            self.announce();
        }
        self.settings.set(settings);
        Ok(())
    }
}

/// The record the content script read, as the core's page-record interpreter takes it.
pub fn core_page_record(record: &browser::PageRecord) -> PageRecord {
    PageRecord {
        record_id: Some(record.id.clone()),
        name: record.name.clone(),
        fields: record
            .fields
            .iter()
            .map(|field| PageField {
                label: field.label.clone(),
                value: field.value.clone(),
            })
            .collect(),
    }
}

/// Adds a report to the data set. Every opportunity list was dated at import (its footer date or
/// the date the user confirmed), so the fallback date is never used for it.
fn add_to(dataset: &mut Dataset, report: ImportReport) {
    let fallback = report.as_of.unwrap_or_default();
    dataset.add(report, fallback);
}

/// Decodes an import's chunks in slices of time, so a large import does not hold the panel's
/// thread for the whole of its decoding; each chunk is copied into the module only when its turn
/// comes.
async fn decode_in_steps(
    stored: &StoredImport,
    chunks: &[Uint8Array],
    slice: &mut TimeSlice,
) -> Result<ImportReport, StoreError> {
    let mut decoder = Decoder::new(stored)?;
    for bytes in chunks {
        decoder.push(&bytes.to_vec())?;
        slice.pause_if_due().await;
    }
    decoder.finish()
}
