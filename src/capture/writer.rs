//! [`InteractionLogger`]: appends one JSON line per record to the day's file.
//!
//! Each record is serialized into a buffer and goes out in one `write(2)` on a file opened with
//! `O_APPEND`, so writers in other threads and processes never interleave or tear lines.

use std::borrow::Cow;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use chrono::NaiveDate;

use super::guard::{directory_warning, open_private_append, FileIdentity, Refusal};
use super::{daily_file_name, prune_all, Clock, InteractionsConfig, PruneError, Redactor, SystemClock};
use crate::record::{InteractionRecord, Message, Role, Timestamp, ValidationError};

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("invalid record: {0}")]
    Invalid(#[from] ValidationError),
    #[error("cannot create log directory {path}: {source}")]
    CreateDir { path: PathBuf, source: std::io::Error },
    #[error("cannot open {path}: {source}")]
    Open { path: PathBuf, source: std::io::Error },
    /// An existing daily file someone else could read or have planted.
    #[error("refusing to write to {path}: {reason}")]
    Unsafe { path: PathBuf, reason: String },
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
    notices: Vec<String>,
    /// Writers share the day's file under the read lock (the kernel serialises `O_APPEND`
    /// writes); only moving to a new day takes the write lock.
    day: RwLock<Option<DayFile>>,
}

struct DayFile {
    date: NaiveDate,
    path: PathBuf,
    file: File,
    identity: FileIdentity,
    /// A length at which the file was known to end in a newline (or be empty).
    clean_len: AtomicU64,
    /// Threads of this process writing to it now.
    writing: AtomicUsize,
}

const UNKNOWN_LEN: u64 = u64::MAX;

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
        let mut notices = Vec::new();
        if config.enabled {
            create_private_dir(&dir)?;
            notices.extend(directory_warning(&dir));
            if config.retention_days > 0 {
                notices.extend(apply_retention(&dir, config.retention_days, clock.now().date_naive()));
            }
        }
        for notice in &notices {
            tracing::warn!(target: "interlog::capture", "{notice}");
        }
        let redactor = Redactor::new(config.redact, &config.redact_prefixes);
        let inner = Inner { dir, config, redactor, clock, notices, day: RwLock::new(None) };
        Ok(InteractionLogger { inner: Arc::new(inner) })
    }

    /// What opening the directory did or found that a user should hear of: files retention
    /// deleted or failed to delete, a directory others can write to. Each was also a
    /// `tracing` warning (target `interlog::capture`).
    pub fn notices(&self) -> &[String] {
        &self.inner.notices
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
            if let Some((open, len)) = day.as_ref().and_then(|open| open.current_len(today).map(|len| (open, len))) {
                return self.write_line(open, len, line);
            }
        }
        let mut day = self.inner.day.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if day.as_ref().and_then(|open| open.current_len(today)).is_none() {
            *day = Some(self.open_day(today)?);
        }
        match day.as_ref() {
            Some(open) => {
                let len =
                    open.file.metadata().map_err(|source| CaptureError::Write { path: open.path.clone(), source })?;
                self.write_line(open, len.len(), line)
            }
            None => unreachable!("the day's file was opened above"),
        }
    }

    /// Writes one line in one `write(2)`, on a line of its own even if the file's tail was torn.
    fn write_line(&self, open: &DayFile, len: u64, line: &[u8]) -> Result<(), CaptureError> {
        let write_error = |source| CaptureError::Write { path: open.path.clone(), source };
        let writing = Writing::start(&open.writing);
        let torn = open.tail_is_torn(len, writing.siblings).map_err(write_error)?;
        let mut file = &open.file;
        let result = if torn {
            let mut fresh = Vec::with_capacity(line.len() + 1);
            fresh.push(b'\n');
            fresh.extend_from_slice(line);
            file.write_all(&fresh)
        } else {
            file.write_all(line)
        };
        let written = line.len() as u64 + u64::from(torn);
        // Another writer's append between the look and ours moves our line on; the next look
        // then sees a length other than this and checks the last byte again.
        let clean_len = if result.is_ok() { len + written } else { UNKNOWN_LEN };
        open.clean_len.store(clean_len, Ordering::Relaxed);
        let result = result.and_then(|()| if self.inner.config.durable { file.sync_data() } else { Ok(()) });
        result.map_err(write_error)
    }

    fn open_day(&self, date: NaiveDate) -> Result<DayFile, CaptureError> {
        // The directory may have been removed since `open` (a user cleaning up): recreate it.
        create_private_dir(&self.inner.dir)?;
        let path = self.inner.dir.join(daily_file_name(date));
        let (file, meta) = open_private_append(&path).map_err(|refusal| match refusal {
            Refusal::Io(source) => CaptureError::Open { path: path.clone(), source },
            Refusal::Unsafe(reason) => CaptureError::Unsafe { path: path.clone(), reason },
        })?;
        Ok(DayFile {
            date,
            path,
            file,
            identity: FileIdentity::of(&meta),
            clean_len: AtomicU64::new(UNKNOWN_LEN),
            writing: AtomicUsize::new(0),
        })
    }
}

/// Counts this process's threads writing one file, for as long as the value lives.
struct Writing<'a> {
    count: &'a AtomicUsize,
    /// Others writing when this one started.
    siblings: usize,
}

impl<'a> Writing<'a> {
    fn start(count: &'a AtomicUsize) -> Self {
        Writing { count, siblings: count.fetch_add(1, Ordering::AcqRel) }
    }
}

impl Drop for Writing<'_> {
    fn drop(&mut self) {
        self.count.fetch_sub(1, Ordering::AcqRel);
    }
}

impl DayFile {
    /// Whether the file, `len` bytes long, ends in a torn line the next record must not be
    /// glued onto. The length our own last line ended at needs no look (nobody wrote since),
    /// and neither does a sibling thread's append in flight (it looked before writing).
    fn tail_is_torn(&self, len: u64, siblings: usize) -> std::io::Result<bool> {
        if siblings > 0 || len == self.clean_len.load(Ordering::Relaxed) {
            return Ok(false);
        }
        has_torn_tail(&self.file, len)
    }

    /// The file's length when it is today's file and its path still names it; `None` means
    /// reopen. A file deleted or replaced, or a directory removed or moved away, would swallow
    /// every record written to it where nobody looks; one `lstat` of the path per record is the
    /// price (it also gives the length the torn-tail check needs).
    fn current_len(&self, today: NaiveDate) -> Option<u64> {
        if self.date != today {
            return None;
        }
        let meta = std::fs::symlink_metadata(&self.path).ok()?;
        (FileIdentity::of(&meta) == self.identity).then_some(meta.len())
    }
}

/// Whether the file, `len` bytes long a moment ago, ends in a line a killed writer left
/// unfinished: the next record must then start on a line of its own, or it would be glued onto
/// the torn one. Costs one `pread` of the last byte when the tail is whole.
///
/// Another writer's append in flight also looks unfinished for a moment: the kernel grows the
/// file page by page while it copies, and readers do not wait for that. Ending such a line early
/// would leave a blank line after it, so the tail only counts as torn if it stays unfinished
/// across looks spread over some 60 ms — far longer than any single append takes.
///
/// The look and the write are not one step: a writer killed in between still tears the line
/// this record lands on. Readers recover a record glued onto a torn line (see the store).
fn has_torn_tail(file: &File, mut len: u64) -> std::io::Result<bool> {
    // 1 + 2 + … + 32 ms: even a writer descheduled in the middle of its copy on a busy machine
    // finishes within that.
    const LOOKS: u32 = 7;
    for look in 1..=LOOKS {
        if !ends_mid_line(file, len)? {
            return Ok(false);
        }
        if look < LOOKS {
            std::thread::sleep(std::time::Duration::from_millis(1 << (look - 1)));
            len = file.metadata()?.len();
        }
    }
    Ok(true)
}

fn ends_mid_line(file: &File, len: u64) -> std::io::Result<bool> {
    if len == 0 {
        return Ok(false);
    }
    let mut last = [0u8; 1];
    match read_at(file, &mut last, len - 1) {
        Ok(()) => Ok(last[0] != b'\n'),
        // Truncated since the fstat: whatever is there now is looked at next time.
        Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(error) => Err(error),
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)
}

#[cfg(not(unix))]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = file;
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

/// Retention at open: what it deleted, and what it could not (a failure never stops capture).
fn apply_retention(dir: &Path, retention_days: u32, today: NaiveDate) -> Vec<String> {
    let outcome = prune_all(dir, retention_days, today);
    let deleted = outcome
        .deleted
        .iter()
        .map(|path| format!("retention: deleted {} (older than retention_days = {retention_days})", path.display()));
    let failed = outcome.failures.iter().map(|failure| format!("retention: {failure}; capture goes on"));
    deleted.chain(failed).collect()
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
