//! Lone UTF-16 surrogate escapes (`\ud800` without its pair): what JavaScript and Python write
//! when a cut splits an emoji. serde_json refuses them; readers take them as U+FFFD instead.

use std::borrow::Cow;

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
}
