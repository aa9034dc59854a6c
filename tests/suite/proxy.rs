//! The recording proxy end to end, against a scripted mock upstream on loopback. Fixtures follow
//! the providers' documented streams: Anthropic Messages streaming, OpenAI Chat Completions
//! chunks and Responses API events.
#![cfg(feature = "proxy")]

use std::process::Command;
use std::sync::mpsc;

use crate::proxy_support::*;
use interlog::record::{ContentBlock, MessageContent, Role};
use serde_json::{json, Value};

const API_KEY: &str = "sk-ant-api03-TESTKEYdoNotLeak0123456789abcdefABCDEF";
const OAUTH: &str = "sk-ant-oat01-OAUTHtokenDoNotLeak0123456789abcdef";
const OPENAI_KEY: &str = "sk-proj-OPENAIkeyDoNotLeak0123456789abcdef";

fn anthropic_request(stream: bool) -> Vec<u8> {
    json!({
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "stream": stream,
        "system": [{"type": "text", "text": "You are a careful assistant."}],
        "tools": [{"name": "get_weather", "description": "Weather", "input_schema": {"type": "object"}}],
        "messages": [
            {"role": "user", "content": "What's the weather in San Francisco?"},
        ]
    })
    .to_string()
    .into_bytes()
}

/// Anthropic's documented stream shape, with thinking, text, a tool_use whose JSON arrives in
/// pieces, pings, an event type this version does not know, and cumulative usage.
fn anthropic_events() -> Vec<Vec<u8>> {
    sse_chunks(&[
        (
            "message_start",
            r#"{"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EUtLvnow3U","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":12,"cache_read_input_tokens":2048,"output_tokens":2},"content":[],"stop_reason":null}}"#,
        ),
        ("ping", r#"{"type": "ping"}"#),
        (
            "content_block_start",
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}"#,
        ),
        (
            "content_block_delta",
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"The user wants weather; "}}"#,
        ),
        (
            "content_block_delta",
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"call the tool."}}"#,
        ),
        (
            "content_block_delta",
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"}}"#,
        ),
        ("content_block_stop", r#"{"type":"content_block_stop","index":0}"#),
        (
            "content_block_start",
            r#"{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"#,
        ),
        (
            "content_block_delta",
            r#"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Okay, let's check"}}"#,
        ),
        (
            "content_block_delta",
            r#"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":" the weather."}}"#,
        ),
        ("content_block_stop", r#"{"type":"content_block_stop","index":1}"#),
        (
            "content_block_start",
            r#"{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}"#,
        ),
        (
            "content_block_delta",
            r#"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":""}}"#,
        ),
        (
            "content_block_delta",
            r#"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"location\":"}}"#,
        ),
        (
            "content_block_delta",
            r#"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":" \"San Fra"}}"#,
        ),
        (
            "content_block_delta",
            r#"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"ncisco, CA\", "}}"#,
        ),
        (
            "content_block_delta",
            r#"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"\"unit\": \"fah"}}"#,
        ),
        (
            "content_block_delta",
            r#"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"renheit\"}"}}"#,
        ),
        ("content_block_stop", r#"{"type":"content_block_stop","index":2}"#),
        ("a_future_event", r#"{"type":"a_future_event","anything":[1,2,3]}"#),
        (
            "message_delta",
            r#"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":64}}"#,
        ),
        ("message_delta", r#"{"type":"message_delta","delta":{},"usage":{"output_tokens":89}}"#),
        ("message_stop", r#"{"type":"message_stop"}"#),
    ])
}

fn anthropic_headers(session: &str) -> Vec<(&str, &str)> {
    vec![
        ("content-type", "application/json"),
        ("x-api-key", API_KEY),
        ("anthropic-version", "2023-06-01"),
        ("anthropic-beta", "interleaved-thinking-2025-05-14"),
        ("user-agent", "claude-cli/2.0.14 (external, cli)"),
        ("x-claude-code-session-id", session),
        ("x-interlog-project", "webshop"),
        ("cookie", "session=cookieValueDoNotLeak123"),
    ]
}

#[test]
fn an_anthropic_stream_reaches_the_agent_byte_for_byte_and_is_rebuilt() {
    let upstream = Upstream::start();
    let proxy = TestProxy::start(&upstream);
    let events = anthropic_events();
    upstream.answer(Answer::sse("req_011CSHoEeqs5C35K2UUqR7Fy", events.clone()));
    let reply = exchange(proxy.addr, "/v1/messages", &anthropic_headers("sess-cc-1"), &anthropic_request(true));

    assert_eq!(reply.status, 200);
    assert_eq!(reply.body.as_deref(), Some(events.concat().as_slice()), "the agent gets the upstream's bytes");
    assert_eq!(reply.header("content-type"), Some("text/event-stream; charset=utf-8"));
    assert_eq!(reply.header("request-id"), Some("req_011CSHoEeqs5C35K2UUqR7Fy"));

    let sent = upstream.next_request();
    assert_eq!(sent.path, "/v1/messages");
    assert_eq!(sent.body, anthropic_request(true), "the request body goes up unchanged");
    assert_eq!(sent.header("x-api-key"), Some(API_KEY));
    assert_eq!(sent.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(sent.header("anthropic-beta"), Some("interleaved-thinking-2025-05-14"));
    assert_eq!(sent.header("x-claude-code-session-id"), Some("sess-cc-1"));
    assert_eq!(sent.header("x-interlog-project"), None, "our own headers stay here");

    let record = proxy.records(1).remove(0);
    assert_eq!(record.provider.as_deref(), Some("anthropic"));
    assert_eq!(record.request_id.as_deref(), Some("req_011CSHoEeqs5C35K2UUqR7Fy"));
    assert_eq!(record.response_id.as_deref(), Some("msg_014p7gG3wDgGV9EUtLvnow3U"));
    assert_eq!(record.model.as_deref(), Some("claude-sonnet-4-5-20250929"));
    assert_eq!(record.session_id.as_deref(), Some("sess-cc-1"));
    assert_eq!(record.project.as_deref(), Some("webshop"));
    assert_eq!(record.client.as_deref(), Some("claude-code"));
    assert_eq!(record.system_prompt.as_deref(), Some("You are a careful assistant."));
    assert_eq!(record.prompt.as_deref(), Some("What's the weather in San Francisco?"));
    assert_eq!(record.tools_available, vec!["get_weather"]);
    assert_eq!(record.response.as_deref(), Some("Okay, let's check the weather."));
    assert_eq!(record.tool_calls.len(), 1);
    assert_eq!(record.tool_calls[0].name, "get_weather");
    assert_eq!(record.tool_calls[0].call_id.as_deref(), Some("toolu_01T1x1fJ34qAmk2tNTrN7Up6"));
    assert_eq!(record.tool_calls[0].arguments, Some(json!({"location": "San Francisco, CA", "unit": "fahrenheit"})));
    let usage = record.usage.as_ref().unwrap();
    assert_eq!(usage.input_tokens, Some(472));
    assert_eq!(usage.output_tokens, Some(89), "cumulative counts overwrite, never add");
    assert_eq!(usage.cache_read_tokens, Some(2048));
    assert_eq!(usage.cache_creation_tokens, Some(12));
    assert_eq!(record.stop_reason.as_ref().map(|r| r.as_str()), Some("tool_use"));
    assert!(record.ttft_ms.is_some() && record.duration_ms.is_some());
    assert!(record.ttft_ms <= record.duration_ms);
    assert_eq!(record.error, None);
    // The response's thinking has no field of its own: it is kept as an extra one.
    assert_eq!(record.extra.get("response_thinking"), Some(&json!("The user wants weather; call the tool.")));

    let stored = everything_in(&proxy.dir);
    for secret in [API_KEY, "cookieValueDoNotLeak123"] {
        assert!(!stored.contains(secret), "a credential reached the log directory");
    }
    proxy.shutdown();
}

#[test]
fn each_chunk_reaches_the_agent_before_the_upstream_sends_the_next() {
    let upstream = Upstream::start();
    let proxy = TestProxy::start(&upstream);
    let events = anthropic_events();
    let (first, rest) = events.split_at(3);
    let mut steps: Vec<Step> = first.iter().cloned().map(Step::Chunk).collect();
    let (open, gate) = mpsc::channel();
    steps.push(Step::Wait(gate));
    steps.extend(rest.iter().cloned().map(Step::Chunk));
    upstream.answer(Answer { steps, ..Answer::sse("req_gate", Vec::new()) });

    let mut agent = Agent::connect(proxy.addr);
    agent.send("POST", "/v1/messages", &anthropic_headers("sess-gate"), &anthropic_request(true));
    let (status, _) = agent.head();
    assert_eq!(status, 200);
    // The upstream is holding the rest back until the agent has everything sent so far: a proxy
    // that buffered would leave this read waiting (and the test failing on its timeout).
    let expected = first.concat();
    let mut got = Vec::new();
    while got.len() < expected.len() {
        got.extend(agent.next_chunk().expect("a chunk before the upstream sends more"));
    }
    assert_eq!(got, expected);
    open.send(()).unwrap();
    while let Some(chunk) = agent.next_chunk() {
        got.extend(chunk);
    }
    assert_eq!(got, events.concat());
    let record = proxy.records(1).remove(0);
    assert_eq!(record.error, None);
    assert_eq!(record.tool_calls.len(), 1);
    proxy.shutdown();
}

#[test]
fn an_openai_chat_stream_with_tool_call_fragments_and_usage() {
    let upstream = Upstream::start();
    let proxy = TestProxy::start(&upstream);
    let chunk = |delta: &str, finish: &str| {
        format!(
            r#"{{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_1","choices":[{{"index":0,"delta":{delta},"logprobs":null,"finish_reason":{finish}}}],"usage":null}}"#
        )
    };
    let first = chunk(r#"{"role":"assistant","content":"","refusal":null}"#, "null");
    let text = chunk(r#"{"content":"Checking."}"#, "null");
    let call = chunk(
        r#"{"tool_calls":[{"index":0,"id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","type":"function","function":{"name":"get_weather","arguments":""}}]}"#,
        "null",
    );
    let args1 = chunk(r#"{"tool_calls":[{"index":0,"function":{"arguments":"{\"location\":"}}]}"#, "null");
    let args2 = chunk(r#"{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris, France\"}"}}]}"#, "null");
    let finish = chunk("{}", r#""tool_calls""#);
    let usage = r#"{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-2024-08-06","choices":[],"usage":{"prompt_tokens":1117,"completion_tokens":46,"total_tokens":1163,"prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0}}}"#;
    let events = sse_chunks(&[
        ("", &first),
        ("", &text),
        ("", &call),
        ("", &args1),
        ("", &args2),
        ("", &finish),
        ("", usage),
        ("", "[DONE]"),
    ]);
    upstream.answer(Answer::sse("req_chat_1", events.clone()));
    let bearer = format!("Bearer {OPENAI_KEY}");
    let body = json!({
        "model": "gpt-4o", "stream": true, "stream_options": {"include_usage": true},
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather in Paris?"}],
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    });
    let reply = exchange(
        proxy.addr,
        "/v1/chat/completions",
        &[
            ("content-type", "application/json"),
            ("authorization", &bearer),
            ("user-agent", "OpenAI/Python 1.99.9"),
            ("x-interlog-session", "s-openai"),
        ],
        body.to_string().as_bytes(),
    );
    assert_eq!(reply.body.as_deref(), Some(events.concat().as_slice()));
    assert_eq!(upstream.next_request().header("authorization"), Some(bearer.as_str()));

    let record = proxy.records(1).remove(0);
    assert_eq!(record.provider.as_deref(), Some("openai"));
    assert_eq!(record.request_id.as_deref(), Some("req_chat_1"));
    assert_eq!(record.response_id.as_deref(), Some("chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT"));
    assert_eq!(record.session_id.as_deref(), Some("s-openai"));
    assert_eq!(record.client.as_deref(), Some("OpenAI"));
    assert_eq!(record.system_prompt.as_deref(), Some("Be brief."));
    assert_eq!(record.prompt.as_deref(), Some("Weather in Paris?"));
    assert_eq!(record.response.as_deref(), Some("Checking."));
    assert_eq!(record.tool_calls[0].arguments, Some(json!({"location": "Paris, France"})));
    let usage = record.usage.as_ref().unwrap();
    assert_eq!((usage.input_tokens, usage.cache_read_tokens, usage.output_tokens), (Some(93), Some(1024), Some(46)));
    assert_eq!(record.stop_reason.as_ref().map(|r| r.as_str()), Some("tool_calls"));
    assert!(!everything_in(&proxy.dir).contains(OPENAI_KEY));
    proxy.shutdown();
}

#[test]
fn a_responses_stream_is_recorded_from_its_terminal_event() {
    let upstream = Upstream::start();
    let proxy = TestProxy::start(&upstream);
    let response = |status: &str, output: Value| {
        json!({"id":"resp_67ccd3a9da748190","object":"response","created_at":1741476777,"status":status,"error":null,
               "incomplete_details":null,"instructions":"Answer in one line.","model":"gpt-4.1-2025-04-14","output":output,
               "usage": if status == "completed" { json!({"input_tokens":37,"input_tokens_details":{"cached_tokens":0},"output_tokens":11,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":48}) } else { Value::Null }})
    };
    let message = json!([{"id":"msg_67ccd3acc8d48190","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"Hi there!","annotations":[]}]}]);
    let events: Vec<(String, String)> = vec![
        ("response.created".into(), json!({"type":"response.created","sequence_number":0,"response":response("in_progress", json!([]))}).to_string()),
        ("response.output_item.added".into(), json!({"type":"response.output_item.added","sequence_number":1,"output_index":0,"item":{"id":"msg_67ccd3acc8d48190","type":"message","status":"in_progress","role":"assistant","content":[]}}).to_string()),
        ("response.output_text.delta".into(), json!({"type":"response.output_text.delta","sequence_number":2,"item_id":"msg_67ccd3acc8d48190","output_index":0,"content_index":0,"delta":"Hi"}).to_string()),
        ("response.output_text.delta".into(), json!({"type":"response.output_text.delta","sequence_number":3,"item_id":"msg_67ccd3acc8d48190","output_index":0,"content_index":0,"delta":" there!"}).to_string()),
        ("response.output_text.done".into(), json!({"type":"response.output_text.done","sequence_number":4,"item_id":"msg_67ccd3acc8d48190","output_index":0,"content_index":0,"text":"Hi there!"}).to_string()),
        ("response.completed".into(), json!({"type":"response.completed","sequence_number":5,"response":response("completed", message)}).to_string()),
    ];
    let borrowed: Vec<(&str, &str)> = events.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let chunks = sse_chunks(&borrowed);
    upstream.answer(Answer::sse("req_resp_1", chunks.clone()));
    let body = json!({"model":"gpt-4.1","stream":true,"instructions":"Answer in one line.","input":[{"role":"user","content":[{"type":"input_text","text":"Say hi"}]}]});
    let reply = exchange(
        proxy.addr,
        "/v1/responses",
        &[("content-type", "application/json"), ("authorization", "Bearer sk-test-000000000000")],
        body.to_string().as_bytes(),
    );
    assert_eq!(reply.body.as_deref(), Some(chunks.concat().as_slice()));
    let record = proxy.records(1).remove(0);
    assert_eq!(record.system_prompt.as_deref(), Some("Answer in one line."));
    assert_eq!(record.prompt.as_deref(), Some("Say hi"));
    assert_eq!(record.response.as_deref(), Some("Hi there!"));
    assert_eq!(record.response_id.as_deref(), Some("resp_67ccd3a9da748190"));
    assert_eq!(record.usage.as_ref().and_then(|u| u.output_tokens), Some(11));
    assert_eq!(record.stop_reason.as_ref().map(|r| r.as_str()), Some("stop"));
    assert_eq!(record.error, None);
    proxy.shutdown();
}

#[test]
fn non_streamed_bodies_and_error_statuses_pass_unchanged() {
    let upstream = Upstream::start();
    let proxy = TestProxy::start(&upstream);
    let message = r#"{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"Hello!"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":6}}"#;
    let refused = r#"{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}"#;
    let broken = r#"{"type":"error","error":{"type":"api_error","message":"Internal server error"}}"#;
    upstream.answer(Answer::json(200, "req_ok", message));
    upstream.answer(Answer::json(429, "req_429", refused));
    upstream.answer(Answer::json(529, "req_529", broken));
    let headers = anthropic_headers("sess-json");
    let replies: Vec<Reply> =
        (0..3).map(|_| exchange(proxy.addr, "/v1/messages", &headers, &anthropic_request(false))).collect();
    assert_eq!(replies.iter().map(|r| r.status).collect::<Vec<_>>(), vec![200, 429, 529]);
    for (reply, body) in replies.iter().zip([message, refused, broken]) {
        assert_eq!(reply.body.as_deref(), Some(body.as_bytes()), "the upstream's answer, unchanged");
        assert_eq!(reply.header("content-type"), Some("application/json"));
    }
    let records = proxy.records(3);
    let find = |id: &str| records.iter().find(|r| r.request_id.as_deref() == Some(id)).unwrap();
    assert_eq!(find("req_ok").response.as_deref(), Some("Hello!"));
    assert_eq!(find("req_ok").error, None);
    assert_eq!(find("req_ok").usage.as_ref().and_then(|u| u.output_tokens), Some(6));
    assert_eq!(
        find("req_429").error.as_deref(),
        Some("HTTP 429: rate_limit_error: Number of request tokens has exceeded your per-minute rate limit")
    );
    assert_eq!(find("req_529").error.as_deref(), Some("HTTP 529: api_error: Internal server error"));
    proxy.shutdown();
}

#[test]
fn a_mid_stream_error_event_keeps_what_came_before() {
    let upstream = Upstream::start();
    let proxy = TestProxy::start(&upstream);
    let events = sse_chunks(&[
        (
            "message_start",
            r#"{"type":"message_start","message":{"id":"msg_err","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"usage":{"input_tokens":30,"output_tokens":1}}}"#,
        ),
        (
            "content_block_start",
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
        ),
        (
            "content_block_delta",
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"The answer is"}}"#,
        ),
        ("error", r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#),
    ]);
    upstream.answer(Answer::sse("req_overloaded", events.clone()));
    let reply = exchange(proxy.addr, "/v1/messages", &anthropic_headers("sess-err"), &anthropic_request(true));
    assert_eq!(reply.body.as_deref(), Some(events.concat().as_slice()));
    let record = proxy.records(1).remove(0);
    assert_eq!(record.response.as_deref(), Some("The answer is"));
    assert_eq!(record.error.as_deref(), Some("overloaded_error: Overloaded"));
    proxy.shutdown();
}

#[test]
fn an_upstream_reset_mid_stream_is_recorded_and_the_agent_sees_the_break() {
    let upstream = Upstream::start();
    let proxy = TestProxy::start(&upstream);
    let mut steps: Vec<Step> = anthropic_events().into_iter().take(9).map(Step::Chunk).collect();
    steps.push(Step::Break);
    upstream.answer(Answer { steps, ..Answer::sse("req_reset", Vec::new()) });
    let reply = exchange(proxy.addr, "/v1/messages", &anthropic_headers("sess-reset"), &anthropic_request(true));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, None, "the agent's body breaks too, it does not look complete");
    let record = proxy.records(1).remove(0);
    let error = record.error.as_deref().unwrap();
    assert!(error.contains("upstream connection broke"), "{error}");
    assert_eq!(record.response.as_deref(), Some("Okay, let's check"), "what arrived before the break is kept");
    assert_eq!(record.usage.as_ref().and_then(|u| u.input_tokens), Some(472));
    proxy.shutdown();
}

#[test]
fn an_agent_that_goes_away_mid_stream_still_gives_a_record() {
    let upstream = Upstream::start();
    let proxy = TestProxy::start(&upstream);
    let events = anthropic_events();
    let (open, gate) = mpsc::channel();
    let mut steps: Vec<Step> = events.iter().take(4).cloned().map(Step::Chunk).collect();
    steps.push(Step::Wait(gate));
    steps.extend(events.iter().skip(4).cloned().map(Step::Chunk));
    upstream.answer(Answer { steps, ..Answer::sse("req_gone", Vec::new()) });
    {
        let mut agent = Agent::connect(proxy.addr);
        agent.send("POST", "/v1/messages", &anthropic_headers("sess-gone"), &anthropic_request(true));
        agent.head();
        agent.next_chunk().expect("the first chunk");
        // The agent hangs up here.
    }
    // Whether the proxy notices the hang-up at once or on its next write, a record follows.
    let _ = open.send(());
    let record = proxy.records(1).remove(0);
    let error = record.error.as_deref().unwrap();
    assert!(error.contains("client disconnected"), "{error}");
    assert_eq!(record.response_id.as_deref(), Some("msg_014p7gG3wDgGV9EUtLvnow3U"));
    proxy.shutdown();
}

#[test]
fn other_paths_pass_through_unrecorded() {
    let upstream = Upstream::start();
    let proxy = TestProxy::start(&upstream);
    upstream.answer(Answer::json(200, "req_count", r#"{"input_tokens":2095}"#));
    upstream.answer(Answer::json(
        200,
        "req_models",
        r#"{"data":[{"id":"claude-sonnet-4-5","type":"model"}],"has_more":false}"#,
    ));
    let count = exchange(proxy.addr, "/v1/messages/count_tokens", &anthropic_headers("s"), &anthropic_request(false));
    assert_eq!(count.body.as_deref(), Some(br#"{"input_tokens":2095}"#.as_slice()));
    let mut agent = Agent::connect(proxy.addr);
    agent.send("GET", "/v1/models?limit=20", &[("anthropic-version", "2023-06-01"), ("x-api-key", API_KEY)], b"");
    let models = agent.reply();
    assert_eq!(models.status, 200);
    assert_eq!(upstream.next_request().path, "/v1/messages/count_tokens");
    assert_eq!(upstream.next_request().path, "/v1/models?limit=20");
    // Then a recorded one, so that "nothing recorded" is not just "not written yet".
    upstream.answer(Answer::json(200, "req_after", r#"{"id":"msg_a","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}"#));
    exchange(proxy.addr, "/v1/messages", &anthropic_headers("s"), &anthropic_request(false));
    let records = proxy.records(1);
    assert_eq!(records[0].request_id.as_deref(), Some("req_after"));
    proxy.shutdown();
}

#[test]
fn credentials_and_secrets_in_text_never_reach_the_log_directory() {
    let upstream = Upstream::start();
    let proxy = TestProxy::start_with(&upstream, |config| config.redact_headers = vec!["x-gateway-token".into()]);
    let aws = "AKIAIOSFODNN7EXAMPLE";
    let gateway = "gw-secret-value-123456";
    let body = json!({
        "model": "claude-sonnet-4-5", "max_tokens": 100,
        "messages": [{"role": "user", "content": format!("my token is {OAUTH}, aws {aws}, gateway {gateway}")}]
    });
    let echoed = format!(
        r#"{{"id":"msg_s","type":"message","role":"assistant","model":"m","content":[{{"type":"text","text":"You said {OAUTH}"}}],"stop_reason":"end_turn","usage":{{"input_tokens":1,"output_tokens":1}}}}"#
    );
    upstream.answer(Answer::json(200, "req_secret", &echoed));
    let bearer = format!("Bearer {OAUTH}");
    let reply = exchange(
        proxy.addr,
        "/v1/messages",
        &[("authorization", &bearer), ("anthropic-version", "2023-06-01"), ("x-gateway-token", gateway)],
        body.to_string().as_bytes(),
    );
    assert_eq!(reply.body.as_deref(), Some(echoed.as_bytes()), "redaction is for the record, never the agent");
    let sent = upstream.next_request();
    assert_eq!(sent.header("authorization"), Some(bearer.as_str()), "credentials go upstream untouched");
    assert_eq!(sent.header("x-gateway-token"), Some(gateway));
    let record = proxy.records(1).remove(0);
    let stored = everything_in(&proxy.dir);
    for secret in [OAUTH, aws, gateway] {
        assert!(!stored.contains(secret), "{secret} reached the log directory");
    }
    assert_eq!(record.prompt.as_deref(), Some("my token is [REDACTED], aws [REDACTED], gateway [REDACTED]"));
    assert_eq!(record.response.as_deref(), Some("You said [REDACTED]"));
    proxy.shutdown();
}

#[test]
fn a_request_history_reads_as_one_conversation() {
    let upstream = Upstream::start();
    let proxy = TestProxy::start(&upstream);
    let answer = |id: &str| {
        format!(
            r#"{{"id":"{id}","type":"message","role":"assistant","model":"m","content":[{{"type":"text","text":"answer {id}"}}],"stop_reason":"end_turn","usage":{{"input_tokens":1,"output_tokens":1}}}}"#
        )
    };
    upstream.answer(Answer::json(200, "r1", &answer("msg_1")));
    upstream.answer(Answer::json(200, "r2", &answer("msg_2")));
    let first = json!({"model":"m","max_tokens":10,"messages":[{"role":"user","content":"first question"}]});
    let second = json!({"model":"m","max_tokens":10,"messages":[
        {"role":"user","content":"first question"},
        {"role":"assistant","content":[{"type":"text","text":"answer msg_1"}]},
        {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"output"},{"type":"text","text":"second question"}]}
    ]});
    for body in [&first, &second] {
        exchange(proxy.addr, "/v1/messages", &anthropic_headers("sess-conv"), body.to_string().as_bytes());
    }
    let records = proxy.records(2);
    assert!(records.iter().all(|r| r.session_id.as_deref() == Some("sess-conv")));
    let second = records.iter().find(|r| r.request_id.as_deref() == Some("r2")).unwrap();
    assert_eq!(second.prompt.as_deref(), Some("second question"));
    assert_eq!(second.messages.len(), 3);
    assert_eq!(second.messages[1].role, Role::Assistant);
    assert!(
        matches!(&second.messages[2].content, MessageContent::Blocks(b) if matches!(b[0], ContentBlock::ToolResult { .. }))
    );
    proxy.shutdown();
}

fn interlog(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_interlog"));
    command.arg("--dir").arg(dir).env_remove("INTERLOG_CONFIG").env("HOME", dir);
    // The mock upstreams are on loopback: nothing from the caller's environment may redirect them.
    for name in [
        "ANTHROPIC_BASE_URL",
        "OPENAI_BASE_URL",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        command.env_remove(name);
    }
    command
}

#[test]
fn run_sets_both_base_urls_and_passes_the_exit_status_through() {
    let temp = tempfile::tempdir().unwrap();
    let env_file = temp.path().join("env.txt");
    let output = interlog(&temp.path().join("logs"))
        .args(["run", "--", "sh", "-c"])
        .arg(format!(
            "printf '%s\\n%s\\n' \"$ANTHROPIC_BASE_URL\" \"$OPENAI_BASE_URL\" > '{}'; exit 7",
            env_file.display()
        ))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(7), "stderr: {}", String::from_utf8_lossy(&output.stderr));
    assert!(output.stdout.is_empty(), "run prints nothing of its own on stdout");
    let env = std::fs::read_to_string(&env_file).unwrap();
    let lines: Vec<&str> = env.lines().collect();
    let anthropic = lines[0].strip_prefix("http://127.0.0.1:").expect("a loopback base URL");
    let port: u16 = anthropic.parse().expect("a port and nothing else");
    assert_eq!(lines[1], format!("http://127.0.0.1:{port}/v1"), "OpenAI's SDKs expect /v1 in the base URL");
}

#[cfg(unix)]
#[test]
fn run_passes_a_signal_death_and_stdio_through() {
    use std::os::unix::process::ExitStatusExt;
    let temp = tempfile::tempdir().unwrap();
    let output = interlog(&temp.path().join("logs"))
        .args(["run", "--", "sh", "-c", "read line; echo \"got $line\"; kill -TERM $$"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(b"hello\n")?;
            child.wait_with_output()
        })
        .unwrap();
    assert_eq!(output.status.signal(), Some(15), "interlog dies of the signal CMD died of");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "got hello\n");
}

#[test]
fn run_records_what_the_command_sends_into_the_log_directory() {
    let upstream = Upstream::start();
    upstream.answer(Answer::sse("req_run", anthropic_events()));
    let temp = tempfile::tempdir().unwrap();
    let logs = temp.path().join("logs");
    let request = String::from_utf8(anthropic_request(true)).unwrap();
    // bash's /dev/tcp: an agent with no HTTP library at all, reading the port from the base URL.
    let script = format!(
        "port=${{ANTHROPIC_BASE_URL##*:}}; exec 3<>/dev/tcp/127.0.0.1/$port; \
         printf 'POST /v1/messages HTTP/1.1\\r\\nhost: x\\r\\ncontent-type: application/json\\r\\nx-api-key: {API_KEY}\\r\\nconnection: close\\r\\ncontent-length: %s\\r\\n\\r\\n%s' \
         \"${{#REQUEST}}\" \"$REQUEST\" >&3; cat <&3 > /dev/null"
    );
    let status = interlog(&logs)
        .args(["run", "--anthropic-upstream", &upstream.url(), "--project", "ci", "--", "bash", "-c", &script])
        .env("REQUEST", &request)
        .status()
        .unwrap();
    assert!(status.success());
    // `run` returns only after every exchange is written.
    let records = read_records(&logs);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].project.as_deref(), Some("ci"));
    assert_eq!(records[0].request_id.as_deref(), Some("req_run"));
    assert_eq!(records[0].tool_calls.len(), 1);
    assert!(!everything_in(&logs).contains(API_KEY));
    // `show` names who served it, its ids and its time to first token.
    let shown = interlog(&logs).args(["show", &records[0].id]).output().unwrap();
    let shown = String::from_utf8_lossy(&shown.stdout);
    for fact in ["anthropic", "req_run", "msg_014p7gG3wDgGV9EUtLvnow3U", "ttft", "The user wants weather"] {
        assert!(shown.contains(fact), "{fact} missing from show:\n{shown}");
    }
}

#[test]
fn a_shared_proxy_with_a_token_forwards_only_requests_that_carry_it() {
    let upstream = Upstream::start();
    let proxy = TestProxy::start_with(&upstream, |config| config.token = Some("team-token-42".into()));
    let refused = exchange(proxy.addr, "/v1/messages", &anthropic_headers("s"), &anthropic_request(false));
    assert_eq!(refused.status, 401);
    let ok = r#"{"id":"msg_t","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}"#;
    upstream.answer(Answer::json(200, "req_path", ok));
    upstream.answer(Answer::json(200, "req_header", ok));
    let by_path =
        exchange(proxy.addr, "/t/team-token-42/v1/messages", &anthropic_headers("s"), &anthropic_request(false));
    assert_eq!(by_path.status, 200);
    assert_eq!(upstream.next_request().path, "/v1/messages", "the token is not sent upstream");
    let mut headers = anthropic_headers("s");
    headers.push(("x-interlog-token", "team-token-42"));
    assert_eq!(exchange(proxy.addr, "/v1/messages", &headers, &anthropic_request(false)).status, 200);
    assert_eq!(upstream.next_request().header("x-interlog-token"), None);
    proxy.records(2);
    assert!(!everything_in(&proxy.dir).contains("team-token-42"));
    proxy.shutdown();
}

#[cfg(unix)]
#[test]
fn run_passes_a_sigterm_on_to_the_command() {
    use std::io::BufRead;
    use std::os::unix::process::ExitStatusExt;
    let temp = tempfile::tempdir().unwrap();
    let mut child = interlog(&temp.path().join("logs"))
        .args(["run", "--", "sh", "-c", "echo ready; exec sleep 30"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut ready = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut ready).unwrap();
    assert_eq!(ready, "ready\n");
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    // Bounded: the command sleeps 30 s, so an unforwarded signal shows as a status other than 15.
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(15), "CMD got the SIGTERM sent to interlog, and interlog died of it too");
}

#[test]
fn the_upstream_leg_goes_through_the_http_proxy_the_environment_names() {
    // The mock plays the corporate proxy: a proxied plain-HTTP request arrives in absolute form.
    let corporate = Upstream::start();
    corporate.answer(Answer::sse("req_via_proxy", anthropic_events()));
    let temp = tempfile::tempdir().unwrap();
    let logs = temp.path().join("logs");
    let request = String::from_utf8(anthropic_request(true)).unwrap();
    let script = "port=${ANTHROPIC_BASE_URL##*:}; exec 3<>/dev/tcp/127.0.0.1/$port; \
         printf 'POST /v1/messages HTTP/1.1\\r\\nhost: x\\r\\ncontent-type: application/json\\r\\nconnection: close\\r\\ncontent-length: %s\\r\\n\\r\\n%s' \
         \"${#REQUEST}\" \"$REQUEST\" >&3; cat <&3 > /dev/null";
    let status = interlog(&logs)
        .args(["run", "--anthropic-upstream", "http://api.anthropic.invalid", "--", "bash", "-c", script])
        .env("REQUEST", &request)
        .env("HTTP_PROXY", corporate.url())
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(corporate.next_request().path, "http://api.anthropic.invalid/v1/messages");
    assert_eq!(read_records(&logs)[0].request_id.as_deref(), Some("req_via_proxy"));
}
