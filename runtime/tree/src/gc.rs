//! Pruning of dead tags (model §8.1).
//!
//! A tag is kept when the runtime says it is live, when it is protected (it still owes a
//! protector-end access), exposed (a wildcard access may come through it), or a root. For
//! each root, post-order: a dead leaf child is removed; a dead non-root child with exactly
//! one child G is spliced out (G takes its place) when `can_replace` holds at every
//! location. Removed slots are recycled, their tags leave the tag map (which is rebuilt
//! from the survivors when most of the tree went).
//!
//! Everything else costs what was removed, not the tree's size: a large tree (a buffer of
//! hundreds of elements with hundreds of live tags over as many chunks) is collected every
//! few hundred tags, and rebuilding its per-chunk state each time was 12–15% of gimli's and
//! itertools' slowest tests. A removed node's entries lie within its span (an invariant
//! `check_invariants` checks), so its parent's skipping counts are corrected and its
//! entries cleared chunk by chunk there, and only the chunks there may have become equal to
//! a neighbour. The slots of removed parents are left unused (their counts are zero) until
//! they outnumber the used ones, when the counts are renumbered and rebuilt from scratch.
//! When the removed spans cover much of the tree (most of a small tree went), one bulk pass
//! over every chunk (clear, merge, rebuild the counts) is cheaper and is taken instead.

use crate::skipping::NO_SLOT;
use crate::tree::{Tree, NONE};
use crate::*;

impl Tree {
    /// Prune dead tags (model §8.1). `is_live` answers for tags held by live pointers;
    /// protected tags, roots and exposed tags are kept regardless.
    pub fn gc(&mut self, is_live: &dyn Fn(Tag) -> bool) {
        self.epoch += 1;
        self.purge_forgotten();
        let mut stack = Vec::new();
        let mut removed = Vec::with_capacity(self.tags.len());
        let mut moves = Vec::new();
        for i in 0..self.roots.len() {
            self.prune_below(self.roots[i], is_live, &mut stack, &mut removed, &mut moves);
        }
        if removed.is_empty() {
            return;
        }
        let mut gone = vec![false; self.nodes.len()];
        for &(_, n, _) in &removed {
            gone[n as usize] = true;
        }
        // Per removed node or moved child: the chunks of its span (at least one each);
        // against one pass over every entry of every chunk. The bulk pass wins when most of
        // a small tree went (`cargo xtask bench tree` (c): 64 of 65 nodes, 2 chunks), and is
        // then chosen without looking up a span.
        let bulk: usize = self.locs.chunks.iter().map(|c| c.states.slots()).sum();
        let by_span = 4 * (removed.len() + moves.len()) < bulk && {
            let mut incremental = 0;
            let spans = removed.iter().map(|r| r.1).chain(moves.iter().map(|m| m.2));
            for n in spans {
                incremental += self
                    .locs
                    .chunks_within(self.nodes[n as usize].span.clone())
                    .len();
                if 4 * incremental >= bulk {
                    break;
                }
            }
            4 * incremental < bulk
        };
        if by_span {
            // The chunks where removed nodes had entries, the only ones that may now equal
            // a neighbour.
            let mut marked = vec![false; self.locs.chunks.len()];
            for &(_, n, _) in &removed {
                for m in &mut marked[self.locs.chunks_within(self.nodes[n as usize].span.clone())] {
                    *m = true;
                }
            }
            for &(_, n, p) in &removed {
                if p != NONE {
                    self.uncount(p, n, true);
                }
            }
            for &(old, new, g) in &moves {
                self.uncount(old, g, false);
                self.count_child(self.nodes[new as usize].slot, g, false, false);
            }
            self.locs.merge_marked(Some(&marked));
        } else {
            for c in &mut self.locs.chunks {
                c.states.remove_where(|n| gone[n as usize]);
            }
            self.locs.merge_marked(None);
            self.chunks_at_merge = self.locs.chunks.len();
        }
        self.events.retain(|e| !gone[e.node as usize]);
        for (i, e) in self.events.iter().enumerate() {
            self.nodes[e.node as usize].last_event = i as u32;
        }
        // A log that pruning emptied gives its room back, unless it is small: a tree
        // between collections refills what it had (shrinking a 128-event log after every
        // collection cost the `reborrow; write; drop` loop of `cargo xtask bench tree` 10%).
        if self.events.capacity() > 256 && self.events.capacity() > 4 * self.events.len() {
            self.events.shrink_to(2 * self.events.len());
        }
        // Drop the removed tags from the tag map: one by one, or, when most of the tree
        // went, by rebuilding it from the survivors.
        // The tag map still holds the removed tags.
        let live = self.tags.len() - removed.len();
        if removed.len() > live {
            let nodes = &self.nodes;
            let entries = nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| n.tag != 0)
                .map(|(i, n)| (n.tag, i as u32));
            self.tags.rebuild(live, entries);
        } else {
            for &(t, _, _) in &removed {
                self.tags.remove(t);
            }
        }
        let used = self
            .nodes
            .iter()
            .filter(|n| n.tag != 0 && n.slot != NO_SLOT)
            .count();
        if !by_span || self.slots as usize > 2 * used + 64 {
            self.rebuild_busy();
        }
    }

    /// Takes child `c` out of its parent `p`'s skipping counts and, when `clear`, drops
    /// its entries.
    fn uncount(&mut self, p: u32, c: u32, clear: bool) {
        self.count_child(self.nodes[p as usize].slot, c, true, clear);
    }

    /// Whether child `n` must stay: live (unless the runtime said it is dead), protected,
    /// or exposed.
    #[inline(always)]
    fn keeps(&self, n: u32, is_live: &dyn Fn(Tag) -> bool) -> bool {
        let node = &self.nodes[n as usize];
        node.protector.is_some()
            || node.exposed
            || node.parent == NONE
            || (!node.dead && is_live(node.tag))
    }

    fn prune_below(
        &mut self,
        root: u32,
        is_live: &dyn Fn(Tag) -> bool,
        stack: &mut Vec<(u32, usize)>,
        removed: &mut Vec<(Tag, u32, u32)>,
        moves: &mut Vec<(u32, u32, u32)>,
    ) {
        // (node, next child to look at); only nodes with children are pushed, since
        // pruning below a leaf does nothing.
        stack.clear();
        if self.nodes[root as usize].children.is_empty() {
            return;
        }
        stack.push((root, 0));
        while let Some(&mut (n, ref mut next)) = stack.last_mut() {
            // Descend into the next child that has children of its own.
            let children = &self.nodes[n as usize].children;
            let mut i = *next;
            while i < children.len() && self.nodes[children[i] as usize].children.is_empty() {
                i += 1;
            }
            if i < children.len() {
                *next = i + 1;
                stack.push((children[i], 0));
                continue;
            }
            stack.pop();
            // Compact the children list in place: dead leaves go, dead single-child
            // links are replaced by their child.
            let mut children = std::mem::take(&mut self.nodes[n as usize].children);
            let mut kept = 0;
            for i in 0..children.len() {
                let child = children[i];
                if self.nodes[child as usize].children.is_empty() {
                    if !self.keeps(child, is_live) {
                        removed.push((self.remove_node(child), child, n));
                        continue;
                    }
                } else if let Some(g) = self.single_replaceable_child(child, is_live) {
                    // `g` moves from `child`'s counts to `n`'s, which `child` leaves (the
                    // counts are corrected in `gc`, from the states still in place).
                    removed.push((self.remove_node(child), child, n));
                    moves.push((child, n, g));
                    self.nodes[g as usize].parent = n;
                    children[kept] = g;
                    kept += 1;
                    continue;
                }
                children[kept] = child;
                kept += 1;
            }
            children.truncate(kept);
            self.nodes[n as usize].children = children;
        }
    }

    fn single_replaceable_child(&self, n: u32, is_live: &dyn Fn(Tag) -> bool) -> Option<u32> {
        let node = &self.nodes[n as usize];
        let &[g] = node.children.as_slice() else {
            return None;
        };
        if self.keeps(n, is_live) || !self.replaceable_by_child(n, g) {
            return None;
        }
        Some(g)
    }

    /// Free a node's slot (its children list must already be moved or empty); returns
    /// its tag. The caller clears its states and drops it from the tag map.
    #[inline(always)]
    fn remove_node(&mut self, n: u32) -> Tag {
        let tag = self.nodes[n as usize].tag;
        if self.cache[0].0 == tag || self.cache[1].0 == tag {
            self.forget_cached(tag);
        }
        let node = &mut self.nodes[n as usize];
        node.tag = 0;
        node.dead = false;
        node.children.clear();
        // Its events leave the log in `gc`, which re-indexes the survivors'.
        node.last_event = NONE;
        node.event_count = 0;
        node.parent = self.free_head;
        self.free_head = n;
        tag
    }
}
