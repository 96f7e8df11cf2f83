//! Shared helpers for the integration tests: a tree plus a tag counter, and `NewPermission`
//! builders per pointer kind (model §3.2).
#![allow(dead_code)]

use bsan_tree::*;
use std::ops::Range;

pub const NO_CELLS: &[Range<u64>] = &[];

/// `&mut T` (T: Freeze), unprotected.
pub fn mut_ref(range: Range<u64>) -> NewPermission<'static> {
    NewPermission {
        mutable: true,
        freeze: true,
        protector: None,
        range,
        cell_ranges: NO_CELLS,
    }
}
/// `&mut T` (T: Freeze) at function entry (strong protector).
pub fn mut_prot(range: Range<u64>) -> NewPermission<'static> {
    NewPermission {
        protector: Some(ProtectorKind::Strong),
        ..mut_ref(range)
    }
}
/// `Box<T>` at function entry (weak protector).
pub fn box_prot(range: Range<u64>) -> NewPermission<'static> {
    NewPermission {
        protector: Some(ProtectorKind::Weak),
        ..mut_ref(range)
    }
}
/// `&T` (T: Freeze).
pub fn shr(range: Range<u64>) -> NewPermission<'static> {
    NewPermission {
        mutable: false,
        freeze: true,
        protector: None,
        range,
        cell_ranges: NO_CELLS,
    }
}
/// `&T` with `UnsafeCell` bytes `cells` (T: !Freeze).
pub fn shr_cell<'a>(range: Range<u64>, cells: &'a [Range<u64>]) -> NewPermission<'a> {
    NewPermission {
        mutable: false,
        freeze: false,
        protector: None,
        range,
        cell_ranges: cells,
    }
}
/// `&mut T` with `UnsafeCell` bytes `cells` (T: !Freeze).
pub fn mut_cell<'a>(
    range: Range<u64>,
    cells: &'a [Range<u64>],
    protected: bool,
) -> NewPermission<'a> {
    NewPermission {
        mutable: true,
        freeze: false,
        protector: protected.then_some(ProtectorKind::Strong),
        range,
        cell_ranges: cells,
    }
}

pub const R: AccessKind = AccessKind::Read;
pub const W: AccessKind = AccessKind::Write;

/// A tree with root tag 1 and a tag counter; sites are the tag numbers * 100.
pub struct T {
    pub t: Tree,
    pub next: Tag,
}

impl T {
    pub fn new(size: u64) -> T {
        T {
            t: Tree::new(1, size, 100),
            next: 2,
        }
    }
    /// Retag that must succeed; returns the new tag.
    pub fn rb(&mut self, parent: Tag, p: NewPermission<'_>) -> Tag {
        let tag = self.next;
        self.next += 1;
        self.t
            .retag(Provenance::Tag(parent), tag, &p, tag * 100)
            .expect("retag must succeed");
        tag
    }
    /// Retag through a wildcard parent that must succeed.
    pub fn rb_wild(&mut self, p: NewPermission<'_>) -> Tag {
        let tag = self.next;
        self.next += 1;
        self.t
            .retag(Provenance::Wildcard, tag, &p, tag * 100)
            .expect("retag must succeed");
        tag
    }
    /// Retag that may fail (the tag is consumed either way).
    pub fn try_rb(&mut self, parent: Tag, p: NewPermission<'_>) -> Result<Tag, TreeError> {
        let tag = self.next;
        self.next += 1;
        self.t
            .retag(Provenance::Tag(parent), tag, &p, tag * 100)
            .map(|_| tag)
    }
    pub fn rd(&mut self, tag: Tag, r: Range<u64>) -> Result<(), TreeError> {
        self.t.access(Provenance::Tag(tag), r, R, 7)
    }
    pub fn wr(&mut self, tag: Tag, r: Range<u64>) -> Result<(), TreeError> {
        self.t.access(Provenance::Tag(tag), r, W, 7)
    }
    pub fn perm(&self, tag: Tag, off: u64) -> (Permission, bool) {
        self.t.perm_at(tag, off).expect("tag in tree")
    }
}

pub fn ub(r: Result<impl std::fmt::Debug, TreeError>) -> Ub {
    match r {
        Err(TreeError::Ub(u)) => *u,
        other => panic!("expected UB, got {other:?}"),
    }
}

pub fn texts(u: &Ub) -> Vec<String> {
    u.history.iter().map(|h| h.text.clone()).collect()
}

pub fn notes(u: &Ub) -> Vec<Option<String>> {
    u.history.iter().map(|h| h.note.clone()).collect()
}

pub const RES: Permission = Permission::Reserved { conflicted: false };
pub const RESC: Permission = Permission::Reserved { conflicted: true };
