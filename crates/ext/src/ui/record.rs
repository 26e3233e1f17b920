//! The record header: which record the content script read from the CRM page.
//!
//! It shows what the page says (object, id, name, field labels and values) and nothing else; how
//! the page differs from the imported data is a later screen.

use leptos::prelude::*;

use crate::browser::{PageRecord, PageState};
use crate::error::ExtError;

/// The record on the page beside the panel, or a line saying there is none.
#[component]
pub fn RecordHeader(page: ReadSignal<Result<PageState, ExtError>>) -> impl IntoView {
    view! {
        <section class="lens-record" data-testid="record-header">
            <ErrorBoundary fallback=|errors| {
                view! {
                    <p class="lens-muted" data-testid="record-unavailable">
                        "Record from the page unavailable: "
                        {move || {
                            errors
                                .get()
                                .into_iter()
                                .map(|(_, error)| error.to_string())
                                .collect::<Vec<_>>()
                                .join("; ")
                        }}
                    </p>
                }
            }>{move || page.get().map(page_view)}</ErrorBoundary>
        </section>
    }
}

fn page_view(state: PageState) -> AnyView {
    match state {
        PageState::Waiting => view! {
            <p class="lens-muted" data-testid="record-waiting">
                "Reading the record on this page…"
            </p>
        }
        .into_any(),
        PageState::NoRecord => view! {
            <p class="lens-muted" data-testid="record-none">"No CRM record on this page."</p>
        }
        .into_any(),
        PageState::Record(record) => record_view(record).into_any(),
    }
}

fn record_view(record: PageRecord) -> impl IntoView {
    let crm_label = match record.crm.as_str() {
        "salesforce" => "Salesforce",
        "hubspot" => "HubSpot",
        "dynamics" => "Dynamics 365",
        other => other,
    }
    .to_string();
    let n_fields = record.fields.len();
    let fields_summary = match n_fields {
        1 => "1 field read from the page".to_string(),
        n => format!("{n} fields read from the page"),
    };
    let name = record.name.clone();
    view! {
        <div class="lens-record-kicker">
            <span>{crm_label}</span>
            " · "
            <span data-testid="record-object">{record.object.clone()}</span>
        </div>
        <h1 class="lens-record-name" data-testid="record-name">
            {name.unwrap_or_else(|| "(name not shown on the page yet)".to_string())}
        </h1>
        <div class="lens-record-id">
            <span class="lens-label">"Id"</span>
            <code data-testid="record-id">{record.id.clone()}</code>
        </div>
        <details class="lens-record-fields">
            <summary data-testid="record-field-count">{fields_summary}</summary>
            <dl class="lens-facts">
                {record
                    .fields
                    .into_iter()
                    .map(|field| {
                        let is_empty = field.value.is_empty();
                        let value = if is_empty { "(empty)".to_string() } else { field.value };
                        view! {
                            <dt>{field.label}</dt>
                            <dd class:lens-muted=is_empty>{value}</dd>
                        }
                    })
                    .collect_view()}
            </dl>
        </details>
    }
}
