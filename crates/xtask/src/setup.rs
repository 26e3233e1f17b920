//! `cargo xtask setup`: installs what a fresh machine lacks to build and test Lens, and does
//! nothing for what is already there.
//!
//! The wasm32 target (rustup), `wasm-bindgen-cli` at exactly the version the panel pins (cargo),
//! Chromium and ChromeDriver (Debian packages; needs root), and the end-to-end test's npm
//! packages (`tests/package-lock.json`; no browser download).

use std::path::Path;
use std::process::Command;

use crate::dist::WASM_BINDGEN_VERSION;

pub fn run(args: &[String]) -> Result<(), String> {
    if let Some(other) = args.first() {
        return Err(format!("setup takes no options (got `{other}`)"));
    }
    ensure_wasm_target()?;
    ensure_wasm_bindgen()?;
    ensure_chromium()?;
    ensure_npm_packages()
}

/// Installs the wasm32 target when `dist`'s check finds it missing.
pub fn ensure_wasm_target() -> Result<(), String> {
    if crate::dist::check_wasm_target().is_ok() {
        return Ok(());
    }
    run_command("rustup", &["target", "add", "wasm32-unknown-unknown"], None)
}

/// Installs wasm-bindgen-cli at the pinned version when `dist`'s check finds it missing or different.
pub fn ensure_wasm_bindgen() -> Result<(), String> {
    if crate::dist::check_wasm_bindgen().is_ok() {
        return Ok(());
    }
    println!(
        "==> setup: installing wasm-bindgen-cli {WASM_BINDGEN_VERSION} (takes a few minutes, once)"
    );
    run_command(
        "cargo",
        &[
            "install",
            "wasm-bindgen-cli",
            "--version",
            WASM_BINDGEN_VERSION,
        ],
        None,
    )
}

pub fn ensure_chromium() -> Result<(), String> {
    let has_driver = std::env::var_os("CHROMEDRIVER")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| "/usr/bin/chromedriver".into())
        .exists();
    if crate::e2e::chromium_path().is_ok() && has_driver {
        return Ok(());
    }
    println!("==> setup: installing Chromium and ChromeDriver from Debian's packages");
    run_command("apt-get", &["update"], None)?;
    run_command("apt-get", &["install", "-y", "chromium", "chromium-driver"], None)
        .map_err(|error| format!("{error}\n(Chromium is installed with: apt-get install -y chromium chromium-driver, as root)"))
}

pub fn ensure_npm_packages() -> Result<(), String> {
    crate::e2e::ensure_node_modules(&crate::dist::repo_root())
}

/// Runs a program to completion; a failure names the command and its exit status.
pub(crate) fn run_command(program: &str, args: &[&str], dir: Option<&Path>) -> Result<(), String> {
    let mut command = Command::new(program);
    command.args(args);
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let status = command
        .status()
        .map_err(|error| format!("could not run {program}: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}
