//! Reload and error events for the open pages (Server-Sent Events).
