//! Monthly billing: a month's work orders grouped into one billing notice
//! (收费通知单) per customer, the tax of each notice, shards for very large
//! months, and the summary that reconciles with the notices.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::diagnostic::{Diagnostic, Label, Place};
use crate::money::{self, Money, Rate};
use crate::order::{PricedOrder, Settlement};
use crate::rules::Rules;
use crate::rules::model::TaxRounding;

/// One customer's month: the orders finance bills (月结 and 长期协议; 即时结算
/// orders were paid at the counter).
#[derive(Clone, Debug)]
pub struct CustomerBill {
    /// The customer's name as registered: the grouping key.
    pub customer: String,
    /// The address of the customer's first order of the month.
    pub address: String,
    /// Indexes into the month's orders, by service date then number.
    pub orders: Vec<usize>,
    pub total: Money,
    pub tax: Money,
    /// Net and tax per tax rate, as the notice's tax was computed: what
    /// the month's VAT return adds up.
    pub taxes: Vec<RateTax>,
}

/// A document's amounts at one tax rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RateTax {
    pub rate: Rate,
    pub net: Money,
    pub tax: Money,
}

impl CustomerBill {
    pub fn net(&self) -> Money {
        self.total.checked_sub(self.tax).unwrap_or(self.total)
    }
}

/// Refuses a month whose orders feebook could not add up.
///
/// Every amount is at most ¥999,999,999,999.99 (the most 人民币大写 can
/// write), and so must be every total of them: a notice, a day or a
/// department of the register, the month. Orders each within that range
/// can still overflow the month's total (a quantity typed with extra
/// zeros), so the month's orders are added up once, as they are read, in
/// absolute value. When that sum fits, every total of any of them fits, and
/// so does every tax (a rate is at most 100%): that is why grouping, the
/// documents and the summary may add with `+`.
#[derive(Debug, Default)]
pub struct AmountGuard {
    /// Σ max(|total|, |net|) in 分: exact for any number of orders.
    sum: i128,
    /// The largest orders seen (by that measure, largest first) with
    /// their totals: what the error points at.
    largest: Vec<(Money, Money, String, Option<Place>)>,
}

impl AmountGuard {
    const SHOWN: usize = 3;

    /// Counts an order; `place` (asked only of the largest orders) says
    /// where it was written.
    pub fn add(&mut self, order: &PricedOrder, place: impl FnOnce() -> Option<Place>) {
        let size = order.total().abs().max(order.item.net.abs());
        self.sum += i128::from(size.to_fen());
        if self.largest.len() == Self::SHOWN
            && self.largest.last().is_some_and(|(m, ..)| *m >= size)
        {
            return;
        }
        let at = self.largest.partition_point(|(m, ..)| *m >= size);
        let entry = (size, order.total(), order.number.clone(), place());
        self.largest.insert(at, entry);
        self.largest.truncate(Self::SHOWN);
    }

    /// The verdict on everything added; `what` names the orders in the
    /// message ("the orders of 2026-11").
    pub fn finish(self, what: &str) -> Result<(), Diagnostic> {
        if self.sum <= i128::from(Money::MAX.to_fen()) {
            return Ok(());
        }
        let mut d = Diagnostic::error(
            "amounts-too-large",
            format!(
                "{what} add up to {}, more than feebook can total",
                money::yuan_of_fen(self.sum)
            ),
        );
        let mut shown = self.largest.into_iter();
        if let Some((_, total, number, place)) = shown.next() {
            let text = format!("{}: the largest order, {number}", total.yuan());
            d = match place {
                Some(p) => d.at_place(p, text),
                None => d.hint(text),
            };
        }
        for (_, total, number, place) in shown {
            let text = format!("{}: order {number}", total.yuan());
            match place {
                Some(place) => d.secondary.push(Label { place, text }),
                None => d = d.hint(text),
            }
        }
        Err(d.hint(format!(
            "a total stops at {} (the most 人民币大写 can write); a month this large is \
             most likely a quantity or a price typed with extra digits: check the largest \
             orders. Nothing was written",
            Money::MAX.yuan()
        )))
    }
}

/// Whether an order appears on a billing notice.
pub fn billed(o: &PricedOrder) -> bool {
    matches!(o.settlement, Settlement::Monthly | Settlement::Agreement)
}

/// What tells one customer from another in a name or an address: the
/// text without its spaces, full-width letters and digits read as ASCII.
/// Staff type `华庭大厦 12 层` one day and `华庭大厦12层` or `华庭大厦１２层`
/// the next; that is one customer, who must get one notice a month.
pub fn party_key(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// What tells one customer from another by name: [`party_key`], without a
/// contact person added in brackets at the end (`滨江云帆科技有限公司（周婷）`
/// is 滨江云帆科技有限公司). A company at one address gets one notice a
/// month (四（二）10), whichever of its staff asked for the work.
pub fn customer_key(name: &str) -> String {
    let key = party_key(name);
    if key.ends_with(')')
        && let Some(open) = key.rfind('(')
        && open > 0
    {
        return key[..open].to_string();
    }
    key
}

/// Whether a payer is the customer: the same [`party_key`], or one of them
/// the other with a contact person added in brackets (`滨江云帆科技有限公司`
/// and `滨江云帆科技有限公司（周婷）`).
pub fn same_party(a: &str, b: &str) -> bool {
    let (a, b) = (party_key(a), party_key(b));
    let extends = |long: &str, short: &str| {
        long.strip_prefix(short)
            .is_some_and(|rest| rest.starts_with(['（', '(']) && rest.ends_with(['）', ')']))
    };
    !a.is_empty() && (a == b || extends(&a, &b) || extends(&b, &a))
}

/// Groups the billed orders per customer and address (two 王伟 on
/// different floors are two customers; see [`customer_key`] and
/// [`party_key`] for what counts as the same), sorted by name then address — the order numbers are
/// assigned in — so that the same month gives the same numbers. A notice
/// shows the name and address as its first order writes them.
pub fn group(orders: &[PricedOrder], rounding: TaxRounding) -> Vec<CustomerBill> {
    let mut by: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, o) in orders.iter().enumerate() {
        if billed(o) {
            by.entry((customer_key(&o.customer), party_key(&o.address)))
                .or_default()
                .push(i);
        }
    }
    by.into_values()
        .map(|mut idx| {
            idx.sort_by(|&a, &b| {
                (orders[a].service_date, &orders[a].number)
                    .cmp(&(orders[b].service_date, &orders[b].number))
            });
            let mine: Vec<&PricedOrder> = idx.iter().map(|&i| &orders[i]).collect();
            let total: Money = mine.iter().map(|o| o.total()).sum();
            let taxes = document_taxes(&mine, rounding);
            CustomerBill {
                customer: mine.first().map(|o| o.customer.clone()).unwrap_or_default(),
                address: mine.first().map(|o| o.address.clone()).unwrap_or_default(),
                tax: taxes.iter().map(|t| t.tax).sum(),
                taxes,
                total,
                orders: idx,
            }
        })
        .collect()
}

/// The tax of a document: the sum of each order's rounded tax
/// (`per_line`), or computed once per tax rate on the document's total
/// (`per_document`). Either way net + tax = total.
pub fn document_tax(orders: &[&PricedOrder], rounding: TaxRounding) -> Money {
    document_taxes(orders, rounding).iter().map(|t| t.tax).sum()
}

/// [`document_tax`] per tax rate, with the net it is charged on.
pub fn document_taxes(orders: &[&PricedOrder], rounding: TaxRounding) -> Vec<RateTax> {
    let mut by_rate: BTreeMap<Rate, (Money, Money)> = BTreeMap::new();
    let mut add = |rate: Rate, net: Money, tax: Money| {
        let e = by_rate.entry(rate).or_insert((Money::ZERO, Money::ZERO));
        e.0 += net;
        e.1 += tax;
    };
    match rounding {
        TaxRounding::PerLine => {
            for o in orders {
                add(o.item.tax_rate, o.item.net, o.item.tax);
            }
        }
        TaxRounding::PerDocument => {
            // Group by (rate, inclusive): gross for inclusive, net for exclusive.
            let mut groups: BTreeMap<(Rate, bool), Money> = BTreeMap::new();
            for o in orders {
                let base = if o.item.tax_inclusive {
                    o.item.total
                } else {
                    o.item.net
                };
                let e = groups
                    .entry((o.item.tax_rate, o.item.tax_inclusive))
                    .or_insert(Money::ZERO);
                *e += base;
            }
            for ((rate, inclusive), base) in groups {
                if inclusive {
                    let (net, tax) = money::split_inclusive(base, rate);
                    add(rate, net, tax);
                } else {
                    add(rate, base, money::tax_exclusive(base, rate));
                }
            }
        }
    }
    by_rate
        .into_iter()
        .map(|(rate, (net, tax))| RateTax { rate, net, tax })
        .collect()
}

/// Which of `n` shards a customer belongs to: a stable hash of the name
/// and address, so every machine of a sharded run agrees without talking
/// to the others.
pub fn shard_of(customer: &str, address: &str, n: usize) -> usize {
    let mut hasher = Sha256::new();
    hasher.update(customer_key(customer).as_bytes());
    hasher.update([0]);
    hasher.update(party_key(address).as_bytes());
    let h = hasher.finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&h[..8]);
    (u64::from_be_bytes(b) % n.max(1) as u64) as usize
}

/// A line of the month's summary.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct SummaryLine {
    pub name: String,
    pub orders: usize,
    pub amount: Money,
}

/// The month at a glance; `billed_total` equals the sum of the notices.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub period: String,
    pub orders: usize,
    pub billed_orders: usize,
    pub customers: usize,
    pub notices: usize,
    pub total: Money,
    pub billed_total: Money,
    pub billed_net: Money,
    pub billed_tax: Money,
    pub by_settlement: Vec<SummaryLine>,
    pub by_department: Vec<SummaryLine>,
    pub by_item: Vec<SummaryLine>,
    /// The notices' net and tax per tax rate, as each notice computed its
    /// tax: they add up to `billed_net` and `billed_tax`.
    pub by_tax_rate: Vec<RateTax>,
    pub rejected_rows: usize,
}

pub fn summarize(
    period: (i32, u32),
    orders: &[PricedOrder],
    bills: &[CustomerBill],
    rejected_rows: usize,
) -> Summary {
    let mut dept: BTreeMap<String, (usize, Money)> = BTreeMap::new();
    let mut item: BTreeMap<String, (usize, Money)> = BTreeMap::new();
    let mut settle: BTreeMap<&str, (usize, Money)> = BTreeMap::new();
    for o in orders {
        for (map, key) in [
            (&mut dept, o.item.department_name.clone()),
            (&mut item, o.item.name.clone()),
        ] {
            let e = map.entry(key).or_insert((0, Money::ZERO));
            e.0 += 1;
            e.1 += o.total();
        }
        let e = settle
            .entry(o.settlement.label())
            .or_insert((0, Money::ZERO));
        e.0 += 1;
        e.1 += o.total();
    }
    let lines = |m: BTreeMap<String, (usize, Money)>| -> Vec<SummaryLine> {
        m.into_iter()
            .map(|(name, (orders, amount))| SummaryLine {
                name,
                orders,
                amount,
            })
            .collect()
    };
    let billed_total: Money = bills.iter().map(|b| b.total).sum();
    let billed_tax: Money = bills.iter().map(|b| b.tax).sum();
    let mut rates: BTreeMap<Rate, (Money, Money)> = BTreeMap::new();
    for t in bills.iter().flat_map(|b| &b.taxes) {
        let e = rates.entry(t.rate).or_insert((Money::ZERO, Money::ZERO));
        e.0 += t.net;
        e.1 += t.tax;
    }
    Summary {
        period: format!("{}-{:02}", period.0, period.1),
        orders: orders.len(),
        billed_orders: bills.iter().map(|b| b.orders.len()).sum(),
        customers: orders
            .iter()
            .map(|o| (customer_key(&o.customer), party_key(&o.address)))
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        notices: bills.len(),
        total: orders.iter().map(|o| o.total()).sum(),
        billed_total,
        billed_net: billed_total.checked_sub(billed_tax).unwrap_or(billed_total),
        billed_tax,
        by_settlement: settle
            .into_iter()
            .map(|(name, (orders, amount))| SummaryLine {
                name: name.to_string(),
                orders,
                amount,
            })
            .collect(),
        by_department: lines(dept),
        by_item: lines(item),
        by_tax_rate: rates
            .into_iter()
            .map(|(rate, (net, tax))| RateTax { rate, net, tax })
            .collect(),
        rejected_rows,
    }
}

impl Summary {
    /// The summary as a person reads it.
    pub fn text(&self) -> String {
        let mut s = format!(
            "{}: {} orders, {} customers; {} billing notices for {} orders, {} (net {}, tax {})\n",
            self.period,
            self.orders,
            self.customers,
            self.notices,
            self.billed_orders,
            self.billed_total.yuan(),
            self.billed_net.yuan(),
            self.billed_tax.yuan()
        );
        for (title, lines) in [
            ("by settlement", &self.by_settlement),
            ("by department", &self.by_department),
            ("by item", &self.by_item),
        ] {
            s.push_str(&format!("  {title}:\n"));
            for l in lines {
                // Names are padded by terminal columns: 汉字 take two.
                s.push_str(&format!(
                    "    {} {:>6} orders  {:>14}\n",
                    crate::text::pad(&l.name, 16),
                    l.orders,
                    l.amount.yuan()
                ));
            }
        }
        s.push_str("  billed, by tax rate:\n");
        for t in &self.by_tax_rate {
            s.push_str(&format!(
                "    {:<16} net {:>14}  tax {:>12}\n",
                t.rate.to_string(),
                t.net.yuan(),
                t.tax.yuan()
            ));
        }
        if self.rejected_rows > 0 {
            s.push_str(&format!(
                "  {} row{} rejected (see the rejected-rows file)\n",
                self.rejected_rows,
                if self.rejected_rows == 1 { "" } else { "s" }
            ));
        }
        s
    }
}

/// When a billing notice dated `date` falls due: `due_days` later, on a
/// working day (the payment channels are open on working days only, so a
/// due date on a Sunday or a holiday moves to the next working day). `None`
/// when the rules set no `due_days`.
pub fn due_date(rules: &Rules, date: NaiveDate) -> Option<NaiveDate> {
    let days = rules
        .documents
        .billing_notice
        .as_ref()?
        .due_days
        .as_ref()?
        .value;
    let due = date.checked_add_days(chrono::Days::new(days.into()))?;
    Some(if rules.calendar.is_workday(due) {
        due
    } else {
        rules.calendar.next_workday(due)
    })
}

/// The day a month's work is all checked: the latest service, completion
/// or check (核对) date of the orders billed. Finance bills after the
/// supervisors' check (四（二）7, 9–10), so no notice is dated before it.
pub fn checked_by(orders: &[PricedOrder]) -> Option<(NaiveDate, &PricedOrder)> {
    orders
        .iter()
        .filter(|o| billed(o))
        .filter_map(|o| {
            [Some(o.service_date), o.completed_on, o.verified_on]
                .into_iter()
                .flatten()
                .max()
                .map(|d| (d, o))
        })
        .max_by(|a, b| (a.0, &a.1.number).cmp(&(b.0, &b.1.number)))
}

/// The first day of the month after `period`: the date a month's billing
/// notices and register carry by default, and the first day it can be
/// billed (it is over).
pub fn notice_date(period: (i32, u32)) -> NaiveDate {
    let (y, m) = if period.1 == 12 {
        (period.0 + 1, 1)
    } else {
        (period.0, period.1 + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payer_is_the_customer_with_or_without_a_contact() {
        assert!(same_party(
            "滨江云帆科技有限公司",
            "滨江云帆科技有限公司（周婷）"
        ));
        assert!(same_party(
            "滨江云帆科技有限公司 (周婷)",
            "滨江云帆科技有限公司"
        ));
        assert!(same_party("华庭大厦 12 层", "华庭大厦１２层"));
        assert!(!same_party("滨江云帆科技有限公司", "滨江云帆科技"));
        assert!(!same_party("滨江云帆", "滨江云帆科技有限公司（周婷）"));
        assert!(!same_party("", "（周婷）"));
        assert_eq!(
            customer_key("滨江云帆科技有限公司（周婷）"),
            "滨江云帆科技有限公司"
        );
        assert_eq!(customer_key("（周婷）"), "(周婷)");
    }

    /// A priced order of the sample rules whose total (and net) is `yuan`.
    fn order(number: &str, yuan: &str) -> PricedOrder {
        let rules = crate::rules::load_embedded().rules.unwrap();
        let input = crate::order::OrderInput {
            number: Some(number.into()),
            date: NaiveDate::from_ymd_opt(2026, 11, 2),
            customer: "孙晓明".into(),
            address: "华庭大厦 12 层 1203 室".into(),
            item: "复印".into(),
            quantity: Some(rust_decimal::Decimal::ONE),
            service_date: NaiveDate::from_ymd_opt(2026, 11, 2),
            settlement: Some(Settlement::Monthly),
            customer_signed: true,
            ..Default::default()
        };
        let mut o = crate::order::price_order(&rules, &input, number, &Default::default()).unwrap();
        o.item.total = Money::parse(yuan).unwrap();
        o.item.net = o.item.total;
        o
    }

    /// Spaces, full-width digits and a contact in brackets do not make
    /// another customer: one
    /// notice, named as its first order writes it, in one shard.
    #[test]
    fn one_customer_written_two_ways_gets_one_notice() {
        let mut orders = vec![
            order("WX-2", "10.00"),
            order("WX-1", "20.00"),
            order("WX-3", "30.00"),
            order("WX-4", "40.00"),
        ];
        orders[0].address = "华庭大厦12层1203室".into();
        orders[1].address = "华庭大厦 １２ 层 1203 室 ".into();
        // A contact named in brackets is still the customer (四（二）10).
        orders[2].customer = "孙晓明 （王芳）".into();
        orders[3].address = "华庭大厦 12 层 1204 室".into();
        let bills = group(&orders, Default::default());
        assert_eq!(bills.len(), 2);
        let merged = bills.iter().find(|b| b.orders.len() == 3).unwrap();
        assert_eq!(merged.total, Money::parse("60.00").unwrap());
        // The first order by service date, then number: WX-1.
        assert_eq!(merged.address, "华庭大厦 １２ 层 1203 室 ");
        for n in 2..5 {
            let shards: std::collections::BTreeSet<_> = orders[..3]
                .iter()
                .map(|o| shard_of(&o.customer, &o.address, n))
                .collect();
            assert_eq!(shards.len(), 1);
        }
        assert_eq!(summary_customers(&orders), 2);
    }

    fn summary_customers(orders: &[PricedOrder]) -> usize {
        let bills = group(orders, Default::default());
        summarize((2026, 11), orders, &bills, 0).customers
    }

    #[test]
    fn the_summary_text_keeps_its_columns_whatever_the_names() {
        let orders = vec![order("WX-1", "3.00"), order("WX-2", "1,234.50")];
        let bills = group(&orders, Default::default());
        let text = summarize((2026, 11), &orders, &bills, 0).text();
        let rows: Vec<&str> = text.lines().filter(|l| l.contains(" orders  ")).collect();
        assert!(rows.len() >= 3, "{text}");
        let column =
            |l: &str| unicode_width::UnicodeWidthStr::width(&l[..l.find(" orders").unwrap()]);
        // 月结, 工程部 or 客户服务中心, 复印: 汉字 of every count line up.
        assert!(rows.iter().all(|l| column(l) == column(rows[0])), "{text}");
    }

    #[test]
    fn amount_guard_passes_what_adds_up_and_points_at_the_largest() {
        let place = |row: usize| {
            move || {
                Some(Place::Cell {
                    file: "m.csv".into(),
                    row,
                    column: Some("数量".into()),
                })
            }
        };
        // Exactly the most a total can be: passes, refunds counted in
        // absolute value (a sub-total of the positive ones alone must fit).
        let mut g = AmountGuard::default();
        g.add(&order("A", "999999999999.00"), place(2));
        g.add(&order("B", "-0.49"), place(3));
        g.add(&order("C", "0.50"), place(4));
        assert!(g.finish("the orders of 2026-11").is_ok());

        let mut g = AmountGuard::default();
        g.add(&order("A", "999999999999.00"), place(2));
        g.add(&order("B", "-0.50"), place(3));
        g.add(&order("C", "0.50"), place(4));
        let d = g.finish("the orders of 2026-11").unwrap_err();
        assert_eq!(
            d.message,
            "the orders of 2026-11 add up to ¥1,000,000,000,000.00, more than feebook can total"
        );

        // The three largest, largest first, whatever order they came in;
        // ties keep the first seen first.
        let mut g = AmountGuard::default();
        for (i, (n, y)) in [
            ("W1", "10.00"),
            ("W2", "600000000000.00"),
            ("W3", "20.00"),
            ("W4", "-700000000000.00"),
            ("W5", "20.00"),
            ("W6", "5.00"),
        ]
        .into_iter()
        .enumerate()
        {
            g.add(&order(n, y), place(i + 2));
        }
        let d = g.finish("the orders of 2026-11").unwrap_err();
        assert_eq!(
            d.message,
            "the orders of 2026-11 add up to ¥1,300,000,000,055.00, more than feebook can total"
        );
        let labels: Vec<(String, String)> = std::iter::once(&d.primary)
            .chain(&d.secondary)
            .map(|l| match &l.place {
                Place::Cell { row, .. } => (row.to_string(), l.text.clone()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            labels,
            [
                (
                    "5".into(),
                    "-¥700,000,000,000.00: the largest order, W4".into()
                ),
                ("3".into(), "¥600,000,000,000.00: order W2".into()),
                ("4".into(), "¥20.00: order W3".into()),
            ]
        );
    }

    #[test]
    fn shards_are_stable_and_spread() {
        let n = 4;
        let mut counts = [0; 4];
        for i in 0..1000 {
            let k = shard_of(&format!("客户{i}"), "1203", n);
            assert_eq!(k, shard_of(&format!("客户{i}"), "1203", n));
            counts[k] += 1;
        }
        assert!(counts.iter().all(|&c| c > 200), "{counts:?}");
    }
}
