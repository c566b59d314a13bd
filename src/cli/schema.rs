//! `feebook schema`: write the JSON Schemas for editors.

use std::path::Path;

use super::{OK, USAGE};

pub fn run(out: &Path) -> u8 {
    if let Err(e) = std::fs::create_dir_all(out) {
        eprintln!("error: cannot create `{}`: {e}", out.display());
        return USAGE;
    }
    for (name, json) in feebook::schema::all() {
        let path = out.join(name);
        if let Err(e) = feebook::fsutil::write_atomic(&path, json.as_bytes()) {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            return USAGE;
        }
        super::out(&format!("{}\n", path.display()));
    }
    OK
}
