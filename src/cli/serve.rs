//! `interlog serve`: the HTTP API (docs/format.md §4). The server itself is `crate::server`.

use std::net::SocketAddr;

use clap::Args;

use super::{CliResult, Failure, Settings};
use crate::server::{Server, ServerConfig, ServerError};

/// The default log filter for `serve`: one line per request (`interlog::server` at info); the
/// capture writer's own per-record line stays at warn so a POST is logged once.
pub const LOG_FILTER: &str = "warn,interlog::server=info";

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to bind: IP:PORT, localhost:PORT, or a bare PORT (on 127.0.0.1)
    #[arg(long, value_name = "ADDR", default_value = crate::server::DEFAULT_LISTEN, value_parser = parse_listen)]
    pub listen: SocketAddr,
    /// Bearer token every request must carry (required to bind a non-loopback address)
    #[arg(long, env = "INTERLOG_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Also accept this name in the Host header on loopback (repeatable); localhost names and
    /// loopback addresses are always accepted
    #[arg(long = "allow-host", value_name = "NAME")]
    pub allow_hosts: Vec<String>,
    /// Largest request body accepted: bytes, or with a suffix K, M (KiB, MiB)
    #[arg(long, value_name = "SIZE", default_value = "8M", value_parser = parse_size)]
    pub max_body: usize,
}

/// `localhost` is the loopback address, and a port alone binds loopback: names are never
/// resolved, so `--listen` cannot end up on another interface than the one written.
fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    let loopback = |port: &str| port.parse::<u16>().ok().map(|port| SocketAddr::from(([127, 0, 0, 1], port)));
    if let Some(addr) = text.parse::<SocketAddr>().ok().or_else(|| loopback(text)) {
        return Ok(addr);
    }
    match text.rsplit_once(':') {
        Some((host, port)) if host.eq_ignore_ascii_case("localhost") => {
            loopback(port).ok_or_else(|| format!("{port:?} is not a port number"))
        }
        _ => Err("expected IP:PORT (127.0.0.1:8377, [::1]:8377), localhost:PORT or a port".into()),
    }
}

pub fn run_serve(settings: &Settings, args: ServeArgs) -> CliResult {
    let mut config = ServerConfig::new(&settings.dir, settings.config.clone());
    config.listen = args.listen;
    config.token = args.token;
    config.allow_hosts = args.allow_hosts;
    config.max_body = args.max_body;
    config.stop_on_signals = true;
    let server = Server::start(config).map_err(serve_failure)?;
    eprintln!("interlog: serving {} on http://{}", settings.dir.display(), server.local_addr());
    server.wait().map_err(serve_failure)
}

/// The server's messages already name their cause; passing the error on as a chain would print
/// the cause twice.
fn serve_failure(err: ServerError) -> Failure {
    match err {
        ServerError::Exposure(_) => Failure::Usage(err.to_string()),
        other => Failure::Failed(anyhow::anyhow!(other.to_string())),
    }
}

/// `8388608`, `512K`, `8M`, `8MiB` (binary multiples; the contract's default is 8 MiB).
fn parse_size(text: &str) -> Result<usize, String> {
    let trimmed = text.trim();
    let split = trimmed.find(|c: char| !c.is_ascii_digit()).unwrap_or(trimmed.len());
    let (digits, unit) = trimmed.split_at(split);
    let multiplier: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        "g" | "gb" | "gib" => 1024 * 1024 * 1024,
        _ => return Err(format!("cannot read {text:?} as a size: use bytes, or a number with K or M")),
    };
    let count: usize =
        digits.parse().map_err(|_| format!("cannot read {text:?} as a size: use bytes, or a number with K or M"))?;
    count.checked_mul(multiplier).filter(|&bytes| bytes > 0).ok_or_else(|| format!("size {text:?} is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::DEFAULT_MAX_BODY;

    #[test]
    fn sizes_read_with_binary_suffixes() {
        assert_eq!(parse_size("8M"), Ok(DEFAULT_MAX_BODY));
        assert_eq!(parse_size("8MiB"), Ok(DEFAULT_MAX_BODY));
        assert_eq!(parse_size("512k"), Ok(512 * 1024));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("0").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5T").is_err());
    }

    #[test]
    fn listen_takes_localhost_and_a_bare_port_as_loopback() {
        let loopback = |port| Ok(SocketAddr::from(([127, 0, 0, 1], port)));
        assert_eq!(parse_listen("localhost:9000"), loopback(9000));
        assert_eq!(parse_listen("LocalHost:1"), loopback(1));
        assert_eq!(parse_listen("9001"), loopback(9001));
        assert_eq!(parse_listen("0.0.0.0:80"), Ok(SocketAddr::from(([0, 0, 0, 0], 80))));
        assert_eq!(parse_listen("[::1]:8377").map(|a| a.ip().is_loopback()), Ok(true));
        assert!(parse_listen("example.com:80").is_err());
        assert!(parse_listen("localhost:99999").is_err());
    }
}
