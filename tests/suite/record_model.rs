//! The record model: every field, unknown fields, lenient reading, building records.

use interlog::record::{
    CompletionRequest, CompletionResponse, ContentBlock, ExchangeContext, InteractionRecord, Message, MessageContent,
    Role, StopReason, Timestamp, TokenUsage, ToolDefinition,
};
use serde_json::{json, Value};

fn full_record_json() -> Value {
    json!({
        "id": "7d1c2f1e-8c4a-4f7e-9a51-0c1f7a3b9e01",
        "timestamp": "2026-11-21T14:03:07.123Z",
        "duration_ms": 2310,
        "session_id": "s-42",
        "project": "webshop",
        "client": "claude-code",
        "model": "claude-sonnet-4-5",
        "system_prompt": "You are a careful engineer.",
        "prompt": "Why does the checkout test fail?",
        "messages": [
            {"role": "system", "content": "You are a careful engineer."},
            {"role": "user", "content": "Why does the checkout test fail?"},
            {"role": "assistant", "content": [
                {"type": "text", "text": "Let me look."},
                {"type": "tool_use", "id": "tu_1", "name": "read_file", "input": {"path": "tests/checkout.rs"}}
            ]},
            {"role": "tool", "content": [
                {"type": "tool_result", "tool_use_id": "tu_1", "content": "fn checkout() {}", "is_error": false},
                {"type": "image", "source": {"kind": "base64", "data": "AAAA"}}
            ]}
        ],
        "tools_available": ["read_file", "run_tests"],
        "response": "The fixture's currency is wrong.",
        "response_summary": "fixture currency",
        "usage": {"input_tokens": 1200, "output_tokens": 85, "cache_read_tokens": 1000,
                  "cache_creation_tokens": 12, "reasoning_tokens": 40},
        "stop_reason": "tool_use",
        "tool_calls": [{"name": "read_file", "call_id": "tu_1", "arguments": {"path": "tests/checkout.rs"},
                        "success": true, "result": "fn checkout() {}", "result_truncated": true}],
        "routing": {"profile": "coding", "reason": "code in prompt", "confidence": 0.82,
                    "features": {"has_code": true, "langs": ["rust"]}},
        "tags": ["ci", "flaky"],
        "memories_used": ["m-1"],
        "chunks_used": ["c-7", "c-9"],
        "context_pack": {"files": ["src/lib.rs"], "budget": 8000},
        "error": "upstream timeout after retry",
        "x_trace": {"span": "abc", "sampled": true},
        "x_version": 3
    })
}

#[test]
fn a_record_with_every_field_round_trips_and_keeps_unknown_fields() {
    let original = full_record_json();
    let record = InteractionRecord::from_value(original.clone()).unwrap();

    assert_eq!(record.session_id.as_deref(), Some("s-42"));
    assert_eq!(record.stop_reason, Some(StopReason::ToolUse));
    assert_eq!(record.usage.as_ref().unwrap().reasoning_tokens, Some(40));
    assert!(record.tool_calls[0].result_truncated);
    assert_eq!(record.routing.as_ref().unwrap().confidence, Some(0.82));
    assert_eq!(record.extra.get("x_version"), Some(&json!(3)));
    assert!(matches!(
        &record.messages[3].content,
        MessageContent::Blocks(blocks) if matches!(&blocks[1], ContentBlock::Other(v) if v["type"] == "image")
    ));

    let written: Value = serde_json::from_str(&record.to_json()).unwrap();
    assert_eq!(written, original, "every field, known and unknown, is written back as read");
    let reread = InteractionRecord::from_json(&record.to_json()).unwrap();
    assert_eq!(reread, record);
}

#[test]
fn a_minimal_record_serializes_without_absent_fields() {
    let record =
        InteractionRecord::from_json(r#"{"id":"a","timestamp":"2026-11-21T14:03:07Z","prompt":"hi"}"#).unwrap();
    assert_eq!(record.to_json(), r#"{"id":"a","timestamp":"2026-11-21T14:03:07.000Z","prompt":"hi"}"#);
    assert_eq!(InteractionRecord::from_json(&record.to_json()).unwrap(), record);
}

#[test]
fn absent_null_and_empty_optional_strings_are_the_same() {
    let forms = [
        r#"{"id":"a","timestamp":"2026-11-21T14:03:07Z","prompt":"hi"}"#,
        r#"{"id":"a","timestamp":"2026-11-21T14:03:07Z","prompt":"hi","project":null,"model":null}"#,
        r#"{"id":"a","timestamp":"2026-11-21T14:03:07Z","prompt":"hi","project":"","model":""}"#,
    ];
    let records: Vec<_> = forms.iter().map(|f| InteractionRecord::from_json(f).unwrap()).collect();
    assert!(records.iter().all(|r| r.project.is_none() && r.model.is_none() && r.extra.is_empty()));
    assert_eq!(records[0], records[1]);
    assert_eq!(records[1], records[2]);
}

#[test]
fn every_timestamp_form_reads_to_the_same_instant() {
    let at = |field: &str, text: &str| {
        let line = json!({"id": "a", field: text, "prompt": "p"});
        InteractionRecord::from_value(line).unwrap().timestamp
    };
    let utc = at("timestamp", "2026-11-21T13:00:00Z");
    assert_eq!(at("timestamp", "2026-11-21T14:00:00+01:00"), utc);
    assert_eq!(at("timestamp", "2026-11-21T08:00:00-05:00"), utc);
    assert_eq!(at("created_at", "2026-11-21 13:00:00"), utc);
    assert_eq!(at("created_at", "2026-11-21T13:00:00.000Z"), utc);
}

#[test]
fn records_missing_what_readers_need_are_refused_with_the_reason() {
    let cases = [
        (json!({"timestamp": "2026-11-21T13:00:00Z"}), "missing `id`"),
        (json!({"id": "a"}), "missing `timestamp`"),
        (json!({"id": "a", "timestamp": "soon"}), "cannot read `timestamp` \"soon\""),
        (json!({"id": 7, "timestamp": "2026-11-21T13:00:00Z"}), "`id` must be a non-empty string"),
        (json!(["id"]), "expected a JSON object, found an array"),
    ];
    for (value, expected) in cases {
        let err = InteractionRecord::from_value(value.clone()).unwrap_err().to_string();
        assert!(err.contains(expected), "{value}: {err}");
    }
}

#[test]
fn a_known_field_with_an_unexpected_type_is_kept_not_fatal() {
    let line = r#"{"id":"a","timestamp":"2026-11-21T13:00:00Z","prompt":"p","usage":"lots","duration_ms":-1}"#;
    let record = InteractionRecord::from_json(line).unwrap();
    assert_eq!(record.usage, None);
    assert_eq!(record.extra.get("usage"), Some(&json!("lots")));
    let written: Value = serde_json::from_str(&record.to_json()).unwrap();
    assert_eq!(written["usage"], "lots");
    assert_eq!(written["duration_ms"], -1);
}

#[test]
fn unknown_stop_reasons_and_roles_are_kept_as_their_strings() {
    let line = r#"{"id":"a","timestamp":"2026-11-21T13:00:00Z","stop_reason":"content_filter",
                  "messages":[{"role":"developer","content":"be brief"}]}"#;
    let record = InteractionRecord::from_json(line).unwrap();
    assert_eq!(record.stop_reason, Some(StopReason::Other("content_filter".into())));
    assert_eq!(record.messages[0].role, Role::Other("developer".into()));
    assert!(record.to_json().contains(r#""stop_reason":"content_filter""#));
    assert!(record.to_json().contains(r#""role":"developer""#));
}

#[test]
fn validation_follows_the_writers_rule() {
    let mut record = InteractionRecord::new("  ");
    assert!(record.validate().is_err(), "a blank prompt and no messages is refused");
    record.messages.push(Message::text(Role::User, "hello"));
    assert!(record.validate().is_ok(), "a message is enough");
    assert!(InteractionRecord::new("hello").validate().is_ok());
}

#[test]
fn filling_gives_a_uuid_and_now_only_when_absent() {
    let now = Timestamp::parse("2026-11-21T10:00:00Z").unwrap();
    let filled = InteractionRecord::from_value_filling(json!({"prompt": "p"}), now).unwrap();
    assert_eq!(uuid::Uuid::parse_str(&filled.id).map(|u| u.get_version_num()).ok(), Some(4));
    assert_eq!(filled.timestamp, now);
    let kept = InteractionRecord::from_value_filling(
        json!({"id": "mine", "created_at": "2026-01-01 00:00:00", "prompt": "p"}),
        now,
    )
    .unwrap();
    assert_eq!(kept.id, "mine");
    assert_eq!(kept.timestamp, Timestamp::parse("2026-01-01T00:00:00Z").unwrap());
}

#[test]
fn from_exchange_derives_prompt_response_tools_and_usage() {
    let request = CompletionRequest {
        model: "claude-sonnet-4-5".into(),
        system: Some("Be terse.".into()),
        messages: vec![
            Message::text(Role::User, "first question"),
            Message::text(Role::Assistant, "first answer"),
            Message::new(
                Role::User,
                MessageContent::Blocks(vec![
                    ContentBlock::Text { text: "run the tests".into() },
                    ContentBlock::Text { text: "and report".into() },
                ]),
            ),
        ],
        tools: vec![ToolDefinition { name: "run_tests".into(), ..Default::default() }],
    };
    let response = CompletionResponse {
        content: vec![
            ContentBlock::Text { text: "Running them now.".into() },
            ContentBlock::ToolUse { id: "tu_9".into(), name: "run_tests".into(), input: json!({"filter": "checkout"}) },
        ],
        usage: TokenUsage { input_tokens: Some(900), output_tokens: Some(40), ..Default::default() },
        stop_reason: Some(StopReason::ToolUse),
        model: None,
    };
    let context = ExchangeContext {
        session_id: Some("s-1".into()),
        duration: Some(std::time::Duration::from_millis(1234)),
        ..Default::default()
    };
    let record = InteractionRecord::from_exchange(&request, &response, context);
    assert_eq!(record.prompt.as_deref(), Some("run the tests\nand report"));
    assert_eq!(record.response.as_deref(), Some("Running them now."));
    assert_eq!(record.tool_calls.len(), 1);
    assert_eq!(record.tool_calls[0].call_id.as_deref(), Some("tu_9"));
    assert_eq!(record.tool_calls[0].arguments, Some(json!({"filter": "checkout"})));
    assert_eq!(record.tools_available, vec!["run_tests"]);
    assert_eq!(record.model.as_deref(), Some("claude-sonnet-4-5"));
    assert_eq!(record.system_prompt.as_deref(), Some("Be terse."));
    assert_eq!(record.tokens(), (900, 40));
    assert_eq!(record.duration_ms, Some(1234));
    assert_eq!(record.session_id.as_deref(), Some("s-1"));
    assert!(record.validate().is_ok());
}

#[test]
fn the_builder_sets_what_it_is_given_and_nothing_else() {
    let record = InteractionRecord::builder("hello")
        .project("p")
        .client("manual")
        .tokens(10, 2)
        .stop_reason("end_turn")
        .tag("t")
        .extra("x_custom", json!(1))
        .build();
    let written: Value = serde_json::from_str(&record.to_json()).unwrap();
    let keys: Vec<&str> = written.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["id", "timestamp", "project", "client", "prompt", "usage", "stop_reason", "tags", "x_custom"]);
}

#[test]
fn capture_path_fields_and_thinking_and_image_blocks_round_trip() {
    let original = json!({
        "id": "p1",
        "timestamp": "2026-11-21T14:03:07.123Z",
        "messages": [
            {"role": "user", "content": [{"type": "image", "media_type": "image/png", "bytes": 20481}]},
            {"role": "assistant", "content": [{"type": "thinking", "thinking": "The user wants a caption."}]}
        ],
        "provider": "anthropic",
        "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy",
        "response_id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "ttft_ms": 412,
        "agent": "Explore",
        "usage_approximate": true,
        "source": {"kind": "claude-code", "file": "/home/sam/.claude/projects/p/s.jsonl", "line": 17}
    });
    let record = InteractionRecord::from_value(original.clone()).unwrap();
    assert_eq!(record.provider.as_deref(), Some("anthropic"));
    assert_eq!(record.ttft_ms, Some(412));
    assert!(record.usage_approximate);
    let source = record.source.as_ref().unwrap();
    assert_eq!((source.kind.as_str(), source.line), ("claude-code", Some(17)));
    assert!(matches!(
        &record.messages[0].content,
        MessageContent::Blocks(blocks) if blocks[0] == ContentBlock::Image { media_type: "image/png".into(), bytes: 20481 }
    ));
    assert!(matches!(
        &record.messages[1].content,
        MessageContent::Blocks(blocks) if matches!(&blocks[0], ContentBlock::Thinking { thinking } if thinking.starts_with("The user"))
    ));
    assert!(record.extra.is_empty(), "every capture-path field is known: {:?}", record.extra);
    let written: Value = serde_json::from_str(&record.to_json()).unwrap();
    assert_eq!(written, original);
}
