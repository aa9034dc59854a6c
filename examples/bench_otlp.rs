//! OTLP benchmarks (docs/BENCHMARKS.md, "OpenTelemetry"): export throughput into a sink that only
//! acknowledges and into our own receiver, the receiver's ingest rate, and the peak memory of
//! `export otlp --follow` over a directory.
//!
//! ```text
//! cargo build --release --all-features --bin interlog --examples
//! target/release/examples/bench_otlp throughput [--records 50000]     # ≈ 2 KB records with content
//! target/release/examples/bench_otlp follow-memory DIR                # e.g. a 1 GB corpus from examples/gen.rs
//! ```
//!
//! The `interlog` binary is taken from beside this example's directory (`target/release/`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use interlog::server::{Server, ServerConfig};
use interlog::InteractionsConfig;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("throughput") => {
            let records = flag(&args, "--records").unwrap_or(50_000);
            throughput(records);
        }
        Some("follow-memory") => match args.get(1) {
            Some(dir) => follow_memory(Path::new(dir)),
            None => eprintln!("usage: bench_otlp follow-memory DIR"),
        },
        _ => eprintln!("usage: bench_otlp (throughput [--records N] | follow-memory DIR)"),
    }
}

fn flag(args: &[String], name: &str) -> Option<usize> {
    let at = args.iter().position(|a| a == name)?;
    args.get(at + 1)?.parse().ok()
}

fn interlog_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the example's own path");
    exe.parent().and_then(Path::parent).expect("target/release").join("interlog")
}

/// ≈ 2 KB records with content: a prompt, two messages, a response and a tool call.
fn write_corpus(dir: &Path, count: usize) -> u64 {
    std::fs::create_dir_all(dir).unwrap();
    let day = chrono::Utc::now().format("%Y-%m-%d");
    let path = dir.join(format!("interactions-{day}.jsonl"));
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let filler = "the quick brown fox jumps over the lazy dog; ".repeat(9);
    for n in 0..count {
        let record = serde_json::json!({
            "id": format!("bench-{n:08}"),
            "timestamp": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            "duration_ms": 1000 + n % 500,
            "session_id": format!("session-{}", n / 20),
            "project": "bench", "client": "claude-code", "model": "claude-sonnet-4-5", "provider": "anthropic",
            "system_prompt": "You are a helpful assistant.",
            "prompt": format!("question {n}: {filler}"),
            "messages": [
                {"role": "user", "content": format!("question {n}: {filler}")},
                {"role": "assistant", "content": [{"type": "text", "text": "looking"}, {"type": "tool_use", "id": format!("t{n}"), "name": "Read", "input": {"path": "src/main.rs"}}]},
            ],
            "response": format!("answer {n}: {filler}"),
            "usage": {"input_tokens": 1200, "output_tokens": 300, "cache_read_tokens": 5000},
            "stop_reason": "end_turn",
            "tool_calls": [{"name": "Read", "call_id": format!("t{n}"), "arguments": {"path": "src/main.rs"}, "success": true, "result": "fn main() {}"}],
            "tags": ["bench"],
        });
        writeln!(out, "{record}").unwrap();
    }
    out.flush().unwrap();
    std::fs::metadata(&path).unwrap().len()
}

/// A collector that acknowledges every request at once and counts the bytes.
fn start_sink() -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&requests);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let counter = Arc::clone(&counter);
            std::thread::spawn(move || sink(stream, &counter));
        }
    });
    (url, requests)
}

fn sink(stream: TcpStream, requests: &AtomicU64) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line.trim().is_empty() {
                break;
            }
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        requests.fetch_add(1, Ordering::Relaxed);
        if writer
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n")
            .is_err()
        {
            return;
        }
    }
}

fn export(dir: &Path, endpoint: &str) -> Duration {
    let started = Instant::now();
    let output = Command::new(interlog_binary())
        .args(["--dir", dir.to_str().unwrap(), "export", "otlp", "--endpoint", endpoint, "--include-content"])
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    eprintln!("  {}", String::from_utf8_lossy(&output.stderr).trim());
    elapsed
}

fn lines_in(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".jsonl"))
        .map(|e| std::fs::read(e.path()).map(|b| b.iter().filter(|&&c| c == b'\n').count()).unwrap_or(0))
        .sum()
}

fn throughput(records: usize) {
    let temp = tempfile::tempdir().unwrap();
    let source = temp.path().join("source");
    let bytes = write_corpus(&source, records);
    println!("corpus: {records} records, {:.0} bytes each on average", bytes as f64 / records as f64);

    let (sink_url, _) = start_sink();
    let into_sink = export(&source, &sink_url);
    println!(
        "export into an acknowledging sink: {:.0} records/s ({:.2} s)",
        records as f64 / into_sink.as_secs_f64(),
        into_sink.as_secs_f64()
    );

    let target = temp.path().join("received");
    let mut config = ServerConfig::new(&target, InteractionsConfig::default());
    config.listen = "127.0.0.1:0".parse().unwrap();
    let server = Server::start(config).unwrap();
    let url = format!("http://{}/v1/traces", server.local_addr());
    let started = Instant::now();
    let into_receiver = export(&source, &url);
    while lines_in(&target) < records {
        std::thread::sleep(Duration::from_millis(20));
    }
    let ingested = started.elapsed();
    println!(
        "export into `interlog serve`: {:.0} records/s ({:.2} s); every record written after {:.2} s: {:.0} records/s ingested",
        records as f64 / into_receiver.as_secs_f64(),
        into_receiver.as_secs_f64(),
        ingested.as_secs_f64(),
        records as f64 / ingested.as_secs_f64()
    );
    server.shutdown().unwrap();
}

/// Peak resident memory of `export otlp --follow` once it has sent everything in `dir`.
fn follow_memory(dir: &Path) {
    let total = lines_in(dir);
    let (url, requests) = start_sink();
    let temp = tempfile::tempdir().unwrap();
    let checkpoint = temp.path().join("bench.checkpoint");
    let started = Instant::now();
    let mut child = Command::new(interlog_binary())
        .args(["--dir", dir.to_str().unwrap(), "export", "otlp", "--endpoint", &url, "--follow", "--include-content"])
        .arg("--checkpoint")
        .arg(&checkpoint)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let batches = total.div_ceil(512) as u64;
    while requests.load(Ordering::Relaxed) < batches {
        std::thread::sleep(Duration::from_millis(50));
        if started.elapsed() > Duration::from_secs(1800) || child.try_wait().ok().flatten().is_some() {
            break;
        }
    }
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    let field =
        |name: &str| status.lines().find(|l| l.starts_with(name)).map(|l| l.trim().to_owned()).unwrap_or_default();
    println!(
        "follow over {} records: all {} batches sent after {:.1} s; {} ; {}",
        total,
        batches,
        started.elapsed().as_secs_f64(),
        field("VmHWM"),
        field("VmRSS")
    );
    let _ = child.kill();
    let _ = child.wait();
}
