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

/// Deletes the daily files whose day is more than `retention_days` before `today` and returns
/// them, oldest first. Only names that match the pattern are ever touched; a missing directory
/// has nothing to prune.
pub fn prune(dir: &Path, retention_days: u32, today: NaiveDate) -> Result<Vec<PathBuf>, PruneError> {
    let Some(oldest_kept) = today.checked_sub_days(Days::new(u64::from(retention_days))) else {
        return Ok(Vec::new());
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(PruneError::List { path: dir.to_owned(), source }),
    };
    let mut expired: Vec<(NaiveDate, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
        .filter_map(|entry| {
            let date = daily_file_date(entry.file_name().to_str()?)?;
            (date < oldest_kept).then(|| (date, entry.path()))
        })
        .collect();
    expired.sort();
    for (_, path) in &expired {
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(PruneError::Delete { path: path.clone(), source }),
        }
    }
    Ok(expired.into_iter().map(|(_, path)| path).collect())
}
