//! The tree of one allocation: nodes, the tag map, roots, and the public operations
//! (spec §1.1, §3.4 retag, §4.1 protector end, §6 deallocation, §7 expose).
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
use crate::perms::{LocState, Sifa};
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
    /// Creation site (diagnostics).
    pub site: Site,
    /// Permission changes, oldest first (diagnostics).
    pub events: Vec<Event>,
}

impl Node {
    /// The creation ("outside") permission.
    #[inline(always)]
    pub fn default_perm(&self) -> Permission {
        self.default.perm()
    }
}

/// The tree of one allocation.
#[derive(Clone, Debug)]
pub struct Tree {
    pub(crate) nodes: Vec<Node>,
    pub(crate) free: Vec<u32>,
    pub(crate) tags: TagMap,
    /// `roots[0]` = allocation root; the rest are wildcard subtrees, sorted by tag.
    pub(crate) roots: Vec<u32>,
    pub(crate) locs: Locations,
    /// Scratch stack reused by traversals.
    pub(crate) stack: Vec<(u32, bool)>,
    /// Scratch per-node wildcard counts (reads, writes), see `wildcard.rs`.
    pub(crate) counts: Vec<[u32; 2]>,
    /// The last tag looked up by a mutating operation and its index (tag 0 = none).
    pub(crate) cache: (Tag, u32),
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
pub(crate) struct Fail {
    pub kind: UbKind,
    pub node: Option<u32>,
    pub offset: u64,
}

impl Tree {
    /// A new tree for an allocation of `size` bytes whose root pointer has tag `root`
    /// (spec §1.1: root Unique + accessed on every in-bounds byte).
    pub fn new(root: Tag, size: u64, site: Site) -> Tree {
        let mut locs = Locations::new(size);
        if let Some(c) = locs.chunks.first_mut() {
            c.set(0, LocState::new(Permission::Unique, true, Sifa::None));
        }
        let mut tags = TagMap::default();
        tags.insert(root, 0);
        Tree {
            nodes: vec![Node {
                tag: root,
                parent: NONE,
                children: Vec::new(),
                default: LocState::new(Permission::Disabled, false, Sifa::None),
                protector: None,
                exposed: false,
                site,
                events: Vec::new(),
            }],
            free: Vec::new(),
            tags,
            roots: vec![0],
            locs,
            stack: Vec::new(),
            counts: Vec::new(),
            cache: (0, 0),
        }
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
        self.tags.contains_key(&tag)
    }
    /// Whether `tag` currently has a protector.
    pub fn is_protected(&self, tag: Tag) -> bool {
        self.tags
            .get(&tag)
            .is_some_and(|&i| self.nodes[i as usize].protector.is_some())
    }

    #[inline(always)]
    pub(crate) fn lookup(&self, tag: Tag) -> Result<u32, TreeError> {
        match self.tags.get(&tag) {
            Some(&i) => Ok(i),
            None => Err(TreeError::UnknownTag(tag)),
        }
    }

    #[inline(always)]
    fn source(&mut self, prov: Provenance) -> Result<Option<u32>, TreeError> {
        match prov {
            Provenance::Tag(t) if t == self.cache.0 => Ok(Some(self.cache.1)),
            Provenance::Tag(t) => {
                let i = self.lookup(t)?;
                self.cache = (t, i);
                Ok(Some(i))
            }
            Provenance::Wildcard => Ok(None),
        }
    }

    #[inline(always)]
    fn clamp(&self, r: Range<u64>) -> Range<u64> {
        let end = r.end.min(self.locs.size);
        r.start.min(end)..end
    }

    /// An access of `kind` to `range` (offsets, in bounds) through `prov` (spec §2.4).
    #[inline]
    pub fn access(
        &mut self,
        prov: Provenance,
        range: Range<u64>,
        kind: AccessKind,
        site: Site,
    ) -> Result<(), TreeError> {
        let src = self.source(prov)?;
        let range = self.clamp(range);
        if range.start == range.end {
            return Ok(());
        }
        let ctx = AccessCtx {
            kind,
            cause: AccessCause::Explicit(kind),
            range: Some(range),
            site,
        };
        self.access_range(src, &ctx)
            .map_err(|f| self.make_ub(f, src, &ctx))
    }

    /// The chunked access of spec §2.4 (no zero-size check, range already clamped).
    #[inline]
    pub(crate) fn access_range(&mut self, src: Option<u32>, ctx: &AccessCtx) -> Result<(), Fail> {
        let range = ctx.range.clone().expect("explicit accesses have a range");
        let chunks = self.locs.split_range(range);
        for ci in chunks {
            self.access_chunk(src, ci, ctx, false)?;
        }
        Ok(())
    }

    /// Create `new` as a child of `parent` (spec §3.4), including the retag's implicit
    /// accesses through the parent and the protector registration.
    pub fn retag(
        &mut self,
        parent: Provenance,
        new: Tag,
        perm: &NewPermission<'_>,
        site: Site,
    ) -> Result<(), TreeError> {
        let src = self.source(parent)?;
        if self.tags.contains_key(&new) {
            return Err(TreeError::UnknownTag(new));
        }
        let protected = perm.protector.is_some();
        let range = self.clamp(perm.range.clone());
        let default_perm = outside_perm(perm);

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
                .map_err(|f| self.make_ub(f, src, &ctx));
        });
        result?;

        // Insert the node.
        let default = LocState::new(default_perm, false, default_perm.initial_sifa(protected));
        let idx = self.alloc_node(Node {
            tag: new,
            parent: src.unwrap_or(NONE),
            children: Vec::new(),
            default,
            protector: perm.protector,
            exposed: false,
            site,
            events: Vec::new(),
        });
        let mut min_sifa = default.sifa();
        for_each_piece(perm, range, |r, p| {
            let st = LocState::new(p, p != Permission::Cell, p.initial_sifa(protected));
            min_sifa = min_sifa.min(st.sifa());
            for ci in self.locs.split_range(r) {
                self.locs.chunks[ci].set(idx, st);
            }
        });
        match src {
            Some(p) => {
                self.nodes[p as usize].children.push(idx);
                self.weaken_ancestor_sifa(p, min_sifa);
            }
            None => {
                let pos = self
                    .roots
                    .partition_point(|&r| self.nodes[r as usize].tag < new);
                self.roots.insert(pos.max(1), idx);
            }
        }
        Ok(())
    }

    /// Restore "a child's SIFA >= its parent's" after inserting a child whose weakest SIFA
    /// is `min` (spec §8.2): lower ancestors until one is unchanged.
    fn weaken_ancestor_sifa(&mut self, mut cur: u32, min: Sifa) {
        if min == Sifa::Write {
            return;
        }
        while cur != NONE {
            let mut changed = false;
            for c in &mut self.locs.chunks {
                let st = c.get(cur);
                if st.is_present() && st.sifa() > min {
                    c.set(cur, st.with_sifa(min));
                    changed = true;
                }
            }
            let node = &mut self.nodes[cur as usize];
            if node.default.sifa() > min {
                node.default = node.default.with_sifa(min);
                changed = true;
            }
            if !changed {
                break;
            }
            cur = node.parent;
        }
    }

    pub(crate) fn alloc_node(&mut self, node: Node) -> u32 {
        let tag = node.tag;
        let idx = match self.free.pop() {
            Some(i) => {
                // Reuse the slot and its vectors' capacity.
                let slot = &mut self.nodes[i as usize];
                let mut children = std::mem::take(&mut slot.children);
                let mut events = std::mem::take(&mut slot.events);
                children.clear();
                events.clear();
                *slot = Node {
                    children,
                    events,
                    ..node
                };
                i
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        };
        self.tags.insert(tag, idx);
        idx
    }

    /// Function exit for a protected `tag` (spec §4.1): implicit accesses, then the
    /// protector is dropped.
    pub fn release_protector(&mut self, tag: Tag, site: Site) -> Result<(), TreeError> {
        let idx = self.lookup(tag)?;
        if self.nodes[idx as usize].protector.is_none() {
            return Ok(());
        }
        let mut result = Ok(());
        let mut ci = 0;
        while ci < self.locs.chunks.len() {
            let st = self.locs.chunks[ci].get(idx);
            if st.is_present() && st.accessed() {
                if let Some(kind) = st.perm().protector_end_access() {
                    let ctx = AccessCtx {
                        kind,
                        cause: AccessCause::FnExit(kind),
                        range: None,
                        site,
                    };
                    if let Err(f) = self.access_chunk(Some(idx), ci, &ctx, true) {
                        result = Err(self.make_ub(f, Some(idx), &ctx));
                        break;
                    }
                }
            }
            ci += 1;
        }
        self.nodes[idx as usize].protector = None;
        result
    }

    /// Deallocation through `prov` (spec §6). The caller drops the tree afterwards.
    pub fn dealloc(&mut self, prov: Provenance, site: Site) -> Result<(), TreeError> {
        let src = self.source(prov)?;
        let size = self.locs.size;
        let ctx = AccessCtx {
            kind: AccessKind::Write,
            cause: AccessCause::Dealloc,
            range: Some(0..size),
            site,
        };
        if size > 0 {
            self.access_range(src, &ctx)
                .map_err(|f| self.make_ub(f, src, &ctx))?;
        }
        let order = self.dealloc_order(src);
        for ci in 0..self.locs.chunks.len() {
            let chunk = &self.locs.chunks[ci];
            for &n in &order {
                let node = &self.nodes[n as usize];
                if node.protector != Some(ProtectorKind::Strong) {
                    continue;
                }
                let raw = chunk.get(n);
                let st = if raw.is_present() { raw } else { node.default };
                if st.accessed() && st.perm() != Permission::Cell {
                    let f = Fail {
                        kind: UbKind::ProtectedDealloc,
                        node: Some(n),
                        offset: chunk.start,
                    };
                    return Err(self.make_ub(f, src, &ctx));
                }
            }
        }
        Ok(())
    }

    /// Mark `tag` exposed (spec §7). Unknown tags are ignored.
    pub fn expose(&mut self, tag: Tag) {
        if let Some(&i) = self.tags.get(&tag) {
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
                .map(|n| {
                    n.children.capacity() * 4 + n.events.capacity() * std::mem::size_of::<Event>()
                })
                .sum::<usize>();
        let locs = self.locs.chunks.capacity() * std::mem::size_of::<crate::locations::Chunk>()
            + self
                .locs
                .chunks
                .iter()
                .map(|c| c.states.capacity())
                .sum::<usize>();
        let map = self.tags.capacity() * (std::mem::size_of::<(Tag, u32)>() + 1);
        nodes + locs + map
    }
    /// Permission and accessed bit of `tag` at `offset`, if `tag` is in the tree.
    pub fn perm_at(&self, tag: Tag, offset: u64) -> Option<(Permission, bool)> {
        let idx = *self.tags.get(&tag)?;
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
    /// All tags of the tree (unordered).
    pub fn tags(&self) -> Vec<Tag> {
        self.tags.keys().copied().collect()
    }
    /// The tree in Miri's `miri_print_borrow_state` layout (spec §9).
    pub fn dump(&self) -> String {
        crate::diagnostics::dump(self)
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
    match (p.mutable, p.protector.is_some(), p.freeze) {
        (false, _, true) => Permission::Frozen,
        (false, _, false) => Permission::Cell,
        (true, true, _) => Permission::Reserved { conflicted: false },
        (true, false, true) => Permission::Reserved { conflicted: false },
        (true, false, false) => Permission::ReservedIM,
    }
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
