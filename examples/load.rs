//! Load client for `interlog serve`: N keep-alive HTTP/1.1 connections, each sending its next
//! request as soon as the previous answer is in, for a fixed time. Prints throughput and latency
//! percentiles.
//!
//! ```text
//! interlog --dir /tmp/bench-logs serve 2>/dev/null &
//! cargo run --release --example load -- post --connections 32 --seconds 10
//! cargo run --release --example load -- search --connections 4 --seconds 20 --q "tokio" --q "parser error"
//! ```
//!
//! Options: `--addr HOST:PORT` (default 127.0.0.1:8377), `--connections N` (default 32),
//! `--seconds S` (default 10), `--warmup S` (default 1; answers in the first S seconds are not
//! counted), `--record-bytes B` (POST body size, default 2048), `--q TERMS` (search; repeatable,
//! the connections cycle through them), `--limit N` (search, default 50), `--token T`,
//! `--wait false` (POST `?wait=false`: answered once written, not waiting for the index),
//! `--server-pid PID` (Linux: also report the server's CPU time per request, read from
//! `/proc/PID/stat` — a figure that stays meaningful when other work shares the cores).
//!
//! The client runs on one thread (a current-thread runtime), so on a 2-core machine it leaves the
//! other core to the server. Requests are written by hand and answers parsed minimally: the
//! client must stay cheaper than the server it measures.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const USAGE: &str = "usage: load (post | search --q TERMS...) [--addr HOST:PORT] [--connections N] [--seconds S] [--warmup S] [--record-bytes B] [--limit N] [--token T] [--wait false] [--server-pid PID]";

struct LoadError(String);

impl fmt::Debug for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<std::io::Error> for LoadError {
    fn from(err: std::io::Error) -> Self {
        LoadError(err.to_string())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Post,
    Search,
}

struct Options {
    mode: Mode,
    addr: SocketAddr,
    connections: usize,
    seconds: f64,
    warmup: f64,
    record_bytes: usize,
    queries: Vec<String>,
    limit: usize,
    token: Option<String>,
    server_pid: Option<u32>,
    /// POST with `?wait=false`: answered once written, without waiting for the store to index.
    no_wait: bool,
}

fn parse_options() -> Result<Options, LoadError> {
    let mut args = std::env::args().skip(1);
    let mode = match args.next().as_deref() {
        Some("post") => Mode::Post,
        Some("search") => Mode::Search,
        _ => return Err(LoadError(USAGE.into())),
    };
    let mut options = Options {
        mode,
        addr: SocketAddr::from(([127, 0, 0, 1], 8377)),
        connections: 32,
        seconds: 10.0,
        warmup: 1.0,
        record_bytes: 2048,
        queries: Vec::new(),
        limit: 50,
        token: None,
        server_pid: None,
        no_wait: false,
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| LoadError(format!("{flag} needs a value\n{USAGE}")))?;
        let bad = |_| LoadError(format!("bad value for {flag}: {value:?}\n{USAGE}"));
        match flag.as_str() {
            "--addr" => options.addr = value.parse().map_err(|_| LoadError(format!("bad --addr {value:?}")))?,
            "--connections" => options.connections = value.parse().map_err(bad)?,
            "--seconds" => {
                options.seconds = value.parse().map_err(|_| LoadError(format!("bad --seconds {value:?}")))?
            }
            "--warmup" => options.warmup = value.parse().map_err(|_| LoadError(format!("bad --warmup {value:?}")))?,
            "--record-bytes" => options.record_bytes = value.parse().map_err(bad)?,
            "--limit" => options.limit = value.parse().map_err(bad)?,
            "--q" => options.queries.push(value),
            "--token" => options.token = Some(value),
            "--wait" => {
                options.no_wait = match value.as_str() {
                    "true" => false,
                    "false" => true,
                    _ => return Err(LoadError(format!("--wait takes true or false\n{USAGE}"))),
                }
            }
            "--server-pid" => options.server_pid = Some(value.parse().map_err(bad)?),
            _ => return Err(LoadError(format!("unknown option {flag}\n{USAGE}"))),
        }
    }
    if options.mode == Mode::Search && options.queries.is_empty() {
        return Err(LoadError(format!("search needs at least one --q\n{USAGE}")));
    }
    if options.connections == 0 {
        return Err(LoadError("--connections must be at least 1".into()));
    }
    Ok(options)
}

/// A realistic record of about `bytes` bytes of JSON (the response text takes up the slack).
fn record_json(bytes: usize, connection: usize) -> String {
    let mut record = serde_json::json!({
        "session_id": format!("load-session-{connection}"),
        "project": "load-test",
        "client": "load",
        "model": "claude-sonnet-4",
        "duration_ms": 1840,
        "prompt": "Explain why the benchmark for the HTTP capture path keeps connections alive, and what p99 latency means for an agent that records every round-trip before it continues.",
        "messages": [
            {"role": "user", "content": "Explain why the benchmark keeps connections alive."}
        ],
        "tools_available": ["read_file", "grep", "run_tests"],
        "usage": {"input_tokens": 1523, "output_tokens": 412, "cache_read_tokens": 1024},
        "stop_reason": "end_turn",
        "tool_calls": [{"name": "grep", "call_id": "c1", "arguments": {"pattern": "keep-alive"}, "success": true, "result": "src/server/app.rs:12: keep-alive"}],
        "tags": ["bench"],
        "response": "",
    });
    let base = record.to_string().len();
    let filler =
        "Keeping the connection alive avoids a TCP handshake per record; p99 is the latency 99 of 100 requests beat. ";
    let response: String = filler.chars().cycle().take(bytes.saturating_sub(base)).collect();
    record["response"] = serde_json::Value::String(response);
    record.to_string()
}

fn post_request(options: &Options, connection: usize) -> Vec<u8> {
    let body = record_json(options.record_bytes, connection);
    let mut request = format!(
        "POST /interactions{} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        if options.no_wait { "?wait=false" } else { "" },
        body.len()
    );
    add_token(&mut request, options);
    request.push_str("\r\n");
    request.push_str(&body);
    request.into_bytes()
}

fn search_request(options: &Options, query: &str) -> Vec<u8> {
    let encoded: String = query
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let mut request = format!("GET /interactions?q={encoded}&limit={} HTTP/1.1\r\nHost: localhost\r\n", options.limit);
    add_token(&mut request, options);
    request.push_str("\r\n");
    request.into_bytes()
}

fn add_token(request: &mut String, options: &Options) {
    if let Some(token) = &options.token {
        request.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
}

#[derive(Default)]
struct Tally {
    /// Microseconds, answers after the warm-up only.
    latencies: Vec<u32>,
    /// Answers whose status was not the expected one.
    unexpected: usize,
    first_unexpected: Option<u16>,
    response_bytes: u64,
}

async fn drive(
    addr: SocketAddr,
    requests: Arc<Vec<Vec<u8>>>,
    expected: u16,
    counted_from: Instant,
    until: Instant,
) -> Result<Tally, LoadError> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let mut tally = Tally::default();
    let mut buffer = Vec::with_capacity(64 * 1024);
    for request in requests.iter().cycle() {
        let started = Instant::now();
        if started >= until {
            break;
        }
        stream.write_all(request).await?;
        let (status, length) = read_answer(&mut stream, &mut buffer).await?;
        let done = Instant::now();
        if started >= counted_from {
            tally.latencies.push(u32::try_from(done.duration_since(started).as_micros()).unwrap_or(u32::MAX));
            tally.response_bytes += length as u64;
            if status != expected {
                tally.unexpected += 1;
                tally.first_unexpected.get_or_insert(status);
            }
        }
    }
    Ok(tally)
}

/// Reads one answer (head and `Content-Length` body); its status and body length.
async fn read_answer(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Result<(u16, usize), LoadError> {
    buffer.clear();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(at) = head_end_of(buffer) {
            break at;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(LoadError("the server closed the connection".into()));
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buffer[..head_end]).map_err(|_| LoadError("answer head is not UTF-8".into()))?;
    let status: u16 =
        head.get(9..12).and_then(|s| s.parse().ok()).ok_or_else(|| LoadError(format!("bad status line: {head:?}")))?;
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length").then(|| value.trim().parse().ok())?
        })
        .ok_or_else(|| LoadError("answer without Content-Length".into()))?;
    while buffer.len() < head_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(LoadError("the server closed the connection inside a body".into()));
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    Ok((status, length))
}

fn head_end_of(buffer: &[u8]) -> Option<usize> {
    buffer.windows(4).position(|w| w == b"\r\n\r\n").map(|at| at + 4)
}

/// User plus system CPU seconds the process has used so far (Linux `/proc`); `None` elsewhere.
fn process_cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // USER_HZ is 100 on every Linux configuration in practice.
    Some(ticks / 100.0)
}

fn percentile(sorted: &[u32], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 * fraction).ceil() as usize).clamp(1, sorted.len());
    f64::from(sorted[rank - 1]) / 1000.0
}

fn main() -> Result<(), LoadError> {
    let options = parse_options()?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let started = Instant::now();
    let counted_from = started + Duration::from_secs_f64(options.warmup);
    let until = counted_from + Duration::from_secs_f64(options.seconds);
    let (expected, label) = match options.mode {
        Mode::Post if options.no_wait => (201, "POST /interactions?wait=false"),
        Mode::Post => (201, "POST /interactions"),
        Mode::Search => (200, "GET /interactions?q="),
    };
    let cpu_at_start = Arc::new(std::sync::Mutex::new(None));
    if let Some(pid) = options.server_pid {
        let slot = Arc::clone(&cpu_at_start);
        runtime.spawn(async move {
            tokio::time::sleep_until(counted_from.into()).await;
            *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(process_cpu_seconds(pid));
        });
    }
    let tallies = runtime.block_on(async {
        let mut tasks = Vec::new();
        for connection in 0..options.connections {
            let requests = match options.mode {
                Mode::Post => vec![post_request(&options, connection)],
                // Each connection starts at a different query so all of them are exercised.
                Mode::Search => (0..options.queries.len())
                    .map(|i| search_request(&options, &options.queries[(connection + i) % options.queries.len()]))
                    .collect(),
            };
            tasks.push(tokio::spawn(drive(options.addr, Arc::new(requests), expected, counted_from, until)));
        }
        let mut tallies = Vec::new();
        for task in tasks {
            tallies.push(task.await.map_err(|err| LoadError(err.to_string()))?);
        }
        Ok::<_, LoadError>(tallies)
    })?;

    let cpu_at_end = options.server_pid.map(process_cpu_seconds);
    let mut latencies = Vec::new();
    let (mut unexpected, mut first_unexpected, mut response_bytes) = (0, None, 0u64);
    for tally in tallies {
        let tally = tally?;
        latencies.extend(tally.latencies);
        unexpected += tally.unexpected;
        first_unexpected = first_unexpected.or(tally.first_unexpected);
        response_bytes += tally.response_bytes;
    }
    latencies.sort_unstable();
    let count = latencies.len();
    let request_bytes = match options.mode {
        Mode::Post => post_request(&options, 0).len(),
        Mode::Search => search_request(&options, &options.queries[0]).len(),
    };
    println!(
        "{label}: {} connections, {:.1} s measured (after {:.1} s warm-up), request {} bytes",
        options.connections, options.seconds, options.warmup, request_bytes
    );
    println!(
        "  {count} answers, {:.0} req/s, mean answer {:.0} bytes",
        count as f64 / options.seconds,
        if count > 0 { response_bytes as f64 / count as f64 } else { 0.0 }
    );
    println!(
        "  latency ms: p50 {:.3}  p90 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.90),
        percentile(&latencies, 0.99),
        percentile(&latencies, 0.999),
        percentile(&latencies, 1.0)
    );
    let cpu_at_start = *cpu_at_start.lock().unwrap_or_else(|p| p.into_inner());
    if let (Some(Some(start)), Some(Some(end))) = (cpu_at_start, cpu_at_end) {
        let used = end - start;
        println!(
            "  server CPU: {:.1} µs per request, {:.2} cores busy",
            used * 1e6 / count.max(1) as f64,
            used / options.seconds
        );
    }
    if unexpected > 0 {
        println!("  {unexpected} answers were not {expected} (first: {})", first_unexpected.unwrap_or(0));
    }
    Ok(())
}
