//! Documents: the data each one carries (`model`), and rendering it as PDF
//! through Typst (`typst_engine`, `fonts`) or as HTML and Markdown through
//! minijinja (`html`).
//!
//! Templates are data: `templates/typst/*.typ`, `templates/html/*.html`,
//! `templates/md/*.md`, compiled into the binary and overridable file by
//! file with `--templates DIR`.

pub mod bind;
pub mod fonts;
pub mod html;
pub mod model;
pub mod overrides;
pub mod typst_engine;

use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;

use crate::diagnostic::{Diagnostic, Place};
use fonts::FontSet;
use typst_engine::{RenderRequest, Templates};

macro_rules! typst_templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/typst/", $name)))),*]
    };
}

/// The Typst templates compiled into the binary. A test keeps this list
/// equal to the files in `templates/typst/`.
pub const TYPST_TEMPLATES: &[(&str, &str)] = typst_templates![
    "billing_notice.typ",
    "billing_notice_body.typ",
    "common.typ",
    "notice.typ",
    "quote.typ",
    "receipt.typ",
    "register.typ",
    "work_order.typ",
];

/// The kinds of document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Notice,
    Quote,
    WorkOrder,
    BillingNotice,
    Receipt,
    Register,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Notice => "notice",
            Kind::Quote => "quote",
            Kind::WorkOrder => "work_order",
            Kind::BillingNotice => "billing_notice",
            Kind::Receipt => "receipt",
            Kind::Register => "register",
        }
    }

    /// Whether its Typst template lays out many documents at once: its
    /// `/data.json` is `{"documents": [...]}`, and a batch is cut into one
    /// PDF per document (see [`Renderer::render_pdf_batch`]).
    pub fn batched(self) -> bool {
        matches!(self, Kind::BillingNotice)
    }

    /// File-name prefix of its outputs.
    pub fn file_prefix(self) -> &'static str {
        match self {
            Kind::Notice => "notice",
            Kind::Quote => "quote",
            Kind::WorkOrder => "work-order",
            Kind::BillingNotice => "billing-notice",
            Kind::Receipt => "receipt",
            Kind::Register => "register",
        }
    }
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Pdf,
    Html,
    Md,
    Json,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Html => "html",
            Format::Md => "md",
            Format::Json => "json",
        }
    }
}

/// Templates and fonts, loaded once and used for every document.
pub struct Renderer {
    typst: Templates,
    /// The Typst templates replaced with `--templates DIR`: their paths
    /// (`/quote.typ`) and the folder they came from, for error messages.
    typst_overrides: Option<(std::path::PathBuf, std::collections::BTreeSet<String>)>,
    /// Compiled when first needed: most runs render PDFs only (a fresh
    /// `feebook quote` would spend ≈ 1 ms of its start-up compiling them).
    html: std::sync::OnceLock<html::HtmlTemplates>,
    fonts: FontSource,
    /// What the templates folder holds that nothing uses, and is not an
    /// error: shown before rendering.
    warnings: Vec<Diagnostic>,
}

enum FontSource {
    Embedded,
    Extended(Box<FontSet>),
}

/// Why the templates or fonts given cannot be used.
#[derive(Clone, Debug)]
pub struct SetupError {
    /// The problems (errors, and any warnings found with them).
    pub problems: Vec<Diagnostic>,
    /// Whether they are in what the user wrote (a template that does not
    /// parse, a misnamed template: exit 1) rather than a folder or file that
    /// cannot be read or holds no font (exit 2).
    pub in_content: bool,
}

impl SetupError {
    fn usage(problems: Vec<Diagnostic>) -> SetupError {
        SetupError {
            problems,
            in_content: false,
        }
    }
}

impl Renderer {
    /// The embedded templates and fonts.
    pub fn embedded() -> Renderer {
        let mut typst = Templates::new();
        for (name, text) in TYPST_TEMPLATES {
            // Embedded names are fixed and valid; a failure here is a
            // programming error that the template-list test catches.
            let _ = typst.insert_source(&format!("/{name}"), *text);
        }
        Renderer {
            typst,
            typst_overrides: None,
            html: std::sync::OnceLock::new(),
            fonts: FontSource::Embedded,
            warnings: Vec::new(),
        }
    }

    /// The embedded templates with any file in `templates/` (`typst/`,
    /// `html/`, `md/` subfolders) replacing its namesake, and the embedded
    /// fonts plus those in `font_dir` and its subfolders.
    ///
    /// Every file of the templates folder must be used (see
    /// [`overrides`]): one that looks like a template and is not used is an
    /// error, any other such file a warning ([`Renderer::warnings`]). The
    /// HTML and Markdown templates are compiled now, so that a mistake in one
    /// is reported before anything is rendered.
    pub fn new(templates: Option<&Path>, font_dir: Option<&Path>) -> Result<Renderer, SetupError> {
        let mut r = Renderer::embedded();
        if let Some(dir) = templates {
            if !dir.is_dir() {
                return Err(SetupError::usage(vec![
                    Diagnostic::error(
                        "templates",
                        format!("the templates folder `{}` does not exist", dir.display()),
                    )
                    .at_place(Place::File(dir.display().to_string()), "")
                    .hint(
                        "give a folder with typst/, html/ or md/ subfolders holding the templates to replace",
                    ),
                ]));
            }
            let typst_dir = dir.join("typst");
            let mut extra = None;
            if typst_dir.is_dir() {
                let t = Templates::from_dir(&typst_dir).map_err(|e| {
                    SetupError::usage(template_diagnostics(
                        &e,
                        |f| typst_dir.join(f).display().to_string(),
                        |_| None,
                    ))
                })?;
                r.typst.extend(&t);
                r.typst_overrides = Some((typst_dir, t.paths().map(str::to_string).collect()));
                extra = Some(t);
            }
            let (html, mut problems) = match html::HtmlTemplates::with_overrides(dir) {
                Ok(h) => (Some(h), Vec::new()),
                Err(problems) => (None, problems),
            };
            problems.extend(overrides::survey(dir, extra.as_ref(), html.as_ref()));
            if problems.iter().any(Diagnostic::is_error) {
                let usage = problems.iter().any(|d| d.code == "templates");
                return Err(SetupError {
                    problems,
                    in_content: !usage,
                });
            }
            r.warnings = problems;
            if let Some(html) = html {
                r.html = std::sync::OnceLock::from(html);
            }
        }
        if let Some(fd) = font_dir {
            let set = FontSet::with_dir(fd).map_err(|e| {
                SetupError::usage(vec![
                    Diagnostic::error("fonts", format!("cannot use --font-dir: {}", e.message))
                        .at_place(Place::File(e.path.display().to_string()), "")
                        .hint(e.hint),
                ])
            })?;
            r.fonts = FontSource::Extended(Box::new(set));
        }
        Ok(r)
    }

    /// What the templates folder holds that nothing uses and is not an
    /// error (a file that is not a template): to show before rendering.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// The fonts PDFs are drawn with: the embedded ones and `--font-dir`'s.
    pub fn fonts(&self) -> &FontSet {
        match &self.fonts {
            FontSource::Embedded => FontSet::embedded(),
            FontSource::Extended(f) => f,
        }
    }

    /// Renders a document's data in a format. `date` is the document's
    /// date (Typst's `today`); `ident` its number, for a stable PDF id.
    pub fn render<T: Serialize>(
        &self,
        kind: Kind,
        data: &T,
        format: Format,
        date: NaiveDate,
        ident: &str,
    ) -> Result<Vec<u8>, Vec<Diagnostic>> {
        let value = serde_json::to_value(data)
            .map_err(|e| vec![Diagnostic::error("internal", format!("document data: {e}"))])?;
        match format {
            Format::Json => {
                let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
                s.push('\n');
                Ok(s.into_bytes())
            }
            Format::Html | Format::Md => {
                check_controls(&value)?;
                let f = if format == Format::Html {
                    html::Format::Html
                } else {
                    html::Format::Md
                };
                let html = self.html.get_or_init(html::HtmlTemplates::embedded);
                html.render(kind.name(), f, &value)
                    .map(String::into_bytes)
                    .map_err(|e| vec![html.diagnostic(&e)])
            }
            Format::Pdf => {
                self.check_glyphs(&value)?;
                let json = typst_data(kind, &value)?;
                let main = format!("/{}.typ", kind.name());
                let mut req = RenderRequest {
                    main: &main,
                    data_json: &json,
                    today: date,
                    ident,
                    // A register, or any document with a long list (a
                    // billing notice of a customer with hundreds of orders),
                    // runs over pages: no one-pass attempt.
                    paginate: kind == Kind::Register || longest_list(&value) > ONE_PAGE_ROWS,
                };
                if !req.paginate {
                    // Laid out once, without page numbers (they cost Typst a
                    // second pass); kept when every copy fits on one page,
                    // where the footer's 第 1 页 共 1 页 is known. A longer
                    // document is laid out again with its page numbers.
                    let once = typst_engine::render(&self.typst, self.fonts(), &req)
                        .map_err(|e| self.typst_diagnostics(kind, &e))?;
                    if once.pages <= copies(&value) {
                        return Ok(once.pdf);
                    }
                    req.paginate = true;
                }
                typst_engine::render_pdf(&self.typst, self.fonts(), &req)
                    .map_err(|e| self.typst_diagnostics(kind, &e))
            }
        }
    }

    /// The runs of text of each page of a document's PDF as Typst lays
    /// them out (see [`typst_engine::text_boxes`]), with its page numbers.
    #[doc(hidden)]
    pub fn text_boxes(
        &self,
        kind: Kind,
        value: &serde_json::Value,
        date: NaiveDate,
        ident: &str,
    ) -> Result<Vec<Vec<typst_engine::TextBox>>, Vec<Diagnostic>> {
        let json = typst_data(kind, value)?;
        let main = format!("/{}.typ", kind.name());
        let req = RenderRequest {
            main: &main,
            data_json: &json,
            today: date,
            ident,
            paginate: true,
        };
        typst_engine::text_boxes(&self.typst, self.fonts(), &req)
            .map_err(|e| self.typst_diagnostics(kind, &e))
    }

    /// The PDFs of several documents of one kind, laid out by one compile of
    /// the template when the kind is [`Kind::batched`] (a month's billing
    /// notices: Typst's fixed cost per compile is then paid once per batch).
    /// A document is the same bytes whether rendered in a batch or alone.
    ///
    /// The batch is laid out in one pass; a document that runs over one page
    /// per copy is rendered again alone, with its page numbers. One result
    /// per document, in order; a template error fails every document.
    pub fn render_pdf_batch(
        &self,
        kind: Kind,
        datas: &[serde_json::Value],
        date: NaiveDate,
        idents: &[&str],
    ) -> Vec<Result<Vec<u8>, Vec<Diagnostic>>> {
        if datas.len() != idents.len() {
            let e = Diagnostic::error(
                "internal",
                format!("{} documents but {} numbers", datas.len(), idents.len()),
            );
            return vec![Err(vec![e]); datas.len()];
        }
        let alone = |i: usize| self.render(kind, &datas[i], Format::Pdf, date, idents[i]);
        if !kind.batched() {
            return (0..datas.len()).map(alone).collect();
        }
        let mut out: Vec<Option<Result<Vec<u8>, Vec<Diagnostic>>>> = vec![None; datas.len()];
        let mut batch = Vec::new();
        for (i, value) in datas.iter().enumerate() {
            match self.check_glyphs(value) {
                Err(e) => out[i] = Some(Err(e)),
                Ok(()) => batch.push(i),
            }
        }
        if !batch.is_empty() {
            let documents: Vec<&serde_json::Value> = batch.iter().map(|&i| &datas[i]).collect();
            let ids: Vec<&str> = batch.iter().map(|&i| idents[i]).collect();
            let rendered = serde_json::to_vec(&serde_json::json!({ "documents": documents }))
                .map_err(|e| vec![Diagnostic::error("internal", e.to_string())])
                .and_then(|json| {
                    let req = typst_engine::BatchRequest {
                        main: &format!("/{}.typ", kind.name()),
                        data_json: &json,
                        today: date,
                        idents: &ids,
                    };
                    typst_engine::render_batch(&self.typst, self.fonts(), &req)
                        .map_err(|e| self.typst_diagnostics(kind, &e))
                });
            match rendered {
                Ok(docs) => {
                    for (&i, doc) in batch.iter().zip(docs) {
                        out[i] = Some(if doc.pages <= copies(&datas[i]) {
                            Ok(doc.pdf)
                        } else {
                            alone(i)
                        });
                    }
                }
                Err(e) => {
                    for &i in &batch {
                        out[i] = Some(Err(e.clone()));
                    }
                }
            }
        }
        out.into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Vec::new())))
            .collect()
    }

    /// Typst's errors with the template file each is in: the replacement
    /// given with `--templates`, or the embedded one (`templates/typst/`).
    fn typst_diagnostics(&self, kind: Kind, e: &typst_engine::TemplateError) -> Vec<Diagnostic> {
        let diags = template_diagnostics(
            e,
            |f| match &self.typst_overrides {
                Some((dir, paths)) if paths.contains(&format!("/{f}")) => {
                    dir.join(f).display().to_string()
                }
                _ => format!("templates/typst/{f}"),
            },
            |f| self.typst.text(&format!("/{f}")),
        );
        if !kind.batched() {
            return diags;
        }
        // A replacement template written for one notice reads fields that
        // are now one level down.
        let hint = format!(
            "{}.typ is given {{\"documents\": [...]}} (several at a time), each to begin on a \
             new page; see the README, Templates",
            kind.name()
        );
        diags.into_iter().map(|d| d.hint(hint.clone())).collect()
    }

    /// A character no font has would print blank: refuse it, naming the
    /// field, before Typst sees it. So is a control character.
    fn check_glyphs(&self, value: &serde_json::Value) -> Result<(), Vec<Diagnostic>> {
        check_controls(value)?;
        let missing = self.fonts().check_json(value);
        if missing.is_empty() {
            return Ok(());
        }
        Err(missing
            .iter()
            .map(|m| Diagnostic::error("missing-glyph", m.to_string()).hint(MISSING_GLYPH_HINT))
            .collect())
    }
}

/// Control characters in a document's text (an escape sequence or a
/// bidirectional override pasted with a note into a rule or input file)
/// print nothing in a PDF, act on whatever shows an HTML or Markdown
/// document as text, or reorder it: refused, naming the field. Line breaks
/// and tabs are text.
fn check_controls(value: &serde_json::Value) -> Result<(), Vec<Diagnostic>> {
    let mut out = Vec::new();
    fonts::each_string(value, &mut |path, s| {
        let Some(c) = s
            .chars()
            .find(|&c| crate::text::is_control(c) && !matches!(c, '\n' | '\r' | '\t'))
        else {
            return;
        };
        let field = if path.is_empty() { "$" } else { path };
        out.push(
            Diagnostic::error(
                "control-character",
                format!(
                    "`{field}` ({}) holds the control character U+{:04X}, which prints nothing",
                    crate::text::printable(s),
                    c as u32
                ),
            )
            .hint("delete it where the text was written (a rule file or an input file); it often comes pasted with the text"),
        );
    });
    if out.is_empty() { Ok(()) } else { Err(out) }
}

/// What to do about a character no font has.
pub const MISSING_GLYPH_HINT: &str = "add a font that has it with `--font-dir DIR`, or write the text without it (a name, as it is registered, with a common character)";

/// What a kind's Typst template reads as `/data.json`: the document's data,
/// or for a batched kind a batch of one.
fn typst_data(kind: Kind, value: &serde_json::Value) -> Result<Vec<u8>, Vec<Diagnostic>> {
    let json = if kind.batched() {
        serde_json::to_vec(&serde_json::json!({ "documents": [value] }))
    } else {
        serde_json::to_vec(value)
    };
    json.map_err(|e| vec![Diagnostic::error("internal", e.to_string())])
}

/// The number of copies a document prints (each one page in the one-pass layout).
fn copies(value: &serde_json::Value) -> usize {
    value
        .pointer("/header/copies")
        .and_then(serde_json::Value::as_array)
        .map_or(1, |c| c.len().max(1))
}

/// More rows than any one-page form holds: a document with a longer list is
/// laid out with page numbers straight away. (A shorter one that still runs
/// over a page is laid out again; this only saves that wasted pass.)
pub const ONE_PAGE_ROWS: usize = 30;

/// The length of the longest array anywhere in the document's data.
fn longest_list(value: &serde_json::Value) -> usize {
    match value {
        serde_json::Value::Array(items) => items
            .iter()
            .map(longest_list)
            .max()
            .unwrap_or(0)
            .max(items.len()),
        serde_json::Value::Object(map) => map.values().map(longest_list).max().unwrap_or(0),
        _ => 0,
    }
}

/// Typst's errors as ours; `path` gives the file a template path (without
/// its leading `/`) stands for, `text` its text (to show the line).
fn template_diagnostics<'t>(
    e: &typst_engine::TemplateError,
    path: impl Fn(&str) -> String,
    text: impl Fn(&str) -> Option<&'t str>,
) -> Vec<Diagnostic> {
    e.diagnostics
        .iter()
        .map(|d| {
            let place = match (&d.file, d.line) {
                (Some(f), Some(line)) => {
                    let f = f.trim_start_matches('/');
                    match (text(f), &d.range) {
                        (Some(text), Some(range)) => Place::in_text(path(f), text, range.clone()),
                        _ => Place::Line {
                            file: path(f),
                            line,
                            column: d.column,
                            excerpt: None,
                        },
                    }
                }
                (Some(f), None) => Place::File(path(f.trim_start_matches('/'))),
                _ => Place::Nowhere,
            };
            let mut diag = Diagnostic::error("template", format!("template error: {}", d.message))
                .at_place(place, "");
            for h in &d.hints {
                diag = diag.hint(h.clone());
            }
            diag
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_typst_templates_match_the_folder() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/typst");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".typ"))
            .collect();
        on_disk.sort();
        let embedded: Vec<String> = TYPST_TEMPLATES.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(
            on_disk, embedded,
            "update TYPST_TEMPLATES in src/documents/mod.rs"
        );
    }
}
