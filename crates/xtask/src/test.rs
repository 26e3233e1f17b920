//! `cargo xtask test`: every check CI runs, in order, stopping at the first failure.
//!
//! 1. formatting;
//! 2. lints on the whole workspace, and on the panel and the workers' module for wasm32;
//! 3. the native tests;
//! 4. the purity check on `lens-core` (no browser crate among its dependencies) and its wasm32 build;
//! 5. the panel's storage tests (wasm-bindgen-test in headless Chromium through ChromeDriver);
//! 6. the wasm build of the panel and the workers' module, and the end-to-end tests in headless Chromium.
//!
//! `--no-e2e` builds the panel but skips the browser tests (for machines without Chromium).

use std::process::Command;

/// Crates that would tie the core to a browser.
const BROWSER_CRATES: &[&str] = &["wasm-bindgen", "web-sys", "js-sys", "gloo", "leptos"];

pub fn run(args: &[String]) -> Result<(), String> {
    let mut run_e2e = true;
    for arg in args {
        match arg.as_str() {
            "--no-e2e" => run_e2e = false,
            other => {
                return Err(format!(
                    "test: unknown option `{other}` (options: --no-e2e)"
                ));
            }
        }
    }
    crate::setup::ensure_wasm_target()?;
    crate::setup::ensure_wasm_bindgen()?;
    if run_e2e {
        crate::setup::ensure_chromium()?;
        crate::setup::ensure_npm_packages()?;
    }
    step("format", &["fmt", "--all", "--check"])?;
    step(
        "lints",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    step(
        "lints (panel and workers, wasm32)",
        &[
            "clippy",
            "-p",
            "lens-ext",
            "-p",
            "lens-worker",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    step("tests", &["test", "--workspace", "--exclude", "lens-ext"])?;
    purity()?;
    step(
        "lens-core for wasm32",
        &[
            "build",
            "-p",
            "lens-core",
            "--target",
            "wasm32-unknown-unknown",
        ],
    )?;
    if run_e2e {
        println!(
            "==> panel storage in headless Chromium: cargo test -p lens-ext --target wasm32-unknown-unknown"
        );
        let status = Command::new(cargo())
            .args([
                "test",
                "-p",
                "lens-ext",
                "--target",
                "wasm32-unknown-unknown",
            ])
            .env("CHROMEDRIVER", chromedriver())
            .status()
            .map_err(|error| format!("panel storage tests: could not run cargo: {error}"))?;
        if !status.success() {
            return Err(format!("panel storage tests failed ({status})"));
        }
        println!("==> end-to-end (builds the panel for wasm32)");
        crate::e2e::run_e2e(&[])?;
    } else {
        crate::dist::run(&[])?;
    }
    println!("==> all checks passed");
    Ok(())
}

fn step(name: &str, cargo_args: &[&str]) -> Result<(), String> {
    println!("==> {name}: cargo {}", cargo_args.join(" "));
    crate::setup::run_command(&cargo(), cargo_args, None)
        .map_err(|error| format!("{name}: {error}"))
}

/// `lens-core` must not depend, even indirectly, on a browser crate.
fn purity() -> Result<(), String> {
    println!("==> purity: cargo tree -p lens-core -e normal");
    let output = Command::new(cargo())
        .args([
            "tree",
            "-p",
            "lens-core",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .output()
        .map_err(|error| format!("purity: could not run cargo tree: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "purity: cargo tree failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let tree = String::from_utf8_lossy(&output.stdout);
    let offending: Vec<&str> = tree
        .lines()
        .filter(|line| {
            let name = line.split_whitespace().next().unwrap_or("");
            BROWSER_CRATES.iter().any(|browser_crate| {
                name == *browser_crate || name.starts_with(&format!("{browser_crate}-"))
            })
        })
        .collect();
    if offending.is_empty() {
        println!(
            "    lens-core depends on {} crates, none of them a browser crate",
            tree.lines().count()
        );
        Ok(())
    } else {
        Err(format!(
            "purity: lens-core depends on browser crates: {}",
            offending.join("; ")
        ))
    }
}

/// Where Debian's `chromium-driver` puts ChromeDriver; `CHROMEDRIVER` overrides it.
fn chromedriver() -> String {
    std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".to_string())
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}
