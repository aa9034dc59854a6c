//! A session as a document: turn by turn, oldest first, tool calls folded under their turn. The
//! TUI's conversation view, `conversation` and `conversation --markdown` all render this one.

use super::doc::{Doc, Fact, Fold, Tone};
use super::record::{outcome, tool_call_lines};
use super::text::{counted, turn_prompt, RunningTotals};
use super::time::Clock;
use super::units::{duration, in_out, tokens, usage_of};
use crate::record::{ContentBlock, InteractionRecord, MessageContent};

/// The transcript of `records` (oldest first), with per-turn and running totals. A sub-agent's
/// calls (records with an `agent` other than `main`) fold under the turn before them, the one whose
/// tool call started the sub-agent.
pub fn transcript(session: &str, records: &[InteractionRecord], clock: &Clock) -> Doc {
    let mut doc = Doc::new();
    let mut totals = RunningTotals::default();
    let groups = group_sub_agents(records);
    if records.is_empty() {
        doc.title(vec![Fact::literal("Session", session)]);
        doc.note(0, None, &format!("No records in session {session}."));
        return doc;
    }
    doc.title(session_facts(session, records, groups.len(), clock));
    for (n, (record, sub)) in groups.iter().enumerate() {
        totals.add(record);
        if is_true(record, "after_compaction") {
            doc.blank(None);
            doc.label(Tone::System, 0, None, "━━ context compacted: the history before this point was summarised ━━");
        }
        doc.blank(None);
        doc.heading(2, Tone::Heading, &format!("Turn {} · {}", n + 1, clock.full(&record.timestamp)));
        doc.facts(Tone::Dim, 0, None, turn_facts(record, &totals));
        turn_body(&mut doc, record);
        if !sub.is_empty() {
            sub_agent_runs(&mut doc, sub, &mut totals, clock);
        }
    }
    doc
}

/// The session, its project and client (the first any turn names), turns, time span, and tokens
/// (when any turn has them).
fn session_facts(session: &str, records: &[InteractionRecord], turns: usize, clock: &Clock) -> Vec<Fact> {
    let named = |field: fn(&InteractionRecord) -> Option<&str>| records.iter().find_map(field).map(str::to_owned);
    let mut facts = vec![Fact::literal("Session", session)];
    facts.extend(named(|r| r.project.as_deref()).map(|project| Fact::new("project", project)));
    facts.extend(named(|r| r.client.as_deref()).map(|client| Fact::new("client", client)));
    facts.push(Fact::new("turns", counted(turns, "turn")));
    let first = records.iter().map(|r| r.timestamp).min();
    let last = records.iter().map(|r| r.timestamp).max();
    if let (Some(first), Some(last)) = (first, last) {
        facts.push(Fact::new("time", format!("{} → {}", clock.short(&first), clock.short(&last))));
    }
    let totals = RunningTotals::of(records);
    if totals.has_usage {
        let approximate = records.iter().any(|r| r.usage_approximate);
        let (input, output) = (totals.input_tokens, totals.output_tokens);
        facts.push(Fact::new("tokens", in_out(input, output, approximate)));
    }
    facts
}

/// A turn's model, tokens, duration and id, then the session's running totals.
fn turn_facts(record: &InteractionRecord, totals: &RunningTotals) -> Vec<Fact> {
    let mut facts = Vec::new();
    facts.extend(record.model.clone().map(|model| Fact::new("model", model)));
    facts.extend(usage_of(record).map(|usage| Fact::new("tokens", usage)));
    facts.extend(record.duration_ms.map(|ms| Fact::new("duration", duration(ms))));
    facts.push(Fact::literal("id", record.id.clone()));
    facts.push(Fact::new("so far", running(totals)));
    facts
}

/// `Σ 26.4k in / 2902 out · 22.8s`; the tokens only once some turn has reported them.
fn running(totals: &RunningTotals) -> String {
    let time = duration(totals.duration_ms);
    if totals.has_usage {
        format!("Σ {} in / {} out · {time}", tokens(totals.input_tokens), tokens(totals.output_tokens))
    } else {
        format!("Σ {time}")
    }
}

/// Each main-agent record with the sub-agent records that follow it (before the next main one).
fn group_sub_agents(records: &[InteractionRecord]) -> Vec<(&InteractionRecord, Vec<&InteractionRecord>)> {
    let mut groups: Vec<(&InteractionRecord, Vec<&InteractionRecord>)> = Vec::new();
    for record in records {
        let sub_agent = record.agent.as_deref().is_some_and(|a| a != "main");
        match groups.last_mut() {
            Some((_, sub)) if sub_agent => sub.push(record),
            _ => groups.push((record, Vec::new())),
        }
    }
    groups
}

/// A sub-agent's calls: one summary line always shown, the calls themselves folded.
fn sub_agent_runs(doc: &mut Doc, sub: &[&InteractionRecord], totals: &mut RunningTotals, clock: &Clock) {
    let mut agents: Vec<&str> = sub.iter().filter_map(|r| r.agent.as_deref()).collect();
    agents.dedup();
    let spent = RunningTotals::of(sub.iter().copied());
    let approximate = sub.iter().any(|r| r.usage_approximate);
    let usage = if spent.has_usage {
        format!(", {}", in_out(spent.input_tokens, spent.output_tokens, approximate))
    } else {
        String::new()
    };
    let summary = format!("⤷ sub-agent {}: {}{usage}", agents.join(", "), counted(sub.len(), "call"));
    doc.label(Tone::Tool, 2, None, &summary);
    let fold = Some(Fold::SubAgent);
    for (n, record) in sub.iter().enumerate() {
        totals.add(record);
        let agent = record.agent.as_deref().unwrap_or("sub-agent");
        doc.blank(fold);
        doc.label(Tone::Heading, 4, fold, &format!("{agent} call {} · {}", n + 1, clock.full(&record.timestamp)));
        doc.facts(Tone::Dim, 4, fold, turn_facts(record, totals));
        if let Some(prompt) = turn_prompt(record).filter(|_| !is_false(record, "user_turn")) {
            doc.prose(Tone::User, 6, fold, &prompt);
        }
        if let Some(response) = &record.response {
            doc.prose(Tone::Body, 6, fold, response);
        }
        if !record.tool_calls.is_empty() {
            doc.label(Tone::Tool, 6, fold, &format!("⚙ {}", call_marks(record)));
        }
    }
}

fn flag(record: &InteractionRecord, key: &str) -> Option<bool> {
    record.extra.get(key).and_then(serde_json::Value::as_bool)
}

fn is_true(record: &InteractionRecord, key: &str) -> bool {
    flag(record, key) == Some(true)
}

fn is_false(record: &InteractionRecord, key: &str) -> bool {
    flag(record, key) == Some(false)
}

fn turn_body(doc: &mut Doc, record: &InteractionRecord) {
    // A transcript says which calls the user's own words started; the others loop on tool results.
    if is_false(record, "user_turn") {
        doc.label(Tone::Dim, 0, None, "↻ tool loop");
        doc.note(2, None, "continues the turn above with the tool results");
        return answer(doc, record);
    }
    doc.label(Tone::User, 0, None, "▶ user");
    match turn_prompt(record) {
        Some(prompt) => doc.prose(Tone::Body, 2, None, &prompt),
        None => match returned_tool_results(record) {
            0 => doc.note(2, None, "(no prompt)"),
            1 => doc.note(2, None, "↩ the tool result (continues the turn above)"),
            n => doc.note(2, None, &format!("↩ {n} tool results (continue the turn above)")),
        },
    }
    answer(doc, record);
}

fn call_marks(record: &InteractionRecord) -> String {
    record.tool_calls.iter().map(|call| format!("{} {}", call.name, outcome(call).0)).collect::<Vec<_>>().join(", ")
}

fn answer(doc: &mut Doc, record: &InteractionRecord) {
    doc.label(Tone::Assistant, 0, None, "◀ assistant");
    match (&record.response, &record.response_summary) {
        (Some(response), _) => doc.prose(Tone::Body, 2, None, response),
        (None, Some(summary)) => doc.prose(Tone::Dim, 2, None, summary),
        (None, None) => doc.note(2, None, "(no response)"),
    }
    if !record.tool_calls.is_empty() {
        let failed = record.tool_calls.iter().any(|call| call.success == Some(false));
        let tone = if failed { Tone::Error } else { Tone::Tool };
        let calls = counted(record.tool_calls.len(), "tool call");
        doc.label(tone, 2, None, &format!("⚙ {calls}: {}", call_marks(record)));
        for (n, call) in record.tool_calls.iter().enumerate() {
            tool_call_lines(doc, n + 1, call, 4, Some(Fold::ToolDetail));
        }
    }
    if let Some(error) = &record.error {
        doc.label(Tone::Error, 2, None, "✗ error");
        doc.code(Tone::Error, 4, None, error);
    }
}

/// How many tool results the request's last message hands back to the model.
fn returned_tool_results(record: &InteractionRecord) -> usize {
    match record.messages.last().map(|message| &message.content) {
        Some(MessageContent::Blocks(blocks)) => {
            blocks.iter().filter(|block| matches!(block, ContentBlock::ToolResult { .. })).count()
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use chrono::FixedOffset;

    use super::*;

    fn utc() -> Clock {
        let now = chrono::DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z").unwrap().to_utc();
        Clock::fixed(FixedOffset::east_opt(0).unwrap(), now)
    }

    fn records(lines: &[&str]) -> Vec<InteractionRecord> {
        lines.iter().map(|line| InteractionRecord::from_json(&line.replace('\n', "")).unwrap()).collect()
    }

    #[cfg(feature = "store")]
    #[test]
    fn a_claude_code_session_folds_sub_agents_and_marks_compactions_and_tool_loops() {
        use crate::source::{Source, SourceKind};
        use crate::store::Store;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claude-code");
        let store = Store::load_sources(&[Source { kind: SourceKind::ClaudeCode, root }]).unwrap();
        let records: Vec<InteractionRecord> =
            store.conversation("s1").into_iter().map(|e| store.read_record(e).unwrap()).collect();
        let doc = transcript("s1", &records, &utc());
        let folded = doc.plain(&[Fold::ToolDetail, Fold::SubAgent]);
        assert!(folded.starts_with("Session s1 · shop · claude-code · 4 turns"), "{folded}");
        assert!(folded.contains("4 turns"), "{folded}");
        assert!(folded.contains("⤷ sub-agent Explore: 2 calls, ~110 in / ~12 out"), "{folded}");
        assert!(!folded.contains("Explore call 1"), "{folded}");
        assert!(folded.contains("↻ tool loop"), "{folded}");
        assert!(folded.contains("━━ context compacted"), "{folded}");
        assert_eq!(folded.matches("▶ user").count(), 2, "the user's own two prompts: {folded}");
        let open = doc.plain(&[]);
        assert!(open.contains("Explore call 2"), "{open}");
        assert!(open.find("Turn 2").unwrap() < open.find("Explore call 1").unwrap());
        assert!(open.find("Explore call 2").unwrap() < open.find("Turn 3").unwrap());
    }

    #[test]
    fn turns_show_prompt_answer_tools_and_error_in_order() {
        let turns = records(&[
            r#"{"id":"a","timestamp":"2026-11-20T10:00:00Z","session_id":"s","project":"p","model":"m",
               "usage":{"input_tokens":10,"output_tokens":4},"duration_ms":900,"prompt":"first\u0007 question",
               "response":"first answer"}"#,
            r#"{"id":"b","timestamp":"2026-11-20T10:05:00Z","session_id":"s","client":"c",
               "messages":[{"role":"user","content":"from messages"}],
               "tool_calls":[{"name":"grep","arguments":{"q":"x"},"success":false,"result":"no match"}],
               "error":"boom"}"#,
        ]);
        let out = transcript("s", &turns, &utc()).plain(&[]);
        assert!(out.contains("p · c · 2 turns · 2026-11-20 10:00 → 2026-11-20 10:05 · 10 in / 4 out"), "{out}");
        assert!(out.contains("── Turn 1 · 2026-11-20 10:00:00 +00:00 ──\nm · 10 in / 4 out · 900ms · id a"), "{out}");
        assert!(out.find("Turn 1").unwrap() < out.find("Turn 2").unwrap());
        for expected in [
            "▶ user\n  first\\x07 question",
            "◀ assistant\n  first answer",
            "▶ user\n  from messages",
            "  ⚙ 1 tool call: grep ✗\n    1. ✗ grep\n       arguments:",
            "       result:\n         no match",
            "  ✗ error\n    boom",
        ] {
            assert!(out.contains(expected), "missing {expected:?} in\n{out}");
        }
        assert!(!out.contains('\x07'));
        assert!(!out.contains("0 in / 0 out"), "turn 2 reports no usage: {out}");
    }

    #[test]
    fn huge_token_counts_and_durations_saturate_instead_of_panicking() {
        let lines: Vec<String> = [u64::MAX, 5]
            .iter()
            .enumerate()
            .map(|(n, big)| {
                format!(
                    r#"{{"id":"t{n}","timestamp":"2026-11-20T10:00:0{n}Z","session_id":"s","usage":{{"input_tokens":{big},"output_tokens":1}},"duration_ms":{big}}}"#
                )
            })
            .collect();
        let turns = records(&lines.iter().map(String::as_str).collect::<Vec<_>>());
        let text = transcript("s", &turns, &utc()).plain(&[]);
        let max = tokens(u64::MAX);
        assert!(text.contains(&format!("Σ {max} in / 2 out")), "{text}");
    }

    #[test]
    fn a_blank_prompt_is_no_prompt() {
        let turns = records(&[
            r#"{"id":"a","timestamp":"2026-11-20T10:00:00Z","session_id":"s","prompt":" ","messages":[{"role":"user","content":"  \n "}]}"#,
        ]);
        assert!(transcript("s", &turns, &utc()).plain(&[]).contains("(no prompt)"));
    }
}
