//! `interlog proxy` and `interlog run -- CMD` (docs/proxy.md). The proxy itself is `crate::proxy`.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::process::ExitStatus;

use clap::Args;

use super::{CliResult, Failure, Settings};
use crate::proxy::{Proxy, ProxyConfig, ProxyError, DEFAULT_ANTHROPIC_UPSTREAM, DEFAULT_OPENAI_UPSTREAM};

/// `proxy` logs one line per forwarded request, like `serve`.
pub const PROXY_LOG_FILTER: &str = "warn,interlog::proxy=info";

/// `run` must not draw over the agent's terminal UI: only errors reach stderr unless `RUST_LOG` says otherwise.
pub const RUN_LOG_FILTER: &str = "error";

/// What `proxy` and `run` share.
#[derive(Debug, Args)]
pub struct RecordingArgs {
    /// Where Anthropic paths go (default https://api.anthropic.com; for `run`, $ANTHROPIC_BASE_URL when set)
    #[arg(long, value_name = "URL")]
    pub anthropic_upstream: Option<String>,
    /// Where OpenAI paths go, without /v1 (default https://api.openai.com; for `run`, $OPENAI_BASE_URL when set)
    #[arg(long, value_name = "URL")]
    pub openai_upstream: Option<String>,
    /// `project` of every record (default: the X-Interlog-Project header)
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,
    /// `client` of every record (default: the user agent's product name)
    #[arg(long, value_name = "NAME")]
    pub client: Option<String>,
    /// A header whose value is a secret, besides authorization, x-api-key and cookies (repeatable)
    #[arg(long = "redact-header", value_name = "NAME")]
    pub redact_headers: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ProxyArgs {
    /// Address to bind
    #[arg(long, value_name = "ADDR", default_value = crate::proxy::DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// A token every request must carry, in X-Interlog-Token or as a /t/TOKEN path prefix
    /// (required to bind a non-loopback address)
    #[arg(long, env = "INTERLOG_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    #[command(flatten)]
    pub recording: RecordingArgs,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub recording: RecordingArgs,
    /// The command to run, and its arguments
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

fn config(settings: &Settings, args: &RecordingArgs, inherit_env: bool) -> ProxyConfig {
    let env = |name: &str| inherit_env.then(|| std::env::var(name).ok()).flatten().filter(|v| !v.trim().is_empty());
    let mut config = ProxyConfig::new(&settings.dir, settings.config.clone());
    config.anthropic_upstream = args
        .anthropic_upstream
        .clone()
        .or_else(|| env("ANTHROPIC_BASE_URL"))
        .unwrap_or_else(|| DEFAULT_ANTHROPIC_UPSTREAM.to_owned());
    config.openai_upstream = args
        .openai_upstream
        .clone()
        .or_else(|| env("OPENAI_BASE_URL").map(|url| openai_root(&url)))
        .unwrap_or_else(|| DEFAULT_OPENAI_UPSTREAM.to_owned());
    config.project = args.project.clone();
    config.client = args.client.clone();
    config.redact_headers = args.redact_headers.clone();
    config
}

/// OpenAI's SDKs take a base URL that ends in `/v1`; the proxy forwards paths that start with it.
fn openai_root(url: &str) -> String {
    let trimmed = url.trim().trim_end_matches('/');
    trimmed.strip_suffix("/v1").unwrap_or(trimmed).to_owned()
}

fn proxy_failure(err: ProxyError) -> Failure {
    match err {
        ProxyError::Exposure(_) | ProxyError::BadUpstream { .. } => Failure::Usage(err.to_string()),
        other => Failure::Failed(anyhow::anyhow!(other.to_string())),
    }
}

pub fn run_proxy(settings: &Settings, args: ProxyArgs) -> CliResult {
    let mut config = config(settings, &args.recording, false);
    config.listen = args.listen;
    config.token = args.token;
    config.stop_on_signals = true;
    let proxy = Proxy::start(config).map_err(proxy_failure)?;
    let addr = proxy.local_addr();
    eprintln!("interlog: recording proxy on http://{addr}, writing to {}", settings.dir.display());
    eprintln!("interlog: point agents at it with ANTHROPIC_BASE_URL=http://{addr} OPENAI_BASE_URL=http://{addr}/v1");
    proxy.wait().map_err(proxy_failure)
}

/// Runs CMD behind a proxy on a free loopback port and leaves with CMD's exit status.
pub fn run_run(settings: &Settings, args: RunArgs) -> CliResult {
    let mut config = config(settings, &args.recording, true);
    config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    let proxy = Proxy::start(config).map_err(proxy_failure)?;
    let addr = proxy.local_addr();
    let (program, rest) = args.command.split_first().ok_or_else(|| Failure::Usage("run needs a command".into()))?;
    let mut command = std::process::Command::new(program);
    command
        .args(rest)
        .env("ANTHROPIC_BASE_URL", format!("http://{addr}"))
        .env("OPENAI_BASE_URL", format!("http://{addr}/v1"));
    let forwarding =
        signals::Forwarding::install().map_err(|err| anyhow::anyhow!("cannot set up signal forwarding: {err}"))?;
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => {
            let _ = proxy.shutdown();
            let code = if err.kind() == std::io::ErrorKind::NotFound { 127 } else { 126 };
            eprintln!("interlog: cannot run {}: {err}", crate::sanitize::sanitize_line(&program.to_string_lossy()));
            std::process::exit(code);
        }
    };
    forwarding.forward_to(child.id());
    let status = child.wait().map_err(|err| anyhow::anyhow!("cannot wait for the command: {err}"))?;
    forwarding.stop();
    // Every exchange CMD made is written before interlog leaves.
    if let Err(err) = proxy.shutdown() {
        eprintln!("interlog: {err}");
    }
    exit_like(status)
}

/// Leaves the way CMD did: its exit code, or the same signal.
fn exit_like(status: ExitStatus) -> ! {
    if let Some(code) = status.code() {
        std::process::exit(code);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            signals::die_of(signal);
            std::process::exit(128 + signal);
        }
    }
    std::process::exit(1)
}

#[cfg(unix)]
mod signals {
    use std::sync::{Arc, Mutex};

    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    use signal_hook::iterator::{Handle, Signals};

    /// Signals sent to interlog go on to CMD. Ctrl-C and Ctrl-\ typed at the terminal already
    /// reach CMD (they go to the whole foreground process group), so those two are passed on only
    /// when interlog is not in the terminal's foreground group: a second copy would read as a
    /// second Ctrl-C, which many agents take as "quit".
    pub(super) struct Forwarding {
        target: Arc<Mutex<Target>>,
        handle: Handle,
        thread: std::thread::JoinHandle<()>,
    }

    /// The child once spawned; signals that came before are held for it.
    #[derive(Default)]
    struct Target {
        pid: Option<libc::pid_t>,
        held: Vec<i32>,
    }

    impl Target {
        fn deliver(&mut self, signal: i32) {
            match self.pid {
                // SAFETY: kill(2) with a pid we spawned and a valid signal number.
                Some(pid) => unsafe {
                    libc::kill(pid, signal);
                },
                None => self.held.push(signal),
            }
        }
    }

    impl Forwarding {
        pub(super) fn install() -> std::io::Result<Forwarding> {
            let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT])?;
            let handle = signals.handle();
            let target = Arc::new(Mutex::new(Target::default()));
            let shared = Arc::clone(&target);
            let thread = std::thread::Builder::new().name("interlog-signals".into()).spawn(move || {
                for signal in signals.forever() {
                    let from_terminal = matches!(signal, SIGINT | SIGQUIT) && in_foreground();
                    if !from_terminal {
                        shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).deliver(signal);
                    }
                }
            })?;
            Ok(Forwarding { target, handle, thread })
        }

        pub(super) fn forward_to(&self, pid: u32) {
            let mut target = self.target.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            target.pid = libc::pid_t::try_from(pid).ok();
            for signal in std::mem::take(&mut target.held) {
                target.deliver(signal);
            }
        }

        pub(super) fn stop(self) {
            self.handle.close();
            let _ = self.thread.join();
        }
    }

    /// Whether the terminal on our stdio (any of the three) has our process group in front.
    fn in_foreground() -> bool {
        [libc::STDIN_FILENO, libc::STDOUT_FILENO, libc::STDERR_FILENO]
            .into_iter()
            // SAFETY: isatty, tcgetpgrp and getpgrp only read process and terminal state.
            .find(|&fd| unsafe { libc::isatty(fd) } == 1)
            .is_some_and(|fd| unsafe { libc::tcgetpgrp(fd) == libc::getpgrp() })
    }

    /// Dies of `signal`, as CMD did, so a shell sees the same status.
    pub(super) fn die_of(signal: i32) {
        let _ = signal_hook::low_level::emulate_default_handler(signal);
    }
}

#[cfg(not(unix))]
mod signals {
    pub(super) struct Forwarding;

    impl Forwarding {
        pub(super) fn install() -> std::io::Result<Forwarding> {
            Ok(Forwarding)
        }
        pub(super) fn forward_to(&self, _pid: u32) {}
        pub(super) fn stop(self) {}
    }

    pub(super) fn die_of(_signal: i32) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openai_base_urls_lose_their_v1() {
        assert_eq!(openai_root("https://api.openai.com/v1"), "https://api.openai.com");
        assert_eq!(openai_root("http://gw.local/openai/v1/"), "http://gw.local/openai");
        assert_eq!(openai_root("http://gw.local"), "http://gw.local");
    }
}
