//! Fonts for document rendering: the embedded Noto Sans CJK SC subset, optional extra fonts
//! from a directory (`--font-dir`), and a coverage check that finds characters no font can
//! draw *before* a document is rendered (Typst itself draws such characters as blank boxes
//! and says nothing).
//!
//! The embedded fonts (`assets/fonts/`, SIL OFL 1.1, remade by `scripts/make-font-subset.sh`)
//! cover ASCII, Latin-1, pinyin, general punctuation, CJK symbols and punctuation, all of
//! U+4E00–9FFF, full-width forms, ¥/￥, ①–⑳, arrows, box drawing, geometric shapes,
//! ℃ № ㎡ and similar. They do *not* cover CJK Extension A/B (e.g. 𠮷 U+20BB7, 㛃 U+36C3).

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use typst::foundations::Bytes;
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;

/// Family name of the embedded fonts, usable in `set text(font: ...)`.
pub const EMBEDDED_FAMILY: &str = "Noto Sans CJK SC";

static REGULAR: &[u8] = include_bytes!("../../assets/fonts/NotoSansCJKsc-Regular-subset.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSansCJKsc-Bold-subset.ttf");

static EMBEDDED: LazyLock<FontSet> = LazyLock::new(|| {
    let fonts: Vec<Font> = [REGULAR, BOLD]
        .into_iter()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    assert_eq!(fonts.len(), 2, "embedded font subsets failed to parse");
    FontSet::from_fonts(fonts)
});

/// A fixed set of fonts, with the Typst font book built once.
///
/// Cheap to share: `FontSet::embedded()` is a process-wide static, and fonts in a set made by
/// [`FontSet::with_dir`] share their data with it (a `Font` is reference-counted).
pub struct FontSet {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    /// Union of the fonts' cmap coverage as sorted, disjoint, non-adjacent ranges.
    coverage: Vec<Range<u32>>,
}

impl fmt::Debug for FontSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FontSet")
            .field("fonts", &self.fonts.len())
            .field("families", &self.families())
            .finish()
    }
}

impl FontSet {
    /// The embedded fonts (Noto Sans CJK SC Regular and Bold subsets), parsed once per process.
    pub fn embedded() -> &'static FontSet {
        &EMBEDDED
    }

    /// The embedded fonts plus every `.ttf`, `.otf`, `.ttc` and `.otc` file in `dir` and its
    /// subfolders (a Debian-style tree keeps its fonts in subfolders), in the order of their
    /// paths below `dir` (sorted by name at every level), so that the same fonts give the same
    /// font indices, hence the same PDFs, on every run. Links are followed, each folder and
    /// file read once (a link back to a parent does not loop). Other files are ignored. The
    /// embedded fonts come first, so adding a directory never changes which font a template
    /// that names "Noto Sans CJK SC" gets.
    ///
    /// Errors: `dir` is not a folder or cannot be read, a font file does not parse, or no font
    /// file is found at all.
    pub fn with_dir(dir: &Path) -> Result<FontSet, FontLoadError> {
        match std::fs::metadata(dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(FontLoadError::new(
                    dir,
                    "not a folder",
                    "give the folder that holds the font files, not a file",
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(FontLoadError::new(
                    dir,
                    "no such folder",
                    "give a folder of .ttf, .otf, .ttc or .otc files (its subfolders are searched \
                     too, e.g. /usr/share/fonts/opentype/noto)",
                ));
            }
            Err(e) => return Err(FontLoadError::unreadable(dir, &e)),
        }
        let mut paths = Vec::new();
        let mut seen = std::collections::HashSet::new();
        font_files(dir, &mut seen, &mut paths)?;
        if paths.is_empty() {
            return Err(FontLoadError::new(
                dir,
                "no font file (.ttf, .otf, .ttc, .otc) in this folder or its subfolders",
                "put the fonts in it, or give the folder that holds them (its subfolders are \
                 searched too, e.g. /usr/share/fonts/opentype/noto)",
            ));
        }

        let mut fonts = Self::embedded().fonts.clone();
        for path in &paths {
            let data = std::fs::read(path).map_err(|e| FontLoadError::unreadable(path, &e))?;
            let before = fonts.len();
            fonts.extend(Font::iter(Bytes::new(data)));
            if fonts.len() == before {
                return Err(FontLoadError::new(
                    path,
                    "not a usable font file (no font face could be parsed)",
                    "remove it from the font folder, or replace it with a TrueType or OpenType font",
                ));
            }
        }
        Ok(Self::from_fonts(fonts))
    }

    /// A set of exactly these fonts (no embedded ones unless included).
    pub fn from_fonts(fonts: Vec<Font>) -> FontSet {
        let book = LazyHash::new(FontBook::from_fonts(&fonts));
        let mut points: Vec<u32> = fonts
            .iter()
            .flat_map(|f| f.info().coverage.iter())
            .collect();
        points.sort_unstable();
        points.dedup();
        let mut coverage: Vec<Range<u32>> = Vec::new();
        for c in points {
            match coverage.last_mut() {
                Some(run) if run.end == c => run.end = c + 1,
                _ => coverage.push(c..c + 1),
            }
        }
        FontSet {
            book,
            fonts,
            coverage,
        }
    }

    /// The Typst font book (metadata of every font, by index).
    pub fn book(&self) -> &LazyHash<FontBook> {
        &self.book
    }

    /// The font with the given font-book index.
    pub fn font(&self, index: usize) -> Option<&Font> {
        self.fonts.get(index)
    }

    /// All fonts, in font-book order.
    pub fn fonts(&self) -> &[Font] {
        &self.fonts
    }

    /// The distinct family names in this set, sorted (Typst matches them case-insensitively).
    pub fn families(&self) -> Vec<String> {
        self.book
            .families()
            .map(|(name, _)| name.to_string())
            .collect()
    }

    /// Whether some font in the set has a glyph for `c` (per its cmap).
    pub fn covers(&self, c: char) -> bool {
        let c = c as u32;
        let i = self.coverage.partition_point(|run| run.end <= c);
        self.coverage.get(i).is_some_and(|run| run.start <= c)
    }

    /// Characters of `text` that no font in the set covers, each once, in order of first
    /// appearance. Control characters, whitespace and default-ignorable characters
    /// (zero-width space/joiners, variation selectors, soft hyphen, BOM), which Typst does
    /// not draw with a glyph, are never reported.
    pub fn missing_chars(&self, text: &str) -> Vec<char> {
        let mut missing: Vec<char> = Vec::new();
        for c in text.chars() {
            if is_not_drawn(c) || missing.contains(&c) || self.covers(c) {
                continue;
            }
            missing.push(c);
        }
        missing
    }

    /// Every character in the strings of a JSON document (values and object keys) that no
    /// font covers, with the JSON path where it occurs (`customer.name`, `lines[2].label`,
    /// `["odd key"]`; `$` for a bare top-level string). A character is reported once per
    /// string it occurs in.
    pub fn check_json(&self, value: &serde_json::Value) -> Vec<MissingGlyph> {
        let mut out = Vec::new();
        each_string(value, &mut |path, s| self.check_string(s, path, &mut out));
        out
    }

    fn check_string(&self, s: &str, path: &str, out: &mut Vec<MissingGlyph>) {
        for ch in self.missing_chars(s) {
            out.push(MissingGlyph {
                path: if path.is_empty() {
                    "$".to_string()
                } else {
                    path.to_string()
                },
                ch,
                text: s.to_string(),
            });
        }
    }
}

/// Adds the font files below `dir` to `out`, depth first, in name order at every level.
/// `seen` holds the real paths of the folders and files already taken: a link to one of them
/// (a link to a parent folder, a second link to the same font) adds nothing.
fn font_files(
    dir: &Path,
    seen: &mut std::collections::HashSet<PathBuf>,
    out: &mut Vec<PathBuf>,
) -> Result<(), FontLoadError> {
    let real = dir
        .canonicalize()
        .map_err(|e| FontLoadError::unreadable(dir, &e))?;
    if !seen.insert(real) {
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| FontLoadError::unreadable(dir, &e))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(|e| FontLoadError::unreadable(dir, &e))?;
    entries.sort();
    for path in entries {
        // Through links; a broken link is skipped like any file that is not a font.
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            font_files(&path, seen, out)?;
        } else if meta.is_file() && is_font_file(&path) {
            let real = path.canonicalize().unwrap_or_else(|_| path.clone());
            if seen.insert(real) {
                out.push(path);
            }
        }
    }
    Ok(())
}

fn is_font_file(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        matches!(
            e.to_ascii_lowercase().as_str(),
            "ttf" | "otf" | "ttc" | "otc"
        )
    })
}

/// Characters Typst does not draw with a glyph of their own.
fn is_not_drawn(c: char) -> bool {
    c.is_control() || c.is_whitespace() || typst::text::is_default_ignorable(c)
}

/// Calls `f` with every string of a JSON document, object keys included,
/// and its path (`customer.name`, `lines[2].label`, `["odd key"]`; empty
/// for a bare top-level string), in document order.
pub(crate) fn each_string(value: &serde_json::Value, f: &mut impl FnMut(&str, &str)) {
    fn walk(value: &serde_json::Value, path: &mut String, f: &mut impl FnMut(&str, &str)) {
        use serde_json::Value;
        match value {
            Value::String(s) => f(path, s),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    walk(item, path, f);
                    path.truncate(len);
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    let len = path.len();
                    push_key(path, key);
                    f(path, key);
                    walk(item, path, f);
                    path.truncate(len);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
    walk(value, &mut String::new(), f);
}

/// Append an object key to a JSON path: `.key` (or `key` at the start) when it is a plain
/// name, `["key"]` otherwise.
fn push_key(path: &mut String, key: &str) {
    let plain = !key.is_empty()
        && !key.starts_with(|c: char| c.is_ascii_digit())
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if plain {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        path.push('[');
        path.push_str(&serde_json::Value::String(key.to_string()).to_string());
        path.push(']');
    }
}

/// A character in a JSON document that no font covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingGlyph {
    /// JSON path of the string, e.g. `customer.name` or `lines[2].label`.
    pub path: String,
    /// The character.
    pub ch: char,
    /// The whole string it occurs in.
    pub text: String,
}

impl fmt::Display for MissingGlyph {
    /// `character 𠮷 (U+20BB7) in `customer.name` (吉田𠮷) is in no font`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "character {} (U+{:04X}) in `{}` ({}) is in no font",
            self.ch, self.ch as u32, self.path, self.text
        )
    }
}

/// A font file or directory that could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FontLoadError {
    /// The file (or directory) concerned.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

impl FontLoadError {
    fn new(path: &Path, message: &str, hint: &str) -> FontLoadError {
        FontLoadError {
            path: path.to_path_buf(),
            message: message.to_string(),
            hint: hint.to_string(),
        }
    }

    fn unreadable(path: &Path, e: &std::io::Error) -> FontLoadError {
        FontLoadError {
            path: path.to_path_buf(),
            message: format!("cannot read it: {e}"),
            hint: "check that it exists and that you may read it".to_string(),
        }
    }
}

impl fmt::Display for FontLoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for FontLoadError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_fonts_are_regular_and_bold_noto_sans_cjk_sc() {
        let set = FontSet::embedded();
        assert_eq!(set.fonts().len(), 2);
        assert_eq!(set.families(), vec![EMBEDDED_FAMILY.to_string()]);
        let weights: Vec<u16> = set
            .fonts()
            .iter()
            .map(|f| f.info().variant.weight.to_number())
            .collect();
        assert_eq!(weights, vec![400, 700]);
    }

    #[test]
    fn missing_chars_finds_extension_b() {
        let set = FontSet::embedded();
        assert_eq!(set.missing_chars("吉田𠮷"), vec!['𠮷']);
        assert_eq!(set.missing_chars("𠮷𠮷a𠮷"), vec!['𠮷']);
    }

    #[test]
    fn missing_chars_accepts_document_text() {
        let set = FontSet::embedded();
        for text in [
            "室内卫生清洁 ¥1,409.50 壹仟肆佰零玖元伍角整（）。、",
            "￥１２３，：；！？「」『』【】《》〈〉〔〕—…·“”‘’",
            "□■○●◎△▲◇◆★☆✓※①②⑩⑳⑴⒈→←↑↓℃№㎡ⅠⅡⅢ×÷±≤≥≠‰€",
            "Zhāng Sān Lǚ Xiǎomíng Müller café",
            "堃喆昇玥琪 物业服务中心 特约服务报价单",
            "tab\tnew\nline\u{3000}ideographic space\u{200B}zwsp\u{FE0F}vs16\u{00AD}",
        ] {
            assert_eq!(set.missing_chars(text), Vec::<char>::new(), "{text}");
        }
    }

    #[test]
    fn check_json_reports_paths() {
        let set = FontSet::embedded();
        let doc = serde_json::json!({
            "customer": { "name": "吉田𠮷", "phone": "138 0000 0000" },
            "lines": [
                { "label": "清洁", "amount": "100.00" },
                { "label": "保洁", "amount": 12 },
                { "label": "㐀室𪚥", "qty": null },
            ],
            "odd key": "𠀀",
            "𠮷": "ok",
        });
        let got = set.check_json(&doc);
        let rendered: Vec<String> = got.iter().map(|m| format!("{} {}", m.path, m.ch)).collect();
        assert_eq!(
            rendered,
            vec![
                "customer.name 𠮷",
                "lines[2].label 㐀",
                "lines[2].label 𪚥",
                "[\"odd key\"] 𠀀",
                "𠮷 𠮷",
            ],
            "{got:#?}"
        );
        assert_eq!(
            got[0].to_string(),
            "character 𠮷 (U+20BB7) in `customer.name` (吉田𠮷) is in no font"
        );
        assert!(
            set.check_json(&serde_json::json!({"a": ["清洁", 1, true]}))
                .is_empty()
        );
        assert_eq!(set.check_json(&serde_json::json!("𠮷"))[0].path, "$");
    }

    #[test]
    fn with_dir_loads_fonts_and_names_bad_files() {
        let dir = std::env::temp_dir().join(format!("feebook-fonts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // A second copy of the Bold face under another name, plus an ignored non-font file.
        std::fs::write(dir.join("extra.otf"), BOLD).unwrap();
        std::fs::write(dir.join("README.txt"), "not a font").unwrap();
        let set = FontSet::with_dir(&dir).unwrap();
        assert_eq!(set.fonts().len(), 3);

        std::fs::write(dir.join("broken.ttf"), b"definitely not a font").unwrap();
        let err = FontSet::with_dir(&dir).expect_err("broken font must be an error");
        assert!(err.path.ends_with("broken.ttf"), "{err}");
        assert!(err.to_string().contains("broken.ttf"), "{err}");

        let missing = FontSet::with_dir(&dir.join("nope")).err().unwrap();
        assert!(missing.to_string().contains("nope"), "{missing}");
        assert_eq!(missing.message, "no such folder");
        let file = FontSet::with_dir(&dir.join("extra.otf")).err().unwrap();
        assert_eq!(file.message, "not a folder");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A Debian-style tree: fonts in subfolders, found in the order of their
    /// paths whatever order the folder lists them in; a link back up does not
    /// loop, a second link to a font adds nothing; a tree with no font is
    /// an error that says so.
    #[test]
    fn with_dir_searches_subfolders_in_order() {
        let dir = std::env::temp_dir().join(format!("feebook-font-tree-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("truetype/b")).unwrap();
        std::fs::create_dir_all(dir.join("opentype/a")).unwrap();
        std::fs::write(dir.join("truetype/b/Bold.TTF"), BOLD).unwrap();
        std::fs::write(dir.join("opentype/a/Regular.otf"), REGULAR).unwrap();
        std::fs::write(dir.join("opentype/a/fonts.dir"), "not a font").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("../..", dir.join("truetype/b/up")).unwrap();
            std::os::unix::fs::symlink("Bold.TTF", dir.join("truetype/b/same.ttf")).unwrap();
            std::os::unix::fs::symlink("gone.ttf", dir.join("truetype/broken.ttf")).unwrap();
        }
        let set = FontSet::with_dir(&dir).unwrap();
        let weights: Vec<u16> = set
            .fonts()
            .iter()
            .map(|f| f.info().variant.weight.to_number())
            .collect();
        // The embedded two, then opentype/a/Regular.otf, then truetype/b/Bold.TTF.
        assert_eq!(weights, vec![400, 700, 400, 700]);

        let empty = dir.join("empty");
        std::fs::create_dir_all(empty.join("sub/deeper")).unwrap();
        std::fs::write(empty.join("sub/README"), "no fonts here").unwrap();
        let err = FontSet::with_dir(&empty).err().unwrap();
        assert_eq!(err.path, empty);
        assert!(err.message.contains("no font file"), "{err}");
        assert!(
            err.hint.contains("give the folder that holds them"),
            "{err:?}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
