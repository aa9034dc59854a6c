//! Search inside the document on screen (the detail's tab or the conversation's transcript):
//! every hit of every term, case-insensitively, in document order, and the row each starts on
//! once wrapped, so that `n`/`N` can scroll to it and the view can paint it.

use std::ops::Range;

use crate::present::doc::{decorated, is_hidden, Doc, Folds};
use crate::present::layout::{wrap, DocLayout};

/// Rows kept above a hit scrolled to, so it is read in its context.
const CONTEXT_ROWS: usize = 2;

/// Where a find came from: typed in the pane (`/`), or the list's keyword search, which follows
/// the record on screen and lands on its first hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Typed,
    Keyword,
}

/// The document a find looks in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Detail,
    Conversation,
}

/// One hit: the document line, and the bytes that matched of its text as shown (decorated: a
/// heading's rules included), so they line up with what the screen draws.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub line: usize,
    pub bytes: Range<usize>,
}

/// Which document the hits were counted in, so they are counted again when it changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counted {
    pub doc: usize,
    pub hidden: Folds,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Find {
    pub text: String,
    pub origin: Origin,
    pub pane: Pane,
    /// The find line has the keyboard.
    pub editing: bool,
    pub hits: Vec<Hit>,
    /// Index into `hits` of the one `n`/`N` moved to.
    pub current: usize,
    pub counted: Option<Counted>,
}

impl Find {
    pub fn typed(pane: Pane) -> Find {
        Find {
            text: String::new(),
            origin: Origin::Typed,
            pane,
            editing: true,
            hits: Vec::new(),
            current: 0,
            counted: None,
        }
    }

    /// The list's keyword search, as the find in the record shown.
    pub fn keyword(text: &str) -> Find {
        Find { text: text.to_owned(), origin: Origin::Keyword, editing: false, ..Find::typed(Pane::Detail) }
    }

    /// Submitted with something to look for.
    pub fn is_active(&self) -> bool {
        !self.editing && !terms(&self.text).is_empty()
    }

    /// `hit 3/17`, `no hits`, or nothing while typing.
    pub fn describe(&self) -> Option<String> {
        // Nothing counted yet (the record is still loading): say nothing rather than "no hits".
        if !self.is_active() || self.counted.is_none() {
            return None;
        }
        Some(match self.hits.len() {
            // The list's keyword search may have matched a folded part (the system prompt, history).
            0 => format!("\"{}\" not in what is shown", self.text.trim()),
            total => format!("hit {}/{total}", self.current + 1),
        })
    }

    /// Counts the hits in `doc` again (lines hidden by `hidden` folds have none).
    pub fn count(&mut self, doc: &Doc, hidden: &Folds, key: usize) {
        self.hits = if self.editing { Vec::new() } else { hits(doc, hidden, &terms(&self.text)) };
        self.current = self.current.min(self.hits.len().saturating_sub(1));
        self.counted = Some(Counted { doc: key, hidden: hidden.clone() });
    }

    pub fn is_counted_for(&self, key: usize, hidden: &Folds) -> bool {
        self.counted.as_ref().is_some_and(|counted| counted.doc == key && &counted.hidden == hidden)
    }

    /// Moves to the next (`forward`) or previous hit, wrapping around.
    pub fn step(&mut self, forward: bool) {
        let total = self.hits.len();
        if total > 0 {
            self.current = if forward { (self.current + 1) % total } else { (self.current + total - 1) % total };
        }
    }

    /// The first hit at or below `row` (the top of the view), so a search starts where the reader is.
    pub fn start_at(&mut self, doc: &Doc, layout: &DocLayout, row: usize) {
        self.current = self.hits.iter().position(|hit| hit_row(doc, layout, hit) >= row).unwrap_or(0);
    }

    pub fn current_hit(&self) -> Option<&Hit> {
        self.hits.get(self.current)
    }
}

/// The words looked for (like the list's keyword search: every term on its own).
pub fn terms(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_lowercase).collect()
}

/// Every hit of any term, in document order; overlapping hits are kept once.
pub fn hits(doc: &Doc, hidden: &Folds, terms: &[String]) -> Vec<Hit> {
    let mut out = Vec::new();
    if terms.is_empty() {
        return out;
    }
    for (index, line) in doc.lines.iter().enumerate() {
        if is_hidden(line, hidden) {
            continue;
        }
        let shown = decorated(&line.kind, &line.text);
        let mut found: Vec<Range<usize>> = terms.iter().flat_map(|term| matches(&shown, term)).collect();
        found.sort_by_key(|range| (range.start, std::cmp::Reverse(range.end)));
        let mut end = 0;
        for bytes in found {
            if bytes.start >= end {
                end = bytes.end;
                out.push(Hit { line: index, bytes });
            }
        }
    }
    out
}

/// Byte ranges of `text` that equal `term` (already lower case) case-insensitively.
fn matches(text: &str, term: &str) -> Vec<Range<usize>> {
    let needle: Vec<char> = term.chars().collect();
    let Some(&first) = needle.first() else { return Vec::new() };
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let lower = |c: char| c.to_lowercase().next().unwrap_or(c);
    let mut out = Vec::new();
    let mut n = 0;
    while n + needle.len() <= chars.len() {
        if lower(chars[n].1) == first && needle.iter().enumerate().all(|(k, &c)| lower(chars[n + k].1) == c) {
            let end = chars.get(n + needle.len()).map_or(text.len(), |&(at, _)| at);
            out.push(chars[n].0..end);
            n += needle.len();
        } else {
            n += 1;
        }
    }
    out
}

/// The row (of the wrapped document) a hit starts on.
pub fn hit_row(doc: &Doc, layout: &DocLayout, hit: &Hit) -> usize {
    let line = &doc.lines[hit.line];
    let start = layout.row_of(hit.line).unwrap_or(layout.total_rows);
    let rows = wrap(&decorated(&line.kind, &line.text), usize::from(layout.width.saturating_sub(line.indent)).max(1));
    start + rows.iter().rposition(|range| range.start <= hit.bytes.start).unwrap_or(0)
}

/// The scroll offset that shows `hit` near the top of a view `height` rows tall.
pub fn scroll_to(doc: &Doc, layout: &DocLayout, hit: &Hit, height: usize) -> usize {
    let max = layout.total_rows.saturating_sub(height);
    hit_row(doc, layout, hit).saturating_sub(CONTEXT_ROWS).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::present::doc::{Fold, Tone};

    fn doc(lines: &[&str]) -> Doc {
        let mut doc = Doc::new();
        for line in lines {
            doc.prose(Tone::Body, 2, None, line);
        }
        doc
    }

    #[test]
    fn every_term_case_insensitively_in_document_order() {
        let doc = doc(&["Needle in a haystack", "no match", "two needles, NEEDLE", "Straße STRASSE"]);
        let found = hits(&doc, &Folds::open(), &terms("needle hay"));
        let places: Vec<_> = found.iter().map(|hit| (hit.line, hit.bytes.clone())).collect();
        assert_eq!(places, vec![(0, 0..6), (0, 12..15), (2, 4..10), (2, 13..19)]);
        assert_eq!(hits(&doc, &Folds::open(), &terms("straße")).len(), 1, "multi-byte text matches by chars");
        assert!(hits(&doc, &Folds::open(), &terms("  ")).is_empty());
    }

    #[test]
    fn hidden_lines_have_no_hits_and_rows_count_wrapping() {
        let mut doc = doc(&["first"]);
        let system = doc.new_fold(Fold::System);
        doc.prose(Tone::Body, 0, Some(system), "needle hidden");
        doc.prose(Tone::Body, 0, None, &format!("{} needle", "word ".repeat(10)));
        assert_eq!(hits(&doc, &Folds::closed(&[Fold::System]), &terms("needle")).len(), 1);
        let layout = DocLayout::new(&doc, 20, &Folds::closed(&[Fold::System]));
        let hit = hits(&doc, &Folds::closed(&[Fold::System]), &terms("needle")).remove(0);
        assert_eq!(hit.line, 2);
        assert_eq!(hit_row(&doc, &layout, &hit), 1 + 2, "the third wrapped row of the line under `first`");
    }

    #[test]
    fn a_heading_is_matched_as_drawn() {
        let mut doc = Doc::new();
        doc.heading(2, Tone::Heading, "Turn 1 · needle");
        let hit = hits(&doc, &Folds::open(), &terms("needle")).remove(0);
        assert_eq!(&decorated(&doc.lines[0].kind, &doc.lines[0].text)[hit.bytes], "needle");
    }

    #[test]
    fn stepping_wraps_around_and_describes_itself() {
        let doc = doc(&["a x", "b x", "c x"]);
        let mut find = Find::keyword("x");
        find.count(&doc, &Folds::open(), 1);
        assert_eq!(find.describe().as_deref(), Some("hit 1/3"));
        find.step(false);
        assert_eq!(find.describe().as_deref(), Some("hit 3/3"));
        find.step(true);
        assert_eq!(find.current, 0);
        let mut none = Find::keyword("zzz");
        none.count(&doc, &Folds::open(), 1);
        assert_eq!(none.describe().as_deref(), Some("\"zzz\" not in what is shown"));
    }
}
