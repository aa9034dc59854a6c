//! The write side: the logger does blocking file I/O, so records go to it off the async workers.

use std::sync::mpsc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use crate::capture::{CaptureError, InteractionLogger};
use crate::record::InteractionRecord;

use super::error::ApiError;

/// A record to write, and who hears how it went.
enum WriteJob {
    Answered {
        record: Box<InteractionRecord>,
        done: oneshot::Sender<Result<String, CaptureError>>,
    },
    /// Built on the writer thread (the proxy's exchanges) (parsing a request can take milliseconds that must not run on
    /// an async worker); nobody waits, so a failure is logged.
    #[cfg_attr(not(feature = "proxy"), allow(dead_code))]
    Deferred(Box<dyn FnOnce() -> InteractionRecord + Send>),
}

/// Hands records to the writer thread; cheap to clone.
///
/// A dedicated thread fed by a channel, rather than `spawn_blocking` per record: measured under
/// the same load it costs about a third less server CPU per POST (docs/BENCHMARKS.md, HTTP API),
/// and one thread keeps the writes of each connection in order.
#[derive(Clone)]
pub(crate) struct RecordWriter(mpsc::Sender<WriteJob>);

/// The writer thread; joining it waits for every queued record to be written.
pub(crate) struct WriterThread(JoinHandle<()>);

impl WriterThread {
    /// Returns once every [`RecordWriter`] clone is gone and the queue is drained.
    pub(crate) fn join(self) {
        let _ = self.0.join();
    }
}

impl RecordWriter {
    pub(crate) fn start(logger: InteractionLogger) -> std::io::Result<(RecordWriter, WriterThread)> {
        let (jobs, queue) = mpsc::channel::<WriteJob>();
        let thread = std::thread::Builder::new().name("interlog-writer".into()).spawn(move || {
            // Ends when every sender is dropped, after the queue is empty: nothing accepted is skipped.
            for job in queue {
                match job {
                    WriteJob::Answered { record, done } => {
                        let _ = done.send(logger.log(&record));
                    }
                    WriteJob::Deferred(build) => {
                        let record = build();
                        if let Err(err) = logger.log(&record) {
                            tracing::error!(target: "interlog::capture", id = %record.id, "the record was not written: {err}");
                        }
                    }
                }
            }
        })?;
        Ok((RecordWriter(jobs), WriterThread(thread)))
    }

    /// Writes the record; returns its id once the line is in the day's file.
    pub(crate) async fn write(&self, record: InteractionRecord) -> Result<String, ApiError> {
        let (done, written) = oneshot::channel();
        self.0.send(WriteJob::Answered { record: Box::new(record), done }).map_err(|_| writer_gone())?;
        let result = written.await.map_err(|_| writer_gone())?;
        result.map_err(|err| match err {
            CaptureError::Invalid(reason) => ApiError::bad_request(format!("invalid record: {reason}")),
            other => {
                tracing::error!(target: "interlog::server", "{other}");
                ApiError::internal(format!("the record was not written: {other}"))
            }
        })
    }
}

#[cfg(feature = "proxy")]
impl RecordWriter {
    /// Queues a record to be built and written on the writer thread, without waiting: callable
    /// from a `Drop`. Returns false when the writer has stopped.
    pub(crate) fn write_later(&self, build: impl FnOnce() -> InteractionRecord + Send + 'static) -> bool {
        self.0.send(WriteJob::Deferred(Box::new(build))).is_ok()
    }
}

fn writer_gone() -> ApiError {
    ApiError::internal("the record was not written: the server is shutting down")
}
