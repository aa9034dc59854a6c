//! Shared helpers for the store tests: real temporary directories and hand-written lines.

#![allow(dead_code)]

use std::io::Write;
use std::path::Path;

use interlog::store::{EntryId, Query, Store};

pub fn write_file(dir: &Path, day: &str, lines: &[String]) {
    let mut text = String::new();
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    std::fs::write(dir.join(format!("interactions-{day}.jsonl")), text).unwrap();
}

pub fn append(dir: &Path, day: &str, bytes: &[u8]) {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("interactions-{day}.jsonl")))
        .unwrap();
    file.write_all(bytes).unwrap();
}

/// A record line with an id, a timestamp and extra fields (JSON object members, without braces).
pub fn line(id: &str, timestamp: &str, extra: &str) -> String {
    let sep = if extra.is_empty() { "" } else { "," };
    format!(r#"{{"id":"{id}","timestamp":"{timestamp}","prompt":"prompt of {id}"{sep}{extra}}}"#)
}

pub fn ids(store: &Store, entries: &[EntryId]) -> Vec<String> {
    store.summaries(entries).into_iter().map(|s| s.id).collect()
}

pub fn query_ids(store: &Store, query: &Query) -> Vec<String> {
    ids(store, &store.query(query).entries)
}

pub fn search(store: &Store, text: &str) -> Vec<String> {
    let mut found = query_ids(store, &Query { search: Some(text.into()), ..Query::default() });
    found.sort();
    found
}

/// Like [`line`] without the default prompt.
pub fn bare(id: &str, timestamp: &str, extra: &str) -> String {
    format!(r#"{{"id":"{id}","timestamp":"{timestamp}",{extra}}}"#)
}

/// A user message with plain-text content, as a request's `messages` carry it.
pub fn user(text: &str) -> String {
    format!(r#"{{"role":"user","content":"{text}"}}"#)
}

/// An assistant reply: its text, then a `tool_use` block for each (id, tool name).
pub fn reply(text: &str, calls: &[(&str, &str)]) -> String {
    let mut blocks = vec![format!(r#"{{"type":"text","text":"{text}"}}"#)];
    for (id, name) in calls {
        blocks.push(format!(r#"{{"type":"tool_use","id":"{id}","name":"{name}","input":{{"cmd":"cargo test"}}}}"#));
    }
    format!(r#"{{"role":"assistant","content":[{}]}}"#, blocks.join(","))
}

/// A user message handing back tool results: (tool_use id, failed, output) each.
pub fn results(outcomes: &[(&str, bool, &str)]) -> String {
    let blocks: Vec<String> = outcomes
        .iter()
        .map(|(id, failed, output)| {
            format!(r#"{{"type":"tool_result","tool_use_id":"{id}","content":"{output}","is_error":{failed}}}"#)
        })
        .collect();
    format!(r#"{{"role":"user","content":[{}]}}"#, blocks.join(","))
}
