//! `[logging.interactions]` and the resolution of the log directory and config file.

use std::fs;
use std::path::{Path, PathBuf};

use interlog::capture::{InteractionsConfig, Settings, SettingsSources};

fn parse(text: &str) -> Result<InteractionsConfig, String> {
    InteractionsConfig::from_toml(text, Path::new("config.toml")).map_err(|e| e.to_string())
}

#[test]
fn a_missing_section_means_the_defaults() {
    let defaults = InteractionsConfig {
        enabled: true,
        path: None,
        retention_days: 90,
        include_messages: true,
        include_responses: true,
        truncate_tool_results: 2048,
        durable: false,
        redact: true,
        redact_prefixes: Vec::new(),
    };
    assert_eq!(InteractionsConfig::default(), defaults);
    assert_eq!(parse("").unwrap(), defaults);
    assert_eq!(parse("[other]\nkey = 1\n[logging.other]\nx = 2\n").unwrap(), defaults);
}

#[test]
fn every_key_is_read() {
    let text = r#"
[logging.interactions]
enabled = false
path = "~/logs/llm"
retention_days = 7
include_messages = false
include_responses = false
truncate_tool_results = 0
durable = true
redact = false
redact_prefixes = ["corp_", "tok-"]
"#;
    let config = parse(text).unwrap();
    assert_eq!(
        config,
        InteractionsConfig {
            enabled: false,
            path: Some(PathBuf::from("~/logs/llm")),
            retention_days: 7,
            include_messages: false,
            include_responses: false,
            truncate_tool_results: 0,
            durable: true,
            redact: false,
            redact_prefixes: vec!["corp_".into(), "tok-".into()],
        }
    );
}

#[test]
fn an_unknown_key_is_an_error_that_names_it_and_its_line() {
    let err = parse("[logging.interactions]\nenabled = true\nretention = 5\n").unwrap_err();
    assert!(err.contains("retention"), "{err}");
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("config.toml"), "{err}");
}

#[test]
fn a_wrong_type_is_an_error_that_names_the_key() {
    let err = parse("[logging.interactions]\nretention_days = \"ninety\"\n").unwrap_err();
    assert!(err.contains("retention_days"), "{err}");
    assert!(err.contains("line 2"), "{err}");
    let err = parse("[logging.interactions]\nenabled = \"yes\"\n").unwrap_err();
    assert!(err.contains("enabled"), "{err}");
}

struct Env {
    home: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        Env { home: tempfile::tempdir().unwrap() }
    }

    fn home(&self) -> &Path {
        self.home.path()
    }

    fn sources(&self) -> SettingsSources {
        SettingsSources { home: Some(self.home().to_owned()), ..Default::default() }
    }

    fn write_default_config(&self, text: &str) -> PathBuf {
        let path = self.home().join(".config/interlog/config.toml");
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        path
    }
}

#[test]
fn the_directory_defaults_under_the_config_home() {
    let env = Env::new();
    let settings = Settings::resolve(&env.sources()).unwrap();
    assert_eq!(settings.dir, env.home().join(".config/interlog/interactions"));
    assert_eq!(settings.config_file, None);

    let xdg = SettingsSources { xdg_config_home: Some(env.home().join("xdg")), ..env.sources() };
    assert_eq!(Settings::resolve(&xdg).unwrap().dir, env.home().join("xdg/interlog/interactions"));
}

#[test]
fn flag_beats_environment_beats_config_path_beats_default() {
    let env = Env::new();
    let config_file =
        env.write_default_config("[logging.interactions]\npath = \"~/from-config\"\nretention_days = 3\n");
    let mut sources = env.sources();

    let settings = Settings::resolve(&sources).unwrap();
    assert_eq!(settings.dir, env.home().join("from-config"), "~ is expanded");
    assert_eq!(settings.config.retention_days, 3);
    assert_eq!(settings.config_file, Some(config_file));

    sources.env_dir = Some(PathBuf::from("/from/env"));
    assert_eq!(Settings::resolve(&sources).unwrap().dir, PathBuf::from("/from/env"));

    sources.dir_flag = Some(PathBuf::from("/from/flag"));
    let settings = Settings::resolve(&sources).unwrap();
    assert_eq!(settings.dir, PathBuf::from("/from/flag"));
    assert_eq!(settings.config.retention_days, 3, "the config still applies to everything else");
}

#[test]
fn the_config_flag_beats_the_environment_beats_the_default_file() {
    let env = Env::new();
    env.write_default_config("[logging.interactions]\nretention_days = 1\n");
    let from_env = env.home().join("env.toml");
    fs::write(&from_env, "[logging.interactions]\nretention_days = 2\n").unwrap();
    let from_flag = env.home().join("flag.toml");
    fs::write(&from_flag, "[logging.interactions]\nretention_days = 3\n").unwrap();

    let mut sources = env.sources();
    assert_eq!(Settings::resolve(&sources).unwrap().config.retention_days, 1);
    sources.env_config = Some(from_env);
    assert_eq!(Settings::resolve(&sources).unwrap().config.retention_days, 2);
    sources.config_flag = Some(from_flag);
    assert_eq!(Settings::resolve(&sources).unwrap().config.retention_days, 3);
}

#[test]
fn a_config_file_named_explicitly_must_exist() {
    let env = Env::new();
    let sources = SettingsSources { config_flag: Some(env.home().join("typo.toml")), ..env.sources() };
    let err = Settings::resolve(&sources).unwrap_err().to_string();
    assert!(err.contains("typo.toml"), "{err}");
}

#[test]
fn a_broken_default_config_file_is_reported_not_ignored() {
    let env = Env::new();
    env.write_default_config("[logging.interactions]\nenabled = maybe\n");
    let err = Settings::resolve(&env.sources()).unwrap_err().to_string();
    assert!(err.contains("config.toml") && err.contains("line 2"), "{err}");
}

#[test]
fn near_miss_sections_bad_paths_and_rust_type_names_are_errors_a_user_can_act_on() {
    let typo = parse("[logging.interaction]\nretention_days = 1\n").unwrap_err();
    assert!(typo.contains("[logging.interaction]") && typo.contains("did you mean [logging.interactions]"), "{typo}");
    assert!(parse("[logging.Interactions]\n").is_err());
    for (path, expected) in
        [("", "empty"), ("~bob/logs", "`~user` is not expanded"), ("$HOME/logs", "environment variables")]
    {
        let err = parse(&format!("[logging.interactions]\npath = {path:?}\n")).unwrap_err();
        assert!(err.contains("line 2") && err.contains(expected), "{path:?}: {err}");
    }
    let wrong = parse("[logging]\ninteractions = 5\n").unwrap_err();
    assert!(!wrong.contains("struct") && wrong.contains("a table"), "{wrong}");
}

#[cfg(unix)]
#[test]
fn a_config_that_is_not_a_regular_file_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("config.toml");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    for path in [fifo.as_path(), Path::new("/dev/zero")] {
        let err = InteractionsConfig::load(path, true).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
    }
}
