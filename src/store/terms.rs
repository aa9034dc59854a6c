//! Search terms (docs/format.md §3): each white-space separated word, case-folded, and the raw-byte
//! tests that tell cheaply whether a lowered line or JSON string can hold it (a fragment of the
//! term, `\u` for escaped text, and the non-ASCII characters that fold to the fragment's letters).

use aho_corasick::packed;
use aho_corasick::AhoCorasick;
use memchr::memmem;

use super::fold::{fold, fragment};

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

    /// Each term, folded.
    pub(crate) fn folded(&self) -> impl Iterator<Item = &[u8]> {
        self.terms.iter().map(|t| t.finder.needle())
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

    pub(crate) fn prefilter(&self) -> Option<&Prefilter> {
        self.terms.first().and_then(|t| t.prefilter.as_ref())
    }

    /// The cheap test of every term after the first on a lowered line.
    pub(crate) fn may_match(&self, lowered_line: &[u8]) -> bool {
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
pub(crate) struct Prefilter {
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
pub(crate) fn first_real_hit(prefilter: &Prefilter, lowered: &[u8], mut from: usize) -> Option<usize> {
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
