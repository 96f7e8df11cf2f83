//! The foreign-access skipping index: for every node with children and every location
//! chunk, how many of its children a foreign read, and a foreign write, could *not* skip
//! there (spec §8.2: SIFA plus the two unconditional skips, i.e. `LocState::skips_foreign`).
//!
//! A foreign access visits the children of a node last-inserted first and skips most of
//! them: dead siblings that a `reborrow; write; drop` loop leaves behind until the next GC
//! are all Disabled at the written bytes and SIFA-covered elsewhere. With the count, the
//! scan stops as soon as the last child that needs a visit has been found, and does not
//! start at all when the count is zero, so it costs O(1) instead of O(siblings) in those
//! loops. Skipping only decides what is visited, never what a visit does, so a wrong
//! count would show up as a permission that differs from the naive model's (the
//! differential test compares them after every operation and also calls
//! [`Tree::check_invariants`]).
//!
//! Storage is sparse: a node gets a *slot* when it first gets a child, and each chunk
//! keeps one word per slot (`Chunk::busy`: the read count in the low half, the write count
//! in the high half), so leaves, the common case, cost nothing; they all share the slot
//! `NO_SLOT`, whose word stays zero. Chunk splits copy the counts with the states; the GC
//! renumbers the slots and rebuilds every count from scratch.
//!
//! The counts follow every change of a node's effective state (explicit entry, or its
//! default where it has none): `apply` in `traversal` (accesses), `weaken_ancestor_sifa` and
//! child insertion (retags), and the GC. This module knows nothing about transitions.

use crate::perms::LocState;
use crate::tree::Tree;

/// The slot of every node without children: its word is always zero (nothing adds to it,
/// since only parents' counts change), so a lookup needs no test for "has no slot".
pub(crate) const NO_SLOT: u32 = 0;

/// A child in state `st` as a contribution to its parent's counts word: 1 in the low half
/// if a foreign read cannot skip it, 1 in the high half if a foreign write cannot. A
/// parent's word is the sum over its children; a child's state change adds the difference
/// of its two words (wrapping), which updates both counts with one addition.
#[inline(always)]
pub(crate) fn busy_word(st: LocState) -> u64 {
    BUSY_WORD[st.bits() as usize]
}

/// `busy_word` by state byte.
static BUSY_WORD: [u64; 64] = {
    let mut t = [0u64; 64];
    let mut i = 0;
    while i < 64 {
        let skip = LocState::from_bits(i as u8).skip_bits_slow();
        t[i] = ((skip & 1) ^ 1) as u64 | ((((skip >> 1) & 1) ^ 1) as u64) << 32;
        i += 1;
    }
    t
};

impl Tree {
    /// The slot of `n`'s counts, allocated on first use (when `n` gets its first child).
    pub(crate) fn busy_slot(&mut self, n: u32) -> u32 {
        let node = &mut self.nodes[n as usize];
        if node.slot == NO_SLOT {
            node.slot = self.slots;
            self.slots += 1;
            self.locs.grow_busy();
        }
        node.slot
    }

    /// Count a new child `c` of `p` in every chunk (after `c`'s states are set).
    pub(crate) fn count_new_child(&mut self, p: u32, c: u32) {
        let slot = self.busy_slot(p);
        let default = self.nodes[c as usize].default;
        for chunk in &mut self.locs.chunks {
            let raw = chunk.get(c);
            let st = if raw.is_present() { raw } else { default };
            let word = busy_word(st);
            if word != 0 {
                chunk.add_busy(slot, word);
            }
        }
    }

    /// Renumber the slots (one per node with children) and recompute every count; after
    /// the GC changed the tree's shape.
    pub(crate) fn rebuild_busy(&mut self) {
        self.slots = 1;
        for node in &mut self.nodes {
            node.slot = if node.tag != 0 && !node.children.is_empty() {
                self.slots += 1;
                self.slots - 1
            } else {
                NO_SLOT
            };
        }
        for ci in 0..self.locs.chunks.len() {
            let mut busy = std::mem::take(&mut self.locs.chunks[ci].busy);
            busy.clear();
            busy.resize(self.slots as usize, 0);
            for node in &self.nodes {
                if node.tag == 0 {
                    continue;
                }
                let slot = node.slot;
                if slot == NO_SLOT {
                    continue;
                }
                let counts = &mut busy[slot as usize];
                for &c in &node.children {
                    *counts += busy_word(self.state(c, ci));
                }
            }
            self.locs.chunks[ci].busy = busy;
        }
    }

    /// Internal consistency (for tests): the skipping counts equal a recount, every node
    /// with children has a slot, and the tag map, parent and children links agree.
    #[doc(hidden)]
    pub fn check_invariants(&self) -> Result<(), String> {
        for (ci, c) in self.locs.chunks.iter().enumerate() {
            if c.states.len() != self.nodes.len() || c.busy.len() != self.slots as usize {
                return Err(format!("chunk {ci} has vectors of the wrong length"));
            }
            if c.busy(NO_SLOT) != 0 {
                return Err(format!("chunk {ci}: the shared empty slot has counts"));
            }
        }
        for (i, node) in self.nodes.iter().enumerate() {
            if node.tag == 0 {
                continue;
            }
            if self.tags.get(node.tag) != Some(i as u32) {
                return Err(format!("tag map does not point to <{}>", node.tag));
            }
            for &c in &node.children {
                if self.nodes[c as usize].parent != i as u32 || self.nodes[c as usize].tag == 0 {
                    return Err(format!("bad child link below <{}>", node.tag));
                }
            }
            if node.children.is_empty() {
                continue;
            }
            if node.slot == NO_SLOT || node.slot >= self.slots {
                return Err(format!("<{}> has children but no slot", node.tag));
            }
            for ci in 0..self.locs.chunks.len() {
                let want: u64 = node
                    .children
                    .iter()
                    .map(|&c| busy_word(self.state(c, ci)))
                    .sum();
                let have = self.locs.chunks[ci].busy(node.slot);
                if have != want {
                    return Err(format!(
                        "skipping counts of <{}> at chunk {ci}: {have:#x}, recount {want:#x}",
                        node.tag
                    ));
                }
            }
        }
        Ok(())
    }
}
