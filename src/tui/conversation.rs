//! A session as a transcript: turn by turn, oldest first, tool calls folded under their turn.

use chrono::FixedOffset;

use super::detail::{duration, outcome, tokens, tool_call_lines};
use super::text::{Doc, Fold, Tone};
use crate::record::{ContentBlock, InteractionRecord, MessageContent};
use crate::textfmt::RunningTotals;

/// The transcript of `records` (oldest first), with per-turn and running totals.
pub fn transcript(session: &str, records: &[InteractionRecord], offset: FixedOffset) -> Doc {
    let mut doc = Doc::new();
    let mut totals = RunningTotals::default();
    if let Some(first) = records.first() {
        let about: Vec<&str> = [first.project.as_deref(), first.client.as_deref()].into_iter().flatten().collect();
        doc.line(Tone::Heading, &format!("Session {session} · {} turns · {}", records.len(), about.join(" · ")));
    }
    for (n, record) in records.iter().enumerate() {
        let (input, output) = record.tokens();
        totals.add(record);
        doc.blank();
        let time = record.timestamp.as_utc().with_timezone(&offset).format("%Y-%m-%d %H:%M:%S");
        let mut facts = vec![format!("Turn {}", n + 1), time.to_string()];
        facts.extend(record.model.clone());
        facts.push(format!("{} in / {} out", tokens(input), tokens(output)));
        facts.extend(record.duration_ms.map(duration));
        facts.push(format!(
            "Σ {} in / {} out · {}",
            tokens(totals.input_tokens),
            tokens(totals.output_tokens),
            duration(totals.duration_ms)
        ));
        doc.line(Tone::Heading, &format!("── {} ──", facts.join(" · ")));
        turn_body(&mut doc, record);
    }
    if records.is_empty() {
        doc.line(Tone::Dim, &format!("No records in session {session}."));
    }
    doc
}

fn turn_body(doc: &mut Doc, record: &InteractionRecord) {
    doc.line_in(Tone::User, 0, None, "▶ user");
    match turn_prompt(record) {
        Some(prompt) => doc.text(Tone::Body, 2, &prompt),
        None => match returned_tool_results(record) {
            0 => doc.line_in(Tone::Dim, 2, None, "(no prompt)"),
            1 => doc.line_in(Tone::Dim, 2, None, "↩ the tool result (continues the turn above)"),
            n => doc.line_in(Tone::Dim, 2, None, &format!("↩ {n} tool results (continue the turn above)")),
        },
    }
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

pub use crate::textfmt::turn_prompt;

#[cfg(test)]
mod tests {
    use super::*;

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
