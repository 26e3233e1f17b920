//! The Import screen: pick or drop CRM exports, confirm the as-of date for exports that do not
//! state one, give the decimal mark of the files chosen next if need be, and see for each file
//! what was read and stored.
//!
//! Each file goes through reading → parsing (`lens-core`'s [`import_file`]) → storing (one
//! IndexedDB transaction); a progress bar follows the files. The summary shows the detected
//! format, the as-of date, data rows, stored and rejected rows with the first reasons and a
//! download of every rejected row. A file that cannot be imported stores nothing and gets one
//! line naming the file and the reason; when its slash dates leave the day/month order open, the
//! user picks the order and the file is read again. When its header is not one Lens recognises,
//! a form asks which column holds which field; the mapping is remembered, and a later file with
//! the same header is read with it without asking.

use chrono::NaiveDate;
use js_sys::Uint8Array;
use lens_core::import::{
    DateOrder, DecimalMark, DraftField, ImportError, ImportOptions, ImportProgress, ImportStep,
    MappingDraft, TableKind, check_file_size,
};
use lens_core::insight::render::rejections_csv;
use lens_core::store::{ImportJob, JobProgress, StoredImport};
use leptos::ev::{DragEvent, Event};
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::{File, HtmlInputElement};

use crate::browser;
use crate::ui::state::Lens;
use crate::worker::{ImportWorker, WorkerOutcome, import_in_place};

/// How many rejection reasons a file's summary lists before saying how many more there are.
const SHOWN_REJECTIONS: usize = 5;

#[component]
pub fn ImportScreen() -> impl IntoView {
    let lens = expect_context::<Lens>();
    let entries: RwSignal<Vec<Entry>> = RwSignal::new(Vec::new());
    let dragging = RwSignal::new(false);
    let as_of = RwSignal::new(browser::today());
    // `None`: each file's numbers settle it; a mark chosen here is used for every number that
    // could be read either way in the files chosen next, whatever their other numbers show.
    let decimal_mark: RwSignal<Option<DecimalMark>> = RwSignal::new(None);
    let pending: StoredValue<Vec<Option<File>>, LocalStorage> = StoredValue::new_local(Vec::new());

    let start = move |files: Vec<File>| {
        let options = ImportOptions {
            decimal_mark: decimal_mark.get_untracked(),
            ..ImportOptions::default()
        };
        run_imports(
            lens,
            entries,
            pending,
            files,
            as_of.get_untracked(),
            options,
            None,
        )
    };
    let context = ImportContext {
        lens,
        entries,
        pending,
        as_of,
    };
    let on_pick = move |event: Event| {
        let input = event_target::<HtmlInputElement>(&event);
        start(browser::files_of(input.files()));
        // Clearing the input lets the user pick the same file again (e.g. after re-exporting it).
        input.set_value("");
    };
    let on_drop = move |event: DragEvent| {
        event.prevent_default();
        dragging.set(false);
        let files = event.data_transfer().and_then(|transfer| transfer.files());
        start(browser::files_of(files));
    };
    let on_as_of = move |event: Event| {
        let text = event_target_value(&event);
        if let Ok(date) = text.parse::<NaiveDate>() {
            as_of.set(date);
        }
    };
    let on_decimal_mark = move |event: Event| {
        decimal_mark.set(DecimalMark::from_key(&event_target_value(&event)));
    };

    view! {
        <section class="lens-import" data-testid="import-screen">
            <h2 class="lens-section-title">"Import exports"</h2>
            <label
                class="lens-drop"
                class:lens-drop-active=move || dragging.get()
                data-testid="import-drop"
                on:dragover=move |event: DragEvent| {
                    event.prevent_default();
                    dragging.set(true);
                }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop
            >
                <span class="lens-drop-text">"Drop exports here, or "</span>
                <span class="lens-drop-link">"choose files"</span>
                <input
                    type="file"
                    multiple
                    accept=".csv,.txt,.xlsx,.xls"
                    class="lens-visually-hidden"
                    data-testid="import-input"
                    on:change=on_pick
                />
            </label>
            <label class="lens-field">
                <span>"As of, for opportunity lists that state no date"</span>
                <input
                    type="date"
                    data-testid="import-as-of-input"
                    prop:value=move || as_of.get().to_string()
                    on:change=on_as_of
                />
            </label>
            <label class="lens-field">
                <span>"Numbers like 1.234 in the files chosen next"</span>
                <select data-testid="import-decimal-mark-input" on:change=on_decimal_mark>
                    <option value="" selected>"As each file's numbers show (else a decimal point)"</option>
                    {DecimalMark::ALL.map(|mark| view! {
                        <option value=mark.key()>{format!("{} ({})", mark.label(), mark.example())}</option>
                    }).collect_view()}
                </select>
            </label>
            <p class="lens-muted lens-small">
                "CSV or XLSX: Salesforce reports and data exports, HubSpot and Dynamics 365 exports, "
                "history, users, renewals and program tables. Several files can be dropped at once. "
                "A Salesforce report's footer date is used when it has one."
            </p>
            {move || progress_view(&entries.get())}
            <ol class="lens-results" data-testid="import-results">
                {move || {
                    entries
                        .get()
                        .into_iter()
                        .enumerate()
                        .map(|(index, entry)| entry_view(context, index, entry))
                        .collect_view()
                }}
            </ol>
        </section>
    }
}

/// One file handed to the panel and what became of it.
#[derive(Debug, Clone)]
struct Entry {
    file_name: String,
    state: State,
    /// The options it was last read with (a mapping, a date order), kept for a retry.
    options: ImportOptions,
}

/// What a file's summary needs to read the file again.
#[derive(Clone, Copy)]
struct ImportContext {
    lens: Lens,
    entries: RwSignal<Vec<Entry>>,
    pending: StoredValue<Vec<Option<File>>, LocalStorage>,
    as_of: RwSignal<NaiveDate>,
}

impl ImportContext {
    /// Reads the file of entry `index` again with `options`.
    fn retry(self, index: usize, options: ImportOptions) {
        let file = self
            .pending
            .with_value(|pending| pending.get(index).cloned().flatten());
        if let Some(file) = file {
            run_imports(
                self.lens,
                self.entries,
                self.pending,
                vec![file],
                self.as_of.get_untracked(),
                ImportOptions::default(),
                Some((index, options)),
            );
        }
    }

    fn options(self, index: usize) -> ImportOptions {
        self.entries.with_untracked(|entries| {
            entries
                .get(index)
                .map(|entry| entry.options.clone())
                .unwrap_or_default()
        })
    }
}

#[derive(Debug, Clone)]
enum State {
    Waiting,
    /// Being read, imported or stored: the step, and the share of it done when known.
    Working {
        step: &'static str,
        share: Option<f64>,
    },
    Stored(Box<StoredImport>),
    /// Not an export Lens can import, or the browser refused it; nothing was stored.
    Failed(String),
    /// The slash dates leave the day/month order open: the user is asked.
    AskDateOrder(String),
    /// The header is not one Lens recognises: the user maps its columns.
    AskMapping(Box<MappingDraft>),
}

impl State {
    fn is_done(&self) -> bool {
        matches!(
            self,
            State::Stored(_) | State::Failed(_) | State::AskDateOrder(_) | State::AskMapping(_)
        )
    }
}

/// Imports the files one after the other with `options` (the screen's decimal mark). `retry`
/// re-reads one earlier entry with other options (a date order, a column mapping).
fn run_imports(
    lens: Lens,
    entries: RwSignal<Vec<Entry>>,
    pending: StoredValue<Vec<Option<File>>, LocalStorage>,
    files: Vec<File>,
    as_of: NaiveDate,
    options: ImportOptions,
    retry: Option<(usize, ImportOptions)>,
) {
    if files.is_empty() {
        return;
    }
    let first_index = match &retry {
        Some((index, _)) => *index,
        None => {
            let first = entries.with_untracked(Vec::len);
            entries.update(|entries| {
                entries.extend(files.iter().map(|file| Entry {
                    file_name: file.name(),
                    state: State::Waiting,
                    options: ImportOptions::default(),
                }));
            });
            pending.update_value(|pending| pending.extend(files.iter().cloned().map(Some)));
            first
        }
    };
    let set = move |index: usize, state: State| {
        entries.update(|entries| {
            if let Some(entry) = entries.get_mut(index) {
                entry.state = state;
            }
        });
    };
    let keep_options = move |index: usize, options: &ImportOptions| {
        entries.update_untracked(|entries| {
            if let Some(entry) = entries.get_mut(index) {
                entry.options = options.clone();
            }
        });
    };
    let first_options = retry.map_or(options, |(_, options)| options);
    spawn_local(async move {
        // Without a worker (the browser refused to start one) files are read in the panel itself.
        let mut worker = ImportWorker::start().ok();
        let reloads_before = lens.reload_count();
        let mut handovers = Vec::new();
        for (offset, file) in files.iter().enumerate() {
            let index = first_index + offset;
            let file_name = file.name();
            // An empty or oversized file is refused from its size, before any slice is read.
            if let Err(error) = check_file_size(file.size() as u64) {
                set(
                    index,
                    State::Failed(format!("{file_name} was not imported: {error}")),
                );
                continue;
            }
            set(
                index,
                State::Working {
                    step: "reading the file",
                    share: None,
                },
            );
            browser::yield_to_browser().await;
            let mut options = first_options.clone();
            // A header Lens does not know is read with the mapping remembered for it, if any.
            let mut remembered_from = None;
            let read = loop {
                let job = ImportJob {
                    options: options.clone(),
                    as_of,
                    imported_at: browser::now_iso(),
                };
                let progress = move |progress: JobProgress| {
                    let (step, share) = progress_step(progress);
                    set(index, State::Working { step, share });
                };
                match read_one(worker.as_ref(), file, &job, progress).await {
                    Read::Refused(error) if options.mapping.is_none() => {
                        let found = error.unmapped_headers().and_then(|headers| {
                            lens.mappings.with_untracked(|mappings| {
                                mappings
                                    .find(headers)
                                    .map(|entry| (entry.file_name.clone(), entry.mapping.clone()))
                            })
                        });
                        match found {
                            Some((origin, mapping)) => {
                                remembered_from = Some(origin);
                                options.mapping = Some(mapping);
                            }
                            None => break Read::Refused(error),
                        }
                    }
                    read => break read,
                }
            };
            keep_options(index, &options);
            let (mut stored, chunks) = match read {
                Read::Imported { stored, chunks } => (stored, chunks),
                Read::Refused(error @ ImportError::AmbiguousDates { .. }) => {
                    set(index, State::AskDateOrder(format!("{file_name}: {error}")));
                    continue;
                }
                Read::Refused(error)
                    if options.mapping.is_none() && error.unmapped_headers().is_some() =>
                {
                    let headers = error.unmapped_headers().unwrap_or_default();
                    let draft = MappingDraft::new(headers, None);
                    set(index, State::AskMapping(Box::new(draft)));
                    continue;
                }
                Read::Refused(error) => {
                    set(
                        index,
                        State::Failed(format!("{file_name} was not imported: {error}")),
                    );
                    continue;
                }
                Read::Failed(detail) => {
                    set(
                        index,
                        State::Failed(format!("{file_name} was not imported: {detail}")),
                    );
                    // A worker that failed may be left in any state: the next file gets a new one.
                    if worker.is_some() {
                        worker = ImportWorker::start().ok();
                    }
                    continue;
                }
            };
            if let Some(origin) = remembered_from {
                stored.notes.push(format!(
                    "columns read with the mapping remembered from {origin} (same header)"
                ));
            }
            set(
                index,
                State::Working {
                    step: "storing",
                    share: None,
                },
            );
            browser::yield_to_browser().await;
            match lens.store(stored, chunks).await {
                Ok(handover) => {
                    set(index, State::Stored(Box::new(handover.stored.clone())));
                    handovers.push(handover);
                    pending.update_value(|pending| {
                        if let Some(slot) = pending.get_mut(index) {
                            *slot = None;
                        }
                    });
                }
                Err(error) => set(
                    index,
                    State::Failed(format!(
                        "{file_name} was not stored ({error}); the data stored before is unchanged"
                    )),
                ),
            }
        }
        drop(worker);
        lens.add_imports(handovers, reloads_before).await;
    });
}

/// One file read and imported, ready to store, or why not.
enum Read {
    Imported {
        stored: StoredImport,
        chunks: Vec<Uint8Array>,
    },
    /// The importer refused the file as it stands (the user may be asked something).
    Refused(ImportError),
    /// The browser or the worker failed.
    Failed(String),
}

/// Reads and imports one file: in the worker when there is one, else in the panel.
async fn read_one(
    worker: Option<&ImportWorker>,
    file: &File,
    job: &ImportJob,
    progress: impl Fn(JobProgress) + 'static,
) -> Read {
    let outcome = match worker {
        Some(worker) => worker.import(file, job, progress).await,
        None => import_in_place(file, job, progress).await,
    };
    match outcome {
        Ok(WorkerOutcome::Imported { stored, chunks }) => Read::Imported { stored, chunks },
        Ok(WorkerOutcome::Refused(error)) => Read::Refused(error),
        Err(error) => Read::Failed(error.to_string()),
    }
}

/// The words and the share done of a worker's progress report.
fn progress_step(progress: JobProgress) -> (&'static str, Option<f64>) {
    let share = |done: u64, total: u64| (total > 0).then(|| done as f64 / total as f64);
    match progress {
        JobProgress::Reading { done, total } => ("reading the file", share(done, total)),
        JobProgress::Importing(ImportProgress {
            step: ImportStep::Splitting,
            done,
            total,
        }) => ("splitting rows", share(done, total)),
        JobProgress::Importing(ImportProgress {
            step: ImportStep::Building,
            done,
            total,
        }) => ("reading rows", share(done, total)),
    }
}

fn progress_view(entries: &[Entry]) -> impl IntoView + use<> {
    let total = entries.len();
    let done = entries.iter().filter(|entry| entry.state.is_done()).count();
    let current = entries
        .iter()
        .find(|entry| !entry.state.is_done())
        .map(|entry| {
            let phase = match &entry.state {
                State::Working {
                    step,
                    share: Some(share),
                } => {
                    format!("{step} {:.0}%", share * 100.0)
                }
                State::Working { step, share: None } => (*step).to_string(),
                _ => "waiting".to_string(),
            };
            format!("{}: {phase}", entry.file_name)
        });
    (total != 0 && done < total).then(|| {
        view! {
            <div class="lens-progress" data-testid="import-progress">
                <progress max=total value=done></progress>
                <span class="lens-small">
                    {format!("{done} of {total} files")}
                    {current.map(|text| format!(" · {text}"))}
                </span>
            </div>
        }
    })
}

fn entry_view(context: ImportContext, index: usize, entry: Entry) -> AnyView {
    let file_name = entry.file_name.clone();
    match entry.state {
        State::Waiting => view! {
            <li class="lens-result" data-testid="import-result" data-file=entry.file_name.clone() data-state="reading">
                <div class="lens-result-name">{file_name}</div>
                <p class="lens-muted">"Waiting…"</p>
            </li>
        }
        .into_any(),
        State::Working { step, share } => view! {
            <li class="lens-result" data-testid="import-result" data-file=entry.file_name.clone() data-state="reading">
                <div class="lens-result-name">{file_name}</div>
                <div class="lens-progress lens-file-progress" data-testid="import-file-progress">
                    {match share {
                        Some(share) => view! { <progress max="1" value=share></progress> }.into_any(),
                        None => view! { <progress></progress> }.into_any(),
                    }}
                    <span class="lens-small lens-muted">{step}</span>
                </div>
            </li>
        }
        .into_any(),
        State::Stored(stored) => report_view(*stored).into_any(),
        State::Failed(line) => view! {
            <li class="lens-result lens-result-failed" data-testid="import-result" data-file=file_name data-state="failed">
                <p class="lens-error-line" data-testid="import-error">{line}</p>
            </li>
        }
        .into_any(),
        State::AskDateOrder(line) => {
            let retry = move |order: DateOrder| {
                let options = ImportOptions { date_order: order, ..context.options(index) };
                context.retry(index, options);
            };
            view! {
                <li class="lens-result lens-result-failed" data-testid="import-result" data-file=file_name data-state="ask-date-order">
                    <p class="lens-error-line" data-testid="import-error">{line}</p>
                    <p class="lens-small">"Which order do this file's slash dates use?"</p>
                    <div class="lens-buttons">
                        <button data-testid="date-order-dmy" on:click=move |_| retry(DateOrder::DayFirst)>"Day first (31/12/2026)"</button>
                        <button data-testid="date-order-mdy" on:click=move |_| retry(DateOrder::MonthFirst)>"Month first (12/31/2026)"</button>
                    </div>
                </li>
            }
            .into_any()
        }
        State::AskMapping(draft) => mapping_form(context, index, file_name, *draft).into_any(),
    }
}

/// The form that maps an unrecognised header's columns to Lens's fields.
fn mapping_form(
    context: ImportContext,
    index: usize,
    file_name: String,
    draft: MappingDraft,
) -> impl IntoView {
    let headers = draft.headers.clone();
    let draft = RwSignal::new(draft);
    let problem = RwSignal::new(None::<String>);
    let apply = {
        let file_name = file_name.clone();
        move |_| {
            let current = draft.get_untracked();
            let mapping = match current.to_mapping() {
                Ok(mapping) => mapping,
                Err(error) => {
                    problem.set(Some(error.to_string()));
                    return;
                }
            };
            let file_name = file_name.clone();
            let remembered = mapping.clone();
            spawn_local(async move {
                // Not being able to keep the mapping does not stop this import.
                let _ = context
                    .lens
                    .remember_mapping(&current.headers, &file_name, current.kind, &remembered)
                    .await;
            });
            let options = ImportOptions {
                mapping: Some(mapping),
                ..context.options(index)
            };
            context.retry(index, options);
        }
    };
    let download = {
        let file_name = file_name.clone();
        move |_| match draft.get_untracked().to_mapping() {
            Ok(mapping) => {
                let name = format!("{file_name}.mapping.toml");
                if let Err(error) =
                    browser::download_text(&name, "application/toml", &mapping.to_toml())
                {
                    problem.set(Some(error.to_string()));
                }
            }
            Err(error) => problem.set(Some(error.to_string())),
        }
    };
    let kind_headers = headers.clone();
    let on_kind = move |event: Event| {
        if let Some(kind) = TableKind::from_key(&event_target_value(&event)) {
            draft.set(MappingDraft::new(&kind_headers, Some(kind)));
            problem.set(None);
        }
    };
    let rows = move || {
        draft.with(|draft| {
            draft
                .fields
                .iter()
                .map(|field| (draft.kind, field.key, need_label(field)))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <li class="lens-result lens-result-failed" data-testid="import-result" data-file=file_name.clone() data-state="ask-mapping">
            <p class="lens-error-line" data-testid="import-error">
                {format!("{file_name}: Lens does not recognise these columns.")}
            </p>
            <p class="lens-small">
                "Choose the column that holds each field. The mapping is kept in this browser and "
                "used again for files with the same header."
            </p>
            <label class="lens-field">
                <span>"Kind of table"</span>
                <select data-testid="mapping-kind" on:change=on_kind>
                    {TableKind::ALL.map(|kind| view! {
                        <option value=kind.key() prop:selected=move || draft.with(|draft| draft.kind == kind)>
                            {kind.label()}
                        </option>
                    }).collect_view()}
                </select>
            </label>
            <table class="lens-table lens-mapping" data-testid="mapping-fields">
                <thead><tr><th>"Field"</th><th>"Column"</th></tr></thead>
                <tbody>
                    <For each=rows key=|row| (row.0.key(), row.1) let:row>
                        {mapping_row(draft, headers.clone(), row.1, row.2.clone())}
                    </For>
                </tbody>
            </table>
            <p class="lens-small" data-testid="mapping-missing">
                {move || {
                    let missing = draft.with(MappingDraft::missing);
                    if missing.is_empty() {
                        "Every needed field has a column.".to_string()
                    } else {
                        format!("Still needed: {}.", missing.join("; "))
                    }
                }}
            </p>
            {move || problem.get().map(|text| view! {
                <p class="lens-error-line" data-testid="mapping-problem">{text}</p>
            })}
            <div class="lens-buttons">
                <button data-testid="mapping-apply" on:click=apply>"Import with this mapping"</button>
                <button class="lens-link" data-testid="mapping-download" on:click=download>
                    "Download as a mapping file"
                </button>
            </div>
        </li>
    }
}

/// " (needed)", " (needed, or name)", or nothing for a field a row can do without.
fn need_label(field: &DraftField) -> Option<String> {
    match (field.required, field.alternatives.as_slice()) {
        (false, _) => None,
        (true, []) => Some(" (needed)".to_string()),
        (true, others) => Some(format!(
            " (needed, or {})",
            others.join(" or ").replace('_', " ")
        )),
    }
}

/// One field of the mapping form: its name and a choice of the file's columns.
fn mapping_row(
    draft: RwSignal<MappingDraft>,
    headers: Vec<String>,
    key: &'static str,
    need: Option<String>,
) -> impl IntoView {
    let chosen = move || {
        draft.with(|draft| {
            draft
                .fields
                .iter()
                .find(|field| field.key == key)
                .and_then(|field| field.header.clone())
        })
    };
    let choices = headers.clone();
    let on_change = move |event: Event| {
        let header = event_target_value(&event)
            .parse::<usize>()
            .ok()
            .and_then(|column| choices.get(column).cloned());
        draft.update(|draft| draft.choose(key, header));
    };
    view! {
        <tr data-testid="mapping-field" data-field=key>
            <th scope="row">
                {key.replace('_', " ")}
                {need}
            </th>
            <td>
                <select data-testid="mapping-column" on:change=on_change>
                    <option value="" prop:selected=move || chosen().is_none()>"not read"</option>
                    {headers.into_iter().enumerate().map(|(column, header)| {
                        let label = header.clone();
                        view! {
                            <option
                                value=column.to_string()
                                prop:selected=move || chosen().as_deref() == Some(header.as_str())
                            >
                                {label}
                            </option>
                        }
                    }).collect_view()}
                </select>
            </td>
        </tr>
    }
}

fn report_view(stored: StoredImport) -> impl IntoView {
    let as_of = match stored.as_of {
        Some(date) => date.to_string(),
        None => "not stated in the file".to_string(),
    };
    let date_order = match stored.date_order {
        Some(DateOrder::DayFirst) => Some("day first (31/12/2026)"),
        Some(DateOrder::MonthFirst) => Some("month first (12/31/2026)"),
        Some(DateOrder::Auto) | None => None,
    };
    let n_rejected = stored.rejected.len();
    let shown_reasons: Vec<String> = stored
        .rejected
        .iter()
        .take(SHOWN_REJECTIONS)
        .map(ToString::to_string)
        .collect();
    let n_more = n_rejected.saturating_sub(SHOWN_REJECTIONS);
    let reject_file = format!("{}-rejected.csv", stored.file_name);
    let reject_csv = rejections_csv(&stored.file_name, &stored.rejected);
    let download = move |_| {
        let _ = browser::download_text(&reject_file, "text/csv", &reject_csv);
    };
    view! {
        <li class="lens-result" data-testid="import-result" data-file=stored.file_name.clone() data-state="imported">
            <div class="lens-result-name">{stored.file_name.clone()}</div>
            <dl class="lens-facts">
                <dt>"Format"</dt>
                <dd data-testid="import-format">{stored.format.to_string()}</dd>
                <dt>"As of"</dt>
                <dd data-testid="import-as-of">{as_of}</dd>
                {date_order.map(|order| view! {
                    <dt>"Slash dates"</dt>
                    <dd data-testid="import-date-order">{order}</dd>
                })}
                {stored.decimal_mark.map(|mark| view! {
                    <dt>"Numbers"</dt>
                    <dd data-testid="import-decimal-mark">{format!("{} ({})", mark.label(), mark.example())}</dd>
                })}
            </dl>
            <div class="lens-counts">
                {count_view("Data rows", stored.data_rows, "import-data-rows")}
                {count_view("Stored", stored.stored_rows, "import-stored")}
                {count_view("Rejected", n_rejected, "import-rejected")}
            </div>
            <Show when=move || n_rejected != 0>
                <ul class="lens-reasons" data-testid="import-reasons">
                    {shown_reasons.iter().map(|reason| view! { <li>{reason.clone()}</li> }).collect_view()}
                    <Show when=move || n_more != 0>
                        <li class="lens-muted">{format!("and {n_more} more rejected rows")}</li>
                    </Show>
                </ul>
                <button class="lens-link" data-testid="import-download-rejected" on:click=download.clone()>
                    {format!("Download the {n_rejected} rejected rows (CSV)")}
                </button>
            </Show>
            <ul class="lens-notes">
                {stored.notes.iter().map(|note| view! { <li>{note.clone()}</li> }).collect_view()}
            </ul>
        </li>
    }
}

fn count_view(label: &'static str, count: usize, test_id: &'static str) -> impl IntoView {
    view! {
        <div class="lens-count">
            <span class="lens-count-value" data-testid=test_id>{count}</span>
            <span class="lens-count-label">{label}</span>
        </div>
    }
}
