//! The chart numbers: the open-pipeline waterfall worked out by hand on two small snapshots, and
//! the re-plotted insight charts pointing at their insights.

use chrono::NaiveDate;
use lens_core::import::{ImportOptions, import_file};
use lens_core::insight::{ChartKind, Dataset, Settings, analyze, lexicon};

const HEADER: &str =
    "Opportunity ID,Opportunity Name,Stage,Amount,Currency,Close Date,Forecast Category\n";

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn snapshot(dataset: &mut Dataset, as_of: &str, rows: &[&str]) {
    let text = format!("{HEADER}{}\n", rows.join("\n"));
    let report = import_file(
        &format!("opps-{as_of}.csv"),
        text.as_bytes(),
        &ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(report.rejected, vec![], "{as_of}");
    dataset.add(report, date(as_of));
}

#[test]
fn waterfall_steps_add_up_to_the_change_of_open_pipeline() {
    let mut dataset = Dataset::default();
    snapshot(
        &mut dataset,
        "2026-11-06",
        &[
            "A,Stays,Prospecting,100,USD,2026-12-01,Pipeline",
            "B,Grows,Prospecting,200,USD,2026-12-01,Pipeline",
            "C,Shrinks,Prospecting,300,USD,2026-12-01,Pipeline",
            "D,Wins,Negotiation,400,USD,2026-12-01,Commit",
            "E,Loses,Negotiation,500,USD,2026-12-01,Commit",
            "F,Disappears,Prospecting,600,USD,2026-12-01,Pipeline",
            "G,Euro deal,Prospecting,700,EUR,2026-12-01,Pipeline",
            "H,Reopens,Closed Lost,800,USD,2026-10-01,Omitted",
        ],
    );
    snapshot(
        &mut dataset,
        "2026-11-13",
        &[
            "A,Stays,Prospecting,100,USD,2026-12-01,Pipeline",
            "B,Grows,Prospecting,250,USD,2026-12-01,Pipeline",
            "C,Shrinks,Prospecting,120,USD,2026-12-01,Pipeline",
            "D,Wins,Closed Won,400,USD,2026-11-10,Closed",
            "E,Loses,Closed Lost,500,USD,2026-11-10,Omitted",
            "G,Euro deal,Prospecting,900,EUR,2026-12-01,Pipeline",
            "H,Reopens,Prospecting,850,USD,2026-12-20,Pipeline",
            "I,New,Prospecting,1000,USD,2026-12-20,Pipeline",
        ],
    );
    let mut settings = Settings::new(date("2026-11-13"));
    settings.currency = Some("USD".into());
    let analysis = analyze(&dataset, &settings).unwrap();
    let chart = analysis
        .charts
        .iter()
        .find(|chart| chart.key == "cockpit.pipeline_waterfall")
        .expect("a waterfall when there are two snapshots");
    assert_eq!(chart.kind, ChartKind::Waterfall);
    let steps: Vec<(&str, f64, f64)> = chart
        .points
        .iter()
        .map(|point| (point.label.as_str(), point.start, point.value))
        .collect();
    // Open USD before: A 100 + B 200 + C 300 + D 400 + E 500 + F 600 = 2,100.
    // After: A 100 + B 250 + C 120 + H 850 + I 1,000 = 2,320.
    assert_eq!(
        steps,
        vec![
            ("2026-11-06", 0.0, 2100.0),
            ("Added", 2100.0, 1000.0),
            ("Reopened", 3100.0, 850.0),
            ("Amount up", 3950.0, 50.0),
            ("Amount down", 4000.0, -180.0),
            ("Won", 3820.0, -400.0),
            ("Lost", 3420.0, -500.0),
            ("Removed", 2920.0, -600.0),
            ("2026-11-13", 0.0, 2320.0),
        ]
    );
    assert!(
        chart
            .caption
            .contains("1 deal in another currency left out"),
        "{}",
        chart.caption
    );
    assert_eq!(lexicon::violations(&chart.caption), Vec::<&str>::new());
    // Every step that has evidence names an insight of the analysis.
    for point in &chart.points {
        if let Some(key) = &point.insight_key
            && point.value != 0.0
        {
            assert!(
                analysis.insights().any(|insight| &insight.key == key),
                "{key}"
            );
        }
    }
}

#[test]
fn one_snapshot_gives_no_waterfall() {
    let mut dataset = Dataset::default();
    snapshot(
        &mut dataset,
        "2026-11-13",
        &["A,Stays,Prospecting,100,USD,2026-12-01,Pipeline"],
    );
    let analysis = analyze(&dataset, &Settings::new(date("2026-11-13"))).unwrap();
    assert!(
        analysis
            .charts
            .iter()
            .all(|chart| chart.key != "cockpit.pipeline_waterfall")
    );
}
