//! The turns of a transcript document, read off the document itself (each turn opens with a
//! level-2 heading, and its facts name the record), and the views the conversation offers of it:
//! only the turns the user started, or no tool calls. A view is a document of its own made of the
//! transcript's lines, so drawing, finding, copying and paging all see what is shown.

use std::ops::Range;

use crate::present::doc::{Doc, DocLine, Fold, FoldId, Kind, Tone};

/// One turn: its lines (from its heading to the next turn's), the record it shows, and whether
/// the user's own words started it (a tool-loop turn only hands tool results back).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TurnSpan {
    pub lines: Range<usize>,
    pub id: Option<String>,
    pub by_user: bool,
}

/// What the conversation leaves out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only the turns the user started.
    pub user_turns: bool,
    /// No tool calls (their summary line and details).
    pub no_tools: bool,
}

impl Filter {
    pub fn is_empty(self) -> bool {
        !self.user_turns && !self.no_tools
    }

    /// `only the user's turns · no tool calls`, for the status bar.
    pub fn describe(self) -> String {
        let mut parts = Vec::new();
        if self.user_turns {
            parts.push("only the user's turns");
        }
        if self.no_tools {
            parts.push("no tool calls");
        }
        parts.join(" · ")
    }
}

fn is_turn_heading(line: &DocLine) -> bool {
    line.kind == Kind::Heading(2)
}

/// Every turn of `doc`, in order.
pub fn turns(doc: &Doc) -> Vec<TurnSpan> {
    let starts: Vec<usize> =
        doc.lines.iter().enumerate().filter(|(_, line)| is_turn_heading(line)).map(|(at, _)| at).collect();
    starts
        .iter()
        .enumerate()
        .map(|(n, &start)| {
            let end = starts.get(n + 1).copied().unwrap_or(doc.lines.len());
            let lines = &doc.lines[start..end];
            let id = lines.iter().find_map(|line| match &line.kind {
                Kind::Facts(facts) => facts.iter().find(|fact| fact.label == "id").map(|fact| fact.value.clone()),
                _ => None,
            });
            let by_user = lines
                .windows(2)
                .any(|pair| pair[0].kind == Kind::Label && pair[0].tone == Tone::User && pair[1].kind == Kind::Prose);
            TurnSpan { lines: start..end, id, by_user }
        })
        .collect()
}

/// A tool call's line: the `⚙ 2 tool calls: …` summary or a line of its details.
fn is_tool_line(line: &DocLine) -> bool {
    let tool = |fold: Option<FoldId>| fold.is_some_and(|fold| fold.kind == Fold::ToolDetail);
    tool(line.fold) || tool(line.summarises) || (line.kind == Kind::Label && line.text.starts_with('⚙'))
}

/// The document `filter` leaves of `doc` (whose turns are `spans`).
pub fn filtered(doc: &Doc, spans: &[TurnSpan], filter: Filter) -> Doc {
    let head = spans.first().map_or(doc.lines.len(), |span| span.lines.start);
    let mut lines: Vec<DocLine> = doc.lines[..head].to_vec();
    for span in spans.iter().filter(|span| span.by_user || !filter.user_turns) {
        lines.extend(
            doc.lines[span.lines.clone()].iter().filter(|line| !(filter.no_tools && is_tool_line(line))).cloned(),
        );
    }
    let mut shown = Doc::new();
    shown.lines = lines;
    shown
}
