//! The store: loads a log directory, follows it live, indexes records and answers queries.
//!
//! Every front end (CLI, TUI, HTTP API) reads through this one API.
//!
//! API SKETCH (the lead's contract between helpers; the store helper fills in the bodies and may
//! add to it, but keeps these names and meanings so the TUI and server compile against them).

mod time_arg;

pub use time_arg::{parse_time_arg, TimeArgError};

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::record::{InteractionRecord, Timestamp};

/// A record's place in the store. Stable for the life of the `Store` value: entries of a
/// deleted or truncated file are removed (queries stop returning them, `summary` gives `None`),
/// but ids are never reused for another record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryId(pub u32);

/// What a list row needs, without the prompt and response bodies.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordSummary {
    pub entry: EntryId,
    pub id: String,
    pub timestamp: Timestamp,
    pub session_id: Option<String>,
    pub project: Option<String>,
    pub client: Option<String>,
    pub model: Option<String>,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub duration_ms: Option<u64>,
    pub tool_calls: u32,
    pub has_error: bool,
    pub stop_reason: Option<String>,
    /// The prompt's first line (or the last message's text when there is no prompt), cut to a
    /// bounded length, raw (callers sanitise before display).
    pub first_line: String,
    /// The text fuzzy search matches against: `first_line`, session, project, client, model and
    /// tool names, joined by " · ". [`FuzzyHit::positions`] index its chars.
    pub headline: String,
    /// Where the record is stored.
    pub file: PathBuf,
    pub line: u64,
}

/// Filters, keyword search and a limit (CONTRACT §3). Every filter set must match.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Query {
    pub project: Option<String>,
    pub session: Option<String>,
    pub client: Option<String>,
    pub model: Option<String>,
    /// Inclusive.
    pub since: Option<Timestamp>,
    /// Exclusive.
    pub until: Option<Timestamp>,
    /// Records carrying every one of these tags.
    pub tags: Vec<String>,
    pub has_error: Option<bool>,
    pub stop_reason: Option<String>,
    /// Keyword search: every white-space separated term, case-folded, as a substring of the text fields.
    pub search: Option<String>,
    /// `None`: no limit. `Some(0)`: nothing.
    pub limit: Option<usize>,
}

/// The answer to a [`Query`]: matching entries, newest first.
#[derive(Clone, Debug, Default)]
pub struct QueryResult {
    pub entries: Vec<EntryId>,
    /// How many matched before the limit was applied.
    pub total_matched: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FuzzyHit {
    pub entry: EntryId,
    pub score: u32,
    /// Char indices into the entry's `headline` that matched, ascending.
    pub positions: Vec<u32>,
}

/// One session's totals.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionSummary {
    pub session_id: String,
    pub project: Option<String>,
    pub client: Option<String>,
    pub turns: usize,
    pub first: Timestamp,
    pub last: Timestamp,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// A line that is not a record (CONTRACT §2), kept for the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLine {
    pub file: PathBuf,
    /// 1-based.
    pub line: u64,
    pub reason: String,
}

/// Loading progress, for a status bar.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadProgress {
    pub files_done: usize,
    pub files_total: usize,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

/// What a follower tells its listener; one event per applied batch.
#[derive(Clone, Debug, PartialEq)]
pub enum StoreEvent {
    /// Part of the initial load was applied (newest files first).
    Progress(LoadProgress),
    /// The initial load finished.
    Loaded { records: usize, bad_lines: usize },
    /// New records were indexed (appended lines, a new file).
    Appended { entries: Vec<EntryId> },
    /// Records were removed or re-read (truncation, replacement, deletion, rescan): views must re-query.
    Reset,
    /// Native watching failed; the store polls instead. Sent once.
    WatchFallback { reason: String },
    /// Reading a file failed (kept going).
    Error { message: String },
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("record {id} is no longer in {path}")]
    Gone { id: String, path: PathBuf },
    #[error("{path}:{line}: {reason}")]
    BadRecord { path: PathBuf, line: u64, reason: String },
    #[error("cannot watch {path}: {reason}")]
    Watch { path: PathBuf, reason: String },
}

/// A shared handle to the index; clones are cheap and see the same data.
#[derive(Clone)]
pub struct Store {
    _inner: Arc<()>,
}

#[allow(unused_variables)]
impl Store {
    /// Reads the whole directory once (using every core) and returns; no following.
    /// A directory that does not exist is an empty store.
    pub fn load(dir: &Path) -> Result<Store, StoreError> {
        todo!("store helper")
    }

    /// Returns at once with an empty store; a background thread starts watching `dir` (also when
    /// it does not exist yet), loads it newest file first, then applies changes as they come.
    /// `listener` is called from that thread, once per batch; it must not block.
    pub fn follow(dir: &Path, listener: impl Fn(StoreEvent) + Send + Sync + 'static) -> Result<Store, StoreError> {
        todo!("store helper")
    }

    pub fn dir(&self) -> &Path {
        todo!("store helper")
    }

    /// Records indexed now.
    pub fn len(&self) -> usize {
        todo!("store helper")
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_loading(&self) -> bool {
        todo!("store helper")
    }

    pub fn query(&self, query: &Query) -> QueryResult {
        todo!("store helper")
    }

    /// Fuzzy ranking over headlines; `within` narrows to a previous result (as the user types
    /// more); best first, at most `limit`.
    pub fn fuzzy(&self, pattern: &str, within: Option<&[EntryId]>, limit: usize) -> Vec<FuzzyHit> {
        todo!("store helper")
    }

    pub fn summary(&self, entry: EntryId) -> Option<RecordSummary> {
        todo!("store helper")
    }

    pub fn summaries(&self, entries: &[EntryId]) -> Vec<RecordSummary> {
        entries.iter().filter_map(|&entry| self.summary(entry)).collect()
    }

    pub fn find_id(&self, id: &str) -> Option<EntryId> {
        todo!("store helper")
    }

    /// The stored line, byte for byte, without its line ending.
    pub fn read_raw(&self, entry: EntryId) -> Result<Vec<u8>, StoreError> {
        todo!("store helper")
    }

    pub fn read_record(&self, entry: EntryId) -> Result<InteractionRecord, StoreError> {
        todo!("store helper")
    }

    /// The session's entries oldest first (ties: file order); empty when unknown.
    pub fn conversation(&self, session_id: &str) -> Vec<EntryId> {
        todo!("store helper")
    }

    /// Every session, most recently active first.
    pub fn sessions(&self) -> Vec<SessionSummary> {
        todo!("store helper")
    }

    /// Distinct values with record counts, most frequent first: for facet pickers.
    pub fn facet_counts(&self, facet: Facet) -> Vec<(String, usize)> {
        todo!("store helper")
    }

    pub fn bad_lines(&self) -> Vec<BadLine> {
        todo!("store helper")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Facet {
    Session,
    Project,
    Client,
    Model,
}
