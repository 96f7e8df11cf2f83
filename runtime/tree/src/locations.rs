//! Run-length compressed per-location state (model §1.1 `locs`).
//!
//! The allocation's bytes are cut into chunks `[start, next start)`; all bytes of a chunk
//! share one state for every node, so uniform ranges cost O(chunks), not O(bytes). Chunks
//! are split on demand at access boundaries and merged again by the GC.
//!
//! A chunk stores only the entries it has: a node without one there is in its lazy
//! default state (`LocState::ABSENT` is "no entry"). Memory is proportional to the entries
//! present, not to chunks × nodes: a buffer whose elements each get their own short-lived
//! tags (one chunk per element, thousands of nodes) must not cost a state byte per node in
//! every chunk. Each chunk keeps a *dense prefix* indexed by node (the fast path: small
//! trees, and the low node indices every chunk shares, like the allocation root) and a
//! sorted *sparse tail* for higher indices set only here. `set` grows the dense prefix when
//! the index is close to its end, so a tree that lives in few chunks is all dense.
//!
//! The chunk also stores its part of the foreign-access skipping counts (`skipping`), in
//! the same two-level layout, as a *difference*: the count of slot `s` in chunk `c` is
//! `base[s] + delta_c[s]` (wrapping), where `base[s]` (one per slot, in [`Locations`])
//! counts the children of `s`'s node in their default states, and `delta_c[s]` corrects
//! it for the children that have an entry in `c`. A chunk where no child of `s` has an
//! entry therefore stores nothing for `s`.
//!
//! Invariants: sparse entries have indices at or above the dense prefix's length, are
//! sorted, and are never the absent / zero value; a state entry exists only where its
//! node's `span` (see `tree::Node`) says it may.
//!
//! This module knows nothing about nodes or permissions beyond storing their bytes.

use crate::perms::LocState;
use std::ops::Range;

/// A dense prefix may grow to index `i` when `i <= DENSE_GROWTH * len + DENSE_SLACK`:
/// appending nodes one by one stays dense, a lone high index goes to the sparse tail.
const DENSE_GROWTH: usize = 2;
const DENSE_SLACK: usize = 8;
/// A dense prefix may also grow over a sparse tail that is dense enough: when the bytes it
/// adds are at most this many times the bytes of the sparse entries it takes in.
const DENSE_OVER_SPARSE: usize = 1;

/// Entries of one kind (states by node index, or count deltas by slot): a dense prefix
/// and a sorted sparse tail. `V::default()` is "no entry".
#[derive(Clone, Debug, Default)]
pub(crate) struct Entries<V> {
    dense: Vec<V>,
    sparse: SparseTail<V>,
}

/// The sparse tail of [`Entries`]: boxed, so that the many chunks without one (all those
/// of small trees) pay one word for it rather than a `Vec`'s three. A chunk holds two
/// `Entries`; this keeps it at 72 bytes instead of 104.
#[derive(Clone, Debug, Default)]
#[allow(clippy::box_collection)] // the extra indirection is the point: one word, not three
struct SparseTail<V>(Option<Box<Vec<(u32, V)>>>);

impl<V> std::ops::Deref for SparseTail<V> {
    type Target = [(u32, V)];
    #[inline(always)]
    fn deref(&self) -> &[(u32, V)] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }
}

impl<V> std::ops::DerefMut for SparseTail<V> {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [(u32, V)] {
        self.0.as_deref_mut().map_or(&mut [], Vec::as_mut_slice)
    }
}

impl<V> SparseTail<V> {
    fn insert(&mut self, at: usize, e: (u32, V)) {
        crate::footprint::insert(self.0.get_or_insert_with(Box::default), at, e);
    }
    /// Removes entry `at`; the box goes with the last entry.
    fn remove(&mut self, at: usize) {
        if let Some(v) = self.0.as_deref_mut() {
            v.remove(at);
            if v.is_empty() {
                self.0 = None;
            }
        }
    }
    /// Removes and returns the first `n` entries.
    fn take_front(&mut self, n: usize) -> Vec<(u32, V)> {
        let Some(v) = self.0.as_deref_mut() else {
            return Vec::new();
        };
        let front = v.drain(..n).collect();
        if v.is_empty() {
            self.0 = None;
        }
        front
    }
    fn retain(&mut self, keep: impl FnMut(&(u32, V)) -> bool) {
        if let Some(v) = self.0.as_deref_mut() {
            v.retain(keep);
            if v.is_empty() {
                self.0 = None;
            }
        }
    }
    fn clear(&mut self) {
        self.0 = None;
    }
    fn heap_bytes(&self) -> usize {
        self.0.as_ref().map_or(0, |v| {
            std::mem::size_of::<Vec<(u32, V)>>() + v.capacity() * std::mem::size_of::<(u32, V)>()
        })
    }
}

impl<V: Copy + Default + PartialEq> Entries<V> {
    #[inline(always)]
    pub fn get(&self, i: u32) -> V {
        match self.dense.get(i as usize) {
            Some(&v) => v,
            None if self.sparse.is_empty() => V::default(),
            None => self.get_sparse(i),
        }
    }

    #[inline(never)]
    fn get_sparse(&self, i: u32) -> V {
        match self.sparse.binary_search_by_key(&i, |e| e.0) {
            Ok(p) => self.sparse[p].1,
            Err(_) => V::default(),
        }
    }

    #[inline(always)]
    pub fn set(&mut self, i: u32, v: V) {
        let len = self.dense.len();
        if (i as usize) < len {
            self.dense[i as usize] = v;
        } else if i as usize == len && self.sparse.is_empty() {
            // Appending: a new node in a tree that lives in few chunks.
            crate::footprint::push(&mut self.dense, v);
        } else {
            self.set_beyond(i, v);
        }
    }

    /// Drops the entry of `i`, if any.
    #[inline]
    pub fn remove(&mut self, i: u32) {
        match self.dense.get_mut(i as usize) {
            Some(v) => *v = V::default(),
            None if self.sparse.is_empty() => {}
            None => self.set_beyond(i, V::default()),
        }
    }

    /// `set(i, f(get(i)))`.
    #[inline(always)]
    pub fn update(&mut self, i: u32, f: impl FnOnce(V) -> V) {
        match self.dense.get_mut(i as usize) {
            Some(slot) => *slot = f(*slot),
            None => {
                let v = f(self.get(i));
                self.set_beyond(i, v);
            }
        }
    }

    #[inline(never)]
    fn set_beyond(&mut self, i: u32, v: V) {
        let at = self.sparse.binary_search_by_key(&i, |e| e.0);
        if v == V::default() {
            if let Ok(p) = at {
                self.sparse.remove(p);
            }
            return;
        }
        let i = i as usize;
        if let Some(end) = self.dense_growth(i, at) {
            // Grow the prefix over `end`, taking in the sparse entries it now covers.
            self.dense.resize(end + 1, V::default());
            let moved = self.sparse.partition_point(|e| (e.0 as usize) <= end);
            for (j, w) in self.sparse.take_front(moved) {
                self.dense[j as usize] = w;
            }
            self.dense[i] = v;
            return;
        }
        match at {
            Ok(p) => self.sparse[p].1 = v,
            Err(p) => self.sparse.insert(p, (i as u32, v)),
        }
    }

    /// How far to grow the dense prefix for a new entry at `i` (beyond it), if at all: over
    /// `i` when it is near the prefix's end; or over `i` or the whole tail when that costs
    /// at most [`DENSE_OVER_SPARSE`] times the sparse entries it takes in. A tail that fills
    /// up, like the entries a foreign write gives every sibling of a busy buffer, thus
    /// turns dense instead of paying a binary search per lookup and a shift of the tail
    /// per insertion. `at`: `i`'s search result in the tail.
    fn dense_growth(&self, i: usize, at: Result<usize, usize>) -> Option<usize> {
        let len = self.dense.len();
        if i <= DENSE_GROWTH * len + DENSE_SLACK {
            return Some(i);
        }
        let pays = |end: usize, taken: usize| {
            (end + 1 - len) * std::mem::size_of::<V>()
                <= DENSE_OVER_SPARSE * taken * std::mem::size_of::<(u32, V)>()
        };
        let (Ok(below) | Err(below)) = at;
        let new = at.is_err() as usize;
        let last = self.sparse.last().map_or(i, |e| (e.0 as usize).max(i));
        if pays(last, self.sparse.len() + new) {
            Some(last)
        } else if pays(i, below + 1) {
            Some(i)
        } else {
            None
        }
    }

    /// The entries present (not default), by increasing index.
    pub fn present(&self) -> impl Iterator<Item = (u32, V)> + '_ {
        self.dense
            .iter()
            .enumerate()
            .map(|(i, &v)| (i as u32, v))
            .chain(self.sparse.iter().copied())
            .filter(|e| e.1 != V::default())
    }

    /// Same entries, whatever their layout. Compares from the highest index down: chunks
    /// that differ mostly differ in the entries of recent nodes.
    pub fn same(&self, other: &Self) -> bool {
        let (a, b) = if self.dense.len() <= other.dense.len() {
            (self, other)
        } else {
            (other, self)
        };
        let (n, m) = (a.dense.len(), b.dense.len());
        // Past both prefixes: the sparse entries must be the same.
        let split = a.sparse.partition_point(|e| (e.0 as usize) < m);
        let (a_mid, a_high) = a.sparse.split_at(split);
        if a_high.len() != b.sparse.len() || a_high.iter().rev().ne(b.sparse.iter().rev()) {
            return false;
        }
        // Between them: `b`'s prefix against `a`'s sparse entries there, and empty slots
        // between those (checked a run at a time).
        let empty = |r: &[V]| r.iter().all(|&v| v == V::default());
        let mut end = m;
        for &(j, w) in a_mid.iter().rev() {
            let j = j as usize;
            if !empty(&b.dense[j + 1..end]) || b.dense[j] != w {
                return false;
            }
            end = j;
        }
        if !empty(&b.dense[n..end]) {
            return false;
        }
        // Both prefixes: the recent end first, where chunks mostly differ.
        let k = n.saturating_sub(64);
        a.dense[k..] == b.dense[k..n] && a.dense[..k] == b.dense[..k]
    }

    /// Drop every entry.
    pub fn clear(&mut self) {
        self.dense.clear();
        self.sparse.clear();
    }

    /// Drop the entries whose index `remove` says.
    pub fn remove_where(&mut self, remove: impl Fn(u32) -> bool) {
        for (i, v) in self.dense.iter_mut().enumerate() {
            if *v != V::default() && remove(i as u32) {
                *v = V::default();
            }
        }
        self.sparse.retain(|e| !remove(e.0));
    }

    /// Entries a pass over all of them visits (the dense prefix's slots and the tail).
    pub fn slots(&self) -> usize {
        self.dense.len() + self.sparse.len()
    }

    pub fn heap_bytes(&self) -> usize {
        self.dense.capacity() * std::mem::size_of::<V>() + self.sparse.heap_bytes()
    }

    /// The layout invariants (for tests).
    pub fn check(&self) -> Result<(), String> {
        let mut last = None;
        for &(i, v) in self.sparse.iter() {
            if (i as usize) < self.dense.len() || last.is_some_and(|l| l >= i) {
                return Err(format!("sparse entry {i} out of order"));
            }
            if v == V::default() {
                return Err(format!("sparse entry {i} is empty"));
            }
            last = Some(i);
        }
        Ok(())
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Chunk {
    pub start: u64,
    /// Per node: its state here (`ABSENT` = its default).
    pub states: Entries<LocState>,
    /// Per skipping slot: the correction of `Locations::base` for this chunk (see `skipping`).
    pub delta: Entries<u64>,
}

impl Chunk {
    #[inline(always)]
    pub fn get(&self, idx: u32) -> LocState {
        self.states.get(idx)
    }
    #[inline(always)]
    pub fn set(&mut self, idx: u32, st: LocState) {
        self.states.set(idx, st);
    }
    /// The counts word of `slot` here, given the per-slot bases (`Locations::base`).
    #[inline(always)]
    pub fn busy(&self, base: &[u64], slot: u32) -> u64 {
        base[slot as usize].wrapping_add(self.delta.get(slot))
    }
    /// Add `delta` (a difference of count words, wrapping) to the counts of `slot` here.
    #[inline(always)]
    pub fn add_busy(&mut self, slot: u32, delta: u64) {
        self.delta.update(slot, |d| d.wrapping_add(delta));
    }
    pub fn heap_bytes(&self) -> usize {
        self.states.heap_bytes() + self.delta.heap_bytes()
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Locations {
    pub chunks: Vec<Chunk>,
    pub size: u64,
    /// Per skipping slot: its counts with every child in its default state (see `skipping`).
    pub base: Vec<u64>,
}

impl Locations {
    /// `size` bytes in one chunk (no chunk at all when `size == 0`).
    pub fn new(size: u64) -> Locations {
        let chunks = if size == 0 {
            Vec::new()
        } else {
            vec![Chunk {
                start: 0,
                states: Entries::default(),
                delta: Entries::default(),
            }]
        };
        Locations {
            chunks,
            size,
            base: Vec::new(),
        }
    }

    /// What [`new`](Self::new) makes, in the buffers already here.
    pub fn reset(&mut self, size: u64) {
        self.chunks.truncate(usize::from(size != 0));
        if size != 0 {
            match self.chunks.first_mut() {
                Some(c) => {
                    c.start = 0;
                    c.states.clear();
                    c.delta.clear();
                }
                None => self.chunks.push(Chunk {
                    start: 0,
                    states: Entries::default(),
                    delta: Entries::default(),
                }),
            }
        }
        self.size = size;
        self.base.clear();
    }

    /// The counts word of `slot` at chunk `ci` (see `skipping::busy_word`).
    #[inline(always)]
    pub fn busy(&self, ci: usize, slot: u32) -> u64 {
        self.chunks[ci].busy(&self.base, slot)
    }

    /// Byte range of chunk `ci`.
    #[inline(always)]
    pub fn range_of(&self, ci: usize) -> Range<u64> {
        let end = match self.chunks.get(ci + 1) {
            Some(c) => c.start,
            None => self.size,
        };
        self.chunks[ci].start..end
    }

    /// Index of the chunk containing `offset` (< size).
    #[inline(always)]
    pub fn find(&self, offset: u64) -> usize {
        // Fast paths: one chunk, and accesses from the start.
        if self.chunks.len() == 1 || offset == 0 {
            return 0;
        }
        match self.chunks.binary_search_by(|c| c.start.cmp(&offset)) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// The chunks that intersect `bytes` (empty for an empty range).
    #[inline]
    pub fn chunks_within(&self, bytes: Range<u64>) -> Range<usize> {
        if bytes.start >= bytes.end || bytes.start >= self.size {
            return 0..0;
        }
        let a = self.find(bytes.start);
        let b = a + self.chunks[a..].partition_point(|c| c.start < bytes.end);
        a..b
    }

    /// Split chunk `ci` at `offset`, strictly inside it; returns the index of the new
    /// chunk (`ci + 1`), which starts with a copy of the entries.
    #[inline(never)]
    fn split_chunk(&mut self, ci: usize, offset: u64) -> usize {
        let mut new = self.chunks[ci].clone();
        new.start = offset;
        crate::footprint::insert(&mut self.chunks, ci + 1, new);
        ci + 1
    }

    /// Split so that `range` is exactly covered by whole chunks; returns their indices.
    #[inline(always)]
    pub fn split_range(&mut self, range: Range<u64>) -> Range<usize> {
        if range.start >= range.end {
            return 0..0;
        }
        let first = self.find(range.start);
        self.split_range_from(first, range)
    }

    /// [`split_range`](Self::split_range) for a non-empty `range` whose start lies in chunk
    /// `first` (the caller already looked it up).
    #[inline(always)]
    pub fn split_range_from(&mut self, first: usize, range: Range<u64>) -> Range<usize> {
        let mut a = first;
        if self.chunks[a].start != range.start {
            a = self.split_chunk(a, range.start);
        }
        let mut b = a;
        loop {
            let end = self.range_of(b).end;
            if end > range.end {
                self.split_chunk(b, range.end);
            }
            if end >= range.end {
                return a..b + 1;
            }
            b += 1;
        }
    }

    /// After an access that split chunks to cover `covered`, or changed states there:
    /// merge each of its chunks into the one before, and its last into the one after, where
    /// their entries are identical. Keeps a buffer written or read piece by piece in a few
    /// chunks instead of one per piece until the next GC (which a tree under the GC's
    /// threshold never gets). Returns whether chunks were merged (chunk indices changed).
    pub fn merge_around(&mut self, covered: Range<usize>) -> bool {
        if covered.is_empty() {
            return false;
        }
        let mut merged = false;
        let last = covered.end - 1;
        if last + 1 < self.chunks.len() && self.mergeable(last, last + 1) {
            self.chunks.remove(last + 1);
            merged = true;
        }
        // Back to front, so that removals leave the indices still to visit in place.
        for b in (covered.start.max(1)..covered.end).rev() {
            if self.mergeable(b - 1, b) {
                self.chunks.remove(b);
                merged = true;
            }
        }
        // A small tree that is one chunk again keeps one chunk's room, not the three or
        // four its pieces needed (most small trees live on unchanged).
        if merged && self.chunks.len() == 1 {
            self.chunks.shrink_to_fit();
        }
        merged
    }

    fn mergeable(&self, a: usize, b: usize) -> bool {
        let (x, y) = (&self.chunks[a], &self.chunks[b]);
        x.states.same(&y.states) && x.delta.same(&y.delta)
    }

    /// Merge each chunk with the one before where either is `marked` (by index; every
    /// chunk if `None`) and their states are identical; the skipping counts need no rebuild
    /// (they follow from the states, so equal states have equal corrections). Linear in the
    /// chunks, comparing only marked pairs.
    pub fn merge_marked(&mut self, marked: Option<&[bool]>) {
        let n = self.chunks.len();
        if n < 2 {
            return;
        }
        // `w`: the last chunk kept; positions past it that `r` has passed hold merged-away
        // chunks (moved there by the swap), dropped at the end.
        let mut w = 0;
        for r in 1..n {
            let merge = marked.is_none_or(|m| m[r] || m[r - 1])
                && self.chunks[r].states.same(&self.chunks[w].states);
            if !merge {
                w += 1;
                self.chunks.swap(w, r);
            }
        }
        self.chunks.truncate(w + 1);
        if self.chunks.capacity() > 4 * self.chunks.len() + 16 {
            self.chunks.shrink_to(2 * self.chunks.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entries whose dense prefix has `len` slots, all empty.
    fn empty_prefix(len: u32) -> Entries<u8> {
        let mut e = Entries::default();
        for i in 0..len {
            e.set(i, 9);
        }
        for i in 0..len {
            e.set(i, 0);
        }
        assert_eq!(e.dense.len(), len as usize);
        e
    }

    #[test]
    fn entries_grow_dense_near_the_end_and_sparse_far_away() {
        let mut e: Entries<u8> = Entries::default();
        for i in 0..20 {
            e.set(i, i as u8 + 1);
        }
        assert_eq!(e.dense.len(), 20);
        assert!(e.sparse.is_empty());
        e.set(10_000, 7);
        e.set(5_000, 9);
        assert_eq!(e.dense.len(), 20);
        assert_eq!(&e.sparse[..], &[(5_000, 9), (10_000, 7)]);
        assert_eq!(e.get(5_000), 9);
        assert_eq!(e.get(5_001), 0);
        e.set(5_000, 0);
        assert_eq!(&e.sparse[..], &[(10_000, 7)]);
        e.check().unwrap();
    }

    #[test]
    fn growing_the_prefix_takes_in_covered_sparse_entries() {
        let mut e: Entries<u8> = Entries::default();
        e.set(0, 1);
        e.set(300, 3);
        e.set(25, 2);
        assert_eq!(e.sparse.len(), 2);
        // 9 is within reach of the prefix (len 1): the prefix grows to 10.
        e.set(9, 4);
        assert_eq!(e.dense.len(), 10);
        // 27 is now within reach (2 * 10 + 8): the prefix grows over it and takes in 25.
        e.set(27, 5);
        assert_eq!(e.dense.len(), 28);
        assert_eq!(&e.sparse[..], &[(300, 3)]);
        assert_eq!(e.get(25), 2);
        e.check().unwrap();
        let got: Vec<_> = e.present().collect();
        assert_eq!(got, vec![(0, 1), (9, 4), (25, 2), (27, 5), (300, 3)]);
    }

    #[test]
    fn a_filling_tail_turns_dense_in_either_order() {
        // Filled from the top down, as a foreign write visits the last-inserted sibling
        // first: once the tail is dense enough, the prefix takes it all in.
        let mut down: Entries<u8> = Entries::default();
        down.set(0, 1);
        for i in (1_000..1_200).rev() {
            down.set(i, 2);
        }
        assert!(
            down.sparse.len() < 200,
            "{} sparse entries",
            down.sparse.len()
        );
        assert!(down.dense.len() >= 1_200);
        // Filled upwards.
        let mut up: Entries<u8> = Entries::default();
        up.set(0, 1);
        for i in 1_000..1_200 {
            up.set(i, 2);
        }
        assert!(up.sparse.len() < 200 && up.dense.len() > 1_000);
        for e in [&down, &up] {
            e.check().unwrap();
            assert_eq!(e.present().count(), 201);
            assert!((1_000..1_200).all(|i| e.get(i) == 2) && e.get(999) == 0);
        }
        // A few scattered entries stay sparse: the prefix would cost more than they do.
        let mut few: Entries<u8> = Entries::default();
        few.set(0, 1);
        for i in [5_000, 9_000, 20_000] {
            few.set(i, 3);
        }
        assert_eq!((few.dense.len(), few.sparse.len()), (1, 3));
    }

    #[test]
    fn same_ignores_the_layout() {
        let mut a: Entries<u8> = Entries::default();
        let mut b = empty_prefix(120);
        a.set(0, 1);
        a.set(100, 2);
        b.set(0, 1);
        b.set(100, 2);
        assert!(b.sparse.is_empty() && !a.sparse.is_empty());
        assert!(a.same(&b) && b.same(&a));
        b.set(101, 1);
        assert!(!a.same(&b));
        a.remove(100);
        assert_eq!(a.get(100), 0);
        assert!(
            a.sparse.is_empty(),
            "the last sparse entry takes the box with it"
        );
        a.remove(0);
        assert!(a.present().next().is_none());
    }

    #[test]
    fn same_compares_a_long_prefix_with_a_sparse_tail() {
        let mut a: Entries<u8> = Entries::default();
        a.set(0, 1);
        a.set(50, 2);
        a.set(500, 3);
        let mut b = empty_prefix(60);
        b.set(0, 1);
        b.set(50, 2);
        b.set(500, 3);
        assert_eq!((a.dense.len(), b.dense.len()), (1, 60));
        assert!(a.same(&b) && b.same(&a));
        b.set(51, 4);
        assert!(!a.same(&b) && !b.same(&a));
        b.set(51, 0);
        b.set(700, 5);
        assert!(!a.same(&b) && !b.same(&a));
    }
}
