//! The driver: visits every instrumentable function once, instruction by instruction, in
//! reverse post-order of its CFG (so a value's shadow exists before any use that it
//! dominates), and dispatches each instruction to the stage module that owns it.
//!
//! Owns: the per-module context ([`ModuleCx`]: declarations, data layout, counters) and the
//! per-function context ([`FnCx`]: the shadow map, the two builders, the prologue). The
//! stage modules add `impl FnCx` blocks with their visitors; this file knows which
//! instruction goes where, and the order of the per-function steps, nothing more.
//!
//! Builders: `b` is positioned per instruction (always through [`FnCx::at`] or
//! [`FnCx::after`], which also set the debug location); `pb` stays before the first
//! non-alloca instruction of the entry block, the *prologue point*, where everything that
//! must dominate the whole function goes (argument shadows, TLS addresses, global
//! provenance loads, stack registrations, `__bsan_func_entry`). Shadow lookups only ever
//! emit through `pb`, so computing a shadow never disturbs `b`.

use std::collections::HashMap;
use std::rc::Rc;

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::debuginfo::{
    LLVMDIBuilderCreateDebugLocation, LLVMGetSubprogram, LLVMInstructionGetDebugLoc,
};
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::target::{LLVMGetModuleDataLayout, LLVMTargetDataRef};
use inkwell::llvm_sys::{LLVMLinkage, LLVMOpcode};

use crate::elide::LocalSlots;
use crate::globals::GlobalSlots;
use crate::hooks::{Runtime, TlsSlot};
use crate::provenance::{Leaf, Prov, Shadow};
use crate::stats::Stats;

extern "C" {
    /// `pass/src/plugin/glue.cpp`: LLVM's `lower-constant-intrinsics` on the functions
    /// that need it; returns how many changed.
    fn bsan_lower_constant_intrinsics(module: LLVMModuleRef) -> i32;
}

/// Marks a function as instrumented (string attribute), so no pipeline does it twice.
const INSTRUMENTED_ATTR: &str = "bsan-instrumented";

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
}

impl ModuleCx {
    fn new(module: LLVMModuleRef) -> ModuleCx {
        let rt = Runtime::new(module);
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
            }
        }
    }

    /// The pointer leaves of `ty` (cached).
    pub(crate) fn leaves(&mut self, ty: LLVMTypeRef) -> Rc<[Leaf]> {
        if let Some(l) = self.leaves.get(&ty) {
            return l.clone();
        }
        let l: Rc<[Leaf]> = crate::provenance::compute_leaves(self.td, ty).into();
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
        unsafe { LLVMConstInt(self.rt.ty.i64, v, 0) }
    }

    pub(crate) fn const_i8(&self, v: u8) -> LLVMValueRef {
        unsafe { LLVMConstInt(self.rt.ty.i8, v as u64, 0) }
    }

    pub(crate) fn null_ptr(&self) -> LLVMValueRef {
        unsafe { LLVMConstPointerNull(self.rt.ty.ptr) }
    }
}

/// The result of instrumenting one module.
pub(crate) struct Outcome {
    pub stats: Stats,
    /// Pass errors: the input IR broke the ABI (see `lower_retags.rs`).
    pub errors: Vec<String>,
}

/// Instrument every eligible function of `module`, then emit the module constructor.
pub(crate) fn instrument_module(module: LLVMModuleRef) -> Outcome {
    // Before anything reads the IR: `llvm.is.constant` of a non-constant is `false` from
    // here on (nothing after this pass can fold it otherwise), and the branches it guards
    // are dead. This is what codegen does to them anyway; done first, the analyses here
    // (`exposed`, `elide`) see the CFG codegen will emit, without the paths it removes
    // (std's `write_fmt` guards its static-string path with `llvm.is.constant`).
    let lowered = unsafe { bsan_lower_constant_intrinsics(module) };
    let mut m = ModuleCx::new(module);
    m.stats.constant_intrinsics_lowered = lowered as u64;
    let mut funcs = Vec::new();
    unsafe {
        let mut f = LLVMGetFirstFunction(module);
        while !f.is_null() {
            funcs.push(f);
            f = LLVMGetNextFunction(f);
        }
    }
    let ignored = match crate::ignorelist::Ignorelist::from_env() {
        Ok(list) => crate::ignored::IgnoredFunctions::find(&funcs, &list),
        Err(e) => {
            // Instrumenting everything would silently check what the user excluded.
            m.error(e);
            return Outcome {
                stats: m.stats,
                errors: m.errors,
            };
        }
    };
    let mut any = false;
    for f in funcs {
        if unsafe { LLVMIsDeclaration(f) } != 0 {
            continue;
        }
        if !should_instrument(f) {
            m.stats.functions_skipped += 1;
            continue;
        }
        if ignored.contains(f) {
            m.stats.retags_erased += crate::lower_retags::erase_retags(f);
            mark_instrumented(m.ctx, f);
            continue;
        }
        FnCx::run(&mut m, f);
        m.stats.functions += 1;
        any = true;
    }
    m.stats.functions_ignored = ignored.listed;
    m.stats.functions_ignored_callees = ignored.callees;
    if any {
        crate::globals::emit_ctor(&mut m);
    }
    crate::globals::emit_retag_source(&mut m);
    Outcome {
        stats: m.stats,
        errors: m.errors,
    }
}

pub(crate) fn value_name(v: LLVMValueRef) -> &'static str {
    unsafe {
        let mut len = 0;
        let p = LLVMGetValueName2(v, &mut len);
        if p.is_null() {
            return "";
        }
        std::str::from_utf8(std::slice::from_raw_parts(p.cast(), len)).unwrap_or("")
    }
}

fn should_instrument(f: LLVMValueRef) -> bool {
    let name = value_name(f);
    // A definition of a retag intrinsic (a fallback for uninstrumented builds) is dead
    // once its calls are lowered.
    if name.starts_with("__bsan_")
        || name == bsan_abi::rust_retag::REG
        || name == bsan_abi::rust_retag::MEM
    {
        return false;
    }
    unsafe {
        if LLVMGetLinkage(f) == LLVMLinkage::LLVMAvailableExternallyLinkage {
            return false;
        }
        let idx = inkwell::llvm_sys::LLVMAttributeFunctionIndex;
        let naked = crate::hooks::enum_attr_kind("naked");
        if !LLVMGetEnumAttributeAtIndex(f, idx, naked).is_null() {
            return false;
        }
        let a = INSTRUMENTED_ATTR;
        let existing = LLVMGetStringAttributeAtIndex(f, idx, a.as_ptr().cast(), a.len() as u32);
        existing.is_null()
    }
}

pub(crate) fn mark_instrumented(ctx: LLVMContextRef, f: LLVMValueRef) {
    unsafe {
        let a = INSTRUMENTED_ATTR;
        let attr =
            LLVMCreateStringAttribute(ctx, a.as_ptr().cast(), a.len() as u32, c"".as_ptr(), 0);
        LLVMAddAttributeAtIndex(f, inkwell::llvm_sys::LLVMAttributeFunctionIndex, attr);
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
}

impl<'m> FnCx<'m> {
    fn run(m: &'m mut ModuleCx, func: LLVMValueRef) {
        let (b, pb) = unsafe {
            (
                LLVMCreateBuilderInContext(m.ctx),
                LLVMCreateBuilderInContext(m.ctx),
            )
        };
        let entry = unsafe { LLVMGetEntryBasicBlock(func) };
        let fallback_loc = unsafe {
            let sp = LLVMGetSubprogram(func);
            if sp.is_null() {
                std::ptr::null_mut()
            } else {
                LLVMDIBuilderCreateDebugLocation(m.ctx, 0, 0, sp, std::ptr::null_mut())
            }
        };
        let mut cx = FnCx {
            m,
            func,
            b,
            pb,
            prologue_at: std::ptr::null_mut(),
            prologue_anchor: std::ptr::null_mut(),
            entry,
            fallback_loc,
            shadow: HashMap::new(),
            tls_addr: HashMap::new(),
            tls_words: HashMap::new(),
            global_prov: HashMap::new(),
            pending_phis: Vec::new(),
            lowered_retags: Vec::new(),
            erase: Vec::new(),
            locals: LocalSlots::default(),
            stack_allocs: Vec::new(),
            companions: HashMap::new(),
            frame: None,
        };
        cx.instrument();
        unsafe {
            LLVMDisposeBuilder(b);
            LLVMDisposeBuilder(pb);
        }
        mark_instrumented(cx.m.ctx, func);
    }

    fn instrument(&mut self) {
        let needs_frame = crate::lower_retags::has_protected_retag(self.func);
        // 1. CFG edits that must precede the snapshot.
        self.calls_for_retag_invokes();
        // Registered stack slots must be deregistered when a panic leaves the function too:
        // a slot left registered keeps its record and tree for the rest of the process
        // (zerocopy's suite, catching thousands of panics, kept 800k of them).
        if needs_frame || crate::elide::has_escaping_entry_alloca(self.entry) {
            self.cleanup_on_unwind();
        }
        self.split_invoke_edges();
        // 2. Analyses on the original IR (retag calls still present).
        self.locals = crate::elide::analyze(self.func, self.entry);
        // 3. Snapshot instructions in reverse post-order, before inserting anything.
        let blocks = reverse_post_order(self.func);
        let insts: Vec<Vec<LLVMValueRef>> = blocks.iter().map(|&bb| block_insts(bb)).collect();
        // 4. Prologue.
        self.setup_prologue(needs_frame);
        // 5. Visit.
        for block in &insts {
            for &inst in block {
                self.visit(inst);
            }
        }
        // 6. Close the loops: phi incomings, then retag replacement.
        self.fill_phis();
        unsafe {
            // Retags of retags: take the operand *now*, after earlier replacements, and
            // erase only once every replacement is done, so no use is left dangling.
            for &r in &self.lowered_retags {
                // A `void`-returning declaration has no uses to replace.
                if LLVMTypeOf(r) == LLVMTypeOf(LLVMGetOperand(r, 0)) {
                    LLVMReplaceAllUsesWith(r, LLVMGetOperand(r, 0));
                }
            }
            for &r in &self.lowered_retags {
                LLVMInstructionEraseFromParent(r);
            }
            for &i in &self.erase {
                LLVMInstructionEraseFromParent(i);
            }
            LLVMInstructionEraseFromParent(self.prologue_anchor);
        }
    }

    fn setup_prologue(&mut self, needs_frame: bool) {
        unsafe {
            let mut p = LLVMGetFirstInstruction(self.entry);
            while !p.is_null() && !LLVMIsAAllocaInst(p).is_null() {
                p = LLVMGetNextInstruction(p);
            }
            LLVMPositionBuilderBefore(self.pb, p);
            LLVMSetCurrentDebugLocation2(self.pb, self.loc_of(p));
            // A placeholder that keeps prologue code together even when code for `p`
            // itself is inserted later; erased at the end.
            self.prologue_anchor = LLVMBuildFreeze(self.pb, self.m.zero, c"bsan.prologue".as_ptr());
            LLVMPositionBuilderBefore(self.pb, self.prologue_anchor);
            self.prologue_at = p;
        }
        if needs_frame {
            self.setup_frame();
        }
        self.setup_arguments();
        self.setup_promoted_slots();
        self.setup_entry_allocas();
    }

    fn visit(&mut self, inst: LLVMValueRef) {
        use LLVMOpcode::*;
        match unsafe { LLVMGetInstructionOpcode(inst) } {
            LLVMAlloca => self.visit_alloca(inst),
            LLVMLoad => self.visit_load(inst),
            LLVMStore => self.visit_store(inst),
            LLVMAtomicRMW => self.visit_atomicrmw(inst),
            LLVMAtomicCmpXchg => self.visit_cmpxchg(inst),
            LLVMGetElementPtr | LLVMBitCast | LLVMAddrSpaceCast | LLVMFreeze => {
                self.forward_operand(inst, 0)
            }
            LLVMPHI => self.visit_phi(inst),
            LLVMSelect => self.visit_select(inst),
            LLVMExtractValue => self.visit_extractvalue(inst),
            LLVMInsertValue => self.visit_insertvalue(inst),
            LLVMCall | LLVMInvoke => self.visit_call(inst),
            LLVMRet => self.visit_ret(inst),
            LLVMResume => self.visit_exit(inst),
            LLVMPtrToInt => self.visit_ptrtoint(inst),
            LLVMIntToPtr => self.visit_inttoptr(inst),
            // Everything else that yields a pointer (landingpad, va_arg, extractelement,
            // ...) is untracked: `shadow_of` defaults to (0, 0).
            _ => {}
        }
    }

    // ---- builder helpers -------------------------------------------------------------

    /// The debug location for code inserted for `inst`.
    pub(crate) fn loc_of(&self, inst: LLVMValueRef) -> LLVMMetadataRef {
        let loc = unsafe { LLVMInstructionGetDebugLoc(inst) };
        if loc.is_null() {
            self.fallback_loc
        } else {
            loc
        }
    }

    /// Position `b` before `inst`, with `inst`'s debug location.
    pub(crate) fn at(&mut self, inst: LLVMValueRef) {
        unsafe {
            LLVMPositionBuilderBefore(self.b, inst);
            LLVMSetCurrentDebugLocation2(self.b, self.loc_of(inst));
        }
    }

    /// Position `b` before `before`, with `inst`'s debug location.
    pub(crate) fn at_for(&mut self, before: LLVMValueRef, inst: LLVMValueRef) {
        unsafe {
            LLVMPositionBuilderBefore(self.b, before);
            LLVMSetCurrentDebugLocation2(self.b, self.loc_of(inst));
        }
    }

    /// Position `b` right after the non-terminator `inst`.
    pub(crate) fn after(&mut self, inst: LLVMValueRef) {
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
        unsafe {
            if LLVMTypeOf(v) == self.m.rt.ty.i64 {
                return v;
            }
            LLVMBuildIntCast2(self.b, v, self.m.rt.ty.i64, 0, c"".as_ptr())
        }
    }

    /// Store size in bytes of `ty`, or `None` for scalable types.
    pub(crate) fn store_size(&self, ty: LLVMTypeRef) -> Option<u64> {
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

pub(crate) fn build_call(
    b: LLVMBuilderRef,
    ty: LLVMTypeRef,
    func: LLVMValueRef,
    args: &mut [LLVMValueRef],
) -> LLVMValueRef {
    unsafe {
        LLVMBuildCall2(
            b,
            ty,
            func,
            args.as_mut_ptr(),
            args.len() as u32,
            c"".as_ptr(),
        )
    }
}

pub(crate) fn block_insts(bb: LLVMBasicBlockRef) -> Vec<LLVMValueRef> {
    let mut v = Vec::new();
    unsafe {
        let mut i = LLVMGetFirstInstruction(bb);
        while !i.is_null() {
            v.push(i);
            i = LLVMGetNextInstruction(i);
        }
    }
    v
}

/// Reachable blocks in reverse post-order (iterative DFS).
fn reverse_post_order(func: LLVMValueRef) -> Vec<LLVMBasicBlockRef> {
    let mut post = Vec::new();
    let mut seen = std::collections::HashSet::new();
    unsafe {
        let entry = LLVMGetEntryBasicBlock(func);
        let mut stack: Vec<(LLVMBasicBlockRef, u32)> = vec![(entry, 0)];
        seen.insert(entry);
        while let Some(&mut (bb, ref mut next)) = stack.last_mut() {
            let term = LLVMGetBasicBlockTerminator(bb);
            let n = if term.is_null() {
                0
            } else {
                LLVMGetNumSuccessors(term)
            };
            if *next < n {
                let succ = LLVMGetSuccessor(term, *next);
                *next += 1;
                if seen.insert(succ) {
                    stack.push((succ, 0));
                }
            } else {
                post.push(bb);
                stack.pop();
            }
        }
    }
    post.reverse();
    post
}
