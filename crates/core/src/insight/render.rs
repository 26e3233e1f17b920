//! Number formatting shared by the templates, and the Markdown rendering of an [`Analysis`]: what a
//! sales manager pastes into an email, each finding followed by its formula and population.

use std::borrow::Borrow;
use std::fmt::Write;

use crate::import::values::format_whole;

use super::{
    Analysis, ConditionStatus, EvidenceRef, Insight, Population, Reference, SubjectKind, Unit,
};

/// `1234567.8` → `1,234,568` (whole units; amounts in exports are whole or cents).
pub fn grouped(value: f64) -> String {
    let mut out = String::with_capacity(16);
    write_grouped(&mut out, value);
    out
}

/// An amount with its currency code: `USD 1,250,000`.
pub fn money(value: f64, currency: Option<&str>) -> String {
    let mut out = String::with_capacity(20);
    if let Some(code) = currency {
        out.push_str(code);
        out.push(' ');
    }
    write_grouped(&mut out, value);
    out
}

/// [`grouped`], appended to `out`. An analysis writes tens of thousands of amounts into its
/// texts: a whole number below 10^15 (every amount an export holds) is written with integer
/// formatting, which gives the digits of the float formatting's exact mode at a fraction of its
/// cost.
fn write_grouped(out: &mut String, value: f64) {
    let rounded = value.round();
    let digits = if rounded.abs() < 1e15 {
        (rounded.abs() as u64).to_string()
    } else {
        format!("{:.0}", rounded.abs())
    };
    if rounded < 0.0 && digits != "0" {
        out.push('−');
    }
    for (i, digit) in digits.char_indices() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
}

/// A share 0–1 as a percentage with one decimal: `0.3127` → `31.3%`.
pub fn percent(ratio: f64) -> String {
    format!("{:.1}%", ratio * 100.0)
}

/// A signed relative change: `+18.0%`, `−35.0%`.
pub fn signed_percent(ratio: f64) -> String {
    let text = percent(ratio.abs());
    if ratio < 0.0 {
        format!("−{text}")
    } else {
        format!("+{text}")
    }
}

/// A number with up to one decimal, without trailing `.0`.
pub fn number(value: f64) -> String {
    if let Some(whole) = format_whole(value) {
        return whole;
    }
    let text = format!("{value:.1}");
    text.strip_suffix(".0").unwrap_or(&text).to_string()
}

/// `1` → `1 deal`, `3` → `3 deals`.
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{n} {plural}")
    }
}

/// A value in its unit, or "undefined".
pub fn value_in_unit(value: Option<f64>, unit: &Unit) -> String {
    let Some(value) = value else {
        return "undefined".to_string();
    };
    match unit {
        Unit::Count => grouped(value),
        Unit::Money { currency } => money(value, currency.as_deref()),
        Unit::MoneyPerDay { currency } => format!("{} per day", money(value, currency.as_deref())),
        Unit::Days => format!("{} days", number(value)),
        Unit::Ratio => percent(value),
        Unit::Multiple => format!("{:.2}×", value),
    }
}

/// What a value is held against, in words, with numbers in the insight's unit.
pub fn reference(reference: &Reference, unit: &Unit) -> String {
    let in_unit = |value: f64| value_in_unit(Some(value), unit);
    match reference {
        Reference::Setting { name, value } => {
            format!("setting {}: {}", measure_words(name), number(*value))
        }
        Reference::Distribution {
            description,
            n,
            p50,
            p90,
            percentile,
        } => format!(
            "{} in a distribution of {n} ({description}): median {}, 90th percentile {}",
            ordinal_percentile(*percentile),
            in_unit(*p50),
            in_unit(*p90)
        ),
        Reference::OwnHistory {
            method,
            n,
            median,
            low,
            high,
        } => format!(
            "own history, {n} earlier points: median {}, band {} to {} ({method})",
            in_unit(*median),
            in_unit(*low),
            in_unit(*high)
        ),
        Reference::Earlier { as_of, value } => format!("{} on {as_of}", in_unit(*value)),
        Reference::SecondMeasure {
            measure,
            from,
            to,
            change,
        } => {
            let change =
                change.map_or_else(|| "change undefined (from 0)".to_string(), signed_percent);
            format!(
                "{} went from {} to {} ({change})",
                measure_words(measure),
                number(*from),
                number(*to)
            )
        }
        Reference::Target { baseline, target } => format!(
            "baseline {}, target {} (as entered in the settings)",
            in_unit(*baseline),
            in_unit(*target)
        ),
        Reference::Experiment {
            control_arm,
            control_value,
            control_n,
            treatment_arm,
            treatment_value,
            treatment_n,
            level,
            difference,
            difference_low,
            difference_high,
            difference_method,
            relative_lift_low,
            relative_lift_high,
            relative_lift_method,
        } => {
            let level = format!("{}%", number(level * 100.0));
            let interval =
                |low: &Option<f64>, high: &Option<f64>, show: &dyn Fn(f64) -> String| match (
                    low, high,
                ) {
                    (Some(low), Some(high)) => {
                        format!("{level} interval {} to {}", show(*low), show(*high))
                    }
                    _ => "no interval".to_string(),
                };
            format!(
                "{treatment_arm} {} (n = {treatment_n}) vs {control_arm} {} (n = {control_n}); difference {}, {} ({difference_method}); relative lift {} ({relative_lift_method})",
                plain(*treatment_value),
                plain(*control_value),
                plain(*difference),
                interval(difference_low, difference_high, &|v| plain(Some(v))),
                interval(relative_lift_low, relative_lift_high, &|v| signed_percent(
                    v
                )),
            )
        }
        Reference::Condition {
            index,
            condition,
            status,
            ..
        } => {
            let status = match status {
                ConditionStatus::Holds => "holds",
                ConditionStatus::DoesNotHold => "does not hold",
                ConditionStatus::CannotBeEvaluated => "cannot be evaluated",
            };
            format!("condition {index} ({condition}): {status}")
        }
    }
}

/// A number with up to three decimals (experiment arms hold proportions or mean days alike).
fn plain(value: Option<f64>) -> String {
    let Some(value) = value else {
        return "undefined".to_string();
    };
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// "at the 73rd percentile" from a percentile in percent.
fn ordinal_percentile(percentile: f64) -> String {
    let rounded = percentile.round() as i64;
    let suffix = match (rounded % 10, rounded % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("at the {rounded}{suffix} percentile")
}

/// The population in words: "412 open deals in the current snapshot; left out: 3 (no amount)".
pub fn population(population: &Population) -> String {
    let mut text = format!("n = {}: {}", population.n, population.description);
    if !population.excluded.is_empty() {
        let parts: Vec<String> = population
            .excluded
            .iter()
            .map(|e| format!("{} ({})", e.n, e.reason))
            .collect();
        write!(text, "; left out: {}", parts.join(", ")).unwrap();
    }
    text
}

/// The whole analysis as Markdown, one section per module: every team-level insight, then the
/// record-level ones grouped by measure (the first [`RECORDS_PER_MEASURE`] of each, with the count).
/// Every line carries its formula and population.
pub fn markdown(analysis: &Analysis) -> String {
    let mut out = String::new();
    let inputs = &analysis.inputs;
    writeln!(out, "# Pipeline as of {}", analysis.settings.as_of).unwrap();
    writeln!(out).unwrap();
    writeln!(out, "- Period: {}", analysis.period.label).unwrap();
    writeln!(
        out,
        "- Current snapshot: {} ({}, {} opportunities)",
        inputs.current.as_of,
        escape(&inputs.current.source_files.join(", ")),
        inputs.current.opportunities
    )
    .unwrap();
    if let Some(previous) = &inputs.previous {
        writeln!(
            out,
            "- Previous snapshot: {} ({} opportunities)",
            previous.as_of, previous.opportunities
        )
        .unwrap();
    }
    writeln!(
        out,
        "- Snapshots read: {}; history events read: {}",
        inputs.snapshots.len(),
        inputs.history_events
    )
    .unwrap();
    if let Some(currency) = &analysis.currency {
        writeln!(out, "- Reporting currency: {}", escape(currency)).unwrap();
    }
    for section in &analysis.sections {
        writeln!(out, "\n## {}\n", section.title).unwrap();
        if section.insights.is_empty() {
            writeln!(out, "Nothing to describe in this data.").unwrap();
        }
        let groups = display_groups(&section.insights, listed_by_measure_in_markdown);
        for insight in groups.summary {
            write_insight(&mut out, insight);
        }
        // Record-level findings can run to thousands: each measure lists its first few records
        // (the JSON lists them all).
        let by_measure = groups.by_measure;
        for (measure, list) in by_measure {
            writeln!(
                out,
                "\n### {} ({})\n",
                escape(&measure.replace('_', " ")),
                count(list.len(), "record", "records")
            )
            .unwrap();
            for insight in list.iter().take(RECORDS_PER_MEASURE) {
                write_insight(&mut out, insight);
            }
            if list.len() > RECORDS_PER_MEASURE {
                writeln!(
                    out,
                    "- … and {} more (`lens analyze --json` lists every one)",
                    list.len() - RECORDS_PER_MEASURE
                )
                .unwrap();
            }
        }
    }
    out
}

/// A section's insights as the Markdown and the panel show them: findings about the pipeline, the
/// team, stages and periods first, in the module's order; then findings that are one of many of
/// their measure (record-level in both, and per rep on screen, where a region lists hundreds of
/// reps) grouped by measure, in order of first appearance.
pub struct DisplayGroups<'a, T> {
    pub summary: Vec<&'a T>,
    pub by_measure: Vec<(&'a str, Vec<&'a T>)>,
}

/// Which findings the review pack's Markdown groups by measure: record-level ones.
pub fn listed_by_measure_in_markdown(kind: SubjectKind) -> bool {
    kind == SubjectKind::Record
}

/// Which findings the panel groups by measure, listing the first of each and the rest on request:
/// record-level ones and the ones about each rep.
pub fn listed_by_measure_on_screen(kind: SubjectKind) -> bool {
    matches!(kind, SubjectKind::Record | SubjectKind::Rep)
}

/// Groups a section's insights (or anything that holds one, such as the panel's
/// [`ShownInsight`](crate::analyst::ShownInsight)) for display, those for which `by_measure`
/// holds grouped by measure.
pub fn display_groups<T: Borrow<Insight>>(
    insights: &[T],
    by_measure: fn(SubjectKind) -> bool,
) -> DisplayGroups<'_, T> {
    let (grouped, summary): (Vec<&T>, Vec<&T>) = insights
        .iter()
        .partition(|item| by_measure(Borrow::<Insight>::borrow(*item).subject.kind));
    let mut groups: Vec<(&str, Vec<&T>)> = Vec::new();
    for item in grouped {
        let measure = Borrow::<Insight>::borrow(item).measure.as_str();
        match groups.iter_mut().find(|(m, _)| *m == measure) {
            Some((_, list)) => list.push(item),
            None => groups.push((measure, vec![item])),
        }
    }
    DisplayGroups {
        summary,
        by_measure: groups,
    }
}

/// The title of a group of findings of one measure: the measure in words and how many records or
/// reps it lists in all.
pub fn group_title(measure: &str, kind: SubjectKind, total: usize) -> String {
    let noun = match (kind, total) {
        (SubjectKind::Rep, 1) => "rep",
        (SubjectKind::Rep, _) => "reps",
        (_, 1) => "record",
        _ => "records",
    };
    format!("{} · {total} {noun}", measure_words(measure))
}

/// The heading of an insight in a list: its subject, or its measure in words when the subject is
/// the whole pipeline (where "Pipeline" on every line would say nothing).
pub fn heading(insight: &Insight) -> String {
    if insight.subject.kind == SubjectKind::Pipeline {
        capitalized(&measure_words(&insight.measure))
    } else {
        insight.subject.label.clone()
    }
}

/// The sentence of an insight in a list, under its [`heading`]: a sentence that opens by naming
/// its subject ("Team: win rate …", or "Team, Prospecting: …" under "Team · Prospecting") loses
/// that opening, which the heading already shows, and starts with a capital.
pub fn sentence(insight: &Insight) -> String {
    let text = insight.text.as_str();
    let label = insight.subject.label.as_str();
    // A label of two parts ("Team · Prospecting") opens a sentence as "Team, Prospecting: …".
    let spoken = label.replace(" · ", ", ");
    let rest = if insight.subject.kind == SubjectKind::Pipeline {
        None
    } else {
        [label, spoken.as_str()]
            .into_iter()
            .find_map(|opening| text.strip_prefix(opening)?.strip_prefix(": "))
            .filter(|rest| !rest.is_empty())
    };
    rest.map_or_else(|| text.to_string(), capitalized)
}

/// `text` with its first letter a capital.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A measure key as words ("days_in_stage" → "days in stage").
pub fn measure_words(measure: &str) -> String {
    measure.replace('_', " ")
}

/// Makes a cell safe to open in a spreadsheet: text starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return would be read as a formula, so it gets a leading apostrophe (OWASP's advice
/// for CSV injection). Numbers Lens writes itself are not passed through here.
pub fn spreadsheet_safe(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

/// CSV text (RFC 4180, CRLF) of a header and rows, every cell made spreadsheet-safe.
pub fn csv_text(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = writer.write_record(header);
    for row in rows {
        let _ = writer.write_record(row.iter().map(|cell| spreadsheet_safe(cell)));
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The rows behind a number, as CSV.
pub fn evidence_csv(evidence: &[EvidenceRef]) -> String {
    csv_text(
        &[
            "record_id",
            "field",
            "old_value",
            "new_value",
            "at",
            "snapshot_as_of",
            "source_file",
            "line",
        ],
        evidence.iter().map(|row| {
            vec![
                row.record_id.to_string(),
                row.field.as_deref().unwrap_or_default().to_string(),
                row.old_value.as_deref().unwrap_or_default().to_string(),
                row.new_value.as_deref().unwrap_or_default().to_string(),
                row.at.map(|at| at.to_string()).unwrap_or_default(),
                row.as_of.map(|date| date.to_string()).unwrap_or_default(),
                row.source_file.to_string(),
                row.line.to_string(),
            ]
        }),
    )
}

/// The rows an import rejected, as CSV: file, line, column, column name, reason.
pub fn rejections_csv(file_name: &str, rejected: &[crate::import::Rejection]) -> String {
    csv_text(
        &["file", "line", "column", "column_name", "reason"],
        rejected.iter().map(|rejection| {
            vec![
                file_name.to_string(),
                rejection.line.to_string(),
                rejection.column.map(|c| c.to_string()).unwrap_or_default(),
                rejection.column_name.clone().unwrap_or_default(),
                rejection.reason.clone(),
            ]
        }),
    )
}

/// How many record-level findings of one measure the Markdown lists.
pub const RECORDS_PER_MEASURE: usize = 10;

fn write_insight(out: &mut String, insight: &Insight) {
    writeln!(
        out,
        "- **{}**: {}",
        escape(&insight.subject.label),
        escape(&sentence(insight))
    )
    .unwrap();
    writeln!(
        out,
        "  - Formula: {}; {}; rows: {}",
        escape(&insight.formula),
        escape(&population(&insight.population)),
        insight.evidence.len()
    )
    .unwrap();
}

/// Escapes what Markdown (CommonMark and GitHub's extensions) would render as markup, links or
/// HTML, so CRM text stays text wherever it sits on a line:
/// - a backslash before `\\`, `` ` ``, `*`, `_`, `~`, `[`, `]`, `!`, `<`, `>`, `|` and `&` (code spans,
///   emphasis, strikethrough, links and images, raw HTML and autolinks, table cells, entities such
///   as `&lt;` that would show as another character), and before a `#` that starts the text;
/// - a line break becomes a space: the text stays one list item, and what follows a break cannot
///   start a heading, a quote, a list or an HTML block;
/// - bare web addresses (`https://…`, `www.…`) and e-mail addresses, which GitHub turns into
///   links, get a backslash before the `:` of `://`, the `.` of `www.` and every `@`.
///
/// `(` and `)` are left as they are: they make a link only after a `]`, and every `]` is escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut chars = text.chars().peekable();
    let mut previous: Option<char> = None;
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                // CRLF is one break.
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push(' ');
            }
            '\n' => out.push(' '),
            '\\' | '`' | '*' | '_' | '~' | '[' | ']' | '!' | '<' | '>' | '|' | '&' | '@' => {
                out.push('\\');
                out.push(c);
            }
            '#' if previous.is_none() => out.push_str("\\#"),
            ':' if starts_with(&chars, "//") => out.push_str("\\:"),
            'w' | 'W'
                if !previous.is_some_and(char::is_alphanumeric)
                    && starts_with_ignoring_case(&chars, "ww.") =>
            {
                // "www." → "www\." (the first two w's, then the escaped dot).
                out.push(c);
                for _ in 0..2 {
                    if let Some(w) = chars.next() {
                        out.push(w);
                    }
                }
                chars.next();
                out.push_str("\\.");
                previous = Some('.');
                continue;
            }
            _ => out.push(c),
        }
        previous = Some(c);
    }
    out
}

fn starts_with(chars: &std::iter::Peekable<std::str::Chars<'_>>, prefix: &str) -> bool {
    chars.clone().take(prefix.len()).eq(prefix.chars())
}

fn starts_with_ignoring_case(
    chars: &std::iter::Peekable<std::str::Chars<'_>>,
    prefix: &str,
) -> bool {
    chars
        .clone()
        .take(prefix.len())
        .map(|c| c.to_ascii_lowercase())
        .eq(prefix.chars())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast paths of [`number`] and [`grouped`] write what the float formatting writes.
    #[test]
    fn whole_numbers_read_as_the_float_formatting_writes_them() {
        let by_float_number = |value: f64| {
            let text = format!("{value:.1}");
            text.strip_suffix(".0").unwrap_or(&text).to_string()
        };
        let by_float_grouped = |value: f64| {
            let rounded = value.round();
            let digits = format!("{:.0}", rounded.abs());
            let mut out = String::new();
            for (i, digit) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    out.push(',');
                }
                out.push(digit);
            }
            if rounded < 0.0 && out != "0" {
                format!("−{out}")
            } else {
                out
            }
        };
        let mut values = vec![
            0.0,
            -0.0,
            0.4,
            -0.4,
            0.5,
            -0.5,
            1.5,
            2.5,
            -2.5,
            0.05,
            0.25,
            999.5,
            1e15 - 1.0,
            1e15,
            -1e15,
            1e15 + 0.5,
            4.5e15,
            1e20,
            -1e20,
            1e300,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        // Every power of ten and its neighbours, and a spread of fractions.
        let mut power = 1.0_f64;
        for _ in 0..22 {
            values.extend([
                power,
                power - 1.0,
                power + 1.0,
                -power,
                power / 7.0,
                -power / 3.0,
            ]);
            power *= 10.0;
        }
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let magnitude = 10f64.powi((x % 17) as i32);
            let value = (x >> 11) as f64 / (1u64 << 53) as f64 * magnitude;
            values.extend([
                value,
                -value,
                value.round(),
                (value * 100.0).round() / 100.0,
            ]);
        }
        for value in values {
            assert_eq!(number(value), by_float_number(value), "number({value:?})");
            assert_eq!(
                grouped(value),
                by_float_grouped(value),
                "grouped({value:?})"
            );
            assert_eq!(
                money(value, Some("EUR")),
                format!("EUR {}", by_float_grouped(value)),
                "money({value:?})"
            );
        }
    }

    #[test]
    fn formats() {
        assert_eq!(grouped(1_234_567.6), "1,234,568");
        assert_eq!(grouped(-1000.0), "−1,000");
        assert_eq!(grouped(999.0), "999");
        assert_eq!(money(485_000.0, Some("USD")), "USD 485,000");
        assert_eq!(percent(0.3127), "31.3%");
        assert_eq!(signed_percent(-0.35), "−35.0%");
        assert_eq!(number(41.0), "41");
        assert_eq!(number(2.25), "2.2");
        assert_eq!(escape("<b>[x](y)</b>"), "\\<b\\>\\[x\\](y)\\</b\\>");
    }

    #[track_caller]
    fn check_escape(text: &str, expected: &str) {
        assert_eq!(escape(text), expected, "escape({text:?})");
    }

    #[test]
    fn markdown_escape_leaves_no_html_link_or_markup() {
        check_escape(
            "<script>alert(1)</script>",
            "\\<script\\>alert(1)\\</script\\>",
        );
        check_escape(
            "<img src=x onerror=alert(1)>",
            "\\<img src=x onerror=alert(1)\\>",
        );
        check_escape(
            "[click](javascript:alert(1))",
            "\\[click\\](javascript:alert(1))",
        );
        check_escape(
            "![x](https://sink.test/x.png)",
            "\\!\\[x\\](https\\://sink.test/x.png)",
        );
        check_escape("<https://sink.test>", "\\<https\\://sink.test\\>");
        check_escape(
            "see https://sink.test and WWW.sink.test, not awww.x",
            "see https\\://sink.test and WWW\\.sink.test, not awww.x",
        );
        check_escape("[x]: https://sink.test", "\\[x\\]: https\\://sink.test");
        check_escape(
            "champion@sink.test, mailto:a@sink.test",
            "champion\\@sink.test, mailto:a\\@sink.test",
        );
        check_escape(
            "**b** _i_ `c` ~~s~~ | t",
            "\\*\\*b\\*\\* \\_i\\_ \\`c\\` \\~\\~s\\~\\~ \\| t",
        );
        check_escape("&lt;img&gt; &#106;", "\\&lt;img\\&gt; \\&#106;");
        check_escape("a\\b", "a\\\\b");
        // A leading # would make a heading; elsewhere it is text.
        check_escape("# Heading", "\\# Heading");
        check_escape("Deal #4", "Deal #4");
        // Line breaks end a list item; the text stays on its line.
        check_escape("one\n# two\r\n> three\rfour", "one # two \\> three four");
        check_escape("=1+1", "=1+1");
        check_escape("O'Brien (EMEA): 50% off", "O'Brien (EMEA): 50% off");
    }

    /// A sentence that opens with its subject ("Team: sales cycle …") is listed under the subject
    /// without it; other sentences are listed as they are.
    #[test]
    fn a_sentence_does_not_repeat_the_subject_its_heading_shows() {
        use crate::import::{ImportOptions, import_file};
        use crate::insight::{Dataset, Settings, analyze};

        let csv = "Opportunity ID,Opportunity Name,Opportunity Owner,Stage,Amount,Close Date,Created Date\n\
                   006A,Acme,Riley Jensen,Closed Won,1000,2026-01-05,2025-11-01\n\
                   006B,Bolt,Riley Jensen,Prospecting,2000,2026-03-05,2025-12-01\n";
        let as_of = "2026-01-30".parse().unwrap();
        let report =
            import_file("pipeline.csv", csv.as_bytes(), &ImportOptions::default()).unwrap();
        let mut dataset = Dataset::default();
        dataset.add(report, as_of);
        let analysis = analyze(&dataset, &Settings::new(as_of)).unwrap();

        let mut opened_with_subject = 0;
        for insight in analysis.insights() {
            let shown = sentence(insight);
            let label = &insight.subject.label;
            let opened = [
                format!("{label}: "),
                format!("{}: ", label.replace(" · ", ", ")),
            ]
            .into_iter()
            .find_map(|opening| insight.text.strip_prefix(&opening));
            match opened {
                Some(rest) if insight.subject.kind != SubjectKind::Pipeline => {
                    opened_with_subject += 1;
                    let mut chars = rest.chars();
                    let first = chars.next().unwrap();
                    assert_eq!(shown, format!("{}{}", first.to_uppercase(), chars.as_str()));
                }
                _ => assert_eq!(shown, insight.text),
            }
        }
        assert!(
            opened_with_subject > 0,
            "the analysis has sentences that open with their subject"
        );
        let text = markdown(&analysis);
        assert!(!text.contains("**Team**: Team:"), "{text}");
        assert!(!text.contains("**Riley Jensen**: Riley Jensen:"), "{text}");
    }

    /// A deal whose name and file name are markup: the Markdown of its analysis shows both as
    /// escaped text, never as a tag or a link.
    #[test]
    fn r7_markup_in_a_deal_name_is_escaped_in_the_markdown() {
        use crate::import::{ImportOptions, import_file};
        use crate::insight::{Dataset, Settings, analyze};

        let name = "<img src=x onerror=alert(1)>[pay](javascript:alert(2))";
        let file = "<svg onload=alert(3)>.csv";
        let csv = format!(
            "\"Opportunity ID\",\"Opportunity Name\",\"Opportunity Owner\",\"Stage\",\"Amount\",\"Close Date\"\n\
             \"006Lq00000XSS01AAA\",\"{name}\",\"Riley Jensen\",\"Prospecting\",\"1000\",\"2026-01-05\"\n\
             \"006Lq00000XSS02AAA\",\"Plain deal\",\"Riley Jensen\",\"Prospecting\",\"2000\",\"2026-03-05\"\n"
        );
        let as_of = "2026-01-30".parse().unwrap();
        let report = import_file(file, csv.as_bytes(), &ImportOptions::default()).unwrap();
        assert_eq!(report.rejected.len(), 0);
        let mut dataset = Dataset::default();
        dataset.add(report, as_of);
        let text = markdown(&analyze(&dataset, &Settings::new(as_of)).unwrap());

        let escaped_name = "\\<img src=x onerror=alert(1)\\>\\[pay\\](javascript:alert(2))";
        assert!(
            text.contains(&format!("- **{escaped_name}**: ")),
            "the deal is listed under its escaped name:\n{text}"
        );
        assert!(text.contains("(\\<svg onload=alert(3)\\>.csv, 2 opportunities)"));
        // Every `<`, `>`, `[` and `]` in the whole text is escaped.
        for (at, c) in text.match_indices(['<', '>', '[', ']']) {
            assert!(
                text[..at].ends_with('\\'),
                "{c} at byte {at} left unescaped:\n{text}"
            );
        }
    }
}

#[cfg(test)]
mod csv_tests {
    use super::*;

    #[test]
    fn cells_that_a_spreadsheet_would_run_are_quoted_as_text() {
        assert_eq!(
            spreadsheet_safe("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(spreadsheet_safe("+1"), "'+1");
        assert_eq!(spreadsheet_safe("-2"), "'-2");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("\tx"), "'\tx");
        assert_eq!(spreadsheet_safe("\rx"), "'\rx");
        assert_eq!(spreadsheet_safe("Acme = 3"), "Acme = 3");
        assert_eq!(
            csv_text(
                &["a", "b"],
                [vec!["=1+1".to_string(), "x, \"y\"".to_string()]]
            ),
            "a,b\r\n'=1+1,\"x, \"\"y\"\"\"\r\n"
        );
    }
}

/// The settings of the about sheet beyond the attention filters: the look-back and the
/// settings of the program, renewals, territory and plays modules, each as the user set it (shares
/// and days as stored, so `0.19` stays `0.19`).
fn module_settings_rows(settings: &super::Settings) -> Vec<Vec<String>> {
    let or_none = |items: Vec<String>, none: &str| {
        if items.is_empty() {
            none.to_string()
        } else {
            items.join("; ")
        }
    };
    let program_targets = settings
        .program_targets
        .iter()
        .map(|target| {
            format!(
                "{}, {}: baseline {}, target {}",
                target.program.as_deref().unwrap_or("every program"),
                target.metric.label().to_lowercase(),
                target.baseline,
                target.target
            )
        })
        .collect();
    let conditions = settings
        .experiment_conditions
        .iter()
        .enumerate()
        .map(|(i, condition)| {
            format!(
                "{}. {}, {}: {} {}",
                i + 1,
                condition
                    .experiment
                    .as_deref()
                    .unwrap_or("every experiment"),
                condition.metric.label().to_lowercase(),
                condition.test.kind_key(),
                condition.test.threshold()
            )
        })
        .collect();
    let segment_targets = settings
        .segment_targets
        .iter()
        .map(|target| format!("{}: {}", target.segment, target.target))
        .collect();
    let row = |item: &str, value: String| vec![item.to_string(), value];
    vec![
        row(
            "Fiscal year start month",
            settings.fiscal_year_start_month.to_string(),
        ),
        row(
            "Anomaly min points",
            settings.anomaly_min_points.to_string(),
        ),
        row("Lookback days", settings.lookback_days.to_string()),
        row(
            "Ledger from",
            settings.ledger_from.map_or_else(
                || "(not set: the last snapshot on or before the period start)".to_string(),
                |date| date.to_string(),
            ),
        ),
        row("Program targets", or_none(program_targets, "(none)")),
        row("Experiment conditions", or_none(conditions, "(none)")),
        row("Control arm", settings.control_arm.clone()),
        row(
            "Experiment confidence",
            settings.experiment_confidence.to_string(),
        ),
        row(
            "Renewal window days",
            settings.renewal_window_days.to_string(),
        ),
        row(
            "Renewal series weeks",
            settings.renewal_series_weeks.to_string(),
        ),
        row("Change point h", settings.change_point_h.to_string()),
        row("Change point k", settings.change_point_k.to_string()),
        row(
            "Change point min weeks",
            settings.change_point_min_weeks.to_string(),
        ),
        row(
            "Ramp months",
            match settings.ramp_months {
                0 => "0 (ramp not applied)".to_string(),
                months => months.to_string(),
            },
        ),
        row("Segment targets", or_none(segment_targets, "(none)")),
        row(
            "Partner lead sources",
            or_none(
                settings.partner_lead_sources.clone(),
                "(every lead source containing the word \"partner\")",
            ),
        ),
    ]
}

/// One sheet (or CSV file) of the review pack: a header and rows of text cells.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewSheet {
    /// Sheet name: the module's key (`cockpit`, `forecast`, …) or `about`.
    pub name: String,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

/// The review pack as tables: an `about` sheet (as-of date, period, inputs, settings), then one
/// sheet per module with every insight, its value, formula, population, what was left out, the
/// reference, the period and how many rows stand behind it.
pub fn review_sheets(analysis: &Analysis) -> Vec<ReviewSheet> {
    let inputs = &analysis.inputs;
    let settings = &analysis.settings;
    let mut about = vec![
        vec!["As of".to_string(), settings.as_of.to_string()],
        vec!["Period".to_string(), analysis.period.label.clone()],
        vec![
            "Current snapshot".to_string(),
            format!(
                "{} ({} opportunities; {})",
                inputs.current.as_of,
                inputs.current.opportunities,
                inputs.current.source_files.join(", ")
            ),
        ],
        vec![
            "Snapshots read".to_string(),
            inputs.snapshots.len().to_string(),
        ],
        vec![
            "History events read".to_string(),
            inputs.history_events.to_string(),
        ],
        vec![
            "Reporting currency".to_string(),
            analysis
                .currency
                .clone()
                .unwrap_or_else(|| "(none)".to_string()),
        ],
        vec![
            "Plan".to_string(),
            settings
                .plan
                .map(number)
                .unwrap_or_else(|| "(not set)".to_string()),
        ],
        vec![
            "Stage age percentile".to_string(),
            number(settings.stage_age_percentile),
        ],
        vec![
            "No activity days".to_string(),
            settings.no_activity_days.to_string(),
        ],
        vec![
            "Push count at least".to_string(),
            settings.push_count_at_least.to_string(),
        ],
        vec!["Anomaly k".to_string(), number(settings.anomaly_k)],
    ];
    about.extend(module_settings_rows(settings));
    about.push(vec![
        "Reading".to_string(),
        "Every value is described with its formula and population; thresholds are the settings above.".to_string(),
    ]);
    let mut sheets = vec![ReviewSheet {
        name: "about".to_string(),
        header: vec!["item", "value"],
        rows: about,
    }];
    for section in &analysis.sections {
        let rows = section
            .insights
            .iter()
            .map(|insight| {
                let left_out = insight
                    .population
                    .excluded
                    .iter()
                    .map(|e| format!("{} ({})", e.n, e.reason))
                    .collect::<Vec<_>>()
                    .join("; ");
                vec![
                    insight.key.clone(),
                    measure_words(&insight.measure),
                    insight.subject.label.clone(),
                    insight.value.map(|v| v.to_string()).unwrap_or_default(),
                    value_in_unit(insight.value, &insight.unit),
                    insight.text.clone(),
                    insight.formula.clone(),
                    insight.population.n.to_string(),
                    insight.population.description.clone(),
                    left_out,
                    insight
                        .reference
                        .as_ref()
                        .map(|r| reference(r, &insight.unit))
                        .unwrap_or_default(),
                    insight
                        .period
                        .as_ref()
                        .map(|p| p.label.clone())
                        .unwrap_or_default(),
                    insight.evidence.len().to_string(),
                ]
            })
            .collect();
        sheets.push(ReviewSheet {
            name: section.module.key().to_string(),
            header: vec![
                "key",
                "measure",
                "subject",
                "value",
                "shown as",
                "text",
                "formula",
                "population n",
                "population",
                "left out",
                "held against",
                "period",
                "evidence rows",
            ],
            rows,
        });
    }
    sheets
}
