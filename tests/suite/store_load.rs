//! Loading, ordering, filters, bad lines and the per-record reads of the store.
#![cfg(feature = "store")]

use crate::store_common;

use interlog::record::Timestamp;
use interlog::store::{Facet, Query, Store};
use store_common::{bare, ids, line, query_ids, search, write_file};

fn ts(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

#[test]
fn newest_first_by_instant_then_file_position() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        "2026-11-20",
        &[
            line("a", "2026-11-20T10:00:00Z", ""),
            line("tie-1", "2026-11-20T12:00:00Z", ""),
            line("tie-2", "2026-11-20T13:00:00+01:00", ""),
            // Written just before midnight UTC but landing in the next day's file is fine too.
            line("late", "2026-11-21T00:00:01Z", ""),
        ],
    );
    write_file(
        dir.path(),
        "2026-11-21",
        &[line("next-day-file-early", "2026-11-20T23:59:59Z", ""), line("tie-3", "2026-11-20 12:00:00", "")],
    );
    let store = Store::load(dir.path()).unwrap();
    assert_eq!(store.len(), 6);
    assert_eq!(query_ids(&store, &Query::default()), ["late", "next-day-file-early", "tie-3", "tie-2", "tie-1", "a"]);
}

#[test]
fn files_out_of_time_order_still_sort_by_instant() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "2026-11-19", &[line("newest", "2026-11-25T00:00:00Z", "")]);
    write_file(dir.path(), "2026-11-22", &[line("oldest", "2026-11-01T00:00:00Z", "")]);
    write_file(dir.path(), "2026-11-20", &[line("middle", "2026-11-10T00:00:00Z", "")]);
    let store = Store::load(dir.path()).unwrap();
    assert_eq!(query_ids(&store, &Query::default()), ["newest", "middle", "oldest"]);
}

#[test]
fn since_is_inclusive_and_until_exclusive_between_instants() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        "2026-11-21",
        &[
            line("before", "2026-11-21T11:59:59.999Z", ""),
            line("at-offset", "2026-11-21T13:00:00+01:00", ""),
            r#"{"id":"at-sqlite","created_at":"2026-11-21 12:00:00","prompt":"p"}"#.to_owned(),
            line("at-z", "2026-11-21T12:00:00Z", ""),
            line("inside", "2026-11-21T12:30:00Z", ""),
            line("at-until", "2026-11-21T08:00:00-05:00", ""),
        ],
    );
    let store = Store::load(dir.path()).unwrap();
    let since = Query { since: Some(ts("2026-11-21T12:00:00Z")), ..Query::default() };
    assert_eq!(query_ids(&store, &since), ["at-until", "inside", "at-z", "at-sqlite", "at-offset"]);
    let window = Query {
        since: Some(ts("2026-11-21T07:00:00-05:00")),
        until: Some(ts("2026-11-21T13:00:00Z")),
        ..Query::default()
    };
    assert_eq!(query_ids(&store, &window), ["inside", "at-z", "at-sqlite", "at-offset"]);
    let sqlite_since = Query { since: Some(ts("2026-11-21 12:00:00")), ..Query::default() };
    assert_eq!(store.query(&sqlite_since).total_matched, 5);
}

#[test]
fn filters_combine_and_limit_counts_all_matches() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        "2026-11-21",
        &[
            line("1", "2026-11-21T01:00:00Z", r#""project":"p","client":"c","model":"m","tags":["x","y"]"#),
            line("2", "2026-11-21T02:00:00Z", r#""project":"p","client":"d","stop_reason":"max_tokens""#),
            line("3", "2026-11-21T03:00:00Z", r#""project":"q","session_id":"s","error":"boom","tags":["x"]"#),
            line("4", "2026-11-21T04:00:00Z", r#""project":"p","session_id":"s","error":"""#),
            line("5", "2026-11-21T05:00:00Z", r#""project":"","client":null"#),
        ],
    );
    let store = Store::load(dir.path()).unwrap();
    let q = |query: Query| query_ids(&store, &query);
    assert_eq!(q(Query { project: Some("p".into()), ..Query::default() }), ["4", "2", "1"]);
    assert_eq!(q(Query { project: Some("p".into()), client: Some("c".into()), ..Query::default() }), ["1"]);
    assert_eq!(q(Query { session: Some("s".into()), ..Query::default() }), ["4", "3"]);
    assert_eq!(q(Query { model: Some("m".into()), ..Query::default() }), ["1"]);
    assert_eq!(q(Query { tags: vec!["x".into()], ..Query::default() }), ["3", "1"]);
    assert_eq!(q(Query { tags: vec!["x".into(), "y".into()], ..Query::default() }), ["1"]);
    assert_eq!(q(Query { has_error: Some(true), ..Query::default() }), ["3"]);
    assert_eq!(q(Query { has_error: Some(false), ..Query::default() }), ["5", "4", "2", "1"]);
    assert_eq!(q(Query { stop_reason: Some("max_tokens".into()), ..Query::default() }), ["2"]);
    assert!(q(Query { project: Some("nope".into()), ..Query::default() }).is_empty());

    let limited = store.query(&Query { project: Some("p".into()), limit: Some(2), ..Query::default() });
    assert_eq!(ids(&store, &limited.entries), ["4", "2"]);
    assert_eq!(limited.total_matched, 3);
    let nothing = store.query(&Query { limit: Some(0), ..Query::default() });
    assert!(nothing.entries.is_empty());
    let nothing = store.query(&Query { limit: Some(0), search: Some("prompt".into()), ..Query::default() });
    assert!(nothing.entries.is_empty());
}

#[test]
fn summaries_raw_lines_and_records() {
    let dir = tempfile::tempdir().unwrap();
    let stored = r#"{"id":"r1","timestamp":"2026-11-21T13:00:00+01:00","duration_ms":42,"session_id":"s","project":"p","client":"c","model":"m","prompt":"\n\nfirst line\nsecond","usage":{"input_tokens":10,"output_tokens":20},"stop_reason":"tool_use","tool_calls":[{"name":"read"},{"name":"bash"},{"name":"read"}],"unknown":{"kept":true}}"#;
    std::fs::write(dir.path().join("interactions-2026-11-21.jsonl"), format!("\n{stored}\r\n")).unwrap();
    let store = Store::load(dir.path()).unwrap();
    let entry = store.find_id("r1").unwrap();
    assert_eq!(store.find_id("r2"), None);
    let summary = store.summary(entry).unwrap();
    assert_eq!(summary.first_line, "first line");
    assert_eq!(summary.timestamp, ts("2026-11-21T12:00:00Z"));
    assert_eq!(summary.timestamp.to_rfc3339(), "2026-11-21T13:00:00.000+01:00");
    assert_eq!((summary.input_tokens, summary.output_tokens, summary.duration_ms), (10, 20, Some(42)));
    assert_eq!(summary.tool_calls, 3);
    assert_eq!(summary.stop_reason.as_deref(), Some("tool_use"));
    assert_eq!(summary.headline, "first line · s · p · c · m · read bash");
    assert_eq!(summary.line, 2);
    assert_eq!(store.read_raw(entry).unwrap(), stored.as_bytes());
    let record = store.read_record(entry).unwrap();
    assert_eq!(record.id, "r1");
    assert!(record.extra.contains_key("unknown"));
}

#[test]
fn missing_directory_is_an_empty_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::load(&dir.path().join("absent")).unwrap();
    assert!(store.is_empty());
    assert!(!store.is_loading());
}

#[test]
fn other_file_names_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "2026-11-21", &[line("kept", "2026-11-21T01:00:00Z", "")]);
    std::fs::write(dir.path().join("interactions-2026-11-21.jsonl.bak"), line("bak", "2026-11-21T01:00:00Z", ""))
        .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "hello\n").unwrap();
    let store = Store::load(dir.path()).unwrap();
    assert_eq!(query_ids(&store, &Query::default()), ["kept"]);
}

#[test]
fn every_kind_of_bad_line_is_reported_and_the_next_lines_load() {
    let dir = tempfile::tempdir().unwrap();
    let deep =
        format!(r#"{{"id":"deep","timestamp":"2026-11-21T01:00:00Z","x":{}{}}}"#, "[".repeat(200), "]".repeat(200));
    let huge = format!(r#"{{"id":"huge","timestamp":"2026-11-21T01:00:00Z","prompt":"{}"}}"#, "x".repeat(20 << 20));
    let mut bytes = Vec::new();
    let bad_lines: Vec<Vec<u8>> = vec![
        b"not json".to_vec(),
        br#"{"id":"t","timestamp":"2026-11-21T01:00:00Z""#.to_vec(),
        b"[1,2,3]".to_vec(),
        b"null".to_vec(),
        br#"{"timestamp":"2026-11-21T01:00:00Z","prompt":"no id"}"#.to_vec(),
        br#"{"id":"no-time","timestamp":"yesterday"}"#.to_vec(),
        b"{\"id\":\"utf8\",\"timestamp\":\"2026-11-21T01:00:00Z\",\"prompt\":\"\xff\xfe\"}".to_vec(),
        deep.into_bytes(),
    ];
    for (i, bad) in bad_lines.iter().enumerate() {
        bytes.extend_from_slice(bad);
        bytes.push(b'\n');
        bytes.extend_from_slice(line(&format!("ok-{i}"), "2026-11-21T02:00:00Z", "").as_bytes());
        bytes.extend_from_slice(b"\n   \n");
    }
    bytes.extend_from_slice(huge.as_bytes());
    bytes.extend_from_slice(b"\n");
    bytes.extend_from_slice(line("after-huge", "2026-11-21T03:00:00Z", "").as_bytes());
    bytes.push(b'\n');
    std::fs::write(dir.path().join("interactions-2026-11-21.jsonl"), &bytes).unwrap();

    let store = Store::load(dir.path()).unwrap();
    let bad = store.bad_lines();
    assert_eq!(bad.iter().map(|b| b.line).collect::<Vec<_>>(), [1, 4, 7, 10, 13, 16, 19, 22]);
    let reasons: Vec<&str> = bad.iter().map(|b| b.reason.as_str()).collect();
    for (reason, expected) in reasons.iter().zip([
        "invalid JSON",
        "invalid JSON",
        "array",
        "null",
        "missing `id`",
        "timestamp",
        "UTF-8",
        "nested",
    ]) {
        assert!(reason.contains(expected), "{reason:?} should mention {expected:?}");
    }
    assert!(bad.iter().all(|b| b.file.ends_with("interactions-2026-11-21.jsonl")));
    assert_eq!(store.len(), 10);
    let huge_entry = store.find_id("huge").unwrap();
    assert_eq!(store.read_raw(huge_entry).unwrap().len(), huge.len());
    assert_eq!(store.summary(store.find_id("after-huge").unwrap()).unwrap().line, 26);
    assert!(store.find_id("ok-7").is_some());
}

#[test]
fn conversation_sessions_and_facets() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        "2026-11-20",
        &[
            line(
                "s1-b",
                "2026-11-20T10:00:00Z",
                r#""session_id":"s1","project":"p","client":"c","usage":{"input_tokens":1,"output_tokens":2}"#,
            ),
            line("s1-a", "2026-11-20T09:00:00Z", r#""session_id":"s1","usage":{"input_tokens":10,"output_tokens":20}"#),
            line("s2-a", "2026-11-20T11:00:00Z", r#""session_id":"s2","project":"q""#),
        ],
    );
    write_file(dir.path(), "2026-11-21", &[line("s1-c", "2026-11-20T10:00:00Z", r#""session_id":"s1""#)]);
    let store = Store::load(dir.path()).unwrap();
    assert_eq!(ids(&store, &store.conversation("s1")), ["s1-a", "s1-b", "s1-c"]);
    assert!(store.conversation("unknown").is_empty());
    let sessions = store.sessions();
    assert_eq!(sessions.iter().map(|s| s.session_id.as_str()).collect::<Vec<_>>(), ["s2", "s1"]);
    let s1 = &sessions[1];
    assert_eq!((s1.turns, s1.input_tokens, s1.output_tokens), (3, 11, 22));
    assert_eq!((s1.project.as_deref(), s1.client.as_deref()), (Some("p"), Some("c")));
    assert_eq!(s1.first, ts("2026-11-20T09:00:00Z"));
    assert_eq!(s1.last, ts("2026-11-20T10:00:00Z"));
    assert_eq!(store.facet_counts(Facet::Session), [("s1".to_owned(), 3), ("s2".to_owned(), 1)]);
    assert_eq!(store.facet_counts(Facet::Project), [("p".to_owned(), 1), ("q".to_owned(), 1)]);
}

#[test]
fn fuzzy_ranks_headlines_and_narrows() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        "2026-11-21",
        &[
            bare("deploy", "2026-11-21T01:00:00Z", r#""prompt":"deploy the payment service","project":"billing""#),
            bare("delay", "2026-11-21T02:00:00Z", r#""prompt":"why the delay in shipping""#),
            bare("other", "2026-11-21T03:00:00Z", r#""prompt":"unrelated words""#),
        ],
    );
    let store = Store::load(dir.path()).unwrap();
    let hits = store.fuzzy("deploy", None, 10);
    assert_eq!(ids(&store, &hits.iter().map(|h| h.entry).collect::<Vec<_>>())[0], "deploy");
    let first = &hits[0];
    let headline: Vec<char> = store.summary(first.entry).unwrap().headline.chars().collect();
    let matched: String = first.positions.iter().map(|&p| headline[p as usize]).collect();
    assert_eq!(matched, "deploy");
    let wide = store.fuzzy("de", None, 10);
    assert_eq!(wide.len(), 2);
    assert_eq!(ids(&store, &[store.fuzzy("delay", None, 10)[0].entry]), ["delay"]);
    let within = [store.find_id("delay").unwrap(), store.find_id("other").unwrap()];
    let narrowed = store.fuzzy("de", Some(&within), 10);
    assert_eq!(ids(&store, &narrowed.iter().map(|h| h.entry).collect::<Vec<_>>()), ["delay"]);
    assert!(store.fuzzy("billing", None, 1).len() == 1);
    assert_eq!(store.fuzzy("", None, 2).len(), 2);
}

#[test]
fn fuzzy_narrowing_while_typing_gives_what_a_fresh_ranking_gives() {
    let dir = tempfile::tempdir().unwrap();
    let prompts = ["delay", "deal", "idea", "made it", "dead end", "abcde", "side$a", "Deadline"];
    let lines: Vec<String> = prompts
        .iter()
        .enumerate()
        .map(|(i, p)| bare(&format!("r{i}"), &format!("2026-11-21T0{i}:00:00Z"), &format!(r#""prompt":"{p}""#)))
        .collect();
    write_file(dir.path(), "2026-11-21", &lines);
    let store = Store::load(dir.path()).unwrap();
    let hit_ids = |hits: Vec<interlog::store::FuzzyHit>| ids(&store, &hits.iter().map(|h| h.entry).collect::<Vec<_>>());
    for typed in [&["d", "de", "dea", "dead"][..], &["de", "de$", "de$a"], &["de", "de !", "de !a"], &["D", "De"]] {
        let mut narrowed = Vec::new();
        for pattern in typed {
            narrowed = hit_ids(store.fuzzy(pattern, None, 10));
        }
        store.fuzzy("zzz", None, 10);
        let fresh = hit_ids(store.fuzzy(typed[typed.len() - 1], None, 10));
        assert_eq!(narrowed, fresh, "{typed:?}");
    }
}

#[test]
fn a_record_glued_onto_a_torn_line_is_read_and_the_torn_part_reported() {
    let dir = tempfile::tempdir().unwrap();
    let torn = r#"{"id":"torn","timestamp":"2026-12-01T00:00:00Z","prompt":"half a rec"#;
    // The glued record holds objects with an `id` of their own: they are not where it starts.
    let glued = line("glued", "2026-12-01T00:00:01Z", r#""context_pack":{"items":[{"id":"nested"},{"id":"last"}]}"#);
    let mut bytes = format!("{}\n{torn}{glued}\n", line("before", "2026-12-01T00:00:00Z", ""));
    // A line torn twice before a record lands on it.
    bytes.push_str(&format!("{torn}{torn}{}\n", line("twice", "2026-12-01T00:00:02Z", "")));
    bytes.push_str(&format!("{}\n", line("after", "2026-12-01T00:00:03Z", "")));
    std::fs::write(dir.path().join("interactions-2026-12-01.jsonl"), bytes).unwrap();

    let store = Store::load(dir.path()).unwrap();
    assert_eq!(query_ids(&store, &Query::default()), ["after", "twice", "glued", "before"]);
    let record = store.read_record(store.find_id("glued").unwrap()).unwrap();
    assert_eq!(record.context_pack.unwrap()["items"][1]["id"], "last");
    assert_eq!(store.summary(store.find_id("twice").unwrap()).unwrap().line, 3);
    let bad = store.bad_lines();
    assert_eq!(bad.iter().map(|b| b.line).collect::<Vec<_>>(), [2, 3]);
    assert!(bad.iter().all(|b| b.reason.contains("unfinished record")), "{bad:?}");
}

#[test]
fn an_unfinished_last_line_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = format!(
        "{}\n{{\"id\":\"torn\",\"timestamp\":\"2026-12-01T00:00:00Z\",\"pro",
        line("whole", "2026-12-01T00:00:00Z", "")
    );
    std::fs::write(dir.path().join("interactions-2026-12-01.jsonl"), bytes).unwrap();
    let store = Store::load(dir.path()).unwrap();
    assert_eq!(query_ids(&store, &Query::default()), ["whole"]);
    let bad = store.bad_lines();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0].line, 2);
    assert!(bad[0].reason.contains("unfinished last line (52 bytes"), "{}", bad[0].reason);
}

#[cfg(unix)]
#[test]
fn entries_that_cannot_be_read_are_reported_and_hide_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "2026-12-01", &[line("kept", "2026-12-01T00:00:00Z", "")]);
    let looped = dir.path().join("interactions-2026-12-02.jsonl");
    std::os::unix::fs::symlink(&looped, &looped).unwrap();
    std::fs::create_dir(dir.path().join("interactions-2026-12-03.jsonl")).unwrap();
    let store = Store::load(dir.path()).unwrap();
    assert_eq!(query_ids(&store, &Query::default()), ["kept"]);
    let bad = store.bad_lines();
    let places: Vec<String> = bad.iter().map(|b| b.place(&b.file.file_name().unwrap().to_string_lossy())).collect();
    assert_eq!(places, ["interactions-2026-12-02.jsonl", "interactions-2026-12-03.jsonl"], "{bad:?}");
    assert!(bad[0].reason.contains("cannot read the file"), "{}", bad[0].reason);
    assert!(bad[1].reason.contains("a directory"), "{}", bad[1].reason);
}

#[test]
fn a_lone_surrogate_reads_as_a_replacement_character_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    // What JavaScript writes when a cut splits an emoji: the high half of a pair, alone.
    let cut = bare(
        "cut",
        "2026-12-01T00:00:00Z",
        r#""session_id":"s","prompt":"caf\u00e9 emoji \ud83d","response":"half \udc00 done","messages":[{"role":"user","content":"m \ud800"}]"#,
    );
    write_file(dir.path(), "2026-12-01", &[cut, line("other", "2026-12-01T00:00:01Z", r#""session_id":"s""#)]);
    let store = Store::load(dir.path()).unwrap();
    let record = store.read_record(store.find_id("cut").unwrap()).unwrap();
    assert_eq!(record.prompt.as_deref(), Some("café emoji \u{fffd}"));
    assert_eq!(record.response.as_deref(), Some("half \u{fffd} done"));
    assert_eq!(search(&store, "café"), ["cut"]);
    assert_eq!(search(&store, "half done"), ["cut"]);
    let turns: Vec<_> = store.conversation("s").into_iter().map(|e| store.read_record(e).map(|r| r.id)).collect();
    assert_eq!(turns.into_iter().collect::<Result<Vec<_>, _>>().unwrap(), ["cut", "other"]);
}

#[test]
fn instants_beyond_nanosecond_range_and_large_token_counts_are_exact() {
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        line("1500", "1500-01-01T00:00:00Z", ""),
        line("1600", "1600-06-01T00:00:00Z", r#""usage":{"input_tokens":5000000000,"output_tokens":4294967296}"#),
        line("2300", "2300-01-01T00:00:00Z", ""),
        line("2400", "2400-01-01T00:00:00.5Z", ""),
    ];
    write_file(dir.path(), "2026-12-01", &lines);
    let store = Store::load(dir.path()).unwrap();
    assert_eq!(query_ids(&store, &Query::default()), ["2400", "2300", "1600", "1500"]);
    let window =
        Query { since: Some(ts("1550-01-01T00:00:00Z")), until: Some(ts("2350-01-01T00:00:00Z")), ..Query::default() };
    assert_eq!(query_ids(&store, &window), ["2300", "1600"]);
    let old = store.summary(store.find_id("1600").unwrap()).unwrap();
    assert_eq!(old.timestamp, ts("1600-06-01T00:00:00Z"));
    assert_eq!((old.input_tokens, old.output_tokens), (5_000_000_000, 4_294_967_296));
    assert_eq!(store.summary(store.find_id("2400").unwrap()).unwrap().timestamp, ts("2400-01-01T00:00:00.5Z"));
}

#[test]
fn a_repeated_id_finds_the_newest_record_under_it() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "2026-12-01", &[line("dup", "2026-12-01T10:00:00Z", r#""project":"later""#)]);
    write_file(dir.path(), "2026-12-02", &[line("dup", "2026-12-01T09:00:00Z", r#""project":"earlier""#)]);
    let store = Store::load(dir.path()).unwrap();
    let found = store.summary(store.find_id("dup").unwrap()).unwrap();
    assert_eq!(found.project.as_deref(), Some("later"));
}

#[test]
fn summaries_say_whether_usage_was_reported() {
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        r#"{"id":"none","timestamp":"2026-11-21T13:00:00Z"}"#,
        r#"{"id":"empty","timestamp":"2026-11-21T13:00:01Z","usage":{}}"#,
        r#"{"id":"zero","timestamp":"2026-11-21T13:00:02Z","usage":{"input_tokens":0,"output_tokens":0}}"#,
        r#"{"id":"some","timestamp":"2026-11-21T13:00:03Z","usage":{"output_tokens":7}}"#,
    ];
    std::fs::write(dir.path().join("interactions-2026-11-21.jsonl"), lines.join("\n") + "\n").unwrap();
    let store = Store::load(dir.path()).unwrap();
    for (id, reported) in [("none", false), ("empty", false), ("zero", true), ("some", true)] {
        let summary = store.summary(store.find_id(id).unwrap()).unwrap();
        assert_eq!(summary.has_usage, reported, "{id}");
        let record = store.read_record(store.find_id(id).unwrap()).unwrap();
        assert_eq!(record.has_usage(), reported, "{id}: the record and its summary agree");
    }
}
