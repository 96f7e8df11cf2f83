//! The index of exposed allocations: which allocations had a pointer cast to an integer
//! (`__bsan_expose`), by address range, so that a pointer cast back from an integer
//! (wildcard provenance, [`bsan_abi::WILDCARD_ALLOC`], model §7) can be resolved to the
//! allocation it points into.
//!
//! # What it owns, and what it does not
//!
//! Only the address range → record map. Which *tags* of an allocation are exposed is the
//! tree's business ([`bsan_tree::Tree::expose`]); an allocation exposed through its root
//! before it has a tree remembers that in [`crate::alloc_info::AllocState::root_exposed`].
//!
//! # Invariants
//!
//! * An entry `base → (end, record, id)` is inserted when a tag of a live allocation of
//!   non-zero size is exposed for the first time, and removed when that allocation is
//!   retired ([`crate::alloc_info::AllocInfo::retire`]), both under the record's lock. The
//!   `id` makes an entry name one allocation, not one record: records are recycled.
//! * Entries never overlap. Live allocations cannot overlap in memory, so an entry that
//!   overlaps a newly registered allocation describes memory that was freed behind the
//!   runtime's back (by uninstrumented code, or a stack frame left by `longjmp`): such
//!   entries are evicted when the new allocation is registered ([`evict_overlapping`]).
//! * Zero-sized allocations are never indexed: no address lies inside them, and one may
//!   share its base with a real allocation.
//! * A [`lookup`] is only a hint: the caller locks the record and checks that it is still
//!   live and still has the entry's `id` ([`Hit::validate`]). A stale hit is treated like no
//!   hit: the address is untracked, never resolved to a dead allocation.
//!
//! # Cost
//!
//! Nothing is exposed in most programs: [`lookup`] and [`evict_overlapping`] then return
//! after one relaxed load. Otherwise they take a read lock on one of 64 shards (by 16 MiB
//! region of the address; an allocation is entered in the shard of every region it
//! overlaps, usually one), each a `BTreeMap` from base address to entry.
//!
//! # Locking
//!
//! The shard locks are leaves: they may be taken while a record lock is held (insert,
//! remove), and nothing else is locked while one is held (not even another shard).
//! [`lookup`] releases its shard before the caller locks the record.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering::*};

use parking_lot::RwLock;

use crate::alloc_info::{AllocInfo, AllocState};
use crate::stats;

#[derive(Clone, Copy)]
struct Entry {
    base: usize,
    /// One past the last byte.
    end: usize,
    rec: &'static AllocInfo,
    /// The allocation's id ([`AllocState::id`]) when it was indexed.
    id: u64,
}

type Shard = RwLock<BTreeMap<usize, Entry>>;

/// log2 of the bytes of one region. An entry is stored in the shard of every region it
/// overlaps (usually one), so that a lookup only consults the shard of its address.
const REGION_SHIFT: u32 = 24;
const SHARDS: usize = 64;
static INDEX: [Shard; SHARDS] = [const { RwLock::new(BTreeMap::new()) }; SHARDS];
/// Entries per shard, readable without its lock: registering an allocation (every escaping
/// stack slot) skips the shards that hold nothing, as [`ENTRIES`] lets it skip everything
/// when nothing is exposed. The same relaxed reading as `ENTRIES`: an entry inserted
/// concurrently describes an allocation exposed while this one is being registered.
static SHARD_ENTRIES: [AtomicUsize; SHARDS] = [const { AtomicUsize::new(0) }; SHARDS];
/// Number of indexed allocations, readable without a lock.
static ENTRIES: AtomicUsize = AtomicUsize::new(0);

fn shard_index(region: usize) -> usize {
    let h = (region as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h >> 58) as usize % SHARDS
}

fn shard(region: usize) -> &'static Shard {
    &INDEX[shard_index(region)]
}

/// The regions `[base, end)` overlaps (`end > base`).
fn regions(base: usize, end: usize) -> std::ops::RangeInclusive<usize> {
    (base >> REGION_SHIFT)..=((end - 1) >> REGION_SHIFT)
}

/// A record that an address resolved to, to be validated under the record's lock.
#[derive(Clone, Copy)]
pub struct Hit {
    pub rec: &'static AllocInfo,
    pub id: u64,
}

impl Hit {
    /// Whether the locked state `st` (of `self.rec`) is still the allocation that was
    /// indexed, and wildcard provenance can be checked in it (see
    /// [`AllocState::exposure_lost`]).
    pub fn validate(&self, st: &AllocState) -> bool {
        st.live && st.id == self.id && !st.exposure_lost
    }
}

/// Whether any allocation is exposed (a relaxed hint).
#[inline]
pub fn any() -> bool {
    ENTRIES.load(Relaxed) != 0
}

/// The exposed allocation whose bytes contain `addr`, if any.
#[inline]
pub fn lookup(addr: usize) -> Option<Hit> {
    if !any() {
        return None;
    }
    // Entries never overlap, so only the one with the greatest base <= addr can contain it.
    let map = shard(addr >> REGION_SHIFT).read();
    let (_, e) = map.range(..=addr).next_back()?;
    (addr < e.end).then_some(Hit {
        rec: e.rec,
        id: e.id,
    })
}

/// Indexes the live allocation described by the locked `st` of `rec`. Called at most once
/// per allocation (the caller sets [`AllocState::exposed_indexed`]).
pub fn insert(rec: &'static AllocInfo, st: &AllocState) {
    let Ok(size) = usize::try_from(st.size) else {
        return;
    };
    if size == 0 {
        return;
    }
    let entry = Entry {
        base: st.base,
        end: st.base.saturating_add(size),
        rec,
        id: st.id,
    };
    if entry.end == entry.base {
        return;
    }
    evict_range(entry.base, entry.end);
    for region in regions(entry.base, entry.end) {
        let i = shard_index(region);
        if INDEX[i].write().insert(entry.base, entry).is_none() {
            SHARD_ENTRIES[i].fetch_add(1, Relaxed);
        }
    }
    ENTRIES.fetch_add(1, Relaxed);
    stats::EXPOSED_ALLOCS.bump();
}

/// Removes the entry of the allocation `id` at `base`, if it is still there.
pub fn remove(base: usize, id: u64) {
    let Some(entry) = shard(base >> REGION_SHIFT)
        .read()
        .get(&base)
        .filter(|e| e.id == id)
        .copied()
    else {
        return;
    };
    remove_entry(&entry);
}

/// Removes `entry` from every region's shard; counts it once.
fn remove_entry(entry: &Entry) {
    let mut removed = false;
    for region in regions(entry.base, entry.end) {
        let i = shard_index(region);
        let mut map = INDEX[i].write();
        if map.get(&entry.base).is_some_and(|e| e.id == entry.id) {
            map.remove(&entry.base);
            SHARD_ENTRIES[i].fetch_sub(1, Relaxed);
            removed = true;
        }
    }
    if removed {
        ENTRIES.fetch_sub(1, Relaxed);
    }
}

/// A new allocation `[base, base + size)` is being registered: entries overlapping it
/// describe memory that was freed without the runtime seeing it, and are dropped.
pub fn evict_overlapping(base: usize, size: u64) {
    if !any() || size == 0 {
        return;
    }
    let end = base.saturating_add(usize::try_from(size).unwrap_or(usize::MAX));
    if end > base {
        evict_range(base, end);
    }
}

fn evict_range(base: usize, end: usize) {
    let mut stale = Vec::new();
    for region in regions(base, end) {
        let i = shard_index(region);
        if SHARD_ENTRIES[i].load(Relaxed) == 0 {
            continue;
        }
        let map = INDEX[i].read();
        // Entries of this shard overlapping [base, end): the one starting before `base`
        // (at most one, entries never overlap) and those starting inside.
        let before = map.range(..base).next_back().map(|(_, e)| *e);
        stale.extend(before.filter(|e| e.end > base));
        stale.extend(map.range(base..end).map(|(_, e)| *e));
    }
    // An entry spanning several regions was found once per region.
    stale.sort_unstable_by_key(|e| (e.base, e.id));
    stale.dedup_by_key(|e| (e.base, e.id));
    for e in &stale {
        remove_entry(e);
        stats::EXPOSED_EVICTED.bump();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alloc_info::AllocKind;

    /// Fake addresses no other test uses.
    const BASE: usize = 0x6a00_0000_0000;

    fn indexed(base: usize, size: u64) -> (&'static AllocInfo, u64) {
        let rec = AllocInfo::create(base, size, AllocKind::Heap, 0);
        let mut st = rec.lock();
        insert(rec, &st);
        st.exposed_indexed = true;
        (rec, st.id)
    }

    #[test]
    fn lookup_finds_the_containing_allocation_only() {
        let (a, id) = indexed(BASE, 16);
        let hit = lookup(BASE + 15).expect("inside");
        assert!(std::ptr::eq(hit.rec, a) && hit.id == id);
        assert!(lookup(BASE + 16).is_none(), "one past the end");
        assert!(lookup(BASE - 1).is_none());
        a.retire(a.lock());
        assert!(lookup(BASE).is_none(), "retiring removes the entry");
    }

    #[test]
    fn overlapping_registrations_evict_stale_entries() {
        let base = BASE + 0x1000;
        let (a, _) = indexed(base, 64);
        // Freed behind the runtime's back; a new block overlapping its tail appears.
        evict_overlapping(base + 32, 8);
        assert!(lookup(base).is_none());
        // Zero-sized registrations evict nothing.
        let (b, _) = indexed(base + 0x100, 8);
        evict_overlapping(base + 0x100, 0);
        assert!(lookup(base + 0x100).is_some());
        // An insert replaces what it overlaps.
        let (c, cid) = indexed(base + 0x104, 8);
        assert!(lookup(base + 0x100).is_none());
        assert_eq!(lookup(base + 0x104).unwrap().id, cid);
        for r in [a, b, c] {
            r.retire(r.lock());
        }
        assert!(lookup(base + 0x104).is_none());
    }

    #[test]
    fn allocations_spanning_regions_are_found_and_evicted_everywhere() {
        let base = BASE + (5 << REGION_SHIFT) - 8;
        let (a, id) = indexed(base, 3 << REGION_SHIFT);
        for addr in [base, base + 8, base + (2 << REGION_SHIFT) + 8] {
            assert_eq!(lookup(addr).map(|h| h.id), Some(id), "{addr:#x}");
        }
        evict_overlapping(base + (2 << REGION_SHIFT), 16);
        for addr in [base, base + 8, base + (2 << REGION_SHIFT) + 8] {
            assert!(lookup(addr).is_none(), "{addr:#x}");
        }
        a.retire(a.lock());
    }

    #[test]
    fn zero_sized_allocations_are_not_indexed() {
        let base = BASE + 0x2000;
        let (a, _) = indexed(base, 0);
        assert!(lookup(base).is_none());
        a.retire(a.lock());
    }
}
