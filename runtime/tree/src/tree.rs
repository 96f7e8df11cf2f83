//! The tree of one allocation: nodes, the tag map, roots, and the public operations
//! (model §1.1, §3.4 retag, §4.1 protector end, §6 deallocation, §7 expose).
//!
//! Nodes live in a `Vec` whose slots are recycled after GC (a vacant slot has tag 0). The
//! per-location states live in `locations`; the access traversal in
//! `traversal`, wildcard accesses in `wildcard`, pruning in
//! `gc`, report construction and the tree dump in `diagnostics`.
//!
//! Every public operation first resolves its tags: an unknown tag yields
//! `TreeError::UnknownTag` before anything is modified. A duplicate `new` tag in
//! [`Tree::retag`] is reported the same way (`UnknownTag(new)`): the runtime lost track of
//! its tags. Ranges beyond the allocation size are clamped to it. Releasing the protector
//! of an unprotected tag does nothing.
use crate::diagnostics::Event;
use crate::locations::Locations;
use crate::perms::{can_replace, LocState, Sifa};
use crate::skipping::{busy_word, NO_SLOT};
use crate::tagmap::TagMap;
use crate::*;

/// "No parent".
pub(crate) const NONE: u32 = u32::MAX;

/// One tag of the tree.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    /// 0 = vacant slot.
    pub tag: Tag,
    pub parent: u32,
    /// Insertion order.
    pub children: Vec<u32>,
    /// The lazy state of locations without an entry: default perm, not accessed, default SIFA.
    pub default: LocState,
    pub protector: Option<ProtectorKind>,
    pub exposed: bool,
    /// The runtime said no pointer holds the tag any more ([`Tree::forget_dead`]), but it
    /// could not go then (it had children): it goes once it can, when a removal leaves it
    /// a leaf, and the GC takes it without asking whether it is live.
    pub dead: bool,
    /// Creation site (diagnostics).
    pub site: Site,
    /// Index in the tree's event log of this node's latest event, if any (`NONE`): the one
    /// a repeated transition extends (see `record_event`).
    pub last_event: u32,
    /// Events of this node in the log (at most `MAX_EVENTS`).
    pub event_count: u16,
    /// Index of this node's counts in the skipping index (`NO_SLOT` until it has a child).
    pub slot: u32,
    /// Bytes outside which the node has no entry (a bounding box of its entries, maybe
    /// larger; [`EMPTY_SPAN`] when it has none), so that operations on one node's entries
    /// (protector end, SIFA weakening, counting a new child) visit only the chunks there.
    pub span: Range<u64>,
    /// No entry of the node has a SIFA above this (an upper bound, exact after a scan or a
    /// weakening): a retag under a parent with thousands of chunks (one per element of a
    /// `Vec` whose elements are each reborrowed, itertools' product tests) then knows
    /// without a scan that the parent's entries need no weakening. Raised by every access
    /// that gives an entry a higher SIFA (`traversal`), lowered by `entry_sifa_exceeds`.
    pub entry_sifa: Sifa,
}

/// The span of a node without entries: reversed, so that extending it by a range with
/// `min`/`max` yields that range.
#[allow(clippy::reversed_empty_ranges)]
pub(crate) const EMPTY_SPAN: Range<u64> = u64::MAX..0;

impl Node {
    /// Note that the node may have entries in `bytes`.
    #[inline(always)]
    pub fn extend_span(&mut self, bytes: &Range<u64>) {
        self.span = self.span.start.min(bytes.start)..self.span.end.max(bytes.end);
    }
    /// The creation ("outside") permission.
    #[inline(always)]
    pub fn default_perm(&self) -> Permission {
        self.default.perm()
    }
}

/// Trees with at most this many node slots try to merge the chunks an access changed with
/// their neighbours (see [`Tree::access`]).
const MERGE_ON_CHANGE_MAX_NODES: usize = 16;

/// The tree of one allocation.
#[derive(Clone, Debug)]
pub struct Tree {
    pub(crate) nodes: Vec<Node>,
    /// Permission changes of all nodes, oldest first (diagnostics). One log per tree rather
    /// than a vector per node: most nodes have one or two events, and a vector each cost
    /// its header in every node and its own allocation.
    pub(crate) events: Vec<Event>,
    /// Vacant node slots (tag 0, left by the GC), reused first: a list threaded through
    /// their `parent` fields, `NONE`-terminated (a vacant slot has no parent; a `Vec` here
    /// cost every tree 24 bytes for what most never have).
    pub(crate) free_head: u32,
    /// Slots of nodes removed by [`forget_dead_leaf`](Self::forget_dead_leaf) whose events
    /// are still in the log: vacant, but not reused until [`purge_forgotten`] took their
    /// events out (a new node in the slot would inherit that history). A list threaded
    /// through `parent` like `free_head`, with its length.
    ///
    /// [`purge_forgotten`]: Self::purge_forgotten
    pub(crate) forgotten_head: u32,
    pub(crate) forgotten: u32,
    pub(crate) tags: TagMap,
    /// `roots[0]` = allocation root; the rest are wildcard subtrees, sorted by tag.
    pub(crate) roots: Vec<u32>,
    pub(crate) locs: Locations,
    /// Scratch stack reused by traversals.
    pub(crate) stack: Vec<(u32, bool)>,
    /// The two tags most recently looked up (or created) by a mutating operation, with
    /// their indices, most recent first. Unused entries name the root, which is never
    /// removed, so every entry is always valid.
    pub(crate) cache: [(Tag, u32); 2],
    /// Number of slots handed out in the skipping index, `NO_SLOT` included (see
    /// `skipping`).
    pub(crate) slots: u32,
    /// Slots given back by nodes that left the tree childless (`release_slot`), reused
    /// before new ones are handed out; emptied when the GC renumbers the slots.
    pub(crate) free_slots: Vec<u32>,
    /// Chunks left by the latest merge of all chunks (GC, or `forget_dead_leaf` once the
    /// chunks have doubled since): see `merge_after_forgets`.
    pub(crate) chunks_at_merge: usize,
    /// Bumped by every change to the tree: a state, a chunk boundary, a node, a protector,
    /// an exposure. Only compared for equality (by the no-op access cache).
    pub(crate) epoch: u64,
    /// The no-op access cache, see [`NoopAccess`].
    noop: NoopAccess,
    /// How many nodes have a protector right now (lets [`dealloc`](Self::dealloc) know
    /// without a walk that no foreign transition can be undefined behaviour).
    pub(crate) protected: u32,
}

/// Proof that an access changes nothing: at `epoch`, accesses through `tag` to `range`
/// (within the allocation) of every kind in `kinds` (bit 0 read, bit 1 write) would
/// succeed without changing anything. An access is deterministic and its transitions are
/// per byte, so while the tree is unchanged (`epoch` equal) an access of such a kind to any
/// non-empty part of `range` would again change nothing and succeed, and can be skipped.
/// This is the common "loop through one pointer" case; it is recorded after an access that
/// went through the full traversal and left `epoch` alone (its own range), or that the
/// per-chunk check found to be a no-op (the whole chunks it checked).
#[derive(Clone, Debug)]
struct NoopAccess {
    tag: Tag,
    range: Range<u64>,
    kinds: u8,
    epoch: u64,
}

/// Where an access comes from and how it is described (shared by all traversals).
#[derive(Clone, Debug)]
pub(crate) struct AccessCtx {
    pub kind: AccessKind,
    pub cause: AccessCause,
    /// `None` = protector release ("on every location previously accessed by this tag").
    pub range: Option<Range<u64>>,
    pub site: Site,
}

/// Why a traversal stopped: the violated rule and the node whose state rejected it.
#[derive(Clone, Debug)]
pub(crate) struct FailInfo {
    pub kind: UbKind,
    pub node: Option<u32>,
    pub offset: u64,
}

/// A traversal failure, boxed: failures are rare, and a pointer-sized `Result` keeps the
/// many `?`s of the traversal cheap (returned in a register).
pub(crate) type Fail = Box<FailInfo>;

impl Tree {
    /// A new tree for an allocation of `size` bytes whose root pointer has tag `root`
    /// (model §1.1: root Unique + accessed on every in-bounds byte).
    pub fn new(root: Tag, size: u64, site: Site) -> Tree {
        let mut tree = Tree {
            nodes: Vec::new(),
            events: Vec::new(),
            free_head: NONE,
            forgotten_head: NONE,
            forgotten: 0,
            tags: TagMap::default(),
            roots: Vec::new(),
            locs: Locations::new(0),
            stack: Vec::new(),
            cache: [(root, 0); 2],
            slots: 1,
            free_slots: Vec::new(),
            chunks_at_merge: 1,
            epoch: 0,
            noop: NoopAccess {
                tag: 0,
                range: 0..0,
                kinds: 0,
                epoch: 0,
            },
            protected: 0,
        };
        tree.reset(root, size, site);
        tree
    }

    /// Makes this tree what [`new`](Self::new) makes, in the buffers it already has: a
    /// runtime that recycles the trees of short-lived allocations (stack slots that get a
    /// tag or two for one call) pays for their vectors' growth once, not per allocation.
    /// Every field is named here, so a field added to `Tree` cannot be left out.
    pub fn reset(&mut self, root: Tag, size: u64, site: Site) {
        let Tree {
            nodes,
            events,
            free_head,
            forgotten_head,
            forgotten,
            tags,
            roots,
            locs,
            stack,
            cache,
            slots,
            free_slots,
            chunks_at_merge,
            epoch,
            noop,
            protected,
        } = self;
        nodes.clear();
        // One slot, as a new tree's: most trees keep one to three nodes all their life.
        nodes.reserve_exact(1);
        nodes.push(Node {
            tag: root,
            parent: NONE,
            children: Vec::new(),
            default: LocState::new(Permission::Disabled, false, Sifa::None),
            protector: None,
            exposed: false,
            dead: false,
            site,
            last_event: NONE,
            event_count: 0,
            slot: NO_SLOT,
            span: 0..size,
            entry_sifa: Sifa::None,
        });
        events.clear();
        *free_head = NONE;
        *forgotten_head = NONE;
        *forgotten = 0;
        tags.clear();
        tags.insert(root, 0);
        roots.clear();
        roots.reserve_exact(1);
        roots.push(0);
        // The root: Unique and accessed on every in-bounds byte.
        locs.reset(size);
        locs.base.push(0); // NO_SLOT
        if let Some(c) = locs.chunks.first_mut() {
            c.set(0, LocState::new(Permission::Unique, true, Sifa::None));
        }
        stack.clear();
        *cache = [(root, 0); 2];
        *slots = 1;
        free_slots.clear();
        *chunks_at_merge = 1;
        *epoch = 0;
        *noop = NoopAccess {
            tag: 0,
            range: 0..0,
            kinds: 0,
            epoch: 0,
        };
        *protected = 0;
    }

    /// Whether the tree's buffers are small enough to keep for reuse by
    /// [`reset`](Self::reset) (a few nodes, chunks and events): a large tree's would
    /// keep its memory for what a new small one needs.
    pub fn is_small(&self) -> bool {
        self.nodes.capacity() <= 8
            && self.events.capacity() <= 16
            && self.locs.chunks.capacity() <= 8
            && self.locs.base.capacity() <= 8
            && self.tags.slots() <= 16
            && self.stack.capacity() <= 16
            && self.free_slots.capacity() <= 8
            && self.roots.capacity() <= 2
    }

    /// The root tag.
    pub fn root(&self) -> Tag {
        self.nodes[self.roots[0] as usize].tag
    }
    /// Allocation size in bytes.
    pub fn size(&self) -> u64 {
        self.locs.size
    }
    /// Whether `tag` is a node of this tree.
    pub fn contains(&self, tag: Tag) -> bool {
        self.tags.contains(tag)
    }
    /// Whether `tag` currently has a protector.
    pub fn is_protected(&self, tag: Tag) -> bool {
        self.tags
            .get(tag)
            .is_some_and(|i| self.nodes[i as usize].protector.is_some())
    }

    #[inline(always)]
    pub(crate) fn lookup(&self, tag: Tag) -> Result<u32, TreeError> {
        match self.tags.get(tag) {
            Some(i) => Ok(i),
            None => Err(TreeError::UnknownTag(tag)),
        }
    }

    #[inline(always)]
    fn source(&mut self, prov: Provenance) -> Result<Option<u32>, TreeError> {
        match prov {
            Provenance::Tag(t) => self.lookup_cached(t).map(Some),
            Provenance::Wildcard => Ok(None),
        }
    }

    /// `lookup` through the two-entry cache (a retag's parent and the new tag alternate
    /// in `reborrow; access` sequences).
    #[inline(always)]
    fn lookup_cached(&mut self, t: Tag) -> Result<u32, TreeError> {
        if t == self.cache[0].0 {
            return Ok(self.cache[0].1);
        }
        if t == self.cache[1].0 {
            self.cache.swap(0, 1);
            return Ok(self.cache[0].1);
        }
        let i = self.lookup(t)?;
        self.remember(t, i);
        Ok(i)
    }

    #[inline(always)]
    fn remember(&mut self, t: Tag, i: u32) {
        self.cache[1] = self.cache[0];
        self.cache[0] = (t, i);
    }

    /// Drop `t` from the lookup cache (it is being removed).
    pub(crate) fn forget_cached(&mut self, t: Tag) {
        let root = self.roots[0];
        let root_entry = (self.nodes[root as usize].tag, root);
        for e in &mut self.cache {
            if e.0 == t {
                *e = root_entry;
            }
        }
    }

    #[inline(always)]
    fn clamp(&self, r: Range<u64>) -> Range<u64> {
        let end = r.end.min(self.locs.size);
        r.start.min(end)..end
    }

    /// An access of `kind` to `range` (offsets, in bounds) through `prov` (model §2.4).
    #[inline]
    pub fn access(
        &mut self,
        prov: Provenance,
        range: Range<u64>,
        kind: AccessKind,
        site: Site,
    ) -> Result<(), TreeError> {
        self.access_for(prov, range, kind, AccessCause::Explicit(kind), site)
    }

    /// The implicit read of a retag through `parent` over `range` (offsets, in bounds),
    /// without the retag: what [`retag`](Self::retag) checks and does before it creates
    /// the new tag, for a retag the instrumentation proved needs no tag of its own.
    pub fn reborrow_read(
        &mut self,
        parent: Provenance,
        range: Range<u64>,
        site: Site,
    ) -> Result<(), TreeError> {
        self.access_for(parent, range, AccessKind::Read, AccessCause::Reborrow, site)
    }

    #[inline(always)]
    fn access_for(
        &mut self,
        prov: Provenance,
        range: Range<u64>,
        kind: AccessKind,
        cause: AccessCause,
        site: Site,
    ) -> Result<(), TreeError> {
        let kind_bit = 1u8 << kind as u8;
        if let Provenance::Tag(t) = prov {
            // Transitions are per byte: an access that changed no byte of `n.range` changes
            // no byte of a part of it either.
            let n = &self.noop;
            if n.tag == t
                && n.epoch == self.epoch
                && n.kinds & kind_bit != 0
                && n.range.start <= range.start
                && range.end <= n.range.end
                && range.start < range.end
            {
                return Ok(());
            }
        }
        let src = self.source(prov)?;
        let clamped = self.clamp(range.clone());
        if clamped.start == clamped.end {
            return Ok(());
        }
        let ctx = AccessCtx {
            kind,
            cause,
            range: Some(clamped.clone()),
            site,
        };
        let epoch = self.epoch;
        let first = self.locs.find(clamped.start);
        // Whether the per-chunk no-op check may still find a chunk to skip: not if the
        // range lies in one chunk the check below already rejected (its pieces after the
        // split have its entries).
        let mut check_noop = true;
        if let (Some(s), 1) = (src, self.roots.len()) {
            if self.unsplit_access_is_noop(s, first, &clamped, kind) {
                // Proved for the whole chunks: remember them, so that the other fields of a
                // struct in the same chunk (SipHash's `v0`..`v3`) hit the cache too.
                let last = self.locs.find(clamped.end - 1);
                let whole = self.locs.range_of(first).start..self.locs.range_of(last).end;
                self.remember_noop(prov, whole, kind_bit, epoch);
                return Ok(());
            }
            check_noop = self.locs.range_of(first).end < clamped.end;
        }
        let chunks_before = self.locs.chunks.len();
        let covered = self
            .access_range_from(src, first, &ctx, check_noop)
            .map_err(|f| self.make_ub(&f, src, &ctx))?;
        // A split may have left the covered chunks equal to their neighbours; so may a
        // change of states, in a small tree: a `Vec`'s buffer whose first elements were
        // written (split off, made Unique) and then the rest is one chunk again, not two
        // until a GC that small trees never get. A large tree gets its GC, which merges;
        // comparing its chunks after every change cost gimli's tests 5% of their time.
        let split = self.locs.chunks.len() > chunks_before;
        let small = self.nodes.len() <= MERGE_ON_CHANGE_MAX_NODES;
        if (split || (small && self.epoch != epoch)) && self.locs.merge_around(covered) {
            self.epoch += 1;
        }
        if self.epoch == epoch {
            self.remember_noop(prov, range, kind_bit, epoch);
        }
        Ok(())
    }

    /// Whether an access from `s` to `bytes` would change nothing and succeed, judged on the
    /// chunks that intersect `bytes` as they are, before any split. A chunk's entries hold
    /// for each of its bytes, so an access that is a no-op on a whole chunk is a no-op on
    /// any part of it, and splitting for it would only copy the chunk's entries for
    /// `merge_around` to compare and drop again. Skipping the split also keeps the epoch,
    /// so the no-op cache survives accesses to parts of a chunk (a field of a struct read
    /// in a loop).
    ///
    /// `first`: the chunk holding `bytes.start` (`bytes` is not empty).
    #[inline(always)]
    fn unsplit_access_is_noop(
        &self,
        s: u32,
        first: usize,
        bytes: &Range<u64>,
        kind: AccessKind,
    ) -> bool {
        let chunks = &self.locs.chunks;
        (first..chunks.len())
            .take_while(|&ci| chunks[ci].start < bytes.end)
            .all(|ci| self.chunk_access_is_noop(s, ci, kind))
    }

    /// Record in the no-op cache that the access just made through `prov` at `epoch`
    /// changed nothing.
    #[inline(always)]
    fn remember_noop(&mut self, prov: Provenance, range: Range<u64>, kind_bit: u8, epoch: u64) {
        let Provenance::Tag(t) = prov else {
            return;
        };
        let n = &mut self.noop;
        if n.tag == t && n.epoch == epoch && n.range == range {
            n.kinds |= kind_bit;
        } else {
            *n = NoopAccess {
                tag: t,
                range,
                kinds: kind_bit,
                epoch,
            };
        }
    }

    /// The chunked access of model §2.4 (no zero-size check, range already clamped).
    /// Returns the chunks the range covers.
    #[inline]
    pub(crate) fn access_range(
        &mut self,
        src: Option<u32>,
        ctx: &AccessCtx,
    ) -> Result<Range<usize>, Fail> {
        let range = ctx.range.as_ref().expect("explicit accesses have a range");
        if range.start >= range.end {
            return Ok(0..0);
        }
        let first = self.locs.find(range.start);
        self.access_range_from(src, first, ctx, true)
    }

    /// [`access_range`](Self::access_range) for a non-empty range whose start chunk
    /// `first` the caller already looked up; `check_noop`: whether to try
    /// [`chunk_access_is_noop`](Self::chunk_access_is_noop) on each chunk first.
    #[inline(always)]
    fn access_range_from(
        &mut self,
        src: Option<u32>,
        first: usize,
        ctx: &AccessCtx,
        check_noop: bool,
    ) -> Result<Range<usize>, Fail> {
        let range = ctx.range.clone().expect("explicit accesses have a range");
        let before = self.locs.chunks.len();
        let chunks = self.locs.split_range_from(first, range);
        if self.locs.chunks.len() != before {
            self.epoch += 1;
        }
        for ci in chunks.clone() {
            if let (Some(s), 1, true) = (src, self.roots.len(), check_noop) {
                if self.chunk_access_is_noop(s, ci, ctx.kind) {
                    continue;
                }
            }
            self.access_chunk(src, ci, ctx, false)?;
        }
        Ok(chunks)
    }

    /// Create `new` as a child of `parent` (model §3.4), including the retag's implicit
    /// accesses through the parent and the protector registration.
    pub fn retag(
        &mut self,
        parent: Provenance,
        new: Tag,
        perm: &NewPermission<'_>,
        site: Site,
    ) -> Result<(), TreeError> {
        self.epoch += 1;
        let src = self.source(parent)?;
        // Claim `new` in the tag map now (one probe), with the slot `alloc_node` will use;
        // a failing implicit access below gives it back.
        let next_idx = match self.free_head {
            NONE => self.nodes.len() as u32,
            i => i,
        };
        if !self.tags.insert_new(new, next_idx) {
            return Err(TreeError::UnknownTag(new));
        }
        let protected = perm.protector.is_some();
        let range = self.clamp(perm.range.clone());

        if perm.cell_ranges.is_empty() {
            // One piece (the common case): the implicit read, then the node, its states
            // and its parent's counts in one pass over the chunks.
            let fresh = FRESH_STATES
                [perm.mutable as usize | (protected as usize) << 1 | (perm.freeze as usize) << 2];
            let (default, st) = (fresh.outside, fresh.inside);
            let mut covered = 0..0;
            if range.start < range.end {
                let ctx = AccessCtx {
                    kind: AccessKind::Read,
                    cause: AccessCause::Reborrow,
                    range: Some(range.clone()),
                    site,
                };
                covered = match self.access_range(src, &ctx) {
                    Ok(c) => c,
                    Err(f) => {
                        self.tags.remove(new);
                        return Err(self.make_ub(&f, src, &ctx));
                    }
                };
            }
            let min_sifa = if covered.is_empty() {
                fresh.outside_sifa
            } else {
                fresh.min_sifa
            };
            let idx = self.alloc_node(new, src, default, perm.protector, site);
            let (pslot, pdefault) = match src {
                Some(p) => (self.busy_slot(p), self.nodes[p as usize].default),
                None => (NONE, default),
            };
            // The new child counts for its parent in its default state everywhere, and
            // with its entry where it has one.
            let inside_delta = busy_word(st).wrapping_sub(busy_word(default));
            if pslot != NONE {
                let b = &mut self.locs.base[pslot as usize];
                *b = b.wrapping_add(busy_word(default));
            }
            for chunk in &mut self.locs.chunks[covered.clone()] {
                chunk.set(idx, st);
                if pslot != NONE && inside_delta != 0 {
                    chunk.add_busy(pslot, inside_delta);
                }
            }
            if !covered.is_empty() {
                let node = &mut self.nodes[idx as usize];
                node.span = range;
                node.entry_sifa = st.sifa();
            }
            // Whether the parent's SIFA must be lowered somewhere.
            let weaken = match src {
                Some(p) if pslot != NONE => {
                    pdefault.sifa_exceeds(min_sifa) || self.entry_sifa_exceeds(p, min_sifa)
                }
                _ => false,
            };
            let min_sifa = if weaken { min_sifa } else { Sifa::Write };
            self.link_new_node(src, idx, new, min_sifa);
            return Ok(());
        }

        let default_perm = outside_perm(perm);
        let default_sifa = default_perm.initial_sifa(protected);
        let default = LocState::new(default_perm, false, default_sifa);

        // The implicit read through the parent over each non-Cell piece (§3.4).
        let mut result = Ok(());
        for_each_piece(perm, range.clone(), |r, p| {
            if p == Permission::Cell || result.is_err() {
                return;
            }
            let ctx = AccessCtx {
                kind: AccessKind::Read,
                cause: AccessCause::Reborrow,
                range: Some(r),
                site,
            };
            result = self
                .access_range(src, &ctx)
                .map(|_| ())
                .map_err(|f| self.make_ub(&f, src, &ctx));
        });
        if result.is_err() {
            self.tags.remove(new);
        }
        result?;

        // Insert the node.
        let idx = self.alloc_node(new, src, default, perm.protector, site);
        let mut min_sifa = default_sifa;
        for_each_piece(perm, range, |r, p| {
            let st = LocState::new(p, p != Permission::Cell, p.initial_sifa(protected));
            min_sifa = min_sifa.min(st.sifa());
            for ci in self.locs.split_range(r.clone()) {
                self.locs.chunks[ci].set(idx, st);
            }
            let node = &mut self.nodes[idx as usize];
            node.extend_span(&r);
            node.entry_sifa = node.entry_sifa.max(st.sifa());
        });
        if let Some(p) = src {
            self.count_new_child(p, idx);
        }
        self.link_new_node(src, idx, new, min_sifa);
        Ok(())
    }

    /// Make the new node `idx` (tag `new`, states and parent counts already in place) a
    /// child of `src`, or a wildcard root; restore the SIFA invariant above it.
    #[inline(always)]
    fn link_new_node(&mut self, src: Option<u32>, idx: u32, new: Tag, min_sifa: Sifa) {
        self.remember(new, idx);
        match src {
            Some(p) => {
                crate::footprint::push(&mut self.nodes[p as usize].children, idx);
                self.weaken_ancestor_sifa(p, min_sifa);
            }
            None => {
                let pos = self
                    .roots
                    .partition_point(|&r| self.nodes[r as usize].tag < new);
                self.roots.insert(pos.max(1), idx);
            }
        }
    }

    /// Restore "a child's SIFA >= its parent's" after inserting a child whose weakest SIFA
    /// is `min` (model §8.2): lower ancestors until one is unchanged. Keeps the skipping
    /// counts of each changed node's parent in step.
    fn weaken_ancestor_sifa(&mut self, mut cur: u32, min: Sifa) {
        if min == Sifa::Write {
            return;
        }
        while cur != NONE {
            let node = &self.nodes[cur as usize];
            let parent = node.parent;
            let pslot = if parent == NONE {
                NONE
            } else {
                self.nodes[parent as usize].slot
            };
            let old_default = node.default;
            let new_default = if old_default.sifa_exceeds(min) {
                old_default.with_sifa(min)
            } else {
                old_default
            };
            let mut changed = new_default != old_default;
            if !changed && node.entry_sifa <= min {
                // Neither the default nor any entry is above `min`: nor are its ancestors'.
                break;
            }
            // The parent's counts: the default part in `base`, and each entry's
            // correction against the (new) default in its chunk.
            let default_delta = busy_word(new_default).wrapping_sub(busy_word(old_default));
            if pslot != NONE {
                let b = &mut self.locs.base[pslot as usize];
                *b = b.wrapping_add(default_delta);
            }
            let span = self.locs.chunks_within(node.span.clone());
            for c in &mut self.locs.chunks[span] {
                let raw = c.get(cur);
                if !raw.is_present() {
                    continue;
                }
                let new = if raw.sifa_exceeds(min) {
                    changed = true;
                    raw.with_sifa(min)
                } else {
                    raw
                };
                c.set(cur, new);
                let delta = busy_word(new)
                    .wrapping_sub(busy_word(raw))
                    .wrapping_sub(default_delta);
                if pslot != NONE && delta != 0 {
                    c.add_busy(pslot, delta);
                }
            }
            let node = &mut self.nodes[cur as usize];
            node.default = new_default;
            node.entry_sifa = node.entry_sifa.min(min);
            if !changed {
                break;
            }
            cur = parent;
        }
    }

    /// A fresh node in a recycled or new slot (the tag map entry is made by the caller).
    #[inline(always)]
    fn alloc_node(
        &mut self,
        tag: Tag,
        parent: Option<u32>,
        default: LocState,
        protector: Option<ProtectorKind>,
        site: Site,
    ) -> u32 {
        let parent = parent.unwrap_or(NONE);
        self.protected += protector.is_some() as u32;
        let idx = match self.free_head {
            NONE => {
                crate::footprint::reserve_one(&mut self.nodes);
                self.nodes.push(Node {
                    tag,
                    parent,
                    children: Vec::new(),
                    default,
                    protector,
                    exposed: false,
                    dead: false,
                    site,
                    last_event: NONE,
                    event_count: 0,
                    slot: NO_SLOT,
                    span: EMPTY_SPAN,
                    entry_sifa: Sifa::None,
                });
                (self.nodes.len() - 1) as u32
            }
            i => {
                // Reuse the slot and its children vector's capacity (emptied when it was
                // freed); its events left the log then.
                self.free_head = self.nodes[i as usize].parent;
                let node = &mut self.nodes[i as usize];
                node.tag = tag;
                node.parent = parent;
                node.default = default;
                node.protector = protector;
                node.exposed = false;
                node.dead = false;
                node.site = site;
                node.slot = NO_SLOT;
                node.span = EMPTY_SPAN;
                node.entry_sifa = Sifa::None;
                i
            }
        };
        debug_assert_eq!(self.tags.get(tag), Some(idx), "retag claimed the slot");
        idx
    }

    /// Function exit for a protected `tag` (model §4.1): implicit accesses, then the
    /// protector is dropped.
    pub fn release_protector(&mut self, tag: Tag, site: Site) -> Result<(), TreeError> {
        self.epoch += 1;
        let idx = self.lookup(tag)?;
        if self.nodes[idx as usize].protector.is_none() {
            return Ok(());
        }
        let mut result = Ok(());
        // Only entries can be accessed (a default is never), and they lie in the span.
        let span = self
            .locs
            .chunks_within(self.nodes[idx as usize].span.clone());
        let mut ci = span.start;
        while ci < span.end {
            let st = self.locs.chunks[ci].get(idx);
            if st.is_present() && st.accessed() {
                if let Some(kind) = st.perm().protector_end_access() {
                    // The common case: nothing changes (the tag and its parents were
                    // accessed here already, the others saw such an access).
                    if self.roots.len() == 1 && self.chunk_access_from_is_noop(idx, ci, kind, true)
                    {
                        ci += 1;
                        continue;
                    }
                    let ctx = AccessCtx {
                        kind,
                        cause: AccessCause::FnExit(kind),
                        range: None,
                        site,
                    };
                    if let Err(f) = self.access_chunk(Some(idx), ci, &ctx, true) {
                        result = Err(self.make_ub(&f, Some(idx), &ctx));
                        break;
                    }
                }
            }
            ci += 1;
        }
        self.nodes[idx as usize].protector = None;
        self.protected -= 1;
        if result.is_ok() {
            self.relax_default_sifa(idx);
        }
        result
    }

    /// Removes `tag` now, as the GC would once it found no pointer holding it (model §8.1:
    /// a dead leaf may always go): for a tag the caller knows is dead, the protected tag of
    /// a retag whose result never left its function ([`bsan_abi`]'s `NO_ESCAPE`), right
    /// after its protector ended. Waiting for the GC kept such tags in the tree, where every
    /// access visited them and their number set how often the GC had to run. A tag that
    /// has children, is exposed, protected or a root is kept; an unknown one is ignored.
    /// Returns whether it was removed.
    pub fn forget_dead_leaf(&mut self, tag: Tag) -> bool {
        let Some(idx) = self.tags.get(tag) else {
            return false;
        };
        let node = &self.nodes[idx as usize];
        if node.parent == NONE
            || !node.children.is_empty()
            || node.exposed
            || node.protector.is_some()
        {
            return false;
        }
        self.remove_leaf(idx);
        true
    }

    /// Removes the leaf `idx` (not a root): out of its parent's counts and children, its
    /// tag out of the map, its slot to the forgotten list.
    fn remove_leaf(&mut self, idx: u32) {
        let p = self.nodes[idx as usize].parent;
        self.epoch += 1;
        // Out of the parent's skipping counts, its entries cleared (they lie in its span).
        self.count_child(self.nodes[p as usize].slot, idx, true, true);
        let siblings = &mut self.nodes[p as usize].children;
        // Usually the latest child: search from the end.
        if let Some(i) = siblings.iter().rposition(|&c| c == idx) {
            siblings.remove(i);
        }
        self.release_slot(idx);
        self.forget_node(idx);
    }

    /// The end of every removal outside the GC: `idx`'s tag out of the map and the cache,
    /// its slot onto the forgotten list (its events stay in the log until purged).
    fn forget_node(&mut self, idx: u32) {
        let tag = self.nodes[idx as usize].tag;
        self.tags.remove(tag);
        if self.cache[0].0 == tag || self.cache[1].0 == tag {
            self.forget_cached(tag);
        }
        let node = &mut self.nodes[idx as usize];
        node.tag = 0;
        node.dead = false;
        node.last_event = NONE;
        node.event_count = 0;
        node.parent = self.forgotten_head;
        self.forgotten_head = idx;
        self.forgotten += 1;
        // Their events cost the log until purged: purge once they are as many as the live
        // tags (at least 64), so the log's cleaning costs O(1) per forgotten tag.
        if self.forgotten as usize >= self.tags.len().max(64) {
            self.purge_forgotten();
        }
        self.merge_after_forgets();
    }

    /// Removes `tag`, which the caller knows no pointer holds any more, as the GC would
    /// (model §8.1): a leaf as [`forget_dead_leaf`](Self::forget_dead_leaf) does; a tag
    /// with exactly one child is spliced out, the child taking its place under its parent,
    /// when `can_replace` holds at every location (the GC's condition). The chains this is
    /// for: a function returns a reference it made, its caller retags the result and lets
    /// the callee's tag go (`bsan_abi::retag_flags::PARENT_DIES`), or a protected tag dies
    /// at its function's exit with the one child its callee handed back. A tag that is
    /// exposed, protected, a root or unknown stays. One with several children, or one child
    /// it cannot be spliced for, is marked dead and goes when a later removal of its
    /// descendants lets it (and so on up: a chain of dead tags goes with its last leaf).
    /// Returns whether it was removed now.
    pub fn forget_dead(&mut self, tag: Tag) -> bool {
        let Some(idx) = self.tags.get(tag) else {
            return false;
        };
        let node = &self.nodes[idx as usize];
        if node.parent == NONE || node.exposed || node.protector.is_some() {
            return false;
        }
        if !self.remove_dead_node(idx) {
            self.nodes[idx as usize].dead = true;
            return false;
        }
        true
    }

    /// Removes the dead node `idx` (not a root, exposed or protected) if it is a leaf or
    /// can be spliced out for its only child; then its parent, if that was marked dead and
    /// can go now. Returns whether `idx` went.
    fn remove_dead_node(&mut self, idx: u32) -> bool {
        let p = self.nodes[idx as usize].parent;
        if !self.remove_one_dead(idx) {
            return false;
        }
        let mut n = p;
        loop {
            let node = &self.nodes[n as usize];
            if !node.dead
                || node.parent == NONE
                || node.exposed
                || node.protector.is_some()
                || node.children.len() > 1
            {
                break;
            }
            let up = node.parent;
            if !self.remove_one_dead(n) {
                break;
            }
            n = up;
        }
        true
    }

    /// [`remove_dead_node`](Self::remove_dead_node) without the walk up.
    fn remove_one_dead(&mut self, idx: u32) -> bool {
        let p = self.nodes[idx as usize].parent;
        let g = match self.nodes[idx as usize].children.as_slice() {
            [] => {
                self.remove_leaf(idx);
                return true;
            }
            &[g] => g,
            _ => return false,
        };
        if !self.replaceable_by_child(idx, g) {
            return false;
        }
        self.epoch += 1;
        // `g` out of `idx`'s counts, `idx` out of `p`'s (its entries cleared: they lie in
        // its span), `g` into `p`'s: the counts then describe the tree without `idx`.
        self.count_child(self.nodes[idx as usize].slot, g, true, false);
        self.count_child(self.nodes[p as usize].slot, idx, true, true);
        self.nodes[idx as usize].children.clear();
        self.release_slot(idx);
        self.count_child(self.nodes[p as usize].slot, g, false, false);
        self.nodes[g as usize].parent = p;
        let siblings = &mut self.nodes[p as usize].children;
        if let Some(i) = siblings.iter().rposition(|&c| c == idx) {
            siblings[i] = g;
        }
        self.forget_node(idx);
        true
    }

    /// Whether the dead node `n` may be spliced out for its only child `g`: `can_replace`
    /// of their states at every chunk where either has an entry, and of their defaults
    /// (checked even where no chunk is left outside both spans: stricter, never unsound).
    pub(crate) fn replaceable_by_child(&self, n: u32, g: u32) -> bool {
        let (node, child) = (&self.nodes[n as usize], &self.nodes[g as usize]);
        if !can_replace(node.default_perm(), child.default_perm()) {
            return false;
        }
        let span = self.locs.chunks_within(
            node.span.start.min(child.span.start)..node.span.end.max(child.span.end),
        );
        span.into_iter()
            .all(|ci| can_replace(self.state(n, ci).perm(), self.state(g, ci).perm()))
    }

    /// Merges neighbouring chunks whose states became equal, once the chunks have more
    /// than doubled since the last such merge (64 at least): the tags that split them at
    /// element boundaries are gone, but nothing else would merge them in a tree the GC
    /// never visits (it stays under its threshold when tags die as their calls return).
    /// itertools' `correct_multi_product3` drops a `Vec` of 72K `Vec<i32>`s through a
    /// protected `&mut` per element, which left a chunk per element field (250K chunks,
    /// 18 MB of chunk headers alone) in a tree of a dozen tags. One linear merge per
    /// doubling costs O(1) per split; merging around each removal instead (a `Vec::remove`
    /// in the chunk vector per tag) was quadratic there.
    fn merge_after_forgets(&mut self) {
        let chunks = self.locs.chunks.len();
        if chunks > 2 * self.chunks_at_merge + 64 {
            self.locs.merge_marked(None);
            self.chunks_at_merge = self.locs.chunks.len();
        }
    }

    /// Takes the events of forgotten nodes out of the log and makes their slots reusable.
    pub(crate) fn purge_forgotten(&mut self) {
        if self.forgotten_head == NONE {
            return;
        }
        let mut gone = vec![false; self.nodes.len()];
        let mut n = self.forgotten_head;
        let mut last = n;
        while n != NONE {
            gone[n as usize] = true;
            last = n;
            n = self.nodes[n as usize].parent;
        }
        if self.events.iter().any(|e| gone[e.node as usize]) {
            self.events.retain(|e| !gone[e.node as usize]);
            for (i, e) in self.events.iter().enumerate() {
                self.nodes[e.node as usize].last_event = i as u32;
            }
        }
        self.nodes[last as usize].parent = self.free_head;
        self.free_head = self.forgotten_head;
        self.forgotten_head = NONE;
        self.forgotten = 0;
    }

    /// After the protector of `idx` ended: raise the SIFA of its default to what the same
    /// state has unprotected (model §8.2's initial SIFA), as far as its children allow.
    ///
    /// Why: a protected `&mut` starts Reserved with SIFA None (a foreign read would make it
    /// conflicted), so every foreign read visits it, everywhere, and records the read in an
    /// entry of its own in each chunk it visits. Once unprotected, Reserved ignores
    /// foreign reads, but nothing would say so: a loop that calls `fn(&mut T)` on each
    /// element of a buffer leaves siblings that every later read of every element visits,
    /// and materialises, until the GC prunes them.
    ///
    /// Sound: the default is never accessed and its permission is the creation one, which
    /// ignores every foreign access up to its unprotected initial SIFA (the table's
    /// `initial_sifa_is_sound` test). Capping it at every child's SIFA (defaults and
    /// entries, everywhere: a lower bound of what matters) skips no subtree the children
    /// would not already let a foreign access skip.
    fn relax_default_sifa(&mut self, idx: u32) {
        let node = &self.nodes[idx as usize];
        let old = node.default;
        let mut sifa = old.perm().initial_sifa(false);
        if sifa <= old.sifa() {
            return;
        }
        for &c in &node.children {
            let child = &self.nodes[c as usize];
            sifa = sifa.min(child.default.sifa());
            let span = self.locs.chunks_within(child.span.clone());
            for chunk in &self.locs.chunks[span] {
                let st = chunk.get(c);
                if st.is_present() {
                    sifa = sifa.min(st.sifa());
                }
            }
        }
        if sifa > old.sifa() {
            self.set_default(idx, old.with_sifa(sifa));
        }
    }

    /// Replace the default state of `n`, keeping its parent's skipping counts in step (the
    /// default part in `base`; each entry's correction against the default in its chunk).
    fn set_default(&mut self, n: u32, new: LocState) {
        let node = &self.nodes[n as usize];
        let old = node.default;
        let delta = busy_word(new).wrapping_sub(busy_word(old));
        if node.parent != NONE && delta != 0 {
            let pslot = self.nodes[node.parent as usize].slot;
            let b = &mut self.locs.base[pslot as usize];
            *b = b.wrapping_add(delta);
            let span = self.locs.chunks_within(node.span.clone());
            for c in &mut self.locs.chunks[span] {
                if c.get(n).is_present() {
                    c.add_busy(pslot, delta.wrapping_neg());
                }
            }
        }
        self.nodes[n as usize].default = new;
    }

    /// End the protector of `tag` *without* the implicit accesses of a function exit
    /// (model §4.1); the states of all nodes stay as they are. Unknown tags give
    /// `UnknownTag`; an unprotected tag is left alone.
    ///
    /// Why it exists: [`release_protector`](Self::release_protector) models a frame that
    /// returns (or unwinds through the runtime's own hooks). A frame can also disappear
    /// without either: `longjmp` over it, or unwinding through foreign (C/C++) frames,
    /// which the runtime only notices later, e.g. when an outer frame of the same thread
    /// returns. Such a frame never performed its protector-end accesses, and performing
    /// them at the moment the runtime finds out would be an access the program never
    /// made, at a time that matches no point of its execution, possibly after other
    /// accesses have changed the tree: it could report UB that did not happen. Leaving the
    /// protector in place is no better: it would keep turning later foreign accesses and
    /// deallocations into false reports, and keep the tag from ever being pruned. So the
    /// runtime drops it quietly; the only cost is that UB the skipped exit accesses would
    /// have exposed goes unreported.
    pub fn forget_protector(&mut self, tag: Tag) -> Result<(), TreeError> {
        let idx = self.lookup(tag)?;
        if self.nodes[idx as usize].protector.take().is_some() {
            self.protected -= 1;
            self.epoch += 1;
        }
        Ok(())
    }

    /// Deallocation through `prov` (model §6). The caller drops the tree afterwards.
    pub fn dealloc(&mut self, prov: Provenance, site: Site) -> Result<(), TreeError> {
        self.epoch += 1;
        let src = self.source(prov)?;
        let size = self.locs.size;
        let ctx = AccessCtx {
            kind: AccessKind::Write,
            cause: AccessCause::Dealloc,
            range: Some(0..size),
            site,
        };
        if size > 0 && self.dealloc_cannot_fail(src) {
            return Ok(());
        }
        if size > 0 {
            self.access_range(src, &ctx)
                .map_err(|f| self.make_ub(&f, src, &ctx))?;
        }
        let mut order = self.dealloc_order(src);
        order.retain(|&n| self.nodes[n as usize].protector == Some(ProtectorKind::Strong));
        if order.is_empty() {
            return Ok(());
        }
        for ci in 0..self.locs.chunks.len() {
            let chunk = &self.locs.chunks[ci];
            for &n in &order {
                let node = &self.nodes[n as usize];
                let raw = chunk.get(n);
                let st = if raw.is_present() { raw } else { node.default };
                if st.accessed() && st.perm() != Permission::Cell {
                    let f = Box::new(FailInfo {
                        kind: UbKind::ProtectedDealloc,
                        node: Some(n),
                        offset: chunk.start,
                    });
                    return Err(self.make_ub(&f, src, &ctx));
                }
            }
        }
        Ok(())
    }

    /// Whether freeing through `src` would succeed, judged without the write: then the
    /// states it would leave behind do not matter, since the caller drops the tree.
    ///
    /// Sound: without any protector in the tree, §2.2 rule 2 and the strong-protector rule
    /// of §6 cannot apply, and a foreign write is never rejected by itself (no "—" in the
    /// foreign columns of §2.1; the `foreign_unprotected_accesses_never_fail` test checks
    /// the table). So the write can only fail by rule 1, on `src` or an ancestor, at a
    /// chunk whose state there before the write rejects a local write: the local phase at
    /// a chunk sees the states as they were (earlier chunks' steps do not touch it, and each
    /// node of the path is stepped once). Wildcard trees (§7) and wildcard sources take the
    /// full traversal. Cost: chunks × depth, where the write visits chunks × nodes.
    fn dealloc_cannot_fail(&self, src: Option<u32>) -> bool {
        let Some(s) = src else { return false };
        if self.protected != 0 || self.roots.len() != 1 {
            return false;
        }
        for chunk in &self.locs.chunks {
            let mut n = s;
            while n != NONE {
                let node = &self.nodes[n as usize];
                let raw = chunk.get(n);
                let st = if raw.is_present() { raw } else { node.default };
                if st.after_access(AccessKind::Write, true, false).is_err() {
                    return false;
                }
                n = node.parent;
            }
        }
        true
    }

    /// Mark `tag` exposed (model §7). Unknown tags are ignored.
    pub fn expose(&mut self, tag: Tag) {
        self.epoch += 1;
        if let Some(i) = self.tags.get(tag) {
            self.nodes[i as usize].exposed = true;
        }
    }
    /// Number of nodes currently in the tree.
    pub fn node_count(&self) -> usize {
        self.tags.len()
    }
    /// Number of location chunks (run-length compressed ranges) currently in the tree.
    pub fn chunk_count(&self) -> usize {
        self.locs.chunks.len()
    }
    /// Approximate heap bytes used by this tree (nodes, per-location state, tag map).
    pub fn heap_bytes(&self) -> usize {
        let nodes = self.nodes.capacity() * std::mem::size_of::<Node>()
            + self
                .nodes
                .iter()
                .map(|n| n.children.capacity() * 4)
                .sum::<usize>();
        let locs = self.locs.chunks.capacity() * std::mem::size_of::<crate::locations::Chunk>()
            + self.locs.base.capacity() * 8
            + self.free_slots.capacity() * 4
            + self
                .locs
                .chunks
                .iter()
                .map(|c| c.heap_bytes())
                .sum::<usize>();
        let map = self.tags.heap_bytes();
        let events = self.events.capacity() * std::mem::size_of::<Event>();
        nodes + locs + map + events
    }
    /// Permission and accessed bit of `tag` at `offset`, if `tag` is in the tree.
    pub fn perm_at(&self, tag: Tag, offset: u64) -> Option<(Permission, bool)> {
        let idx = self.tags.get(tag)?;
        let node = &self.nodes[idx as usize];
        let st = if offset < self.locs.size {
            let raw = self.locs.chunks[self.locs.find(offset)].get(idx);
            if raw.is_present() {
                raw
            } else {
                node.default
            }
        } else {
            node.default
        };
        Some((st.perm(), st.accessed()))
    }
    /// `size_of` the node struct, and the bytes of per-location state one node costs per
    /// chunk (for the benchmark's footprint report).
    #[doc(hidden)]
    pub fn node_footprint() -> (usize, usize) {
        (std::mem::size_of::<Node>(), std::mem::size_of::<LocState>())
    }
    /// Bytes per chunk of a node's skipping counts (only nodes with children have them),
    /// and bytes per tag-map slot (the map is kept at most 2/3 full), for the benchmark.
    #[doc(hidden)]
    pub fn index_footprint() -> (usize, usize) {
        (std::mem::size_of::<u64>(), TagMap::slot_bytes())
    }
    /// All tags of the tree (unordered).
    pub fn tags(&self) -> Vec<Tag> {
        self.tags.keys().collect()
    }
    /// The tree in Miri's `miri_print_borrow_state` layout (model §9).
    pub fn dump(&self) -> String {
        crate::diagnostics::dump(self)
    }

    /// Whether `n` has an entry whose SIFA exceeds `min`. Scans the entries only when the
    /// node's bound does not answer, and then makes the bound exact.
    fn entry_sifa_exceeds(&mut self, n: u32, min: Sifa) -> bool {
        let node = &self.nodes[n as usize];
        if node.entry_sifa <= min {
            return false;
        }
        let span = self.locs.chunks_within(node.span.clone());
        let mut max = Sifa::None;
        for c in &self.locs.chunks[span] {
            let st = c.get(n);
            if st.is_present() {
                max = max.max(st.sifa());
                if max == Sifa::Write {
                    break;
                }
            }
        }
        self.nodes[n as usize].entry_sifa = max;
        max > min
    }

    /// State of node `n` in chunk `ci`, the default if it has no entry.
    #[inline(always)]
    pub(crate) fn state(&self, n: u32, ci: usize) -> LocState {
        let raw = self.locs.chunks[ci].get(n);
        if raw.is_present() {
            raw
        } else {
            self.nodes[n as usize].default
        }
    }

    /// Check order of the strong-protector rule of §6: the source's tree in access order
    /// (source, ancestors, foreign groups), then the other roots' trees, last root first.
    fn dealloc_order(&self, src: Option<u32>) -> Vec<u32> {
        let mut out = Vec::new();
        let mut src_root = NONE;
        if let Some(s) = src {
            let mut n = s;
            while n != NONE {
                out.push(n);
                src_root = n;
                n = self.nodes[n as usize].parent;
            }
            for &c in self.nodes[s as usize].children.iter().rev() {
                self.post_order_into(c, &mut out);
            }
            let (mut prev, mut n) = (s, self.nodes[s as usize].parent);
            while n != NONE {
                for &c in self.nodes[n as usize].children.iter().rev() {
                    if c != prev {
                        self.post_order_into(c, &mut out);
                    }
                }
                prev = n;
                n = self.nodes[n as usize].parent;
            }
        }
        for &r in self.roots.iter().rev() {
            if r != src_root {
                self.post_order_into(r, &mut out);
            }
        }
        out
    }

    /// Post-order (children before parent, last-inserted child first) of `root`'s subtree.
    pub(crate) fn post_order_into(&self, root: u32, out: &mut Vec<u32>) {
        let mut stack = vec![(root, false)];
        while let Some((n, after)) = stack.pop() {
            if after {
                out.push(n);
                continue;
            }
            stack.push((n, true));
            for &c in &self.nodes[n as usize].children {
                stack.push((c, false));
            }
        }
    }
}

/// The permission outside the retag range (table §3.2 "outside" column).
pub(crate) fn outside_perm(p: &NewPermission<'_>) -> Permission {
    outside_perm_of(p.mutable, p.protector.is_some(), p.freeze)
}

const fn outside_perm_of(mutable: bool, protected: bool, freeze: bool) -> Permission {
    match (mutable, protected, freeze) {
        (false, _, true) => Permission::Frozen,
        (false, _, false) => Permission::Cell,
        (true, true, _) => Permission::Reserved { conflicted: false },
        (true, false, true) => Permission::Reserved { conflicted: false },
        (true, false, false) => Permission::ReservedIM,
    }
}

/// The fresh states of a retag without `UnsafeCell` bytes, indexed by
/// `mutable | protected << 1 | freeze << 2`: the lazy state outside the range (the
/// node's default) and the state inside it (§3.2, §3.4), computed once.
static FRESH_STATES: [Fresh; 8] = {
    let blank = Fresh {
        outside: LocState::ABSENT,
        inside: LocState::ABSENT,
        outside_sifa: Sifa::None,
        min_sifa: Sifa::None,
    };
    let mut t = [blank; 8];
    let mut i = 0;
    while i < 8 {
        let (mutable, protected, freeze) = (i & 1 != 0, i & 2 != 0, i & 4 != 0);
        let outside = outside_perm_of(mutable, protected, freeze);
        let inside = if mutable {
            Permission::Reserved { conflicted: false }
        } else {
            Permission::Frozen
        };
        let (os, is) = (
            outside.initial_sifa(protected),
            inside.initial_sifa(protected),
        );
        t[i] = Fresh {
            outside: LocState::new(outside, false, os),
            inside: LocState::new(inside, true, is),
            outside_sifa: os,
            min_sifa: if (os as u8) < (is as u8) { os } else { is },
        };
        i += 1;
    }
    t
};

/// An entry of [`FRESH_STATES`].
#[derive(Clone, Copy)]
struct Fresh {
    outside: LocState,
    inside: LocState,
    /// The SIFA of `outside`, and the smaller of both SIFAs.
    outside_sifa: Sifa,
    min_sifa: Sifa,
}

/// Calls `f` on the retag range cut into maximal non-empty pieces of uniform initial
/// permission, in address order (§3.2, §3.3).
pub(crate) fn for_each_piece(
    p: &NewPermission<'_>,
    range: Range<u64>,
    mut f: impl FnMut(Range<u64>, Permission),
) {
    let (frozen, cell) = match (p.mutable, p.protector.is_some()) {
        (false, _) => (Permission::Frozen, Permission::Cell),
        (true, true) => (
            Permission::Reserved { conflicted: false },
            Permission::Reserved { conflicted: false },
        ),
        (true, false) => (
            Permission::Reserved { conflicted: false },
            Permission::ReservedIM,
        ),
    };
    if p.cell_ranges.is_empty() {
        if range.start < range.end {
            f(range, frozen);
        }
        return;
    }
    // The piece being built, extended while the permission stays the same.
    let mut cur: Option<(Range<u64>, Permission)> = None;
    let mut push = |r: Range<u64>, perm: Permission| {
        if r.start >= r.end {
            return;
        }
        match &mut cur {
            Some((last, lp)) if *lp == perm && last.end == r.start => last.end = r.end,
            _ => {
                if let Some((lr, lp)) = cur.replace((r, perm)) {
                    f(lr, lp);
                }
            }
        }
    };
    let mut pos = range.start;
    for c in p.cell_ranges {
        let s = c.start.clamp(range.start, range.end).max(pos);
        let e = c.end.clamp(range.start, range.end);
        if s >= e {
            continue;
        }
        push(pos..s, frozen);
        push(s..e, cell);
        pos = e;
    }
    push(pos..range.end, frozen);
    if let Some((r, perm)) = cur {
        f(r, perm);
    }
}
