//! What the HTTP server and the recording proxy share to run in the background: the exposure
//! rule (an address other machines can reach needs a token), a non-blocking bind, a runtime, and
//! the handle of the serving thread, which stops when asked.

use std::net::{SocketAddr, TcpListener};
use std::thread::JoinHandle;

use tokio::sync::oneshot;

/// Why a listen address and token were refused before anything was served.
#[derive(Debug, thiserror::Error)]
pub enum ExposureError {
    #[error("refusing to listen on {addr} without a token: a non-loopback address needs --token or $INTERLOG_TOKEN")]
    TokenRequired { addr: SocketAddr },
    #[error("the token is empty: give a non-empty --token or $INTERLOG_TOKEN")]
    EmptyToken,
}

/// A token is what protects a listener reachable from other machines.
pub(crate) fn check_exposure(listen: SocketAddr, token: Option<&str>) -> Result<(), ExposureError> {
    match token {
        Some(token) if token.trim().is_empty() => Err(ExposureError::EmptyToken),
        Some(_) => Ok(()),
        None if listen.ip().is_loopback() => Ok(()),
        None => Err(ExposureError::TokenRequired { addr: listen }),
    }
}

/// Binds `listen` for the tokio runtime, and says the address it got (the real port for port 0).
pub(crate) fn bind(listen: SocketAddr) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(listen)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

pub(crate) fn runtime(thread_name: &str) -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().thread_name(thread_name).build()
}

/// A serving thread. Dropping it asks the thread to stop without waiting for it.
pub(crate) struct Background<E> {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: JoinHandle<Result<(), E>>,
}

impl<E: Send + 'static> Background<E> {
    /// Runs `serve` on a thread of its own; it returns once the receiver fires (or on its own).
    pub(crate) fn spawn(
        name: &str,
        addr: SocketAddr,
        serve: impl FnOnce(oneshot::Receiver<()>) -> Result<(), E> + Send + 'static,
    ) -> std::io::Result<Self> {
        let (stop, stopped) = oneshot::channel();
        let thread = std::thread::Builder::new().name(name.into()).spawn(move || serve(stopped))?;
        Ok(Background { addr, stop: Some(stop), thread })
    }

    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Asks the thread to stop and waits for it; `crashed` stands for a thread that panicked.
    pub(crate) fn shutdown(mut self, crashed: E) -> Result<(), E> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.wait(crashed)
    }

    /// Waits for the thread to stop on its own (a signal).
    pub(crate) fn wait(self, crashed: E) -> Result<(), E> {
        // Keeping `stop` alive while waiting: dropping it would read as a stop request.
        let Background { stop: _keep_running, thread, .. } = self;
        thread.join().unwrap_or(Err(crashed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_needed_off_loopback_and_must_not_be_blank() {
        let loopback: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let anywhere: SocketAddr = "0.0.0.0:0".parse().unwrap();
        assert!(check_exposure(loopback, None).is_ok());
        assert!(check_exposure(anywhere, Some("s3cret")).is_ok());
        assert!(matches!(check_exposure(anywhere, None), Err(ExposureError::TokenRequired { .. })));
        assert!(matches!(check_exposure(loopback, Some("  ")), Err(ExposureError::EmptyToken)));
    }
}
