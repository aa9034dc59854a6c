//! Following a directory live: one background thread owns all file reading.
//!
//! Events coalesce and a truncation looks like an ordinary modify, so every event just means
//! "read these files to their end": the thread compares inode and size with what it has read and
//! re-reads a file that shrank or was replaced, drops a deleted one, and rescans everything when
//! the watcher's queue overflowed.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, RecursiveMode, Watcher};

use super::index::FileId;
use super::load::{daily_files, look_at, reader_threads, unreadable_reason, DailyEntry, Listing};
use super::scan::{read_files, unfinished_tail, FileEnd, FilePlan};
use super::{FollowOptions, LoadProgress, Shared, StoreError, StoreEvent};
use crate::capture::daily_file_date;

type Listener = Box<dyn Fn(StoreEvent) + Send + Sync>;
type NotifyEvents = Receiver<notify::Result<notify::Event>>;

/// How long the thread waits between checks that the store is still in use.
const IDLE_TICK: Duration = Duration::from_millis(200);
/// After a first event, further events are gathered for at most this long into one batch.
const COALESCE: Duration = Duration::from_millis(5);
/// How often the polling fallback looks at the files.
const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// A last line still without its newline after this long is reported as unfinished: an append
/// in flight takes milliseconds, a writer killed mid-line never finishes it.
const TORN_AFTER: Duration = Duration::from_secs(3);
/// Appends larger than this are read on every core.
const PARALLEL_APPEND: u64 = 16 << 20;

pub(crate) fn start(shared: &Arc<Shared>, options: FollowOptions, listener: Listener) -> Result<(), StoreError> {
    let weak = Arc::downgrade(shared);
    let dir = watched_dir(&shared.dir);
    std::thread::Builder::new()
        .name("interlog-follow".into())
        .spawn(move || Follower::new(weak, dir, options, listener).run())
        .map(|_| ())
        .map_err(|e| StoreError::Watch { path: shared.dir.clone(), source: e })
}

/// What the thread knows of one daily file.
struct FileState {
    id: FileId,
    inode: (u64, u64),
    end: FileEnd,
}

/// What one batch of changes did, for the listener.
#[derive(Default)]
struct Changes {
    appended: Vec<super::EntryId>,
    reset: bool,
}

struct Follower {
    shared: Weak<Shared>,
    dir: PathBuf,
    listener: Listener,
    events: NotifyEvents,
    sender: mpsc::Sender<notify::Result<notify::Event>>,
    watcher: Option<Box<dyn Watcher + Send>>,
    /// The path watched: the directory, or its nearest existing ancestor while it does not exist.
    watched: Option<PathBuf>,
    polling: bool,
    force_polling: bool,
    files: HashMap<String, FileState>,
    /// Unfinished last lines, by file slot: reported once they stay unfinished for [`TORN_AFTER`].
    tails: HashMap<FileId, Tail>,
}

/// A last line without its newline, as first seen.
struct Tail {
    line: u64,
    reason: String,
    since: Instant,
    reported: bool,
}

impl Follower {
    fn new(shared: Weak<Shared>, dir: PathBuf, options: FollowOptions, listener: Listener) -> Follower {
        let (sender, events) = mpsc::channel();
        Follower {
            shared,
            dir,
            listener,
            events,
            sender,
            watcher: None,
            watched: None,
            polling: false,
            force_polling: options.force_polling,
            files: HashMap::new(),
            tails: HashMap::new(),
        }
    }

    fn run(mut self) {
        self.watch();
        let Some(shared) = self.shared.upgrade() else { return };
        self.initial_load(&shared);
        drop(shared);
        loop {
            let tick = if self.polling { POLL_INTERVAL } else { IDLE_TICK };
            let first = match self.events.recv_timeout(tick) {
                Ok(event) => Some(event),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return,
            };
            let Some(shared) = self.shared.upgrade() else { return };
            let epoch = shared.read().epoch();
            let mut changes = Changes::default();
            match first {
                Some(first) => {
                    let batch = self.gather(first);
                    self.apply_events(&shared, batch, &mut changes);
                }
                None if self.polling => self.sync_all(&shared, &mut changes),
                None => {}
            }
            self.age_tails(&shared);
            // A compaction (here or in a transcript tree's thread) renumbered every entry.
            changes.reset |= shared.read().epoch() != epoch;
            self.report(changes);
        }
    }

    /// The first event plus whatever follows within the coalescing window.
    fn gather(&self, first: notify::Result<notify::Event>) -> Vec<notify::Result<notify::Event>> {
        let mut batch = vec![first];
        let deadline = Instant::now() + COALESCE;
        loop {
            while let Ok(event) = self.events.try_recv() {
                batch.push(event);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match self.events.recv_timeout(left.min(Duration::from_millis(1))) {
                Ok(event) => batch.push(event),
                Err(_) => break,
            }
        }
        batch
    }

    fn apply_events(&mut self, shared: &Shared, batch: Vec<notify::Result<notify::Event>>, changes: &mut Changes) {
        let mut names = HashSet::new();
        let mut rescan = false;
        for event in batch {
            let event = match event {
                Ok(event) => event,
                Err(error) => {
                    (self.listener)(StoreEvent::Error { message: format!("watching {}: {error}", self.dir.display()) });
                    rescan = true;
                    continue;
                }
            };
            if event.need_rescan() {
                rescan = true;
            }
            if matches!(event.kind, EventKind::Access(kind) if kind != AccessKind::Close(AccessMode::Write)) {
                continue;
            }
            for path in &event.paths {
                if path.parent() == Some(self.dir.as_path()) {
                    if let Some(name) =
                        path.file_name().and_then(|n| n.to_str()).filter(|n| daily_file_date(n).is_some())
                    {
                        names.insert(name.to_owned());
                    }
                } else {
                    // The directory itself, or an ancestor while it does not exist yet.
                    rescan = true;
                }
            }
        }
        if !self.polling && self.watched.as_deref() != Some(self.watch_target().as_path()) {
            self.watch();
            rescan = true;
        }
        if rescan {
            self.sync_all(shared, changes);
        } else {
            for name in names {
                self.sync_file(shared, &name, changes);
            }
        }
    }

    /// A file was read to its end, which may be an unfinished line: its note goes (the file
    /// reads), and the tail waits to be reported until it has stayed unfinished long enough.
    fn note_tail(&mut self, shared: &Shared, file: FileId, tail: Option<(u64, String)>) {
        let Some((line, reason)) = tail else {
            self.tails.remove(&file);
            shared.write().set_file_note(file, None);
            return;
        };
        match self.tails.get(&file) {
            Some(seen) if seen.line == line => {}
            _ => {
                shared.write().set_file_note(file, None);
                self.tails.insert(file, Tail { line, reason, since: Instant::now(), reported: false });
            }
        }
    }

    fn age_tails(&mut self, shared: &Shared) {
        for (&file, tail) in self.tails.iter_mut().filter(|(_, t)| !t.reported && t.since.elapsed() >= TORN_AFTER) {
            shared.write().set_file_note(file, Some((tail.line, tail.reason.clone())));
            tail.reported = true;
        }
    }

    fn report(&self, changes: Changes) {
        if changes.reset {
            (self.listener)(StoreEvent::Reset);
        } else if !changes.appended.is_empty() {
            (self.listener)(StoreEvent::Appended { entries: changes.appended });
        }
    }

    /// Watches the directory, or its nearest existing ancestor until it exists.
    fn watch(&mut self) {
        if self.polling {
            return;
        }
        // A writer creating several missing levels at once may create the next one between our
        // look and our watch, where no event would tell us: look again until it holds still.
        loop {
            let target = self.watch_target();
            self.watch_path(target.clone());
            if self.polling || self.watch_target() == target {
                return;
            }
        }
    }

    fn watch_target(&self) -> PathBuf {
        if self.dir.is_dir() {
            self.dir.clone()
        } else {
            nearest_existing_ancestor(&self.dir)
        }
    }

    fn watch_path(&mut self, target: PathBuf) {
        if let (Some(watcher), Some(old)) = (self.watcher.as_mut(), self.watched.take()) {
            let _ = watcher.unwatch(&old);
        }
        if self.watcher.is_none() {
            match self.native_watcher() {
                Ok(watcher) => self.watcher = Some(watcher),
                Err(reason) => return self.start_polling(reason),
            }
        }
        let Some(watcher) = self.watcher.as_mut() else { return };
        match watcher.watch(&target, RecursiveMode::NonRecursive) {
            Ok(()) => self.watched = Some(target),
            // Native watching can fail per watch (inotify's watch limit): poll instead.
            Err(error) => self.start_polling(format!("cannot watch {}: {error}", target.display())),
        }
    }

    fn native_watcher(&self) -> Result<Box<dyn Watcher + Send>, String> {
        if self.force_polling {
            return Err("polling was asked for".into());
        }
        notify::recommended_watcher(self.sender.clone())
            .map(|w| Box::new(w) as Box<dyn Watcher + Send>)
            .map_err(|e| e.to_string())
    }

    /// Switches to polling: the thread itself looks at every file each [`POLL_INTERVAL`].
    ///
    /// notify's `PollWatcher` compares modification times in whole seconds, so it misses an
    /// append in the same second as the previous one; a stat of each file (size and inode) does not.
    fn start_polling(&mut self, reason: String) {
        self.watcher = None;
        self.watched = None;
        if !self.polling {
            self.polling = true;
            (self.listener)(StoreEvent::WatchFallback { reason });
        }
    }

    /// Loads every file, newest first, reporting progress after each.
    fn initial_load(&mut self, shared: &Shared) {
        let listing = match daily_files(&self.dir) {
            Ok(listing) => listing,
            Err(error) => {
                (self.listener)(StoreEvent::cannot_read(&self.dir, error));
                Listing::default()
            }
        };
        let mut files = listing.files;
        files.reverse();
        let mut progress = LoadProgress {
            files_total: files.len(),
            bytes_total: files.iter().map(|(_, size)| size).sum(),
            ..LoadProgress::default()
        };
        // One pipeline over every file (newest first) keeps both cores busy across file ends;
        // each file joins the index, and is reported, as soon as its last range is read.
        let mut plans = Vec::new();
        let mut known = Vec::new();
        for (path, _) in &files {
            let (Some(name), Ok(meta)) = (path.file_name().and_then(|n| n.to_str()), std::fs::metadata(path)) else {
                continue;
            };
            let id = shared.write().file_id(path);
            known.push((name.to_owned(), id, (meta.dev(), meta.ino())));
            let to = meta.len();
            plans.push(FilePlan { path: path.clone(), from: 0, to, first_line: 1, skip_leading_newline: false });
        }
        let fresh: RefCell<Vec<Vec<u32>>> = RefCell::new(vec![Vec::new(); plans.len()]);
        read_files(
            &plans,
            reader_threads(),
            |file, batch, first_line| {
                let added = shared.write().add_batch(known[file].1, &batch, first_line);
                fresh.borrow_mut()[file].extend(added);
            },
            |file, result| {
                let (name, id, inode) = &known[file];
                let added = std::mem::take(&mut fresh.borrow_mut()[file]);
                shared.write().insert_in_order(added);
                match result {
                    Ok(end) => {
                        self.note_tail(shared, *id, unfinished_tail(&end, plans[file].to));
                        self.files.insert(name.clone(), FileState { id: *id, inode: *inode, end });
                    }
                    Err(error) => {
                        // What was read of it goes too: the next look reads it whole again.
                        let mut index = shared.write();
                        index.remove_file(*id);
                        index.set_file_note(*id, Some((0, unreadable_reason(&error))));
                        drop(index);
                        self.tails.remove(id);
                        (self.listener)(StoreEvent::cannot_read(&plans[file].path, error));
                    }
                }
                progress.files_done += 1;
                progress.bytes_done += plans[file].to;
                (self.listener)(StoreEvent::Progress(progress));
            },
        );
        let mut ignored = Changes::default();
        // Lines appended while loading: their events are queued, and this catches the rest.
        self.sync_all(shared, &mut ignored);
        shared.write().shrink();
        shared.loading.store(false, Ordering::Release);
        let (records, bad_lines) = {
            let index = shared.read();
            (index.len(), index.bad_count())
        };
        (self.listener)(StoreEvent::Loaded { records, bad_lines });
    }

    fn sync_all(&mut self, shared: &Shared, changes: &mut Changes) {
        let listed = match daily_files(&self.dir) {
            Ok(listed) => listed,
            Err(error) => {
                (self.listener)(StoreEvent::cannot_read(&self.dir, error));
                return;
            }
        };
        // Unreadable entries are looked at too (each is reported), and so is every file with a
        // note, so that a note goes when its file does.
        let present: HashSet<String> = listed
            .files
            .iter()
            .map(|(p, _)| p)
            .chain(listed.unreadable.iter().map(|(p, _)| p))
            .filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_owned))
            .collect();
        let noted = shared.read().noted_files();
        let gone: Vec<String> = self
            .files
            .keys()
            .chain(&noted)
            .filter(|n| !present.contains(*n))
            .cloned()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        for name in gone.iter().chain(present.iter()) {
            self.sync_file(shared, name, changes);
        }
    }

    /// Reads one file to its end, re-reading it when it shrank or was replaced, dropping it when gone.
    fn sync_file(&mut self, shared: &Shared, name: &str, changes: &mut Changes) {
        let path = self.dir.join(name);
        let (meta, note) = match look_at(&path) {
            DailyEntry::File(meta) => (Some(meta), None),
            DailyEntry::Missing => (None, None),
            DailyEntry::Unreadable(reason) => (None, Some((0, reason))),
        };
        let Some(meta) = meta else {
            let mut index = shared.write();
            if let Some(state) = self.files.remove(name) {
                index.remove_file(state.id);
                self.tails.remove(&state.id);
                changes.reset = true;
            }
            match (note, index.known_file(name)) {
                (Some(note), _) => {
                    let id = index.file_id(&path);
                    index.set_file_note(id, Some(note));
                }
                (None, Some(id)) => index.set_file_note(id, None),
                (None, None) => {}
            }
            return;
        };
        let inode = (meta.dev(), meta.ino());
        let size = meta.len();
        let start = match self.files.get(name) {
            Some(state) if state.inode == inode && size >= state.end.offset && still_appending(&path, &state.end) => {
                if size == state.end.offset {
                    return;
                }
                state.end
            }
            Some(state) => {
                shared.write().remove_file(state.id);
                changes.reset = true;
                FileEnd { offset: 0, next_line: 1, took_unterminated: false }
            }
            None => FileEnd { offset: 0, next_line: 1, took_unterminated: false },
        };
        let id = shared.write().file_id(&path);
        let plan = FilePlan {
            path: path.clone(),
            from: start.offset,
            to: size,
            first_line: start.next_line,
            skip_leading_newline: start.took_unterminated,
        };
        let threads = if size - start.offset > PARALLEL_APPEND { reader_threads() } else { 1 };
        let mut fresh = Vec::new();
        let mut end = None;
        read_files(
            std::slice::from_ref(&plan),
            threads,
            |_, batch, first_line| fresh.extend(shared.write().add_batch(id, &batch, first_line)),
            |_, result| end = Some(result),
        );
        let mut index = shared.write();
        index.insert_in_order(fresh.clone());
        changes.appended.extend(fresh.into_iter().map(|e| index.entry_id(e)));
        drop(index);
        match end {
            Some(Ok(end)) => {
                self.note_tail(shared, id, unfinished_tail(&end, size));
                self.files.insert(name.to_owned(), FileState { id, inode, end });
            }
            Some(Err(error)) => {
                // What was read of it goes too: the next look reads it whole again.
                let mut index = shared.write();
                index.remove_file(id);
                index.set_file_note(id, Some((0, unreadable_reason(&error))));
                drop(index);
                self.tails.remove(&id);
                self.files.remove(name);
                changes.reset = true;
                (self.listener)(StoreEvent::cannot_read(&path, error));
            }
            None => {}
        }
    }
}

/// The file's metadata; `None` when it is gone or is not a file.
pub(super) fn file_meta(path: &Path) -> io::Result<Option<std::fs::Metadata>> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(Some(meta)),
        Ok(_) => Ok(None),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

/// Whether the file still ends where the last read stopped (a newline, or the taken unterminated
/// line): a file truncated and rewritten past the old size between two looks fails this.
fn still_appending(path: &Path, end: &FileEnd) -> bool {
    if end.offset == 0 || end.took_unterminated {
        return true;
    }
    let mut last = [0u8; 1];
    std::fs::File::open(path).and_then(|f| f.read_exact_at(&mut last, end.offset - 1)).is_ok() && last[0] == b'\n'
}

/// The directory as events name it: they carry absolute paths, so a relative one would never
/// match and every event would rescan everything. Made absolute once (symlinks are kept: the
/// watcher reports paths under the one it was given).
fn watched_dir(dir: &Path) -> PathBuf {
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
}

fn nearest_existing_ancestor(dir: &Path) -> PathBuf {
    let mut at = dir.parent();
    while let Some(candidate) = at {
        if candidate.is_dir() {
            return candidate.to_path_buf();
        }
        at = candidate.parent();
    }
    PathBuf::from("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relative_directory_is_watched_as_the_absolute_path_events_carry() {
        let dir = watched_dir(Path::new("logs/today"));
        assert!(dir.is_absolute());
        assert_eq!(dir, std::env::current_dir().unwrap().join("logs/today"));
        let event_path = std::env::current_dir().unwrap().join("logs/today/interactions-2026-12-01.jsonl");
        assert_eq!(event_path.parent(), Some(dir.as_path()));
    }
}
