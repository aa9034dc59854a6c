//! Building records: from an LLM exchange, or field by field.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    new_id, ContentBlock, InteractionRecord, Message, MessageContent, Role, RoutingMetadata, StopReason, Timestamp,
    TokenUsage, ToolCallRecord,
};

/// A tool offered to the model.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolDefinition {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_schema: Option<Value>,
}

/// The request half of an exchange, in the shape most LLM SDKs share.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CompletionRequest {
    pub model: String,
    #[serde(default)]
    pub system: Option<String>,
    #[serde(default)]
    pub messages: Vec<Message>,
    #[serde(default)]
    pub tools: Vec<ToolDefinition>,
}

/// The response half of an exchange.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CompletionResponse {
    #[serde(default)]
    pub content: Vec<ContentBlock>,
    #[serde(default)]
    pub usage: TokenUsage,
    #[serde(default)]
    pub stop_reason: Option<StopReason>,
    /// The model that answered, when the provider reports one (routers may pick another).
    #[serde(default)]
    pub model: Option<String>,
}

/// What the caller knows about the exchange beyond the request and response.
#[derive(Clone, Debug, Default)]
pub struct ExchangeContext {
    pub session_id: Option<String>,
    pub project: Option<String>,
    pub client: Option<String>,
    /// When the request was sent; now when absent.
    pub started_at: Option<Timestamp>,
    pub duration: Option<Duration>,
    pub routing: Option<RoutingMetadata>,
    pub tags: Vec<String>,
    pub error: Option<String>,
}

impl InteractionRecord {
    /// Derives a record from one exchange: the prompt is the text of the last user message, the
    /// response the text blocks, the tool calls the `tool_use` blocks.
    pub fn from_exchange(request: &CompletionRequest, response: &CompletionResponse, context: ExchangeContext) -> Self {
        let started_at = context.started_at.unwrap_or_else(Timestamp::now);
        let mut record = InteractionRecord::with_id_and_time(new_id(), started_at, last_user_text(&request.messages));
        record.model = response.model.clone().or_else(|| Some(request.model.clone())).filter(|m| !m.is_empty());
        record.system_prompt = request.system.clone().filter(|s| !s.is_empty());
        record.messages = request.messages.clone();
        record.tools_available = request.tools.iter().map(|tool| tool.name.clone()).collect();
        record.response = Some(response_text(&response.content)).filter(|text| !text.is_empty());
        record.tool_calls = tool_calls(&response.content);
        record.usage = Some(response.usage.clone()).filter(|usage| !usage.is_empty());
        record.stop_reason = response.stop_reason.clone();
        record.duration_ms = context.duration.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        record.session_id = context.session_id;
        record.project = context.project;
        record.client = context.client;
        record.routing = context.routing;
        record.tags = context.tags;
        record.error = context.error;
        record
    }
}

fn last_user_text(messages: &[Message]) -> Option<String> {
    messages
        .iter()
        .rev()
        .find(|message| message.role == Role::User)
        .map(Message::plain_text)
        .filter(|text| !text.trim().is_empty())
}

/// The text blocks, joined by newlines.
pub(crate) fn response_text(content: &[ContentBlock]) -> String {
    let texts: Vec<&str> = content
        .iter()
        .filter_map(|block| match block {
            ContentBlock::Text { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    texts.join("\n")
}

/// One tool call per named `tool_use` block (a nameless one would make the record unwritable).
pub(crate) fn tool_calls(content: &[ContentBlock]) -> Vec<ToolCallRecord> {
    content
        .iter()
        .filter_map(|block| match block {
            ContentBlock::ToolUse { id, name, input } if !name.trim().is_empty() => Some(ToolCallRecord {
                name: name.clone(),
                call_id: Some(id.clone()).filter(|id| !id.is_empty()),
                arguments: Some(input.clone()),
                ..ToolCallRecord::default()
            }),
            _ => None,
        })
        .collect()
}

/// Builds a record field by field; only the prompt is required.
///
/// ```
/// use interlog::record::InteractionRecord;
/// let record = InteractionRecord::builder("Why does the build fail?")
///     .session_id("s-1")
///     .project("webshop")
///     .client("my-agent")
///     .model("claude-sonnet-4-5")
///     .response("The lockfile is stale.")
///     .tokens(1200, 85)
///     .duration_ms(2300)
///     .build();
/// assert!(record.validate().is_ok());
/// ```
#[derive(Clone, Debug)]
pub struct RecordBuilder {
    record: InteractionRecord,
}

macro_rules! optional_text_setters {
    ($($field:ident),* $(,)?) => {
        $(
            pub fn $field(mut self, value: impl Into<String>) -> Self {
                self.record.$field = Some(value.into()).filter(|v: &String| !v.is_empty());
                self
            }
        )*
    };
}

impl RecordBuilder {
    pub fn new(prompt: impl Into<String>) -> Self {
        RecordBuilder { record: InteractionRecord::new(prompt) }
    }

    optional_text_setters!(session_id, project, client, model, system_prompt, response, response_summary, error);

    pub fn timestamp(mut self, at: Timestamp) -> Self {
        self.record.timestamp = at;
        self
    }

    pub fn duration_ms(mut self, millis: u64) -> Self {
        self.record.duration_ms = Some(millis);
        self
    }

    pub fn tokens(mut self, input: u64, output: u64) -> Self {
        let usage = self.record.usage.get_or_insert_with(TokenUsage::default);
        usage.input_tokens = Some(input);
        usage.output_tokens = Some(output);
        self
    }

    pub fn usage(mut self, usage: TokenUsage) -> Self {
        self.record.usage = Some(usage);
        self
    }

    pub fn stop_reason(mut self, reason: impl Into<String>) -> Self {
        self.record.stop_reason = Some(StopReason::from(reason.into().as_str()));
        self
    }

    pub fn message(mut self, role: Role, text: impl Into<String>) -> Self {
        self.record.messages.push(Message::new(role, MessageContent::Text(text.into())));
        self
    }

    pub fn tool_call(mut self, call: ToolCallRecord) -> Self {
        self.record.tool_calls.push(call);
        self
    }

    pub fn tools_available<I: IntoIterator<Item = S>, S: Into<String>>(mut self, names: I) -> Self {
        self.record.tools_available = names.into_iter().map(Into::into).collect();
        self
    }

    pub fn routing(mut self, routing: RoutingMetadata) -> Self {
        self.record.routing = Some(routing);
        self
    }

    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.record.tags.push(tag.into());
        self
    }

    pub fn extra(mut self, key: impl Into<String>, value: Value) -> Self {
        self.record.extra.insert(key.into(), value);
        self
    }

    pub fn build(self) -> InteractionRecord {
        self.record
    }
}
