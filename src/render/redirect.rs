//! `[output.html.redirect]`: a page for each old path, as mdBook makes them.
//!
//! A key may carry a fragment (`"/old.html#intro" = "new.html#start"`): the
//! old page's script then sends a reader who came for `#intro` there, and
//! everyone else to the page's plain entry, keeping their fragment. The
//! plain entry is also the meta refresh, so the page works without
//! JavaScript. Fragment keys are gathered under their page, so no file is
//! ever named after a fragment; a fragment key whose page has no plain
//! entry (and is no chapter) has nowhere to send the others, and is an
//! error at its book.toml line.

use std::collections::{BTreeMap, HashSet};
use std::path::{Component, Path, PathBuf};

use crate::config::HtmlOptions;
use crate::diag::Diagnostic;
use crate::render::site_file::SiteFile;

/// One old page: where it sends readers, and the fragments that go
/// elsewhere (`#old` → URL).
#[derive(Debug, Default, PartialEq, Eq)]
struct OldPage<'a> {
    default: Option<&'a str>,
    fragments: BTreeMap<String, &'a str>,
    /// The first key that named it, for messages.
    key: &'a str,
}

/// The redirect pages, and the problems with the table. `chapters` are the
/// site's chapter pages: a fragment key for one of them is not a page of
/// its own (a plain key for one is refused by the output's path claims).
pub fn pages(html: &HtmlOptions, chapters: &[PathBuf]) -> (Vec<SiteFile>, Vec<Diagnostic>) {
    let chapters: HashSet<&Path> = chapters.iter().map(PathBuf::as_path).collect();
    let mut old: BTreeMap<PathBuf, OldPage<'_>> = BTreeMap::new();
    for (key, to) in &html.redirects {
        // The last `#` splits, as in mdBook; a page path holds none.
        let (page, fragment) = match key.rsplit_once('#') {
            Some((page, fragment)) => (page, Some(fragment)),
            None => (key.as_str(), None),
        };
        let entry = old.entry(site_path(page)).or_insert_with(|| OldPage {
            key,
            ..OldPage::default()
        });
        match fragment {
            Some(f) => {
                entry.fragments.insert(format!("#{f}"), to);
            }
            None => entry.default = Some(to),
        }
    }
    let mut files = Vec::new();
    let mut diags = Vec::new();
    for (path, page) in old {
        match page.default {
            Some(to) => files.push(SiteFile::text(path, redirect_html(to, &page.fragments))),
            // Fragments of a chapter's page are the chapter's business
            // (`fragment_script`).
            None if chapters.contains(path.as_path()) => {}
            None => diags.push(
                Diagnostic::error(
                    format!(
                        "redirect `{}` has only `#fragment` entries, so readers who come without one (or without JavaScript) have nowhere to go",
                        path.display()
                    ),
                    html.redirect_spans.get(page.key).cloned(),
                )
                .with_help(format!(
                    "add an entry for the page itself, such as `\"/{}\" = \"new.html\"` under [output.html.redirect]",
                    path.display()
                )),
            ),
        }
    }
    (files, diags)
}

/// The fragment redirects of the chapter page at `page` (`#old` → URL), as
/// a script for the page to run, or `None` when it has none.
pub fn fragment_script(html: &HtmlOptions, page: &Path) -> Option<String> {
    let map: BTreeMap<String, &str> = html
        .redirects
        .iter()
        .filter_map(|(key, to)| {
            let (p, f) = key.rsplit_once('#')?;
            (site_path(p) == page).then(|| (format!("#{f}"), to.as_str()))
        })
        .collect();
    if map.is_empty() {
        return None;
    }
    // Only a fragment the map names moves the reader: the page is theirs.
    Some(format!(
        "(function(){{var t={}[location.hash];if(t)location.replace(new URL(t,location.href).href);}})();",
        json(&map)
    ))
}

/// A key as a site path: written `/old.html` or `./old.html`. A key that
/// climbs out of the site (`../x.html`) is kept as written, and the output
/// stage refuses it.
fn site_path(key: &str) -> PathBuf {
    Path::new(key)
        .components()
        .filter(|c| !matches!(c, Component::RootDir | Component::CurDir))
        .collect()
}

/// JSON fit for a `<script>`: `<` escaped, so `</script>` cannot end it.
fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value)
        .unwrap_or_default()
        .replace('<', "\\u003c")
}

/// A page that sends the reader to `to`, or to `fragments[#f]` when they
/// came for `#f`; other fragments are kept. Without JavaScript, a meta
/// refresh and a plain link go to `to`.
pub fn redirect_html(to: &str, fragments: &BTreeMap<String, &str>) -> String {
    // The script resolves targets against this page's address, as the meta
    // refresh does; a fragment the reader came with replaces one in `to`.
    let script = format!(
        "(function(){{var h=location.hash,t={}[h],u=new URL(t||{},location.href);if(h&&!t)u.hash=h;location.replace(u.href);}})();",
        json(fragments),
        json(&to)
    );
    let to = crate::html::escape(to);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Redirecting…</title>\n\
         <meta http-equiv=\"refresh\" content=\"0; URL={to}\">\n<link rel=\"canonical\" href=\"{to}\">\n\
         <script>{script}</script>\n</head>\n\
         <body><p>This page has moved to <a href=\"{to}\">{to}</a>.</p></body>\n</html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(entries: &[(&str, &str)]) -> HtmlOptions {
        let mut config =
            crate::config::Config::from_str("", Path::new("/b"), Path::new("/b/book.toml"))
                .unwrap()
                .0;
        for (k, v) in entries {
            config.html.redirects.insert((*k).into(), (*v).into());
        }
        config.html
    }

    #[test]
    fn targets_are_escaped_for_html_and_for_the_script_apart() {
        let page = redirect_html("two.html?a=1&b=\"2\"</script>", &BTreeMap::new());
        assert!(
            page.contains(r#"new URL(t||"two.html?a=1&b=\"2\"\u003c/script>",location.href)"#),
            "{page}"
        );
        assert!(
            page.contains("URL=two.html?a=1&amp;b=&quot;2&quot;&lt;/script&gt;"),
            "{page}"
        );
    }

    #[test]
    fn fragment_keys_join_their_page_and_write_no_file_of_their_own() {
        let h = html(&[
            ("/old.html", "new.html"),
            ("/old.html#intro", "other.html#start"),
            ("/old.html#x</script>", "y.html"),
        ]);
        let (files, diags) = pages(&h, &[]);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].path, Path::new("old.html"));
        let crate::render::site_file::Content::Bytes(bytes) = &files[0].content else {
            panic!("a redirect page is text");
        };
        let page = String::from_utf8(bytes.to_vec()).unwrap();
        assert!(
            page.contains(r##"{"#intro":"other.html#start","#x\u003c/script>":"y.html"}"##),
            "{page}"
        );
        assert!(page.contains("URL=new.html\""), "{page}");
    }

    #[test]
    fn a_page_with_only_fragment_keys_is_an_error_unless_it_is_a_chapter() {
        let h = html(&[
            ("/gone.html#a", "x.html"),
            ("/chapter.html#old", "chapter.html#new"),
        ]);
        let (files, diags) = pages(&h, &[PathBuf::from("chapter.html")]);
        assert!(files.is_empty());
        assert_eq!(diags.len(), 1);
        assert!(
            diags[0].message.contains("redirect `gone.html` has only"),
            "{}",
            diags[0].message
        );
        let script = fragment_script(&h, Path::new("chapter.html")).unwrap();
        assert!(
            script.contains(r##"{"#old":"chapter.html#new"}"##),
            "{script}"
        );
        assert_eq!(fragment_script(&h, Path::new("other.html")), None);
    }
}
