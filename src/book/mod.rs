//! Book stage: SUMMARY.md and the chapter files → `Book`.
//!
//! `summary` parses SUMMARY.md (no I/O), `load` reads the chapters it names
//! (`create` makes the missing ones, as mdBook's `create-missing` does),
//! `model` is the resulting plain data.

pub mod create;
pub mod load;
pub mod model;
pub mod summary;

pub use create::{Created, Missing};
pub use load::{Loaded, SUMMARY_FILE, load};
pub use model::{Book, BookItem, Chapter, SectionNumber};
