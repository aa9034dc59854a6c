//! Reading the few fields the index needs from one stored line, without building a JSON tree.
//!
//! The big fields (prompt bodies, responses, message histories, context packs) are skipped by the
//! parser; only their structure is checked, so a line is bad here exactly when it is not a record.

use std::borrow::Cow;

use serde::de::{Deserialize, IgnoredAny, MapAccess};
use serde_json::value::RawValue;

use super::lenient::{first_line_of_raw_string, visit_array, visit_object, FieldSink, Object, Scalar};
use super::turn_shape::{read_request, RequestShape};
use crate::record::{RecordError, Timestamp};

/// Why a stored line is not a record (docs/format.md §2): the record model's reasons, worded as
/// it words them, and the few only a line has.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LineError {
    #[error("invalid UTF-8 at byte {}", .0.valid_up_to())]
    Utf8(#[source] std::str::Utf8Error),
    #[error("invalid JSON: nested deeper than {MAX_NESTING} levels")]
    TooDeep,
    #[error("cannot read `{0}` as an RFC 3339 timestamp: not a string")]
    TimestampNotText(&'static str),
    #[error(transparent)]
    Record(#[from] RecordError),
}

/// Longest first line kept in the index, in bytes.
pub(crate) const FIRST_LINE_MAX: usize = 120;

/// What the index keeps of one record line.
#[derive(Default)]
pub(crate) struct LineFields<'a> {
    id: Scalar<'a>,
    timestamp: Option<Scalar<'a>>,
    created_at: Option<Scalar<'a>>,
    pub session: Scalar<'a>,
    pub project: Scalar<'a>,
    pub client: Scalar<'a>,
    pub model: Scalar<'a>,
    pub stop_reason: Scalar<'a>,
    pub error: Scalar<'a>,
    pub request_id: Scalar<'a>,
    pub usage_approximate: bool,
    pub duration_ms: Option<u64>,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// A `usage` object with a token count was there (0/0 and "not reported" differ).
    pub has_usage: bool,
    pub cache_read_tokens: u64,
    pub cache_creation_tokens: u64,
    prompt_line: Option<String>,
    message_line: Option<String>,
    /// The raw messages, read for the record's turn once every field is in.
    messages: Vec<&'a str>,
    response_line: Option<String>,
    /// What the record's turn looks like (filled by `parse_line`).
    pub shape: RequestShape,
    pub tool_calls: u32,
    pub tool_names: Vec<Cow<'a, str>>,
    pub tags: Vec<Cow<'a, str>>,
}

/// A line that parsed as a record: its index fields plus the checked id and instant.
pub(crate) struct ParsedLine<'a> {
    pub fields: LineFields<'a>,
    pub timestamp: Timestamp,
}

impl<'a> ParsedLine<'a> {
    pub(crate) fn id(&self) -> &str {
        self.fields.id.non_empty_str().unwrap_or_default()
    }

    /// A tool-loop turn's headline, else the prompt's first line, else the last message's.
    pub(crate) fn first_line(&self) -> &str {
        let fields = &self.fields;
        let headline = fields.shape.headline.as_deref();
        headline.or(fields.prompt_line.as_deref()).or(fields.message_line.as_deref()).unwrap_or_default()
    }
}

/// Parses one line (without its line ending); `Err` is the bad-line reason (docs/format.md §2).
pub(crate) fn parse_line(bytes: &[u8]) -> Result<ParsedLine<'_>, LineError> {
    let text = std::str::from_utf8(bytes).map_err(LineError::Utf8)?;
    if let Some(kind) = non_object_kind(text) {
        return Err(RecordError::NotAnObject(kind).into());
    }
    if nesting_exceeds(bytes, MAX_NESTING) {
        return Err(LineError::TooDeep);
    }
    let mut fields = LineFields::default();
    let mut deserializer = serde_json::Deserializer::from_str(text);
    visit_object(&mut deserializer, &mut fields).map_err(RecordError::Json)?;
    deserializer.end().map_err(RecordError::Json)?;
    let timestamp = check_identity(&fields)?;
    fields.read_turn();
    Ok(ParsedLine { fields, timestamp })
}

/// The deepest nesting a full JSON parse of a record accepts (serde_json's recursion limit);
/// the index skips most values without that check, so it is made here.
const MAX_NESTING: usize = 127;

/// Whether arrays and objects nest deeper than `limit`, brackets inside strings aside.
fn nesting_exceeds(bytes: &[u8], limit: usize) -> bool {
    // Fewer brackets than the limit cannot nest that deep: the common case costs one quick count.
    let brackets = memchr::memchr2_iter(b'[', b'{', bytes).take(limit + 1).count();
    if brackets <= limit {
        return false;
    }
    let mut depth = 0usize;
    let mut at = 0usize;
    while at < bytes.len() {
        match bytes[at] {
            b'"' => {
                // Skip the string: to the next unescaped quote.
                at += 1;
                while let Some(found) = memchr::memchr2(b'"', b'\\', &bytes[at..]) {
                    at += found;
                    if bytes[at] == b'\\' {
                        at += 2;
                    } else {
                        break;
                    }
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        at += 1;
    }
    false
}

/// The kind of a line that is valid JSON but clearly not an object, judged by its first byte.
fn non_object_kind(text: &str) -> Option<&'static str> {
    let first = text.trim_start().as_bytes().first()?;
    let kind = match first {
        b'{' => return None,
        b'[' => "an array",
        b'"' => "a string",
        b'n' => "null",
        b't' | b'f' => "a boolean",
        b'-' | b'0'..=b'9' => "a number",
        _ => return None,
    };
    // Only claim a kind for well-formed JSON; anything else is reported as invalid JSON.
    serde_json::from_str::<IgnoredAny>(text).ok().map(|_| kind)
}

fn check_identity(fields: &LineFields) -> Result<Timestamp, LineError> {
    match &fields.id {
        Scalar::Null => return Err(RecordError::MissingId.into()),
        Scalar::Str(id) if !id.is_empty() => {}
        _ => return Err(RecordError::BadId.into()),
    }
    for (name, value) in [("timestamp", &fields.timestamp), ("created_at", &fields.created_at)] {
        let Some(value) = value else { continue };
        match value {
            Scalar::Null => continue,
            Scalar::Str(text) => {
                return Timestamp::parse(text).ok_or_else(|| {
                    // Quoted as JSON, as the record model quotes it.
                    let value = serde_json::Value::from(text.as_ref()).to_string();
                    RecordError::BadTimestamp { field: name, value }.into()
                });
            }
            _ => return Err(LineError::TimestampNotText(name)),
        }
    }
    Err(RecordError::MissingTimestamp.into())
}

impl<'de> FieldSink<'de> for LineFields<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "id" => self.id = map.next_value()?,
            "timestamp" => self.timestamp = Some(map.next_value()?),
            "created_at" => self.created_at = Some(map.next_value()?),
            "session_id" => self.session = map.next_value()?,
            "project" => self.project = map.next_value()?,
            "client" => self.client = map.next_value()?,
            "model" => self.model = map.next_value()?,
            "stop_reason" => self.stop_reason = map.next_value()?,
            "error" => self.error = map.next_value()?,
            "request_id" => self.request_id = map.next_value()?,
            "usage_approximate" => {
                self.usage_approximate = map.next_value::<serde_json::Value>()?.as_bool() == Some(true)
            }
            "duration_ms" => self.duration_ms = map.next_value::<Scalar>()?.unsigned(),
            "usage" => {
                let Object(usage) = map.next_value::<Object<Usage>>()?;
                self.input_tokens = usage.input_tokens;
                self.output_tokens = usage.output_tokens;
                self.has_usage = usage.counted;
                self.cache_read_tokens = usage.cache_read_tokens;
                self.cache_creation_tokens = usage.cache_creation_tokens;
            }
            "prompt" => {
                let raw = map.next_value::<&RawValue>()?;
                self.prompt_line = first_line_of_raw_string(raw.get(), FIRST_LINE_MAX);
            }
            "messages" => {
                let RawMessages(messages) = map.next_value()?;
                self.messages = messages;
            }
            "response" => {
                let raw = map.next_value::<&RawValue>()?;
                self.response_line = first_line_of_raw_string(raw.get(), FIRST_LINE_MAX);
            }
            "tool_calls" => {
                let ToolCalls { count, names } = map.next_value()?;
                self.tool_calls = count;
                self.tool_names = names;
            }
            "tags" => {
                let Strings(tags) = map.next_value()?;
                self.tags = tags;
            }
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

#[derive(Default)]
struct Usage {
    input_tokens: u64,
    output_tokens: u64,
    cache_read_tokens: u64,
    cache_creation_tokens: u64,
    counted: bool,
}

impl<'de> FieldSink<'de> for Usage {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        let value = map.next_value::<Scalar>()?.unsigned().unwrap_or(0);
        match key {
            "input_tokens" => (self.input_tokens, self.counted) = (value, true),
            "output_tokens" => (self.output_tokens, self.counted) = (value, true),
            "cache_read_tokens" => self.cache_read_tokens = value,
            "cache_creation_tokens" => self.cache_creation_tokens = value,
            _ => {}
        }
        Ok(())
    }
}

/// The strings of an array (other elements and non-arrays are skipped).
struct Strings<'a>(Vec<Cow<'a, str>>);

impl<'de> Deserialize<'de> for Strings<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut out = Vec::new();
        visit_array(deserializer, |item: Scalar<'de>| {
            if let Scalar::Str(text) = item {
                out.push(text);
            }
        })?;
        Ok(Strings(out))
    }
}

struct ToolCalls<'a> {
    count: u32,
    names: Vec<Cow<'a, str>>,
}

#[derive(Default)]
struct ToolCallName<'a>(Option<Cow<'a, str>>);

impl<'de> FieldSink<'de> for ToolCallName<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        if key == "name" {
            if let Scalar::Str(name) = map.next_value()? {
                self.0 = Some(name);
            }
        } else {
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for ToolCalls<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut calls = ToolCalls { count: 0, names: Vec::new() };
        visit_array(deserializer, |Object(ToolCallName(name))| {
            if let Some(name) = name.filter(|n| !n.is_empty()) {
                calls.count += 1;
                if !calls.names.contains(&name) {
                    calls.names.push(name);
                }
            }
        })?;
        Ok(calls)
    }
}

impl LineFields<'_> {
    fn read_turn(&mut self) {
        let prompt = self.prompt_line.is_some();
        self.shape = read_request(&self.messages, prompt, self.response_line.as_deref(), &self.tool_names);
        if !prompt && self.shape.headline.is_none() {
            self.message_line = self.messages.iter().rev().find_map(|raw| {
                serde_json::from_str::<Object<MessageLine>>(raw).ok().and_then(|Object(MessageLine(line))| line)
            });
        }
        self.messages = Vec::new();
    }
}

/// The messages as raw JSON (a non-array is no messages).
struct RawMessages<'a>(Vec<&'a str>);

impl<'de> Deserialize<'de> for RawMessages<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut out = Vec::new();
        visit_array(deserializer, |raw: &'de RawValue| out.push(raw.get()))?;
        Ok(RawMessages(out))
    }
}

#[derive(Default)]
struct MessageLine(Option<String>);

impl<'de> FieldSink<'de> for MessageLine {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        if key == "content" {
            let raw = map.next_value::<&RawValue>()?;
            self.0 = content_first_line(raw.get());
        } else {
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

fn content_first_line(raw: &str) -> Option<String> {
    if raw.starts_with('"') {
        return first_line_of_raw_string(raw, FIRST_LINE_MAX);
    }
    let blocks: Vec<Object<TextBlock>> = serde_json::from_str(raw).ok()?;
    blocks.into_iter().find_map(|Object(block)| block.text.and_then(|t| first_line_of_raw_string(t, FIRST_LINE_MAX)))
}

#[derive(Default)]
struct TextBlock<'a> {
    text: Option<&'a str>,
}

impl<'de> FieldSink<'de> for TextBlock<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        if key == "text" {
            self.text = Some(map.next_value::<&RawValue>()?.get());
        } else {
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_index_fields_and_skips_the_rest() {
        let line = br#"{"id":"a","timestamp":"2026-11-21T14:00:00+01:00","project":"p","usage":{"input_tokens":3,"output_tokens":4},"prompt":"\n  first \u00e9\nsecond","tool_calls":[{"name":"read"},{"name":"read"},{"x":1}],"tags":["t",1],"context_pack":{"deep":[1,2,{"a":null}]}}"#;
        let parsed = parse_line(line).unwrap();
        assert_eq!(parsed.id(), "a");
        assert_eq!(parsed.first_line(), "first é");
        assert_eq!(parsed.fields.project.non_empty_str(), Some("p"));
        assert_eq!((parsed.fields.input_tokens, parsed.fields.output_tokens), (3, 4));
        assert_eq!(parsed.fields.tool_calls, 2);
        assert_eq!(parsed.fields.tool_names, vec!["read"]);
        assert_eq!(parsed.fields.tags, vec!["t"]);
        assert_eq!(parsed.timestamp, Timestamp::parse("2026-11-21T13:00:00Z").unwrap());
    }

    #[test]
    fn last_message_text_stands_in_for_a_missing_prompt() {
        let line = br#"{"id":"a","created_at":"2026-11-21 13:00:00","messages":[{"role":"user","content":"one"},{"role":"user","content":[{"type":"image"},{"type":"text","text":"two\nthree"}]}]}"#;
        let parsed = parse_line(line).unwrap();
        assert_eq!(parsed.first_line(), "two");
    }

    #[test]
    fn bad_lines_have_reasons() {
        let cases: [(&[u8], &str); 8] = [
            (b"not json", "invalid JSON"),
            (b"{\"id\":\"a\"", "invalid JSON"),
            (b"[1,2]", "found an array"),
            (b"null", "found null"),
            (b"{\"timestamp\":\"2026-11-21T13:00:00Z\"}", "missing `id`"),
            (b"{\"id\":\"a\",\"timestamp\":\"soon\"}", "cannot read `timestamp`"),
            (b"{\"id\":\"a\",\"timestamp\":\"2026-11-21T13:00:00Z\",\"p\":\"\xff\"}", "invalid UTF-8"),
            (b"{\"id\":\"a\"} x", "invalid JSON"),
        ];
        for (line, reason) in cases {
            let error = parse_line(line).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(error.contains(reason), "{:?}: {error}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn deep_nesting_is_a_bad_line() {
        let deep = format!(
            "{{\"id\":\"a\",\"timestamp\":\"2026-11-21T13:00:00Z\",\"x\":{}{}}}",
            "[".repeat(200),
            "]".repeat(200)
        );
        assert!(parse_line(deep.as_bytes()).is_err());
        assert!(crate::record::InteractionRecord::from_json(&deep).is_err());
    }

    #[test]
    fn nesting_limit_agrees_with_the_full_parser() {
        for depth in 120..135 {
            let line = format!(
                "{{\"id\":\"a\",\"timestamp\":\"2026-11-21T13:00:00Z\",\"s\":\"[[{{\\\"\",\"x\":{}{}}}",
                "[".repeat(depth),
                "]".repeat(depth)
            );
            let full = crate::record::InteractionRecord::from_json(&line).is_ok();
            assert_eq!(parse_line(line.as_bytes()).is_ok(), full, "depth {depth}");
        }
    }
}
