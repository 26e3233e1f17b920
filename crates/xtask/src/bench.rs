//! `cargo xtask bench [--size district|region|all] [--runs N]`: generates the seeded data sets
//! (once; they are kept under the target folder) and runs the native benchmark of import and
//! analyze on each (`crates/core/benches/analyze.rs`, built with optimisations), printing figures.
//!
//! Benchmarks print numbers; nothing here asserts a time.

use std::path::Path;

use crate::setup::run_command;

const USAGE: &str = "usage: cargo xtask bench [--size district|region|all] [--runs N]";
/// The seed of the benchmark data, so every run measures the same files.
const SEED: &str = "7";

pub fn run(args: &[String]) -> Result<(), String> {
    let mut sizes = vec!["district", "region"];
    let mut runs = "5".to_string();
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
            "--help" | "-h" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("bench: unknown argument `{other}`\n{USAGE}")),
        }
    }
    let root = crate::dist::repo_root();
    for size in sizes {
        let data_dir = crate::dist::target_dir(&root).join("bench-data").join(size);
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
