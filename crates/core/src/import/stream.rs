//! Importing a large CSV file without holding it: the file is read twice from its start, once to
//! lay the table out ([`super::layout`]) and once to build its records, a few kilobytes at a time.
//!
//! Held in memory whole, a file costs its bytes plus its rows split into cells, about twice its
//! size, before any record is built. Read as a stream, it costs the records alone. The price is a
//! second read of the file and of its CSV syntax; so files under [`STREAM_FROM_BYTES`] are read
//! whole, in one pass. Workbooks, UTF-16 text and text that is not UTF-8 (decoded as
//! Windows-1252) are read whole too, at any size.

use std::io::{self, Read};

use super::decode::{self, Cells, CsvRows, GridRow, Head, RecordCells, SplitError};
use super::records::{RowPasses, import_rows};
use super::{
    ImportError, ImportOptions, ImportProgress, ImportReport, check_file_size, import_owned_into,
};
use crate::model::HistoryEvent;

/// Files from this size up are read as a stream (when they are UTF-8 CSV text); smaller ones are
/// read whole, which is faster. 64 MB holds a 150,000-row opportunity report.
pub const STREAM_FROM_BYTES: u64 = 64_000_000;

/// The start of a file looked at before it is read: what it is, its BOM, its delimiter.
const HEAD_BYTES: usize = 1 << 20;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// A file that can be read from its start more than once.
///
/// The core reads no files itself: the panel's import worker reads a browser `File` in slices,
/// `lens import` a file on disk, and tests a byte slice.
pub trait Reread {
    /// The file's size in bytes.
    fn size(&self) -> u64;

    /// A reader from the file's first byte.
    fn open(&self) -> io::Result<Box<dyn Read + '_>>;
}

impl Reread for &[u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }

    fn open(&self) -> io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(*self))
    }
}

impl Reread for Vec<u8> {
    fn size(&self) -> u64 {
        self.len() as u64
    }

    fn open(&self) -> io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(self.as_slice()))
    }
}

/// Imports one export file from `source`: as a stream when it is a large UTF-8 CSV file, else
/// read whole (as [`super::import_file_reporting`] does). Progress is told as the import's steps:
/// splitting (the first pass, in bytes), then building (in rows).
pub fn import_reread_reporting(
    file_name: &str,
    source: &dyn Reread,
    options: &ImportOptions,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<ImportReport, ImportError> {
    import_reread_from(
        file_name,
        source,
        options,
        progress,
        STREAM_FROM_BYTES,
        None,
    )
}

/// [`import_reread_reporting`] reading a UTF-8 CSV file as a stream however small it is: slower
/// for a small file, and the same report (the repository's tests import every fixture both ways).
pub fn import_streamed(
    file_name: &str,
    source: &dyn Reread,
    options: &ImportOptions,
) -> Result<ImportReport, ImportError> {
    import_reread_from(file_name, source, options, &mut |_| {}, 0, None)
}

/// [`import_reread_reporting`], handing an OpportunityHistory table's events to `history_out` as
/// they are made (see [`super::records::import_rows`]).
pub(crate) fn import_reread_into(
    file_name: &str,
    source: &dyn Reread,
    options: &ImportOptions,
    progress: &mut dyn FnMut(ImportProgress),
    history_out: &mut dyn FnMut(HistoryEvent),
) -> Result<ImportReport, ImportError> {
    import_reread_from(
        file_name,
        source,
        options,
        progress,
        STREAM_FROM_BYTES,
        Some(history_out),
    )
}

/// [`import_reread_into`], streaming files of `stream_from` bytes and up.
fn import_reread_from(
    file_name: &str,
    source: &dyn Reread,
    options: &ImportOptions,
    progress: &mut dyn FnMut(ImportProgress),
    stream_from: u64,
    history_out: Option<&mut dyn FnMut(HistoryEvent)>,
) -> Result<ImportReport, ImportError> {
    let size = source.size();
    check_file_size(size)?;
    let whole = |progress: &mut dyn FnMut(ImportProgress),
                 history_out: Option<&mut dyn FnMut(HistoryEvent)>| {
        let bytes = read_all(source)?;
        import_owned_into(file_name, bytes, options, progress, history_out)
    };
    if size < stream_from {
        return whole(progress, history_out);
    }
    let head = read_head(source)?;
    let delimiter = match decode::look_at_head(&head, HEAD_BYTES) {
        Head::Csv(delimiter) => delimiter,
        Head::NotATable(detail) => return Err(ImportError::NotATable { detail }),
        Head::ReadWhole => return whole(progress, history_out),
    };
    let bom = head.starts_with(UTF8_BOM);
    let notes = decode::delimiter_note(delimiter).into_iter().collect();
    let passes = Passes {
        source,
        bom,
        delimiter,
        size,
    };
    // Text that is not UTF-8 is found in the first pass, before any record is made.
    let mut history_out = history_out;
    let reborrowed = history_out
        .as_mut()
        .map(|emit| &mut **emit as &mut dyn FnMut(HistoryEvent));
    match import_rows(file_name, passes, notes, options, progress, reborrowed) {
        Ok(report) => Ok(report),
        Err(SplitError::Import(error)) => Err(error),
        // Some of the text is not UTF-8: the whole file is decoded another way (as Windows-1252,
        // told in a note), as if it had been read whole from the start.
        Err(SplitError::NotUtf8) => whole(progress, history_out),
        Err(SplitError::Read(error)) => Err(unreadable(&error)),
    }
}

fn unreadable(error: &io::Error) -> ImportError {
    ImportError::Unreadable {
        detail: error.to_string(),
    }
}

fn read_all(source: &dyn Reread) -> Result<Vec<u8>, ImportError> {
    let mut bytes = Vec::with_capacity(source.size() as usize);
    source
        .open()
        .and_then(|mut reader| reader.read_to_end(&mut bytes))
        .map_err(|error| unreadable(&error))?;
    Ok(bytes)
}

fn read_head(source: &dyn Reread) -> Result<Vec<u8>, ImportError> {
    let mut head = Vec::with_capacity(HEAD_BYTES);
    source
        .open()
        .and_then(|reader| reader.take(HEAD_BYTES as u64).read_to_end(&mut head))
        .map_err(|error| unreadable(&error))?;
    Ok(head)
}

/// The two passes over a CSV file read from its start each time.
struct Passes<'a> {
    source: &'a dyn Reread,
    /// Whether the file starts with a UTF-8 BOM, skipped.
    bom: bool,
    delimiter: u8,
    size: u64,
}

impl<'a> Passes<'a> {
    fn rows(&self) -> Result<CsvRows<Box<dyn Read + 'a>>, SplitError> {
        let mut reader = self.source.open().map_err(SplitError::Read)?;
        if self.bom {
            reader
                .read_exact(&mut [0; UTF8_BOM.len()])
                .map_err(SplitError::Read)?;
        }
        Ok(CsvRows::new(reader, self.delimiter, self.size))
    }
}

impl RowPasses for Passes<'_> {
    fn scan(
        &mut self,
        visit: &mut dyn FnMut(&dyn Cells),
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<(), SplitError> {
        let mut rows = self.rows()?;
        while let Some((line, record)) = rows.next_record(progress)? {
            visit(&RecordCells { line, record });
        }
        Ok(())
    }

    fn into_rows(self) -> Result<impl Iterator<Item = Result<GridRow, SplitError>>, SplitError> {
        let mut rows = self.rows()?;
        Ok(std::iter::from_fn(move || {
            // The second pass is told as the records are built, not as the text is split.
            rows.next_record(&mut |_| {})
                .map(|read| read.map(|(line, record)| RecordCells { line, record }.to_row()))
                .transpose()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::import_file;

    fn streamed(bytes: &[u8], options: &ImportOptions) -> Result<ImportReport, ImportError> {
        import_reread_from("file.csv", &bytes, options, &mut |_| {}, 0, None)
    }

    #[test]
    fn a_stream_reads_as_the_whole_file_does() {
        let files: &[&[u8]] = &[
            // A report with a title, blank rows, a footer and slash dates settled by one of them.
            b"Opportunities by Rep\n\nOpportunity Name,Stage,Amount,Close Date\r\nAcme,Proposal,100,03/04/2026\n,,,\n\
              Initech,Closed Won,200,16/04/2026\n\"Multi\nline\",Proposal,\"1,5\",01/05/2026\n\nOpportunities by Rep\n\
              \"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.\"\nGenerated By:  Morgan Ellis  13/11/2026 7:02 AM\nLens Demo Co\n",
            // A BOM, semicolons, a rejected row.
            b"\xEF\xBB\xBFOpportunity Name;Stage;Amount;Close Date\nAcme;Proposal;lots;2026-03-01\nGlobex;Proposal;5;2026-03-02\n",
            // Not UTF-8: read whole as Windows-1252.
            b"Opportunity Name,Stage,Amount,Close Date\nCaf\xe9,Proposal,100,2026-03-01\n",
        ];
        for bytes in files {
            let whole = import_file("file.csv", bytes, &ImportOptions::default());
            assert_eq!(streamed(bytes, &ImportOptions::default()), whole);
        }
        let report = streamed(files[0], &ImportOptions::default()).unwrap();
        assert_eq!(
            (report.data_rows, report.stored_rows, report.as_of),
            (3, 3, chrono::NaiveDate::from_ymd_opt(2026, 11, 13))
        );
        assert_eq!(
            report.notes,
            vec![
                "1 row(s) above the header skipped (report title or filters)",
                "report footer of 4 line(s) from line 10 stripped",
                "1 blank row(s) skipped",
            ]
        );
        assert_eq!(report.data.opportunities[2].source.line, 7);
    }

    #[test]
    fn a_streamed_file_fails_as_the_whole_file_does() {
        let files: &[&[u8]] = &[
            b"Opportunity Name,Stage,Amount,Close Date\nAcme,Proposal,100,03/04/2026\n",
            b"Opportunity Name,Stage,Amount,Close Date\n",
            b"Something,Else\n1,2\n",
            b"\n\n",
        ];
        for bytes in files {
            let whole = import_file("file.csv", bytes, &ImportOptions::default());
            assert!(whole.is_err());
            assert_eq!(streamed(bytes, &ImportOptions::default()), whole);
        }
    }

    proptest::proptest! {
        /// Any text of rows, blank and sparse ones, quotes, line breaks, slash dates and footer
        /// lines among them, imports the same read whole or as a stream.
        #[test]
        fn any_table_streams_as_it_reads_whole(
            rows in proptest::collection::vec(
                proptest::sample::select(vec![
                    "Acme,Proposal,100,03/04/2026",
                    "Initech,Closed Won,2.5,16/04/2026",
                    "\"Multi\nline\",Proposal,1,04/16/2026",
                    "Lonely,,,",
                    ",,,",
                    "",
                    "\r",
                    "Opportunities by Rep",
                    "Grand Totals (3 records)",
                    "Generated By:  Sales Ops 2  5/31/2026 7:02 AM",
                    "\"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.\"",
                    "Opportunity Name,Stage,Amount,Close Date",
                    "\"unclosed,Proposal,1,2026-01-01",
                ]),
                0..24,
            ),
            endings in proptest::collection::vec(proptest::sample::select(vec!["\n", "\r\n", "\r"]), 24),
        ) {
            let mut text = String::from("Report title\nOpportunity Name,Stage,Amount,Close Date\n");
            for (row, ending) in rows.iter().zip(&endings) {
                text.push_str(row);
                text.push_str(ending);
            }
            let whole = import_file("file.csv", text.as_bytes(), &ImportOptions::default());
            proptest::prop_assert_eq!(streamed(text.as_bytes(), &ImportOptions::default()), whole);
        }
    }

    /// A file that gives other bytes on its second read.
    struct Changing {
        first: Vec<u8>,
        then: Vec<u8>,
        opened: std::cell::Cell<usize>,
    }

    impl Reread for Changing {
        fn size(&self) -> u64 {
            self.first.len() as u64
        }

        fn open(&self) -> io::Result<Box<dyn Read + '_>> {
            self.opened.set(self.opened.get() + 1);
            // The head, the first pass, then the second.
            Ok(Box::new(if self.opened.get() <= 2 {
                &self.first[..]
            } else {
                &self.then[..]
            }))
        }
    }

    #[test]
    fn a_file_that_changes_between_the_passes_is_refused() {
        let first = b"Opportunity Name,Stage,Amount,Close Date\nA,Proposal,1,2026-03-01\nB,Proposal,2,2026-03-01\n";
        let source = Changing {
            first: first.to_vec(),
            then: first[..first.len() - 25].to_vec(),
            opened: Default::default(),
        };
        let error = import_reread_from(
            "file.csv",
            &source,
            &ImportOptions::default(),
            &mut |_| {},
            0,
            None,
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the file could not be read: the file changed while it was read"
        );
    }
}
