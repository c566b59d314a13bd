//! The data each document template receives.
//!
//! Templates get these structures serialised to JSON (Typst reads
//! `/data.json`; minijinja gets the same value). Money arrives both exact
//! (`value`, a decimal string) and formatted (`yuan`: ¥1,409.50), and every
//! total also in 大写, so templates never compute or format money. Dates
//! come as `2026-11-16` and as `2026年11月16日`.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::approval::{State, Status};
use crate::money::Money;
use crate::order::PricedOrder;
use crate::payment::Payment;
use crate::quote::Quote;
use crate::rules::Rules;
use crate::rules::model::{Catalog, LineKind};

/// An amount, exact and formatted.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Amount {
    /// Exact decimal string: "1409.50".
    pub value: String,
    /// With the currency sign and separators: "¥1,409.50".
    pub yuan: String,
    /// With separators only: "1,409.50".
    pub plain: String,
}

impl From<Money> for Amount {
    fn from(m: Money) -> Amount {
        let yuan = m.yuan();
        let plain = yuan.replacen('¥', "", 1);
        Amount {
            value: m.to_string(),
            yuan,
            plain,
        }
    }
}

/// A date, ISO and Chinese.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Date {
    pub iso: String,
    /// 2026年11月16日
    pub cn: String,
}

impl From<NaiveDate> for Date {
    fn from(d: NaiveDate) -> Date {
        Date {
            iso: d.to_string(),
            cn: format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        }
    }
}

/// The issuing organisation.
#[derive(Clone, Debug, Serialize)]
pub struct Org {
    pub name: String,
    pub short_name: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub tax_id: Option<String>,
}

impl Org {
    pub fn from_rules(rules: &Rules) -> Org {
        let o = &rules.organization;
        Org {
            name: o.name.clone(),
            short_name: o.short_name.clone().unwrap_or_else(|| o.name.clone()),
            address: o.address.clone(),
            phone: o.phone.clone(),
            tax_id: o.tax_id.clone(),
        }
    }
}

/// What every document has.
#[derive(Clone, Debug, Serialize)]
pub struct Header {
    /// notice, quote, work_order, billing_notice, receipt, register.
    pub kind: &'static str,
    pub title: String,
    pub number: String,
    pub date: Date,
    pub org: Org,
    /// One copy (联) per label; empty for single-copy documents.
    pub copies: Vec<String>,
    /// A mark across every page: 作废, 待审批, 未经审批 — or none.
    pub mark: Option<String>,
    /// Why the document was voided (`feebook void --reason`); set with the
    /// 作废 mark when a voided document is rendered, none otherwise.
    pub void_reason: Option<String>,
    pub footer: Option<String>,
}

fn header(
    rules: &Rules,
    kind: &'static str,
    default_title: &str,
    number: &str,
    date: NaiveDate,
    mark: Option<String>,
) -> Header {
    let settings = match kind {
        "notice" => &rules.documents.notice,
        "quote" => &rules.documents.quote,
        "work_order" => &rules.documents.work_order,
        "billing_notice" => &rules.documents.billing_notice,
        "receipt" => &rules.documents.receipt,
        _ => &rules.documents.register,
    };
    let s = settings.clone().unwrap_or_default();
    Header {
        kind,
        title: s
            .title
            .map_or_else(|| default_title.to_string(), |t| t.value),
        number: number.to_string(),
        date: date.into(),
        org: Org::from_rules(rules),
        copies: s.copies.into_iter().map(|c| c.value).collect(),
        mark,
        void_reason: None,
        footer: s.footer,
    }
}

/// A signature block slot.
#[derive(Clone, Debug, Serialize)]
pub struct SignatureOut {
    pub role: String,
    pub department: Option<String>,
    pub action: String,
    pub name: Option<String>,
    pub date: Option<Date>,
    /// 同意 / 不同意, when signed.
    pub decision: Option<String>,
    pub comment: Option<String>,
}

/// An approval chain's status, for signature blocks.
#[derive(Clone, Debug, Serialize)]
pub struct ApprovalOut {
    pub title: String,
    /// draft, pending, approved, rejected
    pub state: &'static str,
    /// 草稿 / 待审批：待 … 签字 / 已批准 / 已驳回
    pub summary: String,
    pub complete: bool,
    pub signatures: Vec<SignatureOut>,
}

impl From<&Status> for ApprovalOut {
    fn from(s: &Status) -> ApprovalOut {
        ApprovalOut {
            title: s.title.clone(),
            state: match s.state {
                State::Draft => "draft",
                State::Pending { .. } => "pending",
                State::Approved => "approved",
                State::Rejected { .. } => "rejected",
            },
            summary: s.describe(),
            complete: s.is_approved(),
            signatures: s
                .slots
                .iter()
                .map(|sl| SignatureOut {
                    role: sl.role_title.clone(),
                    department: sl.department_name.clone(),
                    action: sl.action.clone(),
                    name: sl.signed.as_ref().map(|x| x.name.clone()),
                    date: sl.signed.as_ref().map(|x| x.date.into()),
                    decision: sl.signed.as_ref().map(|x| match x.decision {
                        crate::rules::model::Decision::Approve => "同意".to_string(),
                        crate::rules::model::Decision::Reject => "不同意".to_string(),
                    }),
                    comment: sl.signed.as_ref().and_then(|x| x.comment.clone()),
                })
                .collect(),
        }
    }
}

// ---------------------------------------------------------------- notice

#[derive(Clone, Debug, Serialize)]
pub struct NoticeItem {
    pub no: usize,
    pub name: String,
    pub department: String,
    pub unit: String,
    /// "¥3.00 / 平方米", or how a formula-priced item is charged.
    pub price: String,
    pub minimum: Option<String>,
    /// 含税（增值税 6%）
    pub tax: String,
    pub long_term: bool,
    pub notes: Option<String>,
}

/// 特约服务项目及收费标准公告.
#[derive(Clone, Debug, Serialize)]
pub struct NoticeDoc {
    pub header: Header,
    pub version: String,
    pub effective_from: Date,
    pub items: Vec<NoticeItem>,
    pub approval: ApprovalOut,
    /// For the per-room letter (送到客户房间): to whom.
    pub addressee: Option<String>,
    pub phone: Option<String>,
    /// The numbered 说明 under the items, the same in every format.
    pub notes: Vec<String>,
}

/// The 说明 of the service notice.
const NOTICE_NOTES: [&str; 4] = [
    "服务前请到客户服务中心登记或致电预约，客服人员将按本公告告知费用，经您认可后填写《特约服务/维修单》并安排服务。",
    "服务完毕请在《特约服务/维修单》上签字确认。月结费用由财务部统一发出《收费通知单》；即时结算请到财务部交费并索取收据。",
    "本公告以外的临时性服务（如小型施工改造）另行报价，经您书面确认价格后实施；服务内容有变化的，须再次确认价格。",
    "严禁服务人员与客户私下结算，服务人员不接受客户任何赏赐。如有疑问或投诉，请致电客户服务中心。",
];

pub fn notice(
    rules: &Rules,
    catalog: &Catalog,
    status: &Status,
    date: NaiveDate,
    addressee: Option<String>,
) -> NoticeDoc {
    let mark = (!status.is_approved()).then(|| "未经审批".to_string());
    let items = catalog
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let rate = rules.tax_rate_on(&item.tax.value, date.max(catalog.effective_from.value));
            let price = match (&item.unit_price, &item.formula) {
                (Some(p), _) => format!("{} / {}", p.value.yuan(), item.unit),
                (None, Some(f)) => rules
                    .formula(&f.value)
                    .map_or_else(|| "按实结算".to_string(), |f| format!("按{}", f.title)),
                (None, None) => String::new(),
            };
            NoticeItem {
                no: i + 1,
                name: item.name.value.clone(),
                department: rules.department_name(&item.department.value).to_string(),
                unit: item.unit.clone(),
                price,
                minimum: item
                    .minimum_charge
                    .as_ref()
                    .map(|m| format!("{} 起", m.value.yuan())),
                tax: match (item.tax_inclusive, rate) {
                    (true, Some(r)) => format!("含税（税率 {r}）"),
                    (false, Some(r)) => format!("另加税（税率 {r}）"),
                    (_, None) => String::new(),
                },
                long_term: item.long_term,
                notes: item.notes.clone(),
            }
        })
        .collect();
    NoticeDoc {
        header: header(
            rules,
            "notice",
            "特约服务项目及收费标准公告",
            &catalog.version.value,
            date,
            mark,
        ),
        version: catalog.version.value.clone(),
        effective_from: catalog.effective_from.value.into(),
        items,
        approval: status.into(),
        addressee,
        phone: rules.organization.phone.clone(),
        notes: NOTICE_NOTES.iter().map(|n| n.to_string()).collect(),
    }
}

// ---------------------------------------------------------------- quote

#[derive(Clone, Debug, Serialize)]
pub struct QuoteLineOut {
    pub id: String,
    pub label: String,
    /// cost, fee, tax, total, subtotal, info
    pub kind: LineKind,
    pub formula: String,
    pub explained: String,
    pub amount: Option<Amount>,
    pub value: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct LabourOut {
    pub title: String,
    pub staff: String,
    pub time: String,
    pub time_unit: String,
    pub rate: Amount,
    pub override_reason: Option<String>,
    pub amount: Amount,
}

#[derive(Clone, Debug, Serialize)]
pub struct MaterialOut {
    pub name: String,
    pub spec: Option<String>,
    pub unit: String,
    pub quantity: String,
    pub unit_price: Amount,
    pub amount: Amount,
}

#[derive(Clone, Debug, Serialize)]
pub struct RevisionOut {
    pub revision: usize,
    pub date: Date,
    pub reason: String,
    pub previous_total: Amount,
    pub total: Amount,
    pub difference: Amount,
    /// The difference as every format prints it, signed: "+¥458.17", "-¥12.00", "¥0.00".
    pub difference_signed: String,
    pub confirmed_by: Option<String>,
    pub confirmed_on: Option<Date>,
}

/// 特约维修价格确认单.
#[derive(Clone, Debug, Serialize)]
pub struct QuoteDoc {
    pub header: Header,
    pub customer: String,
    pub contact: Option<String>,
    pub phone: Option<String>,
    pub address: String,
    pub description: String,
    pub responsible_department: String,
    pub involved_departments: Vec<String>,
    pub planned_start: Option<Date>,
    pub labour: Vec<LabourOut>,
    pub materials: Vec<MaterialOut>,
    pub labour_total: Amount,
    pub materials_total: Amount,
    pub lines: Vec<QuoteLineOut>,
    pub net: Amount,
    pub tax: Amount,
    pub tax_name: String,
    pub tax_rate: String,
    pub total: Amount,
    pub total_upper: String,
    pub revisions: Vec<RevisionOut>,
    pub awaiting_confirmation: bool,
    pub approval: ApprovalOut,
    pub notes: Option<String>,
}

pub fn quote(rules: &Rules, q: &Quote, status: &Status) -> QuoteDoc {
    let mark = (!status.is_approved()).then(|| match status.state {
        State::Rejected { .. } => "已驳回".to_string(),
        _ => "待审批".to_string(),
    });
    QuoteDoc {
        header: header(
            rules,
            "quote",
            "特约维修价格确认单",
            &q.number,
            q.date,
            mark,
        ),
        customer: q.customer.name.clone(),
        contact: q.customer.contact.clone(),
        phone: q.customer.phone.clone(),
        address: q.address.clone(),
        description: q.description.clone(),
        responsible_department: q.responsible_department.name.clone(),
        involved_departments: q
            .involved_departments
            .iter()
            .map(|d| d.name.clone())
            .collect(),
        planned_start: q.planned_start.map(Into::into),
        labour: q
            .labour
            .iter()
            .map(|l| LabourOut {
                title: l.title.clone(),
                staff: l.staff.normalize().to_string(),
                time: l.time.normalize().to_string(),
                time_unit: l.time_unit.clone(),
                rate: l.rate.into(),
                override_reason: l.override_reason.clone(),
                amount: l.amount.into(),
            })
            .collect(),
        materials: q
            .materials
            .iter()
            .map(|m| MaterialOut {
                name: m.name.clone(),
                spec: m.spec.clone(),
                unit: m.unit.clone(),
                quantity: m.quantity.normalize().to_string(),
                unit_price: m.unit_price.into(),
                amount: m.amount.into(),
            })
            .collect(),
        labour_total: q.labour.iter().map(|l| l.amount).sum::<Money>().into(),
        materials_total: q.materials.iter().map(|m| m.amount).sum::<Money>().into(),
        lines: q
            .lines
            .iter()
            .map(|l| QuoteLineOut {
                id: l.id.clone(),
                label: l.label.clone(),
                kind: l.kind,
                formula: l.formula.clone(),
                explained: l.explained.clone(),
                amount: l.amount.map(Into::into),
                value: l.value.clone(),
            })
            .collect(),
        net: q.net.into(),
        tax: q.tax.into(),
        tax_name: q.tax_name.clone(),
        tax_rate: q.tax_rate.to_string(),
        total: q.total.into(),
        total_upper: q.total_upper.clone(),
        revisions: q
            .revisions
            .iter()
            .map(|r| RevisionOut {
                revision: r.revision,
                date: r.date.into(),
                reason: r.reason.clone(),
                previous_total: r.previous_total.into(),
                total: r.total.into(),
                difference: r.difference.into(),
                difference_signed: if r.difference.is_negative() || r.difference.is_zero() {
                    r.difference.yuan()
                } else {
                    format!("+{}", r.difference.yuan())
                },
                confirmed_by: r.confirmed.as_ref().map(|c| c.by.clone()),
                confirmed_on: r.confirmed.as_ref().map(|c| c.date.into()),
            })
            .collect(),
        awaiting_confirmation: q.awaiting_confirmation,
        approval: status.into(),
        notes: q.notes.clone(),
    }
}

// ---------------------------------------------------------------- work order

/// 特约服务/维修单, printed in its copies (四联).
#[derive(Clone, Debug, Serialize)]
pub struct WorkOrderDoc {
    pub header: Header,
    pub customer: String,
    pub address: String,
    pub phone: Option<String>,
    pub item: String,
    pub department: String,
    pub quantity: String,
    pub unit: String,
    pub unit_price: Option<Amount>,
    pub price_basis: String,
    pub minimum_applied: bool,
    pub amount: Amount,
    pub amount_upper: String,
    pub tax_note: String,
    /// 月结 / 即时结算 / 长期协议
    pub settlement: String,
    pub settlement_id: &'static str,
    pub agreement: Option<String>,
    pub service_date: Date,
    pub service_time: Option<String>,
    pub request: Option<String>,
    pub registered_by: Option<String>,
    pub staff: Option<String>,
    pub voided: bool,
    /// The temporary job the order carries out: the journal refers the
    /// work order to it, so that a job is ordered once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
}

pub fn work_order(rules: &Rules, o: &PricedOrder, voided: bool) -> WorkOrderDoc {
    let item = &o.item;
    let price_basis = match (&item.unit_price, &item.formula) {
        // A temporary job: the price its quote sheet was approved at.
        (Some(_), _) if o.job.is_some() => format!("特约维修价格确认单 {} 审批价", item.item),
        (Some(p), _) => format!(
            "{} {} × {} / {}",
            item.quantity.normalize(),
            item.unit,
            p.yuan(),
            item.unit
        ),
        (None, Some(f)) => f
            .lines
            .iter()
            .filter(|l| {
                !matches!(
                    l.kind,
                    LineKind::Total | LineKind::Subtotal | LineKind::Info
                )
            })
            .filter_map(|l| l.amount.map(|a| format!("{} {}", l.label, a.yuan())))
            .collect::<Vec<_>>()
            .join(" + "),
        (None, None) => String::new(),
    };
    WorkOrderDoc {
        header: header(
            rules,
            "work_order",
            "特约服务/维修单",
            &o.number,
            o.date,
            voided.then(|| "作废".to_string()),
        ),
        customer: o.customer.clone(),
        address: o.address.clone(),
        phone: o.phone.clone(),
        item: item.name.clone(),
        department: item.department_name.clone(),
        quantity: item.quantity.normalize().to_string(),
        unit: item.unit.clone(),
        unit_price: item.unit_price.map(Into::into),
        price_basis,
        minimum_applied: item.minimum_applied,
        amount: item.total.into(),
        amount_upper: item.total.to_upper(&rules.documents.upper_style),
        tax_note: format!(
            "{}，{} {}",
            if item.tax_inclusive {
                "含税"
            } else {
                "含另加税"
            },
            item.tax_name,
            item.tax_rate
        ),
        settlement: o.settlement.label().to_string(),
        settlement_id: o.settlement.id(),
        agreement: o.agreement.clone(),
        service_date: o.service_date.into(),
        service_time: o.service_time.clone(),
        request: o.request.clone(),
        registered_by: o.registered_by.clone(),
        staff: o.staff.clone(),
        voided,
        job: o.job.clone(),
    }
}

// ---------------------------------------------------------------- receipt

#[derive(Clone, Debug, Serialize)]
pub struct ReceiptLine {
    pub description: String,
    pub reference: Option<String>,
    pub amount: Amount,
}

/// 收款收据, in its copies, stamped 现金收讫 or 已交费 (作废 when voided).
#[derive(Clone, Debug, Serialize)]
pub struct ReceiptDoc {
    pub header: Header,
    pub payer: String,
    pub lines: Vec<ReceiptLine>,
    pub amount: Amount,
    pub amount_upper: String,
    pub method: String,
    pub channel: String,
    pub stamp: String,
    pub voided: bool,
    pub void_reason: Option<String>,
    pub billing_notice: Option<String>,
    pub cashier: Option<String>,
    pub handler: Option<String>,
    pub notes: Option<String>,
}

pub fn receipt(rules: &Rules, p: &Payment, number: &str, void_reason: Option<&str>) -> ReceiptDoc {
    let voided = void_reason.is_some();
    let channel = rules
        .organization
        .payment_channels
        .get(&p.channel.value)
        .map_or_else(|| p.channel.value.clone(), |c| c.name.clone());
    let mut header = header(
        rules,
        "receipt",
        "收款收据",
        number,
        p.date.value,
        voided.then(|| "作废".to_string()),
    );
    header.void_reason = void_reason.map(str::to_string);
    ReceiptDoc {
        header,
        payer: p.payer.value.clone(),
        lines: p
            .items
            .iter()
            .map(|l| ReceiptLine {
                description: l.value.description.clone(),
                reference: l.value.reference.as_ref().map(|r| r.value.clone()),
                amount: l.value.amount.value.into(),
            })
            .collect(),
        amount: p.amount.value.into(),
        amount_upper: p.amount.value.to_upper(&rules.documents.upper_style),
        method: p.method.label().to_string(),
        channel,
        stamp: if voided {
            "作废".to_string()
        } else {
            crate::payment::stamp(p).to_string()
        },
        voided,
        void_reason: void_reason.map(str::to_string),
        billing_notice: p.billing_notice.as_ref().map(|n| n.value.clone()),
        cashier: p.cashier.clone(),
        handler: p.handler.clone(),
        notes: p.notes.clone(),
    }
}

// ---------------------------------------------------------------- billing notice

#[derive(Clone, Debug, Serialize)]
pub struct BillingLine {
    pub number: String,
    pub service_date: Date,
    pub item: String,
    pub quantity: String,
    pub unit: String,
    pub amount: Amount,
    /// The temporary job the order carried out: the journal refers the
    /// notice to it, so that a job is billed once whatever its order's
    /// number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ChannelOut {
    pub name: String,
    pub detail: Option<String>,
}

/// 收费通知单: one customer's month.
#[derive(Clone, Debug, Serialize)]
pub struct BillingNoticeDoc {
    pub header: Header,
    pub customer: String,
    pub address: String,
    /// 2026年11月
    pub period: String,
    /// How the orders on it are settled: 月结, 长期协议, or both.
    pub settlement: String,
    pub lines: Vec<BillingLine>,
    pub net: Amount,
    pub tax: Amount,
    pub total: Amount,
    pub total_upper: String,
    pub due_date: Option<Date>,
    pub channels: Vec<ChannelOut>,
    pub voided: bool,
}

/// How a notice's orders are settled, with the agreements they are under:
/// `月结、长期协议 XY2026-007`. Finance bills an agreement customer per
/// the agreement (四（二）12), so the notice names it.
fn settlement_of(orders: &[&PricedOrder]) -> String {
    let mut modes: Vec<&str> = orders.iter().map(|o| o.settlement.label()).collect();
    modes.sort_unstable();
    modes.dedup();
    let mut agreements: Vec<&str> = orders
        .iter()
        .filter(|o| o.settlement == crate::order::Settlement::Agreement)
        .filter_map(|o| o.agreement.as_deref())
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .collect();
    agreements.sort_unstable();
    agreements.dedup();
    modes
        .iter()
        .map(|&m| {
            if m == crate::order::Settlement::Agreement.label() && !agreements.is_empty() {
                format!("{m} {}", agreements.join(" "))
            } else {
                m.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// Builds a billing notice from a customer's priced orders of a month.
#[allow(clippy::too_many_arguments)]
pub fn billing_notice(
    rules: &Rules,
    number: &str,
    date: NaiveDate,
    customer: &str,
    address: &str,
    period: (i32, u32),
    orders: &[&PricedOrder],
    tax: Money,
    voided: bool,
) -> BillingNoticeDoc {
    let total: Money = orders.iter().map(|o| o.total()).sum();
    let due_days = rules
        .documents
        .billing_notice
        .as_ref()
        .and_then(|b| b.due_days.as_ref())
        .map(|d| d.value);
    BillingNoticeDoc {
        header: header(
            rules,
            "billing_notice",
            "收费通知单",
            number,
            date,
            voided.then(|| "作废".to_string()),
        ),
        customer: customer.to_string(),
        address: address.to_string(),
        period: format!("{}年{}月", period.0, period.1),
        settlement: settlement_of(orders),
        lines: orders
            .iter()
            .map(|o| BillingLine {
                number: o.number.clone(),
                service_date: o.service_date.into(),
                item: o.item.name.clone(),
                quantity: o.item.quantity.normalize().to_string(),
                unit: o.item.unit.clone(),
                amount: o.total().into(),
                job: o.job.clone(),
            })
            .collect(),
        net: total.checked_sub(tax).unwrap_or(total).into(),
        tax: tax.into(),
        total: total.into(),
        total_upper: total.to_upper(&rules.documents.upper_style),
        // Due on a working day: the payment channels are open on working
        // days only, so a due date on a Sunday or a holiday moves to the
        // next working day.
        due_date: due_days
            .and_then(|d| date.checked_add_days(chrono::Days::new(d.into())))
            .map(|due| {
                if rules.calendar.is_workday(due) {
                    due
                } else {
                    rules.calendar.next_workday(due)
                }
            })
            .map(Into::into),
        channels: rules
            .organization
            .payment_channels
            .iter()
            .map(|(_, c)| ChannelOut {
                name: c.name.clone(),
                detail: c.detail.clone(),
            })
            .collect(),
        voided,
    }
}

// ---------------------------------------------------------------- register

#[derive(Clone, Debug, Serialize)]
pub struct RegisterRow {
    pub number: String,
    pub customer: String,
    pub address: String,
    pub item: String,
    pub quantity: String,
    pub unit: String,
    pub amount: Amount,
    pub settlement: String,
    pub staff: Option<String>,
    pub completed_on: Option<Date>,
    pub customer_signed: bool,
    pub verified_by: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RegisterDay {
    pub date: Date,
    pub rows: Vec<RegisterRow>,
    pub count: usize,
    pub total: Amount,
    /// The day's first orders are in the previous volume (a department's day
    /// longer than a volume is split; `count` and `total` are this volume's part).
    pub continued: bool,
    /// More of the day's orders are in the next volume.
    pub continues: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct RegisterGroup {
    pub department: String,
    pub days: Vec<RegisterDay>,
    pub count: usize,
    pub total: Amount,
}

/// 特约服务/维修登记表: a month's orders by department and day.
#[derive(Clone, Debug, Serialize)]
pub struct RegisterDoc {
    pub header: Header,
    pub period: String,
    pub groups: Vec<RegisterGroup>,
    pub count: usize,
    pub total: Amount,
    /// Totals per settlement mode: (label, count, amount).
    pub by_settlement: Vec<(String, usize, Amount)>,
    /// Which volume this is when the month's register comes in several
    /// (`count`, `total` and `by_settlement` are then the volume's).
    pub volume: Option<RegisterVolume>,
}

impl RegisterDoc {
    /// Marks this register as one volume of several. `continued`: its first
    /// day began in the previous volume; `continues`: its last day goes on in
    /// the next.
    pub fn in_volume(mut self, volume: RegisterVolume, continued: bool, continues: bool) -> Self {
        if let Some(d) = self.groups.first_mut().and_then(|g| g.days.first_mut()) {
            d.continued = continued;
        }
        if let Some(d) = self.groups.last_mut().and_then(|g| g.days.last_mut()) {
            d.continues = continues;
        }
        self.volume = Some(volume);
        self
    }
}

/// One volume of a month's register that comes in several.
#[derive(Clone, Debug, Serialize)]
pub struct RegisterVolume {
    /// 1-based.
    pub number: usize,
    pub of: usize,
    /// The whole month's number of orders and total.
    pub month_count: usize,
    pub month_total: Amount,
}

/// Groups orders by department (in the rules' order) and service date.
pub fn register<'a>(
    rules: &Rules,
    period: (i32, u32),
    date: NaiveDate,
    orders: impl IntoIterator<Item = &'a PricedOrder>,
) -> RegisterDoc {
    let orders: Vec<&PricedOrder> = orders.into_iter().collect();
    let mut groups = Vec::new();
    for (dept_id, dept) in rules.departments.iter() {
        let mut mine: Vec<&PricedOrder> = orders
            .iter()
            .copied()
            .filter(|o| o.item.department == dept_id.value)
            .collect();
        if mine.is_empty() {
            continue;
        }
        mine.sort_by(|a, b| (a.service_date, &a.number).cmp(&(b.service_date, &b.number)));
        let mut days: Vec<RegisterDay> = Vec::new();
        for o in mine.iter() {
            let row = RegisterRow {
                number: o.number.clone(),
                customer: o.customer.clone(),
                address: o.address.clone(),
                item: o.item.name.clone(),
                quantity: o.item.quantity.normalize().to_string(),
                unit: o.item.unit.clone(),
                amount: o.total().into(),
                settlement: o.settlement.label().to_string(),
                staff: o.staff.clone(),
                completed_on: o.completed_on.map(Into::into),
                customer_signed: o.customer_signed,
                verified_by: o.verified_by.clone(),
            };
            match days.last_mut() {
                Some(d) if d.date.iso == o.service_date.to_string() => d.rows.push(row),
                _ => days.push(RegisterDay {
                    date: o.service_date.into(),
                    rows: vec![row],
                    count: 0,
                    total: Money::ZERO.into(),
                    continued: false,
                    continues: false,
                }),
            }
        }
        for d in &mut days {
            d.count = d.rows.len();
            d.total = sum_amounts(d.rows.iter().map(|r| &r.amount)).into();
        }
        let total: Money = mine.iter().map(|o| o.total()).sum();
        groups.push(RegisterGroup {
            department: dept.name.clone(),
            count: mine.len(),
            days,
            total: total.into(),
        });
    }
    let mut by_settlement = Vec::new();
    for s in [
        crate::order::Settlement::Monthly,
        crate::order::Settlement::Immediate,
        crate::order::Settlement::Agreement,
    ] {
        let of: Vec<&PricedOrder> = orders
            .iter()
            .copied()
            .filter(|o| o.settlement == s)
            .collect();
        if !of.is_empty() {
            by_settlement.push((
                s.label().to_string(),
                of.len(),
                of.iter().map(|o| o.total()).sum::<Money>().into(),
            ));
        }
    }
    let total: Money = orders.iter().map(|o| o.total()).sum();
    RegisterDoc {
        header: header(
            rules,
            "register",
            "特约服务/维修登记表",
            &format!("{}-{:02}", period.0, period.1),
            date,
            None,
        ),
        period: format!("{}年{}月", period.0, period.1),
        groups,
        count: orders.len(),
        total: total.into(),
        by_settlement,
        volume: None,
    }
}

fn sum_amounts<'a>(amounts: impl Iterator<Item = &'a Amount>) -> Money {
    amounts.filter_map(|a| Money::parse(&a.value).ok()).sum()
}
