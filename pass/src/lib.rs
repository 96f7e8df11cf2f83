//! bsan-pass: the LLVM pass plugin of bsan, a native checker for Tree Borrows.
//!
//! # What is tracked
//!
//! Every pointer SSA value carries a *shadow*: two `i64` SSA values `(alloc, tag)` — the
//! runtime's allocation record and the pointer's Tree Borrows tag (tag 0 = the
//! allocation's root). `(0, 0)` means *untracked*: the runtime knows nothing about the
//! pointer and accesses through it are not checked. Untracked is always safe — it can miss
//! bugs, never invent them — so wherever the pass cannot see (constant `inttoptr`,
//! uninstrumented callers, vectors of pointers, exotic IR), it falls back to `(0, 0)`.
//! `(bsan_abi::WILDCARD_ALLOC, 0)` is *wildcard* provenance, that of a pointer cast from an
//! integer: the runtime resolves it at each access among the exposed tags. A first-class
//! aggregate has one shadow pair per pointer *leaf* (`{ptr, i64}` has one leaf, at index
//! path `[0]`).
//!
//! Pointers in memory have their shadow in the runtime's shadow memory, written by
//! `__bsan_store_prov` next to every pointer store and read by `__bsan_load_prov` after
//! every pointer load; the runtime also keeps the stored pointer value and answers
//! untracked if memory now holds another value (a racing or non-pointer write).
//!
//! # How provenance flows
//!
//! * Sources: allocations (`__bsan_alloc` for escaping allocas, malloc-family results,
//!   globals via per-global slots filled by a module constructor) and retags
//!   (`__bsan_retag` returns the new child tag); `inttoptr` instructions (wildcard).
//! * Through SSA: GEP, casts, freeze, phi (shadow phis), select (shadow selects),
//!   extractvalue/insertvalue (per leaf).
//! * Across calls: thread-local slots (`bsan_abi::tls`). The caller writes the argument
//!   shadows and the callee's address; the callee trusts them only if the address is its
//!   own, so a call from uninstrumented code (a C library calling back) yields untracked
//!   arguments, not stale ones. Returns mirror this.
//! * Through memory: shadow memory, `__bsan_copy_prov` for memcpy/memmove.
//!
//! # Layers
//!
//! Lower layers never import higher ones (no import cycle in this crate):
//!
//! 1. `bsan-ir` (its own crate, shared with `bsan-synthesize`) — LLVM itself: iteration,
//!    names, attributes, calls, and the C++ glue, under one safety argument.
//! 2. `hooks` — the runtime's declarations from `bsan_abi` (the only source of hook
//!    signatures); `stats` — counters; `ignorelist` — the `fun:`/`src:` rules (a built-in
//!    list for std's backtrace symbolizer, `BSAN_IGNORELIST`).
//! 3. `classify` — what an instruction, callee or global is (retag intrinsics and their
//!    shape, memory intrinsics, allocators, trackable globals, constant offsets);
//!    `shadow` — the shadow types (`Prov`, `Shadow`, pointer leaves); `elide` — escape
//!    analysis of allocas (what need not be checked); `leaf_retags` — the protected retags
//!    a leaf function needs no tag for; `transparent_callees` — helpers a leaf may call
//!    as if inlined; `returned_retags` — those of a function
//!    that only hands its reference back; `repeated_checks` — access checks an identical
//!    earlier one makes redundant; `transient_retags` — unprotected retags used only
//!    right where they are made; `forwarded_retags` — those of a function that only
//!    passes its references on, and the module's plan of elided retags; `captures` — which
//!    parameters a function may keep, and which protected tags die with their function; `ignored` — the ignorelist applied to a module.
//! 4. `cx` — the context types: `ModuleCx`, `FnCx` and the builder helpers.
//! 5. Stages, each adding `impl FnCx` visitors and importing only the layers below:
//!    `lower_retags` (`__rust_retag_reg`/`__rust_retag_mem` → `__bsan_retag`),
//!    `provenance` (SSA shadow propagation, argument shadows), `access` (loads, stores,
//!    atomics), `memintrinsics`, `calls` (TLS protocol, allocator calls), `stack` (allocas,
//!    protector frames, exits), `unwind` (cleanup pads so unwinding ends a protector frame),
//!    `globals` (provenance slots, the constructor, the ABI version check, the retag-source
//!    word), `exposed` (`ptrtoint` → `__bsan_expose`, `inttoptr` → wildcard).
//! 6. `instrument` — the order of the stages, and only that.
//! 7. `plugin` — registration, modes (`BSAN_PASS_MODE`), synthesis calls into
//!    `bsan-synthesize` (which inserts `__rust_retag_reg` calls), verification, stats.

// Every `unsafe` block says why it is sound (`cargo xtask ci` denies warnings).
#![warn(clippy::undocumented_unsafe_blocks)]

//! # Tricky cases and why they are safe
//!
//! * **Retag results.** `%r = __rust_retag_reg(%p)` is replaced by `%p` only after the
//!   function is instrumented: until then each use names either `%r` (child tag) or `%p`
//!   (parent tag), and the checks are emitted with the right one.
//! * **Non-escaping allocas** are never checked: nobody can hold a reborrow of them (a
//!   retag is a call, hence an escape), so every access is by the root of a tree with no
//!   children, which Tree Borrows always allows. Pointers *stored in* them keep their
//!   provenance (shadow memory, or companion allocas for simple pointer spill slots).
//! * **Invokes**: post-call code goes to the normal destination, whose edge is split when
//!   it has other predecessors (phis are re-pointed by the C++ glue).
//! * **musttail**: nothing may sit between the call and the `ret`; the return-slot stores
//!   move before the call and the call gets no post-call code (untracked result).
//! * **Atomics**: `atomicrmw`/`cmpxchg` are checked as writes before the operation; a
//!   pointer they return is untracked, because reading the old value's shadow cannot be
//!   atomic with the operation; the new value's shadow is stored afterwards, and a
//!   concurrent reader that sees the value before its shadow gets untracked, not wrong,
//!   provenance (the runtime's value check).
//! * **Varargs**: the variadic part has no TLS slots; `va_arg` results are untracked.
//! * **Inline asm**: neither checked nor given slots; results untracked.
//! * **Unwinding**: in a function with a protector frame, calls that may unwind become
//!   invokes of a cleanup pad that runs the exit code and resumes (`unwind.rs`); every
//!   `resume` gets `__bsan_func_exit` and stack deregistration. Elsewhere (functions
//!   without a frame, `unwind_unhandled` ones) unwinding skips stack deregistration; the
//!   runtime cleans stale frames at the next entry.
//! * **Debug locations**: every inserted call carries the location of the instruction it
//!   instruments (line 0 of the function's subprogram if that has none), so reports have
//!   source lines and the verifier accepts the module.
//!
//! # What IR cannot show
//!
//! * Intra-function reborrows (`let y = &mut *x;`) are the same SSA value as their parent
//!   unless rustc emits retag intrinsics; synthesis only sees function-entry and
//!   call-return retags.
//! * Which allocation an integer came from: `ptrtoint` exposes (`__bsan_expose`) unless
//!   the integer provably only feeds comparisons, and `inttoptr` gets wildcard provenance
//!   (`exposed.rs`), as in Tree Borrows; no integer arithmetic is tracked.
//! * Thread-local globals, allocas outside the entry block, and vectors of pointers are
//!   untracked.

mod access;
mod calls;
mod captures;
mod classify;
mod cx;
mod elide;
mod exposed;
mod fast_path;
mod forwarded_retags;
mod globals;
mod hooks;
mod ignored;
mod ignorelist;
mod instrument;
mod leaf_retags;
mod lower_retags;
mod memintrinsics;
mod plugin;
mod provenance;
mod repeated_checks;
mod returned_retags;
mod shadow;
mod stack;
mod stats;
mod transient_retags;
mod transparent_callees;
mod unwind;
