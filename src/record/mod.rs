//! The record model: one [`InteractionRecord`] per LLM round-trip (docs/format.md §2).
//!
//! Reading is lenient (a reader never fails on a field it does not understand: the field is kept
//! as raw JSON among the unknown fields), writing is strict ([`InteractionRecord::validate`]).

pub(crate) mod exchange;
mod lenient_json;
mod message;
mod parse;
mod timestamp;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use exchange::{CompletionRequest, CompletionResponse, ExchangeContext, RecordBuilder, ToolDefinition};
pub use lenient_json::{lenient_json, quote_overflowing_numbers, replace_lone_surrogates};
pub use message::{later_results, tool_result_blocks, ContentBlock, LaterResult, Message, MessageContent, Role};
pub use parse::RecordError;
pub use timestamp::Timestamp;

/// One LLM round-trip. Field meanings are those of docs/format.md §2.
#[derive(Clone, Debug, PartialEq)]
pub struct InteractionRecord {
    pub id: String,
    pub timestamp: Timestamp,
    pub duration_ms: Option<u64>,
    pub session_id: Option<String>,
    pub project: Option<String>,
    pub client: Option<String>,
    pub model: Option<String>,
    pub system_prompt: Option<String>,
    pub prompt: Option<String>,
    pub messages: Vec<Message>,
    pub tools_available: Vec<String>,
    pub response: Option<String>,
    pub response_summary: Option<String>,
    pub usage: Option<TokenUsage>,
    pub stop_reason: Option<StopReason>,
    pub tool_calls: Vec<ToolCallRecord>,
    pub routing: Option<RoutingMetadata>,
    pub tags: Vec<String>,
    pub memories_used: Vec<String>,
    pub chunks_used: Vec<String>,
    pub context_pack: Option<Value>,
    pub error: Option<String>,
    /// Who served the call, spelt as OpenTelemetry's `gen_ai.provider.name` (`anthropic`, `openai`, …).
    pub provider: Option<String>,
    /// The provider's id for the request; joins the same call seen by two capture paths.
    pub request_id: Option<String>,
    /// The provider's id for the response (`msg_…`, `chatcmpl-…`, `resp_…`).
    pub response_id: Option<String>,
    /// Request sent to the first byte of generated content.
    pub ttft_ms: Option<u64>,
    /// The agent or sub-agent that made the call.
    pub agent: Option<String>,
    /// True when `usage` is known to be incomplete (e.g. a transcript's mid-stream snapshot).
    pub usage_approximate: bool,
    /// Where a record converted from another log came from.
    pub source: Option<RecordSource>,
    /// Fields this version does not know, and known fields whose value had an unexpected type,
    /// kept as they were read so that read → write loses nothing.
    pub extra: Map<String, Value>,
}

/// Token counts; each is optional because providers report different subsets.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TokenUsage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_creation_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_tokens: Option<u64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl TokenUsage {
    pub fn is_empty(&self) -> bool {
        *self == TokenUsage::default()
    }
}

/// Why the model stopped. Reasons this version does not name are kept as their string.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StopReason {
    EndTurn,
    ToolUse,
    MaxTokens,
    StopSequence,
    Other(String),
}

impl StopReason {
    pub fn as_str(&self) -> &str {
        match self {
            StopReason::EndTurn => "end_turn",
            StopReason::ToolUse => "tool_use",
            StopReason::MaxTokens => "max_tokens",
            StopReason::StopSequence => "stop_sequence",
            StopReason::Other(other) => other,
        }
    }
}

impl From<&str> for StopReason {
    fn from(text: &str) -> Self {
        match text {
            "end_turn" => StopReason::EndTurn,
            "tool_use" => StopReason::ToolUse,
            "max_tokens" => StopReason::MaxTokens,
            "stop_sequence" => StopReason::StopSequence,
            other => StopReason::Other(other.to_owned()),
        }
    }
}

impl Serialize for StopReason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for StopReason {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Ok(StopReason::from(text.as_ref()))
    }
}

/// One tool invocation the model asked for, with its outcome when known.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolCallRecord {
    pub name: String,
    #[serde(default, deserialize_with = "parse::empty_as_none", skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    #[serde(default, deserialize_with = "parse::empty_as_none", skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub result_truncated: bool,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Where a record converted from another log came from: the kind of log, its file and line.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordSource {
    pub kind: String,
    #[serde(default, deserialize_with = "parse::empty_as_none", skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A router's decision about where the request went.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RoutingMetadata {
    #[serde(default, deserialize_with = "parse::empty_as_none", skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(default, deserialize_with = "parse::empty_as_none", skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Why a record may not be written (docs/format.md §2: writers refuse, readers accept).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("the record has an empty `id`")]
    EmptyId,
    #[error("the record has neither a non-blank `prompt` nor any `messages`")]
    NoPromptOrMessages,
    #[error("tool call {index} has an empty `name`")]
    UnnamedToolCall { index: usize },
    /// Readers keep such a value as it was; a writer refuses to store one.
    #[error("`{field}` has the wrong type: {found} (see docs/format.md)")]
    WrongType { field: String, found: &'static str },
}

impl InteractionRecord {
    /// A record with a fresh UUID v4 id and `timestamp` now; everything else empty.
    pub fn new(prompt: impl Into<String>) -> Self {
        InteractionRecord::with_id_and_time(new_id(), Timestamp::now(), Some(prompt.into()))
    }

    fn with_id_and_time(id: String, timestamp: Timestamp, prompt: Option<String>) -> Self {
        InteractionRecord {
            id,
            timestamp,
            duration_ms: None,
            session_id: None,
            project: None,
            client: None,
            model: None,
            system_prompt: None,
            prompt,
            messages: Vec::new(),
            tools_available: Vec::new(),
            response: None,
            response_summary: None,
            usage: None,
            stop_reason: None,
            tool_calls: Vec::new(),
            routing: None,
            tags: Vec::new(),
            memories_used: Vec::new(),
            chunks_used: Vec::new(),
            context_pack: None,
            error: None,
            provider: None,
            request_id: None,
            response_id: None,
            ttft_ms: None,
            agent: None,
            usage_approximate: false,
            source: None,
            extra: Map::new(),
        }
    }

    /// A builder for callers that have a prompt and a few facts, not the exchange types.
    pub fn builder(prompt: impl Into<String>) -> RecordBuilder {
        RecordBuilder::new(prompt)
    }

    /// The writer's rule: a non-empty id, and a non-blank prompt or at least one message.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.id.trim().is_empty() {
            return Err(ValidationError::EmptyId);
        }
        let has_prompt = self.prompt.as_deref().is_some_and(|p| !p.trim().is_empty());
        if !has_prompt && self.messages.is_empty() {
            return Err(ValidationError::NoPromptOrMessages);
        }
        if let Some(index) = self.tool_calls.iter().position(|call| call.name.trim().is_empty()) {
            return Err(ValidationError::UnnamedToolCall { index });
        }
        if let Some((field, value)) = self.extra.iter().find(|(key, _)| parse::TYPED_FIELDS.contains(&key.as_str())) {
            return Err(ValidationError::WrongType { field: field.clone(), found: parse::json_kind(value) });
        }
        Ok(())
    }

    /// Parses one stored line (or any JSON object text) leniently.
    /// A lone surrogate escape (`\ud800`) reads as U+FFFD, a number too large for an `f64` as
    /// a string of its text.
    pub fn from_json(text: &str) -> Result<Self, RecordError> {
        let value: Value = match serde_json::from_str(text) {
            Ok(value) => value,
            Err(error) => match lenient_json(text) {
                std::borrow::Cow::Owned(repaired) => serde_json::from_str(&repaired).map_err(RecordError::Json)?,
                std::borrow::Cow::Borrowed(_) => return Err(RecordError::Json(error)),
            },
        };
        Self::from_value(value)
    }

    /// Builds a record from a JSON value; `id` and a readable `timestamp` (or `created_at`) are required.
    pub fn from_value(value: Value) -> Result<Self, RecordError> {
        match value {
            Value::Object(map) => parse::record_from_map(map),
            other => Err(RecordError::NotAnObject(parse::json_kind(&other))),
        }
    }

    /// Like [`InteractionRecord::from_value`], but fills a missing `id` (UUID v4) and a missing
    /// `timestamp` (`now`) first, as `interlog record` and `POST /interactions` do.
    pub fn from_value_filling(value: Value, now: Timestamp) -> Result<Self, RecordError> {
        match value {
            Value::Object(mut map) => {
                parse::fill_missing_id_and_time(&mut map, now);
                parse::record_from_map(map)
            }
            other => Err(RecordError::NotAnObject(parse::json_kind(&other))),
        }
    }

    /// The record as one JSON line without the trailing newline.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Total tokens in and out, counting what usage reports.
    pub fn tokens(&self) -> (u64, u64) {
        self.usage.as_ref().map(|u| (u.input_tokens.unwrap_or(0), u.output_tokens.unwrap_or(0))).unwrap_or((0, 0))
    }

    /// Whether the record reports a token count at all: without one, `tokens()` reads 0/0 for
    /// "unknown".
    pub fn has_usage(&self) -> bool {
        self.usage.as_ref().is_some_and(|u| u.input_tokens.is_some() || u.output_tokens.is_some())
    }
}

/// A new record id: a UUID v4 in its hyphenated form.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
