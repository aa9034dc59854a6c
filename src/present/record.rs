//! One record as a document, in parts: the TUI shows them as tabs, `show` prints them in order.
//! Messages, content blocks and tool calls are walked here once, for every front end.

use std::path::Path;

use serde_json::{Map, Value};

use super::doc::{Budget, Doc, Fact, Fold, FoldId, Tone};
use super::text::{counted, fit, pretty_json, turn_prompt};
use super::time::Clock;
use super::units::{duration, usage_of};
use crate::record::{
    ContentBlock, InteractionRecord, LaterResult, Message, MessageContent, Role, TokenUsage, ToolCallRecord,
};
use crate::sanitize::sanitize_line;

/// Columns of a tool call's arguments shown on its line in a transcript.
const PREVIEW_WIDTH: usize = 60;

/// Where the record is stored, shown as its last fact.
pub struct Location<'a> {
    pub file: &'a Path,
    pub line: u64,
}

/// How a document is made for its reader: how much of a long text it keeps, and the key hints
/// of a front end that has keys (`None`: none said).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Form {
    pub budget: Budget,
    /// After a fold's summary: how to open it (`s shows or hides it`).
    pub system_hint: Option<&'static str>,
    pub history_hint: Option<&'static str>,
}

impl Form {
    /// Everything, no key hints: `show`, `conversation`, the pager.
    pub const WHOLE: Form = Form { budget: Budget::WHOLE, system_hint: None, history_hint: None };
}

/// What a record's document needs besides the record.
pub struct Context<'a> {
    /// Where it is stored, for `show`'s last fact.
    pub location: Option<Location<'a>>,
    pub clock: &'a Clock,
    /// How many leading request messages re-send the turns before it (`Store::turn`).
    pub history: usize,
    /// The tool results the session's next request hands back (`Store::results_handed_back`): in a tool
    /// loop they are the results of this record's calls, which the record itself lacks.
    pub later: &'a [LaterResult],
    pub form: Form,
}

/// A record's document.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordDoc {
    /// Every fact, labelled (the head of `show`).
    pub fields: Doc,
    /// The exchange: a one-line summary of the facts (under [`Fold::Summary`], which `show`
    /// folds as it lists them all), the error, the system prompt (its body under
    /// [`Fold::System`]), the prompt, the response and the messages as sent.
    pub exchange: Doc,
    pub tools: Doc,
    pub routing: Doc,
    /// The context pack and the fields this version does not know.
    pub other: Doc,
}

impl RecordDoc {
    /// Every part in one document, titled, for reading top to bottom (`show`): the exchange's
    /// summary line is folded ([`Fold::Summary`]) as the fields list every fact; the tool calls
    /// and the routing decision only when the record has them.
    pub fn whole(&self, record: &InteractionRecord) -> Doc {
        let mut doc = self.fields.clone();
        doc.blank(None);
        doc.append(self.exchange.clone());
        if !record.tool_calls.is_empty() {
            doc.heading(3, Tone::Heading, &format!("Tool calls ({})", record.tool_calls.len()));
            doc.append(self.tools.clone());
        }
        if record.routing.is_some() {
            doc.heading(3, Tone::Heading, "Routing");
            doc.append(self.routing.clone());
        }
        doc.append(self.other.clone());
        doc
    }
}

pub fn record_doc(record: &InteractionRecord, context: Context<'_>) -> RecordDoc {
    RecordDoc {
        fields: fields_doc(record, context.location, context.clock),
        exchange: exchange_doc(record, context.history, &context.form),
        tools: tools_doc(&record.tool_calls, context.later, &context.form.budget),
        routing: routing_doc(record),
        other: other_doc(record),
    }
}

fn fields_doc(record: &InteractionRecord, location: Option<Location<'_>>, clock: &Clock) -> Doc {
    let mut doc = Doc::new();
    let optional = |value: &Option<String>| value.clone().unwrap_or_default();
    let with_ms = |ms: Option<u64>| ms.map(|ms| format!("{} ({ms} ms)", duration(ms))).unwrap_or_default();
    doc.field("id", Tone::Heading, &record.id);
    doc.field("time", Tone::Body, &format!("{} ({})", clock.full(&record.timestamp), record.timestamp));
    doc.field("session", Tone::Accent, &optional(&record.session_id));
    doc.field("project", Tone::Body, &optional(&record.project));
    doc.field("client", Tone::Body, &optional(&record.client));
    doc.field("agent", Tone::Body, &optional(&record.agent));
    doc.field("model", Tone::Body, &optional(&record.model));
    doc.field("provider", Tone::Body, &optional(&record.provider));
    doc.field("duration", Tone::Body, &with_ms(record.duration_ms));
    doc.field("ttft", Tone::Body, &with_ms(record.ttft_ms));
    doc.field("request id", Tone::Body, &optional(&record.request_id));
    doc.field("response id", Tone::Body, &optional(&record.response_id));
    if let Some(usage) = &record.usage {
        let approximate =
            if record.usage_approximate { " (approximate: a transcript's mid-stream snapshot)" } else { "" };
        let line = usage_line(usage);
        if !line.is_empty() {
            doc.field("tokens", Tone::Body, &format!("{line}{approximate}"));
        }
    }
    doc.field("stop", Tone::Body, record.stop_reason.as_ref().map_or("", |reason| reason.as_str()));
    doc.field("tags", Tone::Body, &record.tags.join(", "));
    doc.field("tools", Tone::Body, &record.tools_available.join(", "));
    doc.field("memories", Tone::Body, &record.memories_used.join(", "));
    doc.field("chunks", Tone::Body, &record.chunks_used.join(", "));
    if let Some(location) = location {
        doc.field("stored", Tone::Dim, &format!("{}:{}", location.file.display(), location.line));
    }
    doc
}

/// `in 1200 · out 340 · cache read 900 · ...`, then any usage fields this version does not know.
fn usage_line(usage: &TokenUsage) -> String {
    let known = [
        ("in", usage.input_tokens),
        ("out", usage.output_tokens),
        ("cache read", usage.cache_read_tokens),
        ("cache creation", usage.cache_creation_tokens),
        ("reasoning", usage.reasoning_tokens),
    ];
    let mut parts: Vec<String> =
        known.iter().filter_map(|(label, count)| count.map(|count| format!("{label} {count}"))).collect();
    parts.extend(usage.extra.iter().map(|(key, value)| format!("{key} {value}")));
    parts.join(" · ")
}

/// The facts a pane shows on one line above the exchange.
fn summary_facts(record: &InteractionRecord) -> Vec<Fact> {
    let mut facts = vec![Fact::new("time", record.timestamp.to_rfc3339())];
    facts.extend(record.model.clone().map(|model| Fact::new("model", model)));
    facts.extend(record.provider.clone().map(|provider| Fact::new("provider", provider)));
    facts.extend(usage_of(record).map(|usage| Fact::new("tokens", usage)));
    facts.extend(record.duration_ms.map(|ms| Fact::new("duration", duration(ms))));
    facts.extend(record.ttft_ms.map(|ms| Fact::new("ttft", format!("ttft {}", duration(ms)))));
    facts.extend(record.stop_reason.as_ref().map(|reason| Fact::new("stop", reason.as_str())));
    if !record.tags.is_empty() {
        facts.push(Fact::new("tags", format!("tags: {}", record.tags.join(", "))));
    }
    facts
}

fn exchange_doc(record: &InteractionRecord, history: usize, form: &Form) -> Doc {
    let mut doc = Doc::new();
    let summary = Some(doc.new_fold(Fold::Summary));
    doc.facts(Tone::Dim, 0, summary, summary_facts(record));
    let ids: Vec<Fact> = [("request", &record.request_id), ("response", &record.response_id)]
        .into_iter()
        .filter_map(|(label, id)| id.as_ref().map(|id| Fact::literal(label, id.clone())))
        .collect();
    doc.facts(Tone::Dim, 0, summary, ids);
    let budget = &form.budget;
    if let Some(error) = &record.error {
        doc.label(Tone::Error, 0, None, "✗ error");
        doc.code_within(budget, Tone::Error, 2, None, error);
    }
    if let Some(system) = record.system_prompt.as_deref().filter(|s| !s.is_empty()) {
        let lines = system.lines().count().max(1);
        let noun = if lines == 1 { "line" } else { "lines" };
        let part = doc.new_fold(Fold::System);
        let hint = form.system_hint.map(|hint| format!("; {hint}")).unwrap_or_default();
        doc.summary(Tone::System, 0, None, part, &format!("▸ System prompt ({lines} {noun}{hint})"));
        doc.prose_within(budget, Tone::Dim, 2, Some(part), system);
    }
    doc.blank(None);
    prompt_part(&mut doc, record, budget);
    doc.blank(None);
    response_part(&mut doc, record, budget);
    if !record.messages.is_empty() {
        doc.blank(None);
        doc.heading(3, Tone::Heading, &format!("Messages as sent ({})", record.messages.len()));
        messages_part(&mut doc, &record.messages, history, form);
    }
    doc
}

/// The request's messages: those it re-sends from the turns before (`history` of them, folded
/// to one line), then those new in this turn, which are what the request added.
fn messages_part(doc: &mut Doc, messages: &[Message], history: usize, form: &Form) {
    let history = history.min(messages.len());
    if history > 0 {
        let part = doc.new_fold(Fold::History);
        let hint = form.history_hint.map(|hint| format!("; {hint}")).unwrap_or_default();
        let earlier = counted(history, "earlier message");
        doc.summary(Tone::Dim, 0, None, part, &format!("▸ {earlier} (the history it re-sends{hint})"));
        for message in &messages[..history] {
            message_lines(doc, message, 2, Some(part), &form.budget);
        }
        let new = messages.len() - history;
        doc.label(Tone::Heading, 0, None, &format!("▾ new in this turn ({new})"));
    }
    for message in &messages[history..] {
        message_lines(doc, message, 0, None, &form.budget);
    }
}

fn prompt_part(doc: &mut Doc, record: &InteractionRecord, budget: &Budget) {
    doc.label(Tone::User, 0, None, "▶ Prompt");
    match record.prompt.as_deref().filter(|p| !p.trim().is_empty()) {
        Some(prompt) => doc.prose_within(budget, Tone::Body, 2, None, prompt),
        None => match turn_prompt(record) {
            Some(text) => {
                doc.note(2, None, "(no prompt field; the last user message's text:)");
                doc.prose_within(budget, Tone::Body, 2, None, &text);
            }
            None => doc.note(2, None, "(no prompt; see the messages below)"),
        },
    }
}

fn response_part(doc: &mut Doc, record: &InteractionRecord, budget: &Budget) {
    doc.label(Tone::Assistant, 0, None, "◀ Response");
    // The proxy keeps the response's reasoning in an extra field (docs/proxy.md).
    if let Some(thinking) = record.extra.get("response_thinking").and_then(Value::as_str) {
        doc.label(Tone::Dim, 2, None, "∴ thinking");
        doc.prose_within(budget, Tone::Dim, 4, None, thinking);
    }
    match (&record.response, &record.response_summary) {
        (Some(response), summary) => {
            doc.prose_within(budget, Tone::Body, 2, None, response);
            if let Some(summary) = summary.as_deref().filter(|s| !s.is_empty()) {
                doc.note(2, None, "(summary:)");
                doc.prose(Tone::Body, 2, None, summary);
            }
        }
        (None, Some(summary)) => {
            doc.note(2, None, "(response not kept; summary:)");
            doc.prose(Tone::Body, 2, None, summary);
        }
        (None, None) => doc.note(2, None, "(no response)"),
    }
}

/// One message, role by role, with tool_use and tool_result blocks readable.
pub fn message_lines(doc: &mut Doc, message: &Message, indent: u16, fold: Option<FoldId>, budget: &Budget) {
    doc.label(role_tone(&message.role), indent, fold, &format!("[{}]", message.role.as_str()));
    let body = indent + 2;
    match &message.content {
        MessageContent::Text(text) => doc.prose_within(budget, Tone::Body, body, fold, text),
        MessageContent::Blocks(blocks) => {
            for block in blocks {
                block_lines(doc, block, body, fold, budget);
            }
        }
    }
    extra_fields(doc, body, fold, &message.extra);
}

fn block_lines(doc: &mut Doc, block: &ContentBlock, indent: u16, fold: Option<FoldId>, budget: &Budget) {
    match block {
        ContentBlock::Text { text } => doc.prose_within(budget, Tone::Body, indent, fold, text),
        ContentBlock::ToolUse { id, name, input } => {
            doc.label(Tone::Tool, indent, fold, &format!("⚙ tool_use {name} (id {id})"));
            doc.code_within(budget, Tone::Json, indent + 2, fold, &pretty_json(input));
        }
        ContentBlock::ToolResult { tool_use_id, content, is_error } => {
            doc.label(result_tone(*is_error), indent, fold, &tool_result_label(tool_use_id, *is_error));
            doc.code_within(budget, Tone::Body, indent + 2, fold, content);
        }
        ContentBlock::Thinking { thinking } => {
            doc.label(Tone::Dim, indent, fold, "∴ thinking");
            doc.prose_within(budget, Tone::Dim, indent + 2, fold, thinking);
        }
        ContentBlock::Image { media_type, bytes } => {
            doc.label(Tone::Dim, indent, fold, &format!("[image {media_type}, {bytes} bytes]"));
        }
        ContentBlock::Other(value) => {
            let kind = value.get("type").and_then(Value::as_str).unwrap_or("block");
            doc.label(Tone::Dim, indent, fold, &format!("[{kind}]"));
            doc.code(Tone::Json, indent + 2, fold, &pretty_json(value));
        }
    }
}

/// `↩ tool_result ✗ (for toolu_01)`: a result handed back to the model.
pub fn tool_result_label(tool_use_id: &str, is_error: bool) -> String {
    let mark = if is_error { "✗" } else { "✓" };
    format!("↩ tool_result {mark} (for {tool_use_id})")
}

pub fn result_tone(is_error: bool) -> Tone {
    if is_error {
        Tone::Error
    } else {
        Tone::Ok
    }
}

fn role_tone(role: &Role) -> Tone {
    match role {
        Role::User => Tone::User,
        Role::Assistant => Tone::Assistant,
        Role::System => Tone::System,
        Role::Tool | Role::Other(_) => Tone::Tool,
    }
}

/// Unknown fields: `key:` then the value, pretty, indented under it.
fn extra_fields(doc: &mut Doc, indent: u16, fold: Option<FoldId>, extra: &Map<String, Value>) {
    for (key, value) in extra {
        doc.label(Tone::Key, indent, fold, &format!("{key}:"));
        doc.code(Tone::Json, indent + 2, fold, &pretty_json(value));
    }
}

fn tools_doc(calls: &[ToolCallRecord], later: &[LaterResult], budget: &Budget) -> Doc {
    let mut doc = Doc::new();
    if calls.is_empty() {
        doc.note(0, None, "No tool calls in this record.");
        return doc;
    }
    for (n, call) in calls.iter().enumerate() {
        if n > 0 {
            doc.blank(None);
        }
        let handed_back = call.call_id.as_deref().and_then(|id| later.iter().find(|result| result.tool_use_id == id));
        let handed_back =
            handed_back.map(|result| HandedBack { is_error: result.is_error, at: Back::NextRequest(&result.content) });
        tool_call_lines(&mut doc, n + 1, call, 0, budget, false, handed_back);
    }
    doc
}

/// A tool call: its heading line (the summary of its own [`Fold::ToolDetail`] part, with the
/// arguments on one line when `preview`), then its arguments and result in that part.
pub fn tool_call_lines(
    doc: &mut Doc,
    number: usize,
    call: &ToolCallRecord,
    indent: u16,
    budget: &Budget,
    preview: bool,
    handed_back: Option<HandedBack<'_>>,
) {
    let (mark, tone) = outcome_of(call.success.or(handed_back.map(|back| !back.is_error)));
    let id = call.call_id.as_deref().map(|id| format!(" (id {id})")).unwrap_or_default();
    let arguments = match (&call.arguments, preview) {
        (Some(arguments), true) => format!(" {}", fit(&arguments.to_string(), PREVIEW_WIDTH)),
        _ => String::new(),
    };
    let part = doc.new_fold(Fold::ToolDetail);
    let fold = Some(part);
    doc.summary(tone, indent, None, part, &format!("{number}. {mark} {}{id}{arguments}", call.name));
    if let Some(arguments) = &call.arguments {
        doc.label(Tone::Key, indent + 3, fold, "arguments:");
        doc.code_within(budget, Tone::Json, indent + 5, fold, &pretty_json(arguments));
    }
    match &call.result {
        Some(result) => {
            let label = if call.result_truncated { "result (truncated by the writer):" } else { "result:" };
            doc.label(Tone::Key, indent + 3, fold, label);
            doc.code_within(budget, Tone::Body, indent + 5, fold, result);
            if call.result_truncated {
                doc.note(indent + 5, fold, "… [truncated]");
            }
        }
        None => match handed_back.map(|back| back.at) {
            Some(Back::Turn(turn)) => {
                doc.note(indent + 3, fold, &format!("(its result is handed back in turn {turn})"))
            }
            Some(Back::NextRequest(result)) => {
                doc.label(Tone::Key, indent + 3, fold, "result (handed back with the next request):");
                doc.code_within(budget, Tone::Body, indent + 5, fold, result);
            }
            None => doc.note(indent + 3, fold, "(no result recorded)"),
        },
    }
    extra_fields(doc, indent + 3, fold, &call.extra);
}

/// ✓ success, ✗ failure, · unknown.
pub fn outcome(call: &ToolCallRecord) -> (&'static str, Tone) {
    outcome_of(call.success)
}

/// Where a call's result came back, when its record has none: in a tool loop the agent runs the
/// tool and hands the result back with its next request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HandedBack<'a> {
    pub is_error: bool,
    pub at: Back<'a>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Back<'a> {
    /// In a transcript: the turn (from 1) whose request carries it, shown there.
    Turn(usize),
    /// For one record: the result itself, from the session's next request.
    NextRequest(&'a str),
}

fn outcome_of(success: Option<bool>) -> (&'static str, Tone) {
    match success {
        Some(true) => ("✓", Tone::Ok),
        Some(false) => ("✗", Tone::Error),
        None => ("·", Tone::Tool),
    }
}

/// A router's decision, sanitised, for the TUI's gauge.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoutingView {
    pub profile: String,
    pub reason: String,
    pub confidence: Option<f64>,
    /// Features flattened to dotted keys, values as compact JSON.
    pub features: Vec<(String, String)>,
}

pub fn routing_view(record: &InteractionRecord) -> Option<RoutingView> {
    let routing = record.routing.as_ref()?;
    let mut features = Vec::new();
    if let Some(value) = &routing.features {
        flatten("", value, &mut features);
    }
    for (key, value) in &routing.extra {
        features.push((format!("({key})"), sanitize_line(&value.to_string()).into_owned()));
    }
    Some(RoutingView {
        profile: sanitize_line(routing.profile.as_deref().unwrap_or("—")).into_owned(),
        reason: sanitize_line(routing.reason.as_deref().unwrap_or("")).into_owned(),
        confidence: routing.confidence,
        features,
    })
}

/// The decision as text: the same facts the gauge shows, for `show` and the pager.
fn routing_doc(record: &InteractionRecord) -> Doc {
    let mut doc = Doc::new();
    let Some(view) = routing_view(record) else {
        doc.note(0, None, "This record has no routing decision.");
        return doc;
    };
    doc.field("profile", Tone::Body, &view.profile);
    let confidence = match view.confidence {
        Some(confidence) if confidence.is_finite() => format!("{:.0}%", confidence.clamp(0.0, 1.0) * 100.0),
        _ => "—".to_owned(),
    };
    doc.field("confidence", Tone::Body, &confidence);
    doc.field("reason", Tone::Body, &view.reason);
    doc.label(Tone::Key, 0, None, "features:");
    if view.features.is_empty() {
        doc.note(2, None, "(none)");
    }
    for (key, value) in &view.features {
        doc.label(Tone::Body, 2, None, &format!("{key}  {value}"));
    }
    doc
}

fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, inner) in map {
                let key = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                flatten(&key, inner, out);
            }
        }
        Value::String(text) => out.push((sanitize_line(prefix).into_owned(), sanitize_line(text).into_owned())),
        other => out.push((sanitize_line(prefix).into_owned(), sanitize_line(&other.to_string()).into_owned())),
    }
}

fn other_doc(record: &InteractionRecord) -> Doc {
    let mut doc = Doc::new();
    if let Some(pack) = &record.context_pack {
        doc.heading(3, Tone::Heading, "Context pack");
        doc.code(Tone::Json, 0, None, &pretty_json(pack));
    }
    if !record.extra.is_empty() {
        doc.heading(3, Tone::Heading, "Other fields");
        extra_fields(&mut doc, 0, None, &record.extra);
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::present::doc::Folds;

    fn context<'a>(clock: &'a Clock, location: Option<Location<'a>>, history: usize) -> Context<'a> {
        Context { location, clock, history, later: &[], form: Form::WHOLE }
    }

    const FULL: &str = r#"{"id":"r1","timestamp":"2026-11-21T14:03:07.123Z","duration_ms":1234,"session_id":"s1",
        "project":"proj","client":"cli","model":"m1","system_prompt":"be brief","prompt":"hello\u001b[31m",
        "messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"text","text":"ok"},
        {"type":"tool_use","id":"t1","name":"read","input":{"path":"a.rs"}}]},
        {"role":"tool","content":[{"type":"tool_result","tool_use_id":"t1","content":"fn main","is_error":true}]}],
        "tools_available":["read","write"],"response":"done","response_summary":"sum",
        "usage":{"input_tokens":10,"output_tokens":5,"cache_read_tokens":2,"weird":1},"stop_reason":"end_turn",
        "tool_calls":[{"name":"read","call_id":"t1","arguments":{"path":"a.rs"},"success":false,"result":"boom",
        "result_truncated":true}],"routing":{"profile":"fast","reason":"short","confidence":0.9,
        "features":{"len":3}},"tags":["x","y"],"memories_used":["m9"],"chunks_used":["c9"],
        "context_pack":{"k":"v"},"error":"it failed","mystery":{"deep":[1,2]}}"#;

    fn full() -> RecordDoc {
        let record = InteractionRecord::from_json(&FULL.replace('\n', "")).unwrap();
        let clock = Clock::local();
        record_doc(&record, context(&clock, Some(Location { file: Path::new("f.jsonl"), line: 3 }), 0))
    }

    #[test]
    fn every_part_of_a_record_is_in_its_document() {
        let doc = full();
        let fields = doc.fields.plain(&Folds::open());
        for expected in ["id         r1", "session    s1", "tokens     in 10 · out 5 · cache read 2 · weird 1"] {
            assert!(fields.contains(expected), "missing {expected:?} in\n{fields}");
        }
        assert!(fields.contains("stored     f.jsonl:3"), "{fields}");
        let exchange = doc.exchange.plain(&Folds::open());
        for expected in [
            "2026-11-21T14:03:07.123Z · m1 · 10 in / 5 out · 1.2s · end_turn · tags: x, y",
            "✗ error\n  it failed",
            "▸ System prompt (1 line)\n  be brief",
            "▶ Prompt\n  hello\\x1b[31m",
            "◀ Response\n  done\n  (summary:)\n  sum",
            "── Messages as sent (3) ──",
            "  ⚙ tool_use read (id t1)\n    {\n      \"path\": \"a.rs\"",
            "  ↩ tool_result ✗ (for t1)\n    fn main",
        ] {
            assert!(exchange.contains(expected), "missing {expected:?} in\n{exchange}");
        }
        let tools = doc.tools.plain(&Folds::open());
        assert!(tools.contains("1. ✗ read (id t1)\n   arguments:"), "{tools}");
        assert!(tools.contains("result (truncated by the writer):\n     boom\n     … [truncated]"), "{tools}");
        let whole = doc
            .whole(&InteractionRecord::from_json(&FULL.replace('\n', "")).unwrap())
            .plain(&Folds::closed(&[Fold::Summary]));
        assert!(whole.contains("── Tool calls (1) ──\n1. ✗ read"), "{whole}");
        assert!(whole.contains("── Routing ──\nprofile    fast"), "{whole}");
        assert!(!whole.contains("2026-11-21T14:03:07.123Z · m1"), "the summary line is folded: {whole}");
        let routing = doc.routing.plain(&Folds::open());
        assert!(routing.contains("confidence 90%") && routing.contains("len  3"), "{routing}");
        let other = doc.other.plain(&Folds::open());
        assert!(other.contains("── Context pack ──") && other.contains("mystery:\n  {\n    \"deep\""), "{other}");
    }

    #[test]
    fn the_summary_and_the_system_prompt_fold() {
        let doc = full();
        let folded = doc.exchange.plain(&Folds::closed(&[Fold::Summary, Fold::System]));
        assert!(folded.starts_with("✗ error"), "{folded}");
        assert!(folded.contains("▸ System prompt (1 line)\n\n▶ Prompt"), "{folded}");
    }

    #[test]
    fn blocks_roles_and_fields_this_version_does_not_know_are_shown_as_they_are() {
        let line = r#"{"id":"r3","timestamp":"2026-11-21T14:03:07Z","messages":[{"role":"critic","content":[
            {"type":"image","source":{"data":"AAA\u202e"}}],"weight":2}],
            "tool_calls":[{"name":"t","priority":"high"}],"routing":{"profile":"p","lane":7}}"#;
        let record = InteractionRecord::from_json(&line.replace('\n', "")).unwrap();
        let doc = record_doc(&record, context(&Clock::local(), None, 0));
        let exchange = doc.exchange.plain(&Folds::open());
        for expected in ["[critic]", "  [image]\n    {\n      \"type\": \"image\"", "AAA\\u{202e}", "  weight:\n    2"]
        {
            assert!(exchange.contains(expected), "missing {expected:?} in\n{exchange}");
        }
        assert!(doc.tools.plain(&Folds::open()).contains("1. · t\n   (no result recorded)\n   priority:\n     high"));
        assert!(doc.routing.plain(&Folds::open()).contains("(lane)  7"));
    }

    #[test]
    fn absent_facts_leave_no_lines() {
        let record =
            InteractionRecord::from_json(r#"{"id":"r2","timestamp":"2026-11-21T14:03:07Z","prompt":"p"}"#).unwrap();
        let doc = record_doc(&record, context(&Clock::local(), None, 0));
        let fields = doc.fields.plain(&Folds::open());
        for absent in ["session", "tokens", "model"] {
            assert!(!fields.contains(absent), "{absent} in\n{fields}");
        }
        assert!(!doc.exchange.plain(&Folds::open()).contains(" in / "), "absent usage is not 0 in / 0 out");
        assert!(doc.other.is_empty());
    }
}
