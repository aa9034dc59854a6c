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
    if id.chars().count() < MIN_PREFIX {
        return Err(not_found());
    }
    let everything = store.query(&Query::default());
    let ids = store.summaries(&everything.entries).into_iter().map(|summary| summary.id);
    match unique_prefix(ids, id) {
        Prefix::One(full) => store.find_id(&full).ok_or_else(not_found),
        Prefix::None => Err(not_found()),
        Prefix::Many(count) => Err(ambiguous("record id", id, count)),
    }
}

/// The session's full id and its entries, oldest first.
pub fn find_session(store: &Store, session: &str) -> Result<(String, Vec<EntryId>), Failure> {
    let entries = store.conversation(session);
    if !entries.is_empty() {
        return Ok((session.to_owned(), entries));
    }
    let not_found = || Failure::NotFound(format!("no session {}", quoted(session)));
    if session.chars().count() < MIN_PREFIX {
        return Err(not_found());
    }
    let ids = store.sessions().into_iter().map(|summary| summary.session_id);
    match unique_prefix(ids, session) {
        Prefix::One(full) => {
            let entries = store.conversation(&full);
            if entries.is_empty() {
                Err(not_found())
            } else {
                Ok((full, entries))
            }
        }
        Prefix::None => Err(not_found()),
        Prefix::Many(count) => Err(ambiguous("session id", session, count)),
    }
}

fn ambiguous(what: &str, prefix: &str, count: usize) -> Failure {
    Failure::Usage(format!("{what} prefix {} matches {count} ids; give more of it", quoted(prefix)))
}

/// An id the user typed, quoted for a message: sanitised once, not escaped again.
fn quoted(id: &str) -> String {
    format!("\"{}\"", sanitize_line(id))
}

#[derive(Debug, PartialEq, Eq)]
enum Prefix {
    None,
    One(String),
    Many(usize),
}

fn unique_prefix(ids: impl Iterator<Item = String>, prefix: &str) -> Prefix {
    let matching: BTreeSet<String> = ids.filter(|id| id.starts_with(prefix)).collect();
    match matching.len() {
        0 => Prefix::None,
        1 => matching.into_iter().next().map_or(Prefix::None, Prefix::One),
        count => Prefix::Many(count),
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
        assert_eq!(unique_prefix(ids(&["abcd-1", "abcd-2"]), "abcd"), Prefix::Many(2));
        assert_eq!(unique_prefix(ids(&["abcd-1", "abcd-1"]), "abcd"), Prefix::One("abcd-1".into()));
        assert_eq!(unique_prefix(ids(&["abcd-1"]), "zzzz"), Prefix::None);
    }
}
