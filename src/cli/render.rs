//! Shared by the commands that render documents: templates, fonts, where
//! the output goes.

use std::path::{Path, PathBuf};

use feebook::documents::{Format, Kind, Renderer};
use feebook::fsutil;
use feebook::source::Sources;

use super::USAGE;
use super::common::report;

/// Options of every rendering command.
#[derive(clap::Args, Debug, Clone)]
pub struct RenderArgs {
    /// Output file, or a folder to write into. Default: output/ with a name
    /// from the document number.
    #[arg(short = 'o', long = "out", value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Folder whose typst/, html/ and md/ templates replace the built-in
    /// ones of the same name.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Folder of extra fonts (.ttf, .otf, .ttc) for characters the built-in
    /// Noto Sans CJK SC lacks.
    #[arg(long, value_name = "DIR")]
    pub font_dir: Option<PathBuf>,
}

/// Options of commands that issue numbered documents.
#[derive(clap::Args, Debug, Clone)]
pub struct JournalArgs {
    /// The issued-document journal (SQLite).
    #[arg(long, value_name = "PATH", default_value = "output/journal.sqlite")]
    pub journal: PathBuf,
}

pub fn renderer(args: &RenderArgs) -> Result<Renderer, u8> {
    if args.templates.is_none() && args.font_dir.is_none() {
        return Ok(Renderer::embedded());
    }
    Renderer::new(args.templates.as_deref(), args.font_dir.as_deref()).map_err(|problems| {
        report(&problems, &Sources::new());
        USAGE
    })
}

/// Where a document goes: `-o FILE`, `-o DIR/`, or output/NAME.EXT.
pub fn output_path(args: &RenderArgs, kind: Kind, name: &str, format: Format) -> PathBuf {
    let file = format!(
        "{}-{}.{}",
        kind.file_prefix(),
        fsutil::sanitize_file_name(name),
        format.extension()
    );
    match &args.out {
        Some(p) if p.is_dir() || p.as_os_str().to_string_lossy().ends_with('/') => {
            p.join(fsutil::sanitize_file_name(&file))
        }
        Some(p) => p.clone(),
        None => Path::new("output").join(fsutil::sanitize_file_name(&file)),
    }
}

/// Writes atomically and prints the path.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), u8> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprintln!("error: cannot create the folder `{}`: {e}", dir.display());
        return Err(USAGE);
    }
    fsutil::write_atomic(path, bytes).map_err(|e| {
        eprintln!("error: cannot write `{}`: {e}", path.display());
        USAGE
    })?;
    super::out(&format!("{}\n", path.display()));
    Ok(())
}
