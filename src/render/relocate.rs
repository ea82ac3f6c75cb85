//! A page's body moved to another folder of the site: index.html as a copy
//! of a nested first chapter (`first/keep_me.html`) shows that chapter's
//! body from the root, where each relative link and image would otherwise
//! miss (mdBook's copy has this bug). Each relative `href` and `src` is
//! joined to the folder the body was written for, with its `.` and `..`
//! resolved, so it reaches the file it reached on the chapter's own page.

use std::sync::LazyLock;

use regex::Regex;

/// The attributes that hold URLs; one pass of one pattern.
static URL_ATTR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\s(href|src)="([^"]*)""#).expect("the pattern is valid"));

/// `html`, written for a page in `folder` (a site folder such as `first/`,
/// `/`-separated), as it must read from the site root.
pub fn to_root(html: &str, folder: &str) -> String {
    URL_ATTR
        .replace_all(html, |cap: &regex::Captures<'_>| {
            let (attr, url) = (&cap[1], &cap[2]);
            if is_relative(url) {
                format!(" {attr}=\"{}\"", join(folder, url))
            } else {
                cap[0].to_owned()
            }
        })
        .into_owned()
}

/// Whether `url` names a file by a path relative to its page: not empty,
/// not only a fragment or query (those stay on the page, whichever address
/// it has), not from the root, and with no scheme (`https:`, `mailto:`; a
/// `:` after the first `/`, `?` or `#` is no scheme).
fn is_relative(url: &str) -> bool {
    let scheme = url
        .split_once(':')
        .is_some_and(|(before, _)| !before.contains(['/', '?', '#']));
    !(url.is_empty() || url.starts_with(['#', '?', '/']) || scheme)
}

/// `url`, relative to `folder`, as a URL relative to the site root. It
/// stays percent-encoded as written; only its path segments are resolved.
fn join(folder: &str, url: &str) -> String {
    let (path, rest) = url.split_at(url.find(['?', '#']).unwrap_or(url.len()));
    let mut parts: Vec<&str> = folder.split('/').filter(|s| !s.is_empty()).collect();
    let segments: Vec<&str> = path.split('/').collect();
    let names_a_folder = matches!(segments.last(), Some(&("" | "." | "..")));
    for segment in segments {
        match segment {
            "" | "." => {}
            // Above the site's root stays above it, as it was.
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let mut out = parts.join("/");
    if out.is_empty() {
        // The root folder itself.
        out.push_str("./");
    } else if names_a_folder {
        out.push('/');
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls_are_joined_to_the_folder_and_the_rest_is_kept() {
        let body = concat!(
            r#"<p><a href="nested.html#some-section">n</a> <img src="img/a%20b.png" alt="">"#,
            r#" <a href="../second/nested.html">s</a> <a href="./x/">x</a> <a href="..">up</a>"#,
            r##" <a href="../../outside.html">o</a> <a href="#top">t</a> <a href="?q=1">q</a>"##,
            r#" <a href="https://example.org/a">e</a> <a href="mailto:a@b.c">m</a>"#,
            r#" <a href="/abs.html">a</a> <a href="page.html#a:b">c</a> <h2 id="x.html">h</h2></p>"#,
        );
        let moved = to_root(body, "first/");
        for want in [
            r#"href="first/nested.html#some-section""#,
            r#"src="first/img/a%20b.png""#,
            r#"href="second/nested.html""#,
            r#"href="first/x/""#,
            r#"href="./""#,
            r#"href="../outside.html""#,
            r##"href="#top""##,
            r#"href="?q=1""#,
            r#"href="https://example.org/a""#,
            r#"href="mailto:a@b.c""#,
            r#"href="/abs.html""#,
            r#"href="first/page.html#a:b""#,
            r#"id="x.html""#,
        ] {
            assert!(moved.contains(want), "{want} in {moved}");
        }
    }

    #[test]
    fn two_folders_deep_climbs_one_at_a_time() {
        assert_eq!(
            to_root(r#" href="../../c.html""#, "a/b/"),
            r#" href="c.html""#
        );
        assert_eq!(
            to_root(r#" src="../d/e.png""#, "a/b"),
            r#" src="a/d/e.png""#
        );
    }
}
