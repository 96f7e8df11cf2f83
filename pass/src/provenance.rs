//! SSA shadow propagation: every pointer-typed SSA value gets a shadow pair of `i64`
//! values `(alloc, tag)`; a first-class aggregate gets one pair per *pointer leaf*.
//!
//! Owns: the leaf layout of types ([`compute_leaves`]), the shadow of constants (null,
//! globals), of arguments (read from the TLS slots in the prologue), and the propagation
//! rules through GEP/casts/freeze, phi, select, extractvalue/insertvalue. Does not know about
//! memory: loads and stores of shadows are `access.rs`, calls and returns are `calls.rs`.

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;

use crate::cx::FnCx;
use crate::hooks::TlsSlot;
use crate::shadow::{Leaf, Prov, Shadow};

impl FnCx<'_> {
    pub(crate) fn leaves_of_value(&mut self, v: LLVMValueRef) -> std::rc::Rc<[Leaf]> {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let ty = unsafe { LLVMTypeOf(v) };
        self.m.leaves(ty)
    }

    /// The shadow of `v`. Never emits code through `b`; may emit loads at the prologue.
    pub(crate) fn shadow_of(&mut self, v: LLVMValueRef) -> Shadow {
        if let Some(s) = self.shadow.get(&v) {
            return s.clone();
        }
        let leaves = self.leaves_of_value(v);
        if leaves.is_empty() {
            return Vec::new();
        }
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        if unsafe { LLVMIsAConstant(v) }.is_null() {
            // An instruction not visited (unreachable code) or one whose result is
            // untracked by rule (inttoptr, landingpad, ...).
            return vec![self.m.untracked(); leaves.len()];
        }
        leaves
            .iter()
            .map(|leaf| {
                let mut c = v;
                for &i in &leaf.path {
                    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
                    c = unsafe { LLVMGetAggregateElement(c, i) };
                    if c.is_null() {
                        return self.m.untracked();
                    }
                }
                self.const_pointer_prov(c)
            })
            .collect()
    }

    /// The shadow of a single pointer value.
    pub(crate) fn prov_of(&mut self, v: LLVMValueRef) -> Prov {
        self.shadow_of(v)
            .first()
            .copied()
            .unwrap_or(self.m.untracked())
    }

    /// Constant pointers: a defined global (through constant GEPs and casts) has its root
    /// provenance `(slot, 0)`; everything else (null, functions, inttoptr) is untracked.
    fn const_pointer_prov(&mut self, c: LLVMValueRef) -> Prov {
        let base = crate::classify::strip_constant_offsets(c);
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        if unsafe { LLVMIsAGlobalVariable(base) }.is_null()
            || !crate::classify::trackable(self.m.td, base)
        {
            return self.m.untracked();
        }
        if let Some(&alloc) = self.global_prov.get(&base) {
            return Prov {
                alloc,
                tag: self.m.zero,
            };
        }
        let slot = self.m.globals.slot(self.m.module, self.m.rt.ty.i64, base);
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let alloc = unsafe { LLVMBuildLoad2(self.pb, self.m.rt.ty.i64, slot, c"".as_ptr()) };
        self.global_prov.insert(base, alloc);
        Prov {
            alloc,
            tag: self.m.zero,
        }
    }

    /// GEP, bitcast, addrspacecast, freeze, ptrmask...: the result has operand `i`'s shadow.
    pub(crate) fn forward_operand(&mut self, inst: LLVMValueRef, i: u32) {
        if self.leaves_of_value(inst).is_empty() {
            return;
        }
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let op = unsafe { LLVMGetOperand(inst, i) };
        let s = self.shadow_of(op);
        if s.len() == self.leaves_of_value(inst).len() {
            self.shadow.insert(inst, s);
        }
    }

    /// Phis get shadow phis now and their incomings in [`FnCx::fill_phis`], once every
    /// incoming value has a shadow.
    pub(crate) fn visit_phi(&mut self, inst: LLVMValueRef) {
        let n = self.leaves_of_value(inst).len();
        if n == 0 {
            return;
        }
        self.at(inst);
        let i64 = self.m.rt.ty.i64;
        let phis: Shadow = (0..n)
            // SAFETY: live LLVM handles of this module (the bsan-ir contract).
            .map(|_| unsafe {
                Prov {
                    alloc: LLVMBuildPhi(self.b, i64, c"".as_ptr()),
                    tag: LLVMBuildPhi(self.b, i64, c"".as_ptr()),
                }
            })
            .collect();
        self.shadow.insert(inst, phis.clone());
        self.pending_phis.push((inst, phis));
    }

    pub(crate) fn fill_phis(&mut self) {
        let pending = std::mem::take(&mut self.pending_phis);
        for (phi, shadow_phis) in pending {
            // SAFETY: live LLVM handles of this module (the bsan-ir contract).
            let count = unsafe { LLVMCountIncoming(phi) };
            for i in 0..count {
                let (v, mut bb) =
                    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
                    unsafe { (LLVMGetIncomingValue(phi, i), LLVMGetIncomingBlock(phi, i)) };
                let s = self.shadow_of(v);
                for (sp, p) in shadow_phis.iter().zip(s) {
                    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
                    unsafe {
                        let mut a = p.alloc;
                        LLVMAddIncoming(sp.alloc, &mut a, &mut bb, 1);
                        let mut t = p.tag;
                        LLVMAddIncoming(sp.tag, &mut t, &mut bb, 1);
                    }
                }
            }
        }
    }

    pub(crate) fn visit_select(&mut self, inst: LLVMValueRef) {
        if self.leaves_of_value(inst).is_empty() {
            return;
        }
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let (cond, t, f) = unsafe {
            (
                LLVMGetOperand(inst, 0),
                LLVMGetOperand(inst, 1),
                LLVMGetOperand(inst, 2),
            )
        };
        let (st, sf) = (self.shadow_of(t), self.shadow_of(f));
        self.at(inst);
        let s = st
            .into_iter()
            .zip(sf)
            .map(|(a, b)| {
                if a == b {
                    a
                } else {
                    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
                    unsafe {
                        Prov {
                            alloc: LLVMBuildSelect(self.b, cond, a.alloc, b.alloc, c"".as_ptr()),
                            tag: LLVMBuildSelect(self.b, cond, a.tag, b.tag, c"".as_ptr()),
                        }
                    }
                }
            })
            .collect();
        self.shadow.insert(inst, s);
    }

    pub(crate) fn visit_extractvalue(&mut self, inst: LLVMValueRef) {
        if self.leaves_of_value(inst).is_empty() {
            return;
        }
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let agg = unsafe { LLVMGetOperand(inst, 0) };
        let idx = indices(inst);
        let leaves = self.leaves_of_value(agg);
        let s = self.shadow_of(agg);
        let out: Shadow = leaves
            .iter()
            .zip(s)
            .filter(|(l, _)| l.path.starts_with(&idx))
            .map(|(_, p)| p)
            .collect();
        if out.len() == self.leaves_of_value(inst).len() {
            self.shadow.insert(inst, out);
        }
    }

    pub(crate) fn visit_insertvalue(&mut self, inst: LLVMValueRef) {
        let leaves = self.leaves_of_value(inst);
        if leaves.is_empty() {
            return;
        }
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let (agg, val) = unsafe { (LLVMGetOperand(inst, 0), LLVMGetOperand(inst, 1)) };
        let idx = indices(inst);
        let mut inserted = self.shadow_of(val).into_iter();
        let s = self.shadow_of(agg);
        let out: Shadow = leaves
            .iter()
            .zip(s)
            .map(|(l, p)| {
                if l.path.starts_with(&idx) {
                    inserted.next().unwrap_or(self.m.untracked())
                } else {
                    p
                }
            })
            .collect();
        self.shadow.insert(inst, out);
    }

    /// Argument shadows, read in the prologue: trusted only if `__bsan_arg_callee` is this
    /// function (its caller was instrumented and called it, not something else), which is
    /// then cleared. The
    /// variadic part of a call has no slots: `va_arg` results are untracked.
    pub(crate) fn setup_arguments(&mut self) {
        let params: Vec<LLVMValueRef> = bsan_ir::iter::params(self.func).collect();
        let total: usize = params.iter().map(|&p| self.leaves_of_value(p).len()).sum();
        if total == 0 {
            return;
        }
        let ty = self.m.rt.ty;
        let callee_slot = self.tls(TlsSlot::ArgCallee);
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let ok = unsafe {
            let callee = LLVMBuildLoad2(self.pb, ty.ptr, callee_slot, c"".as_ptr());
            let ok = LLVMBuildICmp(
                self.pb,
                inkwell::llvm_sys::LLVMIntPredicate::LLVMIntEQ,
                callee,
                self.func,
                c"bsan.args.ok".as_ptr(),
            );
            // Consumed: the slots describe one call. Without this, a recursive call of this
            // function leaves `__bsan_arg_callee == F` behind, and an uninstrumented caller
            // (ignored code, a C library) calling F next would hand F the recursion's stale
            // shadows for its own, different arguments.
            LLVMBuildStore(self.pb, LLVMConstPointerNull(ty.ptr), callee_slot);
            ok
        };
        let mut leaf = 0usize;
        for p in params {
            let n = self.leaves_of_value(p).len();
            let mut s = Shadow::with_capacity(n);
            for _ in 0..n {
                if leaf < bsan_abi::tls::MAX_ARG_PROVS {
                    let prov = self.load_guarded_prov(self.pb, TlsSlot::ArgProv, leaf, ok);
                    s.push(prov);
                } else {
                    s.push(self.m.untracked());
                }
                leaf += 1;
            }
            self.shadow.insert(p, s);
        }
    }
}

/// The `extractvalue`/`insertvalue` index path of `inst`.
fn indices(inst: LLVMValueRef) -> Vec<u32> {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe {
        let n = LLVMGetNumIndices(inst) as usize;
        std::slice::from_raw_parts(LLVMGetIndices(inst), n).to_vec()
    }
}
