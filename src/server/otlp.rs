//! `POST /v1/logs` and `POST /v1/traces`: the OTLP/HTTP receiver (docs/otlp.md).
//!
//! Records made from spans and events go through the same writer as `POST /interactions`. A
//! request answers once its records are written; events an agent reports across several requests
//! are held by the [`EventJoiner`] and written when their call is complete (see
//! `crate::otlp::agents`), by the flush task or at shutdown.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsPartialSuccess;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTracePartialSuccess;

use super::post::{declared_length, read_body, LARGE_BODY};
use super::state::AppState;
use crate::otlp::agents::EventJoiner;
use crate::otlp::wire::{self, Encoding};
use crate::otlp::{
    from_spans, ExportLogsServiceRequest, ExportLogsServiceResponse, ExportTraceServiceRequest,
    ExportTraceServiceResponse, Received,
};
use crate::record::InteractionRecord;

/// The receiver's state: the events held open, and what it has done (shown by `/healthz`).
pub(crate) struct OtlpState {
    joiner: Mutex<EventJoiner>,
    requests: AtomicU64,
    records: AtomicU64,
    duplicates: AtomicU64,
    dropped_spans: AtomicU64,
    dropped_log_records: AtomicU64,
    dropped_metrics_requests: AtomicU64,
}

impl OtlpState {
    pub(crate) fn new(hold: Duration) -> Self {
        OtlpState {
            joiner: Mutex::new(EventJoiner::new(hold)),
            requests: AtomicU64::new(0),
            records: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
            dropped_spans: AtomicU64::new(0),
            dropped_log_records: AtomicU64::new(0),
            dropped_metrics_requests: AtomicU64::new(0),
        }
    }

    /// For `/healthz`.
    pub(crate) fn counts(&self) -> serde_json::Value {
        serde_json::json!({
            "requests": self.requests.load(Ordering::Relaxed),
            "records": self.records.load(Ordering::Relaxed),
            "duplicates": self.duplicates.load(Ordering::Relaxed),
            "dropped_spans": self.dropped_spans.load(Ordering::Relaxed),
            "dropped_log_records": self.dropped_log_records.load(Ordering::Relaxed),
            "dropped_metrics_requests": self.dropped_metrics_requests.load(Ordering::Relaxed),
        })
    }

    fn joiner(&self) -> std::sync::MutexGuard<'_, EventJoiner> {
        self.joiner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

pub(crate) async fn traces(State(state): State<AppState>, request: Request) -> Response {
    let (encoding, decoded): (_, ExportTraceServiceRequest) = match receive(&state, request).await {
        Ok(received) => received,
        Err(refusal) => return refusal,
    };
    let received = from_spans::records_from_traces(&decoded);
    state.otlp.dropped_spans.fetch_add(received.dropped, Ordering::Relaxed);
    if let Err(refusal) = write_all(&state, received.records, encoding).await {
        return refusal;
    }
    let partial_success = (received.dropped > 0).then(|| ExportTracePartialSuccess {
        rejected_spans: i64::try_from(received.dropped).unwrap_or(i64::MAX),
        error_message: dropped_message(received.dropped, "spans", "GenAI inference or execute_tool spans"),
    });
    answer(encoding, &ExportTraceServiceResponse { partial_success }, "rejectedSpans")
}

pub(crate) async fn logs(State(state): State<AppState>, request: Request) -> Response {
    let (encoding, decoded): (_, ExportLogsServiceRequest) = match receive(&state, request).await {
        Ok(received) => received,
        Err(refusal) => return refusal,
    };
    let Received { records, dropped } = state.otlp.joiner().feed(&decoded, Instant::now());
    state.otlp.dropped_log_records.fetch_add(dropped, Ordering::Relaxed);
    if let Err(refusal) = write_all(&state, records, encoding).await {
        return refusal;
    }
    let partial_success = (dropped > 0).then(|| ExportLogsPartialSuccess {
        rejected_log_records: i64::try_from(dropped).unwrap_or(i64::MAX),
        error_message: dropped_message(dropped, "log records", "Claude Code, Codex or GenAI events"),
    });
    answer(encoding, &ExportLogsServiceResponse { partial_success }, "rejectedLogRecords")
}

/// `POST /v1/metrics`: agents send their metrics to the same endpoint as their logs. Records are
/// not made from metrics: the body is read and acknowledged, and the request counted.
pub(crate) async fn metrics(State(state): State<AppState>, request: Request) -> Response {
    let (encoding, _body) = match read_otlp(&state, request).await {
        Ok(read) => read,
        Err(refusal) => return refusal,
    };
    state.otlp.dropped_metrics_requests.fetch_add(1, Ordering::Relaxed);
    // An empty message (no partial success) in either encoding.
    let body = match encoding {
        Encoding::Protobuf => Vec::new(),
        Encoding::Json => b"{}".to_vec(),
    };
    with_type(StatusCode::OK, encoding, body)
}

/// Writes the calls held open longer than the hold time, once a second, until the server stops.
pub(crate) async fn flush_loop(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let due = state.otlp.joiner().flush_due(Instant::now());
        if !due.is_empty() {
            let _ = write_all(&state, due, Encoding::Json).await;
        }
    }
}

/// At shutdown: every call still held is written as it is.
pub(crate) async fn flush_all(state: &AppState) {
    let held = state.otlp.joiner().flush_all();
    if !held.is_empty() {
        let _ = write_all(state, held, Encoding::Json).await;
    }
}

/// The request's body, read and decoded; a refusal in OTLP's shape when it cannot be.
async fn receive<T: prost::Message + Default + serde::de::DeserializeOwned>(
    state: &AppState,
    request: Request,
) -> Result<(Encoding, T), Response> {
    let (encoding, body) = read_otlp(state, request).await?;
    match wire::decode(&body, encoding) {
        Ok(decoded) => Ok((encoding, decoded)),
        Err(err) => Err(failure(encoding, StatusCode::BAD_REQUEST, &err.to_string())),
    }
}

async fn read_otlp(state: &AppState, request: Request) -> Result<(Encoding, Vec<u8>), Response> {
    state.otlp.requests.fetch_add(1, Ordering::Relaxed);
    let content_type = header_text(&request, header::CONTENT_TYPE);
    let content_encoding = header_text(&request, header::CONTENT_ENCODING);
    let Some(encoding) = Encoding::from_content_type(content_type.as_deref()) else {
        let found = content_type.unwrap_or_else(|| "none".into());
        let message = format!("expected Content-Type application/x-protobuf or application/json, got {found:?}");
        return Err(failure(Encoding::Json, StatusCode::UNSUPPORTED_MEDIA_TYPE, &message));
    };
    // Large bodies take turns, as for `POST /interactions`.
    let large = declared_length(request.headers()).is_none_or(|length| length > LARGE_BODY);
    let _turn = match large {
        true => Some(
            state
                .large_bodies
                .acquire()
                .await
                .map_err(|_| failure(encoding, StatusCode::SERVICE_UNAVAILABLE, "the server is stopping"))?,
        ),
        false => None,
    };
    let body = read_body(request, state.max_body).await.map_err(|err| failure(encoding, err.status, &err.message))?;
    let body = wire::decompress(body, content_encoding.as_deref(), state.max_body).map_err(|err| {
        let status = match err {
            wire::WireError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            wire::WireError::UnsupportedEncoding(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            _ => StatusCode::BAD_REQUEST,
        };
        failure(encoding, status, &err.to_string())
    })?;
    Ok((encoding, body))
}

fn header_text(request: &Request, name: header::HeaderName) -> Option<String> {
    request.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// Writes the records not stored yet (a collector that retries sends the same ids again).
///
/// Every record is handed to the writer before the first answer is awaited: one wake-up per
/// request instead of one per record, and the writer still takes them in order.
async fn write_all(state: &AppState, records: Vec<InteractionRecord>, encoding: Encoding) -> Result<(), Response> {
    let mut seen = HashSet::new();
    let mut writes = Vec::with_capacity(records.len());
    for record in records {
        if !seen.insert(record.id.clone()) || state.store.find_id(&record.id).is_some() {
            state.otlp.duplicates.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        writes.push(Box::pin(state.writer.write(record)));
    }
    let mut unavailable = None;
    let mut last_written = None;
    for result in in_order(writes).await {
        match result {
            Ok(id) => {
                state.otlp.records.fetch_add(1, Ordering::Relaxed);
                last_written = Some(id);
            }
            // A record the writer refuses is one we could not map; the others still count.
            Err(err) if err.status == StatusCode::BAD_REQUEST => {
                tracing::warn!(target: "interlog::server", "an OTLP record was refused: {}", err.message);
            }
            Err(err) => unavailable = Some(err.message),
        }
    }
    // As `POST /interactions` does: once answered, the records are readable, and a retry of
    // the same request finds them and is not stored twice.
    if let Some(id) = last_written.filter(|_| state.writes_enabled) {
        state.signals.wait_indexed(&state.store, &id, state.index_wait).await;
    }
    match unavailable {
        // Unavailable, so that the exporter retries later (what was written is not written twice).
        Some(message) => Err(failure(encoding, StatusCode::SERVICE_UNAVAILABLE, &message)),
        None => Ok(()),
    }
}

/// Polls every future, the first time in order, and returns their outputs in order.
async fn in_order<F: std::future::Future + Unpin>(mut futures: Vec<F>) -> Vec<F::Output> {
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match std::pin::Pin::new(&mut *future).poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

fn dropped_message(count: u64, what: &str, understood: &str) -> String {
    format!("{count} {what} were not {understood} and were dropped")
}

fn answer<T: prost::Message + serde::Serialize>(encoding: Encoding, message: &T, count_key: &str) -> Response {
    let body = match encoding {
        Encoding::Protobuf => wire::encode(message, encoding),
        Encoding::Json => json_answer(message, count_key),
    };
    with_type(StatusCode::OK, encoding, body)
}

/// OTLP/JSON writes int64 as a string; the proto crate's serde writes the rejected count as a
/// number, so it is rewritten here.
fn json_answer<T: serde::Serialize>(message: &T, count_key: &str) -> Vec<u8> {
    let mut value = serde_json::to_value(message).unwrap_or_default();
    if let Some(count) = value.pointer_mut(&format!("/partialSuccess/{count_key}")) {
        if let Some(number) = count.as_i64() {
            *count = serde_json::Value::String(number.to_string());
        }
    }
    value.to_string().into_bytes()
}

/// OTLP answers a failed request with a `google.rpc.Status` in the request's encoding.
fn failure(encoding: Encoding, status: StatusCode, message: &str) -> Response {
    // gRPC codes: INVALID_ARGUMENT for what the client sent, UNAVAILABLE for what it may retry.
    let code = if status == StatusCode::SERVICE_UNAVAILABLE { 14 } else { 3 };
    let body = match encoding {
        Encoding::Protobuf => prost::Message::encode_to_vec(&RpcStatus { code, message: message.to_owned() }),
        Encoding::Json => serde_json::json!({ "code": code, "message": message }).to_string().into_bytes(),
    };
    with_type(status, encoding, body)
}

fn with_type(status: StatusCode, encoding: Encoding, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(encoding.content_type()));
    response
}

/// `google.rpc.Status` without its `details`.
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}
