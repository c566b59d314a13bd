//! Rendering documents.
//!
//! Goal: one quote sheet rendered warm in at most 6 ms on one core.
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
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
