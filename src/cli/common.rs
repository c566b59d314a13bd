//! What every command shares: loading rules and input files, printing
//! diagnostics, exit codes.

use std::path::Path;

use feebook::diagnostic::{self, Diagnostic};
use feebook::rules::{self, Loaded, Rules};
use feebook::source::Sources;

use super::{PROBLEMS, RulesArgs, USAGE};

/// Loads the rules; on failure prints why and returns the exit code.
pub fn load_rules(args: &RulesArgs) -> Result<(Rules, Sources), u8> {
    let mut loaded: Loaded = rules::load_default(args.rules.as_deref()).map_err(|e| {
        eprintln!("error: {e}");
        USAGE
    })?;
    loaded.check_signoff_dates(super::today());
    if let rules::Origin::Dir(dir) = &loaded.origin
        && let Ok(files) = std::fs::read_dir(dir)
    {
        for f in files.flatten() {
            super::render::protect(&f.path());
        }
    }
    let warnings_only = loaded.diagnostics.iter().all(|d| !d.is_error());
    match loaded.rules {
        Some(r) if warnings_only => {
            // Warnings do not stop the command, but whoever runs it should
            // see them: a missing holiday year changes "the next working
            // day", an unused formula input is likely a typo.
            // Once per process: `police` reads the rules again for each job.
            static SHOWN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
            if !loaded.diagnostics.is_empty()
                && !SHOWN.swap(true, std::sync::atomic::Ordering::Relaxed)
            {
                eprint!(
                    "{}",
                    diagnostic::render_all(&loaded.diagnostics, &loaded.sources)
                );
                eprintln!(
                    "note: the rules in {} have {}; going on",
                    loaded.origin,
                    diagnostic::summary(&loaded.diagnostics)
                );
            }
            Ok((r, loaded.sources))
        }
        _ => {
            eprint!(
                "{}",
                diagnostic::render_all(&loaded.diagnostics, &loaded.sources)
            );
            eprintln!(
                "error: the rules in {} have problems ({}); fix them first (`feebook check`)",
                loaded.origin,
                diagnostic::summary(&loaded.diagnostics)
            );
            Err(PROBLEMS)
        }
    }
}

/// Reads a UTF-8 input file; a missing or unreadable file is a usage error.
pub fn read_input(path: &Path, what: &str) -> Result<String, u8> {
    let bytes = std::fs::read(path).map_err(|e| {
        eprintln!("error: cannot read the {what} `{}`: {e}", path.display());
        USAGE
    })?;
    super::render::protect(path);
    String::from_utf8(bytes).map_err(|e| {
        let (_, problem) = feebook::text::not_utf8(&path.display().to_string(), what, e);
        report(&[problem], &Sources::new())
    })
}

/// Prints problems and returns the exit code for them.
pub fn report(problems: &[Diagnostic], sources: &Sources) -> u8 {
    eprint!("{}", diagnostic::render_all(problems, sources));
    eprintln!("{}", diagnostic::summary(problems));
    PROBLEMS
}

/// Refuses an input file given twice, under the same name or another (a
/// second path to it, or a copy with the same bytes): every row of it
/// would be read twice, and a month billed from it would be one long list
/// of duplicate numbers instead of one clear mistake.
///
/// `copies`: whether a copy with the same bytes is refused too. `police`
/// checks a copy as a file of its own: two payment files alike are the
/// very double payment it is there to find (`paid-twice`).
pub fn refuse_repeated(files: &[std::path::PathBuf], copies: bool) -> Result<(), u8> {
    let mut seen: Vec<(&Path, std::path::PathBuf, u64)> = Vec::new();
    for f in files {
        let (Ok(real), Ok(meta)) = (std::fs::canonicalize(f), std::fs::metadata(f)) else {
            // A file that cannot be read is reported where it is read.
            continue;
        };
        for (first, first_real, len) in &seen {
            let same = *first_real == real
                || (copies
                    && *len == meta.len()
                    && matches!(
                        (std::fs::read(first_real), std::fs::read(&real)),
                        (Ok(a), Ok(b)) if a == b
                    ));
            if same {
                let how = if *first_real == real {
                    "is the same file as"
                } else {
                    "has the same contents as"
                };
                let (what, help) = if copies {
                    (
                        "its rows would be read twice",
                        "give each file of orders once",
                    )
                } else {
                    ("it would be checked twice", "give each file once")
                };
                eprintln!(
                    "error: `{}` {how} `{}`: {what}\n  = help: {help}",
                    f.display(),
                    first.display()
                );
                return Err(USAGE);
            }
        }
        seen.push((f, real, meta.len()));
    }
    Ok(())
}
