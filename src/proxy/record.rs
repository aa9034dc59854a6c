//! From one proxied exchange to one record (docs/format.md): what the three APIs have in common.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::{anthropic, openai_chat, openai_responses};
use crate::capture::Redactor;
use crate::record::exchange::{response_text, tool_calls};
use crate::record::{ContentBlock, InteractionRecord, Message, StopReason, Timestamp, TokenUsage};

/// The recorded APIs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    /// Anthropic `POST /v1/messages`.
    AnthropicMessages,
    /// OpenAI `POST /v1/chat/completions`.
    OpenAiChat,
    /// OpenAI `POST /v1/responses`.
    OpenAiResponses,
}

impl Api {
    /// `gen_ai.provider.name`.
    pub fn provider(self) -> &'static str {
        match self {
            Api::AnthropicMessages => "anthropic",
            Api::OpenAiChat | Api::OpenAiResponses => "openai",
        }
    }

    /// The response header holding the provider's request id.
    pub fn request_id_header(self) -> &'static str {
        match self {
            Api::AnthropicMessages => "request-id",
            Api::OpenAiChat | Api::OpenAiResponses => "x-request-id",
        }
    }

    /// A fresh rebuilder for this API's event stream.
    pub fn stream_rebuilder(self) -> Box<dyn StreamRebuilder> {
        match self {
            Api::AnthropicMessages => Box::<anthropic::MessageStream>::default(),
            Api::OpenAiChat => Box::<openai_chat::ChunkStream>::default(),
            Api::OpenAiResponses => Box::<openai_responses::EventStream>::default(),
        }
    }

    /// The response rebuilt from a whole (non-streamed) JSON body.
    pub fn rebuild_body(self, body: &Value) -> Rebuilt {
        match self {
            Api::AnthropicMessages => anthropic::rebuild_message(body),
            Api::OpenAiChat => openai_chat::rebuild_completion(body),
            Api::OpenAiResponses => openai_responses::rebuild_response(body),
        }
    }

    /// The request's model, system prompt, messages and tools.
    pub fn request_parts(self, body: &Value) -> RequestParts {
        match self {
            Api::AnthropicMessages => anthropic::request_parts(body),
            Api::OpenAiChat => openai_chat::request_parts(body),
            Api::OpenAiResponses => openai_responses::request_parts(body),
        }
    }

    /// The message of a JSON error body (`{"error": {"message": …}}` in all three APIs).
    pub fn error_message(self, body: &Value) -> Option<String> {
        let error = body.get("error")?;
        let message = error.get("message").and_then(Value::as_str).or_else(|| error.as_str())?;
        let kind = error.get("type").or_else(|| error.get("code")).and_then(Value::as_str);
        Some(match kind {
            Some(kind) => format!("{kind}: {message}"),
            None => message.to_owned(),
        })
    }
}

/// What a request says, in the record's terms.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestParts {
    pub model: Option<String>,
    pub system: Option<String>,
    pub messages: Vec<Message>,
    pub tools: Vec<String>,
}

/// The response as rebuilt from its stream or its body.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rebuilt {
    pub response_id: Option<String>,
    pub model: Option<String>,
    pub content: Vec<ContentBlock>,
    pub usage: TokenUsage,
    pub stop_reason: Option<String>,
    /// An error the provider reported inside the stream or body.
    pub error: Option<String>,
    /// The stream reached its documented end (`message_stop`, `[DONE]`, a terminal response).
    pub complete: bool,
}

/// Rebuilds a response from its server-sent events, one at a time, as they arrive.
pub trait StreamRebuilder: Send {
    /// Takes one event; returns whether it carried generated content (for `ttft_ms`).
    /// Never fails: an event it cannot read is skipped.
    fn event(&mut self, name: &str, data: &str) -> bool;
    /// What the events seen so far amount to.
    fn finish(self: Box<Self>) -> Rebuilt;
}

/// How the exchange ended, as the proxy saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// The upstream's body ended normally.
    Complete,
    /// The upstream connection broke (reset, timeout) before the body ended.
    UpstreamBroke(String),
    /// The client went away before the body ended.
    ClientGone,
    /// No answer from the upstream at all.
    Unreachable(String),
}

/// Everything known about one exchange besides the response.
#[derive(Debug)]
pub struct Exchange {
    pub api: Api,
    pub started_at: Timestamp,
    pub started: Instant,
    pub request: axum::body::Bytes,
    pub session_id: Option<String>,
    pub project: Option<String>,
    pub client: Option<String>,
    pub request_id: Option<String>,
    pub status: Option<u16>,
    /// The credentials the request carried: scrubbed from every recorded text.
    pub secrets: Redactor,
}

/// What the tee saw of the response.
#[derive(Debug)]
pub struct Seen {
    pub rebuilt: Rebuilt,
    pub first_content: Option<Instant>,
    pub ended: Instant,
    pub end: End,
    /// The body was longer than the proxy keeps for rebuilding.
    pub truncated: bool,
}

/// The record of one exchange.
pub fn build(exchange: &Exchange, seen: Seen) -> InteractionRecord {
    let request: Value = serde_json::from_slice(&exchange.request).unwrap_or(Value::Null);
    let parts = exchange.api.request_parts(&request);
    let rebuilt = seen.rebuilt;
    let mut record = InteractionRecord::new(String::new());
    record.timestamp = exchange.started_at;
    record.prompt = last_user_text(&parts.messages);
    record.model = rebuilt.model.clone().or(parts.model);
    record.system_prompt = parts.system.filter(|s| !s.trim().is_empty());
    record.messages = parts.messages;
    record.tools_available = parts.tools;
    record.response = Some(response_text(&rebuilt.content)).filter(|text| !text.is_empty());
    record.tool_calls = tool_calls(&rebuilt.content);
    let thinking = thinking_text(&rebuilt.content);
    if !thinking.is_empty() {
        // The record has no field for the response's reasoning; an unknown field is kept by
        // every reader and shown in the raw view (docs/proxy.md names it).
        record.extra.insert(RESPONSE_THINKING.to_owned(), Value::String(thinking));
    }
    record.usage = Some(rebuilt.usage).filter(|usage| !usage.is_empty());
    record.stop_reason = rebuilt.stop_reason.as_deref().map(StopReason::from);
    record.duration_ms = Some(millis(seen.ended.saturating_duration_since(exchange.started)));
    record.ttft_ms = seen.first_content.map(|at| millis(at.saturating_duration_since(exchange.started)));
    record.session_id = exchange.session_id.clone();
    record.project = exchange.project.clone();
    record.client = exchange.client.clone();
    record.provider = Some(exchange.api.provider().to_owned());
    record.request_id = exchange.request_id.clone();
    record.response_id = rebuilt.response_id;
    record.error = error_text(exchange.status, rebuilt.error, &seen.end, rebuilt.complete, seen.truncated);
    if record.prompt.is_none() && record.messages.is_empty() {
        // A request that could not be read still names what went wrong, and the writer needs a
        // prompt: the request's own text stands in.
        record.prompt = Some(String::from_utf8_lossy(&exchange.request).into_owned()).filter(|t| !t.trim().is_empty());
        if record.prompt.is_none() {
            record.prompt = Some("(empty request body)".to_owned());
        }
    }
    exchange.secrets.redact_record(&mut record);
    record
}

fn error_text(
    status: Option<u16>,
    reported: Option<String>,
    end: &End,
    complete: bool,
    truncated: bool,
) -> Option<String> {
    let status = status.filter(|&code| code >= 400);
    let mut parts: Vec<String> = Vec::new();
    match (status, reported) {
        (Some(code), Some(message)) => parts.push(format!("HTTP {code}: {message}")),
        (Some(code), None) => parts.push(format!("HTTP {code}")),
        (None, Some(message)) => parts.push(message),
        (None, None) => {}
    }
    match end {
        End::Complete if !complete && status.is_none() && parts.is_empty() => {
            parts.push("the stream ended before its last event".to_owned());
        }
        End::Complete => {}
        End::UpstreamBroke(cause) => parts.push(format!("the upstream connection broke mid-response: {cause}")),
        End::ClientGone => parts.push("the client disconnected before the response was complete".to_owned()),
        End::Unreachable(cause) => parts.push(format!("the upstream could not be reached: {cause}")),
    }
    if truncated {
        parts.push("the response body was too large to rebuild whole".to_owned());
    }
    Some(parts.join("; ")).filter(|text| !text.is_empty())
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// This turn's prompt: the text of the last user message that has any (a tool result is not a prompt).
fn last_user_text(messages: &[Message]) -> Option<String> {
    messages
        .iter()
        .rev()
        .filter(|message| message.role == crate::record::Role::User)
        .map(Message::plain_text)
        .find(|text| !text.trim().is_empty())
}

/// The extra field holding the response's thinking text.
pub const RESPONSE_THINKING: &str = "response_thinking";

fn thinking_text(content: &[ContentBlock]) -> String {
    let texts: Vec<&str> = content
        .iter()
        .filter_map(|block| match block {
            ContentBlock::Thinking { thinking } if !thinking.is_empty() => Some(thinking.as_str()),
            _ => None,
        })
        .collect();
    texts.join("\n\n")
}

// Helpers the three APIs share.

/// A string field.
pub(crate) fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// An unsigned count field.
pub(crate) fn count(value: &Value, key: &str) -> Option<u64> {
    value.get(key).and_then(Value::as_u64)
}

/// Tool arguments as the model wrote them: parsed when they are JSON, else kept as the string.
pub(crate) fn json_or_string(raw: &str) -> Value {
    if raw.trim().is_empty() {
        return Value::Object(serde_json::Map::new());
    }
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()))
}

/// The decoded size of base64 text, without decoding it.
pub(crate) fn base64_size(data: &str) -> u64 {
    let trimmed = data.trim_end_matches('=');
    let len = trimmed.bytes().filter(|b| !b.is_ascii_whitespace()).count() as u64;
    len * 3 / 4
}

/// An image given as a `data:` URL: its media type and decoded size.
pub(crate) fn data_url_image(url: &str) -> Option<ContentBlock> {
    let rest = url.strip_prefix("data:")?;
    let (meta, data) = rest.split_once(',')?;
    let media_type = meta.split(';').next().unwrap_or("").to_owned();
    Some(ContentBlock::Image { media_type, bytes: base64_size(data) })
}

/// Text given as a string or as an array of blocks with `text` (joined by newlines).
pub(crate) fn text_or_blocks(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Array(blocks) => {
            let texts: Vec<&str> = blocks.iter().filter_map(|b| b.get("text").and_then(Value::as_str)).collect();
            (!texts.is_empty()).then(|| texts.join("\n"))
        }
        _ => None,
    }
}

/// Appends a string field's value to `into`, when present.
pub(crate) fn append(into: &mut String, value: &Value, key: &str) -> bool {
    match value.get(key).and_then(Value::as_str) {
        Some(piece) if !piece.is_empty() => {
            into.push_str(piece);
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_sizes_without_decoding() {
        assert_eq!(base64_size("aGVsbG8="), 5);
        assert_eq!(base64_size("aGVsbG8h"), 6);
        assert_eq!(
            data_url_image("data:image/png;base64,aGVsbG8h"),
            Some(ContentBlock::Image { media_type: "image/png".into(), bytes: 6 })
        );
    }

    #[test]
    fn errors_name_status_cause_and_break() {
        assert_eq!(
            error_text(Some(429), Some("rate_limit_error: slow down".into()), &End::Complete, true, false).as_deref(),
            Some("HTTP 429: rate_limit_error: slow down")
        );
        assert_eq!(error_text(Some(200), None, &End::Complete, true, false), None);
        assert!(error_text(Some(200), None, &End::ClientGone, false, false).unwrap().contains("client disconnected"));
        assert!(error_text(Some(200), None, &End::Complete, false, false).unwrap().contains("ended before"));
    }
}
