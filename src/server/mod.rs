//! The HTTP API (docs/format.md §4): capture over `POST /interactions`, queries over `GET`.
//!
//! [`Server::start`] binds, starts following the log directory and serves on its own runtime
//! thread; the returned handle gives the bound address (so tests can bind port 0) and a graceful
//! shutdown. Writes go through one [`InteractionLogger`] on a dedicated writer thread; reads go
//! through a [`Store`] that follows the directory, so records written by other processes show up
//! without a restart.

pub(crate) mod app;
pub(crate) mod background;
mod conn;
mod error;
mod guard;
mod indexed;
mod otlp;
mod post;
mod read;
mod state;
mod summary;
pub(crate) mod write;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::capture::{CaptureError, InteractionLogger, InteractionsConfig};
use crate::store::{Store, StoreError};

pub use background::ExposureError;
#[cfg(feature = "proxy")]
pub(crate) use guard::constant_time_eq;
pub use guard::{is_local_host, HostPolicy};

/// The contract's default body limit: 8 MiB.
pub const DEFAULT_MAX_BODY: usize = 8 * 1024 * 1024;
/// The default address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8377";

/// Everything [`Server::start`] needs.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// The log directory: written by POST, followed by the read side.
    pub dir: PathBuf,
    /// The writer's policy (include flags, truncation, retention, `enabled`).
    pub capture: InteractionsConfig,
    /// When set, every request must carry `Authorization: Bearer TOKEN`. Required for a
    /// non-loopback `listen`.
    pub token: Option<String>,
    /// Host names accepted in the `Host` header besides localhost names and loopback addresses.
    pub allow_hosts: Vec<String>,
    /// Largest request body accepted, in bytes.
    pub max_body: usize,
    /// A request that has not been answered after this long gets a 408.
    pub request_timeout: Duration,
    /// How long a POST waits for the store to index the record it wrote before answering anyway.
    /// This is what makes a GET right after a 201 see the record.
    pub index_wait: Duration,
    /// Stop gracefully on Ctrl-C and SIGTERM, and exit the process at once on a second one (the
    /// command line); tests stop through the handle.
    pub stop_on_signals: bool,
    /// How long the OTLP receiver holds an agent's call open for the events that complete it
    /// (tool results, bodies) before writing it as it is.
    pub otlp_hold: Duration,
}

impl ServerConfig {
    /// The defaults for `dir`: loopback, no token, 8 MiB bodies, 30 s request timeout.
    pub fn new(dir: impl Into<PathBuf>, capture: InteractionsConfig) -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8377)),
            dir: dir.into(),
            capture,
            token: None,
            allow_hosts: Vec::new(),
            max_body: DEFAULT_MAX_BODY,
            request_timeout: Duration::from_secs(30),
            index_wait: Duration::from_secs(1),
            stop_on_signals: false,
            otlp_hold: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Exposure(#[from] ExposureError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("cannot start the server runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot open the log directory for writing: {0}")]
    Capture(#[from] CaptureError),
    #[error("cannot follow the log directory: {0}")]
    Store(#[from] StoreError),
    #[error("the server thread stopped unexpectedly")]
    Crashed,
}

/// A running server. Dropping the handle starts a graceful shutdown without waiting for it.
pub struct Server(background::Background<ServerError>);

impl Server {
    /// Checks the config, opens the writer, binds, and starts serving in the background.
    /// Errors here (a refused bind, a missing token) happen before anything is served.
    pub fn start(config: ServerConfig) -> Result<Server, ServerError> {
        background::check_exposure(config.listen, config.token.as_deref())?;
        let logger = InteractionLogger::open(&config.dir, config.capture.clone())?;
        let (listener, addr) =
            background::bind(config.listen).map_err(|source| ServerError::Bind { addr: config.listen, source })?;
        let runtime = background::runtime("interlog-http").map_err(ServerError::Runtime)?;
        let signals = Arc::new(indexed::IndexSignals::new());
        let store = follow_store(&config.dir, Arc::clone(&signals))?;
        let parts = app::Parts { logger, store, signals, config };
        let serving = background::Background::spawn("interlog-server", addr, move |stopped| {
            app::run(runtime, listener, parts, stopped)
        });
        Ok(Server(serving.map_err(ServerError::Runtime)?))
    }

    /// The bound address (the real port when `listen` asked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.0.local_addr()
    }

    /// Stops accepting, lets in-flight requests finish (every write they started is completed
    /// and answered), and returns when the server has stopped.
    pub fn shutdown(self) -> Result<(), ServerError> {
        self.0.shutdown(ServerError::Crashed)
    }

    /// Blocks until the server stops on its own (a signal, with `stop_on_signals`).
    pub fn wait(self) -> Result<(), ServerError> {
        self.0.wait(ServerError::Crashed)
    }
}

/// Opens the read side: a store following `dir`, with its events turned into wake-ups.
fn follow_store(dir: &std::path::Path, signals: Arc<indexed::IndexSignals>) -> Result<Store, ServerError> {
    Ok(Store::follow(dir, move |event| signals.on_store_event(event))?)
}
