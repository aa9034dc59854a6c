//! Secrets inside recorded text: API keys, access keys, bearer tokens and private key blocks are
//! replaced by [`REDACTED`] before a record is written.
//!
//! A hand-written matcher rather than regexes: the writer-only build stays free of a regex engine,
//! and one pass over the bytes with a first-byte table costs little next to serialising the record
//! (docs/BENCHMARKS.md, Writer). Every rule is ASCII, so every cut falls on a character boundary.

use std::borrow::Cow;

use serde_json::Value;

use crate::record::{ContentBlock, InteractionRecord, MessageContent};

/// What a secret is replaced by.
pub const REDACTED: &str = "[REDACTED]";

/// The rules in force: the built-in ones (unless turned off) and literal prefixes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Redactor {
    builtin: bool,
    /// Each prefix, and the token characters that follow it, is a secret.
    prefixes: Vec<String>,
    /// Bytes that can start a match: a quick refusal for every other byte of the text.
    starts: StartSet,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct StartSet([bool; 256]);

impl Default for StartSet {
    fn default() -> Self {
        StartSet([false; 256])
    }
}

/// The first bytes of the built-in rules: `sk-`, `AKIA`/`ASIA`, `AIza`, `gh?_`/`github_pat_`,
/// `xox?-`, `Bearer`, `-----BEGIN`.
const BUILTIN_STARTS: &[u8] = b"sAgxBb-";

impl Redactor {
    /// `builtin`: apply the built-in rules; `prefixes`: extra literal prefixes (blank ones are ignored).
    pub fn new(builtin: bool, prefixes: &[String]) -> Self {
        let prefixes: Vec<String> = prefixes.iter().filter(|p| !p.trim().is_empty()).cloned().collect();
        let mut starts = StartSet::default();
        if builtin {
            for &byte in BUILTIN_STARTS {
                starts.0[usize::from(byte)] = true;
            }
        }
        for prefix in &prefixes {
            starts.0[usize::from(prefix.as_bytes()[0])] = true;
        }
        Redactor { builtin, prefixes, starts }
    }

    /// Whether any rule is in force.
    pub fn is_active(&self) -> bool {
        self.builtin || !self.prefixes.is_empty()
    }

    /// The text with every secret replaced; borrowed when there is none.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let bytes = text.as_bytes();
        let mut out = String::new();
        let mut copied = 0;
        let mut at = 0;
        while let Some(candidate) = self.next_candidate(bytes, at) {
            match self.match_at(bytes, candidate) {
                Some(secret) => {
                    out.push_str(&text[copied..secret.start]);
                    out.push_str(REDACTED);
                    copied = secret.end;
                    at = secret.end;
                }
                None => at = candidate + 1,
            }
        }
        if copied == 0 {
            Cow::Borrowed(text)
        } else {
            out.push_str(&text[copied..]);
            Cow::Owned(out)
        }
    }

    /// Whether the text holds a secret.
    pub fn finds(&self, text: &str) -> bool {
        let bytes = text.as_bytes();
        let mut at = 0;
        while let Some(candidate) = self.next_candidate(bytes, at) {
            if self.match_at(bytes, candidate).is_some() {
                return true;
            }
            at = candidate + 1;
        }
        false
    }

    /// The next position from `from` where a rule may match: a start byte at a word boundary
    /// (or a `-`, which may open a PEM block anywhere). This loop is the whole cost for text
    /// without secrets, so it is one table lookup a byte.
    fn next_candidate(&self, bytes: &[u8], from: usize) -> Option<usize> {
        let mut after_token = from > 0 && TOKEN[usize::from(bytes[from - 1])];
        for (offset, &byte) in bytes.get(from..)?.iter().enumerate() {
            if self.starts.0[usize::from(byte)] && (!after_token || byte == b'-') {
                return Some(from + offset);
            }
            after_token = TOKEN[usize::from(byte)];
        }
        None
    }

    fn match_at(&self, bytes: &[u8], at: usize) -> Option<std::ops::Range<usize>> {
        let boundary = at == 0 || !is_token_byte(bytes[at - 1]);
        let rest = &bytes[at..];
        if self.builtin {
            if let Some(range) = builtin_match(rest, boundary) {
                return Some(at + range.start..at + range.end);
            }
        }
        if boundary {
            for prefix in &self.prefixes {
                if rest.starts_with(prefix.as_bytes()) {
                    return Some(at..at + prefix.len() + run(&rest[prefix.len()..], is_token_byte));
                }
            }
        }
        None
    }

    /// Redacts every text of the record in place (prompt, system prompt, response, summary,
    /// error, messages, tool inputs, arguments and results, context pack, unknown fields);
    /// returns whether anything changed.
    pub fn redact_record(&self, record: &mut InteractionRecord) -> bool {
        let mut changed = false;
        let mut fix = |text: &mut String| {
            if let Cow::Owned(clean) = self.redact(text) {
                *text = clean;
                changed = true;
            }
        };
        each_text_mut(record, &mut fix);
        changed
    }

    /// Whether any text of the record holds a secret (no copy is made).
    pub fn finds_in_record(&self, record: &InteractionRecord) -> bool {
        self.is_active() && any_text(record, &mut |text| self.finds(text))
    }
}

/// Letters, digits and the punctuation keys and tokens are made of.
fn is_token_byte(byte: u8) -> bool {
    TOKEN[usize::from(byte)]
}

const TOKEN: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
        byte += 1;
    }
    table
};

/// Bearer tokens may also hold base64 and URL-safe punctuation.
fn is_bearer_byte(byte: u8) -> bool {
    is_token_byte(byte) || matches!(byte, b'.' | b'~' | b'+' | b'/' | b'=')
}

fn run(bytes: &[u8], class: impl Fn(u8) -> bool) -> usize {
    bytes.iter().take_while(|&&b| class(b)).count()
}

/// A built-in rule matching at the start of `rest`: the range of the secret within `rest`.
fn builtin_match(rest: &[u8], boundary: bool) -> Option<std::ops::Range<usize>> {
    if rest.starts_with(b"-----BEGIN ") {
        return private_key_block(rest).map(|end| 0..end);
    }
    if !boundary {
        return None;
    }
    let keyed = |prefix: &[u8], min: usize, class: fn(u8) -> bool| -> Option<usize> {
        let body = rest.strip_prefix(prefix)?;
        let len = run(body, class);
        (len >= min).then_some(prefix.len() + len)
    };
    let end = match rest[0] {
        // Anthropic (`sk-ant-api03-…`, OAuth `sk-ant-oat01-…`) and OpenAI (`sk-proj-…`, `sk-…`).
        b's' => keyed(b"sk-", 20, is_token_byte).filter(|&end| rest[3..end].iter().any(u8::is_ascii_digit)),
        b'A' => aws_access_key(rest).or_else(|| keyed(b"AIza", 35, is_token_byte)),
        b'g' => ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]
            .iter()
            .find_map(|p| keyed(p.as_bytes(), 30, |b| b.is_ascii_alphanumeric()))
            .or_else(|| keyed(b"github_pat_", 20, is_token_byte)),
        b'x' => ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-"]
            .iter()
            .find_map(|p| keyed(p.as_bytes(), 10, is_token_byte)),
        b'B' | b'b' => return bearer_token(rest),
        _ => None,
    };
    end.map(|end| 0..end)
}

/// `AKIA`/`ASIA`/`ABIA`/`ACCA` and 16 upper-case letters or digits, standing alone.
fn aws_access_key(rest: &[u8]) -> Option<usize> {
    const LEN: usize = 20;
    let head = rest.get(..4)?;
    if !matches!(head, b"AKIA" | b"ASIA" | b"ABIA" | b"ACCA") {
        return None;
    }
    let body = rest.get(4..LEN)?;
    let alone = rest.get(LEN).is_none_or(|&b| !is_token_byte(b));
    (alone && body.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())).then_some(LEN)
}

/// `Bearer TOKEN` (any case): the token alone is the secret, the word stays.
fn bearer_token(rest: &[u8]) -> Option<std::ops::Range<usize>> {
    const WORD: usize = "bearer".len();
    if !rest.get(..WORD)?.eq_ignore_ascii_case(b"bearer") {
        return None;
    }
    let spaces = run(&rest[WORD..], |b| b == b' ');
    if spaces == 0 {
        return None;
    }
    let start = WORD + spaces;
    let len = run(&rest[start..], is_bearer_byte);
    (len >= 16).then_some(start..start + len)
}

/// A PEM private key block through its END line, or to the end of the text when it is cut off.
fn private_key_block(rest: &[u8]) -> Option<usize> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    const TAIL: &[u8] = b"PRIVATE KEY-----";
    let line_end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    let label = &rest[BEGIN.len()..line_end];
    let label_end = find(label, TAIL)?;
    if label_end > 32 {
        return None;
    }
    let after_begin = BEGIN.len() + label_end + TAIL.len();
    let body = &rest[after_begin..];
    Some(match find(body, b"-----END ") {
        Some(end_at) => {
            let end_line = &body[end_at..];
            after_begin + end_at + find(end_line, TAIL).map_or(end_line.len(), |tail| tail + TAIL.len())
        }
        None => rest.len(),
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// Calls `visit` on every text of the record until it returns true.
fn any_text(record: &InteractionRecord, visit: &mut dyn FnMut(&str) -> bool) -> bool {
    let plain = [&record.prompt, &record.system_prompt, &record.response, &record.response_summary, &record.error];
    if plain.into_iter().flatten().any(|text| visit(text)) {
        return true;
    }
    let in_messages = record.messages.iter().any(|message| {
        let content = match &message.content {
            MessageContent::Text(text) => visit(text),
            MessageContent::Blocks(blocks) => blocks.iter().any(|block| match block {
                ContentBlock::Text { text } => visit(text),
                ContentBlock::ToolUse { input, .. } => any_value_text(input, visit),
                ContentBlock::ToolResult { content, .. } => visit(content),
                ContentBlock::Thinking { thinking } => visit(thinking),
                ContentBlock::Image { .. } => false,
                ContentBlock::Other(value) => any_value_text(value, visit),
            }),
        };
        content || message.extra.values().any(|value| any_value_text(value, visit))
    });
    in_messages
        || record.tool_calls.iter().any(|call| {
            call.arguments.as_ref().is_some_and(|args| any_value_text(args, visit))
                || call.result.as_deref().is_some_and(&mut *visit)
                || call.extra.values().any(|value| any_value_text(value, visit))
        })
        || record.context_pack.as_ref().is_some_and(|pack| any_value_text(pack, visit))
        || record.extra.values().any(|value| any_value_text(value, visit))
}

fn any_value_text(value: &Value, visit: &mut dyn FnMut(&str) -> bool) -> bool {
    match value {
        Value::String(text) => visit(text),
        Value::Array(items) => items.iter().any(|item| any_value_text(item, visit)),
        Value::Object(map) => map.values().any(|item| any_value_text(item, visit)),
        _ => false,
    }
}

/// Calls `fix` on every text [`any_text`] visits.
fn each_text_mut(record: &mut InteractionRecord, fix: &mut dyn FnMut(&mut String)) {
    let plain = [
        &mut record.prompt,
        &mut record.system_prompt,
        &mut record.response,
        &mut record.response_summary,
        &mut record.error,
    ];
    plain.into_iter().flatten().for_each(&mut *fix);
    for message in &mut record.messages {
        match &mut message.content {
            MessageContent::Text(text) => fix(text),
            MessageContent::Blocks(blocks) => blocks.iter_mut().for_each(|block| match block {
                ContentBlock::Text { text } => fix(text),
                ContentBlock::ToolUse { input, .. } => each_value_text_mut(input, fix),
                ContentBlock::ToolResult { content, .. } => fix(content),
                ContentBlock::Thinking { thinking } => fix(thinking),
                ContentBlock::Image { .. } => {}
                ContentBlock::Other(value) => each_value_text_mut(value, fix),
            }),
        }
        message.extra.values_mut().for_each(|value| each_value_text_mut(value, fix));
    }
    for call in &mut record.tool_calls {
        if let Some(args) = call.arguments.as_mut() {
            each_value_text_mut(args, fix);
        }
        if let Some(result) = call.result.as_mut() {
            fix(result);
        }
        call.extra.values_mut().for_each(|value| each_value_text_mut(value, fix));
    }
    if let Some(pack) = record.context_pack.as_mut() {
        each_value_text_mut(pack, fix);
    }
    record.extra.values_mut().for_each(|value| each_value_text_mut(value, fix));
}

fn each_value_text_mut(value: &mut Value, fix: &mut dyn FnMut(&mut String)) {
    match value {
        Value::String(text) => fix(text),
        Value::Array(items) => items.iter_mut().for_each(|item| each_value_text_mut(item, fix)),
        Value::Object(map) => map.values_mut().for_each(|item| each_value_text_mut(item, fix)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> Redactor {
        Redactor::new(true, &[])
    }

    fn redacted(text: &str) -> String {
        builtin().redact(text).into_owned()
    }

    #[test]
    fn provider_keys_are_replaced() {
        let anthropic = "key sk-ant-api03-AbCdEf0123456789_xyzXYZ-0123456789abcdef done";
        assert_eq!(redacted(anthropic), "key [REDACTED] done");
        assert_eq!(redacted("OPENAI_API_KEY=sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12"), "OPENAI_API_KEY=[REDACTED]");
        assert_eq!(redacted("id AKIAIOSFODNN7EXAMPLE."), "id [REDACTED].");
        assert_eq!(redacted("AIzaSyA1234567890abcdefghijklmnopqrstuv"), "[REDACTED]");
        assert_eq!(redacted("t=ghp_0123456789abcdefghijABCDEFGHIJ0123"), "t=[REDACTED]");
        assert_eq!(redacted("xoxb-1234567890-abcdefghij"), "[REDACTED]");
    }

    #[test]
    fn bearer_keeps_the_word_and_drops_the_token() {
        assert_eq!(
            redacted("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-_=="),
            "Authorization: Bearer [REDACTED]"
        );
        assert_eq!(redacted("the bearer of bad news"), "the bearer of bad news");
    }

    #[test]
    fn private_key_blocks_go_whole() {
        let text = "before\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE KEY-----\nafter";
        assert_eq!(redacted(text), "before\n[REDACTED]\nafter");
        let cut = "x -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk";
        assert_eq!(redacted(cut), "x [REDACTED]");
        let public = "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----";
        assert_eq!(redacted(public), public);
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        for text in [
            "task-runner-for-the-whole-build-system",
            "ask-me-anything-about-the-weather-today",
            "sk-short",
            "AKIA is not a key",
            "MASIAIOSFODNN7EXAMPLE",
            "AKIAIOSFODNN7EXAMPLEX",
            "héllo wörld 🙂",
        ] {
            assert!(matches!(builtin().redact(text), Cow::Borrowed(_)), "{text}");
            assert!(!builtin().finds(text), "{text}");
        }
    }

    #[test]
    fn extra_prefixes_and_turning_builtins_off() {
        let custom = Redactor::new(false, &["corp_".to_owned(), " ".to_owned()]);
        assert_eq!(custom.redact("a corp_abc123 b").as_ref(), "a [REDACTED] b");
        assert_eq!(custom.redact("sk-ant-api03-AbCdEf0123456789_xyz").as_ref(), "sk-ant-api03-AbCdEf0123456789_xyz");
        assert!(!Redactor::new(false, &[]).is_active());
    }

    #[test]
    fn records_are_redacted_in_every_text() {
        let secret = "sk-ant-api03-AbCdEf0123456789_xyzXYZ";
        let mut record = InteractionRecord::new(format!("use {secret}"));
        record.response = Some(secret.to_owned());
        record.tool_calls.push(crate::record::ToolCallRecord {
            name: "bash".into(),
            arguments: Some(serde_json::json!({"cmd": ["export", secret]})),
            ..Default::default()
        });
        record.extra.insert("note".into(), Value::String(secret.into()));
        let redactor = builtin();
        assert!(redactor.finds_in_record(&record));
        assert!(redactor.redact_record(&mut record));
        assert!(!record.to_json().contains(secret));
        assert!(!redactor.finds_in_record(&record));
    }
}
