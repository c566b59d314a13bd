//! `feebook reissue`, `void`, `journal`: the issued-document journal.

use chrono::NaiveDate;
use serde::Serialize;

use feebook::documents::{Format, Kind};
use feebook::issue::{Snapshot, data_hash, mark_void};
use feebook::journal::{Entry, Journal};
use feebook::source::Sources;

use super::common::report;
use super::render::{
    JournalArgs, RenderArgs, check_writable, output_path, renderer, write, write_issued,
};
use super::{OK, OutputFormat, PROBLEMS, USAGE};

fn open_existing(args: &JournalArgs) -> Result<Journal, u8> {
    let j = Journal::open_existing(&args.journal).map_err(|e| {
        eprintln!("error: {e}");
        USAGE
    })?;
    super::render::protect(&args.journal);
    Ok(j)
}

fn find(j: &Journal, number: &str) -> Result<Entry, u8> {
    match j.find(number) {
        Ok(Some(e)) => Ok(e),
        Ok(None) => {
            eprintln!(
                "error: journal {}: number {number} does not exist\n  = help: `feebook journal` lists the numbers issued",
                j.path().display()
            );
            Err(PROBLEMS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Err(USAGE)
        }
    }
}

fn snapshot(e: &Entry) -> Result<Snapshot, u8> {
    serde_json::from_str(&e.snapshot).map_err(|err| {
        eprintln!("error: the journal's snapshot of {} cannot be read ({err}); it was not written by this version of feebook", e.number);
        PROBLEMS
    })
}

/// Renders an entry's snapshot again. With no format given, in the format
/// it was issued in, and checks the bytes against the recorded hash.
pub fn reissue(
    render_args: &RenderArgs,
    journal: &JournalArgs,
    number: &str,
    format: Option<Format>,
) -> u8 {
    let number = &feebook::order::number_key(number);
    let run = || -> Result<(), u8> {
        let j = open_existing(journal)?;
        let e = find(&j, number)?;
        let mut snap = snapshot(&e)?;
        if data_hash(&snap.data) != e.content_hash {
            eprintln!(
                "error: the journal's snapshot of {number} does not match its content hash: the journal has been altered outside feebook"
            );
            return Err(PROBLEMS);
        }
        if let Some(v) = &e.voided {
            mark_void(&mut snap.data, &v.reason);
        }
        let format = output_format(render_args, format, snap.format)?;
        let r = renderer(render_args)?;
        let bytes = r
            .render(snap.kind, &snap.data, format, e.date, &e.number)
            .map_err(|p| report(&p, &Sources::new()))?;
        // Named as when issued: `bill` puts the customer after a notice's
        // number, so that a reissue sits beside the original.
        let name = match snap.kind {
            Kind::BillingNotice => format!("{number}-{}", e.party),
            _ => number.to_string(),
        };
        let name = if e.voided.is_some() {
            format!("{name}-作废")
        } else {
            name
        };
        write(&output_path(render_args, snap.kind, &name, format), &bytes)
    };
    run().map_or_else(|c| c, |()| OK)
}

/// The format a reissued or voided document is written in: the one
/// `--format` gives, else the one `-o` names, else `issued`.
fn output_format(
    render_args: &RenderArgs,
    given: Option<Format>,
    issued: Format,
) -> Result<Format, u8> {
    super::render::pick_format(
        given,
        render_args.out.as_deref(),
        &super::render::DOC_FORMATS,
        issued,
    )
}

pub fn void(
    render_args: &RenderArgs,
    journal: &JournalArgs,
    number: &str,
    reason: &str,
    date: NaiveDate,
) -> u8 {
    // The void is recorded only once its document is rendered and can be
    // written: a void that fails (a glyph no font has in the reason, a
    // broken template, an output that cannot be written) leaves the
    // journal as it was, and can be tried again.
    let number = &feebook::order::number_key(number);
    let run = || -> Result<(), u8> {
        let today = super::today();
        if date > today {
            eprintln!(
                "error: --date {date} is after today ({today}): a document is voided the day it is voided\n  = help: leave --date out for today"
            );
            return Err(USAGE);
        }
        let r = renderer(render_args)?;
        let mut j = open_existing(journal)?;
        let mut tx = j.begin().map_err(|e| {
            eprintln!("error: {e}");
            USAGE
        })?;
        // What still stands on this document: a receipt that paid it, a
        // notice that bills it. Voided alone, it would leave them pointing
        // at nothing (money received for a voided order).
        let standing = tx.referring(number).map_err(|e| {
            eprintln!("error: {e}");
            USAGE
        })?;
        if let Some(on) = standing.first() {
            let what = match on.kind {
                feebook::journal::DocKind::Receipt => "paid on receipt",
                feebook::journal::DocKind::BillingNotice => "billed on notice",
                feebook::journal::DocKind::WorkOrder => "named by",
            };
            eprintln!(
                "error: {number} is {what} {} ({}, {}), which still stands\n  = help: void {} first (`feebook void {} --reason …`), then {number}",
                on.number, on.party, on.date, on.number, on.number
            );
            return Err(PROBLEMS);
        }
        let e = tx.void(number, reason, date).map_err(|e| {
            eprintln!("error: {e}");
            PROBLEMS
        })?;
        let mut snap = snapshot(&e)?;
        mark_void(&mut snap.data, reason);
        // `-o void.pdf` is a PDF, whatever the document was issued as.
        let format = output_format(render_args, None, snap.format)?;
        let bytes = r
            .render(snap.kind, &snap.data, format, e.date, &e.number)
            .map_err(|p| report(&p, &Sources::new()))?;
        let path = output_path(render_args, snap.kind, &format!("{number}-作废"), format);
        check_writable(&path, format)?;
        tx.commit().map_err(|e| {
            eprintln!("error: {e}");
            USAGE
        })?;
        write_issued(&path, &bytes, number)
    };
    run().map_or_else(|c| c, |()| OK)
}

#[derive(Serialize)]
struct Listing<'a> {
    journal: String,
    month: Option<String>,
    series: Vec<SeriesOut>,
    entries: Vec<EntryOut<'a>>,
}

#[derive(Serialize)]
struct SeriesOut {
    series: String,
    kind: String,
    first: String,
    last: String,
    count: u64,
    voided: u64,
    total: String,
    gaps: Vec<(u64, u64)>,
}

#[derive(Serialize)]
struct EntryOut<'a> {
    number: &'a str,
    kind: String,
    date: NaiveDate,
    party: &'a str,
    amount: Option<String>,
    voided: Option<&'a str>,
}

pub fn list(journal: &JournalArgs, month: Option<&str>, format: OutputFormat) -> u8 {
    let run = || -> Result<bool, u8> {
        let m = match month {
            Some(s) => Some(super::documents::parse_month(s).ok_or_else(|| {
                eprintln!("error: --month `{s}` is not a month; write YYYY-MM");
                USAGE
            })?),
            None => None,
        };
        let j = open_existing(journal)?;
        let fail = |e: feebook::journal::JournalError| {
            eprintln!("error: {e}");
            USAGE
        };
        let summary = j.summary(m).map_err(fail)?;
        let entries = j.list(m).map_err(fail)?;
        let gaps = summary.iter().any(|s| !s.gaps.is_empty());
        let out = Listing {
            journal: journal.journal.display().to_string(),
            month: month.map(str::to_string),
            series: summary
                .iter()
                .map(|s| SeriesOut {
                    series: s.series.clone(),
                    kind: s.kind.to_string(),
                    first: s.first.clone(),
                    last: s.last.clone(),
                    count: s.count,
                    voided: s.voided,
                    total: s.total.to_string(),
                    gaps: s.gaps.iter().map(|g| (*g.start(), *g.end())).collect(),
                })
                .collect(),
            entries: entries
                .iter()
                .map(|e| EntryOut {
                    number: &e.number,
                    kind: e.kind.to_string(),
                    date: e.date,
                    party: &e.party,
                    amount: e.amount.map(|a| a.to_string()),
                    voided: e.voided.as_ref().map(|v| v.reason.as_str()),
                })
                .collect(),
        };
        match format {
            OutputFormat::Json => super::out(&format!(
                "{}\n",
                serde_json::to_string_pretty(&out).unwrap_or_default()
            )),
            OutputFormat::Text => {
                let mut s = format!(
                    "journal {}{}\n",
                    out.journal,
                    month
                        .map(|m| format!(", documents dated {m}"))
                        .unwrap_or_default()
                );
                // Amounts as documents print them, right-aligned; names
                // last, where their width does not matter.
                let yuan = |a: &str| {
                    feebook::money::Money::parse(a).map_or_else(|_| format!("¥{a}"), |m| m.yuan())
                };
                let width = |t: &str| unicode_width::UnicodeWidthStr::width(t);
                let totals: Vec<String> = out.series.iter().map(|se| yuan(&se.total)).collect();
                let total_w = totals.iter().map(|t| width(t)).max().unwrap_or(0);
                for (se, total) in out.series.iter().zip(&totals) {
                    s.push_str(&format!(
                        "  {:<16} {:<15} {} … {}  {:>5} issued, {:>3} void, total {:>total_w$}{}\n",
                        se.series,
                        se.kind,
                        se.first,
                        se.last,
                        se.count,
                        se.voided,
                        total,
                        if se.gaps.is_empty() {
                            String::new()
                        } else {
                            format!("  GAPS: {:?}", se.gaps)
                        }
                    ));
                }
                if out.series.is_empty() {
                    s.push_str("  nothing issued\n");
                }
                let amounts: Vec<String> = out
                    .entries
                    .iter()
                    .map(|e| e.amount.as_deref().map(yuan).unwrap_or_default())
                    .collect();
                let amount_w = amounts.iter().map(|a| width(a)).max().unwrap_or(0);
                let number_w = out
                    .entries
                    .iter()
                    .map(|e| width(e.number))
                    .max()
                    .unwrap_or(0);
                for (e, amount) in out.entries.iter().zip(&amounts) {
                    s.push_str(&format!(
                        "  {:<number_w$}  {}  {:<14}  {:>amount_w$}  {}{}\n",
                        e.number,
                        e.date,
                        e.kind,
                        amount,
                        feebook::text::printable(e.party),
                        e.voided
                            .map(|r| format!("  作废：{}", feebook::text::printable(r)))
                            .unwrap_or_default()
                    ));
                }
                // The notices billing month M are dated in M + 1: whoever
                // looks for November's notices under November is told where
                // they are.
                if let Some((y, mo)) = m
                    && !out.series.iter().any(|se| se.kind == "billing_notice")
                {
                    let (ny, nm) = if mo == 12 { (y + 1, 1) } else { (y, mo + 1) };
                    s.push_str(&format!(
                        "  (the billing notices of {y}-{mo:02} are dated in the month after: --month {ny}-{nm:02})\n"
                    ));
                }
                super::out(&s);
            }
        }
        Ok(gaps)
    };
    match run() {
        Ok(false) => OK,
        Ok(true) => {
            eprintln!(
                "error: the journal has gaps in its numbering; it has been altered outside feebook"
            );
            PROBLEMS
        }
        Err(c) => c,
    }
}
