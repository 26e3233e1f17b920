//! How one insight is shown, and how every number opens its evidence: the formula, the
//! population (with what was left out and why), the reference, the period and the rows behind it
//! (the first [`SHOWN_ROWS`] on screen, all of them as CSV).

use lens_core::analyst::ShownInsight;
use lens_core::insight::render::{
    display_groups, heading, measure_words, population, reference, sentence, value_in_unit,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::analyst;
use crate::browser;

/// Evidence rows listed on screen before the "download all" link (the analyst sends no more).
pub const SHOWN_ROWS: usize = 20;
/// Record-level findings listed per measure before "show all".
const SHOWN_RECORDS: usize = 25;

/// A module's insights: summary findings first, then record-level findings grouped by measure.
pub fn section_view(insights: &[ShownInsight]) -> AnyView {
    let groups = display_groups(insights);
    if insights.is_empty() {
        return view! { <p class="lens-muted">"Nothing to describe in this data."</p> }.into_any();
    }
    let summary = groups
        .summary
        .into_iter()
        .map(|insight| insight_view(insight.clone()))
        .collect_view();
    let by_measure = groups
        .by_measure
        .into_iter()
        .map(|(measure, list)| {
            let title = format!(
                "{} · {} {}",
                measure_words(measure),
                list.len(),
                if list.len() == 1 { "record" } else { "records" }
            );
            let list: Vec<ShownInsight> = list.into_iter().cloned().collect();
            let n_more = list.len().saturating_sub(SHOWN_RECORDS);
            let show_all = RwSignal::new(false);
            let measure = measure.to_string();
            view! {
                <details class="lens-group" data-testid="insight-group" data-measure=measure>
                    <summary class="lens-group-title">{title}</summary>
                    <ul class="lens-insights">
                        {move || {
                            let shown = if show_all.get() { list.len() } else { SHOWN_RECORDS };
                            list.iter().take(shown).cloned().map(insight_view).collect_view()
                        }}
                    </ul>
                    <Show when=move || n_more != 0 && !show_all.get()>
                        <button class="lens-link" on:click=move |_| show_all.set(true)>
                            {format!("Show {n_more} more")}
                        </button>
                    </Show>
                </details>
            }
        })
        .collect_view();
    view! {
        <ul class="lens-insights">{summary}</ul>
        {by_measure}
    }
    .into_any()
}

/// One insight: its value and text; opening it shows the evidence.
pub fn insight_view(shown: ShownInsight) -> impl IntoView {
    let insight = &shown.insight;
    let value = value_in_unit(insight.value, &insight.unit);
    let raw_value = insight.value.map(|v| v.to_string()).unwrap_or_default();
    let key = insight.key.clone();
    view! {
        <li class="lens-insight" data-testid="insight" data-key=key data-value=raw_value>
            <details>
                <summary>
                    <span class="lens-insight-subject">{heading(insight)}</span>
                    <span class="lens-insight-value" data-testid="insight-value">{value}</span>
                    <span class="lens-insight-text">{sentence(insight)}</span>
                </summary>
                {evidence_view(&shown)}
            </details>
        </li>
    }
}

/// Formula, population, reference, period and rows of one insight; the rows beyond the first
/// [`SHOWN_ROWS`] are fetched from the analyst when the user downloads them.
pub fn evidence_view(shown: &ShownInsight) -> impl IntoView + use<> {
    let insight = &shown.insight;
    let reference_text = insight
        .reference
        .as_ref()
        .map(|r| reference(r, &insight.unit));
    let period = insight.period.as_ref().map(|p| p.label.clone());
    let rows = insight.evidence.clone();
    let n_rows = shown.evidence_rows;
    let n_hidden = n_rows.saturating_sub(rows.len());
    let key = insight.key.clone();
    let note = RwSignal::new(String::new());
    let download = move |_| {
        let key = key.clone();
        spawn_local(async move {
            let file_name = format!("lens-evidence-{}.csv", safe_file_part(&key));
            let written = match analyst::evidence_csv(&key).await {
                Ok(Some(text)) => browser::download_text(&file_name, "text/csv", &text),
                Ok(None) => {
                    note.set(
                        "The analysis changed since this screen was drawn; open the insight again."
                            .to_string(),
                    );
                    return;
                }
                Err(error) => Err(error),
            };
            note.set(match written {
                Ok(()) => String::new(),
                Err(error) => format!("{file_name} could not be written: {error}"),
            });
        });
    };
    view! {
        <div class="lens-evidence" data-testid="evidence">
            <dl class="lens-facts">
                <dt>"Formula"</dt>
                <dd data-testid="evidence-formula">{insight.formula.clone()}</dd>
                <dt>"Population"</dt>
                <dd data-testid="evidence-population">{population(&insight.population)}</dd>
                {reference_text.map(|text| view! { <dt>"Held against"</dt><dd>{text}</dd> })}
                {period.map(|text| view! { <dt>"Period"</dt><dd>{text}</dd> })}
                <dt>"Rows"</dt>
                <dd data-testid="evidence-row-count">{n_rows}</dd>
            </dl>
            <Show when=move || n_rows != 0>
                <div class="lens-table-wrap">
                    <table class="lens-table" data-testid="evidence-rows">
                        <thead>
                            <tr>
                                <th>"Record"</th>
                                <th>"Field"</th>
                                <th>"Old → new"</th>
                                <th>"When"</th>
                                <th>"Source"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {rows
                                .iter()
                                .take(SHOWN_ROWS)
                                .map(|row| {
                                    let change = match (&row.old_value, &row.new_value) {
                                        (Some(old), Some(new)) => format!("{old} → {new}"),
                                        (None, Some(new)) => new.clone(),
                                        (Some(old), None) => format!("{old} → (empty)"),
                                        (None, None) => String::new(),
                                    };
                                    let when = row
                                        .at
                                        .map(|at| at.to_string())
                                        .or_else(|| row.as_of.map(|d| format!("snapshot {d}")))
                                        .unwrap_or_default();
                                    view! {
                                        <tr>
                                            <td><code>{row.record_id.clone()}</code></td>
                                            <td>{row.field.clone().unwrap_or_default()}</td>
                                            <td>{change}</td>
                                            <td>{when}</td>
                                            <td>{format!("{}:{}", row.source_file, row.line)}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
                <p class="lens-small">
                    <Show when=move || n_hidden != 0>
                        {format!("{n_hidden} more rows not shown. ")}
                    </Show>
                    <button class="lens-link" data-testid="evidence-download" on:click=download.clone()>
                        {format!("Download all {n_rows} rows (CSV)")}
                    </button>
                    <span data-testid="evidence-note">{move || note.get()}</span>
                </p>
            </Show>
        </div>
    }
}

/// A file-name-safe form of an insight key.
fn safe_file_part(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
