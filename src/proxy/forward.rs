//! Routing, headers, and forwarding one request upstream.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State as Extract};
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures::TryStreamExt;

use super::record::{Api, End, Exchange, Seen};
use super::tee::{Capture, Tap, TeeBody};
use super::ProxyConfig;
use crate::capture::Redactor;
use crate::record::Timestamp;
use crate::server::write::RecordWriter;

pub(crate) struct State {
    client: reqwest::Client,
    writer: RecordWriter,
    anthropic: String,
    openai: String,
    project: Option<String>,
    client_name: Option<String>,
    redact_headers: Vec<HeaderName>,
    token: Option<String>,
    max_request: usize,
}

impl State {
    pub(crate) fn new(config: &ProxyConfig, writer: RecordWriter) -> Result<State, reqwest::Error> {
        // No overall timeout: an agent's stream may run for many minutes. reqwest reads
        // HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment by default.
        let client =
            reqwest::Client::builder().connect_timeout(std::time::Duration::from_secs(30)).tcp_nodelay(true).build()?;
        let redact_headers =
            config.redact_headers.iter().filter_map(|name| HeaderName::try_from(name.trim()).ok()).collect();
        Ok(State {
            client,
            writer,
            anthropic: config.anthropic_upstream.trim_end_matches('/').to_owned(),
            openai: config.openai_upstream.trim_end_matches('/').to_owned(),
            project: config.project.clone().filter(|p| !p.is_empty()),
            client_name: config.client.clone().filter(|c| !c.is_empty()),
            redact_headers,
            token: config.token.clone(),
            max_request: config.max_request,
        })
    }
}

pub(crate) fn router(state: Arc<State>) -> Router {
    Router::new().fallback(forward).with_state(state)
}

/// Which upstream a request goes to, and whether it is recorded.
#[derive(Debug, PartialEq, Eq)]
struct Route {
    anthropic: bool,
    recorded: Option<Api>,
}

fn route(method: &Method, path: &str, headers: &HeaderMap) -> Route {
    let recorded = match (method, path.trim_end_matches('/')) {
        (&Method::POST, "/v1/messages") => Some(Api::AnthropicMessages),
        (&Method::POST, "/v1/chat/completions") => Some(Api::OpenAiChat),
        (&Method::POST, "/v1/responses") => Some(Api::OpenAiResponses),
        _ => None,
    };
    // Paths both providers have (`/v1/models`) go by the caller: Anthropic's SDKs always send
    // `anthropic-version`, and only Anthropic takes `x-api-key`.
    let anthropic = match recorded {
        Some(api) => api == Api::AnthropicMessages,
        None => {
            path.starts_with("/v1/messages")
                || path.starts_with("/v1/complete")
                || headers.contains_key("anthropic-version")
                || headers.contains_key("x-api-key")
        }
    };
    Route { anthropic, recorded }
}

/// Connection-level headers are the proxy's own on each leg; `host` and `content-length` are
/// set by the client library from the URL and the body.
fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "host"
            | "content-length"
    )
}

const TOKEN_HEADER: &str = "x-interlog-token";
const TOKEN_PREFIX: &str = "/t/";

async fn forward(Extract(state): Extract<Arc<State>>, request: Request) -> Response {
    let started = Instant::now();
    let started_at = Timestamp::now();
    let (parts, body) = request.into_parts();
    let Some(path_and_query) = admitted(&state, &parts.uri, &parts.headers) else {
        return own_error(
            StatusCode::UNAUTHORIZED,
            "interlog proxy: missing or wrong token (X-Interlog-Token or a /t/TOKEN/ path prefix)",
        );
    };
    let path = path_and_query.split('?').next().unwrap_or("");
    let route = route(&parts.method, path, &parts.headers);
    let base = if route.anthropic { &state.anthropic } else { &state.openai };
    let url = format!("{base}{path_and_query}");
    let mut upstream = state
        .client
        .request(parts.method.clone(), &url)
        .headers(upstream_headers(&parts.headers, route.recorded.is_some()));
    let Some(api) = route.recorded else {
        let stream = body.into_data_stream().map_err(std::io::Error::other);
        upstream = upstream.body(reqwest::Body::wrap_stream(stream));
        return match upstream.send().await {
            Ok(response) => {
                log_forwarded(&parts.method, path, response.status().as_u16(), false, started);
                pass_through(response)
            }
            Err(err) => unreachable_upstream(&err),
        };
    };
    let request_body = match axum::body::to_bytes(body, state.max_request).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return own_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("interlog proxy: the request body is over {} bytes, or could not be read", state.max_request),
            )
        }
    };
    let exchange = Exchange {
        api,
        started_at,
        started,
        request: request_body.clone(),
        session_id: header_text(&parts.headers, "x-claude-code-session-id")
            .or_else(|| header_text(&parts.headers, "x-interlog-session")),
        project: state.project.clone().or_else(|| header_text(&parts.headers, "x-interlog-project")),
        client: state
            .client_name
            .clone()
            .or_else(|| header_text(&parts.headers, "user-agent").map(|ua| product_name(&ua))),
        request_id: None,
        status: None,
        secrets: secrets(&parts.headers, &state.redact_headers),
    };
    // Dropped with the handler when the agent gives up before the upstream answers.
    let mut waiting = Unanswered { exchange: Some(exchange), writer: state.writer.clone() };
    let sent = upstream.body(request_body).send().await;
    let Some(mut exchange) = waiting.exchange.take() else {
        return own_error(StatusCode::INTERNAL_SERVER_ERROR, "interlog proxy: lost the exchange");
    };
    match sent {
        Ok(response) => {
            log_forwarded(&parts.method, path, response.status().as_u16(), true, started);
            exchange.status = Some(response.status().as_u16());
            exchange.request_id = header_text(response.headers(), api.request_id_header());
            let streamed = is_event_stream(response.headers());
            let tap =
                Tap::new(exchange, if streamed { Capture::events(api) } else { Capture::body() }, state.writer.clone());
            respond(response, Some(tap))
        }
        Err(err) => {
            let cause = describe(&err);
            let seen = Seen {
                rebuilt: Default::default(),
                first_content: None,
                ended: Instant::now(),
                end: End::Unreachable(cause.clone()),
                truncated: false,
            };
            state.writer.write_later(move || super::record::build(&exchange, seen));
            unreachable_upstream(&err)
        }
    }
}

/// An exchange whose upstream has not answered yet; recorded as given up if dropped so.
struct Unanswered {
    exchange: Option<Exchange>,
    writer: RecordWriter,
}

impl Drop for Unanswered {
    fn drop(&mut self) {
        if let Some(exchange) = self.exchange.take() {
            let seen = Seen {
                rebuilt: Default::default(),
                first_content: None,
                ended: Instant::now(),
                end: End::ClientGone,
                truncated: false,
            };
            self.writer.write_later(move || super::record::build(&exchange, seen));
        }
    }
}

/// The path and query to forward, once the token (when one is set) checks out.
fn admitted<'a>(state: &State, uri: &'a axum::http::Uri, headers: &HeaderMap) -> Option<&'a str> {
    let path_and_query = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let Some(token) = state.token.as_deref() else { return Some(path_and_query) };
    let presented = headers.get(TOKEN_HEADER).map(HeaderValue::as_bytes);
    if presented.is_some_and(|p| crate::server::constant_time_eq(p, token.as_bytes())) {
        return Some(path_and_query);
    }
    let rest = path_and_query.strip_prefix(TOKEN_PREFIX)?;
    let (presented, tail) = rest.split_at(rest.find('/')?);
    crate::server::constant_time_eq(presented.as_bytes(), token.as_bytes()).then_some(tail)
}

fn upstream_headers(headers: &HeaderMap, recorded: bool) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let ours = name.as_str().starts_with("x-interlog-");
        // The tee reads plain bytes: a recorded exchange asks the upstream for no compression
        // (the loopback leg to the agent costs nothing either way).
        let encoding = recorded && name == header::ACCEPT_ENCODING;
        if !is_hop_by_hop(name) && !ours && !encoding {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

fn downstream_headers(headers: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        if !is_hop_by_hop(name) || name == header::CONTENT_LENGTH {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

fn pass_through(response: reqwest::Response) -> Response {
    respond(response, None)
}

/// One line per forwarded request: the path without its query (a query may carry a key).
fn log_forwarded(method: &Method, path: &str, status: u16, recorded: bool, started: Instant) {
    tracing::info!(
        target: "interlog::proxy",
        method = %method,
        path = %path,
        status,
        recorded,
        headers_after = ?started.elapsed(),
        "forwarded"
    );
}

fn respond(response: reqwest::Response, tap: Option<Tap>) -> Response {
    let status = response.status();
    let headers = downstream_headers(response.headers());
    let body = TeeBody::new(Box::pin(response.bytes_stream()), tap);
    let mut out = Response::new(Body::from_stream(body));
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    out
}

fn is_event_stream(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/event-stream"))
}

/// A reqwest error without its URL (a user may keep credentials in an upstream URL).
pub(crate) fn describe(err: &reqwest::Error) -> String {
    let mut text = String::new();
    let mut cause: Option<&dyn std::error::Error> = Some(err);
    while let Some(current) = cause {
        let piece = current.to_string();
        let piece = match current.downcast_ref::<reqwest::Error>() {
            Some(_) => strip_url(&piece),
            None => piece,
        };
        if !text.contains(&piece) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&piece);
        }
        cause = current.source();
    }
    text
}

fn strip_url(text: &str) -> String {
    match text.find(" for url (") {
        Some(at) => text[..at].to_owned(),
        None => text.to_owned(),
    }
}

/// The proxy's own error, only ever when the upstream gave no answer.
fn unreachable_upstream(err: &reqwest::Error) -> Response {
    let status = if err.is_timeout() { StatusCode::GATEWAY_TIMEOUT } else { StatusCode::BAD_GATEWAY };
    tracing::warn!(target: "interlog::proxy", "upstream not reached: {}", describe(err));
    own_error(status, &format!("interlog proxy: the upstream could not be reached: {}", describe(err)))
}

/// An error body both SDK families read: `{"type":"error","error":{"type":…,"message":…}}`.
fn own_error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({"type": "error", "error": {"type": "api_error", "message": message}});
    (status, axum::Json(body)).into_response()
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// `claude-cli/1.0.83 (external, cli)` → `claude-code`; `OpenAI/Python 1.99` → `OpenAI`.
fn product_name(user_agent: &str) -> String {
    let product = user_agent.split(['/', ' ']).next().unwrap_or(user_agent);
    match product {
        "claude-cli" => "claude-code".to_owned(),
        "codex_cli_rs" | "codex_exec" => "codex".to_owned(),
        other => other.to_owned(),
    }
}

/// The values of the credential headers, as literals to scrub from recorded text.
fn secrets(headers: &HeaderMap, extra: &[HeaderName]) -> Redactor {
    let credential = |name: &HeaderName| {
        matches!(name.as_str(), "authorization" | "x-api-key" | "api-key" | "cookie" | "proxy-authorization")
            || extra.contains(name)
    };
    let mut values: Vec<String> = Vec::new();
    for (name, value) in headers.iter().filter(|(name, _)| credential(name)) {
        let Ok(text) = value.to_str() else { continue };
        let pieces: Vec<&str> = match name.as_str() {
            "cookie" => text.split(';').filter_map(|pair| pair.split_once('=').map(|(_, v)| v.trim())).collect(),
            _ => vec![text
                .split_once(' ')
                .map_or(text, |(scheme, rest)| if scheme.eq_ignore_ascii_case("bearer") { rest } else { text })
                .trim()],
        };
        // Short values would scrub ordinary words; credentials are long.
        values.extend(pieces.into_iter().filter(|v| v.len() >= 8).map(str::to_owned));
    }
    Redactor::new(false, &values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (HeaderName::try_from(*k).unwrap(), HeaderValue::try_from(*v).unwrap())).collect()
    }

    #[test]
    fn routes_by_path_then_by_caller() {
        let none = HeaderMap::new();
        assert_eq!(
            route(&Method::POST, "/v1/messages", &none),
            Route { anthropic: true, recorded: Some(Api::AnthropicMessages) }
        );
        assert_eq!(route(&Method::POST, "/v1/messages/count_tokens", &none), Route { anthropic: true, recorded: None });
        assert_eq!(
            route(&Method::POST, "/v1/responses", &none),
            Route { anthropic: false, recorded: Some(Api::OpenAiResponses) }
        );
        assert_eq!(route(&Method::GET, "/v1/models", &none), Route { anthropic: false, recorded: None });
        let anthropic = headers(&[("anthropic-version", "2023-06-01")]);
        assert_eq!(route(&Method::GET, "/v1/models", &anthropic), Route { anthropic: true, recorded: None });
        assert_eq!(route(&Method::GET, "/v1/messages", &none).recorded, None);
    }

    #[test]
    fn product_names_and_aliases() {
        assert_eq!(product_name("claude-cli/1.0.83 (external, cli)"), "claude-code");
        assert_eq!(product_name("OpenAI/Python 1.99.9"), "OpenAI");
        assert_eq!(product_name("my-agent"), "my-agent");
    }

    #[test]
    fn credential_values_become_literals_to_scrub() {
        let redactor = secrets(
            &headers(&[
                ("authorization", "Bearer oauth-token-123456"),
                ("x-api-key", "key-abcdefgh"),
                ("x-custom", "custom-secret-1"),
            ]),
            &[HeaderName::from_static("x-custom")],
        );
        assert_eq!(
            redactor.redact("a oauth-token-123456 b key-abcdefgh c custom-secret-1").as_ref(),
            "a [REDACTED] b [REDACTED] c [REDACTED]"
        );
    }

    #[test]
    fn encoding_and_our_headers_stay_here() {
        let sent = upstream_headers(
            &headers(&[
                ("accept-encoding", "gzip"),
                ("x-interlog-project", "p"),
                ("anthropic-beta", "x"),
                ("connection", "keep-alive"),
            ]),
            true,
        );
        assert_eq!(sent.keys().map(HeaderName::as_str).collect::<Vec<_>>(), vec!["anthropic-beta"]);
    }
}
