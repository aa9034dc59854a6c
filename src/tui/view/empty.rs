//! The first-run screen: where interlog is looking, and how to get records there.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use crate::tui::app::App;
use crate::tui::untrusted;

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
    let dir = untrusted::line(&app.dir.display().to_string()).into_owned();
    let missing = if app.load.dir_exists { "" } else { "  (does not exist yet: it is picked up when created)" };
    // The hints are meant to be copied and to work as shown: they write to this directory
    // (quoted for a shell), and curl's --json sends the Content-Type the API requires.
    let dir_arg = shell_quote(&dir);
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
        Line::styled(format!("   export INTERLOG_DIR={dir_arg}"), code),
        Line::styled("   echo '{\"prompt\":\"hi\",\"response\":\"hello\"}' | interlog record", code),
        Line::raw(""),
        Line::styled("3. Over HTTP (in that shell):", theme.bold()),
        Line::styled("   interlog serve   and then", code),
        Line::styled("   curl --json '{\"prompt\":\"hi\"}' localhost:8377/interactions", code),
        Line::raw(""),
        Line::styled("Want a tour first? Run `interlog demo`.  q quits.", theme.dim()),
    ];
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(Block::bordered().title(" interlog ").border_style(theme.border(true)))
        .render(area, buf);
}

/// `text` as one shell word: bare when it is plainly safe, else in single quotes.
fn shell_quote(text: &str) -> String {
    let plain = !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+:@%=,".contains(c));
    if plain {
        return text.to_owned();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn directories_are_quoted_for_a_shell() {
        assert_eq!(shell_quote("/home/sam/.config/interlog/interactions"), "/home/sam/.config/interlog/interactions");
        assert_eq!(shell_quote("/tmp/my logs"), "'/tmp/my logs'");
        assert_eq!(shell_quote("/tmp/it's"), r"'/tmp/it'\''s'");
    }
}
