//! Pricing: catalogue items and temporary jobs, with an explained breakdown.
//!
//! Money is rounded at these points and nowhere else:
//! - a formula line, when it is computed (its `round`, the 分 by default);
//! - quantity × unit price of a catalogue item, to the 分;
//! - the tax of a tax-exclusive price (net × rate), to the 分;
//! - the net of a tax-inclusive price (gross ÷ (1 + rate)), to the 分, the
//!   tax being the rest, so that net + tax = gross exactly.
//!
//! All rounding is half away from zero (四舍五入).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::calendar::WorkCalendar;
use crate::diagnostic::{Diagnostic, Place, did_you_mean};
use crate::expr::{self, Value};
use crate::money::{self, Money, Rate};
use crate::rules::model::{InputSource, InputType, Item, LineKind, TimeUnit};
use crate::rules::{CompiledFormula, InputDef, Rules, input_type_name, parse_default};

impl expr::Calendar for WorkCalendar {
    fn is_workday(&self, d: NaiveDate) -> bool {
        WorkCalendar::is_workday(self, d)
    }
    fn next_workday(&self, d: NaiveDate) -> Option<NaiveDate> {
        Some(WorkCalendar::next_workday(self, d))
    }
}

/// A value given for a formula input, with where it was written (a job
/// file) or `None` (the command line).
#[derive(Clone, Debug)]
pub struct GivenInput {
    pub text: String,
    pub place: Option<Place>,
}

/// Where an input's value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputOrigin {
    /// Given by the job, the order or the command line.
    Given,
    /// The formula's default.
    Default,
    /// The tax rate in force.
    Tax,
    /// The quantity ordered.
    Quantity,
    /// Rows of the job (labour, materials).
    Rows,
}

/// An input as used, for the breakdown and the JSON output.
#[derive(Clone, Debug, Serialize)]
pub struct InputUsed {
    pub name: String,
    pub label: String,
    /// The value as text: `12%`, `260.00`, `3`, or `3 rows`.
    pub value: String,
    pub unit: Option<String>,
    pub origin: InputOrigin,
}

/// One computed line of a formula.
#[derive(Clone, Debug, Serialize)]
pub struct PricedLine {
    pub id: String,
    pub label: String,
    pub kind: LineKind,
    /// The expression as written, with × and ÷.
    pub formula: String,
    /// The expression with values put in, and the result:
    /// `staff × time × rate = 2 × 6 × 45.00 = 540.00`.
    pub explained: String,
    /// Money lines: the amount (exactly two decimals).
    pub amount: Option<Money>,
    /// Other lines (rates, quantities): the value as text.
    pub value: String,
}

/// A formula evaluated.
#[derive(Clone, Debug, Serialize)]
pub struct FormulaResult {
    pub formula: String,
    pub title: String,
    pub inputs: Vec<InputUsed>,
    pub lines: Vec<PricedLine>,
    pub total: Money,
    /// The tax line's amount, when the formula has one.
    pub tax: Option<Money>,
    /// Sum of the `cost` lines.
    pub cost: Money,
}

/// A problem pricing something: the message and, when known, the place.
pub type PriceResult<T> = Result<T, Vec<Diagnostic>>;

/// Rows of the job tables, already resolved to numbers.
#[derive(Clone, Debug, Default)]
pub struct JobRows {
    /// (staff, time in the rate's unit, rate)
    pub labour: Vec<(Decimal, Decimal, Money)>,
    /// (quantity, unit price)
    pub materials: Vec<(Decimal, Money)>,
}

/// An order or job gave a value the rules fix: where it comes from instead.
fn fixed_input_given(input: &InputDef, g: &GivenInput, context: &str) -> Diagnostic {
    let whence = match (input.from, &input.default) {
        (Some(InputSource::Quantity), _) => "is the quantity ordered".to_string(),
        (Some(InputSource::Tax), _) => "is the rate of the tax in force on the date".to_string(),
        (None, Some(v)) => format!("is fixed by the rules at {}", show_input(v, input.kind)),
        (None, None) => "is fixed by the rules".to_string(),
    };
    let mut d = Diagnostic::error(
        "fixed-input",
        format!(
            "{context}: `{}` ({}) {whence} and cannot be given",
            input.name, input.label
        ),
    );
    if let Some(place) = &g.place {
        d = d.at_place(place.clone(), "set by the rules");
    }
    d.hint(match input.from {
        Some(InputSource::Quantity) => "remove it and give the quantity instead",
        Some(InputSource::Tax) => "remove it: tax rates are set in the rules by date (`taxes:`)",
        None => "remove it: a fixed part of a price changes in the rules, which are approved again",
    })
}

/// Evaluates a formula.
///
/// `given` are inputs by name; `tax_rate` and `quantity` feed inputs with
/// `from: tax` / `from: quantity`; `rows` feed the job tables.
pub fn evaluate(
    rules: &Rules,
    formula: &CompiledFormula,
    given: &BTreeMap<String, GivenInput>,
    tax_rate: Option<Rate>,
    quantity: Option<Decimal>,
    rows: &JobRows,
    context: &str,
) -> PriceResult<FormulaResult> {
    let mut problems = Vec::new();
    for (name, g) in given {
        if !formula.inputs.iter().any(|i| &i.name == name) {
            let names: Vec<&str> = formula.inputs.iter().map(|i| i.name.as_str()).collect();
            let mut d = Diagnostic::error(
                "unknown-input",
                format!("formula `{}` has no input `{name}`", formula.id),
            )
            .hint_opt(did_you_mean(name, names.iter().copied()))
            .hint(format!("its inputs: {}", names.join(", ")));
            if let Some(place) = &g.place {
                d = d.at_place(place.clone(), "not an input of the formula");
            }
            problems.push(d);
        }
    }
    let n_vars = formula
        .inputs
        .iter()
        .filter(|i| !matches!(i.kind, InputType::Labour | InputType::Materials))
        .count();
    let n_tables = formula.inputs.len() - n_vars;
    let mut vars = vec![Value::Null; n_vars];
    let mut tables = vec![expr::Table::default(); n_tables];
    let mut used = Vec::new();
    for input in &formula.inputs {
        let (value, origin, shown) = match input.kind {
            InputType::Labour => {
                let t = expr::Table {
                    rows: rows
                        .labour
                        .iter()
                        .map(|(s, t, r)| {
                            vec![Value::Num(*s), Value::Num(*t), Value::Num(r.amount())]
                        })
                        .collect(),
                };
                let n = t.rows.len();
                tables[input.slot] = t;
                used.push(InputUsed {
                    name: input.name.clone(),
                    label: input.label.clone(),
                    value: format!("{n} 行"),
                    unit: input.unit.clone(),
                    origin: InputOrigin::Rows,
                });
                continue;
            }
            InputType::Materials => {
                let t = expr::Table {
                    rows: rows
                        .materials
                        .iter()
                        .map(|(q, p)| vec![Value::Num(*q), Value::Num(p.amount())])
                        .collect(),
                };
                let n = t.rows.len();
                tables[input.slot] = t;
                used.push(InputUsed {
                    name: input.name.clone(),
                    label: input.label.clone(),
                    value: format!("{n} 行"),
                    unit: input.unit.clone(),
                    origin: InputOrigin::Rows,
                });
                continue;
            }
            kind => {
                if let Some(g) = given.get(&input.name)
                    && input.fixed
                {
                    problems.push(fixed_input_given(input, g, context));
                    continue;
                }
                if let Some(g) = given.get(&input.name) {
                    match parse_default(kind, &g.text) {
                        Ok(Value::Num(n))
                            if kind == InputType::Money && n.is_sign_negative() && !n.is_zero() =>
                        {
                            let mut d = Diagnostic::error(
                                "negative-amount",
                                format!(
                                    "`{}` ({}) is negative: {}",
                                    input.name,
                                    input.label,
                                    g.text.trim()
                                ),
                            );
                            if let Some(place) = &g.place {
                                d = d.at_place(place.clone(), "negative");
                            }
                            problems.push(d.hint(
                                "amounts given are never negative: a refund or a correction is a void and a new document",
                            ));
                            continue;
                        }
                        Ok(v) => (v, InputOrigin::Given, None),
                        Err(message) => {
                            let mut d = Diagnostic::error(
                                "invalid-input",
                                format!(
                                    "`{}` is not a valid {}: {message}",
                                    input.name,
                                    input_type_name(kind)
                                ),
                            );
                            if let Some(place) = &g.place {
                                d = d.at_place(place.clone(), "invalid value");
                            }
                            // 29.0000000000001: a spreadsheet formula's
                            // binary rounding, shown as 29.00 in its cell.
                            let float_residue = g.text.split_once('.').is_some_and(|(_, f)| {
                                f.len() >= 10
                                    && f.get(2..).is_some_and(|rest| {
                                        rest.starts_with("000000") || rest.starts_with("999999")
                                    })
                            });
                            if float_residue {
                                d = d.hint("the cell shows a rounded value but holds a formula's binary remainder: round it in the spreadsheet, =ROUND(…, 2), and save again");
                            }
                            problems.push(d.hint(input_hint(kind)));
                            continue;
                        }
                    }
                } else {
                    match (input.from, tax_rate, quantity) {
                        (Some(InputSource::Tax), Some(rate), _) => (
                            Value::Num(rate.fraction()),
                            InputOrigin::Tax,
                            Some(rate.to_string()),
                        ),
                        (Some(InputSource::Quantity), _, Some(q)) => {
                            if kind == InputType::Count && !q.fract().is_zero() {
                                problems.push(Diagnostic::error(
                                    "invalid-input",
                                    format!("{context}: the quantity {q} must be a whole number for `{}`", input.name),
                                ));
                                continue;
                            }
                            (Value::Num(q), InputOrigin::Quantity, None)
                        }
                        _ => match &input.default {
                            Some(v) => (v.clone(), InputOrigin::Default, None),
                            None => {
                                problems.push(
                                    Diagnostic::error(
                                        "missing-input",
                                        format!("{context}: no value for `{}` ({})", input.name, input.label),
                                    )
                                    .hint(format!(
                                        "give it as `{}: …` under `inputs:` (or `--set {}=…` on the command line); {}",
                                        input.name,
                                        input.name,
                                        input_hint(kind)
                                    )),
                                );
                                continue;
                            }
                        },
                    }
                }
            }
        };
        let shown = shown.unwrap_or_else(|| show_input(&value, input.kind));
        vars[input.slot] = value;
        used.push(InputUsed {
            name: input.name.clone(),
            label: input.label.clone(),
            value: shown,
            unit: input.unit.clone(),
            origin,
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let calendar: &dyn expr::Calendar = &rules.calendar;
    let env = expr::Env {
        vars: &vars,
        tables: &tables,
        calendar: Some(calendar),
    };
    let values = formula.program.eval(&env).map_err(|(i, e)| {
        let line = &formula.lines[i];
        vec![line_failed(
            formula,
            i,
            line.place(e.span),
            format!(
                "{context}: line `{}` of formula `{}`: {}",
                line.id, formula.id, e.message
            ),
        )]
    })?;
    let mut lines = Vec::new();
    let mut cost = Money::ZERO;
    let mut parts = Money::ZERO;
    let mut total = Money::ZERO;
    let mut tax = None;
    for (i, def) in formula.lines.iter().enumerate() {
        let value = &values[i];
        let explained = formula.program.explain_line(i, &env, &values);
        let explained = explained
            .split_once(" = ")
            .map_or(explained.clone(), |(_, rest)| rest.to_string());
        let amount = match (def.kind, value) {
            (LineKind::Info, _) => None,
            (_, Value::Num(d)) => Some(Money::from_decimal_rounded(*d).map_err(|e| {
                vec![line_failed(
                    formula,
                    i,
                    def.expr_loc,
                    format!(
                        "{context}: line `{}` of formula `{}` = {d}: {e}",
                        def.id, formula.id
                    ),
                )]
            })?),
            (_, other) => {
                return Err(vec![
                    Diagnostic::error(
                        "evaluation",
                        format!("{context}: line `{}` has no value ({other})", def.id),
                    )
                    .hint("an input it uses is missing"),
                ]);
            }
        };
        if let Some(a) = amount {
            let too_large = || {
                vec![line_failed(
                    formula,
                    i,
                    def.expr_loc,
                    format!(
                        "{context}: line `{}` of formula `{}` ({}) takes the sum of the lines over {}, the most an amount can be",
                        def.id,
                        formula.id,
                        a.yuan(),
                        Money::MAX.yuan()
                    ),
                )]
            };
            let add = |acc: Money| acc.checked_add(a).ok_or_else(too_large);
            match def.kind {
                LineKind::Cost => {
                    cost = add(cost)?;
                    parts = parts.checked_add(a).ok_or_else(too_large)?;
                }
                LineKind::Fee => parts = add(parts)?,
                LineKind::Tax => {
                    parts = add(parts)?;
                    tax = Some(a);
                }
                LineKind::Total => total = a,
                LineKind::Subtotal | LineKind::Info => {}
            }
        }
        lines.push(PricedLine {
            id: def.id.clone(),
            label: def.label.clone(),
            kind: def.kind,
            formula: formula.program.lines()[i].expr().pretty(),
            explained,
            amount,
            value: match amount {
                Some(a) => a.to_string(),
                None => show_value(value, def.ty),
            },
        });
    }
    // The invariant every document relies on: what is listed adds up.
    if parts != total {
        return Err(vec![
            Diagnostic::error(
                "lines-do-not-add-up",
                format!(
                    "{context}: the cost, fee and tax lines of formula `{}` add up to {} but its total is {}",
                    formula.id, parts, total
                ),
            )
            .hint("make the total line the sum of the cost, fee and tax lines (mark subtotals `kind: subtotal`)"),
        ]);
    }
    if total < Money::ZERO {
        return Err(vec![
            Diagnostic::error(
                "negative-price",
                format!(
                    "{context}: formula `{}` comes to {total}, less than nothing",
                    formula.id
                ),
            )
            .hint("a price is never negative (a refund or a correction is a void and a new document): check the inputs, and bound the formula with `max(0, ...)` or a minimum in the rules"),
        ]);
    }
    Ok(FormulaResult {
        formula: formula.id.clone(),
        title: formula.title.clone(),
        inputs: used,
        lines,
        total,
        tax,
        cost,
    })
}

/// A formula line that cannot be computed with the values given: said
/// with the line's place in the rule file, since the values may be right
/// and the line wrong (`feebook check` finds a line that fails for every
/// value, not one that fails for some).
fn line_failed(
    formula: &CompiledFormula,
    line: usize,
    at: crate::source::Loc,
    message: String,
) -> Diagnostic {
    let id = formula.lines.get(line).map_or("", |l| l.id.as_str());
    Diagnostic::error("evaluation", message)
        .also(at, format!("line `{id}` of formula `{}`", formula.id))
        .hint("check the values given: a division by an input of 0, or an amount with extra zeros, fails a line; if they are right, the formula line shown is wrong for them: correct it in the rules")
}

fn show_input(v: &Value, kind: InputType) -> String {
    match (v, kind) {
        (Value::Num(d), InputType::Rate) => {
            Rate::from_fraction(*d).map_or_else(|_| d.to_string(), |r| r.to_string())
        }
        (Value::Num(d), InputType::Money) => {
            Money::from_decimal_rounded(*d).map_or_else(|_| d.to_string(), |m| m.to_string())
        }
        (Value::Num(d), _) => d.normalize().to_string(),
        (other, _) => other.to_string(),
    }
}

fn show_value(v: &Value, ty: expr::Type) -> String {
    match (v, ty) {
        (Value::Num(d), expr::Type::Rate) => {
            format!("{}%", (*d * Decimal::ONE_HUNDRED).round_dp(4).normalize())
        }
        (Value::Num(d), _) => d.normalize().to_string(),
        (other, _) => other.to_string(),
    }
}

fn input_hint(kind: InputType) -> &'static str {
    match kind {
        InputType::Money => "write an amount in yuan with at most two decimals, e.g. 50.00",
        InputType::Rate => "write a percentage, e.g. 10%",
        InputType::Quantity => "write a non-negative number, e.g. 2.5",
        InputType::Count => "write a whole number, e.g. 2",
        InputType::Date => "write a date as YYYY-MM-DD",
        InputType::Text => "write text",
        InputType::Bool => "write true or false",
        InputType::Labour | InputType::Materials => "list the rows under `labour:` / `materials:`",
    }
}

/// Net and tax of an amount under a tax that is included in it or added to it.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct TaxSplit {
    /// What the customer pays.
    pub gross: Money,
    pub net: Money,
    pub tax: Money,
}

/// Splits `amount` by `rate`: a tax-inclusive amount is the gross; a
/// tax-exclusive one is the net and the tax is added.
pub fn apply_tax(amount: Money, rate: Rate, inclusive: bool) -> Option<TaxSplit> {
    if inclusive {
        let (net, tax) = money::split_inclusive(amount, rate);
        Some(TaxSplit {
            gross: amount,
            net,
            tax,
        })
    } else {
        let tax = money::tax_exclusive(amount, rate);
        Some(TaxSplit {
            gross: amount.checked_add(tax)?,
            net: amount,
            tax,
        })
    }
}

/// A catalogue item priced for an order.
#[derive(Clone, Debug, Serialize)]
pub struct PricedItem {
    pub item: String,
    pub name: String,
    pub unit: String,
    pub department: String,
    pub department_name: String,
    pub catalog_version: String,
    pub date: NaiveDate,
    pub quantity: Decimal,
    pub unit_price: Option<Money>,
    /// Quantity × unit price (or the formula's total), before the minimum.
    pub extended: Money,
    pub minimum_charge: Option<Money>,
    pub minimum_applied: bool,
    /// What the customer pays, tax included.
    pub total: Money,
    pub net: Money,
    pub tax: Money,
    pub tax_id: String,
    pub tax_name: String,
    pub tax_rate: Rate,
    pub tax_inclusive: bool,
    pub formula: Option<FormulaResult>,
}

/// What to price: an item, a quantity, a service date.
#[derive(Clone, Debug)]
pub struct ItemRequest<'a> {
    pub item: &'a str,
    pub quantity: Decimal,
    pub date: NaiveDate,
    /// Formula inputs (`--set name=value`, or an order's inputs).
    pub inputs: BTreeMap<String, GivenInput>,
    /// Where the item id and quantity were written, when from a file.
    pub item_place: Option<Place>,
    pub quantity_place: Option<Place>,
    pub date_place: Option<Place>,
}

/// Prices a catalogue item with the price list in force on the service date.
pub fn price_item(rules: &Rules, req: &ItemRequest) -> PriceResult<PricedItem> {
    let at = |d: Diagnostic, place: &Option<Place>, label: &str| match place {
        Some(p) => d.at_place(p.clone(), label),
        None => d,
    };
    let Some(catalog) = rules.catalog_on(req.date) else {
        let first = rules.catalogs.first().map(|c| c.effective_from.value);
        let mut d = Diagnostic::error(
            "no-price-list",
            format!("no price list applies on {}", req.date),
        );
        d = at(d, &req.date_place, "service date");
        d = match first {
            Some(f) if req.date < f => d.hint(format!("the earliest price list starts on {f}")),
            _ => d.hint(
                "the last price list has ended (`effective_until`); add a new catalogue version",
            ),
        };
        return Err(vec![d]);
    };
    // Spreadsheets name the service as printed (室内卫生清洁); files use ids.
    let item = catalog
        .items
        .iter()
        .find(|i| i.id.value == req.item)
        .or_else(|| {
            catalog
                .items
                .iter()
                .find(|i| i.name.value == req.item.trim())
        });
    let Some(item) = item else {
        let ids: Vec<&str> = catalog.items.iter().map(|i| i.id.value.as_str()).collect();
        let names: Vec<&str> = catalog
            .items
            .iter()
            .map(|i| i.name.value.as_str())
            .collect();
        let listed: Vec<String> = catalog
            .items
            .iter()
            .map(|i| format!("{} ({})", i.id.value, i.name.value))
            .collect();
        // An item of another version (removed from this one, or added
        // later) is not a typo: say which lists have it and when.
        let elsewhere: Vec<String> = rules
            .catalogs
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                c.items
                    .iter()
                    .any(|i| i.id.value == req.item || i.name.value == req.item.trim())
            })
            .map(|(i, c)| {
                let end = crate::rules::catalog_end(&rules.catalogs, i);
                match end {
                    Some(e) => format!("{} ({} to {e})", c.version.value, c.effective_from.value),
                    None => format!("{} (from {})", c.version.value, c.effective_from.value),
                }
            })
            .collect();
        let d = Diagnostic::error(
            "unknown-item",
            format!(
                "no item `{}` in price list {}, in force on {}",
                req.item, catalog.version.value, req.date
            ),
        );
        let d = if elsewhere.is_empty() {
            d.hint_opt(did_you_mean(req.item, ids.iter().chain(&names).copied()))
        } else {
            d.hint(format!(
                "`{}` is in price list{} {}, not in {}: it is not offered on {}",
                req.item,
                if elsewhere.len() == 1 { "" } else { "s" },
                elsewhere.join(", "),
                catalog.version.value,
                req.date
            ))
        }
        .hint(format!("items: {}", listed.join(", ")));
        return Err(vec![at(d, &req.item_place, "not in the price list")]);
    };
    if req.quantity <= Decimal::ZERO {
        let d = Diagnostic::error(
            "invalid-quantity",
            format!("the quantity must be more than 0, not {}", req.quantity),
        )
        .hint("a refund or correction is a void and a new document, not a negative order");
        return Err(vec![at(d, &req.quantity_place, "not positive")]);
    }
    if item.whole_units && !req.quantity.fract().is_zero() {
        let d = Diagnostic::error(
            "not-whole",
            format!(
                "{} is counted in whole {}: not {} {}",
                item.name.value,
                item.unit,
                req.quantity.normalize(),
                item.unit
            ),
        )
        .hint(format!("write a whole number of {}", item.unit));
        return Err(vec![at(d, &req.quantity_place, "not a whole number")]);
    }
    let tax_rate = rules
        .tax_rate_on(&item.tax.value, req.date)
        .ok_or_else(|| {
            vec![
                Diagnostic::error(
                    "no-tax-rate",
                    format!(
                        "tax `{}` has no rate in force on {}",
                        item.tax.value, req.date
                    ),
                )
                .hint("add a rate that covers the date under `taxes:`"),
            ]
        })?;
    let tax_name = rules
        .taxes
        .get(&item.tax.value)
        .map(|t| t.name.clone())
        .unwrap_or_default();
    let context = format!("item `{}`", item.id.value);
    let (extended, formula) = match (&item.unit_price, &item.formula) {
        (Some(p), _) => {
            let extended = p.value.mul_qty_rounded(req.quantity).map_err(|e| {
                vec![at(
                    Diagnostic::error("invalid-quantity", format!("{context}: {e}")),
                    &req.quantity_place,
                    "",
                )]
            })?;
            let mut given = req.inputs.iter();
            if let Some((name, first)) = given.next() {
                let mut d = Diagnostic::error(
                    "unknown-input",
                    format!(
                        "item `{}` ({}) has a fixed unit price and takes no inputs, but `{name}` is given",
                        item.id.value, item.name.value
                    ),
                );
                if let Some(p) = &first.place {
                    d = d.at_place(p.clone(), "not an input of this item");
                }
                for (_, g) in given {
                    if let Some(place) = &g.place {
                        d.secondary.push(crate::diagnostic::Label {
                            place: place.clone(),
                            text: "nor this".into(),
                        });
                    }
                }
                return Err(vec![d.hint(
                    "leave it out for this item (an empty cell, no --set), or choose an item priced by a formula",
                )]);
            }
            (extended, None)
        }
        (None, Some(f)) => {
            let formula = rules.formula(&f.value).ok_or_else(|| {
                vec![Diagnostic::error(
                    "unknown-reference",
                    format!("formula `{}` is not defined", f.value),
                )]
            })?;
            // A formula that takes no quantity prices one of the item: a
            // quantity of 2 would be charged as 1 without a word.
            let takes_quantity = formula
                .inputs
                .iter()
                .any(|i| i.from == Some(InputSource::Quantity));
            if !takes_quantity && req.quantity != Decimal::ONE {
                let d = Diagnostic::error(
                    "quantity-not-used",
                    format!(
                        "item `{}` ({}) is priced by formula `{}`, which takes no quantity, but the quantity is {}",
                        item.id.value,
                        item.name.value,
                        formula.id,
                        req.quantity.normalize()
                    ),
                )
                .hint(format!(
                    "give a quantity of 1 and one order for each {}; or add an input `from: quantity` to the formula",
                    item.unit
                ));
                return Err(vec![at(d, &req.quantity_place, "not used by the formula")]);
            }
            let result = evaluate(
                rules,
                formula,
                &req.inputs,
                Some(tax_rate),
                Some(req.quantity),
                &JobRows::default(),
                &context,
            )
            .map_err(|problems| {
                // A line that fails is shown in the rules; the order
                // whose values it failed for is where to look first.
                problems
                    .into_iter()
                    .map(|d| match d.primary.place {
                        Place::Nowhere if d.code == "evaluation" => {
                            at(d, &req.quantity_place, "priced with this order's values")
                        }
                        _ => d,
                    })
                    .collect::<Vec<_>>()
            })?;
            (result.total, Some(result))
        }
        (None, None) => {
            return Err(vec![Diagnostic::error(
                "no-price",
                format!("{context} has no price"),
            )]);
        }
    };
    let minimum = item.minimum_charge.as_ref().map(|m| m.value);
    let minimum_applied = minimum.is_some_and(|m| extended < m);
    let charged = if minimum_applied {
        minimum.unwrap_or(extended)
    } else {
        extended
    };
    let split = match formula.as_ref().and_then(|f| f.tax) {
        // The formula computed the tax itself; it is part of its total.
        Some(tax) if !minimum_applied => TaxSplit {
            gross: charged,
            net: charged.checked_sub(tax).unwrap_or(charged),
            tax,
        },
        _ => apply_tax(charged, tax_rate, item.tax_inclusive).ok_or_else(|| {
            vec![at(
                Diagnostic::error(
                    "evaluation",
                    format!(
                        "{context}: {} with {tax_rate} tax added is over {}, the most an amount can be",
                        charged.yuan(),
                        Money::MAX.yuan()
                    ),
                )
                .hint("check the quantity and the price for extra zeros"),
                &req.quantity_place,
                "too large with its tax",
            )]
        })?,
    };
    Ok(PricedItem {
        item: item.id.value.clone(),
        name: item.name.value.clone(),
        unit: item.unit.clone(),
        department: item.department.value.clone(),
        department_name: rules.department_name(&item.department.value).to_string(),
        catalog_version: catalog.version.value.clone(),
        date: req.date,
        quantity: req.quantity,
        unit_price: item.unit_price.as_ref().map(|p| p.value),
        extended,
        minimum_charge: minimum,
        minimum_applied,
        total: split.gross,
        net: split.net,
        tax: split.tax,
        tax_id: item.tax.value.clone(),
        tax_name,
        tax_rate,
        tax_inclusive: item.tax_inclusive,
        formula,
    })
}

/// Finds an item in the price list in force on a date.
pub fn item_on<'r>(rules: &'r Rules, id: &str, date: NaiveDate) -> Option<&'r Item> {
    rules
        .catalog_on(date)?
        .items
        .iter()
        .find(|i| i.id.value == id)
}

/// Decimal places of a time converted from hours to days when the
/// division does not come out exact.
pub const CONVERTED_DAYS_DP: u32 = 4;

/// The time of a labour row in the unit of its personnel cost.
///
/// Hours given for a cost per day are divided by the hours of a working
/// day. When that division comes out exact (2.25 h at 8 h a day is
/// 0.28125 日) the days are exact; when it does not (5 h at 6 h a day is
/// 0.8333… 日) they are rounded half away from zero to
/// [`CONVERTED_DAYS_DP`] places, a stated rounding point: the document
/// prints 0.8333 日 and the amount is that many days × the cost, so it can
/// be checked from what is printed. (Kept to 28 digits, the amount of
/// 0.8333…3 日 × ¥285.15 fell a hair under ¥237.625 and printed a
/// 30-digit time no cell holds.)
pub fn labour_time(
    unit: TimeUnit,
    hours: Option<Decimal>,
    days: Option<Decimal>,
    hours_per_day: Decimal,
) -> Option<Decimal> {
    match (unit, hours, days) {
        (TimeUnit::Hour, Some(h), None) => Some(h),
        (TimeUnit::Hour, None, Some(d)) => d.checked_mul(hours_per_day),
        (TimeUnit::Day, None, Some(d)) => Some(d),
        (TimeUnit::Day, Some(h), None) => {
            let days = h.checked_div(hours_per_day)?;
            // A division that does not end fills every digit a Decimal
            // has (and × hours_per_day may round back to `h` exactly).
            if days.scale() < 20 && days.checked_mul(hours_per_day) == Some(h) {
                Some(days.normalize())
            } else {
                Some(crate::money::round_half_away(days, CONVERTED_DAYS_DP).normalize())
            }
        }
        _ => None,
    }
}
