//! `feebook status JOB.yaml` and `feebook approve JOB.yaml`: the approval
//! chain of a temporary job's quote.

use std::path::Path;

use chrono::NaiveDate;

use feebook::approval::{State, Status};
use feebook::diagnostic;
use feebook::quote;
use feebook::source::Sources;

use super::common::{load_rules, read_input, report};
use super::documents::check_job;
use super::{OK, OutputFormat, PROBLEMS, RulesArgs, USAGE};
use feebook::approval::quote_status as job_status;

pub fn status(rules_args: &RulesArgs, path: &Path, format: OutputFormat) -> u8 {
    let c = match check_job(rules_args, path) {
        Ok(c) => c,
        Err(code) => return code,
    };
    match format {
        OutputFormat::Json => super::out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&c.status).unwrap_or_default()
        )),
        OutputFormat::Text => super::out(&describe(&c.quote, &c.status)),
    }
    if !c.approval_problems.is_empty() {
        return report(&c.approval_problems, &c.sources);
    }
    OK
}

fn describe(q: &quote::Quote, s: &Status) -> String {
    let mut out = format!(
        "{} {}  {}  合计 {}\n{}（{}）：{}\n",
        q.number,
        q.customer.name,
        q.description,
        q.total.yuan(),
        s.title,
        s.chain,
        s.describe()
    );
    let first_open = s.slots.iter().position(|sl| sl.signed.is_none());
    for (i, sl) in s.slots.iter().enumerate() {
        let who = match &sl.department_name {
            Some(d) => format!("{}（{d}）", sl.role_title),
            None => sl.role_title.clone(),
        };
        let line = match &sl.signed {
            Some(by) => format!(
                "  {} {}  {}  {} {}{}\n",
                if by.decision == feebook::rules::model::Decision::Reject {
                    "✗"
                } else {
                    "✓"
                },
                sl.action,
                who,
                by.name,
                by.date,
                by.comment
                    .as_deref()
                    .map(|c| format!("  “{c}”"))
                    .unwrap_or_default()
            ),
            None if matches!(s.state, State::Rejected { .. }) => {
                format!("  - {}  {}\n", sl.action, who)
            }
            None if Some(i) == first_open
                || first_open.is_some_and(|f| s.slots[f].step == sl.step) =>
            {
                format!("  → {}  {}  （待签）\n", sl.action, who)
            }
            None => format!("  ○ {}  {}\n", sl.action, who),
        };
        out.push_str(&line);
    }
    for skipped in &s.skipped {
        out.push_str(&format!("  （不需要：{skipped}，条件不成立）\n"));
    }
    for note in &s.notes {
        out.push_str(&format!("  注：{note}\n"));
    }
    out
}

/// An argument naming an id the rules do not have: a usage error with the
/// likeliest id and the list.
fn unknown_id<'a>(
    flag: &str,
    given: &str,
    (one, all): (&str, &str),
    ids: impl Iterator<Item = &'a str>,
) -> u8 {
    let ids: Vec<&str> = ids.collect();
    eprintln!(
        "error: {flag} `{given}` is not {one} of the rules{}\n  = help: {all}: {}",
        feebook::diagnostic::did_you_mean(given, ids.iter().copied())
            .map(|h| format!(" ({h})"))
            .unwrap_or_default(),
        ids.join(", ")
    );
    USAGE
}

pub struct ApproveOpts<'a> {
    pub role: &'a str,
    pub name: &'a str,
    pub department: Option<&'a str>,
    pub reject: bool,
    pub comment: Option<&'a str>,
    pub date: NaiveDate,
}

/// Records a sign-off in the job file, after checking it is that role's
/// turn. The file is edited as text (comments and layout kept) and
/// replaced atomically.
pub fn approve(rules_args: &RulesArgs, path: &Path, o: ApproveOpts) -> u8 {
    let run = || -> Result<(), u8> {
        if let Some(problem) = feebook::text::name_problem(o.name) {
            eprintln!("error: --name {problem}\n  = help: give the name of the person who signs");
            return Err(USAGE);
        }
        let today = chrono::Local::now().date_naive();
        if o.date > today {
            eprintln!(
                "error: --date {} is after today ({today}): a sign-off is dated the day it is given",
                o.date
            );
            return Err(USAGE);
        }
        let (rules, _) = load_rules(rules_args)?;
        if !rules.roles.contains(o.role) {
            return Err(unknown_id(
                "--role",
                o.role,
                ("a role", "roles"),
                rules.roles.keys(),
            ));
        }
        if let Some(d) = o.department
            && !rules.departments.contains(d)
        {
            let ids = rules.departments.iter().map(|(id, _)| id.value.as_str());
            return Err(unknown_id(
                "--department",
                d,
                ("a department", "departments"),
                ids,
            ));
        }
        let text = read_input(path, "job file")?;
        if let Some(what) = super::police::not_a_job(&text) {
            eprintln!("error: `{}` is {what}", path.display());
            return Err(USAGE);
        }
        let name = path.display().to_string();
        let mut sources = Sources::new();
        let (_, job) =
            quote::load_job(&mut sources, &name, text.clone()).map_err(|d| report(&d, &sources))?;
        let q = quote::price_job(&rules, &job).map_err(|p| report(&p, &sources))?;
        if o.date < job.date.value {
            eprintln!(
                "error: --date {} is before the job's date ({}): nothing can be signed before the job is drawn up",
                o.date, job.date.value
            );
            // A wrong argument, as a --date after today is.
            return Err(USAGE);
        }
        // A quote the policies refuse (保本微利 broken) cannot be issued,
        // so it is not signed either: the price is fixed first.
        let record = feebook::policy::quote_record(&q);
        let policy = feebook::policy::check(
            &rules,
            feebook::records::RecordKind::Quote,
            &record,
            &format!("quote {}", q.number),
            &|f| quote::field_place(&job, f),
        );
        if feebook::policy::blocks(&policy) {
            eprint!("{}", diagnostic::render_all(&policy, &sources));
            eprintln!(
                "error: {} breaks a policy, so it cannot be signed; {name} is unchanged\n  = help: correct the job's price first, then sign",
                q.number
            );
            return Err(PROBLEMS);
        }
        let fonts = feebook::documents::fonts::FontSet::embedded();
        let missing = fonts.missing_chars(o.name);
        if !missing.is_empty() {
            let chars: Vec<String> = missing
                .iter()
                .map(|c| format!("{c} (U+{:04X})", u32::from(*c)))
                .collect();
            eprintln!(
                "error: --name {:?} has {} that no font prints, so the quote sheet could not show the signature\n  = help: write the name with common characters, as it is registered",
                o.name,
                chars.join(", ")
            );
            return Err(USAGE);
        }
        let (before, problems) = job_status(&rules, &job, &q);
        if !problems.is_empty() {
            eprintln!("error: the job's existing sign-offs have problems; fix them first");
            return Err(report(&problems, &sources));
        }
        if matches!(before.state, State::Approved | State::Rejected { .. }) {
            eprintln!(
                "error: {} is already {}; nothing to sign",
                q.number,
                before.describe()
            );
            return Err(PROBLEMS);
        }
        let entry = signoff_yaml(&o, q.total);
        let new_text = append_signoff(&text, &entry).ok_or_else(|| {
            eprintln!("error: cannot add a sign-off to `{name}`: its `signoffs:` list is not in a form feebook can edit\n  = help: add this line to the list by hand:\n    - {entry}");
            USAGE
        })?;
        // Check the edited file exactly as it will be written. Its
        // problems point into a text that is not on disk (the new line is
        // past the file's end): it is named so.
        let mut sources = Sources::new();
        let edited_name = format!("{name} with this sign-off");
        let (_, edited) = quote::load_job(&mut sources, &edited_name, new_text.clone())
            .map_err(|d| report(&d, &sources))?;
        let (after, problems) = job_status(&rules, &edited, &q);
        if !problems.is_empty() {
            eprint!("{}", diagnostic::render_all(&problems, &sources));
            eprintln!(
                "error: the sign-off was not recorded; {} is unchanged",
                name
            );
            return Err(PROBLEMS);
        }
        feebook::fsutil::write_atomic(path, new_text.as_bytes()).map_err(|e| {
            eprintln!("error: cannot write `{name}`: {e}");
            USAGE
        })?;
        super::out(&format!(
            "{name}: {} — {}\n",
            sign_summary(&o),
            after.describe()
        ));
        Ok(())
    };
    run().map_or_else(|c| c, |()| OK)
}

fn sign_summary(o: &ApproveOpts) -> String {
    format!(
        "{} signed as {} on {}{}",
        o.name,
        o.role,
        o.date,
        if o.reject { " (rejected)" } else { "" }
    )
}

/// A YAML double-quoted scalar.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The sign-off as a flow mapping, with the total signed for: a later
/// change of price leaves it for the old price.
fn signoff_yaml(o: &ApproveOpts, total: feebook::money::Money) -> String {
    let mut s = format!("{{role: {}", quoted(o.role));
    if let Some(d) = o.department {
        s.push_str(&format!(", department: {}", quoted(d)));
    }
    s.push_str(&format!(
        ", name: {}, date: {}, amount: \"{}\"",
        quoted(o.name),
        o.date,
        total.amount()
    ));
    if o.reject {
        s.push_str(", decision: reject");
    }
    if let Some(c) = o.comment {
        s.push_str(&format!(", comment: {}", quoted(c)));
    }
    s.push('}');
    s
}

/// Appends `- entry` to the top-level `signoffs:` list, keeping everything
/// else of the text as it is. `None` when the list has a form this does not
/// edit (a multi-line flow list).
pub fn append_signoff(text: &str, entry: &str) -> Option<String> {
    let out = append_signoff_lf(text, entry)?;
    // A file written with CRLF line ends keeps them on the new line too.
    Some(if text.contains("\r\n") {
        out.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        out
    })
}

fn append_signoff_lf(text: &str, entry: &str) -> Option<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let Some(start) = lines.iter().position(|l| l.starts_with("signoffs:")) else {
        let mut out = text.to_string();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!("\nsignoffs:\n  - {entry}\n"));
        return Some(out);
    };
    let after = lines[start]["signoffs:".len()..].trim();
    // A comment on the line (`signoffs: []   # 尚无签字`) stays on it.
    let (rest, comment) = if after.starts_with('#') {
        ("", format!(" {after}"))
    } else {
        match after.split_once(" #") {
            Some((value, c)) => (value.trim(), format!("  #{}", c.trim_end())),
            None => (after, String::new()),
        }
    };
    let mut out: String = lines[..start].concat();
    if rest == "[]" {
        out.push_str(&format!("signoffs:{comment}\n  - {entry}\n"));
        out.push_str(&lines[start + 1..].concat());
        return Some(out);
    }
    if rest.starts_with('[') {
        if !rest.ends_with(']') {
            return None;
        }
        let inner = &rest[1..rest.len() - 1];
        out.push_str(&format!(
            "signoffs: [{}, {entry}]{comment}\n",
            inner.trim_end_matches([',', ' '])
        ));
        out.push_str(&lines[start + 1..].concat());
        return Some(out);
    }
    if !rest.is_empty() {
        return None;
    }
    // Block list: it runs while lines are indented, blank or comments.
    let mut end = start + 1;
    let mut last_item = start;
    let mut indent = "  ".to_string();
    while end < lines.len() {
        let l = lines[end];
        let trimmed = l.trim_start();
        // YAML also allows the items at column 0 (`- {…}` under `signoffs:`).
        let item_at_zero = l.starts_with("- ");
        if l.trim().is_empty()
            || item_at_zero
            || (l.starts_with([' ', '\t']) && !trimmed.is_empty())
        {
            if trimmed.starts_with("- ") {
                indent = l[..l.len() - trimmed.len()].to_string();
            }
            if !l.trim().is_empty() {
                last_item = end;
            }
            end += 1;
        } else {
            break;
        }
    }
    out.push_str(&lines[start..=last_item].concat());
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&format!("{indent}- {entry}\n"));
    out.push_str(&lines[last_item + 1..].concat());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::append_signoff;

    #[test]
    fn appends_to_every_form_of_list() {
        let e = "{role: \"x\"}";
        assert_eq!(
            append_signoff("a: 1\n", e).unwrap(),
            "a: 1\n\nsignoffs:\n  - {role: \"x\"}\n"
        );
        assert_eq!(
            append_signoff("signoffs: []\nb: 2\n", e).unwrap(),
            "signoffs:\n  - {role: \"x\"}\nb: 2\n"
        );
        assert_eq!(
            append_signoff("signoffs: []   # 尚无签字\nb: 2\n", e).unwrap(),
            "signoffs:  # 尚无签字\n  - {role: \"x\"}\nb: 2\n"
        );
        assert_eq!(
            append_signoff("signoffs: [{role: a}]  # 会签\n", e).unwrap(),
            "signoffs: [{role: a}, {role: \"x\"}]  # 会签\n"
        );
        assert_eq!(
            append_signoff("signoffs: [{role: a}]\n", e).unwrap(),
            "signoffs: [{role: a}, {role: \"x\"}]\n"
        );
        assert_eq!(
            append_signoff(
                "signoffs:\n  # first\n  - {role: a}\n\n# tail comment\nb: 2\n",
                e
            )
            .unwrap(),
            "signoffs:\n  # first\n  - {role: a}\n  - {role: \"x\"}\n\n# tail comment\nb: 2\n"
        );
        assert_eq!(
            append_signoff("signoffs:\n- {role: a}\nb: 2\n", e).unwrap(),
            "signoffs:\n- {role: a}\n- {role: \"x\"}\nb: 2\n"
        );
        assert_eq!(append_signoff("signoffs: [\n  {role: a}]\n", e), None);
        // A comment after the key; CRLF line ends kept on the new line.
        assert_eq!(
            append_signoff("signoffs: # 会签\n  - {role: a}\n", e).unwrap(),
            "signoffs: # 会签\n  - {role: a}\n  - {role: \"x\"}\n"
        );
        assert_eq!(
            append_signoff("a: 1\r\nsignoffs:\r\n  - {role: a}\r\n", e).unwrap(),
            "a: 1\r\nsignoffs:\r\n  - {role: a}\r\n  - {role: \"x\"}\r\n"
        );
    }
}
