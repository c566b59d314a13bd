//! Checking rules and evaluating formulas.
//!
//! Goals (one core): checking a 10,000-item catalogue in under 100 ms;
//! at least 5 million evaluations per second of `staff * hours * rate + materials`.
//! Run: `cargo bench --bench rules` (pin to one core with `taskset -c 0`).

use criterion::{Criterion, criterion_group, criterion_main};
use feebook::expr::{self, Env, Scope, Type, Value};
use feebook::rules::{self, Origin, embedded};
use rust_decimal::Decimal;
use std::hint::black_box;

/// The sample rules with a generated 10,000-item catalogue in place of the
/// 2026 one.
fn big_catalogue(items: usize) -> Vec<(String, String)> {
    // The 2026 catalogue's own header and approval record, then generated items.
    let sample = embedded::FILES
        .iter()
        .find(|(n, _)| *n == "catalog-2026.yaml")
        .map(|(_, t)| *t)
        .expect("the sample rules have a 2026 catalogue");
    let head = &sample[..sample.find("\n  items:\n").expect("an items list") + 1];
    let mut cat = format!("{head}  items:\n");
    let depts = ["engineering", "cleaning", "greening", "customer_service"];
    let taxes = ["vat_services", "vat_repair", "vat_leasing"];
    for i in 0..items {
        cat.push_str(&format!(
            "    - id: item-{i:05}\n      name: 特约服务项目{i}\n      department: {}\n      unit: 次\n      unit_price: \"{}.{:02}\"\n      minimum_charge: \"10.00\"\n      tax: {}\n      tax_inclusive: true\n      notes: 第 {i} 项\n",
            depts[i % 4],
            10 + i % 500,
            i % 100,
            taxes[i % 3]
        ));
    }
    embedded::FILES
        .iter()
        .map(|(n, t)| {
            let text = if *n == "catalog-2026.yaml" {
                cat.clone()
            } else {
                t.to_string()
            };
            (format!("rules/{n}"), text)
        })
        .collect()
}

fn bench_check(c: &mut Criterion) {
    let files = big_catalogue(10_000);
    let loaded = rules::load_texts(Origin::Embedded, files.clone());
    assert!(
        loaded.diagnostics.is_empty(),
        "generated catalogue must be clean"
    );
    let mut g = c.benchmark_group("check");
    g.sample_size(20);
    g.bench_function("10000-item catalogue", |b| {
        b.iter(|| rules::load_texts(Origin::Embedded, black_box(files.clone())))
    });
    g.bench_function("sample rules", |b| b.iter(rules::load_embedded));
    // Where the time goes: the YAML parser's events alone, then serde-saphyr
    // reading them into the model (spans, duplicate keys, strict booleans),
    // for the catalogue file only. `check` adds the other files and validation.
    let (_, catalogue) = files
        .iter()
        .find(|(n, _)| n.ends_with("catalog-2026.yaml"))
        .expect("the generated catalogue");
    g.bench_function("10000-item catalogue: YAML events only", |b| {
        b.iter(|| granit_parser::Parser::new_from_str(black_box(catalogue)).count())
    });
    g.bench_function("10000-item catalogue: read into the model", |b| {
        b.iter(|| {
            serde_saphyr::from_str_with_options::<rules::model::RuleFile>(
                black_box(catalogue),
                serde_saphyr::options! { strict_booleans: true },
            )
            .expect("the generated catalogue reads")
        })
    });
    g.finish();
}

fn bench_eval(c: &mut Criterion) {
    let mut scope = Scope::new();
    for (name, ty) in [
        ("staff", Type::Quantity),
        ("hours", Type::Quantity),
        ("rate", Type::Money),
        ("materials", Type::Money),
    ] {
        scope.add_var(name, ty, false).unwrap();
    }
    let e = expr::compile("staff * hours * rate + materials", &scope).unwrap();
    let vars = [
        Value::Num(Decimal::from(2)),
        Value::Num(Decimal::new(35, 1)),
        Value::Num(Decimal::new(4500, 2)),
        Value::Num(Decimal::new(26000, 2)),
    ];
    let env = Env {
        vars: &vars,
        tables: &[],
        calendar: None,
    };
    assert_eq!(e.eval(&env).unwrap(), Value::Num(Decimal::new(57500, 2)));
    c.bench_function("eval staff*hours*rate+materials", |b| {
        b.iter(|| black_box(&e).eval(black_box(&env)))
    });
}

criterion_group!(benches, bench_check, bench_eval);
criterion_main!(benches);
