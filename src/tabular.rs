//! Reading work-order spreadsheets: CSV and XLSX into one plain [`Table`].
//!
//! Finance receives the month's work orders as whatever the office software
//! produced: CSV from Excel or WPS (UTF-8 with or without a byte-order mark,
//! or GBK, which is what "CSV" means in a Chinese-locale Excel), or an XLSX
//! workbook. This module turns any of them into the same thing: a header row
//! and data rows of trimmed text, each row carrying the number the
//! spreadsheet shows for it, so that every later message ("row 14, column
//! 数量") points at a cell the clerk can find.
//!
//! Everything is text on purpose. Interpreting `12.3` as money or `2024-05-06`
//! as a date belongs to the callers, which know what each column means; this
//! module only guarantees that the text is what a person sees in the cell
//! (see `number_text` for why that matters for amounts).
//!
//! [`map_columns`] then finds the columns a caller needs by header, forgiving
//! what office software and people do to headers: stray spaces, full-width
//! characters, a trailing `*` or `（必填）`.
//!
//! No input makes this module panic: a damaged file is a [`TabularError`].

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::{Cursor, Read};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::str::FromStr;

use calamine::{
    DataRef, ExcelDateTime, Reader, SheetType, SheetVisible, Xlsx, XlsxError, XlsxFormulaMetadata,
};
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

/// Files larger than this are refused before they are parsed. A month of
/// work orders is a few megabytes; anything this large is a mistake (a
/// wrong file, an export with millions of stray rows) and would only
/// exhaust memory.
pub const MAX_FILE_BYTES: usize = 200 * 1024 * 1024;

/// Excel's grid: 1,048,576 rows by 16,384 columns. A cell outside it only
/// appears in a damaged or hand-made file.
const MAX_XLSX_ROWS: u32 = 1_048_576;
const MAX_XLSX_COLUMNS: u32 = 16_384;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Chinese work-order sheets often open with a title row or two above the
/// header ("2024年5月特约服务工单汇总", "制表日期：…"), each a single cell,
/// often merged across the table. Up to this many one-cell rows directly
/// above a row of two or more cells are taken for titles and skipped.
const MAX_TITLE_ROWS: usize = 3;

/// The text encoding of a CSV file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark ("CSV UTF-8" in Excel).
    Utf8,
    /// GBK, what a Chinese-locale Excel or WPS writes as plain "CSV". Read as
    /// GB18030, a superset of GBK and GB2312, so that every GBK file and the
    /// rarer characters only GB18030 has are decoded alike.
    Gbk,
}

impl Encoding {
    /// The name people know the encoding by.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Gbk => "GBK",
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses an `--encoding` argument: `utf-8`/`utf8`, or `gbk`/`gb2312`/
/// `gb18030`/`cp936` (all read as GB18030), in any case.
impl FromStr for Encoding {
    type Err = String;

    fn from_str(s: &str) -> Result<Encoding, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "gbk" | "gb2312" | "gb18030" | "cp936" => Ok(Encoding::Gbk),
            _ => Err(format!(
                "unknown encoding `{s}`; expected `utf-8` or `gbk` (also read as GB18030)"
            )),
        }
    }
}

/// A sheet or CSV file: its header row and its non-empty data rows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    /// The name to show in messages: the path as the user gave it.
    pub file: String,
    /// The worksheet read, for XLSX; `None` for CSV.
    pub sheet: Option<String>,
    /// The header cells, trimmed, in column order. Unique (see
    /// [`normalize_header`]). A blank header in the middle of the row is
    /// kept as `""` so that indices stay aligned with the cells; blank
    /// headers at the end are dropped.
    pub headers: Vec<String>,
    /// The data rows, without completely empty ones, nor those in
    /// `bad_rows`.
    pub rows: Vec<Row>,
    /// Rows that cannot be read as a row of the table (more cells than the
    /// header has, a value beside the table, a cell showing an error): each
    /// is a problem of its own row, which `--skip-invalid` can set aside,
    /// not of the whole file.
    pub bad_rows: Vec<TabularError>,
    /// A workbook's hidden sheet, read only to say it is not read: a
    /// sheet of orders hidden by mistake is not billed without a word.
    pub hidden: bool,
    /// The cells of the bad rows as written (as many as the row has, a
    /// problem cell blank), for the rejected-rows file: finance corrects
    /// the row, not retypes it.
    pub bad_cells: Vec<Row>,
}

/// One data row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    /// The row number as the spreadsheet shows it: the header of a sheet
    /// that starts at the top is row 1 and the first data row is row 2.
    /// Empty rows are skipped but still counted, and a CSV record with a
    /// quoted line break counts once, as it does when Excel opens the file.
    pub number: usize,
    /// One cell per header, trimmed (a CSV row with fewer cells is a bad
    /// row).
    pub cells: Vec<String>,
}

/// A problem reading a table, located as precisely as possible.
///
/// Displays as `orders.csv, row 14, column 数量: message`, followed by the
/// hint on its own line when there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TabularError {
    pub file: String,
    /// The row as the spreadsheet shows it, when the problem is in one row.
    pub row: Option<usize>,
    /// The column's header (or its letter when it has none).
    pub column: Option<String>,
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl TabularError {
    /// A problem with the file as a whole.
    pub fn new(file: &str, message: impl Into<String>) -> TabularError {
        TabularError {
            file: file.to_owned(),
            row: None,
            column: None,
            message: message.into(),
            hint: None,
        }
    }

    pub fn at_row(mut self, row: usize) -> TabularError {
        self.row = Some(row);
        self
    }

    pub fn in_column(mut self, column: impl Into<String>) -> TabularError {
        self.column = Some(column.into());
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> TabularError {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for TabularError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(row) = self.row {
            write!(f, ", row {row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column {column}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for TabularError {}

// ---------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------

/// Reads a `.csv`, `.xlsx` or `.xlsm` file, chosen by its extension (in any
/// case). `encoding` applies to CSV only (`None` detects it); `sheet` to
/// XLSX only (`None` reads the first visible worksheet). The other is
/// ignored, so a caller may pass both from its command line unconditionally.
pub fn read_path(
    path: &Path,
    encoding: Option<Encoding>,
    sheet: Option<&str>,
) -> Result<Table, TabularError> {
    let name = path.display().to_string();
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let kind = match extension.as_deref() {
        Some("csv") => FileKind::Csv,
        Some("xlsx" | "xlsm") => FileKind::Xlsx,
        other => {
            let what = match other {
                Some(ext) => format!("`.{ext}` files cannot be read"),
                None => "a file without an extension cannot be read".to_owned(),
            };
            return Err(TabularError::new(&name, what).with_hint(
                "supported kinds: .csv (UTF-8 or GBK), .xlsx and .xlsm; \
                 save .xls, .et or .ods workbooks as .xlsx first",
            ));
        }
    };
    let bytes = read_limited(&name, path)?;
    match kind {
        FileKind::Csv => read_csv_bytes(&name, &bytes, encoding),
        FileKind::Xlsx => read_xlsx_bytes(&name, &bytes, sheet),
    }
}

enum FileKind {
    Csv,
    Xlsx,
}

/// Reads a `.csv` file, or every visible worksheet with cells of an
/// `.xlsx`/`.xlsm` workbook (a month split over 上半月 and 下半月 is one
/// month; which sheets hold orders is the caller's to judge by their
/// headers). `is_header` names a header the caller knows: within the first
/// rows, the row holding it is the header and the rows above are titles.
/// Read from several sheets, a table's `file` names its sheet too
/// (`2026-11.xlsx [下半月]`), so that every row's place does.
pub fn read_path_all(
    path: &Path,
    encoding: Option<Encoding>,
    is_header: &dyn Fn(&str) -> bool,
) -> Result<Vec<Table>, TabularError> {
    let name = path.display().to_string();
    let xlsx = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .is_some_and(|e| e == "xlsx" || e == "xlsm");
    if !xlsx {
        let is_csv = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        if !is_csv {
            return read_path(path, encoding, None).map(|t| vec![t]);
        }
        let bytes = read_limited(&name, path)?;
        return read_csv_bytes_with(&name, &bytes, encoding, is_header).map(|t| vec![t]);
    }
    let bytes = read_limited(&name, path)?;
    check_size(&name, bytes.len())?;
    if !bytes.starts_with(b"PK") {
        return Err(not_a_workbook(&name, &bytes));
    }
    let mut tables = match panic::catch_unwind(AssertUnwindSafe(|| {
        read_workbook_all(&name, &bytes, is_header)
    })) {
        Ok(result) => result?,
        Err(_) => return Err(damaged(&name, "the workbook is damaged and cannot be read")),
    };
    if tables.iter().filter(|t| !t.hidden).count() > 1 {
        for t in &mut tables {
            if let Some(sheet) = &t.sheet {
                t.file = format!("{name} [{sheet}]");
                for e in &mut t.bad_rows {
                    e.file.clone_from(&t.file);
                }
            }
        }
    }
    Ok(tables)
}

/// Reads a whole file, refusing one over [`MAX_FILE_BYTES`]. The size is
/// checked up front from the metadata and again while reading, since a pipe
/// or a special file reports no length.
fn read_limited(name: &str, path: &Path) -> Result<Vec<u8>, TabularError> {
    let cannot = |e: std::io::Error| TabularError::new(name, format!("cannot read the file: {e}"));
    let file = File::open(path).map_err(cannot)?;
    let declared = file.metadata().map(|m| m.len()).unwrap_or(0);
    if declared > MAX_FILE_BYTES as u64 {
        return Err(too_large(name, declared));
    }
    // `declared` fits in usize here: it is at most MAX_FILE_BYTES.
    let mut bytes = Vec::with_capacity(declared as usize);
    file.take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    check_size(name, bytes.len())?;
    Ok(bytes)
}

fn check_size(name: &str, len: usize) -> Result<(), TabularError> {
    if len > MAX_FILE_BYTES {
        Err(too_large(name, len as u64))
    } else {
        Ok(())
    }
}

fn too_large(name: &str, len: u64) -> TabularError {
    const MB: f64 = 1024.0 * 1024.0;
    TabularError::new(
        name,
        format!(
            "the file is {:.1} MB; files over {} MB are refused",
            len as f64 / MB,
            MAX_FILE_BYTES / (1024 * 1024)
        ),
    )
    .with_hint("check that this is the right file, or split it (one file per week, say)")
}

// ---------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------

/// Decides how to decode CSV bytes: UTF-8 when they are valid UTF-8 (after
/// an optional byte-order mark), otherwise GBK.
///
/// This is reliable in the direction that matters: GBK text with Chinese in
/// it is practically never valid UTF-8, so a GBK file is not misread as
/// UTF-8 mojibake. (Pure ASCII is both, and reads the same either way.)
pub fn detect_encoding(bytes: &[u8]) -> Encoding {
    let body = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    if std::str::from_utf8(body).is_ok() {
        Encoding::Utf8
    } else {
        Encoding::Gbk
    }
}

/// Reads CSV from memory. `name` is only used in messages. `encoding`
/// overrides detection (see [`detect_encoding`]).
///
/// The delimiter (`,`, `;` or tab) is taken from the header line, or from an
/// Excel `sep=` first line. Quoted fields may hold delimiters, quotes (as
/// `""`) and line breaks.
pub fn read_csv_bytes(
    name: &str,
    bytes: &[u8],
    encoding: Option<Encoding>,
) -> Result<Table, TabularError> {
    read_csv_bytes_with(name, bytes, encoding, &|_| false)
}

/// [`read_csv_bytes`], knowing a header (see [`read_path_all`]).
fn read_csv_bytes_with(
    name: &str,
    bytes: &[u8],
    encoding: Option<Encoding>,
    is_header: &dyn Fn(&str) -> bool,
) -> Result<Table, TabularError> {
    check_size(name, bytes.len())?;
    if let Some(err) = csv_that_is_not_csv(name, bytes) {
        return Err(err);
    }
    let text = decode(name, bytes, encoding)?;
    parse_csv(name, &text, is_header)
}

/// Recognizes the files people save with a `.csv` name that are not text:
/// a renamed workbook is better reported as such than as bad GBK.
fn csv_that_is_not_csv(name: &str, bytes: &[u8]) -> Option<TabularError> {
    if bytes.starts_with(b"PK\x03\x04") {
        Some(
            TabularError::new(name, "this is an XLSX workbook, not a CSV file")
                .with_hint("rename it to .xlsx, or export it from Excel/WPS as CSV"),
        )
    } else if bytes.starts_with(OLE_MAGIC) {
        Some(
            TabularError::new(name, "this is an old-style .xls workbook, not a CSV file")
                .with_hint("open it in Excel or WPS and save it as .xlsx or as CSV"),
        )
    } else if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        // Excel's "Unicode text" export is UTF-16 (and tab-separated).
        Some(
            TabularError::new(name, "the file is UTF-16 text, which is not supported")
                .with_hint("save it from Excel or WPS as \"CSV UTF-8\" (or plain CSV)"),
        )
    } else {
        None
    }
}

/// Decodes the whole file up front: valid UTF-8 is borrowed as is (the
/// common case costs one validation pass), GBK is converted once.
fn decode<'b>(
    name: &str,
    bytes: &'b [u8],
    encoding: Option<Encoding>,
) -> Result<Cow<'b, str>, TabularError> {
    let has_bom = bytes.starts_with(UTF8_BOM);
    let body = if has_bom {
        &bytes[UTF8_BOM.len()..]
    } else {
        bytes
    };
    match encoding {
        None => match std::str::from_utf8(body) {
            Ok(text) => Ok(Cow::Borrowed(text)),
            Err(e) => {
                // UTF-8 Chinese before the first bad byte: the file is UTF-8
                // with something else pasted in, and that line is the place
                // to look at. Read as GB18030 it would not fail but garble
                // (UTF-8 bytes are mostly valid GB18030). GBK text is valid
                // UTF-8 for a character now and then, not for two of the
                // three-byte sequences that UTF-8 Chinese is made of.
                let valid = e.valid_up_to();
                let prefix = std::str::from_utf8(&body[..valid]).unwrap_or_default();
                if prefix
                    .chars()
                    .filter(|c| c.len_utf8() == 3)
                    .nth(1)
                    .is_some()
                {
                    let at = line_at(body, valid);
                    return Err(TabularError::new(
                        name,
                        format!(
                            "the file is UTF-8 text up to line {at}, where bytes that are not UTF-8 begin"
                        ),
                    )
                    .with_hint(format!(
                        "text in another encoding (GBK) was pasted in, or the file was cut: \
                         correct line {at} and save the file as \"CSV UTF-8\""
                    )));
                }
                decode_gb18030(body).map(Cow::Owned).map_err(|line| {
                    TabularError::new(
                    name,
                    format!(
                        "the file is neither UTF-8 nor GBK text (undecodable bytes on line {line})"
                    ),
                )
                .with_hint(
                    "check that this is a CSV file; if it is, save it again from Excel \
                     or WPS as \"CSV UTF-8\"",
                )
                })
            }
        },
        Some(Encoding::Utf8) => std::str::from_utf8(body).map(Cow::Borrowed).map_err(|e| {
            let line = line_at(body, e.valid_up_to());
            let err = TabularError::new(
                name,
                format!("the file is not valid UTF-8 (first bad bytes on line {line})"),
            );
            if decode_gb18030(body).is_ok() {
                err.with_hint(
                    "it reads as GBK, the usual encoding of CSV saved by a Chinese-locale \
                     Excel or WPS: leave out the encoding to detect it, or choose GBK",
                )
            } else {
                err.with_hint("save it again from Excel or WPS as \"CSV UTF-8\"")
            }
        }),
        Some(Encoding::Gbk) => {
            if has_bom {
                // Decoding UTF-8 as GBK "succeeds" with mojibake; the mark
                // says plainly which it is, so refuse rather than garble.
                return Err(TabularError::new(
                    name,
                    "GBK was asked for, but the file starts with a UTF-8 byte-order mark",
                )
                .with_hint("leave out the encoding: the file is UTF-8"));
            }
            decode_gb18030(body).map(Cow::Owned).map_err(|line| {
                TabularError::new(
                    name,
                    format!("the file is not valid GBK (first bad bytes on line {line})"),
                )
                .with_hint("leave out the encoding to detect it")
            })
        }
    }
}

/// Decodes GB18030 strictly. On failure returns the line (1-based) of the
/// first undecodable bytes, for the message.
fn decode_gb18030(bytes: &[u8]) -> Result<String, usize> {
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    // The worst case is known exactly, so a single call decodes everything
    // (no `OutputFull` in practice; it is treated as an error regardless).
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .ok_or(1usize)?;
    let mut text = String::with_capacity(capacity);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut text, true);
    match result {
        encoding_rs::DecoderResult::InputEmpty => Ok(text),
        encoding_rs::DecoderResult::Malformed(bad, after) => {
            let at = read.saturating_sub(usize::from(bad) + usize::from(after));
            Err(line_at(bytes, at))
        }
        encoding_rs::DecoderResult::OutputFull => Err(line_at(bytes, read)),
    }
}

/// The 1-based line of byte offset `at`.
fn line_at(bytes: &[u8], at: usize) -> usize {
    let at = at.min(bytes.len());
    1 + bytes[..at].iter().filter(|&&b| b == b'\n').count()
}

/// Parses decoded CSV text into a table.
fn parse_csv(
    name: &str,
    text: &str,
    is_header: &dyn Fn(&str) -> bool,
) -> Result<Table, TabularError> {
    let (text, declared) = strip_sep_line(text);
    let delimiter = declared.unwrap_or_else(|| sniff_delimiter(text));
    let mut reader = csv_reader(text, delimiter);

    // One record buffer, reused: the only allocations per row are the
    // row's Vec and its non-empty cell strings.
    let mut record = csv::StringRecord::new();
    let mut counter = RowCounter::new(text);
    let mut header: Option<CsvHeader> = None;
    // Rows seen before the header is settled: possible title rows.
    let mut leading: Vec<(usize, csv::StringRecord)> = Vec::new();
    let mut rows = Vec::new();
    let mut bad_rows = Vec::new();
    let mut bad_cells = Vec::new();
    let known = known_header_at(text, delimiter, is_header);
    let known_header_row = known.is_some();
    let mut titles = known.unwrap_or(0);
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(name, &e, counter.next_row)),
        }
        let number = counter.advance(&record);
        let filled = record.iter().filter(|cell| !cell.trim().is_empty()).count();
        if filled == 0 {
            continue;
        }
        if let Some(h) = &header {
            if record.len() != h.width
                && let Some(e) = quote_across_rows(name, h, &record, number)
            {
                return Err(e);
            }
            match csv_row(name, h, &record, number, delimiter) {
                Ok(row) => rows.push(row),
                Err(e) => {
                    bad_rows.push(e);
                    bad_cells.push(Row {
                        number,
                        cells: record.iter().map(|c| c.trim().to_owned()).collect(),
                    });
                }
            }
            continue;
        }
        if titles > 0 {
            // A title row, whatever it holds (a date beside the title):
            // a row below names the known header.
            titles -= 1;
            continue;
        }
        if filled >= 2 || (leading.is_empty() && known_header_row) {
            // The header; any rows before it were titles.
            header = Some(csv_header(name, &record, number)?);
        } else {
            leading.push((number, record.clone()));
            if leading.len() > MAX_TITLE_ROWS {
                // Too many one-cell rows for titles: a one-column table.
                let (h, data) = settle_one_column_header(name, &leading, delimiter)?;
                header = Some(h);
                rows.extend(data);
            }
        }
    }
    if header.is_none() && !leading.is_empty() {
        let (h, data) = settle_one_column_header(name, &leading, delimiter)?;
        header = Some(h);
        rows.extend(data);
    }
    let Some(header) = header else {
        return Err(
            TabularError::new(name, "the file is empty: there is no header row")
                .with_hint("the first non-empty line must name the columns"),
        );
    };
    Ok(Table {
        file: name.to_owned(),
        sheet: None,
        headers: header.names,
        rows,
        bad_rows,
        bad_cells,
        hidden: false,
    })
}

/// A reader of the records of `text`, with no header row: rows of any
/// length are accepted and judged by the caller, so that a ragged row is
/// reported with its row number and a hint.
fn csv_reader(text: &str, delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes())
}

/// How many non-empty rows come before the first of the first
/// [`MAX_TITLE_ROWS`] + 1 that holds a header `is_header` knows, if one
/// does: those rows are titles.
fn known_header_at(text: &str, delimiter: u8, is_header: &dyn Fn(&str) -> bool) -> Option<usize> {
    let mut reader = csv_reader(text, delimiter);
    let mut record = csv::StringRecord::new();
    let mut seen = 0;
    while seen <= MAX_TITLE_ROWS {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            _ => return None,
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if record.iter().any(|c| is_header(c.trim())) {
            return Some(seen);
        }
        seen += 1;
    }
    None
}

/// When the first rows seen all have a single cell, they are either title
/// rows above a wider header or a one-column table; this settles the
/// latter: the first is the header, the rest are data.
fn settle_one_column_header(
    name: &str,
    leading: &[(usize, csv::StringRecord)],
    delimiter: u8,
) -> Result<(CsvHeader, Vec<Row>), TabularError> {
    let Some(((number, first), rest)) = leading.split_first() else {
        return Err(TabularError::new(
            name,
            "the file is empty: there is no header row",
        ));
    };
    let header = csv_header(name, first, *number)?;
    let rows = rest
        .iter()
        .map(|(number, record)| csv_row(name, &header, record, *number, delimiter))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((header, rows))
}

/// Excel honours a first line `sep=;` naming the delimiter, and does not
/// show it as a row; so do we.
fn strip_sep_line(text: &str) -> (&str, Option<u8>) {
    let Some(rest) = text.strip_prefix("sep=") else {
        return (text, None);
    };
    let mut bytes = rest.bytes();
    let Some(delimiter) = bytes.next().filter(u8::is_ascii) else {
        return (text, None);
    };
    let after = &rest[1..];
    for ending in ["\r\n", "\n", "\r"] {
        if let Some(body) = after.strip_prefix(ending) {
            return (body, Some(delimiter));
        }
    }
    if after.is_empty() {
        (after, Some(delimiter))
    } else {
        (text, None)
    }
}

/// Picks the delimiter that occurs most often, outside quotes, in the header
/// line. Headers are words, so the real delimiter dominates there; data
/// lines could be misleading (amounts with decimal commas, addresses with
/// commas). The header line is taken to be the first line with any of the
/// candidates in it, since a title line above it may have none. Ties and a
/// one-column file go to `,`.
fn sniff_delimiter(text: &str) -> u8 {
    const CANDIDATES: [u8; 3] = [b',', b'\t', b';'];
    // Title rows, blank lines and the header: a handful of lines at most.
    const MAX_LINES: usize = 2 * MAX_TITLE_ROWS + 2;
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    let mut lines = 0;
    for b in text.bytes() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes => {
                lines += usize::from(b == b'\n');
                if counts.iter().any(|&n| n > 0) || lines >= MAX_LINES {
                    break;
                }
            }
            _ if !in_quotes => {
                if let Some(i) = CANDIDATES.iter().position(|&c| c == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let mut best = 0;
    for i in 1..CANDIDATES.len() {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    CANDIDATES[best]
}

/// Turns CSV records into spreadsheet row numbers.
///
/// The csv crate skips blank lines silently, but Excel shows each as an
/// (empty) row, so they must be counted; a record with a quoted line break,
/// on the other hand, is one row however many lines it spans. A record's
/// position is where the reader stood when it began looking for it, which
/// is before any blank lines it skipped: counting the line breaks between
/// there and the record's first byte gives the blank rows in between.
struct RowCounter<'t> {
    text: &'t [u8],
    /// The row number of the next record if no blank line precedes it.
    next_row: usize,
}

impl<'t> RowCounter<'t> {
    fn new(text: &'t str) -> RowCounter<'t> {
        RowCounter {
            text: text.as_bytes(),
            next_row: 1,
        }
    }

    /// The row number of the record just read.
    fn advance(&mut self, record: &csv::StringRecord) -> usize {
        let start = record
            .position()
            .and_then(|p| usize::try_from(p.byte()).ok())
            .unwrap_or(self.text.len());
        let number = self.next_row.saturating_add(self.blank_lines_at(start));
        self.next_row = number.saturating_add(1);
        number
    }

    /// Line breaks (CRLF, LF or a lone CR) in the run of them at `start`.
    fn blank_lines_at(&self, start: usize) -> usize {
        let text = self.text;
        let mut i = start.min(text.len());
        // The csv crate ends a record at the CR of a CRLF, so the LF that
        // completes the previous record's line break may come first here.
        if i > 0 && text[i - 1] == b'\r' && text.get(i) == Some(&b'\n') {
            i += 1;
        }
        let mut count = 0;
        while let Some(&b) = text.get(i) {
            match b {
                b'\n' => i += 1,
                b'\r' => {
                    i += if text.get(i + 1) == Some(&b'\n') {
                        2
                    } else {
                        1
                    }
                }
                _ => break,
            }
            count += 1;
        }
        count
    }
}

struct CsvHeader {
    /// Trimmed header cells, without blank ones at the end.
    names: Vec<String>,
    /// How many cells the header line has, counting blank ones at the end:
    /// some programs write every line with the same trailing delimiters.
    width: usize,
}

fn csv_header(
    name: &str,
    record: &csv::StringRecord,
    number: usize,
) -> Result<CsvHeader, TabularError> {
    let mut names: Vec<String> = record.iter().map(|c| c.trim().to_owned()).collect();
    let width = names.len();
    while names.last().is_some_and(String::is_empty) {
        names.pop();
    }
    check_duplicate_headers(name, &names, number, column_letter)?;
    Ok(CsvHeader { names, width })
}

fn csv_row(
    name: &str,
    header: &CsvHeader,
    record: &csv::StringRecord,
    number: usize,
    delimiter: u8,
) -> Result<Row, TabularError> {
    if record.len() > header.width {
        let shown = match delimiter {
            b'\t' => "tab".to_owned(),
            d => format!("`{}`", d as char),
        };
        return Err(TabularError::new(
            name,
            format!(
                "this row has {} cells but the header has {} columns",
                record.len(),
                header.width
            ),
        )
        .at_row(number)
        .with_hint(format!(
            "a value probably contains the delimiter {shown} without quotes around it \
             (an address, say); put the value in double quotes, or export the file again \
             from Excel or WPS"
        )));
    }
    // A row cut short: Excel and WPS write every column, empty ones too, so
    // its last values were lost (or a value ran into the next one where a
    // delimiter went missing); which cells are empty cannot be told.
    if record.len() < header.names.len() {
        let missing: Vec<&str> = header.names[record.len()..]
            .iter()
            .map(String::as_str)
            .filter(|n| !n.is_empty())
            .collect();
        return Err(TabularError::new(
            name,
            format!(
                "this row has {} cells but the header has {} columns: {} missing at its end",
                record.len(),
                header.names.len(),
                if missing.is_empty() {
                    "the last ones".to_owned()
                } else {
                    missing.join(", ")
                }
            ),
        )
        .at_row(number)
        .with_hint(
            "a value or a delimiter was lost; write the row in full, an empty value as two \
             delimiters side by side, or export the file again from Excel or WPS",
        ));
    }
    let mut cells = Vec::with_capacity(header.names.len());
    for i in 0..header.names.len() {
        // `to_owned` of an empty &str does not allocate.
        cells.push(
            record
                .get(i)
                .map_or(String::new(), |c| excel_text(c.trim()).to_owned()),
        );
    }
    // Cells under the header's trailing blank columns must be empty.
    for i in header.names.len()..record.len() {
        let value = record.get(i).unwrap_or("").trim();
        if !value.is_empty() {
            return Err(stray_value(name, number, &column_letter(i), value));
        }
    }
    Ok(Row { number, cells })
}

/// A cell Excel was told to keep as text, `="WX202611-00001"` (so that
/// leading zeros and long digit strings survive a CSV round trip), is the
/// text inside.
fn excel_text(cell: &str) -> &str {
    cell.strip_prefix("=\"")
        .and_then(|c| c.strip_suffix('"'))
        .filter(|inner| !inner.contains('"'))
        .map_or(cell, str::trim)
}

/// A record of the wrong width with a line break inside a cell: a quote
/// that is not closed where its cell ends (`"华庭大厦,1379…`) has read the
/// lines after it into that cell, up to the next quote or the end of the
/// file. Which of those lines were rows of their own cannot be told, so
/// this is a problem of the file, not of one row that could be set aside.
/// (A quoted cell that rightly holds a line break, an address on two
/// lines, leaves the row as wide as the header.)
fn quote_across_rows(
    name: &str,
    header: &CsvHeader,
    record: &csv::StringRecord,
    number: usize,
) -> Option<TabularError> {
    let (i, cell) = record
        .iter()
        .enumerate()
        .find(|(_, c)| c.contains(['\n', '\r']))?;
    let lines = cell.lines().count().saturating_sub(1).max(1);
    let column = header
        .names
        .get(i)
        .filter(|h| !h.is_empty())
        .cloned()
        .unwrap_or_else(|| column_letter(i));
    Some(
        TabularError::new(
            name,
            format!(
                "a quoted value in column {column} runs on over the next {lines} line{}, \
                 so this row has {} cells, not {}: a quote `\"` is not closed where the cell ends",
                if lines == 1 { "" } else { "s" },
                record.len(),
                header.width
            ),
        )
        .at_row(number)
        .in_column(column)
        .with_hint(
            "close the quote at the end of the value, or delete the stray quote; the rows it \
             ran over are read again once it is fixed",
        ),
    )
}

fn stray_value(name: &str, row: usize, letter: &str, value: &str) -> TabularError {
    TabularError::new(
        name,
        format!("value `{value}` is in a column without a header"),
    )
    .at_row(row)
    .in_column(letter)
    .with_hint("give the column a header, or delete the value")
}

fn csv_error(name: &str, error: &csv::Error, next_row: usize) -> TabularError {
    // The text is valid UTF-8 and comes from memory, so the csv crate has
    // nothing left to object to; this is here so that nothing can panic.
    TabularError::new(name, format!("cannot read the CSV: {error}")).at_row(next_row)
}

// ---------------------------------------------------------------------------
// XLSX
// ---------------------------------------------------------------------------

/// The first bytes of an OLE compound file: an old `.xls` workbook, or an
/// XLSX encrypted with a password (Excel wraps those in OLE).
const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Reads an XLSX (or XLSM) workbook from memory: the sheet named `sheet`, or
/// the first visible worksheet. `name` is only used in messages.
///
/// The header row is the first row with anything in it, and the table spans
/// the header's columns; row numbers are the sheet's own, so they stay right
/// when the table does not start at the top or has empty rows in between.
pub fn read_xlsx_bytes(
    name: &str,
    bytes: &[u8],
    sheet: Option<&str>,
) -> Result<Table, TabularError> {
    check_size(name, bytes.len())?;
    if !bytes.starts_with(b"PK") {
        return Err(not_a_workbook(name, bytes));
    }
    // calamine, and the zip and XML readers under it, are written for
    // well-formed files and have panicked on damaged ones before (e.g.
    // tafia/calamine#285: a sheet dimension naming row 0). A damaged
    // spreadsheet must be an error like any other, not the end of the
    // process, so a panic in there is caught and reported. (All state it
    // could leave half-updated lives inside this call and is dropped.)
    match panic::catch_unwind(AssertUnwindSafe(|| read_workbook(name, bytes, sheet))) {
        Ok(result) => result,
        Err(_) => Err(damaged(name, "the workbook is damaged and cannot be read")),
    }
}

fn not_a_workbook(name: &str, bytes: &[u8]) -> TabularError {
    if bytes.starts_with(OLE_MAGIC) {
        TabularError::new(
            name,
            "this is an old-style .xls workbook or a password-protected one, not XLSX",
        )
        .with_hint("open it in Excel or WPS, remove any password, and save it as .xlsx")
    } else if std::str::from_utf8(bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes)).is_ok() {
        TabularError::new(name, "this is a text file, not an XLSX workbook")
            .with_hint("if it is CSV, give it a .csv name")
    } else {
        TabularError::new(name, "this is not an XLSX workbook")
            .with_hint("open it in Excel or WPS and save it as .xlsx")
    }
}

fn damaged(name: &str, message: impl Into<String>) -> TabularError {
    TabularError::new(name, message).with_hint("open it in Excel or WPS and save it again as .xlsx")
}

/// A non-empty cell of the sheet, already turned into text.
struct SheetCell {
    row: u32,
    col: u32,
    value: CellValue,
}

/// What a cell shows: text, or something that cannot stand for a value.
enum CellValue {
    Text(String),
    /// An error value (`#N/A`) or a number Excel could not show. Reported
    /// only once the header is known, so the message can name the column.
    Problem(String),
}

fn read_workbook(name: &str, bytes: &[u8], wanted: Option<&str>) -> Result<Table, TabularError> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| damaged(name, format!("cannot open the workbook: {e}")))?;
    let sheet = choose_sheet(name, workbook.sheets_metadata(), wanted)?;
    let cells = sheet_cells(name, &mut workbook, &sheet)?;
    build_sheet_table(name, sheet, cells, &|_| false)
}

/// Every visible worksheet with anything in it, in the tab bar's order, or
/// the one error of a workbook none of whose sheets has cells.
fn read_workbook_all(
    name: &str,
    bytes: &[u8],
    is_header: &dyn Fn(&str) -> bool,
) -> Result<Vec<Table>, TabularError> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| damaged(name, format!("cannot open the workbook: {e}")))?;
    let worksheets = |visible: bool| -> Vec<String> {
        workbook
            .sheets_metadata()
            .iter()
            .filter(|s| {
                s.typ == SheetType::WorkSheet && (s.visible == SheetVisible::Visible) == visible
            })
            .map(|s| s.name.clone())
            .collect()
    };
    let (sheets, hidden) = (worksheets(true), worksheets(false));
    if sheets.is_empty() {
        return read_workbook(name, bytes, None).map(|t| vec![t]);
    }
    let mut tables = Vec::new();
    for sheet in sheets {
        let cells = sheet_cells(name, &mut workbook, &sheet)?;
        if !cells.is_empty() {
            tables.push(build_sheet_table(name, sheet, cells, is_header)?);
        }
    }
    if tables.is_empty() {
        return read_workbook(name, bytes, None).map(|t| vec![t]);
    }
    // Hidden sheets last, for a note only; one that does not read is
    // passed over, as it would be unread anyway.
    for sheet in hidden {
        if let Ok(cells) = sheet_cells(name, &mut workbook, &sheet)
            && !cells.is_empty()
            && let Ok(mut t) = build_sheet_table(name, sheet, cells, is_header)
        {
            t.hidden = true;
            tables.push(t);
        }
    }
    Ok(tables)
}

/// The non-empty cells of a worksheet, sorted by row and column.
fn sheet_cells(
    name: &str,
    workbook: &mut Xlsx<Cursor<&[u8]>>,
    sheet: &str,
) -> Result<Vec<SheetCell>, TabularError> {
    // The cell reader streams the sheet's non-empty cells. Unlike
    // `worksheet_range`, it builds no dense grid, so a stray value far to
    // the right or bottom costs nothing, and shared strings are borrowed
    // until each is copied, trimmed, into its cell.
    let mut reader = workbook
        .worksheet_cells_reader(sheet)
        .map_err(|e| match e {
            XlsxError::NotAWorksheet(_) => TabularError::new(
                name,
                format!("sheet `{sheet}` is not a worksheet (a chart, say) and has no cells"),
            ),
            e => damaged(name, format!("cannot read sheet `{sheet}`: {e}")),
        })?;
    let mut cells = Vec::new();
    loop {
        // With the formula, if any: a formula whose result was never
        // saved has no value, and read as an empty cell it would bill a
        // repair without its materials.
        let cell = match reader.next_cell_with_formula_metadata() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            Err(e) => return Err(damaged(name, format!("cannot read sheet `{sheet}`: {e}"))),
        };
        let (row, col) = cell.pos;
        if row >= MAX_XLSX_ROWS || col >= MAX_XLSX_COLUMNS {
            return Err(damaged(
                name,
                format!("sheet `{sheet}` has a cell outside Excel's grid"),
            ));
        }
        let value = match (&cell.value, &cell.formula) {
            (DataRef::Empty, Some(formula)) => CellValue::Problem(match formula {
                XlsxFormulaMetadata::Normal { formula }
                | XlsxFormulaMetadata::Shared { formula, .. } => {
                    format!(
                        "holds the formula ={formula}, whose result was never calculated and saved"
                    )
                }
                _ => "holds a formula whose result was never calculated and saved".to_owned(),
            }),
            (value, _) => cell_value(value),
        };
        if matches!(&value, CellValue::Text(text) if text.is_empty()) {
            continue;
        }
        cells.push(SheetCell { row, col, value });
    }
    drop(reader);

    // Excel writes cells in order; a hand-made file need not.
    if !cells.is_sorted_by_key(|c| (c.row, c.col)) {
        cells.sort_by_key(|c| (c.row, c.col));
    }
    Ok(cells)
}

fn choose_sheet(
    name: &str,
    sheets: &[calamine::Sheet],
    wanted: Option<&str>,
) -> Result<String, TabularError> {
    match wanted {
        Some(wanted) => {
            // Exactly, else ignoring case and surrounding spaces, as long as
            // that picks one sheet.
            if let Some(s) = sheets.iter().find(|s| s.name == wanted) {
                return Ok(s.name.clone());
            }
            let loose = wanted.trim().to_lowercase();
            let mut close = sheets
                .iter()
                .filter(|s| s.name.trim().to_lowercase() == loose);
            if let (Some(s), None) = (close.next(), close.next()) {
                return Ok(s.name.clone());
            }
            let names: Vec<String> = sheets.iter().map(|s| format!("`{}`", s.name)).collect();
            Err(
                TabularError::new(name, format!("the workbook has no sheet `{wanted}`")).with_hint(
                    if names.is_empty() {
                        "the workbook has no sheets at all".to_owned()
                    } else {
                        format!("its sheets are {}", names.join(", "))
                    },
                ),
            )
        }
        None => {
            // "The first sheet" is the first one a person sees in the tab
            // bar: hidden sheets (lookup lists, templates) do not count.
            let is_worksheet = |s: &&calamine::Sheet| s.typ == SheetType::WorkSheet;
            sheets
                .iter()
                .filter(is_worksheet)
                .find(|s| s.visible == SheetVisible::Visible)
                .or_else(|| sheets.iter().find(is_worksheet))
                .map(|s| s.name.clone())
                .ok_or_else(|| TabularError::new(name, "the workbook has no worksheet"))
        }
    }
}

fn build_sheet_table(
    name: &str,
    sheet: String,
    cells: Vec<SheetCell>,
    is_header: &dyn Fn(&str) -> bool,
) -> Result<Table, TabularError> {
    if cells.is_empty() {
        return Err(TabularError::new(name, format!("sheet `{sheet}` is empty"))
            .with_hint("choose the sheet with the work orders"));
    }
    let start = header_start(&cells, is_header);
    let mut cells = cells.into_iter().skip(start).peekable();
    let Some(header_row) = cells.peek().map(|c| c.row) else {
        return Err(TabularError::new(name, format!("sheet `{sheet}` is empty")));
    };

    // The header: its first to its last non-empty cell.
    let mut header_cells = Vec::new();
    while let Some(cell) = cells.next_if(|c| c.row == header_row) {
        header_cells.push(cell);
    }
    // Non-empty by construction: the peeked cell is in the header row.
    let first_col = header_cells.first().map_or(0, |c| c.col);
    let last_col = header_cells.last().map_or(0, |c| c.col);
    let header_number = header_row as usize + 1;
    let mut headers = vec![String::new(); (last_col - first_col) as usize + 1];
    for cell in header_cells {
        match cell.value {
            CellValue::Text(text) => headers[(cell.col - first_col) as usize] = text,
            CellValue::Problem(problem) => {
                let letter = column_letter(cell.col as usize);
                return Err(TabularError::new(
                    name,
                    format!("header cell {letter}{header_number} {problem}"),
                )
                .at_row(header_number)
                .in_column(letter)
                .with_hint("type the column's name into the header cell"));
            }
        }
    }
    // How messages name a column of the table: its header, or its letter
    // when the header cell is blank.
    let label = |col: u32| -> String {
        let header = col
            .checked_sub(first_col)
            .and_then(|i| headers.get(i as usize));
        match header {
            Some(h) if !h.is_empty() => h.clone(),
            _ => column_letter(col as usize),
        }
    };
    check_duplicate_headers(name, &headers, header_number, |i| {
        column_letter(first_col as usize + i)
    })?;

    let mut rows = Vec::new();
    let mut bad_rows = Vec::new();
    let mut bad_cells = Vec::new();
    while let Some(row) = cells.peek().map(|c| c.row) {
        let number = row as usize + 1;
        let mut values = vec![String::new(); headers.len()];
        // The row's first problem; the rest of it is not read.
        let mut bad = None;
        while let Some(cell) = cells.next_if(|c| c.row == row) {
            if bad.is_some() {
                continue;
            }
            let inside = (first_col..=last_col).contains(&cell.col);
            match cell.value {
                CellValue::Text(text) if inside => {
                    values[(cell.col - first_col) as usize] = text;
                }
                CellValue::Text(text) => {
                    let letter = column_letter(cell.col as usize);
                    bad = Some(stray_value(name, number, &letter, &text));
                }
                CellValue::Problem(problem) => {
                    let letter = column_letter(cell.col as usize);
                    bad = Some(
                        TabularError::new(name, format!("cell {letter}{number} {problem}"))
                            .at_row(number)
                            .in_column(label(cell.col))
                            .with_hint(
                                "correct the cell (or the formula behind it), let the workbook calculate, and save it again",
                            ),
                    );
                }
            }
        }
        let row = Row {
            number,
            cells: values,
        };
        match bad {
            Some(e) => {
                bad_rows.push(e);
                bad_cells.push(row);
            }
            None => rows.push(row),
        }
    }
    Ok(Table {
        file: name.to_owned(),
        sheet: Some(sheet),
        headers,
        rows,
        bad_rows,
        bad_cells,
        hidden: false,
    })
}

/// Where the header row starts in the sheet's sorted cells: the first row
/// with two or more cells, if only title rows (one cell each, at most
/// [`MAX_TITLE_ROWS`] of them) come before it; otherwise the first row.
///
/// A row among the first [`MAX_TITLE_ROWS`] + 1 that holds a cell
/// `is_header` knows (the order number's header) is the header, whatever
/// the rows above it hold: a title with a date beside it
/// (`2026年11月特约服务工单 … 制表日期： 2026-12-01`) is still a title.
fn header_start(cells: &[SheetCell], is_header: &dyn Fn(&str) -> bool) -> usize {
    let mut start = 0;
    for _ in 0..=MAX_TITLE_ROWS {
        let Some(first) = cells.get(start) else { break };
        let row: Vec<&SheetCell> = cells[start..]
            .iter()
            .take_while(|c| c.row == first.row)
            .collect();
        if row
            .iter()
            .any(|c| matches!(&c.value, CellValue::Text(t) if is_header(t)))
        {
            return start;
        }
        start += row.len();
    }
    let mut start = 0;
    for _ in 0..=MAX_TITLE_ROWS {
        let Some(first) = cells.get(start) else { break };
        let len = cells[start..]
            .iter()
            .take_while(|c| c.row == first.row)
            .count();
        if len >= 2 {
            return start;
        }
        start += len;
    }
    0
}

/// The text a person reads in a cell.
fn cell_value(value: &DataRef<'_>) -> CellValue {
    match value {
        DataRef::Empty => CellValue::Text(String::new()),
        DataRef::SharedString(s) => CellValue::Text(s.trim().to_owned()),
        DataRef::String(s) => CellValue::Text(s.trim().to_owned()),
        DataRef::Int(i) => CellValue::Text(i.to_string()),
        DataRef::Float(f) => match number_text(*f) {
            Some(text) => CellValue::Text(text),
            None => CellValue::Problem(format!("holds the number {f}, which Excel cannot show")),
        },
        DataRef::Bool(b) => CellValue::Text(if *b { "true" } else { "false" }.to_owned()),
        DataRef::DateTime(dt) => excel_datetime_text(dt),
        DataRef::DateTimeIso(s) => CellValue::Text(iso_datetime_text(s.trim())),
        // Only other formats (ODS) produce these; kept as written.
        DataRef::DurationIso(s) => CellValue::Text(s.trim().to_owned()),
        DataRef::Error(e) => CellValue::Problem(format!("shows the error {e}")),
    }
}

/// Formats a number as the spreadsheet shows it.
///
/// XLSX stores every number as a binary float, so this is the one place in
/// feebook where a float touches an amount: from here on amounts are text,
/// then exact decimals. The text must therefore be exactly what the clerk
/// sees in the cell, never the float's binary expansion (`12.3` is really
/// 12.300000000000000710…).
///
/// Rust's `{}` for `f64` prints the *shortest* decimal that reads back as
/// the same float. A number typed into Excel has at most 15 significant
/// digits, and for those the shortest round-trip text is exactly the digits
/// typed: 12.3 → "12.3", 0.1 → "0.1", 1409.5 → "1409.5". Formula results
/// are different: `=0.1+0.2` stores 0.30000000000000004, whose shortest text
/// has 17 digits, while Excel, which only ever shows 15 significant digits,
/// shows 0.3. So a float needing more than 15 digits is first rounded to
/// 15, as Excel does on screen, and then printed shortest. Either way the
/// result is what the spreadsheet shows, and float artefacts never reach
/// money.
///
/// Returns `None` for NaN and infinities, which are not amounts.
fn number_text(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    if f == 0.0 {
        // Also -0.0, which Excel shows as 0.
        return Some("0".to_owned());
    }
    let shortest = f.to_string();
    if significant_digits(&shortest) <= 15 {
        return Some(shortest);
    }
    let rounded: f64 = format!("{f:.14e}").parse().ok()?;
    Some(rounded.to_string())
}

/// Significant digits of a plain decimal (no exponent): "0.00120" has 2,
/// "1200" has 2, "100.5" has 4.
fn significant_digits(text: &str) -> usize {
    let digits = text.bytes().filter(u8::is_ascii_digit);
    let leading = digits.clone().take_while(|&d| d == b'0').count();
    let total = digits.clone().count();
    let trailing = text
        .bytes()
        .rev()
        .filter(u8::is_ascii_digit)
        .take_while(|&d| d == b'0')
        .count();
    total.saturating_sub(leading + trailing)
}

/// Serial numbers past 9999-12-31, which Excel shows as `#####`.
const MAX_EXCEL_SERIAL: f64 = 2_958_466.0;

/// A date-formatted cell: `YYYY-MM-DD`, with ` HH:MM` when it has a time of
/// day (` HH:MM:SS` when the seconds are not zero, so nothing is lost), or
/// just `HH:MM` for a time without a date (a serial below 1). Durations
/// (`[h]:mm` formats) become `H:MM`.
fn excel_datetime_text(dt: &ExcelDateTime) -> CellValue {
    let serial = dt.as_f64();
    if !(0.0..MAX_EXCEL_SERIAL).contains(&serial) {
        return CellValue::Problem(format!(
            "holds {serial} in a date format, which is not a date Excel can show"
        ));
    }
    if dt.is_duration() {
        // Whole seconds; the serial is non-negative and bounded above.
        let total = (serial * 86_400.0).round() as u64;
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
        return CellValue::Text(if s == 0 {
            format!("{h}:{m:02}")
        } else {
            format!("{h}:{m:02}:{s:02}")
        });
    }
    let (year, month, day, hour, minute, second, milli) = dt.to_ymd_hms_milli();
    let mut seconds = u32::from(hour) * 3600 + u32::from(minute) * 60 + u32::from(second);
    if milli >= 500 {
        seconds += 1;
    }
    let mut date = (year, month, day);
    if seconds >= 86_400 {
        // Rounding carried into the next day. 1900-02-29 (Excel's fictitious
        // leap day) is not a chrono date; it stays as it is.
        seconds -= 86_400;
        if let Some(next) = NaiveDate::from_ymd_opt(year.into(), month.into(), day.into())
            .and_then(|d| d.succ_opt())
        {
            // Excel dates lie between 1900 and 9999, so these fit.
            date = (
                u16::try_from(next.year()).unwrap_or(9999),
                next.month() as u8,
                next.day() as u8,
            );
        }
    }
    if serial < 1.0 {
        return CellValue::Text(time_text(seconds));
    }
    let day_text = format!("{:04}-{:02}-{:02}", date.0, date.1, date.2);
    CellValue::Text(if seconds == 0 {
        day_text
    } else {
        format!("{day_text} {}", time_text(seconds))
    })
}

/// `HH:MM`, or `HH:MM:SS` when the seconds are not zero.
fn time_text(seconds: u32) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if s == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// An ISO 8601 cell (`t="d"`), in the same shapes as a serial date. Text
/// that does not parse is kept as written.
fn iso_datetime_text(text: &str) -> String {
    let text = text.strip_suffix('Z').unwrap_or(text);
    if let Ok(dt) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
    {
        let seconds = dt.time().num_seconds_from_midnight();
        let day_text = dt.date().format("%Y-%m-%d").to_string();
        return if seconds == 0 {
            day_text
        } else {
            format!("{day_text} {}", time_text(seconds))
        };
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return date.format("%Y-%m-%d").to_string();
    }
    if let Ok(time) = NaiveTime::parse_from_str(text, "%H:%M:%S%.f")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M"))
    {
        return time_text(time.num_seconds_from_midnight());
    }
    text.to_owned()
}

/// The spreadsheet letter of a 0-based column: 0 → A, 25 → Z, 26 → AA.
fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Headers and column mapping
// ---------------------------------------------------------------------------

/// The form in which headers are compared, forgiving what office software
/// and people do to them:
///
/// - full-width ASCII (`（`, `Ｑ`, `＊`) and the ideographic space count as
///   their half-width forms;
/// - all white space is ignored, inside too (`服务 日期`, a line break typed
///   into a header cell with Alt+Enter);
/// - Latin letters are compared case-insensitively;
/// - a `*` before or after the name and a trailing `(必填)` or `(选填)`
///   (required/optional markers in Chinese templates) are ignored.
pub fn normalize_header(header: &str) -> String {
    let mut key = String::with_capacity(header.len());
    for c in header.chars() {
        let c = match c {
            '\u{3000}' => ' ',
            // The full-width forms of ASCII ! through ~.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        };
        if !c.is_whitespace() {
            key.extend(c.to_lowercase());
        }
    }
    loop {
        let before = key.len();
        for marker in ["*", "(必填)", "(选填)"] {
            if let Some(stripped) = key.strip_suffix(marker) {
                key.truncate(stripped.len());
            }
        }
        if let Some(stripped) = key.strip_prefix('*') {
            key = stripped.to_owned();
        }
        if key.len() == before {
            return key;
        }
    }
}

/// Refuses two headers that normalize alike (blank ones aside): a caller
/// could not tell which column is meant.
fn check_duplicate_headers(
    name: &str,
    headers: &[String],
    header_row: usize,
    letter: impl Fn(usize) -> String,
) -> Result<(), TabularError> {
    let mut seen: Vec<(String, usize)> = Vec::with_capacity(headers.len());
    for (i, header) in headers.iter().enumerate() {
        if header.is_empty() {
            continue;
        }
        let key = normalize_header(header);
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
            return Err(TabularError::new(
                name,
                format!(
                    "two columns have the same header: `{}` (column {}) and `{}` (column {})",
                    headers[*first],
                    letter(*first),
                    header,
                    letter(i)
                ),
            )
            .at_row(header_row)
            .in_column(header.clone())
            .with_hint("rename or delete one of them"));
        }
        seen.push((key, i));
    }
    Ok(())
}

/// A field a caller wants from a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldSpec<'a> {
    /// The caller's name for the field (`quantity`), used to look it up in
    /// the [`ColumnMap`].
    pub name: &'a str,
    /// The headers that mean this field (`数量`, `Qty`), compared as
    /// [`normalize_header`] does.
    pub headers: &'a [&'a str],
    /// Whether a table without such a column is an error.
    pub required: bool,
}

/// Where each wanted field is in a table, from [`map_columns`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ColumnMap {
    /// A handful of fields: a linear scan beats hashing at this size.
    fields: Vec<MappedField>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct MappedField {
    name: String,
    index: usize,
    header: String,
}

impl ColumnMap {
    fn field(&self, name: &str) -> Option<&MappedField> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The field's cell in `row`, trimmed; `None` when the table has no
    /// column for the field or the cell is empty, which both mean "no
    /// value".
    pub fn get<'r>(&self, row: &'r Row, name: &str) -> Option<&'r str> {
        let index = self.field(name)?.index;
        row.cells
            .get(index)
            .map(String::as_str)
            .filter(|cell| !cell.is_empty())
    }

    /// The header of the field's column as written in the file, for
    /// messages ("column 数量（必填）").
    pub fn header(&self, name: &str) -> Option<&str> {
        self.field(name).map(|f| f.header.as_str())
    }

    /// The index of the field's column in [`Table::headers`] and
    /// [`Row::cells`].
    pub fn index(&self, name: &str) -> Option<usize> {
        self.field(name).map(|f| f.index)
    }

    /// Whether some field is read from column `index`.
    pub fn is_mapped(&self, index: usize) -> bool {
        self.fields.iter().any(|f| f.index == index)
    }
}

/// Finds each wanted field's column by header.
///
/// Every problem is reported, not just the first: a required field without
/// a column (the message lists the accepted headers and the headers found),
/// and a field that two columns match (naming both). Optional fields without
/// a column are simply absent from the map.
pub fn map_columns(table: &Table, fields: &[FieldSpec]) -> Result<ColumnMap, Vec<TabularError>> {
    let keys: Vec<String> = table.headers.iter().map(|h| normalize_header(h)).collect();
    let loose: Vec<&str> = keys.iter().map(|k| without_unit(k)).collect();
    let mut map = ColumnMap::default();
    let mut errors = Vec::new();
    for field in fields {
        let accepted: Vec<String> = field.headers.iter().map(|h| normalize_header(h)).collect();
        let exact: Vec<usize> = keys
            .iter()
            .enumerate()
            .filter(|(_, key)| !key.is_empty() && accepted.contains(key))
            .map(|(i, _)| i)
            .collect();
        // `材料费（元）` is 材料费 with its unit: read, not left out
        // silently (a repair billed without its materials). A header written
        // exactly wins over one with a unit.
        let found = if exact.is_empty() {
            loose
                .iter()
                .enumerate()
                .filter(|(i, key)| {
                    !key.is_empty() && *key != &keys[*i] && accepted.iter().any(|a| a == *key)
                })
                .map(|(i, _)| i)
                .collect()
        } else {
            exact
        };
        let mut matches = found.into_iter();
        match (matches.next(), matches.next()) {
            (Some(index), None) => map.fields.push(MappedField {
                name: field.name.to_owned(),
                index,
                header: table.headers[index].clone(),
            }),
            (Some(first), Some(second)) => {
                let (a, b) = (&table.headers[first], &table.headers[second]);
                errors.push(
                    TabularError::new(
                        &table.file,
                        format!("columns `{a}` and `{b}` both stand for `{}`", field.name),
                    )
                    .in_column(b.clone())
                    .with_hint("keep one of them: rename or delete the other"),
                );
            }
            (None, _) if field.required => {
                errors.push(missing_column(table, field));
            }
            (None, _) => {}
        }
    }
    if errors.is_empty() {
        Ok(map)
    } else {
        Err(errors)
    }
}

/// A normalised header without a unit in brackets at its end:
/// `材料费(元)` → `材料费`, `数量(平方米)` → `数量`. (Full-width brackets
/// are half-width by then.)
fn without_unit(key: &str) -> &str {
    match key.strip_suffix(')').and_then(|k| k.rsplit_once('(')) {
        Some((head, unit))
            if !head.is_empty() && unit.chars().count() <= 8 && !unit.contains('(') =>
        {
            head
        }
        _ => key,
    }
}

fn missing_column(table: &Table, field: &FieldSpec) -> TabularError {
    let quoted = |names: &mut dyn Iterator<Item = &str>| -> String {
        names
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let accepted = quoted(&mut field.headers.iter().copied());
    let found = quoted(
        &mut table
            .headers
            .iter()
            .map(String::as_str)
            .filter(|h| !h.is_empty()),
    );
    let mut err = TabularError::new(
        &table.file,
        format!("required column `{}` is missing", field.name),
    );
    if let Some(sheet) = &table.sheet {
        err.message.push_str(&format!(" from sheet `{sheet}`"));
    }
    err.with_hint(format!(
        "accepted headers: {accepted}; headers found: {}",
        if found.is_empty() {
            "none".to_owned()
        } else {
            found
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;
    use rust_xlsxwriter::{Format, Formula, Workbook};

    const ORDER_HEADERS: &str =
        "单号,客户名称,地址,服务项目,数量,结算方式,服务日期,完成日期,客户签字,核对人,核对日期";

    fn csv(text: &str) -> Table {
        read_csv_bytes("orders.csv", text.as_bytes(), None).unwrap()
    }

    fn csv_err(text: &str) -> TabularError {
        read_csv_bytes("orders.csv", text.as_bytes(), None).unwrap_err()
    }

    /// The one row of a table that could not be read.
    fn bad_row(table: Table) -> TabularError {
        assert_eq!(table.bad_rows.len(), 1, "{:?}", table.bad_rows);
        table.bad_rows.into_iter().next().unwrap()
    }

    fn numbers(table: &Table) -> Vec<usize> {
        table.rows.iter().map(|r| r.number).collect()
    }

    /// A fresh directory for one test's files, removed when dropped.
    struct TempDir(std::path::PathBuf);

    impl TempDir {
        fn new(test: &str) -> TempDir {
            let dir =
                std::env::temp_dir().join(format!("feebook-tabular-{}-{test}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    // -- CSV ---------------------------------------------------------------

    #[test]
    fn utf8_with_bom() {
        let bytes = "\u{FEFF}单号,数量\r\nA001, 2 \r\n".as_bytes();
        assert_eq!(detect_encoding(bytes), Encoding::Utf8);
        let table = read_csv_bytes("orders.csv", bytes, None).unwrap();
        assert_eq!(table.headers, ["单号", "数量"]);
        assert_eq!(table.sheet, None);
        assert_eq!(
            table.rows,
            [Row {
                number: 2,
                cells: vec!["A001".into(), "2".into()]
            }]
        );
        // Forcing UTF-8 gives the same; forcing GBK on a file that says it
        // is UTF-8 is refused rather than garbled.
        assert_eq!(
            read_csv_bytes("orders.csv", bytes, Some(Encoding::Utf8)).unwrap(),
            table
        );
        let err = read_csv_bytes("orders.csv", bytes, Some(Encoding::Gbk)).unwrap_err();
        assert!(err.message.contains("byte-order mark"), "{err}");
    }

    #[test]
    fn gbk_is_detected_and_never_mojibake() {
        let text = format!(
            "{ORDER_HEADERS}\r\n\
             TY-0001,张三,\"幸福小区3栋,2单元501\",更换水龙头,2,现金,2024-05-06,2024-05-07,张三,李四,2024-05-08\r\n\
             TY-0002,王五,和平路8号,疏通下水道,1,微信,2024-05-09,2024-05-09,王五,李四,2024-05-10\r\n"
        );
        let (bytes, _, unmappable) = encoding_rs::GBK.encode(&text);
        assert!(!unmappable);
        assert!(
            std::str::from_utf8(&bytes).is_err(),
            "the fixture must not be UTF-8"
        );
        assert_eq!(detect_encoding(&bytes), Encoding::Gbk);

        let table = read_csv_bytes("orders.csv", &bytes, None).unwrap();
        assert_eq!(table.headers.join(","), ORDER_HEADERS);
        assert_eq!(table.rows.len(), 2);
        assert_eq!(table.rows[0].cells[1], "张三");
        assert_eq!(table.rows[0].cells[2], "幸福小区3栋,2单元501");
        assert_eq!(table.rows[1].cells[3], "疏通下水道");
        assert_eq!(
            read_csv_bytes("orders.csv", &bytes, Some(Encoding::Gbk)).unwrap(),
            table
        );

        // Told it is UTF-8, the reader refuses and says what it really is.
        let err = read_csv_bytes("orders.csv", &bytes, Some(Encoding::Utf8)).unwrap_err();
        assert!(err.message.contains("not valid UTF-8"), "{err}");
        assert!(err.message.contains("line 1"), "{err}");
        assert!(err.hint.as_deref().unwrap().contains("GBK"), "{err}");
    }

    #[test]
    fn undecodable_bytes_are_an_error() {
        // 0xFF is neither UTF-8 nor a GB18030 lead byte.
        let err = read_csv_bytes("x.csv", b"a,b\n1,\xFF\xFF\n", None).unwrap_err();
        assert!(err.message.contains("neither UTF-8 nor GBK"), "{err}");
        assert!(err.message.contains("line 2"), "{err}");

        // UTF-8 Chinese with a GBK line pasted in: the line named is the
        // pasted one, where UTF-8 stops, not where GBK would.
        let mut mixed = "单号,地址\nA1,华庭大厦\nA2,".as_bytes().to_vec();
        mixed.extend_from_slice(&encoding_rs::GBK.encode("华庭大厦").0);
        mixed.extend_from_slice(b"\n");
        let err = read_csv_bytes("x.csv", &mixed, None).unwrap_err();
        assert!(err.message.contains("UTF-8 text up to line 3"), "{err}");
    }

    #[test]
    fn encoding_names_parse() {
        assert_eq!("UTF-8".parse(), Ok(Encoding::Utf8));
        assert_eq!("gb18030".parse(), Ok(Encoding::Gbk));
        assert!("latin1".parse::<Encoding>().is_err());
    }

    #[test]
    fn semicolon_and_tab_delimiters() {
        let semi = csv("单号;金额;备注\nA1;12,50;\"a;b\"\n");
        assert_eq!(semi.headers, ["单号", "金额", "备注"]);
        assert_eq!(semi.rows[0].cells, ["A1", "12,50", "a;b"]);

        let tab = csv("单号\t地址\nA1\t幸福路1号, 2单元\n");
        assert_eq!(tab.headers, ["单号", "地址"]);
        assert_eq!(tab.rows[0].cells, ["A1", "幸福路1号, 2单元"]);

        // A comma inside a quoted header does not count.
        let quoted = csv("\"a,b,c\";d\n1;2\n");
        assert_eq!(quoted.headers, ["a,b,c", "d"]);

        // Excel's `sep=` line names the delimiter and is not a row.
        let sep = csv("sep=;\na;b,c\n1;2,3\n");
        assert_eq!(sep.headers, ["a", "b,c"]);
        assert_eq!(
            sep.rows[0],
            Row {
                number: 2,
                cells: vec!["1".into(), "2,3".into()]
            }
        );
    }

    #[test]
    fn quoted_newlines_and_empty_rows_keep_row_numbers() {
        let table = csv(concat!(
            "单号,地址,数量\r\n",           // row 1
            "A1,\"幸福小区\r\n3栋\",1\r\n", // row 2, two lines
            "\r\n",                         // row 3, blank
            ",,\r\n",                       // row 4, only delimiters
            "A2,\"多\n行\n地址\",2\r\n",    // row 5, three lines
            "A3,\"say \"\"hi\"\"\",3\r\n",  // row 6
        ));
        assert_eq!(numbers(&table), [2, 5, 6]);
        assert_eq!(table.rows[0].cells[1], "幸福小区\r\n3栋");
        assert_eq!(table.rows[1].cells[1], "多\n行\n地址");
        assert_eq!(table.rows[2].cells[1], "say \"hi\"");

        // Blank lines before the header count as rows too.
        let late = csv("\n\na,b\n1,2\n");
        assert_eq!(numbers(&late), [4]);
    }

    #[test]
    fn ragged_rows() {
        // Short rows are an error at their row, naming what is missing:
        // Excel and WPS write every column, so values were lost.
        let table = csv("a,b,c\n1,2,3\n2,3\n4,5,\n");
        assert_eq!(numbers(&table), [2, 4]);
        assert_eq!(table.rows[1].cells, ["4", "5", ""]);
        let err = bad_row(table);
        assert_eq!(err.row, Some(3));
        assert!(
            err.message.contains(
                "this row has 2 cells but the header has 3 columns: c missing at its end"
            ),
            "{err}"
        );

        // Long rows are an error at their row; the other rows read.
        let table = csv("单号,地址,数量\nA1,幸福路,1\n\nA2,幸福小区3栋,2单元,2\nA3,幸福路,3\n");
        assert_eq!(numbers(&table), [2, 5]);
        let err = bad_row(table);
        assert_eq!(err.row, Some(4));
        assert_eq!(
            err.to_string(),
            "orders.csv, row 4: this row has 4 cells but the header has 3 columns\n  \
             hint: a value probably contains the delimiter `,` without quotes around it \
             (an address, say); put the value in double quotes, or export the file again \
             from Excel or WPS"
        );

        // Trailing delimiters on the header line make room for empty cells,
        // but a value there has no column.
        let padded = csv("a,b,,\n1,2,,\n");
        assert_eq!(padded.headers, ["a", "b"]);
        assert_eq!(padded.rows[0].cells, ["1", "2"]);
        let stray = bad_row(csv("a,b,,\n1,2,,x\n"));
        assert_eq!((stray.row, stray.column.as_deref()), (Some(2), Some("D")));
    }

    #[test]
    fn a_quote_left_open_fails_the_file_not_one_row() {
        // The quote opened in row 3 runs to the end: rows 4 and 5 are
        // inside it, and no row can be set aside for them.
        let err = csv_err(concat!(
            "单号,地址,数量\n",
            "A1,幸福路,1\n",
            "A2,\"幸福小区3栋,2\n",
            "A3,幸福路,3\n",
            "A4,幸福路,4\n",
        ));
        assert_eq!((err.row, err.column.as_deref()), (Some(3), Some("地址")));
        assert!(
            err.message.starts_with(
                "a quoted value in column 地址 runs on over the next 2 lines, so this row has 2 cells, not 3"
            ),
            "{err}"
        );
        // A quoted line break in a row as wide as the header is an address
        // on two lines.
        let table = csv("单号,地址,数量\nA1,\"幸福小区\n3栋\",1\n");
        assert_eq!(table.rows[0].cells[1], "幸福小区\n3栋");
    }

    #[test]
    fn title_rows_above_the_header_are_skipped() {
        let table = csv(concat!(
            "2024年5月特约服务工单汇总,,,\r\n", // row 1: title, as Excel exports it
            "\r\n",                             // row 2
            "制表日期：2024-05-31,,,\r\n",      // row 3
            "单号,客户名称,数量,备注\r\n",      // row 4: the header
            "A1,张三,2,\r\n",                   // row 5
        ));
        assert_eq!(table.headers, ["单号", "客户名称", "数量", "备注"]);
        assert_eq!(
            table.rows,
            [Row {
                number: 5,
                cells: ["A1", "张三", "2", ""].map(String::from).to_vec()
            }]
        );

        // A one-column table is not mistaken for titles.
        let single = csv("单号\nA1\nA2\nA3\nA4\nA5\n");
        assert_eq!(single.headers, ["单号"]);
        assert_eq!(numbers(&single), [2, 3, 4, 5, 6]);
        let short = csv("单号\nA1\n");
        assert_eq!(numbers(&short), [2]);

        // A title line without delimiters does not hide a tab-separated header.
        let tabbed = csv("五月工单\n单号\t地址\nA1\t幸福路1号, 2单元\n");
        assert_eq!(tabbed.headers, ["单号", "地址"]);
        assert_eq!(tabbed.rows[0].cells, ["A1", "幸福路1号, 2单元"]);
    }

    #[test]
    fn empty_and_misnamed_files() {
        assert!(csv_err("").message.contains("empty"));
        assert!(csv_err("\n , \n").message.contains("empty"));
        let xlsx = read_csv_bytes("orders.csv", b"PK\x03\x04rest", None).unwrap_err();
        assert!(xlsx.message.contains("XLSX"), "{xlsx}");
        let utf16 = read_csv_bytes("orders.csv", b"\xFF\xFEa\0", None).unwrap_err();
        assert!(utf16.message.contains("UTF-16"), "{utf16}");
    }

    #[test]
    fn duplicate_headers_are_refused() {
        let err = csv_err("单号,数量,数量（必填）\n1,2,3\n");
        assert_eq!(err.row, Some(1));
        assert_eq!(
            err.message,
            "two columns have the same header: `数量` (column B) and `数量（必填）` (column C)"
        );
    }

    #[test]
    fn files_over_the_limit_are_refused() {
        // calloc'd and never touched: costs no real memory.
        let huge = vec![0u8; MAX_FILE_BYTES + 1];
        let err = read_csv_bytes("big.csv", &huge, None).unwrap_err();
        assert!(err.message.contains("over 200 MB"), "{err}");
        let err = read_xlsx_bytes("big.xlsx", &huge, None).unwrap_err();
        assert!(err.message.contains("over 200 MB"), "{err}");
    }

    // -- Column mapping ------------------------------------------------------

    const FIELDS: &[FieldSpec] = &[
        FieldSpec {
            name: "order",
            headers: &["单号", "工单号"],
            required: true,
        },
        FieldSpec {
            name: "customer",
            headers: &["客户名称", "客户"],
            required: true,
        },
        FieldSpec {
            name: "quantity",
            headers: &["数量", "Qty"],
            required: true,
        },
        FieldSpec {
            name: "amount",
            headers: &["金额(元)"],
            required: false,
        },
        FieldSpec {
            name: "remark",
            headers: &["备注"],
            required: false,
        },
    ];

    #[test]
    fn forgiving_header_matching() {
        let table = csv(
            "*工单号, 客户名称 ,数量（必填）,金额（元）*,服务\u{3000}日期\nA1,张三,2,12.5,2024-05-06\n",
        );
        let map = map_columns(&table, FIELDS).unwrap();
        let row = &table.rows[0];
        assert_eq!(map.get(row, "order"), Some("A1"));
        assert_eq!(map.get(row, "customer"), Some("张三"));
        assert_eq!(map.get(row, "quantity"), Some("2"));
        assert_eq!(map.get(row, "amount"), Some("12.5"));
        assert_eq!(map.header("quantity"), Some("数量（必填）"));
        assert_eq!(map.index("amount"), Some(3));
        // An optional field without a column, and an unknown name.
        assert_eq!(map.get(row, "remark"), None);
        assert_eq!(map.index("remark"), None);
        assert_eq!(map.get(row, "nonsense"), None);

        assert_eq!(
            normalize_header("服务\u{3000}日期"),
            normalize_header("服务日期")
        );
        assert_eq!(normalize_header(" ＱＴＹ（必填） "), "qty");
        assert_eq!(normalize_header("数量 * (必填)"), "数量");
        assert_eq!(normalize_header("Order\nNo."), "orderno.");
    }

    #[test]
    fn empty_cells_read_as_no_value() {
        let table = csv("单号,客户,数量\nA1,,3\n");
        let map = map_columns(&table, FIELDS).unwrap();
        assert_eq!(map.get(&table.rows[0], "customer"), None);
        assert_eq!(table.rows[0].cells[1], "");
    }

    #[test]
    fn missing_required_columns_are_all_reported() {
        let table = csv("单号,地址\nA1,幸福路\n");
        let errors = map_columns(&table, FIELDS).unwrap_err();
        let texts: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "orders.csv: required column `customer` is missing\n  \
                 hint: accepted headers: `客户名称`, `客户`; headers found: `单号`, `地址`",
                "orders.csv: required column `quantity` is missing\n  \
                 hint: accepted headers: `数量`, `Qty`; headers found: `单号`, `地址`",
            ]
        );
    }

    #[test]
    fn two_columns_for_one_field() {
        let table = csv("单号,工单号,客户,数量\nA1,A2,张三,1\n");
        let errors = map_columns(&table, FIELDS).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].to_string(),
            "orders.csv, column 工单号: columns `单号` and `工单号` both stand for `order`\n  \
             hint: keep one of them: rename or delete the other"
        );
    }

    // -- XLSX ----------------------------------------------------------------

    /// A workbook like the ones finance receives: a hidden lookup sheet
    /// first, then the orders, then a sheet with a broken lookup.
    fn fixture_workbook() -> Workbook {
        let mut workbook = Workbook::new();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let date_time = Format::new().set_num_format("yyyy-mm-dd hh:mm");
        let chinese_date = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");

        let lookup = workbook.add_worksheet();
        lookup.set_name("代码表").unwrap();
        lookup.write_string(0, 0, "代码").unwrap();
        lookup.set_hidden(true);

        let orders = workbook.add_worksheet();
        orders.set_name("工单").unwrap();
        // Excel shows the active sheet on opening; a hidden sheet cannot be it.
        orders.set_active(true);
        let headers = [
            "单号",
            "客户名称",
            "数量",
            "单价",
            "金额",
            "服务日期",
            "完成时间",
            "已核对",
        ];
        for (col, header) in headers.iter().enumerate() {
            orders.write_string(0, col as u16, *header).unwrap();
        }
        // Row 2: integers, 12.3, a formula with its cached result.
        orders.write_string(1, 0, "TY-0001").unwrap();
        orders.write_string(1, 1, "  张三 ").unwrap();
        orders.write_number(1, 2, 3).unwrap();
        orders.write_number(1, 3, 12.3).unwrap();
        orders
            .write_formula(
                1,
                4,
                Formula::new("=C2*D2").set_result("36.900000000000006"),
            )
            .unwrap();
        let may6 = rust_xlsxwriter::ExcelDateTime::from_ymd(2024, 5, 6).unwrap();
        orders
            .write_datetime_with_format(1, 5, &may6, &date)
            .unwrap();
        let finished = rust_xlsxwriter::ExcelDateTime::from_ymd(2024, 5, 7)
            .unwrap()
            .and_hms(14, 30, 0)
            .unwrap();
        orders
            .write_datetime_with_format(1, 6, &finished, &date_time)
            .unwrap();
        orders.write_boolean(1, 7, true).unwrap();
        // Rows 3 and 4 left empty (row 4 holds only blanks).
        orders.write_string(3, 1, "   ").unwrap();
        // Row 5: 0.1, 1409.5, a formula whose float result has noise, a
        // serial number in a Chinese date format, a short row.
        orders.write_string(4, 0, "TY-0002").unwrap();
        orders.write_number(4, 2, 0.1).unwrap();
        orders.write_number(4, 3, 1409.5).unwrap();
        orders
            .write_formula(
                4,
                4,
                Formula::new("=0.1+0.2").set_result("0.30000000000000004"),
            )
            .unwrap();
        orders
            .write_number_with_format(4, 5, 45_419.0, &chinese_date)
            .unwrap();
        orders.write_boolean(4, 7, false).unwrap();

        let broken = workbook.add_worksheet();
        broken.set_name("核对").unwrap();
        broken.write_string(0, 0, "单号").unwrap();
        broken.write_string(0, 1, "金额").unwrap();
        broken.write_string(1, 0, "TY-0001").unwrap();
        broken.write_number(1, 1, 1.5).unwrap();
        broken.write_string(3, 0, "TY-0002").unwrap();
        broken
            .write_formula(
                3,
                1,
                Formula::new("=VLOOKUP(A4,代码表!A:B,2,FALSE)").set_result("#N/A"),
            )
            .unwrap();
        workbook
    }

    fn fixture_bytes() -> Vec<u8> {
        fixture_workbook().save_to_buffer().unwrap()
    }

    #[test]
    fn xlsx_cells_read_as_people_see_them() {
        let dir = TempDir::new("xlsx_cells");
        let path = dir.0.join("orders.xlsx");
        fixture_workbook().save(&path).unwrap();

        // The hidden lookup sheet is skipped: "first sheet" is the first
        // one a person sees.
        let table = read_path(&path, None, None).unwrap();
        assert_eq!(table.file, path.display().to_string());
        assert_eq!(table.sheet.as_deref(), Some("工单"));
        assert_eq!(
            table.headers,
            [
                "单号",
                "客户名称",
                "数量",
                "单价",
                "金额",
                "服务日期",
                "完成时间",
                "已核对"
            ]
        );
        assert_eq!(
            table.rows,
            [
                Row {
                    number: 2,
                    cells: [
                        "TY-0001",
                        "张三",
                        "3",
                        "12.3",
                        "36.9",
                        "2024-05-06",
                        "2024-05-07 14:30",
                        "true",
                    ]
                    .map(String::from)
                    .to_vec(),
                },
                Row {
                    number: 5,
                    cells: [
                        "TY-0002",
                        "",
                        "0.1",
                        "1409.5",
                        "0.3",
                        "2024-05-07",
                        "",
                        "false"
                    ]
                    .map(String::from)
                    .to_vec(),
                },
            ]
        );

        // The same by name, and from memory.
        let named = read_xlsx_bytes(&table.file, &fixture_bytes(), Some("工单")).unwrap();
        assert_eq!(named, table);
        let hidden = read_xlsx_bytes("orders.xlsx", &fixture_bytes(), Some("代码表")).unwrap();
        assert_eq!(hidden.headers, ["代码"]);
        assert!(hidden.rows.is_empty());
    }

    #[test]
    fn xlsx_error_cell_is_reported_at_its_cell() {
        let table = read_xlsx_bytes("orders.xlsx", &fixture_bytes(), Some("核对")).unwrap();
        let err = bad_row(table);
        assert_eq!(err.row, Some(4));
        assert_eq!(err.column.as_deref(), Some("金额"));
        assert_eq!(
            err.to_string(),
            "orders.xlsx, row 4, column 金额: cell B4 shows the error #N/A\n  \
             hint: correct the cell (or the formula behind it), let the workbook calculate, and save it again"
        );
    }

    #[test]
    fn xlsx_unknown_sheet_lists_the_sheets() {
        let err = read_xlsx_bytes("orders.xlsx", &fixture_bytes(), Some("五月")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "orders.xlsx: the workbook has no sheet `五月`\n  \
             hint: its sheets are `代码表`, `工单`, `核对`"
        );
        // Case and stray spaces are forgiven when that is unambiguous.
        let mut workbook = Workbook::new();
        workbook
            .add_worksheet()
            .set_name("May")
            .unwrap()
            .write_string(0, 0, "a")
            .unwrap();
        let bytes = workbook.save_to_buffer().unwrap();
        assert_eq!(
            read_xlsx_bytes("m.xlsx", &bytes, Some(" may "))
                .unwrap()
                .sheet
                .as_deref(),
            Some("May")
        );
    }

    #[test]
    fn xlsx_table_not_at_the_top_left() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write_string(2, 1, "单号").unwrap();
        sheet.write_string(2, 3, "数量").unwrap(); // C3 left blank
        sheet.write_string(3, 1, "A1").unwrap();
        sheet.write_number(3, 3, 2).unwrap();
        sheet.write_string(5, 2, "note").unwrap(); // under the blank header
        let bytes = workbook.save_to_buffer().unwrap();
        let table = read_xlsx_bytes("t.xlsx", &bytes, None).unwrap();
        assert_eq!(table.headers, ["单号", "", "数量"]);
        assert_eq!(
            table.rows[0],
            Row {
                number: 4,
                cells: vec!["A1".into(), "".into(), "2".into()]
            }
        );
        assert_eq!(table.rows[1].number, 6);

        // A value outside the header's columns has no column.
        let sheet = workbook.worksheet_from_index(0).unwrap();
        sheet.write_string(7, 5, "stray").unwrap();
        let bytes = workbook.save_to_buffer().unwrap();
        let err = bad_row(read_xlsx_bytes("t.xlsx", &bytes, None).unwrap());
        assert_eq!((err.row, err.column.as_deref()), (Some(8), Some("F")));
    }

    #[test]
    fn xlsx_title_rows_are_skipped() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet
            .merge_range(0, 0, 0, 2, "2024年5月特约服务工单", &Format::new())
            .unwrap();
        for (col, header) in ["单号", "客户名称", "数量"].iter().enumerate() {
            sheet.write_string(1, col as u16, *header).unwrap();
        }
        sheet.write_string(2, 0, "A1").unwrap();
        sheet.write_number(2, 2, 2).unwrap();
        let bytes = workbook.save_to_buffer().unwrap();
        let table = read_xlsx_bytes("t.xlsx", &bytes, None).unwrap();
        assert_eq!(table.headers, ["单号", "客户名称", "数量"]);
        assert_eq!(
            table.rows,
            [Row {
                number: 3,
                cells: ["A1", "", "2"].map(String::from).to_vec()
            }]
        );
    }

    /// Written to a temporary file: [`read_path_all`] reads paths.
    fn read_all(name: &str, bytes: &[u8]) -> Vec<Table> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let tables = read_path_all(&path, None, &|h| h == "单号").unwrap();
        // Messages name the file as given; the temporary folder is not
        // part of what these tests compare.
        tables
            .into_iter()
            .map(|mut t| {
                t.file = t.file.replace(&format!("{}/", dir.path().display()), "");
                t
            })
            .collect()
    }

    /// A month split over two sheets is read whole; a row's place names
    /// its sheet. An empty sheet is not read, a hidden one only to be said
    /// not read.
    #[test]
    fn xlsx_every_visible_sheet_is_read() {
        let mut workbook = Workbook::new();
        for (name, order) in [("上半月", "A1"), ("下半月", "A2")] {
            let sheet = workbook.add_worksheet();
            sheet.set_name(name).unwrap();
            sheet.write_string(0, 0, "单号").unwrap();
            sheet.write_string(0, 1, "数量").unwrap();
            sheet.write_string(1, 0, order).unwrap();
            sheet.write_number(1, 1, 2).unwrap();
        }
        workbook.add_worksheet().set_name("空").unwrap();
        let hidden = workbook.add_worksheet();
        hidden.set_name("代码").unwrap();
        hidden.write_string(0, 0, "x").unwrap();
        hidden.set_hidden(true);
        let tables = read_all("m.xlsx", &workbook.save_to_buffer().unwrap());
        // The hidden sheet comes last, marked, for a note only.
        assert_eq!(
            tables
                .iter()
                .map(|t| (t.sheet.as_deref().unwrap(), t.hidden))
                .collect::<Vec<_>>(),
            [("上半月", false), ("下半月", false), ("代码", true)]
        );
        let seen: Vec<(&str, &str, &str)> = tables
            .iter()
            .filter(|t| !t.hidden)
            .map(|t| {
                (
                    t.file.as_str(),
                    t.sheet.as_deref().unwrap(),
                    t.rows[0].cells[0].as_str(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("m.xlsx [上半月]", "上半月", "A1"),
                ("m.xlsx [下半月]", "下半月", "A2")
            ]
        );
        // One sheet: the file's name alone, as before.
        let mut workbook = Workbook::new();
        workbook.add_worksheet().write_string(0, 0, "单号").unwrap();
        let tables = read_all("one.xlsx", &workbook.save_to_buffer().unwrap());
        assert_eq!(tables[0].file, "one.xlsx");
    }

    /// A title with a date beside it is still a title when the row below
    /// holds the known header, in a workbook and in CSV.
    #[test]
    fn a_title_row_with_a_date_beside_it_is_skipped() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.write_string(0, 0, "2026年11月特约服务工单").unwrap();
        sheet.write_string(0, 3, "制表日期：").unwrap();
        sheet.write_string(0, 4, "2026-12-01").unwrap();
        for (col, header) in ["单号", "客户名称", "数量"].iter().enumerate() {
            sheet.write_string(1, col as u16, *header).unwrap();
        }
        sheet.write_string(2, 0, "A1").unwrap();
        let tables = read_all("t.xlsx", &workbook.save_to_buffer().unwrap());
        assert_eq!(tables[0].headers, ["单号", "客户名称", "数量"]);
        assert_eq!(tables[0].rows[0].number, 3);

        let text = "2026年11月特约服务工单,,,制表日期：,2026-12-01\n单号,客户名称,数量\nA1,孙,2\n";
        let tables = read_all("t.csv", text.as_bytes());
        assert_eq!(tables[0].headers, ["单号", "客户名称", "数量"]);
        assert_eq!(tables[0].rows[0].number, 3);
        // Without a header it knows, the first row of two cells is taken,
        // as before.
        let table = csv(text);
        assert_eq!(table.headers[0], "2026年11月特约服务工单");
    }

    /// A header with its unit in brackets is its field; one written
    /// exactly wins over it.
    #[test]
    fn a_header_with_its_unit_is_read() {
        let fields = [FieldSpec {
            name: "materials",
            headers: &["材料费"],
            required: false,
        }];
        for header in ["材料费（元）", "材料费(元)", "材料费 (￥)"] {
            let table = csv(&format!("单号,{header}\nA1,29.00\n"));
            let map = map_columns(&table, &fields).unwrap();
            assert_eq!(map.index("materials"), Some(1), "{header}");
        }
        let table = csv("单号,材料费（元）,材料费\nA1,1,2\n");
        assert_eq!(
            map_columns(&table, &fields).unwrap().index("materials"),
            Some(2)
        );
        let table = csv("单号,材料费（按实际发生额计入本单）\nA1,1\n");
        assert_eq!(
            map_columns(&table, &fields).unwrap().index("materials"),
            None
        );
    }

    #[test]
    fn xlsx_that_is_not_xlsx() {
        let csv = read_xlsx_bytes("o.xlsx", "单号,数量\n".as_bytes(), None).unwrap_err();
        assert!(csv.message.contains("text file"), "{csv}");
        let xls = read_xlsx_bytes("o.xlsx", OLE_MAGIC, None).unwrap_err();
        assert!(xls.message.contains(".xls"), "{xls}");
        let zip = read_xlsx_bytes(
            "o.xlsx",
            b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
            None,
        )
        .unwrap_err();
        assert!(zip.hint.is_some(), "{zip}");
        let empty = Workbook::new().save_to_buffer().unwrap();
        let err = read_xlsx_bytes("o.xlsx", &empty, None).unwrap_err();
        assert!(err.message.contains("empty"), "{err}");
    }

    #[test]
    fn read_path_dispatches_by_extension() {
        let dir = TempDir::new("read_path");
        let path = dir.0.join("Orders.CSV");
        std::fs::write(&path, "单号,数量\nA1,1\n").unwrap();
        assert_eq!(
            read_path(&path, None, Some("ignored")).unwrap().rows.len(),
            1
        );

        let err = read_path(&dir.0.join("orders.xls"), None, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: `.xls` files cannot be read\n  hint: supported kinds: .csv (UTF-8 or GBK), \
                 .xlsx and .xlsm; save .xls, .et or .ods workbooks as .xlsx first",
                dir.0.join("orders.xls").display()
            )
        );
        let missing = read_path(&dir.0.join("gone.csv"), None, None).unwrap_err();
        assert!(
            missing.message.starts_with("cannot read the file"),
            "{missing}"
        );
    }

    #[test]
    fn numbers_print_as_excel_shows_them() {
        let cases: [(f64, &str); 11] = [
            (12.3, "12.3"),
            (0.1, "0.1"),
            (1409.5, "1409.5"),
            (0.1 + 0.2, "0.3"),
            (36.900000000000006, "36.9"),
            (-0.0, "0"),
            (100.0, "100"),
            (-2.5, "-2.5"),
            (1e20, "100000000000000000000"),
            (123456789012345.0, "123456789012345"),
            (0.000123, "0.000123"),
        ];
        for (value, text) in cases {
            assert_eq!(number_text(value).as_deref(), Some(text), "{value:?}");
        }
        assert_eq!(number_text(f64::NAN), None);
        assert_eq!(number_text(f64::INFINITY), None);
        assert_eq!(significant_digits("100.5"), 4);
        assert_eq!(significant_digits("0.00120"), 2);
    }

    #[test]
    fn iso_dates_and_letters() {
        assert_eq!(iso_datetime_text("2024-05-06T00:00:00"), "2024-05-06");
        assert_eq!(
            iso_datetime_text("2024-05-06T09:05:00Z"),
            "2024-05-06 09:05"
        );
        assert_eq!(iso_datetime_text("2024-05-06"), "2024-05-06");
        assert_eq!(iso_datetime_text("09:05:30"), "09:05:30");
        assert_eq!(iso_datetime_text("soon"), "soon");
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(16_383), "XFD");
    }

    // -- Properties ----------------------------------------------------------

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = read_csv_bytes("fuzz.csv", &bytes, None);
            let _ = read_csv_bytes("fuzz.csv", &bytes, Some(Encoding::Utf8));
            let _ = read_csv_bytes("fuzz.csv", &bytes, Some(Encoding::Gbk));
            let _ = read_xlsx_bytes("fuzz.xlsx", &bytes, None);
            let mut zipped = b"PK\x03\x04".to_vec();
            zipped.extend_from_slice(&bytes);
            let _ = read_xlsx_bytes("fuzz.xlsx", &zipped, None);
        }

        #[test]
        fn csv_text_never_panics(text in "[a-c,;\t\"\r\n 数量]{0,64}") {
            let _ = read_csv_bytes("fuzz.csv", text.as_bytes(), None);
        }

        /// What the csv crate writes, we read back: same cells (trimmed),
        /// whole-blank rows dropped, every row at its record's number.
        #[test]
        fn csv_round_trip(
            rows in proptest::collection::vec(
                proptest::collection::vec("[a-c ,;\"\n数量]{0,6}", 3),
                1..12,
            ),
        ) {
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer.write_record(["单号", "客户", "数量"]).unwrap();
            for row in &rows {
                writer.write_record(row).unwrap();
            }
            let bytes = writer.into_inner().unwrap();
            let table = read_csv_bytes("rt.csv", &bytes, None).unwrap();
            let expected: Vec<Row> = rows
                .iter()
                .enumerate()
                .map(|(i, cells)| Row {
                    number: i + 2,
                    cells: cells.iter().map(|c| c.trim().to_owned()).collect(),
                })
                .filter(|row| row.cells.iter().any(|c| !c.is_empty()))
                .collect();
            prop_assert_eq!(table.rows, expected);
        }
    }

    /// Damaged copies of a real workbook (bytes overwritten or cut off)
    /// must come back as errors, not panics.
    #[test]
    fn damaged_workbooks_never_panic() {
        let good = fixture_bytes();
        proptest!(ProptestConfig::with_cases(256), |(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
            cut in any::<prop::sample::Index>(),
            truncate in any::<bool>(),
        )| {
            let mut bytes = good.clone();
            for (at, byte) in edits {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            if truncate {
                bytes.truncate(cut.index(bytes.len()));
            }
            for sheet in [None, Some("工单"), Some("核对")] {
                let _ = read_xlsx_bytes("damaged.xlsx", &bytes, sheet);
            }
        });
    }
}
