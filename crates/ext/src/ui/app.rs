//! The panel shell: the title bar, the tabs, and the screen of the chosen tab.
//!
//! Tabs: Record (the default on a record page), one per module the analysis returned (Cockpit,
//! Forecast, Hygiene, Evidence, Patterns and those that follow), then Review, Import, Settings and
//! Data.

use lens_core::insight::Module;
use leptos::prelude::*;

use crate::browser::PageState;
use crate::ui::data::DataScreen;
use crate::ui::import::ImportScreen;
use crate::ui::module::ModuleScreen;
use crate::ui::record::RecordScreen;
use crate::ui::review::ReviewScreen;
use crate::ui::settings::SettingsScreen;
use crate::ui::state::{Lens, LoadState};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tab {
    Record,
    Module(Module),
    Review,
    Import,
    Settings,
    Data,
}

impl Tab {
    fn label(self) -> &'static str {
        match self {
            Tab::Record => "Record",
            Tab::Module(module) => short_title(module),
            Tab::Review => "Review",
            Tab::Import => "Import",
            Tab::Settings => "Settings",
            Tab::Data => "Data",
        }
    }

    fn test_id(self) -> String {
        match self {
            Tab::Module(module) => format!("tab-{module:?}").to_lowercase(),
            other => format!("tab-{}", other.label()).to_lowercase(),
        }
    }
}

/// A tab-sized name for each module.
fn short_title(module: Module) -> &'static str {
    match module {
        Module::Cockpit => "Cockpit",
        Module::Forecast => "Forecast",
        Module::Hygiene => "Hygiene",
        Module::Evidence => "Evidence",
        Module::Patterns => "Patterns",
        Module::Renewals => "Renewals",
        Module::Poc => "POC",
        Module::Program => "Program",
        Module::Coaching => "Coaching",
        Module::Territory => "Territory",
        Module::Plays => "Plays",
    }
}

#[component]
pub fn App() -> impl IntoView {
    let lens = Lens::start();
    provide_context(lens);
    // Until the user picks a tab: Record on a record page, else Import when nothing is stored yet,
    // else the Cockpit.
    let picked: RwSignal<Option<Tab>> = RwSignal::new(None);
    let tab = Memo::new(move |_| {
        picked.get().unwrap_or_else(|| {
            let on_record = matches!(lens.page.get(), Ok(PageState::Record(_)));
            let empty = lens.load.get() == LoadState::Ready && lens.imports.with(Vec::is_empty);
            if on_record {
                Tab::Record
            } else if empty {
                Tab::Import
            } else {
                Tab::Module(Module::Cockpit)
            }
        })
    });
    let tabs = Memo::new(move |_| {
        let mut tabs = vec![Tab::Record];
        match lens.analysis.get() {
            Some(Ok(analysis)) => {
                tabs.extend(analysis.modules.iter().map(|&module| Tab::Module(module)))
            }
            _ => tabs.extend(
                [
                    Module::Cockpit,
                    Module::Forecast,
                    Module::Hygiene,
                    Module::Evidence,
                ]
                .map(Tab::Module),
            ),
        }
        tabs.extend([Tab::Review, Tab::Import, Tab::Settings, Tab::Data]);
        tabs
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
            <nav class="lens-tabs" role="tablist">
                // Keyed, so a tab that stays when the analysis changes keeps its button (a click
                // landing while the list refreshes is not lost).
                <For each=move || tabs.get() key=|t| t.test_id() let:t>
                    <button
                        role="tab"
                        class="lens-tab"
                        class:lens-tab-active=move || tab.get() == t
                        aria-selected=move || (tab.get() == t).to_string()
                        data-testid=t.test_id()
                        on:click=move |_| picked.set(Some(t))
                    >
                        {t.label()}
                    </button>
                </For>
            </nav>
            {move || match lens.load.get() {
                LoadState::Loading { done, total } => Some(view! {
                    <div class="lens-progress" data-testid="load-progress">
                        <progress max=total value=done></progress>
                        <span class="lens-small">{format!("Loading stored data: {done} of {total} imports")}</span>
                    </div>
                }.into_any()),
                LoadState::Failed(error) => Some(view! {
                    <p class="lens-error-line" data-testid="load-error">{format!("The stored data could not be loaded: {error}")}</p>
                }.into_any()),
                _ => None,
            }}
            <main class="lens-screen">
                {move || match tab.get() {
                    Tab::Record => view! { <RecordScreen /> }.into_any(),
                    Tab::Module(module) => view! { <ModuleScreen module=module /> }.into_any(),
                    Tab::Review => view! { <ReviewScreen /> }.into_any(),
                    Tab::Import => ().into_any(),
                    Tab::Settings => view! { <SettingsScreen /> }.into_any(),
                    Tab::Data => view! { <DataScreen /> }.into_any(),
                }}
                // The import screen stays mounted so an import keeps its progress and summary while
                // the user looks at other tabs.
                <div class:lens-hidden=move || tab.get() != Tab::Import>
                    <ImportScreen />
                </div>
            </main>
        </div>
    }
}
