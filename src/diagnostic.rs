//! Diagnostics: what is wrong, where, and what to do.
//!
//! One type serves every problem feebook reports: a rule-file mistake, a bad
//! row in a work-order sheet, a policy a payment violates. It carries a
//! stable code, a message, a primary place with a label, further places
//! (the other definition of a duplicate id, say) and hints. It renders as a
//! rustc-style snippet for people and as JSON for programs.
//!
//! The renderer is ours rather than miette's because columns must count
//! characters (rule files are full of Chinese, and a byte column is wrong
//! after the first 汉字) and because snapshot tests need output that does not
//! depend on the terminal.

use std::fmt::Write as _;

use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use crate::source::{Loc, Sources};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// Where a problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// A byte range in a registered source file.
    Span(Loc),
    /// A cell of a table (CSV or XLSX): 1-based row as the spreadsheet shows
    /// it, and the column's header.
    Cell {
        file: String,
        row: usize,
        column: Option<String>,
    },
    /// A line and column (1-based, in characters) of a text file feebook
    /// does not hold as a source, e.g. a template; with the line's text
    /// when it is known, to show it (see [`Place::in_text`]).
    Line {
        file: String,
        line: usize,
        column: Option<usize>,
        excerpt: Option<Excerpt>,
    },
    /// A whole file or folder.
    File(String),
    /// Nowhere in particular (a problem with the command line, say).
    Nowhere,
}

/// The line a [`Place::Line`] is on, shown under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Excerpt {
    /// The line's text, without its line break.
    pub text: String,
    /// How many characters from the place's column are marked (at least
    /// one is shown).
    pub width: usize,
}

impl Place {
    /// The place of the byte range `range` of `text`, a file shown as
    /// `file`: its line and column in characters, with the line's text. A
    /// range past the end of the text, or not on a character boundary, is
    /// brought within it.
    pub fn in_text(file: impl Into<String>, text: &str, range: std::ops::Range<usize>) -> Place {
        let source = crate::source::SourceFile::new(String::new(), text);
        let start = u32::try_from(range.start).unwrap_or(u32::MAX);
        let end = u32::try_from(range.end).unwrap_or(u32::MAX).max(start);
        let (line, column) = source.line_col(start);
        let (end_line, end_column) = source.line_col(end);
        let line_text = source.line_text(line);
        let width = if end_line == line {
            end_column.saturating_sub(column)
        } else {
            line_text.chars().count().saturating_sub(column - 1)
        };
        Place::Line {
            file: file.into(),
            line,
            column: Some(column),
            excerpt: Some(Excerpt {
                text: line_text.to_string(),
                width,
            }),
        }
    }
}

/// A place with a short label ("defined again here").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub place: Place,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable, kebab-case: `unknown-reference`, `duplicate-id`, …
    pub code: &'static str,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub hints: Vec<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            primary: Label {
                place: Place::Nowhere,
                text: String::new(),
            },
            secondary: Vec::new(),
            hints: Vec::new(),
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// The primary place, with a short label under the caret.
    pub fn at(mut self, loc: Loc, label: impl Into<String>) -> Diagnostic {
        self.primary = Label {
            place: Place::Span(loc),
            text: label.into(),
        };
        self
    }

    pub fn at_place(mut self, place: Place, label: impl Into<String>) -> Diagnostic {
        self.primary = Label {
            place,
            text: label.into(),
        };
        self
    }

    pub fn also(mut self, loc: Loc, label: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label {
            place: Place::Span(loc),
            text: label.into(),
        });
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hints.push(hint.into());
        self
    }

    pub fn hint_opt(self, hint: Option<String>) -> Diagnostic {
        match hint {
            Some(h) => self.hint(h),
            None => self,
        }
    }

    /// Whether this is a problem reading a YAML file (as opposed to a
    /// problem with what the file says).
    pub fn code_is_yaml(&self) -> bool {
        matches!(
            self.code,
            "yaml-syntax"
                | "unknown-field"
                | "missing-field"
                | "duplicate-key"
                | "unknown-value"
                | "invalid-value"
        )
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders for a person: header, `--> file:line:col`, snippet, hints.
    pub fn render(&self, sources: &Sources) -> String {
        let mut out = String::new();
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = writeln!(out, "{sev}[{}]: {}", self.code, self.message);
        render_label(&mut out, sources, &self.primary, '^');
        for label in &self.secondary {
            render_label(&mut out, sources, label, '-');
        }
        for hint in &self.hints {
            let mut lines = hint.lines();
            if let Some(first) = lines.next() {
                let _ = writeln!(out, "  = help: {first}");
            }
            for line in lines {
                let _ = writeln!(out, "          {line}");
            }
        }
        out
    }

    /// The machine-readable form (`--format json`).
    pub fn to_json(&self, sources: &Sources) -> JsonDiagnostic {
        let (file, line, column, end_line, end_column) = match &self.primary.place {
            Place::Span(loc) => {
                let start = sources.position(*loc);
                let end = sources
                    .get(loc.file)
                    .map(|f| f.line_col(loc.end))
                    .unwrap_or((0, 0));
                (
                    Some(start.file),
                    Some(start.line),
                    Some(start.column),
                    Some(end.0),
                    Some(end.1),
                )
            }
            Place::Cell { file, row, .. } => (Some(file.clone()), Some(*row), None, None, None),
            Place::Line {
                file,
                line,
                column,
                excerpt,
            } => {
                let end = match (column, excerpt) {
                    (Some(c), Some(e)) => Some(c + e.width.max(1)),
                    _ => None,
                };
                (
                    Some(file.clone()),
                    Some(*line),
                    *column,
                    end.map(|_| *line),
                    end,
                )
            }
            Place::File(f) => (Some(f.clone()), None, None, None, None),
            Place::Nowhere => (None, None, None, None, None),
        };
        let column_name = match &self.primary.place {
            Place::Cell { column, .. } => column.clone(),
            _ => None,
        };
        JsonDiagnostic {
            severity: self.severity,
            code: self.code,
            message: self.message.clone(),
            file,
            line,
            column,
            end_line,
            end_column,
            column_name,
            label: (!self.primary.text.is_empty()).then(|| self.primary.text.clone()),
            related: self
                .secondary
                .iter()
                .map(|l| match &l.place {
                    Place::Span(loc) => {
                        let p = sources.position(*loc);
                        JsonRelated {
                            file: Some(p.file),
                            line: Some(p.line),
                            column: Some(p.column),
                            message: l.text.clone(),
                        }
                    }
                    Place::Cell { file, row, .. } => JsonRelated {
                        file: Some(file.clone()),
                        line: Some(*row),
                        column: None,
                        message: l.text.clone(),
                    },
                    Place::Line {
                        file, line, column, ..
                    } => JsonRelated {
                        file: Some(file.clone()),
                        line: Some(*line),
                        column: *column,
                        message: l.text.clone(),
                    },
                    Place::File(f) => JsonRelated {
                        file: Some(f.clone()),
                        line: None,
                        column: None,
                        message: l.text.clone(),
                    },
                    Place::Nowhere => JsonRelated {
                        file: None,
                        line: None,
                        column: None,
                        message: l.text.clone(),
                    },
                })
                .collect(),
            hints: self.hints.clone(),
        }
    }
}

/// A diagnostic as JSON: positions resolved, 1-based lines, character columns.
#[derive(Clone, Debug, Serialize)]
pub struct JsonDiagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    /// For tabular inputs: the header of the column at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column_name: Option<String>,
    pub label: Option<String>,
    pub related: Vec<JsonRelated>,
    pub hints: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct JsonRelated {
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

fn render_label(out: &mut String, sources: &Sources, label: &Label, mark: char) {
    match &label.place {
        Place::Span(loc) => render_snippet(out, sources, *loc, &label.text, mark),
        Place::Cell { file, row, column } => {
            let col = column
                .as_deref()
                .map(|c| format!(", column {c}"))
                .unwrap_or_default();
            let text = if label.text.is_empty() {
                String::new()
            } else {
                format!(": {}", label.text)
            };
            let _ = writeln!(out, "  --> {file}, row {row}{col}{text}");
        }
        Place::Line {
            file,
            line,
            column: Some(column),
            excerpt: Some(excerpt),
        } => render_excerpt(
            out,
            file,
            *line,
            *column,
            &excerpt.text,
            excerpt.width,
            &label.text,
            mark,
        ),
        Place::Line {
            file, line, column, ..
        } => {
            let col = column.map(|c| format!(":{c}")).unwrap_or_default();
            let text = if label.text.is_empty() {
                String::new()
            } else {
                format!(": {}", label.text)
            };
            let _ = writeln!(out, "  --> {file}:{line}{col}{text}");
        }
        Place::File(f) => {
            let text = if label.text.is_empty() {
                String::new()
            } else {
                format!(": {}", label.text)
            };
            let _ = writeln!(out, "  --> {f}{text}");
        }
        Place::Nowhere => {}
    }
}

fn render_snippet(out: &mut String, sources: &Sources, loc: Loc, label: &str, mark: char) {
    let Some(file) = sources.get(loc.file) else {
        return;
    };
    let (line, col) = file.line_col(loc.start);
    let (end_line, end_col) = file.line_col(loc.end);
    let text = file.line_text(line);
    let width = if end_line == line {
        end_col.saturating_sub(col)
    } else {
        text.chars().count().saturating_sub(col - 1)
    };
    render_excerpt(out, &file.name, line, col, text, width, label, mark);
}

/// `--> file:line:col`, the line, and `width` marks under its characters
/// from column `col`, aligned under wide characters.
#[allow(clippy::too_many_arguments)]
fn render_excerpt(
    out: &mut String,
    name: &str,
    line: usize,
    col: usize,
    text: &str,
    width: usize,
    label: &str,
    mark: char,
) {
    // A line is shown as the terminal will print it: a control character
    // from the file (an escape sequence) would act on the terminal, so it is
    // shown as U+FFFD; a very long line (a minified file, a pasted blob) is
    // cut to a window around the place, so the mistake stays on screen.
    const LONG: usize = 160;
    const AROUND: usize = 60;
    let chars: Vec<char> = text
        .chars()
        .map(|c| match c {
            '\t' => ' ',
            c if crate::text::is_control(c) => '\u{fffd}',
            c => c,
        })
        .collect();
    let at = col.saturating_sub(1).min(chars.len());
    let (from, to) = if chars.len() > LONG {
        let from = at.saturating_sub(AROUND);
        (from, (at + width.min(AROUND) + AROUND).min(chars.len()))
    } else {
        (0, chars.len())
    };
    let cut_left = if from > 0 { "…" } else { "" };
    let cut_right = if to < chars.len() { "…" } else { "" };
    let gutter = line.to_string().len();
    let pad = " ".repeat(gutter);
    let _ = writeln!(out, "{pad}--> {name}:{line}:{col}");
    let _ = writeln!(out, "{pad} |");
    let shown: String = chars[from..to].iter().collect();
    let _ = writeln!(out, "{line} | {cut_left}{shown}{cut_right}");
    let before: String = cut_left
        .chars()
        .chain(chars[from..at].iter().copied())
        .collect();
    let covered: String = chars[at..to].iter().take(width).collect();
    let indent = UnicodeWidthStr::width(before.as_str());
    let width = UnicodeWidthStr::width(covered.as_str()).max(1);
    let marks: String = std::iter::repeat_n(mark, width).collect();
    let label = if label.is_empty() {
        String::new()
    } else {
        format!(" {label}")
    };
    let _ = writeln!(out, "{pad} | {}{marks}{label}", " ".repeat(indent));
}

/// Renders a list of diagnostics and a one-line summary.
pub fn render_all(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&d.render(sources));
        out.push('\n');
    }
    out
}

/// "2 errors, 1 warning"
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// Closest candidates to a misspelt name, for "did you mean" hints.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    // `[engineering，cleaning]`: a full-width or an enumeration comma (、)
    // separates nothing in YAML, and the list has one item of both names.
    let parts: Vec<&str> = name
        .split(['，', '、', '；'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() > 1 && parts.iter().all(|p| candidates.contains(p)) {
        return Some(format!(
            "`，` and `、` do not separate items in YAML: write `[{}]`, with ASCII commas",
            parts.join(", ")
        ));
    }
    match closest(name, candidates).as_slice() {
        [] => None,
        [one] => Some(format!("did you mean `{one}`?")),
        [a, b, ..] => Some(format!("did you mean `{a}` or `{b}`?")),
    }
}

/// The candidates close to a misspelt name, closest first (what
/// [`did_you_mean`] offers).
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    // Close by edit distance, or one containing the other (`cleaning` for
    // `indoor-cleaning`), which is how ids are usually half-remembered.
    let mut best: Vec<(usize, &str)> = candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|&(d, c)| {
            d <= (c.chars().count().max(name.chars().count()) / 3).max(1)
                || (name.chars().count() >= 3 && (c.contains(name) || name.contains(c)))
        })
        .collect();
    best.sort();
    best.dedup_by(|a, b| a.1 == b.1);
    best.into_iter().map(|(_, c)| c).collect()
}

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    /// A line of 200,000 characters is shown as a window around the place;
    /// an escape character in it is shown, not sent to the terminal.
    #[test]
    fn a_long_line_is_cut_around_the_place_and_controls_are_not_printed() {
        let mut sources = Sources::new();
        let text = format!("k: [{}x\u{1b}[31m]\n", "1, ".repeat(66_000));
        let id = sources.add(SourceFile::new("big.yaml", text.as_str()));
        let start = text.find('x').unwrap() as u32;
        let d = Diagnostic::error("invalid-value", "not a number")
            .at(Loc::new(id, start, start + 1), "here");
        let r = d.render(&sources);
        assert!(r.len() < 600, "{} bytes", r.len());
        assert!(!r.contains('\u{1b}'), "{r}");
        let lines: Vec<&str> = r.lines().collect();
        assert!(
            lines[3].starts_with("1 | …1, 1,") && lines[3].ends_with("x\u{fffd}[31m]"),
            "{r}"
        );
        // The caret is under the x.
        let x = lines[3].chars().position(|c| c == 'x').unwrap();
        assert_eq!(lines[4].chars().position(|c| c == '^'), Some(x), "{r}");
    }

    #[test]
    fn snippet_aligns_carets_under_wide_characters() {
        let mut sources = Sources::new();
        let text = "items:\n  - {name: 室内清洁, department: cleanning}\n";
        let id = sources.add(SourceFile::new("rules/catalog.yaml", text));
        let start = text.find("cleanning").unwrap() as u32;
        let d = Diagnostic::error("unknown-reference", "unknown department `cleanning`")
            .at(Loc::new(id, start, start + 9), "not a department")
            .hint("did you mean `cleaning`?");
        let r = d.render(&sources);
        assert_eq!(
            r,
            "error[unknown-reference]: unknown department `cleanning`\n \
             --> rules/catalog.yaml:2:30\n  |\n\
             2 |   - {name: 室内清洁, department: cleanning}\n  \
             |                                  ^^^^^^^^^ not a department\n  \
             = help: did you mean `cleaning`?\n"
        );
        let j = d.to_json(&sources);
        assert_eq!(
            (j.line, j.column, j.end_column),
            (Some(2), Some(30), Some(39))
        );
    }

    #[test]
    fn did_you_mean_finds_close_names() {
        let c = ["cleaning", "engineering", "greening"];
        assert_eq!(
            did_you_mean("cleanning", c).as_deref(),
            Some("did you mean `cleaning`?")
        );
        assert_eq!(did_you_mean("finance", c), None);
        assert_eq!(edit_distance("税率", "税费"), 1);
        // Two names run together by a comma YAML does not read as one.
        for typed in ["engineering，cleaning", "engineering、 cleaning"] {
            assert_eq!(
                did_you_mean(typed, c).as_deref(),
                Some(
                    "`，` and `、` do not separate items in YAML: write `[engineering, cleaning]`, with ASCII commas"
                ),
                "{typed}"
            );
        }
    }
}
