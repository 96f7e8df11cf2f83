//! Protected retags a *forwarder* does not need: `-O0` code is full of functions that only
//! pass their reference arguments on to one other function (`DefaultHasher::finish` →
//! `Hasher<Sip13Rounds>::finish`, `HashMap::get_mut` → hashbrown's), and each level made a
//! tag, a protector and a frame for the same pointer.
//!
//! # What is elided
//!
//! A function `f` is a forwarder if, apart from its candidates (entry-block protected
//! retags, as in [`crate::leaf_retags`]), one direct call of a function `g` of the module
//! and unprotected retags of the reference that call returns, it only touches its own allocas and calls only memory-free intrinsics and
//! functions ([`crate::leaf_retags::MemoryFreeFunctions`]): no other call, no `invoke`, no
//! `noreturn` call, no atomics. Each candidate `c_k` of `f` must be used only to be passed
//! (itself, or reloaded from its debug spill slot) once, as argument `i_k` of that call;
//! nothing in `f` accesses memory through it. In `g`, parameter `i_k` must be used only by
//! an entry-block candidate retag `s_k` (the *stand-in*) with the same flags and the same
//! size (equal constants, or the same value passed on), which `g` keeps; `s_1..s_n` are
//! `g`'s first retags, in `f`'s order, and nothing before them in `g` touches memory but
//! its allocas. If any candidate is a `&mut`, none is a `&T` to interior-mutable memory
//! (the Cell case). Then every `c_k` is lowered like a leaf's elided retag:
//! `__bsan_retag_check`, its implicit read through the parent `p_k`, and `p_k`'s
//! provenance for the call.
//!
//! # Why nothing is missed (model §2–§4)
//!
//! With the elision, `s_k` is made from `p_k` instead of `c_k`. What is lost is `c_k`'s
//! node, protector and release; nothing else changes for any other tag (the leaf argument:
//! `c_k`'s only ancestors are `p_k`'s).
//!
//! * From `s_k`'s creation until `g` returns, `c_k` and `s_k` have the same state: both
//!   start fresh (with the same flags and range, `s_k` is created in `c_k`'s initial state
//!   except for the foreign reads `c_k` saw in between, see below); afterwards every access
//!   is local to both (through `s_k` or its descendants: `g`'s only use of its parameter is
//!   the retag, and `f` keeps no other copy) or foreign to both (through anything else,
//!   `c_k` having no other child). Equal states take equal steps, so `s_k`'s protector
//!   reports every access `c_k`'s would, at the same access.
//! * Between `c_k`'s creation and `s_k`'s, the only accesses are the implicit reads of the
//!   other retags (`f` and `g` touch nothing else before the stand-ins). Reads change only
//!   a Reserved `c_k` (to conflicted). `c_k` sees the reads of the later candidates of `f`
//!   (which `s_k` also sees: the later stand-ins, same ranges) and of the earlier stand-ins
//!   (which `s_k` does not). A Reserved `c_k` conflicted only by an earlier stand-in `s_j`
//!   would report a later write through `s_k` to the overlap; `s_j` reports that write
//!   itself (a foreign write to a protected, accessed `&mut` or Freeze `&T` disables it),
//!   unless `s_j` is a Cell, which is why a `&mut` excludes Cells.
//! * Before `s_k`'s creation and after `g` returns, `f` accesses no memory, so only
//!   another thread could make the access `c_k`'s protector would report: the same loss
//!   as a leaf's, an unsynchronized access landing within a few instructions.
//! * `c_k`'s release at `f`'s exit is a read (or write) from `c_k` over the bytes it
//!   accessed, local to its ancestors and foreign to everything outside its subtree; `s_k`'s
//!   release, which came first with the same state over the same bytes, had the same
//!   effect on all of them (descendants are untouched by a release), and nothing happened
//!   in between.
//! * A panic in `g` runs the hook while `s_k`'s protector is live; `f` has no `noreturn`
//!   call of its own.
//!
//! A stand-in `s_k` that is itself elided (a leaf's, or a forwarder's) has no tag to stand
//! in with, but `c_k` is not needed either: by the argument above, `c_k` would have taken
//! the same steps as `s_k` would have, so every check its tag could make is one `s_k`'s
//! could make, and the argument that elided `s_k` (its module docs) shows none of those
//! reports. `Range::next` forwards `&mut self` to `spec_next`, a single-writer leaf: neither
//! makes a tag. Owns: the forwarder classification, and the module-wide plan of
//! which retags each function elides ([`plan`]). Does not emit code.

use std::collections::{HashMap, HashSet};

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::LLVMOpcode;

use bsan_abi::retag_flags::{FREEZE, MUTABLE};
use bsan_ir::iter;

use crate::classify::{retag_kind, strip_constant_offsets};
use crate::leaf_retags::{
    flags, intrinsic_name, is_candidate, is_definitive, is_memory_free_intrinsic, is_slot,
    mem_intrinsic_accesses, never_returns, split_body, BaseFinder, LeafRetags, MemoryFreeFunctions,
};

/// For every function in `funcs` (all of which `instrumented` will instrument, with their
/// retag `invoke`s already turned into calls): the retags it elides, as a leaf
/// ([`crate::leaf_retags::analyze`]) or as a forwarder. Functions that elide nothing are
/// absent. The second field counts the forwarders' elided retags.
pub(crate) fn plan(
    funcs: &[LLVMValueRef],
    memory_free: &MemoryFreeFunctions,
    transparent: &crate::leaf_retags::Transparent,
) -> (HashMap<LLVMValueRef, LeafRetags>, u64) {
    let mut planned: HashMap<LLVMValueRef, LeafRetags> = HashMap::new();
    for &f in funcs {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let entry = unsafe { LLVMGetEntryBasicBlock(f) };
        // First the transient retags: the leaf analysis sees through them.
        let transient: HashSet<LLVMValueRef> = crate::transient_retags::find(f, memory_free)
            .into_iter()
            .collect();
        let mut leaf = crate::leaf_retags::analyze(f, entry, memory_free, &transient, transparent);
        leaf.transient = transient;
        if !leaf.is_empty() {
            planned.insert(f, leaf);
        }
    }
    let instrumented: std::collections::HashSet<LLVMValueRef> = funcs.iter().copied().collect();
    let mut p = Planner {
        memory_free,
        instrumented: &instrumented,
        state: HashMap::new(),
        planned: &mut planned,
    };
    let mut forwarded = 0;
    for &f in funcs {
        forwarded += p.forwarder(f) as u64;
    }
    (planned, forwarded)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    InProgress,
    Done(usize),
}

struct Planner<'a> {
    memory_free: &'a MemoryFreeFunctions,
    instrumented: &'a std::collections::HashSet<LLVMValueRef>,
    state: HashMap<LLVMValueRef, Visit>,
    planned: &'a mut HashMap<LLVMValueRef, LeafRetags>,
}

impl Planner<'_> {
    /// Classifies `f` as a forwarder (recording its elided retags in the plan); how many
    /// retags it elides as one.
    fn forwarder(&mut self, f: LLVMValueRef) -> usize {
        match self.state.get(&f) {
            Some(&Visit::Done(n)) => return n,
            // A cycle of forwarders: the callee's stand-ins are not known to be kept.
            Some(Visit::InProgress) => return 0,
            None => {}
        }
        if self.planned.get(&f).is_some_and(|l| !l.elided.is_empty()) {
            self.state.insert(f, Visit::Done(0));
            return 0;
        }
        self.state.insert(f, Visit::InProgress);
        let n = match self.classify(f) {
            Some(elided) => {
                let n = elided.len();
                let plan = self.planned.entry(f).or_default();
                plan.elided = elided;
                plan.panics = false;
                n
            }
            None => 0,
        };
        self.state.insert(f, Visit::Done(n));
        n
    }

    fn classify(&mut self, f: LLVMValueRef) -> Option<Vec<LLVMValueRef>> {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let entry = unsafe { LLVMGetEntryBasicBlock(f) };
        let body = forwarding_body(f, entry, self.memory_free)?;
        let g = body.callee;
        if !self.instrumented.contains(&g) || !is_definitive(g) {
            return None;
        }
        // Settle `g`'s own elisions first: a stand-in in a cycle of forwarders is not
        // known to be either kept or elided for a reason of its own.
        if self.forwarder(g) == 0 && self.state.get(&g) == Some(&Visit::InProgress) {
            return None;
        }
        let stand_ins = stand_ins(g, body.candidates.len())?;
        let any_mutable = body
            .candidates
            .iter()
            .any(|&(c, _)| flags(c) & MUTABLE as u64 != 0);
        for (k, &(c, arg)) in body.candidates.iter().enumerate() {
            let (s, param) = stand_ins[k];
            if param != arg || flags(s) != flags(c) {
                return None;
            }
            if any_mutable && flags(c) & (MUTABLE | FREEZE) as u64 == 0 {
                return None; // a Cell next to a `&mut` (module docs)
            }
            if !same_size(c, s, body.call) {
                return None;
            }
        }
        Some(body.candidates.iter().map(|&(c, _)| c).collect())
    }
}

/// What a forwarder's body consists of: its candidates with the argument index each is
/// passed at, and the one call.
struct ForwardingBody {
    candidates: Vec<(LLVMValueRef, u32)>,
    call: LLVMValueRef,
    callee: LLVMValueRef,
}

/// `f`'s forwarding shape (module docs), or `None`.
fn forwarding_body(
    f: LLVMValueRef,
    entry: LLVMBasicBlockRef,
    memory_free: &MemoryFreeFunctions,
) -> Option<ForwardingBody> {
    let mut candidates = Vec::new();
    let mut result_retags = Vec::new();
    let mut call = None;
    let (accesses, others) = split_body(f)?;
    let mut addrs: Vec<LLVMValueRef> = accesses.into_iter().map(|(a, _)| a).collect();
    for i in others {
        use LLVMOpcode::*;
        // SAFETY: live LLVM handles of this module; the operand indices are those of
        // each opcode.
        unsafe {
            match LLVMGetInstructionOpcode(i) {
                LLVMInvoke => return None,
                LLVMCall => {
                    let callee = strip_constant_offsets(LLVMGetCalledValue(i));
                    if LLVMIsAFunction(callee).is_null() {
                        return None;
                    }
                    if retag_kind(i).is_some() {
                        if LLVMGetInstructionParent(i) == entry && is_candidate(i) {
                            candidates.push(i);
                        } else {
                            result_retags.push(i);
                        }
                    } else if let Some(name) = intrinsic_name(i) {
                        if let Some(op) = crate::classify::mem_intrinsic(&name) {
                            addrs.extend(mem_intrinsic_accesses(i, op).map(|(a, _)| a));
                        } else if !is_memory_free_intrinsic(&name) {
                            return None;
                        }
                    } else if never_returns(i) {
                        return None;
                    } else if memory_free.contains(callee) {
                    } else if call.replace((i, callee)).is_some() {
                        return None;
                    }
                }
                _ => {}
            }
        }
    }
    let (call, callee) = call?;
    if candidates.is_empty() || candidates.len() > 64 {
        return None;
    }
    if !result_retags.iter().all(|&r| retags_result_of(r, call)) {
        return None;
    }
    // Nothing but the function's own allocas is accessed (the candidates are not either:
    // their only use is the call).
    let mut bases = BaseFinder::new(&[]);
    if !addrs.into_iter().all(|a| bases.of(a).only_local()) {
        return None;
    }
    let mut with_args = Vec::new();
    for c in candidates {
        with_args.push((c, passed_only_to(c, call)?));
    }
    Some(ForwardingBody {
        candidates: with_args,
        call,
        callee,
    })
}

/// Whether `r` is the unprotected retag of a reference `call` returned (the call-return
/// retag of a forwarder that hands back what its callee returns). Its implicit read comes
/// after the callee returned and is local to the callee's stand-ins and to the elided
/// tags alike: it descends from them.
fn retags_result_of(r: LLVMValueRef, call: LLVMValueRef) -> bool {
    // SAFETY: live LLVM handles of this module; a retag call has 5 operands.
    unsafe {
        if LLVMGetNumArgOperands(r) != 5 {
            return false;
        }
        let fl = LLVMGetOperand(r, 2);
        if LLVMIsAConstantInt(fl).is_null()
            || LLVMConstIntGetZExtValue(fl) & bsan_abi::retag_flags::PROTECTED as u64 != 0
        {
            return false;
        }
        let mut p = LLVMGetOperand(r, 0);
        if !LLVMIsAExtractValueInst(p).is_null() {
            p = LLVMGetOperand(p, 0);
        }
        p == call
    }
}

/// If the retag result `c` is used only to be passed once as an argument of `call`
/// (directly, or reloaded from a whole-pointer spill slot), that argument's index.
fn passed_only_to(c: LLVMValueRef, call: LLVMValueRef) -> Option<u32> {
    let mut work = vec![c];
    let mut at = None;
    while let Some(v) = work.pop() {
        for u in iter::users(v) {
            use LLVMOpcode::*;
            // SAFETY: live LLVM handles of this module; the operand indices are those of
            // each opcode.
            unsafe {
                if LLVMIsAInstruction(u).is_null() {
                    return None;
                }
                match LLVMGetInstructionOpcode(u) {
                    LLVMStore => {
                        let slot = LLVMGetOperand(u, 1);
                        if LLVMGetOperand(u, 0) != v || slot == v {
                            return None;
                        }
                        if is_slot(slot) {
                            work.extend(
                                iter::users(slot)
                                    .filter(|&l| LLVMGetInstructionOpcode(l) == LLVMLoad),
                            );
                        } else if !crate::leaf_retags::is_write_only_slot(slot) {
                            return None;
                        }
                    }
                    LLVMCall if u == call => {
                        let n = LLVMGetNumArgOperands(u);
                        let mut idx = (0..n).filter(|&k| LLVMGetOperand(u, k) == v);
                        let k = idx.next()?;
                        if idx.next().is_some() || at.replace(k).is_some() {
                            return None;
                        }
                    }
                    LLVMCall => {
                        let dbg = intrinsic_name(u)
                            .as_deref()
                            .is_some_and(crate::classify::is_annotation_intrinsic);
                        if !dbg {
                            return None;
                        }
                    }
                    _ => return None,
                }
            }
        }
    }
    at
}

/// `g`'s first `n` retags with the parameter each retags, if they are entry-block
/// candidates of parameters used by nothing else, preceded only by allocas and accesses
/// to them.
fn stand_ins(g: LLVMValueRef, n: usize) -> Option<Vec<(LLVMValueRef, u32)>> {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    let entry = unsafe { LLVMGetEntryBasicBlock(g) };
    let params: Vec<LLVMValueRef> = iter::params(g).collect();
    let mut out = Vec::new();
    for i in iter::instructions(entry) {
        if out.len() == n {
            break;
        }
        use LLVMOpcode::*;
        // SAFETY: live LLVM handles of this module; the operand indices are those of
        // each opcode.
        unsafe {
            match LLVMGetInstructionOpcode(i) {
                LLVMAlloca => {}
                LLVMStore if LLVMIsAAllocaInst(LLVMGetOperand(i, 1)).is_null() => return None,
                LLVMStore => {}
                LLVMCall if retag_kind(i).is_some() => {
                    if !is_candidate(i) {
                        return None;
                    }
                    let p = LLVMGetOperand(i, 0);
                    let k = params.iter().position(|&q| q == p)?;
                    // The retag is the parameter's only use.
                    if iter::users(p).any(|u| u != i) {
                        return None;
                    }
                    out.push((i, k as u32));
                }
                LLVMCall => {
                    let dbg = intrinsic_name(i)
                        .as_deref()
                        .is_some_and(crate::classify::is_annotation_intrinsic);
                    if !dbg {
                        return None;
                    }
                }
                _ => return None,
            }
        }
    }
    (out.len() == n).then_some(out)
}

/// Whether the candidate `c` (of the forwarder, whose `call` passes it on) and its stand-in
/// `s` retag the same number of bytes: equal constants, or `s`'s size is a parameter of
/// the callee to which `call` passes `c`'s size.
fn same_size(c: LLVMValueRef, s: LLVMValueRef, call: LLVMValueRef) -> bool {
    // SAFETY: well-shaped retag calls (`is_candidate`) have the size as operand 1; `call`
    // is a call instruction.
    unsafe {
        let (cs, ss) = (LLVMGetOperand(c, 1), LLVMGetOperand(s, 1));
        if !LLVMIsAConstantInt(cs).is_null() && !LLVMIsAConstantInt(ss).is_null() {
            return LLVMConstIntGetZExtValue(cs) == LLVMConstIntGetZExtValue(ss);
        }
        let g = LLVMGetInstructionParent(s);
        let g = LLVMGetBasicBlockParent(g);
        let Some(k) = iter::params(g).position(|q| q == ss) else {
            return false;
        };
        (k as u32) < LLVMGetNumArgOperands(call) && LLVMGetOperand(call, k as u32) == cs
    }
}
