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
//! loads from it. A *field slot* (a tuple or struct of spilled values: `call_once` spills
//! its arguments into one) is a slot whose fields are reached through constant GEPs;
//! what is stored in any field is followed through all its loads. Parameters start
//! uncaptured, non-leaking and not written through, and become captured, leaking or
//! written through until nothing changes, so recursion needs no special case.
//!
//! # Fresh returns
//!
//! A parameter that a function may only return (it escapes no other way) is *handed
//! back*: a caller follows the call's result as a carrier of the argument's tag, instead
//! of counting the argument as captured (`Index::index` of a pass-through, whose retag is
//! elided, returns its argument's tag).
//!
//! A function `f` *returns fresh* tags if every pointer it returns is null or carries a
//! tag that `f` made (a lowered register retag: its fn-entry retags, a call-return retag),
//! that a call of a fresh-returning function returned, or that a parameter handed back,
//! and that tag leaves `f` by no other way (the capture analysis above, with `f`'s own
//! `ret` allowed). Its summary is the set of parameters it may hand back: a caller's tag
//! dies with the callee's result only where the caller made the argument for this call
//! alone (a lowered retag used by nothing else), and inside a fresh-returning function an
//! argument handed back by a callee is followed to its own origin. The returned
//! values are followed back through GEPs, casts, phis, selects, slots, field slots and
//! lent slots whose callees never write through the address they are lent (otherwise a
//! callee could have put another pointer there). It is a greatest fixpoint: a pointer a
//! call returns was made by a finite chain of calls whose innermost returned a retag of
//! its own.
//!
//! * `PARENT_DIES`: a caller's lowered register retag `r` of the result `u` of a call of
//!   a fresh-returning function, when nothing else uses `u` (debug spills aside) and each
//!   argument it may hand back is a lowered retag of the caller used by that call alone.
//!   Every pointer that ever carried `u`'s tag `t` was derived inside the callee (its
//!   registers and slots, gone with its frame), is `u`, or is such an argument (used by
//!   nothing but the call), so once `r` has made its tag no pointer holds `t`. The runtime splices `t` out only where the GC could
//!   (`bsan_tree::Tree::forget_dead`: `t` has `r`'s tag as its only child and is no more
//!   restrictive than it, model §8.1), so what `t` enforced stays enforced.
//! * `DIES_UNLESS_RETURNED`: a protected retag of a pointer-returning function whose tag
//!   leaves only through the `ret` (`cmp::max_by` returns one of its two references). At
//!   the function's exit every such tag but the returned one is dead; the runtime knows
//!   which was returned from the return slots, which the `ret` filled before the exit hook.
//!
//! # Tags that die when their retag runs again
//!
//! An unprotected `NO_ESCAPE` tag made in a loop (`for b in s.iter_mut() { *b = 0 }`:
//! the call-return retag of every `next()`) is dead long before its function returns, but
//! the frame would hold one per iteration (up to its cap, the rest left to the GC).
//! `DIES_ON_REPEAT` says: when the same retag runs again in the same call, no pointer holds
//! the tag it made before. Proved when every register that carries the tag (its GEPs,
//! casts, phis, selects, elided retags, loads of the slots it is spilled to) is dominated
//! by the retag, and every load of such a slot is dominated by a store to the slot that the
//! retag dominates. Then on every path from the retag's next run to a use of a carrier, the
//! carrier is defined (the slot written) anew after it: a path that avoided the definition
//! could be prefixed by the path to the retag's first run, which cannot contain the
//! definition either (the retag dominates it), contradicting dominance. A carrier that
//! crosses the loop's back edge (a phi in the header, a slot read before it is written)
//! is not dominated by the retag. Lent and field slots are not followed (not proved). The
//! runtime keys the previous tag by the hook's call site in the top frame, so the flag is
//! set only in functions with their own protector frame (a caller's frame would mix the
//! tags of recursive calls).
//!
//! A retag with `UnsafePinned` ranges makes no tag for a `&mut` (the runtime hands back
//! the parent's), so it is never taken as a tag made here: not as a fresh origin, not as
//! the parent `PARENT_DIES` declares dead.
//!
//! The runtime can hand back the parent's tag from a retag that makes nothing (a
//! zero-sized or out-of-bounds range): such a pointer accesses no byte, so removing its tag
//! loses no check. Removing a tag that a pointer still held would only make that pointer's
//! accesses unchecked (`unknown_tags`), never a report: the GC's invariant.
//!
//! Owns: the capture fixpoint, the fresh-returning functions, and the `NO_ESCAPE`,
//! `PARENT_DIES`, `DIES_UNLESS_RETURNED` and `DIES_ON_REPEAT` retags of each function. Does
//! not emit code.

use std::collections::{HashMap, HashSet};

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::{LLVMOpcode, LLVMTypeKind};

use bsan_abi::retag_flags::PROTECTED;
use bsan_ir::iter;

use crate::classify::{retag_kind, shape_error, strip_constant_offsets, RetagKind};
use crate::leaf_retags::{
    intrinsic_name, is_definitive, is_write_only_slot, slot_loads, stored_pointer_reloads,
    LeafRetags,
};

/// The parameters of the module's instrumented functions that may be captured.
pub(crate) struct Captures<'a> {
    instrumented: HashSet<LLVMValueRef>,
    elided: &'a HashMap<LLVMValueRef, LeafRetags>,
    captured: HashSet<(LLVMValueRef, u32)>,
    /// Of `captured`, the parameters that may escape other than by being returned (the
    /// others are *handed back*: the call's result carries their tag, and nothing else
    /// does after the call).
    captured_other: HashSet<(LLVMValueRef, u32)>,
    /// Parameters through which a pointer *stored in the memory they point to* may be
    /// captured (see [`Captures::may_leak_pointee`]).
    leaks_pointee: HashSet<(LLVMValueRef, u32)>,
    /// Parameters through which the memory they point to may be written (see
    /// [`Captures::may_write_pointee`]).
    writes_pointee: HashSet<(LLVMValueRef, u32)>,
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
            captured_other: HashSet::new(),
            leaks_pointee: HashSet::new(),
            writes_pointee: HashSet::new(),
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
                    if !c.captured_other.contains(&key) && c.may_escape_but_returned(p, true) {
                        c.captured_other.insert(key);
                        changed = true;
                    }
                    if !c.leaks_pointee.contains(&key) && c.may_leak_pointee(p) {
                        c.leaks_pointee.insert(key);
                        changed = true;
                    }
                    if !c.writes_pointee.contains(&key) && c.may_write_pointee(p) {
                        c.writes_pointee.insert(key);
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

    /// Of `no_escape` (unprotected `NO_ESCAPE` retags of `func`), those in a loop whose tag
    /// no pointer holds any more when the same retag runs again in the same call
    /// (`DIES_ON_REPEAT`, module docs): every register that carries the tag is defined after the retag on
    /// every path (dominated by it), and every load of a slot the tag is spilled to is
    /// preceded on every path by a store to that slot made after the retag.
    pub(crate) fn dies_on_repeat_retags(
        &self,
        func: LLVMValueRef,
        no_escape: &HashSet<LLVMValueRef>,
    ) -> HashSet<LLVMValueRef> {
        let unprotected: Vec<LLVMValueRef> = no_escape
            .iter()
            .copied()
            // SAFETY: a `NO_ESCAPE` retag is well-shaped with constant flags.
            .filter(|&r| unsafe {
                LLVMConstIntGetZExtValue(LLVMGetOperand(r, 2)) & PROTECTED as u64 == 0
            })
            .collect();
        if unprotected.is_empty() {
            return HashSet::new();
        }
        let dom = bsan_ir::dominators::Dominators::new(func);
        unprotected
            .into_iter()
            // SAFETY: live LLVM handles of this module (the bsan-ir contract).
            .filter(|&r| iter::in_cycle(unsafe { LLVMGetInstructionParent(r) }))
            .filter(|&r| self.dead_at_repeat(r, &dom))
            .collect()
    }

    /// See [`dies_on_repeat_retags`](Self::dies_on_repeat_retags).
    fn dead_at_repeat(&self, r: LLVMValueRef, dom: &bsan_ir::dominators::Dominators) -> bool {
        use LLVMOpcode::*;
        let mut work = vec![r];
        let mut seen: HashSet<LLVMValueRef> = HashSet::from([r]);
        let mut slots: HashSet<LLVMValueRef> = HashSet::new();
        while let Some(v) = work.pop() {
            for user in iter::users(v) {
                // SAFETY: live LLVM handles of this module; a store's operands are (value,
                // address).
                unsafe {
                    if LLVMIsAInstruction(user).is_null() {
                        return false;
                    }
                    if LLVMGetInstructionOpcode(user) == LLVMStore && LLVMGetOperand(user, 0) == v {
                        let addr = LLVMGetOperand(user, 1);
                        if is_write_only_slot(addr) {
                            continue;
                        }
                        if addr == v || !crate::leaf_retags::is_slot(addr) {
                            return false; // a lent or field slot: not followed here
                        }
                        if slots.insert(addr) {
                            for l in crate::leaf_retags::slot_loads(addr) {
                                if seen.insert(l) {
                                    work.push(l);
                                }
                            }
                        }
                        continue;
                    }
                }
                let Some(derived) = self.carried(user, v, false) else {
                    return false;
                };
                for d in derived {
                    if seen.insert(d) {
                        work.push(d);
                    }
                }
            }
        }
        // Registers (slot loads included): defined after `r` on every path, so a use after
        // `r` ran again sees the new value, never one from before.
        if !seen.iter().all(|&c| c == r || dom.dominates(r, c)) {
            return false;
        }
        slots.iter().all(|&slot| {
            let stores: Vec<LLVMValueRef> = iter::users(slot)
                // SAFETY: live LLVM handles of this module (the bsan-ir contract).
                .filter(|&u| unsafe { LLVMGetInstructionOpcode(u) } == LLVMStore)
                .collect();
            crate::leaf_retags::slot_loads(slot).into_iter().all(|l| {
                stores
                    .iter()
                    .any(|&st| dom.dominates(r, st) && dom.dominates(st, l))
            })
        })
    }

    /// The functions among `funcs` that return only fresh tags (module docs, *fresh
    /// returns*): a greatest fixpoint, so that recursion needs no special case (every
    /// pointer a call returns was made by a finite chain of calls, whose innermost one
    /// returned a retag of its own).
    pub(crate) fn fresh_returns(&self, funcs: &[LLVMValueRef]) -> FreshReturns {
        let mut fresh: FreshReturns = funcs
            .iter()
            .copied()
            .filter(|&f| {
                // SAFETY: live LLVM handles of this module (the bsan-ir contract).
                let ret = unsafe { LLVMGetReturnType(LLVMGlobalGetValueType(f)) };
                self.instrumented.contains(&f) && is_ptr_or_fat(ret)
            })
            .map(|f| (f, 0))
            .collect();
        loop {
            let assumed = fresh.clone();
            let mut changed = false;
            fresh.retain(|&f, params| match self.returns_only_fresh(f, &assumed) {
                Some(p) => {
                    changed |= p != *params;
                    *params = p;
                    true
                }
                None => {
                    changed = true;
                    false
                }
            });
            if !changed {
                return fresh;
            }
        }
    }

    /// Whether every pointer `f` returns is null or carries a tag made in `f` (a lowered
    /// register retag), returned fresh by a call of one of `fresh`, or handed back from a
    /// parameter, and no pointer with that tag leaves `f` otherwise; `Some` of the
    /// parameters handed back (bits by index).
    fn returns_only_fresh(&self, f: LLVMValueRef, fresh: &FreshReturns) -> Option<u64> {
        use LLVMOpcode::*;
        let elided = self.elided.get(&f);
        let mut any = false;
        let mut params = 0u64;
        for ret in iter::all_instructions(f) {
            // SAFETY: live LLVM handles of this module; the operand indices are those of
            // each opcode, a call's callee its last operand.
            unsafe {
                if LLVMGetInstructionOpcode(ret) != LLVMRet || LLVMGetNumOperands(ret) != 1 {
                    continue;
                }
                any = true;
                let value = LLVMGetOperand(ret, 0);
                let mut work = if crate::classify::is_ptr(LLVMTypeOf(value)) {
                    vec![value]
                } else {
                    fat_pointer_fields(value)?
                };
                let mut seen = HashSet::new();
                while let Some(v) = work.pop() {
                    if !seen.insert(v) || !LLVMIsAConstantPointerNull(v).is_null() {
                        continue;
                    }
                    if !LLVMIsAArgument(v).is_null() {
                        // A parameter handed back: it may escape no other way.
                        let k = iter::params(f).position(|p| p == v)? as u32;
                        if k >= 64 || self.captured_other.contains(&(f, k)) {
                            return None;
                        }
                        params |= 1 << k;
                        continue;
                    }
                    if LLVMIsAInstruction(v).is_null() {
                        return None;
                    }
                    let op = LLVMGetInstructionOpcode(v);
                    if !crate::classify::is_ptr(LLVMTypeOf(v))
                        && matches!(op, LLVMInsertValue | LLVMPHI | LLVMSelect)
                    {
                        // A fat pointer built or chosen here: its pointer field.
                        work.extend(fat_pointer_fields(v)?);
                        continue;
                    }
                    match op {
                        LLVMGetElementPtr | LLVMBitCast | LLVMAddrSpaceCast | LLVMFreeze => {
                            work.push(LLVMGetOperand(v, 0))
                        }
                        LLVMPHI => work
                            .extend((0..LLVMCountIncoming(v)).map(|k| LLVMGetIncomingValue(v, k))),
                        LLVMSelect => work.extend([LLVMGetOperand(v, 1), LLVMGetOperand(v, 2)]),
                        LLVMLoad => {
                            let slot = LLVMGetOperand(v, 0);
                            if crate::leaf_retags::is_slot(slot)
                                || self.is_read_only_lent_slot(slot)
                            {
                                work.extend(crate::leaf_retags::stored_values(slot));
                            } else if let Some(fs) = field_slot_of(slot) {
                                // Integers stored beside the pointer (a slice's length)
                                // carry no tag.
                                work.extend(
                                    field_slot_accesses(fs, LLVMStore)
                                        .into_iter()
                                        .map(|st| LLVMGetOperand(st, 0))
                                        .filter(|&x| crate::classify::is_ptr(LLVMTypeOf(x))),
                                );
                            } else {
                                return None;
                            }
                        }
                        LLVMCall | LLVMInvoke => match retag_kind(v) {
                            Some(RetagKind::Reg) if shape_error(v, RetagKind::Reg).is_none() => {
                                if elided.is_some_and(|l| l.is_elided(v)) {
                                    work.push(LLVMGetOperand(v, 0));
                                } else if pinned(v) || self.may_escape_but_returned(v, true) {
                                    return None;
                                }
                            }
                            Some(_) => return None,
                            None => {
                                let &handed = fresh.get(&LLVMGetCalledValue(v))?;
                                if self.may_escape_but_returned(v, true) {
                                    return None;
                                }
                                // What the callee hands back: arguments that go nowhere
                                // else, followed to where their tags come from.
                                let n = LLVMGetNumArgOperands(v).min(64);
                                for k in (0..n).filter(|k| handed & (1 << k) != 0) {
                                    let arg = LLVMGetOperand(v, k);
                                    if !only_feeds(arg, v) {
                                        return None;
                                    }
                                    work.push(arg);
                                }
                            }
                        },
                        // The pointer of a fat pointer a fresh-returning call returned.
                        LLVMExtractValue => {
                            let agg = LLVMGetOperand(v, 0);
                            if LLVMGetNumIndices(v) != 1 || *LLVMGetIndices(v) != 0 {
                                return None;
                            }
                            work.extend(fat_pointer_fields(agg)?);
                        }
                        _ => return None,
                    }
                }
            }
        }
        any.then_some(params)
    }

    /// The protected register retags of `func` (not elided, with constant flags) whose
    /// result leaves `func` only as its return value, a pointer (`DIES_UNLESS_RETURNED`):
    /// at `func`'s exit each tag is dead unless it is the one returned. Those that do not
    /// leave at all are `NO_ESCAPE` instead.
    pub(crate) fn dies_unless_returned_retags(&self, func: LLVMValueRef) -> HashSet<LLVMValueRef> {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        if !is_ptr_or_fat(unsafe { LLVMGetReturnType(LLVMGlobalGetValueType(func)) }) {
            return HashSet::new();
        }
        // A `ret` after a `musttail` call stores no provenance in the return slots (the
        // callee's stands): the exit could not tell which tag was returned.
        let musttail = iter::all_instructions(func).any(|i| {
            // SAFETY: live LLVM handles of this module (the bsan-ir contract).
            unsafe {
                !LLVMIsACallInst(i).is_null()
                    && LLVMGetTailCallKind(i)
                        == inkwell::llvm_sys::LLVMTailCallKind::LLVMTailCallKindMustTail
            }
        });
        if musttail {
            return HashSet::new();
        }
        let elided = self.elided.get(&func);
        iter::all_instructions(func)
            .filter(|&i| {
                retag_kind(i) == Some(RetagKind::Reg)
                    && shape_error(i, RetagKind::Reg).is_none()
                    && elided.is_none_or(|l| !l.is_elided(i))
                    // SAFETY: a well-shaped retag call has 5 operands.
                    && unsafe {
                        let fl = LLVMGetOperand(i, 2);
                        !LLVMIsAConstantInt(fl).is_null()
                            && LLVMConstIntGetZExtValue(fl) & PROTECTED as u64 != 0
                            && crate::classify::is_ptr(LLVMTypeOf(i))
                    }
                    && self.may_escape(i)
                    && !self.may_escape_but_returned(i, true)
            })
            .collect()
    }

    /// Whether the retag `r` retags the result of a lowered retag `q` of the same function
    /// (through GEPs, casts and the `insertvalue`/`extractvalue` of fat pointers) that
    /// nothing else uses (debug spills aside): `-O0` reborrows a call's retagged result
    /// again before returning it. Once `r` made its tag, no pointer holds `q`'s.
    fn reretags_own_retag(&self, r: LLVMValueRef) -> bool {
        use LLVMOpcode::*;
        // SAFETY: live LLVM handles of this module; operand indices are those of each
        // opcode.
        unsafe {
            let func = LLVMGetBasicBlockParent(LLVMGetInstructionParent(r));
            let elided = self.elided.get(&func);
            // Back to the one value `r`'s pointer comes from.
            let mut v = LLVMGetOperand(r, 0);
            let q = loop {
                if LLVMIsAInstruction(v).is_null() {
                    return false;
                }
                match LLVMGetInstructionOpcode(v) {
                    LLVMGetElementPtr | LLVMBitCast | LLVMAddrSpaceCast => v = LLVMGetOperand(v, 0),
                    LLVMExtractValue => {
                        if LLVMGetNumIndices(v) != 1 || *LLVMGetIndices(v) != 0 {
                            return false;
                        }
                        match fat_pointer_fields(LLVMGetOperand(v, 0)).as_deref() {
                            Some(&[f]) => v = f,
                            _ => return false,
                        }
                    }
                    LLVMCall if retag_kind(v) == Some(RetagKind::Reg) => break v,
                    _ => return false,
                }
            };
            // A protected `q` stays until its function's exit anyway.
            if shape_error(q, RetagKind::Reg).is_some()
                || elided.is_some_and(|l| l.is_elided(q))
                || pinned(q)
                || LLVMIsAConstantInt(LLVMGetOperand(q, 2)).is_null()
                || LLVMConstIntGetZExtValue(LLVMGetOperand(q, 2)) & PROTECTED as u64 != 0
            {
                return false;
            }
            // Forward: every use of `q`'s pointer leads to `r` alone.
            let mut work = vec![q];
            let mut seen = HashSet::from([q]);
            while let Some(x) = work.pop() {
                for u in iter::users(x) {
                    if u == r {
                        if (1..LLVMGetNumArgOperands(r)).any(|k| LLVMGetOperand(r, k) == x) {
                            return false;
                        }
                        continue;
                    }
                    let follow = match LLVMGetInstructionOpcode(u) {
                        LLVMGetElementPtr | LLVMBitCast | LLVMAddrSpaceCast => {
                            LLVMGetOperand(u, 0) == x
                        }
                        // A fat pointer whose pointer field is replaced no longer carries it.
                        LLVMInsertValue => {
                            if LLVMGetOperand(u, 0) == x
                                && LLVMGetNumIndices(u) == 1
                                && *LLVMGetIndices(u) == 0
                                && LLVMGetOperand(u, 1) != x
                            {
                                continue;
                            }
                            true
                        }
                        // An integer field taken out of a fat pointer carries no tag.
                        LLVMExtractValue => {
                            if LLVMGetTypeKind(LLVMTypeOf(u)) == LLVMTypeKind::LLVMIntegerTypeKind {
                                continue;
                            }
                            true
                        }
                        LLVMStore => {
                            if LLVMGetOperand(u, 0) == x && is_write_only_slot(LLVMGetOperand(u, 1))
                            {
                                continue;
                            }
                            false
                        }
                        LLVMCall => {
                            if intrinsic_name(u)
                                .as_deref()
                                .is_some_and(crate::classify::is_annotation_intrinsic)
                            {
                                continue;
                            }
                            false
                        }
                        _ => false,
                    };
                    if !follow {
                        return false;
                    }
                    if seen.insert(u) {
                        work.push(u);
                    }
                }
            }
            true
        }
    }

    /// The register retags of `func` (lowered, not elided) of a pointer that a call of one
    /// of `fresh` returned and that nothing else uses (debug spills aside), when every
    /// argument the callee may hand back is a tag `func` made for this call alone (a
    /// lowered retag used by nothing else): once each has made its tag, no pointer holds
    /// its parent's (`PARENT_DIES`).
    pub(crate) fn parent_dies_retags(
        &self,
        func: LLVMValueRef,
        fresh: &FreshReturns,
    ) -> HashSet<LLVMValueRef> {
        let elided = self.elided.get(&func);
        iter::all_instructions(func)
            .filter(|&r| {
                if retag_kind(r) != Some(RetagKind::Reg)
                    || shape_error(r, RetagKind::Reg).is_some()
                    || elided.is_some_and(|l| l.is_elided(r))
                {
                    return false;
                }
                if self.reretags_own_retag(r) {
                    return true;
                }
                // SAFETY: live LLVM handles of this module; a call's arguments are its
                // first operands, its callee the last; a store's are (value, address).
                unsafe {
                    let p = LLVMGetOperand(r, 0);
                    // A fat pointer's pointer: `extractvalue %u, 0`.
                    let fat = !LLVMIsAExtractValueInst(p).is_null();
                    let u = if fat {
                        if LLVMGetNumIndices(p) != 1 || *LLVMGetIndices(p) != 0 {
                            return false;
                        }
                        LLVMGetOperand(p, 0)
                    } else {
                        p
                    };
                    if (LLVMIsACallInst(u).is_null() && LLVMIsAInvokeInst(u).is_null())
                        || retag_kind(u).is_some()
                        || (1..LLVMGetNumArgOperands(r)).any(|k| LLVMGetOperand(r, k) == p)
                    {
                        return false;
                    }
                    let Some(&handed) = fresh.get(&LLVMGetCalledValue(u)) else {
                        return false;
                    };
                    let n = LLVMGetNumArgOperands(u).min(64);
                    let owned = (0..n).filter(|k| handed & (1 << k) != 0).all(|k| {
                        let arg = LLVMGetOperand(u, k);
                        retag_kind(arg) == Some(RetagKind::Reg)
                            && shape_error(arg, RetagKind::Reg).is_none()
                            && elided.is_none_or(|l| !l.is_elided(arg))
                            && !pinned(arg)
                            && only_feeds(arg, u)
                    });
                    if !owned {
                        return false;
                    }
                    let spill_or_annotation = |x: LLVMValueRef, v: LLVMValueRef| {
                        intrinsic_name(x)
                            .as_deref()
                            .is_some_and(crate::classify::is_annotation_intrinsic)
                            || (LLVMGetInstructionOpcode(x) == LLVMOpcode::LLVMStore
                                && LLVMGetOperand(x, 0) == v
                                && is_write_only_slot(LLVMGetOperand(x, 1)))
                    };
                    if fat && !iter::users(p).all(|x| x == r || spill_or_annotation(x, p)) {
                        return false;
                    }
                    // The result's other uses: its integer field, and `insertvalue`s that
                    // put the retagged pointer in its place (the synthesized call-return
                    // retag's own shape).
                    iter::users(u).all(|x| {
                        if x == if fat { p } else { r } {
                            return true;
                        }
                        if spill_or_annotation(x, u) {
                            return true;
                        }
                        if !fat {
                            return false;
                        }
                        match LLVMGetInstructionOpcode(x) {
                            LLVMOpcode::LLVMExtractValue => {
                                LLVMGetTypeKind(LLVMTypeOf(x)) == LLVMTypeKind::LLVMIntegerTypeKind
                            }
                            LLVMOpcode::LLVMInsertValue => {
                                LLVMGetOperand(x, 0) == u
                                    && LLVMGetNumIndices(x) == 1
                                    && *LLVMGetIndices(x) == 0
                            }
                            _ => false,
                        }
                    })
                }
            })
            .collect()
    }

    /// Whether a pointer with `v`'s tag may outlive the function `v` is in (module docs).
    fn may_escape(&self, v: LLVMValueRef) -> bool {
        self.may_escape_but_returned(v, false)
    }

    /// [`may_escape`](Self::may_escape), with a `ret` of the pointer counted as no escape
    /// when `ret_ok` (the *fresh returns* of the module docs).
    fn may_escape_but_returned(&self, v: LLVMValueRef, ret_ok: bool) -> bool {
        let mut work = vec![v];
        let mut seen: HashSet<LLVMValueRef> = HashSet::from([v]);
        while let Some(v) = work.pop() {
            for user in iter::users(v) {
                // SAFETY: live LLVM handles of this module (the bsan-ir contract).
                if unsafe { LLVMIsAInstruction(user) }.is_null() {
                    return true;
                }
                let Some(derived) = self.carried(user, v, ret_ok) else {
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
    /// `v`'s tag on. A `ret` captures unless `ret_ok`.
    fn carried(
        &self,
        user: LLVMValueRef,
        v: LLVMValueRef,
        ret_ok: bool,
    ) -> Option<Vec<LLVMValueRef>> {
        use LLVMOpcode::*;
        // SAFETY: live LLVM handles of this module; the operand indices are those of each
        // opcode.
        unsafe {
            let is_ptr = |x: LLVMValueRef| crate::classify::is_ptr(LLVMTypeOf(x));
            if !is_ptr(v) {
                // A fat pointer (or another aggregate holding the tag): followed into its
                // pointer field, into bigger aggregates, out by a `ret`; its integer
                // fields carry no tag.
                return match LLVMGetInstructionOpcode(user) {
                    LLVMExtractValue if is_ptr(user) => Some(vec![user]),
                    LLVMExtractValue => {
                        let t = LLVMGetTypeKind(LLVMTypeOf(user));
                        (t == LLVMTypeKind::LLVMIntegerTypeKind).then(Vec::new)
                    }
                    LLVMInsertValue => Some(vec![user]),
                    LLVMRet if ret_ok => Some(vec![]),
                    LLVMStore
                        if LLVMGetOperand(user, 0) == v
                            && is_write_only_slot(LLVMGetOperand(user, 1)) =>
                    {
                        Some(vec![])
                    }
                    _ => None,
                };
            }
            Some(match LLVMGetInstructionOpcode(user) {
                LLVMInsertValue if LLVMGetOperand(user, 1) == v => vec![user],
                LLVMLoad | LLVMICmp => vec![],
                LLVMStore => match stored_pointer_reloads(user, v) {
                    Some(reloads) => reloads,
                    None => {
                        let addr = LLVMGetOperand(user, 1);
                        if addr == v {
                            return None;
                        }
                        if let Some(slot) = field_slot_of(addr) {
                            field_slot_accesses(slot, LLVMLoad)
                        } else if self.is_lent_slot(addr) {
                            slot_loads(addr)
                        } else {
                            return None;
                        }
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
                LLVMRet if ret_ok => vec![],
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

    /// A lent slot (see [`is_lent_slot`](Self::is_lent_slot)) whose callees do not write
    /// through the address they are lent either: what its loads return is what this
    /// function stored in it.
    fn is_read_only_lent_slot(&self, slot: LLVMValueRef) -> bool {
        self.is_lent_slot(slot)
            && iter::users(slot).all(|u| {
                // SAFETY: live LLVM handles of this module; a call's arguments are its
                // first operands, its callee the last.
                unsafe {
                    if LLVMIsACallInst(u).is_null() && LLVMIsAInvokeInst(u).is_null() {
                        return true;
                    }
                    if intrinsic_name(u).is_some() {
                        return true; // annotations (`is_lent_slot` allows no others)
                    }
                    let callee = strip_constant_offsets(LLVMGetCalledValue(u));
                    (0..LLVMGetNumArgOperands(u)).all(|i| {
                        LLVMGetOperand(u, i) != slot || !self.writes_pointee.contains(&(callee, i))
                    })
                }
            })
    }

    /// Whether the memory `p` points to may be written through `p` or anything addressing
    /// the same memory (its GEPs, casts, register retags, spill slots), by this function
    /// or a callee it passes such a pointer to; conservatively, by anything the analysis
    /// cannot follow.
    fn may_write_pointee(&self, p: LLVMValueRef) -> bool {
        self.any_address_use(
            p,
            AddressUses {
                load: |_| false,
                store: |u, a| {
                    // SAFETY: live LLVM handles of this module; a store's operands are
                    // (value, address).
                    unsafe {
                        if LLVMGetOperand(u, 1) == a {
                            return None;
                        }
                        stored_pointer_reloads(u, a).or_else(|| {
                            field_slot_of(LLVMGetOperand(u, 1))
                                .map(|slot| field_slot_accesses(slot, LLVMOpcode::LLVMLoad))
                        })
                    }
                },
                // Only as a source (operand 1 of a copy).
                mem_intrinsic: |u, a, n| {
                    // SAFETY: as above; a memory intrinsic's destination is its operand 0.
                    unsafe {
                        LLVMGetOperand(u, 0) == a || (2..n).any(|i| LLVMGetOperand(u, i) == a)
                    }
                },
                param: |callee, i| self.writes_pointee.contains(&(callee, i)),
            },
        )
    }

    /// Whether a pointer that the memory `p` points to holds when the function is
    /// called may be captured through `p` (module docs' capture, of the pointers loaded
    /// through `p` or through anything addressing the same memory: its GEPs, casts,
    /// retags, spill slots), or copied elsewhere (`p`'s address stored, a memcpy from it,
    /// a callee that may leak it in turn). Integer and floating-point loads carry no tag
    /// (a pointer's bits read as an integer are not exposed); aggregates and vectors may.
    fn may_leak_pointee(&self, p: LLVMValueRef) -> bool {
        self.any_address_use(
            p,
            AddressUses {
                load: |u| {
                    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
                    let ty = unsafe { LLVMTypeOf(u) };
                    if crate::classify::is_ptr(ty) {
                        return self.may_escape(u);
                    }
                    // An aggregate or vector may hold the pointer.
                    // SAFETY: as above.
                    !matches!(
                        unsafe { LLVMGetTypeKind(ty) },
                        LLVMTypeKind::LLVMIntegerTypeKind
                            | LLVMTypeKind::LLVMHalfTypeKind
                            | LLVMTypeKind::LLVMFloatTypeKind
                            | LLVMTypeKind::LLVMDoubleTypeKind
                    )
                },
                // The address spilled comes back through the slot's loads.
                store: |u, a| {
                    stored_pointer_reloads(u, a).or_else(|| {
                        // SAFETY: live LLVM handles of this module; a store's address is
                        // its operand 1.
                        let addr = unsafe { LLVMGetOperand(u, 1) };
                        field_slot_of(addr)
                            .filter(|_| addr != a)
                            .map(|slot| field_slot_accesses(slot, LLVMOpcode::LLVMLoad))
                    })
                },
                // Only as a destination (operand 0): a source is copied elsewhere.
                // SAFETY: live LLVM handles of this module (the bsan-ir contract).
                mem_intrinsic: |u, a, n| (1..n).any(|i| unsafe { LLVMGetOperand(u, i) } == a),
                param: |callee, i| {
                    self.captured.contains(&(callee, i))
                        || self.leaks_pointee.contains(&(callee, i))
                },
            },
        )
    }

    /// The walk [`may_write_pointee`](Self::may_write_pointee) and
    /// [`may_leak_pointee`](Self::may_leak_pointee) share: over every value addressing the
    /// memory `p` points to (GEPs with `p` as base, casts, phis, selects, register retags,
    /// spill slots the address is stored to), whether any use is one `uses` says may do
    /// what is asked, or one the walk cannot follow.
    fn any_address_use(
        &self,
        p: LLVMValueRef,
        uses: AddressUses<
            impl Fn(LLVMValueRef) -> bool,
            impl Fn(LLVMValueRef, LLVMValueRef) -> Option<Vec<LLVMValueRef>>,
            impl Fn(LLVMValueRef, LLVMValueRef, u32) -> bool,
            impl Fn(LLVMValueRef, u32) -> bool,
        >,
    ) -> bool {
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
                            if (uses.load)(u) {
                                return true;
                            }
                            vec![]
                        }
                        LLVMICmp => vec![],
                        LLVMStore => match (uses.store)(u, a) {
                            Some(addresses) => addresses,
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
                                    if (uses.mem_intrinsic)(u, a, LLVMGetNumArgOperands(u)) {
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
                                        && (i >= params || (uses.param)(callee, i))
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
            let mut handed_back = false;
            for i in 0..n {
                if LLVMGetOperand(call, i) != v {
                    continue;
                }
                if i >= params || self.captured_other.contains(&(callee, i)) {
                    return None;
                }
                handed_back |= self.captured.contains(&(callee, i));
            }
            // A parameter the callee may only return: its result carries the tag on.
            Some(if handed_back { vec![call] } else { vec![] })
        }
    }
}

/// The alloca under `addr` (itself, or a constant-offset GEP of it) if that alloca is a
/// *field slot*: a tuple or struct of spilled values (`call_once` spills its arguments
/// into one), used only through loads, stores *to* it of anything but its own address,
/// annotation intrinsics, and constant-offset GEPs of it that are themselves only loaded
/// from and stored to. A pointer stored in a field then comes back only through the
/// slot's loads; the analyses take all of them (of any field), a superset.
fn field_slot_of(addr: LLVMValueRef) -> Option<LLVMValueRef> {
    // SAFETY: live LLVM handles of this module; a GEP's base is its operand 0.
    let slot = unsafe {
        if !LLVMIsAGetElementPtrInst(addr).is_null() {
            if !is_constant_gep(addr) {
                return None;
            }
            LLVMGetOperand(addr, 0)
        } else {
            addr
        }
    };
    // SAFETY: as above.
    if unsafe { LLVMIsAAllocaInst(slot) }.is_null() {
        return None;
    }
    let plain = |u: LLVMValueRef, base: LLVMValueRef| -> bool {
        // SAFETY: live LLVM handles of this module; a store's operands are (value, address).
        unsafe {
            match LLVMGetInstructionOpcode(u) {
                LLVMOpcode::LLVMLoad => true,
                LLVMOpcode::LLVMStore => {
                    let val = LLVMGetOperand(u, 0);
                    LLVMGetOperand(u, 1) == base
                        && val != slot
                        && field_slot_base(val) != Some(slot)
                }
                LLVMOpcode::LLVMCall => intrinsic_name(u)
                    .as_deref()
                    .is_some_and(crate::classify::is_annotation_intrinsic),
                _ => false,
            }
        }
    };
    let ok = iter::users(slot).all(|u| {
        // SAFETY: live LLVM handles of this module.
        if unsafe { !LLVMIsAGetElementPtrInst(u).is_null() } {
            // SAFETY: as above; a GEP's base is its operand 0.
            let base = unsafe { LLVMGetOperand(u, 0) };
            base == slot && is_constant_gep(u) && iter::users(u).all(|g| plain(g, u))
        } else {
            plain(u, slot)
        }
    });
    ok.then_some(slot)
}

/// The alloca a constant-offset GEP (or the value itself) is based on, if any.
fn field_slot_base(v: LLVMValueRef) -> Option<LLVMValueRef> {
    // SAFETY: live LLVM handles of this module; a GEP's base is its operand 0.
    unsafe {
        let base = if !LLVMIsAGetElementPtrInst(v).is_null() {
            LLVMGetOperand(v, 0)
        } else {
            v
        };
        (!LLVMIsAAllocaInst(base).is_null()).then_some(base)
    }
}

/// Whether every index of the GEP `g` is a constant.
fn is_constant_gep(g: LLVMValueRef) -> bool {
    // SAFETY: live LLVM handles of this module; a GEP's indices are its operands 1...
    unsafe {
        (1..LLVMGetNumOperands(g) as u32)
            .all(|i| !LLVMIsAConstantInt(LLVMGetOperand(g, i)).is_null())
    }
}

/// The loads (`op` = load) or the stores to (`op` = store) the field slot `slot` and its
/// GEPs.
fn field_slot_accesses(slot: LLVMValueRef, op: LLVMOpcode) -> Vec<LLVMValueRef> {
    let mut out = Vec::new();
    for u in iter::users(slot) {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let accesses: Vec<LLVMValueRef> = if unsafe { !LLVMIsAGetElementPtrInst(u).is_null() } {
            iter::users(u).collect()
        } else {
            vec![u]
        };
        // SAFETY: as above.
        out.extend(
            accesses
                .into_iter()
                .filter(|&a| unsafe { LLVMGetInstructionOpcode(a) } == op),
        );
    }
    out
}

/// Whether `t` is a pointer or a *fat pointer* `{ ptr, iN }` (a slice, `str`, trait
/// object's data and metadata returned by value): one pointer leaf, the first, which is
/// what the return slots' first leaf holds.
fn is_ptr_or_fat(t: LLVMTypeRef) -> bool {
    if crate::classify::is_ptr(t) {
        return true;
    }
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe {
        LLVMGetTypeKind(t) == LLVMTypeKind::LLVMStructTypeKind
            && LLVMCountStructElementTypes(t) == 2
            && crate::classify::is_ptr(LLVMStructGetTypeAtIndex(t, 0))
            && LLVMGetTypeKind(LLVMStructGetTypeAtIndex(t, 1)) == LLVMTypeKind::LLVMIntegerTypeKind
    }
}

/// The values the pointer field of the fat pointer `agg` may come from: what was inserted
/// at index 0 along its `insertvalue` chain, through phis and selects of fat pointers;
/// `None` if it comes from anything else (a load, a call: followed by the caller).
fn fat_pointer_fields(agg: LLVMValueRef) -> Option<Vec<LLVMValueRef>> {
    let mut out = Vec::new();
    let mut work = vec![agg];
    let mut seen = HashSet::new();
    while let Some(v) = work.pop() {
        if !seen.insert(v) {
            continue;
        }
        // SAFETY: live LLVM handles of this module; an `insertvalue`'s operands are
        // (aggregate, value) and its indices are read with `LLVMGetIndices`.
        unsafe {
            if !LLVMIsAUndefValue(v).is_null() || !LLVMIsAPoisonValue(v).is_null() {
                continue;
            }
            if LLVMIsAInstruction(v).is_null() {
                return None;
            }
            match LLVMGetInstructionOpcode(v) {
                LLVMOpcode::LLVMInsertValue => {
                    if LLVMGetNumIndices(v) != 1 {
                        return None;
                    }
                    if *LLVMGetIndices(v) == 0 {
                        out.push(LLVMGetOperand(v, 1));
                    } else {
                        work.push(LLVMGetOperand(v, 0));
                    }
                }
                LLVMOpcode::LLVMPHI => {
                    work.extend((0..LLVMCountIncoming(v)).map(|k| LLVMGetIncomingValue(v, k)))
                }
                LLVMOpcode::LLVMSelect => work.extend([LLVMGetOperand(v, 1), LLVMGetOperand(v, 2)]),
                _ => out.push(v),
            }
        }
    }
    Some(out)
}

/// The fresh-returning functions: for each, the parameters whose tags it may hand back
/// (bit `k` for parameter `k`; 0: only tags it made).
pub(crate) type FreshReturns = HashMap<LLVMValueRef, u64>;

/// Whether `call` is the only user of `v` (an argument), debug spills and annotations
/// aside: once the call returned, only what it returned can carry `v`'s tag.
fn only_feeds(v: LLVMValueRef, call: LLVMValueRef) -> bool {
    iter::users(v).all(|u| {
        // SAFETY: live LLVM handles of this module; a store's operands are (value, address),
        // a call's arguments its first operands.
        unsafe {
            if u == call {
                return (0..LLVMGetNumArgOperands(call))
                    .filter(|&i| LLVMGetOperand(call, i) == v)
                    .count()
                    == 1;
            }
            intrinsic_name(u)
                .as_deref()
                .is_some_and(crate::classify::is_annotation_intrinsic)
                || (LLVMGetInstructionOpcode(u) == LLVMOpcode::LLVMStore
                    && LLVMGetOperand(u, 0) == v
                    && is_write_only_slot(LLVMGetOperand(u, 1)))
        }
    })
}

/// Whether the well-shaped retag `r` has `UnsafePinned` ranges: the runtime makes no tag
/// for a `&mut` to a `!Unpin` pointee and hands back its parent's, which is not `r`'s to
/// declare dead.
fn pinned(r: LLVMValueRef) -> bool {
    // SAFETY: a well-shaped retag call has 5 operands, the pin ranges its operand 4.
    !crate::leaf_retags::is_no_ranges(unsafe { LLVMGetOperand(r, 4) })
}

/// What [`Captures::any_address_use`] asks of the uses its two walks treat differently:
/// whether a load from the memory is a hit; for a store, the addresses it hands the walk
/// on (`None`: a hit); whether a memory intrinsic with that many arguments is a hit for
/// the address; whether passing it as a callee's parameter is.
struct AddressUses<L, S, M, P> {
    load: L,
    store: S,
    mem_intrinsic: M,
    param: P,
}
