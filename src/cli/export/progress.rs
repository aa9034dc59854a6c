//! Progress of a large backfill on a terminal (records/s, ETA), and the summary line at the end.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crate::present::units;

const EVERY: Duration = Duration::from_millis(250);

pub struct Progress {
    started: Instant,
    last_drawn: Option<Instant>,
    shown: bool,
    total: usize,
    pub sent: usize,
    pub spans: usize,
    pub rejected: i64,
}

impl Progress {
    pub fn new(total: usize) -> Self {
        Progress {
            started: Instant::now(),
            last_drawn: None,
            shown: std::io::stderr().is_terminal(),
            total,
            sent: 0,
            spans: 0,
            rejected: 0,
        }
    }

    pub fn add_total(&mut self, more: usize) {
        self.total += more;
    }

    pub fn sent(&mut self, records: usize, spans: usize, rejected: i64) {
        self.sent += records;
        self.spans += spans;
        self.rejected += rejected;
        if !self.shown || self.last_drawn.is_some_and(|at| at.elapsed() < EVERY) {
            return;
        }
        self.last_drawn = Some(Instant::now());
        let rate = self.rate();
        let eta = if rate > 0.0 && self.total > self.sent {
            format!(", ETA {}", units::duration(((self.total - self.sent) as f64 / rate * 1000.0) as u64))
        } else {
            String::new()
        };
        eprint!("\r\x1b[2Kexporting: {} / {} records, {:.0} records/s{eta}", self.sent, self.total, rate);
        let _ = std::io::stderr().flush();
    }

    fn rate(&self) -> f64 {
        let seconds = self.started.elapsed().as_secs_f64();
        if seconds > 0.0 {
            self.sent as f64 / seconds
        } else {
            0.0
        }
    }

    /// Clears the progress line.
    pub fn clear(&mut self) {
        if self.shown && self.last_drawn.is_some() {
            eprint!("\r\x1b[2K");
            self.last_drawn = None;
        }
    }

    pub fn summary(&mut self, endpoint: &str) -> String {
        self.clear();
        let mut line = format!(
            "interlog: exported {} records ({} spans) to {} in {} ({:.0} records/s)",
            self.sent,
            self.spans,
            endpoint,
            units::duration(self.started.elapsed().as_millis() as u64),
            self.rate()
        );
        if self.rejected > 0 {
            line.push_str(&format!("; the collector rejected {} spans", self.rejected));
        }
        line
    }
}
