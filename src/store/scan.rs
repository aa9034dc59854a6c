//! Reading daily files: `pread` in large chunks (never mmap: a truncated mapping faults), lines
//! split with memchr, big files cut into newline-aligned ranges, both cores busy.

use std::collections::BTreeMap;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use super::batch::Batch;
use super::line_fields::parse_line;

/// Bytes read per `pread`.
const CHUNK: usize = 4 << 20;
/// Files larger than this are cut into ranges read in parallel.
const RANGE: u64 = 16 << 20;
/// A longer line is reported as bad and skipped without being buffered whole.
const MAX_LINE: usize = 256 << 20;

/// One file to read from `from` up to `to`.
#[derive(Clone, Debug)]
pub(crate) struct FilePlan {
    pub path: PathBuf,
    pub from: u64,
    pub to: u64,
    /// 1-based number of the line starting at `from`.
    pub first_line: u64,
    /// The previous read took an unterminated last line as a record: its newline may follow.
    pub skip_leading_newline: bool,
}

/// Where reading a file stopped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct FileEnd {
    /// The first byte not consumed (a partial last line stays unread until its newline arrives).
    pub offset: u64,
    /// 1-based number of the next line.
    pub next_line: u64,
    /// The last line had no newline but parsed as a whole record and was taken.
    pub took_unterminated: bool,
}

struct RangeJob {
    file: usize,
    from: u64,
    to: u64,
    last: bool,
    skip_leading_newline: bool,
}

struct RangeDone {
    batch: Batch,
    end: FileEnd,
}

/// Reads `plans` on `threads` threads. `on_batch(file, batch, first_line)` sees every range's
/// records in file order; `on_file(file, result)` is called once per file after its last batch.
pub(crate) fn read_files(
    plans: &[FilePlan],
    threads: usize,
    mut on_batch: impl FnMut(usize, Batch, u64),
    mut on_file: impl FnMut(usize, io::Result<FileEnd>),
) {
    let (jobs, mut open_errors) = plan_ranges(plans);
    let mut next_line: Vec<u64> = plans.iter().map(|p| p.first_line).collect();
    let mut failed: Vec<Option<io::Error>> = plans.iter().map(|_| None).collect();
    for (file, error) in open_errors.drain(..) {
        failed[file] = Some(error);
    }
    let next_job = AtomicUsize::new(0);
    let (sender, receiver) = mpsc::channel::<(usize, io::Result<RangeDone>)>();
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            let sender = sender.clone();
            let (jobs, next_job) = (&jobs, &next_job);
            scope.spawn(move || loop {
                let at = next_job.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(at) else { break };
                let result = read_range(&plans[job.file].path, job);
                if sender.send((at, result)).is_err() {
                    break;
                }
            });
        }
        drop(sender);
        let mut waiting = BTreeMap::new();
        let mut next = 0usize;
        let mut finish = |at: usize, result: io::Result<RangeDone>| {
            let job: &RangeJob = &jobs[at];
            match result {
                Ok(done) if failed[job.file].is_none() => {
                    let first_line = next_line[job.file];
                    next_line[job.file] += done.batch.lines;
                    on_batch(job.file, done.batch, first_line);
                    if job.last {
                        let end = FileEnd { next_line: next_line[job.file], ..done.end };
                        on_file(job.file, Ok(end));
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    if failed[job.file].is_none() {
                        failed[job.file] = Some(error);
                    }
                }
            }
            if job.last {
                if let Some(error) = failed[job.file].take() {
                    on_file(job.file, Err(error));
                }
            }
        };
        for (at, result) in receiver {
            waiting.insert(at, result);
            while let Some(result) = waiting.remove(&next) {
                finish(next, result);
                next += 1;
            }
        }
    });
    for (file, error) in failed.into_iter().enumerate() {
        if let Some(error) = error {
            on_file(file, Err(error));
        }
    }
}

/// Cuts every file into newline-aligned ranges; a file that cannot be opened gets no ranges.
fn plan_ranges(plans: &[FilePlan]) -> (Vec<RangeJob>, Vec<(usize, io::Error)>) {
    let mut jobs = Vec::new();
    let mut errors = Vec::new();
    for (file, plan) in plans.iter().enumerate() {
        let cuts = match File::open(&plan.path).and_then(|f| range_cuts(&f, plan.from, plan.to)) {
            Ok(cuts) => cuts,
            Err(error) => {
                errors.push((file, error));
                continue;
            }
        };
        let mut from = plan.from;
        for (i, &to) in cuts.iter().enumerate() {
            let last = i + 1 == cuts.len();
            jobs.push(RangeJob { file, from, to, last, skip_leading_newline: plan.skip_leading_newline && i == 0 });
            from = to;
        }
    }
    (jobs, errors)
}

/// Range ends: each just after a newline, except the last, which is `to`.
fn range_cuts(file: &File, from: u64, to: u64) -> io::Result<Vec<u64>> {
    let mut cuts = Vec::new();
    let mut at = from;
    while to.saturating_sub(at) > RANGE {
        match next_line_start(file, at + RANGE, to)? {
            Some(cut) if cut < to => {
                cuts.push(cut);
                at = cut;
            }
            _ => break,
        }
    }
    cuts.push(to);
    Ok(cuts)
}

/// The offset just after the first newline at or after `from`, if any before `to`.
fn next_line_start(file: &File, from: u64, to: u64) -> io::Result<Option<u64>> {
    let mut window = vec![0u8; 64 << 10];
    let mut at = from;
    while at < to {
        let want = window.len().min((to - at) as usize);
        let n = file.read_at(&mut window[..want], at)?;
        if n == 0 {
            return Ok(None);
        }
        if let Some(nl) = memchr::memchr(b'\n', &window[..n]) {
            return Ok(Some(at + nl as u64 + 1));
        }
        at += n as u64;
    }
    Ok(None)
}

fn read_range(path: &PathBuf, job: &RangeJob) -> io::Result<RangeDone> {
    let file = File::open(path)?;
    let mut reader = RangeReader { batch: Batch::default(), skipping_long_line: false };
    let end = reader.read(&file, job.from, job.to, job.last, job.skip_leading_newline)?;
    Ok(RangeDone { batch: reader.batch, end })
}

struct RangeReader {
    batch: Batch,
    skipping_long_line: bool,
}

impl RangeReader {
    fn read(&mut self, file: &File, from: u64, to: u64, at_file_end: bool, skip_newline: bool) -> io::Result<FileEnd> {
        let mut buf: Vec<u8> = Vec::with_capacity(CHUNK.min((to - from) as usize + 1));
        let mut buf_offset = from;
        let mut pos = from;
        let mut searched = 0usize;
        if skip_newline && to > from {
            let mut first = [0u8; 1];
            if file.read_at(&mut first, from)? == 1 && first[0] == b'\n' {
                buf_offset += 1;
                pos += 1;
            }
        }
        while pos < to {
            let want = CHUNK.min((to - pos) as usize);
            let old = buf.len();
            buf.resize(old + want, 0);
            let n = read_full(file, &mut buf[old..], pos)?;
            buf.truncate(old + n);
            pos += n as u64;
            let mut line_start = 0usize;
            for nl in memchr::memchr_iter(b'\n', &buf[searched..]) {
                let nl = searched + nl;
                self.line(&buf[line_start..nl], buf_offset + line_start as u64, true);
                line_start = nl + 1;
            }
            buf.drain(..line_start);
            buf_offset += line_start as u64;
            searched = buf.len();
            if buf.len() > MAX_LINE {
                self.too_long_line();
                buf_offset += buf.len() as u64;
                buf.clear();
                searched = 0;
            }
            if n < want {
                break;
            }
        }
        let mut end = FileEnd { offset: buf_offset, next_line: 0, took_unterminated: false };
        if at_file_end && !buf.is_empty() && !self.skipping_long_line {
            // A whole record without its newline (a hand-written file) is taken; anything else
            // is a line still being written and waits for its newline.
            if self.line(&buf, buf_offset, false) {
                end = FileEnd { offset: buf_offset + buf.len() as u64, next_line: 0, took_unterminated: true };
            }
        }
        Ok(end)
    }

    /// Handles one line; an unterminated one is only taken when it is a record. Returns whether
    /// the line was consumed.
    fn line(&mut self, raw: &[u8], offset: u64, terminated: bool) -> bool {
        if self.skipping_long_line {
            self.skipping_long_line = false;
            self.batch.lines += 1;
            return true;
        }
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.iter().all(u8::is_ascii_whitespace) {
            if terminated {
                self.batch.lines += 1;
            }
            return terminated;
        }
        match parse_line(line) {
            Ok(parsed) => self.batch.push_record(&parsed, offset, line.len(), self.batch.lines),
            Err(reason) => match resync(line) {
                Some((at, parsed)) => {
                    self.batch.push_record(&parsed, offset + at as u64, line.len() - at, self.batch.lines);
                    self.batch.bad.push((self.batch.lines, torn_reason(at)));
                }
                None if !terminated => return false,
                None => self.batch.bad.push((self.batch.lines, reason.to_string())),
            },
        }
        self.batch.lines += 1;
        true
    }

    fn too_long_line(&mut self) {
        if !self.skipping_long_line {
            let reason = format!("line longer than {} MiB", MAX_LINE >> 20);
            self.batch.bad.push((self.batch.lines, reason));
            self.skipping_long_line = true;
        }
    }
}

/// How every record the writer produces begins (`id` is its first field).
const RECORD_START: &[u8] = b"{\"id\"";
/// Starts looked at, from the end, in one bad line.
const RESYNC_TRIES: usize = 256;

/// The record glued onto the end of a bad line, if any: where it starts and what it holds.
///
/// A writer killed mid-`write(2)` leaves half a line, and the next writer's record (already
/// acknowledged to its caller) lands right after it. Inside JSON strings a quote is always
/// escaped, so `{"id"` in the line is either structure or such a glued start; the last one whose
/// rest of the line is a whole record is taken. A nested object (a tool call's `id`) never is:
/// the enclosing record's closing brackets follow it.
fn resync(line: &[u8]) -> Option<(usize, super::line_fields::ParsedLine<'_>)> {
    memchr::memmem::rfind_iter(line, RECORD_START)
        .filter(|&at| at > 0)
        // Each try parses up to the line's end: a hostile line of many starts costs a bounded number.
        .take(RESYNC_TRIES)
        .find_map(|at| parse_line(&line[at..]).ok().map(|parsed| (at, parsed)))
}

fn torn_reason(at: usize) -> String {
    format!("unfinished record ({at} bytes, its writer stopped mid-line); the record appended after it is read")
}

/// The bad-line report for a last line without its newline that is not a record: still being
/// written, or left unfinished by a writer that was killed.
pub(crate) fn unfinished_tail(end: &FileEnd, file_len: u64) -> Option<(u64, String)> {
    let bytes = file_len.checked_sub(end.offset).filter(|&n| n > 0)?;
    Some((
        end.next_line,
        format!(
            "unfinished last line ({bytes} bytes without a newline: still being written, or its writer was killed)"
        ),
    ))
}

/// Reads until `buf` is full or the file ends.
pub(crate) fn read_full(file: &File, buf: &mut [u8], at: u64) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read_at(&mut buf[filled..], at + filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Reads exactly the stored line at `offset`.
pub(crate) fn read_line_at(path: &std::path::Path, offset: u64, len: u32) -> io::Result<Vec<u8>> {
    let file = File::open(path)?;
    let mut buf = vec![0u8; len as usize];
    let n = read_full(&file, &mut buf, offset)?;
    if n < buf.len() {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the file is shorter than the index says"));
    }
    Ok(buf)
}
