//! Turns: which of a record's request messages re-send its session's previous turn (its
//! *history*) and which are new in it (docs/DESIGN.md, "Turns and history").
//!
//! Each entry keeps the shape of its request ([`Shape`]: a mark per message for our own records,
//! the chain's account for transcripts); a session's turns are derived from the shapes when its
//! entries change, so every reader finds them ready.

use super::batch::RawEntry;
use super::index::{Index, NONE};
use super::turn_shape::{is_assistant, Trailing};
use super::EntryId;

/// What a turn's new messages are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TurnKind {
    /// The session's first turn: nothing before it, no history.
    First,
    /// The user wrote something (or nothing says it is a tool loop).
    Prompt,
    /// Only tool results handed back: a turn of the agent's tool loop.
    ToolResults,
    /// The request shares nothing with the previous turn although it carries earlier context:
    /// the history was rewritten (compacted, summarised).
    Compacted,
}

impl TurnKind {
    pub fn name(self) -> &'static str {
        match self {
            TurnKind::First => "first",
            TurnKind::Prompt => "prompt",
            TurnKind::ToolResults => "tool_results",
            TurnKind::Compacted => "compacted",
        }
    }
}

/// One record as a turn of its session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Turn {
    /// The session's previous turn (`None`: the first known one, or no session).
    pub previous: Option<EntryId>,
    /// Leading request messages it re-sends from the previous turn's request and response.
    pub history: u32,
    /// Request messages new in this turn.
    pub new: u32,
    pub kind: TurnKind,
    /// It shares a shorter prefix than the previous turn had sent: the history was edited.
    pub edited: bool,
}

impl Turn {
    /// The first turn the store holds carries history: the turns before it are missing.
    pub fn earlier_turns_missing(&self) -> bool {
        self.previous.is_none() && self.history > 0
    }
}

/// What an entry's request looks like, for deriving its turn.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Shape {
    /// `Index::marks[marks_at..marks_at + len]`, when `chain` is `None`.
    marks_at: u64,
    /// Messages in the request.
    len: u32,
    /// Messages up to and including the last reply.
    replied: u32,
    /// A transcript's chain segment (the chain itself tells what is re-sent); `None`: our own
    /// record, compared message by message.
    segment: Option<u32>,
    trailing: u8,
    /// Prompt tokens read from and written to the cache (saturated), for stats.
    cache_read: u32,
    cache_creation: u32,
}

/// An entry's derived turn, compact.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TurnSlot {
    /// A slot; `u32::MAX`: none.
    previous: u32,
    history: u32,
    new: u32,
    kind: TurnKind,
    edited: bool,
}

impl Default for TurnSlot {
    fn default() -> Self {
        TurnSlot { previous: u32::MAX, history: 0, new: 0, kind: TurnKind::First, edited: false }
    }
}

/// Where the turn data of the index lives.
#[derive(Default)]
pub(crate) struct Turns {
    shapes: Vec<Shape>,
    marks: Vec<u32>,
    slots: Vec<TurnSlot>,
    /// Entries added, changed or removed since the last derivation.
    dirty: Vec<u32>,
}

impl Turns {
    /// Keeps a new entry's shape (its slot is the next one).
    pub fn push(&mut self, raw: &RawEntry, marks: &[u32]) {
        let marks_at = self.marks.len() as u64;
        if raw.chain.is_none() {
            self.marks.extend_from_slice(marks);
        }
        self.shapes.push(shape_of(raw, marks_at, marks.len()));
        self.slots.push(TurnSlot::default());
        self.dirty.push(self.shapes.len() as u32 - 1);
    }

    /// A grown record's new shape.
    pub fn replace(&mut self, slot: u32, raw: &RawEntry, marks: &[u32]) {
        let marks_at = self.marks.len() as u64;
        if raw.chain.is_none() {
            self.marks.extend_from_slice(marks);
        }
        if let Some(shape) = self.shapes.get_mut(slot as usize) {
            *shape = shape_of(raw, marks_at, marks.len());
            self.dirty.push(slot);
        }
    }

    pub fn touch(&mut self, slot: u32) {
        self.dirty.push(slot);
    }

    /// Prompt tokens a slot's record read from the cache and wrote to it.
    pub fn cache_tokens(&self, slot: u32) -> (u64, u64) {
        self.shapes.get(slot as usize).map_or((0, 0), |s| (u64::from(s.cache_read), u64::from(s.cache_creation)))
    }

    /// The history count of a slot (0 when unknown), for the keyword scanner.
    pub fn history(&self, slot: u32) -> u32 {
        self.slots.get(slot as usize).map_or(0, |t| t.history)
    }

    /// Keeps the data of the slots `keep` marks, giving back the marks of the others; with
    /// `moved`, the slots are renumbered as compaction moves them (and all is derived again).
    pub fn compact(&mut self, keep: impl Fn(usize) -> bool, moved: Option<&[u32]>) {
        let mut marks = Vec::new();
        for (at, shape) in self.shapes.iter_mut().enumerate() {
            if !keep(at) {
                *shape = Shape::default();
                continue;
            }
            if shape.segment.is_none() {
                let from = shape.marks_at as usize;
                let new_at = marks.len() as u64;
                marks.extend_from_slice(self.marks.get(from..from + shape.len as usize).unwrap_or_default());
                shape.marks_at = new_at;
            }
        }
        self.marks = marks;
        if let Some(moved) = moved {
            let mut kept = moved.iter();
            self.shapes.retain(|_| kept.next().is_some_and(|&to| to != u32::MAX));
            self.slots = vec![TurnSlot::default(); self.shapes.len()];
            self.dirty = (0..self.shapes.len() as u32).collect();
        }
    }

    fn marks_of(&self, shape: &Shape) -> &[u32] {
        let from = shape.marks_at as usize;
        self.marks.get(from..from + shape.len as usize).unwrap_or_default()
    }

    /// How many leading messages of `b`'s request re-send `a`'s request and response.
    fn shared(&self, a: &Shape, b: &Shape) -> u32 {
        match (a.segment, b.segment) {
            (Some(x), Some(y)) if x == y => b.replied.min(a.len + 1),
            (None, None) => {
                let (x, y) = (self.marks_of(a), self.marks_of(b));
                let common = common_prefix(x, y);
                // The previous response, re-sent as the assistant message right after its request.
                if common == x.len() && y.get(x.len()).is_some_and(|&m| is_assistant(m)) {
                    common as u32 + 1
                } else {
                    common as u32
                }
            }
            _ => 0,
        }
    }

    /// The turn of `b` following `a` (its session's previous entry, if any).
    fn derive(&self, a: Option<u32>, b: u32) -> TurnSlot {
        let shape = &self.shapes[b as usize];
        let trailing = Trailing::from_u8(shape.trailing);
        let by_trailing = if trailing == Trailing::ToolResults { TurnKind::ToolResults } else { TurnKind::Prompt };
        let Some(a) = a else {
            // Nothing to compare with: what precedes the last reply is taken for history.
            let kind = if shape.replied == 0 { TurnKind::First } else { by_trailing };
            return TurnSlot {
                previous: u32::MAX,
                history: shape.replied,
                new: shape.len - shape.replied,
                kind,
                edited: false,
            };
        };
        let before = &self.shapes[a as usize];
        let history = self.shared(before, shape).min(shape.len);
        let new = shape.len - history;
        let rewritten = match (before.segment, shape.segment) {
            (Some(x), Some(y)) => x != y,
            _ => history == 0 && before.len > 0 && shape.len > 1,
        };
        let kind = if rewritten { TurnKind::Compacted } else { by_trailing };
        let edited = !rewritten && history > 0 && history < before.len;
        TurnSlot { previous: a, history, new, kind, edited }
    }
}

fn shape_of(raw: &RawEntry, marks_at: u64, marks: usize) -> Shape {
    let (len, segment, marks_at) = match raw.chain {
        Some((len, segment)) => (len, Some(segment), 0),
        None => (marks as u32, None, marks_at),
    };
    let saturated = |tokens: u64| tokens.min(u64::from(u32::MAX)) as u32;
    Shape {
        marks_at,
        len,
        replied: raw.replied.min(len),
        segment,
        trailing: raw.trailing as u8,
        cache_read: saturated(raw.cache_read_tokens),
        cache_creation: saturated(raw.cache_creation_tokens),
    }
}

/// The length of the common prefix of two mark chains: a mark is chained over every message
/// before it, so prefixes agree up to some point and differ after it (found by bisection).
fn common_prefix(x: &[u32], y: &[u32]) -> usize {
    let (mut agree, mut differ) = (0, x.len().min(y.len()) + 1);
    while differ - agree > 1 {
        let mid = (agree + differ) / 2;
        if x[mid - 1] == y[mid - 1] {
            agree = mid;
        } else {
            differ = mid;
        }
    }
    agree
}

impl Index {
    /// Derives the turns of the sessions whose entries changed since the last call.
    pub(crate) fn derive_turns(&mut self) {
        let dirty = std::mem::take(&mut self.turns.dirty);
        if dirty.is_empty() {
            return;
        }
        let mut sessions = Vec::new();
        for slot in dirty {
            let Some(e) = self.entries.get(slot as usize) else { continue };
            if e.session != NONE {
                sessions.push(e.session);
            } else if e.is_alive() {
                self.turns.slots[slot as usize] = self.turns.derive(None, slot);
            }
        }
        sessions.sort_unstable();
        sessions.dedup();
        for session in sessions {
            let turns: Vec<u32> = self
                .postings(session)
                .iter()
                .copied()
                .filter(|&e| self.entries[e as usize].session == session)
                .collect();
            let mut previous = None;
            for slot in turns {
                self.turns.slots[slot as usize] = self.turns.derive(previous, slot);
                previous = Some(slot);
            }
        }
    }

    /// The turn of a live entry.
    pub fn turn(&self, entry: EntryId) -> Option<Turn> {
        self.live_entry(entry)?;
        let slot = self.turns.slots.get(self.slot(entry)? as usize)?;
        Some(Turn {
            previous: (slot.previous != u32::MAX).then(|| self.entry_id(slot.previous)),
            history: self.history_of(self.slot(entry)?),
            new: slot.new,
            kind: slot.kind,
            edited: slot.edited,
        })
    }

    /// Leading messages of the entry's request that are history (0 when unknown); cheap, for
    /// scanning every entry.
    pub fn history_of(&self, slot: u32) -> u32 {
        self.turns.history(slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_prefixes() {
        assert_eq!(common_prefix(&[1, 2, 3], &[1, 2, 3, 4]), 3);
        assert_eq!(common_prefix(&[1, 2, 3], &[1, 2, 4]), 2);
        assert_eq!(common_prefix(&[1, 2, 3], &[9, 9, 9]), 0);
        assert_eq!(common_prefix(&[], &[1]), 0);
        assert_eq!(common_prefix(&[1, 2], &[1, 2]), 2);
    }
}
