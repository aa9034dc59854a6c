#![cfg(feature = "cli")]
//! `interlog record` and `interlog prune` through the real binary.

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Child, Output, Stdio};

use crate::cli_support;

use cli_support::isolated_command;

/// The real binary on `dir`, isolated from the user's config, with every stream piped.
fn spawn(dir: &Path, args: &[&str]) -> Child {
    isolated_command(dir, args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

fn interlog(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = spawn(dir, args);
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn stored_lines(dir: &Path) -> Vec<serde_json::Value> {
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    let mut paths: Vec<_> =
        entries.map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "jsonl")).collect();
    paths.sort();
    paths
        .iter()
        .flat_map(|p| fs::read_to_string(p).unwrap().lines().map(str::to_owned).collect::<Vec<_>>())
        .map(|line| serde_json::from_str(&line).expect("every stored line is JSON"))
        .collect()
}

fn stdout_lines(output: &Output) -> Vec<String> {
    String::from_utf8(output.stdout.clone()).unwrap().lines().map(str::to_owned).collect()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn one_object_is_filled_written_and_its_id_printed() {
    let dir = tempfile::tempdir().unwrap();
    let output = interlog(dir.path(), &["record"], "{\n  \"prompt\": \"hello\",\n  \"project\": \"p\"\n}\n");
    assert!(output.status.success(), "{}", stderr(&output));
    let ids = stdout_lines(&output);
    let stored = stored_lines(dir.path());
    assert_eq!(ids.len(), 1);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["id"], ids[0].as_str());
    assert_eq!(stored[0]["project"], "p");
    assert!(stored[0]["timestamp"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn jsonl_keeps_given_ids_and_prints_each() {
    let dir = tempfile::tempdir().unwrap();
    let input =
        "{\"id\":\"a\",\"timestamp\":\"2026-11-21T10:00:00+02:00\",\"prompt\":\"one\"}\n\n{\"prompt\":\"two\"}\r\n";
    let output = interlog(dir.path(), &["record"], input);
    assert!(output.status.success(), "{}", stderr(&output));
    let ids = stdout_lines(&output);
    assert_eq!(ids[0], "a");
    assert_eq!(ids.len(), 2);
    let stored = stored_lines(dir.path());
    assert_eq!(stored.iter().map(|r| r["id"].as_str().unwrap()).collect::<Vec<_>>(), ids);
}

#[test]
fn invalid_json_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let output = interlog(dir.path(), &["record"], "{\"prompt\": \"unterminated");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("invalid JSON"), "{}", stderr(&output));
    assert_eq!(stderr(&output).lines().count(), 1, "one clear line");
    assert!(stored_lines(dir.path()).is_empty());
}

#[test]
fn a_blank_prompt_exits_2_naming_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let output = interlog(dir.path(), &["record"], "{\"prompt\": \"   \"}");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("non-blank `prompt`"), "{}", stderr(&output));
    assert!(stored_lines(dir.path()).is_empty());
}

#[test]
fn a_bad_third_line_names_the_line_and_nothing_of_the_batch_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let input = "{\"prompt\":\"one\"}\n{\"prompt\":\"two\"}\n{\"prompt\":\"three\",}\n{\"prompt\":\"four\"}\n";
    let output = interlog(dir.path(), &["record"], input);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("line 3"), "{}", stderr(&output));
    assert!(stdout_lines(&output).is_empty());
    assert!(stored_lines(dir.path()).is_empty());

    let input = "{\"prompt\":\"one\"}\n{\"prompt\":\"two\"}\n{\"id\":\"x\",\"timestamp\":\"later\",\"prompt\":\"3\"}\n";
    let output = interlog(dir.path(), &["record"], input);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("line 3") && stderr(&output).contains("later"), "{}", stderr(&output));
    assert!(stored_lines(dir.path()).is_empty());
}

#[test]
fn empty_input_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let output = interlog(dir.path(), &["record"], "\n  \n");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("no record"), "{}", stderr(&output));
}

#[test]
fn four_processes_writing_at_once_lose_and_tear_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let per_process = 2_000;
    let batches: Vec<String> = (0..4)
        .map(|p| {
            (0..per_process)
                .map(|n| format!("{{\"prompt\":\"process {p} record {n} {}\"}}\n", "é".repeat(n % 500)))
                .collect()
        })
        .collect();
    let children: Vec<_> = batches
        .iter()
        .map(|batch| {
            let mut child = spawn(dir.path(), &["record"]);
            let mut stdin = child.stdin.take().unwrap();
            let batch = batch.clone();
            let feeder = std::thread::spawn(move || stdin.write_all(batch.as_bytes()).unwrap());
            (child, feeder)
        })
        .collect();
    let mut printed = HashSet::new();
    for (child, feeder) in children {
        feeder.join().unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        printed.extend(stdout_lines(&output));
    }
    let stored = stored_lines(dir.path());
    assert_eq!(stored.len(), 4 * per_process);
    let stored_ids: HashSet<String> = stored.iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(stored_ids, printed);
}

#[test]
fn prune_deletes_expired_files_named_in_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    fs::write(&config, "[logging.interactions]\nretention_days = 1\n").unwrap();
    let old = dir.path().join("interactions-2001-01-01.jsonl");
    let other = dir.path().join("keep.txt");
    fs::write(&old, "").unwrap();
    fs::write(&other, "").unwrap();
    let output = interlog(dir.path(), &["--config", config.to_str().unwrap(), "prune"], "");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!old.exists());
    assert!(other.exists());
    assert!(String::from_utf8_lossy(&output.stdout).contains("interactions-2001-01-01.jsonl"));
}

#[test]
fn usage_errors_are_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["list", "--limit", "abc"][..], &["list", "--bogus"], &["show"], &["frobnicate"]] {
        let output = interlog(dir.path(), args, "");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let message = stderr(&output);
        assert_eq!(message.lines().count(), 1, "{args:?}: {message}");
        assert!(message.starts_with("interlog: "), "{message}");
    }
    let missing = stderr(&interlog(dir.path(), &["show"], ""));
    assert!(missing.contains("<ID>"), "names what is missing: {missing}");
    let typo = stderr(&interlog(dir.path(), &["lst"], ""));
    assert!(typo.contains("did you mean `list`?"), "keeps clap's suggestion: {typo}");
    let flag = stderr(&interlog(dir.path(), &["list", "--projet", "x"], ""));
    assert!(flag.contains("did you mean `--project`?"), "{flag}");
}

#[test]
fn a_reader_leaving_early_does_not_cut_the_batch_short() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn(dir.path(), &["record"]);
    drop(child.stdout.take());
    let batch: String = (0..2_000).map(|n| format!("{{\"prompt\":\"p{n}\"}}\n")).collect();
    child.stdin.take().unwrap().write_all(batch.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stored_lines(dir.path()).len(), 2_000);
}

#[test]
fn retention_at_open_names_each_deleted_file_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("interactions-2001-01-01.jsonl");
    fs::write(&old, "").unwrap();
    let output = interlog(dir.path(), &["record"], "{\"prompt\":\"p\"}");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!old.exists());
    let said = stderr(&output);
    assert!(said.contains("deleted") && said.contains("interactions-2001-01-01.jsonl"), "{said}");
    let help = String::from_utf8_lossy(&interlog(dir.path(), &["record", "--help"], "").stdout).into_owned();
    assert!(help.contains("retention_days") && help.contains("stderr"), "{help}");
}

#[test]
fn a_known_field_with_the_wrong_type_is_refused_when_writing() {
    let dir = tempfile::tempdir().unwrap();
    let output = interlog(dir.path(), &["record"], "{\"prompt\":\"p\",\"duration_ms\":\"fast\"}");
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("`duration_ms` has the wrong type: a string"), "{}", stderr(&output));
    assert!(stored_lines(dir.path()).is_empty());
}

#[cfg(feature = "tui")]
#[test]
fn demo_refuses_a_dir_it_would_ignore() {
    let dir = tempfile::tempdir().unwrap();
    let output = interlog(dir.path(), &["demo"], "");
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("--dir is not used"), "{}", stderr(&output));
}
