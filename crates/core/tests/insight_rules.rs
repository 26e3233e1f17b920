//! The rules every analysis obeys, checked on every real Salesforce export in `../shared/data` and
//! on the templates themselves:
//! - no text the engine generates (and no string literal in `src/insight/`) contains a phrase of
//!   the lexicon (`lens_core::insight::lexicon::BANNED`);
//! - every insight has a formula, a population description, and evidence rows whenever it counts
//!   any record; keys are unique;
//! - the Markdown rendering of each real export matches its golden file in `tests/golden/`
//!   (`UPDATE_EXPECT=1 cargo test -p lens-core --test insight_rules` rewrites them after a reviewed change);
//! - every cell of the review pack's tables (`render::review_sheets`) is free of the lexicon too.
//!
//! Each real export is a Data Export without a report date, so each is analysed as of the date it
//! was exported (its latest `LastModifiedDate`/`SystemModstamp`), given below.
//! The RavenStack subscription tables (accounts, subscriptions, usage, tickets, churn events) have
//! no opportunity list; they are analysed with an empty one, so their golden holds the renewals
//! watchlist of real data and every other module's reading of an empty pipeline.

use std::path::{Path, PathBuf};

use lens_core::import::{ImportOptions, import_file};
use lens_core::insight::render::review_sheets;
use lens_core::insight::{Analysis, Dataset, Settings, analyze, lexicon, markdown};
use lens_core::model::Snapshot;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

/// A real export set: its files and the date it was exported.
struct RealSet {
    name: &'static str,
    files: &'static [&'static str],
    as_of: &'static str,
}

const REAL_SETS: &[RealSet] = &[
    RealSet {
        name: "salesforce-sample-opps-powerbi",
        files: &[
            "salesforce-sample-opps-powerbi/Opportunity.csv",
            "salesforce-sample-opps-powerbi/OpportunityHistory.csv",
        ],
        as_of: "2026-03-07",
    },
    RealSet {
        name: "salesforce-devorg-data-export",
        files: &[
            "salesforce-devorg-data-export/opportunity.csv",
            "salesforce-devorg-data-export/OpportunityHistory.csv",
        ],
        as_of: "2023-10-28",
    },
    RealSet {
        name: "sfdc-assets-data-cloud-workshop",
        files: &["sfdc-assets-data-cloud-workshop/Opportunity.csv"],
        as_of: "2024-01-22",
    },
];

fn analyze_set(set: &RealSet) -> Analysis {
    let as_of = set.as_of.parse().unwrap();
    let mut dataset = Dataset::default();
    for file in set.files {
        let bytes = std::fs::read(data_dir().join(file)).unwrap();
        let report = import_file(file, &bytes, &ImportOptions::default()).unwrap();
        dataset.add(report, as_of);
    }
    analyze(&dataset, &Settings::new(as_of)).unwrap()
}

#[test]
fn real_exports_obey_the_rules_and_match_their_goldens() {
    for set in REAL_SETS {
        let analysis = analyze_set(set);
        assert!(
            analysis.insights().count() > 0,
            "{}: the analysis surfaced nothing",
            set.name
        );
        check_rules_and_golden(set.name, &analysis);
    }
}

/// The rules of the module header on one analysis, and its Markdown against its golden file.
fn check_rules_and_golden(name: &str, analysis: &Analysis) {
    let broken = lexicon::broken_rules(analysis);
    assert!(broken.is_empty(), "{name}:\n{}", broken.join("\n"));
    for sheet in review_sheets(analysis) {
        for cell in sheet.rows.iter().flatten() {
            let found = lexicon::violations(cell);
            assert!(
                found.is_empty(),
                "{name}, sheet {}: {found:?} in {cell}",
                sheet.name
            );
        }
    }
    let golden = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.md"));
    expect_test::expect_file![golden].assert_eq(&markdown(analysis));
}

#[test]
fn ravenstack_subscriptions_obey_the_rules_and_match_their_golden() {
    let as_of = "2024-10-01".parse().unwrap();
    let mut dataset = Dataset::default();
    for file in [
        "ravenstack_accounts.csv",
        "ravenstack_subscriptions.csv",
        "ravenstack_feature_usage.csv",
        "ravenstack_support_tickets.csv",
        "ravenstack_churn_events.csv",
    ] {
        let path = data_dir().join("ravenstack-saas-subscriptions").join(file);
        let bytes = std::fs::read(path).unwrap();
        let report = import_file(file, &bytes, &ImportOptions::default()).unwrap();
        dataset.add(report, as_of);
    }
    dataset.snapshots.push(Snapshot {
        as_of,
        source_file: "no-opportunities.csv".into(),
        opportunities: Vec::new(),
    });
    let settings = Settings {
        currency: Some("USD".into()),
        ..Settings::new(as_of)
    };
    let analysis = analyze(&dataset, &settings).unwrap();
    let renewals = analysis
        .sections
        .iter()
        .find(|section| section.module == lens_core::insight::Module::Renewals)
        .unwrap();
    // The watchlist of `insight_renewals::ravenstack_watchlist`: 116 terms and 99 accounts, each
    // with its insights.
    assert!(
        renewals.insights.len() > 116 + 99,
        "{}",
        renewals.insights.len()
    );
    check_rules_and_golden("ravenstack-saas-subscriptions", &analysis);
}

#[test]
fn templates_contain_no_banned_phrase() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/insight");
    let mut found = Vec::new();
    let mut n_literals = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n == "lexicon.rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        // Unit tests may quote banned phrases on purpose; templates live above them.
        let code = source.split("#[cfg(test)]").next().unwrap_or_default();
        for literal in string_literals(code) {
            n_literals += 1;
            for phrase in lexicon::violations(&literal) {
                found.push(format!("{}: \"{phrase}\" in {literal:?}", path.display()));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
    // The scan reads the templates (a broken scanner would find none and pass).
    assert!(n_literals > 100, "only {n_literals} string literals found");
    assert_eq!(
        string_literals("let a = format!(\"{x} should\"); // \"must\"\nlet b = '\"';"),
        ["{x} should"]
    );
}

#[test]
fn the_lexicon_catches_the_briefs_examples() {
    for judgment in [
        "This deal is at risk.",
        "Stalled deal — escalate.",
        "Forecast looks unreliable; you should reclassify to Best Case.",
        "Top performer",
        "Fill in the Economic Buyer, we recommend it.",
        "Pipeline health: poor",
    ] {
        assert!(
            !lexicon::violations(judgment).is_empty(),
            "not caught: {judgment}"
        );
    }
    for description in [
        "Close date moved 3 times since 2026-09-01 (+47 days in total).",
        "41 days in Negotiation; 90% of deals that reached Negotiation in the last 4 quarters left it within 28 days.",
        "Commit total rose 18% week over week while logged activities on Commit deals fell 35%.",
        "Economic Buyer empty on 5 of 9 Commit deals.",
        "Win rate 31% (12 of 39) for this rep; team 27% (88 of 326).",
    ] {
        assert_eq!(
            lexicon::violations(description),
            Vec::<&str>::new(),
            "{description}"
        );
    }
}

/// The contents of the `"…"` string literals in Rust source, outside `//` comments (raw strings
/// and char literals are rare in templates and left out).
fn string_literals(source: &str) -> Vec<String> {
    let mut literals = Vec::new();
    for line_source in source.lines() {
        let trimmed = line_source.trim_start();
        if trimmed.starts_with("//") {
            continue;
        }
        let mut chars = line_source.chars().peekable();
        let mut current: Option<String> = None;
        while let Some(c) = chars.next() {
            match (&mut current, c) {
                (None, '"') => current = Some(String::new()),
                (None, '/') if chars.peek() == Some(&'/') => break,
                (None, '\'') => {
                    // Skip a char literal such as '"' so its quote does not open a string.
                    let rest: String = chars.clone().take(3).collect();
                    if rest.starts_with("\"'") || rest.starts_with("\\\"'") {
                        chars.nth(rest.find('\'').unwrap_or(0));
                    }
                }
                (Some(text), '\\') => {
                    if let Some(escaped) = chars.next() {
                        text.push(escaped);
                    }
                }
                (Some(_), '"') => literals.push(current.take().unwrap_or_default()),
                (Some(text), c) => text.push(c),
                (None, _) => {}
            }
        }
        // A literal continued on the next line (trailing `\`) is checked in parts.
        if let Some(text) = current {
            literals.push(text);
        }
    }
    literals
}
