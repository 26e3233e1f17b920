//! The Review screen: the analysis on screen as the monthly or QBR review pack, the same pack
//! `lens review` writes. Markdown for the whole review, one CSV per module (and the `about`
//! sheet), every insight with its value, formula, population, what was left out, reference and
//! period. Both are built by the core (`render::markdown`, `render::review_sheets`), so the panel
//! and the command line write the same text; the XLSX workbook is left to `lens review`, which
//! keeps a spreadsheet writer out of the panel's download.

use std::sync::Arc;

use lens_core::insight::Analysis;
use lens_core::insight::render::{csv_text, markdown, review_sheets};
use leptos::prelude::*;

use crate::browser;
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

fn pack_view(analysis: Arc<Analysis>) -> impl IntoView {
    let note = RwSignal::new(String::new());
    let sheets = review_sheets(&analysis);
    let about = sheets
        .iter()
        .find(|sheet| sheet.name == "about")
        .map(|sheet| sheet.rows.clone())
        .unwrap_or_default();
    let markdown_analysis = analysis.clone();
    let download_markdown = move |_| {
        let text = markdown(&markdown_analysis);
        report(
            note,
            "review.md",
            browser::download_text("review.md", "text/markdown", &text),
        );
    };
    let rows = sheets
        .into_iter()
        .map(|sheet| {
            let title = analysis
                .sections
                .iter()
                .find(|section| section.module.key() == sheet.name)
                .map_or_else(|| "About this review".to_string(), |section| section.module.title().to_string());
            let n_rows = sheet.rows.len();
            let name = sheet.name.clone();
            let file_name = format!("review-{}.csv", sheet.name);
            let label = file_name.clone();
            let download = move |_| {
                let text = csv_text(&sheet.header, sheet.rows.iter().cloned());
                report(note, &file_name, browser::download_text(&file_name, "text/csv", &text));
            };
            view! {
                <tr data-testid="review-sheet" data-sheet=name>
                    <td>{title}</td>
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
            {about.into_iter().map(|row| {
                let mut cells = row.into_iter();
                let name = cells.next().unwrap_or_default();
                let value = cells.next().unwrap_or_default();
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

/// Tells the user what became of a download.
fn report(note: RwSignal<String>, file_name: &str, result: Result<(), crate::error::ExtError>) {
    note.set(match result {
        Ok(()) => format!("{file_name} written to your downloads."),
        Err(error) => format!("{file_name} could not be written: {error}"),
    });
}
