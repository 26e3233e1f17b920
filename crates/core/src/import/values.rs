//! Reading one cell as a typed value: amounts with currency, percentages, booleans, dates and
//! timestamps in the formats CRMs and spreadsheets write.
//!
//! Each parser returns `Ok(None)` for an empty cell and `Err(reason)` for a cell it cannot read;
//! the reason is a phrase a user can act on.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::fields::ValueType;

/// Salesforce Data Export's way of writing an empty lookup.
pub const SALESFORCE_EMPTY_ID: &str = "000000000000000AAA";

/// The day/month order to apply to a slash date, once settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlashOrder {
    DayFirst,
    MonthFirst,
}

/// The mark a file writes before a number's fraction, once settled for the file: it decides how
/// a cell with one separator followed by three digits reads ("1.234" is 1.234 with a decimal
/// point and 1234 with a decimal comma). Other cells show their own mark and read the same either
/// way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DecimalMark {
    Point,
    Comma,
}

impl DecimalMark {
    pub const ALL: [DecimalMark; 2] = [DecimalMark::Comma, DecimalMark::Point];

    /// The mark's name in a sentence: "decimal comma".
    pub fn label(self) -> &'static str {
        match self {
            DecimalMark::Point => "decimal point",
            DecimalMark::Comma => "decimal comma",
        }
    }

    /// A number written with the mark and thousands grouped: "1.234,56".
    pub fn example(self) -> &'static str {
        match self {
            DecimalMark::Point => "1,234.56",
            DecimalMark::Comma => "1.234,56",
        }
    }

    /// The key a form or a mapping file names it by: "," or ".".
    pub fn key(self) -> &'static str {
        match self {
            DecimalMark::Point => ".",
            DecimalMark::Comma => ",",
        }
    }

    pub fn from_key(key: &str) -> Option<DecimalMark> {
        DecimalMark::ALL.into_iter().find(|mark| mark.key() == key)
    }
}

/// What one number cell shows of its file's decimal mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkShown {
    /// Only this mark reads the cell: "1,234.5", "12.5", "1.234.567" (dots grouping: a comma).
    Only(DecimalMark),
    /// One separator before three digits, after one to three digits that do not start with 0:
    /// "1.234", "25,000".
    Either,
}

/// Trims a text cell; empty cells and Salesforce's empty-lookup id become `None`.
pub fn text(raw: &str) -> Option<String> {
    trimmed(raw).map(str::to_string)
}

/// [`text`], borrowed from the cell.
pub fn trimmed(raw: &str) -> Option<&str> {
    let trimmed = trim(raw);
    (!trimmed.is_empty() && trimmed != SALESFORCE_EMPTY_ID).then_some(trimmed)
}

/// `str::trim`, told at a glance for the usual cell, which starts and ends with a visible ASCII
/// character and so has nothing to trim (an import trims every cell it reads, millions of them).
pub(crate) fn trim(raw: &str) -> &str {
    match raw.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => raw,
        [only] if only.is_ascii_graphic() => raw,
        _ => raw.trim(),
    }
}

/// Reads an amount such as `USD 485,000.00`, `$1,200`, `1.200,50 €`, `(300)` or `-12.5`.
/// Returns the value and the ISO currency code when the cell names one. `mark` is the file's
/// decimal mark when settled; `None` reads "1.234" as 1.234 and "1,234" as 1234.
pub fn money(raw: &str, mark: Option<DecimalMark>) -> Result<Option<(f64, Option<&str>)>, String> {
    let trimmed = trim(raw);
    if trimmed.is_empty() {
        return Ok(None);
    }
    let not_an_amount = || format!("\"{trimmed}\" is not an amount");
    let (sign, rest, currency) = money_parts(trimmed).ok_or_else(not_an_amount)?;
    let value = plain_number(rest, mark).ok_or_else(not_an_amount)?;
    Ok(Some((sign * value, currency)))
}

/// An amount's sign, number and currency (a code, or the symbol's code).
fn money_parts(trimmed: &str) -> Option<(f64, &str, Option<&str>)> {
    // A minus sign may stand before the currency ("-$1,200", "-USD 5.00"); a second sign or
    // parentheses after it are not an amount.
    let (sign, body) = match trimmed.strip_prefix('-') {
        Some(rest) if rest.starts_with(['-', '(', '+']) => return None,
        Some(rest) if !rest.starts_with(|c: char| c.is_ascii_digit()) => (-1.0, rest.trim_start()),
        _ => (1.0, trimmed),
    };
    let (rest, currency) = split_currency(body);
    Some((sign, rest, currency))
}

/// Reads a number, allowing grouping separators and a decimal comma (see [`money`] for `mark`).
pub fn number(raw: &str, mark: Option<DecimalMark>) -> Result<Option<f64>, String> {
    let trimmed = trim(raw);
    if trimmed.is_empty() {
        return Ok(None);
    }
    plain_number(trimmed, mark)
        .map(Some)
        .ok_or_else(|| format!("\"{trimmed}\" is not a number"))
}

/// Reads a percentage such as `90%` or `90` (kept on the 0–100 scale as written; see [`money`]
/// for `mark`).
pub fn percent(raw: &str, mark: Option<DecimalMark>) -> Result<Option<f64>, String> {
    let trimmed = trim(raw);
    if trimmed.is_empty() {
        return Ok(None);
    }
    plain_number(percent_number(trimmed), mark)
        .map(Some)
        .ok_or_else(|| format!("\"{trimmed}\" is not a percentage"))
}

fn percent_number(trimmed: &str) -> &str {
    match trimmed.strip_suffix('%') {
        Some(number) => number.trim_end_matches('%').trim_end(),
        None => trimmed,
    }
}

/// What a money, number or percentage cell shows of its file's decimal mark; `None` for a cell
/// that is empty, not a number, or has no separator.
pub fn mark_shown(raw: &str, value_type: ValueType) -> Option<MarkShown> {
    // Most numbers in exports are whole and show nothing: they are told by one look.
    if !raw.bytes().any(|byte| byte == b'.' || byte == b',') {
        return None;
    }
    let trimmed = trim(raw);
    let number = match value_type {
        ValueType::Money => money_parts(trimmed)?.1,
        ValueType::Percent => percent_number(trimmed),
        ValueType::Number => trimmed,
        _ => return None,
    };
    Separators::scan(number)?.shown()
}

/// Reads `1`/`0`, `true`/`false`, `yes`/`no` in any case.
pub fn boolean(raw: &str) -> Result<Option<bool>, String> {
    let trimmed = trim(raw);
    let is = |words: &[&str]| words.iter().any(|word| trimmed.eq_ignore_ascii_case(word));
    if trimmed.is_empty() {
        Ok(None)
    } else if is(&["1", "true", "t", "yes", "y"]) {
        Ok(Some(true))
    } else if is(&["0", "false", "f", "no", "n"]) {
        Ok(Some(false))
    } else {
        Err(format!("\"{trimmed}\" is not true/false or 1/0"))
    }
}

/// Reads a date or timestamp. `order` settles slash dates; `None` means none was needed
/// (the caller has checked that no ambiguous slash date is present).
pub fn datetime(raw: &str, order: Option<SlashOrder>) -> Result<Option<NaiveDateTime>, String> {
    let trimmed = trim(raw);
    if trimmed.is_empty() {
        return Ok(None);
    }
    parse_datetime(trimmed, order)
        .map(Some)
        .ok_or_else(|| format!("\"{trimmed}\" is not a date"))
}

pub fn date(raw: &str, order: Option<SlashOrder>) -> Result<Option<NaiveDate>, String> {
    let trimmed = trim(raw);
    if trimmed.is_empty() {
        return Ok(None);
    }
    // Most date cells hold a date alone (`2/2/2026`, `2026-02-02`): with no time to split off,
    // the date part is the whole cell, as `parse_datetime` would find.
    let parsed = if trimmed
        .bytes()
        .all(|byte| byte.is_ascii_digit() || byte == b'/' || byte == b'-')
    {
        parse_date_part(trimmed, order)
    } else {
        parse_datetime(trimmed, order).map(|value| value.date())
    };
    parsed
        .map(Some)
        .ok_or_else(|| format!("\"{trimmed}\" is not a date"))
}

/// A date written with slashes or dashes whose day/month order depends on the locale
/// (`16/10/2025`, `02/03/24 08:55 PM`, `16-10-2025`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlashDate {
    first: u32,
    second: u32,
    year: i32,
}

impl SlashDate {
    /// Reads the shape; `None` for other shapes (ISO dates, dotted dates, which are always day
    /// first, and month names).
    pub fn parse(raw: &str) -> Option<SlashDate> {
        // The date part (up to a space or a `T`): three runs of digits between two equal
        // separators, `/` or `-`; day and month of one or two digits, the year of two or four.
        let bytes = trim(raw).as_bytes();
        let (first, first_length) = leading_number(bytes);
        let separator = *bytes.get(first_length)?;
        if !(1..=2).contains(&first_length) || !matches!(separator, b'/' | b'-') {
            return None;
        }
        let rest = &bytes[first_length + 1..];
        let (second, second_length) = leading_number(rest);
        if !(1..=2).contains(&second_length) || rest.get(second_length) != Some(&separator) {
            return None;
        }
        let rest = &rest[second_length + 1..];
        let (year, year_length) = leading_number(rest);
        if !matches!(year_length, 2 | 4)
            || !matches!(rest.get(year_length), None | Some(b' ' | b'T'))
        {
            return None;
        }
        Some(SlashDate {
            first,
            second,
            year: year_from(year, year_length)?,
        })
    }

    /// The date read day first.
    pub fn day_first(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, self.second, self.first)
    }

    /// The date read month first.
    pub fn month_first(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, self.first, self.second)
    }

    /// The date when the order does not matter: only one reading is a real date, or both
    /// readings are the same day (05/05/2025).
    pub fn either_order(self) -> Option<NaiveDate> {
        match (self.day_first(), self.month_first()) {
            (Some(day), Some(month)) if day == month => Some(day),
            (Some(date), None) | (None, Some(date)) => Some(date),
            _ => None,
        }
    }
}

fn parse_datetime(text: &str, order: Option<SlashOrder>) -> Option<NaiveDateTime> {
    let (date_text, time_text) = split_date_time(text);
    let date = parse_date_part(date_text, order)?;
    let time = match time_text {
        None => NaiveTime::MIN,
        Some(time_text) => parse_time_part(time_text)?,
    };
    Some(date.and_time(time))
}

/// Splits `2024-01-22T16:14:25.000+0000`, `02/23/26 08:55 PM` or `Oct 16, 2025 3:04 PM` into the
/// date and the time.
fn split_date_time(text: &str) -> (&str, Option<&str>) {
    let bytes = text.as_bytes();
    if bytes.get(10) == Some(&b'T') && !bytes[..10].contains(&b'T') {
        return (&text[..10], Some(&text[11..]));
    }
    // The time starts at the space-separated token holding the first colon.
    let mut token_start = 0;
    for (position, &byte) in bytes.iter().enumerate() {
        match byte {
            b' ' => token_start = position + 1,
            b':' => {
                return (
                    text[..token_start].trim_end().trim_end_matches(','),
                    Some(text[token_start..].trim()),
                );
            }
            _ => {}
        }
    }
    (text, None)
}

fn parse_date_part(text: &str, order: Option<SlashOrder>) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    // ISO 8601 and YYYY/MM/DD, most often written in full (`2026-02-02`), read in place.
    if let [y1, y2, y3, y4, separator, m1, m2, again, d1, d2] = *bytes
        && matches!(separator, b'-' | b'/' | b'.')
        && again == separator
        && [y1, y2, y3, y4, m1, m2, d1, d2]
            .iter()
            .all(u8::is_ascii_digit)
    {
        let digits = |bytes: &[u8]| {
            bytes
                .iter()
                .fold(0u32, |value, byte| value * 10 + u32::from(byte - b'0'))
        };
        return NaiveDate::from_ymd_opt(
            digits(&[y1, y2, y3, y4]) as i32,
            digits(&[m1, m2]),
            digits(&[d1, d2]),
        );
    }
    if bytes.len() >= 8
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && matches!(bytes[4], b'-' | b'/' | b'.')
    {
        let mut parts = text.split(bytes[4] as char);
        let year = parts.next()?.parse().ok()?;
        let month = parts.next()?.parse().ok()?;
        let day = parts.next()?.parse().ok()?;
        return parts
            .next()
            .is_none()
            .then(|| NaiveDate::from_ymd_opt(year, month, day))
            .flatten();
    }
    if let Some(slash_date) = SlashDate::parse(text) {
        return match order {
            Some(SlashOrder::DayFirst) => slash_date.day_first(),
            Some(SlashOrder::MonthFirst) => slash_date.month_first(),
            // Without an order only dates that read the same either way are read.
            None => slash_date.either_order(),
        };
    }
    // Dotted dates (16.10.2025) are day first in every locale that writes them.
    let dotted: Vec<&str> = text.split('.').collect();
    if dotted.len() == 3
        && dotted
            .iter()
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
    {
        let year = expand_year(dotted[2])?;
        return NaiveDate::from_ymd_opt(year, dotted[1].parse().ok()?, dotted[0].parse().ok()?);
    }
    const NAMED_MONTH_FORMATS: &[&str] = &[
        "%b %d, %Y",
        "%B %d, %Y",
        "%d %b %Y",
        "%d %B %Y",
        "%d-%b-%Y",
        "%d-%b-%y",
    ];
    NAMED_MONTH_FORMATS
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(text, format).ok())
}

fn expand_year(text: &str) -> Option<i32> {
    if !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    year_from(text.parse().ok()?, text.len())
}

/// The run of ASCII digits `bytes` start with: its value (meaningful up to nine digits) and its
/// length.
fn leading_number(bytes: &[u8]) -> (u32, usize) {
    let mut value = 0u32;
    let mut length = 0;
    while let Some(&byte) = bytes.get(length) {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        value = value.wrapping_mul(10).wrapping_add(u32::from(digit));
        length += 1;
    }
    (value, length)
}

/// A year written with `digits` digits: four as they are, two as spreadsheets pivot them
/// (00–69 → 2000s, 70–99 → 1900s).
fn year_from(value: u32, digits: usize) -> Option<i32> {
    let year = i32::try_from(value).ok()?;
    match digits {
        4 => Some(year),
        2 if year < 70 => Some(2000 + year),
        2 => Some(1900 + year),
        _ => None,
    }
}

/// Reads `16:14`, `16:14:25`, `16:14:25.000+0000`, `8:55 PM`, `08:55:00 pm`, ignoring any zone.
fn parse_time_part(text: &str) -> Option<NaiveTime> {
    let upper = text.trim().to_ascii_uppercase();
    let (clock, meridiem) = if let Some(rest) = upper.strip_suffix("AM") {
        (rest.trim_end(), Some(false))
    } else if let Some(rest) = upper.strip_suffix("PM") {
        (rest.trim_end(), Some(true))
    } else {
        (upper.as_str(), None)
    };
    // Drop a zone suffix (Z, +0000, +00:00, -05:00) and fractional seconds.
    let clock = clock.trim_end_matches('Z');
    let clock = match clock.find(['+', '-']) {
        Some(position) => &clock[..position],
        None => clock,
    };
    let clock = clock.split('.').next()?;
    let mut parts = clock.split(':');
    let mut hour: u32 = parts.next()?.trim().parse().ok()?;
    let minute: u32 = parts.next()?.parse().ok()?;
    let second: u32 = match parts.next() {
        Some(second) => second.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    match meridiem {
        Some(_) if hour == 0 || hour > 12 => return None,
        Some(false) if hour == 12 => hour = 0,
        Some(true) if hour != 12 => hour += 12,
        _ => {}
    }
    NaiveTime::from_hms_opt(hour, minute, second)
}

/// Splits a currency code or symbol off either end of an amount.
fn split_currency(text: &str) -> (&str, Option<&str>) {
    const SYMBOLS: &[(&str, Option<&str>)] = &[
        ("US$", Some("USD")),
        ("€", Some("EUR")),
        ("£", Some("GBP")),
        ("¥", Some("JPY")),
        ("₹", Some("INR")),
        ("CHF", Some("CHF")),
        // A bare dollar sign is used by several currencies: it names none.
        ("$", None),
    ];
    for (symbol, code) in SYMBOLS {
        if let Some(rest) = text
            .strip_prefix(symbol)
            .or_else(|| text.strip_suffix(symbol))
        {
            return (trim(rest), *code);
        }
    }
    let is_code = |part: &str| part.len() == 3 && part.bytes().all(|b| b.is_ascii_uppercase());
    if let Some((code, rest)) = text.split_once(' ').filter(|(code, _)| is_code(code)) {
        return (trim(rest), Some(code));
    }
    if let Some((rest, code)) = text.rsplit_once(' ').filter(|(_, code)| is_code(code)) {
        return (trim(rest), Some(code));
    }
    (text, None)
}

/// A number as text without grouping, exponent or a needless fraction: 15000, 12.5.
pub(crate) fn format_number(value: f64) -> String {
    format_whole(value).unwrap_or_else(|| value.to_string())
}

/// A whole number below 10^15 as text (`15000`, `-0`), or `None` for any other number. Such a
/// number is exact as an integer, and written as one without the float formatting's exact mode
/// (a million-row history formats one or two per row; an analysis, tens of thousands).
pub(crate) fn format_whole(value: f64) -> Option<String> {
    if value.fract() != 0.0 || value.abs() >= 1e15 {
        return None;
    }
    let whole = value as i64;
    Some(if whole == 0 && value.is_sign_negative() {
        "-0".to_string()
    } else {
        whole.to_string()
    })
}

/// Where a number's separators stand: the characters kept (digits, dots and commas; all ASCII,
/// so one byte each), and the sign. Spaces and apostrophes group digits and are dropped.
struct Separators<'a> {
    /// The number without sign or parentheses.
    text: &'a str,
    negative: bool,
    /// Characters kept.
    len: usize,
    n_dots: usize,
    n_commas: usize,
    last_dot: Option<usize>,
    last_comma: Option<usize>,
    /// Whether the first character kept is a 0.
    leading_zero: bool,
}

impl<'a> Separators<'a> {
    /// `None` for a text with other characters than digits, separators, grouping and a sign.
    fn scan(text: &'a str) -> Option<Separators<'a>> {
        let mut text = trim(text);
        let mut negative = false;
        if let Some(inner) = text
            .strip_prefix('(')
            .and_then(|rest| rest.strip_suffix(')'))
        {
            negative = true;
            text = trim(inner);
        }
        if let Some(rest) = text.strip_prefix('-') {
            negative = !negative;
            text = rest.trim_start();
        } else if let Some(rest) = text.strip_suffix('-') {
            negative = !negative;
            text = rest.trim_end();
        } else if let Some(rest) = text.strip_prefix('+') {
            text = rest.trim_start();
        }
        let is_grouping = |c: char| matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\'' | '’');
        let mut found = Separators {
            text,
            negative,
            len: 0,
            n_dots: 0,
            n_commas: 0,
            last_dot: None,
            last_comma: None,
            leading_zero: false,
        };
        for c in text.chars() {
            match c {
                '0'..='9' => found.leading_zero |= found.len == 0 && c == '0',
                '.' => {
                    found.n_dots += 1;
                    found.last_dot = Some(found.len);
                }
                ',' => {
                    found.n_commas += 1;
                    found.last_comma = Some(found.len);
                }
                c if is_grouping(c) => continue,
                _ => return None,
            }
            found.len += 1;
        }
        (found.len > 0).then_some(found)
    }

    /// Whether the one separator at `at` may group thousands as well as start a fraction.
    fn either_at(&self, at: usize) -> bool {
        self.len - at - 1 == 3 && (1..=3).contains(&at) && !self.leading_zero
    }

    /// What the cell shows of its file's decimal mark.
    fn shown(&self) -> Option<MarkShown> {
        use DecimalMark::{Comma, Point};
        Some(match (self.last_dot, self.last_comma) {
            (Some(dot), Some(comma)) => MarkShown::Only(if comma > dot { Comma } else { Point }),
            (None, Some(_)) if self.n_commas > 1 => MarkShown::Only(Point),
            (Some(_), None) if self.n_dots > 1 => MarkShown::Only(Comma),
            (None, Some(at)) | (Some(at), None) if self.either_at(at) => MarkShown::Either,
            (None, Some(_)) => MarkShown::Only(Comma),
            (Some(_), None) => MarkShown::Only(Point),
            (None, None) => return None,
        })
    }

    /// The separator that starts the fraction; the other one (or both, when `None`) groups
    /// digits. A cell that could be read either way is read with `mark`, else with a decimal
    /// point ("1.234" is 1.234, "1,234" is 1234).
    fn decimal(&self, mark: Option<DecimalMark>) -> Option<char> {
        let mark = match self.shown()? {
            MarkShown::Only(only) => only,
            MarkShown::Either => mark.unwrap_or(DecimalMark::Point),
        };
        match mark {
            DecimalMark::Point => (self.n_dots > 0).then_some('.'),
            DecimalMark::Comma => (self.n_commas > 0).then_some(','),
        }
    }
}

/// Reads a number with optional grouping (`1,234,567.89`, `1.234.567,89`, `1 234,5`, `1'234`),
/// a leading or trailing minus, or accounting parentheses, with `mark` as the decimal mark of a
/// cell that could be read either way ([`money`]). Rejects NaN and infinities.
fn plain_number(text: &str, mark: Option<DecimalMark>) -> Option<f64> {
    let found = Separators::scan(text)?;
    let decimal = found.decimal(mark);
    let (text, len, negative) = (found.text, found.len, found.negative);
    // The number rewritten with a point and no grouping, on the stack for any usual length.
    let mut stack = [0u8; 64];
    let mut heap = Vec::new();
    let out: &mut [u8] = if len <= stack.len() {
        &mut stack[..len]
    } else {
        heap.resize(len, 0);
        &mut heap
    };
    let mut n = 0;
    // The digits as a whole number and how many follow the mark, as long as that number is an
    // exact double and the text one mark at most.
    let mut mantissa: u64 = 0;
    let mut n_digits = 0;
    let mut fraction_digits: Option<usize> = None;
    let mut exact = true;
    for c in text.chars() {
        let byte = match c {
            '0'..='9' => c as u8,
            '.' | ',' if Some(c) == decimal => b'.',
            _ => continue,
        };
        out[n] = byte;
        n += 1;
        if byte == b'.' {
            exact &= fraction_digits.is_none();
            fraction_digits = Some(0);
        } else if exact {
            mantissa = mantissa * 10 + u64::from(byte - b'0');
            exact = mantissa <= MAX_EXACT_MANTISSA;
            n_digits += 1;
            if let Some(digits) = &mut fraction_digits {
                *digits += 1;
            }
        }
    }
    if n == 1 && out[0] == b'.' {
        return None;
    }
    let digits = fraction_digits.unwrap_or(0);
    let value = if exact && n_digits > 0 && digits < EXACT_POWERS_OF_TEN.len() {
        // Both are exact doubles, and one division rounds their exact quotient once: the double
        // nearest the decimal, which is what parsing the text gives.
        mantissa as f64 / EXACT_POWERS_OF_TEN[digits]
    } else {
        let normalized = std::str::from_utf8(&out[..n]).ok()?;
        normalized.parse().ok()?
    };
    value
        .is_finite()
        .then_some(if negative { -value } else { value })
}

/// The largest whole number below which every whole number is an exact double (2^53).
const MAX_EXACT_MANTISSA: u64 = 1 << 53;

/// The powers of ten that are exact doubles: 10^0 to 10^22.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The date/time split as it was first written: the reference for [`split_date_time`].
    fn split_date_time_by_tokens(text: &str) -> (&str, Option<&str>) {
        if let Some(position) = text.find('T').filter(|&position| position == 10) {
            return (&text[..position], Some(&text[position + 1..]));
        }
        let mut offset = 0;
        for token in text.split(' ') {
            if token.contains(':') {
                return (
                    text[..offset].trim_end().trim_end_matches(','),
                    Some(text[offset..].trim()),
                );
            }
            offset += token.len() + 1;
        }
        (text, None)
    }

    #[test]
    fn dates_and_times_split_in_one_pass_as_token_by_token() {
        let mut texts: Vec<String> = [
            "2024-01-22T16:14:25.000+0000",
            "2024-10-14 08:46:19",
            "02/23/26 08:55 PM",
            "Oct 16, 2025 3:04 PM",
            "Oct 16, 2025",
            "2026-11-13",
            "TTTTTTTTTTT",
            "16.10.2025 8:00",
            "",
            " : ",
            "é 1:2",
            "2024-10-1éT1:2",
        ]
        .iter()
        .map(|text| (*text).to_string())
        .collect();
        let alphabet = ['1', 'T', ' ', ':', ',', '-'];
        for (index, same_length) in strings_by_length(&alphabet, 7).into_iter().enumerate() {
            // Behind nine and ten characters, where ISO's `T` stands.
            if index < 4 {
                for prefix in ["2024-10-1", "2024-10-14", "2T24-10-14"] {
                    texts.extend(same_length.iter().map(|rest| format!("{prefix}{rest}")));
                }
            }
            texts.extend(same_length);
        }
        for text in &texts {
            assert_eq!(
                split_date_time(text),
                split_date_time_by_tokens(text),
                "{text:?}"
            );
        }
        assert!(texts.len() > 300_000);
    }

    /// Every string of one to `longest` characters from `alphabet`, one list per length,
    /// shortest first.
    fn strings_by_length(alphabet: &[char], longest: usize) -> Vec<Vec<String>> {
        let mut lengths: Vec<Vec<String>> = Vec::new();
        let mut frontier = vec![String::new()];
        for _ in 0..longest {
            frontier = frontier
                .iter()
                .flat_map(|prefix| alphabet.iter().map(move |c| format!("{prefix}{c}")))
                .collect();
            lengths.push(frontier.clone());
        }
        lengths
    }

    /// The shape check as it was first written, split by split: the reference for the one-pass
    /// [`SlashDate::parse`].
    fn slash_date_by_splits(raw: &str) -> Option<SlashDate> {
        let trimmed = raw.trim().as_bytes();
        let end = trimmed
            .iter()
            .position(|&byte| byte == b' ' || byte == b'T')
            .unwrap_or(trimmed.len());
        let date_part = &trimmed[..end];
        let separator = *date_part.iter().find(|byte| !byte.is_ascii_digit())?;
        if separator != b'/' && separator != b'-' {
            return None;
        }
        let mut parts = date_part.split(|&byte| byte == separator);
        let (first, second, year) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let number = |part: &[u8], lengths: std::ops::RangeInclusive<usize>| {
            (lengths.contains(&part.len()) && part.iter().all(u8::is_ascii_digit)).then(|| {
                part.iter()
                    .fold(0u32, |value, digit| value * 10 + u32::from(digit - b'0'))
            })
        };
        let year_value = number(year, 2..=4).filter(|_| year.len() != 3)?;
        Some(SlashDate {
            first: number(first, 1..=2)?,
            second: number(second, 1..=2)?,
            year: year_from(year_value, year.len())?,
        })
    }

    #[test]
    fn slash_dates_read_in_one_pass_as_split_by_split() {
        let mut texts: Vec<String> = [
            "16/10/2025",
            "10/16/2025 3:04 PM",
            "2/2/2026",
            "02-03-24",
            "16-10-2025T08:00",
            " 1/2/26 ",
            "2026-11-13",
            "2026/11/13",
            "16.10.2025",
            "1/2",
            "1/2/3/4",
            "1//2026",
            "/1/2026",
            "1/2/",
            "1/2-2026",
            "1-2/2026",
            "123/1/2026",
            "1/123/2026",
            "1/2/202",
            "1/2/20266",
            "00001/2/2026",
            "a/2/2026",
            "1/2/2026x",
            "12 Oct 2025",
            "Oct 16, 2025",
            "",
            " ",
            "T",
            "1/2/2026T",
            "1/2/2026 ",
            "31/02/2026",
            "0/0/00",
            "９/1/2026",
        ]
        .iter()
        .map(|text| (*text).to_string())
        .collect();
        // Every string of up to six characters from the bytes that matter.
        let alphabet = ['1', '2', '0', '/', '-', ' ', 'T', '.'];
        texts.extend(strings_by_length(&alphabet, 6).into_iter().flatten());
        for text in &texts {
            assert_eq!(
                SlashDate::parse(text),
                slash_date_by_splits(text),
                "{text:?}"
            );
        }
        assert!(texts.len() > 250_000);
    }

    #[test]
    fn trim_tells_at_a_glance_what_str_trim_does() {
        let alphabet = [
            'a', '1', ' ', '\t', '\r', '\u{a0}', '\u{1f}', 'é', '\u{3000}', '~',
        ];
        let texts = strings_by_length(&alphabet, 4).into_iter().flatten();
        let mut n = 0;
        for text in std::iter::once(String::new()).chain(texts) {
            assert_eq!(trim(&text), text.trim(), "{text:?}");
            n += 1;
        }
        assert!(n > 10_000);
    }

    /// The number as it was first read, rewritten with a point and parsed as text: the reference
    /// for [`plain_number`]'s whole-number reading.
    fn plain_number_by_parsing(text: &str, mark: Option<DecimalMark>) -> Option<f64> {
        let found = Separators::scan(text)?;
        let decimal = found.decimal(mark);
        let normalized: String = found
            .text
            .chars()
            .filter_map(|c| match c {
                '0'..='9' => Some(c),
                '.' | ',' if Some(c) == decimal => Some('.'),
                _ => None,
            })
            .collect();
        if normalized == "." {
            return None;
        }
        let value: f64 = normalized.parse().ok()?;
        value
            .is_finite()
            .then_some(if found.negative { -value } else { value })
    }

    #[test]
    fn numbers_read_to_the_bit_as_their_text_parses() {
        let mut texts: Vec<String> = [
            "9007199254740992",
            "9007199254740993",
            "9007199254740993.5",
            "900719925474099.35",
            "18446744073709551616",
            "123456789012345678901234567890",
            "0.1",
            "0.30000000000000004",
            "4.35",
            "1.0000000000000000000001",
            "1.00000000000000000000001",
            "0.0000000000000000000000001",
            "1,234,567.891",
            "1.234.567,891",
            "-0",
            "(0.5)",
            "1.2.3",
            "1,2,3.4.5",
            ",,",
            ".",
            "..",
            "5.",
            ".5",
        ]
        .iter()
        .map(|text| (*text).to_string())
        .collect();
        let alphabet = ['0', '1', '9', '.', ',', '-', ' '];
        texts.extend(strings_by_length(&alphabet, 6).into_iter().flatten());
        // Long numbers with a point anywhere, from a fixed-seed generator.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |below: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % below
        };
        for _ in 0..50_000 {
            let length = 1 + next(24) as usize;
            let mut text: String = (0..length)
                .map(|_| char::from(b'0' + next(10) as u8))
                .collect();
            let point = next(length as u64 + 1) as usize;
            if point < length {
                text.insert(point, '.');
            }
            texts.push(text);
        }
        for text in &texts {
            for mark in [None, Some(DecimalMark::Point), Some(DecimalMark::Comma)] {
                assert_eq!(
                    plain_number(text, mark).map(f64::to_bits),
                    plain_number_by_parsing(text, mark).map(f64::to_bits),
                    "{text:?} {mark:?}"
                );
            }
        }
        assert!(texts.len() > 150_000);
    }

    /// ISO dates as they were first read, split by the separator and each part parsed: the
    /// reference for the in-place reading of a full `YYYY-MM-DD`.
    fn iso_date_by_splits(text: &str) -> Option<NaiveDate> {
        let separator = char::from(text.as_bytes()[4]);
        let mut parts = text.split(separator);
        let year = parts.next()?.parse().ok()?;
        let month = parts.next()?.parse().ok()?;
        let day = parts.next()?.parse().ok()?;
        parts
            .next()
            .is_none()
            .then(|| NaiveDate::from_ymd_opt(year, month, day))
            .flatten()
    }

    #[test]
    fn dates_alone_read_as_dates_with_times_do() {
        let mut texts: Vec<String> = [
            "2024-01-22",
            "2024/01/22",
            "2024.01.22",
            "2024-1-22",
            "2024-01/22",
            "0000-00-00",
            "2024-13-01",
            "2024-02-30",
            "2024-02-29",
            "2023-02-29",
            "9999-12-31",
            "2/2/2026",
            "16/10/2025",
            "10/16/2025",
            " 2/2/2026 ",
            "2024-01-22T00:00:00Z",
            "2/2/2026 10:00",
            "Oct 16, 2025",
        ]
        .iter()
        .map(|text| (*text).to_string())
        .collect();
        let alphabet = ['0', '1', '2', '3', '/', '-', '.'];
        texts.extend(strings_by_length(&alphabet, 6).into_iter().flatten());
        for rest in strings_by_length(&['0', '1', '3', '-', '.'], 6)
            .pop()
            .unwrap()
        {
            texts.push(format!("20{rest}"));
            texts.push(format!("2024{rest}"));
        }
        for text in &texts {
            for order in [
                None,
                Some(SlashOrder::DayFirst),
                Some(SlashOrder::MonthFirst),
            ] {
                let with_time = datetime(text, order).map(|value| value.map(|at| at.date()));
                assert_eq!(date(text, order), with_time, "{text:?} {order:?}");
            }
            let bytes = text.as_bytes();
            if bytes.len() >= 8
                && bytes[..4].iter().all(u8::is_ascii_digit)
                && matches!(bytes[4], b'-' | b'/' | b'.')
            {
                assert_eq!(
                    parse_date_part(text, None),
                    iso_date_by_splits(text),
                    "{text:?}"
                );
            }
        }
        assert!(texts.len() > 100_000);
    }

    fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    #[test]
    fn numbers_are_written_as_the_float_formatting_writes_them() {
        for value in [
            0.0_f64,
            -0.0,
            1.0,
            -1.0,
            485_000.0,
            -12_345_678.0,
            999_999_999_999_999.0,
            1e15,
            2.5e15,
            0.5,
            -1234.25,
            1e-7,
            123_456.789,
        ] {
            let expected = if value.fract() == 0.0 && value.abs() < 1e15 {
                format!("{value:.0}")
            } else {
                value.to_string()
            };
            assert_eq!(format_number(value), expected, "{value:?}");
        }
        assert_eq!(format_number(-0.0), "-0");
        assert_eq!(format_number(485_000.0), "485000");
    }

    #[test]
    fn amounts_in_the_shapes_crms_write() {
        assert_eq!(
            money("USD 485,000.00", None),
            Ok(Some((485_000.0, Some("USD"))))
        );
        assert_eq!(money("EUR 1.234,50", None), Ok(Some((1234.5, Some("EUR")))));
        assert_eq!(money("$1,200", None), Ok(Some((1200.0, None))));
        assert_eq!(money("-$1,200", None), Ok(Some((-1200.0, None))));
        assert_eq!(money("1 234,5 €", None), Ok(Some((1234.5, Some("EUR")))));
        assert_eq!(money("(300.00)", None), Ok(Some((-300.0, None))));
        assert_eq!(money("1124741.15", None), Ok(Some((1_124_741.15, None))));
        assert_eq!(money("1'000'000", None), Ok(Some((1_000_000.0, None))));
        // A lone separator before three digits reads with the file's mark; other cells show
        // their own, whatever the file's mark.
        let amount = |raw, mark| money(raw, mark).unwrap().unwrap().0;
        assert_eq!(amount("1.234", None), 1.234);
        assert_eq!(amount("1,234", None), 1234.0);
        assert_eq!(amount("1.234", Some(DecimalMark::Comma)), 1234.0);
        assert_eq!(amount("1,234", Some(DecimalMark::Comma)), 1.234);
        assert_eq!(amount("USD 1,234.50", Some(DecimalMark::Comma)), 1234.5);
        assert_eq!(amount("1.234,50 €", Some(DecimalMark::Point)), 1234.5);
        // Three digits after a separator are no thousands group after a leading 0 or four digits.
        assert_eq!(amount("0,125", Some(DecimalMark::Point)), 0.125);
        assert_eq!(amount("1234,567", None), 1234.567);
        assert_eq!(amount("1234.567", Some(DecimalMark::Comma)), 1234.567);
        assert_eq!(
            (
                mark_shown("25.000 €", ValueType::Money),
                mark_shown("12,5 %", ValueType::Percent)
            ),
            (
                Some(MarkShown::Either),
                Some(MarkShown::Only(DecimalMark::Comma))
            )
        );
        assert_eq!(mark_shown("1500", ValueType::Number), None);
        assert_eq!(money("  ", None), Ok(None));
        assert!(money("--5", None).is_err());
        assert!(money("-(300)", None).is_err());
        assert_eq!(
            money("twelve", None),
            Err("\"twelve\" is not an amount".into())
        );
        assert_eq!(money("NaN", None), Err("\"NaN\" is not an amount".into()));
        assert_eq!(
            money("1e400", None),
            Err("\"1e400\" is not an amount".into())
        );
    }

    #[test]
    fn percentages_and_booleans() {
        assert_eq!(percent("90%", None), Ok(Some(90.0)));
        assert_eq!(percent("12,5 %", None), Ok(Some(12.5)));
        assert_eq!(boolean("TRUE"), Ok(Some(true)));
        assert_eq!(boolean("0"), Ok(Some(false)));
        assert!(boolean("maybe").is_err());
    }

    #[test]
    fn dates_in_iso_salesforce_and_locale_shapes() {
        let at = |text, order| datetime(text, order).unwrap().unwrap();
        assert_eq!(
            at("2024-01-22T16:14:25.000+0000", None),
            ymd(2024, 1, 22).and_hms_opt(16, 14, 25).unwrap()
        );
        assert_eq!(
            at("2023-10-28 20:45:25", None),
            ymd(2023, 10, 28).and_hms_opt(20, 45, 25).unwrap()
        );
        assert_eq!(
            at("02/23/26 08:55 PM", Some(SlashOrder::MonthFirst)),
            ymd(2026, 2, 23).and_hms_opt(20, 55, 0).unwrap()
        );
        assert_eq!(
            at("11/13/2026 12:02 AM", Some(SlashOrder::MonthFirst)),
            ymd(2026, 11, 13).and_hms_opt(0, 2, 0).unwrap()
        );
        assert_eq!(
            date("16/10/2025", Some(SlashOrder::DayFirst)),
            Ok(Some(ymd(2025, 10, 16)))
        );
        assert_eq!(
            date("03/04/2025", Some(SlashOrder::DayFirst)),
            Ok(Some(ymd(2025, 4, 3)))
        );
        assert_eq!(
            date("03/04/2025", Some(SlashOrder::MonthFirst)),
            Ok(Some(ymd(2025, 3, 4)))
        );
        assert_eq!(date("16.10.2025", None), Ok(Some(ymd(2025, 10, 16))));
        assert_eq!(date("Oct 16, 2025", None), Ok(Some(ymd(2025, 10, 16))));
        assert_eq!(
            date("2018-10-01 00:00:00", None),
            Ok(Some(ymd(2018, 10, 1)))
        );
        assert!(date("16/10/2025", Some(SlashOrder::MonthFirst)).is_err());
        assert!(date("2025-02-30", None).is_err());
        assert!(date("soon", None).is_err());
    }

    #[test]
    fn slash_dates_know_their_readings() {
        let date = |text| SlashDate::parse(text).unwrap();
        assert_eq!(date("16/10/2025").day_first(), Some(ymd(2025, 10, 16)));
        assert_eq!(date("16/10/2025").month_first(), None);
        assert_eq!(
            date("02/23/26 08:55 PM").month_first(),
            Some(ymd(2026, 2, 23))
        );
        assert_eq!(date("05/05/2025").either_order(), Some(ymd(2025, 5, 5)));
        assert_eq!(date("03/04/2025").either_order(), None);
        assert_eq!(SlashDate::parse("2025-10-16"), None);
        assert_eq!(SlashDate::parse("16.10.2025"), None);
        assert_eq!(SlashDate::parse("1/1/-5"), None);
        assert_eq!(
            datetime("05/05/2025", None),
            Ok(Some(ymd(2025, 5, 5).and_time(NaiveTime::MIN)))
        );
    }

    #[test]
    fn salesforce_empty_lookup_is_empty_text() {
        assert_eq!(text("000000000000000AAA"), None);
        assert_eq!(text("  Acme "), Some("Acme".into()));
    }
}
