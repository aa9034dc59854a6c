//! `serve`. PLACEHOLDER: the server helper replaces this body.

use std::net::SocketAddr;

use clap::Args;

use super::{CliResult, Failure, Settings};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to bind
    #[arg(long, default_value = "127.0.0.1:8377")]
    pub listen: SocketAddr,
    /// Bearer token every request must carry (required to bind a non-loopback address)
    #[arg(long, env = "INTERLOG_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

pub fn run_serve(_settings: &Settings, _args: ServeArgs) -> CliResult {
    Err(Failure::Usage("not built yet".into()))
}
