//! OpenAI Chat Completions: the request, the streamed `chat.completion.chunk`s and the whole
//! `chat.completion` body.
//!
//! A stream is `data:` lines of chunks: `choices[0].delta` carries `content` and `tool_calls`
//! fragments keyed by `index` (the first fragment has the id and name, the rest pieces of the
//! arguments), a chunk sets `finish_reason`, and with `stream_options.include_usage` a last chunk
//! with empty `choices` carries the usage; `data: [DONE]` ends it.

use std::collections::BTreeMap;

use serde_json::Value;

use super::record::{
    append, count, data_url_image, json_or_string, text, text_or_blocks, Rebuilt, RequestParts, StreamRebuilder,
};
use crate::record::{ContentBlock, Message, MessageContent, Role, TokenUsage};

/// The request's model, system prompt (its `system` and `developer` messages), the other messages
/// and the tool names.
pub fn request_parts(body: &Value) -> RequestParts {
    let mut system: Vec<String> = Vec::new();
    let mut messages = Vec::new();
    for message in body.get("messages").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
        match message.get("role").and_then(Value::as_str) {
            Some("system" | "developer") => system.extend(message.get("content").and_then(text_or_blocks)),
            Some(role) => messages.push(request_message(role, message)),
            None => {}
        }
    }
    RequestParts {
        model: text(body, "model"),
        system: (!system.is_empty()).then(|| system.join("\n")),
        messages,
        tools: tool_names(body),
    }
}

/// `tools: [{type: "function", function: {name}}]`; other tool types by their type.
pub(crate) fn tool_names(body: &Value) -> Vec<String> {
    let tools = body.get("tools").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    tools
        .iter()
        .filter_map(|tool| {
            tool.get("function")
                .and_then(|f| text(f, "name"))
                .or_else(|| text(tool, "name"))
                .or_else(|| text(tool, "type"))
        })
        .collect()
}

fn request_message(role: &str, message: &Value) -> Message {
    if role == "tool" {
        let result = ContentBlock::ToolResult {
            tool_use_id: text(message, "tool_call_id").unwrap_or_default(),
            content: message.get("content").and_then(text_or_blocks).unwrap_or_default(),
            is_error: false,
        };
        return Message::new(Role::Tool, MessageContent::Blocks(vec![result]));
    }
    let mut blocks: Vec<ContentBlock> = match message.get("content") {
        Some(Value::String(text)) => vec![ContentBlock::Text { text: text.clone() }],
        Some(Value::Array(parts)) => parts.iter().map(content_part).collect(),
        _ => Vec::new(),
    };
    for call in message.get("tool_calls").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
        let function = call.get("function").unwrap_or(&Value::Null);
        blocks.push(ContentBlock::ToolUse {
            id: text(call, "id").unwrap_or_default(),
            name: text(function, "name").unwrap_or_default(),
            input: json_or_string(function.get("arguments").and_then(Value::as_str).unwrap_or("")),
        });
    }
    let content = match blocks.as_slice() {
        [ContentBlock::Text { text }] => MessageContent::Text(text.clone()),
        _ => MessageContent::Blocks(blocks),
    };
    Message::new(Role::from(role), content)
}

/// `{type: "text"}`, `{type: "image_url"}` (a `data:` URL becomes its media type and size).
fn content_part(part: &Value) -> ContentBlock {
    match part.get("type").and_then(Value::as_str) {
        Some("text") => match text(part, "text") {
            Some(text) => ContentBlock::Text { text },
            None => ContentBlock::Other(part.clone()),
        },
        Some("image_url") => {
            let url = part.get("image_url").and_then(|i| i.get("url")).and_then(Value::as_str).unwrap_or("");
            data_url_image(url).unwrap_or_else(|| ContentBlock::Other(part.clone()))
        }
        _ => ContentBlock::Other(part.clone()),
    }
}

/// OpenAI counts cached tokens inside `prompt_tokens`: the record's `input_tokens` leaves them out.
fn usage_of(usage: &Value) -> TokenUsage {
    openai_usage(usage, ["prompt_tokens", "prompt_tokens_details", "completion_tokens", "completion_tokens_details"])
}

/// Both OpenAI APIs count cached tokens inside the input and reasoning inside the output; only
/// the key names differ: `[input, input details, output, output details]`.
pub(crate) fn openai_usage(usage: &Value, [input, input_details, output, output_details]: [&str; 4]) -> TokenUsage {
    let cached = usage.get(input_details).and_then(|d| count(d, "cached_tokens"));
    TokenUsage {
        input_tokens: count(usage, input).map(|total| total.saturating_sub(cached.unwrap_or(0))),
        output_tokens: count(usage, output),
        cache_read_tokens: cached.filter(|&n| n > 0),
        reasoning_tokens: usage.get(output_details).and_then(|d| count(d, "reasoning_tokens")).filter(|&n| n > 0),
        ..TokenUsage::default()
    }
}

/// A whole `chat.completion` body (non-streamed), or an error body.
pub fn rebuild_completion(body: &Value) -> Rebuilt {
    let choice = first_choice(body);
    let message = choice.and_then(|c| c.get("message")).unwrap_or(&Value::Null);
    let mut content = Vec::new();
    if let Some(text) = text(message, "content").or_else(|| text(message, "refusal")).filter(|t| !t.is_empty()) {
        content.push(ContentBlock::Text { text });
    }
    if let MessageContent::Blocks(blocks) = request_message("assistant", &tool_calls_only(message)).content {
        content.extend(blocks);
    }
    Rebuilt {
        response_id: text(body, "id"),
        model: text(body, "model"),
        content,
        usage: body.get("usage").map(usage_of).unwrap_or_default(),
        stop_reason: choice.and_then(|c| text(c, "finish_reason")),
        error: super::record::Api::OpenAiChat.error_message(body),
        complete: true,
    }
}

fn tool_calls_only(message: &Value) -> Value {
    serde_json::json!({"tool_calls": message.get("tool_calls").cloned().unwrap_or(Value::Array(Vec::new()))})
}

fn first_choice(body: &Value) -> Option<&Value> {
    body.get("choices")?.as_array()?.iter().find(|c| count(c, "index").unwrap_or(0) == 0)
}

#[derive(Debug, Default)]
struct PartialCall {
    id: String,
    name: String,
    arguments: String,
}

/// The chunks of one streamed completion (choice 0).
#[derive(Debug, Default)]
pub struct ChunkStream {
    rebuilt: Rebuilt,
    text: String,
    calls: BTreeMap<u64, PartialCall>,
}

impl StreamRebuilder for ChunkStream {
    fn event(&mut self, _name: &str, data: &str) -> bool {
        if data.trim() == "[DONE]" {
            self.rebuilt.complete = true;
            return false;
        }
        let Ok(chunk) = serde_json::from_str::<Value>(data) else { return false };
        if let Some(error) = super::record::Api::OpenAiChat.error_message(&chunk) {
            self.rebuilt.error = Some(error);
            return false;
        }
        if self.rebuilt.response_id.is_none() {
            self.rebuilt.response_id = text(&chunk, "id");
        }
        if self.rebuilt.model.is_none() {
            self.rebuilt.model = text(&chunk, "model");
        }
        if let Some(usage) = chunk.get("usage").filter(|u| u.is_object()) {
            self.rebuilt.usage = usage_of(usage);
        }
        let Some(choice) = first_choice(&chunk) else { return false };
        if let Some(reason) = text(choice, "finish_reason") {
            self.rebuilt.stop_reason = Some(reason);
        }
        let delta = choice.get("delta").unwrap_or(&Value::Null);
        let mut content = append(&mut self.text, delta, "content") | append(&mut self.text, delta, "refusal");
        for fragment in delta.get("tool_calls").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
            let call = self.calls.entry(count(fragment, "index").unwrap_or(0)).or_default();
            append(&mut call.id, fragment, "id");
            if let Some(function) = fragment.get("function") {
                append(&mut call.name, function, "name");
                append(&mut call.arguments, function, "arguments");
            }
            content = true;
        }
        content
    }

    fn finish(self: Box<Self>) -> Rebuilt {
        let ChunkStream { mut rebuilt, text, calls } = *self;
        if !text.is_empty() {
            rebuilt.content.push(ContentBlock::Text { text });
        }
        rebuilt.content.extend(calls.into_values().map(|call| ContentBlock::ToolUse {
            id: call.id,
            name: call.name,
            input: json_or_string(&call.arguments),
        }));
        rebuilt
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn replay(chunks: &[&str]) -> Rebuilt {
        let mut stream: Box<dyn StreamRebuilder> = Box::<ChunkStream>::default();
        for chunk in chunks {
            stream.event("", chunk);
        }
        stream.finish()
    }

    #[test]
    fn content_tool_call_fragments_and_the_usage_chunk() {
        let rebuilt = replay(&[
            r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}"#,
            r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Let me check."},"finish_reason":null}],"usage":null}"#,
            r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}],"usage":null}"#,
            r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"locat"}}]},"finish_reason":null}],"usage":null}"#,
            r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ion\":\"Paris\"}"}}]},"finish_reason":null}],"usage":null}"#,
            r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}],"usage":null}"#,
            r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":120,"completion_tokens":30,"total_tokens":150,"prompt_tokens_details":{"cached_tokens":100},"completion_tokens_details":{"reasoning_tokens":0}}}"#,
            "[DONE]",
        ]);
        assert_eq!(
            rebuilt.content,
            vec![
                ContentBlock::Text { text: "Let me check.".into() },
                ContentBlock::ToolUse {
                    id: "call_abc".into(),
                    name: "get_weather".into(),
                    input: json!({"location":"Paris"})
                },
            ]
        );
        assert_eq!(rebuilt.stop_reason.as_deref(), Some("tool_calls"));
        assert_eq!(rebuilt.usage.input_tokens, Some(20), "cached tokens are not input tokens");
        assert_eq!(rebuilt.usage.cache_read_tokens, Some(100));
        assert_eq!(rebuilt.usage.output_tokens, Some(30));
        assert!(rebuilt.complete);
    }

    #[test]
    fn a_stream_cut_before_done_is_incomplete() {
        let rebuilt = replay(&[
            r#"{"id":"chatcmpl-2","model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Par"},"finish_reason":null}]}"#,
        ]);
        assert_eq!(rebuilt.content, vec![ContentBlock::Text { text: "Par".into() }]);
        assert!(!rebuilt.complete);
    }

    #[test]
    fn request_system_developer_tools_and_tool_results() {
        let parts = request_parts(&json!({
            "model":"gpt-4o",
            "messages":[
                {"role":"developer","content":"Be brief."},
                {"role":"user","content":[{"type":"text","text":"Weather?"},{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,aGVsbG8h"}}]},
                {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}}]},
                {"role":"tool","tool_call_id":"call_1","content":"-3 C"}
            ],
            "tools":[{"type":"function","function":{"name":"get_weather","parameters":{}}}]
        }));
        assert_eq!(parts.system.as_deref(), Some("Be brief."));
        assert_eq!(parts.tools, vec!["get_weather"]);
        assert_eq!(parts.messages.len(), 3);
        assert_eq!(
            parts.messages[1].content,
            MessageContent::Blocks(vec![ContentBlock::ToolUse {
                id: "call_1".into(),
                name: "get_weather".into(),
                input: json!({"city":"Oslo"})
            }])
        );
        assert_eq!(parts.messages[2].role, Role::Tool);
        assert!(
            matches!(&parts.messages[0].content, MessageContent::Blocks(b) if b[1] == ContentBlock::Image { media_type: "image/jpeg".into(), bytes: 6 })
        );
    }

    #[test]
    fn a_whole_completion_body() {
        let rebuilt = rebuild_completion(&json!({
            "id":"chatcmpl-3","object":"chat.completion","model":"gpt-4o-mini",
            "choices":[{"index":0,"message":{"role":"assistant","content":"Hello!","refusal":null},"finish_reason":"stop"}],
            "usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}
        }));
        assert_eq!(rebuilt.content, vec![ContentBlock::Text { text: "Hello!".into() }]);
        assert_eq!(rebuilt.usage.input_tokens, Some(9));
        assert_eq!(rebuilt.stop_reason.as_deref(), Some("stop"));
    }
}
