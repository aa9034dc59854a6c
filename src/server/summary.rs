//! The summary form of a stored record for `GET /interactions`: every stored field in stored
//! order (unknown fields too), without the four bulky ones, plus `response_chars`.
//!
//! Fields are copied as raw JSON text rather than parsed into values, so a summary costs one
//! scan of the line and no re-serialisation of nested objects.

use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::store::Snippet;

/// Left out of summaries: they are what makes a record big.
const OMITTED: [&str; 4] = ["response", "messages", "system_prompt", "context_pack"];
const RESPONSE_CHARS: &str = "response_chars";
/// A keyword search's snippet: where the record matched (docs/http.md).
const SNIPPET: &str = "snippet";

/// Appends the summary of one stored line (a JSON object) to `out`.
pub(crate) fn write_summary(
    stored_line: &[u8],
    snippet: Option<&Snippet>,
    out: &mut Vec<u8>,
) -> Result<(), serde_json::Error> {
    let RawFields(fields) = serde_json::from_slice(stored_line)?;
    let mut response_chars = 0usize;
    out.push(b'{');
    for (key, value) in &fields {
        if key == "response" {
            response_chars = count_chars(value);
        }
        if OMITTED.contains(&key.as_str()) || key == RESPONSE_CHARS || (snippet.is_some() && key == SNIPPET) {
            continue;
        }
        serde_json::to_writer(&mut *out, key)?;
        out.push(b':');
        out.extend_from_slice(value.get().as_bytes());
        out.push(b',');
    }
    if let Some(snippet) = snippet {
        serde_json::to_writer(&mut *out, SNIPPET)?;
        out.push(b':');
        serde_json::to_writer(&mut *out, &snippet_json(snippet))?;
        out.push(b',');
    }
    out.extend_from_slice(format!("\"{RESPONSE_CHARS}\":{response_chars}}}").as_bytes());
    Ok(())
}

/// A keyword search's snippet with its matches as character offsets (what most JSON readers
/// index strings by), not the bytes the store counts.
fn snippet_json(snippet: &Snippet) -> serde_json::Value {
    let chars = |byte: usize| snippet.text[..byte].chars().count();
    let matched: Vec<[usize; 2]> = snippet.matched.iter().map(|&(from, to)| [chars(from), chars(to)]).collect();
    serde_json::json!({ "text": snippet.text, "matched": matched })
}

/// Characters (Unicode scalar values) of a string; 0 for `null` or any non-string.
fn count_chars(value: &RawValue) -> usize {
    serde_json::from_str::<String>(value.get()).map(|text| text.chars().count()).unwrap_or(0)
}

/// A JSON object's members in document order, values left as raw text.
struct RawFields<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for RawFields<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldsVisitor<'a>(std::marker::PhantomData<&'a ()>);

        impl<'de: 'a, 'a> Visitor<'de> for FieldsVisitor<'a> {
            type Value = RawFields<'a>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(24));
                while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                    fields.push(entry);
                }
                Ok(RawFields(fields))
            }
        }

        deserializer.deserialize_map(FieldsVisitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(line: &str) -> serde_json::Value {
        let mut out = Vec::new();
        write_summary(line.as_bytes(), None, &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn bulky_fields_go_and_response_chars_comes() {
        let line = r#"{"id":"a","timestamp":"2026-11-21T10:00:00.000Z","prompt":"hi","system_prompt":"s","messages":[{"role":"user","content":"hi"}],"response":"héllo \"x\"","context_pack":{"k":1},"usage":{"input_tokens":3},"x_custom":[1,2]}"#;
        let got = summary(line);
        assert_eq!(
            got,
            serde_json::json!({"id":"a","timestamp":"2026-11-21T10:00:00.000Z","prompt":"hi","usage":{"input_tokens":3},"x_custom":[1,2],"response_chars":9})
        );
        let keys: Vec<_> = got.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["id", "timestamp", "prompt", "usage", "x_custom", "response_chars"]);
    }

    #[test]
    fn no_response_counts_zero() {
        assert_eq!(summary(r#"{"id":"a","timestamp":"t","response":null}"#)["response_chars"], 0);
        assert_eq!(summary(r#"{"id":"a","timestamp":"t"}"#)["response_chars"], 0);
    }

    #[test]
    fn a_stored_response_chars_field_does_not_duplicate_the_key() {
        let mut out = Vec::new();
        write_summary(br#"{"id":"a","response_chars":99,"response":"abc"}"#, None, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), r#"{"id":"a","response_chars":3}"#);
    }

    #[test]
    fn escaped_keys_stay_valid_json() {
        assert_eq!(summary(r#"{"id":"a","we\"ird":1}"#)["we\"ird"], 1);
    }
}
