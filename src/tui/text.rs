//! Record text made ready for a terminal: every pane's record text goes through [`Doc`] (multi-line)
//! or [`fit`] (cells), both of which sanitise through `tui::untrusted`, and long text is wrapped
//! lazily: a [`DocLayout`] knows how many rows each line takes, and only the visible rows are cut.

use std::ops::Range;

use unicode_width::UnicodeWidthChar;

use crate::textfmt::cut_to_width;
pub use crate::textfmt::display_width;
use crate::tui::untrusted;

/// Longer logical lines are split into pieces of this many chars, so that cutting the visible rows
/// out of a 10 MB single-line response never walks more than one piece.
const MAX_PIECE_CHARS: usize = 4096;

/// The first `max_width` columns of record text, sanitised to one line, with `…` when cut.
pub fn fit(text: &str, max_width: usize) -> String {
    cut_to_width(&untrusted::line(text), max_width)
}

/// How a line is shown; the theme maps it to a style.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Body,
    Heading,
    Dim,
    User,
    Assistant,
    System,
    Tool,
    Ok,
    Error,
    Key,
    Json,
}

/// Sections a reader can fold away.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fold {
    /// The system prompt's body.
    System,
    /// Tool call arguments and results under a conversation turn.
    ToolDetail,
    /// A sub-agent's calls under the turn whose tool call started it.
    SubAgent,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DocLine {
    /// Sanitised, without newlines.
    pub text: String,
    pub tone: Tone,
    /// Columns of indentation, kept on wrapped continuation rows.
    pub indent: u16,
    pub fold: Option<Fold>,
}

/// A scrollable text made of sanitised lines.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Doc {
    pub lines: Vec<DocLine>,
}

impl Doc {
    pub fn new() -> Doc {
        Doc::default()
    }

    /// Appends record text (sanitised here), one [`DocLine`] per line.
    pub fn text(&mut self, tone: Tone, indent: u16, text: &str) {
        self.text_in(tone, indent, None, text);
    }

    pub fn text_in(&mut self, tone: Tone, indent: u16, fold: Option<Fold>, text: &str) {
        let clean = untrusted::block(text);
        for line in clean.split('\n') {
            self.push_pieces(tone, indent, fold, line);
        }
    }

    /// One line of text the UI wrote itself (labels, headings); still sanitised, as labels often
    /// quote record fields.
    pub fn line(&mut self, tone: Tone, text: &str) {
        self.push_pieces(tone, 0, None, &untrusted::line(text));
    }

    pub fn line_in(&mut self, tone: Tone, indent: u16, fold: Option<Fold>, text: &str) {
        self.push_pieces(tone, indent, fold, &untrusted::line(text));
    }

    pub fn blank(&mut self) {
        self.lines.push(DocLine { text: String::new(), tone: Tone::Body, indent: 0, fold: None });
    }

    pub fn blank_in(&mut self, fold: Option<Fold>) {
        self.lines.push(DocLine { text: String::new(), tone: Tone::Body, indent: 0, fold });
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    fn push_pieces(&mut self, tone: Tone, indent: u16, fold: Option<Fold>, line: &str) {
        let mut rest = line;
        loop {
            let cut = rest.char_indices().nth(MAX_PIECE_CHARS).map(|(at, _)| at);
            let (piece, tail) = match cut {
                Some(at) => rest.split_at(at),
                None => (rest, ""),
            };
            self.lines.push(DocLine { text: piece.to_owned(), tone, indent, fold });
            if tail.is_empty() {
                break;
            }
            rest = tail;
        }
    }

    /// The plain text (for the clipboard and the pager).
    pub fn plain(&self, hidden: &[Fold]) -> String {
        let mut out = String::new();
        for line in self.lines.iter().filter(|line| !line.fold.is_some_and(|fold| hidden.contains(&fold))) {
            out.extend(std::iter::repeat_n(' ', usize::from(line.indent)));
            out.push_str(&line.text);
            out.push('\n');
        }
        out
    }
}

/// Where each line of a [`Doc`] starts once wrapped at `width`, with some folds hidden.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocLayout {
    pub width: u16,
    pub hidden: Vec<Fold>,
    /// For each line, the row it starts on; hidden lines take no rows.
    starts: Vec<usize>,
    pub total_rows: usize,
}

impl DocLayout {
    pub fn new(doc: &Doc, width: u16, hidden: &[Fold]) -> DocLayout {
        let mut starts = Vec::with_capacity(doc.lines.len());
        let mut row = 0;
        for line in &doc.lines {
            starts.push(row);
            if !is_hidden(line, hidden) {
                row += wrap(&line.text, text_width(width, line.indent)).len();
            }
        }
        DocLayout { width, hidden: hidden.to_vec(), starts, total_rows: row }
    }

    /// The row line `index` starts on (for a hidden line, the row it would start on).
    pub fn start_row(&self, index: usize) -> usize {
        self.starts.get(index).copied().unwrap_or(self.total_rows)
    }

    /// True when this layout was made for `doc` at `width` with `hidden` folded.
    pub fn fits(&self, doc: &Doc, width: u16, hidden: &[Fold]) -> bool {
        self.width == width && self.hidden == hidden && self.starts.len() == doc.lines.len()
    }

    /// The rows `first..first + height`: (line index, byte range of its text, first row of the line).
    pub fn rows<'d>(&self, doc: &'d Doc, first: usize, height: usize) -> Vec<VisibleRow<'d>> {
        let mut out = Vec::with_capacity(height);
        let mut index = self.starts.partition_point(|&start| start <= first).saturating_sub(1);
        while out.len() < height && index < doc.lines.len() {
            let line = &doc.lines[index];
            if !is_hidden(line, &self.hidden) {
                let start = self.starts[index];
                for (n, range) in wrap(&line.text, text_width(self.width, line.indent)).into_iter().enumerate() {
                    if start + n >= first && out.len() < height {
                        out.push(VisibleRow { line, text: &line.text[range], continuation: n > 0 });
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
    pub text: &'d str,
    pub continuation: bool,
}

fn is_hidden(line: &DocLine, hidden: &[Fold]) -> bool {
    line.fold.is_some_and(|fold| hidden.contains(&fold))
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
        doc.text(Tone::Body, 0, &"x".repeat(10_000));
        doc.text(Tone::Body, 0, "tail");
        let layout = DocLayout::new(&doc, 100, &[]);
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
        doc.line(Tone::Heading, "head");
        doc.text_in(Tone::Body, 2, Some(Fold::System), "a\nb\nc");
        doc.line(Tone::Body, "after");
        assert_eq!(DocLayout::new(&doc, 40, &[Fold::System]).total_rows, 2);
        assert_eq!(DocLayout::new(&doc, 40, &[]).total_rows, 5);
    }

    #[test]
    fn control_characters_never_survive() {
        let mut doc = Doc::new();
        doc.text(Tone::Body, 0, "a\x1b[2Jb\u{202e}c\r\nd");
        assert_eq!(doc.lines[0].text, "a\\x1b[2Jb\\u{202e}c");
        assert_eq!(doc.lines[1].text, "d");
        assert_eq!(fit("x\ny", 10), "x\\ny");
        assert_eq!(fit("abcdef", 4), "abc…");
    }
}
