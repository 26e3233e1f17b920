//! The Settings screen: the as-of date, the plan, the fiscal calendar, the reporting currency and
//! every threshold of the attention filters and the anomaly test, each with its neutral default
//! shown. Saving stores them and reruns the analysis; the core validates them and says which one
//! it cannot use.

use chrono::NaiveDate;
use lens_core::insight::Settings;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::ui::state::{Lens, PanelSettings};

#[component]
pub fn SettingsScreen() -> impl IntoView {
    let lens = expect_context::<Lens>();
    let draft = RwSignal::new(lens.settings.get_untracked());
    // A save elsewhere (another panel, a wipe) replaces the draft.
    Effect::new(move |_| draft.set(lens.settings.get()));
    let saved_note = RwSignal::new(String::new());
    let defaults = Settings::new(NaiveDate::default());

    let save = move |_| {
        let settings = draft.get_untracked();
        spawn_local(async move {
            let note = match lens.save_settings(settings).await {
                Ok(()) => "Saved; the screens now use these settings.".to_string(),
                Err(error) => format!("Not saved: {error}"),
            };
            saved_note.set(note);
        });
    };
    let reset = move |_| draft.set(PanelSettings::default());

    view! {
        <section class="lens-settings" data-testid="settings-screen">
            <h2 class="lens-section-title">"Settings"</h2>
            <p class="lens-small lens-muted">
                "Every threshold here is yours; Lens lists the records that match it and nothing more."
            </p>
            <label class="lens-field">
                <span>"As of (empty: the newest snapshot)"</span>
                <input type="date" data-testid="setting-as-of"
                    prop:value=move || draft.get().pinned_as_of.map(|d| d.to_string()).unwrap_or_default()
                    on:change=move |event| {
                        let text = event_target_value(&event);
                        draft.update(|d| d.pinned_as_of = text.parse().ok());
                    } />
            </label>
            {number_field(draft, "Plan for the period (empty: none)", "setting-plan", None,
                |d| d.analysis.plan.map(|p| p.to_string()).unwrap_or_default(),
                |d, text| d.analysis.plan = text.trim().parse().ok())}
            {number_field(draft, "Reporting currency (empty: the most common one)", "setting-currency", None,
                |d| d.analysis.currency.clone().unwrap_or_default(),
                |d, text| d.analysis.currency = Some(text.trim().to_uppercase()).filter(|c| !c.is_empty()))}
            {number_field(draft, "First month of the fiscal year (1–12)", "setting-fiscal-start",
                Some(defaults.fiscal_year_start_month.to_string()),
                |d| d.analysis.fiscal_year_start_month.to_string(),
                |d, text| if let Ok(v) = text.trim().parse() { d.analysis.fiscal_year_start_month = v })}
            {number_field(draft, "Stage age: days in stage above this percentile of the team's", "setting-stage-age",
                Some(defaults.stage_age_percentile.to_string()),
                |d| d.analysis.stage_age_percentile.to_string(),
                |d, text| if let Ok(v) = text.trim().parse() { d.analysis.stage_age_percentile = v })}
            {number_field(draft, "No activity for more than this many days", "setting-no-activity",
                Some(defaults.no_activity_days.to_string()),
                |d| d.analysis.no_activity_days.to_string(),
                |d, text| if let Ok(v) = text.trim().parse() { d.analysis.no_activity_days = v })}
            {number_field(draft, "Close date moved at least this many times", "setting-push-count",
                Some(defaults.push_count_at_least.to_string()),
                |d| d.analysis.push_count_at_least.to_string(),
                |d, text| if let Ok(v) = text.trim().parse() { d.analysis.push_count_at_least = v })}
            {number_field(draft, "Anomaly band: k × scaled MAD around the median", "setting-anomaly-k",
                Some(defaults.anomaly_k.to_string()),
                |d| d.analysis.anomaly_k.to_string(),
                |d, text| if let Ok(v) = text.trim().parse() { d.analysis.anomaly_k = v })}
            {number_field(draft, "Fewest earlier points before a series is tested", "setting-anomaly-min",
                Some(defaults.anomaly_min_points.to_string()),
                |d| d.analysis.anomaly_min_points.to_string(),
                |d, text| if let Ok(v) = text.trim().parse() { d.analysis.anomaly_min_points = v })}
            {number_field(draft, "Look-back for win rates, cycles and stage times (days)", "setting-lookback",
                Some(defaults.lookback_days.to_string()),
                |d| d.analysis.lookback_days.to_string(),
                |d, text| if let Ok(v) = text.trim().parse() { d.analysis.lookback_days = v })}
            {number_field(draft, "Control arm name of experiments", "setting-control-arm",
                Some(defaults.control_arm.clone()),
                |d| d.analysis.control_arm.clone(),
                |d, text| d.analysis.control_arm = text.trim().to_string())}
            <div class="lens-buttons">
                <button class="lens-primary" data-testid="settings-save" on:click=save>"Save"</button>
                <button data-testid="settings-reset" on:click=reset>"Back to the defaults"</button>
            </div>
            <p class="lens-small" data-testid="settings-note">{move || saved_note.get()}</p>
            {move || match lens.analysis.get() {
                Some(Err(error)) => Some(view! { <p class="lens-error-line" data-testid="settings-error">{error}</p> }),
                _ => None,
            }}
        </section>
    }
}

/// One labelled text field bound to a part of the draft, with its default when it has one.
fn number_field(
    draft: RwSignal<PanelSettings>,
    label: &'static str,
    test_id: &'static str,
    default: Option<String>,
    read: fn(&PanelSettings) -> String,
    write: fn(&mut PanelSettings, &str),
) -> impl IntoView {
    view! {
        <label class="lens-field">
            <span>
                {label}
                {default.map(|d| view! { <span class="lens-muted">{format!(" (default {d})")}</span> })}
            </span>
            <input type="text" data-testid=test_id
                prop:value=move || draft.with(read)
                on:change=move |event| {
                    let text = event_target_value(&event);
                    draft.update(|d| write(d, &text));
                } />
        </label>
    }
}
