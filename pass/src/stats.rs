//! Counters of one instrumentation run, printed as one line with `BSAN_PASS_STATS=1`.
//!
//! Tests grep this line: it is how an IR test proves instrumentation ran at all.

use std::fmt;

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Stats {
    /// Functions instrumented.
    pub functions: u64,
    /// Functions left alone (declarations excluded): naked, `__bsan_*`, available_externally.
    pub functions_skipped: u64,
    /// Functions left uninstrumented because the ignorelist names them (`ignorelist.rs`).
    pub functions_ignored: u64,
    /// Functions left uninstrumented because only ignored functions call them (`ignored.rs`).
    pub functions_ignored_callees: u64,
    /// Retag calls erased from ignored functions.
    pub retags_erased: u64,
    /// Functions whose `llvm.is.constant` / `llvm.objectsize` calls were lowered before
    /// instrumentation (`instrument_module`).
    pub constant_intrinsics_lowered: u64,
    /// `__rust_retag_reg` / `__rust_retag_mem` calls lowered to `__bsan_retag`.
    pub retags_lowered: u64,
    /// Of those, retags of statically untracked pointers (no hook call emitted).
    pub retags_untracked: u64,
    /// Read checks emitted (loads, atomic loads, memcpy sources).
    pub loads: u64,
    /// Write checks emitted (stores, atomic RMW/cmpxchg, memcpy/memset destinations).
    pub stores: u64,
    /// Accesses left unchecked because they only touch a non-escaping alloca.
    pub elided: u64,
    /// Accesses left unchecked because the pointer is statically untracked (inttoptr, ...).
    pub untracked: u64,
    /// Pointer stores/loads whose shadow went to/from shadow memory.
    pub prov_stores: u64,
    pub prov_loads: u64,
    /// Pointer slots whose shadow was promoted to companion allocas (no shadow memory).
    pub promoted_slots: u64,
    /// Allocas registered with the runtime (escaping).
    pub stack_allocs: u64,
    /// Calls that got argument/return TLS provenance.
    pub calls: u64,
    /// malloc-family calls.
    pub allocator_calls: u64,
    pub memintrinsics: u64,
    pub atomics: u64,
    /// Globals given a provenance slot and registered by the module constructor.
    pub globals: u64,
    /// Functions with protected retags (got `__bsan_func_entry`/`__bsan_func_exit`).
    pub protected_frames: u64,
    /// `ptrtoint` of a pointer.
    pub ptrtoint: u64,
    /// Of those, `__bsan_expose` calls emitted (the others were statically untracked or
    /// their integer provably never becomes a pointer again).
    pub exposed: u64,
    /// Of the `ptrtoint`s, core's pointer-to-integer transmutes (`<*const T>::addr`,
    /// `fmt::Arguments::as_str`), which do not expose.
    pub transmutes_not_exposed: u64,
    /// `inttoptr` instructions given wildcard provenance.
    pub wildcards: u64,
    /// `inttoptr` instructions in optimized code, left untracked (`exposed.rs`).
    pub inttoptr_optimized: u64,
    /// Calls in functions with a protector frame turned into invokes, so that unwinding
    /// out of the function ends its protectors (`unwind.rs`).
    pub unwind_invokes: u64,
    /// Functions with a protector frame whose unwinding could not be given a cleanup
    /// (no personality available, funclet-based EH).
    pub unwind_unhandled: u64,
    /// Of `retags_lowered`, protected retags a leaf function needs no tag for, lowered to
    /// `__bsan_retag_check` (`leaf_retags.rs`).
    pub retags_elided: u64,
    /// Retags made late, before a call that never returns, for elided ones.
    pub late_retags: u64,
    /// Functions found to touch no memory a caller can see, whose calls a leaf may make.
    pub memory_free_functions: u64,
    /// Of `retags_elided`, those of forwarders (`forwarded_retags.rs`).
    pub retags_forwarded: u64,
    /// Of `retags_elided`, unprotected transient ones (`transient_retags.rs`).
    pub retags_transient: u64,
    /// Loads and stores left unchecked because an identical earlier check covers them
    /// (`repeated_checks.rs`).
    pub checks_repeated: u64,
    /// Of `retags_elided`, those of pass-through functions and returned retags
    /// (`returned_retags.rs`).
    pub retags_passed_through: u64,
    /// Functions a leaf may call as if inlined (`transparent_callees.rs`).
    pub transparent_functions: u64,
    /// Access checks given the inline fast path (`fast_path.rs`).
    pub fast_paths: u64,
    /// Access checks that branch on an earlier check's fast-path test (`fast_path.rs`).
    pub fast_paths_shared: u64,
    /// Functions that return only tags they made (`captures.rs`, *fresh returns*).
    pub fresh_returning_functions: u64,
    /// Retags lowered with `PARENT_DIES` (`captures.rs`).
    pub retags_parent_dies: u64,
    /// Retags lowered with `DIES_UNLESS_RETURNED` (`captures.rs`).
    pub retags_dies_unless_returned: u64,
    /// Retags lowered with `DIES_ON_REPEAT` (`captures.rs`).
    pub retags_dies_on_repeat: u64,
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bsan-pass: stats: functions={} retags_lowered={} loads={} stores={} elided={} \
             untracked={} retags_untracked={} prov_loads={} prov_stores={} promoted_slots={} \
             stack_allocs={} calls={} allocator_calls={} memintrinsics={} atomics={} globals={} \
             protected_frames={} unwind_invokes={} unwind_unhandled={} ptrtoint={} exposed={} transmutes_not_exposed={} \
             wildcards={} inttoptr_optimized={} functions_skipped={} functions_ignored={} \
             functions_ignored_callees={} retags_erased={} constant_intrinsics_lowered={} \
             retags_elided={} late_retags={} memory_free_functions={} \
             retags_forwarded={} retags_transient={} checks_repeated={} \
             retags_passed_through={} transparent_functions={} fast_paths={} \
             fast_paths_shared={} fresh_returning_functions={} retags_parent_dies={} \
             retags_dies_unless_returned={} retags_dies_on_repeat={}",
            self.functions,
            self.retags_lowered,
            self.loads,
            self.stores,
            self.elided,
            self.untracked,
            self.retags_untracked,
            self.prov_loads,
            self.prov_stores,
            self.promoted_slots,
            self.stack_allocs,
            self.calls,
            self.allocator_calls,
            self.memintrinsics,
            self.atomics,
            self.globals,
            self.protected_frames,
            self.unwind_invokes,
            self.unwind_unhandled,
            self.ptrtoint,
            self.exposed,
            self.transmutes_not_exposed,
            self.wildcards,
            self.inttoptr_optimized,
            self.functions_skipped,
            self.functions_ignored,
            self.functions_ignored_callees,
            self.retags_erased,
            self.constant_intrinsics_lowered,
            self.retags_elided,
            self.late_retags,
            self.memory_free_functions,
            self.retags_forwarded,
            self.retags_transient,
            self.checks_repeated,
            self.retags_passed_through,
            self.transparent_functions,
            self.fast_paths,
            self.fast_paths_shared,
            self.fresh_returning_functions,
            self.retags_parent_dies,
            self.retags_dies_unless_returned,
            self.retags_dies_on_repeat,
        )
    }
}
