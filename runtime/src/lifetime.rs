//! Allocation lifetimes: registering allocations, checking and retiring deallocations,
//! moving a reallocated block.
//!
//! * Heap blocks are registered by `__bsan_alloc` after `malloc` & co. and found again at
//!   `free` either through the provenance of the freed pointer or, if that was lost, through
//!   the heap index ([`crate::alloc_info::heap_index`]). A heap deallocation is a Tree Borrows
//!   operation (spec §6): a write through the freeing pointer plus the strong-protector check.
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
    let rec = AllocInfo::create(addr, size, kind, site);
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
    let root = rec.lock().root_tag;
    Prov {
        alloc: rec.addr(),
        tag: root,
    }
}

/// The allocation at `addr` is being freed through provenance `prov`. Checks the
/// deallocation (heap only), retires the record and returns the allocation's size; 0 if the
/// runtime does not know the allocation.
pub fn dealloc(addr: usize, prov: Prov, kind: AllocKind, site: Site) -> Result<u64, Violation> {
    // The record named by the provenance, if it describes exactly this live allocation.
    let wildcard = prov.alloc == WILDCARD_ALLOC;
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
/// block moved) and registers `new` as a heap block. The old block was already retired by
/// the `dealloc` that preceded the `realloc`.
pub fn realloc_post(new: usize, old: usize, old_size: u64, new_size: u64, site: Site) -> Prov {
    if new == 0 {
        return Prov::UNTRACKED;
    }
    if new != old && old != 0 {
        let len = usize::try_from(old_size.min(new_size)).unwrap_or(usize::MAX);
        shadow::copy_prov(new, old, len);
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
        assert_eq!(dealloc(old, p, HEAP, 0).unwrap(), 16);
        let q = realloc_post(new, old, 16, 64, 0);
        assert_ne!(q, Prov::UNTRACKED);
        assert_eq!(shadow::load_prov(new + 8, 0xabc), Prov { alloc: 1, tag: 2 });
        assert_eq!(realloc_post(0, new, 64, 128, 0), Prov::UNTRACKED);
        assert_eq!(dealloc(new, q, HEAP, 0).unwrap(), 64);
    }
}
