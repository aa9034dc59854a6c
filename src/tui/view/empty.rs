//! The first-run screen: where interlog is looking, and how to get records there.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use crate::sanitize::sanitize_line;
use crate::tui::app::App;

/// Nothing to list because there is nothing at all (not because a filter hides it).
pub fn is_empty_state(app: &App) -> bool {
    app.results.received
        && !app.load.loading
        && app.load.total == 0
        && app.filters.is_empty()
        && !app.search.is_active()
}

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let dir = sanitize_line(&app.dir.display().to_string()).into_owned();
    let missing = if app.load.dir_exists { "" } else { "  (does not exist yet: it is picked up when created)" };
    let code = theme.key();
    let lines = vec![
        Line::styled("No records yet.", theme.title()),
        Line::raw(""),
        Line::from(vec![Span::raw("Watching  "), Span::styled(dir, theme.bold()), Span::styled(missing, theme.dim())]),
        Line::raw("Records appear here the moment they are written. Three ways to capture them:"),
        Line::raw(""),
        Line::styled("1. From Rust, embed the writer:", theme.bold()),
        Line::styled("   let log = interlog::InteractionLogger::open(dir, InteractionsConfig::default())?;", code),
        Line::styled("   log.log(&InteractionRecord::builder(\"prompt\").response(\"answer\").build())?;", code),
        Line::raw(""),
        Line::styled("2. From any program, pipe JSON to the CLI:", theme.bold()),
        Line::styled("   echo '{\"prompt\":\"hi\",\"response\":\"hello\"}' | interlog record", code),
        Line::raw(""),
        Line::styled("3. Over HTTP:", theme.bold()),
        Line::styled("   interlog serve   and then", code),
        Line::styled("   curl -X POST localhost:8377/interactions -d '{\"prompt\":\"hi\"}'", code),
        Line::raw(""),
        Line::styled("Want a tour first? Run `interlog demo`.  q quits.", theme.dim()),
    ];
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(Block::bordered().title(" interlog ").border_style(theme.border(true)))
        .render(area, buf);
}
