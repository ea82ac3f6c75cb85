//! `build`'s last step: the book's other renderers (`[output.NAME]`), each
//! after the HTML, in name order, as mdBook runs them.
//!
//! Each renderer gets the book as mdBook would give it: read again, run
//! through the preprocessors that support that renderer, includes
//! expanded. The first that fails stops the build, with the HTML already
//! written (mdBook's order).

use std::path::Path;

use crate::config::Config;
use crate::diag::{Diagnostic, has_errors};
use crate::preprocess;
use crate::renderer;

use super::{BuildOptions, load_book_for};

/// Runs every renderer of `config` into `base` (or `base/NAME` when the book
/// has several renderers). Warnings go to `diags`; `Err` when one failed,
/// its reasons then in `diags` too.
pub(crate) fn run_all(
    config: &Config,
    options: &BuildOptions,
    base: &Path,
    diags: &mut Vec<Diagnostic>,
) -> Result<(), ()> {
    for spec in &config.renderers {
        let Some((mut book, expanded)) = load_book_for(config, options, &spec.name, diags) else {
            return Err(());
        };
        diags.extend(preprocess::finish_for_renderer(config, &mut book, expanded));
        if has_errors(diags) {
            return Err(());
        }
        let destination = if config.html_in_subfolder {
            base.join(&spec.name)
        } else {
            base.to_owned()
        };
        match renderer::run(config, spec, &book, &destination) {
            Ok(warning) => diags.extend(warning),
            Err(error) => {
                diags.push(error);
                return Err(());
            }
        }
    }
    Ok(())
}
