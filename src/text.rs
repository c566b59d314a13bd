//! Text from inputs that documents and the terminal show: names must print
//! something, and nothing in them may act on a terminal.

/// Characters that act instead of printing: C0 and C1 controls (an escape
/// sequence would recolour or retitle the terminal that lists the journal)
/// and the bidirectional overrides, which reorder what is shown.
pub fn is_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` padded with spaces to `width` terminal columns (汉字 take two), for
/// columns of names in plain-text output.
pub fn pad(s: &str, width: usize) -> String {
    let w = unicode_width::UnicodeWidthStr::width(s);
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

/// Characters that print nothing: spaces and the zero-width ones.
pub fn is_blank(c: char) -> bool {
    c.is_whitespace()
        || matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

/// What is wrong with a name a document prints; displays as the rest of a
/// sentence ("the address {problem}").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameProblem {
    /// The diagnostic code: `empty-value` or `control-character`.
    pub code: &'static str,
    pub message: String,
}

impl std::fmt::Display for NameProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// What is wrong with a name a document prints (a customer, a payer), if
/// anything: empty, only characters that print nothing, or a control
/// character (a line break typed with Alt+Enter in a spreadsheet cell).
pub fn name_problem(name: &str) -> Option<NameProblem> {
    if let Some(c) = name.chars().find(|&c| is_control(c) && !matches!(c, '\t')) {
        let message = if matches!(c, '\n' | '\r') {
            "contains a line break (Alt+Enter in a spreadsheet cell), which a one-line field cannot print: write it on one line".to_string()
        } else {
            format!(
                "contains the control character U+{:04X}, which prints nothing",
                c as u32
            )
        };
        return Some(NameProblem {
            code: "control-character",
            message,
        });
    }
    if name.chars().all(|c| is_blank(c) || c == '\t') {
        return Some(NameProblem {
            code: "empty-value",
            message: if name.is_empty() {
                "is empty".into()
            } else {
                "prints nothing: it has only spaces or invisible characters".into()
            },
        });
    }
    None
}

/// `text` as shown in a terminal: every control character replaced by �.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(is_control) {
        text.chars()
            .map(|c| if is_control(c) { '\u{FFFD}' } else { c })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

/// A file that is not UTF-8 (`what`: "rule file", "work order"): where,
/// and what it most likely is, with its text as best read: as GBK when it
/// is GBK (Notepad's "ANSI" on a Chinese Windows), so that a rule file's
/// other mistakes can show in the same run, else with U+FFFD in place of
/// the bytes that are not UTF-8.
pub fn not_utf8(
    name: &str,
    what: &str,
    e: std::string::FromUtf8Error,
) -> (String, crate::diagnostic::Diagnostic) {
    use crate::diagnostic::{Diagnostic, Excerpt, Place};
    let at = e.utf8_error().valid_up_to();
    let bytes = e.into_bytes();
    // Notepad's "Unicode" is UTF-16 with a byte-order mark: one message
    // that says so, and the text as it reads, so that what follows is
    // about the rules, not about every other byte being zero.
    if let Some((encoding, _)) = encoding_rs::Encoding::for_bom(&bytes)
        && encoding != encoding_rs::UTF_8
    {
        let (text, _) = encoding.decode_with_bom_removal(&bytes);
        let d = Diagnostic::error(
            "not-utf8",
            format!(
                "the {what} is {} (Notepad's \"Unicode\"), not UTF-8",
                encoding.name()
            ),
        )
        .at_place(Place::File(name.to_string()), "")
        .hint("save it as UTF-8 (Notepad: Save As → Encoding: UTF-8)");
        return (text.into_owned(), d);
    }
    let shown = String::from_utf8_lossy(&bytes);
    let gbk = encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(&bytes);
    // Shown as GBK when it is GBK: the line is then readable.
    let line_start = bytes[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line_end = bytes[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| at + i);
    let decode = |b: &[u8]| {
        encoding_rs::GBK
            .decode_without_bom_handling_and_without_replacement(b)
            .map(|t| t.into_owned())
    };
    let place = match (
        gbk.is_some(),
        decode(&bytes[line_start..at]),
        decode(&bytes[line_start..line_end]),
    ) {
        (true, Some(before), Some(line)) => Place::Line {
            file: name.to_string(),
            line: bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1,
            column: Some(before.chars().count() + 1),
            excerpt: Some(Excerpt {
                text: line.trim_end_matches('\r').to_string(),
                width: 1,
            }),
        },
        _ => Place::in_text(name, &shown, at..at + '\u{fffd}'.len_utf8()),
    };
    let hint = if gbk.is_some() {
        "it reads as GBK (\"ANSI\" in Notepad on a Chinese Windows): save it as UTF-8 (Notepad: Save As → Encoding: UTF-8)"
    } else {
        "save it as UTF-8"
    };
    let d = Diagnostic::error("not-utf8", format!("the {what} is not UTF-8"))
        .at_place(place, "not a UTF-8 character")
        .hint(hint);
    let text = gbk.map_or_else(|| shown.to_string(), |t| t.into_owned());
    (text, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_utf16_file_is_said_once_and_read() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "税率: 6%\n".encode_utf16() {
            bytes.extend(u.to_le_bytes());
        }
        let e = String::from_utf8(bytes).unwrap_err();
        let (text, d) = not_utf8("rules/taxes.yaml", "rule file", e);
        assert_eq!(text, "税率: 6%\n");
        assert_eq!(
            d.message,
            "the rule file is UTF-16LE (Notepad's \"Unicode\"), not UTF-8"
        );
    }

    #[test]
    fn names_must_print_and_not_act() {
        assert_eq!(name_problem("孙晓明"), None);
        assert_eq!(name_problem("王 伟"), None);
        assert_eq!(
            name_problem("").map(|p| (p.code, p.message)),
            Some(("empty-value", "is empty".to_string()))
        );
        for blank in ["  ", "\u{200B}", "\u{3000}", " \u{FEFF} "] {
            assert!(
                name_problem(blank)
                    .unwrap()
                    .message
                    .starts_with("prints nothing"),
                "{blank:?}"
            );
        }
        for acting in [
            "\u{1b}[31mRED",
            "a\u{0}b",
            "x\u{7}",
            "\u{202E}abc",
            "a\u{9B}b",
        ] {
            assert!(
                name_problem(acting)
                    .unwrap()
                    .message
                    .starts_with("contains the control"),
                "{acting:?}"
            );
        }
        let line_break = name_problem("华庭大厦\n12 层").unwrap();
        assert_eq!(line_break.code, "control-character");
        assert!(line_break.message.contains("line break"), "{line_break}");
        assert_eq!(printable("a\u{1b}[2Jb"), "a\u{FFFD}[2Jb");
        assert_eq!(printable("作废：客户要求"), "作废：客户要求");
    }
}
