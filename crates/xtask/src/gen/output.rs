//! Writing CSV files: a row buffer that builds one line in memory (infallible), and a file that
//! takes whole lines through a `BufWriter`, turning IO errors into messages that name the path.
//!
//! Two quoting styles: Salesforce exports quote every cell; Lens's own renewal files quote only
//! cells that need it (RFC 4180).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Quoting {
    EveryCell,
    WhenNeeded,
}

/// One CSV line under construction.
pub struct RowBuffer {
    bytes: Vec<u8>,
    quoting: Quoting,
    at_line_start: bool,
}

impl RowBuffer {
    pub fn new(quoting: Quoting) -> RowBuffer {
        RowBuffer {
            bytes: Vec::with_capacity(1024),
            quoting,
            at_line_start: true,
        }
    }

    /// A text cell, quoted per the buffer's style, with inner quotes doubled.
    pub fn cell(&mut self, text: &str) {
        self.separator();
        let needs_quotes = match self.quoting {
            Quoting::EveryCell => true,
            Quoting::WhenNeeded => text
                .bytes()
                .any(|byte| matches!(byte, b',' | b'"' | b'\n' | b'\r')),
        };
        if needs_quotes {
            self.bytes.push(b'"');
            for byte in text.bytes() {
                if byte == b'"' {
                    self.bytes.push(b'"');
                }
                self.bytes.push(byte);
            }
            self.bytes.push(b'"');
        } else {
            self.bytes.extend_from_slice(text.as_bytes());
        }
    }

    /// A cell whose text the caller writes into `bytes` directly (it must not contain quotes,
    /// commas or line breaks); saves building a temporary `String` for numbers and dates.
    pub fn cell_with(&mut self, write_text: impl FnOnce(&mut Vec<u8>)) {
        self.separator();
        let quoted = self.quoting == Quoting::EveryCell;
        if quoted {
            self.bytes.push(b'"');
        }
        write_text(&mut self.bytes);
        if quoted {
            self.bytes.push(b'"');
        }
    }

    pub fn cell_u64(&mut self, value: u64) {
        self.cell_with(|bytes| push_u64(bytes, value));
    }

    /// Ends the line.
    pub fn end_line(&mut self) {
        self.bytes.push(b'\n');
        self.at_line_start = true;
    }

    /// A whole line of cells.
    pub fn line(&mut self, cells: &[&str]) {
        for cell in cells {
            self.cell(cell);
        }
        self.end_line();
    }

    /// Appends raw text (used for the report footer).
    pub fn raw(&mut self, text: &str) {
        self.bytes.extend_from_slice(text.as_bytes());
    }

    /// Appends cells encoded earlier by `take_bytes` (already quoted and comma-joined).
    pub fn raw_cells(&mut self, encoded_cells: &[u8]) {
        self.separator();
        self.bytes.extend_from_slice(encoded_cells);
    }

    /// Returns the cells written so far (without a line end) and empties the buffer.
    pub fn take_bytes(&mut self) -> Vec<u8> {
        self.at_line_start = true;
        std::mem::take(&mut self.bytes)
    }

    fn separator(&mut self) {
        if !self.at_line_start {
            self.bytes.push(b',');
        }
        self.at_line_start = false;
    }
}

/// An output file that receives finished row buffers.
pub struct OutputFile {
    writer: BufWriter<File>,
    path: PathBuf,
    bytes_written: u64,
}

impl OutputFile {
    pub fn create(path: &Path) -> Result<OutputFile, String> {
        let file = File::create(path)
            .map_err(|error| format!("cannot create {}: {error}", path.display()))?;
        Ok(OutputFile {
            writer: BufWriter::with_capacity(1 << 20, file),
            path: path.to_path_buf(),
            bytes_written: 0,
        })
    }

    /// Writes the buffer's contents and empties it.
    pub fn write_row(&mut self, row: &mut RowBuffer) -> Result<(), String> {
        self.writer
            .write_all(&row.bytes)
            .map_err(|error| format!("cannot write {}: {error}", self.path.display()))?;
        self.bytes_written += row.bytes.len() as u64;
        row.bytes.clear();
        row.at_line_start = true;
        Ok(())
    }

    /// Flushes and returns the number of bytes written.
    pub fn finish(mut self) -> Result<u64, String> {
        self.writer
            .flush()
            .map_err(|error| format!("cannot write {}: {error}", self.path.display()))?;
        Ok(self.bytes_written)
    }
}

/// Decimal digits of `value`.
pub fn push_u64(bytes: &mut Vec<u8>, value: u64) {
    let mut digits = [0u8; 20];
    let mut position = digits.len();
    let mut remaining = value;
    loop {
        position -= 1;
        digits[position] = b'0' + (remaining % 10) as u8;
        remaining /= 10;
        if remaining == 0 {
            break;
        }
    }
    bytes.extend_from_slice(&digits[position..]);
}

/// `485,000.00`: thousands separators and two decimals, for whole amounts.
pub fn push_amount_with_separators(bytes: &mut Vec<u8>, whole_units: u64) {
    let mut plain = Vec::with_capacity(20);
    push_u64(&mut plain, whole_units);
    for (index, digit) in plain.iter().enumerate() {
        if index > 0 && (plain.len() - index) % 3 == 0 {
            bytes.push(b',');
        }
        bytes.push(*digit);
    }
    bytes.extend_from_slice(b".00");
}

/// A number with exactly two decimals, e.g. `12.50`.
pub fn format_two_decimals(value: f64) -> String {
    format!("{value:.2}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_have_separators() {
        for (value, expected) in [
            (485_000, "485,000.00"),
            (12_000, "12,000.00"),
            (500, "500.00"),
            (1_250_000, "1,250,000.00"),
        ] {
            let mut bytes = Vec::new();
            push_amount_with_separators(&mut bytes, value);
            assert_eq!(String::from_utf8_lossy(&bytes), expected);
        }
    }

    #[test]
    fn quoting_styles() {
        let mut row = RowBuffer::new(Quoting::WhenNeeded);
        row.line(&["plain", "a,b", "say \"hi\""]);
        assert_eq!(
            String::from_utf8_lossy(&row.bytes),
            "plain,\"a,b\",\"say \"\"hi\"\"\"\n"
        );
        let mut row = RowBuffer::new(Quoting::EveryCell);
        row.cell("x");
        row.cell_u64(42);
        row.end_line();
        assert_eq!(String::from_utf8_lossy(&row.bytes), "\"x\",\"42\"\n");
    }
}
