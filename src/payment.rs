//! Payments received (收款) and their receipts (收款收据).
//!
//! The procedure allows money to be received only by finance or, for
//! instant settlement, at finance with the customer service centre
//! accompanying the customer; never by service staff, and never a gratuity.
//! Those are policies; this module reads and checks the payment itself.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::money::Money;
use crate::rules::Rules;
use crate::source::{Loc, Sp};

/// A payment, as recorded by finance (YAML).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "feebook payment")]
pub struct Payment {
    /// Receipt number. Leave it out: the journal assigns the next number
    /// when the receipt is issued.
    pub number: Option<Sp<String>>,
    /// Date the money was received.
    pub date: Sp<NaiveDate>,
    /// Who paid.
    pub payer: Sp<String>,
    /// What was paid for, one line each.
    pub items: Vec<Sp<PaymentLine>>,
    /// Amount received; must equal the sum of the items.
    pub amount: Sp<Money>,
    /// `cash`, `bank_transfer`, `card` or `mobile`.
    pub method: Method,
    /// Id of the company's payment channel it came through.
    pub channel: Sp<String>,
    /// Role id of whoever took the money (`finance`, `service_center`).
    pub received_by: Sp<String>,
    /// `fee` (service fee, the default), `deposit`, or `gratuity` (a tip:
    /// refused by policy).
    pub kind: Option<Sp<PaymentKind>>,
    /// `immediate` (即时结算: receipt stamped 现金收讫) or `monthly` /
    /// `agreement` (a billing notice paid: stamped 已交费).
    pub settlement: crate::order::Settlement,
    /// The billing notice this pays, for monthly settlement.
    pub billing_notice: Option<String>,
    /// Name of the cashier (收款人).
    pub cashier: Option<String>,
    /// Name of whoever handled it (经手人), e.g. the accompanying service
    /// centre clerk.
    pub handler: Option<String>,
    /// Remarks printed on the receipt.
    pub notes: Option<String>,
}

/// One thing paid for.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentLine {
    /// What, e.g. 室内卫生清洁 85 平方米.
    pub description: String,
    /// The work order or billing notice, if any.
    pub reference: Option<String>,
    /// Amount in yuan.
    pub amount: Sp<Money>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// 现金.
    Cash,
    /// 银行转账.
    BankTransfer,
    /// 刷卡.
    Card,
    /// 扫码 (the company's own code).
    Mobile,
}

impl Method {
    pub fn id(self) -> &'static str {
        match self {
            Method::Cash => "cash",
            Method::BankTransfer => "bank_transfer",
            Method::Card => "card",
            Method::Mobile => "mobile",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Method::Cash => "现金",
            Method::BankTransfer => "银行转账",
            Method::Card => "刷卡",
            Method::Mobile => "扫码支付",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    /// A service fee.
    #[default]
    Fee,
    /// A deposit (押金).
    Deposit,
    /// A gratuity (赏赐): refused by policy.
    Gratuity,
}

impl PaymentKind {
    pub fn id(self) -> &'static str {
        match self {
            PaymentKind::Fee => "fee",
            PaymentKind::Deposit => "deposit",
            PaymentKind::Gratuity => "gratuity",
        }
    }
}

impl Payment {
    pub fn kind(&self) -> PaymentKind {
        self.kind.as_ref().map_or(PaymentKind::Fee, |k| k.value)
    }
}

/// Checks what the schema cannot: the channel and role exist, the items add
/// up to the amount, amounts are positive.
pub fn check(rules: &Rules, p: &Payment) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let channels = &rules.organization.payment_channels;
    if !channels.contains(&p.channel.value) {
        let names: Vec<String> = channels
            .iter()
            .map(|(id, c)| format!("{} ({})", id.value, c.name))
            .collect();
        problems.push(
            Diagnostic::error(
                "unknown-channel",
                format!("unknown payment channel `{}`", p.channel.value),
            )
            .at(p.channel.loc, "not one of the company's channels")
            .hint_opt(did_you_mean(&p.channel.value, channels.keys()))
            .hint(format!(
                "the company's payment channels: {}",
                names.join(", ")
            )),
        );
    }
    if !rules.roles.contains(&p.received_by.value) {
        problems.push(
            Diagnostic::error(
                "unknown-reference",
                format!("unknown role `{}`", p.received_by.value),
            )
            .at(p.received_by.loc, "no role with this id")
            .hint_opt(did_you_mean(&p.received_by.value, rules.roles.keys()))
            .hint(format!(
                "roles: {}",
                rules.roles.keys().collect::<Vec<_>>().join(", ")
            )),
        );
    }
    if p.items.is_empty() {
        problems.push(
            Diagnostic::error("no-items", "the payment lists nothing paid for")
                .at(p.amount.loc, "for what?")
                .hint("add `items:` with a description and amount for each thing paid"),
        );
    }
    for item in &p.items {
        if !item.value.amount.value.amount().is_sign_positive() || item.value.amount.value.is_zero()
        {
            problems.push(
                Diagnostic::error("invalid-amount", "an item's amount must be more than 0")
                    .at(item.value.amount.loc, "not positive")
                    .hint("a refund is a void of the receipt, not a negative line"),
            );
        }
    }
    let sum = Money::try_sum(p.items.iter().map(|i| i.value.amount.value));
    match sum {
        Ok(sum) if sum != p.amount.value && !p.items.is_empty() => problems.push(
            Diagnostic::error(
                "amount-mismatch",
                format!(
                    "the items add up to {} but the amount is {}",
                    sum.yuan(),
                    p.amount.value.yuan()
                ),
            )
            .at(p.amount.loc, "does not match the items")
            .hint("correct the amount or the items; a receipt's lines add up to its total"),
        ),
        Err(e) => {
            problems.push(Diagnostic::error("invalid-amount", e.to_string()).at(p.amount.loc, ""))
        }
        _ => {}
    }
    if let Some(problem) = crate::text::name_problem(&p.payer.value) {
        problems.push(
            Diagnostic::error("empty-value", format!("the payer's name {problem}"))
                .at(p.payer.loc, "here")
                .hint("write who paid"),
        );
    }
    problems
}

/// The stamp a receipt carries: 现金收讫 for instant settlement, 已交费 for
/// a billing notice paid.
pub fn stamp(p: &Payment) -> &'static str {
    match p.settlement {
        crate::order::Settlement::Immediate => "现金收讫",
        _ => "已交费",
    }
}

/// The place of each payment field in its file, for policy reports.
pub fn field_place(p: &Payment, field: &str) -> Option<crate::diagnostic::Place> {
    let loc: Option<Loc> = match field {
        "date" => Some(p.date.loc),
        "payer" => Some(p.payer.loc),
        "amount" => Some(p.amount.loc),
        "channel" => Some(p.channel.loc),
        "received_by" => Some(p.received_by.loc),
        "number" => p.number.as_ref().map(|n| n.loc),
        "kind" => p.kind.as_ref().map(|k| k.loc),
        _ => None,
    };
    loc.map(crate::diagnostic::Place::Span)
}
