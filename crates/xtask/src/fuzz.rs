//! `cargo xtask fuzz [--time SECS] [--no-debug-assertions] [TARGET...]`: runs the core's fuzz
//! targets (`fuzz/`) one after another, each for SECS seconds (60 by default), and prints what
//! each did.
//!
//! It installs `cargo-fuzz` when missing, builds the seed corpora from the real exports beside
//! the repository (`fuzz/support/src/bin/seed.rs` writes `fuzz/seeds/<target>/`), and runs
//! `cargo fuzz run --debug-assertions <target> fuzz/corpus/<target> fuzz/seeds/<target>`. New
//! inputs go to `fuzz/corpus/`, findings to `fuzz/artifacts/` (all three folders are ignored by
//! git); the whole libFuzzer log of each target is kept under `<target dir>/fuzz-logs/`.
//!
//! Debug assertions (and with them integer overflow checks, in Lens and in its dependencies) are
//! on by default. `--no-debug-assertions` builds the targets as release builds ship
//! (`cargo fuzz run --release`), where an overflow wraps, so that a finding which stops every run
//! with debug assertions on (F1 in docs/fuzzing.md, in a dependency) hides nothing behind it.
//!
//! cargo-fuzz passes libFuzzer's and the address sanitizer's flags to rustc as `-Z` options,
//! which only a nightly compiler takes. `RUSTC_BOOTSTRAP=1` lets a stable compiler take them, so
//! the fuzz runs need no second toolchain.
//!
//! Not part of `cargo xtask test`: a fuzz run takes minutes and finds new inputs each time. What
//! it found is kept in `fuzz/regressions/`, which `crates/core/tests/fuzz_regressions.rs` replays
//! on every test run.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

const TARGETS: &[&str] = &[
    "import_csv",
    "import_xlsx",
    "mapping_toml",
    "page_record",
    "store_decode",
];
const USAGE: &str = "usage: cargo xtask fuzz [--time SECS] [--no-debug-assertions] [TARGET...] \
                     (targets: import_csv, import_xlsx, mapping_toml, page_record, store_decode)";
/// One input running longer than this is a finding (libFuzzer's default is 20 minutes).
const INPUT_TIMEOUT_SECS: u32 = 30;

/// What one target's run did, read from libFuzzer's log.
struct Outcome {
    target: String,
    /// How long libFuzzer ran: its own "Done … in S second(s)", or, after a finding stopped it,
    /// executions ÷ executions per second.
    seconds: Option<u64>,
    executions: Option<u64>,
    executions_per_second: Option<u64>,
    /// The last `corp: units/size` libFuzzer printed.
    corpus: Option<String>,
    coverage: Option<String>,
    findings: Vec<String>,
    success: bool,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let mut seconds: u64 = 60;
    let mut targets: Vec<String> = Vec::new();
    let mut debug_assertions = true;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--time" => {
                seconds = args
                    .next()
                    .and_then(|value| value.parse().ok())
                    .filter(|&value| value > 0)
                    .ok_or_else(|| USAGE.to_string())?;
            }
            "--no-debug-assertions" => debug_assertions = false,
            "--help" | "-h" => {
                println!("{USAGE}");
                return Ok(());
            }
            target if TARGETS.contains(&target) => targets.push(target.to_string()),
            other => return Err(format!("fuzz: unknown argument `{other}`\n{USAGE}")),
        }
    }
    if targets.is_empty() {
        targets = TARGETS.iter().map(|target| target.to_string()).collect();
    }

    let root = crate::dist::repo_root();
    ensure_cargo_fuzz()?;
    seed(&root)?;
    let log_dir = crate::dist::target_dir(&root).join("fuzz-logs");
    std::fs::create_dir_all(&log_dir)
        .map_err(|error| format!("fuzz: could not create {}: {error}", log_dir.display()))?;

    let mut outcomes = Vec::new();
    for target in &targets {
        outcomes.push(run_target(
            &root,
            &log_dir,
            target,
            seconds,
            debug_assertions,
        )?);
    }

    println!(
        "\n==> fuzz summary (at most {seconds} s per target; logs in {})",
        log_dir.display()
    );
    println!(
        "{:<14} {:>8} {:>13} {:>9} {:>20} {:>12}  findings",
        "target", "seconds", "executions", "exec/s", "corpus (units/size)", "coverage"
    );
    let mut n_findings = 0;
    for outcome in &outcomes {
        let show = |value: Option<u64>| value.map_or("?".to_string(), |v| v.to_string());
        let findings = if outcome.findings.is_empty() && outcome.success {
            "none".to_string()
        } else if outcome.findings.is_empty() {
            "the run failed (see its log)".to_string()
        } else {
            outcome.findings.join(", ")
        };
        n_findings +=
            outcome.findings.len() + usize::from(!outcome.success && outcome.findings.is_empty());
        println!(
            "{:<14} {:>8} {:>13} {:>9} {:>20} {:>12}  {findings}",
            outcome.target,
            show(outcome.seconds.or_else(|| {
                let (executions, per_second) =
                    outcome.executions.zip(outcome.executions_per_second)?;
                (per_second > 0).then(|| executions / per_second)
            })),
            show(outcome.executions),
            show(outcome.executions_per_second),
            outcome.corpus.as_deref().unwrap_or("?"),
            outcome.coverage.as_deref().unwrap_or("?"),
        );
    }
    if n_findings == 0 {
        Ok(())
    } else {
        Err(format!(
            "fuzz: {n_findings} finding(s); reproduce one with \
             `RUSTC_BOOTSTRAP=1 cargo fuzz run -a <target> <file>`, then add it to fuzz/regressions/"
        ))
    }
}

fn ensure_cargo_fuzz() -> Result<(), String> {
    let installed = Command::new("cargo")
        .args(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if installed {
        return Ok(());
    }
    println!("==> fuzz: installing cargo-fuzz (once)");
    crate::setup::run_command("cargo", &["install", "cargo-fuzz"], None)
}

/// Builds and runs the seed program: the real exports beside the repository into `fuzz/seeds/`.
fn seed(root: &Path) -> Result<(), String> {
    let data = root.join("../shared/data");
    let out = root.join("fuzz/seeds");
    println!(
        "==> fuzz: seed corpora from {} into {}",
        data.display(),
        out.display()
    );
    let (data, repo, out) = (
        data.to_string_lossy().into_owned(),
        root.to_string_lossy().into_owned(),
        out.to_string_lossy().into_owned(),
    );
    let manifest = root.join("fuzz/support/Cargo.toml");
    crate::setup::run_command(
        "cargo",
        &[
            "run",
            "--quiet",
            "--release",
            "--manifest-path",
            &manifest.to_string_lossy(),
            "--features",
            "seed",
            "--bin",
            "seed",
            "--",
            "--data",
            &data,
            "--repo",
            &repo,
            "--out",
            &out,
        ],
        Some(root),
    )
}

fn run_target(
    root: &Path,
    log_dir: &Path,
    target: &str,
    seconds: u64,
    debug_assertions: bool,
) -> Result<Outcome, String> {
    let corpus = format!("fuzz/corpus/{target}");
    let seeds = format!("fuzz/seeds/{target}");
    std::fs::create_dir_all(root.join(&corpus))
        .map_err(|error| format!("fuzz: could not create {corpus}: {error}"))?;
    let max_time = format!("-max_total_time={seconds}");
    let timeout = format!("-timeout={INPUT_TIMEOUT_SECS}");
    // cargo-fuzz builds optimised code with debug assertions unless told `--release`.
    let mut args = vec!["fuzz", "run"];
    args.push(if debug_assertions {
        "--debug-assertions"
    } else {
        "--release"
    });
    args.extend([
        target,
        &corpus,
        &seeds,
        "--",
        &max_time,
        &timeout,
        "-print_final_stats=1",
    ]);
    println!(
        "==> fuzz {target}: RUSTC_BOOTSTRAP=1 cargo {}",
        args.join(" ")
    );
    let log_path = log_dir.join(format!("{target}.log"));
    let mut log = std::fs::File::create(&log_path)
        .map_err(|error| format!("fuzz: could not create {}: {error}", log_path.display()))?;
    let mut child = Command::new("cargo")
        .args(&args)
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("fuzz: could not run cargo fuzz: {error}"))?;
    // libFuzzer writes its log to stderr and cargo-fuzz its advice to stdout; stdout is small, so
    // it is read after stderr ends.
    let mut outcome = Outcome {
        target: target.to_string(),
        seconds: None,
        executions: None,
        executions_per_second: None,
        corpus: None,
        coverage: None,
        findings: Vec::new(),
        success: false,
    };
    let stderr = child.stderr.take().ok_or("fuzz: no stderr")?;
    for line in BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        let _ = writeln!(log, "{line}");
        read_line(&line, &mut outcome);
        if [
            "INITED",
            "pulse",
            "DONE",
            "ERROR",
            "SUMMARY",
            "panicked",
            "Test unit written",
        ]
        .iter()
        .any(|word| line.contains(word))
        {
            eprintln!("{line}");
        }
    }
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = writeln!(log, "{line}");
        }
    }
    let status = child
        .wait()
        .map_err(|error| format!("fuzz: cargo fuzz did not finish: {error}"))?;
    outcome.success = status.success();
    Ok(outcome)
}

/// Reads the figures of one libFuzzer log line into the outcome.
fn read_line(line: &str, outcome: &mut Outcome) {
    let after = |key: &str| {
        line.split_once(key)
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .map(str::to_string)
    };
    if let Some(value) = after("stat::number_of_executed_units:") {
        outcome.executions = value.parse().ok();
    }
    if let Some(value) = after("stat::average_exec_per_sec:") {
        outcome.executions_per_second = value.parse().ok();
    }
    if line.starts_with('#') {
        if let Some(corpus) = after(" corp: ") {
            outcome.corpus = Some(corpus);
        }
        if let Some(coverage) = after(" cov: ") {
            outcome.coverage = Some(coverage);
        }
    }
    // "Done 84890 runs in 661 second(s)"
    if let Some(rest) = line.strip_prefix("Done ") {
        outcome.seconds = rest.split_whitespace().nth(3).and_then(|s| s.parse().ok());
    }
    if let Some(path) = after("Test unit written to ") {
        outcome.findings.push(path);
    }
}
