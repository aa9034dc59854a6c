//! Retention: deleting daily files older than `retention_days`.

use std::path::{Path, PathBuf};

use chrono::{Days, NaiveDate};

use super::daily_file_date;

#[derive(Debug, thiserror::Error)]
pub enum PruneError {
    #[error("cannot list {path}: {source}")]
    List { path: PathBuf, source: std::io::Error },
    #[error("cannot delete {path}: {source}")]
    Delete { path: PathBuf, source: std::io::Error },
}

/// What one retention pass did: the files deleted (oldest first), and what failed.
#[derive(Debug, Default)]
pub struct PruneOutcome {
    pub deleted: Vec<PathBuf>,
    /// A file that could not be deleted does not stop the others.
    pub failures: Vec<PruneError>,
}

/// Deletes the daily files whose day is more than `retention_days` before `today` and returns
/// them, oldest first. Only names that match the pattern are ever touched; a missing directory
/// has nothing to prune. Stops at nothing: see [`prune_all`]; this returns its first failure.
pub fn prune(dir: &Path, retention_days: u32, today: NaiveDate) -> Result<Vec<PathBuf>, PruneError> {
    let outcome = prune_all(dir, retention_days, today);
    match outcome.failures.into_iter().next() {
        Some(failure) => Err(failure),
        None => Ok(outcome.deleted),
    }
}

/// Like [`prune`], trying every expired file and reporting each failure.
pub fn prune_all(dir: &Path, retention_days: u32, today: NaiveDate) -> PruneOutcome {
    let mut outcome = PruneOutcome::default();
    let Some(oldest_kept) = today.checked_sub_days(Days::new(u64::from(retention_days))) else {
        return outcome;
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return outcome,
        Err(source) => {
            outcome.failures.push(PruneError::List { path: dir.to_owned(), source });
            return outcome;
        }
    };
    let mut expired: Vec<(NaiveDate, PathBuf)> = entries
        .filter_map(Result::ok)
        // Anything under an expired daily name is tried: a directory there fails to delete and
        // is reported (never removed), a symlink goes without touching its target.
        .filter(|entry| entry.file_type().is_ok())
        .filter_map(|entry| {
            let date = daily_file_date(entry.file_name().to_str()?)?;
            (date < oldest_kept).then(|| (date, entry.path()))
        })
        .collect();
    expired.sort();
    for (_, path) in expired {
        match std::fs::remove_file(&path) {
            Ok(()) => outcome.deleted.push(path),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => outcome.failures.push(PruneError::Delete { path, source }),
        }
    }
    outcome
}
