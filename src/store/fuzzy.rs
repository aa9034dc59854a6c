//! Fuzzy ranking of headlines for search-as-you-type, with `nucleo-matcher` on every core and a
//! top-k heap per thread instead of a full sort.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::index::Index;
use super::load::reader_threads;
use super::{EntryId, FuzzyHit};

/// Below this many headlines one thread is quicker than starting another.
const PARALLEL_FROM: usize = 20_000;

/// A kept hit: higher score first, then newer (a smaller position in newest-first order).
type Ranked = (u32, Reverse<usize>);

pub(crate) fn rank(index: &Index, pattern: &str, within: Option<&[EntryId]>, limit: usize) -> Vec<FuzzyHit> {
    if limit == 0 {
        return Vec::new();
    }
    let candidates: Vec<u32> = match within {
        Some(entries) => entries.iter().filter(|e| index.live_entry(**e).is_some()).map(|e| e.0).collect(),
        None => index.order.iter().rev().copied().collect(),
    };
    let pattern = Pattern::parse(pattern, CaseMatching::Smart, Normalization::Smart);
    if pattern.atoms.is_empty() {
        return candidates
            .into_iter()
            .take(limit)
            .map(|e| FuzzyHit { entry: EntryId(e), score: 0, positions: Vec::new() })
            .collect();
    }
    let threads = if candidates.len() >= PARALLEL_FROM { reader_threads() } else { 1 };
    let part = candidates.len().div_ceil(threads).max(1);
    let mut best: Vec<Ranked> = std::thread::scope(|scope| {
        let workers: Vec<_> = candidates
            .chunks(part)
            .enumerate()
            .map(|(n, slice)| {
                let pattern = &pattern;
                scope.spawn(move || top_k(index, pattern, slice, n * part, limit))
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap_or_default()).collect()
    });
    best.sort_unstable_by(|a, b| b.cmp(a));
    best.truncate(limit);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let (mut headline, mut chars) = (String::new(), Vec::new());
    best.into_iter()
        .map(|(score, Reverse(position))| {
            let entry = candidates[position];
            index.write_headline(entry, &mut headline);
            let mut positions = Vec::new();
            pattern.indices(Utf32Str::new(&headline, &mut chars), &mut matcher, &mut positions);
            positions.sort_unstable();
            positions.dedup();
            FuzzyHit { entry: EntryId(entry), score, positions }
        })
        .collect()
}

fn top_k(index: &Index, pattern: &Pattern, slice: &[u32], first_position: usize, limit: usize) -> Vec<Ranked> {
    let mut matcher = Matcher::new(Config::DEFAULT);
    let (mut headline, mut chars) = (String::new(), Vec::new());
    let mut heap: BinaryHeap<Reverse<Ranked>> = BinaryHeap::with_capacity(limit + 1);
    for (i, &entry) in slice.iter().enumerate() {
        index.write_headline(entry, &mut headline);
        let Some(score) = pattern.score(Utf32Str::new(&headline, &mut chars), &mut matcher) else { continue };
        let ranked = (score, Reverse(first_position + i));
        if heap.len() < limit {
            heap.push(Reverse(ranked));
        } else if heap.peek().is_some_and(|Reverse(worst)| ranked > *worst) {
            heap.pop();
            heap.push(Reverse(ranked));
        }
    }
    heap.into_iter().map(|Reverse(r)| r).collect()
}
