//! Classification of instructions, callees and globals: the predicates more than one stage
//! asks, in one place, so that stages never call each other to find out what something is.
//!
//! Owns: which retag intrinsic a call is and whether it has the ABI's shape
//! ([`retag_kind`], [`shape_error`]), whether a function makes protected retags, which
//! memory intrinsics and libc functions copy or set bytes ([`MemOp`]), which callees are
//! C's allocator ([`Allocator`]), which globals are allocations the runtime should know
//! ([`trackable`]), and the base object of a constant pointer ([`strip_constant_offsets`]).
//! Nothing here emits code.

use std::collections::HashSet;

use bsan_abi::retag_flags::PROTECTED;
use bsan_abi::rust_retag::{MEM, REG};
use bsan_ir::value::{self, value_name};
use bsan_ir::{call, iter};
use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::target::{LLVMABISizeOfType, LLVMTargetDataRef};
use inkwell::llvm_sys::{LLVMOpcode, LLVMTypeKind};

// ---- retag intrinsics ----------------------------------------------------------------

/// Which intrinsic a call is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RetagKind {
    Reg,
    Mem,
}

impl RetagKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            RetagKind::Reg => REG,
            RetagKind::Mem => MEM,
        }
    }
}

/// The retag intrinsic `i` calls (directly or through a constant cast), if any.
pub(crate) fn retag_kind(i: LLVMValueRef) -> Option<RetagKind> {
    if !call::is_call_or_invoke(i) {
        return None;
    }
    let callee = strip_constant_offsets(call::called_operand(i));
    if !value::is_function(callee) {
        return None;
    }
    match value_name(callee).as_str() {
        REG => Some(RetagKind::Reg),
        MEM => Some(RetagKind::Mem),
        _ => None,
    }
}

/// Whether `t` is a pointer of address space 0 (the only ones bsan tracks).
pub(crate) fn is_ptr(t: LLVMTypeRef) -> bool {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe {
        LLVMGetTypeKind(t) == LLVMTypeKind::LLVMPointerTypeKind
            && LLVMGetPointerAddressSpace(t) == 0
    }
}

/// Whether `t` is an integer type.
pub(crate) fn is_int(t: LLVMTypeRef) -> bool {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe { LLVMGetTypeKind(t) == LLVMTypeKind::LLVMIntegerTypeKind }
}

/// The retag intrinsics' parameters, for messages.
pub(crate) const PARAM_NAMES: [&str; 5] = ["pointer", "size", "flags", "im_ranges", "pin_ranges"];

/// Why the retag call `call` does not have the shape of the ABI (ranges are checked when
/// lowered); `None` if it does.
pub(crate) fn shape_error(call: LLVMValueRef, kind: RetagKind) -> Option<String> {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe {
        let n = LLVMGetNumArgOperands(call);
        if n != 5 {
            return Some(format!(
                "`{}` called with {n} arguments; the ABI has 5 (ptr, i64 size, i8 flags, \
                 ptr im_ranges, ptr pin_ranges)",
                kind.name()
            ));
        }
        let ty = |i| LLVMTypeOf(LLVMGetOperand(call, i));
        let wrong = |i: u32, want: &str| {
            Some(format!(
                "`{}`: argument {} ({}) has type `{}`, expected {want}",
                kind.name(),
                i,
                PARAM_NAMES[i as usize],
                value::type_string(ty(i))
            ))
        };
        if !is_ptr(ty(0)) {
            return wrong(0, "`ptr`");
        }
        for i in [1, 2] {
            if !is_int(ty(i)) {
                return wrong(i, "an integer");
            }
        }
        for i in [3, 4] {
            if !is_ptr(ty(i)) && !is_int(ty(i)) {
                return wrong(i, "`ptr` (or `usize`)");
            }
        }
        let ret = LLVMTypeOf(call);
        let void = LLVMGetTypeKind(ret) == LLVMTypeKind::LLVMVoidTypeKind;
        let ok = match kind {
            RetagKind::Reg => void || is_ptr(ret),
            RetagKind::Mem => void || iter::uses(call).next().is_none(),
        };
        if !ok {
            return Some(format!(
                "`{}` returns `{}`, expected {}",
                kind.name(),
                value::type_string(ret),
                if kind == RetagKind::Reg {
                    "`ptr`"
                } else {
                    "`void`"
                }
            ));
        }
        None
    }
}

/// Does `func` contain a well-formed retag that may be protected, other than `except`?
pub(crate) fn has_protected_retag(func: LLVMValueRef, except: &[LLVMValueRef]) -> bool {
    iter::all_instructions(func).any(|i| {
        if except.contains(&i) {
            return false;
        }
        let Some(kind) = retag_kind(i) else {
            return false;
        };
        if shape_error(i, kind).is_some() {
            return false;
        }
        // SAFETY: a well-formed retag call has 5 arguments.
        unsafe {
            let flags = LLVMGetOperand(i, 2);
            LLVMIsAConstantInt(flags).is_null()
                || LLVMConstIntGetZExtValue(flags) & PROTECTED as u64 != 0
        }
    })
}

// ---- accesses and memory operations --------------------------------------------------

/// Whether an access is a read or a write.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum AccessKind {
    Read,
    Write,
}

/// What a memory operation does to its destination's bytes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum MemOp {
    Copy,
    Set,
}

/// Whether `name` is an intrinsic that only annotates a pointer (debug info, stack slot
/// lifetimes): it neither accesses the pointee nor keeps the pointer.
pub(crate) fn is_annotation_intrinsic(name: &str) -> bool {
    name.starts_with("llvm.dbg.") || name.starts_with("llvm.lifetime.")
}

/// Whether `name` is a memory intrinsic (`llvm.memcpy.p0.p0.i64`, `llvm.memset.inline...`).
pub(crate) fn is_mem_intrinsic(name: &str) -> bool {
    mem_intrinsic(name).is_some()
}

/// What the memory intrinsic `name` does, if it is one.
pub(crate) fn mem_intrinsic(name: &str) -> Option<MemOp> {
    if name.starts_with("llvm.memcpy.") || name.starts_with("llvm.memmove.") {
        Some(MemOp::Copy)
    } else if name.starts_with("llvm.memset.") {
        Some(MemOp::Set)
    } else {
        None
    }
}

/// The libc functions with the same semantics.
pub(crate) fn mem_function(name: &str) -> Option<MemOp> {
    match name {
        "memcpy" | "memmove" => Some(MemOp::Copy),
        "memset" => Some(MemOp::Set),
        _ => None,
    }
}

// ---- allocators -----------------------------------------------------------------------

/// An allocator function of C's, by name (how Rust's heap becomes visible: in the fat-LTO
/// module the global allocator calls them).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Allocator {
    /// Returns a new block of `size(args)` bytes.
    Alloc,
    Free,
    Realloc,
    PosixMemalign,
}

pub(crate) fn allocator(name: &str) -> Option<Allocator> {
    Some(match name {
        "malloc" | "calloc" | "aligned_alloc" | "memalign" | "valloc" => Allocator::Alloc,
        "free" => Allocator::Free,
        "realloc" => Allocator::Realloc,
        "posix_memalign" => Allocator::PosixMemalign,
        _ => return None,
    })
}

// ---- globals and constants -------------------------------------------------------------

/// Whether the global variable `g` gets a provenance slot and an allocation record.
///
/// `constant` globals do not. LLVM marks a global `constant` only when its memory is never
/// written (rustc: statics without interior mutability, promoted constants, vtables, string
/// literals; C: `const` objects), and it lands in read-only memory, so a write to it faults
/// natively. Tree Borrows can only report an access after some write: a read is refused
/// only through a Disabled tag, and tags become Disabled (or Active, whose foreign read
/// under a protector is refused) only through writes; retags perform reads, protector ends
/// perform writes only for tags that wrote; globals are never deallocated. With no writes
/// possible, no tree of a constant global can ever report, and all its retags, nodes and
/// location chunks are pure cost: std's and crates' lookup tables are retagged whole at each
/// call taking a slice of them (`unicode-normalization`'s perfect-hash tables,
/// `encoding_rs`'s indexes), and every distinct element read splits the tree's location
/// chunks. (Checks of bounds or liveness through provenance, when they come, need a record
/// for these globals, but never a tree.)
pub(crate) fn trackable(td: LLVMTargetDataRef, g: LLVMValueRef) -> bool {
    let name = value_name(g);
    if name.starts_with("llvm.") || name.starts_with("__bsan_") {
        return false;
    }
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe {
        if LLVMIsDeclaration(g) != 0 || LLVMIsThreadLocal(g) != 0 || LLVMIsGlobalConstant(g) != 0 {
            return false;
        }
        if LLVMGetPointerAddressSpace(LLVMTypeOf(g)) != 0 {
            return false;
        }
        let section = LLVMGetSection(g);
        if !section.is_null() && std::ffi::CStr::from_ptr(section).to_bytes() == b"llvm.metadata" {
            return false;
        }
        let ty = LLVMGlobalGetValueType(g);
        LLVMTypeIsSized(ty) != 0 && LLVMABISizeOfType(td, ty) > 0
    }
}

/// Strip constant GEPs, bitcasts, addrspacecasts and aliases down to the base object.
pub(crate) fn strip_constant_offsets(mut c: LLVMValueRef) -> LLVMValueRef {
    let mut seen = HashSet::new();
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe {
        while seen.insert(c) {
            if !LLVMIsAGlobalAlias(c).is_null() {
                c = LLVMAliasGetAliasee(c);
            } else if !LLVMIsAConstantExpr(c).is_null()
                && matches!(
                    LLVMGetConstOpcode(c),
                    LLVMOpcode::LLVMGetElementPtr
                        | LLVMOpcode::LLVMBitCast
                        | LLVMOpcode::LLVMAddrSpaceCast
                )
            {
                c = LLVMGetOperand(c, 0);
            } else {
                break;
            }
        }
    }
    c
}
