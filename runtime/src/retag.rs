//! Retags: a reference (or `Box`) is created or passed, and gets a fresh tag that is a
//! child of the pointer's current tag (model §3).
//!
//! This module translates the ABI's description of the retag (address, size, flag bits,
//! `UnsafeCell` and `UnsafePinned` byte ranges relative to the pointee) into the tree's
//! [`NewPermission`] over allocation offsets, and registers protectors in the current
//! thread's frame ([`crate::frames`]). Which permissions the new tag gets is decided by the
//! tree, not here.
//!
//! Never a false report where the runtime cannot see: untracked provenance stays untracked;
//! a retag range not within the allocation, a dead allocation or an unknown parent tag keep
//! the old provenance unchanged; a `&mut` to a `!Unpin` pointee (any pin range) is not
//! retagged (model §3.2); a protected retag on a thread without an active frame is made
//! unprotected (nobody would release the protector).
//!
//! A retag of a pointer with wildcard provenance (cast from an integer, model §7) resolves
//! the allocation through the index of exposed allocations ([`crate::exposed`]; an address
//! in none gives untracked provenance) and creates the new tag as the root of a wildcard
//! subtree ([`bsan_tree::Tree::retag`] with [`Provenance::Wildcard`]); its implicit read is
//! a wildcard access. The result is concrete provenance `(record, new tag)`.

use std::ops::Range;

use bsan_abi::{retag_flags, Prov, WILDCARD_ALLOC};
use bsan_tree::{NewPermission, ProtectorKind, Provenance, Site, TreeError};

use crate::access::record_of;
use crate::report::Violation;
use crate::{exposed, frames, gc, stats, tags};

/// The decoded `flags` byte of a retag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RetagKind {
    /// Function-entry retag: protected until the function returns.
    pub protected: bool,
    /// `&mut T` or `Box<T>`.
    pub mutable: bool,
    /// `Box<T>` (weak protector).
    pub boxed: bool,
    /// `T: Freeze`.
    pub freeze: bool,
    /// The new tag never leaves its function (`NO_ESCAPE`): removed when its protector
    /// ends, or, unprotected, when its function's frame does.
    pub no_escape: bool,
    /// No pointer holds the parent's tag once the new one is made (`PARENT_DIES`): the
    /// parent is spliced out of the tree if the GC could.
    pub parent_dies: bool,
    /// The new (protected) tag dies at its function's exit unless it is the returned one
    /// (`DIES_UNLESS_RETURNED`).
    pub dies_unless_returned: bool,
    /// With `no_escape`, unprotected: the previous tag of the same retag site in this
    /// frame is dead once this one is made (`DIES_ON_REPEAT`).
    pub dies_on_repeat: bool,
}

impl RetagKind {
    /// Decodes the ABI bits; `None` for a combination the pass never emits (every bit of the
    /// byte has a meaning: `DIES_ON_REPEAT` only with `NO_ESCAPE` on an unprotected retag,
    /// `DIES_UNLESS_RETURNED` only on a protected one without `NO_ESCAPE`).
    pub fn from_abi(flags: u8) -> Option<RetagKind> {
        use retag_flags::*;
        let has = |bit: u8| flags & bit != 0;
        let valid = (!has(DIES_ON_REPEAT) || has(NO_ESCAPE) && !has(PROTECTED))
            && (!has(DIES_UNLESS_RETURNED) || has(PROTECTED) && !has(NO_ESCAPE));
        valid.then_some(RetagKind {
            protected: flags & retag_flags::PROTECTED != 0,
            mutable: flags & retag_flags::MUTABLE != 0,
            boxed: flags & retag_flags::BOX != 0,
            freeze: flags & retag_flags::FREEZE != 0,
            no_escape: flags & retag_flags::NO_ESCAPE != 0,
            parent_dies: flags & retag_flags::PARENT_DIES != 0,
            dies_unless_returned: flags & retag_flags::DIES_UNLESS_RETURNED != 0,
            dies_on_repeat: flags & retag_flags::DIES_ON_REPEAT != 0,
        })
    }
}

/// One retag, decoded.
#[derive(Clone, Copy, Debug)]
pub struct RetagRequest<'a> {
    /// The pointer being retagged.
    pub addr: usize,
    /// Pointee size in bytes (may be 0).
    pub size: u64,
    pub kind: RetagKind,
    /// `UnsafeCell` bytes as `[offset, len]` pairs relative to `addr`, in any order.
    pub cell_ranges: &'a [[u64; 2]],
    /// The pointee contains `UnsafePinned` bytes (or is otherwise `!Unpin`).
    pub pinned: bool,
}

/// `UnsafeCell` ranges relative to the pointee, as allocation offsets within `range`:
/// translated, clipped, sorted, merged, empty ones dropped.
pub fn cell_offsets(cells: &[[u64; 2]], range: &Range<u64>) -> Vec<Range<u64>> {
    if cells.is_empty() {
        // Most retags (every pointee without interior mutability): skip the sort and merge.
        return Vec::new();
    }
    let mut out: Vec<Range<u64>> = cells
        .iter()
        .filter_map(|&[off, len]| {
            let start = range.start.saturating_add(off).min(range.end);
            let end = start.saturating_add(len).min(range.end);
            (start < end).then_some(start..end)
        })
        .collect();
    out.sort_unstable_by_key(|r| r.start);
    let mut merged: Vec<Range<u64>> = Vec::with_capacity(out.len());
    for r in out {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// Retags the pointer of `req` with provenance `prov`; returns the new provenance.
pub fn retag(req: &RetagRequest<'_>, prov: Prov, site: Site) -> Result<Prov, Violation> {
    stats::RETAGS.bump();
    let wildcard = prov.alloc == WILDCARD_ALLOC;
    let (rec, hit) = if wildcard {
        stats::RETAGS_WILDCARD.bump();
        match exposed::lookup(req.addr) {
            Some(hit) => (hit.rec, Some(hit)),
            None => return Ok(Prov::UNTRACKED),
        }
    } else {
        match record_of(prov) {
            Some(rec) => (rec, None),
            None => return Ok(Prov::UNTRACKED),
        }
    };
    if req.kind.mutable && req.pinned {
        return Ok(prov);
    }
    let mut st = rec.lock();
    if hit.is_some_and(|h| !h.validate(&st)) {
        // The exposed allocation died since the lookup (its address is untracked now), or
        // wildcards cannot be checked in it.
        return Ok(Prov::UNTRACKED);
    }
    if !st.live {
        return Ok(prov);
    }
    let Some(range) = st.offsets(req.addr, req.size) else {
        return Ok(prov);
    };
    let parent = if wildcard {
        Provenance::Wildcard
    } else {
        Provenance::Tag(st.resolve_tag(prov.tag))
    };
    let id = st.id;
    let cell_ranges = cell_offsets(req.cell_ranges, &range);
    let protector = (req.kind.protected && frames::has_frame()).then_some(if req.kind.boxed {
        ProtectorKind::Weak
    } else {
        ProtectorKind::Strong
    });
    let perm = NewPermission {
        mutable: req.kind.mutable,
        freeze: req.kind.freeze,
        protector,
        range,
        cell_ranges: &cell_ranges,
    };
    let new = tags::fresh();
    let tree = rec.tree_or_create(&mut st);
    match tree.retag(parent, new, &perm, site) {
        Ok(()) => {}
        Err(TreeError::UnknownTag(_)) => {
            stats::UNKNOWN_TAGS.bump();
            return Ok(prov);
        }
        Err(TreeError::Ub(ub)) => return Err(Violation { ub, alloc_id: id }),
    }
    if stats::enabled() {
        stats::TREE_NODES_MAX.raise_to(tree.node_count() as u64);
        stats::TREE_CHUNKS_MAX.raise_to(tree.chunk_count() as u64);
    }
    let keep = match parent {
        // Its only child is the new tag: `forget_dead` keeps a parent with others.
        Provenance::Tag(t) if req.kind.parent_dies && tree.forget_dead(t) => {
            stats::TAGS_SPLICED.bump();
            [new, new]
        }
        Provenance::Tag(t) => [t, new],
        Provenance::Wildcard => [new, new],
    };
    gc::after_retag(rec, &mut st, &keep);
    drop(st);
    if req.kind.no_escape {
        stats::RETAGS_NO_ESCAPE.bump();
    }
    if protector.is_some() {
        // A frame was checked above; this thread cannot have lost it since.
        let at_exit = if req.kind.no_escape {
            frames::Death::AtExit
        } else if req.kind.dies_unless_returned {
            frames::Death::AtExitUnlessReturned
        } else {
            frames::Death::Never
        };
        frames::protect(rec, new, at_exit);
    } else if req.kind.no_escape {
        // The top frame is the function's own or a caller's: it ends after the function.
        let repeat = req.kind.dies_on_repeat.then_some(site);
        frames::dies_with_frame(rec, new, repeat);
    }
    stats::RETAGS_DONE.bump();
    gc::maybe_collect(&keep);
    Ok(Prov {
        alloc: rec.addr(),
        tag: new,
    })
}

/// The implicit read of a protected retag the pass elided (`__bsan_retag_check`, the
/// pass's `leaf_retags.rs`): the same resolution, range and read through `prov` as
/// [`retag`] makes before it creates the new tag, and nothing else. An allocation without
/// a tree has only its root, which a read through the root leaves unchanged, so no tree is
/// created for it.
pub fn check_elided(addr: usize, size: u64, prov: Prov, site: Site) -> Result<(), Violation> {
    stats::RETAGS_ELIDED.bump();
    let wildcard = prov.alloc == WILDCARD_ALLOC;
    let (rec, hit) = if wildcard {
        match exposed::lookup(addr) {
            Some(hit) => (hit.rec, Some(hit)),
            None => return Ok(()),
        }
    } else {
        match record_of(prov) {
            Some(rec) => (rec, None),
            None => return Ok(()),
        }
    };
    if !rec.has_tree() {
        return Ok(());
    }
    let mut st = rec.lock();
    if hit.is_some_and(|h| !h.validate(&st)) || !st.live {
        return Ok(());
    }
    let Some(range) = st.offsets(addr, size) else {
        return Ok(());
    };
    let parent = if wildcard {
        Provenance::Wildcard
    } else {
        Provenance::Tag(st.resolve_tag(prov.tag))
    };
    let id = st.id;
    let Some(tree) = st.tree.as_deref_mut() else {
        return Ok(());
    };
    match tree.reborrow_read(parent, range, site) {
        Ok(()) => Ok(()),
        Err(TreeError::UnknownTag(_)) => {
            stats::UNKNOWN_TAGS.bump();
            Ok(())
        }
        Err(TreeError::Ub(ub)) => Err(Violation { ub, alloc_id: id }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_decode_and_reject_combinations_never_emitted() {
        use retag_flags::*;
        let k = RetagKind::from_abi(PROTECTED | BOX).unwrap();
        assert!(k.protected && k.boxed && !k.mutable && !k.freeze);
        assert_eq!(RetagKind::from_abi(0), Some(RetagKind::default()));
        assert!(RetagKind::from_abi(NO_ESCAPE | DIES_ON_REPEAT).is_some_and(|k| k.dies_on_repeat));
        assert_eq!(RetagKind::from_abi(DIES_ON_REPEAT), None);
        assert_eq!(
            RetagKind::from_abi(PROTECTED | NO_ESCAPE | DIES_ON_REPEAT),
            None
        );
        assert!(RetagKind::from_abi(PROTECTED | DIES_UNLESS_RETURNED).is_some());
        assert_eq!(RetagKind::from_abi(DIES_UNLESS_RETURNED), None);
        assert_eq!(
            RetagKind::from_abi(PROTECTED | NO_ESCAPE | DIES_UNLESS_RETURNED),
            None
        );
    }

    #[test]
    fn cell_ranges_are_translated_clipped_sorted_merged() {
        let range = 16..32;
        let cells = [[8, 4], [0, 2], [1, 3], [14, 10], [20, 0], [40, 4]];
        assert_eq!(
            cell_offsets(&cells, &range),
            vec![16..20, 24..28, 30..32],
            "[0,2)+[1,4) merge; [14,24) clips to [30,32); empty and outside dropped"
        );
        assert!(cell_offsets(&[], &range).is_empty());
    }

    #[test]
    fn untracked_and_out_of_bounds_retags_change_nothing() {
        let req = RetagRequest {
            addr: 0x100,
            size: 4,
            kind: RetagKind::default(),
            cell_ranges: &[],
            pinned: false,
        };
        assert_eq!(retag(&req, Prov::UNTRACKED, 0).unwrap(), Prov::UNTRACKED);
        let garbage = Prov {
            alloc: 0x1234_5678,
            tag: 3,
        };
        assert_eq!(retag(&req, garbage, 0).unwrap(), Prov::UNTRACKED);

        let prov = crate::lifetime::allocate(0x1000, 8, crate::alloc_info::AllocKind::Heap, 0);
        let outside = RetagRequest {
            addr: 0x1006,
            ..req
        };
        assert_eq!(
            retag(&outside, prov, 0).unwrap(),
            prov,
            "[6, 10) is not within 8 bytes"
        );
        let pinned = RetagRequest {
            addr: 0x1000,
            kind: RetagKind {
                mutable: true,
                ..RetagKind::default()
            },
            pinned: true,
            ..req
        };
        assert_eq!(
            retag(&pinned, prov, 0).unwrap(),
            prov,
            "!Unpin &mut: no retag"
        );
        let rec = crate::alloc_info::AllocInfo::from_prov(prov.alloc).unwrap();
        assert!(!rec.has_tree(), "no retag happened, so no tree either");
        crate::lifetime::dealloc(0x1000, prov, crate::alloc_info::AllocKind::Heap, 0).unwrap();
    }
}
