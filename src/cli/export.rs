//! `interlog export otlp`: records as OpenTelemetry GenAI spans to any OTLP/HTTP collector
//! (docs/otlp.md). The mapping is `crate::otlp::to_spans`; this is the command around it.

mod checkpoint;
mod progress;
mod sender;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use clap::{Args, Subcommand};

use self::checkpoint::Checkpoint;
use self::progress::Progress;
use self::sender::Sender;
use super::read::FilterArgs;
use super::{CliResult, Failure, Settings};
use crate::otlp::to_spans::{export_request, SpanOptions};
use crate::otlp::wire::{self, Encoding};
use crate::record::InteractionRecord;
use crate::sanitize::sanitize_line;
use crate::store::{EntryId, Query, SearchRequest, Store, StoreEvent};

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub target: ExportTarget,
}

#[derive(Debug, Subcommand)]
pub enum ExportTarget {
    /// Send records as OpenTelemetry GenAI spans over OTLP/HTTP
    Otlp(OtlpArgs),
}

#[derive(Debug, Args)]
pub struct OtlpArgs {
    /// The collector's traces endpoint; a URL without a path gets /v1/traces
    #[arg(long, value_name = "URL")]
    pub endpoint: String,
    /// An HTTP header for every request, e.g. `Authorization=Basic ...` (repeatable)
    #[arg(long = "header", value_name = "K=V", value_parser = parse_header)]
    pub headers: Vec<(String, String)>,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Also send prompts, messages, system prompts, responses and tool arguments and results
    #[arg(long)]
    pub include_content: bool,
    /// OTLP/JSON instead of protobuf
    #[arg(long)]
    pub json: bool,
    /// Keep sending new records as they are written; resumes from a checkpoint after a restart
    #[arg(long)]
    pub follow: bool,
    /// Where --follow keeps its checkpoint (default: beside the log directory, one per endpoint)
    #[arg(long, value_name = "FILE", requires = "follow")]
    pub checkpoint: Option<PathBuf>,
    /// Records per request
    #[arg(long, value_name = "N", default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub batch: u64,
    /// Send the body uncompressed
    #[arg(long)]
    pub no_gzip: bool,
    /// Attempts after the first for a batch the collector could not take (429, 5xx, no
    /// connection); --follow retries for ever
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub retries: u32,
}

pub fn run_export(settings: &Settings, args: ExportArgs) -> CliResult {
    match args.target {
        ExportTarget::Otlp(args) => run_otlp(settings, args),
    }
}

fn run_otlp(settings: &Settings, args: OtlpArgs) -> CliResult {
    let url = traces_url(&args.endpoint)?;
    let query = args.filters.query(Utc::now(), None)?;
    let encoding = if args.json { Encoding::Json } else { Encoding::Protobuf };
    let retries = if args.follow { None } else { Some(args.retries) };
    let sender = Sender::new(url.clone(), args.headers.clone(), encoding, !args.no_gzip, retries)
        .map_err(|err| Failure::Usage(err.to_string()))?;
    let job = Job {
        sender,
        encoding,
        options: SpanOptions { include_content: args.include_content },
        batch: args.batch as usize,
        url,
    };
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the runtime")?;
    if args.follow {
        let checkpoint = args.checkpoint.clone().unwrap_or_else(|| checkpoint::default_path(&settings.dir, &job.url));
        runtime.block_on(follow(&settings.dir, &query, &job, &checkpoint))
    } else {
        runtime.block_on(backfill(&settings.dir, &query, &job))
    }
}

struct Job {
    sender: Sender,
    encoding: Encoding,
    options: SpanOptions,
    batch: usize,
    url: String,
}

impl Job {
    /// Sends `records` in batches; `acked` runs after each acknowledged batch with its records.
    async fn send_all(
        &self,
        store: &Store,
        entries: &[EntryId],
        progress: &mut Progress,
        mut acked: impl FnMut(&[EntryId]) -> anyhow::Result<()>,
    ) -> CliResult {
        for chunk in entries.chunks(self.batch) {
            let records = read_records(store, chunk);
            if !records.is_empty() {
                let request = export_request(&records, self.options);
                let spans = request.resource_spans.iter().flat_map(|r| &r.scope_spans).map(|s| s.spans.len()).sum();
                let ack = self.sender.send(wire::encode(&request, self.encoding)).await.map_err(Failure::Failed)?;
                if ack.rejected_spans > 0 || !ack.message.is_empty() {
                    progress.clear();
                    eprintln!(
                        "interlog: the collector rejected {} spans: {}",
                        ack.rejected_spans,
                        sanitize_line(&ack.message)
                    );
                }
                progress.sent(records.len(), spans, ack.rejected_spans);
            }
            acked(chunk).map_err(Failure::Failed)?;
        }
        Ok(())
    }
}

/// Records that are gone or unreadable since they were indexed are skipped, not fatal.
fn read_records(store: &Store, entries: &[EntryId]) -> Vec<InteractionRecord> {
    entries
        .iter()
        .filter_map(|&entry| match store.read_record(entry) {
            Ok(record) => Some(record),
            Err(err) => {
                tracing::warn!(target: "interlog::export", "skipping a record: {}", sanitize_line(&err.to_string()));
                None
            }
        })
        .collect()
}

async fn backfill(dir: &Path, query: &Query, job: &Job) -> CliResult {
    let store = Store::load(dir).map_err(|err| Failure::Failed(err.into()))?;
    let entries = in_file_order(&store, store.search(&SearchRequest::keyword(query.clone())).entries);
    let mut progress = Progress::new(entries.len());
    job.send_all(&store, &entries, &mut progress, |_| Ok(())).await?;
    eprintln!("{}", progress.summary(&job.url));
    Ok(())
}

async fn follow(dir: &Path, query: &Query, job: &Job, checkpoint_path: &Path) -> CliResult {
    let mut checkpoint = Checkpoint::load(checkpoint_path, &job.url).map_err(|err| Failure::Usage(err.to_string()))?;
    let wake = Arc::new(tokio::sync::Notify::new());
    let listener = Arc::clone(&wake);
    let store = Store::follow(dir, move |event| {
        if !matches!(event, StoreEvent::Progress(_)) {
            listener.notify_one();
        }
    })
    .map_err(|err| Failure::Failed(err.into()))?;
    let mut progress = Progress::new(0);
    // Entries already looked at in this run; new records get higher entry ids.
    let mut seen_up_to: Option<EntryId> = None;
    loop {
        if !store.is_loading() {
            let fresh: Vec<EntryId> = store
                .query(query)
                .entries
                .into_iter()
                .filter(|&entry| seen_up_to.is_none_or(|seen| entry > seen))
                .collect();
            if let Some(&newest) = fresh.iter().max() {
                seen_up_to = Some(seen_up_to.map_or(newest, |seen| seen.max(newest)));
            }
            let pending = not_done(&store, in_file_order(&store, fresh), &checkpoint);
            progress.add_total(pending.len());
            job.send_all(&store, &pending, &mut progress, |chunk| {
                for summary in store.summaries(chunk) {
                    checkpoint.mark(&file_name(&summary.file), summary.line);
                }
                checkpoint.save(checkpoint_path)
            })
            .await?;
            progress.clear();
        }
        // A missed wake-up costs at most this long.
        let _ = tokio::time::timeout(Duration::from_secs(2), wake.notified()).await;
    }
}

/// Oldest first by position (file name order, then line): the order the checkpoint counts in.
fn in_file_order(store: &Store, entries: Vec<EntryId>) -> Vec<EntryId> {
    let mut placed: Vec<(PathBuf, u64, EntryId)> =
        store.summaries(&entries).into_iter().map(|summary| (summary.file, summary.line, summary.entry)).collect();
    placed.sort();
    placed.into_iter().map(|(_, _, entry)| entry).collect()
}

fn not_done(store: &Store, entries: Vec<EntryId>, checkpoint: &Checkpoint) -> Vec<EntryId> {
    store
        .summaries(&entries)
        .into_iter()
        .filter(|summary| !checkpoint.is_done(&file_name(&summary.file), summary.line))
        .map(|summary| summary.entry)
        .collect()
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default()
}

/// `http://host:4318` → `http://host:4318/v1/traces`; a URL with a path is used as given.
fn traces_url(endpoint: &str) -> Result<String, Failure> {
    let url = reqwest::Url::parse(endpoint.trim())
        .map_err(|err| Failure::Usage(format!("--endpoint {endpoint:?}: not a URL ({err})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Failure::Usage(format!("--endpoint {endpoint:?}: use an http:// or https:// URL")));
    }
    let mut url = url;
    if url.path().is_empty() || url.path() == "/" {
        url.set_path("/v1/traces");
    }
    Ok(url.to_string())
}

fn parse_header(text: &str) -> Result<(String, String), String> {
    let (name, value) = text.split_once('=').ok_or_else(|| format!("{text:?}: expected K=V"))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("{text:?}: the header name is empty"));
    }
    Ok((name.to_owned(), value.trim().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_without_a_path_get_the_traces_path() {
        assert_eq!(traces_url("http://localhost:4318").ok(), Some("http://localhost:4318/v1/traces".into()));
        assert_eq!(
            traces_url("https://x.example/api/public/otel/v1/traces").ok(),
            Some("https://x.example/api/public/otel/v1/traces".into())
        );
        assert!(matches!(traces_url("localhost:4318"), Err(Failure::Usage(_))));
        assert!(matches!(traces_url("ftp://x"), Err(Failure::Usage(_))));
    }

    #[test]
    fn headers_split_on_the_first_equals() {
        assert_eq!(
            parse_header("Authorization=Basic a2V5Om==").unwrap(),
            ("Authorization".into(), "Basic a2V5Om==".into())
        );
        assert!(parse_header("novalue").is_err());
        assert!(parse_header("=x").is_err());
    }
}
