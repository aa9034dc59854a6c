//! `tui` and `demo`: the terminal UI on the log directory, or on the demo data set.

mod demo;

use std::io::IsTerminal;

use clap::Args;

use self::demo::Demo;
use super::{CliResult, Failure, Settings};
use crate::source::Source;
use crate::store::{parse_time_arg, Query};
use crate::tui::{run, Options};

#[derive(Debug, Default, Args)]
pub struct TuiArgs {
    /// Open on the demo data set with a simulated agent writing live
    #[arg(long)]
    pub demo: bool,
    #[command(flatten)]
    pub start: StartArgs,
}

#[derive(Debug, Default, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub start: StartArgs,
}

/// The filters and search the UI opens with (docs/tui.md, "Starting filtered").
#[derive(Debug, Default, Clone, PartialEq, Args)]
pub struct StartArgs {
    /// Open on this session's records
    #[arg(long)]
    pub session: Option<String>,
    /// Open on this project's records
    #[arg(long)]
    pub project: Option<String>,
    /// Open on this client's records
    #[arg(long)]
    pub client: Option<String>,
    /// Open on this model's records
    #[arg(long)]
    pub model: Option<String>,
    /// Open on records at or after T (RFC 3339, YYYY-MM-DD, or 30m / 2h / 7d back)
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
    /// Open on records before T
    #[arg(long, value_name = "T")]
    pub until: Option<String>,
    /// Open on records carrying TAG (repeatable: all of them)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Open on failed exchanges only
    #[arg(long)]
    pub errors: bool,
    /// Open on records with this stop reason
    #[arg(long, value_name = "REASON")]
    pub stop_reason: Option<String>,
    /// Open with this keyword search applied (as `list --search`)
    #[arg(long, value_name = "Q")]
    pub search: Option<String>,
}

impl StartArgs {
    /// The query the UI opens with; a time that does not parse is a usage error naming its flag.
    pub fn query(&self, now: chrono::DateTime<chrono::Utc>) -> Result<Query, Failure> {
        let given = |value: &Option<String>| value.clone().filter(|text| !text.trim().is_empty());
        let time = |flag: &str, value: &Option<String>| {
            value
                .as_deref()
                .map(|text| parse_time_arg(text, now).map_err(|err| Failure::Usage(format!("{flag}: {err}"))))
                .transpose()
        };
        Ok(Query {
            session: given(&self.session),
            project: given(&self.project),
            client: given(&self.client),
            model: given(&self.model),
            since: time("--since", &self.since)?,
            until: time("--until", &self.until)?,
            tags: self.tags.iter().filter(|tag| !tag.trim().is_empty()).cloned().collect(),
            has_error: self.errors.then_some(true),
            stop_reason: given(&self.stop_reason),
            search: given(&self.search),
            limit: None,
        })
    }
}

pub fn run_tui(settings: &Settings, sources: &[Source], args: TuiArgs) -> CliResult {
    if args.demo {
        return run_demo(DemoArgs { start: args.start });
    }
    let start = args.start.query(chrono::Utc::now())?;
    require_terminal()?;
    run(Options { dir: settings.dir.clone(), demo: false, sources: sources.to_vec(), start })
        .map_err(|err| Failure::Failed(err.into()))
}

pub fn run_demo(args: DemoArgs) -> CliResult {
    let start = args.start.query(chrono::Utc::now())?;
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
