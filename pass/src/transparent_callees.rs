//! *Transparent* functions: callees a leaf may call as if their body were inlined into it.
//! `-O0` keeps std's small helpers as calls (`copy_nonoverlapping`, `ptr::read`,
//! `ptr::write`, SipHash's `c_rounds` on a copy of the state): a function that called one
//! was no leaf (`leaf_retags.rs`), so `Hasher::finish` made a tag, a protector and a frame
//! for a reference it only reads.
//!
//! # What is transparent
//!
//! A function `g` of the module with a body the linker keeps is transparent if every retag
//! in it is elided (as a leaf's, a forwarder's, a pass-through's or a transient one), and
//!
//! * it has no atomics, fences, `invoke`s or `resume`s, and no call that never returns
//!   except ones that abort (a failed precondition check: the loss described in
//!   `leaf_retags.rs`); it calls only intrinsics, memory-free functions and transparent
//!   functions (found in an earlier round: recursion never makes a function transparent);
//! * it returns no pointer, and its pointer parameters do not escape it
//!   ([`crate::leaf_retags::escapes`]: they reach only accesses, comparisons, spill slots,
//!   elided retags, and arguments of memory-free and transparent callees that return no
//!   pointer);
//! * every address it accesses (loads, stores, memory intrinsics, the implicit reads of its
//!   elided retags, its transparent callees' accesses) is derived from its own allocas and
//!   its pointer parameters only.
//!
//! Its [`Summary`] says through which parameters it reads and writes. A leaf's analysis
//! counts a call of `g` as those accesses, made through the call's arguments.
//!
//! # Why nothing is missed
//!
//! With its retags elided, `g` creates no tag and accesses memory only through the
//! provenance its arguments carry (its elided retags keep their parent's) or its own
//! allocas, which no caller's pointer reaches; it synchronizes with nothing and returns
//! only by returning (it cannot unwind; an abort ends the program). So a call of `g` has
//! exactly the effect on every tree of the accesses in its summary, in some order, made
//! through the arguments: the effect `g`'s body would have inlined into the caller, where
//! the leaf argument is made about every access of the function. (A summary merges the
//! order and the number of `g`'s accesses; the leaf argument only asks which pointers
//! accessed memory and whether any wrote, before or after which calls that never return.)
//!
//! Owns: the transparency classification ([`find`]). Does not emit code.

use std::collections::{HashMap, HashSet};

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::LLVMOpcode;

use bsan_ir::iter;

use crate::classify::{retag_kind, strip_constant_offsets, RetagKind};
use crate::leaf_retags::{
    aborts, escapes, holds_pointer, intrinsic_name, is_definitive, is_memory_free_intrinsic,
    mem_intrinsic_accesses, memory_effect, never_returns, BaseFinder, LeafRetags, MemoryEffect,
    MemoryFreeFunctions, Summary, Transparent,
};

/// The functions among `funcs` that are transparent given the retags `planned` elides and
/// the transparent functions `known` (of an earlier round), with their summaries.
pub(crate) fn find(
    funcs: &[LLVMValueRef],
    planned: &HashMap<LLVMValueRef, LeafRetags>,
    memory_free: &MemoryFreeFunctions,
    known: &Transparent,
) -> Transparent {
    let empty = LeafRetags::default();
    funcs
        .iter()
        .filter_map(|&g| {
            let plan = planned.get(&g).unwrap_or(&empty);
            summarize(g, plan, memory_free, known).map(|s| (g, s))
        })
        .collect()
}

fn summarize(
    g: LLVMValueRef,
    plan: &LeafRetags,
    memory_free: &MemoryFreeFunctions,
    known: &Transparent,
) -> Option<Summary> {
    if !is_definitive(g) {
        return None;
    }
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    if holds_pointer(unsafe { LLVMGetReturnType(LLVMGlobalGetValueType(g)) }) {
        return None;
    }
    let params: Vec<LLVMValueRef> = iter::params(g).collect();
    if params.len() > 64 {
        return None;
    }
    let mut elided: HashSet<LLVMValueRef> = HashSet::new();
    let mut accesses: Vec<(LLVMValueRef, bool)> = Vec::new();
    for i in iter::all_instructions(g) {
        match memory_effect(i) {
            MemoryEffect::Opaque => return None,
            MemoryEffect::Access(a, write) => {
                accesses.push((a, write));
                continue;
            }
            MemoryEffect::Other => {}
        }
        use LLVMOpcode::*;
        // SAFETY: live LLVM handles of this module; the operand indices are those of each
        // opcode.
        unsafe {
            match LLVMGetInstructionOpcode(i) {
                LLVMInvoke | LLVMResume => return None,
                LLVMCall => {
                    let callee = strip_constant_offsets(LLVMGetCalledValue(i));
                    if LLVMIsAFunction(callee).is_null() {
                        return None;
                    }
                    if let Some(kind) = retag_kind(i) {
                        if kind != RetagKind::Reg || !plan.is_elided(i) {
                            return None;
                        }
                        elided.insert(i);
                        // Its implicit read, through its parent.
                        accesses.push((LLVMGetOperand(i, 0), false));
                    } else if let Some(name) = intrinsic_name(i) {
                        if let Some(op) = crate::classify::mem_intrinsic(&name) {
                            accesses.extend(mem_intrinsic_accesses(i, op));
                        } else if !is_memory_free_intrinsic(&name) {
                            return None;
                        }
                    } else if never_returns(i) {
                        if !aborts(i) {
                            return None;
                        }
                    } else if callee == g {
                        return None;
                    } else if let Some(s) = known.get(&callee) {
                        accesses.extend(s.accesses(i));
                    } else if !memory_free.contains(callee) {
                        return None;
                    }
                }
                _ => {}
            }
        }
    }
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    let is_ptr = |v: LLVMValueRef| crate::classify::is_ptr(unsafe { LLVMTypeOf(v) });
    if params
        .iter()
        .any(|&p| is_ptr(p) && escapes(p, &elided, memory_free, known))
    {
        return None;
    }
    let mut bases = BaseFinder::through(&params, &elided);
    let mut summary = Summary::default();
    for (addr, write) in accesses {
        let b = bases.of(addr);
        if b.only_local() {
            continue;
        }
        let bits = b.only_candidates()?;
        if bits == 0 {
            return None; // derived from nothing known
        }
        if write {
            summary.writes |= bits;
        } else {
            summary.reads |= bits;
        }
    }
    Some(summary)
}
