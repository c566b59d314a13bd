//! JSON Schemas of the files people write, generated from the model types.
//!
//! `schemas/` in the repository holds their output; a test fails when the
//! committed files drift from the model, and `feebook schema` rewrites them.

use schemars::{JsonSchema, generate::SchemaSettings};

/// (file name, schema JSON) for every kind of input file.
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        (
            "rules.schema.json",
            to_json::<crate::rules::model::RuleFile>(),
        ),
        ("job.schema.json", to_json::<crate::job::JobFile>()),
        ("order.schema.json", to_json::<crate::order::OrderFile>()),
        ("payment.schema.json", to_json::<crate::payment::Payment>()),
    ]
}

fn to_json<T: JsonSchema>() -> String {
    let generator = SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<T>();
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}
