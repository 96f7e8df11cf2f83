//! Stack: allocas and frames.
//!
//! * An escaping alloca of the entry block is registered with `__bsan_alloc(a, size,
//!   STACK)` — in the prologue for the leading allocas, right after it otherwise — and its
//!   provenance is the returned root. Before every `ret` and `resume` it is deregistered
//!   with `__bsan_dealloc(a, alloc, 0, STACK)`.
//! * Allocas outside the entry block (C VLAs, `alloca()`) would need deregistration on
//!   paths they may not dominate; they are untracked (their accesses are not checked).
//! * Non-escaping allocas are untracked by design (see `elide.rs`); promotable ones get
//!   two companion `i64` allocas, zeroed in the prologue, holding the shadow of the pointer
//!   stored in them.
//! * A function with protected retags gets a one-byte frame marker alloca placed first,
//!   `__bsan_func_entry(frame)` in the prologue and `__bsan_func_exit(frame)` before every
//!   `ret`/`resume` (before the stack deregistrations). A function whose protected retags
//!   are all elided (`leaf_retags.rs`) but made late on its panic paths enters its frame
//!   there, before the late retags, and leaves it only at `resume`.
//!
//! Functions with a frame get cleanup landing pads for calls that may unwind
//! (`unwind.rs`), so their exit code also runs when a panic passes through. Unwinding
//! through other functions (or `unwind_unhandled` ones) skips their exit code: the runtime
//! releases stale protector frames at the next `__bsan_func_entry` and must accept a new
//! stack registration over a stale one.

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::target::LLVMABISizeOfType;
use inkwell::llvm_sys::LLVMOpcode;

use crate::cx::FnCx;
use crate::shadow::Prov;
use bsan_abi::alloc_kind::STACK;
use bsan_abi::hook_names as h;

impl FnCx<'_> {
    pub(crate) fn setup_frame(&mut self) {
        self.m.stats.protected_frames += 1;
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            let first = LLVMGetFirstInstruction(self.entry);
            LLVMPositionBuilderBefore(self.b, first);
            LLVMSetCurrentDebugLocation2(self.b, std::ptr::null_mut());
            let frame = LLVMBuildAlloca(self.b, self.m.rt.ty.i8, c"bsan.frame".as_ptr());
            if !self.frame_on_panic_only {
                let c = self.m.rt.hook(h::__bsan_func_entry);
                bsan_ir::call::build_call(self.pb, c.ty, c.func, &mut [frame]);
            }
            self.frame = Some(frame);
        }
    }

    pub(crate) fn setup_promoted_slots(&mut self) {
        let slots = std::mem::take(&mut self.locals.promotable);
        if slots.is_empty() {
            return;
        }
        let i64 = self.m.rt.ty.i64;
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            // After the frame marker, which stays first.
            let anchor = match self.frame {
                Some(frame) => LLVMGetNextInstruction(frame),
                None => LLVMGetFirstInstruction(self.entry),
            };
            LLVMPositionBuilderBefore(self.b, anchor);
            LLVMSetCurrentDebugLocation2(self.b, std::ptr::null_mut());
            for &slot in &slots {
                let a = LLVMBuildAlloca(self.b, i64, c"bsan.slot.alloc".as_ptr());
                let t = LLVMBuildAlloca(self.b, i64, c"bsan.slot.tag".as_ptr());
                LLVMBuildStore(self.pb, self.m.zero, a);
                LLVMBuildStore(self.pb, self.m.zero, t);
                self.companions.insert(slot, (a, t));
            }
        }
        self.m.stats.promoted_slots += slots.len() as u64;
        self.locals.promotable = slots;
    }

    /// Register the escaping allocas that precede the prologue point.
    pub(crate) fn setup_entry_allocas(&mut self) {
        let before: Vec<_> = bsan_ir::iter::instructions(self.entry)
            .take_while(|&i| i != self.prologue_at)
            .filter(|i| self.locals.escaping.contains(i))
            .collect();
        for i in before {
            let b = self.pb;
            let p = self.register_alloca(b, i);
            self.shadow.insert(i, vec![p]);
        }
    }

    pub(crate) fn visit_alloca(&mut self, inst: LLVMValueRef) {
        if self.shadow.contains_key(&inst) || !self.locals.escaping.contains(&inst) {
            return;
        }
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        if unsafe { LLVMGetInstructionParent(inst) } != self.entry {
            return; // untracked, see module docs
        }
        self.after(inst);
        let b = self.b;
        let p = self.register_alloca(b, inst);
        self.shadow.insert(inst, vec![p]);
    }

    fn register_alloca(&mut self, b: LLVMBuilderRef, alloca: LLVMValueRef) -> Prov {
        self.m.stats.stack_allocs += 1;
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            let ty = LLVMGetAllocatedType(alloca);
            let elem = self.m.const_i64(LLVMABISizeOfType(self.m.td, ty));
            let count = LLVMGetOperand(alloca, 0);
            let size = if !LLVMIsAConstantInt(count).is_null() {
                self.m
                    .const_i64(LLVMConstIntGetZExtValue(count) * LLVMABISizeOfType(self.m.td, ty))
            } else {
                let count = LLVMBuildIntCast2(b, count, self.m.rt.ty.i64, 0, c"".as_ptr());
                LLVMBuildMul(b, count, elem, c"".as_ptr())
            };
            let c = self.m.rt.hook(h::__bsan_alloc);
            let kind = self.m.const_i8(STACK);
            let r = bsan_ir::call::build_call(b, c.ty, c.func, &mut [alloca, size, kind]);
            let alloc = LLVMBuildExtractValue(b, r, 0, c"".as_ptr());
            self.stack_allocs.push((alloca, alloc));
            Prov {
                alloc,
                tag: LLVMBuildExtractValue(b, r, 1, c"".as_ptr()),
            }
        }
    }

    /// Frame exit and stack deregistration before `before` (a `ret`, `resume`, or the
    /// musttail call preceding a `ret`).
    pub(crate) fn exit_code(&mut self, before: LLVMValueRef, inst: LLVMValueRef) {
        if self.frame.is_none() && self.stack_allocs.is_empty() {
            return;
        }
        self.at_for(before, inst);
        // A frame entered only on panic paths is left only by unwinding (`resume`).
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let is_ret = unsafe { LLVMGetInstructionOpcode(inst) } == LLVMOpcode::LLVMRet;
        if let Some(frame) = self.frame.filter(|_| !(self.frame_on_panic_only && is_ret)) {
            self.call_hook(h::__bsan_func_exit, &mut [frame]);
        }
        let kind = self.m.const_i8(STACK);
        let zero = self.m.zero;
        for (alloca, alloc) in self.stack_allocs.clone() {
            self.call_hook(h::__bsan_dealloc, &mut [alloca, alloc, zero, kind]);
        }
    }
}
