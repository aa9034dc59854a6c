//! What one record's request looks like, read while it is indexed: a mark per message (so the
//! next turn can tell which of its messages it re-sends), where the last reply sits, what the
//! messages after it are, and the headline of a tool-loop turn.
//!
//! Only the raw bytes of each message are looked at, except the last assistant message and the
//! messages after it, which are decoded (lightly) to tell prompts from tool results.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

/// Messages up to this size are fingerprinted whole; longer ones by their length, both ends and
/// evenly spaced probes, so that a history re-sent a hundred times costs little to recognise.
const WHOLE_MAX: usize = 1024;
const END_BYTES: usize = 384;
const PROBES: usize = 32;
const PROBE_BYTES: usize = 8;
/// Longest tool-loop headline, in bytes (as for a prompt's first line).
const HEADLINE_MAX: usize = 120;

/// What the messages a turn adds after the last reply are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Trailing {
    /// Nothing after the last reply (or no messages and no prompt).
    #[default]
    Nothing = 0,
    /// Something the user wrote.
    Prompt = 1,
    /// Only tool results handed back to the model.
    ToolResults = 2,
}

impl Trailing {
    pub fn from_u8(value: u8) -> Trailing {
        match value {
            1 => Trailing::Prompt,
            2 => Trailing::ToolResults,
            _ => Trailing::Nothing,
        }
    }
}

/// A record's request as the turn derivation needs it.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct RequestShape {
    /// Per message, oldest first: a hash chained over the messages so far (equal marks at a
    /// position mean equal prefixes), its lowest bit set for an assistant message.
    pub marks: Vec<u32>,
    /// Messages up to and including the last assistant message (0: none).
    pub replied: u32,
    pub trailing: Trailing,
    /// For a tool-loop turn: `↩ Bash ✗, Edit ✓ → "…"`.
    pub headline: Option<String>,
}

/// The chained mark of a message following `state` (the previous message's full chain value).
pub(crate) fn chain(state: &mut u64, fingerprint: u64, assistant: bool) -> u32 {
    *state = mix(*state ^ fingerprint.rotate_left(17), 0x9e37_79b9_7f4a_7c15);
    ((*state >> 32) as u32 & !1) | u32::from(assistant)
}

/// Whether a mark is an assistant message's.
pub(crate) fn is_assistant(mark: u32) -> bool {
    mark & 1 == 1
}

fn mix(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b ^ 0x243f_6a88_85a3_08d3);
    (product as u64) ^ ((product >> 64) as u64)
}

fn absorb(mut state: u64, bytes: &[u8]) -> u64 {
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(word);
        state = mix(state ^ u64::from_le_bytes(eight), 0x5851_f42d_4c95_7f2d);
    }
    let mut tail = [0u8; 8];
    let rest = words.remainder();
    tail[..rest.len()].copy_from_slice(rest);
    mix(state ^ u64::from_le_bytes(tail) ^ ((rest.len() as u64) << 59), 0x1405_7b7e_f767_814f)
}

/// A message's fingerprint from its bytes (see [`WHOLE_MAX`]).
pub(crate) fn fingerprint(bytes: &[u8]) -> u64 {
    let state = mix(bytes.len() as u64, 0x2545_f491_4f6c_dd1d);
    if bytes.len() <= WHOLE_MAX {
        return absorb(state, bytes);
    }
    let mut state = absorb(state, &bytes[..END_BYTES]);
    state = absorb(state, &bytes[bytes.len() - END_BYTES..]);
    let middle = bytes.len() - 2 * END_BYTES - PROBE_BYTES;
    for probe in 0..PROBES {
        let at = END_BYTES + middle * probe / PROBES;
        state = absorb(state, &bytes[at..at + PROBE_BYTES]);
    }
    state
}

#[derive(Deserialize)]
struct LightMessage<'a> {
    #[serde(borrow, default)]
    role: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    content: Option<&'a RawValue>,
    /// OpenAI's shape, for records written by hand from its API.
    #[serde(default)]
    tool_calls: Option<Vec<Value>>,
    #[serde(borrow, default)]
    tool_call_id: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct LightBlock<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    tool_use_id: Option<Cow<'a, str>>,
    #[serde(default)]
    is_error: Option<Value>,
}

fn light(raw: &str) -> Option<LightMessage<'_>> {
    serde_json::from_str(raw).ok()
}

fn blocks(content: Option<&RawValue>) -> Vec<LightBlock<'_>> {
    content.filter(|c| c.get().starts_with('[')).and_then(|c| serde_json::from_str(c.get()).ok()).unwrap_or_default()
}

/// A message's role without decoding it when it starts the object, as interlog writes it.
fn role_of(raw: &str) -> Cow<'_, str> {
    if let Some(rest) = raw.strip_prefix(r#"{"role":""#) {
        if let Some(end) = rest.find('"') {
            return Cow::Borrowed(&rest[..end]);
        }
    }
    light(raw).and_then(|m| m.role).map(|r| Cow::Owned(r.into_owned())).unwrap_or_default()
}

/// One tool result handed back: which call it answers and whether it failed (`None`: not said).
struct ResultSeen {
    call: String,
    failed: Option<bool>,
}

/// The tool results a message carries; `None` when it carries anything else.
fn tool_results(raw: &str) -> Option<Vec<ResultSeen>> {
    let message = light(raw)?;
    if message.role.as_deref() == Some("tool") {
        let call = message.tool_call_id.map(Cow::into_owned).unwrap_or_default();
        return Some(vec![ResultSeen { call, failed: None }]);
    }
    let found = blocks(message.content);
    if found.is_empty() || found.iter().any(|b| b.kind.as_deref() != Some("tool_result")) {
        return None;
    }
    Some(
        found
            .into_iter()
            .map(|b| ResultSeen {
                call: b.tool_use_id.map(Cow::into_owned).unwrap_or_default(),
                failed: b.is_error.map(|v| v == Value::Bool(true)),
            })
            .collect(),
    )
}

/// The tool calls an assistant message made: (call id, tool name).
fn tool_uses(raw: &str) -> Vec<(String, String)> {
    let Some(message) = light(raw) else { return Vec::new() };
    let mut calls: Vec<(String, String)> = blocks(message.content)
        .into_iter()
        .filter(|b| b.kind.as_deref() == Some("tool_use"))
        .map(|b| (b.id.map(Cow::into_owned).unwrap_or_default(), b.name.map(Cow::into_owned).unwrap_or_default()))
        .collect();
    for call in message.tool_calls.unwrap_or_default() {
        let id = call.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
        let name = call.pointer("/function/name").and_then(Value::as_str).unwrap_or_default().to_owned();
        calls.push((id, name));
    }
    calls
}

/// Reads a record's `messages` (raw, oldest first); `prompt`: it has a `prompt` field;
/// `response_line`: its response's first line; `own_tools`: the tools its response calls.
pub(crate) fn read_request(
    messages: &[&str],
    prompt: bool,
    response_line: Option<&str>,
    own_tools: &[Cow<str>],
) -> RequestShape {
    let mut state = 0u64;
    let mut marks = Vec::with_capacity(messages.len());
    let mut replied = 0;
    for (at, raw) in messages.iter().enumerate() {
        let assistant = role_of(raw) == "assistant";
        marks.push(chain(&mut state, fingerprint(raw.as_bytes()), assistant));
        if assistant {
            replied = at as u32 + 1;
        }
    }
    let after = &messages[replied as usize..];
    let results: Option<Vec<ResultSeen>> = if after.is_empty() {
        None
    } else {
        let each: Option<Vec<Vec<ResultSeen>>> = after.iter().map(|raw| tool_results(raw)).collect();
        each.map(|lists| lists.into_iter().flatten().collect())
    };
    let (trailing, headline) = match results {
        Some(results) => {
            let calls = replied.checked_sub(1).map(|at| tool_uses(messages[at as usize])).unwrap_or_default();
            (Trailing::ToolResults, Some(tool_loop_headline(&results, &calls, response_line, own_tools)))
        }
        None if prompt || !after.is_empty() => (Trailing::Prompt, None),
        None => (Trailing::Nothing, None),
    };
    RequestShape { marks, replied, trailing, headline }
}

/// One handed-back result as the headline shows it: a tool name and its outcome.
pub(crate) struct ShownResult<'a> {
    pub tool: &'a str,
    pub failed: Option<bool>,
}

fn tool_loop_headline(
    results: &[ResultSeen],
    calls: &[(String, String)],
    response_line: Option<&str>,
    own_tools: &[Cow<str>],
) -> String {
    let shown: Vec<ShownResult> = results
        .iter()
        .enumerate()
        .map(|(at, result)| {
            let by_id = calls.iter().find(|(id, _)| !id.is_empty() && *id == result.call);
            let tool = by_id.or(calls.get(at)).map(|(_, name)| name.as_str()).filter(|n| !n.is_empty());
            ShownResult { tool: tool.unwrap_or("tool"), failed: result.failed }
        })
        .collect();
    let own: Vec<&str> = own_tools.iter().map(|t| t.as_ref()).collect();
    compose_headline(&shown, response_line, &own)
}

/// `↩ Bash ✗, Edit ✓ → "The test fails because…"`: the results handed back (repeats folded as
/// `Read ✓×3`), then the turn's own answer: its response's first line, else the tools it calls.
pub(crate) fn compose_headline(results: &[ShownResult], response_line: Option<&str>, own_tools: &[&str]) -> String {
    let mut parts: Vec<(String, usize)> = Vec::new();
    for result in results {
        let mark = match result.failed {
            Some(true) => " ✗",
            Some(false) => " ✓",
            None => "",
        };
        let part = format!("{}{mark}", result.tool);
        match parts.last_mut() {
            Some((last, count)) if *last == part => *count += 1,
            _ => parts.push((part, 1)),
        }
    }
    let results: Vec<String> =
        parts.into_iter().map(|(part, count)| if count > 1 { format!("{part}×{count}") } else { part }).collect();
    let mut line = format!("↩ {}", results.join(", "));
    match response_line.map(str::trim).filter(|r| !r.is_empty()) {
        Some(response) => line.push_str(&format!(" → \"{response}\"")),
        None if !own_tools.is_empty() => line.push_str(&format!(" → {}", own_tools.join(", "))),
        None => {}
    }
    cut(line, HEADLINE_MAX)
}

fn cut(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut at = max - '…'.len_utf8();
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        text.truncate(at);
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(messages: &[&str]) -> RequestShape {
        read_request(messages, false, Some("The test fails because the fixture is stale"), &[])
    }

    const USER: &str = r#"{"role":"user","content":"fix the test"}"#;
    const CALLS: &str = r#"{"role":"assistant","content":[{"type":"text","text":"Running it."},{"type":"tool_use","id":"t1","name":"Bash","input":{}},{"type":"tool_use","id":"t2","name":"Edit","input":{}}]}"#;
    const RESULTS: &str = r#"{"role":"user","content":[{"type":"tool_result","tool_use_id":"t2","content":"ok","is_error":false},{"type":"tool_result","tool_use_id":"t1","content":"boom","is_error":true}]}"#;

    #[test]
    fn a_tool_loop_turn_names_its_results_and_its_own_answer() {
        let read = shape(&[USER, CALLS, RESULTS]);
        assert_eq!(read.trailing, Trailing::ToolResults);
        assert_eq!(read.replied, 2);
        assert_eq!(
            read.headline.as_deref(),
            Some("↩ Edit ✓, Bash ✗ → \"The test fails because the fixture is stale\"")
        );
        assert!(is_assistant(read.marks[1]) && !is_assistant(read.marks[0]) && !is_assistant(read.marks[2]));
    }

    #[test]
    fn a_turn_without_a_response_shows_the_tools_it_calls() {
        let read = read_request(&[USER, CALLS, RESULTS], false, None, &["Read".into()]);
        assert_eq!(read.headline.as_deref(), Some("↩ Edit ✓, Bash ✗ → Read"));
    }

    #[test]
    fn openai_shaped_tool_messages_are_tool_results() {
        let call = r#"{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"weather","arguments":"{}"}}]}"#;
        let result = r#"{"role":"tool","tool_call_id":"c1","content":"-3 C"}"#;
        let read = read_request(&[USER, call, result], false, Some("Cold."), &[]);
        assert_eq!(read.headline.as_deref(), Some("↩ weather → \"Cold.\""));
    }

    #[test]
    fn a_prompt_after_the_reply_is_a_prompt_turn() {
        let read = shape(&[USER, CALLS, RESULTS, r#"{"role":"assistant","content":"done"}"#, USER]);
        assert_eq!((read.trailing, read.replied, read.headline), (Trailing::Prompt, 4, None));
        let read = read_request(&[], true, None, &[]);
        assert_eq!(read.trailing, Trailing::Prompt);
        assert_eq!(read_request(&[], false, None, &[]).trailing, Trailing::Nothing);
    }

    #[test]
    fn equal_prefixes_have_equal_marks_and_an_edit_changes_every_later_one() {
        let a = shape(&[USER, CALLS, RESULTS]);
        let edited = shape(&[r#"{"role":"user","content":"fix the tests"}"#, CALLS, RESULTS]);
        let same = shape(&[USER, CALLS, RESULTS, USER]);
        assert_eq!(a.marks[..], same.marks[..3]);
        assert!(a.marks.iter().zip(&edited.marks).all(|(x, y)| x != y));
    }

    #[test]
    fn long_messages_are_told_apart_by_length_and_samples() {
        let long = "x".repeat(100_000);
        let longer = "x".repeat(100_001);
        assert_ne!(fingerprint(long.as_bytes()), fingerprint(longer.as_bytes()));
        assert_eq!(fingerprint(long.as_bytes()), fingerprint(long.clone().as_bytes()));
        let mut edited_end = long.clone();
        edited_end.replace_range(99_990..99_991, "z");
        assert_ne!(fingerprint(long.as_bytes()), fingerprint(edited_end.as_bytes()));
    }

    #[test]
    fn long_headlines_are_cut() {
        let many: Vec<ShownResult> = (0..40).map(|_| ShownResult { tool: "Tool", failed: Some(false) }).collect();
        assert_eq!(compose_headline(&many, None, &[]), "↩ Tool ✓×40");
        let response = "word ".repeat(60);
        let line = compose_headline(&many[..1], Some(&response), &[]);
        assert!(line.len() <= HEADLINE_MAX && line.ends_with('…'), "{line}");
    }
}
