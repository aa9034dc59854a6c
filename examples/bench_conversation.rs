//! Opening a long agent session's conversation (issue 13): a tool loop of `--turns` turns whose
//! every request re-sends the whole conversation so far, read from the store and made into the
//! transcript document (history derived by the store, each turn's history folded), then laid out
//! at 120 columns as the view does.
//!
//! ```text
//! cargo run --release --example bench_conversation -- [--turns 500] [--runs 5]
//! ```

use std::io::Write;
use std::time::{Duration, Instant};

use chrono::FixedOffset;
use interlog::present::doc::{Fold, Folds};
use interlog::present::layout::DocLayout;
use interlog::present::session::{transcript, Session, HISTORY_LISTED};
use interlog::present::time::Clock;
use interlog::store::{Store, TranscriptRecords};
use interlog::tui::testing::{execute, Action, Effect, FORM};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|at| args.get(at + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Turn `n` re-sends every message before it, then hands back a tool result (or a new prompt
/// every tenth turn); each answer is a paragraph and one tool call.
fn session(turns: usize) -> String {
    let mut messages: Vec<String> = Vec::new();
    let mut out = String::new();
    let answer = "Looking at the failing test and the code it exercises. ".repeat(8);
    for n in 0..turns {
        let new = if n % 10 == 0 {
            format!(r#"{{"role":"user","content":"step {n}: make the next test pass"}}"#)
        } else {
            format!(
                r#"{{"role":"user","content":[{{"type":"tool_result","tool_use_id":"c{}","content":"{}"}}]}}"#,
                n - 1,
                "test output line\n".repeat(20).replace('\n', "\\n")
            )
        };
        messages.push(new);
        out.push_str(&format!(
            r#"{{"id":"t{n:04}","timestamp":"2026-11-20T10:{:02}:{:02}Z","session_id":"long","model":"m","usage":{{"input_tokens":{},"output_tokens":80}},"messages":[{}],"response":"{answer}","tool_calls":[{{"name":"Bash","call_id":"c{n}","arguments":{{"cmd":"cargo test"}},"success":true,"result":"ok"}}]}}"#,
            n / 60,
            n % 60,
            100 * messages.len(),
            messages.join(",")
        ));
        out.push('\n');
        messages.push(format!(
            r#"{{"role":"assistant","content":[{{"type":"text","text":"{answer}"}},{{"type":"tool_use","id":"c{n}","name":"Bash","input":{{"cmd":"cargo test"}}}}]}}"#
        ));
    }
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (turns, runs) = (arg("--turns", 500), arg("--runs", 5));
    let dir = tempfile::tempdir()?;
    let mut file = std::fs::File::create(dir.path().join("interactions-2026-11-20.jsonl"))?;
    file.write_all(session(turns).as_bytes())?;
    drop(file);
    let store = Store::load(dir.path())?;
    let size = std::fs::metadata(dir.path().join("interactions-2026-11-20.jsonl"))?.len();
    let utc = FixedOffset::east_opt(0).ok_or("no zero offset")?;
    let folds = Folds::closed(&[Fold::ToolDetail, Fold::SubAgent, Fold::History]);
    let mut times: Vec<Duration> = Vec::new();
    let mut lines = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let effect = Effect::Conversation { generation: 1, session: "long".into() };
        let Some(Action::Conversation { data: Ok((doc, _)), .. }) = execute(&store, effect, utc) else {
            return Err("the conversation did not load".into());
        };
        let layout = DocLayout::new(&doc, 120, &folds);
        times.push(started.elapsed());
        lines = doc.lines.len();
        std::hint::black_box(layout.total_rows);
    }
    times.sort();
    let median = times[times.len() / 2];
    // Where the time goes: reading (parsing) the records, then the document and its layout.
    let started = Instant::now();
    let entries = store.conversation("long");
    let records = store.read_transcript(&entries, HISTORY_LISTED)?;
    let read = started.elapsed();
    let started = Instant::now();
    let clock = Clock::fixed(utc, chrono::Utc::now());
    let TranscriptRecords { records, history, left_out } = &records;
    let doc = transcript(&Session { id: "long", records, history, left_out }, &clock, &FORM);
    let built = started.elapsed();
    let started = Instant::now();
    std::hint::black_box(DocLayout::new(&doc, 120, &folds).total_rows);
    let laid = started.elapsed();
    println!(
        "of which: reading and parsing the records {:.1} ms, the transcript {:.1} ms, its layout {:.1} ms",
        read.as_secs_f64() * 1e3,
        built.as_secs_f64() * 1e3,
        laid.as_secs_f64() * 1e3
    );
    println!(
        "{turns} turns ({:.1} MB of records), {lines} document lines: open (read + transcript + layout) median {:.1} ms, max {:.1} ms over {runs} runs",
        size as f64 / 1e6,
        median.as_secs_f64() * 1e3,
        times.last().map_or(0.0, |t| t.as_secs_f64() * 1e3)
    );
    Ok(())
}
