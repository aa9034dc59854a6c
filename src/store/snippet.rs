//! Where a keyword search matched a record: a one-line cut of the first text field a term was
//! found in, around that hit, with every term occurrence in it marked (docs/format.md §3).

use memchr::memmem;

use super::fold::fold;
use super::terms::Terms;

/// Characters of context kept before the first hit.
const BEFORE: usize = 30;
/// The longest snippet, in characters (the `…` marks aside).
pub const SNIPPET_CHARS: usize = 100;

/// A cut of a record's text around a keyword hit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snippet {
    /// On one line: each run of white space or control characters is one space; `…` marks an
    /// end that was cut. Otherwise the record's text as it is: sanitise it before display.
    pub text: String,
    /// Byte ranges of `text` where a term matched, in order, not overlapping.
    pub matched: Vec<(usize, usize)>,
}

/// The snippet of `field` for `terms`; `None` when no term occurs in it.
pub(crate) fn cut(field: &str, terms: &Terms) -> Option<Snippet> {
    let flat = flatten(field);
    let (folded, owner) = folded_with_owners(&flat);
    let mut hits: Vec<(usize, usize)> = Vec::new();
    for term in terms.folded().filter(|t| !t.is_empty()) {
        for at in memmem::find_iter(folded.as_bytes(), term) {
            hits.push((owner[at] as usize, owner[at + term.len() - 1] as usize + 1));
        }
    }
    hits.sort_unstable();
    let first = hits.first()?.0;
    let start = first.saturating_sub(BEFORE);
    let end = (start + SNIPPET_CHARS).min(flat.len());
    let mut text = String::new();
    if start > 0 {
        text.push('…');
    }
    // Byte offset in `text` of each char of the window, and of its end.
    let mut at = Vec::with_capacity(end - start + 1);
    for &c in &flat[start..end] {
        at.push(text.len());
        text.push(c);
    }
    at.push(text.len());
    if end < flat.len() {
        text.push('…');
    }
    let mut matched: Vec<(usize, usize)> = Vec::new();
    for (from, to) in hits.into_iter().filter(|&(from, to)| from < end && to > start) {
        let (from, to) = (at[from.max(start) - start], at[to.min(end) - start]);
        match matched.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => matched.push((from, to)),
        }
    }
    Some(Snippet { text, matched })
}

/// The text's chars with white space and control characters collapsed to single spaces.
fn flatten(text: &str) -> Vec<char> {
    let mut flat = Vec::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_whitespace() || c.is_control() {
            if flat.last() != Some(&' ') {
                flat.push(' ');
            }
        } else {
            flat.push(c);
        }
    }
    flat
}

/// The chars case-folded as the search folds them, and for each folded byte the index of the
/// char it came from.
fn folded_with_owners(chars: &[char]) -> (String, Vec<u32>) {
    let mut folded = String::with_capacity(chars.len());
    let mut owner = Vec::with_capacity(chars.len());
    let mut buf = [0u8; 4];
    for (i, &c) in chars.iter().enumerate() {
        let before = folded.len();
        if c.is_ascii() {
            folded.push(c.to_ascii_lowercase());
        } else {
            folded.push_str(&fold(c.encode_utf8(&mut buf)));
        }
        owner.resize(owner.len() + folded.len() - before, i as u32);
    }
    (folded, owner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snippet(field: &str, query: &str) -> Option<Snippet> {
        cut(field, &Terms::new(query))
    }

    fn marked(snippet: &Snippet) -> Vec<&str> {
        snippet.matched.iter().map(|&(from, to)| &snippet.text[from..to]).collect()
    }

    #[test]
    fn a_short_field_is_whole_and_every_occurrence_is_marked() {
        let s = snippet("The Deadlock\nin\tthe   refund job: deadlock again", "deadlock").unwrap();
        assert_eq!(s.text, "The Deadlock in the refund job: deadlock again");
        assert_eq!(marked(&s), ["Deadlock", "deadlock"]);
    }

    #[test]
    fn a_long_field_is_cut_around_the_first_hit() {
        let field = format!("{} needle {}", "a ".repeat(200), "b ".repeat(200));
        let s = snippet(&field, "needle").unwrap();
        assert!(s.text.starts_with('…') && s.text.ends_with('…'), "{:?}", s.text);
        let needle = s.text.find("needle").unwrap();
        assert_eq!(s.text[..needle].chars().count(), 1 + BEFORE, "the context before it is kept");
        assert_eq!(s.text.chars().count(), SNIPPET_CHARS + 2);
        assert_eq!(marked(&s), ["needle"]);
    }

    #[test]
    fn folding_marks_the_original_characters() {
        let s = snippet("Die Straße ist STRASSE; ſtraße", "strasse").unwrap();
        assert_eq!(marked(&s), ["Straße", "STRASSE", "ſtraße"]);
        assert!(snippet("nothing here", "absent").is_none());
    }

    #[test]
    fn control_characters_never_stay_in_a_snippet() {
        let s = snippet("evil\u{1b}[2Jterm\u{7}inal", "term").unwrap();
        assert!(!s.text.chars().any(char::is_control), "{:?}", s.text);
        assert_eq!(marked(&s), ["term"]);
    }
}
