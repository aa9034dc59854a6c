//! The find's hits painted over the detail or the transcript: every hit emphasised, the current
//! one in reverse video, so `n`/`N` can be followed by eye.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::layout::{self, Areas};
use crate::present::doc::{decorated, Doc};
use crate::present::layout::{wrap, DocLayout};
use crate::present::text::display_width;
use crate::tui::app::{App, View};
use crate::tui::find::{hit_row, Hit};
use crate::tui::reading::target;

pub fn paint(app: &App, areas: &Areas, buf: &mut Buffer) {
    let Some(find) = app.find.as_ref().filter(|find| find.is_active() && !find.hits.is_empty()) else { return };
    let Some((_, doc, doc_layout, hidden, _)) = target(app) else { return };
    let (area, scroll) = match &app.view {
        View::Conversation(view) => (layout::full_text(areas.main), view.scroll),
        View::Browse => (layout::detail_text(areas.detail), app.detail.scroll[app.detail.tab().index()]),
        View::Stats(_) => return,
    };
    if !doc_layout.fits(doc, area.width, &hidden) {
        return;
    }
    let visible = scroll..scroll + usize::from(area.height);
    let first = find.hits.partition_point(|hit| hit_row(doc, doc_layout, hit) < visible.start);
    for (n, hit) in find.hits.iter().enumerate().skip(first) {
        if hit_row(doc, doc_layout, hit) >= visible.end {
            break;
        }
        let style = if n == find.current { app.theme.selected() } else { app.theme.matched() };
        for (row, cells) in cells_of(doc, doc_layout, hit) {
            if visible.contains(&row) {
                let y = area.y + (row - scroll) as u16;
                let x = area.x.saturating_add(cells.0);
                let width = cells.1.min(area.right().saturating_sub(x));
                buf.set_style(Rect::new(x, y, width, 1), style);
            }
        }
    }
}

/// The rows a hit covers once wrapped, each with its first column and width in cells.
fn cells_of(doc: &Doc, doc_layout: &DocLayout, hit: &Hit) -> Vec<(usize, (u16, u16))> {
    let line = &doc.lines[hit.line];
    let shown = decorated(&line.kind, &line.text);
    let start = doc_layout.row_of(hit.line).unwrap_or(doc_layout.total_rows);
    let rows = wrap(&shown, usize::from(doc_layout.width.saturating_sub(line.indent)).max(1));
    let mut out = Vec::new();
    for (n, range) in rows.iter().enumerate() {
        let from = hit.bytes.start.max(range.start);
        let to = hit.bytes.end.min(range.end);
        if from < to {
            let column = line.indent as usize + display_width(&shown[range.start..from]);
            let width = display_width(&shown[from..to]);
            out.push((start + n, (column as u16, width as u16)));
        }
    }
    out
}
