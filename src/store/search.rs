//! Keyword search (CONTRACT §3): every term, case-folded, as a substring of one text field.
//!
//! The filtered candidates' lines are read back from the files in large chunks, off the index
//! lock, on every core. A raw-byte prefilter on the ASCII-lowered chunk (a fragment of the longest
//! term, `\u` for escaped text, and the non-ASCII characters that fold to the fragment's letters)
//! picks the lines worth decoding; those are verified on their decoded text fields.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use aho_corasick::AhoCorasick;
use memchr::memmem;

use super::filter::Filter;
use super::fold::{fold, fragment};
use super::load::reader_threads;
use super::text::TextFields;
use super::{EntryId, Query, QueryResult, Shared};

/// Bytes read per chunk.
const CHUNK: u64 = 4 << 20;
/// Candidates closer than this share a read.
const MAX_GAP: u64 = 64 << 10;

pub(crate) struct Term {
    finder: memmem::Finder<'static>,
    /// Lines that cannot contain the term lack all of these (ASCII-lowered); `None`: no such test.
    prefilter: Option<AhoCorasick>,
    prefilter_len: usize,
}

/// The white-space separated terms of a search, folded.
pub(crate) struct Terms {
    terms: Vec<Term>,
}

impl Terms {
    pub fn new(query: &str) -> Terms {
        let mut folded: Vec<String> = query.split_whitespace().map(fold).collect();
        folded.sort();
        folded.dedup();
        let mut terms: Vec<Term> = folded.iter().map(|text| Term::new(text)).collect();
        // The longest fragment prefilters best.
        terms.sort_by_key(|t| std::cmp::Reverse(t.prefilter_len));
        Terms { terms }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether `folded_text` contains term `i`.
    pub fn found_in(&self, i: usize, folded_text: &str) -> bool {
        self.terms[i].finder.find(folded_text.as_bytes()).is_some()
    }

    fn prefilter(&self) -> Option<&AhoCorasick> {
        self.terms.first().and_then(|t| t.prefilter.as_ref())
    }

    /// The cheap test of every term after the first on a lowered line.
    fn may_match(&self, lowered_line: &[u8]) -> bool {
        self.terms.iter().skip(1).all(|t| t.prefilter.as_ref().is_none_or(|p| p.is_match(lowered_line)))
    }
}

impl Term {
    fn new(folded: &str) -> Term {
        let finder = memmem::Finder::new(folded.as_bytes()).into_owned();
        let fragment = fragment(folded);
        if fragment.text.is_empty() {
            return Term { finder, prefilter: None, prefilter_len: 0 };
        }
        let mut patterns = vec![fragment.text.clone(), "\\u".to_owned()];
        patterns.extend(fragment.stand_ins.iter().map(|c| c.to_string()));
        let prefilter = AhoCorasick::new(&patterns).ok();
        Term { finder, prefilter_len: if prefilter.is_some() { fragment.text.len() } else { 0 }, prefilter }
    }
}

#[derive(Clone, Copy)]
struct Candidate {
    file: u32,
    offset: u64,
    len: u32,
    entry: u32,
    /// Position in the newest-first filter result.
    rank: u32,
}

struct Chunk {
    file: u32,
    start: u64,
    end: u64,
    candidates: std::ops::Range<usize>,
}

/// Runs a query that has search terms.
pub(crate) fn query(shared: &Shared, query: &Query, terms: &Terms) -> QueryResult {
    let (mut candidates, paths) = {
        let index = shared.read();
        let Some(filter) = Filter::resolve(&index, query) else {
            return QueryResult::default();
        };
        let mut candidates = Vec::new();
        filter.scan(&index, |entry| {
            let e = &index.entries[entry as usize];
            let rank = candidates.len() as u32;
            candidates.push(Candidate { file: e.file, offset: e.offset, len: e.len, entry, rank });
            true
        });
        let paths: Vec<PathBuf> = index.files.iter().map(|f| f.path.clone()).collect();
        (candidates, paths)
    };
    candidates.sort_unstable_by_key(|c| (c.file, c.offset));
    let chunks = plan_chunks(&candidates);
    let mut matched = search_chunks(&chunks, &candidates, &paths, terms);
    matched.sort_unstable_by_key(|&(rank, _)| rank);
    let total_matched = matched.len();
    let keep = query.limit.unwrap_or(usize::MAX);
    QueryResult { entries: matched.into_iter().take(keep).map(|(_, entry)| EntryId(entry)).collect(), total_matched }
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

fn search_chunks(chunks: &[Chunk], candidates: &[Candidate], paths: &[PathBuf], terms: &Terms) -> Vec<(u32, u32)> {
    let next = AtomicUsize::new(0);
    let threads = reader_threads().min(chunks.len()).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut worker = Worker::default();
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
struct Worker {
    raw: Vec<u8>,
    lowered: Vec<u8>,
    matched: Vec<(u32, u32)>,
    fields: TextFields,
}

impl Worker {
    fn search(&mut self, chunk: &Chunk, candidates: &[Candidate], paths: &[PathBuf], terms: &Terms) {
        let Some(path) = paths.get(chunk.file as usize) else { return };
        // A file that vanished or shrank since it was indexed just yields no matches; the
        // follower resets the index for it.
        let Ok(file) = File::open(path) else { return };
        self.raw.resize((chunk.end - chunk.start) as usize, 0);
        if file.read_exact_at(&mut self.raw, chunk.start).is_err() {
            return;
        }
        self.lowered.clear();
        self.lowered.extend_from_slice(&self.raw);
        self.lowered.make_ascii_lowercase();
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
        while let Some(hit) = prefilter.find(&self.lowered[pos..]) {
            let at = (pos + hit.start()) as u64 + chunk.start;
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
        if !terms.may_match(&self.lowered[range.clone()]) {
            return;
        }
        if self.fields.matches(&self.raw[range], terms) {
            self.matched.push((c.rank, c.entry));
        }
    }
}
