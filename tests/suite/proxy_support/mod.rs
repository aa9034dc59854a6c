//! For `proxy.rs`: a scripted mock upstream on an ephemeral loopback port that replays wire
//! bytes exactly as told (chunk by chunk, holding on gates, breaking mid-body), a raw HTTP/1.1
//! client that sees every chunk as it arrives, and readers of the log directory.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use interlog::proxy::{Proxy, ProxyConfig};
use interlog::{InteractionRecord, InteractionsConfig};

/// How long any wait in these tests may take before it counts as a failure.
pub const PATIENCE: Duration = Duration::from_secs(15);

/// What the upstream does for one request.
pub enum Step {
    /// Write these bytes as one HTTP chunk.
    Chunk(Vec<u8>),
    /// Wait until the test opens the gate.
    Wait(Receiver<()>),
    /// Close the connection without ending the body.
    Break,
}

/// One scripted answer: status, headers, and the steps of the body (sent chunked).
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub steps: Vec<Step>,
}

impl Answer {
    pub fn sse(request_id: &str, chunks: Vec<Vec<u8>>) -> Answer {
        Answer {
            status: 200,
            headers: vec![
                ("content-type".into(), "text/event-stream; charset=utf-8".into()),
                ("request-id".into(), request_id.into()),
                ("x-request-id".into(), request_id.into()),
                ("cache-control".into(), "no-cache".into()),
            ],
            steps: chunks.into_iter().map(Step::Chunk).collect(),
        }
    }

    pub fn json(status: u16, request_id: &str, body: &str) -> Answer {
        Answer {
            status,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("request-id".into(), request_id.into()),
                ("x-request-id".into(), request_id.into()),
            ],
            steps: vec![Step::Chunk(body.as_bytes().to_vec())],
        }
    }
}

/// A request as the upstream received it.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

pub struct Upstream {
    pub addr: SocketAddr,
    answers: Sender<Answer>,
    pub received: Receiver<Received>,
}

impl Upstream {
    /// Serves one scripted answer per connection, in the order they are queued.
    pub fn start() -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (answers, queue) = mpsc::channel::<Answer>();
        let (seen, received) = mpsc::channel();
        let queue = Arc::new(Mutex::new(queue));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let queue = Arc::clone(&queue);
                let seen = seen.clone();
                std::thread::spawn(move || serve_connection(stream, &queue, &seen));
            }
        });
        Upstream { addr, answers, received }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn answer(&self, answer: Answer) {
        self.answers.send(answer).unwrap();
    }

    pub fn next_request(&self) -> Received {
        self.received.recv_timeout(PATIENCE).expect("the upstream got no request")
    }
}

fn serve_connection(stream: TcpStream, queue: &Mutex<Receiver<Answer>>, seen: &Sender<Received>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    // Keep-alive: one scripted answer per request on this connection.
    while let Some(request) = read_request(&mut reader) {
        let _ = seen.send(request);
        let Ok(answer) = queue.lock().unwrap().recv_timeout(PATIENCE) else { return };
        if !write_answer(&mut writer, answer) {
            return;
        }
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Received> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let headers = read_headers(reader)?;
    let length: usize =
        headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let chunked = headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked { read_chunked(reader, &mut |_| {})? } else { read_exact(reader, length)? };
    Some(Received { method, path, headers, body })
}

fn read_headers(reader: &mut impl BufRead) -> Option<Vec<(String, String)>> {
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            return Some(headers);
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
}

fn read_exact(reader: &mut impl Read, length: usize) -> Option<Vec<u8>> {
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(body)
}

/// Decodes a chunked body, calling `on_chunk` with each chunk's data as soon as it is read.
fn read_chunked(reader: &mut impl BufRead, on_chunk: &mut dyn FnMut(&[u8])) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size_line = String::new();
        if reader.read_line(&mut size_line).ok()? == 0 {
            return None;
        }
        let size = usize::from_str_radix(size_line.trim().split(';').next()?, 16).ok()?;
        if size == 0 {
            let mut end = String::new();
            reader.read_line(&mut end).ok()?;
            return Some(body);
        }
        let data = read_exact(reader, size)?;
        let mut crlf = [0u8; 2];
        reader.read_exact(&mut crlf).ok()?;
        on_chunk(&data);
        body.extend_from_slice(&data);
    }
}

fn write_answer(writer: &mut TcpStream, answer: Answer) -> bool {
    let mut head = format!("HTTP/1.1 {} Status\r\ntransfer-encoding: chunked\r\n", answer.status);
    for (name, value) in &answer.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    if writer.write_all(head.as_bytes()).is_err() {
        return false;
    }
    for step in answer.steps {
        match step {
            Step::Chunk(data) => {
                let mut frame = format!("{:x}\r\n", data.len()).into_bytes();
                frame.extend_from_slice(&data);
                frame.extend_from_slice(b"\r\n");
                if writer.write_all(&frame).and_then(|()| writer.flush()).is_err() {
                    return false;
                }
            }
            Step::Wait(gate) => {
                let _ = gate.recv_timeout(PATIENCE);
            }
            Step::Break => {
                let _ = writer.shutdown(std::net::Shutdown::Both);
                return false;
            }
        }
    }
    writer.write_all(b"0\r\n\r\n").is_ok()
}

/// A proxy over a temporary log directory, both upstreams pointing at `upstream`.
pub struct TestProxy {
    proxy: Option<Proxy>,
    pub addr: SocketAddr,
    pub dir: PathBuf,
    _temp: tempfile::TempDir,
}

impl TestProxy {
    pub fn start(upstream: &Upstream) -> TestProxy {
        Self::start_with(upstream, |_| {})
    }

    pub fn start_with(upstream: &Upstream, adjust: impl FnOnce(&mut ProxyConfig)) -> TestProxy {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("logs");
        let mut config = ProxyConfig::new(&dir, InteractionsConfig::default());
        config.listen = "127.0.0.1:0".parse().unwrap();
        config.anthropic_upstream = upstream.url();
        config.openai_upstream = upstream.url();
        adjust(&mut config);
        let proxy = Proxy::start(config).unwrap();
        let addr = proxy.local_addr();
        TestProxy { proxy: Some(proxy), addr, dir, _temp: temp }
    }

    /// Waits until the directory holds `count` records, and returns them in file order.
    pub fn records(&self, count: usize) -> Vec<InteractionRecord> {
        wait_for_records(&self.dir, count)
    }

    pub fn shutdown(mut self) {
        if let Some(proxy) = self.proxy.take() {
            proxy.shutdown().unwrap();
        }
    }
}

pub fn wait_for_records(dir: &Path, count: usize) -> Vec<InteractionRecord> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let records = read_records(dir);
        if records.len() >= count {
            assert_eq!(records.len(), count, "more records than expected");
            return records;
        }
        assert!(Instant::now() < deadline, "{} of {count} records after {PATIENCE:?}", records.len());
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub fn read_records(dir: &Path) -> Vec<InteractionRecord> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .flat_map(|file| {
            std::fs::read_to_string(file).unwrap_or_default().lines().map(str::to_owned).collect::<Vec<_>>()
        })
        .filter(|line| !line.trim().is_empty())
        .map(|line| InteractionRecord::from_json(&line).unwrap())
        .collect()
}

/// Every byte of every file under `dir`.
pub fn everything_in(dir: &Path) -> String {
    let mut all = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all.push_str(&everything_in(&path));
        } else {
            all.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
        }
    }
    all
}

/// A response as the agent received it.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body, or `None` when it broke before its end.
    pub body: Option<Vec<u8>>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// An agent's connection to the proxy.
pub struct Agent {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Agent {
    pub fn connect(addr: SocketAddr) -> Agent {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        Agent { reader: BufReader::new(stream.try_clone().unwrap()), writer: stream }
    }

    pub fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) {
        let mut head = format!("{method} {path} HTTP/1.1\r\nhost: localhost\r\ncontent-length: {}\r\n", body.len());
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        self.writer.write_all(head.as_bytes()).unwrap();
        self.writer.write_all(body).unwrap();
    }

    /// Reads the status line and headers.
    pub fn head(&mut self) -> (u16, Vec<(String, String)>) {
        let mut status_line = String::new();
        self.reader.read_line(&mut status_line).unwrap();
        let status = status_line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("a status line");
        (status, read_headers(&mut self.reader).expect("response headers"))
    }

    /// Reads the next body chunk the proxy sends (chunked encoding); `None` at the end or a break.
    pub fn next_chunk(&mut self) -> Option<Vec<u8>> {
        let mut size_line = String::new();
        if self.reader.read_line(&mut size_line).ok()? == 0 {
            return None;
        }
        let size = usize::from_str_radix(size_line.trim(), 16).ok()?;
        if size == 0 {
            return None;
        }
        let data = read_exact(&mut self.reader, size)?;
        let mut crlf = [0u8; 2];
        self.reader.read_exact(&mut crlf).ok()?;
        Some(data)
    }

    /// Reads a whole response.
    pub fn reply(&mut self) -> Reply {
        let (status, headers) = self.head();
        let chunked = headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
        let body = if chunked {
            read_chunked(&mut self.reader, &mut |_| {})
        } else {
            let length =
                headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
            read_exact(&mut self.reader, length)
        };
        Reply { status, headers, body }
    }
}

/// One request on a fresh connection, and its whole reply.
pub fn exchange(addr: SocketAddr, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut agent = Agent::connect(addr);
    agent.send("POST", path, headers, body);
    agent.reply()
}

/// Each event as its own chunk, as a provider flushes them.
pub fn sse_chunks(events: &[(&str, &str)]) -> Vec<Vec<u8>> {
    events
        .iter()
        .map(|(name, data)| match name {
            &"" => format!("data: {data}\n\n").into_bytes(),
            name => format!("event: {name}\ndata: {data}\n\n").into_bytes(),
        })
        .collect()
}
