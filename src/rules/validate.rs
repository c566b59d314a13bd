//! Validation: everything the schema cannot see.
//!
//! Takes the parsed rule files, merges them, and checks references, types,
//! dates, amounts and expressions, collecting every problem rather than
//! stopping at the first. When there is no error it returns [`Rules`]: the
//! checked, immutable rule set with compiled formulas and conditions that the
//! rest of feebook uses. Nothing downstream re-checks what is checked here.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::model::*;
use crate::calendar::WorkCalendar;
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::expr::{self, BinOp, NodeKind, Type};
use crate::money::{Money, Rate};
use crate::numbering::Pattern;
use crate::records::{IdOf, RecordKind, Values};
use crate::source::{FileId, Loc, Sources, Sp, value_offset_to_source};

/// Unit prices and minimum charges above this are mistakes, not prices.
const ABSURD_PRICE: i64 = 1_000_000;
/// Personnel cost per person-hour (or day) above this is a mistake.
const ABSURD_PERSONNEL_COST: i64 = 10_000;

/// Made-up inputs to price a formula with when checking it
/// ([`Checker::check_formula_sums`]): amounts with cents that round
/// differently, whole and fractional quantities, two tax rates.
struct TrialInputs {
    money: &'static str,
    rate: &'static str,
    quantity: &'static str,
    count: &'static str,
    tax: &'static str,
    labour: [(i64, i64, i64); 2],
    materials: [(i64, i64); 2],
}

const TRIAL_INPUTS: [TrialInputs; 3] = [
    TrialInputs {
        money: "123.45",
        rate: "6%",
        quantity: "3",
        count: "3",
        tax: "6%",
        // (staff, time in tenths, rate in cents)
        labour: [(2, 35, 4567), (1, 5, 3820)],
        // (quantity in tenths, unit price in cents)
        materials: [(30, 1235), (15, 777)],
    },
    TrialInputs {
        money: "0.35",
        rate: "12.5%",
        // Not a multiple of a tenth: a total rounded to the 角 or the
        // yuan differs from its lines even when every price is whole.
        quantity: "2.37",
        count: "1",
        tax: "13%",
        labour: [(1, 1, 1), (3, 7, 4999)],
        materials: [(1, 1), (7, 333)],
    },
    TrialInputs {
        money: "98765.43",
        rate: "3%",
        quantity: "17",
        count: "12",
        tax: "9%",
        labour: [(12, 80, 12345), (4, 13, 8888)],
        materials: [(2500, 19999), (3, 5)],
    },
];

impl TrialInputs {
    fn text(&self, kind: InputType) -> Option<&'static str> {
        Some(match kind {
            InputType::Money => self.money,
            InputType::Rate => self.rate,
            InputType::Quantity => self.quantity,
            InputType::Count => self.count,
            InputType::Date => "2026-06-15",
            InputType::Text => "样例",
            InputType::Bool => "true",
            InputType::Labour | InputType::Materials => return None,
        })
    }

    fn rows(&self) -> crate::pricing::JobRows {
        crate::pricing::JobRows {
            labour: self
                .labour
                .iter()
                .map(|&(staff, time, rate)| {
                    (
                        Decimal::from(staff),
                        Decimal::new(time, 1),
                        Money::from_decimal_rounded(Decimal::new(rate, 2)).unwrap_or(Money::ZERO),
                    )
                })
                .collect(),
            materials: self
                .materials
                .iter()
                .map(|&(q, p)| {
                    (
                        Decimal::new(q, 1),
                        Money::from_decimal_rounded(Decimal::new(p, 2)).unwrap_or(Money::ZERO),
                    )
                })
                .collect(),
        }
    }
}

/// The checked rule set.
#[derive(Debug, Clone)]
pub struct Rules {
    pub organization: Organization,
    pub roles: IdMap<Role>,
    pub departments: IdMap<Department>,
    pub personnel_costs: IdMap<PersonnelCost>,
    pub taxes: IdMap<Tax>,
    /// Catalogue versions, ordered by `effective_from`.
    pub catalogs: Vec<Catalog>,
    pub formulas: Vec<CompiledFormula>,
    pub chains: Vec<CompiledChain>,
    pub policies: Vec<CompiledPolicy>,
    pub calendar: WorkCalendar,
    pub hours_per_day: Decimal,
    pub documents: DocumentSettings,
    /// Formula, chain and default tax of temporary jobs.
    pub temporary_jobs: Option<TemporaryJobSettings>,
    /// Spreadsheet import settings.
    pub imports: ImportSettings,
    /// Approval status of each catalogue version (same order as `catalogs`).
    pub catalog_status: Vec<crate::approval::Status>,
}

impl Rules {
    pub fn formula(&self, id: &str) -> Option<&CompiledFormula> {
        self.formulas.iter().find(|f| f.id == id)
    }
    pub fn chain(&self, id: &str) -> Option<&CompiledChain> {
        self.chains.iter().find(|c| c.id == id)
    }
    pub fn role_title<'a>(&'a self, id: &'a str) -> &'a str {
        self.roles.get(id).map_or(id, |r| r.title.as_str())
    }
    pub fn department_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.departments.get(id).map_or(id, |d| d.name.as_str())
    }
    /// The catalogue version in force on `date`.
    pub fn catalog_on(&self, date: NaiveDate) -> Option<&Catalog> {
        let mut found = None;
        for (i, c) in self.catalogs.iter().enumerate() {
            let end = catalog_end(&self.catalogs, i);
            if c.effective_from.value <= date && end.is_none_or(|e| date <= e) {
                found = Some(c);
            }
        }
        found
    }
    /// Whether the price list in force on `date` is approved by then (false
    /// when none applies).
    pub fn catalog_approved_on(&self, date: NaiveDate) -> bool {
        self.catalog_on(date)
            .and_then(|c| self.catalogs.iter().position(|x| std::ptr::eq(x, c)))
            .and_then(|i| self.catalog_status.get(i))
            .is_some_and(|s| s.approved_on(date))
    }

    /// The rate of tax `id` in force on `date`.
    pub fn tax_rate_on(&self, id: &str, date: NaiveDate) -> Option<Rate> {
        let tax = self.taxes.get(id)?;
        let mut best: Option<&TaxRate> = None;
        for r in &tax.rates {
            let r = &r.value;
            if r.from.value <= date
                && r.until.as_ref().is_none_or(|u| date <= u.value)
                && best.is_none_or(|b| b.from.value < r.from.value)
            {
                best = Some(r);
            }
        }
        best.map(|r| r.rate.value)
    }
}

/// The last day catalogue `i` applies: its own `effective_until`, or the day
/// before the next version starts.
pub(crate) fn catalog_end(catalogs: &[Catalog], i: usize) -> Option<NaiveDate> {
    if let Some(u) = &catalogs[i].effective_until {
        return Some(u.value);
    }
    catalogs
        .get(i + 1)
        .and_then(|next| next.effective_from.value.pred_opt())
}

/// A formula ready to evaluate.
#[derive(Debug, Clone)]
pub struct CompiledFormula {
    pub id: String,
    pub title: String,
    pub inputs: Vec<InputDef>,
    pub lines: Vec<LineDef>,
    pub program: expr::Program,
    /// Index into `lines` of the total.
    pub total: usize,
    /// Index into `lines` of the tax line, if any.
    pub tax: Option<usize>,
}

impl CompiledFormula {
    /// Whether the formula reads a job table (`labour`, `materials`), which
    /// only temporary jobs can supply.
    pub fn uses_tables(&self) -> bool {
        self.inputs
            .iter()
            .any(|i| matches!(i.kind, InputType::Labour | InputType::Materials))
    }
}

#[derive(Debug, Clone)]
pub struct InputDef {
    pub name: String,
    pub kind: InputType,
    pub label: String,
    pub default: Option<expr::Value>,
    pub from: Option<InputSource>,
    /// Set by the rules (`fixed: true`, or `from`): an order or job cannot
    /// give it.
    pub fixed: bool,
    pub unit: Option<String>,
    /// Slot in the scope: a variable slot, or a table slot for tables.
    pub slot: usize,
}

#[derive(Debug, Clone)]
pub struct LineDef {
    pub id: String,
    pub label: String,
    pub kind: LineKind,
    pub ty: Type,
    pub expr_source: String,
    /// Where the expression is written in the rule file.
    pub expr_loc: Loc,
    /// Where the expression's text starts inside `expr_loc` when the file
    /// holds it as written (not folded, no escapes), so that a part of it
    /// can be pointed at.
    expr_at: Option<u32>,
}

impl LineDef {
    /// The place in the rule file of `span`, a part of the expression (an
    /// evaluation error's); the whole expression when that part cannot be
    /// placed exactly.
    pub fn place(&self, span: expr::Span) -> Loc {
        match self.expr_at {
            Some(at) if span.start < span.end && span.end as usize <= self.expr_source.len() => {
                self.expr_loc
                    .sub(at.saturating_add(span.start), at.saturating_add(span.end))
            }
            _ => self.expr_loc,
        }
    }
}

#[derive(Debug, Clone)]
pub struct CompiledChain {
    pub id: String,
    pub title: String,
    pub on: RecordKind,
    pub steps: Vec<CompiledStep>,
}

#[derive(Debug, Clone)]
pub struct CompiledStep {
    pub id: String,
    pub role: String,
    pub action: String,
    pub each: Option<StepScope>,
    pub when: Option<expr::Expr>,
}

#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    pub id: String,
    pub title: String,
    pub on: RecordKind,
    pub when: Option<expr::Expr>,
    pub condition: expr::Expr,
    /// `true` for `require`, `false` for `forbid`.
    pub require: bool,
    pub severity: PolicySeverity,
    pub message: String,
    pub field: Option<String>,
    pub clause: Option<String>,
    /// Where the policy is written, for reports.
    pub loc: Loc,
}

/// Columns of the job tables, in slot order.
pub const LABOUR_COLUMNS: [(&str, Type); 3] = [
    ("staff", Type::Quantity),
    ("time", Type::Quantity),
    ("rate", Type::Money),
];
pub const MATERIALS_COLUMNS: [(&str, Type); 2] =
    [("quantity", Type::Quantity), ("unit_price", Type::Money)];

fn columns(cols: &[(&str, Type)]) -> Vec<expr::Column> {
    cols.iter().map(|(n, t)| expr::Column::new(n, *t)).collect()
}

struct Checker<'a> {
    sources: &'a Sources,
    diags: Vec<Diagnostic>,
    /// The ids the rules define, for conditions that compare a field with
    /// one (`received_by in ['finance']`).
    ids: HashMap<IdOf, Vec<String>>,
    /// Each unknown reference: its diagnostic's index, what it names, and
    /// the one defined id close to it with its place (see
    /// [`Checker::misspelt_definitions`]).
    unknowns: Vec<Unknown>,
    /// Ids defined twice, by kind (`tax`): what the second definition says
    /// is not merged, so checks of that id would report the copy's
    /// absence, not a mistake of the rules.
    duplicated: HashSet<(String, String)>,
}

/// An unknown reference, for [`Checker::misspelt_definitions`].
struct Unknown {
    /// Index of its diagnostic.
    diag: usize,
    /// The id written.
    name: String,
    /// The one defined id close to it, and where it is defined.
    close: Option<(String, crate::source::Loc)>,
    /// The "did you mean" hint of its error, if any.
    suggestion: Option<String>,
}

/// Above this a tax rate is warned of: China's VAT rates are 13% at most,
/// and a surcharge on top does not double them.
const UNUSUAL_TAX_RATE: Decimal = Decimal::from_parts(20, 0, 0, false, 2);

/// Merges and checks parsed rule files.
pub fn check(
    sources: &Sources,
    files: Vec<(FileId, RuleFile)>,
) -> (Option<Rules>, Vec<Diagnostic>) {
    let mut c = Checker {
        sources,
        diags: Vec::new(),
        ids: HashMap::new(),
        unknowns: Vec::new(),
        duplicated: HashSet::new(),
    };
    let rules = c.run(files);
    c.misspelt_definitions();
    let mut diags = c.diags;
    diags.sort_by_key(|d| match &d.primary.place {
        crate::diagnostic::Place::Span(l) => (l.file, l.start),
        _ => (FileId(u32::MAX), 0),
    });
    let has_errors = diags.iter().any(Diagnostic::is_error);
    (if has_errors { None } else { rules }, diags)
}

impl Checker<'_> {
    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// The place of `key` written before the value at `value` on its line
    /// (`due_days` of `due_days: 10`, in a block or a `{…}`), for a warning
    /// about the setting as a whole; the value's place when it is not there.
    fn key_before(&self, value: Loc, key: &str) -> Loc {
        let Some(file) = self.sources.get(value.file) else {
            return value;
        };
        let before = file.text.get(..value.start as usize).unwrap_or("");
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        match before[line_start..].rfind(key) {
            Some(i) => {
                let start = (line_start + i) as u32;
                Loc::new(value.file, start, start + key.len() as u32)
            }
            None => value,
        }
    }

    /// The same unknown id written alike in three places or more, with one
    /// defined id close to it: the definition is the likelier typo
    /// (`cleanning:` under `departments:`, and every item says `cleaning`).
    /// Each such error says so, and the first shows the definition.
    fn misspelt_definitions(&mut self) {
        let mut groups: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for (i, u) in self.unknowns.iter().enumerate() {
            if let Some((defined, _)) = &u.close {
                groups
                    .entry((u.name.as_str(), defined.as_str()))
                    .or_default()
                    .push(i);
            }
        }
        // (its error, the hint, the definition shown, the hint it replaces)
        let mut notes: Vec<(
            usize,
            String,
            Option<crate::diagnostic::Label>,
            Option<String>,
        )> = Vec::new();
        for ((what, defined), members) in groups {
            if members.len() < 3 {
                continue;
            }
            // The definition is shown once, with the error shown first.
            let first = members.iter().copied().min_by_key(|&m| {
                match self
                    .diags
                    .get(self.unknowns[m].diag)
                    .map(|d| &d.primary.place)
                {
                    Some(crate::diagnostic::Place::Span(l)) => (l.file, l.start),
                    _ => (FileId(u32::MAX), 0),
                }
            });
            for &m in &members {
                let u = &self.unknowns[m];
                let label = u.close.as_ref().filter(|_| Some(m) == first).map(|(_, l)| {
                    crate::diagnostic::Label {
                        place: crate::diagnostic::Place::Span(*l),
                        text: format!("defined as `{defined}`"),
                    }
                });
                notes.push((
                    u.diag,
                    format!(
                        "`{what}` is written alike in {} places: if that is the id meant, the definition `{defined}` is the one misspelt",
                        members.len()
                    ),
                    label,
                    u.suggestion.clone(),
                ));
            }
        }
        for (at, hint, label, suggestion) in notes {
            if let Some(d) = self.diags.get_mut(at) {
                // "did you mean `cleanning`?" would have the correct
                // references changed to the typo.
                d.hints.retain(|h| Some(h) != suggestion.as_ref());
                d.hints.push(hint);
                d.secondary.extend(label);
            }
        }
    }

    fn run(&mut self, files: Vec<(FileId, RuleFile)>) -> Option<Rules> {
        let mut organization: Option<Sp<Organization>> = None;
        let mut org_twice = false;
        let mut calendar: Option<Sp<Calendar>> = None;
        let mut documents: Option<Sp<DocumentSettings>> = None;
        let mut temporary_jobs: Option<Sp<TemporaryJobSettings>> = None;
        let mut imports: Option<Sp<ImportSettings>> = None;
        let mut roles = IdMap::default();
        let mut departments = IdMap::default();
        let mut personnel_costs = IdMap::default();
        let mut taxes = IdMap::default();
        let mut formulas = IdMap::default();
        let mut chains = IdMap::default();
        let mut catalogs: Vec<Sp<Catalog>> = Vec::new();
        let mut policies: Vec<Policy> = Vec::new();

        for (_, file) in files {
            org_twice |= self.single("organization", &mut organization, file.organization);
            self.single("calendar", &mut calendar, file.calendar);
            self.single("documents", &mut documents, file.documents);
            self.single("temporary_jobs", &mut temporary_jobs, file.temporary_jobs);
            self.single("imports", &mut imports, file.imports);
            self.merge("role", &mut roles, file.roles);
            self.merge("department", &mut departments, file.departments);
            self.merge("personnel cost", &mut personnel_costs, file.personnel_costs);
            self.merge("tax", &mut taxes, file.taxes);
            self.merge("formula", &mut formulas, file.formulas);
            self.merge("approval chain", &mut chains, file.approval_chains);
            catalogs.extend(file.catalog);
            policies.extend(file.policies);
        }

        for (id, _) in roles.iter() {
            self.check_id("role", id);
        }
        for (id, _) in departments.iter() {
            self.check_id("department", id);
        }
        for (id, _) in personnel_costs.iter() {
            self.check_id("personnel cost", id);
        }
        for (id, _) in taxes.iter() {
            self.check_id("tax", id);
        }
        for (id, _) in formulas.iter() {
            self.check_id("formula", id);
        }
        for (id, _) in chains.iter() {
            self.check_id("approval chain", id);
        }

        self.ids = HashMap::from([
            (
                IdOf::Department,
                departments.iter().map(|(id, _)| id.value.clone()).collect(),
            ),
            (
                IdOf::Role,
                roles.iter().map(|(id, _)| id.value.clone()).collect(),
            ),
            (
                IdOf::PaymentChannel,
                organization
                    .iter()
                    .flat_map(|o| {
                        o.value
                            .payment_channels
                            .iter()
                            .map(|(id, _)| id.value.clone())
                    })
                    .collect(),
            ),
            (
                IdOf::Item,
                catalogs
                    .iter()
                    .flat_map(|c| c.value.items.iter().map(|i| i.id.value.clone()))
                    .collect(),
            ),
        ]);
        let org = self.check_organization(organization.as_ref(), org_twice, &roles);
        self.check_personnel_costs(&personnel_costs, &departments);
        self.check_taxes(&taxes);
        let compiled_formulas = self.check_formulas(&formulas);
        let compiled_chains = self.check_chains(&chains, &roles);
        let catalogs = self.check_catalogs(
            catalogs,
            &departments,
            &taxes,
            &formulas,
            &compiled_formulas,
            &chains,
            &roles,
        );
        let compiled_policies = self.check_policies(&policies);
        let (work_calendar, hours_per_day) = self.check_calendar(calendar.as_ref());
        let documents = self.check_documents(documents.as_ref());
        let temporary_jobs = self.check_temporary_jobs(
            temporary_jobs.as_ref(),
            &formulas,
            &compiled_formulas,
            &chains,
            &taxes,
        );

        let mut rules = Rules {
            organization: org?,
            roles,
            departments,
            personnel_costs,
            taxes,
            catalogs,
            formulas: compiled_formulas,
            chains: compiled_chains,
            policies: compiled_policies,
            calendar: work_calendar,
            hours_per_day,
            documents,
            temporary_jobs,
            imports: self.check_imports(imports.as_ref(), &formulas),
            catalog_status: Vec::new(),
        };
        // Catalogue approvals need the checked chains, so they come last;
        // a sign-off out of turn is a mistake in the rule file.
        let statuses: Vec<_> = rules
            .catalogs
            .iter()
            .map(|c| {
                let (status, problems) = crate::approval::catalog_status(&rules, c);
                // Unknown roles in these sign-offs were reported with the other
                // references above; say each mistake once.
                self.diags.extend(
                    problems
                        .into_iter()
                        .filter(|d| d.code != "unknown-reference"),
                );
                // Not a mistake in the file (a price list is drafted before
                // it is approved), but nothing may be charged from it yet.
                // Said of rules without errors only: a mistake in a chain
                // or a department leaves every list unapproved.
                if !status.is_approved() && !self.diags.iter().any(Diagnostic::is_error) {
                    self.push(
                        Diagnostic::warning(
                            "catalog-not-approved",
                            format!(
                                "price list {} is not approved ({}): `notice` refuses it, and orders priced from it break the procedure",
                                c.version.value,
                                status.describe()
                            ),
                        )
                        .at(c.approval.loc, "its approval")
                        .hint("add the remaining sign-offs under `approval: signoffs:` once given"),
                    );
                }
                // Approved, but after the list took effect: the orders of
                // the days between were priced from a list not yet approved
                // (四（一）: 经公司领导审批后实施). A sign-off typed with the
                // wrong year shows here too.
                if status.is_approved()
                    && let Some(last) = c
                        .approval
                        .value
                        .signoffs
                        .iter()
                        .max_by_key(|s| s.date.value)
                    && last.date.value > c.effective_from.value
                {
                    self.push(
                        Diagnostic::warning(
                            "approved-after-effective",
                            format!(
                                "price list {} takes effect on {} but its last sign-off is dated {}: it was in force before it was approved",
                                c.version.value, c.effective_from.value, last.date.value
                            ),
                        )
                        .at(last.date.loc, "signed after the list took effect")
                        .also(c.effective_from.loc, "in force from here")
                        .hint("check the sign-off's date; if it is right, make the list take effect on or after it"),
                    );
                }
                status
            })
            .collect();
        rules.catalog_status = statuses;
        self.check_formula_sums(&rules, &formulas);
        Some(rules)
    }

    /// Prices each formula with a few sets of made-up inputs and reports a
    /// formula whose cost, fee and tax lines do not add up to its total:
    /// pricing refuses such a result every time it happens, with no place in
    /// the rules, so it is the rule file's mistake (a total that leaves a
    /// line out or counts one twice, or is rounded differently from its
    /// parts). A line that cannot be computed (a division by zero, an
    /// amount too large) with every set is an error at that line: no price
    /// would ever come of it; with some sets only, a warning naming them.
    fn check_formula_sums(&mut self, rules: &Rules, formulas: &IdMap<Formula>) {
        for compiled in &rules.formulas {
            let Some(total_line) = formulas
                .get(&compiled.id)
                .and_then(|f| f.lines.get(compiled.total))
            else {
                continue;
            };
            // (what failed, with which inputs) for each set that fails.
            let mut failed: Vec<(Diagnostic, String)> = Vec::new();
            let mut reported = false;
            for sample in TRIAL_INPUTS {
                let given: std::collections::BTreeMap<String, crate::pricing::GivenInput> =
                    compiled
                        .inputs
                        .iter()
                        // An input with a default can still be given by
                        // an order or a job: only a fixed one cannot.
                        .filter(|i| !i.fixed)
                        .filter_map(|i| {
                            let text = sample.text(i.kind)?;
                            Some((
                                i.name.clone(),
                                crate::pricing::GivenInput {
                                    text: text.to_string(),
                                    place: None,
                                },
                            ))
                        })
                        .collect();
                let rows = sample.rows();
                let result = crate::pricing::evaluate(
                    rules,
                    compiled,
                    &given,
                    Rate::parse(sample.tax).ok(),
                    Decimal::from_str_exact(sample.quantity).ok(),
                    &rows,
                    "trial",
                );
                let Err(problems) = result else { continue };
                let with: Vec<String> = compiled
                    .inputs
                    .iter()
                    .filter_map(|i| {
                        let value = match (i.from, i.fixed, i.kind) {
                            (Some(InputSource::Tax), _, _) => sample.tax.to_string(),
                            (Some(InputSource::Quantity), _, _) => sample.quantity.to_string(),
                            (None, true, _) => return None,
                            (None, false, InputType::Labour) => {
                                format!("{} 行", rows.labour.len())
                            }
                            (None, false, InputType::Materials) => {
                                format!("{} 行", rows.materials.len())
                            }
                            (None, false, kind) => sample.text(kind)?.to_string(),
                        };
                        Some(format!("{} = {value}", i.name))
                    })
                    .collect();
                let with = if with.is_empty() {
                    "its defaults".to_string()
                } else {
                    with.join(", ")
                };
                if let Some(failure) = problems.iter().find(|d| d.code == "evaluation").cloned() {
                    failed.push((failure, with));
                    continue;
                }
                if reported {
                    continue;
                }
                if let Some(negative) = problems.iter().find(|d| d.code == "negative-price") {
                    let comes_to = negative
                        .message
                        .split_once("comes to ")
                        .and_then(|(_, rest)| rest.split(',').next())
                        .unwrap_or("less than nothing");
                    self.push(
                        Diagnostic::warning(
                            "negative-price",
                            format!(
                                "formula `{}` can come to less than nothing: with {with}, its total is {comes_to}",
                                compiled.id
                            ),
                        )
                        .at(total_line.expr.loc, "can be negative")
                        .hint("pricing refuses a negative price: bound the total with `max(0, ...)` or give the item a minimum charge"),
                    );
                    reported = true;
                    continue;
                }
                let Some(sum) = problems.iter().find(|d| d.code == "lines-do-not-add-up") else {
                    continue;
                };
                let found = sum
                    .message
                    .split_once("add up to ")
                    .map_or(sum.message.as_str(), |(_, rest)| rest);
                self.push(
                    Diagnostic::error(
                        "lines-do-not-add-up",
                        format!(
                            "the cost, fee and tax lines of formula `{}` do not add up to its total: with {}, they add up to {found}",
                            compiled.id,
                            with
                        ),
                    )
                    .at(total_line.expr.loc, "not the sum of the cost, fee and tax lines")
                    .hint("pricing refuses a price whose lines do not add up: make the total the sum of the `cost`, `fee` and `tax` lines as rounded, and mark lines that are not added `kind: subtotal` or `kind: info`"),
                );
                reported = true;
            }
            self.line_failures(&failed, total_line.expr.loc);
        }
    }

    /// Reports a formula line that failed with some of the made-up inputs
    /// (`failed`: pricing's problem and the inputs, for each set that
    /// failed), at the line, once.
    fn line_failures(&mut self, failed: &[(Diagnostic, String)], fallback: Loc) {
        let Some((first, with)) = failed.first() else {
            return;
        };
        let line = first.secondary.iter().find_map(|l| match l.place {
            crate::diagnostic::Place::Span(loc) => Some((loc, l.text.as_str())),
            _ => None,
        });
        let (at, line) = line.unwrap_or((fallback, "a line"));
        // pricing says "trial: line `labour` of formula `paid_repair`: division
        // by zero", or "… `paid_repair` = 18000000000000.00: too large …".
        let rest = first
            .message
            .strip_prefix("trial: ")
            .and_then(|m| m.strip_prefix(line))
            .unwrap_or(&first.message);
        let why = match rest.strip_prefix(" = ") {
            Some(value) => format!("it comes to {value}"),
            None => rest.trim_start_matches(": ").to_string(),
        };
        let d = if failed.len() == TRIAL_INPUTS.len() {
            Diagnostic::error(
                "formula-always-fails",
                format!(
                    "{line} fails with every set of made-up inputs `check` prices it with (the first: {with}): {why}"
                ),
            )
            .at(at, "fails whatever the inputs")
            .hint("pricing would refuse every price from this formula: correct the line (a divisor that is always 0, a factor with extra zeros)")
        } else {
            Diagnostic::warning(
                "formula-can-fail",
                format!("{line} fails with {with}: {why}"),
            )
            .at(at, "fails for some inputs")
            .hint("pricing refuses a price whose values make this line fail: if such values can be given, correct the line (bound a divisor with `max(1, ...)`); if they cannot, nothing needs doing")
        };
        self.push(d);
    }

    fn check_imports(
        &mut self,
        imports: Option<&Sp<ImportSettings>>,
        formulas: &IdMap<Formula>,
    ) -> ImportSettings {
        let Some(i) = imports else {
            return ImportSettings::default();
        };
        if let Some(cols) = &i.value.orders {
            // A header read for two fields would fill both from one column
            // (`customer: [地址]` billed every customer under a room number).
            let known: HashSet<&str> = formulas
                .iter()
                .flat_map(|(_, f)| f.inputs.iter().map(|(name, _)| name.value.as_str()))
                .collect();
            let (fields, inputs) = crate::orders_input::headers(Some(cols));
            let named = crate::orders_input::FIELDS
                .iter()
                .map(|(f, _, _)| f.to_string())
                .zip(fields)
                .chain(
                    inputs
                        .into_iter()
                        .filter(|(name, _)| known.contains(name.as_str())),
                );
            let mut owner: HashMap<String, String> = HashMap::new();
            for (field, headers) in named {
                for h in headers {
                    let key = crate::tabular::normalize_header(&h);
                    match owner.get(&key) {
                        Some(first) if *first != field => {
                            let configured =
                                cols.columns.get(&field).or_else(|| cols.columns.get(first));
                            let d = Diagnostic::error(
                                "duplicate-header",
                                format!(
                                    "the header `{h}` is read for both `{first}` and `{field}`"
                                ),
                            );
                            self.push(
                                match configured {
                                    Some(list) => d.at(list.loc, "here"),
                                    None => d.at(i.loc, "in these imports"),
                                }
                                .hint("a column fills one field: take the header out of one list (a field's built-in headers are replaced by listing its own)"),
                            );
                        }
                        Some(_) => {}
                        None => {
                            owner.insert(key, field.clone());
                        }
                    }
                }
            }
            for name in cols.inputs.keys() {
                if !known.contains(name.as_str()) {
                    self.push(
                        Diagnostic::error(
                            "unknown-input",
                            format!("no formula has an input `{name}`"),
                        )
                        .at(i.loc, "in these imports")
                        .hint_opt(did_you_mean(name, known.iter().copied()))
                        .hint("`imports.orders.inputs` lists the headers of formula inputs, by the input's name"),
                    );
                }
            }
            for (field, headers) in &cols.columns {
                if !crate::orders_input::FIELDS
                    .iter()
                    .any(|(f, _, _)| f == field)
                {
                    let names: Vec<&str> = crate::orders_input::FIELDS
                        .iter()
                        .map(|(f, _, _)| *f)
                        .collect();
                    self.push(
                        Diagnostic::error(
                            "unknown-field",
                            format!("work orders have no field `{field}`"),
                        )
                        .at(headers.loc, "for this field")
                        .hint_opt(did_you_mean(field, names.iter().copied()))
                        .hint(format!("fields: {}", names.join(", "))),
                    );
                }
                if headers.value.is_empty() {
                    self.push(
                        Diagnostic::error(
                            "empty-value",
                            format!("no headers listed for `{field}`"),
                        )
                        .at(headers.loc, "empty")
                        .hint("list the column headers this field may have"),
                    );
                }
            }
        }
        i.value.clone()
    }

    fn check_temporary_jobs(
        &mut self,
        settings: Option<&Sp<TemporaryJobSettings>>,
        formulas: &IdMap<Formula>,
        compiled: &[CompiledFormula],
        chains: &IdMap<ApprovalChain>,
        taxes: &IdMap<Tax>,
    ) -> Option<TemporaryJobSettings> {
        let s = &settings?.value;
        // A job has labour and materials rows, not a quantity ordered: an
        // input that takes the order's quantity would have no value in
        // every quote, and one with `from` cannot be given by the job.
        if let Some(f) = formulas.get(&s.formula.value) {
            for (name, input) in f.inputs.iter() {
                if input.from == Some(InputSource::Quantity) {
                    self.push(
                        Diagnostic::error(
                            "no-quantity",
                            format!(
                                "input `{}` of formula `{}` takes the quantity ordered, but a temporary job has none",
                                name.value, s.formula.value
                            ),
                        )
                        .at(name.loc, "`from: quantity`")
                        .also(s.formula.loc, "the formula of temporary jobs")
                        .hint("remove `from: quantity`: the job then gives the value under `inputs:`"),
                    );
                }
            }
        }
        if !formulas.contains(&s.formula.value) {
            self.unknown("formula", &s.formula, formulas, "formulas");
        } else if let Some(f) = compiled.iter().find(|f| f.id == s.formula.value)
            && f.tax.is_none()
        {
            self.push(
                Diagnostic::warning(
                    "formula-without-tax",
                    format!("formula `{}` has no `kind: tax` line, so quotes will show no tax", s.formula.value),
                )
                .at(s.formula.loc, "used for temporary jobs")
                .hint("the procedure prices temporary jobs with 税金: add a tax line using an input with `from: tax`"),
            );
        }
        match chains.get(&s.chain.value) {
            None => self.unknown("approval chain", &s.chain, chains, "approval_chains"),
            Some(chain) => self.chain_kind(chain, "quote", "quotes", &s.chain),
        }
        if !taxes.contains(&s.tax.value) {
            self.unknown("tax", &s.tax, taxes, "taxes");
        }
        Some(s.clone())
    }

    /// A section that may be written once.
    /// Keeps the first of a section written once; returns whether this file
    /// wrote it again (reported here).
    fn single<T>(&mut self, section: &str, slot: &mut Option<Sp<T>>, new: Option<Sp<T>>) -> bool {
        let Some(new) = new else { return false };
        if let Some(first) = slot {
            let d = Diagnostic::error(
                "duplicate-section",
                format!("the `{section}:` section is written in two files"),
            )
            .at(new.loc, "written again here")
            .also(first.loc, "first written here")
            .hint(format!(
                "keep one `{section}:` section and delete the other"
            ));
            self.push(d);
            true
        } else {
            *slot = Some(new);
            false
        }
    }

    /// Merges a map section; an id defined twice is reported at both places.
    fn merge<V>(&mut self, kind: &str, into: &mut IdMap<V>, from: IdMap<V>) {
        for (id, v) in from.0 {
            if let Some((first, _)) = into.get_entry(&id.value) {
                // A new rate of a tax is the commonest reason to write a
                // tax again (in a file of its own, from the day it changes).
                let hint = if kind == "tax" {
                    "a tax's rate that changes from a date goes under the existing tax's `rates:`, with `until:` on the rate it replaces; otherwise rename one of them or delete the copy".to_string()
                } else {
                    format!(
                        "rename one of them or delete the copy; {kind} ids must be unique across all rule files"
                    )
                };
                let d = Diagnostic::error(
                    "duplicate-id",
                    format!("{kind} `{}` is defined twice", id.value),
                )
                .at(id.loc, "defined again here")
                .also(first.loc, "first defined here")
                .hint(hint);
                self.push(d);
                self.duplicated.insert((kind.to_string(), id.value.clone()));
            } else {
                into.0.push((id, v));
            }
        }
    }

    fn check_id(&mut self, kind: &str, id: &Sp<String>) {
        if !is_valid_id(&id.value) {
            self.push(
                Diagnostic::error("invalid-id", format!("`{}` is not a valid {kind} id", id.value))
                    .at(id.loc, "invalid id")
                    .hint("ids start with a letter and use only ASCII letters, digits, `_` and `-`, e.g. `indoor-cleaning`"),
            );
        }
    }

    /// Reports a chain used for records of another kind than it approves.
    /// A chain whose `on` is unknown has its own error; saying it is the
    /// wrong kind too would send the reader after two mistakes.
    fn chain_kind(&mut self, chain: &ApprovalChain, kind: &str, records: &str, used: &Sp<String>) {
        if chain.on.value == kind || crate::records::RecordKind::parse(&chain.on.value).is_none() {
            return;
        }
        self.push(
            Diagnostic::error(
                "wrong-chain",
                format!(
                    "approval chain `{}` approves `{}` records, not {records}",
                    used.value, chain.on.value
                ),
            )
            .at(
                used.loc,
                format!("not a {} chain", records.trim_end_matches('s')),
            )
            .hint(format!("use a chain with `on: {kind}`")),
        );
    }

    /// Reports a reference to an id that does not exist.
    fn unknown<V>(&mut self, kind: &str, reference: &Sp<String>, map: &IdMap<V>, section: &str) {
        let kinds = plural(kind);
        let mut d = Diagnostic::error(
            "unknown-reference",
            format!("unknown {kind} `{}`", reference.value),
        )
        .at(reference.loc, format!("no {kind} with this id"));
        let suggestion = did_you_mean(&reference.value, map.keys());
        d = d.hint_opt(suggestion.clone());
        let close = match crate::diagnostic::closest(&reference.value, map.keys()).as_slice() {
            [one] => map
                .iter()
                .find(|(k, _)| k.value == *one)
                .map(|(k, _)| (k.value.clone(), k.loc)),
            _ => None,
        };
        self.unknowns.push(Unknown {
            diag: self.diags.len(),
            name: reference.value.clone(),
            close,
            suggestion,
        });
        let known: Vec<&str> = map.keys().collect();
        d = if known.is_empty() {
            d.hint(format!("no {kind} is defined: add a `{section}:` section"))
        } else {
            d.hint(format!(
                "{kinds} defined in `{section}:`: {}",
                known.join(", ")
            ))
        };
        self.push(d);
    }

    fn check_organization(
        &mut self,
        org: Option<&Sp<Organization>>,
        written_twice: bool,
        roles: &IdMap<Role>,
    ) -> Option<Organization> {
        let Some(org) = org else {
            self.push(
                Diagnostic::error(
                    "missing-section",
                    "no `organization:` section in any rule file",
                )
                .hint("add `organization: {name: …, payment_channels: {…}}` to one rule file"),
            );
            return None;
        };
        let o = &org.value;
        if o.currency.value != "CNY" {
            self.push(
                Diagnostic::error(
                    "unsupported-currency",
                    format!("currency `{}` is not supported", o.currency.value),
                )
                .at(o.currency.loc, "only CNY")
                .hint("feebook prices in 人民币: write `currency: CNY` or leave it out"),
            );
        }
        if let Some(problem) = crate::text::name_problem(&o.name) {
            self.push(
                Diagnostic::error("empty-name", format!("the organisation's name {problem}"))
                    .at(org.loc, "here")
                    .hint("every document prints it at the top"),
            );
        }
        for (id, ch) in o.payment_channels.iter() {
            self.check_id("payment channel", id);
            if !roles.contains(&ch.received_by.value) {
                self.unknown("role", &ch.received_by, roles, "roles");
            }
        }
        // With two `organization:` sections, which one lacks the channels
        // is beside the point: `duplicate-section` says what to do.
        if o.payment_channels.is_empty() && !written_twice {
            self.push(
                Diagnostic::warning("no-payment-channels", "no payment channels are defined")
                    .at(org.loc, "in this organization")
                    .hint("billing notices list the company's payment channels; add `payment_channels:`"),
            );
        }
        Some(o.clone())
    }

    fn check_personnel_costs(
        &mut self,
        costs: &IdMap<PersonnelCost>,
        departments: &IdMap<Department>,
    ) {
        for (_, c) in costs.iter() {
            if let Some(dep) = &c.department
                && !departments.contains(&dep.value)
            {
                self.unknown("department", dep, departments, "departments");
            }
            self.check_amount("personnel cost", &c.rate, ABSURD_PERSONNEL_COST, false);
            for e in &c.earlier {
                self.check_amount(
                    "personnel cost",
                    &e.value.rate,
                    ABSURD_PERSONNEL_COST,
                    false,
                );
            }
            // The earlier rates and `rate` follow one another day by day:
            // a job's date always finds one rate.
            let Some(last) = c.earlier.last() else {
                continue;
            };
            let Some(from) = &c.from else {
                self.push(
                    Diagnostic::error(
                        "missing-field",
                        "earlier personnel costs are given, but not the day `rate` took effect",
                    )
                    .at(last.value.until.loc, "the last earlier rate ends here")
                    .hint(format!(
                        "add `from: {}` beside `rate:`",
                        last.value
                            .until
                            .value
                            .succ_opt()
                            .unwrap_or(last.value.until.value)
                    )),
                );
                continue;
            };
            for pair in c.earlier.windows(2) {
                if pair[1].value.until.value <= pair[0].value.until.value {
                    self.push(
                        Diagnostic::error(
                            "date-order",
                            "earlier personnel costs are listed oldest first, each ending after the one before",
                        )
                        .at(pair[1].value.until.loc, "ends no later than the rate above")
                        .also(pair[0].value.until.loc, "the rate above ends here")
                        .hint("order them by `until`, oldest first"),
                    );
                }
            }
            if last.value.until.value.succ_opt() != Some(from.value) {
                let day_before = from.value.pred_opt().unwrap_or(from.value);
                self.push(
                    Diagnostic::error(
                        "cost-gap",
                        format!(
                            "the last earlier rate ends on {}, but `rate` takes effect on {}: they must meet",
                            last.value.until.value, from.value
                        ),
                    )
                    .at(last.value.until.loc, "ends here")
                    .also(from.loc, "`rate` from here")
                    .hint(format!("end the earlier rate on {day_before}, the day before `from`")),
                );
            }
        }
    }

    /// Negative, zero or absurd amounts.
    fn check_amount(&mut self, what: &str, amount: &Sp<Money>, absurd: i64, zero_ok: bool) {
        let v = amount.value.amount();
        if v.is_sign_negative() && !v.is_zero() {
            self.push(
                Diagnostic::error(
                    "negative-amount",
                    format!("{what} {} is negative", amount.value),
                )
                .at(amount.loc, "negative")
                .hint("amounts in rule files are never negative"),
            );
        } else if v.is_zero() && !zero_ok {
            self.push(
                Diagnostic::warning("zero-amount", format!("{what} is zero"))
                    .at(amount.loc, "zero")
                    .hint("if the service is free, say so in `notes`; otherwise write the price"),
            );
        } else if v > Decimal::from(absurd) {
            self.push(
                Diagnostic::error(
                    "absurd-amount",
                    format!("{what} {} is implausibly high", amount.value.yuan()),
                )
                .at(amount.loc, format!("more than ¥{absurd}"))
                .hint("check for a misplaced decimal point or extra zeros"),
            );
        }
    }

    fn check_taxes(&mut self, taxes: &IdMap<Tax>) {
        for (id, tax) in taxes.iter() {
            if tax.rates.is_empty() {
                self.push(
                    Diagnostic::error("no-tax-rates", format!("tax `{}` has no rates", id.value))
                        .at(id.loc, "no rates")
                        .hint("add `rates: [{rate: 6%, from: 2026-01-01}]`"),
                );
            }
            // The range of a rate (0% to 100%) is checked when it is read
            // (`Rate`), with the place; here the periods, and a rate no tax
            // has (0.5 meant as 0.5% reads as 50%).
            for r in &tax.rates {
                let rate = r.value.rate.value;
                if rate.fraction() > UNUSUAL_TAX_RATE {
                    let written = self
                        .sources
                        .slice(r.value.rate.loc)
                        .trim()
                        .trim_matches(['"', '\'']);
                    let bare = !written.is_empty() && !written.contains(['%', '％']);
                    let hint = if bare {
                        format!(
                            "a number without `%` is a fraction: {written} is {}; for {written}% write `{written}%`",
                            crate::quote::percent(rate.fraction())
                        )
                    } else {
                        "check the rate against the tax authority's notice (China's VAT is 13% at most)".to_string()
                    };
                    self.push(
                        Diagnostic::warning(
                            "unusual-tax-rate",
                            format!(
                                "a tax rate of {} is far above any VAT rate",
                                crate::quote::percent(rate.fraction())
                            ),
                        )
                        .at(r.value.rate.loc, "this rate")
                        .hint(hint),
                    );
                }
                if let Some(until) = &r.value.until
                    && until.value < r.value.from.value
                {
                    self.push(
                        Diagnostic::error("date-order", "`until` is before `from`")
                            .at(until.loc, "before `from`")
                            .also(r.value.from.loc, "from")
                            .hint("swap the dates, or fix the typo"),
                    );
                }
            }
            // Overlapping periods: sort by start; a period overlaps the next
            // when it has an explicit end on or after the next start, or
            // two start on the same day.
            let mut rates: Vec<&Sp<TaxRate>> = tax.rates.iter().collect();
            rates.sort_by_key(|r| r.value.from.value);
            for pair in rates.windows(2) {
                let (a, b) = (&pair[0].value, &pair[1].value);
                let overlap = a.from.value == b.from.value
                    || a.until.as_ref().is_some_and(|u| u.value >= b.from.value);
                if overlap {
                    self.push(
                        Diagnostic::error(
                            "overlapping-dates",
                            format!("two rates of tax `{}` apply on {}", id.value, b.from.value),
                        )
                        .at(b.from.loc, "this period")
                        .also(a.from.loc, "overlaps this one")
                        .hint("end the earlier rate the day before the later one starts (`until:`), or remove `until:` and let the next rate end it"),
                    );
                } else if let Some(until) = &a.until
                    // An end before the start is reported as such above.
                    && until.value >= a.from.value
                    && until
                        .value
                        .succ_opt()
                        .is_some_and(|next| next < b.from.value)
                {
                    // Anything dated in between has no rate: pricing it
                    // fails, with no place in the rules.
                    let first = until.value.succ_opt().unwrap_or(until.value);
                    let last = b.from.value.pred_opt().unwrap_or(b.from.value);
                    let days = if first == last {
                        format!("on {first}")
                    } else {
                        format!("from {first} to {last}")
                    };
                    self.push(
                        Diagnostic::error(
                            "tax-gap",
                            format!("tax `{}` has no rate {days}", id.value),
                        )
                        .at(until.loc, "this rate ends here")
                        .also(b.from.loc, "the next one starts here")
                        .hint(format!(
                            "end the earlier rate on {last} (the day before the next starts), or remove its `until:` and let the next rate end it"
                        )),
                    );
                }
            }
        }
    }

    fn check_formulas(&mut self, formulas: &IdMap<Formula>) -> Vec<CompiledFormula> {
        let mut out = Vec::new();
        for (id, f) in formulas.iter() {
            if let Some(cf) = self.check_formula(id, f) {
                out.push(cf);
            }
        }
        out
    }

    fn check_formula(&mut self, id: &Sp<String>, f: &Formula) -> Option<CompiledFormula> {
        let mut scope = expr::Scope::new();
        let mut inputs = Vec::new();
        let mut ok = true;
        for (name, input) in f.inputs.iter() {
            if !expr::is_identifier(&name.value) {
                self.push(
                    Diagnostic::error(
                        "invalid-name",
                        format!("`{}` cannot be used as a name in expressions", name.value),
                    )
                    .at(name.loc, "not an identifier")
                    .hint("names start with a letter (Chinese is fine) or `_`, and use letters, digits and `_`; keywords such as `and`, `in`, `if` are reserved"),
                );
                ok = false;
                continue;
            }
            let kind = input.ty.value;
            let added = match kind {
                InputType::Labour => scope.add_table(&name.value, &columns(&LABOUR_COLUMNS)),
                InputType::Materials => scope.add_table(&name.value, &columns(&MATERIALS_COLUMNS)),
                _ => scope.add_var(&name.value, scalar_type(kind), false),
            };
            let slot = match added {
                Ok(slot) => slot as usize,
                Err(e) => {
                    self.push(
                        Diagnostic::error("invalid-name", format!("input `{}`: {e}", name.value))
                            .at(name.loc, "")
                            .hint("give every input its own name"),
                    );
                    ok = false;
                    continue;
                }
            };
            match (input.from, kind) {
                (Some(InputSource::Tax), InputType::Rate) => {}
                (Some(InputSource::Quantity), InputType::Quantity | InputType::Count) => {}
                (Some(src), _) => {
                    self.push(
                        Diagnostic::error(
                            "input-source-type",
                            format!(
                                "input `{}` of type {} cannot come from `{}`",
                                name.value,
                                input_type_name(kind),
                                match src {
                                    InputSource::Tax => "tax",
                                    InputSource::Quantity => "quantity",
                                }
                            ),
                        )
                        .at(input.ty.loc, "this type")
                        .hint(
                            "`from: tax` gives a rate; `from: quantity` gives a quantity or count",
                        ),
                    );
                    ok = false;
                }
                (None, _) => {}
            }
            let default = match &input.default {
                Some(text) => match parse_default(kind, &text.value) {
                    Ok(expr::Value::Num(n))
                        if kind == InputType::Money && n.is_sign_negative() && !n.is_zero() =>
                    {
                        self.push(
                            Diagnostic::error(
                                "negative-amount",
                                format!(
                                    "default of `{}` is negative: {}",
                                    name.value,
                                    text.value.trim()
                                ),
                            )
                            .at(text.loc, "negative")
                            .hint("amounts in rule files are never negative; a discount is a line of the formula, bounded with `max(0, ...)`"),
                        );
                        ok = false;
                        None
                    }
                    Ok(v) => Some(v),
                    Err(message) => {
                        self.push(
                            Diagnostic::error(
                                "invalid-default",
                                format!(
                                    "default of `{}` is not a valid {}: {message}",
                                    name.value,
                                    input_type_name(kind)
                                ),
                            )
                            .at(text.loc, "invalid default")
                            .hint(default_hint(kind)),
                        );
                        ok = false;
                        None
                    }
                },
                None => None,
            };
            if input.fixed && input.default.is_none() && input.from.is_none() {
                self.push(
                    Diagnostic::error(
                        "fixed-without-default",
                        format!("input `{}` is fixed but has no value", name.value),
                    )
                    .at(name.loc, "fixed: true")
                    .hint("give the value the rules fix it to with `default:`, or remove `fixed: true` to let each order or job give it"),
                );
                ok = false;
            }
            inputs.push(InputDef {
                name: name.value.clone(),
                kind,
                label: input.label.clone().unwrap_or_else(|| name.value.clone()),
                default,
                from: input.from,
                fixed: input.fixed || input.from.is_some(),
                unit: input.unit.clone(),
                slot,
            });
        }

        // Line names: valid, unique, not clashing with inputs.
        let mut seen: HashMap<&str, Loc> = HashMap::new();
        for line in &f.lines {
            if !expr::is_identifier(&line.id.value) {
                self.push(
                    Diagnostic::error(
                        "invalid-name",
                        format!("`{}` cannot be used as a line name", line.id.value),
                    )
                    .at(line.id.loc, "not an identifier")
                    .hint("names start with a letter or `_`, and use letters, digits and `_`"),
                );
                ok = false;
            }
            if let Some(first) = seen.get(line.id.value.as_str()) {
                self.push(
                    Diagnostic::error(
                        "duplicate-id",
                        format!("line `{}` is defined twice", line.id.value),
                    )
                    .at(line.id.loc, "defined again here")
                    .also(*first, "first defined here")
                    .hint("give every line of a formula its own id"),
                );
                ok = false;
            } else {
                seen.insert(&line.id.value, line.id.loc);
            }
            if f.inputs.get(&line.id.value).is_some() {
                self.push(
                    Diagnostic::error(
                        "name-clash",
                        format!("line `{}` has the name of an input", line.id.value),
                    )
                    .at(line.id.loc, "also an input")
                    .hint("rename the line or the input"),
                );
                ok = false;
            }
        }
        if f.lines.is_empty() {
            self.push(
                Diagnostic::error("no-lines", format!("formula `{}` has no lines", id.value))
                    .at(id.loc, "no lines")
                    .hint("add `lines:` with at least a `kind: total` line"),
            );
            return None;
        }
        if !ok {
            return None;
        }

        // Money kinds are declared money, so that a line of literals
        // (`base = 50`) types as money and a quantity where money belongs
        // is reported on the line itself.
        let specs: Vec<expr::LineSpec> = f
            .lines
            .iter()
            .map(|l| {
                let money = l.kind != LineKind::Info;
                let round = match l.round {
                    Some(r) => r.decimals(),
                    None if money => Some(2),
                    None => None,
                };
                let mut spec = expr::LineSpec::new(&l.id.value, &l.expr.value);
                if let Some(dp) = round {
                    spec = spec.rounded(dp, l.round_mode);
                }
                if money {
                    spec = spec.typed(Type::Money);
                }
                spec
            })
            .collect();
        let program = match expr::compile_program(&scope, &specs) {
            Ok(p) => p,
            Err(errors) => {
                for (i, e) in errors {
                    let line = &f.lines[i];
                    if e.span == expr::NO_SPAN {
                        self.push(
                            Diagnostic::error(
                                e.code,
                                format!("line `{}`: {}", line.id.value, e.message),
                            )
                            .at(line.id.loc, "")
                            .hint_opt(e.hint.clone()),
                        );
                    } else {
                        self.push_expr_error(&line.expr, &e, &format!("line `{}`", line.id.value));
                    }
                }
                return None;
            }
        };
        let mut lines = Vec::new();
        let mut total = Vec::new();
        let mut tax = Vec::new();
        for (i, line) in f.lines.iter().enumerate() {
            match line.kind {
                LineKind::Total => total.push(i),
                LineKind::Tax => tax.push(i),
                _ => {}
            }
            lines.push(LineDef {
                id: line.id.value.clone(),
                label: line.label.clone(),
                kind: line.kind,
                ty: program.lines()[i].ty(),
                expr_source: line.expr.value.clone(),
                expr_loc: line.expr.loc,
                expr_at: self
                    .sources
                    .slice(line.expr.loc)
                    .find(line.expr.value.as_str())
                    .and_then(|at| u32::try_from(at).ok()),
            });
        }
        if total.len() != 1 {
            let mut d = Diagnostic::error(
                "formula-total",
                if total.is_empty() {
                    format!("formula `{}` has no `kind: total` line", id.value)
                } else {
                    format!(
                        "formula `{}` has {} `kind: total` lines",
                        id.value,
                        total.len()
                    )
                },
            )
            .at(id.loc, "in this formula")
            .hint("mark exactly one line, the amount the customer pays, with `kind: total`");
            for &i in total.iter().skip(1) {
                d = d.also(f.lines[i].id.loc, "also a total");
            }
            self.push(d);
            ok = false;
        }
        if tax.len() > 1 {
            self.push(
                Diagnostic::error(
                    "formula-tax",
                    format!("formula `{}` has {} `kind: tax` lines", id.value, tax.len()),
                )
                .at(f.lines[tax[1]].id.loc, "second tax line")
                .also(f.lines[tax[0]].id.loc, "first tax line")
                .hint("add the taxes in one line of kind `tax`"),
            );
            ok = false;
        }
        // Inputs nobody reads are usually a typo on one side.
        let used: HashSet<&str> = program
            .lines()
            .iter()
            .flat_map(|l| l.expr().names().iter().map(|u| &*u.name))
            .collect();
        for (name, _) in f.inputs.iter() {
            if !used.contains(name.value.as_str()) {
                self.push(
                    Diagnostic::warning(
                        "unused-input",
                        format!("input `{}` is not used by any line", name.value),
                    )
                    .at(name.loc, "unused")
                    .hint("remove it, or use it in a line's expression"),
                );
            }
        }
        if !ok {
            return None;
        }
        Some(CompiledFormula {
            id: id.value.clone(),
            title: f.title.clone().unwrap_or_else(|| id.value.clone()),
            inputs,
            lines,
            program,
            total: total[0],
            tax: tax.first().copied(),
        })
    }

    fn push_expr_error(&mut self, sp: &Sp<String>, e: &expr::ExprError, context: &str) {
        let loc = self.expr_loc(sp, e.span);
        let d = Diagnostic::error(e.code, format!("{context}: {}", e.message))
            .at(loc, "")
            .hint_opt(e.hint.clone());
        self.push(d);
    }

    /// Maps a span inside an expression string to the rule file.
    fn expr_loc(&self, sp: &Sp<String>, span: expr::Span) -> Loc {
        let source = self.sources.slice(sp.loc);
        let start = value_offset_to_source(source, &sp.value, span.start as usize);
        let end = if span.end > span.start {
            // Map the last character, then step past it.
            let last = sp.value[..(span.end as usize).min(sp.value.len())]
                .char_indices()
                .next_back()
                .map_or(span.start as usize, |(i, _)| i);
            let s = value_offset_to_source(source, &sp.value, last);
            s + source[s..].chars().next().map_or(0, char::len_utf8)
        } else {
            start
        };
        sp.loc.sub(start as u32, end.max(start) as u32)
    }

    fn check_chains(
        &mut self,
        chains: &IdMap<ApprovalChain>,
        roles: &IdMap<Role>,
    ) -> Vec<CompiledChain> {
        let mut out = Vec::new();
        for (id, chain) in chains.iter() {
            let Some(on) = self.record_kind(&chain.on, &[RecordKind::Catalog, RecordKind::Quote])
            else {
                continue;
            };
            if chain.steps.is_empty() {
                self.push(
                    Diagnostic::error(
                        "no-steps",
                        format!("approval chain `{}` has no steps", id.value),
                    )
                    .at(id.loc, "no steps")
                    .hint("add `steps:` with at least one `{id, role, action}`"),
                );
                continue;
            }
            let mut steps = Vec::new();
            let mut seen: HashMap<&str, Loc> = HashMap::new();
            let mut ok = true;
            for step in &chain.steps {
                if let Some(first) = seen.get(step.id.value.as_str()) {
                    self.push(
                        Diagnostic::error(
                            "duplicate-id",
                            format!("step `{}` is defined twice", step.id.value),
                        )
                        .at(step.id.loc, "defined again here")
                        .also(*first, "first defined here")
                        .hint("give every step of a chain its own id"),
                    );
                    ok = false;
                }
                seen.insert(&step.id.value, step.id.loc);
                if !roles.contains(&step.role.value) {
                    self.unknown("role", &step.role, roles, "roles");
                    ok = false;
                }
                if step.each == Some(StepScope::ResponsibleDepartment) && on == RecordKind::Catalog
                {
                    self.push(
                        Diagnostic::error(
                            "invalid-step-scope",
                            "a catalogue has no responsible department",
                        )
                        .at(step.id.loc, "in this step")
                        .hint("use `each: involved_department` (each department with items) or leave `each` out"),
                    );
                    ok = false;
                }
                let when = match &step.when {
                    Some(cond) => match self.condition(
                        cond,
                        on,
                        &format!("condition of step `{}`", step.id.value),
                    ) {
                        Some(e) => Some(e),
                        None => {
                            ok = false;
                            None
                        }
                    },
                    None => None,
                };
                steps.push(CompiledStep {
                    id: step.id.value.clone(),
                    role: step.role.value.clone(),
                    action: step.action.clone(),
                    each: step.each,
                    when,
                });
            }
            if ok {
                out.push(CompiledChain {
                    id: id.value.clone(),
                    title: chain.title.clone().unwrap_or_else(|| id.value.clone()),
                    on,
                    steps,
                });
            }
        }
        out
    }

    /// Compiles a condition on a kind of record; it must be a bool, and
    /// compare a field with values the field can hold.
    fn condition(
        &mut self,
        cond: &Sp<String>,
        on: RecordKind,
        context: &str,
    ) -> Option<expr::Expr> {
        match expr::compile(&cond.value, &on.scope()) {
            Ok(e) if e.ty() == Type::Bool => self.check_values(cond, &e, on, context).then_some(e),
            Ok(e) => {
                let ty = e.ty();
                self.push(
                    Diagnostic::error(
                        "type-mismatch",
                        format!(
                            "{context}: a condition must be true or false, but this is {}",
                            type_name(ty)
                        ),
                    )
                    .at(cond.loc, format!("{} value", type_name(ty)))
                    .hint("compare it, e.g. `total > 5000`"),
                );
                None
            }
            Err(errors) => {
                for e in errors {
                    self.push_expr_error(cond, &e, context);
                }
                None
            }
        }
    }

    /// A text literal compared with a field (`==`, `!=`, `in`) must be a
    /// value the field can hold: a misspelt one makes the condition never
    /// (or always) true, and the policy silently never applies.
    fn check_values(
        &mut self,
        cond: &Sp<String>,
        e: &expr::Expr,
        on: RecordKind,
        context: &str,
    ) -> bool {
        /// (field, text, the text's span) for each comparison of a field
        /// with a text literal.
        type Compared = (Arc<str>, Arc<str>, expr::Span);
        fn walk(n: &expr::Node, out: &mut Vec<Compared>) {
            let mut pair = |f: &expr::Node, v: &expr::Node| {
                if let (NodeKind::Name(name), NodeKind::Str(text)) = (&f.kind, &v.kind) {
                    out.push((name.clone(), text.clone(), v.span));
                }
            };
            match &n.kind {
                NodeKind::Binary {
                    op: BinOp::Eq | BinOp::Ne,
                    lhs,
                    rhs,
                } => {
                    pair(lhs, rhs);
                    pair(rhs, lhs);
                }
                NodeKind::In { lhs, list, .. } => list.iter().for_each(|item| pair(lhs, item)),
                _ => {}
            }
            expr::for_each_child(&n.kind, |c| walk(c, out));
        }
        let mut compared = Vec::new();
        walk(e.ast(), &mut compared);
        let mut ok = true;
        for (name, text, span) in compared {
            let Some((_, field)) = on.field(&name) else {
                continue;
            };
            let (allowed, what, listed): (Vec<&str>, String, String) = match field.values {
                Values::Any => continue,
                Values::OneOf(values) => (
                    values.to_vec(),
                    format!("`{name}`"),
                    format!("`{name}` is one of"),
                ),
                Values::Id(of) => (
                    self.ids
                        .get(&of)
                        .map_or(Vec::new(), |v| v.iter().map(String::as_str).collect()),
                    format!("{} id", of.name()),
                    format!("the {} ids are", of.name()),
                ),
            };
            if allowed.contains(&&*text) {
                continue;
            }
            let hint = did_you_mean(&text, allowed.iter().copied());
            let listed = format!("{listed}: {}", allowed.join(", "));
            let d = Diagnostic::error(
                "no-such-value",
                format!("{context}: `{name}` is never `{text}`"),
            )
            .at(self.expr_loc(cond, span), format!("not a {what}"))
            .hint_opt(hint)
            .hint(listed);
            self.push(d);
            ok = false;
        }
        ok
    }

    fn record_kind(&mut self, on: &Sp<String>, allowed: &[RecordKind]) -> Option<RecordKind> {
        match RecordKind::parse(&on.value) {
            Some(k) if allowed.contains(&k) => Some(k),
            found => {
                let names: Vec<&str> = allowed.iter().map(|k| k.name()).collect();
                let message = match found {
                    Some(k) => format!("approval chains cannot apply to `{}` records", k.name()),
                    None => format!("unknown record kind `{}`", on.value),
                };
                self.push(
                    Diagnostic::error("unknown-record-kind", message)
                        .at(on.loc, "not a record kind here")
                        .hint_opt(did_you_mean(&on.value, names.iter().copied()))
                        .hint(format!("record kinds: {}", names.join(", "))),
                );
                None
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn check_catalogs(
        &mut self,
        mut catalogs: Vec<Sp<Catalog>>,
        departments: &IdMap<Department>,
        taxes: &IdMap<Tax>,
        formulas: &IdMap<Formula>,
        compiled: &[CompiledFormula],
        chains: &IdMap<ApprovalChain>,
        roles: &IdMap<Role>,
    ) -> Vec<Catalog> {
        if catalogs.is_empty() {
            self.push(
                Diagnostic::error("missing-section", "no `catalog:` section in any rule file")
                    .hint("add the approved price list: `catalog: {version, effective_from, approval, items}`"),
            );
        }
        catalogs.sort_by_key(|c| c.value.effective_from.value);
        let mut versions: HashMap<String, Loc> = HashMap::new();
        for cat in &catalogs {
            let c = &cat.value;
            if let Some(first) = versions.get(&c.version.value) {
                self.push(
                    Diagnostic::error(
                        "duplicate-id",
                        format!("catalogue version `{}` is defined twice", c.version.value),
                    )
                    .at(c.version.loc, "defined again here")
                    .also(*first, "first defined here")
                    .hint("give each price list version its own label"),
                );
            }
            versions.insert(c.version.value.clone(), c.version.loc);
            if let Some(until) = &c.effective_until
                && until.value < c.effective_from.value
            {
                self.push(
                    Diagnostic::error("date-order", "`effective_until` is before `effective_from`")
                        .at(until.loc, "before the start")
                        .also(c.effective_from.loc, "start")
                        .hint("swap the dates, or fix the typo"),
                );
            }
            // Approval record.
            match chains.get(&c.approval.value.chain.value) {
                None => self.unknown(
                    "approval chain",
                    &c.approval.value.chain,
                    chains,
                    "approval_chains",
                ),
                Some(chain) => {
                    self.chain_kind(chain, "catalog", "catalogues", &c.approval.value.chain)
                }
            }
            for s in &c.approval.value.signoffs {
                self.check_signoff(&s.value, roles, departments);
            }
            if c.items.is_empty() {
                self.push(
                    Diagnostic::warning(
                        "empty-catalog",
                        format!("catalogue `{}` has no items", c.version.value),
                    )
                    .at(c.version.loc, "no items")
                    .hint("add `items:`"),
                );
            }
            let mut ids: HashMap<&str, Loc> = HashMap::new();
            for item in &c.items {
                self.check_item(item, departments, taxes, formulas, compiled);
                if let Some(first) = ids.get(item.id.value.as_str()) {
                    self.push(
                        Diagnostic::error(
                            "duplicate-id",
                            format!("item `{}` is defined twice", item.id.value),
                        )
                        .at(item.id.loc, "defined again here")
                        .also(*first, "first defined here")
                        .hint("every item of a catalogue needs its own id"),
                    );
                } else {
                    ids.insert(&item.id.value, item.id.loc);
                }
            }
        }
        // Overlaps between versions.
        for pair in catalogs.windows(2) {
            let (a, b) = (&pair[0].value, &pair[1].value);
            let overlap = a.effective_from.value == b.effective_from.value
                || a.effective_until
                    .as_ref()
                    .is_some_and(|u| u.value >= b.effective_from.value);
            // The same version twice (a file copied) is said once, as a
            // duplicate: that it overlaps itself follows.
            if overlap && a.version.value != b.version.value {
                self.push(
                    Diagnostic::error(
                        "overlapping-dates",
                        format!(
                            "catalogue versions `{}` and `{}` both apply on {}",
                            a.version.value, b.version.value, b.effective_from.value
                        ),
                    )
                    .at(b.effective_from.loc, "this version starts here")
                    .also(
                        a.effective_until.as_ref().map_or(a.effective_from.loc, |u| u.loc),
                        "while this one still applies",
                    )
                    .hint("end the earlier version the day before the later one starts, or remove its `effective_until`"),
                );
            } else if let Some(until) = &a.effective_until
                // An end before the start is reported as such above.
                && until.value >= a.effective_from.value
                && until
                    .value
                    .succ_opt()
                    .is_some_and(|next| next < b.effective_from.value)
            {
                // Orders served in between cannot be priced, and pricing
                // would say the last price list had ended.
                let first = until.value.succ_opt().unwrap_or(until.value);
                let last = b.effective_from.value.pred_opt().unwrap_or(first);
                self.push(
                    Diagnostic::error(
                        "catalog-gap",
                        format!(
                            "no price list applies from {first} to {last}, between `{}` and `{}`",
                            a.version.value, b.version.value
                        ),
                    )
                    .at(until.loc, "this version ends here")
                    .also(b.effective_from.loc, "the next one starts here")
                    .hint(format!(
                        "end `{}` on {last}, the day before `{}` starts, or remove its `effective_until`",
                        a.version.value, b.version.value
                    )),
                );
            }
        }
        // Every tax a price list charges has a rate on every day it is in
        // force: otherwise its items cannot be priced on those days.
        for (i, c) in catalogs.iter().enumerate() {
            let c = &c.value;
            let start = c.effective_from.value;
            let end = c.effective_until.as_ref().map(|u| u.value).or_else(|| {
                catalogs
                    .get(i + 1)
                    .and_then(|n| n.value.effective_from.value.pred_opt())
            });
            let mut seen: HashSet<&str> = HashSet::new();
            for item in &c.items {
                let id = item.tax.value.as_str();
                if !seen.insert(id)
                    || self
                        .duplicated
                        .contains(&("tax".to_string(), id.to_string()))
                {
                    continue;
                }
                let Some(tax) = taxes.get(id) else { continue };
                let Some(first) = tax.rates.iter().min_by_key(|r| r.value.from.value) else {
                    continue;
                };
                let open = tax.rates.iter().any(|r| r.value.until.is_none());
                let last = tax
                    .rates
                    .iter()
                    .filter_map(|r| r.value.until.as_ref())
                    .max_by_key(|u| u.value);
                let in_force = match end {
                    Some(e) => format!("in force from {start} to {e}"),
                    None => format!("in force from {start}"),
                };
                if first.value.from.value > start {
                    self.push(
                        Diagnostic::error(
                            "tax-gap",
                            format!(
                                "tax `{id}` has no rate before {}, but price list `{}` ({in_force}) charges it",
                                first.value.from.value, c.version.value
                            ),
                        )
                        .at(first.value.from.loc, "its first rate starts here")
                        .also(item.tax.loc, "charged here")
                        .hint(format!("add the rate in force from {start}")),
                    );
                }
                if let (false, Some(last)) = (open, last)
                    && end.is_none_or(|e| e > last.value)
                {
                    let next = last.value.succ_opt().unwrap_or(last.value);
                    self.push(
                        Diagnostic::error(
                            "tax-gap",
                            format!(
                                "tax `{id}` has no rate from {next}, but price list `{}` ({in_force}) charges it",
                                c.version.value
                            ),
                        )
                        .at(last.loc, "its last rate ends here")
                        .also(item.tax.loc, "charged here")
                        .hint(format!(
                            "add the rate in force from {next}, or remove `until:` from the last rate"
                        )),
                    );
                }
            }
        }
        catalogs.into_iter().map(|c| c.value).collect()
    }

    fn check_signoff(&mut self, s: &Signoff, roles: &IdMap<Role>, departments: &IdMap<Department>) {
        if !roles.contains(&s.role.value) {
            self.unknown("role", &s.role, roles, "roles");
        }
        if let Some(d) = &s.department
            && !departments.contains(&d.value)
        {
            self.unknown("department", d, departments, "departments");
        }
        if let Some(problem) = crate::text::name_problem(&s.name) {
            self.push(
                Diagnostic::error("empty-name", format!("the signer's name {problem}"))
                    .at(s.role.loc, "this sign-off")
                    .hint("write the name of the person who signed, as it is printed"),
            );
        }
    }

    fn check_item(
        &mut self,
        item: &Item,
        departments: &IdMap<Department>,
        taxes: &IdMap<Tax>,
        formulas: &IdMap<Formula>,
        compiled: &[CompiledFormula],
    ) {
        self.check_id("item", &item.id);
        if let Some(problem) = crate::text::name_problem(&item.name.value) {
            self.push(
                Diagnostic::error(
                    "empty-name",
                    format!("the name of item `{}` {problem}", item.id.value),
                )
                .at(item.name.loc, "here")
                .hint("the name is printed on every document"),
            );
        }
        if let Some(problem) = crate::text::name_problem(&item.unit) {
            self.push(
                Diagnostic::error(
                    "empty-name",
                    format!("the unit of item `{}` {problem}", item.id.value),
                )
                .at(item.id.loc, "this item")
                .hint("write the unit its quantity is counted in, e.g. 次, 小时, 平方米"),
            );
        }
        if !departments.contains(&item.department.value) {
            self.unknown("department", &item.department, departments, "departments");
        }
        if !taxes.contains(&item.tax.value) {
            self.unknown("tax", &item.tax, taxes, "taxes");
        }
        match (&item.unit_price, &item.formula) {
            (None, None) => self.push(
                Diagnostic::error("no-price", format!("item `{}` has neither `unit_price` nor `formula`", item.id.value))
                    .at(item.id.loc, "no price")
                    .hint("give `unit_price: \"3.00\"`, or `formula: <id>` for services priced by a formula"),
            ),
            (Some(p), Some(f)) => self.push(
                Diagnostic::error("price-and-formula", format!("item `{}` has both `unit_price` and `formula`", item.id.value))
                    .at(f.loc, "formula")
                    .also(p.loc, "unit price")
                    .hint("keep one: a fixed unit price, or a formula"),
            ),
            (Some(p), None) => self.check_amount("unit price", p, ABSURD_PRICE, false),
            (None, Some(f)) => {
                if !formulas.contains(&f.value) {
                    self.unknown("formula", f, formulas, "formulas");
                } else if let Some(cf) = compiled.iter().find(|c| c.id == f.value)
                    && cf.uses_tables()
                {
                    self.push(
                        Diagnostic::error(
                            "formula-needs-job",
                            format!("formula `{}` reads labour or materials rows, which a work order cannot supply", f.value),
                        )
                        .at(f.loc, "job formula")
                        .hint("price this item with a formula of scalar inputs (hours, materials amount), or handle the work as a temporary job (`feebook quote`)"),
                    );
                }
            }
        }
        if let Some(m) = &item.minimum_charge {
            self.check_amount("minimum charge", m, ABSURD_PRICE, true);
        }
    }

    fn check_policies(&mut self, policies: &[Policy]) -> Vec<CompiledPolicy> {
        let mut out = Vec::new();
        let mut ids: HashMap<&str, Loc> = HashMap::new();
        for p in policies {
            self.check_id("policy", &p.id);
            if let Some(first) = ids.get(p.id.value.as_str()) {
                self.push(
                    Diagnostic::error(
                        "duplicate-id",
                        format!("policy `{}` is defined twice", p.id.value),
                    )
                    .at(p.id.loc, "defined again here")
                    .also(*first, "first defined here")
                    .hint("policy ids must be unique across all rule files"),
                );
            } else {
                ids.insert(&p.id.value, p.id.loc);
            }
            let Some(on) = self.policy_kind(&p.on) else {
                continue;
            };
            let (cond, require) = match (&p.require, &p.forbid) {
                (Some(r), None) => (r, true),
                (None, Some(f)) => (f, false),
                (Some(r), Some(_)) => {
                    self.push(
                        Diagnostic::error(
                            "require-and-forbid",
                            format!("policy `{}` has both `require` and `forbid`", p.id.value),
                        )
                        .at(r.loc, "require")
                        .hint("split it into two policies"),
                    );
                    continue;
                }
                (None, None) => {
                    self.push(
                        Diagnostic::error("no-condition", format!("policy `{}` has neither `require` nor `forbid`", p.id.value))
                            .at(p.id.loc, "no condition")
                            .hint("add `require: <condition every record meets>` or `forbid: <condition no record may meet>`"),
                    );
                    continue;
                }
            };
            if let Some(field) = &p.field
                && on.field(&field.value).is_none()
            {
                let names: Vec<&str> = on.fields().iter().map(|f| f.name).collect();
                self.push(
                    Diagnostic::error(
                        "unknown-field",
                        format!("`{}` records have no field `{}`", on.name(), field.value),
                    )
                    .at(field.loc, "no such field")
                    .hint_opt(did_you_mean(&field.value, names.iter().copied()))
                    .hint(format!(
                        "fields of `{}`: {}",
                        on.name(),
                        names.join(", ")
                    )),
                );
            }
            if p.message.trim().is_empty() {
                self.push(
                    Diagnostic::error(
                        "empty-message",
                        format!("policy `{}` has an empty message", p.id.value),
                    )
                    .at(p.id.loc, "here")
                    .hint("say what is wrong and what to do; it is what users see"),
                );
            }
            let context = format!("`when` of policy `{}`", p.id.value);
            let when = match &p.when {
                Some(w) => match self.condition(w, on, &context) {
                    Some(e) => Some(e),
                    None => continue,
                },
                None => None,
            };
            let Some(condition) = self.condition(cond, on, &format!("policy `{}`", p.id.value))
            else {
                continue;
            };
            out.push(CompiledPolicy {
                id: p.id.value.clone(),
                title: p.title.clone(),
                on,
                when,
                condition,
                require,
                severity: p.severity,
                message: p.message.clone(),
                field: p.field.as_ref().map(|f| f.value.clone()),
                clause: p.clause.clone(),
                loc: p.id.loc,
            });
        }
        out
    }

    fn policy_kind(&mut self, on: &Sp<String>) -> Option<RecordKind> {
        match RecordKind::parse(&on.value) {
            Some(k) => Some(k),
            None => {
                let names: Vec<&str> = RecordKind::ALL.iter().map(|k| k.name()).collect();
                self.push(
                    Diagnostic::error(
                        "unknown-record-kind",
                        format!("unknown record kind `{}`", on.value),
                    )
                    .at(on.loc, "not a record kind")
                    .hint_opt(did_you_mean(&on.value, names.iter().copied()))
                    .hint(format!("policies apply to: {}", names.join(", "))),
                );
                None
            }
        }
    }

    fn check_calendar(&mut self, cal: Option<&Sp<Calendar>>) -> (WorkCalendar, Decimal) {
        let Some(cal) = cal else {
            return (WorkCalendar::plain(), Decimal::from(8));
        };
        let c = &cal.value;
        let hpd = c.hours_per_day.value.0;
        if hpd <= Decimal::ZERO || hpd > Decimal::from(24) {
            self.push(
                Diagnostic::error(
                    "out-of-range",
                    format!("hours_per_day is {hpd}: it must be more than 0 and at most 24"),
                )
                .at(c.hours_per_day.loc, "out of range")
                .hint("a working day is usually 8 hours"),
            );
        }
        if c.weekend.len() >= 7 {
            self.push(
                Diagnostic::error("no-workdays", "every day of the week is a weekend day")
                    .at(cal.loc, "in this calendar")
                    .hint("list only the days off, usually `[saturday, sunday]`"),
            );
        }
        let mut holiday_days: HashMap<NaiveDate, Loc> = HashMap::new();
        for h in &c.holidays {
            let from = h.value.from.value;
            let to = h.value.to.as_ref().map_or(from, |t| t.value);
            if to < from {
                self.push(
                    Diagnostic::error(
                        "date-order",
                        format!("holiday {}: `to` is before `from`", h.value.name),
                    )
                    .at(
                        h.value.to.as_ref().map_or(h.loc, |t| t.loc),
                        "before `from`",
                    )
                    .hint("swap the dates, or fix the typo"),
                );
                continue;
            }
            if (to - from).num_days() > 31 {
                self.push(
                    Diagnostic::error(
                        "out-of-range",
                        format!("holiday {} lasts more than a month", h.value.name),
                    )
                    .at(h.value.from.loc, "from here")
                    .hint("check the dates; public holidays last at most a few days"),
                );
                continue;
            }
            for d in from.iter_days().take_while(|d| *d <= to) {
                holiday_days.insert(d, h.value.from.loc);
            }
        }
        let mut weekend = [false; 7];
        for d in &c.weekend {
            weekend[*d as usize] = true;
        }
        for w in &c.workdays {
            let d = w.value.date.value;
            if let Some(h) = holiday_days.get(&d) {
                self.push(
                    Diagnostic::error(
                        "calendar-conflict",
                        format!("{d} is both a holiday and a make-up workday"),
                    )
                    .at(w.value.date.loc, "make-up workday")
                    .also(*h, "holiday")
                    .hint("a day is either off or worked: remove one of them"),
                );
            } else {
                use chrono::Datelike;
                if !weekend[d.weekday().num_days_from_monday() as usize] {
                    self.push(
                        Diagnostic::warning(
                            "calendar-redundant",
                            format!(
                                "make-up workday {d} is a {} and a working day anyway",
                                d.weekday()
                            ),
                        )
                        .at(w.value.date.loc, "already a working day")
                        .hint("make-up workdays (调休上班) are weekend days; check the date"),
                    );
                }
            }
        }
        (WorkCalendar::from_model(c), hpd)
    }

    fn check_documents(&mut self, docs: Option<&Sp<DocumentSettings>>) -> DocumentSettings {
        let Some(docs) = docs else {
            return DocumentSettings::default();
        };
        let d = &docs.value;
        for kind in [
            &d.notice,
            &d.quote,
            &d.work_order,
            &d.billing_notice,
            &d.receipt,
            &d.register,
        ]
        .into_iter()
        .flatten()
        {
            if let Some(t) = &kind.title
                && t.value.trim().is_empty()
            {
                self.push(
                    Diagnostic::error("empty-name", "the document's title is empty")
                        .at(t.loc, "empty")
                        .hint("write the title printed at the top, e.g. 收款收据, or remove `title:` for the default"),
                );
            }
            let mut seen: HashMap<&str, Loc> = HashMap::new();
            for c in &kind.copies {
                let label = c.value.trim();
                if label.is_empty() {
                    self.push(
                        Diagnostic::error("empty-name", "a copy label is empty")
                            .at(c.loc, "empty")
                            .hint("label every copy, e.g. 第一联 存根"),
                    );
                } else if let Some(first) = seen.get(label) {
                    self.push(
                        Diagnostic::error(
                            "duplicate-copy",
                            format!("two copies are labelled `{label}`"),
                        )
                        .at(c.loc, "again")
                        .also(*first, "first here")
                        .hint("each copy goes to someone else: label each its own way, e.g. 第二联 财务"),
                    );
                } else {
                    seen.insert(label, c.loc);
                }
            }
            if let Some(n) = &kind.numbering
                && let Err(e) = Pattern::parse(&n.value)
            {
                let source = self.sources.slice(n.loc);
                let start = value_offset_to_source(source, &n.value, e.offset);
                let end = value_offset_to_source(source, &n.value, e.offset + e.len).max(start + 1);
                self.push(
                    Diagnostic::error(
                        "invalid-numbering",
                        format!("numbering pattern: {}", e.message),
                    )
                    .at(n.loc.sub(start as u32, end as u32), "")
                    .hint("e.g. `SJ{year}-{seq:06}` gives SJ2026-000123"),
                );
            }
        }
        // Settings a kind of document has no use for are said, not
        // accepted silently: the notice and the register carry no number of
        // the journal, and only a billing notice has a due date.
        for (name, kind) in [
            ("notice", &d.notice),
            ("quote", &d.quote),
            ("work_order", &d.work_order),
            ("receipt", &d.receipt),
            ("register", &d.register),
        ] {
            let Some(kind) = kind else { continue };
            if matches!(name, "notice" | "register")
                && let Some(n) = &kind.numbering
            {
                self.push(
                    Diagnostic::warning(
                        "setting-not-used",
                        format!("a {name} is not numbered: `numbering` is not used"),
                    )
                    .at(n.loc, "not used")
                    .hint("remove it; work orders, billing notices and receipts take numbers from the journal, and a quote carries its job's number"),
                );
            }
            if let Some(days) = &kind.due_days {
                self.push(
                    Diagnostic::warning(
                        "setting-not-used",
                        format!("a {name} has no due date: `due_days` is not used"),
                    )
                    .at(self.key_before(days.loc, "due_days"), "not used")
                    .hint("`due_days` belongs under `billing_notice:`; remove it here"),
                );
            }
        }
        // Two kinds numbered in one series would take each other's numbers
        // (the journal refuses the second kind, only when it is issued).
        let patterns: Vec<(&str, &Sp<String>, Pattern)> = [
            ("notice", &d.notice),
            ("quote", &d.quote),
            ("work_order", &d.work_order),
            ("billing_notice", &d.billing_notice),
            ("receipt", &d.receipt),
            ("register", &d.register),
        ]
        .into_iter()
        .filter_map(|(name, kind)| {
            let n = kind.as_ref()?.numbering.as_ref()?;
            Some((name, n, Pattern::parse(&n.value).ok()?))
        })
        .collect();
        let days = [
            NaiveDate::from_ymd_opt(2026, 1, 1),
            NaiveDate::from_ymd_opt(2026, 11, 30),
        ];
        for (i, (name, n, p)) in patterns.iter().enumerate() {
            let clash = patterns[..i].iter().find(|(_, _, q)| {
                days.iter()
                    .flatten()
                    .any(|&day| p.series(day) == q.series(day))
            });
            if let Some((first, at, _)) = clash {
                self.push(
                    Diagnostic::error(
                        "shared-numbering",
                        format!("{name} documents are numbered in the same series as {first} documents"),
                    )
                    .at(n.loc, "this series")
                    .also(at.loc, "the same series")
                    .hint("give each kind of document its own prefix, e.g. `WX{year}{month}-{seq:05}` for work orders and `SJ{year}-{seq:06}` for receipts"),
                );
            }
        }
        d.clone()
    }
}

fn plural(kind: &str) -> String {
    match kind {
        "tax" => "taxes".into(),
        k => format!("{k}s"),
    }
}

pub(crate) fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

pub fn scalar_type(kind: InputType) -> Type {
    match kind {
        InputType::Money => Type::Money,
        InputType::Rate => Type::Rate,
        InputType::Quantity | InputType::Count => Type::Quantity,
        InputType::Date => Type::Date,
        InputType::Text => Type::Text,
        InputType::Bool => Type::Bool,
        // Tables are not scalars; callers handle them first.
        InputType::Labour | InputType::Materials => Type::Quantity,
    }
}

pub fn input_type_name(kind: InputType) -> &'static str {
    match kind {
        InputType::Money => "money",
        InputType::Rate => "rate",
        InputType::Quantity => "quantity",
        InputType::Count => "count",
        InputType::Date => "date",
        InputType::Text => "text",
        InputType::Bool => "bool",
        InputType::Labour => "labour table",
        InputType::Materials => "materials table",
    }
}

pub fn type_name(ty: Type) -> &'static str {
    match ty {
        Type::Money => "money",
        Type::Rate => "a rate",
        Type::Quantity => "a quantity",
        Type::Date => "a date",
        Type::Text => "text",
        Type::Bool => "true/false",
        Type::Number => "a number",
    }
}

/// Parses an input value written as text, for defaults and for values given
/// on the command line or in job files.
pub fn parse_default(kind: InputType, text: &str) -> Result<expr::Value, String> {
    let text = text.trim();
    match kind {
        InputType::Money => Money::parse(text)
            .map(|m| expr::Value::Num(m.amount()))
            .map_err(|e| e.to_string()),
        InputType::Rate => Rate::parse(text)
            .map(|r| expr::Value::Num(r.fraction()))
            .map_err(|e| e.to_string()),
        InputType::Quantity | InputType::Count => {
            let d = crate::quantity::Qty::parse(text)?.value();
            if kind == InputType::Count && !d.fract().is_zero() {
                return Err(format!("`{text}` is not a whole number"));
            }
            if d.is_sign_negative() && !d.is_zero() {
                return Err(format!("`{text}` is negative"));
            }
            Ok(expr::Value::Num(d))
        }
        InputType::Date => text
            .parse::<NaiveDate>()
            .map(expr::Value::Date)
            .map_err(|_| format!("`{text}` is not a date (YYYY-MM-DD)")),
        InputType::Text => Ok(expr::Value::Text(text.into())),
        InputType::Bool => match text {
            "true" => Ok(expr::Value::Bool(true)),
            "false" => Ok(expr::Value::Bool(false)),
            _ => Err(format!("`{text}` is not true or false")),
        },
        InputType::Labour | InputType::Materials => Err("tables have no default".into()),
    }
}

fn default_hint(kind: InputType) -> &'static str {
    match kind {
        InputType::Money => "write an amount in yuan with at most two decimals, e.g. \"50.00\"",
        InputType::Rate => "write a percentage, e.g. 10%",
        InputType::Quantity => "write a number, e.g. 2.5",
        InputType::Count => "write a whole number, e.g. 2",
        InputType::Date => "write a date, e.g. 2026-01-01",
        InputType::Text => "write text",
        InputType::Bool => "write true or false",
        InputType::Labour | InputType::Materials => "remove `default:` from table inputs",
    }
}
