//! Calls and returns: provenance across function boundaries, and allocator calls.
//!
//! * Before every call/invoke of a non-intrinsic callee (direct or indirect): the shadows
//!   of the pointer leaves of all arguments go to `__bsan_arg_prov[2i], [2i+1]` (the first
//!   `MAX_ARG_PROVS` leaves) and the called operand to `__bsan_arg_callee`. The callee
//!   stored is always written, even for calls without pointer arguments, so a stale
//!   `__bsan_arg_callee == F` can never survive until an uninstrumented caller calls `F`.
//! * After it (for invokes: at the start of the normal destination, whose edge is split if
//!   it has other predecessors): a returned pointer leaf's shadow is
//!   `select (__bsan_ret_callee == called operand), __bsan_ret_prov[..], 0`.
//! * Before a `ret` with pointer leaves: `__bsan_ret_prov` and `__bsan_ret_callee = @F`.
//!   With `musttail`, that code goes before the tail call instead (nothing may sit between
//!   a musttail call and its `ret`), and the call gets no post-call code.
//! * Inline asm: untracked results, no slots. Intrinsics: see [`FnCx::visit_intrinsic`].
//! * Allocators, by callee name: `malloc`, `calloc`, `aligned_alloc`, `memalign`,
//!   `valloc` register the result (`__bsan_alloc`, HEAP); `free` deregisters
//!   (`__bsan_dealloc`); `realloc` does both around the call (`__bsan_realloc_pre`,
//!   `__bsan_realloc_post`);
//!   `posix_memalign` registers `*out` on success (through a generated helper, since that
//!   needs a branch). These are how Rust's heap becomes visible: in the fat-LTO module the
//!   global allocator (`__rdl_alloc` & co.) calls them.

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::{LLVMIntPredicate, LLVMLinkage, LLVMOpcode, LLVMTailCallKind};

use crate::hooks::TlsSlot;
use bsan_ir::call::build_call;
use bsan_ir::value::value_name;

use crate::classify::{allocator, Allocator};
use crate::cx::FnCx;
use crate::shadow::Shadow;
use bsan_abi::alloc_kind::HEAP;
use bsan_abi::hook_names as h;

/// Name of the generated `posix_memalign` post-call helper.
const POSIX_MEMALIGN_POST: &str = "__bsan_pass.posix_memalign_post";

impl FnCx<'_> {
    pub(crate) fn visit_call(&mut self, call: LLVMValueRef) {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let called = unsafe { LLVMGetCalledValue(call) };
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        if !unsafe { LLVMIsAInlineAsm(called) }.is_null() {
            return;
        }
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let func = unsafe { LLVMIsAFunction(crate::classify::strip_constant_offsets(called)) };
        let name = if func.is_null() {
            String::new()
        } else {
            value_name(func)
        };
        let name = name.as_str();
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        if !func.is_null() && unsafe { LLVMGetIntrinsicID(func) } != 0 {
            self.visit_intrinsic(call, name);
            return;
        }
        if name.starts_with("__bsan_") {
            return;
        }
        if let Some(kind) = crate::classify::retag_kind(call) {
            return self.lower_retag(call, kind);
        }
        if self.late_retags_at.contains(&call) {
            self.make_late_retags(call);
        }
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let is_decl = !func.is_null() && unsafe { LLVMIsDeclaration(func) } != 0;
        if is_decl {
            if let Some(kind) = allocator(name) {
                return self.visit_allocator(call, kind, name);
            }
            if let Some(op) = crate::classify::mem_function(name) {
                return self.visit_mem_op(call, op);
            }
        }
        self.store_arg_shadows(call, called);
        self.load_ret_shadows(call, called);
    }

    fn visit_intrinsic(&mut self, call: LLVMValueRef, name: &str) {
        if let Some(op) = crate::classify::mem_intrinsic(name) {
            self.visit_mem_op(call, op);
        } else if name.starts_with("llvm.ptrmask.")
            || name.starts_with("llvm.launder.invariant.group.")
            || name.starts_with("llvm.strip.invariant.group.")
        {
            self.forward_operand(call, 0);
        }
        // Everything else returning a pointer (stacksave, threadlocal.address of a TLS
        // global, ...) is untracked.
    }

    fn store_arg_shadows(&mut self, call: LLVMValueRef, called: LLVMValueRef) {
        self.m.stats.calls += 1;
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let n = unsafe { LLVMGetNumArgOperands(call) };
        let mut provs: Shadow = Vec::new();
        for i in 0..n {
            // SAFETY: live LLVM handles of this module (the bsan-ir contract).
            let arg = unsafe { LLVMGetOperand(call, i) };
            provs.extend(self.shadow_of(arg));
        }
        provs.truncate(bsan_abi::tls::MAX_ARG_PROVS);
        let callee_slot = self.tls(TlsSlot::ArgCallee);
        self.at(call);
        for (i, p) in provs.into_iter().enumerate() {
            let a = self.tls_word(TlsSlot::ArgProv, 2 * i);
            let t = self.tls_word(TlsSlot::ArgProv, 2 * i + 1);
            // SAFETY: live LLVM handles of this module (the bsan-ir contract).
            unsafe {
                LLVMBuildStore(self.b, p.alloc, a);
                LLVMBuildStore(self.b, p.tag, t);
            }
        }
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe { LLVMBuildStore(self.b, called, callee_slot) };
    }

    /// Where code that runs after `call` returns normally goes, or `None` (musttail).
    pub(crate) fn post_call_point(&self, call: LLVMValueRef) -> Option<LLVMValueRef> {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            if LLVMGetInstructionOpcode(call) == LLVMOpcode::LLVMInvoke {
                let dest = LLVMGetNormalDest(call);
                // A block ends with its terminator, which is no phi.
                bsan_ir::iter::instructions(dest).find(|&i| LLVMIsAPHINode(i).is_null())
            } else if LLVMGetTailCallKind(call) == LLVMTailCallKind::LLVMTailCallKindMustTail {
                None
            } else {
                Some(LLVMGetNextInstruction(call))
            }
        }
    }

    fn load_ret_shadows(&mut self, call: LLVMValueRef, called: LLVMValueRef) {
        let n = self.leaves_of_value(call).len();
        if n == 0 {
            return;
        }
        let Some(at) = self.post_call_point(call) else {
            return;
        };
        let ty = self.m.rt.ty;
        let callee_slot = self.tls(TlsSlot::RetCallee);
        self.at_for(at, call);
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let ok = unsafe {
            let callee = LLVMBuildLoad2(self.b, ty.ptr, callee_slot, c"".as_ptr());
            LLVMBuildICmp(
                self.b,
                LLVMIntPredicate::LLVMIntEQ,
                callee,
                called,
                c"bsan.ret.ok".as_ptr(),
            )
        };
        let mut s = Shadow::with_capacity(n);
        for i in 0..n {
            if i >= bsan_abi::tls::MAX_RET_PROVS {
                s.push(self.m.untracked());
                continue;
            }
            let prov = self.load_guarded_prov(self.b, TlsSlot::RetProv, i, ok);
            s.push(prov);
        }
        self.shadow.insert(call, s);
    }

    pub(crate) fn visit_ret(&mut self, ret: LLVMValueRef) {
        // Code that must precede the return: before a musttail call, if there is one.
        let mut before = ret;
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            let prev = LLVMGetPreviousInstruction(ret);
            if !prev.is_null()
                && !LLVMIsACallInst(prev).is_null()
                && LLVMGetTailCallKind(prev) == LLVMTailCallKind::LLVMTailCallKindMustTail
            {
                before = prev;
            }
        }
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        if unsafe { LLVMGetNumOperands(ret) } == 1 && before == ret {
            // SAFETY: live LLVM handles of this module (the bsan-ir contract).
            let val = unsafe { LLVMGetOperand(ret, 0) };
            let s = self.shadow_of(val);
            if !s.is_empty() {
                let callee_slot = self.tls(TlsSlot::RetCallee);
                self.at(ret);
                for (i, p) in s.into_iter().take(bsan_abi::tls::MAX_RET_PROVS).enumerate() {
                    let a = self.tls_word(TlsSlot::RetProv, 2 * i);
                    let t = self.tls_word(TlsSlot::RetProv, 2 * i + 1);
                    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
                    unsafe {
                        LLVMBuildStore(self.b, p.alloc, a);
                        LLVMBuildStore(self.b, p.tag, t);
                    }
                }
                // SAFETY: live LLVM handles of this module (the bsan-ir contract).
                unsafe { LLVMBuildStore(self.b, self.func, callee_slot) };
            }
        }
        self.exit_code(before, ret);
    }

    pub(crate) fn visit_exit(&mut self, inst: LLVMValueRef) {
        self.exit_code(inst, inst);
    }

    /// Before the CFG is snapshotted: give every value-returning invoke whose normal
    /// destination has other predecessors a block of its own for post-call code.
    pub(crate) fn split_invoke_edges(&mut self) {
        let mut invokes = Vec::new();
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            for bb in bsan_ir::iter::blocks(self.func) {
                let term = LLVMGetBasicBlockTerminator(bb);
                if !term.is_null()
                    && LLVMGetInstructionOpcode(term) == LLVMOpcode::LLVMInvoke
                    && LLVMGetTypeKind(LLVMTypeOf(term))
                        != inkwell::llvm_sys::LLVMTypeKind::LLVMVoidTypeKind
                {
                    invokes.push((bb, term));
                }
            }
            for (bb, invoke) in invokes {
                let dest = LLVMGetNormalDest(invoke);
                if use_count(LLVMBasicBlockAsValue(dest)) <= 1 {
                    continue;
                }
                let split = LLVMAppendBasicBlockInContext(
                    self.m.ctx,
                    self.func,
                    c"bsan.invoke.cont".as_ptr(),
                );
                LLVMMoveBasicBlockAfter(split, bb);
                LLVMPositionBuilderAtEnd(self.b, split);
                LLVMSetCurrentDebugLocation2(self.b, std::ptr::null_mut());
                LLVMBuildBr(self.b, dest);
                LLVMSetNormalDest(invoke, split);
                bsan_ir::glue::replace_phi_incoming_block(dest, bb, split);
            }
        }
    }

    fn visit_allocator(&mut self, call: LLVMValueRef, kind: Allocator, name: &str) {
        self.m.stats.allocator_calls += 1;
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let arg = |i| unsafe { LLVMGetOperand(call, i) };
        let heap = self.m.const_i8(HEAP);
        match kind {
            Allocator::Alloc => {
                let Some(at) = self.post_call_point(call) else {
                    return;
                };
                self.at_for(at, call);
                let size = match name {
                    "calloc" => {
                        let (n, s) = (self.cast_i64(arg(0)), self.cast_i64(arg(1)));
                        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
                        unsafe { LLVMBuildMul(self.b, n, s, c"".as_ptr()) }
                    }
                    "aligned_alloc" | "memalign" => self.cast_i64(arg(1)),
                    _ => self.cast_i64(arg(0)),
                };
                let r = self.call_hook(h::__bsan_alloc, &mut [call, size, heap]);
                let p = self.split_prov(r);
                self.shadow.insert(call, vec![p]);
            }
            Allocator::Free => {
                let p = self.prov_of(arg(0));
                self.at(call);
                self.call_hook(h::__bsan_dealloc, &mut [arg(0), p.alloc, p.tag, heap]);
            }
            Allocator::Realloc => {
                let old = arg(0);
                let p = self.prov_of(old);
                self.at(call);
                let old_size = self.call_hook(h::__bsan_realloc_pre, &mut [old, p.alloc, p.tag]);
                let Some(at) = self.post_call_point(call) else {
                    return;
                };
                self.at_for(at, call);
                let new_size = self.cast_i64(arg(1));
                let r =
                    self.call_hook(h::__bsan_realloc_post, &mut [call, old, old_size, new_size]);
                let p = self.split_prov(r);
                self.shadow.insert(call, vec![p]);
            }
            Allocator::PosixMemalign => {
                let Some(at) = self.post_call_point(call) else {
                    return;
                };
                let helper = self.posix_memalign_helper();
                self.at_for(at, call);
                let status =
                    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
                    unsafe { LLVMBuildIntCast2(self.b, call, self.m.rt.ty.i64, 1, c"".as_ptr()) };
                let size = self.cast_i64(arg(2));
                // SAFETY: live LLVM handles of this module (the bsan-ir contract).
                let ty = unsafe { LLVMGlobalGetValueType(helper) };
                build_call(self.b, ty, helper, &mut [status, arg(0), size]);
            }
        }
    }

    /// `internal void @__bsan_pass.posix_memalign_post(i64 status, ptr out, i64 size)`:
    /// if status is 0, registers `*out` and records its shadow at `out`.
    fn posix_memalign_helper(&mut self) -> LLVMValueRef {
        if let Some(&f) = self.m.helpers.get(POSIX_MEMALIGN_POST) {
            return f;
        }
        let ty = self.m.rt.ty;
        let alloc = self.m.rt.hook(h::__bsan_alloc);
        let store_prov = self.m.rt.hook(h::__bsan_store_prov);
        let heap = self.m.const_i8(HEAP);
        let zero = self.m.zero;
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            let mut params = [ty.i64, ty.ptr, ty.i64];
            let fty = LLVMFunctionType(ty.void, params.as_mut_ptr(), 3, 0);
            let f = LLVMAddFunction(
                self.m.module,
                c"__bsan_pass.posix_memalign_post".as_ptr(),
                fty,
            );
            LLVMSetLinkage(f, LLVMLinkage::LLVMInternalLinkage);
            let b = LLVMCreateBuilderInContext(self.m.ctx);
            let entry = LLVMAppendBasicBlockInContext(self.m.ctx, f, c"entry".as_ptr());
            let ok = LLVMAppendBasicBlockInContext(self.m.ctx, f, c"ok".as_ptr());
            let done = LLVMAppendBasicBlockInContext(self.m.ctx, f, c"done".as_ptr());
            LLVMPositionBuilderAtEnd(b, entry);
            let is_ok = LLVMBuildICmp(
                b,
                LLVMIntPredicate::LLVMIntEQ,
                LLVMGetParam(f, 0),
                zero,
                c"".as_ptr(),
            );
            LLVMBuildCondBr(b, is_ok, ok, done);
            LLVMPositionBuilderAtEnd(b, ok);
            let out = LLVMGetParam(f, 1);
            let p = LLVMBuildLoad2(b, ty.ptr, out, c"".as_ptr());
            let r = build_call(b, alloc.ty, alloc.func, &mut [p, LLVMGetParam(f, 2), heap]);
            let a = LLVMBuildExtractValue(b, r, 0, c"".as_ptr());
            let t = LLVMBuildExtractValue(b, r, 1, c"".as_ptr());
            build_call(b, store_prov.ty, store_prov.func, &mut [out, p, a, t]);
            LLVMBuildBr(b, done);
            LLVMPositionBuilderAtEnd(b, done);
            LLVMBuildRetVoid(b);
            LLVMDisposeBuilder(b);
            self.m.helpers.insert(POSIX_MEMALIGN_POST, f);
            f
        }
    }
}

fn use_count(v: LLVMValueRef) -> usize {
    bsan_ir::iter::uses(v).count()
}
