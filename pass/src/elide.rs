//! Escape analysis of allocas: the static elision that makes `-O0` code affordable.
//!
//! An alloca *escapes* if its address, followed through GEPs, casts, freeze, phis and
//! selects, reaches anything other than: the address operand of a load or store, a
//! comparison, a lifetime/debug intrinsic, or the destination/source of a
//! memcpy/memmove/memset intrinsic, or the place of a `__rust_retag_mem` (which retags the
//! pointer *stored in* the slot). Passing it to any other call (including
//! `__rust_retag_reg`, which derives a new tag from it), storing it as a value, returning
//! it, `ptrtoint`, atomics, `insertvalue` — all escape.
//!
//! Why skipping the checks of a non-escaping alloca is sound: every pointer into it is an
//! SSA value of this function derived from the alloca itself, with the root tag; no retag
//! ever made a child tag for it (a retag is a call, hence an escape), so every access is a
//! root access of a never-reborrowed allocation, which Tree Borrows always allows. The same
//! holds for memcpy/memset on it: the *bytes* move, but no pointer to the slot does.
//! Pointer *values* stored in such a slot still keep their provenance: either through
//! shadow memory (`__bsan_store_prov`/`__bsan_load_prov` are not elided) or, for
//! *promotable* slots (only whole-`ptr` loads/stores straight off the alloca, the typical
//! `-O0` spill), through two companion `i64` allocas that never touch shadow memory.
//!
//! Owns: the classification ([`LocalSlots`]). Does not emit code.

use std::collections::HashSet;

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::{LLVMOpcode, LLVMTypeKind};

use bsan_ir::iter;
use bsan_ir::value::value_name;

#[derive(Default)]
pub(crate) struct LocalSlots {
    /// Allocas whose address escapes.
    pub escaping: HashSet<LLVMValueRef>,
    /// Every SSA value derived from a non-escaping alloca (classifies elided accesses).
    pub local_derived: HashSet<LLVMValueRef>,
    /// Non-escaping entry-block allocas used only as whole `ptr` slots.
    pub promotable: Vec<LLVMValueRef>,
}

pub(crate) fn analyze(func: LLVMValueRef, entry: LLVMBasicBlockRef) -> LocalSlots {
    let mut out = LocalSlots::default();
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe {
        for bb in iter::blocks(func) {
            for i in iter::instructions(bb) {
                if !LLVMIsAAllocaInst(i).is_null() {
                    let mut derived = HashSet::new();
                    if escapes(i, &mut derived) {
                        out.escaping.insert(i);
                    } else {
                        if bb == entry && promotable(i) {
                            out.promotable.push(i);
                        }
                        out.local_derived.extend(derived);
                    }
                }
            }
        }
    }
    out
}

/// Whether some alloca of the entry block escapes, i.e. will be registered as a stack
/// allocation (`stack.rs`) and needs its deregistration on every exit, unwinding included.
/// Turning calls into invokes (`unwind.rs`) does not change the answer: an alloca passed to
/// a call that may unwind escapes either way.
pub(crate) fn has_escaping_entry_alloca(entry: LLVMBasicBlockRef) -> bool {
    iter::instructions(entry)
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        .any(|i| unsafe { !LLVMIsAAllocaInst(i).is_null() } && escapes(i, &mut HashSet::new()))
}

/// Whether `alloca`'s address escapes (module docs): false for a *private* alloca, which
/// only this function's own instructions ever access.
pub(crate) fn alloca_escapes(alloca: LLVMValueRef) -> bool {
    escapes(alloca, &mut HashSet::new())
}

/// Follows the address of `alloca` through its derived values; `derived` collects them.
fn escapes(alloca: LLVMValueRef, derived: &mut HashSet<LLVMValueRef>) -> bool {
    let mut work = vec![alloca];
    derived.insert(alloca);
    while let Some(v) = work.pop() {
        for user in bsan_ir::iter::users(v) {
            // SAFETY: live LLVM handles of this module (the bsan-ir contract).
            if unsafe { LLVMIsAInstruction(user) }.is_null() {
                return true; // used by a constant (blockaddress, metadata-as-value...)
            }
            use LLVMOpcode::*;
            // SAFETY: live LLVM handles of this module (the bsan-ir contract).
            match unsafe { LLVMGetInstructionOpcode(user) } {
                LLVMLoad => {}
                LLVMStore => {
                    // Storing the address itself (operand 0) publishes it.
                    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
                    if unsafe { LLVMGetOperand(user, 0) } == v {
                        return true;
                    }
                }
                LLVMICmp => {}
                LLVMGetElementPtr | LLVMBitCast | LLVMAddrSpaceCast | LLVMFreeze | LLVMPHI
                | LLVMSelect => {
                    // A GEP's index can never be a pointer, so `v` is the base.
                    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
                    if unsafe { LLVMGetTypeKind(LLVMTypeOf(user)) }
                        != LLVMTypeKind::LLVMPointerTypeKind
                    {
                        return true; // vector GEPs etc.
                    }
                    if derived.insert(user) {
                        work.push(user);
                    }
                }
                LLVMCall => {
                    if !harmless_call_use(user, v) {
                        return true;
                    }
                }
                _ => return true,
            }
        }
    }
    false
}

/// `call @__rust_retag_mem(v, ...)` with `v` only as the place: it retags the pointer
/// stored in the slot, not the slot's address, so the slot does not escape.
fn is_retag_mem_place(call: LLVMValueRef, v: LLVMValueRef) -> bool {
    if crate::classify::retag_kind(call) != Some(crate::classify::RetagKind::Mem) {
        return false;
    }
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    let n = unsafe { LLVMGetNumArgOperands(call) };
    n >= 1
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        && unsafe { LLVMGetOperand(call, 0) } == v
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        && (1..n).all(|i| unsafe { LLVMGetOperand(call, i) } != v)
}

/// Calls that may take a local's address without it escaping.
fn harmless_call_use(call: LLVMValueRef, v: LLVMValueRef) -> bool {
    if is_retag_mem_place(call, v) {
        return true;
    }
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    let callee = unsafe { LLVMGetCalledValue(call) };
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    if unsafe { LLVMIsAFunction(callee) }.is_null() || unsafe { LLVMGetIntrinsicID(callee) } == 0 {
        return false;
    }
    let name = value_name(callee);
    let name = name.as_str();
    if crate::classify::is_annotation_intrinsic(name) {
        return true;
    }
    if crate::classify::is_mem_intrinsic(name) {
        // Only as the destination or source, never as the length or fill value.
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let n = unsafe { LLVMGetNumArgOperands(call) };
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        return (2..n).all(|i| unsafe { LLVMGetOperand(call, i) } != v);
    }
    false
}

/// Whole-pointer slots: every direct use is a `ptr` load, a `ptr` store *to* it, a
/// lifetime/debug intrinsic, or the place of a `__rust_retag_mem` (lowered on the
/// companions).
fn promotable(alloca: LLVMValueRef) -> bool {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    let is_ptr = |t: LLVMTypeRef| unsafe {
        LLVMGetTypeKind(t) == LLVMTypeKind::LLVMPointerTypeKind
            && LLVMGetPointerAddressSpace(t) == 0
    };
    let mut any_access = false;
    for user in bsan_ir::iter::users(alloca) {
        use LLVMOpcode::*;
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let ok = unsafe {
            match LLVMGetInstructionOpcode(user) {
                LLVMLoad => is_ptr(LLVMTypeOf(user)) && LLVMIsAtomic(user) == 0,
                LLVMStore => {
                    LLVMGetOperand(user, 1) == alloca
                        && is_ptr(LLVMTypeOf(LLVMGetOperand(user, 0)))
                        && LLVMIsAtomic(user) == 0
                }
                LLVMCall => {
                    let callee = LLVMGetCalledValue(user);
                    let name = value_name(callee);
                    is_retag_mem_place(user, alloca)
                        || (!LLVMIsAFunction(callee).is_null()
                            && crate::classify::is_annotation_intrinsic(&name))
                }
                _ => false,
            }
        };
        if !ok {
            return false;
        }
        any_access = true;
    }
    any_access
}
