//! Debug-info driven fn-entry retags (`Stage::RustCrate`).
//!
//! For every Rust parameter whose DI type is `&T`, `&mut T`, `Box<T>` or a slice/`str`
//! fat pointer, at the function's first insertion point (after the entry allocas, before
//! the argument is spilled):
//!
//! ```llvm
//! %x.new = call ptr @__rust_retag_reg(ptr %x, i64 SIZE, i8 FLAGS, ptr IM, ptr null)
//! ```
//!
//! and every other use of the `Argument` `%x` now uses `%x.new` (the spill store too, so
//! the debugger sees the retagged pointer; debug records keep `%x`, the same address).

use inkwell::llvm_sys::core::*;
use inkwell::llvm_sys::prelude::*;

use crate::attributes::{may_protect, retag_name};
use crate::debuginfo::{
    fn_entry_location, fn_params, replace_uses_except, Classifier, DiType, Skip,
};
use crate::emit::{first_insertion_point, Emitter};
use crate::SynthesisStats;

/// What DI said about a function's parameters.
pub enum Outcome {
    /// DI described at least one parameter (retags made for the references among them).
    Described,
    /// No parameter described by DI: the caller falls back to attributes.
    NoParams,
}

/// DI-driven fn-entry retags of `f`.
///
/// # Safety
/// `f` must be a live function with a body.
pub unsafe fn from_debuginfo(
    em: &mut Emitter,
    cls: &mut Classifier,
    f: LLVMValueRef,
    stats: &mut SynthesisStats,
) -> Outcome {
    // SAFETY: live LLVM handles of this module (the bsan-ir contract).
    unsafe {
        let mut params = fn_params(f);
        if params.is_empty() {
            return Outcome::NoParams;
        }
        params.sort_by_key(|p| p.argno);
        let protect = may_protect(f);
        let mut positioned = false;
        let mut done: Vec<LLVMValueRef> = Vec::new();
        for p in params {
            if p.ptr.is_null() || done.contains(&p.ptr) {
                continue;
            }
            let Some(ty) = DiType::new(p.ty) else {
                continue;
            };
            let shape = match cls.classify(ty, protect) {
                Ok(shape) => shape,
                Err(Skip::NotAReference) => continue,
                Err(_) => {
                    stats.skipped_params += 1;
                    continue;
                }
            };
            if !positioned {
                let entry = LLVMGetEntryBasicBlock(f);
                em.position_before(first_insertion_point(entry, true));
                em.set_location(fn_entry_location(f));
                positioned = true;
            }
            let len = (!p.len.is_null()).then_some(p.len);
            let Some(size) = em.size_value(shape.size, len) else {
                stats.skipped_params += 1;
                continue;
            };
            let name = retag_name(p.ptr);
            let new = em.retag(
                p.ptr,
                size,
                shape.flags,
                &shape.im_ranges,
                &shape.pin_ranges,
                &name,
            );
            replace_uses_except(p.ptr, new, &[new], std::ptr::null_mut());
            done.push(p.ptr);
            if !protect {
                stats.unprotected_inline_always += 1;
            }
            stats.fn_entry_retags += 1;
        }
        Outcome::Described
    }
}
