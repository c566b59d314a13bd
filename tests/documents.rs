//! Documents: every kind renders in every format from the samples; HTML
//! and Markdown are snapshotted; PDFs carry the customer, the total and its
//! 大写; output is deterministic; templates are sandboxed; a character no
//! font has is an error.

mod support;
use support::Scratch;

use chrono::NaiveDate;
use feebook::approval;
use feebook::documents::{Format, Kind, Renderer, model};
use feebook::order::OrderFile;
use feebook::payment::Payment;
use feebook::quote::{load_job, price_job};
use feebook::rules::Rules;
use feebook::source::{SourceFile, Sources};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn rules() -> Rules {
    feebook::rules::load_embedded().rules.expect("sample rules")
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn parse<T: serde::de::DeserializeOwned>(path: &str) -> T {
    let mut sources = Sources::new();
    let id = sources.add(SourceFile::new(
        path,
        std::fs::read_to_string(format!("{ROOT}/{path}")).unwrap(),
    ));
    feebook::yaml::parse(&sources, id, "sample").unwrap()
}

/// Every sample document's data: (name, kind, date, number, data).
fn samples(rules: &Rules) -> Vec<(String, Kind, NaiveDate, String, serde_json::Value)> {
    let mut out = Vec::new();
    let date = d("2026-11-27");
    let cat = rules.catalog_on(date).unwrap();
    let idx = rules
        .catalogs
        .iter()
        .position(|c| std::ptr::eq(c, cat))
        .unwrap();
    let v = |x: &dyn erased::Ser| x.value();
    out.push((
        "notice".into(),
        Kind::Notice,
        date,
        "2026-01".into(),
        v(&model::notice(
            rules,
            cat,
            &rules.catalog_status[idx],
            date,
            None,
        )),
    ));
    out.push((
        "notice-letter".into(),
        Kind::Notice,
        date,
        "2026-01".into(),
        v(&model::notice(
            rules,
            cat,
            &rules.catalog_status[idx],
            date,
            Some("华庭大厦 12 层 1203 室 孙晓明 先生".into()),
        )),
    ));
    for job in [
        "BJ2026-0031-bathroom-waterproofing",
        "BJ2026-0034-office-partition",
        "BJ2026-0036-lobby-stone-care",
    ] {
        let mut sources = Sources::new();
        let path = format!("{ROOT}/samples/jobs/{job}.yaml");
        let (_, j) =
            load_job(&mut sources, &path, std::fs::read_to_string(&path).unwrap()).unwrap();
        let q = price_job(rules, &j).unwrap();
        let (status, problems) = approval::quote_status(rules, &j, &q);
        assert!(problems.is_empty(), "{job}: {problems:?}");
        out.push((
            format!("quote-{job}"),
            Kind::Quote,
            q.date,
            q.number.clone(),
            v(&model::quote(rules, &q, &status)),
        ));
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
        let o: OrderFile = parse(&format!("samples/orders/{name}.yaml"));
        let number = format!("WX202611-{:05}", i + 1);
        let p = feebook::order::price_order(rules, &o.to_input(), &number, &Default::default())
            .unwrap();
        out.push((
            format!("work_order-{name}"),
            Kind::WorkOrder,
            p.date,
            number,
            v(&model::work_order(rules, &p, false)),
        ));
        orders.push(p);
    }
    for (i, name) in ["immediate-repair-802", "monthly-1203"].iter().enumerate() {
        let p: Payment = parse(&format!("samples/payments/{name}.yaml"));
        let number = format!("SJ2026-{:06}", i + 1);
        out.push((
            format!("receipt-{name}"),
            Kind::Receipt,
            p.date.value,
            number.clone(),
            v(&model::receipt(rules, &p, &number, None)),
        ));
    }
    let voided: Payment = parse("samples/payments/monthly-1203.yaml");
    out.push((
        "receipt-voided".into(),
        Kind::Receipt,
        voided.date.value,
        "SJ2026-000009".into(),
        v(&model::receipt(
            rules,
            &voided,
            "SJ2026-000009",
            Some("金额有误"),
        )),
    ));
    let billed: Vec<_> = orders
        .iter()
        .filter(|o| feebook::batch::billed(o))
        .collect();
    let tax = feebook::batch::document_tax(&billed, rules.documents.tax_rounding);
    out.push((
        "billing_notice".into(),
        Kind::BillingNotice,
        d("2026-12-01"),
        "TZ202612-0001".into(),
        v(&model::billing_notice(
            rules,
            "TZ202612-0001",
            d("2026-12-01"),
            "孙晓明",
            "华庭大厦 12 层 1203 室",
            (2026, 11),
            &billed,
            tax,
            false,
        )),
    ));
    out.push((
        "register".into(),
        Kind::Register,
        d("2026-12-01"),
        "2026-11".into(),
        v(&model::register(
            rules,
            (2026, 11),
            d("2026-12-01"),
            &orders,
        )),
    ));
    out
}

mod erased {
    pub trait Ser {
        fn value(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn value(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap()
        }
    }
}

#[test]
fn html_and_markdown_snapshots() {
    let rules = rules();
    let r = Renderer::embedded();
    for (name, kind, date, number, data) in samples(&rules) {
        for (format, ext) in [(Format::Html, "html"), (Format::Md, "md")] {
            let bytes = r
                .render(kind, &data, format, date, &number)
                .unwrap_or_else(|e| panic!("{name}.{ext}: {e:?}"));
            let text = String::from_utf8(bytes).unwrap();
            insta::assert_snapshot!(format!("{name}.{ext}"), text);
        }
    }
}

/// The sample billing notice: its kind, date, number and data.
fn sample_notice(rules: &Rules) -> (Kind, NaiveDate, String, serde_json::Value) {
    let (_, kind, date, number, data) = samples(rules)
        .into_iter()
        .find(|s| s.1 == Kind::BillingNotice)
        .unwrap();
    (kind, date, number, data)
}

fn pdf_text(bytes: &[u8]) -> String {
    let text = pdf_extract::extract_text_from_mem(bytes).expect("PDF text");
    // Typst may break lines and put spaces between runs; compare without.
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn pdfs_carry_the_customer_the_total_and_its_uppercase() {
    let rules = rules();
    let r = Renderer::embedded();
    for (name, kind, date, number, data) in samples(&rules) {
        let pdf = r
            .render(kind, &data, Format::Pdf, date, &number)
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert!(pdf.starts_with(b"%PDF"), "{name}");
        let text = pdf_text(&pdf);
        let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        let expect: Vec<String> = match kind {
            Kind::Quote => vec![
                data["customer"].as_str().unwrap().into(),
                data["total"]["plain"].as_str().unwrap().into(),
                data["total_upper"].as_str().unwrap().into(),
            ],
            Kind::WorkOrder => vec![
                data["customer"].as_str().unwrap().into(),
                data["amount"]["plain"].as_str().unwrap().into(),
                data["amount_upper"].as_str().unwrap().into(),
            ],
            Kind::Receipt => vec![
                data["payer"].as_str().unwrap().into(),
                data["amount"]["plain"].as_str().unwrap().into(),
                data["amount_upper"].as_str().unwrap().into(),
                data["stamp"].as_str().unwrap().into(),
            ],
            Kind::BillingNotice => vec![
                data["customer"].as_str().unwrap().into(),
                data["total"]["plain"].as_str().unwrap().into(),
                data["total_upper"].as_str().unwrap().into(),
            ],
            Kind::Notice => vec!["室内卫生清洁".into(), "¥3.00".into()],
            Kind::Register => vec![
                "孙晓明".into(),
                data["total"]["plain"].as_str().unwrap().into(),
            ],
        };
        for e in expect {
            assert!(
                text.contains(&strip(&e)),
                "{name}: `{e}` not found in the PDF text:\n{text}"
            );
        }
        assert!(
            text.contains(&strip(number.as_str())),
            "{name}: number {number}"
        );
    }
}

#[test]
fn rendering_is_deterministic() {
    let rules = rules();
    let r = Renderer::embedded();
    for (name, kind, date, number, data) in samples(&rules).into_iter().take(4) {
        for format in [Format::Pdf, Format::Html] {
            let a = r.render(kind, &data, format, date, &number).unwrap();
            let b = r.render(kind, &data, format, date, &number).unwrap();
            assert!(a == b, "{name} {format:?} differs between two renders");
        }
    }
}

#[test]
fn same_bytes_across_processes() {
    let dir = Scratch::new("det");
    let mut outputs = Vec::new();
    for run in 0..2 {
        for (format, ext) in [("pdf", "pdf"), ("html", "html")] {
            let out = dir.join(format!("{run}.{ext}"));
            let status = std::process::Command::new(env!("CARGO_BIN_EXE_feebook"))
                .args([
                    "quote",
                    "samples/jobs/BJ2026-0034-office-partition.yaml",
                    "--format",
                    format,
                    "-o",
                ])
                .arg(&out)
                .current_dir(ROOT)
                .output()
                .unwrap();
            assert!(
                status.status.success(),
                "{}",
                String::from_utf8_lossy(&status.stderr)
            );
            outputs.push((ext, std::fs::read(&out).unwrap()));
        }
    }
    assert!(outputs[0].1 == outputs[2].1, "PDF differs across processes");
    assert!(
        outputs[1].1 == outputs[3].1,
        "HTML differs across processes"
    );
}

fn override_dir(name: &str, file: &str, text: &str) -> Scratch {
    let dir = Scratch::new(&format!("tpl-{name}"));
    std::fs::create_dir_all(dir.join("typst")).unwrap();
    std::fs::write(dir.join("typst").join(file), text).unwrap();
    dir
}

/// Renders the sample document of `kind` with its Typst template replaced
/// by `text`: the error it must fail with, and the replacement folder (for
/// the caller to look at).
fn render_replaced(
    kind: Kind,
    case: &str,
    text: &str,
) -> (Vec<feebook::diagnostic::Diagnostic>, Scratch) {
    let rules = rules();
    let (_, kind, date, number, data) = samples(&rules).into_iter().find(|s| s.1 == kind).unwrap();
    let dir = override_dir(case, &format!("{}.typ", kind.name()), text);
    let r = Renderer::new(Some(&dir), None).unwrap();
    let err = r
        .render(kind, &data, Format::Pdf, date, &number)
        .expect_err(case);
    (err, dir)
}

#[test]
fn templates_cannot_read_files_or_import_packages() {
    for (case, text, expected) in [
        ("read", "#read(\"/etc/passwd\")", "/etc/passwd"),
        ("dotdot", "#read(\"../../../../etc/passwd\")", "passwd"),
        ("image", "#image(\"/etc/hostname\")", "hostname"),
        (
            "package",
            "#import \"@preview/cetz:0.3.0\"",
            "packages are disabled",
        ),
    ] {
        let (err, _dir) = render_replaced(Kind::Quote, case, text);
        let shown = format!("{err:?}");
        assert!(shown.contains(expected), "{case}: {shown}");
    }
}

/// A file of the templates folder may be read; one outside it may not, not
/// even through a link placed in the folder.
#[cfg(unix)]
#[test]
fn a_link_out_of_the_templates_folder_is_refused() {
    let dir = override_dir("link", "quote.typ", "#read(\"host.txt\")");
    std::os::unix::fs::symlink("/etc/hostname", dir.join("typst").join("host.txt")).unwrap();
    let err = match Renderer::new(Some(&dir), None) {
        Err(e) => format!("{e:?}"),
        Ok(_) => panic!("a link out of the folder was accepted"),
    };
    assert!(err.contains("outside the templates folder"), "{err}");
}

/// The HTML and Markdown partials are held to the same folder: a link
/// leading out is refused before anything renders, as a usage error.
#[cfg(unix)]
#[test]
fn a_markdown_partial_linked_out_of_the_templates_folder_is_refused() {
    let dir = Scratch::new("tpl-md-link");
    std::fs::create_dir_all(dir.join("md")).unwrap();
    std::fs::write(
        dir.join("md").join("receipt.md"),
        "{% extends \"base.md\" %}{% block body %}{% include \"foot.md\" %}{% endblock %}",
    )
    .unwrap();
    let outside = Scratch::new("tpl-md-outside");
    let secret = outside.join("secret.md");
    std::fs::write(&secret, "SECRET").unwrap();
    let link = dir.join("md").join("foot.md");
    std::os::unix::fs::symlink(&secret, &link).unwrap();
    let err = match Renderer::new(Some(&dir), None) {
        Err(e) => e,
        Ok(_) => panic!("a link out of the folder was accepted"),
    };
    assert!(!err.in_content, "a usage error: exit 2");
    let messages: Vec<&str> = err.problems.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [format!(
            "{} is a link to a file outside the templates folder ({}); copy the file in instead",
            link.display(),
            secret.canonicalize().unwrap().display()
        )]
    );
}

/// `typst/` itself a link to a folder elsewhere: refused, as a file link
/// is (every file below it would pass a check against its own target).
#[cfg(unix)]
#[test]
fn a_typst_folder_linked_out_of_the_templates_folder_is_refused() {
    let dir = Scratch::new("tpl-typst-link");
    let outside = Scratch::new("tpl-typst-outside");
    std::fs::create_dir_all(outside.join("typst")).unwrap();
    std::fs::write(outside.join("typst").join("receipt.typ"), "SECRET").unwrap();
    std::os::unix::fs::symlink(outside.join("typst"), dir.join("typst")).unwrap();
    let err = match Renderer::new(Some(&dir), None) {
        Err(e) => e,
        Ok(_) => panic!("a link out of the folder was accepted"),
    };
    assert!(!err.in_content, "a usage error: exit 2");
    let messages: Vec<&str> = err.problems.iter().map(|d| d.message.as_str()).collect();
    assert!(
        messages.len() == 1
            && messages[0].contains("is a link to a folder outside the templates folder"),
        "{messages:?}"
    );
}

#[test]
fn a_template_error_names_the_template_line() {
    let (err, dir) = render_replaced(
        Kind::Quote,
        "syntax",
        "#let data = json(\"/data.json\")\n\n#data.no_such_field\n",
    );
    let d = &err[0];
    match &d.primary.place {
        feebook::diagnostic::Place::Line {
            file, line, column, ..
        } => {
            // The replacement's own path, not the embedded template's.
            assert_eq!(
                file,
                &dir.join("typst").join("quote.typ").display().to_string()
            );
            assert_eq!(*line, 3);
            assert_eq!(*column, Some(7));
        }
        other => panic!("no template location: {other:?}"),
    }
    assert!(d.message.contains("no_such_field"), "{}", d.message);
}

#[test]
fn a_character_no_font_has_is_an_error_naming_it_and_the_field() {
    let rules = rules();
    let (_, kind, date, number, mut data) = samples(&rules)
        .into_iter()
        .find(|s| s.1 == Kind::Quote)
        .unwrap();
    data["customer"] = "吉田𠮷".into();
    let err = Renderer::embedded()
        .render(kind, &data, Format::Pdf, date, &number)
        .unwrap_err();
    let msg = &err[0].message;
    assert!(
        msg.contains("𠮷") && msg.contains("U+20BB7") && msg.contains("customer"),
        "{msg}"
    );
    assert!(err[0].hints.iter().any(|h| h.contains("--font-dir")));
    // HTML has no such limit: the browser's fonts apply.
    assert!(
        Renderer::embedded()
            .render(kind, &data, Format::Html, date, &number)
            .is_ok()
    );
}

/// A control character (an escape sequence pasted with a note) prints
/// nothing in a PDF and acts on a terminal showing Markdown: refused in
/// every format a person reads, naming the field; a line break is text.
#[test]
fn a_control_character_is_an_error_naming_the_field() {
    let rules = rules();
    let (_, kind, date, number, mut data) = samples(&rules)
        .into_iter()
        .find(|s| s.1 == Kind::Quote)
        .unwrap();
    data["address"] = "华庭大厦\n12 层".into();
    let r = Renderer::embedded();
    assert!(r.render(kind, &data, Format::Md, date, &number).is_ok());
    data["address"] = "华庭大厦\u{1b}[2J12 层".into();
    for format in [Format::Pdf, Format::Html, Format::Md] {
        let err = r.render(kind, &data, format, date, &number).unwrap_err();
        assert_eq!(err[0].code, "control-character", "{format:?}");
        assert!(
            err[0].message.contains("`address`") && err[0].message.contains("U+001B"),
            "{}",
            err[0].message
        );
    }
    assert!(r.render(kind, &data, Format::Json, date, &number).is_ok());
}

#[test]
fn multi_copy_forms_render_a_page_per_copy_and_void_marks_every_copy() {
    let rules = rules();
    let all = samples(&rules);
    let (_, kind, date, number, data) = all
        .iter()
        .find(|s| s.1 == Kind::WorkOrder)
        .cloned()
        .unwrap();
    let pdf = Renderer::embedded()
        .render(kind, &data, Format::Pdf, date, &number)
        .unwrap();
    let text = pdf_text(&pdf);
    for label in ["第一联", "第二联", "第三联", "第四联"] {
        assert!(text.contains(label), "{label}");
    }
    // A work order that fills its page stays one page a copy once voided:
    // the reason takes no line of its own.
    let mut full = data.clone();
    full["request"] = "茶水间水龙头漏水更换陶瓷阀芯及软管".repeat(12).into();
    let pages = |data: &serde_json::Value| {
        let pdf = Renderer::embedded()
            .render(kind, data, Format::Pdf, date, &number)
            .unwrap();
        pdf_extract::extract_text_from_mem_by_pages(&pdf)
            .unwrap()
            .len()
    };
    assert_eq!(pages(&full), 4);
    feebook::issue::mark_void(&mut full, "重复登记，客户已取消本次维修申请，另行安排");
    assert_eq!(pages(&full), 4);
    let (_, kind, date, number, data) = all
        .iter()
        .find(|s| s.0 == "receipt-voided")
        .cloned()
        .unwrap();
    let pdf = Renderer::embedded()
        .render(kind, &data, Format::Pdf, date, &number)
        .unwrap();
    let text = pdf_text(&pdf);
    assert!(
        text.matches("作废").count() >= 3,
        "作废 on every copy:\n{text}"
    );
}

/// Page numbers cost Typst a second layout pass, so a document is first laid
/// out without them and kept when each copy is one page (第 1 页 共 1 页);
/// a longer one is laid out again with real numbers, and the number in the
/// running footer.
#[test]
fn page_numbers_are_real_for_one_page_copies_and_for_long_ones() {
    let rules = rules();
    let r = Renderer::embedded();
    let (kind, date, number, mut data) = sample_notice(&rules);
    let short = pdf_text(&r.render(kind, &data, Format::Pdf, date, &number).unwrap());
    assert_eq!(short.matches("第1页共1页").count(), 2, "{short}");
    assert!(!short.contains("共2页"), "{short}");

    let lines = data["lines"].as_array().unwrap().clone();
    let long: Vec<serde_json::Value> = lines.iter().cycle().take(60).cloned().collect();
    data["lines"] = long.into();
    let pdf = r.render(kind, &data, Format::Pdf, date, &number).unwrap();
    let text = pdf_text(&pdf);
    for page in ["第1页", "第2页"] {
        assert_eq!(
            text.matches(&format!("{page}共2页")).count(),
            2,
            "{page} of each copy:\n{text}"
        );
    }
    assert!(!text.contains("共1页"), "{text}");
    // The running footer carries the number on every page.
    assert!(text.matches(&number).count() >= 4 + 2, "{text}");
}

/// However a notice's lines fall, the customer signs on the page with the
/// amount due, and the signature block is not cut in two: the totals, the
/// channels and the signatures go over a page together.
#[test]
fn a_notice_is_signed_under_its_total() {
    let rules = rules();
    let r = Renderer::embedded();
    let (kind, date, number, mut data) = sample_notice(&rules);
    let lines = data["lines"].as_array().unwrap().clone();
    for n in [12, 18, 22, 26, 40, 120] {
        data["lines"] = lines
            .iter()
            .cycle()
            .take(n)
            .cloned()
            .collect::<Vec<_>>()
            .into();
        let text = pdf_text(&r.render(kind, &data, Format::Pdf, date, &number).unwrap());
        // Pages end with their footer, 第1页共2页.
        let pages: Vec<&str> = text
            .split_inclusive("页共")
            .filter(|p| p.contains("签收日期"))
            .collect();
        assert_eq!(
            pages.len(),
            2,
            "{n} lines: a signature block per copy:\n{text}"
        );
        for page in pages {
            assert!(
                page.contains("客户签收") && page.contains("应交合计") && page.contains("交费渠道"),
                "{n} lines: the signature apart from the total:\n{page}"
            );
        }
    }
}

/// A month's billing notices are laid out many per Typst compile and cut
/// into one PDF per notice: each is the same bytes as when rendered alone.
/// One that runs over a page in the batch is rendered again with page
/// numbers; one with a character no font has fails alone.
#[test]
fn a_batch_of_notices_gives_each_the_bytes_it_has_alone() {
    let rules = rules();
    let r = Renderer::embedded();
    let (kind, date, number, data) = sample_notice(&rules);
    let variant = |n: &str, customer: &str, lines: usize| {
        let mut v = data.clone();
        v["header"]["number"] = n.into();
        v["customer"] = customer.into();
        let all = v["lines"].as_array().unwrap().clone();
        v["lines"] = all
            .iter()
            .cycle()
            .take(lines)
            .cloned()
            .collect::<Vec<_>>()
            .into();
        (n.to_string(), v)
    };
    let batch = [
        (number.clone(), data.clone()),
        variant("TZ202612-0002", "周晓燕", 3),
        // 30 lines: not "long" beforehand, but more than one page holds.
        variant("TZ202612-0003", "华庭大厦业主委员会", 30),
        variant("TZ202612-0004", "𠮷田商事", 2),
        variant("TZ202612-0005", "钱多多", 1),
    ];
    let datas: Vec<serde_json::Value> = batch.iter().map(|b| b.1.clone()).collect();
    let ids: Vec<&str> = batch.iter().map(|b| b.0.as_str()).collect();
    let out = r.render_pdf_batch(kind, &datas, date, &ids);
    assert_eq!(out.len(), 5);
    for (i, ((n, d), got)) in batch.iter().zip(&out).enumerate() {
        let alone = r.render(kind, d, Format::Pdf, date, n);
        if i == 3 {
            let err = format!("{:?}", got.as_ref().unwrap_err());
            assert!(err.contains("𠮷"), "{err}");
            assert!(alone.is_err());
            continue;
        }
        let got = got.as_ref().unwrap();
        assert!(
            got == alone.as_ref().unwrap(),
            "notice {n} differs from its rendering alone"
        );
        let text = pdf_text(got);
        assert!(text.contains(n.as_str()), "{text}");
        assert!(text.contains(d["customer"].as_str().unwrap()), "{text}");
        let pages = if i == 2 { "共2页" } else { "共1页" };
        assert!(text.contains(pages), "notice {n}: {text}");
    }
}

/// A replacement billing-notice template must begin each notice on a new
/// page with `setup` (or its own `<feebook-document>` mark): a batch it lays
/// out otherwise cannot be cut into notices, and says so.
#[test]
fn a_batch_template_without_document_marks_is_refused() {
    let rules = rules();
    let (kind, date, number, data) = sample_notice(&rules);
    let dir = override_dir(
        "unmarked",
        "billing_notice.typ",
        "#set text(font: \"Noto Sans CJK SC\")\n\
         #for (i, d) in json(\"/data.json\").documents.enumerate() [#if i > 0 { pagebreak() } #d.customer]\n",
    );
    let r = Renderer::new(Some(&dir), None).unwrap();
    // Alone it renders: there is nothing to cut.
    assert!(r.render(kind, &data, Format::Pdf, date, &number).is_ok());
    let out = r.render_pdf_batch(
        kind,
        &[data.clone(), data.clone()],
        date,
        &[&number, "TZ202612-0002"],
    );
    for got in out {
        let err = format!("{:?}", got.unwrap_err());
        assert!(err.contains("<feebook-document>"), "{err}");
        assert!(err.contains("expected 2"), "{err}");
    }
}

/// A replacement billing-notice template written for one notice (reading
/// `data.customer`) fails with a hint at the batch shape of its data.
#[test]
fn a_single_notice_template_is_told_about_the_batch_shape() {
    let (err, _dir) = render_replaced(
        Kind::BillingNotice,
        "single-shape",
        "#let data = json(\"/data.json\")\n#data.customer\n",
    );
    let err = format!("{err:?}");
    assert!(err.contains("customer"), "{err}");
    assert!(err.contains("{\\\"documents\\\": [...]}"), "{err}");
}

/// The long tables' one-line rows (common.typ, `row-heights`) get a fixed
/// height instead of `auto` only when their text certainly fits one line;
/// the bound is read from the embedded font. Its advances must be the
/// font's, and no character of the font may be wider than 1em.
#[test]
fn the_one_line_bound_has_the_embedded_fonts_advances() {
    let common = std::fs::read_to_string("templates/typst/common.typ").unwrap();
    let start = common
        .find("#let latin-advance = (")
        .expect("latin-advance")
        + 22;
    let end = start + common[start..].find(")\n").unwrap();
    let entries = common[start..end]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let table: Vec<(char, f64)> = entries
        .split(", \"")
        .map(|e| {
            let e = e.trim().trim_start_matches('"');
            let (c, a) = e
                .split_once("\": ")
                .unwrap_or_else(|| panic!("entry `{e}`"));
            let mut chars = c.chars();
            let ch = chars.next().unwrap();
            assert!(chars.next().is_none(), "entry `{e}`");
            (
                ch,
                a.trim().parse().unwrap_or_else(|_| panic!("entry `{e}`")),
            )
        })
        .collect();
    assert!(table.len() > 40, "{table:?}");
    let fonts = feebook::documents::fonts::FontSet::embedded();
    let regular = fonts
        .fonts()
        .iter()
        .find(|f| f.info().variant.weight.to_number() == 400)
        .expect("the embedded Regular");
    let face = ttf_parser::Face::parse(regular.data().as_slice(), regular.index()).unwrap();
    let upem = f64::from(face.units_per_em());
    let advance = |c: char| {
        face.glyph_index(c)
            .and_then(|g| face.glyph_hor_advance(g))
            .map(|a| f64::from(a) / upem)
    };
    for (c, a) in &table {
        assert_eq!(advance(*c), Some(*a), "advance of `{c}`");
    }
    let widest = (0..=0x10FFFF_u32)
        .filter_map(char::from_u32)
        .filter_map(|c| advance(c).map(|a| (a, c)))
        .fold((0.0, ' '), |m, x| if x.0 > m.0 { x } else { m });
    assert!(widest.0 <= 1.0, "`{}` is {}em wide", widest.1, widest.0);
}

/// A fixed one-line row is exactly as high as the `auto` row it replaces:
/// a long notice and a long register are the same bytes with every row
/// `auto`; and the fixed heights are in use (a different one changes them).
#[test]
fn fixed_one_line_rows_lay_out_as_auto_rows() {
    let rules = rules();
    let common = std::fs::read_to_string("templates/typst/common.typ").unwrap();
    let all_auto = common.replacen("  if t == none { return auto }", "  return auto", 1);
    let taller = common.replacen("  one\n})", "  one + 0.5pt\n})", 1);
    assert_ne!(all_auto, common, "row-heights changed: update this test");
    assert_ne!(taller, common, "row-heights changed: update this test");
    let embedded = Renderer::embedded();
    let with = |case: &str, text: &str| {
        Renderer::new(Some(&override_dir(case, "common.typ", text)), None).unwrap()
    };
    let (auto_r, taller_r) = (with("all-auto", &all_auto), with("taller", &taller));
    for (_, kind, date, number, mut data) in samples(&rules)
        .into_iter()
        .filter(|s| matches!(s.1, Kind::BillingNotice | Kind::Register))
    {
        // Long: 60 lines, two pages a copy.
        let rows = if kind == Kind::Register {
            &mut data["groups"][0]["days"][0]["rows"]
        } else {
            &mut data["lines"]
        };
        let some = rows.as_array().unwrap().clone();
        *rows = some
            .iter()
            .cycle()
            .take(60)
            .cloned()
            .collect::<Vec<_>>()
            .into();
        let render = |r: &Renderer| r.render(kind, &data, Format::Pdf, date, &number).unwrap();
        let pdf = render(&embedded);
        assert!(
            pdf == render(&auto_r),
            "{kind:?}: fixed rows differ from auto rows"
        );
        assert!(
            pdf != render(&taller_r),
            "{kind:?}: no row got a fixed height"
        );
    }
}

/// A run of text of a page and its box (x0, y0, x1, y1), as Typst laid it
/// out.
type Word = (String, [f64; 4]);

/// Words of a PDF that are drawn over one another: one line per pair.
fn overlapping_words(pages: &[Vec<Word>]) -> Vec<String> {
    let mut out = Vec::new();
    for (p, words) in pages.iter().enumerate() {
        for (i, (a, ab)) in words.iter().enumerate() {
            for (b, bb) in &words[i + 1..] {
                let x = ab[2].min(bb[2]) - ab[0].max(bb[0]);
                let y = ab[3].min(bb[3]) - ab[1].max(bb[1]);
                if x > 0.5 && y > 0.5 {
                    out.push(format!("page {}: `{a}` over `{b}`", p + 1));
                }
            }
        }
    }
    out
}

/// A notice's amounts up to ¥999,999,999,999.99 and a quantity of 13 digits
/// stay inside their cells: set smaller, never over a border, a label or
/// another figure.
#[test]
fn a_notice_of_the_largest_amounts_keeps_them_in_their_cells() {
    let rules = rules();
    let r = Renderer::embedded();
    let (kind, date, number, mut data) = sample_notice(&rules);
    let amount = |yuan: &str| {
        serde_json::json!({
            "value": yuan.trim_start_matches('¥').replace(',', ""),
            "yuan": yuan,
            "plain": yuan.trim_start_matches('¥'),
        })
    };
    data["lines"][0]["quantity"] = "1999999999998".into();
    data["lines"][0]["amount"] = amount("¥999,999,999,999.00");
    data["lines"][1]["quantity"] = "19999999999".into();
    data["lines"][1]["amount"] = amount("¥9,999,999,999.50");
    data["net"] = amount("¥943,396,226,414.62");
    data["tax"] = amount("¥56,603,773,584.88");
    data["total"] = amount("¥999,999,999,999.99");
    data["total_upper"] = "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分".into();
    let pages = r.text_boxes(kind, &data, date, &number).unwrap();
    let found = overlapping_words(&pages);
    assert!(found.is_empty(), "{found:#?}");
    // Each figure a word of its own, apart from its label and the next cell.
    for s in [
        "1999999999998",
        "19999999999",
        "¥999,999,999,999.00",
        "¥9,999,999,999.50",
        "不含税金额",
        "¥943,396,226,414.62",
        "税额",
        "¥56,603,773,584.88",
        "¥999,999,999,999.99",
    ] {
        for (p, words) in pages.iter().enumerate() {
            assert!(
                words.iter().any(|w| w.0.split_whitespace().any(|t| t == s)),
                "page {}: no word `{s}`: {words:?}",
                p + 1
            );
        }
    }
}

/// A work order with long content (a job's description as its item, a long
/// customer, address, request and staff) is set tighter to stay one page a
/// copy; one too long for that runs over pages that repeat the title, the
/// number and the copy label.
#[test]
fn a_long_work_order_stays_one_page_a_copy() {
    let rules = rules();
    let (_, kind, date, number, data) = samples(&rules)
        .into_iter()
        .find(|s| s.1 == Kind::WorkOrder)
        .unwrap();
    let r = Renderer::embedded();
    let pages = |data: &serde_json::Value| {
        let pdf = r.render(kind, data, Format::Pdf, date, &number).unwrap();
        pdf_extract::extract_text_from_mem_by_pages(&pdf).unwrap()
    };
    let mut long = data.clone();
    long["item"] = "卫生间防水层修补，更换墙面空鼓瓷砖，完工后清洁卫生间防水层修补，更换墙面空鼓瓷砖，完工后清洁（确认单 BJ2026-0031）".into();
    assert_eq!(pages(&long).len(), 4);
    long["customer"] = "滨江云帆科技有限公司华庭大厦分部暨浙江省滨江市高新技术产业开发区数字经济创新服务中心联合办公室筹备组（周婷）".into();
    long["address"] = "浙江省滨江市高新技术产业开发区滨江路 88 号华庭大厦 B 座 12 层 1203A-1205C 室（东侧电梯厅旁，近消防通道）".into();
    long["request"] = "茶水间水龙头漏水，更换陶瓷阀芯及软管；".repeat(6).into();
    long["staff"] =
        "管道工 刘建、维修电工 王小明、普工 赵大海、普工 钱二、保洁员 何翠兰 Zhang-Williams Jr."
            .into();
    assert_eq!(pages(&long).len(), 4);
    long["request"] = "茶水间水龙头漏水，更换陶瓷阀芯及软管；".repeat(40).into();
    let got = pages(&long);
    assert_eq!(got.len(), 8);
    for (i, page) in got.iter().enumerate() {
        let page: String = page.chars().filter(|c| !c.is_whitespace()).collect();
        let copy = ["第一联", "第二联", "第三联", "第四联"][i / 2];
        assert!(
            page.contains(copy) && page.contains(&number),
            "page {}: {page}",
            i + 1
        );
        // On the later page of each copy only, not on a copy's first.
        assert_eq!(
            page.contains("特约服务/维修单（续）"),
            i % 2 == 1,
            "page {}: {page}",
            i + 1
        );
    }
}

/// A receipt of many lines runs over pages; each later page of a copy
/// repeats the title, the number and the copy label on top.
#[test]
fn a_long_receipt_repeats_its_title_on_later_pages() {
    let rules = rules();
    let (_, kind, date, number, data) = samples(&rules)
        .into_iter()
        .find(|s| s.1 == Kind::Receipt)
        .unwrap();
    let r = Renderer::embedded();
    let mut long = data.clone();
    let line = long["lines"][0].clone();
    long["lines"] = serde_json::Value::Array(vec![line; 14]);
    let pdf = r.render(kind, &long, Format::Pdf, date, &number).unwrap();
    let pages = pdf_extract::extract_text_from_mem_by_pages(&pdf).unwrap();
    let copies = long["header"]["copies"].as_array().unwrap().len();
    assert_eq!(pages.len(), 2 * copies, "two pages a copy");
    for (i, page) in pages.iter().enumerate() {
        let page: String = page.chars().filter(|c| !c.is_whitespace()).collect();
        assert_eq!(
            page.contains("收款收据（续）"),
            i % 2 == 1,
            "page {}: {page}",
            i + 1
        );
        assert!(page.contains(&number), "page {}: {page}", i + 1);
    }
}

/// HTML and Markdown say what the PDF says: the warnings, notes, signature
/// lines and column names of each document, in the same words.
#[test]
fn html_and_markdown_carry_the_pdfs_wording() {
    let rules = rules();
    let r = Renderer::embedded();
    let phrases: &[(&str, &[&str])] = &[
        (
            "billing_notice",
            &[
                "本公司只通过以上渠道收取费用，请勿向任何个人付款",
                "交费时请注明通知单号",
                "如对账单有疑问",
                "客户签收",
                "签收日期",
                "（盖章）",
                "费用所属期",
                "交费截止日",
            ],
        ),
        (
            "notice",
            &[
                "说明",
                "起步价",
                "服务前请到客户服务中心登记或致电预约",
                "严禁服务人员与客户私下结算，服务人员不接受客户任何赏赐",
                "经公司领导审批，现予公告",
            ],
        ),
        (
            "receipt-monthly-1203",
            &[
                "收款单位（盖章）",
                "收费通知单号",
                "备注",
                "本收据加盖财务印章后有效",
                "经手人",
                "交款方式",
            ],
        ),
        (
            "work_order-paid-repair-802",
            &["完工时间", "部门主管核对", "计价依据", "本单一式4联"],
        ),
        ("quote-BJ2026-0031-bathroom-waterproofing", &["+¥"]),
    ];
    let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let all = samples(&rules);
    for (name, want) in phrases {
        let (_, kind, date, number, data) = all.iter().find(|s| s.0 == *name).unwrap();
        let pdf = pdf_text(&r.render(*kind, data, Format::Pdf, *date, number).unwrap());
        for format in [Format::Html, Format::Md] {
            let text = strip(
                &String::from_utf8(r.render(*kind, data, format, *date, number).unwrap()).unwrap(),
            );
            for w in *want {
                let w = strip(w);
                assert!(pdf.contains(&w), "{name} PDF lacks `{w}`");
                assert!(text.contains(&w), "{name} {format:?} lacks `{w}`:\n{text}");
            }
        }
    }
    // The settlement boxes in the PDF's order.
    let (_, kind, date, number, data) = all
        .iter()
        .find(|s| s.0 == "work_order-paid-repair-802")
        .unwrap();
    for format in [Format::Html, Format::Md] {
        let text =
            String::from_utf8(r.render(*kind, data, format, *date, number).unwrap()).unwrap();
        let at = |s: &str| text.find(s).unwrap();
        assert!(
            at("月结") < at("即时结算") && at("即时结算") < at("长期协议"),
            "{format:?}"
        );
    }
}

/// The register writes its dates as the PDF does (11月5日 within its year),
/// rows and subtotals alike, never ISO in one place and 年月日 in another.
#[test]
fn the_register_writes_dates_one_way_in_every_format() {
    let rules = rules();
    let r = Renderer::embedded();
    let (_, kind, date, number, data) = samples(&rules)
        .into_iter()
        .find(|s| s.1 == Kind::Register)
        .unwrap();
    let pdf = pdf_text(&r.render(kind, &data, Format::Pdf, date, &number).unwrap());
    for format in [Format::Html, Format::Md] {
        let text =
            String::from_utf8(r.render(kind, &data, format, date, &number).unwrap()).unwrap();
        assert!(
            !text.contains("2026-11-"),
            "{format:?}: an ISO date:\n{text}"
        );
        assert!(
            !text.contains("年11月5日") && !text.contains("年11月2"),
            "{format:?}: a long date:\n{text}"
        );
        assert!(text.contains("11月5日 小计"), "{format:?}:\n{text}");
        assert!(pdf.contains("11月5日小计"), "{pdf}");
    }
}

/// A quote whose changes and approvals run over a page keeps its totals
/// under the calculation they total, on the first page, rather than moving
/// them over with the changes and leaving the page after the calculation
/// empty.
#[test]
fn a_quote_keeps_its_totals_under_its_calculation() {
    let rules = rules();
    let (_, kind, date, number, mut data) = samples(&rules)
        .into_iter()
        .find(|s| s.0 == "quote-BJ2026-0031-bathroom-waterproofing")
        .unwrap();
    let reason = data["revisions"][0]["reason"].as_str().unwrap().repeat(4);
    data["revisions"][0]["reason"] = reason.into();
    for s in data["approval"]["signatures"].as_array_mut().unwrap() {
        s["comment"] = "按修订后工程量重编预算，已与客户现场核对，材料单价按市场价确认".into();
    }
    let pages = Renderer::embedded()
        .text_boxes(kind, &data, date, &number)
        .unwrap();
    assert!(pages.len() >= 2, "the test needs a quote over a page");
    let on = |text: &str| {
        pages
            .iter()
            .position(|p| p.iter().any(|w| w.0.contains(text)))
            .unwrap_or_else(|| panic!("no `{text}`"))
    };
    assert_eq!(on("三、费用计算"), 0);
    assert_eq!(on("价税合计"), 0, "the totals went over");
    assert_eq!(on("合计（大写）"), 0);
}

/// A department of the register that runs over a page says so at the top
/// of the page it continues on; the first page says nothing.
#[test]
fn a_register_page_names_the_department_it_continues() {
    let rules = rules();
    let (_, kind, date, number, mut data) = samples(&rules)
        .into_iter()
        .find(|s| s.1 == Kind::Register)
        .unwrap();
    let department = data["groups"][0]["department"]
        .as_str()
        .unwrap()
        .to_string();
    let rows = data["groups"][0]["days"][0]["rows"]
        .as_array()
        .unwrap()
        .clone();
    let many: Vec<serde_json::Value> = rows.iter().cycle().take(80).cloned().collect();
    data["groups"][0]["days"][0]["rows"] = many.into();
    let pages = Renderer::embedded()
        .text_boxes(kind, &data, date, &number)
        .unwrap();
    assert!(pages.len() >= 2, "the test needs a department over a page");
    let says = |p: usize, text: &str| pages[p].iter().any(|w| w.0.contains(text));
    assert!(!says(0, "（续）"), "page 1: {:?}", pages[0]);
    assert!(
        says(1, &format!("{department}（续）")),
        "page 2: {:?}",
        pages[1]
    );
}

/// A notice whose price list is not approved as of its date (`notice
/// --draft`) says the prices await approval, in every format, instead of
/// the approved notice's "经公司领导审批，现予公告"; one rejected says so.
#[test]
fn a_draft_notice_does_not_claim_approval() {
    const APPROVED: &str = "下列服务项目及收费标准经公司领导审批，现予公告。";
    const PENDING: &str = "下列服务项目及收费标准尚待审批，仅供审阅，不得据此收费。";
    const REJECTED: &str = "下列服务项目及收费标准未获批准，仅供审阅，不得据此收费。";
    let rules = rules();
    let date = d("2026-11-27");
    let cat = rules.catalog_on(date).unwrap();
    let approved = serde_json::to_value(model::notice(
        &rules,
        cat,
        &approval::catalog_status_on(&rules, cat, date),
        date,
        None,
    ))
    .unwrap();
    // Before 公司领导 signed the sample list on 2025-12-15.
    let pending = serde_json::to_value(model::notice(
        &rules,
        cat,
        &approval::catalog_status_on(&rules, cat, d("2025-12-10")),
        date,
        None,
    ))
    .unwrap();
    assert_eq!(pending["approval"]["state"], "pending");
    assert_eq!(pending["header"]["mark"], "未经审批");
    let mut rejected = pending.clone();
    rejected["approval"]["state"] = "rejected".into();

    let r = Renderer::embedded();
    for (data, says) in [
        (&approved, APPROVED),
        (&pending, PENDING),
        (&rejected, REJECTED),
    ] {
        for format in [Format::Md, Format::Html] {
            let text = String::from_utf8(
                r.render(Kind::Notice, data, format, date, "2026-01")
                    .unwrap(),
            )
            .unwrap();
            for sentence in [APPROVED, PENDING, REJECTED] {
                assert_eq!(
                    text.contains(sentence),
                    sentence == says,
                    "{format:?}, `{sentence}`:\n{text}"
                );
            }
        }
        // The PDF's paragraph, its runs of text joined in order.
        let pdf: String = r
            .text_boxes(Kind::Notice, data, date, "2026-01")
            .unwrap()
            .concat()
            .into_iter()
            .map(|w| w.0)
            .collect();
        for sentence in [APPROVED, PENDING, REJECTED] {
            assert_eq!(
                pdf.contains(sentence),
                sentence == says,
                "PDF, `{sentence}`:\n{pdf}"
            );
        }
    }
}
