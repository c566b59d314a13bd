//! Binding rendered PDFs into one print file, page after page.
//!
//! A month's notices are already rendered, one PDF each. Laying them out a
//! second time in one Typst document would cost as much again, and Typst
//! keeps a whole document's layout in memory (several megabytes a page), so
//! the print file is bound from the notices' own PDFs instead: their objects
//! renumbered into one document under one page tree. Each part keeps its
//! own font subset; the bound file is the sum of its parts.

use lopdf::{Dictionary, Document, Object, ObjectId};

/// Attributes a page may inherit from its page tree (ISO 32000 §7.7.3.4):
/// copied onto every page, because the parts' page trees are dropped.
const INHERITED: [&[u8]; 4] = [b"Resources", b"MediaBox", b"CropBox", b"Rotate"];

/// One PDF with the pages of every part, in order. Deterministic: the same
/// parts give the same bytes.
pub fn bind(parts: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    let mut out = Document::with_version("1.7");
    let pages_id = out.new_object_id();
    let mut kids: Vec<ObjectId> = Vec::new();
    let mut next_id = out.max_id + 1;
    for (n, bytes) in parts.iter().enumerate() {
        let mut doc =
            Document::load_mem(bytes).map_err(|e| format!("part {} is not a PDF: {e}", n + 1))?;
        doc.renumber_objects_with(next_id);
        next_id = doc.max_id + 1;
        let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
        if pages.is_empty() {
            return Err(format!("part {} has no pages", n + 1));
        }
        for &page in &pages {
            let inherited = inherited_attributes(&doc, page);
            let dict = doc
                .get_object_mut(page)
                .and_then(Object::as_dict_mut)
                .map_err(|e| format!("part {}: a page is not a dictionary: {e}", n + 1))?;
            for (key, value) in inherited {
                if !dict.has(&key) {
                    dict.set(key, value);
                }
            }
            dict.set("Parent", pages_id);
        }
        kids.extend(&pages);
        out.objects.extend(doc.objects);
    }
    out.max_id = next_id - 1;
    let count = kids.len() as i64;
    let mut pages = Dictionary::new();
    pages.set("Type", "Pages");
    pages.set(
        "Kids",
        kids.into_iter().map(Object::Reference).collect::<Vec<_>>(),
    );
    pages.set("Count", count);
    out.objects.insert(pages_id, Object::Dictionary(pages));
    let mut catalog = Dictionary::new();
    catalog.set("Type", "Catalog");
    catalog.set("Pages", pages_id);
    let catalog_id = out.add_object(catalog);
    out.trailer.set("Root", catalog_id);
    // The parts' catalogues, page trees and document information are now
    // unreferenced; drop them and everything only they used.
    out.prune_objects();
    let mut bytes = Vec::new();
    out.save_to(&mut bytes)
        .map_err(|e| format!("cannot write the bound PDF: {e}"))?;
    Ok(bytes)
}

/// The inheritable attributes a page gets from its ancestors, nearest first.
fn inherited_attributes(doc: &Document, page: ObjectId) -> Vec<(Vec<u8>, Object)> {
    let mut found: Vec<(Vec<u8>, Object)> = Vec::new();
    let mut node = doc.get_dictionary(page).ok();
    let mut depth = 0;
    while let Some(dict) = node {
        let Ok(parent) = dict.get(b"Parent").and_then(Object::as_reference) else {
            break;
        };
        let Ok(parent_dict) = doc.get_dictionary(parent) else {
            break;
        };
        for key in INHERITED {
            if !found.iter().any(|(k, _)| k == key)
                && let Ok(value) = parent_dict.get(key)
            {
                found.push((key.to_vec(), value.clone()));
            }
        }
        node = Some(parent_dict);
        depth += 1;
        if depth > 64 {
            break; // a cycle in a damaged page tree
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PDF of `widths.len()` empty pages; the page size is set on the page
    /// tree only, so binding must carry it onto each page.
    fn pdf(widths: &[i64]) -> Vec<u8> {
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let kids: Vec<Object> = widths
            .iter()
            .map(|&w| {
                let mut page = Dictionary::new();
                page.set("Type", "Page");
                page.set("Parent", pages_id);
                page.set("UserUnit", w); // tells the pages apart
                Object::Reference(doc.add_object(page))
            })
            .collect();
        let mut pages = Dictionary::new();
        pages.set("Type", "Pages");
        pages.set("Count", widths.len() as i64);
        pages.set("Kids", kids);
        pages.set("MediaBox", vec![0.into(), 0.into(), 595.into(), 842.into()]);
        doc.objects.insert(pages_id, Object::Dictionary(pages));
        let mut catalog = Dictionary::new();
        catalog.set("Type", "Catalog");
        catalog.set("Pages", pages_id);
        let catalog_id = doc.add_object(catalog);
        doc.trailer.set("Root", catalog_id);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).unwrap();
        bytes
    }

    #[test]
    fn pages_come_in_order_with_their_inherited_size() {
        let bound = bind(&[pdf(&[1]), pdf(&[2, 3]), pdf(&[4])]).unwrap();
        let doc = Document::load_mem(&bound).unwrap();
        let pages = doc.get_pages();
        assert_eq!(pages.len(), 4);
        for (n, id) in pages {
            let page = doc.get_dictionary(id).unwrap();
            assert_eq!(page.get(b"UserUnit").unwrap().as_i64().unwrap(), n as i64);
            let media = page.get(b"MediaBox").unwrap().as_array().unwrap();
            assert_eq!(media[3].as_i64().unwrap(), 842);
        }
    }

    #[test]
    fn the_same_parts_give_the_same_bytes() {
        let parts = [pdf(&[1, 2]), pdf(&[3])];
        assert_eq!(bind(&parts).unwrap(), bind(&parts).unwrap());
    }

    #[test]
    fn a_part_that_is_not_a_pdf_is_an_error() {
        let e = bind(&[pdf(&[1]), b"not a pdf".to_vec()]).unwrap_err();
        assert!(e.starts_with("part 2 is not a PDF"), "{e}");
    }
}
