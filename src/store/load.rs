//! Loading a whole directory into the index in one go.

use std::io;
use std::path::{Path, PathBuf};

use super::scan::{read_files, unfinished_tail, FilePlan};
use super::{Shared, StoreError};
use crate::capture::daily_file_date;

/// The directory's daily files in name order (so, by day), with their sizes; none when the
/// directory does not exist.
pub(crate) fn daily_files(dir: &Path) -> io::Result<Vec<(PathBuf, u64)>> {
    let listing = match std::fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let mut files = Vec::new();
    for item in listing {
        let item = item?;
        let name = item.file_name();
        if name.to_str().is_none_or(|n| daily_file_date(n).is_none()) {
            continue;
        }
        let path = item.path();
        // Follow symlinks: a daily file may be a link to elsewhere.
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_file() => files.push((path, meta.len())),
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
    }
    files.sort();
    Ok(files)
}

/// How many threads read files: every core.
pub(crate) fn reader_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
}

/// Reads every file whole into the index.
pub(crate) fn load_all(shared: &Shared, files: &[(PathBuf, u64)]) -> Result<(), StoreError> {
    let plans: Vec<FilePlan> = files
        .iter()
        .map(|(path, size)| FilePlan {
            path: path.clone(),
            from: 0,
            to: *size,
            first_line: 1,
            skip_leading_newline: false,
        })
        .collect();
    let mut fresh = Vec::new();
    let mut failure = None;
    let mut tails = Vec::new();
    let mut index = shared.write();
    let file_ids: Vec<u32> = plans.iter().map(|plan| index.file_id(&plan.path)).collect();
    read_files(
        &plans,
        reader_threads(),
        |file, batch, first_line| fresh.extend(index.add_batch(file_ids[file], &batch, first_line)),
        |file, result| match result {
            Ok(end) => tails.extend(unfinished_tail(&end, plans[file].to).map(|tail| (file_ids[file], tail))),
            Err(source) => {
                failure.get_or_insert(StoreError::Io { path: plans[file].path.clone(), source });
            }
        },
    );
    index.insert_in_order(fresh);
    for (file, tail) in tails {
        index.set_unfinished(file, Some(tail));
    }
    index.shrink();
    failure.map_or(Ok(()), Err)
}
