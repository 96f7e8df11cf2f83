//! Allocation records: one [`AllocInfo`] per tracked allocation (heap block, escaping stack
//! slot, global), the arena they live in, their free list, and the heap index.
//!
//! # Records and provenance
//!
//! The `alloc` word of a provenance is the address of a record. Provenance outlives
//! allocations (a dangling pointer still carries it), so records are never returned to the
//! operating system: they live in one arena (a large `MAP_NORESERVE` mapping, bump-allocated)
//! and a retired record is recycled through a free list. A stale provenance therefore always
//! points at *a* record, possibly describing a newer allocation; since tags are globally
//! unique ([`crate::tags`]) its tag is unknown to that allocation's tree and the operation is
//! ignored ([`bsan_tree::TreeError::UnknownTag`]), and an address outside the new
//! allocation is ignored before that.
//!
//! [`AllocInfo::from_prov`] validates a record address against the arena (in range, on a
//! record boundary, already handed out) before dereferencing it, so even garbage provenance
//! (a bug upstream) cannot crash the runtime. Fresh arena memory is zero, and all-zero is a
//! valid, dead record.
//!
//! # Locking
//!
//! Everything mutable about a record is in [`AllocState`] behind the record's own
//! `parking_lot::Mutex`; `has_tree` duplicates `state.tree.is_some()` as an atomic hint so
//! that the access hot path skips the lock for allocations that were never retagged. Lock
//! order: a record lock is never held while taking the free-list or heap-index locks; it may
//! be held while taking the leaf locks of the exposed index ([`crate::exposed`]) and of the
//! GC's request list ([`crate::gc`]), and never while taking another record's lock.
//!
//! # Heap index
//!
//! `free(p)` must work even if `p`'s provenance was lost (uninstrumented code, integer
//! casts): the heap index maps the base address of every live heap allocation to its record.
//! It is sharded by address to keep threads that allocate concurrently apart.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::*};
use std::sync::OnceLock;

use bsan_tree::{Site, Tag, Tree};
use parking_lot::{Mutex, MutexGuard};

use crate::stats;

/// What an allocation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum AllocKind {
    /// malloc family, Rust's global allocator.
    #[default]
    Heap = bsan_abi::alloc_kind::HEAP,
    /// An escaping `alloca`.
    Stack = bsan_abi::alloc_kind::STACK,
    /// A global variable; never freed.
    Global = bsan_abi::alloc_kind::GLOBAL,
}

impl AllocKind {
    /// Decodes the ABI's `kind` byte.
    pub fn from_abi(kind: u8) -> Option<AllocKind> {
        match kind {
            bsan_abi::alloc_kind::HEAP => Some(AllocKind::Heap),
            bsan_abi::alloc_kind::STACK => Some(AllocKind::Stack),
            bsan_abi::alloc_kind::GLOBAL => Some(AllocKind::Global),
            _ => None,
        }
    }
}

/// The mutable part of a record.
#[derive(Default)]
pub struct AllocState {
    /// Start address of the allocation.
    pub base: usize,
    /// Size in bytes (may be 0).
    pub size: u64,
    pub kind: AllocKind,
    /// The allocation's number in reports (`alloc{id}`), unique per allocation.
    pub id: u64,
    /// The tag of the allocation's root pointer (what `__bsan_alloc` returned).
    pub root_tag: Tag,
    /// Where the allocation was made (return address of `__bsan_alloc`).
    pub site: Site,
    /// False once deallocated (and for records in the free list).
    pub live: bool,
    /// The Tree Borrows tree, created at the first retag.
    pub tree: Option<Box<Tree>>,
    /// The root tag was exposed before the tree existed: the tree exposes it when created.
    pub root_exposed: bool,
    /// The allocation is in the index of exposed allocations ([`crate::exposed`]).
    pub exposed_indexed: bool,
    /// A tag the tree no longer knows (pruned by [`crate::gc`] while a pointer the runtime
    /// could not see still held it) was exposed: what a wildcard may do here is unknown, so
    /// wildcard provenance is untracked in this allocation from now on.
    pub exposure_lost: bool,
    /// Garbage collection bookkeeping ([`crate::gc`]).
    pub gc: crate::gc::AllocGc,
}

impl AllocState {
    /// The tag meant by a provenance tag: 0 stands for the root.
    pub fn resolve_tag(&self, tag: Tag) -> Tag {
        if tag == 0 {
            self.root_tag
        } else {
            tag
        }
    }

    /// The offsets `[addr - base, addr - base + len)` if they lie within the allocation.
    pub fn offsets(&self, addr: usize, len: u64) -> Option<Range<u64>> {
        let start = u64::try_from(addr.checked_sub(self.base)?).ok()?;
        let end = start.checked_add(len)?;
        (end <= self.size).then_some(start..end)
    }

    /// The part of `[addr, addr + len)` that lies within the allocation, as offsets; `None`
    /// if they do not intersect (or the range is empty).
    pub fn clipped_offsets(&self, addr: usize, len: u64) -> Option<Range<u64>> {
        let base = self.base as u64;
        let start = (addr as u64).max(base);
        let end = (addr as u64).saturating_add(len).min(base + self.size);
        (start < end).then(|| start - base..end - base)
    }
}

/// One allocation record. Lives at a stable address for the rest of the process.
#[repr(C, align(64))]
pub struct AllocInfo {
    has_tree: AtomicBool,
    state: Mutex<AllocState>,
}

// The inline fast path (`bsan_abi::fast_path`) loads the byte at a record's address as
// its `has_tree`.
const _: () = assert!(std::mem::offset_of!(AllocInfo, has_tree) == 0);
const _: () = assert!(std::mem::size_of::<AtomicBool>() == 1);

/// Where the records live, for the inline fast path of instrumented code (see
/// [`bsan_abi::fast_path`]); published by [`arena`].
#[no_mangle]
#[used]
pub static __bsan_record_arena: bsan_abi::fast_path::RecordArena =
    bsan_abi::fast_path::RecordArena {
        start: AtomicU64::new(0),
        len: AtomicU64::new(0),
        zero: AtomicU64::new(0),
    };

/// Bytes per record, the arena's stride.
const RECORD_SIZE: usize = std::mem::size_of::<AllocInfo>();
const _: () = assert!(RECORD_SIZE == 128, "keep records at two cache lines");

/// Arena sizes tried in order (virtual, `MAP_NORESERVE`): 2^27 records at most.
const ARENA_SIZES: [usize; 4] = [16 << 30, 4 << 30, 1 << 30, 256 << 20];

struct Arena {
    start: usize,
    capacity: usize,
    /// Bytes handed out so far.
    used: AtomicUsize,
}

static ARENA: OnceLock<Arena> = OnceLock::new();
static FREE_LIST: Mutex<Vec<&'static AllocInfo>> = Mutex::new(Vec::new());

/// Retired records ready for reuse: a small per-thread stack in front of [`FREE_LIST`], so
/// that a thread making and ending stack allocations (tens of millions in a debug test
/// suite) does not take a global lock for each. The per-thread stack moves half of itself
/// to the global list when full and takes a batch from it when empty; a thread's leftovers
/// go back to the global list when it exits. Which record is reused is unobservable: any
/// retired record is as good as another.
mod free_records {
    use std::cell::RefCell;

    use super::{AllocInfo, FREE_LIST};

    /// Records one thread keeps at most.
    const LOCAL_MAX: usize = 64;

    struct Local(RefCell<Vec<&'static AllocInfo>>);

    impl Drop for Local {
        fn drop(&mut self) {
            let mut local = self.0.borrow_mut();
            if !local.is_empty() {
                FREE_LIST.lock().append(&mut local);
            }
        }
    }

    thread_local! {
        static LOCAL: Local = const { Local(RefCell::new(Vec::new())) };
    }

    // Inlined into their one caller each (every stack slot's registration and retirement):
    // out of line they cost the `range_loop` kernel 5% of its instructions.
    #[inline(always)]
    pub(super) fn pop() -> Option<&'static AllocInfo> {
        LOCAL
            .try_with(|l| {
                let mut local = l.0.borrow_mut();
                if local.is_empty() {
                    let mut global = FREE_LIST.lock();
                    let take = global.len().min(LOCAL_MAX / 2);
                    let from = global.len() - take;
                    local.extend(global.drain(from..));
                }
                local.pop()
            })
            // During the thread's TLS destruction: the global list directly.
            .unwrap_or_else(|_| FREE_LIST.lock().pop())
    }

    #[inline(always)]
    pub(super) fn push(rec: &'static AllocInfo) {
        let kept = LOCAL.try_with(|l| {
            let mut local = l.0.borrow_mut();
            if local.len() == LOCAL_MAX {
                let half = local.len() / 2;
                FREE_LIST.lock().extend(local.drain(..half));
            }
            local.push(rec);
        });
        if kept.is_err() {
            FREE_LIST.lock().push(rec);
        }
    }
}
static NEXT_ALLOC_ID: AtomicU64 = AtomicU64::new(1);

fn arena() -> &'static Arena {
    ARENA.get_or_init(|| {
        for capacity in ARENA_SIZES {
            if let Some(map) = crate::sys::Mapping::anon(capacity) {
                let start = map.leak() as usize;
                if crate::runtime_flags().fast_path {
                    // `start` before `len`: a reader that sees `len` sees `start`.
                    __bsan_record_arena.start.store(start as u64, Relaxed);
                    __bsan_record_arena.len.store(capacity as u64, Release);
                }
                return Arena {
                    start,
                    capacity,
                    used: AtomicUsize::new(0),
                };
            }
        }
        crate::report::internal_error(format_args!("cannot map the allocation record arena"))
    })
}

/// Bytes of the record arena handed out so far (its high-water mark: records are recycled,
/// never returned).
pub fn arena_bytes() -> usize {
    ARENA
        .get()
        .map_or(0, |a| a.used.load(Relaxed).min(a.capacity))
}

/// Trees of retired allocations kept for reuse, per thread: most trees belong to stack
/// slots that get a tag or two for one call and die with the call (`format!` makes four
/// per call), and building one from nothing (its tag table, node and chunk vectors, grown
/// one element at a time to keep long-lived small trees small) cost more than the retag
/// that needed it. A kept tree is [`Tree::reset`] to exactly what [`Tree::new`] makes;
/// only small ones are kept ([`Tree::is_small`]), at most [`MAX`](tree_pool::MAX) per
/// thread, so the pool holds at most a few tens of KiB.
mod tree_pool {
    use std::cell::RefCell;

    use bsan_tree::{Site, Tag, Tree};

    /// Trees one thread keeps at most.
    pub(super) const MAX: usize = 16;

    thread_local! {
        // Boxes, as records hold them: a tree moves in and out by pointer.
        #[allow(clippy::vec_box)]
        static POOL: RefCell<Vec<Box<Tree>>> = const { RefCell::new(Vec::new()) };
    }

    /// A tree as [`Tree::new`] makes it, recycled if the thread has one.
    pub(super) fn take(root: Tag, size: u64, site: Site) -> Box<Tree> {
        let kept = POOL.try_with(|p| p.borrow_mut().pop()).ok().flatten();
        match kept {
            Some(mut tree) => {
                tree.reset(root, size, site);
                tree
            }
            None => Box::new(Tree::new(root, size, site)),
        }
    }

    /// Keeps `tree` for reuse if it is small and the pool has room; drops it otherwise.
    pub(super) fn give(tree: Box<Tree>) {
        if !tree.is_small() {
            return;
        }
        // During the thread's TLS destruction the tree is simply dropped.
        let _ = POOL.try_with(|p| {
            let mut p = p.borrow_mut();
            if p.len() < MAX {
                p.push(tree);
            }
        });
    }
}

impl AllocInfo {
    /// A fresh live record for `[base, base + size)`, with a new id and root tag, reusing a
    /// retired record if one is free.
    pub fn create(base: usize, size: u64, kind: AllocKind, site: Site) -> &'static AllocInfo {
        Self::create_with_root(base, size, kind, site).0
    }

    /// [`create`](Self::create), also returning the root tag (read under the lock that
    /// initialized it, which a caller would otherwise take again).
    pub fn create_with_root(
        base: usize,
        size: u64,
        kind: AllocKind,
        site: Site,
    ) -> (&'static AllocInfo, Tag) {
        let rec = free_records::pop().unwrap_or_else(Self::bump);
        let mut st = rec.state.lock();
        debug_assert!(!st.live && st.tree.is_none());
        // Every tag of the new allocation is made, and every pointer with one is stored,
        // from now on: young collections may examine them all before any full one.
        let since = crate::gc::Since::now();
        let root_tag = crate::tags::fresh();
        *st = AllocState {
            base,
            size,
            kind,
            id: NEXT_ALLOC_ID.fetch_add(1, Relaxed),
            root_tag,
            site,
            live: true,
            gc: crate::gc::AllocGc {
                since,
                ..Default::default()
            },
            ..AllocState::default()
        };
        drop(st);
        (rec, root_tag)
    }

    fn bump() -> &'static AllocInfo {
        let arena = arena();
        let offset = arena.used.fetch_add(RECORD_SIZE, AcqRel);
        if offset + RECORD_SIZE > arena.capacity {
            crate::report::internal_error(format_args!(
                "out of allocation records ({} live allocations)",
                arena.capacity / RECORD_SIZE
            ));
        }
        let p = (arena.start + offset) as *mut AllocInfo;
        // SAFETY: the slot is inside the arena, aligned (the arena is page-aligned and the
        // stride is the record size), handed out exactly once by the fetch_add above, and
        // never freed. Zeroed memory is already a valid dead record; write one anyway so the
        // mutex is initialised by its own constructor.
        unsafe {
            p.write(AllocInfo {
                has_tree: AtomicBool::new(false),
                state: Mutex::new(AllocState::default()),
            });
            &*p
        }
    }

    /// The record a provenance's `alloc` word names, if it is a record address the runtime
    /// handed out. (0 and garbage give `None`; a retired record is still returned.)
    #[inline]
    pub fn from_prov(alloc: u64) -> Option<&'static AllocInfo> {
        let arena = ARENA.get()?;
        let off = (alloc as usize).wrapping_sub(arena.start);
        if off >= arena.used.load(Acquire).min(arena.capacity) || off % RECORD_SIZE != 0 {
            return None;
        }
        // SAFETY: checked to be a handed-out record slot; records are never unmapped, and an
        // all-zero (not yet written) slot is a valid dead record.
        Some(unsafe { &*((arena.start + off) as *const AllocInfo) })
    }

    /// The record's address, the `alloc` word of provenance.
    pub fn addr(&'static self) -> u64 {
        self as *const AllocInfo as u64
    }

    /// Whether the allocation has a tree (a hint: confirm under the lock).
    #[inline]
    pub fn has_tree(&self) -> bool {
        self.has_tree.load(Relaxed)
    }

    /// Locks the record.
    #[inline]
    pub fn lock(&self) -> MutexGuard<'_, AllocState> {
        self.state.lock()
    }

    /// Locks the record if no other thread holds it.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, AllocState>> {
        self.state.try_lock()
    }

    /// The allocation's tree, created now (from the root tag, size and allocation site) if
    /// this is the first retag. A root exposed before the tree existed is exposed in it.
    pub fn tree_or_create<'a>(&self, st: &'a mut AllocState) -> &'a mut Tree {
        if st.tree.is_none() {
            let mut tree = tree_pool::take(st.root_tag, st.size, st.site);
            if st.root_exposed {
                tree.expose(st.root_tag);
            }
            st.tree = Some(tree);
            self.has_tree.store(true, Relaxed);
            stats::TREES.bump();
        }
        st.tree.as_deref_mut().expect("created above")
    }

    /// Ends the allocation: marks it dead, drops its tree, removes it from the index of
    /// exposed allocations, and recycles the record. The caller has removed it from the heap
    /// index if needed.
    pub fn retire(&'static self, mut st: MutexGuard<'_, AllocState>) {
        if st.exposed_indexed {
            crate::exposed::remove(st.base, st.id);
        }
        st.live = false;
        if let Some(tree) = st.tree.take() {
            tree_pool::give(tree);
        }
        st.gc.remembered = Vec::new();
        st.root_exposed = false;
        st.exposed_indexed = false;
        st.exposure_lost = false;
        self.has_tree.store(false, Relaxed);
        drop(st);
        free_records::push(self);
    }
}

// ---------------------------------------------------------------------------------------
// Heap index

/// A multiplicative hash for addresses and tags (std's SipHash is needlessly slow for
/// integer keys the program cannot choose to collide: the runtime's own tables).
#[derive(Default)]
pub struct AddrHasher(u64);

/// `HashMap`/`HashSet` hasher of [`AddrHasher`].
pub type AddrHash = BuildHasherDefault<AddrHasher>;

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (n ^ (n >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type Shard = Mutex<HashMap<usize, &'static AllocInfo, AddrHash>>;

const SHARDS: usize = 64;
static HEAP_INDEX: [Shard; SHARDS] =
    [const { Mutex::new(HashMap::with_hasher(BuildHasherDefault::new())) }; SHARDS];

fn shard(base: usize) -> &'static Shard {
    // malloc results are 16-byte aligned: drop the low bits, mix the rest.
    let h = ((base >> 4) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    &HEAP_INDEX[(h >> 58) as usize % SHARDS]
}

/// The heap index: live heap allocations by base address.
pub mod heap_index {
    use super::*;

    /// Registers `rec` at `base`; returns the record it replaces (a block whose `free` the
    /// runtime never saw).
    pub fn insert(base: usize, rec: &'static AllocInfo) -> Option<&'static AllocInfo> {
        shard(base).lock().insert(base, rec)
    }

    /// The live heap record at `base`.
    pub fn get(base: usize) -> Option<&'static AllocInfo> {
        shard(base).lock().get(&base).copied()
    }

    /// Removes `base` if it still maps to `rec`.
    pub fn remove(base: usize, rec: &'static AllocInfo) {
        let mut s = shard(base).lock();
        if s.get(&base).is_some_and(|r| std::ptr::eq(*r, rec)) {
            s.remove(&base);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_validate_and_recycle() {
        let a = AllocInfo::create(0x1000, 16, AllocKind::Heap, 0);
        let addr = a.addr();
        assert!(std::ptr::eq(AllocInfo::from_prov(addr).unwrap(), a));
        assert!(AllocInfo::from_prov(0).is_none());
        assert!(
            AllocInfo::from_prov(addr + 8).is_none(),
            "not a record boundary"
        );
        assert!(AllocInfo::from_prov(0xdead_beef).is_none());
        let (id, root) = {
            let st = a.lock();
            assert!(st.live && st.size == 16 && st.kind == AllocKind::Heap);
            (st.id, st.root_tag)
        };
        a.retire(a.lock());
        assert!(!a.lock().live);
        // A retired record is still a valid (dead) record for stale provenance.
        assert!(AllocInfo::from_prov(addr).is_some());
        // Some later allocation reuses some free record, with a fresh id and root tag.
        let recs: Vec<_> = (0..4)
            .map(|i| AllocInfo::create(0x2000 + i * 64, 8, AllocKind::Stack, 0))
            .collect();
        for r in &recs {
            let st = r.lock();
            assert!(st.live && st.id != id && st.root_tag != root);
        }
        for r in recs {
            r.retire(r.lock());
        }
    }

    #[test]
    fn record_reuse_comes_from_the_free_list() {
        let a = AllocInfo::create(0x3000, 1, AllocKind::Heap, 0);
        let before = arena().used.load(Relaxed);
        a.retire(a.lock());
        // With a free record available, creating one does not grow the arena (other tests
        // may retire records concurrently, which only helps).
        let b = AllocInfo::create(0x4000, 1, AllocKind::Heap, 0);
        assert!(arena().used.load(Relaxed) <= before + RECORD_SIZE * 8);
        b.retire(b.lock());
    }

    #[test]
    fn offsets_and_clipping() {
        let st = AllocState {
            base: 100,
            size: 10,
            live: true,
            ..AllocState::default()
        };
        assert_eq!(st.offsets(100, 10), Some(0..10));
        assert_eq!(st.offsets(105, 6), None);
        assert_eq!(st.offsets(99, 1), None);
        assert_eq!(st.offsets(110, 0), Some(10..10));
        assert_eq!(st.clipped_offsets(95, 10), Some(0..5));
        assert_eq!(st.clipped_offsets(108, 10), Some(8..10));
        assert_eq!(st.clipped_offsets(110, 4), None);
        assert_eq!(st.resolve_tag(0), st.root_tag);
        assert_eq!(st.resolve_tag(5), 5);
    }

    #[test]
    fn heap_index_replaces_and_removes_only_its_record() {
        let a = AllocInfo::create(0x7000_0000, 8, AllocKind::Heap, 0);
        let b = AllocInfo::create(0x7000_0000, 8, AllocKind::Heap, 0);
        assert!(heap_index::insert(0x7000_0000, a).is_none());
        assert!(std::ptr::eq(heap_index::insert(0x7000_0000, b).unwrap(), a));
        heap_index::remove(0x7000_0000, a);
        assert!(std::ptr::eq(heap_index::get(0x7000_0000).unwrap(), b));
        heap_index::remove(0x7000_0000, b);
        assert!(heap_index::get(0x7000_0000).is_none());
        a.retire(a.lock());
        b.retire(b.lock());
    }
}
