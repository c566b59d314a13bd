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
}

const fn f(name: &'static str, ty: Type, description: &'static str) -> Field {
    Field {
        name,
        ty,
        optional: false,
        description,
    }
}

const fn opt(name: &'static str, ty: Type, description: &'static str) -> Field {
    Field {
        name,
        ty,
        optional: true,
        description,
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
    ),
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
    f("item", Type::Text, "catalogue item id"),
    f(
        "department",
        Type::Text,
        "id of the department providing the service",
    ),
    f("customer", Type::Text, "customer name"),
    f("quantity", Type::Quantity, "quantity ordered"),
    f("amount", Type::Money, "agreed price, tax included"),
    f(
        "settlement",
        Type::Text,
        "`monthly` (月结), `immediate` (即时结算) or `agreement` (长期协议)",
    ),
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
    ),
    f("channel", Type::Text, "id of the payment channel"),
    f(
        "received_by",
        Type::Text,
        "role id of whoever took the money",
    ),
    f(
        "kind",
        Type::Text,
        "`fee` (service fee), `deposit` or `gratuity` (赏赐)",
    ),
    f(
        "settlement",
        Type::Text,
        "`immediate` (现金收讫) or `monthly` (已交费)",
    ),
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
