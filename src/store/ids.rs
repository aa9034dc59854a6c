//! Record ids: UUIDs kept as 16 bytes, and an id → entry lookup that is a sorted vector of
//! (hash, entry) pairs instead of a hash table (16 bytes a record instead of about 36, and
//! appending during a load is a push, not a random insert).

use std::borrow::Cow;

/// Unsorted pairs are merged into the sorted part once there are this many.
const TAIL_MAX: usize = 4096;

/// A record id as stored: a canonical UUID as its 128 bits, anything else as text elsewhere.
pub(crate) fn uuid_bits(id: &str) -> Option<u128> {
    let bytes = id.as_bytes();
    if bytes.len() != 36 {
        return None;
    }
    let mut bits = 0u128;
    for (at, &b) in bytes.iter().enumerate() {
        if matches!(at, 8 | 13 | 18 | 23) {
            if b != b'-' {
                return None;
            }
            continue;
        }
        // Lowercase only, so that the text comes back byte for byte.
        let nibble = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            _ => return None,
        };
        bits = (bits << 4) | u128::from(nibble);
    }
    Some(bits)
}

pub(crate) fn uuid_text(bits: u128) -> String {
    let hex = format!("{bits:032x}");
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// FNV-1a; ids are not chosen by an adversary who gains anything from collisions (they only
/// cost a slightly longer scan of equal hashes).
pub(crate) fn id_hash(id: &str) -> u64 {
    id_hash_of(id, uuid_bits(id))
}

/// [`id_hash`] when the id's UUID bits are already known.
pub(crate) fn id_hash_of(id: &str, uuid: Option<u128>) -> u64 {
    match uuid {
        Some(bits) => (bits as u64) ^ ((bits >> 64) as u64),
        None => id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)),
    }
}

/// Id hash → entries, for `find_id`.
#[derive(Default)]
pub(crate) struct IdMap {
    pairs: Vec<(u64, u32)>,
    sorted: usize,
}

impl IdMap {
    pub(crate) fn push(&mut self, hash: u64, entry: u32) {
        self.pairs.push((hash, entry));
    }

    /// Sorts the appended pairs in once there are many.
    pub(crate) fn tidy(&mut self) {
        if self.pairs.len() - self.sorted > TAIL_MAX {
            self.settle();
        }
    }

    /// Sorts the appended pairs in (the sorted prefix is one run, so this is a merge).
    pub(crate) fn settle(&mut self) {
        self.pairs.sort();
        self.sorted = self.pairs.len();
    }

    pub(crate) fn retain(&mut self, mut keep: impl FnMut(u32) -> bool) {
        self.pairs.retain(|&(_, entry)| keep(entry));
        self.settle();
    }

    /// After a compaction: `moved[old]` is the new slot, `u32::MAX` for one dropped.
    pub(crate) fn renumber(&mut self, moved: &[u32]) {
        self.pairs.retain(|&(_, entry)| moved.get(entry as usize).is_some_and(|&to| to != u32::MAX));
        for pair in &mut self.pairs {
            pair.1 = moved[pair.1 as usize];
        }
        self.settle();
    }

    /// Every entry whose id hashes like `id` (callers compare the ids).
    pub(crate) fn candidates(&self, id: &str) -> impl Iterator<Item = u32> + '_ {
        let hash = id_hash(id);
        let sorted = &self.pairs[..self.sorted];
        let first = sorted.partition_point(|&(h, _)| h < hash);
        let in_sorted = sorted[first..].iter().take_while(move |&&(h, _)| h == hash);
        let in_tail = self.pairs[self.sorted..].iter().filter(move |&&(h, _)| h == hash);
        in_sorted.chain(in_tail).map(|&(_, entry)| entry)
    }
}

/// An id read back: borrowed text, or a UUID formatted again.
pub(crate) fn id_cow(text: &str, bits: Option<u128>) -> Cow<'_, str> {
    match bits {
        Some(bits) => Cow::Owned(uuid_text(bits)),
        None => Cow::Borrowed(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_round_trip_and_other_ids_stay_text() {
        let id = "982897a7-8b65-46fa-998c-2f9a929f8871";
        assert_eq!(uuid_text(uuid_bits(id).unwrap()), id);
        for other in ["982897A7-8B65-46FA-998C-2F9A929F8871", "982897a7", "r1", "982897a7x8b65-46fa-998c-2f9a929f8871"]
        {
            assert_eq!(uuid_bits(other), None, "{other}");
        }
    }

    #[test]
    fn lookups_see_sorted_and_appended_pairs() {
        let mut map = IdMap::default();
        for n in 0..10_000u32 {
            map.push(id_hash(&format!("id-{n}")), n);
            if n == 5000 {
                map.tidy();
            }
        }
        assert_eq!(map.candidates("id-42").collect::<Vec<_>>(), [42]);
        assert_eq!(map.candidates("id-9999").collect::<Vec<_>>(), [9999]);
        map.retain(|e| e != 42);
        assert_eq!(map.candidates("id-42").count(), 0);
    }
}
