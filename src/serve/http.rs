//! The preview server: the in-memory site over HTTP.
