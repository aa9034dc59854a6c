//! GenAI spans → records: one inference span (`chat`, `text_completion`, `generate_content`, or an
//! OpenInference `LLM` span) is one record; its `execute_tool` children are the record's tool calls.

use std::collections::HashMap;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use opentelemetry_proto::tonic::trace::v1::Span;
use serde_json::Value;

use super::attrs as a;
use super::content;
use super::ids;
use super::value::{indexed, Attributes};
use super::{finish_record, timestamp_from_nanos, Received};
use crate::record::{
    InteractionRecord, Message, MessageContent, Role, RoutingMetadata, StopReason, TokenUsage, ToolCallRecord,
};

pub fn records_from_traces(request: &ExportTraceServiceRequest) -> Received {
    let mut received = Received::default();
    for resource_spans in &request.resource_spans {
        let resource: &[KeyValue] = resource_spans.resource.as_ref().map_or(&[], |r| r.attributes.as_slice());
        let spans: Vec<&Span> = resource_spans.scope_spans.iter().flat_map(|scope| scope.spans.iter()).collect();
        let mut tools_by_parent: HashMap<&[u8], Vec<&Span>> = HashMap::new();
        for span in &spans {
            match classify(span) {
                Kind::Tool => tools_by_parent.entry(span.parent_span_id.as_slice()).or_default().push(span),
                Kind::Inference => {}
                Kind::Other => received.dropped += 1,
            }
        }
        for span in &spans {
            if classify(span) != Kind::Inference {
                continue;
            }
            let tools = tools_by_parent.remove(span.span_id.as_slice()).unwrap_or_default();
            received.records.push(record_from_span(span, resource, &tools));
        }
        // Tool spans whose parent is not an inference span of this request have no record to join.
        received.dropped += tools_by_parent.values().map(|list| list.len() as u64).sum::<u64>();
    }
    received
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Inference,
    Tool,
    Other,
}

fn classify(span: &Span) -> Kind {
    let attrs = Attributes::new(&span.attributes);
    match attrs.text(a::OPERATION_NAME).as_deref() {
        Some(a::OP_EXECUTE_TOOL) => return Kind::Tool,
        Some(op) if a::INFERENCE_OPERATIONS.contains(&op) => return Kind::Inference,
        Some(_) => return Kind::Other,
        None => {}
    }
    match attrs.text(a::OI_SPAN_KIND).map(|k| k.to_ascii_uppercase()).as_deref() {
        Some("LLM") => return Kind::Inference,
        Some("TOOL") => return Kind::Tool,
        Some(_) => return Kind::Other,
        None => {}
    }
    // Instrumentations older than `gen_ai.operation.name` still name the model.
    if attrs.get(a::REQUEST_MODEL).is_some()
        && (attrs.get(a::SYSTEM).is_some() || attrs.get(a::PROVIDER_NAME).is_some())
    {
        return Kind::Inference;
    }
    Kind::Other
}

fn record_from_span(span: &Span, resource: &[KeyValue], tools: &[&Span]) -> InteractionRecord {
    // The inference details event carries the content when the span does not.
    let details: &[KeyValue] = span
        .events
        .iter()
        .find(|event| event.name == a::INFERENCE_DETAILS_EVENT || event.name.starts_with("gen_ai.content."))
        .map_or(&[], |event| event.attributes.as_slice());
    let attrs = Attributes::layered(&span.attributes, details, resource);
    let own = Attributes::new(&span.attributes);
    // Spans we exported ourselves: read back as they were written, without guessing.
    let ours = own.get(a::RECORD_ID).is_some();
    let id = own.text(a::RECORD_ID).unwrap_or_else(|| {
        ids::record_id_for(&format!("span:{}:{}", ids::hex(&span.trace_id), ids::hex(&span.span_id)))
    });
    let mut record = InteractionRecord::new("");
    record.prompt = None;
    record.id = id;
    record.timestamp = timestamp_from_nanos(span.start_time_unix_nano);
    if span.end_time_unix_nano >= span.start_time_unix_nano && span.start_time_unix_nano > 0 {
        record.duration_ms = Some((span.end_time_unix_nano - span.start_time_unix_nano) / 1_000_000);
    }
    record.model = attrs.text_any(&[a::RESPONSE_MODEL, a::REQUEST_MODEL, a::OI_MODEL_NAME]);
    record.provider = attrs.text_any(&[a::PROVIDER_NAME, a::SYSTEM, a::OI_PROVIDER]);
    record.session_id = attrs.text_any(&[a::CONVERSATION_ID, a::OI_SESSION_ID]);
    record.response_id = attrs.text(a::RESPONSE_ID);
    record.request_id = attrs.text(a::REQUEST_ID);
    record.agent = attrs.text(a::AGENT_NAME);
    record.project = attrs.text(a::PROJECT);
    record.client = if ours { attrs.text(a::CLIENT) } else { attrs.text_any(&[a::CLIENT, a::SERVICE_NAME]) };
    record.memories_used = attrs.strings(a::MEMORIES_USED);
    record.chunks_used = attrs.strings(a::CHUNKS_USED);
    record.context_pack = attrs.json(a::CONTEXT_PACK);
    record.response_summary = attrs.text(a::RESPONSE_SUMMARY);
    record.stop_reason = attrs.strings(a::FINISH_REASONS).first().map(|reason| StopReason::from(reason.as_str()));
    record.ttft_ms = attrs.float(a::TIME_TO_FIRST_CHUNK).filter(|s| *s >= 0.0).map(|s| (s * 1000.0).round() as u64);
    record.tags = attrs.strings(a::TAGS);
    record.tools_available = attrs.strings(a::TOOLS_AVAILABLE);
    record.usage_approximate = attrs.flag(a::USAGE_APPROXIMATE).unwrap_or(false);
    record.usage = usage(&attrs);
    record.routing = routing(&attrs);
    if let Some(status) = span.status.as_ref().filter(|s| s.code == StatusCode::Error as i32) {
        record.error = Some(if status.message.is_empty() {
            attrs.text(a::ERROR_TYPE).unwrap_or_else(|| "the span ended with an error status".into())
        } else {
            status.message.clone()
        });
    }
    read_content(&attrs, &mut record, ours);
    record.tool_calls = tool_calls(&attrs, tools);
    finish_record(record)
}

fn usage(attrs: &Attributes<'_>) -> Option<TokenUsage> {
    let whole_input = attrs.uint_any(&[a::INPUT_TOKENS, a::PROMPT_TOKENS, a::OI_PROMPT_TOKENS]);
    let cache_read = attrs.uint(a::CACHE_READ_TOKENS);
    let cache_creation = attrs.uint(a::CACHE_CREATION_TOKENS);
    let usage = TokenUsage {
        // Our input count leaves out the cached tokens the conventions include (docs/format.md).
        input_tokens: whole_input
            .map(|whole| whole.saturating_sub(cache_read.unwrap_or(0)).saturating_sub(cache_creation.unwrap_or(0))),
        output_tokens: attrs.uint_any(&[a::OUTPUT_TOKENS, a::COMPLETION_TOKENS, a::OI_COMPLETION_TOKENS]),
        cache_read_tokens: cache_read,
        cache_creation_tokens: cache_creation,
        reasoning_tokens: attrs.uint(a::REASONING_TOKENS),
        extra: Default::default(),
    };
    (!usage.is_empty()).then_some(usage)
}

fn routing(attrs: &Attributes<'_>) -> Option<RoutingMetadata> {
    let routing = RoutingMetadata {
        profile: attrs.text(a::ROUTING_PROFILE),
        reason: attrs.text(a::ROUTING_REASON),
        confidence: attrs.float(a::ROUTING_CONFIDENCE),
        features: attrs.json(a::ROUTING_FEATURES),
        extra: Default::default(),
    };
    (routing != RoutingMetadata::default()).then_some(routing)
}

/// Content from the current attributes, else the older ones (a JSON string, or indexed keys),
/// else OpenInference's.
fn read_content(attrs: &Attributes<'_>, record: &mut InteractionRecord, ours: bool) {
    record.prompt = attrs.text(a::PROMPT_TEXT);
    record.system_prompt = attrs.json(a::SYSTEM_INSTRUCTIONS).and_then(|v| content::text_from_parts(&v));
    if let Some(messages) = attrs.json(a::INPUT_MESSAGES) {
        record.messages = content::messages_from_semconv(&messages);
    } else if let Some(messages) = attrs.json(a::PROMPT).filter(Value::is_array) {
        record.messages = content::messages_from_semconv(&messages);
    } else {
        let indexed_messages = indexed_messages(attrs, a::PROMPT, "");
        record.messages = if indexed_messages.is_empty() {
            indexed_messages_oi(attrs, a::OI_INPUT_MESSAGES)
        } else {
            indexed_messages
        };
    }
    if record.messages.is_empty() && record.prompt.is_none() {
        record.prompt = attrs.text(a::PROMPT).filter(|p| !p.starts_with('[')).or_else(|| attrs.text(a::OI_INPUT_VALUE));
    }
    // A system message at the head stands for the system prompt when there is none.
    if record.system_prompt.is_none() && !ours {
        if let Some(Message { role: Role::System, .. }) = record.messages.first() {
            let system = record.messages.remove(0);
            record.system_prompt = Some(system.plain_text());
        }
    }
    let output = attrs.json(a::OUTPUT_MESSAGES);
    record.response = output
        .as_ref()
        .and_then(content::text_from_parts)
        .or_else(|| attrs.json(a::COMPLETION).as_ref().and_then(content::text_from_parts))
        .or_else(|| {
            let completions = indexed(attrs, a::COMPLETION);
            let texts: Vec<String> = completions
                .iter()
                .filter_map(|c| c.get("content").and_then(Value::as_str).map(str::to_owned))
                .collect();
            (!texts.is_empty()).then(|| texts.join("\n"))
        })
        .or_else(|| {
            let outputs = indexed_messages_oi(attrs, a::OI_OUTPUT_MESSAGES);
            let texts: Vec<String> = outputs.iter().map(Message::plain_text).filter(|t| !t.is_empty()).collect();
            (!texts.is_empty()).then(|| texts.join("\n"))
        })
        .or_else(|| attrs.text(a::OI_OUTPUT_VALUE));
    if record.stop_reason.is_none() {
        record.stop_reason =
            output.as_ref().and_then(|v| v.get(0)?.get("finish_reason")?.as_str().map(StopReason::from));
    }
}

fn indexed_messages(attrs: &Attributes<'_>, prefix: &str, field_prefix: &str) -> Vec<Message> {
    indexed(attrs, prefix)
        .into_iter()
        .filter_map(|fields| {
            let role = fields.get(&format!("{field_prefix}role"))?.as_str()?.to_owned();
            let content = fields.get(&format!("{field_prefix}content"))?.as_str()?.to_owned();
            Some(Message::new(Role::from(role.as_str()), MessageContent::Text(content)))
        })
        .collect()
}

fn indexed_messages_oi(attrs: &Attributes<'_>, prefix: &str) -> Vec<Message> {
    indexed_messages(attrs, prefix, "message.")
}

/// Tool calls from the `execute_tool` children, and from the tool calls the output asked for that
/// no child span answers.
fn tool_calls(attrs: &Attributes<'_>, tools: &[&Span]) -> Vec<ToolCallRecord> {
    let mut calls: Vec<ToolCallRecord> = tools.iter().filter_map(|span| tool_call(span)).collect();
    if let Some(output) = attrs.json(a::OUTPUT_MESSAGES) {
        for (id, name, arguments) in content::tool_calls_in_output(&output) {
            let answered = calls.iter_mut().find(|call| id.is_some() && call.call_id == id);
            match answered {
                Some(call) if call.arguments.is_none() => call.arguments = arguments,
                Some(_) => {}
                None => calls.push(ToolCallRecord { name, call_id: id, arguments, ..ToolCallRecord::default() }),
            }
        }
    }
    calls
}

fn tool_call(span: &Span) -> Option<ToolCallRecord> {
    let attrs = Attributes::new(&span.attributes);
    let name = attrs.text(a::TOOL_NAME).or_else(|| span.name.strip_prefix("execute_tool ").map(str::to_owned))?;
    let failed = span.status.as_ref().is_some_and(|s| s.code == StatusCode::Error as i32);
    Some(ToolCallRecord {
        name,
        call_id: attrs.text(a::TOOL_CALL_ID),
        arguments: attrs.json(a::TOOL_CALL_ARGUMENTS).or_else(|| attrs.text(a::TOOL_CALL_ARGUMENTS).map(Value::String)),
        success: attrs.flag(a::TOOL_SUCCESS).or(if failed { Some(false) } else { None }),
        result: attrs.text(a::TOOL_CALL_RESULT),
        result_truncated: attrs.flag(a::TOOL_RESULT_TRUNCATED).unwrap_or(false),
        extra: Default::default(),
    })
}
