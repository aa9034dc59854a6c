//! The daily file name pattern `interactions-YYYY-MM-DD.jsonl` (docs/format.md §1).

use chrono::NaiveDate;

const PREFIX: &str = "interactions-";
const SUFFIX: &str = ".jsonl";

pub fn daily_file_name(date: NaiveDate) -> String {
    format!("{PREFIX}{}{SUFFIX}", date.format("%Y-%m-%d"))
}

/// The day a file name stands for, when it follows the pattern exactly.
pub fn daily_file_date(name: &str) -> Option<NaiveDate> {
    let middle = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let well_formed = middle.len() == 10
        && middle.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if !well_formed {
        return None;
    }
    NaiveDate::parse_from_str(middle, "%Y-%m-%d").ok()
}

pub fn is_daily_file_name(name: &str) -> bool {
    daily_file_date(name).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_pattern_is_a_daily_file() {
        assert_eq!(daily_file_date("interactions-2026-11-21.jsonl"), NaiveDate::from_ymd_opt(2026, 11, 21));
        for other in [
            "interactions-2026-11-21.jsonl.bak",
            "interactions-2026-1-21.jsonl",
            "interactions-2026-02-30.jsonl",
            "xinteractions-2026-11-21.jsonl",
            "interactions-+026-11-21.jsonl",
            "notes.txt",
        ] {
            assert_eq!(daily_file_date(other), None, "{other}");
        }
        assert_eq!(daily_file_name(NaiveDate::from_ymd_opt(2026, 1, 2).unwrap()), "interactions-2026-01-02.jsonl");
    }
}
