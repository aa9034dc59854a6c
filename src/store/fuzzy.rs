//! Fuzzy ranking of headlines for search-as-you-type, with `nucleo-matcher`.
//!
//! Per keystroke: only the entries the previous pattern matched are looked at when the new
//! pattern extends it; a byte prefilter (the pattern's ASCII letters in order, memchr) drops most
//! headlines before the matcher sees them; the rest get nucleo's linear greedy score on every
//! core, each thread keeping a top-k heap; the best few of those are re-scored with nucleo's
//! optimal algorithm, which orders the final list and gives the highlighted positions.
//! Normalization is off: `e` does not match `é` (the folding table lookups per character
//! doubled the cost of non-ASCII headlines).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use rayon::prelude::*;

use super::filter::Filter;
use super::index::Index;
use super::load::reader_threads;
use super::{EntryId, FuzzyHit, Query};

/// Below this many headlines one thread is quicker than sharing the work.
const PARALLEL_FROM: usize = 4_096;
/// Headlines scored between checks whether the best possible results are already found.
const BLOCK: usize = 32_768;
/// How many greedy-best candidates per result are re-scored optimally.
const RESCORE_FACTOR: usize = 4;

/// A kept hit: higher score first, then newer (a smaller position in newest-first order).
type Ranked = (u32, Reverse<usize>);

/// Every entry the last pattern matched (newest first), so that typing one more character only
/// looks at those: a pattern that extends another matches a subset of what it matched, under the
/// same filters and with no record added or removed since.
#[derive(Default)]
pub(crate) struct LastMatches {
    pattern: String,
    base: Query,
    generation: u64,
    entries: Vec<u32>,
}

impl LastMatches {
    /// The one rule for reusing the last matches.
    pub(crate) fn narrows(&self, pattern: &str, base: &Query, generation: u64) -> bool {
        // A negated atom (`!x`) matches more as it grows, and a `$` or an escape may stop being
        // syntax once more is typed (`fo$` is "ends with fo", `fo$x` is fuzzy): those cannot narrow.
        self.generation == generation
            && !self.pattern.is_empty()
            && pattern.starts_with(&self.pattern)
            && !pattern.contains('!')
            && !self.pattern.contains(['$', '\\'])
            && self.base == *base
    }
}

/// The headlines a ranking looks at.
pub(crate) enum Among<'a> {
    /// The records `base`'s filters select (its keyword search aside), or the last matches when
    /// the pattern narrows them ([`LastMatches::narrows`]); a complete ranking is remembered.
    Cached { last: &'a mut LastMatches, base: &'a Query },
    /// These entries only (the cache is neither used nor changed).
    Entries(&'a [EntryId]),
}

pub(crate) fn rank(index: &Index, among: Among<'_>, text: &str, limit: usize) -> Vec<FuzzyHit> {
    if limit == 0 {
        return Vec::new();
    }
    let generation = index.generation();
    let (candidates, mut cache): (Vec<u32>, Option<(&mut LastMatches, &Query)>) = match among {
        Among::Entries(entries) => {
            (entries.iter().filter_map(|&e| index.live_entry(e).and(index.slot(e))).collect(), None)
        }
        Among::Cached { last, base } => {
            let candidates = if last.narrows(text, base, generation) {
                std::mem::take(&mut last.entries)
            } else if *base == Query::default() {
                index.order.iter().rev().copied().collect()
            } else {
                Filter::resolve(index, base).map(|filter| filter.collect(index, None).0).unwrap_or_default()
            };
            (candidates, Some((last, base)))
        }
    };
    let pattern = Pattern::parse(text, CaseMatching::Smart, Normalization::Never);
    if pattern.atoms.is_empty() {
        if let Some((last, ..)) = cache {
            *last = LastMatches::default();
        }
        return candidates
            .into_iter()
            .take(limit)
            .map(|e| FuzzyHit { entry: index.entry_id(e), score: 0, positions: Vec::new() })
            .collect();
    }
    let scorer = Scorer::new(&pattern);
    let keep = limit.saturating_mul(RESCORE_FACTOR);
    let mut best: Vec<Ranked> = Vec::new();
    let mut matched = Vec::new();
    let mut complete = true;
    // Blocks in newest-first order; once `limit` hits have the best score a hit can have, older
    // entries cannot rank higher (ties go to the newer), so the scan stops.
    for (n, block) in candidates.chunks(BLOCK).enumerate() {
        let part = if block.len() >= PARALLEL_FROM { block.len().div_ceil(reader_threads()) } else { block.len() };
        let results: Vec<(Vec<Ranked>, Vec<u32>)> = block
            .par_chunks(part.max(1))
            .enumerate()
            .map(|(i, slice)| top_k(index, &scorer, slice, n * BLOCK + i * part, keep))
            .collect();
        for (ranked, entries) in results {
            best.extend(ranked);
            matched.extend(entries);
        }
        best.sort_unstable_by(|a, b| b.cmp(a));
        best.truncate(keep);
        if best.iter().take_while(|(score, _)| *score >= scorer.best_possible).count() >= limit {
            complete = false;
            break;
        }
    }
    if let Some((last, base)) = cache.take() {
        *last = if complete {
            LastMatches { pattern: text.to_owned(), base: base.clone(), generation, entries: matched }
        } else {
            LastMatches::default()
        };
    }
    let mut matcher = Matcher::new(Config::DEFAULT);
    let (mut headline, mut chars) = (String::new(), Vec::new());
    let mut rescored: Vec<(Ranked, Vec<u32>)> = best
        .into_iter()
        .filter_map(|(_, Reverse(position))| {
            index.write_headline(candidates[position], &mut headline);
            let mut positions = Vec::new();
            let score = pattern.indices(haystack(&headline, &mut chars), &mut matcher, &mut positions)?;
            Some(((score, Reverse(position)), positions))
        })
        .collect();
    rescored.sort_unstable_by_key(|r| Reverse(r.0));
    rescored.truncate(limit);
    rescored
        .into_iter()
        .map(|((score, Reverse(position)), mut positions)| {
            positions.sort_unstable();
            positions.dedup();
            FuzzyHit { entry: index.entry_id(candidates[position]), score, positions }
        })
        .collect()
}

/// The parsed pattern, ready for the cheap first pass.
struct Scorer<'p> {
    pattern: &'p Pattern,
    /// Per atom: matches case-insensitively (smart case: no upper case in the atom).
    ignore_case: Vec<bool>,
    /// Per positive atom: its ASCII characters, as (lower, upper, stand-in lead byte) that any
    /// match contains in order (a Kelvin sign may stand for `k`, a long s for `s`: their UTF-8
    /// lead byte is accepted too).
    in_order: Vec<Vec<(u8, u8, u8)>>,
    /// Every atom is ASCII: the first pass can run on an ASCII projection of the headline.
    ascii_pattern: bool,
    /// The highest greedy score any headline can get: each atom matched as a word of its own.
    best_possible: u32,
}

impl<'p> Scorer<'p> {
    fn new(pattern: &'p Pattern) -> Scorer<'p> {
        let mut ignore_case = Vec::new();
        let mut in_order = Vec::new();
        for atom in &pattern.atoms {
            let needle: Vec<char> = utf32_chars(atom.needle_text());
            let insensitive = !needle.iter().any(|c| c.is_uppercase());
            ignore_case.push(insensitive);
            if atom.negative {
                continue;
            }
            let bytes = needle
                .iter()
                .filter(|c| c.is_ascii())
                .map(|&c| {
                    let b = c as u8;
                    let (lower, upper) =
                        if insensitive { (b.to_ascii_lowercase(), b.to_ascii_uppercase()) } else { (b, b) };
                    let stand_in = match (insensitive, lower) {
                        (true, b'k') => 0xE2,
                        (true, b's') => 0xC5,
                        _ => lower,
                    };
                    (lower, upper, stand_in)
                })
                .collect();
            in_order.push(bytes);
        }
        let ascii_pattern = pattern.atoms.iter().all(|a| matches!(a.needle_text(), Utf32Str::Ascii(_)));
        let mut scorer = Scorer { pattern, ignore_case, in_order, ascii_pattern, best_possible: u32::MAX };
        scorer.best_possible = scorer.highest_score();
        scorer
    }

    fn highest_score(&self) -> u32 {
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut chars = Vec::new();
        let mut total = 0u32;
        for atom in self.pattern.atoms.iter().filter(|a| !a.negative) {
            let needle: String = utf32_chars(atom.needle_text()).into_iter().collect();
            let single = Scorer {
                pattern: self.pattern,
                ignore_case: vec![true],
                in_order: Vec::new(),
                ascii_pattern: true,
                best_possible: 0,
            };
            let alone = haystack(&needle, &mut chars);
            let score = single.greedy_atom(atom, true, alone, &mut matcher).unwrap_or(u16::MAX);
            total = total.saturating_add(u32::from(score));
        }
        total
    }

    /// Whether the headline can match at all (no false negatives).
    fn may_match(&self, headline: &str) -> bool {
        let bytes = headline.as_bytes();
        self.in_order.iter().all(|needle| {
            let mut at = 0;
            needle.iter().all(|&(lower, upper, stand_in)| match memchr::memchr3(lower, upper, stand_in, &bytes[at..]) {
                Some(found) => {
                    at += found + 1;
                    true
                }
                None => false,
            })
        })
    }

    /// nucleo's greedy (linear) score: whether it matches is exact, the score approximate.
    fn greedy(&self, haystack: Utf32Str<'_>, matcher: &mut Matcher) -> Option<u32> {
        let mut total = 0u32;
        for (atom, &ignore_case) in self.pattern.atoms.iter().zip(&self.ignore_case) {
            let score = self.greedy_atom(atom, ignore_case, haystack, matcher);
            match (atom.negative, score) {
                (true, Some(_)) => return None,
                (true, None) => {}
                (false, score) => total += u32::from(score?),
            }
        }
        Some(total)
    }
}

impl Scorer<'_> {
    fn greedy_atom(
        &self,
        atom: &Atom,
        ignore_case: bool,
        haystack: Utf32Str<'_>,
        matcher: &mut Matcher,
    ) -> Option<u16> {
        matcher.config.ignore_case = ignore_case;
        matcher.config.normalize = false;
        let needle = atom.needle_text();
        match atom.kind {
            AtomKind::Fuzzy => matcher.fuzzy_match_greedy(haystack, needle),
            AtomKind::Substring => matcher.substring_match(haystack, needle),
            AtomKind::Exact => matcher.exact_match(haystack, needle),
            AtomKind::Prefix => matcher.prefix_match(haystack, needle),
            AtomKind::Postfix => matcher.postfix_match(haystack, needle),
            // A kind added by a later nucleo: its own (optimal) scoring.
            _ => atom.score(haystack, matcher),
        }
    }
}

/// The headline with one ASCII byte per character, for scoring an ASCII pattern on nucleo's
/// ASCII path: a character that lowers to an ASCII letter (the Kelvin sign, the long s) becomes
/// that letter, any other non-ASCII character (the `·` between parts too) a control byte no
/// pattern contains. Positions are unchanged; final scores and positions come from the real
/// headline.
fn write_projected_headline(index: &Index, entry: u32, out: &mut String) {
    out.clear();
    for part in index.headline_parts(entry).into_iter().filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push_str(" \u{1A} ");
        }
        project_ascii(part, out);
    }
}

fn project_ascii(text: &str, out: &mut String) {
    let mut rest = text;
    while !rest.is_empty() {
        let ascii_run = rest.bytes().position(|b| !b.is_ascii()).unwrap_or(rest.len());
        out.push_str(&rest[..ascii_run]);
        let mut chars = rest[ascii_run..].chars();
        if let Some(c) = chars.next() {
            out.push(match c {
                '\u{212A}' => 'k',
                '\u{17F}' => 's',
                _ => '\u{1A}',
            });
        }
        rest = chars.as_str();
    }
}

fn utf32_chars(text: Utf32Str<'_>) -> Vec<char> {
    match text {
        Utf32Str::Ascii(bytes) => bytes.iter().map(|&b| b as char).collect(),
        Utf32Str::Unicode(chars) => chars.to_vec(),
    }
}

/// The text as nucleo reads it: ASCII bytes, or one `char` per character (so that match
/// positions are char indices, as [`FuzzyHit::positions`] promises, and no grapheme
/// segmentation is paid for).
fn haystack<'a>(text: &'a str, chars: &'a mut Vec<char>) -> Utf32Str<'a> {
    if text.is_ascii() {
        return Utf32Str::Ascii(text.as_bytes());
    }
    chars.clear();
    chars.extend(text.chars());
    Utf32Str::Unicode(chars)
}

/// The best `limit` of `slice`, and every entry of it that matched.
fn top_k(
    index: &Index,
    scorer: &Scorer,
    slice: &[u32],
    first_position: usize,
    limit: usize,
) -> (Vec<Ranked>, Vec<u32>) {
    let mut matcher = Matcher::new(Config::DEFAULT);
    let (mut headline, mut chars) = (String::new(), Vec::new());
    let mut heap: BinaryHeap<Reverse<Ranked>> = BinaryHeap::with_capacity(limit + 1);
    let mut matched = Vec::new();
    for (i, &entry) in slice.iter().enumerate() {
        if scorer.ascii_pattern {
            write_projected_headline(index, entry, &mut headline);
        } else {
            index.write_headline(entry, &mut headline);
        }
        if !scorer.may_match(&headline) {
            continue;
        }
        let Some(score) = scorer.greedy(haystack(&headline, &mut chars), &mut matcher) else { continue };
        matched.push(entry);
        let ranked = (score, Reverse(first_position + i));
        if heap.len() < limit {
            heap.push(Reverse(ranked));
        } else if heap.peek().is_some_and(|Reverse(worst)| ranked > *worst) {
            heap.pop();
            heap.push(Reverse(ranked));
        }
    }
    (heap.into_iter().map(|Reverse(r)| r).collect(), matched)
}
