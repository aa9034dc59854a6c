//! The record list: only the visible rows are drawn, from summaries `update` fetched for them.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Block, Widget};

use super::layout;
use crate::present::columns::{ListColumn, ListColumn as L, DROP_ORDER};
use crate::present::text::{fit, safe_marked, show_first_mark};
use crate::present::units::{duration, tokens_marked};
use crate::store::{RecordSummary, Snippet};
use crate::tui::app::{App, Focus, SearchMode};
use crate::tui::untrusted;

/// The list's columns: the time and the error mark, which always stay, and between them the
/// presentation layer's columns that give way on a narrow screen.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Column {
    Time,
    Listed(ListColumn),
    Error,
}

impl Column {
    fn title(self) -> &'static str {
        match self {
            Column::Time => "time",
            Column::Listed(L::Session) => "session",
            Column::Listed(L::Project) => "project",
            Column::Listed(L::Client) => "client",
            Column::Listed(L::Model) => "model",
            Column::Listed(L::Tokens) => "tok in/out",
            Column::Listed(L::Duration) => "dur",
            Column::Listed(L::Tools) => "⚙",
            Column::Error => "!",
        }
    }

    fn width(self) -> u16 {
        match self {
            Column::Time => 11,
            Column::Listed(L::Session) => 8,
            Column::Listed(L::Project) => 12,
            Column::Listed(L::Client) => 11,
            Column::Listed(L::Model) => 17,
            Column::Listed(L::Tokens) => 11,
            Column::Listed(L::Duration) => 6,
            Column::Listed(L::Tools) => 2,
            Column::Error => 1,
        }
    }
}

/// Columns in the order shown; when space runs out they are dropped in the presentation layer's
/// one order (`present::columns::DROP_ORDER`).
const COLUMNS: [Column; 9] = [
    Column::Time,
    Column::Listed(L::Session),
    Column::Listed(L::Project),
    Column::Listed(L::Client),
    Column::Listed(L::Model),
    Column::Listed(L::Tokens),
    Column::Listed(L::Duration),
    Column::Listed(L::Tools),
    Column::Error,
];
/// The prompt column keeps at least this many cells before other columns are dropped.
const MIN_PROMPT: u16 = 24;

fn columns_for(width: u16) -> Vec<Column> {
    let mut columns = COLUMNS.to_vec();
    let used = |columns: &[Column]| columns.iter().map(|c| c.width() + 1).sum::<u16>();
    for drop in DROP_ORDER {
        if used(&columns) + MIN_PROMPT <= width {
            break;
        }
        columns.retain(|&c| c != Column::Listed(drop));
    }
    columns
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let focused = app.focus == Focus::List;
    let title = format!(" Records {} ", position(app));
    Block::bordered().title(title).border_style(theme.border(focused)).render(area, buf);
    let inside = layout::inner(area);
    let rows = layout::list_rows(area);
    let columns = columns_for(inside.width);
    let mut x = inside.x;
    for column in &columns {
        buf.set_stringn(x, inside.y, column.title(), usize::from(column.width()), theme.dim());
        x += column.width() + 1;
    }
    let prompt_title = match app.search.mode {
        _ if app.fuzzy_active() => "headline (fuzzy matches)",
        SearchMode::Keyword if app.search.is_active() => "match (or prompt)",
        _ => "prompt",
    };
    buf.set_stringn(x, inside.y, prompt_title, usize::from((inside.x + inside.width).saturating_sub(x)), theme.dim());

    if app.results.entries.is_empty() {
        let message = if app.results.received { "No records match." } else { "Loading…" };
        buf.set_stringn(rows.x + 1, rows.y, message, usize::from(rows.width), theme.dim());
        return;
    }
    let visible = app.results.entries.iter().enumerate().skip(app.list.offset).take(usize::from(rows.height));
    for (n, (index, entry)) in visible.enumerate() {
        let y = rows.y + n as u16;
        let selected = index == app.list.selected;
        let base = if selected { theme.selected() } else { Style::new() };
        if selected {
            buf.set_style(Rect::new(rows.x, y, rows.width, 1), base);
        }
        match app.rows.get(entry) {
            Some(summary) => row(app, summary, &columns, Rect::new(rows.x, y, rows.width, 1), base, buf),
            None => {
                buf.set_stringn(rows.x, y, "…", 1, base.patch(theme.dim()));
            }
        }
    }
}

/// "12/3 400" style position for the block title.
fn position(app: &App) -> String {
    let len = app.results.entries.len();
    if len == 0 {
        String::new()
    } else {
        format!("{}/{}", app.list.selected + 1, len)
    }
}

fn row(app: &App, summary: &RecordSummary, columns: &[Column], area: Rect, base: Style, buf: &mut Buffer) {
    let theme = &app.theme;
    let mut x = area.x;
    for &column in columns {
        let width = usize::from(column.width());
        let (text, style) = cell(app, summary, column);
        buf.set_stringn(x, area.y, fit(&text, width), width, base.patch(style));
        x += column.width() + 1;
    }
    let room = usize::from((area.x + area.width).saturating_sub(x));
    match app.results.highlights.get(&summary.entry).filter(|_| app.fuzzy_active()) {
        Some(positions) => {
            let cell = Rect::new(x, area.y, room as u16, 1);
            highlighted(&summary.headline, positions, cell, (base, base.patch(theme.matched())), buf)
        }
        None => match app.results.snippets.get(&summary.entry).and_then(Option::as_ref) {
            Some(snippet) => {
                let (text, positions) = snippet_chars(snippet, room);
                let cell = Rect::new(x, area.y, room as u16, 1);
                highlighted(&text, &positions, cell, (base, base.patch(theme.matched())), buf)
            }
            None => {
                buf.set_stringn(x, area.y, fit(&summary.first_line, room), room, base);
            }
        },
    }
}

/// A keyword hit's snippet made safe, its first match brought within `width` columns, with the
/// char positions of its matches (what [`highlighted`] marks).
fn snippet_chars(snippet: &Snippet, width: usize) -> (String, Vec<u32>) {
    let (safe, marks) = safe_marked(&snippet.text, &snippet.matched);
    let (text, marks) = show_first_mark(&safe, &marks, width);
    let positions = text
        .char_indices()
        .enumerate()
        .filter(|(_, (at, _))| marks.iter().any(|&(from, to)| (from..to).contains(at)))
        .map(|(n, _)| n as u32)
        .collect();
    (text, positions)
}

fn cell(app: &App, summary: &RecordSummary, column: Column) -> (String, Style) {
    let theme = &app.theme;
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    match column {
        Column::Time => (local_time(app, summary), theme.dim()),
        Column::Listed(L::Session) => {
            (summary.session_id.as_deref().map(short_session).unwrap_or_default(), theme.accent())
        }
        Column::Listed(L::Project) => (text(&summary.project), Style::new()),
        Column::Listed(L::Client) => (text(&summary.client), theme.dim()),
        Column::Listed(L::Model) => (text(&summary.model), Style::new()),
        // No usage reported: nothing, rather than a 0/0 that reads as "free".
        Column::Listed(L::Tokens) if !summary.has_usage => ("–".into(), theme.dim()),
        Column::Listed(L::Tokens) => {
            let approximate = summary.usage_approximate;
            let text = format!(
                "{}/{}",
                tokens_marked(summary.input_tokens, approximate),
                tokens_marked(summary.output_tokens, approximate)
            );
            (text, Style::new())
        }
        Column::Listed(L::Duration) => (summary.duration_ms.map(duration).unwrap_or_default(), theme.dim()),
        Column::Listed(L::Tools) => match summary.tool_calls {
            0 => (String::new(), Style::new()),
            n => (n.to_string(), theme.tone(crate::present::doc::Tone::Tool)),
        },
        Column::Error => (if summary.has_error { "✗".into() } else { String::new() }, theme.error()),
    }
}

/// `HH:MM:SS` today, `MM-DD HH:MM` before, in the app's offset.
pub fn local_time(app: &App, summary: &RecordSummary) -> String {
    let at = summary.timestamp.as_utc().with_timezone(&app.offset);
    let today = app.now.with_timezone(&app.offset).date_naive();
    if at.date_naive() == today {
        at.format("%H:%M:%S").to_string()
    } else {
        at.format("%m-%d %H:%M").to_string()
    }
}

/// The last 8 characters: session ids often share a prefix and differ at the end.
fn short_session(session: &str) -> String {
    let chars: Vec<char> = session.chars().collect();
    chars[chars.len().saturating_sub(8)..].iter().collect()
}

/// The headline with the fuzzy-matched chars emphasised (`styles`: plain, matched); each char is
/// sanitised on its own so that match positions (chars of the raw headline) stay aligned.
fn highlighted(headline: &str, positions: &[u32], cell: Rect, styles: (Style, Style), buf: &mut Buffer) {
    let mut column = cell.x;
    let end = cell.x + cell.width;
    let mut next = positions.iter().peekable();
    for (index, c) in headline.chars().enumerate() {
        let hit = next.peek().is_some_and(|&&p| p as usize == index);
        if hit {
            next.next();
        }
        let shown = if untrusted::is_unsafe(c) { fit(&c.to_string(), 12) } else { c.to_string() };
        let width = crate::present::text::display_width(&shown) as u16;
        if column + width > end {
            break;
        }
        buf.set_string(column, cell.y, &shown, if hit { styles.1 } else { styles.0 });
        column += width;
    }
}
