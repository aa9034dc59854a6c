//! Wrapping a [`Doc`] to a width, lazily: a [`DocLayout`] knows how many rows each line takes,
//! and only the visible rows are cut. Used by the ratatui renderer; pure text, no terminal.

use std::borrow::Cow;
use std::ops::Range;

use unicode_width::UnicodeWidthChar;

use super::doc::{decorated, is_hidden, Doc, DocLine, Folds};
use super::text::display_width;

fn shown(line: &DocLine) -> Cow<'_, str> {
    decorated(&line.kind, &line.text)
}

/// Where each line of a [`Doc`] starts once wrapped at `width`, with some folds hidden.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocLayout {
    pub width: u16,
    pub hidden: Folds,
    /// For each line, the row it starts on; hidden lines take no rows.
    starts: Vec<usize>,
    pub total_rows: usize,
}

impl DocLayout {
    pub fn new(doc: &Doc, width: u16, hidden: &Folds) -> DocLayout {
        let mut starts = Vec::with_capacity(doc.lines.len());
        let mut row = 0;
        for line in &doc.lines {
            starts.push(row);
            if !is_hidden(line, hidden) {
                row += wrap(&shown(line), text_width(width, line.indent)).len();
            }
        }
        DocLayout { width, hidden: hidden.clone(), starts, total_rows: row }
    }

    /// True when this layout was made for `doc` at `width` with `hidden` folded.
    pub fn fits(&self, doc: &Doc, width: u16, hidden: &Folds) -> bool {
        self.width == width && &self.hidden == hidden && self.starts.len() == doc.lines.len()
    }

    /// The index of the line shown at `row` (the last line starting at or before it).
    pub fn line_at(&self, row: usize) -> Option<usize> {
        let index = self.starts.partition_point(|&start| start <= row).checked_sub(1)?;
        (row < self.total_rows).then_some(index)
    }

    /// The row line `index` starts on.
    pub fn row_of(&self, index: usize) -> Option<usize> {
        self.starts.get(index).copied()
    }

    /// The rows `first..first + height`.
    pub fn rows<'d>(&self, doc: &'d Doc, first: usize, height: usize) -> Vec<VisibleRow<'d>> {
        let mut out = Vec::with_capacity(height);
        let mut index = self.starts.partition_point(|&start| start <= first).saturating_sub(1);
        while out.len() < height && index < doc.lines.len() {
            let line = &doc.lines[index];
            if !is_hidden(line, &self.hidden) {
                let start = self.starts[index];
                let text = shown(line);
                for (n, range) in wrap(&text, text_width(self.width, line.indent)).into_iter().enumerate() {
                    if start + n >= first && out.len() < height {
                        let piece = match &text {
                            Cow::Borrowed(all) => Cow::Borrowed(&all[range]),
                            Cow::Owned(all) => Cow::Owned(all[range].to_owned()),
                        };
                        out.push(VisibleRow { line, text: piece, continuation: n > 0 });
                    }
                }
            }
            index += 1;
        }
        out
    }
}

pub struct VisibleRow<'d> {
    pub line: &'d DocLine,
    pub text: Cow<'d, str>,
    pub continuation: bool,
}

fn text_width(width: u16, indent: u16) -> usize {
    usize::from(width.saturating_sub(indent)).max(1)
}

/// Greedy word wrap by display width: breaks after the last space that fits, or inside a word
/// longer than the width. An empty line is one empty row.
pub fn wrap(text: &str, width: usize) -> Vec<Range<usize>> {
    let mut rows = Vec::new();
    let mut start = 0;
    let mut col = 0;
    let mut after_space: Option<usize> = None;
    for (at, c) in text.char_indices() {
        let w = c.width().unwrap_or(0);
        if col + w > width && at > start {
            let brk = after_space.filter(|&s| s > start && s <= at).unwrap_or(at);
            rows.push(start..brk);
            start = brk;
            col = display_width(&text[start..at]);
            after_space = None;
        }
        col += w;
        if c == ' ' {
            after_space = Some(at + 1);
        }
    }
    rows.push(start..text.len());
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::present::doc::{Fold, Tone};

    #[test]
    fn wraps_at_spaces_and_inside_long_words() {
        let text = "the quick brown fox";
        let rows: Vec<&str> = wrap(text, 10).into_iter().map(|r| &text[r]).collect();
        assert_eq!(rows, ["the quick ", "brown fox"]);
        let word = "abcdefghij";
        let rows: Vec<&str> = wrap(word, 4).into_iter().map(|r| &word[r]).collect();
        assert_eq!(rows, ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 5), vec![0..0]);
    }

    #[test]
    fn wide_chars_count_twice() {
        let text = "日本語日本語";
        let rows: Vec<&str> = wrap(text, 4).into_iter().map(|r| &text[r]).collect();
        assert_eq!(rows, ["日本", "語日", "本語"]);
    }

    #[test]
    fn layout_finds_rows_in_the_middle_of_long_text() {
        let mut doc = Doc::new();
        doc.prose(Tone::Body, 0, None, &"x".repeat(10_000));
        doc.prose(Tone::Body, 0, None, "tail");
        let layout = DocLayout::new(&doc, 100, &Folds::open());
        // Pieces of 4096 chars wrap to 41 rows each: 41 + 41 + 19, then the tail.
        assert_eq!(layout.total_rows, 102);
        let rows = layout.rows(&doc, 101, 5);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].text, "tail");
        assert!(doc.lines.len() >= 3, "10 000 chars are split into pieces");
    }

    #[test]
    fn folded_lines_take_no_rows() {
        let mut doc = Doc::new();
        doc.heading(2, Tone::Heading, "head");
        let part = doc.new_fold(Fold::System);
        doc.prose(Tone::Body, 2, Some(part), "a\nb\nc");
        doc.label(Tone::Body, 0, None, "after");
        assert_eq!(DocLayout::new(&doc, 40, &Folds::closed(&[Fold::System])).total_rows, 2);
        assert_eq!(DocLayout::new(&doc, 40, &Folds::open()).total_rows, 5);
    }

    #[test]
    fn headings_are_ruled_and_rows_map_back_to_lines() {
        let mut doc = Doc::new();
        doc.heading(2, Tone::Heading, "Turn 1");
        doc.field("model", Tone::Body, "m");
        let layout = DocLayout::new(&doc, 40, &Folds::open());
        let rows: Vec<String> = layout.rows(&doc, 0, 5).into_iter().map(|row| row.text.into_owned()).collect();
        assert_eq!(rows, ["── Turn 1 ──", "model      m"]);
        assert_eq!((layout.line_at(1), layout.line_at(2), layout.row_of(1)), (Some(1), None, Some(1)));
    }

    #[test]
    fn control_characters_never_survive() {
        let mut doc = Doc::new();
        doc.prose(Tone::Body, 0, None, "a\x1b[2Jb\u{202e}c\r\nd");
        assert_eq!(doc.lines[0].text, "a\\x1b[2Jb\\u{202e}c");
        assert_eq!(doc.lines[1].text, "d");
    }
}
