//! `conversation --markdown`: a transcript to read or paste elsewhere.
//!
//! Record text cannot break the document's structure: prompts and responses are block quotes
//! (a code fence or HTML block left open inside a quote ends with the quote), tool arguments,
//! results and errors are fenced with more backticks than the text itself contains, and short
//! values are code spans likewise. Control characters are escaped as everywhere else.

use crate::record::{InteractionRecord, ToolCallRecord};
use crate::sanitize::{sanitize_block, sanitize_line};

use super::format::full_time;
use super::transcript::{turn_facts, turn_time, SessionFacts};
use crate::textfmt::turn_prompt;

pub fn render_markdown(facts: &SessionFacts<'_>, turns: &[InteractionRecord]) -> String {
    let mut out = String::new();
    out.push_str(&format!("# Session {}\n\n", code_span(facts.session_id)));
    session_list(&mut out, facts);
    for (index, record) in turns.iter().enumerate() {
        turn(&mut out, index + 1, record);
    }
    out
}

fn session_list(out: &mut String, facts: &SessionFacts<'_>) {
    if let Some(project) = facts.project {
        out.push_str(&format!("- **Project:** {}\n", code_span(project)));
    }
    if let Some(client) = facts.client {
        out.push_str(&format!("- **Client:** {}\n", code_span(client)));
    }
    out.push_str(&format!("- **Turns:** {}\n", facts.turns));
    if let (Some(first), Some(last)) = (facts.first, facts.last) {
        out.push_str(&format!("- **Time:** {} → {}\n", full_time(&first), full_time(&last)));
    }
    out.push_str(&format!("- **Tokens:** {} in / {} out\n", facts.input_tokens, facts.output_tokens));
}

fn turn(out: &mut String, number: usize, record: &InteractionRecord) {
    if !out.ends_with("\n\n") {
        out.push('\n');
    }
    out.push_str(&format!("## Turn {number} · {}\n\n", turn_time(record)));
    let mut facts: Vec<String> =
        turn_facts(record).iter().map(|fact| escape_html(&sanitize_line(fact)).into_owned()).collect();
    facts.push(format!("id {}", code_span(&record.id)));
    out.push_str(&facts.join(" · "));
    out.push_str("\n\n");
    if let Some(prompt) = turn_prompt(record) {
        out.push_str("**User**\n\n");
        block_quote(out, &prompt);
    }
    if let Some(response) = record.response.as_deref().or(record.response_summary.as_deref()).filter(|r| !r.is_empty())
    {
        out.push_str("**Assistant**\n\n");
        block_quote(out, response);
    }
    for (index, call) in record.tool_calls.iter().enumerate() {
        tool_call(out, index + 1, call);
    }
    if let Some(error) = &record.error {
        out.push_str("**Error**\n\n");
        fenced(out, "", error);
    }
}

fn tool_call(out: &mut String, number: usize, call: &ToolCallRecord) {
    let status = match call.success {
        Some(true) => " — ok",
        Some(false) => " — failed",
        None => "",
    };
    let call_id = call.call_id.as_deref().map(|id| format!(" (id {})", code_span(id))).unwrap_or_default();
    out.push_str(&format!("**Tool call {number}:** {}{call_id}{status}\n\n", code_span(&call.name)));
    if let Some(arguments) = &call.arguments {
        let pretty = serde_json::to_string_pretty(arguments).unwrap_or_else(|_| arguments.to_string());
        fenced(out, "json", &pretty);
    }
    if let Some(result) = &call.result {
        out.push_str(if call.result_truncated { "Result (cut by the writer):\n\n" } else { "Result:\n\n" });
        fenced(out, "", result);
    }
}

/// Every line prefixed with `> ` (blank lines as `>`), then a blank line. Raw HTML (a
/// `<script>` in a prompt) would be live in most renderers: `<` and `&` are written as entities.
fn block_quote(out: &mut String, text: &str) {
    for line in sanitize_block(text).lines() {
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
    let safe = sanitize_block(text);
    let fence = "`".repeat((longest_backtick_run(&safe) + 1).max(3));
    out.push_str(&format!("{fence}{info}\n"));
    out.push_str(&safe);
    if !safe.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&format!("{fence}\n\n"));
}

/// Inline code that survives backticks in the text (CommonMark: a longer delimiter run, and a
/// space on each side when the text starts or ends with a backtick).
fn code_span(text: &str) -> String {
    let safe = sanitize_line(text);
    let ticks = "`".repeat(longest_backtick_run(&safe) + 1);
    let pad = if safe.starts_with('`') || safe.ends_with('`') { " " } else { "" };
    format!("{ticks}{pad}{safe}{pad}{ticks}")
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(json: &str) -> InteractionRecord {
        InteractionRecord::from_json(json).unwrap()
    }

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
    fn a_turn_has_heading_facts_prompt_response_tools_and_error() {
        let turns = vec![record(
            r#"{"id":"r1","timestamp":"2026-11-20T10:00:00Z","session_id":"s","model":"m","usage":{"input_tokens":3,"output_tokens":2},"prompt":"hi\u001b","response":"yo","tool_calls":[{"name":"run","call_id":"c1","arguments":{"cmd":"ls ```"},"success":true,"result":"ok"}],"error":"e"}"#,
        )];
        let facts = SessionFacts::from_turns("s", &turns);
        let out = render_markdown(&facts, &turns);
        for expected in [
            "# Session `s`\n",
            "- **Turns:** 1\n",
            "- **Tokens:** 3 in / 2 out\n",
            "## Turn 1 · 2026-11-20",
            "m · 3 in / 2 out · id `r1`\n",
            "**User**\n\n> hi\\x1b\n",
            "**Assistant**\n\n> yo\n",
            "**Tool call 1:** `run` (id `c1`) — ok\n",
            "````json\n{\n  \"cmd\": \"ls ```\"\n}\n````\n",
            "Result:\n\n```\nok\n```\n",
            "**Error**\n\n```\ne\n```\n",
        ] {
            assert!(out.contains(expected), "missing {expected:?} in\n{out}");
        }
        assert!(!out.contains('\x1b'));
    }
}
