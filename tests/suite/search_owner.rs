#![cfg(feature = "store")]
//! The store's search owner: two passes through a sink, the newest-wins searcher, and fuzzy
//! narrowing that gives what a fresh search gives (issue 9's bug: the TUI's own copy of the
//! narrowing rule reused `foo !x`'s matches for `foo !xy`).

use std::sync::mpsc::{channel, Sender};
use std::time::Duration;

use crate::store_common::{bare, ids, write_file};
use interlog::store::{FuzzyRequest, Query, SearchAnswer, SearchRequest, SearchSink, Searcher, Store, FIRST_PASS};

/// More than twice [`FIRST_PASS`]: a store large enough for a first pass.
const LARGE: usize = 2 * FIRST_PASS + 50;

/// `count` records `r0` (oldest) … one second apart; every seventh says "needle".
fn large_store(count: usize) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (0..count)
        .map(|i| {
            let at = format!("2026-11-21T{:02}:{:02}:{:02}Z", i / 3600, i / 60 % 60, i % 60);
            let word = if i % 7 == 0 { "needle" } else { "hay" };
            bare(&format!("r{i}"), &at, &format!(r#""prompt":"{word} number {i}","project":"p{}""#, i % 2))
        })
        .collect();
    write_file(dir.path(), "2026-11-21", &lines);
    let store = Store::load(dir.path()).unwrap();
    (dir, store)
}

#[derive(Default)]
struct Collect {
    partial: Vec<SearchAnswer>,
    complete: Vec<SearchAnswer>,
    wanted: bool,
}

impl SearchSink for Collect {
    fn partial(&mut self, answer: SearchAnswer) {
        self.partial.push(answer);
    }
    fn complete(&mut self, answer: SearchAnswer) {
        self.complete.push(answer);
    }
    fn wanted(&self) -> bool {
        self.wanted
    }
}

fn in_passes(store: &Store, request: &SearchRequest) -> Collect {
    let mut sink = Collect { wanted: true, ..Collect::default() };
    store.search_in_passes(request, &mut sink);
    sink
}

fn fuzzy(pattern: &str, query: Query) -> SearchRequest {
    SearchRequest { query, fuzzy: Some(FuzzyRequest { pattern: pattern.into(), limit: 100 }), snippets: false }
}

#[test]
fn a_large_keyword_search_answers_among_the_newest_first_then_everything() {
    let (_dir, store) = large_store(LARGE);
    let request = SearchRequest::keyword(Query { search: Some("needle".into()), ..Query::default() });
    let sink = in_passes(&store, &request);
    let [partial] = &sink.partial[..] else { panic!("one partial answer, got {}", sink.partial.len()) };
    let [complete] = &sink.complete[..] else { panic!("one complete answer") };
    assert!(!partial.complete && complete.complete);
    let newest_first = (0..LARGE).rev().filter(|i| i % 7 == 0);
    let expected: Vec<String> = newest_first.clone().map(|i| format!("r{i}")).collect();
    assert_eq!(ids(&store, &complete.entries), expected);
    assert_eq!(complete.total_matched, expected.len());
    let among_newest: Vec<String> =
        newest_first.filter(|&i| i >= LARGE - FIRST_PASS).map(|i| format!("r{i}")).collect();
    assert_eq!(ids(&store, &partial.entries), among_newest);
    assert_eq!(*complete, store.search(&request), "the synchronous answer is the complete one");
}

#[test]
fn a_sink_that_no_longer_wants_the_answer_skips_the_complete_pass() {
    let (_dir, store) = large_store(LARGE);
    let mut sink = Collect::default();
    store.search_in_passes(&fuzzy("needle", Query::default()), &mut sink);
    assert_eq!(sink.partial.len(), 1);
    assert!(sink.complete.is_empty());
}

#[test]
fn small_stores_and_plain_filters_answer_once() {
    let (_dir, store) = large_store(100);
    for request in [
        SearchRequest::keyword(Query { search: Some("needle".into()), ..Query::default() }),
        fuzzy("needle", Query::default()),
    ] {
        let sink = in_passes(&store, &request);
        assert!(sink.partial.is_empty(), "{request:?}");
        assert_eq!(sink.complete.len(), 1);
    }
    let (_dir, store) = large_store(LARGE);
    let sink = in_passes(&store, &SearchRequest::keyword(Query { project: Some("p1".into()), ..Query::default() }));
    assert!(sink.partial.is_empty(), "a filter without terms reads no files: no first pass");
    assert_eq!(sink.complete[0].total_matched, LARGE / 2);
}

#[test]
fn a_fuzzy_pattern_that_narrows_the_last_matches_answers_once_and_as_a_fresh_search_would() {
    let (_dir, store) = large_store(LARGE);
    // Not the best score a hit can have: the ranking looks at every record, and keeps its matches.
    let first = in_passes(&store, &fuzzy("nedl", Query::default()));
    assert_eq!(first.partial.len(), 1, "the first pattern has no matches to narrow");
    let narrowed = in_passes(&store, &fuzzy("nedl 77", Query::default()));
    assert!(narrowed.partial.is_empty(), "narrowing is quick already: no first pass");
    store.fuzzy("zzz", None, 1);
    let fresh = store.search(&fuzzy("nedl 77", Query::default()));
    assert_eq!(narrowed.complete, [fresh]);
}

#[test]
fn narrowing_is_per_filter_set() {
    let (_dir, store) = large_store(200);
    let p0 = Query { project: Some("p0".into()), ..Query::default() };
    let p1 = Query { project: Some("p1".into()), ..Query::default() };
    let in_p0 = store.search(&fuzzy("needle", p0.clone()));
    assert!(ids(&store, &in_p0.entries).iter().all(|id| id[1..].parse::<usize>().unwrap() % 2 == 0));
    // "needle 1" extends "needle", but under other filters: p0's matches must not be reused.
    let in_p1 = store.search(&fuzzy("needle 1", p1.clone()));
    store.fuzzy("zzz", None, 1);
    assert_eq!(in_p1, store.search(&fuzzy("needle 1", p1)));
    assert!(!in_p1.entries.is_empty());
}

struct Forward(Sender<SearchAnswer>);

impl SearchSink for Forward {
    fn partial(&mut self, _: SearchAnswer) {}
    fn complete(&mut self, answer: SearchAnswer) {
        let _ = self.0.send(answer);
    }
}

#[test]
fn the_searcher_answers_the_newest_question_in_the_background() {
    let (_dir, store) = large_store(300);
    let searcher = Searcher::new(store.clone());
    let (tx, rx) = channel();
    let questions = ["n", "ne", "nee", "needle 2"];
    for (generation, pattern) in questions.iter().enumerate() {
        searcher.submit(generation as u64 + 1, fuzzy(pattern, Query::default()), Forward(tx.clone()));
    }
    drop(tx);
    let answers: Vec<SearchAnswer> = std::iter::from_fn(|| rx.recv_timeout(Duration::from_secs(30)).ok()).collect();
    // The first one ran at once; of those submitted while it ran only the newest waited.
    assert!(!answers.is_empty() && answers.len() <= 2, "{} answers", answers.len());
    store.fuzzy("zzz", None, 1);
    assert_eq!(answers.last(), Some(&store.search(&fuzzy("needle 2", Query::default()))));
}

#[cfg(feature = "tui")]
mod through_the_tui {
    use super::*;
    use crate::tui_support::{new_app, utc};
    use interlog::store::StoreEvent;
    use interlog::tui::testing::{execute, update, Action, App};

    /// Applies `action` and answers every effect from `store`, as the runtime does.
    fn drive(app: &mut App, store: &Store, action: Action) {
        let mut pending = vec![action];
        while let Some(action) = pending.pop() {
            for effect in update(app, action) {
                pending.extend(execute(store, effect, utc()));
            }
        }
    }

    fn typed(store: &Store, keystrokes: &[&str]) -> Vec<String> {
        let mut app = new_app(120, 40);
        drive(&mut app, store, Action::Store(StoreEvent::Loaded { records: store.len(), bad_lines: 0 }));
        drive(&mut app, store, Action::OpenSearch);
        for text in keystrokes {
            for c in text.chars() {
                drive(&mut app, store, Action::SearchInput(c));
            }
        }
        ids(store, &app.results().entries)
    }

    #[test]
    fn typing_after_a_negation_gives_what_a_fresh_search_gives() {
        let dir = tempfile::tempdir().unwrap();
        let lines = [
            bare("xz", "2026-11-21T01:00:00Z", r#""prompt":"foo xz""#),
            bare("plain", "2026-11-21T02:00:00Z", r#""prompt":"foo plain""#),
        ];
        write_file(dir.path(), "2026-11-21", &lines);
        let store = Store::load(dir.path()).unwrap();
        assert_eq!(typed(&store, &["foo !x"]), ["plain"]);
        // `foo !x` answered, then `y`: `!xy` excludes less than `!x`, so its matches cannot be reused.
        let narrowed = typed(&store, &["foo !x", "y"]);
        store.fuzzy("zzz", None, 1);
        let fresh = ids(&store, &store.search(&fuzzy("foo !xy", Query::default())).entries);
        assert_eq!(narrowed, fresh);
        assert_eq!(fresh, ["plain", "xz"]);
    }
}
