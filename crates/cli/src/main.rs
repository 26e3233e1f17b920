//! `lens`: Lens's analytics core on CRM export files, from the command line.
//!
//! `lens import FILE...` reads each export the way the extension does and reports what it found:
//! the format, the as-of date, and every row either stored or rejected with its reason.
//! `lens analyze FILE... --as-of DATE` runs every module of the insight engine on them.
//! Nothing is written anywhere; the commands only read the files they are given.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use lens_core::import::{self, DateOrder, DecimalMark, ImportOptions, ImportReport, Mapping};
use lens_core::insight::{self, Added, Dataset, Settings, analyze};
use serde::Serialize;
use std::io::Write;

#[derive(Parser)]
#[command(
    name = "lens",
    version,
    about = "Lens: descriptive pipeline analytics on CRM exports, offline"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read export files and report, per file, the format, the as-of date and the rows stored and rejected.
    Import(ImportArgs),
    /// Describe the pipeline as of a date: cockpit, forecast, hygiene, evidence, patterns, POC, program, renewals, coaching, territory, plays; each number with its formula, population and rows.
    Analyze(AnalyzeArgs),
    /// Write the review pack into a folder: review.md, one CSV per module and review.xlsx (one sheet per module), every number with its formula and population.
    Review(ReviewArgs),
}

#[derive(clap::Args)]
struct ReviewArgs {
    #[command(flatten)]
    analysis: AnalyzeArgs,
    /// The folder to write the pack into (created when missing).
    #[arg(long)]
    out: PathBuf,
}

#[derive(clap::Args)]
struct AnalyzeArgs {
    /// Export files: opportunity reports or exports (each one a dated snapshot), opportunity history, users.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The date to describe (YYYY-MM-DD). Opportunity files without a date of their own are taken as of this date.
    #[arg(long, value_parser = parse_date)]
    as_of: chrono::NaiveDate,
    /// The plan (quota) for the fiscal quarter containing the as-of date, in the reporting currency.
    #[arg(long)]
    plan: Option<f64>,
    /// The currency amounts are reported in (deals in other currencies are counted but never added). Default: the most common one.
    #[arg(long)]
    currency: Option<String>,
    /// First month of the fiscal year, 1–12.
    #[arg(long, default_value_t = 1)]
    fiscal_year_start: u32,
    /// Attention filter: days in stage above this percentile of the team's days in that stage.
    #[arg(long, default_value_t = 90.0)]
    stage_age_percentile: f64,
    /// Attention filter: no activity for more than this many days.
    #[arg(long, default_value_t = 30)]
    no_activity_days: i64,
    /// Attention filter: close date moved at least this many times.
    #[arg(long, default_value_t = 3)]
    push_count: u32,
    /// Anomaly band: median ± k × scaled MAD of the entity's own history.
    #[arg(long, default_value_t = 3.0)]
    anomaly_k: f64,
    /// A TOML column mapping for exports Lens does not recognise (see docs/mapping.md).
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// A JSON file of further settings, named as in docs/analysis-json.md (program targets,
    /// experiment conditions, renewal window, change-point parameters, segment targets, …); the
    /// options above are applied first, the file's values over them.
    #[arg(long)]
    settings: Option<PathBuf>,
    /// Day/month order of dates like 03/04/2025.
    #[arg(long, value_enum, default_value_t = DateOrderArg::Auto)]
    date_order: DateOrderArg,
    /// Decimal mark of numbers like 1.234 or 25,000; `auto` takes it from the file's first number
    /// that shows one (1.234,56 or 1,234.56), else reads them with a point.
    #[arg(long, value_enum, default_value_t = DecimalMarkArg::Auto)]
    decimal_mark: DecimalMarkArg,
    /// Print the analysis as JSON (schema: docs/analysis-json.md).
    #[arg(long, conflicts_with = "markdown")]
    json: bool,
    /// Print the analysis as Markdown (the default).
    #[arg(long)]
    markdown: bool,
}

#[derive(clap::Args)]
struct ImportArgs {
    /// Export files: CSV (UTF-8, UTF-16 or Windows-1252) or XLSX.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print one JSON document for machines instead of the text summary.
    #[arg(long)]
    json: bool,
    /// Day/month order of dates like 03/04/2025; `auto` infers it from the data and stops when nothing settles it.
    #[arg(long, value_enum, default_value_t = DateOrderArg::Auto)]
    date_order: DateOrderArg,
    /// Decimal mark of numbers like 1.234 or 25,000; `auto` takes it from the file's first number
    /// that shows one (1.234,56 or 1,234.56), else reads them with a point.
    #[arg(long, value_enum, default_value_t = DecimalMarkArg::Auto)]
    decimal_mark: DecimalMarkArg,
    /// The snapshot's as-of date (YYYY-MM-DD), overriding a report footer's date.
    #[arg(long, value_parser = parse_date)]
    as_of: Option<chrono::NaiveDate>,
    /// A TOML column mapping for exports Lens does not recognise (see docs/mapping.md).
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// How many rejected rows to list per file in the text summary.
    #[arg(long, default_value_t = 5)]
    show_rejected: usize,
}

#[derive(Clone, Copy, ValueEnum)]
enum DecimalMarkArg {
    Auto,
    /// 1.234,56: a comma starts the fraction.
    Comma,
    /// 1,234.56: a point starts the fraction.
    Point,
}

#[derive(Clone, Copy, ValueEnum)]
enum DateOrderArg {
    Auto,
    Dmy,
    Mdy,
}

fn parse_date(text: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("\"{text}\" is not a date in YYYY-MM-DD form"))
}

mod review;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Import(args) => run_import(&args),
        Command::Analyze(args) => run_analyze(&args),
        Command::Review(args) => run_review(&args),
    }
}

/// The JSON shape of one file's outcome.
#[derive(Serialize)]
struct FileOutcome<'a> {
    file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    summary: Option<Summary<'a>>,
}

#[derive(Serialize)]
struct Summary<'a> {
    format: String,
    source: import::Source,
    kind: import::TableKind,
    as_of: Option<chrono::NaiveDate>,
    as_of_source: Option<import::AsOfSource>,
    date_order: Option<DateOrder>,
    decimal_mark: Option<DecimalMark>,
    data_rows: usize,
    stored_rows: usize,
    rejected_rows: usize,
    records: Records,
    rejected: &'a [import::Rejection],
    notes: &'a [String],
    columns: &'a [(String, String)],
    unused_columns: &'a [String],
}

/// How many typed records of each kind the import produced.
#[derive(Serialize)]
struct Records {
    opportunities: usize,
    history_events: usize,
    accounts: usize,
    users: usize,
    roles: usize,
    subscriptions: usize,
    usage_points: usize,
    tickets: usize,
    churn_events: usize,
    program_milestones: usize,
    experiment_assignments: usize,
}

fn summary(report: &ImportReport) -> Summary<'_> {
    let data = &report.data;
    Summary {
        format: report.format.to_string(),
        source: report.format.source,
        kind: report.format.kind,
        as_of: report.as_of,
        as_of_source: report.as_of_source,
        date_order: report.date_order,
        decimal_mark: report.decimal_mark,
        data_rows: report.data_rows,
        stored_rows: report.stored_rows,
        rejected_rows: report.rejected.len(),
        records: Records {
            opportunities: data.opportunities.len(),
            history_events: data.history.len(),
            accounts: data.accounts.len(),
            users: data.users.len(),
            roles: data.roles.len(),
            subscriptions: data.subscriptions.len(),
            usage_points: data.usage.len(),
            tickets: data.tickets.len(),
            churn_events: data.churn_events.len(),
            program_milestones: data.milestones.len(),
            experiment_assignments: data.assignments.len(),
        },
        rejected: &report.rejected,
        notes: &report.notes,
        columns: &report.columns,
        unused_columns: &report.unused_columns,
    }
}

/// The import options of a command line, or the exit code when the mapping file is unusable.
fn import_options(
    mapping: Option<&Path>,
    date_order: DateOrderArg,
    decimal_mark: DecimalMarkArg,
    as_of: Option<chrono::NaiveDate>,
) -> Result<ImportOptions, ExitCode> {
    let mapping = match mapping {
        None => None,
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|error| error.to_string())
            .and_then(|text| Mapping::from_toml(&text).map_err(|error| error.to_string()))
        {
            Ok(mapping) => Some(mapping),
            Err(message) => {
                eprintln!("lens: {}: {message}", path.display());
                return Err(ExitCode::from(2));
            }
        },
    };
    Ok(ImportOptions {
        date_order: match date_order {
            DateOrderArg::Auto => DateOrder::Auto,
            DateOrderArg::Dmy => DateOrder::DayFirst,
            DateOrderArg::Mdy => DateOrder::MonthFirst,
        },
        decimal_mark: match decimal_mark {
            DecimalMarkArg::Auto => None,
            DecimalMarkArg::Comma => Some(DecimalMark::Comma),
            DecimalMarkArg::Point => Some(DecimalMark::Point),
        },
        as_of,
        mapping,
    })
}

fn run_analyze(args: &AnalyzeArgs) -> ExitCode {
    let analysis = match analysis_of(args) {
        Ok(analysis) => analysis,
        Err(code) => return code,
    };
    let text = if args.json {
        match serde_json::to_string_pretty(&analysis) {
            Ok(text) => text + "\n",
            Err(error) => {
                eprintln!("lens: could not write JSON: {error}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        insight::markdown(&analysis)
    };
    if emit(&text) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Writes `text` to standard output; `false` when that failed (and was said). A reader that
/// closed the pipe early (`lens analyze … | head`) has had what it wanted: that is no failure.
fn emit(text: &str) -> bool {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => true,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => true,
        Err(error) => {
            eprintln!("lens: could not write the output: {error}");
            false
        }
    }
}

fn run_review(args: &ReviewArgs) -> ExitCode {
    let analysis = match analysis_of(&args.analysis) {
        Ok(analysis) => analysis,
        Err(code) => return code,
    };
    match review::write_pack(&analysis, &args.out) {
        Ok(written) => {
            let listed: String = written
                .iter()
                .map(|path| format!("{}\n", path.display()))
                .collect();
            if emit(&listed) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(message) => {
            eprintln!("lens: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Imports the files and runs every module; errors are printed, naming the file.
fn analysis_of(args: &AnalyzeArgs) -> Result<insight::Analysis, ExitCode> {
    let options = import_options(
        args.mapping.as_deref(),
        args.date_order,
        args.decimal_mark,
        None,
    )?;
    let mut dataset = Dataset::default();
    for path in &args.files {
        match import_path(path, &options) {
            Ok(report) => {
                let kind = report.format.kind;
                if dataset.add(report, args.as_of) == Added::NotRead {
                    eprintln!(
                        "lens: {}: {} tables are not read by analyze; skipped",
                        path.display(),
                        kind.label()
                    );
                }
            }
            Err(message) => {
                eprintln!("lens: {}: {message}", path.display());
                return Err(ExitCode::FAILURE);
            }
        }
    }
    let settings = Settings {
        plan: args.plan,
        currency: args.currency.clone(),
        fiscal_year_start_month: args.fiscal_year_start,
        stage_age_percentile: args.stage_age_percentile,
        no_activity_days: args.no_activity_days,
        push_count_at_least: args.push_count,
        anomaly_k: args.anomaly_k,
        ..Settings::new(args.as_of)
    };
    let settings = match &args.settings {
        Some(path) => settings_from_file(settings, path).map_err(|message| {
            eprintln!("lens: {}: {message}", path.display());
            ExitCode::FAILURE
        })?,
        None => settings,
    };
    analyze(&dataset, &settings).map_err(|error| {
        eprintln!("lens: {error}");
        ExitCode::FAILURE
    })
}

/// Lays the JSON object in `path` over `settings`: each key it names replaces that setting.
fn settings_from_file(settings: Settings, path: &Path) -> Result<Settings, String> {
    let text = std::fs::read_to_string(path).map_err(|error| error.to_string())?;
    let overlay: serde_json::Value =
        serde_json::from_str(&text).map_err(|error| format!("not JSON ({error})"))?;
    let serde_json::Value::Object(overlay) = overlay else {
        return Err("the settings file must hold one JSON object".to_string());
    };
    let mut merged = serde_json::to_value(&settings).map_err(|error| error.to_string())?;
    if let serde_json::Value::Object(fields) = &mut merged {
        for (name, value) in overlay {
            if !fields.contains_key(&name) {
                return Err(format!(
                    "\"{name}\" is not a setting (see docs/analysis-json.md)"
                ));
            }
            fields.insert(name, value);
        }
    }
    serde_json::from_value(merged)
        .map_err(|error| format!("a setting has the wrong shape ({error})"))
}

fn run_import(args: &ImportArgs) -> ExitCode {
    let options = match import_options(
        args.mapping.as_deref(),
        args.date_order,
        args.decimal_mark,
        args.as_of,
    ) {
        Ok(options) => options,
        Err(code) => return code,
    };
    let mut n_failed = 0;
    let outcomes: Vec<(String, Result<ImportReport, String>)> = args
        .files
        .iter()
        .map(|path| {
            let name = path.display().to_string();
            let result = import_path(path, &options);
            if result.is_err() {
                n_failed += 1;
            }
            (name, result)
        })
        .collect();

    if args.json {
        let json: Vec<FileOutcome> = outcomes
            .iter()
            .map(|(file, result)| match result {
                Ok(report) => FileOutcome {
                    file: file.clone(),
                    error: None,
                    summary: Some(summary(report)),
                },
                Err(message) => FileOutcome {
                    file: file.clone(),
                    error: Some(message.clone()),
                    summary: None,
                },
            })
            .collect();
        match serde_json::to_string_pretty(&json) {
            Ok(text) => {
                if !emit(&(text + "\n")) {
                    return ExitCode::FAILURE;
                }
            }
            Err(error) => {
                eprintln!("lens: could not write JSON: {error}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        for (file, result) in &outcomes {
            match result {
                Ok(report) => {
                    if !emit(&report_text(file, report, args.show_rejected)) {
                        return ExitCode::FAILURE;
                    }
                }
                Err(message) => eprintln!("lens: {file}: {message}"),
            }
        }
    }
    if n_failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn import_path(path: &Path, options: &ImportOptions) -> Result<ImportReport, String> {
    // An empty or oversized file is refused from its size alone, before any of it is read.
    let size = std::fs::metadata(path)
        .map_err(|error| format!("cannot read the file: {error}"))?
        .len();
    import::check_file_size(size).map_err(|error| error.to_string())?;
    let file_name = path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    let file = DiskFile { path, size };
    import::import_reread_reporting(&file_name, &file, options, &mut |_| {})
        .map_err(|error| error.to_string())
}

/// A file on disk, opened again for each pass over it (a large CSV file is read twice rather than
/// held; see `lens_core::import::Reread`).
struct DiskFile<'a> {
    path: &'a Path,
    size: u64,
}

impl import::Reread for DiskFile<'_> {
    fn size(&self) -> u64 {
        self.size
    }

    fn open(&self) -> std::io::Result<Box<dyn std::io::Read + '_>> {
        Ok(Box::new(std::fs::File::open(self.path)?))
    }
}

/// The text summary of one imported file.
fn report_text(file: &str, report: &ImportReport, show_rejected: usize) -> String {
    let mut text = String::new();
    let mut line = |line: std::fmt::Arguments| {
        text.push_str(&line.to_string());
        text.push('\n');
    };
    line(format_args!("{file}"));
    line(format_args!("  format    {}", report.format));
    let as_of = match (report.as_of, report.as_of_source) {
        (Some(date), Some(import::AsOfSource::ReportFooter)) => {
            format!("{date} (from the report footer)")
        }
        (Some(date), _) => format!("{date} (given)"),
        (None, _) => "not stated in the file (--as-of sets it)".to_string(),
    };
    line(format_args!("  as of     {as_of}"));
    if let Some(order) = report.date_order {
        let order = match order {
            DateOrder::DayFirst => "day/month/year",
            DateOrder::MonthFirst => "month/day/year",
            DateOrder::Auto => "automatic",
        };
        line(format_args!("  dates     {order}"));
    }
    if let Some(mark) = report.decimal_mark {
        line(format_args!(
            "  numbers   {} ({})",
            mark.label(),
            mark.example()
        ));
    }
    line(format_args!(
        "  rows      {} data rows: {} stored, {} rejected",
        report.data_rows,
        report.stored_rows,
        report.rejected.len()
    ));
    if !report.data.history.is_empty() {
        line(format_args!(
            "  history   {} change events",
            report.data.history.len()
        ));
    }
    for (idx, rejection) in report.rejected.iter().take(show_rejected).enumerate() {
        let label = if idx == 0 { "rejected" } else { "" };
        line(format_args!("  {label:<9} {rejection}"));
    }
    if report.rejected.len() > show_rejected {
        line(format_args!(
            "            … and {} more (--json lists all)",
            report.rejected.len() - show_rejected
        ));
    }
    for (idx, note) in report.notes.iter().enumerate() {
        let label = if idx == 0 { "notes" } else { "" };
        line(format_args!("  {label:<9} {note}"));
    }
    text
}
