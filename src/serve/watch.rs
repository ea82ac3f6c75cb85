//! Watching the book: file-system events become debounced change sets.
