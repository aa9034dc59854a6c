//! Serde building blocks that read one JSON value leniently and borrow from the line when they can.
//!
//! A reader never fails a record over a field of an unexpected type (docs/format.md §2 keeps such fields
//! among the unknown ones), so every type here accepts any JSON value and keeps only what it needs.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A string borrowed from the line when it has no escapes, owned otherwise.
pub(crate) struct Text<'a>(pub Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// Any JSON value, keeping a string or an unsigned integer and skipping the rest.
#[derive(Default)]
pub(crate) enum Scalar<'a> {
    Str(Cow<'a, str>),
    Unsigned(u64),
    #[default]
    Null,
    Other,
}

impl<'a> Scalar<'a> {
    /// The string when it is a non-empty one (absent, `null` and `""` mean the same).
    pub fn non_empty_str(&self) -> Option<&str> {
        match self {
            Scalar::Str(text) if !text.is_empty() => Some(text),
            _ => None,
        }
    }

    pub fn unsigned(&self) -> Option<u64> {
        match self {
            Scalar::Unsigned(n) => Some(*n),
            _ => None,
        }
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::Unsigned(v))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Other)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Other)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Other)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
}

impl<'de> Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

/// The visit methods of a visitor that handles only arrays: every other value is skipped.
macro_rules! skip_all_but_arrays {
    ($de:lifetime) => {
        fn visit_map<A: serde::de::MapAccess<$de>>(self, mut map: A) -> Result<(), A::Error> {
            while map.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
            Ok(())
        }
        fn visit_borrowed_str<E>(self, _: &$de str) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
    };
}
pub(crate) use skip_all_but_arrays;

/// Visits an array's elements with `each`, or skips any other value.
pub(crate) fn visit_array<'de, D, T, F>(deserializer: D, each: F) -> Result<(), D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
    F: FnMut(T),
{
    struct ArrayVisitor<F, T>(F, std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>, F: FnMut(T)> Visitor<'de> for ArrayVisitor<F, T> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
            while let Some(item) = seq.next_element::<T>()? {
                (self.0)(item);
            }
            Ok(())
        }
        skip_all_but_arrays!('de);
    }
    deserializer.deserialize_any(ArrayVisitor(each, std::marker::PhantomData))
}

/// Receives an object's fields one by one; `field` must consume the value (`map.next_value`).
pub(crate) trait FieldSink<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error>;
}

/// Feeds an object's fields to `sink`; any other value is skipped. Returns whether it was an object.
pub(crate) fn visit_object<'de, D: Deserializer<'de>, S: FieldSink<'de>>(
    deserializer: D,
    sink: &mut S,
) -> Result<bool, D::Error> {
    struct ObjectVisitor<'s, S>(&'s mut S);
    impl<'de, S: FieldSink<'de>> Visitor<'de> for ObjectVisitor<'_, S> {
        type Value = bool;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
            while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
                self.0.field(&key, &mut map)?;
            }
            Ok(true)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(false)
        }
        fn visit_borrowed_str<E>(self, _: &'de str) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_str<E>(self, _: &str) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_unit<E>(self) -> Result<bool, E> {
            Ok(false)
        }
    }
    deserializer.deserialize_any(ObjectVisitor(sink))
}

/// Adapts a `FieldSink` to `Deserialize` so it can be a map value or an array element.
pub(crate) struct Object<S>(pub S);

impl<'de, S: FieldSink<'de> + Default> Deserialize<'de> for Object<S> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut sink = S::default();
        visit_object(deserializer, &mut sink)?;
        Ok(Object(sink))
    }
}

/// The first non-blank line of a JSON string literal given as raw JSON text, decoded and cut to at
/// most `max_bytes` bytes; `None` when the raw value is not a string or has no non-blank line.
///
/// Decoding only the start of the literal keeps indexing from unescaping whole prompts.
pub(crate) fn first_line_of_raw_string(raw: &str, max_bytes: usize) -> Option<String> {
    let body = raw.strip_prefix('"')?;
    let mut line = String::new();
    let mut rest = body;
    let mut scanned = 0usize;
    loop {
        // Plain text up to the next escape or the closing quote is copied as it is.
        let plain = memchr::memchr2(b'\\', b'"', rest.as_bytes()).unwrap_or(rest.len());
        let room = max_bytes.saturating_sub(line.len());
        if plain > room {
            let mut cut = room;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            line.push_str(&rest[..cut]);
            break;
        }
        line.push_str(&rest[..plain]);
        scanned += plain;
        rest = &rest[plain..];
        let mut chars = rest.chars();
        let decoded = match chars.next() {
            None | Some('"') => break,
            Some(_) => match chars.next()? {
                'n' | 'r' => '\n',
                't' => '\t',
                'b' => '\u{8}',
                'f' => '\u{c}',
                'u' => decode_unicode_escape(&mut chars)?,
                other => other,
            },
        };
        scanned += rest.len() - chars.as_str().len();
        rest = chars.as_str();
        if decoded == '\n' {
            if !line.trim().is_empty() {
                break;
            }
            line.clear();
            if scanned > 64 * 1024 {
                return None;
            }
            continue;
        }
        if line.len() + decoded.len_utf8() > max_bytes {
            break;
        }
        line.push(decoded);
    }
    let trimmed = line.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

fn decode_unicode_escape(chars: &mut std::str::Chars) -> Option<char> {
    let high = hex4(chars)?;
    if (0xD800..0xDC00).contains(&high) {
        let mut lookahead = chars.clone();
        if lookahead.next() == Some('\\') && lookahead.next() == Some('u') {
            if let Some(low) = hex4(&mut lookahead) {
                if (0xDC00..0xE000).contains(&low) {
                    *chars = lookahead;
                    let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                    return char::from_u32(code);
                }
            }
        }
        return Some(char::REPLACEMENT_CHARACTER);
    }
    Some(char::from_u32(high).unwrap_or(char::REPLACEMENT_CHARACTER))
}

fn hex4(chars: &mut std::str::Chars) -> Option<u32> {
    let mut value = 0u32;
    for _ in 0..4 {
        value = value * 16 + chars.next()?.to_digit(16)?;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::first_line_of_raw_string as first;

    #[test]
    fn first_line_is_decoded_trimmed_and_cut_on_a_character() {
        assert_eq!(first(r#""  hello \"you\"\nsecond""#, 120).as_deref(), Some(r#"hello "you""#));
        assert_eq!(first(r#""\n \t\n caf\u00e9 \ud83d\ude00 end""#, 120).as_deref(), Some("café 😀 end"));
        assert_eq!(first(r#""ééééé""#, 5).as_deref(), Some("éé"));
        assert_eq!(first(r#""abc\ndef""#, 2).as_deref(), Some("ab"));
        assert_eq!(first(r#""\n\n""#, 120), None);
        assert_eq!(first("42", 120), None);
    }
}
