//! The driver, and only the driver: the order of the stages. It visits every
//! instrumentable function once, instruction by instruction, in reverse post-order of its
//! CFG (so a value's shadow exists before any use that it dominates), and dispatches each
//! instruction to the stage module that owns it; module-level steps (constant-intrinsic
//! lowering first, the ignorelist, the module constructor last) are ordered here too.
//!
//! The context it hands the stages is [`crate::cx`]; what things are is
//! [`crate::classify`]; how each kind of instruction is instrumented is the stage modules'.

use std::collections::HashMap;

use bsan_ir::{attrs, glue, iter, value};
use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::debuginfo::{LLVMDIBuilderCreateDebugLocation, LLVMGetSubprogram};
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::{LLVMLinkage, LLVMOpcode};

use crate::cx::{is_marked_instrumented, mark_instrumented, FnCx, ModuleCx};
use crate::elide::LocalSlots;
use crate::stats::Stats;

/// The result of instrumenting one module.
pub(crate) struct Outcome {
    pub stats: Stats,
    /// Pass errors: the input IR broke the ABI (see `lower_retags.rs`).
    pub errors: Vec<String>,
}

/// What the plugin's knobs may turn off (both on by default).
pub(crate) struct Options {
    /// Whether protected retags may be elided (`leaf_retags.rs`, `forwarded_retags.rs`).
    pub elide_leaf_retags: bool,
    /// Whether access checks get the inline fast path (`fast_path.rs`).
    pub fast_path: bool,
}

/// Instrument every eligible function of `module`, then emit the module constructor.
pub(crate) fn instrument_module(module: LLVMModuleRef, options: Options) -> Outcome {
    let elide_leaf_retags = options.elide_leaf_retags;
    // Before anything reads the IR: `llvm.is.constant` of a non-constant is `false` from
    // here on (nothing after this pass can fold it otherwise), and the branches it guards
    // are dead. This is what codegen does to them anyway; done first, the analyses here
    // (`exposed`, `elide`) see the CFG codegen will emit, without the paths it removes
    // (std's `write_fmt` guards its static-string path with `llvm.is.constant`).
    let lowered = glue::lower_constant_intrinsics(module);
    let mut m = ModuleCx::new(module);
    m.fast_path = options.fast_path;
    m.stats.constant_intrinsics_lowered = lowered;
    let funcs: Vec<_> = iter::functions(module).collect();
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
    let mut to_instrument = Vec::new();
    for f in funcs {
        if value::is_declaration(f) {
            continue;
        }
        if !should_instrument(f) {
            m.stats.functions_skipped += 1;
            continue;
        }
        if ignored.contains(f) {
            m.stats.retags_erased += crate::lower_retags::erase_retags(f);
            mark_instrumented(f);
            continue;
        }
        to_instrument.push(f);
    }
    for &f in &to_instrument {
        crate::lower_retags::retag_invokes_to_calls(f);
    }
    if elide_leaf_retags {
        // On the whole module before any function is instrumented: whether a forwarder's
        // retags can go depends on its callee's, and hook calls would make every function
        // look like it touches memory.
        let memory_free = crate::leaf_retags::MemoryFreeFunctions::find(module);
        m.stats.memory_free_functions = memory_free.len() as u64;
        // Rounds: a function whose retags are all elided may become transparent
        // (`transparent_callees.rs`), which lets its callers be leaves, whose retags then
        // go, which may make them transparent. Each round's plan is made with the
        // transparent functions found before it, so it is sound whenever the rounds stop.
        let mut transparent = crate::leaf_retags::Transparent::new();
        let mut rounds = 0;
        let (planned, forwarded, passed) = loop {
            let (mut planned, forwarded) =
                crate::forwarded_retags::plan(&to_instrument, &memory_free, &transparent);
            let passed = crate::returned_retags::plan(&to_instrument, &memory_free, &mut planned);
            rounds += 1;
            let next = crate::transparent_callees::find(
                &to_instrument,
                &planned,
                &memory_free,
                &transparent,
            );
            if next.len() == transparent.len() || rounds == MAX_TRANSPARENCY_ROUNDS {
                break (planned, forwarded, passed);
            }
            transparent = next;
        };
        m.stats.transparent_functions = transparent.len() as u64;
        m.stats.retags_passed_through = passed;
        m.elided_retags = planned;
        m.stats.retags_forwarded = forwarded;
        m.memory_free = Some(memory_free);
    }
    // After the plan: an elided retag's result keeps its parent's tag.
    let captures = crate::captures::Captures::find(&to_instrument, &m.elided_retags);
    m.no_escape = to_instrument
        .iter()
        .map(|&f| (f, captures.no_escape_retags(f)))
        .filter(|(_, s)| !s.is_empty())
        .collect();
    m.dies_on_repeat = m
        .no_escape
        .iter()
        .map(|(&f, s)| (f, captures.dies_on_repeat_retags(f, s)))
        .filter(|(_, s)| !s.is_empty())
        .collect();
    let fresh = captures.fresh_returns(&to_instrument);
    m.stats.fresh_returning_functions = fresh.len() as u64;
    m.parent_dies = to_instrument
        .iter()
        .map(|&f| (f, captures.parent_dies_retags(f, &fresh)))
        .filter(|(_, s)| !s.is_empty())
        .collect();
    m.dies_unless_returned = to_instrument
        .iter()
        .map(|&f| (f, captures.dies_unless_returned_retags(f)))
        .filter(|(_, s)| !s.is_empty())
        .collect();
    drop(captures);
    let any = !to_instrument.is_empty();
    for f in to_instrument {
        FnCx::run(&mut m, f);
        m.stats.functions += 1;
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

/// Rounds of the retag plan, each with the transparent functions the previous one found
/// (call depth of the helpers a leaf may call through).
const MAX_TRANSPARENCY_ROUNDS: u32 = 4;

fn should_instrument(f: LLVMValueRef) -> bool {
    let name = value::value_name(f);
    // A definition of a retag intrinsic (a fallback for uninstrumented builds) is dead
    // once its calls are lowered.
    if name.starts_with("__bsan_")
        || name == bsan_abi::rust_retag::REG
        || name == bsan_abi::rust_retag::MEM
    {
        return false;
    }
    // SAFETY: a live function (the `bsan_ir` contract, which the whole pass keeps).
    if unsafe { LLVMGetLinkage(f) } == LLVMLinkage::LLVMAvailableExternallyLinkage {
        return false;
    }
    !attrs::has_fn_enum(f, "naked") && !is_marked_instrumented(f)
}

impl<'m> FnCx<'m> {
    fn run(m: &'m mut ModuleCx, func: LLVMValueRef) {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let (b, pb) = unsafe {
            (
                LLVMCreateBuilderInContext(m.ctx),
                LLVMCreateBuilderInContext(m.ctx),
            )
        };
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        let entry = unsafe { LLVMGetEntryBasicBlock(func) };
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
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
            frame_on_panic_only: false,
            leaf: Default::default(),
            late_retags_at: Vec::new(),
            no_escape: Default::default(),
            parent_dies: Default::default(),
            dies_unless_returned: Default::default(),
            dies_on_repeat: Default::default(),
            repeated_checks: Default::default(),
            fast_path_calls: Vec::new(),
        };
        cx.instrument();
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            LLVMDisposeBuilder(b);
            LLVMDisposeBuilder(pb);
        }
        mark_instrumented(func);
    }

    fn instrument(&mut self) {
        // 1. CFG edits that must precede the snapshot.
        self.leaf = self.m.elided_retags.remove(&self.func).unwrap_or_default();
        self.dies_on_repeat = self.m.dies_on_repeat.remove(&self.func).unwrap_or_default();
        // A loop whose tags die when their retags run again keeps one entry per retag in a
        // frame of its own (`lower_retags.rs`), also without protectors.
        let needs_frame = crate::classify::has_protected_retag(self.func, &self.leaf.elided)
            || !self.dies_on_repeat.is_empty();
        // Elided retags are made late on the panic paths, which need a frame of their own
        // if nothing else does.
        let late = !self.leaf.elided.is_empty() && self.leaf.panics;
        self.frame_on_panic_only = late && !needs_frame;
        // Registered stack slots must be deregistered when a panic leaves the function too:
        // a slot left registered keeps its record and tree for the rest of the process
        // (zerocopy's suite, catching thousands of panics, kept 800k of them).
        if needs_frame || late || crate::elide::has_escaping_entry_alloca(self.entry) {
            self.cleanup_on_unwind();
        }
        if late {
            // After `cleanup_on_unwind`, which may have made them invokes.
            self.late_retags_at = crate::leaf_retags::noreturn_calls(self.func);
        }
        self.split_invoke_edges();
        // 2. Analyses on the original IR (retag calls still present).
        self.locals = crate::elide::analyze(self.func, self.entry);
        if let Some(memory_free) = &self.m.memory_free {
            self.repeated_checks =
                crate::repeated_checks::find(self.func, self.m.module, self.m.td, memory_free);
        }
        // An unprotected one is removed at the exit of the innermost frame when it is
        // made: this function's, or, if it has none, its nearest caller's with one (see
        // `bsan_abi::retag_flags::NO_ESCAPE`).
        self.no_escape = self.m.no_escape.remove(&self.func).unwrap_or_default();
        // The late retags of elided ones (before a call that never returns) make tags no
        // use of this function's ever sees: they die with it.
        self.no_escape.extend(self.leaf.elided.iter().copied());
        self.parent_dies = self.m.parent_dies.remove(&self.func).unwrap_or_default();
        self.dies_unless_returned = self
            .m
            .dies_unless_returned
            .remove(&self.func)
            .unwrap_or_default();
        // 3. Snapshot instructions in reverse post-order, before inserting anything.
        let insts: Vec<Vec<LLVMValueRef>> = iter::reverse_post_order(self.func)
            .into_iter()
            .map(|bb| iter::instructions(bb).collect())
            .collect();
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
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
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
        // 7. Last, as it splits blocks: the inline fast path of the access checks.
        if self.m.fast_path {
            self.emit_fast_paths();
        }
    }

    fn setup_prologue(&mut self, needs_frame: bool) {
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
        unsafe {
            let p = iter::instructions(self.entry)
                .find(|&i| LLVMIsAAllocaInst(i).is_null())
                .unwrap_or(std::ptr::null_mut());
            LLVMPositionBuilderBefore(self.pb, p);
            LLVMSetCurrentDebugLocation2(self.pb, self.loc_of(p));
            // A placeholder that keeps prologue code together even when code for `p`
            // itself is inserted later; erased at the end.
            self.prologue_anchor = LLVMBuildFreeze(self.pb, self.m.zero, c"bsan.prologue".as_ptr());
            LLVMPositionBuilderBefore(self.pb, self.prologue_anchor);
            self.prologue_at = p;
        }
        if needs_frame || self.frame_on_panic_only {
            self.setup_frame();
        }
        self.setup_arguments();
        self.setup_promoted_slots();
        self.setup_entry_allocas();
    }

    fn visit(&mut self, inst: LLVMValueRef) {
        use LLVMOpcode::*;
        // SAFETY: live LLVM handles of this module (the bsan-ir contract).
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
}
