//! Time arguments (`--since`, `--until`, `since=`, `until=`): RFC 3339, a date, or a span back from now.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};

use crate::record::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read {text:?} as a time: use RFC 3339 (2026-11-21T14:00:00Z), a date (2026-11-21, midnight UTC), a UTC date and time (2026-11-21T14:00) or a span back from now (30m, 2h, 7d)")]
pub struct TimeArgError {
    pub text: String,
}

/// Reads `text` as an instant; spans count back from `now`.
pub fn parse_time_arg(text: &str, now: DateTime<Utc>) -> Result<Timestamp, TimeArgError> {
    let trimmed = text.trim();
    let error = || TimeArgError { text: text.to_owned() };
    if let Some(at) = Timestamp::parse(trimmed) {
        return Ok(at);
    }
    if let Ok(date) = NaiveDate::parse_from_str(trimmed, "%Y-%m-%d") {
        let midnight = date.and_hms_opt(0, 0, 0).ok_or_else(error)?;
        return Ok(Timestamp::from(midnight.and_utc()));
    }
    // A date and time without an offset, like a date alone, is UTC.
    for form in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(trimmed, form) {
            return Ok(Timestamp::from(at.and_utc()));
        }
    }
    let span = parse_span(trimmed).ok_or_else(error)?;
    now.checked_sub_signed(span).map(Timestamp::from).ok_or_else(error)
}

fn parse_span(text: &str) -> Option<Duration> {
    let unit_at = text.len().checked_sub(1)?;
    if !text.is_char_boundary(unit_at) {
        return None;
    }
    let (digits, unit) = text.split_at(unit_at);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let count: i64 = digits.parse().ok()?;
    // Only the units docs/format.md names.
    match unit {
        "m" => Duration::try_minutes(count),
        "h" => Duration::try_hours(count),
        "d" => Duration::try_days(count),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z").unwrap().with_timezone(&Utc)
    }

    #[test]
    fn every_form_reads() {
        let at = |s: &str| Timestamp::from(parse_time_arg(s, now()).unwrap().as_utc()).to_rfc3339();
        assert_eq!(at("2026-11-21T13:00:00+01:00"), "2026-11-21T12:00:00.000Z");
        assert_eq!(at("2026-11-20"), "2026-11-20T00:00:00.000Z");
        assert_eq!(at("30m"), "2026-11-21T11:30:00.000Z");
        assert_eq!(at("2h"), "2026-11-21T10:00:00.000Z");
        assert_eq!(at("7d"), "2026-11-14T12:00:00.000Z");
        assert_eq!(at("2026-11-21T10:00"), "2026-11-21T10:00:00.000Z");
        assert_eq!(at("2026-11-21 10:00:30"), "2026-11-21T10:00:30.000Z");
    }

    #[test]
    fn anything_else_is_refused_with_the_text() {
        for bad in ["yesterday-ish", "", "7", "d", "-7d", "-2h", "7x", "1.5h", "2026-11-32", "10s", "2w"] {
            let err = parse_time_arg(bad, now()).unwrap_err();
            assert_eq!(err.text, bad);
        }
    }
}
