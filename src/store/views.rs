//! Views over the whole index: a session's turns, every session's totals, facet counts.

use std::collections::HashMap;

use super::index::{Index, Sym, NONE};
use super::{EntryId, Facet, SessionQuery, SessionSummary};

impl Index {
    /// The session's entries oldest first.
    pub(crate) fn conversation(&self, session: &str) -> Vec<EntryId> {
        let Some(sym) = self.names.get(session).filter(|&s| s != NONE) else {
            return Vec::new();
        };
        self.order
            .iter()
            .copied()
            .filter(|&e| self.entries[e as usize].session == sym)
            .map(|e| self.entry_id(e))
            .collect()
    }

    pub(crate) fn sessions(&self) -> Vec<SessionSummary> {
        self.sessions_where(&SessionQuery::default())
    }

    pub(crate) fn facet_counts(&self, facet: Facet) -> Vec<(String, usize)> {
        let mut counts: HashMap<Sym, usize> = HashMap::new();
        for &entry in &self.order {
            let e = &self.entries[entry as usize];
            let sym = match facet {
                Facet::Session => e.session,
                Facet::Project => e.project,
                Facet::Client => e.client,
                Facet::Model => e.model,
            };
            if sym != NONE {
                *counts.entry(sym).or_default() += 1;
            }
        }
        let mut counts: Vec<(String, usize)> =
            counts.into_iter().map(|(sym, n)| (self.names.name(sym).to_owned(), n)).collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        counts
    }
}
