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

/// The kinds of part a reader can fold away. A folded part is represented by its summary line,
/// which is not itself in the fold. Each part is one [`FoldId`]: a front end folds every part of
/// a kind, and opens or closes one part on its own ([`Folds`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fold {
    /// The one-line facts a pane shows above an exchange; `show`, which lists them all, folds it.
    Summary,
    /// The system prompt's body.
    System,
    /// Tool call arguments and results under a conversation turn.
    ToolDetail,
    /// A sub-agent's calls under the turn whose tool call started it.
    SubAgent,
    /// The leading request messages a turn re-sends from the turns before it.
    History,
}

/// One foldable part of a document: its kind and its number in the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FoldId {
    pub kind: Fold,
    pub n: u32,
}

/// Which parts are folded: every part of the `closed` kinds, except the parts `flipped`, and the
/// `flipped` parts of the other kinds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Folds {
    closed: Vec<Fold>,
    flipped: std::collections::BTreeSet<FoldId>,
}

impl Folds {
    /// Every part of these kinds folded, the rest open.
    pub fn closed(kinds: &[Fold]) -> Folds {
        Folds { closed: kinds.to_vec(), flipped: Default::default() }
    }

    /// Nothing folded.
    pub fn open() -> Folds {
        Folds::default()
    }

    pub fn hides(&self, fold: FoldId) -> bool {
        self.closed.contains(&fold.kind) != self.flipped.contains(&fold)
    }

    /// Opens a folded part, or folds an open one.
    pub fn toggle(&mut self, fold: FoldId) {
        if !self.flipped.remove(&fold) {
            self.flipped.insert(fold);
        }
    }

    /// Folds or opens every part of a kind (forgetting parts toggled on their own).
    pub fn set_kind(&mut self, kind: Fold, folded: bool) {
        self.closed.retain(|&k| k != kind);
        if folded {
            self.closed.push(kind);
        }
        self.flipped.retain(|fold| fold.kind != kind);
    }
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
    /// What a [`Budget`] cut from a text: the line says how much; the text itself is kept as
    /// stored, for the plain text (the pager, the clipboard), and never laid out.
    Cut(Box<str>),
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
    pub fold: Option<FoldId>,
    /// The part this line stands for: shown whether that part is folded or not.
    pub summarises: Option<FoldId>,
    /// This line continues the previous one (a long line stored in pieces).
    pub joined: bool,
}

/// A document: lines, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Doc {
    pub lines: Vec<DocLine>,
    folds: u32,
}

/// How much of a long text a document keeps: a screen cuts a 5 MB response rather than lay it
/// out, and says how to see the rest; `show` and the pager keep everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Lines of one text kept at most (`usize::MAX`: all).
    pub lines: usize,
    /// Bytes of one text kept at most.
    pub bytes: usize,
    /// How the reader sees the rest (`e to page`), said after the cut.
    pub rest: &'static str,
}

impl Budget {
    pub const WHOLE: Budget = Budget { lines: usize::MAX, bytes: usize::MAX, rest: "" };

    /// What a screen lays out of one text: enough to read, little enough to stay fast.
    pub const SCREEN: Budget = Budget { lines: 2_000, bytes: 256 * 1024, rest: "e to page" };

    /// `text` cut to the budget: the kept part and, when something was cut, the note to add and
    /// the rest.
    pub fn cut<'t>(&self, text: &'t str) -> (&'t str, Option<(String, &'t str)>) {
        let by_lines = nth_newline(text, self.lines);
        let mut end = by_lines.unwrap_or(text.len()).min(self.bytes);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        if end >= text.len() {
            return (text, None);
        }
        let rest = &text[end..];
        let lines = rest.trim_start_matches('\n').lines().count().max(1);
        let noun = if lines == 1 { "line" } else { "lines" };
        let size = super::units::bytes(rest.len() as u64);
        let how = if self.rest.is_empty() { String::new() } else { format!("; {}", self.rest) };
        (&text[..end], Some((format!("… {lines} more {noun} ({size}{how})"), rest)))
    }
}

/// The byte offset of the `n`th newline (from 1), if the text has that many.
fn nth_newline(text: &str, n: usize) -> Option<usize> {
    if n == usize::MAX {
        return None;
    }
    text.match_indices('\n').nth(n.checked_sub(1)?).map(|(at, _)| at)
}

impl Doc {
    pub fn new() -> Doc {
        Doc::default()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// A new foldable part of `kind`, numbered in this document.
    pub fn new_fold(&mut self, kind: Fold) -> FoldId {
        self.folds += 1;
        FoldId { kind, n: self.folds }
    }

    /// A title; `level` 1 is the document's own.
    pub fn heading(&mut self, level: u8, tone: Tone, text: &str) {
        self.push(Kind::Heading(level), tone, 0, None, &sanitize_line(text));
    }

    /// A label of ours; still sanitised, as labels often quote record fields (tool names, ids).
    pub fn label(&mut self, tone: Tone, indent: u16, fold: Option<FoldId>, text: &str) {
        self.push(Kind::Label, tone, indent, fold, &sanitize_line(text));
    }

    /// A label that stands for the part `part` (shown whether it is folded or not); itself in
    /// `fold`, the part it belongs to.
    pub fn summary(&mut self, tone: Tone, indent: u16, fold: Option<FoldId>, part: FoldId, text: &str) {
        self.label(tone, indent, fold, text);
        if let Some(line) = self.lines.last_mut() {
            line.summarises = Some(part);
        }
    }

    pub fn note(&mut self, indent: u16, fold: Option<FoldId>, text: &str) {
        self.push(Kind::Note, Tone::Dim, indent, fold, &sanitize_line(text));
    }

    /// `label  value`; an empty value leaves nothing (absent is not shown).
    pub fn field(&mut self, label: &'static str, tone: Tone, value: &str) {
        if !value.is_empty() {
            self.push(Kind::Field(label), tone, 0, None, &sanitize_line(value));
        }
    }

    /// Facts on one line, ` · ` between them; none leaves nothing.
    pub fn facts(&mut self, tone: Tone, indent: u16, fold: Option<FoldId>, facts: Vec<Fact>) {
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
    pub fn prose(&mut self, tone: Tone, indent: u16, fold: Option<FoldId>, text: &str) {
        self.block(Kind::Prose, tone, indent, fold, text);
    }

    /// Record code (JSON, tool output), one line per line of text.
    pub fn code(&mut self, tone: Tone, indent: u16, fold: Option<FoldId>, text: &str) {
        self.block(Kind::Code, tone, indent, fold, text);
    }

    /// Record prose cut to `budget`, with a line saying what was left out.
    pub fn prose_within(&mut self, budget: &Budget, tone: Tone, indent: u16, fold: Option<FoldId>, text: &str) {
        let (kept, rest) = budget.cut(text);
        self.prose(tone, indent, fold, kept);
        self.cut_note(indent, fold, rest);
    }

    /// Record code cut to `budget`, with a line saying what was left out.
    pub fn code_within(&mut self, budget: &Budget, tone: Tone, indent: u16, fold: Option<FoldId>, text: &str) {
        let (kept, rest) = budget.cut(text);
        self.code(tone, indent, fold, kept);
        self.cut_note(indent, fold, rest);
    }

    fn cut_note(&mut self, indent: u16, fold: Option<FoldId>, cut: Option<(String, &str)>) {
        if let Some((note, rest)) = cut {
            self.push(Kind::Cut(rest.into()), Tone::Dim, indent, fold, &note);
        }
    }

    pub fn blank(&mut self, fold: Option<FoldId>) {
        self.push(Kind::Blank, Tone::Body, 0, fold, "");
    }

    /// Another document's lines, appended; its parts are renumbered after this one's.
    pub fn append(&mut self, other: Doc) {
        let shift = |fold: Option<FoldId>, by: u32| fold.map(|f| FoldId { n: f.n + by, ..f });
        let by = self.folds;
        self.folds += other.folds;
        self.lines.extend(other.lines.into_iter().map(|line| DocLine {
            fold: shift(line.fold, by),
            summarises: shift(line.summarises, by),
            ..line
        }));
    }

    fn block(&mut self, kind: Kind, tone: Tone, indent: u16, fold: Option<FoldId>, text: &str) {
        let clean = sanitize_block(text);
        for line in clean.split('\n') {
            self.push(kind.clone(), tone, indent, fold, line);
        }
    }

    fn push(&mut self, kind: Kind, tone: Tone, indent: u16, fold: Option<FoldId>, line: &str) {
        let mut rest = line;
        let mut joined = false;
        loop {
            let cut = rest.char_indices().nth(MAX_PIECE_CHARS).map(|(at, _)| at);
            let (piece, tail) = match cut {
                Some(at) => rest.split_at(at),
                None => (rest, ""),
            };
            let text = piece.to_owned();
            self.lines.push(DocLine { text, kind: kind.clone(), tone, indent, fold, summarises: None, joined });
            if tail.is_empty() {
                break;
            }
            joined = true;
            rest = tail;
        }
    }

    /// The lines shown with `hidden` folded, pieces joined: (the first piece's line, whole text).
    pub fn whole_lines<'d>(&'d self, hidden: &'d Folds) -> impl Iterator<Item = (&'d DocLine, String)> + 'd {
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
    pub fn plain(&self, hidden: &Folds) -> String {
        let mut out = String::new();
        for (line, text) in self.whole_lines(hidden) {
            let pad = " ".repeat(usize::from(line.indent));
            match &line.kind {
                // What was cut from a screen's document is whole in its text.
                Kind::Cut(rest) => {
                    for piece in sanitize_block(rest.trim_start_matches('\n')).lines() {
                        out.push_str(&format!("{pad}{piece}\n"));
                    }
                }
                kind => out.push_str(&format!("{pad}{}\n", decorated(kind, &text))),
            }
        }
        out
    }

    /// The part line `index` stands for or, failing that, the innermost part it is in: what a
    /// fold key on that line opens or closes.
    pub fn fold_at(&self, index: usize) -> Option<FoldId> {
        let line = self.lines.get(index)?;
        line.summarises.or(line.fold)
    }

    /// The line standing for the next part after line `index` (`None`: no more).
    pub fn next_fold(&self, index: usize) -> Option<usize> {
        let from = index.saturating_add(1);
        self.lines.get(from..)?.iter().position(|line| line.summarises.is_some()).map(|at| from + at)
    }

    /// The line standing for the part before line `index`.
    pub fn prev_fold(&self, index: usize) -> Option<usize> {
        self.lines.get(..index.min(self.lines.len()))?.iter().rposition(|line| line.summarises.is_some())
    }

    /// The line standing for `fold`.
    pub fn line_of(&self, fold: FoldId) -> Option<usize> {
        self.lines.iter().position(|line| line.summarises == Some(fold))
    }

    /// The lines that start a session's turns (its second-level headings), in order.
    pub fn turn_lines(&self) -> Vec<usize> {
        self.lines.iter().enumerate().filter(|(_, line)| line.kind == Kind::Heading(2)).map(|(at, _)| at).collect()
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

pub fn is_hidden(line: &DocLine, hidden: &Folds) -> bool {
    line.fold.is_some_and(|fold| hidden.hides(fold))
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
        let whole: Vec<usize> = doc.whole_lines(&Folds::open()).map(|(_, text)| text.len()).collect();
        assert_eq!(whole, [10_000, 4]);
    }

    #[test]
    fn folded_lines_are_left_out_of_the_plain_text() {
        let mut doc = Doc::new();
        doc.heading(2, Tone::Heading, "Turn 1");
        let call = doc.new_fold(Fold::ToolDetail);
        doc.summary(Tone::Tool, 0, None, call, "1. ✓ read");
        doc.code(Tone::Json, 2, Some(call), "{}");
        assert_eq!(doc.plain(&Folds::closed(&[Fold::ToolDetail])), "── Turn 1 ──\n1. ✓ read\n");
        assert_eq!(doc.plain(&Folds::open()), "── Turn 1 ──\n1. ✓ read\n  {}\n");
    }

    #[test]
    fn each_part_folds_on_its_own() {
        let mut doc = Doc::new();
        let parts: Vec<FoldId> = (0..3).map(|_| doc.new_fold(Fold::ToolDetail)).collect();
        for (n, part) in parts.iter().enumerate() {
            doc.summary(Tone::Tool, 0, None, *part, &format!("call {n}"));
            doc.code(Tone::Json, 2, Some(*part), &format!("body {n}"));
        }
        let mut folds = Folds::closed(&[Fold::ToolDetail]);
        folds.toggle(doc.fold_at(2).unwrap());
        assert_eq!(doc.plain(&folds), "call 0\ncall 1\n  body 1\ncall 2\n");
        assert_eq!((doc.next_fold(0), doc.next_fold(4), doc.prev_fold(2)), (Some(2), None, Some(0)));
        assert_eq!(doc.fold_at(3), Some(parts[1]), "a line inside a part folds that part");
        folds.set_kind(Fold::ToolDetail, false);
        assert!(doc.plain(&folds).contains("body 2"));
    }

    #[test]
    fn appended_parts_keep_their_own_numbers() {
        let mut first = Doc::new();
        let a = first.new_fold(Fold::System);
        first.summary(Tone::System, 0, None, a, "a");
        let mut second = Doc::new();
        let b = second.new_fold(Fold::System);
        second.summary(Tone::System, 0, None, b, "b");
        first.append(second);
        assert_ne!(first.fold_at(0), first.fold_at(1));
    }

    #[test]
    fn a_budget_cuts_long_text_and_says_how_much_is_left() {
        let budget = Budget { lines: 2, bytes: 1000, rest: "e to page" };
        let (kept, cut) = budget.cut("one\ntwo\nthree\nfour");
        assert_eq!(kept, "one\ntwo");
        assert_eq!(cut, Some(("… 2 more lines (11 B; e to page)".to_owned(), "\nthree\nfour")));
        let huge = "x".repeat(5_000_000);
        let (kept, cut) = Budget::SCREEN.cut(&huge);
        assert_eq!(kept.len(), 256 * 1024);
        assert_eq!(cut.map(|(note, _)| note).as_deref(), Some("… 1 more line (4.7 MB; e to page)"));
        assert_eq!(Budget::WHOLE.cut("a\nb"), ("a\nb", None));
    }

    #[test]
    fn what_a_budget_cut_is_still_in_the_plain_text() {
        let budget = Budget { lines: 1, bytes: 1000, rest: "e to page" };
        let mut doc = Doc::new();
        doc.prose_within(&budget, Tone::Body, 2, None, "kept\nrest\x1b");
        assert_eq!(doc.lines.len(), 2);
        assert_eq!(doc.lines[1].text, "… 1 more line (6 B; e to page)");
        assert_eq!(doc.plain(&Folds::open()), "  kept\n  rest\\x1b\n");
    }
}
