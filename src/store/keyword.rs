//! Keyword search (docs/format.md §3): every term, case-folded, as a substring of one text field.
//!
//! The filtered candidates' lines are read back from the files in large chunks, off the index
//! lock, on every core. A raw-byte prefilter on the ASCII-lowered chunk (see [`super::terms`])
//! picks the lines worth decoding; those are verified on their text fields ([`TextFields`]).

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use std::collections::HashMap;

use super::filter::Filter;
use super::index::{FileId, Index};
use super::load::reader_threads;
use super::terms::{first_real_hit, Terms};
use super::text_fields::TextFields;
use super::{EntryId, Query, QueryResult, Shared};
use crate::source::SourceKind;

/// Bytes read per chunk.
const CHUNK: u64 = 4 << 20;
/// Candidates closer than this share a read.
const MAX_GAP: u64 = 64 << 10;

#[derive(Clone, Copy)]
struct Candidate {
    file: FileId,
    offset: u64,
    len: u32,
    /// Its id as of the read of the index (not its slot: see [`query`]).
    entry: EntryId,
    /// Position in the newest-first filter result.
    rank: u32,
    line: u32,
    /// Leading request messages not searched: history re-sent from the previous turn.
    history: u32,
}

/// What a worker needs to check a record converted from another agent's transcript.
struct Foreign {
    kinds: Vec<SourceKind>,
    paths: Vec<PathBuf>,
    ids: HashMap<EntryId, String>,
}

struct Chunk {
    file: FileId,
    start: u64,
    end: u64,
    candidates: std::ops::Range<usize>,
}

/// The leading request messages of a slot that keyword search skips: history re-sent from a
/// previous turn the store holds. When that turn is missing (or the record has no session), the
/// context it carries is the only copy there is, and is searched.
pub(crate) fn unsearched_history(index: &Index, slot: u32) -> u32 {
    index.turn(index.entry_id(slot)).filter(|turn| turn.previous.is_some()).map_or(0, |turn| turn.history)
}

/// Runs a query that has search terms.
pub(crate) fn query(shared: &Shared, query: &Query, terms: &Terms) -> QueryResult {
    // Slots are turned into ids as of this read: should a compaction renumber them while the
    // files are searched, those ids resolve to nothing rather than to other records.
    let (mut candidates, paths, foreign) = {
        let index = shared.read();
        let Some(filter) = Filter::resolve(&index, query) else {
            return QueryResult::default();
        };
        let mut candidates = Vec::new();
        let kinds: Vec<SourceKind> = index.files.iter().map(|f| f.kind).collect();
        let mut ids = HashMap::new();
        filter.scan(&index, |slot| {
            let e = &index.entries[slot as usize];
            let rank = candidates.len() as u32;
            let entry = index.entry_id(slot);
            // A transcript's record is rebuilt from its own lines only: no history to skip.
            let own = !kinds[e.file.index()].is_foreign() && !query.search_history;
            let history = if own { unsearched_history(&index, slot) } else { 0 };
            candidates.push(Candidate {
                file: e.file,
                offset: e.offset,
                len: e.len,
                entry,
                rank,
                line: e.line,
                history,
            });
            if kinds[e.file.index()].is_foreign() {
                ids.insert(entry, index.id_of(slot).into_owned());
            }
            true
        });
        let paths: Vec<PathBuf> = index.files.iter().map(|f| f.path.clone()).collect();
        let foreign = Foreign { kinds, paths: paths.clone(), ids };
        (candidates, paths, foreign)
    };
    candidates.sort_unstable_by_key(|c| (c.file, c.offset));
    let chunks = plan_chunks(&candidates);
    let mut matched = search_chunks(&chunks, &candidates, &paths, terms, &foreign);
    matched.sort_unstable_by_key(|&(rank, _)| rank);
    let total_matched = matched.len();
    let keep = query.limit.unwrap_or(usize::MAX);
    QueryResult { entries: matched.into_iter().take(keep).map(|(_, entry)| entry).collect(), total_matched }
}

fn plan_chunks(candidates: &[Candidate]) -> Vec<Chunk> {
    let mut chunks: Vec<Chunk> = Vec::new();
    for (at, c) in candidates.iter().enumerate() {
        let end = c.offset + u64::from(c.len);
        if let Some(chunk) = chunks.last_mut() {
            let joins = chunk.file == c.file && c.offset <= chunk.end + MAX_GAP && end - chunk.start <= CHUNK;
            if joins {
                chunk.end = end;
                chunk.candidates.end = at + 1;
                continue;
            }
        }
        chunks.push(Chunk { file: c.file, start: c.offset, end, candidates: at..at + 1 });
    }
    chunks
}

fn search_chunks(
    chunks: &[Chunk],
    candidates: &[Candidate],
    paths: &[PathBuf],
    terms: &Terms,
    foreign: &Foreign,
) -> Vec<(u32, EntryId)> {
    let next = AtomicUsize::new(0);
    let threads = reader_threads().min(chunks.len()).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut worker = Worker { foreign: Some(foreign), ..Worker::default() };
                    while let Some(chunk) = chunks.get(next.fetch_add(1, Ordering::Relaxed)) {
                        worker.search(chunk, &candidates[chunk.candidates.clone()], paths, terms);
                    }
                    worker.matched
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap_or_default()).collect()
    })
}

#[derive(Default)]
struct Worker<'f> {
    foreign: Option<&'f Foreign>,
    raw: Vec<u8>,
    lowered: Vec<u8>,
    matched: Vec<(u32, EntryId)>,
    fields: TextFields,
}

impl Worker<'_> {
    fn search(&mut self, chunk: &Chunk, candidates: &[Candidate], paths: &[PathBuf], terms: &Terms) {
        let Some(path) = paths.get(chunk.file.index()) else { return };
        // A file that vanished or shrank since it was indexed just yields no matches; the
        // follower resets the index for it.
        let Ok(file) = File::open(path) else { return };
        self.raw.resize((chunk.end - chunk.start) as usize, 0);
        if file.read_exact_at(&mut self.raw, chunk.start).is_err() {
            return;
        }
        self.lowered.clear();
        self.lowered.extend(self.raw.iter().map(u8::to_ascii_lowercase));
        let line_range = |c: &Candidate| {
            let start = (c.offset - chunk.start) as usize;
            start..start + c.len as usize
        };
        let Some(prefilter) = terms.prefilter() else {
            for c in candidates {
                self.verify(c, line_range(c), terms);
            }
            return;
        };
        let mut pos = 0usize;
        while let Some(hit) = first_real_hit(prefilter, &self.lowered, pos) {
            let at = hit as u64 + chunk.start;
            // The candidate whose line holds the hit, if any (hits may fall between candidates).
            let i = candidates.partition_point(|c| c.offset + u64::from(c.len) <= at);
            let Some(c) = candidates.get(i) else { break };
            let range = line_range(c);
            if c.offset <= at {
                self.verify(c, range.clone(), terms);
            } else {
                pos = range.start;
                continue;
            }
            pos = range.end;
        }
    }

    fn verify(&mut self, c: &Candidate, range: std::ops::Range<usize>, terms: &Terms) {
        let lowered = &self.lowered[range.clone()];
        if !terms.may_match(lowered) {
            return;
        }
        if let Some(foreign) = self.foreign.filter(|f| f.kinds.get(c.file.index()).is_some_and(|k| k.is_foreign())) {
            // A transcript's range is several lines of another format: the record they make
            // (this call's own lines, without the history) is what is searched.
            let lines = crate::source::parse_region(&self.raw[range], c.offset, u64::from(c.line));
            let (kind, path) = (foreign.kinds[c.file.index()], &foreign.paths[c.file.index()]);
            let Some(id) = foreign.ids.get(&c.entry) else { return };
            let (offset, len) = (c.offset, u64::from(c.len));
            let wanted = crate::source::Wanted { path, lines: &lines, offset, len, id, with_history: false };
            let Some(record) = crate::source::convert(kind, &wanted) else { return };
            let line = record.to_json();
            let lowered: Vec<u8> = line.bytes().map(|b| b.to_ascii_lowercase()).collect();
            if terms.may_match(&lowered) && self.fields.matches(line.as_bytes(), &lowered, terms, 0) {
                self.matched.push((c.rank, c.entry));
            }
            return;
        }
        if self.fields.matches(&self.raw[range], lowered, terms, c.history) {
            self.matched.push((c.rank, c.entry));
        }
    }
}
