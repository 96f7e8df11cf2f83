//! The tag -> node index map of one tree (model §1.1 `tag_of`).
//!
//! Open addressing with linear probing in a power-of-two table, Fibonacci hashing, and
//! backward-shift deletion (no tombstones, so a long `reborrow; drop` loop never degrades
//! it). Tags are small, mostly sequential integers: multiplying by 2^64/φ and keeping the
//! top bits spreads consecutive tags evenly, so probe sequences stay short. Each lookup,
//! insertion and removal is a handful of instructions, where a general-purpose `HashMap`
//! spent a large share of a retag's budget. Key 0 marks an empty slot; the tag 0 (never
//! handed out by the runtime) is kept aside so that it still behaves like any other key.

use crate::Tag;

#[derive(Clone, Debug)]
pub(crate) struct TagMap {
    /// 0 = empty slot.
    keys: Vec<Tag>,
    vals: Vec<u32>,
    /// Entries in `keys` (the tag 0 excluded).
    len: u32,
    /// `64 - log2(keys.len())`: the hash is the top bits of the product.
    shift: u32,
    /// The value of the tag 0, if present.
    zero: Option<u32>,
}

/// The smallest table: most trees keep a handful of tags all their life (a long-lived
/// small `Vec`'s tree has three), and 4 slots hold 3 of them.
const MIN_SLOTS: usize = 4;

/// Entries a table of `slots` slots may hold: a load of at most 2/3 keeps probe sequences
/// short; the smallest table may hold 3 of 4 (probing 4 slots costs nothing) rather than
/// doubling for a tree's third tag.
#[inline(always)]
const fn capacity(slots: usize) -> usize {
    if slots <= MIN_SLOTS {
        slots - 1
    } else {
        slots * 2 / 3
    }
}

impl Default for TagMap {
    fn default() -> TagMap {
        TagMap {
            keys: vec![0; MIN_SLOTS],
            vals: vec![0; MIN_SLOTS],
            len: 0,
            shift: 64 - MIN_SLOTS.trailing_zeros(),
            zero: None,
        }
    }
}

impl TagMap {
    /// No entries, keeping the table (a recycled tree's, see `Tree::reset`).
    pub fn clear(&mut self) {
        self.keys.fill(0);
        self.len = 0;
        self.zero = None;
    }

    /// Slots of the table.
    pub fn slots(&self) -> usize {
        self.keys.len()
    }

    #[inline(always)]
    fn home(&self, tag: Tag) -> usize {
        (tag.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    #[inline(always)]
    fn mask(&self) -> usize {
        self.keys.len() - 1
    }

    /// The slot holding `tag` (not 0), if any.
    #[inline(always)]
    fn find(&self, tag: Tag) -> Option<usize> {
        let mask = self.mask();
        let mut i = self.home(tag);
        loop {
            let k = self.keys[i];
            if k == tag {
                return Some(i);
            }
            if k == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    #[inline(always)]
    pub fn get(&self, tag: Tag) -> Option<u32> {
        if tag == 0 {
            return self.zero;
        }
        self.find(tag).map(|i| self.vals[i])
    }

    #[inline(always)]
    pub fn contains(&self, tag: Tag) -> bool {
        self.get(tag).is_some()
    }

    /// Insert `tag` unless it is present; returns whether it was inserted.
    #[inline]
    pub fn insert_new(&mut self, tag: Tag, val: u32) -> bool {
        if tag == 0 {
            if self.zero.is_some() {
                return false;
            }
            self.zero = Some(val);
            return true;
        }
        if self.len as usize + 1 > capacity(self.keys.len()) {
            self.grow();
        }
        let mask = self.mask();
        let mut i = self.home(tag);
        loop {
            let k = self.keys[i];
            if k == tag {
                return false;
            }
            if k == 0 {
                self.keys[i] = tag;
                self.vals[i] = val;
                self.len += 1;
                return true;
            }
            i = (i + 1) & mask;
        }
    }

    /// Insert or overwrite.
    pub fn insert(&mut self, tag: Tag, val: u32) {
        if tag == 0 {
            self.zero = Some(val);
            return;
        }
        if self.len as usize + 1 > capacity(self.keys.len()) {
            self.grow();
        }
        let mask = self.mask();
        let mut i = self.home(tag);
        loop {
            let k = self.keys[i];
            if k == tag {
                self.vals[i] = val;
                return;
            }
            if k == 0 {
                self.keys[i] = tag;
                self.vals[i] = val;
                self.len += 1;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let slots = self.keys.len() * 2;
        let keys = std::mem::replace(&mut self.keys, vec![0; slots]);
        let vals = std::mem::replace(&mut self.vals, vec![0; slots]);
        self.shift = 64 - slots.trailing_zeros();
        self.len = 0;
        for (k, v) in keys.into_iter().zip(vals) {
            if k != 0 {
                self.insert(k, v);
            }
        }
    }

    /// Replace the contents with `entries` (`count` of them). The table keeps its size
    /// (a tree that grew this large once will likely do so again, e.g. between two GCs)
    /// unless it is more than 64 times too large.
    pub fn rebuild(&mut self, count: usize, entries: impl Iterator<Item = (Tag, u32)>) {
        let mut slots = MIN_SLOTS;
        while count > capacity(slots) {
            slots *= 2;
        }
        if slots <= self.keys.len() && self.keys.len() <= slots * 64 {
            slots = self.keys.len();
        }
        if slots == self.keys.len() {
            self.keys.fill(0);
        } else {
            self.keys = vec![0; slots];
            self.vals = vec![0; slots];
            self.shift = 64 - slots.trailing_zeros();
        }
        self.len = 0;
        self.zero = None;
        for (k, v) in entries {
            self.insert(k, v);
        }
    }

    /// Remove `tag` if present. Later entries of the probe run move back into the hole
    /// when their home slot allows it, so lookups never need tombstones.
    pub fn remove(&mut self, tag: Tag) {
        if tag == 0 {
            self.zero = None;
            return;
        }
        let Some(mut hole) = self.find(tag) else {
            return;
        };
        let mask = self.mask();
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            let k = self.keys[j];
            if k == 0 {
                break;
            }
            // `k` may fill the hole if its home is not cyclically within (hole, j].
            let home = self.home(k);
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(hole) & mask) {
                self.keys[hole] = k;
                self.vals[hole] = self.vals[j];
                hole = j;
            }
        }
        self.keys[hole] = 0;
        self.len -= 1;
    }

    pub fn len(&self) -> usize {
        self.len as usize + self.zero.is_some() as usize
    }

    pub fn keys(&self) -> impl Iterator<Item = Tag> + '_ {
        let zero = self.zero.map(|_| 0);
        self.keys.iter().copied().filter(|&k| k != 0).chain(zero)
    }

    /// Bytes per slot.
    pub const fn slot_bytes() -> usize {
        std::mem::size_of::<Tag>() + std::mem::size_of::<u32>()
    }

    /// Heap bytes used by the table.
    pub fn heap_bytes(&self) -> usize {
        self.keys.capacity() * std::mem::size_of::<Tag>()
            + self.vals.capacity() * std::mem::size_of::<u32>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Random inserts, overwrites and removals against `HashMap`, with clustered and
    /// spread keys (including 0).
    #[test]
    fn behaves_like_a_hash_map() {
        let mut rng = 0x1234_5678_9abc_def0u64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for spread in [64u64, 1 << 40] {
            let mut m = TagMap::default();
            let mut h: HashMap<Tag, u32> = HashMap::new();
            for step in 0..200_000u32 {
                let key = next() % spread;
                match next() % 3 {
                    0 | 1 if h.len() < 5_000 => {
                        m.insert(key, step);
                        h.insert(key, step);
                    }
                    _ => {
                        m.remove(key);
                        h.remove(&key);
                    }
                }
                let probe = next() % spread;
                assert_eq!(m.get(probe), h.get(&probe).copied(), "key {probe}");
            }
            assert_eq!(m.len(), h.len());
            let mut a: Vec<Tag> = m.keys().collect();
            let mut b: Vec<Tag> = h.keys().copied().collect();
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b);
            for (k, v) in &h {
                assert_eq!(m.get(*k), Some(*v));
            }
        }
    }
}
