//! Memory under repeated rewrites: follows a directory whose one daily file (50 000 records by
//! default) is replaced whole again and again, and prints the process's memory after the first
//! load and after the last rewrite.
//!
//! ```text
//! cargo run --release --features store --example bench_rewrite -- [--records 50000] [--rounds 40]
//! ```
//!
//! Each round writes the file beside and renames it over the old one (a new inode, as an editor
//! or a copy tool does); the follower drops the old entries and indexes the new ones. Run it in
//! its own process: VmHWM is the process's peak.

use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use interlog::store::{Store, StoreEvent};

const WAIT: Duration = Duration::from_secs(120);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (records, rounds) = (flag("--records", 50_000), flag("--rounds", 40));
    let dir = tempfile::tempdir().expect("a temporary directory");
    rewrite(dir.path(), 0, records);
    let (sender, events) = mpsc::channel();
    let sender = std::sync::Mutex::new(sender);
    let store = Store::follow(dir.path(), move |event| {
        let _ = sender.lock().map(|s| s.send(event));
    })
    .expect("following the directory");
    wait_for(&store, &events, 0, records);
    report("after the first load", &store);
    let started = Instant::now();
    for round in 1..=rounds {
        rewrite(dir.path(), round, records);
        wait_for(&store, &events, round, records);
    }
    report(&format!("after {rounds} rewrites ({:.1} s)", started.elapsed().as_secs_f64()), &store);
}

/// Replaces the daily file with `records` new records.
fn rewrite(dir: &Path, round: usize, records: usize) {
    let mut text = String::with_capacity(records * 400);
    for n in 0..records {
        text.push_str(&format!(
            concat!(
                r#"{{"id":"r{round}-{n:06}","timestamp":"2026-12-01T{h:02}:{m:02}:{s:02}Z","session_id":"s{session}","#,
                r#""project":"/home/dev/project-{project}","client":"claude-code","model":"claude-sonnet-4","#,
                r#""prompt":"Round {round}, request {n}: refactor the parser so that it keeps going after a bad line","#,
                r#""response":"Done: the parser now resynchronises at the next record.","tags":["t{tag}","bench"],"#,
                r#""tool_calls":[{{"name":"read_file"}},{{"name":"edit"}}],"input_tokens":1200,"output_tokens":300,"#,
                r#""duration_ms":900,"stop_reason":"end_turn"}}"#,
                "\n"
            ),
            round = round,
            n = n,
            h = n / 3600 % 24,
            m = n / 60 % 60,
            s = n % 60,
            session = n / 20,
            project = n % 7,
            tag = n % 50,
        ));
    }
    let staged = dir.join("staging.tmp");
    std::fs::write(&staged, text).expect("writing the staged file");
    std::fs::rename(&staged, dir.join("interactions-2026-12-01.jsonl")).expect("renaming it into place");
}

/// Waits until round `round`'s last record is indexed and the store holds exactly one round.
fn wait_for(store: &Store, events: &mpsc::Receiver<StoreEvent>, round: usize, records: usize) {
    let last = format!("r{round}-{:06}", records - 1);
    let deadline = Instant::now() + WAIT;
    while store.find_id(&last).is_none() || store.len() != records {
        let left = deadline.saturating_duration_since(Instant::now());
        if events.recv_timeout(left).is_err() {
            eprintln!("round {round} was not indexed within {WAIT:?}");
            std::process::exit(1);
        }
    }
}

fn report(when: &str, store: &Store) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.trim().to_owned()).unwrap_or_else(|| "?".into())
    };
    println!(
        "{when}: {} records, {} entry slots, VmRSS {}, VmHWM {}",
        store.len(),
        store.entry_slots(),
        field("VmRSS:"),
        field("VmHWM:")
    );
}
