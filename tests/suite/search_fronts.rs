//! Search scope and snippets through the CLI and the HTTP API (docs/cli.md, docs/http.md).

#![cfg(any(feature = "cli", feature = "server"))]

use serde_json::{json, Value};

/// A session of two turns: the second re-sends the first (the word "failing" is history there).
fn turns() -> [Value; 2] {
    let u1 = json!({"role": "user", "content": "fix the failing test"});
    let a1 = json!({"role": "assistant", "content": [{"type": "text", "text": "Running the tests."}]});
    let u2 = json!({"role": "user", "content": "why does the\ndeadlock in the refund job happen?"});
    [
        json!({"id": "t1", "timestamp": "2026-12-01T10:00:01Z", "session_id": "s", "messages": [u1],
               "response": "Running the tests."}),
        json!({"id": "t2", "timestamp": "2026-12-01T10:00:02Z", "session_id": "s", "messages": [u1, a1, u2],
               "response": "Two locks taken in opposite order by the \u{1b}[31mrefund worker."}),
    ]
}

#[cfg(feature = "cli")]
mod cli {
    use super::*;
    use crate::cli_support::isolated_command;

    fn list(dir: &std::path::Path, args: &[&str]) -> String {
        let mut all = vec!["list"];
        all.extend_from_slice(args);
        let output = isolated_command(dir, &all).env("TZ", "UTC").env_remove("COLUMNS").output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    }

    fn logs() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let lines: Vec<String> = turns().iter().map(Value::to_string).collect();
        std::fs::write(dir.path().join("interactions-2026-12-01.jsonl"), lines.join("\n") + "\n").unwrap();
        dir
    }

    #[test]
    fn list_searches_own_content_unless_asked_and_shows_where_it_matched() {
        let dir = logs();
        let own = list(dir.path(), &["--search", "failing", "--json"]);
        assert_eq!(own.lines().count(), 1, "{own}");
        assert!(own.contains(r#""id":"t1""#));
        let all = list(dir.path(), &["--search", "failing", "--search-history", "--json"]);
        assert_eq!(all.lines().count(), 2, "{all}");
        let table = list(dir.path(), &["--search", "refund"]);
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].ends_with("MATCH"), "{table}");
        assert!(lines[1].trim_end().ends_with("why does the deadlock in the refund job happen?"), "{table}");
        assert!(!table.contains('\u{1b}'), "no escape reaches the terminal: {table:?}");
        let plain = list(dir.path(), &[]);
        assert!(!plain.lines().next().unwrap_or_default().contains("MATCH"), "{plain}");
    }

    #[test]
    fn a_match_deep_in_a_long_text_shows_in_a_narrow_column() {
        let dir = tempfile::tempdir().unwrap();
        let filler = "the words before the match fill the column and more ".repeat(4);
        let record = json!({"id": "long", "timestamp": "2026-12-01T10:00:01Z", "prompt": "p",
                            "response": format!("{filler}and then the xylophone broke")});
        std::fs::write(dir.path().join("interactions-2026-12-01.jsonl"), format!("{record}\n")).unwrap();
        for columns in ["80", "120"] {
            let output = isolated_command(dir.path(), &["list", "--search", "xylophone"])
                .env("TZ", "UTC")
                .env("COLUMNS", columns)
                .output()
                .unwrap();
            let table = String::from_utf8(output.stdout).unwrap();
            let row = table.lines().nth(1).unwrap_or_default();
            assert!(row.contains("xylophone"), "{columns} columns: {table}");
        }
    }

    #[test]
    fn search_history_needs_a_search() {
        let dir = logs();
        let output = isolated_command(dir.path(), &["list", "--search-history"]).output().unwrap();
        assert_eq!(output.status.code(), Some(2));
    }
}

#[cfg(feature = "server")]
mod api {
    use super::*;
    use crate::server_support::TestServer;

    #[test]
    fn the_api_searches_own_content_unless_asked_and_gives_each_summary_a_snippet() {
        let server = TestServer::start();
        for turn in turns() {
            server.post_ok(turn);
        }
        let get = |query: &str| {
            let (status, answer) = server.get(&format!("/interactions?{query}"));
            assert_eq!(status, 200, "{query}: {answer}");
            answer.as_array().cloned().unwrap_or_default()
        };
        assert_eq!(get("q=failing").len(), 1);
        assert_eq!(get("q=failing&search_history=true").len(), 2);
        let hits = get("q=REFUND%20job");
        let [hit] = &hits[..] else { panic!("one hit: {hits:?}") };
        let snippet = &hit["snippet"];
        let text = snippet["text"].as_str().unwrap();
        assert_eq!(text, "why does the deadlock in the refund job happen?");
        let marked: Vec<&str> = snippet["matched"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                let chars: Vec<char> = text.chars().collect();
                let (from, to) = (m[0].as_u64().unwrap() as usize, m[1].as_u64().unwrap() as usize);
                &text[chars[..from].iter().map(|c| c.len_utf8()).sum::<usize>()
                    ..chars[..to].iter().map(|c| c.len_utf8()).sum::<usize>()]
            })
            .collect();
        assert_eq!(marked, ["refund", "job"]);
        assert!(get("").iter().all(|s| s.get("snippet").is_none()), "no search, no snippet");
        let (status, _) = server.get("/interactions?q=x&search_history=maybe");
        assert_eq!(status, 400);
    }
}
