//! The Settings screen: the as-of date, the plan, the fiscal calendar, the reporting currency and
//! every threshold of the attention filters and the anomaly test, each with its neutral default
//! shown; then the lists the user enters: targets by segment, the GTM programs' baselines and
//! targets, and the experiments' pre-registered conditions. Saving stores them and reruns the
//! analysis; the core validates them and says which one it cannot use.

use chrono::NaiveDate;
use lens_core::insight::{
    ConditionTest, ExperimentCondition, ProgramMetric, ProgramTarget, SegmentTarget, Settings,
};
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
            {segment_targets_editor(draft)}
            {program_targets_editor(draft)}
            {experiment_conditions_editor(draft)}
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

/// A list of entries among the settings, edited as table rows.
trait ListSetting: Sized + 'static {
    fn list(settings: &Settings) -> &Vec<Self>;
    fn list_mut(settings: &mut Settings) -> &mut Vec<Self>;
}

impl ListSetting for SegmentTarget {
    fn list(settings: &Settings) -> &Vec<Self> {
        &settings.segment_targets
    }
    fn list_mut(settings: &mut Settings) -> &mut Vec<Self> {
        &mut settings.segment_targets
    }
}

impl ListSetting for ProgramTarget {
    fn list(settings: &Settings) -> &Vec<Self> {
        &settings.program_targets
    }
    fn list_mut(settings: &mut Settings) -> &mut Vec<Self> {
        &mut settings.program_targets
    }
}

impl ListSetting for ExperimentCondition {
    fn list(settings: &Settings) -> &Vec<Self> {
        &settings.experiment_conditions
    }
    fn list_mut(settings: &mut Settings) -> &mut Vec<Self> {
        &mut settings.experiment_conditions
    }
}

/// A text cell of a list row, bound to one part of the row's entry.
fn text_cell<T: ListSetting>(
    draft: RwSignal<PanelSettings>,
    index: usize,
    label: &'static str,
    test_id: &'static str,
    read: fn(&T) -> String,
    write: fn(&mut T, &str),
) -> impl IntoView {
    view! {
        <label class="lens-list-cell">
            <span>{label}</span>
            <input type="text" data-testid=test_id
                prop:value=move || draft.with(|d| T::list(&d.analysis).get(index).map(read).unwrap_or_default())
                on:change=move |event| {
                    let text = event_target_value(&event);
                    draft.update(|d| {
                        if let Some(entry) = T::list_mut(&mut d.analysis).get_mut(index) {
                            write(entry, &text);
                        }
                    });
                } />
        </label>
    }
}

/// A choice cell of a list row: `choices` are (key, label) pairs.
fn choice_cell<T: ListSetting>(
    draft: RwSignal<PanelSettings>,
    index: usize,
    label: &'static str,
    test_id: &'static str,
    choices: Vec<(&'static str, &'static str)>,
    read: fn(&T) -> &'static str,
    write: fn(&mut T, &str),
) -> impl IntoView {
    let current = move || {
        draft.with(|d| {
            T::list(&d.analysis)
                .get(index)
                .map(read)
                .unwrap_or_default()
        })
    };
    view! {
        <label class="lens-list-cell">
            <span>{label}</span>
            <select data-testid=test_id on:change=move |event| {
                let key = event_target_value(&event);
                draft.update(|d| {
                    if let Some(entry) = T::list_mut(&mut d.analysis).get_mut(index) {
                        write(entry, &key);
                    }
                });
            }>
                {choices.into_iter().map(|(key, label)| view! {
                    <option value=key prop:selected=move || current() == key>{label}</option>
                }).collect_view()}
            </select>
        </label>
    }
}

/// A list of entries edited as table rows, with "Add" and "Remove".
fn list_editor<T: ListSetting>(
    draft: RwSignal<PanelSettings>,
    title: &'static str,
    note: &'static str,
    test_id: &'static str,
    new_entry: fn() -> T,
    row: fn(RwSignal<PanelSettings>, usize) -> AnyView,
) -> impl IntoView {
    let count = Memo::new(move |_| draft.with(|d| T::list(&d.analysis).len()));
    view! {
        <h3 class="lens-subtitle">{title}</h3>
        <p class="lens-small lens-muted">{note}</p>
        <div class="lens-list-editor" data-testid=test_id>
            {move || (0..count.get()).map(|index| view! {
                <div class="lens-list-row" data-testid="setting-row">
                    {row(draft, index)}
                    <button class="lens-link lens-list-remove" data-testid="setting-remove" on:click=move |_| {
                        draft.update(|d| {
                            let entries = T::list_mut(&mut d.analysis);
                            if index < entries.len() {
                                entries.remove(index);
                            }
                        });
                    }>"Remove"</button>
                </div>
            }).collect_view()}
        </div>
        <button class="lens-link" data-testid=format!("{test_id}-add")
            on:click=move |_| draft.update(|d| T::list_mut(&mut d.analysis).push(new_entry()))>
            "Add"
        </button>
    }
}

fn segment_targets_editor(draft: RwSignal<PanelSettings>) -> impl IntoView {
    list_editor(
        draft,
        "Targets by segment",
        "The territory screen reads capacity and coverage against these; without one a segment's coverage is undefined.",
        "setting-segment-targets",
        || SegmentTarget {
            segment: String::new(),
            target: 0.0,
        },
        |draft, index| {
            view! {
                {text_cell::<SegmentTarget>(draft, index, "Segment", "segment-name", |t| t.segment.clone(), |t, text| t.segment = text.trim().to_string())}
                {text_cell::<SegmentTarget>(draft, index, "Target", "segment-target", |t| number_text(t.target), |t, text| if let Some(v) = parse_number(text) { t.target = v })}
            }
            .into_any()
        },
    )
}

fn program_targets_editor(draft: RwSignal<PanelSettings>) -> impl IntoView {
    list_editor(
        draft,
        "GTM program baselines and targets",
        "Rates as shares (0.19 for 19%), durations in days. An empty program applies to every program.",
        "setting-program-targets",
        || ProgramTarget {
            program: None,
            metric: ProgramMetric::PilotStartRate,
            baseline: 0.0,
            target: 0.0,
        },
        |draft, index| {
            view! {
                {text_cell::<ProgramTarget>(draft, index, "Program", "program-name", |t| t.program.clone().unwrap_or_default(), |t, text| t.program = Some(text.trim().to_string()).filter(|p| !p.is_empty()))}
                {choice_cell::<ProgramTarget>(draft, index, "Metric", "program-metric", metric_choices(), |t| t.metric.key(), |t, key| if let Some(m) = metric_of(key) { t.metric = m })}
                {text_cell::<ProgramTarget>(draft, index, "Baseline", "program-baseline", |t| number_text(t.baseline), |t, text| if let Some(v) = parse_number(text) { t.baseline = v })}
                {text_cell::<ProgramTarget>(draft, index, "Target", "program-target", |t| number_text(t.target), |t, text| if let Some(v) = parse_number(text) { t.target = v })}
            }
            .into_any()
        },
    )
}

fn experiment_conditions_editor(draft: RwSignal<PanelSettings>) -> impl IntoView {
    list_editor(
        draft,
        "Experiment conditions",
        "Registered before the readout; each readout says which of them hold. An empty experiment applies to every experiment.",
        "setting-experiment-conditions",
        || ExperimentCondition {
            experiment: None,
            metric: ProgramMetric::PilotStartRate,
            test: ConditionTest::RelativeLiftAtLeast { value: 0.0 },
        },
        |draft, index| {
            view! {
                {text_cell::<ExperimentCondition>(draft, index, "Experiment", "condition-experiment", |c| c.experiment.clone().unwrap_or_default(), |c, text| c.experiment = Some(text.trim().to_string()).filter(|e| !e.is_empty()))}
                {choice_cell::<ExperimentCondition>(draft, index, "Metric", "condition-metric", metric_choices(), |c| c.metric.key(), |c, key| if let Some(m) = metric_of(key) { c.metric = m })}
                {choice_cell::<ExperimentCondition>(draft, index, "Condition", "condition-kind", ConditionTest::KINDS.to_vec(), |c| c.test.kind_key(), |c, key| {
                    let threshold = c.test.threshold();
                    if let Some(test) = ConditionTest::from_kind(key, threshold).or_else(|| ConditionTest::from_kind(key, 0.0)) { c.test = test }
                })}
                {text_cell::<ExperimentCondition>(draft, index, "Value", "condition-value", |c| number_text(c.test.threshold()), |c, text| {
                    if let Some(test) = parse_number(text).and_then(|v| ConditionTest::from_kind(c.test.kind_key(), v)) { c.test = test }
                })}
            }
            .into_any()
        },
    )
}

fn metric_choices() -> Vec<(&'static str, &'static str)> {
    ProgramMetric::ALL
        .iter()
        .map(|metric| (metric.key(), metric.label()))
        .collect()
}

fn metric_of(key: &str) -> Option<ProgramMetric> {
    ProgramMetric::ALL
        .into_iter()
        .find(|metric| metric.key() == key)
}

fn number_text(value: f64) -> String {
    value.to_string()
}

/// A number as typed: spaces and thousands commas ignored.
fn parse_number(text: &str) -> Option<f64> {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',')
        .collect();
    cleaned
        .parse::<f64>()
        .ok()
        .filter(|value| value.is_finite())
}
