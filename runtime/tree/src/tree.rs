//! API skeleton: the tree implementation replaces every body below, keeping signatures.
use crate::*;

/// The tree of one allocation.
#[derive(Clone, Debug)]
pub struct Tree {
    _private: (),
}

impl Tree {
    /// A new tree for an allocation of `size` bytes whose root pointer has tag `root`
    /// (spec §1.1: root Unique + accessed on every in-bounds byte).
    pub fn new(root: Tag, size: u64, site: Site) -> Tree {
        let _ = (root, size, site);
        unimplemented!("tree: new")
    }
    /// The root tag.
    pub fn root(&self) -> Tag {
        unimplemented!()
    }
    /// Allocation size in bytes.
    pub fn size(&self) -> u64 {
        unimplemented!()
    }
    /// Whether `tag` is a node of this tree.
    pub fn contains(&self, tag: Tag) -> bool {
        let _ = tag;
        unimplemented!()
    }
    /// Whether `tag` currently has a protector.
    pub fn is_protected(&self, tag: Tag) -> bool {
        let _ = tag;
        unimplemented!()
    }
    /// An access of `kind` to `range` (offsets, in bounds) through `prov` (spec §2.4).
    pub fn access(
        &mut self,
        prov: Provenance,
        range: Range<u64>,
        kind: AccessKind,
        site: Site,
    ) -> Result<(), TreeError> {
        let _ = (prov, range, kind, site);
        unimplemented!()
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
        let _ = (parent, new, perm, site);
        unimplemented!()
    }
    /// Function exit for a protected `tag` (spec §4.1): implicit accesses, then the
    /// protector is dropped.
    pub fn release_protector(&mut self, tag: Tag, site: Site) -> Result<(), TreeError> {
        let _ = (tag, site);
        unimplemented!()
    }
    /// Deallocation through `prov` (spec §6). The caller drops the tree afterwards.
    pub fn dealloc(&mut self, prov: Provenance, site: Site) -> Result<(), TreeError> {
        let _ = (prov, site);
        unimplemented!()
    }
    /// Mark `tag` exposed (spec §7).
    pub fn expose(&mut self, tag: Tag) {
        let _ = tag;
        unimplemented!()
    }
    /// Prune dead tags (spec §8.1). `is_live` answers for tags held by live pointers;
    /// protected tags, roots and exposed tags are kept regardless.
    pub fn gc(&mut self, is_live: &dyn Fn(Tag) -> bool) {
        let _ = is_live;
        unimplemented!()
    }
    /// Number of nodes currently in the tree.
    pub fn node_count(&self) -> usize {
        unimplemented!()
    }
    /// Permission and accessed bit of `tag` at `offset`, if `tag` is in the tree.
    pub fn perm_at(&self, tag: Tag, offset: u64) -> Option<(Permission, bool)> {
        let _ = (tag, offset);
        unimplemented!()
    }
    /// The tree in Miri's `miri_print_borrow_state` layout (spec §9).
    pub fn dump(&self) -> String {
        unimplemented!()
    }
}
