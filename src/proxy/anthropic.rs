//! Anthropic Messages API: the request, the streamed events and the whole `Message` body.
//!
//! The stream is `message_start`, then per content block `content_block_start`, deltas
//! (`text_delta`, `input_json_delta`, `thinking_delta`, `signature_delta`) and
//! `content_block_stop`, then `message_delta` (stop reason; usage counts that are cumulative, so
//! they overwrite) and `message_stop`; `ping` and `error` may come at any point, and event types
//! this version does not know are skipped.

use std::collections::BTreeMap;

use serde_json::Value;

use super::record::{
    append, base64_size, count, json_or_string, text, text_or_blocks, Rebuilt, RequestParts, StreamRebuilder,
};
use crate::record::{ContentBlock, Message, MessageContent, Role, TokenUsage};

/// The request's model, system prompt (a string or text blocks), messages and tool names.
pub fn request_parts(body: &Value) -> RequestParts {
    let messages = body.get("messages").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    RequestParts {
        model: text(body, "model"),
        system: body.get("system").and_then(text_or_blocks),
        messages: messages.iter().filter_map(message).collect(),
        tools: body
            .get("tools")
            .and_then(Value::as_array)
            .map(|tools| tools.iter().filter_map(|tool| text(tool, "name").or_else(|| text(tool, "type"))).collect())
            .unwrap_or_default(),
    }
}

fn message(value: &Value) -> Option<Message> {
    let role = Role::from(value.get("role")?.as_str()?);
    let content = match value.get("content")? {
        Value::String(text) => MessageContent::Text(text.clone()),
        Value::Array(blocks) => MessageContent::Blocks(blocks.iter().map(request_block).collect()),
        _ => return None,
    };
    Some(Message::new(role, content))
}

/// A block of a request message; images and documents keep their media type and size, not their data.
fn request_block(block: &Value) -> ContentBlock {
    match block.get("type").and_then(Value::as_str) {
        Some("text") => match text(block, "text") {
            Some(text) => ContentBlock::Text { text },
            None => ContentBlock::Other(block.clone()),
        },
        Some("tool_use") => ContentBlock::ToolUse {
            id: text(block, "id").unwrap_or_default(),
            name: text(block, "name").unwrap_or_default(),
            input: block.get("input").cloned().unwrap_or(Value::Null),
        },
        Some("tool_result") => ContentBlock::ToolResult {
            tool_use_id: text(block, "tool_use_id").unwrap_or_default(),
            content: block.get("content").and_then(text_or_blocks).unwrap_or_default(),
            is_error: block.get("is_error").and_then(Value::as_bool).unwrap_or(false),
        },
        Some("thinking") => ContentBlock::Thinking { thinking: text(block, "thinking").unwrap_or_default() },
        Some("image") => match inline_source(block) {
            Some((media_type, bytes)) => ContentBlock::Image { media_type, bytes },
            None => ContentBlock::Other(block.clone()),
        },
        _ => without_inline_data(block),
    }
}

/// `source: {type: "base64", media_type, data}`: the media type and the decoded size.
fn inline_source(block: &Value) -> Option<(String, u64)> {
    let source = block.get("source")?;
    let data = source.get("data")?.as_str()?;
    (source.get("type")?.as_str()? == "base64")
        .then(|| (text(source, "media_type").unwrap_or_default(), base64_size(data)))
}

/// Any other block (a document, a redacted thinking block, a server tool's result) is kept as it
/// is, except base64 data, which becomes its size.
fn without_inline_data(block: &Value) -> ContentBlock {
    let mut kept = block.clone();
    if let Some((_, bytes)) = inline_source(block) {
        if let Some(source) = kept.get_mut("source").and_then(Value::as_object_mut) {
            source.remove("data");
            source.insert("bytes".into(), Value::from(bytes));
        }
    }
    ContentBlock::Other(kept)
}

/// A whole `Message` body (non-streamed), or an error body.
pub fn rebuild_message(body: &Value) -> Rebuilt {
    let mut rebuilt = Rebuilt {
        response_id: text(body, "id"),
        model: text(body, "model"),
        stop_reason: text(body, "stop_reason"),
        error: super::record::Api::AnthropicMessages.error_message(body),
        complete: true,
        ..Rebuilt::default()
    };
    if let Some(blocks) = body.get("content").and_then(Value::as_array) {
        rebuilt.content = blocks.iter().map(request_block).collect();
    }
    if let Some(usage) = body.get("usage") {
        overwrite_usage(&mut rebuilt.usage, usage);
    }
    rebuilt
}

/// Anthropic's counts already follow the record's convention: no subtraction.
fn overwrite_usage(into: &mut TokenUsage, usage: &Value) {
    let fields: [(&str, &mut Option<u64>); 4] = [
        ("input_tokens", &mut into.input_tokens),
        ("output_tokens", &mut into.output_tokens),
        ("cache_read_input_tokens", &mut into.cache_read_tokens),
        ("cache_creation_input_tokens", &mut into.cache_creation_tokens),
    ];
    for (key, slot) in fields {
        if let Some(value) = count(usage, key) {
            *slot = Some(value);
        }
    }
}

/// A content block while its deltas arrive.
#[derive(Debug)]
enum Partial {
    Text(String),
    Thinking(String),
    ToolUse { id: String, name: String, json: String },
    Done(ContentBlock),
}

impl Partial {
    fn start(block: &Value) -> Partial {
        match block.get("type").and_then(Value::as_str) {
            Some("text") => Partial::Text(text(block, "text").unwrap_or_default()),
            Some("thinking") => Partial::Thinking(text(block, "thinking").unwrap_or_default()),
            Some("tool_use" | "server_tool_use") => Partial::ToolUse {
                id: text(block, "id").unwrap_or_default(),
                name: text(block, "name").unwrap_or_default(),
                // A start may carry a whole input already; deltas then add nothing.
                json: match block.get("input") {
                    Some(Value::Object(map)) if !map.is_empty() => Value::Object(map.clone()).to_string(),
                    _ => String::new(),
                },
            },
            _ => Partial::Done(without_inline_data(block)),
        }
    }

    /// Returns whether the delta carried content.
    fn delta(&mut self, delta: &Value) -> bool {
        match (self, delta.get("type").and_then(Value::as_str)) {
            (Partial::Text(text), Some("text_delta")) => append(text, delta, "text"),
            (Partial::Thinking(thinking), Some("thinking_delta")) => append(thinking, delta, "thinking"),
            (Partial::ToolUse { json, .. }, Some("input_json_delta")) => append(json, delta, "partial_json"),
            // `signature_delta` (the thinking block's signature) and `citations_delta` are not
            // part of the record.
            _ => false,
        }
    }

    /// The finished block: tool input JSON is parsed only now, when all of it has arrived.
    fn finish(self) -> ContentBlock {
        match self {
            Partial::Text(text) => ContentBlock::Text { text },
            Partial::Thinking(thinking) => ContentBlock::Thinking { thinking },
            Partial::ToolUse { id, name, json } => ContentBlock::ToolUse { id, name, input: json_or_string(&json) },
            Partial::Done(block) => block,
        }
    }
}

/// The event stream of one response.
#[derive(Debug, Default)]
pub struct MessageStream {
    rebuilt: Rebuilt,
    blocks: BTreeMap<u64, Partial>,
}

impl StreamRebuilder for MessageStream {
    fn event(&mut self, _name: &str, data: &str) -> bool {
        // The JSON `type` always matches the SSE event name, and is what the SDKs dispatch on.
        let Ok(event) = serde_json::from_str::<Value>(data) else { return false };
        let index = count(&event, "index").unwrap_or(0);
        match event.get("type").and_then(Value::as_str) {
            Some("message_start") => {
                if let Some(message) = event.get("message") {
                    self.rebuilt.response_id = text(message, "id");
                    self.rebuilt.model = text(message, "model");
                    if let Some(usage) = message.get("usage") {
                        overwrite_usage(&mut self.rebuilt.usage, usage);
                    }
                }
                false
            }
            Some("content_block_start") => {
                let block = event.get("content_block").unwrap_or(&Value::Null);
                self.blocks.insert(index, Partial::start(block));
                false
            }
            Some("content_block_delta") => match (self.blocks.get_mut(&index), event.get("delta")) {
                (Some(block), Some(delta)) => block.delta(delta),
                _ => false,
            },
            Some("content_block_stop") => {
                if let Some(block) = self.blocks.remove(&index) {
                    self.blocks.insert(index, Partial::Done(block.finish()));
                }
                false
            }
            Some("message_delta") => {
                if let Some(reason) = event.get("delta").and_then(|d| text(d, "stop_reason")) {
                    self.rebuilt.stop_reason = Some(reason);
                }
                if let Some(usage) = event.get("usage") {
                    overwrite_usage(&mut self.rebuilt.usage, usage);
                }
                false
            }
            Some("message_stop") => {
                self.rebuilt.complete = true;
                false
            }
            Some("error") => {
                self.rebuilt.error = super::record::Api::AnthropicMessages.error_message(&event);
                false
            }
            _ => false,
        }
    }

    fn finish(self: Box<Self>) -> Rebuilt {
        let MessageStream { mut rebuilt, blocks } = *self;
        rebuilt.content = blocks.into_values().map(Partial::finish).collect();
        rebuilt
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn replay(events: &[Value]) -> (Rebuilt, Vec<bool>) {
        let mut stream: Box<dyn StreamRebuilder> = Box::<MessageStream>::default();
        let content: Vec<bool> =
            events.iter().map(|event| stream.event(event["type"].as_str().unwrap_or(""), &event.to_string())).collect();
        (stream.finish(), content)
    }

    #[test]
    fn text_thinking_and_tool_use_are_rebuilt() {
        let (rebuilt, content) = replay(&[
            json!({"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_read_input_tokens":100,"cache_creation_input_tokens":7,"output_tokens":1}}}),
            json!({"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me "}}),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"look."}}),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM"}}),
            json!({"type":"content_block_stop","index":0}),
            json!({"type":"ping"}),
            json!({"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}),
            json!({"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Checking"}}),
            json!({"type":"content_block_stop","index":1}),
            json!({"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{}}}),
            json!({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":""}}),
            json!({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"loc"}}),
            json!({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"ation\": \"San"}}),
            json!({"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":" Francisco\"}"}}),
            json!({"type":"content_block_stop","index":2}),
            json!({"type":"some_future_event","what":"ever"}),
            json!({"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":40}}),
            json!({"type":"message_delta","delta":{},"usage":{"output_tokens":89}}),
            json!({"type":"message_stop"}),
        ]);
        assert_eq!(rebuilt.response_id.as_deref(), Some("msg_01"));
        assert_eq!(rebuilt.model.as_deref(), Some("claude-sonnet-4-5"));
        assert_eq!(
            rebuilt.content,
            vec![
                ContentBlock::Thinking { thinking: "Let me look.".into() },
                ContentBlock::Text { text: "Checking".into() },
                ContentBlock::ToolUse {
                    id: "toolu_01".into(),
                    name: "get_weather".into(),
                    input: json!({"location": "San Francisco"})
                },
            ]
        );
        // Cumulative: the last count wins, nothing is added up.
        assert_eq!(rebuilt.usage.output_tokens, Some(89));
        assert_eq!(rebuilt.usage.input_tokens, Some(25));
        assert_eq!(rebuilt.usage.cache_read_tokens, Some(100));
        assert_eq!(rebuilt.usage.cache_creation_tokens, Some(7));
        assert_eq!(rebuilt.stop_reason.as_deref(), Some("tool_use"));
        assert!(rebuilt.complete);
        assert_eq!(content.iter().position(|&c| c), Some(2), "the first thinking delta is the first content");
    }

    #[test]
    fn a_mid_stream_error_is_kept_with_what_came_before() {
        let (rebuilt, _) = replay(&[
            json!({"type":"message_start","message":{"id":"msg_02","model":"claude-haiku-4-5","content":[],"usage":{"input_tokens":3,"output_tokens":1}}}),
            json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}),
            json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Half an ans"}}),
            json!({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}),
        ]);
        assert_eq!(rebuilt.error.as_deref(), Some("overloaded_error: Overloaded"));
        assert_eq!(rebuilt.content, vec![ContentBlock::Text { text: "Half an ans".into() }]);
        assert!(!rebuilt.complete);
    }

    #[test]
    fn request_parts_map_blocks_and_drop_image_data() {
        let parts = request_parts(&json!({
            "model": "claude-sonnet-4-5",
            "system": [{"type":"text","text":"You are terse."},{"type":"text","text":"Use tools.","cache_control":{"type":"ephemeral"}}],
            "tools": [{"name":"get_weather","input_schema":{"type":"object"}}, {"type":"web_search_20250305","name":"web_search"}],
            "messages": [
                {"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"aGVsbG8h"}}]},
                {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Oslo"}}]},
                {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"-3 C"}]}]}
            ]
        }));
        assert_eq!(parts.system.as_deref(), Some("You are terse.\nUse tools."));
        assert_eq!(parts.tools, vec!["get_weather", "web_search"]);
        assert_eq!(
            parts.messages[0].content,
            MessageContent::Blocks(vec![
                ContentBlock::Text { text: "What is this?".into() },
                ContentBlock::Image { media_type: "image/png".into(), bytes: 6 },
            ])
        );
        assert_eq!(
            parts.messages[2].content,
            MessageContent::Blocks(vec![ContentBlock::ToolResult {
                tool_use_id: "toolu_1".into(),
                content: "-3 C".into(),
                is_error: false
            }])
        );
    }

    #[test]
    fn a_whole_message_body_is_rebuilt() {
        let rebuilt = rebuild_message(&json!({
            "id":"msg_03","type":"message","role":"assistant","model":"claude-sonnet-4-5",
            "content":[{"type":"text","text":"Hi!"}],"stop_reason":"end_turn","stop_sequence":null,
            "usage":{"input_tokens":10,"output_tokens":3}
        }));
        assert_eq!(rebuilt.content, vec![ContentBlock::Text { text: "Hi!".into() }]);
        assert_eq!(rebuilt.usage.output_tokens, Some(3));
        assert_eq!(rebuilt.error, None);
        let refused = rebuild_message(
            &json!({"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}}),
        );
        assert_eq!(refused.error.as_deref(), Some("invalid_request_error: max_tokens: Field required"));
    }
}
