//! Call-return retags (`Stage::RustCrate`).
//!
//! After a direct call of a function whose `DISubprogram` says it returns `&T`, `&mut T`,
//! `Box<T>` or a slice/`str` reference, the result is retagged without a protector (Miri
//! retags the typed copy of every call result) and the call's other uses take the new
//! pointer:
//!
//! ```llvm
//! %r = call ptr @f(...)
//! %r.new = call ptr @__rust_retag_reg(ptr %r, i64 4, i8 10, ptr null, ptr null)
//!
//! %s = call { ptr, i64 } @g(...)
//! %0 = extractvalue { ptr, i64 } %s, 0
//! %1 = extractvalue { ptr, i64 } %s, 1
//! %s.new = call ptr @__rust_retag_reg(ptr %0, i64 %1, ...)
//! %2 = insertvalue { ptr, i64 } %s, ptr %s.new, 0     ; replaces the uses of %s
//! ```
//!
//! Only callees *defined or declared with a subprogram in this module* are visible: at
//! `PipelineStartEP` that covers the crate's own functions and every generic or `#[inline]`
//! std function instantiated in it (`as_mut_ptr`, `index_mut`, `Vec::as_slice`, ...),
//! before the AlwaysInliner dissolves the `#[inline(always)]` ones. Calls of precompiled
//! std functions (declarations without DI), indirect calls and `Option<&T>` results are
//! not retagged. For an `invoke`, the retag goes to the start of the normal destination,
//! only if that block has the invoke as its single predecessor (otherwise counted in
//! `skipped_call_returns`).

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::debuginfo::LLVMGetSubprogram;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::{LLVMOpcode, LLVMTypeKind};

use bsan_ir::{call, iter};

use crate::attributes::retag_name;
use crate::debuginfo::{
    fn_entry_location, replace_uses_except, subprogram_return_type, Classifier, Size, Skip,
};
use crate::emit::{first_insertion_point, location_of, Emitter};
use crate::SynthesisStats;

/// Call-return retags in `f`.
///
/// # Safety
/// `f` must be a live function with a body.
pub unsafe fn synthesize(
    em: &mut Emitter,
    cls: &mut Classifier,
    f: LLVMValueRef,
    stats: &mut SynthesisStats,
) {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe {
        let calls: Vec<_> = iter::all_instructions(f)
            .filter(|&i| call::is_call_or_invoke(i))
            .collect();
        let has_sp = !LLVMGetSubprogram(f).is_null();
        for call in calls {
            retag_call(em, cls, f, has_sp, call, stats);
        }
    }
}

unsafe fn retag_call(
    em: &mut Emitter,
    cls: &mut Classifier,
    f: LLVMValueRef,
    has_sp: bool,
    call: LLVMValueRef,
    stats: &mut SynthesisStats,
) {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe {
        let Some(callee) = call::called_function(call) else {
            return;
        };
        if LLVMGetIntrinsicID(callee) != 0 {
            return;
        }
        let sp = LLVMGetSubprogram(callee);
        if sp.is_null() {
            return;
        }
        let Some(ret) = subprogram_return_type(sp) else {
            return;
        };
        let shape = match cls.classify(ret, false) {
            Ok(s) => s,
            Err(Skip::NotAReference) => return,
            Err(_) => {
                stats.skipped_call_returns += 1;
                return;
            }
        };
        // The IR shape must match the DI shape: a thin pointer, or `{ ptr, iN }`.
        let ty = LLVMTypeOf(call);
        let fat = match (shape.size, LLVMGetTypeKind(ty)) {
            (Size::Const(_), LLVMTypeKind::LLVMPointerTypeKind) => false,
            (Size::FromLen { .. }, LLVMTypeKind::LLVMStructTypeKind)
                if LLVMCountStructElementTypes(ty) == 2 =>
            {
                true
            }
            // Slices with cell elements were turned into a size-0 retag (`Const(0)`), but
            // the call still returns the pair.
            (Size::Const(_), LLVMTypeKind::LLVMStructTypeKind)
                if LLVMCountStructElementTypes(ty) == 2 =>
            {
                true
            }
            _ => {
                stats.skipped_call_returns += 1;
                return;
            }
        };

        // Where: right after a call; at the start of an invoke's normal destination.
        let mut skip_phis_in: LLVMBasicBlockRef = std::ptr::null_mut();
        let at = if LLVMGetInstructionOpcode(call) == LLVMOpcode::LLVMInvoke {
            let dest = LLVMGetNormalDest(call);
            if !single_predecessor_is(dest, call) {
                stats.skipped_call_returns += 1;
                return;
            }
            skip_phis_in = dest;
            first_insertion_point(dest, false)
        } else {
            LLVMGetNextInstruction(call)
        };
        if at.is_null() {
            return;
        }
        em.position_before(at);
        let loc = location_of(call);
        em.set_location(if !loc.is_null() {
            loc
        } else if has_sp {
            fn_entry_location(f)
        } else {
            std::ptr::null_mut()
        });

        let name = retag_name(call);
        if fat {
            let data = em.extract(call, 0);
            let len = em.extract(call, 1);
            let Some(size) = em.size_value(shape.size, Some(len)) else {
                return;
            };
            let new = em.retag(
                data,
                size,
                shape.flags,
                &shape.im_ranges,
                &shape.pin_ranges,
                &name,
            );
            let agg = em.insert(call, new, 0);
            replace_uses_except(call, agg, &[data, len, agg], skip_phis_in);
        } else {
            let size = em.size_value(shape.size, None).expect("constant size");
            let new = em.retag(
                call,
                size,
                shape.flags,
                &shape.im_ranges,
                &shape.pin_ranges,
                &name,
            );
            replace_uses_except(call, new, &[new], skip_phis_in);
        }
        stats.call_return_retags += 1;
    }
}

/// Whether `bb`'s only predecessor edge comes from `term` (uses of a block are the
/// terminators branching to it; one terminator may branch twice).
unsafe fn single_predecessor_is(bb: LLVMBasicBlockRef, term: LLVMValueRef) -> bool {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    let mut users = iter::users(unsafe { LLVMBasicBlockAsValue(bb) });
    // An invoke whose normal and unwind destinations coincide is invalid IR anyway.
    users.next() == Some(term) && users.next().is_none()
}
