//! Settling the decimal mark of one file's numbers.
//!
//! "1.234,56" can only be written with a decimal comma and "1,234.56" only with a decimal point;
//! "1.234" could be either (1.234, or 1234 with a dot grouping thousands). One file is written in
//! one locale, so a number that shows its mark settles how every other reads: a German report's
//! "1.234" next to its "8.400,50" is 1234.
//!
//! A file whose numbers never show their mark is read with a decimal point, the convention of the
//! exports Lens reads most. A cell like "1,234" then reads as 1234, which is what such files mean
//! far more often than 1.234, so it is read without a word; a cell like "1.234" reads as 1.234,
//! and a note names it, so that a user whose file groups thousands with dots sees it and can say
//! so (the import's decimal mark, or a mapping's `decimal_mark = ","`).

use super::dates::{CellSample, Kept};
use super::values::{self, DecimalMark, MarkShown};

/// The first number that shows its decimal mark, and the first with a dot that reads either way.
///
/// Samples are added one at a time, so a file read as a stream never keeps its number cells.
/// A number that shows the other mark later still reads as it shows; the first one settles only
/// the numbers that could be read either way.
#[derive(Debug, Default)]
pub(crate) struct MarkEvidence {
    first_shown: Option<(DecimalMark, Kept)>,
    either_with_dot: Option<Kept>,
}

/// The mark settled for a file, and what the user is told about it.
#[derive(Debug, PartialEq)]
pub(crate) struct Settled {
    /// `None`: a number that reads either way is read with a point.
    pub mark: Option<DecimalMark>,
    pub note: Option<String>,
}

impl MarkEvidence {
    /// Weighs one number cell (money, number or percentage, as `shown` says).
    pub(crate) fn add(&mut self, sample: &CellSample, shown: MarkShown) {
        match shown {
            MarkShown::Only(mark) if self.first_shown.is_none() => {
                self.first_shown = Some((mark, Kept::of(sample)));
            }
            MarkShown::Either if self.either_with_dot.is_none() && sample.text.contains('.') => {
                self.either_with_dot = Some(Kept::of(sample));
            }
            _ => {}
        }
    }

    /// Whether more samples could change the mark or its note: not once a point is shown, nor
    /// once a comma is shown and a "1.234" it settles was seen. (So a file of decimal points
    /// weighs its numbers only until the first that shows one.)
    pub(crate) fn open(&self) -> bool {
        match self.first_shown {
            None => true,
            Some((DecimalMark::Point, _)) => false,
            Some((DecimalMark::Comma, _)) => self.either_with_dot.is_none(),
        }
    }

    /// The mark to read the file's numbers with.
    pub(crate) fn settle(self) -> Settled {
        match (self.first_shown, self.either_with_dot) {
            (Some((DecimalMark::Comma, comma)), either) => Settled {
                mark: Some(DecimalMark::Comma),
                note: either.map(|either| {
                    format!(
                        "numbers read with a decimal comma, as {} shows: {} is {}",
                        comma.describe(),
                        either.describe(),
                        reading(&either, DecimalMark::Comma)
                    )
                }),
            },
            (Some((DecimalMark::Point, _)), _) => Settled {
                mark: Some(DecimalMark::Point),
                note: None,
            },
            (None, either) => Settled {
                mark: None,
                note: either.map(|either| {
                    format!(
                        "no number shows the file's decimal mark, so {} is read with a decimal \
                         point, as {}; with a decimal comma it would be {}",
                        either.describe(),
                        reading(&either, DecimalMark::Point),
                        reading(&either, DecimalMark::Comma)
                    )
                }),
            },
        }
    }
}

/// A kept number cell's value read with `mark`, written without grouping.
fn reading(kept: &Kept, mark: DecimalMark) -> String {
    let value = values::money(&kept.text, Some(mark))
        .ok()
        .flatten()
        .map(|(value, _)| value);
    value.map_or_else(|| kept.text.clone(), values::format_number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settle(texts: &[&str]) -> Settled {
        let mut evidence = MarkEvidence::default();
        for (idx, text) in texts.iter().enumerate() {
            let sample = CellSample {
                line: idx as u64 + 2,
                column: 2,
                header: "Betrag",
                text,
            };
            if let Some(shown) = values::mark_shown(text, super::super::fields::ValueType::Money) {
                evidence.add(&sample, shown);
            }
        }
        evidence.settle()
    }

    #[test]
    fn one_number_that_shows_its_mark_settles_the_file() {
        assert_eq!(
            settle(&["1.234", "8.400,50", "12"]),
            Settled {
                mark: Some(DecimalMark::Comma),
                note: Some(
                    "numbers read with a decimal comma, as \"8.400,50\" (line 3, Betrag) shows: \
                     \"1.234\" (line 2, Betrag) is 1234"
                        .into()
                ),
            }
        );
        // Dots grouping thousands show a comma file too.
        assert_eq!(settle(&["1.234.567"]).mark, Some(DecimalMark::Comma));
        assert_eq!(
            settle(&["USD 1,234.50", "1,234"]),
            Settled {
                mark: Some(DecimalMark::Point),
                note: None
            }
        );
        assert_eq!(settle(&["1,234,567", "1.5"]).mark, Some(DecimalMark::Point));
        // A leading zero is never a thousands group: "0,125" shows a comma.
        assert_eq!(settle(&["0,125"]).mark, Some(DecimalMark::Comma));
    }

    #[test]
    fn a_file_whose_numbers_never_show_their_mark_reads_a_point_and_says_so_for_a_dot() {
        assert_eq!(
            settle(&["$1,200", "25.000 €", "1"]),
            Settled {
                mark: None,
                note: Some(
                    "no number shows the file's decimal mark, so \"25.000 €\" (line 3, Betrag) is \
                     read with a decimal point, as 25; with a decimal comma it would be 25000"
                        .into()
                ),
            }
        );
        // "1,234" is read as 1234 without a note; whole numbers show nothing.
        assert_eq!(
            settle(&["1,234", "500", ""]),
            Settled {
                mark: None,
                note: None
            }
        );
    }

    #[test]
    fn the_first_number_that_shows_its_mark_settles_and_later_ones_read_as_they_show() {
        let settled = settle(&["1,234.50", "1.234,50", "1.234"]);
        assert_eq!(
            settled,
            Settled {
                mark: Some(DecimalMark::Point),
                note: None
            }
        );
        let read = |text| values::money(text, settled.mark).unwrap().unwrap().0;
        assert_eq!((read("1.234,50"), read("1.234")), (1234.5, 1.234));
    }
}
