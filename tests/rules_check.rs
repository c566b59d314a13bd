//! The rule checker: the sample rules are clean, and every broken fixture
//! is reported exactly as snapshotted (message, file:line:column, snippet,
//! hints).

mod support;
use support::Scratch;

use std::collections::BTreeSet;

use feebook::diagnostic::render_all;
use feebook::rules::{self, Origin, embedded};

/// The sample rule files as (name, text), as `rules/` holds them.
fn sample_files() -> Vec<(String, String)> {
    embedded::FILES
        .iter()
        .map(|(n, t)| (format!("rules/{n}"), t.to_string()))
        .collect()
}

/// The sample files with `from` replaced by `to` in `file`.
fn sample_edited(file: &str, from: &str, to: &str) -> Vec<(String, String)> {
    sample_files()
        .into_iter()
        .map(|(n, t)| {
            if n == file {
                assert!(t.contains(from), "{file} has no `{from}`");
                let edited = t.replace(from, to);
                (n, edited)
            } else {
                (n, t)
            }
        })
        .collect()
}

/// Applies a fixture: `# replaces: FILE` swaps a sample file for it,
/// `# adds` adds it as `rules/zz-added.yaml`.
fn with_fixture(name: &str, text: &str) -> Vec<(String, String)> {
    let mut files = sample_files();
    let first = text.lines().next().unwrap_or_default();
    if let Some(target) = first.strip_prefix("# replaces: ") {
        let target = format!("rules/{}", target.trim());
        let slot = files
            .iter_mut()
            .find(|(n, _)| *n == target)
            .unwrap_or_else(|| panic!("{name}: no sample file {target}"));
        slot.1 = text.to_string();
    } else {
        assert!(
            first.starts_with("# adds"),
            "{name}: first line must say `# replaces: FILE` or `# adds`"
        );
        files.push(("rules/zz-added.yaml".into(), text.to_string()));
    }
    files
}

#[test]
fn sample_rules_have_no_problems() {
    let loaded = rules::load_texts(Origin::Embedded, sample_files());
    assert!(
        loaded.diagnostics.is_empty(),
        "{}",
        render_all(&loaded.diagnostics, &loaded.sources)
    );
    let r = loaded.rules.expect("rules");
    assert_eq!(r.catalogs.len(), 2);
    assert_eq!(r.catalogs[1].items.len(), 7);
    assert_eq!(r.policies.len(), 11);
}

#[test]
fn the_rules_folder_is_clean_and_matches_the_embedded_copy() {
    let loaded = rules::load_dir(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/rules"
    )))
    .expect("rules/");
    assert!(
        loaded.diagnostics.is_empty(),
        "{}",
        render_all(&loaded.diagnostics, &loaded.sources)
    );
    let on_disk: BTreeSet<String> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/rules"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".yaml"))
            .collect();
    let embedded: BTreeSet<String> = embedded::FILES.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(
        on_disk, embedded,
        "update src/rules/embedded.rs to list every file in rules/"
    );
}

#[test]
fn broken_rule_fixtures_are_reported_exactly() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/broken-rules");
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    names.sort();
    let mut codes = BTreeSet::new();
    for path in &names {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap();
        let loaded = rules::load_texts(Origin::Embedded, with_fixture(&name, &text));
        let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(!errors.is_empty(), "{name}: the mistake was not reported");
        assert!(
            loaded.rules.is_none(),
            "{name}: rules with errors must not be usable"
        );
        // One mistake, one error: a fixture that cascades hides its point.
        // (Looking for a file's later mistakes must not add errors either:
        // fixtures 61 and 62.)
        assert_eq!(
            errors.len(),
            expected_errors(&name),
            "{name}:\n{}",
            render_all(&loaded.diagnostics, &loaded.sources)
        );
        codes.extend(errors.iter().map(|d| d.code));
        let rendered = render_all(&loaded.diagnostics, &loaded.sources);
        insta::assert_snapshot!(format!("broken__{name}"), rendered);
    }
    assert!(names.len() >= 25, "at least 25 broken fixtures");
    assert!(
        codes.len() >= 25,
        "at least 25 different kinds of mistake, got {}: {codes:?}",
        codes.len()
    );
}

/// Fixtures whose one mistake is, rightly, reported in more than one place,
/// and those with several mistakes.
fn expected_errors(name: &str) -> usize {
    match name {
        // A cycle is reported on each line in it.
        "20-formula-cycle" => 2,
        // Several mistakes in one file, all found in one run.
        "59-three-mistakes-in-one-file" | "60-mistakes-in-two-formulas" => 3,
        "63-a-value-then-a-tab-further-on" => 2,
        // Each misspelt value of one flow list.
        "104-two-misspelt-values-in-a-flow-list" => 2,
        // Each escape sequence is pointed at.
        "83-an-escape-sequence-in-a-note" => 2,
        _ => 1,
    }
}

#[test]
fn json_diagnostics_carry_file_line_column_and_code() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/broken-rules/08-unknown-department.yaml"
    ))
    .unwrap();
    let loaded = rules::load_texts(Origin::Embedded, with_fixture("08", &text));
    let j = serde_json::to_value(loaded.diagnostics[0].to_json(&loaded.sources)).unwrap();
    assert_eq!(j["file"], "rules/catalog-2026.yaml");
    assert_eq!(j["line"], 12);
    assert_eq!(j["column"], 19);
    assert_eq!(j["code"], "unknown-reference");
    assert_eq!(j["severity"], "error");
}

#[test]
fn a_formula_that_can_come_to_less_than_nothing_is_a_warning() {
    // The letting commission without its 500-yuan floor, less a fixed fee:
    // small rents give a negative price, which pricing refuses.
    let loaded = rules::load_texts(
        Origin::Embedded,
        sample_edited(
            "rules/formulas.yaml",
            "expr: max(monthly_rent * commission_rate, 500)",
            "expr: monthly_rent * commission_rate - 500",
        ),
    );
    let shown = render_all(&loaded.diagnostics, &loaded.sources);
    assert!(loaded.rules.is_some(), "a warning keeps the rules usable");
    assert_eq!(loaded.diagnostics.len(), 1, "{shown}");
    let d = &loaded.diagnostics[0];
    assert_eq!((d.code, d.is_error()), ("negative-price", false), "{shown}");
    assert!(
        shown.contains("with monthly_rent = 123.45, its total is -438.28"),
        "{shown}"
    );
}

#[test]
fn a_price_list_not_yet_approved_is_a_warning() {
    let leader = "      - {role: company_leader, name: 周文华, date: 2025-12-15, comment: 同意，自 2026 年 1 月 1 日起执行}\n";
    let loaded = rules::load_texts(
        Origin::Embedded,
        sample_edited("rules/catalog-2026.yaml", leader, ""),
    );
    let shown = render_all(&loaded.diagnostics, &loaded.sources);
    assert!(loaded.rules.is_some(), "a warning keeps the rules usable");
    assert_eq!(loaded.diagnostics.len(), 1, "{shown}");
    let d = &loaded.diagnostics[0];
    assert_eq!(
        (d.code, d.is_error()),
        ("catalog-not-approved", false),
        "{shown}"
    );
    assert!(
        shown.contains("price list 2026-01 is not approved (待审批：待 公司领导 签字)"),
        "{shown}"
    );
}

/// `check` holds the price lists up to the policies `on: catalog`, as
/// `feebook notice` does, and says which list breaks which; approval is
/// said once, by its own warning.
#[test]
fn a_price_list_that_breaks_a_catalogue_policy_is_a_warning() {
    let policy = "policies:\n  - id: long-lists\n    title: 价目表至少列出八个项目\n    on: catalog\n    require: items >= 8\n    message: 项目太少。\n";
    let leader = "      - {role: company_leader, name: 周文华, date: 2025-12-15, comment: 同意，自 2026 年 1 月 1 日起执行}\n";
    let mut files = sample_edited("rules/catalog-2026.yaml", leader, "");
    files.push(("rules/zz-added.yaml".into(), policy.into()));
    let mut loaded = rules::load_texts(Origin::Embedded, files);
    assert_eq!(loaded.diagnostics.len(), 1, "catalog-not-approved");
    loaded.check_catalog_policies();
    let shown = render_all(&loaded.diagnostics, &loaded.sources);
    let codes: Vec<_> = loaded
        .diagnostics
        .iter()
        .map(|d| (d.code, d.is_error()))
        .collect();
    assert_eq!(
        codes,
        [
            ("catalog-not-approved", false),
            ("policy", false),
            ("policy", false)
        ],
        "{shown}"
    );
    for (version, line) in [
        ("2025-01", "rules/catalog-2025.yaml:7:12"),
        ("2026-01", "rules/catalog-2026.yaml:8:12"),
    ] {
        assert!(
            shown.contains(&format!(
                "price list {version}: [long-lists] 价目表至少列出八个项目\n --> {line}"
            )),
            "{shown}"
        );
    }
    assert!(
        shown.contains("`feebook notice` refuses this list"),
        "{shown}"
    );
}

/// A department's id misspelt where it is defined makes every correct
/// reference unknown: each error says the definition is the likelier
/// typo, and the first shows it.
#[test]
fn a_definition_misspelt_is_pointed_at_from_its_references() {
    let loaded = rules::load_texts(
        Origin::Embedded,
        sample_edited(
            "rules/organization.yaml",
            "\n  cleaning:\n",
            "\n  cleanning:\n",
        ),
    );
    let shown = render_all(&loaded.diagnostics, &loaded.sources);
    let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.len() >= 3, "{shown}");
    for d in &errors {
        assert!(
            d.hints.iter().any(|h| h.ends_with(
                "if that is the id meant, the definition `cleanning` is the one misspelt"
            )),
            "{shown}"
        );
    }
    // Not "did you mean `cleanning`?": the references are the ones right.
    assert!(!shown.contains("did you mean"), "{shown}");
    assert_eq!(
        shown.matches("defined as `cleanning`").count(),
        1,
        "{shown}"
    );
    // Twice alike is not enough to blame the definition.
    let loaded = rules::load_texts(
        Origin::Embedded,
        sample_edited(
            "rules/catalog-2026.yaml",
            "department: greening",
            "department: greenning",
        ),
    );
    let shown = render_all(&loaded.diagnostics, &loaded.sources);
    assert!(!shown.contains("the one misspelt"), "{shown}");
    assert!(shown.contains("did you mean `greening`?"), "{shown}");
}

/// `organization:` written in two files is one error; that the first of
/// them has no payment channels is beside the point, and not said.
#[test]
fn an_organization_written_twice_is_one_mistake() {
    let mut files = sample_files();
    files.insert(
        0,
        (
            "rules/a-org.yaml".into(),
            "organization:\n  name: 华庭物业\n".into(),
        ),
    );
    let loaded = rules::load_texts(Origin::Embedded, files);
    let codes: Vec<_> = loaded.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        ["duplicate-section"],
        "{}",
        render_all(&loaded.diagnostics, &loaded.sources)
    );
}

/// The company leader signed after the list took effect (here, a year
/// typed wrong): it was in force before it was approved.
#[test]
fn a_price_list_approved_after_it_took_effect_is_a_warning() {
    let loaded = rules::load_texts(
        Origin::Embedded,
        sample_edited(
            "rules/catalog-2026.yaml",
            "name: 周文华, date: 2025-12-15",
            "name: 周文华, date: 2026-12-15",
        ),
    );
    let shown = render_all(&loaded.diagnostics, &loaded.sources);
    assert!(loaded.rules.is_some(), "a warning keeps the rules usable");
    assert_eq!(loaded.diagnostics.len(), 1, "{shown}");
    insta::assert_snapshot!("approved_after_effective", shown);
}

/// Settings no document of that kind uses are said, not accepted silently:
/// a numbering for the notice, a due date on a quote.
#[test]
fn settings_a_document_does_not_use_are_warnings() {
    let files = sample_edited(
        "rules/documents.yaml",
        "    numbering: BJ{year}-{seq:04}\n",
        "    numbering: BJ{year}-{seq:04}\n    due_days: 10\n",
    );
    let files: Vec<(String, String)> = files
        .into_iter()
        .map(|(n, t)| {
            let t = t.replace(
                "    title: 特约服务项目及收费标准公告\n",
                "    title: 特约服务项目及收费标准公告\n    numbering: GG{year}-{seq:02}\n",
            );
            (n, t)
        })
        .collect();
    let loaded = rules::load_texts(Origin::Embedded, files);
    let shown = render_all(&loaded.diagnostics, &loaded.sources);
    assert!(loaded.rules.is_some(), "a warning keeps the rules usable");
    let codes: Vec<&str> = loaded.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["setting-not-used", "setting-not-used"], "{shown}");
    assert!(
        shown.contains("a notice is not numbered: `numbering` is not used"),
        "{shown}"
    );
    assert!(
        shown.contains("a quote has no due date: `due_days` is not used"),
        "{shown}"
    );
    // Each at its own line: the `due_days` key, the `numbering` value.
    let text = &loaded
        .sources
        .files()
        .find(|(_, f)| f.name == "rules/documents.yaml")
        .unwrap()
        .1
        .text;
    let line_of = |needle: &str| text.lines().position(|l| l == needle).unwrap() + 1;
    let places: Vec<(Option<String>, Option<usize>, Option<usize>)> = loaded
        .diagnostics
        .iter()
        .map(|d| {
            let j = d.to_json(&loaded.sources);
            (j.file, j.line, j.column)
        })
        .collect();
    assert_eq!(
        places,
        [
            (
                Some("rules/documents.yaml".to_string()),
                Some(line_of("    numbering: GG{year}-{seq:02}")),
                Some(16)
            ),
            (
                Some("rules/documents.yaml".to_string()),
                Some(line_of("    due_days: 10")),
                Some(5)
            ),
        ],
        "{shown}"
    );
}

/// A rule file saved as GBK (Notepad's "ANSI" on a Chinese Windows) is
/// one error at its first non-UTF-8 character, its line shown readable;
/// its other mistakes are found in the same run. Rule files left in a
/// subfolder, which is not read, are a warning; a hidden one is quiet.
#[test]
fn a_gbk_rule_file_and_a_subfolder_of_rules_are_pointed_at() {
    let dir = Scratch::new("gbk-rules");
    for (name, text) in embedded::FILES {
        let bytes = if *name == "catalog-2026.yaml" {
            let text = text.replace("unit_price: \"25.00\"", "unit_price: \"25.00元\"");
            encoding_rs::GBK.encode(&text).0.into_owned()
        } else {
            text.as_bytes().to_vec()
        };
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    for sub in ["old", ".kept"] {
        std::fs::create_dir(dir.join(sub)).unwrap();
        std::fs::write(dir.join(sub).join("catalog-2024.yaml"), "catalog: {}\n").unwrap();
    }
    let loaded = rules::load_dir(&dir).expect("the folder reads");
    let shown =
        render_all(&loaded.diagnostics, &loaded.sources).replace(&dir.display().to_string(), "DIR");
    assert!(loaded.rules.is_none(), "{shown}");
    let codes: Vec<_> = loaded.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        ["not-utf8", "invalid-value", "subfolder-not-read"],
        "{shown}"
    );
    insta::assert_snapshot!("gbk_rule_file_and_subfolder", shown);
}

#[test]
fn hidden_files_in_the_rules_folder_are_not_rule_files() {
    let dir = Scratch::new("hidden-rules");
    for (name, text) in embedded::FILES {
        std::fs::write(dir.join(name), text).unwrap();
    }
    // What macOS leaves beside a file copied to a shared drive.
    std::fs::write(
        dir.join("._catalog-2026.yaml"),
        b"\x00\x05\x16\x07 not YAML",
    )
    .unwrap();
    let loaded = rules::load_dir(&dir).expect("the folder reads");
    assert!(
        loaded.diagnostics.is_empty(),
        "{}",
        render_all(&loaded.diagnostics, &loaded.sources)
    );
}

#[test]
fn a_line_that_fails_for_some_made_up_inputs_is_a_warning_and_pricing_shows_the_line() {
    // Fails when 3 hours are worked, one of the inputs `check` tries.
    let loaded = rules::load_texts(
        Origin::Embedded,
        sample_edited(
            "rules/formulas.yaml",
            "expr: hours * hourly_rate,",
            "expr: hours * hourly_rate / (hours - 3),",
        ),
    );
    let shown = render_all(&loaded.diagnostics, &loaded.sources);
    let codes: Vec<_> = loaded
        .diagnostics
        .iter()
        .map(|d| (d.code, d.is_error()))
        .collect();
    // (2.37 hours make the line, and the total, negative: said apart.)
    assert_eq!(
        codes,
        [("formula-can-fail", false), ("negative-price", false)],
        "{shown}"
    );
    assert!(
        shown.contains(
            "warning[formula-can-fail]: line `labour` of formula `paid_repair` fails with hours = 3, materials = 123.45: division by zero\n  --> rules/formulas.yaml:56:40"
        ),
        "{shown}"
    );
    // Priced for those values, the failure names the line in the rules.
    let r = loaded.rules.expect("warnings keep the rules usable");
    let problems = feebook::pricing::price_item(
        &r,
        &feebook::pricing::ItemRequest {
            item: "paid-repair",
            quantity: 3.into(),
            date: "2026-11-27".parse().unwrap(),
            inputs: Default::default(),
            item_place: None,
            quantity_place: None,
            date_place: None,
        },
    )
    .unwrap_err();
    let shown = render_all(&problems, &loaded.sources);
    assert_eq!(problems.len(), 1, "{shown}");
    assert!(
        shown.starts_with(
            "error[evaluation]: item `paid-repair`: line `labour` of formula `paid_repair`: division by zero\n  --> rules/formulas.yaml:56:40\n"
        ),
        "{shown}"
    );
}

#[test]
fn a_rule_file_that_holds_nothing_is_a_warning_naming_it() {
    for text in ["", "# 2026 price list\n\n", "policies: []\n"] {
        let mut files = sample_files();
        files
            .iter_mut()
            .find(|(n, _)| n == "rules/catalog-2026.yaml")
            .unwrap()
            .1 = text.to_string();
        let loaded = rules::load_texts(Origin::Embedded, files);
        let shown = render_all(&loaded.diagnostics, &loaded.sources);
        let codes: Vec<_> = loaded
            .diagnostics
            .iter()
            .map(|d| (d.code, d.is_error()))
            .collect();
        assert_eq!(codes, [("no-rules", false)], "{text:?}: {shown}");
        assert!(
            shown.starts_with("warning[no-rules]: `rules/catalog-2026.yaml` holds no rules"),
            "{shown}"
        );
    }
}

#[test]
fn a_symbolic_link_to_nothing_in_the_rules_folder_is_an_error_naming_its_target() {
    let dir = Scratch::new("broken-link-rules");
    for (name, text) in embedded::FILES {
        if *name != "catalog-2026.yaml" {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
    std::os::unix::fs::symlink("/nonexistent/x.yaml", dir.join("catalog-2026.yaml")).unwrap();
    let e = rules::load_dir(&dir).expect_err("a rule file that cannot be read");
    assert_eq!(
        e.message.replace(&dir.display().to_string(), "DIR"),
        "cannot read `DIR/catalog-2026.yaml`: it is a symbolic link to `/nonexistent/x.yaml`, which does not exist"
    );
}

#[test]
fn a_date_with_a_two_digit_year_is_refused_in_every_yaml_file() {
    use feebook::source::{SourceFile, Sources};
    fn first_problem<T: serde::de::DeserializeOwned + std::fmt::Debug>(
        path: &str,
        from: &str,
        to: &str,
    ) -> String {
        let text =
            std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        assert!(text.contains(from), "{path} has no `{from}`");
        let mut sources = Sources::new();
        let id = sources.add(SourceFile::new(path, text.replacen(from, to, 1)));
        let d = feebook::yaml::parse::<T>(&sources, id, "file").unwrap_err();
        render_all(&[d], &sources)
    }
    let order = first_problem::<feebook::order::OrderFile>(
        "samples/orders/paid-repair-802.yaml",
        "service_date: 2026-11-24",
        "service_date: 26-11-24",
    );
    assert!(
        order.starts_with("error[invalid-value]: `26-11-24`: a date's year has four digits: write 2026-11-24\n  --> samples/orders/paid-repair-802.yaml:12:15\n"),
        "{order}"
    );
    let job = first_problem::<feebook::job::JobFile>(
        "samples/jobs/BJ2026-0031-bathroom-waterproofing.yaml",
        "confirmed: {by: 孙晓明, date: 2026-11-18}",
        "confirmed: {by: 孙晓明, date: 0026-11-18}",
    );
    assert!(
        job.starts_with("error[invalid-value]: `0026-11-18`: a year before 2000 is not a year of these records: write 2026-11-18\n"),
        "{job}"
    );
    let payment = first_problem::<feebook::payment::Payment>(
        "samples/payments/immediate-repair-802.yaml",
        "date: 2026-",
        "date: 26-",
    );
    assert!(
        payment.starts_with("error[invalid-value]: `26-"),
        "{payment}"
    );
}

/// A price list file copied beside itself is one mistake, said once: that
/// the copy overlaps its original follows from it.
#[test]
fn a_price_list_copied_is_one_duplicate() {
    let mut files = sample_files();
    let copy = files
        .iter()
        .find(|(n, _)| n == "rules/catalog-2026.yaml")
        .cloned()
        .unwrap();
    files.push(("rules/catalog-2026-copy.yaml".into(), copy.1));
    let loaded = rules::load_texts(Origin::Embedded, files);
    let codes: Vec<&str> = loaded.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        ["duplicate-id"],
        "{}",
        render_all(&loaded.diagnostics, &loaded.sources)
    );
}

/// A new rate written as the tax again, in a file of its own that sorts
/// first: one `duplicate-id`, with where a new rate goes, and not also a
/// gap in every price list for the rates the copy leaves out.
#[test]
fn a_tax_written_again_for_a_new_rate_is_one_error() {
    let mut files = sample_files();
    files.push((
        "rules/taxes-2027.yaml".into(),
        "taxes:\n  vat_services:\n    name: 增值税\n    rates:\n      - {rate: 5%, from: 2027-01-16}\n"
            .into(),
    ));
    let loaded = rules::load_texts(Origin::Embedded, files);
    let rendered = render_all(&loaded.diagnostics, &loaded.sources);
    let codes: Vec<_> = loaded.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["duplicate-id"], "{rendered}");
    assert!(
        rendered.contains("goes under the existing tax's `rates:`"),
        "{rendered}"
    );
}

/// 0.5 meant as 0.5% reads as 50%: a tax rate no tax has is a warning that
/// says how the number was read; 25% written as such only asks for a check.
#[test]
fn a_tax_rate_far_above_any_vat_rate_is_a_warning() {
    for (written, says) in [
        (
            "0.5",
            "a number without `%` is a fraction: 0.5 is 50%; for 0.5% write `0.5%`",
        ),
        ("25%", "check the rate against the tax authority's notice"),
    ] {
        let loaded = rules::load_texts(
            Origin::Embedded,
            sample_edited(
                "rules/taxes.yaml",
                "- {rate: 6%, from: 2016-05-01}",
                &format!("- {{rate: {written}, from: 2016-05-01}}"),
            ),
        );
        let shown = render_all(&loaded.diagnostics, &loaded.sources);
        assert!(loaded.rules.is_some(), "a warning keeps the rules usable");
        let codes: Vec<_> = loaded
            .diagnostics
            .iter()
            .map(|d| (d.code, d.is_error()))
            .collect();
        assert_eq!(codes, [("unusual-tax-rate", false)], "{shown}");
        assert!(shown.contains(says), "{shown}");
    }
    // 13%, the highest VAT rate, is not unusual.
    let loaded = rules::load_texts(
        Origin::Embedded,
        sample_edited(
            "rules/taxes.yaml",
            "- {rate: 6%, from: 2016-05-01}",
            "- {rate: 13%, from: 2016-05-01}",
        ),
    );
    assert!(loaded.diagnostics.is_empty());
}
