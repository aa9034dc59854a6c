//! `conversation`: a session's turns, oldest first, as a terminal transcript. Also the facts
//! both transcript forms (terminal and Markdown) share.

use crate::record::{InteractionRecord, Timestamp, ToolCallRecord};
use crate::textfmt::{turn_prompt, RunningTotals};

use super::doc::Doc;
use super::format::{cut_to_width, duration, full_time, short_time, tokens, Today};
use super::terminal::{Style, Terminal};

/// A session's totals, taken from its records.
pub struct SessionFacts<'a> {
    pub session_id: &'a str,
    pub project: Option<&'a str>,
    pub client: Option<&'a str>,
    pub turns: usize,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

impl<'a> SessionFacts<'a> {
    /// Project and client are the first ones any turn names.
    pub fn from_turns(session_id: &'a str, turns: &'a [InteractionRecord]) -> Self {
        let totals = RunningTotals::of(turns);
        let first_named = |field: fn(&'a InteractionRecord) -> Option<&'a str>| turns.iter().find_map(field);
        SessionFacts {
            session_id,
            project: first_named(|r| r.project.as_deref()),
            client: first_named(|r| r.client.as_deref()),
            turns: turns.len(),
            first: turns.iter().map(|r| r.timestamp).min(),
            last: turns.iter().map(|r| r.timestamp).max(),
            input_tokens: totals.input_tokens,
            output_tokens: totals.output_tokens,
        }
    }
}

/// `model · 10 in / 5 out · 1.2s`: the facts of a turn after its time.
pub fn turn_facts(record: &InteractionRecord) -> Vec<String> {
    let mut facts = Vec::new();
    if let Some(model) = &record.model {
        facts.push(model.clone());
    }
    if record.usage.is_some() {
        let (input, output) = record.tokens();
        facts.push(format!("{} in / {} out", tokens(input), tokens(output)));
    }
    if let Some(ms) = record.duration_ms {
        facts.push(duration(ms));
    }
    facts
}

pub fn render_transcript(
    facts: &SessionFacts<'_>,
    turns: &[InteractionRecord],
    terminal: &Terminal,
    today: Today,
) -> String {
    let mut doc = Doc::new(terminal);
    doc.line(0, &session_line(facts, today), Style::Bold);
    for (index, record) in turns.iter().enumerate() {
        turn(&mut doc, index + 1, record, terminal, today);
    }
    doc.finish()
}

fn session_line(facts: &SessionFacts<'_>, today: Today) -> String {
    let mut parts = vec![format!("Session {}", facts.session_id)];
    parts.extend(facts.project.map(str::to_owned));
    parts.extend(facts.client.map(str::to_owned));
    parts.push(crate::textfmt::counted(facts.turns, "turn"));
    if let (Some(first), Some(last)) = (facts.first, facts.last) {
        parts.push(format!("{} → {}", short_time(&first, today), short_time(&last, today)));
    }
    parts.push(format!("{} in / {} out", tokens(facts.input_tokens), tokens(facts.output_tokens)));
    parts.join(" · ")
}

fn turn(doc: &mut Doc<'_>, number: usize, record: &InteractionRecord, terminal: &Terminal, today: Today) {
    let mut title = vec![format!("Turn {number}"), short_time(&record.timestamp, today)];
    title.extend(turn_facts(record));
    title.push(record.id.clone());
    doc.heading(&title.join(" · "));
    match turn_prompt(record) {
        Some(prompt) => {
            doc.line(0, "user", Style::Accent);
            doc.block(2, &prompt);
        }
        None => doc.note(0, "(no prompt)"),
    }
    let response = record.response.as_deref().or(record.response_summary.as_deref()).filter(|r| !r.is_empty());
    if let Some(response) = response {
        doc.line(0, "assistant", Style::Accent);
        doc.block(2, response);
    }
    for call in &record.tool_calls {
        tool_call(doc, call, terminal);
    }
    if let Some(error) = &record.error {
        doc.line(0, "error", Style::Bad);
        doc.block(2, error);
    }
    if response.is_none() && record.tool_calls.is_empty() && record.error.is_none() {
        doc.note(0, "(no response)");
    }
}

/// `tool read ✓ {"path":"a.rs"}` on one line (arguments cut to the width), the result under it.
fn tool_call(doc: &mut Doc<'_>, call: &ToolCallRecord, terminal: &Terminal) {
    let status = match call.success {
        Some(true) => " ✓",
        Some(false) => " ✗",
        None => "",
    };
    let arguments = call.arguments.as_ref().map(|a| a.to_string()).unwrap_or_default();
    let line = format!("tool {}{status} {arguments}", call.name);
    let style = if call.success == Some(false) { Style::Bad } else { Style::Bold };
    doc.line(0, &cut_to_width(&crate::sanitize::sanitize_line(&line), terminal.width), style);
    if let Some(result) = call.result.as_deref().filter(|r| !r.is_empty()) {
        doc.block(2, result);
        if call.result_truncated {
            doc.note(2, "(result cut by the writer)");
        }
    }
}

/// The time of a turn for documents read later, elsewhere: with date and offset.
pub fn turn_time(record: &InteractionRecord) -> String {
    full_time(&record.timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turns() -> Vec<InteractionRecord> {
        [
            r#"{"id":"a","timestamp":"2026-11-20T10:00:00Z","session_id":"s","project":"p","model":"m",
               "usage":{"input_tokens":10,"output_tokens":4},"duration_ms":900,"prompt":"first\u0007 question",
               "response":"first answer"}"#,
            r#"{"id":"b","timestamp":"2026-11-20T10:05:00Z","session_id":"s","client":"c",
               "messages":[{"role":"user","content":"from messages"}],
               "tool_calls":[{"name":"grep","arguments":{"q":"x"},"success":false,"result":"no match"}],
               "error":"boom"}"#,
        ]
        .iter()
        .map(|line| InteractionRecord::from_json(&line.replace('\n', "")).unwrap())
        .collect()
    }

    #[test]
    fn transcript_shows_each_turn_in_order() {
        let turns = turns();
        let facts = SessionFacts::from_turns("s", &turns);
        let today = Today(chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap());
        let out = render_transcript(&facts, &turns, &Terminal::plain(100), today);
        let first = out.find("Turn 1").unwrap();
        let second = out.find("Turn 2").unwrap();
        assert!(first < second);
        assert!(out.starts_with("Session s · p · c · 2 turns · "), "{out}");
        assert!(out.contains("10 in / 4 out"), "{out}");
        assert!(out.contains("first\\x07 question"), "{out}");
        assert!(out.contains("assistant\n  first answer"), "{out}");
        assert!(out.contains("user\n  from messages"), "{out}");
        assert!(out.contains("tool grep ✗ {\"q\":\"x\"}\n  no match"), "{out}");
        assert!(out.contains("error\n  boom"), "{out}");
        assert!(!out.contains('\x07'));
    }

    #[test]
    fn huge_token_counts_saturate_instead_of_panicking() {
        let turns: Vec<InteractionRecord> = [18446744073709551615u64, 5]
            .iter()
            .enumerate()
            .map(|(n, input)| {
                let line = format!(
                    r#"{{"id":"t{n}","timestamp":"2026-11-20T10:00:0{n}Z","session_id":"s","usage":{{"input_tokens":{input},"output_tokens":1}}}}"#
                );
                InteractionRecord::from_json(&line).unwrap()
            })
            .collect();
        let facts = SessionFacts::from_turns("s", &turns);
        assert_eq!((facts.input_tokens, facts.output_tokens), (u64::MAX, 2));
    }

    #[test]
    fn a_blank_prompt_is_no_prompt() {
        let turns = vec![InteractionRecord::from_json(
            r#"{"id":"a","timestamp":"2026-11-20T10:00:00Z","session_id":"s","prompt":" ","messages":[{"role":"user","content":"  \n "}]}"#,
        )
        .unwrap()];
        let facts = SessionFacts::from_turns("s", &turns);
        let today = Today(chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap());
        let out = render_transcript(&facts, &turns, &Terminal::plain(100), today);
        assert!(out.contains("(no prompt)"), "{out}");
    }
}
