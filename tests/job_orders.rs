//! Temporary jobs carried out on work orders: an order names an approved
//! job (`job:`, a 确认单号 column) and is priced at the job's approved
//! total; `bill` bills it with the month, once.

mod support;
use support::{ORDERS_HEADER, Scratch, laundry_row};

use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn feebook(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_feebook"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A scratch folder holding the sample jobs under `jobs/`, with `edit`
/// applied to the approved one (BJ2026-0031, ¥2,367.42, approved on
/// 2026-11-19), and the sample order of it as `order.yaml`, with
/// `edit_order` applied.
fn setup(
    name: &str,
    edit_job: impl Fn(String) -> String,
    edit_order: impl Fn(String) -> String,
) -> Scratch {
    let dir = Scratch::new(&format!("jobs-{name}"));
    std::fs::create_dir(dir.join("jobs")).unwrap();
    for e in std::fs::read_dir(format!("{ROOT}/samples/jobs")).unwrap() {
        let path = e.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap();
        let text = if name.to_string_lossy().starts_with("BJ2026-0031") {
            edit_job(text)
        } else {
            text
        };
        std::fs::write(dir.join("jobs").join(name), text).unwrap();
    }
    let order =
        std::fs::read_to_string(format!("{ROOT}/samples/orders/waterproofing-1203.yaml")).unwrap();
    std::fs::write(dir.join("order.yaml"), edit_order(order)).unwrap();
    dir
}

/// `order order.yaml --jobs jobs` as a JSON specimen: (exit code, the
/// document or null, stderr).
fn order_json(dir: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let mut args = vec!["order", "order.yaml", "--preview", "--journal", "j.sqlite"];
    if extra.contains(&"--format") {
        args.extend(["-o", "wo.pdf"]);
    } else {
        args.extend(["--format", "json", "-o", "wo.json"]);
    }
    args.extend(extra);
    let (code, out, err) = feebook(&args, dir);
    let doc = std::fs::read_to_string(dir.join("wo.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null);
    (code, doc, format!("{out}{err}"))
}

/// `bill` of the month in `dir/m.csv`, rows `rows` under the header with a
/// 确认单号 column, the jobs of `dir/jobs`, into `dir/out`.
fn bill_rows(dir: &Path, rows: &str, extra: &[&str]) -> (i32, String, String) {
    std::fs::write(
        dir.join("m.csv"),
        format!("{ORDERS_HEADER},确认单号\n{rows}"),
    )
    .unwrap();
    let mut args = vec![
        "bill",
        "m.csv",
        "--month",
        "2026-11",
        "--jobs",
        "jobs",
        "-o",
        "out",
        "--journal",
        "j.sqlite",
    ];
    args.extend(extra);
    feebook(&args, dir)
}

#[test]
fn an_approved_job_is_ordered_at_its_approved_total() {
    let dir = setup("approved", |j| j, |o| o);
    let (code, doc, err) = order_json(&dir, &["--jobs", "jobs"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc["amount"]["yuan"], "¥2,367.42", "{doc:#}");
    assert_eq!(doc["amount_upper"], "贰仟叁佰陆拾柒元肆角贰分", "{doc:#}");
    assert_eq!(
        doc["item"],
        "卫生间防水层修补，更换墙面空鼓瓷砖，完工后清洁（确认单 BJ2026-0031）"
    );
    assert_eq!(doc["quantity"], "1");
    assert_eq!(doc["unit"], "项");
    assert_eq!(doc["department"], "工程部");
    assert_eq!(doc["price_basis"], "特约维修价格确认单 BJ2026-0031 审批价");

    // The same job in the form of a table's row: 确认单号, item and
    // quantity left empty.
    let csv = format!(
        "{ORDERS_HEADER},确认单号\n{}WX202611-00002,孙晓明,华庭大厦 12 层 1203 室,,,月结,2026-11-20,2026-11-21,是,李明,2026-11-23,BJ2026-0031\n",
        laundry_row("WX202611-00001", |r| r.replace('\n', ",\n")),
    );
    std::fs::write(dir.join("m.csv"), csv).unwrap();
    let (code, out, err) = feebook(
        &[
            "bill",
            "m.csv",
            "--month",
            "2026-11",
            "--jobs",
            "jobs",
            "--format",
            "json",
            "-o",
            "out",
            "--journal",
            "j.sqlite",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("1 billing notices for 2 orders, ¥2,397.42"),
        "{out}"
    );
    let notice = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("billing-notice-"))
        .unwrap();
    let notice: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(notice).unwrap()).unwrap();
    let lines = notice["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "{notice:#}");
    assert_eq!(lines[1]["job"], "BJ2026-0031");
    assert_eq!(lines[1]["amount"]["yuan"], "¥2,367.42");
    assert_eq!(lines[0].get("job"), None, "a catalogue order has no job");

    // Billed again under another order's number: the job was billed.
    std::fs::write(
        dir.join("again.csv"),
        format!(
            "{ORDERS_HEADER},确认单号\nWX202611-00003,孙晓明,华庭大厦 12 层 1203 室,,,月结,2026-11-20,2026-11-21,是,李明,2026-11-23,bj2026-0031\n"
        ),
    )
    .unwrap();
    let (code, _, err) = feebook(
        &[
            "bill",
            "again.csv",
            "--month",
            "2026-11",
            "--jobs",
            "jobs",
            "-o",
            "out2",
            "--journal",
            "j.sqlite",
        ],
        &dir,
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("WX202611-00003 carries out job BJ2026-0031, which billing notice TZ202612-0001 (孙晓明, 2026-12-01) billed already"),
        "{err}"
    );
    assert!(!dir.join("out2").exists());
}

#[test]
fn a_job_is_carried_out_by_one_order_of_a_month() {
    let dir = setup("twice", |j| j, |o| o);
    let row = |n: &str| {
        format!(
            "{n},孙晓明,华庭大厦 12 层 1203 室,,,月结,2026-11-20,2026-11-21,是,李明,2026-11-23,BJ2026-0031\n"
        )
    };
    let (code, _, err) = bill_rows(
        &dir,
        &format!("{}{}", row("WX202611-00001"), row("WX202611-00002")),
        &[],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error[job-ordered-twice]: order WX202611-00002 carries out job BJ2026-0031, which order WX202611-00001 carries out already"),
        "{err}"
    );
    assert!(
        err.contains("m.csv, row 3, column 确认单号: again here"),
        "{err}"
    );
    assert!(
        err.contains("m.csv, row 2, column 确认单号: first here"),
        "{err}"
    );
}

/// Each reason an order of a job is refused, at the line to correct.
#[test]
fn an_order_of_a_job_is_refused_with_its_reason() {
    type Edit = fn(String) -> String;
    let cases: Vec<(&str, Edit, Edit, &[&str], &str)> = vec![
        (
            "no-folder",
            (|j| j),
            (|o| o),
            &[],
            "error[no-jobs]: the order carries out temporary job BJ2026-0031, but no job files were given\n  --> order.yaml:13:6",
        ),
        (
            "unknown",
            (|j| j),
            (|o| o.replace("job: BJ2026-0031", "job: BJ2026-0032")),
            &["--jobs", "jobs"],
            "error[unknown-job]: no job file in jobs has number BJ2026-0032\n  --> order.yaml:13:6",
        ),
        (
            "pending",
            (|j| j),
            (|o| {
                o.replace("job: BJ2026-0031", "job: BJ2026-0034")
                    .replace("customer: 孙晓明", "customer: 滨江云帆科技有限公司")
            }),
            &["--jobs", "jobs"],
            "error[job-not-approved]: job BJ2026-0034 is not approved: 待审批：待 公司领导 签字",
        ),
        (
            "approved-later",
            (|j| j),
            (|o| o.replace("date: 2026-11-19", "date: 2026-11-18")),
            &["--jobs", "jobs"],
            "error[job-not-approved]: job BJ2026-0031 was approved on 2026-11-19, after the order was registered (2026-11-18)",
        ),
        (
            "customer",
            (|j| j),
            (|o| o.replace("customer: 孙晓明", "customer: 孙晓敏")),
            &["--jobs", "jobs"],
            "error[job-customer]: the order is for 孙晓敏, but job BJ2026-0031 is for 孙晓明\n  --> order.yaml:10:11",
        ),
        (
            "with-item",
            (|j| j),
            (|o| {
                o.replace(
                    "job: BJ2026-0031",
                    "job: BJ2026-0031\nitem: paid-repair\nquantity: 2",
                )
            }),
            &["--jobs", "jobs"],
            "error[job-and-item]: the order carries out temporary job BJ2026-0031, and gives a service item too\n  --> order.yaml:14:7",
        ),
        (
            "agreement",
            (|j| j),
            (|o| {
                o.replace(
                    "settlement: monthly",
                    "settlement: agreement\nagreement: XY2026-003",
                )
            }),
            &["--jobs", "jobs"],
            "error[no-agreement]: temporary job BJ2026-0031 is not taken under a long-term agreement",
        ),
        (
            "unconfirmed",
            (|j| j.replace("    confirmed: {by: 孙晓明, date: 2026-11-18}\n", "")),
            (|o| o),
            &["--jobs", "jobs"],
            "error[job-not-confirmed]: the customer has not confirmed the latest revision of job BJ2026-0031\n  --> order.yaml:13:6",
        ),
        (
            "refused",
            (|j| j.replace("management_rate: 10%", "management_rate: 30%")),
            (|o| o),
            &["--jobs", "jobs"],
            "error[job-refused]: job BJ2026-0031 does not pass its checks: quote BJ2026-0031: [break-even-small-profit] 保本微利\n  --> order.yaml:13:6",
        ),
        (
            "confirmed-later",
            (|j| {
                j.replace(
                    "confirmed: {by: 孙晓明, date: 2026-11-18}",
                    "confirmed: {by: 孙晓明, date: 2026-11-20}",
                )
            }),
            (|o| o),
            &["--jobs", "jobs"],
            "error[job-not-confirmed]: the customer confirmed the latest revision of job BJ2026-0031 on 2026-11-20, after the order was registered (2026-11-19)",
        ),
        (
            "address",
            (|j| j),
            (|o| {
                o.replace(
                    "address: 华庭大厦 12 层 1203 室",
                    "address: 华庭大厦 20 层 2003 室",
                )
            }),
            &["--jobs", "jobs"],
            "error[job-address]: the order is for 华庭大厦 20 层 2003 室, but job BJ2026-0031 is for 华庭大厦 12 层 1203 室\n  --> order.yaml:11:10",
        ),
        (
            "glyph",
            (|j| {
                j.replace(
                    "description: 卫生间防水层修补",
                    "description: 卫生间防水层修补𠮷",
                )
            }),
            (|o| o),
            &["--jobs", "jobs", "--format", "pdf"],
            "error[missing-glyph]: character 𠮷 (U+20BB7) in the description of job BJ2026-0031",
        ),
        (
            "unread-copy",
            // A second file of the number that does not read may be the job
            // as it stands: not billed from the other one.
            (|j| j),
            (|o| o),
            &["--jobs", "jobs-with-broken-copy"],
            "error[duplicate-job]: 2 job files have number BJ2026-0031",
        ),
        (
            "neither",
            (|j| j),
            (|o| o.replace("job: BJ2026-0031\n", "")),
            &["--jobs", "jobs"],
            "error[missing-value]: the order has no service item (服务项目)",
        ),
    ];
    for (name, edit_job, edit_order, args, wanted) in cases {
        let dir = setup(name, edit_job, edit_order);
        // The jobs, and a copy of the approved one that does not read.
        let broken = dir.join("jobs-with-broken-copy");
        std::fs::create_dir(&broken).unwrap();
        for e in std::fs::read_dir(dir.join("jobs")).unwrap() {
            let p = e.unwrap().path();
            std::fs::copy(&p, broken.join(p.file_name().unwrap())).unwrap();
        }
        let job = std::fs::read_to_string(dir.join("jobs/BJ2026-0031-bathroom-waterproofing.yaml"))
            .unwrap();
        std::fs::write(
            broken.join("BJ2026-0031-v2.yaml"),
            job.replace("role: plumber", "role: plumbr"),
        )
        .unwrap();
        let (code, doc, err) = order_json(&dir, args);
        assert_eq!(code, 1, "{name}: {err}");
        assert!(
            doc.is_null() && !dir.join("wo.pdf").exists(),
            "{name}: nothing written"
        );
        assert!(err.contains(wanted), "{name}:\n{err}");
    }
}

/// The journal holds each job's work order: the job is not ordered again,
/// nor billed under another number; a row billing an issued work order's
/// number bills what was issued.
#[test]
fn a_job_is_ordered_and_billed_once_across_runs() {
    let dir = setup("once", |j| j, |o| o);
    let issue = |out: &str| {
        feebook(
            &[
                "order",
                "order.yaml",
                "--jobs",
                "jobs",
                "--journal",
                "j.sqlite",
                "--format",
                "json",
                "-o",
                out,
            ],
            &dir,
        )
    };
    let (code, _, err) = issue("wo1.json");
    assert_eq!(code, 0, "{err}");
    let wo: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("wo1.json")).unwrap()).unwrap();
    let number = wo["header"]["number"].as_str().unwrap().to_string();
    assert_eq!(wo["job"], "BJ2026-0031");

    // The same job on another request: refused, naming the order.
    let order = std::fs::read_to_string(dir.join("order.yaml")).unwrap();
    std::fs::write(
        dir.join("order.yaml"),
        order.replace("完工后清洁", "完工后清洁（第二次）"),
    )
    .unwrap();
    let (code, _, err) = issue("wo2.json");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!(
            "error[job-ordered-twice]: job BJ2026-0031 is carried out already: work order {number} (孙晓明, 2026-11-19)"
        )),
        "{err}"
    );
    assert!(!dir.join("wo2.json").exists());

    let row = |n: &str, item: &str, qty: &str, job: &str| {
        format!(
            "{n},孙晓明,华庭大厦 12 层 1203 室,{item},{qty},月结,2026-11-20,2026-11-21,是,李明,2026-11-23,{job}\n"
        )
    };
    let bill = |csv: &str, extra: &[&str]| bill_rows(&dir, csv, extra);
    // Under another number: the job is on a work order already.
    let (code, _, err) = bill(&row("WX202611-00050", "", "", "BJ2026-0031"), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!(
            "WX202611-00050 carries out job BJ2026-0031, which work order {number} (孙晓明, 2026-11-19) carries out"
        )),
        "{err}"
    );
    // The issued number on another item: not what was issued. With
    // --skip-invalid and a bad row beside it, the refused run leaves no
    // list of rejected rows behind.
    let (code, _, err) = bill(
        &format!(
            "{}{}",
            row(&number, "洗衣服务", "2", ""),
            row("WX202611-00051", "熨烫", "2", "")
        ),
        &["--skip-invalid"],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!(
            "{number} was issued by `feebook order` as 卫生间防水层修补，更换墙面空鼓瓷砖，完工后清洁（确认单 BJ2026-0031） ¥2,367.42 (2026-11-19); this row bills 洗衣服务 ¥30.00"
        )),
        "{err}"
    );
    assert!(!dir.join("out").exists(), "nothing left behind: {err}");
    // The issued number, as issued: billed.
    let (code, out, err) = bill(&row(&number, "", "", "BJ2026-0031"), &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("¥2,367.42"), "{out}");
}

/// A job file's number typed another way is the job's number: one key in
/// the journal, whatever the file says.
#[test]
fn a_job_number_is_the_same_however_typed_in_its_file() {
    let dir = setup(
        "typed",
        |j| j.replace("number: BJ2026-0031", "number: bj2026－0031"),
        |o| o,
    );
    let (code, doc, err) = order_json(&dir, &["--jobs", "jobs"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc["job"], "BJ2026-0031");
    assert_eq!(doc["price_basis"], "特约维修价格确认单 BJ2026-0031 审批价");
}

/// Every reason a row of a job is refused, in one run.
#[test]
fn every_reason_to_refuse_an_order_of_a_job_is_said_at_once() {
    let dir = setup(
        "at-once",
        |j| j,
        |o| o.replace("job: BJ2026-0031", "job: BJ2026-0034"),
    );
    let (code, _, err) = order_json(&dir, &["--jobs", "jobs"]);
    assert_eq!(code, 1, "{err}");
    for wanted in [
        "error[job-not-approved]: job BJ2026-0034 is not approved",
        "error[job-customer]: the order is for 孙晓明, but job BJ2026-0034 is for 滨江云帆科技有限公司",
        "error[job-address]:",
    ] {
        assert!(err.contains(wanted), "{wanted}:\n{err}");
    }
    // A customer written with a space, or with the contact in brackets, is
    // the job's customer, as billing groups customers.
    let dir = setup(
        "same-party",
        |j| j,
        |o| o.replace("customer: 孙晓明", "customer: 孙 晓明"),
    );
    let (code, _, err) = order_json(&dir, &["--jobs", "jobs"]);
    assert_eq!(code, 0, "{err}");
}

/// `police` and `register` read orders of jobs as `order` and `bill` do.
#[test]
fn police_and_register_take_the_jobs_too() {
    let dir = setup("police", |j| j, |o| o);
    let (code, out, err) = feebook(&["police", "order.yaml", "--jobs", "jobs"], &dir);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("checked 1 record: no problems"), "{out}");
    let (code, _, err) = feebook(&["police", "order.yaml"], &dir);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("error[no-jobs]"), "{err}");

    std::fs::write(
        dir.join("m.csv"),
        format!(
            "{ORDERS_HEADER},确认单号\nWX202611-00002,孙晓明,华庭大厦 12 层 1203 室,,,月结,2026-11-20,2026-11-21,是,李明,2026-11-23,BJ2026-0031\n"
        ),
    )
    .unwrap();
    let (code, out, err) = feebook(
        &[
            "register", "m.csv", "--month", "2026-11", "--jobs", "jobs", "-o", "r.md",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{out}{err}");
    let md = std::fs::read_to_string(dir.join("r.md")).unwrap();
    assert!(
        md.contains("卫生间防水层修补，更换墙面空鼓瓷砖，完工后清洁（确认单 BJ2026-0031）"),
        "{md}"
    );
    assert!(md.contains("¥2,367.42"), "{md}");
}
