//! The writer: one complete line per record, daily files, retention, policy, concurrency.

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use interlog::capture::{daily_file_name, prune, InteractionLogger, InteractionsConfig, ManualClock};
use interlog::record::{InteractionRecord, Message, Role, ToolCallRecord};
use serde_json::Value;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

fn lines_of(path: &Path) -> Vec<String> {
    fs::read_to_string(path).unwrap().lines().map(str::to_owned).collect()
}

fn all_lines(dir: &Path) -> Vec<String> {
    let mut names: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    names.iter().flat_map(|p| lines_of(p)).collect()
}

fn parse_ids(lines: &[String]) -> Vec<String> {
    lines.iter().map(|line| InteractionRecord::from_json(line).expect("every line parses").id).collect()
}

/// What the writer made: a file only this user can read (the writer refuses any other).
fn make_private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600)).unwrap();
    }
}

fn record(n: usize) -> InteractionRecord {
    InteractionRecord::builder(format!("prompt {n} — café 日本 🙂"))
        .session_id(format!("s-{}", n % 7))
        .response("x".repeat(n % 300))
        .tokens(n as u64, 7)
        .build()
}

#[test]
fn ten_thousand_records_each_land_on_their_own_line() {
    let dir = tempfile::tempdir().unwrap();
    let logger = InteractionLogger::open(dir.path(), InteractionsConfig::default()).unwrap();
    let written: Vec<String> = (0..10_000).map(|n| logger.log(&record(n)).unwrap()).collect();
    let lines = all_lines(dir.path());
    assert_eq!(lines.len(), 10_000);
    assert_eq!(parse_ids(&lines), written);
}

#[test]
fn crossing_midnight_utc_moves_to_the_next_days_file() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(at("2026-11-21T23:59:59.999Z")));
    let logger = InteractionLogger::with_clock(dir.path(), InteractionsConfig::default(), clock.clone()).unwrap();
    let before = logger.log(&record(1)).unwrap();
    clock.advance(Duration::milliseconds(1));
    let after = logger.log(&record(2)).unwrap();

    let day1 = dir.path().join("interactions-2026-11-21.jsonl");
    let day2 = dir.path().join("interactions-2026-11-22.jsonl");
    assert_eq!(parse_ids(&lines_of(&day1)), vec![before]);
    assert_eq!(parse_ids(&lines_of(&day2)), vec![after]);
}

#[test]
fn retention_deletes_only_expired_daily_files() {
    let dir = tempfile::tempdir().unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    let day = |back: u64| daily_file_name(today - chrono::Days::new(back));
    for name in [day(0), day(1), day(30), day(31), day(400)] {
        fs::write(dir.path().join(name), "{}\n").unwrap();
    }
    let bystanders = ["notes.txt", "interactions-2020-01-01.jsonl.bak", "interactions-latest.jsonl"];
    for name in bystanders {
        fs::write(dir.path().join(name), "keep").unwrap();
    }

    let deleted = prune(dir.path(), 30, today).unwrap();
    let deleted_names: Vec<String> =
        deleted.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(deleted_names, vec![day(400), day(31)]);
    for kept in [day(0), day(1), day(30)].iter().map(String::as_str).chain(bystanders) {
        assert!(dir.path().join(kept).exists(), "{kept} must survive");
    }
}

#[test]
fn opening_the_directory_applies_retention() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("interactions-2026-01-01.jsonl");
    let recent = dir.path().join("interactions-2026-11-20.jsonl");
    fs::write(&old, "").unwrap();
    fs::write(&recent, "").unwrap();
    let clock = Arc::new(ManualClock::new(at("2026-11-21T12:00:00Z")));
    let config = InteractionsConfig { retention_days: 90, ..Default::default() };
    InteractionLogger::with_clock(dir.path(), config, clock).unwrap();
    assert!(!old.exists());
    assert!(recent.exists());
}

#[test]
fn tool_results_are_cut_on_character_boundaries_and_marked() {
    let dir = tempfile::tempdir().unwrap();
    let config = InteractionsConfig { truncate_tool_results: 5, ..Default::default() };
    let logger = InteractionLogger::open(dir.path(), config).unwrap();
    let call = |result: &str| ToolCallRecord { name: "t".into(), result: Some(result.into()), ..Default::default() };
    // "éééé" is 8 bytes: 5 falls inside the third 'é'. "🙂🙂" is 8 bytes: 5 falls inside the second emoji.
    let record = InteractionRecord::builder("p")
        .tool_call(call("éééé"))
        .tool_call(call("🙂🙂"))
        .tool_call(call("short"))
        .build();
    logger.log(&record).unwrap();
    let stored = InteractionRecord::from_json(&all_lines(dir.path())[0]).unwrap();
    let results: Vec<(&str, bool)> =
        stored.tool_calls.iter().map(|c| (c.result.as_deref().unwrap(), c.result_truncated)).collect();
    assert_eq!(results, vec![("éé", true), ("🙂", true), ("short", false)]);
}

#[test]
fn eight_threads_never_interleave_lines() {
    let dir = tempfile::tempdir().unwrap();
    let logger = InteractionLogger::open(dir.path(), InteractionsConfig::default()).unwrap();
    std::thread::scope(|scope| {
        for t in 0..8 {
            let logger = logger.clone();
            scope.spawn(move || {
                for n in 0..5_000 {
                    logger.log(&record(t * 5_000 + n)).unwrap();
                }
            });
        }
    });
    let lines = all_lines(dir.path());
    assert_eq!(lines.len(), 40_000);
    let ids: HashSet<String> = parse_ids(&lines).into_iter().collect();
    assert_eq!(ids.len(), 40_000, "ids are unique");
}

#[test]
fn a_torn_tail_is_ended_before_the_next_record() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(at("2026-11-21T12:00:00Z")));
    let path = dir.path().join("interactions-2026-11-21.jsonl");
    fs::write(
        &path,
        "{\"id\":\"whole\",\"timestamp\":\"2026-11-21T11:00:00Z\",\"prompt\":\"p\"}\n{\"id\":\"torn\",\"time",
    )
    .unwrap();
    make_private(&path);
    let logger = InteractionLogger::with_clock(dir.path(), InteractionsConfig::default(), clock).unwrap();
    let id = logger.log(&record(1)).unwrap();
    let lines = lines_of(&path);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1], "{\"id\":\"torn\",\"time", "the torn line is left as it was");
    assert_eq!(InteractionRecord::from_json(&lines[2]).unwrap().id, id);
}

#[test]
fn a_line_torn_by_another_process_after_open_is_ended_before_the_next_record() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(at("2026-11-21T12:00:00Z")));
    let path = dir.path().join("interactions-2026-11-21.jsonl");
    let logger = InteractionLogger::with_clock(dir.path(), InteractionsConfig::default(), clock).unwrap();
    let first = logger.log(&record(1)).unwrap();
    // Another writer, killed in the middle of its write, leaves half a line behind.
    let torn = "{\"id\":\"torn\",\"timestamp\":\"2026-11-21T12:00:00Z\",\"prompt\":\"half a rec";
    fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(torn.as_bytes()).unwrap();
    let second = logger.log(&record(2)).unwrap();
    let lines = lines_of(&path);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[1], torn);
    assert_eq!(parse_ids(&[lines[0].clone(), lines[2].clone()]), vec![first, second]);
}

#[test]
fn disabled_writes_nothing_but_accepts_records() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("logs");
    let config = InteractionsConfig { enabled: false, ..Default::default() };
    let logger = InteractionLogger::open(&target, config).unwrap();
    assert!(logger.log(&record(1)).is_ok());
    assert!(!target.exists(), "not even the directory is created");
}

#[test]
fn include_flags_drop_what_they_say_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let config = InteractionsConfig { include_messages: false, include_responses: false, ..Default::default() };
    let logger = InteractionLogger::open(dir.path(), config).unwrap();
    let mut full = InteractionRecord::builder("the prompt")
        .system_prompt("secret system")
        .response("the response")
        .response_summary("summary")
        .message(Role::User, "the prompt")
        .build();
    full.messages.push(Message::text(Role::Assistant, "earlier"));
    logger.log(&full).unwrap();
    let stored: Value = serde_json::from_str(&all_lines(dir.path())[0]).unwrap();
    assert_eq!(stored.get("messages"), None);
    assert_eq!(stored.get("system_prompt"), None);
    assert_eq!(stored.get("response"), None);
    assert_eq!(stored["response_summary"], "summary");
    assert_eq!(stored["prompt"], "the prompt");
}

#[test]
fn an_invalid_record_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let logger = InteractionLogger::open(dir.path(), InteractionsConfig::default()).unwrap();
    let err = logger.log(&InteractionRecord::new(" \n\t ")).unwrap_err();
    assert!(err.to_string().contains("non-blank `prompt`"), "{err}");
    let batch = [record(1), InteractionRecord::new(""), record(3)];
    assert!(logger.log_all(&batch).is_err());
    assert!(all_lines(dir.path()).is_empty());
}

#[cfg(unix)]
#[test]
fn the_directory_and_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("a").join("b");
    let config = InteractionsConfig { durable: true, ..Default::default() };
    let logger = InteractionLogger::open(&target, config).unwrap();
    logger.log(&record(1)).unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&target), 0o700);
    let file = fs::read_dir(&target).unwrap().next().unwrap().unwrap().path();
    assert_eq!(mode(&file), 0o600);
}

#[test]
fn a_directory_or_file_removed_while_running_is_recreated_at_the_next_write() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("logs");
    let clock = Arc::new(ManualClock::new(at("2026-11-21T12:00:00Z")));
    let logger = InteractionLogger::with_clock(&target, InteractionsConfig::default(), clock).unwrap();
    let today = target.join("interactions-2026-11-21.jsonl");
    logger.log(&record(1)).unwrap();

    fs::remove_dir_all(&target).unwrap();
    let after_dir_removed = logger.log(&record(2)).unwrap();
    assert_eq!(parse_ids(&lines_of(&today)), vec![after_dir_removed]);

    fs::remove_file(&today).unwrap();
    let after_file_removed = logger.log(&record(3)).unwrap();
    assert_eq!(parse_ids(&lines_of(&today)), vec![after_file_removed]);
}

#[test]
fn timestamps_are_written_in_utc_with_milliseconds() {
    let dir = tempfile::tempdir().unwrap();
    let logger = InteractionLogger::open(dir.path(), InteractionsConfig::default()).unwrap();
    let mut offset = record(1);
    offset.timestamp = interlog::record::Timestamp::parse("2026-01-01T00:00:00.123456+02:00").unwrap();
    logger.log(&offset).unwrap();
    let stored: Value = serde_json::from_str(&all_lines(dir.path())[0]).unwrap();
    assert_eq!(stored["timestamp"], "2025-12-31T22:00:00.123Z");
}

#[test]
fn without_messages_a_message_only_record_keeps_its_prompt_or_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = InteractionsConfig { include_messages: false, ..Default::default() };
    let logger = InteractionLogger::open(dir.path(), config).unwrap();
    let mut from_messages = InteractionRecord::new("");
    from_messages.prompt = None;
    from_messages.messages = vec![Message::text(Role::User, "first"), Message::text(Role::User, "the last ask")];
    logger.log(&from_messages).unwrap();
    let stored: Value = serde_json::from_str(&all_lines(dir.path())[0]).unwrap();
    assert_eq!(stored["prompt"], "the last ask");
    assert_eq!(stored.get("messages"), None);

    let mut only_assistant = InteractionRecord::new("");
    only_assistant.prompt = None;
    only_assistant.messages = vec![Message::text(Role::Assistant, "no user text here")];
    assert!(logger.log(&only_assistant).is_err(), "it would be stored without prompt or messages");
    assert_eq!(all_lines(dir.path()).len(), 1);
}

#[cfg(unix)]
#[test]
fn planted_daily_files_are_refused_and_left_alone() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let clock = Arc::new(ManualClock::new(at("2026-11-21T12:00:00Z")));
    let logger = InteractionLogger::with_clock(&logs, InteractionsConfig::default(), clock).unwrap();
    let today = logs.join("interactions-2026-11-21.jsonl");
    let elsewhere = dir.path().join("elsewhere.txt");
    fs::write(&elsewhere, "theirs").unwrap();

    std::os::unix::fs::symlink(&elsewhere, &today).unwrap();
    let err = logger.log(&record(1)).unwrap_err().to_string();
    assert!(err.contains("refusing to write to") && err.contains("symbolic link"), "{err}");
    assert_eq!(fs::read_to_string(&elsewhere).unwrap(), "theirs", "the link's target is untouched");
    fs::remove_file(&today).unwrap();

    fs::write(&today, "").unwrap();
    fs::set_permissions(&today, fs::Permissions::from_mode(0o666)).unwrap();
    let err = logger.log(&record(2)).unwrap_err().to_string();
    assert!(err.contains("mode is 0666"), "{err}");
    fs::remove_file(&today).unwrap();

    fs::hard_link(&elsewhere, &today).unwrap();
    make_private(&today);
    let err = logger.log(&record(3)).unwrap_err().to_string();
    assert!(err.contains("2 hard links"), "{err}");
    assert_eq!(fs::read_to_string(&elsewhere).unwrap(), "theirs");
    fs::remove_file(&today).unwrap();

    let id = logger.log(&record(4)).unwrap();
    assert_eq!(parse_ids(&lines_of(&today)), vec![id], "a fresh file of its own is written");
}

#[cfg(unix)]
#[test]
fn a_directory_others_can_write_to_is_a_notice() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
    let logger = InteractionLogger::open(dir.path(), InteractionsConfig::default()).unwrap();
    assert!(logger.notices().iter().any(|n| n.contains("writable by others")), "{:?}", logger.notices());
    logger.log(&record(1)).unwrap();
}

#[test]
fn retention_says_what_it_deleted_and_a_failure_does_not_stop_capture() {
    let dir = tempfile::tempdir().unwrap();
    let expired = dir.path().join("interactions-2026-01-01.jsonl");
    fs::write(&expired, "").unwrap();
    // A directory under an expired name cannot be deleted as a file: retention fails on it.
    let undeletable = dir.path().join("interactions-2026-01-02.jsonl");
    fs::create_dir(&undeletable).unwrap();
    let clock = Arc::new(ManualClock::new(at("2026-11-21T12:00:00Z")));
    let logger = InteractionLogger::with_clock(dir.path(), InteractionsConfig::default(), clock).unwrap();
    let notices = logger.notices().join("\n");
    assert!(notices.contains("deleted") && notices.contains("interactions-2026-01-01.jsonl"), "{notices}");
    assert!(notices.contains("cannot delete") && notices.contains("interactions-2026-01-02.jsonl"), "{notices}");
    assert!(!expired.exists());
    assert!(undeletable.is_dir(), "a directory is never removed");
    logger.log(&record(1)).unwrap();
}

#[test]
fn a_directory_moved_away_is_not_written_to_any_more() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let moved = dir.path().join("moved");
    let clock = Arc::new(ManualClock::new(at("2026-11-21T12:00:00Z")));
    let logger = InteractionLogger::with_clock(&logs, InteractionsConfig::default(), clock).unwrap();
    let before = logger.log(&record(1)).unwrap();
    fs::rename(&logs, &moved).unwrap();
    fs::create_dir(&logs).unwrap();
    let after = logger.log(&record(2)).unwrap();
    assert_eq!(parse_ids(&lines_of(&moved.join("interactions-2026-11-21.jsonl"))), vec![before]);
    assert_eq!(parse_ids(&lines_of(&logs.join("interactions-2026-11-21.jsonl"))), vec![after]);

    // A file replaced under the same name is the new one.
    fs::rename(logs.join("interactions-2026-11-21.jsonl"), dir.path().join("aside.jsonl")).unwrap();
    let replaced = logger.log(&record(3)).unwrap();
    assert_eq!(parse_ids(&lines_of(&logs.join("interactions-2026-11-21.jsonl"))), vec![replaced]);
}
