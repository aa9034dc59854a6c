//! What every handler shares: the store, the writer, the access policy and the limits. Handlers
//! and the router both depend on this module, never on each other.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use super::guard::{HostPolicy, Token};
use super::indexed::IndexSignals;
use super::otlp::OtlpState;
use super::write::RecordWriter;
use crate::store::Store;

#[derive(Clone)]
pub(crate) struct AppState(Arc<Shared>);

pub(crate) struct Shared {
    pub(crate) store: Store,
    pub(crate) signals: Arc<IndexSignals>,
    pub(crate) writer: RecordWriter,
    /// False with `enabled = false`: nothing is written, so there is nothing to wait for.
    pub(crate) writes_enabled: bool,
    pub(crate) hosts: HostPolicy,
    pub(crate) token: Option<Token>,
    pub(crate) max_body: usize,
    pub(crate) request_timeout: Duration,
    pub(crate) index_wait: Duration,
    /// Bodies larger than [`super::post::LARGE_BODY`] (or of unknown length) read at once.
    pub(crate) large_bodies: tokio::sync::Semaphore,
    pub(crate) otlp: OtlpState,
}

impl AppState {
    pub(crate) fn new(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}
