//! The ANSI text renderer (`show`, `conversation`): a [`Doc`] as lines for a terminal or a pipe,
//! coloured only when the [`Terminal`] may be.

use std::io::IsTerminal;

use super::doc::{Doc, DocLine, Folds, Kind, Tone, LABEL_WIDTH};
use super::text::display_width;

/// Headings are ruled to this width (or the terminal's, when narrower): a comfortable reading measure.
const RULE_WIDTH: usize = 80;

/// `doc` with `hidden` folded, as text for `terminal`. Headings below the
/// first level are ruled and set off by one blank line; blank lines never come two in a row or
/// first.
pub fn render(doc: &Doc, hidden: &Folds, terminal: &Terminal) -> String {
    let mut out = String::new();
    for (line, text) in doc.whole_lines(hidden) {
        match line.kind {
            Kind::Blank => separate(&mut out),
            Kind::Title(_) | Kind::Heading(1) => push(&mut out, terminal.paint(Style::Bold, &text)),
            Kind::Heading(_) => {
                separate(&mut out);
                let used = display_width(&text) + 4;
                let rule = "─".repeat(terminal.width.min(RULE_WIDTH).saturating_sub(used).max(3));
                push(&mut out, terminal.paint(Style::Bold, &format!("── {text} {rule}")));
            }
            Kind::Field(label) => {
                let label = terminal.paint(Style::Dim, &format!("{label:<LABEL_WIDTH$}"));
                push(&mut out, format!("{label} {}", terminal.paint(style(line.tone), &text)));
            }
            _ => push(&mut out, indented(line, &text, terminal)),
        }
    }
    out
}

fn indented(line: &DocLine, text: &str, terminal: &Terminal) -> String {
    let text = format!("{}{text}", " ".repeat(usize::from(line.indent)));
    terminal.paint(style(line.tone), text.trim_end())
}

fn push(out: &mut String, line: String) {
    out.push_str(&line);
    out.push('\n');
}

fn separate(out: &mut String) {
    if !out.is_empty() && !out.ends_with("\n\n") {
        out.push('\n');
    }
}

/// A tone as one of the few styles a terminal line gets.
fn style(tone: Tone) -> Style {
    match tone {
        Tone::Body | Tone::Json => Style::Plain,
        Tone::Heading | Tone::Tool => Style::Bold,
        Tone::Dim | Tone::Key => Style::Dim,
        Tone::User | Tone::Assistant | Tone::System | Tone::Accent => Style::Accent,
        Tone::Ok => Style::Good,
        Tone::Error => Style::Bad,
    }
}

/// Columns assumed when the width is unknown (output piped to a file or another program).
pub const DEFAULT_WIDTH: usize = 120;

/// The narrowest width tables are laid out for, however small the terminal claims to be.
const MIN_WIDTH: usize = 40;

/// How human output is laid out and decorated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Terminal {
    pub width: usize,
    pub colour: bool,
    /// Stdout is a terminal: a person is reading, so hints on stderr are welcome.
    pub interactive: bool,
}

impl Terminal {
    /// Colour only on a terminal and never when `NO_COLOR` is set (no-color.org: any non-empty
    /// value); the width from `$COLUMNS`, else the terminal's own size, else [`DEFAULT_WIDTH`].
    pub fn detect() -> Self {
        let is_tty = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
        Terminal { width: detect_width(is_tty), colour: is_tty && !no_color, interactive: is_tty }
    }

    /// Plain text of a fixed width.
    pub fn plain(width: usize) -> Self {
        Terminal { width: width.max(MIN_WIDTH), colour: false, interactive: false }
    }

    /// `text` wrapped in the style's escape sequences when colour is on.
    pub fn paint(&self, style: Style, text: &str) -> String {
        if !self.colour || style == Style::Plain || text.is_empty() {
            return text.to_owned();
        }
        format!("\x1b[{}m{text}\x1b[0m", style.sgr())
    }
}

fn detect_width(is_tty: bool) -> usize {
    let from_env = std::env::var("COLUMNS").ok().and_then(|text| text.trim().parse::<usize>().ok());
    let width = from_env.filter(|&w| w > 0).or_else(|| if is_tty { tty_width() } else { None });
    width.unwrap_or(DEFAULT_WIDTH).max(MIN_WIDTH)
}

#[cfg(feature = "tui")]
fn tty_width() -> Option<usize> {
    crossterm::terminal::size().ok().map(|(columns, _)| usize::from(columns)).filter(|&w| w > 0)
}

#[cfg(not(feature = "tui"))]
fn tty_width() -> Option<usize> {
    None
}

/// The few styles human output uses; each is one SGR sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    Bold,
    Dim,
    Header,
    Accent,
    Good,
    Bad,
}

impl Style {
    fn sgr(self) -> &'static str {
        match self {
            Style::Plain => "0",
            Style::Bold => "1",
            Style::Dim => "2",
            Style::Header => "1",
            Style::Accent => "36",
            Style::Good => "32",
            Style::Bad => "31",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::present::doc::Fold;

    #[test]
    fn plain_terminal_never_paints() {
        let plain = Terminal::plain(80);
        assert_eq!(plain.paint(Style::Bad, "error"), "error");
    }

    #[test]
    fn colour_terminal_wraps_and_resets() {
        let tty = Terminal { width: 80, colour: true, interactive: true };
        assert_eq!(tty.paint(Style::Bad, "x"), "\x1b[31mx\x1b[0m");
        assert_eq!(tty.paint(Style::Plain, "x"), "x");
    }

    #[test]
    fn headings_are_ruled_fields_aligned_and_blank_lines_single() {
        let mut doc = Doc::new();
        doc.field("project", Tone::Body, "p");
        doc.blank(None);
        doc.heading(3, Tone::Heading, "Prompt");
        doc.prose(Tone::Body, 2, None, "hello  ");
        doc.blank(None);
        doc.blank(None);
        let part = doc.new_fold(Fold::System);
        doc.label(Tone::User, 0, Some(part), "hidden");
        let out = render(&doc, &Folds::closed(&[Fold::System]), &Terminal::plain(40));
        assert_eq!(out, format!("project    p\n\n── Prompt {}\n  hello\n\n", "─".repeat(30)));
    }

    #[test]
    fn colour_follows_the_tone() {
        let mut doc = Doc::new();
        doc.label(Tone::Error, 0, None, "✗ error");
        let tty = Terminal { width: 80, colour: true, interactive: true };
        assert_eq!(render(&doc, &Folds::open(), &tty), "\x1b[31m✗ error\x1b[0m\n");
    }

    #[test]
    fn tiny_widths_are_raised() {
        assert_eq!(Terminal::plain(3).width, MIN_WIDTH);
    }
}
