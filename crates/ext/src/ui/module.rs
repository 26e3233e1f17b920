//! One screen per module of the analysis (Cockpit, Forecast, Hygiene, Evidence, Patterns and the
//! modules that follow): what the analysis was run on, the module's charts, then its insights.

use std::sync::Arc;

use lens_core::insight::{Analysis, Module};
use leptos::prelude::*;

use crate::ui::charts::chart_view;
use crate::ui::insights::section_view;
use crate::ui::state::Lens;

#[component]
pub fn ModuleScreen(module: Module) -> impl IntoView {
    let lens = expect_context::<Lens>();
    view! {
        <section class="lens-module" data-testid="module-screen" data-module=format!("{module:?}")>
            {analysis_or_reason(lens, "module-no-data", move |analysis| {
                let inputs = &analysis.inputs;
                let basis = format!(
                    "As of {} · {} · {} snapshot{} · current {} ({} opportunities){}",
                    analysis.settings.as_of,
                    analysis.period.label,
                    inputs.snapshots.len(),
                    if inputs.snapshots.len() == 1 { "" } else { "s" },
                    inputs.current.as_of,
                    inputs.current.opportunities,
                    analysis.currency.as_ref().map(|c| format!(" · amounts in {c}")).unwrap_or_default(),
                );
                let charts = analysis
                    .charts
                    .iter()
                    .filter(|chart| chart.module == module)
                    .cloned()
                    .map(|chart| chart_view(chart, analysis.clone()))
                    .collect_view();
                let section = analysis.sections.iter().find(|s| s.module == module).map(section_view);
                view! {
                    <p class="lens-small lens-muted" data-testid="analysis-basis">{basis}</p>
                    {charts}
                    {section}
                }
                .into_any()
            })}
        </section>
    }
}

/// The analysis on screen rendered by `render`, or the one line that says why there is none
/// (nothing imported yet, or the error the analysis gave).
pub fn analysis_or_reason(
    lens: Lens,
    no_data_test_id: &'static str,
    render: impl Fn(Arc<Analysis>) -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    move || match lens.analysis.get() {
        None => view! {
            <p class="lens-muted" data-testid=no_data_test_id>
                "No opportunity snapshot imported yet: import a report on the Import tab."
            </p>
        }
        .into_any(),
        Some(Err(error)) => view! { <p class="lens-error-line">{error}</p> }.into_any(),
        Some(Ok(analysis)) => render(analysis),
    }
}
