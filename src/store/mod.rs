//! The store: loads a log directory, follows it live, indexes records and answers queries.
//!
//! Every front end (CLI, TUI, HTTP API) reads through this one API.
//!
//! Records are indexed by a compact entry each (the bodies stay in the files and are re-read by
//! offset); loading uses every core; following watches the directory with `notify`.

mod batch;
mod filter;
mod fold;
mod follow;
mod foreign;
mod fuzzy;
mod ids;
mod index;
mod keyword;
mod lenient;
mod line_fields;
mod load;
mod reading;
mod scan;
mod searcher;
mod sessions;
mod slot;
mod snippet;
mod stats_tally;
mod terms;
mod text_fields;
mod time_arg;
pub(crate) mod turn_shape;
mod turns;
mod views;

pub use reading::{TranscriptRecords, TurnRecord};
pub use searcher::{FuzzyRequest, SearchAnswer, SearchRequest, SearchSink, Searcher, FIRST_PASS};
pub use sessions::SessionQuery;
#[cfg(feature = "tui")]
pub(crate) use slot::NewestWins;
pub use snippet::{Snippet, SNIPPET_CHARS};
pub use stats_tally::{ContextPoint, Stats, StatsTally, TokenRow};
pub use time_arg::{parse_time_arg, TimeArgError};
pub use turns::{Turn, TurnKind};

pub(crate) use scan::read_full;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use filter::Filter;
use index::Index;
use reading::StoredLine;

use crate::record::{InteractionRecord, Timestamp};
use crate::source::{ParsedLines, Source, SourceKind};

/// A record's place in the store. Entries of a deleted or truncated file are removed (queries
/// stop returning them, `summary` gives `None`), and ids are never reused for another record.
/// When removed entries pile up the store compacts: the live ones get new ids, an old id
/// resolves to nothing, and followers announce [`StoreEvent::Reset`] so views re-query.
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
    /// The counts are a transcript's mid-stream snapshot (`usage_approximate`).
    pub usage_approximate: bool,
    /// The record reports token usage; without it the counts read 0 and mean "unknown".
    pub has_usage: bool,
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

/// Filters, keyword search and a limit (docs/format.md §3). Every filter set must match.
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
    /// Keyword search also looks at the request messages a record re-sends from its session's
    /// previous turn (its history); by default only the record's own content counts.
    pub search_history: bool,
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
    /// What to call it: the title its agent gave it, else its first prompt's first line (raw:
    /// callers sanitise before display).
    pub name: Option<String>,
    /// `name` is the agent's title (not a prompt).
    pub titled: bool,
    pub project: Option<String>,
    pub client: Option<String>,
    pub turns: usize,
    pub first: Timestamp,
    pub last: Timestamp,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// A line that is not a record (docs/format.md §2), kept for the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLine {
    pub file: PathBuf,
    /// 1-based; 0 when the whole file cannot be read.
    pub line: u64,
    pub reason: String,
}

impl BadLine {
    /// `file:line`, or just `file` for a whole file, with the file shown as the caller likes.
    pub fn place(&self, shown_file: &str) -> String {
        match self.line {
            0 => shown_file.to_owned(),
            line => format!("{shown_file}:{line}"),
        }
    }
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

impl StoreEvent {
    /// A file or directory that could not be read (the store kept going), worded as
    /// [`StoreError::Io`].
    pub(crate) fn cannot_read(path: &Path, source: std::io::Error) -> StoreEvent {
        StoreEvent::Error { message: StoreError::Io { path: path.to_path_buf(), source }.to_string() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("record {id} is no longer in {path}")]
    Gone { id: String, path: PathBuf },
    #[error("{path}:{line}: {source}")]
    BadRecord { path: PathBuf, line: u64, source: crate::record::RecordError },
    #[error("{path}:{line}: invalid UTF-8")]
    NotUtf8 { path: PathBuf, line: u64, source: std::str::Utf8Error },
    /// The thread that watches could not be started.
    #[error("cannot watch {path}: {source}")]
    Watch { path: PathBuf, source: std::io::Error },
}

/// How [`Store::follow_with`] watches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FollowOptions {
    /// Poll instead of native watching (as when native watching fails; for network filesystems).
    pub force_polling: bool,
}

/// A shared handle to the index; clones are cheap and see the same data.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Shared>,
}

pub(crate) struct Shared {
    dir: PathBuf,
    index: RwLock<Index>,
    loading: AtomicBool,
    /// Transcript trees still in their initial load.
    loaders: AtomicUsize,
    last_fuzzy: Mutex<fuzzy::LastMatches>,
    /// The last transcript prefixes parsed to rebuild records, most recent last: a session's
    /// records are read one after the other, alternating between its file and its sub-agents'.
    prefixes: Mutex<Vec<Prefix>>,
}

/// How many parsed transcripts are kept for reading records back.
const PREFIXES_KEPT: usize = 4;
/// Transcripts up to this size are parsed whole when one of their records is read back.
const WHOLE_PREFIX_MAX: u64 = 32 << 20;

struct Prefix {
    path: PathBuf,
    inode: (u64, u64),
    end: u64,
    lines: Arc<ParsedLines>,
}

impl Shared {
    fn read(&self) -> RwLockReadGuard<'_, Index> {
        self.index.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Index> {
        self.index.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Store {
    fn empty(dir: &Path, loading: bool) -> Store {
        Store {
            inner: Arc::new(Shared {
                dir: dir.to_path_buf(),
                index: RwLock::new(Index::new()),
                loading: AtomicBool::new(loading),
                loaders: AtomicUsize::new(0),
                last_fuzzy: Mutex::new(fuzzy::LastMatches::default()),
                prefixes: Mutex::new(Vec::new()),
            }),
        }
    }

    /// Reads the whole directory once (using every core) and returns; no following.
    /// A directory that does not exist is an empty store. A daily file that cannot be read is
    /// left out and listed in [`Store::bad_lines`] (line 0); only an unreadable directory fails.
    pub fn load(dir: &Path) -> Result<Store, StoreError> {
        let store = Store::empty(dir, false);
        let listing = load::daily_files(dir).map_err(|source| StoreError::Io { path: dir.to_path_buf(), source })?;
        load::load_all(&store.inner, &listing);
        Ok(store)
    }

    /// Returns at once with an empty store; a background thread starts watching `dir` (also when
    /// it does not exist yet), loads it newest file first, then applies changes as they come.
    /// `listener` is called from that thread, once per batch; it must not block.
    pub fn follow(dir: &Path, listener: impl Fn(StoreEvent) + Send + Sync + 'static) -> Result<Store, StoreError> {
        Store::follow_with(dir, FollowOptions::default(), listener)
    }

    /// [`Store::follow`] with options.
    pub fn follow_with(
        dir: &Path,
        options: FollowOptions,
        listener: impl Fn(StoreEvent) + Send + Sync + 'static,
    ) -> Result<Store, StoreError> {
        let store = Store::empty(dir, true);
        follow::start(&store.inner, options, Box::new(listener))?;
        Ok(store)
    }

    /// Reads every source once (each on every core) and returns; no following. The store's
    /// `dir` is the log directory when it is one of the sources, else the first source's root.
    pub fn load_sources(sources: &[Source]) -> Result<Store, StoreError> {
        let store = Store::empty(&primary_dir(sources), false);
        for source in sources {
            if source.kind.is_foreign() {
                foreign::load_tree(&store.inner, source)?;
            } else {
                let files = load::daily_files(&source.root)
                    .map_err(|e| StoreError::Io { path: source.root.clone(), source: e })?;
                load::load_all(&store.inner, &files);
            }
        }
        Ok(store)
    }

    /// [`Store::follow_with`] over several sources: one background thread each; `Loaded` is
    /// sent once, when the last of them has loaded.
    pub fn follow_sources(
        sources: &[Source],
        options: FollowOptions,
        listener: impl Fn(StoreEvent) + Send + Sync + 'static,
    ) -> Result<Store, StoreError> {
        let ours = sources.iter().find(|s| !s.kind.is_foreign());
        let store = Store::empty(&primary_dir(sources), ours.is_some());
        let trees: Vec<&Source> = sources.iter().filter(|s| s.kind.is_foreign()).collect();
        store.inner.loaders.store(trees.len(), Ordering::Release);
        let waiting = Arc::new(AtomicUsize::new(trees.len() + usize::from(ours.is_some())));
        let weak = Arc::downgrade(&store.inner);
        let listener: foreign::SharedListener = Arc::new(move |event| match event {
            StoreEvent::Loaded { .. } => {
                if waiting.fetch_sub(1, Ordering::AcqRel) == 1 {
                    let Some(shared) = weak.upgrade() else { return };
                    let (records, bad_lines) = {
                        let index = shared.read();
                        (index.len(), index.bad_count())
                    };
                    listener(StoreEvent::Loaded { records, bad_lines });
                }
            }
            other => listener(other),
        });
        if ours.is_some() {
            let forward = listener.clone();
            follow::start(&store.inner, options, Box::new(move |event| forward(event)))?;
        }
        for tree in trees {
            foreign::start(&store.inner, tree.clone(), options, listener.clone())?;
        }
        Ok(store)
    }

    /// Whether the record's usage is known to be approximate (a transcript's snapshot).
    pub fn is_approximate(&self, entry: EntryId) -> bool {
        self.inner.read().live_entry(entry).is_some_and(|e| e.is_approximate())
    }

    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// Records indexed now.
    pub fn len(&self) -> usize {
        self.inner.read().len()
    }

    /// Changes when the store compacts and gives every entry a new id: ids obtained before
    /// then resolve to nothing. A reader that must not miss records looks again when it changed.
    pub fn epoch(&self) -> u64 {
        self.inner.read().epoch()
    }

    /// Index entry slots held (about 128 bytes each): the records indexed, hidden duplicates
    /// and removed entries not yet compacted away. Stays within a small multiple of
    /// [`Store::len`] (plus 10 000) however often files are rewritten.
    pub fn entry_slots(&self) -> usize {
        self.inner.read().slots()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_loading(&self) -> bool {
        self.inner.loading.load(Ordering::Acquire) || self.inner.loaders.load(Ordering::Acquire) > 0
    }

    pub fn query(&self, query: &Query) -> QueryResult {
        if query.limit == Some(0) && query.search.is_none() {
            let index = self.inner.read();
            let total = Filter::resolve(&index, query).map(|f| f.collect(&index, Some(0)).1).unwrap_or(0);
            return QueryResult { entries: Vec::new(), total_matched: total };
        }
        match query.search.as_deref().map(terms::Terms::new) {
            Some(terms) if !terms.is_empty() => keyword::query(&self.inner, query, &terms),
            _ => {
                let index = self.inner.read();
                let Some(filter) = Filter::resolve(&index, query) else {
                    return QueryResult::default();
                };
                let (entries, total_matched) = filter.collect(&index, query.limit);
                QueryResult { entries: entries.into_iter().map(|e| index.entry_id(e)).collect(), total_matched }
            }
        }
    }

    /// Fuzzy ranking over headlines; `within` narrows to a previous result (as the user types
    /// more); best first, at most `limit`.
    ///
    /// fzf-like pattern syntax (nucleo's: `^prefix`, `suffix$`, `'exact`, `!not`, spaces between
    /// atoms), smart case. Without `within`, a pattern that extends the previous call's pattern
    /// is matched only against the previous matches. Ranking: nucleo's greedy score picks
    /// 4 × `limit` candidates, its optimal score orders them; ties go to the newer record.
    pub fn fuzzy(&self, pattern: &str, within: Option<&[EntryId]>, limit: usize) -> Vec<FuzzyHit> {
        match within {
            Some(entries) => fuzzy::rank(&self.inner.read(), fuzzy::Among::Entries(entries), pattern, limit),
            None => self.fuzzy_among(pattern, &Query::default(), limit),
        }
    }

    /// [`Store::fuzzy`] over the headlines of `base`'s result (its limit aside), reusing the
    /// previous call's matches when the pattern extends its pattern under the same `base`.
    pub(crate) fn fuzzy_among(&self, pattern: &str, base: &Query, limit: usize) -> Vec<FuzzyHit> {
        let base = Query { limit: None, ..base.clone() };
        if base.search.is_some() {
            // Keyword search reads the files: its answer is the candidates, not cached.
            let entries = self.query(&base).entries;
            return self.fuzzy(pattern, Some(&entries), limit);
        }
        let mut last = self.inner.last_fuzzy.lock().unwrap_or_else(PoisonError::into_inner);
        fuzzy::rank(&self.inner.read(), fuzzy::Among::Cached { last: &mut last, base: &base }, pattern, limit)
    }

    pub fn summary(&self, entry: EntryId) -> Option<RecordSummary> {
        self.inner.read().summary(entry)
    }

    pub fn summaries(&self, entries: &[EntryId]) -> Vec<RecordSummary> {
        let index = self.inner.read();
        entries.iter().filter_map(|&entry| index.summary(entry)).collect()
    }

    pub fn find_id(&self, id: &str) -> Option<EntryId> {
        let index = self.inner.read();
        index.find_id(id).map(|e| index.entry_id(e))
    }

    /// The stored line, byte for byte, without its line ending; for a record read from another
    /// agent's transcript, the record as converted, as one JSON line.
    pub fn read_raw(&self, entry: EntryId) -> Result<Vec<u8>, StoreError> {
        if let Some(record) = self.read_foreign(entry)? {
            return Ok(record.to_json().into_bytes());
        }
        let stored = self.stored_line(entry)?;
        // The file may have been replaced since it was indexed: make sure this is still the record.
        match line_fields::parse_line(&stored.bytes) {
            Ok(parsed) if parsed.id() == stored.id => Ok(stored.bytes),
            _ => Err(stored.gone()),
        }
    }

    pub fn read_record(&self, entry: EntryId) -> Result<InteractionRecord, StoreError> {
        if let Some(record) = self.read_foreign(entry)? {
            return Ok(record);
        }
        let stored = self.stored_line(entry)?;
        let record = stored.parse(stored.text()?)?;
        stored.check(record)
    }

    /// The record and its stored line, from one read of the file (the detail shows both).
    pub fn read_record_and_raw(&self, entry: EntryId) -> Result<(InteractionRecord, Vec<u8>), StoreError> {
        if let Some(record) = self.read_foreign(entry)? {
            let raw = record.to_json().into_bytes();
            return Ok((record, raw));
        }
        let stored = self.stored_line(entry)?;
        let record = stored.check(stored.parse(stored.text()?)?)?;
        Ok((record, stored.bytes))
    }

    /// An interlog entry's line as read now, with where it is and the id it was indexed under;
    /// not yet checked to be that record (the caller parses it anyway).
    fn stored_line(&self, entry: EntryId) -> Result<StoredLine, StoreError> {
        let (path, offset, len, line, id) = {
            let index = self.inner.read();
            let gone = || StoreError::Gone { id: format!("#{}", entry.0), path: self.inner.dir.clone() };
            let (path, offset, len, line) = index.location(entry).ok_or_else(gone)?;
            let slot = index.slot(entry).ok_or_else(gone)?;
            (path, offset, len, line, index.id_of(slot).into_owned())
        };
        let bytes =
            scan::read_line_at(&path, offset, len).map_err(|source| StoreError::Io { path: path.clone(), source })?;
        Ok(StoredLine { bytes, path, line: u64::from(line), id })
    }

    /// Rebuilds a record indexed from a transcript (`None`: the entry is interlog's own).
    fn read_foreign(&self, entry: EntryId) -> Result<Option<InteractionRecord>, StoreError> {
        let (kind, path, offset, len, id) = {
            let index = self.inner.read();
            let (Some(e), Some(slot)) = (index.live_entry(entry), index.slot(entry)) else {
                return Err(StoreError::Gone { id: format!("#{}", entry.0), path: self.inner.dir.clone() });
            };
            let kind = index.file_kind(e.file);
            if !kind.is_foreign() {
                return Ok(None);
            }
            (kind, index.files[e.file.index()].path.clone(), e.offset, u64::from(e.len), index.id_of(slot).into_owned())
        };
        let lines = self.prefix_of(&path, offset + len)?;
        let wanted = crate::source::Wanted { path: &path, lines: &lines, offset, len, id: &id, with_history: true };
        match crate::source::convert(kind, &wanted) {
            Some(record) => Ok(Some(record)),
            None => Err(StoreError::Gone { id, path }),
        }
    }

    /// The transcript's lines up to `end`, parsed (from the last one parsed when it covers them).
    fn prefix_of(&self, path: &Path, end: u64) -> Result<Arc<ParsedLines>, StoreError> {
        use std::os::unix::fs::MetadataExt;
        let io = |source| StoreError::Io { path: path.to_path_buf(), source };
        let meta = std::fs::metadata(path).map_err(io)?;
        let inode = (meta.dev(), meta.ino());
        let mut cached = self.inner.prefixes.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(at) = cached.iter().position(|p| p.path == path && p.inode == inode && p.end >= end) {
            let hit = cached.remove(at);
            let lines = hit.lines.clone();
            cached.push(hit);
            return Ok(lines);
        }
        // Read up to the file's end, so the session's later records reuse it (not for a huge
        // file, whose parsed lines would weigh several times its size).
        let upto = if meta.len() <= WHOLE_PREFIX_MAX { meta.len().max(end) } else { end };
        let lines = Arc::new(crate::source::read_prefix(path, upto).map_err(io)?);
        cached.retain(|p| p.path != path);
        if cached.len() >= PREFIXES_KEPT {
            cached.remove(0);
        }
        cached.push(Prefix { path: path.to_path_buf(), inode, end: upto, lines: lines.clone() });
        Ok(lines)
    }

    /// The record as a turn of its session: its previous turn, how many of its request
    /// messages are history and how many are new, and what kind of turn it is.
    pub fn turn(&self, entry: EntryId) -> Option<Turn> {
        self.inner.read().turn(entry)
    }

    /// The session's entries oldest first (ties: file order); empty when unknown.
    pub fn conversation(&self, session_id: &str) -> Vec<EntryId> {
        self.inner.read().conversation(session_id)
    }

    /// Every session, most recently active first.
    pub fn sessions(&self) -> Vec<SessionSummary> {
        self.inner.read().sessions()
    }

    /// The sessions matching `query`, most recently active first.
    pub fn sessions_where(&self, query: &SessionQuery) -> Vec<SessionSummary> {
        self.inner.read().sessions_where(query)
    }

    /// Distinct values with record counts, most frequent first: for facet pickers.
    pub fn facet_counts(&self, facet: Facet) -> Vec<(String, usize)> {
        self.inner.read().facet_counts(facet)
    }

    pub fn bad_lines(&self) -> Vec<BadLine> {
        self.inner.read().bad_lines()
    }
}

/// The directory a store over `sources` reports as its own.
fn primary_dir(sources: &[Source]) -> PathBuf {
    sources
        .iter()
        .find(|s| s.kind == SourceKind::Interlog)
        .or(sources.first())
        .map(|s| s.root.clone())
        .unwrap_or_default()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Facet {
    Session,
    Project,
    Client,
    Model,
}
