//! The kinds of record that policies and approval conditions look at, and
//! the fields each offers to the condition language.
//!
//! This table is the contract between rule authors and the code that builds
//! records: a condition is type-checked against it when the rules are
//! loaded, and `policy` fills the values in this order when it checks a
//! quote, an order, a payment or the catalogue.

use crate::expr::Type;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordKind {
    /// A priced temporary job (临时性特约服务), i.e. a quote sheet.
    Quote,
    /// A work order (特约服务/维修单).
    Order,
    /// A payment received (收款).
    Payment,
    /// A version of the service catalogue.
    Catalog,
}

/// A field of a record kind.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub name: &'static str,
    pub ty: Type,
    /// May be missing (`none`), e.g. the verification date of an order not
    /// yet verified.
    pub optional: bool,
    pub description: &'static str,
    /// The values a text field can hold, so that a condition comparing it
    /// with a misspelt one (`kind == 'gratutiy'`, never true: the policy
    /// would silently never apply) is refused when the rules are checked.
    pub values: Values,
}

/// What a text field can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Values {
    /// Any text (a name, a number).
    Any,
    /// One of these.
    OneOf(&'static [&'static str]),
    /// The id of something the rules define.
    Id(IdOf),
}

/// Things the rules define by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdOf {
    Department,
    Item,
    Role,
    PaymentChannel,
}

impl IdOf {
    pub fn name(self) -> &'static str {
        match self {
            IdOf::Department => "department",
            IdOf::Item => "catalogue item",
            IdOf::Role => "role",
            IdOf::PaymentChannel => "payment channel",
        }
    }
}

const SETTLEMENTS: &[&str] = &["monthly", "immediate", "agreement"];

const fn f(name: &'static str, ty: Type, description: &'static str) -> Field {
    Field {
        name,
        ty,
        optional: false,
        description,
        values: Values::Any,
    }
}

const fn opt(name: &'static str, ty: Type, description: &'static str) -> Field {
    Field {
        name,
        ty,
        optional: true,
        description,
        values: Values::Any,
    }
}

impl Field {
    const fn one_of(mut self, values: &'static [&'static str]) -> Field {
        self.values = Values::OneOf(values);
        self
    }

    const fn id_of(mut self, of: IdOf) -> Field {
        self.values = Values::Id(of);
        self
    }
}

const QUOTE: &[Field] = &[
    f("number", Type::Text, "quote number"),
    f("date", Type::Date, "date of the quote"),
    f("customer", Type::Text, "customer name"),
    f(
        "responsible_department",
        Type::Text,
        "id of the responsible department",
    )
    .id_of(IdOf::Department),
    f(
        "total",
        Type::Money,
        "total the customer pays, tax included",
    ),
    f("net", Type::Money, "total before tax"),
    f("tax", Type::Money, "tax"),
    f(
        "cost",
        Type::Money,
        "direct costs: the lines of kind `cost`",
    ),
    opt(
        "margin",
        Type::Rate,
        "(net − cost) ÷ cost; none when cost is 0",
    ),
    f(
        "revised",
        Type::Bool,
        "the job has a revision (change of scope or price)",
    ),
    f(
        "reconfirmed",
        Type::Bool,
        "the customer confirmed the latest revision",
    ),
    f(
        "staff",
        Type::Quantity,
        "people on the job, summed over labour rows",
    ),
];

const ORDER: &[Field] = &[
    f("number", Type::Text, "work-order number"),
    f(
        "item",
        Type::Text,
        "catalogue item id (a temporary job's number for an order of a job)",
    )
    .id_of(IdOf::Item),
    f(
        "department",
        Type::Text,
        "id of the department providing the service",
    )
    .id_of(IdOf::Department),
    f("customer", Type::Text, "customer name"),
    f("quantity", Type::Quantity, "quantity ordered"),
    f("amount", Type::Money, "agreed price, tax included"),
    f(
        "settlement",
        Type::Text,
        "`monthly` (月结), `immediate` (即时结算) or `agreement` (长期协议)",
    )
    .one_of(SETTLEMENTS),
    f("service_date", Type::Date, "date of the service"),
    opt("completed_on", Type::Date, "date the service was completed"),
    f(
        "customer_signed",
        Type::Bool,
        "the customer signed the order",
    ),
    opt(
        "verified_by",
        Type::Text,
        "the department head who checked the order",
    ),
    opt("verified_on", Type::Date, "date the order was checked"),
    f(
        "scope_changed",
        Type::Bool,
        "the service went beyond or changed the order",
    ),
    f(
        "price_changed",
        Type::Bool,
        "the price was changed after the customer agreed",
    ),
    f(
        "reconfirmed",
        Type::Bool,
        "the customer agreed again after the change",
    ),
    f(
        "catalog_approved",
        Type::Bool,
        "the catalogue version that prices the order is approved",
    ),
    opt(
        "verification_note",
        Type::Text,
        "why the order was checked late (核对延误原因)",
    ),
    opt(
        "agreement",
        Type::Text,
        "number of the customer's long-term agreement (协议编号)",
    ),
    opt(
        "job",
        Type::Text,
        "number of the approved temporary job the order carries out (确认单号); its `item` is that number",
    ),
];

const PAYMENT: &[Field] = &[
    f("number", Type::Text, "receipt number"),
    f("date", Type::Date, "date the money was received"),
    f("payer", Type::Text, "who paid"),
    f("amount", Type::Money, "amount received"),
    f(
        "method",
        Type::Text,
        "`cash`, `bank_transfer`, `card` or `mobile`",
    )
    .one_of(&["cash", "bank_transfer", "card", "mobile"]),
    f("channel", Type::Text, "id of the payment channel").id_of(IdOf::PaymentChannel),
    f(
        "received_by",
        Type::Text,
        "role id of whoever took the money",
    )
    .id_of(IdOf::Role),
    f(
        "kind",
        Type::Text,
        "`fee` (service fee), `deposit` or `gratuity` (赏赐)",
    )
    .one_of(&["fee", "deposit", "gratuity"]),
    f(
        "settlement",
        Type::Text,
        "`immediate` (现金收讫) or `monthly` (已交费)",
    )
    .one_of(SETTLEMENTS),
];

const CATALOG: &[Field] = &[
    f("version", Type::Text, "catalogue version"),
    f("effective_from", Type::Date, "first day the prices apply"),
    f(
        "approved",
        Type::Bool,
        "the catalogue's approval chain is complete",
    ),
    f("items", Type::Quantity, "number of items"),
];

impl RecordKind {
    pub const ALL: [RecordKind; 4] = [
        RecordKind::Quote,
        RecordKind::Order,
        RecordKind::Payment,
        RecordKind::Catalog,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RecordKind::Quote => "quote",
            RecordKind::Order => "order",
            RecordKind::Payment => "payment",
            RecordKind::Catalog => "catalog",
        }
    }

    pub fn parse(s: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.name() == s)
    }

    pub fn fields(self) -> &'static [Field] {
        match self {
            RecordKind::Quote => QUOTE,
            RecordKind::Order => ORDER,
            RecordKind::Payment => PAYMENT,
            RecordKind::Catalog => CATALOG,
        }
    }

    pub fn field(self, name: &str) -> Option<(usize, &'static Field)> {
        self.fields()
            .iter()
            .enumerate()
            .find(|(_, f)| f.name == name)
    }

    /// The scope a condition on this kind of record is checked in.
    pub fn scope(self) -> crate::expr::Scope {
        let mut scope = crate::expr::Scope::new();
        for field in self.fields() {
            // Field names are static identifiers, unique per kind (a test
            // compiles every kind's scope).
            let _ = scope.add_var(field.name, field.ty, field.optional);
        }
        scope
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::Settlement;
    use crate::payment::{Method, PaymentKind};

    /// The values the checker accepts in conditions are those `policy`
    /// fills in: a value missing here would be refused in a condition, one
    /// too many would let a misspelling through.
    #[test]
    fn fixed_value_lists_match_the_records() {
        let values = |kind: RecordKind, name: &str| match kind.field(name).map(|(_, f)| f.values) {
            Some(Values::OneOf(v)) => v.to_vec(),
            other => panic!("{name}: {other:?}"),
        };
        let settlements: Vec<&str> = [
            Settlement::Monthly,
            Settlement::Immediate,
            Settlement::Agreement,
        ]
        .map(Settlement::id)
        .to_vec();
        assert_eq!(values(RecordKind::Order, "settlement"), settlements);
        assert_eq!(values(RecordKind::Payment, "settlement"), settlements);
        let methods: Vec<&str> = [
            Method::Cash,
            Method::BankTransfer,
            Method::Card,
            Method::Mobile,
        ]
        .map(Method::id)
        .to_vec();
        assert_eq!(values(RecordKind::Payment, "method"), methods);
        let kinds: Vec<&str> = [
            PaymentKind::Fee,
            PaymentKind::Deposit,
            PaymentKind::Gratuity,
        ]
        .map(PaymentKind::id)
        .to_vec();
        assert_eq!(values(RecordKind::Payment, "kind"), kinds);
    }
}
