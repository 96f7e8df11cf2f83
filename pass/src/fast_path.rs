//! The inline fast path of access checks: `__bsan_read`, `__bsan_write` and
//! `__bsan_retag_check` (an elided retag's implicit read) are called only when their
//! allocation has a tree.
//!
//! Most accesses of a debug build go to allocations that were never retagged (stack
//! slots that escape only into the runtime's view, heap blocks reached through their root
//! pointer): such an allocation has no tree, and the runtime's first test answers "nothing
//! to check". Here that test is made inline, before the call, from the runtime's record
//! arena ([`bsan_abi::fast_path`] has the sequence and why it is exactly the runtime's own
//! test), so such an access costs a few loads and a branch instead of a call.
//!
//! Runs last on a function, once every check is emitted: it splits blocks, which nothing
//! before it expects. Owns nothing but that edit; which accesses are checked at all is
//! `access.rs`'s, which retags are elided the retag planners'.

use std::collections::{HashMap, HashSet};

use bsan_ir::glue;
use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::{LLVMAtomicOrdering, LLVMIntPredicate};

use crate::cx::FnCx;
use bsan_abi::fast_path::{LEN_OFFSET, START_OFFSET, ZERO_OFFSET};

impl FnCx<'_> {
    /// Guard every access check emitted for this function with the fast-path test; a
    /// check that [`shares_test_with`] an earlier one branches on that one's result.
    pub(crate) fn emit_fast_paths(&mut self) {
        let calls = std::mem::take(&mut self.fast_path_calls);
        let set: HashSet<LLVMValueRef> = calls.iter().copied().collect();
        let earlier: HashMap<LLVMValueRef, LLVMValueRef> = calls
            .iter()
            .filter_map(|&c| shares_test_with(c, &set).map(|e| (c, e)))
            .collect();
        // Before any block is split: the test of a chain's first check dominates the rest.
        let mut needed: HashMap<LLVMValueRef, LLVMValueRef> = HashMap::new();
        for &call in calls.iter().filter(|c| !earlier.contains_key(c)) {
            needed.insert(call, self.guard_access_check(call));
            self.m.stats.fast_paths += 1;
        }
        for &call in calls.iter().filter(|c| earlier.contains_key(c)) {
            let mut first = earlier[&call];
            while let Some(&e) = earlier.get(&first) {
                first = e;
            }
            glue::call_only_if(call, needed[&first]);
            self.m.stats.fast_paths_shared += 1;
        }
    }

    /// Emits the fast-path test before `call` and makes the call depend on it; returns the
    /// test's `i1` ("call the runtime").
    fn guard_access_check(&mut self, call: LLVMValueRef) -> LLVMValueRef {
        let arena = self.m.rt.record_arena();
        let ty = self.m.rt.ty;
        // SAFETY: live LLVM handles of this module (the bsan-ir contract); `call` is an
        // access check call, with the `alloc` word as its third argument.
        unsafe {
            LLVMPositionBuilderBefore(self.b, call);
            LLVMSetCurrentDebugLocation2(self.b, self.loc_of(call));
            let alloc = LLVMGetOperand(call, 2);
            let field = |cx: &mut Self, offset: u64| {
                let mut idx = [LLVMConstInt(ty.i64, offset, 0)];
                LLVMBuildInBoundsGEP2(cx.b, ty.i8, arena, idx.as_mut_ptr(), 1, c"".as_ptr())
            };
            let load = |cx: &mut Self, t, p, order, align| {
                let l = LLVMBuildLoad2(cx.b, t, p, c"".as_ptr());
                LLVMSetOrdering(l, order);
                LLVMSetAlignment(l, align);
                l
            };
            use LLVMAtomicOrdering::*;
            // `len` first, with acquire ordering: nonzero means `start` is published.
            let len_at = field(self, LEN_OFFSET);
            let len = load(self, ty.i64, len_at, LLVMAtomicOrderingAcquire, 8);
            let start_at = field(self, START_OFFSET);
            let start = load(self, ty.i64, start_at, LLVMAtomicOrderingMonotonic, 8);
            let off = LLVMBuildSub(self.b, alloc, start, c"".as_ptr());
            let in_arena = LLVMBuildICmp(
                self.b,
                LLVMIntPredicate::LLVMIntULT,
                off,
                len,
                c"bsan.record".as_ptr(),
            );
            let record = LLVMBuildIntToPtr(self.b, alloc, ty.ptr, c"".as_ptr());
            let zero_at = field(self, ZERO_OFFSET);
            let probe = LLVMBuildSelect(self.b, in_arena, record, zero_at, c"".as_ptr());
            let has_tree = load(self, ty.i8, probe, LLVMAtomicOrderingMonotonic, 1);
            let zero8 = LLVMConstInt(ty.i8, 0, 0);
            let tree = LLVMBuildICmp(
                self.b,
                LLVMIntPredicate::LLVMIntNE,
                has_tree,
                zero8,
                c"".as_ptr(),
            );
            // Outside the arena: untracked (0) skips, wildcard or garbage goes to the
            // runtime, which resolves or ignores it.
            let tracked = LLVMBuildICmp(
                self.b,
                LLVMIntPredicate::LLVMIntNE,
                alloc,
                self.m.zero,
                c"".as_ptr(),
            );
            let needed = LLVMBuildSelect(self.b, in_arena, tree, tracked, c"bsan.check".as_ptr());
            glue::call_only_if(call, needed);
            needed
        }
    }
}

/// The check among `checks` whose fast-path test `call` (also one of them) can reuse: the
/// latest one before it in its block on the same `alloc` word, with nothing in between
/// that could give an allocation a tree (only other checks, provenance hooks and
/// instructions that are not calls).
///
/// The test's answer is the allocation record's `has_tree` byte, which only a retag sets
/// (`__bsan_retag`, reached only through a call); accesses, retag checks and provenance
/// moves never do. So within such a stretch the answer cannot change on this thread, and
/// the later check branches on the earlier test's `i1` instead of loading the arena and
/// the record again. Another thread's retag of the same allocation in between is the
/// race the test itself already has (between its load and the call): a check skipped for
/// it could only lose a report (the access is not recorded in the new tree), never make
/// one.
fn shares_test_with(call: LLVMValueRef, checks: &HashSet<LLVMValueRef>) -> Option<LLVMValueRef> {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract); checks have the
    // `alloc` word as their third argument.
    unsafe {
        let alloc = LLVMGetOperand(call, 2);
        let mut i = LLVMGetPreviousInstruction(call);
        while !i.is_null() {
            if checks.contains(&i) {
                if LLVMGetOperand(i, 2) == alloc {
                    return Some(i);
                }
            } else if (!LLVMIsACallInst(i).is_null() || !LLVMIsAInvokeInst(i).is_null())
                && !is_tree_neutral_call(i)
            {
                return None;
            }
            i = LLVMGetPreviousInstruction(i);
        }
        None
    }
}

/// A call that cannot give any allocation a tree: a provenance hook, or an intrinsic
/// that only annotates.
fn is_tree_neutral_call(i: LLVMValueRef) -> bool {
    use bsan_abi::hook_names as h;
    const NEUTRAL_HOOKS: [&str; 4] = [
        h::__bsan_load_prov,
        h::__bsan_store_prov,
        h::__bsan_copy_prov,
        h::__bsan_clear_prov,
    ];
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    let direct = unsafe {
        let callee = LLVMGetCalledValue(i);
        (!callee.is_null() && !LLVMIsAFunction(callee).is_null()).then_some(callee)
    };
    let Some(callee) = direct else {
        return false;
    };
    let name = bsan_ir::value::value_name(callee);
    NEUTRAL_HOOKS.contains(&name.as_str())
        || crate::leaf_retags::intrinsic_name(i)
            .as_deref()
            .is_some_and(crate::classify::is_annotation_intrinsic)
}
