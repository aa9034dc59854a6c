//! Drawing: a pure function of `&App`. Nothing here reads files, queries the store or formats
//! JSON; it cuts the prepared text to the visible rows and paints it.

mod conversation;
mod detail_pane;
mod empty;
mod find;
pub mod layout;
mod list;
mod marks;
mod overlay;
mod stats_view;
mod status;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use super::app::{App, View};
use crate::present::text::fit;

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let Some(areas) = layout::areas(area.width, area.height) else {
            too_small(area, buf);
            return;
        };
        status::status_bar(self, areas.status, buf);
        match &self.view {
            View::Browse if empty::is_empty_state(self) => empty::render(self, areas.main, buf),
            View::Browse => {
                list::render(self, areas.list, buf);
                detail_pane::render(self, areas.detail, buf);
            }
            View::Conversation(view) => conversation::render(self, view, areas.main, buf),
            View::Stats(view) => stats_view::render(self, view, areas.main, buf),
        }
        find::paint(self, &areas, buf);
        marks::paint(self, &areas, buf);
        status::bottom_line(self, areas.bottom, buf);
        if let Some(overlay) = &self.overlay {
            overlay::render(self, overlay, areas.main, buf);
        }
    }
}

fn too_small(area: Rect, buf: &mut Buffer) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let notice = format!(
        "Terminal too small ({}×{}): interlog needs at least {}×{}.",
        area.width,
        area.height,
        layout::MIN_WIDTH,
        layout::MIN_HEIGHT
    );
    buf.set_string(area.x, area.y, fit(&notice, usize::from(area.width)), ratatui::style::Style::new());
}
