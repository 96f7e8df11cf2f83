//! Run-length compressed per-location state (spec §1.1 `locs`).
//!
//! The allocation's bytes are cut into chunks `[start, next start)`; all bytes of a chunk
//! share one state for every node, so uniform ranges cost O(chunks), not O(bytes). A chunk
//! stores a dense `Vec<LocState>` indexed by node index, always as long as the tree's node
//! vector (so lookups need no length test); `LocState::ABSENT` means "no entry yet" (the
//! node's lazy default applies). Chunks are split on demand at access boundaries and merged
//! again by the GC.
//!
//! A chunk also stores the counts of the foreign-access skipping index (`busy`, one word
//! per node slot, always as many as the tree has slots), which `skipping` maintains; a
//! split copies them with the states.
//!
//! This module knows nothing about nodes or permissions beyond storing their bytes.

use crate::perms::LocState;
use std::ops::Range;

#[derive(Clone, Debug)]
pub(crate) struct Chunk {
    pub start: u64,
    pub states: Vec<LocState>,
    /// Per node slot: children a foreign read (low half) / write (high half) cannot skip
    /// here (see `skipping`); one word per slot.
    pub busy: Vec<u64>,
}

impl Chunk {
    #[inline(always)]
    pub fn get(&self, idx: u32) -> LocState {
        self.states[idx as usize]
    }
    #[inline(always)]
    pub fn set(&mut self, idx: u32, st: LocState) {
        self.states[idx as usize] = st;
    }
    /// The counts word of `slot` (see `skipping::busy_word`).
    #[inline(always)]
    pub fn busy(&self, slot: u32) -> u64 {
        self.busy[slot as usize]
    }
    /// Children of `slot`'s node that a foreign access of `kind` cannot skip here.
    #[inline(always)]
    pub fn busy_count(&self, slot: u32, kind: crate::AccessKind) -> u32 {
        (self.busy(slot) >> (32 * kind as u32)) as u32
    }
    /// Add `delta` (a difference of count words, wrapping) to the counts of `slot`.
    #[inline(always)]
    pub fn add_busy(&mut self, slot: u32, delta: u64) {
        let b = &mut self.busy[slot as usize];
        *b = b.wrapping_add(delta);
    }
    /// Drop the entry of a removed node.
    #[inline(always)]
    pub fn clear(&mut self, idx: u32) {
        self.states[idx as usize] = LocState::ABSENT;
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Locations {
    pub chunks: Vec<Chunk>,
    pub size: u64,
}

impl Locations {
    /// `size` bytes in one chunk (no chunk at all when `size == 0`).
    pub fn new(size: u64) -> Locations {
        let chunks = if size == 0 {
            Vec::new()
        } else {
            vec![Chunk {
                start: 0,
                states: Vec::new(),
                busy: Vec::new(),
            }]
        };
        Locations { chunks, size }
    }

    /// One more node slot: an absent entry in every chunk.
    pub fn grow_states(&mut self) {
        for c in &mut self.chunks {
            c.states.push(LocState::ABSENT);
        }
    }

    /// One more skipping-count slot: a zero word in every chunk.
    pub fn grow_busy(&mut self) {
        for c in &mut self.chunks {
            c.busy.push(0);
        }
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

    /// Split chunk `ci` at `offset`, strictly inside it; returns the index of the new
    /// chunk (`ci + 1`), which starts with a copy of the states and counts.
    #[inline(never)]
    fn split_chunk(&mut self, ci: usize, offset: u64) -> usize {
        let states = self.chunks[ci].states.clone();
        let busy = self.chunks[ci].busy.clone();
        self.chunks.insert(
            ci + 1,
            Chunk {
                start: offset,
                states,
                busy,
            },
        );
        ci + 1
    }

    /// Split so that `range` is exactly covered by whole chunks; returns their indices.
    #[inline(always)]
    pub fn split_range(&mut self, range: Range<u64>) -> Range<usize> {
        if range.start >= range.end {
            return 0..0;
        }
        let mut a = self.find(range.start);
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

    /// After an access that split chunks to cover `covered`: merge its first chunk into the
    /// one before and its last into the one after where their states are identical (their
    /// skipping counts, which derive from the states, then are too). Keeps a buffer written
    /// or read piece by piece in a few chunks instead of one per piece until the next GC.
    /// Returns whether chunks were merged (chunk indices changed).
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
        let first = covered.start;
        if first > 0 && self.mergeable(first - 1, first) {
            self.chunks.remove(first);
            merged = true;
        }
        merged
    }

    fn mergeable(&self, a: usize, b: usize) -> bool {
        let (x, y) = (&self.chunks[a], &self.chunks[b]);
        x.states == y.states && x.busy == y.busy
    }

    /// Merge adjacent chunks with identical states; the caller rebuilds the skipping
    /// counts afterwards.
    pub fn merge_adjacent(&mut self) {
        self.chunks
            .dedup_by(|next, kept| next.states == kept.states);
    }
}
