//! Loading a whole directory into the index in one go.

use std::io;
use std::path::{Path, PathBuf};

use super::index::FileId;
use super::scan::{read_files, unfinished_tail, FilePlan};
use super::Shared;
use crate::capture::daily_file_date;

/// A directory's daily files, and the entries under a daily name that cannot be read.
#[derive(Default)]
pub(crate) struct Listing {
    /// In name order (so, by day), with their sizes.
    pub files: Vec<(PathBuf, u64)>,
    /// With the reason, reported like a bad line (line 0: the whole file).
    pub unreadable: Vec<(PathBuf, String)>,
}

/// What a daily file's path holds now.
pub(crate) enum DailyEntry {
    File(std::fs::Metadata),
    Missing,
    Unreadable(String),
}

/// Looks at one daily file's path, following symlinks (a daily file may be a link elsewhere).
pub(crate) fn look_at(path: &Path) -> DailyEntry {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => DailyEntry::File(meta),
        Ok(meta) if meta.is_dir() => DailyEntry::Unreadable("not a file: a directory".into()),
        Ok(_) => DailyEntry::Unreadable("not a regular file".into()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => DailyEntry::Missing,
        Err(error) => DailyEntry::Unreadable(unreadable_reason(&error)),
    }
}

pub(crate) fn unreadable_reason(error: &io::Error) -> String {
    format!("cannot read the file: {error}")
}

/// The directory's daily files; none when the directory does not exist. One entry that cannot
/// be read (a symlink loop, no permission) is listed as such and hides nothing else.
pub(crate) fn daily_files(dir: &Path) -> io::Result<Listing> {
    let listing = match std::fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Listing::default()),
        Err(error) => return Err(error),
    };
    let mut found = Listing::default();
    for item in listing {
        let item = item?;
        let name = item.file_name();
        if name.to_str().is_none_or(|n| daily_file_date(n).is_none()) {
            continue;
        }
        let path = item.path();
        match look_at(&path) {
            DailyEntry::File(meta) => found.files.push((path, meta.len())),
            DailyEntry::Missing => {}
            DailyEntry::Unreadable(reason) => found.unreadable.push((path, reason)),
        }
    }
    found.files.sort();
    found.unreadable.sort();
    Ok(found)
}

/// How many threads read files: every core.
pub(crate) fn reader_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
}

/// Reads every file whole into the index; a file that cannot be read is reported like a bad
/// line (line 0) and its records are left out.
pub(crate) fn load_all(shared: &Shared, listing: &Listing) {
    let files = &listing.files;
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
    let mut fresh: Vec<Vec<u32>> = vec![Vec::new(); plans.len()];
    let mut notes = Vec::new();
    let mut failed = Vec::new();
    let mut index = shared.write();
    let file_ids: Vec<FileId> = plans.iter().map(|plan| index.file_id(&plan.path)).collect();
    read_files(
        &plans,
        reader_threads(),
        |file, batch, first_line| fresh[file].extend(index.add_batch(file_ids[file], &batch, first_line)),
        |file, result| match result {
            Ok(end) => notes.push((file_ids[file], unfinished_tail(&end, plans[file].to))),
            Err(error) => failed.push((file, unreadable_reason(&error))),
        },
    );
    for (plan, reason) in failed {
        // Its entries are no longer alive; they still go back to `insert_in_order`, which
        // leaves them out (entries handed out and never given back would block compaction).
        index.remove_file(file_ids[plan]);
        notes.push((file_ids[plan], Some((0, reason))));
    }
    index.insert_in_order(fresh.into_iter().flatten().collect());
    for (path, reason) in &listing.unreadable {
        let file = index.file_id(path);
        notes.push((file, Some((0, reason.clone()))));
    }
    for (file, note) in notes {
        index.set_file_note(file, note);
    }
    index.shrink();
}
