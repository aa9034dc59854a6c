//! Codex rollouts (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`): one `{timestamp, type,
//! payload}` line per `RolloutItem` (`session_meta`, `turn_context`, `response_item`, `event_msg`,
//! `compacted`).
//!
//! A model call's output items (`reasoning`, assistant `message`, `function_call`, ...) are
//! followed by an `event_msg` `token_count` carrying that call's `last_token_usage`; the tool
//! outputs come after it. A record's range runs from the user's input that started the turn (or
//! the call's first output item) to just before the next call's output.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::lines::ParsedLine;
use super::{first_line, instant, project_of, ChainPlace, Found, Partition, SourceKind, Wanted};
use crate::record::{
    ContentBlock, InteractionRecord, Message, MessageContent, RecordSource, Role, Timestamp, TokenUsage, ToolCallRecord,
};
use crate::store::turn_shape::{compose_headline, ShownResult};

const FIRST_LINE_MAX: usize = 120;

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(borrow, default)]
    payload: Option<&'a RawValue>,
}

/// The payload fields the partitioner looks at (of any item type).
#[derive(Deserialize, Default)]
struct Payload {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    cwd: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    name: Option<String>,
    /// `event_msg` `user_message`.
    #[serde(default)]
    message: Option<Value>,
    #[serde(default)]
    content: Option<Vec<ContentItem>>,
    #[serde(default)]
    info: Option<Info>,
    // Taken as any JSON: a field of an unexpected shape must not lose the others.
    #[serde(default)]
    call_id: Option<Value>,
    #[serde(default)]
    summary: Option<Value>,
    #[serde(default)]
    replacement_history: Option<Value>,
}

#[derive(Deserialize, Default)]
struct ContentItem {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
struct Info {
    #[serde(default)]
    last_token_usage: Option<CodexUsage>,
}

/// Codex's `TokenUsage`: `input_tokens` counts the cached ones too.
#[derive(Deserialize, Default, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CodexUsage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    cached_input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default)]
    reasoning_output_tokens: u64,
}

impl CodexUsage {
    /// The token convention: input without the cached part, which is counted as cache reads;
    /// reasoning is part of output, as in OpenAI's own counts.
    pub fn converted(&self) -> TokenUsage {
        TokenUsage {
            input_tokens: Some(self.input_tokens.saturating_sub(self.cached_input_tokens)),
            output_tokens: Some(self.output_tokens),
            cache_read_tokens: Some(self.cached_input_tokens),
            cache_creation_tokens: None,
            reasoning_tokens: Some(self.reasoning_output_tokens),
            extra: Map::new(),
        }
    }
}

/// Output items: what the model produced in one call.
fn is_output(kind: &str, role: Option<&str>) -> bool {
    match kind {
        "message" => role == Some("assistant"),
        "reasoning" | "function_call" | "custom_tool_call" | "local_shell_call" | "web_search_call" => true,
        _ => false,
    }
}

fn tool_name(kind: &str, name: Option<&str>) -> Option<String> {
    match kind {
        "function_call" | "custom_tool_call" => Some(name.unwrap_or_default().to_owned()),
        "local_shell_call" => Some("local_shell".into()),
        "web_search_call" => Some("web_search".into()),
        _ => None,
    }
}

struct Open {
    found: Found,
    /// The call's `token_count` arrived: the next output item starts another call.
    done: bool,
    first_nanos: i64,
    /// Its tool calls: (call id, tool name).
    calls: Vec<(String, String)>,
    /// A tool-loop call: the tools whose output it answers, for its headline.
    handed_back: Option<Vec<String>>,
    response_line: Option<String>,
}

impl Open {
    fn found(&self) -> Found {
        let mut found = self.found.clone();
        if let Some(tools) = &self.handed_back {
            let shown: Vec<ShownResult> = tools.iter().map(|tool| ShownResult { tool, failed: None }).collect();
            let own: Vec<&str> = found.tool_names.iter().map(String::as_str).collect();
            found.first_line = compose_headline(&shown, self.response_line.as_deref(), &own);
        }
        found
    }
}

/// Whether a response item becomes a message of the rebuilt request (as `message_of` decides).
fn is_message(kind: &str, call_id: Option<&str>, summary: bool) -> bool {
    match kind {
        "" => false,
        "reasoning" => summary,
        k if k.ends_with("_output") => call_id.is_some_and(|c| !c.is_empty()),
        _ => true,
    }
}

fn value_is_message(item: &Value) -> bool {
    let kind = str_at(item, "type").unwrap_or_default();
    let summary =
        item.get("summary").and_then(Value::as_array).is_some_and(|s| s.iter().any(|p| str_at(p, "text").is_some()));
    is_message(kind, str_at(item, "call_id"), summary)
}

/// A model call's id: a UUID (version 8, made up) derived from the rollout's file name (which holds
/// the session id) and the line of the call's first output item, so it is the same on every load
/// and its first characters tell calls apart.
pub fn record_id(file: &str, line: u64) -> String {
    let hash = |seed: u64| {
        let bytes = file.bytes().chain(line.to_le_bytes());
        bytes.fold(seed, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
    };
    let mut bits = (u128::from(hash(0xcbf2_9ce4_8422_2325)) << 64) | u128::from(hash(0x8422_2325_cbf2_9ce4));
    bits = (bits & !(0xF << 76)) | (0x8 << 76);
    bits = (bits & !(0x3 << 62)) | (0x2 << 62);
    uuid::Uuid::from_u128(bits).to_string()
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Cuts a Codex rollout into one range per model call.
pub(crate) struct Partitioner {
    file: String,
    session: String,
    project: String,
    model: String,
    pending: Option<(u64, u64)>,
    pending_prompt: Option<String>,
    turn_prompt: String,
    last_input: Option<(i64, i16)>,
    open: Option<Open>,
    /// What a request sent now would carry (see `history`).
    place: ChainPlace,
    /// The tools whose output was handed back since the last call.
    handed_back: Vec<String>,
}

impl Partitioner {
    pub fn new(path: &Path) -> Partitioner {
        Partitioner {
            file: file_name(path),
            session: String::new(),
            project: String::new(),
            model: String::new(),
            pending: None,
            pending_prompt: None,
            turn_prompt: String::new(),
            last_input: None,
            open: None,
            place: ChainPlace::default(),
            handed_back: Vec::new(),
        }
    }

    fn input(&mut self, offset: u64, line: u64, prompt: Option<String>, closed: &mut Vec<Found>) {
        if self.open.as_ref().is_some_and(|o| o.done) {
            if let Some(open) = self.open.take() {
                closed.push(open.found());
            }
        }
        if self.open.is_none() {
            self.pending.get_or_insert((offset, line));
        }
        if let Some(prompt) = prompt.map(|p| first_line(&p, FIRST_LINE_MAX)).filter(|p| !p.is_empty()) {
            self.turn_prompt = prompt.clone();
            self.pending_prompt = Some(prompt);
        }
    }

    /// Moves `place` past a line (the messages `history` rebuilds from it).
    fn advance(&mut self, line: Option<&str>, item: &str, payload: &Payload) {
        match line {
            Some("compacted") => {
                let kept = match payload.replacement_history.as_ref().and_then(Value::as_array) {
                    Some(items) => items.iter().filter(|i| value_is_message(i)).count() as u32,
                    None => u32::from(payload.message.as_ref().and_then(Value::as_str).is_some_and(|m| !m.is_empty())),
                };
                let segment = self.place.segment + 1;
                self.place = ChainPlace { request: kept, replied: 0, segment, tool_results: false };
                self.handed_back.clear();
            }
            Some("response_item") => {
                let summary = payload.summary.as_ref().and_then(Value::as_array);
                let summary = summary.is_some_and(|s| s.iter().any(|p| str_at(p, "text").is_some()));
                if !is_message(item, payload.call_id.as_ref().and_then(Value::as_str), summary) {
                    return;
                }
                let place = &mut self.place;
                place.request += 1;
                if is_output(item, payload.role.as_deref()) {
                    (place.replied, place.tool_results) = (place.request, false);
                } else if item.ends_with("_output") {
                    place.tool_results = place.replied == place.request - 1 || place.tool_results;
                } else {
                    place.tool_results = false;
                    if payload.role.as_deref() == Some("user") {
                        self.handed_back.clear();
                    }
                }
            }
            _ => {}
        }
    }

    fn extend(&mut self, end: u64) {
        if let Some(open) = self.open.as_mut() {
            open.found.len = end - open.found.offset;
        }
    }
}

/// A user message's own words (Codex also sends environment and instruction blocks as user
/// messages, in angle-bracketed wrappers).
fn typed_text(items: &[ContentItem]) -> Option<String> {
    let text: Vec<&str> = items
        .iter()
        .filter(|i| i.kind.as_deref() == Some("input_text"))
        .filter_map(|i| i.text.as_deref())
        .filter(|t| !t.trim_start().starts_with('<'))
        .collect();
    (!text.is_empty()).then(|| text.join("\n"))
}

impl Partition for Partitioner {
    fn line(&mut self, bytes: &[u8], offset: u64, line: u64, closed: &mut Vec<Found>) -> Result<(), String> {
        let text = std::str::from_utf8(bytes).map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to()))?;
        let parsed: Line = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
        let payload: Payload = match parsed.payload {
            Some(raw) => serde_json::from_str(raw.get()).unwrap_or_default(),
            None => Payload::default(),
        };
        let end = offset + bytes.len() as u64;
        let when = parsed.timestamp.as_deref().and_then(instant);
        let item = payload.kind.as_deref().unwrap_or_default();
        let place_before = self.place;
        self.advance(parsed.kind.as_deref(), item, &payload);
        match parsed.kind.as_deref() {
            Some("session_meta") => {
                if let Some(id) = payload.id.filter(|i| !i.is_empty()) {
                    self.session = id;
                }
                if let Some(cwd) = payload.cwd.as_deref() {
                    self.project = project_of(cwd);
                }
                self.extend(end);
            }
            Some("turn_context") => {
                if let Some(model) = payload.model.filter(|m| !m.is_empty()) {
                    self.model = model;
                }
                if let Some(cwd) = payload.cwd.as_deref() {
                    self.project = project_of(cwd);
                }
                self.extend(end);
            }
            Some("response_item") if is_output(item, payload.role.as_deref()) => {
                if self.open.as_ref().is_none_or(|o| o.done) {
                    if let Some(open) = self.open.take() {
                        closed.push(open.found());
                    }
                    let handed_back = std::mem::take(&mut self.handed_back);
                    let tool_loop = self.pending_prompt.is_none() && !handed_back.is_empty();
                    let (start, first) = self.pending.take().unwrap_or((offset, line));
                    let (nanos, offset_minutes) = self.last_input.or(when).unwrap_or_default();
                    self.open = Some(Open {
                        found: Found {
                            offset: start,
                            line: first,
                            nanos,
                            offset_minutes,
                            id: record_id(&self.file, line),
                            first_line: self.pending_prompt.take().unwrap_or_else(|| self.turn_prompt.clone()),
                            session: self.session.clone(),
                            project: self.project.clone(),
                            client: SourceKind::Codex.name(),
                            model: self.model.clone(),
                            chain: place_before,
                            ..Found::default()
                        },
                        done: false,
                        first_nanos: nanos,
                        calls: Vec::new(),
                        handed_back: tool_loop.then_some(handed_back),
                        response_line: None,
                    });
                }
                if let Some(open) = self.open.as_mut() {
                    open.found.len = end - open.found.offset;
                    if let Some(name) = tool_name(item, payload.name.as_deref()) {
                        let call = payload.call_id.as_ref().and_then(Value::as_str).unwrap_or_default();
                        open.calls.push((call.to_owned(), name.clone()));
                        open.found.tool_names.push(name);
                    }
                    if open.response_line.is_none() && item == "message" {
                        open.response_line = payload
                            .content
                            .iter()
                            .flatten()
                            .filter_map(|c| c.text.as_deref())
                            .map(|t| first_line(t, FIRST_LINE_MAX))
                            .find(|t| !t.is_empty());
                    }
                }
            }
            Some("response_item") if item == "message" => {
                if when.is_some() {
                    self.last_input = when;
                }
                let prompt = (payload.role.as_deref() == Some("user"))
                    .then(|| payload.content.as_deref().and_then(typed_text))
                    .flatten();
                self.input(offset, line, prompt, closed);
                self.extend(end);
            }
            Some("event_msg") if item == "user_message" => {
                if when.is_some() {
                    self.last_input = when;
                }
                let prompt = payload.message.as_ref().and_then(Value::as_str).map(str::to_owned);
                self.input(offset, line, prompt, closed);
                self.extend(end);
            }
            Some("event_msg") if item == "token_count" => {
                let usage = payload.info.and_then(|i| i.last_token_usage);
                if let (Some(open), Some(usage)) = (self.open.as_mut(), usage) {
                    if !open.done {
                        let converted = usage.converted();
                        open.found.input_tokens = converted.input_tokens.unwrap_or(0);
                        open.found.cache_read_tokens = converted.cache_read_tokens.unwrap_or(0);
                        open.found.output_tokens = usage.output_tokens;
                        if let Some((nanos, _)) = when {
                            open.found.duration_ms = u64::try_from((nanos - open.first_nanos) / 1_000_000).ok();
                        }
                        open.done = true;
                    }
                }
                self.extend(end);
            }
            Some("compacted") => self.input(offset, line, None, closed),
            _ => {
                if item.ends_with("_output") && when.is_some() {
                    self.last_input = when;
                }
                if item.ends_with("_output") {
                    let call = payload.call_id.as_ref().and_then(Value::as_str).unwrap_or_default();
                    let calls = self.open.as_ref().map(|o| o.calls.as_slice()).unwrap_or_default();
                    let name = calls.iter().find(|(id, _)| id == call).map(|(_, n)| n.as_str());
                    self.handed_back.push(name.filter(|n| !n.is_empty()).unwrap_or("tool").to_owned());
                }
                self.extend(end);
            }
        }
        Ok(())
    }

    fn open(&self) -> Vec<Found> {
        self.open.iter().map(Open::found).collect()
    }
}

fn str_at<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn line_kind(line: &ParsedLine) -> &str {
    str_at(&line.value, "type").unwrap_or_default()
}

fn payload(line: &ParsedLine) -> Option<&Value> {
    line.value.get("payload")
}

fn item_kind(line: &ParsedLine) -> &str {
    payload(line).and_then(|p| str_at(p, "type")).unwrap_or_default()
}

fn is_output_line(line: &ParsedLine) -> bool {
    line_kind(line) == "response_item" && payload(line).is_some_and(|p| is_output(item_kind(line), str_at(p, "role")))
}

/// Rebuilds the record `id` (see [`record_id`]) in `offset..offset + len`.
pub(crate) fn convert(wanted: &Wanted) -> Option<InteractionRecord> {
    let Wanted { path, lines, offset, len, id, with_history } = *wanted;
    let own = lines.in_range(offset, len);
    let file = file_name(path);
    let anchor_at = own.iter().position(|l| is_output_line(l) && record_id(&file, l.line) == id)?;
    let anchor = &own[anchor_at];
    let before = lines.before(anchor.offset);
    let mut record = InteractionRecord::new(String::new());
    record.prompt = None;
    record.id = id.to_owned();
    record.client = Some(SourceKind::Codex.name().to_owned());
    record.source = Some(RecordSource {
        kind: SourceKind::Codex.name().to_owned(),
        file: Some(path.display().to_string()),
        line: Some(anchor.line),
        extra: Map::new(),
    });
    let mut cwd = None;
    for line in before {
        let Some(p) = payload(line) else { continue };
        match line_kind(line) {
            "session_meta" => {
                record.session_id = str_at(p, "id").map(str::to_owned);
                cwd = str_at(p, "cwd").or(cwd);
                record.provider = str_at(p, "model_provider").map(str::to_owned);
                if let Some(version) = str_at(p, "cli_version") {
                    record.extra.insert("client_version".into(), Value::String(version.to_owned()));
                }
            }
            "turn_context" => {
                record.model = str_at(p, "model").map(str::to_owned).or(record.model.take());
                cwd = str_at(p, "cwd").or(cwd);
            }
            _ => {}
        }
    }
    if let Some(cwd) = cwd {
        record.project = Some(project_of(cwd)).filter(|p| !p.is_empty());
        record.extra.insert("cwd".into(), Value::String(cwd.to_owned()));
    }
    let sent = before
        .iter()
        .rev()
        .find(|l| !is_output_line(l) && (line_kind(l) == "response_item" || item_kind(l) == "user_message"))
        .or(Some(anchor))
        .and_then(|l| str_at(&l.value, "timestamp"));
    record.timestamp = sent.and_then(Timestamp::parse).unwrap_or_else(Timestamp::now);

    let after = &own[anchor_at..];
    let counted = after.iter().position(|l| item_kind(l) == "token_count" && payload(l).is_some_and(has_usage));
    let outputs = &after[..counted.unwrap_or(after.len())];
    let mut blocks = Vec::new();
    for line in outputs.iter().filter(|l| is_output_line(l)) {
        blocks.extend(payload(line).and_then(block_of));
    }
    if let Some(at) = counted {
        let count = &after[at];
        let usage = payload(count)
            .and_then(|p| p.get("info"))
            .and_then(|i| i.get("last_token_usage"))
            .and_then(|u| serde_json::from_value::<CodexUsage>(u.clone()).ok());
        record.usage = usage.map(|u| u.converted());
        let end = str_at(&count.value, "timestamp").and_then(Timestamp::parse);
        if let Some(end) = end {
            record.duration_ms = u64::try_from((end.unix_nanos() - record.timestamp.unix_nanos()) / 1_000_000).ok();
        }
    }
    let text: Vec<&str> = blocks
        .iter()
        .filter_map(|b| match b {
            ContentBlock::Text { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    record.response = (!text.is_empty()).then(|| text.join("\n"));
    record.tool_calls = tool_calls(&blocks, after);
    if blocks.iter().any(|b| !matches!(b, ContentBlock::Text { .. })) {
        record.extra.insert("response_blocks".into(), serde_json::to_value(&blocks).unwrap_or(Value::Null));
    }
    let inputs: &[ParsedLine] = if with_history { before } else { &own[..anchor_at] };
    record.messages = history(inputs);
    let prompt_lines: &[ParsedLine] = if with_history { before } else { &own[..anchor_at] };
    record.prompt = prompt_lines.iter().rev().find_map(user_message);
    record.extra.insert("user_turn".into(), Value::Bool(own[..anchor_at].iter().any(|l| user_message(l).is_some())));
    if own[..anchor_at].iter().any(|l| line_kind(l) == "compacted") {
        record.extra.insert("after_compaction".into(), Value::Bool(true));
    }
    Some(record)
}

fn has_usage(payload: &Value) -> bool {
    payload.get("info").and_then(|i| i.get("last_token_usage")).is_some_and(Value::is_object)
}

fn user_message(line: &ParsedLine) -> Option<String> {
    (line_kind(line) == "event_msg" && item_kind(line) == "user_message")
        .then(|| payload(line).and_then(|p| str_at(p, "message")).map(str::to_owned))
        .flatten()
}

/// The conversation as sent: the response items before the call, from the last compaction on
/// (its replacement history, when Codex kept one, stands for what came before).
fn history(lines: &[ParsedLine]) -> Vec<Message> {
    let start = lines.iter().rposition(|l| line_kind(l) == "compacted");
    let mut messages = Vec::new();
    if let Some(at) = start {
        let compacted = payload(&lines[at]);
        match compacted.and_then(|p| p.get("replacement_history")).and_then(Value::as_array) {
            Some(items) => messages.extend(items.iter().filter_map(message_of)),
            None => {
                if let Some(summary) = compacted.and_then(|p| str_at(p, "message")) {
                    messages.push(Message::text(Role::User, summary));
                }
            }
        }
    }
    let from = start.map_or(0, |at| at + 1);
    messages.extend(
        lines[from..]
            .iter()
            .filter(|l| line_kind(l) == "response_item")
            .filter_map(|l| payload(l).and_then(message_of)),
    );
    messages
}

fn message_of(item: &Value) -> Option<Message> {
    let kind = str_at(item, "type")?;
    let (role, block) = match kind {
        "message" => {
            let role = Role::from(str_at(item, "role").unwrap_or("user"));
            let text: Vec<ContentBlock> = item
                .get("content")
                .and_then(Value::as_array)
                .map(|parts| {
                    parts
                        .iter()
                        .filter_map(|p| str_at(p, "text").map(|t| ContentBlock::Text { text: t.to_owned() }))
                        .collect()
                })
                .unwrap_or_default();
            return Some(Message::new(role, MessageContent::Blocks(text)));
        }
        k if k.ends_with("_output") => (Role::User, output_block(item)?),
        _ => (Role::Assistant, block_of(item)?),
    };
    Some(Message::new(role, MessageContent::Blocks(vec![block])))
}

/// An output item as a content block.
fn block_of(item: &Value) -> Option<ContentBlock> {
    let kind = str_at(item, "type")?;
    Some(match kind {
        "message" => {
            let text: Vec<&str> = item
                .get("content")
                .and_then(Value::as_array)
                .map(|parts| parts.iter().filter_map(|p| str_at(p, "text")).collect())
                .unwrap_or_default();
            ContentBlock::Text { text: text.join("\n") }
        }
        "reasoning" => {
            let summary: Vec<&str> = item
                .get("summary")
                .and_then(Value::as_array)
                .map(|parts| parts.iter().filter_map(|p| str_at(p, "text")).collect())
                .unwrap_or_default();
            if summary.is_empty() {
                return None;
            }
            ContentBlock::Thinking { thinking: summary.join("\n") }
        }
        "function_call" => ContentBlock::ToolUse {
            id: str_at(item, "call_id").unwrap_or_default().to_owned(),
            name: str_at(item, "name").unwrap_or_default().to_owned(),
            // The arguments travel as a JSON string; kept as the string when it is not JSON.
            input: str_at(item, "arguments")
                .map(|a| serde_json::from_str(a).unwrap_or_else(|_| Value::String(a.to_owned())))
                .unwrap_or(Value::Null),
        },
        "custom_tool_call" => ContentBlock::ToolUse {
            id: str_at(item, "call_id").unwrap_or_default().to_owned(),
            name: str_at(item, "name").unwrap_or_default().to_owned(),
            input: item.get("input").cloned().unwrap_or(Value::Null),
        },
        "local_shell_call" => ContentBlock::ToolUse {
            id: str_at(item, "call_id").unwrap_or_default().to_owned(),
            name: "local_shell".into(),
            input: item.get("action").cloned().unwrap_or(Value::Null),
        },
        "web_search_call" => ContentBlock::ToolUse {
            id: str_at(item, "id").unwrap_or_default().to_owned(),
            name: "web_search".into(),
            input: item.get("action").cloned().unwrap_or(Value::Null),
        },
        _ => ContentBlock::Other(item.clone()),
    })
}

fn output_block(item: &Value) -> Option<ContentBlock> {
    let call_id = str_at(item, "call_id")?.to_owned();
    let (content, success) = output_text(item.get("output"));
    Some(ContentBlock::ToolResult { tool_use_id: call_id, content, is_error: success == Some(false) })
}

/// A tool output's text and success: a plain string, content items, or (older rollouts) an
/// object with `content` and `success`.
fn output_text(output: Option<&Value>) -> (String, Option<bool>) {
    match output {
        Some(Value::String(text)) => (text.clone(), None),
        Some(Value::Array(parts)) => {
            (parts.iter().filter_map(|p| str_at(p, "text")).collect::<Vec<_>>().join("\n"), None)
        }
        Some(Value::Object(map)) => (
            map.get("content").and_then(Value::as_str).unwrap_or_default().to_owned(),
            map.get("success").and_then(Value::as_bool),
        ),
        _ => (String::new(), None),
    }
}

fn tool_calls(blocks: &[ContentBlock], after: &[ParsedLine]) -> Vec<ToolCallRecord> {
    let mut results: HashMap<String, (String, Option<bool>)> = HashMap::new();
    for line in after.iter().filter(|l| line_kind(l) == "response_item" && item_kind(l).ends_with("_output")) {
        let Some(p) = payload(line) else { continue };
        if let Some(call_id) = str_at(p, "call_id") {
            results.entry(call_id.to_owned()).or_insert_with(|| output_text(p.get("output")));
        }
    }
    blocks
        .iter()
        .filter_map(|block| match block {
            ContentBlock::ToolUse { id, name, input } => {
                let (result, success) = results.remove(id).map_or((None, None), |(r, s)| (Some(r), s));
                Some(ToolCallRecord {
                    name: name.clone(),
                    call_id: Some(id.clone()).filter(|i| !i.is_empty()),
                    arguments: Some(input.clone()),
                    success: success.or(result.as_ref().map(|_| true)),
                    result,
                    result_truncated: false,
                    extra: Map::new(),
                })
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_input_is_taken_out_of_input() {
        let usage =
            CodexUsage { input_tokens: 1000, cached_input_tokens: 800, output_tokens: 50, reasoning_output_tokens: 20 };
        let converted = usage.converted();
        assert_eq!(converted.input_tokens, Some(200));
        assert_eq!(converted.cache_read_tokens, Some(800));
        assert_eq!(converted.output_tokens, Some(50));
        assert_eq!(converted.reasoning_tokens, Some(20));
    }

    #[test]
    fn a_call_ends_at_the_next_output_after_its_token_count() {
        let lines = [
            r#"{"timestamp":"2026-11-20T10:00:00Z","type":"session_meta","payload":{"id":"sess","cwd":"/w/app","timestamp":"2026-11-20T10:00:00Z","originator":"codex_cli_rs","cli_version":"0.50.0"}}"#,
            r#"{"timestamp":"2026-11-20T10:00:01Z","type":"turn_context","payload":{"cwd":"/w/app","model":"gpt-5-codex","approval_policy":"on-request","sandbox_policy":{"mode":"read-only"},"summary":"auto"}}"#,
            r#"{"timestamp":"2026-11-20T10:00:01Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"list files"}]}}"#,
            r#"{"timestamp":"2026-11-20T10:00:01Z","type":"event_msg","payload":{"type":"user_message","message":"list files","kind":"plain"}}"#,
            r#"{"timestamp":"2026-11-20T10:00:03Z","type":"response_item","payload":{"type":"function_call","name":"shell","arguments":"{\"command\":[\"ls\"]}","call_id":"c1"}}"#,
            r#"{"timestamp":"2026-11-20T10:00:03Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":100,"cached_input_tokens":40,"output_tokens":10,"reasoning_output_tokens":0,"total_tokens":110},"last_token_usage":{"input_tokens":100,"cached_input_tokens":40,"output_tokens":10,"reasoning_output_tokens":0,"total_tokens":110},"model_context_window":200000}}}"#,
            r#"{"timestamp":"2026-11-20T10:00:04Z","type":"response_item","payload":{"type":"function_call_output","call_id":"c1","output":"a.rs"}}"#,
            r#"{"timestamp":"2026-11-20T10:00:05Z","type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"one file"}]}}"#,
        ];
        let mut p = Partitioner::new(Path::new("/s/rollout-x.jsonl"));
        let mut closed = Vec::new();
        let mut offset = 0;
        for (n, line) in lines.iter().enumerate() {
            p.line(line.as_bytes(), offset, n as u64 + 1, &mut closed).unwrap();
            offset += line.len() as u64 + 1;
        }
        assert_eq!(closed.len(), 1);
        let first = &closed[0];
        assert_eq!(first.id, record_id("rollout-x.jsonl", 5));
        assert_ne!(first.id[..8], record_id("rollout-x.jsonl", 8)[..8]);
        assert_eq!(first.line, 3, "the range starts at the user's input");
        assert_eq!((first.input_tokens, first.output_tokens), (60, 10));
        assert_eq!(first.tool_names, ["shell"]);
        assert_eq!(first.first_line, "list files");
        assert_eq!(first.model, "gpt-5-codex");
        assert_eq!(first.project, "app");
        assert_eq!(first.chain, ChainPlace { request: 1, replied: 0, segment: 0, tool_results: false });
        let open = p.open().pop().unwrap();
        assert_eq!(open.id, record_id("rollout-x.jsonl", 8));
        assert_eq!(open.first_line, "↩ shell → \"one file\"", "a tool-loop call says what it is");
        // The prompt, the call and its output.
        assert_eq!(open.chain, ChainPlace { request: 3, replied: 2, segment: 0, tool_results: true });
    }
}
