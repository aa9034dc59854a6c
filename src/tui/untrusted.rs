//! The one door untrusted text goes through in the UI: every pane, popup and status line, and the
//! pager, sanitise here and nowhere else in `tui` (a test below holds that), so a change of policy
//! (what is escaped, how) reaches all of them at once. Built on [`crate::sanitize`], which the CLI
//! shares.

use std::borrow::Cow;

use crate::sanitize::{is_unsafe_char, sanitize_block, sanitize_line};

/// One line: controls, line breaks and invisible characters shown as visible escapes.
pub fn line(text: &str) -> Cow<'_, str> {
    sanitize_line(text)
}

/// Several lines: like [`line`], but line breaks and tabs are kept.
pub fn block(text: &str) -> Cow<'_, str> {
    sanitize_block(text)
}

/// Whether `c` would be shown as an escape rather than as itself.
pub fn is_unsafe(c: char) -> bool {
    is_unsafe_char(c)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every `.rs` file under `dir`, recursively.
    fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn nothing_else_in_the_tui_calls_the_sanitiser() {
        let tui = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui");
        let mut files = Vec::new();
        sources(&tui, &mut files);
        assert!(files.len() > 10, "found the TUI's sources in {}", tui.display());
        let strays: Vec<_> = files
            .iter()
            .filter(|path| !path.ends_with("untrusted.rs"))
            .filter(|path| std::fs::read_to_string(path).unwrap_or_default().contains("crate::sanitize"))
            .collect();
        assert!(strays.is_empty(), "sanitise through tui::untrusted, not crate::sanitize: {strays:?}");
    }
}
