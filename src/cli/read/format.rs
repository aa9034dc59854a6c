//! Small formatting rules shared by every human view: times, token counts, durations, and
//! cutting text to a display width.

use chrono::{DateTime, Local, NaiveDate, TimeZone};
use unicode_width::UnicodeWidthChar;

use crate::record::Timestamp;

/// The marker for text that was cut.
pub const ELLIPSIS: char = '…';

/// When the views are rendered: times of this local day are shown without their date.
#[derive(Clone, Copy, Debug)]
pub struct Today(pub NaiveDate);

impl Today {
    pub fn now() -> Self {
        Today(Local::now().date_naive())
    }
}

pub fn local(at: &Timestamp) -> DateTime<Local> {
    Local.from_utc_datetime(&at.as_utc().naive_utc())
}

/// `14:03:07` today, `2026-11-20 14:03` on any other day (local time): narrow table cells.
pub fn short_time(at: &Timestamp, today: Today) -> String {
    let local = local(at);
    if local.date_naive() == today.0 {
        local.format("%H:%M:%S").to_string()
    } else {
        local.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// Always with the date and the UTC offset: for detail views and transcripts that may be shared.
pub fn full_time(at: &Timestamp) -> String {
    local(at).format("%Y-%m-%d %H:%M:%S %:z").to_string()
}

/// `950`, `12.3k`, `4.5M`: short enough for a table cell, exact below ten thousand.
pub fn tokens(count: u64) -> String {
    match count {
        0..=9_999 => count.to_string(),
        10_000..=999_999 => format!("{:.1}k", count as f64 / 1_000.0),
        _ => format!("{:.1}M", count as f64 / 1_000_000.0),
    }
}

/// `850ms`, `1.2s`, `2m05s`, `1h02m`.
pub fn duration(millis: u64) -> String {
    let seconds = millis / 1_000;
    match millis {
        0..=999 => format!("{millis}ms"),
        1_000..=59_999 => format!("{:.1}s", millis as f64 / 1_000.0),
        60_000..=3_599_999 => format!("{}m{:02}s", seconds / 60, seconds % 60),
        _ => format!("{}h{:02}m", seconds / 3_600, (seconds % 3_600) / 60),
    }
}

/// Columns a string takes on a terminal. Callers pass sanitised text (no control characters).
pub fn display_width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    UnicodeWidthChar::width(c).unwrap_or(0)
}

/// `text` cut to at most `width` columns, ending in `…` when something was cut. A wide
/// character never straddles the edge.
pub fn cut_to_width(text: &str, width: usize) -> String {
    if display_width(text) <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let budget = width - 1;
    let mut used = 0;
    let mut out = String::with_capacity(text.len().min(width * 4));
    for c in text.chars() {
        let w = char_width(c);
        if used + w > budget {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push(ELLIPSIS);
    out
}

/// `text` padded with spaces to `width` columns (it must already fit).
pub fn pad_right(text: &str, width: usize) -> String {
    let fill = width.saturating_sub(display_width(text));
    format!("{text}{}", " ".repeat(fill))
}

pub fn pad_left(text: &str, width: usize) -> String {
    let fill = width.saturating_sub(display_width(text));
    format!("{}{text}", " ".repeat(fill))
}

/// The first `n` characters of a session id: enough to tell sessions apart in a table.
pub fn short_id(id: &str, n: usize) -> String {
    id.chars().take(n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_counts_are_exact_then_compact() {
        assert_eq!(tokens(0), "0");
        assert_eq!(tokens(9_999), "9999");
        assert_eq!(tokens(12_345), "12.3k");
        assert_eq!(tokens(4_500_000), "4.5M");
    }

    #[test]
    fn durations_pick_a_readable_unit() {
        assert_eq!(duration(850), "850ms");
        assert_eq!(duration(1_234), "1.2s");
        assert_eq!(duration(125_000), "2m05s");
        assert_eq!(duration(3_720_000), "1h02m");
    }

    #[test]
    fn wide_characters_count_twice_and_never_straddle_the_cut() {
        assert_eq!(display_width("日本語"), 6);
        assert_eq!(display_width("🙂a"), 3);
        assert_eq!(cut_to_width("日本語です", 6), "日本…");
        assert_eq!(display_width(&cut_to_width("日本語です", 6)), 5);
        assert_eq!(cut_to_width("abcdef", 4), "abc…");
        assert_eq!(cut_to_width("abc", 3), "abc");
        assert_eq!(cut_to_width("abc", 0), "");
    }

    #[test]
    fn padding_counts_columns_not_bytes() {
        assert_eq!(pad_right("日本", 6), "日本  ");
        assert_eq!(pad_left("é", 3), "  é");
    }

    #[test]
    fn today_drops_the_date() {
        let at = Timestamp::parse("2026-11-21T14:03:07Z").unwrap();
        let day = local(&at).date_naive();
        assert_eq!(short_time(&at, Today(day)).len(), 8);
        let other = Today(day.succ_opt().unwrap());
        assert_eq!(short_time(&at, other).len(), 16);
    }
}
