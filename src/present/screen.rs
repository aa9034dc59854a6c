//! The ratatui renderer: a laid-out [`Doc`] slice in a rectangle, with a scrollbar.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Scrollbar, ScrollbarOrientation, ScrollbarState, StatefulWidget};

use super::doc::{Doc, Tone};
use super::layout::DocLayout;

/// Paints rows `scroll..` of `doc` into `area`, each in the style its tone has in `style` (the
/// front end's theme), and a scrollbar in the column right of it.
pub fn render(
    doc: &Doc,
    layout: &DocLayout,
    scroll: usize,
    style: &dyn Fn(Tone) -> Style,
    area: Rect,
    buf: &mut Buffer,
) {
    for (n, row) in layout.rows(doc, scroll, usize::from(area.height)).into_iter().enumerate() {
        let y = area.y + n as u16;
        let indent = row.line.indent.min(area.width);
        buf.set_stringn(area.x + indent, y, &row.text, usize::from(area.width - indent), style(row.line.tone));
    }
    if layout.total_rows > usize::from(area.height) && area.height > 0 {
        let bar = Rect::new(area.x + area.width, area.y, 1, area.height);
        let max = layout.total_rows.saturating_sub(usize::from(area.height));
        let mut state = ScrollbarState::new(max + 1).position(scroll);
        Scrollbar::new(ScrollbarOrientation::VerticalRight)
            .begin_symbol(None)
            .end_symbol(None)
            .render(bar, buf, &mut state);
    }
}
