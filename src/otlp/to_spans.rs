//! Records → GenAI spans (docs/otlp.md, "What a record becomes").

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};

use super::attrs as a;
use super::content;
use super::ids;
use super::value::{boolean, double, int, json_text, string, string_array};
use crate::record::{InteractionRecord, ToolCallRecord};

/// What to put in the spans besides the metadata.
#[derive(Clone, Copy, Debug, Default)]
pub struct SpanOptions {
    /// Prompts, messages, system prompt, response, tool arguments and results.
    pub include_content: bool,
}

/// One request holding the spans of `records`.
pub fn export_request(records: &[InteractionRecord], options: SpanOptions) -> ExportTraceServiceRequest {
    let spans = records.iter().flat_map(|record| record_spans(record, options)).collect();
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![string(a::SERVICE_NAME, "interlog")],
                dropped_attributes_count: 0,
                entity_refs: Vec::new(),
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "interlog".into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                    attributes: Vec::new(),
                    dropped_attributes_count: 0,
                }),
                spans,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

/// The record's span, then one child span per tool call.
pub fn record_spans(record: &InteractionRecord, options: SpanOptions) -> Vec<Span> {
    let trace_id = ids::trace_id(record.session_id.as_deref(), &record.id).to_vec();
    let span_id = ids::span_id(&record.id).to_vec();
    let start = unix_nanos(record);
    let end = start.saturating_add(record.duration_ms.unwrap_or(0).saturating_mul(1_000_000));
    let mut spans = Vec::with_capacity(1 + record.tool_calls.len());
    spans.push(Span {
        trace_id: trace_id.clone(),
        span_id: span_id.clone(),
        name: match &record.model {
            Some(model) => format!("{} {model}", a::OP_CHAT),
            None => a::OP_CHAT.to_owned(),
        },
        kind: SpanKind::Client as i32,
        start_time_unix_nano: start,
        end_time_unix_nano: end,
        attributes: record_attributes(record, options),
        status: record
            .error
            .as_ref()
            .map(|message| Status { message: message.clone(), code: StatusCode::Error as i32 }),
        ..Span::default()
    });
    for (index, call) in record.tool_calls.iter().enumerate() {
        spans.push(Span {
            trace_id: trace_id.clone(),
            span_id: ids::tool_span_id(&record.id, index).to_vec(),
            parent_span_id: span_id.clone(),
            name: format!("{} {}", a::OP_EXECUTE_TOOL, call.name),
            kind: SpanKind::Internal as i32,
            // Records do not time their tool calls: they are placed at the end of the call that asked for them.
            start_time_unix_nano: end,
            end_time_unix_nano: end,
            attributes: tool_attributes(call, options),
            status: (call.success == Some(false))
                .then(|| Status { message: "the tool call failed".into(), code: StatusCode::Error as i32 }),
            ..Span::default()
        });
    }
    spans
}

fn unix_nanos(record: &InteractionRecord) -> u64 {
    u64::try_from(record.timestamp.unix_nanos()).unwrap_or(0)
}

fn record_attributes(record: &InteractionRecord, options: SpanOptions) -> Vec<KeyValue> {
    let mut out = vec![string(a::OPERATION_NAME, a::OP_CHAT), string(a::RECORD_ID, &record.id)];
    let mut text = |key: &str, value: &Option<String>| {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            out.push(string(key, value));
        }
    };
    text(a::PROVIDER_NAME, &record.provider);
    text(a::REQUEST_MODEL, &record.model);
    text(a::RESPONSE_MODEL, &record.model);
    text(a::CONVERSATION_ID, &record.session_id);
    text(a::RESPONSE_ID, &record.response_id);
    text(a::AGENT_NAME, &record.agent);
    text(a::REQUEST_ID, &record.request_id);
    text(a::PROJECT, &record.project);
    text(a::CLIENT, &record.client);
    text(a::RESPONSE_SUMMARY, &record.response_summary);
    if let Some(error) = &record.error {
        out.push(string(a::ERROR_TYPE, error_type(error)));
    }
    if let Some(usage) = &record.usage {
        let cache_read = usage.cache_read_tokens.unwrap_or(0);
        let cache_creation = usage.cache_creation_tokens.unwrap_or(0);
        if usage.input_tokens.is_some() || usage.cache_read_tokens.is_some() || usage.cache_creation_tokens.is_some() {
            // The conventions count the whole prompt as input; ours keep the cached part apart.
            let whole = usage.input_tokens.unwrap_or(0).saturating_add(cache_read).saturating_add(cache_creation);
            out.push(int(a::INPUT_TOKENS, whole));
        }
        if let Some(output) = usage.output_tokens {
            out.push(int(a::OUTPUT_TOKENS, output));
        }
        if let Some(read) = usage.cache_read_tokens {
            out.push(int(a::CACHE_READ_TOKENS, read));
        }
        if let Some(creation) = usage.cache_creation_tokens {
            out.push(int(a::CACHE_CREATION_TOKENS, creation));
        }
        if let Some(reasoning) = usage.reasoning_tokens {
            out.push(int(a::REASONING_TOKENS, reasoning));
        }
    }
    if record.usage_approximate {
        out.push(boolean(a::USAGE_APPROXIMATE, true));
    }
    if let Some(reason) = &record.stop_reason {
        out.push(string_array(a::FINISH_REASONS, &[reason.as_str().to_owned()]));
    }
    if let Some(ttft) = record.ttft_ms {
        out.push(double(a::TIME_TO_FIRST_CHUNK, ttft as f64 / 1000.0));
    }
    if !record.tags.is_empty() {
        out.push(string_array(a::TAGS, &record.tags));
    }
    if !record.tools_available.is_empty() {
        out.push(string_array(a::TOOLS_AVAILABLE, &record.tools_available));
    }
    if let Some(routing) = &record.routing {
        if let Some(profile) = &routing.profile {
            out.push(string(a::ROUTING_PROFILE, profile));
        }
        if let Some(reason) = &routing.reason {
            out.push(string(a::ROUTING_REASON, reason));
        }
        if let Some(confidence) = routing.confidence {
            out.push(double(a::ROUTING_CONFIDENCE, confidence));
        }
        if let Some(features) = &routing.features {
            out.push(json_text(a::ROUTING_FEATURES, features));
        }
    }
    if !record.memories_used.is_empty() {
        out.push(string_array(a::MEMORIES_USED, &record.memories_used));
    }
    if !record.chunks_used.is_empty() {
        out.push(string_array(a::CHUNKS_USED, &record.chunks_used));
    }
    if options.include_content {
        content_attributes(record, &mut out);
    }
    out
}

fn content_attributes(record: &InteractionRecord, out: &mut Vec<KeyValue>) {
    if let Some(system) = record.system_prompt.as_deref().filter(|s| !s.is_empty()) {
        out.push(json_text(a::SYSTEM_INSTRUCTIONS, &content::system_to_semconv(system)));
    }
    if !record.messages.is_empty() {
        out.push(json_text(a::INPUT_MESSAGES, &content::messages_to_semconv(&record.messages)));
    }
    if let Some(pack) = &record.context_pack {
        out.push(json_text(a::CONTEXT_PACK, pack));
    }
    if let Some(prompt) = record.prompt.as_deref().filter(|p| !p.is_empty()) {
        out.push(string(a::PROMPT_TEXT, prompt));
    }
    if let Some(response) = record.response.as_deref().filter(|r| !r.is_empty()) {
        let reason = record.stop_reason.as_ref().map(|r| r.as_str());
        out.push(json_text(a::OUTPUT_MESSAGES, &content::output_to_semconv(response, reason)));
    }
}

fn tool_attributes(call: &ToolCallRecord, options: SpanOptions) -> Vec<KeyValue> {
    let mut out = vec![
        string(a::OPERATION_NAME, a::OP_EXECUTE_TOOL),
        string(a::TOOL_NAME, &call.name),
        string(a::TOOL_TYPE, "function"),
    ];
    if let Some(id) = &call.call_id {
        out.push(string(a::TOOL_CALL_ID, id));
    }
    if let Some(success) = call.success {
        out.push(boolean(a::TOOL_SUCCESS, success));
    }
    if options.include_content {
        if let Some(arguments) = &call.arguments {
            out.push(json_text(a::TOOL_CALL_ARGUMENTS, arguments));
        }
        if let Some(result) = &call.result {
            out.push(string(a::TOOL_CALL_RESULT, result));
        }
        if call.result_truncated {
            out.push(boolean(a::TOOL_RESULT_TRUNCATED, true));
        }
    }
    out
}

/// `error.type` wants a low-cardinality class, not the message: the first word, or `_OTHER`.
fn error_type(error: &str) -> String {
    let word: String = error.split_whitespace().next().unwrap_or("").chars().take(64).collect();
    let class = word.trim_end_matches(':');
    if class.is_empty() {
        "_OTHER".to_owned()
    } else {
        class.to_owned()
    }
}
