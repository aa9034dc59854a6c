//! Adversarial checks across writer and store: writers killed mid-write lose no acknowledged
//! record, and no generated line makes the reader panic or disagree with itself.
#![cfg(feature = "store")]

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use interlog::capture::{InteractionLogger, InteractionsConfig};
use interlog::record::InteractionRecord;
use interlog::store::{Query, Store};

/// Set in a child process started by [`killed_writers_lose_no_acknowledged_record`]: the log
/// directory it writes into.
const CHILD_DIR: &str = "INTERLOG_HARDENING_WRITER_DIR";
const CHILD_SEED: &str = "INTERLOG_HARDENING_WRITER_SEED";
const ACK: &str = "ACK ";

/// Not a test of its own: the body of a writer process, which logs records of random size (up
/// to a few MiB, so that a kill often lands inside a `write(2)`) and prints each id once the
/// writer has returned it: that line is the acknowledgement.
#[test]
fn soak_writer_child() {
    let (Some(dir), Some(seed)) = (std::env::var_os(CHILD_DIR), std::env::var(CHILD_SEED).ok()) else {
        return;
    };
    let mut rng = fastrand::Rng::with_seed(seed.parse().unwrap_or(1));
    let logger = InteractionLogger::open(Path::new(&dir), InteractionsConfig::default()).unwrap();
    let mut stdout = std::io::stdout().lock();
    loop {
        let size = if rng.bool() { rng.usize(1 << 20..4 << 20) } else { rng.usize(10..4096) };
        let record = InteractionRecord::builder("x".repeat(size)).session_id(format!("s{}", rng.u8(..4))).build();
        let id = logger.log(&record).unwrap();
        use std::io::Write;
        writeln!(stdout, "{ACK}{id}").unwrap();
        stdout.flush().unwrap();
    }
}

fn spawn_writer(dir: &Path, seed: u64) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "hardening::soak_writer_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR, dir)
        .env(CHILD_SEED, seed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Every id a writer process printed before it was killed; `count` says how many so far.
fn collect_acks(child: &mut Child, acks: mpsc::Sender<String>, count: Arc<AtomicUsize>) -> std::thread::JoinHandle<()> {
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(id) = line.strip_prefix(ACK) {
                count.fetch_add(1, Ordering::SeqCst);
                let _ = acks.send(id.to_owned());
            }
        }
    })
}

#[test]
fn killed_writers_lose_no_acknowledged_record() {
    const WRITERS: usize = 20;
    const AT_ONCE: usize = 2;
    let dir = tempfile::tempdir().unwrap();
    let mut rng = fastrand::Rng::with_seed(0x5eed_0008);
    let (acks, acked) = mpsc::channel();
    let mut running: Vec<(Child, Instant, Arc<AtomicUsize>)> = Vec::new();
    let mut readers = Vec::new();
    let mut started = 0;
    let deadline = Instant::now() + Duration::from_secs(30);
    while (started < WRITERS || !running.is_empty()) && Instant::now() < deadline {
        while running.len() < AT_ONCE && started < WRITERS {
            let mut child = spawn_writer(dir.path(), rng.u64(..));
            let count = Arc::new(AtomicUsize::new(0));
            readers.push(collect_acks(&mut child, acks.clone(), Arc::clone(&count)));
            // Killed at a random moment, about a second in (20 writers take some 9 s), but never
            // before its first acknowledgement: on a loaded machine a start can take longer.
            let kill_at = Instant::now() + Duration::from_millis(rng.u64(300..1500));
            running.push((child, kill_at, count));
            started += 1;
        }
        let now = Instant::now();
        running.retain_mut(|(child, kill_at, count)| {
            if *kill_at > now || count.load(Ordering::SeqCst) == 0 {
                return true;
            }
            let _ = child.kill();
            let _ = child.wait();
            false
        });
        std::thread::sleep(Duration::from_millis(10));
    }
    for (mut child, _, _) in running {
        let _ = child.kill();
        let _ = child.wait();
    }
    drop(acks);
    for reader in readers {
        reader.join().unwrap();
    }
    let acked: Vec<String> = acked.into_iter().collect();
    assert!(acked.len() >= WRITERS, "the writers got to write: {} acknowledged", acked.len());

    let store = Store::load(dir.path()).unwrap();
    let mut missing = Vec::new();
    for id in &acked {
        match store.find_id(id).map(|entry| store.read_record(entry)) {
            Some(Ok(record)) if &record.id == id => {}
            other => missing.push(format!("{id}: {:?}", other.map(|r| r.map(|r| r.id)))),
        }
    }
    assert!(missing.is_empty(), "{} of {} acknowledged records unreadable: {missing:?}", missing.len(), acked.len());
    let torn = store.bad_lines().len();
    let bytes: u64 = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum();
    eprintln!("{} acknowledged records, {torn} torn lines, {} MB", acked.len(), bytes >> 20);
    let unique: HashSet<&String> = acked.iter().collect();
    assert_eq!(unique.len(), acked.len());
}

// ---- generated lines -----------------------------------------------------------------------

/// Strings a hostile or broken writer may produce, as JSON string bodies (escaped or raw).
const HOSTILE: &[&str] = &[
    r"\ud800",
    r"\udfff\ud83d",
    r"\ud83d\ude00",
    r"\u0000\u001b[2J",
    "\u{202e}\u{200d}\u{e0041}",
    r#"{\"id\":\"x\"}"#,
    r"\\",
    r"\n\r\t",
    "café 日本 🙂",
    r"\u00e9",
    "",
    " ",
];

fn hostile_string(rng: &mut fastrand::Rng) -> String {
    (0..rng.usize(1..4)).map(|_| HOSTILE[rng.usize(..HOSTILE.len())]).collect()
}

/// A JSON value of any kind, most often a string; nested at most `depth` deep.
fn value(rng: &mut fastrand::Rng, depth: u32) -> String {
    match rng.u8(..10) {
        0 => "null".into(),
        1 => ["true", "false"][rng.usize(..2)].into(),
        2 => ["0", "-1", "1e400", "18446744073709551616", "3.5", "-0"][rng.usize(..6)].into(),
        3 if depth > 0 => {
            format!("[{}]", (0..rng.usize(..3)).map(|_| value(rng, depth - 1)).collect::<Vec<_>>().join(","))
        }
        4 if depth > 0 => object(rng, depth - 1, &["name", "text", "role", "content", "id", "input_tokens"]),
        _ => format!("\"{}\"", hostile_string(rng)),
    }
}

fn object(rng: &mut fastrand::Rng, depth: u32, keys: &[&str]) -> String {
    let members: Vec<String> =
        (0..rng.usize(..5)).map(|_| format!("\"{}\":{}", keys[rng.usize(..keys.len())], value(rng, depth))).collect();
    format!("{{{}}}", members.join(","))
}

const FIELDS: &[&str] = &[
    "session_id",
    "project",
    "client",
    "model",
    "prompt",
    "response",
    "messages",
    "tool_calls",
    "tags",
    "usage",
    "duration_ms",
    "error",
    "stop_reason",
    "context_pack",
    "system_prompt",
];

/// A line: a plausible record with hostile values, random bytes, or pieces of both glued.
fn generated_line(rng: &mut fastrand::Rng, n: usize) -> Vec<u8> {
    let record = || {
        let mut rng = fastrand::Rng::with_seed(n as u64);
        let members: Vec<String> = (0..rng.usize(..6))
            .map(|_| format!("\"{}\":{}", FIELDS[rng.usize(..FIELDS.len())], value(&mut rng, 3)))
            .collect();
        let timestamp = ["2026-12-01T00:00:00Z", "2026-12-01 10:00:00", "1600-01-01T00:00:00Z", "soon"][rng.usize(..4)];
        let id = if rng.u8(..8) == 0 { value(&mut rng, 0) } else { format!("\"r{n}\"") };
        let sep = if members.is_empty() { "" } else { "," };
        format!("{{\"id\":{id},\"timestamp\":\"{timestamp}\"{sep}{}}}", members.join(","))
    };
    match rng.u8(..10) {
        0 => (0..rng.usize(..200)).map(|_| rng.u8(..)).filter(|&b| b != b'\n').collect(),
        1 => {
            let whole = record();
            let cut = rng.usize(..=whole.len());
            let mut torn = whole.as_bytes()[..cut].to_vec();
            torn.extend_from_slice(record().as_bytes());
            torn
        }
        _ => record().into_bytes(),
    }
}

#[test]
fn generated_lines_never_panic_and_the_index_agrees_with_the_read_back() {
    let mut rng = fastrand::Rng::with_seed(0xf022_0008);
    for round in 0..40 {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = Vec::new();
        for n in 0..100 {
            bytes.extend(generated_line(&mut rng, round * 1000 + n));
            bytes.push(b'\n');
        }
        std::fs::write(dir.path().join("interactions-2026-12-01.jsonl"), &bytes).unwrap();
        let store = Store::load(dir.path()).unwrap();
        let all = store.query(&Query::default());
        assert_eq!(
            all.entries.len() + store.bad_lines().iter().filter(|b| !b.reason.contains("unfinished record")).count(),
            100 - blank_lines(&bytes),
            "round {round}: every line is a record or a bad line"
        );
        for entry in all.entries {
            let summary = store.summary(entry).unwrap();
            let record =
                store.read_record(entry).unwrap_or_else(|e| panic!("round {round}: indexed but unreadable: {e}"));
            assert_eq!(record.id, summary.id, "round {round}");
            assert_eq!(record.timestamp, summary.timestamp, "round {round}: {}", summary.id);
            let raw = store.read_raw(entry).unwrap();
            assert!(InteractionRecord::from_json(std::str::from_utf8(&raw).unwrap()).is_ok());
        }
        for term in ["café", "日本", "x", "\u{fffd}"] {
            let _ = store.query(&Query { search: Some(term.into()), ..Query::default() });
        }
        let _ = store.fuzzy("r1", None, 10);
        let _ = store.sessions();
    }
}

fn blank_lines(bytes: &[u8]) -> usize {
    bytes.split(|&b| b == b'\n').filter(|line| !line.is_empty() && line.iter().all(u8::is_ascii_whitespace)).count()
        + bytes.split(|&b| b == b'\n').filter(|line| line.is_empty()).count().saturating_sub(1)
}
