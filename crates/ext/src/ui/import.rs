//! The Import screen: pick or drop CRM exports, confirm the as-of date for exports that do not
//! state one, and see for each file what was read and stored.
//!
//! Each file goes through reading → parsing (`lens-core`'s [`import_file`]) → storing (one
//! IndexedDB transaction); a progress bar follows the files. The summary shows the detected
//! format, the as-of date, data rows, stored and rejected rows with the first reasons and a
//! download of every rejected row. A file that cannot be imported stores nothing and gets one
//! line naming the file and the reason; when its slash dates leave the day/month order open, the
//! user picks the order and the file is read again.

use chrono::NaiveDate;
use lens_core::import::{DateOrder, ImportError, ImportOptions, import_file};
use lens_core::insight::render::rejections_csv;
use lens_core::store::{StoredImport, date_undated_snapshot};
use leptos::ev::{DragEvent, Event};
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::{File, HtmlInputElement};

use crate::browser;
use crate::ui::state::Lens;

/// How many rejection reasons a file's summary lists before saying how many more there are.
const SHOWN_REJECTIONS: usize = 5;

#[component]
pub fn ImportScreen() -> impl IntoView {
    let lens = expect_context::<Lens>();
    let entries: RwSignal<Vec<Entry>> = RwSignal::new(Vec::new());
    let dragging = RwSignal::new(false);
    let as_of = RwSignal::new(browser::today());
    let pending: StoredValue<Vec<Option<File>>, LocalStorage> = StoredValue::new_local(Vec::new());

    let start = move |files: Vec<File>| {
        run_imports(lens, entries, pending, files, as_of.get_untracked(), None)
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
                        .map(|(index, entry)| entry_view(lens, entries, pending, as_of, index, entry))
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
}

#[derive(Debug, Clone)]
enum State {
    Waiting,
    Reading,
    Parsing,
    Storing,
    Stored(Box<StoredImport>),
    /// Not an export Lens can import, or the browser refused it; nothing was stored.
    Failed(String),
    /// The slash dates leave the day/month order open: the user is asked.
    AskDateOrder(String),
}

impl State {
    fn is_done(&self) -> bool {
        matches!(
            self,
            State::Stored(_) | State::Failed(_) | State::AskDateOrder(_)
        )
    }
}

/// Imports the files one after the other. `retry` re-reads one earlier entry with a date order.
fn run_imports(
    lens: Lens,
    entries: RwSignal<Vec<Entry>>,
    pending: StoredValue<Vec<Option<File>>, LocalStorage>,
    files: Vec<File>,
    as_of: NaiveDate,
    retry: Option<(usize, DateOrder)>,
) {
    if files.is_empty() {
        return;
    }
    let first_index = match retry {
        Some((index, _)) => index,
        None => {
            let first = entries.with_untracked(Vec::len);
            entries.update(|entries| {
                entries.extend(files.iter().map(|file| Entry {
                    file_name: file.name(),
                    state: State::Waiting,
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
    spawn_local(async move {
        let mut stored_reports = Vec::new();
        for (offset, file) in files.iter().enumerate() {
            let index = first_index + offset;
            let file_name = file.name();
            set(index, State::Reading);
            browser::yield_to_browser().await;
            let bytes = match browser::read_file_bytes(file).await {
                Ok(bytes) => bytes,
                Err(error) => {
                    set(
                        index,
                        State::Failed(format!("{file_name} was not imported: {error}")),
                    );
                    continue;
                }
            };
            set(index, State::Parsing);
            browser::yield_to_browser().await;
            let options = ImportOptions {
                date_order: retry.map(|(_, order)| order).unwrap_or_default(),
                ..ImportOptions::default()
            };
            let mut report = match import_file(&file_name, &bytes, &options) {
                Ok(report) => report,
                Err(error @ ImportError::AmbiguousDates { .. }) => {
                    set(index, State::AskDateOrder(format!("{file_name}: {error}")));
                    continue;
                }
                Err(error) => {
                    set(
                        index,
                        State::Failed(format!("{file_name} was not imported: {error}")),
                    );
                    continue;
                }
            };
            date_undated_snapshot(&mut report, as_of);
            set(index, State::Storing);
            browser::yield_to_browser().await;
            match lens.store(report, bytes.len() as u64).await {
                Ok((stored, report)) => {
                    stored_reports.push(report);
                    set(index, State::Stored(Box::new(stored)));
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
        lens.add_reports(stored_reports);
    });
}

fn progress_view(entries: &[Entry]) -> impl IntoView + use<> {
    let total = entries.len();
    let done = entries.iter().filter(|entry| entry.state.is_done()).count();
    let current = entries
        .iter()
        .find(|entry| !entry.state.is_done())
        .map(|entry| {
            let phase = match entry.state {
                State::Reading => "reading",
                State::Parsing => "reading rows",
                State::Storing => "storing",
                _ => "waiting",
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

fn entry_view(
    lens: Lens,
    entries: RwSignal<Vec<Entry>>,
    pending: StoredValue<Vec<Option<File>>, LocalStorage>,
    as_of: RwSignal<NaiveDate>,
    index: usize,
    entry: Entry,
) -> AnyView {
    let file_name = entry.file_name.clone();
    match entry.state {
        State::Waiting | State::Reading | State::Parsing | State::Storing => view! {
            <li class="lens-result" data-testid="import-result" data-file=entry.file_name.clone() data-state="reading">
                <div class="lens-result-name">{file_name}</div>
                <p class="lens-muted">"Reading…"</p>
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
                let file = pending.with_value(|pending| pending.get(index).cloned().flatten());
                if let Some(file) = file {
                    run_imports(lens, entries, pending, vec![file], as_of.get_untracked(), Some((index, order)));
                }
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
    }
}

fn report_view(stored: StoredImport) -> impl IntoView {
    let as_of = match stored.as_of {
        Some(date) => date.to_string(),
        None => "not stated in the file".to_string(),
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
