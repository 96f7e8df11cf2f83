//! Lowering of rustc's retag intrinsics (emitted by `-Zcodegen-emit-retag` or synthesized
//! by `bsan-synthesize`) to `__bsan_retag`.
//!
//! * `%r = call ptr @__rust_retag_reg(ptr %p, i64 size, i8 flags, ptr im, ptr pin)`:
//!   `prov' = __bsan_retag(%p, size, flags, im, im_count, pin, pin_count, prov(%p))`, and
//!   `%r`'s shadow is `prov'`. Only after the whole function is instrumented is `%r`
//!   replaced by `%p` and the call erased: until then every use of `%r` still names `%r`,
//!   so its accesses get the child tag while uses of `%p` keep the parent's.
//! * `call void @__rust_retag_mem(ptr place, ...)` retags the pointer stored at `place`:
//!   `p = load place; prov = __bsan_load_prov(place, p); prov' = __bsan_retag(p, ...);
//!   __bsan_store_prov(place, p, prov')`. The place's bytes are never written.
//! * `im`/`pin` are null or constant global arrays of `(offset, len)` pairs of
//!   pointer-sized integers; the count is the array's byte size / (2 * pointer size).
//! * A retag of a statically untracked pointer is untracked: no hook call.
//! * Any retag with the PROTECTED flag (or non-constant flags) makes the function get a
//!   protector frame (`stack.rs`).

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::target::{LLVMABISizeOfType, LLVMPointerSize};

use crate::instrument::{value_name, FnCx};
use crate::provenance::{strip_constant_offsets, Prov};
use bsan_abi::hook_names as h;
use bsan_abi::retag_flags::PROTECTED;
use bsan_abi::rust_retag::{MEM, REG};

/// Does `func` contain a retag that may be protected?
pub(crate) fn has_protected_retag(func: LLVMValueRef) -> bool {
    unsafe {
        let mut bb = LLVMGetFirstBasicBlock(func);
        while !bb.is_null() {
            let mut i = LLVMGetFirstInstruction(bb);
            while !i.is_null() {
                if is_retag_call(i) {
                    let flags = LLVMGetOperand(i, 2);
                    if LLVMIsAConstantInt(flags).is_null()
                        || LLVMConstIntGetZExtValue(flags) & PROTECTED as u64 != 0
                    {
                        return true;
                    }
                }
                i = LLVMGetNextInstruction(i);
            }
            bb = LLVMGetNextBasicBlock(bb);
        }
    }
    false
}

fn is_retag_call(i: LLVMValueRef) -> bool {
    unsafe {
        if LLVMIsACallInst(i).is_null() && LLVMIsAInvokeInst(i).is_null() {
            return false;
        }
        let callee = LLVMGetCalledValue(i);
        if LLVMIsAFunction(callee).is_null() {
            return false;
        }
        let name = value_name(callee);
        name == REG || name == MEM
    }
}

impl FnCx<'_> {
    pub(crate) fn lower_retag_reg(&mut self, call: LLVMValueRef) {
        self.m.stats.retags_lowered += 1;
        let p = unsafe { LLVMGetOperand(call, 0) };
        let prov = self.prov_of(p);
        self.lowered_retags.push(call);
        if self.is_untracked(prov) {
            self.m.stats.retags_untracked += 1;
            return;
        }
        self.at(call);
        let new = self.emit_retag(call, p, prov);
        self.shadow.insert(call, vec![new]);
    }

    pub(crate) fn lower_retag_mem(&mut self, call: LLVMValueRef) {
        self.m.stats.retags_lowered += 1;
        let place = unsafe { LLVMGetOperand(call, 0) };
        self.erase.push(call);
        self.at(call);
        let p = unsafe { LLVMBuildLoad2(self.b, self.m.rt.ty.ptr, place, c"".as_ptr()) };
        let r = self.call_hook(h::__bsan_load_prov, &mut [place, p]);
        let prov = self.split_prov(r);
        let new = self.emit_retag(call, p, prov);
        self.call_hook(h::__bsan_store_prov, &mut [place, p, new.alloc, new.tag]);
    }

    /// `__bsan_retag` at `b` with the size, flags and ranges of the retag `call`.
    fn emit_retag(&mut self, call: LLVMValueRef, p: LLVMValueRef, prov: Prov) -> Prov {
        let (size, flags, im, pin) = unsafe {
            (
                LLVMGetOperand(call, 1),
                LLVMGetOperand(call, 2),
                LLVMGetOperand(call, 3),
                LLVMGetOperand(call, 4),
            )
        };
        let size = self.cast_i64(size);
        let flags = unsafe { LLVMBuildIntCast2(self.b, flags, self.m.rt.ty.i8, 0, c"".as_ptr()) };
        let (im, im_count) = self.ranges(im);
        let (pin, pin_count) = self.ranges(pin);
        let r = self.call_hook(
            h::__bsan_retag,
            &mut [
                p, size, flags, im, im_count, pin, pin_count, prov.alloc, prov.tag,
            ],
        );
        self.split_prov(r)
    }

    /// A range-array operand and its pair count.
    fn ranges(&mut self, v: LLVMValueRef) -> (LLVMValueRef, LLVMValueRef) {
        let none = (self.m.null_ptr(), self.m.zero);
        let base = strip_constant_offsets(v);
        unsafe {
            if LLVMIsAGlobalVariable(base).is_null() {
                return none; // null, or not a constant array we can measure
            }
            let bytes = LLVMABISizeOfType(self.m.td, LLVMGlobalGetValueType(base));
            let pair = 2 * LLVMPointerSize(self.m.td) as u64;
            let count = bytes / pair;
            if count == 0 {
                return none;
            }
            (v, self.m.const_i64(count))
        }
    }
}
