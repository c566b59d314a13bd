//! Rules: the model administrators write, loading it from a folder of YAML
//! files (or the embedded sample set), and validating it.
//!
//! ```text
//! rules/*.yaml ──parse (spans)──▶ RuleFile per file ──merge + validate──▶ Rules
//! ```

pub mod embedded;
pub mod model;
mod validate;

use std::path::{Path, PathBuf};

pub(crate) use validate::catalog_end;
pub use validate::{
    CompiledChain, CompiledFormula, CompiledPolicy, CompiledStep, InputDef, LABOUR_COLUMNS,
    LineDef, MATERIALS_COLUMNS, Rules, input_type_name, parse_default, scalar_type, type_name,
};

use crate::diagnostic::{Diagnostic, Place};
use crate::source::{FileId, SourceFile, Sources};

/// Where a rule set came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A folder of rule files.
    Dir(PathBuf),
    /// The sample rules compiled into the binary.
    Embedded,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Dir(p) => write!(f, "{}", p.display()),
            Origin::Embedded => f.write_str("the sample rules embedded in feebook"),
        }
    }
}

/// The outcome of loading a rule set: the files read, the checked rules when
/// there was no error, and every problem found.
#[derive(Debug)]
pub struct Loaded {
    pub origin: Origin,
    pub sources: Sources,
    pub files: Vec<FileId>,
    pub rules: Option<Rules>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    /// A price list's sign-off dated after `today` has not been given: a
    /// date typed with the wrong year or month, or a sign-off entered
    /// before it was given. It does not count (四（一）5: nothing is used
    /// before the leader has signed), so every status is taken as it stands
    /// today, and each such sign-off is warned of. Only some show in the
    /// rules alone, when the date falls after the list took effect
    /// (`approved-after-effective`); a list that takes effect later still
    /// would pass. Kept out of validation, which depends on the rule files
    /// only: the command passes its day.
    pub fn check_signoff_dates(&mut self, today: chrono::NaiveDate) {
        let Some(rules) = &mut self.rules else { return };
        let mut found = Vec::new();
        for (i, c) in rules.catalogs.iter().enumerate() {
            let ahead: Vec<_> = c
                .approval
                .value
                .signoffs
                .iter()
                .filter(|s| s.date.value > today)
                .collect();
            if ahead.is_empty() {
                continue;
            }
            let now = crate::approval::catalog_status_on(rules, c, today);
            for s in ahead {
                found.push(
                    Diagnostic::warning(
                        "signed-in-future",
                        format!(
                            "a sign-off of price list {} is dated {}, after today ({today}): it does not count until then",
                            c.version.value, s.date.value
                        ),
                    )
                    .at(s.date.loc, "not yet come")
                    .hint(format!("the price list as of today: {}", now.describe()))
                    .hint("a sign-off is dated the day it is given: check the year and the month, or enter it once given"),
                );
            }
            if let Some(slot) = rules.catalog_status.get_mut(i) {
                *slot = now;
            }
        }
        self.diagnostics.extend(found);
    }

    /// Holds every price list up to the policies `on: catalog`, as
    /// `feebook notice` will. A breach is a warning here, at the list's
    /// version: a list being drafted is not a mistake in the rules, but
    /// whoever edits it should know the notice is refused, and why, before
    /// printing it. The lists are taken as approved: one that is not has
    /// its own warning (`catalog-not-approved`), which says who is still to
    /// sign.
    /// Warns of each character of the rule files' values that no font has
    /// (`missing` lists them for a text). Found at check time, where the
    /// administrator types them, rather than when a document printing it
    /// is refused. The files' text is scanned, comments left out, so the
    /// place is exact; whether a document prints the value is not known
    /// here (a policy's message only goes to a terminal), hence a warning.
    pub fn check_glyphs(&mut self, missing: &dyn Fn(&str) -> Vec<char>, hint: &str) {
        for &file in &self.files {
            let Some(source) = self.sources.get(file) else {
                continue;
            };
            let text = &source.text;
            let mut offset = 0usize;
            for line in text.split_inclusive('\n') {
                let value = &line[..yaml_comment_start(line)];
                if !value.is_ascii() {
                    // U+FFFD stands for bytes that are not UTF-8, said
                    // as such already.
                    for c in missing(value).into_iter().filter(|&c| c != '\u{FFFD}') {
                        for (at, _) in value.match_indices(c) {
                            let start = (offset + at) as u32;
                            let end = start + c.len_utf8() as u32;
                            self.diagnostics.push(
                                Diagnostic::warning(
                                    "missing-glyph",
                                    format!(
                                        "character {c} (U+{:04X}) is in no font: a document that prints it is refused",
                                        c as u32
                                    ),
                                )
                                .at(crate::source::Loc::new(file, start, end), "no font has it")
                                .hint(hint.to_string()),
                            );
                        }
                    }
                }
                offset += line.len();
            }
        }
    }

    pub fn check_catalog_policies(&mut self) {
        let Some(rules) = &self.rules else { return };
        for c in &rules.catalogs {
            let record = crate::policy::catalog_record(c, true);
            let label = format!("price list {}", c.version.value);
            for d in crate::policy::check(
                rules,
                crate::records::RecordKind::Catalog,
                &record,
                &label,
                &|_| None,
            ) {
                let label = if d.is_error() {
                    "`feebook notice` refuses this list"
                } else {
                    "`feebook notice` warns of this list"
                };
                let d = Diagnostic {
                    severity: crate::diagnostic::Severity::Warning,
                    ..d
                };
                let d = if matches!(d.primary.place, crate::diagnostic::Place::Nowhere) {
                    d.at(c.version.loc, label)
                } else {
                    d
                };
                self.diagnostics.push(d);
            }
        }
    }
}

/// A rule folder that cannot be read at all (as opposed to rule files with
/// mistakes, which are diagnostics).
#[derive(Debug)]
pub struct LoadError {
    pub message: String,
    pub hint: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}\n  = help: {}", self.message, self.hint)
    }
}

impl std::error::Error for LoadError {}

/// Loads every `*.yaml` / `*.yml` file of a folder, in name order.
pub fn load_dir(dir: &Path) -> Result<Loaded, LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|e| LoadError {
        message: format!("cannot read the rules folder `{}`: {e}", dir.display()),
        hint: "give an existing folder with `--rules DIR`, or run without `--rules` to use ./rules or the embedded sample rules".into(),
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        // Hidden files (`._catalog.yaml` from macOS, an editor's
        // `.#catalog.yaml`) are not rule files, as in a templates folder.
        .filter(|p| !is_hidden(p) && is_yaml(p))
        .collect();
    paths.sort();
    // A symbolic link to nothing is a rule file that cannot be read, not
    // one that is not there: its rules would be missed without a word.
    if let Some(broken) = paths.iter().find(|p| p.is_symlink() && !p.exists()) {
        let target = std::fs::read_link(broken)
            .map_or_else(|_| "?".to_string(), |t| t.display().to_string());
        return Err(LoadError {
            message: format!(
                "cannot read `{}`: it is a symbolic link to `{target}`, which does not exist",
                broken.display()
            ),
            hint: "point the link at the rule file, or remove it".into(),
        });
    }
    paths.retain(|p| p.is_file());
    if paths.is_empty() {
        return Err(LoadError {
            message: format!("the rules folder `{}` has no .yaml files", dir.display()),
            hint: "rule files end in .yaml; `feebook schema` writes their JSON Schema, and the README shows a complete example".into(),
        });
    }
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for p in paths {
        let bytes = std::fs::read(&p).map_err(|e| LoadError {
            message: format!("cannot read `{}`: {e}", p.display()),
            hint: "check the file's permissions".into(),
        })?;
        let name = p.display().to_string();
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => {
                let (text, problem) = crate::text::not_utf8(&name, "rule file", e);
                problems.push(problem);
                text
            }
        };
        files.push((name, text));
    }
    let mut loaded = load_texts(Origin::Dir(dir.to_path_buf()), files);
    if !problems.is_empty() {
        loaded.rules = None;
        loaded.diagnostics.splice(0..0, problems);
    }
    loaded.diagnostics.extend(unread_subfolders(dir));
    Ok(loaded)
}

/// A name starting with `.`: kept out of sight, not read.
fn is_hidden(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

/// A `.yaml` or `.yml` file name.
fn is_yaml(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// Subfolders of the rules folder that hold rule files: feebook reads only
/// the folder's own files, and rules left below it would be missed
/// silently. Hidden folders (`.git`, `.old`) are where files are put to be
/// kept without being read.
fn unread_subfolders(dir: &Path) -> Vec<Diagnostic> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_dir()
                && !is_hidden(p)
                && std::fs::read_dir(p)
                    .is_ok_and(|mut inner| inner.any(|f| f.is_ok_and(|f| is_yaml(&f.path()))))
        })
        .collect();
    found.sort();
    found
        .into_iter()
        .map(|p| {
            Diagnostic::warning(
                "subfolder-not-read",
                format!(
                    "`{}` holds .yaml files, but only the rules folder's own files are read",
                    p.display()
                ),
            )
            .at_place(Place::File(p.display().to_string()), "")
            .hint("move the files up into the rules folder to use them; to keep old rules there unread, give the folder a name starting with `.`")
        })
        .collect()
}

/// Loads the sample rules compiled into the binary.
pub fn load_embedded() -> Loaded {
    let files = embedded::FILES
        .iter()
        .map(|(name, text)| (format!("<embedded>/rules/{name}"), text.to_string()))
        .collect();
    load_texts(Origin::Embedded, files)
}

/// Loads rule files given as (name, text).
pub fn load_texts(origin: Origin, files: Vec<(String, String)>) -> Loaded {
    let mut sources = Sources::new();
    let ids: Vec<FileId> = files
        .into_iter()
        .map(|(name, text)| sources.add(SourceFile::new(name, text)))
        .collect();
    let mut diagnostics = Vec::new();
    let mut parsed = Vec::new();
    let mut empty = Vec::new();
    for &id in &ids {
        match crate::yaml::parse_all::<model::RuleFile>(&sources, id, "rule file") {
            Ok(file) => {
                if file.is_empty() {
                    empty.push(no_rules(&sources, id));
                }
                parsed.push((id, file));
            }
            Err(d) => diagnostics.extend(d),
        }
    }
    // A file that did not parse is missing from the merge, so every
    // reference into it would be reported as unknown: a cascade that hides
    // the real mistake. Report the parse errors alone until they are fixed.
    let rules = if diagnostics.is_empty() {
        let (rules, more) = validate::check(&sources, parsed);
        diagnostics.extend(more);
        rules
    } else {
        None
    };
    // Not a cascade risk, so said beside the other mistakes.
    // A name's control character is already reported, on the whole value.
    let said = |d: &Diagnostic| {
        diagnostics
            .iter()
            .any(|e| match (&e.primary.place, &d.primary.place) {
                (crate::diagnostic::Place::Span(a), crate::diagnostic::Place::Span(b)) => {
                    a.file == b.file && a.start <= b.start && b.end <= a.end
                }
                _ => false,
            })
    };
    let controls: Vec<Diagnostic> = ids
        .iter()
        .filter_map(|&id| sources.get(id).map(|f| escaped_controls(id, &f.text)))
        .flatten()
        .filter(|d| !said(d))
        .collect();
    let rules = if controls.is_empty() { rules } else { None };
    diagnostics.extend(controls);
    diagnostics.extend(empty);
    Loaded {
        origin,
        sources,
        files: ids,
        rules,
        diagnostics,
    }
}

/// A rule file that holds nothing: emptied by mistake (an editor's save
/// gone wrong, a copy cut short), its prices would be missed without a
/// word, the days it covered priced from another list or not at all.
fn no_rules(sources: &Sources, id: FileId) -> Diagnostic {
    let name = sources.name(id).to_string();
    let blank = sources.get(id).is_none_or(|f| {
        f.text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    });
    let why = if blank {
        "it is empty or only comments"
    } else {
        "its sections have nothing in them"
    };
    Diagnostic::warning("no-rules", format!("`{name}` holds no rules: {why}"))
    .at_place(Place::File(name), "")
    .hint("if it lost its content, put it back (from a copy or version control); if it is not needed, delete it or move it into a folder whose name starts with `.`")
}

/// Escapes in double-quoted values that write a control character (`\e`,
/// `\x1b`, `\u202e`): the text then prints nothing on the documents, or
/// acts on the terminal that shows it, or reorders it. (A control
/// character written as itself is refused by the YAML parser.)
fn escaped_controls(file: FileId, text: &str) -> Vec<Diagnostic> {
    fn is_bad(v: u32) -> bool {
        char::from_u32(v)
            .is_some_and(|c| crate::text::is_control(c) && !matches!(c, '\n' | '\r' | '\t'))
    }
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let (mut double, mut single, mut prev) = (false, false, ' ');
        let mut chars = line.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '#' if !double && !single && (prev == ' ' || i == 0) => break,
                '"' if !single => double = !double,
                '\'' if !double => single = !single,
                '\\' if double => {
                    let rest = &line[i + 1..];
                    let (len, value) = match rest.chars().next() {
                        Some('e') => (1, Some(0x1b)),
                        Some('0') => (1, Some(0)),
                        Some('a') => (1, Some(7)),
                        Some('b') => (1, Some(8)),
                        Some('v') => (1, Some(0x0b)),
                        Some('f') => (1, Some(0x0c)),
                        Some('N') => (1, Some(0x85)),
                        Some(k @ ('x' | 'u' | 'U')) => {
                            let n = match k {
                                'x' => 2,
                                'u' => 4,
                                _ => 8,
                            };
                            let hex = rest.get(1..=n).unwrap_or("");
                            (n + 1, u32::from_str_radix(hex, 16).ok())
                        }
                        _ => (1, None),
                    };
                    if let Some(v) = value.filter(|&v| is_bad(v)) {
                        let start = offset + i;
                        let end = (start + 1 + len).min(offset + line.len());
                        out.push(
                            Diagnostic::error(
                                "control-character",
                                format!(
                                    "`{}` writes the control character U+{v:04X}, which prints nothing on the documents",
                                    &text[start..end]
                                ),
                            )
                            .at(crate::source::Loc::new(file, start as u32, end as u32), "a control character")
                            .hint("delete it; it often comes pasted with the text (to write a backslash, write `\\\\`)"),
                        );
                    }
                    // The escaped character is not a quote or a backslash of its own.
                    chars.next();
                }
                _ => {}
            }
            prev = c;
        }
        offset += line.len();
    }
    out
}

/// Resolves the rule set to use: `--rules DIR` when given, else `./rules`
/// when it exists, else the embedded sample.
pub fn load_default(explicit: Option<&Path>) -> Result<Loaded, LoadError> {
    match explicit {
        Some(dir) => load_dir(dir),
        None => {
            let local = Path::new("rules");
            if local.is_dir() {
                load_dir(local)
            } else {
                Ok(load_embedded())
            }
        }
    }
}

/// Where a YAML line's comment starts (its length when it has none): a `#`
/// at the start of the line or after a space, outside quotes.
fn yaml_comment_start(line: &str) -> usize {
    let mut quote: Option<char> = None;
    let mut prev_blank = true;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '#') if prev_blank => return i,
            _ => {}
        }
        prev_blank = c == ' ' || c == '\t';
    }
    line.len()
}

#[cfg(test)]
mod glyph_tests {
    use super::yaml_comment_start;

    #[test]
    fn a_comment_is_a_hash_after_a_space_outside_quotes() {
        for (line, value) in [
            ("name: 孙# not a comment\n", "name: 孙# not a comment\n"),
            ("name: 孙 # a comment 𠮷\n", "name: 孙 "),
            ("# all comment 𠮷\n", ""),
            (
                "  message: \"a # in quotes\" # then 𠮷\n",
                "  message: \"a # in quotes\" ",
            ),
            (
                "  message: 'it''s # quoted' #𠮷\n",
                "  message: 'it''s # quoted' ",
            ),
        ] {
            assert_eq!(&line[..yaml_comment_start(line)], value, "{line:?}");
        }
    }
}
