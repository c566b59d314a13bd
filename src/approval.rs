//! Approval chains: who must sign, in which order, and where a record is.
//!
//! A chain's steps expand into *slots*: a step applies when its `when`
//! condition holds (escalation), and a step with `each` becomes one slot per
//! department. Sign-offs fill slots in order: every slot of a step must be
//! signed before a slot of a later step may be; a rejection ends the chain.
//! A sign-off that fits no open slot is out of turn.

use chrono::NaiveDate;
use serde::Serialize;

use crate::diagnostic::Diagnostic;
use crate::expr::{self, Value};
use crate::records::RecordKind;
use crate::rules::model::{Decision, Signoff, StepScope};
use crate::rules::{CompiledChain, Rules};
use crate::source::Sp;

/// One signature a chain requires.
#[derive(Clone, Debug, Serialize)]
pub struct Slot {
    /// Index of the chain step.
    pub step: usize,
    pub step_id: String,
    pub role: String,
    pub role_title: String,
    pub action: String,
    /// For per-department steps: the department (id, name).
    pub department: Option<String>,
    pub department_name: Option<String>,
    /// The sign-off that filled the slot.
    pub signed: Option<SignedBy>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SignedBy {
    pub name: String,
    pub date: NaiveDate,
    pub decision: Decision,
    pub comment: Option<String>,
}

/// Where a record stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum State {
    /// Nobody has signed yet.
    Draft,
    /// Signed up to a point; `waiting` lists who must act next.
    Pending { step: usize, waiting: Vec<String> },
    /// Every required slot is signed.
    Approved,
    /// Someone rejected it; the chain ended there.
    Rejected { by: String, role: String },
}

#[derive(Clone, Debug, Serialize)]
pub struct Status {
    pub chain: String,
    pub title: String,
    pub state: State,
    pub slots: Vec<Slot>,
    /// Steps left out because their `when` does not hold (e.g. the
    /// company leader below 5,000 yuan), by the title of their role.
    pub skipped: Vec<String>,
    /// What else whoever reads the status should know: sign-offs that no
    /// longer count because the price changed after them, steps required
    /// because their condition could not be decided.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Status {
    pub fn is_approved(&self) -> bool {
        self.state == State::Approved
    }

    /// Approved by the end of `date`: every signature that approved it is
    /// dated that day or before (a list approved on 12-01 was not approved
    /// for a notice or an order of 06-01).
    pub fn approved_on(&self, date: NaiveDate) -> bool {
        self.is_approved()
            && self
                .slots
                .iter()
                .filter_map(|s| s.signed.as_ref())
                .all(|s| s.date <= date)
    }

    /// 已批准 / 待审批 / 已驳回 / 草稿 with who is next.
    pub fn describe(&self) -> String {
        match &self.state {
            State::Draft => format!("草稿：待 {} 签字", self.next_names().join("、")),
            State::Pending { waiting, .. } => format!("待审批：待 {} 签字", waiting.join("、")),
            State::Approved => "已批准".to_string(),
            State::Rejected { by, role } => format!("已驳回（{role} {by}）"),
        }
    }

    fn next_names(&self) -> Vec<String> {
        let Some(first_open) = self.slots.iter().find(|s| s.signed.is_none()) else {
            return Vec::new();
        };
        self.slots
            .iter()
            .filter(|s| s.step == first_open.step && s.signed.is_none())
            .map(slot_label)
            .collect()
    }
}

/// A role as it signs: 部门负责人（工程部）, or 公司领导.
fn signer_label(rules: &Rules, role: &str, department: Option<&str>) -> String {
    match department {
        Some(d) => format!("{}（{}）", rules.role_title(role), rules.department_name(d)),
        None => rules.role_title(role).to_string(),
    }
}

fn slot_label(s: &Slot) -> String {
    match &s.department_name {
        Some(d) => format!("{}（{d}）", s.role_title),
        None => s.role_title.clone(),
    }
}

/// What a chain is evaluated over.
pub struct Subject<'a> {
    pub kind: RecordKind,
    /// Values of the record kind's fields, in `RecordKind::fields` order,
    /// for `when` conditions.
    pub record: &'a [Value],
    /// Involved departments (id), in order.
    pub involved: &'a [String],
    /// The responsible department (id), for quotes.
    pub responsible: Option<&'a str>,
    /// For quotes: the price as it stands and the day it last changed (the
    /// latest revision). A sign-off for another amount, or given before
    /// that day without an amount, is for an earlier price.
    pub price: Option<(crate::money::Money, Option<NaiveDate>)>,
    /// The day the record was drawn up (a job's date): nothing is signed
    /// before it.
    pub drawn_up: Option<NaiveDate>,
}

/// Expands the chain for the subject and places the sign-offs. Problems
/// (out of turn, unknown role, dates going backwards, signing after a
/// rejection) are returned with the place of the sign-off at fault.
pub fn evaluate(
    rules: &Rules,
    chain: &CompiledChain,
    subject: &Subject,
    signoffs: &[Sp<Signoff>],
) -> (Status, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    let calendar: &dyn expr::Calendar = &rules.calendar;
    let env = expr::Env {
        vars: subject.record,
        tables: &[],
        calendar: Some(calendar),
    };
    let mut slots = Vec::new();
    let mut skipped = Vec::new();
    let mut notes = Vec::new();
    for (i, step) in chain.steps.iter().enumerate() {
        if let Some(cond) = &step.when {
            match cond.eval(&env) {
                Ok(Value::Bool(true)) => {}
                Ok(Value::Bool(false)) => {
                    skipped.push(rules.role_title(&step.role).to_string());
                    continue;
                }
                // A condition that cannot be decided (a margin with no
                // cost to measure it by) is no reason to leave out a
                // signature: the step is required.
                Ok(_) => notes.push(format!(
                    "{}：条件无法判定（缺少所需数据），按需要签字处理",
                    rules.role_title(&step.role)
                )),
                Err(e) => {
                    problems.push(Diagnostic::error(
                        "evaluation",
                        format!(
                            "condition of step `{}` of chain `{}`: {}",
                            step.id, chain.id, e.message
                        ),
                    ));
                    continue;
                }
            }
        }
        let departments: Vec<Option<&str>> = match step.each {
            None => vec![None],
            Some(StepScope::InvolvedDepartment) => {
                subject.involved.iter().map(|d| Some(d.as_str())).collect()
            }
            Some(StepScope::ResponsibleDepartment) => vec![subject.responsible],
        };
        for d in departments {
            slots.push(Slot {
                step: i,
                step_id: step.id.clone(),
                role: step.role.clone(),
                role_title: rules.role_title(&step.role).to_string(),
                action: step.action.clone(),
                department: d.map(str::to_string),
                department_name: d.map(|d| rules.department_name(d).to_string()),
                signed: None,
            });
        }
    }

    let mut rejected: Option<(String, String)> = None;
    let mut unsure = false;
    // The step, date and place of each sign-off that counts.
    let mut dated: Vec<(usize, NaiveDate, crate::source::Loc)> = Vec::new();
    // Who signed as what: one person signs at one level, for one department.
    let mut signers: Vec<(&str, &str, Option<&str>, crate::source::Loc)> = Vec::new();
    // Sign-offs for an earlier price (role, department, date, place): the
    // one that replaces one of them is not dated before it.
    let mut replaced: Vec<(&str, Option<&str>, NaiveDate, crate::source::Loc)> = Vec::new();
    for s in signoffs {
        let so = &s.value;
        if let Some((total, changed)) = subject.price {
            // The price as it stands did not exist before its revision: a
            // sign-off of it dated earlier has its date wrong, and does
            // not count as the approval of an earlier price either.
            if let (Some(a), Some(day)) = (&so.amount, changed)
                && a.value == total
                && so.date.value < day
            {
                problems.push(
                    Diagnostic::error(
                        "date-order",
                        format!(
                            "sign-off dated {} signs {}, the price of the revision of {day}",
                            so.date.value,
                            total.yuan()
                        ),
                    )
                    .at(so.date.loc, "before the price it signs")
                    .hint("a price is signed after it is drawn up: check the date"),
                );
                continue;
            }
            let stale = match (&so.amount, changed) {
                (Some(a), _) if a.value != total => Some(format!(
                    "{} {} {} 所签金额 {} 与现合计 {} 不符，不计入（价格变更后须重新签字）",
                    rules.role_title(&so.role.value),
                    so.name,
                    so.date.value,
                    a.value.yuan(),
                    total.yuan()
                )),
                (None, Some(day)) if so.date.value < day => Some(format!(
                    "{} {} 签于 {}，早于 {day} 的修订，不计入（价格变更后须重新签字）",
                    rules.role_title(&so.role.value),
                    so.name,
                    so.date.value
                )),
                _ => None,
            };
            if let Some(note) = stale {
                notes.push(note);
                replaced.push((
                    &so.role.value,
                    so.department.as_ref().map(|d| d.value.as_str()),
                    so.date.value,
                    so.date.loc,
                ));
                continue;
            }
        }
        if let Some((by, _)) = &rejected {
            problems.push(
                Diagnostic::error("signed-after-rejection", format!("{} signed after {by} rejected", so.name))
                    .at(s.loc, "after the rejection")
                    .hint("a rejection ends the chain: revise the record and start a new round of sign-offs"),
            );
            continue;
        }
        if !rules.roles.contains(&so.role.value) {
            problems.push(
                Diagnostic::error(
                    "unknown-reference",
                    format!("unknown role `{}`", so.role.value),
                )
                .at(so.role.loc, "no role with this id")
                .hint_opt(crate::diagnostic::did_you_mean(
                    &so.role.value,
                    rules.roles.keys(),
                )),
            );
            unsure = true;
            continue;
        }
        if let Some(d) = &so.department
            && !rules.departments.contains(&d.value)
        {
            problems.push(
                Diagnostic::error(
                    "unknown-reference",
                    format!("unknown department `{}`", d.value),
                )
                .at(d.loc, "no department with this id")
                .hint_opt(crate::diagnostic::did_you_mean(
                    &d.value,
                    rules.departments.keys(),
                ))
                .hint(format!(
                    "departments: {}",
                    rules.departments.keys().collect::<Vec<_>>().join(", ")
                )),
            );
            unsure = true;
            continue;
        }
        // After a sign-off whose role or department is unknown, which step
        // it meant is a guess: every later one would be reported out of
        // turn. Say the first mistake; the order is checked once it is
        // fixed.
        if unsure {
            continue;
        }
        let dept_of = so.department.as_ref().map(|d| d.value.as_str());
        if let Some((_, role, dept, loc)) = signers.iter().find(|(n, role, dept, _)| {
            *n == so.name.trim() && (*role != so.role.value || *dept != dept_of)
        }) {
            let was = signer_label(rules, role, *dept);
            let now = signer_label(rules, &so.role.value, dept_of);
            problems.push(
                Diagnostic::error(
                    "one-person-two-levels",
                    format!("{} signed as {was} and again as {now}", so.name),
                )
                .at(s.loc, "a second level by the same person")
                .also(*loc, "first signed here")
                .hint("each level of the chain is signed by a different person, so that one checks the other: the signature is someone else's to give"),
            );
            continue;
        }
        // One role of one department is one person in a chain: the
        // engineering head who budgets is the one who aggregates. Another
        // name there is someone signing for a role that is not theirs (or
        // a typing mistake in the name), and the chain would pass on it.
        if let Some((first, _, _, loc)) = signers.iter().find(|(n, role, dept, _)| {
            *n != so.name.trim() && *role == so.role.value && *dept == dept_of
        }) {
            let label = signer_label(rules, &so.role.value, dept_of);
            problems.push(
                Diagnostic::error(
                    "two-signers-one-role",
                    format!("{} signed as {label}, which {first} signed as before", so.name),
                )
                .at(s.loc, "a second person in the same role")
                .also(*loc, "first signed here")
                .hint("one person holds a role in a department: check the name, or whether the role or department is the one meant"),
            );
            continue;
        }
        signers.push((so.name.trim(), &so.role.value, dept_of, s.loc));
        let Some(open) = slots.iter().position(|sl| sl.signed.is_none()) else {
            problems.push(
                Diagnostic::error(
                    "out-of-turn",
                    format!(
                        "{} ({}) signed, but the chain was already complete",
                        so.name,
                        rules.role_title(&so.role.value)
                    ),
                )
                .at(s.loc, "no signature is needed here")
                .hint("remove this sign-off"),
            );
            continue;
        };
        let current_step = slots[open].step;
        let dept = so.department.as_ref().map(|d| d.value.as_str());
        let fits = |sl: &Slot| {
            sl.role == so.role.value
                && (sl.department.is_none() || sl.department.as_deref() == dept)
        };
        if let Some(k) = slots
            .iter()
            .position(|sl| sl.step == current_step && sl.signed.is_none() && fits(sl))
        {
            // A step signs after the steps before it, not before the
            // sign-offs of its own step: the heads who budget each sign on
            // their own day, and their sheets come back in any order.
            if let Some((prev, prev_loc)) = dated
                .iter()
                .filter(|(step, _, _)| *step < current_step)
                .map(|(_, d, l)| (*d, *l))
                .max_by_key(|(d, _)| *d)
                && so.date.value < prev
            {
                problems.push(
                    Diagnostic::error(
                        "date-order",
                        format!(
                            "sign-off dated {} is before a sign-off of the step before ({prev})",
                            so.date.value
                        ),
                    )
                    .at(so.date.loc, "earlier than the step before")
                    .also(prev_loc, "signed later, at the step before")
                    .hint("a step is signed after the steps before it; check the date"),
                );
            } else if let Some((_, _, was, was_loc)) = replaced
                .iter()
                .filter(|(role, d, _, _)| *role == so.role.value && *d == dept)
                .max_by_key(|(_, _, d, _)| *d)
                && so.date.value < *was
            {
                problems.push(
                    Diagnostic::error(
                        "date-order",
                        format!(
                            "sign-off dated {} is before the sign-off it replaces ({was})",
                            so.date.value
                        ),
                    )
                    .at(so.date.loc, "earlier than the sign-off it replaces")
                    .also(*was_loc, "the earlier price, signed here")
                    .hint("a new price is signed after the old one was: check the date"),
                );
            } else if let Some(day) = subject.drawn_up
                && so.date.value < day
            {
                problems.push(
                    Diagnostic::error(
                        "date-order",
                        format!(
                            "sign-off dated {} is before the record it signs ({day})",
                            so.date.value
                        ),
                    )
                    .at(so.date.loc, "before the record was drawn up")
                    .hint("nothing is signed before it is drawn up; check the date"),
                );
            }
            dated.push((current_step, so.date.value, so.date.loc));
            slots[k].signed = Some(SignedBy {
                name: so.name.clone(),
                date: so.date.value,
                decision: so.decision,
                comment: so.comment.clone(),
            });
            if so.decision == Decision::Reject {
                rejected = Some((
                    so.name.clone(),
                    rules.role_title(&so.role.value).to_string(),
                ));
            }
            continue;
        }
        let waiting: Vec<String> = slots
            .iter()
            .filter(|sl| sl.step == current_step && sl.signed.is_none())
            .map(slot_label)
            .collect();
        let later = slots
            .iter()
            .any(|sl| sl.step > current_step && sl.signed.is_none() && fits(sl));
        let who = signer_label(rules, &so.role.value, dept);
        let d = if later {
            Diagnostic::error(
                "out-of-turn",
                format!(
                    "{} signed as {who} before {} did",
                    so.name,
                    waiting.join("、")
                ),
            )
            .at(s.loc, "out of turn")
            .hint(format!(
                "the chain `{}` needs {} first",
                chain.id,
                waiting.join("、")
            ))
        } else if so.role.value == "dept_head"
            && dept.is_none()
            && slots
                .iter()
                .any(|sl| sl.role == so.role.value && sl.department.is_some())
        {
            Diagnostic::error(
                "missing-department",
                format!(
                    "{} signed as {who} without saying for which department",
                    so.name
                ),
            )
            .at(s.loc, "which department?")
            .hint("add `department: <id>` to the sign-off")
        } else if let Some(by) = slots
            .iter()
            .filter(|sl| sl.step <= current_step && fits(sl))
            .find_map(|sl| sl.signed.as_ref())
        {
            Diagnostic::error(
                "already-signed",
                format!(
                    "{who} already signed this job ({}, {}); {} signs again",
                    by.name, by.date, so.name
                ),
            )
            .at(s.loc, "signed twice")
            .hint(format!(
                "a step is signed once; next: {}",
                waiting.join("、")
            ))
        } else {
            Diagnostic::error(
                "not-in-chain",
                format!("the chain `{}` has no signature for {who} here", chain.id),
            )
            .at(s.loc, "no such step")
            .hint(format!("next: {}", waiting.join("、")))
        };
        problems.push(d);
    }

    let state = if let Some((by, role)) = rejected {
        State::Rejected { by, role }
    } else if slots.iter().all(|s| s.signed.is_some()) {
        State::Approved
    } else if slots.iter().all(|s| s.signed.is_none()) {
        State::Draft
    } else {
        let first = slots
            .iter()
            .find(|s| s.signed.is_none())
            .map_or(0, |s| s.step);
        State::Pending {
            step: first,
            waiting: slots
                .iter()
                .filter(|s| s.step == first && s.signed.is_none())
                .map(slot_label)
                .collect(),
        }
    };
    let status = Status {
        chain: chain.id.clone(),
        title: chain.title.clone(),
        state,
        slots,
        skipped,
        notes,
    };
    (status, problems)
}

/// The catalogue's approval status as it stood at the end of `date`: the
/// sign-offs given by then.
pub fn catalog_status_on(
    rules: &Rules,
    catalog: &crate::rules::model::Catalog,
    date: NaiveDate,
) -> Status {
    let mut then = catalog.clone();
    then.approval
        .value
        .signoffs
        .retain(|s| s.value.date.value <= date);
    catalog_status(rules, &then).0
}

/// The catalogue's approval status: departments with items are involved.
pub fn catalog_status(
    rules: &Rules,
    catalog: &crate::rules::model::Catalog,
) -> (Status, Vec<Diagnostic>) {
    // A chain of another kind is the rule file's mistake (`wrong-chain`):
    // its steps are not the catalogue's, and holding the sign-offs up to
    // them would add an error for each.
    let chain = rules
        .chain(&catalog.approval.value.chain.value)
        .filter(|c| c.on == RecordKind::Catalog);
    let Some(chain) = chain else {
        let status = Status {
            chain: catalog.approval.value.chain.value.clone(),
            title: String::new(),
            state: State::Draft,
            slots: Vec::new(),
            skipped: Vec::new(),
            notes: Vec::new(),
        };
        return (status, Vec::new());
    };
    let mut involved: Vec<String> = Vec::new();
    for (id, _) in rules.departments.iter() {
        if catalog.items.iter().any(|i| i.department.value == id.value) {
            involved.push(id.value.clone());
        }
    }
    let record = crate::policy::catalog_record(catalog, false);
    let subject = Subject {
        kind: RecordKind::Catalog,
        record: &record,
        involved: &involved,
        responsible: None,
        price: None,
        drawn_up: None,
    };
    evaluate(rules, chain, &subject, &catalog.approval.value.signoffs)
}

/// A temporary job's quote status along the rules' temporary-job chain.
pub fn quote_status(
    rules: &Rules,
    job: &crate::job::JobFile,
    q: &crate::quote::Quote,
) -> (Status, Vec<Diagnostic>) {
    let Some(chain) = rules
        .temporary_jobs
        .as_ref()
        .and_then(|t| rules.chain(&t.chain.value))
    else {
        let status = Status {
            chain: String::new(),
            title: String::new(),
            state: State::Draft,
            slots: Vec::new(),
            skipped: Vec::new(),
            notes: Vec::new(),
        };
        return (status, Vec::new());
    };
    let record = crate::policy::quote_record(q);
    let involved: Vec<String> = q
        .involved_departments
        .iter()
        .map(|d| d.id.clone())
        .collect();
    let subject = Subject {
        kind: RecordKind::Quote,
        record: &record,
        involved: &involved,
        responsible: Some(&q.responsible_department.id),
        price: Some((
            q.total,
            job.revisions.iter().map(|r| r.value.date.value).max(),
        )),
        drawn_up: Some(job.date.value),
    };
    evaluate(rules, chain, &subject, &job.signoffs)
}
