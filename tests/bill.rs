//! `feebook bill`: the month's notices reconcile with the summary; every
//! bad row is reported with its row and column; GBK and XLSX read like
//! UTF-8 CSV; the output does not depend on the number of threads; the
//! print file comes in volumes.

mod support;
use support::{ORDERS_HEADER, Scratch, laundry_row};

use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn temp(name: &str) -> Scratch {
    Scratch::new(&format!("bill-{name}"))
}

fn bill(dir: &Path, args: &[&str], threads: Option<usize>) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_feebook"));
    c.arg("bill")
        .args(args)
        .arg("--journal")
        .arg(dir.join("journal.sqlite"))
        .arg("-o")
        .arg(dir.join("out"))
        .current_dir(ROOT);
    if let Some(t) = threads {
        c.env("RAYON_NUM_THREADS", t.to_string());
    }
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A file of November's orders billed as JSON into `dir`.
fn bill_november(dir: &Path, orders: &Path) -> (i32, String, String) {
    bill(
        dir,
        &[
            orders.to_str().unwrap(),
            "--month",
            "2026-11",
            "--format",
            "json",
        ],
        None,
    )
}

/// The sample month billed as JSON: the quickest whole run.
const SAMPLE_MONTH_JSON: [&str; 5] = [
    "samples/orders/2026-11.csv",
    "--month",
    "2026-11",
    "--format",
    "json",
];

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("out/summary-2026-11.json")).unwrap())
        .unwrap()
}

#[test]
fn notices_reconcile_with_the_summary_to_the_cent() {
    let dir = temp("reconcile");
    let (code, _, err) = bill(&dir, &SAMPLE_MONTH_JSON, None);
    assert_eq!(code, 0, "{err}");
    let s = summary(&dir);
    let mut total = rust_decimal::Decimal::ZERO;
    let mut tax = rust_decimal::Decimal::ZERO;
    let mut lines = 0;
    let mut notices = 0;
    for e in std::fs::read_dir(dir.join("out")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("billing-notice-") {
            continue;
        }
        notices += 1;
        let n: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let t: rust_decimal::Decimal = n["total"]["value"].as_str().unwrap().parse().unwrap();
        let line_sum: rust_decimal::Decimal = n["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                l["amount"]["value"]
                    .as_str()
                    .unwrap()
                    .parse::<rust_decimal::Decimal>()
                    .unwrap()
            })
            .sum();
        assert_eq!(t, line_sum, "{name}: lines add up to the total");
        let net: rust_decimal::Decimal = n["net"]["value"].as_str().unwrap().parse().unwrap();
        let tx: rust_decimal::Decimal = n["tax"]["value"].as_str().unwrap().parse().unwrap();
        assert_eq!(net + tx, t, "{name}: net + tax = total");
        total += t;
        tax += tx;
        lines += n["lines"].as_array().unwrap().len();
    }
    assert_eq!(notices as u64, s["notices"].as_u64().unwrap());
    assert_eq!(lines as u64, s["billed_orders"].as_u64().unwrap());
    assert_eq!(total.to_string(), s["billed_total"].as_str().unwrap());
    assert_eq!(tax.to_string(), s["billed_tax"].as_str().unwrap());
    // Every order of the month is in the summary, billed or paid at once.
    assert_eq!(s["orders"], 300);
    // Net and tax per rate, for the VAT return, as worked out by hand
    // (a tester's own Decimal sums of every billed order).
    assert_eq!(
        s["by_tax_rate"],
        serde_json::json!([
            {"rate": "6%", "net": "37127.25", "tax": "2227.75"},
            {"rate": "9%", "net": "11449.55", "tax": "1030.45"},
            {"rate": "13%", "net": "7310.61", "tax": "950.39"},
        ])
    );
}

#[test]
fn every_bad_row_is_reported_and_nothing_is_written() {
    let dir = temp("bad");
    let (code, _, err) = bill(
        &dir,
        &["tests/fixtures/orders/bad-rows.csv", "--month", "2026-11"],
        None,
    );
    assert_eq!(code, 1, "{err}");
    assert!(!dir.join("out").exists(), "nothing written");
    let expect = [
        ("row 6, column 服务项目", "no item `室内保洁`"),
        ("row 7, column 数量", "quantity"),
        ("row 8, column 服务日期", "not a date"),
        ("row 9, column 客户签字", "monthly-needs-signature"),
        ("row 10, column 单号", "appears again"),
        ("row 11, column 结算方式", "`现金` is not known"),
        ("row 12, column 客户名称", "no customer"),
        ("row 13, column 结算方式", "long-term agreement"),
        ("row 14, column 数量", "more than 0"),
        ("row 15, column 核对日期", "verify-next-workday"),
        (
            "row 17, column 核对日期",
            "verified on 2026-11-19, before it was completed on 2026-11-20",
        ),
        (
            "row 18, column 数量",
            "洗衣服务 is counted in whole 件: not 0.0001 件",
        ),
        ("row 19", "客户签字, 核对人, 核对日期 missing at its end"),
    ];
    for (place, message) in expect {
        assert!(err.contains(place), "{place} not reported:\n{err}");
        assert!(err.contains(message), "{message} not reported:\n{err}");
    }
    assert!(err.contains("13 rows cannot be billed"), "{err}");

    // --skip-invalid bills the rest and lists the rejected rows with reasons.
    let (code, out, err) = bill(
        &dir,
        &[
            "tests/fixtures/orders/bad-rows.csv",
            "--month",
            "2026-11",
            "--skip-invalid",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let rejected = std::fs::read_to_string(dir.join("out/rejected-2026-11.csv")).unwrap();
    assert_eq!(
        rejected.lines().count(),
        14,
        "header + 13 rows:\n{rejected}"
    );
    assert!(rejected.contains(",9,客户签字,"), "{rejected}");
    // Each row as written, under the file's headers, to correct and bill.
    assert!(
        rejected.starts_with("\u{feff}file,row,column,reasons,单号,客户名称,"),
        "{rejected}"
    );
    assert!(
        rejected.contains(",WX202611-00106,李伟,华庭大厦 16 层 1601 室,室内绿化保养,三盆,"),
        "{rejected}"
    );
    let s = summary(&dir);
    assert_eq!(s["orders"], 5, "{out}");
    assert_eq!(s["rejected_rows"], 13);
}

#[test]
fn gbk_csv_and_xlsx_read_like_utf8() {
    let dir = temp("encodings");
    let utf8 = std::fs::read_to_string(format!("{ROOT}/samples/orders/2026-11.csv")).unwrap();
    let gbk = encoding_rs::GBK
        .encode(utf8.trim_start_matches('\u{feff}'))
        .0
        .into_owned();
    let gbk_path = dir.join("orders-gbk.csv");
    std::fs::write(&gbk_path, gbk).unwrap();
    let mut summaries = Vec::new();
    for (i, input) in [
        format!("{ROOT}/samples/orders/2026-11.csv"),
        gbk_path.display().to_string(),
        format!("{ROOT}/samples/orders/2026-11.xlsx"),
    ]
    .iter()
    .enumerate()
    {
        let sub = dir.join(format!("run{i}"));
        std::fs::create_dir_all(&sub).unwrap();
        let (code, _, err) = bill(
            &sub,
            &[input, "--month", "2026-11", "--format", "json"],
            None,
        );
        assert_eq!(code, 0, "{input}: {err}");
        summaries.push(summary(&sub));
    }
    assert_eq!(summaries[0], summaries[1], "GBK CSV");
    assert_eq!(summaries[0], summaries[2], "XLSX");
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn the_same_bytes_with_one_thread_and_with_two() {
    let a = temp("threads1");
    let b = temp("threads2");
    let args = [
        "samples/orders/2026-11.csv",
        "--month",
        "2026-11",
        "--volume",
        "25",
    ];
    assert_eq!(bill(&a, &args, Some(1)).0, 0);
    assert_eq!(bill(&b, &args, Some(2)).0, 0);
    let (fa, fb) = (files(&a.join("out")), files(&b.join("out")));
    assert_eq!(fa.len(), fb.len());
    assert!(
        fa.iter()
            .any(|(n, _)| n.ends_with(".pdf") && n.starts_with("billing-notices-")),
        "combined PDF"
    );
    for ((na, ba), (nb, bb)) in fa.iter().zip(&fb) {
        assert_eq!(na, nb);
        assert!(ba == bb, "{na} differs between 1 and 2 threads");
    }

    // The print file, bound from the notices' own PDFs, comes in volumes of
    // `--volume` notices in number order: 73 notices make three, the last
    // with 23.
    let volumes: Vec<&(String, Vec<u8>)> = fa
        .iter()
        .filter(|(n, _)| n.starts_with("billing-notices-"))
        .collect();
    let names: Vec<&str> = volumes.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "billing-notices-2026-11-v01.pdf",
            "billing-notices-2026-11-v02.pdf",
            "billing-notices-2026-11-v03.pdf"
        ]
    );
    let numbers = |bytes: &[u8]| -> Vec<String> {
        let text = pdf_extract::extract_text_from_mem(bytes).unwrap();
        let mut found: Vec<String> = text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .filter(|w| w.starts_with("TZ202612-") && w.len() == 13)
            .map(str::to_string)
            .collect();
        found.sort();
        found.dedup();
        found
    };
    for (v, (first, last, count)) in volumes
        .iter()
        .zip([(1, 25, 25), (26, 50, 25), (51, 73, 23)])
    {
        let n = numbers(&v.1);
        assert_eq!(n.len(), count, "{}: {n:?}", v.0);
        assert_eq!(n.first().unwrap(), &format!("TZ202612-{first:04}"));
        assert_eq!(n.last().unwrap(), &format!("TZ202612-{last:04}"));
    }
    // 300 register rows fit one volume: the plain name.
    assert!(fa.iter().any(|(n, _)| n == "register-2026-11.pdf"));
}

#[test]
fn shards_split_the_customers_without_overlap() {
    let dir = temp("shards");
    let mut seen = std::collections::BTreeSet::new();
    let mut total = 0;
    // The shards' summaries, added up.
    let mut sums = [rust_decimal::Decimal::ZERO; 2];
    let mut counts = [0u64; 3];
    for k in 1..=3 {
        let sub = dir.join(format!("k{k}"));
        std::fs::create_dir_all(&sub).unwrap();
        let mut c = Command::new(env!("CARGO_BIN_EXE_feebook"));
        c.args([
            "bill",
            "samples/orders/2026-11.csv",
            "--month",
            "2026-11",
            "--format",
            "json",
            "--shard",
            "/3",
            "--journal",
        ])
        .arg(dir.join("journal.sqlite"))
        .arg("-o")
        .arg(&sub)
        .env("JOB_COMPLETION_INDEX", (k - 1).to_string())
        .current_dir(ROOT);
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for (name, bytes) in files(&sub) {
            if name.starts_with("billing-notice-") {
                let n: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                assert!(
                    seen.insert(n["customer"].as_str().unwrap().to_string()),
                    "a customer in two shards"
                );
                total += 1;
            }
        }
        let summary: serde_json::Value = serde_json::from_slice(
            &std::fs::read(sub.join(format!("summary-2026-11-shard{k}of3.json"))).unwrap(),
        )
        .unwrap();
        for (sum, key) in sums.iter_mut().zip(["total", "billed_total"]) {
            *sum += summary[key]
                .as_str()
                .unwrap()
                .parse::<rust_decimal::Decimal>()
                .unwrap();
        }
        for (count, key) in counts.iter_mut().zip(["orders", "customers", "notices"]) {
            *count += summary[key].as_u64().unwrap();
        }
    }
    assert_eq!(total, 73, "every customer billed once");
    // Each shard's summary covers its customers: together, the month's.
    let month = summary(&{
        let whole = dir.join("whole");
        let (code, _, err) = bill(&whole, &SAMPLE_MONTH_JSON, None);
        assert_eq!(code, 0, "{err}");
        whole
    });
    assert_eq!(sums[0].to_string(), month["total"].as_str().unwrap());
    assert_eq!(sums[1].to_string(), month["billed_total"].as_str().unwrap());
    assert_eq!(counts, [300, 73, 73]);
    // One journal, three shards: the numbers are still one gapless series.
    let out = Command::new(env!("CARGO_BIN_EXE_feebook"))
        .args(["journal", "--format", "json", "--journal"])
        .arg(dir.join("journal.sqlite"))
        .output()
        .unwrap();
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let series = &j["series"][0];
    assert_eq!(series["count"], 73);
    assert_eq!(series["gaps"].as_array().unwrap().len(), 0);
}

/// `feebook register` on a long month writes volumes of at most 300 rows
/// beside the path asked for, as `feebook bill` does, rather than one Typst
/// document whose layout would grow with the month. A department's day
/// longer than a volume is split, and both volumes say so; every volume
/// gives its place among the volumes and the month's total.
#[test]
fn a_long_register_comes_in_volumes() {
    let dir = temp("register-volumes");
    let sample = std::fs::read_to_string(format!("{ROOT}/samples/orders/2026-11.csv")).unwrap();
    // The sample month (300 rows) and 300 more orders of one cleaning row's
    // day: that department's day (309 rows) alone is longer than a volume.
    let mut csv = sample.clone();
    let cleaning = sample
        .lines()
        .find(|l| l.contains(",室内卫生清洁,") && l.contains(",月结,"))
        .unwrap();
    for i in 0..300 {
        csv.push_str(&cleaning.replacen("WX202611-", &format!("WX202611-8{i:04}-"), 1));
        csv.push('\n');
    }
    let input = dir.join("orders.csv");
    std::fs::write(&input, csv).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_feebook"))
        .args(["register", "--month", "2026-11", "-o"])
        .arg(dir.join("out/register.pdf"))
        .arg(&input)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // (rows, 接上册, 转下册) per volume: the days before the long one, the long
    // day in two even halves, the rest of the month.
    let expected = [
        (55, false, false),
        (155, false, true),
        (154, true, false),
        (236, false, false),
    ];
    let n = expected.len();
    assert_eq!(names.len(), n, "{names:?}");
    for (i, name) in names.iter().enumerate() {
        assert_eq!(name, &format!("register-v{:02}.pdf", i + 1));
        assert!(stdout.contains(name.as_str()), "{name} printed: {stdout}");
        let pdf = std::fs::read(dir.join("out").join(name)).unwrap();
        let text: String = pdf_extract::extract_text_from_mem(&pdf)
            .unwrap()
            .split_whitespace()
            .collect();
        assert!(
            text.contains(&format!("第{}册（共{n}册）", i + 1)),
            "{name}: {text}"
        );
        assert!(text.contains("全月合计（600笔，共4册）"), "{name}: {text}");
        let count: usize = text
            .split("本册合计（")
            .last()
            .and_then(|t| t.split('笔').next())
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("{name}: no 本册合计: {text}"));
        let got = (count, text.contains("接上册"), text.contains("转下册"));
        assert_eq!(got, expected[i], "{name}");
    }
}

/// A broken billing-notice template fails every batch alike: the error is
/// reported once, no number is taken and no notice is written.
#[test]
fn a_template_error_is_reported_once_and_issues_nothing() {
    let dir = temp("template-error");
    let tpl = dir.join("tpl/typst");
    std::fs::create_dir_all(&tpl).unwrap();
    std::fs::write(
        tpl.join("billing_notice.typ"),
        "#let data = json(\"/data.json\")\n#data.documents.at(0).no_such_field\n",
    )
    .unwrap();
    let (code, _, err) = bill(
        &dir,
        &[
            "samples/orders/2026-11.csv",
            "--month",
            "2026-11",
            "--templates",
            dir.join("tpl").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 1, "{err}");
    // Once: one diagnostic (its message, then its line shown under it).
    assert_eq!(err.matches("error[template]").count(), 1, "{err}");
    assert_eq!(
        err.matches("dictionary does not contain key \"no_such_field\"")
            .count(),
        1,
        "{err}"
    );
    assert!(err.contains("billing_notice.typ"), "{err}");
    // Nor an empty folder left behind.
    assert!(!dir.join("out").exists(), "{err}");
}

/// Orders each within the range of an amount whose month is not: refused
/// before anything is written, even with `--skip-invalid` (no row is to
/// blame alone), pointing at the largest orders of the month; an order of
/// another month does not count. The register refuses the same month.
#[test]
fn a_month_whose_total_cannot_be_written_is_refused() {
    let dir = temp("too-large");
    for skip in [false, true] {
        let mut args = vec!["tests/fixtures/orders/too-large.csv", "--month", "2026-11"];
        if skip {
            args.push("--skip-invalid");
        }
        let (code, _, err) = bill(&dir, &args, None);
        assert_eq!(code, 1, "{err}");
        assert!(!dir.join("out").exists(), "nothing written:\n{err}");
        assert!(!dir.join("journal.sqlite").exists(), "no number taken");
        for expected in [
            "error[unknown-item]",
            "error[amounts-too-large]: the orders of 2026-11 add up to ¥1,020,000,270,385.00",
            "row 5, column 数量: ¥540,000,000,020.00: the largest order, WX202611-00204",
            "row 3, column 数量: ¥480,000,000,020.00: order WX202611-00202",
            "row 7, column 数量: ¥270,000.00: order WX202611-00206",
        ] {
            assert!(err.contains(expected), "{expected} not reported:\n{err}");
        }
        assert!(
            !err.contains("WX202610-00205"),
            "another month's order:\n{err}"
        );
    }

    let csv =
        std::fs::read_to_string(format!("{ROOT}/tests/fixtures/orders/too-large.csv")).unwrap();
    let valid: String = csv
        .lines()
        .filter(|l| !l.contains("不存在的项目"))
        .map(|l| format!("{l}\n"))
        .collect();
    let orders = dir.join("valid.csv");
    std::fs::write(&orders, valid).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_feebook"))
        .args(["register", "--month", "2026-11", "-o"])
        .arg(dir.join("out/register.pdf"))
        .arg(&orders)
        .current_dir(ROOT)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!dir.join("out").exists(), "nothing written:\n{err}");
    assert!(
        err.contains("error[amounts-too-large]") && err.contains("row 5, column 数量"),
        "{err}"
    );
}

/// A notice is never dated before the work it bills: a mistyped `--date`
/// would number it in another month's series and make it due too early.
#[test]
fn notices_are_not_dated_before_the_work() {
    let dir = temp("date");
    let args = |date| {
        [
            "samples/orders/2026-11.csv",
            "--month",
            "2026-11",
            "--format",
            "json",
            "--date",
            date,
        ]
    };
    // Nor before the supervisors' check of the last order (四（二）7, 9–10):
    // the sample month's last orders were checked on 12-01.
    for date in ["2026-11-29", "2026-11-30"] {
        let (code, _, err) = bill(&dir, &args(date), None);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(&format!("--date {date} is before the work it bills"))
                && err.contains("was checked on 2026-12-01"),
            "{err}"
        );
        assert!(!dir.join("out").exists() && !dir.join("journal.sqlite").exists());
    }
    // Nor after today: a later month's series, unpayable until then.
    let tomorrow = (chrono::Local::now().date_naive() + chrono::Days::new(1)).to_string();
    let (code, _, err) = bill(&dir, &args(tomorrow.as_str()), None);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("--date {tomorrow} is after today")),
        "{err}"
    );
    assert!(!dir.join("out").exists() && !dir.join("journal.sqlite").exists());
    // The day of the last check is early enough.
    let (code, out, err) = bill(&dir, &args("2026-12-01"), None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("TZ202612-0001"), "{out}");
}

/// Work done at the month's end and checked days later (after a holiday,
/// with the delay's reason) is billed the day it is checked: by default
/// the notice is not dated before that. One overdue when sent is warned of.
#[test]
fn the_default_date_waits_for_the_last_check() {
    let dir = temp("date-check");
    let csv = dir.join("late.csv");
    std::fs::write(
        &csv,
        "单号,登记日期,客户名称,地址,服务项目,数量,服务日期,结算方式,完成日期,客户签字,核对人,核对日期,核对延误原因\n\
         WX202611-00001,2026-11-30,孙晓明,华庭大厦 12 层 1203 室,复印,10,2026-11-30,月结,2026-11-30,是,陈静,2026-12-03,主管出差\n",
    )
    .unwrap();
    let (code, out, err) = bill_november(&dir, &csv);
    assert_eq!(code, 0, "{err}");
    let notice =
        std::fs::read_to_string(dir.join("out/billing-notice-TZ202612-0001-孙晓明.json")).unwrap();
    let notice: serde_json::Value = serde_json::from_str(&notice).unwrap();
    assert_eq!(notice["header"]["date"]["iso"], "2026-12-03");
    assert_eq!(notice["due_date"]["iso"], "2026-12-18");
    assert!(out.contains("TZ202612-0001"), "{out}");
    // The notices fall due 15 days on, in 2026: long before any day this
    // test runs after 2026-12-18, and then said.
    let overdue =
        chrono::Local::now().date_naive() > chrono::NaiveDate::from_ymd_opt(2026, 12, 18).unwrap();
    assert_eq!(
        err.contains("warning: the notices dated 2026-12-03 fall due on"),
        overdue,
        "{err}"
    );
}

/// A character no font has in a customer's name is a problem of its row and
/// cell, found as the month is read: reported there, and set aside with
/// `--skip-invalid` while the rest is billed (before, it stopped the whole
/// month at the notice's layout, naming no row). `register` says the same.
#[test]
fn a_character_no_font_has_is_a_problem_of_its_row() {
    let dir = temp("glyph");
    let csv = std::fs::read_to_string(format!("{ROOT}/samples/orders/2026-11.csv")).unwrap();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    // Three 月结 orders of three customers, the second renamed 冯𠮷.
    let rows: Vec<String> = lines
        .filter(|l| l.contains(",月结,"))
        .take(3)
        .enumerate()
        .map(|(i, l)| {
            let mut cells: Vec<&str> = l.split(',').collect();
            if i == 1 {
                cells[2] = "冯𠮷";
            }
            cells.join(",")
        })
        .collect();
    let orders = dir.join("m.csv");
    std::fs::write(&orders, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
    let m = orders.to_str().unwrap();

    let (code, _, err) = bill(&dir, &[m, "--month", "2026-11"], None);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("character 𠮷 (U+20BB7) in the customer (冯𠮷) is in no font")
            && err.contains("m.csv, row 3, column 客户名称"),
        "{err}"
    );
    assert!(!dir.join("out").exists());

    let (code, out, err) = bill(&dir, &[m, "--month", "2026-11", "--skip-invalid"], None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2 billing notices"), "{out}");
    let rejected = std::fs::read_to_string(dir.join("out/rejected-2026-11.csv")).unwrap();
    assert!(rejected.contains(",3,客户名称,character 𠮷"), "{rejected}");

    let out = Command::new(env!("CARGO_BIN_EXE_feebook"))
        .args(["register", "--month", "2026-11", "-o"])
        .arg(dir.join("register.pdf"))
        .arg(&orders)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("m.csv, row 3, column 客户名称"), "{err}");
}

/// Runs `feebook` with the bill test's journal and output folder.
fn feebook_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_feebook"))
        .args(args)
        .arg("--journal")
        .arg(dir.join("journal.sqlite"))
        .current_dir(ROOT)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_billing_notice_is_receipted_once_and_in_full() {
    let dir = temp("receipt-notice");
    let (code, _, err) = bill(&dir, &SAMPLE_MONTH_JSON, None);
    assert_eq!(code, 0, "{err}");
    let sample =
        std::fs::read_to_string(format!("{ROOT}/samples/payments/monthly-1203.yaml")).unwrap();
    let receipt = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let out = dir.join(format!("{name}.json"));
        let (code, _, err) = feebook_in(
            &dir,
            &[
                "receipt",
                path.to_str().unwrap(),
                "--format",
                "json",
                "-o",
                out.to_str().unwrap(),
            ],
        );
        (code, err, out)
    };
    let refused = |name: &str, text: &str, codes: &[&str]| {
        let (code, err, out) = receipt(name, text);
        assert_eq!(code, 1, "{name} was not refused: {err}");
        for c in codes {
            assert!(err.contains(&format!("[{c}]")), "{name}: no {c} in\n{err}");
        }
        assert!(!out.exists(), "{name}: a refused receipt was written");
    };

    // Each mistake is refused before a number is taken.
    // The notice named as a counter payment's work order: it would be paid
    // twice, once as a notice and once at the counter.
    let counter = "date: 2026-12-02\npayer: 张文博\nitems:\n  - {description: 11月特约服务费, reference: TZ202612-0016, amount: \"361.50\"}\namount: \"361.50\"\nmethod: cash\nchannel: finance_counter\nreceived_by: finance\nsettlement: immediate\n";
    refused("counter-notice.yaml", counter, &["not-a-work-order"]);
    // Paid through a channel it did not come through, or taken by whoever
    // does not take that channel's money.
    refused(
        "cash-by-bank.yaml",
        &sample.replace("method: bank_transfer", "method: cash"),
        &["method-not-channel"],
    );
    refused(
        "wrong-receiver.yaml",
        &sample.replace("received_by: finance", "received_by: service_center"),
        &["receiver-not-channel"],
    );
    refused(
        "partial.yaml",
        &sample
            .replace(r#"amount: "216.00"}"#, r#"amount: "200.00"}"#)
            .replace(r#"amount: "361.50""#, r#"amount: "345.50""#),
        &["amount-not-billed"],
    );
    // Money is not received ahead of time.
    let tomorrow = chrono::Local::now().date_naive() + chrono::Days::new(1);
    refused(
        "tomorrow.yaml",
        &sample.replace("date: 2026-12-02", &format!("date: {tomorrow}")),
        &["date-out-of-range"],
    );
    // The right total, split unlike the notice.
    refused(
        "swapped.yaml",
        &sample
            .replace(r#"amount: "216.00"}"#, r#"amount: "X"}"#)
            .replace(r#"amount: "145.50"}"#, r#"amount: "216.00"}"#)
            .replace(r#"amount: "X"}"#, r#"amount: "145.50"}"#),
        &["line-not-billed"],
    );
    refused(
        "unknown.yaml",
        &sample.replace("TZ202612-0016", "TZ202612-0916"),
        &["unknown-billing-notice"],
    );
    refused(
        "other-orders.yaml",
        &sample.replace("WX202611-00139", "WX202611-00140"),
        &["not-on-notice"],
    );
    refused(
        "no-notice.yaml",
        &sample.replace("billing_notice: TZ202612-0016\n", ""),
        &["missing-billing-notice"],
    );
    refused(
        "immediate.yaml",
        &sample.replace("settlement: monthly", "settlement: 即时结算"),
        &["notice-not-immediate"],
    );
    refused(
        "twice-in-one.yaml",
        &sample.replace("WX202611-00198", "WX202611-00139"),
        &["duplicate-reference"],
    );
    refused(
        "early.yaml",
        &sample.replace("date: 2026-12-02", "date: 2026-11-30"),
        &["paid-before-notice"],
    );

    refused(
        "at-the-counter.yaml",
        &sample
            .replace("billing_notice: TZ202612-0016\n", "")
            .replace("settlement: monthly", "settlement: immediate"),
        &["billed-on-notice"],
    );

    // `police` checks a payment against the journal as `receipt` would,
    // issuing nothing.
    let police = |name: &str| feebook_in(&dir, &["police", dir.join(name).to_str().unwrap()]);
    let (code, _, err) = police("partial.yaml");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("[amount-not-billed]"), "{err}");
    std::fs::write(dir.join("sample.yaml"), &sample).unwrap();
    let (code, out, err) = police("sample.yaml");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("no problems"), "{out}");
    assert!(out.contains("payments also against the journal"), "{out}");

    // The notice paid in full, by its customer: issued, stamped 已交费.
    let (code, err, out) = receipt(
        "paid.yaml",
        &sample.replace("settlement: monthly", "settlement: 月结"),
    );
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(doc["stamp"], "已交费");
    assert_eq!(doc["billing_notice"], "TZ202612-0016");
    let first = doc["header"]["number"].as_str().unwrap().to_string();

    // Paid again: refused, naming the receipt that paid it; a preview of
    // it too (it could not be issued), recording nothing.
    refused("again.yaml", &sample, &["already-paid"]);
    let preview = dir.join("preview.json");
    let (code, _, err) = feebook_in(
        &dir,
        &[
            "receipt",
            dir.join("again.yaml").to_str().unwrap(),
            "--preview",
            "--format",
            "json",
            "-o",
            preview.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("[already-paid]") && !preview.exists(), "{err}");
    let (code, _, err) = police("sample.yaml");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("[already-paid]"), "{err}");
    let (_, err, _) = receipt("again2.yaml", &sample);
    assert!(err.contains(&first), "{err}");
    // …and one of its orders on another payment is refused too.
    refused(
        "order-again.yaml",
        &sample
            .replace("billing_notice: TZ202612-0016\n", "")
            .replace("settlement: monthly", "settlement: immediate"),
        &["already-receipted"],
    );

    // Someone else paying is allowed, with a warning; a voided receipt no
    // longer counts.
    let (code, _, err) = feebook_in(
        &dir,
        &[
            "void",
            &first,
            "--reason",
            "开错收据",
            "--date",
            "2026-12-02",
            "-o",
            dir.join("void.pdf").to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, err, _) = receipt(
        "other-payer.yaml",
        &sample.replace("payer: 张文博", "payer: 张文博之子"),
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("[payer-not-billed]"), "{err}");
}

/// A 月结 order that was paid at the counter (a receipt lists it) is not
/// billed again: the customer would pay twice.
#[test]
fn an_order_already_paid_on_a_receipt_is_not_billed() {
    let dir = temp("paid-not-billed");
    let payment = dir.join("p.yaml");
    std::fs::write(
        &payment,
        "date: 2026-11-20\npayer: 张文博\nitems:\n  - {description: 复印 291 张, reference: WX202611-00139, amount: \"145.50\"}\namount: \"145.50\"\nmethod: cash\nchannel: finance_counter\nreceived_by: finance\nsettlement: immediate\n",
    )
    .unwrap();
    let out = dir.join("receipt.json");
    let (code, _, err) = feebook_in(
        &dir,
        &[
            "receipt",
            payment.to_str().unwrap(),
            "--format",
            "json",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = bill(&dir, &SAMPLE_MONTH_JSON, None);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("WX202611-00139 was already paid at the counter on receipt SJ2026-000001"),
        "{err}"
    );
    assert!(!dir.join("out").exists(), "nothing written");
}

/// One number names one work order: a row billing a number `feebook
/// order` issued to another customer is refused, and `order` does not issue
/// a number a billing notice already bills (a hand-numbered paper form).
/// The sample rules keep the two series apart (TY…, WX…); these rules
/// number issued work orders in the paper forms' series, as a company may.
#[test]
fn a_work_order_number_names_one_order() {
    let dir = temp("one-number");
    let rules = shared_series_rules(&dir);
    let rules = rules.to_str().unwrap();
    let month = [SAMPLE_MONTH_JSON.as_slice(), &["--rules", rules]].concat();
    let out = dir.join("wo.json");
    let out = out.to_str().unwrap();
    let order = "samples/orders/indoor-cleaning-1203.yaml";
    let (code, _, err) = feebook_in(
        &dir,
        &[
            "order", order, "--format", "json", "-o", out, "--rules", rules,
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = bill(&dir, &month, None);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("WX202611-00001 was issued by `feebook order` to 孙晓明 (2026-11-19); this row bills it to 冯丽"),
        "{err}"
    );
    assert!(!dir.join("out").exists(), "nothing written");
    // Paid at the counter, the row is on no notice, but in the register
    // and the summary: held to the order issued all the same.
    let sample = std::fs::read_to_string(format!("{ROOT}/samples/orders/2026-11.csv")).unwrap();
    let row = sample
        .lines()
        .find(|l| l.starts_with("WX202611-00001,"))
        .unwrap();
    assert!(row.contains(",月结,"), "{row}");
    let counter = dir.join("counter.csv");
    std::fs::write(
        &counter,
        sample.replace(row, &row.replace(",月结,", ",即时结算,")),
    )
    .unwrap();
    let (code, _, err) = bill(
        &dir,
        &[
            counter.to_str().unwrap(),
            "--month",
            "2026-11",
            "--format",
            "json",
            "--rules",
            rules,
        ],
        None,
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("WX202611-00001 was issued by `feebook order` to 孙晓明 (2026-11-19); this row bills it to 冯丽"),
        "{err}"
    );
    assert!(!dir.join("out").exists(), "nothing written");

    let dir = temp("one-number-billed");
    let rules = shared_series_rules(&dir);
    let rules = rules.to_str().unwrap();
    let month = [SAMPLE_MONTH_JSON.as_slice(), &["--rules", rules]].concat();
    let (code, _, err) = bill(&dir, &month, None);
    assert_eq!(code, 0, "{err}");
    let out = dir.join("wo.json");
    let (code, _, err) = feebook_in(
        &dir,
        &[
            "order",
            order,
            "--format",
            "json",
            "-o",
            out.to_str().unwrap(),
            "--rules",
            rules,
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error[number-taken]: the next number of the series, WX202611-00001, is already used: billing notice TZ"),
        "{err}"
    );
    assert!(!out.exists());
}

/// The sample rules, with issued work orders numbered WX… as the sample
/// month's paper forms are.
fn shared_series_rules(dir: &Path) -> PathBuf {
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    for f in std::fs::read_dir(Path::new(ROOT).join("rules")).unwrap() {
        let f = f.unwrap().path();
        let text = std::fs::read_to_string(&f).unwrap();
        let text = text.replace("numbering: TY{year}", "numbering: WX{year}");
        std::fs::write(rules.join(f.file_name().unwrap()), text).unwrap();
    }
    rules
}

/// A payment at the counter is checked against the work orders the
/// journal issued: the amount, 即时结算, not voided; a number never issued
/// is a warning.
#[test]
fn a_counter_payment_pays_its_work_order() {
    let dir = temp("counter");
    let order = |yaml: &str, out: &str| {
        let out = dir.join(out);
        feebook_in(
            &dir,
            &[
                "order",
                yaml,
                "--format",
                "json",
                "-o",
                out.to_str().unwrap(),
            ],
        )
    };
    assert_eq!(order("samples/orders/paid-repair-802.yaml", "o1.json").0, 0);
    assert_eq!(
        order("samples/orders/indoor-cleaning-1203.yaml", "o2.json").0,
        0
    );
    let sample =
        std::fs::read_to_string(format!("{ROOT}/samples/payments/immediate-repair-802.yaml"))
            .unwrap();
    let receipt = |name: &str, text: String| {
        let p = dir.join(format!("{name}.yaml"));
        std::fs::write(&p, text).unwrap();
        let out = dir.join(format!("{name}.json"));
        feebook_in(
            &dir,
            &[
                "receipt",
                p.to_str().unwrap(),
                "--format",
                "json",
                "-o",
                out.to_str().unwrap(),
            ],
        )
    };
    let (code, _, err) = receipt("short", sample.replace("\"148.00\"", "\"140.00\""));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(
            "error[line-not-ordered]: work order TY202611-00001 is for ¥148.00, not ¥140.00"
        ),
        "{err}"
    );
    let (code, _, err) = receipt(
        "monthly",
        sample.replace("TY202611-00001", "TY202611-00002"),
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error[not-immediate]: work order TY202611-00002 is settled 月结"),
        "{err}"
    );
    let (code, _, err) = receipt("paper", sample.replace("TY202611-00001", "WX202611-00777"));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("warning[unknown-work-order]"), "{err}");
    let voided = dir.join("voided.json");
    let (code, _, err) = feebook_in(
        &dir,
        &[
            "void",
            "TY202611-00001",
            "--reason",
            "重复登记",
            "-o",
            voided.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = receipt("void", sample.clone());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error[order-void]: work order TY202611-00001 was voided on"),
        "{err}"
    );
}

/// What a month-end workbook looks like: the month on two sheets with a
/// 说明 sheet first, a header with its unit (材料费（元）), a column feebook
/// has no field for. Every order is billed once and the total is the CSV's;
/// the extra column and the 说明 sheet are said not to be read.
#[test]
fn a_workbook_of_several_sheets_is_billed_whole() {
    use rust_xlsxwriter::Workbook;
    let dir = temp("sheets");
    let sample = std::fs::read_to_string(format!("{ROOT}/samples/orders/2026-11.csv")).unwrap();
    let sample = sample.trim_start_matches('\u{feff}');
    let mut lines = sample.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .replace("材料费", "材料费（元）")
        .split(',')
        .map(str::to_string)
        .chain(["经办人电话".to_string()])
        .collect();
    let rows: Vec<Vec<String>> = lines
        .map(|l| {
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(l.as_bytes());
            r.records()
                .next()
                .unwrap()
                .unwrap()
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect();
    let mut workbook = Workbook::new();
    let notes = workbook.add_worksheet();
    notes.set_name("说明").unwrap();
    notes
        .write_string(0, 0, "本表按月汇总特约服务工单，单号见工单第二联")
        .unwrap();
    let half = rows.len() / 2;
    for (name, part) in [("上半月", &rows[..half]), ("下半月", &rows[half..])] {
        let sheet = workbook.add_worksheet();
        sheet.set_name(name).unwrap();
        for (c, h) in header.iter().enumerate() {
            sheet.write_string(0, c as u16, h).unwrap();
        }
        for (r, row) in part.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    sheet.write_string(r as u32 + 1, c as u16, v).unwrap();
                }
            }
        }
    }
    let xlsx = dir.join("month.xlsx");
    workbook.save(&xlsx).unwrap();
    let (code, _, err) = bill_november(&dir, &xlsx);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning[column-not-read]: `经办人电话` is not read"),
        "{err}"
    );
    assert!(
        err.contains("warning[sheet-not-read]: sheet `说明` is not read"),
        "{err}"
    );
    let other = temp("sheets-csv");
    let (code, _, err) = bill(&other, &SAMPLE_MONTH_JSON, None);
    assert_eq!(code, 0, "{err}");
    let (a, b) = (summary(&dir), summary(&other));
    assert!(a["total"].is_string(), "{a}");
    assert_eq!(a["total"], b["total"]);
    assert_eq!(a["orders"], b["orders"]);
}

/// A document something still stands on is not voided alone: the receipt
/// that paid a work order is voided first. A void is not dated after
/// today, nor before its document.
#[test]
fn a_paid_work_order_is_voided_after_its_receipt() {
    let dir = temp("void-paid");
    let out = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let (code, _, err) = feebook_in(
        &dir,
        &[
            "order",
            "samples/orders/paid-repair-802.yaml",
            "--format",
            "json",
            "-o",
            &out("o.json"),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = feebook_in(
        &dir,
        &[
            "receipt",
            "samples/payments/immediate-repair-802.yaml",
            "--format",
            "json",
            "-o",
            &out("r.json"),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let void = |number: &str, date: Option<&str>| {
        let mut args = vec!["void", number, "--reason", "登记错误", "-o", "OUT"];
        let o = out(&format!("void-{number}.json"));
        args[5] = &o;
        if let Some(d) = date {
            args.extend(["--date", d]);
        }
        feebook_in(&dir, &args)
    };
    let (code, _, err) = void("TY202611-00001", None);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("TY202611-00001 is paid on receipt SJ2026-000001")
            && err.contains("void SJ2026-000001 first"),
        "{err}"
    );
    let (code, _, err) = void("SJ2026-000001", Some("2099-01-01"));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is after today"), "{err}");
    let (code, _, err) = void("SJ2026-000001", Some("2026-11-01"));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("is before the document's date 2026-11-24"),
        "{err}"
    );
    assert_eq!(void("sj2026-000001", None).0, 0, "the number as typed");
    let (code, _, err) = void("TY202611-00001", None);
    assert_eq!(code, 0, "{err}");
}

/// A notice is due on a working day: 15 days after Saturday 2026-12-05 is
/// a Sunday, so it is due the Monday after; from 2026-12-01 it is the
/// Wednesday, 12-16, as counted. (`bill` dates no notice after today, so
/// the Saturday is counted by `batch::due_date`, which the notice uses.)
#[test]
fn a_notice_falls_due_on_a_working_day() {
    let rules = feebook::rules::load_embedded().rules.unwrap();
    let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
    assert_eq!(
        feebook::batch::due_date(&rules, day("2026-12-05")),
        Some(day("2026-12-21"))
    );
    let dir = temp("due-2026-12-01");
    let mut args = SAMPLE_MONTH_JSON.to_vec();
    args.extend(["--date", "2026-12-01"]);
    let (code, _, err) = bill(&dir, &args, None);
    assert_eq!(code, 0, "{err}");
    let notice = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .flatten()
        .find(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("billing-notice-")
        })
        .unwrap();
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(notice.path()).unwrap()).unwrap();
    assert_eq!(doc["due_date"]["iso"], "2026-12-16");
}

/// `reissue -o x.pdf` writes a PDF, whatever the document was issued as;
/// a --format that the name contradicts is refused.
#[test]
fn a_reissue_is_written_as_its_file_name_says() {
    let dir = temp("reissue-ext");
    let (code, _, err) = bill(&dir, &SAMPLE_MONTH_JSON, None);
    assert_eq!(code, 0, "{err}");
    let pdf = dir.join("again.pdf");
    let (code, _, err) = feebook_in(
        &dir,
        &["reissue", "tz202612-0001", "-o", pdf.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    let (code, _, err) = feebook_in(
        &dir,
        &[
            "reissue",
            "TZ202612-0001",
            "--format",
            "md",
            "-o",
            pdf.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--format md but -o names a .pdf file"),
        "{err}"
    );
    // A void is written as its file name says too (it wrote the JSON the
    // notice was issued as into void.pdf).
    let void = dir.join("void.pdf");
    let (code, _, err) = feebook_in(
        &dir,
        &[
            "void",
            "TZ202612-0002",
            "--reason",
            "客户名称有误",
            "-o",
            void.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read(&void).unwrap().starts_with(b"%PDF"));
}

/// An order without an address is a bad row: a customer is a name and an
/// address, and the notice is addressed there.
#[test]
fn an_order_without_an_address_is_refused() {
    let dir = temp("no-address");
    let sample = std::fs::read_to_string(format!("{ROOT}/samples/orders/2026-11.csv")).unwrap();
    let csv = dir.join("orders.csv");
    std::fs::write(
        &csv,
        sample.replacen(",冯丽,华庭大厦 20 层 2003 室,", ",冯丽,,", 1),
    )
    .unwrap();
    let (code, _, err) = bill_november(&dir, &csv);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error[missing-value]: no address (地址)"),
        "{err}"
    );
    assert!(err.contains("row 2, column 地址"), "{err}");
    // With the customer left empty too, both are said at once: a row is
    // corrected in one go.
    std::fs::write(
        &csv,
        sample.replacen(",冯丽,华庭大厦 20 层 2003 室,", ",,,", 1),
    )
    .unwrap();
    let (code, _, err) = bill_november(&dir, &csv);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no customer (客户名称)"), "{err}");
    assert!(err.contains("no address (地址)"), "{err}");
}

/// One order number however a spreadsheet writes it: Excel's text guard
/// `="…"`, lower case, full-width letters, a full-width dash. A copy of an
/// order written another way is a duplicate, not a second order billed.
#[test]
fn an_order_number_written_another_way_is_the_same_order() {
    let dir = temp("number-variants");
    let sample = std::fs::read_to_string(format!("{ROOT}/samples/orders/2026-11.csv")).unwrap();
    let mut lines: Vec<String> = sample.lines().map(str::to_string).collect();
    // The first order guarded as text: billed under its plain number.
    lines[1] = lines[1].replacen("WX202611-00001", "=\"WX202611-00001\"", 1);
    let row = |n: &'static str| {
        sample
            .lines()
            .find(|l| l.starts_with(n))
            .unwrap()
            .to_string()
    };
    for (number, written) in [
        ("WX202611-00011", "wx202611-00011"),
        ("WX202611-00012", "ＷＸ202611-00012"),
        ("WX202611-00019", "WX202611－00019"),
    ] {
        lines.push(row(number).replacen(number, written, 1));
    }
    let csv = dir.join("orders.csv");
    std::fs::write(&csv, lines.join("\n") + "\n").unwrap();
    let csv = csv.to_str().unwrap();
    let (code, _, err) = bill(&dir, &[csv, "--month", "2026-11", "--format", "json"], None);
    assert_eq!(code, 1, "{err}");
    for number in ["WX202611-00011", "WX202611-00012", "WX202611-00019"] {
        assert!(
            err.contains(&format!("order number {number} appears again")),
            "{number}: {err}"
        );
    }
    let (code, _, err) = bill(
        &dir,
        &[
            csv,
            "--month",
            "2026-11",
            "--format",
            "json",
            "--skip-invalid",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let sum = summary(&dir);
    let whole = {
        let other = temp("number-variants-plain");
        let (code, _, err) = bill(&other, &SAMPLE_MONTH_JSON, None);
        assert_eq!(code, 0, "{err}");
        summary(&other)
    };
    assert!(sum["total"].is_string(), "{sum}");
    assert_eq!(sum["total"], whole["total"], "the same month, billed once");
    let notices = std::fs::read_dir(dir.join("out")).unwrap();
    let text: String = notices
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("billing-notice")
        })
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    assert!(text.contains("\"WX202611-00001\""), "the number unguarded");
    assert!(!text.contains("=\\\"WX"), "no guard printed");
}

/// A YAML list of orders reports every order that does not read, each at
/// its place, not only the first.
#[test]
fn every_unreadable_order_of_a_yaml_list_is_reported() {
    let dir = temp("yaml-orders");
    let sample =
        std::fs::read_to_string(format!("{ROOT}/samples/orders/indoor-cleaning-1203.yaml"))
            .unwrap();
    let order = |edit: &dyn Fn(&str) -> String| -> String {
        let body: String = sample
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(|l| format!("{}\n", edit(l)))
            .collect();
        // `- ` before the first key, the rest indented under it.
        let mut item = String::new();
        for (i, l) in body.lines().enumerate() {
            item.push_str(if i == 0 { "  - " } else { "    " });
            item.push_str(l);
            item.push('\n');
        }
        item
    };
    let text = format!(
        "orders:\n{}{}{}",
        order(&|l| l.replace("quantity: 85", "quantity: 八十五")),
        order(&|l| l.to_string()),
        order(&|l| l.replace("staff:", "staf:")),
    );
    let path = dir.join("orders.yaml");
    std::fs::write(&path, &text).unwrap();
    let (code, _, err) = bill(&dir, &[path.to_str().unwrap(), "--month", "2026-11"], None);
    assert_eq!(code, 1, "{err}");
    let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    assert!(
        err.contains(&format!("orders.yaml:{}:", line_of("八十五"))),
        "{err}"
    );
    assert!(
        err.contains(&format!("orders.yaml:{}:", line_of("staf:"))),
        "{err}"
    );
    assert!(err.contains("unknown field `staf`"), "{err}");
    assert!(!dir.join("out").exists(), "nothing is written");
}

/// Two runs billing the same month at once, on one journal: they render
/// side by side (neither holds the journal while rendering), and the one
/// that records second finds the orders billed and issues nothing. The
/// month is billed once, numbers 1 to 73, without a gap.
#[test]
fn two_runs_billing_one_month_at_once_bill_it_once() {
    let dir = temp("two-runs");
    let journal = dir.join("journal.sqlite");
    let spawn = |out: &str| {
        Command::new(env!("CARGO_BIN_EXE_feebook"))
            .args(["bill", "samples/orders/2026-11.csv", "--month", "2026-11"])
            .arg("--journal")
            .arg(&journal)
            .arg("-o")
            .arg(dir.join(out))
            .current_dir(ROOT)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let runs = [spawn("a"), spawn("b")];
    let outs: Vec<_> = runs
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let codes: Vec<_> = outs.iter().map(|o| o.status.code()).collect();
    let errs: Vec<_> = outs
        .iter()
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .collect();
    assert!(
        codes.contains(&Some(0)) && codes.contains(&Some(1)),
        "{codes:?}\n{}",
        errs.join("\n")
    );
    let refused = &errs[codes.iter().position(|c| *c == Some(1)).unwrap()];
    assert!(refused.contains("already billed"), "{refused}");
    let listed = Command::new(env!("CARGO_BIN_EXE_feebook"))
        .args(["journal", "--format", "json", "--journal"])
        .arg(&journal)
        .output()
        .unwrap();
    let j: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let text = j.to_string();
    assert!(text.contains("TZ202612-0073"), "{text}");
    assert!(!text.contains("TZ202612-0074"), "{text}");
    // The refused run leaves none of its files behind.
    let leftovers = ["a", "b"]
        .iter()
        .filter_map(|d| std::fs::read_dir(dir.join(d)).ok())
        .flatten()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".tmp")
        })
        .count();
    assert_eq!(leftovers, 0);
    // Nor its folder, left empty.
    let refused_out = ["a", "b"][codes.iter().position(|c| *c == Some(1)).unwrap()];
    assert!(!dir.join(refused_out).exists(), "{refused}");
}

/// `FEEBOOK_TIMINGS` (for benchmarks) reports each phase with its wall and
/// CPU time; without it, nothing of the kind is printed.
#[test]
fn timings_are_printed_when_asked_for() {
    let dir = temp("timings");
    let run = |timings: bool, out: &str| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_feebook"));
        c.args(["bill", "samples/orders/2026-11.csv", "--month", "2026-11"])
            .args(["--format", "json", "--journal"])
            .arg(dir.join(format!("{out}.sqlite")))
            .arg("-o")
            .arg(dir.join(out))
            .current_dir(ROOT);
        if timings {
            c.env("FEEBOOK_TIMINGS", "1");
        }
        let o = c.output().unwrap();
        assert_eq!(o.status.code(), Some(0));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let err = run(true, "with");
    assert!(err.contains("timing: 73 notices issued: "), "{err}");
    assert!(err.contains(" s of CPU)"), "{err}");
    assert!(!run(false, "without").contains("timing:"));
}

/// `feebook journal` lines its amounts up, printed as documents print them
/// (`¥1,044.00`), whatever the names.
#[test]
fn the_journal_listing_lines_up_its_amounts() {
    let dir = temp("journal-text");
    let (code, _, err) = bill(&dir, &SAMPLE_MONTH_JSON, None);
    assert_eq!(code, 0, "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_feebook"))
        .args(["journal", "--journal"])
        .arg(dir.join("journal.sqlite"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let ends: std::collections::BTreeSet<usize> = text
        .lines()
        .filter(|l| l.starts_with("  TZ") && !l.contains(" … "))
        .map(|l| {
            let start = l.find('¥').unwrap();
            let end = start + l[start..].find("  ").unwrap();
            unicode_width::UnicodeWidthStr::width(&l[..end])
        })
        .collect();
    assert_eq!(ends.len(), 1, "{text}");
    assert!(text.contains("¥1,044.00"), "{text}");

    // `--month` is the documents' date: November's notices are dated in
    // December, and November's listing says where they are.
    let month = |m: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_feebook"))
            .args(["journal", "--month", m, "--journal"])
            .arg(dir.join("journal.sqlite"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let november = month("2026-11");
    assert!(
        november.contains("documents dated 2026-11")
            && november.contains("nothing issued")
            && november.contains(
                "(the billing notices of 2026-11 are dated in the month after: --month 2026-12)"
            ),
        "{november}"
    );
    let december = month("2026-12");
    assert!(december.contains("TZ202612-0073"), "{december}");
    assert!(!december.contains("the month after"), "{december}");
}

/// `--skip-invalid` sets aside the bad rows and only them: a row with cells
/// beside the table, an order of a YAML list that does not read, an order
/// without a number. A file that does not read as a table (a quote left
/// open, which swallows the rows after it) fails the run whatever the
/// flag, and a file that is not there is an I/O error (exit 2).
#[test]
fn skip_invalid_sets_aside_bad_rows_not_whole_files() {
    let dir = temp("skip-rows");
    let sample = std::fs::read_to_string(format!("{ROOT}/samples/orders/2026-11.csv")).unwrap();
    let lines: Vec<&str> = sample.lines().collect();
    // The header, one row with two extra cells, and three good rows.
    let csv = format!(
        "{}\n{},x,y\n{}\n{}\n{}\n",
        lines[0], lines[1], lines[2], lines[3], lines[4]
    );
    let csv_path = dir.join("orders.csv");
    std::fs::write(&csv_path, &csv).unwrap();
    let order = std::fs::read_to_string(format!("{ROOT}/samples/orders/indoor-cleaning-1203.yaml"))
        .unwrap();
    let item = |number: Option<&str>, edit: &dyn Fn(&str) -> String| -> String {
        let mut out = String::new();
        if let Some(n) = number {
            out.push_str(&format!("  - number: {n}\n"));
        }
        for (i, l) in order
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .enumerate()
        {
            out.push_str(if i == 0 && number.is_none() {
                "  - "
            } else {
                "    "
            });
            out.push_str(&edit(l));
            out.push('\n');
        }
        out
    };
    let yaml = format!(
        "orders:\n{}{}{}",
        item(Some("WX202611-90001"), &|l| l
            .replace("quantity: 85", "quantity: 八十五")),
        item(Some("WX202611-90002"), &|l| l.to_string()),
        item(None, &|l| l.to_string()),
    );
    let yaml_path = dir.join("orders.yaml");
    std::fs::write(&yaml_path, &yaml).unwrap();
    let (code, out, err) = bill(
        &dir,
        &[
            csv_path.to_str().unwrap(),
            yaml_path.to_str().unwrap(),
            "--month",
            "2026-11",
            "--format",
            "json",
            "--skip-invalid",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("this row has 18 cells but the header has 16 columns"),
        "{err}"
    );
    assert!(err.contains("error[no-number]"), "{err}");
    assert!(err.contains("3 rows skipped"), "{err}");
    // Three CSV rows and the one good YAML order are billed.
    assert!(out.contains("2026-11: 4 orders"), "{out}");
    let rejected = std::fs::read_to_string(dir.join("out/rejected-2026-11.csv")).unwrap();
    let line_of = |needle: &str| yaml.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let csv_name = csv_path.display().to_string();
    let yaml_name = yaml_path.display().to_string();
    assert!(rejected.contains(&format!("{csv_name},2,,")), "{rejected}");
    // The row with cells beside the table, as written under the headers
    // (the extra cells have no header to go under), to correct.
    let row2 = rejected
        .lines()
        .find(|l| l.contains(&format!("{csv_name},2,,")))
        .unwrap();
    let written: Vec<&str> = lines[1].split(',').collect();
    assert!(
        row2.ends_with(&written.join(",")),
        "the row as written:\n{row2}\n{}",
        lines[1]
    );
    assert!(
        rejected.contains(&format!("{yaml_name},{},", line_of("八十五"))),
        "{rejected}"
    );
    assert_eq!(rejected.lines().count(), 4, "{rejected}");

    // The CSV alone, rows set aside.
    let skipping = |dir: &Path| {
        bill(
            dir,
            &[
                csv_path.to_str().unwrap(),
                "--month",
                "2026-11",
                "--skip-invalid",
            ],
            None,
        )
    };

    // A quote left open: the file, not a row.
    let dir = temp("skip-open-quote");
    let open = csv.replacen(",华庭", ",\"华庭", 1);
    assert_ne!(open, csv, "the sample's addresses start with 华庭");
    std::fs::write(&csv_path, &open).unwrap();
    let (code, _, err) = skipping(&dir);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("a quote `\"` is not closed"), "{err}");
    assert!(
        err.contains("sets aside bad rows, not whole files"),
        "{err}"
    );
    assert!(!dir.join("out").exists(), "nothing is written");

    // A column the policies read, missing: the file, not every row.
    let unsigned = csv.replacen("客户签字", "客户意见", 1);
    std::fs::write(&csv_path, &unsigned).unwrap();
    let (code, _, err) = skipping(&dir);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("the file has no column for `customer_signed` (客户签字, 客户确认, 签字), which policy `monthly-needs-signature` checks"),
        "{err}"
    );
    assert_eq!(err.matches("error[").count(), 1, "{err}");

    // A file that is not there.
    let (code, _, err) = bill(
        &dir,
        &["no-such-orders.csv", "--month", "2026-11", "--skip-invalid"],
        None,
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot read `no-such-orders.csv`"), "{err}");
}

/// `feebook bill … | head -1`: the pipe closes after the first line, and
/// the run still writes every file before it stops, so that the month is
/// not left recorded without its register and summary.
#[test]
fn a_closed_output_pipe_does_not_stop_the_run_halfway() {
    // The sample month with a column nothing reads and a row given twice:
    // warnings on standard error before, between and after the files
    // (`feebook bill … --skip-invalid 2>&1 | head -1`).
    let sample = std::fs::read_to_string(format!("{ROOT}/samples/orders/2026-11.csv")).unwrap();
    let mut lines: Vec<String> = sample.lines().map(|l| format!("{l},")).collect();
    lines[0] = format!("{}材料杂费", lines[0]);
    lines.push(lines[1].clone());
    for closed_stderr in [false, true] {
        let dir = temp(&format!("closed-pipe-{closed_stderr}"));
        let csv = dir.join("2026-11.csv");
        std::fs::write(&csv, lines.join("\n")).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_feebook"))
            .arg("bill")
            .arg(&csv)
            .args(["--month", "2026-11", "--format", "json", "--skip-invalid"])
            .arg("--journal")
            .arg(dir.join("journal.sqlite"))
            .arg("-o")
            .arg(dir.join("out"))
            .current_dir(ROOT)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Closed before the run writes a line.
        drop(child.stdout.take());
        if closed_stderr {
            drop(child.stderr.take());
        }
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(0),
            "stderr closed: {closed_stderr}: {err}"
        );
        if !closed_stderr {
            assert!(err.contains("1 row skipped"), "{err}");
        }
        let names: Vec<String> = files(&dir.join("out"))
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(
            names
                .iter()
                .filter(|n| n.starts_with("billing-notice-"))
                .count(),
            73
        );
        for name in [
            "register-2026-11.json",
            "summary-2026-11.json",
            "rejected-2026-11.csv",
        ] {
            assert!(names.iter().any(|n| n == name), "{name} missing: {names:?}");
        }
        assert!(
            !names.iter().any(|n| n.ends_with(".tmp")),
            "no temporary file left: {names:?}"
        );
    }
}

/// Billing a month again (orders corrected after a void) does not replace
/// the first run's register and summary: a folder given that holds them is
/// refused, and the default folder is the next free one.
#[test]
fn a_second_run_of_a_month_does_not_replace_the_first_ones_files() {
    let dir = temp("second-run");
    let (code, _, err) = bill(&dir, &SAMPLE_MONTH_JSON, None);
    assert_eq!(code, 0, "{err}");
    let before = files(&dir.join("out"));
    let (code, _, err) = bill(&dir, &SAMPLE_MONTH_JSON, None);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("holds the files of an earlier run of 2026-11 (summary-2026-11.json)"),
        "{err}"
    );
    assert_eq!(files(&dir.join("out")), before, "nothing was replaced");

    // Without -o: output/bill-2026-11, then output/bill-2026-11-2.
    let cwd = temp("second-run-default");
    let run = |orders: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_feebook"))
            .arg("bill")
            .arg(orders)
            .args(["--month", "2026-11", "--format", "json"])
            .current_dir(&cwd)
            .output()
            .unwrap();
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    let month = PathBuf::from(format!("{ROOT}/samples/orders/2026-11.csv"));
    let first = run(&month);
    assert!(
        first.contains("output/bill-2026-11: 73 billing notices"),
        "{first}"
    );
    // Void one notice and bill its orders again: a second folder.
    let (_, notice) = files(&cwd.join("output/bill-2026-11"))
        .into_iter()
        .find(|(n, _)| n.starts_with("billing-notice-TZ202612-0001-"))
        .unwrap();
    let notice: serde_json::Value = serde_json::from_slice(&notice).unwrap();
    let numbers: Vec<&str> = notice["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["number"].as_str().unwrap())
        .collect();
    let sample = std::fs::read_to_string(&month).unwrap();
    let again: String = sample
        .lines()
        .enumerate()
        .filter(|(i, l)| *i == 0 || numbers.iter().any(|n| l.starts_with(&format!("{n},"))))
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    assert_eq!(again.lines().count(), numbers.len() + 1);
    let corrected = cwd.join("corrected.csv");
    std::fs::write(&corrected, again).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_feebook"))
        .args(["void", "TZ202612-0001", "--reason", "数量有误"])
        .current_dir(&cwd)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let second = run(&corrected);
    assert!(
        second.contains("output/bill-2026-11-2: 1 billing notices"),
        "{second}"
    );
    assert!(
        cwd.join("output/bill-2026-11/summary-2026-11.json")
            .exists()
    );
    assert!(
        cwd.join("output/bill-2026-11-2/summary-2026-11.json")
            .exists()
    );
}

/// `feebook reissue` of a billing notice writes the same bytes under the
/// name `bill` gave it, customer included, so that it sits beside it.
#[test]
fn a_reissued_notice_has_its_name_and_its_bytes() {
    let dir = temp("reissue");
    let (code, _, err) = bill(&dir, &SAMPLE_MONTH_JSON, None);
    assert_eq!(code, 0, "{err}");
    let (name, bytes) = files(&dir.join("out"))
        .into_iter()
        .find(|(n, _)| n.starts_with("billing-notice-TZ202612-0016-"))
        .unwrap();
    let again = dir.join("again");
    let out = Command::new(env!("CARGO_BIN_EXE_feebook"))
        .args(["reissue", "TZ202612-0016", "--journal"])
        .arg(dir.join("journal.sqlite"))
        .arg("-o")
        .arg(format!("{}/", again.display()))
        .current_dir(ROOT)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(files(&again), vec![(name, bytes)]);

    // Voided, it says why, in every format.
    let (code, _, err) = feebook_in(
        &dir,
        &[
            "void",
            "TZ202612-0016",
            "--reason",
            "金额录入错误*已重开*",
            "--date",
            "2026-12-03",
            "-o",
            dir.join("void.json").to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let void =
        serde_json::from_slice::<serde_json::Value>(&std::fs::read(dir.join("void.json")).unwrap())
            .unwrap();
    assert_eq!(void["header"]["void_reason"], "金额录入错误*已重开*");
    for (format, shown) in [
        ("md", "**作废原因**：金额录入错误\\*已重开\\*"),
        ("html", "作废原因：金额录入错误*已重开*"),
        ("pdf", "作废原因：金额录入错误*已重开*"),
    ] {
        let path = dir.join(format!("void.{format}"));
        let (code, _, err) = feebook_in(
            &dir,
            &[
                "reissue",
                "TZ202612-0016",
                "--format",
                format,
                "-o",
                path.to_str().unwrap(),
            ],
        );
        assert_eq!(code, 0, "{err}");
        let bytes = std::fs::read(&path).unwrap();
        let text = if format == "pdf" {
            pdf_extract::extract_text_from_mem(&bytes).unwrap()
        } else {
            String::from_utf8(bytes).unwrap()
        };
        let text: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\u{200b}')
            .collect();
        assert!(text.contains(&shown.replace(' ', "")), "{format}: {text}");
    }
}

/// `bill` writes a folder: `-o` naming a file, there or not, is refused
/// before anything is read or written.
#[test]
fn bill_refuses_an_output_that_names_a_file() {
    let dir = temp("o-file");
    let existing = dir.join("orders-copy.csv");
    std::fs::write(&existing, "x").unwrap();
    for out in [existing.clone(), dir.join("month.pdf")] {
        let o = Command::new(env!("CARGO_BIN_EXE_feebook"))
            .args([
                "bill",
                "samples/orders/2026-11.csv",
                "--month",
                "2026-11",
                "--journal",
            ])
            .arg(dir.join("journal.sqlite"))
            .arg("-o")
            .arg(&out)
            .current_dir(ROOT)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains("names a file, but `bill` writes a folder"),
            "{err}"
        );
    }
    assert_eq!(std::fs::read(&existing).unwrap(), b"x");
    assert!(!dir.join("month.pdf").exists());
    assert!(!dir.join("journal.sqlite").exists());
}

#[test]
fn a_file_of_orders_given_twice_is_refused_as_one_mistake() {
    let dir = temp("twice");
    let copy = dir.join("copy.csv");
    std::fs::copy(Path::new(ROOT).join("samples/orders/2026-11.csv"), &copy).unwrap();
    for (second, says) in [
        ("./samples/orders/2026-11.csv", "is the same file as"),
        (copy.to_str().unwrap(), "has the same contents as"),
    ] {
        let (code, _, err) = bill(
            &dir,
            &["samples/orders/2026-11.csv", second, "--month", "2026-11"],
            None,
        );
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(says), "{err}");
        // One message, not one per row.
        assert!(!err.contains("duplicate-order"), "{err}");
        assert!(!dir.join("out").exists());
    }
}

/// A row that cannot be priced is still checked for its other mistakes,
/// so that it is corrected in one go.
#[test]
fn a_row_with_two_mistakes_reports_both() {
    let dir = temp("two-mistakes");
    let csv = dir.join("orders.csv");
    std::fs::write(
        &csv,
        "单号,登记日期,客户名称,地址,服务项目,数量,服务日期,结算方式,材料费,完成日期,客户签字,核对人,核对日期\n\
         WX202611-00001,2026-11-14,冯丽,华庭大厦 20 层 2003 室,有偿维修x,3,2026-11-15,月结,29.00,2026-11-15,是,陈静,2026-11-10\n\
         WX202611-00002,2026-11-14,冯丽,华庭大厦 20 层 2003 室,有偿维修,3,2026-11-15,月结,-29.00,2026-11-15,是,陈静,2026-11-10\n",
    )
    .unwrap();
    let (code, _, err) = bill(&dir, &[csv.to_str().unwrap(), "--month", "2026-11"], None);
    assert_eq!(code, 1, "{err}");
    for (row, first) in [(2, "[unknown-item]"), (3, "[negative-amount]")] {
        let at = |code: &str| {
            err.split("\n\n")
                .any(|d| d.contains(code) && d.contains(&format!("row {row},")))
        };
        assert!(at(first), "row {row}: {err}");
        assert!(at("[date-order]"), "row {row}: {err}");
    }
}

/// Finance bills a 长期协议 customer per the agreement (四（二）12): the
/// notice names it, and an agreement order that does not is refused at its
/// cell. A file with no agreement order needs no 协议编号 column; a file
/// whose agreement orders have none is one error, not one per row.
#[test]
fn agreement_orders_name_their_agreement() {
    let dir = temp("agreement");
    let (code, _, err) = bill(&dir, &SAMPLE_MONTH_JSON, None);
    assert_eq!(code, 0, "{err}");
    let notice = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("滨江云帆科技有限公司.json"))
        .expect("the agreement customer's notice");
    let notice: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(notice).unwrap()).unwrap();
    assert_eq!(notice["settlement"], "月结、长期协议 XY2026-003");

    let header =
        "单号,客户名称,地址,服务项目,数量,服务日期,结算方式,完成日期,客户签字,核对人,核对日期";
    let row = |n: u32, settlement: &str| {
        format!(
            "WX202611-{n:05},华庭律师事务所,华庭大厦 9 层 0901 室,室内绿化保养,4,2026-11-10,{settlement},2026-11-10,是,赵强,2026-11-11\n"
        )
    };
    let run = |name: &str, csv: String| {
        let sub = dir.join(name);
        std::fs::create_dir_all(&sub).unwrap();
        let path = sub.join("orders.csv");
        std::fs::write(&path, csv).unwrap();
        bill(&sub, &[path.to_str().unwrap(), "--month", "2026-11"], None)
    };

    // No column, no agreement order: billed.
    let (code, _, err) = run("monthly-only", format!("{header}\n{}", row(1, "月结")));
    assert_eq!(code, 0, "{err}");

    // No column, agreement orders: one error for the file, naming the rows.
    let (code, _, err) = run(
        "no-column",
        format!(
            "{header}\n{}{}{}",
            row(1, "月结"),
            row(2, "长期协议"),
            row(3, "长期协议")
        ),
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.matches("error[").count(), 1, "{err}");
    assert!(
        err.contains("error[missing-column]: the file has no column for `agreement` (协议号, 协议编号, 长期协议号), which policy `agreement-needs-number` checks on 2 of its orders (rows 3, 4)"),
        "{err}"
    );

    // The column, left blank on one row: that row, at its cell.
    let (code, _, err) = run(
        "blank",
        format!(
            "{header},协议编号\n{}{}",
            row(1, "长期协议").replace('\n', ",XY2026-006\n"),
            row(2, "长期协议").replace('\n', ",\n"),
        ),
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("[agreement-needs-number]"), "{err}");
    assert!(err.contains("row 3, column 协议编号"), "{err}");
    assert!(!err.contains("row 2,"), "{err}");
}

/// A formula whose result was never saved (a workbook written by a program,
/// not opened in Excel since) has no value: read as an empty cell, it would
/// bill a repair without its materials. It is an error at its cell.
#[test]
fn a_formula_never_calculated_is_an_error_not_an_empty_cell() {
    let dir = temp("formula");
    let (code, _, err) = bill(
        &dir,
        &[
            "tests/fixtures/orders/formulas-not-calculated.xlsx",
            "--month",
            "2026-11",
        ],
        None,
    );
    assert_eq!(code, 1, "{err}");
    for (message, place) in [
        (
            "cell L2 holds the formula =12+23, whose result was never calculated and saved",
            "row 2, column 材料费",
        ),
        (
            "cell A3 holds the formula =CONCATENATE(\"WX202611-\",\"00002\"), whose result was never calculated and saved",
            "row 3, column 单号",
        ),
    ] {
        assert!(err.contains(message), "{message}:\n{err}");
        assert!(err.contains(place), "{place}:\n{err}");
    }
    assert!(err.contains("let the workbook calculate"), "{err}");
    assert!(!dir.join("out").exists());
}

/// Billing again a month whose notice was voided and issued anew, then paid:
/// the refusal counts orders, not lines, and says the new notice was paid
/// on its receipt, without calling it voided or asking for the (good)
/// receipt to be voided.
#[test]
fn a_refusal_to_bill_again_names_the_notice_in_force_and_its_receipt() {
    let dir = temp("rebill");
    let header = "单号,客户名称,地址,服务项目,数量,结算方式,服务日期,完成日期,客户签字,核对人,核对日期,材料费";
    let rows = [
        "WX202611-00031,明德会计师事务所,华庭大厦 12 层 0802 室,有偿维修,1,月结,2026-11-10,2026-11-10,是,陈静,2026-11-11,209.50",
        "WX202611-00032,明德会计师事务所,华庭大厦 12 层 0802 室,复印,100,月结,2026-11-12,2026-11-12,是,陈静,2026-11-13,",
        "WX202611-00033,鑫森淼焱垚公司,华庭大厦 15 层 1501 室,复印,20,月结,2026-11-12,2026-11-12,是,陈静,2026-11-13,",
    ];
    std::fs::write(
        dir.join("u.csv"),
        format!("{header}\n{}\n", rows.join("\n")),
    )
    .unwrap();
    std::fs::write(
        dir.join("u3.csv"),
        format!("{header}\n{}\n", rows[..2].join("\n")),
    )
    .unwrap();
    let run = |args: &[&str]| feebook_in(&dir, args);
    let csv = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let out = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let (code, _, err) = run(&[
        "bill",
        &csv("u.csv"),
        "--month",
        "2026-11",
        "--format",
        "json",
        "-o",
        &out("b1"),
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&[
        "void",
        "TZ202612-0001",
        "--reason",
        "材料费录错",
        "--date",
        "2026-12-02",
        "-o",
        &out("void.json"),
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&[
        "bill",
        &csv("u3.csv"),
        "--month",
        "2026-11",
        "--format",
        "json",
        "-o",
        &out("b3"),
    ]);
    assert_eq!(code, 0, "{err}");
    let notice = std::fs::read_dir(dir.join("b3"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("billing-notice-TZ202612-0003")
        })
        .expect("the new notice");
    let notice: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(notice).unwrap()).unwrap();
    let total = notice["total"]["value"].as_str().unwrap();
    let items: String = notice["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            format!(
                "  - {{description: 特约服务费, reference: {}, amount: \"{}\"}}\n",
                l["number"].as_str().unwrap(),
                l["amount"]["value"].as_str().unwrap()
            )
        })
        .collect();
    std::fs::write(
        dir.join("p.yaml"),
        format!("date: 2026-12-03\npayer: 明德会计师事务所\nitems:\n{items}amount: \"{total}\"\nmethod: bank_transfer\nchannel: bank_transfer\nreceived_by: finance\nsettlement: monthly\nbilling_notice: TZ202612-0003\n"),
    )
    .unwrap();
    let (code, _, err) = run(&[
        "receipt",
        &csv("p.yaml"),
        "--format",
        "json",
        "-o",
        &out("r.json"),
    ]);
    assert_eq!(code, 0, "{err}");

    let (code, _, err) = run(&[
        "bill",
        &csv("u.csv"),
        "--month",
        "2026-11",
        "--format",
        "json",
        "-o",
        &out("b4"),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error: 3 orders of 2026-11 are already billed:"),
        "{err}"
    );
    assert!(
        err.contains("WX202611-00031 is already on billing notice TZ202612-0003 (明德会计师事务所, 2026-12-01), paid on receipt SJ2026-000001"),
        "{err}"
    );
    assert!(
        err.contains("WX202611-00033 is already on billing notice TZ202612-0002"),
        "{err}"
    );
    assert!(!err.contains("voided since"), "{err}");
    assert!(!err.contains("void that receipt"), "{err}");
}

/// A month is billed once it is over, and nothing billed was done or
/// checked after today: either would be a notice dated ahead for work that
/// is not done (the clock is today's, so the months here are far apart).
#[test]
fn a_month_not_over_and_work_done_in_the_future_are_not_billed() {
    let dir = temp("future");
    use chrono::Datelike;
    let next_year = chrono::Local::now().date_naive().year() + 1;
    let (code, _, err) = bill(
        &dir,
        &[
            "samples/orders/2026-11.csv",
            "--month",
            &format!("{next_year}-03"),
        ],
        None,
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("error: {next_year}-03 has not ended (today is ")),
        "{err}"
    );
    assert!(
        err.contains(&format!("help: bill it from {next_year}-04-01")),
        "{err}"
    );
    assert!(!dir.join("out").exists());

    let csv = dir.join("m.csv");
    std::fs::write(
        &csv,
        format!(
            "{ORDERS_HEADER}\n{}",
            laundry_row("WX202611-00001", |r| r
                .replace(",2026-11-23", &format!(",{next_year}-11-21")))
        ),
    )
    .unwrap();
    let (code, _, err) = bill(&dir, &[csv.to_str().unwrap(), "--month", "2026-11"], None);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!("error[date-in-future]: order WX202611-00001 is checked on {next_year}-11-21, after today")),
        "{err}"
    );
    assert!(err.contains("row 2, column 核对日期"), "{err}");
}

/// The rejected rows of an earlier run are not left beside a later run's
/// notices, to be taken for this run's.
#[test]
fn a_run_with_nothing_rejected_removes_an_earlier_list() {
    let dir = temp("stale-rejected");
    let csv = dir.join("m.csv");
    let head = format!("{ORDERS_HEADER}\n");
    let row = |item: &str| laundry_row("WX202611-00001", |r| r.replace("洗衣服务", item));
    // An earlier run's list (a run refused now writes none; an older
    // feebook did).
    std::fs::create_dir(dir.join("out")).unwrap();
    let list = dir.join("out/rejected-2026-11.csv");
    std::fs::write(&list, "行号,原因\n2,未知服务项目\n").unwrap();
    let args = [
        csv.to_str().unwrap(),
        "--month",
        "2026-11",
        "--skip-invalid",
        "--format",
        "json",
    ];
    std::fs::write(&csv, format!("{head}{}", row("洗衣服务"))).unwrap();
    let (code, _, err) = bill(&dir, &args, None);
    assert_eq!(code, 0, "{err}");
    assert!(!list.exists(), "the earlier run's list is gone");
    assert_eq!(summary(&dir)["orders"], 1);
}

/// A run refused after its rows are read (every row rejected, the month
/// billed already) writes nothing, not even the list of rejected rows:
/// what was wrong is on the terminal, and a lone list in the output
/// folder would be taken for a run's.
#[test]
fn a_refused_run_leaves_no_list_of_rejected_rows() {
    let dir = temp("refused-rejected");
    let csv = dir.join("m.csv");
    let row = laundry_row("WX202611-00001", |r| r.replace("洗衣服务", "洗衣机"));
    std::fs::write(&csv, format!("{ORDERS_HEADER}\n{row}")).unwrap();
    let args = [
        csv.to_str().unwrap(),
        "--month",
        "2026-11",
        "--skip-invalid",
    ];
    let (code, _, err) = bill(&dir, &args, None);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no valid work orders"), "{err}");
    assert!(!dir.join("out").exists(), "{err}");
}

/// A template's rows numbered ahead in a column nothing reads (序号) are
/// blank forms: not read, with a note, rather than orders missing every
/// field.
#[test]
fn rows_numbered_ahead_in_a_template_are_blank_forms() {
    let dir = temp("blank-forms");
    let csv = dir.join("m.csv");
    std::fs::write(
        &csv,
        "序号,单号,客户名称,地址,服务项目,数量,结算方式,服务日期,完成日期,客户签字,核对人,核对日期\n\
         1,WX202611-00001,孙晓明,华庭大厦 12 层 1203 室,洗衣服务,2,月结,2026-11-20,2026-11-20,是,张丽,2026-11-23\n\
         2,,,,,,,,,,,\n3,,,,,,,,,,,\n",
    )
    .unwrap();
    let (code, _, err) = bill_november(&dir, &csv);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning[blank-rows]: 2 rows with nothing in the columns read (a template's rows numbered ahead) are not read"),
        "{err}"
    );
    assert_eq!(summary(&dir)["orders"], 1);
}

/// A sheet of orders hidden in the workbook (by mistake, or last month's
/// kept out of sight) is not billed, and not without a word.
#[test]
fn a_hidden_sheet_of_orders_is_said_not_to_be_read() {
    use rust_xlsxwriter::Workbook;
    let dir = temp("hidden-sheet");
    let header = [
        "单号",
        "客户名称",
        "地址",
        "服务项目",
        "数量",
        "结算方式",
        "服务日期",
        "完成日期",
        "客户签字",
        "核对人",
        "核对日期",
    ];
    let row = |n: &'static str| {
        [
            n,
            "孙晓明",
            "华庭大厦 12 层 1203 室",
            "洗衣服务",
            "2",
            "月结",
            "2026-11-20",
            "2026-11-20",
            "是",
            "张丽",
            "2026-11-23",
        ]
    };
    let mut workbook = Workbook::new();
    for (name, number, hidden) in [
        ("本月", "WX202611-00001", false),
        ("旧", "WX202611-00099", true),
    ] {
        let sheet = workbook.add_worksheet();
        sheet.set_name(name).unwrap();
        for (c, h) in header.iter().enumerate() {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        for (c, v) in row(number).iter().enumerate() {
            sheet.write_string(1, c as u16, *v).unwrap();
        }
        if hidden {
            sheet.set_hidden(true);
        }
    }
    let xlsx = dir.join("month.xlsx");
    workbook.save(&xlsx).unwrap();
    let (code, _, err) = bill_november(&dir, &xlsx);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(
            "warning[sheet-not-read]: sheet `旧` is hidden: its 1 row of orders is not read"
        ),
        "{err}"
    );
    assert_eq!(summary(&dir)["orders"], 1);
    // The visible sheet's rows keep the file's own name.
    assert!(!err.contains("month.xlsx [本月]"), "{err}");
}

/// A row of another month is left out with a note, with its own mistakes:
/// they are for its month's run to refuse, not this one.
#[test]
fn a_row_of_another_month_is_left_out_with_its_mistakes() {
    let dir = temp("other-month-mistake");
    let sample = std::fs::read_to_string(format!("{ROOT}/samples/orders/2026-11.csv")).unwrap();
    let mut lines: Vec<&str> = sample.lines().take(2).collect();
    // Registered after it was served: a date-order mistake of October's.
    lines.push("WX202610-00077,2026-10-31,冯丽,华庭大厦 20 层 2003 室,13941378714,洗衣服务,3,2026-10-01,10:00–12:00,月结,,2026-10-01,是,陈静,2026-10-02,");
    let csv = dir.join("m.csv");
    std::fs::write(&csv, lines.join("\n")).unwrap();
    let (code, out, err) = bill_november(&dir, &csv);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("1 order served in other months left out (2026-10: 1)"),
        "{err}"
    );
    assert!(!err.contains("date-order"), "{err}");
    assert!(out.contains("1 billing notices"), "{out}");
}
