//! The recording reverse proxy for LLM APIs (`interlog proxy`, `interlog run`; docs/proxy.md).
//!
//! Anthropic `POST /v1/messages` and OpenAI `POST /v1/chat/completions` and `/v1/responses` are
//! forwarded and recorded; everything else is forwarded unrecorded. The agent gets the upstream's
//! bytes as they arrive: the response body is a [`tee::TeeBody`] that hands each chunk on at once
//! and feeds a copy to the API's stream rebuilder. When the body ends, breaks or is dropped (the
//! client went away), the exchange is queued to the writer thread, which builds the record there
//! and writes it, so no parsing of a request or a record runs on an async worker.

pub mod anthropic;
mod forward;
pub mod openai_chat;
pub mod openai_responses;
pub mod record;
mod tee;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::serve::ListenerExt;
use tokio::sync::oneshot;

use crate::capture::{CaptureError, InteractionLogger, InteractionsConfig};
use crate::server::background::{self, Background};
use crate::server::write::RecordWriter;
pub use crate::server::ExposureError;

/// The contract's default address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8378";
pub const DEFAULT_ANTHROPIC_UPSTREAM: &str = "https://api.anthropic.com";
pub const DEFAULT_OPENAI_UPSTREAM: &str = "https://api.openai.com";
/// The largest recorded request body read (Anthropic's own limit is 32 MB).
pub const DEFAULT_MAX_REQUEST: usize = 64 * 1024 * 1024;
/// How much of a non-streamed response body is kept for rebuilding; the agent always gets all of it.
pub const MAX_RESPONSE_KEPT: usize = 32 * 1024 * 1024;

/// Everything [`Proxy::start`] needs.
#[derive(Clone, Debug)]
pub struct ProxyConfig {
    pub listen: SocketAddr,
    /// The log directory the records go to.
    pub dir: PathBuf,
    /// The writer's policy (include flags, truncation, redaction, `enabled`).
    pub capture: InteractionsConfig,
    /// Base URL for Anthropic paths, without `/v1`.
    pub anthropic_upstream: String,
    /// Base URL for OpenAI paths, without `/v1`.
    pub openai_upstream: String,
    /// `project` of every record (else the `X-Interlog-Project` header).
    pub project: Option<String>,
    /// `client` of every record (else the user agent's product name).
    pub client: Option<String>,
    /// Headers, besides the credential headers, whose values are secrets.
    pub redact_headers: Vec<String>,
    /// When set, every request must carry it (`X-Interlog-Token`, or a `/t/TOKEN` path prefix).
    /// Required for a non-loopback `listen`.
    pub token: Option<String>,
    pub max_request: usize,
    /// Stop on Ctrl-C and SIGTERM (`interlog proxy`); `interlog run` stops through the handle.
    pub stop_on_signals: bool,
}

impl ProxyConfig {
    pub fn new(dir: impl Into<PathBuf>, capture: InteractionsConfig) -> Self {
        ProxyConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8378)),
            dir: dir.into(),
            capture,
            anthropic_upstream: DEFAULT_ANTHROPIC_UPSTREAM.to_owned(),
            openai_upstream: DEFAULT_OPENAI_UPSTREAM.to_owned(),
            project: None,
            client: None,
            redact_headers: Vec::new(),
            token: None,
            max_request: DEFAULT_MAX_REQUEST,
            stop_on_signals: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error(transparent)]
    Exposure(#[from] ExposureError),
    #[error("the upstream URL {url:?} is not an http:// or https:// URL")]
    BadUpstream { url: String },
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("cannot start the proxy runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    #[error("cannot open the log directory for writing: {0}")]
    Capture(#[from] CaptureError),
    #[error("the proxy thread stopped unexpectedly")]
    Crashed,
}

/// A running proxy. Dropping the handle starts a shutdown without waiting for it.
pub struct Proxy(Background<ProxyError>);

impl Proxy {
    /// Checks the config, opens the writer, binds, and starts serving in the background.
    pub fn start(config: ProxyConfig) -> Result<Proxy, ProxyError> {
        background::check_exposure(config.listen, config.token.as_deref())?;
        for url in [&config.anthropic_upstream, &config.openai_upstream] {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ProxyError::BadUpstream { url: url.clone() });
            }
        }
        let logger = InteractionLogger::open(&config.dir, config.capture.clone())?;
        let (listener, addr) =
            background::bind(config.listen).map_err(|source| ProxyError::Bind { addr: config.listen, source })?;
        let runtime = background::runtime("interlog-proxy").map_err(ProxyError::Runtime)?;
        let serving =
            Background::spawn("interlog-proxy", addr, move |stopped| serve(runtime, listener, logger, config, stopped));
        Ok(Proxy(serving.map_err(ProxyError::Runtime)?))
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.0.local_addr()
    }

    /// Stops accepting, ends the exchanges in flight (each is recorded), waits until every record
    /// is written, and returns.
    pub fn shutdown(self) -> Result<(), ProxyError> {
        self.0.shutdown(ProxyError::Crashed)
    }

    /// Blocks until the proxy stops on its own (a signal, with `stop_on_signals`).
    pub fn wait(self) -> Result<(), ProxyError> {
        self.0.wait(ProxyError::Crashed)
    }
}

/// How long streams in flight get to finish after a stop before they are cut (and recorded as cut).
const DRAIN: Duration = Duration::from_secs(5);

fn serve(
    runtime: tokio::runtime::Runtime,
    listener: std::net::TcpListener,
    logger: InteractionLogger,
    config: ProxyConfig,
    stopped: oneshot::Receiver<()>,
) -> Result<(), ProxyError> {
    let (writer, writer_thread) = RecordWriter::start(logger).map_err(ProxyError::Runtime)?;
    let state = forward::State::new(&config, writer).map_err(|err| ProxyError::Client(err.to_string()))?;
    let app = forward::router(Arc::new(state));
    let result = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).map_err(ProxyError::Runtime)?.tap_io(|tcp| {
            // Streamed events are small writes: Nagle would hold each one back for the agent's
            // delayed ACK (40 ms on Linux).
            let _ = tcp.set_nodelay(true);
        });
        let (stopping, mut stopping_seen) = tokio::sync::watch::channel(false);
        let stop = async move {
            if config.stop_on_signals {
                tokio::select! {
                    _ = stopped => {}
                    () = crate::server::app::termination_signal() => {}
                }
            } else {
                let _ = stopped.await;
            }
            stopping.send_replace(true);
        };
        let serving = axum::serve(listener, app).with_graceful_shutdown(stop);
        // A graceful stop waits for open streams; an agent's stream can last minutes, so after
        // the drain they are cut, and each cut one is still recorded (its body is dropped).
        tokio::select! {
            result = serving => result.map_err(ProxyError::Runtime),
            () = async {
                let _ = stopping_seen.wait_for(|stopping| *stopping).await;
                tokio::time::sleep(DRAIN).await;
            } => Ok(()),
        }
    });
    // Drops every task still holding a body, so each cut exchange queues its record.
    runtime.shutdown_timeout(Duration::from_secs(1));
    writer_thread.join();
    result
}
