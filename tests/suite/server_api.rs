//! The HTTP API's endpoints, success and error paths, over real HTTP on an ephemeral port.
#![cfg(feature = "server")]

use crate::server_support;

use std::time::Duration;

use interlog::{InteractionLogger, InteractionRecord, InteractionsConfig};
use serde_json::{json, Value};
use server_support::{raw_request, stored_records, wait_until, TestServer};

fn ids(list: &Value) -> Vec<&str> {
    list.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect()
}

#[test]
fn a_posted_record_shows_in_get_and_in_the_days_file() {
    let server = TestServer::start();
    let id = server.post_ok(json!({
        "prompt": "hello there",
        "project": "p1",
        "session_id": "s1",
        "client": "manual",
        "system_prompt": "be brief",
        "messages": [{"role": "user", "content": "hello there"}],
        "response": "héllo back",
        "context_pack": {"chunks": [1, 2]},
        "x_custom": "kept"
    }));

    let stored = stored_records(&server.dir);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["id"], id.as_str());
    let date = &stored[0]["timestamp"].as_str().unwrap()[..10];
    assert!(server.dir.join(format!("interactions-{date}.jsonl")).is_file());

    // The whole record, exactly as stored.
    let (status, whole) = server.get(&format!("/interactions/{id}"));
    assert_eq!(status, 200);
    assert_eq!(whole, stored[0]);

    let (status, list) = server.get("/interactions");
    assert_eq!(status, 200);
    let summary = &list[0];
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(summary["id"], id.as_str());
    assert_eq!(summary["prompt"], "hello there");
    assert_eq!(summary["x_custom"], "kept");
    assert_eq!(summary["response_chars"], 10);
    for omitted in ["response", "messages", "system_prompt", "context_pack"] {
        assert!(summary.get(omitted).is_none(), "{omitted} in {summary}");
    }
}

#[test]
fn every_read_right_after_a_201_sees_the_record() {
    let server = TestServer::start();
    for n in 0..20 {
        let id = server.post_ok(json!({"prompt": format!("turn {n}"), "session_id": "rw"}));
        assert_eq!(server.get(&format!("/interactions/{id}")).0, 200, "turn {n}");
        assert_eq!(server.get("/interactions?limit=1").1[0]["id"], id.as_str());
        assert_eq!(server.get("/sessions/rw").1.as_array().unwrap().len(), n + 1);
    }
}

#[test]
fn with_wait_false_the_record_shows_up_shortly_after() {
    let server = TestServer::start();
    let response = server
        .agent
        .post(server.url("/interactions?wait=false"))
        .header("Content-Type", "application/json")
        .send(json!({"prompt": "fire and forget"}).to_string())
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let id = response.into_body().read_json::<Value>().unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(stored_records(&server.dir)[0]["id"], id.as_str(), "written before the answer");
    let path = format!("/interactions/{id}");
    assert!(wait_until(Duration::from_secs(20), || server.get(&path).0 == 200));
    let (status, answer) = server.post_to("/interactions?wait=soon", "{\"prompt\": \"p\"}");
    assert_eq!(status, 400);
    assert!(answer["error"].as_str().unwrap().contains("wait"));
}

#[test]
fn id_and_timestamp_given_by_the_client_are_kept() {
    let server = TestServer::start();
    let id = server.post_ok(json!({"id": "my-own-id", "timestamp": "2026-01-02T03:04:05.678Z", "prompt": "p"}));
    assert_eq!(id, "my-own-id");
    let (status, whole) = server.get("/interactions/my-own-id");
    assert_eq!(status, 200);
    assert_eq!(whole["timestamp"], "2026-01-02T03:04:05.678Z");
}

#[test]
fn list_filters_search_and_limit() {
    let server = TestServer::start();
    let post = |minute: u32, project: &str, client: &str, session: &str, prompt: &str| {
        server.post_ok(json!({
            "timestamp": format!("2026-11-20T10:{minute:02}:00Z"),
            "project": project, "client": client, "session_id": session, "prompt": prompt
        }))
    };
    let a = post(1, "alpha", "claude-code", "s1", "Refactor the parser");
    let b = post(2, "beta", "openclaw", "s2", "write the README");
    let c = post(3, "alpha", "openclaw", "s1", "parser benchmarks please");

    let list = |query: &str| {
        let (status, answer) = server.get(&format!("/interactions{query}"));
        assert_eq!(status, 200, "{query}: {answer}");
        ids(&answer).into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let (a, b, c) = (a.as_str(), b.as_str(), c.as_str());
    assert_eq!(list(""), [c, b, a], "newest first");
    assert_eq!(list("?project=alpha"), [c, a]);
    assert_eq!(list("?client=openclaw"), [c, b]);
    assert_eq!(list("?session_id=s1&client=openclaw"), [c]);
    assert_eq!(list("?q=PARSER"), [c, a]);
    assert_eq!(list("?q=parser%20benchmarks"), [c]);
    assert_eq!(list("?since=2026-11-20T10:02:00Z"), [c, b], "since is inclusive");
    assert_eq!(list("?until=2026-11-20T10:02:00Z"), [a], "until is exclusive");
    assert_eq!(list("?limit=2"), [c, b]);
    assert_eq!(list("?project=&limit="), [c, b, a], "empty values are absent values");
    assert!(list("?limit=0").is_empty());
    assert!(list("?limit=-5").is_empty());
    assert!(list("?project=nobody").is_empty());
}

#[test]
fn limit_defaults_to_50_and_caps_at_500() {
    let server = TestServer::start();
    let logger = InteractionLogger::open(&server.dir, InteractionsConfig::default()).unwrap();
    let records: Vec<_> = (0..510).map(|i| InteractionRecord::new(format!("prompt {i}"))).collect();
    logger.log_all(&records).unwrap();
    let last = records.last().unwrap().id.clone();
    assert!(wait_until(Duration::from_secs(20), || server.get(&format!("/interactions/{last}")).0 == 200));
    assert_eq!(server.get("/interactions").1.as_array().unwrap().len(), 50);
    assert_eq!(server.get("/interactions?limit=100000").1.as_array().unwrap().len(), 500);
}

#[test]
fn sessions_come_oldest_first_and_unknown_ones_are_404() {
    let server = TestServer::start();
    let late = server.post_ok(json!({"session_id": "conv", "timestamp": "2026-11-20T12:00:00Z", "prompt": "second"}));
    let early = server.post_ok(json!({"session_id": "conv", "timestamp": "2026-11-20T11:00:00Z", "prompt": "first"}));
    server.post_ok(json!({"session_id": "other", "prompt": "elsewhere"}));

    let (status, turns) = server.get("/sessions/conv");
    assert_eq!(status, 200);
    assert_eq!(ids(&turns), [early.as_str(), late.as_str()]);
    assert_eq!(turns[0]["prompt"], "first", "whole records, not summaries");

    let (status, answer) = server.get("/sessions/nope");
    assert_eq!(status, 404);
    assert!(answer["error"].as_str().unwrap().contains("nope"), "{answer}");
}

#[test]
fn an_unknown_id_is_404_with_a_json_error() {
    let server = TestServer::start();
    let (status, answer) = server.get("/interactions/does-not-exist");
    assert_eq!(status, 404);
    assert!(answer["error"].as_str().unwrap().contains("does-not-exist"), "{answer}");
    let (status, answer) = server.get("/no/such/endpoint");
    assert_eq!(status, 404);
    assert!(answer["error"].is_string());
}

#[test]
fn healthz_answers() {
    let server = TestServer::start();
    let (status, answer) = server.get("/healthz");
    assert_eq!(status, 200);
    assert_eq!(answer["status"], "ok");
}

#[test]
fn bad_input_is_400_naming_the_problem_and_writes_nothing() {
    let server = TestServer::start();
    let cases = [
        ("{\"prompt\": ", "invalid JSON"),
        ("not json at all", "invalid JSON"),
        ("[1, 2]", "object"),
        ("{\"prompt\": \"   \"}", "prompt"),
        ("{\"response\": \"an answer to nothing\"}", "prompt"),
        ("{\"prompt\": \"p\", \"id\": 7}", "id"),
        ("{\"prompt\": \"p\", \"timestamp\": \"last tuesday\"}", "timestamp"),
        ("{\"prompt\": \"p\", \"tool_calls\": [{\"name\": \"\"}]}", "tool call"),
    ];
    for (body, named) in cases {
        let (status, answer) = server.post(body);
        assert_eq!(status, 400, "{body}");
        let message = answer["error"].as_str().unwrap();
        assert!(message.contains(named), "{body}: {message}");
    }
    assert!(stored_records(&server.dir).is_empty());
}

#[test]
fn bad_query_parameters_are_400() {
    let server = TestServer::start();
    let cases =
        [("since=yesterday", "since"), ("until=12:00", "until"), ("limit=ten", "limit"), ("session=s1", "session")];
    for (query, named) in cases {
        let (status, answer) = server.get(&format!("/interactions?{query}"));
        assert_eq!(status, 400, "{query}");
        assert!(answer["error"].as_str().unwrap().contains(named), "{query}: {answer}");
    }
}

#[test]
fn a_body_that_is_not_json_is_415() {
    let server = TestServer::start();
    let send = |content_type: Option<&str>| {
        let mut request = server.agent.post(server.url("/interactions"));
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        let mut response = request.send("{\"prompt\": \"p\"}").unwrap();
        (response.status().as_u16(), response.body_mut().read_json::<Value>().unwrap())
    };
    for content_type in [Some("text/plain"), Some("application/x-www-form-urlencoded"), None] {
        let (status, answer) = send(content_type);
        assert_eq!(status, 415, "{content_type:?}");
        assert!(answer["error"].as_str().unwrap().contains("application/json"));
    }
    assert_eq!(send(Some("application/json; charset=utf-8")).0, 201);
}

#[test]
fn wrong_methods_are_405_with_a_json_error() {
    let server = TestServer::start();
    for (method, path) in [("DELETE", "/interactions"), ("PUT", "/interactions/x"), ("POST", "/healthz")] {
        let answer = raw_request(
            server.addr,
            format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        );
        assert_eq!(answer.status, 405, "{method} {path}");
        assert!(answer.json()["error"].as_str().unwrap().contains(method));
        assert!(answer.head.to_ascii_lowercase().contains("\r\nallow: "), "{}", answer.head);
    }
}

#[test]
fn an_oversized_body_is_413_and_nothing_is_written() {
    let server = TestServer::start();
    // A client that writes the whole body before reading (as ureq and Python's urllib do) still
    // gets the 413, not a broken pipe.
    let record = json!({"prompt": "x".repeat(8 * 1024 * 1024)}).to_string();
    let (status, answer) = server.post(&record);
    assert_eq!(status, 413);
    assert!(answer["error"].as_str().unwrap().contains("8388608"), "{answer}");
    assert!(stored_records(&server.dir).is_empty());
    // The connection stays usable: the rejected body was read to its end.
    server.post_ok(json!({"prompt": "small"}));
}

#[test]
fn a_declared_oversize_is_refused_before_the_body_is_sent() {
    let server = TestServer::start();
    let head = |length: u64, expect: &str| {
        format!(
            "POST /interactions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n{expect}Connection: close\r\n\r\n"
        )
    };
    // Waiting for `100 Continue`: answered at once, the body is never needed.
    let answer = raw_request(server.addr, head(8 * 1024 * 1024 + 1, "Expect: 100-continue\r\n").as_bytes());
    assert_eq!(answer.status, 413);
    assert!(answer.json()["error"].as_str().unwrap().contains("8388608"));
    // Far too big to be worth reading: answered at once too.
    let answer = raw_request(server.addr, head(1 << 40, "").as_bytes());
    assert_eq!(answer.status, 413);
    assert!(stored_records(&server.dir).is_empty());
}

#[test]
fn a_chunked_body_over_the_limit_is_413() {
    let server = TestServer::start_with(|config| config.max_body = 1024);
    let record = json!({"prompt": "x".repeat(3000)}).to_string();
    let request = format!(
        "POST /interactions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{record}\r\n0\r\n\r\n",
        record.len()
    );
    let answer = raw_request(server.addr, request.as_bytes());
    assert_eq!(answer.status, 413);
    assert!(answer.json()["error"].as_str().unwrap().contains("1024"));
    assert!(stored_records(&server.dir).is_empty());
}

#[test]
fn bodies_up_to_8_mib_are_accepted() {
    // Above axum's own 2 MB default, below the contract's 8 MiB.
    let server = TestServer::start_with(|config| {
        config.capture.truncate_tool_results = 0;
    });
    let big = "y".repeat(5 * 1024 * 1024);
    let id = server.post_ok(json!({"prompt": "big", "response": big}));
    let (status, summary) = server.get("/interactions");
    assert_eq!(status, 200);
    assert_eq!(summary[0]["id"], id.as_str());
    assert_eq!(summary[0]["response_chars"], 5 * 1024 * 1024);
}

#[test]
fn foreign_host_headers_are_403_on_loopback() {
    let server = TestServer::start_with(|config| config.allow_hosts = vec!["devbox.lan".into()]);
    let get_with_host = |host: &str| {
        raw_request(
            server.addr,
            format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
    };
    for allowed in ["localhost", "localhost:8377", "127.0.0.1:9", "[::1]:8377", "devbox.lan:8377"] {
        assert_eq!(get_with_host(allowed).status, 200, "{allowed}");
    }
    for refused in ["attacker.example", "attacker.example:8377", "localhost.attacker.example", "10.1.2.3"] {
        let answer = get_with_host(refused);
        assert_eq!(answer.status, 403, "{refused}");
        assert!(answer.json()["error"].as_str().unwrap().contains("Host"));
    }
}

#[test]
fn with_a_token_every_request_needs_it() {
    let server = TestServer::start_with(|config| config.token = Some("s3cr3t-token".into()));
    let status_with = |authorization: Option<&str>| {
        let mut request = server.agent.get(server.url("/healthz"));
        if let Some(value) = authorization {
            request = request.header("Authorization", value);
        }
        let mut response = request.call().unwrap();
        let status = response.status().as_u16();
        let body: Value = response.body_mut().read_json().unwrap();
        (status, body)
    };
    let (status, body) = status_with(None);
    assert_eq!(status, 401);
    assert!(body["error"].as_str().unwrap().contains("Authorization"));
    assert_eq!(status_with(Some("Bearer wrong-token")).0, 401);
    assert_eq!(status_with(Some("Bearer s3cr3t-token-and-more")).0, 401);
    assert_eq!(status_with(Some("s3cr3t-token")).0, 401);
    assert_eq!(status_with(Some("Bearer s3cr3t-token")).0, 200);

    let unauthorized = server
        .agent
        .post(server.url("/interactions"))
        .header("Content-Type", "application/json")
        .send("{\"prompt\": \"p\"}")
        .unwrap();
    assert_eq!(unauthorized.status().as_u16(), 401);
    assert!(stored_records(&server.dir).is_empty());
    // The helper sends the token.
    server.post_ok(json!({"prompt": "with token"}));
    assert_eq!(stored_records(&server.dir).len(), 1);
}

#[test]
fn records_from_another_writer_show_without_a_restart() {
    let server = TestServer::start();
    assert_eq!(server.get("/healthz").0, 200);
    let logger = InteractionLogger::open(&server.dir, InteractionsConfig::default()).unwrap();
    let record = InteractionRecord::builder("written by another process").project("elsewhere").build();
    logger.log(&record).unwrap();
    let path = format!("/interactions/{}", record.id);
    assert!(wait_until(Duration::from_secs(20), || server.get(&path).0 == 200), "never showed up");
    let (_, list) = server.get("/interactions?project=elsewhere");
    assert_eq!(ids(&list), [record.id.as_str()]);
}

#[test]
fn a_request_that_never_finishes_its_body_times_out_with_408() {
    let server = TestServer::start_with(|config| config.request_timeout = Duration::from_millis(300));
    let answer = raw_request(
        server.addr,
        b"POST /interactions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"prompt\":",
    );
    assert_eq!(answer.status, 408);
    assert!(answer.json()["error"].is_string());
    assert!(stored_records(&server.dir).is_empty());
}

#[test]
fn with_writing_disabled_posts_are_accepted_and_nothing_is_stored() {
    let server = TestServer::start_with(|config| config.capture.enabled = false);
    server.post_ok(json!({"prompt": "into the void"}));
    assert!(stored_records(&server.dir).is_empty());
}

#[test]
fn posts_go_through_the_writers_policy() {
    let server = TestServer::start_with(|config| {
        config.capture.include_responses = false;
        config.capture.include_messages = false;
        config.capture.truncate_tool_results = 4;
    });
    let id = server.post_ok(json!({
        "prompt": "p",
        "system_prompt": "secret instructions",
        "messages": [{"role": "user", "content": "p"}],
        "response": "not kept",
        "response_summary": "kept",
        "tool_calls": [{"name": "grep", "result": "0123456789"}]
    }));
    let (_, whole) = server.get(&format!("/interactions/{id}"));
    assert!(whole.get("response").is_none() && whole.get("messages").is_none() && whole.get("system_prompt").is_none());
    assert_eq!(whole["response_summary"], "kept");
    assert_eq!(whole["tool_calls"][0]["result"], "0123");
    assert_eq!(whole["tool_calls"][0]["result_truncated"], true);
    assert_eq!(server.get("/interactions").1[0]["response_chars"], 0);
}

#[test]
fn a_record_posted_after_a_torn_line_is_readable() {
    let server = TestServer::start();
    let first = server.post_ok(json!({"prompt": "before"}));
    let date = &stored_records(&server.dir)[0]["timestamp"].as_str().unwrap()[..10].to_owned();
    let path = server.dir.join(format!("interactions-{date}.jsonl"));
    // What a writer killed in the middle of its write(2) leaves behind.
    let torn = br#"{"id":"torn","timestamp":"2026-12-01T00:00:00Z","prompt":"half a rec"#;
    std::io::Write::write_all(&mut std::fs::OpenOptions::new().append(true).open(&path).unwrap(), torn).unwrap();
    let second = server.post_ok(json!({"prompt": "after"}));
    assert_eq!(server.get(&format!("/interactions/{first}")).0, 200);
    let (status, record) = server.get(&format!("/interactions/{second}"));
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["prompt"], "after");
}

#[test]
fn a_client_that_never_finishes_its_headers_is_disconnected() {
    use std::io::{Read, Write};
    let server = TestServer::start_with(|config| config.request_timeout = Duration::from_secs(1));
    let mut slow = std::net::TcpStream::connect(server.addr).unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ").unwrap();
    let mut silent = std::net::TcpStream::connect(server.addr).unwrap();
    for stream in [&mut slow, &mut silent] {
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut buffer = [0u8; 256];
        // The server closes (EOF or reset) well before the read timeout.
        let started = std::time::Instant::now();
        let closed = matches!(stream.read(&mut buffer), Ok(0) | Err(_)) && started.elapsed() < Duration::from_secs(15);
        assert!(closed, "the connection was closed by the server");
    }
    assert_eq!(server.get("/healthz").0, 200);
}

#[test]
fn a_huge_limit_is_capped_like_any_large_limit() {
    let server = TestServer::start();
    server.post_ok(json!({"prompt": "one"}));
    let (status, list) = server.get("/interactions?limit=999999999999999999999");
    assert_eq!(status, 200, "{list}");
    assert_eq!(ids(&list).len(), 1);
}

#[test]
fn a_second_record_with_a_stored_id_is_a_conflict() {
    let server = TestServer::start();
    let id = server.post_ok(json!({"prompt": "first"}));
    let (status, answer) = server.post(&json!({"id": id, "prompt": "second"}).to_string());
    assert_eq!(status, 409, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("already stored"), "{answer}");
    assert_eq!(stored_records(&server.dir).len(), 1);
}
