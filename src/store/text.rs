//! The searchable text of a record (CONTRACT §3), read from its stored line.

use std::borrow::Cow;

use serde::de::{Deserialize, IgnoredAny, MapAccess};
use serde_json::value::RawValue;

use super::fold::fold_into;
use super::lenient::{visit_array, visit_object, FieldSink, Object, Scalar};
use super::search::Terms;

/// Reusable buffers for checking records against terms.
#[derive(Default)]
pub(crate) struct TextFields {
    folded: String,
    found: Vec<bool>,
}

impl TextFields {
    /// Whether every term occurs in one of the line's text fields.
    pub fn matches(&mut self, line: &[u8], terms: &Terms) -> bool {
        let Ok(text) = std::str::from_utf8(line) else { return false };
        let mut pieces = Pieces::default();
        let mut deserializer = serde_json::Deserializer::from_str(text);
        if visit_object(&mut deserializer, &mut pieces).is_err() {
            return false;
        }
        self.found.clear();
        self.found.resize(terms.len(), false);
        let mut missing = terms.len();
        for piece in &pieces.0 {
            fold_into(piece, &mut self.folded);
            for (i, found) in self.found.iter_mut().enumerate() {
                if !*found && terms.found_in(i, &self.folded) {
                    *found = true;
                    missing -= 1;
                }
            }
            if missing == 0 {
                return true;
            }
        }
        false
    }
}

/// Text pieces of one JSON value.
#[derive(Default)]
struct Pieces<'a>(Vec<Cow<'a, str>>);

impl<'a> Pieces<'a> {
    fn string(&mut self, value: Scalar<'a>) {
        if let Scalar::Str(text) = value {
            self.0.push(text);
        }
    }

    /// Any JSON value as JSON text (tool inputs and arguments); escaped text is decoded first.
    fn json_text(&mut self, raw: &'a RawValue) {
        let text = raw.get();
        if text.contains("\\u") {
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
                self.0.push(Cow::Owned(value.to_string()));
            }
        } else {
            self.0.push(Cow::Borrowed(text));
        }
    }
}

/// Top-level fields.
impl<'de> FieldSink<'de> for Pieces<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "prompt" | "response" | "response_summary" | "system_prompt" | "error" | "model" => {
                self.string(map.next_value()?)
            }
            "tags" => {
                let StringList(tags) = map.next_value()?;
                self.0.extend(tags);
            }
            "messages" => {
                let List(messages) = map.next_value::<List<MessageText>>()?;
                self.0.extend(messages.into_iter().flat_map(|m| m.0 .0 .0));
            }
            "tool_calls" => {
                let List(calls) = map.next_value::<List<ToolCallText>>()?;
                self.0.extend(calls.into_iter().flat_map(|c| c.0 .0 .0));
            }
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// The objects of an array, each read with `S`.
struct List<S>(Vec<Object<S>>);

impl<'de, S: FieldSink<'de> + Default> Deserialize<'de> for List<S> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut items = Vec::new();
        visit_array(deserializer, |item: Object<S>| items.push(item))?;
        Ok(List(items))
    }
}

struct StringList<'a>(Vec<Cow<'a, str>>);

impl<'de> Deserialize<'de> for StringList<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut items = Vec::new();
        visit_array(deserializer, |item: Scalar<'de>| {
            if let Scalar::Str(text) = item {
                items.push(text);
            }
        })?;
        Ok(StringList(items))
    }
}

/// A message: its string content, or its content blocks.
#[derive(Default)]
struct MessageText<'a>(Pieces<'a>);

impl<'de> FieldSink<'de> for MessageText<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        if key == "content" {
            let Content(pieces) = map.next_value()?;
            self.0 .0.extend(pieces);
        } else {
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

/// Content: a string, or blocks (text blocks' text, tool_use names and inputs, tool_result
/// contents, themselves a string or blocks).
struct Content<'a>(Vec<Cow<'a, str>>);

impl<'de> Deserialize<'de> for Content<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(deserializer)?;
        let mut pieces = Pieces::default();
        if raw.get().starts_with('"') {
            pieces.string(serde_json::from_str(raw.get()).map_err(serde::de::Error::custom)?);
        } else if raw.get().starts_with('[') {
            let List(blocks) = serde_json::from_str::<List<BlockText>>(raw.get()).map_err(serde::de::Error::custom)?;
            pieces.0.extend(blocks.into_iter().flat_map(|b| b.0 .0 .0));
        }
        Ok(Content(pieces.0))
    }
}

#[derive(Default)]
struct BlockText<'a>(Pieces<'a>);

impl<'de> FieldSink<'de> for BlockText<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "text" | "name" => self.0.string(map.next_value()?),
            "input" => self.0.json_text(map.next_value()?),
            "content" => {
                let Content(pieces) = map.next_value()?;
                self.0 .0.extend(pieces);
            }
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// A tool call: name, arguments as JSON text, result.
#[derive(Default)]
struct ToolCallText<'a>(Pieces<'a>);

impl<'de> FieldSink<'de> for ToolCallText<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "name" | "result" => self.0.string(map.next_value()?),
            "arguments" => self.0.json_text(map.next_value()?),
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}
