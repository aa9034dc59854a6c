//! Popups over the main view: help, the facet picker, the bad-line list.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

use super::layout;
use crate::present::text::{display_width, fit};
use crate::store::Facet;
use crate::tui::app::{App, FacetPicker, Overlay};
use crate::tui::keymap::{help_lines, HelpLine};
use crate::tui::untrusted;

pub fn render(app: &App, overlay: &Overlay, area: Rect, buf: &mut Buffer) {
    match overlay {
        Overlay::Help { scroll } => help(app, *scroll, area, buf),
        Overlay::Facets(picker) => facets(app, picker, area, buf),
        Overlay::BadLines { lines, scroll } => bad_lines(app, lines.as_deref(), *scroll, area, buf),
    }
}

fn frame(app: &App, title: &str, area: Rect, buf: &mut Buffer) -> Rect {
    Clear.render(area, buf);
    Block::bordered().title(title.to_owned()).border_style(app.theme.border(true)).render(area, buf);
    layout::inner(area)
}

fn help(app: &App, scroll: usize, area: Rect, buf: &mut Buffer) {
    let lines = help_lines();
    let popup = layout::popup(area, 100, lines.len() as u16 + 2);
    let rows = usize::from(popup.height.saturating_sub(2));
    // Never scroll past the point where the last key is on the last row.
    let first = scroll.min(lines.len().saturating_sub(rows));
    let more = if first + rows < lines.len() { " · more: j" } else { "" };
    let inside = frame(app, &format!(" Keys (any other key closes{more}) "), popup, buf);
    let key_width = lines
        .iter()
        .map(|line| match line {
            HelpLine::Row(row) => display_width(&row.keys),
            HelpLine::Heading(_) => 0,
        })
        .max()
        .unwrap_or(0) as u16
        + 2;
    for (n, line) in lines.iter().skip(first).take(rows).enumerate() {
        let y = inside.y + n as u16;
        match line {
            HelpLine::Heading(title) => {
                buf.set_stringn(inside.x, y, title, usize::from(inside.width), app.theme.title());
            }
            HelpLine::Row(row) => {
                buf.set_stringn(inside.x + 1, y, &row.keys, usize::from(key_width), app.theme.key());
                let room = usize::from(inside.width.saturating_sub(key_width + 1));
                buf.set_stringn(inside.x + 1 + key_width, y, fit(row.description, room), room, app.theme.plain());
            }
        }
    }
}

fn facet_name(facet: Facet) -> &'static str {
    match facet {
        Facet::Session => "Session",
        Facet::Project => "Project",
        Facet::Client => "Client",
        Facet::Model => "Model",
    }
}

fn facets(app: &App, picker: &FacetPicker, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let popup = layout::popup(area, 64, 20);
    let inside = frame(app, " Filter by (Tab: next facet · Enter: apply · Esc: close) ", popup, buf);
    let mut tabs = Vec::new();
    for facet in [Facet::Project, Facet::Session, Facet::Client, Facet::Model] {
        let style = if facet == picker.facet { theme.title().patch(theme.selected()) } else { theme.dim() };
        tabs.push(Span::styled(format!(" {} ", facet_name(facet)), style));
        tabs.push(Span::raw(" "));
    }
    Line::from(tabs).render(Rect::new(inside.x, inside.y, inside.width, 1), buf);
    let filter = format!("> {}▏", untrusted::line(&picker.filter));
    buf.set_stringn(inside.x, inside.y + 1, filter, usize::from(inside.width), theme.key());
    let list = Rect::new(inside.x, inside.y + 2, inside.width, inside.height.saturating_sub(2));
    let Some(values) = &picker.values else {
        buf.set_stringn(list.x, list.y, "Counting…", usize::from(list.width), theme.dim());
        return;
    };
    if picker.visible.is_empty() {
        buf.set_stringn(list.x, list.y, "Nothing matches.", usize::from(list.width), theme.dim());
        return;
    }
    let height = usize::from(list.height);
    let first = picker.selected.saturating_sub(height.saturating_sub(1));
    for (n, &index) in picker.visible.iter().enumerate().skip(first).take(height) {
        let (value, count) = &values[index];
        let y = list.y + (n - first) as u16;
        let style = if n == picker.selected { theme.selected() } else { theme.plain() };
        let count = format!("{count:>8}");
        let room = usize::from(list.width).saturating_sub(count.len() + 1);
        buf.set_style(Rect::new(list.x, y, list.width, 1), style);
        buf.set_stringn(list.x, y, fit(&untrusted::line(&picker.label(value)), room), room, style);
        buf.set_stringn(list.x + list.width - count.len() as u16, y, count, 8, style.patch(theme.dim()));
    }
}

fn bad_lines(app: &App, lines: Option<&[crate::store::BadLine]>, scroll: usize, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let popup = layout::popup(area, 110, area.height);
    let count = lines.map_or(String::new(), |lines| format!("{} ", lines.len()));
    let inside = frame(app, &format!(" {count}Bad lines (Esc closes) "), popup, buf);
    let Some(lines) = lines else {
        buf.set_stringn(inside.x, inside.y, "Reading…", usize::from(inside.width), theme.dim());
        return;
    };
    if lines.is_empty() {
        buf.set_stringn(inside.x, inside.y, "No bad lines: every line is a record.", 60, theme.ok());
        return;
    }
    for (n, bad) in lines.iter().skip(scroll).take(usize::from(inside.height)).enumerate() {
        let y = inside.y + n as u16;
        let place = bad.place(&bad.file.display().to_string());
        let text = format!("{}  {}", untrusted::line(&place), untrusted::line(&bad.reason));
        buf.set_stringn(inside.x, y, fit(&text, usize::from(inside.width)), usize::from(inside.width), theme.plain());
    }
}
