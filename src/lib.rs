//! proofbook: a static-site generator for books whose examples are proven.

pub mod book;
pub mod config;
pub mod diag;
pub mod fsutil;
pub mod markdown;
