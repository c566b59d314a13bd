//! Binding rendered PDFs into one print file, page after page.
//!
//! A month's notices are already rendered, one PDF each. Laying them out a
//! second time in one Typst document would cost as much again, and Typst
//! keeps a whole document's layout in memory (several megabytes a page), so
//! the print file is bound from the notices' own PDFs instead.
//!
//! The [`Binder`] streams: each part is parsed, the objects its pages use
//! are renumbered and written out at once, and only their offsets and the
//! page ids are kept. A volume of 500 notices takes the memory of one
//! notice, not of the volume (a whole-document binder peaked above 100 MB
//! a volume). Each part keeps its own font subset; the bound file is the
//! sum of its parts.

use std::collections::HashMap;
use std::io::{self, Write};

use lopdf::{Dictionary, Document, Object, ObjectId, StringFormat};

/// Attributes a page may inherit from its page tree (ISO 32000 §7.7.3.4):
/// copied onto every page, because the parts' page trees are dropped.
const INHERITED: [&[u8]; 4] = [b"Resources", b"MediaBox", b"CropBox", b"Rotate"];

/// The object number of the bound file's page tree; the catalogue comes
/// last, the parts' objects in between.
const PAGES: u32 = 1;

/// Writes the pages of PDFs, one part after another, into one PDF.
/// Deterministic: the same parts give the same bytes.
pub struct Binder<W: Write> {
    out: Counting<W>,
    /// Byte offset of each object written, by object number - 1.
    offsets: Vec<u64>,
    /// The bound pages, in order.
    kids: Vec<u32>,
    parts: usize,
}

impl<W: Write> Binder<W> {
    /// Starts a PDF on `out`.
    pub fn new(out: W) -> io::Result<Self> {
        let mut out = Counting { inner: out, n: 0 };
        // The comment's high bytes mark the file as binary for transports.
        out.write_all(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")?;
        Ok(Binder {
            out,
            // The page tree is written last, under its reserved number.
            offsets: vec![0],
            kids: Vec::new(),
            parts: 0,
        })
    }

    /// Appends the pages of one PDF.
    pub fn add(&mut self, part: &[u8]) -> Result<(), String> {
        self.parts += 1;
        let n = self.parts;
        let doc = Document::load_mem(part).map_err(|e| format!("part {n} is not a PDF: {e}"))?;
        let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
        if pages.is_empty() {
            return Err(format!("part {n} has no pages"));
        }
        // The pages with what they inherit from the part's page tree, which
        // is dropped.
        let mut page_objects: HashMap<ObjectId, Object> = HashMap::new();
        for &id in &pages {
            let mut page = doc
                .get_object(id)
                .map_err(|e| format!("part {n}: {e}"))?
                .clone();
            let dict = page
                .as_dict_mut()
                .map_err(|e| format!("part {n}: a page is not a dictionary: {e}"))?;
            for (key, value) in inherited_attributes(&doc, id) {
                if !dict.has(&key) {
                    dict.set(key, value);
                }
            }
            // Set again once written: the bound file's page tree.
            dict.remove(b"Parent");
            page_objects.insert(id, page);
        }
        // Number the objects the pages use, in the order they are met from
        // the pages: deterministic, and nothing unused (the part's catalogue,
        // page tree and information dictionary) is carried over.
        let mut numbers: HashMap<ObjectId, u32> = HashMap::new();
        let mut order: Vec<ObjectId> = Vec::new();
        let mut next = self.offsets.len() as u32 + 1;
        let mut stack: Vec<ObjectId> = pages.iter().rev().copied().collect();
        while let Some(id) = stack.pop() {
            if numbers.contains_key(&id) {
                continue;
            }
            let object = match page_objects.get(&id) {
                Some(page) => page,
                None => match doc.get_object(id) {
                    Ok(object) => object,
                    Err(_) => continue, // dangling: becomes null below
                },
            };
            numbers.insert(id, next);
            next += 1;
            order.push(id);
            let mut found = Vec::new();
            references(object, &mut found);
            stack.extend(found.into_iter().rev());
        }
        for id in order {
            let page = page_objects.remove(&id);
            let is_page = page.is_some();
            let mut object = match page {
                Some(page) => page,
                None => doc
                    .get_object(id)
                    .map_err(|e| format!("part {n}: {e}"))?
                    .clone(),
            };
            renumber(&mut object, &numbers);
            if is_page && let Object::Dictionary(dict) = &mut object {
                dict.set("Parent", (PAGES, 0));
                self.kids.push(numbers[&id]);
            }
            self.offsets.push(self.out.n);
            let number = self.offsets.len();
            writeln!(self.out, "{number} 0 obj").map_err(write_error)?;
            write_object(&mut self.out, &object).map_err(write_error)?;
            self.out.write_all(b"\nendobj\n").map_err(write_error)?;
        }
        Ok(())
    }

    /// Writes the page tree, the catalogue, the cross-reference table and
    /// the trailer, and gives the writer back.
    pub fn finish(mut self) -> Result<W, String> {
        if self.kids.is_empty() {
            return Err("nothing to bind".into());
        }
        let mut pages = Dictionary::new();
        pages.set("Type", "Pages");
        pages.set(
            "Kids",
            self.kids
                .iter()
                .map(|&k| Object::Reference((k, 0)))
                .collect::<Vec<_>>(),
        );
        pages.set("Count", self.kids.len() as i64);
        self.offsets[PAGES as usize - 1] = self.out.n;
        writeln!(self.out, "{PAGES} 0 obj").map_err(write_error)?;
        write_object(&mut self.out, &Object::Dictionary(pages)).map_err(write_error)?;
        self.out.write_all(b"\nendobj\n").map_err(write_error)?;

        let mut catalog = Dictionary::new();
        catalog.set("Type", "Catalog");
        catalog.set("Pages", (PAGES, 0));
        self.offsets.push(self.out.n);
        let root = self.offsets.len();
        writeln!(self.out, "{root} 0 obj").map_err(write_error)?;
        write_object(&mut self.out, &Object::Dictionary(catalog)).map_err(write_error)?;
        self.out.write_all(b"\nendobj\n").map_err(write_error)?;

        let xref = self.out.n;
        let size = self.offsets.len() + 1;
        let mut table = format!("xref\n0 {size}\n0000000000 65535 f\r\n");
        for offset in &self.offsets {
            table.push_str(&format!("{offset:010} 00000 n\r\n"));
        }
        table.push_str(&format!(
            "trailer\n<< /Size {size} /Root {root} 0 R >>\nstartxref\n{xref}\n%%EOF\n"
        ));
        self.out
            .write_all(table.as_bytes())
            .and_then(|()| self.out.flush())
            .map_err(write_error)?;
        Ok(self.out.inner)
    }
}

fn write_error(e: io::Error) -> String {
    format!("cannot write the bound PDF: {e}")
}

/// One PDF with the pages of every part, in order, in memory.
pub fn bind(parts: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    let mut binder = Binder::new(Vec::new()).map_err(write_error)?;
    for part in parts {
        binder.add(part)?;
    }
    binder.finish()
}

/// The objects `object` refers to, in the order written.
fn references(object: &Object, out: &mut Vec<ObjectId>) {
    match object {
        Object::Reference(id) => out.push(*id),
        Object::Array(items) => items.iter().for_each(|o| references(o, out)),
        Object::Dictionary(dict) => dict.iter().for_each(|(_, v)| references(v, out)),
        Object::Stream(stream) => stream.dict.iter().for_each(|(_, v)| references(v, out)),
        _ => {}
    }
}

/// Rewrites every reference to the bound file's numbers; a reference to an
/// object the part does not have becomes null, as a reader would take it.
fn renumber(object: &mut Object, numbers: &HashMap<ObjectId, u32>) {
    match object {
        Object::Reference(id) => {
            *object = numbers
                .get(id)
                .map_or(Object::Null, |&n| Object::Reference((n, 0)));
        }
        Object::Array(items) => items.iter_mut().for_each(|o| renumber(o, numbers)),
        Object::Dictionary(dict) => dict.iter_mut().for_each(|(_, v)| renumber(v, numbers)),
        Object::Stream(stream) => stream
            .dict
            .iter_mut()
            .for_each(|(_, v)| renumber(v, numbers)),
        _ => {}
    }
}

/// Writes an object in PDF syntax. Strings are written in hexadecimal,
/// which needs no escaping.
fn write_object(w: &mut dyn Write, object: &Object) -> io::Result<()> {
    match object {
        Object::Null => w.write_all(b"null"),
        Object::Boolean(b) => w.write_all(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => write!(w, "{i}"),
        // Geometry and colours from the part, written back as read.
        Object::Real(r) => write!(w, "{r}"),
        Object::Name(name) => write_name(w, name),
        Object::String(bytes, _format @ (StringFormat::Literal | StringFormat::Hexadecimal)) => {
            w.write_all(b"<")?;
            for b in bytes {
                write!(w, "{b:02X}")?;
            }
            w.write_all(b">")
        }
        Object::Array(items) => {
            w.write_all(b"[")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    w.write_all(b" ")?;
                }
                write_object(w, item)?;
            }
            w.write_all(b"]")
        }
        Object::Dictionary(dict) => write_dict(w, dict, None),
        Object::Stream(stream) => {
            write_dict(w, &stream.dict, Some(stream.content.len()))?;
            w.write_all(b"\nstream\n")?;
            w.write_all(&stream.content)?;
            w.write_all(b"\nendstream")
        }
        Object::Reference((n, g)) => write!(w, "{n} {g} R"),
    }
}

/// A dictionary; a stream's gets its `Length` from the content itself.
fn write_dict(w: &mut dyn Write, dict: &Dictionary, length: Option<usize>) -> io::Result<()> {
    w.write_all(b"<<")?;
    for (key, value) in dict.iter() {
        if length.is_some() && key == b"Length" {
            continue;
        }
        w.write_all(b" ")?;
        write_name(w, key)?;
        w.write_all(b" ")?;
        write_object(w, value)?;
    }
    if let Some(len) = length {
        write!(w, " /Length {len}")?;
    }
    w.write_all(b" >>")
}

/// A name, with `#xx` for the bytes a name cannot hold literally.
fn write_name(w: &mut dyn Write, name: &[u8]) -> io::Result<()> {
    w.write_all(b"/")?;
    for &b in name {
        let regular = (0x21..=0x7e).contains(&b) && !b"()<>[]{}/%#".contains(&b);
        if regular {
            w.write_all(&[b])?;
        } else {
            write!(w, "#{b:02X}")?;
        }
    }
    Ok(())
}

/// A writer that counts the bytes written, for the cross-reference table.
struct Counting<W> {
    inner: W,
    n: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.n += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
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
        // Resources on the page tree, referring to an object of their own:
        // binding must carry both onto each page.
        let mut font = Dictionary::new();
        font.set("Type", "Font");
        font.set("BaseFont", "Noto#Sans");
        let font_id = doc.add_object(font);
        let mut fonts = Dictionary::new();
        fonts.set("F1", font_id);
        let mut resources = Dictionary::new();
        resources.set("Font", fonts);
        let mut pages = Dictionary::new();
        pages.set("Type", "Pages");
        pages.set("Count", widths.len() as i64);
        pages.set("Kids", kids);
        pages.set("MediaBox", vec![0.into(), 0.into(), 595.into(), 842.into()]);
        pages.set("Resources", resources);
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
    fn inherited_resources_bring_the_objects_they_use() {
        let bound = bind(&[pdf(&[1]), pdf(&[2])]).unwrap();
        let doc = Document::load_mem(&bound).unwrap();
        let mut fonts = Vec::new();
        for (_, id) in doc.get_pages() {
            let page = doc.get_dictionary(id).unwrap();
            let resources = page.get(b"Resources").unwrap().as_dict().unwrap();
            let f1 = resources
                .get(b"Font")
                .unwrap()
                .as_dict()
                .unwrap()
                .get(b"F1")
                .unwrap()
                .as_reference()
                .unwrap();
            let font = doc.get_dictionary(f1).unwrap();
            assert_eq!(
                font.get(b"BaseFont").unwrap().as_name().unwrap(),
                b"Noto#Sans"
            );
            fonts.push(f1);
        }
        // Each part keeps its own objects.
        assert_ne!(fonts[0], fonts[1]);
    }

    #[test]
    fn the_streamed_volume_is_the_one_bound_in_memory() {
        let parts = [pdf(&[1, 2]), pdf(&[3])];
        let mut binder = Binder::new(std::io::Cursor::new(Vec::new())).unwrap();
        for p in &parts {
            binder.add(p).unwrap();
        }
        let streamed = binder.finish().unwrap().into_inner();
        assert_eq!(streamed, bind(&parts).unwrap());
    }

    #[test]
    fn a_part_without_pages_or_nothing_at_all_is_an_error() {
        assert_eq!(bind(&[]).unwrap_err(), "nothing to bind");
        assert!(
            bind(&[pdf(&[])])
                .unwrap_err()
                .contains("part 1 has no pages")
        );
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
