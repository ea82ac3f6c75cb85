//! Markdown stage: a chapter's text → `Document`.

pub mod include;
