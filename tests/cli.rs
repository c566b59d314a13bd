//! `feebook check` as a user runs it: exit codes and output formats.

mod support;
use support::{ORDERS_HEADER, Scratch, laundry_row};

use std::process::Command;

fn feebook() -> Command {
    Command::new(env!("CARGO_BIN_EXE_feebook"))
}

fn temp_dir(name: &str) -> Scratch {
    Scratch::new(&format!("test-{name}"))
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

/// A character no font has is found where the administrator typed it, not
/// only when a notice printing it is refused; a comment may hold anything.
#[test]
fn check_warns_of_a_character_no_font_has_at_its_place() {
    let d = temp_dir("glyph");
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, d.join(p.file_name().unwrap())).unwrap();
    }
    let cat = d.join("catalog-2026.yaml");
    let text = std::fs::read_to_string(&cat).unwrap();
    assert!(text.contains("      name: 洗衣服务\n"));
    let text = text.replace(
        "      name: 洗衣服务\n",
        "      name: 洗衣服务𠮷 # 𠀀 in a comment is not printed\n",
    );
    std::fs::write(&cat, text).unwrap();
    let out = feebook()
        .args(["check", "--rules"])
        .arg(&d)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning[missing-glyph]: character 𠮷 (U+20BB7) is in no font: a document that prints it is refused"),
        "{err}"
    );
    assert!(err.contains("catalog-2026.yaml:74:17"), "{err}");
    assert!(!err.contains("U+20000"), "a comment is not checked: {err}");
    assert_eq!(err.matches("missing-glyph").count(), 1, "{err}");
    // The notice of that list is refused for the same character.
    let out = feebook()
        .args(["notice", "--date", "2026-11-01", "-o", "n.pdf", "--rules"])
        .arg(&d)
        .current_dir(&d)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("𠮷"));
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
    // A script asking for JSON gets JSON, saying why.
    let out = feebook()
        .args(["check", "--format", "json", "--rules", "/nonexistent/rules"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["problems"][0]["code"], "unreadable-rules");

    // A rule file's extension is read whatever its case: `taxes.YAML`
    // was skipped, and every item then had an unknown tax.
    std::fs::rename(d.join("taxes.yaml"), d.join("taxes.YAML")).unwrap();
    let out = feebook()
        .args(["check", "--rules"])
        .arg(&d)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("unknown tax"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("checked 9 rule files"));

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

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = feebook()
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn upper_prints_the_uppercase_amount() {
    assert_eq!(
        run(&["upper", "1409.50"]),
        (Some(0), "壹仟肆佰零玖元伍角整\n".into(), String::new())
    );
    assert_eq!(run(&["upper", "-15"]).1, "负壹拾伍元整\n");
    // An amount that does not read is a bad command-line value: a usage
    // error (exit 2), as `price --qty abc` is.
    for (amount, says) in [
        ("abc", "not a number"),
        ("1.005", "more than two decimals"),
        ("1000000000000", "too large"),
        ("", "not a number: the amount is empty"),
    ] {
        let (code, out, err) = run(&["upper", amount]);
        assert_eq!(code, Some(2), "{amount}: {err}");
        assert!(
            err.starts_with(&format!("error: {says}")),
            "{amount}: {err}"
        );
        assert_eq!(out, "", "{amount}");
    }
}

/// `upper` spells an amount as the documents do: where 零 and 整 go is the
/// rules' `documents.upper_style`.
#[test]
fn upper_follows_the_rules_upper_style() {
    let d = temp_dir("upper-style");
    let rules = d.join("rules");
    std::fs::create_dir(&rules).unwrap();
    for (name, text) in feebook::rules::embedded::FILES {
        let text = text
            .replace(
                "zero_after_yuan_before_jiao: true",
                "zero_after_yuan_before_jiao: false",
            )
            .replace("zheng_after_jiao: true", "zheng_after_jiao: false");
        std::fs::write(rules.join(name), text).unwrap();
    }
    let upper = |dir: Option<&std::path::Path>| {
        let mut c = feebook();
        c.args(["upper", "1680.30"])
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        if let Some(dir) = dir {
            c.arg("--rules").arg(dir);
        }
        String::from_utf8(c.output().unwrap().stdout).unwrap()
    };
    assert_eq!(upper(None), "壹仟陆佰捌拾元零叁角整\n");
    assert_eq!(upper(Some(&rules)), "壹仟陆佰捌拾元叁角\n");
}

/// A price list's sign-off dated after today (a mistyped year) is pointed
/// at, by `check` and by every command that reads the rules.
#[test]
fn a_signoff_dated_after_today_is_a_warning() {
    let d = temp_dir("future-signoff");
    let rules = d.join("rules");
    std::fs::create_dir(&rules).unwrap();
    for (name, text) in feebook::rules::embedded::FILES {
        let text = text.replace(
            "name: 周文华, date: 2025-12-15,",
            "name: 周文华, date: 2099-12-15,",
        );
        std::fs::write(rules.join(name), text).unwrap();
    }
    for args in [&["check"][..], &["upper", "1"][..]] {
        let out = feebook()
            .args(args)
            .arg("--rules")
            .arg(&rules)
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            all.contains("warning[signed-in-future]: a sign-off of price list 2026-01 is dated 2099-12-15, after today"),
            "{all}"
        );
        assert!(all.contains("catalog-2026.yaml:20:"), "{all}");
    }
    // Not yet signed, so not approved: the notice and the order are
    // refused as for a list the leader has not signed.
    let notice = feebook()
        .args(["notice", "--date", "2026-06-01", "--rules"])
        .arg(&rules)
        .arg("-o")
        .arg(d.join("notice.pdf"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&notice.stderr);
    assert_eq!(notice.status.code(), Some(1), "{err}");
    assert!(err.contains("[catalog-approved]"), "{err}");
    assert!(
        err.contains("the price list as of today: 待审批：待 公司领导 签字"),
        "{err}"
    );
    assert!(!d.join("notice.pdf").exists());
    let order = feebook()
        .arg("order")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/orders/paid-repair-802.yaml"
        ))
        .arg("--rules")
        .arg(&rules)
        .arg("--journal")
        .arg(d.join("journal.sqlite"))
        .arg("-o")
        .arg(d.join("order.pdf"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&order.stderr);
    assert_eq!(order.status.code(), Some(1), "{err}");
    assert!(err.contains("[approved-catalog-only]"), "{err}");
    assert!(!d.join("order.pdf").exists());
}

/// A job's number is typed by hand: one outside the series the rules'
/// quote numbering gives its date (last year's, or no pattern's) is a
/// warning on the quote.
#[test]
fn a_job_number_outside_its_series_is_a_warning() {
    let d = temp_dir("job-number");
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/jobs/BJ2026-0034-office-partition.yaml"
    ))
    .unwrap();
    for (number, warned) in [
        ("BJ2026-0034", false),
        ("BJ2025-0053", true),
        ("XX-1", true),
    ] {
        let job = d.join(format!("{number}.yaml"));
        std::fs::write(
            &job,
            text.replace("number: BJ2026-0034", &format!("number: {number}")),
        )
        .unwrap();
        let out = d.join(format!("{number}.md"));
        let (code, _, err) = run(&[
            "quote",
            job.to_str().unwrap(),
            "--format",
            "md",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, Some(0), "{err}");
        assert_eq!(
            err.contains("warning[number-not-in-series]"),
            warned,
            "{number}: {err}"
        );
    }
}

#[test]
fn price_prints_text_and_json_and_fails_on_bad_input() {
    let (code, out, _) = run(&[
        "price",
        "indoor-cleaning",
        "--qty",
        "25",
        "--date",
        "2026-11-27",
    ]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("按起步价 ¥80.00") && out.contains("人民币捌拾元整"),
        "{out}"
    );
    let (code, out, _) = run(&[
        "price",
        "paid-repair",
        "--qty",
        "1.5",
        "--set",
        "materials=35",
        "--date",
        "2026-11-27",
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(0));
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (j["total"].as_str(), j["net"].as_str(), j["tax"].as_str()),
        (Some("145.00"), Some("128.32"), Some("16.68"))
    );
    assert_eq!(j["total_upper"], "壹佰肆拾伍元整");
    for (args, message) in [
        (
            vec!["price", "cleaning", "--qty", "2", "--date", "2026-01-05"],
            "did you mean `indoor-cleaning`",
        ),
        (
            vec!["price", "copying", "--qty", "-3", "--date", "2026-01-05"],
            "must be more than 0",
        ),
        (
            vec!["price", "copying", "--qty", "3", "--date", "2024-01-05"],
            "no price list applies on 2024-01-05",
        ),
        (
            vec![
                "price",
                "letting-agency",
                "--qty",
                "1",
                "--date",
                "2026-01-05",
            ],
            "no value for `monthly_rent`",
        ),
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, Some(1), "{args:?}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
    let (code, _, err) = run(&["price", "copying", "--qty", "three"]);
    assert_eq!(code, Some(2), "{err}");
}

#[test]
fn quote_json_carries_totals_lines_and_inputs() {
    let (code, out, err) = run(&[
        "quote",
        "samples/jobs/BJ2026-0031-bathroom-waterproofing.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["number"], "BJ2026-0031");
    assert_eq!(
        (j["total"].as_str(), j["net"].as_str(), j["tax"].as_str()),
        (Some("2367.42"), Some("2095.06"), Some("272.36"))
    );
    assert_eq!(j["total_upper"], "贰仟叁佰陆拾柒元肆角贰分");
    let lines = j["lines"].as_array().unwrap();
    assert!(
        lines
            .iter()
            .all(|l| l["id"].is_string() && l["label"].is_string() && l["formula"].is_string())
    );
    assert_eq!(
        lines.iter().find(|l| l["id"] == "management_fee").unwrap()["amount"],
        "190.46"
    );
    assert!(
        j["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["name"] == "management_rate" && i["value"] == "10%")
    );

    let (code, out, _) = run(&[
        "quote",
        "samples/jobs/BJ2026-0031-bathroom-waterproofing.yaml",
        "--format",
        "text",
    ]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains(
            "管理费 management_fee = direct_cost × management_rate = 1904.60 × 10% = 190.46"
        ),
        "{out}"
    );
    assert!(
        out.contains("合计（大写）：人民币贰仟叁佰陆拾柒元肆角贰分"),
        "{out}"
    );
}

#[test]
fn quote_reports_a_bad_job_at_its_line_and_exits_1() {
    let (code, out, err) = run(&["quote", "tests/fixtures/bad-jobs/03-negative-quantity.yaml"]);
    assert_eq!(code, Some(1));
    assert!(out.is_empty());
    assert!(
        err.contains("tests/fixtures/bad-jobs/03-negative-quantity.yaml:9:37"),
        "{err}"
    );
    let (code, _, err) = run(&["quote", "no/such/job.yaml"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("cannot read the job file"), "{err}");
}

/// An order prices from the approved catalogue: it cannot give a value the
/// rules fix (the hours are its quantity, the hourly rate and call-out fee
/// are the catalogue's), nor a negative amount; nothing is numbered.
#[test]
fn an_order_cannot_change_the_approved_price() {
    let d = temp_dir("fixed-inputs");
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/orders/paid-repair-802.yaml"
    ))
    .unwrap();
    assert!(sample.contains("  materials: \"38.00\"\n"));
    for (edit, line, expected) in [
        (
            "  materials: \"38.00\"\n  hours: \"100\"\n",
            17,
            "`hours` (维修工时) is the quantity ordered",
        ),
        (
            "  materials: \"38.00\"\n  hourly_rate: \"0.00\"\n",
            17,
            "`hourly_rate` (工时费单价) is fixed by the rules at 60.00",
        ),
        (
            "  materials: \"-200.00\"\n",
            16,
            "`materials` (材料费) is negative: -200.00",
        ),
    ] {
        let err = refused_order(&d, &sample.replace("  materials: \"38.00\"\n", edit));
        assert!(err.contains(expected), "{expected}:\n{err}");
        assert!(err.contains(&format!("order.yaml:{line}:")), "{err}");
    }
    let (code, _, err) = run(&[
        "price",
        "paid-repair",
        "--qty",
        "2",
        "--set",
        "call_out_fee=0",
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("is fixed by the rules at 20.00"), "{err}");
}

/// `police` knows a payment by its keys, however it is written (a BOM, flow
/// style): it was taken for a work order, reported as a wrong key, and its
/// private settlement went unseen.
#[test]
fn police_knows_a_payment_however_it_is_written() {
    let d = temp_dir("police");
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/payments/immediate-repair-802.yaml"
    ))
    .unwrap();
    // The payer first, right after the BOM; received by service staff.
    let payer = sample.lines().find(|l| l.starts_with("payer:")).unwrap();
    let by_staff: String = std::iter::once(payer)
        .chain(
            sample
                .lines()
                .filter(|l| !l.starts_with('#') && !l.starts_with("payer:")),
        )
        .map(|l| {
            if l.starts_with("received_by:") {
                "received_by: service_staff\n".to_string()
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let bom = d.join("bom.yaml");
    std::fs::write(&bom, format!("\u{feff}{by_staff}")).unwrap();
    let out = feebook().arg("police").arg(&bom).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("[no-private-settlement]"), "{err}");
}

/// A name must print something and nothing in it may act on a terminal (an
/// escape sequence reached every later `feebook journal`).
#[test]
fn a_name_that_prints_nothing_or_acts_is_refused() {
    let d = temp_dir("names");
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/orders/indoor-cleaning-1203.yaml"
    ))
    .unwrap();
    let line = sample.lines().find(|l| l.starts_with("customer:")).unwrap();
    for (name, expected) in [
        (
            r#""\e[31mRED\e[0m""#,
            "contains the control character U+001B",
        ),
        (r#""\u200b""#, "prints nothing"),
    ] {
        let err = refused_order(&d, &sample.replace(line, &format!("customer: {name}")));
        assert!(
            err.contains(&format!("the customer's name {expected}")),
            "{err}"
        );
    }
}

/// Issues `order.yaml` holding `text` in `d`; it must be refused (exit 1)
/// with nothing written and no journal made. Returns what it said.
fn refused_order(d: &std::path::Path, text: &str) -> String {
    refused(d, &["order", "--format", "md"], "order.yaml", text)
}

/// Runs `command` (with its options) on the file `name` holding `text` in
/// `d`, with its journal and outputs in `d`; it must be refused (exit 1)
/// with nothing written and no journal made. Returns what it said.
fn refused(d: &std::path::Path, command: &[&str], name: &str, text: &str) -> String {
    let file = d.join(name);
    std::fs::write(&file, text).unwrap();
    let out = feebook()
        .args(command)
        .arg("--journal")
        .arg(d.join("j.sqlite"))
        .arg("-o")
        .arg(d.join("out/"))
        .arg(&file)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        !d.join("out").exists() && !d.join("j.sqlite").exists(),
        "{err}"
    );
    err
}

/// The dates of an order follow the procedure: registered, served,
/// completed, verified, in that order.
#[test]
fn an_order_whose_dates_are_out_of_order_is_refused_at_the_date() {
    let d = temp_dir("order-dates");
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/orders/paid-repair-802.yaml"
    ))
    .unwrap();
    for (from, to, line, expected) in [
        (
            "date: 2026-11-24",
            "date: 2026-11-26",
            6,
            "registered on 2026-11-26, after its service date 2026-11-24",
        ),
        (
            "verified_on: 2026-11-25",
            "verified_on: 2026-11-23",
            23,
            "verified on 2026-11-23, before it was completed on 2026-11-24",
        ),
        (
            "completed_on: 2026-11-24",
            "completed_on: 2026-11-23",
            20,
            "completed before its service date",
        ),
    ] {
        assert!(sample.contains(from), "{from}");
        let err = refused_order(&d, &sample.replacen(from, to, 1));
        assert!(err.contains(expected), "{expected}:\n{err}");
        assert!(err.contains(&format!("order.yaml:{line}:")), "{err}");
    }
}

/// A character no font has is pointed at where it was written in the input
/// file, not only named by its field in the document's data; one in a
/// comment is not.
#[test]
fn a_character_no_font_has_is_pointed_at_in_the_input_file() {
    let d = temp_dir("glyph-place");
    let root = env!("CARGO_MANIFEST_DIR");
    let payment =
        std::fs::read_to_string(format!("{root}/samples/payments/immediate-repair-802.yaml"))
            .unwrap()
            .replacen("#\n", "# 冯𠮷 in a comment\n", 1)
            .replace("payer: 滨江云帆科技有限公司", "payer: 冯𠮷");
    let err = refused(&d, &["receipt"], "payment.yaml", &payment);
    assert!(err.contains("payment.yaml:7:9"), "{err}");
    assert!(err.contains("in `payer` (冯𠮷)"), "{err}");

    let job = std::fs::read_to_string(format!(
        "{root}/samples/jobs/BJ2026-0031-bathroom-waterproofing.yaml"
    ))
    .unwrap();
    let name = job
        .lines()
        .position(|l| l.trim_start().starts_with("name:"))
        .unwrap();
    let job: String = job
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == name {
                l.replacen("name: ", "name: 𠮷", 1)
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let file = d.join("job.yaml");
    std::fs::write(&file, job).unwrap();
    let out = feebook()
        .args(["quote", "-o"])
        .arg(d.join("quote.pdf"))
        .arg(&file)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("job.yaml:{}:", name + 1)), "{err}");
    assert!(!d.join("quote.pdf").exists());
}

/// A payment whose items cannot be added up points at the item where the
/// sum overflows, not at the amount.
#[test]
fn a_payment_too_large_to_add_up_points_at_the_item() {
    let d = temp_dir("payment-sum");
    let err = refused(
        &d,
        &["receipt"],
        "payment.yaml",
        "date: 2026-11-24\npayer: 滨江云帆科技有限公司\nitems:\n  - {description: a, amount: \"10.00\"}\n  - {description: b, amount: \"999999999999.00\"}\n  - {description: c, amount: \"10.00\"}\namount: \"148.00\"\nmethod: card\nchannel: finance_counter\nreceived_by: finance\nsettlement: immediate\n",
    );
    assert!(err.contains("payment.yaml:5:30"), "{err}");
    assert!(err.contains("[invalid-amount]"), "{err}");
}

/// A receipt dated 0999 or 9999 is a typo, pointed at in the payment; it
/// was refused by the journal with no place (0999) or issued (9999). A
/// year before 2000 is no date of a YAML file (`yaml::date`); a year far
/// ahead is refused when the document is issued.
#[test]
fn a_document_dated_out_of_all_reason_is_refused_at_its_date() {
    let d = temp_dir("date-range");
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/payments/immediate-repair-802.yaml"
    ))
    .unwrap();
    for (year, code) in [("0999", "[invalid-value]"), ("9999", "[date-out-of-range]")] {
        let text = sample.replace("date: 2026-11-24", &format!("date: {year}-11-24"));
        let err = refused(&d, &["receipt"], "payment.yaml", &text);
        assert!(
            err.contains(code) && err.contains("payment.yaml:6:7"),
            "{err}"
        );
    }
}

/// Runs `feebook receipt` on the sample payment with `--templates DIR/tpl`
/// (and `extra` arguments), its outputs in DIR/out/ and its journal in
/// DIR/j.sqlite. Returns the exit code and what it said, DIR shown as `DIR`.
fn receipt_with_templates(d: &std::path::Path, extra: &[&str]) -> (Option<i32>, String) {
    let out = feebook()
        .args(["receipt", "samples/payments/immediate-repair-802.yaml"])
        .args(extra)
        .arg("--journal")
        .arg(d.join("j.sqlite"))
        .arg("--templates")
        .arg(d.join("tpl"))
        .arg("-o")
        .arg(format!("{}/", d.join("out").display()))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).replace(&d.display().to_string(), "DIR");
    (out.status.code(), err)
}

fn write_template(d: &std::path::Path, rel: &str, text: &str) {
    let path = d.join("tpl").join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A template of the user's that does not parse, or fails, is a problem in
/// the user's content: exit 1, at its file, line and column with the line
/// shown, before any number is taken. An `{% if %}` left open is shown
/// where it opens, not at the `{% endblock %}` where minijinja noticed.
#[test]
fn an_html_template_error_exits_1_at_its_line() {
    let d = temp_dir("tpl-syntax");
    write_template(
        &d,
        "html/receipt.html",
        "{% extends \"base.html\" %}\n{% block body %}\n<p>\n{% if data.payer %}\n{{ data.payer }}\n</p>\n{% endblock %}\n",
    );
    let (code, err) = receipt_with_templates(&d, &["--format", "html"]);
    assert_eq!(code, Some(1), "{err}");
    insta::assert_snapshot!("html_template_unclosed_if", err);
    assert!(
        !d.join("out").exists() && !d.join("j.sqlite").exists(),
        "{err}"
    );

    write_template(
        &d,
        "html/receipt.html",
        "{% extends \"base.html\" %}\n{% block body %}\n<p>{{ data.no_such_field }}</p>\n{% endblock %}\n",
    );
    let (code, err) = receipt_with_templates(&d, &["--format", "html", "--preview"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("undefined value `data.no_such_field`")
            && err.contains("--> DIR/tpl/html/receipt.html:3:")
            && err.contains("3 | <p>{{ data.no_such_field }}</p>"),
        "{err}"
    );
    assert!(!d.join("out").exists(), "{err}");
}

/// A Typst template that does not end (Typst has no limit on a `for`) is
/// stopped at `--time-limit`: exit 1, its file named, nothing issued.
#[test]
fn a_typst_template_that_does_not_end_is_stopped() {
    let d = temp_dir("tpl-endless");
    write_template(
        &d,
        "typst/receipt.typ",
        "#for i in range(100000) { for j in range(100000) { } }\n",
    );
    let (code, err) = receipt_with_templates(&d, &["--time-limit", "1"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("error: the template `DIR/tpl/typst/receipt.typ` has laid out one document for more than 1 s (--time-limit); feebook stopped, and issued nothing"),
        "{err}"
    );
    assert!(
        !d.join("out").exists() && !d.join("j.sqlite").exists(),
        "{err}"
    );
}

/// A template under a wrong name would be silently replaced by the built-in
/// one: it is refused (exit 1) with the names expected, before anything is
/// rendered. A file that is not a template and that nothing uses is a
/// warning; a partial a template imports is used.
#[test]
fn a_misnamed_template_is_refused_and_an_unused_file_is_a_warning() {
    let d = temp_dir("tpl-names");
    write_template(&d, "html/billing-notice.html", "{{ data }}");
    write_template(&d, "typst/reciept.typ", "#let data = json(\"/data.json\")");
    write_template(&d, "receipt.md", "# receipt");
    let (code, err) = receipt_with_templates(&d, &[]);
    assert_eq!(code, Some(1), "{err}");
    insta::assert_snapshot!("misnamed_templates", err);
    assert!(
        !d.join("out").exists() && !d.join("j.sqlite").exists(),
        "{err}"
    );

    let _ = std::fs::remove_dir_all(d.join("tpl"));
    let receipt = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates/typst/receipt.typ"
    ))
    .unwrap()
    .replace(
        "#import \"common.typ\": *",
        "#import \"common.typ\": *\n#import \"parts/extra.typ\": extra",
    );
    write_template(&d, "typst/receipt.typ", &receipt);
    write_template(&d, "typst/parts/extra.typ", "#let extra = [x]\n");
    write_template(&d, "typst/old-logo.svg", "<svg/>");
    write_template(&d, "README.md", "our templates");
    let (code, err) = receipt_with_templates(&d, &["--preview"]);
    assert_eq!(code, Some(0), "{err}");
    insta::assert_snapshot!("unused_files_warn", err);
}

/// `--font-dir` searches subfolders (Debian's font trees keep their fonts
/// there); a folder without a font, or none at all, is a usage error that
/// says so.
#[test]
fn font_dir_searches_subfolders_and_refuses_a_folder_without_fonts() {
    let d = temp_dir("font-dir");
    let run = |fonts: &std::path::Path| {
        let out = feebook()
            .args([
                "receipt",
                "samples/payments/immediate-repair-802.yaml",
                "--preview",
                "--font-dir",
            ])
            .arg(fonts)
            .arg("-o")
            .arg(d.join("out.pdf"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&d.join("no-such-folder"));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no such folder"), "{err}");

    std::fs::create_dir_all(d.join("fonts/truetype/noto")).unwrap();
    std::fs::write(d.join("fonts/README"), "fonts go in truetype/").unwrap();
    let (code, err) = run(&d.join("fonts"));
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("no font file (.ttf, .otf, .ttc, .otc) in this folder or its subfolders"),
        "{err}"
    );
    assert!(!d.join("out.pdf").exists());

    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/assets/fonts/NotoSansCJKsc-Bold-subset.ttf"
        ),
        d.join("fonts/truetype/noto/NotoSansCJKsc-Bold.ttf"),
    )
    .unwrap();
    let (code, err) = run(&d.join("fonts"));
    assert_eq!(code, Some(0), "{err}");
    assert!(d.join("out.pdf").exists());
}

/// Rule warnings do not stop a command, but whoever runs it sees them, once
/// (`police` reads the rules again for every job it checks).
#[test]
fn rule_warnings_are_shown_once_by_every_command() {
    let d = temp_dir("rule-warnings");
    let rules = d.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    let sample_rules = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
    for f in std::fs::read_dir(sample_rules).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, rules.join(f.file_name().unwrap())).unwrap();
    }
    let calendar = std::fs::read_to_string(rules.join("calendar.yaml")).unwrap();
    let first = "    - {name: 春节调休, date: 2025-01-26}\n";
    assert!(calendar.contains(first));
    // 2025-03-05 is a Wednesday, a working day anyway.
    let calendar = calendar.replace(
        first,
        &format!("{first}    - {{name: 多余, date: 2025-03-05}}\n"),
    );
    std::fs::write(rules.join("calendar.yaml"), calendar).unwrap();
    let job = |n: &str| format!("{}/samples/jobs/{n}", env!("CARGO_MANIFEST_DIR"));
    let out = feebook()
        .arg("police")
        .arg("--rules")
        .arg(&rules)
        .arg(job("BJ2026-0031-bathroom-waterproofing.yaml"))
        .arg(job("BJ2026-0034-office-partition.yaml"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("calendar-redundant").count(), 1, "{err}");
    assert!(err.contains("calendar.yaml:26:"), "{err}");
    assert!(err.contains("have 0 errors, 1 warning; going on"), "{err}");

    let out = feebook()
        .current_dir(&d)
        .args(["quote", "--format", "json", "-o", "quote.json"])
        .arg(job("BJ2026-0031-bathroom-waterproofing.yaml"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(err.matches("calendar-redundant").count(), 1, "{err}");
    assert!(d.join("quote.json").exists());
}

/// `police` reads the journal only to check payments: work orders are
/// checked without one, and a journal named but missing stops a payment's
/// check rather than passing it unchecked.
#[test]
fn police_opens_the_journal_for_payments_only() {
    let d = temp_dir("police-journal");
    let missing = d.join("none.sqlite");
    let (code, out, err) = run(&[
        "police",
        "--journal",
        missing.to_str().unwrap(),
        "samples/orders/indoor-cleaning-1203.yaml",
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    let (code, _, err) = run(&[
        "police",
        "--journal",
        missing.to_str().unwrap(),
        "samples/payments/monthly-1203.yaml",
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("does not exist"), "{err}");
    assert!(!missing.exists(), "police must not create a journal");
}

/// Two payments checked together that pay the same notice: `receipt` would
/// refuse the second, and so does `police`, at its place.
#[test]
fn police_finds_a_notice_paid_by_two_payments() {
    let d = temp_dir("police-twice");
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/payments/monthly-1203.yaml"
    ))
    .unwrap();
    let item: String = sample
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .enumerate()
        .map(|(i, l)| format!("{}{l}\n", if i == 0 { "  - " } else { "    " }))
        .collect();
    let list = d.join("payments.yaml");
    std::fs::write(&list, format!("payments:\n{item}{item}")).unwrap();
    // In a folder without output/journal.sqlite: no journal is read.
    let out = feebook()
        .current_dir(&d)
        .arg("police")
        .arg(&list)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.matches("[paid-twice]").count(), 1, "{err}");
    let second = 2
        + item.lines().count()
        + item
            .lines()
            .position(|l| l.contains("billing_notice"))
            .unwrap();
    assert!(err.contains(&format!("payments.yaml:{second}:")), "{err}");
}

/// `-o -` writes the document to standard output (and nothing else there),
/// never to a file named `-`; `bill`, which writes a folder, refuses it.
#[test]
fn dash_writes_the_document_to_standard_output() {
    let d = temp_dir("stdout");
    let job = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/jobs/BJ2026-0031-bathroom-waterproofing.yaml"
    );
    let quote = |format: &str| {
        feebook()
            .current_dir(&d)
            .args(["quote", job, "--format", format, "-o", "-"])
            .output()
            .unwrap()
    };
    let md = quote("md");
    assert_eq!(md.status.code(), Some(0));
    let text = String::from_utf8_lossy(&md.stdout);
    assert!(text.starts_with("# 特约维修价格确认单"), "{text}");
    let pdf = quote("pdf");
    assert_eq!(pdf.status.code(), Some(0));
    assert!(pdf.stdout.starts_with(b"%PDF"));
    assert!(pdf.stdout.windows(5).any(|w| w == b"%%EOF"), "a whole PDF");
    assert!(!d.join("-").exists(), "a file named - was written");
    let bill = feebook()
        .current_dir(&d)
        .args([
            "bill",
            concat!(env!("CARGO_MANIFEST_DIR"), "/samples/orders/2026-11.csv"),
        ])
        .args(["--month", "2026-11", "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(bill.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bill.stderr).contains("writes a folder"));
    assert!(!d.join("output").exists());
}

/// `-o` names the format when `--format` does not (as `reissue` and `void`
/// read it): `-o quote.html` is HTML, not a PDF under an HTML name; a
/// `--format` the name contradicts is refused, writing nothing.
#[test]
fn the_output_name_chooses_the_format() {
    let d = temp_dir("out-format");
    let job = format!(
        "{}/samples/jobs/BJ2026-0031-bathroom-waterproofing.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = |name: &str| d.join(name).to_str().unwrap().to_string();
    let (code, _, err) = run(&["quote", &job, "-o", &out("q.html")]);
    assert_eq!(code, Some(0), "{err}");
    let html = std::fs::read_to_string(d.join("q.html")).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>"),
        "{}",
        &html[..60.min(html.len())]
    );
    let (code, _, err) = run(&["quote", &job, "-o", &out("q.txt")]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        std::fs::read_to_string(d.join("q.txt"))
            .unwrap()
            .contains("合计")
    );
    let (code, _, err) = run(&["notice", "-o", &out("n.md")]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        std::fs::read_to_string(d.join("n.md"))
            .unwrap()
            .starts_with('#')
    );
    let (code, _, err) = run(&["quote", &job, "--format", "html", "-o", &out("y.pdf")]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("--format html but -o names a .pdf file"),
        "{err}"
    );
    assert!(!d.join("y.pdf").exists());
    // Without a name's extension, PDF as before.
    let (code, _, err) = run(&["quote", &job, "-o", &out("plain")]);
    assert_eq!(code, Some(0), "{err}");
    assert!(std::fs::read(d.join("plain")).unwrap().starts_with(b"%PDF"));
}

/// `police` on a file of orders reports a row that does not read and goes
/// on to check the policies of the others: one round of corrections.
#[test]
fn police_checks_the_rows_that_read_past_one_that_does_not() {
    let d = temp_dir("police-past");
    let csv = d.join("m.csv");
    std::fs::write(
        &csv,
        format!(
            "{ORDERS_HEADER}\n{}{}",
            laundry_row("WX202611-00001", |r| r.replace("洗衣服务", "洗衣机")),
            laundry_row("WX202611-00002", |r| r.replace(",是,", ",否,")),
        ),
    )
    .unwrap();
    let (code, out, err) = run(&["police", csv.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("error[unknown-item]: no item `洗衣机`"),
        "{err}"
    );
    assert!(err.contains("[monthly-needs-signature]"), "{err}");
    assert!(err.contains("row 3, column 客户签字"), "{err}");
    assert!(out.contains("2 errors"), "{out}");
}

/// A price list approved on 2026-12-01 was not approved for a notice of
/// 2026-06-01: the notice is refused (or, as a draft, shows the approval as
/// it stood), not printed 已批准 with a date after its own.
#[test]
fn a_notice_is_as_the_approval_stood_on_its_date() {
    let d = temp_dir("approved-later");
    let rules = d.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    for e in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap() {
        let p = e.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap();
        let text = text.replace(
            "{role: company_leader, name: 周文华, date: 2025-12-15,",
            "{role: company_leader, name: 周文华, date: 2026-12-01,",
        );
        std::fs::write(rules.join(p.file_name().unwrap()), text).unwrap();
    }
    let r = rules.to_str().unwrap();
    let (code, _, err) = run(&[
        "notice",
        "--rules",
        r,
        "--date",
        "2026-06-01",
        "--format",
        "md",
        "-o",
        "-",
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("was approved after 2026-06-01"), "{err}");
    assert!(err.contains("[catalog-approved]"), "{err}");
    let (code, out, err) = run(&[
        "notice",
        "--rules",
        r,
        "--date",
        "2026-06-01",
        "--format",
        "md",
        "-o",
        "-",
        "--draft",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(!out.contains("2026年12月1日"), "{out}");
    assert!(!out.contains("已批准"), "{out}");
    // Nor does its text claim the approval.
    assert!(!out.contains("经公司领导审批，现予公告"), "{out}");
    assert!(
        out.contains("下列服务项目及收费标准尚待审批，仅供审阅，不得据此收费。"),
        "{out}"
    );
    let (code, out, err) = run(&[
        "notice",
        "--rules",
        r,
        "--date",
        "2026-12-02",
        "--format",
        "md",
        "-o",
        "-",
    ]);
    assert_eq!(code, Some(0), "{err}");
    // As the PDF words it.
    assert!(
        out.contains("经公司领导 周文华 于 2026年12月1日 审批"),
        "{out}"
    );
}

/// A line break typed into a cell (Alt+Enter) is said as such, not as an
/// empty value.
#[test]
fn a_line_break_in_an_address_cell_is_said_as_such() {
    let d = temp_dir("line-break");
    let csv = d.join("m.csv");
    std::fs::write(
        &csv,
        format!(
            "{ORDERS_HEADER}\n{}",
            laundry_row("WX202611-00001", |r| r
                .replace("华庭大厦 12 层 1203 室", "\"华庭大厦\n12 层 1203 室\"")),
        ),
    )
    .unwrap();
    let (code, _, err) = run(&["police", csv.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("error[control-character]: the address contains a line break (Alt+Enter in a spreadsheet cell)"),
        "{err}"
    );
    assert!(!err.contains("empty-value"), "{err}");
}

/// A revision's dates and reason are checked as a sign-off's are: the
/// customer confirms a change after it is made, the reason is printed for
/// the customer to sign, and a job dated 2062 is a typo.
#[test]
fn a_revision_is_confirmed_after_it_is_made_and_says_why() {
    let d = temp_dir("revision-dates");
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/jobs/BJ2026-0036-lobby-stone-care.yaml"
    ))
    .unwrap();
    let confirmed = sample.replace(
        "    reason: 客户要求增加一遍抛光，增加用工 3 小时及结晶粉 1 瓶\n",
        "    reason: 客户要求增加一遍抛光，增加用工 3 小时及结晶粉 1 瓶\n    confirmed: {by: 客户, date: 2026-11-21}\n",
    );
    assert_ne!(confirmed, sample);
    let cases = [
        (
            "early.yaml",
            confirmed,
            "revision 1 is confirmed on 2026-11-21, before it was made (2026-11-25)",
        ),
        (
            "no-reason.yaml",
            sample.replace(
                "    reason: 客户要求增加一遍抛光，增加用工 3 小时及结晶粉 1 瓶\n",
                "    reason: \"\"\n",
            ),
            "error[empty-value]: revision 1 gives no reason",
        ),
        (
            "2062.yaml",
            sample.replace("2026-11-", "2062-11-"),
            "the job's date: the date 2062-11-",
        ),
    ];
    for (name, text, message) in cases {
        let path = d.join(name);
        std::fs::write(&path, text).unwrap();
        let (code, _, err) = run(&[
            "quote",
            path.to_str().unwrap(),
            "--format",
            "json",
            "-o",
            "-",
        ]);
        assert_eq!(code, Some(1), "{name}: {err}");
        assert!(err.contains(message), "{name}: {err}");
    }
}

/// A job with no labour says so in its labour table, as one with no
/// materials does, instead of an empty table.
#[test]
fn a_quote_without_labour_says_so() {
    let d = temp_dir("no-labour");
    let job = d.join("j.yaml");
    std::fs::write(
        &job,
        "number: BJ2026-0109\ndate: 2026-11-30\ncustomer: {name: 钱多多}\naddress: 华庭大厦 9 层 901 室\ndescription: 材料更换\nresponsible_department: engineering\ninvolved_departments: [engineering]\nmaterials: [{name: 吊顶铝扣板, unit: 平方米, quantity: 25, unit_price: \"49.38\"}]\n",
    )
    .unwrap();
    let pdf = d.join("q.pdf");
    let (code, _, err) = run(&["quote", job.to_str().unwrap(), "-o", pdf.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    let text = pdf_extract::extract_text_from_mem(&std::fs::read(&pdf).unwrap()).unwrap();
    assert!(text.contains("无人工"), "{text}");
}

/// Two payment files alike are the double payment `police` is there to
/// find: reported as `paid-twice`, not refused as a file given twice; the
/// same file given twice is one usage error.
#[test]
fn police_reports_a_copied_payment_as_paid_twice() {
    let d = temp_dir("police-copy");
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/payments/immediate-repair-802.yaml"
    );
    let copy = d.join("copy.yaml");
    std::fs::copy(sample, &copy).unwrap();
    // In a folder of its own: no journal there.
    let out = feebook()
        .args(["police", sample, copy.to_str().unwrap()])
        .current_dir(&d)
        .output()
        .unwrap();
    let (code, err) = (out.status.code(), String::from_utf8_lossy(&out.stderr));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("paid-twice"), "{err}");
    assert!(!err.contains("same contents"), "{err}");
    let (code, _, err) = run(&["police", sample, sample]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("is the same file as"), "{err}");
    assert!(err.contains("it would be checked twice"), "{err}");
}

/// A work order or a payment given as a job file is one message naming
/// the command for it, not a dozen unknown fields.
#[test]
fn a_work_order_given_as_a_job_names_the_command_for_it() {
    let order = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/orders/paid-repair-802.yaml"
    );
    for cmd in ["quote", "status"] {
        let (code, _, err) = run(&[cmd, order]);
        assert_eq!(code, Some(2), "{cmd}: {err}");
        assert!(
            err.contains("is a work order, not a job file: issue it with `feebook order`"),
            "{cmd}: {err}"
        );
        assert!(!err.contains("unknown field"), "{cmd}: {err}");
    }
    let payment = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/payments/monthly-1203.yaml"
    );
    let (code, _, err) = run(&[
        "approve",
        payment,
        "--role",
        "finance",
        "--name",
        "刘芳",
        "--date",
        "2026-12-02",
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("is a payment, not a job file"), "{err}");
}

/// A character no font has is shown at the field that prints it: the same
/// character in the contact and in a material's specification is two errors
/// at two lines, not two at its first place.
#[test]
fn a_missing_glyph_is_located_at_its_own_field() {
    let d = temp_dir("glyph-fields");
    let root = env!("CARGO_MANIFEST_DIR");
    let job = std::fs::read_to_string(format!(
        "{root}/samples/jobs/BJ2026-0034-office-partition.yaml"
    ))
    .unwrap();
    assert!(
        job.contains("  contact: ") && job.contains("spec: 50mm"),
        "{job}"
    );
    let job = job
        .lines()
        .map(|l| {
            if l.starts_with("  contact: ") {
                "  contact: 周𪚥".to_string()
            } else {
                l.replace("spec: 50mm", "spec: 50mm 隔音𪚥")
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let line_of = |s: &str| job.lines().position(|l| l.contains(s)).unwrap() + 1;
    let (contact, spec) = (line_of("周𪚥"), line_of("隔音𪚥"));
    std::fs::write(d.join("job.yaml"), &job).unwrap();
    let out = feebook()
        .args(["quote", "job.yaml", "-o", "q.pdf"])
        .current_dir(&d)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.matches("error[missing-glyph]").count(), 2, "{err}");
    assert!(err.contains(&format!("job.yaml:{contact}:13")), "{err}");
    assert!(err.contains(&format!("job.yaml:{spec}:")), "{err}");
}
