//! `feebook quote JOB.yaml`: price a temporary job and show the breakdown.

use std::path::Path;

use super::common::{load_rules, read_input, report};
use super::{OK, OutputFormat, RulesArgs};
use feebook::quote;

pub fn run(rules_args: &RulesArgs, job_path: &Path, format: OutputFormat) -> u8 {
    let (rules, mut sources) = match load_rules(rules_args) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let text = match read_input(job_path, "job file") {
        Ok(t) => t,
        Err(code) => return code,
    };
    let (_, job) = match quote::load_job(&mut sources, &job_path.display().to_string(), text) {
        Ok(j) => j,
        Err(d) => return report(&[d], &sources),
    };
    let q = match quote::price_job(&rules, &job) {
        Ok(q) => q,
        Err(problems) => return report(&problems, &sources),
    };
    match format {
        OutputFormat::Json => super::out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&q).unwrap_or_default()
        )),
        OutputFormat::Text => super::out(&quote::explain(&q)),
    }
    OK
}
