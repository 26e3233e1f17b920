//! How one insight is shown, and how every number opens its evidence: the formula, the
//! population (with what was left out and why), the reference, the period and the rows behind it
//! (the first [`SHOWN_ROWS`] on screen, all of them as CSV).

use lens_core::analyst::{ModulePage, ShownInsight};
use lens_core::insight::render::{
    display_groups, group_title, heading, listed_by_measure_on_screen, population, reference,
    sentence, value_in_unit,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::analyst;
use crate::browser;

/// Evidence rows listed on screen before the "download all" link (the analyst sends no more).
pub const SHOWN_ROWS: usize = 20;
/// Findings about records or reps of each measure a module page carries; "Show N more" asks the
/// analyst for the rest.
pub const SHOWN_RECORDS: usize = 25;

/// Where the rest of a measure's findings stand.
#[derive(Debug, Clone, PartialEq)]
enum Rest {
    NotAsked,
    Reading,
    Shown,
    Failed(String),
}

/// A module's insights: summary findings first, then the findings about records and reps grouped
/// by measure, each group with the first [`SHOWN_RECORDS`] and the rest on request.
pub fn section_view(page: &ModulePage) -> AnyView {
    let insights = &page.insights;
    let groups = display_groups(insights, listed_by_measure_on_screen);
    if insights.is_empty() {
        return view! { <p class="lens-muted">"Nothing to describe in this data."</p> }.into_any();
    }
    let summary = groups
        .summary
        .into_iter()
        .map(|insight| insight_view(insight.clone()))
        .collect_view();
    let module = page.module;
    let by_measure = groups
        .by_measure
        .into_iter()
        .map(|(measure, list)| {
            let total = page.records_of(measure).max(list.len());
            let kind = list[0].insight.subject.kind;
            let title = group_title(measure, kind, total);
            let n_more = total - list.len();
            let shown = RwSignal::new(list.into_iter().cloned().collect::<Vec<ShownInsight>>());
            let rest = RwSignal::new(Rest::NotAsked);
            let measure = measure.to_string();
            let ask = {
                let measure = measure.clone();
                move |_| {
                    if rest.get_untracked() == Rest::Reading {
                        return;
                    }
                    rest.set(Rest::Reading);
                    let measure = measure.clone();
                    spawn_local(async move {
                        match analyst::measure_insights(module, &measure, SHOWN_ROWS).await {
                            Ok(Some(all)) => {
                                shown.set(all);
                                rest.set(Rest::Shown);
                            }
                            Ok(None) => rest.set(Rest::Failed(
                                "The analysis changed since this screen was drawn; open the module again."
                                    .to_string(),
                            )),
                            Err(error) => rest.set(Rest::Failed(error.to_string())),
                        }
                    });
                }
            };
            view! {
                <details class="lens-group" data-testid="insight-group" data-measure=measure>
                    <summary class="lens-group-title">{title}</summary>
                    <ul class="lens-insights">
                        {move || shown.get().into_iter().map(insight_view).collect_view()}
                    </ul>
                    {move || match rest.get() {
                        Rest::Shown => None,
                        _ if n_more == 0 => None,
                        Rest::Reading => Some(view! {
                            <p class="lens-muted lens-small">{format!("Reading {n_more} more…")}</p>
                        }.into_any()),
                        Rest::NotAsked => Some(view! {
                            <button class="lens-link" on:click=ask.clone()>
                                {format!("Show {n_more} more")}
                            </button>
                        }.into_any()),
                        // What went wrong, and the button again.
                        Rest::Failed(error) => Some(view! {
                            <p class="lens-error-line">{error}</p>
                            <button class="lens-link" on:click=ask.clone()>
                                {format!("Show {n_more} more")}
                            </button>
                        }.into_any()),
                    }}
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

/// One insight: its value and text; opening it shows the evidence, drawn the first time it is
/// opened (a module lists hundreds of insights, each with up to [`SHOWN_ROWS`] rows, and most are
/// never opened).
pub fn insight_view(shown: ShownInsight) -> impl IntoView {
    let insight = &shown.insight;
    let value = value_in_unit(insight.value, &insight.unit);
    let raw_value = insight.value.map(|v| v.to_string()).unwrap_or_default();
    let key = insight.key.clone();
    let subject = heading(insight);
    let text = sentence(insight);
    let opened = RwSignal::new(false);
    view! {
        <li class="lens-insight" data-testid="insight" data-key=key data-value=raw_value>
            // Closed at first, so the first toggle opens it.
            <details on:toggle=move |_| opened.set(true)>
                <summary>
                    <span class="lens-insight-subject">{subject}</span>
                    <span class="lens-insight-value" data-testid="insight-value">{value}</span>
                    <span class="lens-insight-text">{text}</span>
                </summary>
                {move || opened.get().then(|| evidence_view(&shown))}
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
                                        (None, Some(new)) => new.to_string(),
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
                                            <td><code>{row.record_id.to_string()}</code></td>
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
