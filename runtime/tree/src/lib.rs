//! Tree Borrows, the model: one tree of tags per allocation, per-location permissions,
//! protectors, wildcard provenance, pruning, and the diagnostics data behind reports.
//!
//! Pure Rust: no unsafe, no libc, no knowledge of addresses, shadow memory or threads. The
//! runtime owns a [`Tree`] per allocation (created lazily at the allocation's first retag),
//! hands it byte offsets relative to the allocation start, global tags and opaque [`Site`]s,
//! and turns the [`Ub`] values this crate returns into reports.
//!
//! The semantics are those of `runtime/docs/tree-borrows.md` (Miri's Tree Borrows, 2026),
//! which comments cite as *model §N*.
//!
//! The public items below are the tree's interface to the runtime (`runtime/src`); their
//! implementations live in the submodules.
//!
//! Module map (one concept per file, like Miri's `tree_borrows/`):
//! * `perms`: states, transition table, SIFA, GC replaceability, wildcard levels, packed
//!   per-location state;
//! * `locations`: run-length compressed per-location state (chunks split on demand),
//!   each chunk storing only the entries it has (dense prefix, sparse tail);
//! * `tagmap`: tag -> node index map (open addressing);
//! * `footprint`: how the tree's vectors grow (small ones one element at a time);
//! * `tree`: nodes, roots and the public operations (retag, protector end or forgotten
//!   protector, dealloc, expose), and the no-op access cache;
//! * `traversal`: the per-chunk access traversal and the per-node `apply`;
//! * `skipping`: per (node, chunk) counts of children a foreign access cannot skip, so
//!   sibling scans stop early and untouched chunks are recognised without a traversal;
//! * `wildcard`: exposed tags and wildcard accesses;
//! * `gc`: pruning of dead tags;
//! * `diagnostics`: events, `Ub` (title, help, history) and the tree dump;
//! * `naive` (hidden): a deliberately naive per-byte reference model for differential
//!   tests and the benchmark.
//!
//! Choices where the spec leaves room, and known gaps:
//! * wildcard accesses visit each tree strictly children-before-parents, skipping at every
//!   node (model §7 wording; Miri visits the tree root first), see `wildcard`;
//! * exposure counts are computed per wildcard traversal instead of being kept per
//!   location (same values, see `wildcard`);
//! * §6 strong-protector check: trees other than the source's are checked in post-order;
//! * `retag` with a `new` tag already in the tree, like an unknown tag, returns
//!   `UnknownTag` and changes nothing; `release_protector` on an unprotected tag is a no-op;
//!   ranges beyond the allocation size are clamped;
//! * there are no pointer names: tags print as `<N>`; the dump names the allocation root;
//! * performance (`cargo xtask bench tree`): a repeated access through one pointer is a
//!   cache hit (a few ns); a `reborrow; write; drop` cycle with GC every 64 cycles stays
//!   O(1) between GCs (the skipping counts find the one sibling to visit), case (c) of the
//!   benchmark; per-chunk state costs in proportion to the entries present, not
//!   chunks × nodes (`tests/footprint.rs`).
#![forbid(unsafe_code)]

use std::ops::Range;

/// A pointer identity. Globally unique, allocated by the runtime from one counter starting
/// at 1, so a child always has a larger tag than its parent. Never 0.
pub type Tag = u64;

/// An opaque code location (a return address in the instrumented program) recorded for
/// diagnostics. The runtime symbolizes it; this crate only stores and returns it. 0 = unknown.
pub type Site = u64;

/// Read or write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessKind {
    Read,
    Write,
}

/// Strong protectors (references) forbid deallocation; weak ones (`Box`) do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProtectorKind {
    Weak,
    Strong,
}

/// The provenance an access or retag comes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Provenance {
    Tag(Tag),
    /// A pointer cast from an integer: may be any exposed tag (model §7).
    Wildcard,
}

/// What a new tag gets (model §3.2, §3.3). The runtime builds this from retag flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPermission<'a> {
    /// `&mut T` or `Box<T>`; otherwise `&T`.
    pub mutable: bool,
    /// `T: Freeze`: decides the permission outside `range`.
    pub freeze: bool,
    /// Set for function-entry retags.
    pub protector: Option<ProtectorKind>,
    /// The retagged bytes, as offsets into the allocation (may be empty: zero-sized retag).
    pub range: Range<u64>,
    /// `UnsafeCell` bytes, as offsets into the allocation; sorted, disjoint, within `range`.
    pub cell_ranges: &'a [Range<u64>],
}

/// Why an access happened; decides the wording of reports and history lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccessCause {
    Explicit(AccessKind),
    Reborrow,
    Dealloc,
    FnExit(AccessKind),
}

/// A Tree Borrows violation, with everything a report needs.
pub use diagnostics::Ub;
pub use diagnostics::{HistoryLine, UbKind};

/// Errors of tree operations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TreeError {
    /// The program violated Tree Borrows.
    Ub(Box<Ub>),
    /// The tag is not (or no longer) part of this tree: the runtime lost track of it (e.g.
    /// stale provenance); not a violation, the operation did nothing.
    UnknownTag(Tag),
}

pub mod diagnostics;
mod footprint;
mod gc;
mod locations;
#[doc(hidden)]
pub mod naive;
pub mod perms;
mod skipping;
mod tagmap;
mod traversal;
pub mod tree;
mod wildcard;

pub use perms::Permission;
pub use tree::Tree;
