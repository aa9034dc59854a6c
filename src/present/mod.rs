//! The presentation layer, below the CLI and the TUI: a record or a session becomes one semantic
//! [`doc::Doc`] (lines that say what they are, with tones, folds and indents), rendered three
//! ways: ANSI text ([`ansi`]), Markdown ([`markdown`]) and ratatui ([`screen`], with the `tui`
//! feature). Wording, the notion of "absent", units, times and the list's column-dropping order
//! are defined here once. See docs/DESIGN.md, "The presentation layer".

pub mod ansi;
pub mod columns;
pub mod doc;
pub mod layout;
pub mod markdown;
pub mod record;
#[cfg(feature = "tui")]
pub mod screen;
pub mod session;
pub mod text;
pub mod time;
pub mod units;
