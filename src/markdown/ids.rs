//! Heading ids, exactly as mdBook makes them, so `#anchor` links written for
//! an mdBook book keep working.

use std::collections::{HashMap, HashSet};

/// The id mdBook derives from a heading's text: lowercased; letters, digits,
/// `_` and `-` kept; white space turned into `-`; everything else dropped;
/// `section` when nothing is left.
pub fn id_from_text(text: &str) -> String {
    let id: String = text
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            c if c.is_alphanumeric() || c == '_' || c == '-' => Some(c),
            c if c.is_whitespace() => Some('-'),
            _ => None,
        })
        .collect();
    if id.is_empty() {
        "section".to_owned()
    } else {
        id
    }
}

/// The ids given out on one page (or on the print page).
#[derive(Debug, Default)]
pub struct IdSet {
    used: HashSet<String>,
    /// For each id asked for twice, the next suffix to try. Suffixes of one
    /// id are taken in increasing order, so starting where the last search
    /// ended gives mdBook's result without retrying `-1`, `-2`, … each time
    /// (10,000 equal headings took seconds that way).
    next: HashMap<String, u32>,
}

impl IdSet {
    /// `id` if unused, else `id-1`, `id-2`, … (mdBook's rule).
    pub fn unique(&mut self, id: &str) -> String {
        if self.used.insert(id.to_owned()) {
            return id.to_owned();
        }
        let n = self.next.entry(id.to_owned()).or_insert(1);
        loop {
            let candidate = format!("{id}-{n}");
            *n += 1;
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_mdbook() {
        assert_eq!(id_from_text("Thread safety: locks"), "thread-safety-locks");
        assert_eq!(id_from_text("`queue.Queue`"), "queuequeue");
        assert_eq!(id_from_text("  Über  Straße "), "über--straße");
        assert_eq!(id_from_text("`--passes`: add more"), "--passes-add-more");
        assert_eq!(id_from_text("What’s new?"), "whats-new");
        assert_eq!(id_from_text("中文"), "中文");
        assert_eq!(id_from_text("::"), "section");
    }

    #[test]
    fn duplicates_get_numbered_suffixes() {
        let mut set = IdSet::default();
        let ids: Vec<String> = ["a", "a", "a-1", "a", "a-3", "a", "a"]
            .iter()
            .map(|i| set.unique(i))
            .collect();
        // A literal `a-3` taken in between is skipped, as mdBook skips it.
        assert_eq!(ids, ["a", "a-1", "a-1-1", "a-2", "a-3", "a-4", "a-5"]);
    }
}
