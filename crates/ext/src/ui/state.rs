//! What every screen shares: the storage connection, the stored imports, the user's settings,
//! and what the analyst (in its worker, see [`crate::analyst`]) answered about the data: the
//! record's view and the analysis's summary.
//!
//! Data flows one way: storage → the analyst (every stored import handed over, indexed once per
//! change; [`Lens::data`] counts what it holds) → (with [`Lens::settings`] and the page) the
//! record's view and the analysis → the screens. Screens never compute; they read these signals,
//! and a module screen asks the analyst for its own page.

use std::sync::Arc;

use js_sys::Uint8Array;
pub use lens_core::analyst::PanelSettings;
use lens_core::analyst::{AnalysisSummary, DataSummary, ShownRecord};
use lens_core::import::{Mapping, RememberedMappings, TableKind};
use lens_core::insight::{PageField, PageRecord};
use lens_core::store::StoredImport;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::analyst;
use crate::browser::{self, PageState};
use crate::error::ExtError;
use crate::storage::{ChangeChannel, ImportEntry, Storage};
use crate::ui::insights::SHOWN_ROWS;

/// The name the settings are stored under.
const SETTINGS_KEY: &str = "analysis-settings";
/// The name the column mappings the user made are stored under.
const MAPPINGS_KEY: &str = "column-mappings";

/// What the analyst holds: a count of its data set, and how many times it changed (the record's
/// view and the analysis are asked again at each change, even when the counts stay the same).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DataState {
    pub version: u64,
    pub summary: DataSummary,
}

/// One import just stored, on its way to the analyst.
pub struct Handover {
    pub id: u32,
    pub stored: StoredImport,
    pub chunks: Vec<Uint8Array>,
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
    fn of(id: u32, stored: &StoredImport, reason: String) -> Unreadable {
        Unreadable {
            id,
            file_name: stored.file_name.clone(),
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
    /// What the analyst holds.
    pub data: RwSignal<DataState>,
    pub settings: RwSignal<PanelSettings>,
    /// Column mappings made on the Import screen, applied again to files with the same header.
    pub mappings: RwSignal<RememberedMappings>,
    /// The newest analysis's summary; each module screen asks the analyst for its own page.
    pub analysis: RwSignal<Option<Result<Arc<AnalysisSummary>, String>>>,
    pub page: RwSignal<Result<PageState, ExtError>>,
    pub record: RwSignal<Option<Result<ShownRecord, String>>>,
    /// Lens's panels in other tabs: told when this one changes the storage, and heard from.
    changes: StoredValue<Option<ChangeChannel>, LocalStorage>,
    /// How many times the data set was rebuilt from storage (an import batch that saw a rebuild
    /// reloads at its end rather than adding its imports twice).
    reloads: StoredValue<u64>,
    /// Work on the analyst's data set (a rebuild, or an import batch's hand-over) runs one at a
    /// time: two at once would interleave their imports in the analyst.
    data_work: StoredValue<DataWork>,
    /// The newest record view and analysis asked for (the same question is not asked twice, and
    /// an answer to a question that a newer one replaced is dropped).
    record_asked: StoredValue<Option<RecordQuestion>>,
    analysis_asked: StoredValue<Option<(u64, PanelSettings)>>,
}

/// Whether work on the analyst's data set is under way, and whether a rebuild was asked for
/// meanwhile (it runs when that work ends).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DataWork {
    Idle,
    UnderWay,
    RebuildAsked,
}

/// What a record's view is asked with: the data's version, the settings and the record on the page.
type RecordQuestion = (u64, PanelSettings, browser::PageRecord);

impl Lens {
    /// Creates the state, opens the storage and loads what it holds, and keeps the analysis and
    /// the record view in step with the data, the settings and the page.
    pub fn start() -> Lens {
        let lens = Lens {
            storage: StoredValue::new_local(None),
            load: RwSignal::new(LoadState::Opening),
            imports: RwSignal::new(Vec::new()),
            unreadable: RwSignal::new(Vec::new()),
            data: RwSignal::new(DataState::default()),
            settings: RwSignal::new(PanelSettings::default()),
            mappings: RwSignal::new(RememberedMappings::default()),
            analysis: RwSignal::new(None),
            page: RwSignal::new(Ok(PageState::Waiting)),
            record: RwSignal::new(None),
            changes: StoredValue::new_local(None),
            reloads: StoredValue::new(0),
            data_work: StoredValue::new(DataWork::Idle),
            record_asked: StoredValue::new(None),
            analysis_asked: StoredValue::new(None),
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
        // Whenever the data, the settings or the page change: the record's view first (it is
        // what the panel shows beside the record, and it is quick), then the analysis of every
        // module. Both are asked in this one effect so that their order is this one: the analyst
        // answers in order, and a record's view must not wait for an analysis.
        Effect::new(move |_| {
            let settings = lens.settings.get();
            let page = lens.page.get();
            let data = lens.data.get();
            lens.ask_record(data.version, &settings, page);
            lens.ask_analysis(data.version, &settings);
        });
        lens
    }

    /// Asks the analyst for the view of the record on the page, unless that question is already
    /// asked; an answer that a newer question replaced is dropped.
    fn ask_record(self, version: u64, settings: &PanelSettings, page: Result<PageState, ExtError>) {
        let Ok(PageState::Record(record)) = page else {
            self.record_asked.set_value(None);
            self.record.set(None);
            return;
        };
        // The view of the record before stays only while the same record is on the page.
        let same_record = self.record.with_untracked(
            |shown| matches!(shown, Some(Ok(shown)) if shown.view.requested_id == record.id),
        );
        if !same_record {
            self.record.set(None);
        }
        if version == 0 {
            return;
        }
        let question = (version, settings.clone(), record);
        if !ask_new(self.record_asked, &question) {
            return;
        }
        spawn_local(async move {
            let (_, settings, record) = &question;
            let page_record = core_page_record(record);
            let answer = analyst::record(settings, &record.id, &page_record, SHOWN_ROWS).await;
            if !still_newest(self.record_asked, &question) {
                return;
            }
            self.record
                .set(answer.unwrap_or_else(|error| Some(Err(error.to_string()))));
        });
    }

    /// Asks the analyst for the analysis of every module, unless that question is already asked;
    /// an answer that a newer question replaced is dropped.
    fn ask_analysis(self, version: u64, settings: &PanelSettings) {
        if version == 0 {
            return;
        }
        let question = (version, settings.clone());
        if !ask_new(self.analysis_asked, &question) {
            return;
        }
        spawn_local(async move {
            let answer = analyst::analyze(&question.1).await;
            if !still_newest(self.analysis_asked, &question) {
                return;
            }
            let result = answer
                .unwrap_or_else(|error| Some(Err(error.to_string())))
                .map(|result| result.map(Arc::new));
            let analysed = matches!(result, Some(Ok(_)));
            self.analysis.set(result);
            if analysed {
                browser::mark("lens:analysis");
            }
        });
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

    /// Reads every stored import back and hands it to the analyst, which builds the data set
    /// anew, reporting progress. Asked for while a rebuild is under way, it returns at once and
    /// that rebuild runs again when it ends (it then reads what is stored by then).
    pub async fn reload(self) {
        if self.data_work.get_value() != DataWork::Idle {
            self.data_work.set_value(DataWork::RebuildAsked);
            return;
        }
        self.one_at_a_time(self.rebuild()).await;
    }

    /// Runs `work` on the data set (none other is under way), then each rebuild asked for
    /// meanwhile, which reads what is stored by then.
    async fn one_at_a_time(self, work: impl Future<Output = ()>) {
        self.data_work.set_value(DataWork::UnderWay);
        work.await;
        while self.data_work.get_value() == DataWork::RebuildAsked {
            self.data_work.set_value(DataWork::UnderWay);
            self.rebuild().await;
        }
        self.data_work.set_value(DataWork::Idle);
    }

    /// [`Lens::reload`], once.
    async fn rebuild(self) {
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
        // Listed on the Data screen from now on, so that an import can be deleted even when the
        // analyst cannot hold them all.
        self.imports.set(entries.clone());
        self.load.set(LoadState::Loading { done: 0, total });
        if let Err(error) = analyst::clear().await {
            self.load.set(LoadState::Failed(error.to_string()));
            return;
        }
        let mut unreadable = Vec::new();
        // The browser reads the next import while the analyst decodes this one.
        let mut next = entries.first().map(|entry| storage.read_chunks(entry.id));
        for (done, entry) in entries.iter().enumerate() {
            let Some(pending) = next.take() else {
                break;
            };
            next = entries
                .get(done + 1)
                .map(|entry| storage.read_chunks(entry.id));
            let handed = match pending.chunks().await {
                Ok(chunks) => analyst::add(&entry.stored, &chunks).await,
                Err(error) => Ok(Err(error.to_string())),
            };
            match handed {
                Ok(Ok(())) => {}
                Ok(Err(reason)) => unreadable.push(Unreadable::of(entry.id, &entry.stored, reason)),
                Err(error) => {
                    self.load.set(LoadState::Failed(error.to_string()));
                    return;
                }
            }
            self.load.set(LoadState::Loading {
                done: done + 1,
                total,
            });
        }
        let indexed = analyst::index().await;
        self.unreadable.set(unreadable);
        match indexed {
            Ok(summary) => {
                self.changed_data(summary);
                self.load.set(LoadState::Ready);
                browser::mark("lens:data-loaded");
            }
            Err(error) => self.load.set(LoadState::Failed(error.to_string())),
        }
    }

    fn changed_data(self, summary: DataSummary) {
        self.data.update(|data| {
            data.version += 1;
            data.summary = summary;
        });
    }

    /// Stores one import (its description and encoded chunks) in one transaction; on failure
    /// nothing is stored. The caller hands what it returns to the analyst with
    /// [`Lens::add_imports`] once its batch of files is done, so the data set is indexed and
    /// analysed once per batch rather than once per file.
    pub async fn store(
        self,
        stored: StoredImport,
        chunks: Vec<Uint8Array>,
    ) -> Result<Handover, ExtError> {
        let Some(storage) = self.storage.get_value() else {
            return Err(ExtError::new(
                "storing the import",
                "Lens's storage is not open in this panel",
            ));
        };
        let id = storage.save_import(&stored, &chunks).await?;
        browser::mark("lens:import-stored");
        self.announce();
        self.imports.update(|entries| {
            entries.push(ImportEntry {
                id,
                stored: stored.clone(),
            })
        });
        Ok(Handover { id, stored, chunks })
    }

    /// Hands stored imports to the analyst, which indexes the data set once for all of them (and
    /// the analysis then runs once). When the data set was rebuilt from storage since
    /// `reload_count` was `since` (another tab's panel changed the storage), it already holds some
    /// of them: it is rebuilt again instead.
    pub async fn add_imports(self, imports: Vec<Handover>, since: u64) {
        if imports.is_empty() {
            return;
        }
        // A rebuild since the batch began, or under way, reads (or will read) the batch's imports
        // from storage: adding them as well would count them twice.
        if self.reload_count() != since || self.data_work.get_value() != DataWork::Idle {
            self.reload().await;
            return;
        }
        // A rebuild asked for while the imports are handed over waits for them, then runs.
        self.one_at_a_time(self.hand_over(&imports)).await;
    }

    /// [`Lens::add_imports`]' handing over and indexing.
    async fn hand_over(self, imports: &[Handover]) {
        let mut unreadable = Vec::new();
        for import in imports {
            match analyst::add(&import.stored, &import.chunks).await {
                Ok(Ok(())) => {}
                Ok(Err(reason)) => {
                    unreadable.push(Unreadable::of(import.id, &import.stored, reason))
                }
                Err(error) => {
                    self.load.set(LoadState::Failed(error.to_string()));
                    return;
                }
            }
        }
        if !unreadable.is_empty() {
            // Listed on the Data screen as the start-up read would list them.
            self.unreadable.update(|list| list.extend(unreadable));
        }
        match analyst::index().await {
            Ok(summary) => {
                self.changed_data(summary);
                browser::mark("lens:data-indexed");
            }
            Err(error) => self.load.set(LoadState::Failed(error.to_string())),
        }
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

/// Keeps `question` as the newest one asked in `asked`; false when it is already the one asked.
fn ask_new<Q: Clone + PartialEq + Send + Sync + 'static>(
    asked: StoredValue<Option<Q>>,
    question: &Q,
) -> bool {
    if still_newest(asked, question) {
        return false;
    }
    asked.set_value(Some(question.clone()));
    true
}

/// Whether `question` is still the newest one asked in `asked` (else its answer is dropped).
fn still_newest<Q: PartialEq + Send + Sync + 'static>(
    asked: StoredValue<Option<Q>>,
    question: &Q,
) -> bool {
    asked.with_value(|newest| newest.as_ref() == Some(question))
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
