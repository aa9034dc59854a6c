//! Stats the store answers: latency percentiles, error rate, cache-hit share, tokens per model and
//! per session, and a session's context size turn by turn.
//!
//! A [`StatsTally`] is kept up to date as records arrive: new entries are added to it one by
//! one; only a change that rewrites what was counted (a removed file, a transcript call that grew,
//! a compaction) makes it count again from scratch.

use std::collections::HashMap;

use super::filter::Filter;
use super::index::{Index, Sym, NONE};
use super::turns::TurnKind;
use super::{EntryId, Query, Store};
use crate::record::Timestamp;

/// Latencies below this many milliseconds are kept exactly; above, within 1/128 (0.8 %).
const EXACT_MS: u64 = 1024;
const MANTISSA_BITS: u32 = 7;

/// Tokens of one model or one session.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenRow {
    pub name: String,
    pub records: usize,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_creation_tokens: u64,
}

impl TokenRow {
    /// Input and output tokens, without the cache's: what the records' `input_tokens` and
    /// `output_tokens` say, as the rest of the statistics count tokens.
    pub fn in_out(&self) -> u64 {
        self.input_tokens.saturating_add(self.output_tokens)
    }

    /// Every token of the row: the whole prompts and the outputs.
    pub fn total(&self) -> u64 {
        self.input_tokens
            .saturating_add(self.output_tokens)
            .saturating_add(self.cache_read_tokens)
            .saturating_add(self.cache_creation_tokens)
    }

    fn add(&mut self, tokens: &Tokens) {
        self.records += 1;
        self.input_tokens = self.input_tokens.saturating_add(tokens.input);
        self.output_tokens = self.output_tokens.saturating_add(tokens.output);
        self.cache_read_tokens = self.cache_read_tokens.saturating_add(tokens.cache_read);
        self.cache_creation_tokens = self.cache_creation_tokens.saturating_add(tokens.cache_creation);
    }
}

/// What the records of a query add up to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    pub records: usize,
    /// Records with an `error`.
    pub errors: usize,
    /// Records with a `duration_ms`.
    pub timed: usize,
    /// Nearest-rank percentiles of `duration_ms`, in milliseconds.
    pub latency_p50_ms: Option<u64>,
    pub latency_p95_ms: Option<u64>,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_creation_tokens: u64,
    /// Most tokens first (ties: by name).
    pub by_model: Vec<TokenRow>,
    pub by_session: Vec<TokenRow>,
}

impl Stats {
    /// Errors ÷ records; `None` without records.
    pub fn error_rate(&self) -> Option<f64> {
        (self.records > 0).then(|| self.errors as f64 / self.records as f64)
    }

    /// Cache reads ÷ the whole prompt (input + cache reads + cache writes); `None` when no
    /// prompt token was counted.
    pub fn cache_hit_share(&self) -> Option<f64> {
        let whole = self.input_tokens.saturating_add(self.cache_read_tokens).saturating_add(self.cache_creation_tokens);
        (whole > 0).then(|| self.cache_read_tokens as f64 / whole as f64)
    }
}

/// One turn of a session, for a chart of its context size over time.
#[derive(Clone, Debug, PartialEq)]
pub struct ContextPoint {
    pub entry: EntryId,
    pub timestamp: Timestamp,
    /// The whole prompt: input + cache reads + cache writes (0 when the record reports no usage).
    pub prompt_tokens: u64,
    pub has_usage: bool,
    pub kind: Option<TurnKind>,
}

struct Tokens {
    input: u64,
    output: u64,
    cache_read: u64,
    cache_creation: u64,
}

/// Running totals for a query's filters, refreshed as records arrive ([`Store::refresh_tally`]).
#[derive(Clone, Debug)]
pub struct StatsTally {
    query: Query,
    /// The store's epoch and change count it was counted at.
    epoch: u64,
    /// Slots below this were looked at.
    counted_below: u32,
    records: usize,
    errors: usize,
    timed: usize,
    /// Latency histogram (see [`bucket`]).
    latencies: Vec<u32>,
    input: u64,
    output: u64,
    cache_read: u64,
    cache_creation: u64,
    by_model: HashMap<Sym, TokenRow>,
    by_session: HashMap<Sym, TokenRow>,
    stats: Stats,
}

impl StatsTally {
    fn new(query: &Query) -> Self {
        // Keyword search and limits do not apply: the tally covers every record the filters pass.
        let query = Query { search: None, limit: None, ..query.clone() };
        StatsTally {
            query,
            epoch: u64::MAX,
            counted_below: 0,
            records: 0,
            errors: 0,
            timed: 0,
            latencies: Vec::new(),
            input: 0,
            output: 0,
            cache_read: 0,
            cache_creation: 0,
            by_model: HashMap::new(),
            by_session: HashMap::new(),
            stats: Stats::default(),
        }
    }

    /// The figures as of the last refresh.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    pub fn query(&self) -> &Query {
        &self.query
    }

    fn restart(&mut self) {
        *self = StatsTally::new(&self.query);
    }

    fn count(&mut self, index: &Index, slot: u32) {
        let e = &index.entries[slot as usize];
        let (cache_read, cache_creation) = index.turns.cache_tokens(slot);
        let tokens = Tokens { input: e.input_tokens, output: e.output_tokens, cache_read, cache_creation };
        self.records += 1;
        self.errors += usize::from(e.has_error());
        if let Some(ms) = index.duration_of(slot) {
            self.timed += 1;
            let at = bucket(ms);
            if self.latencies.len() <= at {
                self.latencies.resize(at + 1, 0);
            }
            self.latencies[at] += 1;
        }
        self.input = self.input.saturating_add(tokens.input);
        self.output = self.output.saturating_add(tokens.output);
        self.cache_read = self.cache_read.saturating_add(tokens.cache_read);
        self.cache_creation = self.cache_creation.saturating_add(tokens.cache_creation);
        for (sym, rows) in [(e.model, &mut self.by_model), (e.session, &mut self.by_session)] {
            if sym != NONE {
                rows.entry(sym)
                    .or_insert_with(|| TokenRow { name: index.names.name(sym).to_owned(), ..TokenRow::default() })
                    .add(&tokens);
            }
        }
    }

    fn snapshot(&mut self) {
        let rows = |rows: &HashMap<Sym, TokenRow>| {
            let mut rows: Vec<TokenRow> = rows.values().cloned().collect();
            rows.sort_by(|a, b| b.total().cmp(&a.total()).then_with(|| a.name.cmp(&b.name)));
            rows
        };
        self.stats = Stats {
            records: self.records,
            errors: self.errors,
            timed: self.timed,
            latency_p50_ms: percentile(&self.latencies, self.timed, 50),
            latency_p95_ms: percentile(&self.latencies, self.timed, 95),
            input_tokens: self.input,
            output_tokens: self.output,
            cache_read_tokens: self.cache_read,
            cache_creation_tokens: self.cache_creation,
            by_model: rows(&self.by_model),
            by_session: rows(&self.by_session),
        };
    }
}

/// A latency's histogram bucket: exact below [`EXACT_MS`], then 128 buckets per power of two.
fn bucket(ms: u64) -> usize {
    if ms < EXACT_MS {
        return ms as usize;
    }
    let exponent = 63 - ms.leading_zeros();
    let mantissa = (ms >> (exponent - MANTISSA_BITS)) & ((1 << MANTISSA_BITS) - 1);
    EXACT_MS as usize + ((exponent - 10) as usize) * (1 << MANTISSA_BITS) + mantissa as usize
}

/// The smallest latency a bucket holds.
fn bucket_floor(at: usize) -> u64 {
    if at < EXACT_MS as usize {
        return at as u64;
    }
    let above = at - EXACT_MS as usize;
    let exponent = (above >> MANTISSA_BITS) as u32 + 10;
    let mantissa = (above & ((1 << MANTISSA_BITS) - 1)) as u64;
    (1u64 << exponent) | (mantissa << (exponent - MANTISSA_BITS))
}

/// The nearest-rank `p`th percentile of `count` values in `histogram`.
fn percentile(histogram: &[u32], count: usize, p: usize) -> Option<u64> {
    if count == 0 {
        return None;
    }
    let rank = (count * p).div_ceil(100).max(1);
    let mut seen = 0usize;
    histogram.iter().enumerate().find_map(|(at, &n)| {
        seen += n as usize;
        (seen >= rank).then(|| bucket_floor(at))
    })
}

impl Store {
    /// The stats of every record `query`'s filters pass (its keyword search and limit aside).
    pub fn stats(&self, query: &Query) -> Stats {
        let mut tally = self.tally(query);
        std::mem::take(&mut tally.stats)
    }

    /// A tally of `query`'s filters, counted now; keep it current with [`Store::refresh_tally`].
    pub fn tally(&self, query: &Query) -> StatsTally {
        let mut tally = StatsTally::new(query);
        self.refresh_tally(&mut tally, &[]);
        tally
    }

    /// Brings a tally up to date after the store announced `appended` (empty: after a reset, or
    /// to be sure). New records are added one by one; a change to records already counted, or
    /// a compaction, counts everything again. Returns whether the figures changed.
    pub fn refresh_tally(&self, tally: &mut StatsTally, appended: &[EntryId]) -> bool {
        let index = self.inner.read();
        let filter = Filter::resolve(&index, &tally.query);
        let fresh = tally.epoch == index.epoch()
            && !appended.is_empty()
            && appended.iter().all(|&e| index.slot(e).is_some_and(|slot| slot >= tally.counted_below));
        let before = (tally.records, tally.input, tally.output, tally.timed);
        if fresh {
            for &entry in appended {
                let Some(slot) = index.slot(entry) else { continue };
                let alive = index.live_entry(entry).is_some();
                if alive && filter.as_ref().is_some_and(|f| f.accepts(&index, slot)) {
                    tally.count(&index, slot);
                }
            }
        } else {
            tally.restart();
            tally.epoch = index.epoch();
            if let Some(filter) = &filter {
                filter.scan(&index, |slot| {
                    tally.count(&index, slot);
                    true
                });
            }
        }
        tally.counted_below = index.slots() as u32;
        let changed = !fresh || before != (tally.records, tally.input, tally.output, tally.timed);
        if changed {
            tally.snapshot();
        }
        changed
    }

    /// The session's turns oldest first with the size of each one's prompt.
    pub fn context_sizes(&self, session: &str) -> Vec<ContextPoint> {
        let index = self.inner.read();
        index
            .conversation(session)
            .into_iter()
            .filter_map(|entry| {
                let slot = index.slot(entry)?;
                let e = index.live_entry(entry)?;
                let (cache_read, cache_creation) = index.turns.cache_tokens(slot);
                Some(ContextPoint {
                    entry,
                    timestamp: e.timestamp(),
                    prompt_tokens: e.input_tokens.saturating_add(cache_read).saturating_add(cache_creation),
                    has_usage: e.has_usage(),
                    kind: index.turn(entry).map(|t| t.kind),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_exact_below_a_second_and_close_above() {
        for ms in [0, 1, 999, 1023] {
            assert_eq!(bucket_floor(bucket(ms)), ms);
        }
        for ms in [1024, 1500, 12_345, 987_654_321, u64::from(u32::MAX)] {
            let floor = bucket_floor(bucket(ms));
            assert!(floor <= ms && ms - floor <= ms / 128, "{ms} → {floor}");
        }
        assert!(bucket(2047) < bucket(2048));
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        // One value each of 1 ms … 100 ms.
        let histogram: Vec<u32> = (0..1024).map(|ms| u32::from((1..=100).contains(&ms))).collect();
        assert_eq!(percentile(&histogram, 100, 50), Some(50));
        assert_eq!(percentile(&histogram, 100, 95), Some(95));
        assert_eq!(percentile(&histogram, 0, 50), None);
        let mut one = vec![0u32; 8];
        one[7] = 1;
        assert_eq!(percentile(&one, 1, 50), Some(7));
        assert_eq!(percentile(&one, 1, 95), Some(7));
    }

    #[test]
    fn shares_and_rates() {
        let stats = Stats { records: 4, errors: 1, input_tokens: 10, cache_read_tokens: 30, ..Stats::default() };
        assert_eq!(stats.error_rate(), Some(0.25));
        assert_eq!(stats.cache_hit_share(), Some(0.75));
        assert_eq!(Stats::default().error_rate(), None);
        assert_eq!(Stats::default().cache_hit_share(), None);
    }
}
