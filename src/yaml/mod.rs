//! Reading YAML documents into model types, with located errors.
//!
//! All YAML feebook reads (rule files, job files, work orders, payments)
//! goes through [`parse`] or [`parse_all`]: strict booleans (`no` is not `false`), duplicate
//! keys rejected, decimals read from their text by the model types, and an
//! error turned into a [`Diagnostic`] that points at the file, line and
//! column. [`parse_all`] goes on past the first error to report every
//! entry of a file that does not read (rule files, lists of orders).

pub mod date;
mod recover;

use serde::de::DeserializeOwned;

use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Loc, Sources, with_loading_file};

/// serde-saphyr's default budget (a million events, bounded depth and
/// alias expansion) already keeps a hostile file from exhausting memory and
/// is far above any real rule file, so only strictness is set here.
fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
    }
}

/// Parses a registered file as `T`. `what` names the kind of document for
/// hints ("rule file", "job file").
pub fn parse<T: DeserializeOwned>(
    sources: &Sources,
    file: FileId,
    what: &str,
) -> Result<T, Diagnostic> {
    let Some(source) = sources.get(file) else {
        return Err(Diagnostic::error("internal", "file not registered"));
    };
    let text = source.text.clone();
    let result = with_loading_file(file, || {
        serde_saphyr::from_str_with_options::<T>(&text, options())
    });
    result.map_err(|e| yaml_error(file, &text, &e, what))
}

/// How many mistakes of one file [`parse_all`] reports at most: enough for
/// any real editing session, and each costs a read of the file.
const MAX_PER_FILE: usize = 25;

/// Like [`parse`], but a file that does not read is searched for its later
/// mistakes too (see [`recover`]), so that one run shows all of them.
pub fn parse_all<T: DeserializeOwned>(
    sources: &Sources,
    file: FileId,
    what: &str,
) -> Result<T, Vec<Diagnostic>> {
    match parse_salvaging(sources, file, what) {
        Ok(v) => Ok(v),
        Err((_, found)) => Err(found),
    }
}

/// Like [`parse_all`], but a file whose every mistake could be set aside
/// also gives what it holds without them: a list of orders less the orders
/// that do not read. Only for files whose set-aside parts are whole records
/// (list items); in a rule file, a formula less its bad line would be
/// another formula.
pub fn parse_salvaging<T: DeserializeOwned>(
    sources: &Sources,
    file: FileId,
    what: &str,
) -> Result<T, (Option<T>, Vec<Diagnostic>)> {
    let Some(source) = sources.get(file) else {
        return Err((
            None,
            vec![Diagnostic::error("internal", "file not registered")],
        ));
    };
    let read = |text: &str| {
        with_loading_file(file, || {
            serde_saphyr::from_str_with_options::<T>(text, options())
        })
    };
    let text = source.text.clone();
    let mut error = match read(&text) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let mut found = vec![yaml_error(file, &text, &error, what)];
    // A file that is a list at the top (a section's items without the
    // section's key): one mistake, not one per item.
    let top_level_list = error_offset(&text, &error).is_some_and(|at| {
        let line_start = text
            .get(..at)
            .and_then(|t| t.rfind('\n'))
            .map_or(0, |i| i + 1);
        text.get(line_start..)
            .is_some_and(|l| l.starts_with("- ") || l.starts_with("-\n"))
    }) && error
        .without_snippet()
        .to_string()
        .contains("expected mapping");
    if top_level_list {
        if let Some(d) = found.first_mut() {
            d.hints = vec![format!(
                "the file is a list at the top, but a {what} is a mapping of keys: put the list under the key it belongs to (`policies:` for policies, `orders:` for a list of orders …) and indent the items"
            )];
        }
        return Err((None, found));
    }
    let mut salvaged = None;
    let mut masked = text.to_string();
    while found.len() < MAX_PER_FILE && value_does_not_fit(&error) {
        let Some(at) = error_offset(&masked, &error) else {
            break;
        };
        // A bad value in a flow list (`weekend: [saturdy, sundy]`) is put
        // right in place, so that the list's next values are read too;
        // anything else is masked with the part of the file around it.
        let substitute = match error.without_snippet() {
            serde_saphyr::Error::SerdeUnknownVariant { expected, .. } => {
                recover::flow_list_value(&masked, at, expected)
            }
            _ => None,
        };
        let (end, key) = match substitute {
            Some((range, value)) => {
                let end = range.end;
                masked.replace_range(range, &value);
                (end, None)
            }
            None => {
                let Some((range, key)) = recover::unit_at(&masked, at) else {
                    break;
                };
                let end = range.end;
                recover::mask(&mut masked, range);
                (end, key)
            }
        };
        let next = match read(&masked) {
            Ok(v) => {
                salvaged = Some(v);
                break;
            }
            Err(e) => e,
        };
        let masked_field = key.is_some_and(|k| {
            let message = next.without_snippet().to_string();
            message.contains(&format!("missing field `{k}`"))
        });
        let at = error_offset(&masked, &next);
        if at.is_none_or(|o| o <= end) || masked_field {
            break;
        }
        if !value_does_not_fit(&next) {
            // YAML that does not parse: masking's own doing if it is right
            // after the part masked (a flow collection cut in two), the
            // file's if further on. Reported then, but nothing after it.
            let gap = at
                .and_then(|o| masked.get(end..o))
                .map_or(0, |t| t.lines().filter(|l| !l.trim().is_empty()).count());
            if gap > 2 {
                found.push(yaml_error(file, &masked, &next, what));
            }
            break;
        }
        found.push(yaml_error(file, &masked, &next, what));
        error = next;
    }
    keys_under_section_above(file, &text, &mut found);
    // One slip the parser stumbled on twice (a full-width indentation: a
    // field missing, and an unknown one) is said once.
    let mut seen = Vec::new();
    found.retain(|d| {
        let key = (d.message.clone(), format!("{:?}", d.primary.place));
        let new = !seen.contains(&key);
        seen.push(key);
        new
    });
    if found.len() == MAX_PER_FILE
        && let Some(last) = found.last_mut()
    {
        last.hints.push(format!(
            "feebook stopped looking after {MAX_PER_FILE} mistakes in this file; fix these and check again"
        ));
    }
    Err((salvaged, found))
}

/// `catalog:` with its keys written at the left edge under it instead of
/// indented: each key is an unknown field of the file, but it is one
/// mistake. The unknown keys at column 0 right after a key with nothing
/// under it become one error at that key.
fn keys_under_section_above(file: FileId, text: &str, found: &mut Vec<Diagnostic>) {
    use crate::diagnostic::Place;
    let unknown_at = |d: &Diagnostic| match &d.primary.place {
        Place::Span(loc) if d.code == "unknown-field" => {
            let at = loc.start as usize;
            let (start, _) = line_around(text, at)?;
            (start == at).then_some(at)
        }
        _ => None,
    };
    let Some((first_i, first)) = found
        .iter()
        .enumerate()
        .find_map(|(i, d)| unknown_at(d).map(|a| (i, a)))
    else {
        return;
    };
    let Some((section_at, section_line)) = line_above(text, first) else {
        return;
    };
    let section = match section_line.trim_end().strip_suffix(':') {
        Some(k)
            if !k.is_empty()
                && !k.starts_with(' ')
                && k.chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-') =>
        {
            k.to_string()
        }
        _ => return,
    };
    // The keys at column 0 from the first unknown one on, while unknown.
    let unknown: Vec<usize> = found.iter().filter_map(unknown_at).collect();
    let mut run = Vec::new();
    let mut at = first;
    while let Some((start, line)) = line_around(text, at) {
        let t = line.trim_start();
        if !line.is_empty() && !line.starts_with([' ', '#', '-']) && !t.is_empty() {
            if !unknown.contains(&start) {
                break;
            }
            run.push(start);
        }
        let next = start + line.len() + 1;
        if next >= text.len() {
            break;
        }
        at = next;
        // Skip a `\r` left by `line_around`.
        if text.get(at..).is_some_and(|r| r.starts_with('\n')) {
            at += 1;
        }
    }
    if run.len() < 2 {
        return;
    }
    let names: Vec<String> = run
        .iter()
        .filter_map(|&a| {
            let (_, l) = line_around(text, a)?;
            Some(format!("`{}`", l.split(':').next()?.trim()))
        })
        .collect();
    let key_end = first + names[0].len() - 2;
    let d = Diagnostic::error(
        "unknown-field",
        format!("{} belong under `{section}:` but are not indented under it", names.join(", ")),
    )
    .at(Loc::new(file, first as u32, key_end as u32), "not indented")
    .also(
        Loc::new(file, section_at as u32, (section_at + section.len()) as u32),
        format!("`{section}:` has nothing indented under it"),
    )
    .hint(format!(
        "indent every line under `{section}:` by two more spaces, so that YAML reads them as part of it"
    ));
    let section_end = section_at + section_line.len();
    let on_section = |x: &Diagnostic| match &x.primary.place {
        Place::Span(loc) => (section_at..=section_end).contains(&(loc.start as usize)),
        _ => false,
    };
    let first_i = found
        .iter()
        .position(on_section)
        .map_or(first_i, |i| i.min(first_i));
    found.retain(|x| unknown_at(x).is_none_or(|a| !run.contains(&a)) && !on_section(x));
    found.insert(first_i.min(found.len()), d);
}

/// A well-formed value that does not fit the model (a wrong type, an
/// unknown or missing field, a duplicate key), as opposed to YAML that
/// does not parse, after which nothing is certain.
fn value_does_not_fit(e: &serde_saphyr::Error) -> bool {
    use serde_saphyr::Error as E;
    matches!(
        e.without_snippet(),
        E::Message { .. }
            | E::SerdeInvalidType { .. }
            | E::SerdeInvalidValue { .. }
            | E::SerdeInvalidLength { .. }
            | E::SerdeUnknownVariant { .. }
            | E::SerdeUnknownField { .. }
            | E::SerdeMissingField { .. }
            | E::DuplicateMappingKey { .. }
            | E::InvalidBooleanStrict { .. }
            | E::InvalidScalar { .. }
            | E::NullIntoString { .. }
    ) || matches!(
        e.without_snippet(),
        E::Unexpected { expected, .. }
            if matches!(*expected, "string scalar" | "scalar" | "sequence start" | "mapping start")
    )
}

/// The value given and the values allowed, from serde's "unknown variant
/// `x`, expected one of `a`, `b`".
fn unknown_variant(message: &str) -> Option<(String, Vec<String>)> {
    let (given, expected) = message
        .strip_prefix("unknown variant `")?
        .split_once("`, expected ")?;
    let listed = expected.strip_prefix("one of ").unwrap_or(expected);
    let values = listed
        .split([',', ' '])
        .map(|v| v.trim().trim_matches('`').to_string())
        .filter(|v| !v.is_empty() && v != "or")
        .collect();
    Some((given.to_string(), values))
}

/// Where the parser places an error, in bytes.
fn error_offset(text: &str, e: &serde_saphyr::Error) -> Option<usize> {
    let loc = e.location()?;
    let offset = loc
        .span()
        .byte_offset()
        .map(|b| b as usize)
        .unwrap_or_else(|| line_col_to_byte(text, loc.line(), loc.column()));
    Some(offset.min(text.len()))
}

fn yaml_error(file: FileId, text: &str, e: &serde_saphyr::Error, what: &str) -> Diagnostic {
    use serde_saphyr::MessageFormatter;
    let inner = e.without_snippet();
    // The message is shown in a terminal: keep quotes and Chinese as they
    // are, but never let a control character from the file through.
    let raw: String = serde_saphyr::UserMessageFormatter
        .format_message(inner)
        .chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    // `Message` errors come from serde: the YAML is well-formed and a value
    // does not fit the model. Everything else is the parser's.
    let from_serde = matches!(inner, serde_saphyr::Error::Message { .. });
    let (code, hint): (&'static str, Option<String>) = classify(&raw, what, from_serde);
    let mut message = raw.replace(", set DuplicateKeyPolicy in Options if acceptable", "");
    let mut hint = hint;
    if code == "invalid-value" && message.ends_with(" scalar") {
        message = "a list or a mapping where one value is expected".into();
    }
    // chrono's parse errors do not say they are about a date.
    const CHRONO: [&str; 6] = [
        "input is out of range",
        "no possible date and time matching input",
        "input is not enough for unique date and time",
        "input contains invalid characters",
        "premature end of input",
        "trailing input",
    ];
    let mut date_known = false;
    if from_serde && CHRONO.contains(&message.as_str()) {
        let value = error_offset(text, e)
            .zip(e.location())
            .and_then(|(start, loc)| {
                let len = loc.span().byte_len().unwrap_or(0) as usize;
                text.get(start..snap_end(text, start, len))
            })
            .unwrap_or("");
        let value: String = value
            .trim()
            .trim_matches(['"', '\''])
            .chars()
            .map(|c| if c.is_control() { '\u{fffd}' } else { c })
            .collect();
        (message, hint) = date_problem(&value);
        // `2026／01／05` is a day in another form: that hint already says
        // how to write it.
        date_known = hint
            .as_deref()
            .is_some_and(|h| h.starts_with("write it as"));
    }
    // serde-saphyr names the Rust type (`invalid u32`) for `due_days: -1`.
    if code == "invalid-value"
        && let Some(ty) = message.strip_prefix("invalid u")
        && let Some(max) = match ty {
            "8" => Some(u64::from(u8::MAX)),
            "16" => Some(u64::from(u16::MAX)),
            "32" => Some(u64::from(u32::MAX)),
            "64" | "size" => Some(u64::MAX),
            _ => None,
        }
    {
        message = format!("not a whole number from 0 to {max}");
        hint = Some("write digits only, e.g. 15".into());
    }
    // "unknown variant" is serde's word; say which value, and which was
    // likely meant (`sat` → `saturday`, by its start or its spelling).
    if code == "unknown-value"
        && let Some((given, values)) = unknown_variant(&message)
    {
        let given = given.as_str();
        let lower = given.trim().to_lowercase();
        let starting: Vec<&String> = values
            .iter()
            .filter(|v| !lower.is_empty() && v.starts_with(&lower))
            .collect();
        let meant = match starting.as_slice() {
            [one] => Some(format!("did you mean `{one}`?")),
            _ => crate::diagnostic::did_you_mean(given, values.iter().map(String::as_str)),
        };
        hint = Some(match meant {
            // "did you mean `x`?" ends a sentence; the comma hint does not.
            Some(m) if m.ends_with(['?', '.']) => format!("{m} The values: {}", values.join(", ")),
            Some(m) => format!("{m}. The values: {}", values.join(", ")),
            None => format!("write one of: {}", values.join(", ")),
        });
        message = format!("`{given}` is not a value this field takes");
    }
    // `{when: total > 5,000}`: inside braces a comma ends the value, and
    // what follows reads as a key of its own.
    let cut = raw
        .strip_prefix("unknown field `")
        .and_then(|r| r.split_once('`'))
        .is_some_and(|(f, _)| {
            f.trim()
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit() || c == '\'' || c == ')')
        });
    if code == "unknown-field" && cut {
        hint = Some(
            "inside `{…}` a comma ends a value: quote an expression that holds commas (`when: \"round(x, 2) > 5000\"`), and write numbers without thousands commas (5000, not 5,000)".into(),
        );
    }
    let mut d = Diagnostic::error(code, message).hint_opt(hint);
    if let (Some(loc), Some(start)) = (e.location(), error_offset(text, e)) {
        let len = loc.span().byte_len().unwrap_or(0).max(1) as usize;
        let end = snap_end(text, start, len);
        // serde-saphyr places a missing field at the mapping's last key;
        // the user looks for the mapping, so point at its first key.
        let missing = code == "missing-field";
        let field = raw
            .strip_prefix("missing field `")
            .and_then(|r| r.split_once('`'))
            .map(|(f, _)| f);
        match missing.then(|| mapping_start(text, start)).flatten() {
            Some((first, first_end)) => {
                // The field is often there, indented unlike its mapping's
                // other keys, and read as part of the value above it.
                match field.and_then(|f| misindented_key(text, first, start, f)) {
                    Some((at, at_end, col, want)) => {
                        d.hints.clear();
                        d = d
                            .at(
                                Loc::new(file, at as u32, at_end as u32),
                                format!("indented {col} spaces, not {want}"),
                            )
                            .also(
                                Loc::new(file, first as u32, first_end as u32),
                                "the mapping's keys start here",
                            )
                            .hint(format!(
                                "indent it {want} spaces like the other keys: YAML read it as part of the value above"
                            ));
                    }
                    None => {
                        d = d.at(
                            Loc::new(file, first as u32, first_end as u32),
                            "in the mapping starting here",
                        );
                    }
                }
            }
            None => match raw
                .contains("found a tab")
                .then(|| next_tab(text, start))
                .flatten()
            {
                // The scanner names the scalar it was reading; the tab is
                // further on, where the user has to change it.
                Some(tab) => {
                    d.hints.clear();
                    d = d
                        .at(Loc::new(file, tab as u32, tab as u32 + 1), "a tab")
                        .hint("YAML indents with spaces only: replace the tab with spaces");
                }
                None => d = d.at(Loc::new(file, start as u32, end as u32), ""),
            },
        }
        // A missing field is often there, its line spoilt by the slip; the
        // search starts at the mapping's first key and ends a little past
        // the error.
        let from = if missing {
            mapping_start(text, start).map_or(start, |(first, _)| first)
        } else {
            start
        };
        let to = if missing {
            text.get(start..)
                .and_then(|r| r.match_indices('\n').nth(2))
                .map_or(text.len(), |(i, _)| start + i)
        } else {
            start
        };
        // A value the field cannot take because of a full-width character
        // in it (`rate: 6％`): the character, not the value's form.
        // Not a list or mapping where something else is expected: there
        // the shape is what is wrong (`weekend: saturday，sunday`).
        let of_shape = raw.ends_with(" scalar")
            || raw.contains("expected sequence")
            || raw.contains("expected mapping")
            || text.get(start..).is_some_and(|t| t.starts_with(['{', '[']));
        let in_value = || {
            (code == "invalid-value" && !date_known && !of_shape)
                .then(|| full_width_in_value(text, start, end))
                .flatten()
        };
        let (slip, of_value) = match full_width_slip(text, from, to) {
            Some(slip) => (Some(slip), false),
            None => (in_value(), true),
        };
        if let Some(slip) = slip {
            d.hints.clear();
            d = d
                .at(Loc::new(file, slip.at as u32, slip.end as u32), slip.label)
                .hint(slip.hint);
            if let Some(m) = slip.message {
                d.message = m;
                if !of_value {
                    d.code = "yaml-syntax";
                }
            }
        } else if matches!(code, "invalid-value" | "yaml-syntax")
            && let Some(at) = quote_ends_early(text, start)
        {
            d.hints.clear();
            d.message = "a quote inside a quoted value ends the value early".into();
            d.code = "yaml-syntax";
            d = d
                .at(Loc::new(file, at as u32, (at + 1) as u32), "the value ends here")
                .hint("write quotation marks inside a value as 「」 (`name: 「室内」卫生清洁`), or put single quotes around the whole value (`name: '\"室内\"卫生'`)");
        } else if code == "yaml-syntax"
            && let Some(slip) = syntax_slip(text, start)
        {
            d.hints.clear();
            d.message = slip.message;
            d = d
                .at(Loc::new(file, slip.at as u32, slip.end as u32), slip.label)
                .hint(slip.hint);
        } else if matches!(code, "invalid-value" | "yaml-syntax")
            && let Some((at, q)) = unclosed_quote(text, start)
        {
            let stumbled = d.primary.clone();
            d.hints.clear();
            d.message = "a quote is not closed on its line".into();
            d.code = "yaml-syntax";
            d = d.at(Loc::new(file, at as u32, (at + 1) as u32), "opened here");
            if stumbled.place == d.primary.place {
                d = d.hint(format!(
                    "close the {q} at the end of its value, or delete it"
                ));
            } else {
                d.secondary.push(crate::diagnostic::Label {
                    place: stumbled.place,
                    text: "where the quoted text ended and the rest made no sense".into(),
                });
                d = d.hint(format!(
                    "YAML read on from this {q} to the next one, over the line break: close the quote at the end of its value, or delete it"
                ));
            }
        } else if code == "yaml-syntax"
            && let Some(Unclosed {
                at,
                open,
                close,
                full_width,
            }) = unclosed_bracket(text, start)
        {
            let stumbled = d.primary.clone();
            d.hints.clear();
            let opened = Loc::new(file, at as u32, (at + open.len_utf8()) as u32);
            match full_width {
                // `{name: 元旦, date: 2026-01-04｝`: closed, but with a
                // full-width twin YAML does not read as the end.
                Some((fw, c)) => {
                    d.message = format!("the `{open}` is closed with a full-width `{c}`");
                    d = d
                        .at(
                            Loc::new(file, fw as u32, (fw + c.len_utf8()) as u32),
                            full_width_name(c),
                        )
                        .also(opened, "opened here")
                        .hint(format!(
                            "type the ASCII `{close}`: switch the input method to half-width (半角) and retype it"
                        ));
                }
                None => {
                    d.message = format!("a `{open}` is not closed on its line");
                    d = d.at(opened, "opened here");
                    if stumbled.place != d.primary.place {
                        d.secondary.push(crate::diagnostic::Label {
                            place: stumbled.place,
                            text: "where YAML gave up looking for it".into(),
                        });
                    }
                    d = d.hint(format!("add the `{close}` at the end of the line"));
                }
            }
        }
    }
    d
}

/// The line holding `offset`: (its start, its text without the line break).
fn line_around(text: &str, offset: usize) -> Option<(usize, &str)> {
    let start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let end = text
        .get(start..)?
        .find('\n')
        .map_or(text.len(), |i| start + i);
    Some((start, text.get(start..end)?.trim_end_matches('\r')))
}

/// The line before the one starting at `line_start` that holds something
/// other than a comment: (its start, its text).
fn line_above(text: &str, line_start: usize) -> Option<(usize, &str)> {
    let mut at = line_start;
    while at > 0 {
        let (s, line) = line_around(text, at - 1)?;
        let t = line.trim();
        if !t.is_empty() && !t.starts_with('#') {
            return Some((s, line));
        }
        at = s;
    }
    None
}

/// `name: "室内"卫生"清洁"` on the line of `offset`: a double-quoted value
/// whose closing quote has more text after it. (the closing quote)
fn quote_ends_early(text: &str, offset: usize) -> Option<usize> {
    let (start, line) = line_around(text, offset)?;
    let body = line.trim_start_matches([' ', '-']);
    let k = body.find(": ")?;
    let value = body[k + 2..].trim_start();
    let value_at = start + line.len() - value.len();
    let q = value.chars().next().filter(|c| matches!(c, '"' | '\''))?;
    let close = value[1..].find(q)? + 1;
    let after = value[close + 1..].trim_start();
    (!after.is_empty() && !after.starts_with(['#', ',', '}', ']'])).then_some(value_at + close)
}

/// A slip the parser words in its own terms, judged from the lines at the
/// error: what to say, where, and what to do.
struct SyntaxSlip {
    message: String,
    at: usize,
    end: usize,
    label: &'static str,
    hint: String,
}

fn syntax_slip(text: &str, offset: usize) -> Option<SyntaxSlip> {
    let (here_at, here) = line_around(text, offset)?;
    let indent = |l: &str| l.len() - l.trim_start_matches(' ').len();
    // `unit_price:3.00`: no space after the colon, so YAML reads one word.
    // On the line of the error or the one above it.
    let mut candidates = vec![(here_at, here)];
    candidates.extend(line_above(text, here_at));
    for (at, line) in candidates {
        let mut body = &line[indent(line)..];
        while let Some(r) = body.strip_prefix("- ") {
            body = r.trim_start_matches(' ');
        }
        let body_at = at + line.len() - body.len();
        if body.contains(": ") || body.starts_with(['#', '"', '\'']) {
            continue;
        }
        if let Some(c) = body.find(':')
            && c > 0
            && body[..c]
                .chars()
                .all(|ch| ch.is_alphanumeric() || ch == '_' || ch == '-')
            && body[c + 1..]
                .chars()
                .next()
                .is_some_and(|ch| !ch.is_whitespace())
        {
            return Some(SyntaxSlip {
                message: format!("no space after the colon of `{}`", &body[..c]),
                at: body_at + c,
                end: body_at + c + 1,
                label: "a space is needed after this colon",
                hint: format!(
                    "put a space after the colon: `{}: {}`",
                    &body[..c],
                    body[c + 1..].trim_end()
                ),
            });
        }
    }
    let (_, above) = line_above(text, here_at)?;
    let (i_here, i_above) = (indent(here), indent(above));
    let key_here = here[i_here..]
        .find(':')
        .map(|c| &here[i_here..i_here + c])
        .filter(|k| {
            !k.is_empty()
                && k.chars()
                    .all(|ch| ch.is_alphanumeric() || ch == '_' || ch == '-')
        });
    let mut above_body = &above[i_above..];
    let mut above_col = i_above;
    while let Some(r) = above_body.strip_prefix("- ") {
        let r2 = r.trim_start_matches(' ');
        above_col += above_body.len() - r2.len();
        above_body = r2;
    }
    // A key indented further than the key above it, whose value is on its
    // line: YAML reads the key as more of that value.
    if let Some(key) = key_here
        && i_here > above_col
        && above_body
            .split_once(": ")
            .is_some_and(|(_, v)| !v.trim().is_empty())
    {
        let above_key = above_body.split_once(':').map_or("", |(k, _)| k);
        return Some(SyntaxSlip {
            message: format!("`{key}` is indented further than the key above it"),
            at: here_at + i_here,
            end: here_at + i_here + key.len(),
            label: "indented too far",
            hint: format!(
                "align `{key}` with `{above_key}` above it ({above_col} spaces): YAML read it as part of the value above"
            ),
        });
    }
    // A list item written without its dash, at the column of the dashes
    // of the items above it.
    if let Some(key) = key_here {
        let mut at = here_at;
        while let Some((s, l)) = line_above(text, at) {
            let i = indent(l);
            if i < i_here {
                break;
            }
            if i == i_here && l[i..].starts_with("- ") {
                // `-id: copying`: the dash is there, its space is not.
                if let Some(item) = here[i_here..].strip_prefix('-') {
                    return Some(SyntaxSlip {
                        message: "no space after a list item's `-`".into(),
                        at: here_at + i_here,
                        end: here_at + i_here + 1,
                        label: "a space is needed after this dash",
                        hint: format!(
                            "start each list item with `- `, like the items above: `- {}`",
                            item.trim()
                        ),
                    });
                }
                return Some(SyntaxSlip {
                    message: "a list item without its `- `".into(),
                    at: here_at + i_here,
                    end: here_at + i_here + key.len(),
                    label: "the item starts here",
                    hint: format!(
                        "start each list item with `- `, like the items above: `- {}`",
                        here[i_here..].trim_end()
                    ),
                });
            }
            at = s;
        }
    }
    None
}

/// A bracket [`unclosed_bracket`] found open.
struct Unclosed {
    /// Where it is.
    at: usize,
    /// `{` or `[`.
    open: char,
    /// What would close it.
    close: char,
    /// Where its line closes it with the full-width twin of `close` (`｝`,
    /// `］`), which YAML does not read as one.
    full_width: Option<(usize, char)>,
}

/// A `{` or `[` that its line does not close, on the line of `offset` or
/// up to 3 lines above it (`- {name: 元旦, from: 2026-01-01` with its `}`
/// forgotten): YAML reads on into the next lines and reports something
/// else there. A line ending in `{`, `[` or `,` is a list written over
/// several lines on purpose, not a slip.
fn unclosed_bracket(text: &str, offset: usize) -> Option<Unclosed> {
    let line_start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let mut starts = vec![line_start];
    let mut s = line_start;
    for _ in 0..3 {
        if s == 0 {
            break;
        }
        s = text.get(..s - 1)?.rfind('\n').map_or(0, |i| i + 1);
        starts.push(s);
    }
    for start in starts {
        let end = text
            .get(start..)?
            .find('\n')
            .map_or(text.len(), |i| start + i);
        let line = text.get(start..end)?.trim_end_matches('\r');
        let code = match line.find(" #") {
            Some(i) => &line[..i],
            None => line,
        };
        if code.trim_end().ends_with(['{', '[', ',']) {
            continue;
        }
        let mut open: Vec<(usize, char)> = Vec::new();
        let mut quote: Option<char> = None;
        for (i, c) in code.char_indices() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '{' | '[') => open.push((i, c)),
                (None, '}' | ']') => {
                    open.pop();
                }
                _ => {}
            }
        }
        if let Some((i, c)) = open.pop() {
            let (close, twin) = if c == '{' { ('}', '｝') } else { (']', '］') };
            let full_width = code[i..].find(twin).map(|j| (start + i + j, twin));
            return Some(Unclosed {
                at: start + i,
                open: c,
                close,
                full_width,
            });
        }
    }
    None
}

/// A value opened with a quote that its line does not close, on the line
/// of `offset` or up to 20 lines above it: the quoted text runs on to the
/// next quote of the same kind, and the error is reported there, lines
/// below the quote that caused it. (start of the quote, which quote)
fn unclosed_quote(text: &str, offset: usize) -> Option<(usize, &'static str)> {
    let line_start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let mut end = text
        .get(line_start..)?
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let mut start = line_start;
    for _ in 0..=20 {
        let line = text.get(start..end)?;
        let body = line.trim_start_matches([' ', '-']);
        // The value: after the key's `: `, or the whole of a list item.
        let value_at = match body.find(": ") {
            Some(k) if !body[..k].contains(['"', '\'']) => k + 2,
            _ => 0,
        };
        let value = body[value_at..].trim_start();
        let at = start + (line.len() - value.len());
        let open = match value.chars().next() {
            Some('"') => {
                // `\"` is an escaped quote inside a double-quoted value.
                let quotes = value
                    .replace("\\\\", "")
                    .replace("\\\"", "")
                    .matches('"')
                    .count();
                (quotes % 2 == 1).then_some("double quote `\"`")
            }
            Some('\'') => (value.matches('\'').count() % 2 == 1).then_some("single quote `'`"),
            _ => None,
        };
        if let Some(q) = open {
            return Some((at, q));
        }
        if start == 0 {
            return None;
        }
        end = start - 1;
        start = text.get(..end)?.rfind('\n').map_or(0, |i| i + 1);
    }
    None
}

/// What is wrong with a date chrono would not read, and how to write it:
/// `2026-02-30` is not a day of the calendar; `2026/01/05` and
/// `2026年1月5日` are the right day in the wrong form.
fn date_problem(value: &str) -> (String, Option<String>) {
    const FORM: &str = "write dates as YYYY-MM-DD, e.g. 2026-11-16";
    let parts: Vec<&str> = value
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .collect();
    let numbers = match parts.as_slice() {
        [y, m, d] if y.len() == 4 && m.len() <= 2 && d.len() <= 2 => y
            .parse::<i32>()
            .ok()
            .zip(m.parse::<u32>().ok())
            .zip(d.parse::<u32>().ok()),
        _ => None,
    };
    let Some(((y, m), d)) = numbers else {
        return (format!("not a date: `{value}`"), Some(FORM.into()));
    };
    if !(1..=12).contains(&m) {
        return (
            format!("not a date: `{value}` has no month {m}"),
            Some(FORM.into()),
        );
    }
    match chrono::NaiveDate::from_ymd_opt(y, m, d) {
        Some(date) => (
            format!("not a date in the form feebook reads: `{value}`"),
            Some(format!("write it as {}", date.format("%Y-%m-%d"))),
        ),
        None => {
            let days = (28..=31)
                .rev()
                .find(|&n| chrono::NaiveDate::from_ymd_opt(y, m, n).is_some())
                .unwrap_or(28);
            (
                format!("not a date: {y}年{m}月 has {days} days, not {d}"),
                Some("check the day against the calendar".into()),
            )
        }
    }
}

/// A full-width character where YAML needs its ASCII twin, as a Chinese
/// input method types it: `：` after a key, `　` in the indentation, a
/// value in “…”. The parser only sees a key without its colon or a strange
/// key or value; the user needs to be shown the one character to retype.
struct Slip {
    at: usize,
    end: usize,
    label: String,
    hint: String,
    /// What to say instead of the parser's words, which are about
    /// something else.
    message: Option<String>,
}

/// The first slip on the lines from the one holding `from` to the one
/// holding `to`, if any. Only where the character cannot be meant: a `：`
/// inside a value (`notes: 联系人：张丽`) is text.
fn full_width_slip(text: &str, from: usize, to: usize) -> Option<Slip> {
    let mut line_start = text.get(..from)?.rfind('\n').map_or(0, |i| i + 1);
    while line_start <= to.min(text.len()) {
        let line_end = text
            .get(line_start..)?
            .find('\n')
            .map_or(text.len(), |i| line_start + i);
        if let Some(slip) = slip_on_line(text.get(line_start..line_end)?, line_start) {
            return Some(slip);
        }
        line_start = line_end + 1;
    }
    None
}

fn slip_on_line(line: &str, line_start: usize) -> Option<Slip> {
    let indent_len = line.len() - line.trim_start_matches([' ', '\u{3000}']).len();
    if let Some(i) = line[..indent_len].find('\u{3000}') {
        return Some(Slip {
            at: line_start + i,
            end: line_start + i + '\u{3000}'.len_utf8(),
            label: "a full-width space (U+3000)".into(),
            message: Some("a full-width space (U+3000) in the indentation".into()),
            hint: "indent with ASCII spaces: switch the input method to half-width (半角) and retype the indentation".into(),
        });
    }
    let mut body = &line[indent_len..];
    while let Some(rest) = body.strip_prefix("- ") {
        body = rest.trim_start_matches(' ');
    }
    let body_at = line_start + (line.len() - body.len());
    if body.starts_with('#') {
        return None;
    }
    // `－ id: …`: a list item's dash typed full-width (or as a Chinese dash).
    if let Some(c) = body
        .chars()
        .next()
        .filter(|c| matches!(c, '－' | '—' | '–'))
        && body[c.len_utf8()..].starts_with([' ', '\u{3000}'])
    {
        return Some(Slip {
            at: body_at,
            end: body_at + c.len_utf8(),
            label: "a full-width dash".into(),
            message: Some(format!("a list item starts with a full-width `{c}`, not the ASCII `-`")),
            hint: "start a list item with an ASCII `- ` (a minus sign and a space): switch the input method to half-width (半角) and retype the dash".into(),
        });
    }
    if let Some(slip) = flow_slip(body, body_at) {
        return Some(slip);
    }
    // The key ends at the first ASCII `: ` (or `:` at the end); a `：`
    // before it, or on a line with none, is where the colon was meant.
    let ascii = body.find(": ").or_else(|| {
        body.trim_end()
            .ends_with(':')
            .then(|| body.trim_end().len() - 1)
    });
    if let Some(i) = body.find('：')
        && ascii.is_none_or(|a| i < a)
        && !body[..i].contains(['"', '\'', '{', '['])
    {
        return Some(Slip {
            at: body_at + i,
            end: body_at + i + '：'.len_utf8(),
            label: "a full-width colon (：)".into(),
            message: None,
            hint: format!(
                "after a key YAML needs an ASCII colon and a space (`{}: …`): switch the input method to half-width (半角) and retype the colon",
                body[..i].trim_end()
            ),
        });
    }
    let value = ascii.map_or("", |a| body[a + 1..].trim());
    // `weekend: ［saturday, sunday］`: full-width brackets or braces; or
    // a list item written so (`- ｛name: 元旦, …}`).
    let opening = |v: &str| v.chars().next().filter(|c| matches!(c, '［' | '｛' | '【'));
    let flow_open = match ascii {
        Some(a) if !body[..a].starts_with(['［', '｛', '【']) => {
            opening(value).map(|q| (q, body.len() - body[a + 1..].trim_start().len()))
        }
        _ => opening(body).map(|q| (q, 0)),
    };
    if let Some((q, i)) = flow_open {
        let ascii_twin = if q == '｛' {
            "`{` and `}`"
        } else {
            "`[` and `]`"
        };
        return Some(Slip {
            at: body_at + i,
            end: body_at + i + q.len_utf8(),
            label: if q == '｛' {
                "a full-width brace".into()
            } else {
                "a full-width bracket".into()
            },
            message: Some(format!(
                "the {} starts with a full-width `{q}`, not the ASCII {}",
                if q == '｛' { "mapping" } else { "list" },
                if q == '｛' { "`{`" } else { "`[`" }
            )),
            hint: format!(
                "write the ASCII {ascii_twin}: switch the input method to half-width (半角) and retype them"
            ),
        });
    }
    if value.starts_with(['“', '‘', '”']) {
        let i = body.len() - body[ascii? + 1..].trim_start().len();
        let q = value.chars().next()?;
        return Some(Slip {
            at: body_at + i,
            end: body_at + i + q.len_utf8(),
            label: "a Chinese quotation mark".into(),
            message: None,
            hint: "quote values with ASCII quotes, `\"3.00\"` or `'3.00'`, or leave the quotes out"
                .into(),
        });
    }
    None
}

/// The ASCII character a full-width form (U+FF01–U+FF5E) stands for.
fn ascii_twin(c: char) -> Option<char> {
    let c = c as u32;
    (0xFF01..=0xFF5E)
        .contains(&c)
        .then(|| char::from_u32(c - 0xFEE0))
        .flatten()
}

/// What a full-width character is called in a message: "a full-width
/// comma (，)".
fn full_width_name(c: char) -> String {
    let what = match c {
        '：' => "colon",
        '，' => "comma",
        '％' => "percent sign",
        '｛' | '｝' => "brace",
        '［' | '］' => "bracket",
        '（' | '）' => "parenthesis",
        '．' => "full stop",
        '－' => "minus sign",
        '＋' => "plus sign",
        '／' => "slash",
        '０'..='９' => "digit",
        'Ａ'..='Ｚ' | 'ａ'..='ｚ' => "letter",
        _ => "character",
    };
    format!("a full-width {what} ({c})")
}

/// A full-width `：` or `，` in a flow collection (`{…}`, `[…]`) where YAML
/// needs the ASCII one: a `：` right after an entry's key (`{rate：5%, …}`),
/// a `，` right before the next entry's key (`{rate: 5%， from: …}`). Not
/// in text: `{notes: 联系人：张丽}` has its ASCII colon before the `：`, and
/// `{notes: 地面，门窗}` no key after the `，`.
fn flow_slip(body: &str, body_at: usize) -> Option<Slip> {
    let is_key = |k: &str| {
        !k.is_empty()
            && k.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
    };
    // The collections open at this point, innermost last.
    let mut open: Vec<char> = Vec::new();
    let mut quote: Option<char> = None;
    // Where the current entry of the innermost collection starts.
    let mut entry = 0;
    for (i, c) in body.char_indices() {
        let depth = open.len();
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '#') if depth == 0 && (i == 0 || body[..i].ends_with(' ')) => return None,
            (None, '{' | '[') => {
                open.push(c);
                entry = i + 1;
            }
            (None, '}' | ']') => {
                open.pop();
            }
            (None, ',') if depth > 0 => entry = i + 1,
            // Keys are in mappings: `[saturday：sunday]` is another slip.
            (None, '：') if open.last() == Some(&'{') && is_key(body[entry..i].trim()) => {
                let key = body[entry..i].trim();
                return Some(Slip {
                    at: body_at + i,
                    end: body_at + i + c.len_utf8(),
                    label: full_width_name(c),
                    message: Some(format!("a full-width colon (：) after the key `{key}`")),
                    hint: format!(
                        "after a key YAML needs an ASCII colon and a space (`{key}: …`): switch the input method to half-width (半角) and retype the colon"
                    ),
                });
            }
            (None, '，') if depth > 0 => {
                let rest = body[i + c.len_utf8()..].trim_start();
                let key = rest.find(':').map(|k| rest[..k].trim_end());
                if let Some(key) = key.filter(|k| is_key(k)) {
                    return Some(Slip {
                        at: body_at + i,
                        end: body_at + i + c.len_utf8(),
                        label: full_width_name(c),
                        message: Some(format!(
                            "a full-width comma (，) before `{key}`: YAML separates entries with an ASCII comma"
                        )),
                        hint: format!(
                            "type an ASCII comma and a space (`, {key}: …`): switch the input method to half-width (半角) and retype the comma"
                        ),
                    });
                }
                entry = i + c.len_utf8();
            }
            _ => {}
        }
    }
    None
}

/// The first full-width form (`％`, `，`, `３`) in a value that does not
/// fit its field (`rate: 6％`), from `start` to `end`: the value as read
/// is text the field cannot take, and the character looks like the one it
/// needs.
fn full_width_in_value(text: &str, start: usize, end: usize) -> Option<Slip> {
    let value = text.get(start..end)?;
    let (i, c) = value
        .char_indices()
        .find(|&(_, c)| ascii_twin(c).is_some())?;
    let ascii = ascii_twin(c)?;
    let shown = value.trim().trim_matches(['"', '\'']);
    let fixed: String = shown.chars().map(|c| ascii_twin(c).unwrap_or(c)).collect();
    Some(Slip {
        at: start + i,
        end: start + i + c.len_utf8(),
        label: full_width_name(c),
        message: Some(format!(
            "`{shown}` is written with {}, not the ASCII `{ascii}`",
            full_width_name(c)
        )),
        hint: format!(
            "type the ASCII `{ascii}` (`{fixed}`): switch the input method to half-width (半角) and retype it"
        ),
    })
}

/// The first tab at or after `offset`, if it is in the next few lines.
fn next_tab(text: &str, offset: usize) -> Option<usize> {
    let rest = text.get(offset..)?;
    let tab = rest.find('\t')?;
    (rest[..tab].matches('\n').count() <= 3).then_some(offset + tab)
}

/// A line between the mapping's first key (`first`) and a little past the
/// place of the error whose key is `field` but whose column differs from
/// the mapping's: (start, end, its column, the mapping's column).
fn misindented_key(
    text: &str,
    first: usize,
    error_at: usize,
    field: &str,
) -> Option<(usize, usize, usize, usize)> {
    let line_start = text.get(..first)?.rfind('\n').map_or(0, |i| i + 1);
    let want = first - line_start;
    let end_line = text
        .get(error_at..)?
        .match_indices('\n')
        .nth(2)
        .map_or(text.len(), |(i, _)| error_at + i);
    // The field itself, indented unlike the others; else another key so
    // indented, one or two columns off (`     unit_price:` among keys at
    // six), which ends the mapping before the field written below it.
    let mut other = None;
    let mut pos = line_start;
    for line in text.get(line_start..end_line)?.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let key = &line[indent..];
        if indent != want && key.strip_prefix(field).is_some_and(|r| r.starts_with(':')) {
            return Some((pos + indent, pos + indent + field.len(), indent, want));
        }
        let name_len = key.find(':').filter(|&n| {
            n > 0
                && key[..n]
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        });
        if other.is_none()
            && indent != want
            && indent.abs_diff(want) <= 2
            && let Some(n) = name_len
        {
            other = Some((pos + indent, pos + indent + n, indent, want));
        }
        pos += line.len();
    }
    other
}

/// The first key of the block mapping whose key is at `offset`, as
/// (start, end) of the key: the mapping's first line at the same column,
/// found by walking up past deeper lines, blank lines and comments. `None`
/// for a flow mapping (`{...}`), where the place given is already on the
/// mapping's line.
fn mapping_start(text: &str, offset: usize) -> Option<(usize, usize)> {
    // (line start, key column in bytes, is a `- ` item, text)
    fn key_of(line: &str) -> Option<(usize, bool)> {
        let trimmed = line.trim_start_matches(' ');
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(['\r', '\n']) {
            return None;
        }
        let mut col = line.len() - trimmed.len();
        let mut rest = trimmed;
        let mut item = false;
        while let Some(r) = rest.strip_prefix("- ") {
            let r2 = r.trim_start_matches(' ');
            col += rest.len() - r2.len();
            rest = r2;
            item = true;
        }
        Some((col, item))
    }
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    let line_no = starts.partition_point(|&s| s <= offset).checked_sub(1)?;
    let line_at = |i: usize| {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        &text[starts[i]..end]
    };
    let here = line_at(line_no);
    let (col, item) = key_of(here)?;
    if here[..col.min(here.len())].contains('{') || here[col..].trim_start().starts_with('{') {
        return None;
    }
    let mut first = (line_no, col);
    if !item {
        for i in (0..line_no).rev() {
            let Some((c, is_item)) = key_of(line_at(i)) else {
                continue;
            };
            if c > col {
                continue;
            }
            if c < col {
                break;
            }
            first = (i, c);
            if is_item {
                break;
            }
        }
    }
    let (i, c) = first;
    let line = line_at(i);
    let key_end = line[c..].find(':').map_or(line.trim_end().len(), |k| c + k);
    let start = starts[i] + c;
    let end = starts[i] + key_end.max(c + 1).min(line.len());
    Some((start, snap_end(text, start, end - start)))
}

fn classify(message: &str, what: &str, from_serde: bool) -> (&'static str, Option<String>) {
    if message.starts_with("unknown field") {
        (
            "unknown-field",
            Some(format!(
                "check the spelling; the {what}'s JSON Schema (schemas/) lists every field, and editors complete them"
            )),
        )
    } else if message.starts_with("missing field") {
        (
            "missing-field",
            Some("add the field; it is required here".into()),
        )
    } else if message.contains("duplicate mapping key") {
        (
            "duplicate-key",
            Some("a key may appear once in a mapping; remove or rename one of them".into()),
        )
    } else if message.starts_with("unknown variant") {
        ("unknown-value", Some("use one of the values listed".into()))
    } else if message.contains("invalid boolean") {
        (
            "invalid-value",
            Some("write `true` or `false` (yes/no/on/off are not booleans here)".into()),
        )
    } else if message == "expected string scalar" || message == "expected scalar" {
        (
            "invalid-value",
            Some("write the one value after the colon, e.g. `name: 华庭物业`; quote it if it starts with `[` or `{`".into()),
        )
    } else if message.contains("expected sequence") {
        (
            "invalid-value",
            Some("a list is expected here: one `- item` line per entry, or `[]` for none".into()),
        )
    } else if message.contains("expected mapping") {
        (
            "invalid-value",
            Some("a mapping is expected here: `key: value` lines, or `{}` for none".into()),
        )
    } else if from_serde || message.starts_with("invalid") {
        ("invalid-value", None)
    } else {
        (
            "yaml-syntax",
            Some(format!("the {what} is not valid YAML here")),
        )
    }
}

/// Extends a zero- or short-length span so that it covers at least one
/// whole character and never splits one.
fn snap_end(text: &str, start: usize, len: usize) -> usize {
    let mut end = (start + len).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    end
}

fn line_col_to_byte(text: &str, line: u64, column: u64) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i as u64 + 1 == line {
            return offset
                + l.char_indices()
                    .nth(column.saturating_sub(1) as usize)
                    .map_or(l.len(), |(b, _)| b);
        }
        offset += l.len();
    }
    text.len()
}
