//! `feebook bill ORDERS... --month YYYY-MM`: finance's monthly run.
//!
//! Reads the month's work orders (CSV, XLSX, YAML), rejects bad rows with
//! their place, prices every order from the price list in force on its
//! service date, groups the 月结 and 长期协议 orders per customer and issues
//! one billing notice (收费通知单) per customer through the journal,
//! rendering in parallel. Also binds the notices into print volumes and
//! writes the month's register and a summary that reconciles with the
//! notices.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use feebook::batch::{self, AmountGuard, CustomerBill};
use feebook::diagnostic::{self, Diagnostic, Place};
use feebook::documents::{Format, Kind, Renderer, bind, model};
use feebook::fsutil;
use feebook::issue::{self, Snapshot};
use feebook::journal::{DocKind, Lookup, NewEntry};
use feebook::order::{OrderInput, PricedOrder};
use feebook::par;
use feebook::policy;
use feebook::records::RecordKind;
use feebook::rules::Rules;
use feebook::source::Sources;

use super::common::{load_rules, refuse_repeated, report};
use super::documents::{in_month, open_journal, parse_month};
use super::render::{JournalArgs, RenderArgs, renderer};
use super::{OK, PROBLEMS, RulesArgs, USAGE};

pub struct BillOpts {
    pub month: String,
    pub format: Format,
    pub date: Option<NaiveDate>,
    pub skip_invalid: bool,
    pub shard: Option<String>,
    /// Notices per print volume.
    pub volume: usize,
    pub encoding: Option<feebook::tabular::Encoding>,
    /// Folder of the temporary jobs orders may carry out (`--jobs`).
    pub jobs: Option<std::path::PathBuf>,
}

/// A row that could not be billed, and why.
struct Rejected {
    place: Place,
    reasons: Vec<String>,
}

/// What the month's order files gave.
struct MonthRead {
    /// The month's orders, priced.
    orders: Vec<PricedOrder>,
    /// Every problem, in the order of the files and rows.
    problems: Vec<Diagnostic>,
    rejected: Vec<Rejected>,
    amounts: AmountGuard,
    /// Files that do not read as a whole (not a table, no header, a quote
    /// that swallows the rows after it): no row is to blame, so
    /// `--skip-invalid` cannot set them aside.
    unreadable: Vec<String>,
    /// Orders that read but were served in another month, by month.
    other_months: std::collections::BTreeMap<String, usize>,
}

pub fn run(
    rules_args: &RulesArgs,
    render_args: &RenderArgs,
    journal: &JournalArgs,
    files: &[PathBuf],
    o: BillOpts,
) -> u8 {
    let go = || -> Result<(), u8> {
        let mut timings = Timings::from_env();
        let Some(period) = parse_month(&o.month) else {
            eprintln!(
                "error: --month `{}` is not a month; write YYYY-MM, e.g. 2026-11",
                o.month
            );
            return Err(USAGE);
        };
        // A month is billed once it is over: billed earlier, its last
        // orders would be left for a second notice, dated ahead.
        let first_after = batch::notice_date(period);
        let today = super::today();
        if today < first_after {
            eprintln!(
                "error: {} has not ended (today is {today}): a month is billed once all its orders are in\n  = help: bill it from {first_after}",
                o.month
            );
            return Err(USAGE);
        }
        let shard = shard(o.shard.as_deref())?;
        if render_args
            .out
            .as_deref()
            .is_some_and(super::render::is_stdout)
        {
            eprintln!(
                "error: `bill` writes a folder of files (notices, print volumes, register, summary), not one document\n  = help: give a folder with -o, or none for output/bill-{}",
                o.month
            );
            return Err(USAGE);
        }
        if let Some(out) = render_args.out.as_deref() {
            let looks_like_a_file = out.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                ["pdf", "html", "htm", "md", "json", "csv", "xlsx"]
                    .contains(&e.to_ascii_lowercase().as_str())
            });
            if (out.exists() && !out.is_dir()) || (!out.exists() && looks_like_a_file) {
                eprintln!(
                    "error: -o `{}` names a file, but `bill` writes a folder of files (notices, print volumes, register, summary)\n  = help: give a folder with -o, e.g. -o output/bill-{}/",
                    out.display(),
                    o.month
                );
                return Err(USAGE);
            }
        }
        files.iter().for_each(|f| super::render::protect(f));
        let (rules, mut sources) = load_rules(rules_args)?;
        let r = renderer(render_args)?;
        // December's orders are checked into January.
        let years = [
            period.0,
            if period.1 == 12 {
                period.0 + 1
            } else {
                period.0
            },
        ];
        if let Some(w) = feebook::calendar::missing_years_warning(&rules.calendar, years) {
            eprint!("{}", diagnostic::render_all(&[w], &sources));
        }
        for f in files {
            if let Err(e) = std::fs::metadata(f) {
                eprintln!(
                    "error: cannot read `{}`: {e}\n  = help: check the path",
                    f.display()
                );
                return Err(USAGE);
            }
        }
        refuse_repeated(files, true)?;
        let jobs = super::documents::load_jobs(&rules, o.jobs.as_deref())?;
        let MonthRead {
            orders,
            problems,
            rejected,
            amounts,
            unreadable,
            other_months,
        } = read_month(&rules, &jobs, &r, &mut sources, files, period, &o);
        timings.lap("rules and orders read");
        if !unreadable.is_empty() {
            eprint!("{}", diagnostic::render_all(&problems, &sources));
            eprintln!(
                "error: {} cannot be read as a table of work orders; nothing was written\n  = help: `--skip-invalid` sets aside bad rows, not whole files: correct the file{} and bill again",
                unreadable
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if unreadable.len() == 1 { "" } else { "s" },
            );
            return Err(PROBLEMS);
        }
        if !other_months.is_empty() {
            let n: usize = other_months.values().sum();
            let months: Vec<String> = other_months
                .iter()
                .map(|(m, k)| format!("{m}: {k}"))
                .collect();
            eprintln!(
                "note: {n} order{} served in other months left out ({}); only orders served in {} are billed",
                if n == 1 { "" } else { "s" },
                months.join(", "),
                o.month
            );
        }
        // Checked before anything is written, even with `--skip-invalid`:
        // no row is to blame alone, so none can be skipped for it.
        if let Err(d) = amounts.finish(&format!("the orders of {}", o.month)) {
            let mut all = problems;
            all.push(d);
            return Err(report(&all, &sources));
        }
        let suffix = shard
            .map(|(k, n)| format!("-shard{k}of{n}"))
            .unwrap_or_default();
        // The files of an earlier run of the month (billed again after a
        // void, say) are not replaced: the default folder is the next free
        // one, and a folder given that holds them is refused.
        let summary_name = format!("summary-{}{suffix}.json", o.month);
        let out_dir = match &render_args.out {
            Some(dir) => {
                if dir.join(&summary_name).exists() {
                    eprintln!(
                        "error: `{}` holds the files of an earlier run of {} ({summary_name}); this run would replace them\n  = help: give another folder with -o",
                        dir.display(),
                        o.month
                    );
                    return Err(USAGE);
                }
                dir.clone()
            }
            None => {
                let base = format!("output/bill-{}", o.month);
                (1..)
                    .map(|i| {
                        PathBuf::from(if i == 1 {
                            base.clone()
                        } else {
                            format!("{base}-{i}")
                        })
                    })
                    .find(|d| !d.join(&summary_name).exists())
                    .unwrap_or_else(|| PathBuf::from(&base))
            }
        };
        let mut rejected_list: Option<(PathBuf, String, usize)> = None;
        if !problems.is_empty() {
            eprint!("{}", diagnostic::render_all(&problems, &sources));
            let rows = rejected.len();
            if !o.skip_invalid {
                eprintln!(
                    "error: {rows} row{} cannot be billed ({}); nothing was written\n  = help: correct the rows, or bill the rest with `--skip-invalid` (the rejected rows and reasons are then written to {})",
                    if rows == 1 { "" } else { "s" },
                    diagnostic::summary(&problems),
                    out_dir.join(format!("rejected-{}.csv", o.month)).display(),
                );
                return Err(PROBLEMS);
            }
            let path = out_dir.join(format!("rejected-{}.csv", o.month));
            // The rows as written, read again (only when rows were set
            // aside), so that finance can correct them in the file itself.
            let tables: Vec<feebook::tabular::Table> = files
                .iter()
                .flat_map(|f| feebook::orders_input::raw_tables(&rules, f, o.encoding))
                .collect();
            // Written once the month is billed: a run refused later (the
            // month billed already) leaves nothing behind.
            rejected_list = Some((path, rejected_csv(&rejected, &sources, &tables), rows));
        }
        if orders.is_empty() {
            eprintln!(
                "error: no valid work orders served in {} in the files given{}",
                o.month,
                if other_months.is_empty() {
                    String::new()
                } else {
                    "\n  = help: the files hold orders of other months (see the note above): check --month".to_string()
                }
            );
            return Err(PROBLEMS);
        }
        // Finance bills the month's work once it is checked (四（二）7,
        // 9–10): by default the notices are dated the first of the next
        // month, or the day the last order was checked when that is later
        // (orders done on 12-31 and checked after 元旦). A mistyped --date
        // would number the notices in another month's series and make them
        // due before the work was done.
        let checked = batch::checked_by(&orders);
        let default_date = checked.map_or(first_after, |(d, _)| d.max(first_after));
        let date = o.date.unwrap_or(default_date);
        if let Some(problem) = feebook::issue::date_problem(date, super::today()) {
            eprintln!(
                "error: the billing notices cannot be dated so: {problem}\n  = help: check the year of --month or --date"
            );
            return Err(USAGE);
        }
        // Dated ahead, the notices would open a later month's series and
        // could not be paid until then (a receipt is never dated before
        // the notice it pays).
        if date > super::today() {
            eprintln!(
                "error: --date {date} is after today ({}): a billing notice is dated the day it is made\n  = help: leave out --date, or give today's date or an earlier one",
                super::today()
            );
            return Err(USAGE);
        }
        if let Some((day, last)) = checked.filter(|(day, _)| date < *day) {
            let what = if last.verified_on == Some(day) {
                "checked"
            } else if last.completed_on == Some(day) {
                "completed"
            } else {
                "served"
            };
            eprintln!(
                "error: --date {date} is before the work it bills: order {} ({}) was {what} on {day}\n  = help: date the notices on or after {day}; without --date they are dated {default_date}",
                last.number, last.customer,
            );
            return Err(USAGE);
        }
        // Notices already overdue when sent: the date is a day long past
        // (the default, a month billed late). Issued all the same, since
        // the date may be right, but whoever sends them should know.
        if let Some(due) = batch::due_date(&rules, date).filter(|due| *due < super::today()) {
            eprintln!(
                "warning: the notices dated {date} fall due on {due}, before today ({}): customers could not pay in time\n  = help: date them the day they are sent with --date",
                super::today()
            );
        }
        let mut bills = batch::group(&orders, rules.documents.tax_rounding);
        if let Some((k, n)) = shard {
            bills.retain(|b| batch::shard_of(&b.customer, &b.address, n) == k - 1);
        }
        already_billed(journal, &orders, &bills, period)?;
        timings.lap("grouped, journal checked");
        // Declared before every file staged in it, so dropped after them:
        // a run that fails leaves no empty folder.
        let _made = fsutil::MadeDir::create(&out_dir).map_err(|e| {
            eprintln!("error: cannot create `{}`: {e}", out_dir.display());
            USAGE
        })?;
        match &rejected_list {
            Some((path, csv, rows)) => {
                write_file(path, csv.as_bytes())?;
                eprintln!(
                    "warning: {rows} row{} skipped; listed with reasons in {}",
                    if *rows == 1 { "" } else { "s" },
                    path.display()
                );
            }
            None => {
                // No row set aside this time: the list of an earlier run
                // would be read as this one's.
                let stale = out_dir.join(format!("rejected-{}.csv", o.month));
                if stale.is_file()
                    && let Err(e) = std::fs::remove_file(&stale)
                {
                    eprintln!(
                        "error: cannot remove the earlier run's {}: {e}",
                        stale.display()
                    );
                    return Err(USAGE);
                }
            }
        }
        // A shard's summary covers its customers, so that the shards'
        // summaries add up to the month; the rejected rows (every shard
        // reads every row) are counted in the first's.
        let summary = match shard {
            None => batch::summarize(period, &orders, &bills, rejected.len()),
            Some((k, n)) => {
                let mine: Vec<PricedOrder> = orders
                    .iter()
                    .filter(|o| batch::shard_of(&o.customer, &o.address, n) == k - 1)
                    .cloned()
                    .collect();
                let rejected = if k == 1 { rejected.len() } else { 0 };
                batch::summarize(period, &mine, &bills, rejected)
            }
        };
        // The register and the summary are written before any notice is
        // issued, under temporary names, and the print volumes bound before
        // the notices are recorded: once they are, only renames are left,
        // so a run stopped then (killed, its output pipe closed) does not
        // leave the month recorded without them.
        let mut staged = Vec::new();
        if shard.is_none_or(|(k, _)| k == 1) {
            let base = format!("register-{}", o.month);
            let ext = if o.format == Format::Json {
                "json"
            } else {
                o.format.extension()
            };
            staged.extend(write_register(
                &rules,
                &r,
                &orders,
                (period, date),
                o.format,
                &out_dir.join(format!("{base}.{ext}")),
                &sources,
            )?);
            timings.lap("register rendered");
        }
        let json = serde_json::to_string_pretty(&summary).unwrap_or_default();
        staged.push(
            stage(&out_dir.join(&summary_name), json.as_bytes())
                .map_err(|p| report(&p, &sources))?,
        );
        let bind = |notices: &[PathBuf]| -> Result<Vec<fsutil::Staged>, u8> {
            if o.format != Format::Pdf || notices.is_empty() {
                return Ok(Vec::new());
            }
            print_volumes(
                notices,
                o.volume,
                &out_dir,
                &format!("billing-notices-{}{suffix}", o.month),
                &sources,
            )
        };
        let (issued, volumes) = issue_notices(
            &rules,
            &r,
            journal,
            &orders,
            &bills,
            date,
            period,
            o.format,
            &out_dir,
            &sources,
            shard.is_some(),
            &bind,
        )?;
        timings.lap(&format!("{} notices issued", issued.len()));

        // Reconcile: the notices as issued add up to the summary.
        let issued_total: feebook::money::Money = issued.iter().map(|(_, _, b)| b.total).sum();
        if issued_total != summary.billed_total {
            eprintln!(
                "error: internal: notices total {} but the summary bills {}",
                issued_total.yuan(),
                summary.billed_total.yuan()
            );
            return Err(PROBLEMS);
        }
        publish(volumes)?;
        publish(staged)?;
        timings.lap("files named");
        super::out(&summary.text());
        Ok(())
    };
    // Every file is written (or the run has failed) before a line goes
    // out: a closed pipe ends the process as soon as it is written to.
    super::hold_output();
    let code = go().map_or_else(|c| c, |()| OK);
    super::release_output();
    code
}

/// Phase times on stderr when `FEEBOOK_TIMINGS` is set, for benchmarks
/// (`scripts/bench.sh notices` reports the notices' own rate from them).
/// Each phase's wall time and the CPU time all threads spent in it.
struct Timings(Option<(std::time::Instant, f64)>);

impl Timings {
    fn from_env() -> Timings {
        Timings(
            std::env::var_os("FEEBOOK_TIMINGS").map(|_| (std::time::Instant::now(), cpu_seconds())),
        )
    }

    fn lap(&mut self, what: &str) {
        if let Some((start, cpu)) = &mut self.0 {
            let now = cpu_seconds();
            eprintln!(
                "timing: {what}: {:.2} s ({:.2} s of CPU)",
                start.elapsed().as_secs_f64(),
                now - *cpu
            );
            *start = std::time::Instant::now();
            *cpu = now;
        }
    }
}

/// User and system CPU time of the whole process so far.
#[cfg(unix)]
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return 0.0;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(u.ru_utime) + secs(u.ru_stime)
}

#[cfg(not(unix))]
fn cpu_seconds() -> f64 {
    0.0
}

/// Refuses to bill an order twice: an order already on a billing notice,
/// or paid on a receipt (neither void), stops the run. Checked here, before
/// anything is rendered, and again in the transaction that records the
/// notices (another run may have billed them meanwhile).
fn already_billed(
    journal: &JournalArgs,
    orders: &[PricedOrder],
    bills: &[CustomerBill],
    period: (i32, u32),
) -> Result<(), u8> {
    if !journal.journal.exists() {
        return Ok(());
    }
    let j = open_journal(journal)?;
    let clashes = billed_before(&j, orders, bills).map_err(|e| {
        eprintln!("error: {e}");
        USAGE
    })?;
    refuse_billed_before(&clashes, period)
}

/// What a notice or receipt (not void) already says of the orders `bills`
/// would bill, whatever month it was dated in: a 月结 order paid at the
/// counter would be charged twice, and one on a notice billed twice.
fn billed_before(
    j: &impl Lookup,
    orders: &[PricedOrder],
    bills: &[CustomerBill],
) -> Result<Clashes, feebook::journal::JournalError> {
    let mut wanted: Vec<&PricedOrder> = bills
        .iter()
        .flat_map(|b| b.orders.iter().map(|&i| &orders[i]))
        .collect();
    wanted.sort_unstable_by(|a, b| a.number.cmp(&b.number));
    wanted.dedup_by(|a, b| a.number == b.number);
    let mut c = Clashes::default();
    for o in wanted {
        let n = o.number.as_str();
        let lines_before = c.lines.len();
        // A temporary job billed before, or issued on a work order, under
        // another order's number: its approved total would be charged
        // twice.
        if let Some(job) = o.job.as_deref() {
            for e in j.referring(job)? {
                match e.kind {
                    DocKind::BillingNotice if !notice_bills(&e, n) => c.lines.push(format!(
                        "{n} carries out job {job}, which billing notice {} ({}, {}) billed already",
                        e.number, e.party, e.date
                    )),
                    DocKind::WorkOrder if feebook::order::number_key(&e.number) != n => {
                        c.issued += 1;
                        c.lines.push(format!(
                            "{n} carries out job {job}, which work order {} ({}, {}) carries out",
                            e.number, e.party, e.date
                        ));
                    }
                    _ => {}
                }
            }
        }
        issued_clash(j, o, &mut c)?;
        let refs = j.referring(n)?;
        let notices: Vec<&feebook::journal::Entry> = refs
            .iter()
            .filter(|e| e.kind == DocKind::BillingNotice)
            .collect();
        for e in &notices {
            // Paid already, on a receipt of that notice: said with it.
            let paid_on = refs
                .iter()
                .filter(|r| r.kind == DocKind::Receipt)
                .find(|r| paid_notice(r).as_deref() == Some(e.number.as_str()));
            c.lines.push(format!(
                "{n} is already on billing notice {} ({}, {}){}",
                e.number,
                e.party,
                e.date,
                paid_on.map_or(String::new(), |r| format!(", paid on receipt {}", r.number))
            ));
        }
        for e in refs.iter().filter(|e| e.kind == DocKind::Receipt) {
            let line = match paid_notice(e) {
                // The notice it paid is above, still in force.
                Some(notice) if notices.iter().any(|x| x.number == notice) => continue,
                // Not void, or the order would be on it: voided since.
                Some(notice) => {
                    c.paid_on_notice += 1;
                    format!(
                        "{n} was already paid on receipt {} ({}, {}), against billing notice {notice}, voided since",
                        e.number, e.party, e.date
                    )
                }
                None => {
                    c.paid += 1;
                    format!(
                        "{n} was already paid at the counter on receipt {} ({}, {})",
                        e.number, e.party, e.date
                    )
                }
            };
            c.lines.push(line);
        }
        if c.lines.len() > lines_before {
            c.orders += 1;
        }
    }
    // Rows paid at the counter are on no notice, but in the register and
    // the summary: held to the work order issued under their number too.
    let mut counter: Vec<&PricedOrder> = orders.iter().filter(|o| !batch::billed(o)).collect();
    counter.sort_unstable_by(|a, b| a.number.cmp(&b.number));
    counter.dedup_by(|a, b| a.number == b.number);
    for o in counter {
        let lines_before = c.lines.len();
        issued_clash(j, o, &mut c)?;
        if c.lines.len() > lines_before {
            c.orders += 1;
        }
    }
    Ok(c)
}

/// A number `feebook order` issued names that work order (see
/// [`billed_before`]), whatever the row's settlement: a 即时结算 row is in
/// the register and the summary, finance's record of the month.
fn issued_clash(
    j: &impl Lookup,
    o: &PricedOrder,
    c: &mut Clashes,
) -> Result<(), feebook::journal::JournalError> {
    // A number `feebook order` issued names that work order: a row
    // billing it to someone else, or for another item or amount, is
    // another order under its number (a paper form numbered by hand in
    // the same series), or the order's price changed since it was
    // agreed, which the customer confirms again (四（二）5).
    let (n, customer) = (o.number.as_str(), o.customer.as_str());
    if let Some(e) = j.find(n)?
        && e.kind == DocKind::WorkOrder
        && !e.is_void()
    {
        if feebook::batch::customer_key(&e.party) != feebook::batch::customer_key(customer) {
            c.issued += 1;
            c.lines.push(format!(
                "{n} was issued by `feebook order` to {} ({}); this row bills it to {customer}",
                e.party, e.date
            ));
        } else if let Some(issued) = issued_as(&e)
            && (issued.0 != o.item.name || issued.1 != o.total().amount())
            && !((o.scope_changed || o.price_changed) && o.reconfirmed)
        {
            c.issued += 1;
            c.lines.push(format!(
                "{n} was issued by `feebook order` as {} {} ({}); this row bills {} {}",
                issued.0,
                feebook::money::Money::from_decimal_rounded(issued.1)
                    .map_or_else(|_| issued.1.to_string(), |m| m.yuan()),
                e.date,
                o.item.name,
                o.total().yuan()
            ));
        }
    }
    Ok(())
}

/// What a work order of the journal was issued for: its item as printed
/// and its amount (its snapshot's `data.item` and the entry's amount).
fn issued_as(e: &feebook::journal::Entry) -> Option<(String, rust_decimal::Decimal)> {
    let s = serde_json::from_str::<serde_json::Value>(&e.snapshot).ok()?;
    Some((s["data"]["item"].as_str()?.to_string(), e.amount?))
}

/// Whether a billing notice has a line of order `number` (its snapshot's
/// `data.lines[].number`).
fn notice_bills(e: &feebook::journal::Entry, number: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(&e.snapshot).is_ok_and(|s| {
        s["data"]["lines"].as_array().is_some_and(|lines| {
            lines.iter().any(|l| {
                l["number"]
                    .as_str()
                    .is_some_and(|x| feebook::order::number_key(x) == number)
            })
        })
    })
}

/// The billing notice a receipt paid (已交费), none for orders paid at
/// the counter (现金收讫).
fn paid_notice(e: &feebook::journal::Entry) -> Option<String> {
    let s = serde_json::from_str::<serde_json::Value>(&e.snapshot).ok()?;
    s["data"]["billing_notice"]
        .as_str()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
}

#[derive(Default)]
struct Clashes {
    lines: Vec<String>,
    /// How many orders they are about (an order on a notice and paid on
    /// another receipt is one order).
    orders: usize,
    /// How many of them are receipts at the counter.
    paid: usize,
    /// How many are receipts of a billing notice (voided since, or the
    /// order would be on it).
    paid_on_notice: usize,
    /// How many are numbers `feebook order` issued to another customer.
    issued: usize,
}

fn refuse_billed_before(c: &Clashes, period: (i32, u32)) -> Result<(), u8> {
    let clashes = &c.lines;
    if clashes.is_empty() {
        return Ok(());
    }
    let paid = c.paid + c.paid_on_notice;
    let billed = clashes.len() - paid - c.issued;
    let orders = c.orders;
    let mut what = Vec::new();
    if billed > 0 {
        what.push("billed");
    }
    if paid > 0 {
        what.push("paid");
    }
    if c.issued > 0 {
        what.push("issued otherwise");
    }
    eprintln!(
        "error: {} order{} of {}-{:02} {} already {}:",
        orders,
        if orders == 1 { "" } else { "s" },
        period.0,
        period.1,
        if orders == 1 { "is" } else { "are" },
        what.join(" or ")
    );
    for c in clashes.iter().take(10) {
        eprintln!("  {c}");
    }
    if clashes.len() > 10 {
        eprintln!("  … and {} more", clashes.len() - 10);
    }
    if billed > 0 {
        eprintln!(
            "  = help: billing a month twice would charge customers twice; to re-issue a notice, void it first (`feebook void NUMBER --reason …`), or print it again with `feebook reissue NUMBER`"
        );
    }
    if c.paid > 0 {
        eprintln!(
            "  = help: an order paid at the counter is 即时结算, not 月结: correct its 结算方式, or void the receipt if it was issued by mistake"
        );
    }
    if c.paid_on_notice > 0 {
        eprintln!(
            "  = help: the customer paid these orders against a billing notice voided since: bill them again only once that receipt is voided or refunded"
        );
    }
    if c.issued > 0 {
        eprintln!(
            "  = help: one number names one work order, and one job is carried out by one: a number `feebook order` issued cannot be given to another order by hand; correct the row's 单号 (the paper form's own number), its customer, item or quantity; a price changed since the order was agreed is billed once the customer confirms it again (scope or price changed, and reconfirmed)"
        );
    }
    Err(PROBLEMS)
}

fn shard(s: Option<&str>) -> Result<Option<(usize, usize)>, u8> {
    let Some(s) = s else { return Ok(None) };
    let (k, n) = s.split_once('/').ok_or_else(|| {
        eprintln!(
            "error: --shard `{s}`: write K/N, e.g. 2/4 (or /N with JOB_COMPLETION_INDEX set)"
        );
        USAGE
    })?;
    let n: usize = n.parse().ok().filter(|&n| n >= 1).ok_or_else(|| {
        eprintln!("error: --shard `{s}`: N must be a whole number ≥ 1");
        USAGE
    })?;
    // A Kubernetes Indexed Job gives each pod its index (0-based).
    let k: usize = if k.is_empty() {
        match std::env::var("JOB_COMPLETION_INDEX")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
        {
            Some(i) => i + 1,
            None => {
                eprintln!("error: --shard /{n} needs JOB_COMPLETION_INDEX to be set");
                return Err(USAGE);
            }
        }
    } else {
        k.parse().map_err(|_| {
            eprintln!("error: --shard `{s}`: K must be a whole number");
            USAGE
        })?
    };
    if k == 0 || k > n {
        eprintln!("error: --shard {k}/{n}: K must be between 1 and {n}");
        return Err(USAGE);
    }
    Ok(Some((k, n)))
}

/// Reads every file, prices every row; returns the month's good orders,
/// the problems, and one entry per rejected row.
fn read_month(
    rules: &Rules,
    jobs: &feebook::jobs::JobBook,
    r: &Renderer,
    sources: &mut Sources,
    files: &[PathBuf],
    period: (i32, u32),
    opts: &BillOpts,
) -> MonthRead {
    let mut problems = Vec::new();
    let mut other_months = std::collections::BTreeMap::new();
    let mut amounts = AmountGuard::default();
    let mut rejected: Vec<Rejected> = Vec::new();
    let mut unreadable = Vec::new();
    let reject =
        |rejected: &mut Vec<Rejected>, problems: &mut Vec<Diagnostic>, p: Vec<Diagnostic>| {
            let place = p
                .first()
                .map_or(Place::Nowhere, |d| d.primary.place.clone());
            rejected.push(Rejected {
                place,
                reasons: p.iter().map(|d| d.message.clone()).collect(),
            });
            problems.extend(p);
        };
    // Rows are checked and priced as they are read: a month of tens of
    // thousands of rows never holds all of them in their raw form.
    let mut seen = std::collections::HashMap::new();
    let mut job_orders = feebook::jobs::JobOrders::default();
    let mut orders = Vec::new();
    let today = super::today();
    let mut take = |o: OrderInput, rejected: &mut Vec<Rejected>, problems: &mut Vec<Diagnostic>| {
        let Some(number) = o.number.clone().filter(|n| !n.trim().is_empty()) else {
            // An order file for `feebook order` has no number yet: it
            // gets one when its work order is issued.
            let d = Diagnostic::error("no-number", "this work order has no number (单号)");
            let d = match o.place("customer").or_else(|| o.place("item")) {
                Some(p) => d.at_place(p, "whose number?"),
                None => d,
            };
            return reject(
                rejected,
                problems,
                vec![d.hint(
                    "bill orders by the numbers their work orders were issued under: give `number:` (issue the work order first with `feebook order` if it has none)",
                )],
            );
        };
        // Duplicate numbers: the second and later rows are rejected.
        if let Some(first) = seen.get(&number) {
            let mut d = Diagnostic::error(
                "duplicate-order",
                format!("order number {number} appears again"),
            );
            if let Some(p) = o.place("number") {
                d = d.at_place(p, "again here");
            }
            if let Some(p) = first {
                d.secondary.push(diagnostic::Label {
                    place: Place::clone(p),
                    text: "first here".into(),
                });
            }
            reject(
                rejected,
                problems,
                vec![d.hint(
                    "an order is billed once: delete the duplicate row or correct its number",
                )],
            );
            return;
        }
        seen.insert(number.clone(), o.place("number"));
        // A row of another month is left out with a note, its own mistakes
        // too: they are its month's to correct, not this one's to refuse.
        let other_month = o.service_date.filter(|d| !in_month(*d, period));
        let priced = match feebook::order::price_order(rules, &o, &number, jobs) {
            Ok(p) => p,
            Err(_) if let Some(d) = other_month => {
                *other_months
                    .entry(d.format("%Y-%m").to_string())
                    .or_insert(0) += 1;
                return;
            }
            Err(p) => return reject(rejected, problems, p),
        };
        if let Err(d) = job_orders.take(&priced, o.place("job")) {
            return reject(rejected, problems, vec![d]);
        }
        if !in_month(priced.service_date, period) {
            *other_months
                .entry(priced.service_date.format("%Y-%m").to_string())
                .or_insert(0) += 1;
            return;
        }
        // Nothing is done or checked in the future: a date after today is
        // a typing mistake, and billing on it would bill work not done.
        for (field, date, what) in [
            ("completed_on", priced.completed_on, "completed"),
            ("verified_on", priced.verified_on, "checked"),
        ] {
            if let Some(d) = date.filter(|d| *d > today) {
                let e = Diagnostic::error(
                    "date-in-future",
                    format!("order {number} is {what} on {d}, after today ({today})"),
                );
                let e = match o.place_or_order(field) {
                    Some(p) => e.at_place(p, "after today"),
                    None => e,
                };
                return reject(
                    rejected,
                    problems,
                    vec![e.hint("check the date: work is billed once it is done and checked")],
                );
            }
        }
        // A 月结 or 长期协议 order is billed once the service is done (and
        // signed for then, per the policies): without a completion date it
        // is a form issued for work still to do.
        if feebook::batch::billed(&priced) && priced.completed_on.is_none() {
            let d = Diagnostic::error(
                "not-completed",
                format!(
                    "order {number} ({}) has no completion date: it is billed once the service is done",
                    priced.settlement.label()
                ),
            );
            let d = match o.place_or_order("completed_on") {
                Some(p) => d.at_place(p, "completed on?"),
                None => d,
            };
            return reject(
                rejected,
                problems,
                vec![d.hint(
                    "write the day the service was completed (a 完成日期 column, `completed_on:` in YAML), with the customer's signature; work still to do is billed the month it is done",
                )],
            );
        }
        if opts.format == Format::Pdf {
            let missing = super::documents::missing_glyphs(r.fonts(), &o, &priced);
            if !missing.is_empty() {
                return reject(rejected, problems, missing);
            }
        }
        // The procedure's checks on orders (a 月结 order signed by the
        // customer, verified the next working day, …): errors reject the row.
        let results = policy::check(
            rules,
            RecordKind::Order,
            &policy::order_record(&priced),
            &format!("order {number}"),
            &|f| o.place(f),
        );
        if policy::blocks(&results) {
            return reject(rejected, problems, results);
        }
        problems.extend(results);
        amounts.add(&priced, || o.place("quantity"));
        orders.push(priced);
    };
    for f in files {
        match feebook::orders_input::read(rules, sources, f, opts.encoding) {
            Ok(read) => {
                problems.extend(read.notes);
                for row in read.rows {
                    match row {
                        Ok(o) => take(o, &mut rejected, &mut problems),
                        Err(p) => reject(&mut rejected, &mut problems, p),
                    }
                }
            }
            // A file that cannot be read at all rejects nothing row by row,
            // and fails the run.
            Err(p) => {
                unreadable.push(f.display().to_string());
                problems.extend(p);
            }
        }
    }
    // Report in the order of the files and rows, as a clerk fixes them.
    problems.sort_by_cached_key(|d| place_key(&d.primary.place));
    // Warnings alone do not reject anything.
    if problems.iter().all(|d| !d.is_error()) {
        if !problems.is_empty() {
            eprint!("{}", diagnostic::render_all(&problems, sources));
        }
        problems.clear();
    }
    MonthRead {
        orders,
        problems,
        rejected,
        amounts,
        unreadable,
        other_months,
    }
}

fn place_key(p: &Place) -> (String, usize) {
    match p {
        Place::Cell { file, row, .. } => (file.clone(), *row),
        Place::File(f) => (f.clone(), 0),
        _ => (String::new(), 0),
    }
}

/// The rejected rows: where, why, then each row's cells as its file wrote
/// them, under the files' headers (all of them, in order of appearance).
fn rejected_csv(
    rows: &[Rejected],
    sources: &Sources,
    tables: &[feebook::tabular::Table],
) -> String {
    // The headers of the tables rows were set aside from (not of a 说明
    // sheet that was not read).
    let from = |t: &&feebook::tabular::Table| {
        rows.iter()
            .any(|r| matches!(&r.place, Place::Cell { file, .. } if *file == t.file))
    };
    let mut headers: Vec<&str> = Vec::new();
    for t in tables.iter().filter(from) {
        for h in &t.headers {
            if !h.is_empty() && !headers.contains(&h.as_str()) {
                headers.push(h);
            }
        }
    }
    let cells_of = |file: &str, row: usize| -> Vec<String> {
        let found = tables.iter().filter(|t| t.file == file).find_map(|t| {
            t.rows
                .iter()
                .chain(&t.bad_cells)
                .find(|r| r.number == row)
                .map(|r| (t, r))
        });
        headers
            .iter()
            .map(|h| {
                found
                    .and_then(|(t, r)| {
                        let i = t.headers.iter().position(|x| x == h)?;
                        r.cells.get(i).cloned()
                    })
                    .unwrap_or_default()
            })
            .collect()
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = vec!["file", "row", "column", "reasons"];
    head.extend(headers.iter().copied());
    let _ = w.write_record(&head);
    for r in rows {
        let (file, row, column, cells) = match &r.place {
            Place::Cell { file, row, column } => (
                file.clone(),
                row.to_string(),
                column.clone().unwrap_or_default(),
                cells_of(file, *row),
            ),
            Place::File(f) => (f.clone(), String::new(), String::new(), Vec::new()),
            // An order of a YAML list: its line and column.
            Place::Span(loc) => {
                let p = sources.position(*loc);
                (p.file, p.line.to_string(), p.column.to_string(), Vec::new())
            }
            Place::Line { .. } | Place::Nowhere => {
                (String::new(), String::new(), String::new(), Vec::new())
            }
        };
        let mut record = vec![file, row, column, r.reasons.join("; ")];
        record.extend(cells);
        record.resize(head.len(), String::new());
        let _ = w.write_record(&record);
    }
    // A BOM so that Excel opens the Chinese correctly.
    let mut out = String::from("\u{feff}");
    out.push_str(&String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default());
    out
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), u8> {
    super::render::write(path, bytes)
}

fn notice_data(
    rules: &Rules,
    orders: &[PricedOrder],
    b: &CustomerBill,
    number: &str,
    date: NaiveDate,
    period: (i32, u32),
) -> model::BillingNoticeDoc {
    let mine: Vec<&PricedOrder> = b.orders.iter().map(|&i| &orders[i]).collect();
    model::billing_notice(
        rules,
        number,
        date,
        &b.customer,
        &b.address,
        period,
        &mine,
        b.tax,
        false,
    )
}

/// Binds notices (their files, in number order) into print volumes,
/// written under temporary names.
type Bind<'a> = dyn Fn(&[PathBuf]) -> Result<Vec<fsutil::Staged>, u8> + 'a;

/// A notice issued: its number, its file, its bill.
type Issued<'b> = (String, PathBuf, &'b CustomerBill);

/// Issues the notices. Unsharded: every notice is rendered in parallel to a
/// temporary file with the numbers the journal would give now, outside its
/// lock; then one short transaction checks that the numbers are still free
/// and the orders still unbilled, records the entries and commits, and
/// only then do the files get their names. A failed render takes no number.
///
/// Sharded (several machines on one journal): every notice of the shard is
/// first rendered with a placeholder number, outside the journal, so that a
/// failure still consumes nothing; then a short transaction takes and
/// records the shard's block of numbers; then the notices are rendered
/// with their numbers. Shards hold the journal only for that moment, so
/// they render at the same time.
#[allow(clippy::too_many_arguments)]
fn issue_notices<'b>(
    rules: &Rules,
    r: &Renderer,
    journal: &JournalArgs,
    orders: &[PricedOrder],
    bills: &'b [CustomerBill],
    date: NaiveDate,
    period: (i32, u32),
    format: Format,
    out_dir: &Path,
    sources: &Sources,
    sharded: bool,
    bind: &Bind<'_>,
) -> Result<(Vec<Issued<'b>>, Vec<fsutil::Staged>), u8> {
    if bills.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let pattern = issue::pattern(rules, Kind::BillingNotice).map_err(|d| report(&[d], sources))?;
    let render_all = |first: u64, write: bool| -> Vec<Result<Rendered, Vec<Diagnostic>>> {
        let progress = progress_bar(bills.len());
        // Typst's memo caches are shared by the threads and keep the
        // capacity the largest work made them grow to: a notice of hundreds
        // of orders (tens of pages) grows them by ≈ 100 MB. One such notice
        // at a time, while the other threads go on with short ones.
        let long = std::sync::Mutex::new(());
        let batches = notice_batches(bills, format);
        let rendered = par::map(&batches, par::threads(), |_, range| {
            let numbers: Vec<String> = range
                .clone()
                .map(|i| pattern.number(date, first + i as u64))
                .collect();
            let datas: Result<Vec<serde_json::Value>, _> = range
                .clone()
                .zip(&numbers)
                .map(|(i, number)| {
                    serde_json::to_value(notice_data(
                        rules, orders, &bills[i], number, date, period,
                    ))
                })
                .collect();
            let bytes = match datas {
                Err(e) => {
                    let e = vec![Diagnostic::error("internal", e.to_string())];
                    vec![Err(e); range.len()]
                }
                Ok(datas) if format == Format::Pdf => {
                    let _one_long_at_a_time = is_long(&bills[range.start]).then(|| {
                        long.lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                    });
                    let ids: Vec<&str> = numbers.iter().map(String::as_str).collect();
                    r.render_pdf_batch(Kind::BillingNotice, &datas, date, &ids)
                }
                Ok(datas) => datas
                    .iter()
                    .zip(&numbers)
                    .map(|(data, number)| r.render(Kind::BillingNotice, data, format, date, number))
                    .collect(),
            };
            let written: Vec<Result<Rendered, Vec<Diagnostic>>> = bytes
                .into_iter()
                .zip(range.clone())
                .zip(numbers)
                .map(|((bytes, i), number)| {
                    let bytes = bytes?;
                    let name = format!(
                        "{}-{}-{}.{}",
                        Kind::BillingNotice.file_prefix(),
                        number,
                        bills[i].customer,
                        format.extension()
                    );
                    let final_path = out_dir.join(fsutil::sanitize_file_name(&name));
                    let tmp = fsutil::temp_path(out_dir, &number);
                    if write {
                        std::fs::write(&tmp, &bytes).map_err(|e| {
                            vec![Diagnostic::error(
                                "output",
                                format!("cannot write `{}`: {e}", tmp.display()),
                            )]
                        })?;
                    }
                    Ok(Rendered {
                        number,
                        tmp,
                        final_path,
                    })
                })
                .collect();
            if let Some(p) = &progress {
                p.inc(range.len() as u64);
            }
            written
        });
        let rendered: Vec<_> = rendered.into_iter().flatten().collect();
        if let Some(p) = &progress {
            p.finish_and_clear();
        }
        rendered
    };
    // A template error fails every notice of a batch alike: report it once.
    let failures = |rendered: &[Result<Rendered, Vec<Diagnostic>>]| -> Vec<Diagnostic> {
        let mut seen = std::collections::HashSet::new();
        rendered
            .iter()
            .filter_map(|r| r.as_ref().err())
            .flatten()
            .filter(|d| seen.insert(format!("{d:?}")))
            .cloned()
            .collect()
    };
    // The journal keeps each notice's data (its snapshot, for reissuing)
    // and the data's hash. They are made again here, one notice at a time,
    // from the same inputs as the render: holding a month's snapshots until
    // the commit would make memory grow with the month.
    let record = |tx: &mut feebook::journal::Issuing<'_>,
                  series: &str,
                  first: u64|
     -> Result<(), Vec<Diagnostic>> {
        for (i, b) in bills.iter().enumerate() {
            let seq = first + i as u64;
            let number = pattern.number(date, seq);
            let data = serde_json::to_value(notice_data(rules, orders, b, &number, date, period))
                .map_err(|e| vec![Diagnostic::error("internal", e.to_string())])?;
            let content_hash = issue::data_hash(&data);
            let snapshot = serde_json::to_string(&Snapshot {
                kind: Kind::BillingNotice,
                format,
                data,
            })
            .map_err(|e| vec![Diagnostic::error("internal", e.to_string())])?;
            tx.record(&NewEntry {
                kind: DocKind::BillingNotice,
                series: series.to_string(),
                seq,
                number,
                date,
                party: b.customer.clone(),
                amount: Some(b.total.amount()),
                content_hash,
                snapshot,
            })
            .map_err(issue::journal_error)?;
        }
        Ok(())
    };
    let mut j = open_journal(journal)?;
    let series = pattern.series(date);
    let journal_err = |e| report(&issue::journal_error(e), sources);
    // In the recording transaction, under the journal's lock: another run
    // may have billed these orders since `already_billed` looked.
    let still_unbilled = |tx: &feebook::journal::Issuing<'_>| -> Result<(), u8> {
        let clashes = billed_before(tx, orders, bills).map_err(journal_err)?;
        refuse_billed_before(&clashes, period)
    };
    let ok: (Vec<Rendered>, Vec<fsutil::Staged>) = if sharded {
        let trial = render_all(0, false);
        let failed = failures(&trial);
        if !failed.is_empty() {
            eprintln!("error: rendering failed; no notice was issued and no number was taken");
            return Err(report(&failed, sources));
        }
        let mut tx = j.begin().map_err(journal_err)?;
        still_unbilled(&tx)?;
        let first = tx.next_seq(&series).map_err(journal_err)?;
        // Record with the real numbers: the same data as the trial's
        // render, so the snapshots are those of the final documents.
        record(&mut tx, &series, first).map_err(|p| report(&p, sources))?;
        tx.commit().map_err(journal_err)?;
        super::render::numbers_taken();
        let rendered = render_all(first, true);
        let failed = failures(&rendered);
        let written = Written(rendered.into_iter().flatten().collect());
        if !failed.is_empty() {
            eprintln!(
                "error: notices {} … were issued but could not be written; render them with `feebook reissue NUMBER`",
                pattern.number(date, first)
            );
            return Err(report(&failed, sources));
        }
        let volumes = bind(&written.0.iter().map(|r| r.tmp.clone()).collect::<Vec<_>>())?;
        (written.keep(), volumes)
    } else {
        // Rendered with the numbers the journal would give now, outside its
        // lock (a month takes minutes, and a cashier's receipt must not wait
        // for it); then one short transaction checks that no other run took
        // them meanwhile, records and commits. Notice numbers are taken by
        // billing runs only, so a second try is rare.
        let mut tries = 0;
        loop {
            tries += 1;
            let first = j.next_seq(&series).map_err(journal_err)?;
            let rendered = render_all(first, true);
            let failed = failures(&rendered);
            // Dropped on any way out but the last, the files go with it.
            let written = Written(rendered.into_iter().flatten().collect());
            if !failed.is_empty() {
                eprintln!("error: rendering failed; no notice was issued and no number was taken");
                return Err(report(&failed, sources));
            }
            // Bound now, from the notices' temporary files: once the
            // notices are recorded, only renames are left.
            let volumes = bind(&written.0.iter().map(|r| r.tmp.clone()).collect::<Vec<_>>())?;
            let mut tx = j.begin().map_err(journal_err)?;
            still_unbilled(&tx)?;
            if tx.next_seq(&series).map_err(journal_err)? != first {
                if tries == 3 {
                    eprintln!(
                        "error: other runs keep issuing billing notices of series {series} while this one renders; no notice was issued\n  = help: run again once they are done"
                    );
                    return Err(USAGE);
                }
                continue;
            }
            record(&mut tx, &series, first).map_err(|p| report(&p, sources))?;
            tx.commit().map_err(journal_err)?;
            break (written.keep(), volumes);
        }
    };
    let (ok, volumes) = ok;
    let mut out = Vec::new();
    for (r, b) in ok.into_iter().zip(bills) {
        if let Err(e) = std::fs::rename(&r.tmp, &r.final_path) {
            eprintln!(
                "error: cannot write `{}`: {e}\n  = help: the notice is issued; render it again with `feebook reissue {}`",
                r.final_path.display(),
                r.number
            );
            return Err(USAGE);
        }
        out.push((r.number, r.final_path, b));
    }
    super::out(&format!(
        "{}: {} billing notices, {} … {}\n",
        out_dir.display(),
        out.len(),
        out.first().map_or("", |o| o.0.as_str()),
        out.last().map_or("", |o| o.0.as_str())
    ));
    Ok((out, volumes))
}

/// Notices per Typst compile: Typst's fixed cost per document (setting up,
/// evaluating the template, evicting its caches) is then paid once per
/// batch. Each notice is still its own PDF, the same bytes as alone.
/// Eight, not more: a batch's layout is held until its PDFs are written,
/// and on a month of 3,000 orders 8 were as fast as 16 with ≈ 30 MB less
/// memory (4 saved another 10 MB and took longer).
const BATCH: usize = 8;

/// A notice longer than a page holds: laid out alone, with page numbers.
fn is_long(b: &CustomerBill) -> bool {
    b.orders.len() > feebook::documents::ONE_PAGE_ROWS
}

/// The bills in rendering batches, in order: runs of up to [`BATCH`] short
/// notices; a long notice alone.
fn notice_batches(bills: &[CustomerBill], format: Format) -> Vec<std::ops::Range<usize>> {
    let mut batches: Vec<std::ops::Range<usize>> = Vec::new();
    for (i, b) in bills.iter().enumerate() {
        let alone = format == Format::Pdf && is_long(b);
        match batches.last_mut() {
            Some(last)
                if !alone
                    && last.len() < BATCH
                    && !(format == Format::Pdf && is_long(&bills[last.start])) =>
            {
                last.end = i + 1
            }
            _ => batches.push(i..i + 1),
        }
    }
    batches
}

struct Rendered {
    number: String,
    tmp: PathBuf,
    final_path: PathBuf,
}

/// Rendered notices in their temporary files, removed when this is dropped
/// unless [`Written::keep`] took them: whatever way a failed issue leaves,
/// it leaves no file behind.
struct Written(Vec<Rendered>);

impl Written {
    fn keep(mut self) -> Vec<Rendered> {
        std::mem::take(&mut self.0)
    }
}

impl Drop for Written {
    fn drop(&mut self) {
        for r in &self.0 {
            let _ = std::fs::remove_file(&r.tmp);
        }
    }
}

fn progress_bar(n: usize) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let p = indicatif::ProgressBar::new(n as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} notices {eta}")
    {
        p.set_style(style);
    }
    Some(p)
}

/// A month's print files come in volumes, so that memory stays bounded
/// however large the month: the register because Typst keeps a whole
/// document's layout in memory until it is written (several megabytes a
/// page). The bound notices (`--volume`) are streamed, one notice in memory
/// at a time; their volumes are for handling the paper. One volume keeps
/// the plain name.
///
/// 300 rows: a register volume's layout takes ≈ 0.15 MB a row while Typst
/// holds it, and two are laid out at once. Measured on a month of 30,000
/// orders (days of 500 rows in one department), volumes of at most 400
/// rows took the run's peak from 176 to ≈ 200 MB, of at most 300 rows to
/// 179 MB, in the same time. The sample month (300 rows) stays one volume.
const REGISTER_ROWS_PER_VOLUME: usize = 300;

/// Renders the month's register to `path`: one file, or for a PDF of more
/// than [`REGISTER_ROWS_PER_VOLUME`] rows, volumes beside it (`stem-v01.pdf`,
/// …), rendered in parallel. Prints the paths written.
pub(super) fn write_register(
    rules: &Rules,
    r: &Renderer,
    orders: &[PricedOrder],
    (period, date): ((i32, u32), NaiveDate),
    format: Format,
    path: &Path,
    sources: &Sources,
) -> Result<Vec<fsutil::Staged>, u8> {
    let volumes = if format == Format::Pdf {
        register_volumes(rules, orders, REGISTER_ROWS_PER_VOLUME)
    } else {
        vec![orders.iter().collect()]
    };
    if super::render::is_stdout(path) && volumes.len() > 1 {
        eprintln!(
            "error: the register of {}-{:02} runs to {} volumes of at most {REGISTER_ROWS_PER_VOLUME} rows, each a file of its own\n  = help: give a file or a folder with -o",
            period.0,
            period.1,
            volumes.len()
        );
        return Err(USAGE);
    }
    let number = format!("register-{}-{:02}", period.0, period.1);
    if super::render::is_stdout(path) {
        let vol = volumes.first().into_iter().flatten().copied();
        let reg = model::register(rules, period, date, vol);
        let bytes = r
            .render(Kind::Register, &reg, format, date, &number)
            .map_err(|p| report(&p, sources))?;
        return super::render::write(path, &bytes).map(|()| Vec::new());
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("error: cannot create the folder `{}`: {e}", dir.display());
        return Err(USAGE);
    }
    let stem = path
        .file_stem()
        .map_or_else(|| "register".into(), |s| s.to_string_lossy().into_owned());
    let ext = path.extension().map_or_else(
        || format.extension().into(),
        |e| e.to_string_lossy().into_owned(),
    );
    // Volumes are rendered as many at a time as there are threads, and
    // Typst's caches emptied after each round: a volume's layout is of no
    // use to the next, and kept it would hold two or three volumes in memory
    // (a month of 30,000 orders: +100 MB instead of +20–50 MB). Rounds, not a
    // queue, so that emptying never lands in the middle of another volume
    // (its second pass, for the page numbers, reuses its first).
    let threads = par::threads().max(1);
    let n = volumes.len();
    let month_total: feebook::money::Money = orders.iter().map(PricedOrder::total).sum();
    // A department's day split between two volumes is marked in both.
    let same_day = |a: Option<&&PricedOrder>, b: Option<&&PricedOrder>| match (a, b) {
        (Some(a), Some(b)) => {
            a.item.department == b.item.department && a.service_date == b.service_date
        }
        _ => false,
    };
    let mut written: Vec<Result<fsutil::Staged, Vec<Diagnostic>>> = Vec::with_capacity(n);
    for (round, vols) in volumes.chunks(threads).enumerate() {
        written.extend(par::map(vols, threads, |i, vol| {
            let i = round * threads + i;
            let mut reg = model::register(rules, period, date, vol.iter().copied());
            let mut ident = number.clone();
            if n > 1 {
                let before = i.checked_sub(1).and_then(|p| volumes[p].last());
                let after = volumes.get(i + 1).and_then(|v| v.first());
                let volume = model::RegisterVolume {
                    number: i + 1,
                    of: n,
                    month_count: orders.len(),
                    month_total: month_total.into(),
                };
                reg = reg.in_volume(
                    volume,
                    same_day(before, vol.first()),
                    same_day(vol.last(), after),
                );
                ident = volume_name(&number, i, n, "");
            }
            let bytes = r.render(Kind::Register, &reg, format, date, &ident)?;
            stage(&dir.join(volume_name(&stem, i, n, &ext)), &bytes)
        }));
        if n > 1 {
            feebook::documents::typst_engine::forget_layouts();
        }
    }
    written
        .into_iter()
        .map(|w| w.map_err(|p| report(&p, sources)))
        .collect()
}

/// `base.ext` when there is one volume, else `base-v01.ext`, `base-v02.ext`,
/// … (no dot when `ext` is empty).
fn volume_name(base: &str, i: usize, n: usize, ext: &str) -> String {
    let dot = if ext.is_empty() { "" } else { "." };
    if n <= 1 {
        format!("{base}{dot}{ext}")
    } else {
        format!(
            "{base}-v{:0w$}{dot}{ext}",
            i + 1,
            w = n.to_string().len().max(2)
        )
    }
}

/// The month's orders cut for the register: in the register's order
/// (department, day, number), at most `max_rows` a volume. A department's
/// day is kept whole when it fits a volume; a day longer than that (a month
/// of 30,000 orders has days of 500 rows) is cut into volumes of its own, as
/// even as can be, so that no volume, and no volume's layout, grows with
/// the month.
fn register_volumes<'o>(
    rules: &Rules,
    orders: &'o [PricedOrder],
    max_rows: usize,
) -> Vec<Vec<&'o PricedOrder>> {
    let max_rows = max_rows.max(1);
    let dept_index = |o: &PricedOrder| {
        rules
            .departments
            .iter()
            .position(|(id, _)| id.value == o.item.department)
            .unwrap_or(usize::MAX)
    };
    let mut sorted: Vec<&PricedOrder> = orders.iter().collect();
    sorted.sort_by(|a, b| {
        (dept_index(a), a.service_date, &a.number).cmp(&(dept_index(b), b.service_date, &b.number))
    });
    let mut volumes: Vec<Vec<&PricedOrder>> = Vec::new();
    let mut current = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let key = (dept_index(sorted[i]), sorted[i].service_date);
        let mut j = i;
        while j < sorted.len() && (dept_index(sorted[j]), sorted[j].service_date) == key {
            j += 1;
        }
        if !current.is_empty() && current.len() + (j - i) > max_rows {
            volumes.push(std::mem::take(&mut current));
        }
        let day = &sorted[i..j];
        if day.len() > max_rows {
            // As few parts as fit, their sizes differing by one row at most.
            let parts = day.len().div_ceil(max_rows);
            let (base, longer) = (day.len() / parts, day.len() % parts);
            let mut rest = day;
            for k in 0..parts {
                let (part, tail) = rest.split_at(base + usize::from(k < longer));
                volumes.push(part.to_vec());
                rest = tail;
            }
        } else {
            current.extend_from_slice(day);
        }
        i = j;
    }
    if !current.is_empty() || volumes.is_empty() {
        volumes.push(current);
    }
    volumes
}

/// The notices for printing, in number order, bound from their own PDFs
/// in volumes of `per_volume` (`--volume`, 500 by default).
fn print_volumes(
    notices: &[PathBuf],
    per_volume: usize,
    out_dir: &Path,
    base: &str,
    sources: &Sources,
) -> Result<Vec<fsutil::Staged>, u8> {
    let chunks: Vec<&[PathBuf]> = notices.chunks(per_volume.max(1)).collect();
    let written: Vec<Result<fsutil::Staged, Vec<Diagnostic>>> =
        par::map(&chunks, par::threads(), |i, chunk| {
            let path = out_dir.join(volume_name(base, i, chunks.len(), "pdf"));
            // Streamed: one notice in memory at a time, the volume written
            // to a temporary file named when the notices are.
            fsutil::stage_with(&path, |w| {
                let mut binder = bind::Binder::new(w)?;
                for notice in chunk.iter() {
                    let bytes = std::fs::read(notice).map_err(|e| {
                        std::io::Error::other(format!(
                            "cannot read back `{}`: {e}",
                            notice.display()
                        ))
                    })?;
                    binder.add(&bytes).map_err(|e| {
                        std::io::Error::other(format!("`{}`: {e}", notice.display()))
                    })?;
                }
                binder.finish().map(drop).map_err(std::io::Error::other)
            })
            .map_err(|e| {
                vec![Diagnostic::error(
                    "output",
                    format!("cannot bind the print volume `{}`: {e}", path.display()),
                )]
            })
        });
    written
        .into_iter()
        .map(|w| w.map_err(|p| report(&p, sources)))
        .collect()
}

/// Writes a file under a temporary name beside `path` (see
/// [`fsutil::Staged`]).
fn stage(path: &Path, bytes: &[u8]) -> Result<fsutil::Staged, Vec<Diagnostic>> {
    fsutil::stage_with(path, |w| std::io::Write::write_all(w, bytes)).map_err(|e| {
        vec![Diagnostic::error(
            "output",
            format!("cannot write `{}`: {e}", path.display()),
        )]
    })
}

/// Gives staged files their names, in order, and prints them.
pub(super) fn publish(files: Vec<fsutil::Staged>) -> Result<(), u8> {
    let mut names = Vec::with_capacity(files.len());
    for f in files {
        let target = f.name().to_path_buf();
        f.publish().map_err(|e| {
            eprintln!("error: cannot write `{}`: {e}", target.display());
            USAGE
        })?;
        names.push(target);
    }
    for n in names {
        super::out(&format!("{}\n", n.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample month's orders, priced, and the same month with every
    /// 保洁部 order moved to one day: a department's day of 141 rows.
    fn months() -> (Rules, Vec<PricedOrder>, Vec<PricedOrder>) {
        let rules = feebook::rules::load_embedded().rules.unwrap();
        let mut sources = Sources::new();
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/orders/2026-11.csv");
        let read = feebook::orders_input::read(&rules, &mut sources, &path, None).unwrap();
        let orders: Vec<PricedOrder> = read
            .rows
            .into_iter()
            .map(|row| {
                let o = row.unwrap();
                let number = o.number.clone().unwrap_or_default();
                feebook::order::price_order(&rules, &o, &number, &Default::default()).unwrap()
            })
            .collect();
        let day = NaiveDate::from_ymd_opt(2026, 11, 10).unwrap();
        let mut long = orders.clone();
        for o in long.iter_mut().filter(|o| o.item.department == "cleaning") {
            o.service_date = day;
        }
        (rules, orders, long)
    }

    type DayKey<'a> = (&'a str, NaiveDate);
    fn key(o: &PricedOrder) -> DayKey<'_> {
        (o.item.department.as_str(), o.service_date)
    }

    /// For every volume size: nothing lost or reordered, no volume over the
    /// size, a day that fits a volume never split, a longer day cut into
    /// parts that differ by at most one row and fill their volumes alone.
    #[test]
    fn register_volumes_keep_every_order_and_split_only_long_days() {
        let (rules, short, long) = months();
        assert!(
            long.iter()
                .filter(|o| o.item.department == "cleaning")
                .count()
                > 100
        );
        for orders in [&short, &long] {
            let whole = register_volumes(&rules, orders, usize::MAX);
            assert_eq!(whole.len(), 1);
            let sorted = &whole[0];
            assert_eq!(sorted.len(), orders.len());
            let mut day_len = std::collections::HashMap::new();
            for o in sorted {
                *day_len.entry(key(o)).or_insert(0usize) += 1;
            }
            for max in [0, 1, 2, 7, 9, 10, 50, 140, 141, 142, 299, 300, 301] {
                let volumes = register_volumes(&rules, orders, max);
                let flat: Vec<&str> = volumes
                    .iter()
                    .flatten()
                    .map(|o| o.number.as_str())
                    .collect();
                let expected: Vec<&str> = sorted.iter().map(|o| o.number.as_str()).collect();
                assert_eq!(flat, expected, "max {max}: every order once, in order");
                let max = max.max(1);
                let mut parts: std::collections::HashMap<DayKey, Vec<usize>> =
                    std::collections::HashMap::new();
                for v in &volumes {
                    assert!(!v.is_empty() && v.len() <= max, "max {max}: {}", v.len());
                    let mut in_v: Vec<(DayKey, usize)> = Vec::new();
                    for o in v {
                        match in_v.last_mut() {
                            Some((k, n)) if *k == key(o) => *n += 1,
                            _ => in_v.push((key(o), 1)),
                        }
                    }
                    for &(k, n) in &in_v {
                        parts.entry(k).or_default().push(n);
                        if day_len[&k] > max {
                            assert_eq!(
                                in_v.len(),
                                1,
                                "max {max}: a cut day fills its volumes alone"
                            );
                        }
                    }
                }
                for (k, p) in &parts {
                    if day_len[k] <= max {
                        assert_eq!(p.len(), 1, "max {max}: day {k:?} fits, kept whole");
                    } else {
                        let (lo, hi) = (p.iter().min().unwrap(), p.iter().max().unwrap());
                        assert!(hi - lo <= 1, "max {max}: day {k:?} cut evenly: {p:?}");
                    }
                }
            }
        }
    }
}
