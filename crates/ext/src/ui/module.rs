//! One screen per module of the analysis (Cockpit, Forecast, Hygiene, Evidence, Patterns and the
//! modules that follow): what the analysis was run on, the module's charts, then its insights.
//! The screen asks the analyst for its module's page each time a new analysis arrives.

use std::sync::Arc;

use lens_core::analyst::{AnalysisSummary, ModulePage};
use lens_core::insight::Module;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::analyst;
use crate::ui::charts::chart_view;
use crate::ui::insights::{SHOWN_RECORDS, SHOWN_ROWS, section_view};
use crate::ui::state::Lens;

#[component]
pub fn ModuleScreen(module: Module) -> impl IntoView {
    let lens = expect_context::<Lens>();
    let page: RwSignal<Option<Result<Arc<ModulePage>, String>>> = RwSignal::new(None);
    let asked = StoredValue::new(0_u64);
    Effect::new(move |_| {
        let analysed = matches!(lens.analysis.get(), Some(Ok(_)));
        asked.update_value(|count| *count += 1);
        let this = asked.get_value();
        page.set(None);
        if !analysed {
            return;
        }
        spawn_local(async move {
            let answer = match analyst::module_page(module, SHOWN_ROWS, SHOWN_RECORDS).await {
                Ok(Some(found)) => Ok(Arc::new(found)),
                Ok(None) => Err("The analysis changed; this module is read again.".to_string()),
                Err(error) => Err(error.to_string()),
            };
            if asked.get_value() == this {
                page.set(Some(answer));
            }
        });
    });
    view! {
        <section class="lens-module" data-testid="module-screen" data-module=format!("{module:?}")>
            {analysis_or_reason(lens, "module-no-data", move |analysis| {
                view! {
                    <p class="lens-small lens-muted" data-testid="analysis-basis">{basis(&analysis)}</p>
                    {move || match page.get() {
                        None => view! { <p class="lens-muted lens-small">"Reading this module…"</p> }.into_any(),
                        Some(Err(error)) => view! { <p class="lens-error-line">{error}</p> }.into_any(),
                        Some(Ok(page)) => {
                            let charts = page
                                .charts
                                .iter()
                                .cloned()
                                .map(|chart| chart_view(chart, page.clone()))
                                .collect_view();
                            view! {
                                {charts}
                                {section_view(&page)}
                            }
                            .into_any()
                        }
                    }}
                }
                .into_any()
            })}
        </section>
    }
}

/// What the analysis was run on, in one line.
fn basis(analysis: &AnalysisSummary) -> String {
    format!(
        "As of {} · {} · {} snapshot{} · current {} ({} opportunities){}",
        analysis.as_of,
        analysis.period,
        analysis.snapshots,
        if analysis.snapshots == 1 { "" } else { "s" },
        analysis.current_as_of,
        analysis.current_opportunities,
        analysis
            .currency
            .as_ref()
            .map(|c| format!(" · amounts in {c}"))
            .unwrap_or_default(),
    )
}

/// The analysis on screen rendered by `render`, or the one line that says why there is none
/// (nothing imported yet, or the error the analysis gave).
pub fn analysis_or_reason(
    lens: Lens,
    no_data_test_id: &'static str,
    render: impl Fn(Arc<AnalysisSummary>) -> AnyView + Send + Sync + 'static,
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
