//! Writes the data of one sample of each document as JSON, for template
//! authors: `cargo run --release --example dump_document_data -- DIR`.

use feebook::documents::model;
use feebook::order::OrderFile;
use feebook::payment::Payment;
use feebook::quote::{load_job, price_job};
use feebook::source::{SourceFile, Sources};

fn main() {
    let out = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "docdata".into()));
    std::fs::create_dir_all(&out).unwrap();
    let rules = feebook::rules::load_embedded().rules.unwrap();
    let date = "2026-11-27".parse().unwrap();
    let write = |name: &str, v: &dyn erased::Ser| {
        std::fs::write(out.join(format!("{name}.json")), v.json()).unwrap();
    };
    let cat = rules.catalog_on(date).unwrap();
    let idx = rules
        .catalogs
        .iter()
        .position(|c| std::ptr::eq(c, cat))
        .unwrap();
    write(
        "notice",
        &model::notice(&rules, cat, &rules.catalog_status[idx], date, None),
    );

    for job in [
        "BJ2026-0031-bathroom-waterproofing",
        "BJ2026-0034-office-partition",
        "BJ2026-0036-lobby-stone-care",
    ] {
        let mut sources = Sources::new();
        let path = format!("samples/jobs/{job}.yaml");
        let (_, j) =
            load_job(&mut sources, &path, std::fs::read_to_string(&path).unwrap()).unwrap();
        let q = price_job(&rules, &j).unwrap();
        let (status, _) = feebook::approval::quote_status(&rules, &j, &q);
        write(&format!("quote-{job}"), &model::quote(&rules, &q, &status));
    }

    let mut orders = Vec::new();
    for (i, name) in [
        "indoor-cleaning-1203",
        "paid-repair-802",
        "meeting-room-agreement",
    ]
    .iter()
    .enumerate()
    {
        let mut sources = Sources::new();
        let path = format!("samples/orders/{name}.yaml");
        let id = sources.add(SourceFile::new(
            path.clone(),
            std::fs::read_to_string(&path).unwrap(),
        ));
        let o: OrderFile = feebook::yaml::parse(&sources, id, "order").unwrap();
        let p = feebook::order::price_order(
            &rules,
            &o.to_input(),
            &format!("WX202611-{:05}", i + 1),
            &Default::default(),
        )
        .unwrap();
        write(
            &format!("work_order-{name}"),
            &model::work_order(&rules, &p, false),
        );
        orders.push(p);
    }
    for name in ["immediate-repair-802", "monthly-1203"] {
        let mut sources = Sources::new();
        let path = format!("samples/payments/{name}.yaml");
        let id = sources.add(SourceFile::new(
            path.clone(),
            std::fs::read_to_string(&path).unwrap(),
        ));
        let p: Payment = feebook::yaml::parse(&sources, id, "payment").unwrap();
        write(
            &format!("receipt-{name}"),
            &model::receipt(&rules, &p, "SJ2026-000001", None),
        );
    }
    let refs: Vec<_> = orders.iter().take(1).collect();
    write(
        "billing_notice",
        &model::billing_notice(
            &rules,
            "TZ202612-0001",
            "2026-12-01".parse().unwrap(),
            "孙晓明",
            "华庭大厦 12 层 1203 室",
            (2026, 11),
            &refs,
            feebook::money::Money::parse("14.43").unwrap(),
            false,
        ),
    );
    write(
        "register",
        &model::register(&rules, (2026, 11), "2026-12-01".parse().unwrap(), &orders),
    );
}

mod erased {
    pub trait Ser {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Ser for T {
        fn json(&self) -> String {
            serde_json::to_string_pretty(self).unwrap()
        }
    }
}
