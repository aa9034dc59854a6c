//! The recording proxy's cost, against a loopback mock upstream, side by side with the same
//! requests sent straight to the upstream and through the proxy on an unrecorded path (a plain
//! pass-through: the same forwarding code without the tee and the record).
//!
//! ```text
//! cargo run --release --features proxy --example bench_proxy
//! cargo run --release --features proxy --example bench_proxy -- --seconds 5 --streams 1000
//! ```
//!
//! Figures: time to the first body byte and per-chunk delivery latency (p50/p99) over many
//! streamed responses; non-streamed round trips per second with 16 keep-alive connections; and
//! N streams held open at once (memory per open stream, and that every one completes byte for
//! byte and, when recorded, gives its record). The upstream, the proxy and the client run in this
//! one process on separate runtimes; the proxy writes real records to a temporary directory.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::response::Response;
use axum::serve::ListenerExt;
use futures::StreamExt;
use interlog::proxy::{Proxy, ProxyConfig};
use interlog::InteractionsConfig;
use tokio::sync::Semaphore;

static EPOCH: OnceLock<Instant> = OnceLock::new();

fn now_ns() -> u64 {
    u64::try_from(EPOCH.get_or_init(Instant::now).elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// How a client reaches the upstream.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Direct,
    PassThrough,
    Recorded,
}

impl Mode {
    const ALL: [Mode; 3] = [Mode::Direct, Mode::PassThrough, Mode::Recorded];

    fn name(self) -> &'static str {
        match self {
            Mode::Direct => "direct (no proxy)",
            Mode::PassThrough => "proxy, not recorded",
            Mode::Recorded => "proxy, recorded",
        }
    }

    fn url(self, upstream: SocketAddr, proxy: SocketAddr) -> String {
        match self {
            Mode::Direct => format!("http://{upstream}/v1/messages"),
            // Not a recorded route: forwarded by the same code, with no tap on the body.
            Mode::PassThrough => format!("http://{proxy}/v1/messages/plain"),
            Mode::Recorded => format!("http://{proxy}/v1/messages"),
        }
    }
}

struct Options {
    seconds: u64,
    streams: usize,
    chunks: usize,
    interval_ms: u64,
    /// `latency`, `trips` or `streams`; all three when absent.
    part: Option<String>,
    /// For `streams`: the one way to measure (memory is best compared across fresh processes).
    modes: Vec<Mode>,
}

const USAGE: &str = "usage: bench_proxy [--seconds S] [--streams N] [--chunks N] [--interval-ms MS] [--part latency|trips|streams] [--mode direct|pass|recorded]";

fn options() -> Options {
    let mut options =
        Options { seconds: 5, streams: 1000, chunks: 40, interval_ms: 2, part: None, modes: Mode::ALL.to_vec() };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).map(String::as_str).unwrap_or("");
        let number = value.parse::<u64>().ok();
        match (pair[0].as_str(), number) {
            ("--seconds", Some(v)) => options.seconds = v,
            ("--streams", Some(v)) => options.streams = v as usize,
            ("--chunks", Some(v)) => options.chunks = v as usize,
            ("--interval-ms", Some(v)) => options.interval_ms = v,
            ("--part", _) if ["latency", "trips", "streams"].contains(&value) => options.part = Some(value.to_owned()),
            ("--mode", _) => {
                options.modes = match value {
                    "direct" => vec![Mode::Direct],
                    "pass" => vec![Mode::PassThrough],
                    "recorded" => vec![Mode::Recorded],
                    _ => usage(),
                }
            }
            _ => usage(),
        }
    }
    options
}

fn usage() -> ! {
    eprintln!("{USAGE}");
    std::process::exit(2);
}

const MESSAGE: &str = r#"{"id":"msg_bench","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"The lockfile is stale; run the update and rebuild."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":1830,"output_tokens":412}}"#;

fn event(name: &str, data: &str) -> Bytes {
    Bytes::from(format!("event: {name}\ndata: {data}\n\n"))
}

/// What the upstream streams: Anthropic's event sequence, each text delta stamped with the time
/// it was sent (`t=NANOS`) so the client can tell how long it took to arrive.
fn sse_body(chunks: usize, interval: Duration, hold: Option<Arc<Semaphore>>) -> Body {
    let head = [
        event(
            "message_start",
            r#"{"type":"message_start","message":{"id":"msg_bench","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1830,"output_tokens":1}}}"#,
        ),
        event(
            "content_block_start",
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
        ),
    ];
    let stream = async_stream(head, chunks, interval, hold);
    Body::from_stream(stream)
}

fn async_stream(
    head: [Bytes; 2],
    chunks: usize,
    interval: Duration,
    hold: Option<Arc<Semaphore>>,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(4);
    tokio::spawn(async move {
        let mut first = head[0].to_vec();
        first.extend_from_slice(&head[1]);
        if tx.send(Bytes::from(first)).await.is_err() {
            return;
        }
        if let Some(hold) = hold {
            // Permits persist, so a release that comes first is not missed.
            if let Ok(permit) = hold.acquire().await {
                permit.forget();
            }
        }
        for _ in 0..chunks {
            tokio::time::sleep(interval).await;
            let data = format!(
                r#"{{"type":"content_block_delta","index":0,"delta":{{"type":"text_delta","text":"t={} and some more generated words"}}}}"#,
                now_ns()
            );
            if tx.send(event("content_block_delta", &data)).await.is_err() {
                return;
            }
        }
        let tail = [
            event("content_block_stop", r#"{"type":"content_block_stop","index":0}"#),
            event(
                "message_delta",
                r#"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":412}}"#,
            ),
            event("message_stop", r#"{"type":"message_stop"}"#),
        ];
        let _ = tx.send(Bytes::from(tail.concat())).await;
    });
    futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|chunk| (Ok(chunk), rx)) })
}

struct UpstreamState {
    chunks: usize,
    interval: Duration,
    hold: Arc<Semaphore>,
    holding: std::sync::atomic::AtomicBool,
}

async fn upstream(state: Arc<UpstreamState>, request: Request) -> Response {
    let body = axum::body::to_bytes(request.into_body(), usize::MAX).await.unwrap_or_default();
    const STREAMED: &[u8] = br#""stream":true"#;
    let streamed = body.windows(STREAMED.len()).any(|w| w == STREAMED);
    let builder = Response::builder().header("request-id", "req_bench");
    let response = if streamed {
        let hold = state.holding.load(Ordering::SeqCst).then(|| Arc::clone(&state.hold));
        builder.header("content-type", "text/event-stream").body(sse_body(state.chunks, state.interval, hold))
    } else {
        builder.header("content-type", "application/json").body(Body::from(MESSAGE))
    };
    response.unwrap_or_default()
}

fn request_body(stream: bool) -> String {
    serde_json::json!({
        "model": "claude-sonnet-4-5", "max_tokens": 1024, "stream": stream,
        "system": "You are a careful coding agent.",
        "messages": [{"role": "user", "content": "Why does the build fail? ".repeat(40)}]
    })
    .to_string()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().tcp_nodelay(true).pool_max_idle_per_host(2000).build().expect("client")
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// First-byte and per-chunk latencies (µs) over sequential streamed requests.
async fn stream_latencies(url: &str, requests: usize, expected: usize) -> (Vec<f64>, Vec<f64>) {
    let client = client();
    let body = request_body(true);
    let (mut first, mut chunks) = (Vec::new(), Vec::new());
    for _ in 0..requests {
        let sent = Instant::now();
        let response =
            client.post(url).header("anthropic-version", "2023-06-01").body(body.clone()).send().await.expect("send");
        let mut stream = response.bytes_stream();
        let mut got_first = false;
        let mut seen = 0;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.expect("chunk");
            let arrived = now_ns();
            if !got_first {
                first.push(sent.elapsed().as_secs_f64() * 1e6);
                got_first = true;
            }
            let text = String::from_utf8_lossy(&chunk);
            for piece in text.split("t=").skip(1) {
                let digits: String = piece.chars().take_while(char::is_ascii_digit).collect();
                if let Ok(stamp) = digits.parse::<u64>() {
                    chunks.push(arrived.saturating_sub(stamp) as f64 / 1e3);
                    seen += 1;
                }
            }
        }
        assert_eq!(seen, expected, "every chunk arrives");
    }
    first.sort_by(f64::total_cmp);
    chunks.sort_by(f64::total_cmp);
    (first, chunks)
}

/// Non-streamed round trips per second over `connections` keep-alive connections.
async fn round_trips(url: &str, connections: usize, seconds: u64) -> f64 {
    let client = client();
    let body = request_body(false);
    let done = Arc::new(AtomicUsize::new(0));
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (client, body, done, url) = (client.clone(), body.clone(), Arc::clone(&done), url.to_owned());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < until {
                let response =
                    client.post(&url).header("anthropic-version", "2023-06-01").body(body.clone()).send().await;
                let bytes = match response {
                    Ok(response) => response.bytes().await.expect("body"),
                    Err(err) => panic!("request failed: {err}"),
                };
                assert_eq!(bytes.len(), MESSAGE.len());
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0)
}

/// Opens `count` streams at once, each held after its first chunk; returns the memory they take
/// (KiB) and how many completed whole once released.
async fn open_streams(url: &str, count: usize, state: &UpstreamState, chunks: usize) -> (u64, usize) {
    let client = client();
    let body = request_body(true);
    state.holding.store(true, Ordering::SeqCst);
    let before = rss_kib();
    let opened = Arc::new(Semaphore::new(0));
    let mut tasks = Vec::new();
    for _ in 0..count {
        let (client, body, url, opened) = (client.clone(), body.clone(), url.to_owned(), Arc::clone(&opened));
        tasks.push(tokio::spawn(async move {
            let response = client
                .post(&url)
                .header("anthropic-version", "2023-06-01")
                .body(body)
                .send()
                .await
                .map_err(|err| format!("send: {err:?}"))?;
            let mut stream = response.bytes_stream();
            let mut total = Vec::new();
            let mut told = false;
            while let Some(chunk) = stream.next().await {
                total.extend_from_slice(&chunk.map_err(|err| format!("body: {err:?}"))?);
                if !told {
                    opened.add_permits(1);
                    told = true;
                }
            }
            Ok::<Vec<u8>, String>(total)
        }));
    }
    let all_open = opened.acquire_many(count as u32).await.expect("semaphore");
    all_open.forget();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let during = rss_kib();
    state.holding.store(false, Ordering::SeqCst);
    state.hold.add_permits(count);
    let mut whole = 0;
    for task in tasks {
        let outcome = task.await.map_err(|err| err.to_string()).and_then(|r| r);
        if let Err(err) = &outcome {
            if whole == 0 {
                eprintln!("a stream failed: {err}");
            }
        }
        if let Ok(body) = outcome {
            // The stamps differ from stream to stream; every event and the end are what matter.
            const DELTA: &[u8] = b"event: content_block_delta\n";
            let deltas = body.windows(DELTA.len()).filter(|w| *w == DELTA).count();
            if deltas == chunks && body.ends_with(b"data: {\"type\":\"message_stop\"}\n\n") {
                whole += 1;
            } else if whole == 0 {
                eprintln!("a stream of {} bytes with {deltas} of {chunks} deltas", body.len());
            }
        }
    }
    (during.saturating_sub(before), whole)
}

fn records_in(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| std::fs::read_to_string(entry.path()).unwrap_or_default().lines().count())
                .sum()
        })
        .unwrap_or(0)
}

fn main() {
    let options = options();
    EPOCH.get_or_init(Instant::now);
    let state = Arc::new(UpstreamState {
        chunks: options.chunks,
        interval: Duration::from_millis(options.interval_ms),
        hold: Arc::new(Semaphore::new(0)),
        holding: std::sync::atomic::AtomicBool::new(false),
    });
    let upstream_runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let listener = upstream_runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
    let upstream_addr = listener.local_addr().expect("addr");
    let app = axum::Router::new().fallback({
        let state = Arc::clone(&state);
        move |request: Request| upstream(Arc::clone(&state), request)
    });
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    upstream_runtime.spawn(async move { axum::serve(listener, app).await });

    let temp = tempfile::tempdir().expect("temp dir");
    let logs = temp.path().join("logs");
    let mut config = ProxyConfig::new(&logs, InteractionsConfig::default());
    config.listen = "127.0.0.1:0".parse().expect("addr");
    config.anthropic_upstream = format!("http://{upstream_addr}");
    config.openai_upstream = format!("http://{upstream_addr}");
    let proxy = Proxy::start(config).expect("proxy");
    let proxy_addr = proxy.local_addr();

    let client_runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let runs = |part: &str| options.part.as_deref().is_none_or(|p| p == part);
    if runs("latency") {
        latency_table(&client_runtime, &options, upstream_addr, proxy_addr);
    }
    if runs("trips") {
        println!("\nnon-streamed round trips, 16 connections, {} s each:", options.seconds);
        for mode in Mode::ALL {
            let url = mode.url(upstream_addr, proxy_addr);
            let rate = client_runtime.block_on(round_trips(&url, 16, options.seconds));
            println!("{:<22} {:>8.0} /s", mode.name(), rate);
        }
    }
    if runs("streams") {
        let before = records_in(&logs);
        println!("\n{} streams open at once (each held after its first chunk, then released):", options.streams);
        for &mode in &options.modes {
            let url = mode.url(upstream_addr, proxy_addr);
            let (kib, whole) = client_runtime.block_on(open_streams(&url, options.streams, &state, options.chunks));
            println!(
                "{:<22} {:>7} KiB more while open ({:.1} KiB a stream, client and upstream included); {whole}/{} complete",
                mode.name(),
                kib,
                kib as f64 / options.streams as f64,
                options.streams
            );
        }
        proxy.shutdown().expect("shutdown");
        let recorded = records_in(&logs) - before;
        println!("records written for the recorded streams: {recorded}");
    }
}

fn latency_table(
    client_runtime: &tokio::runtime::Runtime,
    options: &Options,
    upstream_addr: SocketAddr,
    proxy_addr: SocketAddr,
) {
    println!("streamed: {} chunks {} ms apart per response", options.chunks, options.interval_ms);
    println!("{:<22} {:>14} {:>14} {:>14} {:>14}", "", "first byte p50", "p99", "chunk p50", "p99");
    let requests = 200;
    let mut figures = Vec::new();
    for mode in Mode::ALL {
        let url = mode.url(upstream_addr, proxy_addr);
        client_runtime.block_on(stream_latencies(&url, 10, options.chunks)); // warm-up
        let (first, chunks) = client_runtime.block_on(stream_latencies(&url, requests, options.chunks));
        let row =
            [percentile(&first, 50.0), percentile(&first, 99.0), percentile(&chunks, 50.0), percentile(&chunks, 99.0)];
        println!("{:<22} {:>11.0} µs {:>11.0} µs {:>11.0} µs {:>11.0} µs", mode.name(), row[0], row[1], row[2], row[3]);
        figures.push(row);
    }
    for (mode, row) in Mode::ALL.iter().zip(&figures).skip(1) {
        let base = &figures[0];
        println!(
            "  added by {:<19} first byte p50 {:+.0} µs, p99 {:+.0} µs; chunk p50 {:+.0} µs, p99 {:+.0} µs",
            mode.name(),
            row[0] - base[0],
            row[1] - base[1],
            row[2] - base[2],
            row[3] - base[3]
        );
    }
}
