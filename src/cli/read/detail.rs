//! `show`: one record, whole and readable. Every field appears, unknown ones included.

use std::path::Path;

use serde_json::{Map, Value};

use crate::record::{ContentBlock, InteractionRecord, Message, MessageContent, TokenUsage, ToolCallRecord};

use super::doc::{pretty_json, Doc};
use super::format::{duration, full_time};
use super::terminal::{Style, Terminal};

/// Where the record is stored, shown as its last fact.
pub struct Location<'a> {
    pub file: &'a Path,
    pub line: u64,
}

pub fn render_record(record: &InteractionRecord, location: Option<Location<'_>>, terminal: &Terminal) -> String {
    let mut doc = Doc::new(terminal);
    header_facts(&mut doc, record, location);
    text_section(&mut doc, "System prompt", record.system_prompt.as_deref());
    text_section(&mut doc, "Prompt", record.prompt.as_deref());
    messages_section(&mut doc, &record.messages);
    text_section(&mut doc, "Response", record.response.as_deref());
    text_section(&mut doc, "Response summary", record.response_summary.as_deref());
    tool_calls_section(&mut doc, &record.tool_calls);
    routing_section(&mut doc, record);
    json_section(&mut doc, "Context pack", record.context_pack.as_ref());
    extra_section(&mut doc, "Other fields", &record.extra);
    doc.finish()
}

fn header_facts(doc: &mut Doc<'_>, record: &InteractionRecord, location: Option<Location<'_>>) {
    doc.fact_styled("id", &record.id, Style::Bold);
    doc.fact("time", &format!("{} ({})", full_time(&record.timestamp), record.timestamp));
    doc.fact_styled("session", record.session_id.as_deref().unwrap_or(""), Style::Accent);
    doc.fact("project", record.project.as_deref().unwrap_or(""));
    doc.fact("client", record.client.as_deref().unwrap_or(""));
    doc.fact("model", record.model.as_deref().unwrap_or(""));
    doc.fact("provider", record.provider.as_deref().unwrap_or(""));
    doc.fact("duration", &record.duration_ms.map(|ms| format!("{} ({ms} ms)", duration(ms))).unwrap_or_default());
    doc.fact("ttft", &record.ttft_ms.map(|ms| format!("{} ({ms} ms)", duration(ms))).unwrap_or_default());
    doc.fact("request id", record.request_id.as_deref().unwrap_or(""));
    doc.fact("response id", record.response_id.as_deref().unwrap_or(""));
    if let Some(usage) = &record.usage {
        let approximate =
            if record.usage_approximate { " (approximate: a transcript's mid-stream snapshot)" } else { "" };
        doc.fact("tokens", &format!("{}{approximate}", usage_line(usage)));
    }
    doc.fact("stop", record.stop_reason.as_ref().map_or("", |reason| reason.as_str()));
    doc.fact_styled("error", record.error.as_deref().unwrap_or(""), Style::Bad);
    doc.fact("tags", &record.tags.join(", "));
    doc.fact("tools", &record.tools_available.join(", "));
    doc.fact("memories", &record.memories_used.join(", "));
    doc.fact("chunks", &record.chunks_used.join(", "));
    if let Some(location) = location {
        doc.fact("stored", &format!("{}:{}", location.file.display(), location.line));
    }
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

fn text_section(doc: &mut Doc<'_>, title: &str, text: Option<&str>) {
    if let Some(text) = text.filter(|t| !t.is_empty()) {
        doc.heading(title);
        doc.block(0, text);
    }
}

fn json_section(doc: &mut Doc<'_>, title: &str, value: Option<&Value>) {
    if let Some(value) = value {
        doc.heading(title);
        doc.block(0, &pretty_json(value));
    }
}

fn extra_section(doc: &mut Doc<'_>, title: &str, extra: &Map<String, Value>) {
    if extra.is_empty() {
        return;
    }
    doc.heading(title);
    extra_fields(doc, 0, extra);
}

/// Unknown fields: `key:` then the value, pretty, indented under it.
fn extra_fields(doc: &mut Doc<'_>, indent: usize, extra: &Map<String, Value>) {
    for (key, value) in extra {
        doc.line(indent, &format!("{key}:"), Style::Dim);
        doc.block(indent + 2, &pretty_json(value));
    }
}

fn messages_section(doc: &mut Doc<'_>, messages: &[Message]) {
    if messages.is_empty() {
        return;
    }
    doc.heading(&format!("Messages ({})", messages.len()));
    for (index, message) in messages.iter().enumerate() {
        if index > 0 {
            doc.separate();
        }
        doc.line(0, &format!("[{}]", message.role.as_str()), Style::Accent);
        message_content(doc, &message.content);
        extra_fields(doc, 2, &message.extra);
    }
}

fn message_content(doc: &mut Doc<'_>, content: &MessageContent) {
    match content {
        MessageContent::Text(text) => doc.block(2, text),
        MessageContent::Blocks(blocks) => {
            for block in blocks {
                content_block(doc, block);
            }
        }
    }
}

fn content_block(doc: &mut Doc<'_>, block: &ContentBlock) {
    match block {
        ContentBlock::Text { text } => doc.block(2, text),
        ContentBlock::ToolUse { id, name, input } => {
            doc.line(2, &format!("tool_use {name} (id {id})"), Style::Bold);
            doc.block(4, &pretty_json(input));
        }
        ContentBlock::ToolResult { tool_use_id, content, is_error } => {
            let status = if *is_error { " — error" } else { "" };
            let style = if *is_error { Style::Bad } else { Style::Bold };
            doc.line(2, &format!("tool_result for {tool_use_id}{status}"), style);
            doc.block(4, content);
        }
        ContentBlock::Thinking { thinking } => {
            doc.line(2, "thinking", Style::Bold);
            doc.block(4, thinking);
        }
        ContentBlock::Image { media_type, bytes } => {
            doc.line(2, &format!("image {media_type}, {bytes} bytes"), Style::Bold);
        }
        ContentBlock::Other(value) => {
            let kind = value.get("type").and_then(Value::as_str).unwrap_or("block");
            doc.line(2, kind, Style::Bold);
            doc.block(4, &pretty_json(value));
        }
    }
}

fn tool_calls_section(doc: &mut Doc<'_>, calls: &[ToolCallRecord]) {
    if calls.is_empty() {
        return;
    }
    doc.heading(&format!("Tool calls ({})", calls.len()));
    for (index, call) in calls.iter().enumerate() {
        if index > 0 {
            doc.separate();
        }
        tool_call(doc, index + 1, call);
    }
}

fn tool_call(doc: &mut Doc<'_>, number: usize, call: &ToolCallRecord) {
    let (status, style) = match call.success {
        Some(true) => (" ✓", Style::Good),
        Some(false) => (" ✗ failed", Style::Bad),
        None => ("", Style::Bold),
    };
    let call_id = call.call_id.as_deref().map(|id| format!(" (id {id})")).unwrap_or_default();
    doc.line(0, &format!("{number}. {}{call_id}{status}", call.name), style);
    if let Some(arguments) = &call.arguments {
        doc.note(2, "arguments:");
        doc.block(4, &pretty_json(arguments));
    }
    if let Some(result) = &call.result {
        doc.note(2, if call.result_truncated { "result (cut by the writer):" } else { "result:" });
        doc.block(4, result);
    }
    extra_fields(doc, 2, &call.extra);
}

fn routing_section(doc: &mut Doc<'_>, record: &InteractionRecord) {
    let Some(routing) = &record.routing else { return };
    doc.heading("Routing");
    doc.fact("profile", routing.profile.as_deref().unwrap_or(""));
    doc.fact("reason", routing.reason.as_deref().unwrap_or(""));
    doc.fact("confidence", &routing.confidence.map(|c| format!("{c:.2}")).unwrap_or_default());
    if let Some(features) = &routing.features {
        doc.line(0, "features:", Style::Dim);
        doc.block(2, &pretty_json(features));
    }
    extra_fields(doc, 0, &routing.extra);
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn every_field_is_shown() {
        let record = InteractionRecord::from_json(&FULL.replace('\n', "")).unwrap();
        let out = render_record(&record, Some(Location { file: Path::new("f.jsonl"), line: 3 }), &Terminal::plain(80));
        for expected in [
            "id         r1",
            "session    s1",
            "project    proj",
            "client     cli",
            "model      m1",
            "duration   1.2s (1234 ms)",
            "tokens     in 10 · out 5 · cache read 2 · weird 1",
            "stop       end_turn",
            "error      it failed",
            "tags       x, y",
            "tools      read, write",
            "memories   m9",
            "chunks     c9",
            "stored     f.jsonl:3",
            "── System prompt",
            "be brief",
            "── Prompt",
            "hello\\x1b[31m",
            "── Messages (3)",
            "[assistant]",
            "  tool_use read (id t1)",
            "    \"path\": \"a.rs\"",
            "  tool_result for t1 — error",
            "    fn main",
            "── Response",
            "done",
            "── Response summary",
            "── Tool calls (1)",
            "1. read (id t1) ✗ failed",
            "  result (cut by the writer):",
            "    boom",
            "── Routing",
            "profile    fast",
            "confidence 0.90",
            "\"len\": 3",
            "── Context pack",
            "── Other fields",
            "mystery:",
            "\"deep\": [",
        ] {
            assert!(out.contains(expected), "missing {expected:?} in\n{out}");
        }
        assert!(!out.contains('\x1b'));
    }

    #[test]
    fn blocks_roles_and_fields_this_version_does_not_know_are_shown_as_they_are() {
        let line = r#"{"id":"r3","timestamp":"2026-11-21T14:03:07Z","messages":[{"role":"critic","content":[
            {"type":"image","source":{"data":"AAA\u202e"}}],"weight":2}],
            "tool_calls":[{"name":"t","priority":"high"}],"routing":{"profile":"p","lane":7}}"#;
        let record = InteractionRecord::from_json(&line.replace('\n', "")).unwrap();
        let out = render_record(&record, None, &Terminal::plain(80));
        for expected in [
            "[critic]",
            "  image\n    {\n      \"type\": \"image\",\n      \"source\": {\n        \"data\": \"AAA\\u{202e}\"",
            "  weight:\n    2",
            "1. t\n  priority:\n    high",
            "profile    p\nlane:\n  7",
        ] {
            assert!(out.contains(expected), "missing {expected:?} in\n{out}");
        }
        assert!(!out.contains('\u{202e}'));
    }

    #[test]
    fn absent_fields_leave_no_empty_sections() {
        let record =
            InteractionRecord::from_json(r#"{"id":"r2","timestamp":"2026-11-21T14:03:07Z","prompt":"p"}"#).unwrap();
        let out = render_record(&record, None, &Terminal::plain(80));
        assert!(out.contains("── Prompt"));
        for absent in ["Response", "Messages", "Tool calls", "Routing", "Other fields", "session", "tokens"] {
            assert!(!out.contains(absent), "{absent} in\n{out}");
        }
    }
}
