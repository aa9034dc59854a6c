//! What the output goes to: whether it may be coloured, and how wide it is.

use std::io::IsTerminal;

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
    #[cfg(test)]
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
    fn tiny_widths_are_raised() {
        assert_eq!(Terminal::plain(3).width, MIN_WIDTH);
    }
}
