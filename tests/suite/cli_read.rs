#![cfg(feature = "cli")]
//! `list`, `show`, `sessions` and `conversation` through the real binary, on hand-written logs.

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::cli_support;

use cli_support::{isolated_command, BIN};

const DAY_20: &str = "interactions-2025-06-14.jsonl";
const DAY_21: &str = "interactions-2025-06-15.jsonl";

/// Stored lines, as a writer (or a hand) put them there. `a2` is the same instant as `a1`
/// written with another offset, so file order breaks the tie. Spacing and unknown fields are odd
/// on purpose: `--json` must give them back untouched.
const A1: &str = r#"{"id":"a1","timestamp":"2025-06-14T09:00:00.000Z","session_id":"sess-alpha-0001","project":"web","client":"claude-code","model":"claude-sonnet","prompt":"Fix the login bug\nsecond line","response":"Patched auth.rs","usage":{"input_tokens":1200,"output_tokens":340},"duration_ms":2300,"tool_calls":[{"name":"read_file","call_id":"t1","arguments":{"path":"auth.rs"},"success":true,"result":"fn login() {}"}]}"#;
const A2: &str = r#"{ "id" : "a2",  "timestamp":"2025-06-14T10:00:00+01:00", "session_id":"sess-alpha-0001","project":"web","client":"claude-code","model":"claude-sonnet","prompt":"Now add a test","response":"Added a test with ``` fences ```","usage":{"input_tokens":1500,"output_tokens":200},"x_custom":{"k":[1, 2]} }"#;
const B1: &str = r#"{"id":"b1","created_at":"2025-06-14 12:00:00","session_id":"sess-beta","project":"api","client":"openclaw","model":"gpt-x","prompt":"Summarise the report","response":"Short summary","usage":{"input_tokens":50000,"output_tokens":900},"tags":["weekly"]}"#;
const A3: &str = r#"{"id":"a3","timestamp":"2025-06-15T08:00:00Z","session_id":"sess-alpha-0001","project":"web","client":"claude-code","model":"claude-sonnet","prompt":"Deploy it","error":"rate limited","usage":{"input_tokens":10,"output_tokens":0}}"#;
const C1: &str = r#"{"id":"c1","timestamp":"2025-06-15T09:30:00Z","project":"日本語","client":"manual","model":"m","prompt":"日本語のプロンプト 🙂 emoji","response":"はい"}"#;
const BAD_NOT_JSON: &str = "this is not json";
const BAD_NO_TIME: &str = r#"{"id":"no-time"}"#;

/// A prompt and more that try to take over the terminal: ESC and BEL as JSON escapes, DEL, a C1
/// CSI and a right-to-left override as raw characters in the stored line.
fn hostile_line() -> String {
    format!(
        concat!(
            r#"{{"id":"evil","timestamp":"2025-06-15T10:00:00Z","session_id":"sess-evil","project":"p\u001b[31m","#,
            r#""client":"c\u0007","model":"m{del}","prompt":"ring\u0007 the \u001b]0;pwned\u0007 bell {c1}2J del{del} rtl{rlo}evil","#,
            r#""response":"resp\u001b[2J{rlo}","tool_calls":[{{"name":"sh{c1}","arguments":{{"cmd":"echo \u001b[31m"}},"#,
            r#""result":"out\u0007{del}"}}],"error":"err\u001b[0m"}}"#
        ),
        del = '\u{7f}',
        c1 = '\u{9b}',
        rlo = '\u{202e}'
    )
}

const RAW_CONTROLS: [char; 5] = ['\x1b', '\x07', '\u{9b}', '\u{7f}', '\u{202e}'];

struct Logs {
    dir: tempfile::TempDir,
}

impl Logs {
    /// Two daily files; day 20 holds two bad lines (lines 2 and 5).
    fn standard() -> Self {
        let logs = Logs::empty();
        logs.write(DAY_20, &[A1, BAD_NOT_JSON, A2, B1, BAD_NO_TIME]);
        logs.write(DAY_21, &[A3, C1]);
        logs
    }

    fn clean() -> Self {
        let logs = Logs::empty();
        logs.write(DAY_20, &[A1, A2, B1]);
        logs.write(DAY_21, &[A3, C1]);
        logs
    }

    fn hostile() -> Self {
        let logs = Logs::empty();
        logs.write(DAY_21, &[&hostile_line()]);
        logs
    }

    fn empty() -> Self {
        Logs { dir: tempfile::tempdir().unwrap() }
    }

    fn write(&self, name: &str, lines: &[&str]) {
        let text: String = lines.iter().map(|line| format!("{line}\n")).collect();
        fs::write(self.dir.path().join(name), text).unwrap();
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        run_in(self.path(), args, env)
    }
}

/// The binary on `dir`, in UTC, with no colour or width hints and no config of the user's.
fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = isolated_command(dir, args);
    command.env_remove("COLUMNS").env_remove("NO_COLOR").env("TZ", "UTC").stdin(Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    Run(command.output().unwrap())
}

struct Run(Output);

impl Run {
    fn code(&self) -> i32 {
        self.0.status.code().expect("exited, not killed")
    }

    fn stdout(&self) -> String {
        String::from_utf8(self.0.stdout.clone()).expect("stdout is UTF-8")
    }

    fn stderr(&self) -> String {
        String::from_utf8(self.0.stderr.clone()).expect("stderr is UTF-8")
    }

    fn lines(&self) -> Vec<String> {
        self.stdout().lines().map(str::to_owned).collect()
    }

    fn ok(self) -> Self {
        assert_eq!(self.code(), 0, "stderr: {}", self.stderr());
        self
    }

    /// The `id` of each JSON line on stdout.
    fn ids(&self) -> Vec<String> {
        self.lines()
            .iter()
            .map(|line| {
                let value: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
                value["id"].as_str().expect("an id").to_owned()
            })
            .collect()
    }
}

/// Columns a line takes on a terminal, for the characters these tests use.
fn columns(text: &str) -> usize {
    text.chars().map(|c| if matches!(c, '\u{3000}'..='\u{9fff}' | '\u{1f300}'..='\u{1faff}') { 2 } else { 1 }).sum()
}

fn assert_no_raw_controls(what: &str, text: &str) {
    for c in RAW_CONTROLS {
        assert!(!text.contains(c), "{what} printed {c:?} raw:\n{text}");
    }
}

// ---- list --json ------------------------------------------------------------------------------

#[test]
fn list_json_prints_the_stored_lines_byte_for_byte_newest_first() {
    let logs = Logs::standard();
    let run = logs.run(&["list", "--json"]).ok();
    let expected = [C1, A3, B1, A2, A1].map(|line| format!("{line}\n")).concat();
    assert_eq!(run.stdout(), expected);
}

#[test]
fn crlf_endings_are_not_part_of_the_record_and_blank_lines_are_not_bad_lines() {
    let logs = Logs::empty();
    fs::write(logs.path().join(DAY_20), format!("{A1}\r\n\r\n   \n{B1}\r\n")).unwrap();
    fs::write(logs.path().join("notes.txt"), "not a daily file, ignored\n").unwrap();
    let run = logs.run(&["list", "--json"]).ok();
    assert_eq!(run.stdout(), format!("{B1}\n{A1}\n"));
    assert_eq!(run.stderr(), "");
}

#[test]
fn equal_instants_are_ordered_by_file_position_later_first() {
    let logs = Logs::clean();
    let run = logs.run(&["list", "--json", "--session", "sess-alpha-0001"]).ok();
    assert_eq!(run.ids(), ["a3", "a2", "a1"]);
}

#[test]
fn list_filters_by_project_session_client_and_model() {
    let logs = Logs::clean();
    assert_eq!(logs.run(&["list", "--json", "--project", "web"]).ok().ids(), ["a3", "a2", "a1"]);
    assert_eq!(logs.run(&["list", "--json", "--session", "sess-beta"]).ok().ids(), ["b1"]);
    assert_eq!(logs.run(&["list", "--json", "--client", "manual"]).ok().ids(), ["c1"]);
    assert_eq!(logs.run(&["list", "--json", "--model", "gpt-x"]).ok().ids(), ["b1"]);
    assert_eq!(
        logs.run(&["list", "--json", "--project", "web", "--client", "openclaw"]).ok().ids(),
        Vec::<String>::new()
    );
}

#[test]
fn since_is_inclusive_and_until_exclusive_across_offsets_and_created_at() {
    let logs = Logs::clean();
    // a1 and a2 are both 09:00Z; b1 is `created_at` 12:00 (UTC).
    let since = logs.run(&["list", "--json", "--since", "2025-06-14T10:00:00+01:00"]).ok();
    assert_eq!(since.ids(), ["c1", "a3", "b1", "a2", "a1"]);
    let until = logs.run(&["list", "--json", "--until", "2025-06-14T12:00:00Z"]).ok();
    assert_eq!(until.ids(), ["a2", "a1"]);
    let window = logs.run(&["list", "--json", "--since", "2025-06-14T12:00:00Z", "--until", "2025-06-15"]).ok();
    assert_eq!(window.ids(), ["b1"]);
}

#[test]
fn an_empty_filter_value_is_the_same_as_no_filter() {
    let logs = Logs::clean();
    let everything = logs.run(&["list", "--json"]).ok().ids();
    assert_eq!(everything.len(), 5);
    for flag in ["--project", "--session", "--client", "--model", "--stop-reason", "--tag"] {
        for value in ["", " "] {
            assert_eq!(logs.run(&["list", "--json", flag, value]).ok().ids(), everything, "{flag} {value:?}");
        }
    }
}

#[test]
fn search_needs_every_term_case_insensitively() {
    let logs = Logs::clean();
    assert_eq!(logs.run(&["list", "--json", "--search", "LOGIN bug"]).ok().ids(), ["a1"]);
    assert_eq!(logs.run(&["list", "--json", "--search", "login deploy"]).ok().ids(), Vec::<String>::new());
    assert_eq!(logs.run(&["list", "--json", "--search", "プロンプト"]).ok().ids(), ["c1"]);
}

#[test]
fn extra_filters_tag_and_errors() {
    let logs = Logs::clean();
    assert_eq!(logs.run(&["list", "--json", "--tag", "weekly"]).ok().ids(), ["b1"]);
    assert_eq!(logs.run(&["list", "--json", "--errors"]).ok().ids(), ["a3"]);
}

#[test]
fn limit_keeps_the_newest_and_zero_gives_nothing() {
    let logs = Logs::clean();
    assert_eq!(logs.run(&["list", "--json", "--limit", "2"]).ok().ids(), ["c1", "a3"]);
    for args in [&["list", "--json", "--limit", "0"][..], &["list", "--limit", "0"][..]] {
        let run = logs.run(args).ok();
        assert_eq!(run.stdout(), "", "{args:?}");
        assert_eq!(run.stderr(), "", "{args:?}");
    }
}

#[test]
fn a_list_that_matches_nothing_is_an_empty_success() {
    let logs = Logs::clean();
    for args in [&["list", "--project", "nope"][..], &["list", "--json", "--project", "nope"][..]] {
        let run = logs.run(args).ok();
        assert_eq!(run.stdout(), "");
    }
    let missing = Logs::empty();
    let nowhere = missing.path().join("not-created-yet");
    for args in [&["list"][..], &["list", "--json"], &["sessions"], &["sessions", "--json"]] {
        let run = run_in(&nowhere, args, &[]).ok();
        assert_eq!(run.stdout(), "", "{args:?}");
        assert!(run.stderr().contains("does not exist (yet)"), "{args:?}: {}", run.stderr());
    }
}

// ---- time arguments and usage errors ------------------------------------------------------------

#[test]
fn an_unreadable_time_is_exit_2_with_one_line_naming_it() {
    let logs = Logs::clean();
    for flag in ["--since", "--until"] {
        let run = logs.run(&["list", flag, "yesterday-ish"]);
        assert_eq!(run.code(), 2, "{flag}");
        assert_eq!(run.stdout(), "");
        let stderr = run.stderr();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("yesterday-ish"), "{stderr}");
        assert!(stderr.contains(flag), "{stderr}");
    }
}

#[test]
fn spans_and_dates_are_accepted() {
    let logs = Logs::clean();
    // The records are in 2026; a span back from now reaches them only if now is close, so check
    // just that every form is accepted.
    for value in ["30m", "2h", "7d", "2025-06-14", "2025-06-14T00:00:00Z"] {
        logs.run(&["list", "--json", "--since", value]).ok();
    }
}

#[test]
fn json_and_markdown_together_are_bad_usage() {
    let logs = Logs::clean();
    let run = logs.run(&["conversation", "sess-beta", "--json", "--markdown"]);
    assert_eq!(run.code(), 2);
}

// ---- list, human --------------------------------------------------------------------------------

#[test]
fn list_table_has_a_header_and_one_aligned_row_per_record() {
    let logs = Logs::clean();
    // Wide enough that no cell is cut.
    let run = logs.run_with(&["list"], &[("COLUMNS", "200")]).ok();
    let lines = run.lines();
    assert_eq!(lines.len(), 6, "{}", run.stdout());
    let header = &lines[0];
    for column in ["TIME", "ID", "SESSION", "PROJECT", "CLIENT", "MODEL", "IN", "OUT", "DUR", "TOOLS", "ERR", "PROMPT"]
    {
        assert!(header.contains(column), "{header}");
    }
    // Newest first; dates shown because none of these days is today.
    assert!(lines[1].starts_with("2025-06-15 09:30  "), "{}", lines[1]);
    assert!(lines[5].starts_with("2025-06-14 09:00  "), "{}", lines[5]);
    // a1: short session, tokens, duration, tool count, first line of the prompt only.
    let a1 = &lines[5];
    for cell in ["sess-alp", "web", "claude-code", "claude-sonnet", "1200", "340", "2.3s", "Fix the login bug"] {
        assert!(a1.contains(cell), "{cell} not in {a1}");
    }
    assert!(!a1.contains("sess-alpha-0001"), "{a1}");
    assert!(!run.stdout().contains("second line"));
    // b1: compact token counts; a3: the error mark.
    assert!(lines[3].contains("50.0k"), "{}", lines[3]);
    assert!(lines[2].contains('✗') && lines[2].contains("Deploy it"), "{}", lines[2]);
    // The prompt column starts at the same terminal column on every line, CJK included.
    let prompt_column = |line: &str, prompt: &str| columns(&line[..line.find(prompt).unwrap()]);
    let at = prompt_column(header, "PROMPT");
    for (line, prompt) in lines[1..].iter().zip(["日本語のプロンプト", "Deploy", "Summarise", "Now add", "Fix the"])
    {
        assert_eq!(prompt_column(line, prompt), at, "misaligned:\n{}", run.stdout());
    }
}

#[test]
fn list_fits_the_width_and_cuts_long_prompts_with_an_ellipsis() {
    let logs = Logs::empty();
    let long = format!(
        r#"{{"id":"long","timestamp":"2025-06-15T09:30:00Z","project":"p","prompt":"{}"}}"#,
        "word ".repeat(100)
    );
    logs.write(DAY_21, &[&long, C1]);
    let default = logs.run(&["list"]).ok();
    for line in default.lines() {
        assert!(columns(&line) <= 120, "{} columns: {line}", columns(&line));
    }
    assert!(default.stdout().contains("word word") && default.stdout().contains('…'), "{}", default.stdout());
    let narrow = logs.run_with(&["list"], &[("COLUMNS", "70")]).ok();
    for line in narrow.lines() {
        assert!(columns(&line) <= 70, "{} columns: {line}", columns(&line));
    }
    assert!(narrow.stdout().contains('…'));
}

// ---- bad lines ----------------------------------------------------------------------------------

#[test]
fn bad_lines_are_one_summary_line_on_stderr_after_the_output() {
    let logs = Logs::standard();
    for args in [&["list"][..], &["list", "--json"], &["show", "a1"], &["sessions"], &["conversation", "sess-beta"]] {
        let run = logs.run(args).ok();
        let stderr = run.stderr();
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("interlog: 2 bad lines skipped (first: interactions-2025-06-14.jsonl:2: "),
            "{stderr}"
        );
        assert!(stderr.trim_end().ends_with("; --verbose lists them"), "{stderr}");
        assert!(!run.stdout().is_empty(), "{args:?}");
    }
}

#[test]
fn verbose_lists_every_bad_line() {
    let logs = Logs::standard();
    let run = logs.run(&["--verbose", "list", "--json"]).ok();
    let stderr = run.stderr();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(lines[0].starts_with("interlog: bad line interactions-2025-06-14.jsonl:2: "), "{stderr}");
    assert!(lines[1].starts_with("interlog: bad line interactions-2025-06-14.jsonl:5: "), "{stderr}");
    assert_eq!(run.ids().len(), 5);
}

#[test]
fn no_bad_lines_means_nothing_on_stderr() {
    let logs = Logs::clean();
    for args in [&["list"][..], &["list", "--json"], &["show", "a1"], &["sessions"], &["conversation", "sess-beta"]] {
        assert_eq!(logs.run(args).ok().stderr(), "", "{args:?}");
    }
}

// ---- show ---------------------------------------------------------------------------------------

#[test]
fn show_json_is_the_stored_object() {
    let logs = Logs::standard();
    assert_eq!(logs.run(&["show", "a2", "--json"]).ok().stdout(), format!("{A2}\n"));
}

#[test]
fn show_prints_every_field_readably() {
    let logs = Logs::clean();
    let out = logs.run(&["show", "a1"]).ok().stdout();
    for expected in [
        "id         a1",
        "session    sess-alpha-0001",
        "project    web",
        "model      claude-sonnet",
        "tokens     in 1200 · out 340",
        "duration   2.3s (2300 ms)",
        "interactions-2025-06-14.jsonl:1",
        "▶ Prompt",
        "Fix the login bug\n  second line",
        "◀ Response",
        "Patched auth.rs",
        "── Tool calls (1)",
        "1. ✓ read_file (id t1)",
        "\"path\": \"auth.rs\"",
        "fn login() {}",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
    let unknown = logs.run(&["show", "a2"]).ok().stdout();
    assert!(unknown.contains("── Other fields") && unknown.contains("x_custom:"), "{unknown}");
}

#[test]
fn show_of_an_unknown_id_is_exit_1_with_one_line() {
    let logs = Logs::clean();
    for args in [&["show", "nope"][..], &["show", "nope", "--json"]] {
        let run = logs.run(args);
        assert_eq!(run.code(), 1);
        assert_eq!(run.stdout(), "");
        assert_eq!(run.stderr().lines().count(), 1, "{}", run.stderr());
        assert!(run.stderr().contains("nope"), "{}", run.stderr());
    }
}

#[test]
fn a_missing_id_is_quoted_with_its_control_characters_escaped_once() {
    let logs = Logs::clean();
    for (args, expected) in
        [(["show", "h1\x1b"], "no record with id \"h1\\x1b\""), (["conversation", "h1\x1b"], "no session \"h1\\x1b\"")]
    {
        let run = logs.run(&args);
        assert_eq!(run.code(), 1);
        assert!(run.stderr().contains(expected), "{args:?}: {}", run.stderr());
        assert!(!run.stderr().contains("\\\\x1b"), "escaped twice: {}", run.stderr());
    }
}

#[test]
fn show_and_conversation_take_a_unique_prefix() {
    let logs = Logs::empty();
    let line = |id: &str, session: &str, prompt: &str| {
        format!(r#"{{"id":"{id}","timestamp":"2025-06-15T10:00:00Z","session_id":"{session}","prompt":"{prompt}"}}"#)
    };
    let lines = [
        line("abcd-0001", "sess-one-1", "first"),
        line("abcd-0002", "sess-one-2", "second"),
        line("abce-0003", "sess-two-1", "third"),
    ];
    logs.write(DAY_21, &lines.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(logs.run(&["show", "abce", "--json"]).ok().stdout(), format!("{}\n", lines[2]));
    assert!(logs.run(&["show", "abcd-0002"]).ok().stdout().contains("second"));
    assert_eq!(logs.run(&["conversation", "sess-two", "--json"]).ok().ids(), ["abce-0003"]);
    let markdown = logs.run(&["conversation", "sess-two", "--markdown"]).ok().stdout();
    assert!(markdown.starts_with("# Session `sess-two-1`"), "{markdown}");
    for args in [&["show", "abcd"][..], &["conversation", "sess-one"]] {
        let run = logs.run(args);
        assert_eq!(run.code(), 2, "{args:?} is ambiguous");
        assert!(run.stderr().contains("matches 2 ids"), "{}", run.stderr());
    }
    let listed = logs.run(&["show", "abcd"]).stderr();
    assert!(listed.contains(r#""abcd-0001", "abcd-0002""#), "the candidates are named: {listed}");
    for args in [&["show", "abc"][..], &["conversation", "ses"], &["show", "zzzz"]] {
        assert_eq!(logs.run(args).code(), 1, "{args:?}: too short a prefix, or no match");
    }
    let short = logs.run(&["show", "abc"]).stderr();
    assert!(short.contains("too short: give at least 4 characters"), "{short}");
}

// ---- sessions -----------------------------------------------------------------------------------

#[test]
fn sessions_json_has_exactly_the_contract_keys() {
    let logs = Logs::clean();
    let run = logs.run(&["sessions", "--json"]).ok();
    let rows: Vec<serde_json::Map<String, serde_json::Value>> =
        run.lines().iter().map(|line| serde_json::from_str(line).unwrap()).collect();
    let keys = ["session_id", "project", "client", "turns", "first", "last", "input_tokens", "output_tokens", "name"];
    for row in &rows {
        assert_eq!(row.keys().map(String::as_str).collect::<Vec<_>>(), keys);
    }
    let alpha = rows.iter().find(|r| r["session_id"] == "sess-alpha-0001").expect("alpha");
    assert_eq!(alpha["turns"], 3);
    assert_eq!(alpha["project"], "web");
    assert_eq!(alpha["client"], "claude-code");
    assert_eq!(alpha["input_tokens"], 1200 + 1500 + 10);
    assert_eq!(alpha["output_tokens"], 340 + 200);
    let first = alpha["first"].as_str().unwrap();
    let last = alpha["last"].as_str().unwrap();
    assert!(first.starts_with("2025-06-14T09:00:00"), "{first}");
    assert!(last.starts_with("2025-06-15T08:00:00"), "{last}");
    let ids: Vec<&str> = rows.iter().map(|r| r["session_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2, "records without a session make no session: {ids:?}");
}

#[test]
fn sessions_json_times_are_utc_with_milliseconds_whatever_the_stored_offset() {
    let logs = Logs::empty();
    logs.write(
        DAY_21,
        &[
            r#"{"id":"o1","timestamp":"2025-06-15T12:00:00+02:00","session_id":"sess-offset","prompt":"one"}"#,
            r#"{"id":"o2","timestamp":"2025-06-15T12:30:00.250+02:00","session_id":"sess-offset","prompt":"two"}"#,
        ],
    );
    let run = logs.run(&["sessions", "--json"]).ok();
    let row: serde_json::Value = serde_json::from_str(&run.lines()[0]).unwrap();
    assert_eq!(row["first"], "2025-06-15T10:00:00.000Z");
    assert_eq!(row["last"], "2025-06-15T10:30:00.250Z");
}

#[test]
fn sessions_table_has_one_row_a_session() {
    let logs = Logs::clean();
    let run = logs.run(&["sessions"]).ok();
    let lines = run.lines();
    assert_eq!(lines.len(), 3, "{}", run.stdout());
    for column in ["SESSION", "PROJECT", "CLIENT", "TURNS", "FIRST", "LAST", "IN", "OUT"] {
        assert!(lines[0].contains(column), "{}", lines[0]);
    }
    let alpha = lines.iter().find(|l| l.contains("sess-alpha-0001")).expect("alpha row");
    for cell in ["web", "claude-code", " 3 ", "2025-06-14 09:00", "2025-06-15 08:00", "2710", "540"] {
        assert!(alpha.contains(cell), "{cell} not in {alpha}");
    }
}

#[test]
fn sessions_are_named_by_their_first_prompt() {
    let logs = Logs::clean();
    let run = logs.run(&["sessions", "--json"]).ok();
    let rows: Vec<serde_json::Value> = run.lines().iter().map(|line| serde_json::from_str(line).unwrap()).collect();
    let alpha = rows.iter().find(|r| r["session_id"] == "sess-alpha-0001").expect("alpha");
    assert_eq!(alpha["name"], "Fix the login bug");
    let table = logs.run(&["sessions"]).ok();
    assert!(table.lines()[0].contains("NAME"), "{}", table.stdout());
    let row = table.lines().iter().find(|l| l.contains("sess-alpha-0001")).cloned().expect("alpha row");
    assert!(row.contains("Fix the login bug"), "{row}");
}

#[test]
fn sessions_filter_by_project_client_since_and_limit() {
    let logs = Logs::clean();
    let ids = |args: &[&str]| -> Vec<String> {
        let run = logs.run(&[&["sessions", "--json"], args].concat()).ok();
        run.lines()
            .iter()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["session_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    };
    let all = ids(&[]);
    assert!(all.len() >= 2, "{all:?}");
    assert_eq!(ids(&["--project", "api"]), ["sess-beta"]);
    assert_eq!(ids(&["--client", "openclaw"]), ["sess-beta"]);
    assert_eq!(ids(&["--project", "web", "--client", "openclaw"]), Vec::<String>::new());
    assert_eq!(ids(&["--limit", "1"]), all[..1]);
    // Active at or after the 15th: alpha (its last turn is then), not beta (the 14th only).
    let since = ids(&["--since", "2025-06-15"]);
    assert!(since.contains(&"sess-alpha-0001".to_owned()) && !since.contains(&"sess-beta".to_owned()), "{since:?}");
    let bad = logs.run(&["sessions", "--since", "whenever"]);
    assert_eq!(bad.code(), 2);
    assert!(bad.stderr().contains("--since"), "{}", bad.stderr());
}

#[test]
fn a_transcript_title_names_its_session() {
    let logs = Logs::empty();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claude-code");
    let source = format!("claude-code:{}", fixture.display());
    let run = logs.run(&["sessions", "--json", "--source", &source]).ok();
    let rows: Vec<serde_json::Value> = run.lines().iter().map(|line| serde_json::from_str(line).unwrap()).collect();
    let titled = rows.iter().find(|r| r["session_id"] == "s1").expect("s1");
    assert_eq!(titled["name"], "Shop cart work");
}

// ---- conversation -------------------------------------------------------------------------------

#[test]
fn conversation_json_is_the_stored_lines_oldest_first() {
    let logs = Logs::standard();
    let run = logs.run(&["conversation", "sess-alpha-0001", "--json"]).ok();
    assert_eq!(run.stdout(), [A1, A2, A3].map(|line| format!("{line}\n")).concat());
}

#[test]
fn conversation_is_a_transcript_turn_by_turn() {
    let logs = Logs::clean();
    let out = logs.run(&["conversation", "sess-alpha-0001"]).ok().stdout();
    assert!(out.starts_with("Session sess-alpha-0001 · web · claude-code · 3 turns"), "{out}");
    let positions: Vec<usize> = ["Turn 1", "Turn 2", "Turn 3"].iter().map(|t| out.find(t).expect(t)).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]));
    let order: Vec<usize> =
        ["Fix the login bug", "Now add a test", "Deploy it"].iter().map(|t| out.find(t).unwrap()).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{out}");
    for expected in [
        "user\n  Fix the login bug\n  second line",
        "assistant\n  Patched auth.rs",
        "1. ✓ read_file (id t1) {\"path\":\"auth.rs\"}\n     arguments:",
        "✗ error\n    rate limited",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
}

#[test]
fn conversation_markdown_is_a_readable_transcript() {
    let logs = Logs::clean();
    let out = logs.run(&["conversation", "sess-alpha-0001", "--markdown"]).ok().stdout();
    for expected in [
        "# Session `sess-alpha-0001`\n",
        "web · claude-code · 3 turns · ",
        " · 2710 in / 540 out\n",
        "## Turn 1 · 2025-06-14 09:00:00 +00:00\n",
        "claude-sonnet · 1200 in / 340 out · 2.3s · id `a1`",
        "**▶ user**\n\n> Fix the login bug\n> second line\n",
        "**◀ assistant**\n\n> Patched auth.rs\n",
        "**1. ✓ read\\_file (id t1) {\"path\":\"auth.rs\"}**\n",
        "```json\n{\n  \"path\": \"auth.rs\"\n}\n```\n",
        "## Turn 3 · 2025-06-15 08:00:00 +00:00\n",
        "**✗ error**\n\n```\nrate limited\n```\n",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
}

#[test]
fn markdown_fences_are_not_broken_by_backticks_in_records() {
    let logs = Logs::empty();
    let line = r#"{"id":"f1","timestamp":"2025-06-15T10:00:00Z","session_id":"s","prompt":"p","tool_calls":[{"name":"cat","arguments":{"q":"```"},"result":"```\nrm -rf /\n````"}]}"#;
    logs.write(DAY_21, &[line]);
    let out = logs.run(&["conversation", "s", "--markdown"]).ok().stdout();
    assert!(out.contains("`````\n```\nrm -rf /\n````\n`````\n"), "{out}");
    assert!(out.contains("````json\n{\n  \"q\": \"```\"\n}\n````\n"), "{out}");
}

#[test]
fn conversation_of_an_unknown_session_is_exit_1() {
    let logs = Logs::clean();
    for args in
        [&["conversation", "nope"][..], &["conversation", "nope", "--json"], &["conversation", "nope", "--markdown"]]
    {
        let run = logs.run(args);
        assert_eq!(run.code(), 1, "{args:?}");
        assert_eq!(run.stdout(), "");
        assert_eq!(run.stderr().lines().count(), 1);
        assert!(run.stderr().contains("nope"));
    }
}

// ---- hostile text and colour --------------------------------------------------------------------

#[test]
fn control_characters_never_reach_human_output() {
    let logs = Logs::hostile();
    for args in [
        &["list"][..],
        &["show", "evil"],
        &["sessions"],
        &["conversation", "sess-evil"],
        &["conversation", "sess-evil", "--markdown"],
    ] {
        let run = logs.run(args).ok();
        let out = run.stdout();
        assert_no_raw_controls(&format!("{args:?}"), &out);
        assert_no_raw_controls(&format!("{args:?} stderr"), &run.stderr());
        assert!(out.contains("\\x1b"), "{args:?} shows no visible escape:\n{out}");
    }
    let show = logs.run(&["show", "evil"]).ok().stdout();
    for visible in
        ["ring\\x07", "\\x1b]0;pwned", "\\x9b2J", "del\\x7f", "rtl\\u{202e}evil", "err\\x1b[0m", "out\\x07\\x7f"]
    {
        assert!(show.contains(visible), "missing {visible:?} in\n{show}");
    }
}

#[test]
fn json_output_keeps_control_characters_as_stored() {
    let logs = Logs::hostile();
    let stored = format!("{}\n", hostile_line());
    assert_eq!(logs.run(&["list", "--json"]).ok().stdout(), stored);
    assert_eq!(logs.run(&["show", "evil", "--json"]).ok().stdout(), stored);
    assert_eq!(logs.run(&["conversation", "sess-evil", "--json"]).ok().stdout(), stored);
    assert!(stored.contains("\\u001b") && stored.contains('\u{9b}') && stored.contains('\u{202e}'));
}

#[test]
fn piped_output_has_no_ansi_escapes_with_or_without_no_color() {
    let logs = Logs::clean();
    for env in [&[][..], &[("NO_COLOR", "1")][..]] {
        for args in [&["list"][..], &["show", "a1"], &["sessions"], &["conversation", "sess-alpha-0001"]] {
            let out = logs.run_with(args, env).ok().stdout();
            assert!(!out.contains('\x1b'), "{args:?} {env:?}:\n{out}");
        }
    }
}

// ---- pipes ----------------------------------------------------------------------------------------

#[test]
fn a_reader_that_stops_early_ends_the_output_quietly() {
    let logs = Logs::empty();
    let lines: Vec<String> = (0..3000)
        .map(|n| format!(r#"{{"id":"r{n}","timestamp":"2025-06-15T10:00:00Z","prompt":"{}"}}"#, "x".repeat(200)))
        .collect();
    logs.write(DAY_21, &lines.iter().map(String::as_str).collect::<Vec<_>>());
    for args in [&["list", "--json", "--limit", "3000"][..], &["list", "--limit", "3000"]] {
        let mut child = Command::new(BIN)
            .arg("--dir")
            .arg(logs.path())
            .args(args)
            .env("HOME", logs.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        assert!(!first.is_empty());
        // The reader is dropped here, like `| head -1`.
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "{args:?} still running 20 s after its reader left");
            std::thread::sleep(Duration::from_millis(10));
        };
        let mut stderr = String::new();
        child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
        assert!(status.success(), "{args:?}: {status} {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

#[cfg(unix)]
#[test]
fn an_unreadable_daily_file_is_reported_and_hides_nothing_else() {
    let logs = Logs::clean();
    // A symlink loop under a daily name: `stat` fails with ELOOP.
    let looped = logs.path().join("interactions-2025-06-16.jsonl");
    std::os::unix::fs::symlink(&looped, &looped).unwrap();
    let run = logs.run(&["--verbose", "list", "--json"]).ok();
    assert_eq!(run.ids().len(), 5);
    let stderr = run.stderr();
    assert!(stderr.contains("bad line interactions-2025-06-16.jsonl: cannot read the file:"), "{stderr}");
}
