//! Protectors and stack slots on unwind: a function with a protector frame (`stack.rs`) must
//! call `__bsan_func_exit` also when a panic or C++ exception leaves it, or a caught panic
//! (`catch_unwind`, `#[should_panic]` tests) leaves its protectors alive and later legal
//! accesses get false reports; a function with registered stack slots must deregister them,
//! or each caught panic leaks their allocation records and trees.
//!
//! Before the CFG is snapshotted, in such a function every `call` that may unwind becomes
//! an `invoke` whose normal destination is the rest of its block and whose unwind
//! destination is one new block per function:
//!
//! ```llvm
//! bsan.unwind:
//!   %bsan.lp = landingpad { ptr, i32 } cleanup
//!   resume { ptr, i32 } %bsan.lp       ; gets __bsan_func_exit + stack deregistration
//! ```
//!
//! Existing landing pads need nothing new: every `resume` already gets the exit code
//! (`stack.rs`), and a pad that catches continues to a `ret`.
//!
//! * A call *may unwind* unless it, or its callee, is `nounwind`, it is an intrinsic,
//!   inline asm, a runtime hook, a retag intrinsic (erased by the lowering) or `musttail`.
//! * A `nounwind` function is left as is (nothing can unwind out of it).
//! * The personality is the function's own; without one, the module's Rust personality
//!   (`rust_eh_personality`, present in every Rust module that can unwind), else the C++
//!   one (`__gxx_personality_v0`) if the module uses it. A cleanup-only pad runs for any
//!   exception whatever the personality's language.
//! * Functions using funclet-based EH (`cleanuppad`/`catchswitch`, Windows) and functions
//!   without an available personality are left as they are and counted
//!   (`unwind_unhandled`): unwinding out of them keeps the old behaviour (the runtime
//!   releases stale frames at the next `__bsan_func_entry`).

use std::collections::HashSet;

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::{LLVMOpcode, LLVMTailCallKind};

use bsan_ir::attrs;
use bsan_ir::value::value_name;

use crate::classify::strip_constant_offsets;
use crate::cx::FnCx;

/// Personalities tried, in order, for a function that has none.
const FALLBACK_PERSONALITIES: &[&str] = &["rust_eh_personality", "__gxx_personality_v0"];

/// Whether the call instruction `call` may unwind into its function.
fn may_unwind(call: LLVMValueRef) -> bool {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe {
        if LLVMIsACallInst(call).is_null() {
            return false;
        }
        if attrs::call_site_has_enum(call, attrs::FUNCTION, "nounwind") {
            return false;
        }
        if LLVMGetTailCallKind(call) == LLVMTailCallKind::LLVMTailCallKindMustTail {
            return false;
        }
        let called = LLVMGetCalledValue(call);
        if !LLVMIsAInlineAsm(called).is_null() {
            return false;
        }
        let f = LLVMIsAFunction(strip_constant_offsets(called));
        if f.is_null() {
            return true; // indirect call
        }
        let name = value_name(f);
        !(LLVMGetIntrinsicID(f) != 0
            || attrs::has_fn_enum(f, "nounwind")
            || name.starts_with("__bsan_")
            || crate::classify::retag_kind(call).is_some())
    }
}

/// What a function's instructions say about its exception handling.
struct EhShape {
    may_unwind_calls: Vec<LLVMValueRef>,
    /// The type of its existing landing pads, if any.
    landingpad_ty: Option<LLVMTypeRef>,
    funclets: bool,
}

fn eh_shape(func: LLVMValueRef) -> EhShape {
    let mut shape = EhShape {
        may_unwind_calls: Vec::new(),
        landingpad_ty: None,
        funclets: false,
    };
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe {
        for i in bsan_ir::iter::all_instructions(func) {
            use LLVMOpcode::*;
            match LLVMGetInstructionOpcode(i) {
                LLVMCall if may_unwind(i) => shape.may_unwind_calls.push(i),
                LLVMLandingPad => shape.landingpad_ty = Some(LLVMTypeOf(i)),
                LLVMCleanupPad | LLVMCatchPad | LLVMCatchSwitch => shape.funclets = true,
                _ => {}
            }
        }
    }
    shape
}

impl FnCx<'_> {
    /// In a function with a protector frame: route every call that may unwind through a
    /// cleanup landing pad whose `resume` gets the frame's exit code.
    pub(crate) fn cleanup_on_unwind(&mut self) {
        if attrs::has_fn_enum(self.func, "nounwind") {
            return;
        }
        let shape = eh_shape(self.func);
        if shape.may_unwind_calls.is_empty() {
            return;
        }
        let Some(personality) = self.personality() else {
            self.m.stats.unwind_unhandled += 1;
            return;
        };
        if shape.funclets {
            self.m.stats.unwind_unhandled += 1;
            return;
        }
        self.hoist_entry_allocas(&shape.may_unwind_calls);
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            if LLVMHasPersonalityFn(self.func) == 0 {
                LLVMSetPersonalityFn(self.func, personality);
            }
            let ty = shape.landingpad_ty.unwrap_or_else(|| {
                let mut fields = [self.m.rt.ty.ptr, LLVMInt32TypeInContext(self.m.ctx)];
                LLVMStructTypeInContext(self.m.ctx, fields.as_mut_ptr(), 2, 0)
            });
            let pad = LLVMAppendBasicBlockInContext(self.m.ctx, self.func, c"bsan.unwind".as_ptr());
            let b = LLVMCreateBuilderInContext(self.m.ctx);
            LLVMPositionBuilderAtEnd(b, pad);
            LLVMSetCurrentDebugLocation2(b, self.fallback_loc);
            let lp = LLVMBuildLandingPad(b, ty, personality, 0, c"bsan.lp".as_ptr());
            LLVMSetCleanup(lp, 1);
            LLVMBuildResume(b, lp);
            LLVMDisposeBuilder(b);
            for call in shape.may_unwind_calls {
                bsan_ir::glue::call_to_invoke(call, pad);
                self.m.stats.unwind_invokes += 1;
            }
        }
    }

    /// Splitting the entry block at a call would move the static allocas after it out of
    /// the entry block (where `stack.rs` tracks them and LLVM sizes the frame statically):
    /// move them up to the leading allocas first.
    fn hoist_entry_allocas(&mut self, calls: &[LLVMValueRef]) {
        let calls: HashSet<LLVMValueRef> = calls.iter().copied().collect();
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            let mut first_call = None;
            let mut late = Vec::new();
            let mut leading_end: LLVMValueRef = std::ptr::null_mut();
            for i in bsan_ir::iter::instructions(self.entry) {
                let is_alloca = !LLVMIsAAllocaInst(i).is_null();
                if !is_alloca && leading_end.is_null() {
                    leading_end = i;
                }
                if first_call.is_none() && calls.contains(&i) {
                    first_call = Some(i);
                }
                if is_alloca
                    && first_call.is_some()
                    && !LLVMIsAConstantInt(LLVMGetOperand(i, 0)).is_null()
                {
                    late.push(i);
                }
            }
            if late.is_empty() {
                return;
            }
            let b = LLVMCreateBuilderInContext(self.m.ctx);
            LLVMPositionBuilderBefore(b, leading_end);
            for a in late {
                // Inserting through a builder renames: keep the name.
                let name = std::ffi::CString::new(value_name(a)).unwrap_or_default();
                LLVMInstructionRemoveFromParent(a);
                LLVMInsertIntoBuilderWithName(b, a, name.as_ptr());
            }
            LLVMDisposeBuilder(b);
        }
    }

    /// The function's personality, or a fallback the module has.
    fn personality(&self) -> Option<LLVMValueRef> {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            if LLVMHasPersonalityFn(self.func) != 0 {
                return Some(LLVMGetPersonalityFn(self.func));
            }
            FALLBACK_PERSONALITIES.iter().find_map(|name| {
                let cname = std::ffi::CString::new(*name).expect("no NUL");
                let f = LLVMGetNamedFunction(self.m.module, cname.as_ptr());
                (!f.is_null()).then_some(f)
            })
        }
    }
}
