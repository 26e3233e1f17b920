//! `cargo xtask gen --size district|region --seed N --out DIR [--end YYYY-MM-DD]`: writes a
//! seeded, synthetic but realistic set of CRM exports of a sales team (weekly Salesforce report
//! snapshots, OpportunityHistory, users and roles, renewals files, GTM program data) for demos,
//! tests and benchmarks.
//!
//! Determinism: everything derives from the seed and the as-of end date (default 2026-11-13,
//! a Friday); the generator never reads the clock, and the same flags give byte-identical files.
//! Each part draws from its own ChaCha8 stream (see `gen/random.rs`), so files can be written on
//! several threads without changing a byte.
//!
//! Layout: `team` (people, roles, habits) → `pipeline` (accounts and opportunity lives) →
//! writers: `snapshots`, `salesforce_export`, `renewals`, `program`; `output` holds the CSV
//! plumbing and `calendar` the day arithmetic.

mod calendar;
mod ids;
mod names;
mod output;
mod pipeline;
mod program;
mod random;
mod renewals;
mod salesforce_export;
mod snapshots;
mod team;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use calendar::{DateTexts, Day, format_iso_date, parse_iso_date, weekday_index};
use pipeline::Pipeline;
use program::ProgramAccount;
use renewals::Renewals;
use snapshots::SnapshotStatics;
use team::Team;

const USAGE: &str =
    "usage: cargo xtask gen --size district|region --seed N --out DIR [--end YYYY-MM-DD]";
const DEFAULT_END_DATE: &str = "2026-11-13";

pub fn run(args: &[String]) -> Result<(), String> {
    if args
        .iter()
        .any(|argument| argument == "--help" || argument == "-h")
    {
        println!("{USAGE}");
        return Ok(());
    }
    let options = parse_options(args)?;
    let started = Instant::now();
    let summaries = generate(&options)?;
    let mut total_bytes = 0;
    for summary in &summaries {
        println!(
            "{:<46} {:>10} rows {:>14} bytes",
            summary.relative_path, summary.rows, summary.bytes
        );
        total_bytes += summary.bytes;
    }
    println!(
        "wrote {} files ({} bytes) to {} in {:.1}s (size {}, seed {}, as of {})",
        summaries.len(),
        total_bytes,
        options.out_dir.display(),
        started.elapsed().as_secs_f64(),
        options.size.label(),
        options.seed,
        format_iso_date(options.end_day),
    );
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Size {
    /// Hidden: a few reps and ~200 opportunities, for tests.
    Tiny,
    District,
    Region,
}

/// How big each part of the data set is.
struct SizeConfig {
    n_districts: usize,
    reps_per_district: usize,
    target_opportunities: usize,
    program_eligible_accounts: usize,
    usage_accounts: usize,
}

impl Size {
    fn label(self) -> &'static str {
        match self {
            Size::Tiny => "tiny",
            Size::District => "district",
            Size::Region => "region",
        }
    }

    fn config(self) -> SizeConfig {
        match self {
            Size::Tiny => SizeConfig {
                n_districts: 1,
                reps_per_district: 4,
                target_opportunities: 200,
                program_eligible_accounts: 40,
                usage_accounts: 4,
            },
            Size::District => SizeConfig {
                n_districts: 1,
                reps_per_district: 12,
                target_opportunities: 5_000,
                program_eligible_accounts: 300,
                usage_accounts: 40,
            },
            Size::Region => SizeConfig {
                n_districts: 10,
                reps_per_district: 12,
                target_opportunities: 100_000,
                program_eligible_accounts: 3_000,
                usage_accounts: 400,
            },
        }
    }
}

#[derive(Debug)]
struct GenOptions {
    size: Size,
    seed: u64,
    end_day: Day,
    out_dir: PathBuf,
}

fn parse_options(args: &[String]) -> Result<GenOptions, String> {
    let mut size = None;
    let mut seed = None;
    let mut end_day = None;
    let mut out_dir = None;
    let mut index = 0;
    while index < args.len() {
        let argument = args[index].as_str();
        let (flag, inline_value) = match argument.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_string())),
            _ => (argument, None),
        };
        if !matches!(flag, "--size" | "--seed" | "--out" | "--end") {
            return Err(format!("gen: unknown argument `{argument}`\n{USAGE}"));
        }
        let value = match inline_value {
            Some(value) => value,
            None => {
                index += 1;
                args.get(index)
                    .cloned()
                    .ok_or_else(|| format!("gen: `{flag}` needs a value\n{USAGE}"))?
            }
        };
        match flag {
            "--size" => {
                size = Some(match value.as_str() {
                    "district" => Size::District,
                    "region" => Size::Region,
                    "tiny" => Size::Tiny,
                    other => {
                        return Err(format!(
                            "gen: --size must be `district` or `region`, not `{other}`"
                        ));
                    }
                })
            }
            "--seed" => {
                seed = Some(value.parse::<u64>().map_err(|_| {
                    format!("gen: --seed must be a non-negative integer, not `{value}`")
                })?)
            }
            "--end" => end_day = Some(parse_end_date(&value)?),
            _ => out_dir = Some(PathBuf::from(value)),
        }
        index += 1;
    }
    let size = size.ok_or_else(|| format!("gen: missing --size\n{USAGE}"))?;
    let seed = seed.ok_or_else(|| format!("gen: missing --seed\n{USAGE}"))?;
    let out_dir = out_dir.ok_or_else(|| format!("gen: missing --out\n{USAGE}"))?;
    let end_day = match end_day {
        Some(day) => day,
        None => parse_end_date(DEFAULT_END_DATE)?,
    };
    Ok(GenOptions {
        size,
        seed,
        end_day,
        out_dir,
    })
}

fn parse_end_date(text: &str) -> Result<Day, String> {
    let day = parse_iso_date(text)
        .ok_or_else(|| format!("gen: --end must be a date like 2026-11-13, not `{text}`"))?;
    if weekday_index(day) != 4 {
        return Err(format!(
            "gen: --end must be a Friday (snapshots are weekly Friday exports); {text} is not"
        ));
    }
    Ok(day)
}

/// One written file, for the summary and the README.
#[derive(Clone, Debug)]
struct FileSummary {
    relative_path: String,
    rows: u64,
    bytes: u64,
}

/// Everything the file writers read; built once, then shared across writer threads.
struct GeneratedData {
    seed: u64,
    end_day: Day,
    dates: DateTexts,
    team: Team,
    pipeline: Pipeline,
    snapshot_statics: SnapshotStatics,
    renewals: Renewals,
    program_accounts: Vec<ProgramAccount>,
}

#[derive(Clone, Copy)]
enum Job {
    Snapshot(Day),
    OpportunityHistory,
    Users,
    UserRoles,
    Accounts,
    Subscriptions,
    Usage,
    Tickets,
    ChurnEvents,
    ProgramMilestones,
    ExperimentAssignments,
}

fn generate(options: &GenOptions) -> Result<Vec<FileSummary>, String> {
    let config = options.size.config();
    let end_day = options.end_day;
    let dates = DateTexts::new(end_day - 3_000, end_day + 1_500);
    let team = team::build_team(
        options.seed,
        config.n_districts,
        config.reps_per_district,
        end_day,
    );
    let pipeline =
        pipeline::build_pipeline(options.seed, &team, config.target_opportunities, end_day);
    let snapshot_statics = snapshots::build_snapshot_statics(&team, &pipeline);
    let renewals =
        renewals::build_renewals(options.seed, &pipeline, config.usage_accounts, end_day);
    let program_accounts = program::build_program(
        options.seed,
        &pipeline,
        config.program_eligible_accounts,
        end_day,
    );
    let data = GeneratedData {
        seed: options.seed,
        end_day,
        dates,
        team,
        pipeline,
        snapshot_statics,
        renewals,
        program_accounts,
    };

    let out_dir = &options.out_dir;
    std::fs::create_dir_all(out_dir.join("snapshots")).map_err(|error| {
        format!(
            "cannot create {}: {error}",
            out_dir.join("snapshots").display()
        )
    })?;

    // Jobs in the order the summary lists them.
    let mut jobs: Vec<Job> = snapshots::snapshot_days(end_day)
        .into_iter()
        .map(Job::Snapshot)
        .collect();
    jobs.extend([
        Job::OpportunityHistory,
        Job::Users,
        Job::UserRoles,
        Job::Accounts,
        Job::Subscriptions,
        Job::Usage,
        Job::Tickets,
        Job::ChurnEvents,
        Job::ProgramMilestones,
        Job::ExperimentAssignments,
    ]);
    // Run the biggest files first so the threads finish together.
    let mut execution_order: Vec<usize> = (0..jobs.len()).collect();
    execution_order.sort_by_key(|&job_index| match jobs[job_index] {
        Job::OpportunityHistory => 0,
        Job::Usage | Job::Tickets => 1,
        Job::Snapshot(day) => 2 + (end_day - day) as usize,
        _ => 1_000,
    });

    let results: Vec<Mutex<Option<Result<FileSummary, String>>>> =
        jobs.iter().map(|_| Mutex::new(None)).collect();
    let next_job = AtomicUsize::new(0);
    let n_threads = std::thread::available_parallelism()
        .map_or(2, |count| count.get())
        .clamp(1, 8);
    std::thread::scope(|scope| {
        for _ in 0..n_threads {
            scope.spawn(|| {
                loop {
                    let position = next_job.fetch_add(1, Ordering::Relaxed);
                    let Some(&job_index) = execution_order.get(position) else {
                        break;
                    };
                    let result = run_job(jobs[job_index], &data, out_dir);
                    if let Ok(mut slot) = results[job_index].lock() {
                        *slot = Some(result);
                    }
                }
            });
        }
    });

    let mut summaries = Vec::with_capacity(jobs.len() + 1);
    for slot in results {
        let result = slot
            .into_inner()
            .map_err(|_| "gen: a writer thread panicked".to_string())?
            .ok_or_else(|| "gen: a file was not written".to_string())?;
        summaries.push(result?);
    }
    summaries.push(write_readme(options, &summaries, out_dir)?);
    Ok(summaries)
}

fn run_job(job: Job, data: &GeneratedData, out_dir: &Path) -> Result<FileSummary, String> {
    let relative_path = match job {
        Job::Snapshot(day) => snapshots::snapshot_relative_path(day, &data.dates),
        Job::OpportunityHistory => "OpportunityHistory.csv".to_string(),
        Job::Users => "User.csv".to_string(),
        Job::UserRoles => "UserRole.csv".to_string(),
        Job::Accounts => "accounts.csv".to_string(),
        Job::Subscriptions => "subscriptions.csv".to_string(),
        Job::Usage => "usage.csv".to_string(),
        Job::Tickets => "tickets.csv".to_string(),
        Job::ChurnEvents => "churn_events.csv".to_string(),
        Job::ProgramMilestones => "program_milestones.csv".to_string(),
        Job::ExperimentAssignments => "experiment_assignments.csv".to_string(),
    };
    let path = out_dir.join(&relative_path);
    let (dates, pipeline, team) = (&data.dates, &data.pipeline, &data.team);
    let (rows, bytes) = match job {
        Job::Snapshot(day) => {
            snapshots::write_snapshot(pipeline, &data.snapshot_statics, dates, day, &path)?
        }
        Job::OpportunityHistory => {
            salesforce_export::write_opportunity_history(data.seed, team, pipeline, dates, &path)?
        }
        Job::Users => salesforce_export::write_users(team, dates, &path)?,
        Job::UserRoles => salesforce_export::write_user_roles(team, &path)?,
        Job::Accounts => renewals::write_accounts(team, pipeline, dates, &path)?,
        Job::Subscriptions => {
            renewals::write_subscriptions(pipeline, &data.renewals, dates, &path)?
        }
        Job::Usage => renewals::write_usage(
            data.seed,
            pipeline,
            &data.renewals,
            dates,
            data.end_day,
            &path,
        )?,
        Job::Tickets => renewals::write_tickets(
            data.seed,
            pipeline,
            &data.renewals,
            data.end_day,
            dates,
            &path,
        )?,
        Job::ChurnEvents => renewals::write_churn_events(pipeline, &data.renewals, dates, &path)?,
        Job::ProgramMilestones => {
            program::write_program_milestones(pipeline, &data.program_accounts, dates, &path)?
        }
        Job::ExperimentAssignments => {
            program::write_experiment_assignments(pipeline, &data.program_accounts, dates, &path)?
        }
    };
    Ok(FileSummary {
        relative_path,
        rows,
        bytes,
    })
}

fn write_readme(
    options: &GenOptions,
    summaries: &[FileSummary],
    out_dir: &Path,
) -> Result<FileSummary, String> {
    let snapshot_summaries: Vec<&FileSummary> = summaries
        .iter()
        .filter(|summary| summary.relative_path.starts_with("snapshots/"))
        .collect();
    let mut text = String::new();
    text.push_str("# Lens demo data (synthetic)\n\n");
    text.push_str(&format!(
        "All data in this folder is synthetic: generated by `cargo xtask gen --size {} --seed {} --end {}` \
         for the fictional company \"Lens Demo Co\" (seed {}, size {}, as-of end date {}); every person, \
         account and deal is invented, the same flags reproduce these files byte for byte, and the files are \
         the weekly Salesforce report snapshots, a Salesforce Data Export of OpportunityHistory, users and roles, \
         Lens-format renewals files, and the data of the GTM program `ai-support-resolution-copilot` with its \
         experiment `exp-001`.\n\n",
        options.size.label(),
        options.seed,
        format_iso_date(options.end_day),
        options.seed,
        options.size.label(),
        format_iso_date(options.end_day),
    ));
    text.push_str("| File | Rows |\n|---|---:|\n");
    if let (Some(first), Some(last)) = (snapshot_summaries.first(), snapshot_summaries.last()) {
        let total: u64 = snapshot_summaries.iter().map(|summary| summary.rows).sum();
        text.push_str(&format!(
            "| `snapshots/opportunities-YYYY-MM-DD.csv` ({} weekly files, {} … {}) | {} in total; {} in the first, {} in the last |\n",
            snapshot_summaries.len(),
            &first.relative_path["snapshots/opportunities-".len()..first.relative_path.len() - 4],
            &last.relative_path["snapshots/opportunities-".len()..last.relative_path.len() - 4],
            total,
            first.rows,
            last.rows,
        ));
    }
    for summary in summaries
        .iter()
        .filter(|summary| !summary.relative_path.starts_with("snapshots/"))
    {
        text.push_str(&format!(
            "| `{}` | {} |\n",
            summary.relative_path, summary.rows
        ));
    }
    let path = out_dir.join("README.md");
    std::fs::write(&path, &text)
        .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    Ok(FileSummary {
        relative_path: "README.md".to_string(),
        rows: text.lines().count() as u64,
        bytes: text.len() as u64,
    })
}

#[cfg(test)]
mod analysis_golden;

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;

    /// A fresh output folder under the system temp dir, removed on drop.
    struct TempOutput(PathBuf);

    impl TempOutput {
        fn new(name: &str) -> TempOutput {
            let path =
                std::env::temp_dir().join(format!("lens-gen-test-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&path);
            TempOutput(path)
        }
    }

    impl Drop for TempOutput {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn tiny_options(seed: u64, out_dir: &Path) -> GenOptions {
        GenOptions {
            size: Size::Tiny,
            seed,
            end_day: parse_iso_date(DEFAULT_END_DATE).unwrap_or_default(),
            out_dir: out_dir.to_path_buf(),
        }
    }

    fn generate_tiny(seed: u64, name: &str) -> (TempOutput, Vec<FileSummary>) {
        let output = TempOutput::new(name);
        let summaries =
            generate(&tiny_options(seed, &output.0)).unwrap_or_else(|error| panic!("{error}"));
        (output, summaries)
    }

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
    }

    /// Splits one CSV line (no embedded line breaks) into cells, undoing quoting.
    fn split_csv_line(line: &str) -> Vec<String> {
        let mut cells = Vec::new();
        let mut cell = String::new();
        let mut in_quotes = false;
        let mut chars = line.chars().peekable();
        while let Some(character) = chars.next() {
            match (character, in_quotes) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    cell.push('"');
                    chars.next();
                }
                ('"', _) => in_quotes = !in_quotes,
                (',', false) => cells.push(std::mem::take(&mut cell)),
                (other, _) => cell.push(other),
            }
        }
        cells.push(cell);
        cells
    }

    /// Header and rows of a CSV file as maps from column name to cell.
    fn csv_records(text: &str) -> Vec<HashMap<String, String>> {
        let mut lines = text.lines();
        let header = split_csv_line(lines.next().unwrap_or_default());
        lines
            .map(|line| {
                header
                    .iter()
                    .cloned()
                    .zip(split_csv_line(line))
                    .collect::<HashMap<_, _>>()
            })
            .collect()
    }

    /// The data part of a snapshot (before the blank line) and the footer lines.
    fn split_snapshot(text: &str) -> (&str, Vec<&str>) {
        let (data, footer) = text.split_once("\n\n").unwrap_or((text, ""));
        (data, footer.lines().collect())
    }

    fn us_date_to_iso(text: &str) -> String {
        let parts: Vec<u32> = text
            .split('/')
            .map(|part| part.parse().unwrap_or(0))
            .collect();
        format!("{:04}-{:02}-{:02}", parts[2], parts[0], parts[1])
    }

    fn report_amount_to_whole_units(text: &str) -> String {
        let number = text.split_once(' ').map_or(text, |(_, number)| number);
        number.trim_end_matches(".00").replace(',', "")
    }

    fn snapshot_paths(dir: &Path) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join("snapshots"))
            .unwrap_or_else(|error| panic!("{error}"))
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .collect();
        paths.sort();
        paths
    }

    fn snapshot_iso_date(path: &Path) -> String {
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default();
        name.trim_start_matches("opportunities-")
            .trim_end_matches(".csv")
            .to_string()
    }

    fn all_files(dir: &Path) -> Vec<PathBuf> {
        let mut files = Vec::new();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(folder) = pending.pop() {
            for entry in std::fs::read_dir(&folder)
                .unwrap_or_else(|error| panic!("{error}"))
                .flatten()
            {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path)
                } else {
                    files.push(path)
                }
            }
        }
        files.sort();
        files
    }

    #[test]
    fn same_seed_gives_identical_bytes() {
        let (first, _) = generate_tiny(11, "same-seed-a");
        let (second, _) = generate_tiny(11, "same-seed-b");
        let (other_seed, _) = generate_tiny(12, "same-seed-c");
        let first_files = all_files(&first.0);
        assert_eq!(first_files.len(), 52 + 10 + 1);
        for path in &first_files {
            let relative = path.strip_prefix(&first.0).unwrap_or(path);
            let first_bytes = std::fs::read(path).unwrap_or_default();
            let second_bytes = std::fs::read(second.0.join(relative)).unwrap_or_default();
            assert!(!first_bytes.is_empty(), "{} is empty", relative.display());
            assert!(
                first_bytes == second_bytes,
                "{} differs between runs",
                relative.display()
            );
        }
        let history = read(&first.0.join("OpportunityHistory.csv"));
        assert_ne!(history, read(&other_seed.0.join("OpportunityHistory.csv")));
    }

    #[test]
    fn history_agrees_with_every_snapshot() {
        let (output, _) = generate_tiny(5, "history-snapshots");
        let history = csv_records(&read(&output.0.join("OpportunityHistory.csv")));
        let mut history_by_opportunity: HashMap<String, Vec<&HashMap<String, String>>> =
            HashMap::new();
        for record in &history {
            history_by_opportunity
                .entry(record["OpportunityId"].clone())
                .or_default()
                .push(record);
        }
        for rows in history_by_opportunity.values_mut() {
            rows.sort_by(|left, right| left["CreatedDate"].cmp(&right["CreatedDate"]));
            // The current row is the latest one and the only one without ValidThroughDate.
            let n_current = rows
                .iter()
                .filter(|row| row["ValidThroughDate"].is_empty())
                .count();
            assert_eq!(n_current, 1);
            assert!(rows[rows.len() - 1]["ValidThroughDate"].is_empty());
            assert!(rows[0]["FromOpportunityStageName"].is_empty());
        }

        let snapshots = snapshot_paths(&output.0);
        assert_eq!(snapshots.len(), 52);
        for (snapshot_position, path) in snapshots.iter().enumerate() {
            let snapshot_day = snapshot_iso_date(path);
            let text = read(path);
            let (data, _) = split_snapshot(&text);
            let rows = csv_records(data);
            let mut listed = HashSet::new();
            for row in &rows {
                let opportunity_id = &row["Opportunity ID"];
                listed.insert(opportunity_id.clone());
                let in_force = history_by_opportunity[opportunity_id]
                    .iter()
                    .rev()
                    .find(|history_row| history_row["CreatedDate"][..10] <= *snapshot_day)
                    .unwrap_or_else(|| panic!("{opportunity_id} has no history by {snapshot_day}"));
                assert_eq!(
                    row["Stage"], in_force["StageName"],
                    "{opportunity_id} at {snapshot_day}"
                );
                assert_eq!(
                    row["Forecast Category"], in_force["ForecastCategory"],
                    "{opportunity_id} at {snapshot_day}"
                );
                assert_eq!(
                    report_amount_to_whole_units(&row["Amount"]),
                    in_force["Amount"],
                    "{opportunity_id}"
                );
                assert_eq!(
                    us_date_to_iso(&row["Close Date"]),
                    in_force["CloseDate"][..10],
                    "{opportunity_id}"
                );
                assert_eq!(
                    row["Probability (%)"],
                    format!("{}%", in_force["Probability"])
                );
                if snapshot_position == snapshots.len() - 1 {
                    // In the last snapshot, the values are those of the latest history row.
                    assert!(
                        in_force["ValidThroughDate"].is_empty(),
                        "{opportunity_id} changed after the as-of date"
                    );
                }
            }
            // Conversely, every opportunity open at the date or closed within a year is listed.
            let snapshot_day_number = parse_iso_date(&snapshot_day).unwrap_or_default();
            for (opportunity_id, history_rows) in &history_by_opportunity {
                let Some(in_force) = history_rows
                    .iter()
                    .rev()
                    .find(|row| row["CreatedDate"][..10] <= *snapshot_day)
                else {
                    continue;
                };
                let close_day = parse_iso_date(&in_force["CloseDate"][..10]).unwrap_or_default();
                let is_closed = in_force["StageName"].starts_with("Closed");
                let expected = !is_closed || snapshot_day_number - close_day < 365;
                assert_eq!(
                    listed.contains(opportunity_id),
                    expected,
                    "{opportunity_id} at {snapshot_day}"
                );
            }
        }
    }

    #[test]
    fn history_rows_chain_and_each_records_a_change() {
        let (output, _) = generate_tiny(4, "history-chain");
        let history = csv_records(&read(&output.0.join("OpportunityHistory.csv")));
        let mut history_by_opportunity: HashMap<&str, Vec<&HashMap<String, String>>> =
            HashMap::new();
        for record in &history {
            history_by_opportunity
                .entry(record["OpportunityId"].as_str())
                .or_default()
                .push(record);
        }
        let (mut probability_overrides, mut in_month_nudges, mut in_stage_amount_changes) =
            (0, 0, 0);
        for rows in history_by_opportunity.values_mut() {
            rows.sort_by(|left, right| left["CreatedDate"].cmp(&right["CreatedDate"]));
            for row in rows.iter() {
                let amount: u64 = row["Amount"].parse().unwrap_or_default();
                let probability: u64 = row["Probability"].parse().unwrap_or_default();
                assert_eq!(
                    row["ExpectedRevenue"],
                    (amount * probability / 100).to_string()
                );
            }
            for pair in rows.windows(2) {
                let (previous, row) = (pair[0], pair[1]);
                let id = &row["Id"];
                assert_eq!(
                    row["FromOpportunityStageName"], previous["StageName"],
                    "{id}"
                );
                assert_eq!(
                    row["FromForecastCategory"], previous["ForecastCategory"],
                    "{id}"
                );
                assert_eq!(row["PrevAmount"], previous["Amount"], "{id}");
                assert_eq!(row["PrevCloseDate"], previous["CloseDate"], "{id}");
                assert_eq!(previous["ValidThroughDate"], row["CreatedDate"], "{id}");
                let changed = [
                    "StageName",
                    "ForecastCategory",
                    "Amount",
                    "CloseDate",
                    "Probability",
                ]
                .iter()
                .any(|column| row[*column] != previous[*column]);
                assert!(changed, "{id} records no change");
                if row["StageName"] != previous["StageName"] {
                    continue;
                }
                probability_overrides += usize::from(row["Probability"] != previous["Probability"]);
                in_month_nudges += usize::from(
                    row["CloseDate"] != previous["CloseDate"]
                        && row["CloseDate"][..7] == previous["CloseDate"][..7],
                );
                in_stage_amount_changes += usize::from(row["Amount"] != previous["Amount"]);
            }
        }
        assert!(probability_overrides > 0, "no probability overrides");
        assert!(in_month_nudges > 0, "no close-date nudges within a month");
        assert!(
            in_stage_amount_changes > 0,
            "no amount changes within a stage"
        );
    }

    #[test]
    fn every_snapshot_has_a_dated_footer_and_an_unambiguous_date() {
        let (output, _) = generate_tiny(3, "footers");
        for path in snapshot_paths(&output.0) {
            let iso_date = snapshot_iso_date(&path);
            let day = parse_iso_date(&iso_date).unwrap_or_default();
            let text = read(&path);
            let (data, footer) = split_snapshot(&text);
            assert_eq!(footer.len(), 5, "{}", path.display());
            assert_eq!(footer[0], "\"Opportunities by Rep\"");
            assert_eq!(
                footer[1],
                format!(
                    "\"Copyright (c) 2000-{} salesforce.com, inc. All rights reserved.\"",
                    &iso_date[..4]
                )
            );
            assert_eq!(
                footer[2],
                "\"Confidential Information - Do Not Distribute\""
            );
            let expected_prefix = format!(
                "\"Generated By:  Morgan Ellis  {} ",
                calendar::format_us_date(day)
            );
            assert!(
                footer[3].starts_with(&expected_prefix),
                "{}: {}",
                path.display(),
                footer[3]
            );
            assert!(footer[3].ends_with(" PM\""), "{}", footer[3]);
            assert_eq!(footer[4], "\"Lens Demo Co\"");
            // Some date has a day above 12, so M/D order can be inferred.
            let rows = csv_records(data);
            let has_unambiguous_date = rows.iter().any(|row| {
                ["Close Date", "Created Date", "Last Activity"]
                    .iter()
                    .any(|column| {
                        row[*column]
                            .split('/')
                            .nth(1)
                            .and_then(|day| day.parse::<u32>().ok())
                            .is_some_and(|day| day > 12)
                    })
            });
            assert!(has_unambiguous_date, "{}", path.display());
            // Every data line quotes every cell.
            for line in data.lines() {
                assert!(line.starts_with('"') && line.ends_with('"'));
                assert_eq!(split_csv_line(line).len(), snapshots::SNAPSHOT_HEADER.len());
            }
        }
    }

    #[test]
    fn record_ids_are_unique_and_well_formed() {
        let (output, _) = generate_tiny(9, "ids");
        let history = csv_records(&read(&output.0.join("OpportunityHistory.csv")));
        let history_ids: HashSet<&String> = history.iter().map(|row| &row["Id"]).collect();
        assert_eq!(history_ids.len(), history.len());
        let opportunity_ids: HashSet<&String> =
            history.iter().map(|row| &row["OpportunityId"]).collect();
        assert!(
            opportunity_ids.len() >= 150,
            "only {} opportunities",
            opportunity_ids.len()
        );
        for opportunity_id in &opportunity_ids {
            assert_eq!(opportunity_id.len(), 18);
            assert!(opportunity_id.starts_with("006"));
            assert_eq!(
                ids::case_safe_suffix(&opportunity_id.as_bytes()[..15]),
                opportunity_id[15..]
            );
        }
        for path in snapshot_paths(&output.0) {
            let text = read(&path);
            let rows = csv_records(split_snapshot(&text).0);
            let listed: HashSet<&String> = rows.iter().map(|row| &row["Opportunity ID"]).collect();
            assert_eq!(
                listed.len(),
                rows.len(),
                "duplicate id in {}",
                path.display()
            );
            assert!(listed.iter().all(|id| opportunity_ids.contains(id)));
        }
        let users = csv_records(&read(&output.0.join("User.csv")));
        let user_ids: HashSet<&String> = users.iter().map(|row| &row["Id"]).collect();
        assert!(
            history
                .iter()
                .all(|row| user_ids.contains(&row["CreatedById"]))
        );
    }

    #[test]
    fn flags_are_checked() {
        let args = |text: &str| {
            text.split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        let options = parse_options(&args("--size district --seed 7 --out /tmp/x"))
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(options.size, Size::District);
        assert_eq!(format_iso_date(options.end_day), DEFAULT_END_DATE);
        let options = parse_options(&args(
            "--size=region --seed=1 --out=/tmp/y --end=2026-06-05",
        ))
        .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!((options.size, options.seed), (Size::Region, 1));
        for (bad, expected) in [
            ("--size county --seed 7 --out /tmp/x", "--size must be"),
            ("--size district --seed -1 --out /tmp/x", "--seed must be"),
            ("--size district --seed 7", "missing --out"),
            (
                "--size district --seed 7 --out /tmp/x --end 2026-11-12",
                "must be a Friday",
            ),
            (
                "--size district --seed 7 --out /tmp/x --end 11/13/2026",
                "--end must be a date",
            ),
            (
                "--size district --seed 7 --out /tmp/x --verbose",
                "unknown argument",
            ),
            ("--size district --seed", "needs a value"),
        ] {
            let error = parse_options(&args(bad)).err().unwrap_or_default();
            assert!(error.contains(expected), "`{bad}` gave `{error}`");
        }
    }

    #[test]
    fn summaries_count_data_rows() {
        let (output, summaries) = generate_tiny(2, "summaries");
        for summary in summaries
            .iter()
            .filter(|summary| summary.relative_path.ends_with(".csv"))
        {
            let text = read(&output.0.join(&summary.relative_path));
            let data = split_snapshot(&text).0;
            assert_eq!(
                data.lines().count() as u64 - 1,
                summary.rows,
                "{}",
                summary.relative_path
            );
        }
    }
}
