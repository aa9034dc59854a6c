//! Messages and content blocks as sent to the model.

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    System,
    User,
    Assistant,
    Tool,
    Other(String),
}

impl Role {
    pub fn as_str(&self) -> &str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
            Role::Other(other) => other,
        }
    }
}

impl From<&str> for Role {
    fn from(text: &str) -> Self {
        match text {
            "system" => Role::System,
            "user" => Role::User,
            "assistant" => Role::Assistant,
            "tool" => Role::Tool,
            other => Role::Other(other.to_owned()),
        }
    }
}

impl Serialize for Role {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Ok(Role::from(text.as_ref()))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: MessageContent,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Message {
    pub fn new(role: Role, content: MessageContent) -> Self {
        Message { role, content, extra: Map::new() }
    }

    pub fn text(role: Role, text: impl Into<String>) -> Self {
        Message::new(role, MessageContent::Text(text.into()))
    }

    /// The message's text: the string content, or its text blocks joined by newlines.
    pub fn plain_text(&self) -> String {
        match &self.content {
            MessageContent::Text(text) => text.clone(),
            MessageContent::Blocks(blocks) => blocks
                .iter()
                .filter_map(|block| match block {
                    ContentBlock::Text { text } => Some(text.as_str()),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MessageContent {
    Text(String),
    Blocks(Vec<ContentBlock>),
}

/// A block of message content. Blocks of other types, or of a known type with an unexpected
/// shape, are kept whole as [`ContentBlock::Other`].
#[derive(Clone, Debug, PartialEq)]
pub enum ContentBlock {
    Text {
        text: String,
    },
    ToolUse {
        id: String,
        name: String,
        input: Value,
    },
    ToolResult {
        tool_use_id: String,
        content: String,
        is_error: bool,
    },
    /// The model's visible reasoning.
    Thinking {
        thinking: String,
    },
    /// An image, kept as its media type and size: the image data itself is not stored.
    Image {
        media_type: String,
        bytes: u64,
    },
    Other(Value),
}

impl Serialize for ContentBlock {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ContentBlock::Text { text } => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("type", "text")?;
                map.serialize_entry("text", text)?;
                map.end()
            }
            ContentBlock::ToolUse { id, name, input } => {
                let mut map = serializer.serialize_map(Some(4))?;
                map.serialize_entry("type", "tool_use")?;
                map.serialize_entry("id", id)?;
                map.serialize_entry("name", name)?;
                map.serialize_entry("input", input)?;
                map.end()
            }
            ContentBlock::ToolResult { tool_use_id, content, is_error } => {
                let mut map = serializer.serialize_map(Some(4))?;
                map.serialize_entry("type", "tool_result")?;
                map.serialize_entry("tool_use_id", tool_use_id)?;
                map.serialize_entry("content", content)?;
                map.serialize_entry("is_error", is_error)?;
                map.end()
            }
            ContentBlock::Thinking { thinking } => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("type", "thinking")?;
                map.serialize_entry("thinking", thinking)?;
                map.end()
            }
            ContentBlock::Image { media_type, bytes } => {
                let mut map = serializer.serialize_map(Some(3))?;
                map.serialize_entry("type", "image")?;
                map.serialize_entry("media_type", media_type)?;
                map.serialize_entry("bytes", bytes)?;
                map.end()
            }
            ContentBlock::Other(value) => value.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for ContentBlock {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(ContentBlock::from_value(Value::deserialize(deserializer)?))
    }
}

impl ContentBlock {
    /// Recognises the known shapes exactly (no extra keys, right types); anything else is
    /// kept as it is so that writing it back loses nothing.
    pub fn from_value(value: Value) -> Self {
        Self::known_shape(&value).unwrap_or(ContentBlock::Other(value))
    }

    fn known_shape(value: &Value) -> Option<Self> {
        let map = value.as_object()?;
        let text_of = |key: &str| map.get(key).and_then(Value::as_str).map(str::to_owned);
        let only_keys = |keys: &[&str]| map.keys().all(|k| keys.contains(&k.as_str()));
        match map.get("type")?.as_str()? {
            "text" if only_keys(&["type", "text"]) => Some(ContentBlock::Text { text: text_of("text")? }),
            "tool_use" if only_keys(&["type", "id", "name", "input"]) => Some(ContentBlock::ToolUse {
                id: text_of("id")?,
                name: text_of("name")?,
                input: map.get("input").cloned().unwrap_or(Value::Null),
            }),
            "tool_result" if only_keys(&["type", "tool_use_id", "content", "is_error"]) => {
                Some(ContentBlock::ToolResult {
                    tool_use_id: text_of("tool_use_id")?,
                    content: text_of("content")?,
                    is_error: match map.get("is_error") {
                        None => false,
                        Some(flag) => flag.as_bool()?,
                    },
                })
            }
            "thinking" if only_keys(&["type", "thinking"]) => {
                Some(ContentBlock::Thinking { thinking: text_of("thinking")? })
            }
            "image" if only_keys(&["type", "media_type", "bytes"]) => {
                Some(ContentBlock::Image { media_type: text_of("media_type")?, bytes: map.get("bytes")?.as_u64()? })
            }
            _ => None,
        }
    }
}

/// A tool result handed back by a later request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaterResult {
    pub tool_use_id: String,
    pub content: String,
    pub is_error: bool,
}

/// The tool results among a record's request messages after its first `history` (the ones new
/// in its turn).
pub fn later_results(record: &super::InteractionRecord, history: usize) -> Vec<LaterResult> {
    let new = record.messages.get(history..).unwrap_or_default();
    tool_result_blocks(new)
        .map(|(tool_use_id, content, is_error)| LaterResult {
            tool_use_id: tool_use_id.to_owned(),
            content: content.to_owned(),
            is_error,
        })
        .collect()
}

/// The `tool_result` blocks among the messages: (tool_use_id, content, is_error).
pub fn tool_result_blocks(messages: &[Message]) -> impl Iterator<Item = (&str, &str, bool)> {
    messages
        .iter()
        .filter_map(|message| match &message.content {
            MessageContent::Blocks(blocks) => Some(blocks),
            MessageContent::Text(_) => None,
        })
        .flatten()
        .filter_map(|block| match block {
            ContentBlock::ToolResult { tool_use_id, content, is_error } => {
                Some((tool_use_id.as_str(), content.as_str(), *is_error))
            }
            _ => None,
        })
}
