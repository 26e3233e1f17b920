//! `cargo bench -p lens-core --bench analyze -- DIR [--runs N] [--as-of YYYY-MM-DD]`: imports every
//! export under DIR (as `cargo xtask gen` writes them) and times `insight::analyze` on the result.
//!
//! Prints the import time and the index time (`Index::new`, once per load), then analyze's minimum, median and maximum over N runs after one
//! warm-up run, on one thread. `cargo xtask bench` generates the data sets and calls this.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lens_core::import::{ImportOptions, import_file};
use lens_core::insight::{Dataset, Index, Settings, analyze_indexed};

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let mut dir = None;
    let mut runs = 5;
    let mut as_of = "2026-11-13".to_string();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).expect("--runs N"),
            "--as-of" => as_of = args.next().expect("--as-of YYYY-MM-DD"),
            _ => dir = Some(PathBuf::from(arg)),
        }
    }
    let Some(dir) = dir else {
        eprintln!(
            "usage: cargo bench -p lens-core --bench analyze -- DIR [--runs N] [--as-of DATE]"
        );
        std::process::exit(2);
    };
    let as_of = as_of.parse().expect("--as-of takes YYYY-MM-DD");
    // `cargo bench` runs in the package folder; a relative path is meant from the workspace root.
    let dir = if dir.is_relative() && !dir.exists() {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(dir)
    } else {
        dir
    };

    let started = Instant::now();
    let mut dataset = Dataset::default();
    let mut bytes_read = 0;
    for path in export_files(&dir) {
        let bytes = std::fs::read(&path).expect("readable export");
        bytes_read += bytes.len();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        match import_file(&name, &bytes, &ImportOptions::default()) {
            Ok(report) => {
                dataset.add(report, as_of);
            }
            Err(error) => eprintln!("{}: {error}", path.display()),
        }
    }
    let import_time = started.elapsed();
    let n_opportunities: usize = dataset
        .snapshots
        .last()
        .map_or(0, |s| s.opportunities.len());
    let n_history: usize = dataset.history.iter().map(|log| log.events.len()).sum();
    println!(
        "import   {:>9.1} ms  {} files' worth {:.1} MB: {} snapshots, {} opportunities in the latest, {} history events",
        ms(import_time),
        dataset.snapshots.len() + dataset.history.len(),
        bytes_read as f64 / 1e6,
        dataset.snapshots.len(),
        n_opportunities,
        n_history
    );

    let started = Instant::now();
    let index = Index::new(&dataset);
    println!(
        "index    {:>9.1} ms  (once per load: snapshots merged and indexed by id, history grouped by record)",
        ms(started.elapsed())
    );

    let settings = Settings::new(as_of);
    let warm_up = analyze_indexed(&index, &settings).expect("analysis runs");
    let n_insights = warm_up.insights().count();
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            let analysis = analyze_indexed(&index, &settings).expect("analysis runs");
            let elapsed = started.elapsed();
            std::hint::black_box(analysis);
            elapsed
        })
        .collect();
    times.sort();
    println!(
        "analyze  {:>9.1} ms median (min {:.1}, max {:.1}; {runs} runs after 1 warm-up), {n_insights} insights",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1]),
    );
    for section in &warm_up.sections {
        println!(
            "         {:>6} insights  {}",
            section.insights.len(),
            section.title
        );
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Every CSV under `dir` (one level of subfolders), sorted by path.
fn export_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("readable data folder") {
            let path = entry.expect("readable entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "csv") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}
