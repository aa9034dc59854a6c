//! Claude Code transcripts (`~/.claude/projects/<project>/<session>.jsonl`, sub-agent runs in
//! `<session>/subagents/agent-<id>.jsonl`).
//!
//! One API call is written as several `assistant` lines sharing `message.id` and `requestId`, one
//! content block each, each repeating a mid-stream `usage` snapshot; the tool results come back in
//! the following `user` lines. A record's range runs from the user's prompt line (when it starts a
//! turn) or its first assistant line, to just before the next call's range: so the prompt, the
//! response and the tool results of one call are all in its range, and the file is cut into
//! consecutive ranges. Lines of a sidechain (a sub-agent written inline by older versions) are cut
//! separately, so their ranges may overlap the main chain's.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::lines::{ParsedLine, ParsedLines};
use super::{first_line, instant, project_of, ChainPlace, Found, Partition, SourceKind, Wanted};
use crate::record::{
    ContentBlock, InteractionRecord, Message, MessageContent, RecordSource, Role, StopReason, Timestamp, TokenUsage,
    ToolCallRecord,
};
use crate::store::turn_shape::{compose_headline, ShownResult};

/// Longest first line kept in the index, in bytes (as for interlog's own records).
const FIRST_LINE_MAX: usize = 120;
/// The model name Claude Code gives the messages it makes up itself (API errors, interruptions).
const SYNTHETIC: &str = "<synthetic>";

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    uuid: Option<Cow<'a, str>>,
    #[serde(rename = "parentUuid", borrow, default)]
    parent: Option<Cow<'a, str>>,
    #[serde(rename = "sessionId", borrow, default)]
    session: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    cwd: Option<Cow<'a, str>>,
    #[serde(rename = "isSidechain", default)]
    sidechain: bool,
    #[serde(rename = "isMeta", default)]
    meta: bool,
    #[serde(rename = "isCompactSummary", default)]
    compact_summary: bool,
    #[serde(rename = "requestId", borrow, default)]
    request_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    subtype: Option<Cow<'a, str>>,
    /// A `summary` line's text: Claude Code's title for the session.
    #[serde(borrow, default)]
    summary: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    message: Option<LightMessage<'a>>,
}

#[derive(Deserialize)]
struct LightMessage<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    model: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    content: Option<&'a RawValue>,
    #[serde(borrow, default)]
    stop_reason: Option<Cow<'a, str>>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
struct Usage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default)]
    cache_creation_input_tokens: u64,
    #[serde(default)]
    cache_read_input_tokens: u64,
}

impl Usage {
    fn total(&self) -> u64 {
        self.input_tokens
            .saturating_add(self.output_tokens)
            .saturating_add(self.cache_creation_input_tokens)
            .saturating_add(self.cache_read_input_tokens)
    }
}

#[derive(Deserialize)]
struct LightBlock<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    text: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    tool_use_id: Option<Cow<'a, str>>,
    #[serde(default)]
    is_error: Option<bool>,
}

/// What a user line's content is.
enum UserContent {
    /// Text the user typed (or pasted): the line starts a turn.
    Prompt(String),
    /// Tool results handed back to the model.
    ToolResults,
    Nothing,
}

fn user_content(raw: Option<&RawValue>) -> UserContent {
    let Some(raw) = raw else { return UserContent::Nothing };
    let text = raw.get();
    if text.starts_with('"') {
        return match serde_json::from_str::<String>(text) {
            Ok(s) if !s.trim().is_empty() => UserContent::Prompt(s),
            _ => UserContent::Nothing,
        };
    }
    // Tool results are most of a transcript's bytes: told apart without decoding them (inside a
    // JSON string the quotes would be escaped).
    if memchr::memmem::find(text.as_bytes(), br#""tool_result""#).is_some() {
        return UserContent::ToolResults;
    }
    let Ok(blocks) = serde_json::from_str::<Vec<LightBlock>>(text) else { return UserContent::Nothing };
    let said: Vec<&str> = blocks
        .iter()
        .filter(|b| b.kind.as_deref() == Some("text"))
        .filter_map(|b| b.text.as_deref())
        .filter(|t| !t.trim().is_empty())
        .collect();
    if said.is_empty() {
        UserContent::Nothing
    } else {
        UserContent::Prompt(said.join("\n"))
    }
}

/// One chain's (main, or an inline sidechain's) cutting state.
#[derive(Default)]
struct Chain {
    /// Lines after the last record's range that the next record's range will start with.
    pending: Option<(u64, u64)>,
    pending_prompt: Option<String>,
    /// The first line of the prompt that started the current turn (for the tool loop's records).
    turn_prompt: String,
    /// When the last user line was written: the request went out right after it.
    last_user: Option<(i64, i16)>,
    open: Option<Open>,
    /// The tool results handed back since the last call (tool name, failed), for the next
    /// call's headline.
    handed_back: Vec<(String, Option<bool>)>,
}

/// Where the chain stands after a line: the messages a request sent right after it would carry
/// (as `history` rebuilds them), for the store's turns.
#[derive(Clone, Copy, Debug, Default)]
struct Depth {
    messages: u32,
    /// Messages up to and including the last assistant message.
    replied: u32,
    segment: u32,
    /// The hashed message id of the assistant message it ends with (0: it does not end with one):
    /// consecutive lines of one message are one message.
    assistant: u64,
    /// The messages after the last reply are tool results.
    tool_results: bool,
}

fn key_of(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)) | 1
}

struct Open {
    found: Found,
    message_id: String,
    usage: Usage,
    first_nanos: i64,
    /// Its tool calls: (call id, tool name).
    calls: Vec<(String, String)>,
    /// A tool-loop call: the results it answers, for its headline.
    handed_back: Option<Vec<(String, Option<bool>)>>,
    response_line: Option<String>,
}

impl Open {
    fn found(&self) -> Found {
        let mut found = self.found.clone();
        found.input_tokens = self.usage.input_tokens;
        found.output_tokens = self.usage.output_tokens;
        found.cache_read_tokens = self.usage.cache_read_input_tokens;
        found.cache_creation_tokens = self.usage.cache_creation_input_tokens;
        if let Some(results) = &self.handed_back {
            let shown: Vec<ShownResult> =
                results.iter().map(|(tool, failed)| ShownResult { tool, failed: *failed }).collect();
            let own: Vec<&str> = found.tool_names.iter().map(String::as_str).collect();
            found.first_line = compose_headline(&shown, self.response_line.as_deref(), &own);
        }
        found
    }

    /// The tool results a user line hands back to this call's tool calls.
    fn results_of(&self, content: Option<&RawValue>) -> Vec<(String, Option<bool>)> {
        let blocks: Vec<LightBlock> = content.and_then(|c| serde_json::from_str(c.get()).ok()).unwrap_or_default();
        blocks
            .iter()
            .filter(|b| b.kind.as_deref() == Some("tool_result"))
            .map(|b| {
                let call = b.tool_use_id.as_deref().unwrap_or_default();
                let name = self.calls.iter().find(|(id, _)| id == call).map(|(_, name)| name.as_str());
                (name.filter(|n| !n.is_empty()).unwrap_or("tool").to_owned(), b.is_error)
            })
            .collect()
    }
}

/// Cuts a Claude Code transcript into one range per API call.
pub(crate) struct Partitioner {
    agent: Option<String>,
    session: String,
    project: String,
    main: Chain,
    side: Chain,
    /// Per line (its uuid, hashed): where the chain stands after it.
    depths: HashMap<u64, Depth>,
    segments: u32,
    /// The session's title: the text of the file's latest `summary` line.
    title: String,
}

impl Partitioner {
    pub fn new(path: &Path) -> Partitioner {
        Partitioner {
            agent: subagent_type(path),
            session: String::new(),
            project: String::new(),
            main: Chain::default(),
            side: Chain::default(),
            depths: HashMap::new(),
            segments: 0,
            title: String::new(),
        }
    }
}

/// The sub-agent type of a sub-agent file: `agentType` in the `agent-<id>.meta.json` beside it,
/// else `subagent`. `None` for a session's main file.
pub(crate) fn subagent_type(path: &Path) -> Option<String> {
    let in_subagents = path.parent().and_then(Path::file_name).is_some_and(|n| n == "subagents");
    if !in_subagents {
        return None;
    }
    let meta = path.with_extension("meta.json");
    let kind = std::fs::read(&meta)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .and_then(|v| v.get("agentType").and_then(Value::as_str).map(str::to_owned))
        .filter(|t| !t.trim().is_empty());
    Some(kind.unwrap_or_else(|| "subagent".to_owned()))
}

impl Partition for Partitioner {
    fn line(&mut self, bytes: &[u8], offset: u64, line: u64, closed: &mut Vec<Found>) -> Result<(), String> {
        let before = closed.len();
        let cut = self.cut(bytes, offset, line, closed);
        for found in &mut closed[before..] {
            found.title.clone_from(&self.title);
        }
        cut
    }

    fn open(&self) -> Vec<Found> {
        let open = [self.main.open.as_ref(), self.side.open.as_ref()].into_iter().flatten();
        open.map(|o| Found { title: self.title.clone(), ..o.found() }).collect()
    }
}

impl Partitioner {
    fn cut(&mut self, bytes: &[u8], offset: u64, line: u64, closed: &mut Vec<Found>) -> Result<(), String> {
        let text = std::str::from_utf8(bytes).map_err(|e| format!("invalid UTF-8 at byte {}", e.valid_up_to()))?;
        let envelope: Envelope = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
        if envelope.kind.as_deref() == Some("summary") {
            if let Some(title) = envelope.summary.as_deref().map(|t| first_line(t, FIRST_LINE_MAX)) {
                self.title = title;
            }
        }
        if let Some(session) = envelope.session.as_deref().filter(|s| !s.is_empty()) {
            if session != self.session {
                self.session = session.to_owned();
            }
        }
        if let Some(cwd) = envelope.cwd.as_deref().filter(|s| !s.is_empty()) {
            self.project = project_of(cwd);
        }
        let end = offset + bytes.len() as u64;
        let when = envelope.timestamp.as_deref().and_then(instant);
        let (session, project, agent) = (self.session.clone(), self.project.clone(), self.agent.is_some());
        let before = envelope.parent.as_deref().and_then(|p| self.depths.get(&key_of(p))).copied().unwrap_or_default();
        let is_user = envelope.kind.as_deref() == Some("user");
        let content = envelope.message.as_ref().filter(|_| is_user).map(|m| user_content(m.content));
        let after = self.depth_after(&envelope, before, matches!(content, Some(UserContent::ToolResults)));
        if let Some(uuid) = envelope.uuid.as_deref() {
            self.depths.insert(key_of(uuid), after);
        }
        let chain = if envelope.sidechain && !agent { &mut self.side } else { &mut self.main };
        match envelope.kind.as_deref() {
            Some("user") => {
                let content = content.unwrap_or(UserContent::Nothing);
                if when.is_some() {
                    chain.last_user = when;
                }
                match content {
                    UserContent::Prompt(text) if !envelope.meta && !envelope.compact_summary => {
                        if let Some(open) = chain.open.take() {
                            closed.push(open.found());
                        }
                        chain.handed_back.clear();
                        chain.pending.get_or_insert((offset, line));
                        chain.turn_prompt = first_line(&text, FIRST_LINE_MAX);
                        chain.pending_prompt = Some(chain.turn_prompt.clone());
                    }
                    UserContent::ToolResults => {
                        if let Some(open) = chain.open.as_ref() {
                            let content = envelope.message.as_ref().and_then(|m| m.content);
                            chain.handed_back.extend(open.results_of(content));
                        }
                        extend(chain, end);
                    }
                    _ => extend(chain, end),
                }
            }
            Some("assistant") => {
                let Some(message) = envelope.message.filter(|m| m.model.as_deref() != Some(SYNTHETIC)) else {
                    extend(chain, end);
                    return Ok(());
                };
                let message_id = message.id.as_deref().unwrap_or_default();
                let continues =
                    chain.open.as_ref().is_some_and(|o| !message_id.is_empty() && o.message_id == message_id);
                if !continues {
                    if let Some(open) = chain.open.take() {
                        closed.push(open.found());
                    }
                    let (start, first) = chain.pending.take().unwrap_or((offset, line));
                    let handed_back = std::mem::take(&mut chain.handed_back);
                    let tool_loop = chain.pending_prompt.is_none() && !handed_back.is_empty();
                    let prompt = chain.pending_prompt.take().unwrap_or_else(|| chain.turn_prompt.clone());
                    let (nanos, offset_minutes) = chain.last_user.or(when).unwrap_or_default();
                    chain.open = Some(Open {
                        found: Found {
                            offset: start,
                            len: 0,
                            line: first,
                            nanos,
                            offset_minutes,
                            id: envelope.uuid.as_deref().unwrap_or_default().to_owned(),
                            first_line: prompt,
                            session,
                            project,
                            client: SourceKind::ClaudeCode.name(),
                            model: message.model.as_deref().unwrap_or_default().to_owned(),
                            request_id: request_key(envelope.request_id.as_deref(), message_id),
                            approximate: true,
                            chain: ChainPlace {
                                request: before.messages,
                                replied: before.replied,
                                segment: before.segment,
                                tool_results: before.tool_results,
                            },
                            ..Found::default()
                        },
                        message_id: message_id.to_owned(),
                        usage: Usage::default(),
                        first_nanos: nanos,
                        calls: Vec::new(),
                        handed_back: tool_loop.then_some(handed_back),
                        response_line: None,
                    });
                }
                let Some(open) = chain.open.as_mut() else { return Ok(()) };
                open.found.len = end - open.found.offset;
                if let Some(usage) = message.usage.filter(|u| u.total() >= open.usage.total()) {
                    open.usage = usage;
                }
                if let Some(reason) = message.stop_reason.as_deref().filter(|r| !r.is_empty()) {
                    open.found.stop_reason = reason.to_owned();
                }
                if let Some((nanos, _)) = when {
                    open.found.duration_ms = u64::try_from((nanos - open.first_nanos) / 1_000_000).ok();
                }
                if let Some(content) = message.content {
                    if let Ok(blocks) = serde_json::from_str::<Vec<LightBlock>>(content.get()) {
                        for block in blocks.iter().filter(|b| b.kind.as_deref() == Some("tool_use")) {
                            let name = block.name.as_deref().unwrap_or_default().to_owned();
                            open.calls.push((block.id.as_deref().unwrap_or_default().to_owned(), name.clone()));
                            open.found.tool_names.push(name);
                        }
                        if open.response_line.is_none() {
                            open.response_line = blocks
                                .iter()
                                .filter(|b| b.kind.as_deref() == Some("text"))
                                .filter_map(|b| b.text.as_deref())
                                .map(|t| first_line(t, FIRST_LINE_MAX))
                                .find(|t| !t.is_empty());
                        }
                    }
                }
            }
            // A compaction starts the next call's history: it belongs to that call's range.
            Some("system") if envelope.subtype.as_deref() == Some("compact_boundary") => {
                if let Some(open) = chain.open.take() {
                    closed.push(open.found());
                }
                chain.pending.get_or_insert((offset, line));
            }
            _ => extend(chain, end),
        }
        Ok(())
    }
}

impl Partitioner {
    /// Where the chain stands after a line whose parent left it at `before` (see `history`:
    /// user lines and non-synthetic assistant messages are messages, a compaction starts over).
    fn depth_after(&mut self, envelope: &Envelope, before: Depth, results: bool) -> Depth {
        let message = envelope.message.as_ref();
        match envelope.kind.as_deref() {
            Some("system") if envelope.subtype.as_deref() == Some("compact_boundary") => {
                self.segments += 1;
                Depth { segment: self.segments, ..Depth::default() }
            }
            Some("user") if message.is_some() => Depth {
                messages: before.messages + 1,
                assistant: 0,
                tool_results: results && (before.assistant != 0 || before.tool_results),
                ..before
            },
            Some("assistant") if message.is_some_and(|m| m.model.as_deref() != Some(SYNTHETIC)) => {
                let id = message.and_then(|m| m.id.as_deref()).filter(|i| !i.is_empty()).map_or(0, key_of);
                if id != 0 && id == before.assistant {
                    return before;
                }
                let messages = before.messages + 1;
                Depth { messages, replied: messages, assistant: id, tool_results: false, ..before }
            }
            _ => before,
        }
    }
}

fn extend(chain: &mut Chain, end: u64) {
    if let Some(open) = chain.open.as_mut() {
        open.found.len = end - open.found.offset;
    }
}

/// The dedup key: Anthropic's request id (what a proxy records as `request_id`), else the
/// message id.
fn request_key(request_id: Option<&str>, message_id: &str) -> Option<String> {
    match request_id.filter(|r| !r.is_empty()) {
        Some(request) => Some(request.to_owned()),
        None if !message_id.is_empty() => Some(format!("msg:{message_id}")),
        None => None,
    }
}

fn str_at<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn is_sidechain(value: &Value) -> bool {
    value.get("isSidechain").and_then(Value::as_bool).unwrap_or(false)
}

/// Rebuilds the record whose first assistant line has uuid `id`, in `offset..offset + len`.
pub(crate) fn convert(wanted: &Wanted) -> Option<InteractionRecord> {
    let Wanted { path, lines, offset, len, id, with_history } = *wanted;
    let own = lines.in_range(offset, len);
    let anchor_at = own.iter().position(|l| str_at(&l.value, "uuid") == Some(id) && kind(&l.value) == "assistant")?;
    let anchor = &own[anchor_at];
    let side = is_sidechain(&anchor.value) && super::claude_code::subagent_type(path).is_none();
    let same_chain = |l: &&ParsedLine| is_sidechain(&l.value) == side || subagent_type(path).is_some();
    let message = anchor.value.get("message")?;
    let message_id = str_at(message, "id").unwrap_or_default();
    let mut record = InteractionRecord::new(String::new());
    record.prompt = None;
    record.id = id.to_owned();
    // The request went out when the line before the answer was written.
    let before: Vec<&ParsedLine> = own[..anchor_at].iter().filter(same_chain).collect();
    let sent = lines
        .before(anchor.offset)
        .iter()
        .rev()
        .filter(same_chain)
        .find(|l| kind(&l.value) == "user")
        .and_then(|l| str_at(&l.value, "timestamp"))
        .or_else(|| str_at(&anchor.value, "timestamp"));
    record.timestamp = sent.and_then(Timestamp::parse).unwrap_or_else(Timestamp::now);
    fill_envelope(&mut record, &anchor.value, path, anchor.line);
    record.model = str_at(message, "model").map(str::to_owned);
    record.provider = Some("anthropic".into());
    record.response_id = (!message_id.is_empty()).then(|| message_id.to_owned());
    record.request_id = str_at(&anchor.value, "requestId").map(str::to_owned);
    record.usage_approximate = true;

    let answer: Vec<&ParsedLine> = own[anchor_at..]
        .iter()
        .filter(same_chain)
        .filter(|l| {
            kind(&l.value) == "assistant" && l.value.get("message").and_then(|m| str_at(m, "id")) == Some(message_id)
        })
        .collect();
    let mut usage = Usage::default();
    let mut blocks = Vec::new();
    let mut last_time = None;
    for line in &answer {
        let Some(message) = line.value.get("message") else { continue };
        if let Some(found) = message.get("usage").and_then(|u| serde_json::from_value::<Usage>(u.clone()).ok()) {
            if found.total() >= usage.total() {
                usage = found;
            }
        }
        if let Some(reason) = str_at(message, "stop_reason") {
            record.stop_reason = Some(StopReason::from(reason));
        }
        blocks.extend(content_blocks(message.get("content")));
        last_time = str_at(&line.value, "timestamp").and_then(Timestamp::parse).or(last_time);
    }
    record.usage = Some(TokenUsage {
        input_tokens: Some(usage.input_tokens),
        output_tokens: Some(usage.output_tokens),
        cache_read_tokens: Some(usage.cache_read_input_tokens),
        cache_creation_tokens: Some(usage.cache_creation_input_tokens),
        ..TokenUsage::default()
    });
    if let Some(last) = last_time {
        let millis = (last.unix_nanos() - record.timestamp.unix_nanos()) / 1_000_000;
        record.duration_ms = u64::try_from(millis).ok();
    }
    let text: Vec<&str> = blocks
        .iter()
        .filter_map(|b| match b {
            ContentBlock::Text { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    record.response = (!text.is_empty()).then(|| text.join("\n"));
    record.tool_calls = tool_calls(&blocks, &own[anchor_at..]);

    let request: Vec<Message> = if with_history {
        history(lines, anchor)
    } else {
        before.iter().filter_map(|l| message_of(&l.value)).collect()
    };
    record.prompt = turn_prompt_of(lines, anchor, &before, with_history);
    record.messages = request;
    if blocks.iter().any(|b| !matches!(b, ContentBlock::Text { .. })) || record.response.is_none() {
        record.extra.insert("response_blocks".into(), serde_json::to_value(&blocks).unwrap_or(Value::Null));
    }
    if own[..anchor_at].iter().any(|l| is_compaction(&l.value)) {
        record.extra.insert("after_compaction".into(), Value::Bool(true));
    }
    record.extra.insert("user_turn".into(), Value::Bool(before.iter().any(|l| is_prompt_line(&l.value))));
    Some(record)
}

fn kind(value: &Value) -> &str {
    value.get("type").and_then(Value::as_str).unwrap_or_default()
}

fn is_compaction(value: &Value) -> bool {
    (kind(value) == "system" && str_at(value, "subtype") == Some("compact_boundary"))
        || value.get("isCompactSummary").and_then(Value::as_bool).unwrap_or(false)
}

fn is_prompt_line(value: &Value) -> bool {
    if kind(value) != "user" || value.get("isMeta").and_then(Value::as_bool).unwrap_or(false) || is_compaction(value) {
        return false;
    }
    let content = value.get("message").and_then(|m| m.get("content"));
    match content {
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Array(blocks)) => {
            !blocks.iter().any(|b| b.get("type").and_then(Value::as_str) == Some("tool_result"))
                && blocks.iter().any(|b| b.get("type").and_then(Value::as_str) == Some("text"))
        }
        _ => false,
    }
}

fn fill_envelope(record: &mut InteractionRecord, line: &Value, path: &Path, line_no: u64) {
    record.session_id = str_at(line, "sessionId").map(str::to_owned);
    record.client = Some(SourceKind::ClaudeCode.name().to_owned());
    if let Some(cwd) = str_at(line, "cwd") {
        record.project = Some(project_of(cwd)).filter(|p| !p.is_empty());
        record.extra.insert("cwd".into(), Value::String(cwd.to_owned()));
    }
    for (from, to) in [("gitBranch", "git_branch"), ("version", "client_version"), ("agentId", "agent_id")] {
        if let Some(value) = str_at(line, from) {
            record.extra.insert(to.into(), Value::String(value.to_owned()));
        }
    }
    record.agent = subagent_type(path).or_else(|| is_sidechain(line).then(|| "sidechain".to_owned()));
    record.source = Some(RecordSource {
        kind: SourceKind::ClaudeCode.name().to_owned(),
        file: Some(path.display().to_string()),
        line: Some(line_no),
        extra: Map::new(),
    });
}

/// The conversation as sent with this call: the `parentUuid` chain back from the answer's
/// first line (the first of duplicated uuids wins, a cycle or a missing parent ends it, a
/// compaction boundary starts it).
fn history(lines: &ParsedLines, anchor: &ParsedLine) -> Vec<Message> {
    let upto = lines.before(anchor.offset);
    let mut by_uuid: HashMap<&str, usize> = HashMap::new();
    for (at, line) in upto.iter().enumerate() {
        if let Some(uuid) = str_at(&line.value, "uuid") {
            by_uuid.entry(uuid).or_insert(at);
        }
    }
    let mut chain = Vec::new();
    let mut seen = HashSet::new();
    let mut next = str_at(&anchor.value, "parentUuid");
    while let Some(uuid) = next {
        let Some(&at) = by_uuid.get(uuid) else { break };
        if !seen.insert(at) {
            break;
        }
        let value = &upto[at].value;
        chain.push(value);
        if kind(value) == "system" && str_at(value, "subtype") == Some("compact_boundary") {
            break;
        }
        next = str_at(value, "parentUuid");
    }
    chain.reverse();
    merge_messages(chain.into_iter().filter_map(message_of))
}

/// Consecutive assistant lines of one message become one message, as the API sent them.
fn merge_messages(messages: impl Iterator<Item = Message>) -> Vec<Message> {
    let mut merged: Vec<Message> = Vec::new();
    for message in messages {
        if let (Some(last), MessageContent::Blocks(blocks)) = (merged.last_mut(), &message.content) {
            let same = last.role == message.role
                && last.role == Role::Assistant
                && last.extra.get("id").is_some()
                && last.extra.get("id") == message.extra.get("id");
            if same {
                if let MessageContent::Blocks(into) = &mut last.content {
                    into.extend(blocks.iter().cloned());
                    continue;
                }
            }
        }
        merged.push(message);
    }
    for message in &mut merged {
        message.extra.remove("id");
    }
    merged
}

fn message_of(line: &Value) -> Option<Message> {
    let role = match kind(line) {
        "user" => Role::User,
        "assistant" => Role::Assistant,
        _ => return None,
    };
    let message = line.get("message")?;
    if str_at(message, "model") == Some(SYNTHETIC) {
        return None;
    }
    let content = match message.get("content") {
        Some(Value::String(text)) => MessageContent::Text(text.clone()),
        other => MessageContent::Blocks(content_blocks(other)),
    };
    let mut converted = Message::new(role, content);
    if let Some(id) = str_at(message, "id") {
        converted.extra.insert("id".into(), Value::String(id.to_owned()));
    }
    Some(converted)
}

/// Anthropic content blocks in our shapes: tool results as text, images as type and size.
fn content_blocks(content: Option<&Value>) -> Vec<ContentBlock> {
    let Some(Value::Array(blocks)) = content else {
        return match content {
            Some(Value::String(text)) => vec![ContentBlock::Text { text: text.clone() }],
            _ => Vec::new(),
        };
    };
    blocks.iter().map(block_of).collect()
}

fn block_of(block: &Value) -> ContentBlock {
    let text = |key: &str| str_at(block, key).unwrap_or_default().to_owned();
    match str_at(block, "type") {
        Some("text") => ContentBlock::Text { text: text("text") },
        Some("thinking") => ContentBlock::Thinking { thinking: text("thinking") },
        Some("tool_use") => ContentBlock::ToolUse {
            id: text("id"),
            name: text("name"),
            input: block.get("input").cloned().unwrap_or(Value::Null),
        },
        Some("tool_result") => ContentBlock::ToolResult {
            tool_use_id: text("tool_use_id"),
            content: result_text(block.get("content")),
            is_error: block.get("is_error").and_then(Value::as_bool).unwrap_or(false),
        },
        Some("image") => {
            let source = block.get("source");
            let media_type = source.and_then(|s| str_at(s, "media_type")).unwrap_or_default().to_owned();
            // Base64 carries 3 bytes in every 4 characters.
            let data = source.and_then(|s| str_at(s, "data")).map(str::len).unwrap_or(0) as u64;
            ContentBlock::Image { media_type, bytes: data / 4 * 3 }
        }
        _ => ContentBlock::Other(block.clone()),
    }
}

/// A tool result's content as text: the string, or its text blocks joined.
fn result_text(content: Option<&Value>) -> String {
    match content {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| match block_of(p) {
                ContentBlock::Text { text } => Some(text),
                ContentBlock::Image { media_type, bytes } => Some(format!("[image {media_type}, {bytes} bytes]")),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The answer's tool calls, each with the result that came back in the lines after it.
fn tool_calls(blocks: &[ContentBlock], after: &[ParsedLine]) -> Vec<ToolCallRecord> {
    let mut results: HashMap<String, (String, bool, Option<Value>)> = HashMap::new();
    for line in after.iter().filter(|l| kind(&l.value) == "user") {
        let tool_use_result = line.value.get("toolUseResult");
        let Some(Value::Array(parts)) = line.value.get("message").and_then(|m| m.get("content")) else { continue };
        for part in parts {
            if let ContentBlock::ToolResult { tool_use_id, content, is_error } = block_of(part) {
                results.entry(tool_use_id).or_insert((content, is_error, tool_use_result.cloned()));
            }
        }
    }
    blocks
        .iter()
        .filter_map(|block| match block {
            ContentBlock::ToolUse { id, name, input } => {
                let mut call = ToolCallRecord {
                    name: name.clone(),
                    call_id: Some(id.clone()).filter(|i| !i.is_empty()),
                    arguments: Some(input.clone()),
                    success: None,
                    result: None,
                    result_truncated: false,
                    extra: Map::new(),
                };
                if let Some((content, is_error, detail)) = results.remove(id) {
                    call.success = Some(!is_error);
                    call.result = Some(content);
                    if let Some(detail) = detail {
                        call.extra.insert("tool_use_result".into(), detail);
                    }
                }
                Some(call)
            }
            _ => None,
        })
        .collect()
}

/// The user's text that started the turn this call belongs to.
fn turn_prompt_of(lines: &ParsedLines, anchor: &ParsedLine, own: &[&ParsedLine], with_history: bool) -> Option<String> {
    let prompt_text = |l: &Value| -> Option<String> {
        if !is_prompt_line(l) {
            return None;
        }
        match l.get("message").and_then(|m| m.get("content")) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                let text: Vec<String> = content_blocks(Some(other))
                    .into_iter()
                    .filter_map(|b| match b {
                        ContentBlock::Text { text } => Some(text),
                        _ => None,
                    })
                    .collect();
                Some(text.join("\n"))
            }
            None => None,
        }
    };
    if let Some(found) = own.iter().rev().find_map(|l| prompt_text(&l.value)) {
        return Some(found);
    }
    if !with_history {
        return None;
    }
    let side = is_sidechain(&anchor.value);
    lines
        .before(anchor.offset)
        .iter()
        .rev()
        .filter(|l| is_sidechain(&l.value) == side)
        .find_map(|l| prompt_text(&l.value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(lines: &[&str]) -> (Vec<Found>, Option<Found>) {
        let mut p = Partitioner::new(Path::new("/p/s.jsonl"));
        let mut closed = Vec::new();
        let mut offset = 0u64;
        for (n, line) in lines.iter().enumerate() {
            p.line(line.as_bytes(), offset, n as u64 + 1, &mut closed).unwrap();
            offset += line.len() as u64 + 1;
        }
        (closed, p.open().pop())
    }

    const PROMPT: &str = r#"{"type":"user","uuid":"u1","parentUuid":null,"sessionId":"s","cwd":"/w/proj","timestamp":"2026-11-20T10:00:00Z","message":{"role":"user","content":"fix it"}}"#;
    const A1: &str = r#"{"type":"assistant","uuid":"a1","parentUuid":"u1","sessionId":"s","timestamp":"2026-11-20T10:00:02Z","requestId":"req_1","message":{"id":"msg_1","model":"claude-x","role":"assistant","content":[{"type":"tool_use","id":"t1","name":"Read","input":{}}],"usage":{"input_tokens":3,"output_tokens":1,"cache_read_input_tokens":10}}}"#;
    const A2: &str = r#"{"type":"assistant","uuid":"a2","parentUuid":"a1","sessionId":"s","timestamp":"2026-11-20T10:00:03Z","requestId":"req_1","message":{"id":"msg_1","model":"claude-x","role":"assistant","content":[{"type":"tool_use","id":"t2","name":"Grep","input":{}}],"stop_reason":"tool_use","usage":{"input_tokens":3,"output_tokens":9,"cache_read_input_tokens":10}}}"#;
    const R1: &str = r#"{"type":"user","uuid":"r1","parentUuid":"a2","sessionId":"s","timestamp":"2026-11-20T10:00:04Z","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}}"#;
    const B1: &str = r#"{"type":"assistant","uuid":"b1","parentUuid":"r1","sessionId":"s","timestamp":"2026-11-20T10:00:06Z","requestId":"req_2","message":{"id":"msg_2","model":"claude-x","role":"assistant","content":[{"type":"text","text":"done"}],"stop_reason":"end_turn","usage":{"input_tokens":2,"output_tokens":4}}}"#;

    #[test]
    fn one_call_is_one_range_with_its_largest_usage() {
        let (closed, open) = feed(&[PROMPT, A1, A2, R1, B1]);
        assert_eq!(closed.len(), 1);
        let first = &closed[0];
        assert_eq!((first.offset, first.line), (0, 1));
        let r1_end = [PROMPT, A1, A2, R1].iter().map(|l| l.len() as u64 + 1).sum::<u64>() - 1;
        assert_eq!(first.len, r1_end);
        assert_eq!(first.id, "a1");
        assert_eq!((first.input_tokens, first.output_tokens), (3, 9));
        assert_eq!(first.tool_names, ["Read", "Grep"]);
        assert_eq!(first.first_line, "fix it");
        assert_eq!(first.request_id.as_deref(), Some("req_1"));
        assert_eq!(first.project, "proj");
        assert_eq!(first.stop_reason, "tool_use");
        let second = open.unwrap();
        assert_eq!(second.id, "b1");
        assert_eq!(second.offset, r1_end + 1);
        assert_eq!(second.first_line, "↩ Read → \"done\"", "a tool-loop call says what it is");
        assert_eq!(first.chain, ChainPlace { request: 1, replied: 0, segment: 0, tool_results: false });
        // The prompt, the one (merged) reply and the tool result.
        assert_eq!(second.chain, ChainPlace { request: 3, replied: 2, segment: 0, tool_results: true });
    }

    #[test]
    fn synthetic_and_unknown_lines_make_no_record() {
        let synthetic = r#"{"type":"assistant","uuid":"x","sessionId":"s","timestamp":"2026-11-20T10:00:02Z","message":{"id":"m","model":"<synthetic>","content":[]}}"#;
        let unknown = r#"{"type":"some-future-kind","uuid":"y","sessionId":"s"}"#;
        let (closed, open) = feed(&[PROMPT, synthetic, unknown]);
        assert!(closed.is_empty() && open.is_none());
    }

    #[test]
    fn an_inline_sidechain_is_cut_apart_from_the_main_chain() {
        let side_prompt = r#"{"type":"user","uuid":"sp","parentUuid":null,"isSidechain":true,"sessionId":"s","timestamp":"2026-11-20T10:00:05Z","message":{"role":"user","content":"explore"}}"#;
        let side_answer = r#"{"type":"assistant","uuid":"sa","parentUuid":"sp","isSidechain":true,"sessionId":"s","timestamp":"2026-11-20T10:00:06Z","requestId":"req_s","message":{"id":"msg_s","model":"claude-x","role":"assistant","content":[{"type":"text","text":"found"}],"usage":{"input_tokens":1,"output_tokens":1}}}"#;
        let mut p = Partitioner::new(Path::new("/p/s.jsonl"));
        let mut closed = Vec::new();
        let mut offset = 0u64;
        for (n, line) in [PROMPT, A1, side_prompt, side_answer, R1].iter().enumerate() {
            p.line(line.as_bytes(), offset, n as u64 + 1, &mut closed).unwrap();
            offset += line.len() as u64 + 1;
        }
        assert!(closed.is_empty(), "the sidechain's prompt does not close the main chain's call");
        let open: Vec<String> = p.open().into_iter().map(|f| f.id).collect();
        assert_eq!(open, ["a1", "sa"]);
    }

    #[test]
    fn a_line_that_is_not_json_is_bad() {
        let mut p = Partitioner::new(Path::new("/p/s.jsonl"));
        assert!(p.line(b"{not json", 0, 1, &mut Vec::new()).unwrap_err().starts_with("invalid JSON"));
    }
}
