//! `lens review`: the monthly or QBR review pack, written into a folder.
//!
//! - `review.md`: the whole analysis as Markdown (the same text `lens analyze` prints);
//! - `review-<module>.csv` (and `review-about.csv`): one file per module, every insight with its
//!   value, formula, population, what was left out, reference, period and evidence row count;
//!   cells that a spreadsheet would run as a formula get a leading apostrophe (OWASP's advice);
//! - `review.xlsx`: the same tables, one sheet per module, written with `rust_xlsxwriter` as text
//!   and number cells only (a string cell is never read as a formula).
//!
//! The tables come from `lens_core::insight::render::review_sheets`, so the three forms agree.
//!
//! Why `rust_xlsxwriter`: it is maintained, writes the workbook in pure Rust (no C library, no
//! template file), and does build for wasm32 (its `wasm` feature). It is linked here only: in the
//! panel it would add about 399 KB gzipped to a module already over its 400 KB start-up budget
//! (ARCHITECTURE.md), so the panel offers the same pack as Markdown and CSV and leaves the
//! workbook to `lens review`; a workbook module loaded only when asked for is the way to add it.

use std::fs;
use std::path::{Path, PathBuf};

use lens_core::insight::Analysis;
use lens_core::insight::render::{csv_text, markdown, review_sheets};
use rust_xlsxwriter::{Format, Workbook};

/// Writes the pack; returns the files written, in order.
pub fn write_pack(analysis: &Analysis, out: &Path) -> Result<Vec<PathBuf>, String> {
    fs::create_dir_all(out).map_err(|error| format!("{}: {error}", out.display()))?;
    let mut written = Vec::new();
    let write = |path: PathBuf, bytes: &[u8], written: &mut Vec<PathBuf>| -> Result<(), String> {
        fs::write(&path, bytes).map_err(|error| format!("{}: {error}", path.display()))?;
        written.push(path);
        Ok(())
    };
    write(
        out.join("review.md"),
        markdown(analysis).as_bytes(),
        &mut written,
    )?;
    let sheets = review_sheets(analysis);
    for sheet in &sheets {
        let text = csv_text(&sheet.header, sheet.rows.iter().cloned());
        write(
            out.join(format!("review-{}.csv", sheet.name)),
            text.as_bytes(),
            &mut written,
        )?;
    }

    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    for sheet in &sheets {
        let worksheet = workbook.add_worksheet();
        worksheet
            .set_name(&sheet.name)
            .map_err(|error| format!("review.xlsx: sheet {}: {error}", sheet.name))?;
        for (column, title) in sheet.header.iter().enumerate() {
            worksheet
                .write_string_with_format(0, column as u16, *title, &bold)
                .map_err(|error| format!("review.xlsx: {error}"))?;
        }
        for (row, cells) in sheet.rows.iter().enumerate() {
            for (column, cell) in cells.iter().enumerate() {
                let (row, column) = (row as u32 + 1, column as u16);
                // The "value" column holds the raw number; everything else is text.
                let result = match (sheet.header.get(column as usize), cell.parse::<f64>()) {
                    (Some(&"value"), Ok(number)) if number.is_finite() => {
                        worksheet.write_number(row, column, number).map(|_| ())
                    }
                    _ => worksheet.write_string(row, column, cell).map(|_| ()),
                };
                result.map_err(|error| format!("review.xlsx: {error}"))?;
            }
        }
    }
    let xlsx = out.join("review.xlsx");
    workbook
        .save(&xlsx)
        .map_err(|error| format!("{}: {error}", xlsx.display()))?;
    written.push(xlsx);
    Ok(written)
}
