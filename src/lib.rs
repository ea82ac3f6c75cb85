//! proofbook: a static-site generator for books whose examples are proven.
//!
//! The stages follow the data: `config` → `book` → `markdown` → `execute` →
//! `measure` → `render` → `output`, wired together by `pipeline`; `serve`
//! drives it for the preview. See ARCHITECTURE.md.

pub mod book;
pub mod config;
pub mod confine;
pub mod diag;
pub mod digest;
pub mod execute;
pub mod external;
pub mod fsutil;
pub mod html;
pub mod icons;
pub mod interrupt;
pub mod markdown;
pub mod measure;
pub mod memory;
pub mod output;
pub mod pipeline;
pub mod preprocess;
pub mod render;
pub mod renderer;
pub mod scaffold;
pub mod serve;
pub mod suggest;
pub mod terminal_text;

pub use pipeline::{BuildError, BuildOptions, BuildReport, build};
