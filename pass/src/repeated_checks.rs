//! Access checks an earlier identical check makes redundant: `-O0` code reads and writes the
//! same fields through the same reference again and again (SipHash's rounds touch `v0`..`v3`
//! of `&mut State` 28 times per round), and each check costs a call, the allocation's lock
//! and a tree lookup, for an access the tree already allowed and that can change nothing.
//!
//! # What is skipped
//!
//! Within one basic block, a non-atomic load (store) whose address is `base + c` is not
//! checked if the latest earlier access in the block with the same *canonical base*, the
//! same constant offset `c` and the same size was a load (store) too, or was a store and
//! this is a load, no access of the other kind to any of those bytes through the same base
//! came since, and nothing in between *interferes*. The canonical base of an address strips constant GEPs and casts
//! ([`bsan_ir::glue::strip_offsets`]) and sees through reloads of a pointer slot stored to
//! exactly once, in the entry block, before the reload (the `-O0` spill of a parameter):
//! every such reload has the stored value and its provenance.
//!
//! A store makes a later load of its bytes through the same pointer redundant as well
//! (`v1 ^= v0` right after `v0 = v0.wrapping_add(v1)`: SipHash's rounds read back each field
//! they just wrote); see *A read after a write* below.
//!
//! Interfering, between the two: an atomic access or fence; a call, except to a
//! memory-free function or intrinsic ([`crate::leaf_retags::MemoryFreeFunctions`]), which
//! touches no memory a pointer reaches; a write to memory other than a private alloca
//! (`elide.rs`) through another canonical base (and, for two writes, any read through
//! another base, and any retag, whose implicit access is a read).
//!
//! # Why nothing is missed (model §2, §7)
//!
//! Both accesses are made through the same pointer value with the same provenance, to the
//! same bytes, with the same kind, and no access of the other kind to those bytes through
//! that pointer lies in between (one could change which exposed tags allow the kind, for
//! a wildcard). After the first succeeded, every node's state at those
//! bytes is what that access left; the second repeats it and finds the same relatedness
//! for every node (for a concrete tag, the same tag; for a wildcard, the same counts of
//! exposed nodes allowing that kind, which an access of that kind never lowers: local
//! nodes keep their permission for it, and the foreign ones it changes did not allow it),
//! and Tree Borrows transitions are idempotent: it succeeds and changes nothing. What could
//! make it fail or act is a change in between to a state at those bytes, which only an
//! access to them through another tag, a retag's implicit read, a protector's release or
//! a deallocation can make:
//!
//! * through the same base, an access to other bytes changes nothing at these (states,
//!   and counts of exposed tags, are per byte);
//! * a read through another tag lowers nothing a read needs (a foreign read freezes an
//!   Active tag, which still reads, and conflicts a Reserved one, which still reads), so
//!   only a repeated *write* is exposed to reads and retags in between;
//! * protector releases and deallocations happen in calls (`__bsan_func_exit` of a callee,
//!   `free`, `__bsan_dealloc`), and no call but a memory-free one lies in between;
//! * another thread's access to those bytes in between, unsynchronized (nothing in between
//!   synchronizes), races with this thread's two accesses, one of which is a write unless
//!   both are reads and then so is the other thread's, which changes nothing a read needs:
//!   a data race, undefined behaviour of its own that Tree Borrows does not judge.
//!
//! # A read after a write
//!
//! Nothing interferes with a store's entry but accesses through the same base (a read
//! through another base ends it, as it ends any write's repeats). After the write `W`
//! through a concrete tag `t` succeeded, `t` and its ancestors are Active at those bytes
//! (or Cell), where a local read changes nothing; every other node took a foreign write:
//! it is Disabled, Cell or an unprotected interior-mutable Reserved (a protected Reserved
//! is Disabled, a protected accessed one made `W` fail), where a foreign read changes
//! nothing and reports nothing. So the read `R` is a no-op that succeeds. For a wildcard
//! (§7): every exposed node that allowed `W` still allows writes, hence reads; a node that
//! was foreign to `W` (no write-allowing exposed node below it) cannot be local to `R` (a
//! read-allowing exposed node outside it remains: the one `W` used), a node `W` could not
//! decide (some but not all write-allowing exposed nodes below it) cannot be decided by `R`
//! either (those outside still allow reads, those inside too), and a node local to `W` is
//! Active. Every transition `R` makes is therefore a no-op, and `R` finds a candidate.
//!
//! Owns: the classification ([`find`]). Does not emit code.

use std::collections::{HashMap, HashSet};

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::target::{LLVMStoreSizeOfType, LLVMTargetDataRef};
use inkwell::llvm_sys::LLVMOpcode;

use bsan_ir::iter;

use crate::classify::{retag_kind, strip_constant_offsets};
use crate::leaf_retags::{intrinsic_name, is_memory_free_intrinsic, MemoryFreeFunctions};

/// The loads and stores of `func` whose checks are redundant (module docs).
pub(crate) fn find(
    func: LLVMValueRef,
    module: LLVMModuleRef,
    td: LLVMTargetDataRef,
    memory_free: &MemoryFreeFunctions,
) -> HashSet<LLVMValueRef> {
    let mut cx = Canon {
        module,
        slots: HashMap::new(),
        private: HashMap::new(),
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        entry: unsafe { LLVMGetEntryBasicBlock(func) },
    };
    let mut out = HashSet::new();
    for bb in iter::blocks(func) {
        // Checked (canonical base, offset, size) -> whether it was a write.
        let mut seen: HashMap<(LLVMValueRef, i64, u64), bool> = HashMap::new();
        for i in iter::instructions(bb) {
            use LLVMOpcode::*;
            // SAFETY: live LLVM handles of this module; the operand indices are those of
            // each opcode.
            unsafe {
                let op = LLVMGetInstructionOpcode(i);
                let access = match op {
                    LLVMLoad | LLVMStore if LLVMIsAtomic(i) != 0 || LLVMGetVolatile(i) != 0 => {
                        seen.clear();
                        continue;
                    }
                    LLVMLoad => Some((LLVMGetOperand(i, 0), LLVMTypeOf(i), false)),
                    LLVMStore => {
                        Some((LLVMGetOperand(i, 1), LLVMTypeOf(LLVMGetOperand(i, 0)), true))
                    }
                    _ => None,
                };
                if let Some((addr, ty, write)) = access {
                    if LLVMGetTypeKind(ty)
                        == inkwell::llvm_sys::LLVMTypeKind::LLVMScalableVectorTypeKind
                    {
                        seen.clear();
                        continue;
                    }
                    let (base, offset) = cx.canonical(addr);
                    if cx.is_private(base) {
                        continue;
                    }
                    let size = LLVMStoreSizeOfType(td, ty);
                    let key = (base, offset, size);
                    // A repeat, or a read of what was just written (module docs).
                    if seen.get(&key).is_some_and(|&w| w || !write) {
                        out.insert(i);
                        continue;
                    }
                    // Another base: what it may change (module docs). The same base at
                    // other bytes changes nothing a repeat needs; at overlapping bytes, an
                    // access of the other kind ends the repeats of the entry.
                    let other_base = |k: &(LLVMValueRef, i64, u64)| k.0 != base;
                    let overlaps = |k: &(LLVMValueRef, i64, u64)| {
                        k.1 < offset.saturating_add(size as i64)
                            && offset < k.1.saturating_add(k.2 as i64)
                    };
                    if write {
                        // Everything of another base ends; this base's reads of these bytes too.
                        seen.retain(|k, w| !other_base(k) && (*w || !overlaps(k)));
                    } else {
                        // Writes end their repeats: another base's, and this base's over these bytes.
                        seen.retain(|k, w| !*w || !(other_base(k) || overlaps(k)));
                    }
                    seen.insert(key, write);
                    continue;
                }
                match op {
                    LLVMCall | LLVMInvoke => {
                        if !LLVMIsAInlineAsm(LLVMGetCalledValue(i)).is_null() {
                            seen.clear();
                        } else if retag_kind(i).is_some() {
                            // A retag's implicit read; a memory retag also stores.
                            if retag_kind(i) == Some(crate::classify::RetagKind::Reg) {
                                seen.retain(|_, w| !*w);
                            } else {
                                seen.clear();
                            }
                        } else if let Some(name) = intrinsic_name(i) {
                            if crate::classify::mem_intrinsic(&name).is_some() {
                                let dst = LLVMGetOperand(i, 0);
                                let (dbase, _) = cx.canonical(dst);
                                if !cx.is_private(dbase) {
                                    seen.clear();
                                } else {
                                    // The source is read: only writes are exposed.
                                    seen.retain(|_, w| !*w);
                                }
                            } else if !is_memory_free_intrinsic(&name) {
                                seen.clear();
                            }
                        } else if !memory_free
                            .contains(strip_constant_offsets(LLVMGetCalledValue(i)))
                        {
                            seen.clear();
                        }
                    }
                    LLVMAtomicRMW | LLVMAtomicCmpXchg | LLVMFence | LLVMVAArg | LLVMCallBr => {
                        seen.clear()
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

/// Canonical bases of addresses, and which allocas are private.
struct Canon {
    module: LLVMModuleRef,
    entry: LLVMBasicBlockRef,
    /// Slot -> the one value stored to it in the entry block, if it is such a slot.
    slots: HashMap<LLVMValueRef, Option<(LLVMValueRef, LLVMValueRef)>>,
    private: HashMap<LLVMValueRef, bool>,
}

impl Canon {
    /// `addr` as (canonical base, constant offset).
    fn canonical(&mut self, addr: LLVMValueRef) -> (LLVMValueRef, i64) {
        let (mut base, mut offset) = bsan_ir::glue::strip_offsets(addr, self.module);
        // A bounded walk: each step moves to a value stored into a slot.
        for _ in 0..8 {
            // SAFETY: live LLVM handles of this module (the bsan-ir contract).
            let slot = unsafe {
                if LLVMIsALoadInst(base).is_null() || LLVMIsAtomic(base) != 0 {
                    break;
                }
                LLVMGetOperand(base, 0)
            };
            let Some((store, value)) = self.single_store(slot) else {
                break;
            };
            if !self.before(store, base) {
                break;
            }
            let (b, o) = bsan_ir::glue::strip_offsets(value, self.module);
            base = b;
            offset = offset.wrapping_add(o);
        }
        (base, offset)
    }

    /// If `slot` is an alloca only loaded from, described to the debugger, and stored to
    /// exactly once, in the entry block, with a value that is not loaded from it: that
    /// store and its value.
    fn single_store(&mut self, slot: LLVMValueRef) -> Option<(LLVMValueRef, LLVMValueRef)> {
        if let Some(&s) = self.slots.get(&slot) {
            return s;
        }
        let s = (|| {
            if !crate::leaf_retags::is_slot(slot) {
                return None;
            }
            let mut stores = iter::users(slot).filter(|&u| {
                // SAFETY: live LLVM handles of this module (the bsan-ir contract).
                unsafe { LLVMGetInstructionOpcode(u) == LLVMOpcode::LLVMStore }
            });
            let store = stores.next()?;
            if stores.next().is_some() {
                return None;
            }
            // SAFETY: live LLVM handles of this module; a store's operands are (value,
            // address).
            unsafe {
                if LLVMGetInstructionParent(store) != self.entry || LLVMIsAtomic(store) != 0 {
                    return None;
                }
                Some((store, LLVMGetOperand(store, 0)))
            }
        })();
        self.slots.insert(slot, s);
        s
    }

    /// Whether the entry-block `store` comes before the reload `load` on every path: it is
    /// earlier in the entry block, or `load` is in another block (which the entry block
    /// dominates).
    fn before(&self, store: LLVMValueRef, load: LLVMValueRef) -> bool {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let lb = unsafe { LLVMGetInstructionParent(load) };
        if lb != self.entry {
            return true; // the entry block dominates every other block
        }
        iter::instructions(self.entry)
            .take_while(|&i| i != load)
            .any(|i| i == store)
    }

    /// Whether `base` is an alloca that does not escape (never checked).
    fn is_private(&mut self, base: LLVMValueRef) -> bool {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        if unsafe { LLVMIsAAllocaInst(base) }.is_null() {
            return false;
        }
        *self
            .private
            .entry(base)
            .or_insert_with(|| !crate::elide::alloca_escapes(base))
    }
}
