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
fn is_blank(c: char) -> bool {
    c.is_whitespace()
        || matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

/// What is wrong with a name a document prints (a customer, a payer), if
/// anything: empty, only characters that print nothing, or a control
/// character.
pub fn name_problem(name: &str) -> Option<String> {
    if let Some(c) = name.chars().find(|&c| is_control(c) && !matches!(c, '\t')) {
        return Some(format!(
            "contains the control character U+{:04X}, which prints nothing",
            c as u32
        ));
    }
    if name.chars().all(|c| is_blank(c) || c == '\t') {
        return Some(if name.is_empty() {
            "is empty".into()
        } else {
            "prints nothing: it has only spaces or invisible characters".into()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_print_and_not_act() {
        assert_eq!(name_problem("孙晓明"), None);
        assert_eq!(name_problem("王 伟"), None);
        assert_eq!(name_problem("").as_deref(), Some("is empty"));
        for blank in ["  ", "\u{200B}", "\u{3000}", " \u{FEFF} "] {
            assert!(
                name_problem(blank).unwrap().starts_with("prints nothing"),
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
                    .starts_with("contains the control"),
                "{acting:?}"
            );
        }
        assert_eq!(printable("a\u{1b}[2Jb"), "a\u{FFFD}[2Jb");
        assert_eq!(printable("作废：客户要求"), "作废：客户要求");
    }
}
