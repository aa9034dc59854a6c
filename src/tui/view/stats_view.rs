//! The statistics view: activity over time as sparklines, and breakdowns as bars.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Block, Paragraph, Sparkline, Widget};

use super::layout;
use crate::present::text::fit;
use crate::present::units::{duration, tokens};
use crate::store::Stats;
use crate::tui::app::{App, StatsView};
use crate::tui::stats_data::{Breakdown, StatsData};
use crate::tui::untrusted;

pub fn render(app: &App, view: &StatsView, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let scope = if app.filters.is_empty() && !app.search.is_active() { "all records" } else { "records in view" };
    Block::bordered().title(format!(" Statistics · {scope} ")).border_style(theme.border(true)).render(area, buf);
    let inside = layout::inner(area);
    let Some(data) = &view.data else {
        Paragraph::new("Counting…").style(theme.dim()).render(inside, buf);
        return;
    };
    let [totals, answers, _, requests_label, requests, tokens_label, tokens_area, context_label, context, _, breakdowns] =
        Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(2),
            Constraint::Length(1),
            Constraint::Length(2),
            Constraint::Length(1),
            Constraint::Length(2),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(inside);
    let summary = format!(
        "{} requests · {} tokens in · {} out · {} errors · {} tool calls",
        data.requests,
        tokens(data.input_tokens),
        tokens(data.output_tokens),
        data.errors,
        data.tool_calls
    );
    buf.set_stringn(totals.x, totals.y, summary, usize::from(totals.width), theme.bold());
    buf.set_stringn(answers.x, answers.y, answers_line(&data.answers), usize::from(answers.width), theme.plain());
    let context_title = match &data.context_session {
        Some(session) => format!("Context per turn · session {}", untrusted::line(session)),
        None => "Context per turn · select a record of a session".to_owned(),
    };
    let last = data.context.last().map(|&t| format!(" (last {})", tokens(t))).unwrap_or_default();
    buf.set_stringn(
        context_label.x,
        context_label.y,
        format!("{context_title}{last}"),
        usize::from(context_label.width),
        theme.title(),
    );
    spark(&data.context, context, theme.accent(), buf);
    let per = data.bucket_label();
    let range = time_range(app, data);
    buf.set_stringn(
        requests_label.x,
        requests_label.y,
        format!("Requests per {per}{range}"),
        usize::from(requests_label.width),
        theme.title(),
    );
    spark(&data.requests_over_time, requests, theme.ok(), buf);
    buf.set_stringn(
        tokens_label.x,
        tokens_label.y,
        format!("Tokens per {per}{range}"),
        usize::from(tokens_label.width),
        theme.title(),
    );
    spark(&data.tokens_over_time, tokens_area, theme.bar(), buf);
    let sessions = data.by_session();
    let columns = Layout::horizontal([Constraint::Ratio(1, 4); 4]).spacing(2).split(breakdowns);
    breakdown(app, "By model", &data.by_model, columns[0], buf);
    breakdown(app, "By session", &sessions, columns[1], buf);
    breakdown(app, "By project", &data.by_project, columns[2], buf);
    breakdown(app, "By client", &data.by_client, columns[3], buf);
}

/// `latency p50 1.2 s · p95 4.8 s · errors 2.0 % · cache hits 74 % of the prompt`.
fn answers_line(stats: &Stats) -> String {
    let ms = |value: Option<u64>| value.map_or("–".to_owned(), duration);
    let percent = |share: Option<f64>| share.map_or("–".to_owned(), |share| format!("{:.1} %", share * 100.0));
    format!(
        "latency p50 {} · p95 {} · errors {} · cache hits {} of the prompt",
        ms(stats.latency_p50_ms),
        ms(stats.latency_p95_ms),
        percent(stats.error_rate()),
        percent(stats.cache_hit_share()),
    )
}

fn time_range(app: &App, data: &StatsData) -> String {
    match data.first {
        Some(first) => {
            let start = first.with_timezone(&app.offset).format("%m-%d %H:%M");
            format!(" (from {start}, newest on the right)")
        }
        None => String::new(),
    }
}

/// The newest buckets that fit, right-aligned so "now" is always at the right edge.
fn spark(values: &[u64], area: Rect, style: ratatui::style::Style, buf: &mut Buffer) {
    let shown = &values[values.len().saturating_sub(usize::from(area.width))..];
    let x = area.x + area.width.saturating_sub(shown.len() as u16);
    Sparkline::default()
        .data(shown.iter().copied())
        .style(style)
        .render(Rect::new(x, area.y, shown.len() as u16, area.height), buf);
}

fn breakdown(app: &App, title: &str, rows: &[Breakdown], area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    if area.height == 0 {
        return;
    }
    buf.set_stringn(area.x, area.y, format!("{title} (tokens · requests)"), usize::from(area.width), theme.title());
    let name_width = 18u16.min(area.width / 3);
    let numbers_width = 12u16;
    let bar_room = area.width.saturating_sub(name_width + numbers_width + 2);
    let max = rows.iter().map(|row| row.tokens.max(1)).max().unwrap_or(1);
    for (n, row) in rows.iter().take(usize::from(area.height.saturating_sub(1))).enumerate() {
        let y = area.y + 1 + n as u16;
        buf.set_stringn(area.x, y, fit(&row.name, usize::from(name_width)), usize::from(name_width), theme.plain());
        let length = ((row.tokens.max(1) as f64 / max as f64) * f64::from(bar_room)).ceil() as usize;
        let bar_x = area.x + name_width + 1;
        buf.set_stringn(bar_x, y, "█".repeat(length), usize::from(bar_room), theme.bar());
        let numbers = format!("{} · {}", tokens(row.tokens), row.requests);
        buf.set_stringn(bar_x + bar_room + 1, y, numbers, usize::from(numbers_width), theme.dim());
    }
}
