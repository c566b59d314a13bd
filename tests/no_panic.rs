//! The loaders and the expression parser never panic, whatever the input.

use feebook::diagnostic::Place;
use feebook::rules::{self, Origin, embedded};
use proptest::prelude::*;

fn load_one(text: String) {
    let _ = rules::load_texts(Origin::Embedded, vec![("rules/x.yaml".into(), text)]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn loader_survives_arbitrary_text(text in "\\PC{0,400}") {
        load_one(text);
    }

    #[test]
    fn loader_survives_yamlish_text(text in "([a-z_]{1,8}: ?|- |\\{|\\}|\\[|\\]|\"|'|\n  |\n|[0-9.%-]{1,6}|税率|&a |\\*a |!!str |#)*") {
        load_one(text);
    }

    /// Damage a real rule file: delete a slice, or splice in another part.
    #[test]
    fn loader_survives_damaged_sample_files(file in 0..embedded::FILES.len(), a in 0usize..4000, b in 0usize..200, c in 0usize..4000) {
        let mut files: Vec<(String, String)> = embedded::FILES.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
        let text = files[file].1.clone();
        let cut = |i: usize| { let mut i = i.min(text.len()); while !text.is_char_boundary(i) { i -= 1; } i };
        let (s, e) = (cut(a), cut(a + b));
        let ins = cut(c);
        let mut damaged = String::new();
        damaged.push_str(&text[..s]);
        damaged.push_str(&text[ins..cut(ins + b)]);
        damaged.push_str(&text[e..]);
        files[file].1 = damaged;
        let loaded = rules::load_texts(Origin::Embedded, files);
        // Every place shown is inside its file, on character boundaries,
        // and no problem is reported twice (looking for a file's later
        // mistakes reads it again and again).
        for d in &loaded.diagnostics {
            if let Place::Span(loc) = &d.primary.place {
                let text = &loaded.sources.get(loc.file).unwrap().text;
                let (start, end) = (loc.start as usize, loc.end as usize);
                prop_assert!(end <= text.len() && text.is_char_boundary(start) && text.is_char_boundary(end), "{d:?}");
            }
        }
        let mut seen = std::collections::HashSet::new();
        for d in &loaded.diagnostics {
            prop_assert!(seen.insert(format!("{:?}{}", d.primary.place, d.message)), "twice: {d:?}");
        }
    }

    #[test]
    fn expression_compiler_survives_arbitrary_text(src in "\\PC{0,200}") {
        let scope = feebook::records::RecordKind::Order.scope();
        let _ = feebook::expr::compile(&src, &scope);
    }
}
