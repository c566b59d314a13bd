//! `feebook check`: validate the rules and report every problem.

use serde::Serialize;

use super::{OK, PROBLEMS, ReportFormat, RulesArgs, USAGE};
use feebook::diagnostic::{self, JsonDiagnostic};
use feebook::documents::fonts::FontSet;
use feebook::rules::{self, Loaded};

#[derive(Serialize)]
struct Report<'a> {
    rules: String,
    files: Vec<&'a str>,
    ok: bool,
    errors: usize,
    warnings: usize,
    problems: Vec<JsonDiagnostic>,
}

pub fn run(args: &RulesArgs, font_dir: Option<&std::path::Path>, format: ReportFormat) -> u8 {
    let mut loaded = match rules::load_default(args.rules.as_deref()) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            if format == ReportFormat::Json {
                // A script reading the report gets one too, saying why.
                let report = Report {
                    rules: args
                        .rules
                        .as_deref()
                        .map_or_else(|| "rules".to_string(), |p| p.display().to_string()),
                    files: Vec::new(),
                    ok: false,
                    errors: 1,
                    warnings: 0,
                    problems: vec![JsonDiagnostic {
                        severity: diagnostic::Severity::Error,
                        code: "unreadable-rules",
                        message: e.message.clone(),
                        file: None,
                        line: None,
                        column: None,
                        end_line: None,
                        end_column: None,
                        column_name: None,
                        label: None,
                        related: Vec::new(),
                        hints: vec![e.hint.clone()],
                    }],
                };
                super::out(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                ));
            }
            return USAGE;
        }
    };
    loaded.check_signoff_dates(super::today());
    loaded.check_catalog_policies();
    let with_dir;
    let fonts = match font_dir {
        None => FontSet::embedded(),
        Some(dir) => match FontSet::with_dir(dir) {
            Ok(f) => {
                with_dir = f;
                &with_dir
            }
            Err(e) => {
                eprintln!("error: {e}");
                return USAGE;
            }
        },
    };
    loaded.check_glyphs(
        &|text| fonts.missing_chars(text),
        if font_dir.is_some() {
            "write the text without it, or add a font that has it to the --font-dir folder"
        } else {
            "write the text without it, or add a font that has it with `--font-dir DIR` (give the same folder to `check` and to the commands that render)"
        },
    );
    let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = loaded.diagnostics.len() - errors;
    match format {
        ReportFormat::Json => {
            let report = Report {
                rules: loaded.origin.to_string(),
                files: loaded
                    .files
                    .iter()
                    .map(|&f| loaded.sources.name(f))
                    .collect(),
                ok: errors == 0,
                errors,
                warnings,
                problems: loaded
                    .diagnostics
                    .iter()
                    .map(|d| d.to_json(&loaded.sources))
                    .collect(),
            };
            super::out(&format!(
                "{}\n",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            ));
        }
        ReportFormat::Human => {
            eprint!(
                "{}",
                diagnostic::render_all(&loaded.diagnostics, &loaded.sources)
            );
            super::out(&format!("{}\n", summary_line(&loaded)));
        }
    }
    if errors == 0 { OK } else { PROBLEMS }
}

fn summary_line(loaded: &Loaded) -> String {
    let files = loaded.files.len();
    let what = match &loaded.rules {
        Some(r) => {
            let items: usize = r.catalogs.iter().map(|c| c.items.len()).sum();
            format!(
                ": {} catalogue version{} ({items} items), {} formulas, {} approval chains, {} policies",
                r.catalogs.len(),
                if r.catalogs.len() == 1 { "" } else { "s" },
                r.formulas.len(),
                r.chains.len(),
                r.policies.len()
            )
        }
        None => String::new(),
    };
    let verdict = if loaded.diagnostics.is_empty() {
        "no problems".to_string()
    } else if loaded.diagnostics.iter().all(|d| d.code_is_yaml()) {
        format!(
            "{} (references and formulas are checked once every file reads)",
            diagnostic::summary(&loaded.diagnostics)
        )
    } else {
        diagnostic::summary(&loaded.diagnostics)
    };
    format!(
        "checked {files} rule file{} in {}{what}\n{verdict}",
        if files == 1 { "" } else { "s" },
        loaded.origin
    )
}
