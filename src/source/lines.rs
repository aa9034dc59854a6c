//! Reading a transcript's lines: a region fed to a partitioner (loading, following), or a prefix
//! parsed whole (converting a record back).

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

use serde_json::Value;

use super::{Found, Partition};
use crate::store::read_full;

/// Bytes read per `pread`.
const CHUNK: usize = 4 << 20;
/// A longer line is reported as bad and skipped.
const MAX_LINE: usize = 256 << 20;

/// Where reading a transcript stopped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Stop {
    /// The first byte not consumed (a partial last line waits for its newline).
    pub offset: u64,
    /// 1-based number of the next line.
    pub next_line: u64,
    /// The last line had no newline but was whole JSON and was taken: its newline may follow.
    pub took_unterminated: bool,
}

impl Stop {
    pub fn start() -> Stop {
        Stop { offset: 0, next_line: 1, took_unterminated: false }
    }
}

/// What one read produced.
#[derive(Default)]
pub(crate) struct Region {
    pub closed: Vec<Found>,
    /// (1-based line, reason).
    pub bad: Vec<(u64, String)>,
}

/// Feeds the lines of `path` from `stop` to `to` to `partition`.
pub(crate) struct LineSplitter;

impl LineSplitter {
    pub fn read(path: &Path, stop: Stop, to: u64, partition: &mut dyn Partition) -> io::Result<(Region, Stop)> {
        let file = File::open(path)?;
        let mut region = Region::default();
        let mut at = stop.offset;
        let mut line_no = stop.next_line;
        if stop.took_unterminated && to > at {
            let mut first = [0u8; 1];
            if file.read_at(&mut first, at)? == 1 && first[0] == b'\n' {
                at += 1;
            }
        }
        let mut buf: Vec<u8> = Vec::new();
        let mut buf_offset = at;
        let mut skipping = false;
        while at < to {
            let want = CHUNK.min((to - at) as usize);
            let old = buf.len();
            buf.resize(old + want, 0);
            let n = read_full(&file, &mut buf[old..], at)?;
            buf.truncate(old + n);
            at += n as u64;
            let mut start = 0usize;
            let mut search_from = old;
            while let Some(nl) = memchr::memchr(b'\n', &buf[search_from..]) {
                let end = search_from + nl;
                if skipping {
                    skipping = false;
                } else {
                    feed(partition, &buf[start..end], buf_offset + start as u64, line_no, &mut region);
                }
                line_no += 1;
                start = end + 1;
                search_from = start;
            }
            buf.drain(..start);
            buf_offset += start as u64;
            if buf.len() > MAX_LINE {
                if !skipping {
                    region.bad.push((line_no, format!("line longer than {} MiB", MAX_LINE >> 20)));
                }
                skipping = true;
                buf_offset += buf.len() as u64;
                buf.clear();
            }
            if n < want {
                break;
            }
        }
        let mut end = Stop { offset: buf_offset, next_line: line_no, took_unterminated: false };
        // A whole JSON line without its newline (a file written by hand) is taken; anything else
        // is a line still being written, left for the next read.
        let tail = strip_cr(&buf);
        if !skipping && !tail.iter().all(u8::is_ascii_whitespace) && is_whole_json(tail) {
            feed(partition, &buf, buf_offset, line_no, &mut region);
            end = Stop { offset: buf_offset + buf.len() as u64, next_line: line_no + 1, took_unterminated: true };
        }
        Ok((region, end))
    }
}

fn feed(partition: &mut dyn Partition, raw: &[u8], offset: u64, line: u64, region: &mut Region) {
    let bytes = strip_cr(raw);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return;
    }
    if let Err(reason) = partition.line(bytes, offset, line, &mut region.closed) {
        region.bad.push((line, reason));
    }
}

fn strip_cr(raw: &[u8]) -> &[u8] {
    raw.strip_suffix(b"\r").unwrap_or(raw)
}

fn is_whole_json(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
}

/// One parsed line of a prefix.
pub(crate) struct ParsedLine {
    pub offset: u64,
    pub line: u64,
    pub value: Value,
}

/// A transcript's lines up to some offset, parsed (lines that are not JSON objects are left out).
#[derive(Default)]
pub(crate) struct ParsedLines {
    pub lines: Vec<ParsedLine>,
}

impl ParsedLines {
    /// The lines whose first byte lies in `offset..offset + len`.
    pub fn in_range(&self, offset: u64, len: u64) -> &[ParsedLine] {
        let start = self.lines.partition_point(|l| l.offset < offset);
        let end = self.lines.partition_point(|l| l.offset < offset + len.max(1));
        &self.lines[start..end]
    }

    /// The lines before `offset`.
    pub fn before(&self, offset: u64) -> &[ParsedLine] {
        &self.lines[..self.lines.partition_point(|l| l.offset < offset)]
    }
}

/// Parses the lines of `bytes`, which start at `offset` with line number `first_line`.
pub(crate) fn parse_region(bytes: &[u8], offset: u64, first_line: u64) -> ParsedLines {
    let mut parsed = ParsedLines::default();
    let mut at = 0usize;
    for (n, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let start = at;
        at += raw.len() + 1;
        if let Ok(value @ Value::Object(_)) = serde_json::from_slice::<Value>(strip_cr(raw)) {
            parsed.lines.push(ParsedLine { offset: offset + start as u64, line: first_line + n as u64, value });
        }
    }
    parsed
}

/// Reads and parses `path` from its start up to `end` (a line end).
pub(crate) fn read_prefix(path: &Path, end: u64) -> io::Result<ParsedLines> {
    let file = File::open(path)?;
    let mut bytes = vec![0u8; end as usize];
    let n = read_full(&file, &mut bytes, 0)?;
    if n < bytes.len() {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the file is shorter than the index says"));
    }
    Ok(parse_region(&bytes, 0, 1))
}
