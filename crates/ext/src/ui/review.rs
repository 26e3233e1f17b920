//! The Review screen: the analysis on screen as the monthly or QBR review pack, the same pack
//! `lens review` writes. Markdown for the whole review, one CSV per module (and the `about`
//! sheet), every insight with its value, formula, population, what was left out, reference and
//! period. Both are built by the core (`render::markdown`, `render::review_sheets`) in the analyst's
//! worker, and fetched when the user downloads them, so the panel
//! and the command line write the same text; the XLSX workbook is left to `lens review`, which
//! keeps a spreadsheet writer out of the panel's download.

use std::sync::Arc;

use lens_core::analyst::AnalysisSummary;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::analyst;
use crate::browser;
use crate::error::ExtError;
use crate::ui::module::analysis_or_reason;
use crate::ui::state::Lens;

#[component]
pub fn ReviewScreen() -> impl IntoView {
    let lens = expect_context::<Lens>();
    view! {
        <section class="lens-review" data-testid="review-screen">
            <h2 class="lens-section-title">"Review pack"</h2>
            {analysis_or_reason(lens, "review-no-data", |analysis| pack_view(analysis).into_any())}
        </section>
    }
}

fn pack_view(analysis: Arc<AnalysisSummary>) -> impl IntoView {
    let note = RwSignal::new(String::new());
    let download_markdown = move |_| {
        spawn_local(async move {
            let text = analyst::review_markdown().await;
            report(note, "review.md", text, "text/markdown");
        });
    };
    let rows = analysis
        .sheets
        .iter()
        .map(|sheet| {
            let n_rows = sheet.rows;
            let name = sheet.name.clone();
            let file_name = format!("review-{}.csv", sheet.name);
            let label = file_name.clone();
            let download = move |_| {
                let (name, file_name) = (name.clone(), file_name.clone());
                spawn_local(async move {
                    let text = analyst::review_csv(&name).await;
                    report(note, &file_name, text, "text/csv");
                });
            };
            view! {
                <tr data-testid="review-sheet" data-sheet=sheet.name.clone()>
                    <td>{sheet.title.clone()}</td>
                    <td class="lens-num">{n_rows}</td>
                    <td>
                        <button class="lens-link" data-testid="review-download-csv" on:click=download>{label}</button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="lens-small lens-muted">
            "Every module's insights with their formula, population and what was left out. "
            "The same pack as "<code>"lens review"</code>" on the same files, which also writes it as an XLSX workbook."
        </p>
        <dl class="lens-facts" data-testid="review-about">
            {analysis.about.iter().map(|row| {
                let name = row.first().cloned().unwrap_or_default();
                let value = row.get(1).cloned().unwrap_or_default();
                view! { <dt>{name}</dt><dd>{value}</dd> }
            }).collect_view()}
        </dl>
        <div class="lens-buttons">
            <button class="lens-primary" data-testid="review-download-markdown" on:click=download_markdown>
                "Download the review (Markdown)"
            </button>
        </div>
        <table class="lens-table" data-testid="review-sheets">
            <thead><tr><th>"Section"</th><th class="lens-num">"Rows"</th><th>"CSV"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <p class="lens-small" data-testid="review-note">{move || note.get()}</p>
    }
}

/// Offers the analyst's text as a download and tells the user what became of it.
fn report(
    note: RwSignal<String>,
    file_name: &str,
    text: Result<Option<String>, ExtError>,
    mime: &str,
) {
    let written = match text {
        Ok(Some(text)) => browser::download_text(file_name, mime, &text),
        Ok(None) => {
            note.set(format!(
                "{file_name} was not written: the analysis changed since this screen was drawn."
            ));
            return;
        }
        Err(error) => Err(error),
    };
    note.set(match written {
        Ok(()) => format!("{file_name} written to your downloads."),
        Err(error) => format!("{file_name} could not be written: {error}"),
    });
}
