//! The Record screen: the record the content script read from the CRM page, and what the imported
//! data says about it (the core's `record_view`): how it was found, its row, its history, its
//! evidence fields with when each was first filled, where it sits among open deals, and how the
//! page differs from the latest import. The header says what could and could not be read from the
//! page (the core's `read_page`).

use lens_core::analyst::ShownRecord;
use lens_core::insight::render::value_in_unit;
use lens_core::insight::{Comparison, Reference, read_page};
use leptos::prelude::*;

use crate::browser::{self, PageRecord, PageState};
use crate::ui::insights::evidence_view;
use crate::ui::state::{Lens, core_page_record};

/// The record header and, when data is imported, the record's view.
#[component]
pub fn RecordScreen() -> impl IntoView {
    let lens = expect_context::<Lens>();
    view! {
        <section class="lens-record" data-testid="record-header">
            {move || match lens.page.get() {
                Err(error) => view! {
                    <p class="lens-muted" data-testid="record-unavailable">
                        {format!("Record from the page unavailable: {error}")}
                    </p>
                }
                .into_any(),
                Ok(PageState::Waiting) => view! {
                    <p class="lens-muted" data-testid="record-waiting">
                        "Reading the record on this page…"
                    </p>
                }
                .into_any(),
                Ok(PageState::NoRecord) => view! {
                    <p class="lens-muted" data-testid="record-none">"No CRM record on this page."</p>
                }
                .into_any(),
                Ok(PageState::Record(record)) => page_view(record).into_any(),
            }}
        </section>
        <section class="lens-record-view" data-testid="record-view">
            {move || match lens.record.get() {
                None if lens.imports.with(Vec::is_empty) => view! {
                    <p class="lens-muted" data-testid="record-no-data">
                        "No data imported yet: import a report on the Import tab to see this record's history and evidence."
                    </p>
                }
                .into_any(),
                None => ().into_any(),
                Some(Err(error)) => view! { <p class="lens-error-line">{error}</p> }.into_any(),
                Some(Ok(view)) => record_view(view).into_any(),
            }}
        </section>
    }
}

fn page_view(record: PageRecord) -> impl IntoView {
    browser::mark(&format!("lens:record-header {}", record.id));
    let crm_label = match record.crm.as_str() {
        "salesforce" => "Salesforce",
        "hubspot" => "HubSpot",
        "dynamics" => "Dynamics 365",
        other => other,
    }
    .to_string();
    // What the core could and could not read from the page (name, stage, amount, close date,
    // owner; labels it does not recognise).
    let reading = read_page(&core_page_record(&record));
    let fields_summary = match record.fields.len() {
        1 => "1 field read from the page".to_string(),
        n => format!("{n} fields read from the page"),
    };
    view! {
        <div class="lens-record-kicker">
            <span data-testid="record-crm">{crm_label}</span>
            " · "
            <span data-testid="record-object">{record.object.clone()}</span>
        </div>
        <h1 class="lens-record-name" data-testid="record-name">
            {record.name.clone().unwrap_or_else(|| "(name not shown on the page yet)".to_string())}
        </h1>
        <div class="lens-record-id">
            <span class="lens-label">"Id"</span>
            <code data-testid="record-id">{record.id.clone()}</code>
        </div>
        <p class="lens-small" data-testid="record-reading"
            data-not-found=reading.not_found.join("|")>{reading.text}</p>
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

fn record_view(shown: ShownRecord) -> impl IntoView {
    let ShownRecord { view, positions } = shown;
    browser::mark(&format!("lens:record-view {}", view.requested_id));
    let row = view.record.clone();
    let differences = view
        .page_fields
        .iter()
        .filter(|field| field.comparison == Comparison::Different)
        .count();
    view! {
        <p class="lens-match" data-testid="record-match">{view.match_text.clone()}</p>
        {row.map(|row| {
            let amount = row
                .amount
                .map(|amount| value_in_unit(Some(amount), &lens_core::insight::Unit::Money { currency: row.currency.as_deref().map(str::to_string) }))
                .unwrap_or_else(|| "(no amount)".to_string());
            view! {
                <dl class="lens-facts" data-testid="record-row">
                    <dt>"Owner"</dt><dd>{row.owner.clone()}</dd>
                    <dt>"Stage"</dt><dd>{row.stage.as_deref().unwrap_or_default().to_string()}</dd>
                    <dt>"Forecast category"</dt><dd>{row.forecast_category.clone().unwrap_or_default()}</dd>
                    <dt>"Amount"</dt><dd>{amount}</dd>
                    <dt>"Close date"</dt><dd>{row.close_date.map(|d| d.to_string()).unwrap_or_default()}</dd>
                    <dt>"Source"</dt><dd>{format!("{}, line {} (snapshot {})", row.source_file, row.line, row.as_of)}</dd>
                </dl>
            }
        })}
        <h2 class="lens-section-title">"Page and import"</h2>
        <p class="lens-small" data-testid="record-differences">
            {match differences {
                _ if view.record.is_none() => "No field on the page is compared: no imported record is shown.".to_string(),
                0 => "No field on the page differs from the latest import.".to_string(),
                1 => "1 field on the page differs from the latest import.".to_string(),
                n => format!("{n} fields on the page differ from the latest import."),
            }}
        </p>
        <table class="lens-table" data-testid="record-comparison">
            <thead><tr><th>"Field"</th><th>"Page"</th><th>"Import"</th><th></th></tr></thead>
            <tbody>
                {view
                    .page_fields
                    .iter()
                    .filter(|field| field.comparison != Comparison::NotRead)
                    .map(|field| {
                        let state = match &field.comparison {
                            Comparison::Equal => "same",
                            Comparison::Different => "differs",
                            Comparison::NotCompared { .. } => "not compared",
                            Comparison::NotRead => "",
                        };
                        view! {
                            <tr data-comparison=state title=field.text.clone()>
                                <td>{field.label.clone()}</td>
                                <td>{field.page_value.clone()}</td>
                                <td>{field.imported_value.clone().unwrap_or_default()}</td>
                                <td class:lens-strong=field.comparison == Comparison::Different>{state}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        <h2 class="lens-section-title">"Where it sits among open deals"</h2>
        <ul class="lens-insights" data-testid="record-positions">
            {positions.into_iter().map(|position| {
                let strip = match &position.insight.reference {
                    Some(Reference::Distribution { percentile, .. }) => Some(position_strip(*percentile)),
                    _ => None,
                };
                view! {
                    <li class="lens-insight">
                        <details>
                            <summary>
                                <span class="lens-insight-text">{position.insight.text.clone()}</span>
                                {strip}
                            </summary>
                            {evidence_view(&position)}
                        </details>
                    </li>
                }
            }).collect_view()}
        </ul>
        <h2 class="lens-section-title">"Evidence fields"</h2>
        <table class="lens-table" data-testid="record-evidence-fields">
            <thead><tr><th>"Field"</th><th>"Value"</th><th>"First filled"</th></tr></thead>
            <tbody>
                {view.evidence_fields.iter().map(|field| {
                    let value = match (&field.value, field.column_present) {
                        (Some(value), _) => value.clone(),
                        (None, true) => "(empty)".to_string(),
                        (None, false) => "(not in the export)".to_string(),
                    };
                    view! {
                        <tr title=field.text.clone()>
                            <td>{field.label.clone()}</td>
                            <td class:lens-muted=field.value.is_none()>{value}</td>
                            <td>{field.first_filled.map(|d| d.to_string()).unwrap_or_default()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <h2 class="lens-section-title">"History"</h2>
        <p class="lens-small lens-muted">{view.history_text.clone()}</p>
        <table class="lens-table" data-testid="record-history">
            <thead><tr><th>"When"</th><th>"Field"</th><th>"Old → new"</th></tr></thead>
            <tbody>
                {view.history.iter().rev().map(|row| {
                    let when = row.at.map(|at| at.date().to_string())
                        .or_else(|| row.as_of.map(|d| d.to_string()))
                        .unwrap_or_default();
                    let change = format!(
                        "{} → {}",
                        row.old_value.clone().unwrap_or_else(|| "(empty)".into()),
                        row.new_value.clone().unwrap_or_else(|| "(empty)".into())
                    );
                    view! {
                        <tr title=format!("{}:{}", row.source_file, row.line)>
                            <td>{when}</td>
                            <td>{row.field.clone().unwrap_or_default()}</td>
                            <td>{change}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <ul class="lens-notes">
            {view.notes.iter().map(|note| view! { <li>{note.clone()}</li> }).collect_view()}
        </ul>
    }
}

/// A 0–100 percentile strip with the record marked.
fn position_strip(percentile: f64) -> impl IntoView {
    let x = 4.0 + percentile.clamp(0.0, 100.0) * 1.92;
    view! {
        <svg class="lens-strip" viewBox="0 0 200 14" width="200" height="14" role="img"
            aria-label=format!("at the {:.0}th percentile", percentile)>
            <line class="lens-chart-axis" x1="4" x2="196" y1="7" y2="7" />
            <line class="lens-chart-axis" x1="100" x2="100" y1="3" y2="11" />
            <circle class="lens-chart-dot" cx=x cy="7" r="4" />
        </svg>
    }
}
