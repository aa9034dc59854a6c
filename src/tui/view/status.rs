//! The status bar (top) and the key hints or search line (bottom).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::present::text::{display_width, fit};
use crate::tui::app::{App, CommandLine, Follow, SearchMode, View};
use crate::tui::command;
use crate::tui::find::{Find, Pane};
use crate::tui::keymap::{self, Screen, ShownHint};
use crate::tui::untrusted;

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
    if !app.results.asked.answered && app.search.is_active() {
        right.push(Span::styled(" searching… ", theme.accent()));
    }
    if app.load.bad_lines > 0 {
        right.push(Span::styled(
            format!(" ⚠ {} (b) ", crate::present::text::counted(app.load.bad_lines, "bad line")),
            theme.error(),
        ));
    }
    if let Some(hits) = app.find.as_ref().and_then(|find| find.describe()) {
        right.push(Span::styled(format!(" {} (n/N) ", untrusted::line(&hits)), theme.accent()));
    }
    right.push(follow_badge(app));
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
        left.push_str(&format!(" │ {}", untrusted::line(&app.filters.describe(app.offset))));
    }
    if let View::Conversation(view) = &app.view {
        if !view.filter.is_empty() {
            left.push_str(&format!(" │ {}", view.filter.describe()));
        }
    }
    if app.search.is_active() {
        let mode = match app.search.mode {
            SearchMode::Fuzzy => "fuzzy",
            SearchMode::Keyword => "keyword",
        };
        let history = if app.search.history && app.search.mode == SearchMode::Keyword { " +history" } else { "" };
        left.push_str(&format!(" │ {mode}{history} \"{}\"", untrusted::line(app.search.text.trim())));
    }
    let room = usize::from(area.width).saturating_sub(right_width + 1);
    let dir = app.dir.display().to_string();
    let with_dir = format!("{left} │ {}", untrusted::line(&dir));
    let left = if display_width(&with_dir) <= room { with_dir } else { fit(&left, room) };
    buf.set_stringn(area.x, area.y, &left, room, theme.status_bar().patch(theme.bold()));
    let x = area.x + area.width.saturating_sub(right_width as u16);
    Line::from(right).render(Rect::new(x, area.y, right_width as u16, 1), buf);
}

/// LIVE / PAUSED for the list, FOLLOWING / PAUSED for a conversation, with the arrivals counted.
fn follow_badge(app: &App) -> Span<'static> {
    let theme = &app.theme;
    let (following, arrived, live) = match &app.view {
        View::Conversation(view) => (view.at_end, view.arrived, " ● FOLLOWING "),
        _ => match app.follow {
            Follow::Live => (true, 0, " ● LIVE "),
            Follow::Paused { arrived } => (false, arrived, ""),
        },
    };
    match (following, arrived) {
        (true, _) => Span::styled(live, theme.live()),
        (false, 0) => Span::styled(" ‖ PAUSED ", theme.paused()),
        (false, arrived) => Span::styled(format!(" ‖ PAUSED +{arrived} (F) "), theme.paused()),
    }
}

/// The find line: what is typed, where it looks, and its keys.
fn find_line(app: &App, find: &Find, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let place = match find.pane {
        Pane::Detail => "find in this record",
        Pane::Conversation => "find in this conversation",
    };
    let query = fit(&find.text, usize::from(area.width).saturating_sub(50).max(10));
    Line::from(vec![
        Span::styled("/", theme.key()),
        Span::raw(query),
        Span::raw("▏"),
        Span::styled(format!("  [{place}]"), theme.accent()),
        Span::styled(format!("  {}", search_hints(Screen::Finding, usize::MAX)), theme.dim()),
    ])
    .render(area, buf);
}

pub fn bottom_line(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    if let Some(line) = &app.command {
        command_line(app, line, area, buf);
        return;
    }
    if let Some(find) = app.find.as_ref().filter(|find| find.editing) {
        find_line(app, find, area, buf);
        return;
    }
    if app.search.editing || app.search.is_active() {
        let mode = match app.search.mode {
            SearchMode::Fuzzy => "fuzzy",
            SearchMode::Keyword => "keyword",
        };
        let cursor = if app.search.editing { "▏" } else { "" };
        let screen = if app.search.editing { Screen::Searching } else { Screen::Searched };
        let query = fit(&app.search.text, usize::from(area.width).saturating_sub(40).max(10));
        let used = 1 + display_width(&query) + cursor.len() + 4 + mode.len() + 2;
        let help = format!("  {}", search_hints(screen, usize::from(area.width).saturating_sub(used)));
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
        buf.set_stringn(area.x, area.y, untrusted::line(flash), usize::from(area.width), theme.accent());
        return;
    }
    if let Some(notice) = &app.load.notice {
        let text = format!("⚠ {}", untrusted::line(notice));
        buf.set_stringn(area.x, area.y, text, usize::from(area.width), theme.error());
        return;
    }
    let mut spans = Vec::new();
    for hint in fitting_hints(keymap::hints(Screen::of(app)), usize::from(area.width)) {
        spans.push(Span::styled(format!(" {}", hint.keys), theme.key()));
        spans.push(Span::styled(format!(" {} ", hint.word), Style::new()));
    }
    Line::from(spans).render(area, buf);
}

/// The hints that fit in `width` columns, best ranked first, shown in their own order.
/// The best ranked is always kept: the help lists the rest.
fn fitting_hints(hints: Vec<ShownHint>, width: usize) -> Vec<ShownHint> {
    let cost = |hint: &ShownHint| display_width(&hint.keys) + display_width(hint.word) + 3;
    let mut ranked: Vec<&ShownHint> = hints.iter().collect();
    ranked.sort_by_key(|hint| hint.rank);
    let best = ranked.first().map(|hint| hint.rank);
    let mut used = 0;
    let mut kept = Vec::new();
    for hint in ranked {
        if used + cost(hint) <= width || Some(hint.rank) == best {
            used += cost(hint);
            kept.push(hint.rank);
        }
    }
    hints.into_iter().filter(|hint| kept.contains(&hint.rank)).collect()
}

/// `:since 2h▏  since T: records at or after T …  Enter: run · Tab: complete · Esc: close`, or
/// what was wrong with the line just run.
fn command_line(app: &App, line: &CommandLine, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let (note, style) = match &line.error {
        Some(error) => (error.clone(), theme.error()),
        None => (command::hint(&line.text), theme.dim()),
    };
    let text = fit(&untrusted::line(&line.text), usize::from(area.width).saturating_sub(30).max(10));
    Line::from(vec![
        Span::styled(":", theme.key()),
        Span::raw(text),
        Span::raw("▏"),
        Span::styled(format!("  {}", untrusted::line(&note)), style),
        Span::styled(format!("  {}", search_hints(Screen::Commanding, usize::MAX)), theme.dim()),
    ])
    .render(area, buf);
}

/// The search line's own hints (`Tab: fuzzy/keyword · Enter: keep · Esc: clear`), the least
/// important left out first when they do not fit in `width`.
fn search_hints(screen: Screen, width: usize) -> String {
    let mut hints = keymap::hints(screen);
    loop {
        let line = hints.iter().map(|hint| format!("{}: {}", hint.keys, hint.word)).collect::<Vec<_>>().join(" · ");
        let least = hints.iter().enumerate().max_by_key(|(_, hint)| hint.rank).map(|(at, _)| at);
        match least {
            Some(at) if display_width(&line) > width && hints.len() > 1 => {
                hints.remove(at);
            }
            _ => return line,
        }
    }
}
