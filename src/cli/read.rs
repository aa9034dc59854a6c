//! `list`, `show`, `sessions`, `conversation`: the read side of the command line.
//! PLACEHOLDER: the cli-read helper replaces these bodies.

use std::path::PathBuf;

use clap::Args;

use super::{CliResult, Failure, Settings};

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long)]
    pub project: Option<String>,
    #[arg(long)]
    pub session: Option<String>,
    #[arg(long)]
    pub client: Option<String>,
    #[arg(long)]
    pub model: Option<String>,
    /// Inclusive: RFC 3339, a date (YYYY-MM-DD, midnight UTC), or a span back from now (30m, 2h, 7d)
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
    /// Exclusive; same forms as --since
    #[arg(long, value_name = "T")]
    pub until: Option<String>,
    /// Every white-space separated term must occur (case-insensitive) in the record's text
    #[arg(long, value_name = "Q")]
    pub search: Option<String>,
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// One stored record a line, byte for byte
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    pub id: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SessionsArgs {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ConversationArgs {
    pub session: String,
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    #[arg(long)]
    pub markdown: bool,
}

fn not_yet() -> CliResult {
    Err(Failure::Usage("not built yet".into()))
}

pub fn run_list(_settings: &Settings, _args: ListArgs, _verbose: bool) -> CliResult {
    not_yet()
}
pub fn run_show(_settings: &Settings, _args: ShowArgs, _verbose: bool) -> CliResult {
    not_yet()
}
pub fn run_sessions(_settings: &Settings, _args: SessionsArgs, _verbose: bool) -> CliResult {
    not_yet()
}
pub fn run_conversation(_settings: &Settings, _args: ConversationArgs, _verbose: bool) -> CliResult {
    let _ = PathBuf::new();
    not_yet()
}
