//! A deliberately naive reference model of Tree Borrows, for differential tests and the
//! benchmark. Not for production use.
//!
//! Per byte, a `Vec` with every node's state, materialised eagerly at node creation; no
//! run-length compression, no tag map (linear search), no SIFA, no pruning, wildcard counts
//! recomputed from scratch at every use, plain recursion. It implements the same
//! traversal order as the real tree (§2.4, §6, §7) and the two *unconditional* foreign-access
//! skips of §8.2 (foreign access to `Disabled`, foreign read to `Frozen`), because those
//! change the recorded states of the skipped subtrees; SIFA skipping is left out, since it
//! must not change anything but speed. It records no history.

use crate::*;

/// Outcome of a failed naive operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NaiveError {
    UnknownTag(Tag),
    Ub {
        kind: UbKind,
        accessed: Option<Tag>,
        conflicting: Option<Tag>,
        offset: u64,
    },
}

impl NaiveError {
    /// The same summary of a real [`TreeError`].
    pub fn of(e: &TreeError) -> NaiveError {
        match e {
            TreeError::UnknownTag(t) => NaiveError::UnknownTag(*t),
            TreeError::Ub(ub) => NaiveError::Ub {
                kind: ub.kind.clone(),
                accessed: ub.accessed,
                conflicting: ub.conflicting,
                offset: ub.offset,
            },
        }
    }
}

#[derive(Clone, Debug)]
struct NNode {
    tag: Tag,
    parent: Option<usize>,
    children: Vec<usize>,
    protector: Option<ProtectorKind>,
    exposed: bool,
}

/// The naive tree of one allocation.
#[derive(Clone, Debug)]
pub struct NaiveTree {
    nodes: Vec<NNode>,
    roots: Vec<usize>,
    /// `bytes[b][node] = (perm, accessed)`.
    bytes: Vec<Vec<(Permission, bool)>>,
}

struct Fail {
    kind: UbKind,
    node: Option<usize>,
}

type R = Result<(), Fail>;

impl NaiveTree {
    pub fn new(root: Tag, size: u64) -> NaiveTree {
        NaiveTree {
            nodes: vec![NNode {
                tag: root,
                parent: None,
                children: Vec::new(),
                protector: None,
                exposed: false,
            }],
            roots: vec![0],
            bytes: vec![vec![(Permission::Unique, true)]; size as usize],
        }
    }

    fn find(&self, tag: Tag) -> Result<usize, NaiveError> {
        self.nodes
            .iter()
            .position(|n| n.tag == tag)
            .ok_or(NaiveError::UnknownTag(tag))
    }

    fn src(&self, prov: Provenance) -> Result<Option<usize>, NaiveError> {
        match prov {
            Provenance::Tag(t) => self.find(t).map(Some),
            Provenance::Wildcard => Ok(None),
        }
    }

    pub fn contains(&self, tag: Tag) -> bool {
        self.find(tag).is_ok()
    }

    pub fn perm_at(&self, tag: Tag, offset: u64) -> Option<(Permission, bool)> {
        let n = self.find(tag).ok()?;
        Some(self.bytes[offset as usize][n])
    }

    pub fn expose(&mut self, tag: Tag) {
        if let Ok(n) = self.find(tag) {
            self.nodes[n].exposed = true;
        }
    }

    fn err(&self, f: Fail, src: Option<usize>, offset: u64) -> NaiveError {
        NaiveError::Ub {
            kind: f.kind,
            accessed: src.map(|s| self.nodes[s].tag),
            conflicting: f.node.map(|n| self.nodes[n].tag),
            offset,
        }
    }

    pub fn access(
        &mut self,
        prov: Provenance,
        range: Range<u64>,
        kind: AccessKind,
    ) -> Result<(), NaiveError> {
        let src = self.src(prov)?;
        for b in range {
            self.access_byte(src, b as usize, kind, false)
                .map_err(|f| self.err(f, src, b))?;
        }
        Ok(())
    }

    pub fn retag(
        &mut self,
        parent: Provenance,
        new: Tag,
        perm: &NewPermission<'_>,
    ) -> Result<(), NaiveError> {
        let src = self.src(parent)?;
        if self.contains(new) {
            return Err(NaiveError::UnknownTag(new));
        }
        let range = perm.range.clone();
        let prot = perm.protector.is_some();
        let is_cell = |b: u64| perm.cell_ranges.iter().any(|c| c.contains(&b));
        let inside = |b: u64| -> Permission {
            match (perm.mutable, prot, is_cell(b)) {
                (false, _, false) => Permission::Frozen,
                (false, _, true) => Permission::Cell,
                (true, true, _) | (true, false, false) => {
                    Permission::Reserved { conflicted: false }
                }
                (true, false, true) => Permission::ReservedIM,
            }
        };
        for b in range.clone() {
            if inside(b) != Permission::Cell {
                self.access_byte(src, b as usize, AccessKind::Read, false)
                    .map_err(|f| self.err(f, src, b))?;
            }
        }
        let default = match (perm.mutable, prot, perm.freeze) {
            (false, _, true) => Permission::Frozen,
            (false, _, false) => Permission::Cell,
            (true, true, _) | (true, false, true) => Permission::Reserved { conflicted: false },
            (true, false, false) => Permission::ReservedIM,
        };
        let idx = self.nodes.len();
        self.nodes.push(NNode {
            tag: new,
            parent: src,
            children: Vec::new(),
            protector: perm.protector,
            exposed: false,
        });
        for (b, v) in self.bytes.iter_mut().enumerate() {
            let b = b as u64;
            v.push(if range.contains(&b) {
                let p = inside(b);
                (p, p != Permission::Cell)
            } else {
                (default, false)
            });
        }
        match src {
            Some(p) => self.nodes[p].children.push(idx),
            None => self.roots.push(idx),
        }
        Ok(())
    }

    pub fn release_protector(&mut self, tag: Tag) -> Result<(), NaiveError> {
        let n = self.find(tag)?;
        if self.nodes[n].protector.is_none() {
            return Ok(());
        }
        for b in 0..self.bytes.len() {
            let (p, acc) = self.bytes[b][n];
            if acc {
                if let Some(k) = p.protector_end_access() {
                    if let Err(f) = self.access_byte(Some(n), b, k, true) {
                        self.nodes[n].protector = None;
                        return Err(self.err(f, Some(n), b as u64));
                    }
                }
            }
        }
        self.nodes[n].protector = None;
        Ok(())
    }

    /// `Tree::forget_protector`: the protector goes, nothing is accessed.
    pub fn forget_protector(&mut self, tag: Tag) -> Result<(), NaiveError> {
        let n = self.find(tag)?;
        self.nodes[n].protector = None;
        Ok(())
    }

    pub fn dealloc(&mut self, prov: Provenance) -> Result<(), NaiveError> {
        let src = self.src(prov)?;
        for b in 0..self.bytes.len() {
            self.access_byte(src, b, AccessKind::Write, false)
                .map_err(|f| self.err(f, src, b as u64))?;
        }
        // Strong-protector check order: source tree in access order, other roots last first.
        let mut order = Vec::new();
        let mut src_root = None;
        if let Some(s) = src {
            let mut n = Some(s);
            while let Some(m) = n {
                order.push(m);
                src_root = Some(m);
                n = self.nodes[m].parent;
            }
            for &c in self.nodes[s].children.iter().rev() {
                self.post_order(c, &mut order);
            }
            let (mut prev, mut n) = (s, self.nodes[s].parent);
            while let Some(m) = n {
                for &c in self.nodes[m].children.iter().rev() {
                    if c != prev {
                        self.post_order(c, &mut order);
                    }
                }
                prev = m;
                n = self.nodes[m].parent;
            }
        }
        for &r in self.roots.iter().rev() {
            if Some(r) != src_root {
                self.post_order(r, &mut order);
            }
        }
        for b in 0..self.bytes.len() {
            for &n in &order {
                let (p, acc) = self.bytes[b][n];
                if self.nodes[n].protector == Some(ProtectorKind::Strong)
                    && acc
                    && p != Permission::Cell
                {
                    let f = Fail {
                        kind: UbKind::ProtectedDealloc,
                        node: Some(n),
                    };
                    return Err(self.err(f, src, b as u64));
                }
            }
        }
        Ok(())
    }

    fn post_order(&self, n: usize, out: &mut Vec<usize>) {
        for &c in self.nodes[n].children.iter().rev() {
            self.post_order(c, out);
        }
        out.push(n);
    }

    fn apply(&mut self, n: usize, b: usize, kind: AccessKind, local: bool) -> R {
        let (old, acc) = self.bytes[b][n];
        let prot = self.nodes[n].protector.is_some();
        let new = old.step(kind, local, prot).ok_or(Fail {
            kind: UbKind::ChildAccessForbidden(old),
            node: Some(n),
        })?;
        let acc = acc || local;
        if prot && acc && new == Permission::Disabled && old != Permission::Disabled {
            return Err(Fail {
                kind: UbKind::ProtectedDisabled(old),
                node: Some(n),
            });
        }
        self.bytes[b][n] = (new, acc);
        Ok(())
    }

    fn unconditional_skip(p: Permission, kind: AccessKind) -> bool {
        p == Permission::Disabled || (p == Permission::Frozen && kind == AccessKind::Read)
    }

    fn foreign(&mut self, n: usize, b: usize, kind: AccessKind) -> R {
        if Self::unconditional_skip(self.bytes[b][n].0, kind) {
            return Ok(());
        }
        for i in (0..self.nodes[n].children.len()).rev() {
            let c = self.nodes[n].children[i];
            self.foreign(c, b, kind)?;
        }
        self.apply(n, b, kind, false)
    }

    fn access_byte(
        &mut self,
        src: Option<usize>,
        b: usize,
        kind: AccessKind,
        skip_children: bool,
    ) -> R {
        let mut src_root = None;
        if let Some(s) = src {
            let mut n = Some(s);
            while let Some(m) = n {
                self.apply(m, b, kind, true)?;
                src_root = Some(m);
                n = self.nodes[m].parent;
            }
            if !skip_children {
                for i in (0..self.nodes[s].children.len()).rev() {
                    let c = self.nodes[s].children[i];
                    self.foreign(c, b, kind)?;
                }
            }
            let (mut prev, mut n) = (s, self.nodes[s].parent);
            while let Some(m) = n {
                for i in (0..self.nodes[m].children.len()).rev() {
                    let c = self.nodes[m].children[i];
                    if c != prev {
                        self.foreign(c, b, kind)?;
                    }
                }
                prev = m;
                n = self.nodes[m].parent;
            }
        }
        let max_local = src_root.map(|r| self.nodes[r].tag);
        let min_exposed = match (skip_children, src) {
            (true, Some(s)) => {
                let mut v = Vec::new();
                self.post_order(s, &mut v);
                v.iter()
                    .filter(|&&m| self.nodes[m].exposed)
                    .map(|&m| self.nodes[m].tag)
                    .min()
            }
            _ => None,
        };
        let mut roots = self.roots.clone();
        roots.sort_by_key(|&r| self.nodes[r].tag);
        for r in roots {
            if min_exposed.is_some_and(|m| self.nodes[r].tag > m) {
                break;
            }
            if Some(r) == src_root {
                continue;
            }
            self.wildcard_visit(r, r, b, kind, max_local)?;
        }
        Ok(())
    }

    /// Exposed nodes in the subtree of `n` allowing `kind` at byte `b`.
    fn count(&self, n: usize, b: usize, kind: AccessKind) -> u32 {
        let node = &self.nodes[n];
        let own = node.exposed
            && self.bytes[b][n]
                .0
                .wildcard_level(node.protector.is_some())
                .allows(kind);
        let mut c = own as u32;
        for &ch in &node.children {
            c += self.count(ch, b, kind);
        }
        c
    }

    /// `Some(Some(local?))`, `Some(None)` = either, `None` = no candidate.
    fn rel(
        &self,
        n: usize,
        r: usize,
        b: usize,
        kind: AccessKind,
        max_local: Option<Tag>,
    ) -> Option<Option<bool>> {
        let total = self.count(r, b, kind) + (r != self.roots[0]) as u32;
        let local = self.count(n, b, kind);
        if total == 0 {
            return None;
        }
        let only_foreign = max_local.is_some_and(|m| self.nodes[n].tag > m);
        let rel = if local == total {
            Some(true)
        } else if local == 0 {
            Some(false)
        } else {
            None
        };
        match (only_foreign, rel) {
            (true, Some(true)) => None,
            (true, _) => Some(Some(false)),
            (false, rel) => Some(rel),
        }
    }

    fn wildcard_visit(
        &mut self,
        n: usize,
        r: usize,
        b: usize,
        kind: AccessKind,
        max_local: Option<Tag>,
    ) -> R {
        if self.rel(n, r, b, kind, max_local) == Some(Some(false))
            && Self::unconditional_skip(self.bytes[b][n].0, kind)
        {
            return Ok(());
        }
        for i in (0..self.nodes[n].children.len()).rev() {
            let c = self.nodes[n].children[i];
            self.wildcard_visit(c, r, b, kind, max_local)?;
        }
        match self.rel(n, r, b, kind, max_local) {
            None => Err(Fail {
                kind: UbKind::NoExposedTag,
                node: None,
            }),
            Some(None) => Ok(()),
            Some(Some(local)) => self.apply(n, b, kind, local),
        }
    }
}
