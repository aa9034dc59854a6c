//! `tui` and `demo`. PLACEHOLDER: the tui helper replaces these bodies.

use clap::Args;

use super::{CliResult, Failure, Settings};

#[derive(Debug, Default, Args)]
pub struct TuiArgs {
    /// Open on the demo data set with a simulated agent writing live
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Default, Args)]
pub struct DemoArgs {}

pub fn run_tui(_settings: &Settings, _args: TuiArgs) -> CliResult {
    Err(Failure::Usage("not built yet".into()))
}

pub fn run_demo(_args: DemoArgs) -> CliResult {
    Err(Failure::Usage("not built yet".into()))
}
