//! Finding the one record (`show`) or session (`conversation`) asked for: by its exact id, or
//! by a unique prefix of it, as the tables show ids cut to eight characters.

use std::collections::BTreeSet;

use crate::sanitize::sanitize_line;
use crate::store::{EntryId, Query, Store};

use super::super::Failure;

/// Shorter prefixes are too likely to be typos to be taken as a request.
const MIN_PREFIX: usize = 4;

pub fn find_record(store: &Store, id: &str) -> Result<EntryId, Failure> {
    if let Some(entry) = store.find_id(id) {
        return Ok(entry);
    }
    let not_found = || Failure::NotFound(format!("no record with id {}", quoted(id)));
    let everything = store.query(&Query::default());
    let ids = store.summaries(&everything.entries).into_iter().map(|summary| summary.id);
    match unique_prefix(ids, id) {
        _ if id.is_empty() => Err(not_found()),
        Prefix::None => Err(not_found()),
        _ if id.chars().count() < MIN_PREFIX => Err(too_short("record id", id)),
        Prefix::One(full) => store.find_id(&full).ok_or_else(not_found),
        Prefix::Many(candidates) => Err(ambiguous("record id", id, &candidates)),
    }
}

/// The session's full id and its entries, oldest first.
pub fn find_session(store: &Store, session: &str) -> Result<(String, Vec<EntryId>), Failure> {
    let entries = store.conversation(session);
    if !entries.is_empty() {
        return Ok((session.to_owned(), entries));
    }
    let not_found = || Failure::NotFound(format!("no session {}", quoted(session)));
    let ids = store.sessions().into_iter().map(|summary| summary.session_id);
    match unique_prefix(ids, session) {
        _ if session.is_empty() => Err(not_found()),
        Prefix::None => Err(not_found()),
        _ if session.chars().count() < MIN_PREFIX => Err(too_short("session id", session)),
        Prefix::One(full) => {
            let entries = store.conversation(&full);
            if entries.is_empty() {
                Err(not_found())
            } else {
                Ok((full, entries))
            }
        }
        Prefix::Many(candidates) => Err(ambiguous("session id", session, &candidates)),
    }
}

/// Candidates named in an ambiguity message, at most.
const CANDIDATES_SHOWN: usize = 5;

fn ambiguous(what: &str, prefix: &str, candidates: &[String]) -> Failure {
    let shown: Vec<String> = candidates.iter().take(CANDIDATES_SHOWN).map(|id| quoted(id)).collect();
    let more = candidates.len().saturating_sub(CANDIDATES_SHOWN);
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    Failure::Usage(format!(
        "{what} prefix {} matches {} ids: {}{more}; give more of it",
        quoted(prefix),
        candidates.len(),
        shown.join(", ")
    ))
}

/// Still "not found" (no id is that short), but saying why a prefix was not taken.
fn too_short(what: &str, prefix: &str) -> Failure {
    Failure::NotFound(format!(
        "no {what} {}; as a prefix it is too short: give at least {MIN_PREFIX} characters",
        quoted(prefix)
    ))
}

/// An id the user typed, quoted for a message: sanitised once, not escaped again.
fn quoted(id: &str) -> String {
    format!("\"{}\"", sanitize_line(id))
}

#[derive(Debug, PartialEq, Eq)]
enum Prefix {
    None,
    One(String),
    /// Every id the prefix matches, in order.
    Many(Vec<String>),
}

fn unique_prefix(ids: impl Iterator<Item = String>, prefix: &str) -> Prefix {
    let matching: BTreeSet<String> = ids.filter(|id| id.starts_with(prefix)).collect();
    match matching.len() {
        0 => Prefix::None,
        1 => matching.into_iter().next().map_or(Prefix::None, Prefix::One),
        _ => Prefix::Many(matching.into_iter().collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> impl Iterator<Item = String> {
        list.iter().map(|s| s.to_string()).collect::<Vec<_>>().into_iter()
    }

    #[test]
    fn a_prefix_must_name_one_id() {
        assert_eq!(unique_prefix(ids(&["abcd-1", "abce-2"]), "abcd"), Prefix::One("abcd-1".into()));
        assert_eq!(
            unique_prefix(ids(&["abcd-2", "abcd-1"]), "abcd"),
            Prefix::Many(vec!["abcd-1".into(), "abcd-2".into()])
        );
        assert_eq!(unique_prefix(ids(&["abcd-1", "abcd-1"]), "abcd"), Prefix::One("abcd-1".into()));
        assert_eq!(unique_prefix(ids(&["abcd-1"]), "zzzz"), Prefix::None);
    }
}
