//! Payments received (收款) and their receipts (收款收据).
//!
//! The procedure allows money to be received only by finance or, for
//! instant settlement, at finance with the customer service centre
//! accompanying the customer; never by service staff, and never a gratuity.
//! Those are policies; this module reads and checks the payment itself.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::journal::{DocKind, Entry, JournalError, Lookup};
use crate::money::Money;
use crate::order::Settlement;
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
    #[serde(deserialize_with = "crate::yaml::date::required")]
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
    /// `immediate` (即时结算: receipt stamped 现金收讫 for cash, 转账收讫
    /// otherwise) or `monthly` / `agreement` (a billing notice paid:
    /// stamped 已交费).
    pub settlement: Sp<crate::order::Settlement>,
    /// The billing notice this pays (its number, e.g. `TZ202612-0001`):
    /// required for a fee under `monthly` or `agreement` settlement, which
    /// pays the whole notice; not allowed under `immediate`.
    pub billing_notice: Option<Sp<String>>,
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
    /// The work order or billing notice, if any. A receipt is not issued
    /// for a reference an earlier receipt (not voided) already paid.
    pub reference: Option<Sp<String>>,
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
            // Point at the line whose amount the sum cannot take.
            let mut running = Money::ZERO;
            let at = p
                .items
                .iter()
                .find(|i| match running.checked_add(i.value.amount.value) {
                    Some(next) => {
                        running = next;
                        false
                    }
                    None => true,
                })
                .map_or(p.amount.loc, |i| i.value.amount.loc);
            problems.push(
                Diagnostic::error(
                    "invalid-amount",
                    format!("the items cannot be added up: {e}"),
                )
                .at(at, "the sum is too large from here")
                .hint("check the amounts for extra zeros"),
            )
        }
        _ => {}
    }
    match (&p.billing_notice, p.settlement.value) {
        (None, Settlement::Monthly | Settlement::Agreement) if p.kind() == PaymentKind::Fee => {
            problems.push(
                Diagnostic::error(
                    "missing-billing-notice",
                    format!(
                        "a {} payment pays a billing notice, but the payment names none",
                        p.settlement.value.label()
                    ),
                )
                .at(p.settlement.loc, "which billing notice does it pay?")
                .hint("add `billing_notice: NUMBER` (the 收费通知单's number; `feebook journal --month YYYY-MM` lists them)")
                .hint("a payment taken at once, at the counter, is `settlement: immediate`"),
            );
        }
        (Some(notice), Settlement::Immediate) => problems.push(
            Diagnostic::error(
                "notice-not-immediate",
                format!(
                    "an immediate (即时结算) payment cannot pay billing notice {}",
                    notice.value
                ),
            )
            .at(notice.loc, "a billing notice is paid under monthly settlement")
            .hint("a billing notice paid is `settlement: monthly` (stamped 已交费); remove `billing_notice:` for a payment at the counter (stamped 现金收讫)"),
        ),
        _ => {}
    }
    // The channel says how money comes in and who takes it: a payment that
    // says otherwise is a mistake, or money taken outside the channel.
    if let Some(channel) = channels.get(&p.channel.value) {
        use crate::rules::model::ChannelKind;
        let by_bank = channel.kind == ChannelKind::BankTransfer;
        if by_bank != (p.method == Method::BankTransfer) {
            problems.push(
                Diagnostic::error(
                    "method-not-channel",
                    format!(
                        "paid by {} through {} ({}), a channel for {}",
                        p.method.label(),
                        channel.name,
                        p.channel.value,
                        if by_bank { "bank transfers only" } else { "payments at a counter" }
                    ),
                )
                .at(p.channel.loc, "not this method's channel")
                .hint("a bank transfer comes through the bank channel; cash, card and the company's code are taken at a counter"),
            );
        }
        // A role that takes money through some channel, but not this one.
        // One that takes none (a member of the service staff) is the
        // policies' to judge (no private settlement).
        let receives_elsewhere = channels
            .iter()
            .any(|(_, c)| c.received_by.value == p.received_by.value);
        if receives_elsewhere && channel.received_by.value != p.received_by.value {
            problems.push(
                Diagnostic::error(
                    "receiver-not-channel",
                    format!(
                        "{} takes the money of {} ({}), not {}",
                        rules.role_title(&channel.received_by.value),
                        channel.name,
                        p.channel.value,
                        rules.role_title(&p.received_by.value)
                    ),
                )
                .at(p.received_by.loc, "not who takes this channel's money")
                .hint(format!(
                    "write `received_by: {}`, or the channel the money came through",
                    channel.received_by.value
                )),
            );
        }
    }
    // Paid at the counter with its work order (四（二）13): a payment that
    // names none is tied to no service.
    if p.settlement.value == Settlement::Immediate
        && p.kind() == PaymentKind::Fee
        && !p.items.is_empty()
        && p.items.iter().all(|i| {
            i.value
                .reference
                .as_ref()
                .is_none_or(|r| r.value.trim().is_empty())
        })
    {
        problems.push(
            Diagnostic::warning(
                "no-work-order",
                "the payment names no work order: nothing ties it to a service",
            )
            .at(p.settlement.loc, "paid at the counter")
            .hint("a payment at the counter is made with its 特约服务/维修单 (四（二）13): write the order's number as each line's `reference`"),
        );
    }
    let mut seen: HashMap<&str, Loc> = HashMap::new();
    for item in &p.items {
        let Some(reference) = item.value.reference.as_ref() else {
            continue;
        };
        let key = reference.value.trim();
        if key.is_empty() {
            continue;
        }
        if let Some(first) = seen.get(key) {
            problems.push(
                Diagnostic::error(
                    "duplicate-reference",
                    format!("`{key}` is paid for twice in this payment"),
                )
                .at(reference.loc, "again here")
                .also(*first, "first here")
                .hint("list each work order once, with its whole amount"),
            );
        } else {
            seen.insert(key, reference.loc);
        }
    }
    if let Some(problem) = crate::text::name_problem(&p.payer.value) {
        problems.push(
            Diagnostic::error(problem.code, format!("the payer's name {problem}"))
                .at(p.payer.loc, "here")
                .hint("write who paid"),
        );
    }
    problems
}

impl Payment {
    /// Writes the billing notice and the work orders it pays as the
    /// journal writes them ([`crate::order::number_key`]): `tz202612-0016`
    /// or a full-width dash names the same notice.
    pub fn normalize_numbers(&mut self) {
        if let Some(n) = &mut self.billing_notice {
            n.value = crate::order::number_key(&n.value);
        }
        for item in &mut self.items {
            if let Some(r) = &mut item.value.reference {
                r.value = crate::order::number_key(&r.value);
            }
        }
    }
}

/// What a payment pays, each with its place: the billing notice it names
/// and the work orders its lines refer to, trimmed, blank ones left out.
pub fn pays(p: &Payment) -> impl Iterator<Item = (&str, Loc)> {
    let notice = p.billing_notice.iter().map(|n| (n.value.trim(), n.loc));
    let references = p
        .items
        .iter()
        .filter_map(|i| i.value.reference.as_ref())
        .map(|r| (r.value.trim(), r.loc));
    notice.chain(references).filter(|(k, _)| !k.is_empty())
}

/// The stamp a receipt carries: 已交费 for a billing notice paid; for a
/// payment at the counter (即时结算), 现金收讫 when it was cash, else
/// 转账收讫. The procedure names 现金收讫 (四（二）13) for the counter of
/// its day; a card, a transfer or a scanned code reaches the bank, and a
/// receipt stamped "cash received" for it would misstate the books.
pub fn stamp(p: &Payment) -> &'static str {
    match (p.settlement.value, p.method) {
        (crate::order::Settlement::Immediate, Method::Cash) => "现金收讫",
        (crate::order::Settlement::Immediate, _) => "转账收讫",
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
        "settlement" => Some(p.settlement.loc),
        _ => None,
    };
    loc.map(crate::diagnostic::Place::Span)
}

/// Checks a payment against what the journal has issued, in the
/// transaction that will number its receipt (so that two cashiers cannot
/// both receipt the same notice): the billing notice it pays exists, is a
/// billing notice, is not void, is dated on or before the payment, and is
/// paid in full by this payment and the earlier receipts for it, not more;
/// no work order it lists was paid on an earlier receipt. Voided receipts
/// do not count. A payer other than the notice's customer is a warning.
pub fn check_with_journal(p: &Payment, tx: &impl Lookup) -> Result<Vec<Diagnostic>, JournalError> {
    let mut problems = Vec::new();
    let notice = p.billing_notice.as_ref().map(|n| (n.value.trim(), n.loc));
    let mut facts = NoticeFacts::default();
    if let Some((number, loc)) = notice {
        facts = check_notice(p, tx, number, loc, &mut problems)?;
    }
    for item in &p.items {
        let Some(reference) = item.value.reference.as_ref() else {
            continue;
        };
        let key = reference.value.trim();
        // The notice's own receipts were checked above, as a whole.
        if key.is_empty() || notice.is_some_and(|(n, _)| n == key) {
            continue;
        }
        if let (Some((number, _)), Some(orders)) = (notice, &facts.orders)
            && !orders.iter().any(|o| o == key)
        {
            problems.push(
                Diagnostic::error(
                    "not-on-notice",
                    format!("`{key}` is not one of billing notice {number}'s orders"),
                )
                .at(reference.loc, "not on the notice")
                .hint(format!("the notice bills {}", orders.join(", "))),
            );
            continue;
        }
        // A line of the receipt is what the notice billed for that order:
        // the total alone could hide two lines swapped or split unlike the
        // notice, and the receipt is what the customer keeps.
        if let (Some((number, _)), Some(&billed)) = (notice, facts.amounts.get(key))
            && item.value.amount.value != billed
        {
            problems.push(
                Diagnostic::error(
                    "line-not-billed",
                    format!(
                        "`{key}` is billed at {} on notice {number}, not {}",
                        billed.yuan(),
                        item.value.amount.value.yuan()
                    ),
                )
                .at(item.value.amount.loc, "not the amount billed")
                .hint(format!(
                    "write the amount the notice bills for it: \"{billed}\""
                )),
            );
        }
        if notice.is_none() {
            check_counter_order(p, item, key, reference.loc, tx, &mut problems)?;
        }
        let earlier: Vec<Entry> = tx
            .referring(key)?
            .into_iter()
            .filter(|e| e.kind == DocKind::Receipt && receipt_lists(e, key))
            .collect();
        // An order billed on a notice is paid with the notice, not alone
        // (an earlier receipt for it is said below, which is more to the
        // point).
        if notice.is_none()
            && earlier.is_empty()
            && let Some(billed) = tx
                .referring(key)?
                .into_iter()
                .find(|e| e.kind == DocKind::BillingNotice && notice_lists(e, key))
        {
            problems.push(
                Diagnostic::error(
                    "billed-on-notice",
                    format!(
                        "`{key}` is billed on notice {} ({}, {}): paid here too, it would be paid twice",
                        billed.number, billed.party, billed.date
                    ),
                )
                .at(reference.loc, "on a billing notice")
                .hint(format!(
                    "receipt the notice as a whole: `settlement: monthly` and `billing_notice: {}`",
                    billed.number
                )),
            );
            continue;
        }
        // Already said: the notice these orders are on was paid by them.
        if earlier.iter().all(|e| facts.paid_by.contains(&e.number)) {
            continue;
        }
        if let Some(first) = earlier.first() {
            problems.push(
                Diagnostic::error(
                    "already-receipted",
                    format!(
                        "`{key}` was already paid on receipt {}",
                        describe_receipts(&earlier)
                    ),
                )
                .at(reference.loc, "paid before")
                .hint(reissue_or_void(&first.number)),
            );
        }
    }
    Ok(problems)
}

/// A work order paid at the counter (即时结算), when the journal issued it:
/// not void, settled at once, this line its amount, paid by its customer
/// (a warning otherwise, as for a notice). A number the journal never
/// issued is a paper form's: a warning that nothing could be checked.
fn check_counter_order(
    p: &Payment,
    item: &Sp<PaymentLine>,
    key: &str,
    loc: Loc,
    tx: &impl Lookup,
    problems: &mut Vec<Diagnostic>,
) -> Result<(), JournalError> {
    let Some(order) = tx.find(key)? else {
        if p.settlement.value == crate::order::Settlement::Immediate {
            problems.push(
                Diagnostic::warning(
                    "unknown-work-order",
                    format!("`{key}` is not a work order in the journal: its amount and customer are not checked"),
                )
                .at(loc, "not issued by feebook")
                .hint("check the number against the work order's second copy (第二联); a work order issued with `feebook order` is checked"),
            );
        }
        return Ok(());
    };
    if order.kind != DocKind::WorkOrder {
        // A counter payment pays work orders: a notice or a receipt named
        // here would be paid a second time, past the checks of its own.
        let (what, hint) = match order.kind {
            DocKind::BillingNotice => (
                "a billing notice",
                format!(
                    "a billing notice is paid as a whole: `settlement: monthly` and `billing_notice: {key}`"
                ),
            ),
            DocKind::Receipt => (
                "a receipt",
                "a receipt is not paid; name the work order the money is for".to_string(),
            ),
            _ => (
                "another document",
                "name the work order the money is for".to_string(),
            ),
        };
        problems.push(
            Diagnostic::error(
                "not-a-work-order",
                format!(
                    "`{key}` is {what} ({}, {}), not a work order",
                    order.party, order.date
                ),
            )
            .at(loc, "not a work order")
            .hint(hint),
        );
        return Ok(());
    }
    if let Some(v) = &order.voided {
        problems.push(
            Diagnostic::error(
                "order-void",
                format!("work order {key} was voided on {} ({})", v.date, v.reason),
            )
            .at(loc, "a voided work order")
            .hint("a voided order is not paid; if the service was done, issue its work order again and receipt the new number"),
        );
        return Ok(());
    }
    let data = serde_json::from_str::<serde_json::Value>(&order.snapshot).unwrap_or_default();
    let settlement = data["data"]["settlement_id"].as_str().unwrap_or("");
    if !settlement.is_empty() && settlement != "immediate" {
        problems.push(
            Diagnostic::error(
                "not-immediate",
                format!(
                    "work order {key} is settled {} ({settlement}), not at the counter",
                    data["data"]["settlement"].as_str().unwrap_or(settlement)
                ),
            )
            .at(loc, "not 即时结算")
            .hint("a 月结 or 长期协议 order is paid against its billing notice: `settlement: monthly` and `billing_notice: TZ…`"),
        );
        return Ok(());
    }
    if let Some(amount) = order.amount
        && amount != item.value.amount.value.amount()
    {
        problems.push(
            Diagnostic::error(
                "line-not-ordered",
                format!(
                    "work order {key} is for {}, not {}",
                    Money::try_from(amount).map_or_else(|_| amount.to_string(), |m| m.yuan()),
                    item.value.amount.value.yuan()
                ),
            )
            .at(item.value.amount.loc, "not the work order's amount")
            .hint(format!("write the amount of the work order: \"{amount}\"")),
        );
    }
    if !crate::batch::same_party(&order.party, &p.payer.value) {
        problems.push(
            Diagnostic::warning(
                "payer-not-customer",
                format!(
                    "work order {key} is for {}, but the payer is {}",
                    order.party, p.payer.value
                ),
            )
            .at(p.payer.loc, "not the order's customer")
            .hint("check the payer; someone paying for the customer is fine, a wrong order number is not"),
        );
    }
    Ok(())
}

/// What [`check_notice`] learnt of the billing notice paid.
#[derive(Default)]
struct NoticeFacts {
    /// The numbers of the orders it bills, when it was found.
    orders: Option<Vec<String>>,
    /// What it bills for each of them.
    amounts: HashMap<String, Money>,
    /// The receipts that already paid it in full, when they did.
    paid_by: Vec<String>,
}

fn check_notice(
    p: &Payment,
    tx: &impl Lookup,
    number: &str,
    loc: Loc,
    problems: &mut Vec<Diagnostic>,
) -> Result<NoticeFacts, JournalError> {
    let mut facts = NoticeFacts::default();
    let Some(notice) = tx.find(number)? else {
        problems.push(
            Diagnostic::error(
                "unknown-billing-notice",
                format!("the journal has no billing notice {number}"),
            )
            .at(loc, "not issued")
            .hint("billing notices are numbered by `feebook bill`; `feebook journal --month YYYY-MM` lists those of a month"),
        );
        return Ok(facts);
    };
    if notice.kind != DocKind::BillingNotice {
        problems.push(
            Diagnostic::error(
                "not-a-billing-notice",
                format!(
                    "{number} is a {}, not a billing notice",
                    notice.kind.as_str().replace('_', " ")
                ),
            )
            .at(loc, "not a billing notice")
            .hint("write the number of the 收费通知单 the customer paid"),
        );
        return Ok(facts);
    }
    if let Some(void) = &notice.voided {
        problems.push(
            Diagnostic::error(
                "void-billing-notice",
                format!(
                    "billing notice {number} was voided on {} ({})",
                    void.date, void.reason
                ),
            )
            .at(loc, "voided")
            .hint("a voided notice is not paid; pay the notice issued in its place"),
        );
        return Ok(facts);
    }
    facts.orders = Some(line_texts(&notice, "number"));
    facts.amounts = line_amounts(&notice);
    if p.date.value < notice.date {
        problems.push(
            Diagnostic::error(
                "paid-before-notice",
                format!(
                    "the payment's date {} is before billing notice {number}'s date {}",
                    p.date.value, notice.date
                ),
            )
            .at(p.date.loc, "before the notice")
            .hint("write the date the money was received"),
        );
    }
    if !crate::batch::same_party(&notice.party, &p.payer.value) {
        problems.push(
            Diagnostic::warning(
                "payer-not-billed",
                format!(
                    "billing notice {number} was issued to {}, the payer is {}",
                    notice.party, p.payer.value
                ),
            )
            .at(p.payer.loc, "not the billed customer")
            .hint(format!(
                "if {} paid it, write their name as on the notice",
                notice.party
            )),
        );
    }
    let Some(billed) = notice.amount else {
        return Ok(facts);
    };
    let earlier: Vec<Entry> = tx
        .referring(number)?
        .into_iter()
        .filter(|e| e.kind == DocKind::Receipt && receipt_pays(e, number))
        .collect();
    let paid: rust_decimal::Decimal = earlier.iter().filter_map(|e| e.amount).sum();
    let this = p.amount.value.amount();
    if !earlier.is_empty() && paid >= billed {
        facts.paid_by = earlier.iter().map(|e| e.number.clone()).collect();
        problems.push(
            Diagnostic::error(
                "already-paid",
                format!(
                    "billing notice {number} ({}) was already paid on receipt {}",
                    yuan(billed),
                    describe_receipts(&earlier)
                ),
            )
            .at(loc, "paid before")
            .hint(reissue_or_void(&earlier[0].number)),
        );
    } else if paid + this != billed {
        let before = if earlier.is_empty() {
            String::new()
        } else {
            format!(
                ", of which {} was received on receipt {}",
                yuan(paid),
                describe_receipts(&earlier)
            )
        };
        problems.push(
            Diagnostic::error(
                "amount-not-billed",
                format!(
                    "billing notice {number} is for {}{before}; this payment is {}, not the {} outstanding",
                    yuan(billed),
                    yuan(this),
                    yuan(billed - paid)
                ),
            )
            .at(p.amount.loc, "not what the notice asks")
            .hint("a billing notice is paid in full before it is stamped 已交费 (客户交清全部费用后); take the whole amount, or correct the items"),
        );
    }
    Ok(facts)
}

/// What to do about an earlier receipt that already paid.
fn reissue_or_void(number: &str) -> String {
    format!(
        "to print that receipt again: `feebook reissue {number}`; if it was wrong, void it first: `feebook void {number} --reason ...`"
    )
}

/// A journal amount as documents write it (¥1,044.00).
fn yuan(d: rust_decimal::Decimal) -> String {
    Money::from_decimal_rounded(d).map_or_else(|_| format!("¥{d}"), |m| m.yuan())
}

/// The earlier receipts, for a message: `SJ2026-000004 of 2026-12-08 (¥255.00)`.
fn describe_receipts(receipts: &[Entry]) -> String {
    receipts
        .iter()
        .map(|e| {
            let amount = e
                .amount
                .map(|a| format!(", {}", yuan(a)))
                .unwrap_or_default();
            format!("{} ({}{amount})", e.number, e.date)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A document's data, as its journal snapshot keeps it.
fn snapshot_data(e: &Entry) -> Option<serde_json::Value> {
    let mut snapshot: serde_json::Value = serde_json::from_str(&e.snapshot).ok()?;
    snapshot.get_mut("data").map(serde_json::Value::take)
}

/// Whether a receipt pays this billing notice.
fn receipt_pays(e: &Entry, notice: &str) -> bool {
    snapshot_data(e).is_some_and(|d| {
        d.get("billing_notice")
            .and_then(|n| n.as_str())
            .is_some_and(|n| n.trim() == notice)
    })
}

/// The lines of a document (a notice's orders, a receipt's items) as its
/// journal snapshot keeps them.
fn snapshot_lines(e: &Entry) -> Vec<serde_json::Value> {
    match snapshot_data(e).as_mut().and_then(|d| d.get_mut("lines")) {
        Some(serde_json::Value::Array(lines)) => std::mem::take(lines),
        _ => Vec::new(),
    }
}

/// The `field` of each line of a document (a notice's order `number`, a
/// receipt's `reference`), trimmed.
fn line_texts(e: &Entry, field: &str) -> Vec<String> {
    snapshot_lines(e)
        .iter()
        .filter_map(|l| l.get(field)?.as_str())
        .map(|t| t.trim().to_string())
        .collect()
}

/// What a billing notice bills for each of its orders.
fn line_amounts(e: &Entry) -> HashMap<String, Money> {
    snapshot_lines(e)
        .iter()
        .filter_map(|l| {
            let number = l.get("number")?.as_str()?.trim().to_string();
            let amount = l.get("amount")?.get("value")?.as_str()?;
            Some((number, Money::parse(amount).ok()?))
        })
        .collect()
}

/// Whether one of a billing notice's lines is the order `number`.
fn notice_lists(e: &Entry, number: &str) -> bool {
    line_texts(e, "number").iter().any(|n| n == number)
}

/// Whether one of a receipt's lines refers to `reference`.
fn receipt_lists(e: &Entry, reference: &str) -> bool {
    line_texts(e, "reference").iter().any(|r| r == reference)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{SourceFile, Sources};

    fn payment(settlement: &str, method: &str) -> Payment {
        let mut sources = Sources::new();
        let text = format!(
            "date: 2026-11-24\npayer: 甲\nitems: [{{description: 维修, amount: \"5.00\"}}]\n\
             amount: \"5.00\"\nmethod: {method}\nchannel: c\nreceived_by: finance\n\
             settlement: {settlement}\n"
        );
        let id = sources.add(SourceFile::new("p.yaml", text));
        crate::yaml::parse(&sources, id, "payment").unwrap()
    }

    #[test]
    fn the_stamp_says_how_the_money_came() {
        for (settlement, method, expect) in [
            ("immediate", "cash", "现金收讫"),
            ("immediate", "card", "转账收讫"),
            ("immediate", "bank_transfer", "转账收讫"),
            ("immediate", "mobile", "转账收讫"),
            ("monthly", "cash", "已交费"),
            ("monthly", "bank_transfer", "已交费"),
            ("agreement", "card", "已交费"),
        ] {
            assert_eq!(
                stamp(&payment(settlement, method)),
                expect,
                "{settlement} {method}"
            );
        }
    }
}
