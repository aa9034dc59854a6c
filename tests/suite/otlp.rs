//! OpenTelemetry both ways: the receiver in `serve` (`/v1/traces`, `/v1/logs`) and
//! `interlog export otlp`, over real HTTP on loopback.
#![cfg(all(feature = "server", feature = "export"))]

use crate::{cli_support, otlp_support, server_support};

use std::process::{Child, Stdio};
use std::time::Duration;

use interlog::otlp::{ids, ExportTraceServiceRequest, ExportTraceServiceResponse};
use interlog::record::{
    ContentBlock, Message, MessageContent, Role, RoutingMetadata, StopReason, TokenUsage, ToolCallRecord,
};
use interlog::{InteractionLogger, InteractionRecord, InteractionsConfig};
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::span::{Event, SpanKind};
use opentelemetry_proto::tonic::trace::v1::status::StatusCode as SpanStatus;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};
use otlp_support::{attr, attr_int, attr_text, int, string, Collector};
use prost::Message as _;
use serde_json::{json, Value};
use server_support::{stored_records, wait_until, TestServer};

const PATIENCE: Duration = Duration::from_secs(20);

fn post(server: &TestServer, path: &str, content_type: &str, encoding: Option<&str>, body: Vec<u8>) -> (u16, Vec<u8>) {
    let mut request = server.agent.post(server.url(path)).header("Content-Type", content_type);
    if let Some(encoding) = encoding {
        request = request.header("Content-Encoding", encoding);
    }
    let mut response = request.send(&body[..]).unwrap();
    let status = response.status().as_u16();
    (status, response.body_mut().read_to_vec().unwrap())
}

fn gzip(body: &[u8]) -> Vec<u8> {
    interlog::otlp::wire::gzip(body)
}

fn wait_for_records(server: &TestServer, count: usize) -> Vec<Value> {
    assert!(
        wait_until(PATIENCE, || stored_records(&server.dir).len() >= count),
        "expected {count} records, found {}",
        stored_records(&server.dir).len()
    );
    stored_records(&server.dir)
}

const TRACE: [u8; 16] = [7; 16];

fn chat_span() -> Span {
    Span {
        trace_id: TRACE.to_vec(),
        span_id: vec![1; 8],
        name: "chat gpt-4.1".into(),
        kind: SpanKind::Client as i32,
        start_time_unix_nano: 1_764_000_000_000_000_000,
        end_time_unix_nano: 1_764_000_001_500_000_000,
        attributes: vec![
            string("gen_ai.operation.name", "chat"),
            string("gen_ai.provider.name", "openai"),
            string("gen_ai.request.model", "gpt-4.1"),
            string("gen_ai.response.model", "gpt-4.1-2025-04-14"),
            string("gen_ai.response.id", "chatcmpl-123"),
            string("gen_ai.conversation.id", "conv-1"),
            int("gen_ai.usage.input_tokens", 120),
            int("gen_ai.usage.cache_read.input_tokens", 20),
            int("gen_ai.usage.output_tokens", 30),
            otlp_support::string("gen_ai.system_instructions", r#"[{"type":"text","content":"be brief"}]"#),
            string(
                "gen_ai.input.messages",
                r#"[{"role":"user","parts":[{"type":"text","content":"weather in Paris?"}]}]"#,
            ),
            string(
                "gen_ai.output.messages",
                r#"[{"role":"assistant","parts":[{"type":"text","content":"Let me check."},{"type":"tool_call","id":"call_1","name":"get_weather","arguments":{"city":"Paris"}}],"finish_reason":"tool_call"}]"#,
            ),
        ],
        ..Span::default()
    }
}

fn tool_span() -> Span {
    Span {
        trace_id: TRACE.to_vec(),
        span_id: vec![2; 8],
        parent_span_id: vec![1; 8],
        name: "execute_tool get_weather".into(),
        kind: SpanKind::Internal as i32,
        start_time_unix_nano: 1_764_000_001_500_000_000,
        end_time_unix_nano: 1_764_000_001_600_000_000,
        attributes: vec![
            string("gen_ai.operation.name", "execute_tool"),
            string("gen_ai.tool.name", "get_weather"),
            string("gen_ai.tool.call.id", "call_1"),
            string("gen_ai.tool.call.result", "rainy, 57°F"),
        ],
        ..Span::default()
    }
}

fn http_span() -> Span {
    Span { trace_id: TRACE.to_vec(), span_id: vec![3; 8], name: "GET /".into(), ..Span::default() }
}

fn traces(spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource { attributes: vec![string("service.name", "weather-app")], ..Resource::default() }),
            scope_spans: vec![ScopeSpans { spans, ..ScopeSpans::default() }],
            ..ResourceSpans::default()
        }],
    }
}

fn check_weather_record(record: &Value) {
    assert_eq!(record["timestamp"], "2025-11-24T16:00:00.000Z");
    assert_eq!(record["duration_ms"], 1500);
    assert_eq!(record["model"], "gpt-4.1-2025-04-14");
    assert_eq!(record["provider"], "openai");
    assert_eq!(record["response_id"], "chatcmpl-123");
    assert_eq!(record["session_id"], "conv-1");
    assert_eq!(record["client"], "weather-app");
    assert_eq!(record["system_prompt"], "be brief");
    assert_eq!(record["messages"], json!([{"role": "user", "content": "weather in Paris?"}]));
    assert_eq!(record["response"], "Let me check.");
    assert_eq!(record["stop_reason"], "tool_call");
    // The conventions' input count includes the cached tokens; ours does not.
    assert_eq!(record["usage"], json!({"input_tokens": 100, "output_tokens": 30, "cache_read_tokens": 20}));
    assert_eq!(
        record["tool_calls"],
        json!([{"name": "get_weather", "call_id": "call_1", "result": "rainy, 57°F", "arguments": {"city": "Paris"}}])
    );
    assert_eq!(record["source"], json!({"kind": "otlp"}));
}

#[test]
fn genai_spans_in_protobuf_become_records_and_other_spans_are_dropped_and_counted() {
    let server = TestServer::start();
    let body = traces(vec![chat_span(), tool_span(), http_span()]).encode_to_vec();
    let (status, answer) = post(&server, "/v1/traces", "application/x-protobuf", Some("gzip"), gzip(&body));
    assert_eq!(status, 200);
    let answer = ExportTraceServiceResponse::decode(answer.as_slice()).unwrap();
    assert_eq!(answer.partial_success.as_ref().map(|p| p.rejected_spans), Some(1), "the HTTP span is dropped");

    let records = wait_for_records(&server, 1);
    assert_eq!(records.len(), 1);
    check_weather_record(&records[0]);
    let (_, health) = server.get("/healthz");
    assert_eq!(health["status"], "ok");
    assert_eq!(health["otlp"]["dropped_spans"], 1);
    assert_eq!(health["otlp"]["records"], 1);

    // A collector that retries sends the same spans again: stored once.
    let (status, _) = post(&server, "/v1/traces", "application/x-protobuf", None, body);
    assert_eq!(status, 200);
    assert!(wait_until(PATIENCE, || server.get("/healthz").1["otlp"]["duplicates"] == 1));
    assert_eq!(stored_records(&server.dir).len(), 1);
}

#[test]
fn genai_spans_in_json_and_the_inference_details_event_are_read() {
    let server = TestServer::start();
    // Content on the details event rather than the span, as newer instrumentations send it.
    let mut chat = chat_span();
    let (content, metadata): (Vec<_>, Vec<_>) = chat.attributes.into_iter().partition(|kv| {
        kv.key.starts_with("gen_ai.input")
            || kv.key.starts_with("gen_ai.output")
            || kv.key.starts_with("gen_ai.system_")
    });
    chat.attributes = metadata;
    chat.events = vec![Event {
        name: "gen_ai.client.inference.operation.details".into(),
        attributes: content,
        ..Event::default()
    }];
    let body = serde_json::to_vec(&traces(vec![chat, tool_span()])).unwrap();
    // OTLP/JSON: hex ids, int64 as strings, lowerCamelCase names.
    let text = String::from_utf8(body.clone()).unwrap();
    assert!(text.contains(r#""traceId":"07070707070707070707070707070707""#), "{text}");
    assert!(text.contains(r#""startTimeUnixNano":"1764000000000000000""#), "{text}");
    let (status, answer) = post(&server, "/v1/traces", "application/json", None, body);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    let records = wait_for_records(&server, 1);
    check_weather_record(&records[0]);
}

/// Claude Code's OTLP/JSON logs, written by hand after its monitoring docs: every attribute is a
/// string, the event name is the body, bodies are JSON text.
const CLAUDE_CODE_BODY: &str = r#"{"resourceLogs":[{"resource":{"attributes":[
  {"key":"service.name","value":{"stringValue":"claude-code"}},
  {"key":"service.version","value":{"stringValue":"2.1.0"}}]},
 "scopeLogs":[{"scope":{"name":"com.anthropic.claude_code.events","version":"2.1.0"},"logRecords":[
  {"timeUnixNano":"1764000000000000000","body":{"stringValue":"claude_code.user_prompt"},"attributes":[
    {"key":"session.id","value":{"stringValue":"cc-session-1"}},
    {"key":"event.name","value":{"stringValue":"user_prompt"}},
    {"key":"event.timestamp","value":{"stringValue":"2025-11-24T16:00:00.000Z"}},
    {"key":"event.sequence","value":{"intValue":"1"}},
    {"key":"prompt.id","value":{"stringValue":"p-1"}},
    {"key":"prompt_length","value":{"stringValue":"17"}},
    {"key":"prompt","value":{"stringValue":"list the rs files"}}]},
  {"timeUnixNano":"1764000000100000000","body":{"stringValue":"claude_code.api_request_body"},"attributes":[
    {"key":"session.id","value":{"stringValue":"cc-session-1"}},
    {"key":"event.name","value":{"stringValue":"api_request_body"}},
    {"key":"event.sequence","value":{"intValue":"2"}},
    {"key":"prompt.id","value":{"stringValue":"p-1"}},
    {"key":"model","value":{"stringValue":"claude-sonnet-4-5"}},
    {"key":"body","value":{"stringValue":"{\"model\":\"claude-sonnet-4-5\",\"system\":[{\"type\":\"text\",\"text\":\"You are Claude Code.\",\"cache_control\":{\"type\":\"ephemeral\"}}],\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"list the rs files\"}]}],\"tools\":[{\"name\":\"Bash\"},{\"name\":\"Read\"}]}"}}]},
  {"timeUnixNano":"1764000002000000000","body":{"stringValue":"claude_code.api_response_body"},"attributes":[
    {"key":"session.id","value":{"stringValue":"cc-session-1"}},
    {"key":"event.name","value":{"stringValue":"api_response_body"}},
    {"key":"event.sequence","value":{"intValue":"3"}},
    {"key":"prompt.id","value":{"stringValue":"p-1"}},
    {"key":"request_id","value":{"stringValue":"req_011CV1"}},
    {"key":"body","value":{"stringValue":"{\"id\":\"msg_01A\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"I'll look.\"},{\"type\":\"tool_use\",\"id\":\"toolu_01\",\"name\":\"Bash\",\"input\":{\"command\":\"ls *.rs\"}}],\"stop_reason\":\"tool_use\",\"usage\":{\"input_tokens\":12,\"output_tokens\":40}}"}}]},
  {"timeUnixNano":"1764000002000000000","body":{"stringValue":"claude_code.api_request"},"attributes":[
    {"key":"session.id","value":{"stringValue":"cc-session-1"}},
    {"key":"event.name","value":{"stringValue":"api_request"}},
    {"key":"event.timestamp","value":{"stringValue":"2025-11-24T16:00:02.000Z"}},
    {"key":"event.sequence","value":{"intValue":"4"}},
    {"key":"prompt.id","value":{"stringValue":"p-1"}},
    {"key":"model","value":{"stringValue":"claude-sonnet-4-5"}},
    {"key":"cost_usd","value":{"stringValue":"0.0123"}},
    {"key":"duration_ms","value":{"stringValue":"1900"}},
    {"key":"input_tokens","value":{"stringValue":"12"}},
    {"key":"output_tokens","value":{"stringValue":"40"}},
    {"key":"cache_read_tokens","value":{"stringValue":"3000"}},
    {"key":"cache_creation_tokens","value":{"stringValue":"500"}},
    {"key":"request_id","value":{"stringValue":"req_011CV1"}},
    {"key":"query_source","value":{"stringValue":"repl_main_thread"}}]},
  {"timeUnixNano":"1764000003000000000","body":{"stringValue":"claude_code.tool_result"},"attributes":[
    {"key":"session.id","value":{"stringValue":"cc-session-1"}},
    {"key":"event.name","value":{"stringValue":"tool_result"}},
    {"key":"event.sequence","value":{"intValue":"5"}},
    {"key":"prompt.id","value":{"stringValue":"p-1"}},
    {"key":"tool_name","value":{"stringValue":"Bash"}},
    {"key":"tool_use_id","value":{"stringValue":"toolu_01"}},
    {"key":"success","value":{"stringValue":"true"}},
    {"key":"duration_ms","value":{"stringValue":"35"}}]},
  {"timeUnixNano":"1764000003000000000","body":{"stringValue":"claude_code.mcp_server_connection"},"attributes":[
    {"key":"session.id","value":{"stringValue":"cc-session-1"}},
    {"key":"event.name","value":{"stringValue":"mcp_server_connection"}}]}
 ]}]}]}"#;

#[test]
fn claude_code_events_written_by_hand_become_one_record() {
    let server = TestServer::start_with(|config| config.otlp_hold = Duration::from_millis(100));
    let (status, answer) = post(&server, "/v1/logs", "application/json", None, CLAUDE_CODE_BODY.as_bytes().to_vec());
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    let answer: Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(answer["partialSuccess"]["rejectedLogRecords"], "1", "the MCP event is dropped: {answer}");

    let records = wait_for_records(&server, 1);
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(record["client"], "claude-code");
    assert_eq!(record["provider"], "anthropic");
    assert_eq!(record["session_id"], "cc-session-1");
    assert_eq!(record["request_id"], "req_011CV1");
    assert_eq!(record["response_id"], "msg_01A");
    assert_eq!(record["model"], "claude-sonnet-4-5");
    // Logged when the call ended: the record's time is when it was sent.
    assert_eq!(record["timestamp"], "2025-11-24T16:00:00.100Z");
    assert_eq!(record["duration_ms"], 1900);
    assert_eq!(
        record["usage"],
        json!({"input_tokens": 12, "output_tokens": 40, "cache_read_tokens": 3000, "cache_creation_tokens": 500})
    );
    assert_eq!(record["cost_usd"], 0.0123);
    assert_eq!(record["prompt"], "list the rs files");
    assert_eq!(record["system_prompt"], "You are Claude Code.");
    assert_eq!(
        record["messages"],
        json!([{"role": "user", "content": [{"type": "text", "text": "list the rs files"}]}])
    );
    assert_eq!(record["tools_available"], json!(["Bash", "Read"]));
    assert_eq!(record["response"], "I'll look.");
    assert_eq!(record["stop_reason"], "tool_use");
    assert_eq!(
        record["tool_calls"],
        json!([{"name": "Bash", "call_id": "toolu_01", "arguments": {"command": "ls *.rs"}, "success": true}])
    );
    assert_eq!(record["source"], json!({"kind": "otlp"}));
    assert_eq!(server.get("/healthz").1["otlp"]["dropped_log_records"], 1);
}

#[test]
fn codex_events_become_a_record_with_cached_tokens_taken_out_of_input() {
    use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
    use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
    let event = |seconds: u64, attributes: Vec<_>| LogRecord {
        time_unix_nano: 1_764_000_000_000_000_000 + seconds * 1_000_000_000,
        attributes,
        ..LogRecord::default()
    };
    let common = |name: &str| {
        vec![string("event.name", name), string("conversation.id", "codex-conv"), string("model", "gpt-5-codex")]
    };
    let with = |name: &str, more: Vec<_>| {
        let mut attributes = common(name);
        attributes.extend(more);
        attributes
    };
    let request = ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource {
                attributes: vec![string("service.name", "codex_cli_rs")],
                ..Resource::default()
            }),
            scope_logs: vec![ScopeLogs {
                log_records: vec![
                    event(0, with("codex.conversation_starts", vec![string("provider_name", "openai")])),
                    event(
                        0,
                        with("codex.user_prompt", vec![string("prompt_length", "9"), string("prompt", "fix tests")]),
                    ),
                    event(
                        2,
                        with(
                            "codex.api_request",
                            vec![int("attempt", 1), int("duration_ms", 2000), int("http.response.status_code", 200)],
                        ),
                    ),
                    event(
                        5,
                        with(
                            "codex.sse_event",
                            vec![
                                string("event.kind", "response.completed"),
                                int("input_token_count", 1000),
                                int("cached_token_count", 800),
                                int("output_token_count", 50),
                                int("reasoning_token_count", 20),
                            ],
                        ),
                    ),
                    event(
                        6,
                        with(
                            "codex.tool_result",
                            vec![
                                string("tool_name", "shell"),
                                string("call_id", "call_9"),
                                string("arguments", r#"{"command":["cargo","test"]}"#),
                                string("success", "false"),
                                string("output", "1 failed"),
                            ],
                        ),
                    ),
                ],
                ..ScopeLogs::default()
            }],
            ..ResourceLogs::default()
        }],
    };
    let server = TestServer::start_with(|config| config.otlp_hold = Duration::from_millis(100));
    let (status, _) = post(&server, "/v1/logs", "application/x-protobuf", None, request.encode_to_vec());
    assert_eq!(status, 200);
    let records = wait_for_records(&server, 1);
    let record = &records[0];
    assert_eq!(record["client"], "codex");
    assert_eq!(record["provider"], "openai");
    assert_eq!(record["session_id"], "codex-conv");
    assert_eq!(record["model"], "gpt-5-codex");
    assert_eq!(record["prompt"], "fix tests");
    assert_eq!(record["timestamp"], "2025-11-24T16:00:00.000Z");
    assert_eq!(record["duration_ms"], 2000);
    assert_eq!(
        record["usage"],
        json!({"input_tokens": 200, "output_tokens": 50, "cache_read_tokens": 800, "reasoning_tokens": 20})
    );
    assert_eq!(
        record["tool_calls"],
        json!([{"name": "shell", "call_id": "call_9", "arguments": {"command": ["cargo", "test"]}, "success": false, "result": "1 failed"}])
    );
}

#[test]
fn malformed_bodies_are_400_and_store_nothing() {
    let server = TestServer::start();
    let cases: [(&str, &str, Option<&str>, Vec<u8>); 5] = [
        ("/v1/traces", "application/x-protobuf", None, vec![0xff, 0xff, 0xff, 0x01]),
        ("/v1/traces", "application/json", None, b"{\"resourceSpans\": [".to_vec()),
        ("/v1/logs", "application/json", None, b"{\"resourceLogs\": 3}".to_vec()),
        ("/v1/logs", "application/x-protobuf", Some("gzip"), b"not gzip".to_vec()),
        (
            "/v1/traces",
            "application/json",
            None,
            br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]}"#.to_vec(),
        ),
    ];
    for (path, content_type, encoding, body) in cases {
        let (status, answer) = post(&server, path, content_type, encoding, body);
        assert_eq!(status, 400, "{path} {content_type}: {}", String::from_utf8_lossy(&answer));
    }
    let (status, _) = post(&server, "/v1/traces", "text/plain", None, b"hi".to_vec());
    assert_eq!(status, 415);
    // A valid request that holds nothing we understand is accepted and stores nothing.
    let (status, _) = post(&server, "/v1/traces", "application/json", None, b"{}".to_vec());
    assert_eq!(status, 200);
    let (status, _) = post(&server, "/v1/metrics", "application/x-protobuf", None, Vec::new());
    assert_eq!(status, 200);
    assert_eq!(server.get("/healthz").1["otlp"]["dropped_metrics_requests"], 1);
    std::thread::sleep(Duration::from_millis(200));
    assert!(stored_records(&server.dir).is_empty());
}

#[test]
fn the_receiver_needs_the_token_like_the_rest_of_the_api() {
    let server = TestServer::start_with(|config| config.token = Some("s3cret".into()));
    let body = traces(vec![chat_span()]).encode_to_vec();
    let (status, _) = post(&server, "/v1/traces", "application/x-protobuf", None, body.clone());
    assert_eq!(status, 401);
    let mut response = server
        .agent
        .post(server.url("/v1/traces"))
        .header("Content-Type", "application/x-protobuf")
        .header("Authorization", "Bearer s3cret")
        .send(&body[..])
        .unwrap();
    assert_eq!(response.status().as_u16(), 200, "{}", response.body_mut().read_to_string().unwrap());
    assert_eq!(wait_for_records(&server, 1).len(), 1);
}

// Export.

fn record(id: &str, session: &str, minute: u32) -> InteractionRecord {
    let mut record = InteractionRecord::new(format!("question {id}"));
    record.id = id.into();
    record.timestamp = interlog::record::Timestamp::parse(&format!("2026-11-21T10:{minute:02}:00.250Z")).unwrap();
    record.duration_ms = Some(1200);
    record.session_id = Some(session.into());
    record.project = Some("proj".into());
    record.client = Some("claude-code".into());
    record.model = Some("claude-sonnet-4-5".into());
    record.provider = Some("anthropic".into());
    record.system_prompt = Some("be brief".into());
    record.response = Some(format!("answer {id}"));
    record.usage = Some(TokenUsage {
        input_tokens: Some(10),
        output_tokens: Some(5),
        cache_read_tokens: Some(100),
        cache_creation_tokens: Some(7),
        ..TokenUsage::default()
    });
    record.stop_reason = Some(StopReason::EndTurn);
    record.tags = vec!["t1".into()];
    record
}

fn corpus() -> Vec<InteractionRecord> {
    let mut first = record("rec-1", "sess-a", 1);
    first.stop_reason = Some(StopReason::ToolUse);
    first.tool_calls = vec![
        ToolCallRecord {
            name: "Read".into(),
            call_id: Some("toolu_1".into()),
            arguments: Some(json!({"path": "a.rs"})),
            success: Some(true),
            result: Some("fn main() {}".into()),
            ..ToolCallRecord::default()
        },
        ToolCallRecord {
            name: "Bash".into(),
            call_id: Some("toolu_2".into()),
            success: Some(false),
            ..ToolCallRecord::default()
        },
    ];
    first.messages = vec![
        Message::text(Role::User, "question rec-1"),
        Message::new(
            Role::Assistant,
            MessageContent::Blocks(vec![
                ContentBlock::Thinking { thinking: "look first".into() },
                ContentBlock::ToolUse { id: "toolu_0".into(), name: "Glob".into(), input: json!({"pattern": "*.rs"}) },
            ]),
        ),
        Message::new(
            Role::User,
            MessageContent::Blocks(vec![ContentBlock::ToolResult {
                tool_use_id: "toolu_0".into(),
                content: "a.rs".into(),
                is_error: false,
            }]),
        ),
    ];
    first.ttft_ms = Some(321);
    first.request_id = Some("req_1".into());
    first.response_id = Some("msg_1".into());
    first.agent = Some("main".into());
    first.tools_available = vec!["Read".into(), "Bash".into()];
    first.routing = Some(RoutingMetadata {
        profile: Some("fast".into()),
        reason: Some("short".into()),
        confidence: Some(0.75),
        features: Some(json!({"len": 3})),
        ..RoutingMetadata::default()
    });
    first.memories_used = vec!["m1".into()];
    first.context_pack = Some(json!({"files": ["a.rs"]}));
    let mut second = record("rec-2", "sess-a", 2);
    second.error = Some("overloaded_error: try later".into());
    second.response = None;
    let mut third = record("rec-3", "sess-b", 3);
    third.usage_approximate = true;
    third.response_summary = Some("short".into());
    vec![first, second, third]
}

fn write_corpus(dir: &std::path::Path, records: &[InteractionRecord]) {
    let logger = InteractionLogger::open(dir, InteractionsConfig::default()).unwrap();
    for record in records {
        logger.log(record).unwrap();
    }
}

fn export(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["export", "otlp"];
    all.extend_from_slice(args);
    cli_support::isolated_command(dir, &all).output().unwrap()
}

#[test]
fn export_sends_genai_spans_with_ids_stable_across_sends() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("logs");
    let records = corpus();
    write_corpus(&dir, &records);
    let collector = Collector::start(Vec::new());
    for _ in 0..2 {
        let output = export(&dir, &["--endpoint", &collector.url()]);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("exported 3 records (5 spans)"), "{stderr}");
    }
    let requests = collector.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].path, "/v1/traces");
    assert_eq!(requests[0].header("content-encoding"), Some("gzip"));
    let (first, second) = (requests[0].spans(), requests[1].spans());
    let key = |s: &Span| (s.trace_id.clone(), s.span_id.clone(), s.parent_span_id.clone(), s.name.clone());
    assert_eq!(first.iter().map(key).collect::<Vec<_>>(), second.iter().map(key).collect::<Vec<_>>(), "same ids twice");

    let chat: Vec<&Span> = first.iter().filter(|s| s.kind == SpanKind::Client as i32).collect();
    assert_eq!(chat.len(), 3);
    let one = chat.iter().find(|s| attr_text(s, "interlog.record.id").as_deref() == Some("rec-1")).unwrap();
    assert_eq!(one.name, "chat claude-sonnet-4-5");
    assert_eq!(one.span_id, ids::span_id("rec-1").to_vec());
    assert_eq!(one.trace_id, ids::trace_id(Some("sess-a"), "rec-1").to_vec());
    assert_eq!(one.end_time_unix_nano - one.start_time_unix_nano, 1_200_000_000);
    assert_eq!(attr_text(one, "gen_ai.operation.name").as_deref(), Some("chat"));
    assert_eq!(attr_text(one, "gen_ai.provider.name").as_deref(), Some("anthropic"));
    assert_eq!(attr_text(one, "gen_ai.request.model").as_deref(), Some("claude-sonnet-4-5"));
    assert_eq!(attr_text(one, "gen_ai.conversation.id").as_deref(), Some("sess-a"));
    assert_eq!(attr_text(one, "gen_ai.response.id").as_deref(), Some("msg_1"));
    assert_eq!(attr_int(one, "gen_ai.usage.input_tokens"), Some(117), "input + cache read + cache creation");
    assert_eq!(attr_int(one, "gen_ai.usage.output_tokens"), Some(5));
    assert_eq!(attr_text(one, "interlog.project").as_deref(), Some("proj"));
    assert!(matches!(attr(one, "gen_ai.response.finish_reasons"), Some(Any::ArrayValue(_))));
    assert!(attr(one, "gen_ai.input.messages").is_none(), "content only with --include-content");
    assert!(attr(one, "gen_ai.system_instructions").is_none());
    let same_session = chat.iter().find(|s| attr_text(s, "interlog.record.id").as_deref() == Some("rec-2")).unwrap();
    assert_eq!(same_session.trace_id, one.trace_id, "one session, one trace");
    assert_eq!(same_session.status.as_ref().map(|s| s.code), Some(SpanStatus::Error as i32));
    let other = chat.iter().find(|s| attr_text(s, "interlog.record.id").as_deref() == Some("rec-3")).unwrap();
    assert_ne!(other.trace_id, one.trace_id);

    let tools: Vec<&Span> = first.iter().filter(|s| s.name.starts_with("execute_tool ")).collect();
    assert_eq!(tools.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["execute_tool Read", "execute_tool Bash"]);
    for tool in &tools {
        assert_eq!(tool.parent_span_id, one.span_id);
        assert_eq!(tool.trace_id, one.trace_id);
        assert_eq!(tool.kind, SpanKind::Internal as i32);
        assert!(attr(tool, "gen_ai.tool.call.arguments").is_none());
    }
    assert_eq!(
        tools[1].status,
        Some(Status { message: "the tool call failed".into(), code: SpanStatus::Error as i32 })
    );

    // With content, and as OTLP/JSON.
    let output = export(&dir, &["--endpoint", &collector.url(), "--include-content", "--json", "--session", "sess-b"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let last = collector.requests().pop().unwrap();
    assert_eq!(last.header("content-type"), Some("application/json"));
    let spans = last.spans();
    assert_eq!(spans.len(), 1, "the filter picks sess-b only");
    assert_eq!(attr_text(&spans[0], "interlog.prompt").as_deref(), Some("question rec-3"));
    assert!(attr_text(&spans[0], "gen_ai.system_instructions").is_some());
}

#[test]
fn export_retries_a_503_then_succeeds() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("logs");
    write_corpus(&dir, &corpus());
    let collector = Collector::start(vec![503, 503]);
    let output = export(&dir, &["--endpoint", &collector.url()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(collector.spans().len(), 5);

    // Out of retries: a failure that names the answer.
    let failing = Collector::start(vec![503; 10]);
    let output = export(&dir, &["--endpoint", &failing.url(), "--retries", "1"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("503"), "{stderr}");
}

fn follow(dir: &std::path::Path, url: &str, checkpoint: &std::path::Path) -> Child {
    let args =
        ["export", "otlp", "--endpoint", url, "--follow", "--batch", "2", "--checkpoint", checkpoint.to_str().unwrap()];
    cli_support::isolated_command(dir, &args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap()
}

#[test]
fn follow_killed_and_restarted_sends_every_record_exactly_once() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("logs");
    let checkpoint = temp.path().join("export.checkpoint");
    let records: Vec<InteractionRecord> = (0..5)
        .map(|n| {
            let mut r = record(&format!("f-{n}"), "s", n);
            r.timestamp = interlog::record::Timestamp::now();
            r
        })
        .collect();
    write_corpus(&dir, &records);
    let collector = Collector::start(Vec::new());
    let chat_ids = |collector: &Collector| -> Vec<String> {
        collector.spans().iter().filter_map(|s| attr_text(s, "interlog.record.id")).collect()
    };
    let checkpoint_lines = |checkpoint: &std::path::Path| -> u64 {
        std::fs::read_to_string(checkpoint)
            .ok()
            .and_then(|text| serde_json::from_str::<Value>(&text).ok())
            .map(|v| v["files"].as_object().map(|files| files.values().filter_map(Value::as_u64).sum()).unwrap_or(0))
            .unwrap_or(0)
    };

    let mut first = follow(&dir, &collector.url(), &checkpoint);
    assert!(wait_until(PATIENCE, || chat_ids(&collector).len() == 5), "sent: {:?}", chat_ids(&collector));
    // New records while it follows are sent too.
    write_corpus(
        &dir,
        &[{
            let mut r = record("f-5", "s", 5);
            r.timestamp = interlog::record::Timestamp::now();
            r
        }],
    );
    assert!(wait_until(PATIENCE, || chat_ids(&collector).len() == 6 && checkpoint_lines(&checkpoint) == 6));
    first.kill().unwrap();
    first.wait().unwrap();

    write_corpus(
        &dir,
        &(6..9)
            .map(|n| {
                let mut r = record(&format!("f-{n}"), "s", n);
                r.timestamp = interlog::record::Timestamp::now();
                r
            })
            .collect::<Vec<_>>(),
    );
    let mut second = follow(&dir, &collector.url(), &checkpoint);
    assert!(wait_until(PATIENCE, || chat_ids(&collector).len() >= 9 && checkpoint_lines(&checkpoint) == 9));
    // Let a wrongly repeated send show up before counting.
    std::thread::sleep(Duration::from_millis(300));
    second.kill().unwrap();
    second.wait().unwrap();
    let mut sent = chat_ids(&collector);
    assert_eq!(sent.len(), 9, "every record once: {sent:?}");
    sent.sort();
    sent.dedup();
    assert_eq!(sent.len(), 9);
}

#[test]
fn a_corpus_exported_into_our_receiver_comes_back_the_same() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("source");
    let records = corpus();
    write_corpus(&dir, &records);
    let server = TestServer::start();
    let output = export(&dir, &["--endpoint", &server.url("/v1/traces"), "--include-content"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stored = wait_for_records(&server, records.len());
    assert_eq!(stored.len(), records.len());
    for original in &records {
        let back = stored
            .iter()
            .find(|r| r["id"] == original.id.as_str())
            .unwrap_or_else(|| panic!("{} missing", original.id));
        let mut back = InteractionRecord::from_value(back.clone()).unwrap();
        assert_eq!(back.source.take().map(|s| s.kind), Some("otlp".into()));
        assert_eq!(&back, original, "{}", original.id);
    }
}
