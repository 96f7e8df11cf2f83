//! Unprotected retags whose tag no check could ever consult: *transient* reborrows, used
//! right where they are made and never again. Std's generic code, compiled from its
//! optimized MIR, is full of them: every `#[inline]` callee MIR-inlined into it (`<u64 as
//! PartialOrd>::lt` inside `Range::next`, `Deref::deref`, `Option::as_ref`...) gets
//! unprotected retags of its reference parameters synthesized from the inlined scope's
//! debug info, each only loaded from once a few instructions later. `for i in 0..n` made
//! two of them per iteration.
//!
//! # What is elided
//!
//! A `__rust_retag_reg` `r = retag(p)` with constant flags without `PROTECTED` and no
//! `UnsafeCell`/`UnsafePinned` ranges, either a `&T` with `T: Freeze` (*shared*) or a
//! `&mut`/`Box` (*mutable*), whose result, followed through GEPs, casts and freeze, is used
//! only in `r`'s own basic block and only
//!
//! * as the address of non-atomic loads (and, if mutable, of non-atomic stores),
//! * as the source (if mutable, also the destination) of a memory intrinsic whose other
//!   pointer is a private alloca,
//! * in comparisons, annotation intrinsics, and stores of `r` itself into a write-only
//!   debug slot ([`crate::leaf_retags::is_write_only_slot`]),
//!
//! and nothing between `r` and its last use *interferes*. For a shared `r`: no store,
//! memory intrinsic or call writes memory other than *private allocas* (allocas that do
//! not escape, [`crate::elide`]); calls are allowed only to memory-free intrinsics and
//! functions ([`crate::leaf_retags::MemoryFreeFunctions`]) and to register retags (whose
//! implicit access is a read); no atomics, no fences. For a mutable `r`: no access at all
//! other than through `r` or to private allocas, and no retag.
//!
//! It is lowered like an elided leaf retag: `__bsan_retag_check` (the implicit read through
//! `p`, checked exactly as `__bsan_retag` checks it), and every use of `r` takes `p`'s
//! provenance.
//!
//! # Why nothing is missed (model §2–§3)
//!
//! As for a leaf's elided retag, replacing `r` by `p` changes nothing for any tag other
//! than `r`: `r`'s only ancestors are `p`'s, and `r` has no descendants (no retag takes
//! it). What is lost is `r`'s own state, and with it the checks made against it: the
//! accesses through `r`, from its creation to its last use. (It has no protector, so
//! nothing is checked for it at a function exit; after its last use nothing accesses
//! through it, and a state nobody accesses through never reports.)
//!
//! * Shared: `r` starts Frozen (everywhere: in range, and lazily outside it). A read
//!   through a Frozen tag is refused only once a foreign *write* has disabled it. Between
//!   `r`'s creation and its last use, this thread writes nothing that `r` could point into:
//!   a private alloca cannot be `r`'s memory (a pointer into it that reached a retag would
//!   have made it escape), and memory-free callees touch only their own frames.
//! * Mutable: `r` starts Reserved. Through it, reads never fail and a write makes it
//!   Active; only a foreign access in between can make a later access fail (a foreign read
//!   freezes an Active tag, a foreign write disables it). There is none: no access but
//!   through `r` or to private allocas, and no retag and its implicit read.
//! * Other threads. No instruction in between synchronizes (no atomics, fences or calls but
//!   memory-free ones), so another thread's access that would change `r`'s state in the
//!   window is a write (or, for a mutable `r`, any access) racing with this thread's
//!   access through `r`: a data race, undefined behaviour of its own that Tree Borrows
//!   does not judge. (Unlike a leaf's protector, an unprotected `r` never reported bytes
//!   it does not access, so nothing else can be lost.)
//! * Panics. No call that may unwind or not return lies between `r` and its uses, and the
//!   tag is unused after them: no panic path can observe it, so, unlike elided protected
//!   retags, transient ones are never made late.
//!
//! Owns: the classification ([`find`]). Does not emit code.

use std::collections::HashSet;

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::LLVMOpcode;

use bsan_abi::retag_flags::{FREEZE, MUTABLE, PROTECTED};
use bsan_ir::iter;

use crate::classify::{retag_kind, shape_error, strip_constant_offsets, RetagKind};
use crate::leaf_retags::{
    intrinsic_name, is_memory_free_intrinsic, is_no_ranges, is_write_only_slot, MemoryFreeFunctions,
};

/// The transient retags of `func` (module docs), in no particular order.
pub(crate) fn find(func: LLVMValueRef, memory_free: &MemoryFreeFunctions) -> Vec<LLVMValueRef> {
    let mut out = Vec::new();
    let mut private = PrivateAllocas::default();
    for bb in iter::blocks(func) {
        for r in iter::instructions(bb) {
            let Some(mutable) = transient_kind(r) else {
                continue;
            };
            // SAFETY: a well-shaped retag call has the pointer as operand 0.
            if from_integer(unsafe { LLVMGetOperand(r, 0) }) {
                continue;
            }
            let Some(uses) = block_local_uses(r, mutable, &mut private) else {
                continue;
            };
            if !interferes(r, &uses, mutable, memory_free, &mut private) {
                out.push(r);
            }
        }
    }
    out
}

/// `Some(mutable)` if `r` is an unprotected register retag of a shape this module
/// handles: a `&mut`/`Box`, or a `&T` with `T: Freeze`, without ranges.
fn transient_kind(r: LLVMValueRef) -> Option<bool> {
    if retag_kind(r) != Some(RetagKind::Reg) || shape_error(r, RetagKind::Reg).is_some() {
        return None;
    }
    // SAFETY: a well-shaped retag call has 5 arguments.
    unsafe {
        let fl = LLVMGetOperand(r, 2);
        if LLVMIsAConstantInt(fl).is_null()
            || !is_no_ranges(LLVMGetOperand(r, 3))
            || !is_no_ranges(LLVMGetOperand(r, 4))
            || !crate::classify::is_ptr(LLVMTypeOf(r))
        {
            return None;
        }
        let fl = LLVMConstIntGetZExtValue(fl);
        if fl & PROTECTED as u64 != 0 {
            return None;
        }
        if fl & MUTABLE as u64 != 0 {
            Some(true)
        } else if fl & FREEZE as u64 != 0 {
            Some(false)
        } else {
            None
        }
    }
}

/// Whether `p` is visibly cast from an integer (wildcard provenance, model §7). A retag of
/// a wildcard pointer is the root of a wildcard subtree, whose accesses are foreign to
/// every other node; its parent's would be wildcard accesses instead, which check the
/// exposed tags again, so the two are not interchangeable.
fn from_integer(mut p: LLVMValueRef) -> bool {
    // SAFETY: live LLVM handles of this module; the operand indices are those of each
    // opcode.
    unsafe {
        loop {
            if !LLVMIsAIntToPtrInst(p).is_null() {
                return true;
            }
            if !LLVMIsAConstantExpr(p).is_null() {
                return LLVMGetConstOpcode(p) == LLVMOpcode::LLVMIntToPtr;
            }
            if LLVMIsAInstruction(p).is_null() {
                return false;
            }
            match LLVMGetInstructionOpcode(p) {
                LLVMOpcode::LLVMGetElementPtr
                | LLVMOpcode::LLVMBitCast
                | LLVMOpcode::LLVMAddrSpaceCast
                | LLVMOpcode::LLVMFreeze => p = LLVMGetOperand(p, 0),
                _ => return false,
            }
        }
    }
}

/// The instructions through which `r` is used, if every use is one the module docs allow
/// and lies in `r`'s block.
fn block_local_uses(
    r: LLVMValueRef,
    mutable: bool,
    private: &mut PrivateAllocas,
) -> Option<HashSet<LLVMValueRef>> {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    let block = unsafe { LLVMGetInstructionParent(r) };
    let mut uses = HashSet::new();
    let mut work = vec![r];
    let mut seen = HashSet::from([r]);
    while let Some(v) = work.pop() {
        for u in iter::users(v) {
            // SAFETY: live LLVM handles of this module (the bsan-ir contract); `u` is an
            // instruction when its parent is asked for.
            let in_block =
                unsafe { !LLVMIsAInstruction(u).is_null() && LLVMGetInstructionParent(u) == block };
            if !in_block {
                return None;
            }
            use LLVMOpcode::*;
            // SAFETY: live LLVM handles of this module; the operand indices are those of
            // each opcode.
            unsafe {
                match LLVMGetInstructionOpcode(u) {
                    LLVMLoad if LLVMIsAtomic(u) == 0 => {}
                    LLVMStore if LLVMIsAtomic(u) != 0 => return None,
                    LLVMStore if LLVMGetOperand(u, 0) == v => {
                        let slot = LLVMGetOperand(u, 1);
                        if slot == v || !is_write_only_slot(slot) {
                            return None;
                        }
                    }
                    LLVMStore if !mutable => return None,
                    LLVMStore => {}
                    LLVMICmp => {}
                    LLVMGetElementPtr | LLVMBitCast | LLVMAddrSpaceCast | LLVMFreeze => {
                        if LLVMGetOperand(u, 0) != v
                            || (1..LLVMGetNumOperands(u) as u32).any(|i| LLVMGetOperand(u, i) == v)
                            || !crate::classify::is_ptr(LLVMTypeOf(u))
                        {
                            return None;
                        }
                        if seen.insert(u) {
                            work.push(u);
                        }
                        continue; // not an access itself
                    }
                    LLVMCall => {
                        let name = intrinsic_name(u)?;
                        if crate::classify::is_annotation_intrinsic(&name) {
                        } else if let Some(op) = crate::classify::mem_intrinsic(&name) {
                            let (dst, src) = (LLVMGetOperand(u, 0), LLVMGetOperand(u, 1));
                            let n = LLVMGetNumArgOperands(u);
                            if (2..n).any(|i| LLVMGetOperand(u, i) == v) {
                                return None;
                            }
                            let ok = if op == crate::classify::MemOp::Copy && src == v {
                                dst != v && private.contains(dst)
                            } else {
                                mutable
                                    && dst == v
                                    && (op != crate::classify::MemOp::Copy
                                        || (src != v && private.contains(src)))
                            };
                            if !ok {
                                return None;
                            }
                        } else {
                            return None;
                        }
                    }
                    _ => return None,
                }
            }
            uses.insert(u);
        }
    }
    Some(uses)
}

/// Whether anything between `r` and its last use in `uses` (all in `r`'s block) may change
/// `r`'s state (module docs). With no use at all, nothing can.
fn interferes(
    r: LLVMValueRef,
    uses: &HashSet<LLVMValueRef>,
    mutable: bool,
    memory_free: &MemoryFreeFunctions,
    private: &mut PrivateAllocas,
) -> bool {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    let block = unsafe { LLVMGetInstructionParent(r) };
    let window: Vec<LLVMValueRef> = iter::instructions(block)
        .skip_while(|&i| i != r)
        .skip(1)
        .collect();
    let Some(last) = window.iter().rposition(|i| uses.contains(i)) else {
        return false;
    };
    for &i in &window[..last] {
        if uses.contains(&i) {
            continue;
        }
        use LLVMOpcode::*;
        // SAFETY: live LLVM handles of this module; the operand indices are those of each
        // opcode.
        let harmless = unsafe {
            match LLVMGetInstructionOpcode(i) {
                LLVMLoad | LLVMStore if LLVMIsAtomic(i) != 0 => false,
                LLVMLoad => !mutable || private.contains(LLVMGetOperand(i, 0)),
                LLVMStore => private.contains(LLVMGetOperand(i, 1)),
                LLVMAtomicRMW | LLVMAtomicCmpXchg | LLVMFence | LLVMVAArg | LLVMInvoke
                | LLVMCallBr => false,
                LLVMCall => call_is_harmless(i, mutable, memory_free, private),
                _ => true,
            }
        };
        if !harmless {
            return true;
        }
    }
    false
}

/// A call between a transient retag and its last use that cannot change the new tag's
/// state (module docs).
fn call_is_harmless(
    call: LLVMValueRef,
    mutable: bool,
    memory_free: &MemoryFreeFunctions,
    private: &mut PrivateAllocas,
) -> bool {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe {
        if !LLVMIsAInlineAsm(LLVMGetCalledValue(call)).is_null() {
            return false;
        }
        if let Some(kind) = retag_kind(call) {
            // A register retag only reads (its implicit access); a memory retag also
            // stores the new pointer into its place.
            return !mutable && kind == RetagKind::Reg;
        }
        if let Some(name) = intrinsic_name(call) {
            if let Some(op) = crate::classify::mem_intrinsic(&name) {
                let dst_ok = private.contains(LLVMGetOperand(call, 0));
                let src_ok = op != crate::classify::MemOp::Copy
                    || !mutable
                    || private.contains(LLVMGetOperand(call, 1));
                return dst_ok && src_ok;
            }
            return is_memory_free_intrinsic(&name);
        }
        memory_free.contains(strip_constant_offsets(LLVMGetCalledValue(call)))
    }
}

/// Whether a pointer can only point into the function's *private* allocas (allocas that do
/// not escape, `elide.rs`), memoized per alloca.
#[derive(Default)]
struct PrivateAllocas {
    escapes: std::collections::HashMap<LLVMValueRef, bool>,
}

impl PrivateAllocas {
    fn contains(&mut self, addr: LLVMValueRef) -> bool {
        let mut work = vec![addr];
        let mut seen = HashSet::from([addr]);
        while let Some(v) = work.pop() {
            // SAFETY: live LLVM handles of this module; the operand indices are those of
            // each opcode.
            unsafe {
                if LLVMIsAInstruction(v).is_null() {
                    return false;
                }
                use LLVMOpcode::*;
                let next: Vec<LLVMValueRef> = match LLVMGetInstructionOpcode(v) {
                    LLVMAlloca => {
                        let escapes = *self
                            .escapes
                            .entry(v)
                            .or_insert_with(|| crate::elide::alloca_escapes(v));
                        if escapes {
                            return false;
                        }
                        vec![]
                    }
                    LLVMGetElementPtr | LLVMBitCast | LLVMAddrSpaceCast | LLVMFreeze => {
                        vec![LLVMGetOperand(v, 0)]
                    }
                    LLVMSelect => vec![LLVMGetOperand(v, 1), LLVMGetOperand(v, 2)],
                    LLVMPHI => (0..LLVMCountIncoming(v))
                        .map(|k| LLVMGetIncomingValue(v, k))
                        .collect(),
                    _ => return false,
                };
                for n in next {
                    if seen.insert(n) {
                        work.push(n);
                    }
                }
            }
        }
        true
    }
}
