//! Temporary jobs (临时性特约服务): the job file a manager writes.
//!
//! A job is outside the approved catalogue: it is priced from staff, time,
//! personnel cost, materials, management fee and tax by the formula the
//! rules name (`temporary_jobs.formula`), signed off along the temporary-job
//! approval chain, and may be revised when its scope or price changes, each
//! revision needing the customer's renewed agreement.

use std::collections::BTreeMap;

use crate::quantity::Qty;
use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::money::Money;
use crate::rules::model::Signoff;
use crate::source::Sp;

/// A temporary job and its quote (特约维修价格确认单).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "feebook temporary job")]
pub struct JobFile {
    /// Quote number, e.g. BJ2026-0012.
    pub number: Sp<String>,
    /// Date of the quote; personnel costs and tax rates in force on this
    /// date apply.
    #[serde(deserialize_with = "crate::yaml::date::required")]
    pub date: Sp<NaiveDate>,
    /// The customer.
    pub customer: Customer,
    /// Where the work is done, e.g. 华庭大厦 12 层 1203 室.
    pub address: String,
    /// What is to be done.
    pub description: String,
    /// Id of the department responsible for the job (it aggregates the price).
    pub responsible_department: Sp<String>,
    /// Ids of every department involved, the responsible one included; each
    /// department head budgets and signs.
    pub involved_departments: Vec<Sp<String>>,
    /// Id of the tax; default: the rules' `temporary_jobs.tax`.
    pub tax: Option<Sp<String>>,
    /// Labour: who works how long.
    #[serde(default)]
    pub labour: Vec<Sp<LabourLine>>,
    /// Materials used.
    #[serde(default)]
    pub materials: Vec<Sp<MaterialLine>>,
    /// Values for other inputs of the formula, by name, written as text
    /// (e.g. `management_rate: 12%`).
    #[serde(default)]
    pub inputs: BTreeMap<String, Sp<String>>,
    /// Planned start of the work.
    #[serde(default, deserialize_with = "crate::yaml::date::optional_plain")]
    pub planned_start: Option<NaiveDate>,
    /// Remarks printed on the quote sheet.
    pub notes: Option<String>,
    /// Changes of scope or price after the first quote, oldest first. Each
    /// replaces the labour, materials or inputs it gives.
    #[serde(default)]
    pub revisions: Vec<Sp<Revision>>,
    /// Sign-offs along the temporary-job approval chain.
    #[serde(default)]
    pub signoffs: Vec<Sp<Signoff>>,
}

/// The customer of a job.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    /// Name of the customer (person or company).
    pub name: Sp<String>,
    /// Contact person, when the customer is a company.
    pub contact: Option<String>,
    /// Telephone.
    pub phone: Option<String>,
}

/// One kind of staff on a job.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LabourLine {
    /// Id of the personnel cost (kind of staff), e.g. `plumber`.
    pub role: Sp<String>,
    /// Number of people.
    pub staff: Sp<Qty>,
    /// Hours each person works. Give `hours` or `days`.
    pub hours: Option<Sp<Qty>>,
    /// Working days each person works. Give `hours` or `days`.
    pub days: Option<Sp<Qty>>,
    /// A personnel cost other than the rules' rate, per the rate's unit.
    /// Needs `reason`.
    pub rate: Option<Sp<Money>>,
    /// Why the rate differs from the rules (e.g. 高空作业补贴).
    pub reason: Option<String>,
}

/// One material.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialLine {
    /// Name, e.g. 防水涂料.
    pub name: String,
    /// Specification, e.g. JS 复合型 20kg.
    pub spec: Option<String>,
    /// Unit, e.g. 桶.
    pub unit: String,
    /// Quantity.
    pub quantity: Sp<Qty>,
    /// Price per unit in yuan.
    pub unit_price: Sp<Money>,
}

/// A change of scope or price.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Revision {
    /// Date of the change.
    #[serde(deserialize_with = "crate::yaml::date::required")]
    pub date: Sp<NaiveDate>,
    /// Why the scope or price changed.
    pub reason: String,
    /// The new labour, replacing the previous list.
    pub labour: Option<Vec<Sp<LabourLine>>>,
    /// The new materials, replacing the previous list.
    pub materials: Option<Vec<Sp<MaterialLine>>>,
    /// Inputs changed by this revision (others keep their values).
    #[serde(default)]
    pub inputs: BTreeMap<String, Sp<String>>,
    /// The customer's renewed agreement (经客户再次认可). Until it is
    /// recorded, work may not continue.
    pub confirmed: Option<Confirmation>,
}

/// A customer's agreement to a revised price.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Confirmation {
    /// Who agreed.
    pub by: String,
    /// When.
    #[serde(deserialize_with = "crate::yaml::date::plain")]
    pub date: NaiveDate,
}
