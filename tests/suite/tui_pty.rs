#![cfg(feature = "tui")]
//! End to end: the real binary in a pseudo-terminal, its screen parsed by vt100. Every wait is a
//! bounded poll of the parsed screen.

use std::io::{Read, Write};

use base64::Engine;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};

const ROWS: u16 = 30;
const COLS: u16 = 120;
const PATIENCE: Duration = Duration::from_secs(20);

struct Session {
    parser: vt100::Parser,
    /// Everything the UI wrote, for sequences the screen does not show (OSC 52).
    raw: Vec<u8>,
    output: Receiver<Vec<u8>>,
    input: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
}

impl Session {
    fn start(dir: &Path, config_home: &Path) -> Session {
        Session::start_with(dir, config_home, &[])
    }

    fn start_with(dir: &Path, config_home: &Path, env: &[(&str, &str)]) -> Session {
        Session::start_args(&["--dir", dir.to_str().unwrap(), "tui"], config_home, env)
    }

    fn start_args(args: &[&str], config_home: &Path, env: &[(&str, &str)]) -> Session {
        let pair =
            native_pty_system().openpty(PtySize { rows: ROWS, cols: COLS, pixel_width: 0, pixel_height: 0 }).unwrap();
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_interlog"));
        command.args(args);
        command.env("TERM", "xterm-256color");
        command.env("XDG_CONFIG_HOME", config_home);
        command.env("HOME", config_home);
        command.env_remove("INTERLOG_DIR");
        command.env_remove("INTERLOG_CONFIG");
        for (key, value) in env {
            command.env(key, value);
        }
        let child = pair.slave.spawn_command(command).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let (sender, output) = channel();
        std::thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            while let Ok(read) = reader.read(&mut chunk) {
                if read == 0 || sender.send(chunk[..read].to_vec()).is_err() {
                    break;
                }
            }
        });
        let input = pair.master.take_writer().unwrap();
        Session {
            parser: vt100::Parser::new(ROWS, COLS, 0),
            raw: Vec::new(),
            output,
            input,
            child,
            _master: pair.master,
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        self.parser.process(bytes);
        self.raw.extend_from_slice(bytes);
    }

    fn text(&self) -> String {
        self.parser.screen().contents()
    }

    /// Feeds output to the parser until `ready` holds for the screen, or fails after PATIENCE.
    fn wait_for(&mut self, what: &str, ready: impl Fn(&vt100::Screen) -> bool) {
        let deadline = Instant::now() + PATIENCE;
        while !ready(self.parser.screen()) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "timed out waiting for {what}; screen:\n{}", self.text());
            if let Ok(bytes) = self.output.recv_timeout(left.min(Duration::from_millis(100))) {
                self.feed(&bytes);
            }
        }
    }

    fn wait_for_text(&mut self, needle: &str) {
        let needle = needle.to_owned();
        self.wait_for(&format!("{needle:?} on screen"), move |screen| screen.contents().contains(&needle));
    }

    fn send(&mut self, keys: &str) {
        self.input.write_all(keys.as_bytes()).unwrap();
        self.input.flush().unwrap();
    }

    /// Waits for the process to end (bounded) while draining what it prints.
    fn wait_for_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + PATIENCE;
        loop {
            while let Ok(bytes) = self.output.try_recv() {
                self.feed(&bytes);
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                // What it wrote last may still be in the pipe.
                while let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(200)) {
                    self.feed(&bytes);
                }
                return status;
            }
            assert!(Instant::now() < deadline, "the UI did not exit; screen:\n{}", self.text());
            if let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(50)) {
                self.feed(&bytes);
            }
        }
    }

    fn assert_restored(&self) {
        let screen = self.parser.screen();
        assert!(!screen.alternate_screen(), "the alternate screen was left");
        assert!(!screen.hide_cursor(), "the cursor is shown again");
        assert_eq!(screen.mouse_protocol_mode(), vt100::MouseProtocolMode::None, "mouse reporting is off");
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn record_line(id: &str, prompt: &str, minutes_ago: i64) -> String {
    let at = chrono::Utc::now() - chrono::Duration::minutes(minutes_ago);
    serde_json::json!({
        "id": id,
        "timestamp": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "project": "e2e",
        "client": "pty-test",
        "model": "test-model",
        "prompt": prompt,
        "response": format!("answer to {prompt}"),
    })
    .to_string()
}

fn today_file(dir: &Path) -> std::path::PathBuf {
    dir.join(format!("interactions-{}.jsonl", chrono::Utc::now().format("%Y-%m-%d")))
}

fn append(path: &Path, text: &str) {
    use std::os::unix::fs::OpenOptionsExt;
    // Private like the writer's own files (it refuses any other).
    let mut file = std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file.flush().unwrap();
}

/// `interlog record` in another process, writing through the real writer.
fn record_from_another_process(dir: &Path, json: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_interlog"))
        .args(["--dir", dir.to_str().unwrap(), "record"])
        .env("XDG_CONFIG_HOME", dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(json.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn shows_records_follows_appends_waits_for_whole_lines_and_restores_on_q() {
    let dir = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let today = today_file(dir.path());
    append(
        &today,
        &format!(
            "{}\n{}\n",
            record_line("e2e-1", "first existing prompt", 30),
            record_line("e2e-2", "second existing prompt", 20)
        ),
    );

    let mut ui = Session::start(dir.path(), config.path());
    ui.wait_for_text("first existing prompt");
    ui.wait_for_text("second existing prompt");
    ui.wait_for_text("LIVE");

    record_from_another_process(dir.path(), r#"{"prompt":"appended by another process","project":"e2e"}"#);
    ui.wait_for_text("appended by another process");

    // Half a record, then a whole one in another file: once the whole one shows, the half
    // must still be hidden.
    let half = record_line("e2e-half", "written in two halves", 1);
    let (head, tail) = half.split_at(half.len() / 2);
    append(&today, head);
    let yesterday = dir
        .path()
        .join(format!("interactions-{}.jsonl", (chrono::Utc::now() - chrono::Duration::days(1)).format("%Y-%m-%d")));
    append(&yesterday, &format!("{}\n", record_line("e2e-marker", "marker after the half", 60 * 24)));
    ui.wait_for_text("marker after the half");
    assert!(!ui.text().contains("written in two halves"), "a half-written line is not a record:\n{}", ui.text());
    append(&today, &format!("{tail}\n"));
    ui.wait_for_text("written in two halves");
    assert!(!ui.text().contains("bad lines"), "the two halves made one good line:\n{}", ui.text());

    ui.send("q");
    let status = ui.wait_for_exit();
    assert!(status.success(), "exit status {status:?}");
    ui.assert_restored();
}

#[test]
fn empty_directory_that_does_not_exist_yet_is_picked_up() {
    let base = tempfile::tempdir().unwrap();
    // One missing level. (Several missing levels created at once can race the store's watch of
    // the nearest ancestor; reported to the store's owner.)
    let dir = base.path().join("not-yet");
    let mut ui = Session::start(&dir, base.path());
    ui.wait_for_text("No records yet");
    ui.wait_for_text("interlog record");
    record_from_another_process(&dir, r#"{"prompt":"the very first record"}"#);
    ui.wait_for_text("the very first record");
    ui.send("\x03");
    assert!(ui.wait_for_exit().success());
    ui.assert_restored();
}

#[test]
fn sigterm_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    append(&today_file(dir.path()), &format!("{}\n", record_line("e2e-t", "before the signal", 5)));
    let mut ui = Session::start(dir.path(), dir.path());
    ui.wait_for_text("before the signal");
    let pid = ui.child.process_id().unwrap();
    assert!(Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap().success());
    ui.wait_for_exit();
    ui.assert_restored();
}

#[test]
fn the_demo_directory_goes_on_every_way_out() {
    for (how, signal) in [("q", None), ("SIGHUP", Some("-HUP")), ("SIGTERM", Some("-TERM")), ("SIGINT", Some("-INT"))] {
        let tmp = tempfile::tempdir().unwrap();
        let tmp_path = tmp.path().to_str().unwrap();
        let mut ui = Session::start_args(&["demo"], tmp.path(), &[("TMPDIR", tmp_path)]);
        ui.wait_for_text("interlog demo");
        let demo_dirs = || {
            std::fs::read_dir(tmp.path())
                .unwrap()
                .filter_map(Result::ok)
                .filter(|entry| entry.file_name().to_string_lossy().starts_with("interlog-demo-"))
                .count()
        };
        assert_eq!(demo_dirs(), 1, "{how}: the demo writes into a directory of its own");
        match signal {
            None => ui.send("q"),
            Some(signal) => {
                let pid = ui.child.process_id().unwrap().to_string();
                assert!(Command::new("kill").args([signal, &pid]).status().unwrap().success());
            }
        }
        ui.wait_for_exit();
        assert_eq!(demo_dirs(), 0, "{how}: the demo directory is removed");
    }
}

#[test]
fn keys_reach_the_views() {
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> =
        (0..5).map(|n| record_line(&format!("e2e-k{n}"), &format!("keyed prompt number {n}"), 10 - n)).collect();
    append(&today_file(dir.path()), &(lines.join("\n") + "\n"));
    let mut ui = Session::start(dir.path(), dir.path());
    ui.wait_for_text("keyed prompt number 4");
    ui.send("?");
    ui.wait_for_text("Keys (any other key closes");
    ui.send("x");
    ui.wait_for("the help to close", |s: &vt100::Screen| !s.contents().contains("Keys (any other key closes"));
    ui.send("j");
    ui.wait_for_text("PAUSED");
    ui.send("/number 2");
    // Fuzzy: the best match ranks first.
    ui.wait_for("the fuzzy ranking", |s: &vt100::Screen| {
        s.contents().contains("fuzzy \"number 2\"") && s.contents_between(3, 0, 4, 0).contains("keyed prompt number 2")
    });
    // Keyword mode: only records containing every term.
    ui.send("\t");
    ui.wait_for("the keyword search to narrow", |s: &vt100::Screen| {
        s.contents().contains("keyword \"number 2\"") && !s.contents().contains("keyed prompt number 4")
    });
    ui.send("\x1b");
    ui.wait_for_text("keyed prompt number 4");
    ui.send("4");
    ui.wait_for_text("\"client\": \"pty-test\"");
    ui.send("S");
    ui.wait_for_text("Requests per");
    ui.send("q");
    assert!(ui.wait_for_exit().success());
    ui.assert_restored();
}

#[test]
fn y_copies_the_stored_line_with_osc_52_and_e_pages_and_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let pages = tempfile::tempdir().unwrap();
    let line = record_line("e2e-copy", "copy me \u{1b}[31m please", 3);
    append(&today_file(dir.path()), &format!("{line}\n"));
    // The "pager" copies the file it is given into `pages`, so the test can read what it got.
    let pager = format!("cp -t {}", pages.path().display());
    let mut ui = Session::start_with(dir.path(), dir.path(), &[("PAGER", &pager)]);
    ui.wait_for_text("copy me");
    ui.wait_for_text("Detail e2e-copy");

    ui.send("y");
    let expected = format!("\x1b]52;c;{}\x07", base64::engine::general_purpose::STANDARD.encode(&line));
    let deadline = Instant::now() + PATIENCE;
    while !String::from_utf8_lossy(&ui.raw).contains(&expected) {
        assert!(Instant::now() < deadline, "no OSC 52 copy of the stored line");
        if let Ok(bytes) = ui.output.recv_timeout(Duration::from_millis(100)) {
            ui.feed(&bytes);
        }
    }
    ui.wait_for_text("needs OSC 52");

    ui.send("4");
    let before_pager = ui.raw.len();
    ui.send("e");
    let deadline = Instant::now() + PATIENCE;
    let paged = loop {
        let files: Vec<_> = std::fs::read_dir(pages.path()).unwrap().collect();
        if let Some(Ok(file)) = files.first() {
            let text = std::fs::read_to_string(file.path()).unwrap();
            if text.trim_end().ends_with('}') {
                break text;
            }
        }
        assert!(Instant::now() < deadline, "the pager was not run; screen:\n{}", ui.text());
        if let Ok(bytes) = ui.output.recv_timeout(Duration::from_millis(100)) {
            ui.feed(&bytes);
        }
    };
    assert!(paged.contains("  \"id\": \"e2e-copy\""), "pretty JSON:\n{paged}");
    assert!(!paged.contains('\x1b'), "no raw ESC reaches the pager");
    // `cp` returns at once: its output (none here) stays on screen until a key is pressed.
    ui.wait_for_text("Press any key to return");
    ui.send("x");
    // Back in the UI: it left the alternate screen for the pager and entered it again (raw mode
    // is on again by then), and redraws; keys still work.
    let deadline = Instant::now() + PATIENCE;
    loop {
        let since = String::from_utf8_lossy(&ui.raw[before_pager..]).into_owned();
        let left = since.find("\x1b[?1049l");
        if left.is_some_and(|at| since[at..].contains("\x1b[?1049h")) {
            break;
        }
        assert!(Instant::now() < deadline, "the UI did not come back from the pager");
        if let Ok(bytes) = ui.output.recv_timeout(Duration::from_millis(100)) {
            ui.feed(&bytes);
        }
    }
    ui.wait_for_text("copy me");
    ui.send("q");
    assert!(ui.wait_for_exit().success());
    ui.assert_restored();
}

#[test]
fn a_keyword_search_opens_its_hit_at_the_word() {
    let dir = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let response: Vec<String> = (1..=150)
        .map(|n| if n == 120 { "line 120: the zanzibar clause".to_owned() } else { format!("line {n}: filler") })
        .collect();
    let at = (chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let long = serde_json::json!({
        "id": "e2e-long", "timestamp": at, "prompt": "summarise the contract", "response": response.join("\n"),
    });
    let lines = [record_line("e2e-1", "an unrelated prompt", 30), long.to_string(), record_line("e2e-3", "newest", 1)];
    append(&today_file(dir.path()), &format!("{}\n", lines.join("\n")));

    let mut ui = Session::start(dir.path(), config.path());
    ui.wait_for_text("newest");
    // `/`, Tab to keyword mode, the word, Enter to keep it.
    ui.send("/\tzanzibar\r");
    ui.wait_for_text("1/3 records");
    ui.wait_for_text("hit 1/1 (n/N)");
    ui.wait_for_text("line 120: the zanzibar clause");
    assert!(!ui.text().contains("line 1: filler"), "the detail opened at the word, not at its top:\n{}", ui.text());
    ui.send("q");
    assert!(ui.wait_for_exit().success());
    ui.assert_restored();
}
