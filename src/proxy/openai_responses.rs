//! OpenAI Responses API: the request (`instructions`, `input`), the streamed semantic events and
//! the `response` object.
//!
//! A stream's terminal event (`response.completed`, `response.incomplete`, `response.failed`)
//! carries the whole response object, which is what the record is built from; the deltas before
//! it only matter when the stream breaks first, so that what arrived is kept.

use serde_json::Value;

use super::openai_chat::{openai_usage, tool_names};
use super::record::{
    append, data_url_image, json_or_string, text, text_or_blocks, Rebuilt, RequestParts, StreamRebuilder,
};
use crate::record::{ContentBlock, Message, MessageContent, Role, TokenUsage};

/// The request's model, `instructions` (and system/developer input items), input items and tools.
pub fn request_parts(body: &Value) -> RequestParts {
    let mut system: Vec<String> = text(body, "instructions").into_iter().collect();
    let mut messages = Vec::new();
    match body.get("input") {
        Some(Value::String(prompt)) => messages.push(Message::text(Role::User, prompt.clone())),
        Some(Value::Array(items)) => {
            for item in items {
                match item.get("role").and_then(Value::as_str) {
                    Some("system" | "developer") => system.extend(item.get("content").and_then(text_or_blocks)),
                    _ => messages.extend(input_item(item)),
                }
            }
        }
        _ => {}
    }
    RequestParts {
        model: text(body, "model"),
        system: (!system.is_empty()).then(|| system.join("\n")),
        messages,
        tools: tool_names(body),
    }
}

/// One input item: a message, a function call the model made, its output, or reasoning.
fn input_item(item: &Value) -> Option<Message> {
    let kind = item.get("type").and_then(Value::as_str);
    let blocks = |role, blocks| Some(Message::new(role, MessageContent::Blocks(blocks)));
    match kind {
        Some("function_call") => blocks(Role::Assistant, vec![function_call(item)]),
        Some("function_call_output") => blocks(
            Role::Tool,
            vec![ContentBlock::ToolResult {
                tool_use_id: text(item, "call_id").unwrap_or_default(),
                content: item.get("output").and_then(text_or_blocks).unwrap_or_default(),
                is_error: false,
            }],
        ),
        Some("reasoning") => {
            reasoning(item).map(|block| Message::new(Role::Assistant, MessageContent::Blocks(vec![block])))
        }
        Some("message") | None => {
            let role = Role::from(item.get("role")?.as_str()?);
            let content = match item.get("content")? {
                Value::String(text) => MessageContent::Text(text.clone()),
                Value::Array(parts) => MessageContent::Blocks(parts.iter().map(content_part).collect()),
                _ => return None,
            };
            Some(Message::new(role, content))
        }
        Some(_) => Some(Message::new(
            Role::Other("item".into()),
            MessageContent::Blocks(vec![ContentBlock::Other(item.clone())]),
        )),
    }
}

/// `input_text`/`output_text` become text; `input_image` with a `data:` URL its media type and size.
fn content_part(part: &Value) -> ContentBlock {
    match part.get("type").and_then(Value::as_str) {
        Some("input_text" | "output_text" | "text") => match text(part, "text") {
            Some(text) => ContentBlock::Text { text },
            None => ContentBlock::Other(part.clone()),
        },
        Some("refusal") => ContentBlock::Text { text: text(part, "refusal").unwrap_or_default() },
        Some("input_image") => part
            .get("image_url")
            .and_then(Value::as_str)
            .and_then(data_url_image)
            .unwrap_or_else(|| ContentBlock::Other(part.clone())),
        _ => ContentBlock::Other(part.clone()),
    }
}

fn function_call(item: &Value) -> ContentBlock {
    ContentBlock::ToolUse {
        id: text(item, "call_id").or_else(|| text(item, "id")).unwrap_or_default(),
        name: text(item, "name").unwrap_or_default(),
        input: json_or_string(item.get("arguments").and_then(Value::as_str).unwrap_or("")),
    }
}

/// A reasoning item's summary texts (the reasoning itself is encrypted or withheld).
fn reasoning(item: &Value) -> Option<ContentBlock> {
    let summary = item.get("summary").and_then(text_or_blocks).filter(|s| !s.is_empty())?;
    Some(ContentBlock::Thinking { thinking: summary })
}

/// Cached tokens are inside `input_tokens`: the record's `input_tokens` leaves them out.
fn usage_of(usage: &Value) -> TokenUsage {
    openai_usage(usage, ["input_tokens", "input_tokens_details", "output_tokens", "output_tokens_details"])
}

/// A `response` object (a non-streamed body or a terminal event's), or an error body.
pub fn rebuild_response(response: &Value) -> Rebuilt {
    let mut content = Vec::new();
    for item in response.get("output").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
        match item.get("type").and_then(Value::as_str) {
            Some("message") => {
                let parts = item.get("content").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
                content.extend(parts.iter().map(content_part));
            }
            Some("function_call") => content.push(function_call(item)),
            Some("reasoning") => content.extend(reasoning(item)),
            _ => content.push(ContentBlock::Other(item.clone())),
        }
    }
    let status = text(response, "status");
    let stop_reason = match status.as_deref() {
        Some("incomplete") => response.get("incomplete_details").and_then(|d| text(d, "reason")).or(status.clone()),
        // Chat Completions' words, so both OpenAI APIs read alike.
        Some("completed") if content.iter().any(|b| matches!(b, ContentBlock::ToolUse { .. })) => {
            Some("tool_calls".into())
        }
        Some("completed") => Some("stop".into()),
        _ => None,
    };
    let error = response
        .get("error")
        .filter(|e| !e.is_null())
        .and_then(|_| super::record::Api::OpenAiResponses.error_message(response));
    Rebuilt {
        response_id: text(response, "id"),
        model: text(response, "model"),
        content,
        usage: response.get("usage").filter(|u| u.is_object()).map(usage_of).unwrap_or_default(),
        stop_reason,
        error: error.or_else(|| (status.as_deref() == Some("failed")).then(|| "the response failed".to_owned())),
        complete: true,
    }
}

/// The events of one streamed response.
#[derive(Debug, Default)]
pub struct EventStream {
    terminal: Option<Rebuilt>,
    /// What arrived before a terminal event, for a stream that breaks first.
    started: Rebuilt,
    text: String,
    error: Option<String>,
}

impl StreamRebuilder for EventStream {
    fn event(&mut self, _name: &str, data: &str) -> bool {
        let Ok(event) = serde_json::from_str::<Value>(data) else { return false };
        match event.get("type").and_then(Value::as_str) {
            Some("response.created" | "response.in_progress") => {
                if let Some(response) = event.get("response") {
                    self.started.response_id = text(response, "id");
                    self.started.model = text(response, "model");
                }
                false
            }
            Some("response.output_text.delta" | "response.refusal.delta") => append(&mut self.text, &event, "delta"),
            Some("response.function_call_arguments.delta" | "response.reasoning_summary_text.delta") => {
                event.get("delta").and_then(Value::as_str).is_some_and(|d| !d.is_empty())
            }
            Some("response.completed" | "response.incomplete" | "response.failed") => {
                if let Some(response) = event.get("response") {
                    self.terminal = Some(rebuild_response(response));
                }
                false
            }
            Some("error") => {
                let message = text(&event, "message").unwrap_or_else(|| "error event".to_owned());
                self.error = Some(match text(&event, "code") {
                    Some(code) => format!("{code}: {message}"),
                    None => message,
                });
                false
            }
            _ => false,
        }
    }

    fn finish(self: Box<Self>) -> Rebuilt {
        let EventStream { terminal, mut started, text, error } = *self;
        let mut rebuilt = terminal.unwrap_or_else(|| {
            if !text.is_empty() {
                started.content.push(ContentBlock::Text { text });
            }
            started
        });
        if error.is_some() {
            rebuilt.error = error;
        }
        rebuilt
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn replay(events: &[Value]) -> Rebuilt {
        let mut stream: Box<dyn StreamRebuilder> = Box::<EventStream>::default();
        for event in events {
            stream.event(event["type"].as_str().unwrap_or(""), &event.to_string());
        }
        stream.finish()
    }

    fn completed(status: &str) -> Value {
        json!({
            "id":"resp_1","object":"response","status":status,"model":"gpt-4.1-mini",
            "incomplete_details": if status == "incomplete" { json!({"reason":"max_output_tokens"}) } else { Value::Null },
            "output":[
                {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Thought about it."}]},
                {"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hi there","annotations":[]}]},
                {"type":"function_call","id":"fc_1","call_id":"call_1","name":"lookup","arguments":"{\"q\":\"x\"}","status":"completed"}
            ],
            "usage":{"input_tokens":50,"input_tokens_details":{"cached_tokens":40},"output_tokens":12,"output_tokens_details":{"reasoning_tokens":5},"total_tokens":62}
        })
    }

    #[test]
    fn the_terminal_response_is_the_record() {
        let rebuilt = replay(&[
            json!({"type":"response.created","sequence_number":0,"response":{"id":"resp_1","status":"in_progress","model":"gpt-4.1-mini","output":[]}}),
            json!({"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_1","output_index":1,"content_index":0,"delta":"Hi"}),
            json!({"type":"response.output_text.delta","sequence_number":5,"item_id":"msg_1","output_index":1,"content_index":0,"delta":" there"}),
            json!({"type":"response.completed","sequence_number":9,"response":completed("completed")}),
        ]);
        assert_eq!(
            rebuilt.content,
            vec![
                ContentBlock::Thinking { thinking: "Thought about it.".into() },
                ContentBlock::Text { text: "Hi there".into() },
                ContentBlock::ToolUse { id: "call_1".into(), name: "lookup".into(), input: json!({"q":"x"}) },
            ]
        );
        assert_eq!(rebuilt.usage.input_tokens, Some(10));
        assert_eq!(rebuilt.usage.cache_read_tokens, Some(40));
        assert_eq!(rebuilt.usage.reasoning_tokens, Some(5));
        assert_eq!(rebuilt.stop_reason.as_deref(), Some("tool_calls"));
        assert!(rebuilt.complete);
    }

    #[test]
    fn incomplete_failed_and_broken_streams() {
        let incomplete = replay(&[json!({"type":"response.incomplete","response":completed("incomplete")})]);
        assert_eq!(incomplete.stop_reason.as_deref(), Some("max_output_tokens"));
        let failed = replay(&[
            json!({"type":"response.failed","response":{"id":"resp_2","status":"failed","error":{"code":"server_error","message":"The model crashed"},"output":[]}}),
        ]);
        assert_eq!(failed.error.as_deref(), Some("server_error: The model crashed"));
        let broken = replay(&[
            json!({"type":"response.created","response":{"id":"resp_3","model":"gpt-4.1","output":[]}}),
            json!({"type":"response.output_text.delta","delta":"Partial"}),
        ]);
        assert_eq!(broken.content, vec![ContentBlock::Text { text: "Partial".into() }]);
        assert_eq!(broken.response_id.as_deref(), Some("resp_3"));
        assert!(!broken.complete);
    }

    #[test]
    fn request_instructions_and_items() {
        let parts = request_parts(&json!({
            "model":"gpt-4.1","instructions":"Be terse.",
            "input":[
                {"role":"user","content":[{"type":"input_text","text":"Find x"}]},
                {"type":"function_call","call_id":"call_1","name":"lookup","arguments":"{}"},
                {"type":"function_call_output","call_id":"call_1","output":"x=1"}
            ],
            "tools":[{"type":"function","name":"lookup","parameters":{}},{"type":"web_search"}]
        }));
        assert_eq!(parts.system.as_deref(), Some("Be terse."));
        assert_eq!(parts.tools, vec!["lookup", "web_search"]);
        assert_eq!(parts.messages.len(), 3);
        assert_eq!(parts.messages[2].role, Role::Tool);
        let plain = request_parts(&json!({"model":"gpt-4.1","input":"Hello"}));
        assert_eq!(plain.messages, vec![Message::text(Role::User, "Hello")]);
    }
}
