//! Shared by the `server_*` tests: a server on an ephemeral loopback port over a temporary
//! directory, HTTP helpers, and readers of what was stored.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use interlog::server::{Server, ServerConfig};
use interlog::InteractionsConfig;
use serde_json::Value;

pub struct TestServer {
    server: Option<Server>,
    pub addr: SocketAddr,
    pub dir: PathBuf,
    pub agent: ureq::Agent,
    token: Option<String>,
    _temp: tempfile::TempDir,
}

impl TestServer {
    pub fn start() -> Self {
        Self::start_with(|_| {})
    }

    pub fn start_with(adjust: impl FnOnce(&mut ServerConfig)) -> Self {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("logs");
        let mut config = ServerConfig::new(&dir, InteractionsConfig::default());
        config.listen = "127.0.0.1:0".parse().unwrap();
        adjust(&mut config);
        let token = config.token.clone();
        let server = Server::start(config).unwrap();
        let addr = server.local_addr();
        TestServer { server: Some(server), addr, dir, agent: agent(), token, _temp: temp }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// POST a body as JSON; the status and the parsed answer.
    pub fn post(&self, body: &str) -> (u16, Value) {
        self.post_to("/interactions", body)
    }

    pub fn post_to(&self, path: &str, body: &str) -> (u16, Value) {
        let mut request = self.agent.post(self.url(path)).header("Content-Type", "application/json");
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        answer(request.send(body).unwrap())
    }

    /// POST a record that must be accepted; its id.
    pub fn post_ok(&self, record: Value) -> String {
        let (status, answer) = self.post(&record.to_string());
        assert_eq!(status, 201, "{answer}");
        answer["id"].as_str().unwrap().to_owned()
    }

    pub fn get(&self, path: &str) -> (u16, Value) {
        let mut request = self.agent.get(self.url(path));
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        answer(request.call().unwrap())
    }

    pub fn shutdown(mut self) {
        self.server.take().unwrap().shutdown().unwrap();
    }

    pub fn take_server(&mut self) -> Server {
        self.server.take().unwrap()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            let _ = server.shutdown();
        }
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn answer(mut response: ureq::http::Response<ureq::Body>) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap();
    let value = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() };
    (status, value)
}

/// Every stored line of every daily file in `dir`, parsed, in file then line order.
pub fn stored_records(dir: &Path) -> Vec<Value> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut records = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        records
            .extend(text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str::<Value>(l).unwrap()));
    }
    records
}

/// Polls `condition` until it holds or `limit` passes; true when it held.
pub fn wait_until(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A parsed raw HTTP/1.1 answer.
pub struct RawAnswer {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl RawAnswer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|err| panic!("{err}: {:?}", self.body))
    }
}

/// Sends bytes as they are (for requests a client library would not make) and reads one answer.
pub fn raw_request(addr: SocketAddr, request: &[u8]) -> RawAnswer {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    stream.write_all(request).unwrap();
    read_answer(&mut stream)
}

/// Reads the head, then exactly `Content-Length` bytes of body.
pub fn read_answer(stream: &mut TcpStream) -> RawAnswer {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "connection closed before a full answer: {:?}", String::from_utf8_lossy(&buffer));
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buffer[..head_end].to_vec()).unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length").then(|| value.trim().parse().unwrap())
        })
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "connection closed inside the body");
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8(buffer[head_end..head_end + length].to_vec()).unwrap();
    RawAnswer { status, head, body }
}
