//! Small formatting rules shared by every human view: times, token counts, durations, and
//! cutting text to a display width.

use chrono::{DateTime, Datelike, Local, NaiveDate, TimeZone, Timelike};

use crate::record::Timestamp;

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
    // Written out by hand: strftime patterns are parsed on every call, and a full listing
    // formats a million of these.
    let local = local(at);
    let (date, time) = (local.date_naive(), local.time());
    if date == today.0 {
        format!("{:02}:{:02}:{:02}", time.hour(), time.minute(), time.second())
    } else {
        format!("{:04}-{:02}-{:02} {:02}:{:02}", date.year(), date.month(), date.day(), time.hour(), time.minute())
    }
}

/// Always with the date and the UTC offset: for detail views and transcripts that may be shared.
pub fn full_time(at: &Timestamp) -> String {
    local(at).format("%Y-%m-%d %H:%M:%S %:z").to_string()
}

pub use crate::units::{duration, tokens};

pub use crate::textfmt::{cut_to_width, display_width};

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
    fn padding_counts_columns_not_bytes() {
        assert_eq!(pad_right("日本", 6), "日本  ");
        assert_eq!(pad_left("é", 3), "  é");
    }

    #[test]
    fn today_drops_the_date() {
        let at = Timestamp::parse("2026-11-21T14:03:07Z").unwrap();
        let local = local(&at);
        let day = local.date_naive();
        assert_eq!(short_time(&at, Today(day)), local.format("%H:%M:%S").to_string());
        let other = Today(day.succ_opt().unwrap());
        assert_eq!(short_time(&at, other), local.format("%Y-%m-%d %H:%M").to_string());
    }
}
