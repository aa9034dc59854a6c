//! The write side: the logger does blocking file I/O, so records go to it off the async workers.

use std::sync::mpsc;
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use crate::capture::{CaptureError, InteractionLogger};
use crate::record::InteractionRecord;

use super::error::ApiError;

pub(crate) struct WriteJob {
    record: InteractionRecord,
    done: oneshot::Sender<Result<String, CaptureError>>,
}

/// Hands records to the writer; cheap to clone.
#[derive(Clone)]
pub(crate) enum RecordWriter {
    Thread(mpsc::Sender<WriteJob>),
    Blocking(InteractionLogger),
}

/// The writer thread; joining it waits for every queued record to be written.
pub(crate) struct WriterThread(Option<JoinHandle<()>>);

impl WriterThread {
    /// Returns once every [`RecordWriter`] clone is gone and the queue is drained.
    pub(crate) fn join(mut self) {
        if let Some(thread) = self.0.take() {
            let _ = thread.join();
        }
    }
}

impl RecordWriter {
    pub(crate) fn start(logger: InteractionLogger) -> std::io::Result<(RecordWriter, WriterThread)> {
        if std::env::var_os("INTERLOG_SERVER_WRITER").is_some_and(|mode| mode == "blocking") {
            return Ok((RecordWriter::Blocking(logger), WriterThread(None)));
        }
        let (jobs, queue) = mpsc::channel::<WriteJob>();
        let thread = std::thread::Builder::new().name("interlog-writer".into()).spawn(move || {
            // Ends when every sender is dropped, after the queue is empty: nothing accepted is skipped.
            for job in queue {
                let _ = job.done.send(logger.log(&job.record));
            }
        })?;
        Ok((RecordWriter::Thread(jobs), WriterThread(Some(thread))))
    }

    /// Writes the record; returns its id once the line is in the day's file.
    pub(crate) async fn write(&self, record: InteractionRecord) -> Result<String, ApiError> {
        let result = match self {
            RecordWriter::Thread(jobs) => {
                let (done, written) = oneshot::channel();
                jobs.send(WriteJob { record, done }).map_err(|_| writer_gone())?;
                written.await.map_err(|_| writer_gone())?
            }
            RecordWriter::Blocking(logger) => {
                let logger = logger.clone();
                tokio::task::spawn_blocking(move || logger.log(&record)).await.map_err(|_| writer_gone())?
            }
        };
        result.map_err(|err| match err {
            CaptureError::Invalid(reason) => ApiError::bad_request(format!("invalid record: {reason}")),
            other => {
                tracing::error!(target: "interlog::server", "{other}");
                ApiError::internal(format!("the record was not written: {other}"))
            }
        })
    }
}

fn writer_gone() -> ApiError {
    ApiError::internal("the record was not written: the server is shutting down")
}
