//! `interlog record` and `interlog prune`: the write side of the command line.

use std::io::BufRead;

use crate::capture::{prune_all, CaptureError, InteractionLogger};
use crate::record::{InteractionRecord, Timestamp};

use super::read::output::Output;
use super::{CliResult, Failure, Settings};

pub fn run_record(settings: &Settings) -> CliResult {
    let stdin = std::io::stdin().lock();
    let records = parse_batch(stdin, Timestamp::now())?;
    if records.is_empty() {
        return Err(Failure::Usage("no record on stdin: expected a JSON object, or one per line".into()));
    }
    let logger = InteractionLogger::open(&settings.dir, settings.config.clone())?;
    // Write everything before printing anything: a reader that stops early (`| head -1`) must
    // not cut the batch short.
    let ids = logger.log_all(&records).map_err(|err| match err {
        CaptureError::Invalid(reason) => Failure::Usage(format!("invalid record: {reason}")),
        other => Failure::from(other),
    })?;
    let mut out = Output::stdout();
    for id in &ids {
        out.text(&format!("{id}\n"))?;
    }
    out.finish()
}

/// Reads the whole batch and validates every record before anything is written, so a bad
/// line 3 leaves nothing half-written. One object may span lines; otherwise it is JSONL.
pub fn parse_batch(mut input: impl BufRead, now: Timestamp) -> Result<Vec<InteractionRecord>, Failure> {
    let mut text = String::new();
    input.read_to_string(&mut text).map_err(|err| Failure::Usage(format!("cannot read stdin as UTF-8 text: {err}")))?;
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) {
        let record = to_record(value, now).map_err(|reason| Failure::Usage(format!("invalid record: {reason}")))?;
        return Ok(vec![record]);
    }
    let mut records = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let line_no = index + 1;
        let value = serde_json::from_str::<serde_json::Value>(line)
            .map_err(|err| Failure::Usage(format!("line {line_no}: invalid JSON: {err}")))?;
        let record = to_record(value, now).map_err(|reason| Failure::Usage(format!("line {line_no}: {reason}")))?;
        records.push(record);
    }
    Ok(records)
}

fn to_record(value: serde_json::Value, now: Timestamp) -> Result<InteractionRecord, String> {
    let record = InteractionRecord::from_value_filling(value, now).map_err(|err| err.to_string())?;
    record.validate().map_err(|err| err.to_string())?;
    Ok(record)
}

pub fn run_prune(settings: &Settings) -> CliResult {
    let mut out = Output::stdout();
    if settings.config.retention_days == 0 {
        out.text("retention_days = 0 keeps every file; nothing pruned\n")?;
        return out.finish();
    }
    let today = chrono::Utc::now().date_naive();
    let outcome = prune_all(&settings.dir, settings.config.retention_days, today);
    for path in &outcome.deleted {
        out.text(&format!("deleted {}\n", path.display()))?;
    }
    out.finish()?;
    if outcome.failures.is_empty() {
        return Ok(());
    }
    let failures: Vec<String> = outcome.failures.iter().map(ToString::to_string).collect();
    Err(Failure::Failed(anyhow::anyhow!("{}", failures.join("; "))))
}
