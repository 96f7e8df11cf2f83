//! Provenance garbage collection: pruning tags that no pointer holds any more from the
//! trees of long-lived allocations (model §8.1, [`bsan_tree::Tree::gc`]).
//!
//! Without it, trees only shrink at deallocation, and a loop that reborrows one allocation
//! (`loop { let r = &mut *p; *r = 1; }`: one retag, hence one node, per iteration) grows
//! its tree, and the cost of every access to it, without bound.
//!
//! # The invariant
//!
//! **Over-pruning can only lose reports; under-pruning only costs memory.** A tag the GC
//! wrongly believes dead is removed from its tree; every later operation through it finds
//! the tag unknown ([`bsan_tree::TreeError::UnknownTag`]), which the runtime counts
//! (`unknown_tags`) and ignores: accesses are not checked, retags keep the old provenance,
//! deallocations are not checked, and exposing it makes wildcard provenance unchecked in
//! its allocation (a wildcard access could have been that tag's:
//! [`crate::alloc_info::AllocState::exposure_lost`]). Removing a node never changes what the tree allows for
//! the tags it keeps (model §8.1: only dead leaves are removed, and a dead node with one
//! child only where the child's permissions imply the parent's), so a missed liveness can
//! never produce a report. Keeping a dead tag is always allowed.
//!
//! # When
//!
//! Unless disabled (`BSAN_OPTIONS=gc=0`), a retag that leaves an allocation's tree with
//! more nodes than its threshold (`max(256, 2 × the node count after its last
//! collection)`) requests a collection of that allocation. Requests are served by the next retag on any thread once the *budget* allows:
//! a full collection scans memory roughly proportional to the resident shadow memory and
//! stacks (`W` words), so the next one may only start after `max(1024, W / 4)` more tags
//! have been handed out (young collections, below, serve the requests in between). This
//! bounds the full scans to about 4 words per retag, and a tree's growth between
//! collections to its threshold plus the young budget, except that a tree more
//! than 8 times over its threshold is *overdue* and gets its collection at the next
//! retag whatever the budget says: with many shadow pages the budget allows tens of
//! thousands of retags between runs, and a tree that keeps thousands of dead siblings for
//! that long costs every access to it (and a state entry per sibling in every chunk it
//! accesses) far more than one scan.
//!
//! Between full collections, requests are served by *young* collections, which read only
//! the shadow groups written since each allocation's last full collection's scan began
//! ([`Since`], [`crate::shadow::scan_dirty`]) besides the stacks, and count live the tags
//! that scan found ([`AllocGc::remembered`]): most tags die young (a `&T` made for one
//! comparison of a sort), and a young collection costs what was written since, not the
//! whole heap's shadow. Their budget is 8 words per tag (they read every stack again
//! however little they prune), with a floor of 512 tags; a *large* tree (nodes times
//! location chunks over 16K: its dead nodes cost an entry in many chunks) is served every
//! 512 tags whatever the budget. A full collection is still needed to forget remembered
//! tags whose pointers were overwritten since. One collection serves
//! every pending allocation with one scan. An allocation whose lock is busy when the
//! collection gets to it (its thread is working on it) is not waited for: the live set
//! found for it is left for that allocation's next retag to apply, under the lock the retag
//! holds anyway (and the request stays queued in case no retag comes).
//!
//! # Live tags (the roots)
//!
//! A tag of an allocation under collection is live if
//! * a shadow memory entry (a pointer stored in memory, anywhere) carries it with that
//!   allocation's record ([`crate::shadow::scan`], resident pages only); stale entries, whose
//!   memory now holds another value, keep their tag alive too (conservative);
//! * any word equal to it lies on a registered thread's stack ([`crate::threads`]): from the
//!   current stack pointer up for the collecting thread; for the others, every resident
//!   page from 64 KiB below the stack pointer each published at its latest retag
//!   ([`crate::threads::note_stack_pointer`]) up, or of the whole stack if it never retagged.
//!   Deeper pages hold only what returned frames left there: scanning them kept the stale
//!   words of a test harness's other thread alive, and with them dead tags of any tree
//!   (indexmap's `quick` suite on two threads, one run each: largest tree 4,422 tags and
//!   19.7 MB metadata peak before, 2,489 and 17.7 MB with this bound; `BSAN_OPTIONS=stats=1`
//!   on the bench's `quick` binary). The pass keeps the provenance of pointers spilled to
//!   promoted stack slots in companion `i64` allocas (`pass/src/stack.rs`), and the register
//!   allocator spills SSA provenance values to stack slots of its own, not necessarily
//!   adjacent: so a bare tag value counts, not only an `(alloc record, tag)` pair. An
//!   integer that happens to equal a tag keeps that tag alive, which costs memory, never a
//!   report;
//! * it is in a registered thread's TLS provenance slots (`__bsan_arg_prov`,
//!   `__bsan_ret_prov`), or in the collecting thread's callee-saved registers;
//! * it was handed out after the collection started (tags only grow: `>=` the tag counter
//!   at the start), or the retag that triggered the collection created or used it;
//! * or the tree keeps it anyway: protected tags (a protector release is owed), exposed
//!   tags (a wildcard access may come through them), roots.
//!
//! # What is not seen, and why that only loses reports
//!
//! Other threads keep running during a collection. Their *registers* are not visible: a tag
//! another thread holds only in a register (or moves between places while the scan runs,
//! e.g. loads from a not-yet-scanned word and then overwrites that word) may be pruned. That
//! thread's next operation through the tag finds it unknown and is ignored, per the
//! invariant above. Threads that never registered (see [`crate::threads`]) and pointers in
//! memory the runtime does not shadow (unaligned stores, uninstrumented code) are in the
//! same situation; such pointers are usually untracked already. So are tags held only in
//! frames that another thread entered since its latest retag and that lie more than 64 KiB
//! below it (those frames made no tag themselves; the tags they hold came from above or
//! from memory, where they usually still are). A live set applied later
//! by the allocation's own retag is as good as one applied at once: a tag no pointer held
//! during the scan cannot be held again, tags made since are live by their number, and the
//! applying retag keeps the tags it works with.
//!
//! # Locking
//!
//! One collection at a time (a `try_lock`: a busy collector is never waited for). The
//! registry lock is held while other threads' stacks are read (so none of them can exit and
//! unmap its stack meanwhile) and released before any record is locked; records are then
//! only `try_lock`ed, one at a time. The request list and the deferred live sets are leaf
//! locks (the deferred list may be held while taking the request list), taken under a
//! record lock by retags.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::*};
use std::sync::Arc;

use bsan_tree::Tag;
use parking_lot::Mutex;

use crate::alloc_info::{AddrHash, AllocInfo, AllocState};
use crate::{shadow, stats, sys, tags, threads};

/// Node count under which an allocation is never collected.
pub const MIN_THRESHOLD: usize = 256;
/// Fewest tags handed out between two collections.
const MIN_RETAGS_BETWEEN_RUNS: u64 = 1024;
/// Words a young collection may read per tag handed out since the previous collection.
/// A young collection reads the collecting thread's whole stack whatever it prunes (about
/// 8K words in a debug test thread, 15K words with the shadow it reads:
/// `gc_stack_words / gc_runs` of `stats=1`), so this sets how often it may run: at 64,
/// itertools' `specializations` spent 40% of its time collecting.
const WORDS_PER_RETAG: u64 = 8;
/// The same for a full collection's shadow scan: young collections examine every tag, so a
/// full one only forgets remembered tags whose pointers were overwritten (and serves
/// overdue trees, whatever the budget).
const FULL_WORDS_PER_RETAG: u64 = 4;
/// A tree this many times over its threshold is *overdue*: its collection runs without
/// waiting for the budget.
const OVERDUE_FACTOR: usize = 8;
/// How far below the stack pointer another thread published at its latest retag its stack
/// is still scanned ([`threads::ThreadInfo::stack_pointer_hint`]): the frames it may have
/// called since.
const OTHER_STACK_MARGIN: usize = 64 << 10;
/// Fewest tags handed out between two collections of which the later is young: the pace
/// of young collections while a *large* tree waits for one ([`LARGE_FOOTPRINT`]), and the
/// floor of their budget otherwise.
const MIN_RETAGS_BEFORE_YOUNG: u64 = 512;
/// A requested tree whose nodes times location chunks exceed this is *large*: each of its
/// nodes costs a state entry in many chunks, so its dead nodes cost memory in proportion
/// to both, and it is served at the pace of [`MIN_RETAGS_BEFORE_YOUNG`] rather than when
/// the words budget allows. Small trees (a global retagged by every `eprintln!`, a `Vec`
/// header) are what most requests come from; they wait for the budget, which collects them
/// several at a time. indexmap's `quick` peaked at 75 MB instead of 41 MB when every tree
/// waited for the budget.
const LARGE_FOOTPRINT: usize = 16 << 10;

/// Per-allocation GC bookkeeping, kept in the record's state.
#[derive(Clone, Debug, Default)]
pub struct AllocGc {
    /// Node count above which a retag requests a collection (0 = [`MIN_THRESHOLD`]).
    pub threshold: usize,
    /// A collection of this allocation was requested and has not run yet.
    pub pending: bool,
    /// Where its last full collection left it, the bounds of its young collections.
    pub since: Since,
    /// The tags of this allocation its last full collection found in shadow memory, sorted:
    /// live for its young collections, which read only the shadow groups written since
    /// (a pointer stored before and not overwritten is still there; one overwritten
    /// stays remembered until the next full collection, which is only conservative).
    pub remembered: Vec<Tag>,
}

/// The bound of an allocation's young collections: every pointer to it stored since its
/// last full collection's scan began (or since its creation) flagged its shadow group with
/// scan epoch `epoch` or later. Zero: unknown (a young collection then waits for a full one).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Since {
    pub epoch: u32,
}

impl Since {
    /// The bound for a new allocation (no pointer to it was stored yet).
    pub fn now() -> Since {
        Since {
            epoch: shadow::epoch(),
        }
    }
}

/// A requested collection: the allocation, its id then, and its generation bounds then.
#[derive(Clone, Copy)]
struct Request {
    rec: &'static AllocInfo,
    id: u64,
    since: Since,
}

/// Allocations waiting for a collection, with the id they had when requested.
static REQUESTS: Mutex<Vec<Request>> = Mutex::new(Vec::new());
/// `REQUESTS.len()`, readable without the lock (updated under it).
static REQUESTED: AtomicUsize = AtomicUsize::new(0);
/// No full collection starts before the tag counter reaches this, unless one is overdue.
static NEXT_RUN_AT: AtomicU64 = AtomicU64::new(0);
/// No young collection starts before the tag counter reaches this.
static NEXT_YOUNG_AT: AtomicU64 = AtomicU64::new(0);
/// A requested allocation's tree is overdue (see [`OVERDUE_FACTOR`]).
static OVERDUE: AtomicBool = AtomicBool::new(false);
/// A requested allocation's tree is large (see [`LARGE_FOOTPRINT`]).
static LARGE_REQUESTED: AtomicBool = AtomicBool::new(false);
/// No young collection for a large tree starts before the tag counter reaches this.
static NEXT_YOUNG_LARGE_AT: AtomicU64 = AtomicU64::new(0);
static RUNNING: Mutex<()> = Mutex::new(());
/// Live sets computed for allocations whose lock was busy, for their next retag to apply.
static DEFERRED: Mutex<Vec<Deferred>> = Mutex::new(Vec::new());
/// `DEFERRED.len()`, readable without the lock (updated under it).
static DEFERRED_LEN: AtomicUsize = AtomicUsize::new(0);

/// Which tags a collection examines, and so which memory it must read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Generation {
    /// Every tag; reads all resident shadow memory.
    Full,
    /// Reads only the shadow groups written since each allocation's last full collection
    /// ([`Since`], [`shadow::scan_dirty`]), and counts live the tags that collection found
    /// in shadow memory ([`AllocGc::remembered`]): a pointer stored since was stored in a
    /// flagged group; one stored before either is where that scan found it or was copied
    /// (a flagged store) first. Every tag is examined, old and young, again and again:
    /// a tag found once in a stack slot soon overwritten, or in a register, is pruned by
    /// the next one, and an old one that dies (a long-lived allocation's) does not wait for
    /// a full scan of the whole shadow memory.
    Young,
}

/// The live tags of one allocation, as found by one scan.
struct LiveSet {
    /// Tags from this one up were made after the scan started: all live.
    started_at: Tag,
    /// Words of stacks, slots and registers that may be tags, sorted (shared by all the
    /// allocations of one collection).
    words: Arc<Vec<u64>>,
    /// Tags of the allocation found in shadow memory.
    in_shadow: HashSet<Tag, AddrHash>,
}

impl LiveSet {
    fn is_live(&self, t: Tag) -> bool {
        t >= self.started_at || self.words.binary_search(&t).is_ok() || self.in_shadow.contains(&t)
    }
}

struct Deferred {
    req: Request,
    live: LiveSet,
    /// Set by a full collection: the allocation's new [`Since`].
    since: Option<Since>,
}

/// After a retag added a node to the tree of the locked `st` (of `rec`): applies a live set
/// a collection left for this allocation (keeping the tags in `keep`, the retag's parent
/// and new tag), and requests a collection if the tree outgrew its threshold.
pub fn after_retag(rec: &'static AllocInfo, st: &mut AllocState, keep: &[Tag]) {
    if DEFERRED_LEN.load(Relaxed) != 0 {
        let mine = {
            let mut deferred = DEFERRED.lock();
            let found = deferred
                .iter()
                .position(|d| std::ptr::eq(d.req.rec, rec) && d.req.id == st.id);
            let mine = found.map(|i| deferred.swap_remove(i));
            DEFERRED_LEN.store(deferred.len(), Relaxed);
            mine
        };
        if let Some(mut d) = mine {
            d.live.in_shadow.extend(keep);
            stats::TAGS_PRUNED.add(prune(st, &d.live, d.since) as u64);
        }
    }
    let Some((nodes, chunks)) = st
        .tree
        .as_deref()
        .map(|t| (t.node_count(), t.chunk_count()))
    else {
        return;
    };
    let threshold = st.gc.threshold.max(MIN_THRESHOLD);
    if nodes > threshold {
        request(rec, st);
        if nodes > OVERDUE_FACTOR * threshold {
            OVERDUE.store(true, Relaxed);
        }
        if nodes.saturating_mul(chunks) > LARGE_FOOTPRINT {
            LARGE_REQUESTED.store(true, Relaxed);
        }
    }
}

/// Requests a collection of the allocation of the locked `st` (of `rec`) at the next
/// opportunity (once per allocation until it ran).
pub fn request(rec: &'static AllocInfo, st: &mut AllocState) {
    if st.gc.pending || !st.live {
        return;
    }
    st.gc.pending = true;
    let mut requests = REQUESTS.lock();
    requests.push(Request {
        rec,
        id: st.id,
        since: st.gc.since,
    });
    REQUESTED.store(requests.len(), Relaxed);
}

/// Prunes the tree of the locked `st` with `live`; updates its threshold, and its
/// generation bounds after a full collection (`since`); returns the number of tags removed.
fn prune(st: &mut AllocState, live: &LiveSet, since: Option<Since>) -> usize {
    let full = since.is_some();
    if let Some(since) = since {
        st.gc.since = since;
        let mut remembered: Vec<Tag> = live.in_shadow.iter().copied().collect();
        remembered.sort_unstable();
        st.gc.remembered = remembered;
    }
    let remembered = &st.gc.remembered;
    let Some(tree) = st.tree.as_deref_mut() else {
        return 0;
    };
    let before = tree.node_count();
    if full {
        tree.gc(&|t| live.is_live(t));
    } else {
        tree.gc(&|t| live.is_live(t) || remembered.binary_search(&t).is_ok());
    }
    let after = tree.node_count();
    // Tags made since the scan started were kept unexamined: they are not the live set the
    // threshold scales with (a scan that waited long would otherwise inflate it).
    let young = tree
        .tags()
        .iter()
        .filter(|&&t| t >= live.started_at)
        .count();
    // A young collection that leaves the tree above its threshold keeps the threshold: the
    // dead tags may be remembered ones whose pointers were overwritten, which only a full
    // collection forgets, and raising it would let such a tree grow through young
    // collections alone. The tree's next retag requests a collection again.
    if full || after <= st.gc.threshold.max(MIN_THRESHOLD) {
        st.gc.threshold = MIN_THRESHOLD.max(2 * (after - young.min(after)) + young);
    }
    before.saturating_sub(after)
}

/// Tests: make the budgets forbid collections, full and young, until the tag counter
/// reaches `at` (a collection that runs sets them anew).
#[cfg(test)]
pub(crate) fn postpone_budget(at: u64) {
    NEXT_RUN_AT.store(at, Relaxed);
    NEXT_YOUNG_AT.store(at, Relaxed);
    NEXT_YOUNG_LARGE_AT.store(at, Relaxed);
}

/// Runs a collection if one is requested and the budget allows it. Called at the end of a
/// retag, with no lock held; `keep` are tags the caller holds outside memory (the retag's
/// parent and result).
#[inline]
pub fn maybe_collect(keep: &[Tag]) {
    if REQUESTED.load(Relaxed) == 0 {
        return;
    }
    let now = tags::peek();
    if now >= NEXT_RUN_AT.load(Relaxed) || OVERDUE.load(Relaxed) {
        collect(keep);
    } else if now >= NEXT_YOUNG_AT.load(Relaxed)
        || (LARGE_REQUESTED.load(Relaxed) && now >= NEXT_YOUNG_LARGE_AT.load(Relaxed))
    {
        collect_young(keep);
    }
}

/// Runs a collection of the requested allocations now (unless one is running, or the
/// calling thread cannot be scanned); returns whether it ran.
///
/// An allocation whose lock is busy (its thread is working on it) is not waited for: its
/// live set is left in `DEFERRED` for the next retag of the allocation to apply under the
/// lock it holds anyway, so that a thread hammering one allocation is never starved of
/// collections by the others. Applying it later is as safe as now: a tag no pointer held
/// when the scan ran cannot be held again; tags made since are live by `started_at`.
#[cold]
#[inline(never)]
pub fn collect(keep: &[Tag]) -> bool {
    run(keep, Generation::Full)
}

/// A young collection of the requested allocations now (see `Generation::Young`); the
/// same contract as [`collect`]. Allocations never fully collected stay requested.
#[cold]
#[inline(never)]
pub fn collect_young(keep: &[Tag]) -> bool {
    run(keep, Generation::Young)
}

fn run(keep: &[Tag], generation: Generation) -> bool {
    if !crate::runtime_flags().gc {
        REQUESTS.lock().clear();
        REQUESTED.store(0, Relaxed);
        return false;
    }
    let Some(_running) = RUNNING.try_lock() else {
        return false;
    };
    if !threads::is_registered() {
        return false;
    }
    let started_at = tags::peek();
    let mut targets: Vec<Request> = {
        let mut requests = REQUESTS.lock();
        OVERDUE.store(false, Relaxed);
        LARGE_REQUESTED.store(false, Relaxed);
        let mut all = std::mem::take(&mut *requests);
        if generation == Generation::Young {
            // Allocations never fully collected wait for a full collection.
            let (young, old): (Vec<Request>, Vec<Request>) =
                all.into_iter().partition(|r| r.since.epoch != 0);
            *requests = old;
            all = young;
        }
        REQUESTED.store(requests.len(), Relaxed);
        all
    };
    if targets.is_empty() {
        NEXT_YOUNG_AT.store(started_at + MIN_RETAGS_BEFORE_YOUNG, Relaxed);
        NEXT_YOUNG_LARGE_AT.store(started_at + MIN_RETAGS_BEFORE_YOUNG, Relaxed);
        return false;
    }
    // The roots: words from stacks, slots and registers that may be tags.
    let mut words: Vec<u64> = keep.to_vec();
    let Some(scanned) = scan_threads(started_at, &mut words) else {
        requeue(&mut targets);
        return false;
    };
    words.sort_unstable();
    words.dedup();
    let words = Arc::new(words);

    // Tags of the targets held in shadow memory.
    let by_addr: HashMap<u64, usize, AddrHash> = targets
        .iter()
        .enumerate()
        .map(|(i, r)| (r.rec.addr(), i))
        .collect();
    let mut in_shadow: Vec<HashSet<Tag, AddrHash>> = vec![HashSet::default(); targets.len()];
    let mut note = |prov: bsan_abi::Prov| {
        if let Some(&i) = by_addr.get(&prov.alloc) {
            in_shadow[i].insert(prov.tag);
        }
    };
    let (visited, since) = match generation {
        Generation::Full => {
            let (visited, epoch) = shadow::scan(&mut note);
            // Stores from the scan's start on are flagged with its epoch or a later one.
            (visited, Some(Since { epoch }))
        }
        Generation::Young => {
            let oldest = targets.iter().map(|r| r.since.epoch).min().unwrap_or(0);
            (shadow::scan_dirty(oldest, &mut note), None)
        }
    };

    let mut pruned = 0;
    let mut deferred = Vec::new();
    for (&req, in_shadow) in targets.iter().zip(in_shadow) {
        let live = LiveSet {
            started_at,
            words: words.clone(),
            in_shadow,
        };
        let Some(mut st) = req.rec.try_lock() else {
            deferred.push(Deferred { req, live, since });
            continue;
        };
        if !st.live || st.id != req.id {
            continue; // freed (and maybe recycled) since the request
        }
        st.gc.pending = false;
        pruned += prune(&mut st, &live, since);
    }
    {
        // Older deferred sets are superseded (or their allocations are gone).
        let mut d = DEFERRED.lock();
        *d = deferred;
        DEFERRED_LEN.store(d.len(), Relaxed);
        // Their allocations stay pending: requeue them, so that the next collection
        // retries if no retag applies the set first.
        if !d.is_empty() {
            let mut requests = REQUESTS.lock();
            requests.extend(d.iter().map(|d| d.req));
            REQUESTED.store(requests.len(), Relaxed);
        }
    }
    stats::TAGS_PRUNED.add(pruned as u64);
    stats::GC_STACK_WORDS.add(scanned as u64);
    stats::GC_SHADOW_ENTRIES.add(visited as u64);
    stats::GC_RUNS.bump();
    let cost = (scanned + visited) as u64;
    let now = tags::peek();
    match generation {
        Generation::Full => {
            NEXT_RUN_AT.store(
                now.saturating_add(MIN_RETAGS_BETWEEN_RUNS.max(cost / FULL_WORDS_PER_RETAG)),
                Relaxed,
            );
        }
        Generation::Young => stats::GC_YOUNG_RUNS.bump(),
    }
    // A young collection reads the stacks again and what is written until then: estimated
    // by the stacks alone after a full one.
    let young_cost = match generation {
        Generation::Full => scanned as u64,
        Generation::Young => cost,
    };
    NEXT_YOUNG_AT.store(
        now.saturating_add(MIN_RETAGS_BEFORE_YOUNG.max(young_cost / WORDS_PER_RETAG)),
        Relaxed,
    );
    NEXT_YOUNG_LARGE_AT.store(now.saturating_add(MIN_RETAGS_BEFORE_YOUNG), Relaxed);
    true
}

/// Puts requests taken by a collection that could not run back in the queue.
fn requeue(taken: &mut Vec<Request>) {
    let mut requests = REQUESTS.lock();
    requests.append(taken);
    REQUESTED.store(requests.len(), Relaxed);
}

/// Collects the words of every registered thread's stack and TLS slots, and the calling
/// thread's callee-saved registers, that may be tags under examination (`0 < w < limit`)
/// into `out`. Returns the number of words read, or `None` if the
/// registry is busy.
#[inline(never)]
fn scan_threads(limit: Tag, out: &mut Vec<u64>) -> Option<usize> {
    // Taken in this frame, below every frame of the instrumented caller and of the runtime
    // that may have saved the caller's callee-saved registers.
    let sp = sys::stack_pointer();
    let regs = sys::callee_saved_registers();
    let maybe_tag = |w: u64| w != 0 && w < limit;
    out.extend(regs.iter().copied().filter(|&w| maybe_tag(w)));
    let all = threads::lock_all()?;
    let me = crate::sys::thread_id();
    let page = sys::page_size();
    let mut read = 0;
    for t in all.iter() {
        for &(addr, words) in &t.tls_slots {
            read += words;
            // SAFETY: the slots of a registered thread stay allocated while the registry
            // is locked; other threads may write them concurrently (atomic reads).
            out.extend(
                (0..words)
                    .map(|i| unsafe { load(addr + 8 * i) })
                    .filter(|&w| maybe_tag(w)),
            );
        }
        if t.stack_hi == 0 {
            continue;
        }
        if t.tid == me {
            let lo = sp & !7;
            read += (t.stack_hi - lo) / 8;
            // SAFETY: [sp, hi) is this thread's live stack.
            out.extend(
                (lo..t.stack_hi)
                    .step_by(8)
                    .map(|a| unsafe { load(a) })
                    .filter(|&w| maybe_tag(w)),
            );
            continue;
        }
        let Some((lo, resident)) = mapped_stack(t.stack_lo, t.stack_hi, page) else {
            continue;
        };
        let floor = match t.stack_pointer_hint() {
            0 => 0,
            sp => sp.saturating_sub(OTHER_STACK_MARGIN),
        };
        for (p, _) in resident.iter().enumerate().filter(|(_, r)| **r) {
            let start = lo + p * page;
            if start + page <= floor {
                continue;
            }
            let end = (start + page).min(t.stack_hi);
            read += (end - start) / 8;
            // SAFETY: a resident page of a registered thread's stack, which stays mapped
            // while the registry is locked; the thread writes it concurrently.
            out.extend(
                (start..end)
                    .step_by(8)
                    .map(|a| unsafe { load(a) })
                    .filter(|&w| maybe_tag(w)),
            );
        }
    }
    Some(read)
}

/// Reads the word at `addr` atomically.
///
/// # Safety
/// `addr` must be 8-aligned and readable.
unsafe fn load(addr: usize) -> u64 {
    // SAFETY: the caller's contract; another thread may write the word concurrently, hence
    // an atomic read.
    unsafe { std::sync::atomic::AtomicU64::from_ptr(addr as *mut u64) }.load(Relaxed)
}

/// The mapped part of a thread's stack `[lo, hi)`: its page-aligned start and the residency
/// of each page. A main thread's stack is only mapped as far down as it ever grew: find
/// that bottom by bisection (the mapped part is contiguous up to `hi`).
fn mapped_stack(lo: usize, hi: usize, page: usize) -> Option<(usize, Vec<bool>)> {
    mapped_bottom(lo, hi, page, sys::resident_pages)
}

/// [`mapped_stack`] with the residency query as a parameter (`probe(start, len)`, `None`
/// when part of the range is unmapped).
fn mapped_bottom(
    lo: usize,
    hi: usize,
    page: usize,
    probe: impl Fn(usize, usize) -> Option<Vec<bool>>,
) -> Option<(usize, Vec<bool>)> {
    let hi_page = hi.div_ceil(page) * page;
    let lo = lo & !(page - 1);
    if hi_page <= lo {
        return None;
    }
    if let Some(r) = probe(lo, hi_page - lo) {
        return Some((lo, r));
    }
    // Invariant: [good, hi) is mapped, [bad, hi) is not.
    let (mut bad, mut good) = (lo, hi_page - page);
    probe(good, page)?;
    while good - bad > page {
        let mid = bad + (((good - bad) / 2) & !(page - 1));
        if probe(mid, hi_page - mid).is_some() {
            good = mid;
        } else {
            bad = mid;
        }
    }
    probe(good, hi_page - good).map(|r| (good, r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_bottom_is_found_by_bisection() {
        let page = 4096;
        for bottom_page in [0usize, 1, 7, 31, 32] {
            let bottom = 0x10_0000 + bottom_page * page;
            let probe =
                |start: usize, len: usize| (start >= bottom).then(|| vec![true; len / page]);
            let (lo, r) = mapped_bottom(0x10_0000, 0x10_0000 + 32 * page, page, probe)
                .map_or((0, vec![]), |x| x);
            if bottom_page == 32 {
                assert!(r.is_empty(), "nothing mapped");
            } else {
                assert_eq!((lo, r.len()), (bottom, 32 - bottom_page), "{bottom_page}");
            }
        }
    }

    #[test]
    fn another_threads_stack_is_scanned_from_a_little_below_its_latest_retag() {
        use std::hint::black_box;
        use std::sync::mpsc;
        const STALE: u64 = 0x5eed_0001;
        const LIVE: u64 = 0x5eed_0002;
        const SHALLOW: u64 = 0x5eed_0003;
        /// 40 frames of 8 KiB; the 16 deepest (128 KiB and more below) leave `STALE` behind.
        #[inline(never)]
        fn dig(depth: usize) {
            let a = [if depth < 16 { STALE } else { SHALLOW }; 1024];
            black_box(&a);
            if depth > 0 {
                dig(depth - 1);
            }
            black_box(&a);
        }
        let (ready_tx, ready_rx) = mpsc::channel();
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let other = std::thread::spawn(move || {
            threads::ensure_registered();
            dig(40);
            let live = black_box([LIVE; 4]);
            threads::note_stack_pointer();
            ready_tx.send(()).unwrap();
            done_rx.recv().unwrap();
            black_box(&live);
        });
        ready_rx.recv().unwrap();
        let mut words = Vec::new();
        while scan_threads(u64::MAX, &mut words).is_none() {
            std::thread::yield_now(); // another test holds the registry
        }
        done_tx.send(()).unwrap();
        other.join().unwrap();
        assert!(
            words.contains(&LIVE),
            "the frames above the hint are scanned"
        );
        assert!(words.contains(&SHALLOW), "so are the 64 KiB below it");
        // The deep frames hold 16 K copies of `STALE`. A copy or two may also sit just below
        // the hint, where the blocked thread's std code spilled a register that still held
        // the constant (seen 1 run in 10 at 2 KiB below the hint); that is not a deep frame.
        let stale = words.iter().filter(|&&w| w == STALE).count();
        assert!(
            stale < 64,
            "not the returned frames deeper down ({stale} words)"
        );
    }

    #[test]
    fn own_stack_is_mapped_from_the_stack_pointer_up() {
        let page = sys::page_size();
        let (lo, hi) = sys::current_thread_stack().unwrap();
        let (start, r) = mapped_stack(lo, hi, page).expect("mapped");
        let sp = sys::stack_pointer();
        assert!(
            start <= sp && r[(sp - start) / page],
            "the page of sp is resident"
        );
    }
}
