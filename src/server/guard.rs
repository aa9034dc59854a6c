//! Who may talk to the server: the `Host` check that defeats DNS rebinding on loopback, and the
//! bearer token.

use std::net::IpAddr;

use axum::http::{header, HeaderMap, StatusCode, Uri};

use super::error::ApiError;

/// Which `Host` header values a loopback server answers.
#[derive(Clone, Debug, Default)]
pub struct HostPolicy {
    /// False when bound to a non-loopback address: there the token is the protection, and the
    /// names the server is reached by are not known in advance.
    enforce: bool,
    /// Extra accepted names, lower-case, without a port.
    allowed: Vec<String>,
}

impl HostPolicy {
    pub fn new(enforce: bool, allowed: &[String]) -> Self {
        let allowed = allowed.iter().map(|name| normalize_name(name)).collect();
        HostPolicy { enforce, allowed }
    }

    /// A web page that rebinds its own name to 127.0.0.1 still sends that name as `Host`; a
    /// request without any `Host` does not come from a browser and is let through.
    pub(crate) fn check(&self, headers: &HeaderMap, uri: &Uri) -> Result<(), ApiError> {
        if !self.enforce {
            return Ok(());
        }
        let host = match headers.get(header::HOST) {
            Some(value) => value.to_str().map_err(|_| forbidden_host("(not visible ASCII)"))?,
            None => match uri.authority() {
                Some(authority) => authority.as_str(),
                None => return Ok(()),
            },
        };
        let name = host_without_port(host).ok_or_else(|| forbidden_host(host))?;
        let name = normalize_name(name);
        if is_local_host(&name) || self.allowed.contains(&name) {
            Ok(())
        } else {
            Err(forbidden_host(host))
        }
    }
}

fn forbidden_host(host: &str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        format!("Host {host:?} is not allowed: use localhost or a loopback address, or start the server with --allow-host NAME"),
    )
}

fn normalize_name(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// `name`, `name:port`, `[v6]` or `[v6]:port` → the name or address; `None` when malformed.
fn host_without_port(host: &str) -> Option<&str> {
    if let Some(rest) = host.strip_prefix('[') {
        let (address, after) = rest.split_once(']')?;
        return match after {
            "" => Some(address),
            port => port.strip_prefix(':').filter(|p| p.bytes().all(|b| b.is_ascii_digit())).map(|_| address),
        };
    }
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') => port.bytes().all(|b| b.is_ascii_digit()).then_some(name),
        // More than one colon without brackets: a bare IPv6 address.
        Some(_) => Some(host),
        None => Some(host),
    }
}

/// `localhost`, any `*.localhost` (RFC 6761 keeps them on loopback), and loopback addresses.
pub fn is_local_host(name: &str) -> bool {
    let name = normalize_name(name);
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The bearer token, compared in constant time so response timing does not reveal a prefix.
#[derive(Clone)]
pub(crate) struct Token(Vec<u8>);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(..)")
    }
}

impl Token {
    pub(crate) fn new(token: &str) -> Self {
        Token(token.as_bytes().to_vec())
    }

    pub(crate) fn check(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        match presented {
            Some(token) if constant_time_eq(token.as_bytes(), &self.0) => Ok(()),
            Some(_) => Err(ApiError::new(StatusCode::UNAUTHORIZED, "the bearer token is wrong")),
            None => Err(ApiError::new(StatusCode::UNAUTHORIZED, "missing `Authorization: Bearer TOKEN` header")),
        }
    }
}

/// Touches every byte of the longer input whatever the contents; only the lengths' equality leaks.
pub(crate) fn constant_time_eq(presented: &[u8], expected: &[u8]) -> bool {
    let longest = presented.len().max(expected.len());
    let mut difference = u8::from(presented.len() != expected.len());
    for i in 0..longest {
        let a = presented.get(i).copied().unwrap_or(0);
        let b = expected.get(i).copied().unwrap_or(0);
        difference |= a ^ b;
    }
    std::hint::black_box(difference) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_and_brackets_are_stripped() {
        assert_eq!(host_without_port("localhost:8377"), Some("localhost"));
        assert_eq!(host_without_port("localhost"), Some("localhost"));
        assert_eq!(host_without_port("[::1]:80"), Some("::1"));
        assert_eq!(host_without_port("[::1]"), Some("::1"));
        assert_eq!(host_without_port("::1"), Some("::1"));
        assert_eq!(host_without_port("[::1]x"), None);
        assert_eq!(host_without_port("localhost:80x"), None);
    }

    #[test]
    fn only_loopback_names_are_local() {
        for name in ["localhost", "LOCALHOST.", "app.localhost", "127.0.0.1", "127.8.9.10", "::1"] {
            assert!(is_local_host(name), "{name}");
        }
        for name in ["evil.com", "localhost.evil.com", "10.0.0.1", "0.0.0.0", "::", "192.168.1.1"] {
            assert!(!is_local_host(name), "{name}");
        }
    }

    #[test]
    fn host_policy_uses_the_allow_list() {
        let policy = HostPolicy::new(true, &["My-Box.lan".to_owned()]);
        let check = |host: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::HOST, host.parse().unwrap());
            policy.check(&headers, &Uri::from_static("/healthz")).map_err(|e| e.status)
        };
        assert_eq!(check("localhost:1"), Ok(()));
        assert_eq!(check("my-box.lan:8377"), Ok(()));
        assert_eq!(check("attacker.example:8377"), Err(StatusCode::FORBIDDEN));
        assert_eq!(check("127.0.0.1.attacker.example"), Err(StatusCode::FORBIDDEN));
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secre", b"secret"));
        assert!(!constant_time_eq(b"secret!", b"secret"));
        assert!(!constant_time_eq(b"Secret", b"secret"));
        assert!(!constant_time_eq(b"", b"secret"));
    }

    #[test]
    fn bearer_scheme_is_required() {
        let token = Token::new("s3cret");
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, value.parse().unwrap());
            token.check(&headers).map_err(|e| e.status)
        };
        assert_eq!(with("Bearer s3cret"), Ok(()));
        assert_eq!(with("bearer s3cret"), Ok(()));
        assert_eq!(with("Basic s3cret"), Err(StatusCode::UNAUTHORIZED));
        assert_eq!(with("Bearer s3cre"), Err(StatusCode::UNAUTHORIZED));
        assert_eq!(token.check(&HeaderMap::new()).map_err(|e| e.status), Err(StatusCode::UNAUTHORIZED));
    }
}
