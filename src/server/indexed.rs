//! Wake-ups from the store's follower thread to the request tasks waiting on it.
//!
//! Reads wait for the initial load (a 404 for a record that is merely not loaded yet would be a
//! lie); a POST waits until the store has indexed the record it wrote, so a GET right after the
//! 201 finds it.

use std::time::Duration;

use tokio::sync::{watch, Notify};

use crate::sanitize::sanitize_line;
use crate::store::{Store, StoreEvent};

pub(crate) struct IndexSignals {
    /// Notified after every batch the store applies.
    changed: Notify,
    loaded: watch::Sender<bool>,
}

impl IndexSignals {
    pub(crate) fn new() -> Self {
        IndexSignals { changed: Notify::new(), loaded: watch::Sender::new(false) }
    }

    /// The store's listener: runs on the follower thread, so it only flips flags and wakes tasks.
    pub(crate) fn on_store_event(&self, event: StoreEvent) {
        match event {
            StoreEvent::Progress(_) => {}
            StoreEvent::Loaded { records, bad_lines } => {
                tracing::info!(target: "interlog::server", records, bad_lines, "log directory loaded");
                self.loaded.send_replace(true);
                self.changed.notify_waiters();
            }
            StoreEvent::Appended { .. } | StoreEvent::Reset => self.changed.notify_waiters(),
            StoreEvent::WatchFallback { reason } => {
                tracing::warn!(target: "interlog::server", "watching the log directory failed, polling instead: {}", sanitize_line(&reason));
            }
            StoreEvent::Error { message } => {
                tracing::warn!(target: "interlog::server", "reading the log directory: {}", sanitize_line(&message));
            }
        }
    }

    pub(crate) fn is_loaded(&self) -> bool {
        *self.loaded.borrow()
    }

    /// Returns once the initial load has finished.
    pub(crate) async fn wait_loaded(&self) {
        let mut loaded = self.loaded.subscribe();
        // The sender lives as long as `self`, so this only ends when the flag is set.
        let _ = loaded.wait_for(|done| *done).await;
    }

    /// Returns true once `store` knows `id`, false when `patience` ran out first.
    pub(crate) async fn wait_indexed(&self, store: &Store, id: &str, patience: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            // Registered before the check, so a batch applied between the check and the wait still wakes us.
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if store.find_id(id).is_some() {
                return true;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return store.find_id(id).is_some();
            }
        }
    }
}
