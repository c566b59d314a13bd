//! The rule files as administrators write them.
//!
//! Every type here is deserialised from YAML (serde-saphyr, strict) and
//! described by a JSON Schema (schemars): the `///` comments below are the
//! descriptions editors show while completing a rule file, so they are
//! written for administrators. Values that other rules refer to, or that
//! validation may need to point at, are wrapped in [`Sp`] to keep the place
//! they were written.
//!
//! Nothing here is checked beyond its shape; `validate` does the rest.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::money::{Money, Rate, UpperStyle};
use crate::quantity::Qty;
use crate::source::Sp;

/// One rule file. Every section is optional: a rule folder's files are
/// merged, so the catalogue can live in `catalog.yaml`, the formulas in
/// `formulas.yaml` and so on. Sections that hold one thing (organization,
/// catalog, calendar, documents) may appear in one file only; the others
/// (roles, departments, …) are merged by id, and an id defined twice is an
/// error.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "feebook rule file")]
pub struct RuleFile {
    /// The organisation that sells the services and issues the documents.
    #[serde(default, deserialize_with = "present")]
    pub organization: Option<Sp<Organization>>,
    /// Roles that act in approval chains and on documents, by id
    /// (e.g. `company_leader`, `branch_manager`, `dept_head`, `finance`).
    #[serde(default)]
    pub roles: IdMap<Role>,
    /// Departments that provide services, by id (e.g. `engineering`, `cleaning`).
    #[serde(default)]
    pub departments: IdMap<Department>,
    /// Personnel cost (人员成本) per kind of staff, by id (e.g. `electrician`),
    /// used to price temporary jobs.
    #[serde(default)]
    pub personnel_costs: IdMap<PersonnelCost>,
    /// Taxes, by id, each with its rates over time.
    #[serde(default)]
    pub taxes: IdMap<Tax>,
    /// One version of the service catalogue (特约服务项目及收费标准). Put each
    /// version in its own file; versions must not overlap in time.
    #[serde(default, deserialize_with = "present")]
    pub catalog: Option<Sp<Catalog>>,
    /// Fee formulas, by id (e.g. `temporary_job`).
    #[serde(default)]
    pub formulas: IdMap<Formula>,
    /// Approval chains, by id (e.g. `catalog`, `temporary_job`).
    #[serde(default)]
    pub approval_chains: IdMap<ApprovalChain>,
    /// How temporary jobs (临时性特约服务) are priced and approved.
    #[serde(default, deserialize_with = "present")]
    pub temporary_jobs: Option<Sp<TemporaryJobSettings>>,
    /// Policies: the procedure's principles as conditions a machine checks.
    #[serde(default)]
    pub policies: Vec<Policy>,
    /// The working-day calendar: weekends, public holidays and make-up
    /// workdays (调休).
    #[serde(default, deserialize_with = "present")]
    pub calendar: Option<Sp<Calendar>>,
    /// Settings for the documents feebook renders.
    #[serde(default, deserialize_with = "present")]
    pub documents: Option<Sp<DocumentSettings>>,
    /// How work orders are read from spreadsheets (CSV, XLSX): the headers
    /// each field may have. Built-in Chinese headers apply when omitted.
    #[serde(default, deserialize_with = "present")]
    pub imports: Option<Sp<ImportSettings>>,
}

impl RuleFile {
    /// Whether the file holds no rules at all: empty, only comments, or
    /// only sections with nothing in them (`policies: []`).
    pub fn is_empty(&self) -> bool {
        self.organization.is_none()
            && self.roles.is_empty()
            && self.departments.is_empty()
            && self.personnel_costs.is_empty()
            && self.taxes.is_empty()
            && self.catalog.is_none()
            && self.formulas.is_empty()
            && self.approval_chains.is_empty()
            && self.temporary_jobs.is_none()
            && self.policies.is_empty()
            && self.calendar.is_none()
            && self.documents.is_none()
            && self.imports.is_none()
    }
}

/// A section that is written is read, even with nothing under it: serde
/// takes `catalog:` with its content lost (a null) for a section left out,
/// and the rules would go on without it. Read as the section itself, a
/// null is an error at the key, as `taxes:` with nothing under it is.
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// Spreadsheet import settings.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportSettings {
    /// Columns of work-order sheets.
    pub orders: Option<OrderColumns>,
}

/// The headers accepted for each field of a work-order sheet. A field given
/// here replaces the built-in headers for that field; the others keep them.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderColumns {
    /// Field → accepted headers, e.g. `customer: [客户名称, 业主姓名]`.
    /// Fields: number, date, customer, address, phone, item, quantity,
    /// service_date, service_time, settlement, completed_on,
    /// customer_signed, verified_by, verified_on, staff, request, agreement.
    #[serde(default)]
    pub columns: std::collections::BTreeMap<String, Sp<Vec<String>>>,
    /// Formula input → accepted headers, e.g. `materials: [材料费]`, for
    /// items priced by a formula.
    #[serde(default)]
    pub inputs: std::collections::BTreeMap<String, Vec<String>>,
}

/// A map from id to definition that keeps the order it was written in and
/// the place of every id.
#[derive(Debug, Clone)]
pub struct IdMap<V>(pub Vec<(Sp<String>, V)>);

impl<V> Default for IdMap<V> {
    fn default() -> Self {
        IdMap(Vec::new())
    }
}

impl<V> IdMap<V> {
    pub fn iter(&self) -> impl Iterator<Item = (&Sp<String>, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
    pub fn get(&self, id: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k.value == id).map(|(_, v)| v)
    }
    pub fn get_entry(&self, id: &str) -> Option<(&Sp<String>, &V)> {
        self.0
            .iter()
            .find(|(k, _)| k.value == id)
            .map(|(k, v)| (k, v))
    }
    pub fn contains(&self, id: &str) -> bool {
        self.0.iter().any(|(k, _)| k.value == id)
    }
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.value.as_str())
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for IdMap<V> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<V> {
            type Value = IdMap<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a mapping from id to definition")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some((k, v)) = m.next_entry::<Sp<String>, V>()? {
                    entries.push((k, v));
                }
                Ok(IdMap(entries))
            }
        }
        d.deserialize_map(Visitor(std::marker::PhantomData))
    }
}

impl<V: JsonSchema> JsonSchema for IdMap<V> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("IdMap_of_{}", V::schema_name()).into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "propertyNames": { "pattern": ID_PATTERN },
            "additionalProperties": generator.subschema_for::<V>(),
        })
    }
}

/// Ids: a letter, then letters, digits, `_` or `-` (ASCII, so that they are
/// easy to type in conditions and file names).
pub const ID_PATTERN: &str = "^[A-Za-z][A-Za-z0-9_-]*$";

/// The organisation.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// Full name, printed at the top of every document, e.g. 某物业管理有限公司第一分公司.
    pub name: String,
    /// Short name for narrow places (register headers).
    pub short_name: Option<String>,
    /// Currency of every amount. Only `CNY` (人民币) is supported.
    #[serde(default = "default_currency")]
    pub currency: Sp<String>,
    /// Postal address, printed on notices and receipts.
    pub address: Option<String>,
    /// Service telephone, printed on notices (报修/特约服务电话).
    pub phone: Option<String>,
    /// Unified social credit code (统一社会信用代码), printed on receipts.
    pub tax_id: Option<String>,
    /// How customers may pay. Billing notices list these and only these:
    /// staff never give customers a private account.
    #[serde(default)]
    pub payment_channels: IdMap<PaymentChannel>,
}

fn default_currency() -> Sp<String> {
    Sp::new("CNY".to_string(), Default::default())
}

/// A way customers pay the company.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentChannel {
    /// Name shown to customers, e.g. 财务部收费窗口.
    pub name: String,
    /// Kind of payment.
    pub kind: ChannelKind,
    /// Details printed on billing notices: counter location and hours, or
    /// bank, account name and account number.
    pub detail: Option<String>,
    /// The role that receives money through this channel (e.g. `finance`).
    pub received_by: Sp<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// Cash at a counter (现金).
    Cash,
    /// Bank transfer to the company's account (银行转账).
    BankTransfer,
    /// Card at a POS terminal (刷卡).
    Card,
    /// The company's own mobile payment code (扫码), never a staff member's.
    Mobile,
}

/// A role.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// Title as printed in signature blocks, e.g. 分公司（项目部）经理.
    pub title: String,
    /// What this role does in the procedure.
    pub description: Option<String>,
}

/// A department.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Department {
    /// Name as printed, e.g. 工程部.
    pub name: String,
    /// Internal telephone.
    pub phone: Option<String>,
}

/// The personnel cost of one kind of staff.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonnelCost {
    /// Title, e.g. 维修电工.
    pub title: String,
    /// The department these staff belong to.
    pub department: Option<Sp<String>>,
    /// Cost per person per `per`, in yuan, e.g. "45.00": in force from
    /// `from`, or always when `from` is not given.
    pub rate: Sp<Money>,
    /// Whether `rate` is per hour or per day.
    pub per: TimeUnit,
    /// The day `rate` took effect. A job dated before it is priced with
    /// the rate of `earlier` in force on its date, so that a new year's
    /// cost does not change the price of a job quoted, and perhaps
    /// approved, before it.
    #[serde(default, deserialize_with = "crate::yaml::date::optional")]
    pub from: Option<Sp<NaiveDate>>,
    /// The rates `rate` replaced, oldest first, each with the last day it
    /// applied: `- {rate: "45.00", per: hour, until: 2026-12-31}`.
    #[serde(default)]
    pub earlier: Vec<Sp<EarlierCost>>,
}

/// A personnel cost that has been replaced.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EarlierCost {
    /// Cost per person per `per`, in yuan.
    pub rate: Sp<Money>,
    /// Whether `rate` is per hour or per day.
    pub per: TimeUnit,
    /// The last day this rate applied.
    #[serde(deserialize_with = "crate::yaml::date::required")]
    pub until: Sp<NaiveDate>,
}

impl PersonnelCost {
    /// The rate and its unit in force on `date`: `rate` from `from` on,
    /// else the first of `earlier` that had not ended by then (the oldest
    /// also covers the days before it).
    pub fn rate_on(&self, date: NaiveDate) -> (&Sp<Money>, TimeUnit) {
        if self.from.as_ref().is_none_or(|f| date >= f.value) {
            return (&self.rate, self.per);
        }
        self.earlier
            .iter()
            .find(|e| date <= e.value.until.value)
            .map_or((&self.rate, self.per), |e| (&e.value.rate, e.value.per))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// Per hour (元/人·小时).
    Hour,
    /// Per working day (元/人·日).
    Day,
}

/// A tax and its rates over time.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tax {
    /// Name as printed, e.g. 增值税（生活服务）.
    pub name: String,
    /// Rates with the dates they apply from. Periods must not overlap.
    pub rates: Vec<Sp<TaxRate>>,
}

/// A tax rate in force from a date (and until a date, if given).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaxRate {
    /// The rate, written as a percentage: `6%`.
    pub rate: Sp<Rate>,
    /// First day the rate applies.
    #[serde(deserialize_with = "crate::yaml::date::required")]
    pub from: Sp<NaiveDate>,
    /// Last day the rate applies; open-ended when omitted (the next rate's
    /// `from` ends it).
    #[serde(default, deserialize_with = "crate::yaml::date::optional")]
    pub until: Option<Sp<NaiveDate>>,
}

/// One version of the service catalogue (price list).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Version label, e.g. `2026-01`.
    pub version: Sp<String>,
    /// Title of the price list, printed on the service notice.
    #[serde(default = "default_catalog_title")]
    pub title: String,
    /// First day these prices apply.
    #[serde(deserialize_with = "crate::yaml::date::required")]
    pub effective_from: Sp<NaiveDate>,
    /// Last day these prices apply; when omitted, until the next version
    /// starts.
    #[serde(default, deserialize_with = "crate::yaml::date::optional")]
    pub effective_until: Option<Sp<NaiveDate>>,
    /// The approval record: the procedure requires the company leader's
    /// approval before a catalogue is used (经公司领导审批后实施).
    pub approval: Sp<ApprovalRecord>,
    /// The services offered.
    pub items: Vec<Item>,
}

fn default_catalog_title() -> String {
    "特约服务项目及收费标准".to_string()
}

/// Which approval chain governs a record, and the sign-offs it has.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRecord {
    /// Id of the approval chain.
    pub chain: Sp<String>,
    /// Sign-offs so far, in the order they were given.
    #[serde(default)]
    pub signoffs: Vec<Sp<Signoff>>,
}

/// One person's decision at one step of an approval chain.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Signoff {
    /// The role the person signed as.
    pub role: Sp<String>,
    /// For steps repeated per department: the department signed for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<Sp<String>>,
    /// Name of the person who signed.
    pub name: String,
    /// Date of the signature.
    #[serde(deserialize_with = "crate::yaml::date::required")]
    pub date: Sp<NaiveDate>,
    /// `approve` or `reject`.
    #[serde(default)]
    pub decision: Decision,
    /// Remarks (意见).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// For a temporary job: the total the person signed for, which
    /// `feebook approve` writes. A sign-off whose amount is no longer the
    /// job's total (its labour, materials or the personnel costs changed)
    /// no longer counts: the chain is signed again for the new price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Sp<crate::money::Money>>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// 同意.
    #[default]
    Approve,
    /// 不同意: ends the chain.
    Reject,
}

/// A service in the catalogue.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Id used in work orders and on the command line, e.g. `indoor-cleaning`.
    pub id: Sp<String>,
    /// Name as printed, e.g. 室内卫生清洁.
    pub name: Sp<String>,
    /// The department that provides the service.
    pub department: Sp<String>,
    /// Unit of quantity, e.g. 平方米, 小时, 件, 张.
    pub unit: String,
    /// Price per unit in yuan. Give either this or `formula`.
    pub unit_price: Option<Sp<Money>>,
    /// Id of the formula that prices this service. Give either this or
    /// `unit_price`.
    pub formula: Option<Sp<String>>,
    /// Minimum charge for one order (起步价), in yuan.
    pub minimum_charge: Option<Sp<Money>>,
    /// Id of the tax that applies.
    pub tax: Sp<String>,
    /// `true` when the price includes tax (含税价): the tax is then separated
    /// out of it; `false` when tax is added on top.
    pub tax_inclusive: bool,
    /// Whether customers may take this service under a long-term agreement
    /// (长期服务协议), billed by finance.
    #[serde(default)]
    pub long_term: bool,
    /// `true` when the service is sold in whole units (件, 张, 次): a
    /// quantity with a fraction (12.5 件) is then refused as a typing
    /// mistake instead of being billed.
    #[serde(default)]
    pub whole_units: bool,
    /// Remarks printed on the service notice.
    pub notes: Option<String>,
}

/// A fee formula: typed inputs and ordered lines.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Formula {
    /// Title, e.g. 临时性特约服务计价.
    pub title: Option<String>,
    /// The values the formula needs, by name. Names may be Chinese (税率).
    pub inputs: IdMapAnyKey<FormulaInput>,
    /// The lines, each computed from inputs and earlier or later lines (they
    /// are evaluated in dependency order; a cycle is an error).
    pub lines: Vec<FormulaLine>,
}

/// Like [`IdMap`], but keys may be any identifier the formula language
/// accepts (Chinese included), since they are names inside expressions.
pub type IdMapAnyKey<V> = NameMap<V>;

/// A map from expression names to definitions, in written order.
#[derive(Debug, Clone)]
pub struct NameMap<V>(pub Vec<(Sp<String>, V)>);

impl<V> Default for NameMap<V> {
    fn default() -> Self {
        NameMap(Vec::new())
    }
}

impl<V> NameMap<V> {
    pub fn iter(&self) -> impl Iterator<Item = (&Sp<String>, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
    pub fn get(&self, id: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k.value == id).map(|(_, v)| v)
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for NameMap<V> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IdMap::<V>::deserialize(d).map(|m| NameMap(m.0))
    }
}

impl<V: JsonSchema> JsonSchema for NameMap<V> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("NameMap_of_{}", V::schema_name()).into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "additionalProperties": generator.subschema_for::<V>(),
        })
    }
}

/// A formula input.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FormulaInput {
    /// The kind of value: `money`, `rate`, `quantity`, `count`, `date`,
    /// `text`, `bool`, or one of the job tables `labour` (rows with `staff`,
    /// `time`, `rate`) and `materials` (rows with `quantity`, `unit_price`).
    #[serde(rename = "type")]
    pub ty: Sp<InputType>,
    /// Label shown in the explained breakdown, e.g. 管理费率.
    pub label: Option<String>,
    /// Value used when the job or order gives none, written as for the type
    /// (`10%`, `"50.00"`, `2`).
    pub default: Option<Sp<String>>,
    /// Where the value comes from when it is not given: `tax` (the rate of
    /// the item's or job's tax in force on the service date) or `quantity`
    /// (the order's quantity).
    pub from: Option<InputSource>,
    /// Whether the value is set by the rules alone: `true` for a part of an
    /// approved price (an item's 工时费单价 or 上门费), which an order or job
    /// then cannot give otherwise; it needs a `default`. Inputs with `from`
    /// are always fixed. Default `false`: the order or job may give it.
    #[serde(default)]
    pub fixed: bool,
    /// Unit printed after the value in explanations, e.g. 小时.
    pub unit: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InputType {
    /// An amount in yuan.
    Money,
    /// A percentage or fraction (`6%`).
    Rate,
    /// A quantity (may have decimals).
    Quantity,
    /// A whole number (people, pieces).
    Count,
    /// A date.
    Date,
    /// Text.
    Text,
    /// `true` or `false`.
    Bool,
    /// The job's labour rows: `staff` (count), `time` (quantity, in the unit
    /// of the personnel cost) and `rate` (money per person per unit).
    Labour,
    /// The job's materials rows: `quantity` and `unit_price` (money).
    Materials,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InputSource {
    /// The rate of the applicable tax on the service date.
    Tax,
    /// The quantity ordered.
    Quantity,
}

/// One line of a formula.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FormulaLine {
    /// Name of the line, usable in other lines' expressions.
    pub id: Sp<String>,
    /// Label printed on the quote sheet, e.g. 人工费.
    pub label: String,
    /// The expression, e.g. `sum(labour, staff * time * rate)`.
    pub expr: Sp<String>,
    /// What the line is: `cost` and `fee` and `tax` lines add up to the
    /// `total`; `subtotal` and `info` lines are shown but not added.
    #[serde(default)]
    pub kind: LineKind,
    /// Rounding of the line's value: `cent` (分, the default for money),
    /// `jiao` (角), `yuan` (元) or `none`.
    pub round: Option<RoundTo>,
    /// How to round: `half_away_from_zero` (四舍五入, default), `up`, `down`.
    #[serde(default)]
    pub round_mode: crate::money::RoundingMode,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// A direct cost (labour, materials): counts toward the margin's cost.
    #[default]
    Cost,
    /// A charge on top of cost (management fee): part of the margin.
    Fee,
    /// The tax: separated as `tax` in documents.
    Tax,
    /// The total the customer pays. Exactly one line.
    Total,
    /// A subtotal, shown but not added.
    Subtotal,
    /// A computed value that is not money on the sheet (e.g. a margin rate).
    Info,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundTo {
    /// To the 分 (0.01).
    Cent,
    /// To the 角 (0.1).
    Jiao,
    /// To the 元 (1).
    Yuan,
    /// Not rounded.
    None,
}

impl RoundTo {
    pub fn decimals(self) -> Option<u32> {
        match self {
            RoundTo::Cent => Some(2),
            RoundTo::Jiao => Some(1),
            RoundTo::Yuan => Some(0),
            RoundTo::None => None,
        }
    }
}

/// An approval chain: who signs, in which order.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalChain {
    /// Title, e.g. 临时性特约服务价格确认.
    pub title: Option<String>,
    /// The kind of record the chain approves: `catalog` or `quote`.
    pub on: Sp<String>,
    /// The steps, in order. A step may start only when every earlier step
    /// that applies is signed.
    pub steps: Vec<Step>,
}

/// A step of an approval chain.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Id of the step, unique in the chain.
    pub id: Sp<String>,
    /// The role that signs.
    pub role: Sp<String>,
    /// What the signer does, printed in the signature block, e.g. 编制预算并签字.
    pub action: String,
    /// Repeat the step once per department: `involved_department` (each
    /// department a job involves, or each department with items in a
    /// catalogue) or `responsible_department` (the job's responsible
    /// department only).
    pub each: Option<StepScope>,
    /// A condition on the record that adds this step (escalation), e.g.
    /// `total > 5000`. Without it the step always applies.
    pub when: Option<Sp<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepScope {
    /// Once per involved department.
    InvolvedDepartment,
    /// Once, by the head of the responsible department.
    ResponsibleDepartment,
}

/// How temporary jobs are priced and approved.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TemporaryJobSettings {
    /// Id of the formula that prices a job (it reads the `labour` and
    /// `materials` tables).
    pub formula: Sp<String>,
    /// Id of the approval chain for the quote (`on: quote`).
    pub chain: Sp<String>,
    /// Id of the tax applied when a job names none.
    pub tax: Sp<String>,
}

/// A policy: a principle of the procedure as a condition.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Id, e.g. `no-private-settlement`.
    pub id: Sp<String>,
    /// Title, e.g. 严禁服务人员与客户私下结算.
    pub title: String,
    /// The kind of record checked: `quote`, `order`, `payment` or `catalog`.
    pub on: Sp<String>,
    /// Optional condition: the policy applies only to records for which it
    /// holds.
    pub when: Option<Sp<String>>,
    /// A condition every record must satisfy. Give `require` or `forbid`.
    pub require: Option<Sp<String>>,
    /// A condition no record may satisfy. Give `require` or `forbid`.
    pub forbid: Option<Sp<String>>,
    /// `error` blocks issuing the document; `warning` is printed.
    #[serde(default)]
    pub severity: PolicySeverity,
    /// The message shown when a record violates the policy: what is wrong
    /// and what to do.
    pub message: String,
    /// The record field at fault, pointed at in reports.
    pub field: Option<Sp<String>>,
    /// The clause of the procedure this policy enforces, e.g. 四（四）6.
    pub clause: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PolicySeverity {
    #[default]
    Error,
    Warning,
}

/// The working-day calendar.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    /// Days of the week that are not working days (default Saturday and Sunday).
    #[serde(default = "default_weekend")]
    pub weekend: Vec<Weekday>,
    /// Working hours in a day, used to convert between hours and days of
    /// personnel cost (default 8).
    #[serde(default = "default_hours_per_day")]
    pub hours_per_day: Sp<Qty>,
    /// Public holidays (法定节假日), each a day or a range of days.
    #[serde(default)]
    pub holidays: Vec<Sp<Holiday>>,
    /// Weekend days that are working days (调休上班).
    #[serde(default)]
    pub workdays: Vec<Sp<MakeupWorkday>>,
}

fn default_weekend() -> Vec<Weekday> {
    vec![Weekday::Saturday, Weekday::Sunday]
}

fn default_hours_per_day() -> Sp<Qty> {
    Sp::new(Qty(Decimal::from(8)), Default::default())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

/// A public holiday.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    /// Name, e.g. 国庆节.
    pub name: String,
    /// First day off.
    #[serde(deserialize_with = "crate::yaml::date::required")]
    pub from: Sp<NaiveDate>,
    /// Last day off (the same as `from` when omitted).
    #[serde(default, deserialize_with = "crate::yaml::date::optional")]
    pub to: Option<Sp<NaiveDate>>,
}

/// A make-up workday (调休上班).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MakeupWorkday {
    /// Name, e.g. 国庆节调休.
    pub name: String,
    /// The date worked.
    #[serde(deserialize_with = "crate::yaml::date::required")]
    pub date: Sp<NaiveDate>,
}

/// Settings for the documents.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentSettings {
    /// How amounts are written in 人民币大写 where the rules leave a choice.
    #[serde(default)]
    pub upper_style: UpperStyle,
    /// Whether tax is rounded on each line and summed (`per_line`), or
    /// computed once on the document's total (`per_document`).
    #[serde(default)]
    pub tax_rounding: TaxRounding,
    /// 特约服务项目及收费标准公告.
    pub notice: Option<DocumentKindSettings>,
    /// 特约维修价格确认单.
    pub quote: Option<DocumentKindSettings>,
    /// 特约服务/维修单 (四联).
    pub work_order: Option<DocumentKindSettings>,
    /// 收费通知单.
    pub billing_notice: Option<DocumentKindSettings>,
    /// 收款收据.
    pub receipt: Option<DocumentKindSettings>,
    /// 特约服务/维修登记表.
    pub register: Option<DocumentKindSettings>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaxRounding {
    /// Round the tax of every line to the 分, then add (the default).
    #[default]
    PerLine,
    /// Add the lines, then compute and round the tax once.
    PerDocument,
}

/// Settings for one kind of document.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentKindSettings {
    /// Title printed on the document.
    pub title: Option<Sp<String>>,
    /// Copy labels, one copy rendered per label, e.g. 第一联 存根. Without
    /// labels (or `[]`), one copy without a label.
    #[serde(default)]
    pub copies: Vec<Sp<String>>,
    /// Numbering pattern with `{seq:06}` (the sequence, zero-padded) and
    /// optionally `{year}`, `{month}`, `{day}`: e.g. `SJ{year}-{seq:06}`.
    /// Each distinct prefix is its own gapless series.
    pub numbering: Option<Sp<String>>,
    /// Days after the issue date that payment is due (billing notices).
    pub due_days: Option<Sp<u32>>,
    /// Free text printed at the foot of the document.
    pub footer: Option<String>,
}
