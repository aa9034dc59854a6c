//! Other agents' transcripts as records (`--source`): the fixtures under tests/fixtures were
//! written from the documented formats (see docs/sources.md), read in place.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use interlog::record::InteractionRecord;
use interlog::source::{Source, SourceKind};
use interlog::store::{FollowOptions, Query, Store};

fn fixtures(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(kind)
}

fn claude() -> Source {
    Source { kind: SourceKind::ClaudeCode, root: fixtures("claude-code") }
}

fn codex() -> Source {
    Source { kind: SourceKind::Codex, root: fixtures("codex") }
}

fn record(store: &Store, id: &str) -> InteractionRecord {
    let entry = store.find_id(id).unwrap_or_else(|| panic!("no record {id}"));
    store.read_record(entry).unwrap()
}

fn all(store: &Store) -> Vec<InteractionRecord> {
    let result = store.query(&Query::default());
    result.entries.iter().map(|&e| store.read_record(e).unwrap()).collect()
}

#[test]
fn claude_code_calls_become_records_field_by_field() {
    let store = Store::load_sources(&[claude()]).unwrap();
    // s1: four calls; its sub-agent: two; s2 (resumed): a copy of s1's first call, shown once, and one new call.
    assert_eq!(store.len(), 7);
    assert!(store.bad_lines().is_empty(), "{:?}", store.bad_lines());

    let first = record(&store, "a1");
    assert_eq!(first.session_id.as_deref(), Some("s1"));
    assert_eq!(first.project.as_deref(), Some("shop"));
    assert_eq!(first.extra.get("cwd").and_then(|v| v.as_str()), Some("/w/shop"));
    assert_eq!(first.client.as_deref(), Some("claude-code"));
    assert_eq!(first.model.as_deref(), Some("claude-sonnet-4-5"));
    assert_eq!(first.provider.as_deref(), Some("anthropic"));
    assert_eq!(first.request_id.as_deref(), Some("req_1"));
    assert_eq!(first.response_id.as_deref(), Some("msg_1"));
    assert_eq!(first.prompt.as_deref(), Some("add a cart"));
    assert_eq!(first.response.as_deref(), Some("Looking at the shop."));
    assert_eq!(first.stop_reason.as_ref().map(|s| s.as_str()), Some("tool_use"));
    assert!(first.usage_approximate);
    let usage = first.usage.as_ref().unwrap();
    // The largest of the three snapshots the call's lines repeat.
    assert_eq!(
        (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens, usage.cache_creation_tokens),
        (Some(5), Some(41), Some(100), Some(20))
    );
    assert_eq!(first.timestamp.to_rfc3339(), "2026-11-20T10:00:00.000Z", "sent when the prompt was written");
    assert_eq!(first.duration_ms, Some(4_000));
    assert_eq!(first.agent, None);
    let source = first.source.as_ref().unwrap();
    assert_eq!(source.kind, "claude-code");
    assert!(source.file.as_deref().unwrap().ends_with("-w-shop/s1.jsonl"));
    assert_eq!(source.line, Some(3));
    // Parallel tool calls, each with the result that came back for it.
    let calls: Vec<(&str, Option<bool>, Option<&str>)> =
        first.tool_calls.iter().map(|c| (c.name.as_str(), c.success, c.result.as_deref())).collect();
    assert_eq!(calls, [("Read", Some(true), Some("fn cart() {}")), ("Grep", Some(false), Some("No matches found"))]);
    assert_eq!(first.tool_calls[0].arguments, Some(serde_json::json!({"file_path": "/w/shop/cart.rs"})));
    assert_eq!(first.messages.len(), 1);

    // The next call of the turn: its prompt is the turn's, its history rebuilt through parentUuid.
    let second = record(&store, "b1");
    assert_eq!(second.prompt.as_deref(), Some("add a cart"));
    let roles: Vec<&str> = second.messages.iter().map(|m| m.role.as_str()).collect();
    assert_eq!(roles, ["user", "assistant", "user", "user"], "the three assistant lines are one message");
    assert_eq!(second.tool_calls[0].name, "Task");
    assert!(second.tool_calls[0].result.as_deref().unwrap().contains("agentId: ag1"));
    assert_eq!(second.extra.get("user_turn"), Some(&serde_json::Value::Bool(false)));
    assert_eq!(first.extra.get("user_turn"), Some(&serde_json::Value::Bool(true)));

    // After a compaction the history starts at the boundary.
    let after = record(&store, "d1");
    assert_eq!(after.prompt.as_deref(), Some("now pay"));
    assert_eq!(after.extra.get("after_compaction"), Some(&serde_json::Value::Bool(true)));
    assert_eq!(after.messages.len(), 2, "{:?}", after.messages);
    assert!(after.messages[0].plain_text().starts_with("This session is being continued"));

    // The sub-agent's calls carry its type and the parent's session.
    let explore = record(&store, "sa1");
    assert_eq!(explore.agent.as_deref(), Some("Explore"));
    assert_eq!(explore.session_id.as_deref(), Some("s1"));
    assert_eq!(explore.model.as_deref(), Some("claude-haiku-4-5"));
    assert_eq!(explore.tool_calls[0].result.as_deref(), Some("tests/cart_a.rs\ntests/cart_b.rs"));

    // The resumed session's new call; its copy of s1's first call shows once.
    let resumed = record(&store, "f1");
    assert_eq!(resumed.session_id.as_deref(), Some("s2"));
    assert_eq!(resumed.prompt.as_deref(), Some("and shipping"));
    let copies = all(&store).into_iter().filter(|r| r.request_id.as_deref() == Some("req_1")).count();
    assert_eq!(copies, 1);
}

#[test]
fn token_totals_match_a_hand_count() {
    let store = Store::load_sources(&[claude()]).unwrap();
    let sessions = store.sessions();
    let s1 = sessions.iter().find(|s| s.session_id == "s1").unwrap();
    // a1 5/41, b1 8/12, c1 3/9, d1 4/6; the Explore agent 50/7 and 60/5.
    assert_eq!((s1.input_tokens, s1.output_tokens), (130, 80));
    assert_eq!(s1.turns, 6);
    let s2 = sessions.iter().find(|s| s.session_id == "s2").unwrap();
    assert_eq!((s2.input_tokens, s2.output_tokens), (2, 3));
    assert!(store.find_id("a1").is_some_and(|e| store.is_approximate(e)));
}

#[test]
fn codex_model_calls_become_records() {
    let store = Store::load_sources(&[codex()]).unwrap();
    assert_eq!(store.len(), 3);
    let session = "0199a0b0-0000-7000-8000-000000000001";
    let file = format!("rollout-2026-11-20T12-00-00-{session}.jsonl");
    let id = |line: u64| interlog::source::codex_record_id(&file, line);
    let first = record(&store, &id(6));
    assert_eq!(first.session_id.as_deref(), Some(session));
    assert_eq!(first.client.as_deref(), Some("codex"));
    assert_eq!(first.provider.as_deref(), Some("openai"));
    assert_eq!(first.model.as_deref(), Some("gpt-5-codex"));
    assert_eq!(first.project.as_deref(), Some("app"));
    assert_eq!(first.prompt.as_deref(), Some("list the files"));
    let usage = first.usage.as_ref().unwrap();
    // Codex counts cached input inside input: 1000 with 800 cached is 200 + 800 read from cache.
    assert_eq!(
        (usage.input_tokens, usage.cache_read_tokens, usage.output_tokens, usage.reasoning_tokens),
        (Some(200), Some(800), Some(50), Some(20))
    );
    assert!(!first.usage_approximate);
    assert_eq!(first.tool_calls.len(), 1);
    assert_eq!(first.tool_calls[0].name, "shell");
    assert_eq!(first.tool_calls[0].arguments, Some(serde_json::json!({"command": ["ls"], "workdir": "/w/app"})));
    assert!(first.tool_calls[0].result.as_deref().unwrap().contains("a.rs"));
    let second = record(&store, &id(10));
    assert_eq!(second.response.as_deref(), Some("Two files: a.rs and b.rs."));
    assert_eq!(second.prompt.as_deref(), Some("list the files"));
    let third = record(&store, &id(16));
    assert_eq!(third.prompt.as_deref(), Some("count lines"));
    assert_eq!(third.extra.get("after_compaction"), Some(&serde_json::Value::Bool(true)));
    assert!(third.messages[0].plain_text().contains("Summary: listed"));
    let totals = &store.sessions()[0];
    assert_eq!((totals.input_tokens, totals.output_tokens), (200 + 200 + 400, 50 + 30 + 10));
}

#[test]
fn search_finds_words_in_a_transcript_call() {
    let store = Store::load_sources(&[claude(), codex()]).unwrap();
    let hits = store.query(&Query { search: Some("cart.rs".into()), ..Query::default() });
    let ids: Vec<String> = store.summaries(&hits.entries).into_iter().map(|s| s.id).collect();
    assert_eq!(ids, ["a1"], "the word is in a1's tool call only (its copy in s2 is hidden)");
    // Codex: the first call's tool output, the second's answer, the third's compaction summary;
    // Claude Code: the Explore agent's Glob result (`tests/cart_b.rs`).
    let hits = store.query(&Query { search: Some("b.rs".into()), ..Query::default() });
    assert_eq!(hits.entries.len(), 4);
}

#[test]
fn a_call_captured_by_the_proxy_shows_once_in_its_exact_version() {
    let logs = tempfile::tempdir().unwrap();
    let line = r#"{"id":"proxy-1","timestamp":"2026-11-20T10:00:20.100Z","session_id":"s1","client":"claude-code","request_id":"req_3","prompt":"add a cart","usage":{"input_tokens":3,"output_tokens":11}}"#;
    std::fs::write(logs.path().join("interactions-2026-11-20.jsonl"), format!("{line}\n")).unwrap();
    let ours = Source { kind: SourceKind::Interlog, root: logs.path().to_path_buf() };
    for sources in [vec![claude(), ours.clone()], vec![ours.clone(), claude()]] {
        let store = Store::load_sources(&sources).unwrap();
        assert!(store.find_id("c1").is_none(), "the transcript's copy of req_3 is hidden");
        assert!(store.find_id("proxy-1").is_some());
        assert_eq!(store.len(), 7);
    }
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn append(path: &Path, text: &str) {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

#[test]
fn a_growing_session_and_a_new_sub_agent_are_followed() {
    let root = tempfile::tempdir().unwrap();
    let project = root.path().join("-w-shop");
    std::fs::create_dir_all(&project).unwrap();
    let source = std::fs::read_to_string(fixtures("claude-code/-w-shop/s1.jsonl")).unwrap();
    let lines: Vec<&str> = source.lines().collect();
    let session = project.join("s1.jsonl");
    for options in [FollowOptions::default(), FollowOptions { force_polling: true }] {
        let _ = std::fs::remove_file(&session);
        let _ = std::fs::remove_dir_all(project.join("s1"));
        let store = Store::follow_sources(
            &[Source { kind: SourceKind::ClaudeCode, root: root.path().to_path_buf() }],
            options,
            |_| {},
        )
        .unwrap();
        wait_for("the load", || !store.is_loading());
        // The prompt and the first line of the answer: the call shows at once.
        append(&session, &format!("{}\n{}\n{}\n", lines[0], lines[1], lines[2]));
        wait_for("the first line of the call", || store.find_id("a1").is_some());
        let entry = store.find_id("a1").unwrap();
        assert_eq!(store.summary(entry).unwrap().output_tokens, 2);
        // Half a line, then the rest of it: the call grows in place.
        let (head, tail) = lines[3].split_at(40);
        append(&session, head);
        append(&session, &format!("{tail}\n{}\n", lines[4]));
        wait_for("the call to grow", || store.summary(entry).is_some_and(|s| s.output_tokens == 41));
        assert_eq!(store.summary(entry).unwrap().tool_calls, 2);
        assert_eq!(store.len(), 1);
        // A sub-agent's file appears in a new directory.
        let agents = project.join("s1/subagents");
        std::fs::create_dir_all(&agents).unwrap();
        let agent = std::fs::read_to_string(fixtures("claude-code/-w-shop/s1/subagents/agent-ag1.jsonl")).unwrap();
        std::fs::write(agents.join("agent-ag1.meta.json"), "{\"agentType\":\"Explore\"}").unwrap();
        append(&agents.join("agent-ag1.jsonl"), &agent);
        wait_for("the sub-agent's calls", || store.find_id("sb1").is_some());
        assert_eq!(store.read_record(store.find_id("sa1").unwrap()).unwrap().agent.as_deref(), Some("Explore"));
        // The agent's cleanup removes the sub-agent's file.
        std::fs::remove_dir_all(project.join("s1")).unwrap();
        wait_for("the removal", || store.find_id("sb1").is_none());
        assert_eq!(store.len(), 1);
    }
}

#[test]
fn a_ten_thousand_file_tree_loads() {
    let root = tempfile::tempdir().unwrap();
    for p in 0..20 {
        let project = root.path().join(format!("-w-p{p}"));
        std::fs::create_dir_all(&project).unwrap();
        for s in 0..500 {
            let session = format!("{p}-{s}");
            let text = format!(
                concat!(
                    r#"{{"type":"user","uuid":"u-{s}","parentUuid":null,"sessionId":"{s}","cwd":"/w/p","timestamp":"2026-11-20T10:00:00Z","message":{{"role":"user","content":"hi"}}}}"#,
                    "\n",
                    r#"{{"type":"assistant","uuid":"a-{s}","parentUuid":"u-{s}","sessionId":"{s}","timestamp":"2026-11-20T10:00:01Z","requestId":"req-{s}","message":{{"id":"msg-{s}","model":"m","role":"assistant","content":[{{"type":"text","text":"ok"}}],"usage":{{"input_tokens":1,"output_tokens":2}}}}}}"#,
                    "\n"
                ),
                s = session
            );
            std::fs::write(project.join(format!("{session}.jsonl")), text).unwrap();
        }
    }
    let store =
        Store::load_sources(&[Source { kind: SourceKind::ClaudeCode, root: root.path().to_path_buf() }]).unwrap();
    assert_eq!(store.len(), 10_000);
    assert_eq!(store.sessions().len(), 10_000);
}

#[test]
fn the_command_line_reads_sources() {
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_interlog"))
            .args(args)
            .env("INTERLOG_DIR", "/nonexistent-interlog-dir")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let claude = format!("claude-code:{}", fixtures("claude-code").display());
    let codex = format!("codex:{}", fixtures("codex").display());
    let (code, out, err) = run(&["--source", &claude, "--source", &codex, "list", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.lines().count(), 10);
    let (code, out, _) = run(&["--source", &claude, "show", "a1", "--json"]);
    assert_eq!(code, Some(0));
    let shown: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(shown["request_id"], "req_1");
    assert_eq!(shown["usage_approximate"], true);
    let (code, out, _) = run(&["--source", &claude, "list"]);
    assert_eq!(code, Some(0));
    assert!(out.contains('~'), "approximate counts are marked: {out}");
    let (code, _, err) = run(&["--source", "cursor", "list"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("unknown source kind"), "{err}");
}
