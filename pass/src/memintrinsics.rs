//! memcpy / memmove / memset, as LLVM intrinsics and as calls to the libc functions.
//!
//! Copies check a read of the source and a write of the destination (each side skipped if
//! statically untracked, e.g. a non-escaping alloca), then `__bsan_copy_prov(dst, src, n)`
//! moves the shadow of any pointers inside the bytes — always, even between local slots,
//! because pointers spilled there keep their provenance in shadow memory. memset checks a
//! write and forgets the shadow with `__bsan_clear_prov`.

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;

use crate::classify::{AccessKind, MemOp};
use crate::cx::FnCx;
use bsan_abi::hook_names as h;

impl FnCx<'_> {
    /// Instrument a mem operation `call(dst, src_or_byte, len, ...)`. For the libc
    /// functions, the result (the destination) gets the destination's shadow.
    pub(crate) fn visit_mem_op(&mut self, call: LLVMValueRef, op: MemOp) {
        self.m.stats.memintrinsics += 1;
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let (dst, src, len) = unsafe {
            (
                LLVMGetOperand(call, 0),
                LLVMGetOperand(call, 1),
                LLVMGetOperand(call, 2),
            )
        };
        match op {
            MemOp::Copy => {
                self.check_access(AccessKind::Read, src, len, call, call);
                self.check_access(AccessKind::Write, dst, len, call, call);
                self.at(call);
                let len = self.cast_i64(len);
                self.call_hook(h::__bsan_copy_prov, &mut [dst, src, len]);
            }
            MemOp::Set => {
                self.check_access(AccessKind::Write, dst, len, call, call);
                self.at(call);
                let len = self.cast_i64(len);
                self.call_hook(h::__bsan_clear_prov, &mut [dst, len]);
            }
        }
        if !self.leaves_of_value(call).is_empty() {
            let s = self.shadow_of(dst);
            self.shadow.insert(call, s);
        }
    }
}
