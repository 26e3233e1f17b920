//! Settling the day/month order of slash dates for one file.
//!
//! A date like 16/10/2025 can only be day first and 10/16/2025 only month first; 03/04/2025 could
//! be either. One file is written in one locale, so one unambiguous date settles every other.
//! When the caller gives no order and no date settles it, the import stops and asks: Lens never
//! guesses silently.

use super::values::{SlashDate, SlashOrder};
use super::{DateOrder, ImportError};

/// A date cell to consider: its line, 1-based column, header, and text.
pub(crate) struct DateSample<'a> {
    pub line: u64,
    pub column: usize,
    pub header: &'a str,
    pub text: &'a str,
}

/// Returns the order to read slash dates with, or `None` when the file has no slash dates.
pub(crate) fn settle_order<'a>(
    requested: DateOrder,
    samples: impl Iterator<Item = DateSample<'a>>,
) -> Result<Option<SlashOrder>, ImportError> {
    match requested {
        DateOrder::DayFirst => return Ok(Some(SlashOrder::DayFirst)),
        DateOrder::MonthFirst => return Ok(Some(SlashOrder::MonthFirst)),
        DateOrder::Auto => {}
    }
    let mut day_first: Option<DateSample> = None;
    let mut month_first: Option<DateSample> = None;
    let mut ambiguous: Option<DateSample> = None;
    for sample in samples {
        let Some(slash_date) = SlashDate::parse(sample.text) else {
            continue;
        };
        // A reading that is not a real date (31/02, 00/05) is no evidence; such a date is
        // rejected with its row later.
        match (slash_date.day_first(), slash_date.month_first()) {
            (Some(_), None) => {
                day_first.get_or_insert(sample);
            }
            (None, Some(_)) => {
                month_first.get_or_insert(sample);
            }
            (Some(day), Some(month)) if day != month => {
                ambiguous.get_or_insert(sample);
            }
            _ => {}
        }
        if day_first.is_some() && month_first.is_some() {
            break;
        }
    }
    let describe = |sample: &DateSample| {
        format!(
            "\"{}\" (line {}, {})",
            sample.text.trim(),
            sample.line,
            sample.header
        )
    };
    match (day_first, month_first, ambiguous) {
        (Some(day), Some(month), _) => Err(ImportError::ContradictoryDates {
            day_first: describe(&day),
            month_first: describe(&month),
        }),
        (Some(_), None, _) => Ok(Some(SlashOrder::DayFirst)),
        (None, Some(_), _) => Ok(Some(SlashOrder::MonthFirst)),
        (None, None, Some(sample)) => Err(ImportError::AmbiguousDates {
            line: sample.line,
            column: sample.column,
            column_name: sample.header.to_string(),
            example: sample.text.trim().to_string(),
        }),
        (None, None, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settle(order: DateOrder, texts: &[&str]) -> Result<Option<SlashOrder>, ImportError> {
        settle_order(
            order,
            texts.iter().enumerate().map(|(idx, text)| DateSample {
                line: idx as u64 + 2,
                column: 3,
                header: "Close Date",
                text,
            }),
        )
    }

    #[test]
    fn one_unambiguous_date_settles_the_file() {
        assert_eq!(
            settle(DateOrder::Auto, &["03/04/2025", "16/10/2025"]),
            Ok(Some(SlashOrder::DayFirst))
        );
        assert_eq!(
            settle(DateOrder::Auto, &["03/04/2025", "10/16/2025 3:04 PM"]),
            Ok(Some(SlashOrder::MonthFirst))
        );
        assert_eq!(
            settle(DateOrder::Auto, &["2025-10-16", "05/05/2025"]),
            Ok(None)
        );
    }

    #[test]
    fn ambiguity_is_an_error_naming_the_place() {
        assert_eq!(
            settle(DateOrder::Auto, &["2025-01-01", "03/04/2025"]),
            Err(ImportError::AmbiguousDates {
                line: 3,
                column: 3,
                column_name: "Close Date".into(),
                example: "03/04/2025".into()
            })
        );
        assert_eq!(
            settle(DateOrder::DayFirst, &["03/04/2025"]),
            Ok(Some(SlashOrder::DayFirst))
        );
    }

    #[test]
    fn impossible_dates_are_no_evidence() {
        assert_eq!(
            settle(DateOrder::Auto, &["10/16/2026", "31/02/2026"]),
            Ok(Some(SlashOrder::MonthFirst))
        );
        assert_eq!(
            settle(DateOrder::Auto, &["00/05/2025", "05/05/2025"]),
            Ok(None)
        );
    }

    #[test]
    fn mixed_orders_are_refused() {
        assert!(matches!(
            settle(DateOrder::Auto, &["16/10/2025", "10/16/2025"]),
            Err(ImportError::ContradictoryDates { .. })
        ));
    }
}
