//! Protected retags a *pass-through* function does not need: `-O0` code calls functions
//! that only hand back the reference they were given, or a field of it (`Borrow::borrow`,
//! `AsRef::as_ref`, `Deref::deref` of a wrapper, `&self.field` getters), and each call made
//! a tag, a protector and a frame for a pointer its caller retags again at once. hashbrown
//! calls `borrow()` for every key it compares.
//!
//! # What is elided
//!
//! A function `f` of the module with internal linkage (every caller is in the module) is a
//! pass-through if it has exactly one candidate `c` (an entry-block protected retag,
//! [`crate::leaf_retags`]), not a `Box`, and
//!
//! * it returns `c` or a pointer `c` plus an offset, constant or not (a field; an element:
//!   `<usize as SliceIndex<[T]>>::index`), directly or through its debug spill slot, and
//!   uses `c` for nothing else (debug spills and comparisons aside). An offset may also
//!   be taken by a call of an *offset function* ([`OffsetFunctions`]: a memory-free
//!   function that returns one pointer argument plus an offset, `<[T]>::get_unchecked_mut`
//!   calling `<usize as SliceIndex<[T]>>::get_unchecked_mut`), and `c` may be passed to
//!   memory-free functions that return nothing or a scalar (a precondition check);
//! * it touches no memory but its own allocas, calls only intrinsics that touch no memory,
//!   memory-free functions ([`crate::leaf_retags::MemoryFreeFunctions`]) and functions that
//!   never return (a bounds check's panic), has no atomics, no `invoke`;
//! * every use of `f` is a direct call whose result is used only by unprotected register
//!   retags (the callers' call-return retags, `bsan-synthesize`'s `call_return.rs`) that
//!   are no more permissive than `c`: if `c` is a `&T`, each is a `&T` too, with `T:
//!   Freeze` and no `UnsafeCell` ranges if `c` has them none.
//!
//! `c` is lowered like a leaf's elided retag: `__bsan_retag_check`, its implicit read through
//! the parent `p`, and `p`'s provenance for the returned pointer; before each call that
//! never returns, `c` is made after all, with its protector (a leaf's *late* retag).
//!
//! # Why nothing is missed (model §2–§4)
//!
//! As for a leaf, only `c`'s own node, protector and release are lost; every other tag sees
//! the same accesses with the same relatedness (`c`'s ancestors are `p`'s).
//!
//! * The protector. While `f` runs, nothing accesses memory but `f`'s own allocas: only
//!   another thread could make the access `c`'s protector would report, unsynchronized,
//!   within a few instructions: the same loss as a leaf's.
//! * The release at `f`'s exit: a read from `c` over the bytes it accessed, which are its
//!   retag range. It repeats `c`'s implicit read at entry (kept) with nothing in between:
//!   a no-op.
//! * The state, after `f` returns. `c`'s pointer reaches nothing but the callers'
//!   call-return retags, so each later access that concerns `c` is through one of them
//!   (`r`, a child of `c`) or their descendants, local to both `r` and `c`, or through
//!   anything else, foreign to both. `c` is no more restrictive than `r`: a `&T` `c` gives
//!   a Frozen (or, for interior mutability, Cell) `c`, and `r` is then a `&T` of the same
//!   kind; a `&mut` `c` is Reserved, which allows what any `r` allows as long as no foreign
//!   write disabled it, and that write disabled `r` as well. `r` was created after
//!   everything `c` saw but its own creation read and `f`'s nothing. So every access `c`
//!   would refuse, `r` (or a descendant of it, made from `r`) refuses too. This holds byte
//!   by byte, also where `r`'s range is smaller than `c`'s (one element of `c`'s slice) or
//!   where an access through `r` leaves `r`'s range: there `r`'s state is lazy, its
//!   creation permission, and no more permissive than `c`'s state there (accessed or lazy,
//!   from the same permission); every foreign access since `r`'s creation reached both,
//!   and none came between the two creations.
//! * Panic paths. The late `c` made before a call that never returns is in the state `c`
//!   would have had: `f` accessed nothing but its own allocas before it (as for a
//!   read-only leaf, `leaf_retags.rs`).
//! * Calls on the way. An offset function or a precondition check that `c` is passed to
//!   accesses no memory but its own allocas either, so the bullets above hold with the
//!   call's body in `f`'s place; what an offset function returns is its argument's
//!   pointer with its argument's provenance (the callee is instrumented and hands it
//!   back), i.e. `p`'s once `c` is elided, as for a `getelementptr`. A function that
//!   returns an aggregate is not followed: it could return `c` inside it. A precondition
//!   check that fails aborts the program after the panic hook: the loss `leaf_retags.rs`
//!   accepts for memory-free callees.
//!
//! # Returned retags
//!
//! The same holds for an *unprotected* register retag `r'` that a function returns (of
//! anything: `Vec::index` returns the call-return retag of `SliceIndex::index`'s result),
//! made in the `ret`'s block with nothing after it that touches memory or calls anything,
//! used for nothing else (debug spills aside), when every caller retags the result at once
//! with retags no more permissive (and no protector, `Box` or `UnsafeCell` ranges on `r'`).
//! `r'` is then lowered like a transient retag (`transient_retags.rs`): its implicit read is
//! checked, nothing is created. The argument is the state one above with `r'` for `c`:
//! `r'` only ever gets the callers' retags as children, made before any other access, and
//! has no protector to lose. "At once" means: the callers' retag comes right after the
//! call (or first in an `invoke`'s normal destination), with nothing in between that could
//! access memory; this is checked for pass-throughs too.
//!
//! Owns: the pass-through classification. Does not emit code.

use std::collections::{HashMap, HashSet};

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::{LLVMLinkage, LLVMOpcode};

use bsan_abi::retag_flags::{BOX, FREEZE, MUTABLE, PROTECTED};
use bsan_ir::iter;

use crate::classify::{retag_kind, strip_constant_offsets, RetagKind};
use crate::leaf_retags::{
    flags, intrinsic_name, is_candidate, is_memory_free_intrinsic, is_no_ranges, is_slot,
    is_write_only_slot, memory_effect, never_returns, split_body, BaseFinder, LeafRetags,
    MemoryEffect, MemoryFreeFunctions,
};

/// Adds to `planned` the candidate of every pass-through function among `funcs` that
/// elides nothing yet, and the returned retags (module docs) as transient ones; returns
/// how many retags it added.
pub(crate) fn plan(
    funcs: &[LLVMValueRef],
    memory_free: &MemoryFreeFunctions,
    planned: &mut HashMap<LLVMValueRef, LeafRetags>,
) -> u64 {
    let instrumented: HashSet<LLVMValueRef> = funcs.iter().copied().collect();
    let mut offsets = OffsetFunctions::new(memory_free);
    let mut n = 0;
    for &f in funcs {
        if planned.get(&f).is_some_and(|l| !l.elided.is_empty()) {
            continue;
        }
        let Some((c, panics)) = pass_through(f, memory_free, &mut offsets) else {
            continue;
        };
        if !callers_retag_result(f, flags(c), &instrumented) {
            continue;
        }
        let plan = planned.entry(f).or_default();
        plan.elided = vec![c];
        plan.panics = panics;
        n += 1;
    }
    for &f in &funcs_returning_retags(funcs) {
        let Some((retags, fl)) = returned_unprotected_retags(f) else {
            continue;
        };
        if !callers_retag_result(f, fl, &instrumented) {
            continue;
        }
        let plan = planned.entry(f).or_default();
        n += retags.iter().filter(|&&r| plan.transient.insert(r)).count() as u64;
    }
    n
}

/// Whether `r` comes at or after `first`, in its block, with nothing in between that could
/// access memory: annotation intrinsics, other retags of the same call result (a retag
/// reads only through its parent) and instructions without memory effect.
fn nothing_before(first: LLVMValueRef, r: LLVMValueRef) -> bool {
    let mut n = first;
    while !n.is_null() && n != r {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let quiet = unsafe {
            match LLVMGetInstructionOpcode(n) {
                LLVMOpcode::LLVMCall => {
                    retag_kind(n) == Some(RetagKind::Reg)
                        && LLVMGetOperand(n, 0) == LLVMGetOperand(r, 0)
                        || intrinsic_name(n)
                            .as_deref()
                            .is_some_and(crate::classify::is_annotation_intrinsic)
                }
                _ => matches!(memory_effect(n), MemoryEffect::Other),
            }
        };
        if !quiet {
            return false;
        }
        // SAFETY: as above.
        n = unsafe { LLVMGetNextInstruction(n) };
    }
    n == r
}

/// The functions among `funcs` with internal linkage and a body that return a pointer.
fn funcs_returning_retags(funcs: &[LLVMValueRef]) -> Vec<LLVMValueRef> {
    funcs
        .iter()
        .copied()
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        .filter(|&f| unsafe {
            matches!(
                LLVMGetLinkage(f),
                LLVMLinkage::LLVMInternalLinkage | LLVMLinkage::LLVMPrivateLinkage
            ) && !bsan_ir::value::is_declaration(f)
                && crate::classify::is_ptr(LLVMGetReturnType(LLVMGlobalGetValueType(f)))
        })
        .collect()
}

/// The unprotected retags `f` returns, and their common flags, if every `ret` of `f`
/// returns one made in its own block with nothing after it that touches memory or calls
/// anything (module docs, *returned retags*), used for nothing else but debug spills.
fn returned_unprotected_retags(f: LLVMValueRef) -> Option<(Vec<LLVMValueRef>, u64)> {
    let mut out = Vec::new();
    let mut common = None;
    for i in iter::all_instructions(f) {
        // SAFETY: live LLVM handles of this module; a `ret`'s value is its operand 0.
        unsafe {
            if LLVMGetInstructionOpcode(i) != LLVMOpcode::LLVMRet {
                continue;
            }
            let r = LLVMGetOperand(i, 0);
            if retag_kind(r) != Some(RetagKind::Reg)
                || crate::classify::shape_error(r, RetagKind::Reg).is_some()
                || LLVMIsAConstantInt(LLVMGetOperand(r, 2)).is_null()
                || !is_no_ranges(LLVMGetOperand(r, 3))
                || !is_no_ranges(LLVMGetOperand(r, 4))
                || LLVMGetInstructionParent(r) != LLVMGetInstructionParent(i)
            {
                return None;
            }
            let fl = flags(r);
            if fl & (PROTECTED | BOX) as u64 != 0 || *common.get_or_insert(fl) != fl {
                return None;
            }
            // Nothing between the retag and the `ret` that could access memory.
            let mut n = LLVMGetNextInstruction(r);
            while n != i {
                let annotation = intrinsic_name(n)
                    .as_deref()
                    .is_some_and(crate::classify::is_annotation_intrinsic);
                let quiet = match LLVMGetInstructionOpcode(n) {
                    LLVMOpcode::LLVMCall => annotation,
                    LLVMOpcode::LLVMStore => is_write_only_slot(LLVMGetOperand(n, 1)),
                    _ => matches!(memory_effect(n), MemoryEffect::Other),
                };
                if !quiet {
                    return None;
                }
                n = LLVMGetNextInstruction(n);
            }
            // The retag's result goes nowhere else.
            let only_returned = iter::users(r).all(|u| {
                u == i
                    || intrinsic_name(u)
                        .as_deref()
                        .is_some_and(crate::classify::is_annotation_intrinsic)
                    || (LLVMGetInstructionOpcode(u) == LLVMOpcode::LLVMStore
                        && LLVMGetOperand(u, 0) == r
                        && is_write_only_slot(LLVMGetOperand(u, 1)))
            });
            if !only_returned {
                return None;
            }
            out.push(r);
        }
    }
    Some((out, common?))
}

/// `f`'s candidate if `f`'s own body is a pass-through's (module docs), and whether `f`
/// has a call that never returns (where the candidate is made late).
fn pass_through(
    f: LLVMValueRef,
    memory_free: &MemoryFreeFunctions,
    offsets: &mut OffsetFunctions<'_>,
) -> Option<(LLVMValueRef, bool)> {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe {
        if !matches!(
            LLVMGetLinkage(f),
            LLVMLinkage::LLVMInternalLinkage | LLVMLinkage::LLVMPrivateLinkage
        ) || bsan_ir::value::is_declaration(f)
            || !crate::classify::is_ptr(LLVMGetReturnType(LLVMGlobalGetValueType(f)))
        {
            return None;
        }
    }
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    let entry = unsafe { LLVMGetEntryBasicBlock(f) };
    let mut candidate = None;
    let mut rets = Vec::new();
    let mut panics = false;
    let (accesses, others) = split_body(f)?;
    let addrs: Vec<LLVMValueRef> = accesses.into_iter().map(|(a, _)| a).collect();
    for i in others {
        use LLVMOpcode::*;
        // SAFETY: live LLVM handles of this module; the operand indices are those of each
        // opcode.
        unsafe {
            match LLVMGetInstructionOpcode(i) {
                LLVMRet => rets.push(LLVMGetOperand(i, 0)),
                LLVMInvoke | LLVMResume => return None,
                LLVMCall => {
                    let callee = strip_constant_offsets(LLVMGetCalledValue(i));
                    if LLVMIsAFunction(callee).is_null() {
                        return None;
                    }
                    if retag_kind(i).is_some() {
                        if LLVMGetInstructionParent(i) != entry
                            || !is_candidate(i)
                            || flags(i) & BOX as u64 != 0
                            || candidate.replace(i).is_some()
                        {
                            return None;
                        }
                    } else if let Some(name) = intrinsic_name(i) {
                        if !crate::classify::is_annotation_intrinsic(&name)
                            && (crate::classify::mem_intrinsic(&name).is_some()
                                || !is_memory_free_intrinsic(&name))
                        {
                            return None;
                        }
                    } else if never_returns(i) {
                        // A bounds check's panic (`SliceIndex::index`): `c` is made late
                        // there. `c` itself is not passed (`returned_values`).
                        panics = true;
                    } else if !memory_free.contains(callee) {
                        return None;
                    }
                }
                _ => {}
            }
        }
    }
    let c = candidate?;
    // Only the function's own allocas are accessed: `c` is not (it is only returned).
    let mut bases = BaseFinder::new(&[]);
    if !addrs.into_iter().all(|a| bases.of(a).only_local()) {
        return None;
    }
    let returned: HashSet<LLVMValueRef> = offsets.returned_values(c)?;
    if rets.is_empty() || !rets.iter().all(|r| returned.contains(r)) {
        return None;
    }
    Some((c, panics))
}

/// Functions of the module that return one of their pointer arguments plus an offset and
/// touch no memory but their own allocas ([`MemoryFreeFunctions`]): `-O0` leaves
/// `<usize as SliceIndex<[T]>>::get_unchecked_mut`, `<*mut [T]>::as_mut_ptr` and
/// `ptr::add` as calls, so `<[T]>::get_unchecked_mut` returns its reference plus an offset
/// through two of them. For a pass-through, such a call is one more offset: what it
/// returns is its argument's pointer, with its argument's provenance (the instrumented
/// callee hands it back), and it accesses nothing on the way.
pub(crate) struct OffsetFunctions<'a> {
    memory_free: &'a MemoryFreeFunctions,
    /// The argument each function returns an offset of; `None` for the others, and for a
    /// function while it is being decided (recursion is not followed).
    known: HashMap<LLVMValueRef, Option<u32>>,
}

impl<'a> OffsetFunctions<'a> {
    pub(crate) fn new(memory_free: &'a MemoryFreeFunctions) -> Self {
        OffsetFunctions {
            memory_free,
            known: HashMap::new(),
        }
    }

    /// The index of the pointer argument `g` returns an offset of, if `g` is one.
    fn offset_arg(&mut self, g: LLVMValueRef) -> Option<u32> {
        if let Some(&k) = self.known.get(&g) {
            return k;
        }
        self.known.insert(g, None);
        let k = self.decide(g);
        self.known.insert(g, k);
        k
    }

    fn decide(&mut self, g: LLVMValueRef) -> Option<u32> {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            if !self.memory_free.contains(g)
                || bsan_ir::value::is_declaration(g)
                || !crate::classify::is_ptr(LLVMGetReturnType(LLVMGlobalGetValueType(g)))
            {
                return None;
            }
            let rets: Vec<LLVMValueRef> = iter::all_instructions(g)
                .filter(|&i| LLVMGetInstructionOpcode(i) == LLVMOpcode::LLVMRet)
                .map(|i| LLVMGetOperand(i, 0))
                .collect();
            if rets.is_empty() {
                return None;
            }
            for j in 0..LLVMCountParams(g) {
                let a = LLVMGetParam(g, j);
                if !crate::classify::is_ptr(LLVMTypeOf(a)) {
                    continue;
                }
                if let Some(derived) = self.returned_values(a) {
                    if rets.iter().all(|r| derived.contains(r)) {
                        return Some(j);
                    }
                }
            }
            None
        }
    }

    /// The values derived from `c` by offsets (GEPs on it, calls of offset functions on
    /// it), casts and reloads of its spill slots, if `c` and they are used for nothing but
    /// one another, spills, comparisons, annotation intrinsics, arguments of memory-free
    /// functions that return no pointer (which can keep nothing: they write no memory but
    /// their own allocas) and `ret`.
    fn returned_values(&mut self, c: LLVMValueRef) -> Option<HashSet<LLVMValueRef>> {
        let mut seen = HashSet::from([c]);
        let mut work = vec![c];
        while let Some(v) = work.pop() {
            for u in iter::users(v) {
                use LLVMOpcode::*;
                // SAFETY: live LLVM handles of this module; the operand indices are those
                // of each opcode.
                let next: Vec<LLVMValueRef> = unsafe {
                    if LLVMIsAInstruction(u).is_null() {
                        return None;
                    }
                    match LLVMGetInstructionOpcode(u) {
                        LLVMRet | LLVMICmp => vec![],
                        LLVMGetElementPtr => {
                            if LLVMGetOperand(u, 0) != v {
                                return None; // `v` as an index
                            }
                            vec![u]
                        }
                        LLVMBitCast | LLVMAddrSpaceCast | LLVMFreeze => vec![u],
                        LLVMStore => {
                            let slot = LLVMGetOperand(u, 1);
                            if LLVMGetOperand(u, 0) != v || slot == v {
                                return None;
                            }
                            if is_write_only_slot(slot) {
                                vec![]
                            } else if is_slot(slot) {
                                crate::leaf_retags::slot_loads(slot)
                            } else {
                                return None;
                            }
                        }
                        LLVMCall => {
                            let annotation = intrinsic_name(u)
                                .as_deref()
                                .is_some_and(crate::classify::is_annotation_intrinsic);
                            if annotation {
                                vec![]
                            } else {
                                self.through_call(u, v)?
                            }
                        }
                        _ => return None,
                    }
                };
                for n in next {
                    if seen.insert(n) {
                        work.push(n);
                    }
                }
            }
        }
        Some(seen)
    }

    /// `v` passed to the call `u`: `[u]` if `u` calls an offset function with `v` as
    /// exactly the argument it returns; `[]` if it calls a memory-free function that
    /// returns nothing or a scalar; `None` otherwise.
    fn through_call(&mut self, u: LLVMValueRef, v: LLVMValueRef) -> Option<Vec<LLVMValueRef>> {
        // SAFETY: live LLVM handles of this module; a call's callee is its last operand.
        unsafe {
            let g = LLVMGetCalledValue(u);
            if LLVMIsAFunction(g).is_null() || !self.memory_free.contains(g) {
                return None;
            }
            let args = LLVMGetNumArgOperands(u);
            if LLVMGetOperand(u, args) == v {
                return None; // `v` as the callee
            }
            // A scalar (or nothing) cannot carry the pointer back; an aggregate might.
            use inkwell::llvm_sys::LLVMTypeKind::*;
            if matches!(
                LLVMGetTypeKind(LLVMTypeOf(u)),
                LLVMVoidTypeKind | LLVMIntegerTypeKind | LLVMFloatTypeKind | LLVMDoubleTypeKind
            ) {
                return Some(vec![]);
            }
            if !crate::classify::is_ptr(LLVMTypeOf(u)) {
                return None;
            }
            let j = self.offset_arg(g)?;
            let only_there = (0..args).all(|k| (LLVMGetOperand(u, k) == v) == (k == j));
            only_there.then(|| vec![u])
        }
    }
}

/// Whether every use of `f` is a direct call, from an instrumented function, whose result
/// is used only by unprotected register retags no more permissive than `c_flags` (module
/// docs).
fn callers_retag_result(
    f: LLVMValueRef,
    c_flags: u64,
    instrumented: &HashSet<LLVMValueRef>,
) -> bool {
    let mut any = false;
    for u in iter::users(f) {
        // SAFETY: live LLVM handles of this module; the operand indices are those of each
        // opcode.
        unsafe {
            let invoke = !LLVMIsAInvokeInst(u).is_null();
            if (LLVMIsACallInst(u).is_null() && !invoke) || LLVMGetCalledValue(u) != f {
                return false;
            }
            let caller = LLVMGetBasicBlockParent(LLVMGetInstructionParent(u));
            if !instrumented.contains(&caller) {
                return false;
            }
            // Where the result is retagged "at once": right after a call, at the start of
            // an invoke's normal destination.
            let first = if invoke {
                LLVMGetFirstInstruction(LLVMGetNormalDest(u))
            } else {
                LLVMGetNextInstruction(u)
            };
            for r in iter::users(u) {
                if !nothing_before(first, r) {
                    return false;
                }
                if retag_kind(r) != Some(RetagKind::Reg)
                    || crate::classify::shape_error(r, RetagKind::Reg).is_some()
                    || LLVMGetOperand(r, 0) != u
                    || (1..LLVMGetNumArgOperands(r)).any(|k| LLVMGetOperand(r, k) == u)
                {
                    return false;
                }
                let fl = LLVMGetOperand(r, 2);
                if LLVMIsAConstantInt(fl).is_null() {
                    return false;
                }
                let fl = LLVMConstIntGetZExtValue(fl);
                if fl & PROTECTED as u64 != 0 {
                    return false;
                }
                if c_flags & MUTABLE as u64 == 0 {
                    // A `&T` `c`: the retag is a `&T` of the same kind.
                    let same_freeze = fl & FREEZE as u64 == c_flags & FREEZE as u64;
                    if fl & (MUTABLE | BOX) as u64 != 0
                        || !same_freeze
                        || !is_no_ranges(LLVMGetOperand(r, 3))
                        || !is_no_ranges(LLVMGetOperand(r, 4))
                    {
                        return false;
                    }
                }
            }
        }
        any = true;
    }
    any
}
