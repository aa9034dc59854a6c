#![cfg(feature = "store")]
//! Keyword search against a naive oracle: decode every record, case-fold its text fields, and
//! look for each term. The store's raw-byte fast paths must agree with it on tricky text: JSON
//! escapes (`\uXXXX` as Python's `json.dumps` writes them, `\n`, `\"`, `\\`), characters whose
//! case folding expands or lands on ASCII (ß, ẞ, İ, K, ſ, ﬁ), and final sigma.

use crate::store_common;

use interlog::store::{Query, SearchAnswer, SearchRequest, SearchSink, FIRST_PASS};
use serde_json::{json, Value};
use store_common::{ids, search, write_file};

const ALPHABET: &[&str] = &[
    "a", "b", "c", "e", "s", "k", "i", "f", "n", "u", "0", "9", "é", "É", "ß", "ẞ", "İ", "ı", "K", "ſ", "ﬁ", "Σ", "σ",
    "ς", "日", "🙂", "\"", "\\", "/", "\n", " ", "S", "F", "I", "E",
];

fn random_text(rng: &mut fastrand::Rng, lengths: std::ops::Range<usize>) -> String {
    let len = rng.usize(lengths);
    (0..len).map(|_| ALPHABET[rng.usize(..ALPHABET.len())]).collect()
}

/// JSON with every non-ASCII character as `\uXXXX` (UTF-16 units), like `json.dumps` by default.
fn ascii_json(value: &Value) -> String {
    let mut out = String::new();
    for c in value.to_string().chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

fn texts_of(record: &Value) -> Vec<String> {
    let mut texts = Vec::new();
    for key in ["prompt", "response", "model", "error"] {
        if let Some(text) = record[key].as_str() {
            texts.push(text.to_owned());
        }
    }
    for tag in record["tags"].as_array().into_iter().flatten() {
        texts.extend(tag.as_str().map(str::to_owned));
    }
    for call in record["tool_calls"].as_array().into_iter().flatten() {
        texts.extend(call["name"].as_str().map(str::to_owned));
        texts.extend(call["result"].as_str().map(str::to_owned));
    }
    texts
}

fn oracle(records: &[Value], query: &str) -> Vec<String> {
    let terms: Vec<String> = query.split_whitespace().map(caseless::default_case_fold_str).collect();
    let mut ids: Vec<String> = records
        .iter()
        .filter(|record| {
            let folded: Vec<String> = texts_of(record).iter().map(|t| caseless::default_case_fold_str(t)).collect();
            terms.iter().all(|term| folded.iter().any(|text| text.contains(term.as_str())))
        })
        .map(|record| record["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    ids.sort();
    ids
}

fn random_query(rng: &mut fastrand::Rng) -> String {
    let terms = rng.usize(1..3);
    let query: Vec<String> = (0..terms)
        .map(|_| {
            let term: String = random_text(rng, 1..4).split_whitespace().collect();
            if term.is_empty() {
                "e".to_owned()
            } else {
                term
            }
        })
        .collect();
    query.join(" ")
}

#[test]
fn keyword_search_agrees_with_decoding_and_folding_everything() {
    let mut rng = fastrand::Rng::with_seed(20261121);
    let dir = tempfile::tempdir().unwrap();
    let mut records = Vec::new();
    let mut lines = Vec::new();
    for n in 0..300 {
        let record = json!({
            "id": format!("r{n:03}"),
            "timestamp": format!("2026-11-21T10:{:02}:{:02}Z", n / 60, n % 60),
            "prompt": random_text(&mut rng, 1..14),
            "response": random_text(&mut rng, 0..14),
            "model": random_text(&mut rng, 3..4),
            "tags": [random_text(&mut rng, 2..3)],
            "tool_calls": [{"name": random_text(&mut rng, 3..4), "result": random_text(&mut rng, 6..7)}],
            "x_unknown": random_text(&mut rng, 6..7),
        });
        lines.push(if n % 2 == 0 { record.to_string() } else { ascii_json(&record) });
        records.push(record);
    }
    write_file(dir.path(), "2026-11-21", &lines);
    let store = interlog::store::Store::load(dir.path()).unwrap();

    let mut disagreements = Vec::new();
    for _ in 0..400 {
        let query = random_query(&mut rng);
        let expected = oracle(&records, &query);
        let found = search(&store, &query);
        if found != expected {
            disagreements.push(format!("{query:?}: store {found:?}, oracle {expected:?}"));
        }
    }
    assert!(disagreements.is_empty(), "{} disagreements, first: {}", disagreements.len(), disagreements[0]);
}

#[derive(Default)]
struct Passes {
    partial: Option<SearchAnswer>,
    complete: Option<SearchAnswer>,
}

impl SearchSink for Passes {
    fn partial(&mut self, answer: SearchAnswer) {
        self.partial = Some(answer);
    }
    fn complete(&mut self, answer: SearchAnswer) {
        self.complete = Some(answer);
    }
}

/// The search owner's two passes over a store large enough for a first pass: the first answers
/// exactly the oracle's matches among the newest [`FIRST_PASS`] records, the second all of them.
#[test]
fn the_search_owners_two_passes_agree_with_the_oracle() {
    let mut rng = fastrand::Rng::with_seed(20261202);
    let dir = tempfile::tempdir().unwrap();
    let count = 2 * FIRST_PASS + 200;
    let (mut records, mut lines) = (Vec::new(), Vec::new());
    for n in 0..count {
        let record = json!({
            "id": format!("r{n:05}"),
            "timestamp": format!("2026-11-21T{:02}:{:02}:{:02}Z", n / 3600, n / 60 % 60, n % 60),
            "prompt": random_text(&mut rng, 1..8),
            "tool_calls": [{"name": random_text(&mut rng, 2..3), "result": random_text(&mut rng, 3..4)}],
        });
        lines.push(if n % 2 == 0 { record.to_string() } else { ascii_json(&record) });
        records.push(record);
    }
    write_file(dir.path(), "2026-11-21", &lines);
    let store = interlog::store::Store::load(dir.path()).unwrap();
    let newest = &records[count - FIRST_PASS..];
    let sorted = |mut ids: Vec<String>| {
        ids.sort();
        ids
    };
    let mut disagreements = Vec::new();
    for _ in 0..12 {
        let query = random_query(&mut rng);
        let request = SearchRequest::keyword(Query { search: Some(query.clone()), ..Query::default() });
        let mut passes = Passes::default();
        store.search_in_passes(&request, &mut passes);
        let (Some(partial), Some(complete)) = (passes.partial, passes.complete) else {
            disagreements.push(format!("{query:?}: not answered in two passes"));
            continue;
        };
        let (first, all) = (sorted(ids(&store, &partial.entries)), sorted(ids(&store, &complete.entries)));
        if first != oracle(newest, &query) || all != oracle(&records, &query) || partial.complete || !complete.complete
        {
            disagreements.push(format!("{query:?}: first pass {first:?}, complete {all:?}"));
        }
    }
    assert!(disagreements.is_empty(), "{} disagreements, first: {}", disagreements.len(), disagreements[0]);
}

/// Scope: records in sessions that re-send the conversation so far. The oracle knows by
/// construction which messages are history (all but the last, new, user message after the
/// first turn) and searches only the rest, or everything with `search_history`.
#[test]
fn search_scope_agrees_with_an_oracle_that_knows_the_history() {
    let mut rng = fastrand::Rng::with_seed(20261203);
    let dir = tempfile::tempdir().unwrap();
    let (mut lines, mut own, mut whole) = (Vec::new(), Vec::new(), Vec::new());
    for session in 0..40 {
        let mut messages: Vec<Value> = Vec::new();
        let mut previous_response: Option<String> = None;
        for turn in 0..5 {
            if let Some(response) = previous_response.take() {
                messages.push(json!({"role": "assistant", "content": [{"type": "text", "text": response}]}));
            }
            let history = messages.len();
            messages.push(json!({"role": "user", "content": random_text(&mut rng, 1..8)}));
            let response = random_text(&mut rng, 1..8);
            let n = session * 5 + turn;
            let record = json!({
                "id": format!("r{n:03}"),
                "timestamp": format!("2026-11-21T10:{:02}:{:02}Z", n / 60, n % 60),
                "session_id": format!("s{session}"),
                "messages": messages,
                "response": response,
            });
            let text = |from: usize| -> Vec<String> {
                let mut texts: Vec<String> = messages[from..]
                    .iter()
                    .map(|m| match &m["content"] {
                        Value::String(text) => text.clone(),
                        blocks => blocks[0]["text"].as_str().unwrap_or_default().to_owned(),
                    })
                    .collect();
                texts.push(response.clone());
                texts
            };
            own.push((record["id"].as_str().unwrap_or_default().to_owned(), text(history)));
            whole.push((record["id"].as_str().unwrap_or_default().to_owned(), text(0)));
            // One encoding per session: history is recognised by its stored bytes.
            lines.push(if session % 2 == 0 { record.to_string() } else { ascii_json(&record) });
            previous_response = Some(response);
        }
    }
    write_file(dir.path(), "2026-11-21", &lines);
    let store = interlog::store::Store::load(dir.path()).unwrap();
    let oracle = |texts: &[(String, Vec<String>)], query: &str| -> Vec<String> {
        let terms: Vec<String> = query.split_whitespace().map(caseless::default_case_fold_str).collect();
        let mut ids: Vec<String> = texts
            .iter()
            .filter(|(_, texts)| {
                let folded: Vec<String> = texts.iter().map(|t| caseless::default_case_fold_str(t)).collect();
                terms.iter().all(|term| folded.iter().any(|text| text.contains(term.as_str())))
            })
            .map(|(id, _)| id.clone())
            .collect();
        ids.sort();
        ids
    };
    let mut disagreements = Vec::new();
    for _ in 0..80 {
        let query = random_query(&mut rng);
        for (search_history, texts) in [(false, &own), (true, &whole)] {
            let request =
                SearchRequest::keyword(Query { search: Some(query.clone()), search_history, ..Query::default() });
            let mut found = ids(&store, &store.search(&request).entries);
            found.sort();
            let expected = oracle(texts, &query);
            if found != expected {
                disagreements
                    .push(format!("{query:?} (history {search_history}): store {found:?}, oracle {expected:?}"));
            }
        }
    }
    assert!(disagreements.is_empty(), "{} disagreements, first: {}", disagreements.len(), disagreements[0]);
}
