//! The foreign-access skipping index: for every node with children and every location
//! chunk, how many of its children a foreign read, and a foreign write, could *not* skip
//! there (model §8.2: SIFA plus the two unconditional skips, i.e. `LocState::skips_foreign`).
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
//! Storage is sparse: a node gets a *slot* when it first gets a child, and its counts word
//! (the read count in the low half, the write count in the high half) is the sum of a
//! per-slot base (`Locations::base`: every child in its default state) and a per-chunk
//! correction (`Chunk::delta`) stored only where some child has an entry, so leaves, the
//! common case, cost nothing (they all share the slot `NO_SLOT`, whose word stays zero),
//! and a child costs its parent a word only in the chunks where it has an entry. Chunk
//! splits copy the corrections with the states; the GC takes each removed child out of its
//! parent's counts (and moves a spliced node's child to its new parent's), and renumbers
//! the slots and rebuilds every count from scratch only when unused slots (of removed
//! parents) outnumber the used ones.
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
            node.slot = match self.free_slots.pop() {
                Some(s) => s,
                None => {
                    self.slots += 1;
                    self.locs.base.push(0);
                    self.slots - 1
                }
            };
        }
        node.slot
    }

    /// Gives back the slot of `n`, a node leaving the tree without children (so its counts
    /// are zero everywhere), for the next new parent. Without this, a loop whose every
    /// iteration makes a short-lived tag with a child of its own (`Range::next` borrowing
    /// `self.start`) handed out a new slot each time, and every chunk's corrections grew
    /// with the slot numbers until a GC renumbered them: memory linear in the iterations
    /// of a loop that keeps a handful of tags.
    pub(crate) fn release_slot(&mut self, n: u32) {
        let node = &mut self.nodes[n as usize];
        debug_assert!(node.children.is_empty());
        if node.slot != NO_SLOT {
            debug_assert_eq!(self.locs.base[node.slot as usize], 0);
            self.free_slots.push(node.slot);
            node.slot = NO_SLOT;
        }
    }

    /// Count a new child `c` of `p` (after `c`'s states and span are set): its default in
    /// the base, its entries in their chunks.
    pub(crate) fn count_new_child(&mut self, p: u32, c: u32) {
        let slot = self.busy_slot(p);
        self.count_child(slot, c, false, false);
    }

    /// Adds child `c` to the counts of `slot` (its parent's), or (`remove`) takes it out;
    /// drops `c`'s entries too if `clear`. Visits the chunks of `c`'s span only (its
    /// entries lie there).
    pub(crate) fn count_child(&mut self, slot: u32, c: u32, remove: bool, clear: bool) {
        let node = &self.nodes[c as usize];
        let default = busy_word(node.default);
        let signed = |w: u64| if remove { w.wrapping_neg() } else { w };
        if slot != NO_SLOT {
            let b = &mut self.locs.base[slot as usize];
            *b = b.wrapping_add(signed(default));
        }
        let span = self.locs.chunks_within(node.span.clone());
        for chunk in &mut self.locs.chunks[span] {
            let raw = chunk.get(c);
            if !raw.is_present() {
                continue;
            }
            let delta = busy_word(raw).wrapping_sub(default);
            if slot != NO_SLOT && delta != 0 {
                chunk.add_busy(slot, signed(delta));
            }
            if clear {
                chunk.states.remove(c);
            }
        }
    }

    /// Renumber the slots (one per node with children) and recompute every count; after
    /// the GC changed the tree's shape. Linear in nodes plus entries.
    pub(crate) fn rebuild_busy(&mut self) {
        self.slots = 1;
        self.free_slots.clear();
        for node in &mut self.nodes {
            node.slot = if node.tag != 0 && !node.children.is_empty() {
                self.slots += 1;
                self.slots - 1
            } else {
                NO_SLOT
            };
        }
        let mut base = std::mem::take(&mut self.locs.base);
        base.clear();
        base.resize(self.slots as usize, 0);
        // Per node: its parent's slot and its default's counts word.
        let mut contribution = Vec::with_capacity(self.nodes.len());
        for node in &self.nodes {
            let slot = if node.tag == 0 || node.parent == crate::tree::NONE {
                NO_SLOT
            } else {
                self.nodes[node.parent as usize].slot
            };
            let word = busy_word(node.default);
            base[slot as usize] = base[slot as usize].wrapping_add(word);
            contribution.push((slot, word));
        }
        base[NO_SLOT as usize] = 0;
        self.locs.base = base;
        let mut scratch = Vec::new();
        for chunk in &mut self.locs.chunks {
            chunk.delta.clear();
            scratch.clear();
            scratch.extend(chunk.states.present());
            for &(n, st) in &scratch {
                let (slot, default) = contribution[n as usize];
                let delta = busy_word(st).wrapping_sub(default);
                if slot != NO_SLOT && delta != 0 {
                    chunk.add_busy(slot, delta);
                }
            }
        }
    }

    /// Internal consistency (for tests): the skipping counts equal a recount, every node
    /// with children has a slot, entries lie within their node's span and under its SIFA
    /// bound, the entry layouts are well formed, and the tag map, parent and children
    /// links agree.
    #[doc(hidden)]
    pub fn check_invariants(&self) -> Result<(), String> {
        if self.locs.base.len() != self.slots as usize || self.locs.base[NO_SLOT as usize] != 0 {
            return Err("the count bases do not match the slots".into());
        }
        for &s in &self.free_slots {
            if s == NO_SLOT || s >= self.slots || self.locs.base[s as usize] != 0 {
                return Err(format!("free slot {s} is out of range or has counts"));
            }
            if self.nodes.iter().any(|n| n.tag != 0 && n.slot == s) {
                return Err(format!("free slot {s} is in use"));
            }
            if let Some(ci) = self.locs.chunks.iter().position(|c| c.delta.get(s) != 0) {
                return Err(format!("free slot {s} has counts in chunk {ci}"));
            }
        }
        for (ci, c) in self.locs.chunks.iter().enumerate() {
            c.states
                .check()
                .map_err(|e| format!("chunk {ci} states: {e}"))?;
            c.delta
                .check()
                .map_err(|e| format!("chunk {ci} counts: {e}"))?;
            if c.delta.get(NO_SLOT) != 0 {
                return Err(format!("chunk {ci}: the shared empty slot has counts"));
            }
            let bytes = self.locs.range_of(ci);
            for (n, st) in c.states.present() {
                let node = self.nodes.get(n as usize).ok_or("entry of no node")?;
                if st.sifa() > node.entry_sifa {
                    return Err(format!(
                        "<{}> has an entry at {bytes:?} with SIFA {:?} above its bound {:?}",
                        node.tag,
                        st.sifa(),
                        node.entry_sifa
                    ));
                }
                if node.tag == 0 {
                    return Err(format!("chunk {ci} has an entry of a vacant slot"));
                }
                if bytes.start < node.span.start || bytes.end > node.span.end {
                    return Err(format!(
                        "<{}> has an entry at {bytes:?}, outside its span {:?}",
                        node.tag, node.span
                    ));
                }
            }
        }
        let protected = self
            .nodes
            .iter()
            .filter(|n| n.tag != 0 && n.protector.is_some())
            .count();
        if protected != self.protected as usize {
            return Err(format!(
                "{protected} nodes are protected, the count says {}",
                self.protected
            ));
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
                let have = self.locs.busy(ci, node.slot);
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
