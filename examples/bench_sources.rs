//! Transcript sources benchmark: generates a Claude Code `projects` tree, then measures loading it
//! (time, memory, time to the first progress report), one record read back, a keyword search and
//! follow latency; optionally the same volume in interlog's own format beside it.
//!
//! ```text
//! cargo run --release --example bench_sources -- gen --mb 2000 --sessions 5000 --out /tmp/claude-2g
//! cargo run --release --example bench_sources -- load /tmp/claude-2g [--ours /tmp/corpus-2g]
//! ```
//!
//! The generated sessions follow the shape of real ones (docs/sources.md): a prompt, then calls
//! written as one assistant line per content block sharing `message.id`/`requestId`, parallel tool
//! calls whose results come back in the following user lines, and one sub-agent file in ten
//! sessions. Run `load` in its own process so that VmHWM is the load's own peak.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use interlog::source::{Source, SourceKind};
use interlog::store::{FollowOptions, Query, Store, StoreEvent};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    match args.first().map(String::as_str) {
        Some("gen") => {
            let mb: u64 = flag("--mb").and_then(|v| v.parse().ok()).unwrap_or(2000);
            let sessions: u64 = flag("--sessions").and_then(|v| v.parse().ok()).unwrap_or(5000);
            let out = PathBuf::from(flag("--out").unwrap_or_else(|| usage()));
            generate(&out, mb * 1_000_000, sessions);
        }
        Some("load") => {
            let Some(dir) = args.get(1).map(PathBuf::from) else { usage() };
            load(&dir, flag("--ours").map(PathBuf::from));
        }
        _ => usage(),
    }
}

fn usage() -> ! {
    eprintln!("usage: bench_sources gen --mb N --sessions N --out DIR | bench_sources load DIR [--ours DIR]");
    std::process::exit(2)
}

/// A tiny deterministic generator (xorshift), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const WORDS: &[&str] = &[
    "cart", "order", "payment", "refactor", "test", "module", "error", "handler", "config", "parser", "index", "cache",
    "fixture", "request", "response", "session", "stream", "buffer", "widget", "schema",
];

fn text(rng: &mut Rng, words: usize) -> String {
    let mut out = String::with_capacity(words * 8);
    for n in 0..words {
        if n > 0 {
            out.push(if rng.below(12) == 0 { '\n' } else { ' ' });
        }
        out.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
    }
    out
}

fn json(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

struct Session<'a> {
    out: BufWriter<File>,
    rng: &'a mut Rng,
    session: String,
    cwd: String,
    clock: i64,
    parent: String,
    n: u64,
    written: u64,
    sidechain: Option<String>,
}

impl Session<'_> {
    fn stamp(&mut self) -> String {
        self.clock += 1_000 + self.rng.below(4_000) as i64;
        let at = chrono::DateTime::from_timestamp_millis(self.clock).unwrap_or_default();
        at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }

    fn uuid(&mut self) -> String {
        self.n += 1;
        format!("{:08x}-0000-4000-8000-{:012x}", self.rng.next() as u32, self.n)
    }

    fn line(&mut self, kind: &str, uuid: &str, body: &str) {
        let ts = self.stamp();
        let side = match &self.sidechain {
            Some(agent) => format!(r#""isSidechain":true,"agentId":"{agent}""#),
            None => r#""isSidechain":false"#.to_owned(),
        };
        let line = format!(
            r#"{{"parentUuid":"{}",{side},"userType":"external","cwd":"{}","sessionId":"{}","version":"2.0.1","gitBranch":"main","type":"{kind}",{body},"uuid":"{uuid}","timestamp":"{ts}"}}"#,
            self.parent, self.cwd, self.session
        );
        self.written += line.len() as u64 + 1;
        let _ = writeln!(self.out, "{line}");
        self.parent = uuid.to_owned();
    }

    fn prompt(&mut self) {
        let uuid = self.uuid();
        let words = 5 + self.rng.below(40) as usize;
        let body = format!(r#""message":{{"role":"user","content":{}}}"#, json(&text(self.rng, words)));
        self.line("user", &uuid, &body);
    }

    /// One API call: a text block, then 0–3 parallel tool calls, each its own line; then the results.
    fn call(&mut self, last: bool) {
        let message = format!("msg_{:016x}", self.rng.next());
        let request = format!("req_{:016x}", self.rng.next());
        let tools = if last { 0 } else { 1 + self.rng.below(3) };
        let (input, cached) = (3 + self.rng.below(20), 2_000 + self.rng.below(60_000));
        let mut blocks = vec![format!(r#"{{"type":"text","text":{}}}"#, json(&text(self.rng, 20)))];
        let mut ids = Vec::new();
        for t in 0..tools {
            let id = format!("toolu_{:016x}{t}", self.rng.next());
            blocks.push(format!(
                r#"{{"type":"tool_use","id":"{id}","name":"{}","input":{{"file_path":"/w/src/{}.rs"}}}}"#,
                ["Read", "Grep", "Bash", "Edit"][self.rng.below(4) as usize],
                WORDS[self.rng.below(WORDS.len() as u64) as usize]
            ));
            ids.push(id);
        }
        let count = blocks.len();
        for (n, block) in blocks.into_iter().enumerate() {
            let uuid = self.uuid();
            let output = 10 * (n as u64 + 1);
            let stop = if n + 1 == count {
                if tools > 0 {
                    r#""tool_use""#
                } else {
                    r#""end_turn""#
                }
            } else {
                "null"
            };
            let body = format!(
                r#""requestId":"{request}","message":{{"id":"{message}","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{block}],"stop_reason":{stop},"stop_sequence":null,"usage":{{"input_tokens":{input},"cache_creation_input_tokens":0,"cache_read_input_tokens":{cached},"output_tokens":{output},"service_tier":"standard"}}}}"#
            );
            self.line("assistant", &uuid, &body);
        }
        for id in ids {
            let uuid = self.uuid();
            let words = 50 + self.rng.below(600) as usize;
            let result = json(&text(self.rng, words));
            let body = format!(
                r#""message":{{"role":"user","content":[{{"tool_use_id":"{id}","type":"tool_result","content":{result}}}]}},"toolUseResult":{{"type":"text","file":{{"content":{result}}}}}"#
            );
            self.line("user", &uuid, &body);
        }
    }
}

fn generate(out: &Path, bytes: u64, sessions: u64) {
    let started = Instant::now();
    let mut rng = Rng(20_261_121);
    let per_session = bytes / sessions.max(1);
    let mut total = 0u64;
    let mut files = 0u64;
    let base = chrono::Utc::now().timestamp_millis() - 30 * 86_400_000;
    for s in 0..sessions {
        let project = out.join(format!("-w-project{}", s % 50));
        let _ = fs::create_dir_all(&project);
        let session = format!("{:08x}-1111-4000-8000-{:012x}", s as u32, s);
        let path = project.join(format!("{session}.jsonl"));
        let Ok(file) = File::create(&path) else { panic!("cannot create {}", path.display()) };
        let mut writer = Session {
            out: BufWriter::with_capacity(1 << 20, file),
            rng: &mut rng,
            session: session.clone(),
            cwd: format!("/w/project{}", s % 50),
            clock: base + (s as i64) * 400_000,
            parent: String::new(),
            n: 0,
            written: 0,
            sidechain: None,
        };
        let agent_share = if s % 10 == 0 { per_session / 4 } else { 0 };
        while writer.written < per_session - agent_share {
            writer.prompt();
            let calls = 1 + writer.rng.below(8);
            for c in 0..calls {
                writer.call(c + 1 == calls);
            }
        }
        total += writer.written;
        files += 1;
        let _ = writer.out.flush();
        drop(writer);
        if agent_share > 0 {
            let dir = project.join(&session).join("subagents");
            let _ = fs::create_dir_all(&dir);
            let agent = format!("a{s:06x}");
            let _ = fs::write(dir.join(format!("agent-{agent}.meta.json")), r#"{"agentType":"Explore"}"#);
            let Ok(file) = File::create(dir.join(format!("agent-{agent}.jsonl"))) else { continue };
            let mut writer = Session {
                out: BufWriter::with_capacity(1 << 20, file),
                rng: &mut rng,
                session: session.clone(),
                cwd: format!("/w/project{}", s % 50),
                clock: base + (s as i64) * 400_000 + 60_000,
                parent: String::new(),
                n: 1 << 30,
                written: 0,
                sidechain: Some(agent),
            };
            while writer.written < agent_share {
                writer.prompt();
                for c in 0..4 {
                    writer.call(c == 3);
                }
            }
            total += writer.written;
            files += 1;
            let _ = writer.out.flush();
        }
    }
    println!(
        "wrote {files} files, {:.0} MB, in {:.1} s into {}",
        total as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        out.display()
    );
}

fn load(dir: &Path, ours: Option<PathBuf>) {
    let source = Source { kind: SourceKind::ClaudeCode, root: dir.to_path_buf() };
    let started = Instant::now();
    let store = Store::load_sources(std::slice::from_ref(&source)).expect("load");
    let took = started.elapsed();
    let (rss, hwm) = memory();
    println!(
        "claude-code tree: {} records in {:.2} s wall, {:.2} s CPU; VmRSS {} MB, VmHWM {} MB",
        store.len(),
        took.as_secs_f64(),
        cpu_time().as_secs_f64(),
        rss / 1024,
        hwm / 1024
    );
    let newest = store.query(&Query { limit: Some(50), ..Query::default() });
    let started = Instant::now();
    let mut read = 0;
    for &entry in &newest.entries {
        if store.read_record(entry).is_ok() {
            read += 1;
        }
    }
    println!("read back the newest 50 records (history rebuilt): {read} in {:.3} s", started.elapsed().as_secs_f64());
    // A word found nowhere costs the raw prefilter scan; words found almost everywhere cost a
    // conversion of every record they are in.
    for terms in ["zebra", "widget schema"] {
        let started = Instant::now();
        let hits = store.query(&Query { search: Some(terms.into()), limit: Some(50), ..Query::default() });
        println!("search {terms:?}: {} matches in {:.2} s", hits.total_matched, started.elapsed().as_secs_f64());
    }
    drop(store);

    if let Some(ours) = ours {
        let cpu_before = cpu_time();
        let started = Instant::now();
        let store = Store::load(&ours).expect("load ours");
        println!(
            "interlog's own format, {}: {} records in {:.2} s wall, {:.2} s CPU",
            ours.display(),
            store.len(),
            started.elapsed().as_secs_f64(),
            (cpu_time() - cpu_before).as_secs_f64()
        );
    }

    follow(&source);
}

/// Time to the first progress report, to the whole load, and from an append to its record.
fn follow(source: &Source) {
    let (sender, events) = mpsc::channel();
    let started = Instant::now();
    let store = Store::follow_sources(std::slice::from_ref(source), FollowOptions::default(), move |event| {
        let _ = sender.send((Instant::now(), event));
    })
    .expect("follow");
    let mut first = None;
    loop {
        match events.recv_timeout(Duration::from_secs(600)) {
            Ok((at, StoreEvent::Progress(_))) if first.is_none() => first = Some(at - started),
            Ok((at, StoreEvent::Loaded { records, .. })) => {
                println!(
                    "follow: first progress after {:.3} s, loaded {records} records after {:.2} s",
                    first.unwrap_or_default().as_secs_f64(),
                    (at - started).as_secs_f64()
                );
                break;
            }
            Ok(_) => {}
            Err(_) => panic!("no Loaded event"),
        }
    }
    let path = source.root.join("-w-project0/bench-follow.jsonl");
    let mut latencies = Vec::new();
    for n in 0..20 {
        let line = format!(
            r#"{{"parentUuid":null,"isSidechain":false,"cwd":"/w/project0","sessionId":"bench-follow","type":"assistant","requestId":"req_follow_{n}","message":{{"id":"msg_follow_{n}","role":"assistant","model":"m","content":[{{"type":"text","text":"hi"}}],"usage":{{"input_tokens":1,"output_tokens":1}}}},"uuid":"ffffffff-0000-4000-8000-{n:012}","timestamp":"2026-11-20T10:00:00.000Z"}}"#
        );
        let id = format!("ffffffff-0000-4000-8000-{n:012}");
        let written = Instant::now();
        let mut file = fs::OpenOptions::new().create(true).append(true).open(&path).expect("append");
        let _ = writeln!(file, "{line}");
        drop(file);
        while store.find_id(&id).is_none() {
            assert!(written.elapsed() < Duration::from_secs(10), "append not seen");
            std::thread::sleep(Duration::from_micros(200));
        }
        latencies.push(written.elapsed());
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = fs::remove_file(&path);
    latencies.sort();
    println!(
        "follow latency, append to indexed (20 appends): median {:.1} ms, max {:.1} ms",
        latencies[latencies.len() / 2].as_secs_f64() * 1e3,
        latencies[latencies.len() - 1].as_secs_f64() * 1e3
    );
}

/// (VmRSS, VmHWM) in KiB.
fn memory() -> (u64, u64) {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn cpu_time() -> Duration {
    let stat = fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or_default().split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}
