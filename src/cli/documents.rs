//! `feebook notice`, `quote`, `order`, `receipt`, `register`: render the
//! documents, issuing numbered ones through the journal.

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

use feebook::approval;
use feebook::diagnostic::{self, Diagnostic};
use feebook::documents::fonts::FontSet;
use feebook::documents::{Format, Kind, Renderer, model};
use feebook::issue;
use feebook::jobs::{JobBook, JobEntry};
use feebook::journal::{DocKind, Journal};
use feebook::order::{OrderFile, PricedOrder};
use feebook::payment::{self, Payment};
use feebook::policy;
use feebook::quote;
use feebook::records::RecordKind;
use feebook::rules::Rules;
use feebook::source::{SourceFile, Sources};

use super::common::{load_rules, read_input, report};
use super::render::{
    JournalArgs, RenderArgs, check_writable, output_path, renderer, write, write_issued,
};
use super::{OK, PROBLEMS, RulesArgs, USAGE};

/// Prints policy warnings; on errors prints everything and says so.
fn police(results: Vec<Diagnostic>, sources: &Sources) -> Result<(), u8> {
    if results.is_empty() {
        return Ok(());
    }
    eprint!("{}", diagnostic::render_all(&results, sources));
    if policy::blocks(&results) {
        eprintln!(
            "error: a policy is violated, so the document is not issued ({})",
            diagnostic::summary(&results)
        );
        Err(PROBLEMS)
    } else {
        Ok(())
    }
}

fn render(
    r: &Renderer,
    kind: Kind,
    data: &impl serde::Serialize,
    format: Format,
    date: NaiveDate,
    ident: &str,
    sources: &Sources,
) -> Result<Vec<u8>, u8> {
    r.render(kind, data, format, date, ident)
        .map_err(|problems| {
            if problems.iter().any(|d| d.code == "missing-glyph") {
                let value = serde_json::to_value(data).unwrap_or_default();
                let located = locate_missing_glyphs(r, &value, sources);
                if !located.is_empty() {
                    return report(&located, sources);
                }
            }
            report(&problems, sources)
        })
}

/// The characters of a document's data that no font has, each pointed at
/// where it was written: the input file read last (a job, an order, a
/// payment), else a rule file (an item's name). The document data only
/// knows the field; the user edits the line.
fn locate_missing_glyphs(
    r: &Renderer,
    value: &serde_json::Value,
    sources: &Sources,
) -> Vec<Diagnostic> {
    let files: Vec<_> = sources.files().collect();
    r.fonts()
        .check_json(value)
        .into_iter()
        .map(|m| {
            let d = Diagnostic::error("missing-glyph", m.to_string())
                .hint(feebook::documents::MISSING_GLYPH_HINT);
            // The field's own string where it is written (the last key of its path on the
            // line, when it is written more than once), else the character's first place.
            let key = m
                .path
                .rsplit('.')
                .next()
                .map(|k| k.split('[').next().unwrap_or(k))
                .unwrap_or("");
            let place = files.iter().rev().find_map(|(id, f)| {
                let at = field_at(&f.text, &m.text, key)
                    .and_then(|at| Some(at + m.text.find(m.ch)?))
                    .or_else(|| written_at(&f.text, &m.ch.to_string()).first().copied())?;
                Some(feebook::source::Loc::new(
                    *id,
                    at as u32,
                    (at + m.ch.len_utf8()) as u32,
                ))
            });
            match place {
                Some(loc) => d.at(loc, "no font has it"),
                None => d,
            }
        })
        .collect()
}

/// Where the string `value` of a field is written in YAML text: of its places outside a
/// comment, the first on a line where `key:` comes before it, else the first.
fn field_at(text: &str, value: &str, key: &str) -> Option<usize> {
    let all = written_at(text, value);
    let keyed = format!("{key}:");
    all.iter()
        .copied()
        .find(|&at| {
            let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            !key.is_empty() && text[line_start..at].contains(&keyed)
        })
        .or_else(|| all.first().copied())
}

/// Where `needle` is written in YAML text outside a comment, in order.
fn written_at(text: &str, needle: &str) -> Vec<usize> {
    let mut out = Vec::new();
    if needle.is_empty() {
        return out;
    }
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        for (i, _) in line.match_indices(needle) {
            let before = &line[..i];
            // A `#` after a space or at the line's start, outside quotes,
            // starts a comment.
            let mut quote: Option<char> = None;
            let mut prev = ' ';
            let mut comment = false;
            for c in before.chars() {
                match (quote, c) {
                    (None, '\'' | '"') => quote = Some(c),
                    (Some(q), c) if c == q => quote = None,
                    (None, '#') if prev.is_whitespace() => {
                        comment = true;
                        break;
                    }
                    _ => {}
                }
                prev = c;
            }
            if comment {
                break;
            }
            out.push(line_start + i);
        }
        line_start += line.len();
    }
    out
}

// ---------------------------------------------------------------- notice

pub struct NoticeOpts {
    pub date: NaiveDate,
    pub to: Option<String>,
    pub draft: bool,
    pub format: Format,
}

pub fn notice(rules_args: &RulesArgs, render_args: &RenderArgs, o: NoticeOpts) -> u8 {
    let run = || -> Result<(), u8> {
        if let Some(problem) = o.to.as_deref().and_then(feebook::text::name_problem) {
            eprintln!(
                "error: --to {problem}\n  = help: name the room or the customer the notice is for, e.g. --to \"1203 室 孙晓明\", or leave --to out for the lobby notice"
            );
            return Err(USAGE);
        }
        let (rules, sources) = load_rules(rules_args)?;
        let Some(catalog) = rules.catalog_on(o.date) else {
            eprintln!(
                "error: no price list applies on {}\n  = help: give `--date` within a catalogue version's dates",
                o.date
            );
            return Err(PROBLEMS);
        };
        let idx = rules
            .catalogs
            .iter()
            .position(|c| std::ptr::eq(c, catalog))
            .unwrap_or(0);
        // As the approval stood on the notice's date: a list approved
        // later was not approved for this notice.
        let status = &rules.catalog_status[idx];
        let then;
        let status = if status.is_approved() && !status.approved_on(o.date) {
            eprintln!(
                "note: price list {} was approved after {}: the notice is as its approval stood that day",
                catalog.version.value, o.date
            );
            then = feebook::approval::catalog_status_on(&rules, catalog, o.date);
            &then
        } else {
            status
        };
        let record = policy::catalog_record(catalog, status.is_approved());
        let results = policy::check(
            &rules,
            RecordKind::Catalog,
            &record,
            &format!("catalogue {}", catalog.version.value),
            &|_| None,
        );
        if o.draft {
            // A draft for discussion: printed with 未经审批 across the page,
            // so what would refuse the notice is only a warning here.
            let results: Vec<Diagnostic> = results
                .into_iter()
                .map(|d| Diagnostic {
                    severity: diagnostic::Severity::Warning,
                    ..d
                })
                .collect();
            eprint!("{}", diagnostic::render_all(&results, &sources));
        } else if let Err(code) = police(results, &sources) {
            eprintln!("  = help: print a draft marked 未经审批 with `--draft`");
            return Err(code);
        }
        let r = renderer(render_args)?;
        let data = model::notice(&rules, catalog, status, o.date, o.to.clone());
        let bytes = render(
            &r,
            Kind::Notice,
            &data,
            o.format,
            o.date,
            &catalog.version.value,
            &sources,
        )?;
        let name = match &o.to {
            Some(to) => format!("{}-{to}", catalog.version.value),
            None => catalog.version.value.clone(),
        };
        write(
            &output_path(render_args, Kind::Notice, &name, o.format),
            &bytes,
        )
    };
    run().map_or_else(|c| c, |()| OK)
}

// ---------------------------------------------------------------- quote

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuoteFormat {
    Pdf,
    Html,
    Md,
    Json,
    Text,
}

/// A job priced, with its approval status and policy results.
pub struct Checked {
    pub rules: Rules,
    pub sources: Sources,
    pub quote: quote::Quote,
    pub status: approval::Status,
    pub approval_problems: Vec<Diagnostic>,
    pub policy: Vec<Diagnostic>,
}

pub fn check_job(rules_args: &RulesArgs, path: &Path) -> Result<Checked, u8> {
    let (rules, mut sources) = load_rules(rules_args)?;
    let text = read_input(path, "job file")?;
    if let Some(what) = super::police::not_a_job(&text) {
        eprintln!(
            "error: `{}` is {what}\n  = help: a job file (临时性特约服务) has a description, a responsible department and labour or materials: see samples/jobs/",
            path.display()
        );
        return Err(USAGE);
    }
    let a = assess_job(&rules, &mut sources, &path.display().to_string(), text)
        .map_err(|d| report(&d, &sources))?;
    Ok(Checked {
        rules,
        sources,
        quote: a.quote,
        status: a.status,
        approval_problems: a.approval_problems,
        policy: a.policy,
    })
}

/// A job priced and checked, as `quote` and an order of the job see it.
pub struct Assessed {
    pub quote: quote::Quote,
    pub status: approval::Status,
    pub approval_problems: Vec<Diagnostic>,
    pub policy: Vec<Diagnostic>,
}

/// Reads, prices and checks one job file: its approval, its policies, its
/// number and dates. Err when it does not read or price.
pub fn assess_job(
    rules: &Rules,
    sources: &mut Sources,
    name: &str,
    text: String,
) -> Result<Assessed, Vec<Diagnostic>> {
    let (_, job) = quote::load_job(sources, name, text)?;
    let q = quote::price_job(rules, &job)?;
    let (status, approval_problems) = approval::quote_status(rules, &job, &q);
    let record = policy::quote_record(&q);
    let mut policy = policy::check(
        rules,
        RecordKind::Quote,
        &record,
        &format!("quote {}", q.number),
        &|f| quote::field_place(&job, f),
    );
    policy.extend(job_number_problem(rules, &job));
    policy.extend(job_date_problems(&job, super::today()));
    Ok(Assessed {
        quote: q,
        status,
        approval_problems,
        policy,
    })
}

/// The temporary jobs orders may carry out: every job file (`*.yaml`,
/// `*.yml`, not hidden) of `--jobs DIR`, priced and checked as `quote`
/// checks it. A file that does not read is named only if an order looks
/// for a number it does not find: a draft beside the approved jobs stops
/// no order. None given: an empty book, which tells an order of a job to
/// give the folder.
pub fn load_jobs(rules: &Rules, dir: Option<&Path>) -> Result<JobBook, u8> {
    let Some(dir) = dir else {
        return Ok(JobBook::default());
    };
    let entries = std::fs::read_dir(dir).map_err(|e| {
        eprintln!(
            "error: cannot read the folder of job files `{}`: {e}\n  = help: --jobs names the folder of job files (临时性特约服务), e.g. samples/jobs",
            dir.display()
        );
        USAGE
    })?;
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut subfolders: Vec<String> = Vec::new();
    for e in entries.flatten() {
        let path = e.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            subfolders.push(path.display().to_string());
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            paths.push(path);
        }
    }
    paths.sort();
    subfolders.sort();
    for f in &subfolders {
        eprintln!(
            "warning: `{f}` is a folder: the job files in it are not read\n  = help: --jobs reads the job files of one folder; move them up, or give that folder"
        );
    }
    let mut book = JobBook::new(dir.display().to_string());
    // A file reached twice (a symbolic link beside it) is one job.
    let mut seen: Vec<PathBuf> = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        let unread = |text: &str| feebook::jobs::Unread::new(name.clone(), text);
        let Ok(real) = std::fs::canonicalize(&path) else {
            eprintln!("warning: `{name}` is a link to nothing: not read");
            book.unread.push(unread(""));
            continue;
        };
        if seen.contains(&real) {
            continue;
        }
        seen.push(real);
        let text = match std::fs::read(&path).map(String::from_utf8) {
            Ok(Ok(text)) => text,
            _ => {
                eprintln!("warning: cannot read the job file `{name}` as UTF-8 text: not read");
                book.unread.push(unread(""));
                continue;
            }
        };
        super::render::protect(&path);
        if super::police::not_a_job(&text).is_some() {
            continue;
        }
        let mut sources = Sources::new();
        match assess_job(rules, &mut sources, &name, text.clone()) {
            Ok(a) => {
                let refusals = a
                    .approval_problems
                    .iter()
                    .chain(&a.policy)
                    .filter(|d| d.is_error())
                    .map(|d| d.message.clone())
                    .collect();
                book.add(JobEntry {
                    file: name,
                    quote: a.quote,
                    status: a.status,
                    refusals,
                });
            }
            Err(_) => {
                eprintln!(
                    "warning: the job file `{name}` does not read or price: orders of it are refused\n  = help: `feebook quote {name}` shows why"
                );
                book.unread.push(unread(&text));
            }
        }
    }
    Ok(book)
}

/// A job's dates against today: the job's own more than a year ahead (2062
/// for 2026) is an error, as for every numbered document; a revision or its
/// confirmation after today is a warning (a change not made yet).
fn job_date_problems(job: &feebook::job::JobFile, today: NaiveDate) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if let Some(problem) = issue::date_problem(job.date.value, today) {
        out.push(
            Diagnostic::error("date-out-of-range", format!("the job's date: {problem}"))
                .at(job.date.loc, "check the year")
                .hint("a job is dated the day its quote is drawn up"),
        );
    }
    for (k, rev) in job.revisions.iter().enumerate() {
        let r = &rev.value;
        let confirmed = r.confirmed.as_ref().map(|c| c.date);
        for (what, date) in [("made", Some(r.date.value)), ("confirmed", confirmed)] {
            if let Some(d) = date.filter(|d| *d > today) {
                out.push(
                    Diagnostic::warning(
                        "date-in-future",
                        format!("revision {} is {what} on {d}, after today ({today})", k + 1),
                    )
                    .at(rev.loc, "this revision")
                    .hint("write a revision and its confirmation once they happen; check the date"),
                );
            }
        }
    }
    out
}

/// A job's number, typed by hand, in the series the rules' quote numbering
/// gives its date: `BJ2025-0053` on a job of 2026, or `XX-1`, is a warning.
fn job_number_problem(rules: &Rules, job: &feebook::job::JobFile) -> Option<Diagnostic> {
    let n = rules.documents.quote.as_ref()?.numbering.as_ref()?;
    let pattern = feebook::numbering::Pattern::parse(&n.value).ok()?;
    let expected = pattern.series(job.date.value);
    if pattern.series_of(&job.number.value).as_deref() == Some(expected.as_str()) {
        return None;
    }
    Some(
        Diagnostic::warning(
            "number-not-in-series",
            format!(
                "job number {} is not in the series the rules give a quote dated {} ({})",
                job.number.value,
                job.date.value,
                expected.replace('#', "…")
            ),
        )
        .at(job.number.loc, "not in the series")
        .hint(format!(
            "number it as `documents: quote: numbering:` says ({}), e.g. {}",
            n.value,
            pattern.number(job.date.value, 1)
        )),
    )
}

pub fn quote(
    rules_args: &RulesArgs,
    render_args: &RenderArgs,
    path: &Path,
    format: QuoteFormat,
) -> u8 {
    let run = || -> Result<(), u8> {
        let c = check_job(rules_args, path)?;
        if !c.approval_problems.is_empty() {
            return Err(report(&c.approval_problems, &c.sources));
        }
        police(c.policy, &c.sources)?;
        let data = || model::quote(&c.rules, &c.quote, &c.status);
        let bytes = match format {
            QuoteFormat::Text => {
                let mut s = quote::explain(&c.quote);
                s.push_str(&format!(
                    "\n审批：{}（{}）\n",
                    c.status.describe(),
                    c.status.title
                ));
                let Some(out) = render_args.out.as_deref() else {
                    super::out(&s);
                    return Ok(());
                };
                // A folder gets the quote's own name, as for the other formats.
                let path = if out.is_dir() {
                    out.join(format!(
                        "{}-{}.txt",
                        Kind::Quote.file_prefix(),
                        feebook::fsutil::sanitize_file_name(&c.quote.number)
                    ))
                } else {
                    out.to_path_buf()
                };
                return write(&path, s.as_bytes());
            }
            QuoteFormat::Json => {
                #[derive(serde::Serialize)]
                struct Out<'a> {
                    #[serde(flatten)]
                    quote: &'a quote::Quote,
                    approval: &'a approval::Status,
                }
                let s = serde_json::to_string_pretty(&Out {
                    quote: &c.quote,
                    approval: &c.status,
                })
                .unwrap_or_default();
                if render_args.out.is_none() {
                    super::out(&format!("{s}\n"));
                    return Ok(());
                }
                format!("{s}\n").into_bytes()
            }
            QuoteFormat::Pdf => render(
                &renderer(render_args)?,
                Kind::Quote,
                &data(),
                Format::Pdf,
                c.quote.date,
                &c.quote.number,
                &c.sources,
            )?,
            QuoteFormat::Html => render(
                &renderer(render_args)?,
                Kind::Quote,
                &data(),
                Format::Html,
                c.quote.date,
                &c.quote.number,
                &c.sources,
            )?,
            QuoteFormat::Md => render(
                &renderer(render_args)?,
                Kind::Quote,
                &data(),
                Format::Md,
                c.quote.date,
                &c.quote.number,
                &c.sources,
            )?,
        };
        let f = match format {
            QuoteFormat::Html => Format::Html,
            QuoteFormat::Md => Format::Md,
            QuoteFormat::Json => Format::Json,
            _ => Format::Pdf,
        };
        write(
            &output_path(render_args, Kind::Quote, &c.quote.number, f),
            &bytes,
        )
    };
    run().map_or_else(|c| c, |()| OK)
}

// ---------------------------------------------------------------- order & receipt

pub struct IssueOpts {
    pub format: Format,
    /// Render a specimen (样张) without taking a number.
    pub preview: bool,
    /// Issue a work order although the journal holds one just like it.
    pub again: bool,
}

fn load_yaml<T: serde::de::DeserializeOwned>(
    sources: &mut Sources,
    path: &Path,
    what: &str,
) -> Result<T, u8> {
    let text = read_input(path, what)?;
    let id = sources.add(SourceFile::new(path.display().to_string(), text));
    feebook::yaml::parse::<T>(sources, id, what).map_err(|d| report(&[d], sources))
}

const SPECIMEN: &str = "样张";

/// A numbered form to issue: what the journal records of it.
struct Form<'a> {
    kind: Kind,
    date: NaiveDate,
    /// Where the date was written, for a date no document can carry.
    date_place: Option<feebook::diagnostic::Place>,
    party: &'a str,
    amount: Option<feebook::money::Money>,
}

/// Issues a numbered form (work order, receipt) whose data for a number is
/// `data(number)`: a specimen only with `--preview`; otherwise rendered
/// once with a placeholder, so that a template or glyph problem shows
/// before a number is taken, then issued through the journal and written.
#[allow(clippy::too_many_arguments)]
fn issue_form<T: serde::Serialize>(
    r: &Renderer,
    rules: &Rules,
    render_args: &RenderArgs,
    journal: &JournalArgs,
    o: &IssueOpts,
    sources: &Sources,
    form: Form<'_>,
    check: impl FnOnce(&feebook::journal::Issuing<'_>) -> Result<(), Vec<Diagnostic>>,
    data: impl Fn(&str) -> T,
) -> Result<(), u8> {
    let Form {
        kind,
        date,
        date_place,
        party,
        amount,
    } = form;
    if let Some(problem) = issue::date_problem(date, super::today()) {
        let d = Diagnostic::error("date-out-of-range", problem)
            .hint("check the year: a document is dated the day the work was registered or the money received");
        let d = match date_place {
            Some(p) => d.at_place(p, "this date"),
            None => d,
        };
        return Err(report(&[d], sources));
    }
    // Money is received today or before: a receipt dated ahead would
    // stand in the journal before the receipts issued in between, and
    // could not be voided until that day.
    if kind == Kind::Receipt && !o.preview && date > super::today() {
        let d = Diagnostic::error(
            "date-out-of-range",
            format!(
                "the payment is dated {date}, after today ({})",
                super::today()
            ),
        )
        .hint("a receipt is dated the day the money was received; write that date");
        let d = match date_place {
            Some(p) => d.at_place(p, "after today"),
            None => d,
        };
        return Err(report(&[d], sources));
    }
    if o.preview {
        // What the journal would refuse, a preview refuses too (a receipt
        // for a notice already paid, a work order issued before), so that
        // a specimen that looks right is one that can be issued. Checked
        // in a transaction dropped unrecorded; a journal not made yet is
        // not made by a preview.
        if journal.journal.exists() {
            let mut j = open_journal(journal)?;
            let tx = j
                .begin()
                .map_err(|e| report(&issue::journal_error(e), sources))?;
            check(&tx).map_err(|p| report(&p, sources))?;
        } else {
            eprintln!(
                "note: no journal at `{}`: the specimen is not checked against the documents issued",
                journal.journal.display()
            );
        }
        let mut value = serde_json::to_value(data(SPECIMEN)).unwrap_or_default();
        value["header"]["mark"] = SPECIMEN.into();
        let bytes = render(r, kind, &value, o.format, date, SPECIMEN, sources)?;
        return write(&output_path(render_args, kind, SPECIMEN, o.format), &bytes);
    }
    render(r, kind, &data(SPECIMEN), o.format, date, SPECIMEN, sources)?;
    let pattern = issue::pattern(rules, kind).map_err(|d| report(&[d], sources))?;
    let mut j = open_journal(journal)?;
    check_writable(
        &output_path(render_args, kind, SPECIMEN, o.format),
        o.format,
    )?;
    let issued = issue::issue(
        &mut j,
        kind,
        o.format,
        &pattern,
        date,
        party,
        amount,
        check,
        |number| {
            let value = serde_json::to_value(data(number))
                .map_err(|e| vec![Diagnostic::error("internal", e.to_string())])?;
            let bytes = r.render(kind, &value, o.format, date, number)?;
            Ok((bytes, value))
        },
    )
    .map_err(|p| report(&p, sources))?;
    write_issued(
        &output_path(render_args, kind, &issued.number, o.format),
        &issued.bytes,
        &issued.number,
    )
}

pub fn order(
    rules_args: &RulesArgs,
    render_args: &RenderArgs,
    journal: &JournalArgs,
    jobs: &super::JobsArgs,
    path: &Path,
    o: IssueOpts,
) -> u8 {
    let run = || -> Result<(), u8> {
        let (rules, mut sources) = load_rules(rules_args)?;
        let file: OrderFile = load_yaml(&mut sources, path, "work order")?;
        let jobs = load_jobs(&rules, jobs.jobs.as_deref())?;
        if let Some(n) = &file.number {
            let d = Diagnostic::error("number-given", format!("the work order already has a number ({})", n.value))
                .at(n.loc, "numbers come from the journal")
                .hint("remove `number:` to issue it with the next number; to print an issued order again use `feebook reissue NUMBER`");
            return Err(report(&[d], &sources));
        }
        let input = file.to_input();
        let priced = feebook::order::price_order(&rules, &input, SPECIMEN, &jobs)
            .map_err(|p| report(&p, &sources))?;
        if let Some(w) =
            feebook::calendar::missing_years_warning(&rules.calendar, priced.calendar_years())
        {
            eprint!("{}", diagnostic::render_all(&[w], &sources));
        }
        let results = policy::check(
            &rules,
            RecordKind::Order,
            &policy::order_record(&priced),
            &format!("work order for {}", priced.customer),
            &|f| input.place(f),
        );
        police(results, &sources)?;
        let r = renderer(render_args)?;
        if o.format == Format::Pdf {
            let missing = missing_glyphs(r.fonts(), &input, &priced);
            if !missing.is_empty() {
                return Err(report(&missing, &sources));
            }
        }
        if !o.preview && !o.again {
            let same = model::work_order(&rules, &priced, false);
            if let Some(e) = same_order_issued(journal, &priced, &same)? {
                eprintln!(
                    "error: the journal already has this work order: {} ({}, {}), issued from the same request\n  = help: to print it again use `feebook reissue {}`; if it is a second order of the same work, issue it with `--again`",
                    e.number, e.party, e.date, e.number
                );
                return Err(PROBLEMS);
            }
        }
        let form = Form {
            kind: Kind::WorkOrder,
            date: priced.date,
            date_place: input.place("date").or_else(|| input.place("service_date")),
            party: &priced.customer,
            amount: Some(priced.total()),
        };
        // A temporary job is carried out once, at its approved total:
        // checked under the journal's lock, so that two clerks cannot both
        // issue it.
        let job_place = input.place("job");
        let job_once = |tx: &feebook::journal::Issuing<'_>| -> Result<(), Vec<Diagnostic>> {
            let Some(job) = &priced.job else {
                return Ok(());
            };
            let before = tx.referring(job).map_err(feebook::issue::journal_error)?;
            let Some(e) = before
                .iter()
                .find(|e| matches!(e.kind, DocKind::WorkOrder | DocKind::BillingNotice))
            else {
                return Ok(());
            };
            let what = match e.kind {
                DocKind::WorkOrder => "work order",
                _ => "billing notice",
            };
            let d = Diagnostic::error(
                "job-ordered-twice",
                format!(
                    "job {job} is carried out already: {what} {} ({}, {})",
                    e.number, e.party, e.date
                ),
            )
            .hint(format!(
                "a temporary job is ordered and billed once, at its approved total; to print that order again use `feebook reissue {}`; a further piece of work is a new job with its own quote",
                e.number
            ));
            Err(vec![match &job_place {
                Some(p) => d.at_place(p.clone(), "ordered before"),
                None => d,
            }])
        };
        issue_form(
            &r,
            &rules,
            render_args,
            journal,
            &o,
            &sources,
            form,
            job_once,
            |number| {
                let mut p = priced.clone();
                p.number = number.to_string();
                model::work_order(&rules, &p, false)
            },
        )
    };
    run().map_or_else(|c| c, |()| OK)
}

/// A work order of the journal (not void) with everything of `data` but its
/// number and header: the same file issued twice (a command run again).
fn same_order_issued(
    journal: &JournalArgs,
    priced: &PricedOrder,
    data: &impl serde::Serialize,
) -> Result<Option<feebook::journal::Entry>, u8> {
    let strip = |mut v: serde_json::Value| {
        if let Some(o) = v.as_object_mut() {
            o.remove("header");
        }
        v
    };
    let wanted = strip(serde_json::to_value(data).unwrap_or_default());
    // No journal yet: nothing was issued.
    if !journal.journal.exists() {
        return Ok(None);
    }
    let j = open_journal(journal)?;
    let month = (priced.date.year(), priced.date.month());
    let entries = j.list(Some(month)).map_err(|e| {
        eprintln!("error: {e}");
        USAGE
    })?;
    Ok(entries.into_iter().find(|e| {
        e.kind == feebook::journal::DocKind::WorkOrder
            && !e.is_void()
            && e.party == priced.customer
            && serde_json::from_str::<serde_json::Value>(&e.snapshot)
                .is_ok_and(|s| strip(s["data"].clone()) == wanted)
    }))
}

pub fn receipt(
    rules_args: &RulesArgs,
    render_args: &RenderArgs,
    journal: &JournalArgs,
    path: &Path,
    o: IssueOpts,
) -> u8 {
    let run = || -> Result<(), u8> {
        let (rules, mut sources) = load_rules(rules_args)?;
        let mut p: Payment = load_yaml(&mut sources, path, "payment")?;
        p.normalize_numbers();
        if let Some(n) = &p.number {
            let d = Diagnostic::error("number-given", format!("the payment already has a receipt number ({})", n.value))
                .at(n.loc, "numbers come from the journal")
                .hint("remove `number:` to issue a receipt with the next number; to print an issued receipt again use `feebook reissue NUMBER`");
            return Err(report(&[d], &sources));
        }
        let problems = payment::check(&rules, &p);
        if problems.iter().any(Diagnostic::is_error) {
            return Err(report(&problems, &sources));
        }
        // Its warnings are shown with the policies' verdict.
        let mut results = problems;
        results.extend(policy::check(
            &rules,
            RecordKind::Payment,
            &policy::payment_record(&p),
            &format!("payment from {}", p.payer.value),
            &|f| payment::field_place(&p, f),
        ));
        police(results, &sources)?;
        let r = renderer(render_args)?;
        let form = Form {
            kind: Kind::Receipt,
            date: p.date.value,
            date_place: Some(feebook::diagnostic::Place::Span(p.date.loc)),
            party: &p.payer.value,
            amount: Some(p.amount.value),
        };
        issue_form(
            &r,
            &rules,
            render_args,
            journal,
            &o,
            &sources,
            form,
            |tx| {
                let problems =
                    payment::check_with_journal(&p, tx).map_err(feebook::issue::journal_error)?;
                if problems.iter().any(Diagnostic::is_error) {
                    return Err(problems);
                }
                eprint!("{}", diagnostic::render_all(&problems, &sources));
                Ok(())
            },
            |number| model::receipt(&rules, &p, number, None),
        )
    };
    run().map_or_else(|c| c, |()| OK)
}

pub fn open_journal(args: &JournalArgs) -> Result<Journal, u8> {
    if let Some(dir) = args.journal.parent().filter(|d| !d.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprintln!("error: cannot create `{}`: {e}", dir.display());
        return Err(USAGE);
    }
    let j = Journal::open(&args.journal).map_err(|e| {
        eprintln!("error: {e}");
        USAGE
    })?;
    super::render::protect(&args.journal);
    Ok(j)
}

// ---------------------------------------------------------------- register

/// The text an order brings to its documents, checked against the fonts as
/// the order is read: a character no font has (冯𠮷) is then a problem of
/// its row and cell, which `--skip-invalid` can set aside, rather than of a
/// notice laid out later.
/// An order of a temporary job prints the job's description as its item:
/// a character of it no font has is said with the job, at the order's job.
pub fn missing_glyphs(
    fonts: &FontSet,
    o: &feebook::order::OrderInput,
    priced: &PricedOrder,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if let Some(job) = &priced.job {
        for c in fonts.missing_chars(&priced.item.name) {
            let d = Diagnostic::error(
                "missing-glyph",
                format!(
                    "character {c} (U+{:04X}) in the description of job {job} ({}) is in no font",
                    c as u32, priced.item.name
                ),
            )
            .hint(format!(
                "correct the job's `description:`, or {}",
                feebook::documents::MISSING_GLYPH_HINT
            ));
            out.push(match o.place("job") {
                Some(p) => d.at_place(p, "the job printed here"),
                None => d,
            });
        }
    }
    for (field, text) in o.texts() {
        let Some(text) = text else { continue };
        for c in fonts.missing_chars(text) {
            let d = Diagnostic::error(
                "missing-glyph",
                format!(
                    "character {c} (U+{:04X}) in the {} ({text}) is in no font",
                    c as u32,
                    field.replace('_', " ")
                ),
            );
            out.push(
                match o.place(field) {
                    Some(p) => d.at_place(p, "no font has it"),
                    None => d,
                }
                .hint(feebook::documents::MISSING_GLYPH_HINT),
            );
        }
    }
    out
}

/// Reads order files, reports every bad row; returns the priced orders.
pub fn read_orders(
    rules: &Rules,
    jobs: &JobBook,
    sources: &mut Sources,
    files: &[PathBuf],
    encoding: Option<feebook::tabular::Encoding>,
) -> Result<Vec<(feebook::order::OrderInput, PricedOrder)>, Vec<Diagnostic>> {
    let (priced, problems) = read_orders_all(rules, jobs, sources, files, encoding);
    if problems.iter().any(Diagnostic::is_error) {
        Err(problems)
    } else {
        if !problems.is_empty() {
            eprint!("{}", diagnostic::render_all(&problems, sources));
        }
        Ok(priced)
    }
}

/// The orders of the files that read and price, and the problems of the
/// rest (and the notes on the files), for a check that goes on past a bad
/// row (`police`).
pub fn read_orders_all(
    rules: &Rules,
    jobs: &JobBook,
    sources: &mut Sources,
    files: &[PathBuf],
    encoding: Option<feebook::tabular::Encoding>,
) -> (
    Vec<(feebook::order::OrderInput, PricedOrder)>,
    Vec<Diagnostic>,
) {
    let mut inputs = Vec::new();
    let mut problems = Vec::new();
    for f in files {
        match feebook::orders_input::read(rules, sources, f, encoding) {
            Ok(read) => {
                problems.extend(read.notes);
                for row in read.rows {
                    match row {
                        Ok(o) => inputs.push(o),
                        Err(p) => problems.extend(p),
                    }
                }
            }
            Err(p) => problems.extend(p),
        }
    }
    let pairs: Vec<(&feebook::order::OrderInput, &str)> = inputs.iter().map(|o| (o, "")).collect();
    problems.extend(feebook::orders_input::duplicate_numbers(&pairs));
    let mut priced = Vec::new();
    let mut job_orders = feebook::jobs::JobOrders::default();
    for o in inputs {
        let number = o.number.clone().unwrap_or_default();
        match feebook::order::price_order(rules, &o, &number, jobs) {
            Ok(p) => match job_orders.take(&p, o.place("job")) {
                Ok(()) => priced.push((o, p)),
                Err(d) => problems.push(d),
            },
            Err(p) => problems.extend(p),
        }
    }
    (priced, problems)
}

pub fn parse_month(s: &str) -> Option<(i32, u32)> {
    let (y, m) = s.split_once('-')?;
    // YYYY-MM exactly: the month names folders and files (bill-2026-11),
    // which `2026-1` would name otherwise.
    let digits = |t: &str, n: usize| t.len() == n && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(y, 4) || !digits(m, 2) {
        return None;
    }
    let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
    NaiveDate::from_ymd_opt(y, m, 1).map(|_| (y, m))
}

pub fn in_month(d: NaiveDate, (y, m): (i32, u32)) -> bool {
    d.year() == y && d.month() == m
}

pub fn register(
    rules_args: &RulesArgs,
    render_args: &RenderArgs,
    jobs: &super::JobsArgs,
    files: &[PathBuf],
    month: &str,
    format: Format,
    encoding: Option<feebook::tabular::Encoding>,
) -> u8 {
    let run = || -> Result<(), u8> {
        let Some(period) = parse_month(month) else {
            eprintln!("error: --month `{month}` is not a month; write YYYY-MM, e.g. 2026-11");
            return Err(USAGE);
        };
        super::common::refuse_repeated(files, true)?;
        let (rules, mut sources) = load_rules(rules_args)?;
        files.iter().for_each(|f| super::render::protect(f));
        let jobs = load_jobs(&rules, jobs.jobs.as_deref())?;
        let orders = read_orders(&rules, &jobs, &mut sources, files, encoding)
            .map_err(|p| report(&p, &sources))?;
        let r = renderer(render_args)?;
        let orders: Vec<_> = orders
            .into_iter()
            .filter(|(_, p)| in_month(p.service_date, period))
            .collect();
        if format == Format::Pdf {
            let missing: Vec<Diagnostic> = orders
                .iter()
                .flat_map(|(input, p)| missing_glyphs(r.fonts(), input, p))
                .collect();
            if !missing.is_empty() {
                return Err(report(&missing, &sources));
            }
        }
        let mut amounts = feebook::batch::AmountGuard::default();
        let orders: Vec<PricedOrder> = orders
            .into_iter()
            .map(|(input, p)| {
                amounts.add(&p, || input.place("quantity"));
                p
            })
            .collect();
        amounts
            .finish(&format!("the orders of {month}"))
            .map_err(|d| report(&[d], &sources))?;
        if orders.is_empty() {
            eprintln!("error: no orders served in {month} in the files given");
            return Err(PROBLEMS);
        }
        let date = feebook::batch::notice_date(period);
        // A long month comes in volumes, as `feebook bill` writes it.
        super::bill::write_register(
            &rules,
            &r,
            &orders,
            (period, date),
            format,
            &output_path(render_args, Kind::Register, month, format),
            &sources,
        )
        .and_then(super::bill::publish)
    };
    run().map_or_else(|c| c, |()| OK)
}
