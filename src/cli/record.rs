//! `interlog record` and `interlog prune`: the write side of the command line.

use std::io::{BufRead, Write};

use crate::capture::{prune, InteractionLogger};
use crate::record::{InteractionRecord, Timestamp};

use super::{CliResult, Failure, Settings};

pub fn run_record(settings: &Settings) -> CliResult {
    let stdin = std::io::stdin().lock();
    let records = parse_batch(stdin, Timestamp::now())?;
    if records.is_empty() {
        return Err(Failure::Usage("no record on stdin: expected a JSON object, or one per line".into()));
    }
    let logger = InteractionLogger::open(&settings.dir, settings.config.clone())?;
    let mut stdout = std::io::stdout().lock();
    for record in &records {
        let id = logger.log(record)?;
        writeln!(stdout, "{id}")?;
    }
    Ok(())
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
    let today = chrono::Utc::now().date_naive();
    if settings.config.retention_days == 0 {
        println!("retention_days = 0 keeps every file; nothing pruned");
        return Ok(());
    }
    let deleted = prune(&settings.dir, settings.config.retention_days, today)?;
    let mut stdout = std::io::stdout().lock();
    for path in &deleted {
        writeln!(stdout, "deleted {}", path.display())?;
    }
    Ok(())
}
