//! Work orders (特约服务/维修单): a customer's request for a catalogue
//! service, registered by the customer service centre, priced from the
//! price list in force on the service date.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::money::Money;
use crate::pricing::{self, GivenInput, ItemRequest, PricedItem};
use crate::quantity::Qty;
use crate::rules::Rules;
use crate::source::{Loc, Sp};

/// How an order is paid.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Settlement {
    /// 月结: billed by finance with the month's billing notice.
    Monthly,
    /// 即时结算: paid at once at finance (receipt stamped 现金收讫).
    Immediate,
    /// 长期协议: under a long-term service agreement, billed by finance.
    Agreement,
}

impl Settlement {
    pub fn id(self) -> &'static str {
        match self {
            Settlement::Monthly => "monthly",
            Settlement::Immediate => "immediate",
            Settlement::Agreement => "agreement",
        }
    }

    /// As printed: 月结 / 即时结算 / 长期协议.
    pub fn label(self) -> &'static str {
        match self {
            Settlement::Monthly => "月结",
            Settlement::Immediate => "即时结算",
            Settlement::Agreement => "长期协议",
        }
    }

    /// Reads the id or the Chinese label (as spreadsheets write it).
    pub fn parse(s: &str) -> Option<Settlement> {
        match s.trim() {
            "monthly" | "月结" => Some(Settlement::Monthly),
            "immediate" | "即时结算" | "即时" | "现结" => Some(Settlement::Immediate),
            "agreement" | "长期协议" | "协议" => Some(Settlement::Agreement),
            _ => None,
        }
    }
}

/// A work order as registered (YAML).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "feebook work order")]
pub struct OrderFile {
    /// Work-order number. Leave it out: the journal assigns the next number
    /// of the series when the order is issued.
    pub number: Option<Sp<String>>,
    /// Date the request was registered.
    pub date: Sp<NaiveDate>,
    /// Customer name.
    pub customer: Sp<String>,
    /// Where the service is done, e.g. 华庭大厦 12 层 1203 室.
    pub address: String,
    /// Customer's telephone.
    pub phone: Option<String>,
    /// Catalogue item id, e.g. `indoor-cleaning`.
    pub item: Sp<String>,
    /// Quantity in the item's unit.
    pub quantity: Sp<Qty>,
    /// Date of the service; the price list in force that day applies.
    pub service_date: Sp<NaiveDate>,
    /// Agreed time, e.g. 09:00–11:00.
    pub service_time: Option<String>,
    /// `monthly` (月结), `immediate` (即时结算) or `agreement` (长期协议).
    pub settlement: Sp<Settlement>,
    /// Inputs of a formula-priced item (e.g. `materials: "35.00"`).
    #[serde(default)]
    pub inputs: BTreeMap<String, Sp<String>>,
    /// What the customer asked for.
    pub request: Option<String>,
    /// Who registered the request.
    pub registered_by: Option<String>,
    /// Who does the work.
    pub staff: Option<String>,
    /// Date the service was completed.
    pub completed_on: Option<Sp<NaiveDate>>,
    /// The customer signed the order on completion.
    #[serde(default)]
    pub customer_signed: bool,
    /// The department head who checked the order (核对人).
    pub verified_by: Option<String>,
    /// Date it was checked.
    pub verified_on: Option<Sp<NaiveDate>>,
    /// The service went beyond or changed the order.
    #[serde(default)]
    pub scope_changed: bool,
    /// The price was changed after the customer agreed.
    #[serde(default)]
    pub price_changed: bool,
    /// The customer agreed again after the change.
    #[serde(default)]
    pub reconfirmed: bool,
    /// Number of the long-term agreement, for `agreement` orders.
    pub agreement: Option<String>,
}

/// Where each field of an order was written, for reports: a YAML span or a
/// spreadsheet cell.
pub type FieldPlaces = BTreeMap<&'static str, crate::diagnostic::Place>;

/// An order priced and ready for documents and policies.
#[derive(Debug, Clone, Serialize)]
pub struct PricedOrder {
    pub number: String,
    pub date: NaiveDate,
    pub customer: String,
    pub address: String,
    pub phone: Option<String>,
    pub item: PricedItem,
    pub settlement: Settlement,
    pub service_date: NaiveDate,
    pub service_time: Option<String>,
    pub request: Option<String>,
    pub registered_by: Option<String>,
    pub staff: Option<String>,
    pub completed_on: Option<NaiveDate>,
    pub customer_signed: bool,
    pub verified_by: Option<String>,
    pub verified_on: Option<NaiveDate>,
    pub scope_changed: bool,
    pub price_changed: bool,
    pub reconfirmed: bool,
    pub catalog_approved: bool,
    pub agreement: Option<String>,
}

impl PricedOrder {
    pub fn total(&self) -> Money {
        self.item.total
    }
}

/// Prices an order from a YAML file. `number` is the issued number (from
/// the journal) when the file has none.
pub fn price_order(
    rules: &Rules,
    o: &OrderFile,
    number: &str,
) -> Result<PricedOrder, Vec<Diagnostic>> {
    let inputs = o
        .inputs
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                GivenInput {
                    text: v.value.clone(),
                    loc: Some(v.loc),
                },
            )
        })
        .collect();
    let req = ItemRequest {
        item: &o.item.value,
        quantity: o.quantity.value.0,
        date: o.service_date.value,
        inputs,
        item_loc: Some(o.item.loc),
        quantity_loc: Some(o.quantity.loc),
        date_loc: Some(o.service_date.loc),
    };
    let item = pricing::price_item(rules, &req)?;
    let mut problems = Vec::new();
    check_settlement(
        rules,
        &item,
        o.settlement.value,
        Some(o.settlement.loc),
        &mut problems,
    );
    if o.customer.value.trim().is_empty() {
        problems.push(
            Diagnostic::error("empty-value", "the customer's name is empty")
                .at(o.customer.loc, "empty")
                .hint("write the customer's name as registered"),
        );
    }
    if let Some(c) = &o.completed_on
        && c.value < o.service_date.value
    {
        problems.push(
            Diagnostic::error(
                "date-order",
                "the order is completed before its service date",
            )
            .at(c.loc, "before the service date")
            .also(o.service_date.loc, "service date")
            .hint("check the dates"),
        );
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let catalog_approved = rules.catalog_approved_on(o.service_date.value);
    Ok(PricedOrder {
        number: number.to_string(),
        date: o.date.value,
        customer: o.customer.value.clone(),
        address: o.address.clone(),
        phone: o.phone.clone(),
        item,
        settlement: o.settlement.value,
        service_date: o.service_date.value,
        service_time: o.service_time.clone(),
        request: o.request.clone(),
        registered_by: o.registered_by.clone(),
        staff: o.staff.clone(),
        completed_on: o.completed_on.as_ref().map(|d| d.value),
        customer_signed: o.customer_signed,
        verified_by: o.verified_by.clone(),
        verified_on: o.verified_on.as_ref().map(|d| d.value),
        scope_changed: o.scope_changed,
        price_changed: o.price_changed,
        reconfirmed: o.reconfirmed,
        catalog_approved,
        agreement: o.agreement.clone(),
    })
}

/// A long-term agreement only for items that allow one.
pub fn check_settlement(
    rules: &Rules,
    item: &PricedItem,
    s: Settlement,
    loc: Option<Loc>,
    problems: &mut Vec<Diagnostic>,
) {
    if s == Settlement::Agreement
        && !pricing::item_on(rules, &item.item, item.date).is_some_and(|i| i.long_term)
    {
        let mut d = Diagnostic::error(
            "no-agreement",
            format!("{} cannot be taken under a long-term agreement", item.name),
        )
        .hint("the catalogue allows 长期协议 only for items with `long_term: true`; settle it monthly or at once");
        if let Some(l) = loc {
            d = d.at(l, "长期协议");
        }
        problems.push(d);
    }
}

/// The location of each order field in its YAML file, for policy reports.
pub fn field_loc(o: &OrderFile, field: &str) -> Option<Loc> {
    match field {
        "number" => o.number.as_ref().map(|n| n.loc),
        "item" => Some(o.item.loc),
        "customer" => Some(o.customer.loc),
        "quantity" => Some(o.quantity.loc),
        "settlement" => Some(o.settlement.loc),
        "service_date" => Some(o.service_date.loc),
        "completed_on" => o.completed_on.as_ref().map(|d| d.loc),
        "verified_on" => o.verified_on.as_ref().map(|d| d.loc),
        _ => None,
    }
}
