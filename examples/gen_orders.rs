//! Generates a month of realistic work orders, as a finance clerk would
//! export them: Chinese headers, UTF-8 CSV (with a BOM) or GBK, or XLSX.
//!
//! ```text
//! cargo run --release --example gen_orders -- 10000 [--customers N] [--regulars N] [--month 2026-11] [--seed 7] [-o orders.csv] [--gbk] [--xlsx orders.xlsx]
//! ```
//!
//! A third of the orders come from the first `--regulars` customers (10 by
//! default: the offices of the sample month), the rest from any customer:
//! with few regulars a large month gives each of them hundreds of orders
//! (notices of tens of pages), with about 1% of the customers it gives them
//! tens.
//!
//! The same arguments always give the same file (a fixed pseudo-random
//! sequence). Every row is valid under the sample rules: 月结 orders are
//! signed by the customer and checked the next working day.

use chrono::{Datelike, NaiveDate};

const HEADERS: [&str; 16] = [
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
    "完成日期",
    "客户签字",
    "核对人",
    "核对日期",
    "协议编号",
];

/// A small deterministic generator (xorshift64*); no dependency needed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "晓明", "建华", "志强", "海燕", "文博",
    "思雨", "子涵",
];
const COMPANIES: &[&str] = &[
    "滨江云帆科技有限公司",
    "华庭律师事务所",
    "滨江时代餐饮管理有限公司",
    "星河广告传媒有限公司",
    "安泰保险滨江营业部",
    "青禾教育咨询有限公司",
    "远航国际货运代理有限公司",
    "明德会计师事务所",
    "朗润健康管理有限公司",
    "新锐设计工作室",
];

struct Customer {
    name: String,
    address: String,
    phone: String,
    company: bool,
}

fn customers(rng: &mut Rng, n: usize) -> Vec<Customer> {
    let mut out: Vec<Customer> = COMPANIES
        .iter()
        .enumerate()
        .map(|(i, c)| Customer {
            name: c.to_string(),
            address: format!("华庭大厦 {} 层 {:02}0{} 室", 5 + i, 1 + i % 8, 1 + i % 3),
            phone: format!("0571-8866 {:04}", 3000 + i * 17),
            company: true,
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    while out.len() < n {
        let name = format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN));
        let floor = 12 + rng.below(17);
        let room = 1 + rng.below(8);
        let key = (name.clone(), floor, room);
        if !seen.insert(key) {
            continue;
        }
        out.push(Customer {
            name,
            address: format!("华庭大厦 {floor} 层 {floor}{room:02} 室"),
            phone: format!("13{}{:08}", 5 + rng.below(5), rng.below(100_000_000)),
            company: false,
        });
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let rows: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(300);
    let month = get("--month").unwrap_or_else(|| "2026-11".into());
    let seed: u64 = get("--seed").and_then(|s| s.parse().ok()).unwrap_or(2026);
    let out = get("-o");
    let xlsx = get("--xlsx");
    let gbk = args.iter().any(|a| a == "--gbk");
    let (year, mon): (i32, u32) = {
        let (y, m) = month.split_once('-').expect("--month YYYY-MM");
        (y.parse().unwrap(), m.parse().unwrap())
    };
    let rules = feebook::rules::load_embedded().rules.expect("sample rules");
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let n_customers = get("--customers")
        .and_then(|s| s.parse().ok())
        .unwrap_or((rows / 4).clamp(12, 20_000));
    let people = customers(&mut rng, n_customers.max(12));
    let regulars: u64 = get("--regulars")
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
        .clamp(1, people.len() as u64);
    let days: Vec<NaiveDate> = (1..=31)
        .filter_map(|d| NaiveDate::from_ymd_opt(year, mon, d))
        .collect();
    let prefix = format!("WX{year}{mon:02}-");
    let mut records: Vec<Vec<String>> = Vec::with_capacity(rows);
    for i in 0..rows {
        // A few customers order often (offices), most now and then.
        let ci = if rng.below(3) == 0 {
            rng.below(regulars) as usize
        } else {
            rng.below(people.len() as u64) as usize
        };
        let c = &people[ci];
        let day = *rng.pick(&days);
        let (item, qty, materials): (&str, String, String) = match rng.below(20) {
            0..=6 => (
                "室内卫生清洁",
                format!("{}", 40 + rng.below(160)),
                String::new(),
            ),
            7..=9 => (
                "室内绿化保养",
                format!("{}", 1 + rng.below(12)),
                String::new(),
            ),
            10..=12 => (
                "有偿维修",
                format!(
                    "{}.{}",
                    1 + rng.below(3),
                    if rng.below(2) == 0 { 0 } else { 5 }
                ),
                format!("{}.00", rng.below(120)),
            ),
            13..=14 => ("出租会议室", format!("{}", 1 + rng.below(6)), String::new()),
            15..=17 => ("洗衣服务", format!("{}", 1 + rng.below(15)), String::new()),
            _ => ("复印", format!("{}", 10 + rng.below(300)), String::new()),
        };
        let long_term = matches!(
            item,
            "室内卫生清洁" | "室内绿化保养" | "出租会议室" | "洗衣服务"
        );
        let settlement = match rng.below(10) {
            0..=5 => "月结",
            6..=7 => "即时结算",
            _ if c.company && long_term => "长期协议",
            _ => "月结",
        };
        let verified = rules.calendar.next_workday(day);
        let registered = day.pred_opt().unwrap_or(day);
        let hour = 8 + rng.below(9);
        records.push(vec![
            format!("{prefix}{:05}", i + 1),
            registered.to_string(),
            c.name.clone(),
            c.address.clone(),
            c.phone.clone(),
            item.to_string(),
            qty,
            day.to_string(),
            format!("{hour:02}:00–{:02}:00", hour + 1 + rng.below(2)),
            settlement.to_string(),
            materials,
            day.to_string(),
            "是".to_string(),
            rng.pick(&["张丽", "李明", "赵强", "陈静"]).to_string(),
            verified.to_string(),
            // One agreement per company that has one (四（二）4).
            if settlement == "长期协议" {
                format!("XY{year}-{:03}", ci + 1)
            } else {
                String::new()
            },
        ]);
        let _ = day.weekday();
    }
    if let Some(path) = xlsx {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name(format!("{year}年{mon}月工单")).unwrap();
        for (c, h) in HEADERS.iter().enumerate() {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        for (r, rec) in records.iter().enumerate() {
            for (c, v) in rec.iter().enumerate() {
                let row = (r + 1) as u32;
                // Quantities and amounts as numbers, as a clerk types them.
                if (c == 6 || c == 10) && !v.is_empty() {
                    sheet
                        .write_number(row, c as u16, v.parse::<f64>().unwrap())
                        .unwrap();
                } else {
                    sheet.write_string(row, c as u16, v).unwrap();
                }
            }
        }
        book.save(&path).unwrap();
        eprintln!("{path}: {rows} orders");
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADERS).unwrap();
    for rec in &records {
        w.write_record(rec).unwrap();
    }
    let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
    let bytes = if gbk {
        encoding_rs::GBK.encode(&text).0.into_owned()
    } else {
        let mut b = "\u{feff}".as_bytes().to_vec();
        b.extend_from_slice(text.as_bytes());
        b
    };
    match out {
        Some(p) => {
            std::fs::write(&p, bytes).unwrap();
            eprintln!("{p}: {rows} orders");
        }
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&bytes).unwrap();
        }
    }
}
