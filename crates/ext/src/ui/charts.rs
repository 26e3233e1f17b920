//! SVG charts drawn from the core's chart numbers (`lens_core::insight::Chart`), each with a
//! table view whose rows open the evidence of the insight behind the point.
//!
//! One neutral hue throughout: magnitude is length; a decrease in a waterfall is drawn as an
//! outline of the same hue, never in a colour that says good or bad.

use std::sync::Arc;

use lens_core::analyst::ModulePage;
use lens_core::insight::render::value_in_unit;
use lens_core::insight::{Chart, ChartKind, ChartPoint};
use leptos::prelude::*;

use crate::ui::insights::evidence_view;

const WIDTH: f64 = 340.0;
const LABEL_WIDTH: f64 = 118.0;
const ROW_HEIGHT: f64 = 20.0;
const BAR_HEIGHT: f64 = 13.0;

/// One chart with a switch between the drawing and its table.
pub fn chart_view(chart: Chart, page: Arc<ModulePage>) -> impl IntoView {
    let as_table = RwSignal::new(false);
    let key = chart.key.clone();
    let title = chart.title.clone();
    let caption = chart.caption.clone();
    let drawing = svg_view(&chart);
    let table = table_view(&chart, &page);
    view! {
        <figure class="lens-chart" data-testid="chart" data-chart=key>
            <figcaption class="lens-chart-head">
                <span class="lens-chart-title">{title}</span>
                <button
                    class="lens-link"
                    data-testid="chart-toggle"
                    on:click=move |_| as_table.update(|t| *t = !*t)
                >
                    {move || if as_table.get() { "Chart" } else { "Table" }}
                </button>
            </figcaption>
            <div class:lens-hidden=move || as_table.get()>{drawing}</div>
            <div class:lens-hidden=move || !as_table.get()>{table}</div>
            <p class="lens-small lens-muted">{caption}</p>
        </figure>
    }
}

fn svg_view(chart: &Chart) -> impl IntoView + use<> {
    let (low, high) = extent(chart);
    let span = (high - low).max(f64::EPSILON);
    let plot = WIDTH - LABEL_WIDTH - 4.0;
    let x = move |value: f64| LABEL_WIDTH + (value - low) / span * plot;
    let height = ROW_HEIGHT * chart.points.len() as f64 + 4.0;
    let rows = chart
        .points
        .iter()
        .enumerate()
        .map(|(row, point)| {
            let y = 2.0 + ROW_HEIGHT * row as f64;
            // Totals of a waterfall (start 0) are drawn from the axis' low end.
            let from = if chart.kind == ChartKind::Waterfall && point.start == 0.0 { low } else { point.start };
            let to = point.start + point.value;
            let (left, right) = (x(from.min(to)), x(from.max(to)));
            let decrease = chart.kind == ChartKind::Waterfall && point.start != 0.0 && point.value < 0.0;
            let mark = point.high.map(|high| {
                let mark_x = x(high);
                view! {
                    <line
                        class="lens-chart-mark"
                        x1=mark_x
                        x2=mark_x
                        y1=y
                        y2=y + BAR_HEIGHT + 2.0
                    />
                }
            });
            let tooltip = point_text(chart, point);
            view! {
                <g>
                    <title>{tooltip}</title>
                    <text class="lens-chart-label" x=LABEL_WIDTH - 6.0 y=y + BAR_HEIGHT - 2.0 text-anchor="end">
                        {shorten(&point.label, 18)}
                    </text>
                    <rect
                        class="lens-chart-bar"
                        class:lens-chart-bar-decrease=decrease
                        x=left
                        y=y
                        width=(right - left).max(1.0)
                        height=BAR_HEIGHT
                    />
                    {mark}
                </g>
            }
        })
        .collect_view();
    let zero_x = x(low.max(0.0));
    let scale_low = value_in_unit(Some(low), &chart.unit);
    let scale_high = value_in_unit(Some(high), &chart.unit);
    let axis_y = height + 10.0;
    let height = height + 14.0;
    view! {
        <svg
            class="lens-chart-svg"
            viewBox=format!("0 0 {WIDTH} {height}")
            width="100%"
            role="img"
            aria-label=chart.title.clone()
        >
            <line class="lens-chart-axis" x1=zero_x x2=zero_x y1=0 y2=axis_y - 10.0 />
            {rows}
            <text class="lens-chart-scale" x=LABEL_WIDTH y=axis_y>{scale_low}</text>
            <text class="lens-chart-scale" x=WIDTH - 4.0 y=axis_y text-anchor="end">{scale_high}</text>
        </svg>
    }
}

fn table_view(chart: &Chart, page: &ModulePage) -> impl IntoView + use<> {
    let has_high = chart.points.iter().any(|point| point.high.is_some());
    let rows = chart
        .points
        .iter()
        .map(|point| {
            let value = value_in_unit(Some(point.value), &chart.unit);
            let high = point
                .high
                .map(|high| value_in_unit(Some(high), &chart.unit));
            let insight = point
                .insight_key
                .as_ref()
                .and_then(|key| page.insight(key))
                .cloned();
            let evidence = insight.map(|insight| {
                view! {
                    <details>
                        <summary class="lens-link">"Evidence"</summary>
                        {evidence_view(&insight)}
                    </details>
                }
            });
            view! {
                <tr data-testid="chart-row">
                    <td>{point.label.clone()}</td>
                    <td class="lens-num">{value}</td>
                    {has_high.then(|| view! { <td class="lens-num">{high.unwrap_or_default()}</td> })}
                    <td>{evidence}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="lens-table">
            <thead>
                <tr>
                    <th>"Label"</th>
                    <th>{if chart.kind == ChartKind::Range { "Median" } else { "Value" }}</th>
                    {has_high.then(|| view! { <th>"90th percentile"</th> })}
                    <th></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// The smallest and largest values the axis shows. Bars start at 0; a waterfall's axis spans its
/// levels (with a margin), since steps are small beside the totals; the scale is printed under it.
fn extent(chart: &Chart) -> (f64, f64) {
    let is_waterfall = chart.kind == ChartKind::Waterfall;
    let mut low = if is_waterfall { f64::INFINITY } else { 0.0 };
    let mut high = if is_waterfall { f64::NEG_INFINITY } else { 0.0 };
    for point in &chart.points {
        let ends = if is_waterfall && point.start == 0.0 {
            vec![point.value]
        } else {
            vec![point.start, point.start + point.value]
        };
        for value in ends.into_iter().chain(point.high) {
            low = low.min(value);
            high = high.max(value);
        }
    }
    if !low.is_finite() || !high.is_finite() {
        return (0.0, 1.0);
    }
    if is_waterfall {
        let margin = ((high - low) * 0.1).max(high.abs() * 0.001);
        low = (low - margin).max(0.0_f64.min(low));
        high += margin;
    }
    (low, high)
}

fn point_text(chart: &Chart, point: &ChartPoint) -> String {
    let value = value_in_unit(Some(point.value), &chart.unit);
    match point.high {
        Some(high) => format!(
            "{}: {value}; 90th percentile {}",
            point.label,
            value_in_unit(Some(high), &chart.unit)
        ),
        None => format!("{}: {value}", point.label),
    }
}

fn shorten(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let mut short: String = text.chars().take(max_chars - 1).collect();
    short.push('…');
    short
}
