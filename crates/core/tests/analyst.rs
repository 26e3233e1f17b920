//! The analyst the extension runs in a worker, on a real Salesforce export
//! (`../shared/data/salesforce-sample-opps-powerbi`): what it hands the panel is the analysis the
//! core computes, cut for the screen and nothing else: every module's insights with their first
//! evidence rows and the full count, every row of one insight on request, the same review pack.

use std::path::Path;

use lens_core::analyst::{Analyst, PanelSettings};
use lens_core::import::{ImportOptions, ImportReport, import_file};
use lens_core::insight::render::{
    csv_text, evidence_csv, listed_by_measure_on_screen, review_sheets,
};
use lens_core::insight::{Dataset, Insight, PageRecord, Settings, analyze, markdown};

const FILES: &[&str] = &[
    "salesforce-sample-opps-powerbi/Opportunity.csv",
    "salesforce-sample-opps-powerbi/OpportunityHistory.csv",
];
/// The export's own date (its latest modification), as `insight_rules.rs` analyses it.
const AS_OF: &str = "2026-03-07";
/// Evidence rows per insight on a module page (the exports are small, so the cut is too).
const ROWS: usize = 3;

fn reports() -> Vec<ImportReport> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    FILES
        .iter()
        .map(|file| {
            let bytes = std::fs::read(data.join(file)).unwrap();
            let mut report = import_file(file, &bytes, &ImportOptions::default()).unwrap();
            report.as_of.get_or_insert(AS_OF.parse().unwrap());
            report
        })
        .collect()
}

fn loaded() -> Analyst {
    let mut analyst = Analyst::default();
    analyst.add_all(reports());
    analyst
}

/// A module page lists the first findings about records and reps of each measure and counts them
/// all; the rest of a measure comes on request, in the analysis's order.
#[test]
fn a_module_page_lists_the_first_findings_of_each_measure_and_the_rest_on_request() {
    const PER_MEASURE: usize = 2;
    let mut analyst = loaded();
    analyst.analyze(&PanelSettings::default()).unwrap().unwrap();
    let analysis = analyst.analysis().unwrap().clone();
    let mut measures_cut = 0;
    for section in &analysis.sections {
        let page = analyst
            .module_page(section.module, ROWS, PER_MEASURE)
            .unwrap();
        let is_record = |i: &Insight| listed_by_measure_on_screen(i.subject.kind);
        // The other insights are all there, in order.
        let others: Vec<&str> = section
            .insights
            .iter()
            .filter(|i| !is_record(i))
            .map(|i| i.key.as_str())
            .collect();
        let shown_others: Vec<&str> = page
            .insights
            .iter()
            .filter(|s| !is_record(&s.insight))
            .map(|s| s.insight.key.as_str())
            .collect();
        assert_eq!(shown_others, others, "{:?}", section.module);
        // Each measure: its count, its first findings on the page, all of them on request.
        let mut measures: Vec<&str> = Vec::new();
        for insight in section.insights.iter().filter(|i| is_record(i)) {
            if !measures.contains(&insight.measure.as_str()) {
                measures.push(&insight.measure);
            }
        }
        assert_eq!(
            page.records
                .iter()
                .map(|m| m.measure.as_str())
                .collect::<Vec<_>>(),
            measures
        );
        for counted in &page.records {
            let all: Vec<&Insight> = section
                .insights
                .iter()
                .filter(|i| is_record(i) && i.measure == counted.measure)
                .collect();
            assert_eq!(counted.records, all.len(), "{}", counted.measure);
            let on_page: Vec<&str> = page
                .insights
                .iter()
                .filter(|s| is_record(&s.insight) && s.insight.measure == counted.measure)
                .map(|s| s.insight.key.as_str())
                .collect();
            let first: Vec<&str> = all
                .iter()
                .take(PER_MEASURE)
                .map(|i| i.key.as_str())
                .collect();
            assert_eq!(on_page, first);
            let requested = analyst
                .measure_insights(section.module, &counted.measure, ROWS)
                .unwrap();
            let keys: Vec<&str> = requested.iter().map(|s| s.insight.key.as_str()).collect();
            assert_eq!(keys, all.iter().map(|i| i.key.as_str()).collect::<Vec<_>>());
            assert!(requested.iter().all(|s| s.insight.evidence.len() <= ROWS));
            if all.len() > PER_MEASURE {
                measures_cut += 1;
            }
        }
        // A chart point still finds its insight, on the page or beside it.
        for key in page
            .charts
            .iter()
            .flat_map(|c| &c.points)
            .filter_map(|p| p.insight_key.as_deref())
        {
            assert!(page.insight(key).is_some(), "chart point {key}");
        }
    }
    assert!(
        measures_cut > 0,
        "no measure of this export has findings to cut"
    );
}

#[test]
fn the_summary_and_the_module_pages_are_the_analysis_cut_for_the_screen() {
    let mut dataset = Dataset::default();
    for report in reports() {
        dataset.add(report, AS_OF.parse().unwrap());
    }
    let expected = analyze(&dataset, &Settings::new(AS_OF.parse().unwrap())).unwrap();

    let mut analyst = loaded();
    let summary = analyst.analyze(&PanelSettings::default()).unwrap().unwrap();
    assert_eq!(summary.as_of.to_string(), AS_OF);
    assert_eq!(summary.period, expected.period.label);
    assert_eq!(
        summary.current_opportunities,
        expected.inputs.current.opportunities
    );
    assert_eq!(summary.insights, expected.insights().count());
    let modules: Vec<_> = expected.sections.iter().map(|s| s.module).collect();
    assert_eq!(summary.modules, modules);

    let mut cut_insights = 0;
    for section in &expected.sections {
        let page = analyst
            .module_page(section.module, ROWS, usize::MAX)
            .unwrap();
        let keys: Vec<&str> = page
            .insights
            .iter()
            .map(|s| s.insight.key.as_str())
            .collect();
        let expected_keys: Vec<&str> = section.insights.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, expected_keys, "{:?}", section.module);
        for (shown, full) in page.insights.iter().zip(&section.insights) {
            assert_eq!(shown.evidence_rows, full.evidence.len(), "{}", full.key);
            let first: Vec<_> = full.evidence.iter().take(ROWS).cloned().collect();
            assert_eq!(shown.insight.evidence, first, "{}", full.key);
            assert_eq!(shown.insight.formula, full.formula);
            assert_eq!(shown.insight.population, full.population);
            if full.evidence.len() > ROWS {
                cut_insights += 1;
            }
        }
        // Every chart point that opens an insight finds it on the page.
        let charts: Vec<_> = expected
            .charts
            .iter()
            .filter(|c| c.module == section.module)
            .collect();
        assert_eq!(page.charts.len(), charts.len());
        for key in charts
            .iter()
            .flat_map(|c| &c.points)
            .filter_map(|p| p.insight_key.as_deref())
        {
            assert!(
                page.insight(key).is_some(),
                "chart point {key} finds no insight"
            );
        }
    }
    assert!(
        cut_insights > 0,
        "no insight of this export has rows to cut"
    );

    // Every row on request, as the command line writes them.
    let widest = expected
        .insights()
        .max_by_key(|i| i.evidence.len())
        .unwrap();
    assert_eq!(
        analyst.evidence_csv(&widest.key).unwrap(),
        evidence_csv(&widest.evidence)
    );
    assert_eq!(analyst.evidence_csv("no.such.insight"), None);

    // The review pack is the command line's.
    assert_eq!(analyst.review_markdown().unwrap(), markdown(&expected));
    let sheets = review_sheets(&expected);
    assert_eq!(summary.sheets.len(), sheets.len());
    for (listed, sheet) in summary.sheets.iter().zip(&sheets) {
        assert_eq!(
            (listed.name.as_str(), listed.rows),
            (sheet.name.as_str(), sheet.rows.len())
        );
        let csv = analyst.review_csv(&sheet.name).unwrap();
        assert_eq!(csv, csv_text(&sheet.header, sheet.rows.iter().cloned()));
    }
    assert_eq!(summary.about, sheets[0].rows);
    assert_eq!(summary.sheets[0].title, "About this review");
}

#[test]
fn settings_and_data_changes_give_a_new_analysis() {
    let mut analyst = loaded();
    let first = analyst.analyze(&PanelSettings::default()).unwrap().unwrap();
    let pinned = PanelSettings {
        pinned_as_of: Some("2026-06-30".parse().unwrap()),
        ..PanelSettings::default()
    };
    let earlier = analyst.analyze(&pinned).unwrap().unwrap();
    assert_eq!(earlier.as_of.to_string(), "2026-06-30");
    assert_ne!(earlier, first);
    // The review pack follows the newest analysis.
    assert!(analyst.review_markdown().unwrap().contains("2026-06-30"));
    assert_eq!(
        analyst.analyze(&PanelSettings::default()).unwrap().unwrap(),
        first
    );

    // New data: the analysis made before is forgotten until the next one runs.
    analyst.add_all(reports());
    assert_eq!(analyst.data_summary().snapshots, 2);
    assert_eq!(analyst.review_markdown(), None);
    assert_eq!(analyst.module_page(first.modules[0], 20, 25), None);
}

#[test]
fn without_a_snapshot_there_is_nothing_to_analyse() {
    let mut analyst = Analyst::default();
    let page = PageRecord {
        record_id: Some("006A".to_string()),
        name: None,
        fields: Vec::new(),
    };
    assert_eq!(analyst.data_summary().snapshots, 0);
    assert_eq!(analyst.data_summary().latest_snapshot, None);
    assert_eq!(analyst.analyze(&PanelSettings::default()), None);
    assert_eq!(
        analyst.record(&PanelSettings::default(), "006A", &page, ROWS),
        None
    );
}

#[test]
fn the_record_view_comes_from_the_same_index() {
    let mut analyst = loaded();
    let id = analyst.dataset().snapshots[0].opportunities[0].id.clone();
    let page = PageRecord {
        record_id: Some(id.to_string()),
        name: None,
        fields: Vec::new(),
    };
    let shown = analyst
        .record(&PanelSettings::default(), &id, &page, ROWS)
        .unwrap()
        .unwrap();
    assert_eq!(shown.view.requested_id, id);
    assert_eq!(shown.view.record.as_ref().unwrap().record_id, id);

    // The same view as the core's, its positions cut like a module's insights.
    let mut dataset = Dataset::default();
    for report in reports() {
        dataset.add(report, AS_OF.parse().unwrap());
    }
    let index = lens_core::insight::Index::new(&dataset);
    let settings = Settings::new(AS_OF.parse().unwrap());
    let full = lens_core::insight::record_view(&index, &settings, &id, Some(&page)).unwrap();
    assert!(!full.positions.is_empty());
    assert!(shown.view.positions.is_empty());
    assert_eq!(shown.view.history, full.history);
    assert_eq!(shown.positions.len(), full.positions.len());
    for (cut, position) in shown.positions.iter().zip(&full.positions) {
        assert_eq!(cut.evidence_rows, position.evidence.len());
        assert_eq!(
            cut.insight.evidence.len(),
            position.evidence.len().min(ROWS)
        );
        // Its rows on request, though no module lists it.
        assert_eq!(
            analyst.evidence_csv(&position.key).unwrap(),
            evidence_csv(&position.evidence)
        );
    }
}
