//! Other agents' transcript trees (`--source claude-code`, `--source codex`): loaded on every core,
//! then followed live, read-only.
//!
//! Each file keeps its partitioner (a little state: the call still open, the turn's prompt) and
//! where reading stopped, so an append is read from there. The call still open at a file's end is
//! indexed as it stands and rewritten in place as its lines arrive; a file that shrank or was
//! replaced is read again from its start; a deleted one takes its records with it.

use std::collections::{HashMap, HashSet};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Weak};
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};
use rayon::prelude::*;

use super::batch::Batch;
use super::index::FileId;
use super::{EntryId, FollowOptions, LoadProgress, Shared, StoreError, StoreEvent};
use crate::source::lines::{Region, Stop};
use crate::source::{partitioner, transcript_files, Found, LineSplitter, Partition, Source, SourceKind};

pub(crate) type SharedListener = Arc<dyn Fn(StoreEvent) + Send + Sync>;

/// How long the thread waits for events between checks that the store is still in use.
const IDLE_TICK: Duration = Duration::from_millis(200);
/// How often a tree is looked at whole when it cannot be watched.
const POLL_INTERVAL: Duration = Duration::from_millis(500);
/// Files read in parallel between two progress reports.
const LOAD_GROUP: usize = 256;

/// What is known of one transcript file.
struct FileState {
    id: FileId,
    inode: (u64, u64),
    stop: Stop,
    partition: Box<dyn Partition>,
    /// The calls still open at the end (a chain's last): where each range starts, and its
    /// entry's id (found again by place should a compaction have renumbered it).
    open: Vec<(u64, EntryId)>,
}

/// A file read from `stop` to its end, not yet applied.
struct Read {
    path: PathBuf,
    inode: (u64, u64),
    region: Region,
    open: Vec<Found>,
    stop: Stop,
    partition: Box<dyn Partition>,
}

fn read(kind: SourceKind, path: &Path) -> io::Result<Read> {
    let partition = partitioner(kind, path).ok_or_else(|| io::Error::other("not a transcript kind"))?;
    let meta = std::fs::metadata(path)?;
    let inode = (meta.dev(), meta.ino());
    continue_read(path, inode, Stop::start(), partition, meta.len())
}

/// Reads a followed file on from where it stopped, with its own partitioner.
fn resume(path: &Path, state: FileState, size: u64) -> io::Result<Read> {
    continue_read(path, state.inode, state.stop, state.partition, size)
}

fn continue_read(
    path: &Path,
    inode: (u64, u64),
    stop: Stop,
    mut partition: Box<dyn Partition>,
    size: u64,
) -> io::Result<Read> {
    let (region, stop) = LineSplitter::read(path, stop, size, partition.as_mut())?;
    let open = partition.open();
    Ok(Read { path: path.to_path_buf(), inode, region, open, stop, partition })
}

/// Applies a read to the index; returns the entries added or rewritten. New entries go to
/// `unordered`, for the caller to put into the time order (once for many files while loading).
fn apply(
    shared: &Shared,
    kind: SourceKind,
    read: Read,
    previous: Option<(FileId, Vec<(u64, EntryId)>)>,
    unordered: &mut Vec<u32>,
) -> (FileState, Vec<EntryId>) {
    let mut index = shared.write();
    let (file, open_before) = match previous {
        Some((id, open)) => (id, open),
        None => (index.file_id_of(&read.path, kind), Vec::new()),
    };
    let mut fresh = Batch::default();
    let mut grown = Batch::default();
    let mut grown_entries = Vec::new();
    // Per open record: its entry when it was open before, else its place in `fresh`.
    let mut open_at = Vec::new();
    let all = read.region.closed.iter().map(|f| (f, false)).chain(read.open.iter().map(|f| (f, true)));
    for (found, is_open) in all {
        let before = open_before.iter().find(|(offset, _)| *offset == found.offset);
        match before.and_then(|&(offset, id)| index.slot(id).or_else(|| index.slot_at(file, offset))) {
            Some(entry) => {
                grown.push_found(found, found.line.saturating_sub(1));
                grown_entries.push(entry);
                if is_open {
                    open_at.push((found.offset, Err(entry)));
                }
            }
            None => {
                if is_open {
                    open_at.push((found.offset, Ok(fresh.records.len())));
                }
                fresh.push_found(found, found.line.saturating_sub(1));
            }
        }
    }
    for (line, reason) in read.region.bad {
        fresh.bad.push((line.saturating_sub(1), reason));
    }
    let mut changed = Vec::new();
    for (at, &entry) in grown_entries.iter().enumerate() {
        if index.update_entry(entry, &grown, at) && index.live_entry(index.entry_id(entry)).is_some() {
            changed.push(index.entry_id(entry));
        }
    }
    let base = index.entries.len() as u32;
    let added = index.add_batch(file, &fresh, 1);
    changed.extend(added.iter().map(|&e| index.entry_id(e)));
    unordered.extend(added);
    let open = open_at
        .into_iter()
        .map(|(offset, at)| match at {
            Ok(at) => (offset, index.entry_id(base + at as u32)),
            Err(entry) => (offset, index.entry_id(entry)),
        })
        .collect();
    (FileState { id: file, inode: read.inode, stop: read.stop, partition: read.partition, open }, changed)
}

/// Reads a whole tree once, on every core (no following).
pub(crate) fn load_tree(shared: &Shared, source: &Source) -> Result<(), StoreError> {
    let files = transcript_files(&source.root).map_err(|e| StoreError::Io { path: source.root.clone(), source: e })?;
    let mut unordered = Vec::new();
    // In groups, so that only a group's reads wait in memory to be applied.
    for group in files.chunks(LOAD_GROUP) {
        let reads: Vec<io::Result<Read>> = group.par_iter().map(|(path, _)| read(source.kind, path)).collect();
        for result in reads {
            match result {
                Ok(read) => {
                    apply(shared, source.kind, read, None, &mut unordered);
                }
                Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                Err(error) => return Err(StoreError::Io { path: source.root.clone(), source: error }),
            }
        }
    }
    let mut index = shared.write();
    index.insert_in_order(unordered);
    index.shrink();
    Ok(())
}

pub(crate) fn start(
    shared: &Arc<Shared>,
    source: Source,
    options: FollowOptions,
    listener: SharedListener,
) -> Result<(), StoreError> {
    let weak = Arc::downgrade(shared);
    let root = source.root.clone();
    std::thread::Builder::new()
        .name(format!("interlog-{}", source.kind.name()))
        .spawn(move || TreeFollower::new(weak, source, options, listener).run())
        .map(|_| ())
        .map_err(|e| StoreError::Watch { path: root, source: e })
}

struct TreeFollower {
    shared: Weak<Shared>,
    source: Source,
    listener: SharedListener,
    files: HashMap<PathBuf, FileState>,
    force_polling: bool,
}

impl TreeFollower {
    fn new(shared: Weak<Shared>, source: Source, options: FollowOptions, listener: SharedListener) -> TreeFollower {
        TreeFollower { shared, source, listener, files: HashMap::new(), force_polling: options.force_polling }
    }

    fn run(mut self) {
        let (sender, events) = mpsc::channel::<notify::Result<notify::Event>>();
        let mut watcher = None;
        let mut polling = self.force_polling;
        if !polling {
            watcher = self.watch(sender.clone());
            polling = watcher.is_none();
        }
        let Some(shared) = self.shared.upgrade() else { return };
        self.initial_load(&shared);
        drop(shared);
        loop {
            let tick = if polling { POLL_INTERVAL } else { IDLE_TICK };
            let first = match events.recv_timeout(tick) {
                Ok(event) => Some(event),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return,
            };
            let Some(shared) = self.shared.upgrade() else { return };
            if watcher.is_none() && !polling {
                watcher = self.watch(sender.clone());
            }
            let epoch = shared.read().epoch();
            let mut changed = Vec::new();
            let mut reset = false;
            match first {
                Some(first) => {
                    let mut paths = HashSet::new();
                    let mut rescan = false;
                    for event in std::iter::once(first).chain(events.try_iter()) {
                        match event {
                            Ok(event) if matches!(event.kind, EventKind::Access(_)) => {}
                            Ok(event) => {
                                rescan |= event.need_rescan();
                                for path in event.paths {
                                    if crate::source::is_transcript(&path) {
                                        paths.insert(path);
                                    } else {
                                        rescan = true;
                                    }
                                }
                            }
                            Err(_) => rescan = true,
                        }
                    }
                    if rescan {
                        self.sync_all(&shared, &mut changed, &mut reset);
                    } else {
                        for path in paths {
                            self.sync_file(&shared, &path, &mut changed, &mut reset);
                        }
                    }
                }
                // The root may appear later, or the tree cannot be watched: look at it whole.
                None if polling || watcher.is_none() => self.sync_all(&shared, &mut changed, &mut reset),
                None => continue,
            }
            // A compaction (here or in another follower's thread) renumbered every entry.
            if reset || shared.read().epoch() != epoch {
                (self.listener)(StoreEvent::Reset);
            } else if !changed.is_empty() {
                (self.listener)(StoreEvent::Appended { entries: changed });
            }
        }
    }

    fn watch(&self, sender: mpsc::Sender<notify::Result<notify::Event>>) -> Option<notify::RecommendedWatcher> {
        if !self.source.root.is_dir() {
            return None;
        }
        let mut watcher = match notify::recommended_watcher(sender) {
            Ok(watcher) => watcher,
            Err(error) => {
                (self.listener)(StoreEvent::WatchFallback { reason: error.to_string() });
                return None;
            }
        };
        match watcher.watch(&self.source.root, RecursiveMode::Recursive) {
            Ok(()) => Some(watcher),
            Err(error) => {
                (self.listener)(StoreEvent::WatchFallback {
                    reason: format!("cannot watch {}: {error}", self.source.root.display()),
                });
                None
            }
        }
    }

    /// Loads every file, most recently written first, reporting progress after each group.
    fn initial_load(&mut self, shared: &Shared) {
        let mut files = match transcript_files(&self.source.root) {
            Ok(files) => files,
            Err(error) => {
                (self.listener)(StoreEvent::cannot_read(&self.source.root, error));
                Vec::new()
            }
        };
        let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
        let mut dated: Vec<_> = files.drain(..).map(|(path, size)| (modified(&path), path, size)).collect();
        dated.sort_by_key(|d| std::cmp::Reverse(d.0));
        let mut progress = LoadProgress {
            files_total: dated.len(),
            bytes_total: dated.iter().map(|(_, _, size)| size).sum(),
            ..LoadProgress::default()
        };
        let kind = self.source.kind;
        for group in dated.chunks(LOAD_GROUP) {
            let reads: Vec<_> = group.par_iter().map(|(_, path, size)| (read(kind, path), path, *size)).collect();
            let mut unordered = Vec::new();
            for (result, path, size) in reads {
                match result {
                    Ok(read) => {
                        let path = read.path.clone();
                        let (state, _) = apply(shared, kind, read, None, &mut unordered);
                        self.files.insert(path, state);
                    }
                    Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                    Err(error) => (self.listener)(StoreEvent::cannot_read(path, error)),
                }
                progress.files_done += 1;
                progress.bytes_done += size;
            }
            shared.write().insert_in_order(unordered);
            (self.listener)(StoreEvent::Progress(progress));
        }
        let (mut changed, mut reset) = (Vec::new(), false);
        self.sync_all(shared, &mut changed, &mut reset);
        shared.write().shrink();
        shared.loaders.fetch_sub(1, Ordering::AcqRel);
        let (records, bad_lines) = {
            let index = shared.read();
            (index.len(), index.bad_count())
        };
        (self.listener)(StoreEvent::Loaded { records, bad_lines });
    }

    fn sync_all(&mut self, shared: &Shared, changed: &mut Vec<EntryId>, reset: &mut bool) {
        let listed = match transcript_files(&self.source.root) {
            Ok(listed) => listed,
            Err(error) => {
                (self.listener)(StoreEvent::cannot_read(&self.source.root, error));
                return;
            }
        };
        let present: HashSet<PathBuf> = listed.into_iter().map(|(path, _)| path).collect();
        let gone: Vec<PathBuf> = self.files.keys().filter(|p| !present.contains(*p)).cloned().collect();
        for path in gone.iter().chain(present.iter()) {
            self.sync_file(shared, path, changed, reset);
        }
    }

    /// Reads one file on from where it stopped; again from its start when it shrank or was
    /// replaced; drops it when it is gone.
    fn sync_file(&mut self, shared: &Shared, path: &Path, changed: &mut Vec<EntryId>, reset: &mut bool) {
        let meta = match super::follow::file_meta(path) {
            Ok(meta) => meta,
            Err(error) => {
                (self.listener)(StoreEvent::cannot_read(path, error));
                return;
            }
        };
        let Some(meta) = meta else {
            if let Some(state) = self.files.remove(path) {
                shared.write().remove_file(state.id);
                *reset = true;
            }
            return;
        };
        let inode = (meta.dev(), meta.ino());
        let size = meta.len();
        let (result, previous) = match self.files.remove(path) {
            Some(state) if state.inode == inode && size == state.stop.offset => {
                self.files.insert(path.to_path_buf(), state);
                return;
            }
            Some(state) if state.inode == inode && size > state.stop.offset => {
                let previous = (state.id, state.open.clone());
                (resume(path, state, size), Some(previous))
            }
            Some(state) => {
                shared.write().remove_file(state.id);
                *reset = true;
                (read(self.source.kind, path), None)
            }
            None => (read(self.source.kind, path), None),
        };
        match result {
            Ok(read) => {
                let mut unordered = Vec::new();
                let (state, added) = apply(shared, self.source.kind, read, previous, &mut unordered);
                shared.write().insert_in_order(unordered);
                changed.extend(added);
                self.files.insert(path.to_path_buf(), state);
            }
            Err(error) => {
                if let Some((id, _)) = previous {
                    // What was read of it goes too: the next look reads it whole again.
                    shared.write().remove_file(id);
                    *reset = true;
                }
                if error.kind() != io::ErrorKind::NotFound {
                    (self.listener)(StoreEvent::cannot_read(path, error));
                }
            }
        }
    }
}
