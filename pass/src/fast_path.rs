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

use bsan_ir::glue;
use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::{LLVMAtomicOrdering, LLVMIntPredicate};

use crate::cx::FnCx;
use bsan_abi::fast_path::{LEN_OFFSET, START_OFFSET, ZERO_OFFSET};

impl FnCx<'_> {
    /// Guard every access check emitted for this function with the fast-path test.
    pub(crate) fn emit_fast_paths(&mut self) {
        for call in std::mem::take(&mut self.fast_path_calls) {
            self.guard_access_check(call);
            self.m.stats.fast_paths += 1;
        }
    }

    fn guard_access_check(&mut self, call: LLVMValueRef) {
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
        }
    }
}
