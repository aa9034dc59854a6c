//! JSON that serde_json refuses but a reader should still read: lone UTF-16 surrogate escapes
//! (`\ud800` without its pair: what JavaScript and Python write when a cut splits an emoji),
//! read as U+FFFD, and numbers too large for an `f64` (`1e400`), kept as their text in a string.

use std::borrow::Cow;

/// Both repairs; borrowed when there is nothing to repair.
pub fn lenient_json(json: &str) -> Cow<'_, str> {
    match replace_lone_surrogates(json) {
        Cow::Borrowed(_) => quote_overflowing_numbers(json),
        Cow::Owned(repaired) => Cow::Owned(quote_overflowing_numbers(&repaired).into_owned()),
    }
}

/// Number literals outside strings that overflow an `f64`, turned into strings of their text.
pub fn quote_overflowing_numbers(json: &str) -> Cow<'_, str> {
    let bytes = json.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'"' => at = string_end(bytes, at),
            b'-' | b'0'..=b'9' => {
                let end = at
                    + bytes[at..]
                        .iter()
                        .take_while(|b| matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
                        .count();
                let token = &json[at..end];
                if token.parse::<f64>().is_ok_and(f64::is_infinite) {
                    let out = out.get_or_insert_with(|| String::with_capacity(json.len() + 2));
                    out.push_str(&json[copied..at]);
                    out.push('"');
                    out.push_str(token);
                    out.push('"');
                    copied = end;
                }
                at = end;
            }
            _ => at += 1,
        }
    }
    match out {
        Some(mut out) => {
            out.push_str(&json[copied..]);
            Cow::Owned(out)
        }
        None => Cow::Borrowed(json),
    }
}

/// The index just past the string starting at `start` (a quote).
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut at = start + 1;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            b'"' => return at + 1,
            _ => at += 1,
        }
    }
    bytes.len()
}

/// The JSON text with every escape of a lone surrogate replaced by `\ufffd`; borrowed when
/// there is none. Escapes only occur inside strings, so a plain scan of `\` pairs is exact.
pub fn replace_lone_surrogates(json: &str) -> Cow<'_, str> {
    let bytes = json.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut at = 0;
    while let Some(found) = memchr_backslash(&bytes[at..]) {
        at += found;
        if bytes.get(at + 1) != Some(&b'u') {
            at += 2;
            continue;
        }
        let Some(unit) = hex4(bytes, at + 2) else {
            at += 2;
            continue;
        };
        let paired = (0xD800..0xDC00).contains(&unit)
            && bytes.get(at + 6) == Some(&b'\\')
            && bytes.get(at + 7) == Some(&b'u')
            && hex4(bytes, at + 8).is_some_and(|low| (0xDC00..0xE000).contains(&low));
        if paired {
            at += 12;
        } else if (0xD800..0xE000).contains(&unit) {
            let out = out.get_or_insert_with(|| String::with_capacity(json.len()));
            out.push_str(&json[copied..at]);
            out.push_str("\\ufffd");
            at += 6;
            copied = at;
        } else {
            at += 6;
        }
    }
    match out {
        Some(mut out) => {
            out.push_str(&json[copied..]);
            Cow::Owned(out)
        }
        None => Cow::Borrowed(json),
    }
}

fn memchr_backslash(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\\')
}

fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = bytes.get(at..at + 4)?;
    let text = std::str::from_utf8(digits).ok()?;
    u32::from_str_radix(text, 16).ok().filter(|_| digits.iter().all(u8::is_ascii_hexdigit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogates_become_replacement_characters_and_pairs_stay() {
        assert_eq!(replace_lone_surrogates(r#""a\ud800b""#), r#""a\ufffdb""#);
        assert_eq!(replace_lone_surrogates(r#""\udc00""#), r#""\ufffd""#);
        assert_eq!(replace_lone_surrogates(r#""\ud83d\ude00""#), r#""\ud83d\ude00""#);
        assert_eq!(replace_lone_surrogates(r#""\ud83d\u0041""#), r#""\ufffd\u0041""#);
        assert_eq!(replace_lone_surrogates(r#""\\ud800""#), r#""\\ud800""#, "an escaped backslash is not an escape");
        assert_eq!(replace_lone_surrogates(r#""end\ud8"#), r#""end\ud8"#);
        assert!(matches!(replace_lone_surrogates(r#"{"a":"\u00e9"}"#), Cow::Borrowed(_)));
        let value: String = serde_json::from_str(&replace_lone_surrogates(r#""x\ud800""#)).unwrap();
        assert_eq!(value, "x\u{fffd}");
    }

    #[test]
    fn numbers_too_large_for_a_double_become_their_text() {
        assert_eq!(
            quote_overflowing_numbers(r#"{"a":1e400,"b":"1e400","c":[-2E+999,3]}"#),
            r#"{"a":"1e400","b":"1e400","c":["-2E+999",3]}"#
        );
        assert!(matches!(quote_overflowing_numbers(r#"{"a":1e300,"b":"x\"1e999"}"#), Cow::Borrowed(_)));
        let repaired = lenient_json(r#"{"a":1e400,"s":"\ud800"}"#);
        assert_eq!(repaired, r#"{"a":"1e400","s":"\ufffd"}"#);
    }
}
