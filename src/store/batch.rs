//! The index fields of a run of lines, collected by a loading thread and later merged into the
//! index; strings live in one arena per batch instead of a `String` per field.

use super::ids::{id_hash_of, uuid_bits};
use super::parse::ParsedLine;
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
    pub fn marks_of(&self, raw: &RawEntry) -> &[u32] {
        let (start, len) = (raw.marks.0 as usize, raw.marks.1 as usize);
        self.marks.get(start..start + len).unwrap_or_default()
    }

    pub fn span(&self, span: Span) -> &str {
        &self.text[span.start as usize..(span.start + span.len) as usize]
    }

    fn push_text(&mut self, text: &str) -> Span {
        let start = self.text.len() as u32;
        self.text.push_str(text);
        Span { start, len: text.len() as u32 }
    }

    pub fn push_record(&mut self, parsed: &ParsedLine, offset: u64, len: usize, line_in_batch: u64) {
        let fields = &parsed.fields;
        let uuid = uuid_bits(parsed.id());
        let id_hash = id_hash_of(parsed.id(), uuid);
        // A UUID travels as its bits; only other ids need their text.
        let id = if uuid.is_some() { Span::default() } else { self.push_text(parsed.id()) };
        let first_line = self.push_text(parsed.first_line());
        let tool_names = self.push_tool_names(&fields.tool_names);
        let session = self.push_text(fields.session.non_empty_str().unwrap_or_default());
        let project = self.push_text(fields.project.non_empty_str().unwrap_or_default());
        let client = self.push_text(fields.client.non_empty_str().unwrap_or_default());
        let model = self.push_text(fields.model.non_empty_str().unwrap_or_default());
        let stop_reason = self.push_text(fields.stop_reason.non_empty_str().unwrap_or_default());
        let tags_start = self.tags.len() as u32;
        for tag in &fields.tags {
            let span = self.push_text(tag);
            self.tags.push(span);
        }
        let at = parsed.timestamp.as_fixed();
        let marks_start = self.marks.len() as u32;
        self.marks.extend_from_slice(&fields.shape.marks);
        self.records.push(RawEntry {
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
            request_hash: request_hash(fields.request_id.non_empty_str().unwrap_or_default()),
            approximate: fields.usage_approximate,
            has_usage: fields.has_usage,
            marks: (marks_start, fields.shape.marks.len() as u32),
            replied: fields.shape.replied,
            trailing: fields.shape.trailing,
            chain: None,
        });
    }

    /// A record found in another agent's transcript; `line_in_batch` counts from the batch's
    /// first line.
    pub fn push_found(&mut self, found: &Found, line_in_batch: u64) {
        let uuid = uuid_bits(&found.id);
        let id_hash = id_hash_of(&found.id, uuid);
        let id = if uuid.is_some() { Span::default() } else { self.push_text(&found.id) };
        let first_line = self.push_text(&found.first_line);
        let names: Vec<std::borrow::Cow<str>> = found.tool_names.iter().map(|n| n.as_str().into()).collect();
        let tool_names = self.push_tool_names(&names);
        let session = self.push_text(&found.session);
        let project = self.push_text(&found.project);
        let client = self.push_text(found.client);
        let model = self.push_text(&found.model);
        let stop_reason = self.push_text(&found.stop_reason);
        self.records.push(RawEntry {
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
            tags: (self.tags.len() as u32, 0),
            request_hash: found.request_id.as_deref().map_or(0, request_hash),
            approximate: found.approximate,
            has_usage: found.input_tokens > 0 || found.output_tokens > 0,
            marks: (self.marks.len() as u32, 0),
            replied: found.chain.replied,
            trailing: if found.chain.tool_results { Trailing::ToolResults } else { Trailing::Prompt },
            chain: Some((found.chain.request, found.chain.segment)),
        });
    }

    fn push_tool_names(&mut self, names: &[std::borrow::Cow<str>]) -> Span {
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
