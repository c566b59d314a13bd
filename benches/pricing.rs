//! Pricing catalogue orders and temporary jobs.
//!
//! Goal (one core): at least 1 million catalogue orders priced per second.
//! Run: `cargo bench --bench pricing` (pin with `taskset -c 0`).

use std::collections::BTreeMap;

use criterion::{Criterion, criterion_group, criterion_main};
use feebook::pricing::{GivenInput, ItemRequest, price_item};
use feebook::quote::{load_job, price_job};
use feebook::source::Sources;
use rust_decimal::Decimal;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let rules = feebook::rules::load_embedded().rules.unwrap();
    let date = "2026-11-27".parse().unwrap();
    let req = ItemRequest {
        item: "indoor-cleaning",
        quantity: Decimal::from(120),
        date,
        inputs: BTreeMap::new(),
        item_place: None,
        quantity_place: None,
        date_place: None,
    };
    c.bench_function("price catalogue order (unit price)", |b| {
        b.iter(|| price_item(black_box(&rules), black_box(&req)).unwrap())
    });

    let mut inputs = BTreeMap::new();
    inputs.insert(
        "materials".to_string(),
        GivenInput {
            text: "35.00".into(),
            place: None,
        },
    );
    let req = ItemRequest {
        item: "paid-repair",
        quantity: Decimal::new(15, 1),
        inputs,
        ..req
    };
    c.bench_function("price catalogue order (formula)", |b| {
        b.iter(|| price_item(black_box(&rules), black_box(&req)).unwrap())
    });

    let text = include_str!("../samples/jobs/BJ2026-0034-office-partition.yaml").to_string();
    let mut sources = Sources::new();
    let (_, job) = load_job(&mut sources, "job.yaml", text.clone()).unwrap();
    c.bench_function("price temporary job (11 rows)", |b| {
        b.iter(|| price_job(black_box(&rules), black_box(&job)).unwrap())
    });
    c.bench_function("load and price temporary job", |b| {
        b.iter(|| {
            let mut sources = Sources::new();
            let (_, job) = load_job(&mut sources, "job.yaml", black_box(text.clone())).unwrap();
            price_job(&rules, &job).unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
