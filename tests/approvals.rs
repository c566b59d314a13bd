//! Approval chains (order, per-department steps, escalation, rejection),
//! `feebook approve`, every sample policy violated once, and the journal
//! under parallel `feebook receipt` processes.

mod support;
use support::Scratch;

use std::path::Path;
use std::process::Command;

use feebook::approval::{State, quote_status};
use feebook::quote::{load_job, price_job};
use feebook::rules::{Origin, Rules};
use feebook::source::Sources;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn rules() -> Rules {
    feebook::rules::load_embedded().rules.unwrap()
}

const JOB: &str = "number: BJ2026-0101
date: 2026-11-16
customer: {name: 孙晓明}
address: 华庭大厦 12 层 1203 室
description: 卫生间防水层修补
responsible_department: engineering
involved_departments: [engineering, cleaning]
labour:
  - {role: plumber, staff: 2, hours: LABOUR_HOURS}
materials:
  - {name: 防水涂料, unit: 桶, quantity: 1, unit_price: \"260.00\"}
";

/// The status of a job of `hours` labour hours with these sign-off lines.
fn status(hours: u32, signoffs: &[&str]) -> (State, Vec<String>, Vec<(String, String)>) {
    let (state, problems, slots, _) = status_with(hours, "", signoffs);
    (state, problems, slots)
}

/// Like [`status`], with more of the job (a revision) and the status's notes.
#[allow(clippy::type_complexity)]
fn status_with(
    hours: u32,
    extra: &str,
    signoffs: &[&str],
) -> (State, Vec<String>, Vec<(String, String)>, Vec<String>) {
    let mut text = JOB.replace("LABOUR_HOURS", &hours.to_string());
    text.push_str(extra);
    text.push_str(if signoffs.is_empty() {
        "signoffs: []\n"
    } else {
        "signoffs:\n"
    });
    for s in signoffs {
        text.push_str(&format!("  - {s}\n"));
    }
    let r = rules();
    let mut sources = Sources::new();
    let (_, job) = load_job(&mut sources, "job.yaml", text).unwrap();
    let q = price_job(&r, &job).unwrap();
    let (st, problems) = quote_status(&r, &job, &q);
    let slots = st
        .slots
        .iter()
        .map(|s| {
            (
                s.step_id.clone(),
                s.signed
                    .as_ref()
                    .map(|x| x.name.clone())
                    .unwrap_or_default(),
            )
        })
        .collect();
    (
        st.state,
        problems
            .iter()
            .map(|p| format!("{}: {}", p.code, p.message))
            .collect(),
        slots,
        st.notes,
    )
}

const ENG: &str = "{role: dept_head, department: engineering, name: 李明, date: 2026-11-16}";
const CLE: &str = "{role: dept_head, department: cleaning, name: 张丽, date: 2026-11-16}";
const AGG: &str = "{role: dept_head, department: engineering, name: 李明, date: 2026-11-17}";
const MGR: &str = "{role: branch_manager, name: 王建国, date: 2026-11-17}";
const LEADER: &str = "{role: company_leader, name: 周文华, date: 2026-11-18}";

#[test]
fn a_small_job_needs_both_heads_then_aggregation_then_the_manager() {
    let (state, problems, slots) = status(6, &[]);
    assert_eq!(state, State::Draft);
    assert!(problems.is_empty());
    // 540 + 260 + 10% + 13% tax = 994.40: no company leader.
    assert_eq!(
        slots.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(),
        ["budget", "budget", "aggregate", "approve"]
    );

    // The heads may sign in either order.
    let (state, problems, _) = status(6, &[CLE, ENG, AGG]);
    assert!(problems.is_empty(), "{problems:?}");
    assert!(
        matches!(state, State::Pending { ref waiting, .. } if waiting == &["分公司（项目部）经理".to_string()]),
        "{state:?}"
    );

    let (state, problems, _) = status(6, &[ENG, CLE, AGG, MGR]);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(state, State::Approved);

    // …and on their own days: the later budget written first is no
    // mistake. A step before the one it follows is.
    let cle_later = CLE.replace("2026-11-16", "2026-11-17");
    let (state, problems, _) = status(6, &[&cle_later, ENG, AGG, MGR]);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(state, State::Approved);
    let agg_early = AGG.replace("2026-11-17", "2026-11-16");
    let (_, problems, _) = status(6, &[&cle_later, ENG, &agg_early]);
    assert_eq!(
        problems,
        [
            "date-order: sign-off dated 2026-11-16 is before a sign-off of the step before (2026-11-17)"
        ]
    );
}

#[test]
fn the_manager_cannot_approve_before_every_head_has_signed() {
    let (_, problems, _) = status(6, &[ENG, MGR]);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with(
            "out-of-turn: 王建国 signed as 分公司（项目部）经理 before 部门负责人（保洁部） did"
        ),
        "{problems:?}"
    );
}

#[test]
fn above_5000_the_company_leader_approves_too() {
    // 2 × 60 h × 45 = 5,400 of labour: the total is above 5,000.
    let (state, _, slots) = status(60, &[ENG, CLE, AGG, MGR]);
    assert_eq!(slots.last().unwrap().0, "leader");
    assert!(
        matches!(state, State::Pending { ref waiting, .. } if waiting == &["公司领导".to_string()]),
        "{state:?}"
    );
    let (state, problems, _) = status(60, &[ENG, CLE, AGG, MGR, LEADER]);
    assert!(problems.is_empty());
    assert_eq!(state, State::Approved);
    // Below the threshold the leader's signature is not part of the chain.
    let (_, problems, _) = status(6, &[ENG, CLE, AGG, MGR, LEADER]);
    assert!(problems[0].starts_with("out-of-turn"), "{problems:?}");
}

/// A signature is for a price: signed for another amount, or before the
/// revision that changed it, it no longer counts, and the chain is signed
/// again. 994.40 is the 6-hour job's total.
#[test]
fn a_changed_price_needs_its_signatures_again() {
    let with = |s: &str, amount: &str| s.replace('}', &format!(", amount: \"{amount}\"}}"));
    let signed: Vec<String> = [ENG, CLE, AGG, MGR]
        .iter()
        .map(|s| with(s, "994.40"))
        .collect();
    let signed: Vec<&str> = signed.iter().map(String::as_str).collect();
    let (state, problems, _, notes) = status_with(6, "", &signed);
    assert_eq!(state, State::Approved, "{problems:?}");
    assert!(notes.is_empty());

    // The labour grew to 7 hours after everyone signed for 994.40.
    let (state, problems, slots, notes) = status_with(7, "", &signed);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(state, State::Draft);
    assert!(slots.iter().all(|s| s.1.is_empty()));
    assert_eq!(notes.len(), 4);
    assert!(
        notes[3].contains("王建国 2026-11-17 所签金额 ¥994.40 与现合计 ¥1,106.27 不符"),
        "{notes:?}"
    );

    // Hand-written sign-offs without an amount: those before the latest
    // revision no longer count, those on or after it do.
    let revision = "revisions:\n  - {date: 2026-11-17, reason: 加装地漏, confirmed: {by: 孙晓明, date: 2026-11-17}}\n";
    let (state, _, slots, notes) = status_with(6, revision, &[ENG, CLE, AGG, MGR]);
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes[0].contains("早于 2026-11-17 的修订"), "{notes:?}");
    assert!(
        matches!(state, State::Pending { step: 0, .. }),
        "{state:?} {slots:?}"
    );

    // A rejection before a revision is over: the revised job is signed anew.
    let reject =
        "{role: dept_head, department: cleaning, name: 张丽, date: 2026-11-16, decision: reject}";
    let again = [
        "{role: dept_head, department: engineering, name: 李明, date: 2026-11-17}",
        "{role: dept_head, department: cleaning, name: 张丽, date: 2026-11-17}",
        "{role: dept_head, department: engineering, name: 李明, date: 2026-11-18}",
        "{role: branch_manager, name: 王建国, date: 2026-11-18}",
    ];
    let mut all = vec![ENG, reject];
    all.extend(again);
    let (state, problems, _, _) = status_with(6, revision, &all);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(state, State::Approved);
}

/// One person signs at one level of the chain, for one department: the
/// manager cannot also sign as the company leader, a head cannot budget for
/// another department. The head who budgets may aggregate (the same role
/// and department at two steps).
#[test]
fn one_person_cannot_sign_at_two_levels() {
    let twice = "{role: company_leader, name: 王建国, date: 2026-11-18}";
    let (state, problems, _) = status(60, &[ENG, CLE, AGG, MGR, twice]);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with(
            "one-person-two-levels: 王建国 signed as 分公司（项目部）经理 and again as 公司领导"
        ),
        "{problems:?}"
    );
    assert!(matches!(state, State::Pending { .. }), "{state:?}");

    let both = "{role: dept_head, department: cleaning, name: 李明, date: 2026-11-16}";
    let (_, problems, _) = status(6, &[ENG, both]);
    assert!(
        problems[0].starts_with("one-person-two-levels: 李明 signed as 部门负责人（工程部） and again as 部门负责人（保洁部）"),
        "{problems:?}"
    );
}

/// The head who budgets for a department is the one who aggregates for it:
/// another name at the second step is someone signing for a role that is
/// not theirs, and the job would pass on it.
#[test]
fn one_role_of_one_department_is_one_person() {
    let other = "{role: dept_head, department: engineering, name: 赵强, date: 2026-11-17}";
    let (state, problems, _) = status(6, &[ENG, CLE, other, MGR]);
    assert_eq!(
        problems.first().map(String::as_str),
        Some(
            "two-signers-one-role: 赵强 signed as 部门负责人（工程部）, which 李明 signed as before"
        ),
        "{problems:?}"
    );
    assert_ne!(state, State::Approved);
    // Heads of two departments are two people, as they should be.
    let (state, problems, _) = status(6, &[ENG, CLE, AGG, MGR]);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(state, State::Approved);
}

#[test]
fn a_rejection_ends_the_chain() {
    let reject = "{role: dept_head, department: cleaning, name: 张丽, date: 2026-11-16, decision: reject, comment: 材料报价偏高}";
    let (state, problems, _) = status(6, &[ENG, reject]);
    assert!(problems.is_empty());
    assert!(matches!(state, State::Rejected { ref by, .. } if by == "张丽"));
    let (_, problems, _) = status(6, &[ENG, reject, AGG]);
    assert!(
        problems[0].starts_with("signed-after-rejection"),
        "{problems:?}"
    );
}

#[test]
fn bad_signoffs_are_reported() {
    let (_, problems, _) = status(6, &["{role: cashier, name: 某某, date: 2026-11-16}"]);
    assert!(
        problems[0].starts_with("unknown-reference: unknown role `cashier`"),
        "{problems:?}"
    );
    let early = "{role: dept_head, department: cleaning, name: 张丽, date: 2026-11-10}";
    let (_, problems, _) = status(6, &[ENG, early]);
    assert_eq!(
        problems,
        ["date-order: sign-off dated 2026-11-10 is before the record it signs (2026-11-16)"]
    );
    let (_, problems, _) = status(6, &["{role: dept_head, name: 李明, date: 2026-11-16}"]);
    assert!(
        problems[0].starts_with("missing-department"),
        "{problems:?}"
    );
    // A misspelt department is said once, with what was meant; the
    // sign-offs after it are not all reported out of turn.
    let typo = "{role: dept_head, department: cleanning, name: 张丽, date: 2026-11-16}";
    let (_, problems, _) = status(6, &[ENG, typo, AGG, MGR]);
    assert_eq!(
        problems,
        ["unknown-reference: unknown department `cleanning`"],
        "{problems:?}"
    );
}

fn temp(name: &str) -> Scratch {
    Scratch::new(&format!("appr-{name}"))
}

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

#[test]
fn approve_records_a_signoff_in_turn_and_keeps_the_file() {
    let dir = temp("approve");
    let job = dir.join("job.yaml");
    let original = std::fs::read_to_string(format!(
        "{ROOT}/samples/jobs/BJ2026-0034-office-partition.yaml"
    ))
    .unwrap();
    std::fs::write(&job, &original).unwrap();
    let j = job.to_str().unwrap();

    // Out of turn: a department head after the manager. Nothing changes.
    let (code, _, err) = feebook(
        &[
            "approve",
            j,
            "--role",
            "dept_head",
            "--department",
            "cleaning",
            "--name",
            "张丽",
            "--date",
            "2026-11-24",
        ],
        &dir,
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("the sign-off was not recorded"), "{err}");
    // The problem is in the file as it would be: named so, since its line
    // is not in the file on disk.
    assert!(err.contains("job.yaml with this sign-off:"), "{err}");
    assert_eq!(std::fs::read_to_string(&job).unwrap(), original);

    // A date before the job (a wrong argument: 2), and one before the
    // previous sign-off (a problem of the chain: 1).
    for (date, expected, exit) in [
        ("2026-11-01", "is before the job's date (2026-11-20)", 2),
        ("2026-11-21", "date-order", 1),
    ] {
        let (code, _, err) = feebook(
            &[
                "approve",
                j,
                "--role",
                "company_leader",
                "--name",
                "周文华",
                "--date",
                date,
            ],
            &dir,
        );
        assert_eq!(code, exit, "{err}");
        assert!(err.contains(expected), "{err}");
        assert_eq!(std::fs::read_to_string(&job).unwrap(), original);
    }

    // In turn: recorded, comments and layout kept, the chain approved.
    let (code, out, err) = feebook(
        &[
            "approve",
            j,
            "--role",
            "company_leader",
            "--name",
            "周文华",
            "--date",
            "2026-11-24",
            "--comment",
            "同意",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("已批准"), "{out}");
    let edited = std::fs::read_to_string(&job).unwrap();
    assert!(edited.starts_with(&original), "only appended");
    assert!(edited.ends_with("  - {role: \"company_leader\", name: \"周文华\", date: 2026-11-24, amount: \"8896.78\", comment: \"同意\"}\n"), "{edited}");

    let (code, out, _) = feebook(&["status", j], &dir);
    assert_eq!(code, 0);
    assert!(
        out.contains("已批准") && out.contains("✓ 审批  公司领导  周文华 2026-11-24"),
        "{out}"
    );
    let (code, _, err) = feebook(
        &[
            "approve",
            j,
            "--role",
            "company_leader",
            "--name",
            "周文华",
            "--date",
            "2026-11-25",
        ],
        &dir,
    );
    assert_eq!(code, 1);
    assert!(err.contains("already 已批准"), "{err}");
}

#[test]
fn every_sample_policy_is_enforced() {
    let dir = temp("police");
    let fixtures = format!("{ROOT}/tests/fixtures/policies");
    for (file, policy, code) in [
        (
            "payment-private-settlement.yaml",
            "no-private-settlement",
            1,
        ),
        ("payment-gratuity.yaml", "no-gratuity", 1),
        ("order-scope-change.yaml", "reconfirm-order-change", 1),
        ("order-unsigned-monthly.yaml", "monthly-needs-signature", 1),
        ("order-late-verification.yaml", "verify-next-workday", 1),
        ("job-margin-too-high.yaml", "break-even-small-profit", 1),
        ("job-thin-margin.yaml", "thin-margin", 0),
        ("job-unconfirmed-revision.yaml", "reconfirm-quote-change", 0),
    ] {
        let (got, out, err) = feebook(&["police", &format!("{fixtures}/{file}")], &dir);
        assert_eq!(got, code, "{file}: {err}");
        // The verdict counts what was shown ("no problems" after a warning
        // was a lie).
        let verdict = if code == 1 {
            "1 error, 0 warnings"
        } else {
            "0 errors, 1 warning"
        };
        assert!(out.contains(verdict), "{file}: {out}");
        assert!(
            err.contains(&format!("[{policy}]")),
            "{file}: policy {policy} not reported:\n{err}"
        );
    }
    // The day the calendar counted is said: the fields alone do not show
    // why a check on 10-09 is late.
    let (_, _, err) = feebook(
        &[
            "police",
            &format!("{fixtures}/order-late-verification.yaml"),
        ],
        &dir,
    );
    assert!(
        err.contains("= help: by the calendar: next_workday(completed_on) = 2026-10-08"),
        "{err}"
    );
    assert!(!err.contains("calendar-year"), "{err}");
    // Without the year's holidays, 国庆节 would count as working days:
    // `police` and `order` say so, as `bill` does.
    let rules = dir.join("rules-2025-holidays");
    std::fs::create_dir_all(&rules).unwrap();
    for (name, text) in feebook::rules::embedded::FILES {
        let text: String = text
            .lines()
            .filter(|l| {
                !(l.contains("from: 2026-") || l.contains("date: 2026-")) || !l.contains("name:")
            })
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(rules.join(name), text).unwrap();
    }
    for command in ["police", "order"] {
        let (_, _, err) = feebook(
            &[
                command,
                &format!("{fixtures}/order-late-verification.yaml"),
                "--rules",
                rules.to_str().unwrap(),
                "--preview",
            ][..if command == "police" { 4 } else { 5 }],
            &dir,
        );
        assert!(
            err.contains("warning[calendar-year]: the calendar lists no public holidays in 2026"),
            "{command}: {err}"
        );
    }
    // A tip written as a fee escapes no-gratuity, but names no work order:
    // said, since nothing ties the money to a service (四（二）13).
    let tip = std::fs::read_to_string(format!("{fixtures}/payment-gratuity.yaml"))
        .unwrap()
        .replace("kind: gratuity\n", "");
    let tip_path = dir.join("tip-as-fee.yaml");
    std::fs::write(&tip_path, tip).unwrap();
    let (got, out, err) = feebook(&["police", tip_path.to_str().unwrap()], &dir);
    assert_eq!(got, 0, "{err}");
    assert!(out.contains("0 errors, 1 warning"), "{out}");
    assert!(err.contains("warning[no-work-order]"), "{err}");
    // A late check with its reason written down is what the procedure
    // asks for: no longer refused (the date is not to be moved instead).
    let late = std::fs::read_to_string(format!("{fixtures}/order-late-verification.yaml")).unwrap();
    let explained = dir.join("late-explained.yaml");
    std::fs::write(
        &explained,
        format!("{late}verification_note: 主管国庆出差，返岗当日核对\n"),
    )
    .unwrap();
    let (got, out, err) = feebook(&["police", explained.to_str().unwrap()], &dir);
    assert_eq!(got, 0, "{err}");
    assert!(!err.contains("verify-next-workday"), "{out}{err}");
    // A payment violating a policy is not issued, and takes no number.
    let (code, _, err) = feebook(
        &[
            "receipt",
            &format!("{fixtures}/payment-private-settlement.yaml"),
            "--journal",
            "j.sqlite",
        ],
        &dir,
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("[no-private-settlement]") && err.contains("received_by = 'service_staff'"),
        "{err}"
    );
    assert!(
        !dir.join("j.sqlite").exists()
            || feebook(&["journal", "--journal", "j.sqlite"], &dir)
                .1
                .contains("nothing issued")
    );
}

/// The catalogue policies need a catalogue that is not approved yet.
#[test]
fn an_unapproved_catalogue_is_not_used() {
    let files: Vec<(String, String)> = feebook::rules::embedded::FILES
        .iter()
        .map(|(n, t)| {
            let t = if *n == "catalog-2026.yaml" {
                // Drop the company leader's signature: the chain is incomplete.
                t.lines()
                    .filter(|l| !l.contains("role: company_leader"))
                    .collect::<Vec<_>>()
                    .join("\n")
            } else {
                t.to_string()
            };
            (format!("rules/{n}"), t)
        })
        .collect();
    let loaded = feebook::rules::load_texts(Origin::Embedded, files);
    let r = loaded
        .rules
        .expect("an unapproved catalogue is valid rules");
    assert!(!r.catalog_approved_on("2026-06-01".parse().unwrap()));
    assert!(r.catalog_approved_on("2025-06-01".parse().unwrap()));
    let cat = r.catalog_on("2026-06-01".parse().unwrap()).unwrap();
    let record = feebook::policy::catalog_record(cat, false);
    let results = feebook::policy::check(
        &r,
        feebook::records::RecordKind::Catalog,
        &record,
        "catalogue 2026-01",
        &|_| None,
    );
    assert!(
        results
            .iter()
            .any(|d| d.message.contains("[catalog-approved]")),
        "{results:?}"
    );

    let order = feebook::order::OrderInput {
        customer: "孙晓明".into(),
        address: "华庭大厦 12 层 1203 室".into(),
        item: "copying".into(),
        quantity: Some(10.into()),
        service_date: Some("2026-06-01".parse().unwrap()),
        settlement: Some(feebook::order::Settlement::Immediate),
        ..Default::default()
    };
    let priced = feebook::order::price_order(&r, &order, "WX1", &Default::default()).unwrap();
    let results = feebook::policy::check(
        &r,
        feebook::records::RecordKind::Order,
        &feebook::policy::order_record(&priced),
        "order WX1",
        &|_| None,
    );
    assert!(
        results
            .iter()
            .any(|d| d.is_error() && d.message.contains("[approved-catalog-only]")),
        "{results:?}"
    );
}

#[test]
fn two_hundred_receipts_from_parallel_processes_get_consecutive_numbers() {
    let dir = temp("receipts");
    let sample =
        std::fs::read_to_string(format!("{ROOT}/samples/payments/immediate-repair-802.yaml"))
            .unwrap();
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let dir = dir.to_path_buf();
            let sample = sample.clone();
            std::thread::spawn(move || {
                let mut numbers = Vec::new();
                for i in 0..25 {
                    // Each payment pays its own work order: a work order
                    // already receipted is refused.
                    let payment = format!("payment-{w}-{i}.yaml");
                    let text = sample.replace("TY202611-00001", &format!("WX202611-9{w}{i:02}"));
                    std::fs::write(dir.join(&payment), text).unwrap();
                    let out = Command::new(env!("CARGO_BIN_EXE_feebook"))
                        .args([
                            "receipt",
                            &payment,
                            "--format",
                            "json",
                            "--journal",
                            "journal.sqlite",
                            "-o",
                        ])
                        .arg(format!("out{w}/"))
                        .current_dir(&dir)
                        .output()
                        .unwrap();
                    assert!(
                        out.status.success(),
                        "{}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                    let path = String::from_utf8(out.stdout).unwrap();
                    let number = path
                        .trim()
                        .rsplit("receipt-")
                        .next()
                        .unwrap()
                        .trim_end_matches(".json")
                        .to_string();
                    numbers.push(number);
                }
                numbers
            })
        })
        .collect();
    let mut all: Vec<String> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    all.sort();
    let expected: Vec<String> = (1..=200).map(|n| format!("SJ2026-{n:06}")).collect();
    assert_eq!(all, expected);
    let (code, out, _) = feebook(
        &["journal", "--format", "json", "--journal", "journal.sqlite"],
        &dir,
    );
    assert_eq!(code, 0);
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["series"][0]["count"], 200);
    assert_eq!(j["series"][0]["gaps"].as_array().unwrap().len(), 0);

    // Reissue gives the same bytes; a void keeps the number and marks it.
    let first = dir
        .join("out0")
        .read_dir()
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let number = first
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .trim_start_matches("receipt-")
        .to_string();
    let original = std::fs::read(&first).unwrap();
    let (code, out, err) = feebook(
        &[
            "reissue",
            &number,
            "--journal",
            "journal.sqlite",
            "-o",
            "again/",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(dir.join(out.trim())).unwrap(), original);
    let (code, _, err) = feebook(
        &[
            "void",
            &number,
            "--reason",
            "开错金额",
            "--date",
            "2026-11-30",
            "--journal",
            "journal.sqlite",
            "-o",
            "void/",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = feebook(
        &[
            "void",
            &number,
            "--reason",
            "again",
            "--journal",
            "journal.sqlite",
            "-o",
            "void/",
        ],
        &dir,
    );
    assert_eq!(code, 1, "voiding twice: {err}");
    let (_, out, _) = feebook(
        &["journal", "--format", "json", "--journal", "journal.sqlite"],
        &dir,
    );
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["series"][0]["voided"], 1);
    assert_eq!(j["series"][0]["count"], 200);
    let (code, _, err) = feebook(
        &["reissue", "SJ2026-999999", "--journal", "journal.sqlite"],
        &dir,
    );
    assert_eq!(code, 1);
    assert!(err.contains("does not exist"), "{err}");
}

/// The journal is checked for an earlier receipt under its write lock: of
/// eight cashiers receipting the same payment at once, one succeeds.
#[test]
fn the_same_payment_receipted_at_once_by_eight_processes_is_issued_once() {
    let dir = temp("receipt-race");
    let payment = format!("{ROOT}/samples/payments/immediate-repair-802.yaml");
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let dir = dir.to_path_buf();
            let payment = payment.clone();
            std::thread::spawn(move || {
                Command::new(env!("CARGO_BIN_EXE_feebook"))
                    .args(["receipt", &payment, "--format", "json"])
                    .args(["--journal", "journal.sqlite", "-o"])
                    .arg(format!("out{w}/"))
                    .current_dir(&dir)
                    .output()
                    .unwrap()
            })
        })
        .collect();
    let outs: Vec<_> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    let issued = outs.iter().filter(|o| o.status.success()).count();
    assert_eq!(issued, 1, "{outs:?}");
    for o in outs.iter().filter(|o| !o.status.success()) {
        assert_eq!(o.status.code(), Some(1));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("[already-receipted]"),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// 保本微利 allows up to 15%: a 15% management fee is within it however its
/// cent was rounded (1,234.50 × 15% = 185.175 → 185.18 is 15.0004% of the
/// cost). The margin is taken as the quote prints it, to 0.01%, and a
/// refusal shows it as a percentage.
#[test]
fn a_management_fee_at_the_limit_is_within_the_margin_policy() {
    let dir = temp("margin-limit");
    let job = "number: BJ2026-0109\ndate: 2026-11-30\ncustomer: {name: 钱多多}\naddress: 华庭大厦 9 层 901 室\ndescription: 管理费按上限 15% 计取\nresponsible_department: engineering\ninvolved_departments: [engineering]\nmaterials: [{name: 吊顶铝扣板, unit: 平方米, quantity: 25, unit_price: \"49.38\"}]\ninputs: {management_rate: 15%}\n";
    std::fs::write(dir.join("m15.yaml"), job).unwrap();
    let (code, out, err) = feebook(&["police", "m15.yaml"], &dir);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("break-even-small-profit"), "{err}");
    let (code, out, err) = feebook(&["quote", "m15.yaml", "--format", "json", "-o", "-"], &dir);
    assert_eq!(code, 0, "{err}");
    let q: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(q["margin"], "15%", "{out}");

    std::fs::write(
        dir.join("m16.yaml"),
        job.replace("management_rate: 15%", "management_rate: 16%"),
    )
    .unwrap();
    let (code, _, err) = feebook(&["police", "m16.yaml"], &dir);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("margin = 16%"), "{err}");
}

/// The customer signs a work order once the service is done (四（二）6):
/// a 月结 form is issued unsigned when the request is taken, and is billed
/// only once done and signed.
#[test]
fn a_monthly_work_order_is_issued_before_it_is_signed_and_billed_after() {
    let dir = temp("issue-unsigned");
    let sample =
        std::fs::read_to_string(format!("{ROOT}/samples/orders/indoor-cleaning-1203.yaml"))
            .unwrap();
    let to_do: String = sample
        .lines()
        .filter(|l| {
            ![
                "completed_on:",
                "customer_signed:",
                "verified_by:",
                "verified_on:",
            ]
            .iter()
            .any(|k| l.starts_with(k))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(to_do.contains("settlement: monthly"), "{to_do}");
    std::fs::write(dir.join("to-do.yaml"), &to_do).unwrap();
    let (code, out, err) = feebook(
        &[
            "order",
            "to-do.yaml",
            "--journal",
            "j.sqlite",
            "--format",
            "json",
            "-o",
            "wo.json",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("monthly-needs-signature"), "{err}");

    // Billed with no completion date: refused at the order, not billed.
    let wo: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("wo.json")).unwrap()).unwrap();
    let number = wo["header"]["number"].as_str().unwrap().to_string();
    std::fs::write(
        dir.join("month.yaml"),
        format!(
            "orders:\n  - number: {number}\n{}",
            to_do
                .lines()
                .filter(|l| !l.starts_with('#') && !l.is_empty())
                .map(|l| format!("    {l}\n"))
                .collect::<String>()
        ),
    )
    .unwrap();
    let month = wo["service_date"]["iso"].as_str().unwrap()[..7].to_string();
    let (code, _, err) = feebook(
        &[
            "bill",
            "month.yaml",
            "--month",
            &month,
            "--journal",
            "j.sqlite",
            "-o",
            "out",
        ],
        &dir,
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!(
            "error[not-completed]: order {number} (月结) has no completion date"
        )),
        "{err}"
    );
    assert!(err.contains("month.yaml:2:"), "{err}");
}

/// A price is signed after it exists: not before the revision that made it,
/// and a new price not before the sign-off of the old one it replaces.
#[test]
fn a_price_is_not_signed_before_it_exists() {
    let dir = temp("signed-before");
    std::fs::copy(
        format!("{ROOT}/samples/jobs/BJ2026-0036-lobby-stone-care.yaml"),
        dir.join("r1.yaml"),
    )
    .unwrap();
    let before = std::fs::read_to_string(dir.join("r1.yaml")).unwrap();
    assert!(
        before.contains("  - date: 2026-11-25\n"),
        "the sample's revision"
    );
    let sign = |file: &str, role: &str, dept: Option<&str>, name: &str, date: &str| {
        let mut args = vec![
            "approve", file, "--role", role, "--name", name, "--date", date,
        ];
        if let Some(d) = dept {
            args.extend(["--department", d]);
        }
        feebook(&args, &dir)
    };
    let (code, _, err) = sign(
        "r1.yaml",
        "dept_head",
        Some("cleaning"),
        "张丽",
        "2026-11-24",
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(
            "sign-off dated 2026-11-24 signs ¥1,055.23, the price of the revision of 2026-11-25"
        ),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("r1.yaml")).unwrap(),
        before
    );
    let (code, _, err) = sign(
        "r1.yaml",
        "dept_head",
        Some("cleaning"),
        "张丽",
        "2026-11-25",
    );
    assert_eq!(code, 0, "{err}");

    // Approved at ¥248.60, then the quantity changed: the new price is
    // signed after the old one was.
    std::fs::write(
        dir.join("r3.yaml"),
        "number: BJ2026-0120\ndate: 2026-11-20\ncustomer: {name: 孙晓明}\naddress: 华庭大厦 12 层 1203 室\ndescription: 更换灯具\nresponsible_department: engineering\ninvolved_departments: [engineering]\nmaterials: [{name: 灯具, unit: 套, quantity: 2, unit_price: \"100.00\"}]\n",
    )
    .unwrap();
    for (role, dept, name, date) in [
        ("dept_head", Some("engineering"), "李明", "2026-11-25"),
        ("dept_head", Some("engineering"), "李明", "2026-11-26"),
        ("branch_manager", None, "王建国", "2026-11-30"),
    ] {
        let (code, _, err) = sign("r3.yaml", role, dept, name, date);
        assert_eq!(code, 0, "{err}");
    }
    let text = std::fs::read_to_string(dir.join("r3.yaml")).unwrap();
    std::fs::write(
        dir.join("r3.yaml"),
        text.replace("quantity: 2,", "quantity: 3,"),
    )
    .unwrap();
    let (code, _, err) = sign(
        "r3.yaml",
        "dept_head",
        Some("engineering"),
        "李明",
        "2026-11-21",
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("sign-off dated 2026-11-21 is before the sign-off it replaces (2026-11-26)"),
        "{err}"
    );
    let (code, _, err) = sign(
        "r3.yaml",
        "dept_head",
        Some("engineering"),
        "李明",
        "2026-12-01",
    );
    assert_eq!(code, 0, "{err}");
}

/// Signing a step again says who signed it and when; an unknown `--role`
/// is a wrong argument (exit 2) listing the roles, as `--department` is.
#[test]
fn a_step_signed_again_and_an_unknown_role_are_said_as_such() {
    let dir = temp("signed-again");
    std::fs::copy(
        format!("{ROOT}/samples/jobs/BJ2026-0034-office-partition.yaml"),
        dir.join("j.yaml"),
    )
    .unwrap();
    let (code, _, err) = feebook(
        &[
            "approve",
            "j.yaml",
            "--role",
            "dept_head",
            "--department",
            "cleaning",
            "--name",
            "张丽",
            "--date",
            "2026-11-24",
        ],
        &dir,
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(
            "error[already-signed]: 部门负责人（保洁部） already signed this job (张丽, 2026-11-21)"
        ),
        "{err}"
    );
    let (code, _, err) = feebook(
        &[
            "approve",
            "j.yaml",
            "--role",
            "company_leadr",
            "--name",
            "周文华",
            "--date",
            "2026-11-24",
        ],
        &dir,
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--role `company_leadr` is not a role of the rules"),
        "{err}"
    );
    assert!(err.contains("company_leader"), "{err}");
}
