//! The index fields of a run of lines, collected by a loading thread and later merged into the
//! index; strings live in one arena per batch instead of a `String` per field.

use std::borrow::Cow;

use super::ids::{id_hash_of, uuid_bits};
use super::line_fields::ParsedLine;
use super::turn_shape::Trailing;
use crate::source::Found;

/// A byte range in a batch's (or the index's) text arena.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: u32,
    pub len: u32,
}

/// One record as a loading thread saw it.
pub(crate) struct RawEntry {
    pub offset: u64,
    pub len: u32,
    /// Lines before this one within the batch (the batch's first line is 0).
    pub line_in_batch: u64,
    /// Seconds and nanoseconds since the epoch.
    pub instant: (i64, u32),
    pub offset_minutes: i16,
    pub duration_ms: Option<u64>,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub tool_calls: u32,
    pub has_error: bool,
    pub id: Span,
    /// The id's bits when it is a canonical UUID, and its hash (computed here, on the loading
    /// threads, rather than in the single-threaded merge).
    pub uuid: Option<u128>,
    pub id_hash: u64,
    pub first_line: Span,
    pub tool_names: Span,
    pub session: Span,
    pub project: Span,
    pub client: Span,
    pub model: Span,
    pub stop_reason: Span,
    /// A range of `Batch::tags`.
    pub tags: (u32, u32),
    /// The hash of the record's `request_id` (0: none), for showing a call captured twice once.
    pub request_hash: u64,
    pub approximate: bool,
    pub has_usage: bool,
    /// A range of `Batch::marks`: the request's message marks (store/turn_shape.rs).
    pub marks: (u32, u32),
    /// Request messages up to and including the last reply.
    pub replied: u32,
    pub trailing: Trailing,
    /// A transcript's account instead of marks: messages in the request, chain segment.
    pub chain: Option<(u32, u32)>,
    pub cache_read_tokens: u64,
    pub cache_creation_tokens: u64,
    /// The title a transcript gives the record's session (empty: none).
    pub title: Span,
}

/// One record's index fields as a reader saw them (a stored line or a transcript's call), with
/// its strings borrowed: what [`Batch::push`] copies into the arena.
struct Seen<'a> {
    id: &'a str,
    first_line: &'a str,
    tool_names: &'a [Cow<'a, str>],
    session: &'a str,
    project: &'a str,
    client: &'a str,
    model: &'a str,
    stop_reason: &'a str,
    tags: &'a [Cow<'a, str>],
    request_id: &'a str,
    offset: u64,
    len: u32,
    line_in_batch: u64,
    instant: (i64, u32),
    offset_minutes: i16,
    duration_ms: Option<u64>,
    input_tokens: u64,
    output_tokens: u64,
    tool_calls: u32,
    has_error: bool,
    approximate: bool,
    has_usage: bool,
    marks: &'a [u32],
    replied: u32,
    trailing: Trailing,
    chain: Option<(u32, u32)>,
    cache_read_tokens: u64,
    cache_creation_tokens: u64,
    title: &'a str,
}

/// The hash a request id is known by; 0 stands for none.
pub(crate) fn request_hash(request_id: &str) -> u64 {
    if request_id.is_empty() {
        return 0;
    }
    id_hash_of(request_id, None).max(1)
}

/// What one loading thread read from one byte range of one file.
#[derive(Default)]
pub(crate) struct Batch {
    pub records: Vec<RawEntry>,
    pub text: String,
    pub tags: Vec<Span>,
    pub marks: Vec<u32>,
    /// Bad lines: (lines before it within the batch, reason).
    pub bad: Vec<(u64, String)>,
    /// Lines consumed (counting blank and bad ones), so the next batch knows where it starts.
    pub lines: u64,
}

/// Longest tool-name list kept for the headline, in bytes.
const TOOL_NAMES_MAX: usize = 80;

impl Batch {
    pub(crate) fn marks_of(&self, raw: &RawEntry) -> &[u32] {
        let (start, len) = (raw.marks.0 as usize, raw.marks.1 as usize);
        self.marks.get(start..start + len).unwrap_or_default()
    }

    pub(crate) fn span(&self, span: Span) -> &str {
        &self.text[span.start as usize..(span.start + span.len) as usize]
    }

    fn push_text(&mut self, text: &str) -> Span {
        let start = self.text.len() as u32;
        self.text.push_str(text);
        Span { start, len: text.len() as u32 }
    }

    pub(crate) fn push_record(&mut self, parsed: &ParsedLine, offset: u64, len: usize, line_in_batch: u64) {
        let fields = &parsed.fields;
        let at = parsed.timestamp.as_fixed();
        self.push(Seen {
            id: parsed.id(),
            first_line: parsed.first_line(),
            tool_names: &fields.tool_names,
            session: fields.session.non_empty_str().unwrap_or_default(),
            project: fields.project.non_empty_str().unwrap_or_default(),
            client: fields.client.non_empty_str().unwrap_or_default(),
            model: fields.model.non_empty_str().unwrap_or_default(),
            stop_reason: fields.stop_reason.non_empty_str().unwrap_or_default(),
            tags: &fields.tags,
            request_id: fields.request_id.non_empty_str().unwrap_or_default(),
            offset,
            len: len as u32,
            line_in_batch,
            instant: parsed.timestamp.instant(),
            offset_minutes: (at.offset().local_minus_utc() / 60) as i16,
            duration_ms: fields.duration_ms,
            input_tokens: fields.input_tokens,
            output_tokens: fields.output_tokens,
            tool_calls: fields.tool_calls,
            has_error: fields.error.non_empty_str().is_some(),
            approximate: fields.usage_approximate,
            has_usage: fields.has_usage,
            marks: &fields.shape.marks,
            replied: fields.shape.replied,
            trailing: fields.shape.trailing,
            chain: None,
            cache_read_tokens: fields.cache_read_tokens,
            cache_creation_tokens: fields.cache_creation_tokens,
            title: "",
        });
    }

    /// A record found in another agent's transcript; `line_in_batch` counts from the batch's
    /// first line.
    pub(crate) fn push_found(&mut self, found: &Found, line_in_batch: u64) {
        let names: Vec<Cow<str>> = found.tool_names.iter().map(|n| n.as_str().into()).collect();
        self.push(Seen {
            id: &found.id,
            first_line: &found.first_line,
            tool_names: &names,
            session: &found.session,
            project: &found.project,
            client: found.client,
            model: &found.model,
            stop_reason: &found.stop_reason,
            tags: &[],
            request_id: found.request_id.as_deref().unwrap_or_default(),
            offset: found.offset,
            len: found.len.min(u64::from(u32::MAX)) as u32,
            line_in_batch,
            instant: (found.nanos.div_euclid(1_000_000_000), found.nanos.rem_euclid(1_000_000_000) as u32),
            offset_minutes: found.offset_minutes,
            duration_ms: found.duration_ms,
            input_tokens: found.input_tokens,
            output_tokens: found.output_tokens,
            tool_calls: found.tool_names.len() as u32,
            has_error: false,
            approximate: found.approximate,
            has_usage: found.input_tokens > 0 || found.output_tokens > 0,
            marks: &[],
            replied: found.chain.replied,
            trailing: if found.chain.tool_results { Trailing::ToolResults } else { Trailing::Prompt },
            chain: Some((found.chain.request, found.chain.segment)),
            cache_read_tokens: found.cache_read_tokens,
            cache_creation_tokens: found.cache_creation_tokens,
            title: &found.title,
        });
    }

    /// The one place a record's strings go into the arena.
    fn push(&mut self, seen: Seen<'_>) {
        let uuid = uuid_bits(seen.id);
        let id_hash = id_hash_of(seen.id, uuid);
        // A UUID travels as its bits; only other ids need their text.
        let id = if uuid.is_some() { Span::default() } else { self.push_text(seen.id) };
        let first_line = self.push_text(seen.first_line);
        let tool_names = self.push_tool_names(seen.tool_names);
        let session = self.push_text(seen.session);
        let project = self.push_text(seen.project);
        let client = self.push_text(seen.client);
        let model = self.push_text(seen.model);
        let stop_reason = self.push_text(seen.stop_reason);
        let title = self.push_text(seen.title);
        let tags_start = self.tags.len() as u32;
        for tag in seen.tags {
            let span = self.push_text(tag);
            self.tags.push(span);
        }
        let marks_start = self.marks.len() as u32;
        self.marks.extend_from_slice(seen.marks);
        self.records.push(RawEntry {
            offset: seen.offset,
            len: seen.len,
            line_in_batch: seen.line_in_batch,
            instant: seen.instant,
            offset_minutes: seen.offset_minutes,
            duration_ms: seen.duration_ms,
            input_tokens: seen.input_tokens,
            output_tokens: seen.output_tokens,
            tool_calls: seen.tool_calls,
            has_error: seen.has_error,
            id,
            uuid,
            id_hash,
            first_line,
            tool_names,
            session,
            project,
            client,
            model,
            stop_reason,
            tags: (tags_start, self.tags.len() as u32 - tags_start),
            request_hash: request_hash(seen.request_id),
            approximate: seen.approximate,
            has_usage: seen.has_usage,
            marks: (marks_start, seen.marks.len() as u32),
            replied: seen.replied,
            trailing: seen.trailing,
            chain: seen.chain,
            cache_read_tokens: seen.cache_read_tokens,
            cache_creation_tokens: seen.cache_creation_tokens,
            title,
        });
    }

    fn push_tool_names(&mut self, names: &[Cow<str>]) -> Span {
        let start = self.text.len();
        for name in names {
            let sep = if self.text.len() > start { 1 } else { 0 };
            if self.text.len() - start + sep + name.len() > TOOL_NAMES_MAX {
                break;
            }
            if sep == 1 {
                self.text.push(' ');
            }
            self.text.push_str(name);
        }
        Span { start: start as u32, len: (self.text.len() - start) as u32 }
    }
}
