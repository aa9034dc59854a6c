//! The real binary on a test directory, isolated from the user's environment and config.

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

pub const BIN: &str = env!("CARGO_BIN_EXE_interlog");

/// `interlog --dir DIR ARGS…` with no `$INTERLOG_*`, no XDG config home, and `$HOME` = `dir`, so
/// no config of the user's can leak in.
pub fn isolated_command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .arg("--dir")
        .arg(dir)
        .args(args)
        .env_remove("INTERLOG_DIR")
        .env_remove("INTERLOG_CONFIG")
        .env_remove("XDG_CONFIG_HOME")
        .env("HOME", dir);
    command
}
