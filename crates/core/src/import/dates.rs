//! Settling the day/month order of slash dates for one file.
//!
//! A date like 16/10/2025 can only be day first and 10/16/2025 only month first; 03/04/2025 could
//! be either. One file is written in one locale, so one unambiguous date settles every other.
//! When the caller gives no order and no date settles it, the import stops and asks: Lens never
//! guesses silently.

use super::values::{SlashDate, SlashOrder};
use super::{DateOrder, ImportError};

/// A cell to consider: its line, 1-based column, header, and text.
pub(crate) struct CellSample<'a> {
    pub line: u64,
    pub column: usize,
    pub header: &'a str,
    pub text: &'a str,
}

/// A cell kept as evidence, described for a message: `"16/10/2025" (line 4, Close Date)`.
#[derive(Debug, Clone)]
pub(crate) struct Kept {
    pub(crate) line: u64,
    pub(crate) column: usize,
    pub(crate) header: String,
    pub(crate) text: String,
}

impl Kept {
    pub(crate) fn of(sample: &CellSample) -> Kept {
        Kept {
            line: sample.line,
            column: sample.column,
            header: sample.header.to_string(),
            text: sample.text.trim().to_string(),
        }
    }

    pub(crate) fn describe(&self) -> String {
        format!("\"{}\" (line {}, {})", self.text, self.line, self.header)
    }
}

/// The first date of each kind seen so far, in the order the file gives them: one only valid day
/// first, one only valid month first, and one that reads as two different days.
///
/// Samples are added one at a time, so a file read as a stream never keeps its date cells.
#[derive(Debug, Default)]
pub(crate) struct DateEvidence {
    day_first: Option<Kept>,
    month_first: Option<Kept>,
    ambiguous: Option<Kept>,
}

impl DateEvidence {
    pub(crate) fn add(&mut self, sample: &CellSample) {
        if self.day_first.is_some() && self.month_first.is_some() {
            // Settled already: the file mixes both orders.
            return;
        }
        let Some(slash_date) = SlashDate::parse(sample.text) else {
            return;
        };
        // A reading that is not a real date (31/02, 00/05) is no evidence; such a date is
        // rejected with its row later.
        let slot = match (slash_date.day_first(), slash_date.month_first()) {
            (Some(_), None) => &mut self.day_first,
            (None, Some(_)) => &mut self.month_first,
            (Some(day), Some(month)) if day != month => &mut self.ambiguous,
            _ => return,
        };
        if slot.is_none() {
            *slot = Some(Kept::of(sample));
        }
    }

    /// The order to read slash dates with, or `None` when the file has no slash dates.
    pub(crate) fn settle(self, requested: DateOrder) -> Result<Option<SlashOrder>, ImportError> {
        match requested {
            DateOrder::DayFirst => return Ok(Some(SlashOrder::DayFirst)),
            DateOrder::MonthFirst => return Ok(Some(SlashOrder::MonthFirst)),
            DateOrder::Auto => {}
        }
        match (self.day_first, self.month_first, self.ambiguous) {
            (Some(day), Some(month), _) => Err(ImportError::ContradictoryDates {
                day_first: day.describe(),
                month_first: month.describe(),
            }),
            (Some(_), None, _) => Ok(Some(SlashOrder::DayFirst)),
            (None, Some(_), _) => Ok(Some(SlashOrder::MonthFirst)),
            (None, None, Some(sample)) => Err(ImportError::AmbiguousDates {
                line: sample.line,
                column: sample.column,
                column_name: sample.header,
                example: sample.text,
            }),
            (None, None, None) => Ok(None),
        }
    }
}

/// Returns the order to read slash dates with, or `None` when the file has no slash dates.
#[cfg(test)]
pub(crate) fn settle_order<'a>(
    requested: DateOrder,
    samples: impl Iterator<Item = CellSample<'a>>,
) -> Result<Option<SlashOrder>, ImportError> {
    let mut evidence = DateEvidence::default();
    if requested == DateOrder::Auto {
        for sample in samples {
            evidence.add(&sample);
        }
    }
    evidence.settle(requested)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settle(order: DateOrder, texts: &[&str]) -> Result<Option<SlashOrder>, ImportError> {
        settle_order(
            order,
            texts.iter().enumerate().map(|(idx, text)| CellSample {
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
