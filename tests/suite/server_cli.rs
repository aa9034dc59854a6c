//! `interlog serve` as a process: refusing an exposed bind without a token, serving, logging one
//! line per request, and stopping on SIGTERM.
#![cfg(feature = "server")]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn interlog() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_interlog"));
    command
        .env_remove("INTERLOG_TOKEN")
        .env_remove("INTERLOG_DIR")
        .env_remove("INTERLOG_CONFIG")
        .env_remove("RUST_LOG");
    command
}

#[test]
fn a_non_loopback_bind_without_a_token_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let output = interlog()
        .arg("--dir")
        .arg(dir.path())
        .args(["serve", "--listen", "0.0.0.0:0"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("0.0.0.0:0") && stderr.contains("--token"), "{stderr}");
}

#[test]
fn an_empty_token_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = interlog()
        .arg("--dir")
        .arg(dir.path())
        .args(["serve", "--listen", "0.0.0.0:0", "--token", ""])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8(output.stderr).unwrap().contains("token"));
}

#[test]
fn a_busy_address_is_one_clear_line_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = interlog()
        .arg("--dir")
        .arg(dir.path())
        .args(["serve", "--listen", &addr])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&addr) && stderr.matches("in use").count() == 1, "{stderr}");
}

#[cfg(unix)]
#[test]
fn serve_prints_its_address_logs_requests_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = interlog()
        .arg("--dir")
        .arg(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let pid = child.id();
    let child = KillOnDrop(Some(child));
    let (lines_tx, lines) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let next_line = |what: &str| {
        lines
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("no stderr line while waiting for {what}"))
    };

    let banner = next_line("the address");
    let address = banner.rsplit("http://").next().unwrap().trim().to_owned();
    assert!(banner.contains("http://127.0.0.1:"), "{banner}");

    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let response = agent.get(format!("http://{address}/healthz")).call().unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let access = loop {
        let line = next_line("the access-log line");
        if line.contains("/healthz") {
            break line;
        }
    };
    assert!(access.contains("GET") && access.contains("200") && access.contains("latency"), "{access}");

    let status = Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
    assert!(status.success());
    let (exit_tx, exit_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut child = child;
        let exit = child.0.as_mut().unwrap().wait().unwrap();
        child.0 = None;
        let _ = exit_tx.send(exit);
    });
    let Ok(exit) = exit_rx.recv_timeout(Duration::from_secs(30)) else {
        let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
        panic!("serve did not stop on SIGTERM");
    };
    assert!(exit.success(), "{exit:?}");
}

/// A failing assertion must not leave a server running.
struct KillOnDrop(Option<std::process::Child>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
