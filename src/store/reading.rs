//! Reading records back from their files: whole, or as a turn of a transcript without the history
//! it re-sends. An agent in a tool loop sends the whole conversation again with every request, so
//! a 500-turn session holds some 125 000 messages, nearly all of them copies of the turns above;
//! a transcript lists only the last few of each turn's history, and parsing the rest is what made
//! opening a long session slow (docs/BENCHMARKS.md, "Opening a conversation").

use std::path::PathBuf;

use rayon::prelude::*;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{EntryId, Store, StoreError};
use crate::record::{later_results, InteractionRecord, LaterResult};

/// An interlog entry's line as read now, with where it is and the id it was indexed under.
pub(super) struct StoredLine {
    pub(super) bytes: Vec<u8>,
    pub(super) path: PathBuf,
    pub(super) line: u64,
    pub(super) id: String,
}

impl StoredLine {
    pub(super) fn text(&self) -> Result<&str, StoreError> {
        std::str::from_utf8(&self.bytes).map_err(|source| StoreError::NotUtf8 {
            path: self.path.clone(),
            line: self.line,
            source,
        })
    }

    pub(super) fn parse(&self, text: &str) -> Result<InteractionRecord, StoreError> {
        InteractionRecord::from_json(text).map_err(|source| StoreError::BadRecord {
            path: self.path.clone(),
            line: self.line,
            source,
        })
    }

    /// The record, if it is still the one indexed here: the file may have been replaced since.
    pub(super) fn check(&self, record: InteractionRecord) -> Result<InteractionRecord, StoreError> {
        if record.id == self.id {
            Ok(record)
        } else {
            Err(self.gone())
        }
    }

    pub(super) fn gone(&self) -> StoreError {
        StoreError::Gone { id: self.id.clone(), path: self.path.clone() }
    }
}

/// A record read as a turn of its session, its oldest history messages left out.
#[derive(Clone, Debug)]
pub struct TurnRecord {
    /// The record; its `messages` start with the history kept.
    pub record: InteractionRecord,
    /// Leading messages of `record.messages` that re-send earlier turns (`Store::turn`).
    pub history: usize,
    /// History messages before those, left out when the record was read.
    pub left_out: usize,
}

/// A session's records read for its transcript, oldest first, side by side.
#[derive(Clone, Debug, Default)]
pub struct TranscriptRecords {
    pub records: Vec<InteractionRecord>,
    /// `history[i]`: leading messages of `records[i]` that re-send earlier turns.
    pub history: Vec<usize>,
    /// `left_out[i]`: history messages of `records[i]` left out before those.
    pub left_out: Vec<usize>,
}

impl Store {
    /// The record as a turn of its session, with only the last `history_kept` of the history
    /// messages it re-sends parsed; the others are counted in `left_out`. A record from another
    /// agent's transcript, or whose line does not split cleanly, is read whole.
    pub fn read_turn_record(&self, entry: EntryId, history_kept: usize) -> Result<TurnRecord, StoreError> {
        let history = self.turn(entry).map_or(0, |turn| turn.history as usize);
        let whole =
            |record: InteractionRecord| TurnRecord { history: history.min(record.messages.len()), record, left_out: 0 };
        let left_out = history.saturating_sub(history_kept);
        if left_out == 0 {
            return self.read_record(entry).map(whole);
        }
        if let Some(record) = self.read_foreign(entry)? {
            return Ok(whole(record));
        }
        let stored = self.stored_line(entry)?;
        let Some(trimmed) = without_leading_messages(stored.text()?, left_out) else {
            return stored.check(stored.parse(stored.text()?)?).map(whole);
        };
        let record = stored.check(stored.parse(&trimmed)?)?;
        let history = (history - left_out).min(record.messages.len());
        Ok(TurnRecord { record, history, left_out })
    }

    /// The session's turn after this one (whose previous turn it is), with none of its history
    /// parsed: in a tool loop its request hands back this record's tool results.
    pub fn read_next_turn(&self, entry: EntryId) -> Result<Option<TurnRecord>, StoreError> {
        let Some(session) = self.summary(entry).and_then(|summary| summary.session_id) else { return Ok(None) };
        let next =
            self.conversation(&session).into_iter().find(|&e| self.turn(e).and_then(|t| t.previous) == Some(entry));
        next.map(|next| self.read_turn_record(next, 0)).transpose()
    }

    /// The tool results the session's next request hands back: in a tool loop, the results of
    /// this record's calls, which the record itself lacks. A failure reading that request leaves
    /// them out rather than failing the record that asked.
    pub fn results_handed_back(&self, entry: EntryId) -> Vec<LaterResult> {
        let next = self.read_next_turn(entry).ok().flatten();
        next.map(|next| later_results(&next.record, next.history)).unwrap_or_default()
    }

    /// The entries' records as [`Store::read_turn_record`] reads them. Each is scanned whole
    /// (the history it re-sends is most of its bytes), so they are read in parallel.
    pub fn read_transcript(&self, entries: &[EntryId], history_kept: usize) -> Result<TranscriptRecords, StoreError> {
        let turns: Vec<TurnRecord> =
            entries.par_iter().map(|&entry| self.read_turn_record(entry, history_kept)).collect::<Result<_, _>>()?;
        let mut read = TranscriptRecords::default();
        for turn in turns {
            read.records.push(turn.record);
            read.history.push(turn.history);
            read.left_out.push(turn.left_out);
        }
        Ok(read)
    }
}

/// The line with its first `count` request messages cut out, byte for byte otherwise; `None` when
/// it has no single, non-empty message list to cut (the record is then read whole, and its parse
/// reports what is wrong with it). One pass splits the top level and the list into raw slices:
/// the messages left out are scanned, not parsed.
fn without_leading_messages(line: &str, count: usize) -> Option<String> {
    #[derive(Deserialize)]
    struct Top<'a> {
        #[serde(borrow)]
        messages: Option<Vec<&'a RawValue>>,
    }
    let messages = serde_json::from_str::<Top<'_>>(line).ok()?.messages?;
    let (first, last) = (messages.first()?.get(), messages.last()?.get());
    let offset = |slice: &str| slice.as_ptr() as usize - line.as_ptr() as usize;
    let cut_from = offset(first);
    let cut_to = match messages.get(count) {
        Some(kept) => offset(kept.get()),
        None => offset(last) + last.len(),
    };
    let mut out = String::with_capacity(line.len() - (cut_to - cut_from));
    out.push_str(&line[..cut_from]);
    out.push_str(&line[cut_to..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"id":"r2","timestamp":"2026-11-20T10:00:00Z","prompt":"p","messages": [ {"role":"user","content":"old, \"quoted\" ]"} , {"role":"assistant","content":"old answer"},{"role":"user","content":"new"}],"x-extra":{"k":[1,2]}}"#;

    #[test]
    fn only_the_leading_messages_go_and_every_other_byte_stays() {
        let cut = without_leading_messages(LINE, 2).unwrap();
        assert_eq!(
            cut,
            r#"{"id":"r2","timestamp":"2026-11-20T10:00:00Z","prompt":"p","messages": [ {"role":"user","content":"new"}],"x-extra":{"k":[1,2]}}"#
        );
        let one = InteractionRecord::from_json(&without_leading_messages(LINE, 1).unwrap()).unwrap();
        assert_eq!(one.messages.len(), 2);
        assert_eq!(one.messages[0].plain_text(), "old answer");
        assert_eq!(one.extra.get("x-extra"), Some(&serde_json::json!({"k": [1, 2]})));
    }

    #[test]
    fn cutting_every_message_leaves_an_empty_list() {
        let all = InteractionRecord::from_json(&without_leading_messages(LINE, 9).unwrap()).unwrap();
        assert!(all.messages.is_empty());
        assert_eq!((all.id.as_str(), all.prompt.as_deref()), ("r2", Some("p")));
    }

    #[test]
    fn a_line_without_one_message_list_is_left_to_the_whole_parse() {
        assert!(without_leading_messages(r#"{"id":"r","timestamp":"2026-11-20T10:00:00Z"}"#, 1).is_none());
        assert!(without_leading_messages(r#"{"id":"r","messages":"text"}"#, 1).is_none());
        assert!(without_leading_messages(r#"{"messages":[],"messages":[{}]}"#, 1).is_none(), "duplicate field");
        assert!(without_leading_messages(r#"{"id":"r","messages":[{"role":"user"},]}"#, 1).is_none());
    }
}
