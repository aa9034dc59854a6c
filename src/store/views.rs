//! Views over the whole index: a session's turns, every session's totals, facet counts.

use std::collections::HashMap;

use super::index::{Index, Sym, NONE};
use super::{EntryId, Facet, SessionSummary};

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
        struct Totals {
            turns: usize,
            first: u32,
            last: u32,
            project: Sym,
            client: Sym,
            input: u64,
            output: u64,
        }
        let mut by_session: HashMap<Sym, Totals> = HashMap::new();
        for &entry in &self.order {
            let e = &self.entries[entry as usize];
            if e.session == NONE {
                continue;
            }
            let totals = by_session.entry(e.session).or_insert(Totals {
                turns: 0,
                first: entry,
                last: entry,
                project: NONE,
                client: NONE,
                input: 0,
                output: 0,
            });
            totals.turns += 1;
            totals.last = entry;
            if totals.project == NONE {
                totals.project = e.project;
            }
            if totals.client == NONE {
                totals.client = e.client;
            }
            totals.input = totals.input.saturating_add(e.input_tokens);
            totals.output = totals.output.saturating_add(e.output_tokens);
        }
        let mut sessions: Vec<(u32, SessionSummary)> = by_session
            .into_iter()
            .map(|(sym, t)| {
                let summary = SessionSummary {
                    session_id: self.names.name(sym).to_owned(),
                    project: self.names.optional(t.project),
                    client: self.names.optional(t.client),
                    turns: t.turns,
                    first: self.entries[t.first as usize].timestamp(),
                    last: self.entries[t.last as usize].timestamp(),
                    input_tokens: t.input,
                    output_tokens: t.output,
                };
                (t.last, summary)
            })
            .collect();
        sessions.sort_by(|a, b| self.compare(b.0, a.0));
        sessions.into_iter().map(|(_, s)| s).collect()
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
