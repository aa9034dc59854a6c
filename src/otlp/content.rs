//! Message content both ways: our messages and blocks ↔ the GenAI conventions' messages and parts
//! (`{"role", "parts": [{"type": "text", "content"}, {"type": "tool_call", ...}, ...]}`).

use serde_json::{json, Map, Value};

use crate::record::{ContentBlock, Message, MessageContent, Role};

pub fn messages_to_semconv(messages: &[Message]) -> Value {
    Value::Array(messages.iter().map(message_to_semconv).collect())
}

fn message_to_semconv(message: &Message) -> Value {
    json!({ "role": message.role.as_str(), "parts": content_parts(&message.content) })
}

pub fn content_parts(content: &MessageContent) -> Vec<Value> {
    match content {
        MessageContent::Text(text) => vec![text_part(text)],
        MessageContent::Blocks(blocks) => blocks.iter().map(block_to_part).collect(),
    }
}

pub fn text_part(text: &str) -> Value {
    json!({ "type": "text", "content": text })
}

fn block_to_part(block: &ContentBlock) -> Value {
    match block {
        ContentBlock::Text { text } => text_part(text),
        ContentBlock::ToolUse { id, name, input } => {
            json!({ "type": "tool_call", "id": id, "name": name, "arguments": input })
        }
        ContentBlock::ToolResult { tool_use_id, content, is_error } => {
            let mut part = json!({ "type": "tool_call_response", "id": tool_use_id, "response": content });
            if *is_error {
                part["is_error"] = Value::Bool(true);
            }
            part
        }
        ContentBlock::Thinking { thinking } => json!({ "type": "reasoning", "content": thinking }),
        // Not a GenAI part type: sent as our own block, which a reader keeps as a generic part.
        other => serde_json::to_value(other).unwrap_or(Value::Null),
    }
}

/// Messages from `gen_ai.input.messages` (or the older shapes with a `content` string).
pub fn messages_from_semconv(value: &Value) -> Vec<Message> {
    value.as_array().map(|list| list.iter().filter_map(message_from_semconv).collect()).unwrap_or_default()
}

fn message_from_semconv(value: &Value) -> Option<Message> {
    let map = value.as_object()?;
    let role = Role::from(map.get("role").and_then(Value::as_str).unwrap_or("user"));
    let content = if let Some(parts) = map.get("parts").and_then(Value::as_array) {
        let mut blocks: Vec<ContentBlock> = parts.iter().map(part_to_block).collect();
        match blocks.as_slice() {
            [ContentBlock::Text { .. }] => match blocks.remove(0) {
                ContentBlock::Text { text } => MessageContent::Text(text),
                other => MessageContent::Blocks(vec![other]),
            },
            _ => MessageContent::Blocks(blocks),
        }
    } else {
        match map.get("content") {
            Some(Value::String(text)) => MessageContent::Text(text.clone()),
            Some(Value::Array(blocks)) => {
                MessageContent::Blocks(blocks.iter().cloned().map(ContentBlock::from_value).collect())
            }
            _ => return None,
        }
    };
    Some(Message::new(role, content))
}

fn part_to_block(part: &Value) -> ContentBlock {
    let Some(map) = part.as_object() else { return ContentBlock::Other(part.clone()) };
    let text = |key: &str| map.get(key).and_then(Value::as_str).map(str::to_owned);
    match map.get("type").and_then(Value::as_str) {
        Some("text") => match text("content") {
            Some(text) => ContentBlock::Text { text },
            None => ContentBlock::Other(part.clone()),
        },
        Some("tool_call") => ContentBlock::ToolUse {
            id: text("id").unwrap_or_default(),
            name: text("name").unwrap_or_default(),
            input: map.get("arguments").cloned().unwrap_or(Value::Null),
        },
        Some("tool_call_response") => ContentBlock::ToolResult {
            tool_use_id: text("id").unwrap_or_default(),
            content: match map.get("response") {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            },
            is_error: map.get("is_error").and_then(Value::as_bool).unwrap_or(false),
        },
        Some("reasoning") => match text("content") {
            Some(thinking) => ContentBlock::Thinking { thinking },
            None => ContentBlock::Other(part.clone()),
        },
        _ => ContentBlock::from_value(part.clone()),
    }
}

/// The system prompt as `gen_ai.system_instructions`: a list of parts.
pub fn system_to_semconv(system: &str) -> Value {
    Value::Array(vec![text_part(system)])
}

/// Text parts joined, from a list of parts, a string, or messages' parts.
pub fn text_from_parts(value: &Value) -> Option<String> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let texts: Vec<String> = items
                .iter()
                .filter_map(|item| {
                    if let Some(parts) = item.get("parts") {
                        text_from_parts(parts)
                    } else if matches!(item.get("type").and_then(Value::as_str), None | Some("text")) {
                        item.get("content").and_then(Value::as_str).map(str::to_owned)
                    } else {
                        None
                    }
                })
                .collect();
            texts.join("\n")
        }
        _ => return None,
    };
    Some(text).filter(|t| !t.is_empty())
}

/// `gen_ai.output.messages` for a response text, with its finish reason.
pub fn output_to_semconv(response: &str, finish_reason: Option<&str>) -> Value {
    let mut message = Map::new();
    message.insert("role".into(), Value::from("assistant"));
    message.insert("parts".into(), Value::Array(vec![text_part(response)]));
    if let Some(reason) = finish_reason {
        message.insert("finish_reason".into(), Value::from(reason));
    }
    Value::Array(vec![Value::Object(message)])
}

/// The tool calls an output message asked for: `(call id, name, arguments)`.
pub fn tool_calls_in_output(value: &Value) -> Vec<(Option<String>, String, Option<Value>)> {
    let mut calls = Vec::new();
    for message in value.as_array().into_iter().flatten() {
        for part in message.get("parts").and_then(Value::as_array).into_iter().flatten() {
            if part.get("type").and_then(Value::as_str) != Some("tool_call") {
                continue;
            }
            let Some(name) = part.get("name").and_then(Value::as_str).filter(|n| !n.is_empty()) else { continue };
            let id = part.get("id").and_then(Value::as_str).map(str::to_owned);
            calls.push((id, name.to_owned(), part.get("arguments").cloned()));
        }
    }
    calls
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_survive_the_round_trip() {
        let messages = vec![
            Message::text(Role::User, "hello"),
            Message::new(
                Role::Assistant,
                MessageContent::Blocks(vec![
                    ContentBlock::Thinking { thinking: "hmm".into() },
                    ContentBlock::Text { text: "let me look".into() },
                    ContentBlock::ToolUse { id: "t1".into(), name: "read".into(), input: json!({"path": "a"}) },
                ]),
            ),
            Message::new(
                Role::User,
                MessageContent::Blocks(vec![
                    ContentBlock::ToolResult { tool_use_id: "t1".into(), content: "text".into(), is_error: true },
                    ContentBlock::Image { media_type: "image/png".into(), bytes: 12 },
                    ContentBlock::Other(json!({"type": "document", "x": 1})),
                ]),
            ),
        ];
        assert_eq!(messages_from_semconv(&messages_to_semconv(&messages)), messages);
    }

    #[test]
    fn older_content_strings_are_read() {
        let value = json!([{"role": "user", "content": "hi"}, {"role": "assistant", "parts": [{"type": "text", "content": "a"}, {"type": "text", "content": "b"}]}]);
        let messages = messages_from_semconv(&value);
        assert_eq!(messages[0], Message::text(Role::User, "hi"));
        assert_eq!(messages[1].plain_text(), "a\nb");
        assert_eq!(text_from_parts(&value).as_deref(), Some("hi\na\nb"));
    }
}
