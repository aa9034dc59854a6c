//! Corpus generator for benchmarks: writes daily `interactions-YYYY-MM-DD.jsonl` files of
//! synthetic records (docs/format.md §2) into a directory.
//!
//! ```text
//! cargo run --release --example gen -- --mb 1000 --out DIR        # ≈ 1 GB of realistic records (≈ 8 KB mean)
//! cargo run --release --example gen -- --small 1000000 --out DIR  # 1 M small records (≈ 700 B each)
//! cargo run --release --example gen -- --agent 1000 --out DIR      # ≈ 1 GB of agent tool loops
//! ```
//!
//! `--agent N` writes about N MB of agent-shaped sessions: tool loops whose every request re-sends
//! the whole conversation so far (the prompt, each reply with its tool calls, each tool result),
//! as Claude Code and SDK agents do; a new prompt every few turns, 10 to 60 turns a session, eight
//! sessions interleaved.
//!
//! Options: `--seed S` (default 20261121) makes the content reproducible; `--days D` (default 30)
//! is the span the timestamps cover, ending now (so only the timestamps differ between two runs
//! with the same seed). `--mb` counts decimal megabytes (1 MB = 1 000 000 bytes). Files of the same
//! name already in DIR are overwritten.
//!
//! Records are written by hand into a byte buffer (one `write_all` per record through a large
//! `BufWriter`), which keeps the generator far faster than the code it benchmarks.

use std::fmt;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

const USAGE: &str = "usage: gen (--mb N | --small N | --agent N) --out DIR [--seed S] [--days D]";
const DEFAULT_SEED: u64 = 20_261_121;
const DAY_MS: i64 = 86_400_000;
/// What the writer keeps of a tool result by default (`truncate_tool_results`).
const TOOL_RESULT_LIMIT: usize = 2048;

/// An error for `main`: its `Debug` is the plain message, so `Error: …` reads well.
struct GenError(String);

impl fmt::Debug for GenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn usage_error(msg: impl fmt::Display) -> GenError {
    GenError(format!("{msg}\n{USAGE}"))
}

fn io_error(what: &str, path: &Path, err: std::io::Error) -> GenError {
    GenError(format!("cannot {what} {}: {err}", path.display()))
}

#[derive(Clone, Copy)]
enum Mode {
    /// Realistic records until this many bytes are written.
    Bytes(u64),
    /// This many small records.
    Small(u64),
    /// Agent tool loops until this many bytes are written.
    Agent(u64),
}

struct Args {
    mode: Mode,
    out: PathBuf,
    seed: u64,
    days: u64,
}

fn parse_number(flag: &str, value: Option<String>) -> Result<u64, GenError> {
    let value = value.ok_or_else(|| usage_error(format!("{flag} needs a value")))?;
    value
        .replace('_', "")
        .parse::<u64>()
        .map_err(|_| usage_error(format!("{flag}: `{value}` is not a non-negative integer")))
}

fn parse_args() -> Result<Option<Args>, GenError> {
    let mut mode = None;
    let mut out = None;
    let mut seed = DEFAULT_SEED;
    let mut days = 30;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--mb" => mode = Some(Mode::Bytes(parse_number("--mb", args.next())? * 1_000_000)),
            "--small" => mode = Some(Mode::Small(parse_number("--small", args.next())?)),
            "--agent" => mode = Some(Mode::Agent(parse_number("--agent", args.next())? * 1_000_000)),
            "--seed" => seed = parse_number("--seed", args.next())?,
            "--days" => days = parse_number("--days", args.next())?,
            "--out" => {
                let dir = args.next().ok_or_else(|| usage_error("--out needs a directory"))?;
                out = Some(PathBuf::from(dir));
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(None);
            }
            other => return Err(usage_error(format!("unknown argument `{other}`"))),
        }
    }
    let mode = mode.ok_or_else(|| usage_error("one of --mb N, --small N or --agent N is required"))?;
    let out = out.ok_or_else(|| usage_error("--out DIR is required"))?;
    if days == 0 || days > 3650 {
        return Err(usage_error("--days must be between 1 and 3650"));
    }
    Ok(Some(Args { mode, out, seed, days }))
}

fn main() -> Result<(), GenError> {
    let Some(args) = parse_args()? else {
        return Ok(());
    };
    fs::create_dir_all(&args.out).map_err(|e| io_error("create directory", &args.out, e))?;
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| GenError("the system clock is before 1970".into()))?
        .as_millis() as i64;
    let span_ms = args.days as i64 * DAY_MS;
    let start_ms = now_ms - span_ms;

    let started = Instant::now();
    let mut files = DailyFiles::new(args.out.clone());
    let mut gen = Gen::new(args.seed);
    let mut buf = Vec::with_capacity(256 * 1024);
    let mut written: u64 = 0;
    let mut records: u64 = 0;
    match args.mode {
        Mode::Bytes(target) => {
            while written < target {
                let ts = start_ms + (span_ms as f64 * (written as f64 / target as f64)) as i64;
                buf.clear();
                gen.full_record(&mut buf, ts);
                files.write(ts.div_euclid(DAY_MS), &buf)?;
                written += buf.len() as u64;
                records += 1;
            }
        }
        Mode::Agent(target) => {
            let mut agents = Agents::default();
            while written < target {
                let ts = start_ms + (span_ms as f64 * (written as f64 / target as f64)) as i64;
                buf.clear();
                agents.record(&mut gen, &mut buf, ts);
                files.write(ts.div_euclid(DAY_MS), &buf)?;
                written += buf.len() as u64;
                records += 1;
            }
        }
        Mode::Small(count) => {
            for i in 0..count {
                let ts = start_ms + (span_ms as f64 * (i as f64 / count as f64)) as i64;
                buf.clear();
                gen.small_record(&mut buf, ts);
                files.write(ts.div_euclid(DAY_MS), &buf)?;
                written += buf.len() as u64;
                records += 1;
            }
        }
    }
    files.finish()?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "records: {records}, bytes: {written} ({:.1} MB, mean {} B/record), files: {}, seconds: {secs:.2} ({:.0} MB/s), dir: {}",
        written as f64 / 1e6,
        written.checked_div(records).unwrap_or(0),
        files.count,
        written as f64 / 1e6 / secs.max(1e-9),
        args.out.display()
    );
    Ok(())
}

/// The daily files, opened one after the other as the (ascending) timestamps cross midnight UTC.
struct DailyFiles {
    dir: PathBuf,
    day: i64,
    path: PathBuf,
    file: Option<BufWriter<File>>,
    count: usize,
}

impl DailyFiles {
    fn new(dir: PathBuf) -> Self {
        DailyFiles { dir, day: i64::MIN, path: PathBuf::new(), file: None, count: 0 }
    }

    fn write(&mut self, day: i64, data: &[u8]) -> Result<(), GenError> {
        if day != self.day || self.file.is_none() {
            self.finish()?;
            let mut name = Vec::with_capacity(32);
            name.extend_from_slice(b"interactions-");
            push_date(&mut name, day);
            name.extend_from_slice(b".jsonl");
            self.path = self.dir.join(String::from_utf8_lossy(&name).as_ref());
            let file = File::create(&self.path).map_err(|e| io_error("create", &self.path, e))?;
            self.file = Some(BufWriter::with_capacity(1 << 20, file));
            self.day = day;
            self.count += 1;
        }
        if let Some(file) = self.file.as_mut() {
            file.write_all(data).map_err(|e| io_error("write", &self.path, e))?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<(), GenError> {
        if let Some(mut file) = self.file.take() {
            file.flush().map_err(|e| io_error("write", &self.path, e))?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

const WORDS_TEXT: &str =
    "the a of to and in is it that for on with as this be are not we can when should from but if then so \
    which there after before every only still now again because instead test tests failing passes error \
    function value file line return call request response user data cache index query search session \
    model prompt token tokens context memory config directory record writer reader buffer parse format \
    string number field object array message tool result output input timeout retry latency throughput \
    benchmark performance allocation thread async await future channel lock mutex deadlock race \
    condition panic unwrap option struct enum impl trait generic lifetime borrow clone iterator closure \
    vector hash map set key sort filter merge branch commit rebase deploy terraform module variable \
    provider bucket policy role subnet cluster container image docker kubernetes pod service ingress \
    database migration schema table column transaction rollback postgres sqlite redis checkout cart \
    price discount invoice customer order payment refund shipping tax rounding currency paper abstract \
    method results evaluation dataset baseline ablation accuracy recall precision retrieval embedding \
    transformer attention summary notes review draft please fix add remove refactor rename explain why \
    how what where check run build compile warning clippy cargo crate dependency version release update \
    upgrade patch issue bug regression flaky assert expected actual left right mismatch null undefined \
    exception stack trace log debug info metrics dashboard alert incident outage rollout feature flag \
    experiment backend frontend api endpoint handler router middleware auth header status json yaml \
    toml markdown latest first last next previous small large fast slow new old empty missing broken \
    wrong correct simple better worse same different instead also maybe probably looks seems works \
    fails happens changed added removed moved read write open close start stop wait send receive load \
    save scroll render terminal screen window keyboard mouse width height offset limit page chunk batch \
    stream pipe socket port address loopback listen bind path name id timestamp duration usage routing \
    profile reason confidence features tags project client agent assistant system I you it's don't \
    can't doesn't let's we'll here done ok yes no thanks great hmm though anyway roughly exactly about \
    fn let mut pub use mod match -> => :: &self Vec<u8> Result<()> Option<T> { } () [] ; \"id\" \
    \"timestamp\": src/lib.rs src/main.rs Cargo.toml main.tf variables.tf README.md tests/cart.test.ts 0 \
    1 2 3 10 42 100 200 404 500 8080 3.14 0.5 true false // # TODO FIXME `x` `self.index` C:\\Users\\dev \
    <div> </div> = == != += && || x i n len() iter() collect() await? Ok(()) Err(e) println! assert_eq! \
    #[test] SELECT FROM WHERE JOIN resource aws_s3_bucket count for_each locals output const import \
    export def class self async yield lambda npm pytest";

const NON_ASCII_TEXT: &str = "café|naïve|résumé|Straße|Zürich|São Paulo|niño|façade|déjà vu|coöperate|Ångström|crème brûlée|\
    Müller|Łódź|Ærø|日本語|中文|東京|検索|設定|ログ|데이터|한국어|Ελληνικά|Москва|данные|مرحبا|البيانات|שלום|🚀|✅|🔥|🐛|❌|👍|🤔|\
    —|…|«bonjour»|½|€42|µs|≈|→|°C|naïveté|Ω";

const PROJECTS: &[&str] = &[
    "webshop",
    "infra-terraform",
    "interlog",
    "research-notes",
    "billing-service",
    "mobile-app",
    "data-pipeline",
    "auth-gateway",
    "docs-site",
    "ml-experiments",
    "search-indexer",
    "payments-api",
    "customer-portal",
    "analytics-dashboard",
    "k8s-platform",
    "chat-widget",
    "inventory",
    "email-worker",
    "design-system",
    "cli-tools",
];
const CLIENTS: &[&str] = &["claude-code", "openclaw", "manual", "router", "aider"];
const MODELS: &[&str] =
    &["claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5", "gpt-5", "gpt-5-mini", "llama-3.3-70b"];
const TOOLS: &[&str] = &["read_file", "grep", "bash", "edit_file", "write_file", "list_dir", "web_fetch", "glob"];
const PATHS: &[&str] = &[
    "src/lib.rs",
    "src/main.rs",
    "src/store/index.rs",
    "src/store/query.rs",
    "src/writer.rs",
    "src/tui/app.rs",
    "src/server/routes.rs",
    "Cargo.toml",
    "README.md",
    "tests/cli.rs",
    "modules/vpc/main.tf",
    "modules/vpc/variables.tf",
    "envs/prod/main.tf",
    "src/cart/total.ts",
    "src/cart/total.test.ts",
    "src/api/orders.ts",
    "package.json",
    "notes/2026-11-rag-eval.md",
    "pipeline/ingest.py",
    "pipeline/tests/test_ingest.py",
];
const DIRS: &[&str] = &["src", "src/store", "tests", "modules", "src/cart", "pipeline", "notes", "."];
const COMMANDS: &[&str] = &[
    "cargo test",
    "cargo test --release -- store::",
    "cargo clippy --all-targets -- -D warnings",
    "npm test -- cart",
    "pytest -x pipeline/tests",
    "terraform plan -out plan.bin",
    "terraform validate",
    "git diff --stat",
    "git log --oneline -20",
    "ls -la",
    "cargo build",
];
const TAGS: &[&str] = &[
    "bugfix",
    "refactor",
    "feature",
    "docs",
    "tests",
    "perf",
    "infra",
    "research",
    "review",
    "urgent",
    "wip",
    "experiment",
    "security",
    "ci",
];
const ERRORS: &[&str] = &[
    "HTTP 529 overloaded_error: Overloaded",
    "HTTP 429 rate_limit_error: This request would exceed the rate limit for your organization",
    "request timed out after 600000 ms",
    "HTTP 500 api_error: Internal server error",
    "connection reset by peer (os error 104)",
    "HTTP 400 invalid_request_error: prompt is too long: 212345 tokens > 200000 maximum",
];
const PROFILES: &[&str] = &["cheap-fast", "balanced", "deep-reasoning", "code", "local"];
const REASONS: &[&str] = &[
    "short prompt without code, routed to the cheap model",
    "code in prompt and long history: code profile",
    "multi-step reasoning requested",
    "privacy tag set: local model only",
    "default profile",
];
const LANGUAGES: &[&str] = &["en", "de", "fr", "ja", "es", "ar"];

// ---------------------------------------------------------------------------------------------
// Agent tool loops (`--agent`)

/// One agent session: the messages sent so far, as JSON, and the tool calls awaiting results.
struct AgentSession {
    id: String,
    project: usize,
    model: usize,
    messages: Vec<u8>,
    turn: u32,
    turns: u32,
    /// (call id, tool) of the last reply's tool calls.
    calls: Vec<(String, usize)>,
}

#[derive(Default)]
struct Agents {
    running: Vec<AgentSession>,
    text: String,
    response: String,
}

const AGENTS_RUNNING: usize = 8;
const AGENT_TOOLS: [&str; 5] = ["Bash", "Read", "Edit", "Grep", "Write"];

impl Agents {
    fn record(&mut self, gen: &mut Gen, buf: &mut Vec<u8>, ts: i64) {
        while self.running.len() < AGENTS_RUNNING {
            let mut raw = Vec::with_capacity(36);
            push_uuid(&mut raw, &mut gen.rng);
            self.running.push(AgentSession {
                id: String::from_utf8(raw).unwrap_or_default(),
                project: gen.rng.usize(..PROJECTS.len()),
                model: gen.rng.usize(..3),
                messages: Vec::new(),
                turn: 0,
                turns: gen.rng.u32(10..61),
                calls: Vec::new(),
            });
        }
        let at = gen.rng.usize(..self.running.len());
        let mut session = self.running.swap_remove(at);
        let prompt_turn = session.calls.is_empty();
        // What this turn adds: a prompt, or the results of the last reply's tool calls.
        if !session.messages.is_empty() {
            session.messages.push(b',');
        }
        self.text.clear();
        if prompt_turn {
            let len = gen.skewed(40, 2_000, 3.0);
            gen.text(&mut self.text, len);
            session.messages.extend_from_slice(b"{\"role\":\"user\",\"content\":");
            push_str(&mut session.messages, &self.text);
            session.messages.push(b'}');
        } else {
            session.messages.extend_from_slice(b"{\"role\":\"user\",\"content\":[");
            for (n, (call, _)) in session.calls.iter().enumerate() {
                if n > 0 {
                    session.messages.push(b',');
                }
                self.text.clear();
                let len = gen.skewed(80, TOOL_RESULT_LIMIT, 2.0);
                gen.text(&mut self.text, len);
                session.messages.extend_from_slice(b"{\"type\":\"tool_result\",\"tool_use_id\":");
                push_str(&mut session.messages, call);
                push_key_str(&mut session.messages, "content", &self.text);
                let failed = gen.rng.u8(..100) < 12;
                session.messages.extend_from_slice(if failed {
                    b",\"is_error\":true}"
                } else {
                    b",\"is_error\":false}"
                });
            }
            session.messages.push(b']');
            session.messages.push(b'}');
        }
        session.turn += 1;
        let last = session.turn >= session.turns;
        // The reply: text, and (but at a session's end or now and then) tool calls.
        self.response.clear();
        let len = gen.skewed(60, 3_000, 3.0);
        gen.text(&mut self.response, len);
        let calls: Vec<(String, usize)> = if last || gen.rng.u8(..100) < 15 {
            Vec::new()
        } else {
            (0..gen.rng.usize(1..3))
                .map(|_| {
                    let mut raw = Vec::with_capacity(36);
                    push_uuid(&mut raw, &mut gen.rng);
                    (
                        format!("toolu_{}", String::from_utf8(raw).unwrap_or_default()),
                        gen.rng.usize(..AGENT_TOOLS.len()),
                    )
                })
                .collect()
        };

        let context = session.messages.len() as u64 / 4;
        let output = self.response.len() as u64 / 4 + 20 * calls.len() as u64;
        buf.extend_from_slice(b"{\"id\":");
        push_quoted_uuid(buf, &mut gen.rng);
        buf.extend_from_slice(b",\"timestamp\":\"");
        push_timestamp(buf, ts);
        buf.push(b'"');
        buf.extend_from_slice(b",\"duration_ms\":");
        push_u64(buf, 400 + output * gen.rng.u64(8..25));
        push_key_str(buf, "session_id", &session.id);
        push_key_str(buf, "project", PROJECTS[session.project]);
        push_key_str(buf, "client", "claude-code");
        push_key_str(buf, "model", MODELS[session.model]);
        if prompt_turn {
            push_key_str(buf, "prompt", &self.text);
        }
        buf.extend_from_slice(b",\"messages\":[");
        buf.extend_from_slice(&session.messages);
        buf.push(b']');
        push_key_str(buf, "response", &self.response);
        buf.extend_from_slice(b",\"usage\":{\"input_tokens\":");
        let fresh = context / 10 + 1;
        push_u64(buf, fresh);
        buf.extend_from_slice(b",\"output_tokens\":");
        push_u64(buf, output);
        buf.extend_from_slice(b",\"cache_read_tokens\":");
        push_u64(buf, context - fresh.min(context));
        buf.extend_from_slice(b",\"cache_creation_tokens\":");
        push_u64(buf, fresh);
        buf.push(b'}');
        push_key_str(buf, "stop_reason", if calls.is_empty() { "end_turn" } else { "tool_use" });
        if !calls.is_empty() {
            buf.extend_from_slice(b",\"tool_calls\":[");
            for (n, (call, tool)) in calls.iter().enumerate() {
                if n > 0 {
                    buf.push(b',');
                }
                buf.extend_from_slice(b"{\"name\":");
                push_str(buf, AGENT_TOOLS[*tool]);
                push_key_str(buf, "call_id", call);
                buf.push(b'}');
            }
            buf.push(b']');
        }
        buf.extend_from_slice(b"}\n");

        // The next request re-sends this reply as an assistant message.
        session.messages.extend_from_slice(b",{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":");
        push_str(&mut session.messages, &self.response);
        session.messages.push(b'}');
        for (call, tool) in &calls {
            session.messages.extend_from_slice(b",{\"type\":\"tool_use\",\"id\":");
            push_str(&mut session.messages, call);
            push_key_str(&mut session.messages, "name", AGENT_TOOLS[*tool]);
            session.messages.extend_from_slice(b",\"input\":{\"path\":");
            push_str(&mut session.messages, PATHS[*tool * 7 % PATHS.len()]);
            session.messages.extend_from_slice(b"}}");
        }
        session.messages.extend_from_slice(b"]}");
        session.calls = calls;
        if !last {
            self.running.push(session);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Generator

/// One earlier turn of a session, kept short: the `messages` of later turns repeat it.
struct PastTurn {
    prompt: String,
    response: String,
    tool: Option<(usize, String, String)>,
}

struct Session {
    id: String,
    project: usize,
    client: usize,
    model: usize,
    turns_left: u32,
    with_messages: bool,
    system_prompt: Option<usize>,
    history: Vec<PastTurn>,
}

const SESSION_POOL: usize = 6;
const HISTORY_TURNS: usize = 4;
const SNIPPET: usize = 240;

struct Gen {
    rng: fastrand::Rng,
    words: Vec<&'static str>,
    non_ascii: Vec<&'static str>,
    sessions: Vec<Session>,
    system_prompts: Vec<String>,
    prompt: String,
    response: String,
    scratch: String,
}

impl Gen {
    fn new(seed: u64) -> Self {
        let mut gen = Gen {
            rng: fastrand::Rng::with_seed(seed),
            words: WORDS_TEXT.split(' ').collect(),
            non_ascii: NON_ASCII_TEXT.split('|').collect(),
            sessions: Vec::new(),
            system_prompts: Vec::new(),
            prompt: String::new(),
            response: String::new(),
            scratch: String::new(),
        };
        for _ in 0..6 {
            let mut text = String::from("You are a careful coding agent. ");
            let len = gen.rng.usize(300..1500);
            gen.text(&mut text, len);
            gen.system_prompts.push(text);
        }
        gen
    }

    /// Appends roughly `len` bytes of word-like text with newlines and a little markdown.
    fn text(&mut self, out: &mut String, len: usize) {
        let end = out.len() + len;
        let mut in_line = 0;
        let mut line_len = self.rng.u32(4..16);
        while out.len() < end {
            let word = if self.rng.u8(..100) < 3 {
                self.non_ascii[self.rng.usize(..self.non_ascii.len())]
            } else {
                self.words[self.rng.usize(..self.words.len())]
            };
            out.push_str(word);
            in_line += 1;
            if in_line >= line_len {
                in_line = 0;
                line_len = self.rng.u32(4..16);
                out.push('\n');
                match self.rng.u8(..24) {
                    0 => out.push_str("## "),
                    1 | 2 => out.push_str("- "),
                    3 => out.push('\n'),
                    4 => out.push_str("```rust\n"),
                    5 => out.push_str("```\n"),
                    6 => out.push_str("    "),
                    _ => {}
                }
            } else {
                out.push(' ');
            }
        }
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
    }

    /// A size in `lo..hi`, log-distributed with extra weight on small values (`skew` > 1).
    fn skewed(&mut self, lo: usize, hi: usize, skew: f64) -> usize {
        let u = self.rng.f64().powf(skew);
        (lo as f64 * (hi as f64 / lo as f64).powf(u)) as usize
    }

    fn new_session(&mut self) -> Session {
        let client = self.rng.usize(..CLIENTS.len());
        // Claude Code only talks to Claude models (the first three).
        let model = if CLIENTS[client] == "claude-code" { self.rng.usize(..3) } else { self.rng.usize(..MODELS.len()) };
        let mut raw = Vec::with_capacity(36);
        push_uuid(&mut raw, &mut self.rng);
        let id = String::from_utf8(raw).unwrap_or_default();
        let turns = 1 + (29.0 * self.rng.f64().powi(2)) as u32;
        Session {
            id,
            project: self.rng.usize(..PROJECTS.len()),
            client,
            model,
            turns_left: turns,
            with_messages: self.rng.u8(..100) < 40,
            system_prompt: (self.rng.u8(..100) < 60).then(|| self.rng.usize(..self.system_prompts.len())),
            history: Vec::new(),
        }
    }

    fn is_coding(client: usize) -> bool {
        matches!(CLIENTS[client], "claude-code" | "openclaw" | "aider")
    }

    /// A realistic record (≈ 8 KB on average) of one of the running sessions.
    fn full_record(&mut self, buf: &mut Vec<u8>, ts: i64) {
        while self.sessions.len() < SESSION_POOL {
            let session = self.new_session();
            self.sessions.push(session);
        }
        let slot = self.rng.usize(..self.sessions.len());
        let mut session = self.sessions.swap_remove(slot);
        let rng_pct = self.rng.u8(..100);
        let failed = rng_pct < 2;
        let client = session.client;
        let is_gpt = MODELS[session.model].starts_with("gpt");
        let is_claude = MODELS[session.model].starts_with("claude");

        let mut prompt = std::mem::take(&mut self.prompt);
        let mut response = std::mem::take(&mut self.response);
        prompt.clear();
        response.clear();
        let prompt_len = self.skewed(200, 20_000, 4.0);
        self.text(&mut prompt, prompt_len);
        if !failed {
            let response_len = self.skewed(500, 50_000, 4.0);
            self.text(&mut response, response_len);
        }

        buf.extend_from_slice(b"{\"id\":");
        push_quoted_uuid(buf, &mut self.rng);
        buf.extend_from_slice(b",\"timestamp\":\"");
        push_timestamp(buf, ts);
        buf.push(b'"');
        let output_tokens = (response.len() / 4) as u64 + self.rng.u64(0..200);
        if !failed {
            buf.extend_from_slice(b",\"duration_ms\":");
            push_u64(buf, 300 + output_tokens * self.rng.u64(8..25) + self.rng.u64(0..3000));
        }
        push_key_str(buf, "session_id", &session.id);
        push_key_str(buf, "project", PROJECTS[session.project]);
        push_key_str(buf, "client", CLIENTS[client]);
        push_key_str(buf, "model", MODELS[session.model]);
        let mut input_bytes = prompt.len();
        if session.with_messages {
            if let Some(sp) = session.system_prompt {
                push_key_str(buf, "system_prompt", &self.system_prompts[sp]);
                input_bytes += self.system_prompts[sp].len();
            }
        }
        push_key_str(buf, "prompt", &prompt);
        if session.with_messages {
            let start = buf.len();
            buf.extend_from_slice(b",\"messages\":[");
            for past in &session.history {
                buf.extend_from_slice(b"{\"role\":\"user\",\"content\":");
                push_str(buf, &past.prompt);
                buf.extend_from_slice(b"},{\"role\":\"assistant\",\"content\":");
                if is_gpt {
                    push_str(buf, &past.response);
                    buf.push(b'}');
                    if let Some((_, _, result)) = &past.tool {
                        buf.extend_from_slice(b",{\"role\":\"tool\",\"content\":");
                        push_str(buf, result);
                        buf.push(b'}');
                    }
                } else {
                    buf.extend_from_slice(b"[{\"type\":\"text\",\"text\":");
                    push_str(buf, &past.response);
                    buf.push(b'}');
                    if let Some((tool, call_id, result)) = &past.tool {
                        buf.extend_from_slice(b",{\"type\":\"tool_use\",\"id\":");
                        push_str(buf, call_id);
                        push_key_str(buf, "name", TOOLS[*tool]);
                        buf.extend_from_slice(b",\"input\":{\"path\":");
                        push_str(buf, PATHS[*tool * 7 % PATHS.len()]);
                        buf.extend_from_slice(
                            b"}}]},{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":",
                        );
                        push_str(buf, call_id);
                        push_key_str(buf, "content", result);
                        buf.extend_from_slice(b",\"is_error\":false}]}");
                    } else {
                        buf.extend_from_slice(b"]}");
                    }
                }
                buf.push(b',');
            }
            buf.extend_from_slice(b"{\"role\":\"user\",\"content\":");
            push_str(buf, &prompt);
            buf.extend_from_slice(b"}]");
            input_bytes += buf.len() - start - prompt.len();
        }
        if Self::is_coding(client) {
            buf.extend_from_slice(b",\"tools_available\":[");
            for (i, tool) in TOOLS.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                push_str(buf, tool);
            }
            buf.push(b']');
        }
        if !failed {
            push_key_str(buf, "response", &response);
            if self.rng.u8(..10) == 0 {
                let mut summary = std::mem::take(&mut self.scratch);
                summary.clear();
                summary.push_str("Summary: ");
                let len = self.rng.usize(40..160);
                self.text(&mut summary, len);
                push_key_str(buf, "response_summary", &summary);
                self.scratch = summary;
            }
            buf.extend_from_slice(b",\"usage\":{\"input_tokens\":");
            push_u64(buf, (input_bytes / 4) as u64 + self.rng.u64(200..4000));
            buf.extend_from_slice(b",\"output_tokens\":");
            push_u64(buf, output_tokens);
            if is_claude {
                buf.extend_from_slice(b",\"cache_read_tokens\":");
                push_u64(buf, self.rng.u64(0..60_000));
                buf.extend_from_slice(b",\"cache_creation_tokens\":");
                push_u64(buf, self.rng.u64(0..8_000));
            }
            if is_gpt {
                buf.extend_from_slice(b",\"reasoning_tokens\":");
                push_u64(buf, self.rng.u64(0..4_000));
            }
            buf.push(b'}');
        }

        // Tool calls (coding clients only).
        let mut first_tool = None;
        let n_tools = if !failed && Self::is_coding(client) && self.rng.bool() { self.rng.usize(1..4) } else { 0 };
        if n_tools > 0 {
            buf.extend_from_slice(b",\"tool_calls\":[");
            for i in 0..n_tools {
                if i > 0 {
                    buf.push(b',');
                }
                let tool = self.rng.usize(..TOOLS.len());
                let mut call_id = String::with_capacity(30);
                call_id.push_str(if is_gpt { "call_" } else { "toolu_" });
                for _ in 0..22 {
                    call_id.push(self.rng.alphanumeric());
                }
                buf.extend_from_slice(b"{\"name\":");
                push_str(buf, TOOLS[tool]);
                push_key_str(buf, "call_id", &call_id);
                buf.extend_from_slice(b",\"arguments\":");
                self.tool_arguments(buf, tool);
                let success = self.rng.u8(..100) >= 5;
                buf.extend_from_slice(if success { b",\"success\":true" } else { b",\"success\":false" });
                let mut result = std::mem::take(&mut self.scratch);
                result.clear();
                if !success {
                    result.push_str("error: ");
                }
                let len = self.skewed(60, 6_000, 2.0);
                self.text(&mut result, len);
                let truncated = result.len() > TOOL_RESULT_LIMIT;
                if truncated {
                    result.truncate(floor_char_boundary(&result, TOOL_RESULT_LIMIT));
                }
                push_key_str(buf, "result", &result);
                if truncated {
                    buf.extend_from_slice(b",\"result_truncated\":true");
                }
                buf.push(b'}');
                if first_tool.is_none() {
                    let snippet = &result[..floor_char_boundary(&result, SNIPPET)];
                    first_tool = Some((tool, call_id, snippet.to_owned()));
                }
                self.scratch = result;
            }
            buf.push(b']');
        }

        if !failed {
            let pct = self.rng.u8(..100);
            let stop = if n_tools > 0 {
                "tool_use"
            } else if pct < 3 {
                "max_tokens"
            } else if pct < 4 {
                "stop_sequence"
            } else {
                "end_turn"
            };
            push_key_str(buf, "stop_reason", stop);
        }

        if CLIENTS[client] == "router" || self.rng.u8(..100) < 5 {
            let profile = self.rng.usize(..PROFILES.len());
            buf.extend_from_slice(b",\"routing\":{\"profile\":");
            push_str(buf, PROFILES[profile]);
            push_key_str(buf, "reason", REASONS[profile]);
            buf.extend_from_slice(b",\"confidence\":0.");
            let conf = self.rng.u64(35..100);
            buf.push(b'0' + (conf / 10) as u8);
            buf.push(b'0' + (conf % 10) as u8);
            buf.extend_from_slice(b",\"features\":{\"prompt_tokens\":");
            push_u64(buf, (prompt.len() / 4) as u64);
            buf.extend_from_slice(if self.rng.bool() { b",\"has_code\":true" } else { b",\"has_code\":false" });
            push_key_str(buf, "language", LANGUAGES[self.rng.usize(..LANGUAGES.len())]);
            buf.extend_from_slice(b",\"history_turns\":");
            push_u64(buf, session.history.len() as u64);
            buf.extend_from_slice(b",\"scores\":{\"cheap-fast\":0.");
            push_u64(buf, self.rng.u64(10..99));
            buf.extend_from_slice(b",\"code\":0.");
            push_u64(buf, self.rng.u64(10..99));
            buf.extend_from_slice(b"}}}");
        }

        if self.rng.u8(..100) < 30 {
            buf.extend_from_slice(b",\"tags\":[");
            for i in 0..self.rng.usize(1..4) {
                if i > 0 {
                    buf.push(b',');
                }
                push_str(buf, TAGS[self.rng.usize(..TAGS.len())]);
            }
            buf.push(b']');
        }
        if failed {
            push_key_str(buf, "error", ERRORS[self.rng.usize(..ERRORS.len())]);
        }
        buf.extend_from_slice(b"}\n");

        // Remember this turn (shortened) for the next turns' messages.
        if session.with_messages {
            if session.history.len() == HISTORY_TURNS {
                session.history.remove(0);
            }
            session.history.push(PastTurn {
                prompt: prompt[..floor_char_boundary(&prompt, SNIPPET)].to_owned(),
                response: response[..floor_char_boundary(&response, SNIPPET)].to_owned(),
                tool: first_tool,
            });
        }
        self.prompt = prompt;
        self.response = response;
        session.turns_left -= 1;
        if session.turns_left > 0 {
            self.sessions.push(session);
        }
    }

    fn tool_arguments(&mut self, buf: &mut Vec<u8>, tool: usize) {
        let path = PATHS[self.rng.usize(..PATHS.len())];
        match TOOLS[tool] {
            "read_file" => {
                buf.extend_from_slice(b"{\"path\":");
                push_str(buf, path);
                buf.extend_from_slice(b",\"offset\":");
                push_u64(buf, self.rng.u64(0..400));
                buf.extend_from_slice(b",\"limit\":200}");
            }
            "grep" | "glob" => {
                buf.extend_from_slice(b"{\"pattern\":");
                push_str(buf, self.words[self.rng.usize(..self.words.len())]);
                push_key_str(buf, "path", DIRS[self.rng.usize(..DIRS.len())]);
                buf.extend_from_slice(b",\"-n\":true}");
            }
            "bash" => {
                buf.extend_from_slice(b"{\"command\":");
                push_str(buf, COMMANDS[self.rng.usize(..COMMANDS.len())]);
                buf.extend_from_slice(b",\"timeout\":120000}");
            }
            "edit_file" | "write_file" => {
                let mut text = std::mem::take(&mut self.scratch);
                buf.extend_from_slice(b"{\"path\":");
                push_str(buf, path);
                text.clear();
                let len = self.skewed(40, 1200, 1.5);
                self.text(&mut text, len);
                push_key_str(buf, "old_string", &text);
                text.clear();
                let len = self.skewed(40, 1200, 1.5);
                self.text(&mut text, len);
                push_key_str(buf, "new_string", &text);
                buf.push(b'}');
                self.scratch = text;
            }
            "web_fetch" => {
                buf.extend_from_slice(b"{\"url\":\"https://docs.rs/ratatui/latest/ratatui/widgets/struct.");
                buf.extend_from_slice(self.words[self.rng.usize(..40)].as_bytes());
                buf.extend_from_slice(b".html\"}");
            }
            _ => {
                buf.extend_from_slice(b"{\"path\":");
                push_str(buf, DIRS[self.rng.usize(..DIRS.len())]);
                buf.push(b'}');
            }
        }
    }

    /// A small record (≈ 700 B): a few fields, a short prompt and response.
    fn small_record(&mut self, buf: &mut Vec<u8>, ts: i64) {
        let mut text = std::mem::take(&mut self.scratch);
        buf.extend_from_slice(b"{\"id\":");
        push_quoted_uuid(buf, &mut self.rng);
        buf.extend_from_slice(b",\"timestamp\":\"");
        push_timestamp(buf, ts);
        buf.extend_from_slice(b"\",\"duration_ms\":");
        push_u64(buf, self.rng.u64(200..9000));
        push_key_str(buf, "project", PROJECTS[self.rng.usize(..PROJECTS.len())]);
        push_key_str(buf, "client", CLIENTS[self.rng.usize(..CLIENTS.len())]);
        push_key_str(buf, "model", MODELS[self.rng.usize(..MODELS.len())]);
        text.clear();
        let len = self.rng.usize(100..240);
        self.text(&mut text, len);
        push_key_str(buf, "prompt", &text);
        text.clear();
        let len = self.rng.usize(160..340);
        self.text(&mut text, len);
        push_key_str(buf, "response", &text);
        buf.extend_from_slice(b",\"usage\":{\"input_tokens\":");
        push_u64(buf, self.rng.u64(40..2000));
        buf.extend_from_slice(b",\"output_tokens\":");
        push_u64(buf, self.rng.u64(40..400));
        buf.extend_from_slice(b"},\"stop_reason\":\"end_turn\"}\n");
        self.scratch = text;
    }
}

// ---------------------------------------------------------------------------------------------
// Hand-rolled JSON output

/// `,"key":"value"` (the key must need no escaping).
fn push_key_str(buf: &mut Vec<u8>, key: &str, value: &str) {
    buf.extend_from_slice(b",\"");
    buf.extend_from_slice(key.as_bytes());
    buf.extend_from_slice(b"\":");
    push_str(buf, value);
}

/// A JSON string literal.
fn push_str(buf: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    buf.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => &[b'\\', b'u', b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 0xf) as usize]],
            _ => continue,
        };
        buf.extend_from_slice(&bytes[start..i]);
        buf.extend_from_slice(escape);
        start = i + 1;
    }
    buf.extend_from_slice(&bytes[start..]);
    buf.push(b'"');
}

fn push_u64(buf: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

fn push_2(buf: &mut Vec<u8>, n: u32) {
    buf.push(b'0' + (n / 10 % 10) as u8);
    buf.push(b'0' + (n % 10) as u8);
}

/// A random UUID v4, unquoted.
fn push_uuid(buf: &mut Vec<u8>, rng: &mut fastrand::Rng) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut x = rng.u128(..);
    x = (x & !(0xf << 76)) | (0x4 << 76);
    x = (x & !(0x3 << 62)) | (0x2 << 62);
    for i in 0..32 {
        if matches!(i, 8 | 12 | 16 | 20) {
            buf.push(b'-');
        }
        buf.push(HEX[((x >> (124 - 4 * i)) & 0xf) as usize]);
    }
}

fn push_quoted_uuid(buf: &mut Vec<u8>, rng: &mut fastrand::Rng) {
    buf.push(b'"');
    push_uuid(buf, rng);
    buf.push(b'"');
}

/// `YYYY-MM-DD` of a day number since 1970-01-01 (proleptic Gregorian, Howard Hinnant's algorithm).
fn push_date(buf: &mut Vec<u8>, day: i64) {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let y = y.clamp(0, 9999) as u32;
    push_2(buf, y / 100);
    push_2(buf, y % 100);
    buf.push(b'-');
    push_2(buf, m as u32);
    buf.push(b'-');
    push_2(buf, d as u32);
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` of milliseconds since the epoch.
fn push_timestamp(buf: &mut Vec<u8>, ms: i64) {
    push_date(buf, ms.div_euclid(DAY_MS));
    let in_day = ms.rem_euclid(DAY_MS) as u32;
    buf.push(b'T');
    push_2(buf, in_day / 3_600_000);
    buf.push(b':');
    push_2(buf, in_day / 60_000 % 60);
    buf.push(b':');
    push_2(buf, in_day / 1000 % 60);
    buf.push(b'.');
    let millis = in_day % 1000;
    buf.push(b'0' + (millis / 100) as u8);
    push_2(buf, millis % 100);
    buf.push(b'Z');
}

/// The largest char boundary of `s` at or below `index`.
fn floor_char_boundary(s: &str, index: usize) -> usize {
    if index >= s.len() {
        return s.len();
    }
    let mut i = index;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
