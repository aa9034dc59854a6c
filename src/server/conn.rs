//! The accept loop: HTTP/1 connections with a header-read (and so idle) timeout and a cap on
//! how many are open at once, drained gracefully on stop.
//!
//! `axum::serve` has neither: a few hundred clients that open connections and send their headers
//! slowly (or nothing at all) would hold every file descriptor and lock everyone else out.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

/// Connections open at once; further clients wait in the listen backlog until one closes.
/// Well under the usual 1024 (or 256) open files, so the process never runs out of them.
pub(crate) const MAX_CONNECTIONS: usize = 128;
/// Longest wait for a request's headers, also between requests on a kept-alive connection.
pub(crate) const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `stop` resolves, then lets connections finish the request
/// they are in for at most `drain_limit`.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    stop: impl std::future::Future<Output = ()>,
    header_timeout: Duration,
    drain_limit: Duration,
) {
    let (stopping, stopping_seen) = watch::channel(false);
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut connections = JoinSet::new();
    tokio::pin!(stop);
    loop {
        let accepted = tokio::select! {
            () = &mut stop => break,
            accepted = accept(&listener, &slots) => accepted,
        };
        let Some((tcp, slot)) = accepted else { continue };
        let service = TowerToHyperService::new(app.clone());
        let mut stopping_seen = stopping_seen.clone();
        connections.spawn(async move {
            let _slot = slot;
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(tcp), service);
            tokio::pin!(connection);
            let stop_seen = async {
                let _ = stopping_seen.wait_for(|stopping| *stopping).await;
            };
            tokio::select! {
                _ = connection.as_mut() => {}
                () = stop_seen => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
        // Finished connections are collected as we go, so the set stays as small as what is open.
        while connections.try_join_next().is_some() {}
    }
    stopping.send_replace(true);
    let drained = tokio::time::timeout(drain_limit, async { while connections.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!(target: "interlog::server", "connections still open after {drain_limit:?}; stopping anyway");
        connections.abort_all();
    }
}

/// The next connection once a slot is free; `None` after an accept error (a client that gave up,
/// or no file descriptor left: then a short pause before trying again).
async fn accept(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
) -> Option<(tokio::net::TcpStream, tokio::sync::OwnedSemaphorePermit)> {
    let slot = Arc::clone(slots).acquire_owned().await.ok()?;
    match listener.accept().await {
        Ok((tcp, _)) => {
            // Small request/response pairs: don't let Nagle hold a response back.
            let _ = tcp.set_nodelay(true);
            Some((tcp, slot))
        }
        Err(error) => {
            tracing::warn!(target: "interlog::server", "accept failed: {error}");
            tokio::time::sleep(Duration::from_millis(50)).await;
            None
        }
    }
}
