//! The search owner: how a search is answered, for every front end. A front end says what it
//! wants ([`SearchRequest`]); the store picks the strategy (a quick first pass among the newest
//! records, then everything; fuzzy narrowing among the last matches) and hands the answers to a
//! [`SearchSink`] (ripgrep's shape: the searcher drives, the sink receives). The CLI and the HTTP
//! API take the complete answer ([`Store::search`]); the TUI asks through a [`Searcher`], whose
//! newest-wins slot answers only the newest of the questions typed while one ran.

use std::collections::HashMap;
use std::sync::PoisonError;

use super::slot::{NewestWins, Superseded};
use super::snippet::{self, Snippet};
use super::terms::Terms;
use super::text_fields::TextFields;
use super::{EntryId, FuzzyHit, Query, Store};

/// Records a search's first pass looks at (see [`Store::search_in_passes`]).
pub const FIRST_PASS: usize = 5_000;

/// Fuzzy ranking of headlines (syntax and ranking: [`Store::fuzzy`]).
#[derive(Clone, Debug, PartialEq)]
pub struct FuzzyRequest {
    pub pattern: String,
    /// The best this many are answered.
    pub limit: usize,
}

/// What to search.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchRequest {
    /// Filters, keyword search and limit; with `fuzzy`, the records whose headlines are ranked
    /// (its limit aside).
    pub query: Query,
    pub fuzzy: Option<FuzzyRequest>,
    /// Answer a keyword search with a snippet of each entry's match (reads each answered line
    /// again: meant for a limited query).
    pub snippets: bool,
}

impl SearchRequest {
    pub fn keyword(query: Query) -> SearchRequest {
        SearchRequest { query, ..SearchRequest::default() }
    }

    /// [`SearchRequest::keyword`] with snippets.
    pub fn with_snippets(query: Query) -> SearchRequest {
        SearchRequest { query, snippets: true, ..SearchRequest::default() }
    }
}

/// One answer to a [`SearchRequest`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchAnswer {
    /// Newest first; best first for a fuzzy search.
    pub entries: Vec<EntryId>,
    /// A fuzzy search's hits (the same entries, with matched positions); empty otherwise.
    pub hits: Vec<FuzzyHit>,
    /// How many matched before the limit (a fuzzy search: how many are answered).
    pub total_matched: usize,
    /// Not a first pass: every record was looked at.
    pub complete: bool,
    /// Where each entry matched, when asked for ([`SearchRequest::snippets`]).
    pub snippets: HashMap<EntryId, Snippet>,
}

/// Receives a search's answers: at most one partial answer, then the complete one unless
/// [`SearchSink::wanted`] says no.
pub trait SearchSink {
    /// A quick answer among the newest [`FIRST_PASS`] records of a large store.
    fn partial(&mut self, answer: SearchAnswer);
    fn complete(&mut self, answer: SearchAnswer);
    /// Asked before the slow complete pass: `false` skips it (whoever asked has moved on).
    fn wanted(&self) -> bool {
        true
    }
}

impl Store {
    /// The complete answer at once.
    pub fn search(&self, request: &SearchRequest) -> SearchAnswer {
        match &request.fuzzy {
            Some(fuzzy) => {
                let hits = self.fuzzy_among(&fuzzy.pattern, &request.query, fuzzy.limit);
                fuzzy_answer(hits, true)
            }
            None => self.keyword_answer(request, &request.query, true),
        }
    }

    /// The answer to a keyword (or filter) query, with snippets when asked for.
    fn keyword_answer(&self, request: &SearchRequest, query: &Query, complete: bool) -> SearchAnswer {
        let result = self.query(query);
        let snippets = if request.snippets { self.snippets(&result.entries, query) } else { HashMap::new() };
        let (entries, total_matched) = (result.entries, result.total_matched);
        SearchAnswer { entries, total_matched, complete, snippets, hits: Vec::new() }
    }

    /// Where each of `entries` matched `query`'s keyword search (entries without a match, or
    /// gone since, have none).
    pub fn snippets(&self, entries: &[EntryId], query: &Query) -> HashMap<EntryId, Snippet> {
        let Some(terms) = query.search.as_deref().map(Terms::new).filter(|t| !t.is_empty()) else {
            return HashMap::new();
        };
        let mut fields = TextFields::default();
        entries.iter().filter_map(|&entry| Some((entry, self.snippet_of(entry, query, &terms, &mut fields)?))).collect()
    }

    fn snippet_of(&self, entry: EntryId, query: &Query, terms: &Terms, fields: &mut TextFields) -> Option<Snippet> {
        // A transcript's record reads back with its history, like ours: the same count skips it.
        let history = match query.search_history {
            true => 0,
            false => {
                let index = self.inner.read();
                super::keyword::unsearched_history(&index, index.slot(entry)?)
            }
        };
        let line = self.read_raw(entry).ok()?;
        let lowered = line.to_ascii_lowercase();
        snippet::cut(&fields.locate(&line, &lowered, terms, history)?, terms)
    }

    /// Answers twice when the store is large (more than twice [`FIRST_PASS`] records pass the
    /// filters): first among the newest [`FIRST_PASS`] of them, so a screenful arrives fast
    /// however big the store is, then over everything. A fuzzy pattern that narrows the last
    /// matches is answered once: that is already quick.
    pub fn search_in_passes(&self, request: &SearchRequest, sink: &mut dyn SearchSink) {
        if let Some(answer) = self.first_pass(request) {
            sink.partial(answer);
        }
        if sink.wanted() {
            sink.complete(self.search(request));
        }
    }

    fn first_pass(&self, request: &SearchRequest) -> Option<SearchAnswer> {
        let query = &request.query;
        match &request.fuzzy {
            Some(fuzzy) => {
                if self.fuzzy_narrows(&fuzzy.pattern, query) {
                    return None;
                }
                let newest = self.query(&Query { limit: Some(FIRST_PASS), ..query.clone() });
                let large = newest.total_matched > 2 * FIRST_PASS;
                large.then(|| fuzzy_answer(self.fuzzy(&fuzzy.pattern, Some(&newest.entries), fuzzy.limit), false))
            }
            None if query.search.is_some() => {
                // The newest records bound the pass by time: keyword search filters before it
                // reads, so the bound is what keeps the pass small.
                let newest = self.query(&Query { search: None, limit: Some(FIRST_PASS), ..query.clone() });
                let bound = newest.entries.last().and_then(|&entry| self.summary(entry)).map(|s| s.timestamp);
                let bound = bound.filter(|_| newest.total_matched > 2 * FIRST_PASS)?;
                let since = query.since.map_or(bound, |since| since.max(bound));
                Some(self.keyword_answer(request, &Query { since: Some(since), ..query.clone() }, false))
            }
            None => None,
        }
    }

    /// Whether [`Store::fuzzy_among`] would look only among the last matches.
    fn fuzzy_narrows(&self, pattern: &str, base: &Query) -> bool {
        let base = Query { limit: None, ..base.clone() };
        let last = self.inner.last_fuzzy.lock().unwrap_or_else(PoisonError::into_inner);
        let generation = self.inner.read().generation();
        last.narrows(pattern, &base, generation)
    }
}

fn fuzzy_answer(hits: Vec<FuzzyHit>, complete: bool) -> SearchAnswer {
    let entries: Vec<EntryId> = hits.iter().map(|hit| hit.entry).collect();
    SearchAnswer { total_matched: entries.len(), entries, hits, complete, snippets: HashMap::new() }
}

/// Searches in the background, newest question first: see [`NewestWins`]. Each question is
/// tagged by the caller's generation; a question replaced before it ran is never answered, and
/// one replaced while it runs skips its complete pass.
#[derive(Clone)]
pub struct Searcher {
    store: Store,
    slot: NewestWins,
}

impl Searcher {
    pub fn new(store: Store) -> Searcher {
        Searcher { store, slot: NewestWins::new() }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn submit(&self, generation: u64, request: SearchRequest, sink: impl SearchSink + Send + 'static) {
        let store = self.store.clone();
        self.slot.submit(generation, move |superseded| {
            let mut sink = UnlessSuperseded { sink, superseded };
            store.search_in_passes(&request, &mut sink);
        });
    }

    /// Whether a search is running or waiting.
    pub fn is_busy(&self) -> bool {
        self.slot.is_busy()
    }
}

struct UnlessSuperseded<'s, S> {
    sink: S,
    superseded: &'s Superseded,
}

impl<S: SearchSink> SearchSink for UnlessSuperseded<'_, S> {
    fn partial(&mut self, answer: SearchAnswer) {
        self.sink.partial(answer);
    }
    fn complete(&mut self, answer: SearchAnswer) {
        self.sink.complete(answer);
    }
    fn wanted(&self) -> bool {
        !self.superseded.now() && self.sink.wanted()
    }
}
