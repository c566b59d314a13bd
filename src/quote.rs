//! Quotes for temporary jobs: a job file priced by the rules' formula, with
//! every revision priced and compared, and the explained breakdown a
//! manager reads before signing.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::job::{Confirmation, JobFile, LabourLine, MaterialLine};
use crate::money::{Money, Rate};
use crate::pricing::{self, FormulaResult, GivenInput, InputUsed, JobRows, PricedLine};
use crate::rules::Rules;
use crate::rules::model::{LineKind, Signoff, TimeUnit};
use crate::source::{FileId, Sources, Sp};

/// A department by id and name.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Dept {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct QuoteCustomer {
    pub name: String,
    pub contact: Option<String>,
    pub phone: Option<String>,
}

/// A labour row as priced.
#[derive(Clone, Debug, Serialize)]
pub struct LabourRow {
    pub role: String,
    pub title: String,
    pub staff: Decimal,
    /// Time per person in the rate's unit.
    pub time: Decimal,
    /// 小时 or 日.
    pub time_unit: String,
    /// As the job wrote it, e.g. `6 小时` or `1 日`.
    pub time_given: String,
    pub rate: Money,
    /// The rules' rate when the job overrides it.
    pub standard_rate: Money,
    /// Why the rate was overridden.
    pub override_reason: Option<String>,
    /// staff × time × rate, rounded to the 分.
    pub amount: Money,
}

#[derive(Clone, Debug, Serialize)]
pub struct MaterialRow {
    pub name: String,
    pub spec: Option<String>,
    pub unit: String,
    pub quantity: Decimal,
    pub unit_price: Money,
    /// quantity × unit price, rounded to the 分.
    pub amount: Money,
}

/// A revision as priced: what changed and whether the customer agreed.
#[derive(Clone, Debug, Serialize)]
pub struct RevisionSummary {
    /// 1 for the first revision.
    pub revision: usize,
    pub date: NaiveDate,
    pub reason: String,
    pub previous_total: Money,
    pub total: Money,
    /// total − previous_total.
    pub difference: Money,
    pub confirmed: Option<ConfirmationOut>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ConfirmationOut {
    pub by: String,
    pub date: NaiveDate,
}

/// A priced temporary job: the current version, plus its history.
#[derive(Clone, Debug, Serialize)]
pub struct Quote {
    pub number: String,
    pub date: NaiveDate,
    pub customer: QuoteCustomer,
    pub address: String,
    pub description: String,
    pub responsible_department: Dept,
    pub involved_departments: Vec<Dept>,
    pub planned_start: Option<NaiveDate>,
    pub notes: Option<String>,
    pub formula: String,
    pub formula_title: String,
    pub tax_id: String,
    pub tax_name: String,
    pub tax_rate: Rate,
    pub labour: Vec<LabourRow>,
    pub materials: Vec<MaterialRow>,
    pub inputs: Vec<InputUsed>,
    pub lines: Vec<PricedLine>,
    /// What the customer pays, tax included.
    pub total: Money,
    /// total − tax.
    pub net: Money,
    pub tax: Money,
    /// The `cost` lines: labour and materials.
    pub cost: Money,
    /// (net − cost) ÷ cost, to 0.01%, as a percentage string; none when
    /// cost is 0.
    pub margin: Option<String>,
    #[serde(skip)]
    pub margin_fraction: Option<Decimal>,
    pub total_upper: String,
    /// The total of the first version, before any revision.
    pub original_total: Money,
    pub revisions: Vec<RevisionSummary>,
    /// The job has revisions, and the latest one has no confirmation.
    pub awaiting_confirmation: bool,
    pub signoffs: Vec<Signoff>,
}

/// Reads a job file into `sources` and parses it; a file that does not
/// read reports every labour, material, revision or sign-off row that does
/// not, not only the first.
pub fn load_job(
    sources: &mut Sources,
    name: &str,
    text: String,
) -> Result<(FileId, JobFile), Vec<Diagnostic>> {
    let id = sources.add(crate::source::SourceFile::new(name, text));
    crate::yaml::parse_all::<JobFile>(sources, id, "job file").map(|job| (id, job))
}

/// Prices a job and each of its revisions.
pub fn price_job(rules: &Rules, job: &JobFile) -> Result<Quote, Vec<Diagnostic>> {
    let Some(settings) = &rules.temporary_jobs else {
        return Err(vec![
            Diagnostic::error(
                "no-temporary-jobs",
                "the rules have no `temporary_jobs:` section",
            )
            .hint("add `temporary_jobs: {formula: …, chain: …, tax: …}` to a rule file"),
        ]);
    };
    let mut problems = Vec::new();
    let formula = rules.formula(&settings.formula.value);
    let date = job.date.value;

    // Departments.
    let dept = |sp: &Sp<String>, problems: &mut Vec<Diagnostic>| -> Option<Dept> {
        match rules.departments.get(&sp.value) {
            Some(d) => Some(Dept {
                id: sp.value.clone(),
                name: d.name.clone(),
            }),
            None => {
                problems.push(
                    Diagnostic::error(
                        "unknown-reference",
                        format!("unknown department `{}`", sp.value),
                    )
                    .at(sp.loc, "no department with this id")
                    .hint_opt(did_you_mean(&sp.value, rules.departments.keys()))
                    .hint(format!(
                        "departments: {}",
                        rules.departments.keys().collect::<Vec<_>>().join(", ")
                    )),
                );
                None
            }
        }
    };
    let responsible = dept(&job.responsible_department, &mut problems);
    let mut involved = Vec::new();
    for d in &job.involved_departments {
        if let Some(d) = dept(d, &mut problems)
            && !involved.contains(&d)
        {
            involved.push(d);
        }
    }
    if let Some(r) = &responsible
        && !involved.contains(r)
    {
        involved.insert(0, r.clone());
    }

    // Tax.
    let tax_sp = job.tax.as_ref().unwrap_or(&settings.tax);
    let tax_rate = match rules.taxes.get(&tax_sp.value) {
        None => {
            problems.push(
                Diagnostic::error(
                    "unknown-reference",
                    format!("unknown tax `{}`", tax_sp.value),
                )
                .at(tax_sp.loc, "no tax with this id")
                .hint_opt(did_you_mean(&tax_sp.value, rules.taxes.keys()))
                .hint(format!(
                    "taxes: {}",
                    rules.taxes.keys().collect::<Vec<_>>().join(", ")
                )),
            );
            None
        }
        Some(_) => match rules.tax_rate_on(&tax_sp.value, date) {
            Some(r) => Some(r),
            None => {
                problems.push(
                    Diagnostic::error(
                        "no-tax-rate",
                        format!("tax `{}` has no rate in force on {date}", tax_sp.value),
                    )
                    .at(job.date.loc, "quote date")
                    .hint("add a rate covering this date under `taxes:`"),
                );
                None
            }
        },
    };
    let tax_name = rules
        .taxes
        .get(&tax_sp.value)
        .map(|t| t.name.clone())
        .unwrap_or_default();

    if job.number.value.trim().is_empty() {
        problems.push(
            Diagnostic::error("empty-value", "the quote number is empty")
                .at(job.number.loc, "empty")
                .hint("give the number of the quote sheet, e.g. BJ2026-0012"),
        );
    }
    if let Some(problem) = crate::text::name_problem(&job.customer.name.value) {
        problems.push(
            Diagnostic::error(problem.code, format!("the customer's name {problem}"))
                .at(job.customer.name.loc, "here")
                .hint("the customer signs the quote sheet: give their name"),
        );
    }
    let (Some(formula), Some(tax_rate), Some(responsible)) = (formula, tax_rate, responsible)
    else {
        return Err(problems);
    };
    if !problems.is_empty() {
        return Err(problems);
    }

    // Versions: the original, then each revision applied in turn.
    struct Version<'a> {
        labour: &'a [Sp<LabourLine>],
        materials: &'a [Sp<MaterialLine>],
        inputs: BTreeMap<String, GivenInput>,
    }
    let given = |m: &BTreeMap<String, Sp<String>>, into: &mut BTreeMap<String, GivenInput>| {
        for (k, v) in m {
            into.insert(
                k.clone(),
                GivenInput {
                    text: v.value.clone(),
                    place: Some(crate::diagnostic::Place::Span(v.loc)),
                },
            );
        }
    };
    let mut versions = Vec::new();
    let mut inputs = BTreeMap::new();
    given(&job.inputs, &mut inputs);
    versions.push(Version {
        labour: &job.labour,
        materials: &job.materials,
        inputs: inputs.clone(),
    });
    for rev in &job.revisions {
        let prev = versions
            .last()
            .map(|v: &Version| (v.labour, v.materials))
            .unwrap_or_default();
        let mut inputs = versions
            .last()
            .map(|v| v.inputs.clone())
            .unwrap_or_default();
        given(&rev.value.inputs, &mut inputs);
        versions.push(Version {
            labour: rev.value.labour.as_deref().unwrap_or(prev.0),
            materials: rev.value.materials.as_deref().unwrap_or(prev.1),
            inputs,
        });
    }
    // Staff of a department not involved: its head never budgets the job
    // (四（三）3: 各部门负责人按照临时性特约服务涉及的内容确认…并签字),
    // and the chain asks no signature of it.
    let mut named = Vec::new();
    for v in &versions {
        for row in v.labour {
            let l = &row.value;
            let Some(d) = rules
                .personnel_costs
                .get(&l.role.value)
                .and_then(|c| c.department.as_ref())
            else {
                continue;
            };
            if involved.iter().any(|i: &Dept| i.id == d.value) || named.contains(&d.value) {
                continue;
            }
            named.push(d.value.clone());
            problems.push(
                Diagnostic::error(
                    "department-not-involved",
                    format!(
                        "`{}` are staff of {}, which is not among the job's departments",
                        l.role.value,
                        rules.department_name(&d.value)
                    ),
                )
                .at(l.role.loc, "from a department not involved")
                .hint(format!(
                    "add `{}` to `involved_departments`: its head budgets and signs for its staff",
                    d.value
                )),
            );
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut priced = Vec::new();
    for (k, v) in versions.iter().enumerate() {
        let context = if k == 0 {
            format!("quote {}", job.number.value)
        } else {
            format!("quote {} revision {k}", job.number.value)
        };
        let labour = price_labour(rules, v.labour, job.date.value, &mut problems);
        let materials = price_materials(v.materials, &mut problems);
        // The sheet prints each list's total, whatever the formula does
        // with the rows.
        for (fits, what, first) in [
            (
                Money::try_sum(labour.iter().map(|r| r.amount)).is_ok(),
                "labour rows",
                v.labour.first().map(|r| r.loc),
            ),
            (
                Money::try_sum(materials.iter().map(|m| m.amount)).is_ok(),
                "material rows",
                v.materials.first().map(|r| r.loc),
            ),
        ] {
            if !fits {
                let d = Diagnostic::error(
                    "invalid-quantity",
                    format!("the {what} add up to more than {}", Money::MAX.yuan()),
                );
                problems.push(
                    match first {
                        Some(loc) => d.at(loc, "from here"),
                        None => d,
                    }
                    .hint("check quantities and prices for extra zeros"),
                );
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let rows = JobRows {
            labour: labour.iter().map(|r| (r.staff, r.time, r.rate)).collect(),
            materials: materials
                .iter()
                .map(|m| (m.quantity, m.unit_price))
                .collect(),
        };
        let result = pricing::evaluate(
            rules,
            formula,
            &v.inputs,
            Some(tax_rate),
            None,
            &rows,
            &context,
        )?;
        priced.push((labour, materials, result));
    }
    for (k, rev) in job.revisions.iter().enumerate() {
        let prev_date = if k == 0 {
            job.date.value
        } else {
            job.revisions[k - 1].value.date.value
        };
        if rev.value.date.value < prev_date {
            problems.push(
                Diagnostic::error(
                    "date-order",
                    format!("revision {} is dated before the version it revises", k + 1),
                )
                .at(rev.value.date.loc, "earlier than the previous version")
                .hint("revisions are listed oldest first"),
            );
        }
        // The customer agrees again to a change once it is made: a
        // confirmation dated earlier would let the work go on unconfirmed.
        if let Some(c) = &rev.value.confirmed
            && c.date < rev.value.date.value
        {
            problems.push(
                Diagnostic::error(
                    "date-order",
                    format!(
                        "revision {} is confirmed on {}, before it was made ({})",
                        k + 1,
                        c.date,
                        rev.value.date.value
                    ),
                )
                .at(rev.loc, "this revision")
                .hint("the customer confirms a change after it is made: check the dates"),
            );
        }
        // The reason is printed on the quote sheet the customer signs.
        if rev.value.reason.chars().all(crate::text::is_blank) {
            problems.push(
                Diagnostic::error(
                    "empty-value",
                    format!("revision {} gives no reason", k + 1),
                )
                .at(rev.loc, "this revision")
                .hint("write why the scope or price changed (`reason:`), e.g. 客户要求增加一遍抛光"),
            );
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let revisions: Vec<RevisionSummary> =
        job.revisions
            .iter()
            .enumerate()
            .map(|(k, rev)| {
                let previous_total = priced[k].2.total;
                let total = priced[k + 1].2.total;
                RevisionSummary {
                    revision: k + 1,
                    date: rev.value.date.value,
                    reason: rev.value.reason.clone(),
                    previous_total,
                    total,
                    difference: total.checked_sub(previous_total).unwrap_or(Money::ZERO),
                    confirmed: rev.value.confirmed.as_ref().map(|c: &Confirmation| {
                        ConfirmationOut {
                            by: c.by.clone(),
                            date: c.date,
                        }
                    }),
                }
            })
            .collect();
    let original_total = priced[0].2.total;
    let Some((labour, materials, result)) = priced.pop() else {
        return Err(problems);
    };
    let FormulaResult {
        inputs,
        lines,
        total,
        tax,
        cost,
        ..
    } = result;
    let tax = tax.unwrap_or(Money::ZERO);
    let net = total.checked_sub(tax).unwrap_or(total);
    // The margin as the quote prints it, to 0.01%, and as the policies
    // see it: a 15% management fee rounded to the cent (185.175 → 185.18)
    // is a 15% margin, not 15.0004%, however the cent fell.
    let margin_fraction = (!cost.is_zero())
        .then(|| (net.amount() - cost.amount()).checked_div(cost.amount()))
        .flatten()
        .map(|m| crate::money::round_half_away(m, 4));
    let upper_style = &rules.documents.upper_style;
    Ok(Quote {
        number: job.number.value.clone(),
        date,
        customer: QuoteCustomer {
            name: job.customer.name.value.clone(),
            contact: job.customer.contact.clone(),
            phone: job.customer.phone.clone(),
        },
        address: job.address.clone(),
        description: job.description.clone(),
        responsible_department: responsible,
        involved_departments: involved,
        planned_start: job.planned_start,
        notes: job.notes.clone(),
        formula: formula.id.clone(),
        formula_title: formula.title.clone(),
        tax_id: tax_sp.value.clone(),
        tax_name,
        tax_rate,
        labour,
        materials,
        inputs,
        lines,
        total,
        net,
        tax,
        cost,
        margin: margin_fraction.map(percent),
        margin_fraction,
        total_upper: total.to_upper(upper_style),
        original_total,
        awaiting_confirmation: revisions.last().is_some_and(|r| r.confirmed.is_none()),
        revisions,
        signoffs: job.signoffs.iter().map(|s| s.value.clone()).collect(),
    })
}

/// Where a quote's record fields are written in the job file, for policy
/// reports.
pub fn field_place(job: &JobFile, field: &str) -> Option<crate::diagnostic::Place> {
    let loc = match field {
        "number" => Some(job.number.loc),
        "date" => Some(job.date.loc),
        "customer" => Some(job.customer.name.loc),
        "responsible_department" => Some(job.responsible_department.loc),
        "revised" | "reconfirmed" => job.revisions.last().map(|r| r.loc),
        _ => None,
    };
    loc.map(crate::diagnostic::Place::Span)
}

/// A fraction as a percentage with at most two decimals: 0.1 → "10%".
pub fn percent(f: Decimal) -> String {
    format!(
        "{}%",
        crate::money::round_half_away(f * Decimal::ONE_HUNDRED, 2).normalize()
    )
}

/// The labour rows, at the personnel costs in force on the job's `date`.
fn price_labour(
    rules: &Rules,
    rows: &[Sp<LabourLine>],
    date: NaiveDate,
    problems: &mut Vec<Diagnostic>,
) -> Vec<LabourRow> {
    let mut out = Vec::new();
    for row in rows {
        let l = &row.value;
        let Some(cost) = rules.personnel_costs.get(&l.role.value) else {
            problems.push(
                Diagnostic::error(
                    "unknown-reference",
                    format!("unknown kind of staff `{}`", l.role.value),
                )
                .at(l.role.loc, "not in `personnel_costs`")
                .hint_opt(did_you_mean(&l.role.value, rules.personnel_costs.keys()))
                .hint(format!(
                    "kinds of staff: {}",
                    rules.personnel_costs.keys().collect::<Vec<_>>().join(", ")
                )),
            );
            continue;
        };
        let (standard, per) = cost.rate_on(date);
        let staff = l.staff.value.0;
        if staff <= Decimal::ZERO || !staff.fract().is_zero() {
            problems.push(
                Diagnostic::error(
                    "invalid-quantity",
                    format!("staff must be a whole number of people, at least 1, not {staff}"),
                )
                .at(l.staff.loc, "not a number of people")
                .hint("write the number of people, e.g. `staff: 2`"),
            );
            continue;
        }
        let (given, unit_given) = match (&l.hours, &l.days) {
            (Some(h), None) => (h, "小时"),
            (None, Some(d)) => (d, "日"),
            (Some(h), Some(_)) => {
                problems.push(
                    Diagnostic::error(
                        "hours-and-days",
                        "a labour row gives both `hours` and `days`",
                    )
                    .at(h.loc, "hours")
                    .hint("give one of them"),
                );
                continue;
            }
            (None, None) => {
                problems.push(
                    Diagnostic::error(
                        "missing-time",
                        format!(
                            "labour row `{}` gives neither `hours` nor `days`",
                            l.role.value
                        ),
                    )
                    .at(l.role.loc, "how long?")
                    .hint("add `hours: 4` or `days: 1`"),
                );
                continue;
            }
        };
        if given.value.0 <= Decimal::ZERO {
            problems.push(
                Diagnostic::error(
                    "invalid-quantity",
                    format!("time must be more than 0, not {}", given.value.0),
                )
                .at(given.loc, "not positive")
                .hint("write the hours or days each person works"),
            );
            continue;
        }
        let time = pricing::labour_time(
            per,
            l.hours.as_ref().map(|h| h.value.0),
            l.days.as_ref().map(|d| d.value.0),
            rules.hours_per_day,
        );
        let Some(time) = time else {
            problems
                .push(Diagnostic::error("invalid-quantity", "time out of range").at(given.loc, ""));
            continue;
        };
        let rate = match (&l.rate, &l.reason) {
            (Some(r), Some(reason)) if !reason.trim().is_empty() => r.value,
            (Some(r), _) => {
                problems.push(
                    Diagnostic::error("override-without-reason", format!("the rate of `{}` is overridden without a reason", l.role.value))
                        .at(r.loc, format!("the rules say {}", standard.value))
                        .hint("add `reason: …` saying why this job costs more or less than the rules' personnel cost"),
                );
                continue;
            }
            (None, _) => standard.value,
        };
        if rate.is_negative() {
            problems.push(
                Diagnostic::error("negative-amount", "a personnel cost is negative")
                    .at(l.rate.as_ref().map_or(l.role.loc, |r| r.loc), "negative")
                    .hint("costs are never negative"),
            );
            continue;
        }
        let amount = staff
            .checked_mul(time)
            .and_then(|st| rate.mul_qty_rounded(st).ok());
        let Some(amount) = amount else {
            problems.push(
                Diagnostic::error("invalid-quantity", "the labour amount is too large")
                    .at(row.loc, "")
                    .hint("check staff and time for extra zeros"),
            );
            continue;
        };
        out.push(LabourRow {
            role: l.role.value.clone(),
            title: cost.title.clone(),
            staff,
            time: time.normalize(),
            time_unit: match per {
                TimeUnit::Hour => "小时".into(),
                TimeUnit::Day => "日".into(),
            },
            time_given: format!("{} {unit_given}", given.value.0.normalize()),
            rate,
            standard_rate: standard.value,
            override_reason: l.rate.as_ref().and(l.reason.clone()),
            amount,
        });
    }
    out
}

fn price_materials(rows: &[Sp<MaterialLine>], problems: &mut Vec<Diagnostic>) -> Vec<MaterialRow> {
    let mut out = Vec::new();
    for row in rows {
        let m = &row.value;
        let q = m.quantity.value.0;
        if q <= Decimal::ZERO {
            problems.push(
                Diagnostic::error(
                    "invalid-quantity",
                    format!("the quantity of {} must be more than 0, not {q}", m.name),
                )
                .at(m.quantity.loc, "not positive")
                .hint("remove the row if the material is not used"),
            );
            continue;
        }
        if m.unit_price.value.is_negative() {
            problems.push(
                Diagnostic::error(
                    "negative-amount",
                    format!("the unit price of {} is negative", m.name),
                )
                .at(m.unit_price.loc, "negative")
                .hint("prices are never negative"),
            );
            continue;
        }
        let Ok(amount) = m.unit_price.value.mul_qty_rounded(q) else {
            problems.push(
                Diagnostic::error(
                    "invalid-quantity",
                    format!("the amount of {} is too large", m.name),
                )
                .at(row.loc, "")
                .hint("check the quantity and price for extra zeros"),
            );
            continue;
        };
        out.push(MaterialRow {
            name: m.name.clone(),
            spec: m.spec.clone(),
            unit: m.unit.clone(),
            quantity: q.normalize(),
            unit_price: m.unit_price.value,
            amount,
        });
    }
    out
}

/// The explained breakdown a manager reads: each line with its formula, the
/// values put in and the result, then the total in figures and in 大写.
pub fn explain(q: &Quote) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "特约维修价格确认单  {}  {}", q.number, q.date);
    let _ = writeln!(out, "客户：{}    地址：{}", q.customer.name, q.address);
    let _ = writeln!(out, "事由：{}", q.description);
    let names: Vec<&str> = q
        .involved_departments
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    let _ = writeln!(
        out,
        "责任部门：{}    涉及部门：{}",
        q.responsible_department.name,
        names.join("、")
    );
    let _ = writeln!(
        out,
        "计价公式：{}（{}）  税：{} {}",
        q.formula_title, q.formula, q.tax_name, q.tax_rate
    );
    if !q.labour.is_empty() {
        let _ = writeln!(out, "\n用工");
        for r in &q.labour {
            let over = r
                .override_reason
                .as_ref()
                .map(|why| format!("（标准 {}，调整原因：{why}）", r.standard_rate.yuan()))
                .unwrap_or_default();
            let conv = if r.time_given.ends_with(&r.time_unit) {
                String::new()
            } else {
                format!("（{} 折合）", r.time_given)
            };
            let _ = writeln!(
                out,
                "  {} {} 人 × {} {}{conv} × {}/{}{over} = {}",
                crate::text::pad(&r.title, 8),
                r.staff,
                r.time,
                r.time_unit,
                r.rate.yuan(),
                r.time_unit,
                r.amount.yuan()
            );
        }
    }
    if !q.materials.is_empty() {
        let _ = writeln!(out, "\n材料");
        for m in &q.materials {
            let spec = m
                .spec
                .as_deref()
                .map(|s| format!(" {s}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {}{spec}  {} {} × {} = {}",
                m.name,
                m.quantity,
                m.unit,
                m.unit_price.yuan(),
                m.amount.yuan()
            );
        }
    }
    let _ = writeln!(out, "\n输入");
    for i in &q.inputs {
        let unit = i
            .unit
            .as_deref()
            .map(|u| format!(" {u}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {} {} = {}{unit}（{}）",
            i.label,
            i.name,
            i.value,
            origin_name(i.origin)
        );
    }
    let _ = writeln!(out, "\n计算");
    for l in &q.lines {
        let mark = match l.kind {
            LineKind::Total => "＝",
            LineKind::Subtotal | LineKind::Info => "  ",
            _ => "＋",
        };
        let _ = writeln!(out, "  {mark} {} {} = {}", l.label, l.id, l.explained);
    }
    let _ = writeln!(
        out,
        "\n不含税金额：{}    税额：{}    合计：{}",
        q.net.yuan(),
        q.tax.yuan(),
        q.total.yuan()
    );
    if let Some(m) = &q.margin {
        let _ = writeln!(out, "直接成本：{}    毛利率：{m}", q.cost.yuan());
    }
    let _ = writeln!(out, "合计（大写）：人民币{}", q.total_upper);
    if !q.revisions.is_empty() {
        let _ = writeln!(out, "\n变更记录（原报价 {}）", q.original_total.yuan());
        for r in &q.revisions {
            let sign = if r.difference.is_negative() { "" } else { "+" };
            let conf = match &r.confirmed {
                Some(c) => format!("客户 {} 已于 {} 再次确认", c.by, c.date),
                None => "客户尚未再次确认：确认前不得继续服务".to_string(),
            };
            let _ = writeln!(
                out,
                "  第 {} 次变更 {}：{}；{} → {}（{sign}{}）；{conf}",
                r.revision,
                r.date,
                r.reason,
                r.previous_total.yuan(),
                r.total.yuan(),
                r.difference.yuan()
            );
        }
    }
    out
}

fn origin_name(o: pricing::InputOrigin) -> &'static str {
    match o {
        pricing::InputOrigin::Given => "任务给定",
        pricing::InputOrigin::Default => "规则默认",
        pricing::InputOrigin::Tax => "税率",
        pricing::InputOrigin::Quantity => "数量",
        pricing::InputOrigin::Rows => "明细",
    }
}
