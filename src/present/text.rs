//! Text rules every renderer shares: display widths, cutting to a width, JSON for reading, a
//! turn's prompt and a session's running totals.

use unicode_width::UnicodeWidthChar;

use crate::record::{InteractionRecord, Role};
use crate::sanitize::sanitize_line;

/// The marker for text that was cut.
pub const ELLIPSIS: char = '…';

/// Columns a string takes on a terminal. Callers pass sanitised text (no control characters).
pub fn display_width(text: &str) -> usize {
    // Most cells are ASCII: one column a byte.
    if text.is_ascii() {
        return text.len();
    }
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
    if text.is_ascii() {
        return format!("{}{ELLIPSIS}", &text[..budget]);
    }
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

/// The first `max_width` columns of record text, sanitised to one line, with `…` when cut: a
/// table cell, a title.
pub fn fit(text: &str, max_width: usize) -> String {
    cut_to_width(&sanitize_line(text), max_width)
}

/// Byte ranges of a line of text that are shown emphasised (a search's matches), in order.
pub type Marks = Vec<(usize, usize)>;

/// Record text with marks, made safe to show a piece at a time so that the marks still point at
/// what they marked (an escape is longer than the character it stands for).
pub fn safe_marked(text: &str, marks: &[(usize, usize)]) -> (String, Marks) {
    let (mut out, mut safe_marks, mut at) = (String::new(), Vec::new(), 0);
    for &(from, to) in marks {
        let (from, to) = (from.max(at), to.min(text.len()));
        if from >= to || !text.is_char_boundary(from) || !text.is_char_boundary(to) {
            continue;
        }
        out.push_str(&sanitize_line(&text[at..from]));
        let start = out.len();
        out.push_str(&sanitize_line(&text[from..to]));
        safe_marks.push((start, out.len()));
        at = to;
    }
    out.push_str(&sanitize_line(&text[at..]));
    (out, safe_marks)
}

/// Safe marked text started closer to its first mark when that mark would not show whole in
/// `width` columns: after `…`, a quarter of the width of what came before it. A snippet starts
/// some words before its match, and a narrow column would otherwise show only those words.
pub fn show_first_mark(text: &str, marks: &[(usize, usize)], width: usize) -> (String, Marks) {
    let unchanged = || (text.to_owned(), marks.to_vec());
    let Some(&(first, end)) = marks.first() else { return unchanged() };
    if first > end || !text.is_char_boundary(first) || !text.is_char_boundary(end) {
        return unchanged();
    }
    // A cut keeps `width - 1` columns and the ellipsis.
    if display_width(&text[..end]) < width {
        return unchanged();
    }
    let context = (width / 4).saturating_sub(1);
    let mut start = first;
    let mut used = 0;
    for (at, c) in text[..first].char_indices().rev() {
        used += char_width(c);
        if used > context {
            break;
        }
        start = at;
    }
    // Not from the middle of a word, when a word boundary is at hand.
    if !text[..start].ends_with(' ') {
        if let Some(space) = text[start..first].find(' ') {
            start += space + 1;
        }
    }
    // The text's own leading `…` (a snippet's) is not repeated.
    let tail = text[start..].trim_start_matches(ELLIPSIS);
    let skipped = text.len() - tail.len();
    if text[..skipped].trim_start_matches(ELLIPSIS).is_empty() {
        return unchanged();
    }
    let lead = ELLIPSIS.len_utf8();
    let moved = marks
        .iter()
        .filter(|&&(_, to)| to > skipped)
        .map(|&(from, to)| (lead + from.max(skipped) - skipped, lead + to - skipped))
        .collect();
    (format!("{ELLIPSIS}{tail}"), moved)
}

/// A JSON value for reading: pretty-printed, except that a value that is just a string is shown
/// as itself. Callers sanitise the result before it reaches a terminal.
pub fn pretty_json(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_else(|_| other.to_string()),
    }
}

/// What the user said this turn: the prompt, or else the last user message's text. Text that is
/// only white space counts as nothing said.
pub fn turn_prompt(record: &InteractionRecord) -> Option<String> {
    let said = |text: &str| !text.trim().is_empty();
    if let Some(prompt) = record.prompt.as_deref().filter(|p| said(p)) {
        return Some(prompt.to_owned());
    }
    record.messages.iter().rev().find(|m| m.role == Role::User).map(|m| m.plain_text()).filter(|t| said(t))
}

/// Token and time totals over a session's turns. Counts come from untrusted records, so the sums
/// saturate instead of overflowing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunningTotals {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub duration_ms: u64,
    /// Some turn reported a token count: without one the token sums are unknown, not zero.
    pub has_usage: bool,
}

impl RunningTotals {
    pub fn add(&mut self, record: &InteractionRecord) {
        self.has_usage |= record.has_usage();
        let (input, output) = record.tokens();
        self.input_tokens = self.input_tokens.saturating_add(input);
        self.output_tokens = self.output_tokens.saturating_add(output);
        self.duration_ms = self.duration_ms.saturating_add(record.duration_ms.unwrap_or(0));
    }

    pub fn of<'a>(records: impl IntoIterator<Item = &'a InteractionRecord>) -> RunningTotals {
        let mut totals = RunningTotals::default();
        for record in records {
            totals.add(record);
        }
        totals
    }
}

/// `1 turn`, `2 turns`: a count with its noun, plural with an `s` unless the count is one.
pub fn counted(count: usize, noun: &str) -> String {
    format!("{count} {noun}{}", if count == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked<'a>(text: &'a str, marks: &[(usize, usize)]) -> Vec<&'a str> {
        marks.iter().map(|&(from, to)| &text[from..to]).collect()
    }

    #[test]
    fn marks_follow_their_text_through_the_escapes() {
        let text = "a\u{1b}[31m deadlock \u{200b}b";
        let at = text.find("deadlock").unwrap();
        let (safe, marks) = safe_marked(text, &[(at, at + 8)]);
        assert!(!safe.contains('\u{1b}') && !safe.contains('\u{200b}'), "{safe:?}");
        assert_eq!(marked(&safe, &marks), ["deadlock"]);
    }

    #[test]
    fn a_match_past_the_column_is_brought_into_it() {
        let text = "…the words before the match take up the whole column and then deadlock, then more";
        let at = text.find("deadlock").unwrap();
        let (shown, marks) = show_first_mark(text, &[(at, at + 8)], 30);
        assert!(shown.starts_with('…') && !shown.starts_with("……"), "{shown}");
        assert_eq!(marked(&shown, &marks), ["deadlock"]);
        let before = display_width(&shown[..marks[0].0]);
        assert!(before <= 7, "a quarter of the column before it: {shown}");
        assert!(display_width(&shown[..marks[0].1]) < 30, "it shows whole: {shown}");
    }

    #[test]
    fn a_match_that_shows_already_is_left_where_it_is() {
        let text = "deadlock at the start, and a long tail after it that the column cuts";
        let (shown, marks) = show_first_mark(text, &[(0, 8)], 20);
        assert_eq!((shown.as_str(), marks), (text, vec![(0, 8)]));
        let (none, _) = show_first_mark(text, &[], 5);
        assert_eq!(none, text);
    }

    #[test]
    fn one_is_singular() {
        assert_eq!(counted(1, "turn"), "1 turn");
        assert_eq!(counted(0, "turn"), "0 turns");
        assert_eq!(counted(2, "turn"), "2 turns");
    }

    fn record(json: &str) -> InteractionRecord {
        InteractionRecord::from_json(json).unwrap()
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
        assert_eq!(fit("x\ny", 10), "x\\ny");
        assert_eq!(fit("abcdef", 4), "abc…");
    }

    #[test]
    fn totals_saturate_instead_of_overflowing() {
        let turns = [
            record(
                r#"{"id":"a","timestamp":"2026-11-20T10:00:00Z","usage":{"input_tokens":18446744073709551615,"output_tokens":1},"duration_ms":18446744073709551615}"#,
            ),
            record(
                r#"{"id":"b","timestamp":"2026-11-20T10:01:00Z","usage":{"input_tokens":5,"output_tokens":2},"duration_ms":5}"#,
            ),
        ];
        let totals = RunningTotals::of(&turns);
        assert_eq!(
            totals,
            RunningTotals { input_tokens: u64::MAX, output_tokens: 3, duration_ms: u64::MAX, has_usage: true }
        );
    }

    #[test]
    fn a_blank_prompt_falls_back_to_the_last_user_message() {
        let blank = record(
            r#"{"id":"a","timestamp":"2026-11-20T10:00:00Z","prompt":"  \n ","messages":[{"role":"user","content":"asked"}]}"#,
        );
        assert_eq!(turn_prompt(&blank).as_deref(), Some("asked"));
        let nothing = record(
            r#"{"id":"b","timestamp":"2026-11-20T10:00:00Z","prompt":" ","messages":[{"role":"user","content":" \n"}]}"#,
        );
        assert_eq!(turn_prompt(&nothing), None);
    }

    #[test]
    fn a_string_value_reads_as_itself() {
        assert_eq!(pretty_json(&serde_json::json!("a \"b\"")), "a \"b\"");
        assert_eq!(pretty_json(&serde_json::json!({"k": 1})), "{\n  \"k\": 1\n}");
    }
}
