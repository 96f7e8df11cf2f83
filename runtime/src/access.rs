//! Accesses through pointers (`__bsan_read`/`__bsan_write`), and pointers escaping into
//! integers (`__bsan_expose`).
//!
//! [`before_access`] is the hottest path of the runtime and is ordered so that the common
//! cases cost least: untracked provenance returns at once; an allocation that was never
//! retagged (no tree) returns after one relaxed load, without its lock; only then is the
//! record locked and the tree asked.
//!
//! What is deliberately *not* checked here: bounds and liveness. An access outside the
//! allocation (or through a dangling pointer whose record now describes another allocation)
//! is clipped to the allocation and ignored if nothing remains: out-of-bounds and
//! use-after-free are other tools' business, and checking them with imprecise provenance
//! would produce false reports.

use bsan_abi::Prov;
use bsan_tree::{AccessKind, Provenance, Site, TreeError};

use crate::alloc_info::AllocInfo;
use crate::report::Violation;
use crate::stats;

/// Resolves a provenance's record, counting (or, with `report_internal_errors=1`, stopping
/// on) record addresses the runtime never handed out.
#[inline]
pub fn record_of(prov: Prov) -> Option<&'static AllocInfo> {
    if prov.alloc == 0 {
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

/// The pointer `addr` with provenance `prov` was cast to an integer: its tag becomes a
/// candidate for wildcard accesses (spec §7). Nothing to do without a tree (the root is
/// implicitly the only tag) or for a dead allocation.
pub fn expose(addr: usize, prov: Prov) {
    let _ = addr;
    let Some(rec) = record_of(prov) else { return };
    if !rec.has_tree() {
        return;
    }
    let mut st = rec.lock();
    if !st.live {
        return;
    }
    let tag = st.resolve_tag(prov.tag);
    if let Some(tree) = st.tree.as_deref_mut() {
        if tree.contains(tag) {
            tree.expose(tag);
        } else {
            stats::UNKNOWN_TAGS.bump();
        }
    }
}
