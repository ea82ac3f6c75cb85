//! One page through its template.

use std::path::Path;

use crate::diag::Diagnostic;
use crate::render::theme::{Theme, template_error};
use serde::Serialize;

/// Renders `template` with `ctx`; a failure names the template.
pub fn render(
    theme: &Theme,
    template: &str,
    ctx: &impl Serialize,
    book_theme: Option<&Path>,
) -> Result<String, Diagnostic> {
    let context = tera::Context::from_serialize(ctx).map_err(|e| template_error(&e, |_| None))?;
    theme.tera.render(template, &context).map_err(|e| {
        template_error(&e, |name| {
            let file = book_theme?.join("templates").join(name);
            file.is_file().then_some(file)
        })
    })
}
