//! The router, the front middleware (access checks, timeout, access log), and
//! the serving loop with its graceful shutdown.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::oneshot;

use super::error::ApiError;
use super::guard::{HostPolicy, Token};
use super::indexed::IndexSignals;
use super::otlp::OtlpState;
use super::state::{AppState, Shared};
use super::write::RecordWriter;
use super::{conn, otlp, post, read, ServerConfig, ServerError};
use crate::capture::InteractionLogger;
use crate::store::Store;

/// How long the drain may take past the request timeout before the server stops regardless
/// (a client that never finishes sending its headers must not hold the process forever).
const DRAIN_SLACK: Duration = Duration::from_secs(5);

/// What the server thread is handed by `Server::start`.
pub(crate) struct Parts {
    pub(crate) logger: InteractionLogger,
    pub(crate) store: Store,
    pub(crate) signals: Arc<IndexSignals>,
    pub(crate) config: ServerConfig,
}

pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route("/interactions", get(read::list).post(post::create))
        .route("/interactions/{id}", get(read::get_one))
        .route("/sessions/{id}", get(read::session))
        .route("/healthz", get(read::healthz))
        .route("/v1/traces", post(otlp::traces))
        .route("/v1/logs", post(otlp::logs))
        .route("/v1/metrics", post(otlp::metrics))
        // After the routes: it applies to the routes already added.
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), front))
        .with_state(state)
}

/// Every request: the Host and token checks, the request timeout, and one access-log line.
async fn front(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let admitted = state.hosts.check(request.headers(), request.uri()).and_then(|()| match &state.token {
        Some(token) => token.check(request.headers()),
        None => Ok(()),
    });
    let response = match admitted {
        Err(refusal) => refusal.into_response(),
        Ok(()) => match tokio::time::timeout(state.request_timeout, next.run(request)).await {
            Ok(response) => response,
            Err(_) => ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                format!("the request was not completed within {} s", state.request_timeout.as_secs_f64()),
            )
            .into_response(),
        },
    };
    tracing::info!(
        target: "interlog::server",
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        latency = ?started.elapsed(),
        "request"
    );
    response
}

async fn method_not_allowed(request: Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{} is not allowed on {}", request.method(), request.uri().path()),
    )
}

async fn not_found(request: Request) -> ApiError {
    ApiError::not_found(format!(
        "no such endpoint: {} (see POST /interactions, GET /interactions, /interactions/ID, /sessions/ID, /healthz)",
        request.uri().path()
    ))
}

/// Serves until stopped, drains, then waits for the writer to finish every queued record.
pub(crate) fn run(
    runtime: tokio::runtime::Runtime,
    listener: std::net::TcpListener,
    parts: Parts,
    stopped: oneshot::Receiver<()>,
) -> Result<(), ServerError> {
    let Parts { logger, store, signals, config } = parts;
    let (writer, writer_thread) = RecordWriter::start(logger.clone()).map_err(ServerError::Runtime)?;
    let state = AppState::new(Shared {
        store,
        signals,
        writer,
        writes_enabled: logger.config().enabled,
        hosts: HostPolicy::new(config.listen.ip().is_loopback(), &config.allow_hosts),
        token: config.token.as_deref().map(Token::new),
        max_body: config.max_body,
        request_timeout: config.request_timeout,
        index_wait: config.index_wait,
        large_bodies: tokio::sync::Semaphore::new(post::LARGE_BODIES_AT_ONCE),
        otlp: OtlpState::new(config.otlp_hold),
    });
    drop(logger);
    let flusher = runtime.spawn(otlp::flush_loop(state.clone()));
    let app = router(state.clone());
    let drain_limit = config.request_timeout + DRAIN_SLACK;
    // The headers of a request come within its whole timeout, or not at all.
    let header_timeout = conn::HEADER_TIMEOUT.min(config.request_timeout);
    let result = runtime.block_on(serve(listener, app, stopped, config.stop_on_signals, header_timeout, drain_limit));
    flusher.abort();
    runtime.block_on(otlp::flush_all(&state));
    drop(state);
    // Drops the tasks still holding the state (and so the writer's queue) after an overlong drain.
    runtime.shutdown_timeout(Duration::from_secs(1));
    writer_thread.join();
    result
}

async fn serve(
    listener: std::net::TcpListener,
    app: Router,
    stopped: oneshot::Receiver<()>,
    on_signals: bool,
    header_timeout: Duration,
    drain_limit: Duration,
) -> Result<(), ServerError> {
    let addr = listener.local_addr().map_err(ServerError::Runtime)?;
    let listener = tokio::net::TcpListener::from_std(listener).map_err(|source| ServerError::Bind { addr, source })?;
    let stop_signal = async move {
        wait_for_stop(stopped, on_signals).await;
        tracing::info!(target: "interlog::server", "shutting down: finishing requests in flight");
    };
    conn::serve(listener, app, stop_signal, header_timeout, drain_limit).await;
    Ok(())
}

async fn wait_for_stop(stopped: oneshot::Receiver<()>, on_signals: bool) {
    if !on_signals {
        let _ = stopped.await;
        return;
    }
    tokio::select! {
        _ = stopped => {}
        () = termination_signal() => {
            // A second Ctrl-C is someone who will not wait for the drain. Everything answered
            // with 201 is already written, so leaving at once loses nothing acknowledged.
            tokio::spawn(async {
                termination_signal().await;
                tracing::warn!(target: "interlog::server", "second signal: exiting without waiting for requests in flight");
                std::process::exit(130);
            });
        }
    }
}

/// Ctrl-C or, on Unix, SIGTERM. A signal handler that cannot be installed never fires.
pub(crate) async fn termination_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
