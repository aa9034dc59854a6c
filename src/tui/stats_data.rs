//! Totals over the records in view: activity over time and breakdowns, computed off the UI loop.

use std::collections::HashMap;

use chrono::{DateTime, Duration, DurationRound, Utc};

use crate::store::{RecordSummary, Stats};

/// Most buckets kept for the over-time charts (the pane shows as many as fit).
const MAX_BUCKETS: usize = 240;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Breakdown {
    pub name: String,
    pub requests: u64,
    /// Input plus output tokens, as the totals line and the chart count them (the cache's are
    /// in the cache-hit share).
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
    /// What the store answers over the same filters: latency, error rate, cache hits, tokens
    /// per model and per session.
    pub answers: Stats,
    /// The selected session's whole prompt per turn, oldest first, and the session.
    pub context: Vec<u64>,
    pub context_session: Option<String>,
}

impl StatsData {
    /// `minute`, `hour`, `day`, or `12 days` when the span is too long for daily buckets.
    pub fn bucket_label(&self) -> String {
        let days = self.bucket.num_days();
        if days > 1 {
            format!("{days} days")
        } else if days == 1 {
            "day".to_owned()
        } else if self.bucket >= Duration::hours(1) {
            "hour".to_owned()
        } else {
            "minute".to_owned()
        }
    }
}

/// Buckets are minutes, hours, days or runs of days, whichever keeps the span under [`MAX_BUCKETS`].
pub fn compute(summaries: &[RecordSummary]) -> StatsData {
    let oldest = summaries.iter().map(|s| s.timestamp.as_utc()).min();
    let newest = summaries.iter().map(|s| s.timestamp.as_utc()).max();
    let mut builder = StatsBuilder::new(oldest.zip(newest));
    summaries.iter().for_each(|summary| builder.add(summary));
    builder.finish()
}

/// Accumulates summaries one at a time, so a million records never sit in memory at once.
pub struct StatsBuilder {
    data: StatsData,
    models: HashMap<String, (u64, u64)>,
    projects: HashMap<String, (u64, u64)>,
    clients: HashMap<String, (u64, u64)>,
}

impl StatsBuilder {
    /// `span`: the oldest and newest instants that will be added.
    pub fn new(span: Option<(DateTime<Utc>, DateTime<Utc>)>) -> StatsBuilder {
        let bucket = span.map_or(Duration::hours(1), |(oldest, newest)| pick_bucket(newest - oldest));
        // Outside chrono's nanosecond range (years before 1678 or after 2261) buckets cannot be
        // aligned to the clock; they then start at the oldest record.
        let first = span.map(|(oldest, _)| oldest.duration_trunc(bucket).unwrap_or(oldest));
        let buckets = match (first, span) {
            (Some(first), Some((_, newest))) => (bucket_index(first, newest, bucket) + 1).min(MAX_BUCKETS),
            _ => 0,
        };
        StatsBuilder {
            data: StatsData {
                requests: 0,
                input_tokens: 0,
                output_tokens: 0,
                errors: 0,
                tool_calls: 0,
                bucket,
                first,
                requests_over_time: vec![0; buckets],
                tokens_over_time: vec![0; buckets],
                by_model: Vec::new(),
                by_project: Vec::new(),
                by_client: Vec::new(),
                answers: Stats::default(),
                context: Vec::new(),
                context_session: None,
            },
            models: HashMap::new(),
            projects: HashMap::new(),
            clients: HashMap::new(),
        }
    }

    pub fn add(&mut self, summary: &RecordSummary) {
        let data = &mut self.data;
        // Counts come from untrusted records: sums saturate rather than overflow.
        let tokens = summary.input_tokens.saturating_add(summary.output_tokens);
        data.requests += 1;
        data.input_tokens = data.input_tokens.saturating_add(summary.input_tokens);
        data.output_tokens = data.output_tokens.saturating_add(summary.output_tokens);
        data.errors += u64::from(summary.has_error);
        data.tool_calls += u64::from(summary.tool_calls);
        if let Some(first) = data.first {
            let last = data.requests_over_time.len().saturating_sub(1);
            let at = bucket_index(first, summary.timestamp.as_utc(), data.bucket).min(last);
            if let (Some(requests), Some(total)) =
                (data.requests_over_time.get_mut(at), data.tokens_over_time.get_mut(at))
            {
                *requests += 1;
                *total = total.saturating_add(tokens);
            }
        }
        add(&mut self.models, summary.model.as_deref(), tokens);
        add(&mut self.projects, summary.project.as_deref(), tokens);
        add(&mut self.clients, summary.client.as_deref(), tokens);
    }

    pub fn finish(mut self) -> StatsData {
        self.data.by_model = ranked(self.models);
        self.data.by_project = ranked(self.projects);
        self.data.by_client = ranked(self.clients);
        self.data
    }
}

/// The smallest bucket that covers `span` in fewer than [`MAX_BUCKETS`] buckets, leaving one for
/// the first bucket starting before the oldest record.
fn pick_bucket(span: Duration) -> Duration {
    let most = MAX_BUCKETS as i64 - 1;
    let fits = |bucket: &Duration| span.num_seconds() / bucket.num_seconds().max(1) < most;
    [Duration::minutes(1), Duration::hours(1), Duration::days(1)]
        .into_iter()
        .find(fits)
        .unwrap_or_else(|| Duration::days(span.num_days() / most + 1))
}

fn bucket_index(first: DateTime<Utc>, at: DateTime<Utc>, bucket: Duration) -> usize {
    usize::try_from((at - first).num_seconds() / bucket.num_seconds().max(1)).unwrap_or(0)
}

fn add(counts: &mut HashMap<String, (u64, u64)>, name: Option<&str>, tokens: u64) {
    let entry = counts.entry(name.unwrap_or("(none)").to_owned()).or_default();
    entry.0 += 1;
    entry.1 = entry.1.saturating_add(tokens);
}

fn ranked(counts: HashMap<String, (u64, u64)>) -> Vec<Breakdown> {
    rank(counts.into_iter().map(|(name, (requests, tokens))| Breakdown { name, requests, tokens }).collect())
}

/// Most tokens first, then most requests, then by name.
fn rank(mut rows: Vec<Breakdown>) -> Vec<Breakdown> {
    rows.sort_by(|a, b| b.tokens.cmp(&a.tokens).then(b.requests.cmp(&a.requests)).then(a.name.cmp(&b.name)));
    rows
}

impl StatsData {
    /// The store's tokens per session, counted and ranked as the other breakdowns are.
    pub fn by_session(&self) -> Vec<Breakdown> {
        let rows = self.answers.by_session.iter();
        rank(
            rows.map(|row| Breakdown { name: row.name.clone(), requests: row.records as u64, tokens: row.in_out() })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_span_of_millennia_keeps_the_bucket_count_bounded() {
        for (oldest, newest) in [
            ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"),
            ("1900-01-01T00:00:00Z", "2200-06-30T12:00:00Z"),
            ("2026-01-01T00:00:00Z", "2026-09-01T00:00:00Z"),
        ] {
            let data = StatsBuilder::new(Some((at(oldest), at(newest)))).finish();
            let count = data.requests_over_time.len();
            assert!((1..=MAX_BUCKETS).contains(&count), "{oldest}..{newest}: {count} buckets");
            assert!(data.bucket > Duration::days(1), "{oldest}..{newest}: {:?}", data.bucket);
            let first = data.first.unwrap();
            assert!(bucket_index(first, at(newest), data.bucket) < count, "{oldest}..{newest}: newest falls outside");
        }
    }

    #[test]
    fn sessions_count_tokens_as_the_other_breakdowns_do() {
        use crate::store::TokenRow;
        let row = |name: &str, input, cache| TokenRow {
            name: name.into(),
            records: 1,
            input_tokens: input,
            output_tokens: 10,
            cache_read_tokens: cache,
            cache_creation_tokens: 0,
        };
        let mut data = StatsBuilder::new(None).finish();
        // Cache reads would rank the first above the second; they are not counted.
        data.answers.by_session = vec![row("cached", 100, 90_000), row("fresh", 500, 0)];
        let sessions = data.by_session();
        let counted: Vec<(&str, u64)> = sessions.iter().map(|b| (b.name.as_str(), b.tokens)).collect();
        assert_eq!(counted, [("fresh", 510), ("cached", 110)]);
    }

    #[test]
    fn short_spans_keep_minute_hour_and_day_buckets() {
        let start = at("2026-11-20T10:00:00Z");
        for (span, label) in
            [(Duration::minutes(30), "minute"), (Duration::hours(100), "hour"), (Duration::days(100), "day")]
        {
            let data = StatsBuilder::new(Some((start, start + span))).finish();
            assert_eq!(data.bucket_label(), label);
            assert!(data.requests_over_time.len() <= MAX_BUCKETS);
        }
    }
}
