//! Unicode case folding for keyword search, and the raw-byte fragments that let a scan skip lines
//! that cannot match.

use std::collections::HashSet;
use std::sync::OnceLock;

use caseless::Caseless;

/// Folds `text` into `out` (cleared first): ASCII by lowering, the rest with Unicode case folding.
pub(crate) fn fold_into(text: &str, out: &mut String) {
    out.clear();
    out.reserve(text.len());
    let facts = facts();
    let mut rest = text;
    while !rest.is_empty() {
        let ascii_run = rest.bytes().position(|b| !b.is_ascii()).unwrap_or(rest.len());
        let start = out.len();
        out.push_str(&rest[..ascii_run]);
        // Only ASCII was pushed since `start`, so lowering those bytes keeps the string valid.
        out[start..].make_ascii_lowercase();
        rest = &rest[ascii_run..];
        let mut chars = rest.chars();
        let Some(c) = chars.next() else { break };
        if facts.folds(c) {
            out.extend(std::iter::once(c).default_case_fold());
        } else {
            out.push(c);
        }
        rest = chars.as_str();
    }
}

pub(crate) fn fold(text: &str) -> String {
    let mut out = String::new();
    fold_into(text, &mut out);
    out
}

/// What case folding does outside ASCII, computed once from the folding table.
struct FoldFacts {
    /// Non-ASCII characters that fold to something else or that some other character folds to
    /// (or into): their raw bytes in a record need not equal their folded bytes in a term.
    cased: HashSet<char>,
    /// For each ASCII byte, the non-ASCII characters whose folding contains it (`K` → `k`, `ß` → `ss`).
    folds_into_ascii: Vec<Vec<char>>,
    /// One bit per character below `FOLD_LIMIT`: whether case folding changes it.
    changes: Vec<u64>,
}

/// Every character with a case folding lies below this.
const FOLD_LIMIT: u32 = 0x20000;

impl FoldFacts {
    fn folds(&self, c: char) -> bool {
        let code = c as u32;
        code < FOLD_LIMIT && self.changes[(code / 64) as usize] & (1 << (code % 64)) != 0
    }
}

fn facts() -> &'static FoldFacts {
    static FACTS: OnceLock<FoldFacts> = OnceLock::new();
    FACTS.get_or_init(|| {
        let mut cased = HashSet::new();
        let mut folds_into_ascii = vec![Vec::new(); 128];
        let mut changes = vec![0u64; (FOLD_LIMIT / 64) as usize];
        for c in (0x80u32..FOLD_LIMIT).filter_map(char::from_u32) {
            let folded: Vec<char> = std::iter::once(c).default_case_fold().collect();
            if folded == [c] {
                continue;
            }
            changes[(c as u32 / 64) as usize] |= 1 << (c as u32 % 64);
            cased.insert(c);
            for &f in &folded {
                if f.is_ascii() {
                    let slot: &mut Vec<char> = &mut folds_into_ascii[f as usize];
                    if !slot.contains(&c) {
                        slot.push(c);
                    }
                } else {
                    cased.insert(f);
                }
            }
        }
        FoldFacts { cased, folds_into_ascii, changes }
    })
}

/// The longest run of a folded term that appears byte for byte (ASCII case aside) in any stored
/// line whose text contains the term without JSON escapes, plus the non-ASCII characters that
/// could stand for the run's ASCII letters. Empty when no such run exists.
pub(crate) struct Fragment {
    /// ASCII-lowercase.
    pub text: String,
    pub stand_ins: Vec<char>,
}

pub(crate) fn fragment(folded_term: &str) -> Fragment {
    let facts = facts();
    let usable = |c: char| {
        if c.is_ascii() {
            !c.is_ascii_control() && c != '"' && c != '\\' && c != '/'
        } else {
            !facts.cased.contains(&c)
        }
    };
    let mut best = "";
    let mut run_start = None;
    for (at, c) in folded_term.char_indices().chain(std::iter::once((folded_term.len(), '\0'))) {
        let keep = at < folded_term.len() && usable(c);
        match (keep, run_start) {
            (true, None) => run_start = Some(at),
            (false, Some(start)) => {
                if at - start > best.len() {
                    best = &folded_term[start..at];
                }
                run_start = None;
            }
            _ => {}
        }
    }
    let text = best.to_ascii_lowercase();
    let mut stand_ins = Vec::new();
    for byte in text.bytes().filter(u8::is_ascii) {
        for &c in &facts.folds_into_ascii[byte as usize] {
            if !stand_ins.contains(&c) {
                stand_ins.push(c);
            }
        }
    }
    Fragment { text, stand_ins }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_covers_non_ascii() {
        assert_eq!(fold("CAFÉ"), "café");
        assert_eq!(fold("ΣΊΣΥΦΟΣ"), fold("σίσυφος"));
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("ÀB東京Ωx\u{212A}"), "àb東京ωxk");
        assert_eq!(fold("plain ASCII"), "plain ascii");
    }

    #[test]
    fn fragments_stop_at_cased_non_ascii_and_json_escapes() {
        assert_eq!(fragment("café").text, "caf");
        assert_eq!(fragment("a\"quoted\"b").text, "quoted");
        assert_eq!(fragment(&fold("σίσυφος")).text, "");
        assert_eq!(fragment("東京").text, "東京");
        let strasse = fragment("strasse");
        assert_eq!(strasse.text, "strasse");
        assert!(strasse.stand_ins.contains(&'ß'));
        assert!(strasse.stand_ins.contains(&'ſ'));
        assert!(fragment("kelvin").stand_ins.contains(&'\u{212A}'));
    }
}
