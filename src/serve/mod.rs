//! `proofbook serve`: the live preview. The site lives in memory (`http::Site`),
//! `watch` turns file-system events into debounced change sets, `events::Hub`
//! tells the open pages what changed, and the rebuild loop (`cmd/serve.rs`)
//! ties them to the pipeline; `print` makes print.html when it is asked for.
//! `front`, `request`, `host` and `response` are
//! the server's guard against hostile clients: bounded requests, bounded
//! connections, and no answer to pages of other sites.

pub mod events;
mod front;
pub mod host;
pub mod http;
mod limits;
mod pages;
pub mod print;
pub mod rebuild;
mod request;
mod response;
mod sse;
mod urlpath;
pub mod watch;
