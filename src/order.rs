//! Work orders (特约服务/维修单): a customer's request for a catalogue
//! service, registered by the customer service centre, priced from the
//! price list in force on the service date.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, Place};
use crate::jobs::JobBook;
use crate::money::Money;
use crate::pricing::{self, GivenInput, ItemRequest, PricedItem};
use crate::quantity::Qty;
use crate::rules::Rules;
use crate::source::{Loc, Sp};

/// How an order is paid.
///
/// A YAML file may write the id or the Chinese label, as a spreadsheet's
/// column does ([`Settlement::parse`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Settlement {
    /// 月结: billed by finance with the month's billing notice.
    #[serde(alias = "月结")]
    Monthly,
    /// 即时结算: paid at once at finance (receipt stamped 现金收讫).
    #[serde(alias = "即时结算", alias = "即时", alias = "现结")]
    Immediate,
    /// 长期协议: under a long-term service agreement, billed by finance.
    #[serde(alias = "长期协议", alias = "协议")]
    Agreement,
}

impl JsonSchema for Settlement {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Settlement".into()
    }

    // Written by hand so that the Chinese labels complete in an editor as
    // well as the ids (the derive leaves serde's aliases out).
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "How an order is paid: `monthly` (月结: billed with the month's billing notice), `immediate` (即时结算: paid at once at finance, receipt stamped 现金收讫) or `agreement` (长期协议: under a long-term service agreement, billed by finance). The Chinese labels are read too.",
            "type": "string",
            "enum": ["monthly", "immediate", "agreement", "月结", "即时结算", "即时", "现结", "长期协议", "协议"]
        })
    }
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
// A catalogue item and its quantity, or an approved temporary job: an
// editor then flags an order with neither, or with both.
#[schemars(extend("oneOf" = [{"required": ["item", "quantity"]}, {"required": ["job"]}]))]
pub struct OrderFile {
    /// Work-order number. Leave it out: the journal assigns the next number
    /// of the series when the order is issued.
    pub number: Option<Sp<String>>,
    /// Date the request was registered.
    #[serde(deserialize_with = "crate::yaml::date::required")]
    pub date: Sp<NaiveDate>,
    /// Customer name.
    pub customer: Sp<String>,
    /// Where the service is done, e.g. 华庭大厦 12 层 1203 室.
    pub address: Sp<String>,
    /// Customer's telephone.
    pub phone: Option<String>,
    /// Catalogue item id, e.g. `indoor-cleaning`. An order that carries
    /// out an approved temporary job names the `job` instead.
    pub item: Option<Sp<String>>,
    /// Quantity in the item's unit (an order of a `job` is the job once).
    pub quantity: Option<Sp<Qty>>,
    /// Number of the approved temporary job (临时性特约服务) the order
    /// carries out, e.g. `BJ2026-0031`, in place of `item` and `quantity`:
    /// its price is the total the job's quote sheet (特约维修价格确认单)
    /// was approved at. The job files are given with `--jobs DIR`.
    pub job: Option<Sp<String>>,
    /// Date of the service; the price list in force that day applies.
    #[serde(deserialize_with = "crate::yaml::date::required")]
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
    #[serde(default, deserialize_with = "crate::yaml::date::optional")]
    pub completed_on: Option<Sp<NaiveDate>>,
    /// The customer signed the order on completion.
    #[serde(default)]
    pub customer_signed: bool,
    /// The department head who checked the order (核对人).
    pub verified_by: Option<String>,
    /// Date it was checked.
    #[serde(default, deserialize_with = "crate::yaml::date::optional")]
    pub verified_on: Option<Sp<NaiveDate>>,
    /// Why it was checked later than the next working day (核对延误原因):
    /// the procedure asks for the reason with a late check, not a date
    /// moved.
    pub verification_note: Option<String>,
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

/// An order number as it is compared, billed and printed: the same number
/// however a spreadsheet wrote it. Spaces, case, full-width letters and
/// digits (ＷＸ２０２６) and the dashes an input method or Word puts in
/// (－ – — ‐) do not count: `wx202611－00011` is WX202611-00011. Without
/// this, one order typed twice in two ways passed the duplicate check and
/// was billed twice. Nor do the characters that print nothing: a number
/// copied out of a PDF where it was let break (a zero-width space), or from
/// a web page (a soft hyphen, a byte-order mark), is the number printed.
pub fn number_key(text: &str) -> String {
    text.chars()
        .filter(|&c| !crate::text::is_blank(c))
        .map(|c| match c {
            '\u{FF0D}' | '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(char::to_uppercase)
        .collect()
}

/// An order as read from any source (a YAML file, a spreadsheet row),
/// with the place each field was written, for reports.
#[derive(Debug, Clone, Default)]
pub struct OrderInput {
    pub number: Option<String>,
    pub date: Option<NaiveDate>,
    pub customer: String,
    pub address: String,
    pub phone: Option<String>,
    /// Item id, or its name as the catalogue prints it; empty for an order
    /// of a temporary job.
    pub item: String,
    /// None when not given (an order of a job needs none).
    pub quantity: Option<rust_decimal::Decimal>,
    /// The temporary job's number, for an order that carries one out.
    pub job: Option<String>,
    pub service_date: Option<NaiveDate>,
    pub service_time: Option<String>,
    pub settlement: Option<Settlement>,
    pub inputs: BTreeMap<String, GivenInput>,
    pub request: Option<String>,
    pub registered_by: Option<String>,
    pub staff: Option<String>,
    pub completed_on: Option<NaiveDate>,
    pub customer_signed: bool,
    pub verified_by: Option<String>,
    pub verified_on: Option<NaiveDate>,
    pub verification_note: Option<String>,
    pub scope_changed: bool,
    pub price_changed: bool,
    pub reconfirmed: bool,
    pub agreement: Option<String>,
    /// Where each field was written.
    pub places: FieldPlaces,
}

impl OrderInput {
    /// The free text an order brings to its documents, by field name (as
    /// [`OrderInput::place`] takes it), for the checks every such text
    /// must pass: printable, in the fonts.
    pub fn texts(&self) -> [(&'static str, Option<&str>); 12] {
        [
            ("number", self.number.as_deref()),
            ("customer", Some(self.customer.as_str())),
            ("address", Some(self.address.as_str())),
            ("phone", self.phone.as_deref()),
            ("service_time", self.service_time.as_deref()),
            ("request", self.request.as_deref()),
            ("registered_by", self.registered_by.as_deref()),
            ("staff", self.staff.as_deref()),
            ("verified_by", self.verified_by.as_deref()),
            ("verification_note", self.verification_note.as_deref()),
            ("agreement", self.agreement.as_deref()),
            ("job", self.job.as_deref()),
        ]
    }

    pub fn place(&self, field: &str) -> Option<Place> {
        self.places.get(field)
    }

    /// The place of a field, or, when its source has no such field (a
    /// table without the column, a YAML order without the key), of the
    /// order as a whole: its row, or its first key.
    pub fn place_or_order(&self, field: &str) -> Option<Place> {
        self.place(field).or_else(|| match &self.places {
            FieldPlaces::Row { file, row, .. } => Some(Place::Cell {
                file: file.to_string(),
                row: *row,
                column: None,
            }),
            _ => self.place("number").or_else(|| self.place("customer")),
        })
    }
}

/// Where an order's fields were written, for reports.
///
/// A spreadsheet row shares its file name and its columns' headers with
/// every other row of its table, so a month of 25,000 rows does not hold
/// 25,000 copies of them: the [`Place`] is built when a report asks.
#[derive(Debug, Clone, Default)]
pub enum FieldPlaces {
    /// Not known (an order built in code).
    #[default]
    Unknown,
    /// Field name → its span in a YAML file.
    Spans(BTreeMap<&'static str, Loc>),
    /// The cells of one row of a table.
    Row {
        file: Arc<str>,
        /// 1-based, as the spreadsheet shows it.
        row: usize,
        /// Field name → the header of its column, for the fields the table has.
        columns: Arc<BTreeMap<String, String>>,
    },
}

impl FieldPlaces {
    /// The place of a field, if the order's source has it.
    pub fn get(&self, field: &str) -> Option<Place> {
        match self {
            FieldPlaces::Unknown => None,
            FieldPlaces::Spans(spans) => spans.get(field).map(|&l| Place::Span(l)),
            FieldPlaces::Row { file, row, columns } => {
                columns.get(field).map(|header| Place::Cell {
                    file: file.to_string(),
                    row: *row,
                    column: Some(header.clone()),
                })
            }
        }
    }
}

impl OrderFile {
    /// The order with the place of each field in its YAML file.
    pub fn to_input(&self) -> OrderInput {
        let mut places = BTreeMap::new();
        let mut put = |k: &'static str, loc: Option<Loc>| {
            if let Some(l) = loc {
                places.insert(k, l);
            }
        };
        put("number", self.number.as_ref().map(|n| n.loc));
        put("date", Some(self.date.loc));
        put("customer", Some(self.customer.loc));
        put("address", Some(self.address.loc));
        put("item", self.item.as_ref().map(|i| i.loc));
        put("quantity", self.quantity.as_ref().map(|q| q.loc));
        put("job", self.job.as_ref().map(|j| j.loc));
        put("service_date", Some(self.service_date.loc));
        put("settlement", Some(self.settlement.loc));
        put("completed_on", self.completed_on.as_ref().map(|d| d.loc));
        put("verified_on", self.verified_on.as_ref().map(|d| d.loc));
        OrderInput {
            number: self.number.as_ref().map(|n| number_key(&n.value)),
            date: Some(self.date.value),
            customer: self.customer.value.clone(),
            address: self.address.value.clone(),
            phone: self.phone.clone(),
            item: self
                .item
                .as_ref()
                .map(|i| i.value.clone())
                .unwrap_or_default(),
            quantity: self.quantity.as_ref().map(|q| q.value.0),
            job: self.job.as_ref().map(|j| j.value.clone()),
            service_date: Some(self.service_date.value),
            service_time: self.service_time.clone(),
            settlement: Some(self.settlement.value),
            inputs: self
                .inputs
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        GivenInput {
                            text: v.value.clone(),
                            place: Some(Place::Span(v.loc)),
                        },
                    )
                })
                .collect(),
            request: self.request.clone(),
            registered_by: self.registered_by.clone(),
            staff: self.staff.clone(),
            completed_on: self.completed_on.as_ref().map(|d| d.value),
            customer_signed: self.customer_signed,
            verified_by: self.verified_by.clone(),
            verified_on: self.verified_on.as_ref().map(|d| d.value),
            verification_note: self.verification_note.clone(),
            scope_changed: self.scope_changed,
            price_changed: self.price_changed,
            reconfirmed: self.reconfirmed,
            agreement: self.agreement.clone(),
            places: FieldPlaces::Spans(places),
        }
    }
}

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
    pub verification_note: Option<String>,
    pub scope_changed: bool,
    pub price_changed: bool,
    pub reconfirmed: bool,
    pub catalog_approved: bool,
    pub agreement: Option<String>,
    /// The temporary job the order carries out (its number as the job
    /// file writes it).
    pub job: Option<String>,
}

impl PricedOrder {
    pub fn total(&self) -> Money {
        self.item.total
    }

    /// The years whose working days the order's policies count: the year
    /// it was completed, the next one too when completed in December (the
    /// next working day after 12-31 is in January), and the year checked.
    pub fn calendar_years(&self) -> Vec<i32> {
        use chrono::Datelike;
        let mut years = Vec::new();
        if let Some(done) = self.completed_on {
            years.push(done.year());
            if done.month() == 12 {
                years.push(done.year() + 1);
            }
        }
        years.extend(self.verified_on.map(|d| d.year()));
        years
    }
}

fn missing(field: &str, what: &str, o: &OrderInput) -> Diagnostic {
    let d = Diagnostic::error("missing-value", format!("the order has no {what}"));
    match o.place(field) {
        Some(p) => d.at_place(p, "missing"),
        None => d,
    }
    .hint(format!("fill in the {what}"))
}

/// Prices an order. `number` is the issued number (from the journal) or
/// the order's own.
/// `jobs` are the temporary jobs an order may carry out (empty when none
/// were given).
pub fn price_order(
    rules: &Rules,
    o: &OrderInput,
    number: &str,
    jobs: &JobBook,
) -> Result<PricedOrder, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let Some(service_date) = o.service_date else {
        return Err(vec![missing("service_date", "service date (服务日期)", o)]);
    };
    let Some(settlement) = o.settlement else {
        return Err(vec![missing("settlement", "settlement mode (结算方式)", o)]);
    };
    // An order that cannot be priced is still checked for its other
    // mistakes: a row is corrected once, not once per mistake.
    let item = match o.job.as_deref().filter(|j| !j.trim().is_empty()) {
        Some(job) => job_order_item(o, job, service_date, jobs),
        None => match o.quantity {
            _ if o.item.trim().is_empty() => {
                Err(vec![missing("item", "service item (服务项目)", o).hint(
                    "or, for an approved temporary job, its number (`job: BJ2026-0031`)",
                )])
            }
            None => Err(vec![missing("quantity", "quantity (数量)", o)]),
            Some(quantity) => pricing::price_item(
                rules,
                &ItemRequest {
                    item: &o.item,
                    quantity,
                    date: service_date,
                    inputs: o.inputs.clone(),
                    item_place: o.place("item"),
                    quantity_place: o.place("quantity"),
                    date_place: o.place("service_date"),
                },
            ),
        },
    }
    .map_err(|p| problems.extend(p));
    // A quantity so small that the order comes to nothing (0.0001 件) is a
    // typing mistake, and a notice or work order of ¥0.00 is no use to
    // anyone.
    if let Ok(item) = &item
        && item.total.is_zero()
    {
        let d = Diagnostic::error(
            "zero-amount",
            format!(
                "the order comes to {}: {} {} of {}",
                item.total.yuan(),
                item.quantity.normalize(),
                item.unit,
                item.name
            ),
        )
        .hint("check the quantity; a service given free of charge is not a paid order");
        problems.push(match o.place("quantity") {
            Some(p) => d.at_place(p, "comes to nothing"),
            None => d,
        });
    }
    let of_job = o.job.as_deref().is_some_and(|j| !j.trim().is_empty());
    if let Ok(item) = &item {
        if of_job {
            // A temporary job is no catalogue item: no agreement covers it.
            if settlement == Settlement::Agreement {
                let d = Diagnostic::error(
                    "no-agreement",
                    format!("temporary job {} is not taken under a long-term agreement", item.item),
                )
                .hint("a temporary job is priced and approved on its own quote: settle it monthly (月结) or at once (即时结算)");
                problems.push(match o.place("settlement") {
                    Some(p) => d.at_place(p, "长期协议"),
                    None => d,
                });
            }
        } else {
            check_settlement(
                rules,
                item,
                settlement,
                o.place("settlement"),
                &mut problems,
            );
        }
    }
    // A control character (an escape sequence, a NUL from a damaged
    // export) prints nothing on the documents and acts on a terminal; it
    // is refused here, at its cell, not later when a document is rendered.
    // (The customer's name has its own check below.)
    for (field, text) in o.texts().into_iter().filter(|(f, _)| *f != "customer") {
        let Some(c) = text.and_then(|t| {
            t.chars()
                .find(|&c| crate::text::is_control(c) && !matches!(c, '\n' | '\r' | '\t'))
        }) else {
            continue;
        };
        let d = Diagnostic::error(
            "control-character",
            format!(
                "the {} holds the control character U+{:04X}, which prints nothing",
                field.replace('_', " "),
                c as u32
            ),
        )
        .hint("delete it; it often comes pasted with the text, or from a damaged export");
        problems.push(match o.place(field) {
            Some(p) => d.at_place(p, "here"),
            None => d,
        });
    }
    if let Some(problem) = crate::text::name_problem(&o.customer) {
        let d = Diagnostic::error(problem.code, format!("the customer's name {problem}"))
            .hint("write the customer's name as registered");
        problems.push(match o.place("customer") {
            Some(p) => d.at_place(p, "here"),
            None => d,
        });
    }
    // Where the work is done, and what the notice is addressed to (a
    // customer is a name and an address).
    if let Some(problem) = crate::text::name_problem(&o.address) {
        let d = Diagnostic::error(problem.code, format!("the address {problem}"))
            .hint("write where the service is done, e.g. 华庭大厦 12 层 1203 室");
        problems.push(match o.place("address") {
            Some(p) => d.at_place(p, "here"),
            None => d,
        });
    }
    if let Some(c) = o.completed_on
        && c < service_date
    {
        let d = Diagnostic::error(
            "date-order",
            "the order is completed before its service date",
        )
        .hint("check the dates");
        problems.push(match o.place("completed_on") {
            Some(p) => d.at_place(p, "before the service date"),
            None => d,
        });
    }
    // The form is filled in when the request is registered, before the
    // work (四（二）5); the supervisor verifies it after the work (7).
    if let Some(r) = o.date
        && r > service_date
    {
        let d = Diagnostic::error(
            "date-order",
            format!("the order is registered on {r}, after its service date {service_date}"),
        )
        .hint("a request is registered before the work is done: check both dates");
        problems.push(match o.place("date") {
            Some(p) => d.at_place(p, "after the service date"),
            None => d,
        });
    }
    if let Some(v) = o.verified_on {
        let done = o.completed_on.unwrap_or(service_date).max(service_date);
        if v < done {
            let what = match o.completed_on {
                Some(c) if c >= service_date => format!("completed on {c}"),
                _ => format!("served on {service_date}"),
            };
            let d = Diagnostic::error(
                "date-order",
                format!("the order is verified on {v}, before it was {what}"),
            )
            .hint("the supervisor verifies an order after the work: check the dates");
            problems.push(match o.place("verified_on") {
                Some(p) => d.at_place(p, "before the work"),
                None => d,
            });
        }
    }
    let item = match item {
        Ok(item) if problems.is_empty() => item,
        _ => return Err(problems),
    };
    // An order of a job is priced by the job's quote, which `job_item`
    // required approved by the order's date; the price list is not used.
    let catalog_approved = of_job || rules.catalog_approved_on(service_date);
    let job = of_job.then(|| item.item.clone());
    Ok(PricedOrder {
        number: number.to_string(),
        date: o.date.unwrap_or(service_date),
        customer: o.customer.clone(),
        address: o.address.clone(),
        phone: o.phone.clone(),
        item,
        settlement,
        service_date,
        service_time: o.service_time.clone(),
        request: o.request.clone(),
        registered_by: o.registered_by.clone(),
        staff: o.staff.clone(),
        completed_on: o.completed_on,
        customer_signed: o.customer_signed,
        verified_by: o.verified_by.clone(),
        verified_on: o.verified_on,
        verification_note: o.verification_note.clone(),
        scope_changed: o.scope_changed,
        price_changed: o.price_changed,
        reconfirmed: o.reconfirmed,
        catalog_approved,
        agreement: o.agreement.clone(),
        job,
    })
}

/// The line of an order that carries out a temporary job. The job fixes
/// the item, the quantity and the price: an order that gives them too is
/// refused rather than one of them silently ignored.
fn job_order_item(
    o: &OrderInput,
    job: &str,
    service_date: NaiveDate,
    jobs: &JobBook,
) -> Result<PricedItem, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let given = |field: &str, what: &str, left_out: &str| {
        let d = Diagnostic::error(
            "job-and-item",
            format!("the order carries out temporary job {job}, and gives {what} too"),
        )
        .hint(format!(
            "an order of a job is priced by the job's approved quote: leave out {left_out}"
        ));
        match o.place(field) {
            Some(p) => d.at_place(p, "not with a job"),
            None => d,
        }
    };
    if !o.item.trim().is_empty() {
        problems.push(given("item", "a service item", "the item"));
    }
    if o.quantity.is_some_and(|q| q != rust_decimal::Decimal::ONE) {
        problems.push(given("quantity", "a quantity", "the quantity"));
    }
    if let Some((name, input)) = o.inputs.iter().next() {
        let d = given("inputs", "formula inputs", "the inputs");
        problems.push(match &input.place {
            Some(p) => Diagnostic {
                message: format!(
                    "the order carries out temporary job {job}, and gives the input `{name}` too"
                ),
                ..d
            }
            .at_place(p.clone(), "not with a job"),
            None => d,
        });
    }
    let item = crate::jobs::job_item(
        jobs,
        &crate::jobs::JobOrder {
            job,
            customer: &o.customer,
            address: &o.address,
            registered: o.date.unwrap_or(service_date),
            service_date,
            job_place: o.place("job"),
            customer_place: o.place("customer"),
            address_place: o.place("address"),
        },
    );
    match item {
        Ok(item) if problems.is_empty() => Ok(item),
        Ok(_) => Err(problems),
        Err(d) => {
            problems.extend(d);
            Err(problems)
        }
    }
}

/// A long-term agreement only for items that allow one.
pub fn check_settlement(
    rules: &Rules,
    item: &PricedItem,
    s: Settlement,
    place: Option<Place>,
    problems: &mut Vec<Diagnostic>,
) {
    if s != Settlement::Agreement {
        return;
    }
    if !pricing::item_on(rules, &item.item, item.date).is_some_and(|i| i.long_term) {
        let mut d = Diagnostic::error(
            "no-agreement",
            format!("{} cannot be taken under a long-term agreement", item.name),
        )
        .hint("the catalogue allows 长期协议 only for items with `long_term: true`; settle it monthly or at once");
        if let Some(p) = place {
            d = d.at_place(p, "长期协议");
        }
        problems.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An order of 0.0001 件 comes to nothing: refused, not a ¥0.00 form;
    /// with the item counted in whole units it is refused as a fraction.
    #[test]
    fn an_order_that_comes_to_nothing_is_refused() {
        let files = |whole: bool| -> Vec<(String, String)> {
            crate::rules::embedded::FILES
                .iter()
                .map(|(n, t)| {
                    let t = if whole {
                        t.to_string()
                    } else {
                        t.replace("      whole_units: true\n", "")
                    };
                    (format!("rules/{n}"), t)
                })
                .collect()
        };
        let input = OrderInput {
            number: Some("WX-1".into()),
            date: NaiveDate::from_ymd_opt(2026, 11, 2),
            customer: "孙晓明".into(),
            address: "华庭大厦 12 层 1203 室".into(),
            item: "洗衣服务".into(),
            quantity: Some(rust_decimal::Decimal::new(1, 4)),
            service_date: NaiveDate::from_ymd_opt(2026, 11, 2),
            settlement: Some(Settlement::Monthly),
            customer_signed: true,
            ..Default::default()
        };
        for (whole, code) in [(false, "zero-amount"), (true, "not-whole")] {
            let loaded = crate::rules::load_texts(crate::rules::Origin::Embedded, files(whole));
            let rules = loaded.rules.expect("rules");
            let problems = price_order(&rules, &input, "WX-1", &Default::default()).unwrap_err();
            let codes: Vec<_> = problems.iter().map(|d| d.code).collect();
            assert_eq!(codes, [code]);
        }
    }

    #[test]
    fn a_number_is_the_same_however_typed_or_copied() {
        for typed in [
            "WX202611-00011",
            "wx202611-00011",
            " WX202611 - 00011 ",
            "ＷＸ２０２６１１－０００１１",
            "WX202611–00011",
            "WX202611\u{2212}00011",
            // Copied from a PDF where the number was let break, or from a
            // web page.
            "WX202611-\u{200B}00011",
            "\u{FEFF}WX2026\u{00AD}11-00011",
        ] {
            assert_eq!(number_key(typed), "WX202611-00011", "{typed:?}");
        }
        assert_ne!(number_key("WX202611-00012"), "WX202611-00011");
    }
}
