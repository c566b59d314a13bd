//! `feebook police FILE...`: check records (work orders, payments, quotes)
//! against the policies without rendering anything.

use std::path::{Path, PathBuf};

use feebook::diagnostic::{self, Diagnostic};
use feebook::payment::{self, Payment};
use feebook::policy;
use feebook::records::RecordKind;
use feebook::source::SourceFile;

use super::common::{load_rules, read_input};
use super::documents::{check_job, read_orders_all};
use super::render::DEFAULT_JOURNAL;
use super::{OK, PROBLEMS, RulesArgs, USAGE};

pub fn run(
    rules_args: &RulesArgs,
    jobs_args: &super::JobsArgs,
    files: &[PathBuf],
    encoding: Option<feebook::tabular::Encoding>,
    journal: Option<&Path>,
) -> u8 {
    #[allow(clippy::type_complexity)]
    let run = || -> Result<
        (usize, Vec<Diagnostic>, Vec<Diagnostic>, feebook::source::Sources, Option<String>),
        u8,
    > {
        super::common::refuse_repeated(files, false)?;
        let (rules, mut sources) = load_rules(rules_args)?;
        let jobs = super::documents::load_jobs(&rules, jobs_args.jobs.as_deref())?;
        // Opened for the first payment only: orders and jobs do not need it.
        let mut opened: Option<Option<feebook::journal::Journal>> = None;
        // What the payments checked so far pay, and where: `receipt` would
        // refuse the second payment of a notice or work order.
        let mut paid: std::collections::HashMap<String, feebook::source::Loc> =
            std::collections::HashMap::new();
        let mut results = Vec::new();
        let mut shown: Vec<Diagnostic> = Vec::new();
        let mut records = 0;
        // The years the orders' working days are counted in: one warning
        // for those the calendar has no holidays of.
        let mut years: Vec<i32> = Vec::new();
        for f in files {
            let ext = f
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            let text = if ext == "yaml" || ext == "yml" {
                Some(read_input(f, "file")?)
            } else {
                None
            };
            let kind = text.as_deref().map(yaml_kind);
            if let Some(Held::Payments { list }) = kind {
                #[derive(serde::Deserialize)]
                #[serde(deny_unknown_fields)]
                struct List {
                    payments: Vec<Payment>,
                }
                let id = sources.add(SourceFile::new(
                    f.display().to_string(),
                    text.clone().unwrap_or_default(),
                ));
                let payments = if list {
                    feebook::yaml::parse_all::<List>(&sources, id, "payments file")
                        .map(|l| l.payments)
                } else {
                    feebook::yaml::parse::<Payment>(&sources, id, "payment")
                        .map(|p| vec![p])
                        .map_err(|d| vec![d])
                };
                match payments {
                    Err(d) => results.extend(d),
                    Ok(mut ps) => {
                        ps.iter_mut().for_each(Payment::normalize_numbers);
                        for p in &ps {
                            records += 1;
                            let problems = payment::check(&rules, p);
                            let wrong = problems.iter().any(Diagnostic::is_error);
                            results.extend(problems);
                            if wrong {
                                continue;
                            }
                            if opened.is_none() {
                                opened = Some(open_journal(journal)?);
                            }
                            if let Some(Some(j)) = &opened {
                                let problems = payment::check_with_journal(p, j).map_err(|e| {
                                    eprintln!("error: {e}");
                                    USAGE
                                })?;
                                results.extend(problems);
                            }
                            if let Some((key, loc, first)) = payment::pays(p)
                                .find_map(|(k, loc)| paid.get(k).map(|first| (k, loc, *first)))
                            {
                                results.push(
                                    Diagnostic::error(
                                        "paid-twice",
                                        format!("`{key}` is paid by two of the payments checked"),
                                    )
                                    .at(loc, "paid again here")
                                    .also(first, "paid here first")
                                    .hint("a billing notice or work order is paid once: remove one of the two payments"),
                                );
                            }
                            for (k, loc) in payment::pays(p) {
                                paid.entry(k.to_string()).or_insert(loc);
                            }
                            let label =
                                format!("payment from {} on {}", p.payer.value, p.date.value);
                            results.extend(policy::check(
                                &rules,
                                RecordKind::Payment,
                                &policy::payment_record(p),
                                &label,
                                &|field| payment::field_place(p, field),
                            ));
                        }
                    }
                }
            } else if kind == Some(Held::Job) {
                records += 1;
                match check_job(rules_args, f) {
                    Ok(c) => {
                        // The job was read into its own sources: render now.
                        let mut r = c.approval_problems;
                        r.extend(c.policy);
                        if !r.is_empty() {
                            eprint!("{}", diagnostic::render_all(&r, &c.sources));
                        }
                        // Counted in the verdict, already shown.
                        shown.extend(r);
                    }
                    Err(_) => results.push(Diagnostic::error(
                        "input",
                        format!("{} could not be checked", f.display()),
                    )),
                }
            } else {
                // Rows that do not read are reported, and the policies
                // checked on the others: one round of corrections, not two.
                let (orders, problems) = read_orders_all(
                    &rules,
                    &jobs,
                    &mut sources,
                    std::slice::from_ref(f),
                    None.or(encoding),
                );
                results.extend(problems);
                for (input, o) in &orders {
                    records += 1;
                    years.extend(o.calendar_years());
                    let label = format!("work order {}", o.number);
                    results.extend(policy::check(
                        &rules,
                        RecordKind::Order,
                        &policy::order_record(o),
                        &label,
                        &|field| input.place(field),
                    ));
                }
            }
        }
        if let Some(w) = feebook::calendar::missing_years_warning(&rules.calendar, years) {
            results.push(w);
        }
        // Said in the verdict, so that nobody takes a payment for checked
        // against a journal that was not there.
        let against = opened
            .flatten()
            .map(|j| j.path().display().to_string());
        Ok((records, results, shown, sources, against))
    };
    match run() {
        Err(code) => code,
        Ok((records, results, shown, sources, against)) => {
            eprint!("{}", diagnostic::render_all(&results, &sources));
            let mut all = results;
            all.extend(shown);
            let errors = all.iter().filter(|d| d.is_error()).count();
            super::out(&format!(
                "checked {records} record{}{}: {}\n",
                if records == 1 { "" } else { "s" },
                against
                    .map(|p| format!(" (payments also against the journal {p})"))
                    .unwrap_or_default(),
                if all.is_empty() {
                    "no problems".into()
                } else {
                    diagnostic::summary(&all)
                }
            ));
            if errors > 0 { PROBLEMS } else { OK }
        }
    }
}

/// The journal payments are checked against: the one named, which must
/// exist, or the default one when it exists.
fn open_journal(named: Option<&Path>) -> Result<Option<feebook::journal::Journal>, u8> {
    match named {
        Some(path) => open_existing(path).map(Some),
        None => {
            let default = Path::new(DEFAULT_JOURNAL);
            if default.exists() {
                open_existing(default).map(Some)
            } else {
                Ok(None)
            }
        }
    }
}

fn open_existing(path: &Path) -> Result<feebook::journal::Journal, u8> {
    let j = feebook::journal::Journal::open_existing(path).map_err(|e| {
        eprintln!("error: {e}");
        USAGE
    })?;
    super::render::protect(path);
    Ok(j)
}

/// What a YAML file given to `police` holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Held {
    /// One payment, or a list under `payments:`.
    Payments {
        list: bool,
    },
    Job,
    Orders,
}

/// Tells a payment, a job and work orders apart by their top-level keys,
/// however the file is written (block or flow style, a BOM, comments
/// first), so that a payment is checked against the payment policies even
/// when it lacks a key; a file that does not parse is read as orders, whose
/// reader reports where.
fn yaml_kind(text: &str) -> Held {
    const PAYMENT: &[&str] = &[
        "payer",
        "payments",
        "items",
        "received_by",
        "channel",
        "billing_notice",
        "cashier",
    ];
    const JOB: &[&str] = &[
        "labour",
        "materials",
        "description",
        "responsible_department",
        "involved_departments",
        "signoffs",
        "revisions",
    ];
    let keys = top_keys(text);
    let has = |names: &[&str]| keys.iter().any(|k| names.contains(&k.as_str()));
    if has(PAYMENT) {
        Held::Payments {
            list: has(&["payments"]),
        }
    } else if has(JOB) {
        Held::Job
    } else {
        Held::Orders
    }
}

/// The top-level keys of a YAML mapping; none when it does not parse.
fn top_keys(text: &str) -> Vec<String> {
    serde_saphyr::from_str::<std::collections::BTreeMap<String, serde::de::IgnoredAny>>(
        text.trim_start_matches('\u{feff}'),
    )
    .map(|m| m.into_keys().collect())
    .unwrap_or_default()
}

/// What a file given as a job file holds instead, when its keys say it is
/// another document: one message pointing at the right command instead of
/// a dozen unknown fields.
pub fn not_a_job(text: &str) -> Option<&'static str> {
    match yaml_kind(text) {
        Held::Job => None,
        Held::Payments { .. } => {
            Some("a payment, not a job file: issue its receipt with `feebook receipt`")
        }
        Held::Orders => {
            let keys = top_keys(text);
            keys.iter()
                .any(|k| ["item", "orders", "settlement", "service_date"].contains(&k.as_str()))
                .then_some(
                    "a work order, not a job file: issue it with `feebook order`, bill it with `feebook bill`",
                )
        }
    }
}
