//! Which tags die with their function: the retags whose new tag no pointer can hold once
//! the function returned (`NO_ESCAPE`, so the runtime removes the tag when its protector
//! ends, or, unprotected, when the innermost frame does, instead of leaving it to the
//! GC), and, to find them across calls, which pointer parameters a function may *capture*
//! (keep a pointer carrying the argument's tag beyond the call) and which may *leak their
//! pointee* (capture a pointer loaded through them, or copy it elsewhere).
//!
//! A pointer carries its tag through GEPs, casts, phis, selects and spill slots; a retag
//! that is lowered makes a pointer with a *new* tag, so a parameter that a function only
//! retags (every instrumented reference parameter: its entry retag) is not captured, and
//! neither is a tag that is only accessed through, compared, or passed to parameters that
//! are not captured. An elided retag (`leaf_retags.rs`, `forwarded_retags.rs`) keeps its
//! parent's tag, so its result is followed like the pointer itself. Anything else that could
//! hand the pointer on is a capture: a return, a store of it to memory other than a
//! debug spill or a *lent slot*, an integer cast, a call of anything but an instrumented
//! function of the module (indirect, declared, ignored, interposable), a parameter of it
//! that is captured. A lent slot is a local whose address only goes to parameters that
//! neither capture nor leak their pointee (`a < b` on two `&T` passes `&a` and `&b` to
//! `<&T as PartialOrd>::lt`): what is stored in it is followed through this function's
//! loads from it. Parameters start uncaptured and non-leaking and become captured or
//! leaking until nothing changes, so recursion needs no special case.
//!
//! The runtime can hand back the parent's tag from a retag that makes nothing (a
//! zero-sized or out-of-bounds range): such a pointer accesses no byte, so removing its tag
//! loses no check. Removing a tag that a pointer still held would only make that pointer's
//! accesses unchecked (`unknown_tags`), never a report: the GC's invariant.
//!
//! Owns: the capture fixpoint and the `NO_ESCAPE` retags of each function. Does not emit
//! code.

use std::collections::{HashMap, HashSet};

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::{LLVMOpcode, LLVMTypeKind};

use bsan_ir::iter;

use crate::classify::{retag_kind, shape_error, strip_constant_offsets, RetagKind};
use crate::leaf_retags::{
    intrinsic_name, is_definitive, slot_loads, stored_pointer_reloads, LeafRetags,
};

/// The parameters of the module's instrumented functions that may be captured.
pub(crate) struct Captures<'a> {
    instrumented: HashSet<LLVMValueRef>,
    elided: &'a HashMap<LLVMValueRef, LeafRetags>,
    captured: HashSet<(LLVMValueRef, u32)>,
    /// Parameters through which a pointer *stored in the memory they point to* may be
    /// captured (see [`Captures::may_leak_pointee`]).
    leaks_pointee: HashSet<(LLVMValueRef, u32)>,
}

impl<'a> Captures<'a> {
    /// The fixpoint over `funcs` (the functions to be instrumented, retag `invoke`s already
    /// calls), with `elided` the module's plan of elided retags.
    pub(crate) fn find(
        funcs: &[LLVMValueRef],
        elided: &'a HashMap<LLVMValueRef, LeafRetags>,
    ) -> Captures<'a> {
        let mut c = Captures {
            instrumented: funcs
                .iter()
                .copied()
                .filter(|&f| is_definitive(f))
                .collect(),
            elided,
            captured: HashSet::new(),
            leaks_pointee: HashSet::new(),
        };
        loop {
            let mut changed = false;
            for &f in funcs {
                if !c.instrumented.contains(&f) {
                    continue;
                }
                for (k, p) in iter::params(f).enumerate() {
                    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
                    if !crate::classify::is_ptr(unsafe { LLVMTypeOf(p) }) {
                        continue;
                    }
                    let key = (f, k as u32);
                    if !c.captured.contains(&key) && c.may_escape(p) {
                        c.captured.insert(key);
                        changed = true;
                    }
                    if !c.leaks_pointee.contains(&key) && c.may_leak_pointee(p) {
                        c.leaks_pointee.insert(key);
                        changed = true;
                    }
                }
            }
            if !changed {
                return c;
            }
        }
    }

    /// The register retags of `func` (not elided, with constant flags, returning a pointer)
    /// whose tags die with it, protected or not.
    pub(crate) fn no_escape_retags(&self, func: LLVMValueRef) -> HashSet<LLVMValueRef> {
        let elided = self.elided.get(&func);
        iter::all_instructions(func)
            .filter(|&i| {
                retag_kind(i) == Some(RetagKind::Reg)
                    && shape_error(i, RetagKind::Reg).is_none()
                    && elided.is_none_or(|l| !l.is_elided(i))
                    // SAFETY: a well-shaped retag call has 5 operands.
                    && unsafe {
                        !LLVMIsAConstantInt(LLVMGetOperand(i, 2)).is_null()
                            && crate::classify::is_ptr(LLVMTypeOf(i))
                    }
                    && !self.may_escape(i)
            })
            .collect()
    }

    /// Whether a pointer with `v`'s tag may outlive the function `v` is in (module docs).
    fn may_escape(&self, v: LLVMValueRef) -> bool {
        let mut work = vec![v];
        let mut seen: HashSet<LLVMValueRef> = HashSet::from([v]);
        while let Some(v) = work.pop() {
            for user in iter::users(v) {
                // SAFETY: live LLVM handles of this module (the bsan-ir contract).
                if unsafe { LLVMIsAInstruction(user) }.is_null() {
                    return true;
                }
                let Some(derived) = self.carried(user, v) else {
                    return true;
                };
                for d in derived {
                    if seen.insert(d) {
                        work.push(d);
                    }
                }
            }
        }
        false
    }

    /// What `user` does with `v`: `None` if it may capture it, else the values that carry
    /// `v`'s tag on.
    fn carried(&self, user: LLVMValueRef, v: LLVMValueRef) -> Option<Vec<LLVMValueRef>> {
        use LLVMOpcode::*;
        // SAFETY: live LLVM handles of this module; the operand indices are those of each
        // opcode.
        unsafe {
            let is_ptr = |x: LLVMValueRef| crate::classify::is_ptr(LLVMTypeOf(x));
            Some(match LLVMGetInstructionOpcode(user) {
                LLVMLoad | LLVMICmp => vec![],
                LLVMStore => match stored_pointer_reloads(user, v) {
                    Some(reloads) => reloads,
                    None => {
                        let addr = LLVMGetOperand(user, 1);
                        if addr == v || !self.is_lent_slot(addr) {
                            return None;
                        }
                        slot_loads(addr)
                    }
                },
                LLVMAtomicRMW | LLVMAtomicCmpXchg => {
                    if (1..LLVMGetNumOperands(user) as u32).any(|i| LLVMGetOperand(user, i) == v) {
                        return None;
                    }
                    vec![]
                }
                LLVMGetElementPtr => {
                    if (1..LLVMGetNumOperands(user) as u32).any(|i| LLVMGetOperand(user, i) == v)
                        || !is_ptr(user)
                    {
                        return None;
                    }
                    vec![user]
                }
                LLVMBitCast | LLVMAddrSpaceCast | LLVMFreeze | LLVMPHI => {
                    if !is_ptr(user) {
                        return None;
                    }
                    vec![user]
                }
                LLVMSelect => {
                    if LLVMGetOperand(user, 0) == v || !is_ptr(user) {
                        return None;
                    }
                    vec![user]
                }
                LLVMCall | LLVMInvoke => return self.passed(user, v),
                _ => return None,
            })
        }
    }

    /// An alloca that holds pointers for this function and lends its address only to
    /// callees that neither capture that address nor a pointer they load through it
    /// (`&x` passed to `<&T as PartialOrd>::lt`, to a closure's `&&T`): besides stores
    /// into it, loads from it and debug/lifetime markers, its only uses are such
    /// arguments. A pointer stored in it is then carried only by what this function loads
    /// from it (the slot dies with the function).
    fn is_lent_slot(&self, slot: LLVMValueRef) -> bool {
        crate::leaf_retags::is_slot_lending_to(slot, |u| {
            // SAFETY: live LLVM handles of this module; a call's arguments are its first
            // operands, its callee the last.
            unsafe {
                if retag_kind(u).is_some() || LLVMGetCalledValue(u) == slot {
                    return false;
                }
                let callee = strip_constant_offsets(LLVMGetCalledValue(u));
                if !self.instrumented.contains(&callee) {
                    return false;
                }
                let params = LLVMCountParams(callee);
                (0..LLVMGetNumArgOperands(u)).all(|i| {
                    LLVMGetOperand(u, i) != slot
                        || (i < params
                            && !self.captured.contains(&(callee, i))
                            && !self.leaks_pointee.contains(&(callee, i)))
                })
            }
        })
    }

    /// Whether a pointer that the memory `p` points to holds when the function is
    /// called may be captured through `p` (module docs' capture, of the pointers loaded
    /// through `p` or through anything addressing the same memory: its GEPs, casts,
    /// retags, spill slots), or copied elsewhere (`p`'s address stored, a memcpy from it,
    /// a callee that may leak it in turn). Integer and floating-point loads carry no tag
    /// (a pointer's bits read as an integer are not exposed); aggregates and vectors may.
    fn may_leak_pointee(&self, p: LLVMValueRef) -> bool {
        use LLVMOpcode::*;
        let mut work = vec![p];
        let mut seen: HashSet<LLVMValueRef> = HashSet::from([p]);
        while let Some(a) = work.pop() {
            for u in iter::users(a) {
                // SAFETY: live LLVM handles of this module; the operand indices are those
                // of each opcode, a call's arguments its first operands.
                let addresses: Vec<LLVMValueRef> = unsafe {
                    if LLVMIsAInstruction(u).is_null() {
                        return true;
                    }
                    match LLVMGetInstructionOpcode(u) {
                        LLVMLoad => {
                            let ty = LLVMTypeOf(u);
                            if crate::classify::is_ptr(ty) {
                                if self.may_escape(u) {
                                    return true;
                                }
                            } else if !matches!(
                                LLVMGetTypeKind(ty),
                                LLVMTypeKind::LLVMIntegerTypeKind
                                    | LLVMTypeKind::LLVMHalfTypeKind
                                    | LLVMTypeKind::LLVMFloatTypeKind
                                    | LLVMTypeKind::LLVMDoubleTypeKind
                            ) {
                                // An aggregate or vector may hold the pointer.
                                return true;
                            }
                            vec![]
                        }
                        LLVMICmp => vec![],
                        // The address spilled comes back through the slot's loads.
                        LLVMStore => match stored_pointer_reloads(u, a) {
                            Some(reloads) => reloads,
                            None => return true,
                        },
                        LLVMGetElementPtr => {
                            if (1..LLVMGetNumOperands(u) as u32).any(|i| LLVMGetOperand(u, i) == a)
                            {
                                return true;
                            }
                            vec![u]
                        }
                        LLVMBitCast | LLVMAddrSpaceCast | LLVMFreeze | LLVMPHI => vec![u],
                        LLVMSelect if LLVMGetOperand(u, 0) != a => vec![u],
                        LLVMCall | LLVMInvoke => {
                            if let Some(kind) = retag_kind(u) {
                                // A register retag addresses the same memory; one in place
                                // rewrites the pointer stored there.
                                if kind != RetagKind::Reg
                                    || (1..LLVMGetNumArgOperands(u))
                                        .any(|i| LLVMGetOperand(u, i) == a)
                                {
                                    return true;
                                }
                                vec![u]
                            } else if let Some(name) = intrinsic_name(u) {
                                if crate::classify::is_annotation_intrinsic(&name) {
                                    vec![]
                                } else if crate::classify::is_mem_intrinsic(&name) {
                                    // Only as a destination (operand 0): a source is
                                    // copied elsewhere.
                                    let n = LLVMGetNumArgOperands(u);
                                    if (1..n).any(|i| LLVMGetOperand(u, i) == a) {
                                        return true;
                                    }
                                    vec![]
                                } else {
                                    return true;
                                }
                            } else {
                                let callee = strip_constant_offsets(LLVMGetCalledValue(u));
                                if LLVMGetCalledValue(u) == a
                                    || !self.instrumented.contains(&callee)
                                {
                                    return true;
                                }
                                let params = LLVMCountParams(callee);
                                for i in 0..LLVMGetNumArgOperands(u) {
                                    if LLVMGetOperand(u, i) == a
                                        && (i >= params
                                            || self.captured.contains(&(callee, i))
                                            || self.leaks_pointee.contains(&(callee, i)))
                                    {
                                        return true;
                                    }
                                }
                                vec![]
                            }
                        }
                        _ => return true,
                    }
                };
                for d in addresses {
                    if seen.insert(d) {
                        work.push(d);
                    }
                }
            }
        }
        false
    }

    /// `v` as an operand of the call or invoke `call`.
    fn passed(&self, call: LLVMValueRef, v: LLVMValueRef) -> Option<Vec<LLVMValueRef>> {
        // SAFETY: live LLVM handles of this module; a call's arguments are its first
        // operands, its callee the last.
        unsafe {
            if let Some(kind) = retag_kind(call) {
                if LLVMGetOperand(call, 0) != v
                    || (1..LLVMGetNumArgOperands(call)).any(|i| LLVMGetOperand(call, i) == v)
                {
                    return None;
                }
                let func = LLVMGetBasicBlockParent(LLVMGetInstructionParent(call));
                let elided = self.elided.get(&func).is_some_and(|l| l.is_elided(call));
                // A lowered register retag makes a new tag; an elided one keeps `v`'s, and
                // a retag in place (`Mem`) reads the pointer from memory.
                return match kind {
                    RetagKind::Reg if elided => Some(vec![call]),
                    RetagKind::Reg => Some(vec![]),
                    RetagKind::Mem => None,
                };
            }
            if let Some(name) = intrinsic_name(call) {
                if crate::classify::is_annotation_intrinsic(&name) {
                    return Some(vec![]);
                }
                if crate::classify::is_mem_intrinsic(&name) {
                    let n = LLVMGetNumArgOperands(call);
                    return (!(2..n).any(|i| LLVMGetOperand(call, i) == v)).then(Vec::new);
                }
                return None;
            }
            let callee = strip_constant_offsets(LLVMGetCalledValue(call));
            if LLVMGetCalledValue(call) == v || !self.instrumented.contains(&callee) {
                return None;
            }
            let n = LLVMGetNumArgOperands(call);
            let params = LLVMCountParams(callee);
            for i in 0..n {
                if LLVMGetOperand(call, i) == v
                    && (i >= params || self.captured.contains(&(callee, i)))
                {
                    return None;
                }
            }
            Some(vec![])
        }
    }
}
