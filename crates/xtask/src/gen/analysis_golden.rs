//! The analysis of the generated demo district, as a golden file: the generator and the insight
//! engine checked together on a realistic team (52 weekly snapshots, OpportunityHistory, users).
//!
//! The golden lists every team-level insight with its value, population and number of evidence
//! rows, and the number of record-level insights per measure. After a reviewed change:
//! `UPDATE_EXPECT=1 cargo test -p xtask analysis_golden`.

use std::fmt::Write;
use std::path::Path;

use lens_core::import::{ImportOptions, import_file};
use lens_core::insight::{Dataset, Settings, SubjectKind, analyze, lexicon, render};

use super::{DEFAULT_END_DATE, GenOptions, Size, generate, parse_iso_date};

#[test]
fn district_analysis_matches_its_golden_and_obeys_the_rules() {
    let out_dir = std::env::temp_dir().join(format!("lens-district-golden-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out_dir);
    generate(&GenOptions {
        size: Size::District,
        seed: 42,
        end_day: parse_iso_date(DEFAULT_END_DATE).unwrap_or_default(),
        out_dir: out_dir.clone(),
    })
    .unwrap_or_else(|error| panic!("{error}"));

    let as_of = DEFAULT_END_DATE.parse().unwrap();
    let mut dataset = Dataset::default();
    let mut files = Vec::new();
    for folder in [out_dir.clone(), out_dir.join("snapshots")] {
        for entry in std::fs::read_dir(&folder).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    files.sort();
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
    {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(path).unwrap();
        let report = import_file(&name, &bytes, &ImportOptions::default())
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        dataset.add(report, as_of);
    }
    let _ = std::fs::remove_dir_all(&out_dir);

    let settings = Settings {
        plan: Some(6_000_000.0),
        ..Settings::new(as_of)
    };
    let analysis = analyze(&dataset, &settings).unwrap();
    let broken = lexicon::broken_rules(&analysis);
    assert!(broken.is_empty(), "{}", broken.join("\n"));

    let mut golden = String::new();
    let inputs = &analysis.inputs;
    writeln!(
        golden,
        "as of {}; {} snapshots; current {} ({} opportunities); {} history events; currency {:?}",
        settings.as_of,
        inputs.snapshots.len(),
        inputs.current.as_of,
        inputs.current.opportunities,
        inputs.history_events,
        analysis.currency
    )
    .unwrap();
    for section in &analysis.sections {
        writeln!(
            golden,
            "\n## {} ({} insights)",
            section.title,
            section.insights.len()
        )
        .unwrap();
        let mut per_record = std::collections::BTreeMap::<&str, usize>::new();
        for insight in &section.insights {
            if insight.subject.kind == SubjectKind::Record {
                *per_record.entry(&insight.measure).or_default() += 1;
                continue;
            }
            let excluded: usize = insight.population.excluded.iter().map(|e| e.n).sum();
            writeln!(
                golden,
                "{} = {} | n {} | excluded {excluded} | rows {}",
                insight.key,
                render::value_in_unit(insight.value, &insight.unit),
                insight.population.n,
                insight.evidence.len()
            )
            .unwrap();
        }
        for (measure, n) in per_record {
            writeln!(golden, "record-level {measure}: {n}").unwrap();
        }
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/district-analysis.txt");
    expect_test::expect_file![path].assert_eq(&golden);
}
