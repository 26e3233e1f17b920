//! `cargo xtask <task>`: the project's build, demo, test and data-generation tasks, in Rust rather
//! than shell scripts.
//!
//! Tasks:
//! - `gen --size district|region --seed N --out DIR`: write a seeded, realistic set of CRM exports.
//! - `demo`: generate the district demo data, build the extension, and show it on a demo CRM page.
//! - `test`: every check CI runs (format, lints, tests, purity, wasm build, end-to-end).
//! - `dist`: build the extension into `dist/lens`.
//! - `e2e [SPEC…]`: only the end-to-end tests in headless Chromium (or only the specs named).
//! - `bench`: generate the district and region data sets and print import and analyze timings,
//!   natively and in headless Chromium beside PapaParse and DuckDB-wasm.
//! - `fuzz [--time SECS] [TARGET…]`: run the cargo-fuzz targets of `fuzz/` (not part of `test`).
//! - `setup`: install what a fresh machine lacks (wasm target, wasm-bindgen-cli, Chromium, npm packages).

mod bench;
mod dist;
mod e2e;
mod fuzz;
mod r#gen;
mod setup;
mod test;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((task, rest)) = args.split_first() else {
        eprintln!("usage: cargo xtask <gen|demo|test|dist|setup|e2e|bench|fuzz> [options]");
        return ExitCode::from(2);
    };
    let result = match task.as_str() {
        "gen" => r#gen::run(rest),
        "bench" => bench::run(rest),
        "demo" => dist::demo(rest),
        "dist" => dist::run(rest),
        "test" => test::run(rest),
        "setup" => setup::run(rest),
        "e2e" => e2e::run_e2e(rest),
        "fuzz" => fuzz::run(rest),
        other => Err(format!(
            "unknown task `{other}` (tasks: gen, demo, test, dist, setup, e2e, bench, fuzz)"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
