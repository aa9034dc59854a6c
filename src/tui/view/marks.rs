//! Marks on a conversation's turn headings: the turn it was opened on, and the turns that
//! arrived while it was followed. Written at the right end of the heading's row, where headings
//! leave room, so the transcript's own text is never covered.

use ratatui::buffer::Buffer;
use ratatui::style::Style;

use super::layout::{self, Areas};
use crate::present::text::display_width;
use crate::tui::app::{App, View};
use crate::tui::reading::opened_turn;

pub const OPENED: &str = " ◀ opened here ";
pub const NEW: &str = " ● new ";

pub fn paint(app: &App, areas: &Areas, buf: &mut Buffer) {
    let View::Conversation(view) = &app.view else { return };
    let area = layout::full_text(areas.main);
    let Some(doc) = view.doc.as_ref() else { return };
    if !view.layout.fits(doc, area.width, &view.layout.hidden) {
        return;
    }
    let mut marks: Vec<(usize, &str, Style)> = Vec::new();
    if let Some(turn) = opened_turn(view) {
        marks.push((turn, OPENED, app.theme.accent()));
    }
    for turn in view.new_from.into_iter().flat_map(|from| from..view.spans.len()) {
        marks.push((turn, NEW, app.theme.live()));
    }
    for (turn, tag, style) in marks {
        let Some(row) = view.layout.row_of(view.spans[turn].lines.start) else { continue };
        let Some(y) = row.checked_sub(view.scroll).filter(|&y| y < usize::from(area.height)) else { continue };
        let width = display_width(tag) as u16;
        let x = area.right().saturating_sub(width);
        let y = area.y + y as u16;
        let free = (x..area.right()).all(|x| buf[(x, y)].symbol() == " ");
        if x > area.x && free {
            buf.set_string(x, y, tag, style);
        }
    }
}
