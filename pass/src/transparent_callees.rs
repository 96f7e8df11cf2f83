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
//!   elided retags, its transparent callees' accesses) is derived from its own allocas, its
//!   pointer parameters, and pointers it loads from the very start of a parameter's pointee
//!   (*indirect* accesses: `<&T as PartialOrd>::lt(self: &&T, other: &&T)` reads `**self`),
//!   and it never writes through a parameter it accesses indirectly.
//!
//! Its [`Summary`] says through which parameters it reads and writes, directly and
//! indirectly, and which parameters' pointees it *leaks*: a pointer loaded from one that
//! escapes `g` (`escapes`), any other load of a pointer from one, a copy from one, or an
//! argument derived from one that a callee leaks. A leaf's analysis counts a call of `g` as
//! those accesses, made through the call's arguments, and an indirect one as made through
//! what the argument points to: if the argument is a slot of the caller *lent* to such
//! callees ([`crate::leaf_retags::is_slot_lent_to_transparent`]: an alloca only loaded
//! from, stored to, and passed to parameters that are neither written through nor leaked),
//! through the pointers the caller stored in it; through anything otherwise.
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
//! Indirect accesses. What `g` loads from the start of a lent slot is what its caller
//! stored there: nothing else writes the slot (its address reaches only loads, stores of
//! the caller's and parameters that are not written through, and `g` writes through no
//! parameter it reads indirectly). The pointer loaded carries the provenance stored with
//! it, so `g`'s accesses through it are the caller's accesses through a pointer it stored
//! there, which its analysis counts as such. A pointer loaded from a lent slot does not
//! outlive the call and reaches no other memory (it is not leaked), so a candidate stored
//! in a lent slot does not escape its function by that.
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
    mem_intrinsic_accesses, never_returns, split_body, BaseFinder, Bases, LeafRetags,
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
    let (mut accesses, others) = split_body(g)?;
    // Callees' accesses through the pointer at the start of an argument's pointee.
    let mut indirect: Vec<(LLVMValueRef, bool)> = Vec::new();
    for i in others {
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
                        for a in s.accesses(i) {
                            if a.indirect {
                                indirect.push((a.arg, a.write));
                            } else {
                                accesses.push((a.arg, a.write));
                            }
                        }
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
    let mut bases = BaseFinder::parameters(&params, &elided, known);
    let mut summary = Summary::default();
    let mut record = |b: Bases, write: bool| -> Option<()> {
        if b.only_local() {
            return Some(());
        }
        let (direct, ind) = b.direct_and_indirect()?;
        if direct == 0 && ind == 0 {
            return None; // derived from nothing known
        }
        if write {
            summary.writes |= direct;
            summary.indirect_writes |= ind;
        } else {
            summary.reads |= direct;
            summary.indirect_reads |= ind;
        }
        Some(())
    };
    for (addr, write) in accesses {
        record(bases.of(addr), write)?;
    }
    for (arg, write) in indirect {
        // A callee's access through what `arg` points to: through what a slot of `g` holds,
        // or through what a parameter's pointee starts with.
        let b = match params.iter().position(|&p| p == strip_elided(arg, &elided)) {
            Some(k) => Bases::indirect_of(k),
            None => bases.in_slot(arg),
        };
        record(b, write)?;
    }
    // What `g` loads from a parameter's pointee must be what its caller stored there.
    if summary.writes & (summary.indirect_reads | summary.indirect_writes) != 0 {
        return None;
    }
    summary.leaks = leaked_pointees(g, &mut bases, &elided, memory_free, known);
    Some(summary)
}

/// The parameters (as bits) whose pointee `g` may leak (see [`Summary`]): a pointer
/// loaded from it that escapes `g` (`escapes`), a load of anything else holding a pointer
/// from it, a copy from it, or an argument derived from it that a callee leaks.
fn leaked_pointees(
    g: LLVMValueRef,
    bases: &mut BaseFinder,
    elided: &HashSet<LLVMValueRef>,
    memory_free: &MemoryFreeFunctions,
    known: &Transparent,
) -> u64 {
    let mut leaks = 0;
    // Parameters an address may be derived from; all of them if it may be anything.
    let from = |bases: &mut BaseFinder, v: LLVMValueRef| {
        bases
            .of(v)
            .direct_and_indirect()
            .map_or(u64::MAX, |(direct, _)| direct)
    };
    for i in iter::all_instructions(g) {
        use LLVMOpcode::*;
        // SAFETY: live LLVM handles of this module; the operand indices are those of each
        // opcode (a memory intrinsic's source is operand 1, a call's arguments come first).
        unsafe {
            match LLVMGetInstructionOpcode(i) {
                LLVMLoad if holds_pointer(LLVMTypeOf(i)) => {
                    let whole = bases.of(i).indirect() != 0;
                    if !whole || escapes(i, elided, memory_free, known) {
                        leaks |= from(bases, LLVMGetOperand(i, 0));
                    }
                }
                LLVMCall => {
                    if let Some(name) = intrinsic_name(i) {
                        if crate::classify::mem_intrinsic(&name)
                            == Some(crate::classify::MemOp::Copy)
                        {
                            leaks |= from(bases, LLVMGetOperand(i, 1));
                        }
                    } else if let Some(s) =
                        known.get(&strip_constant_offsets(LLVMGetCalledValue(i)))
                    {
                        for k in 0..LLVMGetNumArgOperands(i).min(64) {
                            if s.leaks >> k & 1 != 0 {
                                leaks |= from(bases, LLVMGetOperand(i, k));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    leaks
}

/// `v` seen through the elided retags in `elided` (whose result is their operand) and
/// bitcasts.
fn strip_elided(mut v: LLVMValueRef, elided: &HashSet<LLVMValueRef>) -> LLVMValueRef {
    // SAFETY: live LLVM handles of this module; both have the pointer as operand 0.
    unsafe {
        while elided.contains(&v) || !LLVMIsABitCastInst(v).is_null() {
            v = LLVMGetOperand(v, 0);
        }
    }
    v
}
