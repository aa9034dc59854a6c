//! The detail pane: tabs over the selected record.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Gauge, Paragraph, Tabs, Widget, Wrap};

use super::layout;
use crate::present::record::RoutingView;
use crate::present::screen;
use crate::present::text::fit;
use crate::tui::app::{App, Focus};
use crate::tui::detail::Tab;
use crate::tui::untrusted;

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let focused = app.focus == Focus::Detail;
    let data = app.detail.data.as_ref().filter(|data| Some(data.entry) == app.detail.entry);
    let title = match data {
        Some(data) => format!(" Detail {} ", fit(&data.record.id, 40)),
        None => " Detail ".to_owned(),
    };
    Block::bordered().title(title).border_style(theme.border(focused)).render(area, buf);
    let inside = layout::inner(area);
    let tab = app.detail.tab();
    Tabs::new(Tab::ALL.iter().map(|tab| tab.title()))
        .select(tab.index())
        .style(theme.dim())
        .highlight_style(theme.title().patch(theme.selected()))
        .render(Rect::new(inside.x, inside.y, inside.width, 1), buf);
    let text = layout::detail_text(area);
    let Some(data) = data.or(app.detail.data.as_ref()) else {
        let message = match (&app.detail.error, app.detail.entry) {
            (Some(error), _) => format!("Cannot show this record: {error}"),
            (None, Some(_)) => "Loading…".to_owned(),
            (None, None) => "No record selected.".to_owned(),
        };
        Paragraph::new(untrusted::line(&message).into_owned()).style(theme.dim()).render(text, buf);
        return;
    };
    match data.doc(tab) {
        Some(shown) if app.detail.layout.fits(shown, text.width, &app.detail.layout.hidden) => screen::render(
            shown,
            &app.detail.layout,
            app.detail.scroll[tab.index()],
            &|tone| theme.tone(tone),
            text,
            buf,
        ),
        Some(_) => Paragraph::new("Laying out…").style(theme.dim()).render(text, buf),
        None => routing(app, data.routing.as_ref(), text, buf),
    }
}

fn routing(app: &App, routing: Option<&RoutingView>, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let Some(routing) = routing else {
        Paragraph::new("This record has no routing decision.").style(theme.dim()).render(area, buf);
        return;
    };
    let mut y = area.y;
    let bottom = area.y + area.height;
    let label = |buf: &mut Buffer, y: u16, text: &str| {
        buf.set_stringn(area.x, y, text, 12, theme.tone(crate::present::doc::Tone::Key))
    };
    label(buf, y, "profile");
    buf.set_stringn(area.x + 12, y, &routing.profile, usize::from(area.width.saturating_sub(12)), theme.bold());
    y += 1;
    if y < bottom {
        label(buf, y, "confidence");
        let gauge_width = area.width.saturating_sub(12).min(40);
        match routing.confidence {
            Some(confidence) => {
                let ratio = if confidence.is_finite() { confidence.clamp(0.0, 1.0) } else { 0.0 };
                Gauge::default()
                    .ratio(ratio)
                    .label(format!("{:.0}%", ratio * 100.0))
                    .gauge_style(theme.gauge())
                    .use_unicode(true)
                    .render(Rect::new(area.x + 12, y, gauge_width, 1), buf);
            }
            None => {
                buf.set_stringn(area.x + 12, y, "—", 1, theme.dim());
            }
        }
        y += 1;
    }
    if y < bottom && !routing.reason.is_empty() {
        label(buf, y, "reason");
        let reason = routing.reason.clone();
        let lines = reason.chars().count() / usize::from(area.width.saturating_sub(12).max(1)) + 1;
        let height = (lines as u16).min(bottom - y).min(4);
        Paragraph::new(reason)
            .wrap(Wrap { trim: false })
            .render(Rect::new(area.x + 12, y, area.width.saturating_sub(12), height), buf);
        y += height;
    }
    y += 1;
    if y >= bottom {
        return;
    }
    buf.set_stringn(area.x, y, "features", usize::from(area.width), theme.title());
    y += 1;
    if routing.features.is_empty() && y < bottom {
        buf.set_stringn(area.x + 2, y, "(none)", 6, theme.dim());
    }
    let key_width = routing.features.iter().map(|(key, _)| key.chars().count()).max().unwrap_or(0).min(30) as u16;
    for (key, value) in &routing.features {
        if y >= bottom {
            break;
        }
        Line::from(fit(key, usize::from(key_width)))
            .style(theme.tone(crate::present::doc::Tone::Key))
            .render(Rect::new(area.x + 2, y, key_width, 1), buf);
        let value_x = area.x + 4 + key_width;
        let room = usize::from((area.x + area.width).saturating_sub(value_x));
        buf.set_stringn(value_x, y, fit(value, room), room, theme.plain());
        y += 1;
    }
}
