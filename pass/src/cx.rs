//! The context types of instrumentation: [`ModuleCx`] (per module: the runtime's
//! declarations, the data layout, the provenance slots of globals, counters, errors) and
//! [`FnCx`] (per function: the shadow map, the two builders, the prologue, the function's
//! stack and frame state), with the builder helpers every stage uses.
//!
//! Stage modules add `impl FnCx` blocks with their visitors; they import this module, the
//! classification ([`crate::classify`]) and the shadow types ([`crate::shadow`]), never
//! each other.
//!
//! Builders: `b` is positioned per instruction (always through [`FnCx::at`] or
//! [`FnCx::after`], which also set the debug location); `pb` stays before the first
//! non-alloca instruction of the entry block, the *prologue point*, where everything that
//! must dominate the whole function goes (argument shadows, TLS addresses, global
//! provenance loads, stack registrations, `__bsan_func_entry`). Shadow lookups only ever
//! emit through `pb`, so computing a shadow never disturbs `b`.

use std::collections::{HashMap, HashSet};
use std::ffi::CString;
use std::rc::Rc;

use bsan_ir::attrs;
use bsan_ir::call::build_call;
use bsan_ir::value::value_name;
use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::debuginfo::LLVMInstructionGetDebugLoc;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::target::{LLVMGetModuleDataLayout, LLVMTargetDataRef};
use inkwell::llvm_sys::LLVMLinkage;

use crate::elide::LocalSlots;
use crate::hooks::{Runtime, TlsSlot};
use crate::shadow::{compute_leaves, Leaf, Prov, Shadow};
use crate::stats::Stats;

/// Prefix of the provenance slot of a global (`@__bsan_prov.G`).
const SLOT_PREFIX: &str = "__bsan_prov.";

/// Marks a function as instrumented (string attribute), so no pipeline does it twice.
pub(crate) const INSTRUMENTED_ATTR: &str = "bsan-instrumented";

/// Marks `f` as instrumented (or deliberately left alone): no later run touches it.
pub(crate) fn mark_instrumented(f: LLVMValueRef) {
    attrs::set_fn_string(f, INSTRUMENTED_ATTR, "");
}

/// Whether `f` was marked by [`mark_instrumented`].
pub(crate) fn is_marked_instrumented(f: LLVMValueRef) -> bool {
    attrs::has_fn_string(f, INSTRUMENTED_ATTR)
}

/// Per-module state shared by all functions.
pub(crate) struct ModuleCx {
    pub module: LLVMModuleRef,
    pub ctx: LLVMContextRef,
    pub td: LLVMTargetDataRef,
    pub rt: Runtime,
    pub stats: Stats,
    /// `i64 0`: half of the untracked provenance. Constants are uniqued, so pointer
    /// equality with this value means "statically untracked".
    pub zero: LLVMValueRef,
    pub globals: GlobalSlots,
    leaves: HashMap<LLVMTypeRef, Rc<[Leaf]>>,
    /// Internal helpers the pass generated (never instrumented).
    pub helpers: HashMap<&'static str, LLVMValueRef>,
    /// Pass errors (malformed input IR), reported after instrumentation.
    pub errors: Vec<String>,
    /// The `!bsan.synthesized` metadata kind of synthesized retag calls.
    pub synth_md_kind: u32,
    /// [`bsan_abi::retag_source`] bits of the retag calls lowered so far.
    pub retag_source: u32,
    /// The protected retags each function elides (`leaf_retags.rs`,
    /// `forwarded_retags.rs`), planned for the whole module before instrumenting; a
    /// function's entry is taken when it is instrumented.
    pub elided_retags: HashMap<LLVMValueRef, crate::leaf_retags::LeafRetags>,
    /// Whether access checks get the inline fast path (`fast_path.rs`).
    pub fast_path: bool,
    /// Per function, its retags whose tags die with it (`captures.rs`), taken when it is
    /// instrumented.
    pub no_escape: HashMap<LLVMValueRef, HashSet<LLVMValueRef>>,
    /// Per function, its retags of a fresh-returning call's result (`captures.rs`), taken
    /// when it is instrumented.
    pub parent_dies: HashMap<LLVMValueRef, HashSet<LLVMValueRef>>,
    /// Per function, its protected retags whose tags die at its exit unless returned
    /// (`captures.rs`), taken when it is instrumented.
    pub dies_unless_returned: HashMap<LLVMValueRef, HashSet<LLVMValueRef>>,
    /// Per function, its unprotected `NO_ESCAPE` retags whose tags die when the same retag
    /// runs again (`captures.rs`), taken when it is instrumented.
    pub dies_on_repeat: HashMap<LLVMValueRef, HashSet<LLVMValueRef>>,
    /// The module's memory-free functions (`leaf_retags.rs`), when static elisions are on.
    pub memory_free: Option<crate::leaf_retags::MemoryFreeFunctions>,
}

impl ModuleCx {
    pub(crate) fn new(module: LLVMModuleRef) -> ModuleCx {
        let rt = Runtime::new(module);
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            ModuleCx {
                module,
                ctx: LLVMGetModuleContext(module),
                td: LLVMGetModuleDataLayout(module),
                zero: LLVMConstInt(rt.ty.i64, 0, 0),
                rt,
                stats: Stats::default(),
                globals: GlobalSlots::default(),
                leaves: HashMap::new(),
                helpers: HashMap::new(),
                errors: Vec::new(),
                synth_md_kind: bsan_synthesize::emit::synth_md_kind(LLVMGetModuleContext(module)),
                retag_source: 0,
                elided_retags: HashMap::new(),
                fast_path: true,
                no_escape: HashMap::new(),
                parent_dies: HashMap::new(),
                dies_unless_returned: HashMap::new(),
                dies_on_repeat: HashMap::new(),
                memory_free: None,
            }
        }
    }

    /// The pointer leaves of `ty` (cached).
    pub(crate) fn leaves(&mut self, ty: LLVMTypeRef) -> Rc<[Leaf]> {
        if let Some(l) = self.leaves.get(&ty) {
            return l.clone();
        }
        let l: Rc<[Leaf]> = compute_leaves(self.td, ty).into();
        self.leaves.insert(ty, l.clone());
        l
    }

    /// Record a pass error (reported once the module is done).
    pub(crate) fn error(&mut self, msg: String) {
        self.errors.push(msg);
    }

    pub(crate) fn untracked(&self) -> Prov {
        Prov {
            alloc: self.zero,
            tag: self.zero,
        }
    }

    pub(crate) fn const_i64(&self, v: u64) -> LLVMValueRef {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe { LLVMConstInt(self.rt.ty.i64, v, 0) }
    }

    pub(crate) fn const_i8(&self, v: u8) -> LLVMValueRef {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe { LLVMConstInt(self.rt.ty.i8, v as u64, 0) }
    }

    pub(crate) fn null_ptr(&self) -> LLVMValueRef {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe { LLVMConstPointerNull(self.rt.ty.ptr) }
    }
}

/// The provenance slots of the module's globals (see `globals.rs`), in creation order.
#[derive(Default)]
pub(crate) struct GlobalSlots {
    pub slots: Vec<(LLVMValueRef, LLVMValueRef)>,
    by_global: HashMap<LLVMValueRef, LLVMValueRef>,
}

impl GlobalSlots {
    /// The provenance slot of `g`, created on first use.
    pub(crate) fn slot(
        &mut self,
        module: LLVMModuleRef,
        i64: LLVMTypeRef,
        g: LLVMValueRef,
    ) -> LLVMValueRef {
        if let Some(&s) = self.by_global.get(&g) {
            return s;
        }
        let name = CString::new(format!("{SLOT_PREFIX}{}", value_name(g))).unwrap_or_default();
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let slot = unsafe {
            let s = LLVMAddGlobal(module, i64, name.as_ptr());
            LLVMSetLinkage(s, LLVMLinkage::LLVMInternalLinkage);
            LLVMSetInitializer(s, LLVMConstInt(i64, 0, 0));
            s
        };
        self.slots.push((g, slot));
        self.by_global.insert(g, slot);
        slot
    }
}

/// Per-function state.
pub(crate) struct FnCx<'m> {
    pub m: &'m mut ModuleCx,
    pub func: LLVMValueRef,
    /// Builder for per-instruction code.
    pub b: LLVMBuilderRef,
    /// Builder parked at the prologue point.
    pub pb: LLVMBuilderRef,
    /// The prologue point: first non-alloca instruction of the entry block.
    pub prologue_at: LLVMValueRef,
    /// Where `pb` inserts: a placeholder right before `prologue_at`.
    pub prologue_anchor: LLVMValueRef,
    pub entry: LLVMBasicBlockRef,
    /// Debug location for inserted code when the instrumented instruction has none
    /// (line 0 in the function's subprogram; null without debug info).
    pub fallback_loc: LLVMMetadataRef,
    pub shadow: HashMap<LLVMValueRef, Shadow>,
    pub tls_addr: HashMap<TlsSlot, LLVMValueRef>,
    pub tls_words: HashMap<(TlsSlot, usize), LLVMValueRef>,
    pub global_prov: HashMap<LLVMValueRef, LLVMValueRef>,
    /// Shadow phis to fill once every block is visited: (original phi, its shadow phis).
    pub pending_phis: Vec<(LLVMValueRef, Shadow)>,
    /// Lowered `__rust_retag_reg` calls (replaced by their pointer operand at the end).
    pub lowered_retags: Vec<LLVMValueRef>,
    /// Instructions to erase at the end (lowered `__rust_retag_mem`).
    pub erase: Vec<LLVMValueRef>,
    pub locals: LocalSlots,
    /// Escaping allocas registered with the runtime and their `alloc` word.
    pub stack_allocs: Vec<(LLVMValueRef, LLVMValueRef)>,
    /// Companion shadow allocas `(alloc, tag)` of promoted pointer slots.
    pub companions: HashMap<LLVMValueRef, (LLVMValueRef, LLVMValueRef)>,
    /// The protector frame marker, if the function makes protected retags.
    pub frame: Option<LLVMValueRef>,
    /// The frame is entered only on panic paths, by late retags (`leaf_retags.rs`): its
    /// exit belongs on the unwinding path alone.
    pub frame_on_panic_only: bool,
    /// Protected retags elided by `leaf_retags.rs`.
    pub leaf: crate::leaf_retags::LeafRetags,
    /// The calls that never return, before which the elided retags are made late.
    pub late_retags_at: Vec<LLVMValueRef>,
    /// Retags whose tags die with the function (`captures.rs`): lowered with `NO_ESCAPE`
    /// (an unprotected one is removed at the exit of the innermost frame, see `instrument`).
    pub no_escape: HashSet<LLVMValueRef>,
    /// Retags after which no pointer holds their parent's tag (`captures.rs`): lowered
    /// with `PARENT_DIES`.
    pub parent_dies: HashSet<LLVMValueRef>,
    /// Protected retags whose tags die at the function's exit unless it returns them
    /// (`captures.rs`): lowered with `DIES_UNLESS_RETURNED`.
    pub dies_unless_returned: HashSet<LLVMValueRef>,
    /// Unprotected `NO_ESCAPE` retags whose tags die when the same retag runs again
    /// (`captures.rs`): lowered with `DIES_ON_REPEAT` if the function has its own frame.
    pub dies_on_repeat: HashSet<LLVMValueRef>,
    /// Loads and stores whose check an identical earlier one makes redundant
    /// (`repeated_checks.rs`).
    pub repeated_checks: HashSet<LLVMValueRef>,
    /// Access check calls to give the inline fast path once the body is instrumented
    /// (`fast_path.rs`).
    pub fast_path_calls: Vec<LLVMValueRef>,
}

impl FnCx<'_> {
    // ---- builder helpers -------------------------------------------------------------

    /// The debug location for code inserted for `inst`.
    pub(crate) fn loc_of(&self, inst: LLVMValueRef) -> LLVMMetadataRef {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let loc = unsafe { LLVMInstructionGetDebugLoc(inst) };
        if loc.is_null() {
            self.fallback_loc
        } else {
            loc
        }
    }

    /// Position `b` before `inst`, with `inst`'s debug location.
    pub(crate) fn at(&mut self, inst: LLVMValueRef) {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            LLVMPositionBuilderBefore(self.b, inst);
            LLVMSetCurrentDebugLocation2(self.b, self.loc_of(inst));
        }
    }

    /// Position `b` before `before`, with `inst`'s debug location.
    pub(crate) fn at_for(&mut self, before: LLVMValueRef, inst: LLVMValueRef) {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            LLVMPositionBuilderBefore(self.b, before);
            LLVMSetCurrentDebugLocation2(self.b, self.loc_of(inst));
        }
    }

    /// Position `b` right after the non-terminator `inst`.
    pub(crate) fn after(&mut self, inst: LLVMValueRef) {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let next = unsafe { LLVMGetNextInstruction(inst) };
        self.at_for(next, inst);
    }

    /// Call hook `name` at `b`.
    pub(crate) fn call_hook(
        &mut self,
        name: &'static str,
        args: &mut [LLVMValueRef],
    ) -> LLVMValueRef {
        let c = self.m.rt.hook(name);
        build_call(self.b, c.ty, c.func, args)
    }

    /// Split a returned [`bsan_abi::Prov`] into its words at `b`.
    pub(crate) fn split_prov(&mut self, v: LLVMValueRef) -> Prov {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            Prov {
                alloc: LLVMBuildExtractValue(self.b, v, 0, c"".as_ptr()),
                tag: LLVMBuildExtractValue(self.b, v, 1, c"".as_ptr()),
            }
        }
    }

    /// The address of a TLS slot, computed once in the prologue.
    pub(crate) fn tls(&mut self, slot: TlsSlot) -> LLVMValueRef {
        if let Some(a) = self.tls_addr.get(&slot) {
            return *a;
        }
        let g = self.m.rt.tls_global(slot);
        let c = self.m.rt.threadlocal_address();
        let a = build_call(self.pb, c.ty, c.func, &mut [g]);
        self.tls_addr.insert(slot, a);
        a
    }

    /// Provenance pair `i` of a TLS provenance array, read with `builder` and kept only if
    /// `ok` (the callee-identity check of `bsan_abi::tls`); untracked otherwise.
    pub(crate) fn load_guarded_prov(
        &mut self,
        builder: LLVMBuilderRef,
        slot: TlsSlot,
        i: usize,
        ok: LLVMValueRef,
    ) -> Prov {
        let a = self.tls_word(slot, 2 * i);
        let t = self.tls_word(slot, 2 * i + 1);
        let i64_ty = self.m.rt.ty.i64;
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            let a = LLVMBuildLoad2(builder, i64_ty, a, c"".as_ptr());
            let t = LLVMBuildLoad2(builder, i64_ty, t, c"".as_ptr());
            Prov {
                alloc: LLVMBuildSelect(builder, ok, a, self.m.zero, c"".as_ptr()),
                tag: LLVMBuildSelect(builder, ok, t, self.m.zero, c"".as_ptr()),
            }
        }
    }

    /// Address of word `i` of a TLS provenance array, computed once in the prologue.
    pub(crate) fn tls_word(&mut self, slot: TlsSlot, i: usize) -> LLVMValueRef {
        if let Some(&a) = self.tls_words.get(&(slot, i)) {
            return a;
        }
        let base = self.tls(slot);
        let a = if i == 0 {
            base
        } else {
            let mut idx = [self.m.const_i64(i as u64)];
            // SAFETY: live LLVM handles of this module (the bsan-ir contract).
            unsafe {
                LLVMBuildInBoundsGEP2(
                    self.pb,
                    self.m.rt.ty.i64,
                    base,
                    idx.as_mut_ptr(),
                    1,
                    c"".as_ptr(),
                )
            }
        };
        self.tls_words.insert((slot, i), a);
        a
    }

    /// `addr + offset` (an `i8` GEP) at `b`.
    pub(crate) fn byte_offset(&mut self, addr: LLVMValueRef, offset: u64) -> LLVMValueRef {
        if offset == 0 {
            return addr;
        }
        let mut idx = [self.m.const_i64(offset)];
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            LLVMBuildInBoundsGEP2(
                self.b,
                self.m.rt.ty.i8,
                addr,
                idx.as_mut_ptr(),
                1,
                c"".as_ptr(),
            )
        }
    }

    /// `v` converted to `i64` (zero-extended or truncated) at `b`.
    pub(crate) fn cast_i64(&mut self, v: LLVMValueRef) -> LLVMValueRef {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            if LLVMTypeOf(v) == self.m.rt.ty.i64 {
                return v;
            }
            LLVMBuildIntCast2(self.b, v, self.m.rt.ty.i64, 0, c"".as_ptr())
        }
    }

    /// Store size in bytes of `ty`, or `None` for scalable types.
    pub(crate) fn store_size(&self, ty: LLVMTypeRef) -> Option<u64> {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            if LLVMGetTypeKind(ty) == inkwell::llvm_sys::LLVMTypeKind::LLVMScalableVectorTypeKind {
                return None;
            }
            Some(inkwell::llvm_sys::target::LLVMStoreSizeOfType(
                self.m.td, ty,
            ))
        }
    }

    pub(crate) fn is_untracked(&self, p: Prov) -> bool {
        p.alloc == self.m.zero && p.tag == self.m.zero
    }
}
