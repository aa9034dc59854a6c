//! The command line (docs/format.md §3): argument parsing and dispatch. This is the binary's edge,
//! where library errors become one stderr line and an exit status.

#[cfg(feature = "export")]
mod export;
#[cfg(feature = "proxy")]
mod proxy;
mod read;
mod record;
#[cfg(feature = "server")]
mod serve;
#[cfg(feature = "tui")]
mod tui;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::capture::{Settings, SettingsSources};
use crate::sanitize::sanitize_line;
use crate::source::{resolve_sources, RootEnv, Source, SourceSpec};

#[derive(Debug, Parser)]
#[command(name = "interlog", version, about = "Record every LLM round-trip an agent makes, and browse the records")]
pub struct Cli {
    /// The log directory (default: $INTERLOG_DIR, the config's `path`, ~/.config/interlog/interactions)
    #[arg(long, global = true, value_name = "DIR", help_heading = "Global options")]
    pub dir: Option<PathBuf>,
    /// The config file (default: $INTERLOG_CONFIG, ~/.config/interlog/config.toml)
    #[arg(long, global = true, value_name = "FILE", help_heading = "Global options")]
    pub config: Option<PathBuf>,
    /// Also or instead read another agent's own transcripts, in place: claude-code, codex or
    /// interlog (the log directory, the default), each optionally with :PATH; repeatable
    #[arg(long = "source", global = true, value_name = "KIND[:PATH]")]
    pub sources: Vec<String>,
    /// List every bad line instead of a one-line summary
    #[arg(long, short, global = true, help_heading = "Global options")]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The terminal UI on the directory, following it live (the default)
    #[cfg(feature = "tui")]
    Tui(tui::TuiArgs),
    /// Records, newest first
    List(read::ListArgs),
    /// One record, whole
    Show(read::ShowArgs),
    /// One row a session
    Sessions(read::SessionsArgs),
    /// A session's turns in order, oldest first
    Conversation(read::ConversationArgs),
    /// Append records read from stdin (one JSON object, or JSONL) through the writer
    ///
    /// Opening the directory applies retention: daily files older than `retention_days`
    /// (default 90; 0 keeps all) are deleted, and each deletion is said on stderr.
    Record(RecordArgs),
    /// The HTTP API (127.0.0.1:8377 unless --listen)
    #[cfg(feature = "server")]
    Serve(serve::ServeArgs),
    /// A recording reverse proxy for LLM APIs (127.0.0.1:8378 unless --listen)
    #[cfg(feature = "proxy")]
    Proxy(proxy::ProxyArgs),
    /// Run CMD with a recording proxy, ANTHROPIC_BASE_URL and OPENAI_BASE_URL pointing at it
    #[cfg(feature = "proxy")]
    Run(proxy::RunArgs),
    /// Delete the daily files older than `retention_days` now
    Prune,
    /// The terminal UI on a demo data set, with a simulated agent writing live
    #[cfg(feature = "tui")]
    Demo(tui::DemoArgs),
    /// Send records elsewhere: `export otlp --endpoint URL` to an OpenTelemetry collector
    #[cfg(feature = "export")]
    Export(export::ExportArgs),
}

#[derive(Debug, Args)]
pub struct RecordArgs {}

/// How a command failed, and so which exit status it gets.
#[derive(Debug)]
pub enum Failure {
    /// Exit 1: the one thing asked for does not exist (or could not be done).
    NotFound(String),
    /// Exit 2: bad usage or bad input.
    Usage(String),
    /// Exit 1: an operation failed (I/O, permissions).
    Failed(anyhow::Error),
}

impl Failure {
    fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => 2,
            Failure::NotFound(_) | Failure::Failed(_) => 1,
        }
    }
}

/// The error and its causes in one line, leaving out a cause whose text the message before it
/// already includes (our error types name their I/O cause in their own message).
fn error_chain(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if !line.contains(&text) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&text);
        }
    }
    line
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::NotFound(message) | Failure::Usage(message) => f.write_str(&sanitize_line(message)),
            Failure::Failed(err) => f.write_str(&sanitize_line(&error_chain(err))),
        }
    }
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(err: E) -> Self {
        Failure::Failed(err.into())
    }
}

pub type CliResult = Result<(), Failure>;

/// Parses the process arguments, runs the command, and maps failures to exit statuses.
pub fn main() -> ExitCode {
    main_from(std::env::args_os())
}

pub fn main_from<I: IntoIterator<Item = T>, T: Into<OsString> + Clone>(args: I) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() => {
            // --help and --version: clap's own output, on stdout.
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            eprintln!("interlog: {} (see `interlog --help`)", usage_error_line(&err));
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("interlog: {failure}");
            ExitCode::from(failure.exit_code())
        }
    }
}

/// clap explains a usage error over several lines (usage, tips); the contract wants one.
fn usage_error_line(err: &clap::Error) -> String {
    let rendered = err.render().to_string();
    let first_paragraph: Vec<&str> =
        rendered.lines().map(str::trim).skip_while(|l| l.is_empty()).take_while(|l| !l.is_empty()).collect();
    let line = first_paragraph.join(" ");
    let line = match line.strip_prefix("error: ") {
        Some(rest) => rest.to_owned(),
        None if line.is_empty() => "bad usage".to_owned(),
        None => line,
    };
    match suggestion(err) {
        Some(suggested) => format!("{line}; did you mean `{suggested}`?"),
        None => line,
    }
}

/// clap's "a similar subcommand/argument exists" tip, which the one-line form would drop.
fn suggestion(err: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue};
    [ContextKind::SuggestedSubcommand, ContextKind::SuggestedArg].into_iter().find_map(|kind| match err.get(kind)? {
        ContextValue::String(text) => Some(text.clone()),
        ContextValue::Strings(texts) => texts.first().cloned(),
        _ => None,
    })
}

/// The sources the reading commands read: `--source` as given, or the log directory.
fn sources(cli: &Cli, settings: &Settings) -> Result<Vec<Source>, Failure> {
    let specs = cli
        .sources
        .iter()
        .map(|text| SourceSpec::parse(text))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| Failure::Usage(err.to_string()))?;
    resolve_sources(&specs, &settings.dir, &RootEnv::from_process()).map_err(|err| Failure::Usage(err.to_string()))
}

fn settings(cli: &Cli) -> Result<Settings, Failure> {
    let sources = SettingsSources::from_env(cli.dir.clone(), cli.config.clone());
    Settings::resolve(&sources).map_err(|err| Failure::Usage(err.to_string()))
}

/// Diagnostics go to stderr; `RUST_LOG` overrides the quiet default.
fn init_tracing(default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    // Colour codes only for a terminal: `serve` logs usually go to a file or a journal.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi).try_init();
}

/// `serve` logs one line per request by default; every other command stays quiet.
fn default_log_filter(command: &Option<Command>) -> &'static str {
    match command {
        #[cfg(feature = "server")]
        Some(Command::Serve(_)) => serve::LOG_FILTER,
        #[cfg(feature = "proxy")]
        Some(Command::Run(_)) => proxy::RUN_LOG_FILTER,
        #[cfg(feature = "proxy")]
        Some(Command::Proxy(_)) => proxy::PROXY_LOG_FILTER,
        _ => "warn",
    }
}

pub fn run(cli: Cli) -> CliResult {
    init_tracing(default_log_filter(&cli.command));
    #[cfg(feature = "tui")]
    if matches!(cli.command, Some(Command::Demo(_))) && cli.dir.is_some() {
        return Err(Failure::Usage("demo writes to a temporary directory of its own; --dir is not used".into()));
    }
    let settings = settings(&cli)?;
    let sources = sources(&cli, &settings)?;
    let verbose = cli.verbose;
    match cli.command {
        #[cfg(feature = "tui")]
        Some(Command::Tui(args)) => tui::run_tui(&settings, &sources, args),
        #[cfg(feature = "tui")]
        None => tui::run_tui(&settings, &sources, tui::TuiArgs::default()),
        #[cfg(not(feature = "tui"))]
        None => Err(Failure::Usage("this build has no terminal UI (feature `tui`); see `interlog --help`".into())),
        Some(Command::List(args)) => read::run_list(&sources, args, verbose),
        Some(Command::Show(args)) => read::run_show(&sources, args, verbose),
        Some(Command::Sessions(args)) => read::run_sessions(&sources, args, verbose),
        Some(Command::Conversation(args)) => read::run_conversation(&sources, args, verbose),
        Some(Command::Record(_)) => record::run_record(&settings),
        #[cfg(feature = "server")]
        Some(Command::Serve(args)) => serve::run_serve(&settings, args),
        #[cfg(feature = "proxy")]
        Some(Command::Proxy(args)) => proxy::run_proxy(&settings, args),
        #[cfg(feature = "proxy")]
        Some(Command::Run(args)) => proxy::run_run(&settings, args),
        Some(Command::Prune) => record::run_prune(&settings),
        #[cfg(feature = "tui")]
        Some(Command::Demo(args)) => tui::run_demo(args),
        #[cfg(feature = "export")]
        Some(Command::Export(args)) => export::run_export(&settings, args),
    }
}
