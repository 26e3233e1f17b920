//! End-to-end tests of the built extension in headless Chromium.
//!
//! [`run_e2e`] builds the demo extension (`dist --demo`), installs the test driver
//! (`playwright-core`, which never downloads a browser) into `tests/node_modules` when missing,
//! serves the demo CRM page on 127.0.0.1 and runs `node --test tests/e2e/`. The tests read where
//! things are from the environment: `LENS_EXTENSION_DIR`, `LENS_CHROMIUM`, `LENS_REPO_ROOT` and
//! `LENS_BASE_URL`. `cargo xtask e2e tests/e2e/import.test.mjs …` runs only the specs named.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::dist::{self, DemoServer, Variant};

/// Where Debian's `chromium` package puts the browser; `LENS_CHROMIUM` overrides it.
const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

pub fn run_e2e(specs: &[String]) -> Result<(), String> {
    let root = dist::repo_root();
    let chromium = chromium_path()?;
    let built = dist::build_extension(Variant::Demo)?;
    let cli = build_cli(&root)?;
    ensure_node_modules(&root)?;

    let server = DemoServer::start(&root.join("public/demo"), None)?;
    println!(
        "e2e: demo page at {}, extension {}",
        server.base_url(),
        built.dir.display()
    );
    let specs: Vec<&str> = if specs.is_empty() {
        vec!["tests/e2e/"]
    } else {
        specs.iter().map(String::as_str).collect()
    };
    let status = Command::new("node")
        .args(["--test", "--test-concurrency=1"])
        .args(&specs)
        .current_dir(&root)
        .env("LENS_EXTENSION_DIR", &built.dir)
        .env("LENS_CHROMIUM", &chromium)
        .env("LENS_REPO_ROOT", &root)
        .env("LENS_BASE_URL", server.base_url())
        .env("LENS_CLI", &cli)
        .status()
        .map_err(|error| format!("e2e: could not run node ({error}); install Node.js 20+"))?;
    drop(server);
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "e2e: end-to-end tests failed ({status}); screenshots are in target/e2e/"
        ))
    }
}

/// Builds the `lens` command (the tests compare its numbers with the panel's); returns its path.
fn build_cli(root: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["build", "--release", "-p", "lens-cli"])
        .status()
        .map_err(|error| format!("e2e: could not run cargo ({error})"))?;
    if !status.success() {
        return Err(format!("e2e: building lens-cli failed ({status})"));
    }
    let binary = dist::target_dir(root).join("release/lens");
    if binary.exists() {
        Ok(binary)
    } else {
        Err(format!(
            "e2e: lens-cli built, but {} is missing",
            binary.display()
        ))
    }
}

/// The Chromium binary the tests drive, checked to exist.
pub(crate) fn chromium_path() -> Result<PathBuf, String> {
    let path = std::env::var_os("LENS_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CHROMIUM));
    if path.exists() {
        Ok(path)
    } else {
        Err(format!(
            "Chromium not found at {}; install it with: apt-get install -y chromium \
             (or set LENS_CHROMIUM to a Chromium binary)",
            path.display()
        ))
    }
}

/// Installs `tests/package.json`'s dependencies when `tests/node_modules` is missing.
pub(crate) fn ensure_node_modules(root: &Path) -> Result<(), String> {
    let tests_dir = root.join("tests");
    if tests_dir.join("node_modules/playwright-core").exists() {
        return Ok(());
    }
    let has_lockfile = tests_dir.join("package-lock.json").exists();
    let npm_args: &[&str] = if has_lockfile {
        &["ci", "--no-audit", "--no-fund"]
    } else {
        &["install", "--no-audit", "--no-fund"]
    };
    println!("e2e: npm {} in tests/", npm_args[0]);
    let status = Command::new("npm")
        .args(npm_args)
        .current_dir(&tests_dir)
        .status()
        .map_err(|error| {
            format!("e2e: could not run npm ({error}); install Node.js 20+ and npm")
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "e2e: npm {} in tests/ failed ({status})",
            npm_args[0]
        ))
    }
}
