//! Builds the seed corpora of the fuzz targets from real exports, at run time (nothing here is
//! committed but this program).
//!
//! `seed --data DIR --repo DIR --out DIR` writes `OUT/<target>/`:
//! - `import_csv`: every CSV under the data folder (the real exports and the CSV acid tests), the
//!   repository's CSV fixtures and documented examples;
//! - `import_xlsx`: the repository's XLSX fixtures, and each of those CSVs written as an XLSX
//!   workbook with typed cells (numbers, dates) as Salesforce writes its XLSX reports; each
//!   workbook both as a file and as its framed parts (`workbook::frame`), which the fuzzer can
//!   change without breaking the archive's checksums;
//! - `mapping_toml`: the documented mapping files, alone and with the export each reads;
//! - `page_record`: the JSON of pages showing each record of `fuzz/dataset/`, with the labels and
//!   value forms Salesforce, HubSpot and Dynamics 365 pages use;
//! - `store_decode`: the stored chunk of every CSV that imports.
//!
//! Files over [`MAX_LINES`] lines are cut to their first lines: the fuzzer runs faster on small
//! inputs, and the rest of a long export repeats the same shapes.
//!
//! Findings are saved under `fuzz/regressions/` in the form the core's own test reads, and two
//! commands turn a fuzz input into that form: `seed page-json FILE` prints the page record a
//! `page_record` input stands for, as JSON; `seed workbook FILE OUT` writes the workbook an
//! `import_xlsx` input stands for.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use lens_core::import::{DateOrder, ImportOptions, import_file};
use lens_core::insight::{PageField, PageRecord};
use lens_core::store;
use lens_fuzz_support::{dataset, page, workbook};

/// Lines of a text file kept in a seed.
const MAX_LINES: usize = 200;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("page-json") => match args.get(1) {
            Some(file) => page_json(Path::new(file)),
            None => Err("usage: seed page-json FILE".to_string()),
        },
        Some("workbook") => match (args.get(1), args.get(2)) {
            (Some(file), Some(out)) => workbook_file(Path::new(file), Path::new(out)),
            _ => Err("usage: seed workbook FILE OUT".to_string()),
        },
        _ => seed(&args),
    };
    if let Err(message) = result {
        eprintln!("seed: {message}");
        std::process::exit(1);
    }
}

fn page_json(file: &Path) -> Result<(), String> {
    let bytes = fs::read(file).map_err(|error| format!("{}: {error}", file.display()))?;
    let (_, page) = page::page_record(&bytes);
    let json = serde_json::to_string_pretty(&page).map_err(|error| error.to_string())?;
    println!("{json}");
    Ok(())
}

fn workbook_file(file: &Path, out: &Path) -> Result<(), String> {
    let bytes = read(file)?;
    let workbook = match workbook::parse(&bytes) {
        workbook::Input::File(file) => file.to_vec(),
        workbook::Input::Parts { flags, parts } => workbook::assemble(flags, &parts),
    };
    fs::write(out, workbook).map_err(|error| format!("{}: {error}", out.display()))
}

fn seed(args: &[String]) -> Result<(), String> {
    let mut data = None;
    let mut repo = None;
    let mut out = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let value = rest.next().map(PathBuf::from);
        match arg.as_str() {
            "--data" => data = value,
            "--repo" => repo = value,
            "--out" => out = value,
            other => {
                return Err(format!(
                    "unknown option `{other}` (options: --data, --repo, --out)"
                ));
            }
        }
    }
    let (Some(data), Some(repo), Some(out)) = (data, repo, out) else {
        return Err("usage: seed --data DIR --repo DIR --out DIR".to_string());
    };

    let mut csv_files = Vec::new();
    files_with_extension(&data, "csv", &mut csv_files);
    files_with_extension(
        &repo.join("crates/core/tests/fixtures"),
        "csv",
        &mut csv_files,
    );
    files_with_extension(&repo.join("docs/examples"), "csv", &mut csv_files);
    let mut xlsx_files = Vec::new();
    files_with_extension(&data, "xlsx", &mut xlsx_files);
    files_with_extension(
        &repo.join("crates/core/tests/fixtures"),
        "xlsx",
        &mut xlsx_files,
    );

    let mut counts = Vec::new();
    let dir = target_dir(&out, "import_csv")?;
    let mut written = 0;
    let mut csv_texts = Vec::new();
    for file in &csv_files {
        let bytes = first_lines(&read(file)?);
        write(&dir, &seed_name(file, &data, &repo, ""), &bytes)?;
        csv_texts.push((file.clone(), bytes));
        written += 1;
    }
    counts.push(("import_csv", written));

    let dir = target_dir(&out, "import_xlsx")?;
    let mut written = 0;
    for file in &xlsx_files {
        let bytes = read(file)?;
        write(&dir, &seed_name(file, &data, &repo, ""), &bytes)?;
        write(
            &dir,
            &seed_name(file, &data, &repo, ".parts"),
            &framed(&bytes)?,
        )?;
        written += 2;
    }
    for (file, bytes) in &csv_texts {
        let Some(workbook) = csv_to_xlsx(bytes) else {
            continue;
        };
        write(&dir, &seed_name(file, &data, &repo, ".xlsx"), &workbook)?;
        write(
            &dir,
            &seed_name(file, &data, &repo, ".xlsx.parts"),
            &framed(&workbook)?,
        )?;
        written += 2;
    }
    counts.push(("import_xlsx", written));

    let dir = target_dir(&out, "mapping_toml")?;
    let mappings = [
        (
            repo.join("docs/examples/mapping.toml"),
            repo.join("docs/examples/pipeline.csv"),
        ),
        (
            repo.join("crates/core/tests/fixtures/generic_pipeline.toml"),
            repo.join("crates/core/tests/fixtures/generic_pipeline.csv"),
        ),
    ];
    let mut written = 0;
    for (toml, csv) in &mappings {
        let toml_bytes = read(toml)?;
        write(&dir, &seed_name(toml, &data, &repo, ""), &toml_bytes)?;
        let mut with_csv = toml_bytes.clone();
        with_csv.push(0);
        with_csv.extend(first_lines(&read(csv)?));
        write(&dir, &seed_name(toml, &data, &repo, ".with-csv"), &with_csv)?;
        written += 2;
    }
    counts.push(("mapping_toml", written));

    let dir = target_dir(&out, "page_record")?;
    let pages = pages();
    for (idx, page) in pages.iter().enumerate() {
        let json = serde_json::to_vec_pretty(page).map_err(|error| error.to_string())?;
        write(&dir, &format!("page_{idx:02}.json"), &json)?;
    }
    counts.push(("page_record", pages.len()));

    let dir = target_dir(&out, "store_decode")?;
    let mut written = 0;
    for (file, bytes) in &csv_texts {
        let imported = [DateOrder::Auto, DateOrder::DayFirst]
            .into_iter()
            .find_map(|date_order| {
                let options = ImportOptions {
                    date_order,
                    ..ImportOptions::default()
                };
                import_file("seed.csv", bytes, &options).ok()
            });
        let Some(report) = imported else { continue };
        let (_, chunks) = store::encode(report, bytes.len() as u64, "");
        if let Some(chunk) = chunks.first() {
            write(&dir, &seed_name(file, &data, &repo, ".chunk"), chunk)?;
            written += 1;
        }
    }
    counts.push(("store_decode", written));

    for (target, count) in counts {
        println!("{target}: {count} seeds in {}", out.join(target).display());
    }
    Ok(())
}

/// Pages showing each record of the data set: as Salesforce shows it (labels, `USD 485,000.00`,
/// dd/mm/yyyy or mm/dd/yyyy dates), by name only, with an 15-character id, and a page of another
/// CRM's labels.
fn pages() -> Vec<PageRecord> {
    let mut pages = Vec::new();
    let (_, _, latest) = dataset::FILES[1];
    let text = String::from_utf8_lossy(latest);
    let mut lines = text.lines();
    let headers: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    for (idx, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        let fields: Vec<PageField> = headers
            .iter()
            .zip(&cells)
            .skip(1)
            .map(|(label, value)| PageField {
                label: label.to_string(),
                value: page_value(label, value, idx % 2 == 0),
            })
            .collect();
        let id = cells.first().copied().unwrap_or_default();
        let name = cells.get(1).map(|name| name.to_string());
        pages.push(PageRecord {
            record_id: Some(id.to_string()),
            name: name.clone(),
            fields: fields.clone(),
        });
        if idx == 0 {
            pages.push(PageRecord {
                record_id: Some(id[..15].to_string()),
                name: name.clone(),
                fields: fields.clone(),
            });
            pages.push(PageRecord {
                record_id: Some("0065g00000ZZZZZAAA".to_string()),
                name,
                fields: fields[..3].to_vec(),
            });
        }
    }
    let field = |label: &str, value: &str| PageField {
        label: label.to_string(),
        value: value.to_string(),
    };
    pages.push(PageRecord {
        record_id: Some("18230114512".to_string()),
        name: Some("Globex - New".to_string()),
        fields: vec![
            field("Deal Stage", "Proposal/Price Quote"),
            field("Close Date", "1/15/2027"),
            field("Amount", "$100,000.00"),
            field("Deal owner", "Dana Whitfield"),
            field("Last Activity Date", "11/12/2026"),
            field("Create Date", "07/11/2026"),
        ],
    });
    pages.push(PageRecord {
        record_id: Some("6f1a3b8e-1c2d-4e5f-8a9b-0c1d2e3f4a5b".to_string()),
        name: Some("Initech - Renewal".to_string()),
        fields: vec![
            field("Est. close date", "10.11.2026"),
            field("Est. revenue", "€200.000,00"),
            field("Status", "Lost"),
            field("Probability", "0 %"),
            field("Sales Stage", "Close"),
        ],
    });
    pages
}

/// A cell of the data set as a Salesforce page shows it.
fn page_value(label: &str, value: &str, day_first: bool) -> String {
    if let Some(amount) = value
        .strip_prefix("USD ")
        .or_else(|| value.strip_prefix("EUR "))
    {
        let currency = &value[..3];
        let grouped = group_thousands(amount);
        return format!("{currency} {grouped}.00");
    }
    if label.ends_with("Date") || label == "Last Activity" {
        let parts: Vec<&str> = value.split('-').collect();
        if let [year, month, day] = parts[..] {
            let (month, day) = (month.trim_start_matches('0'), day.trim_start_matches('0'));
            return if day_first {
                format!("{day}/{month}/{year}")
            } else {
                format!("{month}/{day}/{year}")
            };
        }
    }
    value.to_string()
}

fn group_thousands(digits: &str) -> String {
    let mut out = String::new();
    for (idx, digit) in digits.chars().enumerate() {
        if idx > 0 && (digits.len() - idx).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Writes a CSV as a one-sheet XLSX: numbers as numbers, ISO dates as dates, the rest as text.
fn csv_to_xlsx(bytes: &[u8]) -> Option<Vec<u8>> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let text = String::from_utf8_lossy(bytes);
    let delimiter =
        if text.lines().next()?.matches(';').count() > text.lines().next()?.matches(',').count() {
            b';'
        } else {
            b','
        };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut workbook = Workbook::new();
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    let sheet = workbook.add_worksheet();
    for (row, record) in reader.records().enumerate() {
        let record = record.ok()?;
        for (column, cell) in record.iter().enumerate() {
            let (row, column) = (row as u32, column as u16);
            let date = cell
                .get(..10)
                .filter(|_| cell.len() == 10)
                .and_then(|iso| ExcelDateTime::parse_from_str(iso).ok());
            let written = match (date, cell.parse::<f64>()) {
                (Some(date), _) => sheet
                    .write_datetime_with_format(row, column, &date, &date_format)
                    .map(|_| ()),
                (None, Ok(number)) if number.is_finite() && !cell.starts_with('0') => {
                    sheet.write_number(row, column, number).map(|_| ())
                }
                _ => sheet.write_string(row, column, cell).map(|_| ()),
            };
            written.ok()?;
        }
    }
    workbook.save_to_buffer().ok()
}

/// The parts of a workbook, framed as the `import_xlsx` target reads them; document properties
/// and the theme are left out (the import never reads them).
fn framed(workbook_bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(workbook_bytes))
        .map_err(|error| error.to_string())?;
    let mut parts = Vec::new();
    for idx in 0..archive.len() {
        let mut entry = archive.by_index(idx).map_err(|error| error.to_string())?;
        let name = entry.name().map_err(|error| error.to_string())?.to_string();
        if name.starts_with("docProps/") || name.contains("theme") {
            continue;
        }
        let mut content = Vec::new();
        entry
            .read_to_end(&mut content)
            .map_err(|error| error.to_string())?;
        parts.push((name, content));
    }
    Ok(workbook::frame(0, &parts))
}

fn files_with_extension(dir: &Path, extension: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            files_with_extension(&path, extension, out);
        } else if path
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case(extension))
        {
            out.push(path);
        }
    }
}

/// The first [`MAX_LINES`] lines of a text file (a binary file is kept whole).
fn first_lines(bytes: &[u8]) -> Vec<u8> {
    let mut n_lines = 0;
    for (idx, &byte) in bytes.iter().enumerate() {
        if byte == b'\n' {
            n_lines += 1;
            if n_lines == MAX_LINES {
                return bytes[..=idx].to_vec();
            }
        }
    }
    bytes.to_vec()
}

/// A file name for a seed: its path under the data folder or the repository, with `__` for `/`.
fn seed_name(file: &Path, data: &Path, repo: &Path, suffix: &str) -> String {
    let relative = file
        .strip_prefix(data)
        .or_else(|_| file.strip_prefix(repo))
        .unwrap_or(file);
    let name = relative.to_string_lossy().replace(['/', '\\'], "__");
    format!("{name}{suffix}")
}

fn target_dir(out: &Path, target: &str) -> Result<PathBuf, String> {
    let dir = out.join(target);
    fs::create_dir_all(&dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    Ok(dir)
}

fn read(file: &Path) -> Result<Vec<u8>, String> {
    fs::read(file).map_err(|error| format!("{}: {error}", file.display()))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), String> {
    let path = dir.join(name);
    fs::write(&path, bytes).map_err(|error| format!("{}: {error}", path.display()))
}
