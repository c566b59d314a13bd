//! PDF rendering with Typst 0.15 as a library, in-process.
//!
//! A template sees a sealed world:
//! - the registered template files ([`Templates`]: `.typ` sources plus other files such as
//!   `/logo.svg`), any of which can be the main file of a render;
//! - `/data.json`, the document's data (`#let data = json("/data.json")`);
//! - `datetime.today()`, which is the document's date from the [`RenderRequest`], never the
//!   wall clock;
//! - the fonts of a [`FontSet`].
//!
//! Everything else is refused with a clear error: other paths (`/etc/passwd`), paths that
//! escape the root (`../x`), and packages (`@preview/...`).
//!
//! Defaults set by the engine (templates may override them with `set text(...)`): font
//! "Noto Sans CJK SC" (the embedded font; Typst's own default, Libertinus Serif, is not
//! available), `lang: "zh"`, `region: "CN"`.
//!
//! Errors a template must not get away with silently are errors here, not warnings:
//! naming a font family no font has (`unknown font family`), and any character that ends up
//! drawn with no glyph ("tofu"), whether it comes from the template or the data.
//!
//! Output is deterministic: the same templates, data, date, ident and fonts give
//! byte-identical PDFs (no timestamp; the PDF id is derived from the document number).
//! Memory stays flat over many documents: each compile (one document, or a batch) ends with
//! `comemo::evict(1)`.
//!
//! Note: Typst interns every path a template asks for (up to 65,535 per process). The engine
//! reuses the same ids for every document (`/data.json` and the registered files), so this
//! only matters for a template that builds file paths from data.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::num::NonZeroUsize;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, LazyLock, OnceLock};

use typst::diag::{FileError, FileResult, PackageError, Severity, SourceDiagnostic, Warned};
use typst::foundations::Label;
use typst::foundations::{Bytes, Datetime, Dict, Duration, Smart, Value};
use typst::introspection::Tag;
use typst::layout::{Frame, FrameItem, PageRanges, Point, Transform};
use typst::syntax::{
    DiagSpan, FileId, Lines, RootedPath, Source, Span, SyntaxKind, VirtualPath, VirtualRoot,
};
use typst::text::{Font, FontBook, FontFamily, FontList, Lang, Region, TextElem};
use typst::utils::LazyHash;
use typst::utils::PicoStr;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;

use super::fonts::{EMBEDDED_FAMILY, FontSet};

/// Path under which the document's data is visible to templates.
pub const DATA_PATH: &str = "/data.json";

/// The message for any package import.
pub const PACKAGES_DISABLED: &str = "packages are disabled in feebook templates";

/// Typst's standard library with feebook's defaults, built once per process:
/// one with `sys.inputs.paginate` = "yes", one with "no" (see
/// [`RenderRequest::paginate`]).
static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| library(true));
static LIBRARY_ONE_PASS: LazyLock<LazyHash<Library>> = LazyLock::new(|| library(false));

fn library(paginate: bool) -> LazyHash<Library> {
    let mut inputs = Dict::new();
    inputs.insert(
        "paginate".into(),
        Value::Str(if paginate { "yes" } else { "no" }.into()),
    );
    let mut lib = Library::builder().with_inputs(inputs).build();
    lib.styles.set(
        TextElem::font,
        FontList(vec![FontFamily::new(EMBEDDED_FAMILY)]),
    );
    lib.styles.set(TextElem::lang, Lang::CHINESE);
    lib.styles.set(
        TextElem::region,
        Some("CN".parse::<Region>().expect("valid region")),
    );
    LazyHash::new(lib)
}

/// The file id of `/data.json`, the same for every document.
static DATA_ID: LazyLock<FileId> = LazyLock::new(|| {
    RootedPath::new(
        VirtualRoot::Project,
        VirtualPath::new(DATA_PATH).expect("valid path"),
    )
    .intern()
});

// ---------------------------------------------------------------------------------------------
// Templates

/// The template files documents are rendered from: path → contents. Any registered `.typ`
/// file can be the main file of a render; the others can be imported/included/read by it.
///
/// Paths are absolute inside the template root (`/quote.typ`, `/parts/header.typ`,
/// `/logo.svg`); `quote.typ` is accepted and means `/quote.typ`. Build it once and share it
/// (`&Templates` is `Sync`): a source is parsed when a render first needs it (a quote does
/// not parse the register's template), once, and every later render and every clone gets
/// the same `Source` value, which lets Typst reuse its caches across documents.
#[derive(Default, Clone)]
pub struct Templates {
    files: HashMap<FileId, TemplateFile>,
    paths: BTreeMap<String, FileId>,
}

#[derive(Clone)]
struct TemplateFile {
    bytes: Bytes,
    /// For `.typ` files: the source, parsed on first use.
    source: Option<LazySource>,
}

/// A source file parsed on first use, shared by the clones of its [`Templates`].
#[derive(Clone)]
struct LazySource {
    id: FileId,
    text: Arc<str>,
    parsed: Arc<OnceLock<Source>>,
}

impl LazySource {
    fn get(&self) -> &Source {
        self.parsed
            .get_or_init(|| Source::new(self.id, self.text.to_string()))
    }
}

impl Templates {
    /// No templates.
    pub fn new() -> Self {
        Self::default()
    }

    /// Register (or replace) a Typst source file.
    pub fn insert_source(
        &mut self,
        path: &str,
        text: impl Into<String>,
    ) -> Result<(), TemplateError> {
        let (id, norm) = template_path(path)?;
        if !norm.ends_with(".typ") {
            return Err(TemplateError::message(
                Some(&norm),
                "a Typst source file must end in .typ",
            ));
        }
        let text: Arc<str> = text.into().into();
        self.files.insert(
            id,
            TemplateFile {
                bytes: Bytes::from_string(text.clone()),
                source: Some(LazySource {
                    id,
                    text,
                    parsed: Arc::default(),
                }),
            },
        );
        self.paths.insert(norm, id);
        Ok(())
    }

    /// Register (or replace) a file. A `.typ` file must be UTF-8 and is parsed as a source;
    /// anything else (`.svg`, `.png`, `.json`, ...) is served as bytes.
    pub fn insert(&mut self, path: &str, bytes: impl Into<Vec<u8>>) -> Result<(), TemplateError> {
        let bytes: Vec<u8> = bytes.into();
        let (id, norm) = template_path(path)?;
        if norm.ends_with(".typ") {
            let text = String::from_utf8(bytes).map_err(|e| {
                TemplateError::message(Some(&norm), format!("template is not valid UTF-8: {e}"))
            })?;
            return self.insert_source(&norm, text);
        }
        self.files.insert(
            id,
            TemplateFile {
                bytes: Bytes::new(bytes),
                source: None,
            },
        );
        self.paths.insert(norm, id);
        Ok(())
    }

    /// Register every file under `dir` (recursively; hidden files and directories skipped)
    /// under its path relative to `dir`, e.g. `dir/parts/header.typ` → `/parts/header.typ`.
    pub fn from_dir(dir: &Path) -> Result<Templates, TemplateError> {
        /// The files below `dir`; a symbolic link that leads out of the
        /// folder is refused: a template reads only the templates folder.
        fn walk(root: &Path, dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
            let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
            entries.sort_by_key(|e| e.file_name());
            for entry in entries {
                if entry.file_name().to_string_lossy().starts_with('.') {
                    continue;
                }
                let path = entry.path();
                if entry.file_type()?.is_symlink() && !path.canonicalize()?.starts_with(root) {
                    return Err(std::io::Error::other(format!(
                        "{} is a link to a file outside the templates folder; copy the file in instead",
                        path.display()
                    )));
                }
                // Not through a link to a folder: a link to its own parent
                // would never end.
                if entry.file_type()?.is_dir() {
                    walk(root, &path, out)?;
                } else {
                    out.push(path);
                }
            }
            Ok(())
        }
        let io_err = |p: &Path, e: std::io::Error| {
            TemplateError::message(None, format!("{}: {e}", p.display()))
        };
        let mut files = Vec::new();
        let root = dir.canonicalize().map_err(|e| io_err(dir, e))?;
        // `typst/` itself a link out of the templates folder: everything
        // below it would pass the check against its own target.
        if std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink())
            && dir
                .parent()
                .and_then(|p| p.canonicalize().ok())
                .is_none_or(|parent| !root.starts_with(parent))
        {
            return Err(TemplateError::message(
                None,
                format!(
                    "{} is a link to a folder outside the templates folder ({}); copy the folder in instead",
                    dir.display(),
                    root.display()
                ),
            ));
        }
        walk(&root, dir, &mut files).map_err(|e| io_err(dir, e))?;
        let mut templates = Templates::new();
        for file in files {
            let rel = file.strip_prefix(dir).expect("walked below dir");
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let bytes = std::fs::read(&file).map_err(|e| io_err(&file, e))?;
            templates.insert(&format!("/{}", rel.join("/")), bytes)?;
        }
        Ok(templates)
    }

    /// Registers (or replaces) every file of `other`.
    pub fn extend(&mut self, other: &Templates) {
        for (path, id) in &other.paths {
            if let Some(file) = other.files.get(id) {
                self.files.insert(*id, file.clone());
                self.paths.insert(path.clone(), *id);
            }
        }
    }

    /// Whether a file is registered at `path`.
    pub fn contains(&self, path: &str) -> bool {
        template_path(path).is_ok_and(|(id, _)| self.files.contains_key(&id))
    }

    /// The registered paths, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.paths.keys().map(String::as_str)
    }

    /// The text of the Typst source registered at `path` (`None` for a file
    /// that is not a `.typ` source, or no file).
    pub fn text(&self, path: &str) -> Option<&str> {
        let (id, _) = template_path(path).ok()?;
        self.files.get(&id)?.source.as_ref().map(|s| &*s.text)
    }
}

impl fmt::Debug for Templates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Templates")
            .field("paths", &self.paths.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Normalise and intern a template path; `/data.json` is reserved.
fn template_path(path: &str) -> Result<(FileId, String), TemplateError> {
    let vpath = VirtualPath::new(path)
        .map_err(|e| TemplateError::message(Some(path), format!("invalid template path: {e}")))?;
    if vpath.is_root() {
        return Err(TemplateError::message(
            Some(path),
            "invalid template path: empty",
        ));
    }
    let norm = vpath.get_with_slash().to_string();
    if norm == DATA_PATH {
        return Err(TemplateError::message(
            Some(path),
            "/data.json is reserved for the document's data",
        ));
    }
    Ok((RootedPath::new(VirtualRoot::Project, vpath).intern(), norm))
}

// ---------------------------------------------------------------------------------------------
// Rendering

/// One document to render.
#[derive(Debug, Clone, Copy)]
pub struct RenderRequest<'a> {
    /// The main template's path, e.g. `/quote.typ`.
    pub main: &'a str,
    /// The document's data as JSON; templates read it with `json("/data.json")`.
    pub data_json: &'a [u8],
    /// The document's date: what `datetime.today()` returns.
    pub today: chrono::NaiveDate,
    /// The document number; the PDF's id is derived from it (stable across renders).
    pub ident: &'a str,
    /// What templates see as `sys.inputs.paginate`: "yes" or "no". Page numbers
    /// ("第 n 页 共 m 页") are read back from a finished layout, so a template that prints
    /// them is laid out twice. With `paginate: false` a template may leave them out (or
    /// print what it knows, e.g. for a one-page copy) and be laid out once; the caller
    /// renders again with `true` when the document turns out longer.
    pub paginate: bool,
}

/// A rendered document.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The PDF bytes.
    pub pdf: Vec<u8>,
    /// Number of pages.
    pub pages: usize,
    /// Typst warnings that are not errors for feebook (e.g. an unused show rule).
    pub warnings: Vec<TemplateDiagnostic>,
}

/// Render a document to PDF. See [`render`] to also get page count and warnings.
pub fn render_pdf(
    templates: &Templates,
    fonts: &FontSet,
    req: &RenderRequest,
) -> Result<Vec<u8>, TemplateError> {
    render(templates, fonts, req).map(|r| r.pdf)
}

/// Render a document to PDF, with its page count and remaining warnings.
pub fn render(
    templates: &Templates,
    fonts: &FontSet,
    req: &RenderRequest,
) -> Result<Rendered, TemplateError> {
    let _evict = Evict;
    let world = DocWorld::of_request(templates, fonts, req)?;
    let (document, warnings) = world.compile()?;
    let pdf = world.export(&document, req.ident, None)?;
    Ok(Rendered {
        pdf,
        pages: document.pages().len(),
        warnings,
    })
}

/// A run of text as laid out on a page: the text and its box (x0, y0, x1,
/// y1) in points from the page's top left, the height the font's size.
pub type TextBox = (String, [f64; 4]);

/// The runs of text of each page of a document, where Typst put them: for
/// tests that check that text stays inside its cells and off other text,
/// on any machine (no PDF reader needed).
pub fn text_boxes(
    templates: &Templates,
    fonts: &FontSet,
    req: &RenderRequest,
) -> Result<Vec<Vec<TextBox>>, TemplateError> {
    fn walk(frame: &Frame, ts: Transform, out: &mut Vec<TextBox>) {
        for (pos, item) in frame.items() {
            match item {
                FrameItem::Group(group) => {
                    let ts = ts
                        .pre_concat(Transform::translate(pos.x, pos.y))
                        .pre_concat(group.transform);
                    walk(&group.frame, ts, out);
                }
                FrameItem::Text(text) => {
                    let start = pos.transform(ts);
                    let end = Point::new(pos.x + text.width(), pos.y).transform(ts);
                    let size = text.size.to_pt();
                    let (x0, x1) = (start.x.to_pt(), end.x.to_pt());
                    let y = start.y.to_pt();
                    out.push((
                        text.text.to_string(),
                        [x0.min(x1), y - 0.8 * size, x0.max(x1), y + 0.2 * size],
                    ));
                }
                _ => {}
            }
        }
    }
    let _evict = Evict;
    let world = DocWorld::of_request(templates, fonts, req)?;
    let (document, _) = world.compile()?;
    Ok(document
        .pages()
        .iter()
        .map(|page| {
            let mut out = Vec::new();
            walk(&page.frame, Transform::identity(), &mut out);
            out
        })
        .collect())
}

/// Several documents of one kind laid out by one compile of a template.
///
/// The template reads all of them from `/data.json` (how it finds them there is up to
/// it) and marks where each begins, in order, with `#metadata(..) <feebook-document>` on
/// the document's first page. Each document is then exported as a PDF of its own pages.
/// Always laid out in one pass (`sys.inputs.paginate` = "no"); the caller renders a
/// document again on its own when its page count says it ran over.
#[derive(Debug, Clone, Copy)]
pub struct BatchRequest<'a> {
    /// The main template's path, e.g. `/billing_notice.typ`.
    pub main: &'a str,
    /// The documents' data as JSON.
    pub data_json: &'a [u8],
    /// The documents' date: what `datetime.today()` returns.
    pub today: chrono::NaiveDate,
    /// The documents' numbers, one per document, in the order the template lays them out;
    /// each PDF's id is derived from its number.
    pub idents: &'a [&'a str],
}

/// The label a batch template puts on each document's first page.
pub const DOCUMENT_LABEL: &str = "feebook-document";

/// Render several documents with one compile; see [`BatchRequest`]. One [`Rendered`] per
/// ident, in order; its warnings are the batch's.
pub fn render_batch(
    templates: &Templates,
    fonts: &FontSet,
    req: &BatchRequest,
) -> Result<Vec<Rendered>, TemplateError> {
    let _evict = Evict;
    let world = DocWorld::new(templates, fonts, req.main, req.data_json, req.today, false)?;
    let (document, warnings) = world.compile()?;
    let starts = document_starts(&document);
    let n = document.pages().len();
    let in_order = starts.first() == Some(&0) && starts.windows(2).all(|w| w[0] < w[1]);
    if starts.len() != req.idents.len() || !in_order {
        let mut err = TemplateError::message(
            Some(req.main),
            format!(
                "the template laid out {} documents (found {} `<{DOCUMENT_LABEL}>` marks{}); \
                 expected {}",
                starts.len(),
                starts.len(),
                if in_order || starts.is_empty() {
                    String::new()
                } else {
                    ", not each on a new page in order".to_string()
                },
                req.idents.len()
            ),
        );
        err.diagnostics[0].hints.push(format!(
            "begin each document on a new page with `#metadata(number) <{DOCUMENT_LABEL}>`"
        ));
        return Err(err);
    }
    let mut out = Vec::with_capacity(starts.len());
    for (i, (&first, ident)) in starts.iter().zip(req.idents).enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(n);
        // PageRange is 1-based and inclusive.
        let range = NonZeroUsize::new(first + 1)..=NonZeroUsize::new(end);
        let pdf = world.export(&document, ident, Some(PageRanges::new(vec![range])))?;
        out.push(Rendered {
            pdf,
            pages: end - first,
            warnings: warnings.clone(),
        });
    }
    Ok(out)
}

/// The index of the page each `<feebook-document>` mark is on, in page order.
fn document_starts(document: &PagedDocument) -> Vec<usize> {
    let Some(label) = Label::new(PicoStr::intern(DOCUMENT_LABEL)) else {
        return Vec::new();
    };
    let mut starts = Vec::new();
    for (i, page) in document.pages().iter().enumerate() {
        // Two marks on one page count twice, so that the order check refuses them.
        let mut marks = 0;
        count_marks(&page.frame, label, &mut marks);
        starts.extend(std::iter::repeat_n(i, marks));
    }
    starts
}

fn count_marks(frame: &Frame, label: Label, n: &mut usize) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(group) => count_marks(&group.frame, label, n),
            FrameItem::Tag(Tag::Start(content, _)) if content.label() == Some(label) => *n += 1,
            _ => {}
        }
    }
}

/// Evicts Typst's memoization entries not used since the previous eviction (by this
/// render, or another thread's), whatever the outcome: memory stays flat over thousands
/// of documents. What documents of one template share (its code, its fixed texts) is used
/// by every render and stays. Keeping entries for one more render (`evict(2)`) was no
/// faster and, on the 10,417-notice month, peaked at 179–194 MB against 178–180 MB.
struct Evict;

impl Drop for Evict {
    fn drop(&mut self) {
        comemo::evict(1);
    }
}

/// Empties Typst's memoization caches.
///
/// Call it between renders of large documents that share little, e.g. the
/// volumes of a month's register: the entries of a render stay for the next
/// (see [`render`]), which is what many short documents of one template
/// want (they reuse the template's and the fixed texts' layout) but for
/// volumes of hundreds of rows holds more than one volume's layout at once.
/// Safe at any time; a render in progress on another thread only loses its
/// cache hits.
pub fn forget_layouts() {
    comemo::evict(0);
}

/// The compiles under way: an id, when each started and its main template.
///
/// Typst cannot be interrupted: a template looping over a huge `range`
/// never calls back into the world, so nothing inside a compile can stop
/// it. A caller that must not hang (the CLI) watches from outside with
/// [`longest_compile`] and ends the process; no number is taken before a
/// document has rendered, so nothing is left half-issued.
static UNDER_WAY: std::sync::Mutex<Vec<(u64, std::time::Instant, String)>> =
    std::sync::Mutex::new(Vec::new());

/// The compile that has run longest so far, if any is under way: how long
/// it has run, and its main template (`/receipt.typ`).
pub fn longest_compile() -> Option<(std::time::Duration, String)> {
    let under_way = UNDER_WAY.lock().unwrap_or_else(|e| e.into_inner());
    under_way
        .iter()
        .min_by_key(|(_, started, _)| *started)
        .map(|(_, started, main)| (started.elapsed(), main.clone()))
}

/// One entry of [`UNDER_WAY`], removed when dropped (a compile that panics
/// included).
struct UnderWay(u64);

impl UnderWay {
    fn start(main: &str) -> UnderWay {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        UNDER_WAY.lock().unwrap_or_else(|e| e.into_inner()).push((
            id,
            std::time::Instant::now(),
            main.to_string(),
        ));
        UnderWay(id)
    }
}

impl Drop for UnderWay {
    fn drop(&mut self) {
        UNDER_WAY
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(id, _, _)| *id != self.0);
    }
}

/// The world one document is compiled in.
struct DocWorld<'a> {
    library: &'static LazyHash<Library>,
    templates: &'a Templates,
    fonts: &'a FontSet,
    main: FileId,
    /// `/receipt.typ`, for [`longest_compile`].
    main_path: String,
    data: Bytes,
    today: Datetime,
}

impl<'a> DocWorld<'a> {
    /// The world for one document's compile.
    fn of_request(
        templates: &'a Templates,
        fonts: &'a FontSet,
        req: &RenderRequest,
    ) -> Result<DocWorld<'a>, TemplateError> {
        DocWorld::new(
            templates,
            fonts,
            req.main,
            req.data_json,
            req.today,
            req.paginate,
        )
    }

    /// The world for one compile of `main` over `data_json`.
    fn new(
        templates: &'a Templates,
        fonts: &'a FontSet,
        main: &str,
        data_json: &[u8],
        today: chrono::NaiveDate,
        paginate: bool,
    ) -> Result<DocWorld<'a>, TemplateError> {
        let (main, main_path) = template_path(main)?;
        match templates.files.get(&main) {
            Some(file) if file.source.is_some() => {}
            Some(_) => {
                return Err(TemplateError::message(
                    Some(&main_path),
                    "the main template must be a .typ file",
                ));
            }
            None => {
                let known: Vec<&str> = templates.paths().filter(|p| p.ends_with(".typ")).collect();
                let mut err =
                    TemplateError::message(None, format!("no template registered at {main_path}"));
                err.diagnostics[0]
                    .hints
                    .push(format!("registered templates: {}", known.join(", ")));
                return Err(err);
            }
        }
        let today = {
            use chrono::Datelike;
            Datetime::from_ymd(today.year(), today.month() as u8, today.day() as u8).ok_or_else(
                || TemplateError::message(None, format!("date out of range: {today}")),
            )?
        };
        Ok(DocWorld {
            library: if paginate {
                &LIBRARY
            } else {
                &LIBRARY_ONE_PASS
            },
            templates,
            fonts,
            main,
            main_path,
            data: Bytes::new(data_json.to_vec()),
            today,
        })
    }

    /// Lays the document out. Warnings feebook treats as errors (an unknown font family)
    /// and characters drawn without a glyph fail it; the other warnings are returned.
    fn compile(&self) -> Result<(PagedDocument, Vec<TemplateDiagnostic>), TemplateError> {
        let Warned { output, warnings } = {
            let _under_way = UnderWay::start(&self.main_path);
            typst::compile::<PagedDocument>(self)
        };
        let mut errors = Vec::new();
        let mut kept = Vec::new();
        for warning in &warnings {
            if warning.message.starts_with("unknown font family") {
                let mut diag = self.diagnostic(warning);
                diag.severity = DiagnosticSeverity::Error;
                diag.hints.push(format!(
                    "available font families: {}",
                    self.fonts.families().join(", ")
                ));
                errors.push(diag);
            } else {
                kept.push(self.diagnostic(warning));
            }
        }
        let document = match output {
            Ok(document) if errors.is_empty() => document,
            Ok(_) => {
                return Err(TemplateError {
                    diagnostics: errors,
                });
            }
            Err(diags) => {
                let mut all: Vec<_> = diags.iter().map(|d| self.diagnostic(d)).collect();
                all.extend(errors);
                return Err(TemplateError { diagnostics: all });
            }
        };
        let tofu = self.missing_glyphs(&document);
        if !tofu.is_empty() {
            return Err(TemplateError { diagnostics: tofu });
        }
        Ok((document, kept))
    }

    /// The PDF of the document, or of some of its pages.
    fn export(
        &self,
        document: &PagedDocument,
        ident: &str,
        page_ranges: Option<PageRanges>,
    ) -> Result<Vec<u8>, TemplateError> {
        let options = typst_pdf::PdfOptions {
            ident: if ident.is_empty() {
                Smart::Auto
            } else {
                Smart::Custom(ident.to_string())
            },
            timestamp: None,
            page_ranges,
            // These are print forms. Tagging (the structure tree for screen
            // readers) costs about 40% of the export time of a one-page form,
            // and throughput is what a month of billing needs.
            tagged: false,
            ..typst_pdf::PdfOptions::default()
        };
        typst_pdf::pdf(document, &options).map_err(|diags| TemplateError {
            diagnostics: diags.iter().map(|d| self.diagnostic(d)).collect(),
        })
    }

    fn refuse(&self, id: FileId) -> FileError {
        match id.root() {
            VirtualRoot::Package(spec) => FileError::Package(PackageError::Other(Some(
                format!("{PACKAGES_DISABLED}: {spec}").into(),
            ))),
            VirtualRoot::Project => FileError::Other(Some(
                format!(
                    "access denied: {} is not a template file; feebook templates can read \
                     only {DATA_PATH} and the registered template files",
                    id.vpath().get_with_slash()
                )
                .into(),
            )),
        }
    }

    /// Convert a Typst diagnostic into ours, with file:line:column.
    fn diagnostic(&self, diag: &SourceDiagnostic) -> TemplateDiagnostic {
        let loc = self.locate(diag.span);
        let mut hints = Vec::new();
        for hint in &diag.hints {
            if hint.v.contains("--root") {
                continue; // Typst CLI advice; feebook templates have no adjustable root
            }
            match self.locate(hint.span) {
                Some(l) => hints.push(format!("{} ({})", hint.v, l.short())),
                None => hints.push(hint.v.to_string()),
            }
        }
        let trace = diag
            .trace
            .iter()
            .map(|point| match self.locate(point.span.into()) {
                Some(l) => format!("{} ({})", point.v, l.short()),
                None => point.v.to_string(),
            })
            .collect();
        TemplateDiagnostic {
            severity: match diag.severity {
                Severity::Error => DiagnosticSeverity::Error,
                Severity::Warning => DiagnosticSeverity::Warning,
            },
            file: loc.as_ref().map(|l| l.file.clone()),
            line: loc.as_ref().map(|l| l.line),
            column: loc.as_ref().map(|l| l.column),
            range: loc.map(|l| l.range),
            message: diag.message.to_string(),
            hints,
            trace,
        }
    }

    fn locate(&self, span: DiagSpan) -> Option<Location> {
        let id = span.id()?;
        let range = self.range(span)?;
        self.locate_range(id, range)
    }

    fn locate_range(&self, id: FileId, range: Range<usize>) -> Option<Location> {
        let file = id.vpath().get_without_slash().to_string();
        let position = |lines: &Lines<String>| {
            let (line, column) = lines.byte_to_line_column(range.start)?;
            Some((line + 1, column + 1))
        };
        let (line, column) = if let Some(source) = self
            .templates
            .files
            .get(&id)
            .and_then(|f| f.source.as_ref())
        {
            position(source.get().lines())?
        } else if id == *DATA_ID {
            position(&Lines::new(
                String::from_utf8_lossy(&self.data).into_owned(),
            ))?
        } else {
            return None;
        };
        Some(Location {
            file,
            line,
            column,
            range,
        })
    }

    /// One error per character (and place) that was laid out with the `.notdef` glyph.
    fn missing_glyphs(&self, document: &PagedDocument) -> Vec<TemplateDiagnostic> {
        fn walk(frame: &Frame, found: &mut Vec<(char, Span, u16, String)>) {
            for (_, item) in frame.items() {
                match item {
                    FrameItem::Group(group) => walk(&group.frame, found),
                    FrameItem::Text(text) => {
                        for glyph in text.glyphs.iter().filter(|g| g.id == 0) {
                            let s = text.text.get(glyph.range()).unwrap_or_default();
                            for c in s.chars() {
                                if !found.iter().any(|(fc, fs, fo, _)| {
                                    *fc == c && *fs == glyph.span.0 && *fo == glyph.span.1
                                }) {
                                    found.push((
                                        c,
                                        glyph.span.0,
                                        glyph.span.1,
                                        text.text.to_string(),
                                    ));
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        let mut found = Vec::new();
        for page in document.pages() {
            walk(&page.frame, &mut found);
        }
        found
            .into_iter()
            .filter(|(c, ..)| !c.is_whitespace() && !c.is_control())
            .map(|(c, span, offset, text)| {
                let loc = self
                    .glyph_range(span, offset)
                    .and_then(|r| self.locate_range(span.id()?, r));
                TemplateDiagnostic {
                    severity: DiagnosticSeverity::Error,
                    file: loc.as_ref().map(|l| l.file.clone()),
                    line: loc.as_ref().map(|l| l.line),
                    column: loc.as_ref().map(|l| l.column),
                    range: loc.map(|l| l.range),
                    message: format!(
                        "character {c} (U+{:04X}) has no glyph in the fonts for this text and \
                         would print as a blank box (in \"{text}\")",
                        c as u32
                    ),
                    hints: vec![if self.fonts.covers(c) {
                        "a font in the set has it, but this text's font list excludes it \
                         (`fallback: false`?)"
                            .to_string()
                    } else {
                        format!(
                            "no available font has it ({}); add a font that has this character",
                            self.fonts.families().join(", ")
                        )
                    }],
                    trace: Vec::new(),
                }
            })
            .collect()
    }
}

impl DocWorld<'_> {
    /// Source range of a glyph: the offset only counts inside markup text (as in
    /// typst-ide's click-to-jump); text produced by code maps to the expression.
    fn glyph_range(&self, span: Span, offset: u16) -> Option<Range<usize>> {
        let source = self.source(span.id()?).ok()?;
        let node = source.find(span)?;
        let range = node.range();
        if matches!(node.kind(), SyntaxKind::Text | SyntaxKind::MathText) {
            let start = (range.start + usize::from(offset)).min(range.end);
            Some(start..range.end)
        } else {
            Some(range)
        }
    }
}

struct Location {
    file: String,
    line: usize,
    column: usize,
    range: Range<usize>,
}

impl Location {
    fn short(&self) -> String {
        format!("{}:{}:{}", self.file, self.line, self.column)
    }
}

impl World for DocWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.fonts.book()
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if let Some(file) = self.templates.files.get(&id) {
            return file
                .source
                .as_ref()
                .map(|s| s.get().clone())
                .ok_or(FileError::NotSource);
        }
        if id == *DATA_ID {
            return Err(FileError::NotSource);
        }
        Err(self.refuse(id))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if let Some(file) = self.templates.files.get(&id) {
            return Ok(file.bytes.clone());
        }
        if id == *DATA_ID {
            return Ok(self.data.clone());
        }
        Err(self.refuse(id))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.font(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

/// Whether a diagnostic stops the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagnosticSeverity {
    Error,
    Warning,
}

/// One problem with a template (or its data), located in the template source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateDiagnostic {
    pub severity: DiagnosticSeverity,
    /// The file, relative to the template root (`quote.typ`, `parts/header.typ`, or
    /// `data.json` for a data error); `None` when Typst gives no location.
    pub file: Option<String>,
    /// 1-based line.
    pub line: Option<usize>,
    /// 1-based column, in characters (not bytes).
    pub column: Option<usize>,
    /// Byte range in the file (for miette-style snippets).
    pub range: Option<Range<usize>>,
    pub message: String,
    pub hints: Vec<String>,
    /// Where the problem was reached from, innermost first
    /// ("while calling `row` (quote.typ:30:3)").
    pub trace: Vec<String>,
}

impl fmt::Display for TemplateDiagnostic {
    /// `quote.typ:12:5: error: unknown variable: foo`, then one `  hint: ...` line per hint.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}:")?;
            if let (Some(line), Some(column)) = (self.line, self.column) {
                write!(f, "{line}:{column}:")?;
            }
            f.write_str(" ")?;
        }
        let severity = match self.severity {
            DiagnosticSeverity::Error => "error",
            DiagnosticSeverity::Warning => "warning",
        };
        write!(f, "{severity}: {}", self.message)?;
        for hint in &self.hints {
            write!(f, "\n  hint: {hint}")?;
        }
        for point in &self.trace {
            write!(f, "\n  note: {point}")?;
        }
        Ok(())
    }
}

/// A document could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub diagnostics: Vec<TemplateDiagnostic>,
}

impl TemplateError {
    fn message(file: Option<&str>, message: impl Into<String>) -> Self {
        TemplateError {
            diagnostics: vec![TemplateDiagnostic {
                severity: DiagnosticSeverity::Error,
                file: file.map(|f| f.trim_start_matches('/').to_string()),
                line: None,
                column: None,
                range: None,
                message: message.into(),
                hints: Vec::new(),
                trace: Vec::new(),
            }],
        }
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diag) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{diag}")?;
        }
        Ok(())
    }
}

impl std::error::Error for TemplateError {}

// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    fn date() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    fn render_one(main: &str, data: &str) -> Result<Vec<u8>, TemplateError> {
        let mut t = Templates::new();
        t.insert_source("/main.typ", main).unwrap();
        t.insert_source("/common.typ", "#let money(x) = [¥#x]\n")
            .unwrap();
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">
            <rect width="10" height="10"/></svg>"#;
        t.insert("/logo.svg", svg.as_bytes().to_vec()).unwrap();
        let req = RenderRequest {
            main: "/main.typ",
            data_json: data.as_bytes(),
            today: date(),
            ident: "BJ-2026-000123",
            paginate: true,
        };
        render_pdf(&t, FontSet::embedded(), &req)
    }

    const QUOTE: &str = r#"#import "/common.typ": money
#let data = json("/data.json")
#set page(paper: "a5")
= 特约服务报价单
客户：#data.customer.name \
*合计：#money(data.total)*（#data.total_cn）
#image("/logo.svg", width: 1cm)
"#;
    const DATA: &str = r#"{"customer": {"name": "张三"}, "total": "1,409.50", "total_cn": "壹仟肆佰零玖元伍角整"}"#;

    fn err_of(main: &str, data: &str) -> TemplateError {
        render_one(main, data).expect_err("render should fail")
    }

    #[test]
    fn renders_chinese_pdf() {
        let pdf = render_one(QUOTE, DATA).unwrap();
        assert!(pdf.starts_with(b"%PDF"), "{:?}", &pdf[..16]);
        assert!(pdf.len() > 1000);
    }

    #[test]
    fn same_request_gives_identical_bytes() {
        let a = render_one(QUOTE, DATA).unwrap();
        let b = render_one(QUOTE, DATA).unwrap();
        assert!(a == b, "two renders differ");
        // A different document number gives a different PDF id.
        let mut t = Templates::new();
        t.insert_source("/main.typ", "你好").unwrap();
        let req = |ident| RenderRequest {
            main: "/main.typ",
            data_json: b"{}",
            today: date(),
            ident,
            paginate: true,
        };
        let x = render_pdf(&t, FontSet::embedded(), &req("A-1")).unwrap();
        let y = render_pdf(&t, FontSet::embedded(), &req("A-2")).unwrap();
        assert_ne!(x, y);
    }

    #[test]
    fn today_is_the_document_date() {
        render_one(
            "#assert.eq(datetime.today(), datetime(year: 2026, month: 11, day: 27))",
            "{}",
        )
        .unwrap();
        render_one(
            "#assert.eq(datetime.today(offset: 8), datetime(year: 2026, month: 11, day: 27))",
            "{}",
        )
        .unwrap();
    }

    #[test]
    fn reading_outside_the_templates_is_refused() {
        let err = err_of("#read(\"/etc/passwd\")", "{}");
        let text = err.to_string();
        assert!(text.contains("main.typ:1:7: error:"), "{text}");
        assert!(
            text.contains("access denied") && text.contains("/etc/passwd"),
            "{text}"
        );

        let err = err_of("#read(\"../../etc/passwd\")", "{}");
        assert!(
            err.to_string().contains("would escape the project root"),
            "{err}"
        );
        assert!(!err.to_string().contains("--root"), "{err}");

        let err = err_of("#image(\"/secret.png\")", "{}");
        assert!(err.to_string().contains("access denied"), "{err}");

        // Registered files and the data are readable.
        render_one("#read(\"/common.typ\") #read(\"/data.json\")", "{}").unwrap();
    }

    #[test]
    fn packages_are_refused() {
        let err = err_of("#import \"@preview/cetz:0.3.0\"", "{}");
        let text = err.to_string();
        assert!(text.contains(PACKAGES_DISABLED), "{text}");
        assert!(text.contains("main.typ:1:9"), "{text}");
    }

    #[test]
    fn syntax_error_has_file_line_column() {
        let err = err_of("第一行\n第二行\n#let x = (1, 2\n", "{}");
        let d = &err.diagnostics[0];
        assert_eq!(
            (d.file.as_deref(), d.line),
            (Some("main.typ"), Some(3)),
            "{err}"
        );
        assert!(d.column.is_some(), "{err}");

        let err = err_of("中文\n  #foo\n", "{}");
        let d = &err.diagnostics[0];
        assert_eq!(
            d.to_string().lines().next().unwrap(),
            "main.typ:2:4: error: unknown variable: foo"
        );
        assert_eq!(d.range, Some(10..13));
    }

    #[test]
    fn errors_in_imported_files_name_that_file() {
        let mut t = Templates::new();
        t.insert_source("/main.typ", "#import \"/parts/row.typ\": row\n#row()")
            .unwrap();
        t.insert_source("parts/row.typ", "#let row() = {\n  undefined-thing\n}\n")
            .unwrap();
        let req = RenderRequest {
            main: "main.typ",
            data_json: b"{}",
            today: date(),
            ident: "x",
            paginate: true,
        };
        let err = render_pdf(&t, FontSet::embedded(), &req).unwrap_err();
        let d = &err.diagnostics[0];
        assert_eq!(
            (d.file.as_deref(), d.line, d.column),
            (Some("parts/row.typ"), Some(2), Some(3)),
            "{err}"
        );
        assert!(d.trace.iter().any(|t| t.contains("main.typ:2:2")), "{err}");
    }

    #[test]
    fn bad_json_points_into_data() {
        let err = err_of("#let data = json(\"/data.json\")", "{\n  \"a\": 1,\n}");
        let text = err.to_string();
        assert!(text.contains("json"), "{text}");
    }

    #[test]
    fn unknown_font_family_is_an_error() {
        let err = err_of("#set text(font: \"SimSun\")\n你好", "{}");
        let text = err.to_string();
        assert!(
            text.contains("main.typ:1:17: error: unknown font family: simsun"),
            "{text}"
        );
        assert!(
            text.contains("available font families: Noto Sans CJK SC"),
            "{text}"
        );
        // The embedded family by name is fine.
        render_one("#set text(font: \"Noto Sans CJK SC\")\n你好 *粗体*", "{}").unwrap();
    }

    #[test]
    fn characters_without_glyph_are_errors() {
        let err = err_of(
            "#let data = json(\"/data.json\")\n客户：#data.name",
            r#"{"name": "吉田𠮷"}"#,
        );
        let text = err.to_string();
        assert!(text.contains("U+20BB7"), "{text}");
        assert!(text.starts_with("main.typ:2:5: error:"), "{text}");
        assert!(
            text.contains("no available font has it (Noto Sans CJK SC)"),
            "{text}"
        );
        let err = err_of("literal 𠮷 here", "{}");
        assert!(
            err.to_string()
                .starts_with("main.typ:1:9: error: character 𠮷"),
            "{err}"
        );
    }

    #[test]
    fn unknown_main_and_reserved_paths() {
        let err = render_pdf(
            &Templates::new(),
            FontSet::embedded(),
            &RenderRequest {
                main: "/nope.typ",
                data_json: b"{}",
                today: date(),
                ident: "x",
                paginate: true,
            },
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("no template registered at /nope.typ"),
            "{err}"
        );
        assert!(
            Templates::new()
                .insert("/data.json", b"{}".to_vec())
                .is_err()
        );
        assert!(Templates::new().insert("/../x.typ", b"".to_vec()).is_err());
    }

    #[test]
    fn concurrent_renders_match_serial_ones() {
        let mut t = Templates::new();
        t.insert_source(
            "/main.typ",
            "#let data = json(\"/data.json\")\n= 收据\n金额：¥#data.amount",
        )
        .unwrap();
        let docs: Vec<String> = (0..8)
            .map(|i| format!("{{\"amount\": \"{i}.00\"}}"))
            .collect();
        let render = |i: usize| {
            let ident = format!("R-{i}");
            let req = RenderRequest {
                main: "/main.typ",
                data_json: docs[i].as_bytes(),
                today: date(),
                ident: &ident,
                paginate: true,
            };
            render_pdf(&t, FontSet::embedded(), &req).unwrap()
        };
        let serial: Vec<Vec<u8>> = (0..docs.len()).map(render).collect();
        let parallel: Vec<Vec<u8>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..docs.len())
                .map(|i| s.spawn(move || render(i)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(serial == parallel);
    }
}
