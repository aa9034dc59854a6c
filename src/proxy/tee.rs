//! The response body the agent reads: each upstream chunk is handed on as it arrives, and a copy
//! goes to the rebuilder. The rebuilder only ever reads: whatever it makes of a chunk, the chunk
//! goes out unchanged, and nothing it does can fail the stream.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Bytes;
use futures::Stream;
use sse_parse::SseParser;

use super::record::{build, Api, End, Exchange, Rebuilt, Seen, StreamRebuilder};
use super::MAX_RESPONSE_KEPT;
use crate::server::write::RecordWriter;

type Upstream = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// An event larger than this is dropped by the parser (the agent still gets it): it bounds the
/// memory a stream can hold in the tee.
const MAX_EVENT: usize = 16 * 1024 * 1024;

/// How the response is read for the record.
pub(crate) enum Capture {
    Events { parser: Box<SseParser>, rebuilder: Box<dyn StreamRebuilder> },
    Body { kept: Vec<u8>, truncated: bool },
}

impl Capture {
    pub(crate) fn events(api: Api) -> Capture {
        Capture::Events { parser: Box::new(SseParser::new().max_buffer(MAX_EVENT)), rebuilder: api.stream_rebuilder() }
    }

    pub(crate) fn body() -> Capture {
        Capture::Body { kept: Vec::new(), truncated: false }
    }

    /// Takes one chunk; returns whether it carried generated content.
    fn feed(&mut self, chunk: &[u8]) -> bool {
        match self {
            Capture::Events { parser, rebuilder } => {
                parser.feed(chunk);
                let mut content = false;
                while let Some(event) = parser.next_event() {
                    content |= rebuilder.event(&event.event, &event.data);
                }
                content
            }
            Capture::Body { kept, truncated } => {
                let room = MAX_RESPONSE_KEPT.saturating_sub(kept.len());
                *truncated |= chunk.len() > room;
                kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
                !chunk.is_empty()
            }
        }
    }

    /// What the response amounts to; runs on the writer thread.
    fn rebuild(self, api: Api) -> (Rebuilt, bool) {
        match self {
            Capture::Events { mut parser, mut rebuilder } => {
                // An event not ended by a blank line when the stream stopped still counts.
                parser.finish();
                while let Some(event) = parser.next_event() {
                    rebuilder.event(&event.event, &event.data);
                }
                (rebuilder.finish(), false)
            }
            Capture::Body { kept, truncated } => {
                let rebuilt = match serde_json::from_slice(&kept) {
                    Ok(body) => api.rebuild_body(&body),
                    Err(_) if kept.is_empty() => Rebuilt { complete: true, ..Rebuilt::default() },
                    Err(_) => Rebuilt {
                        complete: true,
                        error: Some(format!("the response body is not JSON: {}", preview(&kept))),
                        ..Rebuilt::default()
                    },
                };
                (rebuilt, truncated)
            }
        }
    }
}

fn preview(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]);
    text.trim().to_owned()
}

/// The recording side of a body: the exchange and what has been seen of the response.
pub(crate) struct Tap {
    exchange: Exchange,
    capture: Capture,
    first_content: Option<Instant>,
    writer: RecordWriter,
}

impl Tap {
    pub(crate) fn new(exchange: Exchange, capture: Capture, writer: RecordWriter) -> Tap {
        Tap { exchange, capture, first_content: None, writer }
    }

    fn feed(&mut self, chunk: &[u8], arrived: Instant) {
        if self.capture.feed(chunk) && self.first_content.is_none() {
            self.first_content = Some(arrived);
        }
    }

    /// Queues the record; the building happens on the writer thread.
    fn finish(self, end: End) {
        let ended = Instant::now();
        let Tap { exchange, capture, first_content, writer } = self;
        let queued = writer.write_later(move || {
            let (rebuilt, truncated) = capture.rebuild(exchange.api);
            build(&exchange, Seen { rebuilt, first_content, ended, end, truncated })
        });
        if !queued {
            tracing::error!(target: "interlog::proxy", "an exchange was not recorded: the writer has stopped");
        }
    }
}

/// The agent's body: the upstream's chunks, unchanged and unbuffered, with an optional tap.
pub(crate) struct TeeBody {
    upstream: Upstream,
    tap: Option<Tap>,
}

impl TeeBody {
    pub(crate) fn new(upstream: Upstream, tap: Option<Tap>) -> TeeBody {
        TeeBody { upstream, tap }
    }

    fn end(&mut self, end: End) {
        if let Some(tap) = self.tap.take() {
            tap.finish(end);
        }
    }
}

impl Stream for TeeBody {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match this.upstream.as_mut().poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(chunk))) => {
                if let Some(tap) = this.tap.as_mut() {
                    tap.feed(&chunk, Instant::now());
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(err))) => {
                let cause = super::forward::describe(&err);
                tracing::warn!(target: "interlog::proxy", "the upstream stream broke: {cause}");
                this.end(End::UpstreamBroke(cause.clone()));
                // Passing the error on makes hyper abort the agent's response, so the agent sees
                // the break too instead of a body that looks complete.
                Poll::Ready(Some(Err(std::io::Error::other(cause))))
            }
            Poll::Ready(None) => {
                this.end(End::Complete);
                Poll::Ready(None)
            }
        }
    }
}

impl Drop for TeeBody {
    /// Dropped before the end: the agent went away (or the proxy is stopping).
    fn drop(&mut self) {
        self.end(End::ClientGone);
    }
}
