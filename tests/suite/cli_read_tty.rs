#![cfg(feature = "cli")]
//! Colour and width on a real terminal: the read commands under a pseudo-terminal.

use std::io::Read;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use portable_pty::{native_pty_system, CommandBuilder, PtySize};

const BIN: &str = env!("CARGO_BIN_EXE_interlog");
const WIDTH: u16 = 90;

const LINES: [&str; 2] = [
    r#"{"id":"a1","timestamp":"2025-06-14T09:00:00Z","session_id":"s1","project":"web","model":"m","prompt":"a long prompt that goes on and on and on and on and on and on and on and on and on and on and on and on","error":"failed"}"#,
    r#"{"id":"a2","timestamp":"2025-06-14T10:00:00Z","session_id":"s1","project":"web","model":"m","prompt":"evil \u001b[2J prompt"}"#,
];

fn write_logs(dir: &Path) {
    let text: String = LINES.iter().map(|line| format!("{line}\n")).collect();
    std::fs::write(dir.join("interactions-2025-06-14.jsonl"), text).unwrap();
}

/// Runs the binary on a pseudo-terminal and returns everything it wrote, within a bounded wait.
fn run_on_tty(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let pair = native_pty_system()
        .openpty(PtySize { rows: 40, cols: WIDTH, pixel_width: 0, pixel_height: 0 })
        .expect("a pseudo-terminal");
    let mut command = CommandBuilder::new(BIN);
    command.arg("--dir");
    command.arg(dir);
    command.args(args);
    for key in ["INTERLOG_DIR", "INTERLOG_CONFIG", "XDG_CONFIG_HOME", "COLUMNS", "NO_COLOR"] {
        command.env_remove(key);
    }
    command.env("HOME", dir);
    command.env("TZ", "UTC");
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = pair.slave.spawn_command(command).expect("spawn on the pty");
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        // Linux reports the closed slave as EIO rather than end of file; both mean "done".
        let _ = reader.read_to_end(&mut bytes);
        let _ = sender.send(bytes);
    });
    let bytes = receiver.recv_timeout(Duration::from_secs(20)).expect("the command finished within 20 s");
    let status = child.wait().unwrap();
    assert!(status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&bytes));
    String::from_utf8(bytes).expect("UTF-8 output").replace("\r\n", "\n")
}

fn strip_sgr(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("\x1b[") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('m').map_or(after.len(), |i| i + 1);
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn a_terminal_gets_colour_within_its_width() {
    let dir = tempfile::tempdir().unwrap();
    write_logs(dir.path());
    let out = run_on_tty(dir.path(), &["list"], &[]);
    assert!(out.contains("\x1b[31m✗"), "no coloured error mark:\n{out:?}");
    let plain = strip_sgr(&out);
    assert!(!plain.contains('\x1b'), "a raw escape beyond our own colours:\n{plain:?}");
    assert!(plain.contains("evil \\x1b[2J prompt"), "{plain}");
    for line in plain.lines() {
        assert!(line.chars().count() <= usize::from(WIDTH), "wider than the terminal: {line}");
    }
    assert!(plain.contains('…'), "the long prompt is cut:\n{plain}");
}

#[test]
fn no_color_means_no_escape_sequences_at_all() {
    let dir = tempfile::tempdir().unwrap();
    write_logs(dir.path());
    for args in
        [&["list"][..], &["show", "a1"], &["sessions"], &["conversation", "s1"], &["conversation", "s1", "--markdown"]]
    {
        let out = run_on_tty(dir.path(), args, &[("NO_COLOR", "1")]);
        assert!(!out.contains('\x1b'), "{args:?}:\n{out:?}");
        assert!(!out.is_empty(), "{args:?}");
    }
}

#[test]
fn a_person_is_told_when_the_limit_hid_records() {
    let dir = tempfile::tempdir().unwrap();
    write_logs(dir.path());
    let out = run_on_tty(dir.path(), &["list", "--limit", "1"], &[("NO_COLOR", "1")]);
    assert!(out.contains("interlog: 1 of 2 matching records shown; --limit N shows more"), "{out}");
    let all = run_on_tty(dir.path(), &["list"], &[("NO_COLOR", "1")]);
    assert!(!all.contains("matching records shown"), "{all}");
}
