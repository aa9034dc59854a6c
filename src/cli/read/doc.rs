//! A plain-text document builder for the detail and transcript views: headings, aligned
//! facts and indented blocks. Every record-derived string is sanitised here, on the way in.

use crate::sanitize::{sanitize_block, sanitize_line};

use super::terminal::{Style, Terminal};

/// Width of the fact labels (`session`, `tokens`, ...) so values line up.
const LABEL_WIDTH: usize = 10;

/// Headings are ruled to this width (or the terminal's, when narrower): a comfortable reading measure.
const RULE_WIDTH: usize = 80;

pub struct Doc<'t> {
    out: String,
    terminal: &'t Terminal,
}

impl<'t> Doc<'t> {
    pub fn new(terminal: &'t Terminal) -> Self {
        Doc { out: String::new(), terminal }
    }

    pub fn finish(self) -> String {
        self.out
    }

    /// A section title rule: `── Prompt ─────`, as wide as the terminal up to [`RULE_WIDTH`].
    pub fn heading(&mut self, title: &str) {
        self.separate();
        let title = sanitize_line(title);
        let used = super::format::display_width(&title) + 4;
        let rule = "─".repeat(self.terminal.width.min(RULE_WIDTH).saturating_sub(used).max(3));
        let line = format!("── {title} {rule}");
        self.line_styled(line.trim_end(), Style::Bold);
    }

    /// `label     value` on one line; empty values are left out.
    pub fn fact(&mut self, label: &str, value: &str) {
        self.fact_styled(label, value, Style::Plain);
    }

    pub fn fact_styled(&mut self, label: &str, value: &str, style: Style) {
        if value.is_empty() {
            return;
        }
        let label = format!("{label:<LABEL_WIDTH$}");
        let painted_label = self.terminal.paint(Style::Dim, &label);
        let painted_value = self.terminal.paint(style, &sanitize_line(value));
        self.out.push_str(&format!("{painted_label} {painted_value}\n"));
    }

    /// One line of record text (sanitised as a line), indented.
    pub fn line(&mut self, indent: usize, text: &str, style: Style) {
        let text = format!("{}{}", " ".repeat(indent), sanitize_line(text));
        self.line_styled(&text, style);
    }

    /// Multi-line record text, each line indented; an empty text leaves nothing.
    pub fn block(&mut self, indent: usize, text: &str) {
        let safe = sanitize_block(text);
        let pad = " ".repeat(indent);
        for line in safe.lines() {
            self.out.push_str(format!("{pad}{line}").trim_end());
            self.out.push('\n');
        }
    }

    /// A note of ours (not record text), such as `(no response)`.
    pub fn note(&mut self, indent: usize, text: &str) {
        let text = format!("{}{text}", " ".repeat(indent));
        self.line_styled(&text, Style::Dim);
    }

    /// An empty line between sections, never two in a row, never at the top.
    pub fn separate(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }

    fn line_styled(&mut self, text: &str, style: Style) {
        self.out.push_str(&self.terminal.paint(style, text));
        self.out.push('\n');
    }
}

pub use crate::textfmt::pretty_json;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_text_is_sanitised_on_the_way_in() {
        let terminal = Terminal::plain(80);
        let mut doc = Doc::new(&terminal);
        doc.fact("project", "a\x1bb");
        doc.block(2, "line one\u{202e}\nline two\x07");
        doc.line(0, "x\ny", Style::Plain);
        let out = doc.finish();
        assert_eq!(out, "project    a\\x1bb\n  line one\\u{202e}\n  line two\\x07\nx\\ny\n");
    }

    #[test]
    fn headings_are_separated_by_one_blank_line() {
        let terminal = Terminal::plain(40);
        let mut doc = Doc::new(&terminal);
        doc.heading("Prompt");
        doc.block(0, "hello");
        doc.separate();
        doc.heading("Response");
        let out = doc.finish();
        assert!(out.starts_with("── Prompt ─"), "{out}");
        assert!(out.contains("hello\n\n── Response ─"), "{out}");
        assert!(!out.contains("\n\n\n"));
    }
}
