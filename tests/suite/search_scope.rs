//! Search scope and snippets (docs/format.md §3): a term matches a record's own content, not the
//! history it re-sends from its session's previous turn, unless asked; each hit says where.
#![cfg(feature = "store")]

use crate::store_common::{bare, ids, write_file};

use interlog::store::{Query, SearchRequest, Store};

const DAY: &str = "2026-12-01";

fn user(text: &str) -> String {
    format!(r#"{{"role":"user","content":"{text}"}}"#)
}

fn assistant(text: &str) -> String {
    format!(r#"{{"role":"assistant","content":[{{"type":"text","text":"{text}"}}]}}"#)
}

fn turn(id: &str, second: u32, messages: &[String], response: &str) -> String {
    let at = format!("{DAY}T10:00:{second:02}Z");
    bare(id, &at, &format!(r#""session_id":"s","messages":[{}],"response":"{response}""#, messages.join(",")))
}

/// Three turns, each re-sending the whole conversation before it.
fn session() -> (tempfile::TempDir, Store) {
    let (u1, a1) = (user("fix the failing test"), assistant("Running the tests."));
    let (u2, a2) = (user("why\\ndoes it fail?"), assistant("The fixture is stale."));
    let u3 = user("update the fixture then");
    let lines = [
        turn("t1", 1, std::slice::from_ref(&u1), "Running the tests."),
        turn("t2", 2, &[u1.clone(), a1.clone(), u2.clone()], "The fixture is stale."),
        turn("t3", 3, &[u1, a1, u2, a2, u3], "Done."),
    ];
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), DAY, &lines);
    let store = Store::load(dir.path()).unwrap();
    (dir, store)
}

fn found(store: &Store, terms: &str, search_history: bool) -> Vec<String> {
    let query = Query { search: Some(terms.into()), search_history, ..Query::default() };
    let mut found = ids(store, &store.search(&SearchRequest::keyword(query)).entries);
    found.sort();
    found
}

#[test]
fn a_word_only_in_re_sent_history_is_not_a_hit_unless_history_is_asked_for() {
    let (_dir, store) = session();
    assert_eq!(found(&store, "failing", false), ["t1"], "only the turn that said it");
    assert_eq!(found(&store, "failing", true), ["t1", "t2", "t3"]);
    // The response of t2 is its own; t3 re-sends it as history.
    assert_eq!(found(&store, "stale", false), ["t2"]);
    assert_eq!(found(&store, "stale", true), ["t2", "t3"]);
    // Every term must be in the record's own content.
    assert!(found(&store, "failing fixture", false).is_empty());
    assert_eq!(found(&store, "update fixture", false), ["t3"]);
}

#[test]
fn each_hit_carries_a_snippet_of_where_it_matched() {
    let (_dir, store) = session();
    let query = Query { search: Some("FIXTURE".into()), ..Query::default() };
    let answer = store.search(&SearchRequest::with_snippets(query.clone()));
    assert_eq!(ids(&store, &answer.entries), ["t3", "t2"]);
    let snippet = |id: &str| answer.snippets[&store.find_id(id).unwrap()].clone();
    // t3's own new message, not the history it re-sends ("The fixture is stale.").
    let t3 = snippet("t3");
    assert_eq!(t3.text, "update the fixture then");
    assert_eq!(t3.matched, [(11, 18)]);
    assert_eq!(snippet("t2").text, "The fixture is stale.");
    // With history, the first field that holds a term is the snippet's, history or not.
    let with_history = Query { search_history: true, ..query };
    let answer = store.search(&SearchRequest::with_snippets(with_history));
    let t3 = &answer.snippets[&store.find_id("t3").unwrap()];
    assert_eq!(t3.text, "The fixture is stale.");
    // Without asking, no snippets are read.
    let plain = store.search(&SearchRequest::keyword(Query { search: Some("fixture".into()), ..Query::default() }));
    assert!(plain.snippets.is_empty());
}

#[test]
fn a_snippet_is_on_one_line() {
    let (_dir, store) = session();
    let query = Query { search: Some("does".into()), ..Query::default() };
    let answer = store.search(&SearchRequest::with_snippets(query));
    let t2 = &answer.snippets[&store.find_id("t2").unwrap()];
    assert_eq!(t2.text, "why does it fail?");
    assert_eq!(&t2.text[t2.matched[0].0..t2.matched[0].1], "does");
}

#[test]
fn history_whose_turn_is_missing_is_the_only_copy_and_is_searched() {
    let u1 = user("fix the failing test");
    let lines = [turn("t2", 2, &[u1, assistant("Running the tests."), user("again")], "ok")];
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), DAY, &lines);
    let store = Store::load(dir.path()).unwrap();
    assert_eq!(found(&store, "failing", false), ["t2"]);
}
