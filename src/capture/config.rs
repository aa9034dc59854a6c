//! `[logging.interactions]` (docs/format.md §1) and where the log directory and config file are.
//!
//! Precedence: defaults, then the config file, then the environment, then flags.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The writer's settings. A missing file or section means these defaults.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InteractionsConfig {
    /// `false`: the writer accepts records and writes nothing.
    pub enabled: bool,
    /// The log directory; `~` is expanded. Flags and `$INTERLOG_DIR` win over it.
    pub path: Option<PathBuf>,
    /// Daily files older than this many days are deleted when a writer opens the directory;
    /// 0 keeps every file.
    pub retention_days: u32,
    /// `false`: `messages` and `system_prompt` are dropped before writing.
    pub include_messages: bool,
    /// `false`: `response` is dropped before writing (`response_summary` is kept).
    pub include_responses: bool,
    /// Max bytes kept of each tool call's `result`; 0 keeps all.
    pub truncate_tool_results: usize,
    /// `true`: fsync after every record, so it survives a power cut, not just a crash.
    pub durable: bool,
    /// `true`: secrets inside recorded text (provider API keys, AWS access keys, bearer tokens,
    /// private key blocks) are replaced by `[REDACTED]` before writing.
    pub redact: bool,
    /// Extra literal prefixes to redact, with the token characters that follow each one.
    pub redact_prefixes: Vec<String>,
}

impl Default for InteractionsConfig {
    fn default() -> Self {
        InteractionsConfig {
            enabled: true,
            path: None,
            retention_days: 90,
            include_messages: true,
            include_responses: true,
            truncate_tool_results: 2048,
            durable: false,
            redact: true,
            redact_prefixes: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config file {path}, line {line}: {message}")]
    Invalid { path: PathBuf, line: usize, message: String },
    #[error("no log directory: set --dir, $INTERLOG_DIR, or HOME")]
    NoHome,
}

/// Only `[logging.interactions]` is interlog's; other sections may belong to other tools
/// sharing the file, so they are not refused. Inside the section every key is checked.
#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    logging: LoggingSection,
}

#[derive(Debug, Default, Deserialize)]
struct LoggingSection {
    #[serde(default)]
    interactions: InteractionsConfig,
    /// Other tools' sections, checked only for near misses of ours.
    #[serde(flatten)]
    others: std::collections::BTreeMap<String, toml::Value>,
}

/// Longest config file read: a config is a few lines, and `/dev/zero` never ends.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

impl InteractionsConfig {
    /// Parses a whole config file's text; `origin` names the file in errors.
    pub fn from_toml(text: &str, origin: &Path) -> Result<Self, ConfigError> {
        let file = toml::from_str::<ConfigFile>(text).map_err(|err| describe_toml_error(&err, text, origin))?;
        let invalid = |message: String, key: &str| {
            let line = text.lines().position(|l| l.contains(key)).map_or(1, |at| at + 1);
            ConfigError::Invalid { path: origin.to_owned(), line, message }
        };
        if let Some(typo) = file.logging.others.keys().find(|key| is_near_miss(key, "interactions")) {
            return Err(invalid(
                format!("unknown section [logging.{typo}]; did you mean [logging.interactions]?"),
                typo,
            ));
        }
        let config = file.logging.interactions;
        if let Some(path) = &config.path {
            if let Some(problem) = unusable_path(path) {
                return Err(invalid(format!("`path`: {problem}"), "path"));
            }
        }
        Ok(config)
    }

    /// Reads a config file; a missing file means the defaults only when `required` is false.
    /// Anything but a regular file (a FIFO, a device) is refused rather than read.
    pub fn load(path: &Path, required: bool) -> Result<Self, ConfigError> {
        match read_config_text(path) {
            Ok(text) => Self::from_toml(&text, path),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound && !required => Ok(Self::default()),
            Err(source) => Err(ConfigError::Read { path: path.to_owned(), source }),
        }
    }
}

fn read_config_text(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"));
    }
    let mut text = String::new();
    std::fs::File::open(path)?.take(MAX_CONFIG_BYTES + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_CONFIG_BYTES {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "larger than 1 MiB"));
    }
    Ok(text)
}

/// Why a configured log directory cannot be what the user meant: empty (the current
/// directory), or a shell form that is not expanded here.
fn unusable_path(path: &Path) -> Option<String> {
    let text = path.to_string_lossy();
    if text.trim().is_empty() {
        return Some("empty; leave it out for the default directory".into());
    }
    if text.starts_with('~') && !(text == "~" || text.starts_with("~/")) {
        return Some(format!("{text:?}: `~user` is not expanded; write the full path"));
    }
    if text.contains('$') {
        return Some(format!("{text:?}: environment variables are not expanded; write the full path (`~/` is)"));
    }
    None
}

/// Whether `key` is probably a typo of `wanted`: one edit away (a letter missing, extra, or
/// changed), or the same letters but for case.
fn is_near_miss(key: &str, wanted: &str) -> bool {
    if key == wanted {
        return false;
    }
    let (a, b): (Vec<char>, Vec<char>) = (key.to_lowercase().chars().collect(), wanted.chars().collect());
    if a == b {
        return true;
    }
    let (short, long) = if a.len() <= b.len() { (&a, &b) } else { (&b, &a) };
    match long.len() - short.len() {
        0 => a.iter().zip(&b).filter(|(x, y)| x != y).count() == 1,
        1 => (0..long.len())
            .any(|skip| long.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, c)| c).eq(short.iter())),
        _ => false,
    }
}

fn describe_toml_error(err: &toml::de::Error, text: &str, origin: &Path) -> ConfigError {
    let start = err.span().map(|span| span.start).unwrap_or(0).min(text.len());
    let line = text[..start].matches('\n').count() + 1;
    // serde names the Rust type it wanted ("expected struct InteractionsConfig"): say "a table".
    let mut message = err
        .message()
        .trim()
        .replace("struct InteractionsConfig", "a table")
        .replace("struct LoggingSection", "a table");
    let line_text = text.lines().nth(line - 1).unwrap_or("");
    // toml names unknown keys itself but not the key of a value with the wrong type.
    if let Some((key, _)) = line_text.split_once('=') {
        let key = key.trim();
        if !key.is_empty() && !message.contains(&format!("`{key}`")) {
            message = format!("`{key}`: {message}");
        }
    }
    ConfigError::Invalid { path: origin.to_owned(), line, message }
}

/// Expands a leading `~` or `~/` to the home directory.
pub fn expand_tilde(path: &Path, home: Option<&Path>) -> PathBuf {
    let Some(home) = home else { return path.to_owned() };
    match path.to_str() {
        Some("~") => home.to_owned(),
        Some(text) if text.starts_with("~/") => home.join(&text[2..]),
        _ => path.to_owned(),
    }
}

/// Everything resolution looks at, gathered in one place so tests need not touch the process
/// environment.
#[derive(Clone, Debug, Default)]
pub struct SettingsSources {
    pub dir_flag: Option<PathBuf>,
    pub config_flag: Option<PathBuf>,
    pub env_dir: Option<PathBuf>,
    pub env_config: Option<PathBuf>,
    pub home: Option<PathBuf>,
    pub xdg_config_home: Option<PathBuf>,
}

impl SettingsSources {
    /// The flags given, plus `$INTERLOG_DIR`, `$INTERLOG_CONFIG`, `$HOME` and `$XDG_CONFIG_HOME`.
    pub fn from_env(dir_flag: Option<PathBuf>, config_flag: Option<PathBuf>) -> Self {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        SettingsSources {
            dir_flag,
            config_flag,
            env_dir: var("INTERLOG_DIR"),
            env_config: var("INTERLOG_CONFIG"),
            home: var("HOME"),
            xdg_config_home: var("XDG_CONFIG_HOME"),
        }
    }

    fn config_home(&self) -> Option<PathBuf> {
        self.xdg_config_home.clone().or_else(|| self.home.as_ref().map(|home| home.join(".config")))
    }
}

/// The resolved log directory and writer settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub dir: PathBuf,
    pub config: InteractionsConfig,
    /// The config file that was read, if any.
    pub config_file: Option<PathBuf>,
}

impl Settings {
    pub fn resolve(sources: &SettingsSources) -> Result<Settings, ConfigError> {
        let home = sources.home.as_deref();
        let explicit = sources.config_flag.clone().or_else(|| sources.env_config.clone());
        let (config_path, required) = match explicit {
            Some(path) => (Some(expand_tilde(&path, home)), true),
            None => (sources.config_home().map(|base| base.join("interlog").join("config.toml")), false),
        };
        let config = match &config_path {
            Some(path) => InteractionsConfig::load(path, required)?,
            None => InteractionsConfig::default(),
        };
        let config_file = config_path.filter(|path| path.is_file());
        let dir = sources
            .dir_flag
            .clone()
            .or_else(|| sources.env_dir.clone())
            .or_else(|| config.path.clone())
            .map(|dir| expand_tilde(&dir, home))
            .or_else(|| sources.config_home().map(|base| base.join("interlog").join("interactions")))
            .ok_or(ConfigError::NoHome)?;
        Ok(Settings { dir, config, config_file })
    }
}
