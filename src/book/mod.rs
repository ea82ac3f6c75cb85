//! Book stage: SUMMARY.md and the chapter files → `Book`.

pub mod model;
pub mod summary;

pub use model::{Book, BookItem, Chapter, SectionNumber};
