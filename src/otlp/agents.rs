//! Log events → records: the LLM request events that coding agents export (Claude Code's
//! `claude_code.*`, Codex's `codex.*`), and GenAI inference events.
//!
//! An agent reports one model call as several events that arrive over several export batches (a
//! request, its raw bodies, then the results of the tools it asked for). [`EventJoiner`] holds a
//! call open per session until the session's next call (or prompt) starts, or until it has been
//! quiet for the hold time, and only then hands out its record.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::trace::v1::Span;
use serde_json::Value;

use super::attrs as a;
use super::ids;
use super::value::{text_of, Attributes};
use super::{finish_record, from_spans, timestamp_from_nanos, Received};
use crate::record::{
    ContentBlock, InteractionRecord, Message, MessageContent, StopReason, Timestamp, TokenUsage, ToolCallRecord,
};

/// Claude Code writes this in place of content it was not allowed to export.
const REDACTED: &str = "<REDACTED>";
/// Bodies kept per session waiting for their request event; more means the events are not coming.
const MAX_WAITING_BODIES: usize = 16;
/// A session without an open call is forgotten after this long.
const SESSION_IDLE: Duration = Duration::from_secs(600);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Agent {
    ClaudeCode,
    Codex,
}

impl Agent {
    fn client(self) -> &'static str {
        match self {
            Agent::ClaudeCode => "claude-code",
            Agent::Codex => "codex",
        }
    }
}

struct OpenCall {
    record: InteractionRecord,
    since: Instant,
}

#[derive(Default)]
struct SessionState {
    /// The latest prompt: its `prompt.id` (Claude Code; empty for Codex) and text.
    prompt: Option<(String, String)>,
    open: Option<OpenCall>,
    request_body: Option<Value>,
    response_bodies: HashMap<String, Value>,
    provider: Option<String>,
    last_seen: Option<Instant>,
}

/// Joins agents' events into records across export requests. See the module docs.
pub struct EventJoiner {
    sessions: HashMap<(Agent, String), SessionState>,
    hold: Duration,
}

impl EventJoiner {
    pub fn new(hold: Duration) -> Self {
        EventJoiner { sessions: HashMap::new(), hold }
    }

    /// Takes one export request; returns the records completed by it and the count of log
    /// records it did not understand.
    pub fn feed(&mut self, request: &ExportLogsServiceRequest, now: Instant) -> Received {
        let mut received = Received::default();
        for resource_logs in &request.resource_logs {
            let resource: &[KeyValue] = resource_logs.resource.as_ref().map_or(&[], |r| r.attributes.as_slice());
            for log in resource_logs.scope_logs.iter().flat_map(|scope| scope.log_records.iter()) {
                if !self.event(log, resource, now, &mut received.records) {
                    received.dropped += 1;
                }
            }
        }
        received
    }

    /// Records whose call has been quiet for the hold time.
    pub fn flush_due(&mut self, now: Instant) -> Vec<InteractionRecord> {
        let mut done = Vec::new();
        for state in self.sessions.values_mut() {
            if state.open.as_ref().is_some_and(|open| now.duration_since(open.since) >= self.hold) {
                done.extend(state.open.take().map(|open| finish_record(open.record)));
            }
        }
        self.sessions.retain(|_, state| {
            state.open.is_some() || state.last_seen.is_some_and(|seen| now.duration_since(seen) < SESSION_IDLE)
        });
        done
    }

    /// Every open call, complete or not (at shutdown).
    pub fn flush_all(&mut self) -> Vec<InteractionRecord> {
        self.sessions.drain().filter_map(|(_, state)| state.open.map(|open| finish_record(open.record))).collect()
    }

    /// True when the event was understood.
    fn event(
        &mut self,
        log: &LogRecord,
        resource: &[KeyValue],
        now: Instant,
        done: &mut Vec<InteractionRecord>,
    ) -> bool {
        let attrs = Attributes::layered(&log.attributes, &[], resource);
        let Some((agent, name)) = event_name(log, &attrs) else {
            return generic_event(log, resource, done);
        };
        let session = match agent {
            Agent::ClaudeCode => attrs.text("session.id"),
            Agent::Codex => attrs.text("conversation.id"),
        }
        .unwrap_or_default();
        let at = event_time(log, &attrs);
        let state = self.sessions.entry((agent, session.clone())).or_default();
        state.last_seen = Some(now);
        let ctx = EventContext { agent, session: &session, attrs: &attrs, at, now };
        match (agent, name.as_str()) {
            (Agent::ClaudeCode, "user_prompt") | (Agent::Codex, "user_prompt") => {
                close(state, done);
                let prompt_id = attrs.text("prompt.id").unwrap_or_default();
                state.prompt = attrs.text("prompt").filter(|p| p != REDACTED).map(|text| (prompt_id, text));
            }
            (Agent::ClaudeCode, "api_request") => {
                close(state, done);
                state.open = Some(OpenCall { record: claude_request(&ctx, state), since: now });
            }
            (Agent::ClaudeCode, "api_error") => {
                close(state, done);
                let mut record = claude_request(&ctx, state);
                record.error = Some(claude_error(&attrs));
                done.push(finish_record(record));
            }
            (Agent::ClaudeCode, "api_request_body") => {
                state.request_body = body(&attrs);
            }
            (Agent::ClaudeCode, "api_response_body") => {
                let Some(response) = body(&attrs) else { return true };
                let request_id = attrs.text("request_id").unwrap_or_default();
                match state.open.as_mut().filter(|open| open.record.request_id.as_deref() == Some(request_id.as_str()))
                {
                    Some(open) => apply_response_body(&mut open.record, &response),
                    None if state.response_bodies.len() < MAX_WAITING_BODIES => {
                        state.response_bodies.insert(request_id, response);
                    }
                    None => {}
                }
            }
            (Agent::ClaudeCode, "assistant_response") => {
                if let Some(open) = state.open.as_mut() {
                    let text = attrs.text("response").filter(|r| r != REDACTED);
                    if open.record.response.is_none() {
                        open.record.response = text;
                    }
                }
            }
            (Agent::ClaudeCode, "tool_result") | (Agent::Codex, "tool_result") => {
                let call = tool_result(agent, &attrs);
                match state.open.as_mut() {
                    Some(open) => merge_tool_call(&mut open.record, call),
                    None => return false,
                }
            }
            (Agent::Codex, "conversation_starts") => {
                state.provider = attrs.text("provider_name");
            }
            (Agent::Codex, "api_request") | (Agent::Codex, "websocket_request") => {
                close(state, done);
                state.open = Some(OpenCall { record: codex_request(&ctx, state), since: now });
            }
            (Agent::Codex, "sse_event") | (Agent::Codex, "websocket_event") => {
                let kind = attrs.text("event.kind").unwrap_or_default();
                if kind == "response.completed" {
                    if state.open.is_none() {
                        state.open = Some(OpenCall { record: codex_request(&ctx, state), since: now });
                    }
                    if let Some(open) = state.open.as_mut() {
                        open.record.usage = codex_usage(&attrs);
                        open.record.response_id = open.record.response_id.take().or_else(|| attrs.text("response.id"));
                    }
                }
            }
            (_, "tool_decision") => {}
            _ => return false,
        }
        true
    }
}

/// Hands out the session's open call, if any.
fn close(state: &mut SessionState, done: &mut Vec<InteractionRecord>) {
    if let Some(open) = state.open.take() {
        done.push(finish_record(open.record));
    }
}

struct EventContext<'a> {
    agent: Agent,
    session: &'a str,
    attrs: &'a Attributes<'a>,
    at: Timestamp,
    #[allow(dead_code)]
    now: Instant,
}

/// `claude_code.api_request` in the body (or `event_name`) with `event.name` = `api_request` in
/// the attributes; Codex puts `codex.api_request` in `event.name`.
fn event_name(log: &LogRecord, attrs: &Attributes<'_>) -> Option<(Agent, String)> {
    let body = log.body.as_ref().and_then(text_of);
    let candidates = [Some(log.event_name.clone()), body, attrs.text("event.name")];
    for candidate in candidates.iter().flatten() {
        if let Some(rest) = candidate.strip_prefix("claude_code.") {
            return Some((Agent::ClaudeCode, rest.to_owned()));
        }
        if let Some(rest) = candidate.strip_prefix("codex.") {
            return Some((Agent::Codex, rest.to_owned()));
        }
    }
    let service = attrs.text(a::SERVICE_NAME).unwrap_or_default();
    let short = attrs.text("event.name")?;
    match service.as_str() {
        "claude-code" => Some((Agent::ClaudeCode, short)),
        s if s.starts_with("codex") => Some((Agent::Codex, short)),
        _ => None,
    }
}

/// A GenAI inference event (`gen_ai.client.inference.operation.details`) is a record on its own.
fn generic_event(log: &LogRecord, resource: &[KeyValue], done: &mut Vec<InteractionRecord>) -> bool {
    let attrs = Attributes::new(&log.attributes);
    let name =
        if log.event_name.is_empty() { attrs.text("event.name").unwrap_or_default() } else { log.event_name.clone() };
    if name != a::INFERENCE_DETAILS_EVENT {
        return false;
    }
    let time = if log.time_unix_nano > 0 { log.time_unix_nano } else { log.observed_time_unix_nano };
    let mut attributes = log.attributes.clone();
    if attrs.get(a::OPERATION_NAME).is_none() {
        attributes.push(super::value::string(a::OPERATION_NAME, a::OP_CHAT));
    }
    let span_id =
        if log.span_id.is_empty() { ids::span_id(&format!("log:{time}")).to_vec() } else { log.span_id.clone() };
    let span = Span {
        trace_id: log.trace_id.clone(),
        span_id,
        attributes,
        start_time_unix_nano: time,
        end_time_unix_nano: time,
        ..Span::default()
    };
    let request = opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest {
        resource_spans: vec![opentelemetry_proto::tonic::trace::v1::ResourceSpans {
            resource: Some(opentelemetry_proto::tonic::resource::v1::Resource {
                attributes: resource.to_vec(),
                dropped_attributes_count: 0,
                entity_refs: Vec::new(),
            }),
            scope_spans: vec![opentelemetry_proto::tonic::trace::v1::ScopeSpans {
                scope: None,
                spans: vec![span],
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    };
    let received = from_spans::records_from_traces(&request);
    let understood = !received.records.is_empty();
    done.extend(received.records);
    understood
}

fn event_time(log: &LogRecord, attrs: &Attributes<'_>) -> Timestamp {
    if let Some(at) = attrs.text("event.timestamp").and_then(|t| Timestamp::parse(&t)) {
        return at;
    }
    let nanos = if log.time_unix_nano > 0 { log.time_unix_nano } else { log.observed_time_unix_nano };
    timestamp_from_nanos(nanos)
}

/// The events are logged when the call ended; a record's time is when it was sent.
fn sent_at(at: Timestamp, duration_ms: Option<u64>) -> Timestamp {
    match duration_ms.and_then(|ms| i64::try_from(ms).ok()) {
        Some(ms) => Timestamp::from_utc(at.as_utc() - chrono::Duration::milliseconds(ms)),
        None => at,
    }
}

fn base_record(ctx: &EventContext<'_>, id: String, state: &SessionState) -> InteractionRecord {
    let mut record = InteractionRecord::new("");
    record.prompt = None;
    record.id = id;
    record.client = Some(ctx.agent.client().to_owned());
    record.session_id = Some(ctx.session.to_owned()).filter(|s| !s.is_empty());
    record.model = ctx.attrs.text("model");
    record.duration_ms = ctx.attrs.uint("duration_ms");
    record.timestamp = sent_at(ctx.at, record.duration_ms);
    record.prompt = state.prompt.as_ref().map(|(_, text)| text.clone());
    record
}

fn claude_request(ctx: &EventContext<'_>, state: &mut SessionState) -> InteractionRecord {
    let attrs = ctx.attrs;
    let request_id = attrs.text("request_id");
    let key = match &request_id {
        Some(request) => format!("claude-code:request:{request}"),
        None => format!(
            "claude-code:{}:{}:{}",
            ctx.session,
            attrs.text("event.sequence").unwrap_or_default(),
            ctx.at.unix_nanos()
        ),
    };
    let mut record = base_record(ctx, ids::record_id_for(&key), state);
    // The prompt text belongs to this call only when it is this prompt's.
    let prompt_id = attrs.text("prompt.id").unwrap_or_default();
    if state.prompt.as_ref().is_some_and(|(id, _)| !id.is_empty() && !prompt_id.is_empty() && *id != prompt_id) {
        record.prompt = None;
    }
    record.provider = Some("anthropic".into());
    record.request_id = request_id.clone();
    record.agent = attrs.text("agent.name");
    let usage = TokenUsage {
        input_tokens: attrs.uint("input_tokens"),
        output_tokens: attrs.uint("output_tokens"),
        cache_read_tokens: attrs.uint("cache_read_tokens"),
        cache_creation_tokens: attrs.uint("cache_creation_tokens"),
        ..TokenUsage::default()
    };
    record.usage = (!usage.is_empty()).then_some(usage);
    if let Some(cost) = attrs.float("cost_usd") {
        record.extra.insert("cost_usd".into(), Value::from(cost));
    }
    if let Some(body) = state.request_body.take() {
        apply_request_body(&mut record, &body);
    }
    if let Some(response) = request_id.and_then(|id| state.response_bodies.remove(&id)) {
        apply_response_body(&mut record, &response);
    }
    record
}

fn claude_error(attrs: &Attributes<'_>) -> String {
    let message = attrs.text("error").unwrap_or_else(|| "the API request failed".into());
    match attrs.uint("status_code") {
        Some(status) => format!("HTTP {status}: {message}"),
        None => message,
    }
}

fn codex_request(ctx: &EventContext<'_>, state: &SessionState) -> InteractionRecord {
    let key = format!("codex:{}:{}", ctx.session, ctx.at.unix_nanos());
    let mut record = base_record(ctx, ids::record_id_for(&key), state);
    record.provider = Some(state.provider.clone().unwrap_or_else(|| "openai".into()));
    let status = ctx.attrs.uint("http.response.status_code");
    if let Some(message) = ctx.attrs.text("error.message") {
        record.error = Some(match status {
            Some(status) => format!("HTTP {status}: {message}"),
            None => message,
        });
    } else if let Some(status) = status.filter(|s| *s >= 400) {
        record.error = Some(format!("HTTP {status}"));
    }
    record
}

/// Codex counts cached tokens inside its input count; ours keep them apart (docs/format.md).
fn codex_usage(attrs: &Attributes<'_>) -> Option<TokenUsage> {
    let cached = attrs.uint("cached_token_count");
    let usage = TokenUsage {
        input_tokens: attrs.uint("input_token_count").map(|input| input.saturating_sub(cached.unwrap_or(0))),
        output_tokens: attrs.uint("output_token_count"),
        cache_read_tokens: cached,
        reasoning_tokens: attrs.uint("reasoning_token_count"),
        ..TokenUsage::default()
    };
    (!usage.is_empty()).then_some(usage)
}

fn tool_result(agent: Agent, attrs: &Attributes<'_>) -> ToolCallRecord {
    let (id_key, arguments_key) = match agent {
        Agent::ClaudeCode => ("tool_use_id", "tool_input"),
        Agent::Codex => ("call_id", "arguments"),
    };
    let arguments = attrs.json(arguments_key).or_else(|| attrs.text(arguments_key).map(Value::String));
    ToolCallRecord {
        name: attrs.text("tool_name").unwrap_or_else(|| "unknown".into()),
        call_id: attrs.text(id_key),
        arguments: arguments.or_else(|| attrs.json("tool_parameters")),
        success: attrs.flag("success"),
        result: attrs.text("output").or_else(|| attrs.text("error")),
        ..ToolCallRecord::default()
    }
}

/// A result for a call the response asked for fills that call; any other is added.
fn merge_tool_call(record: &mut InteractionRecord, call: ToolCallRecord) {
    let existing =
        call.call_id.as_ref().and_then(|id| record.tool_calls.iter_mut().find(|c| c.call_id.as_ref() == Some(id)));
    match existing {
        Some(existing) => {
            existing.success = call.success.or(existing.success);
            existing.result = call.result.or(existing.result.take());
            if existing.arguments.is_none() {
                existing.arguments = call.arguments;
            }
        }
        None => record.tool_calls.push(call),
    }
}

/// The `body` attribute: JSON text (truncated bodies do not parse and are left out).
fn body(attrs: &Attributes<'_>) -> Option<Value> {
    attrs.text("body").and_then(|text| serde_json::from_str(&text).ok())
}

/// An Anthropic Messages API request body: system, messages, tools.
fn apply_request_body(record: &mut InteractionRecord, body: &Value) {
    record.system_prompt = match body.get("system") {
        Some(Value::String(text)) => Some(text.clone()),
        Some(Value::Array(blocks)) => {
            let texts: Vec<&str> = blocks.iter().filter_map(|b| b.get("text").and_then(Value::as_str)).collect();
            (!texts.is_empty()).then(|| texts.join("\n"))
        }
        _ => None,
    };
    if let Some(messages) = body.get("messages").and_then(Value::as_array) {
        record.messages = messages.iter().filter_map(anthropic_message).collect();
    }
    if let Some(tools) = body.get("tools").and_then(Value::as_array) {
        record.tools_available =
            tools.iter().filter_map(|t| t.get("name").and_then(Value::as_str).map(str::to_owned)).collect();
    }
    if record.model.is_none() {
        record.model = body.get("model").and_then(Value::as_str).map(str::to_owned);
    }
}

fn anthropic_message(value: &Value) -> Option<Message> {
    let role = value.get("role")?.as_str()?;
    let content = match value.get("content")? {
        Value::String(text) => MessageContent::Text(text.clone()),
        Value::Array(blocks) => MessageContent::Blocks(blocks.iter().map(anthropic_block).collect()),
        _ => return None,
    };
    Some(Message::new(role.into(), content))
}

/// Cache markers are request plumbing, not content; without them the block has a known shape.
fn anthropic_block(block: &Value) -> ContentBlock {
    let mut block = block.clone();
    if let Some(map) = block.as_object_mut() {
        map.remove("cache_control");
        map.remove("signature");
        if map.get("type").and_then(Value::as_str) == Some("tool_result") {
            if let Some(Value::Array(parts)) = map.get("content") {
                let text: Vec<&str> = parts.iter().filter_map(|p| p.get("text").and_then(Value::as_str)).collect();
                map.insert("content".into(), Value::String(text.join("\n")));
            }
        }
    }
    ContentBlock::from_value(block)
}

/// An Anthropic Messages API response body: text, tool calls, stop reason, id, usage.
fn apply_response_body(record: &mut InteractionRecord, body: &Value) {
    let blocks = body.get("content").and_then(Value::as_array).cloned().unwrap_or_default();
    let texts: Vec<&str> = blocks
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
        .filter_map(|b| b.get("text").and_then(Value::as_str))
        .collect();
    if !texts.is_empty() {
        record.response = Some(texts.join("\n"));
    }
    for block in blocks.iter().filter(|b| b.get("type").and_then(Value::as_str) == Some("tool_use")) {
        let Some(name) = block.get("name").and_then(Value::as_str) else { continue };
        let call = ToolCallRecord {
            name: name.to_owned(),
            call_id: block.get("id").and_then(Value::as_str).map(str::to_owned),
            arguments: block.get("input").cloned(),
            ..ToolCallRecord::default()
        };
        merge_tool_call(record, call);
    }
    if let Some(reason) = body.get("stop_reason").and_then(Value::as_str) {
        record.stop_reason = Some(StopReason::from(reason));
    }
    if let Some(id) = body.get("id").and_then(Value::as_str) {
        record.response_id = Some(id.to_owned());
    }
}
