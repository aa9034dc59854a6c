//! A tool loop whose every request re-sends the conversation so far, through the real store:
//! the detail, the conversation view (at two sizes) and `show` / `conversation` (text and
//! Markdown) show what is new in each turn, with the history folded to one line.
#![cfg(all(feature = "tui", feature = "cli"))]

use crate::cli_support::isolated_command;
use crate::store_common::{bare, reply, results, user, write_file};
use crate::tui_support::{new_app, screen, utc};

use interlog::store::{Store, StoreEvent};
use interlog::tui::testing::{execute, update, Action, App, Effect};

const DAY: &str = "2026-11-19";

fn turn(id: &str, second: u32, messages: &[String], response: &str, calls: &str) -> String {
    bare(
        id,
        &format!("{DAY}T10:00:{second:02}Z"),
        &format!(
            r#""session_id":"loop-1","project":"shop","client":"claude-code","model":"claude-sonnet-4-5","usage":{{"input_tokens":{},"output_tokens":40}},"duration_ms":1500,"messages":[{}],"response":"{response}","tool_calls":[{calls}]"#,
            1000 * messages.len(),
            messages.join(",")
        ),
    )
}

/// Three turns: a prompt that starts two tool calls, the tool results handed back, a new prompt.
fn tool_loop() -> Vec<String> {
    let u1 = user("fix the failing test");
    let a1 = reply("Running the tests.", &[("t1", "Bash"), ("t2", "Read")]);
    let r1 = results(&[("t1", true, "1 failed: cart::totals"), ("t2", false, "fn total() {}")]);
    let a2 = reply("The test fails because the fixture is stale.", &[]);
    let u2 = user("update the fixture then");
    let calls = r#"{"name":"Bash","call_id":"t1","arguments":{"cmd":"cargo test"},"success":false,"result":"1 failed: cart::totals"},{"name":"Read","call_id":"t2","arguments":{"path":"src/cart.rs"},"success":true,"result":"fn total() {}"}"#;
    vec![
        turn("r1", 1, std::slice::from_ref(&u1), "Running the tests.", calls),
        turn("r2", 2, &[u1.clone(), a1.clone(), r1.clone()], "The test fails because the fixture is stale.", ""),
        turn("r3", 3, &[u1, a1, r1, a2, u2], "Done: the fixture is regenerated.", ""),
    ]
}

fn logs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), DAY, &tool_loop());
    dir
}

/// Performs every effect against the real store, as the runtime does.
fn drive(app: &mut App, store: &Store, effects: Vec<Effect>) {
    let mut queue = effects;
    while let Some(effect) = queue.pop() {
        if let Some(action) = execute(store, effect, utc()) {
            queue.extend(update(app, action));
        }
    }
}

fn loaded(store: &Store, width: u16, height: u16) -> App {
    let mut app = new_app(width, height);
    let effects = update(&mut app, Action::Store(StoreEvent::Loaded { records: store.len(), bad_lines: 0 }));
    drive(&mut app, store, effects);
    app
}

#[test]
fn the_detail_and_the_conversation_show_what_is_new_with_the_history_folded() {
    let dir = logs();
    let store = Store::load(dir.path()).unwrap();
    for (width, height) in [(120, 40), (80, 24)] {
        let mut app = loaded(&store, width, height);
        let detail = screen(&app);
        if height >= 40 {
            assert!(detail.contains("▸ 4 earlier messages (the history it re-sends)"), "{detail}");
            assert!(detail.contains("▾ new in this turn (1)"), "{detail}");
        }
        insta::assert_snapshot!(format!("history_detail_{width}x{height}"), detail);
        let effects = update(&mut app, Action::OpenConversation);
        drive(&mut app, &store, effects);
        let conversation = screen(&app);
        insta::assert_snapshot!(format!("history_conversation_{width}x{height}"), conversation);
    }
}

#[test]
fn the_conversation_lists_each_turn_s_new_tool_results_and_folds_the_history() {
    let dir = logs();
    let store = Store::load(dir.path()).unwrap();
    let mut app = loaded(&store, 120, 60);
    let effects = update(&mut app, Action::OpenConversation);
    drive(&mut app, &store, effects);
    let text = screen(&app);
    assert!(text.contains("▸ 2 earlier messages (the history this request re-sends)"), "{text}");
    assert!(text.contains("↩ tool_result ✗ (for t1)"), "{text}");
    assert!(!text.contains("[assistant] Running the tests."), "the history is folded: {text}");
}

fn run(dir: &std::path::Path, args: &[&str]) -> String {
    let out = isolated_command(dir, args).env("TZ", "UTC").env("COLUMNS", "100").output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().replace(&dir.display().to_string(), "<dir>")
}

#[test]
fn show_and_conversation_fold_the_history_unless_asked() {
    let dir = logs();
    let show = run(dir.path(), &["show", "r3"]);
    assert!(show.contains("▸ 4 earlier messages (the history it re-sends)\n▾ new in this turn (1)\n[user]"), "{show}");
    insta::assert_snapshot!("history_show_text", show);
    let conversation = run(dir.path(), &["conversation", "loop-1"]);
    insta::assert_snapshot!("history_conversation_text", conversation);
    let markdown = run(dir.path(), &["conversation", "loop-1", "--markdown"]);
    insta::assert_snapshot!("history_conversation_markdown", markdown);
    let whole = run(dir.path(), &["conversation", "loop-1", "--history"]);
    assert!(whole.contains("  [user] fix the failing test\n  [assistant] Running the tests."), "{whole}");
    let shown = run(dir.path(), &["show", "r3", "--history"]);
    assert!(shown.contains("  [assistant]\n    Running the tests.\n    ⚙ tool_use Bash (id t1)"), "{shown}");
}

/// A tool loop long enough that its later turns re-send more history than a transcript lists.
fn long_loop(turns: usize) -> Vec<String> {
    let mut sent = vec![user("start the migration")];
    let mut lines = Vec::new();
    for n in 0..turns {
        let call = format!("c{n}");
        lines.push(turn(&format!("r{n}"), (n % 60) as u32, &sent, &format!("step {n} done"), ""));
        sent.push(reply(&format!("step {n}: running"), &[(&call, "Bash")]));
        sent.push(results(&[(&call, n % 7 == 3, &format!("output {n}"))]));
    }
    lines
}

/// Differential: the transcript from records read without their oldest history (what the TUI and
/// `conversation` do) is the transcript from the records read whole, every fold open.
#[test]
fn a_transcript_read_without_the_oldest_history_is_the_one_read_whole() {
    use interlog::present::doc::Folds;
    use interlog::present::session::{transcript, Session, HISTORY_LISTED};
    use interlog::present::time::Clock;
    use interlog::tui::testing::FORM;

    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), DAY, &long_loop(40));
    let store = Store::load(dir.path()).unwrap();
    let entries = store.conversation("loop-1");
    assert_eq!(entries.len(), 40);
    let clock = Clock::fixed(utc(), chrono::DateTime::UNIX_EPOCH);

    let records: Vec<_> = entries.iter().map(|&entry| store.read_record(entry).unwrap()).collect();
    let history: Vec<usize> = entries.iter().map(|&entry| store.turn(entry).unwrap().history as usize).collect();
    let whole =
        transcript(&Session { id: "loop-1", records: &records, history: &history, left_out: &[] }, &clock, &FORM);

    let read = store.read_transcript(&entries, HISTORY_LISTED).unwrap();
    let last = read.records.len() - 1;
    assert_eq!(read.left_out[last], history[last] - HISTORY_LISTED, "the oldest history is left out");
    assert_eq!(read.records[last].messages.len(), HISTORY_LISTED + records[last].messages.len() - history[last]);
    assert_eq!(read.left_out[3], 0, "a short history is read whole");
    let session = Session { id: "loop-1", records: &read.records, history: &read.history, left_out: &read.left_out };
    let trimmed = transcript(&session, &clock, &FORM);

    let (whole, trimmed) = (whole.plain(&Folds::open()), trimmed.plain(&Folds::open()));
    assert!(whole.contains("▸ 78 earlier messages"), "{whole}");
    assert_eq!(trimmed, whole);
}

/// A tool loop as a proxy records it: the response's tool calls carry no result; the agent hands
/// the results back with its next request.
#[test]
fn show_gives_a_call_the_result_the_next_request_hands_back() {
    let u1 = user("fix the failing test");
    let a1 = reply("Running the tests.", &[("c1", "Bash")]);
    let r1 = results(&[("c1", true, "1 failed: cart::totals")]);
    let call = r#"{"name":"Bash","call_id":"c1","arguments":{"cmd":"cargo test"}}"#;
    let lines = [
        turn("p1", 1, std::slice::from_ref(&u1), "Running the tests.", call),
        turn("p2", 2, &[u1, a1, r1], "The test fails.", ""),
    ];
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), DAY, &lines);
    let shown = run(dir.path(), &["show", "p1"]);
    assert!(shown.contains("1. ✗ Bash (id c1)"), "the mark from the result handed back: {shown}");
    assert!(shown.contains("result (handed back with the next request):\n     1 failed: cart::totals"), "{shown}");
    let last = run(dir.path(), &["show", "p2"]);
    assert!(!last.contains("handed back"), "no next request: {last}");
    let conversation = run(dir.path(), &["conversation", "loop-1"]);
    assert!(conversation.contains("(its result is handed back in turn 2)"), "{conversation}");
    // The TUI's detail reads it the same way.
    let store = Store::load(dir.path()).unwrap();
    let entry = store.find_id("p1").unwrap();
    let Some(Action::Detail { data: Ok(data), .. }) = execute(&store, Effect::Detail { entry, width: 100 }, utc())
    else {
        panic!("the detail did not load")
    };
    let tools = data.tools.plain(&interlog::present::doc::Folds::open());
    assert!(tools.contains("1. ✗ Bash (id c1)") && tools.contains("1 failed: cart::totals"), "{tools}");
}
