//! The bsan runtime: what an instrumented program links against.
//!
//! The model it checks is `runtime/docs/tree-borrows.md` (cited as *model §N*); where it
//! keeps provenance is `runtime/docs/shadow-memory.md` (*shadow §N*).
//!
//! # What the runtime tracks
//!
//! Every pointer of the instrumented program carries a *provenance* `(alloc, tag)` in
//! registers (SSA values the pass threads through the code) and, when the pointer is stored
//! to memory, in [`shadow`] memory beside it. `alloc` is the address of an [`alloc_info`]
//! record describing one allocation (heap block, escaping stack slot or global); `tag` is
//! the pointer's Tree Borrows identity, drawn from the global counter in [`tags`].
//! `alloc == 0` means *untracked*: the runtime does not know where the pointer comes from
//! (uninstrumented code, a pointer stored unaligned) and checks nothing through it. That is
//! how bsan stays free of false reports where it cannot see. `alloc == WILDCARD_ALLOC`
//! marks a pointer cast from an integer: its allocation is looked up by address among the
//! exposed ones ([`exposed`]) at each use, and it may act as any exposed tag (model §7).
//!
//! Each record owns, once the allocation is first retagged, a Tree Borrows tree
//! ([`bsan_tree::Tree`]). The tree is the whole model: every decision about whether an access,
//! retag, protector release or deallocation is allowed is made by `bsan-tree`; the runtime
//! only turns addresses into offsets, flags into [`bsan_tree::NewPermission`]s, return
//! addresses into [`bsan_tree::Site`]s, and violations into reports. Most allocations are
//! never retagged and never get a tree: accessing them costs one atomic load.
//!
//! # The hot paths
//!
//! * `__bsan_read` / `__bsan_write` ([`access::before_access`]): untracked → return; no tree →
//!   return (one relaxed load of a flag in the record); otherwise lock the record and ask the
//!   tree.
//! * `__bsan_load_prov` / `__bsan_store_prov` ([`shadow`]): two table lookups and three words.
//! * `__bsan_retag` ([`retag::retag`]): a lock on the record and a tree operation.
//!
//! # Threading
//!
//! Records are locked individually (`parking_lot::Mutex`), so threads working on different
//! allocations never contend. The heap index (base address → record, for `free` through a
//! pointer whose provenance was lost) is sharded. Shadow words are updated with a tiny
//! per-word seqlock that never blocks: a torn or lost update only ever yields *untracked* or
//! stale provenance, which the model ignores (see [`shadow`]). Protector frames are
//! per-thread ([`frames`]). Only reports are globally serialised ([`report`]). Threads
//! register their stacks and TLS slots ([`threads`]) so that the provenance garbage
//! collector ([`gc`]) can find the tags they hold; it runs on whichever thread's retag
//! finds a collection due, without stopping the others.
//!
//! # Why the runtime never calls instrumented code
//!
//! The pass rewrites calls to `malloc` and friends *at call sites in instrumented code*; the
//! runtime's own Rust std (a separate copy, compiled normally into this staticlib) calls the
//! plain libc allocator, so the runtime can allocate freely without recursing into itself.
//! It defines no `malloc`/`free` symbols and installs no interceptors. The runtime never
//! takes a callback into user code, so a hook can never re-enter the runtime on the same
//! thread, except through a signal handler, which the shadow seqlock tolerates.
//!
//! # Errors
//!
//! Core functions return `Result<_, report::Violation>`; only the `extern "C"` hooks turn a
//! violation into a report (which exits). Internal inconsistencies and panics inside the
//! runtime are *internal errors* (`bsan: internal error: ...`, then `abort`): they never
//! masquerade as a user report, and no panic ever unwinds across `extern "C"`.
//!
//! # Modules
//!
//! * [`hooks`]: the `extern "C"` ABI of `bsan-abi`, one file per area; thin.
//! * [`access`]: checking reads and writes (also through wildcard provenance), exposing tags.
//! * [`exposed`]: the index of exposed allocations, by address, for wildcard provenance.
//! * [`retag`]: creating tags for references.
//! * [`retag_source`]: whether retags came from rustc's intrinsics or were synthesized.
//! * [`lifetime`]: allocation, deallocation, reallocation.
//! * [`frames`]: per-thread protector frames and their release.
//! * [`alloc_info`]: allocation records, their arena and free list, the heap index.
//! * [`shadow`]: shadow provenance memory.
//! * [`gc`]: pruning dead tags from the trees of long-lived allocations.
//! * [`threads`]: registered threads (stacks, TLS slots), the GC's roots.
//! * [`tags`]: the global tag counter.
//! * [`report`]: one report at a time, symbolized, in Miri's wording; internal errors.
//! * [`flags`]: run-time flags from `BSAN_OPTIONS`.
//! * [`stats`]: counters printed with `stats=1`.
//! * [`metadata`]: the runtime's own heap, counted and limited (`max_metadata_mb`).
//! * [`sys`]: the only module that talks to the operating system.

// Every `unsafe` block says why it is sound (`cargo xtask ci` denies warnings).
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod access;
pub mod alloc_info;
pub mod exposed;
pub mod flags;
pub mod frames;
pub mod gc;
pub mod hooks;
pub mod lifetime;
pub mod metadata;
pub mod report;
pub mod retag;
pub mod retag_source;
pub mod shadow;
pub mod stats;
pub mod sys;
pub mod tags;
pub mod threads;

use std::sync::OnceLock;

static FLAGS: OnceLock<flags::Flags> = OnceLock::new();

/// The runtime's flags, initialising the runtime on first use (parse `BSAN_OPTIONS`, enable
/// counters, register the exit-time statistics). Cheap afterwards: one acquire load.
pub fn runtime_flags() -> &'static flags::Flags {
    FLAGS.get_or_init(|| {
        // Keeps the C archive (TLS provenance slots) in the link of every program.
        bsan_shim::link_anchor();
        let flags = flags::from_env();
        metadata::set_limit(flags.max_metadata_mb);
        stats::init(flags.stats);
        flags
    })
}
