//! The committed JSON Schemas match the model. When this fails, run
//! `cargo run --release -- schema` and commit `schemas/`.

#[test]
fn committed_schemas_match_the_model() {
    for (name, json) in feebook::schema::all() {
        let path = format!("{}/schemas/{name}", env!("CARGO_MANIFEST_DIR"));
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == json,
            "schemas/{name} is out of date: run `cargo run --release -- schema` and commit it"
        );
    }
}

#[test]
fn every_sample_rule_file_names_its_schema() {
    for (name, text) in feebook::rules::embedded::FILES {
        assert!(
            text.starts_with("# yaml-language-server: $schema=../schemas/rules.schema.json"),
            "rules/{name} must start with the yaml-language-server schema comment"
        );
    }
}
