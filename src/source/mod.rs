//! Other agents' own transcripts read as records, in place (`--source`, see docs/sources.md).
//!
//! Each foreign kind has an adapter with two halves:
//! - a *partitioner* that reads a transcript line by line, cuts it into consecutive byte ranges,
//!   one per model call, and tells the store what to index for each (it keeps a little state per
//!   file, so a followed file is read from where it stopped);
//! - a *converter* that turns one indexed range back into a whole [`InteractionRecord`] when it is
//!   shown (the store re-reads bodies by offset, as for its own files).
//!
//! Nothing here writes to a transcript tree.

pub(crate) mod claude_code;
pub(crate) mod codex;
pub(crate) mod lines;
mod tree;

use std::path::{Path, PathBuf};

pub(crate) use lines::{parse_region, read_prefix, LineSplitter, ParsedLines};
pub(crate) use tree::{is_transcript, transcript_files};

/// The id a Codex model call gets: see docs/sources.md.
pub use codex::record_id as codex_record_id;

use crate::record::InteractionRecord;

/// Where records come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceKind {
    /// interlog's own log directory.
    Interlog,
    /// Claude Code's `~/.claude/projects` tree.
    ClaudeCode,
    /// Codex's `~/.codex/sessions` tree.
    Codex,
}

impl SourceKind {
    /// The name used on the command line, in `source.kind` and as `client`.
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Interlog => "interlog",
            SourceKind::ClaudeCode => "claude-code",
            SourceKind::Codex => "codex",
        }
    }

    fn from_name(name: &str) -> Option<SourceKind> {
        [SourceKind::Interlog, SourceKind::ClaudeCode, SourceKind::Codex].into_iter().find(|k| k.name() == name)
    }

    pub fn is_foreign(self) -> bool {
        self != SourceKind::Interlog
    }
}

/// One place to read records from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub kind: SourceKind,
    pub root: PathBuf,
}

/// `--source KIND[:PATH]` as given, before the log directory is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceSpec {
    pub kind: SourceKind,
    pub path: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("unknown source kind {0:?}: expected claude-code, codex or interlog")]
    UnknownKind(String),
    #[error("--source {0}: the path after ':' is empty")]
    EmptyPath(String),
    #[error("cannot find the home directory for the default {0} root: set $HOME or give KIND:PATH")]
    NoHome(&'static str),
}

/// What the environment says about default roots (a struct so tests need not touch the process).
#[derive(Clone, Debug, Default)]
pub struct RootEnv {
    pub home: Option<PathBuf>,
    pub claude_config_dir: Option<PathBuf>,
    pub codex_home: Option<PathBuf>,
}

impl RootEnv {
    pub fn from_process() -> RootEnv {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        RootEnv { home: var("HOME"), claude_config_dir: var("CLAUDE_CONFIG_DIR"), codex_home: var("CODEX_HOME") }
    }
}

impl SourceSpec {
    /// Parses `KIND` or `KIND:PATH`.
    pub fn parse(text: &str) -> Result<SourceSpec, SourceError> {
        let (kind, path) = match text.split_once(':') {
            Some((kind, path)) => (kind, Some(path)),
            None => (text, None),
        };
        let kind = SourceKind::from_name(kind.trim()).ok_or_else(|| SourceError::UnknownKind(kind.to_owned()))?;
        let path = match path {
            Some("") => return Err(SourceError::EmptyPath(text.to_owned())),
            Some(p) => Some(PathBuf::from(p)),
            None => None,
        };
        Ok(SourceSpec { kind, path })
    }

    /// The source's root: the path given (with a leading `~/` expanded), else the kind's default.
    pub fn resolve(&self, log_dir: &Path, env: &RootEnv) -> Result<Source, SourceError> {
        let root = match (&self.path, self.kind) {
            (Some(path), _) => expand_home(path, env),
            (None, SourceKind::Interlog) => log_dir.to_path_buf(),
            (None, SourceKind::ClaudeCode) => match (&env.claude_config_dir, &env.home) {
                (Some(config), _) => config.join("projects"),
                (None, Some(home)) => home.join(".claude").join("projects"),
                (None, None) => return Err(SourceError::NoHome("claude-code")),
            },
            (None, SourceKind::Codex) => match (&env.codex_home, &env.home) {
                (Some(codex), _) => codex.join("sessions"),
                (None, Some(home)) => home.join(".codex").join("sessions"),
                (None, None) => return Err(SourceError::NoHome("codex")),
            },
        };
        Ok(Source { kind: self.kind, root })
    }
}

fn expand_home(path: &Path, env: &RootEnv) -> PathBuf {
    match (path.strip_prefix("~"), &env.home) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_path_buf(),
    }
}

/// The sources a reading command uses: the ones given, deduplicated, or the log directory alone.
pub fn resolve_sources(specs: &[SourceSpec], log_dir: &Path, env: &RootEnv) -> Result<Vec<Source>, SourceError> {
    if specs.is_empty() {
        return Ok(vec![Source { kind: SourceKind::Interlog, root: log_dir.to_path_buf() }]);
    }
    let mut sources: Vec<Source> = Vec::new();
    for spec in specs {
        let source = spec.resolve(log_dir, env)?;
        if !sources.contains(&source) {
            sources.push(source);
        }
    }
    Ok(sources)
}

/// What the store indexes of one model call found in a transcript: where its lines are and the
/// few fields a list row needs.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Found {
    /// The range's first byte and length (up to the end of its last line, newline excluded).
    pub offset: u64,
    pub len: u64,
    /// 1-based number of the range's first line.
    pub line: u64,
    pub nanos: i64,
    pub offset_minutes: i16,
    pub id: String,
    pub duration_ms: Option<u64>,
    /// Per the token convention: input excludes cache reads and creations.
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub tool_names: Vec<String>,
    pub first_line: String,
    pub session: String,
    pub project: String,
    pub client: &'static str,
    pub model: String,
    pub stop_reason: String,
    /// The key that joins this call with the same call seen elsewhere (a proxy record's
    /// `request_id`, a copy of the line in a resumed session).
    pub request_id: Option<String>,
    pub approximate: bool,
    /// Where the call stands in its chain, so the store can tell its history from what is new.
    pub chain: ChainPlace,
    pub cache_read_tokens: u64,
    pub cache_creation_tokens: u64,
    /// The title the transcript gives its session so far (empty: none).
    pub title: String,
}

/// A call's request as its transcript's chain tells it, counted as the record's `messages`
/// are rebuilt.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ChainPlace {
    /// Messages the request carries.
    pub request: u32,
    /// Of them, those up to and including the last reply.
    pub replied: u32,
    /// Changes at each compaction: requests of different segments share no history.
    pub segment: u32,
    /// The messages after the last reply are tool results, not a prompt.
    pub tool_results: bool,
}

/// A partitioner's verdict on one line.
pub(crate) trait Partition: Send {
    /// Feeds one complete line (without its line ending) at `offset`, number `line`; records it
    /// closes go to `closed`, a bad line's reason is returned.
    fn line(&mut self, bytes: &[u8], offset: u64, line: u64, closed: &mut Vec<Found>) -> Result<(), String>;
    /// The records still open after the last line fed (the last call of each chain), as they stand.
    fn open(&self) -> Vec<Found>;
}

/// A fresh partitioner for one file of `kind` (`None` for interlog's own files).
pub(crate) fn partitioner(kind: SourceKind, path: &Path) -> Option<Box<dyn Partition>> {
    match kind {
        SourceKind::Interlog => None,
        SourceKind::ClaudeCode => Some(Box::new(claude_code::Partitioner::new(path))),
        SourceKind::Codex => Some(Box::new(codex::Partitioner::new(path))),
    }
}

/// An indexed range to rebuild a record from: the record `id` at `offset..offset + len` of
/// `path`, whose lines (at least up to the range's end) are `lines`.
#[derive(Clone, Copy)]
pub(crate) struct Wanted<'a> {
    pub path: &'a Path,
    pub lines: &'a ParsedLines,
    pub offset: u64,
    pub len: u64,
    pub id: &'a str,
    /// Rebuild the history sent with the call (else only the range's own lines).
    pub with_history: bool,
}

/// Rebuilds a record; `None` when the file no longer holds a record with this id there.
pub(crate) fn convert(kind: SourceKind, wanted: &Wanted) -> Option<InteractionRecord> {
    match kind {
        SourceKind::Interlog => None,
        SourceKind::ClaudeCode => claude_code::convert(wanted),
        SourceKind::Codex => codex::convert(wanted),
    }
}

/// The first non-blank line of `text`, trimmed and cut to `max` bytes on a character boundary.
pub(crate) fn first_line(text: &str, max: usize) -> String {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
    let mut cut = line.len().min(max);
    while !line.is_char_boundary(cut) {
        cut -= 1;
    }
    line[..cut].to_owned()
}

/// The project name of a working directory: its last component.
pub(crate) fn project_of(cwd: &str) -> String {
    Path::new(cwd).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Instant and UTC offset (minutes) of an RFC 3339 text.
pub(crate) fn instant(text: &str) -> Option<(i64, i16)> {
    let parsed = chrono::DateTime::parse_from_rfc3339(text).ok()?;
    let nanos = parsed.timestamp_nanos_opt()?;
    Some((nanos, (parsed.offset().local_minus_utc() / 60) as i16))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> RootEnv {
        RootEnv { home: Some("/home/u".into()), claude_config_dir: None, codex_home: None }
    }

    #[test]
    fn kinds_paths_and_defaults() {
        let log = Path::new("/logs");
        let spec = SourceSpec::parse("claude-code").unwrap();
        assert_eq!(spec.resolve(log, &env()).unwrap().root, PathBuf::from("/home/u/.claude/projects"));
        let with_config = RootEnv { claude_config_dir: Some("/cfg".into()), ..env() };
        assert_eq!(spec.resolve(log, &with_config).unwrap().root, PathBuf::from("/cfg/projects"));
        let codex = SourceSpec::parse("codex").unwrap();
        assert_eq!(codex.resolve(log, &env()).unwrap().root, PathBuf::from("/home/u/.codex/sessions"));
        let codex_home = RootEnv { codex_home: Some("/ch".into()), ..env() };
        assert_eq!(codex.resolve(log, &codex_home).unwrap().root, PathBuf::from("/ch/sessions"));
        let given = SourceSpec::parse("codex:~/x/y").unwrap();
        assert_eq!(given.resolve(log, &env()).unwrap().root, PathBuf::from("/home/u/x/y"));
        let ours = SourceSpec::parse("interlog").unwrap();
        assert_eq!(ours.resolve(log, &env()).unwrap(), Source { kind: SourceKind::Interlog, root: log.into() });
        assert!(matches!(SourceSpec::parse("cursor"), Err(SourceError::UnknownKind(k)) if k == "cursor"));
        assert!(matches!(SourceSpec::parse("codex:"), Err(SourceError::EmptyPath(_))));
        let none = RootEnv::default();
        assert!(matches!(spec.resolve(log, &none), Err(SourceError::NoHome("claude-code"))));
    }

    #[test]
    fn no_source_means_the_log_directory_and_repeats_collapse() {
        let log = Path::new("/logs");
        let sources = resolve_sources(&[], log, &env()).unwrap();
        assert_eq!(sources, vec![Source { kind: SourceKind::Interlog, root: log.into() }]);
        let specs = [SourceSpec::parse("codex").unwrap(), SourceSpec::parse("codex").unwrap()];
        assert_eq!(resolve_sources(&specs, log, &env()).unwrap().len(), 1);
    }

    #[test]
    fn first_lines_and_projects() {
        assert_eq!(first_line("\n  hello there \nsecond", 120), "hello there");
        assert_eq!(first_line("ééé", 3), "é");
        assert_eq!(project_of("/home/u/src/interlog"), "interlog");
        assert_eq!(project_of(""), "");
    }
}
