//! Policies: the procedure's principles checked over quotes, work orders,
//! payments and the catalogue.
//!
//! Each record kind has a fixed list of fields (`records`); this module
//! fills them from the priced record and evaluates every policy on that
//! kind. A violated `error` policy blocks issuing the document; a
//! `warning` is reported and the document is issued.

use chrono::NaiveDate;

use crate::diagnostic::{Diagnostic, Place, Severity};
use crate::expr::{self, Value};
use crate::records::RecordKind;
use crate::rules::Rules;
use crate::rules::model::{Catalog, PolicySeverity};

/// Evaluates every policy on `kind` over one record. `label` names the
/// record in messages ("quote BJ2026-0031"); `field_place` points at a field
/// in the input file, when the record came from one.
pub fn check(
    rules: &Rules,
    kind: RecordKind,
    record: &[Value],
    label: &str,
    field_place: &dyn Fn(&str) -> Option<Place>,
) -> Vec<Diagnostic> {
    let calendar: &dyn expr::Calendar = &rules.calendar;
    let env = expr::Env {
        vars: record,
        tables: &[],
        calendar: Some(calendar),
    };
    let mut out = Vec::new();
    for p in rules.policies.iter().filter(|p| p.on == kind) {
        if let Some(when) = &p.when {
            match when.eval(&env) {
                Ok(Value::Bool(true)) => {}
                _ => continue,
            }
        }
        let verdict = p.condition.eval(&env);
        let violated = match (&verdict, p.require) {
            (Ok(Value::Bool(b)), true) => !b,
            (Ok(Value::Bool(b)), false) => *b,
            // Undecidable (a field it needs is missing): for `require`
            // that is not meeting it; for `forbid`, nothing is proven.
            (Ok(_), require) => require,
            (Err(_), _) => true,
        };
        if !violated {
            continue;
        }
        let mut message = format!("{label}: [{}] {}", p.id, p.title);
        if let Err(e) = &verdict {
            message.push_str(&format!(" (cannot be checked: {})", e.message));
        }
        let mut d = match p.severity {
            PolicySeverity::Error => Diagnostic::error("policy", message),
            PolicySeverity::Warning => Diagnostic::warning("policy", message),
        };
        let field_text = p.field.as_deref().and_then(|f| {
            let (i, field) = kind.field(f)?;
            Some(format!("{f} = {}", show(record.get(i)?, field.ty)))
        });
        match p.field.as_deref().and_then(field_place) {
            Some(place) => d = d.at_place(place, field_text.unwrap_or_default()),
            None => {
                if let Some(t) = field_text {
                    d = d
                        .at_place(crate::diagnostic::Place::Nowhere, "")
                        .hint(format!("field: {t}"));
                }
            }
        }
        // The day "the next working day" came to, which the record's
        // fields do not show (a make-up Sunday, a day after 春节).
        let counted = p.condition.calendar_values(&env);
        if !counted.is_empty() {
            d = d.hint(format!("by the calendar: {}", counted.join(", ")));
        }
        d = d.hint(p.message.clone());
        if let Some(c) = &p.clause {
            d = d.hint(format!("客户特约服务工作规程 {c}"));
        }
        d = d.also(p.loc, "policy defined here");
        out.push(d);
    }
    out
}

/// Whether a list of policy results blocks issuing.
pub fn blocks(results: &[Diagnostic]) -> bool {
    results.iter().any(|d| d.severity == Severity::Error)
}

fn show(v: &Value, ty: expr::Type) -> String {
    match (v, ty) {
        (Value::Null, _) => "（空）".into(),
        (Value::Text(t), _) => format!("'{t}'"),
        (Value::Num(r), expr::Type::Rate) => crate::quote::percent(*r),
        (other, _) => other.to_string(),
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

fn opt_date(d: Option<NaiveDate>) -> Value {
    d.map_or(Value::Null, Value::Date)
}

/// The catalogue record (fields of `RecordKind::Catalog`).
pub fn catalog_record(c: &Catalog, approved: bool) -> Vec<Value> {
    vec![
        text(&c.version.value),
        Value::Date(c.effective_from.value),
        Value::Bool(approved),
        Value::Num(c.items.len().into()),
    ]
}

/// The quote record (fields of `RecordKind::Quote`).
pub fn quote_record(q: &crate::quote::Quote) -> Vec<Value> {
    let staff: rust_decimal::Decimal = q.labour.iter().map(|l| l.staff).sum();
    vec![
        text(&q.number),
        Value::Date(q.date),
        text(&q.customer.name),
        text(&q.responsible_department.id),
        Value::Num(q.total.amount()),
        Value::Num(q.net.amount()),
        Value::Num(q.tax.amount()),
        Value::Num(q.cost.amount()),
        q.margin_fraction.map_or(Value::Null, Value::Num),
        Value::Bool(!q.revisions.is_empty()),
        Value::Bool(!q.awaiting_confirmation),
        Value::Num(staff),
    ]
}

/// The order record (fields of `RecordKind::Order`).
pub fn order_record(o: &crate::order::PricedOrder) -> Vec<Value> {
    vec![
        text(&o.number),
        text(&o.item.item),
        text(&o.item.department),
        text(&o.customer),
        Value::Num(o.item.quantity),
        Value::Num(o.item.total.amount()),
        text(o.settlement.id()),
        Value::Date(o.service_date),
        opt_date(o.completed_on),
        Value::Bool(o.customer_signed),
        o.verified_by.as_deref().map_or(Value::Null, text),
        opt_date(o.verified_on),
        Value::Bool(o.scope_changed),
        Value::Bool(o.price_changed),
        Value::Bool(o.reconfirmed),
        Value::Bool(o.catalog_approved),
        o.verification_note
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .map_or(Value::Null, text),
        o.agreement
            .as_deref()
            .filter(|n| !n.chars().all(crate::text::is_blank))
            .map_or(Value::Null, text),
        o.job.as_deref().map_or(Value::Null, text),
    ]
}

/// An order's record as far as a row read but not yet priced gives it.
/// What pricing decides (the item's id and department, the amount, whether
/// its price list is approved) is none. Enough to tell whether a policy's
/// `when` concerns an order of a table before the table is priced.
pub fn unpriced_order_record(o: &crate::order::OrderInput) -> Vec<Value> {
    let opt_text = |t: Option<&str>| {
        t.filter(|t| !t.chars().all(crate::text::is_blank))
            .map_or(Value::Null, text)
    };
    vec![
        opt_text(o.number.as_deref()),
        Value::Null,
        Value::Null,
        text(&o.customer),
        o.quantity.map_or(Value::Null, Value::Num),
        Value::Null,
        o.settlement.map_or(Value::Null, |s| text(s.id())),
        opt_date(o.service_date),
        opt_date(o.completed_on),
        Value::Bool(o.customer_signed),
        opt_text(o.verified_by.as_deref()),
        opt_date(o.verified_on),
        Value::Bool(o.scope_changed),
        Value::Bool(o.price_changed),
        Value::Bool(o.reconfirmed),
        Value::Null,
        opt_text(o.verification_note.as_deref()),
        opt_text(o.agreement.as_deref()),
        opt_text(o.job.as_deref()),
    ]
}

/// Whether a policy may concern a record: its `when` holds, or cannot be
/// decided (a field it reads is not known yet).
pub fn may_concern(rules: &Rules, p: &crate::rules::CompiledPolicy, record: &[Value]) -> bool {
    let Some(when) = &p.when else {
        return true;
    };
    let calendar: &dyn expr::Calendar = &rules.calendar;
    let env = expr::Env {
        vars: record,
        tables: &[],
        calendar: Some(calendar),
    };
    !matches!(when.eval(&env), Ok(Value::Bool(false)))
}

/// The payment record (fields of `RecordKind::Payment`).
pub fn payment_record(p: &crate::payment::Payment) -> Vec<Value> {
    vec![
        text(
            &p.number
                .as_ref()
                .map(|n| n.value.clone())
                .unwrap_or_default(),
        ),
        Value::Date(p.date.value),
        text(&p.payer.value),
        Value::Num(p.amount.value.amount()),
        text(p.method.id()),
        text(&p.channel.value),
        text(&p.received_by.value),
        text(p.kind().id()),
        text(p.settlement.id()),
    ]
}

#[cfg(test)]
mod tests {
    use crate::records::RecordKind;

    /// Every record kind's scope compiles: field names are unique and valid.
    #[test]
    fn record_scopes_are_well_formed() {
        for kind in RecordKind::ALL {
            let mut scope = crate::expr::Scope::new();
            for f in kind.fields() {
                scope
                    .add_var(f.name, f.ty, f.optional)
                    .unwrap_or_else(|e| panic!("{}: {e}", f.name));
            }
        }
    }

    /// The record of an order read but not priced is the priced one's, less
    /// what pricing decides: the two lists keep the order record's layout.
    #[test]
    fn an_unpriced_order_record_lines_up_with_the_priced_one() {
        use crate::expr::Value;
        let rules = crate::rules::load_embedded()
            .rules
            .expect("the sample rules");
        let mut o = crate::order::OrderInput {
            number: Some("WX202611-00001".into()),
            customer: "孙晓明".into(),
            address: "华庭大厦 12 层 1203 室".into(),
            item: "laundry".into(),
            quantity: Some(2.into()),
            service_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 20),
            settlement: Some(crate::order::Settlement::Agreement),
            completed_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 20),
            customer_signed: true,
            verified_by: Some("张丽".into()),
            verified_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 23),
            agreement: Some("XY2026-001".into()),
            ..Default::default()
        };
        o.verification_note = Some("出差".into());
        let priced = crate::order::price_order(&rules, &o, "WX202611-00001", &Default::default())
            .expect("priced");
        let full = super::order_record(&priced);
        let read = super::unpriced_order_record(&o);
        let fields = RecordKind::Order.fields();
        assert_eq!(full.len(), fields.len());
        assert_eq!(read.len(), fields.len());
        for ((f, a), b) in fields.iter().zip(&full).zip(&read) {
            let decided_by_pricing = ["item", "department", "amount", "catalog_approved"];
            if decided_by_pricing.contains(&f.name) {
                assert_eq!(*b, Value::Null, "{}", f.name);
            } else {
                assert_eq!(a, b, "{}", f.name);
            }
        }
    }
}
