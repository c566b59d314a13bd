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

/// Every sample input names a schema, and that schema is one feebook writes:
/// an editor given a missing file silently completes nothing.
#[test]
fn every_sample_input_names_a_schema_feebook_writes() {
    let written: Vec<&str> = feebook::schema::all().iter().map(|(n, _)| *n).collect();
    let root = env!("CARGO_MANIFEST_DIR");
    let mut checked = 0;
    for dir in ["samples/jobs", "samples/orders", "samples/payments"] {
        let mut entries: Vec<_> = std::fs::read_dir(format!("{root}/{dir}"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        entries.sort();
        for path in entries {
            let text = std::fs::read_to_string(&path).unwrap();
            let first = text.lines().next().unwrap_or_default();
            let name = first
                .strip_prefix("# yaml-language-server: $schema=../../schemas/")
                .unwrap_or_else(|| panic!("{} must start with its schema comment", path.display()));
            assert!(
                written.contains(&name),
                "{} names schemas/{name}, which feebook does not write",
                path.display()
            );
            assert!(
                std::path::Path::new(&format!("{root}/schemas/{name}")).is_file(),
                "{} names schemas/{name}, which is not committed",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} sample inputs found");
}
