//! Checks on the source itself: every Rust file says what it is for, and the core stays pure
//! (no browser API, no clock, no file or network IO).

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn every_source_file_starts_with_a_module_doc() {
    let mut files = Vec::new();
    for krate in ["core", "cli", "ext", "xtask"] {
        let src = workspace().join("crates").join(krate).join("src");
        if src.exists() {
            rust_files(&src, &mut files);
        }
    }
    assert!(files.len() > 10);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.starts_with("//!"),
            "{} does not start with a //! comment",
            file.display()
        );
    }
}

#[test]
fn core_never_touches_a_browser_a_clock_or_io() {
    const FORBIDDEN: &[&str] = &[
        "web_sys",
        "js_sys",
        "wasm_bindgen",
        "gloo",
        "leptos",
        "Utc::now",
        "Local::now",
        "SystemTime",
        "Instant::now",
        "std::fs",
        "std::net",
        "std::env",
        "File::open",
    ];
    let mut files = Vec::new();
    rust_files(&workspace().join("crates/core/src"), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for word in FORBIDDEN {
            assert!(!text.contains(word), "{} mentions {word}", file.display());
        }
    }
}
