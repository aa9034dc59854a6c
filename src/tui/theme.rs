//! Colours and emphasis. Only the 16 named ANSI colours are used, so the terminal's own palette
//! decides the shades; with `NO_COLOR` set, emphasis alone carries meaning.
//!
//! The background may be dark or light (or a dark grey, as in GNOME's Tango), and interlog cannot
//! ask which. So text is coloured only as an explicit pair of a foreground and a background (black
//! on green, white on red, …), which reads whatever the terminal's background is; a colour on the
//! terminal's own background is kept for graphics (the bars of the statistics). Bold, underline,
//! dim and reverse video do the rest. The suite checks the contrast of every glyph of every
//! snapshot screen on dark and light palettes.

use ratatui::style::{Color, Modifier, Style};

use crate::present::doc::Tone;

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

    /// A colour on the terminal's background, for graphics only: as text it would not read on
    /// every background.
    fn graphic(&self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    /// A badge: `fg` on `bg`, both given, so it reads on any terminal background; bold alone
    /// without colour. Not reversed by the reverse-video bars it may sit in.
    fn pair(&self, fg: Color, bg: Color) -> Style {
        let style = Style::new().add_modifier(Modifier::BOLD).remove_modifier(Modifier::REVERSED);
        if self.color {
            style.fg(fg).bg(bg)
        } else {
            style
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
        self.bold()
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.bold()
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
        self.pair(Color::Black, Color::Green)
    }

    pub fn paused(&self) -> Style {
        self.pair(Color::Black, Color::Yellow)
    }

    pub fn error(&self) -> Style {
        self.pair(Color::White, Color::Red)
    }

    pub fn ok(&self) -> Style {
        self.pair(Color::Black, Color::Green)
    }

    /// A filled gauge: green on black, so that both the bar and its label read on any background.
    pub fn gauge(&self) -> Style {
        if self.color {
            Style::new().fg(Color::Green).bg(Color::Black)
        } else {
            Style::new()
        }
    }

    pub fn key(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// Matched characters in fuzzy search.
    pub fn matched(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    pub fn accent(&self) -> Style {
        self.bold()
    }

    pub fn bar(&self) -> Style {
        self.graphic(Color::Magenta)
    }

    pub fn tone(&self, tone: Tone) -> Style {
        match tone {
            Tone::Body => self.plain(),
            Tone::Heading => self.title(),
            Tone::Dim => self.dim(),
            Tone::User => self.pair(Color::Black, Color::Green),
            Tone::Assistant => self.pair(Color::White, Color::Blue),
            Tone::System => self.pair(Color::White, Color::Magenta),
            Tone::Tool => self.pair(Color::Black, Color::Yellow),
            Tone::Ok => self.ok(),
            Tone::Error => self.error(),
            Tone::Key => self.bold(),
            Tone::Json => self.plain(),
            Tone::Accent => self.accent(),
        }
    }
}
