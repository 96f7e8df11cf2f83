//! Allocation lifetimes: registering allocations, checking and retiring deallocations,
//! moving a reallocated block.
//!
//! * Heap blocks are registered by `__bsan_alloc` after `malloc` & co. and found again at
//!   `free` either through the provenance of the freed pointer or, if that was lost, through
//!   the heap index ([`crate::alloc_info::heap_index`]). A heap deallocation is a Tree Borrows
//!   operation (model §6): a write through the freeing pointer plus the strong-protector check.
//!   Without the freeing pointer's provenance it is not checked (never a false report).
//!   Freeing through wildcard provenance (a pointer cast from an integer) is a wildcard
//!   deallocation if the address is the base of an exposed allocation
//!   ([`crate::exposed`]), otherwise unchecked.
//! * Stack slots are registered when their address escapes and retired when their lifetime
//!   ends, *without* a Tree Borrows check: the end of an LLVM stack lifetime is coarser than
//!   MIR's `StorageDead` (slots are merged, lifetimes extended, markers dropped at `-O0`), so
//!   checking it would report on code that Miri accepts.
//! * Globals are registered once by module constructors and never retired.
//!
//! Retiring does not clear shadow memory for the block: stale entries are harmless (their
//! recorded value must match what is loaded, and their tags are unknown to any later tree).

use bsan_abi::{Prov, WILDCARD_ALLOC};
use bsan_tree::{Provenance, Site, TreeError};

use crate::access::record_of;
use crate::alloc_info::{heap_index, AllocInfo, AllocKind};
use crate::report::Violation;
use crate::{exposed, shadow, stats};

/// Registers `[addr, addr + size)`; returns the provenance of its root pointer (untracked
/// for a null address).
pub fn allocate(addr: usize, size: u64, kind: AllocKind, site: Site) -> Prov {
    if addr == 0 {
        return Prov::UNTRACKED;
    }
    // Exposed allocations overlapping this one were freed without the runtime seeing it.
    exposed::evict_overlapping(addr, size);
    let (rec, root) = AllocInfo::create_with_root(addr, size, kind, site);
    match kind {
        AllocKind::Heap => {
            stats::ALLOCS_HEAP.bump();
            if let Some(stale) = heap_index::insert(addr, rec) {
                // The runtime never saw this block's `free` (uninstrumented code freed it).
                let st = stale.lock();
                if st.live && st.base == addr {
                    stale.retire(st);
                }
            }
        }
        AllocKind::Stack => stats::ALLOCS_STACK.bump(),
        AllocKind::Global => stats::ALLOCS_GLOBAL.bump(),
    }
    Prov {
        alloc: rec.addr(),
        tag: root,
    }
}

/// The allocation at `addr` is being freed through provenance `prov`. Checks the
/// deallocation (heap only), retires the record and returns the allocation's size; 0 if the
/// runtime does not know the allocation. A heap block's shadow provenance is released
/// ([`shadow::release`]): nothing may load a pointer from freed memory, and stale entries
/// would keep their tags alive and their shadow pages resident.
pub fn dealloc(addr: usize, prov: Prov, kind: AllocKind, site: Site) -> Result<u64, Violation> {
    let size = retire(addr, prov, kind, site)?;
    if kind == AllocKind::Heap && size != 0 {
        shadow::release(addr, usize::try_from(size).unwrap_or(usize::MAX));
    }
    Ok(size)
}

/// The heap block at `addr` is being passed to `realloc`: [`dealloc`] except that its
/// shadow provenance stays for [`realloc_post`] to move.
pub fn dealloc_for_realloc(addr: usize, prov: Prov, site: Site) -> Result<u64, Violation> {
    retire(addr, prov, AllocKind::Heap, site)
}

/// Checks the deallocation and retires the record; the allocation's size, 0 if unknown.
fn retire(addr: usize, prov: Prov, kind: AllocKind, site: Site) -> Result<u64, Violation> {
    let wildcard = prov.alloc == WILDCARD_ALLOC;
    if kind == AllocKind::Stack && !wildcard {
        // The common case (every escaping stack slot, at every function exit): check that
        // the record describes exactly this live slot and retire it under one lock.
        let Some(rec) = record_of(prov) else {
            return Ok(0);
        };
        let st = rec.lock();
        if !(st.live && st.base == addr && st.kind == kind) {
            return Ok(0);
        }
        let size = st.size;
        rec.retire(st);
        stats::DEALLOCS.bump();
        return Ok(size);
    }
    // The record named by the provenance, if it describes exactly this live allocation.
    let by_prov = if wildcard {
        exposed::lookup(addr).and_then(|hit| {
            let st = hit.rec.lock();
            (hit.validate(&st) && st.base == addr && st.kind == kind).then_some(hit.rec)
        })
    } else {
        record_of(prov).filter(|rec| {
            let st = rec.lock();
            st.live && st.base == addr && st.kind == kind
        })
    };
    match kind {
        AllocKind::Heap => {
            let (rec, tag) = match by_prov {
                Some(rec) => (rec, Some(prov.tag)),
                None => match heap_index::get(addr) {
                    Some(rec) => (rec, None),
                    None => return Ok(0),
                },
            };
            let mut st = rec.lock();
            if !st.live || st.base != addr {
                return Ok(0); // freed concurrently (a double free): not our business
            }
            let size = st.size;
            if let Some(tag) = tag {
                let source = if wildcard {
                    Provenance::Wildcard
                } else {
                    Provenance::Tag(st.resolve_tag(tag))
                };
                let id = st.id;
                // Without a tree, the root is the only tag (and the only exposed one): a
                // deallocation through it or through a wildcard is always allowed.
                if let Some(tree) = st.tree.as_deref_mut() {
                    match tree.dealloc(source, site) {
                        Ok(()) => {}
                        Err(TreeError::UnknownTag(_)) => stats::UNKNOWN_TAGS.bump(),
                        Err(TreeError::Ub(ub)) => return Err(Violation { ub, alloc_id: id }),
                    }
                }
            }
            heap_index::remove(addr, rec);
            rec.retire(st);
            stats::DEALLOCS.bump();
            Ok(size)
        }
        AllocKind::Stack => {
            let Some(rec) = by_prov else { return Ok(0) };
            let st = rec.lock();
            if !st.live {
                return Ok(0);
            }
            let size = st.size;
            rec.retire(st);
            stats::DEALLOCS.bump();
            Ok(size)
        }
        AllocKind::Global => Ok(by_prov.map_or(0, |rec| rec.lock().size)),
    }
}

/// After `realloc(old) == new`: moves the shadow provenance of the surviving bytes (if the
/// block moved), releases that of the bytes `realloc` freed (the old block, or the tail
/// of one shrunk in place), and registers `new` as a heap block. The old block was
/// already retired by the [`dealloc_for_realloc`] that preceded the `realloc`.
pub fn realloc_post(new: usize, old: usize, old_size: u64, new_size: u64, site: Site) -> Prov {
    if new == 0 {
        return Prov::UNTRACKED;
    }
    let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    if new != old && old != 0 {
        shadow::copy_prov(new, old, size(old_size.min(new_size)));
        shadow::release(old, size(old_size));
    } else if new == old && new_size < old_size {
        shadow::release(old + size(new_size), size(old_size - new_size));
    }
    allocate(new, new_size, AllocKind::Heap, site)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAP: AllocKind = AllocKind::Heap;

    #[test]
    fn null_is_untracked_and_unknown_frees_are_zero() {
        assert_eq!(allocate(0, 8, HEAP, 0), Prov::UNTRACKED);
        assert_eq!(dealloc(0x6100_0000, Prov::UNTRACKED, HEAP, 0).unwrap(), 0);
    }

    #[test]
    fn heap_free_works_without_provenance() {
        let p = allocate(0x6200_0000, 24, HEAP, 0);
        assert_ne!(p, Prov::UNTRACKED);
        assert_eq!(dealloc(0x6200_0000, Prov::UNTRACKED, HEAP, 0).unwrap(), 24);
        assert_eq!(
            dealloc(0x6200_0000, p, HEAP, 0).unwrap(),
            0,
            "double free: unknown"
        );
    }

    #[test]
    fn heap_free_through_provenance_and_stale_records_are_replaced() {
        let p = allocate(0x6300_0000, 0, HEAP, 0);
        let q = allocate(0x6300_0000, 16, HEAP, 0); // free of p was never seen
        let rec_p = AllocInfo::from_prov(p.alloc).unwrap();
        let rec_q = AllocInfo::from_prov(q.alloc).unwrap();
        assert!(!std::ptr::eq(rec_p, rec_q));
        assert!(rec_q.lock().live);
        assert_eq!(dealloc(0x6300_0000, q, HEAP, 0).unwrap(), 16);
    }

    #[test]
    fn stack_slots_retire_and_globals_stay() {
        let s = allocate(0x7ff0_0000, 32, AllocKind::Stack, 0);
        assert_eq!(dealloc(0x7ff0_0000, s, AllocKind::Stack, 0).unwrap(), 32);
        assert_eq!(dealloc(0x7ff0_0000, s, AllocKind::Stack, 0).unwrap(), 0);
        let g = allocate(0x40_0000, 4, AllocKind::Global, 0);
        assert_eq!(dealloc(0x40_0000, g, AllocKind::Global, 0).unwrap(), 4);
        assert!(AllocInfo::from_prov(g.alloc).unwrap().lock().live);
    }

    #[test]
    fn realloc_moves_shadow_and_registers_the_new_block() {
        let old = 0x5200_0000_0000usize;
        let new = 0x5200_0001_0000usize;
        let p = allocate(old, 16, HEAP, 0);
        shadow::store_prov(old + 8, 0xabc, Prov { alloc: 1, tag: 2 });
        assert_eq!(dealloc_for_realloc(old, p, 0).unwrap(), 16);
        let q = realloc_post(new, old, 16, 64, 0);
        assert_ne!(q, Prov::UNTRACKED);
        assert_eq!(shadow::load_prov(new + 8, 0xabc), Prov { alloc: 1, tag: 2 });
        assert_eq!(
            shadow::load_prov(old + 8, 0xabc),
            Prov::UNTRACKED,
            "the old block was freed: its provenance is released"
        );
        // Shrunk in place: the freed tail is released, the kept part stays.
        shadow::store_prov(new + 48, 0xdef, Prov { alloc: 1, tag: 3 });
        assert_eq!(dealloc_for_realloc(new, q, 0).unwrap(), 64);
        let r = realloc_post(new, new, 64, 16, 0);
        assert_eq!(shadow::load_prov(new + 8, 0xabc), Prov { alloc: 1, tag: 2 });
        assert_eq!(shadow::load_prov(new + 48, 0xdef), Prov::UNTRACKED);
        assert_eq!(realloc_post(0, new, 16, 128, 0), Prov::UNTRACKED);
        assert_eq!(dealloc(new, r, HEAP, 0).unwrap(), 16);
    }

    #[test]
    fn free_releases_the_blocks_shadow_provenance() {
        let a = 0x5200_0002_0000usize;
        let p = allocate(a, 64, HEAP, 0);
        shadow::store_prov(a + 8, 0x123, Prov { alloc: 1, tag: 2 });
        shadow::store_prov(a + 64, 0x456, Prov { alloc: 1, tag: 3 }); // next block
        assert_eq!(dealloc(a, p, HEAP, 0).unwrap(), 64);
        assert_eq!(shadow::load_prov(a + 8, 0x123), Prov::UNTRACKED);
        assert_eq!(shadow::load_prov(a + 64, 0x456), Prov { alloc: 1, tag: 3 });
    }
}
