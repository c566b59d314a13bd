//! Renders N quote sheets in a row (each with its own number) and reports
//! the time per document and the peak memory (VmHWM), to show that memory
//! stays flat: `cargo run --release --example render_many -- 1000`.

use feebook::documents::{Format, Kind, Renderer, model};
use feebook::quote::{load_job, price_job};
use feebook::source::Sources;

fn peak_rss_mb() -> f64 {
    // Reporting only: megabytes for a person to read, not money.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<f64>()
                    .unwrap_or(0.0)
            })
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let rules = feebook::rules::load_embedded().rules.unwrap();
    let text = include_str!("../samples/jobs/BJ2026-0034-office-partition.yaml").to_string();
    let mut sources = Sources::new();
    let (_, job) = load_job(&mut sources, "job.yaml", text).unwrap();
    let q = price_job(&rules, &job).unwrap();
    let (status, _) = feebook::approval::quote_status(&rules, &job, &q);
    let mut data = serde_json::to_value(model::quote(&rules, &q, &status)).unwrap();
    let r = Renderer::embedded();
    let start = std::time::Instant::now();
    let mut bytes = 0;
    for i in 0..n {
        let number = format!("BJ2026-{i:05}");
        data["header"]["number"] = number.clone().into();
        data["customer"] = format!("客户{i}").into();
        bytes += r
            .render(Kind::Quote, &data, Format::Pdf, q.date, &number)
            .unwrap()
            .len();
        if (i + 1) % (n / 4).max(1) == 0 {
            eprintln!(
                "{:>6} documents, peak memory {:.0} MB",
                i + 1,
                peak_rss_mb()
            );
        }
    }
    let t = start.elapsed();
    println!(
        "{n} quote sheets in {:.2} s ({:.1} ms each), {:.1} MB of PDF, peak memory {:.0} MB",
        t.as_secs_f64(),
        t.as_secs_f64() * 1000.0 / n as f64,
        bytes as f64 / 1e6,
        peak_rss_mb()
    );
}
