//! `Limits`: what one client may cost the preview server, in bytes,
//! connections, threads and time. `front` and `request` enforce them.

use std::time::Duration;

/// What one client may cost the server. The defaults suit a preview on
/// one machine; tests shorten the timeouts.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Request line and header fields, in bytes (431 above).
    pub max_head: usize,
    /// A request body, in bytes (413 above); the preview reads none.
    pub max_body: u64,
    /// Open connections, event streams aside.
    pub max_connections: usize,
    /// Open event streams (live-reload pages), each a thread.
    pub max_streams: usize,
    /// From a connection's start, or its last answer, to the first byte
    /// of its next request.
    pub idle_timeout: Duration,
    /// From a request's first byte to its last (408 after).
    pub request_timeout: Duration,
    /// To send an answer whole; for an event stream, one message.
    pub send_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            // Browsers send a few hundred bytes, plus the cookies of every
            // site on localhost, whatever its port: room for some of those.
            max_head: 16 * 1024,
            max_body: 16 * 1024,
            max_connections: 256,
            max_streams: 32,
            idle_timeout: Duration::from_secs(20),
            request_timeout: Duration::from_secs(10),
            send_timeout: Duration::from_secs(30),
        }
    }
}
