//! Workbooks from fuzzed parts.
//!
//! An XLSX file is a ZIP archive of XML parts, and ZIP checks a CRC-32 of every part: a byte the
//! fuzzer changes inside a real workbook almost always makes the archive unreadable, so the
//! sheet's XML behind it is never reached. The `import_xlsx` target therefore takes the parts
//! themselves and zips them here, with correct checksums, before importing the archive.
//!
//! The input format ([`parse`]/[`frame`]):
//! - an input starting with a ZIP or OLE (XLS) signature is a file, imported as it is;
//! - any other input is one flags byte, then parts separated by NUL bytes, each part its path in
//!   the archive, a line feed, and its content. With flag bit 0 clear, the parts a minimal XLSX
//!   needs and the input lacks are added (so a lone `xl/worksheets/sheet1.xml` is a workbook);
//!   with it set, the archive holds the input's parts only (XLSB, ODS or a broken package).

use std::io::{Cursor, Write};

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Flag bit 0: add no default parts.
pub const ONLY_GIVEN_PARTS: u8 = 1;

/// What an `import_xlsx` input stands for.
pub enum Input<'a> {
    /// A file to import as it is.
    File(&'a [u8]),
    /// Parts to zip into a workbook: (path, content), in archive order.
    Parts {
        flags: u8,
        parts: Vec<(String, &'a [u8])>,
    },
}

/// Reads an `import_xlsx` input (see the module documentation).
pub fn parse(bytes: &[u8]) -> Input<'_> {
    if bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(OLE_MAGIC) {
        return Input::File(bytes);
    }
    let Some((&flags, rest)) = bytes.split_first() else {
        return Input::Parts {
            flags: 0,
            parts: Vec::new(),
        };
    };
    let parts = rest
        .split(|&byte| byte == 0)
        .filter(|part| !part.is_empty())
        .map(|part| match part.iter().position(|&byte| byte == b'\n') {
            Some(at) => (
                String::from_utf8_lossy(&part[..at]).into_owned(),
                &part[at + 1..],
            ),
            None => (
                String::from_utf8_lossy(part).into_owned(),
                &part[part.len()..],
            ),
        })
        .collect();
    Input::Parts { flags, parts }
}

/// Writes parts in the input format [`parse`] reads (the seed program uses it on real workbooks).
pub fn frame(flags: u8, parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut bytes = vec![flags];
    for (idx, (path, content)) in parts.iter().enumerate() {
        if idx > 0 {
            bytes.push(0);
        }
        bytes.extend_from_slice(path.as_bytes());
        bytes.push(b'\n');
        bytes.extend(content.iter().copied().filter(|&byte| byte != 0));
    }
    bytes
}

/// Zips the parts (stored, not compressed) into an archive; with `flags` bit 0 clear, first adds
/// the parts of a minimal one-sheet XLSX that `parts` lacks. A path the archive cannot take (a
/// repeated one) is left out.
pub fn assemble(flags: u8, parts: &[(String, &[u8])]) -> Vec<u8> {
    let mut all: Vec<(&str, &[u8])> = parts
        .iter()
        .map(|(path, content)| (path.as_str(), *content))
        .collect();
    if flags & ONLY_GIVEN_PARTS == 0 {
        for (path, content) in DEFAULT_PARTS {
            if !all.iter().any(|(given, _)| given == path) {
                all.push((path, content.as_bytes()));
            }
        }
    }
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (path, content) in all {
        if writer.start_file(path, options).is_ok() {
            // Writing to memory cannot fail.
            let _ = writer.write_all(content);
        }
    }
    match writer.finish() {
        Ok(cursor) => cursor.into_inner(),
        Err(_) => Vec::new(),
    }
}

/// The parts of a minimal XLSX with one empty sheet.
const DEFAULT_PARTS: &[(&str, &str)] = &[
    (
        "[Content_Types].xml",
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#,
    ),
    (
        "_rels/.rels",
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    ),
    (
        "xl/workbook.xml",
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
    ),
    (
        "xl/_rels/workbook.xml.rels",
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#,
    ),
    (
        "xl/worksheets/sheet1.xml",
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>"#,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_sheet_becomes_a_workbook_lens_reads() {
        let sheet = br#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Opportunity Name</t></is></c></row></sheetData></worksheet>"#;
        let input = frame(0, &[("xl/worksheets/sheet1.xml".into(), sheet.to_vec())]);
        let Input::Parts { flags, parts } = parse(&input) else {
            panic!("parts expected");
        };
        let bytes = assemble(flags, &parts);
        let rows = lens_core::import::read_rows(&bytes).expect("the workbook reads");
        assert_eq!(rows[0].to_strings(), vec!["Opportunity Name"]);
    }
}
