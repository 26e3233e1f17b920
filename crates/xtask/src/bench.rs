//! `cargo xtask bench [--size district|region|all] [--runs N] [--no-browser]`: generates the seeded
//! data sets (once; they are kept under the target folder), runs the native benchmark of import
//! and analyze on each (`crates/core/benches/analyze.rs`, built with optimisations), then the
//! browser benchmark, printing figures.
//!
//! The browser part (left out with `--no-browser`):
//! 1. writes one large export from the region: every opportunity its 52 weekly report snapshots
//!    name, once, at its latest state, under the newest snapshot's header and report footer
//!    ([`all_opportunities_export`]; about 100,000 rows);
//! 2. reads that file natively (the `csv` crate alone, Lens's parse, Lens's import; MB/s);
//! 3. builds the benchmark module `crates/bench-wasm` (never part of the extension) the way `dist`
//!    builds the panel, and the extension itself (`dist/lens` for its sizes, `dist/lens-demo` to
//!    import through the panel on the demo CRM page);
//! 4. installs `bench/browser/package.json` (PapaParse, DuckDB-wasm, playwright-core) into the
//!    target folder, never into the extension or `tests/`;
//! 5. runs `bench/browser/run.mjs` in headless Chromium: PapaParse, DuckDB-wasm, Lens's wasm and
//!    the Lens panel on the same file, Lens's analysis in wasm on each data set, the panel on a
//!    record page with the district stored (first paint, record switch), the panel's main thread
//!    while it imports the region's history, and the sizes.
//!
//! Benchmarks print numbers; nothing here asserts a time.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::dist::{Variant, build_extension, build_wasm, target_dir};
use crate::setup::run_command;

const USAGE: &str =
    "usage: cargo xtask bench [--size district|region|all] [--runs N] [--no-browser]";
/// The seed of the benchmark data, so every run measures the same files.
const SEED: &str = "7";
/// The as-of date the generator ends on (its default), which the analyses describe.
const AS_OF: &str = "2026-11-13";
/// The file the browser benchmark reads, written from the region's snapshots.
const ALL_OPPORTUNITIES: &str = "opportunities-all.csv";

pub fn run(args: &[String]) -> Result<(), String> {
    let mut sizes = vec!["district", "region"];
    let mut runs = "5".to_string();
    let mut browser = true;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--size" => {
                sizes = match args.next().map(String::as_str) {
                    Some("district") => vec!["district"],
                    Some("region") => vec!["region"],
                    Some("all") => vec!["district", "region"],
                    _ => return Err(USAGE.to_string()),
                }
            }
            "--runs" => {
                runs = args
                    .next()
                    .filter(|n| n.parse::<u32>().is_ok_and(|n| n > 0))
                    .ok_or_else(|| USAGE.to_string())?
                    .clone()
            }
            "--no-browser" => browser = false,
            "--help" | "-h" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("bench: unknown argument `{other}`\n{USAGE}")),
        }
    }
    let root = crate::dist::repo_root();
    let bench_data = target_dir(&root).join("bench-data");
    for size in &sizes {
        let data_dir = bench_data.join(size);
        ensure_data(size, &data_dir)?;
        println!("\n{size} ({})", data_dir.display());
        let data = data_dir.to_string_lossy();
        run_command(
            "cargo",
            &[
                "bench",
                "--quiet",
                "-p",
                "lens-core",
                "--bench",
                "analyze",
                "--",
                &data,
                "--runs",
                &runs,
            ],
            Some(&root),
        )?;
    }
    if browser {
        let analyzed: Vec<PathBuf> = sizes.iter().map(|size| bench_data.join(size)).collect();
        browser_bench(&root, &bench_data, &analyzed, &runs)?;
    }
    Ok(())
}

/// Generates a data set unless a complete one is already there (the marker is written last).
fn ensure_data(size: &str, data_dir: &Path) -> Result<(), String> {
    let marker = data_dir.join(".complete");
    if marker.exists() {
        return Ok(());
    }
    let out = data_dir.to_string_lossy().into_owned();
    crate::r#gen::run(&[
        "--size".into(),
        size.into(),
        "--seed".into(),
        SEED.into(),
        "--out".into(),
        out,
    ])?;
    std::fs::write(&marker, "").map_err(|error| format!("{}: {error}", marker.display()))
}

/// Steps 1–5 of the module documentation.
fn browser_bench(
    root: &Path,
    bench_data: &Path,
    analyzed: &[PathBuf],
    runs: &str,
) -> Result<(), String> {
    let region = bench_data.join("region");
    ensure_data("region", &region)?;
    let district = bench_data.join("district");
    ensure_data("district", &district)?;
    let export = all_opportunities_export(&region.join("snapshots"), &bench_data.join("exports"))?;

    println!("\nnative reading of {}", export.display());
    let native = native_file_bench(root, &export, runs)?;

    crate::setup::ensure_wasm_target()?;
    crate::setup::ensure_wasm_bindgen()?;
    crate::setup::ensure_chromium()?;
    let chromium = crate::e2e::chromium_path()?;
    let pkg = build_bench_module(root)?;
    let release = build_extension(Variant::Release)?;
    let demo = build_extension(Variant::Demo)?;
    let npm = ensure_bench_npm(root)?;

    let mut args: Vec<String> = vec![
        root.join("bench/browser/run.mjs").display().to_string(),
        "--npm".into(),
        npm.display().to_string(),
        "--pkg".into(),
        pkg.display().to_string(),
        "--data".into(),
        bench_data.display().to_string(),
        "--csv".into(),
        export.display().to_string(),
        "--extension".into(),
        demo.dir.display().to_string(),
        "--dist".into(),
        release.dir.display().to_string(),
        "--chromium".into(),
        chromium.display().to_string(),
        "--runs".into(),
        runs.to_string(),
        "--as-of".into(),
        AS_OF.into(),
        // The panel on a record page with the district stored, and the panel while it imports
        // the region's history (about a million rows).
        "--paint".into(),
        district.display().to_string(),
        "--responsive".into(),
        region.join("OpportunityHistory.csv").display().to_string(),
    ];
    for dir in analyzed {
        args.extend(["--analyze".to_string(), dir.display().to_string()]);
    }
    for (name, megabytes_per_second) in native {
        args.extend([
            "--native".to_string(),
            format!("{name}={megabytes_per_second}"),
        ]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_command("node", &args, Some(root))
}

/// Writes `out_dir/opportunities-all.csv` (once) from the weekly report snapshots: the newest
/// snapshot's rows, then, going back a week at a time, the rows of opportunities not yet listed
/// (deals that closed or left the report earlier), under the newest snapshot's header and followed
/// by its report footer. Each opportunity appears once, at its latest state: the report a manager
/// would export of every deal of the year. The generator writes one record per line, which this
/// checks (an odd count of quotes on a line would be a record spanning lines).
fn all_opportunities_export(snapshot_dir: &Path, out_dir: &Path) -> Result<PathBuf, String> {
    let out = out_dir.join(ALL_OPPORTUNITIES);
    if out.exists() {
        return Ok(out);
    }
    let mut snapshots: Vec<PathBuf> = fs::read_dir(snapshot_dir)
        .map_err(|error| format!("bench: {}: {error}", snapshot_dir.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "csv"))
        .collect();
    // The names carry ISO dates: name order is date order; newest first.
    snapshots.sort();
    snapshots.reverse();
    let mut seen = HashSet::new();
    let mut header = None;
    let mut footer = None;
    let mut body = String::new();
    let mut n_rows = 0usize;
    for path in &snapshots {
        let text = fs::read_to_string(path)
            .map_err(|error| format!("bench: {}: {error}", path.display()))?;
        let mut lines = text.split_inclusive('\n');
        let first = lines.next().unwrap_or_default();
        header.get_or_insert_with(|| first.to_string());
        let mut rest = String::new();
        let mut in_footer = false;
        for line in lines {
            if in_footer || line.trim_end_matches(['\r', '\n']).is_empty() {
                in_footer = true;
                rest.push_str(line);
                continue;
            }
            if line.matches('"').count() % 2 != 0 {
                return Err(format!(
                    "bench: {}: a record spans lines; expected one record per line",
                    path.display()
                ));
            }
            let id = line.split(',').next().unwrap_or_default();
            if seen.insert(id.to_string()) {
                body.push_str(line);
                n_rows += 1;
            }
        }
        footer.get_or_insert(rest);
    }
    let (Some(header), Some(footer)) = (header, footer) else {
        return Err(format!("bench: no snapshots in {}", snapshot_dir.display()));
    };
    fs::create_dir_all(out_dir)
        .map_err(|error| format!("bench: could not create {}: {error}", out_dir.display()))?;
    let partial = out_dir.join(format!("{ALL_OPPORTUNITIES}.partial"));
    fs::write(&partial, format!("{header}{body}{footer}"))
        .and_then(|()| fs::rename(&partial, &out))
        .map_err(|error| format!("bench: could not write {}: {error}", out.display()))?;
    println!(
        "bench: wrote {} ({n_rows} opportunities from {} snapshots, newest first)",
        out.display(),
        snapshots.len()
    );
    Ok(out)
}

/// Runs the native `--file` benchmark on `file`, prints its output and returns each step's MB/s
/// by the name `run.mjs` prints it under.
fn native_file_bench(root: &Path, file: &Path, runs: &str) -> Result<Vec<(String, f64)>, String> {
    let output = Command::new("cargo")
        .current_dir(root)
        .args([
            "bench",
            "--quiet",
            "-p",
            "lens-core",
            "--bench",
            "analyze",
            "--",
        ])
        .arg("--file")
        .arg(file)
        .args(["--runs", runs])
        .output()
        .map_err(|error| format!("bench: could not run cargo: {error}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    print!("{stdout}");
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    if !output.status.success() {
        return Err(format!(
            "bench: the native file benchmark failed ({})",
            output.status
        ));
    }
    let steps = [
        ("csv crate", "csv crate"),
        ("lens parse", "Lens parse"),
        ("lens import", "Lens import"),
    ];
    let mut figures = Vec::new();
    for line in stdout.lines() {
        let Some((_, name)) = steps.iter().find(|(prefix, _)| line.starts_with(prefix)) else {
            continue;
        };
        let Some(before) = line.split(" MB/s").next() else {
            continue;
        };
        if let Some(Ok(value)) = before.split_whitespace().last().map(str::parse::<f64>) {
            figures.push((name.to_string(), value));
        }
    }
    Ok(figures)
}

/// Builds `crates/bench-wasm` for wasm32 with the workers' profile (`wasm-worker`: the import and
/// the analysis it times are the workers' own) and runs wasm-bindgen `--target web` on it;
/// returns the folder the page loads it from.
fn build_bench_module(root: &Path) -> Result<PathBuf, String> {
    let pkg = target_dir(root).join("bench-wasm/pkg");
    build_wasm(root, "lens-bench-wasm", "wasm-worker", &pkg)?;
    Ok(pkg)
}

/// Installs `bench/browser/package.json` (with its lock file) into `<target>/bench-npm` when
/// missing or changed; returns that folder.
fn ensure_bench_npm(root: &Path) -> Result<PathBuf, String> {
    let source = root.join("bench/browser");
    let npm_dir = target_dir(root).join("bench-npm");
    let read = |path: &Path| fs::read(path).unwrap_or_default();
    let manifest = read(&source.join("package.json"));
    let lock = read(&source.join("package-lock.json"));
    let installed = npm_dir.join("node_modules/.package-lock.json").exists()
        && read(&npm_dir.join("package.json")) == manifest
        && read(&npm_dir.join("package-lock.json")) == lock;
    if installed {
        return Ok(npm_dir);
    }
    fs::create_dir_all(&npm_dir)
        .map_err(|error| format!("bench: could not create {}: {error}", npm_dir.display()))?;
    fs::write(npm_dir.join("package.json"), &manifest)
        .and_then(|()| fs::write(npm_dir.join("package-lock.json"), &lock))
        .map_err(|error| format!("bench: could not write into {}: {error}", npm_dir.display()))?;
    println!("bench: npm ci in {}", npm_dir.display());
    run_command("npm", &["ci", "--no-audit", "--no-fund"], Some(&npm_dir))?;
    Ok(npm_dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_opportunities_export_lists_each_opportunity_once_at_its_latest_state() {
        let dir = std::env::temp_dir().join(format!("lens-bench-test-{}", std::process::id()));
        let snapshots = dir.join("snapshots");
        fs::create_dir_all(&snapshots).unwrap();
        let header = "\"Opportunity ID\",\"Stage\",\"Next Step\"\n";
        let footer = "\n\"Opportunities by Rep\"\n\"Generated By:  Ada  11/13/2026 6:36 PM\"\n";
        fs::write(
            snapshots.join("opportunities-2026-11-06.csv"),
            format!(
                "{header}\"006A\",\"Prospecting\",\"Call, then demo\"\n\
                 \"006B\",\"Closed Lost\",\"\"\n\n\"Opportunities by Rep\"\n\
                 \"Generated By:  Ada  11/6/2026 6:36 PM\"\n"
            ),
        )
        .unwrap();
        fs::write(
            snapshots.join("opportunities-2026-11-13.csv"),
            format!(
                "{header}\"006A\",\"Qualification\",\"\"\n\"006C\",\"Prospecting\",\"\"\n{footer}"
            ),
        )
        .unwrap();

        let out = all_opportunities_export(&snapshots, &dir.join("exports")).unwrap();
        let written = fs::read_to_string(&out).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            written,
            format!(
                "{header}\"006A\",\"Qualification\",\"\"\n\"006C\",\"Prospecting\",\"\"\n\
                 \"006B\",\"Closed Lost\",\"\"\n{footer}"
            )
        );
    }

    #[test]
    fn all_opportunities_export_refuses_a_record_spanning_lines() {
        let dir = std::env::temp_dir().join(format!("lens-bench-span-{}", std::process::id()));
        let snapshots = dir.join("snapshots");
        fs::create_dir_all(&snapshots).unwrap();
        fs::write(
            snapshots.join("opportunities-2026-11-13.csv"),
            "\"Opportunity ID\",\"Next Step\"\n\"006A\",\"Call\nthen demo\"\n",
        )
        .unwrap();
        let result = all_opportunities_export(&snapshots, &dir.join("exports"));
        fs::remove_dir_all(&dir).unwrap();
        assert!(result.unwrap_err().contains("a record spans lines"));
    }
}
