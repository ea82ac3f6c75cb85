//! HTML escaping, the one place for it. It sits at the crate's root, below
//! every stage, so `markdown` (which writes the HTML of prose) and `render`
//! (which writes everything else) share it without one importing the other.
//!
//! Two contexts, one function each: text and attribute values in either
//! quote (`escape`: proofbook's own markup, tera's escape function, the
//! preview's pages), and element text only (`push_text`), where quotes need
//! no escape and highlighted code, full of string quotes, stays small.

/// Escapes `&`, `<`, `>`, `"` and `'`: safe in element text and in an
/// attribute value quoted either way (a theme may use `'`).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    pulldown_cmark_escape::escape_html(&mut out, s).expect("writing to a String cannot fail");
    out
}

/// Appends `s` escaped as element text (`&`, `<`, `>`), never for an
/// attribute.
pub fn push_text(out: &mut String, s: &str) {
    pulldown_cmark_escape::escape_html_body_text(out, s).expect("writing to a String cannot fail");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_context_escapes_what_would_end_it() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
        let mut out = String::new();
        push_text(&mut out, "x = \"<&>\"");
        assert_eq!(out, "x = \"&lt;&amp;&gt;\"");
    }
}
