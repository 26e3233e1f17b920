//! A large CSV file is imported as a stream, read twice from its start; a small one is read
//! whole. Both ways must give the same report: every fixture of the repository and every real
//! export beside it (`../shared/data`, files nobody on the Lens team wrote) is imported both ways
//! here, rows, rejections, notes and errors compared.

use std::path::{Path, PathBuf};

use lens_core::import::{ImportOptions, import_file, import_streamed};

/// Every CSV file in a folder and below it.
fn csv_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            csv_files(&path, found);
        } else if path
            .extension()
            .is_some_and(|extension| extension.eq_ignore_ascii_case("csv"))
        {
            found.push(path);
        }
    }
}

#[test]
fn every_csv_fixture_streams_as_it_reads_whole() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    csv_files(&root.join("tests/fixtures"), &mut files);
    let n_fixtures = files.len();
    csv_files(&root.join("../../../shared/data"), &mut files);
    assert!(n_fixtures >= 9, "{n_fixtures} fixtures");
    assert!(files.len() >= n_fixtures + 30, "{} files", files.len());
    let mut n_imported = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        let whole = import_file(&name, &bytes, &ImportOptions::default());
        let streamed = import_streamed(&name, &bytes.as_slice(), &ImportOptions::default());
        assert_eq!(streamed, whole, "{}", path.display());
        n_imported += usize::from(whole.is_ok());
    }
    // Most are exports Lens reads; the rest (the CSV acid tests, hostile files) fail both ways.
    assert!(n_imported >= 20, "{n_imported} of {} imported", files.len());
}
