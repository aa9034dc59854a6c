//! History derivation: which request messages of a record re-send its session's previous turn.
#![cfg(feature = "store")]

use crate::store_common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use interlog::source::{Source, SourceKind};
use interlog::store::{EntryId, Query, Store, StoreEvent, Turn, TurnKind};
use store_common::{append, bare, write_file};

const DAY: &str = "2026-12-01";

fn user(text: &str) -> String {
    format!(r#"{{"role":"user","content":"{text}"}}"#)
}

fn reply(text: &str, calls: &[(&str, &str)]) -> String {
    let mut blocks = vec![format!(r#"{{"type":"text","text":"{text}"}}"#)];
    for (id, name) in calls {
        blocks.push(format!(r#"{{"type":"tool_use","id":"{id}","name":"{name}","input":{{}}}}"#));
    }
    format!(r#"{{"role":"assistant","content":[{}]}}"#, blocks.join(","))
}

fn results(outcomes: &[(&str, bool)]) -> String {
    let blocks: Vec<String> = outcomes
        .iter()
        .map(|(id, failed)| {
            format!(r#"{{"type":"tool_result","tool_use_id":"{id}","content":"output","is_error":{failed}}}"#)
        })
        .collect();
    format!(r#"{{"role":"user","content":[{}]}}"#, blocks.join(","))
}

/// A record of session `s` at second `second` of the day, with these messages and response.
fn turn(id: &str, second: u32, messages: &[String], response: &str) -> String {
    bare(
        id,
        &format!("{DAY}T10:00:{second:02}Z"),
        &format!(r#""session_id":"s","messages":[{}],"response":"{response}""#, messages.join(",")),
    )
}

/// An agent's tool loop: a prompt, a turn handing back tool results, and a second prompt; each
/// request re-sends the whole conversation so far.
fn tool_loop() -> Vec<String> {
    let u1 = user("fix the failing test");
    let a1 = reply("Running the tests.", &[("t1", "Bash"), ("t2", "Edit")]);
    let r1 = results(&[("t1", true), ("t2", false)]);
    let a2 = reply("The test fails because the fixture is stale.", &[]);
    let u2 = user("update the fixture then");
    vec![
        turn("t1", 1, std::slice::from_ref(&u1), "Running the tests."),
        turn("t2", 2, &[u1.clone(), a1.clone(), r1.clone()], "The test fails because the fixture is stale."),
        turn("t3", 3, &[u1, a1, r1, a2, u2], "Done."),
    ]
}

fn turn_of(store: &Store, id: &str) -> Turn {
    let entry = store.find_id(id).unwrap_or_else(|| panic!("{id} is not indexed"));
    store.turn(entry).unwrap_or_else(|| panic!("{id} has no turn"))
}

fn id_of(store: &Store, entry: Option<EntryId>) -> Option<String> {
    entry.and_then(|e| store.summary(e)).map(|s| s.id)
}

#[test]
fn identical_prefixes_are_history_and_the_rest_is_new() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), DAY, &tool_loop());
    let store = Store::load(dir.path()).unwrap();
    let first = turn_of(&store, "t1");
    assert_eq!((first.previous, first.history, first.new, first.kind), (None, 0, 1, TurnKind::First));
    assert!(!first.earlier_turns_missing());
    let second = turn_of(&store, "t2");
    assert_eq!(id_of(&store, second.previous).as_deref(), Some("t1"));
    // The prompt and the re-sent response are history; the tool results are new.
    assert_eq!((second.history, second.new, second.kind, second.edited), (2, 1, TurnKind::ToolResults, false));
    let third = turn_of(&store, "t3");
    assert_eq!(id_of(&store, third.previous).as_deref(), Some("t2"));
    assert_eq!((third.history, third.new, third.kind), (4, 1, TurnKind::Prompt));
}

#[test]
fn a_tool_loop_turn_says_what_it_is_instead_of_repeating_a_row() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), DAY, &tool_loop());
    let store = Store::load(dir.path()).unwrap();
    let headline = |id: &str| store.summary(store.find_id(id).unwrap()).unwrap().first_line;
    assert_eq!(headline("t2"), "↩ Bash ✗, Edit ✓ → \"The test fails because the fixture is stale.\"");
    assert_eq!(headline("t1"), "fix the failing test");
    assert_eq!(headline("t3"), "update the fixture then");
    let mut all: Vec<String> = ["t1", "t2", "t3"].iter().map(|id| headline(id)).collect();
    all.dedup();
    assert_eq!(all.len(), 3, "no two rows read the same: {all:?}");
    // Fuzzy search ranks the tool-loop turn on its own text.
    let hits = store.fuzzy("fixture stale", None, 10);
    assert_eq!(id_of(&store, hits.first().map(|h| h.entry)).as_deref(), Some("t2"));
}

#[test]
fn edited_history_shares_only_a_shorter_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let (u0, a0) = (user("context"), reply("noted", &[]));
    let lines = vec![
        turn("e1", 1, &[u0.clone(), a0.clone(), user("first question")], "an answer"),
        turn("e2", 2, &[u0, a0, user("first question, reworded"), reply("an answer", &[]), user("more")], "ok"),
    ];
    write_file(dir.path(), DAY, &lines);
    let store = Store::load(dir.path()).unwrap();
    let edited = turn_of(&store, "e2");
    assert_eq!((edited.history, edited.new, edited.kind, edited.edited), (2, 3, TurnKind::Prompt, true));
}

#[test]
fn compaction_that_rewrites_history_is_marked() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = tool_loop();
    let summary = user("Summary of the conversation so far: the fixture was updated.");
    lines.push(turn("c4", 4, &[summary, reply("Understood.", &[]), user("now run it")], "Running."));
    write_file(dir.path(), DAY, &lines);
    let store = Store::load(dir.path()).unwrap();
    let compacted = turn_of(&store, "c4");
    assert_eq!(id_of(&store, compacted.previous).as_deref(), Some("t3"));
    assert_eq!((compacted.history, compacted.new, compacted.kind), (0, 3, TurnKind::Compacted));
}

#[test]
fn a_session_whose_first_turns_are_missing_counts_what_precedes_the_last_reply() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), DAY, &tool_loop()[2..]);
    let store = Store::load(dir.path()).unwrap();
    let orphan = turn_of(&store, "t3");
    assert_eq!((orphan.previous, orphan.history, orphan.new, orphan.kind), (None, 4, 1, TurnKind::Prompt));
    assert!(orphan.earlier_turns_missing());
}

#[test]
fn records_without_a_session_or_messages_are_turns_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let lines = vec![
        bare("lone", &format!("{DAY}T10:00:00Z"), r#""prompt":"hello""#),
        bare("bare", &format!("{DAY}T10:00:01Z"), r#""session_id":"s","prompt":"hello""#),
        bare("next", &format!("{DAY}T10:00:02Z"), r#""session_id":"s","prompt":"again""#),
    ];
    write_file(dir.path(), DAY, &lines);
    let store = Store::load(dir.path()).unwrap();
    assert_eq!(turn_of(&store, "lone").kind, TurnKind::First);
    let next = turn_of(&store, "next");
    assert_eq!(id_of(&store, next.previous).as_deref(), Some("bare"));
    assert_eq!((next.history, next.new, next.kind), (0, 0, TurnKind::Prompt));
}

fn follow(dir: &std::path::Path) -> (Store, mpsc::Receiver<StoreEvent>) {
    let (sender, events) = mpsc::channel();
    let sender = std::sync::Mutex::new(sender);
    let store = Store::follow(dir, move |event| {
        let _ = sender.lock().unwrap().send(event);
    })
    .unwrap();
    (store, events)
}

/// Waits on the store's notifications until `want` holds; panics after a bounded wait.
fn wait_for(store: &Store, events: &mpsc::Receiver<StoreEvent>, want: impl Fn(&Store) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !want(store) {
        let left = deadline.saturating_duration_since(Instant::now());
        if events.recv_timeout(left).is_err() {
            panic!("the store did not get there in time");
        }
    }
}

#[test]
fn out_of_order_arrival_is_derived_again_while_following() {
    let dir = tempfile::tempdir().unwrap();
    let lines = tool_loop();
    // The last turn arrives first, in the next day's file; the earlier ones come later.
    write_file(dir.path(), "2026-12-02", &[lines[2].clone()]);
    let (store, events) = follow(dir.path());
    wait_for(&store, &events, |s| s.find_id("t3").is_some() && !s.is_loading());
    assert!(turn_of(&store, "t3").earlier_turns_missing());
    append(dir.path(), DAY, format!("{}\n", lines[1]).as_bytes());
    wait_for(&store, &events, |s| s.find_id("t2").is_some());
    let t3 = turn_of(&store, "t3");
    assert_eq!(id_of(&store, t3.previous).as_deref(), Some("t2"));
    assert!(turn_of(&store, "t2").earlier_turns_missing());
    append(dir.path(), DAY, format!("{}\n", lines[0]).as_bytes());
    wait_for(&store, &events, |s| s.find_id("t1").is_some());
    let t2 = turn_of(&store, "t2");
    assert_eq!(id_of(&store, t2.previous).as_deref(), Some("t1"));
    assert_eq!((t2.history, t2.kind), (2, TurnKind::ToolResults));
    assert_eq!(turn_of(&store, "t3").history, 4);
}

#[test]
fn removing_a_turn_derives_its_successor_again() {
    let dir = tempfile::tempdir().unwrap();
    let lines = tool_loop();
    write_file(dir.path(), "2026-11-30", &lines[..1]);
    write_file(dir.path(), DAY, &lines[1..]);
    let (store, events) = follow(dir.path());
    wait_for(&store, &events, |s| s.len() == 3 && !s.is_loading());
    assert_eq!(id_of(&store, turn_of(&store, "t2").previous).as_deref(), Some("t1"));
    std::fs::remove_file(dir.path().join("interactions-2026-11-30.jsonl")).unwrap();
    wait_for(&store, &events, |s| s.find_id("t1").is_none());
    assert!(turn_of(&store, "t2").earlier_turns_missing());
}

fn fixture(kind: SourceKind, dir: &str) -> Source {
    Source { kind, root: std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(dir) }
}

/// For transcripts the chain gives the counts: they must agree with the messages the record is
/// rebuilt with, so that "skip the history" skips exactly the re-sent messages.
#[test]
fn transcript_turns_count_the_messages_their_records_are_rebuilt_with() {
    for source in [fixture(SourceKind::ClaudeCode, "claude-code"), fixture(SourceKind::Codex, "codex")] {
        let store = Store::load_sources(std::slice::from_ref(&source)).unwrap();
        let entries = store.query(&Query::default()).entries;
        assert!(!entries.is_empty());
        let mut kinds = Vec::new();
        for entry in entries {
            let record = store.read_record(entry).unwrap();
            let turn = store.turn(entry).unwrap();
            assert_eq!(
                (turn.history + turn.new) as usize,
                record.messages.len(),
                "{:?} {}: {turn:?}",
                source.kind,
                record.id
            );
            kinds.push(turn.kind);
            if turn.kind == TurnKind::ToolResults {
                let summary = store.summary(entry).unwrap();
                assert!(summary.first_line.starts_with('↩'), "{}", summary.first_line);
            }
        }
        assert!(kinds.contains(&TurnKind::ToolResults), "{:?}: {kinds:?}", source.kind);
        // Both fixtures compact their history once.
        assert!(kinds.contains(&TurnKind::Compacted), "{:?}: {kinds:?}", source.kind);
        assert!(kinds.iter().any(|k| matches!(k, TurnKind::First | TurnKind::Prompt)), "{kinds:?}");
    }
}
