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
use inkwell::llvm_sys::LLVMAttributeFunctionIndex;
use inkwell::llvm_sys::LLVMTypeKind;

use bsan_abi::retag_flags;

use crate::debuginfo::fn_entry_location;
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

/// # Safety
/// `f` must be a live function.
pub unsafe fn has_string_attr(f: LLVMValueRef, key: &str) -> bool {
    unsafe {
        !LLVMGetStringAttributeAtIndex(
            f,
            LLVMAttributeFunctionIndex,
            key.as_ptr().cast(),
            key.len() as u32,
        )
        .is_null()
    }
}

/// The enum attribute `name` at attribute index `idx` (function: `LLVMAttributeFunctionIndex`,
/// parameter `i`: `i + 1`), or null.
///
/// # Safety
/// `f` must be a live function.
pub unsafe fn enum_attr_at(f: LLVMValueRef, idx: u32, name: &str) -> LLVMAttributeRef {
    unsafe {
        let kind = LLVMGetEnumAttributeKindForName(name.as_ptr().cast(), name.len());
        if kind == 0 {
            return std::ptr::null_mut();
        }
        LLVMGetEnumAttributeAtIndex(f, idx, kind)
    }
}

/// # Safety
/// `f` must be a live function.
pub unsafe fn has_enum_attr(f: LLVMValueRef, idx: u32, name: &str) -> bool {
    unsafe { !enum_attr_at(f, idx, name).is_null() }
}

/// The value of the string function attribute `key` of `f`, if present.
///
/// # Safety
/// `f` must be a live function.
pub unsafe fn string_attr_value(f: LLVMValueRef, key: &str) -> Option<String> {
    unsafe {
        let a = LLVMGetStringAttributeAtIndex(
            f,
            LLVMAttributeFunctionIndex,
            key.as_ptr().cast(),
            key.len() as u32,
        );
        if a.is_null() {
            return None;
        }
        let mut len = 0u32;
        let p = LLVMGetStringAttributeValue(a, &mut len);
        if p.is_null() {
            return Some(String::new());
        }
        let bytes = std::slice::from_raw_parts(p.cast::<u8>(), len as usize);
        Some(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// Mark `f` as synthesized (`"bsan-retags"="synthesized"`; survives into bitcode, so the
/// fat-LTO stage skips it).
///
/// # Safety
/// `f` must be a live function.
pub unsafe fn mark(f: LLVMValueRef) {
    unsafe { mark_as(f, MARK_VALUE) }
}

/// Mark `f` as having rustc's own retags (`"bsan-retags"="rustc"`): no stage synthesizes
/// retags for it.
///
/// # Safety
/// `f` must be a live function.
pub unsafe fn mark_upstream(f: LLVMValueRef) {
    unsafe { mark_as(f, MARK_UPSTREAM) }
}

unsafe fn mark_as(f: LLVMValueRef, value: &str) {
    unsafe {
        let ctx = LLVMGetTypeContext(LLVMTypeOf(f));
        let a = LLVMCreateStringAttribute(
            ctx,
            MARK_KEY.as_ptr().cast(),
            MARK_KEY.len() as u32,
            value.as_ptr().cast(),
            value.len() as u32,
        );
        LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex, a);
    }
}

/// Whether fn-entry retags of `f` may be protected. An `alwaysinline` function is inlined
/// right after synthesis (the AlwaysInliner runs after `PipelineStartEP`, also at `-O0`);
/// its protector would then last until the *caller* returns and forbid legal accesses
/// after the inlined call: a false report. Such functions get unprotected retags.
///
/// # Safety
/// `f` must be a live function.
pub unsafe fn may_protect(f: LLVMValueRef) -> bool {
    unsafe { !has_enum_attr(f, LLVMAttributeFunctionIndex, "alwaysinline") }
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
            if !has_enum_attr(f, idx, "noalias") {
                continue;
            }
            if NOT_A_REFERENCE.iter().any(|a| has_enum_attr(f, idx, a)) {
                continue;
            }
            let shared = has_enum_attr(f, idx, "readonly") || has_enum_attr(f, idx, "readnone");
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
            let deref = enum_attr_at(f, idx, "dereferenceable");
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
            crate::debuginfo::replace_uses_except(p, new, &[new], std::ptr::null_mut());
            made += 1;
        }
        stats.fn_entry_retags += made;
        stats.fn_entry_from_attributes += made;
        made
    }
}

/// The IR name of a value ("" if unnamed).
///
/// # Safety
/// `v` must be live.
pub unsafe fn value_name(v: LLVMValueRef) -> String {
    unsafe {
        let mut len = 0usize;
        let p = LLVMGetValueName2(v, &mut len);
        if p.is_null() || len == 0 {
            return String::new();
        }
        String::from_utf8_lossy(std::slice::from_raw_parts(p.cast::<u8>(), len)).into_owned()
    }
}

/// `<name>.new` for a retag of `v`, `retag` if `v` is unnamed.
///
/// # Safety
/// `v` must be live.
pub unsafe fn retag_name(v: LLVMValueRef) -> String {
    let n = unsafe { value_name(v) };
    if n.is_empty() {
        "retag".to_string()
    } else {
        format!("{n}.new")
    }
}
