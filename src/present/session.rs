//! A session as a document: turn by turn, oldest first, tool calls folded under their turn. The
//! TUI's conversation view, `conversation` and `conversation --markdown` all render this one.

use std::collections::HashMap;

use super::doc::{Budget, Doc, Fact, Fold, FoldId, Tone};
use super::record::{outcome, result_tone, tool_call_lines, tool_result_label, Back, Form, HandedBack};
use super::text::{counted, fit, turn_prompt, RunningTotals};
use super::time::Clock;
use super::units::{duration, in_out, tokens, usage_of};
use crate::record::{tool_result_blocks, ContentBlock, InteractionRecord, Message, MessageContent};

/// History messages a turn lists, one line each, when its history is unfolded: the rest are the
/// turns above, and listing all of them in every turn would grow the transcript with the square
/// of its length.
pub const HISTORY_LISTED: usize = 20;

/// Columns of a history message's line.
const HISTORY_LINE: usize = 120;

/// A session's records, oldest first, with what each re-sends.
pub struct Session<'a> {
    pub id: &'a str,
    pub records: &'a [InteractionRecord],
    /// `history[i]`: how many of `records[i]`'s leading request messages re-send the turns before
    /// it (`Store::turn`); missing entries count as none.
    pub history: &'a [usize],
    /// `left_out[i]`: history messages of `records[i]` before those, left out when it was read
    /// (the store reads only the last [`HISTORY_LISTED`]); counted, never listed.
    pub left_out: &'a [usize],
}

/// The transcript of a session, with per-turn and running totals. Each turn shows what is new
/// in it; its history is one folded line. A sub-agent's calls (records with an `agent` other
/// than `main`) fold under the turn before them, the one whose tool call started the sub-agent.
pub fn transcript(session: &Session<'_>, clock: &Clock, form: &Form) -> Doc {
    let records = session.records;
    let history = |at: usize| session.history.get(at).copied().unwrap_or(0);
    let left_out = |at: usize| session.left_out.get(at).copied().unwrap_or(0);
    let session = session.id;
    let mut doc = Doc::new();
    let mut totals = RunningTotals::default();
    let groups = group_sub_agents(records);
    if records.is_empty() {
        doc.title(vec![Fact::literal("Session", session)]);
        doc.note(0, None, &format!("No records in session {session}."));
        return doc;
    }
    doc.title(session_facts(session, records, groups.len(), clock));
    let turns: Vec<usize> = groups.iter().map(|&(at, _)| at).collect();
    let handed_back = handed_back(records, &turns, history);
    for (n, &(at, ref sub)) in groups.iter().enumerate() {
        let record = &records[at];
        totals.add(record);
        if is_true(record, "after_compaction") {
            doc.blank(None);
            doc.label(Tone::System, 0, None, "━━ context compacted: the history before this point was summarised ━━");
        }
        doc.blank(None);
        doc.heading(2, Tone::Heading, &format!("Turn {} · {}", n + 1, clock.full(&record.timestamp)));
        doc.facts(Tone::Dim, 0, None, turn_facts(record, &totals));
        let history = history(at).min(record.messages.len());
        if history + left_out(at) > 0 {
            history_part(&mut doc, &record.messages[..history], left_out(at), form);
        }
        turn_body(&mut doc, record, &record.messages[history..], &form.budget, &handed_back);
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

/// Each main-agent record (its index) with the sub-agent records that follow it (before the
/// next main one).
fn group_sub_agents(records: &[InteractionRecord]) -> Vec<(usize, Vec<&InteractionRecord>)> {
    let mut groups: Vec<(usize, Vec<&InteractionRecord>)> = Vec::new();
    for (at, record) in records.iter().enumerate() {
        let sub_agent = record.agent.as_deref().is_some_and(|a| a != "main");
        match groups.last_mut() {
            Some((_, sub)) if sub_agent => sub.push(record),
            _ => groups.push((at, Vec::new())),
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
    let part = doc.new_fold(Fold::SubAgent);
    doc.summary(Tone::Tool, 2, None, part, &summary);
    let fold: Option<FoldId> = Some(part);
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

/// `▸ 42 earlier messages (…)`, folded: the last of them one line each. `left_out` more came
/// before `history` in the request.
fn history_part(doc: &mut Doc, history: &[Message], left_out: usize, form: &Form) {
    let part = doc.new_fold(Fold::History);
    let hint = form.history_hint.map(|hint| format!("; {hint}")).unwrap_or_default();
    let earlier = counted(left_out + history.len(), "earlier message");
    doc.summary(Tone::Dim, 0, None, part, &format!("▸ {earlier} (the history this request re-sends{hint})"));
    let listed = history.len().min(HISTORY_LISTED);
    let before = left_out + history.len() - listed;
    if before > 0 {
        doc.note(2, Some(part), &format!("({before} before these: the turns above)"));
    }
    for message in &history[history.len() - listed..] {
        let line = format!("[{}] {}", message.role.as_str(), message_gist(message));
        doc.label(Tone::Dim, 2, Some(part), &fit(&line, HISTORY_LINE));
    }
}

/// A message in a few words: its text (the first words of it, more than a line holds), or what
/// its blocks are.
fn message_gist(message: &Message) -> String {
    let text = message.plain_text();
    if !text.trim().is_empty() {
        return first_words(&text, HISTORY_LINE);
    }
    let MessageContent::Blocks(blocks) = &message.content else { return String::new() };
    let kinds: Vec<String> = blocks
        .iter()
        .map(|block| match block {
            ContentBlock::ToolUse { name, .. } => format!("tool_use {name}"),
            ContentBlock::ToolResult { is_error, .. } => format!("tool_result {}", if *is_error { "✗" } else { "✓" }),
            ContentBlock::Thinking { .. } => "thinking".to_owned(),
            ContentBlock::Image { .. } => "image".to_owned(),
            ContentBlock::Text { .. } => "text".to_owned(),
            ContentBlock::Other(_) => "block".to_owned(),
        })
        .collect();
    kinds.join(", ")
}

/// The text's words joined by single spaces, stopping once well past `width` characters: the
/// line is cut to `width` columns anyway, and a history message can be a whole file's contents.
/// (The margin covers characters that take no column, such as combining marks.)
fn first_words(text: &str, width: usize) -> String {
    let enough = width * 4;
    let mut out = String::new();
    let mut chars = 0;
    for word in text.split_whitespace() {
        if chars > enough {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
            chars += 1;
        }
        out.push_str(word);
        chars += word.chars().count();
    }
    out
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

/// What the turn brings: the user's words, or the tool results handed back (each its own fold),
/// then the answer. `new` are the request messages new in this turn.
fn turn_body(doc: &mut Doc, record: &InteractionRecord, new: &[Message], budget: &Budget, later: &Later<'_>) {
    let results = tool_results(new, record);
    // A transcript says which calls the user's own words started; the others loop on tool results.
    if is_false(record, "user_turn") {
        doc.label(Tone::Dim, 0, None, "↻ tool loop");
        doc.note(2, None, "continues the turn above with the tool results");
        returned(doc, &results, budget);
        return answer(doc, record, budget, later);
    }
    doc.label(Tone::User, 0, None, "▶ user");
    match turn_prompt(record) {
        Some(prompt) => doc.prose_within(budget, Tone::Body, 2, None, &prompt),
        None => match results.len() {
            0 => doc.note(2, None, "(no prompt)"),
            1 => doc.note(2, None, "↩ the tool result (continues the turn above)"),
            n => doc.note(2, None, &format!("↩ {n} tool results (continue the turn above)")),
        },
    }
    returned(doc, &results, budget);
    answer(doc, record, budget, later);
}

/// The turn that hands back each tool call's result, by the call's id.
type Later<'r> = HashMap<&'r str, HandedBack<'r>>;

/// Which turn's request hands back each tool result (the first that does), so that a call whose
/// record has no result can say where it is.
fn handed_back<'r>(records: &'r [InteractionRecord], turns: &[usize], history: impl Fn(usize) -> usize) -> Later<'r> {
    let mut later = Later::new();
    for (n, &at) in turns.iter().enumerate() {
        let record = &records[at];
        let new = &record.messages[history(at).min(record.messages.len())..];
        for (tool_use_id, _, is_error) in tool_results(new, record) {
            later.entry(tool_use_id).or_insert(HandedBack { is_error, at: Back::Turn(n + 1) });
        }
    }
    later
}

/// The tool results a turn hands back, each a line with its content folded under it.
fn returned(doc: &mut Doc, results: &[(&str, &str, bool)], budget: &Budget) {
    for &(tool_use_id, content, is_error) in results {
        let part = doc.new_fold(Fold::ToolDetail);
        doc.summary(result_tone(is_error), 2, None, part, &tool_result_label(tool_use_id, is_error));
        doc.code_within(budget, Tone::Body, 4, Some(part), content);
    }
}

/// The tool results among the turn's new messages (the last message's, when the history is not
/// known): (tool_use_id, content, is_error).
fn tool_results<'r>(new: &'r [Message], record: &'r InteractionRecord) -> Vec<(&'r str, &'r str, bool)> {
    let messages = if new.len() < record.messages.len() {
        new
    } else {
        record.messages.last().map(std::slice::from_ref).unwrap_or(&[])
    };
    tool_result_blocks(messages).collect()
}

fn call_marks(record: &InteractionRecord) -> String {
    record.tool_calls.iter().map(|call| format!("{} {}", call.name, outcome(call).0)).collect::<Vec<_>>().join(", ")
}

fn answer(doc: &mut Doc, record: &InteractionRecord, budget: &Budget, later: &Later<'_>) {
    doc.label(Tone::Assistant, 0, None, "◀ assistant");
    match (&record.response, &record.response_summary) {
        (Some(response), _) => doc.prose_within(budget, Tone::Body, 2, None, response),
        (None, Some(summary)) => doc.prose_within(budget, Tone::Dim, 2, None, summary),
        (None, None) => doc.note(2, None, "(no response)"),
    }
    for (n, call) in record.tool_calls.iter().enumerate() {
        let handed_back = call.call_id.as_deref().and_then(|id| later.get(id).copied());
        tool_call_lines(doc, n + 1, call, 2, budget, true, handed_back);
    }
    if let Some(error) = &record.error {
        doc.label(Tone::Error, 2, None, "✗ error");
        doc.code_within(budget, Tone::Error, 4, None, error);
    }
}

#[cfg(test)]
mod tests {
    use chrono::FixedOffset;

    use super::*;
    use crate::present::doc::{Budget, Folds};

    fn utc() -> Clock {
        let now = chrono::DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z").unwrap().to_utc();
        Clock::fixed(FixedOffset::east_opt(0).unwrap(), now)
    }

    fn doc(records: &[InteractionRecord], history: &[usize]) -> Doc {
        transcript(&Session { id: "s", records, history, left_out: &[] }, &utc(), &Form::WHOLE)
    }

    fn open() -> Folds {
        Folds::open()
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
        let doc =
            transcript(&Session { id: "s1", records: &records, history: &[], left_out: &[] }, &utc(), &Form::WHOLE);
        let folded = doc.plain(&Folds::closed(&[Fold::ToolDetail, Fold::SubAgent]));
        assert!(folded.starts_with("Session s1 · shop · claude-code · 4 turns"), "{folded}");
        assert!(folded.contains("4 turns"), "{folded}");
        assert!(folded.contains("⤷ sub-agent Explore: 2 calls, ~110 in / ~12 out"), "{folded}");
        assert!(!folded.contains("Explore call 1"), "{folded}");
        assert!(folded.contains("↻ tool loop"), "{folded}");
        assert!(folded.contains("━━ context compacted"), "{folded}");
        assert_eq!(folded.matches("▶ user").count(), 2, "the user's own two prompts: {folded}");
        let open = doc.plain(&open());
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
        let out = doc(&turns, &[]).plain(&open());
        assert!(out.contains("p · c · 2 turns · 2026-11-20 10:00 → 2026-11-20 10:05 · 10 in / 4 out"), "{out}");
        assert!(out.contains("── Turn 1 · 2026-11-20 10:00:00 +00:00 ──\nm · 10 in / 4 out · 900ms · id a"), "{out}");
        assert!(out.find("Turn 1").unwrap() < out.find("Turn 2").unwrap());
        for expected in [
            "▶ user\n  first\\x07 question",
            "◀ assistant\n  first answer",
            "▶ user\n  from messages",
            "  1. ✗ grep {\"q\":\"x\"}\n     arguments:",
            "     result:\n       no match",
            "  ✗ error\n    boom",
        ] {
            assert!(out.contains(expected), "missing {expected:?} in\n{out}");
        }
        assert!(!out.contains('\x07'));
        assert!(!out.contains("0 in / 0 out"), "turn 2 reports no usage: {out}");
    }

    /// A tool loop: turn 2 re-sends turn 1's prompt and answer and hands back two tool results.
    fn tool_loop() -> Vec<InteractionRecord> {
        records(&[
            r#"{"id":"a","timestamp":"2026-11-20T10:00:00Z","session_id":"s","prompt":"fix it",
               "messages":[{"role":"user","content":"fix it"}],"response":"looking",
               "tool_calls":[{"name":"Read","call_id":"t1","arguments":{"path":"a.rs"},"success":true,"result":"fn a"},
                             {"name":"Bash","call_id":"t2","arguments":{"cmd":"cargo test"},"success":false,"result":"FAILED"}]}"#,
            r#"{"id":"b","timestamp":"2026-11-20T10:00:05Z","session_id":"s","messages":[
               {"role":"user","content":"fix it"},
               {"role":"assistant","content":[{"type":"text","text":"looking"},{"type":"tool_use","id":"t1","name":"Read","input":{}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"fn a"},
                                         {"type":"tool_result","tool_use_id":"t2","content":"FAILED","is_error":true}]}],
               "response":"the test fails because a is wrong"}"#,
        ])
    }

    #[test]
    fn a_turn_shows_what_is_new_with_its_history_folded_to_one_line() {
        let turns = tool_loop();
        let doc = doc(&turns, &[0, 2]);
        let folded = doc.plain(&Folds::closed(&[Fold::History, Fold::ToolDetail]));
        assert!(folded.contains("▸ 2 earlier messages (the history this request re-sends)\n▶ user"), "{folded}");
        assert!(!folded.contains("[assistant] looking"), "history is folded: {folded}");
        assert!(folded.contains("  ↩ tool_result ✓ (for t1)\n  ↩ tool_result ✗ (for t2)\n◀ assistant"), "{folded}");
        let open = doc.plain(&Folds::closed(&[Fold::ToolDetail]));
        assert!(open.contains("  [user] fix it\n  [assistant] looking\n▶ user"), "{open}");
    }

    #[test]
    fn a_call_without_its_result_says_which_turn_hands_it_back() {
        let mut turns = tool_loop();
        for call in &mut turns[0].tool_calls {
            (call.success, call.result) = (None, None);
        }
        turns[0].tool_calls[1].call_id = Some("t9".into());
        let text = doc(&turns, &[0, 2]).plain(&Folds::open());
        assert!(text.contains("1. ✓ Read (id t1)"), "the mark comes from the result handed back: {text}");
        assert!(text.contains("   (its result is handed back in turn 2)"), "{text}");
        assert!(text.contains("2. · Bash (id t9)") && text.contains("(no result recorded)"), "no such result: {text}");
    }

    #[test]
    fn each_tool_call_and_result_folds_on_its_own() {
        let turns = tool_loop();
        let doc = doc(&turns, &[0, 2]);
        let mut folds = Folds::closed(&[Fold::ToolDetail]);
        let bash = doc.lines.iter().position(|line| line.text.starts_with("2. ✗ Bash")).unwrap();
        assert!(doc.lines[bash].text.ends_with(r#"{"cmd":"cargo test"}"#), "{}", doc.lines[bash].text);
        folds.toggle(doc.fold_at(bash).unwrap());
        let text = doc.plain(&folds);
        assert!(text.contains("2. ✗ Bash (id t2) {\"cmd\":\"cargo test\"}\n     arguments:"), "{text}");
        assert!(!text.contains("\"path\": \"a.rs\""), "the Read call stays folded: {text}");
        assert!(!text.contains("(for t2)\n    FAILED"), "the results stay folded: {text}");
        let results: Vec<usize> = (0..doc.lines.len()).filter_map(|at| doc.next_fold(at)).collect();
        assert!(results.len() > 3, "every call and result is a fold");
        assert_eq!(doc.turn_lines().len(), 2);
    }

    #[test]
    fn a_huge_response_is_cut_on_a_screen_and_whole_in_its_text() {
        let mut turns = tool_loop();
        turns[1].response = Some("line\n".repeat(100_000));
        let screen = Form { budget: Budget::SCREEN, system_hint: None, history_hint: None };
        let doc = transcript(&Session { id: "s", records: &turns, history: &[0, 2], left_out: &[] }, &utc(), &screen);
        assert!(doc.lines.len() < 3_000, "{} lines", doc.lines.len());
        let cut = doc.lines.iter().find(|line| line.text.starts_with("… ")).unwrap();
        assert_eq!(cut.text, "… 98000 more lines (490.0 KB; e to page)");
        assert_eq!(doc.plain(&Folds::open()).matches("line\n").count(), 100_000);
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
        let text = doc(&turns, &[]).plain(&open());
        let max = tokens(u64::MAX);
        assert!(text.contains(&format!("Σ {max} in / 2 out")), "{text}");
    }

    #[test]
    fn a_blank_prompt_is_no_prompt() {
        let turns = records(&[
            r#"{"id":"a","timestamp":"2026-11-20T10:00:00Z","session_id":"s","prompt":" ","messages":[{"role":"user","content":"  \n "}]}"#,
        ]);
        assert!(doc(&turns, &[]).plain(&open()).contains("(no prompt)"));
    }
}
