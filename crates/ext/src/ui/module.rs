//! One screen per module of the analysis (Cockpit, Forecast, Hygiene, Evidence, Patterns and the
//! modules that follow): what the analysis was run on, the module's charts, then its insights.

use lens_core::insight::Module;
use leptos::prelude::*;

use crate::ui::charts::chart_view;
use crate::ui::insights::section_view;
use crate::ui::state::Lens;

#[component]
pub fn ModuleScreen(module: Module) -> impl IntoView {
    let lens = expect_context::<Lens>();
    view! {
        <section class="lens-module" data-testid="module-screen" data-module=format!("{module:?}")>
            {move || match lens.analysis.get() {
                None => view! {
                    <p class="lens-muted" data-testid="module-no-data">
                        "No opportunity snapshot imported yet: import a report on the Import tab."
                    </p>
                }
                .into_any(),
                Some(Err(error)) => view! { <p class="lens-error-line">{error}</p> }.into_any(),
                Some(Ok(analysis)) => {
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
                }
            }}
        </section>
    }
}
