//! `feebook price ITEM --qty N`: the price of a catalogue item on a date.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::common::{load_rules, report};
use super::{OK, OutputFormat, RulesArgs, USAGE};
use feebook::pricing::{self, GivenInput, ItemRequest, PricedItem};

#[derive(Serialize)]
struct Out<'a> {
    #[serde(flatten)]
    priced: &'a PricedItem,
    total_upper: String,
}

pub fn run(
    rules_args: &RulesArgs,
    item: &str,
    qty: &str,
    date: Option<NaiveDate>,
    set: &[String],
    format: OutputFormat,
    today: NaiveDate,
) -> u8 {
    let (rules, sources) = match load_rules(rules_args) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let quantity = match feebook::quantity::Qty::parse(qty) {
        Ok(q) => q.0,
        Err(e) => {
            eprintln!("error: --qty: {e}");
            return USAGE;
        }
    };
    let mut inputs = BTreeMap::new();
    for s in set {
        let Some((k, v)) = s.split_once('=') else {
            eprintln!("error: --set `{s}`: write NAME=VALUE, e.g. --set monthly_rent=3000");
            return USAGE;
        };
        if inputs.contains_key(k.trim()) {
            eprintln!(
                "error: --set `{}` is given twice; give each input once",
                k.trim()
            );
            return USAGE;
        }
        inputs.insert(
            k.trim().to_string(),
            GivenInput {
                text: v.trim().to_string(),
                place: None,
            },
        );
    }
    let req = ItemRequest {
        item,
        quantity,
        date: date.unwrap_or(today),
        inputs,
        item_place: None,
        quantity_place: None,
        date_place: None,
    };
    let priced = match pricing::price_item(&rules, &req) {
        Ok(p) => p,
        Err(problems) => return report(&problems, &sources),
    };
    let upper = priced.total.to_upper(&rules.documents.upper_style);
    match format {
        OutputFormat::Json => {
            let out = Out {
                priced: &priced,
                total_upper: upper,
            };
            super::out(&format!(
                "{}\n",
                serde_json::to_string_pretty(&out).unwrap_or_default()
            ));
        }
        OutputFormat::Text => super::out(&text(&priced, &upper, quantity)),
    }
    OK
}

fn text(p: &PricedItem, upper: &str, qty: Decimal) -> String {
    let mut s = format!(
        "{}（{}）  价目表 {}  服务日期 {}  {}\n",
        p.name, p.item, p.catalog_version, p.date, p.department_name
    );
    match (&p.unit_price, &p.formula) {
        (Some(price), _) => s.push_str(&format!(
            "  {} {} × {}/{} = {}\n",
            qty.normalize(),
            p.unit,
            price.yuan(),
            p.unit,
            p.extended.yuan()
        )),
        (None, Some(f)) => {
            s.push_str(&format!("  {}（{}）\n", f.title, f.formula));
            for i in &f.inputs {
                let unit = i
                    .unit
                    .as_deref()
                    .map(|u| format!(" {u}"))
                    .unwrap_or_default();
                s.push_str(&format!("    {} {} = {}{unit}\n", i.label, i.name, i.value));
            }
            for l in &f.lines {
                s.push_str(&format!("    {} {} = {}\n", l.label, l.id, l.explained));
            }
        }
        (None, None) => {}
    }
    if p.minimum_applied
        && let Some(m) = p.minimum_charge
    {
        s.push_str(&format!("  不足起步价，按起步价 {} 收取\n", m.yuan()));
    }
    s.push_str(&format!(
        "  合计 {}（{}）  不含税 {}  税额 {}（{} {}）\n  大写 人民币{}\n",
        p.total.yuan(),
        if p.tax_inclusive {
            "含税价"
        } else {
            "价外加税"
        },
        p.net.yuan(),
        p.tax.yuan(),
        p.tax_name,
        p.tax_rate,
        upper
    ));
    s
}
