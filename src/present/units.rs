//! Short human forms of counts and durations, one definition for every front end.

use crate::record::InteractionRecord;

/// `950`, `9999`, `12.3k`, `4.5M`, `18446744073.7G`: short enough for a table cell, exact below ten thousand.
pub fn tokens(count: u64) -> String {
    match count {
        0..=9_999 => count.to_string(),
        10_000..=999_999 => format!("{:.1}k", count as f64 / 1_000.0),
        1_000_000..=999_999_999 => format!("{:.1}M", count as f64 / 1_000_000.0),
        _ => format!("{:.1}G", count as f64 / 1_000_000_000.0),
    }
}

/// [`tokens`], marked `~` when the count is known to be approximate (`usage_approximate`).
pub fn tokens_marked(count: u64, approximate: bool) -> String {
    if approximate {
        format!("~{}", tokens(count))
    } else {
        tokens(count)
    }
}

/// `12.5k in / 512 out`, marked `~` when approximate; `None` when the record reports no token
/// count. Absent usage is left out (or shown as `–` in a table), never as `0 in / 0 out`.
pub fn usage_of(record: &InteractionRecord) -> Option<String> {
    if !record.has_usage() {
        return None;
    }
    let (input, output) = record.tokens();
    Some(in_out(input, output, record.usage_approximate))
}

/// `12.5k in / 512 out`, marked `~` when approximate.
pub fn in_out(input: u64, output: u64, approximate: bool) -> String {
    format!("{} in / {} out", tokens_marked(input, approximate), tokens_marked(output, approximate))
}

/// `512 B`, `12.3 KB`, `4.9 MB`, `1.2 GB` (powers of 1000).
pub fn bytes(count: u64) -> String {
    match count {
        0..=999 => format!("{count} B"),
        1_000..=999_999 => format!("{:.1} KB", count as f64 / 1e3),
        1_000_000..=999_999_999 => format!("{:.1} MB", count as f64 / 1e6),
        _ => format!("{:.1} GB", count as f64 / 1e9),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_counts_are_exact_then_compact() {
        assert_eq!(tokens(0), "0");
        assert_eq!(tokens(9_999), "9999");
        assert_eq!(tokens(12_345), "12.3k");
        assert_eq!(tokens(4_500_000), "4.5M");
        assert_eq!(tokens(4_294_967_295), "4.3G");
    }

    #[test]
    fn approximate_counts_are_marked() {
        assert_eq!(tokens_marked(12_345, true), "~12.3k");
        assert_eq!(tokens_marked(12, false), "12");
    }

    #[test]
    fn absent_usage_is_absent_not_zero() {
        let none = InteractionRecord::from_json(r#"{"id":"a","timestamp":"2026-11-20T10:00:00Z","usage":{}}"#).unwrap();
        assert_eq!(usage_of(&none), None);
        let some = InteractionRecord::from_json(
            r#"{"id":"a","timestamp":"2026-11-20T10:00:00Z","usage":{"input_tokens":12345}}"#,
        )
        .unwrap();
        assert_eq!(usage_of(&some).as_deref(), Some("12.3k in / 0 out"));
    }

    #[test]
    fn byte_sizes_are_short() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(5_000_000), "5.0 MB");
    }

    #[test]
    fn durations_pick_a_readable_unit() {
        assert_eq!(duration(850), "850ms");
        assert_eq!(duration(1_234), "1.2s");
        assert_eq!(duration(125_000), "2m05s");
        assert_eq!(duration(3_720_000), "1h02m");
    }
}
