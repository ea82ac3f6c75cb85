//! Heading ids, exactly as mdBook makes them, so `#anchor` links written for
//! an mdBook book keep working.

use std::collections::HashSet;

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

/// `id` if unused on this page, else `id-1`, `id-2`, … (mdBook's rule).
pub fn unique_id(id: &str, used: &mut HashSet<String>) -> String {
    if used.insert(id.to_owned()) {
        return id.to_owned();
    }
    (1..)
        .map(|n| format!("{id}-{n}"))
        .find(|candidate| used.insert(candidate.clone()))
        .expect("an unused suffix always exists")
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
        let mut used = HashSet::new();
        let ids: Vec<String> = ["a", "a", "a-1", "a"]
            .iter()
            .map(|i| unique_id(i, &mut used))
            .collect();
        assert_eq!(ids, ["a", "a-1", "a-1-1", "a-2"]);
    }
}
