//! The shadow of SSA values: what a pointer's provenance is in the IR the pass emits
//! ([`Prov`], two `i64` values), the shadow of a first-class value ([`Shadow`], one `Prov`
//! per pointer leaf), and where a type's pointer leaves are ([`compute_leaves`]).
//!
//! Invariant: `(0, 0)` is untracked provenance; a value whose type has no leaves has an
//! empty shadow; leaf order is depth-first, the order of [`compute_leaves`].

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;
use inkwell::llvm_sys::target::{LLVMABISizeOfType, LLVMOffsetOfElement, LLVMTargetDataRef};
use inkwell::llvm_sys::LLVMTypeKind;

/// Aggregates with more pointer leaves than this are treated as having none (untracked).
/// Rust and C pass such aggregates through memory, so this only bounds pathological IR.
const MAX_LEAVES: usize = 32;

/// The shadow of one pointer: two `i64` SSA values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Prov {
    pub alloc: LLVMValueRef,
    pub tag: LLVMValueRef,
}

/// The shadow of a value: one [`Prov`] per pointer leaf of its type, in leaf order.
pub(crate) type Shadow = Vec<Prov>;

/// A pointer inside a first-class type: its `extractvalue` index path and byte offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Leaf {
    pub path: Vec<u32>,
    pub offset: u64,
}

/// Pointer leaves of `ty` in depth-first order. Pointers outside address space 0, vectors
/// of pointers, and aggregates with more than [`MAX_LEAVES`] leaves are not tracked.
pub(crate) fn compute_leaves(td: LLVMTargetDataRef, ty: LLVMTypeRef) -> Vec<Leaf> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    if collect(td, ty, &mut path, 0, &mut out) {
        out
    } else {
        Vec::new()
    }
}

/// Returns false when the leaf count exceeds [`MAX_LEAVES`].
fn collect(
    td: LLVMTargetDataRef,
    ty: LLVMTypeRef,
    path: &mut Vec<u32>,
    offset: u64,
    out: &mut Vec<Leaf>,
) -> bool {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe {
        match LLVMGetTypeKind(ty) {
            LLVMTypeKind::LLVMPointerTypeKind => {
                if LLVMGetPointerAddressSpace(ty) == 0 {
                    out.push(Leaf {
                        path: path.clone(),
                        offset,
                    });
                }
                out.len() <= MAX_LEAVES
            }
            LLVMTypeKind::LLVMStructTypeKind => {
                for i in 0..LLVMCountStructElementTypes(ty) {
                    let elem = LLVMStructGetTypeAtIndex(ty, i);
                    path.push(i);
                    let ok = collect(td, elem, path, offset + LLVMOffsetOfElement(td, ty, i), out);
                    path.pop();
                    if !ok {
                        return false;
                    }
                }
                true
            }
            LLVMTypeKind::LLVMArrayTypeKind => {
                let elem = LLVMGetElementType(ty);
                let n = LLVMGetArrayLength2(ty);
                // Arrays of pointer-free elements (byte buffers) are the common case.
                if n == 0 || compute_leaves(td, elem).is_empty() {
                    return true;
                }
                let size = LLVMABISizeOfType(td, elem);
                for i in 0..n {
                    path.push(i as u32);
                    let ok = collect(td, elem, path, offset + i * size, out);
                    path.pop();
                    if !ok {
                        return false;
                    }
                }
                true
            }
            _ => true,
        }
    }
}
