//! Retag synthesis: `__rust_retag_reg` calls for toolchains that cannot emit them.
//!
//! rustc's `-Zcodegen-emit-retag` emits
//! `ptr @__rust_retag_reg(ptr, i64 size, i8 flags, ptr im_ranges, ptr pin_ranges)` at every
//! point where Tree Borrows retags a reference. The toolchains on this machine cannot, so
//! this crate inserts the same calls (same ABI, same [`bsan_abi::retag_flags`], same
//! private constant `[N x [2 x iN]]` range arrays) from what LLVM IR still carries. The
//! plugin's lowering then treats synthesized and upstream calls alike.
//!
//! # What synthesis sees
//!
//! * **Fn-entry retags (with protectors)** from debug info at [`Stage::RustCrate`]: at
//!   `-Copt-level=0` rustc puts no `noalias`/`dereferenceable` on reference parameters,
//!   but every parameter has a `DILocalVariable(arg: N, type: "&mut i32")` and a spill
//!   slot the `Argument` is stored into. `&T`, `&mut T`, `Box<T>`, `&[T]`, `&str`,
//!   `Box<[T]>` get retags sized from the pointee's DI size (or `len * size_of::<T>()`
//!   computed from the fat pointer's length argument); the pointee's members give the
//!   `UnsafeCell` ranges (precise interior mutability), `Freeze`, and `Unpin`
//!   (`PhantomPinned`, `UnsafePinned`, coroutines: no retag for `&mut`/`Box`).
//!   See [`debuginfo`] and [`fn_entry`].
//! * **Call-return retags (no protector)** after direct calls of functions whose
//!   `DISubprogram` returns a reference or `Box` ([`call_return`]). At `PipelineStartEP`
//!   generic and `#[inline]` std code instantiated in the crate still has its call
//!   boundaries and full type DI, including `#[inline(always)]` helpers (`as_mut_ptr`,
//!   `index_mut`) that the AlwaysInliner removes right after.
//! * **Attribute-driven fn-entry retags** ([`attributes`]) for code without Rust DI
//!   types: precompiled std in the fat-LTO module ([`Stage::RustLto`], `-O3` with line
//!   tables only: `noalias`, `readonly`, `dereferenceable(N)`), C/C++ `restrict`
//!   ([`Stage::Clang`]), and Rust functions whose parameters DI does not describe.
//!
//! # What synthesis cannot see
//!
//! * **Intra-function reborrows.** `let y = &mut *x;` is the same SSA value as `x` at
//!   every optimisation level; `let a = &mut v; let b = &mut v;` both use `v`'s alloca.
//!   No IR-level heuristic can give `y` its own tag without false reports, so none is
//!   tried. Only fn-entry and call-return retags are synthesized; MIR-guided retags
//!   (matching rustc's MIR dump to `-O0` IR) are the planned way to recover the rest.
//! * **References inside by-value aggregates** (`Pin<&mut T>`, `Option<&T>`, a struct
//!   with a `&mut` field, a tuple of references): only top-level reference parameters
//!   and returns are retagged.
//! * **`&dyn Trait`, `Box<dyn Trait>`**: the size lives in the vtable; not retagged.
//! * **Calls into precompiled std**: declarations carry no subprogram, so their results
//!   are not retagged; the callee's own entry is covered at `RustLto` by attributes,
//!   where `noalias` cannot tell `Box` from `&mut` (weak protector for both) and
//!   `&T` with `UnsafeCell` has no `noalias` at all (not retagged).
//! * **Slices of interior-mutable elements** (`&[Cell<u8>]`): per-element ranges with a
//!   run-time length cannot be a constant array; such retags are size 0 without
//!   `FREEZE` (every byte lazily Cell / ReservedIM) unless protected `&mut`.
//! * **`alwaysinline` functions get unprotected fn-entry retags**: they are inlined right
//!   after synthesis and a protector would outlive the inlined body until the caller
//!   returns, turning legal accesses after the call into false reports
//!   ([`SynthesisStats::unprotected_inline_always`]). The same holds for any function the
//!   per-crate optimiser inlines at `-Copt-level>0`: the lowering must end protectors of
//!   inlined bodies (or crates must be built at `-O0`).
//!
//! # Stages and markers
//!
//! Every processed function gets the string attribute `"bsan-retags"="synthesized"`
//! (survives into bitcode), and every synthesized call `!bsan.synthesized !{}`. Retag
//! calls that carry neither are *upstream* (rustc's `-Zcodegen-emit-retag`, or the
//! program's own through a test support crate or `bsan.h`), and never get synthesized
//! retags next to them ([`SynthesisStats::upstream_retags_present`]):
//!
//! * [`Stage::RustCrate`]: a crate module with any upstream call was compiled with the
//!   flag, so rustc retagged all of it: synthesis adds nothing and marks every defined
//!   function `"bsan-retags"="rustc"`, which the fat-LTO stage then skips.
//! * [`Stage::RustLto`] and [`Stage::Clang`]: per function. A function that is marked
//!   (either value) or contains an upstream call (then marked `"rustc"`) is left alone;
//!   the others (precompiled std, crates built without the flag, C functions that do not
//!   call the intrinsics) get attribute-driven retags.
//!
//! Plugins can map a pass-pipeline
//! parameter to a stage with [`Stage::from_param`]:
//! `bsan-synthesize` (RustCrate), `bsan-synthesize<rust-lto>`, `bsan-synthesize<clang>`.
//!
//! # Testing
//!
//! `tests/ir/*.ll` are FileCheck fixtures in the `pass/tests/ir/` RUN-line convention
//! (`opt-22 -load-pass-plugin=%plugin -passes=bsan-synthesize<...>`), taken from real
//! `rustc -g -Copt-level=0 -Cno-prepopulate-passes` / `-O3` and `clang-22 -O0` output.
//! `cargo test -p bsan-synthesize` runs them through the plugin when it is built, otherwise
//! through the development driver `bsan-synthesize-ll` (a binary of this package that links
//! libLLVM; the library never does): `bsan-synthesize-ll --stage rust-crate in.ll`.
//!
//! The C++ glue (`bsan-ir`'s `glue/debuginfo.cpp`) reports raw DI facts (tags, names,
//! sizes, members, which `Argument`s fill a parameter's spill slot) because the C API cannot
//! read debug records or DI type internals; all Rust-specific classification is in
//! [`debuginfo`].

// Every `unsafe` block says why it is sound (`cargo xtask ci` denies warnings).
#![warn(clippy::undocumented_unsafe_blocks)]

use std::collections::HashSet;

use bsan_ir::{attrs, call, iter, value};
use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::debuginfo::LLVMGetSubprogram;
use inkwell::llvm_sys::prelude::*;
use inkwell::module::Module;

pub mod attributes;
pub mod call_return;
pub mod debuginfo;
pub mod emit;
pub mod fn_entry;
pub mod ranges;

/// Where in which compiler's pipeline synthesis runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// `PipelineStartEP` of one rustc crate (before the AlwaysInliner).
    RustCrate,
    /// rustc's fat-LTO module, before lowering: functions never synthesized per crate
    /// (precompiled std) get attribute-driven retags.
    RustLto,
    /// `PipelineStartEP` of a clang translation unit (`restrict` → `noalias`).
    Clang,
}

impl Stage {
    /// The stage named by a pass-pipeline parameter: `""`/`"rust-crate"`, `"rust-lto"`,
    /// `"clang"` (as in `-passes='bsan-synthesize<rust-lto>'`).
    pub fn from_param(param: &str) -> Option<Stage> {
        match param {
            "" | "rust-crate" => Some(Stage::RustCrate),
            "rust-lto" => Some(Stage::RustLto),
            "clang" => Some(Stage::Clang),
            _ => None,
        }
    }
}

/// Counters of one synthesis run.
#[derive(Clone, Copy, Debug, Default)]
pub struct SynthesisStats {
    /// Defined functions processed (not yet marked, not naked).
    pub functions_seen: u64,
    /// Fn-entry retags made (DI- and attribute-driven).
    pub fn_entry_retags: u64,
    /// Call-return retags made.
    pub call_return_retags: u64,
    /// The module has retag calls synthesis did not make (rustc's own, or the program's).
    pub upstream_retags_present: bool,
    /// Functions marked `"bsan-retags"="rustc"` and left alone: every function of a crate
    /// module with upstream retags, or (at the later stages) a function with such calls.
    pub upstream_functions: u64,
    /// Of `fn_entry_retags`, those driven by parameter attributes.
    pub fn_entry_from_attributes: u64,
    /// Fn-entry retags made without `PROTECTED` because the function is `alwaysinline`.
    pub unprotected_inline_always: u64,
    /// Reference parameters not retagged (`dyn`, `!Unpin`, unknown size, `byval`...).
    pub skipped_params: u64,
    /// Reference-returning calls not retagged (invoke with a shared normal destination,
    /// `dyn`, `!Unpin`, IR shape not matching DI).
    pub skipped_call_returns: u64,
}

impl std::fmt::Display for SynthesisStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "functions={} fn_entry={} (attributes={}, unprotected_inline_always={}) \
             call_return={} skipped_params={} skipped_call_returns={} upstream={} \
             upstream_functions={}",
            self.functions_seen,
            self.fn_entry_retags,
            self.fn_entry_from_attributes,
            self.unprotected_inline_always,
            self.call_return_retags,
            self.skipped_params,
            self.skipped_call_returns,
            self.upstream_retags_present,
            self.upstream_functions
        )
    }
}

/// Insert `__rust_retag_reg` calls into `module` for `stage`.
pub fn synthesize_module(module: &Module<'_>, stage: Stage) -> SynthesisStats {
    // SAFETY: `module` is a live module for the duration of the call; every raw handle
    // below is derived from it and used before returning.
    unsafe { synthesize_raw(module.as_mut_ptr(), stage) }
}

/// [`synthesize_module`] on a raw module handle.
///
/// # Safety
/// `module` must be a live module not used concurrently.
pub unsafe fn synthesize_raw(module: LLVMModuleRef, stage: Stage) -> SynthesisStats {
    let mut stats = SynthesisStats::default();
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe {
        let upstream = functions_with_upstream_retags(module);
        stats.upstream_retags_present = !upstream.is_empty();
        let funcs: Vec<_> = iter::functions(module)
            .filter(|&f| !value::is_declaration(f))
            .collect();
        if funcs.is_empty() {
            return stats;
        }
        if stage == Stage::RustCrate && !upstream.is_empty() {
            // The crate was compiled with `-Zcodegen-emit-retag`: rustc retagged every
            // function that needs it, including those without a retag call. Record that,
            // so that the fat-LTO stage leaves them alone too.
            for f in funcs {
                if !attrs::has_fn_string(f, attributes::MARK_KEY) {
                    attributes::mark_upstream(f);
                    stats.upstream_functions += 1;
                }
            }
            return stats;
        }
        let mut em = emit::Emitter::new(module);
        let mut cls = debuginfo::Classifier::new();
        for f in funcs {
            if attrs::has_fn_string(f, attributes::MARK_KEY) || attrs::has_fn_enum(f, "naked") {
                continue;
            }
            if upstream.contains(&f) {
                // Per function at the later stages: a function with rustc's (or the
                // program's own) retag calls is never retagged twice.
                attributes::mark_upstream(f);
                stats.upstream_functions += 1;
                continue;
            }
            stats.functions_seen += 1;
            match stage {
                Stage::RustCrate => {
                    let described = !LLVMGetSubprogram(f).is_null()
                        && matches!(
                            fn_entry::from_debuginfo(&mut em, &mut cls, f, &mut stats),
                            fn_entry::Outcome::Described
                        );
                    if !described {
                        attributes::fn_entry(&mut em, f, &mut stats);
                    }
                    call_return::synthesize(&mut em, &mut cls, f, &mut stats);
                }
                Stage::RustLto | Stage::Clang => {
                    attributes::fn_entry(&mut em, f, &mut stats);
                }
            }
            attributes::mark(f);
        }
    }
    stats
}

/// Whether `module` calls `__rust_retag_reg` / `__rust_retag_mem` from code synthesis
/// did not make (rustc's `-Zcodegen-emit-retag`).
///
/// # Safety
/// `module` must be live.
pub unsafe fn upstream_retags_present(module: LLVMModuleRef) -> bool {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe { !functions_with_upstream_retags(module).is_empty() }
}

/// The functions of `module` that call `__rust_retag_reg` / `__rust_retag_mem` from code
/// synthesis did not make: calls without `!bsan.synthesized`, in functions not marked
/// `"bsan-retags"="synthesized"`.
///
/// # Safety
/// `module` must be live.
pub unsafe fn functions_with_upstream_retags(module: LLVMModuleRef) -> HashSet<LLVMValueRef> {
    let mut out = HashSet::new();
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe {
        let md_kind = emit::synth_md_kind(LLVMGetModuleContext(module));
        for name in [bsan_abi::rust_retag::REG, bsan_abi::rust_retag::MEM] {
            let cname = std::ffi::CString::new(name).unwrap();
            let f = LLVMGetNamedFunction(module, cname.as_ptr());
            if f.is_null() {
                continue;
            }
            for user in iter::users(f) {
                if !call::is_call_or_invoke(user)
                    || call::called_operand(user) != f
                    || emit::is_synthesized(user, md_kind)
                {
                    continue;
                }
                let func = LLVMGetBasicBlockParent(LLVMGetInstructionParent(user));
                if func.is_null()
                    || attrs::fn_string_value(func, attributes::MARK_KEY).as_deref()
                        == Some(attributes::MARK_VALUE)
                {
                    continue;
                }
                out.insert(func);
            }
        }
    }
    out
}
