#![cfg(feature = "tui")]
//! `interlog tui` and `demo` launch flags: parsed and checked before the terminal is needed.

use crate::cli_support::isolated_command;

use std::process::Stdio;

fn run(args: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    // `demo` makes its own directory and refuses `--dir`.
    let mut command = if args[0] == "demo" {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_interlog"));
        command.args(args).env("HOME", dir.path()).env_remove("INTERLOG_DIR").env_remove("INTERLOG_CONFIG");
        command
    } else {
        isolated_command(dir.path(), args)
    };
    let output = command.stdin(Stdio::null()).output().unwrap();
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn every_launch_flag_is_taken_and_then_a_terminal_is_asked_for() {
    for command in ["tui", "demo"] {
        let args = [
            command,
            "--session",
            "s-1",
            "--project",
            "web",
            "--client",
            "aider",
            "--model",
            "gpt-x",
            "--since",
            "2h",
            "--until",
            "2026-12-01",
            "--tag",
            "a",
            "--tag",
            "b",
            "--errors",
            "--stop-reason",
            "max_tokens",
            "--search",
            "deadlock postgres",
        ];
        let (code, stderr) = run(&args);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("needs a terminal"), "{command}: the flags parsed, then: {stderr}");
    }
}

#[test]
fn a_time_that_does_not_parse_names_its_flag() {
    for (flag, command) in [("--since", "tui"), ("--until", "tui"), ("--since", "demo")] {
        let (code, stderr) = run(&[command, flag, "whenever"]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains(&format!("{flag}: ")) && stderr.contains("\"whenever\""), "{stderr}");
    }
}

#[test]
fn an_unknown_flag_is_a_usage_error() {
    let (code, stderr) = run(&["tui", "--sesion", "x"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--sesion"), "{stderr}");
}
