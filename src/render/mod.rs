//! Render stage: `Document`s → HTML pages through the theme's templates.
//!
//! `theme` loads templates and assets once; `highlight` turns code into
//! classed HTML; `sidebar` renders the SUMMARY tree once per build; `body`
//! assembles a page's main HTML; `page` fills the template with the borrowed
//! views of `context`. Nothing here reads files after the theme is loaded,
//! and nothing reads the clock.

pub mod body;
pub mod chart;
pub mod claim;
pub mod context;
pub mod format;
pub mod highlight;
mod line_memo;
pub mod page;
pub mod print;
pub mod redirect;
pub mod relocate;
pub mod results;
pub mod run;
pub mod search;
mod search_sections;
pub mod sidebar;
pub mod site;
pub mod site_file;
pub mod theme;

pub use highlight::Highlighter;
pub use theme::Theme;
