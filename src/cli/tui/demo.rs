//! `interlog demo`: the shipped data set in a temporary directory, moved forward in time so it
//! ends just now, and a simulated agent that keeps appending a session through the real writer.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;
use tempfile::TempDir;

use crate::capture::{daily_file_name, CaptureError, InteractionLogger, InteractionsConfig};
use crate::record::{new_id, InteractionRecord, Timestamp};

/// The shipped data set, embedded so the binary works from anywhere.
const DATA_SET: [&str; 3] = [
    include_str!("../../../assets/demo/interactions-2026-11-19.jsonl"),
    include_str!("../../../assets/demo/interactions-2026-11-20.jsonl"),
    include_str!("../../../assets/demo/interactions-2026-11-21.jsonl"),
];
/// The session the simulated agent writes, one record at a time, over and over.
const LIVE_SESSION: &str = include_str!("../../../assets/demo/live-session.jsonl");
/// The first simulated record arrives this soon, so live watching shows at once.
const FIRST_DELAY: Duration = Duration::from_millis(1500);

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("cannot create the demo directory: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot open the demo writer: {0}")]
    Writer(#[from] CaptureError),
}

/// A running demo; dropping it stops the simulated agent and deletes the directory.
pub struct Demo {
    dir: TempDir,
    stop: Option<Sender<()>>,
    agent: Option<JoinHandle<()>>,
}

impl Demo {
    /// Writes the data set into a new temporary directory and starts the simulated agent.
    pub fn start() -> Result<Demo, DemoError> {
        let dir = tempfile::Builder::new().prefix("interlog-demo-").tempdir()?;
        write_data_set(dir.path(), Utc::now())?;
        let logger = InteractionLogger::open(dir.path(), InteractionsConfig::default())?;
        let (stop, stopped) = channel::<()>();
        let agent = std::thread::Builder::new().name("interlog-demo-agent".into()).spawn(move || {
            let records = live_records();
            let mut delay = FIRST_DELAY;
            for round in 0u32.. {
                let session = format!("demo-live-{}", &new_id()[..8]);
                for (n, record) in records.iter().enumerate() {
                    match stopped.recv_timeout(delay) {
                        Err(RecvTimeoutError::Timeout) => {}
                        Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                    }
                    let mut record = record.clone();
                    record.id = new_id();
                    record.timestamp = Timestamp::now();
                    record.session_id = Some(session.clone());
                    if let Err(err) = logger.log(&record) {
                        tracing::warn!("demo agent cannot write: {err}");
                        return;
                    }
                    delay = pause(round, n);
                }
            }
        })?;
        Ok(Demo { dir, stop: Some(stop), agent: Some(agent) })
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(agent) = self.agent.take() {
            let _ = agent.join();
        }
    }
}

/// Two to four seconds, varying like a real agent's think time.
fn pause(round: u32, turn: usize) -> Duration {
    let spread = (round as u64 * 7 + turn as u64 * 613) % 2000;
    Duration::from_millis(2000 + spread)
}

fn live_records() -> Vec<InteractionRecord> {
    LIVE_SESSION.lines().filter_map(|line| InteractionRecord::from_json(line).ok()).collect()
}

/// Copies the data set, every timestamp moved by the same amount so the newest is `now` minus a
/// few minutes; lines go to the daily file of their new date. Lines are otherwise kept as they
/// are (unknown fields, `created_at`, even bad lines).
pub fn write_data_set(dir: &Path, now: DateTime<Utc>) -> std::io::Result<()> {
    let lines: Vec<&str> = DATA_SET.iter().flat_map(|file| file.lines()).collect();
    let newest = lines.iter().filter_map(|line| line_instant(line)).max().unwrap_or(now);
    let shift = (now - chrono::Duration::minutes(3)) - newest;
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    let mut day = daily_file_name(now.date_naive());
    for line in lines {
        let moved = shift_line(line, shift);
        if let Some(at) = moved.as_deref().and_then(line_instant) {
            day = daily_file_name(at.date_naive());
        }
        let text = files.entry(day.clone()).or_default();
        text.push_str(moved.as_deref().unwrap_or(line));
        text.push('\n');
    }
    for (name, text) in files {
        std::fs::write(dir.join(name), text)?;
    }
    Ok(())
}

fn line_instant(line: &str) -> Option<DateTime<Utc>> {
    let value: Value = serde_json::from_str(line).ok()?;
    let text = value.get("timestamp").or_else(|| value.get("created_at"))?.as_str()?;
    Timestamp::parse(text).map(|at| at.as_utc())
}

fn shift_line(line: &str, shift: chrono::Duration) -> Option<String> {
    let mut value: Value = serde_json::from_str(line).ok()?;
    let map = value.as_object_mut()?;
    for key in ["timestamp", "created_at"] {
        let Some(Value::String(text)) = map.get_mut(key) else { continue };
        let Some(at) = Timestamp::parse(text) else { continue };
        let moved = at.as_utc() + shift;
        // Keep the SQLite shape where the data set uses it: it shows readers accept it.
        *text = if NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").is_ok() {
            moved.format("%Y-%m-%d %H:%M:%S").to_string()
        } else {
            Timestamp::from_utc(moved).to_rfc3339()
        };
    }
    serde_json::to_string(&value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_set_ends_just_before_now_and_keeps_every_line() {
        let dir = tempfile::tempdir().unwrap();
        let now = Utc::now();
        write_data_set(dir.path(), now).unwrap();
        let mut lines = Vec::new();
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let path = entry.unwrap().path();
            assert!(crate::capture::is_daily_file_name(path.file_name().unwrap().to_str().unwrap()));
            lines.extend(std::fs::read_to_string(path).unwrap().lines().map(str::to_owned));
        }
        let shipped: usize = DATA_SET.iter().map(|file| file.lines().count()).sum();
        assert_eq!(lines.len(), shipped);
        let newest = lines.iter().filter_map(|line| line_instant(line)).max().unwrap();
        assert!(newest <= now && newest > now - chrono::Duration::minutes(10));
    }

    #[test]
    fn live_session_records_are_all_readable() {
        assert_eq!(live_records().len(), LIVE_SESSION.lines().count());
        assert!(live_records().iter().all(|record| record.validate().is_ok()));
    }
}
