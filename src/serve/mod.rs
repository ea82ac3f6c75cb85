//! `proofbook serve`: the live preview. The site lives in memory (`http::Site`),
//! `watch` turns file-system events into debounced change sets, `events::Hub`
//! tells the open pages what changed, and the rebuild loop (`cmd/serve.rs`)
//! ties them to the pipeline.

pub mod events;
pub mod http;
mod pages;
pub mod rebuild;
mod sse;
mod urlpath;
pub mod watch;
