//! `conversation --markdown`: a transcript to read or paste elsewhere.
//!
//! Record text cannot break the document's structure: prompts and responses are block quotes
//! (a code fence or HTML block left open inside a quote ends with the quote), tool arguments,
//! results and errors are fenced with more backticks than the text itself contains, and short
//! values are code spans likewise. The text arrives sanitised (the [`Doc`] did it).

use super::doc::{Doc, DocLine, Fact, Folds, Kind, Tone};

/// `doc` with `hidden` folded, as Markdown. Indentation is left out (it would make code blocks);
/// consecutive lines of prose become one quote, of code one fenced block.
pub fn render(doc: &Doc, hidden: &Folds) -> String {
    let mut out = String::new();
    let mut lines = doc.whole_lines(hidden).peekable();
    while let Some((line, text)) = lines.next() {
        if !matches!(line.kind, Kind::Field(_)) && !out.is_empty() && !out.ends_with("\n\n") {
            out.push('\n');
        }
        match &line.kind {
            Kind::Heading(level) => {
                let level = usize::from((*level).clamp(1, 6));
                out.push_str(&format!("{} {}\n\n", "#".repeat(level), inline(&text)));
            }
            Kind::Label => out.push_str(&format!("**{}**\n\n", inline(&text))),
            Kind::Note | Kind::Cut(_) => out.push_str(&format!("*{}*\n\n", inline(&text))),
            Kind::Field(label) => out.push_str(&format!("- **{label}:** {}\n", inline(&text))),
            Kind::Facts(facts) => out.push_str(&format!("{}\n\n", facts_line(facts))),
            Kind::Title(facts) => {
                let (name, about) = facts.split_at(facts.len().min(1));
                out.push_str(&format!("# {}\n\n", facts_line(name)));
                if !about.is_empty() {
                    out.push_str(&format!("{}\n\n", facts_line(about)));
                }
            }
            Kind::Blank => {}
            Kind::Prose | Kind::Code => {
                let mut run = vec![text];
                while let Some((_, more)) = lines.next_if(|(next, _)| same_run(line, next)) {
                    run.push(more);
                }
                let text = run.join("\n");
                if line.kind == Kind::Prose {
                    block_quote(&mut out, &text);
                } else {
                    fenced(&mut out, if line.tone == Tone::Json { "json" } else { "" }, &text);
                }
            }
        }
    }
    out
}

fn same_run(line: &DocLine, next: &DocLine) -> bool {
    next.kind == line.kind && next.tone == line.tone && next.indent == line.indent && next.fold == line.fold
}

/// Facts on one line; identifiers are code spans, the rest escaped text.
fn facts_line(facts: &[Fact]) -> String {
    let shown: Vec<String> = facts
        .iter()
        .map(
            |fact| {
                if fact.literal {
                    format!("{} {}", fact.label, code_span(&fact.value))
                } else {
                    inline(&fact.value)
                }
            },
        )
        .collect();
    shown.join(" · ")
}

/// Text of ours or a short record value in running text: HTML is not live, and Markdown's own
/// marks (emphasis, links, code) are taken literally.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in escape_html(text).chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Every line prefixed with `> ` (blank lines as `>`), then a blank line. Raw HTML (a
/// `<script>` in a prompt) would be live in most renderers: `<` and `&` are written as entities.
fn block_quote(out: &mut String, text: &str) {
    for line in text.lines() {
        if line.trim().is_empty() {
            out.push_str(">\n");
        } else {
            out.push_str("> ");
            out.push_str(&escape_html(line));
            out.push('\n');
        }
    }
    out.push('\n');
}

fn escape_html(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['<', '&']) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(text.replace('&', "&amp;").replace('<', "&lt;"))
}

/// A fenced code block whose fence is longer than any backtick run in `text`.
fn fenced(out: &mut String, info: &str, text: &str) {
    let fence = "`".repeat((longest_backtick_run(text) + 1).max(3));
    out.push_str(&format!("{fence}{info}\n"));
    out.push_str(text);
    if !text.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&format!("{fence}\n\n"));
}

/// Inline code that survives backticks in the text (CommonMark: a longer delimiter run, and a
/// space on each side when the text starts or ends with a backtick).
fn code_span(text: &str) -> String {
    let ticks = "`".repeat(longest_backtick_run(text) + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::InteractionRecord;

    #[test]
    fn fences_outrun_the_backticks_inside() {
        let mut out = String::new();
        fenced(&mut out, "", "a\n```\nb ```` c");
        assert_eq!(out, "`````\na\n```\nb ```` c\n`````\n\n");
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x"), "`` `x ``");
        assert_eq!(code_span("plain"), "`plain`");
    }

    #[test]
    fn raw_html_in_quoted_text_is_not_live() {
        let mut out = String::new();
        block_quote(&mut out, "<script>alert(1)</script> & <img src=x onerror=y>");
        assert_eq!(out, "> &lt;script>alert(1)&lt;/script> &amp; &lt;img src=x onerror=y>\n\n");
    }

    #[test]
    fn open_fences_in_text_stay_inside_their_quote() {
        let mut out = String::new();
        block_quote(&mut out, "look:\n```rust\nfn main() {\n\nstill code");
        assert_eq!(out, "> look:\n> ```rust\n> fn main() {\n>\n> still code\n\n");
    }

    #[test]
    fn a_session_has_heading_facts_prompt_response_tools_and_error() {
        use crate::present::record::Form;
        use crate::present::session::{transcript, Session};
        use crate::present::time::Clock;
        let turns = vec![InteractionRecord::from_json(
            r#"{"id":"r1","timestamp":"2026-11-20T10:00:00Z","session_id":"s","model":"m*","usage":{"input_tokens":3,"output_tokens":2},"prompt":"hi\u001b","response":"yo","tool_calls":[{"name":"run","call_id":"c1","arguments":{"cmd":"ls ```"},"success":true,"result":"ok"}],"error":"e"}"#,
        )
        .unwrap()];
        let now = chrono::DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z").unwrap().to_utc();
        let clock = Clock::fixed(chrono::FixedOffset::east_opt(0).unwrap(), now);
        let session = Session { id: "s", records: &turns, history: &[], left_out: &[] };
        let out = render(&transcript(&session, &clock, &Form::WHOLE), &Folds::open());
        for expected in [
            "# Session `s`\n\n1 turn · 2026-11-20 10:00 → 2026-11-20 10:00 · 3 in / 2 out\n\n",
            "## Turn 1 · 2026-11-20 10:00:00 +00:00\n\nm\\* · 3 in / 2 out · id `r1` · Σ 3 in / 2 out · 0ms\n\n",
            "**▶ user**\n\n> hi\\x1b\n\n**◀ assistant**\n\n> yo\n\n",
            "**1. ✓ run (id c1) {\"cmd\":\"ls \\`\\`\\`\"}**\n\n**arguments:**\n\n",
            "````json\n{\n  \"cmd\": \"ls ```\"\n}\n````\n",
            "**result:**\n\n```\nok\n```\n",
            "**✗ error**\n\n```\ne\n```\n",
        ] {
            assert!(out.contains(expected), "missing {expected:?} in\n{out}");
        }
        assert!(!out.contains('\x1b'));
    }
}
