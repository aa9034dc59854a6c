//! Colours and emphasis. Only the 16 named ANSI colours are used, so the terminal's own palette
//! (dark or light) decides the actual shades; with `NO_COLOR` set, emphasis alone carries meaning.

use ratatui::style::{Color, Modifier, Style};

use super::text::Tone;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Default for Theme {
    fn default() -> Self {
        Theme { color: true }
    }
}

impl Theme {
    /// Colour unless `NO_COLOR` is set to a non-empty value (<https://no-color.org>).
    pub fn from_env() -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
        Theme { color: !no_color }
    }

    pub fn monochrome() -> Theme {
        Theme { color: false }
    }

    fn fg(&self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    pub fn plain(&self) -> Style {
        Style::new()
    }

    pub fn dim(&self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }

    pub fn bold(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            self.dim()
        }
    }

    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn status_bar(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn live(&self) -> Style {
        self.fg(Color::Green).add_modifier(Modifier::BOLD)
    }

    pub fn paused(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }

    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// Matched characters in fuzzy search.
    pub fn matched(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    pub fn accent(&self) -> Style {
        self.fg(Color::Magenta)
    }

    pub fn bar(&self) -> Style {
        self.fg(Color::Blue)
    }

    pub fn tone(&self, tone: Tone) -> Style {
        match tone {
            Tone::Body => self.plain(),
            Tone::Heading => self.title(),
            Tone::Dim => self.dim(),
            Tone::User => self.fg(Color::Green).add_modifier(Modifier::BOLD),
            Tone::Assistant => self.fg(Color::Blue).add_modifier(Modifier::BOLD),
            Tone::System => self.fg(Color::Magenta).add_modifier(Modifier::BOLD),
            Tone::Tool => self.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Tone::Ok => self.ok(),
            Tone::Error => self.error(),
            Tone::Key => self.fg(Color::Cyan),
            Tone::Json => self.plain(),
        }
    }
}
