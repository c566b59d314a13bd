//! Pricing: uppercase amounts, catalogue prices, temporary jobs, bad input.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use feebook::diagnostic::render_all;
use feebook::money::{Money, Rate, UpperStyle, split_inclusive, to_upper};
use feebook::pricing::{GivenInput, ItemRequest, price_item};
use feebook::quote::{load_job, price_job};
use feebook::rules::{self, Rules};
use feebook::source::Sources;
use proptest::prelude::*;
use rust_decimal::Decimal;

fn rules() -> Rules {
    rules::load_embedded().rules.expect("sample rules")
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[test]
fn uppercase_golden_table() {
    let table = include_str!("fixtures/upper-golden.tsv");
    let mut n = 0;
    for line in table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (amount, expected) = line.split_once('\t').expect("tab-separated");
        let got = to_upper(dec(amount), &UpperStyle::default()).unwrap();
        assert_eq!(got, expected, "{amount}");
        n += 1;
    }
    assert!(n >= 40, "{n} cases");
}

#[test]
fn uppercase_style_settings() {
    let omit = UpperStyle {
        zero_after_yuan_before_jiao: false,
        zero_after_wan: true,
        zheng_after_jiao: false,
    };
    assert_eq!(
        to_upper(dec("1680.32"), &omit).unwrap(),
        "壹仟陆佰捌拾元叁角贰分"
    );
    assert_eq!(
        to_upper(dec("107000.53"), &omit).unwrap(),
        "壹拾万零柒仟元伍角叁分"
    );
    assert_eq!(
        to_upper(dec("1409.50"), &omit).unwrap(),
        "壹仟肆佰零玖元伍角"
    );
    // 零 after 元 when 角 is 0 and 分 is not is not a style: always written.
    assert_eq!(
        to_upper(dec("16409.02"), &omit).unwrap(),
        "壹万陆仟肆佰零玖元零贰分"
    );
}

/// (item, quantity, service date, inputs, total, net, tax).
type PriceCase<'a> = (
    &'a str,
    &'a str,
    &'a str,
    &'a [(&'a str, &'a str)],
    &'a str,
    &'a str,
    &'a str,
);

/// (item, quantity, service date, inputs) → (total, net, tax), worked out by hand.
#[test]
fn catalogue_prices_golden_table() {
    let r = rules();
    let cases: &[PriceCase] = &[
        // 25 m² × 3.00 = 75.00 < minimum 80.00; 80 / 1.06 = 75.47
        (
            "indoor-cleaning",
            "25",
            "2026-11-27",
            &[],
            "80.00",
            "75.47",
            "4.53",
        ),
        (
            "indoor-cleaning",
            "120",
            "2026-11-27",
            &[],
            "360.00",
            "339.62",
            "20.38",
        ),
        // the 2025 price list: 2.80
        (
            "indoor-cleaning",
            "120",
            "2025-12-31",
            &[],
            "336.00",
            "316.98",
            "19.02",
        ),
        // 3 pots × 25.00 = 75.00 ≥ 50.00
        (
            "plant-care",
            "3",
            "2026-05-01",
            &[],
            "75.00",
            "70.75",
            "4.25",
        ),
        // 1.5 h meeting room: 180.00 < 240.00 minimum; 9% leasing
        (
            "meeting-room",
            "1.5",
            "2026-02-10",
            &[],
            "240.00",
            "220.18",
            "19.82",
        ),
        (
            "meeting-room",
            "4",
            "2026-02-10",
            &[],
            "480.00",
            "440.37",
            "39.63",
        ),
        ("laundry", "7", "2026-02-10", &[], "105.00", "99.06", "5.94"),
        // 0.50 × 37 = 18.50
        ("copying", "37", "2026-02-10", &[], "18.50", "17.45", "1.05"),
        // 20 + 1.5 × 60 + 35 = 145.00; 13%: 145 / 1.13 = 128.32
        (
            "paid-repair",
            "1.5",
            "2026-11-27",
            &[("materials", "35.00")],
            "145.00",
            "128.32",
            "16.68",
        ),
        // half of 4200 = 2100
        (
            "letting-agency",
            "1",
            "2026-03-01",
            &[("monthly_rent", "4200")],
            "2100.00",
            "1981.13",
            "118.87",
        ),
        // half of 800 = 400 < 500 floor
        (
            "letting-agency",
            "1",
            "2026-03-01",
            &[("monthly_rent", "800")],
            "500.00",
            "471.70",
            "28.30",
        ),
    ];
    for (item, qty, date, inputs, total, net, tax) in cases {
        let inputs: BTreeMap<String, GivenInput> = inputs
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    GivenInput {
                        text: v.to_string(),
                        place: None,
                    },
                )
            })
            .collect();
        let p = price_item(
            &r,
            &ItemRequest {
                item,
                quantity: dec(qty),
                date: d(date),
                inputs,
                item_place: None,
                quantity_place: None,
                date_place: None,
            },
        )
        .unwrap_or_else(|e| panic!("{item}: {e:?}"));
        assert_eq!(
            (p.total.to_string(), p.net.to_string(), p.tax.to_string()),
            (total.to_string(), net.to_string(), tax.to_string()),
            "{item} × {qty} on {date}"
        );
    }
}

#[test]
fn catalogue_pricing_errors() {
    let r = rules();
    let req = |item, qty, date: &str, inputs: &[(&str, &str)]| ItemRequest {
        item,
        quantity: dec(qty),
        date: d(date),
        inputs: inputs
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    GivenInput {
                        text: v.to_string(),
                        place: None,
                    },
                )
            })
            .collect(),
        item_place: None,
        quantity_place: None,
        date_place: None,
    };
    let code = |req: ItemRequest| price_item(&r, &req).unwrap_err()[0].code;
    assert_eq!(
        code(req("indoor-cleanin", "10", "2026-01-05", &[])),
        "unknown-item"
    );
    assert_eq!(
        code(req("indoor-cleaning", "-2", "2026-01-05", &[])),
        "invalid-quantity"
    );
    assert_eq!(
        code(req("indoor-cleaning", "0", "2026-01-05", &[])),
        "invalid-quantity"
    );
    assert_eq!(
        code(req("indoor-cleaning", "10", "2024-06-30", &[])),
        "no-price-list"
    );
    assert_eq!(
        code(req("letting-agency", "1", "2026-01-05", &[])),
        "missing-input"
    );
    assert_eq!(
        code(req(
            "letting-agency",
            "1",
            "2026-01-05",
            &[("monthly_rent", "abc")]
        )),
        "invalid-input"
    );
    assert_eq!(
        code(req(
            "letting-agency",
            "1",
            "2026-01-05",
            &[("rent", "3000")]
        )),
        "unknown-input"
    );
    // The commission formula takes no quantity: two would be charged as one.
    assert_eq!(
        code(req(
            "letting-agency",
            "2",
            "2026-01-05",
            &[("monthly_rent", "3000")]
        )),
        "quantity-not-used"
    );
    assert_eq!(
        code(req("copying", "10", "2026-01-05", &[("rent", "3000")])),
        "unknown-input"
    );
    // A typo is answered with the likely item.
    let hints = price_item(&r, &req("indoor-cleanin", "10", "2026-01-05", &[])).unwrap_err()[0]
        .hints
        .join("\n");
    assert!(hints.contains("did you mean `indoor-cleaning`?"), "{hints}");
}

/// An item the price list in force dropped is not a typo: the error says
/// which lists have it, and when they were in force.
#[test]
fn an_item_of_another_price_list_says_where_it_is() {
    let files: Vec<(String, String)> = rules::embedded::FILES
        .iter()
        .map(|(n, t)| {
            let t = if *n == "catalog-2026.yaml" {
                t.replace(
                    "id: laundry\n      name: 洗衣服务",
                    "id: washing\n      name: 洗涤",
                )
            } else {
                t.to_string()
            };
            (format!("rules/{n}"), t)
        })
        .collect();
    let loaded = rules::load_texts(rules::Origin::Embedded, files);
    let r = loaded.rules.expect("rules");
    for item in ["laundry", "洗衣服务"] {
        let req = ItemRequest {
            item,
            quantity: dec("3"),
            date: d("2026-03-02"),
            inputs: Default::default(),
            item_place: None,
            quantity_place: None,
            date_place: None,
        };
        let e = &price_item(&r, &req).unwrap_err()[0];
        assert_eq!(e.code, "unknown-item");
        assert_eq!(
            e.hints[0],
            format!(
                "`{item}` is in price list 2025-01 (2025-01-01 to 2025-12-31), not in 2026-01: it is not offered on 2026-03-02"
            )
        );
    }
}

/// Hours given for a cost per day: exact when the division ends, else
/// rounded to 4 places, a stated point, so the amount follows from the
/// days printed.
#[test]
fn hours_converted_to_days() {
    use feebook::pricing::labour_time;
    use feebook::rules::model::TimeUnit;
    let day = |h: &str, hpd: &str| {
        labour_time(TimeUnit::Day, Some(dec(h)), None, dec(hpd))
            .unwrap()
            .to_string()
    };
    assert_eq!(day("4", "8"), "0.5");
    assert_eq!(day("2.25", "8"), "0.28125");
    assert_eq!(day("5", "6"), "0.8333");
    assert_eq!(day("10", "7.5"), "1.3333");
    assert_eq!(day("1", "24"), "0.0417");
    assert_eq!(day("12", "6"), "2");
    let hours = labour_time(TimeUnit::Hour, None, Some(dec("1.5")), dec("7.5")).unwrap();
    assert_eq!(hours.to_string(), "11.25");
    // 1 × 0.8333 日 × ¥285.15 = ¥237.615… → ¥237.62, as printed.
    let rate = Money::parse("285.15").unwrap();
    let amount = rate
        .mul_qty_rounded(dec("1") * dec(&day("5", "6")))
        .unwrap();
    assert_eq!(amount.to_string(), "237.62");
}

fn quote_of(path: &str) -> feebook::quote::Quote {
    let r = rules();
    let mut sources = Sources::new();
    let text = std::fs::read_to_string(path).unwrap();
    let (_, job) = load_job(&mut sources, path, text).unwrap();
    price_job(&r, &job).unwrap_or_else(|e| panic!("{}", render_all(&e, &sources)))
}

#[test]
fn sample_jobs_price_as_worked_out_by_hand() {
    let root = env!("CARGO_MANIFEST_DIR");
    // labour 540 + 420 + 60; materials 260 + 135 + 489.60; fee 10%; tax 13%.
    let q = quote_of(&format!(
        "{root}/samples/jobs/BJ2026-0031-bathroom-waterproofing.yaml"
    ));
    assert_eq!(
        (q.total.to_string(), q.net.to_string(), q.tax.to_string()),
        ("2367.42".into(), "2095.06".into(), "272.36".into())
    );
    assert_eq!(q.total_upper, "贰仟叁佰陆拾柒元肆角贰分");
    assert_eq!(q.original_total.to_string(), "1909.25");
    assert_eq!(q.revisions[0].difference.to_string(), "458.17");
    assert!(!q.awaiting_confirmation);
    assert_eq!(q.margin.as_deref(), Some("10%"));

    let q = quote_of(&format!(
        "{root}/samples/jobs/BJ2026-0034-office-partition.yaml"
    ));
    assert_eq!(q.total.to_string(), "8896.78");
    let q = quote_of(&format!(
        "{root}/samples/jobs/BJ2026-0036-lobby-stone-care.yaml"
    ));
    assert_eq!(q.total.to_string(), "1055.23");
    assert!(q.awaiting_confirmation);
}

#[test]
fn sample_job_quotes_snapshot() {
    let root = env!("CARGO_MANIFEST_DIR");
    for name in [
        "BJ2026-0031-bathroom-waterproofing",
        "BJ2026-0034-office-partition",
        "BJ2026-0036-lobby-stone-care",
    ] {
        let q = quote_of(&format!("{root}/samples/jobs/{name}.yaml"));
        insta::assert_snapshot!(format!("explain__{name}"), feebook::quote::explain(&q));
        insta::assert_json_snapshot!(format!("json__{name}"), q);
    }
}

#[test]
fn bad_job_fixtures_are_reported_with_their_place() {
    let r = rules();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bad-jobs");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    assert!(paths.len() >= 15);
    for path in paths {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let mut sources = Sources::new();
        let text = std::fs::read_to_string(&path).unwrap();
        let problems = match load_job(&mut sources, &format!("jobs/{name}.yaml"), text) {
            Err(d) => d,
            Ok((_, job)) => match price_job(&r, &job) {
                Ok(_) => panic!("{name}: priced without complaint"),
                Err(p) => p,
            },
        };
        let rendered = render_all(&problems, &sources);
        assert!(
            rendered.contains(&format!("jobs/{name}.yaml:")),
            "{name}: no file:line:column\n{rendered}"
        );
        insta::assert_snapshot!(format!("bad_job__{name}"), rendered);
    }
}

fn arb_job() -> impl Strategy<Value = String> {
    let labour = prop::collection::vec(
        (
            prop::sample::select(vec![
                "plumber",
                "electrician",
                "carpenter",
                "general_worker",
                "cleaner",
                "gardener",
            ]),
            1u32..6,
            1u32..400,
            prop::bool::ANY,
            0u32..20000,
        ),
        0..5,
    );
    let materials = prop::collection::vec((1u32..5000, 0u64..2_000_000), 0..6);
    (labour, materials, 0u32..3000, prop::bool::ANY).prop_map(|(labour, materials, rate, tax6)| {
        let mut s = String::from(
            "number: P-1\ndate: 2026-06-01\ncustomer: {name: 测试}\naddress: 测试\ndescription: 测试\nresponsible_department: engineering\ninvolved_departments: [engineering, cleaning, greening]\n",
        );
        if tax6 {
            s.push_str("tax: vat_services\n");
        }
        s.push_str(&format!("inputs: {{management_rate: \"{}.{:02}%\"}}\n", rate / 100, rate % 100));
        s.push_str(if labour.is_empty() { "labour: []\n" } else { "labour:\n" });
        for (role, staff, quarter_hours, days, override_fen) in labour {
            let time = if days { format!("days: {}", Decimal::new(quarter_hours as i64, 1)) } else { format!("hours: {}", Decimal::new(quarter_hours as i64, 2) * Decimal::from(25)) };
            let over = if override_fen > 0 { format!(", rate: \"{}\", reason: 测试", Money::from_fen(override_fen as i64).unwrap()) } else { String::new() };
            s.push_str(&format!("  - {{role: {role}, staff: {staff}, {time}{over}}}\n"));
        }
        s.push_str(if materials.is_empty() { "materials: []\n" } else { "materials:\n" });
        for (q, fen) in materials {
            s.push_str(&format!("  - {{name: 材料, unit: 个, quantity: {}, unit_price: \"{}\"}}\n", Decimal::new(q as i64, 1), Money::from_fen(fen as i64).unwrap()));
        }
        s
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Whatever the job, the lines add up to the total to the 分, the rows
    /// add up to their lines, and net + tax = total.
    #[test]
    fn priced_jobs_add_up(job in arb_job()) {
        let r = rules();
        let mut sources = Sources::new();
        let (_, job) = load_job(&mut sources, "job.yaml", job).unwrap();
        let q = price_job(&r, &job).unwrap_or_else(|e| panic!("{}", render_all(&e, &sources)));
        use feebook::rules::model::LineKind;
        let parts: Money = q.lines.iter().filter(|l| matches!(l.kind, LineKind::Cost | LineKind::Fee | LineKind::Tax)).filter_map(|l| l.amount).sum();
        prop_assert_eq!(parts, q.total);
        prop_assert_eq!(q.net.checked_add(q.tax).unwrap(), q.total);
        let labour: Money = q.labour.iter().map(|l| l.amount).sum();
        let materials: Money = q.materials.iter().map(|m| m.amount).sum();
        let line = |id: &str| q.lines.iter().find(|l| l.id == id).and_then(|l| l.amount).unwrap();
        prop_assert_eq!(labour, line("labour_cost"));
        prop_assert_eq!(materials, line("material_cost"));
    }

    #[test]
    fn tax_inclusive_splits_add_back(fen in -100_000_000_000i64..100_000_000_000, bp in 0u32..10_000) {
        let gross = Money::from_fen(fen).unwrap();
        let rate = Rate::from_fraction(Decimal::new(bp as i64, 4)).unwrap();
        let (net, tax) = split_inclusive(gross, rate);
        prop_assert_eq!(net.checked_add(tax).unwrap(), gross);
    }
}

/// A personnel cost raised from a date (`from`, the old rate under
/// `earlier`) prices a job by its own date: the November job keeps its
/// approved price, a job of January pays the new rate.
#[test]
fn a_personnel_cost_raised_from_a_date_leaves_earlier_jobs_alone() {
    let root = env!("CARGO_MANIFEST_DIR");
    let raised = "  plumber:\n    title: 管道工\n    department: engineering\n    rate: \"55.00\"\n    per: hour\n    from: 2027-01-01\n    earlier:\n      - {rate: \"40.00\", per: hour, until: 2025-12-31}\n      - {rate: \"45.00\", per: hour, until: 2026-12-31}\n";
    let files: Vec<(String, String)> = rules::embedded::FILES
        .iter()
        .map(|(n, t)| {
            let t = if *n == "organization.yaml" {
                let old = "  plumber:\n    title: 管道工\n    department: engineering\n    rate: \"45.00\"\n    per: hour\n";
                assert!(t.contains(old));
                t.replace(old, raised)
            } else {
                t.to_string()
            };
            (format!("rules/{n}"), t)
        })
        .collect();
    let loaded = rules::load_texts(rules::Origin::Embedded, files.clone());
    assert!(
        loaded.diagnostics.is_empty(),
        "{}",
        render_all(&loaded.diagnostics, &loaded.sources)
    );
    let r = loaded.rules.unwrap();
    let path = format!("{root}/samples/jobs/BJ2026-0031-bathroom-waterproofing.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let price = |text: String| {
        let mut sources = Sources::new();
        let (_, job) = load_job(&mut sources, &path, text).unwrap();
        price_job(&r, &job).unwrap_or_else(|e| panic!("{}", render_all(&e, &sources)))
    };
    let november = price(text.clone());
    assert_eq!(november.total.to_string(), "2367.42");
    let (status, _) = feebook::approval::quote_status(
        &r,
        &load_job(&mut Sources::new(), &path, text.clone())
            .unwrap()
            .1,
        &november,
    );
    assert!(status.is_approved(), "{status:?}");
    // Dated in the new year, the plumbers' 2 × 6 hours cost 55 an hour.
    let january = price(text.replace("2026-11-", "2027-01-"));
    let plumber = january.labour.iter().find(|l| l.role == "plumber").unwrap();
    assert_eq!(plumber.rate.to_string(), "55.00");
    assert_eq!(plumber.amount.to_string(), "660.00");
    // And in 2025, the oldest rate.
    let old = price(text.replace("2026-11-", "2025-06-"));
    let plumber = old.labour.iter().find(|l| l.role == "plumber").unwrap();
    assert_eq!(plumber.rate.to_string(), "40.00");

    // The earlier rates must meet `rate` and follow one another.
    for (from, to, code) in [
        ("until: 2026-12-31}", "until: 2026-12-30}", "cost-gap"),
        ("    from: 2027-01-01\n", "", "missing-field"),
        ("until: 2025-12-31}", "until: 2027-12-31}", "date-order"),
    ] {
        let edit = (from, to);
        let files: Vec<(String, String)> = files
            .iter()
            .map(|(n, t)| {
                (
                    n.clone(),
                    if n == "rules/organization.yaml" {
                        t.replace(edit.0, edit.1)
                    } else {
                        t.clone()
                    },
                )
            })
            .collect();
        let loaded = rules::load_texts(rules::Origin::Embedded, files);
        let codes: Vec<_> = loaded.diagnostics.iter().map(|d| d.code).collect();
        assert!(
            codes.contains(&code),
            "{edit:?}: {}",
            render_all(&loaded.diagnostics, &loaded.sources)
        );
    }
}
