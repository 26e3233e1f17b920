//! `cargo bench -p lens-core --bench analyze -- DIR [--runs N] [--as-of YYYY-MM-DD]`: imports every
//! export under DIR (as `cargo xtask gen` writes them) and times `insight::analyze` on the result.
//!
//! Prints the import time and the index time (`Index::new`, once per load), then analyze's minimum, median and maximum over N runs after one
//! warm-up run, on one thread. `cargo xtask bench` generates the data sets and calls this.
//!
//! `cargo bench -p lens-core --bench analyze -- DIR --read-back [--separate]`: what the analysis
//! worker does each time the panel opens, on a whole data set: every export of DIR is imported and
//! encoded into storage chunks by a child process (so that none of the import's memory is counted),
//! then this process reads them all back (`store::decode_sharing`, one set of shared texts for the
//! data set, as `AnalystWorker` does; `--separate`: one set per import) and prints the time, the
//! memory the process holds afterwards (Linux's VmRSS and its peak, VmHWM) and the texts shared,
//! then indexes and analyses the data set read back as above, the analysis the panel waits for.
//!
//! `cargo bench -p lens-core --bench analyze -- --file FILE [--runs N] [--steps csv,parse,import,store,load]`:
//! the native reading of one CSV export, each step over N runs after one warm-up: `csv` (the `csv`
//! crate alone splitting the bytes into records, the ceiling any CSV reading in Rust starts from),
//! `parse` (the import's decoding and splitting, `import::read_rows`) and `import` (the whole
//! `import_file`: decode, split, detect, type every row); `store` adds the encoding into storage
//! chunks, as the import worker runs it (`store::ImportJob::run`, reading the file from disk), and
//! `load` the reading back of those chunks that the analysis worker does each time the panel
//! opens (`store::decode`). Prints milliseconds and MB/s (10^6 bytes
//! per second of file), the figures the browser benchmark holds its wasm numbers against.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lens_core::import::{ImportOptions, Reread, import_file, read_rows};
use lens_core::insight::{Dataset, Index, Settings, analyze_indexed};
use lens_core::model::SharedTexts;
use lens_core::store::{self, ImportJob, StoredImport};

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let mut dir = None;
    let mut file = None;
    let mut steps = vec![Step::Csv, Step::Parse, Step::Import];
    let mut runs = 5;
    let mut as_of = "2026-11-13".to_string();
    let mut read_back = false;
    let mut separate = false;
    let mut write_chunks = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--read-back" => read_back = true,
            "--separate" => separate = true,
            "--write-chunks" => {
                write_chunks = Some(PathBuf::from(args.next().expect("--write-chunks DIR")))
            }
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).expect("--runs N"),
            "--as-of" => as_of = args.next().expect("--as-of YYYY-MM-DD"),
            "--file" => {
                file = Some(from_workspace(PathBuf::from(
                    args.next().expect("--file FILE"),
                )))
            }
            "--steps" => {
                steps = args
                    .next()
                    .expect("--steps csv,parse,import,store,load")
                    .split(',')
                    .map(|step| {
                        Step::parse(step).expect("--steps takes csv, parse, import, store and load")
                    })
                    .collect()
            }
            _ => dir = Some(PathBuf::from(arg)),
        }
    }
    if let Some(file) = file {
        read_one_file(&file, &steps, runs);
        return;
    }
    let Some(dir) = dir else {
        eprintln!(
            "usage: cargo bench -p lens-core --bench analyze -- DIR [--runs N] [--as-of DATE] [--read-back [--separate]]\n       \
             cargo bench -p lens-core --bench analyze -- --file FILE [--runs N] [--steps csv,parse,import,store,load]"
        );
        std::process::exit(2);
    };
    let as_of = as_of.parse().expect("--as-of takes YYYY-MM-DD");
    let dir = from_workspace(dir);
    if let Some(out) = write_chunks {
        write_stored(&dir, &out);
        return;
    }
    if read_back {
        let dataset = read_back_stored(&dir, as_of, separate);
        index_and_analyze(&dataset, as_of, runs);
        return;
    }

    let started = Instant::now();
    let mut dataset = Dataset::default();
    let mut bytes_read = 0;
    for path in export_files(&dir) {
        let bytes = std::fs::read(&path).expect("readable export");
        bytes_read += bytes.len();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        match import_file(&name, &bytes, &ImportOptions::default()) {
            Ok(report) => {
                dataset.add(report, as_of);
            }
            Err(error) => eprintln!("{}: {error}", path.display()),
        }
    }
    let import_time = started.elapsed();
    let n_opportunities: usize = dataset
        .snapshots
        .last()
        .map_or(0, |s| s.opportunities.len());
    let n_history: usize = dataset.history.iter().map(|log| log.events.len()).sum();
    println!(
        "import   {:>9.1} ms  {} files' worth {:.1} MB: {} snapshots, {} opportunities in the latest, {} history events",
        ms(import_time),
        dataset.snapshots.len() + dataset.history.len(),
        bytes_read as f64 / 1e6,
        dataset.snapshots.len(),
        n_opportunities,
        n_history
    );

    index_and_analyze(&dataset, as_of, runs);
}

/// Builds the `Index` once, then times `analyze_indexed` over `runs` runs after a warm-up.
fn index_and_analyze(dataset: &Dataset, as_of: chrono::NaiveDate, runs: usize) {
    let started = Instant::now();
    let index = Index::new(dataset);
    println!(
        "index    {:>9.1} ms  (once per load: snapshots merged and indexed by id, history grouped by record)",
        ms(started.elapsed())
    );

    let settings = Settings::new(as_of);
    let warm_up = analyze_indexed(&index, &settings).expect("analysis runs");
    let n_insights = warm_up.insights().count();
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            let analysis = analyze_indexed(&index, &settings).expect("analysis runs");
            let elapsed = started.elapsed();
            std::hint::black_box(analysis);
            elapsed
        })
        .collect();
    times.sort();
    println!(
        "analyze  {:>9.1} ms median (min {:.1}, max {:.1}; {runs} runs after 1 warm-up), {n_insights} insights",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1]),
    );
    for section in &warm_up.sections {
        println!(
            "         {:>6} insights  {}",
            section.insights.len(),
            section.title
        );
    }
}

/// Imports and encodes every export under `dir` into `out`: `<n>.json` (the `StoredImport`) and
/// `<n>.chunks` (each chunk as a little-endian u64 length and its bytes).
fn write_stored(dir: &Path, out: &Path) {
    std::fs::create_dir_all(out).expect("a folder for the chunks");
    for (n, path) in export_files(dir).iter().enumerate() {
        let bytes = std::fs::read(path).expect("readable export");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Ok(report) = import_file(&name, &bytes, &ImportOptions::default()) else {
            continue;
        };
        let (stored, chunks) = store::encode(report, bytes.len() as u64, "");
        let description = serde_json::to_vec(&stored).expect("a description as JSON");
        std::fs::write(out.join(format!("{n:04}.json")), description).expect("writable folder");
        let mut framed = Vec::new();
        for chunk in chunks {
            framed.extend_from_slice(&(chunk.len() as u64).to_le_bytes());
            framed.extend_from_slice(&chunk);
        }
        std::fs::write(out.join(format!("{n:04}.chunks")), framed).expect("writable folder");
    }
}

/// `--read-back`: the stored imports of `dir` (written by a child process) read back into one
/// data set.
fn read_back_stored(dir: &Path, as_of: chrono::NaiveDate, separate: bool) -> Dataset {
    let out = std::env::temp_dir().join(format!("lens-read-back-{}", std::process::id()));
    let status = std::process::Command::new(std::env::current_exe().expect("this bench"))
        .arg(dir)
        .arg("--write-chunks")
        .arg(&out)
        .status()
        .expect("the bench runs itself");
    assert!(status.success(), "encoding the exports failed");
    let before = memory_kib();
    let started = Instant::now();
    let mut texts = SharedTexts::default();
    let mut dataset = Dataset::default();
    let mut descriptions: Vec<PathBuf> = std::fs::read_dir(&out)
        .expect("the chunks written")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    descriptions.sort();
    let mut encoded_bytes = 0;
    for description in &descriptions {
        let stored: StoredImport =
            serde_json::from_slice(&std::fs::read(description).expect("readable description"))
                .expect("a stored import");
        let framed = std::fs::read(description.with_extension("chunks")).expect("readable chunks");
        encoded_bytes += framed.len();
        let mut chunks = Vec::new();
        let mut rest = &framed[..];
        while let Some((length, after)) = rest.split_first_chunk::<8>() {
            let (chunk, after) = after.split_at(u64::from_le_bytes(*length) as usize);
            chunks.push(chunk);
            rest = after;
        }
        let report = if separate {
            store::decode(&stored, chunks)
        } else {
            store::decode_sharing(&stored, chunks, &mut texts)
        }
        .expect("chunks that decode");
        dataset.add(report, as_of);
    }
    let elapsed = started.elapsed();
    let after = memory_kib();
    let _ = std::fs::remove_dir_all(&out);
    println!(
        "read back {:>8.1} ms  {} imports, {:.1} MB of chunks, {}; process memory {:.0} MiB before, {:.0} MiB after (peak {:.0} MiB)",
        ms(elapsed),
        descriptions.len(),
        encoded_bytes as f64 / 1e6,
        if separate {
            "texts shared within each import".to_string()
        } else {
            format!("{} distinct texts shared across the data set", texts.len())
        },
        before.0 / 1024.0,
        after.0 / 1024.0,
        after.1 / 1024.0,
    );
    dataset
}

/// This process's resident memory and its peak, in KiB (Linux; zero elsewhere).
fn memory_kib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
            .unwrap_or(0.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// `cargo bench` runs in the package folder; a relative path is meant from the workspace root.
fn from_workspace(path: PathBuf) -> PathBuf {
    if path.is_relative() && !path.exists() {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(path)
    } else {
        path
    }
}

/// One step of reading a file natively (`--file`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// The `csv` crate alone: records split from the bytes, nothing decoded or typed.
    Csv,
    /// The import's decoding and splitting into rows of text cells (`import::read_rows`).
    Parse,
    /// The whole import (`import_file`).
    Import,
    /// What the import worker does with a file: import it, then encode the records into storage
    /// chunks (`store::ImportJob::run`); with `/usr/bin/time -v`, its peak memory.
    Store,
    /// What the analysis worker does with a stored import when the panel opens: decode its chunks
    /// back into records (`store::decode`; the chunks are made once, before the runs).
    Load,
}

impl Step {
    fn parse(name: &str) -> Option<Step> {
        match name {
            "csv" => Some(Step::Csv),
            "parse" => Some(Step::Parse),
            "import" => Some(Step::Import),
            "store" => Some(Step::Store),
            "load" => Some(Step::Load),
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Step::Csv => "csv crate (ByteRecord, no typing)",
            Step::Parse => "lens parse (import::read_rows)",
            Step::Import => "lens import (import_file)",
            Step::Store => "lens import + encode (ImportJob::run)",
            Step::Load => "lens read back (store::decode)",
        }
    }

    /// Runs the step once; returns a count that depends on all the work (so none is optimised away).
    fn run(self, name: &str, bytes: &[u8], file: &DiskFile, stored: &Stored) -> u64 {
        match self {
            Step::Csv => {
                let mut reader = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .from_reader(bytes);
                let mut record = csv::ByteRecord::new();
                let mut fields = 0u64;
                while reader
                    .read_byte_record(&mut record)
                    .expect("a readable CSV")
                {
                    fields += record.len() as u64;
                }
                fields
            }
            Step::Parse => read_rows(bytes).expect("a readable CSV").len() as u64,
            Step::Import => {
                let report = import_file(name, bytes, &ImportOptions::default())
                    .expect("an importable file");
                report.data_rows as u64
            }
            Step::Store => {
                let (stored, chunks) = store_file(name, file);
                std::hint::black_box(chunks);
                stored.stored_rows as u64
            }
            Step::Load => {
                let (stored, chunks) = stored.as_ref().expect("the chunks made before the runs");
                let report = store::decode(stored, chunks).expect("chunks that decode");
                report.stored_rows as u64
            }
        }
    }
}

/// An import as the extension stores it: its description and its encoded chunks.
type Stored = Option<(StoredImport, Vec<Vec<u8>>)>;

/// What the import worker does with a file: import it, then encode the records into chunks.
fn store_file(name: &str, file: &DiskFile) -> (StoredImport, Vec<Vec<u8>>) {
    let job = ImportJob {
        options: ImportOptions::default(),
        // The day an undated snapshot would be dated with (the browser's today).
        as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 13).expect("a date"),
        imported_at: "2026-11-13T00:00:00Z".to_string(),
    };
    job.run(name, file, &mut |_| {})
        .expect("an importable file")
}

/// Times each step on one file and prints milliseconds and MB/s.
fn read_one_file(path: &Path, steps: &[Step], runs: usize) {
    // The store step reads the file from disk itself, as the import worker reads a browser file:
    // the bench holds the bytes only for the other steps, so that the store step's peak memory
    // can be measured alone.
    let bytes = if steps
        .iter()
        .any(|&step| !matches!(step, Step::Store | Step::Load))
    {
        std::fs::read(path).expect("a readable file")
    } else {
        Vec::new()
    };
    let file = DiskFile {
        path,
        size: std::fs::metadata(path).expect("a readable file").len(),
    };
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let stored = steps
        .contains(&Step::Load)
        .then(|| store_file(&name, &file));
    let megabytes = file.size as f64 / 1e6;
    println!(
        "{}: {:.1} MB, {runs} runs after 1 warm-up, one thread",
        path.display(),
        megabytes
    );
    for &step in steps {
        let count = step.run(&name, &bytes, &file, &stored);
        let mut times: Vec<Duration> = (0..runs)
            .map(|_| {
                let started = Instant::now();
                std::hint::black_box(step.run(&name, std::hint::black_box(&bytes), &file, &stored));
                started.elapsed()
            })
            .collect();
        times.sort();
        let median = times[times.len() / 2];
        println!(
            "{:<36} {:>8.1} ms median (min {:.1}, max {:.1})  {:>6.1} MB/s  ({count} {})",
            step.label(),
            ms(median),
            ms(times[0]),
            ms(times[times.len() - 1]),
            megabytes / median.as_secs_f64(),
            match step {
                Step::Csv => "fields",
                Step::Parse => "rows",
                Step::Import => "data rows",
                Step::Store | Step::Load => "stored rows",
            }
        );
    }
}

/// A file on disk, opened again for each pass the import makes over it.
struct DiskFile<'a> {
    path: &'a Path,
    size: u64,
}

impl Reread for DiskFile<'_> {
    fn size(&self) -> u64 {
        self.size
    }

    fn open(&self) -> std::io::Result<Box<dyn std::io::Read + '_>> {
        Ok(Box::new(std::fs::File::open(self.path)?))
    }
}

/// Every CSV under `dir` (one level of subfolders), sorted by path.
fn export_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("readable data folder") {
            let path = entry.expect("readable entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "csv") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}
