//! The Data screen: every stored import with its date, size and source file (and, for one this
//! version of Lens cannot read back, why); delete one, export everything as JSON, or wipe all of
//! Lens's storage in this browser.

use lens_core::import::TableKind;
use lens_core::insight::render::count;
use lens_core::store::StoredImport;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::analyst;
use crate::browser;
use crate::ui::state::{Lens, LoadState};

#[component]
pub fn DataScreen() -> impl IntoView {
    let lens = expect_context::<Lens>();
    let note = RwSignal::new(String::new());
    let confirm_wipe = RwSignal::new(false);

    let export = move |_| {
        note.set("Preparing the export…".to_string());
        spawn_local(async move {
            let imports: Vec<StoredImport> = lens.imports.with_untracked(|imports| {
                imports.iter().map(|entry| entry.stored.clone()).collect()
            });
            let written = analyst::export_json(&imports).await.and_then(|text| {
                browser::download_text("lens-export.json", "application/json", &text)
            });
            match written {
                Ok(()) => note.set("Export written to lens-export.json.".to_string()),
                Err(error) => note.set(format!("Export failed: {error}")),
            }
        });
    };
    let wipe = move |_| {
        if !confirm_wipe.get_untracked() {
            confirm_wipe.set(true);
            return;
        }
        confirm_wipe.set(false);
        spawn_local(async move {
            match lens.wipe().await {
                Ok(()) => {
                    note.set("Everything Lens stored in this browser is deleted.".to_string())
                }
                Err(error) => note.set(format!("Wipe failed: {error}; nothing was deleted")),
            }
        });
    };

    view! {
        <section
            class="lens-data"
            data-testid="data-screen"
            data-load=move || if lens.load.get() == LoadState::Ready { "ready" } else { "loading" }
        >
            <h2 class="lens-section-title">"Stored data"</h2>
            <p class="lens-small lens-muted">
                "Kept in this browser's storage for the Lens extension only; the CRM page cannot read it."
            </p>
            {move || match lens.load.get() {
                LoadState::Opening => Some("Opening storage…".to_string()),
                LoadState::Loading { done, total } => Some(format!("Loading {done} of {total} imports…")),
                LoadState::Failed(error) => Some(format!("The stored data could not be loaded: {error}")),
                LoadState::Ready => None,
            }.map(|text| view! { <p class="lens-small" data-testid="data-load-state">{text}</p> })}
            <ul class="lens-imports" data-testid="data-imports">
                {move || lens.imports.get().into_iter().map(|entry| {
                    let id = entry.id;
                    let stored = entry.stored;
                    let kind = if stored.format.kind == TableKind::Opportunities { "snapshot".to_string() } else { stored.format.kind.label().to_string() };
                    let as_of = stored.as_of.map(|date| format!(" · as of {date}")).unwrap_or_default();
                    let facts = format!(
                        "{kind}{as_of} · {} of {} rows stored · {} · imported {}",
                        stored.stored_rows,
                        stored.data_rows,
                        kilobytes(stored.file_bytes),
                        stored.imported_at.get(..10).unwrap_or(&stored.imported_at),
                    );
                    // An import this version of Lens cannot read back (stored by a version with
                    // another encoding, or damaged): listed with why, left out of every screen.
                    let unreadable = lens.unreadable.with(|unreadable| {
                        unreadable.iter().find(|u| u.id == id).map(|u| u.reason.clone())
                    });
                    let state = if unreadable.is_some() { "unreadable" } else { "readable" };
                    let delete = move |_| {
                        spawn_local(async move {
                            if let Err(error) = lens.delete(id).await {
                                note.set(format!("Delete failed: {error}; nothing was deleted"));
                            }
                        });
                    };
                    view! {
                        <li class="lens-import-entry" data-testid="data-import" data-file=stored.file_name.clone() data-state=state>
                            <div class="lens-import-name">
                                <span>{stored.file_name.clone()}</span>
                                <button class="lens-link" data-testid="data-delete" on:click=delete>"Delete"</button>
                            </div>
                            <div class="lens-small lens-muted">{facts}</div>
                            {unreadable.map(|reason| view! {
                                <p class="lens-error-line" data-testid="data-unreadable">
                                    {format!("{reason}. Its rows are left out of every screen; the other imports are read. Delete removes it from this browser.")}
                                </p>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || (!lens.mappings.with(|m| m.entries.is_empty())).then(|| view! {
                <h3 class="lens-subtitle">"Column mappings"</h3>
                <p class="lens-small lens-muted">
                    "Used again for files with the same header. Forgetting one makes the Import screen ask again."
                </p>
                <ul class="lens-mappings" data-testid="data-mappings">
                    {lens.mappings.get().entries.into_iter().map(|entry| {
                        let signature = entry.signature.clone();
                        let forget = move |_| {
                            let signature = signature.clone();
                            spawn_local(async move {
                                if let Err(error) = lens.forget_mapping(&signature).await {
                                    note.set(format!("Forgetting the mapping failed: {error}"));
                                }
                            });
                        };
                        view! {
                            <li data-testid="data-mapping" data-file=entry.file_name.clone()>
                                {format!("{} ({}), made for {} ", entry.kind.label(), count(entry.mapping.columns.len(), "column named", "columns named"), entry.file_name)}
                                <button class="lens-link" data-testid="data-mapping-forget" on:click=forget>"Forget"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
            <p class="lens-small" data-testid="data-summary">
                {move || {
                    let n = lens.imports.with(Vec::len);
                    let snapshots = lens.data.with(|data| data.summary.snapshots);
                    format!("{n} imports, {snapshots} opportunity snapshots.")
                }}
            </p>
            <div class="lens-buttons">
                <button data-testid="data-export" on:click=export>"Export everything (JSON)"</button>
                <button data-testid="data-wipe" on:click=wipe>
                    {move || if confirm_wipe.get() { "Click again to wipe everything" } else { "Wipe all" }}
                </button>
            </div>
            <p class="lens-small" data-testid="data-note">{move || note.get()}</p>
        </section>
    }
}

fn kilobytes(bytes: u64) -> String {
    format!("{:.0} KB", (bytes as f64 / 1024.0).ceil())
}
