//! The semantic document every front end renders: lines that say what they are (a heading, a
//! label of ours, record prose, record code, facts), how they are meant (a [`Tone`], not a
//! colour), how far they are indented, and which [`Fold`] they belong to.
//!
//! This is the one place record text is sanitised on the way to a person: every constructor
//! takes raw text and stores it escaped (`crate::sanitize`), so no renderer can forget to.

use std::borrow::Cow;

use crate::sanitize::{sanitize_block, sanitize_line};

/// Longer logical lines are stored in pieces of this many chars, so that cutting the visible rows
/// out of a 10 MB single-line response never walks more than one piece. Renderers that print
/// whole lines join the pieces again ([`DocLine::joined`]).
const MAX_PIECE_CHARS: usize = 4096;

/// Width of the field labels (`session`, `tokens`, ...) so values line up.
pub const LABEL_WIDTH: usize = 10;

/// What a line means; each renderer maps it to its own emphasis (SGR, ratatui style, Markdown).
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
    /// An identifier the reader may copy (a session id).
    Accent,
}

/// Parts of a document a reader can fold away. A folded part is represented by its summary line,
/// which is not itself in the fold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fold {
    /// The one-line facts a pane shows above an exchange; `show`, which lists them all, folds it.
    Summary,
    /// The system prompt's body.
    System,
    /// Tool call arguments and results under a conversation turn.
    ToolDetail,
    /// A sub-agent's calls under the turn whose tool call started it.
    SubAgent,
}

/// One fact of a facts line: `label` says what it is (Markdown lists it), `literal` that it is
/// an identifier to be shown verbatim (Markdown makes it a code span).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fact {
    pub label: &'static str,
    pub value: String,
    pub literal: bool,
}

impl Fact {
    pub fn new(label: &'static str, value: impl Into<String>) -> Fact {
        Fact { label, value: sanitize_line(&value.into()).into_owned(), literal: false }
    }

    /// An identifier, shown after its label: `id r1`.
    pub fn literal(label: &'static str, value: impl Into<String>) -> Fact {
        Fact { literal: true, ..Fact::new(label, value) }
    }

    /// The fact as a line shows it.
    pub fn shown(&self) -> String {
        if self.literal {
            format!("{} {}", self.label, self.value)
        } else {
            self.value.clone()
        }
    }
}

/// What a line is. Record text is [`Kind::Prose`] or [`Kind::Code`]; the rest is ours.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The document's title, made of facts (`Session s · project · 3 turns`): the first names
    /// the document, the rest describe it. The text is the facts joined.
    Title(Box<[Fact]>),
    /// A section or turn title, `level` 1 (the document's) to 3; renderers decorate it.
    Heading(u8),
    /// A label of ours (`▶ user`, `arguments:`).
    Label,
    /// A remark of ours (`(no response)`).
    Note,
    /// `label  value`: one fact of a facts table.
    Field(&'static str),
    /// Facts joined by ` · ` on one line; the text is their values joined.
    Facts(Box<[Fact]>),
    /// Record text read as prose (prompts, responses).
    Prose,
    /// Record text read as code (JSON, tool output, errors).
    Code,
    Blank,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DocLine {
    /// Sanitised, without newlines.
    pub text: String,
    pub kind: Kind,
    pub tone: Tone,
    /// Columns of indentation, kept on wrapped continuation rows.
    pub indent: u16,
    pub fold: Option<Fold>,
    /// This line continues the previous one (a long line stored in pieces).
    pub joined: bool,
}

/// A document: lines, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Doc {
    pub lines: Vec<DocLine>,
}

impl Doc {
    pub fn new() -> Doc {
        Doc::default()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// A title; `level` 1 is the document's own.
    pub fn heading(&mut self, level: u8, tone: Tone, text: &str) {
        self.push(Kind::Heading(level), tone, 0, None, &sanitize_line(text));
    }

    /// A label of ours; still sanitised, as labels often quote record fields (tool names, ids).
    pub fn label(&mut self, tone: Tone, indent: u16, fold: Option<Fold>, text: &str) {
        self.push(Kind::Label, tone, indent, fold, &sanitize_line(text));
    }

    pub fn note(&mut self, indent: u16, fold: Option<Fold>, text: &str) {
        self.push(Kind::Note, Tone::Dim, indent, fold, &sanitize_line(text));
    }

    /// `label  value`; an empty value leaves nothing (absent is not shown).
    pub fn field(&mut self, label: &'static str, tone: Tone, value: &str) {
        if !value.is_empty() {
            self.push(Kind::Field(label), tone, 0, None, &sanitize_line(value));
        }
    }

    /// Facts on one line, ` · ` between them; none leaves nothing.
    pub fn facts(&mut self, tone: Tone, indent: u16, fold: Option<Fold>, facts: Vec<Fact>) {
        if !facts.is_empty() {
            let text = joined(&facts);
            self.push(Kind::Facts(facts.into_boxed_slice()), tone, indent, fold, &text);
        }
    }

    /// The document's title: what it is (the first fact), then what it holds.
    pub fn title(&mut self, facts: Vec<Fact>) {
        if !facts.is_empty() {
            let text = joined(&facts);
            self.push(Kind::Title(facts.into_boxed_slice()), Tone::Heading, 0, None, &text);
        }
    }

    /// Record prose, one line per line of text.
    pub fn prose(&mut self, tone: Tone, indent: u16, fold: Option<Fold>, text: &str) {
        self.block(Kind::Prose, tone, indent, fold, text);
    }

    /// Record code (JSON, tool output), one line per line of text.
    pub fn code(&mut self, tone: Tone, indent: u16, fold: Option<Fold>, text: &str) {
        self.block(Kind::Code, tone, indent, fold, text);
    }

    pub fn blank(&mut self, fold: Option<Fold>) {
        self.push(Kind::Blank, Tone::Body, 0, fold, "");
    }

    /// Another document's lines, appended.
    pub fn append(&mut self, other: Doc) {
        self.lines.extend(other.lines);
    }

    fn block(&mut self, kind: Kind, tone: Tone, indent: u16, fold: Option<Fold>, text: &str) {
        let clean = sanitize_block(text);
        for line in clean.split('\n') {
            self.push(kind.clone(), tone, indent, fold, line);
        }
    }

    fn push(&mut self, kind: Kind, tone: Tone, indent: u16, fold: Option<Fold>, line: &str) {
        let mut rest = line;
        let mut joined = false;
        loop {
            let cut = rest.char_indices().nth(MAX_PIECE_CHARS).map(|(at, _)| at);
            let (piece, tail) = match cut {
                Some(at) => rest.split_at(at),
                None => (rest, ""),
            };
            self.lines.push(DocLine { text: piece.to_owned(), kind: kind.clone(), tone, indent, fold, joined });
            if tail.is_empty() {
                break;
            }
            joined = true;
            rest = tail;
        }
    }

    /// The lines shown with `hidden` folded, pieces joined: (the first piece's line, whole text).
    pub fn whole_lines<'d>(&'d self, hidden: &'d [Fold]) -> impl Iterator<Item = (&'d DocLine, String)> + 'd {
        let mut lines = self.lines.iter().filter(move |line| !is_hidden(line, hidden)).peekable();
        std::iter::from_fn(move || {
            let first = lines.next()?;
            let mut text = first.text.clone();
            while let Some(next) = lines.next_if(|next| next.joined) {
                text.push_str(&next.text);
            }
            Some((first, text))
        })
    }

    /// The plain text with `hidden` folded (for the clipboard and the pager).
    pub fn plain(&self, hidden: &[Fold]) -> String {
        let mut out = String::new();
        for (line, text) in self.whole_lines(hidden) {
            out.extend(std::iter::repeat_n(' ', usize::from(line.indent)));
            out.push_str(&decorated(&line.kind, &text));
            out.push('\n');
        }
        out
    }
}

fn joined(facts: &[Fact]) -> String {
    facts.iter().map(Fact::shown).collect::<Vec<_>>().join(" · ")
}

/// A line's text as plain text and screens show it: headings below the first level ruled,
/// fields labelled. (The ANSI renderer rules headings to the terminal's width instead.)
pub fn decorated<'a>(kind: &Kind, text: &'a str) -> Cow<'a, str> {
    match kind {
        Kind::Heading(1) => Cow::Borrowed(text),
        Kind::Heading(_) => Cow::Owned(format!("── {text} ──")),
        Kind::Field(label) => Cow::Owned(format!("{label:<LABEL_WIDTH$} {text}")),
        _ => Cow::Borrowed(text),
    }
}

pub fn is_hidden(line: &DocLine, hidden: &[Fold]) -> bool {
    line.fold.is_some_and(|fold| hidden.contains(&fold))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_text_is_sanitised_on_the_way_in() {
        let mut doc = Doc::new();
        doc.field("project", Tone::Body, "a\x1bb");
        doc.prose(Tone::Body, 2, None, "line one\u{202e}\nline two\x07");
        doc.label(Tone::Body, 0, None, "x\ny");
        doc.facts(Tone::Dim, 0, None, vec![Fact::new("model", "m\x1b"), Fact::literal("id", "r\u{202e}")]);
        let texts: Vec<&str> = doc.lines.iter().map(|line| line.text.as_str()).collect();
        assert_eq!(texts, ["a\\x1bb", "line one\\u{202e}", "line two\\x07", "x\\ny", "m\\x1b · id r\\u{202e}"]);
    }

    #[test]
    fn absent_fields_and_facts_leave_no_line() {
        let mut doc = Doc::new();
        doc.field("session", Tone::Accent, "");
        doc.facts(Tone::Dim, 0, None, Vec::new());
        assert!(doc.is_empty());
    }

    #[test]
    fn long_lines_are_stored_in_pieces_and_read_back_whole() {
        let mut doc = Doc::new();
        doc.prose(Tone::Body, 0, None, &"x".repeat(10_000));
        doc.prose(Tone::Body, 0, None, "tail");
        assert_eq!(doc.lines.len(), 4);
        assert!(doc.lines[1].joined && doc.lines[2].joined && !doc.lines[3].joined);
        let whole: Vec<usize> = doc.whole_lines(&[]).map(|(_, text)| text.len()).collect();
        assert_eq!(whole, [10_000, 4]);
    }

    #[test]
    fn folded_lines_are_left_out_of_the_plain_text() {
        let mut doc = Doc::new();
        doc.heading(2, Tone::Heading, "Turn 1");
        doc.code(Tone::Json, 2, Some(Fold::ToolDetail), "{}");
        assert_eq!(doc.plain(&[Fold::ToolDetail]), "── Turn 1 ──\n");
        assert_eq!(doc.plain(&[]), "── Turn 1 ──\n  {}\n");
    }
}
