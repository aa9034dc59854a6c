//! A session's records read for its transcript, without the history each one re-sends. An agent
//! in a tool loop sends the whole conversation again with every request, so a 500-turn session
//! holds some 125 000 messages, nearly all of them copies; the transcript shows each turn's
//! prompt, answer and tool calls and needs only the messages new in the turn (the store knows how
//! many lead messages are history: `Store::turn`). Skipping the copies is what keeps opening a
//! long session fast (docs/BENCHMARKS.md, "Opening a conversation").

use std::collections::HashMap;

use serde_json::value::RawValue;

use crate::record::InteractionRecord;
use crate::store::{EntryId, Store, StoreError};

/// The session's records, oldest first, each with only the messages new in its turn.
pub fn session_records(store: &Store, session: &str) -> Result<Vec<InteractionRecord>, StoreError> {
    store.conversation(session).into_iter().map(|entry| without_history(store, entry)).collect()
}

/// The record with its leading history messages left out; read whole when it has none, or when
/// its line does not split as expected (then the store's own reading reports what is wrong).
fn without_history(store: &Store, entry: EntryId) -> Result<InteractionRecord, StoreError> {
    let history = store.turn(entry).map_or(0, |turn| turn.history as usize);
    if history == 0 {
        return store.read_record(entry);
    }
    let raw = store.read_raw(entry)?;
    match std::str::from_utf8(&raw).ok().and_then(|line| drop_messages(line, history)) {
        Some(line) => match InteractionRecord::from_json(&line) {
            Ok(record) => Ok(record),
            Err(_) => store.read_record(entry),
        },
        None => store.read_record(entry),
    }
}

/// The JSON line with the first `history` request messages dropped (the last one always kept).
/// Only the top level and the message list are split, as raw slices: nothing else is parsed.
fn drop_messages(line: &str, history: usize) -> Option<String> {
    let fields: HashMap<String, &RawValue> = serde_json::from_str(line).ok()?;
    let messages: Vec<&RawValue> = serde_json::from_str(fields.get("messages")?.get()).ok()?;
    let kept = &messages[history.min(messages.len().saturating_sub(1))..];
    let mut out = String::with_capacity(line.len() / 4);
    out.push('{');
    for (n, (key, value)) in fields.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(key).ok()?);
        out.push(':');
        if key == "messages" {
            let list: Vec<&str> = kept.iter().map(|message| message.get()).collect();
            out.push('[');
            out.push_str(&list.join(","));
            out.push(']');
        } else {
            out.push_str(value.get());
        }
    }
    out.push('}');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_history_messages_go_and_the_rest_is_kept_as_it_was() {
        let line = r#"{"id":"r2","timestamp":"2026-11-20T10:00:00Z","prompt":"p","messages":[{"role":"user","content":"old"},{"role":"assistant","content":"old answer"},{"role":"user","content":"new \"quoted\""}],"x-extra":{"k":[1,2]}}"#;
        let record = InteractionRecord::from_json(&drop_messages(line, 2).unwrap()).unwrap();
        assert_eq!(record.messages.len(), 1);
        assert_eq!(record.messages[0].plain_text(), "new \"quoted\"");
        assert_eq!((record.id.as_str(), record.prompt.as_deref()), ("r2", Some("p")));
        assert_eq!(record.extra.get("x-extra"), Some(&serde_json::json!({"k": [1, 2]})));
        let all_history = InteractionRecord::from_json(&drop_messages(line, 9).unwrap()).unwrap();
        assert_eq!(all_history.messages.len(), 1, "the last message is always kept");
        assert!(
            drop_messages(r#"{"id":"r","timestamp":"2026-11-20T10:00:00Z"}"#, 1).is_none(),
            "no messages: read whole"
        );
    }
}
