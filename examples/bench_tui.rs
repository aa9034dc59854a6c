//! TUI benchmark (issue 4): launch to first frame, frame render time at 1 M records, keystroke to
//! updated frame in search, append to visible while following, opening a 500-turn conversation
//! (issue 13; `--only conversation` needs no corpus).
//!
//! ```text
//! cargo run --release --example gen -- --mb 1000 --out /tmp/corpus-1g
//! cargo run --release --example gen -- --small 1000000 --out /tmp/corpus-small
//! cargo run --release --example bench_tui -- [--big /tmp/corpus-1g] [--small /tmp/corpus-small] [--appends 200]
//! ```
//!
//! The UI runs in-process on a `TestBackend` through the same `update`, `execute` (the store work
//! effects ask for) and rendering code as the real UI; the difference is that effects run inline
//! here instead of on blocking threads, so every figure includes the store work the frame waits on.
//! Detail loads (reading and pretty-printing the selected record) are left out of keystroke
//! timings: the real UI paints the moved selection first and the detail when it arrives.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{FixedOffset, Utc};
use interlog::capture::{daily_file_name, InteractionLogger, InteractionsConfig, ManualClock};
use interlog::present::session::HISTORY_LISTED;
use interlog::record::{InteractionRecord, Message, RecordBuilder, Role, ToolCallRecord};
use interlog::store::{Store, StoreEvent};
use interlog::tui::testing::{execute, execute_in_passes, transcript, update, Action, App, Effect, Theme, FIRST_PASS};
use ratatui::backend::TestBackend;
use ratatui::Terminal;

struct Harness {
    app: App,
    store: Store,
    terminal: Terminal<TestBackend>,
    /// Effects whose answers the measured frame does not wait for (the selected record's detail).
    deferred: Vec<Effect>,
}

impl Harness {
    fn new(dir: &Path, store: Store, width: u16, height: u16) -> Harness {
        let utc = FixedOffset::east_opt(0).expect("zero offset");
        let app = App::new(dir.to_path_buf(), Utc::now(), utc, Theme::default(), (width, height));
        let terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
        Harness { app, store, terminal, deferred: Vec::new() }
    }

    /// Applies `action` and, transitively, the store work it asks for; details are deferred.
    fn pump(&mut self, action: Action) {
        let mut queue = vec![action];
        while let Some(action) = queue.pop() {
            for effect in update(&mut self.app, action) {
                if matches!(effect, Effect::Detail { .. }) {
                    self.deferred.push(effect);
                } else {
                    queue.extend(execute(&self.store, effect, self.app.time_offset()));
                }
            }
        }
    }

    fn finish_deferred(&mut self) {
        for effect in std::mem::take(&mut self.deferred) {
            if let Some(action) = execute(&self.store, effect, self.app.time_offset()) {
                self.pump(action);
            }
        }
    }

    fn draw(&mut self) {
        let app = &self.app;
        self.terminal.draw(|frame| frame.render_widget(app, frame.area())).expect("draw");
    }

    fn shows_rows(&self) -> bool {
        self.app.selected_entry().is_some_and(|entry| self.app.rows().contains_key(&entry))
    }
}

fn follow(dir: &Path) -> (Store, Receiver<StoreEvent>) {
    let (sender, events) = channel();
    let store = Store::follow(dir, move |event| {
        let _ = sender.send(event);
    })
    .expect("follow");
    (store, events)
}

fn wait_loaded(harness: &mut Harness, events: &Receiver<StoreEvent>) {
    while harness.store.is_loading() || harness.app.load().loading {
        match events.recv_timeout(Duration::from_secs(300)) {
            Ok(event) => harness.pump(Action::Store(event)),
            Err(_) => panic!("the store did not finish loading"),
        }
    }
}

struct Figures(Vec<Duration>);

impl Figures {
    fn line(mut self, what: &str) {
        self.0.sort();
        let at = |q: f64| self.0[((self.0.len() - 1) as f64 * q).round() as usize];
        println!(
            "{what}: n={} median {:.3} ms · p99 {:.3} ms · max {:.3} ms",
            self.0.len(),
            ms(at(0.5)),
            ms(at(0.99)),
            ms(at(1.0))
        );
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn launch(dir: &Path) {
    let start = Instant::now();
    let (store, events) = follow(dir);
    let mut harness = Harness::new(dir, store, 120, 40);
    harness.draw();
    let first_paint = start.elapsed();
    harness.pump(Action::Refresh);
    while !harness.shows_rows() {
        let event = events.recv_timeout(Duration::from_secs(300)).expect("a store event");
        harness.pump(Action::Store(event));
    }
    harness.draw();
    let newest_shown = start.elapsed();
    let shown_then = harness.app.results().entries.len();
    wait_loaded(&mut harness, &events);
    harness.draw();
    let loaded = start.elapsed();
    println!("launch on {}:", dir.display());
    println!("  first frame painted (loading…):        {:8.1} ms", ms(first_paint));
    println!(
        "  first frame with the newest records:   {:8.1} ms ({shown_then} records indexed by then)",
        ms(newest_shown)
    );
    println!("  everything indexed ({} records):      {:8.1} ms", harness.app.load().total, ms(loaded));
}

fn at_a_million(dir: &Path) {
    let (store, events) = follow(dir);
    let mut harness = Harness::new(dir, store, 240, 70);
    harness.pump(Action::Refresh);
    wait_loaded(&mut harness, &events);
    harness.finish_deferred();
    println!("{} records in view", harness.app.results().entries.len());

    for (width, height) in [(240u16, 70u16), (120, 40)] {
        harness.pump(Action::Resize { width, height });
        harness.terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
        harness.finish_deferred();
        let mut frames = Vec::new();
        for _ in 0..300 {
            let start = Instant::now();
            harness.draw();
            frames.push(start.elapsed());
        }
        Figures(frames).line(&format!("render one frame at {width}×{height}"));
    }

    let mut moves = Vec::new();
    for n in 0..300 {
        let action = if n % 50 == 49 { Action::PageDown } else { Action::Down };
        let start = Instant::now();
        harness.pump(action);
        harness.draw();
        moves.push(start.elapsed());
        harness.finish_deferred();
    }
    Figures(moves).line("j / PgDn → updated frame (120×40)");
    harness.pump(Action::Bottom);
    let start = Instant::now();
    harness.draw();
    println!("G (to the oldest of 1 M) → frame: {:.3} ms", ms(start.elapsed()));

    for (mode, text) in [("fuzzy", "cargo test panic"), ("keyword", "deadlock refund")] {
        harness.pump(Action::ClearFilters);
        harness.pump(Action::OpenSearch);
        if mode == "keyword" {
            harness.pump(Action::SearchToggleMode);
        }
        let (mut first_frames, mut full_frames) = (Vec::new(), Vec::new());
        for c in text.chars() {
            let start = Instant::now();
            let effects = update(&mut harness.app, Action::SearchInput(c));
            let store = harness.store.clone();
            let offset = harness.app.time_offset();
            let mut frames = Vec::new();
            for effect in effects {
                execute_in_passes(&store, effect, offset, &mut |action| {
                    harness.pump(action);
                    harness.draw();
                    frames.push(start.elapsed());
                });
            }
            first_frames.extend(frames.first().copied());
            full_frames.extend(frames.last().copied());
            harness.finish_deferred();
        }
        let matched = harness.app.results().entries.len();
        Figures(first_frames)
            .line(&format!("keystroke → first updated frame (newest {FIRST_PASS} searched), {mode} {text:?}"));
        Figures(full_frames).line(&format!("keystroke → complete answer on screen, {mode} {text:?} ({matched} shown)"));
        harness.pump(Action::Back);
        if mode == "keyword" {
            harness.pump(Action::SearchToggleMode);
        }
    }
}

/// A writable directory that holds the corpus by symlink. The corpus is shared and read-only: the
/// bench's writer writes a day no corpus file has (see `appends`), never through a symlink.
fn writable_copy(corpus: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(corpus).expect("corpus directory") {
        let path = entry.expect("entry").path();
        if let Some(name) = path.file_name() {
            std::os::unix::fs::symlink(&path, dir.path().join(name)).expect("symlink");
        }
    }
    dir
}

fn appends(corpus: &Path, count: usize) {
    let copy = writable_copy(corpus);
    let (store, events) = follow(copy.path());
    let mut harness = Harness::new(copy.path(), store, 120, 40);
    harness.pump(Action::Refresh);
    wait_loaded(&mut harness, &events);
    harness.finish_deferred();
    // No pruning, and a day after the corpus ends, so the appends go to a new file of our own.
    let config = InteractionsConfig { retention_days: 0, ..InteractionsConfig::default() };
    let day_after = Utc::now() + chrono::Duration::days(2);
    let target = copy.path().join(daily_file_name(day_after.date_naive()));
    assert!(std::fs::symlink_metadata(&target).is_err(), "{} must be a new file", target.display());
    let clock = Arc::new(ManualClock::new(day_after));
    let logger = InteractionLogger::with_clock(copy.path(), config, clock).expect("writer");
    let mut latencies = Vec::new();
    for n in 0..count {
        let record = InteractionRecord::builder(format!("bench append {n}")).project("bench").build();
        let start = Instant::now();
        logger.log(&record).expect("log");
        loop {
            let visible = harness.app.selected_summary().is_some_and(|summary| summary.id == record.id);
            if visible {
                harness.draw();
                latencies.push(start.elapsed());
                break;
            }
            let event = events.recv_timeout(Duration::from_secs(10)).expect("the append to be seen");
            harness.pump(Action::Store(event));
        }
        harness.finish_deferred();
        std::thread::sleep(Duration::from_millis(20));
    }
    Figures(latencies).line(&format!("append → visible while following ({} records)", harness.app.load().total));
}

/// A record with a 10 MB response, as one line and as prose: preparing it (off the UI loop),
/// laying it out (on the UI loop, on arrival, resize and tab change), and scrolling it.
fn huge_record() {
    let prose: String = (0..)
        .map(|n| {
            format!("Line {n}: the quick brown fox jumps over the lazy dog, again and again, to fill ten megabytes.\n")
        })
        .take_while({
            let mut total = 0;
            move |line: &String| {
                total += line.len();
                total <= 10_000_000
            }
        })
        .collect();
    let one_line = "x".repeat(10_000_000);
    for (shape, text) in [("prose", prose), ("one line", one_line)] {
        let mut record = InteractionRecord::builder("Summarise this log").build();
        record.response = Some(text);
        let stored = record.to_json();
        let start = Instant::now();
        let mut data = interlog::tui::testing::prepare(interlog::store::EntryId(0), record, stored.as_bytes());
        let text_width = interlog::tui::testing::areas(120, 40)
            .map_or(0, |areas| interlog::tui::testing::detail_text(areas.detail).width);
        data.lay_out(text_width);
        let prepared = start.elapsed();
        let mut app = App::new(
            PathBuf::from("/tmp"),
            Utc::now(),
            FixedOffset::east_opt(0).expect("utc"),
            Theme::default(),
            (120, 40),
        );
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
        update(
            &mut app,
            Action::Results(interlog::tui::testing::QueryReply {
                generation: 0,
                entries: vec![interlog::store::EntryId(0)],
                ..Default::default()
            }),
        );
        let start = Instant::now();
        update(&mut app, Action::Detail { entry: interlog::store::EntryId(0), data: Ok(std::sync::Arc::new(data)) });
        let laid_out = start.elapsed();
        update(&mut app, Action::FocusNext);
        let mut frames = Vec::new();
        for n in 0..200 {
            let action = if n == 100 { Action::Bottom } else { Action::PageDown };
            let start = Instant::now();
            update(&mut app, action);
            terminal.draw(|frame| frame.render_widget(&app, frame.area())).expect("draw");
            frames.push(start.elapsed());
        }
        let start = Instant::now();
        update(&mut app, Action::SelectTab(interlog::tui::testing::Tab::Raw));
        let raw_layout = start.elapsed();
        println!(
            "10 MB response ({shape}): prepare and lay out {:.1} ms (background) · on arrival {:.1} ms · Raw tab {:.1} ms (UI loop)",
            ms(prepared),
            ms(laid_out),
            ms(raw_layout)
        );
        Figures(frames).line(&format!("  scroll (PgDn / G) → frame, 10 MB {shape}"));
    }
}

/// The real binary in a pseudo-terminal: process start to the first frame showing records
/// ("Records 1/" in the list's title), as a user sees it. Needs `cargo build --release` first.
fn binary_launch(dir: &Path) {
    use portable_pty::{native_pty_system, CommandBuilder, PtySize};
    use std::io::{Read, Write};
    let binary = std::env::current_exe().expect("own path").parent().and_then(Path::parent).map(|p| p.join("interlog"));
    let Some(binary) = binary.filter(|path| path.exists()) else {
        println!("binary launch: build the binary first (cargo build --release)");
        return;
    };
    let mut runs = Vec::new();
    let mut painted = Vec::new();
    for _ in 0..5 {
        let pair =
            native_pty_system().openpty(PtySize { rows: 40, cols: 120, pixel_width: 0, pixel_height: 0 }).expect("pty");
        let mut command = CommandBuilder::new(&binary);
        command.args(["--dir", dir.to_str().expect("utf-8 path"), "tui"]);
        command.env("TERM", "xterm-256color");
        let start = Instant::now();
        let mut child = pair.slave.spawn_command(command).expect("spawn");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let mut writer = pair.master.take_writer().expect("writer");
        let (sender, output) = channel();
        std::thread::spawn(move || {
            let mut chunk = [0u8; 65536];
            while let Ok(read) = reader.read(&mut chunk) {
                if read == 0 || sender.send(chunk[..read].to_vec()).is_err() {
                    break;
                }
            }
        });
        let mut parser = vt100::Parser::new(40, 120, 0);
        let mut first_paint = None;
        loop {
            let bytes = output.recv_timeout(Duration::from_secs(60)).expect("output");
            parser.process(&bytes);
            let screen = parser.screen().contents();
            if first_paint.is_none() && screen.contains("interlog") {
                first_paint = Some(start.elapsed());
            }
            if screen.contains("Records 1/") {
                runs.push(start.elapsed());
                break;
            }
        }
        painted.extend(first_paint);
        writer.write_all(b"q").expect("q");
        let _ = child.wait();
    }
    Figures(painted).line(&format!("binary: process start → first frame (status bar), {}", dir.display()));
    Figures(runs).line(&format!("binary: process start → first frame with records, {}", dir.display()));
}

/// A 500-turn agent session (a tool call a turn, the history re-sent, as tool loops do): Enter on
/// its newest record → the transcript read from the store, laid out and drawn.
fn conversation_500() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = InteractionsConfig { retention_days: 0, ..InteractionsConfig::default() };
    let start = Utc::now() - chrono::Duration::hours(2);
    let clock = Arc::new(ManualClock::new(start));
    let logger = InteractionLogger::with_clock(dir.path(), config, clock.clone()).expect("writer");
    let mut history: Vec<Message> = Vec::new();
    for turn in 0..500 {
        let prompt = if turn % 25 == 0 { format!("Step {turn}: make the next test pass") } else { String::new() };
        let builder = RecordBuilder::new(prompt)
            .session_id("bench-session-500")
            .project("bench")
            .model("bench-model")
            .tokens(20_000 + turn * 40, 300)
            .duration_ms(2_000)
            .response(format!("Turn {turn}: I ran the tests; {} still fail. Next I edit src/lib.rs.", 500 - turn));
        history.push(Message::text(Role::User, format!("tool result of turn {turn}: ok")));
        history.push(Message::text(Role::Assistant, format!("calling Bash for turn {turn}")));
        let call = ToolCallRecord {
            name: "Bash".into(),
            arguments: Some(serde_json::json!({"command": format!("cargo test step_{turn}")})),
            success: Some(turn % 3 != 0),
            result: Some(format!("test step_{turn} ... ok\n")),
            ..Default::default()
        };
        let mut record = builder.tool_call(call).build();
        record.messages = history.clone();
        logger.log(&record).expect("log");
        clock.advance(chrono::Duration::seconds(10));
    }
    drop(logger);
    let (store, events) = follow(dir.path());
    let mut harness = Harness::new(dir.path(), store, 120, 40);
    harness.pump(Action::Refresh);
    wait_loaded(&mut harness, &events);
    harness.finish_deferred();
    let bytes: u64 = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .filter_map(|entry| entry.metadata().ok())
        .map(|meta| meta.len())
        .sum();
    let mut opens = Vec::new();
    for _ in 0..20 {
        let start = Instant::now();
        harness.pump(Action::OpenConversation);
        harness.draw();
        opens.push(start.elapsed());
        harness.pump(Action::Back);
    }
    Figures(opens).line(&format!(
        "open a 500-turn conversation ({:.1} MB of records, history re-sent) → frame",
        bytes as f64 / 1e6
    ));
    // Where the time goes: reading the records, building the transcript.
    let (mut reads, mut builds) = (Vec::new(), Vec::new());
    for _ in 0..20 {
        let start = Instant::now();
        let entries = harness.store.conversation("bench-session-500");
        let read = harness.store.read_transcript(&entries, HISTORY_LISTED).expect("read");
        reads.push(start.elapsed());
        let start = Instant::now();
        let clock = interlog::present::time::Clock::fixed(FixedOffset::east_opt(0).expect("utc"), Utc::now());
        std::hint::black_box(transcript("bench-session-500", &read, &clock));
        builds.push(start.elapsed());
    }
    Figures(reads).line("  of which reading the 500 records");
    Figures(builds).line("  of which building the transcript");
}

fn main() {
    let mut big = PathBuf::from("/tmp/corpus-1g");
    let mut small = PathBuf::from("/tmp/corpus-small");
    let mut count = 200;
    let mut only: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--big" => big = args.next().map(PathBuf::from).expect("--big DIR"),
            "--small" => small = args.next().map(PathBuf::from).expect("--small DIR"),
            "--only" => only = args.next(),
            "--appends" => count = args.next().and_then(|n| n.parse().ok()).expect("--appends N"),
            other => panic!("unknown argument {other}; see the file's header"),
        }
    }
    let run = |part: &str| only.as_deref().is_none_or(|only| only == part);
    if run("launch") {
        launch(&big);
        launch(&small);
    }
    if run("binary") {
        binary_launch(&big);
        binary_launch(&small);
    }
    if run("million") {
        at_a_million(&small);
    }
    if run("appends") {
        appends(&small, count);
    }
    if run("huge") {
        huge_record();
    }
    if run("conversation") {
        conversation_500();
    }
}
