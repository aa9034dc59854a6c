//! Keyword search (docs/format.md §3): every term, case-folded, as a substring of one text field.
//!
//! The filtered candidates' lines are read back from the files in large chunks, off the index
//! lock, on every core. A raw-byte prefilter on the ASCII-lowered chunk (a fragment of the longest
//! term, `\u` for escaped text, and the non-ASCII characters that fold to the fragment's letters)
//! picks the lines worth decoding; those are verified on their decoded text fields.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use aho_corasick::packed;
use aho_corasick::AhoCorasick;
use memchr::memmem;

use super::filter::Filter;
use super::fold::{fold, fragment};
use super::load::reader_threads;
use super::text::TextFields;
use super::{EntryId, Query, QueryResult, Shared};
use crate::source::SourceKind;
use std::collections::HashMap;

/// Bytes read per chunk.
const CHUNK: u64 = 4 << 20;
/// Candidates closer than this share a read.
const MAX_GAP: u64 = 64 << 10;

pub(crate) struct Term {
    finder: memmem::Finder<'static>,
    /// Lines that cannot contain the term lack all of these (ASCII-lowered); `None`: no such test.
    prefilter: Option<Prefilter>,
    prefilter_len: usize,
    /// The folded term is all fragment: on a line without `specials`, a raw occurrence of it in
    /// the lowered line (outside an escape) is an occurrence in the folded text, and no other
    /// occurrence is possible.
    literal: bool,
    /// `\u` escapes and the characters that fold into the term's letters.
    specials: Option<Prefilter>,
}

/// The white-space separated terms of a search, folded.
pub(crate) struct Terms {
    terms: Vec<Term>,
}

impl Terms {
    pub(crate) fn new(query: &str) -> Terms {
        let mut folded: Vec<String> = query.split_whitespace().map(fold).collect();
        folded.sort();
        folded.dedup();
        let mut terms: Vec<Term> = folded.iter().map(|text| Term::new(text)).collect();
        // The longest fragment prefilters best.
        terms.sort_by_key(|t| std::cmp::Reverse(t.prefilter_len));
        Terms { terms }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether `folded_text` contains term `i`.
    pub(crate) fn found_in(&self, i: usize, folded_text: &[u8]) -> bool {
        self.terms[i].finder.find(folded_text).is_some()
    }

    /// Whether term `i` occurs in the lowered raw text of a JSON string's content, not counting
    /// occurrences that start inside an escape (`\\n` + "ame" is not "name").
    pub(crate) fn found_literally(&self, i: usize, lowered_content: &[u8]) -> bool {
        self.terms[i]
            .finder
            .find_iter(lowered_content)
            .any(|at| at == 0 || lowered_content[at - 1] != b'\\' || !escapes_next(lowered_content, at - 1))
    }

    /// Whether term `i` occurs in a string field, judged on the field's lowered raw content
    /// alone; `None` when the content must be decoded and folded to tell (a `\\u` escape, or a
    /// term with characters whose case varies outside ASCII).
    pub(crate) fn found_in_raw(&self, i: usize, lowered_content: &[u8]) -> Option<bool> {
        let term = &self.terms[i];
        let specials = term.specials.as_ref().filter(|_| term.literal)?;
        // One Teddy pass: a real `\\u` escape means only the decoded string can tell (its hex
        // digits are not text, and it may encode anything); stand-ins are looked around later.
        let mut stand_ins = Vec::new();
        let mut from = 0;
        while let Some((start, pattern)) = specials.find(&lowered_content[from..]) {
            let at = from + start;
            if pattern != specials.escape_pattern {
                stand_ins.push(at);
            } else if escapes_next(lowered_content, at) {
                return None;
            }
            from = at + 1;
        }
        if self.found_literally(i, lowered_content) {
            return Some(true);
        }
        // Any other occurrence involves a stand-in character: look around each one.
        Some(stand_ins.into_iter().any(|at| stand_in_may_match(lowered_content, at, &specials.folded)))
    }

    fn prefilter(&self) -> Option<&Prefilter> {
        self.terms.first().and_then(|t| t.prefilter.as_ref())
    }

    /// The cheap test of every term after the first on a lowered line.
    fn may_match(&self, lowered_line: &[u8]) -> bool {
        self.terms
            .iter()
            .skip(1)
            .all(|t| t.prefilter.as_ref().is_none_or(|p| first_real_hit(p, lowered_line, 0).is_some()))
    }
}

impl Term {
    fn new(folded: &str) -> Term {
        let finder = memmem::Finder::new(folded.as_bytes()).into_owned();
        let fragment = fragment(folded);
        if fragment.text.is_empty() {
            return Term { finder, prefilter: None, prefilter_len: 0, literal: false, specials: None };
        }
        let mut specials = vec!["\\u".to_owned()];
        specials.extend(fragment.stand_ins.iter().map(|c| c.to_string()));
        let mut patterns = vec![fragment.text.clone()];
        patterns.extend(specials.iter().cloned());
        let whole_term = fragment.text == folded;
        let prefilter = Prefilter::new(&patterns, 1, Some(0), folded, whole_term);
        let specials = Prefilter::new(&specials, 0, None, folded, whole_term);
        Term {
            finder,
            prefilter_len: if prefilter.is_some() { fragment.text.len() } else { 0 },
            prefilter,
            literal: whole_term && specials.is_some(),
            specials,
        }
    }
}

/// A multi-pattern byte search: Teddy (SIMD) when the patterns allow it, which stays fast when
/// some patterns start with bytes common in the text; Aho-Corasick otherwise.
struct Prefilter {
    search: Search,
    /// Which pattern is `\\u`, whose hits count only when the backslash starts an escape.
    escape_pattern: usize,
    /// Which pattern is the term's fragment, if any; the others are stand-in characters.
    fragment_pattern: Option<usize>,
    /// The folded term, for checking a stand-in hit where it lies.
    folded: String,
    /// The fragment is the whole folded term.
    whole_term: bool,
}

enum Search {
    Packed(packed::Searcher),
    Automaton(AhoCorasick),
}

impl Prefilter {
    fn new(
        patterns: &[String],
        escape_pattern: usize,
        fragment_pattern: Option<usize>,
        folded: &str,
        whole_term: bool,
    ) -> Option<Prefilter> {
        let mut builder = packed::Config::new().builder();
        builder.extend(patterns);
        let search = match builder.build() {
            Some(searcher) => Search::Packed(searcher),
            None => Search::Automaton(AhoCorasick::new(patterns).ok()?),
        };
        Some(Prefilter { search, escape_pattern, fragment_pattern, folded: folded.to_owned(), whole_term })
    }

    /// The start and pattern index of the first hit in `haystack`.
    fn find(&self, haystack: &[u8]) -> Option<(usize, usize)> {
        match &self.search {
            Search::Packed(searcher) => searcher.find(haystack).map(|m| (m.start(), m.pattern().as_usize())),
            Search::Automaton(automaton) => automaton.find(haystack).map(|m| (m.start(), m.pattern().as_usize())),
        }
    }
}

/// The first prefilter hit at or after `from` that may be part of a match: a `\\u` that is an
/// escaped backslash followed by a `u` (as in `C:\\\\Users`), a stand-in character whose
/// surroundings do not fold to the term, and the term as a JSON key do not count.
fn first_real_hit(prefilter: &Prefilter, lowered: &[u8], mut from: usize) -> Option<usize> {
    while let Some((start, pattern)) = prefilter.find(&lowered[from..]) {
        let at = from + start;
        let counts = if pattern == prefilter.escape_pattern {
            escapes_next(lowered, at)
        } else if Some(pattern) == prefilter.fragment_pattern {
            !(prefilter.whole_term && is_key(lowered, at, prefilter.folded.len()))
        } else {
            stand_in_may_match(lowered, at, &prefilter.folded)
        };
        if counts {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Whether `lowered[at..at + len]` is a whole JSON object key: `"` before it, `":` after it.
/// (Inside a string value those quotes would be escaped.)
fn is_key(lowered: &[u8], at: usize, len: usize) -> bool {
    at > 0
        && lowered[at - 1] == b'"'
        && !escapes_next(lowered, at - 1)
        && lowered.get(at + len..at + len + 2) == Some(b"\":")
}

/// Whether a stand-in character at `at` can be part of an occurrence of the folded term: its
/// surroundings (as far as the term could reach), unescaped and folded, contain the term, or hold
/// a `\\u` escape that makes that uncertain.
fn stand_in_may_match(lowered: &[u8], at: usize, folded_term: &str) -> bool {
    // A raw character is at most 4 bytes and folds to at least one byte.
    let reach = 4 * folded_term.len();
    let mut start = at.saturating_sub(reach);
    let mut end = (at + reach).min(lowered.len());
    // Start on a character, and at the beginning of a run of backslashes so escapes read right.
    while start < at && (lowered[start] & 0xC0) == 0x80 {
        start += 1;
    }
    while start > 0 && lowered[start - 1] == b'\\' {
        start -= 1;
    }
    while end < lowered.len() && (lowered[end] & 0xC0) == 0x80 {
        end += 1;
    }
    let Some(window) = unescape_simple(&lowered[start..end]) else { return true };
    let Ok(window) = std::str::from_utf8(&window) else { return true };
    fold(window).contains(folded_term)
}

/// JSON string text with its one-letter escapes decoded; `None` when it holds a `\\u` escape.
fn unescape_simple(raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(raw.len());
    let mut bytes = raw.iter();
    while let Some(&b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let decoded = match bytes.next() {
            Some(b'u') => return None,
            Some(b'n') => b'\n',
            Some(b't') => b'\t',
            Some(b'r') => b'\r',
            Some(b'b') => 0x08,
            Some(b'f') => 0x0c,
            Some(&other) => other,
            None => b'\\',
        };
        out.push(decoded);
    }
    Some(out)
}

/// Whether the backslash at `at` starts an escape: it is preceded by an even run of backslashes.
fn escapes_next(bytes: &[u8], at: usize) -> bool {
    bytes[..at].iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 0
}

#[derive(Clone, Copy)]
struct Candidate {
    file: u32,
    offset: u64,
    len: u32,
    entry: u32,
    /// Position in the newest-first filter result.
    rank: u32,
    line: u32,
}

/// What a worker needs to check a record converted from another agent's transcript.
struct Foreign {
    kinds: Vec<SourceKind>,
    paths: Vec<PathBuf>,
    ids: HashMap<u32, String>,
}

struct Chunk {
    file: u32,
    start: u64,
    end: u64,
    candidates: std::ops::Range<usize>,
}

/// Runs a query that has search terms.
pub(crate) fn query(shared: &Shared, query: &Query, terms: &Terms) -> QueryResult {
    // Slots are turned into ids as of this read: should a compaction renumber them while the
    // files are searched, those ids resolve to nothing rather than to other records.
    let (mut candidates, paths, foreign, first_id) = {
        let index = shared.read();
        let Some(filter) = Filter::resolve(&index, query) else {
            return QueryResult::default();
        };
        let mut candidates = Vec::new();
        let kinds: Vec<SourceKind> = index.files.iter().map(|f| f.kind).collect();
        let mut ids = HashMap::new();
        filter.scan(&index, |entry| {
            let e = &index.entries[entry as usize];
            let rank = candidates.len() as u32;
            candidates.push(Candidate { file: e.file, offset: e.offset, len: e.len, entry, rank, line: e.line });
            if kinds[e.file as usize].is_foreign() {
                ids.insert(entry, index.id_of(entry).into_owned());
            }
            true
        });
        let paths: Vec<PathBuf> = index.files.iter().map(|f| f.path.clone()).collect();
        let foreign = Foreign { kinds, paths: paths.clone(), ids };
        (candidates, paths, foreign, index.entry_id(0))
    };
    candidates.sort_unstable_by_key(|c| (c.file, c.offset));
    let chunks = plan_chunks(&candidates);
    let mut matched = search_chunks(&chunks, &candidates, &paths, terms, &foreign);
    matched.sort_unstable_by_key(|&(rank, _)| rank);
    let total_matched = matched.len();
    let keep = query.limit.unwrap_or(usize::MAX);
    QueryResult {
        entries: matched.into_iter().take(keep).map(|(_, entry)| EntryId(first_id.0 + entry)).collect(),
        total_matched,
    }
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
) -> Vec<(u32, u32)> {
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
    matched: Vec<(u32, u32)>,
    fields: TextFields,
}

impl Worker<'_> {
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
        if let Some(foreign) = self.foreign.filter(|f| f.kinds.get(c.file as usize).is_some_and(|k| k.is_foreign())) {
            // A transcript's range is several lines of another format: the record they make
            // (this call's own lines, without the history) is what is searched.
            let lines = crate::source::parse_region(&self.raw[range], c.offset, u64::from(c.line));
            let (kind, path) = (foreign.kinds[c.file as usize], &foreign.paths[c.file as usize]);
            let Some(id) = foreign.ids.get(&c.entry) else { return };
            let (offset, len) = (c.offset, u64::from(c.len));
            let wanted = crate::source::Wanted { path, lines: &lines, offset, len, id, with_history: false };
            let Some(record) = crate::source::convert(kind, &wanted) else { return };
            let line = record.to_json();
            let lowered: Vec<u8> = line.bytes().map(|b| b.to_ascii_lowercase()).collect();
            if terms.may_match(&lowered) && self.fields.matches(line.as_bytes(), &lowered, terms) {
                self.matched.push((c.rank, c.entry));
            }
            return;
        }
        if self.fields.matches(&self.raw[range], lowered, terms) {
            self.matched.push((c.rank, c.entry));
        }
    }
}
