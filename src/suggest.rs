//! "Did you mean …?": the one rule for suggesting the name a user probably
//! meant (an option, a book.toml key, an example id, a figure), so every
//! error that lists names suggests them the same way.

/// How alike two names must be (Jaro-Winkler, 0 to 1) before one is offered
/// for the other: high enough that `wal` finds `wall` and `cpu-thread` finds
/// `cpu-threads`, low enough that unrelated names are not suggested.
const THRESHOLD: f64 = 0.7;

/// The candidate closest to `written`, if any is close enough.
pub fn nearest<'a, I>(written: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    candidates
        .into_iter()
        .filter(|c| *c != written)
        .map(|c| (strsim::jaro_winkler(written, c), c))
        .filter(|(score, _)| *score > THRESHOLD)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `did you mean `x`? ` (with a trailing space) or nothing, to put in front
/// of a hint.
pub fn did_you_mean<'a, I>(written: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    nearest(written, candidates)
        .map(|c| format!("did you mean `{c}`? "))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_name_only_when_close() {
        let names = ["wall", "cpu", "cpu_util", "peak_memory"];
        assert_eq!(nearest("wal", names), Some("wall"));
        assert_eq!(nearest("cpu_utl", names), Some("cpu_util"));
        assert_eq!(nearest("zzz", names), None);
        assert_eq!(
            did_you_mean("peak_mem", names),
            "did you mean `peak_memory`? "
        );
        assert_eq!(did_you_mean("xyz", names), "");
    }
}
