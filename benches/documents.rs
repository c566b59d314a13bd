//! Rendering documents.
//!
//! Goal: one quote sheet rendered warm in at most 6 ms on one core.
//! Also a short billing notice (the unit of a month's billing), and the
//! long tables: the sample month's register (300 rows) and a billing
//! notice of 300 lines.
//! Run: `taskset -c 0 cargo bench --bench documents`. Process start-up,
//! 1,000 documents in a row and a 10,000-notice month are measured by
//! `scripts/bench.sh`.

use criterion::{Criterion, criterion_group, criterion_main};
use feebook::documents::{Format, Kind, Renderer, model};
use feebook::quote::{load_job, price_job};
use feebook::source::Sources;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let rules = feebook::rules::load_embedded().rules.unwrap();
    let text = include_str!("../samples/jobs/BJ2026-0031-bathroom-waterproofing.yaml").to_string();
    let mut sources = Sources::new();
    let (_, job) = load_job(&mut sources, "job.yaml", text).unwrap();
    let q = price_job(&rules, &job).unwrap();
    let (status, _) = feebook::approval::quote_status(&rules, &job, &q);
    let doc = model::quote(&rules, &q, &status);
    let r = Renderer::embedded();
    let mut data = serde_json::to_value(&doc).unwrap();
    let mut g = c.benchmark_group("render");
    g.sample_size(50);
    // A different number each time, as when many quotes are rendered: a
    // cached layout of the same document would flatter the figure.
    let mut n = 0u32;
    g.bench_function("quote sheet PDF (warm)", |b| {
        b.iter(|| {
            n += 1;
            let number = format!("BJ2026-{:04}", n % 10000);
            data["header"]["number"] = number.clone().into();
            black_box(
                r.render(Kind::Quote, &data, Format::Pdf, q.date, &number)
                    .unwrap(),
            )
        })
    });
    g.bench_function("quote sheet HTML", |b| {
        b.iter(|| {
            black_box(
                r.render(Kind::Quote, &data, Format::Html, q.date, "BJ2026-0031")
                    .unwrap(),
            )
        })
    });
    long_tables(&mut g, &rules, &r);
    g.finish();
}

/// The sample month's 300 orders as one register, and all of them on one
/// billing notice: tables that run over several pages.
fn long_tables(
    g: &mut criterion::BenchmarkGroup<criterion::measurement::WallTime>,
    rules: &feebook::rules::Rules,
    r: &Renderer,
) {
    let mut sources = Sources::new();
    let read = feebook::orders_input::read(
        rules,
        &mut sources,
        std::path::Path::new("samples/orders/2026-11.csv"),
        None,
    )
    .unwrap();
    let orders: Vec<_> = read
        .rows
        .into_iter()
        .filter_map(Result::ok)
        .map(|o| {
            let number = o.number.clone().unwrap_or_default();
            feebook::order::price_order(rules, &o, &number, &Default::default()).unwrap()
        })
        .collect();
    let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let register = model::register(rules, (2026, 11), date, &orders);
    let all: Vec<_> = orders.iter().collect();
    let tax = feebook::batch::document_tax(&all, rules.documents.tax_rounding);
    let notice = model::billing_notice(
        rules,
        "TZ202612-0001",
        date,
        "孙晓明",
        "华庭大厦 12 层 1203 室",
        (2026, 11),
        &all,
        tax,
        false,
    );
    // A month's typical notice: a customer's few orders, rendered warm.
    // Each render is a different notice (100 in turn, 3 of the month's
    // orders each, under their own customer and number), as in a month:
    // only the template's fixed parts can come from Typst's caches.
    // (`feebook bill` lays notices out 8 per compile; this is one per compile.)
    let shorts: Vec<(String, serde_json::Value)> = all
        .chunks(3)
        .take(100)
        .enumerate()
        .map(|(i, few)| {
            let number = format!("TZ202612-{:04}", i + 1);
            let notice = model::billing_notice(
                rules,
                &number,
                date,
                &few[0].customer,
                &few[0].address,
                (2026, 11),
                few,
                feebook::batch::document_tax(few, rules.documents.tax_rounding),
                false,
            );
            (number, serde_json::to_value(&notice).unwrap())
        })
        .collect();
    let mut n = 0usize;
    g.bench_function("billing notice, 3 lines (warm)", |b| {
        b.iter(|| {
            n += 1;
            let (number, data) = &shorts[n % shorts.len()];
            black_box(
                r.render(Kind::BillingNotice, data, Format::Pdf, date, number)
                    .unwrap(),
            )
        })
    });
    for (name, kind, data) in [
        (
            "register, 300 rows",
            Kind::Register,
            serde_json::to_value(&register).unwrap(),
        ),
        (
            "billing notice, 300 lines",
            Kind::BillingNotice,
            serde_json::to_value(&notice).unwrap(),
        ),
    ] {
        // Typst's caches emptied before each render (untimed): a month's
        // long documents share no rows, so nothing of one helps the next.
        g.bench_function(name, |b| {
            b.iter_batched(
                || comemo::evict(0),
                |()| black_box(r.render(kind, &data, Format::Pdf, date, "X").unwrap()),
                criterion::BatchSize::PerIteration,
            )
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
