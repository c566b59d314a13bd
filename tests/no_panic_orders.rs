//! A month of work orders, however wrong its cells, goes through the whole
//! billing pipeline (reading, pricing, the procedure's checks, the month's
//! amount check, grouping, tax both ways, the summary, every document's data
//! and its HTML/Markdown) without a panic: a bad cell is a report, never a
//! crash. Typst is left out only for time; it renders the same data.

use chrono::Datelike;
use feebook::batch::{self, AmountGuard};
use feebook::documents::{Format, Kind, Renderer, model};
use feebook::order::PricedOrder;
use feebook::policy;
use feebook::records::RecordKind;
use feebook::rules::Rules;
use feebook::rules::model::TaxRounding;
use proptest::prelude::*;

const HEADER: [&str; 17] = [
    "单号",
    "登记日期",
    "客户名称",
    "地址",
    "联系电话",
    "服务项目",
    "数量",
    "服务日期",
    "服务时间",
    "结算方式",
    "材料费",
    "月租金",
    "完成日期",
    "客户签字",
    "核对人",
    "核对日期",
    "确认单号",
];

/// The sample jobs (one approved, one awaiting its leader, one a draft), as
/// `--jobs samples/jobs` gives them.
fn jobs() -> &'static feebook::jobs::JobBook {
    static JOBS: std::sync::OnceLock<feebook::jobs::JobBook> = std::sync::OnceLock::new();
    JOBS.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/jobs");
        let mut book = feebook::jobs::JobBook::new(dir);
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for path in paths {
            let mut sources = feebook::source::Sources::new();
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.display().to_string();
            let (_, job) = feebook::quote::load_job(&mut sources, &name, text).unwrap();
            let quote = feebook::quote::price_job(rules(), &job).unwrap();
            let (status, _) = feebook::approval::quote_status(rules(), &job, &quote);
            book.add(feebook::jobs::JobEntry {
                file: name,
                quote,
                status,
                refusals: Vec::new(),
            });
        }
        book
    })
}

/// A temporary job's number (确认单号): mostly none, now and then one of
/// the sample jobs, typed another way, or none of them.
fn job() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => Just(String::new()),
        1 => prop::sample::select(vec![
            "BJ2026-0031", "bj2026－0031", "BJ2026-0034", "BJ2026-0036", "BJ2026-9999", " ",
        ])
        .prop_map(str::to_string),
    ]
}

fn rules() -> &'static Rules {
    static RULES: std::sync::OnceLock<Rules> = std::sync::OnceLock::new();
    RULES.get_or_init(|| feebook::rules::load_embedded().rules.unwrap())
}

/// A number as an office writes it, or now and then mistypes it.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (1u64..200, 0u32..4).prop_map(|(a, b)| format!("{a}.{}", b * 25)),
        2 => (1u64..100_000_000_000).prop_map(|a| a.to_string()),
        // Extra zeros: an order within range, a month that is not.
        1 => (1u64..20).prop_map(|a| format!("{a}000000000")),
        2 => prop::sample::select(vec![
            "", "0", "-1", "-0", "0.5", "1e3", "1E-2", "3,000", "1,234.5", "１２", " 7 ", "NaN",
            "inf", "0.0000000000000000000000001", "12345678901234567890123456789",
            "79228162514264337593543950335", "99999999999", "9000000000", "0.005", "¥80",
            "80元", "--1", ".", "1.2.3",
        ])
        .prop_map(str::to_string),
        1 => "[0-9.,\\-]{1,30}",
    ]
}

/// A formula item's input (材料费, 月租金): mostly left empty, as for
/// every item with a fixed price.
fn optional() -> impl Strategy<Value = String> {
    prop_oneof![3 => Just(String::new()), 1 => number()]
}

/// A day of the month billed, or now and then not a date of it at all.
fn day() -> impl Strategy<Value = Option<u32>> {
    prop_oneof![8 => (1u32..=28).prop_map(Some), 1 => Just(None)]
}

fn bad_date() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "",
        "2026-02-30",
        "2026年11月20日",
        "9999-12-31",
        "0000-01-01",
        "+262143-01-01",
        "2026-11-20 14:30",
        "46000",
        "昨天",
        "2026-10-31",
        "2026-12-01",
    ])
    .prop_map(str::to_string)
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(vec!["孙晓明", "明德会计师事务所", "王伟", "华庭大厦 12 层 1203 室"])
            .prop_map(str::to_string),
        1 => prop::sample::select(vec!["", "𠮷野家", "a\u{0}b", "=1+2", "\"x\""]).prop_map(str::to_string),
        1 => "\\PC{0,12}",
    ]
}

fn row() -> impl Strategy<Value = Vec<String>> {
    let item = prop_oneof![
        8 => prop::sample::select(vec![
            "代理物业出租", "室内卫生清洁", "室内绿化保养", "有偿维修", "出租会议室", "洗衣服务",
            "复印", "paid-repair", "laundry",
        ])
        .prop_map(str::to_string),
        1 => prop_oneof![Just("室内保洁".to_string()), "\\PC{0,6}"],
    ];
    let settlement = prop_oneof![
        8 => prop::sample::select(vec!["月结", "即时结算", "长期协议"]),
        1 => prop::sample::select(vec!["现金", ""]),
    ];
    let yes = prop_oneof![8 => Just("是"), 1 => prop::sample::select(vec!["否", "", "Y", "已签"])];
    (
        (0u32..40).prop_map(|n| format!("WX202611-{n:05}")),
        (text(), text(), item, number(), settlement),
        (day(), bad_date(), 0usize..12),
        (optional(), optional(), yes, text(), job()),
    )
        .prop_map(
            |(no, (customer, address, item, qty, settle), dates, rest)| {
                let (day, bad, which) = dates;
                let (materials, rent, signed, checker, job) = rest;
                // An order of a job leaves its item and quantity empty, or
                // now and then does not.
                let (item, qty) = if !job.is_empty() && which % 3 != 0 {
                    (String::new(), String::new())
                } else {
                    (item, qty)
                };
                // Registered, served, done, checked: the day served (checked the
                // next day), or now and then one of them wrong.
                let mut dates: Vec<String> = [0, 0, 0, 1]
                    .iter()
                    .map(|d| match day {
                        Some(x) => format!("2026-11-{:02}", x + d),
                        None => bad.clone(),
                    })
                    .collect();
                if which < dates.len() {
                    dates[which] = bad;
                }
                let [registered, served, done, checked] = <[String; 4]>::try_from(dates).unwrap();
                vec![
                    no,
                    registered,
                    customer,
                    address,
                    "13900000000".into(),
                    item,
                    qty,
                    served,
                    "10:00–12:00".into(),
                    settle.into(),
                    materials,
                    rent,
                    done,
                    signed.into(),
                    checker,
                    checked,
                    job,
                ]
            },
        )
}

fn month_csv(rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.into_inner().unwrap()
}

/// What `feebook bill` does with a month, short of Typst: the number of
/// orders billed, or `None` when the month's amounts were refused.
fn bill(csv: &[u8]) -> Option<usize> {
    let rules = rules();
    let period = (2026, 11);
    let Ok(table) = feebook::tabular::read_csv_bytes("m.csv", csv, None) else {
        return Some(0);
    };
    let Ok((rows, _)) = feebook::orders_input::read_table(rules, &table) else {
        return Some(0);
    };
    let mut guard = AmountGuard::default();
    let mut orders: Vec<PricedOrder> = Vec::new();
    for row in rows {
        let Ok(o) = row else { continue };
        let number = o.number.clone().unwrap_or_default();
        let Ok(p) = feebook::order::price_order(rules, &o, &number, jobs()) else {
            continue;
        };
        let results = policy::check(
            rules,
            RecordKind::Order,
            &policy::order_record(&p),
            "order",
            &|f| o.place(f),
        );
        if policy::blocks(&results) || (p.service_date.year(), p.service_date.month()) != period {
            continue;
        }
        guard.add(&p, || o.place("quantity"));
        orders.push(p);
    }
    if guard.finish("the orders of 2026-11").is_err() {
        return None;
    }
    let date = batch::notice_date(period);
    let r = Renderer::embedded();
    for rounding in [TaxRounding::PerLine, TaxRounding::PerDocument] {
        let bills = batch::group(&orders, rounding);
        let summary = batch::summarize(period, &orders, &bills, 0);
        // The VAT return's figures add up to the notices'.
        let rates = &summary.by_tax_rate;
        assert_eq!(
            rates.iter().map(|t| t.tax).sum::<feebook::money::Money>(),
            summary.billed_tax
        );
        assert_eq!(
            rates.iter().map(|t| t.net).sum::<feebook::money::Money>(),
            summary.billed_net
        );
        let notices: Vec<_> = bills.iter().map(|b| b.total).collect::<Vec<_>>();
        assert_eq!(
            feebook::money::Money::try_sum(notices).unwrap(),
            summary.billed_total
        );
        for b in &bills {
            let mine: Vec<&PricedOrder> = b.orders.iter().map(|&i| &orders[i]).collect();
            let doc = model::billing_notice(
                rules,
                "TZ202612-0001",
                date,
                &b.customer,
                &b.address,
                period,
                &mine,
                b.tax,
                false,
            );
            for f in [Format::Html, Format::Md] {
                r.render(Kind::BillingNotice, &doc, f, date, "TZ202612-0001")
                    .unwrap();
            }
        }
    }
    let register = model::register(rules, period, date, &orders);
    r.render(Kind::Register, &register, Format::Md, date, "register")
        .unwrap();
    for o in &orders {
        let doc = model::work_order(rules, o, false);
        r.render(Kind::WorkOrder, &doc, Format::Html, date, &o.number)
            .unwrap();
    }
    Some(orders.len())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_month_of_bad_cells_bills_or_reports_never_panics(
        rows in prop::collection::vec(row(), 0..12),
    ) {
        let _ = bill(&month_csv(&rows));
    }

    #[test]
    fn a_damaged_month_file_never_panics(
        rows in prop::collection::vec(row(), 1..6),
        cut in 0usize..2000,
        junk in prop::collection::vec(any::<u8>(), 0..8),
    ) {
        let mut bytes = month_csv(&rows);
        let at = cut.min(bytes.len());
        bytes.splice(at..at, junk);
        let _ = bill(&bytes);
    }
}

/// A 有偿维修 order of `hours` on a day of November 2026.
fn repair(i: usize, hours: &str) -> Vec<String> {
    [
        &format!("WX202611-{i:05}"),
        "2026-11-02",
        "孙晓明",
        "华庭大厦 12 层 1203 室",
        "13900000000",
        "有偿维修",
        hours,
        "2026-11-02",
        "10:00–12:00",
        "月结",
        "",
        "",
        "2026-11-02",
        "是",
        "张丽",
        "2026-11-03",
        "",
    ]
    .map(str::to_string)
    .to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Near the limit: a month is refused exactly when its orders add up
    /// to more than an amount can be, and billed otherwise.
    #[test]
    fn a_month_is_refused_exactly_when_its_total_cannot_be_written(
        hours in prop::collection::vec(1_000_000_000u64..12_000_000_000, 1..5),
        last in 0u64..3,
    ) {
        // Now and then a month that ends just under the limit or an hour
        // over it: the rest of ¥999,999,999,999.99 in whole hours, or one more.
        let mut hours = hours;
        let so_far: u64 = hours.iter().map(|&h| h * 60 + 20).sum();
        if last > 0 && so_far < 999_999_999_999 - 20 {
            let rest = (999_999_999_999 - 20 - so_far) / 60;
            hours.push(rest + last - 1);
        }
        let rows: Vec<Vec<String>> =
            hours.iter().enumerate().map(|(i, h)| repair(i, &h.to_string())).collect();
        // 有偿维修 in the sample rules: ¥60.00 an hour and ¥20.00 to come.
        let total: u128 = hours.iter().map(|&h| u128::from(h) * 60 + 20).sum();
        let fits = total <= 999_999_999_999;
        let billed = bill(&month_csv(&rows));
        prop_assert_eq!(billed, fits.then_some(rows.len()));
    }
}

/// The one case the generator is there to find, kept as a plain test: a
/// quantity typed with extra zeros on two orders.
#[test]
fn two_orders_that_overflow_the_month_are_refused_not_summed() {
    let rows: Vec<Vec<String>> = ["8000000000", "9000000000"]
        .iter()
        .enumerate()
        .map(|(i, q)| repair(i, q))
        .collect();
    assert_eq!(bill(&month_csv(&rows)), None);
    // One of them alone is billed.
    assert_eq!(bill(&month_csv(&rows[1..])), Some(1));
}

/// The generator's rows do reach the documents: the sample month bills.
#[test]
fn the_sample_month_goes_all_the_way() {
    let csv = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/orders/2026-11.csv"
    ))
    .unwrap();
    assert_eq!(bill(&csv), Some(300));
}
