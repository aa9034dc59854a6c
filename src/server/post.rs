//! `POST /interactions`: one record in, 201 and its id out once the line is written.

use std::pin::Pin;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::Response;

use super::error::{json_response, ApiError};
use super::state::AppState;
use crate::record::{InteractionRecord, Timestamp};

pub(crate) async fn create(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    let wait_for_index = wait_requested(request.uri())?;
    require_json(request.headers())?;
    // Many large bodies in memory at once would grow the heap for good (freed memory mostly
    // stays with the process): they take turns.
    let large = declared_length(request.headers()).is_none_or(|length| length > LARGE_BODY);
    let _turn = match large {
        true => Some(state.large_bodies.acquire().await.map_err(|_| ApiError::internal("the server is stopping"))?),
        false => None,
    };
    let body = read_body(request, state.max_body).await?;
    let record = parse_record(&body, Timestamp::now())?;
    refuse_known_id(&state, &record.id)?;
    let id = state.writer.write(record).await?;
    if wait_for_index && state.writes_enabled {
        let indexed = state.signals.wait_indexed(&state.store, &id, state.index_wait).await;
        // During the initial load of a large directory running out of patience is expected.
        if !indexed && state.signals.is_loaded() {
            tracing::warn!(target: "interlog::server", id = %id, "written, but not indexed by the store in time");
        }
    }
    let body = serde_json::json!({ "id": id }).to_string();
    Ok(json_response(StatusCode::CREATED, body.into_bytes()))
}

/// The body, at most `max_body` bytes. Over the limit the rest is still read (up to
/// [`DRAIN_FACTOR`] times the limit) and thrown away before the 413: a client that writes its
/// whole body before reading the answer (Python's urllib, most simple clients) would otherwise get
/// a broken pipe instead of the 413.
pub(crate) async fn read_body(request: Request, max_body: usize) -> Result<Vec<u8>, ApiError> {
    let declared = declared_length(request.headers());
    let drain_limit = (max_body as u64).saturating_mul(DRAIN_FACTOR);
    if declared.is_some_and(|length| length > max_body as u64) {
        // With `Expect: 100-continue` the client has not sent the body and waits for our verdict.
        let expects_continue = request.headers().contains_key(header::EXPECT);
        if !expects_continue && declared.is_some_and(|length| length <= drain_limit) {
            drain(request.into_body(), drain_limit).await;
        }
        return Err(too_large(max_body));
    }
    let mut body = request.into_body();
    let mut collected = Vec::with_capacity(declared.map_or(0, |length| length as usize));
    while let Some(data) = next_data(&mut body).await? {
        if collected.len() + data.len() > max_body {
            drain(body, drain_limit.saturating_sub((collected.len() + data.len()) as u64)).await;
            return Err(too_large(max_body));
        }
        collected.extend_from_slice(&data);
    }
    Ok(collected)
}

/// A body above this many bytes (or of unknown length) is large.
pub(crate) const LARGE_BODY: u64 = 1 << 20;
/// Large bodies read at the same time.
pub(crate) const LARGE_BODIES_AT_ONCE: usize = 4;

/// How far past the limit a body is still read (and discarded) so its sender sees the 413.
const DRAIN_FACTOR: u64 = 4;

/// The next chunk of body data; `None` at the end. Trailers are skipped.
async fn next_data(body: &mut Body) -> Result<Option<Bytes>, ApiError> {
    loop {
        let frame = std::future::poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)).await;
        match frame {
            None => return Ok(None),
            Some(Err(err)) => return Err(ApiError::bad_request(format!("cannot read the request body: {err}"))),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    return Ok(Some(data));
                }
            }
        }
    }
}

/// Reads and discards up to `budget` more bytes; stops early on an error or the end.
async fn drain(mut body: Body, budget: u64) {
    let mut left = budget;
    while let Ok(Some(data)) = next_data(&mut body).await {
        match left.checked_sub(data.len() as u64) {
            Some(rest) => left = rest,
            None => return,
        }
    }
}

pub(crate) fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH).and_then(|value| value.to_str().ok()).and_then(|text| text.trim().parse().ok())
}

/// `?wait=false` answers as soon as the line is written, without waiting for the store to index
/// it (a GET right after may not see it yet); the default waits, so a GET after the 201 does.
fn wait_requested(uri: &Uri) -> Result<bool, ApiError> {
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map_err(|err| ApiError::bad_request(format!("bad query string: {}", err.body_text())))?;
    let mut wait = true;
    for (key, value) in pairs {
        if key != "wait" {
            return Err(ApiError::unknown_parameter(&key, "wait"));
        }
        wait = match value.as_str() {
            "true" | "1" | "" => true,
            "false" | "0" => false,
            other => return Err(ApiError::bad_request(format!("`wait` must be true or false, got {other:?}"))),
        };
    }
    Ok(wait)
}

/// Fills `id` and `timestamp` when absent and applies the writer's rule.
pub(crate) fn parse_record(body: &[u8], now: Timestamp) -> Result<InteractionRecord, ApiError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|err| ApiError::bad_request(format!("invalid JSON: {err}")))?;
    let record = InteractionRecord::from_value_filling(value, now)
        .map_err(|err| ApiError::bad_request(format!("invalid record: {err}")))?;
    record.validate().map_err(|err| ApiError::bad_request(format!("invalid record: {err}")))?;
    Ok(record)
}

/// A second record under an id the directory already holds would leave readers to pick one;
/// the server knows the ids it has indexed, so it refuses (a retry after a lost 201 is the usual
/// cause, and the record is there).
fn refuse_known_id(state: &AppState, id: &str) -> Result<(), ApiError> {
    match state.store.find_id(id) {
        Some(_) => Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("a record with id {id:?} is already stored; ids must be unique"),
        )),
        None => Ok(()),
    }
}

/// `application/json` or any `application/*+json`, parameters (charset) ignored.
fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let unsupported = |found: &str| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("expected Content-Type: application/json, got {found}"),
        )
    };
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Err(unsupported("none"));
    };
    let text = value.to_str().map_err(|_| unsupported("an unreadable value"))?;
    let essence = text.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let is_json = essence == "application/json"
        || essence.strip_prefix("application/").is_some_and(|subtype| subtype.ends_with("+json"));
    if is_json {
        Ok(())
    } else {
        Err(unsupported(&format!("{text:?}")))
    }
}

fn too_large(max_body: usize) -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("the request body is over the limit of {max_body} bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(content_type: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, content_type.parse().unwrap());
        headers
    }

    #[test]
    fn json_media_types_are_accepted() {
        for accepted in ["application/json", "Application/JSON; charset=utf-8", "application/vnd.interlog+json"] {
            assert_eq!(require_json(&headers(accepted)), Ok(()), "{accepted}");
        }
        for refused in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "json"] {
            assert_eq!(require_json(&headers(refused)).unwrap_err().status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        }
        assert_eq!(require_json(&HeaderMap::new()).unwrap_err().status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }

    #[test]
    fn wait_defaults_to_true() {
        let wait = |uri: &'static str| wait_requested(&Uri::from_static(uri)).map_err(|e| e.status);
        assert_eq!(wait("/interactions"), Ok(true));
        assert_eq!(wait("/interactions?wait=false"), Ok(false));
        assert_eq!(wait("/interactions?wait=0"), Ok(false));
        assert_eq!(wait("/interactions?wait=0&other=x"), Err(StatusCode::BAD_REQUEST));
        assert_eq!(wait("/interactions?wait=true"), Ok(true));
        assert_eq!(wait("/interactions?wait=later"), Err(StatusCode::BAD_REQUEST));
    }

    #[test]
    fn records_are_filled_and_checked() {
        let now = Timestamp::parse("2026-11-21T12:00:00Z").unwrap();
        let record = parse_record(br#"{"prompt":"hi"}"#, now).unwrap();
        assert!(!record.id.is_empty());
        assert_eq!(record.timestamp, now);
        assert!(parse_record(br#"{"prompt":"  "}"#, now).unwrap_err().message.contains("prompt"));
        assert!(parse_record(b"[1]", now).unwrap_err().message.contains("object"));
        assert!(parse_record(b"{", now).unwrap_err().message.starts_with("invalid JSON"));
    }
}
