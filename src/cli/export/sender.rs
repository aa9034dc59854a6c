//! One batch to the collector: gzip, POST, and retries with backoff on 429, 502, 503, 504 and
//! connection errors (the OTLP/HTTP retryable set), honouring `Retry-After`.

use std::time::Duration;

use anyhow::{anyhow, Context};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_ENCODING, CONTENT_TYPE, RETRY_AFTER};
use reqwest::StatusCode;

use crate::otlp::wire::{self, Encoding};
use crate::otlp::ExportTraceServiceResponse;

const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

pub struct Sender {
    client: reqwest::Client,
    url: String,
    encoding: Encoding,
    gzip: bool,
    /// `None`: retry for ever (`--follow`).
    retries: Option<u32>,
}

/// What the collector said about an acknowledged batch.
#[derive(Debug, Default)]
pub struct Ack {
    pub rejected_spans: i64,
    pub message: String,
}

impl Sender {
    pub fn new(
        url: String,
        headers: Vec<(String, String)>,
        encoding: Encoding,
        gzip: bool,
        retries: Option<u32>,
    ) -> anyhow::Result<Sender> {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| anyhow!("--header {name:?}: not a valid header name"))?;
            let mut value = HeaderValue::from_str(&value)
                .map_err(|_| anyhow!("--header {name}: the value is not a valid header value"))?;
            // Credentials stay out of debug output.
            value.set_sensitive(true);
            map.insert(header, value);
        }
        let client = reqwest::Client::builder()
            .default_headers(map)
            .user_agent(concat!("interlog/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()
            .context("cannot start the HTTP client")?;
        Ok(Sender { client, url, encoding, gzip, retries })
    }

    /// Sends `body` (an encoded `ExportTraceServiceRequest`) until acknowledged or out of retries.
    pub async fn send(&self, body: Vec<u8>) -> anyhow::Result<Ack> {
        let body = if self.gzip { wire::gzip(&body) } else { body };
        let mut attempt: u32 = 0;
        loop {
            let wait = match self.attempt(body.clone()).await {
                Outcome::Done(ack) => return Ok(ack),
                Outcome::Fatal(err) => return Err(err),
                Outcome::Retry { reason, after } => {
                    attempt += 1;
                    if self.retries.is_some_and(|limit| attempt > limit) {
                        return Err(anyhow!("{} after {} attempts", reason, attempt));
                    }
                    let wait = after.unwrap_or_else(|| backoff(attempt)).min(MAX_BACKOFF);
                    tracing::warn!(target: "interlog::export", "{reason}; retrying in {:.1} s", wait.as_secs_f64());
                    wait
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt(&self, body: Vec<u8>) -> Outcome {
        let mut request = self.client.post(&self.url).header(CONTENT_TYPE, self.encoding.content_type()).body(body);
        if self.gzip {
            request = request.header(CONTENT_ENCODING, "gzip");
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(err) => {
                return Outcome::Retry {
                    reason: format!("cannot reach {}: {}", self.url, error_text(&err)),
                    after: None,
                }
            }
        };
        let status = response.status();
        let after = retry_after(response.headers());
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(err) => {
                return Outcome::Retry {
                    reason: format!("the answer from {} broke off: {}", self.url, error_text(&err)),
                    after: None,
                }
            }
        };
        if status.is_success() {
            return Outcome::Done(ack(&bytes, self.encoding));
        }
        let detail = String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).trim().to_owned();
        let reason = format!(
            "{} answered {}{}",
            self.url,
            status,
            if detail.is_empty() { String::new() } else { format!(": {detail}") }
        );
        if matches!(
            status,
            StatusCode::TOO_MANY_REQUESTS
                | StatusCode::BAD_GATEWAY
                | StatusCode::SERVICE_UNAVAILABLE
                | StatusCode::GATEWAY_TIMEOUT
        ) {
            Outcome::Retry { reason, after }
        } else {
            Outcome::Fatal(anyhow!(reason))
        }
    }
}

enum Outcome {
    Done(Ack),
    Retry { reason: String, after: Option<Duration> },
    Fatal(anyhow::Error),
}

/// 0.5 s, 1 s, 2 s, ... capped at 30 s.
fn backoff(attempt: u32) -> Duration {
    FIRST_BACKOFF.saturating_mul(1u32 << attempt.saturating_sub(1).min(10))
}

/// `Retry-After` in seconds, or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(text).ok()?;
    (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).to_std().ok()
}

/// An empty body is a full success; a partial success names what was rejected.
fn ack(bytes: &[u8], encoding: Encoding) -> Ack {
    let response: ExportTraceServiceResponse = match wire::decode(bytes, encoding) {
        Ok(response) => response,
        Err(_) => return Ack::default(),
    };
    response
        .partial_success
        .map(|partial| Ack { rejected_spans: partial.rejected_spans, message: partial.error_message })
        .unwrap_or_default()
}

/// reqwest's error with its causes (the useful part, "connection refused", is a cause).
fn error_text(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        assert_eq!(backoff(1), Duration::from_millis(500));
        assert_eq!(backoff(2), Duration::from_secs(1));
        assert_eq!(backoff(4), Duration::from_secs(4));
        assert!(backoff(30) >= MAX_BACKOFF);
    }

    #[test]
    fn retry_after_reads_seconds() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(retry_after(&headers), None, "a date in the past is no wait");
    }
}
