//! For `tests/otlp.rs`: a stand-in OTLP collector on loopback that decodes what it is sent, and
//! builders of OTLP messages with `opentelemetry-proto`'s types.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use interlog::otlp::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;

/// One request the collector received.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body, inflated when gzip, decoded as protobuf or JSON by its Content-Type.
    pub fn traces(&self) -> ExportTraceServiceRequest {
        let body = if self.header("content-encoding") == Some("gzip") {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(self.body.as_slice()).read_to_end(&mut out).unwrap();
            out
        } else {
            self.body.clone()
        };
        match self.header("content-type") {
            Some("application/json") => serde_json::from_slice(&body).unwrap(),
            _ => ExportTraceServiceRequest::decode(body.as_slice()).unwrap(),
        }
    }

    pub fn spans(&self) -> Vec<Span> {
        self.traces().resource_spans.into_iter().flat_map(|r| r.scope_spans).flat_map(|s| s.spans).collect()
    }
}

/// A collector answering each request with the next scripted status (then 200 for ever).
pub struct Collector {
    pub addr: SocketAddr,
    pub received: Arc<Mutex<Vec<Received>>>,
}

impl Collector {
    pub fn start(script: Vec<u16>) -> Collector {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(script.into_iter()));
        let seen = Arc::clone(&received);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let seen = Arc::clone(&seen);
                let script = Arc::clone(&script);
                std::thread::spawn(move || serve(stream, &seen, &script));
            }
        });
        Collector { addr, received }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Every span received, in order.
    pub fn spans(&self) -> Vec<Span> {
        self.requests().iter().filter(|r| r.path == "/v1/traces").flat_map(|r| r.spans()).collect()
    }
}

fn serve(stream: TcpStream, seen: &Mutex<Vec<Received>>, script: &Mutex<std::vec::IntoIter<u16>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or("").to_owned();
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_owned(), value.trim().to_owned()));
            }
        }
        let length: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let status = script.lock().unwrap().next().unwrap_or(200);
        if status == 200 {
            seen.lock().unwrap().push(Received { path, headers, body });
        }
        let reason = if status == 200 { "OK" } else { "Service Unavailable" };
        let answer = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/x-protobuf\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n"
        );
        if writer.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

pub fn string(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(Any::StringValue(value.into())) }),
        ..Default::default()
    }
}

pub fn int(key: &str, value: i64) -> KeyValue {
    KeyValue { key: key.into(), value: Some(AnyValue { value: Some(Any::IntValue(value)) }), ..Default::default() }
}

pub fn attr<'a>(span: &'a Span, key: &str) -> Option<&'a Any> {
    span.attributes.iter().find(|kv| kv.key == key).and_then(|kv| kv.value.as_ref()).and_then(|v| v.value.as_ref())
}

pub fn attr_text(span: &Span, key: &str) -> Option<String> {
    match attr(span, key)? {
        Any::StringValue(s) => Some(s.clone()),
        _ => None,
    }
}

pub fn attr_int(span: &Span, key: &str) -> Option<i64> {
    match attr(span, key)? {
        Any::IntValue(i) => Some(*i),
        _ => None,
    }
}
