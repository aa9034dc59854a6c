//! Totals over the records in view: activity over time and breakdowns, computed off the UI loop.

use std::collections::HashMap;

use chrono::{DateTime, Duration, DurationRound, Utc};

use crate::store::RecordSummary;

/// Most buckets kept for the over-time charts (the pane shows as many as fit).
const MAX_BUCKETS: usize = 240;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Breakdown {
    pub name: String,
    pub requests: u64,
    pub tokens: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StatsData {
    pub requests: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub errors: u64,
    pub tool_calls: u64,
    pub bucket: Duration,
    /// Start of the first bucket; bucket `i` covers `first + i * bucket`.
    pub first: Option<DateTime<Utc>>,
    pub requests_over_time: Vec<u64>,
    pub tokens_over_time: Vec<u64>,
    pub by_model: Vec<Breakdown>,
    pub by_project: Vec<Breakdown>,
    pub by_client: Vec<Breakdown>,
}

impl StatsData {
    pub fn bucket_label(&self) -> &'static str {
        if self.bucket >= Duration::days(1) {
            "day"
        } else if self.bucket >= Duration::hours(1) {
            "hour"
        } else {
            "minute"
        }
    }
}

/// Buckets are minutes, hours or days, whichever keeps the span under [`MAX_BUCKETS`].
pub fn compute(summaries: &[RecordSummary]) -> StatsData {
    let oldest = summaries.iter().map(|s| s.timestamp.as_utc()).min();
    let newest = summaries.iter().map(|s| s.timestamp.as_utc()).max();
    let bucket = match (oldest, newest) {
        (Some(oldest), Some(newest)) => pick_bucket(newest - oldest),
        _ => Duration::hours(1),
    };
    let first = oldest.and_then(|oldest| oldest.duration_trunc(bucket).ok());
    let span = match (first, newest) {
        (Some(first), Some(newest)) => bucket_index(first, newest, bucket) + 1,
        _ => 0,
    };
    let mut data = StatsData {
        requests: 0,
        input_tokens: 0,
        output_tokens: 0,
        errors: 0,
        tool_calls: 0,
        bucket,
        first,
        requests_over_time: vec![0; span],
        tokens_over_time: vec![0; span],
        by_model: Vec::new(),
        by_project: Vec::new(),
        by_client: Vec::new(),
    };
    let mut models = HashMap::new();
    let mut projects = HashMap::new();
    let mut clients = HashMap::new();
    for summary in summaries {
        let tokens = summary.input_tokens + summary.output_tokens;
        data.requests += 1;
        data.input_tokens += summary.input_tokens;
        data.output_tokens += summary.output_tokens;
        data.errors += u64::from(summary.has_error);
        data.tool_calls += u64::from(summary.tool_calls);
        if let Some(first) = first {
            let at = bucket_index(first, summary.timestamp.as_utc(), bucket).min(span.saturating_sub(1));
            data.requests_over_time[at] += 1;
            data.tokens_over_time[at] += tokens;
        }
        add(&mut models, summary.model.as_deref(), tokens);
        add(&mut projects, summary.project.as_deref(), tokens);
        add(&mut clients, summary.client.as_deref(), tokens);
    }
    data.by_model = ranked(models);
    data.by_project = ranked(projects);
    data.by_client = ranked(clients);
    data
}

fn pick_bucket(span: Duration) -> Duration {
    [Duration::minutes(1), Duration::hours(1), Duration::days(1)]
        .into_iter()
        .find(|bucket| span.num_seconds() / bucket.num_seconds().max(1) < MAX_BUCKETS as i64)
        .unwrap_or(Duration::days(1))
}

fn bucket_index(first: DateTime<Utc>, at: DateTime<Utc>, bucket: Duration) -> usize {
    usize::try_from((at - first).num_seconds() / bucket.num_seconds().max(1)).unwrap_or(0)
}

fn add(counts: &mut HashMap<String, (u64, u64)>, name: Option<&str>, tokens: u64) {
    let entry = counts.entry(name.unwrap_or("(none)").to_owned()).or_default();
    entry.0 += 1;
    entry.1 += tokens;
}

fn ranked(counts: HashMap<String, (u64, u64)>) -> Vec<Breakdown> {
    let mut rows: Vec<Breakdown> =
        counts.into_iter().map(|(name, (requests, tokens))| Breakdown { name, requests, tokens }).collect();
    rows.sort_by(|a, b| b.tokens.cmp(&a.tokens).then(b.requests.cmp(&a.requests)).then(a.name.cmp(&b.name)));
    rows
}
