//! A session as a transcript: turn by turn, oldest first, tool calls folded under their turn.

use chrono::FixedOffset;

use super::detail::{duration, outcome, tokens, tokens_marked, tool_call_lines};
use super::text::{Doc, Fold, Tone};
use crate::record::{ContentBlock, InteractionRecord, MessageContent};
use crate::textfmt::{turn_prompt, RunningTotals};

/// The transcript of `records` (oldest first), with per-turn and running totals. A sub-agent's
/// calls (records with an `agent` other than `main`) fold under the turn before them, the one whose
/// tool call started the sub-agent.
pub fn transcript(session: &str, records: &[InteractionRecord], offset: FixedOffset) -> Doc {
    let mut doc = Doc::new();
    let mut totals = RunningTotals::default();
    let groups = group_sub_agents(records);
    if let Some(first) = records.first() {
        let about: Vec<&str> = [first.project.as_deref(), first.client.as_deref()].into_iter().flatten().collect();
        doc.line(
            Tone::Heading,
            &format!("Session {session} · {} · {}", crate::textfmt::counted(groups.len(), "turn"), about.join(" · ")),
        );
    }
    for (n, (record, sub)) in groups.iter().enumerate() {
        totals.add(record);
        if is_true(record, "after_compaction") {
            doc.blank();
            doc.line(Tone::System, "━━ context compacted: the history before this point was summarised ━━");
        }
        doc.blank();
        doc.line(Tone::Heading, &heading(&format!("Turn {}", n + 1), record, &totals, offset));
        turn_body(&mut doc, record);
        if !sub.is_empty() {
            sub_agent_runs(&mut doc, sub, &mut totals, offset);
        }
    }
    if records.is_empty() {
        doc.line(Tone::Dim, &format!("No records in session {session}."));
    }
    doc
}

/// A turn's facts: its number, time, model, tokens, duration and the running totals.
fn heading(label: &str, record: &InteractionRecord, totals: &RunningTotals, offset: FixedOffset) -> String {
    let (input, output) = record.tokens();
    let time = record.timestamp.as_utc().with_timezone(&offset).format("%Y-%m-%d %H:%M:%S");
    let mut facts = vec![label.to_owned(), time.to_string()];
    facts.extend(record.model.clone());
    let approximate = record.usage_approximate;
    if record.has_usage() {
        facts.push(format!("{} in / {} out", tokens_marked(input, approximate), tokens_marked(output, approximate)));
    }
    facts.extend(record.duration_ms.map(duration));
    facts.push(format!(
        "Σ {} in / {} out · {}",
        tokens(totals.input_tokens),
        tokens(totals.output_tokens),
        duration(totals.duration_ms)
    ));
    format!("── {} ──", facts.join(" · "))
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
fn sub_agent_runs(doc: &mut Doc, sub: &[&InteractionRecord], totals: &mut RunningTotals, offset: FixedOffset) {
    let mut agents: Vec<&str> = sub.iter().filter_map(|r| r.agent.as_deref()).collect();
    agents.dedup();
    let (input, output) = sub.iter().fold((0u64, 0u64), |(i, o), r| {
        let (ri, ro) = r.tokens();
        (i.saturating_add(ri), o.saturating_add(ro))
    });
    let approximate = sub.iter().any(|r| r.usage_approximate);
    let calls = if sub.len() == 1 { "1 call".to_owned() } else { format!("{} calls", sub.len()) };
    doc.line_in(
        Tone::Tool,
        2,
        None,
        &format!(
            "⤷ sub-agent {}: {calls}, {} in / {} out (t shows them)",
            agents.join(", "),
            tokens_marked(input, approximate),
            tokens_marked(output, approximate)
        ),
    );
    for (n, record) in sub.iter().enumerate() {
        totals.add(record);
        let label = format!("{} call {}", record.agent.as_deref().unwrap_or("sub-agent"), n + 1);
        doc.blank_in(Some(Fold::SubAgent));
        doc.line_in(Tone::Heading, 4, Some(Fold::SubAgent), &heading(&label, record, totals, offset));
        let prompt = turn_prompt(record).filter(|_| !is_false(record, "user_turn"));
        if let Some(prompt) = prompt {
            doc.text_in(Tone::User, 6, Some(Fold::SubAgent), &prompt);
        }
        if let Some(response) = &record.response {
            doc.text_in(Tone::Body, 6, Some(Fold::SubAgent), response);
        }
        let names: Vec<String> = record.tool_calls.iter().map(|c| format!("{} {}", c.name, outcome(c).0)).collect();
        if !names.is_empty() {
            doc.line_in(Tone::Tool, 6, Some(Fold::SubAgent), &format!("⚙ {}", names.join(", ")));
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
        doc.line_in(Tone::Dim, 0, None, "↻ tool loop");
        doc.line_in(Tone::Dim, 2, None, "continues the turn above with the tool results");
        return answer(doc, record);
    }
    doc.line_in(Tone::User, 0, None, "▶ user");
    match turn_prompt(record) {
        Some(prompt) => doc.text(Tone::Body, 2, &prompt),
        None => match returned_tool_results(record) {
            0 => doc.line_in(Tone::Dim, 2, None, "(no prompt)"),
            1 => doc.line_in(Tone::Dim, 2, None, "↩ the tool result (continues the turn above)"),
            n => doc.line_in(Tone::Dim, 2, None, &format!("↩ {n} tool results (continue the turn above)")),
        },
    }
    answer(doc, record);
}

fn answer(doc: &mut Doc, record: &InteractionRecord) {
    doc.line_in(Tone::Assistant, 0, None, "◀ assistant");
    match (&record.response, &record.response_summary) {
        (Some(response), _) => doc.text(Tone::Body, 2, response),
        (None, Some(summary)) => doc.text(Tone::Dim, 2, summary),
        (None, None) => doc.line_in(Tone::Dim, 2, None, "(no response)"),
    }
    if !record.tool_calls.is_empty() {
        let marks: Vec<String> =
            record.tool_calls.iter().map(|call| format!("{} {}", call.name, outcome(call).0)).collect();
        let failed = record.tool_calls.iter().any(|call| call.success == Some(false));
        let tone = if failed { Tone::Error } else { Tone::Tool };
        let count = record.tool_calls.len();
        let noun = if count == 1 { "tool call" } else { "tool calls" };
        doc.line_in(tone, 2, None, &format!("⚙ {count} {noun}: {}", marks.join(", ")));
        for (n, call) in record.tool_calls.iter().enumerate() {
            tool_call_lines(doc, n + 1, call, 4, Some(Fold::ToolDetail));
        }
    }
    if let Some(error) = &record.error {
        doc.line_in(Tone::Error, 2, None, "✗ error");
        doc.text(Tone::Error, 4, error);
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
    use super::*;

    #[test]
    fn a_claude_code_session_folds_sub_agents_and_marks_compactions_and_tool_loops() {
        use crate::source::{Source, SourceKind};
        use crate::store::Store;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claude-code");
        let store = Store::load_sources(&[Source { kind: SourceKind::ClaudeCode, root }]).unwrap();
        let records: Vec<InteractionRecord> =
            store.conversation("s1").into_iter().map(|e| store.read_record(e).unwrap()).collect();
        let doc = transcript("s1", &records, FixedOffset::east_opt(0).unwrap());
        let folded = doc.plain(&[Fold::ToolDetail, Fold::SubAgent]);
        assert!(folded.contains("Session s1 · 4 turns"), "{folded}");
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
    fn huge_token_counts_and_durations_saturate_instead_of_panicking() {
        let records: Vec<InteractionRecord> = [u64::MAX, 5]
            .iter()
            .enumerate()
            .map(|(n, big)| {
                let line = format!(
                    r#"{{"id":"t{n}","timestamp":"2026-11-20T10:00:0{n}Z","session_id":"s","usage":{{"input_tokens":{big},"output_tokens":1}},"duration_ms":{big}}}"#
                );
                InteractionRecord::from_json(&line).unwrap()
            })
            .collect();
        let doc = transcript("s", &records, FixedOffset::east_opt(0).unwrap());
        let text = doc.plain(&[]);
        let max = tokens(u64::MAX);
        assert!(text.contains(&format!("Σ {max} in / 2 out")), "{text}");
    }
}
