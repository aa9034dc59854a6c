//! `tui` and `demo`: the terminal UI on the log directory, or on the demo data set.

mod demo;

use std::io::IsTerminal;

use clap::Args;

use self::demo::Demo;
use super::read::FilterArgs;
use super::{CliResult, Failure, Settings};
use crate::source::Source;
use crate::tui::{run, Options};

#[derive(Debug, Default, Args)]
pub struct TuiArgs {
    /// Open on the demo data set with a simulated agent writing live
    #[arg(long)]
    pub demo: bool,
    /// The filters and search the UI opens with (docs/tui.md, "Starting filtered"): `list`'s.
    #[command(flatten)]
    pub start: FilterArgs,
}

#[derive(Debug, Default, Args)]
pub struct DemoArgs {
    /// The filters and search the UI opens with (docs/tui.md, "Starting filtered"): `list`'s.
    #[command(flatten)]
    pub start: FilterArgs,
}

pub fn run_tui(settings: &Settings, sources: &[Source], args: TuiArgs) -> CliResult {
    if args.demo {
        return run_demo(DemoArgs { start: args.start });
    }
    let start = args.start.query(chrono::Utc::now(), None)?;
    require_terminal()?;
    run(Options { dir: settings.dir.clone(), demo: false, sources: sources.to_vec(), start })
        .map_err(|err| Failure::Failed(err.into()))
}

pub fn run_demo(args: DemoArgs) -> CliResult {
    let start = args.start.query(chrono::Utc::now(), None)?;
    require_terminal()?;
    let demo = Demo::start().map_err(|err| Failure::Failed(err.into()))?;
    let result = run(Options { dir: demo.dir().to_path_buf(), demo: true, sources: Vec::new(), start });
    drop(demo);
    result.map_err(|err| Failure::Failed(err.into()))
}

/// The UI draws on a terminal; scripts want `interlog list`.
fn require_terminal() -> CliResult {
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        Ok(())
    } else {
        Err(Failure::Usage(
            "the terminal UI needs a terminal on stdin and stdout; for scripts use `interlog list`".into(),
        ))
    }
}
