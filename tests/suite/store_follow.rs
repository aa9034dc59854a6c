//! Following a real directory: every change is asserted after a listener notification, within a
//! bounded wait.
#![cfg(feature = "store")]

use crate::store_common;

use std::path::Path;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use interlog::store::{Query, Store, StoreEvent};
use store_common::{append, line, query_ids, write_file};

const WAIT: Duration = Duration::from_secs(10);

struct Followed {
    store: Store,
    events: Receiver<StoreEvent>,
}

fn follow(dir: &Path) -> Followed {
    let (sender, events) = mpsc::channel();
    let sender = std::sync::Mutex::new(sender);
    let store = Store::follow(dir, move |event| {
        let _ = sender.lock().unwrap().send(event);
    })
    .unwrap();
    let followed = Followed { store, events };
    followed.wait_for(|e| matches!(e, StoreEvent::Loaded { .. }));
    followed
}

impl Followed {
    /// Waits for an event matching `want`; panics after the bounded wait.
    fn wait_for(&self, want: impl Fn(&StoreEvent) -> bool) -> StoreEvent {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(event) if want(&event) => return event,
                Ok(_) => continue,
                Err(_) => panic!("no matching store event within {WAIT:?}"),
            }
        }
    }

    /// Waits on notifications until the index shows `expected` (newest first).
    fn wait_until_ids(&self, expected: &[&str]) {
        let deadline = Instant::now() + WAIT;
        loop {
            let now = query_ids(&self.store, &Query::default());
            if now == expected {
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if self.events.recv_timeout(left).is_err() {
                panic!("index is {now:?}, expected {expected:?}");
            }
        }
    }
}

const DAY: &str = "2026-11-21";

#[test]
fn loads_then_reports_appends() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "2026-11-20", &[line("old", "2026-11-20T01:00:00Z", "")]);
    write_file(dir.path(), DAY, &[line("a", "2026-11-21T01:00:00Z", "")]);
    let (sender, events) = mpsc::channel();
    let sender = std::sync::Mutex::new(sender);
    let store = Store::follow(dir.path(), move |e| {
        let _ = sender.lock().unwrap().send(e);
    })
    .unwrap();
    let followed = Followed { store, events };
    let progress = followed.wait_for(|e| matches!(e, StoreEvent::Progress(_)));
    let StoreEvent::Progress(progress) = progress else { unreachable!() };
    assert_eq!((progress.files_done, progress.files_total), (1, 2));
    let loaded = followed.wait_for(|e| matches!(e, StoreEvent::Loaded { .. }));
    assert_eq!(loaded, StoreEvent::Loaded { records: 2, bad_lines: 0 });
    assert!(!followed.store.is_loading());

    append(
        dir.path(),
        DAY,
        format!("{}\n", line("b", "2026-11-21T02:00:00Z", r#""project":"p","error":"e","tags":["t"]"#)).as_bytes(),
    );
    let event = followed.wait_for(|e| matches!(e, StoreEvent::Appended { .. }));
    let StoreEvent::Appended { entries } = event else { unreachable!() };
    assert_eq!(store_common::ids(&followed.store, &entries), ["b"]);
    assert_eq!(query_ids(&followed.store, &Query::default()), ["b", "a", "old"]);
    // Appended records reach every filter's lists.
    for query in [
        Query { project: Some("p".into()), ..Query::default() },
        Query { has_error: Some(true), ..Query::default() },
        Query { tags: vec!["t".into()], ..Query::default() },
    ] {
        assert_eq!(query_ids(&followed.store, &query), ["b"]);
    }
}

#[test]
fn partial_line_waits_for_its_newline_and_is_reported_if_it_stays_unfinished() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), DAY, &[line("a", "2026-11-21T01:00:00Z", "")]);
    let followed = follow(dir.path());
    let whole = line("b", "2026-11-21T02:00:00Z", "");
    let (head, tail) = whole.split_at(20);
    append(dir.path(), DAY, head.as_bytes());
    // A later complete line proves the partial one was looked at and left waiting.
    append(dir.path(), "2026-11-22", format!("{}\n", line("marker", "2026-11-22T01:00:00Z", "")).as_bytes());
    followed.wait_until_ids(&["marker", "a"]);
    assert!(followed.store.bad_lines().is_empty(), "a line being written is not reported at once");
    // Left unfinished for seconds, it is what a killed writer leaves: reported.
    let deadline = Instant::now() + Duration::from_secs(20);
    let bad = loop {
        let bad = followed.store.bad_lines();
        if !bad.is_empty() || Instant::now() > deadline {
            break bad;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(bad.len(), 1, "the unfinished line is reported in time");
    assert_eq!(bad[0].line, 2);
    assert!(bad[0].reason.contains("unfinished last line"), "{}", bad[0].reason);
    append(dir.path(), DAY, format!("{tail}\n").as_bytes());
    followed.wait_until_ids(&["marker", "b", "a"]);
    assert!(followed.store.bad_lines().is_empty());
    assert_eq!(followed.store.summary(followed.store.find_id("b").unwrap()).unwrap().line, 2);
}

#[test]
fn new_daily_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), DAY, &[line("a", "2026-11-21T01:00:00Z", "")]);
    let followed = follow(dir.path());
    write_file(dir.path(), "2026-11-22", &[line("next", "2026-11-22T00:00:01Z", "")]);
    std::fs::write(dir.path().join("notes.txt"), line("ignored", "2026-11-22T00:00:01Z", "")).unwrap();
    followed.wait_until_ids(&["next", "a"]);
}

#[test]
fn truncation_drops_and_rereads() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), DAY, &[line("a", "2026-11-21T01:00:00Z", ""), line("b", "2026-11-21T02:00:00Z", "")]);
    let followed = follow(dir.path());
    let file =
        std::fs::OpenOptions::new().write(true).open(dir.path().join(format!("interactions-{DAY}.jsonl"))).unwrap();
    file.set_len(0).unwrap();
    followed.wait_for(|e| matches!(e, StoreEvent::Reset));
    followed.wait_until_ids(&[]);
    append(dir.path(), DAY, format!("{}\n", line("c", "2026-11-21T03:00:00Z", "")).as_bytes());
    followed.wait_until_ids(&["c"]);
    assert_eq!(followed.store.summary(followed.store.find_id("c").unwrap()).unwrap().line, 1);
    assert!(followed.store.find_id("a").is_none());
}

#[test]
fn replacement_by_rename_rereads() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), DAY, &[line("a", "2026-11-21T01:00:00Z", ""), line("b", "2026-11-21T02:00:00Z", "")]);
    let followed = follow(dir.path());
    let old_entry = followed.store.find_id("a").unwrap();
    let staged = dir.path().join("staging.tmp");
    std::fs::write(&staged, format!("{}\n", line("x", "2026-11-21T05:00:00Z", ""))).unwrap();
    std::fs::rename(&staged, dir.path().join(format!("interactions-{DAY}.jsonl"))).unwrap();
    followed.wait_for(|e| matches!(e, StoreEvent::Reset));
    followed.wait_until_ids(&["x"]);
    assert!(followed.store.summary(old_entry).is_none());
}

#[test]
fn deletion_removes_records() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "2026-11-20", &[line("old", "2026-11-20T01:00:00Z", "")]);
    write_file(dir.path(), DAY, &[line("a", "2026-11-21T01:00:00Z", "")]);
    let followed = follow(dir.path());
    std::fs::remove_file(dir.path().join("interactions-2026-11-20.jsonl")).unwrap();
    followed.wait_for(|e| matches!(e, StoreEvent::Reset));
    followed.wait_until_ids(&["a"]);
}

#[test]
fn directory_created_later_is_picked_up() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("not").join("yet");
    let followed = follow(&dir);
    assert!(followed.store.is_empty());
    std::fs::create_dir_all(&dir).unwrap();
    write_file(&dir, DAY, &[line("born", "2026-11-21T01:00:00Z", "")]);
    followed.wait_until_ids(&["born"]);
    append(&dir, DAY, format!("{}\n", line("grown", "2026-11-21T02:00:00Z", "")).as_bytes());
    followed.wait_until_ids(&["grown", "born"]);
}

#[test]
fn missing_levels_created_one_after_another_are_followed_down() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("a").join("b").join("c");
    let followed = follow(&dir);
    // The pauses are the scenario (a slow `mkdir -p`), not a wait for the store: each level must
    // appear after the watcher has reacted to the one above it.
    for level in [root.path().join("a"), root.path().join("a").join("b"), dir.clone()] {
        std::thread::sleep(std::time::Duration::from_millis(30));
        std::fs::create_dir(&level).unwrap();
    }
    write_file(&dir, DAY, &[line("deep", "2026-11-21T01:00:00Z", "")]);
    followed.wait_until_ids(&["deep"]);
}

#[test]
fn bad_lines_appended_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), DAY, &[line("a", "2026-11-21T01:00:00Z", "")]);
    let followed = follow(dir.path());
    append(dir.path(), DAY, format!("garbage\n{}\n", line("b", "2026-11-21T02:00:00Z", "")).as_bytes());
    followed.wait_until_ids(&["b", "a"]);
    let bad = followed.store.bad_lines();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].line, 2);
}

#[test]
fn polling_fallback_is_announced_once_and_works() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), DAY, &[line("a", "2026-11-21T01:00:00Z", "")]);
    let (sender, events) = mpsc::channel();
    let sender = std::sync::Mutex::new(sender);
    let store = Store::follow_with(dir.path(), interlog::store::FollowOptions { force_polling: true }, move |e| {
        let _ = sender.lock().unwrap().send(e);
    })
    .unwrap();
    let followed = Followed { store, events };
    followed.wait_for(|e| matches!(e, StoreEvent::WatchFallback { .. }));
    followed.wait_for(|e| matches!(e, StoreEvent::Loaded { .. }));
    append(dir.path(), DAY, format!("{}\n", line("b", "2026-11-21T02:00:00Z", "")).as_bytes());
    followed.wait_until_ids(&["b", "a"]);
    let deadline = Instant::now() + Duration::from_millis(100);
    while let Ok(event) = followed.events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        assert!(!matches!(event, StoreEvent::WatchFallback { .. }), "fallback announced twice");
    }
}

#[test]
fn whole_record_without_newline_is_taken_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("interactions-{DAY}.jsonl"));
    std::fs::write(
        &path,
        format!("{}\n{}", line("a", "2026-11-21T01:00:00Z", ""), line("b", "2026-11-21T02:00:00Z", "")),
    )
    .unwrap();
    let followed = follow(dir.path());
    followed.wait_until_ids(&["b", "a"]);
    append(dir.path(), DAY, format!("\n{}\n", line("c", "2026-11-21T03:00:00Z", "")).as_bytes());
    followed.wait_until_ids(&["c", "b", "a"]);
    let store = &followed.store;
    assert_eq!(store.summary(store.find_id("c").unwrap()).unwrap().line, 3);
    assert!(store.bad_lines().is_empty());
    assert_eq!(Store::load(dir.path()).unwrap().len(), 3);
}

#[test]
fn a_record_in_a_replaced_file_is_gone_not_misread() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), DAY, &[line("a", "2026-11-21T01:00:00Z", "")]);
    let store = Store::load(dir.path()).unwrap();
    let entry = store.find_id("a").unwrap();
    write_file(dir.path(), DAY, &[line("z", "2026-11-21T01:00:00Z", "")]);
    assert!(matches!(store.read_raw(entry), Err(interlog::store::StoreError::Gone { .. })));
}

#[test]
fn an_older_file_arriving_later_merges_into_time_order() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        DAY,
        &[
            line("one", "2026-11-21T01:00:00Z", r#""project":"p""#),
            line("three", "2026-11-21T03:00:00Z", r#""project":"p""#),
        ],
    );
    let followed = follow(dir.path());
    write_file(dir.path(), "2026-11-20", &[line("two", "2026-11-21T02:00:00Z", r#""project":"p""#)]);
    followed.wait_until_ids(&["three", "two", "one"]);
    let by_project = query_ids(&followed.store, &Query { project: Some("p".into()), ..Query::default() });
    assert_eq!(by_project, ["three", "two", "one"]);
}

/// One round of a file rewritten whole (replaced by rename, as an editor or a rotation does).
fn rewrite(dir: &Path, round: usize, records: usize) {
    let text: String = (0..records)
        .map(|n| {
            format!("{}\n", line(&format!("r{round}-{n}"), "2026-11-21T01:00:00Z", &format!(r#""tags":["t{n}"]"#)))
        })
        .collect();
    let staged = dir.join("staging.tmp");
    std::fs::write(&staged, text).unwrap();
    std::fs::rename(&staged, dir.join(format!("interactions-{DAY}.jsonl"))).unwrap();
}

impl Followed {
    /// Waits on notifications until `id` is indexed and the store holds `records`.
    fn wait_until_indexed(&self, id: &str, records: usize) {
        let deadline = Instant::now() + WAIT;
        while self.store.find_id(id).is_none() || self.store.len() != records {
            let left = deadline.saturating_duration_since(Instant::now());
            if self.events.recv_timeout(left).is_err() {
                panic!("{id} not indexed with {records} records (have {})", self.store.len());
            }
        }
    }
}

#[test]
fn a_file_rewritten_forty_times_keeps_the_store_s_entry_slots_bounded() {
    const RECORDS: usize = 5_000;
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "2026-11-20", &[line("kept", "2026-11-20T01:00:00Z", r#""tags":["t7"]"#)]);
    rewrite(dir.path(), 0, RECORDS);
    let followed = follow(dir.path());
    let first_kept = followed.store.find_id("kept").unwrap();
    let first_gone = followed.store.find_id("r0-7").unwrap();
    let mut most = 0;
    for round in 1..40 {
        rewrite(dir.path(), round, RECORDS);
        followed.wait_until_indexed(&format!("r{round}-{}", RECORDS - 1), RECORDS + 1);
        most = most.max(followed.store.entry_slots());
    }
    // Without compaction 40 rounds hold 200 001 slots; it runs once removed entries pass
    // max(10 000, live), so at most 10 000 + one round's stay dead.
    assert!(most <= 10_000 + 3 * RECORDS, "{most} entry slots for {} records", followed.store.len());
    let kept = followed.store.find_id("kept").unwrap();
    assert_ne!(kept, first_kept, "compaction gave the surviving record a new id");
    // An id from before the compaction reads nothing, never another record.
    assert!(followed.store.summary(first_kept).is_none());
    assert!(followed.store.summary(first_gone).is_none());
    assert!(matches!(followed.store.read_raw(first_kept), Err(interlog::store::StoreError::Gone { .. })));
    assert_eq!(followed.store.summary(kept).unwrap().id, "kept");
    let tagged = Query { tags: vec!["t7".into()], ..Query::default() };
    assert_eq!(query_ids(&followed.store, &tagged), ["r39-7", "kept"]);
    assert_eq!(store_common::search(&followed.store, "prompt of r39-4999"), ["r39-4999"]);
}
