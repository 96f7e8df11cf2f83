//! Loads, stores and atomics: access checks and the shadow memory of stored pointers.
//!
//! * A load/store (atomic or not, volatile or not) through a pointer whose shadow is not
//!   statically `(0, 0)` gets `__bsan_read`/`__bsan_write(addr, store size, alloc, tag)`
//!   right before it. `atomicrmw` and `cmpxchg` are writes (a failed cmpxchg is counted as
//!   one too: Tree Borrows treats it as a write access).
//! * A stored pointer leaf gets `__bsan_store_prov(leaf addr, value, alloc, tag)` before
//!   the store; a loaded pointer leaf gets its shadow from `__bsan_load_prov(leaf addr,
//!   value)` after the load. The runtime answers untracked if the shadow was written for
//!   another value, which covers racing and non-pointer writes.
//! * Promoted pointer slots (see `elide.rs`) keep their shadow in companion allocas.
//! * A pointer produced by `atomicrmw xchg` or `cmpxchg` is untracked (the old value's
//!   shadow could be read with `__bsan_load_prov` before the operation, but not atomically
//!   with it); the new value's shadow is stored after the operation.

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;

use crate::classify::AccessKind;
use crate::cx::FnCx;
use bsan_abi::hook_names as h;

impl FnCx<'_> {
    /// Emit the check of an access of `size` bytes at `addr` before `before` (debug
    /// location of `inst`), unless `addr` is statically untracked.
    pub(crate) fn check_access(
        &mut self,
        kind: AccessKind,
        addr: LLVMValueRef,
        size: LLVMValueRef,
        before: LLVMValueRef,
        inst: LLVMValueRef,
    ) {
        let p = self.prov_of(addr);
        if self.is_untracked(p) {
            if self.locals.local_derived.contains(&addr) {
                self.m.stats.elided += 1;
            } else {
                self.m.stats.untracked += 1;
            }
            return;
        }
        self.at_for(before, inst);
        let size = self.cast_i64(size);
        let hook = match kind {
            AccessKind::Read => {
                self.m.stats.loads += 1;
                h::__bsan_read
            }
            AccessKind::Write => {
                self.m.stats.stores += 1;
                h::__bsan_write
            }
        };
        let call = self.call_hook(hook, &mut [addr, size, p.alloc, p.tag]);
        self.fast_path_calls.push(call);
    }

    pub(crate) fn visit_load(&mut self, inst: LLVMValueRef) {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let addr = unsafe { LLVMGetOperand(inst, 0) };
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let ty = unsafe { LLVMTypeOf(inst) };
        if let Some(&(ca, ct)) = self.companions.get(&addr) {
            self.m.stats.elided += 1;
            self.after(inst);
            let i64 = self.m.rt.ty.i64;
            // SAFETY: live LLVM handles of this module (the bsan-ir contract).
            let p = unsafe {
                crate::shadow::Prov {
                    alloc: LLVMBuildLoad2(self.b, i64, ca, c"".as_ptr()),
                    tag: LLVMBuildLoad2(self.b, i64, ct, c"".as_ptr()),
                }
            };
            self.shadow.insert(inst, vec![p]);
            return;
        }
        if self.repeated_checks.contains(&inst) {
            self.m.stats.checks_repeated += 1;
        } else if let Some(size) = self.store_size(ty) {
            let size = self.m.const_i64(size);
            self.check_access(AccessKind::Read, addr, size, inst, inst);
        }
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        if unsafe { LLVMIsAtomic(inst) } != 0 {
            self.m.stats.atomics += 1;
        }
        self.load_leaf_shadows(inst, addr, inst);
    }

    /// `__bsan_load_prov` for each pointer leaf of the value `loaded` read from `addr`,
    /// inserted right after `inst`; records the shadow of `loaded`.
    pub(crate) fn load_leaf_shadows(
        &mut self,
        loaded: LLVMValueRef,
        addr: LLVMValueRef,
        inst: LLVMValueRef,
    ) {
        let leaves = self.leaves_of_value(loaded);
        if leaves.is_empty() {
            return;
        }
        self.after(inst);
        let mut s = Vec::with_capacity(leaves.len());
        for leaf in leaves.iter() {
            let v = self.extract_leaf(loaded, &leaf.path);
            let a = self.byte_offset(addr, leaf.offset);
            let r = self.call_hook(h::__bsan_load_prov, &mut [a, v]);
            s.push(self.split_prov(r));
            self.m.stats.prov_loads += 1;
        }
        self.shadow.insert(loaded, s);
    }

    pub(crate) fn visit_store(&mut self, inst: LLVMValueRef) {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let (val, addr) = unsafe { (LLVMGetOperand(inst, 0), LLVMGetOperand(inst, 1)) };
        if let Some(&(ca, ct)) = self.companions.get(&addr) {
            self.m.stats.elided += 1;
            let p = self.prov_of(val);
            self.at(inst);
            // SAFETY: live LLVM handles of this module (the bsan-ir contract).
            unsafe {
                LLVMBuildStore(self.b, p.alloc, ca);
                LLVMBuildStore(self.b, p.tag, ct);
            }
            return;
        }
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let ty = unsafe { LLVMTypeOf(val) };
        if self.repeated_checks.contains(&inst) {
            self.m.stats.checks_repeated += 1;
        } else if let Some(size) = self.store_size(ty) {
            let size = self.m.const_i64(size);
            self.check_access(AccessKind::Write, addr, size, inst, inst);
        }
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        if unsafe { LLVMIsAtomic(inst) } != 0 {
            self.m.stats.atomics += 1;
        }
        self.store_leaf_shadows(val, addr, inst, inst);
    }

    /// `__bsan_store_prov` for each pointer leaf of `val` stored at `addr`, before `before`.
    pub(crate) fn store_leaf_shadows(
        &mut self,
        val: LLVMValueRef,
        addr: LLVMValueRef,
        before: LLVMValueRef,
        inst: LLVMValueRef,
    ) {
        let leaves = self.leaves_of_value(val);
        if leaves.is_empty() {
            return;
        }
        let s = self.shadow_of(val);
        self.at_for(before, inst);
        for (leaf, p) in leaves.iter().zip(s) {
            let v = self.extract_leaf(val, &leaf.path);
            let a = self.byte_offset(addr, leaf.offset);
            self.call_hook(h::__bsan_store_prov, &mut [a, v, p.alloc, p.tag]);
            self.m.stats.prov_stores += 1;
        }
    }

    pub(crate) fn visit_atomicrmw(&mut self, inst: LLVMValueRef) {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let (addr, val) = unsafe { (LLVMGetOperand(inst, 0), LLVMGetOperand(inst, 1)) };
        self.m.stats.atomics += 1;
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        if let Some(size) = self.store_size(unsafe { LLVMTypeOf(val) }) {
            let size = self.m.const_i64(size);
            self.check_access(AccessKind::Write, addr, size, inst, inst);
        }
        // Only `xchg` can move a pointer; its result stays untracked.
        self.store_new_value_shadow(val, addr, inst);
    }

    pub(crate) fn visit_cmpxchg(&mut self, inst: LLVMValueRef) {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let (addr, new) = unsafe { (LLVMGetOperand(inst, 0), LLVMGetOperand(inst, 2)) };
        self.m.stats.atomics += 1;
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        if let Some(size) = self.store_size(unsafe { LLVMTypeOf(new) }) {
            let size = self.m.const_i64(size);
            self.check_access(AccessKind::Write, addr, size, inst, inst);
        }
        self.store_new_value_shadow(new, addr, inst);
    }

    /// After an atomic that may have stored the pointer `val`: record its shadow. If the
    /// operation did not store it (failed cmpxchg) the shadow names a value that is not in
    /// memory, and the runtime's value check makes later loads untracked.
    fn store_new_value_shadow(
        &mut self,
        val: LLVMValueRef,
        addr: LLVMValueRef,
        inst: LLVMValueRef,
    ) {
        if self.leaves_of_value(val).is_empty() {
            return;
        }
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let next = unsafe { LLVMGetNextInstruction(inst) };
        self.store_leaf_shadows(val, addr, next, inst);
    }

    /// `extractvalue` of a leaf path at `b` (the value itself for the empty path).
    pub(crate) fn extract_leaf(&mut self, v: LLVMValueRef, path: &[u32]) -> LLVMValueRef {
        let mut v = v;
        for &i in path {
            // SAFETY: live LLVM handles of this module (the bsan-ir contract).
            v = unsafe { LLVMBuildExtractValue(self.b, v, i, c"".as_ptr()) };
        }
        v
    }
}
