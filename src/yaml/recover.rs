//! Finding the mistakes after the first in a YAML file that does not read.
//!
//! serde stops at the first value that does not fit the model. To show an
//! administrator every mistake of a rule file in one run, the part of the
//! file around each mistake is turned into comments, byte for byte (so
//! every later place is unchanged), and the file read again: the next error
//! is the next mistake. The part masked is the innermost list item (`- …`)
//! holding the mistake, or else the entry of a top-level section holding
//! it (a formula of `formulas:`, a role of `roles:`), or else the top-level
//! field it is in (a job's `notes:`). An error that masking
//! could have caused is not reported, and the search stops there: one
//! before the masked part or at it (an emptied list), a missing field that
//! was masked, or YAML that no longer parses right after the masked part
//! (a flow collection cut in two). YAML that does not parse further on is
//! the file's own: reported, and the search ends there.

use std::ops::Range;

/// The lines of `text` as byte ranges, without their line ends.
fn lines(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        out.push(start..start + body.len());
        start += line.len();
    }
    out
}

/// Indentation in spaces, or `None` for a blank or comment line.
fn indent(line: &str) -> Option<usize> {
    let rest = line.trim_start_matches(' ');
    (!rest.is_empty() && !rest.starts_with('#')).then(|| line.len() - rest.len())
}

fn is_item(line: &str, indent: usize) -> bool {
    let rest = &line[indent..];
    rest == "-" || rest.starts_with("- ")
}

/// The part to mask for an error at byte `offset`: its byte range and,
/// for a mapping entry, its key.
pub(super) fn unit_at(text: &str, offset: usize) -> Option<(Range<usize>, Option<String>)> {
    let ls = lines(text);
    let at = ls.iter().position(|r| offset <= r.end)?;
    // The error's line and the lines it is nested in, innermost first.
    let mut chain: Vec<(usize, usize)> = Vec::new();
    let mut limit = usize::MAX;
    for i in (0..=at).rev() {
        let line = &text[ls[i].clone()];
        let Some(ind) = indent(line) else { continue };
        if ind < limit || (i == at && chain.is_empty()) {
            chain.push((i, ind));
            limit = ind;
            if ind == 0 {
                break;
            }
        }
    }
    let (start, ind, key) = match chain
        .iter()
        .find(|&&(i, ind)| is_item(&text[ls[i].clone()], ind))
    {
        Some(&(i, ind)) => (i, ind, None),
        // Below a top-level key: the entry of that section; at one (a
        // field of a job or a payment): that field.
        None if chain.last()?.1 == 0 => {
            let (i, ind) = chain[chain.len().saturating_sub(2)];
            let line = &text[ls[i].clone()];
            let key = line[ind..]
                .split_once(':')
                .map(|(k, _)| k.trim().trim_matches(['"', '\'']).to_string());
            (i, ind, key)
        }
        None => return None,
    };
    // The entry's own block: deeper lines, and for a key a list written at
    // the key's own column (`key:` then `- a` below it).
    let mut end = start + 1;
    while let Some(r) = ls.get(end) {
        let line = &text[r.clone()];
        match indent(line) {
            None => {}
            Some(i) if i > ind => {}
            Some(i) if i == ind && key.is_some() && is_item(line, i) => {}
            Some(_) => break,
        }
        end += 1;
    }
    // Trailing blank and comment lines stay as they are.
    while end > start + 1 && indent(&text[ls[end - 1].clone()]).is_none() {
        end -= 1;
    }
    Some((ls[start].start..ls[end - 1].end, key))
}

/// Turns every line of `range` into a comment without moving a byte: the
/// first character of each line becomes `#` (a wider character is padded
/// with spaces).
pub(super) fn mask(text: &mut String, range: Range<usize>) {
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..range.start]);
    for (n, line) in text[range.clone()].split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let ind = line.len() - line.trim_start_matches(' ').len();
        match line[ind..].chars().next() {
            Some(c) if c != '\r' => {
                out.push_str(&line[..ind]);
                out.push('#');
                out.extend(std::iter::repeat_n(' ', c.len_utf8() - 1));
                out.push_str(&line[ind + c.len_utf8()..]);
            }
            _ => out.push_str(line),
        }
    }
    out.push_str(&text[range.end..]);
    debug_assert_eq!(out.len(), text.len());
    *text = out;
}

/// For a bad value at byte `at` inside a flow list on one line
/// (`weekend: [saturdy, sundy]`): the value's byte range and an allowed
/// value to put there, padded with spaces to the same length, so that no
/// later byte moves. `None` outside a flow list (a value there is masked
/// with its entry), or when no allowed value is as short.
pub(super) fn flow_list_value(
    text: &str,
    at: usize,
    allowed: &[&str],
) -> Option<(Range<usize>, String)> {
    let line_start = text.get(..at)?.rfind('\n').map_or(0, |i| i + 1);
    // The brackets open before the value, outside quotes.
    let mut open = Vec::new();
    let mut quote = None;
    for c in text[line_start..at].chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => open.push(c),
            (None, ']' | '}') => {
                open.pop();
            }
            (None, '#') => return None,
            _ => {}
        }
    }
    if quote.is_some() || open.last() != Some(&'[') {
        return None;
    }
    let rest = &text[at..];
    let len = match rest.chars().next()? {
        q @ ('"' | '\'') => rest[1..].find(q)? + 2,
        _ => {
            let cut = rest.find([',', ']', '}', '#', '\n']).unwrap_or(rest.len());
            rest[..cut].trim_end().len()
        }
    };
    if len == 0 || rest[..len].contains('\n') {
        return None;
    }
    let value = allowed
        .iter()
        .filter(|v| {
            v.len() <= len && !v.is_empty() && v.chars().all(|c| c.is_alphanumeric() || c == '_')
        })
        .min_by_key(|v| v.len())?;
    Some((at..at + len, format!("{value:<len$}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(text: &str, at: &str) -> (String, Option<String>) {
        let offset = text.find(at).unwrap();
        let (r, key) = unit_at(text, offset).unwrap();
        (text[r].to_string(), key)
    }

    const CATALOG: &str = "catalog:\n  version: \"1\"\n  items:\n    - id: a\n      price: x\n\n    # b\n    - id: b\n      price: \"1\"\n  notes: n\n";

    #[test]
    fn the_innermost_list_item_is_masked() {
        assert_eq!(
            unit(CATALOG, "price: x"),
            ("    - id: a\n      price: x".into(), None)
        );
        assert_eq!(
            unit(CATALOG, "id: b"),
            ("    - id: b\n      price: \"1\"".into(), None)
        );
    }

    #[test]
    fn else_the_entry_of_a_top_level_section() {
        let text = "formulas:\n  f:\n    title: t\n    inputs:\n      a: {type: nope}\n  g:\n    title: u\n";
        assert_eq!(
            unit(text, "type: nope"),
            (
                "  f:\n    title: t\n    inputs:\n      a: {type: nope}".into(),
                Some("f".into())
            )
        );
        // A list at its key's column is the key's.
        let text = "roles:\n  r:\n  - x\n  - y\n  s: 1\n";
        assert_eq!(
            unit(text, "r:"),
            ("  r:\n  - x\n  - y".into(), Some("r".into()))
        );
        // A top-level field: itself.
        let text = "date: 2026-13-45\nnotes: [a]\nlabour:\n  - x\n";
        assert_eq!(
            unit(text, "[a]"),
            ("notes: [a]".into(), Some("notes".into()))
        );
        assert_eq!(
            unit(text, "labour"),
            ("labour:\n  - x".into(), Some("labour".into()))
        );
        // Nothing but comments: nothing to mask.
        assert!(unit_at("# only a comment\n", 3).is_none());
    }

    #[test]
    fn masking_moves_no_byte() {
        let mut text = CATALOG.replace("id: a", "名: a");
        let before = text.clone();
        let (r, _) = unit_at(&text, text.find("price: x").unwrap()).unwrap();
        mask(&mut text, r);
        assert_eq!(text.len(), before.len());
        assert!(text.contains("    # 名: a\n      #rice: x\n"), "{text}");
        assert_eq!(
            &text[text.find("- id: b").unwrap()..],
            &before[before.find("- id: b").unwrap()..]
        );
    }

    #[test]
    fn a_bad_value_in_a_flow_list_is_replaced_in_place() {
        let allowed = ["monday", "sunday"];
        let text = "calendar:\n  weekend: [saturdy, \"sundy\"]\n";
        let at = text.find("saturdy").unwrap();
        assert_eq!(
            flow_list_value(text, at, &allowed),
            Some((at..at + 7, "monday ".to_string()))
        );
        let at = text.find("\"sundy").unwrap();
        assert_eq!(
            flow_list_value(text, at, &allowed),
            Some((at..at + 7, "monday ".to_string()))
        );
        // Too short for any allowed value, or not in a flow list: masked.
        let text = "weekend: [sat]\nday: sat\nx: {a: [b], c: sat}\n";
        for at in text.match_indices("sat").map(|(i, _)| i) {
            assert_eq!(flow_list_value(text, at, &allowed), None, "at {at}");
        }
    }
}
