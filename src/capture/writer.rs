//! [`InteractionLogger`]: appends one JSON line per record to the day's file.
//!
//! Each record is serialized into a buffer and goes out in one `write(2)` on a file opened with
//! `O_APPEND`, so writers in other threads and processes never interleave or tear lines.

use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use chrono::NaiveDate;

use super::{daily_file_name, prune, Clock, InteractionsConfig, PruneError, Redactor, SystemClock};
use crate::record::{InteractionRecord, Message, Role, Timestamp, ValidationError};

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("invalid record: {0}")]
    Invalid(#[from] ValidationError),
    #[error("cannot create log directory {path}: {source}")]
    CreateDir { path: PathBuf, source: std::io::Error },
    #[error("cannot open {path}: {source}")]
    Open { path: PathBuf, source: std::io::Error },
    #[error("cannot write to {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("retention: {0}")]
    Prune(#[from] PruneError),
    #[error("cannot serialize record: {0}")]
    Serialize(#[from] serde_json::Error),
}

/// A thread-safe writer of interaction records; clone it freely (clones share one file handle).
#[derive(Clone)]
pub struct InteractionLogger {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    config: InteractionsConfig,
    /// Built once from the config: the first-byte table is not remade per record.
    redactor: Redactor,
    clock: Arc<dyn Clock>,
    /// Writers share the day's file under the read lock (the kernel serialises `O_APPEND`
    /// writes); only moving to a new day takes the write lock.
    day: RwLock<Option<DayFile>>,
}

struct DayFile {
    date: NaiveDate,
    path: PathBuf,
    file: File,
}

impl std::fmt::Debug for InteractionLogger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InteractionLogger").field("dir", &self.inner.dir).field("config", &self.inner.config).finish()
    }
}

impl InteractionLogger {
    /// Opens `dir` for writing: creates it (0700) when absent and applies retention.
    pub fn open(dir: impl Into<PathBuf>, config: InteractionsConfig) -> Result<Self, CaptureError> {
        Self::with_clock(dir, config, Arc::new(SystemClock))
    }

    /// Like [`InteractionLogger::open`] with an injected clock.
    pub fn with_clock(
        dir: impl Into<PathBuf>,
        config: InteractionsConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, CaptureError> {
        let dir = dir.into();
        if config.enabled {
            create_private_dir(&dir)?;
            if config.retention_days > 0 {
                prune(&dir, config.retention_days, clock.now().date_naive())?;
            }
        }
        let redactor = Redactor::new(config.redact, &config.redact_prefixes);
        Ok(InteractionLogger { inner: Arc::new(Inner { dir, config, redactor, clock, day: RwLock::new(None) }) })
    }

    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    pub fn config(&self) -> &InteractionsConfig {
        &self.inner.config
    }

    /// Validates, applies the config's policy, and appends the record; returns its id.
    /// When this returns, the line is in the OS (and on disk with `durable`).
    pub fn log(&self, record: &InteractionRecord) -> Result<String, CaptureError> {
        record.validate()?;
        if !self.inner.config.enabled {
            return Ok(record.id.clone());
        }
        let shaped = apply_policy(record, &self.inner.config, &self.inner.redactor);
        // Dropping messages can leave nothing a reader would call a prompt.
        shaped.validate()?;
        let mut line = Vec::with_capacity(1024);
        serde_json::to_writer(&mut line, shaped.as_ref())?;
        line.push(b'\n');
        self.append(&line)?;
        trace_written(record);
        Ok(record.id.clone())
    }

    /// Logs every record or none: all are validated before the first is written.
    pub fn log_all(&self, records: &[InteractionRecord]) -> Result<Vec<String>, CaptureError> {
        for record in records {
            record.validate()?;
        }
        records.iter().map(|record| self.log(record)).collect()
    }

    fn append(&self, line: &[u8]) -> Result<(), CaptureError> {
        let today = self.inner.clock.now().date_naive();
        {
            let day = self.inner.day.read().unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some(open) = day.as_ref().filter(|open| open.is_current(today)) {
                return self.write_line(open, line);
            }
        }
        let mut day = self.inner.day.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if day.as_ref().is_none_or(|open| !open.is_current(today)) {
            *day = Some(self.open_day(today)?);
        }
        match day.as_ref() {
            Some(open) => self.write_line(open, line),
            None => unreachable!("the day's file was opened above"),
        }
    }

    fn write_line(&self, open: &DayFile, line: &[u8]) -> Result<(), CaptureError> {
        let mut file = &open.file;
        let result =
            file.write_all(line).and_then(|()| if self.inner.config.durable { file.sync_data() } else { Ok(()) });
        result.map_err(|source| CaptureError::Write { path: open.path.clone(), source })
    }

    fn open_day(&self, date: NaiveDate) -> Result<DayFile, CaptureError> {
        // The directory may have been removed since `open` (a user cleaning up): recreate it.
        create_private_dir(&self.inner.dir)?;
        let path = self.inner.dir.join(daily_file_name(date));
        let mut file = open_append(&path).map_err(|source| CaptureError::Open { path: path.clone(), source })?;
        if has_torn_tail(&mut file).map_err(|source| CaptureError::Open { path: path.clone(), source })? {
            // A crashed writer left half a line: end it so the next record starts clean.
            file.write_all(b"\n").map_err(|source| CaptureError::Write { path: path.clone(), source })?;
        }
        Ok(DayFile { date, path, file })
    }
}

impl DayFile {
    /// Today's file, still linked into the directory. A file someone deleted (or a directory
    /// removed under us) would swallow every record written to it, so it is reopened instead;
    /// one `fstat` per record is the price.
    fn is_current(&self, today: NaiveDate) -> bool {
        self.date == today && self.file.metadata().is_ok_and(|meta| still_linked(&meta))
    }
}

#[cfg(unix)]
fn still_linked(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.nlink() > 0
}

#[cfg(not(unix))]
fn still_linked(_meta: &std::fs::Metadata) -> bool {
    true
}

fn open_append(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.append(true).create(true).read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Whether the file ends in a line a crashed writer left unfinished.
///
/// Another process's append in flight also looks unfinished for a moment: the kernel grows the
/// file page by page while it copies, and readers do not wait for that. Ending such a line early
/// would leave a blank line after it, so the tail only counts as torn if it stays unfinished
/// across a few looks, a few milliseconds apart — far longer than any single append takes.
fn has_torn_tail(file: &mut File) -> std::io::Result<bool> {
    const LOOKS: u32 = 4;
    for look in 1..=LOOKS {
        if !ends_mid_line(file)? {
            return Ok(false);
        }
        if look < LOOKS {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }
    Ok(true)
}

fn ends_mid_line(file: &mut File) -> std::io::Result<bool> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(false);
    }
    file.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

fn create_private_dir(dir: &Path) -> Result<(), CaptureError> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|source| CaptureError::CreateDir { path: dir.to_owned(), source })
}

/// The record as the config says to store it, with its timestamp in the writer's form (UTC,
/// milliseconds, `Z`); borrowed when that changes nothing.
fn apply_policy<'a>(
    record: &'a InteractionRecord,
    config: &InteractionsConfig,
    redactor: &Redactor,
) -> Cow<'a, InteractionRecord> {
    let restamp = !record.timestamp.is_writer_form();
    let drop_messages = !config.include_messages && (!record.messages.is_empty() || record.system_prompt.is_some());
    let drop_response = !config.include_responses && record.response.is_some();
    let limit = config.truncate_tool_results;
    let truncate =
        limit > 0 && record.tool_calls.iter().any(|call| call.result.as_ref().is_some_and(|r| r.len() > limit));
    let redact = redactor.finds_in_record(record);
    if !(restamp || drop_messages || drop_response || truncate || redact) {
        return Cow::Borrowed(record);
    }
    let mut shaped = record.clone();
    shaped.timestamp = Timestamp::from_utc(record.timestamp.as_utc());
    if drop_messages {
        keep_prompt_of_last_user_message(&mut shaped);
        shaped.messages.clear();
        shaped.system_prompt = None;
    }
    if drop_response {
        shaped.response = None;
    }
    if redact {
        // Before truncation: a cut must not leave half a secret that no longer matches.
        redactor.redact_record(&mut shaped);
    }
    if truncate {
        for call in &mut shaped.tool_calls {
            if let Some(result) = call.result.as_mut() {
                if result.len() > limit {
                    result.truncate(floor_char_boundary(result, limit));
                    call.result_truncated = true;
                }
            }
        }
    }
    Cow::Owned(shaped)
}

/// A record that carries its prompt only inside `messages` keeps it as `prompt` when the
/// messages are dropped, so it stays a valid record with the one text readers look for.
fn keep_prompt_of_last_user_message(record: &mut InteractionRecord) {
    if record.prompt.as_deref().is_some_and(|p| !p.trim().is_empty()) {
        return;
    }
    let last_user_text = record.messages.iter().rev().find(|m| m.role == Role::User).map(Message::plain_text);
    if let Some(text) = last_user_text.filter(|t| !t.trim().is_empty()) {
        record.prompt = Some(text);
    }
}

/// The largest index ≤ `at` that starts a character, so a cut never splits UTF-8.
fn floor_char_boundary(text: &str, at: usize) -> usize {
    (0..=at.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0)
}

fn trace_written(record: &InteractionRecord) {
    let (input_tokens, output_tokens) = record.tokens();
    tracing::info!(
        target: "interlog::capture",
        id = %record.id,
        session = record.session_id.as_deref().unwrap_or(""),
        project = record.project.as_deref().unwrap_or(""),
        client = record.client.as_deref().unwrap_or(""),
        model = record.model.as_deref().unwrap_or(""),
        input_tokens,
        output_tokens,
        duration_ms = record.duration_ms,
        "interaction logged"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_fall_on_character_boundaries() {
        assert_eq!(floor_char_boundary("aé", 2), 1);
        assert_eq!(floor_char_boundary("é", 1), 0);
        assert_eq!(floor_char_boundary("🙂x", 3), 0);
        assert_eq!(floor_char_boundary("🙂x", 4), 4);
        assert_eq!(floor_char_boundary("ab", 10), 2);
    }
}
