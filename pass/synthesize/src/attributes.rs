//! Attribute-driven fn-entry retags (rule 2) and the function attributes synthesis reads
//! and writes.
//!
//! Used for functions without Rust debug-info types: precompiled std in the fat-LTO module
//! (compiled at `-O3`, line tables only), C/C++ (`restrict` is `noalias` even at `-O0`),
//! and Rust functions whose parameters DI does not describe.
//!
//! | parameter attributes                          | retag                          |
//! |-----------------------------------------------|--------------------------------|
//! | `noalias` + `readonly`/`readnone`             | `FREEZE\|PROTECTED` (strong)   |
//! | `noalias` otherwise                           | `MUTABLE\|BOX\|PROTECTED` (weak) |
//! | `byval`/`sret`/`inalloca`/`preallocated`/`byref`/`swifterror`, or no `noalias` | none |
//!
//! `noalias` cannot tell `Box` (which the callee may free: `drop(b)`) from `&mut`, so
//! mutable ones get a weak protector; a strong one would be a false report. rustc also
//! puts `noalias` on by-value arguments passed indirectly (a moved `[u8; 100]`): Miri
//! protects those in place, a weak mutable protector is the closest sound approximation.
//! Size = `dereferenceable(N)`, else 0 (a zero-sized retag still protects lazily).

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::LLVMTypeKind;

use bsan_abi::retag_flags;
use bsan_ir::attrs;
use bsan_ir::glue::{fn_entry_location, replace_uses_except};
use bsan_ir::value::value_name;

use crate::emit::{first_insertion_point, Emitter};
use crate::SynthesisStats;

/// Function attribute marking a function whose retags are settled: synthesis never
/// touches a function that has it, at any later stage.
pub const MARK_KEY: &str = "bsan-retags";
/// Its value for a function whose retags were synthesized.
pub const MARK_VALUE: &str = "synthesized";
/// Its value for a function of a module compiled with rustc's `-Zcodegen-emit-retag`
/// (its retags are rustc's own, even where it has no retag call).
pub const MARK_UPSTREAM: &str = "rustc";

/// Mark `f` as synthesized (`"bsan-retags"="synthesized"`; survives into bitcode, so the
/// fat-LTO stage skips it).
pub fn mark(f: LLVMValueRef) {
    mark_as(f, MARK_VALUE)
}

/// Mark `f` as having rustc's own retags (`"bsan-retags"="rustc"`): no stage synthesizes
/// retags for it.
pub fn mark_upstream(f: LLVMValueRef) {
    mark_as(f, MARK_UPSTREAM)
}

fn mark_as(f: LLVMValueRef, value: &str) {
    attrs::set_fn_string(f, MARK_KEY, value);
}

/// Whether fn-entry retags of `f` may be protected. An `alwaysinline` function is inlined
/// right after synthesis (the AlwaysInliner runs after `PipelineStartEP`, also at `-O0`);
/// its protector would then last until the *caller* returns and forbid legal accesses
/// after the inlined call: a false report. Such functions get unprotected retags.
pub fn may_protect(f: LLVMValueRef) -> bool {
    !attrs::has_fn_enum(f, "alwaysinline")
}

/// Parameter attributes that make a pointer parameter not a reference passed to `f`.
const NOT_A_REFERENCE: &[&str] = &[
    "byval",
    "sret",
    "inalloca",
    "preallocated",
    "byref",
    "swifterror",
    "nest",
];

/// Attribute-driven fn-entry retags of `f`. Returns how many were made.
///
/// # Safety
/// `f` must be a live function with a body.
pub unsafe fn fn_entry(em: &mut Emitter, f: LLVMValueRef, stats: &mut SynthesisStats) -> u64 {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe {
        let n = LLVMCountParams(f);
        let protect = may_protect(f);
        let mut made = 0;
        let mut positioned = false;
        for i in 0..n {
            let p = LLVMGetParam(f, i);
            if LLVMGetTypeKind(LLVMTypeOf(p)) != LLVMTypeKind::LLVMPointerTypeKind {
                continue;
            }
            let idx = i + 1;
            if !attrs::has_enum(f, idx, "noalias") {
                continue;
            }
            if NOT_A_REFERENCE.iter().any(|a| attrs::has_enum(f, idx, a)) {
                continue;
            }
            let shared = attrs::has_enum(f, idx, "readonly") || attrs::has_enum(f, idx, "readnone");
            let mut flags = if shared {
                retag_flags::FREEZE
            } else {
                retag_flags::MUTABLE | retag_flags::BOX
            };
            if protect {
                flags |= retag_flags::PROTECTED;
            } else {
                stats.unprotected_inline_always += 1;
            }
            let deref = attrs::enum_at(f, idx, "dereferenceable");
            let size = if deref.is_null() {
                0
            } else {
                LLVMGetEnumAttributeValue(deref)
            };
            if !positioned {
                let entry = LLVMGetEntryBasicBlock(f);
                em.position_before(first_insertion_point(entry, true));
                em.set_location(fn_entry_location(f));
                positioned = true;
            }
            let size = em
                .size_value(crate::debuginfo::Size::Const(size), None)
                .expect("constant size");
            let name = retag_name(p);
            let new = em.retag(p, size, flags, &[], &[], &name);
            replace_uses_except(p, new, &[new], std::ptr::null_mut());
            made += 1;
        }
        stats.fn_entry_retags += made;
        stats.fn_entry_from_attributes += made;
        made
    }
}

/// `<name>.new` for a retag of `v`, `retag` if `v` is unnamed.
pub fn retag_name(v: LLVMValueRef) -> String {
    let n = value_name(v);
    if n.is_empty() {
        "retag".to_string()
    } else {
        format!("{n}.new")
    }
}
