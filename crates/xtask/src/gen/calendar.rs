//! Day arithmetic and the date formats the exports use.
//!
//! Inside the generator a date is a `Day`: days since 0001-01-01 as counted by chrono's
//! `num_days_from_ce` (so day 1 is a Monday). Formatting goes through `DateTexts`, a table built
//! once, because the snapshot writer prints millions of dates.

use std::borrow::Cow;

use chrono::{Datelike, Months, NaiveDate};

/// Days since 0001-01-01 (chrono's `num_days_from_ce`).
pub type Day = i32;

/// Minutes from midnight; changes in the CRM happen between `FIRST_WORK_MINUTE` and
/// `LAST_WORK_MINUTE`, so an export run after `LAST_WORK_MINUTE` sees the whole day.
pub type MinuteOfDay = u16;
pub const FIRST_WORK_MINUTE: MinuteOfDay = 7 * 60 + 30;
pub const LAST_WORK_MINUTE: MinuteOfDay = 17 * 60 + 59;

pub fn day_from_date(date: NaiveDate) -> Day {
    date.num_days_from_ce()
}

pub fn date_from_day(day: Day) -> NaiveDate {
    // Every day the generator computes lies within a few years of the as-of date, far inside
    // chrono's range, so the fallback is unreachable in practice.
    NaiveDate::from_num_days_from_ce_opt(day).unwrap_or(NaiveDate::MIN)
}

/// 0 = Monday … 4 = Friday, 5 = Saturday, 6 = Sunday.
pub fn weekday_index(day: Day) -> i32 {
    (day - 1).rem_euclid(7)
}

pub fn is_weekend(day: Day) -> bool {
    weekday_index(day) >= 5
}

/// The same day if it is a weekday, else the following Monday.
pub fn next_weekday(day: Day) -> Day {
    match weekday_index(day) {
        5 => day + 2,
        6 => day + 1,
        _ => day,
    }
}

/// The same day if it is a weekday, else the preceding Friday.
pub fn previous_weekday(day: Day) -> Day {
    match weekday_index(day) {
        5 => day - 1,
        6 => day - 2,
        _ => day,
    }
}

/// The last weekday of the month that contains `day`.
pub fn last_business_day_of_month(day: Day) -> Day {
    let date = date_from_day(day);
    let first_of_month = date.with_day(1).unwrap_or(date);
    let first_of_next = first_of_month
        .checked_add_months(Months::new(1))
        .unwrap_or(first_of_month);
    previous_weekday(day_from_date(first_of_next) - 1)
}

/// Whether two days fall in the same calendar month.
pub fn same_month(left: Day, right: Day) -> bool {
    let (left, right) = (date_from_day(left), date_from_day(right));
    left.year() == right.year() && left.month() == right.month()
}

/// `day` moved by whole months (clamped to the month's last day, as chrono does).
pub fn add_months(day: Day, months: u32) -> Day {
    let date = date_from_day(day);
    day_from_date(date.checked_add_months(Months::new(months)).unwrap_or(date))
}

/// Parses `YYYY-MM-DD`.
pub fn parse_iso_date(text: &str) -> Option<Day> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .map(day_from_date)
}

/// Precomputed date strings for a range of days: `M/D/YYYY` (the US-locale report format) and
/// `YYYY-MM-DD`.
pub struct DateTexts {
    first_day: Day,
    us_dates: Vec<String>,
    iso_dates: Vec<String>,
}

impl DateTexts {
    pub fn new(first_day: Day, last_day: Day) -> DateTexts {
        let mut us_dates = Vec::with_capacity((last_day - first_day + 1).max(0) as usize);
        let mut iso_dates = Vec::with_capacity(us_dates.capacity());
        for day in first_day..=last_day {
            us_dates.push(format_us_date(day));
            iso_dates.push(format_iso_date(day));
        }
        DateTexts {
            first_day,
            us_dates,
            iso_dates,
        }
    }

    /// `M/D/YYYY`, e.g. `10/16/2026`.
    pub fn us(&self, day: Day) -> Cow<'_, str> {
        match self.index(day) {
            Some(index) => Cow::Borrowed(&self.us_dates[index]),
            None => Cow::Owned(format_us_date(day)),
        }
    }

    /// `YYYY-MM-DD`.
    pub fn iso(&self, day: Day) -> Cow<'_, str> {
        match self.index(day) {
            Some(index) => Cow::Borrowed(&self.iso_dates[index]),
            None => Cow::Owned(format_iso_date(day)),
        }
    }

    /// `YYYY-MM-DD HH:MM:SS`.
    pub fn datetime(&self, day: Day, minute_of_day: MinuteOfDay, second: u8) -> String {
        let mut text = String::with_capacity(19);
        text.push_str(&self.iso(day));
        text.push(' ');
        text.push_str(&format_clock_24h(minute_of_day, second));
        text
    }

    fn index(&self, day: Day) -> Option<usize> {
        let offset = day - self.first_day;
        if offset >= 0 && (offset as usize) < self.us_dates.len() {
            Some(offset as usize)
        } else {
            None
        }
    }
}

pub fn format_us_date(day: Day) -> String {
    let date = date_from_day(day);
    format!("{}/{}/{}", date.month(), date.day(), date.year())
}

pub fn format_iso_date(day: Day) -> String {
    date_from_day(day).format("%Y-%m-%d").to_string()
}

/// `M/D` without the year, as people write dates in short notes.
pub fn format_month_day(day: Day) -> String {
    let date = date_from_day(day);
    format!("{}/{}", date.month(), date.day())
}

/// `h:mm AM` / `h:mm PM`.
pub fn format_clock_12h(minute_of_day: MinuteOfDay) -> String {
    let hour_24 = minute_of_day / 60;
    let minute = minute_of_day % 60;
    let suffix = if hour_24 < 12 { "AM" } else { "PM" };
    let hour_12 = match hour_24 % 12 {
        0 => 12,
        other => other,
    };
    format!("{hour_12}:{minute:02} {suffix}")
}

/// `HH:MM:SS` for a minute of the day plus a second.
pub fn format_clock_24h(minute_of_day: MinuteOfDay, second: u8) -> String {
    format!(
        "{:02}:{:02}:{:02}",
        minute_of_day / 60,
        minute_of_day % 60,
        second
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekday_index_matches_chrono() {
        for offset in 0..14 {
            let day =
                day_from_date(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default()) + offset;
            let expected = date_from_day(day).weekday().num_days_from_monday() as i32;
            assert_eq!(weekday_index(day), expected);
        }
    }

    #[test]
    fn formats() {
        let day = parse_iso_date("2026-10-16").unwrap_or_default();
        assert_eq!(format_us_date(day), "10/16/2026");
        assert_eq!(format_clock_12h(7 * 60 + 2), "7:02 AM");
        assert_eq!(format_clock_12h(18 * 60 + 5), "6:05 PM");
        assert_eq!(format_clock_12h(12 * 60), "12:00 PM");
        let end_of_october = last_business_day_of_month(day);
        assert_eq!(format_iso_date(end_of_october), "2026-10-30");
    }
}
