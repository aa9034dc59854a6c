//! Keyword search (docs/format.md §3): every text field, Unicode case folding, AND of terms.
#![cfg(feature = "store")]

use crate::store_common;

use interlog::store::{Query, Store};
use store_common::{bare, search, write_file};

const T: &str = "2026-11-21T01:00:00Z";

fn store_of(lines: &[String]) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "2026-11-21", lines);
    let store = Store::load(dir.path()).unwrap();
    (dir, store)
}

#[test]
fn every_text_field_is_searched() {
    let (_dir, store) = store_of(&[
        bare("prompt", T, r#""prompt":"alpha-prompt""#),
        bare("response", T, r#""prompt":"p","response":"alpha-response""#),
        bare("summary", T, r#""prompt":"p","response_summary":"alpha-summary""#),
        bare("system", T, r#""prompt":"p","system_prompt":"alpha-system""#),
        bare("msg-string", T, r#""messages":[{"role":"user","content":"alpha-msgstring"}]"#),
        bare("msg-text", T, r#""messages":[{"role":"user","content":[{"type":"text","text":"alpha-msgtext"}]}]"#),
        bare(
            "tool-use",
            T,
            r#""messages":[{"role":"assistant","content":[{"type":"tool_use","id":"u1","name":"alpha-usename","input":{"path":"alpha-useinput"}}]}]"#,
        ),
        bare(
            "tool-result",
            T,
            r#""messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"u1","content":"alpha-resultcontent","is_error":false}]}]"#,
        ),
        bare("call-name", T, r#""prompt":"p","tool_calls":[{"name":"alpha-callname"}]"#),
        bare(
            "call-args",
            T,
            r#""prompt":"p","tool_calls":[{"name":"x","arguments":{"q":"alpha-callargs","n":[1,2]}}]"#,
        ),
        bare("call-result", T, r#""prompt":"p","tool_calls":[{"name":"x","result":"alpha-callresult"}]"#),
        bare("error", T, r#""prompt":"p","error":"alpha-error""#),
        bare("tags", T, r#""prompt":"p","tags":["alpha-tag"]"#),
        bare("model", T, r#""prompt":"p","model":"alpha-model""#),
        bare(
            "not-text",
            T,
            r#""prompt":"p","project":"alpha-project","client":"alpha-client","context_pack":{"k":"alpha-context"}"#,
        ),
    ]);
    for (term, id) in [
        ("alpha-prompt", "prompt"),
        ("alpha-response", "response"),
        ("alpha-summary", "summary"),
        ("alpha-system", "system"),
        ("alpha-msgstring", "msg-string"),
        ("alpha-msgtext", "msg-text"),
        ("alpha-usename", "tool-use"),
        ("alpha-useinput", "tool-use"),
        ("alpha-resultcontent", "tool-result"),
        ("alpha-callname", "call-name"),
        ("alpha-callargs", "call-args"),
        ("alpha-callresult", "call-result"),
        ("alpha-error", "error"),
        ("alpha-tag", "tags"),
        ("alpha-model", "model"),
    ] {
        assert_eq!(search(&store, term), [id], "{term}");
    }
    for not_text in ["alpha-project", "alpha-client", "alpha-context"] {
        assert!(search(&store, not_text).is_empty(), "{not_text}");
    }
    // Tool arguments are searched as JSON text.
    assert_eq!(search(&store, r#""n":[1,2]"#), ["call-args"]);
    assert_eq!(search(&store, "ALPHA"), {
        let mut all: Vec<String> = [
            "call-args",
            "call-name",
            "call-result",
            "error",
            "model",
            "msg-string",
            "msg-text",
            "prompt",
            "response",
            "summary",
            "system",
            "tags",
            "tool-result",
            "tool-use",
        ]
        .map(String::from)
        .to_vec();
        all.sort();
        all
    });
}

#[test]
fn json_syntax_and_key_names_are_not_text() {
    let (_dir, store) = store_of(&[bare("a", T, r#""prompt":"hello","usage":{"input_tokens":3}"#)]);
    for syntax in ["timestamp", "prompt", "input_tokens", "\"id\"", "{", "2026"] {
        assert!(search(&store, syntax).is_empty(), "{syntax}");
    }
    assert_eq!(search(&store, "hello"), ["a"]);
}

#[test]
fn every_term_must_match_somewhere() {
    let (_dir, store) = store_of(&[
        bare("both-one-field", T, r#""prompt":"red green""#),
        bare("both-two-fields", T, r#""prompt":"red","response":"green""#),
        bare("red-only", T, r#""prompt":"red""#),
        bare("spanning", T, r#""prompt":"re","response":"d green""#),
    ]);
    assert_eq!(search(&store, "red green"), ["both-one-field", "both-two-fields"]);
    assert_eq!(search(&store, "  green   red "), ["both-one-field", "both-two-fields"]);
    assert_eq!(search(&store, "red"), ["both-one-field", "both-two-fields", "red-only"]);
    assert!(search(&store, "red blue").is_empty());
}

#[test]
fn unicode_case_folding() {
    let (_dir, store) = store_of(&[
        bare("cafe", T, r#""prompt":"un CAFÉ noir""#),
        bare("sisyphus", T, r#""prompt":"ΣΊΣΥΦΟΣ rolls""#),
        bare("strasse", T, r#""prompt":"die Straße""#),
        bare("upper-strasse", T, r#""prompt":"DIE STRASSE""#),
        bare("kelvin", T, "\"prompt\":\"300 \u{212A}ELVIN\""),
        bare("tokyo", T, r#""prompt":"東京タワー""#),
    ]);
    assert_eq!(search(&store, "café"), ["cafe"]);
    assert_eq!(search(&store, "Café"), ["cafe"]);
    assert_eq!(search(&store, "σίσυφος"), ["sisyphus"]);
    assert_eq!(search(&store, "straße"), ["strasse", "upper-strasse"]);
    assert_eq!(search(&store, "STRASSE"), ["strasse", "upper-strasse"]);
    assert_eq!(search(&store, "kelvin"), ["kelvin"]);
    assert_eq!(search(&store, "東京"), ["tokyo"]);
    assert!(search(&store, "cafe").is_empty());
}

#[test]
fn escaped_text_is_found() {
    let (_dir, store) = store_of(&[
        bare("unicode-escape", T, r#""prompt":"caf\u00e9 \u0053ECRET""#),
        bare("slash-escape", T, r#""prompt":"a\/b path""#),
        bare("quote", T, r#""prompt":"say \"hi\" now""#),
        bare("windows-path", T, r#""prompt":"open C:\\Users\\me\\unicode.txt""#),
    ]);
    assert_eq!(search(&store, "USERS"), ["windows-path"]);
    assert_eq!(search(&store, r"c:\users\me\unicode"), ["windows-path"]);
    assert_eq!(search(&store, "CAFÉ"), ["unicode-escape"]);
    assert_eq!(search(&store, "secret"), ["unicode-escape"]);
    assert_eq!(search(&store, "a/b"), ["slash-escape"]);
    assert_eq!(search(&store, "\"hi\""), ["quote"]);
}

#[test]
fn search_combines_with_filters_and_limit() {
    let (_dir, store) = store_of(&[
        bare("1", "2026-11-21T01:00:00Z", r#""prompt":"needle","project":"p""#),
        bare("2", "2026-11-21T02:00:00Z", r#""prompt":"needle","project":"q""#),
        bare("3", "2026-11-21T03:00:00Z", r#""prompt":"needle","project":"p""#),
        bare("4", "2026-11-21T04:00:00Z", r#""prompt":"hay","project":"p""#),
    ]);
    let query = Query { project: Some("p".into()), search: Some("NEEDLE".into()), limit: Some(1), ..Query::default() };
    let result = store.query(&query);
    assert_eq!(result.total_matched, 2);
    assert_eq!(store.summaries(&result.entries)[0].id, "3");
}

#[test]
fn characters_folding_into_ascii_letters_are_found_wherever_they_sit() {
    let (_dir, store) = store_of(&[
        bare("ligature", T, r#""prompt":"open the ﬁle now""#),
        bare("escaped-around", T, r#""prompt":"first line\nStraße\tafter""#),
        bare("sharp-elsewhere", T, r#""prompt":"groß stra","response":"se""#),
        bare("kelvin-escaped", T, r#""response":"300 \u212Aelvin""#),
        bare("long-s", T, r#""prompt":"ſtraſſe""#),
        bare("in-tool-args", T, r#""prompt":"p","tool_calls":[{"name":"x","arguments":{"city":"STRAẞE"}}]"#),
    ]);
    assert_eq!(search(&store, "FILE"), ["ligature"]);
    assert_eq!(search(&store, "strasse"), ["escaped-around", "in-tool-args", "long-s"]);
    assert_eq!(search(&store, "kelvin"), ["kelvin-escaped"]);
    assert_eq!(search(&store, "groß"), ["sharp-elsewhere"]);
    assert!(search(&store, "grossstra").is_empty());
}
