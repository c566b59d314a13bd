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
    /// Job files that did not read, for the message of a number not found.
    pub unread: Vec<String>,
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
    /// The day the order was registered (else its service date): the job
    /// must be approved by then.
    pub registered: NaiveDate,
    pub service_date: NaiveDate,
    pub job_place: Option<Place>,
    pub customer_place: Option<Place>,
}

/// The priced line of an order that carries out a temporary job: the
/// approved quote's total, tax included, as quantity 1 of 项.
pub fn job_item(book: &JobBook, o: &JobOrder) -> Result<PricedItem, Diagnostic> {
    let at = |d: Diagnostic, place: &Option<Place>, label: &str| match place {
        Some(p) => d.at_place(p.clone(), label),
        None => d,
    };
    let Some(folder) = &book.folder else {
        return Err(at(
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
        .hint("give the folder of job files with `--jobs DIR` (e.g. --jobs samples/jobs)"));
    };
    let entry = match book.find(o.job) {
        [] => {
            let mut d = at(
                Diagnostic::error(
                    "unknown-job",
                    format!("no job file in {folder} has number {}", o.job),
                ),
                &o.job_place,
                "not found",
            );
            if !book.unread.is_empty() {
                d = d.hint(format!(
                    "{} job file(s) there do not read or price (`feebook quote FILE` shows why): {}",
                    book.unread.len(),
                    book.unread.join(", ")
                ));
            }
            return Err(d.hint("check the number against the quote sheet (特约维修价格确认单), or the folder given with --jobs"));
        }
        [one] => one,
        many => {
            let files: Vec<&str> = many.iter().map(|e| e.file.as_str()).collect();
            return Err(at(
                Diagnostic::error(
                    "duplicate-job",
                    format!(
                        "{} job files have number {}: {}",
                        many.len(),
                        o.job,
                        files.join(", ")
                    ),
                ),
                &o.job_place,
                "which one?",
            )
            .hint("a job number is given once: renumber or remove the copy"));
        }
    };
    let q = &entry.quote;
    if let Some(first) = entry.refusals.first() {
        return Err(at(
            Diagnostic::error(
                "job-refused",
                format!(
                    "job {} does not pass its checks: {first}{}",
                    q.number,
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
        )));
    }
    if q.awaiting_confirmation {
        return Err(at(
            Diagnostic::error(
                "job-not-confirmed",
                format!(
                    "the customer has not confirmed the latest revision of job {}",
                    q.number
                ),
            ),
            &o.job_place,
            "this job",
        )
        .hint("when scope or price changes the customer agrees again (四（二）5): record `confirmed:` on the revision"));
    }
    match entry.approved_on() {
        None => {
            return Err(at(
                Diagnostic::error(
                    "job-not-approved",
                    format!(
                        "job {} is not approved: {}",
                        q.number,
                        entry.status.describe()
                    ),
                ),
                &o.job_place,
                "not approved",
            )
            .hint("a temporary job is carried out at the price the branch manager approved (四（三）4): complete its chain first (feebook approve)"));
        }
        Some(day) if day > o.registered => {
            return Err(at(
                Diagnostic::error(
                    "job-not-approved",
                    format!(
                        "job {} was approved on {day}, after the order was registered ({})",
                        q.number, o.registered
                    ),
                ),
                &o.job_place,
                "approved later",
            )
            .hint("the order is filled in once the price is approved and the customer agrees: check the order's date"));
        }
        Some(_) => {}
    }
    if o.customer.trim() != q.customer.name.trim() {
        return Err(at(
            Diagnostic::error(
                "job-customer",
                format!(
                    "the order is for {}, but job {} is for {}",
                    o.customer, q.number, q.customer.name
                ),
            ),
            &o.customer_place,
            "another customer",
        )
        .hint(format!(
            "bill the customer who agreed the quote: write `{}`, or check the job number",
            q.customer.name
        )));
    }
    if o.service_date < q.date {
        return Err(at(
            Diagnostic::error(
                "date-order",
                format!(
                    "the order is served on {}, before job {} was drawn up ({})",
                    o.service_date, q.number, q.date
                ),
            ),
            &o.job_place,
            "drawn up later",
        )
        .hint("check the service date and the job number"));
    }
    Ok(PricedItem {
        item: q.number.clone(),
        name: format!("{}（确认单 {}）", q.description.trim(), q.number),
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
