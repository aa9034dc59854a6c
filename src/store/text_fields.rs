//! Checking a stored line's text fields (docs/format.md §3) against search terms.
//!
//! Each text field is checked as soon as the parser reaches it, and parsing stops once every
//! term was found, so a match in the prompt costs only the bytes up to it. Fields are taken raw
//! (as JSON text slices of the line). A string field without `\u` escapes is matched against a
//! term of plain characters on the already lowered line, without decoding or folding: literally,
//! and around each character that folds into the term's letters; otherwise it is decoded and
//! folded.

use std::fmt;

use serde::de::{Deserialize, DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::fold::fold_into;
use super::lenient::{skip_all_but_arrays, visit_object, FieldSink};
use super::terms::Terms;
use crate::record::lenient_json;

/// The message that stops the parser when every term was found.
const ALL_FOUND: &str = "all terms found";

/// Reusable buffers for checking lines against terms.
#[derive(Default)]
pub(crate) struct TextFields {
    folded: String,
    found: Vec<bool>,
}

impl TextFields {
    /// Whether every term occurs in one of the line's text fields; `lowered` is the line with
    /// ASCII lowered. The first `history` request messages (re-sent from the previous turn) are
    /// not looked at.
    pub(crate) fn matches(&mut self, line: &[u8], lowered: &[u8], terms: &Terms, history: u32) -> bool {
        self.check(line, lowered, terms, history, false).0
    }

    /// Whether every term occurs, and the decoded text of the first field a term was found in
    /// (for a snippet).
    pub(crate) fn locate(&mut self, line: &[u8], lowered: &[u8], terms: &Terms, history: u32) -> Option<String> {
        match self.check(line, lowered, terms, history, true) {
            (true, text) => text,
            (false, _) => None,
        }
    }

    fn check(
        &mut self,
        line: &[u8],
        lowered: &[u8],
        terms: &Terms,
        history: u32,
        locate: bool,
    ) -> (bool, Option<String>) {
        self.found.clear();
        self.found.resize(terms.len(), false);
        let mut checker = Checker {
            terms,
            line,
            lowered,
            found: &mut self.found,
            missing: terms.len(),
            folded: &mut self.folded,
            history,
            locate,
            first_hit: None,
        };
        let mut deserializer = serde_json::Deserializer::from_slice(line);
        let _ = visit_object(&mut deserializer, &mut TopLevel(&mut checker));
        (checker.missing == 0, checker.first_hit)
    }
}

struct Checker<'c> {
    terms: &'c Terms,
    line: &'c [u8],
    lowered: &'c [u8],
    found: &'c mut Vec<bool>,
    missing: usize,
    folded: &'c mut String,
    /// Leading request messages to skip.
    history: u32,
    /// Keep the decoded text of the first field a term is found in.
    locate: bool,
    first_hit: Option<String>,
}

impl Checker<'_> {
    /// Checks one piece of decoded text; `Err` stops the parse when every term has been found.
    fn text<E: serde::de::Error>(&mut self, text: &str) -> Result<(), E> {
        let haystack: &[u8] = match lowered_slice(self.line, self.lowered, text) {
            Some(lowered) => lowered,
            None => {
                fold_into(text, self.folded);
                self.folded.as_bytes()
            }
        };
        let terms = self.terms;
        let missing = self.missing;
        let result = mark(self.found, &mut self.missing, |i| terms.found_in(i, haystack));
        if self.missing < missing {
            self.hit(|| text.to_owned());
        }
        result
    }

    /// Remembers the first field a term was found in, when locating.
    fn hit(&mut self, text: impl FnOnce() -> String) {
        if self.locate && self.first_hit.is_none() {
            self.first_hit = Some(text());
        }
    }

    /// A value that is text when it is a string (raw JSON, a slice of the line).
    fn raw_string<E: serde::de::Error>(&mut self, raw: &RawValue) -> Result<(), E> {
        let text = raw.get();
        if !text.starts_with('"') {
            return Ok(());
        }
        let Some(lowered) = lowered_of(self.line, self.lowered, &text[1..text.len() - 1]) else {
            return Ok(());
        };
        let terms = self.terms;
        let mut decoded = false;
        for i in 0..self.found.len() {
            if self.found[i] {
                continue;
            }
            let hit = match terms.found_in_raw(i, lowered) {
                Some(found) => found,
                None => {
                    if !decoded {
                        decoded = true;
                        match serde_json::from_str::<std::borrow::Cow<str>>(&lenient_json(text)) {
                            Ok(text) => fold_into(&text, self.folded),
                            Err(_) => self.folded.clear(),
                        }
                    }
                    terms.found_in(i, self.folded.as_bytes())
                }
            };
            if hit {
                self.found[i] = true;
                self.missing -= 1;
                self.hit(|| serde_json::from_str::<String>(&lenient_json(text)).unwrap_or_default());
            }
        }
        if self.missing == 0 {
            return Err(E::custom(ALL_FOUND));
        }
        Ok(())
    }

    /// Any JSON value as JSON text (tool inputs and arguments); escaped text is decoded first.
    fn raw_json<E: serde::de::Error>(&mut self, raw: &RawValue) -> Result<(), E> {
        let text = raw.get();
        if text.contains("\\u") {
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(&lenient_json(text)) {
                return self.text(&value.to_string());
            }
        }
        self.text(text)
    }
}

/// Marks the terms `found_in` says were found; `Err` once every term has been.
fn mark<E: serde::de::Error>(
    found: &mut [bool],
    missing: &mut usize,
    found_in: impl Fn(usize) -> bool,
) -> Result<(), E> {
    for (i, found) in found.iter_mut().enumerate() {
        if !*found && found_in(i) {
            *found = true;
            *missing -= 1;
        }
    }
    if *missing == 0 {
        return Err(E::custom(ALL_FOUND));
    }
    Ok(())
}

/// The lowered bytes of `text`, a slice of `line`.
fn lowered_of<'c>(line: &[u8], lowered: &'c [u8], text: &str) -> Option<&'c [u8]> {
    let start = (text.as_ptr() as usize).checked_sub(line.as_ptr() as usize)?;
    let end = start.checked_add(text.len())?;
    if end > line.len() {
        return None;
    }
    lowered.get(start..end)
}

/// The lowered bytes of `text` when it is ASCII and a slice of `line` (lowering is then its
/// case folding).
fn lowered_slice<'c>(line: &[u8], lowered: &'c [u8], text: &str) -> Option<&'c [u8]> {
    if !text.is_ascii() {
        return None;
    }
    lowered_of(line, lowered, text)
}

/// Top-level fields.
struct TopLevel<'a, 'c>(&'a mut Checker<'c>);

impl<'de> FieldSink<'de> for TopLevel<'_, '_> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        let checker = &mut *self.0;
        match key {
            "prompt" | "response" | "response_summary" | "system_prompt" | "error" | "model" => {
                let raw: &RawValue = map.next_value()?;
                checker.raw_string(raw)
            }
            "tags" => map.next_value_seed(Each(checker, Part::Tag)),
            "messages" => map.next_value_seed(Each(checker, Part::Message)),
            "tool_calls" => map.next_value_seed(Each(checker, Part::ToolCall)),
            _ => map.next_value::<IgnoredAny>().map(|_| ()),
        }
    }
}

/// What the elements of an array are.
#[derive(Clone, Copy)]
enum Part {
    Tag,
    Message,
    Block,
    ToolCall,
}

/// One value of a text-bearing part: a string tag, or an object read with [`Fields`].
struct One<'a, 'c>(&'a mut Checker<'c>, Part);

impl<'de> DeserializeSeed<'de> for One<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        match self.1 {
            Part::Tag => {
                let raw = <&RawValue>::deserialize(deserializer)?;
                self.0.raw_string(raw)
            }
            part => visit_object(deserializer, &mut Fields(self.0, part)).map(|_| ()),
        }
    }
}

/// Every element of an array (any other value is skipped).
struct Each<'a, 'c>(&'a mut Checker<'c>, Part);

impl<'de> DeserializeSeed<'de> for Each<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Each<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if let Part::Message = self.1 {
            // History re-sent from the previous turn is not this record's own content.
            for _ in 0..self.0.history {
                if seq.next_element::<IgnoredAny>()?.is_none() {
                    return Ok(());
                }
            }
        }
        while seq.next_element_seed(One(&mut *self.0, self.1))?.is_some() {}
        Ok(())
    }
    skip_all_but_arrays!('de);
}

/// Content: a string, or content blocks.
struct Content<'a, 'c>(&'a mut Checker<'c>);

impl<'de> DeserializeSeed<'de> for Content<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let raw = <&RawValue>::deserialize(deserializer)?;
        if raw.get().starts_with('[') {
            // The blocks are parsed from the same bytes, so their fields stay slices of the line.
            let mut blocks = serde_json::Deserializer::from_str(raw.get());
            return match Each(self.0, Part::Block).deserialize(&mut blocks) {
                Err(error) if error.to_string().starts_with(ALL_FOUND) => Err(D::Error::custom(ALL_FOUND)),
                _ => Ok(()),
            };
        }
        self.0.raw_string(raw)
    }
}

/// The text fields of a message, a content block or a tool call.
struct Fields<'a, 'c>(&'a mut Checker<'c>, Part);

impl<'de> FieldSink<'de> for Fields<'_, '_> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        let checker = &mut *self.0;
        match (self.1, key) {
            (Part::Message, "content") | (Part::Block, "content") => map.next_value_seed(Content(checker)),
            (Part::Block, "text" | "name") | (Part::ToolCall, "name" | "result") => {
                let raw: &RawValue = map.next_value()?;
                checker.raw_string(raw)
            }
            (Part::Block, "input") | (Part::ToolCall, "arguments") => {
                let raw: &RawValue = map.next_value()?;
                checker.raw_json(raw)
            }
            _ => map.next_value::<IgnoredAny>().map(|_| ()),
        }
    }
}
