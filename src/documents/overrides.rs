//! What a `--templates` folder holds that feebook would not use.
//!
//! A template replaces the built-in one of the same name, so a misnamed one
//! (`typst/reciept.typ`, `html/billing-notice.html`, a `receipt.typ` beside
//! `typst/` rather than in it) would be silently ignored and the built-in
//! template printed instead. So every file of the folder must be used:
//!
//! - at the top, the folders `typst/`, `html/` and `md/`;
//! - in `typst/`, the templates named like the built-in ones (at the top of
//!   `typst/`), and the files they import, include or read by a literal path
//!   (relative to the file that names it, or from `/`, the top of `typst/`),
//!   and the files those name, and so on;
//! - in `html/` and `md/`, the `.html` and `.md` templates named like the
//!   built-in ones, and the partials they include, import or extend by a
//!   literal name, and so on.
//!
//! A template file (`.typ`, `.html`, `.htm`, `.md`, `.markdown`, any case)
//! that nothing uses is an error: it is almost certainly a template under a
//! wrong name or in a wrong folder, and its author wants to know before a
//! month's notices are printed with the built-in one. Any other file that
//! nothing uses (notes, an image no template names) is a warning. Names
//! beginning with `.` are ignored.

use std::collections::BTreeSet;
use std::path::Path;

use super::TYPST_TEMPLATES;
use super::html::{self, HtmlTemplates};
use super::typst_engine::Templates;
use crate::diagnostic::{Diagnostic, Place, closest, edit_distance};

/// The folders of a templates folder.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Folder {
    Top,
    Typst,
    Html,
    Md,
}

impl Folder {
    /// The names of the built-in templates of this folder.
    fn names(self) -> Vec<&'static str> {
        match self {
            Folder::Top => vec!["typst", "html", "md"],
            Folder::Typst => TYPST_TEMPLATES.iter().map(|(n, _)| *n).collect(),
            Folder::Html => html::template_names("html"),
            Folder::Md => html::template_names("md"),
        }
    }

    /// The folder a template of this extension belongs in.
    fn of_extension(ext: &str) -> Option<Folder> {
        match ext {
            "typ" => Some(Folder::Typst),
            "html" | "htm" => Some(Folder::Html),
            "md" | "markdown" => Some(Folder::Md),
            _ => None,
        }
    }

    /// The extension of this folder's templates.
    fn extension(self) -> &'static str {
        match self {
            Folder::Top => "",
            Folder::Typst => ".typ",
            Folder::Html => ".html",
            Folder::Md => ".md",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Folder::Top => "",
            Folder::Typst => "typst/",
            Folder::Html => "html/",
            Folder::Md => "md/",
        }
    }
}

/// Whether a file name is a template's, by its extension: `.typ`, `.html`,
/// `.htm`, `.md`, `.markdown`, in any case.
fn is_template_name(name: &str) -> bool {
    extension(name).is_some_and(|e| Folder::of_extension(&e).is_some())
}

fn extension(name: &str) -> Option<String> {
    Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
}

/// The files and folders of `dir/` (`dir/typst/`, `dir/html/`, `dir/md/`)
/// that nothing uses: an error for what looks like a template, a warning
/// for anything else (see [`unused`]). `typst` is what was read from
/// `dir/typst/` (when it exists); `html` the HTML and Markdown templates
/// read from `dir/` (`None` when they did not load: their own errors are
/// reported, and their folders are surveyed once they load).
pub fn survey(
    dir: &Path,
    typst: Option<&Templates>,
    html: Option<&HtmlTemplates>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (name, is_dir) in entries(dir) {
        let lower = name.to_lowercase();
        // `Typst/` is read as `typst/` where names ignore case (macOS).
        let read = is_dir
            && Folder::Top.names().contains(&lower.as_str())
            && dir.join(&name).canonicalize().ok() == dir.join(&lower).canonicalize().ok();
        if read {
            continue;
        }
        out.push(unused(dir, Folder::Top, &name, is_dir));
    }
    if let Some(typst) = typst {
        let reached = typst_reached(typst);
        for path in typst.paths() {
            let rel = path.trim_start_matches('/');
            if Folder::Typst.names().contains(&rel) || reached.contains(path) {
                continue;
            }
            out.push(unused(dir, Folder::Typst, rel, false));
        }
    }
    if let Some(html) = html {
        let unused_files = html.unused();
        for (folder, ext) in [(Folder::Html, "html"), (Folder::Md, "md")] {
            let sub = dir.join(ext);
            for (name, is_dir) in entries(&sub) {
                let path = sub.join(&name);
                // What `HtmlTemplates::with_overrides` reads.
                let read = !is_dir && path.extension().and_then(|e| e.to_str()) == Some(ext);
                if read && !unused_files.contains(&path.as_path()) {
                    continue;
                }
                out.push(unused(dir, folder, &name, is_dir));
            }
        }
    }
    out
}

/// The entries of a folder that are not hidden, sorted, with whether each
/// is a folder (a link to one counts); none when it cannot be read.
fn entries(dir: &Path) -> Vec<(String, bool)> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, bool)> = read
        .flatten()
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, e.path().is_dir())
        })
        .filter(|(name, _)| !name.starts_with('.'))
        .collect();
    out.sort();
    out
}

/// Whether a folder holds a template file, `depth` levels down at most (not
/// through links to folders).
fn holds_templates(dir: &Path, depth: usize) -> bool {
    let Ok(read) = std::fs::read_dir(dir) else {
        return false;
    };
    read.flatten().any(|e| {
        let name = e.file_name().to_string_lossy().into_owned();
        match e.file_type() {
            Ok(t) if t.is_dir() => depth > 0 && holds_templates(&e.path(), depth - 1),
            Ok(_) => is_template_name(&name),
            Err(_) => false,
        }
    })
}

/// The names of `folder`'s templates that `lower` (a lower-cased file
/// name) may have been meant as: the same name, else the closest.
fn meant(folder: Folder, lower: &str) -> Vec<String> {
    let names = folder.names();
    let found = if names.contains(&lower) {
        vec![lower]
    } else {
        // The closest ones only: `billing_notice.html` for
        // `billing-notice.html`, not `notice.html` as well.
        let found = closest(lower, names.iter().copied());
        let best = found.first().map(|n| edit_distance(lower, n));
        found
            .into_iter()
            .filter(|n| Some(edit_distance(lower, n)) == best)
            .collect()
    };
    found
        .into_iter()
        .map(|n| format!("{}{n}", folder.prefix()))
        .collect()
}

/// The problem with `rel`, a file or folder of `folder` nothing uses.
///
/// An error when it looks like a template: in `typst/`, `html/` or `md/`, a
/// file with a template's extension (`.typ`, `.html`, `.htm`, `.md`,
/// `.markdown`, any case) or a folder holding one; at the top, such a file
/// named like a template (`receipt.typ`, not `README.md`), or a folder
/// named like `typst/`, `html/`, `md/` or holding them. A warning
/// otherwise (notes, an image no template names, a backup `receipt.typ~`).
fn unused(dir: &Path, folder: Folder, rel: &str, is_dir: bool) -> Diagnostic {
    let shown = format!("{}{rel}{}", folder.prefix(), if is_dir { "/" } else { "" });
    let path = dir.join(folder.prefix()).join(rel);
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let lower = name.to_lowercase();
    let mut hints = Vec::new();
    // The folder a file of this extension belongs in.
    let belongs = if is_dir {
        None
    } else {
        extension(name).and_then(|e| Folder::of_extension(&e))
    };
    let (why, mut suggestions, template) = match folder {
        Folder::Top if is_dir => {
            let nested = Folder::Top.names().iter().any(|f| path.join(f).is_dir());
            if nested {
                hints.push(format!(
                    "its typst/, html/ or md/ are not read: did you mean `--templates {}`?",
                    path.display()
                ));
            }
            let suggestions: Vec<String> = meant(Folder::Top, &lower)
                .into_iter()
                .map(|s| format!("{s}/"))
                .collect();
            let template = nested || !suggestions.is_empty();
            (
                "feebook reads only the folders typst/, html/ and md/ of the templates folder"
                    .to_string(),
                suggestions,
                template,
            )
        }
        Folder::Top => {
            let suggestions: Vec<String> = match belongs {
                Some(f) => meant(f, &lower),
                None => [Folder::Typst, Folder::Html, Folder::Md]
                    .into_iter()
                    .flat_map(|f| meant(f, &lower))
                    .collect(),
            };
            let template = belongs.is_some() && !suggestions.is_empty();
            (
                "feebook reads the templates in the folders typst/, html/ and md/ of the \
                 templates folder, not beside them"
                    .to_string(),
                suggestions,
                template,
            )
        }
        Folder::Html | Folder::Md if is_dir => (
            format!(
                "feebook reads the templates directly in {}, not in folders in it",
                folder.prefix()
            ),
            Vec::new(),
            holds_templates(&path, 3),
        ),
        Folder::Typst => (
            if belongs.is_some() {
                "it is not named like a built-in template (at the top of typst/), and no \
                 template that is used imports or includes it by that path"
            } else {
                "no template that is used reads it by that path"
            }
            .to_string(),
            meant(belongs.unwrap_or(Folder::Typst), &lower),
            belongs.is_some(),
        ),
        Folder::Html | Folder::Md => (
            if belongs == Some(folder) && name.ends_with(folder.extension()) {
                "it is not named like a built-in template, and no template that is used \
                 includes, imports or extends it by that name"
                    .to_string()
            } else {
                format!(
                    "feebook reads only the {} files of {}",
                    folder.extension(),
                    folder.prefix()
                )
            },
            meant(belongs.unwrap_or(folder), &lower),
            belongs.is_some(),
        ),
    };
    suggestions.truncate(2);
    match suggestions.as_slice() {
        [] => {}
        [one] => hints.insert(0, format!("did you mean `{one}`?")),
        [a, b, ..] => hints.insert(0, format!("did you mean `{a}` or `{b}`?")),
    }
    // The names it should have, when it looks meant as a template.
    let listed = match (folder, belongs) {
        _ if !template && suggestions.is_empty() => None,
        (_, Some(f)) => Some(f),
        (Folder::Top, None) => None,
        (f, None) => Some(f),
    };
    if let Some(f) = listed {
        hints.push(format!(
            "the templates of {} are: {}",
            f.prefix(),
            f.names().join(", ")
        ));
    }
    let diagnostic = if template {
        hints.push(
            "rename or move it, or delete it (feebook ignores names that begin with `.`); \
             nothing is rendered until then"
                .to_string(),
        );
        Diagnostic::error(
            "unused-template",
            format!("`{shown}` would not be used: {why}"),
        )
    } else {
        hints.push(if folder == Folder::Typst {
            "a template reads a file by a literal path (`image(\"logo.svg\")`); if one builds \
             this path from data, feebook cannot see it: then ignore this warning"
                .to_string()
        } else {
            "delete it, or move it out of the templates folder".to_string()
        });
        Diagnostic::warning("unused-file", format!("`{shown}` is not used: {why}"))
    };
    let mut d = diagnostic.at_place(Place::File(path.display().to_string()), "");
    for h in hints {
        d = d.hint(h);
    }
    d
}

/// The files of `typst/` the templates reach: the ones named like built-in
/// templates, and every file one that is reached names by a literal path.
fn typst_reached(typst: &Templates) -> BTreeSet<String> {
    let mut reached = BTreeSet::new();
    let mut queue: Vec<String> = Folder::Typst
        .names()
        .iter()
        .map(|n| format!("/{n}"))
        .filter(|p| typst.contains(p))
        .collect();
    while let Some(path) = queue.pop() {
        if reached.contains(&path) {
            continue;
        }
        if let Some(text) = typst.text(&path) {
            for s in typst_strings(text) {
                if let Some(target) = resolve(&path, &s)
                    && typst.contains(&target)
                    && !reached.contains(&target)
                {
                    queue.push(target);
                }
            }
        }
        reached.insert(path);
    }
    reached
}

/// Every string literal of a Typst source.
fn typst_strings(text: &str) -> Vec<String> {
    use typst::syntax::{SyntaxKind, ast};
    let root = typst::syntax::parse(text);
    let mut out = Vec::new();
    // A stack, not recursion: a source can nest deeply.
    let mut stack = vec![&root];
    while let Some(node) = stack.pop() {
        if node.kind() == SyntaxKind::Str && node.leaf_text().len() >= 2 {
            if let Some(s) = node.cast::<ast::Str>() {
                out.push(s.get().to_string());
            }
        } else {
            stack.extend(node.children());
        }
    }
    out
}

/// The path `name` stands for in the file at `from` (both from the top of
/// `typst/`, as `/dir/file.typ`): relative to that file's folder, or from
/// the top when it begins with `/`. `None` when it leads out of the top.
fn resolve(from: &str, name: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    if !name.starts_with('/') {
        parts.extend(from.split('/').filter(|p| !p.is_empty()));
        parts.pop(); // the file itself
    }
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Which files are used, which are errors, which warnings.
    #[test]
    fn every_file_is_used_or_reported() {
        let dir = std::env::temp_dir().join(format!("feebook-survey-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let write = |rel: &str, text: &str| {
            let path = dir.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("README.md", "notes");
        write("receipt.typ", "");
        write("Typst/quote.typ", "");
        write("templates/typst/quote.typ", "");
        write("docs/a.txt", "");
        write("typst/quote.typ", "#import \"parts/used.typ\": x");
        write("typst/parts/used.typ", "#let x = image(\"/img/logo.svg\")");
        write("typst/img/logo.svg", "<svg/>");
        write("typst/img/old.svg", "<svg/>");
        write("typst/parts/unused.typ", "");
        write("typst/reciept.typ", "");
        write("typst/receipt.typ~", "");
        write("typst/.draft.typ", "");
        write("html/quote.html", "{% include \"footer.html\" %}");
        write("html/footer.html", "footer");
        write("html/billing-notice.html", "");
        write("html/notes.txt", "");
        write("html/old/receipt.html", "");
        write("md/Receipt.MD", "");
        let typst = Templates::from_dir(&dir.join("typst")).unwrap();
        let html = HtmlTemplates::with_overrides(&dir).unwrap();
        let found: Vec<(&str, String)> = survey(&dir, Some(&typst), Some(&html))
            .iter()
            .map(|d| {
                let shown = d.message.split('`').nth(1).unwrap_or("").to_string();
                (d.code, shown)
            })
            .collect();
        let expected = [
            ("unused-file", "README.md"),
            ("unused-template", "Typst/"),
            ("unused-file", "docs/"),
            ("unused-template", "receipt.typ"),
            ("unused-template", "templates/"),
            ("unused-file", "typst/img/old.svg"),
            ("unused-template", "typst/parts/unused.typ"),
            ("unused-file", "typst/receipt.typ~"),
            ("unused-template", "typst/reciept.typ"),
            ("unused-template", "html/billing-notice.html"),
            ("unused-file", "html/notes.txt"),
            ("unused-template", "html/old/"),
            ("unused-template", "md/Receipt.MD"),
        ];
        let expected: Vec<(&str, String)> =
            expected.iter().map(|(c, s)| (*c, s.to_string())).collect();
        assert_eq!(found, expected);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn paths_resolve_from_the_naming_file() {
        assert_eq!(
            resolve("/quote.typ", "logo.svg").as_deref(),
            Some("/logo.svg")
        );
        assert_eq!(
            resolve("/parts/a.typ", "b.typ").as_deref(),
            Some("/parts/b.typ")
        );
        assert_eq!(
            resolve("/parts/a.typ", "../c.typ").as_deref(),
            Some("/c.typ")
        );
        assert_eq!(
            resolve("/parts/a.typ", "/img/./x.png").as_deref(),
            Some("/img/x.png")
        );
        assert_eq!(resolve("/a.typ", "../../etc/passwd"), None);
    }

    #[test]
    fn typst_strings_are_found_wherever_they_are() {
        let text = "#import \"parts/h.typ\": header\n#let l = image(\"logo.svg\")\n\
                    #include \"body.typ\"\n\"not a string in markup\"\n#let s = \"esc\\\"aped\"\n";
        let mut found = typst_strings(text);
        found.sort();
        assert_eq!(
            found,
            vec!["body.typ", "esc\"aped", "logo.svg", "parts/h.typ"]
        );
        // Broken sources do not panic.
        for text in ["#let x = \"unclosed", "#import \"", "#{{{{{{", "\""] {
            let _ = typst_strings(text);
        }
    }
}
