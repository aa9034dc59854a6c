//! Where everything goes for a terminal size. Both drawing and `update` (mouse hit-testing, page
//! sizes, wrap widths) use these functions, so they always agree.

use ratatui::layout::Rect;

pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;
/// From this width the list and the detail sit side by side.
pub const SIDE_BY_SIDE_WIDTH: u16 = 160;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    pub status: Rect,
    /// Everything between the status bar and the bottom line.
    pub main: Rect,
    pub list: Rect,
    pub detail: Rect,
    pub bottom: Rect,
}

/// `None` when the terminal is too small to be useful.
pub fn areas(width: u16, height: u16) -> Option<Areas> {
    if width < MIN_WIDTH || height < MIN_HEIGHT {
        return None;
    }
    let status = Rect::new(0, 0, width, 1);
    let bottom = Rect::new(0, height - 1, width, 1);
    let main = Rect::new(0, 1, width, height - 2);
    let (list, detail) = if width >= SIDE_BY_SIDE_WIDTH {
        let list_width = width * 11 / 20;
        (Rect::new(0, main.y, list_width, main.height), Rect::new(list_width, main.y, width - list_width, main.height))
    } else {
        let list_height = (main.height * 2 / 5).max(6);
        (Rect::new(0, main.y, width, list_height), Rect::new(0, main.y + list_height, width, main.height - list_height))
    };
    Some(Areas { status, main, list, detail, bottom })
}

/// Inside a bordered block.
pub fn inner(area: Rect) -> Rect {
    Rect::new(area.x + 1, area.y + 1, area.width.saturating_sub(2), area.height.saturating_sub(2))
}

/// The list's rows: inside the border, under the column header.
pub fn list_rows(list: Rect) -> Rect {
    let inside = inner(list);
    Rect::new(inside.x, inside.y + 1, inside.width, inside.height.saturating_sub(1))
}

/// The detail's text: inside the border, under the tab bar.
pub fn detail_text(detail: Rect) -> Rect {
    let inside = inner(detail);
    Rect::new(inside.x, inside.y + 1, inside.width.saturating_sub(1), inside.height.saturating_sub(1))
}

/// A full-screen view's text (conversation): inside the border, one column for the scrollbar.
pub fn full_text(main: Rect) -> Rect {
    let inside = inner(main);
    Rect::new(inside.x, inside.y, inside.width.saturating_sub(1), inside.height)
}

/// A centred popup of at most `width` × `height`.
pub fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width.saturating_sub(4));
    let height = height.min(area.height.saturating_sub(2));
    Rect::new(area.x + (area.width - width) / 2, area.y + (area.height - height) / 2, width, height)
}

pub fn contains(area: Rect, column: u16, row: u16) -> bool {
    column >= area.x && column < area.x + area.width && row >= area.y && row < area.y + area.height
}
