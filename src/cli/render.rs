//! Shared by the commands that render documents: templates, fonts, where
//! the output goes.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use feebook::diagnostic;
use feebook::documents::{Format, Kind, Renderer};
use feebook::fsutil;
use feebook::source::Sources;

use super::common::report;
use super::{PROBLEMS, USAGE};

/// Options of every rendering command.
#[derive(clap::Args, Debug, Clone)]
pub struct RenderArgs {
    /// Output file, a folder to write into, or `-` for standard output.
    /// Default: output/ with a name from the document number.
    #[arg(short = 'o', long = "out", value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Folder whose typst/, html/ and md/ templates replace the built-in
    /// ones of the same name (a file there that nothing uses is reported).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Folder of extra fonts (.ttf, .otf, .ttc, .otc, in it or its
    /// subfolders) for characters the built-in Noto Sans CJK SC lacks.
    #[arg(long, value_name = "DIR")]
    pub font_dir: Option<PathBuf>,
    /// Longest a template may take to lay out one document (or a batch of
    /// eight billing notices), in seconds; past it feebook stops, having
    /// issued nothing.
    #[arg(long, value_name = "SECONDS", default_value_t = 120,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub time_limit: u64,
}

/// The document formats and the file extensions that name them.
pub const DOC_FORMATS: [(Format, &str); 4] = [
    (Format::Pdf, "pdf"),
    (Format::Html, "html"),
    (Format::Md, "md"),
    (Format::Json, "json"),
];

/// The format to write: the one `--format` gives, else the one `-o` names
/// by its extension (`-o quote.html`, as `reissue` and `void` read it), else
/// `default`. A `--format` the file name contradicts is refused (exit 2):
/// a PDF in a file named `.html` opens as garbage.
pub fn pick_format<F: Copy + PartialEq>(
    given: Option<F>,
    out: Option<&Path>,
    formats: &[(F, &str)],
    default: F,
) -> Result<F, u8> {
    let ext_of = |f: F| {
        formats
            .iter()
            .find(|(g, _)| *g == f)
            .map_or("", |(_, e)| *e)
    };
    let named = out
        .filter(|p| !p.is_dir())
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .and_then(|e| {
            formats
                .iter()
                .find(|(_, x)| x.eq_ignore_ascii_case(e))
                .map(|(f, _)| *f)
        });
    match (given, named) {
        (Some(f), Some(n)) if f != n => {
            eprintln!(
                "error: --format {} but -o names a .{} file\n  = help: give one of them, or both alike",
                ext_of(f),
                ext_of(n)
            );
            Err(USAGE)
        }
        (Some(f), _) => Ok(f),
        (None, Some(n)) => Ok(n),
        (None, None) => Ok(default),
    }
}

/// Stops the process when a Typst compile runs past `limit`. Typst cannot
/// be interrupted from inside (see `typst_engine::longest_compile`), and a
/// template of one's own with a loop that does not end would otherwise
/// hang `bill` for good. Exiting is safe: numbers are taken only after
/// every document has rendered, SQLite rolls back what was not committed,
/// and the next write to the folder removes the hidden temporary files.
fn watch_compiles(limit: std::time::Duration, templates: Option<PathBuf>) {
    static WATCHING: std::sync::Once = std::sync::Once::new();
    WATCHING.call_once(|| {
        NOT_ISSUED.store(true, std::sync::atomic::Ordering::SeqCst);
        let tick = std::time::Duration::from_millis(200).min(limit);
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(tick);
                let Some((ran, main)) = feebook::documents::typst_engine::longest_compile() else {
                    continue;
                };
                if ran < limit || !NOT_ISSUED.load(std::sync::atomic::Ordering::SeqCst) {
                    continue;
                }
                let name = main.trim_start_matches('/');
                let own = templates
                    .as_deref()
                    .map(|d| d.join("typst").join(name))
                    .filter(|p| p.is_file());
                let (which, help) = match &own {
                    Some(p) => (
                        format!("`{}`", p.display()),
                        "a loop in it that does not end, or over a huge `range`? Correct it, or give it more time with --time-limit".to_string(),
                    ),
                    None => (
                        format!("built-in `templates/typst/{name}`"),
                        "a document this long needs more time: give it with --time-limit".to_string(),
                    ),
                };
                eprintln!(
                    "\nerror: the template {which} has laid out one document for more than {} s (--time-limit); feebook stopped, and issued nothing\n  = help: {help}",
                    limit.as_secs()
                );
                std::process::exit(i32::from(super::PROBLEMS));
            }
        });
    });
}

/// Whether stopping now leaves nothing issued: see [`numbers_taken`].
static NOT_ISSUED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Says that numbers are recorded whose documents are still to be
/// rendered (`bill --shard` renders again after recording; its templates
/// have ended once on the same data): from now on no compile is stopped,
/// since that would leave numbers issued without their files.
pub fn numbers_taken() {
    NOT_ISSUED.store(false, std::sync::atomic::Ordering::SeqCst);
}

/// Where the journal is unless `--journal` says otherwise.
pub const DEFAULT_JOURNAL: &str = "output/journal.sqlite";

/// Options of commands that issue numbered documents.
#[derive(clap::Args, Debug, Clone)]
pub struct JournalArgs {
    /// The issued-document journal (SQLite).
    #[arg(long, value_name = "PATH", default_value = DEFAULT_JOURNAL)]
    pub journal: PathBuf,
}

pub fn renderer(args: &RenderArgs) -> Result<Renderer, u8> {
    watch_compiles(
        std::time::Duration::from_secs(args.time_limit),
        args.templates.clone(),
    );
    if args.templates.is_none() && args.font_dir.is_none() {
        return Ok(Renderer::embedded());
    }
    match Renderer::new(args.templates.as_deref(), args.font_dir.as_deref()) {
        Ok(r) => {
            eprint!("{}", diagnostic::render_all(r.warnings(), &Sources::new()));
            Ok(r)
        }
        // A template that does not parse or would not be used is a problem
        // in what the user wrote (1); a folder that cannot be read, or holds
        // no font, a usage error (2).
        Err(e) => {
            let code = report(&e.problems, &Sources::new());
            Err(if e.in_content { code } else { USAGE })
        }
    }
}

/// `-o -`: the document goes to standard output, not to a file.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Where a document goes: `-o FILE`, `-o DIR/`, `-o -`, or output/NAME.EXT.
pub fn output_path(args: &RenderArgs, kind: Kind, name: &str, format: Format) -> PathBuf {
    let file = format!(
        "{}-{}.{}",
        kind.file_prefix(),
        fsutil::sanitize_file_name(name),
        format.extension()
    );
    match &args.out {
        Some(p) if is_stdout(p) => p.clone(),
        Some(p) if p.is_dir() || p.as_os_str().to_string_lossy().ends_with('/') => {
            p.join(fsutil::sanitize_file_name(&file))
        }
        Some(p) => p.clone(),
        None => Path::new("output").join(fsutil::sanitize_file_name(&file)),
    }
}

/// The files this run reads (inputs, rule files, the journal): no output
/// may replace one of them.
static READ: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Remembers a file this run reads, so that `-o` cannot name it: `feebook
/// order job.yaml -o job.yaml` or `-o journal.sqlite` would otherwise
/// replace the input or the whole journal with a PDF.
pub fn protect(path: &Path) {
    if let Ok(p) = path.canonicalize()
        && let Ok(mut read) = READ.lock()
    {
        read.push(p);
    }
}

/// Where the bytes for `path` really go, or why they cannot: a symbolic
/// link is followed (the file it names is written, the link kept); an
/// existing folder, device or pipe, and a file this run reads, are refused.
pub fn check_target(path: &Path) -> Result<PathBuf, u8> {
    if is_stdout(path) {
        return Ok(path.to_path_buf());
    }
    let target = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => path.canonicalize().unwrap_or_else(|_| {
            // A link to a file yet to be written: the path it names.
            let to = std::fs::read_link(path).unwrap_or_default();
            path.parent().unwrap_or(Path::new("")).join(to)
        }),
        _ => path.to_path_buf(),
    };
    let Ok(meta) = std::fs::metadata(&target) else {
        return Ok(target); // a new file
    };
    if !meta.is_file() {
        eprintln!(
            "error: `{}` exists and is not a file (a folder, a device or a pipe); feebook writes only regular files\n  = help: give a file name, or a folder ending in `/` to write into",
            path.display()
        );
        return Err(USAGE);
    }
    let real = target.canonicalize().unwrap_or(target.clone());
    if READ.lock().is_ok_and(|read| read.contains(&real)) {
        eprintln!(
            "error: `{}` is a file this command reads (an input, a rule file or the journal); writing the document there would destroy it\n  = help: give another output path with -o",
            path.display()
        );
        return Err(USAGE);
    }
    Ok(target)
}

/// Before a number is taken: the folder `path` goes in exists or can be
/// made, a file can be created there, and `path` itself may be written.
/// A number must not be used up by a document that cannot be written.
pub fn check_writable(path: &Path, format: Format) -> Result<(), u8> {
    if is_stdout(path) {
        return if format == Format::Pdf && std::io::stdout().is_terminal() {
            Err(pdf_on_terminal())
        } else {
            Ok(())
        };
    }
    let target = check_target(path)?;
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let probe = std::fs::create_dir_all(dir).and_then(|()| {
        let tmp = fsutil::temp_path(dir, "feebook-probe");
        std::fs::File::create(&tmp)?;
        std::fs::remove_file(&tmp)
    });
    probe.map_err(|e| {
        eprintln!(
            "error: cannot write into `{}`: {e}; nothing was recorded in the journal\n  = help: give a writable output path with -o",
            dir.display()
        );
        USAGE
    })
}

fn pdf_on_terminal() -> u8 {
    eprintln!(
        "error: a PDF is not shown on a terminal\n  = help: redirect it (`-o - > file.pdf`), give a file with -o, or choose --format html, md or json"
    );
    USAGE
}

/// Writes atomically and prints the path; `-` writes the bytes to standard
/// output and prints nothing else there.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), u8> {
    write_to(path, bytes, false)
}

/// [`write`]; `whole` when the reader must get every byte (a numbered
/// document, which cannot be had again but by `reissue`): a pipe closed
/// early is then a failure, not the usual quiet end of `… | head`.
fn write_to(path: &Path, bytes: &[u8], whole: bool) -> Result<(), u8> {
    if is_stdout(path) {
        if bytes.starts_with(b"%PDF") && std::io::stdout().is_terminal() {
            return Err(pdf_on_terminal());
        }
        let mut stdout = std::io::stdout().lock();
        return match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe && whole => {
                eprintln!(
                    "error: standard output was closed before the whole document was written"
                );
                Err(PROBLEMS)
            }
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => {
                eprintln!("error: cannot write the document to standard output: {e}");
                Err(USAGE)
            }
        };
    }
    let target = check_target(path)?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprintln!("error: cannot create the folder `{}`: {e}", dir.display());
        return Err(USAGE);
    }
    fsutil::write_atomic(&target, bytes).map_err(|e| {
        eprintln!("error: cannot write `{}`: {e}", path.display());
        USAGE
    })?;
    super::out(&format!("{}\n", path.display()));
    Ok(())
}

/// Writes a document the journal has already recorded: when that fails,
/// says that the number is issued and how to get the document again.
pub fn write_issued(path: &Path, bytes: &[u8], number: &str) -> Result<(), u8> {
    write_to(path, bytes, true).inspect_err(|_| {
        eprintln!(
            "  = note: {number} is issued and recorded in the journal; `feebook reissue {number} -o PATH` writes it again"
        );
    })
}
