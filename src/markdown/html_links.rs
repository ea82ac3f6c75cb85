//! Links in a chapter's raw HTML (`<a href="other.md">`): found so they can
//! be rewritten like Markdown links, as mdBook 0.5 does.
//!
//! A small scanner, not an HTML parser: it looks at `<a` start tags only
//! and at their `href` attribute, quoted or not, and leaves every other
//! byte as written.

/// `html` with each `<a>` tag's `href` value passed through `rewrite`
/// (`None` keeps it); `None` when nothing changed.
pub(crate) fn rewrite_hrefs(
    html: &str,
    mut rewrite: impl FnMut(&str) -> Option<String>,
) -> Option<String> {
    let bytes = html.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while let Some(open) = html[i..].find('<').map(|p| p + i) {
        i = open + 1;
        let is_a = bytes
            .get(open + 1)
            .is_some_and(|b| b.eq_ignore_ascii_case(&b'a'))
            && bytes.get(open + 2).is_some_and(|b| b.is_ascii_whitespace());
        if !is_a {
            continue;
        }
        let Some(end) = tag_end(html, open + 2) else {
            break;
        };
        if let Some((start, stop)) = href_value(html, open + 2, end)
            && let Some(new) = rewrite(&html[start..stop])
        {
            out.push_str(&html[copied..start]);
            out.push_str(&crate::html::escape(&new));
            copied = stop;
        }
        i = end;
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&html[copied..]);
    Some(out)
}

/// Where the tag that has its attributes from `from` ends (its `>`), quotes
/// respected.
fn tag_end(html: &str, from: usize) -> Option<usize> {
    let mut quote: Option<u8> = None;
    for (i, b) in html.as_bytes()[from..].iter().enumerate() {
        match (quote, *b) {
            (Some(q), b) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(*b),
            (None, b'>') => return Some(from + i),
            _ => {}
        }
    }
    None
}

/// The byte range of the `href` attribute's value between `from` and `end`.
fn href_value(html: &str, from: usize, end: usize) -> Option<(usize, usize)> {
    let bytes = html.as_bytes();
    let mut i = from;
    while i < end {
        // At an attribute name.
        while i < end && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let name_start = i;
        while i < end && !bytes[i].is_ascii_whitespace() && bytes[i] != b'=' && bytes[i] != b'/' {
            i += 1;
        }
        let name = &html[name_start..i];
        if i == name_start {
            i += 1;
            continue;
        }
        while i < end && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= end || bytes[i] != b'=' {
            continue;
        }
        i += 1;
        while i < end && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let (start, stop) = match bytes.get(i) {
            Some(q @ (b'"' | b'\'')) => {
                let close = html[i + 1..end].find(*q as char)? + i + 1;
                (i + 1, close)
            }
            _ => {
                let stop = html[i..end]
                    .find(|c: char| c.is_ascii_whitespace())
                    .map_or(end, |p| p + i);
                (i, stop)
            }
        };
        if name.eq_ignore_ascii_case("href") {
            return Some((start, stop));
        }
        i = stop + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md_to_html(href: &str) -> Option<String> {
        href.strip_suffix(".md").map(|s| format!("{s}.html"))
    }

    #[test]
    fn hrefs_of_a_tags_are_rewritten_and_nothing_else() {
        assert_eq!(
            rewrite_hrefs(
                r#"<a class="x" href="../a/b.md">B</a> <img src="c.md"> <abbr href="d.md">"#,
                md_to_html
            )
            .unwrap(),
            r#"<a class="x" href="../a/b.html">B</a> <img src="c.md"> <abbr href="d.md">"#
        );
        assert_eq!(
            rewrite_hrefs("<A title='a > b' HREF=x.md>", md_to_html).unwrap(),
            "<A title='a > b' HREF=x.html>"
        );
        assert_eq!(rewrite_hrefs(r#"<a href="x.html">"#, md_to_html), None);
        assert_eq!(rewrite_hrefs("<a name=top>", md_to_html), None);
        assert_eq!(rewrite_hrefs("<a href=\"x.md", md_to_html), None);
    }
}
