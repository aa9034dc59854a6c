//! OpenTelemetry both ways (docs/otlp.md): the mapping between records and OTLP spans and log
//! events, and the OTLP/HTTP wire format.
//!
//! - In: [`from_spans::records_from_traces`] turns GenAI spans into records;
//!   [`agents::EventJoiner`] turns Claude Code's and Codex's log events (and GenAI inference
//!   events) into records.
//! - Out: [`to_spans::export_request`] turns records into GenAI spans with ids derived from the
//!   records ([`ids`]).

pub mod agents;
pub mod attrs;
pub mod content;
pub mod from_spans;
pub mod ids;
pub mod to_spans;
pub mod value;
pub mod wire;

pub use opentelemetry_proto::tonic::collector::logs::v1::{ExportLogsServiceRequest, ExportLogsServiceResponse};
pub use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};

use crate::record::{InteractionRecord, RecordSource, Timestamp};

/// The prompt of a record whose source exported no content (a record needs a prompt or a
/// message; docs/otlp.md says how to turn content export on for each source).
pub const NO_CONTENT_PROMPT: &str = "[content not exported]";

/// `source.kind` of every record made from OTLP.
pub const SOURCE_KIND: &str = "otlp";

/// What one OTLP request (or a flush of held events) gave.
#[derive(Debug, Default)]
pub struct Received {
    pub records: Vec<InteractionRecord>,
    /// Spans or log records that were not understood, and so dropped.
    pub dropped: u64,
}

/// The rules every received record ends with: a prompt or messages, and where it came from.
pub(crate) fn finish_record(mut record: InteractionRecord) -> InteractionRecord {
    let has_prompt = record.prompt.as_deref().is_some_and(|p| !p.trim().is_empty());
    if !has_prompt && record.messages.is_empty() {
        record.prompt = Some(NO_CONTENT_PROMPT.to_owned());
    }
    record.source = Some(RecordSource { kind: SOURCE_KIND.to_owned(), ..RecordSource::default() });
    record
}

/// OTLP times are nanoseconds since the epoch; 0 means unset and reads as now.
pub(crate) fn timestamp_from_nanos(nanos: u64) -> Timestamp {
    if nanos == 0 {
        return Timestamp::now();
    }
    let seconds = (nanos / 1_000_000_000) as i64;
    let rest = (nanos % 1_000_000_000) as u32;
    match chrono::DateTime::from_timestamp(seconds, rest) {
        Some(at) => Timestamp::from_utc(at),
        None => Timestamp::now(),
    }
}
