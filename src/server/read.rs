//! The read endpoints. Store queries and file reads are blocking work, so they run on the
//! blocking pool; every read first waits for the store's initial load.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};

use super::error::{json_response, ApiError};
use super::state::AppState;
use super::summary::write_summary;
use crate::store::{self, EntryId, Store, StoreError};

pub(crate) const DEFAULT_LIMIT: usize = 50;
pub(crate) const MAX_LIMIT: usize = 500;

/// `GET /interactions`: summaries, newest first.
pub(crate) async fn list(
    State(state): State<AppState>,
    params: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(pairs) = params.map_err(|err| ApiError::bad_request(format!("bad query string: {}", err.body_text())))?;
    let query = parse_list_query(pairs, Utc::now())?;
    if query.limit == Some(0) {
        return Ok(json_response(StatusCode::OK, b"[]".to_vec()));
    }
    state.signals.wait_loaded().await;
    let store = state.store.clone();
    let body = blocking(move || same_ids(&store, || summaries_json(&store, &query))).await??;
    Ok(json_response(StatusCode::OK, body))
}

/// `GET /interactions/{id}`: the stored line, byte for byte.
pub(crate) async fn get_one(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    answer_for_id(state, id, stored_record).await
}

/// `GET /sessions/{id}`: the session's stored records, oldest first.
pub(crate) async fn session(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    answer_for_id(state, id, session_records).await
}

/// What the endpoints named by an id share: the id from the path, a wait for the initial load,
/// then `answer` on the blocking pool.
async fn answer_for_id(
    state: AppState,
    id: Result<Path<String>, PathRejection>,
    answer: fn(&Store, &str) -> Result<Vec<u8>, ApiError>,
) -> Result<Response, ApiError> {
    let Path(id) = id.map_err(|err| ApiError::bad_request(err.body_text()))?;
    state.signals.wait_loaded().await;
    let store = state.store.clone();
    let body = blocking(move || same_ids(&store, || answer(&store, &id))).await??;
    Ok(json_response(StatusCode::OK, body))
}

/// Runs `answer` again when the store renumbered its entries meanwhile (a compaction makes the
/// ids it got read as gone, though the records are still there). Compactions are at least
/// 10 000 removals apart, so a third try is for a store rewritten faster than it is read.
fn same_ids<T>(store: &Store, mut answer: impl FnMut() -> Result<T, ApiError>) -> Result<T, ApiError> {
    let mut tries = 1;
    loop {
        let epoch = store.epoch();
        let result = answer();
        if store.epoch() == epoch || tries == 3 {
            return result;
        }
        tries += 1;
    }
}

fn stored_record(store: &Store, id: &str) -> Result<Vec<u8>, ApiError> {
    let unknown = || ApiError::not_found(format!("no record with id {id:?}"));
    let entry = store.find_id(id).ok_or_else(unknown)?;
    store.read_raw(entry).map_err(|err| gone_or_failed(err, unknown))
}

fn session_records(store: &Store, id: &str) -> Result<Vec<u8>, ApiError> {
    let lines = raw_lines(store, &store.conversation(id))?;
    if lines.is_empty() {
        return Err(ApiError::not_found(format!("no session with id {id:?}")));
    }
    Ok(json_array(lines.iter().map(Vec::as_slice)))
}

/// `GET /healthz`: answers at once, also while the store is still loading.
pub(crate) async fn healthz(State(state): State<AppState>) -> Response {
    let body = serde_json::json!({
        "status": "ok",
        "loading": !state.signals.is_loaded(),
        "records": state.store.len(),
        "otlp": state.otlp.counts(),
    });
    json_response(StatusCode::OK, body.to_string().into_bytes())
}

const LIST_PARAMETERS: &str = "project, session_id, client, since, until, q, search_history, limit";

/// The contract's parameters. An empty value means the parameter is absent; an unknown one is an
/// error, so a misspelt filter (`session=`) is not silently ignored.
pub(crate) fn parse_list_query(pairs: Vec<(String, String)>, now: DateTime<Utc>) -> Result<store::Query, ApiError> {
    let mut query = store::Query { limit: Some(DEFAULT_LIMIT), ..store::Query::default() };
    for (key, value) in pairs {
        if value.trim().is_empty() && LIST_PARAMETERS.split(", ").any(|known| known == key) {
            continue;
        }
        match key.as_str() {
            "project" => query.project = Some(value),
            "session_id" => query.session = Some(value),
            "client" => query.client = Some(value),
            "q" => query.search = Some(value),
            "search_history" => query.search_history = parse_bool(&key, &value)?,
            "since" => query.since = Some(parse_time(&key, &value, now)?),
            "until" => query.until = Some(parse_time(&key, &value, now)?),
            "limit" => query.limit = Some(parse_limit(&value)?),
            _ => return Err(ApiError::unknown_parameter(&key, LIST_PARAMETERS)),
        }
    }
    Ok(query)
}

fn parse_time(key: &str, value: &str, now: DateTime<Utc>) -> Result<crate::record::Timestamp, ApiError> {
    store::parse_time_arg(value, now).map_err(|err| ApiError::bad_request(format!("`{key}`: {err}")))
}

/// Default 50, at most 500, and zero or less asks for nothing.
fn parse_limit(value: &str) -> Result<usize, ApiError> {
    let limit: i64 = match value.trim().parse() {
        Ok(limit) => limit,
        // An integer too large either way is still an integer: capped like any large limit.
        Err(error) if *error.kind() == std::num::IntErrorKind::PosOverflow => i64::MAX,
        Err(error) if *error.kind() == std::num::IntErrorKind::NegOverflow => 0,
        Err(_) => return Err(ApiError::bad_request(format!("`limit` must be an integer, got {value:?}"))),
    };
    Ok(usize::try_from(limit).unwrap_or(0).min(MAX_LIMIT))
}

/// `true` or `false` (an empty value is absent: false).
fn parse_bool(key: &str, value: &str) -> Result<bool, ApiError> {
    match value.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(ApiError::bad_request(format!("`{key}` must be true or false, got {value:?}"))),
    }
}

fn summaries_json(store: &Store, query: &store::Query) -> Result<Vec<u8>, ApiError> {
    let result = store.search(&store::SearchRequest::with_snippets(query.clone()));
    let mut out = Vec::with_capacity(2 + result.entries.len() * 512);
    out.push(b'[');
    for entry in result.entries {
        let raw = match store.read_raw(entry) {
            Ok(raw) => raw,
            // Deleted or truncated since the query: it is no longer there to show.
            Err(StoreError::Gone { .. }) => continue,
            Err(err) => return Err(read_failed(err)),
        };
        let start = out.len();
        if out.len() > 1 {
            out.push(b',');
        }
        if let Err(err) = write_summary(&raw, result.snippets.get(&entry), &mut out) {
            out.truncate(start);
            tracing::warn!(target: "interlog::server", "skipping an unreadable stored line: {err}");
        }
    }
    out.push(b']');
    Ok(out)
}

fn raw_lines(store: &Store, entries: &[EntryId]) -> Result<Vec<Vec<u8>>, ApiError> {
    let mut lines = Vec::with_capacity(entries.len());
    for &entry in entries {
        match store.read_raw(entry) {
            Ok(raw) => lines.push(raw),
            Err(StoreError::Gone { .. }) => {}
            Err(err) => return Err(read_failed(err)),
        }
    }
    Ok(lines)
}

fn json_array<'a>(items: impl Iterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = vec![b'['];
    for (index, item) in items.enumerate() {
        if index > 0 {
            out.push(b',');
        }
        out.extend_from_slice(item);
    }
    out.push(b']');
    out
}

fn gone_or_failed(err: StoreError, unknown: impl FnOnce() -> ApiError) -> ApiError {
    match err {
        StoreError::Gone { .. } => unknown(),
        other => read_failed(other),
    }
}

fn read_failed(err: StoreError) -> ApiError {
    tracing::error!(target: "interlog::server", "{err}");
    ApiError::internal(format!("cannot read the log: {err}"))
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work).await.map_err(|_| ApiError::internal("the read failed unexpectedly"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &[(&str, &str)]) -> Result<store::Query, ApiError> {
        let now = DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z").unwrap().with_timezone(&Utc);
        parse_list_query(query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), now)
    }

    #[test]
    fn a_read_that_a_compaction_interrupts_is_answered_again() {
        let dir = tempfile::tempdir().unwrap();
        let line = |id: &str| format!("{{\"id\":\"{id}\",\"timestamp\":\"2026-11-21T01:00:00Z\"}}\n");
        std::fs::write(dir.path().join("interactions-2026-11-20.jsonl"), line("keep")).unwrap();
        let many: String = (0..10_001).map(|n| line(&format!("r{n}"))).collect();
        let doomed = dir.path().join("interactions-2026-11-21.jsonl");
        std::fs::write(&doomed, many).unwrap();
        let store = Store::follow(dir.path(), |_| {}).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let wait = |done: &dyn Fn() -> bool| {
            while !done() {
                assert!(std::time::Instant::now() < deadline, "the store did not get there");
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        };
        wait(&|| !store.is_loading() && store.len() == 10_002);
        let mut calls = 0;
        let answer = same_ids(&store, || {
            calls += 1;
            let entry = store.find_id("keep").ok_or_else(|| ApiError::not_found("keep"))?;
            if calls == 1 {
                // Removing more than 10 000 entries compacts: `entry` is stale from here on.
                let epoch = store.epoch();
                std::fs::remove_file(&doomed).unwrap();
                wait(&|| store.epoch() != epoch);
            }
            store.read_raw(entry).map_err(|err| ApiError::not_found(err.to_string()))
        });
        assert_eq!(calls, 2);
        assert_eq!(answer.unwrap(), line("keep").trim_end().as_bytes());
    }

    #[test]
    fn limits_default_cap_and_floor() {
        assert_eq!(parse(&[]).unwrap().limit, Some(50));
        assert_eq!(parse(&[("limit", "7")]).unwrap().limit, Some(7));
        assert_eq!(parse(&[("limit", "100000")]).unwrap().limit, Some(500));
        assert_eq!(parse(&[("limit", "0")]).unwrap().limit, Some(0));
        assert_eq!(parse(&[("limit", "-3")]).unwrap().limit, Some(0));
        assert_eq!(parse(&[("limit", "999999999999999999999")]).unwrap().limit, Some(500));
        assert_eq!(parse(&[("limit", "-999999999999999999999")]).unwrap().limit, Some(0));
        assert_eq!(parse(&[("limit", "")]).unwrap().limit, Some(50));
        assert!(parse(&[("limit", "ten")]).unwrap_err().message.contains("limit"));
    }

    #[test]
    fn filters_map_to_the_store_query() {
        let query =
            parse(&[("project", "p"), ("session_id", "s"), ("client", ""), ("q", "a b"), ("since", "2h")]).unwrap();
        assert_eq!(query.project.as_deref(), Some("p"));
        assert_eq!(query.session.as_deref(), Some("s"));
        assert_eq!(query.client, None);
        assert_eq!(query.search.as_deref(), Some("a b"));
        assert_eq!(query.since.unwrap().to_rfc3339(), "2026-11-21T10:00:00.000Z");
    }

    #[test]
    fn unknown_parameters_are_named() {
        let err = parse(&[("session", "s1")]).unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert!(err.message.contains("\"session\"") && err.message.contains("session_id"), "{}", err.message);
        assert!(parse(&[("bogus", "")]).is_err());
    }

    #[test]
    fn an_unreadable_time_names_the_parameter() {
        let err = parse(&[("until", "yesterday")]).unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert!(err.message.starts_with("`until`:"), "{}", err.message);
    }
}
