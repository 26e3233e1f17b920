//! The import screen: pick or drop CRM exports, and see for each file what was read from it.
//!
//! For each file it shows the detected format, the as-of date, how many data rows the file has,
//! how many were stored and how many were rejected with the first reasons; a file that could not
//! be imported at all gets one line naming the file and the reason. Parsing is `lens-core`'s
//! [`import_file`]; this screen only reads the bytes and renders the report.

use lens_core::import::{ImportError, ImportOptions, ImportReport, import_file};
use leptos::ev::{DragEvent, Event};
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::{File, HtmlInputElement};

use crate::browser;
use crate::error::ExtError;

/// How many rejection reasons a file's summary lists before saying how many more there are.
const SHOWN_REJECTIONS: usize = 5;

/// The file picker, the drop zone and one summary per imported file, newest last.
#[component]
pub fn ImportScreen() -> impl IntoView {
    let entries: RwSignal<Vec<ImportEntry>> = RwSignal::new(Vec::new());
    let dragging = RwSignal::new(false);

    let on_pick = move |event: Event| {
        let input = event_target::<HtmlInputElement>(&event);
        import_files(entries, browser::files_of(input.files()));
        // Clearing the input lets the user pick the same file again (e.g. after re-exporting it).
        input.set_value("");
    };
    let on_drop = move |event: DragEvent| {
        event.prevent_default();
        dragging.set(false);
        let files = event.data_transfer().and_then(|transfer| transfer.files());
        import_files(entries, browser::files_of(files));
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
            <p class="lens-muted lens-small">
                "CSV or XLSX: Salesforce reports and data exports, "
                "HubSpot and Dynamics 365 exports. Several files can be dropped at once."
            </p>
            <ol class="lens-results" data-testid="import-results">
                {move || entries.with(|entries| entries.iter().map(entry_view).collect_view())}
            </ol>
        </section>
    }
}

/// One file the user handed to the panel and what became of it.
#[derive(Debug, Clone)]
struct ImportEntry {
    file_name: String,
    state: ImportState,
}

#[derive(Debug, Clone)]
enum ImportState {
    Reading,
    Imported(Box<ImportReport>),
    /// The file was read but is not an export Lens can import; nothing from it is stored.
    Failed(ImportError),
    /// The browser could not hand over the file's bytes.
    Unreadable(ExtError),
}

/// Imports the files one after the other, showing each as "reading" until its report is ready.
fn import_files(entries: RwSignal<Vec<ImportEntry>>, files: Vec<File>) {
    if files.is_empty() {
        return;
    }
    let first_idx = entries.with_untracked(Vec::len);
    entries.update(|entries| {
        entries.extend(files.iter().map(|file| ImportEntry {
            file_name: file.name(),
            state: ImportState::Reading,
        }));
    });
    spawn_local(async move {
        for (offset, file) in files.iter().enumerate() {
            let file_name = file.name();
            let state = match browser::read_file_bytes(file).await {
                Ok(bytes) => match import_file(&file_name, &bytes, &ImportOptions::default()) {
                    Ok(report) => ImportState::Imported(Box::new(report)),
                    Err(error) => ImportState::Failed(error),
                },
                Err(error) => ImportState::Unreadable(error),
            };
            entries.update(|entries| {
                if let Some(entry) = entries.get_mut(first_idx + offset) {
                    entry.state = state;
                }
            });
        }
    });
}

fn entry_view(entry: &ImportEntry) -> AnyView {
    let file_name = entry.file_name.clone();
    match &entry.state {
        ImportState::Reading => view! {
            <li
                class="lens-result"
                data-testid="import-result"
                data-file=entry.file_name.clone()
                data-state="reading"
            >
                <div class="lens-result-name">{file_name}</div>
                <p class="lens-muted">"Reading…"</p>
            </li>
        }
        .into_any(),
        ImportState::Imported(report) => report_view(report).into_any(),
        ImportState::Failed(error) => failure_view(file_name, error.to_string()).into_any(),
        ImportState::Unreadable(error) => failure_view(file_name, error.to_string()).into_any(),
    }
}

fn failure_view(file_name: String, reason: String) -> impl IntoView {
    let line = format!("{file_name} was not imported: {reason}");
    view! {
        <li
            class="lens-result lens-result-failed"
            data-testid="import-result"
            data-file=file_name
            data-state="failed"
        >
            <p class="lens-error-line" data-testid="import-error">{line}</p>
        </li>
    }
}

fn report_view(report: &ImportReport) -> impl IntoView {
    let as_of = match report.as_of {
        Some(date) => date.to_string(),
        None => "not stated in the file".to_string(),
    };
    let n_rejected = report.rejected.len();
    let shown_reasons: Vec<String> = report
        .rejected
        .iter()
        .take(SHOWN_REJECTIONS)
        .map(ToString::to_string)
        .collect();
    let n_more = n_rejected.saturating_sub(SHOWN_REJECTIONS);
    let notes = report.notes.clone();
    view! {
        <li
            class="lens-result"
            data-testid="import-result"
            data-file=report.file_name.clone()
            data-state="imported"
        >
            <div class="lens-result-name">{report.file_name.clone()}</div>
            <dl class="lens-facts">
                <dt>"Format"</dt>
                <dd data-testid="import-format">{report.format.to_string()}</dd>
                <dt>"As of"</dt>
                <dd data-testid="import-as-of">{as_of}</dd>
            </dl>
            <div class="lens-counts">
                {count_view("Data rows", report.data_rows, "import-data-rows")}
                {count_view("Stored", report.stored_rows, "import-stored")}
                {count_view("Rejected", n_rejected, "import-rejected")}
            </div>
            <Show when=move || n_rejected != 0>
                <ul class="lens-reasons" data-testid="import-reasons">
                    {shown_reasons
                        .iter()
                        .map(|reason| view! { <li>{reason.clone()}</li> })
                        .collect_view()}
                    <Show when=move || n_more != 0>
                        <li class="lens-muted">{format!("and {n_more} more rejected rows")}</li>
                    </Show>
                </ul>
            </Show>
            <ul class="lens-notes">
                {notes.into_iter().map(|note| view! { <li>{note}</li> }).collect_view()}
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
