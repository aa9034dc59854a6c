//! The detail of one record, prepared off the UI loop: parsed, pretty-printed and laid out as
//! [`Doc`]s, so that drawing never parses or formats anything.

use serde_json::Value;

use super::text::{Doc, DocLayout, Fold, Tone};
use crate::record::{ContentBlock, InteractionRecord, Message, MessageContent, Role, ToolCallRecord};
use crate::store::EntryId;
use crate::textfmt::pretty_json;
use crate::tui::untrusted;

/// The tabs of the detail pane.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tab {
    Prompt,
    Tools,
    Routing,
    Raw,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Prompt, Tab::Tools, Tab::Routing, Tab::Raw];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Prompt => "Prompt/Response",
            Tab::Tools => "Tool calls",
            Tab::Routing => "Routing",
            Tab::Raw => "Raw",
        }
    }

    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|&tab| tab == self).unwrap_or(0)
    }

    pub fn next(self) -> Tab {
        Tab::ALL[(self.index() + 1) % Tab::ALL.len()]
    }

    pub fn prev(self) -> Tab {
        Tab::ALL[(self.index() + Tab::ALL.len() - 1) % Tab::ALL.len()]
    }
}

/// A router's decision, sanitised for display.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoutingView {
    pub profile: String,
    pub reason: String,
    pub confidence: Option<f64>,
    /// Features flattened to dotted keys, values as compact JSON.
    pub features: Vec<(String, String)>,
}

/// Everything the detail pane shows about one record.
#[derive(Clone, Debug, PartialEq)]
pub struct DetailData {
    pub entry: EntryId,
    pub record: InteractionRecord,
    /// The stored line as it is (for the clipboard).
    pub stored: String,
    /// The stored JSON pretty-printed (for the pager).
    pub pretty: String,
    pub prompt: Doc,
    pub tools: Doc,
    pub raw: Doc,
    pub routing: Option<RoutingView>,
    /// Layouts made off the UI loop for the width the pane had when the record was asked for
    /// (the prompt with the system prompt folded, the tool calls, the raw JSON).
    pub layouts: Vec<DocLayout>,
}

impl DetailData {
    /// Lays the documents out at `width`, so that a huge record costs the UI loop nothing on
    /// arrival or on a tab change.
    pub fn lay_out(&mut self, width: u16) {
        if width == 0 {
            return;
        }
        self.layouts = vec![
            DocLayout::new(&self.prompt, width, &[Fold::System]),
            DocLayout::new(&self.tools, width, &[Fold::System]),
            DocLayout::new(&self.raw, width, &[Fold::System]),
        ];
    }

    /// A layout made in advance for `doc` at `width` with `hidden` folded, if there is one.
    pub fn layout_for(&self, doc: &Doc, width: u16, hidden: &[Fold]) -> Option<&DocLayout> {
        self.layouts.iter().find(|layout| layout.fits(doc, width, hidden))
    }

    pub fn doc(&self, tab: Tab) -> Option<&Doc> {
        match tab {
            Tab::Prompt => Some(&self.prompt),
            Tab::Tools => Some(&self.tools),
            Tab::Raw => Some(&self.raw),
            Tab::Routing => None,
        }
    }

    /// The tab's text as the pager gets it: the tab as shown (system prompt unfolded), the
    /// Routing tab as labelled lines, the Raw tab as the pretty JSON.
    pub fn tab_text(&self, tab: Tab) -> String {
        match (tab, self.doc(tab)) {
            (Tab::Raw, _) => self.pretty.clone(),
            (_, Some(doc)) => doc.plain(&[]),
            (_, None) => routing_text(self.routing.as_ref()),
        }
    }
}

fn routing_text(routing: Option<&RoutingView>) -> String {
    let Some(routing) = routing else {
        return "This record has no routing decision.\n".to_owned();
    };
    let confidence = match routing.confidence {
        Some(confidence) if confidence.is_finite() => format!("{:.0}%", confidence.clamp(0.0, 1.0) * 100.0),
        _ => "—".to_owned(),
    };
    let mut text = format!("profile     {}\nconfidence  {confidence}\n", routing.profile);
    if !routing.reason.is_empty() {
        text.push_str(&format!("reason      {}\n", routing.reason));
    }
    text.push_str("\nfeatures\n");
    if routing.features.is_empty() {
        text.push_str("  (none)\n");
    }
    for (key, value) in &routing.features {
        text.push_str(&format!("  {key}  {value}\n"));
    }
    text
}

/// Builds the detail from a parsed record and its stored bytes.
pub fn prepare(entry: EntryId, record: InteractionRecord, stored: &[u8]) -> DetailData {
    let stored = String::from_utf8_lossy(stored).into_owned();
    let pretty = pretty_stored(&stored);
    let mut raw = Doc::new();
    raw.text(Tone::Json, 0, &pretty);
    DetailData {
        entry,
        prompt: prompt_doc(&record),
        tools: tools_doc(&record.tool_calls),
        routing: routing_view(&record),
        raw,
        pretty,
        stored,
        record,
        layouts: Vec::new(),
    }
}

/// The stored line as pretty JSON, keeping the stored key order (serde_json's `preserve_order`),
/// unknown fields included.
fn pretty_stored(stored: &str) -> String {
    match serde_json::from_str::<Value>(stored) {
        Ok(value) => pretty_json(&value),
        Err(_) => stored.to_owned(),
    }
}

fn prompt_doc(record: &InteractionRecord) -> Doc {
    let mut doc = Doc::new();
    doc.line(Tone::Dim, &facts_line(record));
    let ids: Vec<String> = [("request", &record.request_id), ("response", &record.response_id)]
        .into_iter()
        .filter_map(|(label, id)| id.as_ref().map(|id| format!("{label} {id}")))
        .collect();
    if !ids.is_empty() {
        doc.line(Tone::Dim, &ids.join(" · "));
    }
    if let Some(error) = &record.error {
        doc.line(Tone::Error, "✗ error");
        doc.text(Tone::Error, 2, error);
    }
    if let Some(system) = record.system_prompt.as_deref().filter(|s| !s.is_empty()) {
        let lines = system.lines().count().max(1);
        let noun = if lines == 1 { "line" } else { "lines" };
        doc.line(Tone::System, &format!("▸ System prompt ({lines} {noun}; s shows or hides it)"));
        doc.text_in(Tone::Dim, 2, Some(Fold::System), system);
    }
    doc.blank();
    doc.line(Tone::User, "▶ Prompt");
    match record.prompt.as_deref().filter(|p| !p.trim().is_empty()) {
        Some(prompt) => doc.text(Tone::Body, 2, prompt),
        None => match crate::textfmt::turn_prompt(record) {
            Some(text) => {
                doc.line_in(Tone::Dim, 2, None, "(no prompt field; the last user message's text:)");
                doc.text(Tone::Body, 2, &text);
            }
            None => doc.line_in(Tone::Dim, 2, None, "(no prompt; see the messages below)"),
        },
    }
    doc.blank();
    doc.line(Tone::Assistant, "◀ Response");
    // The proxy keeps the response's reasoning in an extra field (docs/proxy.md).
    if let Some(thinking) = record.extra.get("response_thinking").and_then(Value::as_str) {
        doc.line_in(Tone::Dim, 2, None, "∴ thinking");
        doc.text(Tone::Dim, 4, thinking);
    }
    match (&record.response, &record.response_summary) {
        (Some(response), _) => doc.text(Tone::Body, 2, response),
        (None, Some(summary)) => {
            doc.line_in(Tone::Dim, 2, None, "(response not kept; summary:)");
            doc.text(Tone::Body, 2, summary);
        }
        (None, None) => doc.line_in(Tone::Dim, 2, None, "(no response)"),
    }
    if !record.messages.is_empty() {
        doc.blank();
        doc.line(Tone::Heading, &format!("── Messages as sent ({}) ──", record.messages.len()));
        for message in &record.messages {
            message_lines(&mut doc, message, 0);
        }
    }
    doc
}

fn facts_line(record: &InteractionRecord) -> String {
    let (input, output) = record.tokens();
    let mut facts = vec![record.timestamp.to_rfc3339()];
    facts.extend(record.model.clone());
    facts.extend(record.provider.clone());
    let approximate = record.usage_approximate;
    if record.has_usage() {
        facts.push(format!("{} in / {} out", tokens_marked(input, approximate), tokens_marked(output, approximate)));
    }
    facts.extend(record.duration_ms.map(duration));
    facts.extend(record.ttft_ms.map(|ms| format!("ttft {}", duration(ms))));
    facts.extend(record.stop_reason.as_ref().map(|reason| reason.as_str().to_owned()));
    if !record.tags.is_empty() {
        facts.push(format!("tags: {}", record.tags.join(", ")));
    }
    facts.join(" · ")
}

/// One message, role by role, with tool_use and tool_result blocks readable.
pub fn message_lines(doc: &mut Doc, message: &Message, indent: u16) {
    let tone = role_tone(&message.role);
    doc.line_in(tone, indent, None, &format!("[{}]", message.role.as_str()));
    let body = indent + 2;
    match &message.content {
        MessageContent::Text(text) => doc.text(Tone::Body, body, text),
        MessageContent::Blocks(blocks) => {
            for block in blocks {
                block_lines(doc, block, body);
            }
        }
    }
}

fn block_lines(doc: &mut Doc, block: &ContentBlock, indent: u16) {
    match block {
        ContentBlock::Text { text } => doc.text(Tone::Body, indent, text),
        ContentBlock::ToolUse { id, name, input } => {
            doc.line_in(Tone::Tool, indent, None, &format!("⚙ tool_use {name}  ({id})"));
            doc.text(Tone::Json, indent + 2, &pretty_json(input));
        }
        ContentBlock::ToolResult { tool_use_id, content, is_error } => {
            let (mark, tone) = if *is_error { ("✗", Tone::Error) } else { ("✓", Tone::Ok) };
            doc.line_in(tone, indent, None, &format!("↩ tool_result {mark}  ({tool_use_id})"));
            doc.text(Tone::Body, indent + 2, content);
        }
        ContentBlock::Thinking { thinking } => {
            doc.line_in(Tone::Dim, indent, None, "∴ thinking");
            doc.text(Tone::Dim, indent + 2, thinking);
        }
        ContentBlock::Image { media_type, bytes } => {
            doc.line_in(Tone::Dim, indent, None, &format!("[image {media_type}, {bytes} bytes]"));
        }
        ContentBlock::Other(value) => {
            let kind = value.get("type").and_then(Value::as_str).unwrap_or("block");
            doc.line_in(Tone::Dim, indent, None, &format!("[{kind}]"));
            doc.text(Tone::Json, indent + 2, &pretty_json(value));
        }
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

fn tools_doc(calls: &[ToolCallRecord]) -> Doc {
    let mut doc = Doc::new();
    if calls.is_empty() {
        doc.line(Tone::Dim, "No tool calls in this record.");
        return doc;
    }
    for (n, call) in calls.iter().enumerate() {
        if n > 0 {
            doc.blank();
        }
        tool_call_lines(&mut doc, n + 1, call, 0, None);
    }
    doc
}

/// A tool call: a heading line, then arguments and result (under `fold` when given).
pub fn tool_call_lines(doc: &mut Doc, number: usize, call: &ToolCallRecord, indent: u16, fold: Option<Fold>) {
    let (mark, tone) = outcome(call);
    let id = call.call_id.as_deref().map(|id| format!("  ({id})")).unwrap_or_default();
    doc.line_in(tone, indent, fold, &format!("{number}. {mark} {}{id}", call.name));
    if let Some(arguments) = &call.arguments {
        doc.line_in(Tone::Key, indent + 3, fold, "arguments:");
        doc.text_in(Tone::Json, indent + 5, fold, &pretty_json(arguments));
    }
    match &call.result {
        Some(result) => {
            let label = if call.result_truncated { "result (truncated by the writer):" } else { "result:" };
            doc.line_in(Tone::Key, indent + 3, fold, label);
            doc.text_in(Tone::Body, indent + 5, fold, result);
            if call.result_truncated {
                doc.line_in(Tone::Dim, indent + 5, fold, "… [truncated]");
            }
        }
        None => doc.line_in(Tone::Dim, indent + 3, fold, "(no result recorded)"),
    }
}

/// ✓ success, ✗ failure, · unknown.
pub fn outcome(call: &ToolCallRecord) -> (&'static str, Tone) {
    match call.success {
        Some(true) => ("✓", Tone::Ok),
        Some(false) => ("✗", Tone::Error),
        None => ("·", Tone::Tool),
    }
}

fn routing_view(record: &InteractionRecord) -> Option<RoutingView> {
    let routing = record.routing.as_ref()?;
    let mut features = Vec::new();
    if let Some(value) = &routing.features {
        flatten("", value, &mut features);
    }
    for (key, value) in &routing.extra {
        features.push((format!("({key})"), untrusted::line(&value.to_string()).into_owned()));
    }
    Some(RoutingView {
        profile: untrusted::line(routing.profile.as_deref().unwrap_or("—")).into_owned(),
        reason: routing.reason.clone().unwrap_or_default(),
        confidence: routing.confidence,
        features,
    })
}

fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, inner) in map {
                let key = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                flatten(&key, inner, out);
            }
        }
        Value::String(text) => out.push((untrusted::line(prefix).into_owned(), untrusted::line(text).into_owned())),
        other => out.push((untrusted::line(prefix).into_owned(), untrusted::line(&other.to_string()).into_owned())),
    }
}

pub use crate::units::{duration, tokens, tokens_marked};
