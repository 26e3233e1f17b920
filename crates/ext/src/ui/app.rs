//! The panel shell: the title bar, the record read from the page, and the import screen.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::{self, PageState};
use crate::error::ExtError;
use crate::ui::import::ImportScreen;
use crate::ui::record::RecordHeader;

/// The whole panel.
#[component]
pub fn App() -> impl IntoView {
    let page: RwSignal<Result<PageState, ExtError>> = RwSignal::new(Ok(PageState::Waiting));
    spawn_local(async move {
        let listening = browser::listen_for_page_record(move |state| page.set(Ok(state))).await;
        if let Err(error) = listening {
            page.set(Err(error));
        }
    });

    view! {
        <div
            class="lens"
            // A file dropped beside the drop zone would otherwise replace the panel with the file.
            on:dragover=|event| event.prevent_default()
            on:drop=|event| event.prevent_default()
        >
            <header class="lens-bar">
                <span class="lens-bar-title">"Lens"</span>
                <span class="lens-bar-note">"Runs in this browser; nothing is sent anywhere"</span>
            </header>
            <RecordHeader page=page.read_only() />
            <ImportScreen />
        </div>
    }
}
