//! Source files and locations.
//!
//! Every file feebook reads (rule files, job files, work-order sheets) is
//! registered in a [`Sources`] map and gets a [`FileId`]. Locations are byte
//! ranges into those files ([`Loc`]), or a row and column for tabular inputs.
//! Line and column numbers are computed only when a diagnostic is shown, and
//! columns count characters, not bytes, so they are right after Chinese text.

use std::cell::Cell;
use std::fmt;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};

/// Index of a file in a [`Sources`] map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Loc {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Loc {
    pub fn new(file: FileId, start: u32, end: u32) -> Loc {
        Loc {
            file,
            start,
            end: end.max(start),
        }
    }

    /// A sub-range, `start..end` relative to this location's start, clamped
    /// to this location.
    pub fn sub(self, start: u32, end: u32) -> Loc {
        let s = self.start.saturating_add(start).min(self.end);
        let e = self.start.saturating_add(end).min(self.end).max(s);
        Loc::new(self.file, s, e)
    }
}

/// One file's text and the name it is shown under.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as the user should see it (relative where possible), or a
    /// name such as `<embedded>/catalog.yaml` for the sample rules.
    pub name: String,
    pub text: Arc<str>,
    /// Byte offset of the start of every line.
    line_starts: Vec<u32>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> SourceFile {
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i as u32 + 1),
        );
        SourceFile {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let offset = clamp_to_char_boundary(&self.text, offset as usize);
        let line = self
            .line_starts
            .partition_point(|&s| s as usize <= offset)
            .saturating_sub(1);
        let start = self.line_starts[line] as usize;
        // A byte-order mark is not a column an editor shows.
        let start = if start == 0 && self.text.starts_with('\u{feff}') {
            offset.min('\u{feff}'.len_utf8())
        } else {
            start
        };
        let col = self.text[start..offset].chars().count() + 1;
        (line + 1, col)
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |&e| e as usize);
        self.text[start as usize..end]
            .trim_start_matches('\u{feff}')
            .trim_end_matches(['\n', '\r'])
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The text a location covers.
    pub fn slice(&self, loc: Loc) -> &str {
        let s = clamp_to_char_boundary(&self.text, loc.start as usize);
        let e = clamp_to_char_boundary(&self.text, loc.end as usize).max(s);
        &self.text[s..e]
    }
}

fn clamp_to_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// All files read in one run.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn new() -> Sources {
        Sources::default()
    }

    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn name(&self, id: FileId) -> &str {
        self.get(id).map_or("<unknown>", |f| f.name.as_str())
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// `file:line:column` of a location.
    pub fn position(&self, loc: Loc) -> Position {
        let file = self.name(loc.file).to_string();
        let (line, column) = self.get(loc.file).map_or((0, 0), |f| f.line_col(loc.start));
        Position { file, line, column }
    }

    /// The source text a location covers (empty when unknown).
    pub fn slice(&self, loc: Loc) -> &str {
        self.get(loc.file).map_or("", |f| f.slice(loc))
    }
}

/// A resolved, printable position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

thread_local! {
    /// The file being deserialised on this thread; [`Sp`] stamps it on the
    /// locations it records. serde gives a `Deserialize` impl no context, and
    /// this keeps the model types free of a second "raw" copy.
    static LOADING: Cell<FileId> = const { Cell::new(FileId(0)) };
}

/// Runs `f` (a deserialisation) with `file` as the file [`Sp`] values belong to.
pub fn with_loading_file<R>(file: FileId, f: impl FnOnce() -> R) -> R {
    let previous = LOADING.with(|c| c.replace(file));
    let result = f();
    LOADING.with(|c| c.set(previous));
    result
}

/// A value with the place it was written.
#[derive(Clone, Debug)]
pub struct Sp<T> {
    pub value: T,
    pub loc: Loc,
}

impl<T> Sp<T> {
    pub fn new(value: T, loc: Loc) -> Sp<T> {
        Sp { value, loc }
    }
}

impl<T> std::ops::Deref for Sp<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: PartialEq> PartialEq for Sp<T> {
    /// Values compare equal wherever they were written.
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Sp<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = serde_saphyr::Spanned::<T>::deserialize(d)?;
        let span = spanned.referenced.span();
        let start = span.byte_offset().unwrap_or(0);
        let len = span.byte_len().unwrap_or(0);
        let file = LOADING.with(Cell::get);
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        let end = start.saturating_add(u32::try_from(len).unwrap_or(0));
        Ok(Sp::new(spanned.value, Loc::new(file, start, end)))
    }
}

impl<T: serde::Serialize> serde::Serialize for Sp<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

/// The schema of `Sp<T>` is the schema of `T`: the location is not written.
impl<T: JsonSchema> JsonSchema for Sp<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

/// Maps a byte offset inside a scalar's *value* to a byte offset inside the
/// scalar's *source text* (which may carry quotes, escapes or folded lines).
///
/// Expressions are parsed from the value, but errors must point into the
/// file. Characters of the value appear in the source in order, so a greedy
/// walk that skips quoting and folding characters lines them up.
pub fn value_offset_to_source(source: &str, value: &str, value_offset: usize) -> usize {
    let mut src = source.char_indices().peekable();
    // Block scalar header (`|`, `>-`, …): the value starts on the next line.
    if source.starts_with(['|', '>']) {
        for (_, c) in src.by_ref() {
            if c == '\n' {
                break;
            }
        }
    }
    let mut last = 0;
    for (vi, vc) in value.char_indices() {
        if vi >= value_offset {
            break;
        }
        // Find vc in the source.
        let mut found = false;
        for (si, sc) in src.by_ref() {
            if sc == vc {
                last = si + sc.len_utf8();
                found = true;
                break;
            }
        }
        if !found {
            return last.min(source.len());
        }
    }
    // Skip whitespace, quotes and line breaks that precede the next value
    // character, so an error at a token points at the token itself.
    let next = value[value_offset.min(value.len())..].chars().next();
    if let Some(nc) = next {
        while let Some(&(si, sc)) = src.peek() {
            if sc == nc {
                return si;
            }
            if sc.is_whitespace() || sc == '"' || sc == '\'' || sc == '\\' {
                src.next();
                continue;
            }
            return si;
        }
    }
    last.min(source.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let f = SourceFile::new("a.yaml", "name: 室内卫生清洁\nunit: 平方米\n");
        assert_eq!(f.line_col(0), (1, 1));
        let off = f.text.find("平").unwrap() as u32;
        assert_eq!(f.line_col(off), (2, 7));
        let off = f.text.find("清洁").unwrap() as u32;
        assert_eq!(f.line_col(off), (1, 11));
        // inside a multi-byte character: clamps back
        assert_eq!(f.line_col(off + 1), (1, 11));
        assert_eq!(f.line_text(2), "unit: 平方米");
        assert_eq!(f.line_text(9), "");
    }

    #[test]
    fn a_byte_order_mark_is_not_a_column() {
        let f = SourceFile::new("a.yaml", "\u{feff}name: x\nunit: y\n");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (1, 1));
        let off = f.text.find('x').unwrap() as u32;
        assert_eq!(f.line_col(off), (1, 7));
        assert_eq!(f.line_text(1), "name: x");
    }

    #[test]
    fn value_offsets_map_through_quotes_and_folding() {
        assert_eq!(value_offset_to_source("a + b", "a + b", 4), 4);
        assert_eq!(value_offset_to_source("\"a + b\"", "a + b", 4), 5);
        assert_eq!(value_offset_to_source("'it''s' + x", "it's + x", 7), 10);
        let src = ">-\n  labour +\n  税率 * x";
        let val = "labour + 税率 * x";
        let off = val.find('税').unwrap();
        assert_eq!(&src[value_offset_to_source(src, val, off)..], "税率 * x");
    }
}
