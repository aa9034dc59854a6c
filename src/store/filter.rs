//! Query filters resolved against the index's interned names, and the newest-first scan.

use super::index::{Entry, Index, Sym};
use super::Query;

/// A query's filters with names turned into symbols and instants into (seconds, nanoseconds).
pub(crate) struct Filter {
    project: Option<Sym>,
    session: Option<Sym>,
    client: Option<Sym>,
    model: Option<Sym>,
    stop_reason: Option<Sym>,
    tags: Vec<Sym>,
    has_error: Option<bool>,
    since: Option<(i64, u32)>,
    until: Option<(i64, u32)>,
}

impl Filter {
    /// `None` when the query cannot match anything (a name no record carries).
    pub(crate) fn resolve(index: &Index, query: &Query) -> Option<Filter> {
        let lookup = |name: &Option<String>| -> Option<Option<Sym>> {
            match name.as_deref() {
                None => Some(None),
                Some(name) => index.names.get(name).map(Some),
            }
        };
        let mut tags = Vec::with_capacity(query.tags.len());
        for tag in &query.tags {
            tags.push(index.names.get(tag)?);
        }
        Some(Filter {
            project: lookup(&query.project)?,
            session: lookup(&query.session)?,
            client: lookup(&query.client)?,
            model: lookup(&query.model)?,
            stop_reason: lookup(&query.stop_reason)?,
            tags,
            has_error: query.has_error,
            since: query.since.map(|t| t.instant()),
            until: query.until.map(|t| t.instant()),
        })
    }

    fn matches(&self, index: &Index, entry: u32, e: &Entry) -> bool {
        let same = |wanted: Option<Sym>, held: Sym| wanted.is_none_or(|w| w == held);
        same(self.project, e.project)
            && same(self.session, e.session)
            && same(self.client, e.client)
            && same(self.model, e.model)
            && same(self.stop_reason, e.stop_reason)
            && self.has_error.is_none_or(|wanted| wanted == e.has_error())
            && (self.tags.is_empty() || self.tags.iter().all(|t| index.tags_of(entry).contains(t)))
    }

    /// Whether one entry matches, time range included (for checking arrivals one by one).
    pub fn accepts(&self, index: &Index, entry: u32) -> bool {
        let e = &index.entries[entry as usize];
        let at = e.instant();
        self.since.is_none_or(|since| at >= since)
            && self.until.is_none_or(|until| at < until)
            && self.matches(index, entry, e)
    }

    /// Whether only the time range matters.
    fn time_only(&self) -> bool {
        self.project.is_none()
            && self.session.is_none()
            && self.client.is_none()
            && self.model.is_none()
            && self.stop_reason.is_none()
            && self.tags.is_empty()
            && self.has_error.is_none()
    }

    /// The entries worth checking, oldest first: the shortest list of a named filter, or all.
    fn walk<'a>(&self, index: &'a Index) -> &'a [u32] {
        let named = [self.project, self.session, self.client, self.model].into_iter().flatten();
        let errors = (self.has_error == Some(true)).then(|| index.errors());
        let shortest =
            named.chain(self.tags.iter().copied()).map(|sym| index.postings(sym)).chain(errors).min_by_key(|l| l.len());
        self.time_range(index, shortest.unwrap_or(&index.order))
    }

    /// The part of `list` (oldest first) inside `since..until`.
    fn time_range<'a>(&self, index: &'a Index, list: &'a [u32]) -> &'a [u32] {
        let order = list;
        let start = match self.since {
            Some(since) => order.partition_point(|&e| index.entries[e as usize].instant() < since),
            None => 0,
        };
        let end = match self.until {
            Some(until) => order.partition_point(|&e| index.entries[e as usize].instant() < until),
            None => order.len(),
        };
        &order[start..end.max(start)]
    }

    /// Calls `each` with every matching entry, newest first, until it returns false.
    pub(crate) fn scan(&self, index: &Index, mut each: impl FnMut(u32) -> bool) {
        for &entry in self.walk(index).iter().rev() {
            if self.matches(index, entry, &index.entries[entry as usize]) && !each(entry) {
                return;
            }
        }
    }

    /// Matching entries newest first: the first `limit` and how many matched in all.
    pub(crate) fn collect(&self, index: &Index, limit: Option<usize>) -> (Vec<u32>, usize) {
        if self.time_only() {
            let range = self.time_range(index, &index.order);
            let kept = range.iter().rev().take(limit.unwrap_or(usize::MAX)).copied().collect();
            return (kept, range.len());
        }
        let mut kept = Vec::new();
        let mut total = 0usize;
        let cap = limit.unwrap_or(usize::MAX);
        self.scan(index, |entry| {
            if total < cap {
                kept.push(entry);
            }
            total += 1;
            true
        });
        (kept, total)
    }
}
