//! Book stage: SUMMARY.md and the chapter files → `Book`.
//!
//! `summary` parses SUMMARY.md (no I/O), `load` reads the chapters it names,
//! `model` is the resulting plain data.

pub mod load;
pub mod model;
pub mod summary;

pub use load::{SUMMARY_FILE, load};
pub use model::{Book, BookItem, Chapter, SectionNumber};
