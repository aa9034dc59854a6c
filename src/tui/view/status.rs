//! The status bar (top) and the key hints or search line (bottom).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::present::text::display_width;
use crate::present::text::fit;
use crate::sanitize::sanitize_line;
use crate::tui::app::{App, Follow, SearchMode, View};

pub fn status_bar(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    buf.set_style(area, theme.status_bar());
    let mut right: Vec<Span> = Vec::new();
    if let Some(progress) = app.load.progress.filter(|_| app.load.loading) {
        let percent = (progress.bytes_done * 100).checked_div(progress.bytes_total).unwrap_or(0);
        right.push(Span::raw(format!(" indexing {}/{} files {percent}% ", progress.files_done, progress.files_total)));
    } else if app.load.loading {
        right.push(Span::raw(" loading… "));
    }
    if app.results.in_flight.is_some() && app.search.is_active() {
        right.push(Span::styled(" searching… ", theme.accent()));
    }
    if app.load.bad_lines > 0 {
        right.push(Span::styled(
            format!(" ⚠ {} (b) ", crate::present::text::counted(app.load.bad_lines, "bad line")),
            theme.error(),
        ));
    }
    right.push(match app.follow {
        Follow::Live => Span::styled(" ● LIVE ", theme.live()),
        Follow::Paused { arrived: 0 } => Span::styled(" ‖ PAUSED ", theme.paused()),
        Follow::Paused { arrived } => Span::styled(format!(" ‖ PAUSED +{arrived} (F) "), theme.paused()),
    });
    let right_width: usize = right.iter().map(|span| span.width()).sum();

    let shown = app.results.entries.len();
    // Fuzzy ranking stops at a cap: a full list there is the best of more, not all there is.
    let count = if app.fuzzy_active() && shown >= crate::tui::app::FUZZY_LIMIT {
        format!("top {shown} of {} records", app.load.total)
    } else {
        format!("{shown}/{} records", app.load.total)
    };
    let mut left = format!(" interlog{} │ {count}", if app.demo { " demo" } else { "" });
    if !app.filters.is_empty() {
        left.push_str(&format!(" │ {}", sanitize_line(&app.filters.describe())));
    }
    if app.search.is_active() {
        let mode = match app.search.mode {
            SearchMode::Fuzzy => "fuzzy",
            SearchMode::Keyword => "keyword",
        };
        left.push_str(&format!(" │ {mode} \"{}\"", sanitize_line(app.search.text.trim())));
    }
    let room = usize::from(area.width).saturating_sub(right_width + 1);
    let dir = app.dir.display().to_string();
    let with_dir = format!("{left} │ {}", sanitize_line(&dir));
    let left = if display_width(&with_dir) <= room { with_dir } else { fit(&left, room) };
    buf.set_stringn(area.x, area.y, &left, room, theme.status_bar().patch(theme.bold()));
    let x = area.x + area.width.saturating_sub(right_width as u16);
    Line::from(right).render(Rect::new(x, area.y, right_width as u16, 1), buf);
}

pub fn bottom_line(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    if app.search.editing || app.search.is_active() {
        let mode = match app.search.mode {
            SearchMode::Fuzzy => "fuzzy",
            SearchMode::Keyword => "keyword",
        };
        let cursor = if app.search.editing { "▏" } else { "" };
        let help =
            if app.search.editing { "  Tab: fuzzy/keyword · Enter: keep · Esc: clear" } else { "  Esc: clear" };
        let query = fit(&app.search.text, usize::from(area.width).saturating_sub(40).max(10));
        Line::from(vec![
            Span::styled("/", theme.key()),
            Span::raw(query),
            Span::raw(cursor),
            Span::styled(format!("  [{mode}]"), theme.accent()),
            Span::styled(help, theme.dim()),
        ])
        .render(area, buf);
        return;
    }
    if let Some(flash) = &app.flash {
        buf.set_stringn(area.x, area.y, sanitize_line(flash), usize::from(area.width), theme.accent());
        return;
    }
    if let Some(notice) = &app.load.notice {
        let text = format!("⚠ {}", sanitize_line(notice));
        buf.set_stringn(area.x, area.y, text, usize::from(area.width), theme.error());
        return;
    }
    let mut spans = Vec::new();
    for (key, what) in fitting_hints(view_hints(&app.view), usize::from(area.width)) {
        spans.push(Span::styled(format!(" {key}"), theme.key()));
        spans.push(Span::styled(format!(" {what} "), Style::new()));
    }
    Line::from(spans).render(area, buf);
}

/// A key hint: key, what it does, and its rank (0 first kept when the line is too narrow).
type Hint = (&'static str, &'static str, u8);

/// The hints of a view in the order shown. `? help` ranks first everywhere: the help lists the rest.
fn view_hints(view: &View) -> &'static [Hint] {
    match view {
        View::Browse => &[
            ("?", "help", 0),
            ("/", "search", 2),
            ("f", "facets", 4),
            ("Enter", "conversation", 3),
            ("Tab", "focus", 5),
            ("1-4", "tabs", 6),
            ("S", "stats", 9),
            ("y", "copy", 7),
            ("e", "pager", 8),
            ("q", "quit", 1),
        ],
        View::Conversation(_) => &[
            ("?", "help", 0),
            ("Esc", "back", 1),
            ("j/k", "scroll", 3),
            ("t", "tool details", 4),
            ("y", "copy", 5),
            ("e", "pager", 6),
            ("q", "quit", 2),
        ],
        View::Stats(_) => &[("?", "help", 0), ("Esc", "back", 1), ("x", "clear filters", 3), ("q", "quit", 2)],
    }
}

/// The hints that fit in `width` columns, best ranked first, shown in their own order.
fn fitting_hints(hints: &[Hint], width: usize) -> Vec<(&'static str, &'static str)> {
    let cost = |(key, what, _): &Hint| display_width(key) + display_width(what) + 3;
    let mut ranked: Vec<&Hint> = hints.iter().collect();
    ranked.sort_by_key(|hint| hint.2);
    let mut used = 0;
    let mut kept = Vec::new();
    for hint in ranked {
        if used + cost(hint) <= width || hint.2 == 0 {
            used += cost(hint);
            kept.push(hint.2);
        }
    }
    hints.iter().filter(|hint| kept.contains(&hint.2)).map(|&(key, what, _)| (key, what)).collect()
}
