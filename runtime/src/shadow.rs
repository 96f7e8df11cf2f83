//! Shadow provenance memory: for every 8-byte-aligned word of the program that holds a
//! pointer, the pointer's provenance `(alloc, tag)` and the pointer value it was stored with.
//!
//! # Layout
//!
//! A two-level table over the whole user address space (48 bits on both supported targets):
//!
//! | level | indexed by                              | entries  | entry                  | size (virtual) |
//! |-------|-----------------------------------------|----------|------------------------|----------------|
//! | L1    | `addr >> CHUNK_SHIFT` (bits 47..24)     | 2^24     | `AtomicPtr` to L2      | 128 MiB        |
//! | L2    | `(addr >> 3) & (WORDS_PER_CHUNK - 1)`   | 2^21     | [`Entry`], 24 bytes    | 48 MiB each    |
//!
//! One L2 chunk shadows 16 MiB of program memory. Both levels are anonymous `MAP_NORESERVE`
//! mappings created on first use (L1 at the first pointer store, each L2 chunk at the first
//! pointer store into its 16 MiB): untouched pages cost nothing, so the resident cost is
//! 3 bytes of shadow per byte of memory that actually holds pointers (rounded to pages).
//! Chunks are installed with a compare-and-swap and never unmapped. Addresses at or above
//! 2^48 (kernel, non-canonical or tagged pointers) are never tracked. Installed chunks are
//! also pushed on a lock-free list so that the garbage collector can [`scan`] them, page by
//! resident page, without walking the 2^24 slots of L1.
//!
//! # Dirty groups
//!
//! Each L2 mapping ends with a *dirty map*: one `u32` per group of [`GROUP_WORDS`]
//! shadowed words (4 KiB of program memory), set by every recording store into the group
//! to the current *scan epoch* (0 = never written). Every full [`scan`] starts a new epoch.
//! So an entry recorded after the full scan of epoch `e` began lies in a group whose flag
//! is at least `e`: a *young* collection, which only asks about tags made after that scan
//! ended, reads just those groups ([`scan_dirty`]), not the rest of shadow memory (a
//! pointer with such a tag can only have been stored after it).

//! # Invariants
//!
//! * An [`Entry`] with `value == 0` is empty. `load_prov(addr, v)` returns the recorded
//!   provenance only if the entry's `value == v`, the value the program actually loaded: a
//!   non-pointer store, an uninstrumented store or a `memset` that the runtime did not see
//!   changes the word's contents, so the stale entry no longer matches and is ignored. This
//!   is what makes shadow memory safe to be imprecise.
//! * Only 8-byte-aligned pointer stores are recorded; an unaligned store leaves the shadow as
//!   is (the value check above then rejects the overlapped words in practice).
//!
//! # Concurrency (racy but benign)
//!
//! Each entry is a tiny seqlock whose lock word is `value` itself: a writer swaps `value` to
//! [`LOCKED`] (giving up, never spinning, if another writer holds it: the slot then keeps
//! the other writer's pointer, which is what a racing program stores last anyway or, if the
//! memory holds ours, fails the value check), writes `alloc` and `tag`, and publishes
//! `value` with release ordering. A reader reads `value`, `alloc`, `tag`, then `value` again,
//! and trusts the triple only if both reads of `value` agree. The only tearing left is two
//! writers storing the *same* pointer value with different provenance, which yields either
//! one of the two (same allocation: both are valid tags of it) or a tag of another record
//! (the pointer's allocation was freed and reused): unknown to that record's tree, so it is
//! ignored. No writer ever blocks, so a signal handler storing pointers cannot deadlock.

use std::sync::atomic::{fence, AtomicPtr, AtomicU32, AtomicU64, Ordering::*};

use bsan_abi::Prov;

use crate::sys::Mapping;

#[cfg(target_arch = "x86_64")]
mod arch {
    /// x86_64 Linux user space: `0 .. 2^47` (4-level paging; 5-level paging only hands out
    /// higher addresses on request), so 48 bits cover it with room to spare.
    pub const ADDRESS_BITS: u32 = 48;
}

#[cfg(target_arch = "aarch64")]
mod arch {
    /// aarch64 Linux user space with 48-bit virtual addresses (4 KiB pages, 4 levels), the
    /// default configuration; the top byte may carry a tag (TBI), such pointers are ignored.
    pub const ADDRESS_BITS: u32 = 48;
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
compile_error!(
    "bsan's shadow memory layout is defined for x86_64 and aarch64 (48-bit user address \
     spaces) only; add the target's address-space constants to runtime/src/shadow.rs"
);

pub use arch::ADDRESS_BITS;

/// log2 of the bytes of program memory one L2 chunk shadows (16 MiB).
pub const CHUNK_SHIFT: u32 = 24;
/// log2 of the shadowed word size.
const WORD_SHIFT: u32 = 3;
const WORD: usize = 1 << WORD_SHIFT;
/// Number of L1 slots.
const L1_ENTRIES: usize = 1 << (ADDRESS_BITS - CHUNK_SHIFT);
/// Number of shadowed words per L2 chunk.
const WORDS_PER_CHUNK: usize = 1 << (CHUNK_SHIFT - WORD_SHIFT);
/// Bytes of one L2 chunk's entries.
const CHUNK_BYTES: usize = WORDS_PER_CHUNK * std::mem::size_of::<Entry>();
/// log2 of the words of one dirty group.
const GROUP_SHIFT: u32 = 9;
/// Shadowed words per dirty group (4 KiB of program memory).
pub const GROUP_WORDS: usize = 1 << GROUP_SHIFT;
/// Dirty groups (and dirty-map flags) per L2 chunk.
const GROUPS_PER_CHUNK: usize = WORDS_PER_CHUNK >> GROUP_SHIFT;
/// Bytes of one L2 mapping: the entries, then the dirty map.
const MAPPING_BYTES: usize = CHUNK_BYTES + GROUPS_PER_CHUNK * std::mem::size_of::<AtomicU32>();
/// The scan epoch recording stores flag their group with (see the module docs).
static EPOCH: AtomicU32 = AtomicU32::new(1);
/// Bytes of the L1 table.
const L1_BYTES: usize = L1_ENTRIES * std::mem::size_of::<AtomicPtr<Entry>>();
/// First address that is never tracked.
const ADDRESS_LIMIT: usize = 1 << ADDRESS_BITS;

/// The `value` of an entry being written (never a user pointer: above the 48-bit address space).
pub const LOCKED: u64 = u64::MAX;

/// The shadow of one 8-byte word.
#[repr(C)]
pub struct Entry {
    /// The pointer value stored in the word when the provenance was recorded; 0 = empty,
    /// [`LOCKED`] = being written.
    value: AtomicU64,
    alloc: AtomicU64,
    tag: AtomicU64,
}

const _: () = assert!(std::mem::size_of::<Entry>() == 24);
const _: () = assert!(std::mem::size_of::<AtomicPtr<Entry>>() == 8);
const _: () = assert!(L1_BYTES == 128 << 20);
const _: () = assert!(CHUNK_BYTES == 48 << 20);
const _: () = assert!((LOCKED as u128) >= ADDRESS_LIMIT as u128);

static L1: AtomicPtr<AtomicPtr<Entry>> = AtomicPtr::new(std::ptr::null_mut());

/// One installed L2 chunk, in a push-only list (never freed).
struct ChunkNode {
    chunk: *const Entry,
    next: *const ChunkNode,
}

static CHUNKS: AtomicPtr<ChunkNode> = AtomicPtr::new(std::ptr::null_mut());

/// Adds an installed chunk to the list [`scan`] walks.
fn note_chunk(chunk: *const Entry) {
    let node = Box::leak(Box::new(ChunkNode {
        chunk,
        next: std::ptr::null(),
    }));
    let mut head = CHUNKS.load(Acquire);
    loop {
        node.next = head;
        match CHUNKS.compare_exchange_weak(head, node, AcqRel, Acquire) {
            Ok(_) => return,
            Err(h) => head = h,
        }
    }
}

/// Maps `len` bytes of shadow or stops with an internal error (the runtime cannot work
/// without its shadow memory).
fn map_or_die(len: usize, what: &str) -> Mapping {
    Mapping::anon(len).unwrap_or_else(|| {
        crate::report::internal_error(format_args!(
            "cannot map {len} bytes of shadow memory ({what})"
        ))
    })
}

/// The L1 table, if it exists.
#[inline]
fn l1() -> Option<&'static [AtomicPtr<Entry>]> {
    let p = L1.load(Acquire);
    // SAFETY: once installed, L1 points to `L1_ENTRIES` zero-initialised atomic pointers
    // that live for the rest of the process.
    (!p.is_null()).then(|| unsafe { std::slice::from_raw_parts(p, L1_ENTRIES) })
}

/// The L1 table, created if needed.
fn l1_or_create() -> &'static [AtomicPtr<Entry>] {
    if let Some(t) = l1() {
        return t;
    }
    let map = map_or_die(L1_BYTES, "L1 table");
    let fresh = map.as_mut_ptr().cast();
    match L1.compare_exchange(std::ptr::null_mut(), fresh, AcqRel, Acquire) {
        Ok(_) => {
            map.leak();
        }
        Err(_) => drop(map), // another thread won; unmap ours
    }
    l1().expect("L1 installed above")
}

/// The entry shadowing the aligned word at `addr`, if its chunk exists.
#[inline]
fn entry(addr: usize) -> Option<&'static Entry> {
    if addr >= ADDRESS_LIMIT {
        return None;
    }
    let chunk = l1()?[addr >> CHUNK_SHIFT].load(Acquire);
    if chunk.is_null() {
        return None;
    }
    // SAFETY: an installed chunk holds `WORDS_PER_CHUNK` entries and is never unmapped.
    Some(unsafe { &*chunk.add((addr >> WORD_SHIFT) & (WORDS_PER_CHUNK - 1)) })
}

/// The entry shadowing the aligned word at `addr` and its group's dirty flag, creating its
/// chunk if needed; `None` for untracked addresses.
fn entry_or_create(addr: usize) -> Option<(&'static Entry, &'static AtomicU32)> {
    if addr >= ADDRESS_LIMIT {
        return None;
    }
    let slot = &l1_or_create()[addr >> CHUNK_SHIFT];
    let mut chunk = slot.load(Acquire);
    if chunk.is_null() {
        let map = map_or_die(MAPPING_BYTES, "L2 chunk");
        let fresh = map.as_mut_ptr().cast();
        match slot.compare_exchange(std::ptr::null_mut(), fresh, AcqRel, Acquire) {
            Ok(_) => {
                map.leak();
                note_chunk(fresh);
                chunk = fresh;
            }
            Err(theirs) => {
                drop(map);
                chunk = theirs;
            }
        }
    }
    let word = (addr >> WORD_SHIFT) & (WORDS_PER_CHUNK - 1);
    // SAFETY: an installed chunk maps `MAPPING_BYTES`: `WORDS_PER_CHUNK` entries, then one
    // dirty flag per group; it is never unmapped.
    unsafe {
        let dirty = &*dirty_map(chunk).add(word >> GROUP_SHIFT);
        Some((&*chunk.add(word), dirty))
    }
}

/// The dirty map of an installed chunk.
#[inline(always)]
fn dirty_map(chunk: *const Entry) -> *const AtomicU32 {
    chunk.cast::<u8>().wrapping_add(CHUNK_BYTES).cast()
}

/// Flags a group as written in the current scan epoch. Release: a scan that reads the flag
/// (acquire) then sees the entry written before.
#[inline(always)]
fn mark_dirty(flag: &AtomicU32) {
    let epoch = EPOCH.load(Relaxed);
    if flag.load(Relaxed) != epoch {
        flag.store(epoch, Release);
    }
}

impl Entry {
    /// Records `value` with `prov` (both non-zero); gives up if another writer is active.
    #[inline]
    fn write(&self, value: u64, prov: Prov) {
        let cur = self.value.load(Relaxed);
        if cur == LOCKED
            || self
                .value
                .compare_exchange(cur, LOCKED, Acquire, Relaxed)
                .is_err()
        {
            return;
        }
        self.alloc.store(prov.alloc, Relaxed);
        self.tag.store(prov.tag, Relaxed);
        self.value.store(value, Release);
    }

    /// Empties the entry unless a writer is active (who then wins).
    #[inline]
    fn clear(&self) {
        let cur = self.value.load(Relaxed);
        if cur != 0 && cur != LOCKED {
            let _ = self.value.compare_exchange(cur, 0, Relaxed, Relaxed);
        }
    }

    /// The consistent `(value, prov)` of the entry, `None` if empty or being written.
    #[inline]
    fn read(&self) -> Option<(u64, Prov)> {
        let v1 = self.value.load(Acquire);
        if v1 == 0 || v1 == LOCKED {
            return None;
        }
        let prov = Prov {
            alloc: self.alloc.load(Relaxed),
            tag: self.tag.load(Relaxed),
        };
        fence(Acquire);
        (self.value.load(Relaxed) == v1).then_some((v1, prov))
    }
}

/// The provenance of the pointer `value` just loaded from `addr`: what was recorded for the
/// word if it was recorded for this very value, otherwise untracked.
#[inline]
pub fn load_prov(addr: usize, value: u64) -> Prov {
    if !addr.is_multiple_of(WORD) || value == 0 {
        return Prov::UNTRACKED;
    }
    match entry(addr).and_then(Entry::read) {
        Some((v, prov)) if v == value => prov,
        _ => Prov::UNTRACKED,
    }
}

/// Records that the pointer `value` with provenance `prov` was stored at `addr`. An untracked
/// or null pointer empties the word's entry; an unaligned store is ignored.
#[inline]
pub fn store_prov(addr: usize, value: u64, prov: Prov) {
    if !addr.is_multiple_of(WORD) {
        return;
    }
    if prov.alloc == 0 || value == 0 || value == LOCKED {
        if let Some(e) = entry(addr) {
            e.clear();
        }
        return;
    }
    if let Some((e, dirty)) = entry_or_create(addr) {
        e.write(value, prov);
        mark_dirty(dirty);
    }
}

/// The aligned words overlapping `[start, start + len)`, as word addresses.
fn words_overlapping(start: usize, len: usize) -> impl DoubleEndedIterator<Item = usize> {
    let end = start.saturating_add(len).min(ADDRESS_LIMIT);
    let first = start & !(WORD - 1);
    (first..end).step_by(WORD).filter(move |_| len != 0)
}

/// Forgets the provenance of every word overlapping `[dst, dst + len)` (memset, or any write
/// of non-pointer data). Chunks that were never created are skipped whole.
pub fn clear_prov(dst: usize, len: usize) {
    let mut addr = dst & !(WORD - 1);
    let end = dst.saturating_add(len).min(ADDRESS_LIMIT);
    if len == 0 {
        return;
    }
    while addr < end {
        let chunk_end = ((addr >> CHUNK_SHIFT) + 1) << CHUNK_SHIFT;
        let stop = chunk_end.min(end);
        if entry(addr).is_some() {
            for word in (addr..stop).step_by(WORD) {
                if let Some(e) = entry(word) {
                    e.clear();
                }
            }
        }
        addr = chunk_end;
    }
}

/// Forgets the provenance of `len` bytes at `dst` that were just freed, and gives the
/// shadow pages wholly inside them back to the kernel.
///
/// Freed memory holds no pointer the program may use, so its entries are only stale: left
/// in place they keep their tags alive for the GC and, worse, keep the shadow pages
/// resident for as long as the process lives, while a big block's address range (glibc
/// `mmap`s blocks of 128 KiB and more) may never be used again. Shadow for shorter
/// ranges is cleared entry by entry ([`clear_prov`]: no write where nothing is recorded);
/// only whole shadow pages are discarded (`MADV_DONTNEED`: they read as zero, i.e.
/// empty, afterwards).
pub fn release(dst: usize, len: usize) {
    let page = crate::sys::page_size();
    // A block shorter than a page has too little shadow (24 bytes per word) to be worth a
    // page computation: entry by entry.
    if len < page {
        clear_prov(dst, len);
        return;
    }
    let mut addr = dst & !(WORD - 1);
    let end = dst.saturating_add(len).min(ADDRESS_LIMIT);
    while addr < end {
        let chunk_end = ((addr >> CHUNK_SHIFT) + 1) << CHUNK_SHIFT;
        let stop = chunk_end.min(end);
        if let Some(first) = entry(addr) {
            // Entries of the aligned words in [addr, stop): contiguous within the chunk.
            let words = (stop - addr).div_ceil(WORD);
            let lo = first as *const Entry as usize;
            let hi = lo + words * std::mem::size_of::<Entry>();
            let (plo, phi) = (lo.next_multiple_of(page), hi & !(page - 1));
            if plo < phi {
                // The partial pages at both ends, entry by entry; the whole ones at once.
                // An entry straddling `plo` is cleared first (its value word, which says
                // "empty" when zero, lies below `plo`); one straddling `phi` has its value
                // word inside the discarded page.
                let head = (plo - lo).div_ceil(std::mem::size_of::<Entry>()) * WORD;
                clear_prov(addr, head.min(stop - addr));
                // SAFETY: [plo, phi) lies inside an installed chunk, a private anonymous
                // mapping that is never unmapped; discarding it only zeroes entries of
                // freed memory, which is what clearing them would do.
                unsafe { crate::sys::discard_pages(plo, phi - plo) };
                let tail = addr + (phi - lo) / std::mem::size_of::<Entry>() * WORD;
                clear_prov(tail, stop.saturating_sub(tail));
            } else {
                clear_prov(addr, stop - addr);
            }
        }
        addr = chunk_end;
    }
}

/// Copies the provenance of `len` bytes from `src` to `dst` with `memmove` semantics
/// (overlap allowed). Only whole aligned words move, and only if `src` and `dst` agree
/// modulo 8 (otherwise no pointer survives the copy at an aligned position and the
/// destination is cleared). Destination words only partly overwritten are cleared.
pub fn copy_prov(dst: usize, src: usize, len: usize) {
    if len == 0 || dst == src {
        return;
    }
    if !(dst ^ src).is_multiple_of(WORD) || dst >= ADDRESS_LIMIT || src >= ADDRESS_LIMIT {
        clear_prov(dst, len);
        return;
    }
    let len = len.min(ADDRESS_LIMIT - dst).min(ADDRESS_LIMIT - src);
    // Whole words of the source range.
    let head = (WORD - src % WORD) % WORD;
    if head >= len {
        clear_prov(dst, len);
        return;
    }
    let words = (len - head) / WORD;
    let tail = len - head - words * WORD;
    let (src0, dst0) = (src + head, dst + head);
    let copy_word = |i: usize| {
        let (s, d) = (src0 + i * WORD, dst0 + i * WORD);
        match entry(s).and_then(Entry::read) {
            Some((value, prov)) => {
                if let Some((e, dirty)) = entry_or_create(d) {
                    e.write(value, prov);
                    mark_dirty(dirty);
                }
            }
            None => {
                if let Some(e) = entry(d) {
                    e.clear();
                }
            }
        }
    };
    // memmove: copy away from the overlap.
    if dst < src {
        (0..words).for_each(copy_word);
    } else {
        (0..words).rev().for_each(copy_word);
    }
    if head != 0 {
        clear_prov(dst, head);
    }
    if tail != 0 {
        clear_prov(dst0 + words * WORD, tail);
    }
}

/// Bytes of shadow memory resident now (for the stats line).
pub fn resident_bytes() -> usize {
    let mut pages = 0;
    for_each_resident_chunk(|_, resident| pages += resident.iter().filter(|r| **r).count());
    pages * crate::sys::page_size()
}

/// The installed chunks, newest first.
fn chunks() -> impl Iterator<Item = &'static ChunkNode> {
    let mut node = CHUNKS.load(Acquire) as *const ChunkNode;
    std::iter::from_fn(move || {
        // SAFETY: nodes are leaked boxes, published with release ordering, never freed.
        let n = unsafe { node.as_ref()? };
        node = n.next;
        Some(n)
    })
}

/// Calls `f` with each installed chunk and the residency of each of its pages.
fn for_each_resident_chunk(mut f: impl FnMut(&ChunkNode, &[bool])) {
    for n in chunks() {
        if let Some(resident) = crate::sys::resident_pages(n.chunk as usize, CHUNK_BYTES) {
            f(n, &resident);
        }
    }
}

/// Calls `f` with the provenance of entry `i` of chunk `n` if it holds a consistent one.
///
/// # Safety
/// `i < WORDS_PER_CHUNK`.
#[inline(always)]
unsafe fn read_entry(n: &ChunkNode, i: usize, f: &mut impl FnMut(Prov)) {
    // SAFETY: the caller's contract; an installed chunk holds that many entries and is
    // never unmapped.
    let e = unsafe { &*n.chunk.add(i) };
    if let Some((_, prov)) = e.read() {
        f(prov);
    }
}

/// Calls `f` with the provenance of every recorded entry of shadow memory (consistent
/// entries only: one being written is skipped). Starts a new scan epoch first (see the
/// module docs), then walks the installed chunks, reading only their resident pages (a page
/// never written holds no entry). Returns the number of entries read, the cost of the scan,
/// and the new epoch: every entry recorded after the scan lies in a group flagged with that
/// epoch or a later one. Entries written concurrently may or may not be seen, and a store
/// racing the start of the scan may flag the epoch before (the `gc` docs on threads that
/// keep running: such a miss can only lose a report).
pub fn scan(mut f: impl FnMut(Prov)) -> (usize, u32) {
    let epoch = EPOCH.fetch_add(1, SeqCst) + 1;
    let page = crate::sys::page_size();
    let size = std::mem::size_of::<Entry>();
    let mut visited = 0;
    for_each_resident_chunk(|n, resident| {
        for (p, _) in resident.iter().enumerate().filter(|(_, r)| **r) {
            // Entries starting in this page.
            let first = (p * page).div_ceil(size);
            let end = ((p + 1) * page).div_ceil(size).min(WORDS_PER_CHUNK);
            for i in first..end {
                // An entry reaching into a page never touched was never written (a write
                // stores all three words); reading it would map that page for nothing.
                let last_page = (i * size + size - 1) / page;
                if !resident.get(last_page).copied().unwrap_or(false) {
                    continue;
                }
                visited += 1;
                // SAFETY: `i < end <= WORDS_PER_CHUNK`.
                unsafe { read_entry(n, i, &mut f) };
            }
        }
    });
    (visited, epoch)
}

/// The current scan epoch: stores from now on flag their group with it or a later one.
pub fn epoch() -> u32 {
    EPOCH.load(SeqCst)
}

/// [`scan`] of the groups written in epoch `since` or later only: calls `f` with every
/// entry recorded since the full scan that started epoch `since` began, among others.
/// Returns the number of entries read.
pub fn scan_dirty(since: u32, mut f: impl FnMut(Prov)) -> usize {
    let mut visited = 0;
    for n in chunks() {
        // SAFETY: an installed chunk's dirty map holds `GROUPS_PER_CHUNK` flags.
        let flags = unsafe { std::slice::from_raw_parts(dirty_map(n.chunk), GROUPS_PER_CHUNK) };
        for (g, flag) in flags.iter().enumerate() {
            let written = flag.load(Acquire);
            if written == 0 || written < since {
                continue;
            }
            // A written group's pages are mapped (or read as zero: empty entries).
            for i in g * GROUP_WORDS..(g + 1) * GROUP_WORDS {
                visited += 1;
                // SAFETY: `g < GROUPS_PER_CHUNK`, so `i < WORDS_PER_CHUNK`.
                unsafe { read_entry(n, i, &mut f) };
            }
        }
    }
    visited
}

/// Every recorded `(word address, value, provenance)` in `[start, start + len)`; for tests
/// and debugging.
pub fn recorded_in(start: usize, len: usize) -> Vec<(usize, u64, Prov)> {
    words_overlapping(start, len)
        .filter_map(|w| entry(w).and_then(Entry::read).map(|(v, p)| (w, v, p)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distinct fake address ranges per test (shadow never dereferences program memory).
    const BASE: usize = 0x5100_0000_0000;

    fn p(alloc: u64, tag: u64) -> Prov {
        Prov { alloc, tag }
    }

    #[test]
    fn store_then_load_requires_the_same_value() {
        let a = BASE;
        store_prov(a, 0x1234, p(7, 9));
        assert_eq!(load_prov(a, 0x1234), p(7, 9));
        assert_eq!(load_prov(a, 0x1235), Prov::UNTRACKED, "value mismatch");
        assert_eq!(load_prov(a + 8, 0x1234), Prov::UNTRACKED, "neighbour word");
        store_prov(a, 0x1234, Prov::UNTRACKED);
        assert_eq!(
            load_prov(a, 0x1234),
            Prov::UNTRACKED,
            "untracked store clears"
        );
    }

    #[test]
    fn unaligned_and_out_of_range_addresses_are_untracked() {
        let a = BASE + 0x1000;
        store_prov(a + 4, 0x99, p(1, 1));
        assert_eq!(load_prov(a + 4, 0x99), Prov::UNTRACKED);
        assert!(recorded_in(a, 16).is_empty());
        store_prov(ADDRESS_LIMIT + 8, 0x99, p(1, 1));
        assert_eq!(load_prov(ADDRESS_LIMIT + 8, 0x99), Prov::UNTRACKED);
        assert_eq!(
            load_prov(BASE + (3 << 40), 0x99),
            Prov::UNTRACKED,
            "no chunk"
        );
    }

    #[test]
    fn clear_covers_partial_words_and_chunk_boundaries() {
        let boundary = (BASE + (5 << CHUNK_SHIFT)) & !((1 << CHUNK_SHIFT) - 1);
        for i in 0..4 {
            store_prov(boundary - 16 + i * 8, 100 + i as u64, p(1, i as u64 + 1));
        }
        assert_eq!(recorded_in(boundary - 16, 32).len(), 4);
        // Clears [b-13, b+1): touches words b-16 (partly), b-8, b (partly).
        clear_prov(boundary - 13, 14);
        let left: Vec<_> = recorded_in(boundary - 16, 32).iter().map(|r| r.0).collect();
        assert_eq!(left, vec![boundary + 8]);
    }

    #[test]
    fn release_forgets_every_word_and_only_the_range() {
        // A block of 64 KiB plus odd ends, across a chunk boundary, with an entry in every
        // word and neighbours on both sides that must survive.
        let boundary = (BASE + (13 << CHUNK_SHIFT)) & !((1 << CHUNK_SHIFT) - 1);
        let start = boundary - 40_000;
        let len = 64 * 1024 + 24;
        for w in (start - 8..start + len + 8).step_by(8) {
            store_prov(w, w as u64, p(3, 4));
        }
        release(start, len);
        let left: Vec<_> = recorded_in(start - 8, len + 16)
            .iter()
            .map(|r| r.0)
            .collect();
        assert_eq!(
            left,
            vec![start - 8, start + len],
            "only the neighbours stay"
        );
        for w in (start..start + len).step_by(8) {
            assert_eq!(load_prov(w, w as u64), Prov::UNTRACKED, "word {w:#x}");
        }
        assert_eq!(load_prov(start - 8, (start - 8) as u64), p(3, 4));
        // Short ranges go entry by entry.
        store_prov(start, 1, p(3, 5));
        release(start, 8);
        assert_eq!(load_prov(start, 1), Prov::UNTRACKED);
    }

    #[test]
    fn copy_moves_aligned_words_and_handles_overlap_both_ways() {
        let a = BASE + (9 << CHUNK_SHIFT);
        for i in 0..4u64 {
            store_prov(a + i as usize * 8, 0x10 + i, p(2, 20 + i));
        }
        // Forward overlap (dst > src): [a, a+32) -> [a+8, a+40).
        copy_prov(a + 8, a, 32);
        for i in 0..4u64 {
            assert_eq!(load_prov(a + 8 + i as usize * 8, 0x10 + i), p(2, 20 + i));
        }
        // Backward overlap (dst < src): [a+8, a+40) -> [a, a+32).
        copy_prov(a, a + 8, 32);
        for i in 0..4u64 {
            assert_eq!(load_prov(a + i as usize * 8, 0x10 + i), p(2, 20 + i));
        }
    }

    #[test]
    fn copy_across_a_chunk_boundary_and_into_a_fresh_chunk() {
        let src = (BASE + (20 << CHUNK_SHIFT)) - 8;
        store_prov(src, 0x55, p(3, 3));
        store_prov(src + 8, 0x66, p(3, 4));
        let dst = BASE + (40 << CHUNK_SHIFT) - 8;
        copy_prov(dst, src, 16);
        assert_eq!(load_prov(dst, 0x55), p(3, 3));
        assert_eq!(load_prov(dst + 8, 0x66), p(3, 4));
    }

    #[test]
    fn misaligned_copy_clears_and_partial_words_are_not_copied() {
        let a = BASE + (60 << CHUNK_SHIFT);
        store_prov(a, 0x77, p(4, 4));
        store_prov(a + 64, 0x88, p(4, 5));
        copy_prov(a + 64 + 4, a, 8); // offsets disagree mod 8
        assert_eq!(load_prov(a + 64, 0x88), Prov::UNTRACKED);
        // Copying 12 bytes from a+0 to a+128: one whole word, then 4 bytes.
        store_prov(a + 136, 0x99, p(4, 6));
        copy_prov(a + 128, a, 12);
        assert_eq!(load_prov(a + 128, 0x77), p(4, 4));
        assert_eq!(
            load_prov(a + 136, 0x99),
            Prov::UNTRACKED,
            "partly overwritten"
        );
        // A copy starting mid-word does not carry the word it starts in.
        copy_prov(a + 256 + 4, a + 4, 12);
        assert_eq!(load_prov(a + 256, 0x77), Prov::UNTRACKED);
    }

    #[test]
    fn scans_find_recorded_entries_in_resident_pages() {
        let a = BASE + (100 << CHUNK_SHIFT) + 4096 * 7;
        store_prov(a, 0x42, p(0xfeed_0001, 77));
        store_prov(a + (3 << 20), 0x43, p(0xfeed_0001, 78));
        let mut seen = Vec::new();
        let (visited, _) = scan(|prov| {
            if prov.alloc == 0xfeed_0001 {
                seen.push(prov.tag)
            }
        });
        seen.sort_unstable();
        assert_eq!(seen, [77, 78]);
        assert!(
            (2..WORDS_PER_CHUNK).contains(&visited),
            "{visited}: only resident pages"
        );
    }

    /// Whether `scan_dirty(since)` reports tag `tag` of allocation `alloc`.
    fn dirty_scan_sees(since: u32, alloc: u64, tag: u64) -> bool {
        let mut seen = false;
        scan_dirty(since, |prov| seen |= prov == p(alloc, tag));
        seen
    }

    #[test]
    fn dirty_scans_read_what_was_stored_since_a_full_scan() {
        let a = BASE + (120 << CHUNK_SHIFT) + 4096 * 3;
        let alloc = 0xfeed_0002;
        store_prov(a, 0x44, p(alloc, 90));
        assert!(dirty_scan_sees(0, alloc, 90), "a store flags its group");
        let mut full = false;
        let (_, epoch) = scan(|prov| full |= prov == p(alloc, 90));
        assert!(full);
        // Not written since the full scan began: skipped.
        assert!(
            !dirty_scan_sees(epoch, alloc, 90),
            "flagged with an older epoch"
        );
        store_prov(a, 0x44, p(alloc, 90));
        assert!(dirty_scan_sees(epoch, alloc, 90), "stored again");
        // Copies flag their destination's group.
        let b = a + (5 << 20);
        let (_, epoch) = scan(|_| {});
        copy_prov(b, a, 8);
        let mut seen = Vec::new();
        scan_dirty(epoch, |prov| {
            if prov.alloc == alloc {
                seen.push(prov.tag)
            }
        });
        assert_eq!(seen, [90], "only the copy's group is read");
    }

    #[test]
    fn concurrent_stores_never_mix_values() {
        let a = BASE + (80 << CHUNK_SHIFT);
        std::thread::scope(|s| {
            for t in 1..=4u64 {
                s.spawn(move || {
                    for i in 0..10_000u64 {
                        store_prov(a, t, p(t, t));
                        let got = load_prov(a, t);
                        assert!(got == Prov::UNTRACKED || got == p(t, t), "{got:?} {i}");
                    }
                });
            }
        });
    }
}
