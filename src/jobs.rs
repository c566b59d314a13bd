//! Temporary jobs (临时性特约服务) carried out as work orders.
//!
//! A temporary job is priced by its quote sheet (特约维修价格确认单) and
//! approved along the temporary-job chain; then "服务实施执行相关规定"
//! (四（三）5): the work is done on a 特约服务/维修单 like any other, settled
//! at once or billed with the month. Such an order names the job
//! (`job: BJ2026-0031`, or a 确认单号 column) instead of a catalogue item,
//! and its price is the approved quote's total, as one line of quantity 1:
//! the amount the chain signed, never priced again.
//!
//! [`JobBook`] holds the jobs an order may refer to, as the caller read them
//! (the CLI's `--jobs DIR`); [`job_item`] turns an order's job into the
//! priced line every document and policy already takes.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::approval::Status;
use crate::diagnostic::{Diagnostic, Place};
use crate::pricing::PricedItem;
use crate::quote::Quote;

/// A job as an order finds it: its quote, where its approval stands, and
/// what is wrong with it.
#[derive(Clone, Debug)]
pub struct JobEntry {
    /// The job file, as messages show it.
    pub file: String,
    pub quote: Quote,
    pub status: Status,
    /// The job's own errors (its approval, its policies, its dates): an
    /// order may not carry out a job that `feebook quote` refuses.
    pub refusals: Vec<String>,
}

impl JobEntry {
    /// The day the last signature that approved the job was given; none
    /// while it is not approved.
    pub fn approved_on(&self) -> Option<NaiveDate> {
        if !self.status.is_approved() {
            return None;
        }
        self.status
            .slots
            .iter()
            .filter_map(|s| s.signed.as_ref().map(|s| s.date))
            .max()
    }
}

/// The temporary jobs orders may carry out, by number (as
/// [`crate::order::number_key`] compares numbers).
#[derive(Clone, Debug, Default)]
pub struct JobBook {
    /// Where the jobs were read from (`--jobs DIR`); none when no folder
    /// was given, so an order naming a job says how to give one.
    pub folder: Option<String>,
    jobs: BTreeMap<String, Vec<JobEntry>>,
    /// Job files that did not read or price.
    pub unread: Vec<Unread>,
}

/// A job file that did not read or price, with the number it seems to
/// have (its top-level `number:` line), if any.
#[derive(Clone, Debug)]
pub struct Unread {
    pub file: String,
    pub number: Option<String>,
}

impl Unread {
    pub fn new(file: String, text: &str) -> Unread {
        let number = text.lines().find_map(|l| {
            let v = l.strip_prefix("number:")?;
            let v = v.split(" #").next().unwrap_or(v).trim();
            let v = v.trim_matches(|c| c == '"' || c == '\'');
            (!v.is_empty()).then(|| v.to_string())
        });
        Unread { file, number }
    }
}

impl JobBook {
    pub fn new(folder: impl Into<String>) -> JobBook {
        JobBook {
            folder: Some(folder.into()),
            ..JobBook::default()
        }
    }

    pub fn add(&mut self, entry: JobEntry) {
        self.jobs
            .entry(crate::order::number_key(&entry.quote.number))
            .or_default()
            .push(entry);
    }

    pub fn len(&self) -> usize {
        self.jobs.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    fn find(&self, number: &str) -> &[JobEntry] {
        self.jobs
            .get(&crate::order::number_key(number))
            .map_or(&[], Vec::as_slice)
    }
}

/// What an order of a job gives: the job's number, who it is for, and the
/// dates the job is checked against.
pub struct JobOrder<'a> {
    pub job: &'a str,
    pub customer: &'a str,
    pub address: &'a str,
    /// The day the order was registered (else its service date): the job
    /// must be approved, and its latest change confirmed, by then.
    pub registered: NaiveDate,
    pub service_date: NaiveDate,
    pub job_place: Option<Place>,
    pub customer_place: Option<Place>,
    pub address_place: Option<Place>,
}

/// The priced line of an order that carries out a temporary job: the
/// approved quote's total, tax included, as quantity 1 of 项. Every reason
/// to refuse it is returned, not only the first: a row is corrected once.
pub fn job_item(book: &JobBook, o: &JobOrder) -> Result<PricedItem, Vec<Diagnostic>> {
    let at = |d: Diagnostic, place: &Option<Place>, label: &str| match place {
        Some(p) => d.at_place(p.clone(), label),
        None => d,
    };
    let Some(folder) = &book.folder else {
        return Err(vec![
            at(
                Diagnostic::error(
                    "no-jobs",
                    format!(
                        "the order carries out temporary job {}, but no job files were given",
                        o.job
                    ),
                ),
                &o.job_place,
                "this job",
            )
            .hint("give the folder of job files with `--jobs DIR` (e.g. --jobs samples/jobs)"),
        ]);
    };
    let key = crate::order::number_key(o.job);
    // A file that does not read may be this job's current version: billing
    // the other one would bill a price that is no longer the job's.
    let unread: Vec<&str> = book
        .unread
        .iter()
        .filter(|u| u.number.as_deref().map(crate::order::number_key) == Some(key.clone()))
        .map(|u| u.file.as_str())
        .collect();
    let entry = match (book.find(o.job), unread.as_slice()) {
        ([one], []) => one,
        ([], []) => {
            let mut d = at(
                Diagnostic::error(
                    "unknown-job",
                    format!("no job file in {folder} has number {}", o.job),
                ),
                &o.job_place,
                "not found",
            );
            if !book.unread.is_empty() {
                let files: Vec<&str> = book.unread.iter().map(|u| u.file.as_str()).collect();
                d = d.hint(format!(
                    "{} job file(s) there do not read or price (`feebook quote FILE` shows why): {}",
                    files.len(),
                    files.join(", ")
                ));
            }
            return Err(vec![d.hint("check the number against the quote sheet (特约维修价格确认单), or the folder given with --jobs")]);
        }
        (found, unread) => {
            let files: Vec<&str> = found
                .iter()
                .map(|e| e.file.as_str())
                .chain(unread.iter().copied())
                .collect();
            let d = Diagnostic::error(
                "duplicate-job",
                format!(
                    "{} job files have number {}: {}",
                    files.len(),
                    o.job,
                    files.join(", ")
                ),
            );
            let d = if unread.is_empty() {
                d
            } else {
                d.hint(format!(
                    "{} does not read or price (`feebook quote FILE` shows why)",
                    unread.join(", ")
                ))
            };
            return Err(vec![
                at(d, &o.job_place, "which one?")
                    .hint("a job number is given once: renumber or remove the copy"),
            ]);
        }
    };
    let q = &entry.quote;
    let number = crate::order::number_key(&q.number);
    let mut problems = Vec::new();
    if let Some(first) = entry.refusals.first() {
        problems.push(
            at(
                Diagnostic::error(
                    "job-refused",
                    format!(
                        "job {number} does not pass its checks: {first}{}",
                        match entry.refusals.len() {
                            1 => String::new(),
                            n => format!(" (and {} more)", n - 1),
                        }
                    ),
                ),
                &o.job_place,
                "this job",
            )
            .hint(format!(
                "run `feebook quote {}` to see them and correct the job",
                entry.file
            )),
        );
    }
    let confirmed = q
        .revisions
        .last()
        .map(|r| r.confirmed.as_ref().map(|c| c.date));
    match confirmed {
        Some(None) => problems.push(
            at(
                Diagnostic::error(
                    "job-not-confirmed",
                    format!("the customer has not confirmed the latest revision of job {number}"),
                ),
                &o.job_place,
                "this job",
            )
            .hint("when scope or price changes the customer agrees again (四（二）5): record `confirmed:` on the revision"),
        ),
        Some(Some(day)) if day > o.registered => problems.push(
            at(
                Diagnostic::error(
                    "job-not-confirmed",
                    format!(
                        "the customer confirmed the latest revision of job {number} on {day}, after the order was registered ({})",
                        o.registered
                    ),
                ),
                &o.job_place,
                "confirmed later",
            )
            .hint("the order is filled in once the customer agrees the price (四（二）5): check the order's date and the confirmation's"),
        ),
        _ => {}
    }
    match entry.approved_on() {
        None => {
            let mut d = at(
                Diagnostic::error(
                    "job-not-approved",
                    format!("job {number} is not approved: {}", entry.status.describe()),
                ),
                &o.job_place,
                "not approved",
            );
            // Why signatures given do not count (signed for another
            // amount), as `status` says it.
            for note in &entry.status.notes {
                d = d.hint(note.clone());
            }
            problems.push(match entry.status.state {
                crate::approval::State::Rejected { .. } => d.hint(format!(
                    "a rejected job is revised (a revision the customer confirms) and signed again: see `feebook status {}`",
                    entry.file
                )),
                _ => d.hint(format!(
                    "a temporary job is carried out at the price the branch manager approved (四（三）4): complete its chain first (`feebook status {}`, `feebook approve`)",
                    entry.file
                )),
            });
        }
        Some(day) if day > o.registered => problems.push(
            at(
                Diagnostic::error(
                    "job-not-approved",
                    format!(
                        "job {number} was approved on {day}, after the order was registered ({})",
                        o.registered
                    ),
                ),
                &o.job_place,
                "approved later",
            )
            .hint("the order is filled in once the price is approved and the customer agrees: check the order's date"),
        ),
        Some(_) => {}
    }
    // The job's customer is who agreed the price and who is billed; the
    // same party as billing groups customers (spaces, full-width forms and
    // a contact in brackets do not count).
    if !crate::batch::same_party(o.customer, &q.customer.name) {
        problems.push(
            at(
                Diagnostic::error(
                    "job-customer",
                    format!(
                        "the order is for {}, but job {number} is for {}",
                        o.customer, q.customer.name
                    ),
                ),
                &o.customer_place,
                "another customer",
            )
            .hint(format!(
                "bill the customer who agreed the quote: write `{}`, or check the job number",
                q.customer.name
            )),
        );
    }
    if crate::batch::party_key(o.address) != crate::batch::party_key(&q.address) {
        problems.push(
            at(
                Diagnostic::error(
                    "job-address",
                    format!(
                        "the order is for {}, but job {number} is for {}",
                        o.address, q.address
                    ),
                ),
                &o.address_place,
                "another address",
            )
            .hint(format!(
                "a customer is billed at the address the job was quoted for: write `{}`, or check the job number",
                q.address
            )),
        );
    }
    if o.service_date < q.date {
        problems.push(
            at(
                Diagnostic::error(
                    "date-order",
                    format!(
                        "the order is served on {}, before job {number} was drawn up ({})",
                        o.service_date, q.date
                    ),
                ),
                &o.job_place,
                "drawn up later",
            )
            .hint("check the service date and the job number"),
        );
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(PricedItem {
        item: number.clone(),
        name: format!("{}（确认单 {number}）", q.description.trim()),
        unit: "项".to_string(),
        department: q.responsible_department.id.clone(),
        department_name: q.responsible_department.name.clone(),
        catalog_version: String::new(),
        date: o.service_date,
        quantity: Decimal::ONE,
        unit_price: Some(q.total),
        extended: q.total,
        minimum_charge: None,
        minimum_applied: false,
        total: q.total,
        net: q.net,
        tax: q.tax,
        tax_id: q.tax_id.clone(),
        tax_name: q.tax_name.clone(),
        tax_rate: q.tax_rate,
        tax_inclusive: true,
        formula: None,
    })
}

/// The orders of a set (a month's files) that carry out jobs, so that a job
/// is carried out by one order: two orders of one job bill its total twice.
#[derive(Default)]
pub struct JobOrders {
    /// Job number (as compared) → the first order's number and place.
    seen: BTreeMap<String, (String, Option<Place>)>,
}

impl JobOrders {
    /// Takes an order; Err when an earlier order carries out its job.
    pub fn take(
        &mut self,
        order: &crate::order::PricedOrder,
        job_place: Option<Place>,
    ) -> Result<(), Diagnostic> {
        let Some(job) = &order.job else {
            return Ok(());
        };
        let key = crate::order::number_key(job);
        if let Some((first, first_place)) = self.seen.get(&key) {
            let mut d = Diagnostic::error(
                "job-ordered-twice",
                format!(
                    "order {} carries out job {job}, which order {first} carries out already",
                    order.number
                ),
            );
            if let Some(p) = job_place {
                d = d.at_place(p, "again here");
            }
            if let Some(p) = first_place {
                d.secondary.push(crate::diagnostic::Label {
                    place: p.clone(),
                    text: "first here".into(),
                });
            }
            return Err(d.hint(
                "a temporary job is priced and billed once, at its approved total: keep one order of it; a further piece of work is a new job with its own quote",
            ));
        }
        self.seen.insert(key, (order.number.clone(), job_place));
        Ok(())
    }
}
