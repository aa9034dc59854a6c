//! Sessions: every session's totals and name, filtered (`interlog sessions`, the TUI's facet).

use std::collections::HashMap;

use super::index::{Index, Sym, NONE};
use super::turns::TurnKind;
use super::SessionSummary;
use crate::record::Timestamp;

/// Which sessions [`crate::store::Store::sessions_where`] lists; every filter set must match.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SessionQuery {
    /// The session's project (its first turn that has one), exact.
    pub project: Option<String>,
    /// The session's client, exact.
    pub client: Option<String>,
    /// Sessions with a turn at or after this instant (their totals still cover every turn).
    pub since: Option<Timestamp>,
    /// The most recently active ones only.
    pub limit: Option<usize>,
}

struct Totals {
    turns: usize,
    first: u32,
    last: u32,
    project: Sym,
    client: Sym,
    input: u64,
    output: u64,
}

impl Index {
    /// The sessions matching `query`, most recently active first, named.
    pub fn sessions_where(&self, query: &SessionQuery) -> Vec<SessionSummary> {
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
        let wanted = |name: &Option<String>, sym: Sym| name.as_deref().is_none_or(|n| self.names.name(sym) == n);
        let since = query.since.as_ref().map(Timestamp::instant);
        let mut sessions: Vec<(Sym, Totals)> = by_session
            .into_iter()
            .filter(|(_, t)| wanted(&query.project, t.project) && wanted(&query.client, t.client))
            .filter(|(_, t)| since.is_none_or(|at| self.entries[t.last as usize].instant() >= at))
            .collect();
        sessions.sort_by(|a, b| self.compare(b.1.last, a.1.last));
        sessions.truncate(query.limit.unwrap_or(usize::MAX));
        sessions.into_iter().map(|(sym, t)| self.summarise(sym, &t)).collect()
    }

    fn summarise(&self, sym: Sym, t: &Totals) -> SessionSummary {
        let session_id = self.names.name(sym).to_owned();
        let title = self.titles.get(&session_id).cloned();
        let titled = title.is_some();
        SessionSummary {
            name: title.or_else(|| self.first_prompt(sym)),
            titled,
            session_id,
            project: self.names.optional(t.project),
            client: self.names.optional(t.client),
            turns: t.turns,
            first: self.entries[t.first as usize].timestamp(),
            last: self.entries[t.last as usize].timestamp(),
            input_tokens: t.input,
            output_tokens: t.output,
        }
    }

    /// The first line of the session's first prompt (a tool-loop turn's headline is not one).
    fn first_prompt(&self, sym: Sym) -> Option<String> {
        let mut turns = self.postings(sym).iter().copied().filter(|&e| self.entries[e as usize].session == sym);
        turns
            .find(|&e| {
                let kind = self.turn(self.entry_id(e)).map(|t| t.kind);
                kind != Some(TurnKind::ToolResults) && !self.first_line_of(e).is_empty()
            })
            .map(|e| self.first_line_of(e).to_owned())
    }

    /// Keeps the title a transcript gives its session (the latest one seen wins).
    pub(crate) fn note_title(&mut self, session: Sym, title: &str) {
        if session == NONE || title.is_empty() {
            return;
        }
        let session = self.names.name(session);
        if self.titles.get(session).map(String::as_str) != Some(title) {
            self.titles.insert(session.to_owned(), title.to_owned());
        }
    }
}
