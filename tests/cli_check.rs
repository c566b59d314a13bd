//! `feebook check` as a user runs it: exit codes and output formats.

use std::process::Command;

fn feebook() -> Command {
    Command::new(env!("CARGO_BIN_EXE_feebook"))
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("feebook-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn check_passes_the_sample_rules() {
    let out = feebook()
        .args(["check", "--rules", "rules"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("no problems"));
}

#[test]
fn check_uses_the_embedded_rules_when_there_is_no_rules_folder() {
    let d = temp_dir("embedded");
    let out = feebook().arg("check").current_dir(&d).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("embedded"));
}

#[test]
fn check_exits_1_on_problems_and_2_on_a_missing_folder() {
    let d = temp_dir("broken");
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, d.join(p.file_name().unwrap())).unwrap();
    }
    let cat = d.join("catalog-2026.yaml");
    let text = std::fs::read_to_string(&cat)
        .unwrap()
        .replace("department: cleaning", "department: cleanning");
    std::fs::write(&cat, text).unwrap();

    let out = feebook()
        .args(["check", "--rules"])
        .arg(&d)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown department `cleanning`"), "{err}");
    assert!(err.contains("catalog-2026.yaml:33:19"), "{err}");

    let out = feebook()
        .args(["check", "--format", "json", "--rules"])
        .arg(&d)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], false);
    let problems = report["problems"].as_array().unwrap();
    assert!(
        problems.len() >= 2,
        "both cleaning items are reported: {problems:?}"
    );
    for p in problems {
        assert!(
            p["file"].is_string()
                && p["line"].is_number()
                && p["column"].is_number()
                && p["code"].is_string()
                && p["message"].is_string()
        );
    }

    let out = feebook()
        .args(["check", "--rules", "/nonexistent/rules"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the rules folder"));

    let out = feebook()
        .args(["check", "--format", "xml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn schema_writes_the_rule_schema() {
    let d = temp_dir("schema");
    let out = feebook()
        .args(["schema", "--out"])
        .arg(&d)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("rules.schema.json")).unwrap())
            .unwrap();
    assert!(schema["properties"]["catalog"].is_object());
}
