//! The access traversal of model §2.4 on one chunk: the local phase (accessed node up to its
//! root), the foreign phase ("nearest first" groups, post-order, last-inserted child first,
//! with SIFA and the two unconditional skips of §8.2), then the wildcard subtrees.
//!
//! `apply` is the per-node step: materialise, transition, the two UB rules of §2.2, SIFA
//! and accessed-bit maintenance, skipping counts, event recording. Traversal order only
//! decides which violation is reported and which no-op-equivalent transitions are recorded.
//!
//! The concrete part runs on a [`ChunkVisit`]: the nodes, the one chunk's entries and the
//! counts' bases, borrowed apart from the rest of the tree, so the hot loops index the
//! node slice and the chunk's dense prefixes directly.

use crate::diagnostics::Event;
use crate::locations::Chunk;
use crate::perms::LocState;
use crate::skipping::busy_word;
use crate::tree::{AccessCtx, Fail, FailInfo, Node, Tree, NONE};
use crate::*;
use std::ops::Range;

/// One access on one chunk, with the pieces of the tree it touches.
pub(crate) struct ChunkVisit<'a> {
    nodes: &'a mut [Node],
    /// The chunk (states by node, skipping count corrections by slot) and the counts'
    /// default part (by slot), see `skipping`.
    chunk: &'a mut Chunk,
    base: &'a [u64],
    /// `32 * kind`: the shift that selects this access's count in a counts word.
    shift: u32,
    /// The chunk's byte range (events, reported offset).
    bytes: Range<u64>,
    ctx: &'a AccessCtx,
    /// Scratch stack for subtrees.
    stack: &'a mut Vec<(u32, bool)>,
    /// The tree's event log.
    events: &'a mut Vec<Event>,
    /// Whether any state changed (the caller bumps the tree's epoch).
    changed: bool,
}

impl Tree {
    /// The visitor for chunk `ci`.
    #[inline(always)]
    fn chunk_visit<'a>(&'a mut self, ci: usize, ctx: &'a AccessCtx) -> ChunkVisit<'a> {
        let bytes = self.locs.range_of(ci);
        ChunkVisit {
            nodes: &mut self.nodes,
            chunk: &mut self.locs.chunks[ci],
            base: &self.locs.base,
            shift: 32 * ctx.kind as u32,
            bytes,
            ctx,
            stack: &mut self.stack,
            events: &mut self.events,
            changed: false,
        }
    }

    /// One access on chunk `ci` from `src` (None = wildcard). `skip_children`: protector
    /// release, which leaves the subtree below `src` untouched (§4.1).
    #[inline]
    pub(crate) fn access_chunk(
        &mut self,
        src: Option<u32>,
        ci: usize,
        ctx: &AccessCtx,
        skip_children: bool,
    ) -> Result<(), Fail> {
        let mut src_root = NONE;
        if let Some(s) = src {
            let mut v = self.chunk_visit(ci, ctx);
            let result = v.concrete(s, skip_children, &mut src_root);
            self.epoch += v.changed as u64;
            result?;
            if self.roots.len() == 1 {
                return Ok(());
            }
        }
        // The other trees: wildcard accesses.
        let max_local = if src_root == NONE {
            None
        } else {
            Some(self.nodes[src_root as usize].tag)
        };
        let min_exposed = match (skip_children, src) {
            (true, Some(s)) => self.min_exposed_in_subtree(s),
            _ => None,
        };
        let mut i = 0;
        while i < self.roots.len() {
            let r = self.roots[i];
            i += 1;
            if let Some(m) = min_exposed {
                if self.nodes[r as usize].tag > m {
                    break;
                }
            }
            if r == src_root {
                continue;
            }
            self.wildcard_access(r, ci, ctx, max_local)?;
        }
        Ok(())
    }

    /// Whether a concrete access of `kind` from `s` on chunk `ci` would change nothing and
    /// succeed, in a tree without wildcard subtrees: every local step keeps its state, and
    /// the skipping counts say no foreign subtree needs a visit. A read-only check, much
    /// cheaper than the traversal it lets the caller skip (e.g. the bytes of a retag range
    /// that nothing else uses, or reads through one of many shared siblings).
    #[inline(always)]
    pub(crate) fn chunk_access_is_noop(&self, s: u32, ci: usize, kind: AccessKind) -> bool {
        self.chunk_access_from_is_noop(s, ci, kind, false)
    }

    /// [`chunk_access_is_noop`](Self::chunk_access_is_noop) for an access that may leave
    /// the subtree below `s` alone (`skip_children`: a protector release, §4.1).
    #[inline(always)]
    pub(crate) fn chunk_access_from_is_noop(
        &self,
        s: u32,
        ci: usize,
        kind: AccessKind,
        skip_children: bool,
    ) -> bool {
        let chunk = &self.locs.chunks[ci];
        let busy =
            |n: u32| (self.locs.busy(ci, self.nodes[n as usize].slot) >> (32 * kind as u32)) as u32;
        if !skip_children && busy(s) != 0 {
            return false;
        }
        let mut n = s;
        loop {
            let node = &self.nodes[n as usize];
            let raw = chunk.get(n);
            if !raw.is_present() {
                // The first access here would materialise the entry.
                return false;
            }
            match raw.after_access(kind, true, node.protector.is_some()) {
                Ok(new) if new == raw => {}
                _ => return false,
            }
            let p = node.parent;
            if p == NONE {
                return true;
            }
            // The other children of `p`: `n` itself counts if it cannot be skipped.
            let own = !raw.skips_foreign(kind) as u32;
            if busy(p) != own {
                return false;
            }
            n = p;
        }
    }

    /// Apply the access to node `n` at chunk `ci` (§2.4 `apply`), outside a concrete
    /// traversal (wildcard accesses).
    pub(crate) fn apply(
        &mut self,
        n: u32,
        ci: usize,
        ctx: &AccessCtx,
        local: bool,
    ) -> Result<(), Fail> {
        let mut v = self.chunk_visit(ci, ctx);
        let result = v.apply(n, local);
        self.epoch += v.changed as u64;
        result
    }

    /// Smallest exposed tag in the subtree of `s` (itself included), §7 protector release.
    fn min_exposed_in_subtree(&self, s: u32) -> Option<Tag> {
        let mut stack = vec![s];
        let mut min: Option<Tag> = None;
        while let Some(n) = stack.pop() {
            let node = &self.nodes[n as usize];
            if node.exposed {
                min = Some(min.map_or(node.tag, |m| m.min(node.tag)));
            }
            stack.extend_from_slice(&node.children);
        }
        min
    }
}

impl ChunkVisit<'_> {
    /// The state of `n` here: its entry, or its default.
    #[inline(always)]
    fn state(&self, n: u32) -> LocState {
        let raw = self.chunk.get(n);
        if raw.is_present() {
            raw
        } else {
            self.nodes[n as usize].default
        }
    }

    /// How many children of `n` a foreign access of this kind cannot skip here.
    #[inline(always)]
    fn busy_children(&self, n: u32) -> u32 {
        (self.chunk.busy(self.base, self.nodes[n as usize].slot) >> self.shift) as u32
    }

    /// The concrete part of §2.4 from `s`: the local phase, then the foreign subtrees
    /// nearest first. Sets `src_root` to the root of `s`'s tree.
    #[inline(always)]
    fn concrete(&mut self, s: u32, skip_children: bool, src_root: &mut u32) -> Result<(), Fail> {
        // Phase A: local access on s and its ancestors.
        let mut n = s;
        loop {
            self.apply(n, true)?;
            let p = self.nodes[n as usize].parent;
            if p == NONE {
                *src_root = n;
                break;
            }
            n = p;
        }
        // Phase B: foreign subtrees, nearest first.
        if !skip_children {
            self.visit_children_foreign(s, NONE)?;
        }
        let (mut prev, mut n) = (s, self.nodes[s as usize].parent);
        while n != NONE {
            self.visit_children_foreign(n, prev)?;
            prev = n;
            n = self.nodes[n as usize].parent;
        }
        Ok(())
    }

    /// Foreign access to every child subtree of `n` except `except`, last-inserted first.
    /// The skipping index says how many children need a visit; the scan stops after the
    /// last of them (and does not start when there is none).
    #[inline(always)]
    fn visit_children_foreign(&mut self, n: u32, except: u32) -> Result<(), Fail> {
        let kind = self.ctx.kind;
        let mut remaining = self.busy_children(n);
        if except != NONE && !self.state(except).skips_foreign(kind) {
            remaining = remaining.wrapping_sub(1);
        }
        if remaining == 0 {
            return Ok(());
        }
        // Visiting a child never changes `n`'s children list, so it is re-read by index.
        let mut i = self.nodes[n as usize].children.len();
        while remaining > 0 {
            // Scan for the next child, last-inserted first, that the access does not skip;
            // the check only touches that child's state byte.
            let mut found = NONE;
            {
                let kids = &self.nodes[n as usize].children;
                while i > 0 {
                    i -= 1;
                    let c = kids[i];
                    if c != except && !self.state(c).skips_foreign(kind) {
                        found = c;
                        break;
                    }
                }
            }
            // The counts promise `remaining` more children; running out means they are
            // wrong, which the invariant check and the differential test catch.
            if found == NONE {
                break;
            }
            remaining -= 1;
            self.visit_foreign(found)?;
        }
        Ok(())
    }

    /// Foreign access to the subtree of `f` (not skipped itself), children before parents
    /// (§2.4 `visit_foreign`).
    #[inline(always)]
    fn visit_foreign(&mut self, f: u32) -> Result<(), Fail> {
        // Fast path: a leaf, or a node none of whose children needs a visit.
        if self.busy_children(f) == 0 {
            return self.apply(f, false);
        }
        self.visit_subtree_foreign(f)
    }

    /// [`visit_foreign`](Self::visit_foreign) for a node with children to visit.
    #[inline(never)]
    fn visit_subtree_foreign(&mut self, f: u32) -> Result<(), Fail> {
        let base = self.stack.len();
        self.stack.push((f, false));
        let mut result = Ok(());
        while self.stack.len() > base {
            let (n, after) = self.stack.pop().expect("non-empty");
            if after {
                if let Err(e) = self.apply(n, false) {
                    result = Err(e);
                    break;
                }
                continue;
            }
            // `n` was checked not to skip when it was pushed: visiting its later siblings
            // cannot change its state.
            self.stack.push((n, true));
            self.push_busy_children(n);
        }
        self.stack.truncate(base);
        result
    }

    /// Push the children of `n` that the access cannot skip, so that the last-inserted one
    /// is popped first.
    fn push_busy_children(&mut self, n: u32) {
        let kind = self.ctx.kind;
        let mut remaining = self.busy_children(n);
        if remaining == 0 {
            return;
        }
        let base = self.stack.len();
        let (nodes, chunk) = (&*self.nodes, &*self.chunk);
        for &c in nodes[n as usize].children.iter().rev() {
            let raw = chunk.get(c);
            let st = if raw.is_present() {
                raw
            } else {
                nodes[c as usize].default
            };
            if !st.skips_foreign(kind) {
                self.stack.push((c, false));
                remaining -= 1;
                if remaining == 0 {
                    break;
                }
            }
        }
        self.stack[base..].reverse();
    }

    /// Apply the access to node `n` (§2.4 `apply`).
    #[inline(always)]
    pub(crate) fn apply(&mut self, n: u32, local: bool) -> Result<(), Fail> {
        let node = &self.nodes[n as usize];
        let raw = self.chunk.get(n);
        let st = if raw.is_present() { raw } else { node.default };
        let new_st = match st.after_access(self.ctx.kind, local, node.protector.is_some()) {
            Ok(new_st) => new_st,
            Err((old, protected_rule)) => {
                return Err(reject(n, old, protected_rule, self.bytes.start))
            }
        };
        // No entry is made for a transition that leaves the default as it is.
        if new_st == st {
            return Ok(());
        }
        self.changed = true;
        let parent = node.parent;
        self.chunk.set(n, new_st);
        let node = &mut self.nodes[n as usize];
        node.entry_sifa = node.entry_sifa.max(new_st.sifa());
        if !raw.is_present() {
            node.extend_span(&self.bytes);
        }
        // Keep the parent's skipping counts in step.
        let delta = busy_word(new_st).wrapping_sub(busy_word(st));
        if delta != 0 && parent != NONE {
            let slot = self.nodes[parent as usize].slot;
            self.chunk.add_busy(slot, delta);
        }
        if !new_st.same_perm(st) {
            self.record_event(n, local, st, new_st);
        }
        Ok(())
    }

    /// Record a permission change of `n` (diagnostics history).
    ///
    /// Bounded: a transition that repeats the node's last one (same states, cause, side and
    /// site) on bytes adjacent to it extends that event instead of adding one, so a loop
    /// writing a buffer byte by byte through one long-lived tag costs one event, not one per
    /// byte (the report then names the whole range of those accesses); and a node keeps at
    /// most [`MAX_EVENTS`] events, later ones being dropped from its history (a report can
    /// then miss a late transition of a very busy tag, never be wrong about one it shows).
    #[inline(always)]
    fn record_event(&mut self, n: u32, local: bool, from: LocState, to: LocState) {
        let node = &mut self.nodes[n as usize];
        if let Some(last) = self.events.get_mut(node.last_event as usize) {
            let touches = last.chunk.end == self.bytes.start || self.bytes.end == last.chunk.start;
            if touches
                && last.from.same_perm(from)
                && last.to.same_perm(to)
                && last.cause == self.ctx.cause
                && last.foreign != local
                && last.site == self.ctx.site
            {
                last.chunk =
                    last.chunk.start.min(self.bytes.start)..last.chunk.end.max(self.bytes.end);
                if let (false, Some(b)) = (last.access_range.is_empty(), &self.ctx.range) {
                    let a = &mut last.access_range;
                    *a = a.start.min(b.start)..a.end.max(b.end);
                }
                return;
            }
        }
        if node.event_count as usize >= MAX_EVENTS {
            return;
        }
        node.event_count += 1;
        node.last_event = self.events.len() as u32;
        crate::footprint::push(
            self.events,
            Event {
                node: n,
                from,
                to,
                cause: self.ctx.cause,
                foreign: !local,
                access_range: self.ctx.range.clone().unwrap_or(0..0),
                chunk: self.bytes.clone(),
                site: self.ctx.site,
            },
        );
    }
}

/// Events one node keeps for its history (see `record_event`).
pub(crate) const MAX_EVENTS: usize = 256;

/// The failure of `apply` on node `n` (kept out of the hot path).
#[cold]
#[inline(never)]
fn reject(n: u32, old: Permission, protected_rule: bool, offset: u64) -> Fail {
    Box::new(FailInfo {
        kind: if protected_rule {
            UbKind::ProtectedDisabled(old)
        } else {
            UbKind::ChildAccessForbidden(old)
        },
        node: Some(n),
        offset,
    })
}
