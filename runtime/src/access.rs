//! Accesses through pointers (`__bsan_read`/`__bsan_write`), and pointers escaping into
//! integers (`__bsan_expose`).
//!
//! [`before_access`] is the hottest path of the runtime and is ordered so that the common
//! cases cost least: untracked provenance returns at once; an allocation that was never
//! retagged (no tree) returns after one relaxed load, without its lock; only then is the
//! record locked and the tree asked.
//!
//! Wildcard provenance (a pointer cast from an integer, model §7) is resolved here through the
//! index of exposed allocations ([`crate::exposed`]): an address in no exposed allocation is
//! untracked; otherwise the access is a wildcard access in that allocation's tree, which
//! reports `... through <wildcard> ...` if no exposed tag may perform it. An exposed
//! allocation without a tree was exposed through its root only (it has no other tag), and
//! every wildcard access is then local to the root, which allows everything and changes
//! nothing: it is not checked. An allocation where a tag pruned by the GC was exposed is
//! not checked for wildcards either ([`crate::alloc_info::AllocState::exposure_lost`]).
//!
//! What is deliberately *not* checked here: bounds and liveness. An access outside the
//! allocation (or through a dangling pointer whose record now describes another allocation)
//! is clipped to the allocation and ignored if nothing remains: out-of-bounds and
//! use-after-free are other tools' business, and checking them with imprecise provenance
//! would produce false reports.

use bsan_abi::{Prov, WILDCARD_ALLOC};
use bsan_tree::{AccessKind, Provenance, Site, TreeError};

use crate::alloc_info::AllocInfo;
use crate::report::Violation;
use crate::{exposed, stats};

/// Resolves a provenance's record, counting (or, with `report_internal_errors=1`, stopping
/// on) record addresses the runtime never handed out. Untracked and wildcard provenance
/// name no record (wildcard provenance is resolved by address, see [`crate::exposed`]).
#[inline]
pub fn record_of(prov: Prov) -> Option<&'static AllocInfo> {
    if prov.alloc == 0 || prov.alloc == WILDCARD_ALLOC {
        return None;
    }
    let rec = AllocInfo::from_prov(prov.alloc);
    if rec.is_none() {
        stats::INVALID_PROVENANCE.bump();
        if crate::runtime_flags().report_internal_errors {
            crate::report::internal_error(format_args!(
                "provenance names no allocation record (alloc={:#x}, tag={})",
                prov.alloc, prov.tag
            ));
        }
    }
    rec
}

/// Checks an access of `kind` to `[addr, addr + size)` through `prov`.
#[inline]
pub fn before_access(
    addr: usize,
    size: u64,
    prov: Prov,
    kind: AccessKind,
    site: Site,
) -> Result<(), Violation> {
    if prov.alloc == WILDCARD_ALLOC {
        return wildcard_access(addr, size, kind, site);
    }
    let Some(rec) = record_of(prov) else {
        stats::ACCESSES_UNTRACKED.bump();
        return Ok(());
    };
    if !rec.has_tree() {
        stats::ACCESSES_NO_TREE.bump();
        return Ok(());
    }
    let mut st = rec.lock();
    if !st.live {
        return Ok(());
    }
    let Some(range) = st.clipped_offsets(addr, size) else {
        return Ok(());
    };
    let tag = st.resolve_tag(prov.tag);
    let id = st.id;
    let Some(tree) = st.tree.as_deref_mut() else {
        stats::ACCESSES_NO_TREE.bump();
        return Ok(());
    };
    stats::ACCESSES_CHECKED.bump();
    match tree.access(Provenance::Tag(tag), range, kind, site) {
        Ok(()) => Ok(()),
        Err(TreeError::UnknownTag(_)) => {
            stats::UNKNOWN_TAGS.bump();
            Ok(())
        }
        Err(TreeError::Ub(ub)) => Err(Violation { ub, alloc_id: id }),
    }
}

/// An access through wildcard provenance: a wildcard access in the tree of the exposed
/// allocation containing `addr` (see the module docs).
#[cold]
fn wildcard_access(addr: usize, size: u64, kind: AccessKind, site: Site) -> Result<(), Violation> {
    stats::ACCESSES_WILDCARD.bump();
    let Some(hit) = exposed::lookup(addr) else {
        stats::ACCESSES_UNTRACKED.bump();
        return Ok(());
    };
    if !hit.rec.has_tree() {
        stats::ACCESSES_NO_TREE.bump();
        return Ok(());
    }
    let mut st = hit.rec.lock();
    if !hit.validate(&st) {
        stats::ACCESSES_UNTRACKED.bump();
        return Ok(());
    }
    let Some(range) = st.clipped_offsets(addr, size) else {
        return Ok(());
    };
    let id = st.id;
    let Some(tree) = st.tree.as_deref_mut() else {
        stats::ACCESSES_NO_TREE.bump();
        return Ok(());
    };
    stats::ACCESSES_CHECKED.bump();
    match tree.access(Provenance::Wildcard, range, kind, site) {
        Ok(()) => Ok(()),
        Err(TreeError::UnknownTag(_)) => {
            stats::UNKNOWN_TAGS.bump();
            Ok(())
        }
        Err(TreeError::Ub(ub)) => Err(Violation { ub, alloc_id: id }),
    }
}

/// The pointer `addr` with provenance `prov` was cast to an integer: its tag becomes a
/// candidate for wildcard accesses (model §7), and its allocation is indexed by address so
/// that pointers cast back from integers find it. Exposing untracked or wildcard
/// provenance does nothing (the latter's candidates are exposed already); neither does a
/// tag the allocation does not know (stale provenance).
pub fn expose(addr: usize, prov: Prov) {
    let _ = addr;
    let Some(rec) = record_of(prov) else { return };
    let mut st = rec.lock();
    if !st.live {
        return;
    }
    let tag = st.resolve_tag(prov.tag);
    if let Some(tree) = st.tree.as_deref_mut() {
        if !tree.contains(tag) {
            stats::UNKNOWN_TAGS.bump();
            // Tags of earlier allocations in this record are older than its root; a younger
            // unknown tag was pruned while still held. Wildcard accesses could have come
            // through it, so they must not be checked against the other exposed tags.
            if tag > st.root_tag {
                st.exposure_lost = true;
            }
            return;
        }
        tree.expose(tag);
    } else if tag == st.root_tag {
        // No tree: the root is the allocation's only tag. The tree exposes it when created.
        st.root_exposed = true;
    } else {
        stats::UNKNOWN_TAGS.bump();
        return;
    }
    if !st.exposed_indexed {
        st.exposed_indexed = true;
        exposed::insert(rec, &st);
    }
}
