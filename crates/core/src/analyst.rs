//! The analyst: the data set, its index and the newest analysis, held in one place and asked
//! questions whose answers are small enough to hand to a screen.
//!
//! The extension runs it in a worker (`lens-worker`), away from the panel's thread: the data set
//! of a district or a region, its index and an analysis with hundreds of thousands of evidence
//! rows stay there, and the panel receives what it shows: the record's view, a summary of the
//! analysis (its basis, its modules, the review pack's sheets), one module at a time with the
//! first rows of each insight's evidence, and on request every row of one insight or a file of
//! the review pack.
//!
//! ```
//! use lens_core::analyst::{Analyst, PanelSettings};
//! use lens_core::import::{import_file, ImportOptions};
//!
//! let export = "Opportunity ID,Opportunity Name,Stage,Amount,Close Date,Created Date,Opportunity Owner\n\
//!               006A,Acme,Prospecting,1000,12/31/2026,10/01/2026,Morgan Ellis\n";
//! let mut report = import_file("pipeline.csv", export.as_bytes(), &ImportOptions::default()).unwrap();
//! report.as_of = Some("2026-11-13".parse().unwrap());
//!
//! let mut analyst = Analyst::default();
//! analyst.add_all(vec![report]);
//! assert_eq!(analyst.data_summary().snapshots, 1);
//! let summary = analyst.analyze(&PanelSettings::default()).unwrap().unwrap();
//! assert_eq!(summary.as_of.to_string(), "2026-11-13");
//! let page = analyst.module_page(summary.modules[0], 20, 25).unwrap();
//! assert!(!page.insights.is_empty());
//! ```

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::import::ImportReport;
use crate::insight::render::{
    csv_text, evidence_csv, listed_by_measure_on_screen, markdown, review_sheets,
};
use crate::insight::{
    Analysis, Chart, Dataset, Index, Insight, Module, PageRecord, RecordView, Settings,
    analyze_indexed, record_view,
};

/// The settings the user edits; the as-of date follows the newest snapshot unless pinned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PanelSettings {
    /// A pinned as-of date; `None` = the newest imported snapshot.
    pub pinned_as_of: Option<NaiveDate>,
    /// Every other setting (its `as_of` is replaced when the analysis runs).
    pub analysis: Settings,
}

impl Default for PanelSettings {
    fn default() -> Self {
        PanelSettings {
            pinned_as_of: None,
            analysis: Settings::new(NaiveDate::default()),
        }
    }
}

impl PanelSettings {
    /// The settings an analysis of `dataset` runs with, or `None` when there is no snapshot to date it.
    pub fn resolve(&self, dataset: &Dataset) -> Option<Settings> {
        let as_of = self.pinned_as_of.or_else(|| dataset.latest_snapshot())?;
        let mut settings = self.analysis.clone();
        settings.as_of = as_of;
        Some(settings)
    }
}

self_cell::self_cell!(
    /// A data set and its index (snapshots merged, history grouped by record), built once each
    /// time the data changes and shared by the analysis and the record view, so that moving to
    /// another record does not index the data again.
    pub struct IndexedDataset {
        owner: Dataset,
        #[covariant]
        dependent: Index,
    }
);

impl IndexedDataset {
    pub fn build(dataset: Dataset) -> IndexedDataset {
        IndexedDataset::new(dataset, |dataset| Index::new(dataset))
    }

    pub fn dataset(&self) -> &Dataset {
        self.borrow_owner()
    }

    pub fn index(&self) -> &Index<'_> {
        self.borrow_dependent()
    }
}

impl Default for IndexedDataset {
    fn default() -> Self {
        IndexedDataset::build(Dataset::default())
    }
}

impl std::fmt::Debug for IndexedDataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexedDataset")
            .field("snapshots", &self.dataset().snapshots.len())
            .finish_non_exhaustive()
    }
}

/// What the data set holds, as the Data screen counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DataSummary {
    /// Opportunity snapshots (one per dated opportunity list).
    pub snapshots: usize,
    /// The newest snapshot's date: the as-of date unless the user pins one.
    pub latest_snapshot: Option<NaiveDate>,
}

/// What the panel shows of an analysis before any module is opened: what it was run on, which
/// modules it has, and the review pack's sheets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisSummary {
    pub as_of: NaiveDate,
    /// The fiscal period's label.
    pub period: String,
    /// Snapshots read (on or before the as-of date).
    pub snapshots: usize,
    /// The current snapshot's date and opportunity count.
    pub current_as_of: NaiveDate,
    pub current_opportunities: usize,
    pub currency: Option<String>,
    /// The modules with a section, in the analysis's order.
    pub modules: Vec<Module>,
    /// Insights over every module.
    pub insights: usize,
    /// The review pack's `about` sheet (name, value rows).
    pub about: Vec<Vec<String>>,
    /// The review pack's sheets, `about` first.
    pub sheets: Vec<SheetSummary>,
}

/// One sheet of the review pack: its name, the section it comes from and how many rows it has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SheetSummary {
    /// The module's key or `about`.
    pub name: String,
    pub title: String,
    pub rows: usize,
}

/// An insight as a screen lists it: its evidence cut to the first rows, and how many rows it has
/// in all (the rest are fetched with [`Analyst::evidence_csv`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShownInsight {
    pub insight: Insight,
    pub evidence_rows: usize,
}

impl ShownInsight {
    fn cut(insight: &Insight, rows: usize) -> ShownInsight {
        let Insight {
            key,
            module,
            measure,
            subject,
            value,
            unit,
            reference,
            period,
            population,
            formula,
            text,
            evidence,
        } = insight;
        ShownInsight {
            insight: Insight {
                key: key.clone(),
                module: *module,
                measure: measure.clone(),
                subject: subject.clone(),
                value: *value,
                unit: unit.clone(),
                reference: reference.clone(),
                period: period.clone(),
                population: population.clone(),
                formula: formula.clone(),
                text: text.clone(),
                evidence: evidence.iter().take(rows).cloned().collect(),
            },
            evidence_rows: evidence.len(),
        }
    }
}

impl std::borrow::Borrow<Insight> for ShownInsight {
    fn borrow(&self) -> &Insight {
        &self.insight
    }
}

/// One module of the analysis as its screen shows it. A region's module can hold tens of thousands
/// of findings about records and reps; the page carries the module's other insights and the first
/// of those findings for each measure, and says how many each measure has
/// ([`ModulePage::records`]); the rest come with [`Analyst::measure_insights`] when the user asks
/// for them. Which findings are cut this way: [`listed_by_measure_on_screen`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModulePage {
    pub module: Module,
    pub charts: Vec<Chart>,
    /// The module's insights in the analysis's order, those about records and reps cut to the
    /// first of each measure.
    pub insights: Vec<ShownInsight>,
    /// The insights the charts' points open that belong to another module or lie beyond the cut.
    pub chart_insights: Vec<ShownInsight>,
    /// Each measure with findings about records or reps, in the order they first appear, and how
    /// many it has in all.
    pub records: Vec<MeasureRecords>,
}

/// How many findings about records or reps one measure of a module has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureRecords {
    pub measure: String,
    pub records: usize,
}

impl ModulePage {
    /// How many findings about records or reps the module has for `measure` (those on the page
    /// included).
    pub fn records_of(&self, measure: &str) -> usize {
        self.records
            .iter()
            .find(|counted| counted.measure == measure)
            .map_or(0, |counted| counted.records)
    }

    /// The insight with this key, among the module's and the charts'.
    pub fn insight(&self, key: &str) -> Option<&ShownInsight> {
        self.insights
            .iter()
            .chain(&self.chart_insights)
            .find(|shown| shown.insight.key == key)
    }
}

/// The view of the record on the page as the Record screen shows it: the positions' evidence cut
/// like a module's (a position's population is every open deal of the distribution).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShownRecord {
    /// The view, its `positions` moved to [`ShownRecord::positions`].
    pub view: RecordView,
    pub positions: Vec<ShownInsight>,
}

/// An analysis with its summary (made once, however often it is asked for), or why it failed.
type Analysed = Result<(Analysis, AnalysisSummary), String>;

/// The data set with its index, the newest analysis with the settings it ran with, and the newest
/// record view (whose positions' rows a download may ask for).
#[derive(Debug, Default)]
pub struct Analyst {
    data: IndexedDataset,
    analysis: Option<(Settings, Analysed)>,
    record: Option<RecordView>,
}

impl Analyst {
    /// Replaces the data set (and forgets the analysis of the one before).
    pub fn replace(&mut self, dataset: Dataset) {
        self.analysis = None;
        self.record = None;
        self.data = IndexedDataset::build(dataset);
    }

    /// Adds imported reports to the data set and indexes it again, once for all of them. Every
    /// opportunity list was dated at import (its footer date or the date the user confirmed), so
    /// the fallback date is never used for one.
    pub fn add_all(&mut self, reports: Vec<ImportReport>) {
        if reports.is_empty() {
            return;
        }
        let mut dataset = std::mem::take(&mut self.data).into_owner();
        for report in reports {
            let fallback = report.as_of.unwrap_or_default();
            dataset.add(report, fallback);
        }
        self.replace(dataset);
    }

    pub fn dataset(&self) -> &Dataset {
        self.data.dataset()
    }

    pub fn data_summary(&self) -> DataSummary {
        let dataset = self.data.dataset();
        DataSummary {
            snapshots: dataset.snapshots.len(),
            latest_snapshot: dataset.latest_snapshot(),
        }
    }

    /// The view of the record on the page, the positions' evidence cut to their first `rows`, or
    /// `None` when no snapshot dates an analysis.
    pub fn record(
        &mut self,
        settings: &PanelSettings,
        record_id: &str,
        page: &PageRecord,
        rows: usize,
    ) -> Option<Result<ShownRecord, String>> {
        let resolved = settings.resolve(self.data.dataset())?;
        let mut view = match record_view(self.data.index(), &resolved, record_id, Some(page)) {
            Ok(view) => view,
            Err(error) => return Some(Err(error.to_string())),
        };
        let positions = std::mem::take(&mut view.positions);
        let shown = ShownRecord {
            view: view.clone(),
            positions: positions
                .iter()
                .map(|insight| ShownInsight::cut(insight, rows))
                .collect(),
        };
        view.positions = positions;
        self.record = Some(view);
        Some(Ok(shown))
    }

    /// Analyses the data set with `settings` (or keeps the analysis already made with them) and
    /// summarises it; `None` when no snapshot dates an analysis.
    pub fn analyze(&mut self, settings: &PanelSettings) -> Option<Result<AnalysisSummary, String>> {
        let resolved = settings.resolve(self.data.dataset())?;
        let kept = matches!(&self.analysis, Some((ran_with, _)) if *ran_with == resolved);
        if !kept {
            let result = analyze_indexed(self.data.index(), &resolved)
                .map(|analysis| {
                    let summary = summary(&analysis);
                    (analysis, summary)
                })
                .map_err(|error| error.to_string());
            self.analysis = Some((resolved, result));
        }
        let (_, result) = self.analysis.as_ref()?;
        Some(
            result
                .as_ref()
                .map(|(_, summary)| summary.clone())
                .map_err(Clone::clone),
        )
    }

    /// The newest analysis, when it succeeded.
    pub fn analysis(&self) -> Option<&Analysis> {
        let (_, result) = self.analysis.as_ref()?;
        result.as_ref().ok().map(|(analysis, _)| analysis)
    }

    /// One module of the newest analysis: its insights, those about records and reps cut to the
    /// first `per_measure` of each measure, each insight's evidence cut to its first `rows`.
    pub fn module_page(
        &self,
        module: Module,
        rows: usize,
        per_measure: usize,
    ) -> Option<ModulePage> {
        let analysis = self.analysis()?;
        let mut records: Vec<MeasureRecords> = Vec::new();
        let mut insights: Vec<ShownInsight> = Vec::new();
        for insight in module_insights(analysis, module) {
            if listed_by_measure_on_screen(insight.subject.kind) {
                let counted = match records.iter_mut().find(|m| m.measure == insight.measure) {
                    Some(counted) => counted,
                    None => {
                        records.push(MeasureRecords {
                            measure: insight.measure.clone(),
                            records: 0,
                        });
                        records.last_mut()?
                    }
                };
                counted.records += 1;
                if counted.records > per_measure {
                    continue;
                }
            }
            insights.push(ShownInsight::cut(insight, rows));
        }
        let charts: Vec<Chart> = analysis
            .charts
            .iter()
            .filter(|chart| chart.module == module)
            .cloned()
            .collect();
        let mut chart_insights: Vec<ShownInsight> = Vec::new();
        for key in charts
            .iter()
            .flat_map(|chart| &chart.points)
            .filter_map(|point| point.insight_key.as_deref())
        {
            let known = insights
                .iter()
                .chain(&chart_insights)
                .any(|s| s.insight.key == key);
            if known {
                continue;
            }
            if let Some(insight) = analysis.insights().find(|insight| insight.key == key) {
                chart_insights.push(ShownInsight::cut(insight, rows));
            }
        }
        Some(ModulePage {
            module,
            charts,
            insights,
            chart_insights,
            records,
        })
    }

    /// Every finding about a record or a rep of one measure of one module of the newest analysis,
    /// each insight's evidence cut to its first `rows`.
    pub fn measure_insights(
        &self,
        module: Module,
        measure: &str,
        rows: usize,
    ) -> Option<Vec<ShownInsight>> {
        let analysis = self.analysis()?;
        Some(
            module_insights(analysis, module)
                .filter(|insight| {
                    listed_by_measure_on_screen(insight.subject.kind) && insight.measure == measure
                })
                .map(|insight| ShownInsight::cut(insight, rows))
                .collect(),
        )
    }

    /// Every evidence row of one insight of the newest analysis or of the newest record view's
    /// positions, as CSV.
    pub fn evidence_csv(&self, key: &str) -> Option<String> {
        let analysed = self.analysis().into_iter().flat_map(Analysis::insights);
        let positions = self.record.iter().flat_map(|view| &view.positions);
        let insight = analysed
            .chain(positions)
            .find(|insight| insight.key == key)?;
        Some(evidence_csv(&insight.evidence))
    }

    /// The newest analysis as the review pack's Markdown.
    pub fn review_markdown(&self) -> Option<String> {
        self.analysis().map(markdown)
    }

    /// One sheet of the review pack (`about` or a module's key), as CSV.
    pub fn review_csv(&self, name: &str) -> Option<String> {
        let sheet = review_sheets(self.analysis()?)
            .into_iter()
            .find(|sheet| sheet.name == name)?;
        Some(csv_text(&sheet.header, sheet.rows))
    }
}

/// The insights of one module, in the analysis's order.
fn module_insights(analysis: &Analysis, module: Module) -> impl Iterator<Item = &Insight> {
    analysis
        .sections
        .iter()
        .filter(move |section| section.module == module)
        .flat_map(|section| &section.insights)
}

fn summary(analysis: &Analysis) -> AnalysisSummary {
    let sheets = review_sheets(analysis);
    let about = sheets
        .iter()
        .find(|sheet| sheet.name == "about")
        .map(|sheet| sheet.rows.clone())
        .unwrap_or_default();
    let sheets = sheets
        .iter()
        .map(|sheet| SheetSummary {
            name: sheet.name.clone(),
            title: analysis
                .sections
                .iter()
                .find(|section| section.module.key() == sheet.name)
                .map_or_else(
                    || "About this review".to_string(),
                    |section| section.module.title().to_string(),
                ),
            rows: sheet.rows.len(),
        })
        .collect();
    AnalysisSummary {
        as_of: analysis.settings.as_of,
        period: analysis.period.label.clone(),
        snapshots: analysis.inputs.snapshots.len(),
        current_as_of: analysis.inputs.current.as_of,
        current_opportunities: analysis.inputs.current.opportunities,
        currency: analysis.currency.clone(),
        modules: analysis
            .sections
            .iter()
            .map(|section| section.module)
            .collect(),
        insights: analysis.insights().count(),
        about,
        sheets,
    }
}
