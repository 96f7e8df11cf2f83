//! Run-length compressed per-location state (spec §1.1 `locs`).
//!
//! The allocation's bytes are cut into chunks `[start, next start)`; all bytes of a chunk
//! share one state for every node, so uniform ranges cost O(chunks), not O(bytes). A chunk
//! stores a dense `Vec<LocState>` indexed by node index; an index past the end, or
//! `LocState::ABSENT`, means "no entry yet" (the node's lazy default applies). Chunks are
//! split on demand at access boundaries and merged again by the GC.
//!
//! This module knows nothing about nodes or permissions beyond storing their bytes.

use crate::perms::LocState;
use std::ops::Range;

#[derive(Clone, Debug)]
pub(crate) struct Chunk {
    pub start: u64,
    pub states: Vec<LocState>,
}

impl Chunk {
    #[inline(always)]
    pub fn get(&self, idx: u32) -> LocState {
        match self.states.get(idx as usize) {
            Some(s) => *s,
            None => LocState::ABSENT,
        }
    }
    #[inline(always)]
    pub fn set(&mut self, idx: u32, st: LocState) {
        let i = idx as usize;
        if i >= self.states.len() {
            self.states.resize(i + 1, LocState::ABSENT);
        }
        self.states[i] = st;
    }
    /// Drop the entry of a removed node.
    pub fn clear(&mut self, idx: u32) {
        let i = idx as usize;
        if i < self.states.len() {
            self.states[i] = LocState::ABSENT;
            while self.states.last() == Some(&LocState::ABSENT) {
                self.states.pop();
            }
        }
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
            }]
        };
        Locations { chunks, size }
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
        // Fast paths for the common one- and two-chunk cases.
        if self.chunks.len() == 1 {
            return 0;
        }
        match self.chunks.binary_search_by(|c| c.start.cmp(&offset)) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Make `offset` a chunk boundary; returns the index of the chunk starting there
    /// (`chunks.len()` when `offset == size`).
    pub fn split_at(&mut self, offset: u64) -> usize {
        if offset >= self.size {
            return self.chunks.len();
        }
        let ci = self.find(offset);
        if self.chunks[ci].start == offset {
            return ci;
        }
        let states = self.chunks[ci].states.clone();
        self.chunks.insert(
            ci + 1,
            Chunk {
                start: offset,
                states,
            },
        );
        ci + 1
    }

    /// Split so that `range` is exactly covered by whole chunks; returns their indices.
    #[inline]
    pub fn split_range(&mut self, range: Range<u64>) -> Range<usize> {
        if range.start >= range.end {
            return 0..0;
        }
        // Fast path: the range is already exactly one chunk.
        let ci = self.find(range.start);
        if self.chunks[ci].start == range.start && self.range_of(ci).end == range.end {
            return ci..ci + 1;
        }
        let a = self.split_at(range.start);
        let b = self.split_at(range.end);
        a..b
    }

    /// Merge adjacent chunks with identical states (ignoring trailing absent entries).
    pub fn merge_adjacent(&mut self) {
        fn trimmed(v: &[LocState]) -> &[LocState] {
            let mut n = v.len();
            while n > 0 && v[n - 1] == LocState::ABSENT {
                n -= 1;
            }
            &v[..n]
        }
        let mut out: Vec<Chunk> = Vec::with_capacity(self.chunks.len());
        for c in self.chunks.drain(..) {
            if let Some(last) = out.last() {
                if trimmed(&last.states) == trimmed(&c.states) {
                    continue;
                }
            }
            out.push(c);
        }
        self.chunks = out;
    }
}
