//! Documents: the data each one carries (`model`), and rendering it as PDF
//! through Typst (`typst_engine`, `fonts`) or as HTML and Markdown through
//! minijinja (`html`).

pub mod fonts;
pub mod model;
pub mod typst_engine;
