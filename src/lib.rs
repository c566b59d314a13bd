//! feebook: a rules-and-document engine for paid on-demand services (特约服务).
//!
//! Administrators write the rules as YAML (service catalogue, fee formulas,
//! approval chains, policies, calendar); feebook validates them, prices jobs
//! exactly, checks approvals and policies, and renders the documents.
//!
//! The library has no CLI concerns: it takes texts and returns values and
//! [`diagnostic::Diagnostic`]s. Only the `feebook` binary touches the file
//! system, apart from the explicitly named loaders (`rules::load_dir`).
//! See ARCHITECTURE.md for the map.

// `Diagnostic`, the crate's one error type, carries its places, labels and
// hints, so it is larger than clippy likes in a `Result`; errors are the
// cold path, and boxing them would only add an allocation to each.
#![allow(clippy::result_large_err)]

pub mod approval;
pub mod batch;
pub mod calendar;
pub mod diagnostic;
pub mod documents;
pub mod expr;
pub mod fsutil;
pub mod issue;
pub mod job;
pub mod jobs;
pub mod journal;
pub mod money;
pub mod numbering;
pub mod order;
pub mod orders_input;
pub mod par;
pub mod payment;
pub mod policy;
pub mod pricing;
pub mod quantity;
pub mod quote;
pub mod records;
pub mod rules;
pub mod schema;
pub mod source;
pub mod tabular;
pub mod text;
pub mod yaml;
