//! HTML and Markdown renderings of the documents, through minijinja.
//!
//! Every document kind has one template per format: `templates/html/KIND.html`
//! and `templates/md/KIND.md`, sharing `base.html` / `base.md` through template
//! inheritance. They are compiled into the binary ([`HtmlTemplates::embedded`]);
//! an administrator may replace any of them with a same-named file in
//! `DIR/html/` or `DIR/md/` ([`HtmlTemplates::with_overrides`]), beside
//! partials of their own that those include, import or extend. A template
//! that does not parse is reported at its file and line; a block left open
//! (`{% if %}` without `{% endif %}`) where it opens, not where minijinja
//! noticed (see `syntax_diagnostic`).
//!
//! Templates receive the document's data (the structures of
//! [`model`](super::model) serialised to JSON) as `data`, and nothing else: no
//! clock, no random ids, so the same data always gives the same bytes.
//!
//! The environment is strict, so template mistakes are errors rather than blank
//! spaces in a customer's document:
//! - a misspelt field (`data.custmer`) is an error naming the template and line;
//! - printing a `null` (an optional field that is not set) is an error too:
//!   templates write `{{ data.contact or "—" }}` or `{% if data.contact %}`.
//!
//! `.html` templates are auto-escaped (customer names may contain `<`); so
//! are `.md` templates, for Markdown: `<` and `&` as entities, which every
//! Markdown renderer shows as the characters, so that a name cannot become
//! an HTML element in a viewer. Table cell values go through the `cell`
//! filter, which escapes `|` and folds line breaks.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior};

use crate::diagnostic::{Diagnostic, Label, Place};

/// The document kinds that have templates.
pub const KINDS: [&str; 6] = [
    "notice",
    "quote",
    "work_order",
    "billing_notice",
    "receipt",
    "register",
];

/// `(name, source)` of each listed file under `templates/DIR/`.
macro_rules! embed {
    ($($dir:literal: [$($name:literal),* $(,)?]),* $(,)?) => {
        &[$($(($name, include_str!(concat!("../../templates/", $dir, "/", $name))),)*)*]
    };
}

/// Every embedded template: (name, source). Names are what error messages show
/// and what override files must be called (`html/quote.html` → `quote.html`).
const EMBEDDED: &[(&str, &str)] = embed! {
    "html": [
        "base.html",
        "notice.html",
        "quote.html",
        "work_order.html",
        "billing_notice.html",
        "receipt.html",
        "register.html",
    ],
    "md": [
        "base.md",
        "notice.md",
        "quote.md",
        "work_order.md",
        "billing_notice.md",
        "receipt.md",
        "register.md",
    ],
};

/// The names of the embedded templates with the extension `ext` (`html`,
/// `md`): the names a file of `--templates DIR/html/` (`md/`) replaces.
pub fn template_names(ext: &str) -> Vec<&'static str> {
    EMBEDDED
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| n.strip_suffix(ext).is_some_and(|s| s.ends_with('.')))
        .collect()
}

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Html,
    Md,
}

impl Format {
    /// File extension of this format's templates and output: `html` / `md`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Md => "md",
        }
    }
}

/// A template could not be rendered: its name, the line (when known) and what
/// went wrong. Displays as ``quote.html:12: undefined value `data.foo` ``.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderError {
    /// The template the error is in (`quote.html`, or `base.html` when the
    /// shared layout failed).
    pub template: String,
    pub line: Option<usize>,
    pub message: String,
    /// The bytes of the template's source the error is about, when known.
    pub range: Option<Range<usize>>,
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.template, line, self.message),
            None => write!(f, "{}: {}", self.template, self.message),
        }
    }
}

impl std::error::Error for RenderError {}

/// The HTML and Markdown templates, compiled and ready. Build once, render many
/// times (rendering takes `&self`; the type is `Send + Sync`).
pub struct HtmlTemplates {
    env: Environment<'static>,
    /// The templates read from a `--templates` folder (known names and
    /// partials), by name, with the file each came from.
    files: BTreeMap<String, PathBuf>,
}

impl fmt::Debug for HtmlTemplates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.env.templates().map(|(n, _)| n).collect();
        f.debug_struct("HtmlTemplates")
            .field("templates", &names)
            .finish()
    }
}

impl HtmlTemplates {
    /// The templates compiled into the binary.
    pub fn embedded() -> HtmlTemplates {
        let mut env = environment();
        for (name, source) in EMBEDDED {
            if let Err(e) = env.add_template(name, source) {
                // A broken embedded template is a build defect; the tests parse them all.
                panic!("embedded template {name} does not parse: {}", describe(&e));
            }
        }
        HtmlTemplates {
            env,
            files: BTreeMap::new(),
        }
    }

    /// The embedded templates, with every `.html` file directly in `dir/html/`
    /// and `.md` file directly in `dir/md/`: one named like an embedded
    /// template replaces it, any other is a partial the templates may
    /// include, import or extend (`{% include "footer.html" %}`). Missing
    /// subfolders mean no overrides for that format; dot-files are skipped.
    /// Whether every file read is used is [`HtmlTemplates::unused`]'s
    /// business, and the caller's (`documents::overrides`).
    ///
    /// Errors: a template that does not parse or is not UTF-8 (code
    /// `template`, at its file and line, a problem in the user's content),
    /// or a folder or file that cannot be read (code `templates`).
    pub fn with_overrides(dir: &Path) -> Result<HtmlTemplates, Vec<Diagnostic>> {
        if !dir.is_dir() {
            return Err(vec![
                io_error(dir, "the templates folder does not exist".to_string())
                    .hint("give a folder with typst/, html/ or md/ subfolders"),
            ]);
        }
        let root = dir
            .canonicalize()
            .map_err(|e| vec![io_error(dir, format!("cannot read the folder: {e}"))])?;
        // Subdirectory and file extension are the same word: html/*.html, md/*.md.
        let mut files: BTreeMap<String, (PathBuf, String)> = BTreeMap::new();
        let mut problems = Vec::new();
        for ext in ["html", "md"] {
            let subdir = dir.join(ext);
            if !subdir.is_dir() {
                continue;
            }
            leads_inside(&root, &subdir, "folder").map_err(|d| vec![d])?;
            let mut paths = Vec::new();
            let entries = std::fs::read_dir(&subdir)
                .map_err(|e| vec![io_error(&subdir, format!("cannot read the folder: {e}"))])?;
            for entry in entries {
                let entry = entry
                    .map_err(|e| vec![io_error(&subdir, format!("cannot read the folder: {e}"))])?;
                paths.push(entry.path());
            }
            paths.sort();
            for path in paths {
                let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                if file_name.starts_with('.') {
                    continue;
                }
                // Any link, even one to a folder that is never read: a
                // template reads only the templates folder, as Typst's do.
                leads_inside(&root, &path, if path.is_dir() { "folder" } else { "file" })
                    .map_err(|d| vec![d])?;
                if path.extension().and_then(|e| e.to_str()) != Some(ext) || path.is_dir() {
                    continue;
                }
                let bytes = std::fs::read(&path)
                    .map_err(|e| vec![io_error(&path, format!("cannot read the template: {e}"))])?;
                match String::from_utf8(bytes) {
                    Ok(text) => {
                        files.insert(file_name.to_string(), (path, text));
                    }
                    Err(e) => problems.push(
                        Diagnostic::error(
                            "template",
                            format!(
                                "template error: the template is not UTF-8 (invalid byte at offset {})",
                                e.utf8_error().valid_up_to()
                            ),
                        )
                        .at_place(Place::File(path.display().to_string()), "")
                        .hint("save it as UTF-8"),
                    ),
                }
            }
        }

        let mut env = environment();
        for (name, embedded) in EMBEDDED {
            if !files.contains_key(*name) {
                // Parsed in the tests: cannot fail.
                let _ = env.add_template(name, embedded);
            }
        }
        let mut paths = BTreeMap::new();
        for (name, (path, text)) in files {
            if let Err(e) = env.add_template_owned(name.clone(), text.clone()) {
                problems.push(syntax_diagnostic(&path.display().to_string(), &text, &e));
            }
            problems.extend(paths_out_of_folder(&path, &text));
            paths.insert(name, path);
        }
        if problems.is_empty() {
            Ok(HtmlTemplates { env, files: paths })
        } else {
            Err(problems)
        }
    }

    /// The files read from the templates folder that no document's template
    /// reaches: not one of the embedded names, and not included, imported
    /// or extended (by a literal name) by a template that is reached.
    pub fn unused(&self) -> Vec<&Path> {
        let mut reached: BTreeSet<String> = BTreeSet::new();
        let mut queue: Vec<String> = EMBEDDED.iter().map(|(n, _)| n.to_string()).collect();
        while let Some(name) = queue.pop() {
            if !reached.insert(name.clone()) {
                continue;
            }
            let Ok(template) = self.env.get_template(&name) else {
                continue;
            };
            queue.extend(references(template.source()));
        }
        self.files
            .iter()
            .filter(|(name, _)| !reached.contains(*name))
            .map(|(_, path)| path.as_path())
            .collect()
    }

    /// Renders document `kind` (one of [`KINDS`]) from its data, the serialised
    /// document model (`{"header": {...}, ...}`).
    pub fn render(
        &self,
        kind: &str,
        format: Format,
        data: &serde_json::Value,
    ) -> Result<String, RenderError> {
        let name = format!("{kind}.{}", format.extension());
        if !KINDS.contains(&kind) {
            return Err(RenderError {
                template: name,
                line: None,
                message: format!(
                    "unknown document kind `{kind}`; expected one of: {}",
                    KINDS.join(", ")
                ),
                range: None,
            });
        }
        // The budget is the data's: an environment is a handful of shared
        // pointers, cheap to copy for one render.
        let mut env = self.env.clone();
        env.set_fuel(Some(fuel_for(data)));
        let template = env
            .get_template(&name)
            .map_err(|e| render_error(&name, &e))?;
        let ctx = minijinja::context! { data => minijinja::value::Serde(data) };
        let out = template.render(ctx).map_err(|e| render_error(&name, &e))?;
        Ok(tidy(&out))
    }

    /// A rendering error as a diagnostic, at the line of the template it is
    /// in: the file of the templates folder, or the built-in template
    /// (`templates/html/quote.html`).
    pub fn diagnostic(&self, e: &RenderError) -> Diagnostic {
        let path = self.shown_path(&e.template);
        let source = self
            .env
            .get_template(&e.template)
            .ok()
            .map(|t| t.source().to_string());
        let place = match (&e.range, &source, e.line) {
            (Some(range), Some(text), _) => Place::in_text(path.clone(), text, range.clone()),
            (_, _, Some(line)) => Place::Line {
                file: path.clone(),
                line,
                column: None,
                excerpt: None,
            },
            _ => Place::File(path.clone()),
        };
        let hint = if self.files.contains_key(&e.template) {
            format!("fix {path}, your template from --templates")
        } else {
            format!(
                "the built-in template {path} expects the data feebook gives it; \
                 a template of your own that it includes or extends may differ"
            )
        };
        Diagnostic::error("template", format!("template error: {}", e.message))
            .at_place(place, "")
            .hint(hint)
    }

    /// The file a template comes from, as shown in messages.
    fn shown_path(&self, name: &str) -> String {
        match self.files.get(name) {
            Some(path) => path.display().to_string(),
            None => {
                let sub = if name.ends_with(".md") { "md" } else { "html" };
                format!("templates/{sub}/{name}")
            }
        }
    }
}

/// How many values a document's data holds (every scalar, list and map).
fn values(data: &serde_json::Value) -> u64 {
    match data {
        serde_json::Value::Array(a) => 1 + a.iter().map(values).sum::<u64>(),
        serde_json::Value::Object(o) => 1 + o.values().map(values).sum::<u64>(),
        _ => 1,
    }
}

/// What one render may spend, in minijinja's fuel (an instruction, or an
/// item a filter goes through, costs about one; so does each value a
/// template makes). Measured on the built-in templates: a register or a
/// notice of many orders spends ≈ 4 a value of its data, a short document
/// up to ≈ 27 (1,333 for a work order). A template of one's own gets 100 a
/// value and a floor of a million: a loop that does not end (`range` in
/// `range`) is then an error at its line within a second or so, not a run
/// that hangs or fills the memory.
fn fuel_for(data: &serde_json::Value) -> u64 {
    1_000_000 + 100 * values(data)
}

/// The environment every template set shares: strict, escaping by extension,
/// tidy whitespace, and the `cell` filter.
fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Keep the template source in errors (release builds too) for line numbers.
    env.set_debug(true);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else if name.ends_with(".md") {
            AutoEscape::Custom(MARKDOWN.into())
        } else {
            AutoEscape::None
        }
    });
    let mut syntax = minijinja::syntax::SyntaxConfig::builder();
    syntax
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true);
    env.set_syntax(syntax.build().expect("default delimiters are valid"));
    env.set_formatter(|out, state, value| {
        if value.is_none() {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                "cannot print null (an optional field that is not set); \
                 write `x or \"—\"` or test it with `{% if x %}`",
            ));
        }
        if matches!(state.auto_escape(), AutoEscape::Custom(n) if n == MARKDOWN) && !value.is_safe()
        {
            out.write_str(&markdown_escape(&value.to_string()))?;
            return Ok(());
        }
        minijinja::escape_formatter(out, state, value)
    });
    env.add_filter("cell", cell);
    env.add_filter("code", code);
    env
}

/// The auto-escape of `.md` templates.
const MARKDOWN: &str = "markdown";

/// Text as Markdown shows it literally: `<` and `&` as entities (no HTML
/// element can come of a name), a backslash before every character that
/// could start emphasis, code, a link or strike-through, or end a table
/// cell (`*`, `_`, `` ` ``, `[`, `]`, `~`, `|`, `\`), and before `#`, `>`,
/// `-`, `+` at the start of a line, where they would make a heading, a
/// quote or a list.
fn markdown_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut line_start = true;
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '&' => out.push_str("&amp;"),
            '*' | '_' | '`' | '[' | ']' | '~' | '|' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '#' | '>' | '-' | '+' if line_start => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
        // Leading spaces keep a line's start (`  - x` is a list item too).
        line_start = c == '\n' || (line_start && c == ' ');
    }
    out
}

/// Markdown table cell: escaped as every value is (see [`markdown_escape`]),
/// line breaks folded into spaces, `null` as an empty cell.
fn cell(value: Value) -> Result<Value, Error> {
    if value.is_undefined() {
        return Err(Error::new(
            ErrorKind::UndefinedError,
            "`cell` got an undefined value",
        ));
    }
    if value.is_none() {
        return Ok(Value::from(""));
    }
    let text = value.to_string();
    let mut out = String::with_capacity(text.len());
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .peekable();
    while let Some(line) = lines.next() {
        out.push_str(line);
        if lines.peek().is_some() {
            out.push(' ');
        }
    }
    // Escaped as every value is (`|` included), then printed as it is:
    // a table cell must not be escaped twice.
    Ok(Value::from_safe_string(markdown_escape(&out)))
}

/// Markdown code span of a value, backticks included: `` `a_b` ``, inside
/// which Markdown shows every character as it is (no backslash escapes
/// work there, so [`markdown_escape`] would show its backslashes). A value
/// holding backticks gets a longer fence; `|` is escaped for a table cell
/// (GFM reads that escape inside code too); line breaks are folded.
fn code(value: Value) -> Result<Value, Error> {
    if value.is_undefined() || value.is_none() {
        return Err(Error::new(
            ErrorKind::UndefinedError,
            "`code` got an undefined or null value",
        ));
    }
    let text = value.to_string();
    let text = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|");
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    // A space inside the fence when the text starts or ends with a backtick.
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    Ok(Value::from_safe_string(format!(
        "{fence}{pad}{text}{pad}{fence}"
    )))
}

/// Output clean-up that no template should have to care about: no trailing
/// spaces or tabs, no runs of blank lines, exactly one final newline.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    let mut blank_run = 0;
    for line in text.lines() {
        let line = line.trim_end_matches([' ', '\t']);
        if line.is_empty() {
            blank_run += 1;
            if blank_run > 1 || out.is_empty() {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// Refuses `path` (a `what`: "file" or "folder" of the templates folder)
/// when it is a symbolic link that leads out of `root`, the templates
/// folder (canonical): a template would print a file of the machine
/// (`md/foot.md` → `/etc/hostname`). A relative target (`../../x`) is
/// judged where it resolves.
fn leads_inside(root: &Path, path: &Path, what: &str) -> Result<(), Diagnostic> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return Ok(());
    }
    // A link to nothing leads nowhere: reading it fails, or it is
    // reported as a file nothing uses.
    let Ok(target) = path.canonicalize() else {
        return Ok(());
    };
    if target.starts_with(root) {
        return Ok(());
    }
    Err(Diagnostic::error(
        "templates",
        format!(
            "{} is a link to a {what} outside the templates folder ({}); copy the {what} in instead",
            path.display(),
            target.display()
        ),
    )
    .at_place(Place::File(path.display().to_string()), ""))
}

/// A folder or file of the templates folder that cannot be read: a usage
/// or I/O problem, not one in a template.
fn io_error(path: &Path, message: String) -> Diagnostic {
    Diagnostic::error("templates", format!("{}: {message}", path.display()))
        .at_place(Place::File(path.display().to_string()), "")
}

/// The error's message without minijinja's "(in file:line)" suffix, which
/// [`RenderError`] and the diagnostics carry separately.
fn describe(e: &Error) -> String {
    let kind = e.kind().to_string();
    let mut message = match e.detail() {
        Some(detail) => {
            // "`data.foo` is undefined" → "undefined value `data.foo`"
            if e.kind() == ErrorKind::UndefinedError
                && let Some(expr) = detail.strip_suffix(" is undefined")
            {
                format!("{kind} {expr}")
            } else {
                format!("{kind}: {detail}")
            }
        }
        None => kind,
    };
    if e.kind() == ErrorKind::OutOfFuel {
        message = "the template does too much work for its data (a loop that does not end, or a `range` in a `range`?); feebook stops it".into();
    }
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        message.push_str(&format!(" (caused by: {cause})"));
        source = cause.source();
    }
    message
}

fn render_error(name: &str, e: &Error) -> RenderError {
    RenderError {
        template: e.name().unwrap_or(name).to_string(),
        line: e.line(),
        message: describe(e),
        range: e.range(),
    }
}

/// A template that does not parse, at the place to fix. minijinja reports a
/// block left open (`{% if %}` without its `{% endif %}`) where it noticed,
/// at the end tag of the enclosing block or at the end of the file; this
/// points at the tag left open instead, with the one that came first.
fn syntax_diagnostic(file: &str, source: &str, e: &Error) -> Diagnostic {
    let range = e.range().unwrap_or(0..0);
    // What minijinja says of a block still open when the file ends.
    let at_end = e.detail() == Some("unexpected end of input, expected end of block");
    let diag = |message: String, tag: &Tag, label: String| {
        Diagnostic::error("template", format!("template error: {message}"))
            .at_place(Place::in_text(file, source, tag.range.clone()), label)
    };
    let line_of = |tag: &Tag| source[..tag.range.start].matches('\n').count() + 1;
    match nesting(source) {
        Some(Nesting::Unclosed {
            open,
            by: Some((close, closes)),
        }) if close.range.contains(&range.start) => {
            let mut d = diag(
                format!(
                    "`{{% {} %}}` is not closed: `{{% {} %}}` on line {} comes before its `{{% end{} %}}`",
                    open.keyword,
                    close.keyword,
                    line_of(&close),
                    open.keyword
                ),
                &open,
                format!("needs a `{{% end{} %}}`", open.keyword),
            );
            d.secondary.push(Label {
                place: Place::in_text(file, source, close.range.clone()),
                text: format!(
                    "ends the `{{% {} %}}` of line {}",
                    closes.keyword,
                    line_of(&closes)
                ),
            });
            d.hint(format!(
                "add `{{% end{} %}}` where the `{}` should end, before line {}",
                open.keyword,
                open.keyword,
                line_of(&close)
            ))
        }
        Some(Nesting::Unclosed { open, by: None }) if at_end => diag(
            format!("`{{% {} %}}` is never closed", open.keyword),
            &open,
            format!("needs a `{{% end{} %}}`", open.keyword),
        )
        .hint(format!(
            "add `{{% end{} %}}` where the `{}` should end",
            open.keyword, open.keyword
        )),
        Some(Nesting::Stray { tag, open }) if tag.range.contains(&range.start) => {
            let what = match tag.keyword.strip_prefix("end") {
                Some(opener) => format!(
                    "`{{% {} %}}` closes nothing: no `{{% {opener} %}}` is open here",
                    tag.keyword
                ),
                None => format!(
                    "`{{% {} %}}` is outside any `{{% if %}}`{}",
                    tag.keyword,
                    if tag.keyword == "else" {
                        " or `{% for %}`"
                    } else {
                        ""
                    }
                ),
            };
            let label = if tag.keyword.starts_with("end") {
                "nothing to close here"
            } else {
                "not inside a block it belongs to"
            };
            let d = diag(what, &tag, label.to_string());
            match open.filter(|_| tag.keyword.starts_with("end")) {
                Some(open) => d.hint(format!(
                    "the innermost open tag is `{{% {} %}}` on line {}: did you mean `{{% end{} %}}`?",
                    open.keyword,
                    line_of(&open),
                    open.keyword
                )),
                None => d.hint("remove it, or add the tag it belongs to"),
            }
        }
        _ => Diagnostic::error("template", format!("template error: {}", describe(e)))
            .at_place(Place::in_text(file, source, range), "")
            .hint("the template language is minijinja's: https://docs.rs/minijinja/latest/minijinja/syntax/"),
    }
}

/// A `{% … %}` tag of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Tag<'a> {
    /// Its first word: `if`, `endfor`, `include`, …
    keyword: &'a str,
    /// What is between `{%` and `%}`, without whitespace-control marks.
    body: &'a str,
    /// The whole tag, `{%` to `%}`, in bytes.
    range: Range<usize>,
}

/// The `{% … %}` tags of a template, in order; comments, `{{ … }}` and
/// `{% raw %}` blocks are skipped, and strings inside tags are read as
/// strings (`{% if x == "%}" %}` is one tag). With whether the whole text
/// was read: a tag, comment or `{{` left open at the end stops it.
fn tags(source: &str) -> (Vec<Tag<'_>>, bool) {
    let mut out = Vec::new();
    let mut i = 0;
    let mut raw = false;
    while let Some(rel) = source.get(i..).and_then(|s| s.find('{')) {
        let start = i + rel;
        let rest = &source[start..];
        if raw {
            // Only `{% endraw %}` ends it, strings or not.
            if let Some(inner) = rest.strip_prefix("{%")
                && let Some(len) = inner.find("%}")
                && inner[..len].trim_matches(['-', '+']).trim() == "endraw"
            {
                raw = false;
                i = start + 2 + len + 2;
            } else {
                i = start + 1;
            }
            continue;
        }
        if let Some(comment) = rest.strip_prefix("{#") {
            match comment.find("#}") {
                Some(len) => i = start + 2 + len + 2,
                None => return (out, false),
            }
        } else if rest.starts_with("{{") {
            match skip_to(source, start + 2, "}}") {
                Some(end) => i = end,
                None => return (out, false),
            }
        } else if rest.starts_with("{%") {
            let Some(end) = skip_to(source, start + 2, "%}") else {
                return (out, false);
            };
            let inner = &source[start + 2..end - 2];
            let inner = inner.strip_prefix(['-', '+']).unwrap_or(inner);
            let body = inner.strip_suffix(['-', '+']).unwrap_or(inner).trim();
            let keyword = body
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("");
            if keyword == "raw" {
                raw = true;
            }
            out.push(Tag {
                keyword,
                body,
                range: start..end,
            });
            i = end;
        } else {
            i = start + 1;
        }
    }
    (out, true)
}

/// The offset just past the first `delimiter` at or after `from` that is
/// not inside a quoted string.
fn skip_to(source: &str, from: usize, delimiter: &str) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = from;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(_) if b == b'\\' => i += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if bytes[i..].starts_with(delimiter.as_bytes()) => {
                return Some(i + delimiter.len());
            }
            None => {}
        }
        i += 1;
    }
    None
}

/// The quoted strings in a tag's body, unescaped.
fn strings(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '"' && c != '\'' {
            continue;
        }
        let mut s = String::new();
        while let Some(d) = chars.next() {
            match d {
                '\\' => s.extend(chars.next()),
                d if d == c => break,
                d => s.push(d),
            }
        }
        out.push(s);
    }
    out
}

/// The templates a template names in `extends`, `include`, `import` and
/// `from` tags, as literal strings (a name computed from data is not seen).
pub fn references(source: &str) -> Vec<String> {
    tags(source)
        .0
        .iter()
        .filter(|t| matches!(t.keyword, "extends" | "include" | "import" | "from"))
        .flat_map(|t| strings(t.body))
        .collect()
}

/// The tags of `source` (the template at `path`) that name a template by a
/// path (`{% include "../secret.md" %}`, `"parts/foot.md"`): templates are
/// found by name in their own folder only, so such a name is never found,
/// and one leading out of the folder must not be.
fn paths_out_of_folder(path: &Path, source: &str) -> Vec<Diagnostic> {
    let folder = path
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = path.display().to_string();
    let mut out = Vec::new();
    for tag in tags(source).0 {
        if !matches!(tag.keyword, "extends" | "include" | "import" | "from") {
            continue;
        }
        for name in strings(tag.body) {
            if !name.contains(['/', '\\']) {
                continue;
            }
            let base = name.rsplit(['/', '\\']).next().unwrap_or("");
            out.push(
                Diagnostic::error(
                    "template",
                    format!(
                        "template error: `{name}` is a path; a template names the templates \
                         of its own folder {folder}/ by their file name alone"
                    ),
                )
                .at_place(
                    Place::in_text(file.as_str(), source, tag.range.clone()),
                    "not a file of this folder",
                )
                .hint(format!(
                    "copy the file into {folder}/ and name it `{base}`; \
                     no file outside the templates folder is read"
                )),
            );
        }
    }
    out
}

/// The tags that open a block closed by `end` + the keyword.
fn opens_block(tag: &Tag) -> bool {
    match tag.keyword {
        "if" | "for" | "block" | "macro" | "call" | "filter" | "with" | "autoescape" => true,
        // `{% set x %}…{% endset %}` captures; `{% set x = … %}` does not.
        "set" => !strings_removed(tag.body).contains('='),
        _ => false,
    }
}

/// A tag's body with its quoted strings taken out.
fn strings_removed(body: &str) -> String {
    let mut out = String::new();
    let mut quote = None;
    let mut escaped = false;
    for c in body.chars() {
        match quote {
            Some(_) if escaped => escaped = false,
            Some(_) if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None => out.push(c),
        }
    }
    out
}

/// How a template's block tags fail to nest, at the first place they do.
#[derive(Debug)]
enum Nesting<'a> {
    /// `open` (the innermost open tag) was not closed before `by`: the end
    /// tag of a block around it, with that block's opening tag; `None` when
    /// the file ended first.
    Unclosed {
        open: Tag<'a>,
        by: Option<(Tag<'a>, Tag<'a>)>,
    },
    /// An end tag, `else` or `elif` with no block of its kind open; `open`
    /// is the innermost open tag, if any.
    Stray { tag: Tag<'a>, open: Option<Tag<'a>> },
}

fn nesting(source: &str) -> Option<Nesting<'_>> {
    let mut stack: Vec<Tag> = Vec::new();
    let (tags, complete) = tags(source);
    for tag in tags {
        if opens_block(&tag) {
            stack.push(tag);
        } else if let Some(kind) = tag.keyword.strip_prefix("end") {
            match stack.iter().rposition(|t| t.keyword == kind) {
                Some(i) if i + 1 == stack.len() => {
                    stack.pop();
                }
                Some(i) => {
                    let outer = stack[i].clone();
                    return stack.pop().map(|open| Nesting::Unclosed {
                        open,
                        by: Some((tag, outer)),
                    });
                }
                None if kind.is_empty() => {}
                None => {
                    return Some(Nesting::Stray {
                        open: stack.pop(),
                        tag,
                    });
                }
            }
        } else if matches!(tag.keyword, "else" | "elif") {
            let fits = stack.last().is_some_and(|t| {
                t.keyword == "if" || (t.keyword == "for" && tag.keyword == "else")
            });
            if !fits {
                return Some(Nesting::Stray {
                    open: stack.pop(),
                    tag,
                });
            }
        }
    }
    // A block open at the end, when the end was reached (not a `{{` left
    // open, which minijinja reports).
    stack
        .pop()
        .filter(|_| complete)
        .map(|open| Nesting::Unclosed { open, by: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value as Json, json};

    // ------------------------------------------------------------ fixtures

    /// An amount as the model serialises it: "-1234.5" → {value, yuan: "-¥1,234.50", plain}.
    fn money(value: &str) -> Json {
        let (neg, digits) = match value.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", value),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, "00"));
        let mut grouped = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        let plain = format!("{neg}{grouped}.{frac:0<2}");
        json!({
            "value": value,
            "yuan": format!("{neg}¥{grouped}.{frac:0<2}"),
            "plain": plain,
        })
    }

    /// A date as the model serialises it: {iso, cn: "2026年1月5日"}.
    fn date(iso: &str) -> Json {
        let parts: Vec<u32> = iso.split('-').map(|p| p.parse().unwrap()).collect();
        json!({ "iso": iso, "cn": format!("{}年{}月{}日", parts[0], parts[1], parts[2]) })
    }

    fn header(
        kind: &str,
        title: &str,
        number: &str,
        on: &str,
        copies: &[&str],
        mark: Option<&str>,
        footer: Option<&str>,
    ) -> Json {
        json!({
            "kind": kind,
            "title": title,
            "number": number,
            "date": date(on),
            "org": {
                "name": "华庭物业管理有限公司滨江分公司",
                "short_name": "华庭物业滨江分公司",
                "address": "滨江市滨江路 88 号华庭大厦一层",
                "phone": "0571-8866 1200",
                "tax_id": null
            },
            "copies": copies,
            "mark": mark,
            "footer": footer,
        })
    }

    fn signed(
        role: &str,
        department: Option<&str>,
        action: &str,
        name: &str,
        on: &str,
        comment: Option<&str>,
    ) -> Json {
        json!({
            "role": role, "department": department, "action": action,
            "name": name, "date": date(on), "decision": "同意", "comment": comment
        })
    }

    fn unsigned(role: &str, department: Option<&str>, action: &str) -> Json {
        json!({
            "role": role, "department": department, "action": action,
            "name": null, "date": null, "decision": null, "comment": null
        })
    }

    fn notice() -> Json {
        json!({
            "header": header("notice", "特约服务项目及收费标准公告", "2026-01", "2026-11-27", &[], None,
                Some("服务人员不收取任何小费，请勿私下付款。")),
            "version": "2026-01",
            "effective_from": date("2026-01-01"),
            "items": [
                {
                    "no": 1, "name": "室内卫生清洁", "department": "保洁部", "unit": "平方米",
                    "price": "¥3.00 / 平方米", "minimum": "¥80.00 起", "tax": "含税（税率 6%）",
                    "long_term": true, "notes": "地面|门窗 清洁"
                },
                {
                    "no": 2, "name": "有偿维修", "department": "工程部", "unit": "工时",
                    "price": "按有偿维修计价", "minimum": null, "tax": "含税（税率 13%）",
                    "long_term": false, "notes": null
                }
            ],
            "approval": {
                "title": "特约服务项目及收费标准审批",
                "state": "approved",
                "summary": "已批准",
                "complete": true,
                "signatures": [
                    signed("财务部", None, "会同制定收费标准", "刘芳", "2025-12-08", None),
                    signed("公司领导", None, "审批", "周文华", "2025-12-15", Some("同意执行")),
                ]
            },
            "addressee": "各位业主、住户",
            "phone": "0571-8866 1200"
        })
    }

    fn quote() -> Json {
        json!({
            "header": header("quote", "特约维修价格确认单", "BJ2026-0099", "2026-11-16", &[], Some("待审批"), None),
            "customer": "孙晓明",
            "contact": null,
            "phone": "138 0571 2233",
            "address": "华庭大厦 12 层 1203 室",
            "description": "卫生间防水层修补",
            "responsible_department": "工程部",
            "involved_departments": ["工程部", "保洁部"],
            "planned_start": null,
            "labour": [{
                "title": "管道工", "staff": "2", "time": "6", "time_unit": "小时",
                "rate": money("45.00"), "override_reason": "夜间施工补贴", "amount": money("540.00")
            }],
            "materials": [{
                "name": "防水涂料", "spec": null, "unit": "桶", "quantity": "1",
                "unit_price": money("260.00"), "amount": money("260.00")
            }],
            "labour_total": money("540.00"),
            "materials_total": money("260.00"),
            "lines": [
                {
                    "id": "direct_cost", "label": "直接费用", "kind": "subtotal",
                    "formula": "labour_cost + material_cost",
                    "explained": "labour_cost + material_cost = 540.00 + 260.00 = 800.00",
                    "amount": money("800.00"), "value": "800.00"
                },
                {
                    "id": "area", "label": "面积", "kind": "info", "formula": "width × depth",
                    "explained": "2.5 × 2 = 5", "amount": null, "value": "5"
                },
                {
                    "id": "tax", "label": "税金", "kind": "tax", "formula": "direct_cost × tax_rate",
                    "explained": "direct_cost × tax_rate = 800.00 × 13% = 104.00",
                    "amount": money("104.00"), "value": "104.00"
                },
                {
                    "id": "total", "label": "合计", "kind": "total", "formula": "direct_cost + tax",
                    "explained": "direct_cost + tax = 800.00 + 104.00 = 904.00",
                    "amount": money("904.00"), "value": "904.00"
                }
            ],
            "net": money("800.00"),
            "tax": money("104.00"),
            "tax_name": "增值税（修理修配劳务）",
            "tax_rate": "13%",
            "total": money("904.00"),
            "total_upper": "玖佰零肆元整",
            "revisions": [{
                "revision": 1, "date": date("2026-11-18"), "reason": "空鼓面积扩大",
                "previous_total": money("850.00"), "total": money("904.00"),
                "difference": money("54.00"), "confirmed_by": null, "confirmed_on": null
            }],
            "awaiting_confirmation": true,
            "approval": {
                "title": "特约维修价格确认",
                "state": "pending",
                "summary": "待审批：待 分公司（项目部）经理 签字",
                "complete": false,
                "signatures": [
                    signed("部门负责人", Some("工程部"), "编制预算并签字", "李明", "2026-11-16", Some("按实测编制")),
                    unsigned("分公司（项目部）经理", None, "批准"),
                ]
            },
            "notes": "隐蔽工程另行报价。"
        })
    }

    fn work_order() -> Json {
        json!({
            "header": header("work_order", "特约服务/维修单", "WX202611-00009", "2026-11-24",
                &["第一联 存根", "第二联 客户"], Some("作废"), None),
            "customer": "滨江云帆科技有限公司",
            "address": "华庭大厦 8 层 802 室",
            "phone": null,
            "item": "有偿维修",
            "department": "工程部",
            "quantity": "1.5",
            "unit": "工时",
            "unit_price": null,
            "price_basis": "工时费 ¥90.00 + 上门费 ¥20.00",
            "minimum_applied": false,
            "amount": money("110.00"),
            "amount_upper": "壹佰壹拾元整",
            "tax_note": "含税，增值税（修理修配劳务） 13%",
            "settlement": "即时结算",
            "settlement_id": "immediate",
            "agreement": null,
            "service_date": date("2026-11-24"),
            "service_time": null,
            "request": null,
            "registered_by": "客服 陈静",
            "staff": null,
            "voided": true
        })
    }

    fn billing_notice() -> Json {
        json!({
            "header": header("billing_notice", "收费通知单", "TZ202612-0001", "2026-12-01",
                &["第一联 客户"], None, Some("请通过公司收费渠道交费。")),
            "customer": "孙晓明",
            "address": "华庭大厦 12 层 1203 室",
            "period": "2026年11月",
            "settlement": "月结",
            "lines": [
                {
                    "number": "WX202611-00001", "service_date": date("2026-11-20"), "item": "室内卫生清洁",
                    "quantity": "85", "unit": "平方米", "amount": money("255.00")
                },
                {
                    "number": "WX202611-00005", "service_date": date("2026-11-28"), "item": "洗衣服务",
                    "quantity": "4", "unit": "件", "amount": money("60.00")
                }
            ],
            "net": money("297.17"),
            "tax": money("17.83"),
            "total": money("315.00"),
            "total_upper": "叁佰壹拾伍元整",
            "due_date": date("2026-12-16"),
            "channels": [
                { "name": "财务部收费窗口", "detail": "工作日 8:30–17:00" },
                { "name": "银行转账", "detail": null }
            ],
            "voided": false
        })
    }

    fn receipt() -> Json {
        json!({
            "header": header("receipt", "收款收据", "SJ2026-000009", "2026-12-08",
                &["第一联 存根", "第二联 收据"], Some("作废"), None),
            "payer": "孙晓明",
            "lines": [
                { "description": "2026年11月特约服务费", "reference": "TZ202612-0001", "amount": money("315.00") }
            ],
            "amount": money("315.00"),
            "amount_upper": "叁佰壹拾伍元整",
            "method": "银行转账",
            "channel": "银行转账",
            "stamp": "已交费",
            "voided": true,
            "void_reason": "金额录入错误，已重开",
            "billing_notice": "TZ202612-0001",
            "cashier": "刘芳",
            "handler": null,
            "notes": "附言已注明通知单号"
        })
    }

    fn register() -> Json {
        let row = |number: &str,
                   customer: &str,
                   amount: &str,
                   settlement: &str,
                   done: Option<&str>,
                   signed: bool| {
            json!({
                "number": number, "customer": customer, "address": "华庭大厦 12 层 1203 室",
                "item": "室内卫生清洁", "quantity": "10", "unit": "平方米", "amount": money(amount),
                "settlement": settlement, "staff": if signed { json!("保洁员 马红") } else { Json::Null },
                "completed_on": done.map(date), "customer_signed": signed,
                "verified_by": if signed { json!("张丽") } else { Json::Null }
            })
        };
        json!({
            "header": header("register", "特约服务/维修登记表", "2026-11", "2026-12-01", &[], None, None),
            "period": "2026年11月",
            "groups": [
                {
                    "department": "保洁部",
                    "days": [
                        {
                            "date": date("2026-11-20"),
                            "rows": [
                                row("WX202611-00001", "孙晓明", "30.00", "月结", Some("2026-11-20"), true),
                                row("WX202611-00004", "李雷", "1230.00", "即时结算", Some("2026-11-20"), true),
                            ],
                            "count": 2, "total": money("1260.00")
                        },
                        {
                            "date": date("2026-11-28"),
                            "rows": [row("WX202611-00007", "韩梅梅", "30.00", "月结", None, false)],
                            "count": 1, "total": money("30.00")
                        }
                    ],
                    "count": 3, "total": money("1290.00")
                },
                {
                    "department": "工程部",
                    "days": [{
                        "date": date("2026-11-24"),
                        "rows": [row("WX202611-00002", "滨江云帆科技有限公司", "148.00", "即时结算", Some("2026-11-24"), true)],
                        "count": 1, "total": money("148.00")
                    }],
                    "count": 1, "total": money("148.00")
                }
            ],
            "count": 4,
            "total": money("1438.00"),
            "by_settlement": [
                ["月结", 2, money("60.00")],
                ["即时结算", 2, money("1378.00")]
            ]
        })
    }

    fn fixtures() -> Vec<(&'static str, Json)> {
        vec![
            ("notice", notice()),
            ("quote", quote()),
            ("work_order", work_order()),
            ("billing_notice", billing_notice()),
            ("receipt", receipt()),
            ("register", register()),
        ]
    }

    /// Snapshots are named `html__KIND.EXT.snap`, in `snapshots/` beside this file.
    fn snapshot_settings() -> insta::Settings {
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        settings
    }

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> TempDir {
            let dir =
                std::env::temp_dir().join(format!("feebook-html-{tag}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        fn write(&self, rel: &str, text: &str) {
            let path = self.0.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn render(kind: &str, format: Format, data: &Json) -> String {
        HtmlTemplates::embedded()
            .render(kind, format, data)
            .unwrap_or_else(|e| panic!("{kind}.{}: {e}", format.extension()))
    }

    /// 1-based line of the first line in embedded template `name` containing `needle`.
    fn line_of(name: &str, needle: &str) -> usize {
        let (_, source) = EMBEDDED.iter().find(|(n, _)| *n == name).unwrap();
        source.lines().position(|l| l.contains(needle)).unwrap() + 1
    }

    // ------------------------------------------------------------ tests

    #[test]
    fn every_kind_in_both_formats_matches_snapshot() {
        snapshot_settings().bind(|| {
            for (kind, data) in fixtures() {
                for format in [Format::Html, Format::Md] {
                    let out = render(kind, format, &data);
                    insta::assert_snapshot!(format!("html__{kind}.{}", format.extension()), out);
                }
            }
        });
    }

    #[test]
    fn templates_can_be_shared_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<HtmlTemplates>();
    }

    #[test]
    fn embedded_templates_cover_every_kind() {
        for kind in KINDS {
            for ext in ["html", "md"] {
                let name = format!("{kind}.{ext}");
                assert!(
                    EMBEDDED.iter().any(|(n, _)| *n == name),
                    "{name} is not embedded"
                );
            }
        }
        let _ = HtmlTemplates::embedded(); // every template parses
    }

    #[test]
    fn html_escapes_customer_text_and_markdown_escapes_table_pipes() {
        let mut data = quote();
        data["customer"] = json!("<script>alert(\"x\")</script> & 李 | 王");
        data["materials"][0]["name"] = json!("管件 | 三通");
        let html = render("quote", Format::Html, &data);
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;&#x2f;script&gt; &amp; 李 | 王")
        );
        assert!(!html.contains("<script"), "no script element at all");

        let md = render("quote", Format::Md, &data);
        assert!(
            md.contains("- **客户**：&lt;script>alert(\"x\")&lt;/script> &amp; 李 \\| 王"),
            "no HTML element: {md}"
        );
        assert!(md.contains("| 1 | 管件 \\| 三通 |"), "{md}");

        // Nothing a customer writes becomes emphasis, a link or a heading.
        data["customer"] = json!("# *华庭* [l](http://x) _a_ `b`");
        let md = render("quote", Format::Md, &data);
        assert!(
            md.contains("- **客户**：\\# \\*华庭\\* \\[l\\](http://x) \\_a\\_ \\`b\\`"),
            "{md}"
        );
    }

    #[test]
    fn code_spans_show_their_text_as_it_is() {
        let show = |v: &str| code(Value::from(v)).unwrap().to_string();
        assert_eq!(show("labour_cost * 2"), "`labour_cost * 2`");
        assert_eq!(show("a `b` c"), "``a `b` c``");
        assert_eq!(show("`x`"), "`` `x` ``");
        assert_eq!(show("a | b\nc"), "`a \\| b c`");
    }

    #[test]
    fn cell_filter_escapes_pipes_and_folds_lines() {
        let mut env = environment();
        env.add_template("t.md", "[{{ a | cell }}][{{ b | cell }}][{{ c | cell }}]")
            .unwrap();
        let out = env
            .get_template("t.md")
            .unwrap()
            .render(minijinja::context! { a => "x|y", b => "one\n  two\r\n\nthree", c => () })
            .unwrap();
        assert_eq!(out, "[x\\|y][one two three][]");
    }

    #[test]
    fn missing_field_is_an_error_naming_template_and_line() {
        let templates = HtmlTemplates::embedded();
        let mut data = quote();
        data.as_object_mut().unwrap().remove("customer");

        let err = templates.render("quote", Format::Html, &data).unwrap_err();
        assert_eq!(err.template, "quote.html");
        assert_eq!(err.line, Some(line_of("quote.html", "data.customer")));
        assert_eq!(err.message, "undefined value `data.customer`");
        assert_eq!(
            err.to_string(),
            format!(
                "quote.html:{}: undefined value `data.customer`",
                err.line.unwrap()
            )
        );

        let err = templates.render("quote", Format::Md, &data).unwrap_err();
        assert_eq!(err.template, "quote.md");
        assert_eq!(err.line, Some(line_of("quote.md", "data.customer")));

        // A field the shared layout reads: the error names base.html.
        let mut data = quote();
        data["header"].as_object_mut().unwrap().remove("number");
        let err = templates.render("quote", Format::Html, &data).unwrap_err();
        assert_eq!(err.template, "base.html");
        assert_eq!(err.line, Some(line_of("base.html", "h.number")));
        assert!(err.message.contains("`h.number`"), "{err}");
    }

    /// A template that would loop for hours (10¹⁰ turns) is stopped at its
    /// line; the built-in templates stay far inside the same budget.
    #[test]
    fn a_template_that_does_not_end_is_stopped() {
        let dir = TempDir::new("fuel");
        dir.write(
            "html/receipt.html",
            "{% extends \"base.html\" %}\n{% block body %}\n{% for i in range(100000) %}{% for j in range(100000) %}.{% endfor %}{% endfor %}\n{% endblock %}\n",
        );
        let templates = HtmlTemplates::with_overrides(&dir.0).unwrap();
        let err = templates
            .render("receipt", Format::Html, &receipt())
            .unwrap_err();
        assert_eq!((err.template.as_str(), err.line), ("receipt.html", Some(3)));
        assert!(err.message.contains("does too much work"), "{err}");
        // What each built-in template spends, against its budget.
        let mut env = HtmlTemplates::embedded().env;
        env.set_fuel(Some(1 << 40));
        for (kind, data) in fixtures() {
            for ext in ["html", "md"] {
                let ctx = minijinja::context! { data => minijinja::value::Serde(&data) };
                let spent = env
                    .get_template(&format!("{kind}.{ext}"))
                    .unwrap()
                    .render_captured(ctx)
                    .unwrap()
                    .state()
                    .fuel_levels()
                    .unwrap()
                    .0;
                assert!(spent > 100, "{kind}.{ext}: fuel is counted");
                assert!(100 * spent < fuel_for(&data), "{kind}.{ext}: {spent}");
            }
        }
    }

    #[test]
    fn unknown_kind_is_an_error() {
        let err = HtmlTemplates::embedded()
            .render("base", Format::Html, &quote())
            .unwrap_err();
        assert_eq!(err.template, "base.html");
        assert_eq!(err.line, None);
        assert!(
            err.message.starts_with("unknown document kind `base`"),
            "{err}"
        );
    }

    #[test]
    fn rendering_is_deterministic() {
        let a = HtmlTemplates::embedded();
        let b = HtmlTemplates::embedded();
        for (kind, data) in fixtures() {
            for format in [Format::Html, Format::Md] {
                let first = a.render(kind, format, &data).unwrap();
                assert_eq!(first, a.render(kind, format, &data).unwrap());
                assert_eq!(first, b.render(kind, format, &data).unwrap());
            }
        }
    }

    #[test]
    fn output_whitespace_is_tidy() {
        for (kind, data) in fixtures() {
            for format in [Format::Html, Format::Md] {
                let out = render(kind, format, &data);
                assert!(
                    out.ends_with('\n') && !out.ends_with("\n\n"),
                    "{kind}: final newline"
                );
                assert!(!out.starts_with('\n'), "{kind}: leading blank line");
                assert!(!out.contains("\n\n\n"), "{kind}: run of blank lines");
                assert!(
                    out.lines().all(|l| !l.ends_with(' ') && !l.ends_with('\t')),
                    "{kind}: trailing whitespace"
                );
            }
        }
    }

    #[test]
    fn html_is_self_contained_and_printable() {
        for (kind, data) in fixtures() {
            let html = render(kind, Format::Html, &data);
            assert!(
                html.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"),
                "{kind}"
            );
            assert_eq!(html.matches("<style>").count(), 1, "{kind}: one <style>");
            for banned in [
                "<script",
                "<link",
                "<img",
                " src=",
                "url(",
                "@import",
                "@font-face",
            ] {
                assert!(!html.contains(banned), "{kind}: {banned}");
            }
            assert!(html.contains(
                r#"font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif;"#
            ));
            assert!(html.contains("@page") && html.contains("break-after: page"));
            assert!(html.trim_end().ends_with("</html>"));
        }
    }

    #[test]
    fn copies_repeat_the_form_and_carry_the_mark() {
        // Two copies, marked 作废: the form twice, the mark on each (+ one for print).
        let html = render("work_order", Format::Html, &work_order());
        assert_eq!(html.matches("<section class=\"copy\"").count(), 2);
        assert_eq!(
            html.matches("<div class=\"copy-label\">第一联 存根</div>")
                .count(),
            1
        );
        assert_eq!(
            html.matches("<div class=\"copy-label\">第二联 客户</div>")
                .count(),
            1
        );
        assert_eq!(html.matches("<div class=\"mark\">作废</div>").count(), 2);
        assert_eq!(
            html.matches("<div class=\"mark mark-page\" aria-hidden=\"true\">作废</div>")
                .count(),
            1
        );
        assert_eq!(html.matches("客户签字").count(), 2);
        assert_eq!(html.matches("☑ 即时结算").count(), 2);
        assert_eq!(html.matches("☐ 月结").count(), 2);

        let md = render("work_order", Format::Md, &work_order());
        assert!(
            md.starts_with("**【作废】**\n\n# 特约服务/维修单（第一联 存根）\n"),
            "{md}"
        );
        assert_eq!(md.matches("\n# 特约服务/维修单（").count(), 2);
        assert!(md.contains("\n---\n\n# 特约服务/维修单（第二联 客户）\n"));

        // No copies: one form, no mark when none is set.
        let html = render("register", Format::Html, &register());
        assert_eq!(html.matches("<section class=\"copy\"").count(), 1);
        assert!(!html.contains("class=\"mark") && !html.contains("copy-label\">"));
        assert!(!render("register", Format::Md, &register()).contains("**【"));
    }

    #[test]
    fn printing_null_is_an_error() {
        let dir = TempDir::new("null");
        dir.write("md/quote.md", "{% extends \"base.md\" %}\n{% block body %}\n联系人：{{ data.contact }}\n{% endblock %}\n");
        let templates = HtmlTemplates::with_overrides(&dir.0).unwrap();
        let err = templates.render("quote", Format::Md, &quote()).unwrap_err();
        assert_eq!(err.template, "quote.md");
        assert_eq!(err.line, Some(3));
        assert!(err.message.contains("cannot print null"), "{err}");
    }

    #[test]
    fn override_directory_replaces_one_template() {
        let dir = TempDir::new("override");
        dir.write(
            "html/receipt.html",
            "{% extends \"base.html\" %}\n{% block body %}\n<p class=\"custom\">今收到 {{ data.payer }} {{ data.amount.yuan }}</p>\n{% endblock %}\n",
        );
        dir.write("html/notes.txt", "ignored: not a .html file");
        dir.write("html/.receipt.html.swp", "ignored: dot-file");
        let custom = HtmlTemplates::with_overrides(&dir.0).unwrap();
        let embedded = HtmlTemplates::embedded();

        let html = custom.render("receipt", Format::Html, &receipt()).unwrap();
        assert_eq!(
            html.matches("<p class=\"custom\">今收到 孙晓明 ¥315.00</p>")
                .count(),
            2,
            "{html}"
        );
        assert!(
            html.contains("<style>"),
            "still extends the embedded base.html"
        );
        assert_ne!(
            html,
            embedded
                .render("receipt", Format::Html, &receipt())
                .unwrap()
        );
        // Everything else is untouched.
        for (kind, data) in fixtures() {
            for format in [Format::Html, Format::Md] {
                if kind == "receipt" && format == Format::Html {
                    continue;
                }
                assert_eq!(
                    custom.render(kind, format, &data).unwrap(),
                    embedded.render(kind, format, &data).unwrap(),
                    "{kind}.{}",
                    format.extension()
                );
            }
        }
        // A directory with neither html/ nor md/ changes nothing.
        let empty = TempDir::new("empty");
        let same = HtmlTemplates::with_overrides(&empty.0).unwrap();
        assert_eq!(
            same.render("quote", Format::Html, &quote()).unwrap(),
            embedded.render("quote", Format::Html, &quote()).unwrap()
        );
    }

    /// The place of a diagnostic's primary label: (file, line, column, the
    /// line's text).
    fn place(d: &Diagnostic) -> (String, usize, Option<usize>, Option<String>) {
        match &d.primary.place {
            Place::Line {
                file,
                line,
                column,
                excerpt,
            } => (
                file.clone(),
                *line,
                *column,
                excerpt.as_ref().map(|e| e.text.clone()),
            ),
            other => panic!("not a line: {other:?}"),
        }
    }

    #[test]
    fn override_errors_name_the_file_and_line() {
        let dir = TempDir::new("syntax");
        dir.write(
            "md/notice.md",
            "# {{ data.header.title }}\n\n{% for x in data.items %}\n- {{ x.name }\n{% endfor %}\n",
        );
        let err = HtmlTemplates::with_overrides(&dir.0).unwrap_err();
        assert_eq!(err.len(), 1);
        let path = dir.0.join("md").join("notice.md").display().to_string();
        assert_eq!(
            place(&err[0]),
            (path, 4, Some(13), Some("- {{ x.name }".to_string()))
        );
        assert_eq!(err[0].code, "template", "a problem in the template: exit 1");
        assert!(
            err[0].message.starts_with("template error: syntax error"),
            "{}",
            err[0].message
        );

        let missing = std::env::temp_dir().join("feebook-html-no-such-dir");
        let err = HtmlTemplates::with_overrides(&missing).unwrap_err();
        assert_eq!(err[0].code, "templates", "a usage error: exit 2");
        assert_eq!(
            err[0].primary.place,
            Place::File(missing.display().to_string())
        );
    }

    /// minijinja notices a block left open only at the end tag of the block
    /// around it (or at the end of the file); the error points at the tag
    /// left open, and at the end tag that came first.
    #[test]
    fn an_unclosed_block_is_shown_where_it_opens() {
        let dir = TempDir::new("unclosed");
        let path = dir
            .0
            .join("html")
            .join("receipt.html")
            .display()
            .to_string();
        let text = "{% extends \"base.html\" %}\n{% block body %}\n<p>\n  {% if data.payer %}\n{{ data.payer }}\n</p>\n{% endblock %}\n";
        dir.write("html/receipt.html", text);
        let err = HtmlTemplates::with_overrides(&dir.0).unwrap_err();
        let d = &err[0];
        assert_eq!(
            place(d),
            (
                path.clone(),
                4,
                Some(3),
                Some("  {% if data.payer %}".to_string())
            )
        );
        assert_eq!(
            d.message,
            "template error: `{% if %}` is not closed: `{% endblock %}` on line 7 comes before its `{% endif %}`"
        );
        assert_eq!(
            d.secondary[0].place,
            Place::in_text(path.clone(), text, {
                let at = text.find("{% endblock %}").unwrap();
                at..at + "{% endblock %}".len()
            })
        );
        assert_eq!(d.secondary[0].text, "ends the `{% block %}` of line 2");
        assert!(d.hints[0].contains("add `{% endif %}`"), "{:?}", d.hints);
        let shown = d.render(&crate::source::Sources::new());
        assert!(
            shown.contains(&format!(
                " --> {path}:4:3\n  |\n4 |   {{% if data.payer %}}\n  |   ^^^^^^^^^^^^^^^^^^^ needs a `{{% endif %}}`\n"
            )),
            "{shown}"
        );

        // At the end of the file.
        dir.write(
            "html/receipt.html",
            "{% for line in data.lines %}\n{{ line }}\n",
        );
        let err = HtmlTemplates::with_overrides(&dir.0).unwrap_err();
        assert_eq!(place(&err[0]).1, 1);
        assert_eq!(
            err[0].message,
            "template error: `{% for %}` is never closed"
        );

        // An end tag with nothing to close, inside another block.
        dir.write(
            "html/receipt.html",
            "{% extends \"base.html\" %}\n{% block body %}\n{% for x in data.lines %}\n{{ x }}\n{% endif %}\n{% endblock %}\n",
        );
        let err = HtmlTemplates::with_overrides(&dir.0).unwrap_err();
        assert_eq!(place(&err[0]).1, 5);
        assert_eq!(
            err[0].message,
            "template error: `{% endif %}` closes nothing: no `{% if %}` is open here"
        );
        assert!(
            err[0].hints[0].contains("did you mean `{% endfor %}`?"),
            "{:?}",
            err[0].hints
        );

        // Tags in comments, strings and raw blocks do not count.
        dir.write(
            "html/receipt.html",
            "{# {% if %} #}{% raw %}{% for %}{% endraw %}{{ \"{% if\" }}\n{% if x == \"%}\" %}\n{% endfor %}\n",
        );
        let err = HtmlTemplates::with_overrides(&dir.0).unwrap_err();
        assert_eq!(place(&err[0]).1, 3);
        assert_eq!(
            err[0].message,
            "template error: `{% endfor %}` closes nothing: no `{% for %}` is open here"
        );
        assert!(
            err[0].hints[0].contains(
                "the innermost open tag is `{% if %}` on line 2: did you mean `{% endif %}`?"
            ),
            "{:?}",
            err[0].hints
        );
    }

    /// Any text, however broken, gives a diagnostic and no panic: the tag
    /// scanner, the nesting check and the places work on arbitrary bytes of
    /// template syntax and multi-byte characters.
    #[test]
    fn broken_templates_never_panic() {
        use proptest::prelude::*;
        let piece = prop::sample::select(vec![
            "{%",
            "%}",
            "{{",
            "}}",
            "{#",
            "#}",
            "-",
            "\"",
            "'",
            "\\",
            " ",
            "\n",
            "if",
            "endif",
            "for",
            "endfor",
            "else",
            "elif",
            "block",
            "endblock",
            "raw",
            "endraw",
            "set",
            "=",
            "x",
            "中文",
            "𠮷",
            "include",
            "\"a.html\"",
            "end",
        ]);
        let config = ProptestConfig {
            cases: 3000,
            failure_persistence: None,
            ..ProptestConfig::default()
        };
        proptest!(config, |(pieces in prop::collection::vec(piece, 0..40))| {
            let text: String = pieces.concat();
            let _ = references(&text);
            let _ = nesting(&text);
            let mut env = environment();
            if let Err(e) = env.add_template("t.html", &text) {
                let d = syntax_diagnostic("t.html", &text, &e);
                let located = matches!(d.primary.place, Place::Line { .. });
                prop_assert!(located, "not located: {:?}", d);
                let _ = d.render(&crate::source::Sources::new());
            }
        });
    }

    #[test]
    fn references_and_unused_partials() {
        assert_eq!(
            references(
                "{% extends \"base.html\" %}{% include ['a.html', \"b.html\"] ignore missing %}\
                 {% from 'm.html' import x %}{% import \"n.html\" as n %}{% set y = \"no.html\" %}{{ \"nor.html\" }}"
            ),
            vec!["base.html", "a.html", "b.html", "m.html", "n.html"]
        );
        let dir = TempDir::new("partials");
        dir.write(
            "html/receipt.html",
            "{% extends \"base.html\" %}{% block body %}{% include \"footer.html\" %}{% endblock %}",
        );
        dir.write("html/footer.html", "{% include \"small.html\" %}");
        dir.write("html/small.html", "<small>{{ data.payer }}</small>");
        dir.write("html/orphan.html", "nobody includes me");
        dir.write("md/orphan.md", "nor me");
        let t = HtmlTemplates::with_overrides(&dir.0).unwrap();
        assert_eq!(
            t.unused(),
            vec![
                dir.0.join("html").join("orphan.html").as_path(),
                dir.0.join("md").join("orphan.md").as_path()
            ]
        );
        let html = t.render("receipt", Format::Html, &receipt()).unwrap();
        assert!(html.contains("<small>孙晓明</small>"), "{html}");
    }

    /// A link leading out of the templates folder is refused, as the Typst
    /// templates refuse one: a partial would print any file of the machine.
    #[cfg(unix)]
    #[test]
    fn links_and_paths_out_of_the_templates_folder_are_refused() {
        use std::os::unix::fs::symlink;
        let outside = TempDir::new("outside");
        outside.write("secret.md", "SECRET");
        let secret = outside.0.join("secret.md");
        let including =
            "{% extends \"base.md\" %}{% block body %}{% include \"foot.md\" %}{% endblock %}";
        let refused = |dir: &TempDir| -> Diagnostic {
            let mut err = HtmlTemplates::with_overrides(&dir.0).unwrap_err();
            assert_eq!(err.len(), 1, "{err:?}");
            err.remove(0)
        };

        // A partial that is a link to a file outside.
        let dir = TempDir::new("link-file");
        dir.write("md/receipt.md", including);
        let link = dir.0.join("md").join("foot.md");
        symlink(&secret, &link).unwrap();
        let d = refused(&dir);
        assert_eq!(d.code, "templates", "a usage error: exit 2");
        assert_eq!(
            d.message,
            format!(
                "{} is a link to a file outside the templates folder ({}); copy the file in instead",
                link.display(),
                secret.canonicalize().unwrap().display()
            )
        );
        assert_eq!(d.primary.place, Place::File(link.display().to_string()));

        // The same by a relative target, climbing out with `../`.
        std::fs::remove_file(&link).unwrap();
        let climb = format!(
            "../../{}/secret.md",
            outside.0.file_name().unwrap().to_string_lossy()
        );
        symlink(&climb, &link).unwrap();
        assert!(std::fs::read_to_string(&link).unwrap() == "SECRET");
        assert!(refused(&dir).message.starts_with(&format!(
            "{} is a link to a file outside the templates folder",
            link.display()
        )));

        // A link to a folder outside, in md/, or as md/ itself.
        let dir = TempDir::new("link-folder");
        dir.write("md/receipt.md", "{% extends \"base.md\" %}");
        let link = dir.0.join("md").join("parts");
        symlink(&outside.0, &link).unwrap();
        assert!(refused(&dir).message.starts_with(&format!(
            "{} is a link to a folder outside the templates folder",
            link.display()
        )));
        let dir = TempDir::new("link-md");
        symlink(&outside.0, dir.0.join("md")).unwrap();
        assert!(refused(&dir).message.starts_with(&format!(
            "{} is a link to a folder outside the templates folder",
            dir.0.join("md").display()
        )));

        // A name that is a path is never a template of the folder.
        let dir = TempDir::new("dotdot");
        dir.write("secret.md", "SECRET");
        let text = "{% extends \"base.md\" %}\n{% block body %}\n{% include \"../secret.md\" %}\n{% endblock %}\n";
        dir.write("md/receipt.md", text);
        let d = refused(&dir);
        assert_eq!(d.code, "template", "a problem in the template: exit 1");
        let path = dir.0.join("md").join("receipt.md").display().to_string();
        assert_eq!(
            place(&d),
            (
                path,
                3,
                Some(1),
                Some("{% include \"../secret.md\" %}".to_string())
            )
        );
        assert_eq!(
            d.message,
            "template error: `../secret.md` is a path; a template names the templates of its own folder md/ by their file name alone"
        );

        // A link that stays inside the folder is read.
        let dir = TempDir::new("link-inside");
        dir.write("md/receipt.md", including);
        dir.write("shared/foot.md", "FOOT {{ data.payer }}");
        symlink("../shared/foot.md", dir.0.join("md").join("foot.md")).unwrap();
        let md = HtmlTemplates::with_overrides(&dir.0)
            .unwrap()
            .render("receipt", Format::Md, &receipt())
            .unwrap();
        assert!(md.contains("FOOT 孙晓明"), "{md}");
    }

    #[test]
    fn markdown_has_bold_totals_and_gfm_tables() {
        let md = render("quote", Format::Md, &quote());
        assert!(md.contains("- **合计（小写）：¥904.00**"));
        assert!(md.contains("- **合计（大写）：人民币玖佰零肆元整**"));
        assert!(md.contains("| 项目 | 计算公式 | 计算过程 | 金额 |\n| --- | --- | --- | ---: |\n"));
        // An info line shows its value; the total line is bold.
        assert!(
            md.contains("| 面积 | `width × depth` | `2.5 × 2 = 5` | 5 |"),
            "{md}"
        );
        assert!(md.contains(
            "| **合计** | `direct_cost + tax` | `= 800.00 + 104.00 = 904.00` | **¥904.00** |"
        ));
        // Every table row has the header's number of cells.
        for table in md.split("\n\n").filter(|b| b.starts_with('|')) {
            let cells = |l: &str| l.replace("\\|", "").matches('|').count();
            let first = cells(table.lines().next().unwrap());
            assert!(
                table.lines().all(|l| cells(l) == first),
                "ragged table:\n{table}"
            );
        }
    }
}
