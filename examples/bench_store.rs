//! Store benchmark: index time (with the JSON parse floor beside it), memory, filter, fuzzy,
//! keyword search and follow latency.
//!
//! cargo run --release --example bench_store -- /tmp/corpus-1g [--only load,floor,filter,fuzzy,search,follow]

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use interlog::record::Timestamp;
use interlog::store::{Facet, Query, SearchRequest, Store, StoreEvent};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first().map(PathBuf::from) else {
        eprintln!("usage: bench_store DIR [--only load,floor,filter,fuzzy,search,follow]");
        std::process::exit(2);
    };
    let only: Option<Vec<String>> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(|list| list.split(',').map(str::to_owned).collect());
    let wants = |part: &str| only.as_ref().is_none_or(|o| o.iter().any(|p| p == part));
    let bytes: u64 = daily_files(&dir).iter().map(|p| p.metadata().map(|m| m.len()).unwrap_or(0)).sum();
    println!("corpus {} : {:.0} MB", dir.display(), bytes as f64 / 1e6);

    // First, so that VmHWM is the index's own peak.
    let started = Instant::now();
    let store = Store::load(&dir).expect("load");
    let first_load = started.elapsed();
    let (rss, hwm) = memory();
    println!(
        "index: {} records, {} bad lines in {:.3} s wall ({:.0} MB/s), {:.2} s CPU; VmRSS {} MB, VmHWM {} MB",
        store.len(),
        store.bad_lines().len(),
        first_load.as_secs_f64(),
        bytes as f64 / 1e6 / first_load.as_secs_f64(),
        cpu_time().as_secs_f64(),
        rss / 1024,
        hwm / 1024
    );
    if wants("load") {
        let cpu_before = cpu_time();
        let times: Vec<Duration> = (0..3)
            .map(|_| {
                let started = Instant::now();
                let again = Store::load(&dir).expect("load");
                let took = started.elapsed();
                drop(again);
                took
            })
            .collect();
        let cpu = (cpu_time() - cpu_before).as_secs_f64() / 3.0;
        println!("index again (3 runs): {} wall; {:.2} s CPU a run", list(&times), cpu);
    }
    if wants("floor") {
        let cpu_before = cpu_time();
        let times: Vec<Duration> = (0..3).map(|_| parse_floor(&dir)).collect();
        let cpu = (cpu_time() - cpu_before).as_secs_f64() / 3.0;
        println!(
            "parse floor serde_json IgnoredAny, 2 threads, same reads (3 runs): {} wall; {:.2} s CPU a run",
            list(&times),
            cpu
        );
    }
    if wants("filter") {
        bench_filters(&store);
    }
    if wants("fuzzy") {
        bench_fuzzy(&store);
    }
    if wants("search") {
        bench_search(&store);
    }
    if wants("follow") {
        bench_follow_load(&dir);
        bench_follow();
    }
}

fn list(times: &[Duration]) -> String {
    times.iter().map(|t| format!("{:.1} ms", t.as_secs_f64() * 1e3)).collect::<Vec<_>>().join(", ")
}

fn daily_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
    files.retain(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("interactions-")));
    files.sort();
    files
}

fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
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

/// The same bytes read the same way (4 MiB preads, memchr lines), each line only validated by
/// `serde_json::from_slice::<IgnoredAny>`, files shared by 2 threads.
fn parse_floor(dir: &Path) -> Duration {
    let files = daily_files(dir);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                let mut buf = vec![0u8; 4 << 20];
                let mut carry: Vec<u8> = Vec::new();
                let mut ok = 0usize;
                while let Some(path) = files.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                    let file = File::open(path).expect("open");
                    let mut at = 0u64;
                    carry.clear();
                    loop {
                        let n = file.read_at(&mut buf, at).expect("read");
                        if n == 0 {
                            break;
                        }
                        at += n as u64;
                        carry.extend_from_slice(&buf[..n]);
                        let mut start = 0;
                        for nl in memchr::memchr_iter(b'\n', &carry) {
                            if serde_json::from_slice::<serde::de::IgnoredAny>(&carry[start..nl]).is_ok() {
                                ok += 1;
                            }
                            start = nl + 1;
                        }
                        carry.drain(..start);
                    }
                }
                std::hint::black_box(ok);
            });
        }
    });
    started.elapsed()
}

/// User + system CPU time of the whole process so far (all threads), from /proc/self/stat.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or_default();
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; 100 ticks a second.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let started = Instant::now();
        last = Some(f());
        times.push(started.elapsed());
    }
    (median(times), last.expect("at least one run"))
}

fn bench_filters(store: &Store) {
    let project = store.facet_counts(Facet::Project).first().map(|p| p.0.clone());
    let session = store.facet_counts(Facet::Session).get(10).map(|p| p.0.clone());
    let newest = store.query(&Query { limit: Some(1), ..Query::default() });
    let newest_at = store.summaries(&newest.entries).first().map(|s| s.timestamp).unwrap_or_else(Timestamp::now);
    let day_before = Timestamp::from(newest_at.as_utc() - chrono::Duration::days(1));
    let queries = [
        ("no filter, limit 50", Query { limit: Some(50), ..Query::default() }),
        ("project, limit 50", Query { project: project.clone(), limit: Some(50), ..Query::default() }),
        ("project, unlimited", Query { project, limit: None, ..Query::default() }),
        ("session, limit 50", Query { session, limit: Some(50), ..Query::default() }),
        ("has_error, limit 50", Query { has_error: Some(true), limit: Some(50), ..Query::default() }),
        ("last day, limit 50", Query { since: Some(day_before), limit: Some(50), ..Query::default() }),
    ];
    for (name, query) in queries {
        let (took, result) = time(21, || store.query(&query));
        println!("filter {name}: {:.2} ms ({} matched)", took.as_secs_f64() * 1e3, result.total_matched);
    }
    let (took, sessions) = time(5, || store.sessions());
    println!("sessions(): {:.1} ms ({} sessions)", took.as_secs_f64() * 1e3, sessions.len());
}

fn bench_fuzzy(store: &Store) {
    for word in ["deadlock", "refund sql", "tokio"] {
        let mut line = Vec::new();
        for end in word.char_indices().map(|(i, c)| i + c.len_utf8()) {
            let pattern = &word[..end];
            let started = Instant::now();
            let hits = store.fuzzy(pattern, None, 200);
            line.push(format!("{pattern:?} {:.1} ms ({} shown)", started.elapsed().as_secs_f64() * 1e3, hits.len()));
        }
        println!("fuzzy typing {word:?}: {}", line.join(", "));
    }
    for pattern in ["dl", "toki"] {
        let mut walls = Vec::new();
        let mut cpu = Duration::ZERO;
        for _ in 0..5 {
            // A different pattern first, so that nothing narrows.
            store.fuzzy("zz", None, 1);
            let (cpu_before, started) = (cpu_time(), Instant::now());
            store.fuzzy(pattern, None, 200);
            walls.push(started.elapsed());
            cpu += cpu_time() - cpu_before;
        }
        println!(
            "fuzzy {pattern:?} from scratch: {:.1} ms wall (median of 5), {:.0} ms CPU a run",
            median(walls).as_secs_f64() * 1e3,
            cpu.as_secs_f64() * 1e3 / 5.0
        );
    }
}

fn bench_search(store: &Store) {
    for terms in ["deadlock postgres", "tokio::spawn rounding", "kubernetes zzzzunmatched", "東京 sqlite", "Straße"]
    {
        let query = Query { search: Some(terms.into()), limit: Some(50), ..Query::default() };
        let cpu_before = cpu_time();
        let (took, result) = time(3, || store.query(&query));
        let cpu = (cpu_time() - cpu_before).as_secs_f64() / 3.0;
        println!(
            "search {terms:?}: {:.1} ms wall (median of 3), {:.0} ms CPU a run ({} matched)",
            took.as_secs_f64() * 1e3,
            cpu * 1e3,
            result.total_matched
        );
        // What `list --search` and the API do: the same search, with a snippet for each of the 50 shown.
        let request = SearchRequest::with_snippets(query.clone());
        let (took, answer) = time(3, || store.search(&request));
        println!(
            "search {terms:?} with snippets: {:.1} ms wall (median of 3) ({} snippets)",
            took.as_secs_f64() * 1e3,
            answer.snippets.len()
        );
    }
}

/// `Store::follow` on the corpus: time to the first progress event and to `Loaded`.
fn bench_follow_load(dir: &Path) {
    let (sender, events) = mpsc::channel();
    let sender = std::sync::Mutex::new(sender);
    let started = Instant::now();
    let _store = Store::follow(dir, move |event| {
        if let Ok(sender) = sender.lock() {
            let _ = sender.send((Instant::now(), event));
        }
    })
    .expect("follow");
    let mut first_progress = None;
    loop {
        match events.recv_timeout(Duration::from_secs(60)) {
            Ok((at, StoreEvent::Progress(_))) => {
                first_progress.get_or_insert(at.duration_since(started));
            }
            Ok((at, StoreEvent::Loaded { records, .. })) => {
                println!(
                    "follow load: newest file indexed after {:.0} ms, all {records} records after {:.0} ms",
                    first_progress.unwrap_or_default().as_secs_f64() * 1e3,
                    at.duration_since(started).as_secs_f64() * 1e3
                );
                return;
            }
            Ok(_) => {}
            Err(_) => panic!("follow did not finish loading within 60 s"),
        }
    }
}

fn bench_follow() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("interactions-2026-11-21.jsonl");
    std::fs::write(&path, "").expect("create");
    let (sender, events) = mpsc::channel();
    let sender = std::sync::Mutex::new(sender);
    let store = Store::follow(dir.path(), move |event| {
        if let Ok(sender) = sender.lock() {
            let _ = sender.send((Instant::now(), event));
        }
    })
    .expect("follow");
    loop {
        if let Ok((_, StoreEvent::Loaded { .. })) = events.recv_timeout(Duration::from_secs(10)) {
            break;
        }
    }
    let mut file = std::fs::OpenOptions::new().append(true).open(&path).expect("open");
    let mut latencies = Vec::new();
    for i in 0..300 {
        let line = format!(
            "{{\"id\":\"follow-{i}\",\"timestamp\":\"{}\",\"prompt\":\"latency probe {i}\",\"response\":\"{}\"}}\n",
            Timestamp::now(),
            "x".repeat(2000)
        );
        let started = Instant::now();
        file.write_all(line.as_bytes()).expect("append");
        loop {
            match events.recv_timeout(Duration::from_secs(5)) {
                Ok((at, StoreEvent::Appended { .. })) => {
                    latencies.push(at.duration_since(started));
                    break;
                }
                Ok(_) => continue,
                Err(_) => panic!("no Appended event within 5 s"),
            }
        }
        std::thread::sleep(Duration::from_millis(3));
    }
    latencies.sort();
    let pick = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1e3;
    println!(
        "follow latency append → listener over {} appends: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} records)",
        latencies.len(),
        pick(0.5),
        pick(0.99),
        pick(1.0),
        store.len()
    );
}
