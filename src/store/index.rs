//! The in-memory index: a compact entry per record, strings in arenas, an id map, and every live
//! entry in timestamp order.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, Offset, Utc};

use super::batch::Batch;
use super::ids::{id_cow, IdMap};
use super::turns::Turns;
use super::{BadLine, EntryId, RecordSummary};
use crate::record::Timestamp;
use crate::source::SourceKind;

/// An interned string; `NONE` stands for absent (absent, `null` and `""` mean the same).
pub(crate) type Sym = u32;
pub(crate) const NONE: Sym = 0;

/// Ranks at and above this are transcripts' (other agents') files.
const FOREIGN_RANKS: u32 = 1 << 31;

/// Between the parts of a headline.
pub(crate) const HEADLINE_SEPARATOR: &str = " · ";

const ALIVE: u8 = 1;
/// Removed entries tolerated before their text is given back (and never more than live ones).
const COMPACT_AFTER: usize = 10_000;
const HAS_ERROR: u8 = 2;
const UUID_ID: u8 = 4;
/// The usage was taken from a transcript's mid-stream snapshot.
const APPROXIMATE: u8 = 8;
/// Not alive because another entry holds the same request (it may come back if that one goes).
const DUPLICATE: u8 = 16;
/// The record reports no token usage (its counts read 0 but are unknown).
const NO_USAGE: u8 = 32;

/// A file's place in [`Index::files`]. A type of its own because entry slots are `u32`s too, and
/// the two used to pass for each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct FileId(u32);

impl FileId {
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

/// One record in the index (about 100 bytes; the bodies stay in the file).
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    /// The instant, exact over chrono's whole range: seconds and nanoseconds since the epoch.
    pub secs: i64,
    pub subsec_nanos: u32,
    pub offset: u64,
    /// Where `id`, `first_line` and the tool names start, one after the other, in `Index::text`.
    text_at: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub len: u32,
    pub line: u32,
    pub file: FileId,
    pub session: Sym,
    pub project: Sym,
    pub client: Sym,
    pub model: Sym,
    pub stop_reason: Sym,
    /// `u32::MAX`: absent.
    duration_ms: u32,
    tool_calls: u16,
    id_len: u32,
    tags_at: u32,
    first_len: u16,
    tools_len: u16,
    tags_len: u16,
    offset_minutes: i16,
    flags: u8,
}

impl Entry {
    pub fn is_alive(&self) -> bool {
        self.flags & ALIVE != 0
    }

    pub fn has_error(&self) -> bool {
        self.flags & HAS_ERROR != 0
    }

    /// The order of instants.
    pub fn instant(&self) -> (i64, u32) {
        (self.secs, self.subsec_nanos)
    }

    pub fn is_approximate(&self) -> bool {
        self.flags & APPROXIMATE != 0
    }

    pub fn has_usage(&self) -> bool {
        self.flags & NO_USAGE == 0
    }

    pub fn timestamp(&self) -> Timestamp {
        let utc = DateTime::from_timestamp(self.secs, self.subsec_nanos).unwrap_or_default();
        let offset = FixedOffset::east_opt(i32::from(self.offset_minutes) * 60).unwrap_or_else(|| Utc.fix());
        Timestamp::from(utc.with_timezone(&offset))
    }
}

/// Strings that repeat across records (sessions, projects, clients, models, stop reasons, tags).
#[derive(Default)]
pub(crate) struct Interner {
    names: Vec<Box<str>>,
    syms: HashMap<Box<str>, Sym, BuildHasherDefault<Fnv>>,
}

/// FNV-1a: names are short, and SipHash's strength buys nothing here.
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

impl Interner {
    fn new() -> Self {
        Interner { names: vec!["".into()], syms: HashMap::default() }
    }

    /// Interns `text`, trying `hint` (the same field's previous name: neighbouring records
    /// mostly repeat it) before the table, and leaving the result there.
    pub fn intern_near(&mut self, text: &str, hint: &mut Sym) -> Sym {
        if *self.names[*hint as usize] != *text {
            *hint = self.intern(text);
        }
        *hint
    }

    pub fn intern(&mut self, text: &str) -> Sym {
        if text.is_empty() {
            return NONE;
        }
        if let Some(&sym) = self.syms.get(text) {
            return sym;
        }
        let sym = self.names.len() as Sym;
        self.names.push(text.into());
        self.syms.insert(text.into(), sym);
        sym
    }

    /// Keeps the names `used` marks (`NONE` always), renumbered in their order; returns each
    /// old name's new symbol.
    fn keep(&mut self, used: &[bool]) -> Vec<Sym> {
        let mut moved = vec![NONE; self.names.len()];
        let old = std::mem::replace(self, Interner::new());
        for (sym, name) in old.names.into_iter().enumerate().skip(1) {
            if used.get(sym).copied().unwrap_or(false) {
                moved[sym] = self.intern(&name);
            }
        }
        moved
    }

    pub fn get(&self, text: &str) -> Option<Sym> {
        if text.is_empty() {
            return Some(NONE);
        }
        self.syms.get(text).copied()
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn name(&self, sym: Sym) -> &str {
        self.names.get(sym as usize).map(|s| &**s).unwrap_or_default()
    }

    pub fn optional(&self, sym: Sym) -> Option<String> {
        (sym != NONE).then(|| self.name(sym).to_owned())
    }
}

/// A daily file the index holds records of.
pub(crate) struct FileSlot {
    pub name: String,
    pub path: PathBuf,
    /// Position in file name order (so, by day); transcripts of other agents come after the log
    /// directory's files, in the order they were first seen.
    rank: u32,
    pub kind: SourceKind,
}

struct StoredBadLine {
    file: FileId,
    line: u64,
    reason: String,
}

#[derive(Default)]
pub(crate) struct Index {
    pub files: Vec<FileSlot>,
    pub entries: Vec<Entry>,
    text: String,
    pub names: Interner,
    tag_lists: Vec<Sym>,
    ids: IdMap,
    /// Per entry: its id's 128 bits when it is a canonical UUID (then not in `text`).
    uuids: Vec<u128>,
    /// Live entries, oldest first.
    pub order: Vec<u32>,
    /// Per interned name: the live entries carrying it as session, project, client, model or
    /// tag, oldest first (a filter on a name walks only these).
    by_name: Vec<Vec<u32>>,
    /// The live entries with an `error`, oldest first.
    errors: Vec<u32>,
    bad: Vec<StoredBadLine>,
    /// Entries removed since the text arena was last compacted (their text is still in it).
    dead_with_text: usize,
    /// Per file at most one, replaced at each look at the file: its last line is unfinished
    /// (a line number), or the whole file cannot be read (line 0).
    notes: Vec<StoredBadLine>,
    /// Files by path (transcript trees hold thousands).
    by_path: HashMap<PathBuf, FileId>,
    /// Per entry: the hash of its request id (0: none), and the entries sharing each hash, so a
    /// call captured twice (by the proxy and in a transcript, or copied into a resumed session)
    /// shows once.
    request_keys: Vec<u64>,
    requests: HashMap<u64, Vec<u32>, BuildHasherDefault<Fnv>>,
    live: usize,
    /// Removed entries whose slots are not yet freed.
    dead_slots: usize,
    /// Entries handed out by `add_batch` and not yet given back to `insert_in_order`: while
    /// any are, slots must not move.
    unplaced: usize,
    /// The public id of slot 0. Compaction moves the live entries to fresh ids above every id
    /// handed out before, so an old id resolves to nothing instead of to another record.
    base: u32,
    /// Counts compactions: a follower that sees it change announces a reset.
    epoch: u64,
    /// Counts changes, so that derived results (the last fuzzy matches) know when they are stale.
    generation: u64,
    /// Per entry: its request's shape and its turn (store/turns.rs).
    pub(crate) turns: Turns,
    /// The titles transcripts give their sessions, by session id (store/sessions.rs).
    pub(crate) titles: HashMap<String, String>,
}

impl Index {
    pub fn new() -> Self {
        Index { names: Interner::new(), ..Index::default() }
    }

    pub fn len(&self) -> usize {
        self.live
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// How many compactions renumbered the entries.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Entry slots held: live, hidden duplicates and removed ones not yet freed.
    pub fn slots(&self) -> usize {
        self.entries.len()
    }

    /// The public id of a slot.
    pub fn entry_id(&self, slot: u32) -> EntryId {
        EntryId(self.base.saturating_add(slot))
    }

    /// The slot of a public id; `None` for an id from before a compaction (or never issued).
    pub fn slot(&self, entry: EntryId) -> Option<u32> {
        entry.0.checked_sub(self.base).filter(|&slot| (slot as usize) < self.entries.len())
    }

    /// The slot of the entry of `file` whose record starts at `offset` (alive or hidden), for
    /// holders whose id went stale in a compaction. A scan: compactions are rare.
    pub fn slot_at(&self, file: FileId, offset: u64) -> Option<u32> {
        self.entries
            .iter()
            .position(|e| e.file == file && e.offset == offset && e.flags & (ALIVE | DUPLICATE) != 0)
            .map(|at| at as u32)
    }

    /// The file's slot, added (in name order) when new.
    pub fn file_id(&mut self, path: &Path) -> FileId {
        self.file_id_of(path, SourceKind::Interlog)
    }

    /// The slot of a file of `kind`, added when new.
    pub fn file_id_of(&mut self, path: &Path, kind: SourceKind) -> FileId {
        if let Some(&found) = self.by_path.get(path) {
            return found;
        }
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let id = FileId(self.files.len() as u32);
        let rank = if kind.is_foreign() { FOREIGN_RANKS + id.0 } else { 0 };
        self.files.push(FileSlot { name, path: path.to_path_buf(), rank, kind });
        self.by_path.insert(path.to_path_buf(), id);
        if !kind.is_foreign() {
            let mut by_name: Vec<usize> = (0..self.files.len()).filter(|&f| !self.files[f].kind.is_foreign()).collect();
            by_name.sort_by(|&a, &b| self.files[a].name.cmp(&self.files[b].name));
            for (rank, file) in by_name.into_iter().enumerate() {
                self.files[file].rank = rank as u32;
            }
        }
        id
    }

    pub fn file_kind(&self, file: FileId) -> SourceKind {
        self.files.get(file.index()).map_or(SourceKind::Interlog, |f| f.kind)
    }

    /// The order key: instant, then file name order, then line.
    pub fn compare(&self, a: u32, b: u32) -> Ordering {
        let (x, y) = (&self.entries[a as usize], &self.entries[b as usize]);
        x.instant()
            .cmp(&y.instant())
            .then_with(|| self.files[x.file.index()].rank.cmp(&self.files[y.file.index()].rank))
            .then_with(|| x.line.cmp(&y.line))
    }

    /// Adds a batch's records and bad lines; `first_line` is the 1-based number of the batch's
    /// first line. Returns the new entries (not yet in `order`: see [`Index::insert_in_order`]).
    pub fn add_batch(&mut self, file: FileId, batch: &Batch, first_line: u64) -> Vec<u32> {
        self.generation += 1;
        let mut added = Vec::with_capacity(batch.records.len());
        let mut killed = Vec::new();
        let mut hints = [NONE; 5];
        for raw in &batch.records {
            let text_at = self.text.len() as u64;
            let id = batch.span(raw.id);
            let uuid = raw.uuid;
            if uuid.is_none() {
                self.text.push_str(id);
            }
            let first = batch.span(raw.first_line);
            self.text.push_str(first);
            let tools = batch.span(raw.tool_names);
            self.text.push_str(tools);
            let tags_at = self.tag_lists.len() as u32;
            for tag in &batch.tags[raw.tags.0 as usize..(raw.tags.0 + raw.tags.1) as usize] {
                let sym = self.names.intern(batch.span(*tag));
                self.tag_lists.push(sym);
            }
            let entry = Entry {
                secs: raw.instant.0,
                subsec_nanos: raw.instant.1,
                offset: raw.offset,
                text_at,
                input_tokens: raw.input_tokens,
                output_tokens: raw.output_tokens,
                len: raw.len,
                line: (first_line + raw.line_in_batch).min(u64::from(u32::MAX)) as u32,
                file,
                session: self.names.intern_near(batch.span(raw.session), &mut hints[0]),
                project: self.names.intern_near(batch.span(raw.project), &mut hints[1]),
                client: self.names.intern_near(batch.span(raw.client), &mut hints[2]),
                model: self.names.intern_near(batch.span(raw.model), &mut hints[3]),
                stop_reason: self.names.intern_near(batch.span(raw.stop_reason), &mut hints[4]),
                duration_ms: raw.duration_ms.map(|d| d.min(u64::from(u32::MAX - 1)) as u32).unwrap_or(u32::MAX),
                tool_calls: raw.tool_calls.min(u32::from(u16::MAX)) as u16,
                id_len: if uuid.is_some() { 0 } else { id.len() as u32 },
                tags_at,
                first_len: first.len() as u16,
                tools_len: tools.len() as u16,
                tags_len: raw.tags.1.min(u32::from(u16::MAX)) as u16,
                offset_minutes: raw.offset_minutes,
                flags: ALIVE | if raw.has_error { HAS_ERROR } else { 0 } | if uuid.is_some() { UUID_ID } else { 0 },
            };
            let entry_id = self.entries.len() as u32;
            self.entries.push(entry);
            self.uuids.push(uuid.unwrap_or(0));
            self.ids.push(raw.id_hash, entry_id);
            self.request_keys.push(raw.request_hash);
            self.turns.push(raw, batch.marks_of(raw));
            let session = self.entries[entry_id as usize].session;
            self.note_title(session, batch.span(raw.title));
            if raw.approximate {
                self.entries[entry_id as usize].flags |= APPROXIMATE;
            }
            if !raw.has_usage {
                self.entries[entry_id as usize].flags |= NO_USAGE;
            }
            if self.claim_request(entry_id, &mut killed) {
                added.push(entry_id);
            }
        }
        self.live += added.len();
        self.live -= killed.len();
        self.unplaced += added.len();
        if !killed.is_empty() {
            self.drop_from_order(&killed);
        }
        for (line_in_batch, reason) in &batch.bad {
            self.bad.push(StoredBadLine { file, line: first_line + line_in_batch, reason: reason.clone() });
        }
        added
    }

    /// Gives back the slack of vectors grown during a load.
    pub fn shrink(&mut self) {
        self.entries.shrink_to_fit();
        self.uuids.shrink_to_fit();
        self.text.shrink_to_fit();
        self.order.shrink_to_fit();
        for list in &mut self.by_name {
            list.shrink_to_fit();
        }
    }

    /// Whether a new entry may show: the first entry of a request shows, except that one from
    /// the log directory (exact) replaces one converted from a transcript. A replaced entry is
    /// pushed to `killed`; a refused one is marked a duplicate.
    fn claim_request(&mut self, entry: u32, killed: &mut Vec<u32>) -> bool {
        let key = self.request_keys[entry as usize];
        if key == 0 {
            return true;
        }
        let exact = !self.file_kind(self.entries[entry as usize].file).is_foreign();
        let holders = self.requests.entry(key).or_default();
        let holder = holders.iter().copied().find(|&e| self.entries[e as usize].is_alive());
        holders.push(entry);
        let Some(holder) = holder else { return true };
        let holder_exact = !self.file_kind(self.entries[holder as usize].file).is_foreign();
        if exact && !holder_exact {
            let e = &mut self.entries[holder as usize];
            e.flags = (e.flags & !ALIVE) | DUPLICATE;
            killed.push(holder);
            true
        } else {
            let e = &mut self.entries[entry as usize];
            e.flags = (e.flags & !ALIVE) | DUPLICATE;
            false
        }
    }

    /// Takes entries that stopped being alive out of the order and posting lists.
    fn drop_from_order(&mut self, gone: &[u32]) {
        let gone: std::collections::HashSet<u32> = gone.iter().copied().collect();
        let before = self.order.len();
        self.order.retain(|e| !gone.contains(e));
        if self.order.len() != before {
            self.rebuild_postings();
        }
    }

    /// After entries were removed: duplicates they were hiding show again. Returns them (not
    /// yet in order).
    fn revive_duplicates(&mut self, removed: &[u32]) -> Vec<u32> {
        let mut revived = Vec::new();
        for &entry in removed {
            let key = self.request_keys[entry as usize];
            let Some(holders) = self.requests.get_mut(&key).filter(|_| key != 0) else { continue };
            holders.retain(|&e| e != entry);
            if holders.iter().any(|&e| self.entries[e as usize].is_alive()) {
                continue;
            }
            let next = holders.iter().copied().find(|&e| self.entries[e as usize].flags & DUPLICATE != 0);
            if let Some(next) = next {
                let e = &mut self.entries[next as usize];
                e.flags = (e.flags & !DUPLICATE) | ALIVE;
                revived.push(next);
            }
        }
        self.live += revived.len();
        revived
    }

    /// Rewrites a record that grew (a transcript's last call, as more of its lines arrive); it
    /// keeps its id, time and place in the order.
    pub fn update_entry(&mut self, entry: u32, batch: &Batch, at: usize) -> bool {
        let Some(raw) = batch.records.get(at) else { return false };
        if self.entries.get(entry as usize).is_none() {
            return false;
        }
        self.generation += 1;
        let text_at = self.text.len() as u64;
        let id = self.id_of(entry).into_owned();
        let uuid_id = self.entries[entry as usize].flags & UUID_ID != 0;
        if !uuid_id {
            self.text.push_str(&id);
        }
        let first = batch.span(raw.first_line);
        self.text.push_str(first);
        let tools = batch.span(raw.tool_names);
        self.text.push_str(tools);
        let stop_reason = self.names.intern(batch.span(raw.stop_reason));
        let e = &mut self.entries[entry as usize];
        e.text_at = text_at;
        e.first_len = first.len() as u16;
        e.tools_len = tools.len() as u16;
        e.len = raw.len;
        e.input_tokens = raw.input_tokens;
        e.output_tokens = raw.output_tokens;
        e.flags = if raw.has_usage { e.flags & !NO_USAGE } else { e.flags | NO_USAGE };
        e.tool_calls = raw.tool_calls.min(u32::from(u16::MAX)) as u16;
        e.duration_ms = raw.duration_ms.map(|d| d.min(u64::from(u32::MAX - 1)) as u32).unwrap_or(u32::MAX);
        e.stop_reason = stop_reason;
        self.turns.replace(entry, raw, batch.marks_of(raw));
        self.note_title(self.entries[entry as usize].session, batch.span(raw.title));
        true
    }

    /// Puts what [`Index::add_batch`] returned into the time order; every caller gives back all
    /// it got (slots may move once none are out).
    pub fn insert_in_order(&mut self, fresh: Vec<u32>) {
        self.unplaced = self.unplaced.saturating_sub(fresh.len());
        self.place(fresh);
        self.reclaim();
        self.derive_turns();
    }

    /// Puts new entries into the time order (they usually all land at the newest end).
    fn place(&mut self, mut fresh: Vec<u32>) {
        // An entry replaced by its request's exact copy since it was read stays out.
        fresh.retain(|&e| self.entries[e as usize].is_alive());
        self.ids.tidy();
        fresh.sort_by(|&a, &b| self.compare(a, b));
        let appends = match (self.order.last(), fresh.first()) {
            (Some(&last), Some(&first)) => self.compare(last, first) == Ordering::Less,
            _ => true,
        };
        if appends {
            for &entry in &fresh {
                self.post(entry);
            }
            self.order.extend(fresh);
            return;
        }
        let prepends = match (fresh.last(), self.order.first()) {
            (Some(&last), Some(&first)) => self.compare(last, first) == Ordering::Less,
            _ => false,
        };
        if prepends {
            self.prepend_postings(&fresh);
            fresh.extend_from_slice(&self.order);
            self.order = fresh;
            return;
        }
        let old = std::mem::take(&mut self.order);
        let mut merged = Vec::with_capacity(old.len() + fresh.len());
        let (mut i, mut j) = (0, 0);
        while i < old.len() && j < fresh.len() {
            if self.compare(old[i], fresh[j]) == Ordering::Greater {
                merged.push(fresh[j]);
                j += 1;
            } else {
                merged.push(old[i]);
                i += 1;
            }
        }
        merged.extend_from_slice(&old[i..]);
        merged.extend_from_slice(&fresh[j..]);
        self.order = merged;
        self.rebuild_postings();
    }

    /// The entries carrying `sym` as a session, project, client, model or tag, oldest first.
    pub fn postings(&self, sym: Sym) -> &[u32] {
        self.by_name.get(sym as usize).map(Vec::as_slice).unwrap_or_default()
    }

    pub fn errors(&self) -> &[u32] {
        &self.errors
    }

    fn post(&mut self, entry: u32) {
        let e = &self.entries[entry as usize];
        if e.has_error() {
            self.errors.push(entry);
        }
        let mut syms = [e.session, e.project, e.client, e.model];
        syms.sort_unstable();
        let tags_at = e.tags_at as usize;
        let tags_len = usize::from(e.tags_len);
        if self.by_name.len() < self.names.len() {
            self.by_name.resize_with(self.names.len(), Vec::new);
        }
        let mut previous = NONE;
        for sym in syms.into_iter().chain(self.tag_lists[tags_at..tags_at + tags_len].iter().copied()) {
            if sym != NONE && sym != previous && self.by_name[sym as usize].last() != Some(&entry) {
                self.by_name[sym as usize].push(entry);
            }
            previous = sym;
        }
    }

    /// Posting lists when `fresh` (in order) all come before every indexed entry, as when
    /// following loads the newest file first: the new lists, then the old ones copied after.
    fn prepend_postings(&mut self, fresh: &[u32]) {
        let old_lists = std::mem::take(&mut self.by_name);
        let old_errors = std::mem::take(&mut self.errors);
        for &entry in fresh {
            self.post(entry);
        }
        if self.by_name.len() < old_lists.len() {
            self.by_name.resize_with(old_lists.len(), Vec::new);
        }
        for (list, old) in self.by_name.iter_mut().zip(old_lists) {
            list.extend_from_slice(&old);
        }
        self.errors.extend_from_slice(&old_errors);
    }

    fn rebuild_postings(&mut self) {
        for list in &mut self.by_name {
            list.clear();
        }
        self.errors.clear();
        for at in 0..self.order.len() {
            self.post(self.order[at]);
        }
    }

    /// Drops every record and bad line of `file` (it was truncated, replaced or deleted).
    pub fn remove_file(&mut self, file: FileId) {
        self.generation += 1;
        let mut removed = Vec::new();
        let mut was_alive = 0;
        for (at, entry) in self.entries.iter_mut().enumerate().filter(|(_, e)| e.file == file) {
            if entry.is_alive() {
                was_alive += 1;
            }
            if entry.is_alive() || entry.flags & DUPLICATE != 0 {
                entry.flags &= !(ALIVE | DUPLICATE);
                removed.push(at as u32);
            }
        }
        for &at in &removed {
            self.turns.touch(at);
        }
        self.bad.retain(|bad| bad.file != file);
        self.notes.retain(|bad| bad.file != file);
        if removed.is_empty() {
            return;
        }
        self.live -= was_alive;
        let entries = &self.entries;
        self.order.retain(|&e| entries[e as usize].is_alive());
        self.rebuild_postings();
        let revived = self.revive_duplicates(&removed);
        let entries = &self.entries;
        self.ids.retain(|e| entries[e as usize].is_alive() || entries[e as usize].flags & DUPLICATE != 0);
        if !revived.is_empty() {
            for &at in &revived {
                self.turns.touch(at);
            }
            self.place(revived);
        }
        self.dead_with_text += removed.len();
        self.dead_slots += removed.len();
        self.reclaim();
        self.derive_turns();
    }

    /// Once removed entries outnumber `COMPACT_AFTER` and the live ones, frees them: their
    /// slots too when no slot is out with a caller and fresh ids remain, else their text.
    fn reclaim(&mut self) {
        let due = |dead: usize| dead > COMPACT_AFTER.max(self.live);
        let ids_left = u64::from(self.base) + 2 * self.entries.len() as u64 <= u64::from(u32::MAX / 2);
        if due(self.dead_slots) && self.unplaced == 0 && ids_left {
            self.compact();
        } else if due(self.dead_with_text) {
            self.compact_text();
        }
    }

    /// Moves live entries and hidden duplicates to the front, under fresh ids, and drops the
    /// rest; everything holding slots is renumbered.
    fn compact(&mut self) {
        self.compact_text();
        let mut moved = vec![u32::MAX; self.entries.len()];
        let mut kept = 0;
        for (at, e) in self.entries.iter().enumerate() {
            if e.flags & (ALIVE | DUPLICATE) != 0 {
                moved[at] = kept;
                kept += 1;
            }
        }
        keep_moved(&mut self.entries, &moved);
        keep_moved(&mut self.uuids, &moved);
        keep_moved(&mut self.request_keys, &moved);
        self.turns.compact(|at| moved[at] != u32::MAX, Some(&moved));
        for entry in &mut self.order {
            *entry = moved[*entry as usize];
        }
        self.requests.retain(|_, holders| {
            holders.retain(|&e| moved[e as usize] != u32::MAX);
            for e in holders.iter_mut() {
                *e = moved[*e as usize];
            }
            !holders.is_empty()
        });
        self.ids.renumber(&moved);
        self.compact_names();
        self.rebuild_postings();
        self.base += moved.len() as u32;
        self.dead_slots = 0;
        self.epoch += 1;
        self.generation += 1;
    }

    /// Gives back the text and tag lists of removed entries (a file rewritten again and again
    /// would otherwise grow the index for good). Entry slots stay, so ids stay stable; a removed
    /// entry's texts read as empty from then on. Hidden duplicates keep theirs: they may show again.
    fn compact_text(&mut self) {
        let Index { entries, text, tag_lists, .. } = self;
        let mut kept_text = String::new();
        let mut kept_tags = Vec::new();
        for e in entries.iter_mut() {
            if e.is_alive() || e.flags & DUPLICATE != 0 {
                let len = e.id_len as usize + usize::from(e.first_len) + usize::from(e.tools_len);
                let at = e.text_at as usize;
                let new_at = kept_text.len() as u64;
                kept_text.push_str(text.get(at..at + len).unwrap_or_default());
                e.text_at = new_at;
                let tags = e.tags_at as usize..e.tags_at as usize + usize::from(e.tags_len);
                let new_tags = kept_tags.len() as u32;
                kept_tags.extend_from_slice(tag_lists.get(tags).unwrap_or_default());
                e.tags_at = new_tags;
            } else {
                (e.text_at, e.id_len, e.first_len, e.tools_len, e.tags_at, e.tags_len) = (0, 0, 0, 0, 0, 0);
            }
        }
        *text = kept_text;
        *tag_lists = kept_tags;
        self.dead_with_text = 0;
        let entries = &self.entries;
        self.turns.compact(|at| entries[at].is_alive() || entries[at].flags & DUPLICATE != 0, None);
    }

    /// Drops the names no kept entry carries (a file rewritten with new sessions or tags each
    /// time would otherwise grow the interner and the posting lists), once they are the most.
    fn compact_names(&mut self) {
        let mut used = vec![false; self.names.len()];
        for e in &self.entries {
            for sym in [e.session, e.project, e.client, e.model, e.stop_reason] {
                used[sym as usize] = true;
            }
        }
        for &tag in &self.tag_lists {
            used[tag as usize] = true;
        }
        if used.iter().filter(|&&u| u).count() * 2 > used.len() {
            return;
        }
        let moved = self.names.keep(&used);
        for e in &mut self.entries {
            for sym in [&mut e.session, &mut e.project, &mut e.client, &mut e.model, &mut e.stop_reason] {
                *sym = moved[*sym as usize];
            }
        }
        for tag in &mut self.tag_lists {
            *tag = moved[*tag as usize];
        }
        self.by_name = Vec::new();
    }

    pub fn id_of(&self, entry: u32) -> Cow<'_, str> {
        let e = &self.entries[entry as usize];
        let uuid = (e.flags & UUID_ID != 0).then(|| self.uuids[entry as usize]);
        id_cow(self.text_str(e.text_at, e.id_len as usize), uuid)
    }

    pub fn first_line_of(&self, entry: u32) -> &str {
        let e = &self.entries[entry as usize];
        self.text_str(e.text_at + u64::from(e.id_len), usize::from(e.first_len))
    }

    pub fn tool_names_of(&self, entry: u32) -> &str {
        let e = &self.entries[entry as usize];
        self.text_str(e.text_at + u64::from(e.id_len) + u64::from(e.first_len), usize::from(e.tools_len))
    }

    fn text_str(&self, at: u64, len: usize) -> &str {
        let at = at as usize;
        self.text.get(at..at + len).unwrap_or_default()
    }

    pub fn tags_of(&self, entry: u32) -> &[Sym] {
        let e = &self.entries[entry as usize];
        &self.tag_lists[e.tags_at as usize..e.tags_at as usize + usize::from(e.tags_len)]
    }

    /// The entry with this id; should an id repeat, the newest in the store's order (instant,
    /// then file, then line), the same whichever order the files were loaded in.
    pub fn find_id(&self, id: &str) -> Option<u32> {
        self.ids
            .candidates(id)
            .filter(|&e| self.entries[e as usize].is_alive() && self.id_of(e) == id)
            .max_by(|&a, &b| self.compare(a, b))
    }

    pub fn live_entry(&self, entry: EntryId) -> Option<&Entry> {
        self.entries.get(self.slot(entry)? as usize).filter(|e| e.is_alive())
    }

    /// The pieces of the headline: first line, session, project, client, model, tool names
    /// (empty when absent).
    pub fn headline_parts(&self, entry: u32) -> [&str; 6] {
        let e = &self.entries[entry as usize];
        let name = |sym: Sym| if sym == NONE { "" } else { self.names.name(sym) };
        [
            self.first_line_of(entry),
            name(e.session),
            name(e.project),
            name(e.client),
            name(e.model),
            self.tool_names_of(entry),
        ]
    }

    /// The headline fuzzy search ranks: its non-empty parts joined by " · ".
    pub fn write_headline(&self, entry: u32, out: &mut String) {
        out.clear();
        for part in self.headline_parts(entry).into_iter().filter(|p| !p.is_empty()) {
            if !out.is_empty() {
                out.push_str(HEADLINE_SEPARATOR);
            }
            out.push_str(part);
        }
    }

    pub fn summary(&self, entry: EntryId) -> Option<RecordSummary> {
        let e = self.live_entry(entry)?;
        let slot = self.slot(entry)?;
        let mut headline = String::new();
        self.write_headline(slot, &mut headline);
        Some(RecordSummary {
            entry,
            id: self.id_of(slot).into_owned(),
            timestamp: e.timestamp(),
            session_id: self.names.optional(e.session),
            project: self.names.optional(e.project),
            client: self.names.optional(e.client),
            model: self.names.optional(e.model),
            input_tokens: e.input_tokens,
            output_tokens: e.output_tokens,
            usage_approximate: e.is_approximate(),
            has_usage: e.has_usage(),
            duration_ms: (e.duration_ms != u32::MAX).then_some(u64::from(e.duration_ms)),
            tool_calls: u32::from(e.tool_calls),
            has_error: e.has_error(),
            stop_reason: self.names.optional(e.stop_reason),
            first_line: self.first_line_of(slot).to_owned(),
            headline,
            file: self.files[e.file.index()].path.clone(),
            line: u64::from(e.line),
        })
    }

    /// The record's `duration_ms`.
    pub fn duration_of(&self, slot: u32) -> Option<u64> {
        let duration = self.entries[slot as usize].duration_ms;
        (duration != u32::MAX).then_some(u64::from(duration))
    }

    /// Records (or clears) what is wrong with `file` as a whole: an unfinished last line, or
    /// (line 0) that it cannot be read.
    pub fn set_file_note(&mut self, file: FileId, note: Option<(u64, String)>) {
        self.notes.retain(|bad| bad.file != file);
        if let Some((line, reason)) = note {
            self.notes.push(StoredBadLine { file, line, reason });
        }
    }

    /// The names of the files that have a note.
    pub fn noted_files(&self) -> Vec<String> {
        self.notes.iter().map(|note| self.files[note.file.index()].name.clone()).collect()
    }

    /// The slot of a file by name, without adding one.
    pub fn known_file(&self, name: &str) -> Option<FileId> {
        self.files.iter().position(|f| f.name == name).map(|at| FileId(at as u32))
    }

    pub fn bad_lines(&self) -> Vec<BadLine> {
        let mut lines: Vec<BadLine> = self
            .bad
            .iter()
            .chain(&self.notes)
            .map(|bad| BadLine {
                file: self.files[bad.file.index()].path.clone(),
                line: bad.line,
                reason: bad.reason.clone(),
            })
            .collect();
        lines.sort_by(|a, b| a.file.cmp(&b.file).then(a.line.cmp(&b.line)));
        lines
    }

    pub fn bad_count(&self) -> usize {
        self.bad.len() + self.notes.len()
    }

    pub fn location(&self, entry: EntryId) -> Option<(PathBuf, u64, u32, u32)> {
        let e = self.live_entry(entry)?;
        Some((self.files[e.file.index()].path.clone(), e.offset, e.len, e.line))
    }
}

/// Keeps the items whose slot `moved` keeps (in order, so they land at their new slots).
fn keep_moved<T>(items: &mut Vec<T>, moved: &[u32]) {
    let mut kept = moved.iter();
    items.retain(|_| kept.next().is_some_and(|&to| to != u32::MAX));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::line_fields::parse_line;

    fn batch(lines: &[String]) -> Batch {
        let mut batch = Batch::default();
        for (n, line) in lines.iter().enumerate() {
            let parsed = parse_line(line.as_bytes()).unwrap();
            batch.push_record(&parsed, n as u64 * 1000, line.len(), n as u64);
            batch.lines += 1;
        }
        batch
    }

    #[test]
    fn a_file_rewritten_again_and_again_does_not_grow_the_text() {
        let lines = |round: usize| -> Vec<String> {
            (0..2_000)
                .map(|n| format!(r#"{{"id":"r{round}-{n}","timestamp":"2026-12-01T00:00:00Z","prompt":"prompt {n} of round {round}","tags":["t{n}"],"tool_calls":[{{"name":"read"}}]}}"#))
                .collect()
        };
        let mut index = Index::new();
        let path = Path::new("/logs/interactions-2026-12-01.jsonl");
        let file = index.file_id(path);
        let fresh = index.add_batch(file, &batch(&lines(0)), 1);
        index.insert_in_order(fresh);
        let one_round = index.text.len();
        for round in 1..40 {
            index.remove_file(file);
            let fresh = index.add_batch(file, &batch(&lines(round)), 1);
            index.insert_in_order(fresh);
        }
        assert!(index.text.len() <= one_round * 8, "{} bytes for one round of {one_round}", index.text.len());
        assert!(index.tag_lists.len() <= 2_000 * 8);
        let found = index.find_id("r39-1999").unwrap();
        assert_eq!(index.first_line_of(found), "prompt 1999 of round 39");
        assert_eq!(index.tool_names_of(found), "read");
        assert_eq!(index.names.name(index.tags_of(found)[0]), "t1999");
        assert!(index.find_id("r0-5").is_none());
    }

    fn record(id: &str, extra: &str) -> String {
        format!(r#"{{"id":"{id}","timestamp":"2026-12-01T00:00:00Z","prompt":"prompt of {id}"{extra}}}"#)
    }

    #[test]
    fn compaction_frees_slots_and_renumbers_everything_that_points_at_entries() {
        let mut index = Index::new();
        let kept = index.file_id(Path::new("/logs/interactions-2026-11-29.jsonl"));
        let hidden = index.file_id(Path::new("/logs/interactions-2026-11-30.jsonl"));
        let rewritten = index.file_id(Path::new("/logs/interactions-2026-12-01.jsonl"));
        let fresh = index.add_batch(kept, &batch(&[record("k", r#","request_id":"q","tags":["x"]"#)]), 1);
        index.insert_in_order(fresh);
        let fresh = index.add_batch(hidden, &batch(&[record("d", r#","request_id":"q","tags":["x"]"#)]), 1);
        index.insert_in_order(fresh);
        let old_k = index.entry_id(index.find_id("k").unwrap());
        let round = |n: usize| -> Vec<String> {
            (0..2_000).map(|i| record(&format!("r{n}-{i}"), &format!(r#","session_id":"s{n}-{i}""#))).collect()
        };
        for n in 0..40 {
            index.remove_file(rewritten);
            let fresh = index.add_batch(rewritten, &batch(&round(n)), 1);
            index.insert_in_order(fresh);
            assert!(index.slots() <= 2 + COMPACT_AFTER + 2 * 2_000, "{} slots", index.slots());
            assert!(index.names.len() <= 2 * (3 + COMPACT_AFTER + 2 * 2_000), "{} names", index.names.len());
        }
        assert!(index.epoch() > 0);
        assert!(index.live_entry(old_k).is_none(), "an id from before a compaction resolves to nothing");
        let k = index.find_id("k").unwrap();
        assert_eq!(index.first_line_of(k), "prompt of k");
        let x = index.names.get("x").unwrap();
        assert_eq!(index.postings(x), [k]);
        // The duplicate `k` hides was renumbered with it, and shows once `k` goes.
        index.remove_file(kept);
        let d = index.find_id("d").unwrap();
        assert_eq!(index.first_line_of(d), "prompt of d");
        assert_eq!(index.postings(x), [d]);
        assert_eq!(index.len(), 2_001);
        assert_eq!(index.order.len(), 2_001);
        let newest = index.find_id("r39-1999").unwrap();
        let summary = index.summary(index.entry_id(newest)).unwrap();
        assert_eq!((summary.id.as_str(), summary.session_id.as_deref()), ("r39-1999", Some("s39-1999")));
        let session = index.names.get("s39-1999").unwrap();
        assert_eq!(index.postings(session), [newest]);
        assert!(index.names.get("s0-5").is_none(), "a name only removed entries carried is gone");
    }

    #[test]
    fn slots_do_not_move_while_added_entries_wait_for_their_place() {
        let mut index = Index::new();
        let file = index.file_id(Path::new("/logs/interactions-2026-12-01.jsonl"));
        let other = index.file_id(Path::new("/logs/interactions-2026-12-02.jsonl"));
        let many: Vec<String> = (0..COMPACT_AFTER + 10).map(|i| record(&format!("a{i}"), "")).collect();
        let fresh = index.add_batch(file, &batch(&many), 1);
        index.insert_in_order(fresh);
        let waiting = index.add_batch(other, &batch(&[record("w", "")]), 1);
        index.remove_file(file);
        assert_eq!(index.epoch(), 0, "no compaction while entries are out");
        index.insert_in_order(waiting);
        assert_eq!(index.epoch(), 1, "compacted once they are placed");
        assert_eq!(index.slots(), 1);
        assert_eq!(index.first_line_of(index.order[0]), "prompt of w");
    }
}
