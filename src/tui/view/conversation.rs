//! The conversation view: a whole session as a transcript.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Paragraph, Widget};

use super::layout;
use crate::present::screen;
use crate::present::text::fit;
use crate::tui::app::{App, ConversationView};
use crate::tui::untrusted;

pub fn render(app: &App, view: &ConversationView, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let tools = if view.show_tools { "t folds tool details" } else { "t unfolds tool details" };
    let following = if view.at_end { " · following" } else { "" };
    let title = format!(" Conversation {} · {} turns{following} · {tools} ", fit(&view.session, 40), view.turns);
    Block::bordered().title(title).border_style(theme.border(true)).render(area, buf);
    let text = layout::full_text(area);
    match (&view.doc, &view.error) {
        (_, Some(error)) => {
            let message = format!("Cannot read this session: {}", untrusted::line(error));
            Paragraph::new(message).style(theme.error()).render(text, buf)
        }
        (Some(shown), None) if view.layout.fits(shown, text.width, &view.layout.hidden) => {
            screen::render(shown, &view.layout, view.scroll, &|tone| theme.tone(tone), text, buf)
        }
        _ => Paragraph::new("Loading the session…").style(theme.dim()).render(text, buf),
    }
}
